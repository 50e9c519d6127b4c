//! Who is calling: bearer JWTs checked for signature, algorithm, `exp`/`nbf`,
//! `iss` and `aud`, turned into a [`Caller`]; and extractors so that a
//! handler's signature names the roles that may reach it.

mod extract;
mod token;

pub use extract::{
    AccountCustomer, AnyCaller, CaseCreator, ComplaintsManager, Integrator, NotPartner, Senior,
    Staff,
};
pub use token::{mint, Claims, TokenVerifier, CASE_ACCESS_KID};
// Re-exported: what a caller may see is decided here, from the token.
pub use crate::domain::access::CaseScope;

use crate::domain::case::Role;

/// How the subject of a token from a case-access link begins: `case-link:` and the link's id.
/// The timeline and the access audit name the resident so.
pub const CASE_LINK_SUBJECT_PREFIX: &str = "case-link:";

/// An authenticated caller, as its token describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's `sub`: a customer's account, a staff member, a partner's client id.
    pub subject: String,
    /// The roles this service knows, in the order the token gave them.
    pub roles: Vec<Role>,
    /// The services a staff member belongs to or heads.
    pub services: Vec<String>,
    /// The application the token was issued to (its `azp` claim, or `client_id`), when it
    /// names one: the access audit records it.
    pub client_id: Option<String>,
    /// A resident holding a token from a case-access link: the one case it reaches.
    pub case_link: Option<CaseLink>,
}

/// The case a token from a case-access link reaches, and the link it came from (issue 16 §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseLink {
    /// The link's id: a revoked or claimed link stops its tokens at once.
    pub link: i64,
    /// The case's reference.
    pub reference: String,
}

impl Caller {
    /// The council website's backend, as the service's own code acts for it (the reference
    /// form): the `web_form` role under `subject`, no services, no client id.
    pub fn web_form(subject: impl Into<String>) -> Caller {
        Caller {
            subject: subject.into(),
            roles: vec![Role::WebForm],
            services: vec![],
            client_id: None,
            case_link: None,
        }
    }

    /// A resident holding a token from link `link` to case `reference`: a customer who can
    /// reach that one case and nothing else.
    pub fn case_link(link: i64, reference: impl Into<String>) -> Caller {
        Caller {
            subject: format!("{CASE_LINK_SUBJECT_PREFIX}{link}"),
            roles: vec![Role::Customer],
            services: vec![],
            client_id: None,
            case_link: Some(CaseLink {
                link,
                reference: reference.into(),
            }),
        }
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// A Head of Service or the complaints team: who approve, send, agree and close.
    pub fn is_senior(&self) -> bool {
        self.has(Role::HeadOfService) || self.has(Role::ComplaintsManager)
    }

    pub fn is_staff(&self) -> bool {
        self.roles.iter().any(|r| r.is_staff())
    }

    /// The role this caller acts in when a request could be taken several
    /// ways: the widest one it holds.
    pub fn acting_role(&self) -> Role {
        [
            Role::ComplaintsManager,
            Role::HeadOfService,
            Role::InvestigatingOfficer,
            Role::Partner,
            Role::WebForm,
            Role::Customer,
        ]
        .into_iter()
        .find(|r| self.has(*r))
        .unwrap_or(Role::Customer)
    }

    /// The cases this caller may read.
    pub fn case_scope(&self) -> CaseScope {
        if let Some(link) = &self.case_link {
            return CaseScope::Case(link.reference.clone());
        }
        match self.acting_role() {
            Role::ComplaintsManager => CaseScope::All,
            Role::HeadOfService | Role::InvestigatingOfficer => {
                CaseScope::Services(self.services.clone())
            }
            Role::Partner => CaseScope::PostedBy(self.subject.clone()),
            Role::Customer => CaseScope::Customer(self.subject.clone()),
            Role::WebForm => CaseScope::Nothing,
        }
    }
}

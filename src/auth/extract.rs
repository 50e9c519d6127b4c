//! Extractors that authenticate the request and admit only certain roles.
//! A handler taking `ComplaintsManager` cannot run for anyone else.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{http::header, web, FromRequest, HttpRequest};

use super::{Caller, TokenVerifier};
use crate::domain::case::Role;
use crate::error::ApiError;

fn authenticate(req: &HttpRequest) -> Result<Caller, ApiError> {
    let verifier = req
        .app_data::<web::Data<TokenVerifier>>()
        .ok_or_else(|| ApiError::internal("no token verifier configured"))?;
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Err(ApiError::Unauthorized {
            detail: "send a bearer token in the Authorization header".into(),
            token_sent: false,
        });
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::Unauthorized {
            detail: "the Authorization header must be `Bearer <token>`".into(),
            token_sent: true,
        })?;
    let caller = verifier
        .verify(token)
        .map_err(|detail| ApiError::Unauthorized {
            detail,
            token_sent: true,
        })?;
    if caller.roles.is_empty() {
        return Err(ApiError::Forbidden(
            "the token carries no role this service knows".into(),
        ));
    }
    Ok(caller)
}

/// Declares an extractor admitting the callers a rule admits: any of a set
/// of roles, or a rule of its own.
macro_rules! role_extractor {
    ($(#[$meta:meta])* $name:ident, [$($role:ident),+], $who:literal) => {
        role_extractor!(
            $(#[$meta])* $name,
            |caller| [$(Role::$role),+].iter().any(|r| caller.has(*r)),
            $who
        );
    };
    ($(#[$meta:meta])* $name:ident, |$caller:ident| $admits:expr, $who:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Caller);

        impl $name {
            /// The roles admitted, as the OpenAPI description names them.
            pub const ROLES: &'static str = $who;

            /// Whether this caller is admitted.
            pub fn admits($caller: &Caller) -> bool {
                $admits
            }
        }

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Ready<Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                ready(authenticate(req).and_then(|caller| {
                    if $name::admits(&caller) {
                        Ok($name(caller))
                    } else {
                        Err(ApiError::Forbidden(format!("only {} may do this", $who)))
                    }
                }))
            }
        }

        impl std::ops::Deref for $name {
            type Target = Caller;
            fn deref(&self) -> &Caller {
                &self.0
            }
        }
    };
}

role_extractor!(
    /// Any authenticated caller with a known role.
    AnyCaller,
    [Customer, InvestigatingOfficer, HeadOfService, ComplaintsManager, Partner],
    "any authenticated caller"
);

role_extractor!(
    /// Who may log a case: any authenticated caller, and the website's backend (`web_form`),
    /// which may do nothing else. Not a token from a case-access link: it reaches one case.
    CaseCreator,
    |caller| caller.case_link.is_none()
        && [
            Role::Customer,
            Role::InvestigatingOfficer,
            Role::HeadOfService,
            Role::ComplaintsManager,
            Role::Partner,
            Role::WebForm,
        ]
        .iter()
        .any(|r| caller.has(*r)),
    "any authenticated caller or the web_form client"
);

role_extractor!(
    /// A customer signed in with their own account: not a token from a case-access link
    /// (which reaches one case), nor staff or a machine client.
    AccountCustomer,
    |caller| caller.case_link.is_none() && caller.acting_role() == Role::Customer,
    "a customer signed in with their account"
);

role_extractor!(
    /// Any caller but a partner: the customer (or their representative) or
    /// staff. A token carrying the partner role among others acts as the
    /// partner (see [`Caller::acting_role`]), and is refused; so is the website's
    /// backend (`web_form`), which only creates.
    NotPartner,
    |caller| !matches!(caller.acting_role(), Role::Partner | Role::WebForm),
    "the customer or staff"
);

role_extractor!(
    /// Council staff: investigating officers, Heads of Service and the complaints team.
    Staff,
    [InvestigatingOfficer, HeadOfService, ComplaintsManager],
    "staff (investigating_officer, head_of_service, complaints_manager)"
);

role_extractor!(
    /// Senior staff: a Head of Service or the complaints team, who approve
    /// and send responses, agree extensions, close cases and read reports.
    Senior,
    |caller| caller.is_senior(),
    "the Head of Service or the complaints manager"
);

role_extractor!(
    /// Who registers webhook endpoints: the complaints manager (for the CRM) or a partner
    /// (for its own system), as the caller acts (see [`Caller::acting_role`]).
    Integrator,
    |caller| matches!(caller.acting_role(), Role::ComplaintsManager | Role::Partner),
    "complaints_manager or partner"
);

role_extractor!(
    /// The corporate complaints team.
    ComplaintsManager,
    [ComplaintsManager],
    "the complaints_manager role"
);

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(roles: &[Role]) -> Caller {
        Caller {
            subject: "someone".into(),
            roles: roles.to_vec(),
            services: vec!["waste-care".into()],
            client_id: None,
            case_link: None,
        }
    }

    #[test]
    fn senior_staff_are_heads_of_service_and_the_complaints_manager() {
        assert!(Senior::admits(&caller(&[Role::HeadOfService])));
        assert!(Senior::admits(&caller(&[Role::ComplaintsManager])));
        assert!(Senior::admits(&caller(&[
            Role::InvestigatingOfficer,
            Role::HeadOfService
        ])));
        assert!(!Senior::admits(&caller(&[Role::InvestigatingOfficer])));
        assert!(!Senior::admits(&caller(&[Role::Customer])));
        assert!(!Senior::admits(&caller(&[Role::Partner])));
    }

    #[test]
    fn a_caller_acting_as_a_partner_is_refused_whatever_else_it_holds() {
        assert!(NotPartner::admits(&caller(&[Role::Customer])));
        assert!(NotPartner::admits(&caller(&[Role::InvestigatingOfficer])));
        assert!(NotPartner::admits(&caller(&[
            Role::Partner,
            Role::HeadOfService
        ])));
        assert!(!NotPartner::admits(&caller(&[Role::Partner])));
        assert!(!NotPartner::admits(&caller(&[
            Role::Partner,
            Role::Customer
        ])));
        assert!(!NotPartner::admits(&caller(&[Role::WebForm])));
        assert!(!NotPartner::admits(&caller(&[
            Role::WebForm,
            Role::Customer
        ])));
    }

    #[test]
    fn the_web_form_client_may_create_and_nothing_else() {
        let web_form = Caller::web_form("council-website");
        assert_eq!(web_form.acting_role(), Role::WebForm);
        assert_eq!(
            web_form.case_scope(),
            crate::domain::access::CaseScope::Nothing
        );
        assert!(CaseCreator::admits(&web_form));
        assert!(!AnyCaller::admits(&web_form));
        assert!(!NotPartner::admits(&web_form));
        assert!(!Staff::admits(&web_form));
        assert!(!Senior::admits(&web_form));
        assert!(!Integrator::admits(&web_form));
    }

    #[test]
    fn a_case_link_token_acts_as_the_customer_of_its_one_case_and_creates_nothing() {
        let resident = Caller::case_link(7, "CMP-2026-000042");
        assert_eq!(resident.acting_role(), Role::Customer);
        assert_eq!(
            resident.case_scope(),
            crate::domain::access::CaseScope::Case("CMP-2026-000042".into())
        );
        assert!(NotPartner::admits(&resident));
        assert!(AnyCaller::admits(&resident));
        assert!(!CaseCreator::admits(&resident));
        assert!(!AccountCustomer::admits(&resident));
        assert!(AccountCustomer::admits(&caller(&[Role::Customer])));
        assert!(!AccountCustomer::admits(&caller(&[
            Role::InvestigatingOfficer
        ])));
        assert!(!Staff::admits(&resident));
    }
}

//! Who may see which cases (SPEC §1): the rule that storage applies to
//! every read, whoever the caller is.

/// Which cases a caller may see (SPEC §1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseScope {
    /// The complaints manager: every case.
    All,
    /// Officers and Heads of Service: their services' cases.
    Services(Vec<String>),
    /// A partner: the cases it posted.
    PostedBy(String),
    /// A customer: their own cases.
    Customer(String),
    /// The website's backend: no case at all (it creates, and reads nothing back).
    Nothing,
    /// A resident holding a token from a case-access link: the one case with this reference.
    Case(String),
}

use super::case::Role;

/// Whose compliments a caller may read of one member of staff (seed 003 §9: compliments are
/// passed to the staff named and form part of their appraisals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffComplimentScope {
    /// The staff member themselves and the complaints manager: every compliment naming them.
    All,
    /// A Head of Service: the compliments of the services they head.
    Services(Vec<String>),
}

/// Whether a caller with `roles`, token `subject` and `services` may read the compliments
/// naming `staff_id`, and which: the staff member themselves (a staff token whose `sub` is
/// the id), a Head of Service (those of their services), the complaints manager (all).
/// Anyone else may not (`None`): an officer reading a colleague's, a customer whose account
/// happens to share the id.
pub fn staff_compliments(
    roles: &[Role],
    subject: &str,
    services: &[String],
    staff_id: &str,
) -> Option<StaffComplimentScope> {
    let staff = roles.iter().any(|r| r.is_staff());
    if roles.contains(&Role::ComplaintsManager) || (staff && subject == staff_id) {
        Some(StaffComplimentScope::All)
    } else if roles.contains(&Role::HeadOfService) {
        Some(StaffComplimentScope::Services(services.to_vec()))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn services() -> Vec<String> {
        vec!["waste-care".to_string()]
    }

    #[test]
    fn staff_read_their_own_compliments_their_head_of_service_those_of_their_services() {
        let officer = [Role::InvestigatingOfficer];
        assert_eq!(
            staff_compliments(&officer, "jo.bloggs", &services(), "jo.bloggs"),
            Some(StaffComplimentScope::All)
        );
        assert_eq!(
            staff_compliments(&[Role::HeadOfService], "hos-1", &services(), "jo.bloggs"),
            Some(StaffComplimentScope::Services(services()))
        );
        assert_eq!(
            staff_compliments(&[Role::ComplaintsManager], "cm-1", &[], "jo.bloggs"),
            Some(StaffComplimentScope::All)
        );
    }

    #[test]
    fn a_colleague_a_customer_or_a_partner_may_not_read_someone_s_compliments() {
        let officer = [Role::InvestigatingOfficer];
        assert_eq!(
            staff_compliments(&officer, "sam.driver", &services(), "jo.bloggs"),
            None
        );
        assert_eq!(
            staff_compliments(&[Role::Customer], "jo.bloggs", &[], "jo.bloggs"),
            None
        );
        assert_eq!(
            staff_compliments(&[Role::Partner], "jo.bloggs", &[], "jo.bloggs"),
            None
        );
    }
}

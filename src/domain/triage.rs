//! Triage (SPEC §3): what the complaints team decides a new complaint is, and
//! what each decision needs and leads to.

use chrono::{Months, NaiveDate};

use super::case::{vocabulary, Kind, Stage, Status};
use super::policy::Policy;

vocabulary! {
    /// What a complaint is, once triaged.
    Decision {
        /// A formal complaint at stage 1.
        Accept => "accept",
        /// Put right at the point of service; only where the policy has an informal step.
        ResolveInformally => "resolve_informally",
        /// A first request for a service or report of a fault, not a complaint.
        ServiceRequest => "service_request",
        /// Another procedure applies.
        Excluded => "excluded",
        /// Not a council matter: referred to another organisation.
        OutsideRemit => "outside_remit",
        /// Raised more than the policy's time limit after the problem.
        OutOfTime => "out_of_time",
    }
}

vocabulary! {
    /// The procedures that take a matter out of the complaints procedure (seed 003).
    Procedure {
        AdultSocialCare => "adult_social_care",
        ChildrensServices => "childrens_services",
        Schools => "schools",
        InformationRights => "information_rights",
        CouncillorConduct => "councillor_conduct",
        Employment => "employment",
        AppealRoute => "appeal_route",
        LegalProceedings => "legal_proceedings",
        InsuranceClaim => "insurance_claim",
        Whistleblowing => "whistleblowing",
    }
}

impl Decision {
    /// Where the case stands after the decision.
    pub fn status(self) -> Status {
        match self {
            Decision::Accept => Status::Open,
            Decision::ResolveInformally => Status::ResolvedInformally,
            Decision::ServiceRequest => Status::ServiceRequest,
            Decision::Excluded => Status::Excluded,
            Decision::OutsideRemit => Status::OutsideRemit,
            Decision::OutOfTime => Status::OutOfTime,
        }
    }

    /// The stage the decision opens, if any.
    pub fn opens(self) -> Option<Stage> {
        (self == Decision::Accept).then_some(Stage::Stage1)
    }
}

/// Why a decision cannot be taken on this case now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Only complaints are triaged.
    NotAComplaint,
    /// The case has been triaged already.
    AlreadyTriaged(Status),
    /// The policy has no informal step (the Complaint Handling Code forbids a "stage 0").
    NoInformalStep,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotAComplaint => f.write_str("only complaints are triaged"),
            Refusal::AlreadyTriaged(status) => {
                write!(f, "the case has been triaged already: it is {status}")
            }
            Refusal::NoInformalStep => f.write_str(
                "the council's policy has no informal step: a complaint goes straight to stage 1",
            ),
        }
    }
}

/// Whether `decision` may be taken on a case of `kind` that is `status`.
pub fn check(
    decision: Decision,
    kind: Kind,
    status: Status,
    policy: &Policy,
) -> Result<(), Refusal> {
    if kind != Kind::Complaint {
        return Err(Refusal::NotAComplaint);
    }
    if status != Status::Received {
        return Err(Refusal::AlreadyTriaged(status));
    }
    if decision == Decision::ResolveInformally && !policy.informal_resolution_allowed {
        return Err(Refusal::NoInformalStep);
    }
    Ok(())
}

/// Whether a complaint received on `received` about a problem that arose or
/// came to light on `problem` is past the policy's time limit to raise it.
pub fn is_out_of_time(problem: Option<NaiveDate>, received: NaiveDate, policy: &Policy) -> bool {
    match problem.and_then(|p| p.checked_add_months(Months::new(policy.time_limit_to_raise_months)))
    {
        Some(limit) => received > limit,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Preset;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn the_code_forbids_an_informal_stage_and_dudley_allows_one() {
        let code = Policy::preset(Preset::ComplaintHandlingCode);
        let dudley = Policy::preset(Preset::Dudley2019);
        let informal = Decision::ResolveInformally;
        assert_eq!(
            check(informal, Kind::Complaint, Status::Received, &code),
            Err(Refusal::NoInformalStep)
        );
        assert_eq!(
            check(informal, Kind::Complaint, Status::Received, &dudley),
            Ok(())
        );
    }

    #[test]
    fn only_new_complaints_are_triaged() {
        let code = Policy::preset(Preset::ComplaintHandlingCode);
        assert_eq!(
            check(Decision::Accept, Kind::Compliment, Status::Received, &code),
            Err(Refusal::NotAComplaint)
        );
        assert_eq!(
            check(Decision::Accept, Kind::Complaint, Status::Open, &code),
            Err(Refusal::AlreadyTriaged(Status::Open))
        );
    }

    #[test]
    fn a_complaint_is_out_of_time_a_day_after_twelve_months() {
        let code = Policy::preset(Preset::ComplaintHandlingCode);
        let problem = Some(date("2025-03-31"));
        assert!(!is_out_of_time(problem, date("2026-03-31"), &code));
        assert!(is_out_of_time(problem, date("2026-04-01"), &code));
        assert!(!is_out_of_time(None, date("2030-01-01"), &code));
    }

    #[test]
    fn each_decision_says_where_the_case_goes() {
        assert_eq!(Decision::Accept.status(), Status::Open);
        assert_eq!(Decision::Accept.opens(), Some(Stage::Stage1));
        assert_eq!(Decision::OutsideRemit.opens(), None);
        assert_eq!(Decision::Excluded.status(), Status::Excluded);
    }
}

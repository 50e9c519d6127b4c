//! Triage (SPEC §3): what the complaints team decides a new complaint is, and
//! what each decision needs and leads to.

use super::case::{vocabulary, Kind, Stage, Status};

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
    /// `out_of_time` for a complaint raised within the policy's time limit, or whose problem
    /// date is not known.
    NotOutOfTime {
        /// The policy's limit, in months.
        months: u32,
    },
}

impl Refusal {
    /// The field at fault: the problem date for a wrong `out_of_time`, else the decision.
    pub fn field(&self) -> &'static str {
        match self {
            Refusal::NotOutOfTime { .. } => "problem_date",
            _ => "decision",
        }
    }

    /// Whether the refusal is about the values sent (422) rather than the case's state (409).
    pub fn is_invalid_value(&self) -> bool {
        matches!(self, Refusal::NotOutOfTime { .. })
    }
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
            Refusal::NotOutOfTime { months } => write!(
                f,
                "the complaint is out of time only when raised more than {months} months after \
                 the problem arose or came to light; record the problem date if it was"
            ),
        }
    }
}

/// Whether `decision` may be taken on a case of `kind` that is `status`, under a policy that
/// allows an informal step or not and sets `time_limit_months` to raise a complaint. A new
/// complaint takes any decision; one resolved informally can still go formal (`accept`,
/// SPEC §3). `out_of_time` says whether the complaint is past the time limit (see
/// [`super::deadlines::Deadlines::is_out_of_time`]).
pub fn check_with(
    decision: Decision,
    kind: Kind,
    status: Status,
    informal_resolution_allowed: bool,
    time_limit_months: u32,
    out_of_time: bool,
) -> Result<(), Refusal> {
    if kind != Kind::Complaint {
        return Err(Refusal::NotAComplaint);
    }
    match (status, decision) {
        (Status::Received, _) | (Status::ResolvedInformally, Decision::Accept) => {}
        _ => return Err(Refusal::AlreadyTriaged(status)),
    }
    if decision == Decision::ResolveInformally && !informal_resolution_allowed {
        return Err(Refusal::NoInformalStep);
    }
    if decision == Decision::OutOfTime && !out_of_time {
        return Err(Refusal::NotOutOfTime {
            months: time_limit_months,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules as a policy sets them.
    fn check(
        decision: Decision,
        kind: Kind,
        status: Status,
        policy: &Policy,
        out_of_time: bool,
    ) -> Result<(), Refusal> {
        check_with(
            decision,
            kind,
            status,
            policy.informal_resolution_allowed,
            policy.time_limit_to_raise_months,
            out_of_time,
        )
    }
    use crate::domain::policy::{Policy, Preset};

    #[test]
    fn the_code_forbids_an_informal_stage_and_dudley_allows_one() {
        let code = Policy::preset(Preset::ComplaintHandlingCode);
        let dudley = Policy::preset(Preset::Dudley2019);
        let informal = Decision::ResolveInformally;
        assert_eq!(
            check(informal, Kind::Complaint, Status::Received, &code, false),
            Err(Refusal::NoInformalStep)
        );
        assert_eq!(
            check(informal, Kind::Complaint, Status::Received, &dudley, false),
            Ok(())
        );
    }

    #[test]
    fn only_new_complaints_are_triaged() {
        let code = Policy::preset(Preset::ComplaintHandlingCode);
        assert_eq!(
            check(
                Decision::Accept,
                Kind::Compliment,
                Status::Received,
                &code,
                false
            ),
            Err(Refusal::NotAComplaint)
        );
        assert_eq!(
            check(
                Decision::Accept,
                Kind::Complaint,
                Status::Open,
                &code,
                false
            ),
            Err(Refusal::AlreadyTriaged(Status::Open))
        );
    }

    #[test]
    fn out_of_time_is_refused_for_a_complaint_within_the_time_limit_or_with_no_problem_date() {
        let code = Policy::preset(Preset::ComplaintHandlingCode);
        let late = Decision::OutOfTime;
        assert_eq!(
            check(late, Kind::Complaint, Status::Received, &code, false),
            Err(Refusal::NotOutOfTime { months: 12 })
        );
        assert_eq!(
            check(late, Kind::Complaint, Status::Received, &code, true),
            Ok(())
        );
        assert_eq!(Refusal::NotOutOfTime { months: 12 }.field(), "problem_date");
    }

    #[test]
    fn a_complaint_resolved_informally_can_still_go_formal_but_takes_no_other_decision() {
        let dudley = Policy::preset(Preset::Dudley2019);
        let informal = Status::ResolvedInformally;
        assert_eq!(
            check(Decision::Accept, Kind::Complaint, informal, &dudley, false),
            Ok(())
        );
        assert_eq!(
            check(
                Decision::Excluded,
                Kind::Complaint,
                informal,
                &dudley,
                false
            ),
            Err(Refusal::AlreadyTriaged(informal))
        );
    }

    #[test]
    fn each_decision_says_where_the_case_goes() {
        assert_eq!(Decision::Accept.status(), Status::Open);
        assert_eq!(Decision::Accept.opens(), Some(Stage::Stage1));
        assert_eq!(Decision::OutsideRemit.opens(), None);
        assert_eq!(Decision::Excluded.status(), Status::Excluded);
    }
}

//! Complaints about the English language fluency of a customer-facing worker (seed 002: "To
//! include as per HMG Code of Practice on the English language requirements for public sector
//! workers"). Such a complaint is a category with its own handling: like a staff conduct
//! matter it goes to the worker's manager, who considers whether the worker speaks English
//! fluently enough for the role, and it is counted apart from the rest in the reports.

use super::case::Kind;
use super::triage::Decision;

/// The category a complaint about a worker's English language fluency is logged under.
pub const CATEGORY: &str = "english_fluency";

/// Whether a case of `kind` in `category` is a complaint about a worker's fluency.
pub fn is_fluency_complaint(kind: Kind, category: Option<&str>) -> bool {
    kind == Kind::Complaint && category.is_some_and(|c| c.trim() == CATEGORY)
}

/// Whether triage deciding `decision` on a case of `kind` in `category` must refer it to the
/// worker's manager: a fluency complaint the council handles itself (accepted, or resolved
/// informally at the point of service). One sent elsewhere (excluded, outside the remit, a
/// service request, out of time) is not the manager's to consider.
pub fn needs_worker_manager(kind: Kind, category: Option<&str>, decision: Decision) -> bool {
    is_fluency_complaint(kind, category)
        && matches!(decision, Decision::Accept | Decision::ResolveInformally)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fluency_complaint_the_council_handles_goes_to_the_worker_s_manager() {
        let fluency = Some("english_fluency");
        assert!(needs_worker_manager(
            Kind::Complaint,
            fluency,
            Decision::Accept
        ));
        assert!(needs_worker_manager(
            Kind::Complaint,
            fluency,
            Decision::ResolveInformally
        ));
        for decision in [
            Decision::ServiceRequest,
            Decision::Excluded,
            Decision::OutsideRemit,
            Decision::OutOfTime,
        ] {
            assert!(!needs_worker_manager(Kind::Complaint, fluency, decision));
        }
    }

    #[test]
    fn only_a_complaint_in_the_category_is_a_fluency_complaint() {
        assert!(is_fluency_complaint(
            Kind::Complaint,
            Some(" english_fluency ")
        ));
        assert!(!is_fluency_complaint(
            Kind::Compliment,
            Some("english_fluency")
        ));
        assert!(!is_fluency_complaint(
            Kind::Complaint,
            Some("staff attitude")
        ));
        assert!(!is_fluency_complaint(Kind::Complaint, None));
        assert!(!needs_worker_manager(
            Kind::Complaint,
            Some("missed collection"),
            Decision::Accept
        ));
    }
}

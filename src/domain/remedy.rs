//! Remedies (SPEC §5): what the council promised to put right, and where
//! each promise stands.

use super::case::vocabulary;

vocabulary! {
    /// What kind of remedy (SPEC §5, seed 003).
    RemedyType {
        Apology => "apology",
        Explanation => "explanation",
        ServiceProvided => "service_provided",
        DecisionChanged => "decision_changed",
        RecordAmended => "record_amended",
        ProcessChange => "process_change",
        StaffTraining => "staff_training",
        Financial => "financial",
    }
}

vocabulary! {
    /// Where a remedy stands.
    RemedyStatus {
        Promised => "promised",
        Done => "done",
        /// Could not be delivered: the customer is told, with the Ombudsman's details.
        CannotDeliver => "cannot_deliver",
    }
}

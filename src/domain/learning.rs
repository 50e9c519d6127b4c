//! Learning actions: what a complaint taught the council and the change
//! agreed, and where that change stands.

use super::case::vocabulary;

vocabulary! {
    /// Where a learning action stands.
    LearningStatus {
        /// The change is agreed and not started.
        Agreed => "agreed",
        InProgress => "in_progress",
        /// Done, with the evidence that it was embedded.
        Completed => "completed",
        /// Not going ahead (say why in the evidence).
        Cancelled => "cancelled",
    }
}

impl LearningStatus {
    /// Still to be done: counts as overdue once its due date has passed.
    pub fn is_open(self) -> bool {
        matches!(self, LearningStatus::Agreed | LearningStatus::InProgress)
    }
}

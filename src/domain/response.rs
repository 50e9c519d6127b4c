//! A stage's response letter: drafted by the investigator, approved and sent by a Head of
//! Service or the complaints manager (SPEC §3).

use super::case::vocabulary;

vocabulary! {
    /// Where a stage's response stands.
    ResponseStatus {
        /// Written, waiting for approval; seen by staff only.
        Draft => "draft",
        /// Approved and sent to the customer: the stage's answer.
        Sent => "sent",
    }
}

//! Acknowledging a case or a compliment or comment: how it was sent.

use super::case::vocabulary;

vocabulary! {
    /// How an acknowledgement was sent.
    AcknowledgementMethod {
        Email => "email",
        Letter => "letter",
        Telephone => "telephone",
        InPerson => "in_person",
    }
}

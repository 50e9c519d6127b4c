//! Extending a stage's response time: where a request stands and the
//! decision on it.

use super::case::vocabulary;

vocabulary! {
    /// Where an extension stands.
    ExtensionStatus {
        Requested => "requested",
        Agreed => "agreed",
        Refused => "refused",
    }
}

vocabulary! {
    /// The decision on a requested extension.
    ExtensionDecision {
        Agree => "agree",
        Refuse => "refuse",
    }
}

vocabulary! {
    /// How the customer agreed to a longer extension.
    AgreementMethod {
        Email => "email",
        Letter => "letter",
        Telephone => "telephone",
        InPerson => "in_person",
    }
}

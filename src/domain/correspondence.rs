//! What the customer sends the council about their case (issue 13 §5, SPEC §1 "add
//! information"): information they add themselves, and incoming calls, letters and emails
//! that staff log. Either may arrive after the case is no longer being handled: it is still
//! taken, and the case is flagged for staff to look at (SPEC §7: "still logged and flagged,
//! never silently dropped").

use super::case::{vocabulary, Status};

vocabulary! {
    /// How incoming correspondence reached the council.
    CorrespondenceMethod {
        Phone => "phone",
        Letter => "letter",
        Email => "email",
        InPerson => "in_person",
        /// Through the website or the API: how a customer's own additions arrive.
        Online => "online",
    }
}

vocabulary! {
    /// Which way correspondence went.
    Direction {
        /// From the customer to the council.
        Incoming => "incoming",
    }
}

/// Whether information arriving on a case in `status` needs flagging so that staff notice
/// it: anything but a case waiting for triage or open at a stage, where nobody is handling it
/// any more (closed, withdrawn, or triaged out of the complaints process).
pub fn arrives_unattended(status: Status) -> bool {
    !matches!(status, Status::Received | Status::Open)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_information_on_a_case_nobody_is_handling_is_flagged() {
        let flagged: Vec<Status> = Status::ALL
            .iter()
            .copied()
            .filter(|s| arrives_unattended(*s))
            .collect();
        assert_eq!(
            flagged,
            vec![
                Status::ResolvedInformally,
                Status::ServiceRequest,
                Status::Excluded,
                Status::OutsideRemit,
                Status::OutOfTime,
                Status::Withdrawn,
                Status::Closed,
            ]
        );
    }
}

//! Compliments and comments (SPEC §2): passed to the service and the staff
//! named; acknowledged and answered within the policy's times only when the
//! customer asked; for a comment, what was done with it; then closed.

use super::case::{vocabulary, Kind, Status};

vocabulary! {
    /// What was done with a comment.
    CommentAction {
        /// The suggestion was taken up and the change made.
        Adopted => "adopted",
        /// The suggestion was taken up; the change is planned.
        Planned => "planned",
        /// The service is still considering it.
        UnderConsideration => "under_consideration",
        /// The suggestion was considered and not taken up (say why).
        NotAdopted => "not_adopted",
        /// Noted: no change is needed (say why).
        Noted => "noted",
    }
}

/// A member of staff a compliment or comment is passed to: the name the customer used and,
/// where staff know who that is, the staff member's id (the `sub` of their token), by which
/// compliments are counted for their appraisal (seed 003 §9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedStaff {
    pub name: String,
    pub staff_id: Option<String>,
}

/// The positions in `staff` that name a staff id an earlier one named: one member of staff
/// is passed a compliment once, so that it counts once for them.
pub fn repeated_staff_ids(staff: &[NamedStaff]) -> Vec<usize> {
    let mut seen = std::collections::HashSet::new();
    staff
        .iter()
        .enumerate()
        .filter_map(|(at, named)| {
            let id = named.staff_id.as_deref()?;
            (!seen.insert(id)).then_some(at)
        })
        .collect()
}

/// How far a compliment or comment has been handled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Handling {
    pub forwarded: bool,
    pub acknowledged: bool,
    pub replied: bool,
    pub action_recorded: bool,
}

/// A step in handling a compliment or comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Forward,
    Acknowledge,
    Reply,
    RecordAction,
    Close,
}

/// Why a step cannot be taken now: each reads as the problem's detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Complaints follow the complaints procedure, not this one.
    NotFeedback,
    /// Only comments have an action.
    NotAComment,
    /// The case is closed or withdrawn.
    NotBeingHandled(Status),
    /// The customer did not ask for an acknowledgement or reply.
    NoReplyAsked,
    ForwardedAlready,
    AcknowledgedAlready,
    RepliedAlready,
    /// Closing needs these done first.
    Unfinished(Vec<&'static str>),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotFeedback => f.write_str(
                "this is a complaint: it is triaged and handled in stages, not forwarded or replied to here",
            ),
            Refusal::NotAComment => f.write_str("only a comment has an action recorded"),
            Refusal::NotBeingHandled(status) => write!(f, "the case is {status}"),
            Refusal::NoReplyAsked => f.write_str(
                "the customer did not ask for a reply, so none is due; record that it was passed on and close it",
            ),
            Refusal::ForwardedAlready => f.write_str("it has been passed to the service already"),
            Refusal::AcknowledgedAlready => f.write_str("it has been acknowledged already"),
            Refusal::RepliedAlready => f.write_str("the customer has had their reply already"),
            Refusal::Unfinished(missing) => {
                write!(f, "it cannot be closed before: {}", missing.join(", "))
            }
        }
    }
}

/// Whether `step` may be taken on a case of `kind` that is `status`.
pub fn check(
    step: Step,
    kind: Kind,
    status: Status,
    response_requested: bool,
    done: Handling,
) -> Result<(), Refusal> {
    if kind == Kind::Complaint {
        return Err(Refusal::NotFeedback);
    }
    if !matches!(status, Status::Received | Status::Open) {
        return Err(Refusal::NotBeingHandled(status));
    }
    match step {
        Step::Forward if done.forwarded => Err(Refusal::ForwardedAlready),
        Step::Acknowledge | Step::Reply if !response_requested => Err(Refusal::NoReplyAsked),
        Step::Acknowledge if done.acknowledged || done.replied => Err(Refusal::AcknowledgedAlready),
        Step::Reply if done.replied => Err(Refusal::RepliedAlready),
        Step::RecordAction if kind != Kind::Comment => Err(Refusal::NotAComment),
        Step::Close => {
            let mut missing = vec![];
            if !done.forwarded {
                missing.push("passing it to the service");
            }
            if response_requested && !done.replied {
                missing.push("the reply the customer asked for");
            }
            if kind == Kind::Comment && !done.action_recorded {
                missing.push("recording what was done with the comment");
            }
            if missing.is_empty() {
                Ok(())
            } else {
                Err(Refusal::Unfinished(missing))
            }
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str, staff_id: Option<&str>) -> NamedStaff {
        NamedStaff {
            name: name.into(),
            staff_id: staff_id.map(String::from),
        }
    }

    #[test]
    fn a_member_of_staff_is_named_once_whatever_names_the_customer_used() {
        let staff = [
            named("Jo Bloggs", Some("jo.bloggs")),
            named("the driver", None),
            named("Jo", Some("jo.bloggs")),
            named("the other driver", None),
            named("Sam", Some("sam.driver")),
        ];
        assert_eq!(repeated_staff_ids(&staff), vec![2]);
        assert!(repeated_staff_ids(&staff[..2]).is_empty());
    }

    #[test]
    fn complaints_are_not_handled_as_feedback() {
        let refused = check(
            Step::Forward,
            Kind::Complaint,
            Status::Received,
            true,
            Handling::default(),
        );
        assert_eq!(refused, Err(Refusal::NotFeedback));
    }

    #[test]
    fn acknowledging_and_replying_need_the_customer_to_have_asked() {
        for step in [Step::Acknowledge, Step::Reply] {
            let asked = check(
                step,
                Kind::Compliment,
                Status::Open,
                true,
                Handling::default(),
            );
            assert_eq!(asked, Ok(()));
            let not = check(
                step,
                Kind::Compliment,
                Status::Open,
                false,
                Handling::default(),
            );
            assert_eq!(not, Err(Refusal::NoReplyAsked));
        }
    }

    #[test]
    fn each_step_happens_once_and_only_while_the_case_is_handled() {
        let done = Handling {
            forwarded: true,
            acknowledged: true,
            replied: true,
            action_recorded: false,
        };
        assert_eq!(
            check(Step::Forward, Kind::Comment, Status::Open, true, done),
            Err(Refusal::ForwardedAlready)
        );
        assert_eq!(
            check(Step::Acknowledge, Kind::Comment, Status::Open, true, done),
            Err(Refusal::AcknowledgedAlready)
        );
        assert_eq!(
            check(Step::Reply, Kind::Comment, Status::Open, true, done),
            Err(Refusal::RepliedAlready)
        );
        assert_eq!(
            check(Step::RecordAction, Kind::Comment, Status::Open, true, done),
            Ok(())
        );
        assert_eq!(
            check(
                Step::RecordAction,
                Kind::Compliment,
                Status::Open,
                true,
                done
            ),
            Err(Refusal::NotAComment)
        );
        assert_eq!(
            check(
                Step::RecordAction,
                Kind::Comment,
                Status::Closed,
                true,
                done
            ),
            Err(Refusal::NotBeingHandled(Status::Closed))
        );
    }

    #[test]
    fn closing_needs_forwarding_the_reply_asked_for_and_for_a_comment_its_action() {
        let nothing = Handling::default();
        assert_eq!(
            check(Step::Close, Kind::Comment, Status::Received, true, nothing),
            Err(Refusal::Unfinished(vec![
                "passing it to the service",
                "the reply the customer asked for",
                "recording what was done with the comment"
            ]))
        );
        let forwarded = Handling {
            forwarded: true,
            ..nothing
        };
        assert_eq!(
            check(
                Step::Close,
                Kind::Compliment,
                Status::Open,
                false,
                forwarded
            ),
            Ok(())
        );
        assert!(check(Step::Close, Kind::Compliment, Status::Open, true, forwarded).is_err());
    }
}

//! The complaint's lifecycle as one table (SPEC §3–5): for each command, in each state, where
//! the case goes next, or why it cannot. Handlers read the case's state, ask [`step`], and do
//! what it allows; no handler decides by comparing status strings of its own.
//!
//! Compliments and comments have their own, shorter table in [`crate::domain::feedback`];
//! triage's per-decision rules are in [`crate::domain::triage`], which this table consults.

use chrono::NaiveDate;

use super::{Kind, Stage, Status};
use crate::domain::extension::ExtensionStatus;
use crate::domain::flag::Flag;
use crate::domain::remedy::RemedyStatus;
use crate::domain::triage::{self, Decision};

/// What the lifecycle needs to know of a case's current (latest) stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageState {
    pub stage: Stage,
    pub acknowledged: bool,
    /// Set once acknowledged (or once a response stands as the acknowledgement).
    pub response_due: Option<NaiveDate>,
    pub responded: bool,
    /// The last day to ask for the next stage, where the policy sets a window.
    pub window_closes: Option<NaiveDate>,
}

/// What the lifecycle needs to know of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseState {
    pub kind: Kind,
    pub status: Status,
    /// The latest formal stage, if the complaint reached one.
    pub current: Option<StageState>,
    /// Whether any stage's response was sent (the Ombudsman looks only at answered complaints).
    pub answered: bool,
    /// Whether an extension of the current stage is waiting for a decision.
    pub extension_waiting: bool,
    /// Promised remedies neither done nor reported undeliverable.
    pub outstanding_remedies: usize,
    /// Whether the Ombudsman referral is recorded.
    pub referred_to_ombudsman: bool,
    /// A compliment or comment that was passed to its service (reopens as `open`).
    pub forwarded: bool,
    /// Contact under a restriction of no further correspondence on a matter that staff have
    /// not yet read for new issues (see [`crate::domain::restriction`]).
    pub new_issue_review_owed: bool,
}

/// Something a caller asks to do to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Triage decides what a complaint is.
    Triage {
        decision: Decision,
        informal_resolution_allowed: bool,
        out_of_time: bool,
        time_limit_months: u32,
    },
    /// The current stage is acknowledged.
    Acknowledge,
    /// The current stage's investigator is named.
    Assign,
    /// More time for the current stage's response is asked for.
    RequestExtension,
    /// An extension, now `extension`, is agreed or refused.
    DecideExtension { extension: ExtensionStatus },
    /// The current stage's response is drafted.
    DraftResponse,
    /// A draft is approved and sent; `stands_as_acknowledgement` where it is sent within the
    /// acknowledgement time of a stage not yet acknowledged.
    SendResponse { stands_as_acknowledgement: bool },
    /// Stage 2 is asked for on `today`; `late_accepted` when the complaints manager accepts
    /// a request after the window with a reason.
    Escalate {
        today: NaiveDate,
        late_accepted: bool,
    },
    /// The complaints manager refuses a request for stage 2 (one after the window, or one
    /// the policy excludes), with reasons: nothing moves, and the customer is told.
    RefuseEscalation,
    /// The customer withdraws.
    Withdraw,
    /// The case is closed on `today`; `remedies_reason` when the complaints manager gives a
    /// reason to close with remedies outstanding.
    Close {
        today: NaiveDate,
        remedies_reason: bool,
    },
    /// The complaints manager reopens.
    Reopen,
    /// The Ombudsman referral is recorded.
    ReferToOmbudsman,
    /// The Ombudsman's decision is recorded.
    RecordOmbudsmanDecision,
    /// A remedy is promised.
    PromiseRemedy,
    /// What became of a promised remedy, now `remedy`, is recorded.
    RecordRemedyOutcome { remedy: RemedyStatus },
    /// The case is flagged `flag` (a claim, staff conduct); `flagged_already` if it carries it.
    Flag { flag: Flag, flagged_already: bool },
    /// The case is linked to another; `to_itself` if the other is this case,
    /// `linked_already` if the two are linked.
    Link {
        to_itself: bool,
        linked_already: bool,
    },
    /// The lead or contributing services change.
    ChangeOwnership,
}

/// Where an allowed command takes the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// Its status after.
    pub status: Status,
    /// The stage it is at after.
    pub stage: Option<Stage>,
    /// A stage the command opens.
    pub opens: Option<Stage>,
    /// Whether the command reopens a closed case.
    pub reopens: bool,
}

/// Why a command cannot be done to a case in its state. Each reads as a problem's detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Triage's own refusal.
    Triage(triage::Refusal),
    /// The command is for complaints.
    NotAComplaint(&'static str),
    /// The command needs an open complaint at a stage.
    NotAtAStage(&'static str),
    /// The stage was acknowledged already.
    AcknowledgedAlready,
    /// The stage has no response due date: it must be acknowledged first.
    NotAcknowledged,
    /// The stage's response was sent already.
    RespondedAlready,
    /// An extension of the stage is already waiting for a decision.
    ExtensionWaiting,
    /// Stage 2 is asked for once the stage 1 response was sent.
    NotAnswered,
    /// The complaint is at stage 2 already.
    AtStage2Already,
    /// Stage 2 is asked for on a complaint with a stage 1 response.
    NoStage1Response,
    /// The stage 2 window closed; only the complaints manager accepts a late request.
    WindowClosed(NaiveDate),
    /// The customer can still ask for stage 2.
    WindowOpen(NaiveDate),
    /// A promised remedy is outstanding.
    RemediesOutstanding(usize),
    /// Nothing in this status can be done this way (withdrawn, closed, reopened).
    WrongStatus {
        command: &'static str,
        status: Status,
    },
    /// The Ombudsman referral was recorded already.
    ReferredAlready,
    /// The Ombudsman referral must come first.
    NotReferred,
    /// The case is closed or withdrawn: reopen it first.
    NotBeingHandled(Status),
    /// The extension was agreed or refused already.
    DecidedAlready(ExtensionStatus),
    /// What became of the remedy was recorded already.
    RemedySettled(RemedyStatus),
    /// The case carries the flag already.
    FlaggedAlready(Flag),
    /// A case is not linked to itself.
    LinkedToItself,
    /// The two cases are linked already.
    LinkedAlready,
    /// Restricted contact on the case must be read for new issues before it is closed or
    /// triaged out.
    NewIssueReviewOwed,
}

impl Refusal {
    /// The field a client should look at, where one is at fault.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Refusal::Triage(refusal) => Some(refusal.field()),
            Refusal::WindowClosed(_) => Some("late_acceptance_reason"),
            Refusal::RemediesOutstanding(_) => Some("outstanding_remedies_reason"),
            Refusal::FlaggedAlready(_) => Some("flag"),
            Refusal::LinkedToItself | Refusal::LinkedAlready => Some("reference"),
            Refusal::NewIssueReviewOwed => Some("new_issue_review"),
            _ => None,
        }
    }

    /// Whether the refusal is about the values sent (422) rather than the case's state (409).
    pub fn is_invalid_value(&self) -> bool {
        match self {
            Refusal::Triage(refusal) => refusal.is_invalid_value(),
            Refusal::LinkedToItself => true,
            _ => false,
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Triage(refusal) => refusal.fmt(f),
            Refusal::NotAComplaint(what) | Refusal::NotAtAStage(what) => f.write_str(what),
            Refusal::AcknowledgedAlready => f.write_str("this stage has been acknowledged already"),
            Refusal::NotAcknowledged => {
                f.write_str("the stage has no response due date yet: acknowledge it first")
            }
            Refusal::RespondedAlready => f.write_str("this stage's response has been sent already"),
            Refusal::ExtensionWaiting => {
                f.write_str("an extension of this stage is already waiting for a decision")
            }
            Refusal::NotAnswered => {
                f.write_str("stage 2 can be asked for once the stage 1 response has been sent")
            }
            Refusal::AtStage2Already => f.write_str("the complaint is at stage 2 already"),
            Refusal::NoStage1Response => {
                f.write_str("only a complaint with a stage 1 response asks for stage 2")
            }
            Refusal::WindowClosed(closes) => write!(
                f,
                "the window for asking for stage 2 closed on {closes}; the complaints manager can \
                 accept a late request with a reason"
            ),
            Refusal::WindowOpen(closes) => {
                write!(f, "the customer can ask for stage 2 until {closes}")
            }
            Refusal::RemediesOutstanding(count) => write!(
                f,
                "{count} promised remedies are neither done nor reported undeliverable; complete \
                 them, or the complaints manager closes the case with outstanding_remedies_reason"
            ),
            Refusal::WrongStatus { command, status } => {
                write!(f, "a case that is {status} cannot be {command}")
            }
            Refusal::ReferredAlready => {
                f.write_str("the Ombudsman referral has been recorded already")
            }
            Refusal::NotReferred => f.write_str("record the Ombudsman referral first"),
            Refusal::NotBeingHandled(status) => write!(
                f,
                "the case is {status}: reopen it before changing who handles it"
            ),
            Refusal::DecidedAlready(status) => write!(f, "the extension has been {status} already"),
            Refusal::RemedySettled(status) => write!(f, "the remedy is {status} already"),
            Refusal::FlaggedAlready(flag) => write!(f, "the case is flagged {flag} already"),
            Refusal::LinkedToItself => f.write_str("a case cannot be linked to itself"),
            Refusal::LinkedAlready => f.write_str("the cases are linked already"),
            Refusal::NewIssueReviewOwed => f.write_str(
                "this case is contact from a person under a restriction of no further \
                 correspondence on a matter: record that it was read for new issues or \
                 safeguarding concerns (POST /api/v1/cases/{reference}/new-issue-review) before \
                 it is closed",
            ),
        }
    }
}

/// Where `command` takes a case in `state`, or why it cannot.
pub fn step(state: &CaseState, command: Command) -> Result<Transition, Refusal> {
    let stay = Transition {
        status: state.status,
        stage: state.current.map(|s| s.stage),
        opens: None,
        reopens: false,
    };
    let complaint = state.kind == Kind::Complaint;
    // The current stage of an open complaint, for the commands that work on one.
    let at_stage = |what: &'static str| match (complaint, state.status, state.current) {
        (true, Status::Open, Some(current)) => Ok(current),
        _ => Err(Refusal::NotAtAStage(what)),
    };
    match command {
        Command::Triage {
            decision,
            informal_resolution_allowed,
            out_of_time,
            time_limit_months,
        } => {
            triage::check_with(
                decision,
                state.kind,
                state.status,
                informal_resolution_allowed,
                time_limit_months,
                out_of_time,
            )
            .map_err(Refusal::Triage)?;
            // Any decision but accepting ends the case's handling.
            if decision != Decision::Accept && state.new_issue_review_owed {
                return Err(Refusal::NewIssueReviewOwed);
            }
            Ok(Transition {
                status: decision.status(),
                stage: decision.opens(),
                opens: decision.opens(),
                reopens: false,
            })
        }
        Command::Acknowledge => {
            let current = at_stage("only an accepted complaint at a stage is acknowledged")?;
            if current.acknowledged {
                return Err(Refusal::AcknowledgedAlready);
            }
            Ok(stay)
        }
        Command::Assign => {
            at_stage("only an accepted complaint at a stage is assigned")?;
            Ok(stay)
        }
        Command::RequestExtension => {
            let current = at_stage("only an open complaint at a stage is extended")?;
            if current.responded {
                return Err(Refusal::RespondedAlready);
            }
            if current.response_due.is_none() {
                return Err(Refusal::NotAcknowledged);
            }
            if state.extension_waiting {
                return Err(Refusal::ExtensionWaiting);
            }
            Ok(stay)
        }
        Command::DraftResponse => {
            let current = at_stage("only an open complaint at a stage gets a response")?;
            if current.responded {
                return Err(Refusal::RespondedAlready);
            }
            Ok(stay)
        }
        Command::SendResponse {
            stands_as_acknowledgement,
        } => {
            let current = at_stage("only an open complaint at a stage gets a response")?;
            if current.responded {
                return Err(Refusal::RespondedAlready);
            }
            if current.response_due.is_none() && !stands_as_acknowledgement {
                return Err(Refusal::NotAcknowledged);
            }
            Ok(stay)
        }
        Command::Escalate {
            today,
            late_accepted,
        } => {
            // A complaint closed after its stage 1 response can still go to stage 2: the
            // request itself reopens it.
            let current = match (complaint, state.status, state.current) {
                (true, Status::Open | Status::Closed, Some(current)) => current,
                _ => return Err(Refusal::NoStage1Response),
            };
            if current.stage != Stage::Stage1 {
                return Err(Refusal::AtStage2Already);
            }
            if !current.responded {
                return Err(Refusal::NotAnswered);
            }
            if let Some(closes) = current.window_closes.filter(|closes| today > *closes) {
                if !late_accepted {
                    return Err(Refusal::WindowClosed(closes));
                }
            }
            Ok(Transition {
                status: Status::Open,
                stage: Some(Stage::Stage2),
                opens: Some(Stage::Stage2),
                reopens: state.status == Status::Closed,
            })
        }
        Command::RefuseEscalation => {
            // What could be asked for can be refused: a complaint with its stage 1 response
            // sent, not at stage 2.
            let current = match (complaint, state.status, state.current) {
                (true, Status::Open | Status::Closed, Some(current)) => current,
                _ => return Err(Refusal::NoStage1Response),
            };
            if current.stage != Stage::Stage1 {
                return Err(Refusal::AtStage2Already);
            }
            if !current.responded {
                return Err(Refusal::NotAnswered);
            }
            Ok(stay)
        }
        Command::Withdraw => match state.status {
            Status::Received | Status::Open => Ok(Transition {
                status: Status::Withdrawn,
                ..stay
            }),
            status => Err(Refusal::WrongStatus {
                command: "withdrawn",
                status,
            }),
        },
        Command::Close {
            today,
            remedies_reason,
        } => {
            let closed = Transition {
                status: Status::Closed,
                ..stay
            };
            match state.status {
                Status::Withdrawn
                | Status::ResolvedInformally
                | Status::ServiceRequest
                | Status::Excluded
                | Status::OutsideRemit
                | Status::OutOfTime => {}
                // A compliment or comment: whether its handling is finished is the feedback
                // table's question (domain::feedback::check with Step::Close).
                Status::Received | Status::Open if !complaint => {}
                Status::Open => {
                    let current = state
                        .current
                        .ok_or(Refusal::NotAtAStage("the complaint has no stage"))?;
                    if !current.responded {
                        return Err(Refusal::NotAtAStage(
                            "the current stage's response has not been sent",
                        ));
                    }
                    if let Some(closes) = current
                        .window_closes
                        .filter(|closes| current.stage == Stage::Stage1 && today <= *closes)
                    {
                        return Err(Refusal::WindowOpen(closes));
                    }
                }
                status => {
                    return Err(Refusal::WrongStatus {
                        command: "closed",
                        status,
                    })
                }
            }
            if state.outstanding_remedies > 0 && !remedies_reason {
                return Err(Refusal::RemediesOutstanding(state.outstanding_remedies));
            }
            if state.new_issue_review_owed {
                return Err(Refusal::NewIssueReviewOwed);
            }
            Ok(closed)
        }
        Command::Reopen => match state.status {
            Status::Closed | Status::Withdrawn => Ok(Transition {
                status: if state.current.is_some() || state.forwarded {
                    Status::Open
                } else {
                    Status::Received
                },
                reopens: true,
                ..stay
            }),
            status => Err(Refusal::WrongStatus {
                command: "reopened",
                status,
            }),
        },
        Command::ReferToOmbudsman => {
            if !complaint {
                return Err(Refusal::NotAComplaint(
                    "only complaints go to the Ombudsman",
                ));
            }
            if state.referred_to_ombudsman {
                return Err(Refusal::ReferredAlready);
            }
            if !state.answered {
                return Err(Refusal::NotAComplaint(
                    "the complaint has had no response from the council yet",
                ));
            }
            Ok(stay)
        }
        Command::RecordOmbudsmanDecision => {
            if !state.referred_to_ombudsman {
                return Err(Refusal::NotReferred);
            }
            Ok(stay)
        }
        Command::PromiseRemedy => {
            if !complaint || state.current.is_none() {
                return Err(Refusal::NotAComplaint(
                    "remedies are promised on accepted complaints",
                ));
            }
            Ok(stay)
        }
        Command::ChangeOwnership => match state.status {
            Status::Closed | Status::Withdrawn => Err(Refusal::NotBeingHandled(state.status)),
            _ => Ok(stay),
        },
        Command::DecideExtension { extension } => match extension {
            ExtensionStatus::Requested => Ok(stay),
            decided => Err(Refusal::DecidedAlready(decided)),
        },
        Command::RecordRemedyOutcome { remedy } => match remedy {
            RemedyStatus::Promised => Ok(stay),
            settled => Err(Refusal::RemedySettled(settled)),
        },
        Command::Flag {
            flag,
            flagged_already,
        } => {
            if flagged_already {
                return Err(Refusal::FlaggedAlready(flag));
            }
            Ok(stay)
        }
        Command::Link {
            to_itself,
            linked_already,
        } => {
            if to_itself {
                return Err(Refusal::LinkedToItself);
            }
            if linked_already {
                return Err(Refusal::LinkedAlready);
            }
            Ok(stay)
        }
    }
}

#[cfg(test)]
mod tests {
    //! One test per row of the table, named as the policy says it.

    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    fn received() -> CaseState {
        CaseState {
            kind: Kind::Complaint,
            status: Status::Received,
            current: None,
            answered: false,
            extension_waiting: false,
            outstanding_remedies: 0,
            referred_to_ombudsman: false,
            forwarded: false,
            new_issue_review_owed: false,
        }
    }

    fn stage_1() -> StageState {
        StageState {
            stage: Stage::Stage1,
            acknowledged: false,
            response_due: None,
            responded: false,
            window_closes: None,
        }
    }

    fn at(current: StageState) -> CaseState {
        CaseState {
            status: Status::Open,
            current: Some(current),
            answered: current.responded,
            ..received()
        }
    }

    fn acknowledged() -> StageState {
        StageState {
            acknowledged: true,
            response_due: Some(date("2026-12-15")),
            ..stage_1()
        }
    }

    fn answered(window: Option<&str>) -> StageState {
        StageState {
            responded: true,
            window_closes: window.map(date),
            ..acknowledged()
        }
    }

    fn triage(decision: Decision, informal: bool, out_of_time: bool) -> Command {
        Command::Triage {
            decision,
            informal_resolution_allowed: informal,
            out_of_time,
            time_limit_months: 12,
        }
    }

    const TODAY: &str = "2026-12-01";

    fn escalate(late_accepted: bool) -> Command {
        Command::Escalate {
            today: date(TODAY),
            late_accepted,
        }
    }

    fn close(remedies_reason: bool) -> Command {
        Command::Close {
            today: date(TODAY),
            remedies_reason,
        }
    }

    // ------------------------------------------------------------ triage

    #[test]
    fn accepting_a_new_complaint_opens_stage_1() {
        let next = step(&received(), triage(Decision::Accept, false, false)).expect("allowed");
        assert_eq!(next.status, Status::Open);
        assert_eq!(next.opens, Some(Stage::Stage1));
    }

    #[test]
    fn under_the_code_there_is_no_informal_stage() {
        assert_eq!(
            step(
                &received(),
                triage(Decision::ResolveInformally, false, false)
            ),
            Err(Refusal::Triage(triage::Refusal::NoInformalStep))
        );
    }

    #[test]
    fn a_complaint_resolved_informally_can_still_go_formal() {
        let informal = CaseState {
            status: Status::ResolvedInformally,
            ..received()
        };
        let next = step(&informal, triage(Decision::Accept, true, false)).expect("allowed");
        assert_eq!(next.opens, Some(Stage::Stage1));
        assert!(matches!(
            step(&informal, triage(Decision::Excluded, true, false)),
            Err(Refusal::Triage(triage::Refusal::AlreadyTriaged(_)))
        ));
    }

    #[test]
    fn out_of_time_needs_the_time_limit_really_exceeded() {
        let refused = step(&received(), triage(Decision::OutOfTime, false, false));
        assert!(
            matches!(&refused, Err(r) if r.is_invalid_value() && r.field() == Some("problem_date"))
        );
        let next = step(&received(), triage(Decision::OutOfTime, false, true)).expect("allowed");
        assert_eq!(next.status, Status::OutOfTime);
    }

    #[test]
    fn an_open_complaint_is_not_triaged_again() {
        assert!(matches!(
            step(&at(stage_1()), triage(Decision::Accept, false, false)),
            Err(Refusal::Triage(triage::Refusal::AlreadyTriaged(
                Status::Open
            )))
        ));
    }

    // ------------------------------------------------------------ acknowledgement, assignment

    #[test]
    fn an_accepted_complaint_is_acknowledged_once() {
        assert!(step(&at(stage_1()), Command::Acknowledge).is_ok());
        assert_eq!(
            step(&at(acknowledged()), Command::Acknowledge),
            Err(Refusal::AcknowledgedAlready)
        );
        assert!(matches!(
            step(&received(), Command::Acknowledge),
            Err(Refusal::NotAtAStage(_))
        ));
    }

    #[test]
    fn only_a_complaint_at_a_stage_is_assigned() {
        assert!(step(&at(stage_1()), Command::Assign).is_ok());
        assert!(matches!(
            step(&received(), Command::Assign),
            Err(Refusal::NotAtAStage(_))
        ));
    }

    // ------------------------------------------------------------ extensions

    #[test]
    fn an_extension_is_asked_for_once_the_stage_is_acknowledged_and_before_it_is_answered() {
        assert_eq!(
            step(&at(stage_1()), Command::RequestExtension),
            Err(Refusal::NotAcknowledged)
        );
        assert!(step(&at(acknowledged()), Command::RequestExtension).is_ok());
        assert_eq!(
            step(&at(answered(None)), Command::RequestExtension),
            Err(Refusal::RespondedAlready)
        );
    }

    #[test]
    fn one_extension_at_a_time_waits_for_a_decision() {
        let waiting = CaseState {
            extension_waiting: true,
            ..at(acknowledged())
        };
        assert_eq!(
            step(&waiting, Command::RequestExtension),
            Err(Refusal::ExtensionWaiting)
        );
    }

    // ------------------------------------------------------------ responses

    #[test]
    fn a_response_is_drafted_until_one_is_sent() {
        assert!(step(&at(stage_1()), Command::DraftResponse).is_ok());
        assert_eq!(
            step(&at(answered(None)), Command::DraftResponse),
            Err(Refusal::RespondedAlready)
        );
    }

    #[test]
    fn a_response_is_sent_once_acknowledged_or_as_the_acknowledgement_within_its_time() {
        let unacknowledged = at(stage_1());
        assert_eq!(
            step(
                &unacknowledged,
                Command::SendResponse {
                    stands_as_acknowledgement: false
                }
            ),
            Err(Refusal::NotAcknowledged)
        );
        assert!(step(
            &unacknowledged,
            Command::SendResponse {
                stands_as_acknowledgement: true
            }
        )
        .is_ok());
        assert!(step(
            &at(acknowledged()),
            Command::SendResponse {
                stands_as_acknowledgement: false
            }
        )
        .is_ok());
    }

    // ------------------------------------------------------------ stage 2

    #[test]
    fn stage_2_is_asked_for_after_the_stage_1_response_inside_the_window() {
        let next = step(&at(answered(Some("2026-12-31"))), escalate(false)).expect("allowed");
        assert_eq!(next.stage, Some(Stage::Stage2));
        assert_eq!(next.opens, Some(Stage::Stage2));
        assert!(!next.reopens);
        assert_eq!(
            step(&at(acknowledged()), escalate(false)),
            Err(Refusal::NotAnswered)
        );
    }

    #[test]
    fn stage_2_request_after_window_is_refused_unless_manager_accepts() {
        let late = at(answered(Some("2026-11-30")));
        assert_eq!(
            step(&late, escalate(false)),
            Err(Refusal::WindowClosed(date("2026-11-30")))
        );
        assert!(step(&late, escalate(true)).is_ok());
    }

    #[test]
    fn a_request_for_stage_2_is_refused_only_where_it_could_be_made() {
        let answered_late = at(answered(Some("2026-11-30")));
        let next = step(&answered_late, Command::RefuseEscalation).expect("allowed");
        assert_eq!(next.status, Status::Open);
        assert_eq!(next.stage, Some(Stage::Stage1));
        assert_eq!(next.opens, None);
        let closed = CaseState {
            status: Status::Closed,
            ..answered_late
        };
        assert_eq!(
            step(&closed, Command::RefuseEscalation).map(|t| t.status),
            Ok(Status::Closed),
            "a closed complaint stays closed"
        );
        assert_eq!(
            step(&at(acknowledged()), Command::RefuseEscalation),
            Err(Refusal::NotAnswered)
        );
        let stage_2 = at(StageState {
            stage: Stage::Stage2,
            ..answered(None)
        });
        assert_eq!(
            step(&stage_2, Command::RefuseEscalation),
            Err(Refusal::AtStage2Already)
        );
        assert_eq!(
            step(&received(), Command::RefuseEscalation),
            Err(Refusal::NoStage1Response)
        );
    }

    #[test]
    fn a_stage_2_request_reopens_a_complaint_closed_after_stage_1() {
        let closed = CaseState {
            status: Status::Closed,
            ..at(answered(None))
        };
        let next = step(&closed, escalate(false)).expect("allowed");
        assert_eq!(next.status, Status::Open);
        assert!(next.reopens);
    }

    #[test]
    fn a_complaint_goes_to_stage_2_once() {
        let stage_2 = at(StageState {
            stage: Stage::Stage2,
            ..answered(None)
        });
        assert_eq!(
            step(&stage_2, escalate(false)),
            Err(Refusal::AtStage2Already)
        );
        assert_eq!(
            step(&received(), escalate(false)),
            Err(Refusal::NoStage1Response)
        );
    }

    // ------------------------------------------------------------ withdrawal, closure, reopening

    #[test]
    fn a_case_is_withdrawn_while_it_is_being_handled() {
        assert_eq!(
            step(&received(), Command::Withdraw).map(|t| t.status),
            Ok(Status::Withdrawn)
        );
        let closed = CaseState {
            status: Status::Closed,
            ..received()
        };
        assert!(matches!(
            step(&closed, Command::Withdraw),
            Err(Refusal::WrongStatus { .. })
        ));
    }

    #[test]
    fn a_complaint_closes_once_answered_and_its_window_has_passed() {
        assert!(matches!(
            step(&at(acknowledged()), close(false)),
            Err(Refusal::NotAtAStage(_))
        ));
        assert_eq!(
            step(&at(answered(Some("2026-12-31"))), close(false)),
            Err(Refusal::WindowOpen(date("2026-12-31")))
        );
        assert_eq!(
            step(&at(answered(Some("2026-11-30"))), close(false)).map(|t| t.status),
            Ok(Status::Closed)
        );
        let triaged_out = CaseState {
            status: Status::Excluded,
            ..received()
        };
        assert!(step(&triaged_out, close(false)).is_ok());
        assert!(matches!(
            step(&received(), close(false)),
            Err(Refusal::WrongStatus { .. })
        ));
        let compliment = CaseState {
            kind: Kind::Compliment,
            status: Status::Open,
            ..received()
        };
        assert!(step(&compliment, close(false)).is_ok());
    }

    #[test]
    fn closing_with_promised_remedies_outstanding_needs_the_managers_reason() {
        let promised = CaseState {
            outstanding_remedies: 2,
            ..at(answered(None))
        };
        assert_eq!(
            step(&promised, close(false)),
            Err(Refusal::RemediesOutstanding(2))
        );
        assert!(step(&promised, close(true)).is_ok());
    }

    #[test]
    fn restricted_contact_on_a_matter_is_read_for_new_issues_before_it_is_closed_or_triaged_out() {
        let owed = CaseState {
            new_issue_review_owed: true,
            ..received()
        };
        for decision in [
            Decision::ServiceRequest,
            Decision::Excluded,
            Decision::OutsideRemit,
            Decision::OutOfTime,
        ] {
            let out_of_time = decision == Decision::OutOfTime;
            let refused = step(&owed, triage(decision, true, out_of_time)).unwrap_err();
            assert_eq!(refused, Refusal::NewIssueReviewOwed, "{decision}");
            assert_eq!(refused.field(), Some("new_issue_review"));
            assert!(!refused.is_invalid_value(), "the case's state: 409");
        }
        // Accepting keeps it in handling: the review can come later, before it closes.
        assert!(step(&owed, triage(Decision::Accept, false, false)).is_ok());
        let triaged_out = CaseState {
            status: Status::ServiceRequest,
            ..owed.clone()
        };
        assert_eq!(
            step(&triaged_out, close(false)),
            Err(Refusal::NewIssueReviewOwed)
        );
        let reviewed = CaseState {
            new_issue_review_owed: false,
            ..triaged_out
        };
        assert!(step(&reviewed, close(false)).is_ok());
        // Withdrawal is the customer's own choice: never held back.
        assert!(step(&owed, Command::Withdraw).is_ok());
    }

    #[test]
    fn a_reopened_complaint_goes_back_to_its_stage_and_anything_else_to_triage() {
        let closed_at_stage = CaseState {
            status: Status::Closed,
            ..at(answered(None))
        };
        assert_eq!(
            step(&closed_at_stage, Command::Reopen).map(|t| t.status),
            Ok(Status::Open)
        );
        let withdrawn_new = CaseState {
            status: Status::Withdrawn,
            ..received()
        };
        assert_eq!(
            step(&withdrawn_new, Command::Reopen).map(|t| t.status),
            Ok(Status::Received)
        );
        assert!(matches!(
            step(&received(), Command::Reopen),
            Err(Refusal::WrongStatus { .. })
        ));
    }

    // ------------------------------------------------------------ the Ombudsman, remedies, ownership

    #[test]
    fn the_ombudsman_only_sees_complaints_the_council_has_answered() {
        assert!(matches!(
            step(&at(acknowledged()), Command::ReferToOmbudsman),
            Err(Refusal::NotAComplaint(_))
        ));
        assert!(step(&at(answered(None)), Command::ReferToOmbudsman).is_ok());
        let referred = CaseState {
            referred_to_ombudsman: true,
            ..at(answered(None))
        };
        assert_eq!(
            step(&referred, Command::ReferToOmbudsman),
            Err(Refusal::ReferredAlready)
        );
    }

    #[test]
    fn the_ombudsmans_decision_follows_the_referral() {
        assert_eq!(
            step(&at(answered(None)), Command::RecordOmbudsmanDecision),
            Err(Refusal::NotReferred)
        );
        let referred = CaseState {
            referred_to_ombudsman: true,
            ..at(answered(None))
        };
        assert!(step(&referred, Command::RecordOmbudsmanDecision).is_ok());
    }

    #[test]
    fn remedies_are_promised_on_accepted_complaints() {
        assert!(step(&at(stage_1()), Command::PromiseRemedy).is_ok());
        assert!(matches!(
            step(&received(), Command::PromiseRemedy),
            Err(Refusal::NotAComplaint(_))
        ));
    }

    #[test]
    fn who_handles_a_closed_case_changes_only_once_it_is_reopened() {
        let closed = CaseState {
            status: Status::Closed,
            ..at(answered(None))
        };
        assert_eq!(
            step(&closed, Command::ChangeOwnership),
            Err(Refusal::NotBeingHandled(Status::Closed))
        );
        assert!(step(&at(stage_1()), Command::ChangeOwnership).is_ok());
    }

    #[test]
    fn an_extension_is_agreed_or_refused_once() {
        let waiting = at(acknowledged());
        assert!(step(
            &waiting,
            Command::DecideExtension {
                extension: ExtensionStatus::Requested
            }
        )
        .is_ok());
        for decided in [ExtensionStatus::Agreed, ExtensionStatus::Refused] {
            assert_eq!(
                step(&waiting, Command::DecideExtension { extension: decided }),
                Err(Refusal::DecidedAlready(decided))
            );
        }
    }

    #[test]
    fn what_became_of_a_promised_remedy_is_recorded_once() {
        let answered = at(answered(None));
        assert_eq!(
            step(
                &answered,
                Command::RecordRemedyOutcome {
                    remedy: RemedyStatus::Promised
                }
            )
            .map(|t| t.status),
            Ok(Status::Open)
        );
        for settled in [RemedyStatus::Done, RemedyStatus::CannotDeliver] {
            assert_eq!(
                step(&answered, Command::RecordRemedyOutcome { remedy: settled }),
                Err(Refusal::RemedySettled(settled))
            );
        }
    }

    #[test]
    fn a_case_carries_each_flag_once_in_any_state() {
        let closed = CaseState {
            status: Status::Closed,
            ..received()
        };
        for state in [received(), closed] {
            assert_eq!(
                step(
                    &state,
                    Command::Flag {
                        flag: Flag::Claim,
                        flagged_already: false
                    }
                )
                .map(|t| t.status),
                Ok(state.status)
            );
            let again = step(
                &state,
                Command::Flag {
                    flag: Flag::StaffConduct,
                    flagged_already: true,
                },
            );
            assert_eq!(again, Err(Refusal::FlaggedAlready(Flag::StaffConduct)));
            assert_eq!(again.unwrap_err().field(), Some("flag"));
        }
    }

    #[test]
    fn a_case_is_linked_to_another_once_and_never_to_itself() {
        let state = received();
        let link = |to_itself, linked_already| {
            step(
                &state,
                Command::Link {
                    to_itself,
                    linked_already,
                },
            )
        };
        assert!(link(false, false).is_ok());
        let itself = link(true, false).unwrap_err();
        assert_eq!(itself, Refusal::LinkedToItself);
        assert!(itself.is_invalid_value(), "a value at fault: 422");
        assert_eq!(itself.field(), Some("reference"));
        let again = link(false, true).unwrap_err();
        assert_eq!(again, Refusal::LinkedAlready);
        assert!(!again.is_invalid_value(), "the case's state: 409");
        assert_eq!(again.field(), Some("reference"));
    }
}

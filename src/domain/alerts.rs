//! Deadline alerts (SPEC §4): a warning the policy's reminder number of working days before
//! each open deadline, and word on the first working day after one that was missed. Each
//! deadline is known by what it is for (its subject) and its due date: a deadline that moves
//! (an extension) is a new one, and the old date is forgotten.

use chrono::{Days, NaiveDate};

use super::calendar::{Calendar, CalendarError};
use super::case::vocabulary;
use super::case::{Kind, Stage, Status};
use super::remedy::RemedyStatus;

vocabulary! {
    /// What falls due.
    Deadline {
        /// A complaint's stage must be acknowledged.
        Acknowledgement => "acknowledgement",
        /// A stage's response must be sent.
        Response => "response",
        /// A stage's response must be sent by the date an agreed extension gave it.
        Extension => "extension",
        /// A complaint outside the council's remit must be referred on.
        OutsideRemitReferral => "outside_remit_referral",
        /// A compliment or comment must be acknowledged (the customer asked).
        FeedbackAcknowledgement => "feedback_acknowledgement",
        /// A compliment or comment must be answered (the customer asked).
        FeedbackReply => "feedback_reply",
        /// A promised remedy must be done.
        Remedy => "remedy",
        /// A learning action must be completed.
        LearningAction => "learning_action",
        /// A restriction on a person must be reviewed (lifted, or extended with reasons).
        RestrictionReview => "restriction_review",
        /// A person's reasonable adjustment must be reviewed (Complaint Handling Code 5.6).
        AdjustmentReview => "adjustment_review",
        /// A person's subject-access request must be answered (UK GDPR Article 15).
        SubjectAccess => "subject_access",
    }
}

impl Deadline {
    /// The deadlines not owned by one case: anchored to a case's timeline, they are looked up
    /// by their subject, and a case's own deadlines are brought up to date without them.
    pub const ANCHORED: &'static [Deadline] = &[
        Deadline::LearningAction,
        Deadline::RestrictionReview,
        Deadline::AdjustmentReview,
        Deadline::SubjectAccess,
    ];
}

/// A deadline still to be met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDeadline {
    /// What it is for, the same however its date moves: `stage_1.response`, `remedy.17`.
    pub subject: String,
    pub deadline: Deadline,
    pub stage: Option<Stage>,
    /// The remedy's or learning action's id.
    pub about: Option<i64>,
    pub due: NaiveDate,
}

/// A formal stage's clock, as far as its deadlines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageClock {
    pub stage: Stage,
    pub acknowledgement_due: NaiveDate,
    pub acknowledged: bool,
    pub response_due: Option<NaiveDate>,
    pub responded: bool,
    /// An extension was agreed: `response_due` is its date.
    pub extended: bool,
}

/// A compliment's or comment's handling, as far as its deadlines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeedbackClock {
    pub reply_due: Option<NaiveDate>,
    pub acknowledged: bool,
    pub replied: bool,
}

/// What a case holds that sets deadlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseClock {
    pub kind: Kind,
    pub status: Status,
    /// The case's acknowledgement date (a received complaint; a compliment or comment whose
    /// customer asked for an answer).
    pub acknowledgement_due: Option<NaiveDate>,
    /// The formal stages, oldest first.
    pub stages: Vec<StageClock>,
    /// An outside-remit complaint's referral date.
    pub referral_due: Option<NaiveDate>,
    pub feedback: FeedbackClock,
    /// Every remedy: id, due date, where it stands.
    pub remedies: Vec<(i64, NaiveDate, RemedyStatus)>,
}

/// The case's deadlines still to be met.
pub fn open_deadlines(case: &CaseClock) -> Vec<OpenDeadline> {
    let mut open = Vec::new();
    let mut push = |subject: String, deadline, stage, about, due| {
        open.push(OpenDeadline {
            subject,
            deadline,
            stage,
            about,
            due,
        })
    };
    match (case.kind, case.status) {
        (Kind::Complaint, Status::Received) => {
            // Waiting for triage: stage 1's acknowledgement is already running.
            if let Some(due) = case.acknowledgement_due {
                let stage = Stage::Stage1;
                let subject = format!("{}.acknowledgement", stage.as_str());
                push(subject, Deadline::Acknowledgement, Some(stage), None, due);
            }
        }
        (Kind::Complaint, Status::Open) => {
            if let Some(current) = case.stages.last() {
                let stage = current.stage;
                if !current.acknowledged {
                    let subject = format!("{}.acknowledgement", stage.as_str());
                    let due = current.acknowledgement_due;
                    push(subject, Deadline::Acknowledgement, Some(stage), None, due);
                }
                if let (false, Some(due)) = (current.responded, current.response_due) {
                    let deadline = if current.extended {
                        Deadline::Extension
                    } else {
                        Deadline::Response
                    };
                    let subject = format!("{}.response", stage.as_str());
                    push(subject, deadline, Some(stage), None, due);
                }
            }
        }
        (Kind::Complaint, Status::OutsideRemit) => {
            if let Some(due) = case.referral_due {
                let subject = "outside_remit_referral".to_string();
                push(subject, Deadline::OutsideRemitReferral, None, None, due);
            }
        }
        (Kind::Compliment | Kind::Comment, Status::Received | Status::Open) => {
            let feedback = case.feedback;
            if !feedback.replied {
                if let (false, Some(due)) = (feedback.acknowledged, case.acknowledgement_due) {
                    let subject = "feedback.acknowledgement".to_string();
                    push(subject, Deadline::FeedbackAcknowledgement, None, None, due);
                }
                if let Some(due) = feedback.reply_due {
                    let subject = "feedback.reply".to_string();
                    push(subject, Deadline::FeedbackReply, None, None, due);
                }
            }
        }
        _ => {}
    }
    // A promise stands whatever the case's status: closing the case does not do the remedy.
    for (id, due, status) in &case.remedies {
        if *status == RemedyStatus::Promised {
            push(
                format!("remedy.{id}"),
                Deadline::Remedy,
                None,
                Some(*id),
                *due,
            );
        }
    }
    open
}

/// A learning action's deadline, while it is still to be done.
pub fn learning_action_deadline(id: i64, due: NaiveDate, open: bool) -> Option<OpenDeadline> {
    open.then(|| OpenDeadline {
        subject: learning_action_subject(id),
        deadline: Deadline::LearningAction,
        stage: None,
        about: Some(id),
        due,
    })
}

/// A restriction's review date, while it is not lifted: reviewed by then, or missed (an
/// expired restriction's missed review is said once, the day after its review date, on the
/// first working day).
pub fn restriction_review_deadline(id: i64, due: NaiveDate, lifted: bool) -> Option<OpenDeadline> {
    (!lifted).then(|| OpenDeadline {
        subject: restriction_review_subject(id),
        deadline: Deadline::RestrictionReview,
        stage: None,
        about: Some(id),
        due,
    })
}

/// The subject of a restriction's review deadline.
pub fn restriction_review_subject(id: i64) -> String {
    format!("restriction.{id}")
}

/// Deadlines not of one case's own clock ([`Deadline::ANCHORED`]): kept on a case's
/// timeline, but synced by their owner (a learning action, a restriction, an adjustment),
/// never by the case's changes.
pub fn anchored_elsewhere(deadline: Deadline) -> bool {
    Deadline::ANCHORED.contains(&deadline)
}

/// The subject of a learning action's deadline.
pub fn learning_action_subject(id: i64) -> String {
    format!("learning_action.{id}")
}

/// A reasonable adjustment's review deadline, while it is in force.
pub fn adjustment_review_deadline(id: i64, due: NaiveDate, in_force: bool) -> Option<OpenDeadline> {
    in_force.then(|| OpenDeadline {
        subject: adjustment_review_subject(id),
        deadline: Deadline::AdjustmentReview,
        stage: None,
        about: Some(id),
        due,
    })
}

/// The subject of a reasonable adjustment's review deadline.
pub fn adjustment_review_subject(id: i64) -> String {
    format!("adjustment_review.{id}")
}

/// A subject-access request's deadline, while it is unanswered.
pub fn subject_access_deadline(id: i64, due: NaiveDate, answered: bool) -> Option<OpenDeadline> {
    (!answered).then(|| OpenDeadline {
        subject: subject_access_subject(id),
        deadline: Deadline::SubjectAccess,
        stage: None,
        about: Some(id),
        due,
    })
}

/// The subject of a subject-access request's deadline.
pub fn subject_access_subject(id: i64) -> String {
    format!("subject_access.{id}")
}

/// The two alerts of a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    /// The deadline is the reminder number of working days away, or nearer.
    Approaching,
    /// The deadline passed unmet.
    Missed,
}

/// When a deadline's alerts fall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertDates {
    /// `reminder` working days before the due date (the due date itself, or the working day
    /// before it when it is not one, with a reminder of 0).
    pub approaching_on: NaiveDate,
    /// The first working day after the due date.
    pub missed_on: NaiveDate,
}

pub fn alert_dates(
    calendar: &Calendar,
    due: NaiveDate,
    reminder_working_days: u32,
) -> Result<AlertDates, CalendarError> {
    let day_after = due
        .checked_add_days(Days::new(1))
        .ok_or(CalendarError::DateOutOfRange { date: due })?;
    Ok(AlertDates {
        approaching_on: calendar.subtract_working_days(due, reminder_working_days)?,
        missed_on: calendar.add_working_days(day_after, 0)?,
    })
}

/// What a deadline's alerts have done so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sent {
    pub approaching: bool,
    pub missed: bool,
}

/// The alerts due `today` for a deadline due on `due`, and the day to look again (`None`:
/// nothing is left to say). A deadline already past when first looked at gets no warning,
/// only the word that it was missed; neither alert is ever given twice.
pub fn alerts_due(
    due: NaiveDate,
    dates: AlertDates,
    sent: Sent,
    today: NaiveDate,
) -> (Vec<Alert>, Option<NaiveDate>) {
    let mut alerts = Vec::new();
    if sent.missed {
        return (alerts, None);
    }
    if today >= dates.missed_on {
        alerts.push(Alert::Missed);
        return (alerts, None);
    }
    if !sent.approaching && today <= due && today >= dates.approaching_on {
        alerts.push(Alert::Approaching);
        return (alerts, Some(dates.missed_on));
    }
    let approaching_left = !sent.approaching && today <= due;
    let next = if approaching_left {
        dates.approaching_on
    } else {
        dates.missed_on
    };
    (alerts, Some(next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::bank_holidays::Region;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test dates are valid")
    }

    fn england() -> Calendar {
        Calendar::new(Region::EnglandAndWales)
            .build()
            .expect("calendar")
    }

    fn stage(stage: Stage) -> StageClock {
        StageClock {
            stage,
            acknowledgement_due: date("2026-12-10"),
            acknowledged: false,
            response_due: None,
            responded: false,
            extended: false,
        }
    }

    fn complaint(status: Status, stages: Vec<StageClock>) -> CaseClock {
        CaseClock {
            kind: Kind::Complaint,
            status,
            acknowledgement_due: Some(date("2026-12-10")),
            stages,
            referral_due: None,
            feedback: FeedbackClock::default(),
            remedies: vec![],
        }
    }

    fn subjects(case: &CaseClock) -> Vec<(String, Deadline, String)> {
        open_deadlines(case)
            .into_iter()
            .map(|d| (d.subject, d.deadline, d.due.to_string()))
            .collect()
    }

    #[test]
    fn a_complaint_has_its_current_stages_acknowledgement_then_its_response() {
        let received = complaint(Status::Received, vec![]);
        assert_eq!(
            subjects(&received),
            vec![(
                "stage_1.acknowledgement".into(),
                Deadline::Acknowledgement,
                "2026-12-10".into()
            )]
        );
        let mut stage_1 = stage(Stage::Stage1);
        let open = complaint(Status::Open, vec![stage_1]);
        assert_eq!(
            subjects(&open),
            vec![(
                "stage_1.acknowledgement".into(),
                Deadline::Acknowledgement,
                "2026-12-10".into()
            )]
        );
        stage_1.acknowledged = true;
        stage_1.response_due = Some(date("2026-12-24"));
        assert_eq!(
            subjects(&complaint(Status::Open, vec![stage_1])),
            vec![(
                "stage_1.response".into(),
                Deadline::Response,
                "2026-12-24".into()
            )]
        );
        // Extended: the same subject with the new date.
        stage_1.extended = true;
        stage_1.response_due = Some(date("2027-01-08"));
        assert_eq!(
            subjects(&complaint(Status::Open, vec![stage_1])),
            vec![(
                "stage_1.response".into(),
                Deadline::Extension,
                "2027-01-08".into()
            )]
        );
        // Answered, then stage 2 asked for: only stage 2's clock runs.
        stage_1.responded = true;
        let mut stage_2 = stage(Stage::Stage2);
        stage_2.acknowledgement_due = date("2027-02-01");
        assert_eq!(
            subjects(&complaint(Status::Open, vec![stage_1, stage_2])),
            vec![(
                "stage_2.acknowledgement".into(),
                Deadline::Acknowledgement,
                "2027-02-01".into()
            )]
        );
        // Closed, withdrawn: nothing, except a remedy still promised.
        let mut closed = complaint(Status::Closed, vec![stage_1]);
        closed.remedies = vec![
            (7, date("2027-01-15"), RemedyStatus::Promised),
            (8, date("2027-01-16"), RemedyStatus::Done),
        ];
        assert_eq!(
            subjects(&closed),
            vec![("remedy.7".into(), Deadline::Remedy, "2027-01-15".into())]
        );
    }

    #[test]
    fn a_response_due_from_receipt_runs_before_the_acknowledgement() {
        let mut stage_1 = stage(Stage::Stage1);
        stage_1.response_due = Some(date("2026-12-31"));
        assert_eq!(
            subjects(&complaint(Status::Open, vec![stage_1])),
            vec![
                (
                    "stage_1.acknowledgement".into(),
                    Deadline::Acknowledgement,
                    "2026-12-10".into()
                ),
                (
                    "stage_1.response".into(),
                    Deadline::Response,
                    "2026-12-31".into()
                ),
            ]
        );
    }

    #[test]
    fn outside_remit_feedback_and_learning_deadlines() {
        let mut outside = complaint(Status::OutsideRemit, vec![]);
        outside.referral_due = Some(date("2026-12-18"));
        assert_eq!(
            subjects(&outside),
            vec![(
                "outside_remit_referral".into(),
                Deadline::OutsideRemitReferral,
                "2026-12-18".into()
            )]
        );
        let mut compliment = CaseClock {
            kind: Kind::Compliment,
            status: Status::Open,
            acknowledgement_due: Some(date("2026-12-10")),
            stages: vec![],
            referral_due: None,
            feedback: FeedbackClock {
                reply_due: Some(date("2026-12-24")),
                acknowledged: false,
                replied: false,
            },
            remedies: vec![],
        };
        assert_eq!(subjects(&compliment).len(), 2);
        compliment.feedback.acknowledged = true;
        assert_eq!(
            subjects(&compliment),
            vec![(
                "feedback.reply".into(),
                Deadline::FeedbackReply,
                "2026-12-24".into()
            )]
        );
        compliment.feedback.replied = true;
        assert!(subjects(&compliment).is_empty());
        assert_eq!(
            learning_action_deadline(4, date("2027-03-31"), true).map(|d| d.subject),
            Some("learning_action.4".into())
        );
        assert_eq!(learning_action_deadline(4, date("2027-03-31"), false), None);
        assert_eq!(
            restriction_review_deadline(3, date("2027-03-01"), false).map(|d| d.subject),
            Some("restriction.3".into())
        );
        assert_eq!(
            restriction_review_deadline(3, date("2027-03-01"), true),
            None
        );
        assert!(anchored_elsewhere(Deadline::RestrictionReview));
        assert!(anchored_elsewhere(Deadline::AdjustmentReview));
        assert!(!anchored_elsewhere(Deadline::Remedy));
        assert_eq!(
            adjustment_review_deadline(6, date("2027-03-31"), true),
            Some(OpenDeadline {
                subject: "adjustment_review.6".into(),
                deadline: Deadline::AdjustmentReview,
                stage: None,
                about: Some(6),
                due: date("2027-03-31"),
            })
        );
        assert_eq!(
            adjustment_review_deadline(6, date("2027-03-31"), false),
            None
        );
    }

    #[test]
    fn alerts_fall_two_working_days_before_and_on_the_first_working_day_after() {
        let cal = england();
        // Due Thursday 24 December 2026; Friday 25 and Monday 28 are bank holidays.
        let dates = alert_dates(&cal, date("2026-12-24"), 2).expect("dates");
        assert_eq!(dates.approaching_on, date("2026-12-22"));
        assert_eq!(dates.missed_on, date("2026-12-29"));
        // Due on a Saturday, reminder 0: warned on the Friday, missed on the Monday.
        let dates = alert_dates(&cal, date("2027-01-09"), 0).expect("dates");
        assert_eq!(dates.approaching_on, date("2027-01-08"));
        assert_eq!(dates.missed_on, date("2027-01-11"));
    }

    #[test]
    fn each_alert_once_and_a_deadline_first_seen_late_is_only_missed() {
        let due = date("2026-12-24");
        let dates = AlertDates {
            approaching_on: date("2026-12-22"),
            missed_on: date("2026-12-29"),
        };
        let none = Sent::default();
        // Seen early: nothing yet; look again on the 22nd.
        assert_eq!(
            alerts_due(due, dates, none, date("2026-12-01")),
            (vec![], Some(date("2026-12-22")))
        );
        // The 22nd and the 23rd: the warning, once.
        assert_eq!(
            alerts_due(due, dates, none, date("2026-12-23")),
            (vec![Alert::Approaching], Some(date("2026-12-29")))
        );
        let warned = Sent {
            approaching: true,
            missed: false,
        };
        assert_eq!(
            alerts_due(due, dates, warned, date("2026-12-24")),
            (vec![], Some(date("2026-12-29")))
        );
        // The first working day after: missed, once.
        assert_eq!(
            alerts_due(due, dates, warned, date("2026-12-29")),
            (vec![Alert::Missed], None)
        );
        let both = Sent {
            approaching: true,
            missed: true,
        };
        assert_eq!(
            alerts_due(due, dates, both, date("2027-01-04")),
            (vec![], None)
        );
        // First seen on the bank holiday after the due date: no warning, missed on the 29th.
        assert_eq!(
            alerts_due(due, dates, none, date("2026-12-25")),
            (vec![], Some(date("2026-12-29")))
        );
        assert_eq!(
            alerts_due(due, dates, none, date("2027-01-04")),
            (vec![Alert::Missed], None)
        );
    }
}

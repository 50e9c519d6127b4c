//! Deadline alerts (issue 12 §5). Every change to a case brings its deadlines on record up to
//! date in the change's own transaction: a new deadline is put down to be looked at, one met,
//! moved or no longer owed is put to rest. The scheduler's pass takes the deadlines whose day
//! has come, works out their alert dates on the council's calendar, writes each alert to the
//! case's timeline (and so to the outbox) once, and sets the day to look again.

use chrono::{NaiveDate, NaiveDateTime};

use super::AppError;
use crate::db::adjustments::AdjustmentRow;
use crate::db::alerts::{self as repo, AlertRow, NewAlert};
use crate::db::cases::CaseRow;
use crate::db::events::{self, NewEvent};
use crate::db::feedback::FeedbackRow;
use crate::db::stages::StageRow;
use crate::db::DbConnection;
use crate::domain::alerts::{
    self, Alert, CaseClock, Deadline, FeedbackClock, OpenDeadline, Sent, StageClock,
};
use crate::domain::case::events::{CaseEvent, DeadlineAlert};
use crate::domain::case::{ActorRole, Kind};
use crate::domain::clock::{uk_date, Clock};

/// Who the timeline says gave an alert.
pub const SYSTEM_SUBJECT: &str = "council-feedback";

/// A deadline put down (or woken) is looked at by the scheduler's next pass, whatever the
/// date: its alert dates are worked out there, on the calendar.
fn at_once() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default()
}

/// What `case` holds that sets deadlines; `handling` is a compliment's or comment's handling
/// row, as the caller read it (none for a complaint, or before anything was done).
pub fn case_clock(
    conn: &mut DbConnection,
    case: &CaseRow,
    stages: &[StageRow],
    handling: Option<&FeedbackRow>,
) -> Result<CaseClock, AppError> {
    let done = crate::db::feedback::handling(handling);
    let feedback = FeedbackClock {
        reply_due: handling.and_then(|h| h.response_due),
        acknowledged: done.acknowledged,
        replied: done.replied,
    };
    let referral_due = case
        .triage_details
        .as_deref()
        .and_then(|details| serde_json::from_str::<serde_json::Value>(details).ok())
        .and_then(|details| {
            details["referral_due"]
                .as_str()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        });
    let remedies = crate::db::remedies::for_case(conn, case.id)?
        .into_iter()
        .map(|r| (r.id, r.due, r.status))
        .collect();
    Ok(CaseClock {
        kind: case.kind,
        status: case.status,
        acknowledgement_due: case.acknowledgement_due,
        stages: stages
            .iter()
            .map(|s| StageClock {
                stage: s.stage,
                acknowledgement_due: s.acknowledgement_due,
                acknowledged: s.acknowledged_at.is_some(),
                response_due: s.response_due,
                responded: s.responded_at.is_some(),
                extended: s.extended,
            })
            .collect(),
        referral_due,
        feedback,
        remedies,
    })
}

/// Brings `case`'s deadlines on record up to date with the case as it now is (`handling` as
/// for [`case_clock`]).
pub fn sync_case(
    conn: &mut DbConnection,
    case: &CaseRow,
    stages: &[StageRow],
    handling: Option<&FeedbackRow>,
) -> Result<(), AppError> {
    let recorded = repo::for_case(conn, case.id)?;
    sync_case_recorded(conn, case, stages, handling, recorded)
}

/// [`sync_case`] with the case's deadlines on record already read (`recorded`).
fn sync_case_recorded(
    conn: &mut DbConnection,
    case: &CaseRow,
    stages: &[StageRow],
    handling: Option<&FeedbackRow>,
    recorded: Vec<AlertRow>,
) -> Result<(), AppError> {
    let open = alerts::open_deadlines(&case_clock(conn, case, stages, handling)?);
    sync(conn, case.id, open, recorded)?;
    // A case closing or opening can move the customer's adjustments' reviews to another case.
    sync_adjustments_of_customer(conn, case.customer_id)
}

/// The deadline rows of a case just logged: it has no stages, remedies or rows yet, so only
/// its acknowledgement can be due (one row, or none). The caller writes them
/// (`db::alerts::insertion`), with the case's other writes.
pub fn of_new_case(case: &CaseRow) -> Vec<NewAlert> {
    let clock = CaseClock {
        kind: case.kind,
        status: case.status,
        acknowledgement_due: case.acknowledgement_due,
        stages: vec![],
        referral_due: None,
        feedback: FeedbackClock::default(),
        remedies: vec![],
    };
    alerts::open_deadlines(&clock)
        .into_iter()
        .map(|deadline| put_down(case.id, deadline, false, false))
        .collect()
}

/// A new running case of a person with adjustments in force (`adjustments`, read with the
/// person at intake) may now carry their reviews.
pub fn take_reviews_to_new_case(
    conn: &mut DbConnection,
    case: &CaseRow,
    adjustments: bool,
) -> Result<(), AppError> {
    if adjustments {
        sync_adjustments_of_customer(conn, case.customer_id)?;
    }
    Ok(())
}

/// Brings a learning action's deadline on record up to date: it goes on the timeline of the
/// first case it came from (none: there is no timeline to put it on).
pub fn sync_learning_action(
    conn: &mut DbConnection,
    id: i64,
    due: NaiveDate,
    open: bool,
) -> Result<(), AppError> {
    let first_case = crate::db::learning::linked_case_ids(conn, id)?
        .into_iter()
        .min();
    let recorded = repo::for_subject(
        conn,
        Deadline::LearningAction,
        &alerts::learning_action_subject(id),
    )?;
    let Some(case_id) = first_case else {
        return sync(conn, 0, vec![], recorded);
    };
    let open = alerts::learning_action_deadline(id, due, open)
        .into_iter()
        .collect();
    // A row on another case (an earlier first case) is put to rest too.
    sync(conn, case_id, open, recorded)
}

/// Brings a restriction's review deadline on record up to date: it goes on the timeline of
/// the case the restriction arose from (`case_id`), due on its review date, until lifted.
pub fn sync_restriction(
    conn: &mut DbConnection,
    id: i64,
    case_id: i64,
    review_on: NaiveDate,
    lifted: bool,
) -> Result<(), AppError> {
    let recorded = repo::for_subject(
        conn,
        Deadline::RestrictionReview,
        &alerts::restriction_review_subject(id),
    )?;
    let open = alerts::restriction_review_deadline(id, review_on, lifted)
        .into_iter()
        .collect();
    sync(conn, case_id, open, recorded)
}

/// Brings a reasonable adjustment's review deadline on record up to date: while it is in
/// force it goes on the timeline of the case [`crate::domain::adjustment::anchor`] chooses
/// among its person's cases (the case it was agreed on while that runs, else their latest
/// running case, else the agreed case, else their latest case); once ended it is put to rest.
pub fn sync_adjustment(
    conn: &mut DbConnection,
    adjustment: &AdjustmentRow,
) -> Result<(), AppError> {
    let subject = alerts::adjustment_review_subject(adjustment.id);
    let recorded = repo::for_subject(conn, Deadline::AdjustmentReview, &subject)?;
    let open: Vec<OpenDeadline> = match (adjustment.in_force, adjustment.review_due) {
        (true, Some(due)) => alerts::adjustment_review_deadline(adjustment.id, due, true)
            .into_iter()
            .collect(),
        _ => vec![],
    };
    let anchored = if open.is_empty() {
        None
    } else {
        let cases = crate::db::adjustments::cases_of_person(conn, adjustment.person_id)?;
        crate::domain::adjustment::anchor(adjustment.case_id, &cases)
    };
    match anchored {
        Some(case_id) => sync(conn, case_id, open, recorded),
        // Ended, or a person with no case: nothing to put on a timeline.
        None => sync(conn, 0, vec![], recorded),
    }
}

/// Brings a subject-access request's due date on record up to date: while it is unanswered
/// it goes on the timeline of one of its person's cases, chosen as an adjustment's review's is
/// (their latest running case, else their latest case); a person with no case has no timeline
/// to carry it, and the requests' own list (`GET /subject-access-requests`) shows it.
pub fn sync_subject_access(
    conn: &mut DbConnection,
    request: &crate::db::subject_access::RequestRow,
) -> Result<(), AppError> {
    let subject = alerts::subject_access_subject(request.id);
    let recorded = repo::for_subject(conn, Deadline::SubjectAccess, &subject)?;
    let open: Vec<OpenDeadline> =
        alerts::subject_access_deadline(request.id, request.due_on, request.responded_on.is_some())
            .into_iter()
            .collect();
    let anchored = if open.is_empty() {
        None
    } else {
        let cases = crate::db::adjustments::cases_of_person(conn, request.person_id)?;
        crate::domain::adjustment::anchor(None, &cases)
    };
    match anchored {
        Some(case_id) => sync(conn, case_id, open, recorded),
        None => sync(conn, 0, vec![], recorded),
    }
}

/// Brings the review deadlines of a person's adjustments in force up to date (after their
/// cases changed hands: a merge, a corrected match).
pub fn sync_adjustments_of_person(conn: &mut DbConnection, person_id: i64) -> Result<(), AppError> {
    for adjustment in crate::db::adjustments::of_person(conn, person_id, false)? {
        sync_adjustment(conn, &adjustment)?;
    }
    Ok(())
}

/// As [`sync_adjustments_of_person`], for the person a case's customer row names: one read
/// when they have no adjustment in force (nearly everyone).
fn sync_adjustments_of_customer(conn: &mut DbConnection, customer_id: i64) -> Result<(), AppError> {
    for adjustment in crate::db::adjustments::in_force_for_customer(conn, customer_id)? {
        sync_adjustment(conn, &adjustment)?;
    }
    Ok(())
}

fn sync(
    conn: &mut DbConnection,
    case_id: i64,
    open: Vec<OpenDeadline>,
    recorded: Vec<AlertRow>,
) -> Result<(), AppError> {
    let same = |row: &AlertRow, d: &OpenDeadline| {
        row.case_id == case_id && row.subject == d.subject && row.due == d.due
    };
    for row in recorded.iter().filter(|r| r.active) {
        if !open.iter().any(|d| same(row, d)) {
            repo::set_active(conn, row.id, false, row.deadline, None)?;
        }
    }
    for deadline in open {
        match recorded.iter().find(|r| same(r, &deadline)) {
            Some(row) if row.active && row.deadline == deadline.deadline => {}
            // Woken again (a case reopened) with what it had said kept: no alert twice.
            Some(row) => {
                let next = (!row.missed_sent).then(at_once);
                repo::set_active(conn, row.id, true, deadline.deadline, next)?;
            }
            None => {
                // Moved to another case with its date unchanged (an anchored deadline whose
                // case closed): what was said on the old case is not said again.
                let moved = recorded
                    .iter()
                    .find(|r| r.subject == deadline.subject && r.due == deadline.due);
                let (approaching_sent, missed_sent) =
                    moved.map_or((false, false), |r| (r.approaching_sent, r.missed_sent));
                repo::insert(
                    conn,
                    &put_down(case_id, deadline, approaching_sent, missed_sent),
                )?;
            }
        }
    }
    Ok(())
}

/// A deadline's row as first put on record, with what was already said of it.
fn put_down(
    case_id: i64,
    deadline: OpenDeadline,
    approaching_sent: bool,
    missed_sent: bool,
) -> NewAlert {
    NewAlert {
        case_id,
        subject: deadline.subject,
        deadline: deadline.deadline,
        stage: deadline.stage,
        about_id: deadline.about,
        due: deadline.due,
        active: true,
        approaching_sent,
        missed_sent,
        next_alert_on: (!missed_sent).then(at_once),
    }
}

/// The event an alert writes.
fn event_of(row: &AlertRow, alert: Alert) -> CaseEvent {
    let about = DeadlineAlert {
        deadline: row.deadline,
        stage: row.stage,
        due: row.due,
        remedy: row.about_id.filter(|_| row.deadline == Deadline::Remedy),
        learning_action: row
            .about_id
            .filter(|_| row.deadline == Deadline::LearningAction),
        restriction: row
            .about_id
            .filter(|_| row.deadline == Deadline::RestrictionReview),
        adjustment: row
            .about_id
            .filter(|_| row.deadline == Deadline::AdjustmentReview),
        subject_access_request: row
            .about_id
            .filter(|_| row.deadline == Deadline::SubjectAccess),
    };
    match (alert, row.deadline, row.about_id) {
        (Alert::Approaching, _, _) => CaseEvent::DeadlineApproaching(about),
        (Alert::Missed, Deadline::Remedy, Some(remedy)) => CaseEvent::RemedyOverdue {
            remedy,
            due: row.due,
        },
        (Alert::Missed, Deadline::LearningAction, Some(learning_action)) => {
            CaseEvent::LearningActionOverdue {
                learning_action,
                due: row.due,
            }
        }
        (Alert::Missed, _, _) => CaseEvent::DeadlineMissed(about),
    }
}

/// One pass of the scheduler at `now` over up to `limit` deadlines whose day has come, in the
/// caller's transaction. Returns the feed types of the alerts it gave.
pub fn pass(
    conn: &mut DbConnection,
    clock: &Clock,
    now: NaiveDateTime,
    limit: i64,
) -> Result<PassOutcome, AppError> {
    let today = uk_date(now);
    let rows = repo::claim_due(conn, today, limit)?;
    let mut outcome = PassOutcome {
        looked_at: rows.len(),
        alerts: Vec::new(),
    };
    let reminder = clock.policy().deadline_reminder_working_days;
    // The batch's alerts go in one INSERT, and its rows' new states in one UPDATE per state
    // (on a day's pass nearly all share one), not two statements a deadline.
    let mut alerts_given: Vec<(i64, CaseEvent)> = Vec::new();
    let mut states: Vec<(RowState, Vec<i64>)> = Vec::new();
    for row in rows {
        let (due_now, state) =
            match alerts::alert_dates(clock.council_calendar(), row.due, reminder) {
                Ok(dates) => {
                    let sent = Sent {
                        approaching: row.approaching_sent,
                        missed: row.missed_sent,
                    };
                    let (due_now, next) = alerts::alerts_due(row.due, dates, sent, today);
                    let approaching = row.approaching_sent || due_now.contains(&Alert::Approaching);
                    let missed = row.missed_sent || due_now.contains(&Alert::Missed);
                    (due_now, (approaching, missed, next))
                }
                Err(e) => {
                    // A due date beyond the calendar (nothing the API accepts makes one): put
                    // it to rest rather than look at it on every pass.
                    log::warn!("deadline {} of case {}: {e}", row.subject, row.case_id);
                    (Vec::new(), (row.approaching_sent, row.missed_sent, None))
                }
            };
        for alert in due_now {
            alerts_given.push((row.case_id, event_of(&row, alert)));
        }
        match states.iter_mut().find(|(s, _)| *s == state) {
            Some((_, ids)) => ids.push(row.id),
            None => states.push((state, vec![row.id])),
        }
    }
    let new_events: Vec<NewEvent<'_>> = alerts_given
        .iter()
        .map(|(case_id, event)| {
            NewEvent::of(*case_id, SYSTEM_SUBJECT, ActorRole::System, now, event)
        })
        .collect();
    events::append_all(conn, &new_events)?;
    outcome.alerts = alerts_given.iter().map(|(_, e)| e.feed_name()).collect();
    for ((approaching, missed, next), ids) in states {
        repo::record(conn, &ids, approaching, missed, next)?;
    }
    Ok(outcome)
}

/// A deadline's row after a pass: warned, said missed, the day to look again.
type RowState = (bool, bool, Option<NaiveDate>);

/// What a pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassOutcome {
    /// Deadlines looked at.
    pub looked_at: usize,
    /// The feed type of each alert given.
    pub alerts: Vec<&'static str>,
}

/// Puts down the deadlines of every case still running, for a database from before the
/// alerts (or one the seeder filled): a no-op once any deadline is on record. Returns how many
/// cases it looked at.
pub fn record_missing(conn: &mut DbConnection) -> Result<usize, AppError> {
    if repo::any(conn)? {
        return Ok(0);
    }
    let mut looked_at = 0;
    let mut after = 0;
    loop {
        let batch = crate::db::cases::running_after(conn, after, 500)?;
        let Some(last) = batch.last() else {
            break;
        };
        after = last.id;
        for case in &batch {
            let stages = crate::db::stages::for_case(conn, case.id)?;
            let handling = match case.kind {
                Kind::Complaint => None,
                _ => crate::db::feedback::find(conn, case.id)?,
            };
            // Nothing was on record when the pass began, and each case is looked at once: it
            // has none yet. (Reading them back, in a transaction that has written thousands
            // of rows its statistics do not know of, made PostgreSQL scan the table each
            // time: a seeded million's start-up did not finish in five minutes.)
            sync_case_recorded(conn, case, &stages, handling.as_ref(), Vec::new())?;
            looked_at += 1;
        }
    }
    for (id, due, status) in crate::db::learning::all_open(conn)? {
        sync_learning_action(conn, id, due, status.is_open())?;
    }
    Ok(looked_at)
}

//! Compliments and comments: each step asks the feedback table
//! ([`crate::domain::feedback::check`]) with what was done so far.

use chrono::NaiveDateTime;

use super::cases;
use super::lifecycle::record;
use super::AppError;
use crate::auth::Caller;
use crate::db::cases::{CaseRow, Claim};
use crate::db::feedback::{self as repo, FeedbackRow, StaffRow};
use crate::db::DbConnection;
use crate::domain::acknowledgement::AcknowledgementMethod;
use crate::domain::case::events::{Acknowledgement, CaseEvent, Instant};
use crate::domain::case::Status;
use crate::domain::clock::uk_date;
use crate::domain::deadlines::Deadlines;
use crate::domain::feedback::{self as rules, CommentAction, NamedStaff, Step};

/// The case's handling so far, after checking `step` may be taken now.
pub fn check_step(
    conn: &mut DbConnection,
    case: &CaseRow,
    step: Step,
) -> Result<Option<FeedbackRow>, AppError> {
    let handling = repo::find(conn, case.id)?;
    rules::check(
        step,
        case.kind,
        case.status,
        case.response_requested,
        repo::handling(handling.as_ref()),
    )
    .map_err(|refusal| AppError::Conflict {
        detail: refusal.to_string(),
        field: None,
    })?;
    Ok(handling)
}

/// As [`check_step`], with a fresh handling (and its reply due date) if nothing was done yet.
pub fn allowed(
    conn: &mut DbConnection,
    case: &CaseRow,
    step: Step,
    deadlines: &Deadlines<'_>,
) -> Result<FeedbackRow, AppError> {
    let handling = check_step(conn, case, step)?;
    let kind = case.kind;
    Ok(handling.unwrap_or_else(|| FeedbackRow {
        case_id: case.id,
        response_due: deadlines.feedback_reply_due(
            kind,
            uk_date(case.received_at),
            case.response_requested,
        ),
        ..FeedbackRow::default()
    }))
}

/// Records the acknowledgement of a compliment or comment, on the handling [`allowed`] gave
/// for [`Step::Acknowledge`].
pub fn acknowledge(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    case: &CaseRow,
    caller: &Caller,
    row: FeedbackRow,
    acknowledged_at: NaiveDateTime,
    method: AcknowledgementMethod,
) -> Result<(), AppError> {
    let row = FeedbackRow {
        acknowledged_at: Some(acknowledged_at),
        acknowledgement_method: Some(method),
        acknowledged_by: Some(caller.subject.clone()),
        ..row
    };
    repo::save(conn, &row)?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::Acknowledged(Acknowledgement::Feedback {
            method: method.as_str().into(),
            acknowledged_at: Instant(acknowledged_at),
            on_time: case
                .acknowledgement_due
                .map(|due| uk_date(acknowledged_at) <= due),
            reply_due: row.response_due,
        }),
    )
}

/// A compliment or comment is passed to its service and the staff named (by default those the
/// customer named, by name only); a new one opens. Each member of staff is recorded with the
/// name used and, where given, their staff id, by which compliments count for them. Gives the
/// case as it now is.
#[allow(clippy::too_many_arguments)]
pub fn forward(
    conn: &mut DbConnection,
    deadlines: &Deadlines<'_>,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    staff: Option<Vec<NamedStaff>>,
    note: Option<String>,
) -> Result<CaseRow, AppError> {
    let case = cases::changing(conn, reference, caller, expected)?;
    let row = allowed(conn, &case, Step::Forward, deadlines)?;
    let staff: Vec<NamedStaff> = match staff {
        Some(staff) => staff
            .into_iter()
            .map(|s| NamedStaff {
                name: s.name.trim().to_string(),
                staff_id: s.staff_id.map(|id| id.trim().to_string()),
            })
            .collect(),
        None => match &case.staff_named {
            Some(json) => serde_json::from_str::<Vec<String>>(json)
                .map_err(|e| AppError::Internal(e.to_string()))?
                .into_iter()
                .map(|name| NamedStaff {
                    name,
                    staff_id: None,
                })
                .collect(),
            None => vec![],
        },
    };
    let names: Vec<&str> = staff.iter().map(|s| s.name.as_str()).collect();
    // A compliment or comment passed to its service is being handled.
    let case = cases::claim(
        conn,
        &case,
        expected,
        now,
        &Claim {
            status: (case.status == Status::Received).then_some(Status::Open),
            ..Claim::default()
        },
    )?;
    repo::save(
        conn,
        &FeedbackRow {
            forwarded_at: Some(now),
            forwarded_by: Some(caller.subject.clone()),
            forwarded_to_staff: Some(
                serde_json::to_string(&names).map_err(|e| AppError::Internal(e.to_string()))?,
            ),
            forward_note: note.filter(|n| !n.trim().is_empty()),
            ..row
        },
    )?;
    repo::add_staff(
        conn,
        &staff
            .iter()
            .map(|s| StaffRow {
                id: 0,
                case_id: case.id,
                name_used: s.name.clone(),
                staff_id: s.staff_id.clone(),
                recorded_at: now,
            })
            .collect::<Vec<_>>(),
    )?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::Forwarded {
            service: case.service_id.clone(),
            staff: staff.len(),
        },
    )?;
    Ok(case)
}

/// A reply to a compliment or comment, as the caller sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub replied_at: NaiveDateTime,
    pub method: AcknowledgementMethod,
    pub text: Option<String>,
}

/// A compliment or comment whose customer asked is answered; a first reply stands for the
/// acknowledgement. Gives the case as it now is.
#[allow(clippy::too_many_arguments)]
pub fn reply(
    conn: &mut DbConnection,
    letters: &crate::letters::Templates,
    deadlines: &Deadlines<'_>,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    reply: &Reply,
) -> Result<CaseRow, AppError> {
    let case = cases::changing(conn, reference, caller, expected)?;
    let row = allowed(conn, &case, Step::Reply, deadlines)?;
    if reply.replied_at < case.received_at {
        return Err(AppError::Invalid(vec![crate::error::FieldError::new(
            "replied_at",
            "must not be before it was received",
        )]));
    }
    let case = cases::claim_version(conn, &case, expected, now)?;
    let first_contact = row.acknowledged_at.is_none();
    let method = reply.method;
    let row = FeedbackRow {
        acknowledged_at: row.acknowledged_at.or(Some(reply.replied_at)),
        acknowledgement_method: row.acknowledgement_method.or(Some(method)),
        acknowledged_by: row.acknowledged_by.or_else(|| Some(caller.subject.clone())),
        replied_at: Some(reply.replied_at),
        reply_method: Some(method),
        replied_by: Some(caller.subject.clone()),
        reply: reply.text.clone().map(|r| r.trim().to_string()),
        ..row
    };
    repo::save(conn, &row)?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::Replied {
            method: method.as_str().into(),
            replied_at: Instant(reply.replied_at),
            on_time: row.response_due.map(|due| uk_date(reply.replied_at) <= due),
            stands_for_acknowledgement: first_contact,
        },
    )?;
    super::letters::feedback_reply(conn, letters, now, &case, row.reply.as_deref())?;
    Ok(case)
}

/// What was done with a comment is recorded. Gives the case as it now is.
#[allow(clippy::too_many_arguments)]
pub fn record_action(
    conn: &mut DbConnection,
    deadlines: &Deadlines<'_>,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    action: CommentAction,
    details: &str,
) -> Result<CaseRow, AppError> {
    let case = cases::changing(conn, reference, caller, expected)?;
    let row = allowed(conn, &case, Step::RecordAction, deadlines)?;
    let case = cases::claim_version(conn, &case, expected, now)?;
    repo::save(
        conn,
        &FeedbackRow {
            action: Some(action),
            action_details: Some(details.to_string()),
            action_recorded_by: Some(caller.subject.clone()),
            action_recorded_at: Some(now),
            ..row
        },
    )?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::CommentActionRecorded {
            action: action.as_str().into(),
            details: details.to_string(),
        },
    )?;
    Ok(case)
}

/// A compliment or comment whose customer asked for a reply is acknowledged, found already
/// (`case`): it has no stage and no grade; the acknowledgement is recorded with its handling.
/// `graded` says whether the caller sent a grade (refused). Gives the case as it was.
#[allow(clippy::too_many_arguments)]
pub fn acknowledge_on_request(
    conn: &mut DbConnection,
    letters: &crate::letters::Templates,
    deadlines: &Deadlines<'_>,
    now: NaiveDateTime,
    caller: &Caller,
    case: CaseRow,
    expected: i32,
    acknowledged_at: NaiveDateTime,
    method: AcknowledgementMethod,
    graded: bool,
) -> Result<CaseRow, AppError> {
    cases::may_change(conn, &case, expected)?;
    let handling = allowed(conn, &case, Step::Acknowledge, deadlines)?;
    let mut errors = Vec::new();
    if graded {
        errors.push(crate::error::FieldError::new(
            "grade",
            "only complaints are graded",
        ));
    }
    if acknowledged_at < case.received_at {
        errors.push(crate::error::FieldError::new(
            "acknowledged_at",
            "must not be before it was received",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let case = cases::claim_version(conn, &case, expected, now)?;
    let reply_due = handling.response_due;
    acknowledge(conn, now, &case, caller, handling, acknowledged_at, method)?;
    super::letters::feedback_acknowledgement(conn, letters, now, &case, reply_due)?;
    Ok(case)
}

/// The compliments naming one member of staff in a period, as far as the caller may read them.
#[derive(Debug, Clone)]
pub struct StaffCompliments {
    /// The services they were read from; `None`: every service.
    pub services: Option<Vec<String>>,
    pub compliments: Vec<repo::StaffCompliment>,
}

/// The compliments received in `[from, before)` (UTC) that were passed to `staff_id`, for
/// the staff member themselves, their Head of Service (the compliments of the services they
/// head) and the complaints manager ([`crate::domain::access::staff_compliments`]); anyone
/// else is [`AppError::Forbidden`].
pub fn compliments_naming(
    conn: &mut DbConnection,
    caller: &Caller,
    staff_id: &str,
    from: NaiveDateTime,
    before: NaiveDateTime,
) -> Result<StaffCompliments, AppError> {
    use crate::domain::access::{staff_compliments, StaffComplimentScope};
    let scope = staff_compliments(&caller.roles, &caller.subject, &caller.services, staff_id)
        .ok_or_else(|| {
            AppError::Forbidden(
                "a member of staff's compliments are read by them, their Head of Service and \
                 the complaints manager"
                    .into(),
            )
        })?;
    let services = match scope {
        StaffComplimentScope::All => None,
        StaffComplimentScope::Services(services) => Some(services),
    };
    let compliments = repo::compliments_naming(conn, staff_id, from, before, services.as_deref())?;
    Ok(StaffCompliments {
        services,
        compliments,
    })
}

//! Compliments and comments: each step asks the feedback table
//! ([`crate::domain::feedback::check`]) with what was done so far.

use chrono::NaiveDateTime;

use super::lifecycle::record;
use super::AppError;
use crate::auth::Caller;
use crate::db::cases::CaseRow;
use crate::db::feedback::{self as repo, FeedbackRow};
use crate::db::DbConnection;
use crate::domain::acknowledgement::AcknowledgementMethod;
use crate::domain::case::events::{Acknowledgement, CaseEvent, Instant};
use crate::domain::case::{Kind, Status};
use crate::domain::clock::uk_date;
use crate::domain::deadlines::Deadlines;
use crate::domain::feedback::{self as rules, Step};

fn stored<T>(value: &str, parse: impl Fn(&str) -> Option<T>, column: &str) -> Result<T, AppError> {
    parse(value)
        .ok_or_else(|| AppError::Internal(format!("stored {column} `{value}` is not known")))
}

/// The case's handling so far, after checking `step` may be taken now.
pub fn check_step(
    conn: &mut DbConnection,
    case: &CaseRow,
    step: Step,
) -> Result<Option<FeedbackRow>, AppError> {
    let handling = repo::find(conn, case.id)?;
    rules::check(
        step,
        stored(&case.kind, Kind::parse, "kind")?,
        stored(&case.status, Status::parse, "status")?,
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
    let kind = stored(&case.kind, Kind::parse, "kind")?;
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
        acknowledgement_method: Some(method.as_str().into()),
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

//! The remedies' use cases: a remedy promised on an accepted complaint, and its outcome,
//! done or undeliverable, in the caller's transaction.

use chrono::{NaiveDate, NaiveDateTime};

use super::lifecycle::record;
use super::{cases, AppError};
use crate::auth::Caller;
use crate::db::cases::CaseRow;
use crate::db::remedies::{self as repo, RemedyRow};
use crate::db::DbConnection;
use crate::domain::case::events::CaseEvent;
use crate::domain::case::lifecycle::{self, Command};
use crate::domain::remedy::{RemedyStatus, RemedyType};

/// A remedy, as the caller promised it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promise {
    pub remedy_type: RemedyType,
    /// What will happen, as sent: stored trimmed.
    pub description: String,
    pub due: NaiveDate,
    /// Who will do it, as sent: stored trimmed.
    pub owner: String,
    /// A financial remedy's amount, in pence (always GBP).
    pub amount_pence: Option<i64>,
}

/// A remedy is promised on an accepted complaint, at the case's service. The case's version
/// is not taken: a promise adds to the case without changing what was asked against. Gives
/// the case and the remedy as stored.
pub fn promise(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    promise: &Promise,
) -> Result<(CaseRow, RemedyRow), AppError> {
    let case = cases::adding(conn, reference, caller, false)?;
    let (_, state) = cases::with_stages(conn, &case)?;
    lifecycle::step(&state, Command::PromiseRemedy)?;
    let row = repo::insert(
        conn,
        &RemedyRow {
            id: 0,
            case_id: case.id,
            service_id: case.service_id.clone(),
            remedy_type: promise.remedy_type,
            description: promise.description.trim().to_string(),
            due: promise.due,
            owner: promise.owner.trim().to_string(),
            amount_pence: promise.amount_pence,
            currency: promise.amount_pence.map(|_| "GBP".to_string()),
            status: RemedyStatus::Promised,
            done_on: None,
            evidence: None,
            created_by: caller.subject.clone(),
            created_at: now,
        },
    )?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::RemedyPromised {
            remedy: row.id,
            remedy_type: row.remedy_type.as_str().into(),
            description: row.description.clone(),
            due: row.due,
        },
    )?;
    Ok((case, row))
}

/// What became of a promised remedy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `done` or `cannot_deliver`.
    pub status: RemedyStatus,
    pub done_on: NaiveDate,
    /// The evidence that it was done, or why it cannot be, as sent: stored trimmed.
    pub evidence: String,
}

/// A promised remedy is marked done with its evidence, or reported undeliverable; once only.
/// Gives the case as it now is.
pub fn complete(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    remedy_id: i64,
    outcome: &Outcome,
) -> Result<CaseRow, AppError> {
    let case = cases::changing(conn, reference, caller, expected)?;
    let remedy = repo::find(conn, case.id, remedy_id)?
        .ok_or_else(|| AppError::NotFound("there is no such remedy on this case".into()))?;
    lifecycle::step(
        &cases::state(&case, &[]),
        Command::RecordRemedyOutcome {
            remedy: remedy.status,
        },
    )?;
    let case = cases::claim_version(conn, &case, expected, now)?;
    repo::complete(
        conn,
        remedy.id,
        outcome.status.as_str(),
        outcome.done_on,
        outcome.evidence.trim(),
    )?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::RemedyOutcome {
            remedy: remedy.id,
            status: outcome.status.as_str().into(),
            done_on: outcome.done_on,
        },
    )?;
    Ok(case)
}

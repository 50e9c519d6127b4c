//! Naming the investigating officer of a complaint's current stage.

use chrono::NaiveDateTime;

use super::cases::{self, Changed};
use super::lifecycle::record;
use super::AppError;
use crate::auth::Caller;
use crate::db::stages;
use crate::db::DbConnection;
use crate::domain::assignment;
use crate::domain::case::events::CaseEvent;
use crate::domain::case::lifecycle::{self, Command};
use crate::domain::case::{Role, Stage};

/// An assignment, as the Head of Service or the complaints manager sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The investigating officer's id (their token's `sub`), trimmed.
    pub investigator: String,
    /// The investigator's role, as the assigner states it.
    pub role: Option<Role>,
}

/// The current stage of an open complaint gets its investigator (again to reassign). At
/// stage 2 the investigator differs from stage 1's and is senior
/// ([`crate::domain::assignment::check`]); a refusal of that rule is a
/// [`AppError::Conflict`] about the investigator. Gives the case as it now is.
pub fn assign(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    request: &Assignment,
) -> Result<Changed, AppError> {
    let case = cases::changing(conn, reference, caller, expected)?;
    let (all, state) = cases::with_stages(conn, &case)?;
    lifecycle::step(&state, Command::Assign)?;
    let (Some(current), Some(stage)) = (all.last(), state.current.map(|s| s.stage)) else {
        return Err(AppError::Internal("a stage without a row".into()));
    };
    let stage_1 = all
        .iter()
        .find(|s| s.stage == Stage::Stage1)
        .and_then(|s| s.investigator.as_deref());
    assignment::check(stage, &request.investigator, request.role, stage_1).map_err(|refusal| {
        AppError::Conflict {
            detail: refusal.to_string(),
            field: Some("investigator"),
        }
    })?;
    let case = cases::claim_version(conn, &case, expected, now)?;
    let assigned = stages::assign(
        conn,
        current.id,
        &request.investigator,
        &caller.subject,
        now,
    )?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::Assigned {
            stage,
            investigator: request.investigator.clone(),
            previous_investigator: current.investigator.clone(),
        },
    )?;
    Ok(Changed::with_stage(case, all, assigned))
}

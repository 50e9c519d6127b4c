//! Flags that change handling (SPEC §3) and links between related cases: both internal,
//! for staff only.

use chrono::{NaiveDate, NaiveDateTime};

use super::lifecycle::record;
use super::{cases, AppError};
use crate::auth::Caller;
use crate::db::cases::CaseRow;
use crate::db::flags::{self as repo, FlagRow};
use crate::db::DbConnection;
use crate::domain::case::events::CaseEvent;
use crate::domain::case::lifecycle::{self, Command};
use crate::domain::flag::Flag;
use crate::error::FieldError;

/// A flag, as the complaints manager raised it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flagging {
    pub flag: Flag,
    /// Who the matter was referred to, as sent (stored trimmed).
    pub referred_to: String,
    pub referred_on: NaiveDate,
    pub note: Option<String>,
}

/// The case is flagged, with the referral; each flag once, a second one being an
/// [`AppError::Conflict`] about the flag. Gives the case as it now is.
pub fn add_flag(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    flagging: &Flagging,
) -> Result<CaseRow, AppError> {
    let case = cases::changing(conn, reference, caller, expected)?;
    let flag = flagging.flag;
    let flagged_already = repo::for_case(conn, case.id)?
        .iter()
        .any(|f| f.flag == flag);
    lifecycle::step(
        &cases::state(&case, &[]),
        Command::Flag {
            flag,
            flagged_already,
        },
    )?;
    let case = cases::claim_version(conn, &case, expected, now)?;
    repo::insert(
        conn,
        &FlagRow {
            id: 0,
            case_id: case.id,
            flag,
            referred_to: flagging.referred_to.trim().to_string(),
            referred_on: flagging.referred_on,
            note: flagging.note.clone(),
            recorded_by: caller.subject.clone(),
            recorded_at: now,
        },
    )?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::Flagged {
            flag: flag.as_str().into(),
            referred_to: Some(flagging.referred_to.clone()),
            referred_on: flagging.referred_on,
        },
    )?;
    Ok(case)
}

/// The case is linked, both ways, to another the caller may change. A reference that names
/// no such case, or this one, is not valid on `reference`; cases linked already are an
/// [`AppError::Conflict`] about the reference. Gives the case as it now is.
pub fn link(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    other: &str,
) -> Result<CaseRow, AppError> {
    let invalid = |message: &str| AppError::Invalid(vec![FieldError::new("reference", message)]);
    let case = cases::changing(conn, reference, caller, expected)?;
    let target = match cases::find(conn, other, caller, false) {
        Ok(target) => target,
        Err(AppError::NotFound(_) | AppError::Forbidden(_)) => {
            return Err(invalid("is not a case reference"))
        }
        Err(error) => return Err(error),
    };
    let to_itself = target.id == case.id;
    let linked_already = !to_itself && repo::linked(conn, case.id)?.contains(&target.reference);
    lifecycle::step(
        &cases::state(&case, &[]),
        Command::Link {
            to_itself,
            linked_already,
        },
    )?;
    let case = cases::claim_version(conn, &case, expected, now)?;
    repo::link(conn, case.id, target.id, &caller.subject, now)?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::Linked {
            linked_to: target.reference.clone(),
        },
    )?;
    // A new case linked to a matter under restriction is contact about that matter.
    super::restrictions::linked(conn, now, &case, &target)?;
    Ok(case)
}

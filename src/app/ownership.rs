//! Ownership (SPEC §3): one service leads a case and gives its one response; other services
//! may contribute. The complaints manager moves the lead and names the contributors, while
//! the lifecycle table says the case is still being handled.

use chrono::NaiveDateTime;

use super::lifecycle::record;
use super::{cases, AppError};
use crate::auth::Caller;
use crate::db::cases::{CaseRow, Claim};
use crate::db::{ownership as repo, services, DbConnection};
use crate::domain::case::events::CaseEvent;
use crate::domain::case::lifecycle::{self, Command};
use crate::error::FieldError;

/// The case `reference` as the caller may change it, at version `expected`, if the lifecycle
/// table lets who handles it change: the lead and contributors of a closed or withdrawn case
/// stay as they were.
fn changeable(
    conn: &mut DbConnection,
    caller: &Caller,
    reference: &str,
    expected: i32,
) -> Result<CaseRow, AppError> {
    let case = cases::changing(conn, reference, caller, expected)?;
    // The command reads only the case's status: its stages are not needed.
    let state = cases::state(&case, &[]);
    lifecycle::step(&state, Command::ChangeOwnership)?;
    Ok(case)
}

/// An active service from the directory, or values not valid on `service`.
fn active_service(conn: &mut DbConnection, id: &str) -> Result<(), AppError> {
    let message = match services::find(conn, id)? {
        Some(service) if service.active => return Ok(()),
        Some(_) => "is no longer taking new cases",
        None => "is not a known service",
    };
    Err(AppError::Invalid(vec![FieldError::new("service", message)]))
}

/// The case goes to another, active, lead service, with the reason; a service that was
/// contributing and now leads stops contributing. Naming the service that leads already is
/// an [`AppError::Conflict`] about the service. Gives the case as it now is.
pub fn change_lead(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    service: &str,
    reason: &str,
) -> Result<CaseRow, AppError> {
    let case = changeable(conn, caller, reference, expected)?;
    active_service(conn, service)?;
    if case.service_id == service {
        return Err(AppError::Conflict {
            detail: format!("{service} leads the case already"),
            field: Some("service"),
        });
    }
    let from = case.service_id.clone();
    let case = cases::claim(
        conn,
        &case,
        expected,
        now,
        &Claim {
            lead_service: Some(service.to_string()),
            ..Claim::default()
        },
    )?;
    repo::remove(conn, case.id, service)?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::LeadServiceChanged {
            from,
            to: service.to_string(),
            reason: reason.to_string(),
        },
    )?;
    Ok(case)
}

/// An active service other than the lead contributes to the case's one response. The lead,
/// or a service contributing already, is an [`AppError::Conflict`] about the service. Gives
/// the case as it was before.
pub fn add_contributor(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    service: &str,
) -> Result<CaseRow, AppError> {
    let case = changeable(conn, caller, reference, expected)?;
    active_service(conn, service)?;
    if case.service_id == service {
        return Err(AppError::Conflict {
            detail: format!("{service} leads the case"),
            field: Some("service"),
        });
    }
    if repo::contributing(conn, case.id)?
        .iter()
        .any(|s| s == service)
    {
        return Err(AppError::Conflict {
            detail: format!("{service} contributes already"),
            field: Some("service"),
        });
    }
    let case = cases::claim_version(conn, &case, expected, now)?;
    repo::add(conn, case.id, service, &caller.subject, now)?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::ContributingServiceAdded {
            service: service.to_string(),
        },
    )?;
    Ok(case)
}

/// A contributing service stops contributing: its staff no longer see the case. A service
/// that does not contribute is not found. Gives the case as it now is.
pub fn remove_contributor(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    service: &str,
) -> Result<CaseRow, AppError> {
    let case = changeable(conn, caller, reference, expected)?;
    if !repo::contributing(conn, case.id)?
        .iter()
        .any(|s| s == service)
    {
        return Err(AppError::NotFound(format!(
            "{service} does not contribute to case {}",
            case.reference
        )));
    }
    let case = cases::claim_version(conn, &case, expected, now)?;
    repo::remove(conn, case.id, service)?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::ContributingServiceRemoved {
            service: service.to_string(),
        },
    )?;
    Ok(case)
}

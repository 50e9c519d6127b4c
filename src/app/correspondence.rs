//! The customer's own information (issue 13 §5): what the customer adds to their case, and
//! the incoming calls, letters and emails staff log. An addition, not a change: it takes no
//! version and bumps none. Information reaching a case nobody is handling any more is still
//! taken, and the case is flagged `new_information` for its lead service to look at; from a
//! person under a restriction in scope it is flagged `restricted_contact` and routed
//! ([`super::restrictions::on_correspondence`]).

use chrono::NaiveDateTime;

use super::alerts::SYSTEM_SUBJECT;
use super::{cases, AppError};
use crate::auth::Caller;
use crate::db::cases::CaseRow;
use crate::db::events::{self, EventRow, NewEvent};
use crate::db::flags::{self, FlagRow};
use crate::db::DbConnection;
use crate::domain::case::events::{CaseEvent, Correspondence, Instant};
use crate::domain::case::ActorRole;
use crate::domain::clock::uk_date;
use crate::domain::correspondence::{arrives_unattended, CorrespondenceMethod, Direction};
use crate::domain::document::DocumentVisibility;
use crate::domain::flag::Flag;
use crate::error::FieldError;

/// Incoming correspondence, as the caller sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    pub method: CorrespondenceMethod,
    /// The customer's words, or staff's summary.
    pub text: String,
    /// When it reached the council (at most now).
    pub received_at: NaiveDateTime,
    pub visibility: DocumentVisibility,
}

/// The correspondence goes on the timeline of case `reference`: the customer's own case, or
/// one of the staff member's services (lead or contributing). A customer may add only what
/// they can see. Gives the case and the event as it stands on the timeline.
pub fn add(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    incoming: &Incoming,
) -> Result<(CaseRow, EventRow), AppError> {
    let case = cases::adding(conn, reference, caller, true)?;
    if !incoming.visibility.may_be_chosen_by(caller.acting_role()) {
        return Err(AppError::Invalid(vec![FieldError::new(
            "visibility",
            "a customer adds information the customer can see: customer",
        )]));
    }
    let event = CaseEvent::correspondence(
        Correspondence {
            direction: Direction::Incoming,
            method: incoming.method,
            text: incoming.text.clone(),
            received_at: Instant(incoming.received_at),
        },
        incoming.visibility,
    );
    let row = events::append_returning(
        conn,
        &NewEvent::of(case.id, &caller.subject, caller.acting_role(), now, &event),
    )?;
    flag_if_unattended(conn, now, &case)?;
    super::restrictions::on_correspondence(conn, now, &case)?;
    Ok((case, row))
}

/// Flags the case `new_information` when nobody is handling it any more (closed, withdrawn,
/// triaged out), once: a flag already there still says so. The flag is raised by the
/// service itself and referred to the case's lead service; it and its `flagged` event are
/// internal.
pub fn flag_if_unattended(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    case: &CaseRow,
) -> Result<(), AppError> {
    if !arrives_unattended(case.status) {
        return Ok(());
    }
    let flagged = flags::for_case(conn, case.id)?
        .iter()
        .any(|f| f.flag == Flag::NewInformation);
    if flagged {
        return Ok(());
    }
    let referred_on = uk_date(now);
    flags::insert(
        conn,
        &FlagRow {
            id: 0,
            case_id: case.id,
            flag: Flag::NewInformation,
            referred_to: case.service_id.clone(),
            referred_on,
            note: Some(format!(
                "information arrived while the case was {}",
                case.status.as_str().replace('_', " ")
            )),
            recorded_by: SYSTEM_SUBJECT.to_string(),
            recorded_at: now,
        },
    )?;
    events::append(
        conn,
        &NewEvent::of(
            case.id,
            SYSTEM_SUBJECT,
            ActorRole::System,
            now,
            &CaseEvent::Flagged {
                flag: Flag::NewInformation.as_str().into(),
                referred_to: Some(case.service_id.clone()),
                referred_on,
            },
        ),
    )?;
    Ok(())
}

//! Internal notes on a case: for staff only, never shown to customers or partners. A note is
//! an addition, not a change to the case: it takes no version and bumps none.

use chrono::NaiveDateTime;

use super::{cases, AppError};
use crate::auth::Caller;
use crate::db::cases::CaseRow;
use crate::db::events::{self, EventRow, NewEvent};
use crate::db::DbConnection;
use crate::domain::case::events::CaseEvent;

/// A note with `text` goes on the timeline of case `reference`, which staff of the lead or a
/// contributing service may add to. Gives the case and the note as it stands on the timeline.
pub fn add(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    text: &str,
) -> Result<(CaseRow, EventRow), AppError> {
    let case = cases::adding(conn, reference, caller, true)?;
    let note = events::append_returning(
        conn,
        &NewEvent::of(
            case.id,
            &caller.subject,
            caller.acting_role(),
            now,
            &CaseEvent::Note {
                text: text.to_string(),
            },
        ),
    )?;
    Ok((case, note))
}

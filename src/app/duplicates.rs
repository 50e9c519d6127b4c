//! Repeat and duplicate complaints found at intake (issue 14 §5): a new case is compared with
//! the same person's earlier cases (`domain::duplicate`), the candidates are kept and the case
//! is flagged `possible_duplicate` for triage; staff see them, each shown as linked once they
//! link it (`POST /cases/{reference}/links`, which leaves both cases' clocks as they are).

use chrono::NaiveDateTime;

use super::alerts::SYSTEM_SUBJECT;
use super::{cases, AppError};
use crate::auth::Caller;
use crate::db::cases::{CaseRow, CustomerRow, NewCaseRow};
use crate::db::duplicates::{self as repo, CandidateRow, Comparing};
use crate::db::events::{self, NewEvent};
use crate::db::flags::{self, FlagRow};
use crate::db::DbConnection;
use crate::domain::case::events::CaseEvent;
use crate::domain::case::{ActorRole, Kind};
use crate::domain::clock::uk_date;
use crate::domain::duplicate::{self, DuplicatePolicy, Earlier, PossibleDuplicate};
use crate::domain::flag::Flag;
use crate::domain::person::PersonMatch;

/// What intake found a new complaint may repeat, before the case was written.
#[derive(Debug, Clone)]
pub struct Repeats {
    person_id: i64,
    earlier: Vec<Earlier>,
    found: Vec<PossibleDuplicate>,
}

/// Looks for earlier complaints a new complaint may repeat: the same person (a sure match: a
/// new person has no earlier cases, and an uncertain match may be someone else), the same
/// service, received within the policy's window, with similar text. Asked before the case
/// is written, so the read and the comparison are done before intake takes the next
/// reference (on PostgreSQL, while it holds it, every other intake waits).
pub fn look_at_intake(
    conn: &mut DbConnection,
    policy: &DuplicatePolicy,
    case: &NewCaseRow,
    customer: &CustomerRow,
) -> Result<Option<Repeats>, AppError> {
    // Repeat complaints: a compliment or comment said twice is not a matter to triage.
    if case.kind != Kind::Complaint {
        return Ok(None);
    }
    let Some(person_id) = customer.person_id else {
        return Ok(None);
    };
    if customer.person_match_uncertain
        || matches!(customer.person_match, None | Some(PersonMatch::New))
    {
        return Ok(None);
    }
    let earlier = repo::earlier(
        conn,
        &Comparing {
            person_id,
            service_id: &case.service_id,
            kind: case.kind,
            window: policy.window(case.received_at),
        },
    )?;
    let found = duplicate::possible_duplicates(&case.summary, &case.description, &earlier);
    Ok((!found.is_empty()).then_some(Repeats {
        person_id,
        earlier,
        found,
    }))
}

/// Records what [`look_at_intake`] found for the new complaint `case`: the candidates are
/// kept, the case is flagged `possible_duplicate` for triage (raised by the service, referred
/// to the case's service, with an internal `flagged` event), and the flag is given back.
/// Where the person has a restriction not lifted, a repeat of its matter is restricted contact
/// ([`after_possible_duplicates_found`]).
pub fn record_at_intake(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    case: &CaseRow,
    repeats: Option<Repeats>,
    restricted: bool,
) -> Result<Option<FlagRow>, AppError> {
    let Some(repeats) = repeats else {
        return Ok(None);
    };
    repo::insert(conn, case.id, &repeats.found, now)?;
    let flag = flag_possible_duplicate(conn, now, case, &repeats.found, &repeats.earlier)?;
    if restricted {
        after_possible_duplicates_found(conn, now, case, repeats.person_id, &repeats.found)?;
    }
    Ok(Some(flag))
}

/// Restrictions (issue 14 §4): intake found that `case` may repeat the cases in `found`.
/// Under "no further correspondence on a matter", a new case that repeats one of the matter's
/// cases goes to triage marked as such (`app::restrictions::matter_contact`), in the intake's
/// transaction.
pub fn after_possible_duplicates_found(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    case: &CaseRow,
    person_id: i64,
    found: &[PossibleDuplicate],
) -> Result<(), AppError> {
    let repeated: Vec<i64> = found.iter().map(|p| p.case_id).collect();
    super::restrictions::matter_contact_at_intake(conn, now, case, person_id, &repeated)?;
    Ok(())
}

fn flag_possible_duplicate(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    case: &CaseRow,
    found: &[PossibleDuplicate],
    earlier: &[Earlier],
) -> Result<FlagRow, AppError> {
    let references: Vec<&str> = found
        .iter()
        .filter_map(|p| earlier.iter().find(|e| e.case_id == p.case_id))
        .map(|e| e.reference.as_str())
        .collect();
    let referred_on = uk_date(now);
    let flag = flags::insert(
        conn,
        &FlagRow {
            id: 0,
            case_id: case.id,
            flag: Flag::PossibleDuplicate,
            referred_to: case.service_id.clone(),
            referred_on,
            note: Some(format!(
                "the same person's similar {} about this service: {}",
                if found.len() == 1 { "case" } else { "cases" },
                references.join(", ")
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
                flag: Flag::PossibleDuplicate.as_str().into(),
                referred_to: Some(case.service_id.clone()),
                referred_on,
            },
        ),
    )?;
    Ok(flag)
}

/// The possible duplicates intake found for the case `reference`, for staff who may see it:
/// those of the candidates they may see too (a candidate's lead service may since have
/// changed), the most similar first.
pub fn of_case(
    conn: &mut DbConnection,
    caller: &Caller,
    reference: &str,
) -> Result<(CaseRow, Vec<CandidateRow>), AppError> {
    let case = cases::find(conn, reference, caller, true)?;
    let scope = caller.case_scope();
    let candidates = repo::for_case(conn, case.id)?
        .into_iter()
        .filter(|c| c.candidate.visible_in(&scope))
        .collect();
    Ok((case, candidates))
}

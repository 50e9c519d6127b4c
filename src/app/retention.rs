//! Retention (issue 15 §1): legal holds, the daily pass that anonymises the finished cases
//! whose time has come and deletes old documents, and anonymisation itself, also used to
//! carry out an erasure request.
//!
//! The pass goes through the finished cases in id order, a batch per transaction. Each batch
//! claims its due cases (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several instances share
//! the work) and records each anonymisation in `case_anonymisations` in the same
//! transaction: a pass interrupted part-way is run again and finds the rest.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};

use super::AppError;
use crate::auth::Caller;
use crate::db::events::{self, NewEvent};
use crate::db::people::PersonRow;
use crate::db::retention::{self as repo, ErasureRow, Finished, HoldRow};
use crate::db::DbConnection;
use crate::domain::case::events::CaseEvent;
use crate::domain::case::{ActorRole, Kind, Outcome, Status};
use crate::domain::clock::uk_date;
use crate::domain::retention::{
    closing_outcome, erasure_letter, postcode_district, scrub_details, AnonymisationBasis,
    ErasureDecision, HoldTarget, LawfulBasis, RetentionSchedule, PLACEHOLDER,
};

/// Who the timeline says anonymised a case on the schedule.
pub const SYSTEM_SUBJECT: &str = "council-feedback";

/// What one batch of the pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// Where the next batch starts (the last case id looked at), or `None` when done.
    pub next: Option<i64>,
    /// Finished cases looked at.
    pub looked_at: usize,
    /// Cases anonymised (or, for documents, cases whose documents were deleted).
    pub done: usize,
    /// Cases due but kept by a legal hold, an outstanding remedy or a pending Ombudsman
    /// referral.
    pub held: usize,
    /// Documents whose files are to be deleted once the batch is committed.
    pub files: Vec<i64>,
}

/// A case to anonymise, with the time it closed.
type Due = (i64, Option<NaiveDateTime>);

/// What a hold is on, as stored (case id or person id), and the cases it covers.
type Target = (Option<i64>, Option<i64>, Vec<i64>);

/// When and how a finished case closed, and the day it falls due under `due_on`.
fn due_day(
    case: &Finished,
    due_on: impl Fn(Kind, crate::domain::retention::ClosingOutcome, NaiveDate) -> NaiveDate,
) -> Option<NaiveDate> {
    let kind = Kind::parse(&case.kind)?;
    let status = Status::parse(&case.status)?;
    let outcome = closing_outcome(status, case.outcome.as_deref().and_then(Outcome::parse))?;
    let closed_on = uk_date(case.closed_at?);
    Some(due_on(kind, outcome, closed_on))
}

/// Of `due`, those no hold or exception keeps; counts the others.
fn not_held(conn: &mut DbConnection, due: Vec<Due>) -> Result<(Vec<Due>, usize), AppError> {
    let ids: Vec<i64> = due.iter().map(|(id, _)| *id).collect();
    let mut held: Vec<i64> = repo::holds_in_force(conn, &ids)?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    held.extend(repo::outstanding(conn, &ids)?);
    let before = due.len();
    let free: Vec<_> = due
        .into_iter()
        .filter(|(id, _)| !held.contains(id))
        .collect();
    let kept = before - free.len();
    Ok((free, kept))
}

/// One batch of the anonymisation pass as of `as_of`: up to `limit` finished cases after case
/// id `after` are looked at, and those due and not held are anonymised at `now`.
pub fn anonymise_batch(
    conn: &mut DbConnection,
    schedule: &RetentionSchedule,
    as_of: NaiveDate,
    now: NaiveDateTime,
    after: i64,
    limit: i64,
) -> Result<Batch, AppError> {
    let finished = repo::finished_after(conn, after, limit, false)?;
    let next = (finished.len() as i64 == limit)
        .then(|| finished.last().map(|c| c.id))
        .flatten();
    let due: Vec<(i64, Option<NaiveDateTime>)> = finished
        .iter()
        .filter(|c| {
            due_day(c, |kind, outcome, closed| {
                schedule.anonymise_on(kind, outcome, closed)
            })
            .is_some_and(|day| day <= as_of)
        })
        .map(|c| (c.id, c.closed_at))
        .collect();
    let (free, held) = not_held(conn, due)?;
    let claimed = repo::claim(conn, &free.iter().map(|(id, _)| *id).collect::<Vec<_>>())?;
    let cases: Vec<_> = free
        .into_iter()
        .filter(|(id, _)| claimed.contains(id))
        .collect();
    let files = anonymise(
        conn,
        &cases,
        now,
        AnonymisationBasis::Schedule,
        None,
        (SYSTEM_SUBJECT, ActorRole::System),
    )?;
    Ok(Batch {
        next,
        looked_at: finished.len(),
        done: cases.len(),
        held,
        files,
    })
}

/// One batch of the documents pass: the documents of finished cases (after case id `after`)
/// closed longer ago than the schedule keeps documents, and not held, are deleted.
pub fn documents_batch(
    conn: &mut DbConnection,
    schedule: &RetentionSchedule,
    as_of: NaiveDate,
    now: NaiveDateTime,
    after: i64,
    limit: i64,
) -> Result<Batch, AppError> {
    let finished = repo::finished_after(conn, after, limit, true)?;
    let next = (finished.len() as i64 == limit)
        .then(|| finished.last().map(|c| c.id))
        .flatten();
    let due: Vec<(i64, Option<NaiveDateTime>)> = finished
        .iter()
        .filter(|c| {
            due_day(c, |_, _, closed| schedule.documents_on(closed)).is_some_and(|d| d <= as_of)
        })
        .map(|c| (c.id, c.closed_at))
        .collect();
    let (free, held) = not_held(conn, due)?;
    let claimed =
        repo::claim_for_documents(conn, &free.iter().map(|(id, _)| *id).collect::<Vec<_>>())?;
    let mut files = vec![];
    for case_id in &claimed {
        let (documents, in_files) = repo::delete_documents(conn, &[*case_id])?;
        files.extend(in_files);
        events::append(
            conn,
            &NewEvent::of(
                *case_id,
                SYSTEM_SUBJECT,
                ActorRole::System,
                now,
                &CaseEvent::DocumentsDeleted { documents },
            ),
        )?;
    }
    Ok(Batch {
        next,
        looked_at: finished.len(),
        done: claimed.len(),
        held,
        files,
    })
}

/// Removes the personal data of `cases` (each with the time it closed), in the caller's
/// transaction: the cases' own text, their customers, representatives, events' free text,
/// letters and messages, documents, and the people no case names any more. Gives the ids of
/// the documents whose files are to be deleted once committed.
pub fn anonymise(
    conn: &mut DbConnection,
    cases: &[(i64, Option<NaiveDateTime>)],
    now: NaiveDateTime,
    basis: AnonymisationBasis,
    erasure_request: Option<i64>,
    actor: (&str, ActorRole),
) -> Result<Vec<i64>, AppError> {
    if cases.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<i64> = cases.iter().map(|(id, _)| *id).collect();
    // First: the event log lets an anonymised case's events be rewritten, and no other's.
    repo::record_anonymised(conn, cases, now, basis.as_str(), erasure_request)?;
    let customers = repo::customers_of(conn, &ids)?;
    let mut people: Vec<i64> = customers.iter().filter_map(|c| c.person_id).collect();
    people.extend(repo::representatives_people(conn, &ids)?);
    people.sort_unstable();
    people.dedup();
    let mut by_district: BTreeMap<Option<String>, Vec<i64>> = BTreeMap::new();
    for customer in &customers {
        let district = customer.postcode.as_deref().and_then(postcode_district);
        by_district.entry(district).or_default().push(customer.id);
    }
    for (district, customer_ids) in &by_district {
        repo::anonymise_customers(conn, customer_ids, district.as_deref())?;
    }
    repo::anonymise_case_records(conn, &ids, now)?;
    // A resident's links to the cases stop working: there is nothing of theirs left to see.
    crate::db::case_access::revoke_all(
        conn,
        &ids,
        now,
        actor.0,
        "the case's personal data was removed",
    )?;
    for (id, details) in repo::triage_details(conn, &ids)? {
        if let Some(text) = scrubbed(details.as_deref()) {
            repo::set_triage_details(conn, id, &text)?;
        }
    }
    for (id, recommendations) in repo::recommendations(conn, &ids)? {
        if let Some(text) = scrubbed(Some(&recommendations)) {
            repo::set_recommendations(conn, id, &text)?;
        }
    }
    for (id, details) in repo::event_details(conn, &ids)? {
        if let Some(text) = scrubbed(Some(&details)) {
            repo::set_event_details(conn, id, &text)?;
        }
    }
    let (_, files) = repo::delete_documents(conn, &ids)?;
    for person in repo::people_without_cases(conn, &people)? {
        let postcode = repo::people_postcodes(conn, &[person])?
            .into_iter()
            .next()
            .and_then(|(_, p)| p);
        let district = postcode.as_deref().and_then(postcode_district);
        repo::anonymise_person(conn, person, district.as_deref(), now)?;
    }
    let events: Vec<CaseEvent> = cases
        .iter()
        .map(|(_, closed_at)| CaseEvent::Anonymised {
            basis: basis.as_str().into(),
            closed_on: closed_at.map(uk_date),
            erasure_request,
        })
        .collect();
    let rows: Vec<NewEvent<'_>> = cases
        .iter()
        .zip(&events)
        .map(|((id, _), event)| NewEvent::of(*id, actor.0, actor.1, now, event))
        .collect();
    events::append_all(conn, &rows)?;
    Ok(files)
}

/// Stored JSON with its free text removed, if that changed it.
fn scrubbed(text: Option<&str>) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_str(text?).ok()?;
    scrub_details(&mut value).then(|| value.to_string())
}

/// A legal hold, as placed or lifted.
#[derive(Debug, Clone)]
pub struct Hold {
    pub row: HoldRow,
}

/// What a hold is placed on: a case by reference, or a person by id.
#[derive(Debug, Clone)]
pub enum HoldOn {
    Case(String),
    Person(i64),
}

/// The case ids a hold on `on` covers (a person's: all their cases as customer), and the
/// target's ids for the row. A case or person the caller cannot see is not found.
fn target(conn: &mut DbConnection, caller: &Caller, on: &HoldOn) -> Result<Target, AppError> {
    match on {
        HoldOn::Case(reference) => {
            let case = super::cases::find(conn, reference, caller, false)?;
            Ok((Some(case.id), None, vec![case.id]))
        }
        HoldOn::Person(id) => {
            if crate::db::people::find(conn, *id)?.is_none() {
                return Err(AppError::NotFound(format!("there is no person {id}")));
            }
            Ok((None, Some(*id), repo::all_cases_of_person(conn, *id)?))
        }
    }
}

/// The holds on a case or a person, newest first.
pub fn holds(
    conn: &mut DbConnection,
    caller: &Caller,
    on: &HoldOn,
) -> Result<Vec<HoldRow>, AppError> {
    let (case_id, person_id, _) = target(conn, caller, on)?;
    Ok(match (case_id, person_id) {
        (Some(case_id), _) => repo::holds_on_case(conn, case_id)?,
        (_, Some(person_id)) => repo::holds_on_person(conn, person_id)?,
        _ => vec![],
    })
}

/// A legal hold is placed on `on` with `reason`: one in force at a time, a second being a
/// conflict; an anonymised case cannot be held (there is nothing left to keep).
pub fn place_hold(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    on: &HoldOn,
    reason: &str,
) -> Result<HoldRow, AppError> {
    let (case_id, person_id, covered) = target(conn, caller, on)?;
    let existing = match (case_id, person_id) {
        (Some(case_id), _) => repo::holds_on_case(conn, case_id)?,
        (_, Some(person_id)) => repo::holds_on_person(conn, person_id)?,
        _ => vec![],
    };
    if existing.iter().any(|h| h.lifted_at.is_none()) {
        return Err(AppError::Conflict {
            detail: "a legal hold is already in force: lift it first".into(),
            field: None,
        });
    }
    // An anonymised case has no personal data left to hold, and takes no more changes.
    if let Some(case) = match case_id {
        Some(id) => crate::db::cases::find(conn, id)?,
        None => None,
    } {
        super::cases::refuse_if_anonymised(conn, &case)?;
    }
    let row = repo::place_hold(
        conn,
        &repo::NewHold {
            case_id,
            person_id,
            reason: reason.trim(),
            placed_by: &caller.subject,
            placed_at: now,
        },
    )?;
    let event = CaseEvent::LegalHoldPlaced {
        hold: row.id,
        on: on_word(&row).into(),
        reason: row.reason.clone(),
    };
    record_on(conn, &covered, caller, now, &event)?;
    Ok(row)
}

/// Hold `hold` on `on`, in force, is lifted with `reason`; a hold not in force, or not on
/// `on`, is not found.
pub fn lift_hold(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    on: &HoldOn,
    hold: i64,
    reason: Option<&str>,
) -> Result<HoldRow, AppError> {
    let (case_id, person_id, covered) = target(conn, caller, on)?;
    let existing = match (case_id, person_id) {
        (Some(case_id), _) => repo::holds_on_case(conn, case_id)?,
        (_, Some(person_id)) => repo::holds_on_person(conn, person_id)?,
        _ => vec![],
    };
    let not_found = || AppError::NotFound(format!("there is no legal hold {hold} in force here"));
    if !existing
        .iter()
        .any(|h| h.id == hold && h.lifted_at.is_none())
    {
        return Err(not_found());
    }
    let row = repo::lift_hold(conn, hold, &caller.subject, now, reason)?.ok_or_else(not_found)?;
    let event = CaseEvent::LegalHoldLifted {
        hold: row.id,
        on: on_word(&row).into(),
        reason: row.lift_reason.clone(),
    };
    record_on(conn, &covered, caller, now, &event)?;
    Ok(row)
}

/// A case's retention as it stands.
#[derive(Debug, Clone)]
pub struct Standing {
    pub reference: String,
    pub closed_on: Option<NaiveDate>,
    pub anonymise_on: Option<NaiveDate>,
    pub documents_on: Option<NaiveDate>,
    pub anonymised_on: Option<NaiveDate>,
    pub held_by: Vec<String>,
}

/// Where case `reference` stands under `schedule`.
pub fn standing(
    conn: &mut DbConnection,
    caller: &Caller,
    reference: &str,
    schedule: &RetentionSchedule,
) -> Result<Standing, AppError> {
    let case = super::cases::find(conn, reference, caller, true)?;
    let finished = repo::finished_after(conn, case.id - 1, 1, false)?
        .into_iter()
        .find(|f| f.id == case.id);
    let closed_on = finished.as_ref().and_then(|f| f.closed_at).map(uk_date);
    let anonymise_on = finished.as_ref().and_then(|f| {
        due_day(f, |kind, outcome, closed| {
            schedule.anonymise_on(kind, outcome, closed)
        })
    });
    let documents_on = finished
        .as_ref()
        .and_then(|f| due_day(f, |_, _, closed| schedule.documents_on(closed)));
    let mut held_by: Vec<String> = repo::holds_in_force(conn, &[case.id])?
        .into_iter()
        .map(|(_, reason)| format!("legal hold: {reason}"))
        .collect();
    if !repo::outstanding(conn, &[case.id])?.is_empty() {
        held_by.push("a remedy outstanding or an Ombudsman referral not yet decided".into());
    }
    Ok(Standing {
        reference: case.reference,
        closed_on,
        anonymise_on,
        documents_on,
        anonymised_on: repo::anonymised_at(conn, case.id)?.map(uk_date),
        held_by,
    })
}

fn on_word(row: &HoldRow) -> &'static str {
    if row.case_id.is_some() {
        HoldTarget::Case.as_str()
    } else {
        HoldTarget::Person.as_str()
    }
}

/// Writes `event` on each of `cases`' timelines.
pub fn record_on(
    conn: &mut DbConnection,
    cases: &[i64],
    caller: &Caller,
    now: NaiveDateTime,
    event: &CaseEvent,
) -> Result<(), AppError> {
    let rows: Vec<NewEvent<'_>> = cases
        .iter()
        .map(|id| NewEvent::of(*id, &caller.subject, caller.acting_role(), now, event))
        .collect();
    events::append_all(conn, &rows)?;
    Ok(())
}

/// An erasure request and the letter its decision produced (addressed to the person by
/// name, before anonymisation removed it).
#[derive(Debug, Clone)]
pub struct Erasure {
    pub row: ErasureRow,
    pub letter: Option<String>,
}

fn person_exists(conn: &mut DbConnection, person_id: i64) -> Result<PersonRow, AppError> {
    crate::db::people::find(conn, person_id)?
        .ok_or_else(|| AppError::NotFound(format!("there is no person {person_id}")))
}

/// An erasure request from person `person_id`, received on `received_on`, is recorded, and
/// written on each of their cases' timelines.
pub fn request_erasure(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    person_id: i64,
    received_on: NaiveDate,
    request: &str,
) -> Result<ErasureRow, AppError> {
    person_exists(conn, person_id)?;
    let row = repo::insert_erasure(
        conn,
        person_id,
        received_on,
        request.trim(),
        &caller.subject,
        now,
    )?;
    let cases = repo::all_cases_of_person(conn, person_id)?;
    record_on(
        conn,
        &cases,
        caller,
        now,
        &CaseEvent::ErasureRequested {
            erasure_request: row.id,
        },
    )?;
    Ok(row)
}

/// The erasure requests of person `person_id`, newest first.
pub fn erasures(conn: &mut DbConnection, person_id: i64) -> Result<Vec<ErasureRow>, AppError> {
    person_exists(conn, person_id)?;
    Ok(repo::erasures_of(conn, person_id)?)
}

/// What was decided, as the caller sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    Refused { basis: LawfulBasis, reason: String },
    CarriedOut,
}

/// Request `id` of person `person_id` is decided. Refused: with its lawful basis and reason.
/// Carried out: every case of the person is anonymised now, whatever its age; refused as a
/// conflict while a legal hold is in force on the person or one of their cases (naming its
/// reason), or while one of their cases is still being handled. Either way the letter is
/// written from its template and the decision recorded on each case's timeline. Gives the
/// request as decided, the letter, and the documents whose files are to be deleted.
pub fn decide_erasure(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    person_id: i64,
    id: i64,
    decided: &Decided,
) -> Result<(Erasure, Vec<i64>), AppError> {
    let person = person_exists(conn, person_id)?;
    let request = repo::erasure(conn, person_id, id)?
        .ok_or_else(|| AppError::NotFound(format!("there is no erasure request {id}")))?;
    if request.decision.is_some() {
        return Err(AppError::Conflict {
            detail: "the request has been decided already".into(),
            field: Some("decision"),
        });
    }
    let all_cases = repo::all_cases_of_person(conn, person_id)?;
    let cases = repo::cases_of_person(conn, person_id)?;
    let decided_on = uk_date(now);
    let (decision, basis, reason) = match decided {
        Decided::Refused { basis, reason } => {
            (ErasureDecision::Refused, Some(*basis), Some(reason.trim()))
        }
        Decided::CarriedOut => (ErasureDecision::CarriedOut, None, None),
    };
    if decision == ErasureDecision::CarriedOut {
        let on_person = repo::holds_on_person(conn, person_id)?
            .into_iter()
            .find(|h| h.lifted_at.is_none())
            .map(|h| h.reason);
        let on_cases = repo::holds_in_force(conn, &cases)?
            .into_iter()
            .next()
            .map(|(_, reason)| reason);
        if let Some(reason) = on_person.or(on_cases) {
            return Err(AppError::Conflict {
                detail: format!(
                    "erasure cannot be carried out while a legal hold is in force: {reason}"
                ),
                field: Some("decision"),
            });
        }
        for case_id in &cases {
            if let Some(case) = crate::db::cases::find(conn, *case_id)? {
                if closing_outcome(case.status, None).is_none() {
                    return Err(AppError::Conflict {
                        detail: format!(
                            "case {} is still being handled: decide when it has closed, or \
                             refuse with the public_task basis",
                            case.reference
                        ),
                        field: Some("decision"),
                    });
                }
            }
        }
    }
    let letter = erasure_letter(
        decision,
        &person.name,
        request.received_on,
        decided_on,
        cases.len(),
        basis,
        reason,
    );
    // A carried-out erasure keeps its letter without the name it removes.
    let kept_letter = match decision {
        ErasureDecision::CarriedOut => erasure_letter(
            decision,
            PLACEHOLDER,
            request.received_on,
            decided_on,
            cases.len(),
            None,
            None,
        ),
        ErasureDecision::Refused => letter.clone(),
    };
    record_on(
        conn,
        &all_cases,
        caller,
        now,
        &CaseEvent::ErasureDecided {
            erasure_request: id,
            decision: decision.as_str().into(),
            lawful_basis: basis.map(|b| b.as_str().into()),
        },
    )?;
    let mut files = vec![];
    if decision == ErasureDecision::CarriedOut {
        let finished: Vec<Due> = cases
            .iter()
            .map(|id| {
                let closed_at = repo::finished_after(conn, id - 1, 1, false)?
                    .into_iter()
                    .find(|f| f.id == *id)
                    .and_then(|f| f.closed_at);
                Ok((*id, closed_at))
            })
            .collect::<Result<_, AppError>>()?;
        files = anonymise(
            conn,
            &finished,
            now,
            AnonymisationBasis::Erasure,
            Some(id),
            (&caller.subject, caller.acting_role().into()),
        )?;
        // A person with no cases as customer is anonymised here.
        let district = person.postcode.as_deref().and_then(postcode_district);
        repo::anonymise_person(conn, person_id, district.as_deref(), now)?;
    }
    let row = repo::decide_erasure(
        conn,
        id,
        decision.as_str(),
        basis.map(LawfulBasis::as_str),
        reason,
        &caller.subject,
        now,
        &kept_letter,
        (decision == ErasureDecision::CarriedOut)
            .then(|| i32::try_from(cases.len()).unwrap_or(i32::MAX)),
    )?
    .ok_or_else(|| AppError::Conflict {
        detail: "the request has been decided already".into(),
        field: Some("decision"),
    })?;
    Ok((
        Erasure {
            row,
            letter: Some(letter),
        },
        files,
    ))
}

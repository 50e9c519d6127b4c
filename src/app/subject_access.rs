//! Subject-access requests (issue 15 §3): recorded by the complaints manager with the day the
//! request arrived, due by the ICO's rules ([`crate::domain::subject_access`]), extended once,
//! answered; each open request's due date is a deadline on record, so it reaches the work
//! queue and the deadline alerts like every other.

use chrono::{NaiveDate, NaiveDateTime};

use super::AppError;
use crate::auth::Caller;
use crate::db::subject_access::{self as repo, NewRequest, RequestRow};
use crate::db::DbConnection;
use crate::domain::calendar::Calendar;
use crate::domain::clock::uk_date;
use crate::domain::subject_access::{self as rules, ExtensionRefused, RequestClock};
use crate::error::FieldError;

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!(
        "there is no subject-access request {id} for this person"
    ))
}

fn counting(e: crate::domain::calendar::CalendarError) -> AppError {
    AppError::Invalid(vec![FieldError::new(
        "received_on",
        format!("no due date can be counted from it: {e}"),
    )])
}

/// The person (not merged away) the caller names, or why not.
fn person(conn: &mut DbConnection, caller: &Caller, id: i64) -> Result<i64, AppError> {
    let person = super::people::find(conn, caller, id)?;
    match person.merged_into {
        Some(kept) => Err(AppError::Conflict {
            detail: format!("person {id} was merged into person {kept}: use that record"),
            field: None,
        }),
        None => Ok(person.id),
    }
}

/// Records a request from person `id`, received on `received_on` (today or before).
pub fn record(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    calendar: &Calendar,
    caller: &Caller,
    id: i64,
    received_on: NaiveDate,
) -> Result<RequestRow, AppError> {
    let person_id = person(conn, caller, id)?;
    if received_on > uk_date(now) {
        return Err(AppError::Invalid(vec![FieldError::new(
            "received_on",
            "must be today or a day before: a request is recorded once it has arrived",
        )]));
    }
    let due = rules::due_on(calendar, received_on).map_err(counting)?;
    let row = repo::insert(
        conn,
        &NewRequest {
            person_id,
            received_on,
            original_due_on: due,
            due_on: due,
            recorded_by: &caller.subject,
            created_at: now,
        },
    )?;
    super::alerts::sync_subject_access(conn, &row)?;
    Ok(row)
}

/// A request of person `id`.
pub fn find(
    conn: &mut DbConnection,
    caller: &Caller,
    id: i64,
    request: i64,
) -> Result<RequestRow, AppError> {
    super::people::find(conn, caller, id)?;
    repo::find(conn, id, request)?.ok_or_else(|| not_found(request))
}

/// What an extension says.
#[derive(Debug, Clone)]
pub struct Extension {
    pub reason: String,
    /// How the person was told (the letter or email sent).
    pub notice: String,
    pub person_told_on: NaiveDate,
}

/// Extends a request once by two months: made, and the person told, by the original due date.
pub fn extend(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    calendar: &Calendar,
    caller: &Caller,
    id: i64,
    request: i64,
    extension: &Extension,
) -> Result<RequestRow, AppError> {
    let row = find(conn, caller, id, request)?;
    let clock = RequestClock {
        received: row.received_on,
        original_due: row.original_due_on,
        extended: row.extended_at.is_some(),
        answered: row.responded_on.is_some(),
    };
    rules::check_extension(clock, uk_date(now), extension.person_told_on).map_err(|refused| {
        match refused {
            ExtensionRefused::AlreadyExtended => AppError::Conflict {
                detail: "the request was extended already: an extension is given once".into(),
                field: None,
            },
            ExtensionRefused::Answered => AppError::Conflict {
                detail: "the request was answered: there is nothing to extend".into(),
                field: None,
            },
            ExtensionRefused::TooLate { original_due } => AppError::Conflict {
                detail: format!(
                    "an extension must be made, and the person told, within the first month: \
                     by {original_due}, the original due date"
                ),
                field: None,
            },
            ExtensionRefused::ToldOutsideTheMonth => AppError::Invalid(vec![FieldError::new(
                "person_told_on",
                format!(
                    "must be from {} (the day the request arrived) to {} (the original due \
                     date), and not after today",
                    row.received_on, row.original_due_on
                ),
            )]),
        }
    })?;
    let due = rules::extended_due_on(calendar, row.received_on).map_err(counting)?;
    let extended = repo::extend(
        conn,
        row.id,
        &repo::Extended {
            due_on: due,
            reason: &extension.reason,
            notice: &extension.notice,
            told_on: extension.person_told_on,
            by: &caller.subject,
            at: now,
        },
    )?
    .ok_or_else(|| AppError::Conflict {
        detail: "the request was extended already: an extension is given once".into(),
        field: None,
    })?;
    super::alerts::sync_subject_access(conn, &extended)?;
    Ok(extended)
}

/// Records the day a request was answered (from its receipt, not after today), once.
pub fn answer(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    id: i64,
    request: i64,
    responded_on: NaiveDate,
) -> Result<RequestRow, AppError> {
    let row = find(conn, caller, id, request)?;
    if responded_on < row.received_on || responded_on > uk_date(now) {
        return Err(AppError::Invalid(vec![FieldError::new(
            "responded_on",
            format!(
                "must be from {} (the day the request arrived) to today",
                row.received_on
            ),
        )]));
    }
    let answered = repo::answer(conn, row.id, responded_on)?.ok_or_else(|| AppError::Conflict {
        detail: "the request was answered already".into(),
        field: None,
    })?;
    super::alerts::sync_subject_access(conn, &answered)?;
    Ok(answered)
}

/// Marks note `note` of case `reference` disclosable in subject-access exports.
pub fn disclose_note(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    note: i64,
) -> Result<(), AppError> {
    let case = super::cases::adding(conn, reference, caller, true)?;
    if !repo::is_note_of(conn, case.id, note)? {
        return Err(AppError::NotFound(format!(
            "there is no note {note} on case {reference}"
        )));
    }
    repo::mark_disclosable(conn, note, &caller.subject, now)?;
    Ok(())
}

/// One case in a subject-access export: what of it is the person's, as stored.
#[derive(Debug, Clone)]
pub struct ExportedCase {
    pub case: crate::db::cases::CaseRow,
    pub part: crate::domain::person::CasePart,
    pub customer: crate::db::cases::CustomerRow,
    pub representative: Option<crate::db::cases::RepresentativeRow>,
    /// Every event on the timeline, oldest first (the export chooses what to show).
    pub events: Vec<crate::db::events::EventRow>,
    /// The notes among them the complaints manager marked disclosable.
    pub disclosable_notes: Vec<i64>,
    pub responses: Vec<crate::db::responses::ResponseRow>,
    pub letters: Vec<crate::db::letters::LetterRow>,
    /// Every document, with its bytes when the export may hold it (see `document_included`).
    pub documents: Vec<(crate::db::documents::DocumentRow, Option<Vec<u8>>)>,
}

/// Everything a subject-access export is made from.
#[derive(Debug, Clone)]
pub struct Export {
    pub request: RequestRow,
    pub person: crate::db::people::PersonRow,
    pub cases: Vec<ExportedCase>,
    pub deliveries: Vec<crate::db::subject_access::SharedDelivery>,
    pub partner_reads: Vec<(String, Option<String>, NaiveDateTime)>,
}

/// Whether a document of a case goes into the person's export: on their own case, what they
/// could see (not staff-only ones); on a case where they represent someone, what they sent.
pub fn document_included(
    part: crate::domain::person::CasePart,
    person_subject: Option<&str>,
    document: &crate::db::documents::DocumentRow,
) -> bool {
    use crate::domain::document::DocumentVisibility;
    match part {
        crate::domain::person::CasePart::Customer => {
            document.visibility == DocumentVisibility::Customer
        }
        crate::domain::person::CasePart::Representative => {
            person_subject.is_some_and(|s| s == document.uploaded_by)
        }
    }
}

/// Gathers everything held about person `id` for their request `request`.
pub fn export(
    conn: &mut DbConnection,
    caller: &Caller,
    id: i64,
    request: i64,
    store: &super::documents::DocumentStore,
) -> Result<Export, AppError> {
    let request = find(conn, caller, id, request)?;
    let person = super::people::find(conn, caller, id)?;
    let mut cases = Vec::new();
    for found in super::people::cases_of(conn, caller, id)? {
        let case = found.case;
        let (customer, representative) = crate::db::cases::people(conn, case.id)?;
        let events = crate::db::events::for_case(conn, case.id, false, None, 100_000)?;
        let notes: Vec<i64> = events
            .iter()
            .filter(|e| e.event_type == "note")
            .map(|e| e.id)
            .collect();
        let disclosable_notes = repo::disclosable(conn, &notes)?;
        let responses = crate::db::responses::for_case(conn, case.id)?;
        let letters = crate::db::letters::for_case(conn, case.id, None, 100_000)?;
        let mut documents = Vec::new();
        for document in crate::db::documents::for_case(conn, case.id, false, None, 100_000)? {
            let bytes = if document_included(found.part, person.subject.as_deref(), &document) {
                Some(super::documents::read(conn, caller, &case.reference, document.id, store)?.1)
            } else {
                None
            };
            documents.push((document, bytes));
        }
        cases.push(ExportedCase {
            case,
            part: found.part,
            customer,
            representative,
            events,
            disclosable_notes,
            responses,
            letters,
            documents,
        });
    }
    let case_ids: Vec<i64> = cases.iter().map(|c| c.case.id).collect();
    let references: Vec<String> = cases.iter().map(|c| c.case.reference.clone()).collect();
    let deliveries = repo::deliveries_of(conn, &case_ids)?;
    let partner_reads = repo::partner_reads(conn, &references)?;
    Ok(Export {
        request,
        person,
        cases,
        deliveries,
        partner_reads,
    })
}

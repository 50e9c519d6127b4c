//! Reasonable adjustments (issue 14 §2): staff who can see a person record what was agreed for
//! them, and review it at its review date; each change brings the review's deadline alert up
//! to date in the same transaction.

use chrono::{NaiveDate, NaiveDateTime};

use super::AppError;
use crate::auth::Caller;
use crate::db::adjustments::{self as repo, AdjustmentChange, AdjustmentRow, ReviewRow};
use crate::db::people::PersonRow;
use crate::db::DbConnection;
use crate::domain::adjustment::{self, Fault, Review, ReviewRefusal, Standing, Terms};
use crate::domain::clock::uk_date;
use crate::error::FieldError;

/// An adjustment with its reviews, oldest first.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub adjustment: AdjustmentRow,
    pub reviews: Vec<ReviewRow>,
}

/// What staff agreed, as the request gave it (checked for shape by the caller).
#[derive(Debug, Clone)]
pub struct Agreement {
    pub terms: Terms,
    /// `None`: today.
    pub agreed_on: Option<NaiveDate>,
    pub review_due: NaiveDate,
    /// The reference of the case it was agreed on, if named.
    pub case: Option<String>,
}

fn invalid(faults: Vec<Fault>) -> AppError {
    AppError::Invalid(
        faults
            .into_iter()
            .map(|f| FieldError::new(f.field, f.message))
            .collect(),
    )
}

/// The person, if the caller may see them and they are not merged into another (their
/// adjustments live on the person kept).
fn current_person(
    conn: &mut DbConnection,
    caller: &Caller,
    id: i64,
) -> Result<PersonRow, AppError> {
    let person = super::people::find(conn, caller, id)?;
    match person.merged_into {
        Some(kept) => Err(AppError::Conflict {
            detail: format!(
                "person {id} was merged into person {kept}: their adjustments are person {kept}'s"
            ),
            field: None,
        }),
        None => Ok(person),
    }
}

/// The person whose adjustments a read shows: the one kept, for a merged record.
fn person_read(conn: &mut DbConnection, caller: &Caller, id: i64) -> Result<i64, AppError> {
    let person = super::people::find(conn, caller, id)?;
    Ok(person.merged_into.unwrap_or(person.id))
}

/// Records an adjustment agreed for person `person_id`, agreed by the caller, and puts its
/// review date on record for alerts.
pub fn agree(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    person_id: i64,
    agreement: Agreement,
) -> Result<Recorded, AppError> {
    let person = current_person(conn, caller, person_id)?;
    let today = uk_date(now);
    let agreed_on = agreement.agreed_on.unwrap_or(today);
    let faults = adjustment::check_agreement(agreed_on, agreement.review_due, today);
    if !faults.is_empty() {
        return Err(invalid(faults));
    }
    let case_id = match &agreement.case {
        None => None,
        Some(reference) => {
            let not_theirs = || {
                AppError::Invalid(vec![FieldError::new(
                    "case",
                    "is not a case of this person's that you can see",
                )])
            };
            let case =
                super::cases::find(conn, reference, caller, true).map_err(|_| not_theirs())?;
            let theirs = repo::cases_of_person(conn, person.id)?
                .iter()
                .any(|c| c.id == case.id);
            if !theirs {
                return Err(not_theirs());
            }
            Some(case.id)
        }
    };
    let row = repo::insert(
        conn,
        &AdjustmentRow {
            id: 0,
            person_id: person.id,
            kind: agreement.terms.kind,
            language: agreement.terms.language,
            details: agreement.terms.details,
            agreed_on,
            agreed_by: caller.subject.clone(),
            case_id,
            review_due: Some(agreement.review_due),
            in_force: true,
            ended_on: None,
            version: 1,
            created_at: now,
            updated_at: now,
        },
    )?;
    super::alerts::sync_adjustment(conn, &row)?;
    Ok(Recorded {
        adjustment: row,
        reviews: vec![],
    })
}

fn with_reviews(
    conn: &mut DbConnection,
    rows: Vec<AdjustmentRow>,
) -> Result<Vec<Recorded>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut reviews = repo::reviews_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|adjustment| {
            let (mine, rest) = reviews
                .drain(..)
                .partition(|r: &ReviewRow| r.adjustment_id == adjustment.id);
            reviews = rest;
            Recorded {
                adjustment,
                reviews: mine,
            }
        })
        .collect())
}

/// A person's adjustments, in force and ended, newest agreed first.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    person_id: i64,
) -> Result<Vec<Recorded>, AppError> {
    let person = person_read(conn, caller, person_id)?;
    let rows = repo::of_person(conn, person, true)?;
    with_reviews(conn, rows)
}

fn not_found(person_id: i64, id: i64) -> AppError {
    AppError::NotFound(format!(
        "person {person_id} has no adjustment {id} that you can see"
    ))
}

/// One of a person's adjustments.
pub fn get(
    conn: &mut DbConnection,
    caller: &Caller,
    person_id: i64,
    id: i64,
) -> Result<Recorded, AppError> {
    let person = person_read(conn, caller, person_id)?;
    let row = repo::find(conn, id)?
        .filter(|a| a.person_id == person)
        .ok_or_else(|| not_found(person_id, id))?;
    with_reviews(conn, vec![row])?
        .pop()
        .ok_or_else(|| not_found(person_id, id))
}

/// Which adjustment a review is of, at which version.
#[derive(Debug, Clone, Copy)]
pub struct ReviewOf {
    pub person_id: i64,
    /// The adjustment's id.
    pub id: i64,
    /// The adjustment's version the caller read (`If-Match`).
    pub expected: i32,
}

/// A review by the caller today (`domain::adjustment::review`): continued to a new date,
/// changed (with new terms and a new date), or ended; `expected` is the adjustment's version.
/// The review is recorded with its note and the review deadline moves or is put to rest.
pub fn review(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    of: ReviewOf,
    asked: &Review,
    note: &str,
) -> Result<Recorded, AppError> {
    let ReviewOf {
        person_id,
        id,
        expected,
    } = of;
    let person = current_person(conn, caller, person_id)?;
    let row = repo::find(conn, id)?
        .filter(|a| a.person_id == person.id)
        .ok_or_else(|| not_found(person_id, id))?;
    if row.version != expected {
        return Err(AppError::Stale { expected });
    }
    let today = uk_date(now);
    let standing = Standing {
        terms: Terms {
            kind: row.kind,
            language: row.language.clone(),
            details: row.details.clone(),
        },
        in_force: row.in_force,
        ended_on: row.ended_on,
    };
    let reviewed =
        adjustment::review(&standing, asked, today).map_err(|refusal| match refusal {
            ReviewRefusal::Ended(on) => AppError::Conflict {
                detail: match on {
                    Some(on) => format!(
                        "the adjustment ended on {on}: agree a new one if it is needed again"
                    ),
                    None => {
                        "the adjustment has ended: agree a new one if it is needed again".into()
                    }
                },
                field: Some("outcome"),
            },
            ReviewRefusal::Invalid(faults) => invalid(faults),
        })?;
    let updated = repo::update(
        conn,
        id,
        expected,
        &AdjustmentChange {
            kind: reviewed.terms.kind,
            language: reviewed.terms.language.clone(),
            details: reviewed.terms.details.clone(),
            review_due: reviewed.review_due,
            in_force: reviewed.in_force,
            ended_on: reviewed.ended_on,
            updated_at: now,
        },
    )?
    .ok_or(AppError::Stale { expected })?;
    repo::insert_review(
        conn,
        &ReviewRow {
            id: 0,
            adjustment_id: id,
            outcome: asked.outcome,
            note: note.trim().to_string(),
            reviewed_on: today,
            reviewed_by: caller.subject.clone(),
            next_review_due: reviewed.review_due,
            previous_kind: reviewed.replaced.as_ref().map(|t| t.kind),
            previous_language: reviewed.replaced.as_ref().and_then(|t| t.language.clone()),
            previous_details: reviewed.replaced.as_ref().and_then(|t| t.details.clone()),
            reviewed_at: now,
        },
    )?;
    super::alerts::sync_adjustment(conn, &updated)?;
    with_reviews(conn, vec![updated])?
        .pop()
        .ok_or_else(|| not_found(person_id, id))
}

/// The adjustments in force a viewer of a case sees: staff, those of the case's customer's
/// person; a customer, only their own (the person with their account: a case matched to
/// someone else shows nothing); a partner none.
pub fn in_force_on_case(
    conn: &mut DbConnection,
    caller: &Caller,
    customer: &crate::db::cases::CustomerRow,
) -> Result<Vec<Recorded>, AppError> {
    use crate::domain::case::Role;
    let Some(person_id) = customer.person_id else {
        return Ok(vec![]);
    };
    let sees = if caller.is_staff() {
        true
    } else if caller.acting_role() == Role::Customer {
        crate::db::people::find(conn, person_id)?
            .is_some_and(|p| p.subject.as_deref() == Some(caller.subject.as_str()))
    } else {
        false
    };
    if !sees {
        return Ok(vec![]);
    }
    let rows = repo::of_person(conn, person_id, false)?;
    if rows.is_empty() {
        return Ok(vec![]);
    }
    with_reviews(conn, rows)
}

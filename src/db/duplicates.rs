//! Possible duplicates found at intake (issue 14 §5): the earlier cases a new one is compared
//! with, and the candidates found.

use super::native::Native;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::cases::CaseRow;
use super::prepared::Limited;
use super::schema::{case_duplicates, case_links, cases, customers};
use super::DbConnection;
use crate::domain::case::Kind;
use crate::domain::duplicate::{Earlier, PossibleDuplicate, MOST_COMPARED};

/// What intake compares a new case with.
#[derive(Debug, Clone)]
pub struct Comparing<'a> {
    /// Whose cases (a new case is compared before it is written).
    pub person_id: i64,
    pub service_id: &'a str,
    pub kind: Kind,
    /// Receipts from and to, both included.
    pub window: (NaiveDateTime, NaiveDateTime),
}

/// The person's other cases of the kind about the service received in the window, the newest
/// [`MOST_COMPARED`]: through the person's customer rows (`customers_by_person`) to their
/// cases (`cases_by_customer_id`).
pub fn earlier(conn: &mut DbConnection, comparing: &Comparing<'_>) -> QueryResult<Vec<Earlier>> {
    let (from, to) = comparing.window;
    // The limit is written into the statement, so it stays prepared (super::prepared).
    let rows: Vec<(i64, String, String, String)> = Limited::<_, { MOST_COMPARED as u32 }>(
        customers::table
            .inner_join(cases::table.on(cases::customer_id.eq(customers::id)))
            .filter(customers::person_id.eq(comparing.person_id))
            .filter(cases::service_id.eq(comparing.service_id))
            .filter(cases::kind.eq(comparing.kind))
            .filter(cases::received_at.between(from, to))
            .order((cases::received_at.desc(), cases::id.desc()))
            .select((
                cases::id,
                cases::reference,
                cases::summary,
                cases::description,
            )),
    )
    .fetch_all(conn)?;
    Ok(rows
        .into_iter()
        .map(|(case_id, reference, summary, description)| Earlier {
            case_id,
            reference,
            summary,
            description,
        })
        .collect())
}

/// Records the candidates found for a case.
pub fn insert(
    conn: &mut DbConnection,
    case_id: i64,
    found: &[PossibleDuplicate],
    at: NaiveDateTime,
) -> QueryResult<()> {
    let rows: Vec<_> = found
        .iter()
        .map(|p| {
            (
                case_duplicates::case_id.eq(case_id),
                case_duplicates::candidate_case_id.eq(p.case_id),
                case_duplicates::score_permille.eq(i32::try_from(p.score_permille).unwrap_or(1000)),
                case_duplicates::found_at.eq(at),
            )
        })
        .collect();
    // One statement for them all, on the backend's own connection (super::native): diesel's
    // multi-backend connection has no multi-row insert.
    diesel::insert_into(case_duplicates::table)
        .values(rows)
        .run(conn)?;
    Ok(())
}

/// A candidate as stored, with its case and when it was linked to the case it resembles.
#[derive(Debug, Clone)]
pub struct CandidateRow {
    pub candidate: CaseRow,
    pub score_permille: i32,
    pub found_at: NaiveDateTime,
    /// When staff linked the two cases; `None`: not linked.
    pub linked_at: Option<NaiveDateTime>,
}

/// The candidates found for a case, the most similar first (then by reference).
pub fn for_case(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<CandidateRow>> {
    let rows: Vec<(CaseRow, i32, NaiveDateTime, Option<NaiveDateTime>)> = case_duplicates::table
        .inner_join(cases::table.on(cases::id.eq(case_duplicates::candidate_case_id)))
        .left_join(
            case_links::table.on(case_links::case_id
                .eq(case_duplicates::case_id)
                .and(case_links::linked_case_id.eq(case_duplicates::candidate_case_id))),
        )
        .filter(case_duplicates::case_id.eq(case_id))
        .order((
            case_duplicates::score_permille.desc(),
            cases::reference.asc(),
        ))
        .select((
            cases::all_columns,
            case_duplicates::score_permille,
            case_duplicates::found_at,
            case_links::recorded_at.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(candidate, score_permille, found_at, linked_at)| CandidateRow {
                candidate,
                score_permille,
                found_at,
                linked_at,
            },
        )
        .collect())
}

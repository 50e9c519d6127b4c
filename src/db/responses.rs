//! Stage responses: drafts and the one that was sent.

use super::native::Native;
use diesel::prelude::*;

use super::schema::case_responses;
use super::DbConnection;
use crate::domain::case::Outcome;
use crate::domain::response::ResponseStatus;

/// A response as stored.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = case_responses, treat_none_as_default_value = false)]
pub struct ResponseRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub case_id: i64,
    pub stage_id: i64,
    pub status: ResponseStatus,
    pub outcome: Outcome,
    /// JSON: the findings on each point raised.
    pub findings: String,
    pub apology: Option<String>,
    pub letter: String,
    pub drafted_by: String,
    pub drafted_at: chrono::NaiveDateTime,
    pub approved_by: Option<String>,
    pub sent_at: Option<chrono::NaiveDateTime>,
    /// Why the response was recorded with an earlier date than the day it was entered.
    pub sent_at_reason: Option<String>,
    /// The complaint as the council understood it.
    pub understanding: Option<String>,
    /// JSON: the actions still outstanding, each with its date; `None` when not stated.
    pub outstanding_actions: Option<String>,
}

pub fn insert(conn: &mut DbConnection, row: &ResponseRow) -> QueryResult<ResponseRow> {
    diesel::insert_into(case_responses::table)
        .values(row)
        .returning(case_responses::all_columns)
        .fetch(conn)
}

pub fn find(conn: &mut DbConnection, case_id: i64, id: i64) -> QueryResult<Option<ResponseRow>> {
    case_responses::table
        .filter(case_responses::case_id.eq(case_id))
        .filter(case_responses::id.eq(id))
        .first(conn)
        .optional()
}

pub fn for_case(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<ResponseRow>> {
    case_responses::table
        .filter(case_responses::case_id.eq(case_id))
        .order(case_responses::id.asc())
        .fetch_all(conn)
}

/// Marks a draft as approved and sent.
pub fn send(
    conn: &mut DbConnection,
    id: i64,
    by: &str,
    at: chrono::NaiveDateTime,
    back_dated_because: Option<&str>,
) -> QueryResult<ResponseRow> {
    diesel::update(case_responses::table.find(id))
        .set((
            case_responses::status.eq("sent"),
            case_responses::approved_by.eq(Some(by)),
            case_responses::sent_at.eq(Some(at)),
            case_responses::sent_at_reason.eq(back_dated_because),
        ))
        .returning(case_responses::all_columns)
        .fetch(conn)
}

//! The append-only case event log: who did what, when.

use diesel::prelude::*;

use super::schema::case_events;
use super::DbConnection;
use crate::domain::case::events::CaseEvent;
use crate::domain::case::{Role, Visibility};

/// An event as stored.
#[derive(Debug, Clone, Queryable)]
pub struct EventRow {
    pub id: i64,
    pub case_id: i64,
    pub event_type: String,
    pub visibility: Visibility,
    pub actor_subject: String,
    pub actor_role: Role,
    pub occurred_at: chrono::NaiveDateTime,
    pub details: String,
}

/// An event to append.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = case_events)]
pub struct NewEvent<'a> {
    pub case_id: i64,
    pub event_type: &'a str,
    pub visibility: Visibility,
    pub actor_subject: &'a str,
    pub actor_role: Role,
    pub occurred_at: chrono::NaiveDateTime,
    pub details: String,
}

impl<'a> NewEvent<'a> {
    /// The row for `event` on case `case_id`, done by `actor_subject` acting as `actor_role`.
    pub fn of(
        case_id: i64,
        actor_subject: &'a str,
        actor_role: Role,
        occurred_at: chrono::NaiveDateTime,
        event: &CaseEvent,
    ) -> NewEvent<'a> {
        NewEvent {
            case_id,
            event_type: event.name(),
            visibility: event.visibility(),
            actor_subject,
            actor_role,
            occurred_at,
            details: event.details().to_string(),
        }
    }
}

pub fn append(conn: &mut DbConnection, event: &NewEvent<'_>) -> QueryResult<usize> {
    diesel::insert_into(case_events::table)
        .values(event)
        .execute(conn)
}

/// A case's events in the order they happened, after event id `after`.
pub fn for_case(
    conn: &mut DbConnection,
    case_id: i64,
    public_only: bool,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let mut query = case_events::table
        .filter(case_events::case_id.eq(case_id))
        .into_boxed();
    if public_only {
        query = query.filter(case_events::visibility.eq("public"));
    }
    if let Some(after) = after {
        query = query.filter(case_events::id.gt(after));
    }
    query.order(case_events::id.asc()).limit(limit).load(conn)
}

/// A case's events of one type, oldest first, after event id `after`.
pub fn of_type(
    conn: &mut DbConnection,
    case_id: i64,
    event_type: &str,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let mut query = case_events::table
        .filter(case_events::case_id.eq(case_id))
        .filter(case_events::event_type.eq(event_type.to_string()))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(case_events::id.gt(after));
    }
    query.order(case_events::id.asc()).limit(limit).load(conn)
}

/// Appends an event and returns it as stored.
pub fn append_returning(conn: &mut DbConnection, event: &NewEvent<'_>) -> QueryResult<EventRow> {
    diesel::insert_into(case_events::table)
        .values(event)
        .returning(case_events::all_columns)
        .get_result(conn)
}

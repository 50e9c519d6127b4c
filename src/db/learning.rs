//! Learning actions and the cases they came from.

use diesel::prelude::*;

use super::prepared::FirstRow;
use super::schema::{cases, learning_action_cases, learning_actions};
use super::DbConnection;
use crate::domain::learning::LearningStatus;

/// A learning action as stored.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = learning_actions, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct LearningActionRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub learned: String,
    pub change_agreed: String,
    pub service_id: String,
    pub owner: String,
    pub due: chrono::NaiveDate,
    pub status: LearningStatus,
    pub evidence: Option<String>,
    pub completed_on: Option<chrono::NaiveDate>,
    pub created_by: String,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub version: i32,
}

pub fn insert(conn: &mut DbConnection, row: &LearningActionRow) -> QueryResult<LearningActionRow> {
    diesel::insert_into(learning_actions::table)
        .values(row)
        .returning(learning_actions::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<LearningActionRow>> {
    learning_actions::table.find(id).first_row(conn).optional()
}

/// Stores a change if the action is still at `expected`; `None` when
/// another change got there first.
pub fn update(
    conn: &mut DbConnection,
    row: &LearningActionRow,
    expected: i32,
) -> QueryResult<Option<LearningActionRow>> {
    diesel::update(
        learning_actions::table
            .filter(learning_actions::id.eq(row.id))
            .filter(learning_actions::version.eq(expected)),
    )
    .set(row)
    .returning(learning_actions::all_columns)
    .get_result(conn)
    .optional()
}

pub fn link_case(conn: &mut DbConnection, action_id: i64, case_id: i64) -> QueryResult<usize> {
    diesel::insert_into(learning_action_cases::table)
        .values((
            learning_action_cases::action_id.eq(action_id),
            learning_action_cases::case_id.eq(case_id),
        ))
        .execute(conn)
}

/// The ids of the cases an action came from.
pub fn linked_case_ids(conn: &mut DbConnection, action_id: i64) -> QueryResult<Vec<i64>> {
    learning_action_cases::table
        .filter(learning_action_cases::action_id.eq(action_id))
        .select(learning_action_cases::case_id)
        .load(conn)
}

/// The references of the cases each action came from, by action.
pub fn case_references(
    conn: &mut DbConnection,
    action_ids: &[i64],
) -> QueryResult<Vec<(i64, String)>> {
    learning_action_cases::table
        .inner_join(cases::table)
        .filter(learning_action_cases::action_id.eq_any(action_ids))
        .select((learning_action_cases::action_id, cases::reference))
        .order((
            learning_action_cases::action_id.asc(),
            cases::reference.asc(),
        ))
        .load(conn)
}

/// Filters on the list.
#[derive(Debug, Clone, Default)]
pub struct LearningFilter {
    /// Only these services' actions; `None`: all.
    pub services: Option<Vec<String>>,
    pub service: Option<String>,
    pub status: Option<String>,
    /// Overdue (still to be done, with one of `open` statuses, and due
    /// before the date) or, when false, not.
    pub overdue: Option<(bool, chrono::NaiveDate)>,
    /// The statuses of actions still to be done.
    pub open: Vec<String>,
    /// Only actions linked to this case.
    pub case_id: Option<i64>,
    /// The last of the previous page: (due, id).
    pub after: Option<(chrono::NaiveDate, i64)>,
}

/// Actions soonest due first.
pub fn list(
    conn: &mut DbConnection,
    filter: &LearningFilter,
    limit: i64,
) -> QueryResult<Vec<LearningActionRow>> {
    let mut query = learning_actions::table.into_boxed();
    if let Some(services) = &filter.services {
        query = query.filter(learning_actions::service_id.eq_any(services.clone()));
    }
    if let Some(service) = &filter.service {
        query = query.filter(learning_actions::service_id.eq(service.clone()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(learning_actions::status.eq(status.clone()));
    }
    match filter.overdue {
        Some((true, today)) => {
            query = query.filter(
                learning_actions::status
                    .eq_any(filter.open.clone())
                    .and(learning_actions::due.lt(today)),
            )
        }
        Some((false, today)) => {
            query = query.filter(
                learning_actions::status
                    .ne_all(filter.open.clone())
                    .or(learning_actions::due.ge(today)),
            )
        }
        None => {}
    }
    if let Some(case_id) = filter.case_id {
        query = query.filter(
            learning_actions::id.eq_any(
                learning_action_cases::table
                    .filter(learning_action_cases::case_id.eq(case_id))
                    .select(learning_action_cases::action_id),
            ),
        );
    }
    if let Some((due, id)) = filter.after {
        query = query.filter(
            learning_actions::due.gt(due).or(learning_actions::due
                .eq(due)
                .and(learning_actions::id.gt(id))),
        );
    }
    query
        .order((learning_actions::due.asc(), learning_actions::id.asc()))
        .limit(limit)
        .load(conn)
}

/// Every learning action still to be done: id, due date, status.
pub fn all_open(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(i64, chrono::NaiveDate, LearningStatus)>> {
    learning_actions::table
        .filter(
            learning_actions::status.eq_any([LearningStatus::Agreed, LearningStatus::InProgress]),
        )
        .select((
            learning_actions::id,
            learning_actions::due,
            learning_actions::status,
        ))
        .order(learning_actions::id.asc())
        .load(conn)
}

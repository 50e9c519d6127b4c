//! Remedies promised on complaints, tracked until done.

use diesel::prelude::*;

use super::schema::case_remedies;
use super::DbConnection;
use crate::domain::access::CaseScope;
use crate::domain::remedy::{RemedyStatus, RemedyType};

/// A remedy as stored.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = case_remedies, treat_none_as_default_value = false)]
pub struct RemedyRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub case_id: i64,
    /// The case's service when the remedy was promised: the list's scope.
    pub service_id: String,
    pub remedy_type: RemedyType,
    pub description: String,
    pub due: chrono::NaiveDate,
    pub owner: String,
    pub amount_pence: Option<i64>,
    pub currency: Option<String>,
    pub status: RemedyStatus,
    pub done_on: Option<chrono::NaiveDate>,
    pub evidence: Option<String>,
    pub created_by: String,
    pub created_at: chrono::NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &RemedyRow) -> QueryResult<RemedyRow> {
    diesel::insert_into(case_remedies::table)
        .values(row)
        .returning(case_remedies::all_columns)
        .get_result(conn)
}

pub fn for_case(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<RemedyRow>> {
    case_remedies::table
        .filter(case_remedies::case_id.eq(case_id))
        .order(case_remedies::id.asc())
        .load(conn)
}

pub fn find(conn: &mut DbConnection, case_id: i64, id: i64) -> QueryResult<Option<RemedyRow>> {
    case_remedies::table
        .filter(case_remedies::case_id.eq(case_id))
        .filter(case_remedies::id.eq(id))
        .first(conn)
        .optional()
}

/// Records the outcome of a remedy: done with evidence, or not deliverable.
pub fn complete(
    conn: &mut DbConnection,
    id: i64,
    status: &str,
    done_on: chrono::NaiveDate,
    evidence: &str,
) -> QueryResult<RemedyRow> {
    diesel::update(case_remedies::table.find(id))
        .set((
            case_remedies::status.eq(status),
            case_remedies::done_on.eq(Some(done_on)),
            case_remedies::evidence.eq(Some(evidence)),
        ))
        .returning(case_remedies::all_columns)
        .get_result(conn)
}

/// Remedies across cases, soonest due first, within a staff scope.
pub fn list(
    conn: &mut DbConnection,
    scope: &CaseScope,
    status: Option<&str>,
    due_before: Option<chrono::NaiveDate>,
    after: Option<(chrono::NaiveDate, i64)>,
    limit: i64,
) -> QueryResult<Vec<RemedyRow>> {
    let mut query = case_remedies::table.into_boxed();
    query = match scope {
        CaseScope::All => query,
        CaseScope::Services(services) => {
            query.filter(case_remedies::service_id.eq_any(services.clone()))
        }
        // Customers and partners read remedies on their cases, not in this list.
        CaseScope::PostedBy(_)
        | CaseScope::Customer(_)
        | CaseScope::Nothing
        | CaseScope::Case(_) => query.filter(case_remedies::id.lt(0)),
    };
    if let Some(status) = status {
        query = query.filter(case_remedies::status.eq(status.to_string()));
    }
    if let Some(before) = due_before {
        query = query.filter(case_remedies::due.lt(before));
    }
    if let Some((due, id)) = after {
        query = query.filter(
            case_remedies::due
                .gt(due)
                .or(case_remedies::due.eq(due).and(case_remedies::id.gt(id))),
        );
    }
    query
        .order((case_remedies::due.asc(), case_remedies::id.asc()))
        .limit(limit)
        .load(conn)
}

//! Extensions to a stage's response time.

use super::native::Native;
use diesel::prelude::*;

use super::schema::case_extensions;
use super::DbConnection;
use crate::domain::extension::{AgreementMethod, ExtensionStatus};

/// An extension as stored.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = case_extensions, treat_none_as_default_value = false)]
pub struct ExtensionRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub case_id: i64,
    pub stage_id: i64,
    pub status: ExtensionStatus,
    pub reason: String,
    pub previous_due: chrono::NaiveDate,
    pub new_due: chrono::NaiveDate,
    pub working_days_beyond_original: i32,
    pub customer_agreed: bool,
    pub requested_by: String,
    pub requested_at: chrono::NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<chrono::NaiveDateTime>,
    pub customer_told_at: Option<chrono::NaiveDateTime>,
    /// When the customer agreed to an extension beyond the policy's limit.
    pub customer_agreed_at: Option<chrono::NaiveDateTime>,
    /// How they agreed: an `AgreementMethod` word.
    pub customer_agreement_method: Option<AgreementMethod>,
}

pub fn insert(conn: &mut DbConnection, row: &ExtensionRow) -> QueryResult<ExtensionRow> {
    diesel::insert_into(case_extensions::table)
        .values(row)
        .returning(case_extensions::all_columns)
        .fetch(conn)
}

pub fn find(conn: &mut DbConnection, case_id: i64, id: i64) -> QueryResult<Option<ExtensionRow>> {
    case_extensions::table
        .filter(case_extensions::case_id.eq(case_id))
        .filter(case_extensions::id.eq(id))
        .first(conn)
        .optional()
}

pub fn for_case(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<ExtensionRow>> {
    case_extensions::table
        .filter(case_extensions::case_id.eq(case_id))
        .order(case_extensions::id.asc())
        .fetch_all(conn)
}

/// Records the decision on a requested extension.
pub fn decide(
    conn: &mut DbConnection,
    id: i64,
    status: &str,
    by: &str,
    at: chrono::NaiveDateTime,
    customer_told_at: Option<chrono::NaiveDateTime>,
) -> QueryResult<ExtensionRow> {
    diesel::update(case_extensions::table.find(id))
        .set((
            case_extensions::status.eq(status),
            case_extensions::decided_by.eq(Some(by)),
            case_extensions::decided_at.eq(Some(at)),
            case_extensions::customer_told_at.eq(customer_told_at),
        ))
        .returning(case_extensions::all_columns)
        .fetch(conn)
}

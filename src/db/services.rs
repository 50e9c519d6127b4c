//! The service directory.

use diesel::prelude::*;

use super::prepared::FirstRow;
use super::schema::{directorates, services};
use super::DbConnection;
use crate::domain::ombudsman::OmbudsmanBody;

/// A directorate as stored.
#[derive(Debug, Clone, Queryable)]
pub struct DirectorateRow {
    pub id: String,
    pub name: String,
    pub created_at: chrono::NaiveDateTime,
}

/// A service as stored.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = services, treat_none_as_default_value = false)]
pub struct ServiceRow {
    pub id: String,
    pub name: String,
    pub directorate_id: String,
    pub area: Option<String>,
    pub email: Option<String>,
    pub active: bool,
    pub created_at: chrono::NaiveDateTime,
    /// Which Ombudsman its complaints go to after the council's procedure.
    pub ombudsman: OmbudsmanBody,
}

/// Filters on the directory.
#[derive(Debug, Default, Clone)]
pub struct ServiceFilter {
    pub directorate: Option<String>,
    pub active: Option<bool>,
    /// Only services whose id sorts after this one (the cursor).
    pub after: Option<String>,
}

/// Services in id order, at most `limit`.
pub fn list(
    conn: &mut DbConnection,
    filter: &ServiceFilter,
    limit: i64,
) -> QueryResult<Vec<ServiceRow>> {
    let mut query = services::table.into_boxed();
    if let Some(directorate) = &filter.directorate {
        query = query.filter(services::directorate_id.eq(directorate.clone()));
    }
    if let Some(active) = filter.active {
        query = query.filter(services::active.eq(active));
    }
    if let Some(after) = &filter.after {
        query = query.filter(services::id.gt(after.clone()));
    }
    query.order(services::id.asc()).limit(limit).load(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ServiceRow>> {
    services::table.find(id).first_row(conn).optional()
}

pub fn insert(conn: &mut DbConnection, row: &ServiceRow) -> QueryResult<ServiceRow> {
    diesel::insert_into(services::table)
        .values(row)
        .returning(services::all_columns)
        .get_result(conn)
}

pub fn directorates(conn: &mut DbConnection) -> QueryResult<Vec<DirectorateRow>> {
    directorates::table.order(directorates::id.asc()).load(conn)
}

pub fn directorate_exists(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(directorates::table.find(id))).get_result(conn)
}

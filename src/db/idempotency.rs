//! Idempotency records: the first answer to a create, kept so a retry with
//! the same key gets the same answer and never makes a second resource.

use diesel::prelude::*;

use super::schema::idempotency_records as records;
use super::DbConnection;

/// A stored record. `response_status` is `None` while the first request is
/// still being handled (only visible to that request's own transaction).
#[derive(Debug, Clone, Queryable)]
pub struct IdempotencyRow {
    pub caller: String,
    pub idempotency_key: String,
    pub request_hash: String,
    pub response_status: Option<i32>,
    pub response_body: Option<String>,
    pub response_location: Option<String>,
    pub response_etag: Option<String>,
    pub created_at: chrono::NaiveDateTime,
}

pub fn find(
    conn: &mut DbConnection,
    caller: &str,
    key: &str,
) -> QueryResult<Option<IdempotencyRow>> {
    records::table.find((caller, key)).first(conn).optional()
}

/// Claims the key. On PostgreSQL a second request with the same key waits
/// here until the first commits, then fails with a unique violation.
pub fn claim(
    conn: &mut DbConnection,
    caller: &str,
    key: &str,
    request_hash: &str,
) -> QueryResult<usize> {
    diesel::insert_into(records::table)
        .values((
            records::caller.eq(caller),
            records::idempotency_key.eq(key),
            records::request_hash.eq(request_hash),
            records::created_at.eq(super::now()),
        ))
        .execute(conn)
}

/// Stores the answer under a claimed key.
pub fn complete(
    conn: &mut DbConnection,
    caller: &str,
    key: &str,
    status: u16,
    body: &str,
    location: Option<&str>,
    etag: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(records::table.find((caller, key)))
        .set((
            records::response_status.eq(Some(i32::from(status))),
            records::response_body.eq(Some(body)),
            records::response_location.eq(location),
            records::response_etag.eq(etag),
        ))
        .execute(conn)
}

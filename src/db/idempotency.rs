//! Idempotency records: the first answer to a create, kept so a retry with
//! the same key gets the same answer and never makes a second resource.

use diesel::prelude::*;

use super::prepared::FirstRow;
use super::schema::idempotency_records as records;
use super::DbConnection;

/// A stored record: the key, the request's fingerprint and the first answer, written together
/// with the create. (Records written before the answer was stored with the key may lack it.)
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
    records::table
        .find((caller, key))
        .first_row(conn)
        .optional()
}

/// Stores the first answer under the key, in the transaction that made it. Of two requests
/// racing with one key, the second fails here with a unique violation (on PostgreSQL once the
/// first commits), its transaction rolls back and it replays the first's answer.
#[allow(clippy::too_many_arguments)]
pub fn record(
    conn: &mut DbConnection,
    caller: &str,
    key: &str,
    request_hash: &str,
    status: u16,
    body: &str,
    location: Option<&str>,
    etag: Option<&str>,
) -> QueryResult<usize> {
    diesel::insert_into(records::table)
        .values((
            records::caller.eq(caller),
            records::idempotency_key.eq(key),
            records::request_hash.eq(request_hash),
            records::response_status.eq(Some(i32::from(status))),
            records::response_body.eq(Some(body)),
            records::response_location.eq(location),
            records::response_etag.eq(etag),
            records::created_at.eq(super::now()),
        ))
        .execute(conn)
}

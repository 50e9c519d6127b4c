//! Which services a case belongs to: the lead (on the case) and the services
//! contributing to it.

use super::native::Native;
use diesel::prelude::*;

use super::schema::case_services;
use super::DbConnection;

/// The services contributing to a case, by id.
pub fn contributing(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<String>> {
    case_services::table
        .filter(case_services::case_id.eq(case_id))
        .select(case_services::service_id)
        .order(case_services::service_id.asc())
        .fetch_all(conn)
}

/// The cases any of `services` contributes to.
pub fn contributed_to(conn: &mut DbConnection, services: &[String]) -> QueryResult<Vec<i64>> {
    case_services::table
        .filter(case_services::service_id.eq_any(services))
        .select(case_services::case_id)
        .fetch_all(conn)
}

/// Whether any of `services` contributes to the case.
pub fn contributes(
    conn: &mut DbConnection,
    case_id: i64,
    services: &[String],
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        case_services::table
            .filter(case_services::case_id.eq(case_id))
            .filter(case_services::service_id.eq_any(services)),
    ))
    .fetch(conn)
}

pub fn add(
    conn: &mut DbConnection,
    case_id: i64,
    service_id: &str,
    by: &str,
    at: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(case_services::table)
        .values((
            case_services::case_id.eq(case_id),
            case_services::service_id.eq(service_id),
            case_services::added_by.eq(by),
            case_services::added_at.eq(at),
        ))
        .run(conn)
}

/// Removes a contributing service; how many rows went (0 or 1).
pub fn remove(conn: &mut DbConnection, case_id: i64, service_id: &str) -> QueryResult<usize> {
    diesel::delete(
        case_services::table
            .filter(case_services::case_id.eq(case_id))
            .filter(case_services::service_id.eq(service_id)),
    )
    .run(conn)
}

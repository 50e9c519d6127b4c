//! Webhook endpoints, their deliveries and attempts, and the fan-out's cursor over the outbox.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use super::events::EventRow;
use super::prepared::FirstRow;
use super::schema::{
    case_events, cases, webhook_attempts, webhook_cursor, webhook_deliveries, webhook_endpoints,
};
use super::DbConnection;
use crate::domain::case::Role;
use crate::domain::webhook::DeliveryStatus;

/// An endpoint as stored.
#[derive(Debug, Clone, Queryable)]
pub struct EndpointRow {
    pub id: i64,
    pub owner_role: Role,
    pub owner_subject: String,
    pub url: String,
    /// A JSON array of feed types.
    pub event_types: String,
    pub description: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<NaiveDateTime>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<NaiveDateTime>,
    pub leased_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub version: i32,
}

impl EndpointRow {
    /// The feed types the endpoint asked for (an unreadable list, which the code never
    /// writes, asks for none).
    pub fn types(&self) -> Vec<String> {
        serde_json::from_str(&self.event_types).unwrap_or_default()
    }

    /// The secrets that sign at `now`: the current one, and the previous one during the
    /// rotation's overlap.
    pub fn signing_secrets(&self, now: NaiveDateTime) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) =
            (&self.previous_secret, self.previous_secret_expires_at)
        {
            if now < until {
                secrets.push(previous);
            }
        }
        secrets
    }
}

/// An endpoint to register.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_endpoints, treat_none_as_default_value = false)]
pub struct NewEndpoint {
    pub owner_role: Role,
    pub owner_subject: String,
    pub url: String,
    pub event_types: String,
    pub description: String,
    pub secret: String,
    pub enabled: bool,
    pub created_at: NaiveDateTime,
    pub version: i32,
}

/// A change to an endpoint (`None`: unchanged).
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = webhook_endpoints)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub event_types: Option<String>,
    pub description: Option<String>,
    pub secret: Option<String>,
    pub previous_secret: Option<Option<String>>,
    pub previous_secret_expires_at: Option<Option<NaiveDateTime>>,
    pub enabled: Option<bool>,
    pub disabled_reason: Option<Option<String>>,
    pub failing_since: Option<Option<NaiveDateTime>>,
    pub leased_until: Option<Option<NaiveDateTime>>,
    pub version: Option<i32>,
}

pub fn insert_endpoint(conn: &mut DbConnection, new: &NewEndpoint) -> QueryResult<EndpointRow> {
    diesel::insert_into(webhook_endpoints::table)
        .values(new)
        .returning(webhook_endpoints::all_columns)
        .get_result(conn)
}

pub fn find_endpoint(conn: &mut DbConnection, id: i64) -> QueryResult<Option<EndpointRow>> {
    webhook_endpoints::table.find(id).first_row(conn).optional()
}

/// Endpoints newest first, before id `before`; only `owner`'s when given.
pub fn list_endpoints(
    conn: &mut DbConnection,
    owner: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<EndpointRow>> {
    let mut query = webhook_endpoints::table.into_boxed();
    if let Some(owner) = owner {
        query = query.filter(webhook_endpoints::owner_subject.eq(owner.to_string()));
    }
    if let Some(before) = before {
        query = query.filter(webhook_endpoints::id.lt(before));
    }
    query
        .order(webhook_endpoints::id.desc())
        .limit(limit)
        .load(conn)
}

/// Changes endpoint `id` if it is still at `expected` (any version when `None`); `None` when
/// it is not.
pub fn update_endpoint(
    conn: &mut DbConnection,
    id: i64,
    expected: Option<i32>,
    changes: &EndpointChanges,
) -> QueryResult<Option<EndpointRow>> {
    match expected {
        Some(expected) => diesel::update(
            webhook_endpoints::table
                .filter(webhook_endpoints::id.eq(id))
                .filter(webhook_endpoints::version.eq(expected)),
        )
        .set(changes)
        .returning(webhook_endpoints::all_columns)
        .get_result(conn)
        .optional(),
        None => diesel::update(webhook_endpoints::table.filter(webhook_endpoints::id.eq(id)))
            .set(changes)
            .returning(webhook_endpoints::all_columns)
            .get_result(conn)
            .optional(),
    }
}

/// Every enabled endpoint.
pub fn enabled_endpoints(conn: &mut DbConnection) -> QueryResult<Vec<EndpointRow>> {
    webhook_endpoints::table
        .filter(webhook_endpoints::enabled.eq(true))
        .order(webhook_endpoints::id.asc())
        .load(conn)
}

/// A delivery as stored.
#[derive(Debug, Clone, Queryable)]
pub struct DeliveryRow {
    pub id: i64,
    pub endpoint_id: i64,
    pub event_id: i64,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub last_status_code: Option<i32>,
    pub last_latency_ms: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_deliveries, treat_none_as_default_value = false)]
struct NewDelivery {
    endpoint_id: i64,
    event_id: i64,
    status: DeliveryStatus,
    attempts: i32,
    next_attempt_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

/// A delivery of event `event_id` to endpoint `endpoint_id`, due at `now`.
pub fn insert_delivery(
    conn: &mut DbConnection,
    endpoint_id: i64,
    event_id: i64,
    now: NaiveDateTime,
) -> QueryResult<DeliveryRow> {
    diesel::insert_into(webhook_deliveries::table)
        .values(&NewDelivery {
            endpoint_id,
            event_id,
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: Some(now),
            created_at: now,
        })
        .returning(webhook_deliveries::all_columns)
        .get_result(conn)
}

/// Deliveries of these (endpoint, event) pairs, due at `now`, made in the order given (so
/// ids follow it).
pub fn insert_deliveries(
    conn: &mut DbConnection,
    pairs: &[(i64, i64)],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let rows: Vec<NewDelivery> = pairs
        .iter()
        .map(|&(endpoint_id, event_id)| NewDelivery {
            endpoint_id,
            event_id,
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: Some(now),
            created_at: now,
        })
        .collect();
    let mut made = 0;
    // Six parameters a row: well inside both backends' limits on one statement's.
    for chunk in rows.chunks(1000) {
        // One statement for many rows, which diesel builds for each backend on its own.
        let insert = diesel::insert_into(webhook_deliveries::table).values(chunk);
        made += match conn {
            DbConnection::Pg(pg) => insert.execute(pg)?,
            DbConnection::Sqlite(sqlite) => insert.execute(sqlite)?,
        };
    }
    Ok(made)
}

/// A change to a delivery after an attempt.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = webhook_deliveries)]
#[diesel(treat_none_as_null = true)]
pub struct DeliveryOutcome {
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub last_status_code: Option<i32>,
    pub last_latency_ms: Option<i64>,
    pub last_error: Option<String>,
}

pub fn record_outcome(
    conn: &mut DbConnection,
    id: i64,
    outcome: &DeliveryOutcome,
) -> QueryResult<usize> {
    diesel::update(webhook_deliveries::table.find(id))
        .set(outcome)
        .execute(conn)
}

/// An attempt as stored.
#[derive(Debug, Clone, Queryable)]
pub struct AttemptRow {
    pub id: i64,
    pub delivery_id: i64,
    pub attempted_at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub latency_ms: i64,
    pub error: Option<String>,
    pub succeeded: bool,
}

/// An attempt to record.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_attempts, treat_none_as_default_value = false)]
pub struct NewAttempt {
    pub delivery_id: i64,
    pub attempted_at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub latency_ms: i64,
    pub error: Option<String>,
    pub succeeded: bool,
}

pub fn record_attempts(conn: &mut DbConnection, attempts: &[NewAttempt]) -> QueryResult<usize> {
    if attempts.is_empty() {
        return Ok(0);
    }
    let insert = diesel::insert_into(webhook_attempts::table).values(attempts);
    match conn {
        DbConnection::Pg(pg) => insert.execute(pg),
        DbConnection::Sqlite(sqlite) => insert.execute(sqlite),
    }
}

/// A delivery with its event's feed type.
pub type DeliveryListed = (DeliveryRow, String);

/// An endpoint's deliveries, newest first, before id `before`.
pub fn deliveries_of(
    conn: &mut DbConnection,
    endpoint_id: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<DeliveryListed>> {
    let mut query = webhook_deliveries::table
        .inner_join(case_events::table)
        .select((webhook_deliveries::all_columns, case_events::feed_type))
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(webhook_deliveries::id.lt(before));
    }
    query
        .order(webhook_deliveries::id.desc())
        .limit(limit)
        .load(conn)
}

/// One delivery of an endpoint.
pub fn find_delivery(
    conn: &mut DbConnection,
    endpoint_id: i64,
    id: i64,
) -> QueryResult<Option<DeliveryListed>> {
    webhook_deliveries::table
        .inner_join(case_events::table)
        .select((webhook_deliveries::all_columns, case_events::feed_type))
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .filter(webhook_deliveries::id.eq(id))
        .first(conn)
        .optional()
}

/// The attempts at these deliveries, oldest first.
pub fn attempts_of(conn: &mut DbConnection, deliveries: &[i64]) -> QueryResult<Vec<AttemptRow>> {
    webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(deliveries.to_vec()))
        .order(webhook_attempts::id.asc())
        .load(conn)
}

/// A delivery due now, with its event and the event's case reference.
pub type DueDelivery = (DeliveryRow, EventRow, String);

/// Endpoint `endpoint_id`'s deliveries due at `now`, in the order they were made (the
/// outbox's commit order), at most `limit`.
pub fn due_deliveries(
    conn: &mut DbConnection,
    endpoint_id: i64,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<DueDelivery>> {
    webhook_deliveries::table
        .inner_join(case_events::table.inner_join(cases::table))
        .select((
            webhook_deliveries::all_columns,
            case_events::all_columns,
            cases::reference,
        ))
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
        .filter(webhook_deliveries::next_attempt_at.le(now))
        .order(webhook_deliveries::id.asc())
        .limit(limit)
        .load(conn)
}

#[derive(QueryableByName)]
struct Position {
    #[diesel(sql_type = BigInt)]
    commit_order: i64,
    #[diesel(sql_type = BigInt)]
    event_id: i64,
}

/// The fan-out's position, claimed for this transaction: `None` when another instance holds
/// it (PostgreSQL, `FOR UPDATE SKIP LOCKED`). SQLite has one writer at a time.
pub fn claim_cursor(conn: &mut DbConnection) -> QueryResult<Option<(i64, i64)>> {
    const SELECT: &str = "SELECT commit_order, event_id FROM webhook_cursor WHERE id = 1";
    let position: Option<Position> = match conn {
        DbConnection::Pg(pg) => diesel::sql_query(format!("{SELECT} FOR UPDATE SKIP LOCKED"))
            .get_result(pg)
            .optional()?,
        DbConnection::Sqlite(sqlite) => diesel::sql_query(SELECT).get_result(sqlite).optional()?,
    };
    Ok(position.map(|p| (p.commit_order, p.event_id)))
}

pub fn advance_cursor(
    conn: &mut DbConnection,
    commit_order: i64,
    event_id: i64,
) -> QueryResult<usize> {
    diesel::update(webhook_cursor::table.find(1))
        .set((
            webhook_cursor::commit_order.eq(commit_order),
            webhook_cursor::event_id.eq(event_id),
        ))
        .execute(conn)
}

/// Each case's partner, for these cases.
pub fn partners_of(
    conn: &mut DbConnection,
    case_ids: &[i64],
) -> QueryResult<Vec<(i64, Option<String>)>> {
    cases::table
        .filter(cases::id.eq_any(case_ids.to_vec()))
        .select((cases::id, cases::partner_client_id))
        .load(conn)
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Takes up to `limit` enabled endpoints with a delivery due at `now` and no other sender,
/// holding each until `until`: one sender per endpoint keeps its deliveries in order. On
/// PostgreSQL rows another instance is claiming are skipped (`FOR UPDATE SKIP LOCKED`), and
/// one it has just claimed is seen leased when its lock is released.
pub fn claim_endpoints(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    const CANDIDATES: &str = "SELECT e.id FROM webhook_endpoints e \
         WHERE e.enabled AND (e.leased_until IS NULL OR e.leased_until < $2) \
         AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id \
                     AND d.status = 'pending' AND d.next_attempt_at <= $2) \
         ORDER BY e.id LIMIT $3";
    let claimed: Vec<Claimed> = match conn {
        DbConnection::Pg(pg) => diesel::sql_query(format!(
            "UPDATE webhook_endpoints SET leased_until = $1 \
             WHERE id IN ({CANDIDATES} FOR UPDATE SKIP LOCKED) RETURNING id"
        ))
        .bind::<Timestamp, _>(until)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load(pg)?,
        DbConnection::Sqlite(sqlite) => diesel::sql_query(format!(
            "UPDATE webhook_endpoints SET leased_until = $1 WHERE id IN ({CANDIDATES}) RETURNING id"
        ))
        .bind::<Timestamp, _>(until)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load(sqlite)?,
    };
    Ok(claimed.into_iter().map(|c| c.id).collect())
}

pub fn set_failing_since(
    conn: &mut DbConnection,
    id: i64,
    since: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    diesel::update(webhook_endpoints::table.find(id))
        .set(webhook_endpoints::failing_since.eq(since))
        .execute(conn)
}

/// Disables an endpoint, saying why (a new version: its ETag changes).
pub fn disable(conn: &mut DbConnection, id: i64, reason: &str) -> QueryResult<usize> {
    diesel::update(webhook_endpoints::table.find(id))
        .set((
            webhook_endpoints::enabled.eq(false),
            webhook_endpoints::disabled_reason.eq(Some(reason.to_string())),
            webhook_endpoints::version.eq(webhook_endpoints::version + 1),
        ))
        .execute(conn)
}

/// Lets another sender take the endpoint.
pub fn release(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::update(webhook_endpoints::table.find(id))
        .set(webhook_endpoints::leased_until.eq(None::<NaiveDateTime>))
        .execute(conn)
}

/// Removes up to `limit` successful deliveries made before `before`, oldest first, with
/// their attempts. On PostgreSQL rows another instance is removing are skipped
/// (`FOR UPDATE SKIP LOCKED`). Returns how many deliveries went.
pub fn prune_succeeded(
    conn: &mut DbConnection,
    before: NaiveDateTime,
    limit: i64,
) -> QueryResult<usize> {
    const OLDEST: &str = "SELECT id FROM webhook_deliveries \
         WHERE status = 'succeeded' AND created_at < $1 ORDER BY created_at, id LIMIT $2";
    let found: Vec<Claimed> = match conn {
        DbConnection::Pg(pg) => diesel::sql_query(format!("{OLDEST} FOR UPDATE SKIP LOCKED"))
            .bind::<Timestamp, _>(before)
            .bind::<BigInt, _>(limit)
            .load(pg)?,
        DbConnection::Sqlite(sqlite) => diesel::sql_query(OLDEST)
            .bind::<Timestamp, _>(before)
            .bind::<BigInt, _>(limit)
            .load(sqlite)?,
    };
    let ids: Vec<i64> = found.into_iter().map(|c| c.id).collect();
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::delete(webhook_attempts::table.filter(webhook_attempts::delivery_id.eq_any(&ids)))
        .execute(conn)?;
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&ids)))
        .execute(conn)
}

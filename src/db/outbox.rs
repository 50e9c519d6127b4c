//! How much the outbox holds, for the metrics: read from the database at each scrape, since
//! several instances share it and none knows the whole from its own counts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{case_events, webhook_cursor, webhook_deliveries, webhook_endpoints};
use super::DbConnection;
use crate::domain::webhook::DeliveryStatus;

/// The outbox at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Depth {
    /// Events the fan-out has not passed yet.
    pub events: i64,
    /// Deliveries to enabled endpoints still to be sent (due now or waiting for a retry).
    pub deliveries: i64,
    /// When the oldest event not yet delivered happened: the first event past the fan-out's
    /// cursor, or the event of the oldest pending delivery, whichever is older.
    pub oldest_undelivered: Option<NaiveDateTime>,
}

/// Counts what the outbox holds. Each query reads an index: the events past the cursor by
/// `case_events_feed`, each enabled endpoint's pending deliveries by `webhook_deliveries_due`
/// (endpoint, status), so a scrape costs what is waiting, not the whole history.
pub fn depth(conn: &mut DbConnection) -> QueryResult<Depth> {
    let cursor: Option<(i64, i64)> = webhook_cursor::table
        .find(1)
        .select((webhook_cursor::commit_order, webhook_cursor::event_id))
        .first(conn)
        .optional()?;
    let (order, id) = cursor.unwrap_or((0, 0));
    let past_cursor = case_events::commit_order
        .gt(order)
        .or(case_events::commit_order
            .eq(order)
            .and(case_events::id.gt(id)));
    let events: i64 = case_events::table
        .filter(past_cursor)
        .count()
        .get_result(conn)?;
    let first_waiting: Option<NaiveDateTime> = case_events::table
        .filter(past_cursor)
        .order((case_events::commit_order.asc(), case_events::id.asc()))
        .select(case_events::occurred_at)
        .first(conn)
        .optional()?;
    let pending = || {
        webhook_deliveries::table
            .inner_join(webhook_endpoints::table)
            .filter(webhook_endpoints::enabled.eq(true))
            .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
    };
    let deliveries: i64 = pending().count().get_result(conn)?;
    let oldest_pending: Option<NaiveDateTime> = pending()
        .inner_join(case_events::table)
        .select(diesel::dsl::min(case_events::occurred_at))
        .first(conn)?;
    let oldest_undelivered = match (first_waiting, oldest_pending) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Ok(Depth {
        events,
        deliveries,
        oldest_undelivered,
    })
}

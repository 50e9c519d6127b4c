//! Deadline alerts: each deadline's row, and the scheduler's claim on those falling due.

use super::native::Native;
use super::prepared::Kept;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date};

use super::schema::deadline_alerts;
use super::DbConnection;
use crate::domain::alerts::Deadline;
use crate::domain::case::Stage;

#[derive(Debug, Clone, PartialEq, Queryable, QueryableByName, Insertable)]
#[diesel(table_name = deadline_alerts, treat_none_as_default_value = false)]
pub struct AlertRow {
    pub id: i64,
    pub case_id: i64,
    pub subject: String,
    pub deadline: Deadline,
    pub stage: Option<Stage>,
    pub about_id: Option<i64>,
    pub due: NaiveDate,
    pub active: bool,
    pub approaching_sent: bool,
    pub missed_sent: bool,
    pub next_alert_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = deadline_alerts, treat_none_as_default_value = false)]
pub struct NewAlert {
    pub case_id: i64,
    pub subject: String,
    pub deadline: Deadline,
    pub stage: Option<Stage>,
    pub about_id: Option<i64>,
    pub due: NaiveDate,
    pub active: bool,
    pub approaching_sent: bool,
    pub missed_sent: bool,
    pub next_alert_on: Option<NaiveDate>,
}

/// A case's own deadline rows: those anchored to its timeline from elsewhere (learning
/// actions, restrictions' and adjustments' reviews: `Deadline::ANCHORED`) apart.
pub fn for_case(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<AlertRow>> {
    deadline_alerts::table
        .filter(deadline_alerts::case_id.eq(case_id))
        .filter(deadline_alerts::deadline.ne_all(Deadline::ANCHORED.to_vec()))
        .order(deadline_alerts::id.asc())
        .fetch_all(conn)
}

/// An anchored deadline's rows (a learning action's, an adjustment's review: its subject), on
/// whichever case.
pub fn for_subject(
    conn: &mut DbConnection,
    deadline: Deadline,
    subject: &str,
) -> QueryResult<Vec<AlertRow>> {
    deadline_alerts::table
        .filter(deadline_alerts::deadline.eq(deadline))
        .filter(deadline_alerts::subject.eq(subject.to_string()))
        .order(deadline_alerts::id.asc())
        .fetch_all(conn)
}

pub fn insert(conn: &mut DbConnection, row: &NewAlert) -> QueryResult<usize> {
    super::together::Write::run_alone(&insertion(row), conn)
}

/// The `INSERT` of `row`, for the caller to send with others ([`super::together`]).
pub fn insertion(row: &NewAlert) -> impl super::together::Write + '_ {
    diesel::insert_into(deadline_alerts::table).values(row)
}

/// Puts a row to rest (met, moved or no longer owed), or wakes it again.
pub fn set_active(
    conn: &mut DbConnection,
    id: i64,
    active: bool,
    deadline: Deadline,
    next_alert_on: Option<NaiveDate>,
) -> QueryResult<usize> {
    Kept(diesel::update(deadline_alerts::table.find(id)).set((
        deadline_alerts::active.eq(active),
        deadline_alerts::deadline.eq(deadline),
        deadline_alerts::next_alert_on.eq(next_alert_on),
    )))
    .run(conn)
}

/// What the scheduler did with these rows.
pub fn record(
    conn: &mut DbConnection,
    ids: &[i64],
    approaching_sent: bool,
    missed_sent: bool,
    next_alert_on: Option<NaiveDate>,
) -> QueryResult<usize> {
    diesel::update(deadline_alerts::table.filter(deadline_alerts::id.eq_any(ids.to_vec())))
        .set((
            deadline_alerts::approaching_sent.eq(approaching_sent),
            deadline_alerts::missed_sent.eq(missed_sent),
            deadline_alerts::next_alert_on.eq(next_alert_on),
        ))
        .run(conn)
}

/// Up to `limit` active rows with something to do by `today`, held for this transaction:
/// on PostgreSQL rows another instance holds are skipped (`FOR UPDATE SKIP LOCKED`), so no
/// two instances alert on the same deadline; SQLite has one writer at a time.
pub fn claim_due(
    conn: &mut DbConnection,
    today: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<AlertRow>> {
    const SELECT: &str = "SELECT id, case_id, subject, deadline, stage, about_id, due, active, \
         approaching_sent, missed_sent, next_alert_on FROM deadline_alerts \
         WHERE next_alert_on IS NOT NULL AND next_alert_on <= $1 AND active \
         ORDER BY next_alert_on, id LIMIT $2";
    match conn {
        DbConnection::Pg(pg) => diesel::sql_query(format!("{SELECT} FOR UPDATE SKIP LOCKED"))
            .bind::<Date, _>(today)
            .bind::<BigInt, _>(limit)
            .load(pg),
        DbConnection::Sqlite(sqlite) => diesel::sql_query(SELECT)
            .bind::<Date, _>(today)
            .bind::<BigInt, _>(limit)
            .load(sqlite),
    }
}

/// Whether any deadline is recorded at all (a database from before the alerts has none).
pub fn any(conn: &mut DbConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        deadline_alerts::table.select(deadline_alerts::id),
    ))
    .fetch(conn)
}

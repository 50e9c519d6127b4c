//! The mail room's table: each message to a customer, the queue the jobs send from and the
//! record of what became of it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use super::prepared::FirstRow;
use super::schema::{cases, outgoing_messages};
use super::DbConnection;
use crate::domain::mailroom::{MessageChannel, MessageStatus, Provider};

/// A message as stored.
#[derive(Debug, Clone, Queryable)]
pub struct MessageRow {
    pub id: i64,
    pub case_id: i64,
    pub letter_id: Option<i64>,
    pub channel: MessageChannel,
    pub provider: Provider,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub pdf: Option<Vec<u8>>,
    pub status: MessageStatus,
    pub provider_id: Option<String>,
    pub provider_status: Option<String>,
    pub attempts: i32,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub leased_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

/// A message to enqueue.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = outgoing_messages, treat_none_as_default_value = false)]
pub struct NewMessage {
    pub case_id: i64,
    pub letter_id: Option<i64>,
    pub channel: MessageChannel,
    pub provider: Provider,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub pdf: Option<Vec<u8>>,
    pub status: MessageStatus,
    pub attempts: i32,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Where a message stands after something happened to it: every field written.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = outgoing_messages, treat_none_as_null = true)]
pub struct MessageState {
    pub status: MessageStatus,
    pub provider_id: Option<String>,
    pub provider_status: Option<String>,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub leased_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

impl MessageRow {
    /// The message's state as it is, to change a part of.
    pub fn state(&self) -> MessageState {
        MessageState {
            status: self.status,
            provider_id: self.provider_id.clone(),
            provider_status: self.provider_status.clone(),
            next_attempt_at: self.next_attempt_at,
            leased_until: self.leased_until,
            last_error: self.last_error.clone(),
            sent_at: self.sent_at,
            completed_at: self.completed_at,
            updated_at: self.updated_at,
        }
    }
}

pub fn insert(conn: &mut DbConnection, new: &NewMessage) -> QueryResult<MessageRow> {
    diesel::insert_into(outgoing_messages::table)
        .values(new)
        .returning(outgoing_messages::all_columns)
        .get_result(conn)
}

/// What became of a letter's messages: one of them, as a letter's listing shows it.
#[derive(Debug, Clone, Queryable)]
pub struct LetterMessage {
    pub id: i64,
    pub letter_id: Option<i64>,
    pub channel: MessageChannel,
    pub provider: Provider,
    pub status: MessageStatus,
    pub sent_at: Option<NaiveDateTime>,
}

/// The messages carrying (or telling of) the letters `letters`, oldest first.
pub fn for_letters(conn: &mut DbConnection, letters: &[i64]) -> QueryResult<Vec<LetterMessage>> {
    if letters.is_empty() {
        return Ok(Vec::new());
    }
    outgoing_messages::table
        .filter(outgoing_messages::letter_id.eq_any(letters))
        .order(outgoing_messages::id.asc())
        .select((
            outgoing_messages::id,
            outgoing_messages::letter_id,
            outgoing_messages::channel,
            outgoing_messages::provider,
            outgoing_messages::status,
            outgoing_messages::sent_at,
        ))
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<MessageRow>> {
    outgoing_messages::table.find(id).first_row(conn).optional()
}

/// A message with its case's reference.
pub fn find_with_reference(
    conn: &mut DbConnection,
    id: i64,
) -> QueryResult<Option<(MessageRow, String)>> {
    outgoing_messages::table
        .inner_join(cases::table)
        .filter(outgoing_messages::id.eq(id))
        .select((outgoing_messages::all_columns, cases::reference))
        .first(conn)
        .optional()
}

/// The message Notify knows by `provider_id`.
pub fn find_by_provider_id(
    conn: &mut DbConnection,
    provider_id: &str,
) -> QueryResult<Option<MessageRow>> {
    outgoing_messages::table
        .filter(outgoing_messages::provider_id.eq(provider_id))
        .first(conn)
        .optional()
}

/// Replaces message `id`'s text and HTML (a case-access link's, once it is sent).
pub fn replace_bodies(
    conn: &mut DbConnection,
    id: i64,
    text: &str,
    html: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(outgoing_messages::table.find(id))
        .set((
            outgoing_messages::body_text.eq(text),
            outgoing_messages::body_html.eq(html),
        ))
        .execute(conn)
}

/// Writes `state` to message `id`.
pub fn save(conn: &mut DbConnection, id: i64, state: &MessageState) -> QueryResult<usize> {
    diesel::update(outgoing_messages::table.find(id))
        .set(state)
        .execute(conn)
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Takes up to `limit` messages due at `now` (a send, or a question to Notify) that no other
/// sender holds, holding each until `until`. A message waiting to be sent is marked
/// `sending` and its attempt counted in the same statement, before anything is sent, so a
/// sender that dies mid-send leaves it to be sent again once the lease runs out. On
/// PostgreSQL rows another instance is claiming are skipped (`FOR UPDATE SKIP LOCKED`).
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    const CANDIDATES: &str = "SELECT id FROM outgoing_messages \
         WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= $2 \
         AND (leased_until IS NULL OR leased_until < $2) \
         ORDER BY next_attempt_at, id LIMIT $3";
    const CLAIM: &str = "UPDATE outgoing_messages SET leased_until = $1, \
         attempts = attempts + CASE WHEN status IN ('pending', 'sending') THEN 1 ELSE 0 END, \
         status = CASE WHEN status = 'pending' THEN 'sending' ELSE status END";
    let claimed: Vec<Claimed> = match conn {
        DbConnection::Pg(pg) => diesel::sql_query(format!(
            "{CLAIM} WHERE id IN ({CANDIDATES} FOR UPDATE SKIP LOCKED) RETURNING id"
        ))
        .bind::<Timestamp, _>(until)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load(pg)?,
        DbConnection::Sqlite(sqlite) => {
            diesel::sql_query(format!("{CLAIM} WHERE id IN ({CANDIDATES}) RETURNING id"))
                .bind::<Timestamp, _>(until)
                .bind::<Timestamp, _>(now)
                .bind::<BigInt, _>(limit)
                .load(sqlite)?
        }
    };
    // RETURNING gives no order: the messages go in the order they were written.
    let mut ids: Vec<i64> = claimed.into_iter().map(|c| c.id).collect();
    ids.sort_unstable();
    Ok(ids)
}

/// Which messages to list.
#[derive(Debug, Clone, Default)]
pub struct MessageFilter {
    pub case_id: Option<i64>,
    pub provider: Option<Provider>,
    pub status: Option<MessageStatus>,
    /// Before this id (the previous page's last).
    pub before: Option<i64>,
}

/// Messages newest first, with their case's reference.
pub fn list(
    conn: &mut DbConnection,
    filter: &MessageFilter,
    limit: i64,
) -> QueryResult<Vec<(MessageRow, String)>> {
    let mut query = outgoing_messages::table
        .inner_join(cases::table)
        .select((outgoing_messages::all_columns, cases::reference))
        .into_boxed();
    if let Some(case_id) = filter.case_id {
        query = query.filter(outgoing_messages::case_id.eq(case_id));
    }
    if let Some(provider) = filter.provider {
        query = query.filter(outgoing_messages::provider.eq(provider));
    }
    if let Some(status) = filter.status {
        query = query.filter(outgoing_messages::status.eq(status));
    }
    if let Some(before) = filter.before {
        query = query.filter(outgoing_messages::id.lt(before));
    }
    query
        .order(outgoing_messages::id.desc())
        .limit(limit)
        .load(conn)
}

/// The statuses that put a case in the failed-correspondence work queue.
pub fn failed_statuses() -> Vec<MessageStatus> {
    MessageStatus::ALL
        .iter()
        .copied()
        .filter(|s| s.is_failure())
        .collect()
}

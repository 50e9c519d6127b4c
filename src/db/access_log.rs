//! The access audit's table (issue 15 §5): rows are only ever inserted. There is no update
//! or delete of `access_log` anywhere in the service (triggers refuse them on both
//! databases), and its rows name cases and people by plain values, so they outlive them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{access_journal_offsets, access_log, cases, customers, representatives};
use super::DbConnection;
use crate::domain::access_log::{AccessRecord, ReadKind};

/// A row of the access log.
#[derive(Debug, Clone, Queryable)]
pub struct AccessLogRow {
    pub id: i64,
    pub record_id: String,
    pub occurred_at: NaiveDateTime,
    pub actor_subject: String,
    pub actor_roles: String,
    pub client_id: Option<String>,
    pub request_id: String,
    pub kind: ReadKind,
    pub case_reference: Option<String>,
    pub person_id: Option<i64>,
    pub item_id: Option<i64>,
    pub route: String,
    pub status: i32,
    pub recorded_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = access_log, treat_none_as_default_value = false)]
struct NewRow<'a> {
    record_id: &'a str,
    occurred_at: NaiveDateTime,
    actor_subject: &'a str,
    actor_roles: &'a str,
    client_id: Option<&'a str>,
    request_id: &'a str,
    kind: ReadKind,
    case_reference: Option<&'a str>,
    person_id: Option<i64>,
    item_id: Option<i64>,
    route: &'a str,
    status: i32,
    recorded_at: NaiveDateTime,
}

/// Inserts the records not already in the table (by `record_id`): a replay of a journal that
/// overlaps what was written is harmless. Gives how many were inserted.
pub fn insert_new(
    conn: &mut DbConnection,
    records: &[AccessRecord],
    recorded_at: NaiveDateTime,
) -> QueryResult<usize> {
    if records.is_empty() {
        return Ok(0);
    }
    let ids: Vec<&str> = records.iter().map(|r| r.record_id.as_str()).collect();
    let present: std::collections::HashSet<String> = access_log::table
        .filter(access_log::record_id.eq_any(&ids))
        .select(access_log::record_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let mut seen = std::collections::HashSet::new();
    let rows: Vec<NewRow> = records
        .iter()
        .filter(|r| !present.contains(&r.record_id) && seen.insert(r.record_id.as_str()))
        .map(|r| NewRow {
            record_id: &r.record_id,
            occurred_at: r.occurred_at,
            actor_subject: &r.actor_subject,
            actor_roles: &r.actor_roles,
            client_id: r.client_id.as_deref(),
            request_id: &r.request_id,
            kind: r.kind,
            case_reference: r.case_reference.as_deref(),
            person_id: r.person_id,
            item_id: r.item_id,
            route: &r.route,
            status: i32::from(r.status),
            recorded_at,
        })
        .collect();
    // Each backend's own connection takes a multi-row insert (the multi-backend one has
    // none); on SQLite diesel runs it row by row inside the transaction, which costs no round
    // trips there. 13 values a row, in chunks well under PostgreSQL's 65535 parameters.
    let mut inserted = 0;
    for chunk in rows.chunks(500) {
        inserted += match &mut *conn {
            DbConnection::Pg(c) => diesel::insert_into(access_log::table)
                .values(chunk)
                .execute(c)?,
            DbConnection::Sqlite(c) => diesel::insert_into(access_log::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(inserted)
}

/// How far journal `journal` has been written into the table (0 when never).
pub fn committed(conn: &mut DbConnection, journal: &str) -> QueryResult<i64> {
    Ok(access_journal_offsets::table
        .find(journal)
        .select(access_journal_offsets::committed_bytes)
        .first::<i64>(conn)
        .optional()?
        .unwrap_or(0))
}

/// Records that journal `journal` is written up to `bytes`: in the transaction that wrote
/// them, so the offset and the rows move together.
pub fn set_committed(
    conn: &mut DbConnection,
    journal: &str,
    bytes: i64,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let updated = diesel::update(access_journal_offsets::table.find(journal))
        .set((
            access_journal_offsets::committed_bytes.eq(bytes),
            access_journal_offsets::updated_at.eq(at),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(access_journal_offsets::table)
            .values((
                access_journal_offsets::journal.eq(journal),
                access_journal_offsets::committed_bytes.eq(bytes),
                access_journal_offsets::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Forgets a journal whose file is gone (every record of it written).
pub fn forget(conn: &mut DbConnection, journal: &str) -> QueryResult<()> {
    diesel::delete(access_journal_offsets::table.find(journal)).execute(conn)?;
    Ok(())
}

/// The reads of case `reference` (it, its parts, its documents and letters), newest first,
/// after the position `after` (occurred_at, id).
pub fn for_case(
    conn: &mut DbConnection,
    reference: &str,
    after: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<AccessLogRow>> {
    let mut query = access_log::table
        .filter(access_log::case_reference.eq(reference))
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            access_log::occurred_at
                .lt(at)
                .or(access_log::occurred_at.eq(at).and(access_log::id.lt(id))),
        );
    }
    query
        .order((access_log::occurred_at.desc(), access_log::id.desc()))
        .limit(limit)
        .load(conn)
}

/// The reads of person `person`: their record (and its parts), their exports, and the cases
/// they are now the customer or representative on, newest first.
pub fn for_person(
    conn: &mut DbConnection,
    person: i64,
    after: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<AccessLogRow>> {
    let as_customer = cases::table
        .inner_join(customers::table.on(customers::id.eq(cases::customer_id)))
        .filter(customers::person_id.eq(person))
        .select(cases::reference);
    let as_representative = cases::table
        .inner_join(representatives::table.on(representatives::case_id.eq(cases::id)))
        .filter(representatives::person_id.eq(person))
        .select(cases::reference);
    let mut references: Vec<String> = as_customer.load(conn)?;
    references.extend(as_representative.load::<String>(conn)?);
    let mut query = access_log::table
        .filter(
            access_log::person_id
                .eq(person)
                .or(access_log::case_reference.eq_any(references)),
        )
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            access_log::occurred_at
                .lt(at)
                .or(access_log::occurred_at.eq(at).and(access_log::id.lt(id))),
        );
    }
    query
        .order((access_log::occurred_at.desc(), access_log::id.desc()))
        .limit(limit)
        .load(conn)
}

/// The record ids of the reads answered to requests `request_ids` (for tests and checks).
pub fn by_request(
    conn: &mut DbConnection,
    request_ids: &[String],
) -> QueryResult<Vec<(String, String)>> {
    access_log::table
        .filter(access_log::request_id.eq_any(request_ids))
        .select((access_log::request_id, access_log::record_id))
        .load(conn)
}

//! Case-access links (issue 16 §2): each kept as the SHA-256 of its token, with when it was
//! sent, how, until when it works, and whether it was revoked or claimed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{case_access_links, cases};
use super::DbConnection;
use crate::domain::mailroom::MessageChannel;

/// A link as stored.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct LinkRow {
    pub id: i64,
    pub case_id: i64,
    pub token_hash: String,
    pub channel: MessageChannel,
    pub issued_at: NaiveDateTime,
    pub issued_by: String,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
    pub claimed_at: Option<NaiveDateTime>,
    pub claimed_by: Option<String>,
    pub exchanges: i32,
    pub last_exchanged_at: Option<NaiveDateTime>,
}

/// A link to keep.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = case_access_links, treat_none_as_default_value = false)]
pub struct NewLink<'a> {
    pub case_id: i64,
    pub token_hash: &'a str,
    pub channel: MessageChannel,
    pub issued_at: NaiveDateTime,
    pub issued_by: &'a str,
    pub expires_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, link: &NewLink<'_>) -> QueryResult<LinkRow> {
    diesel::insert_into(case_access_links::table)
        .values(link)
        .returning(case_access_links::all_columns)
        .get_result(conn)
}

/// The link whose token hashes to `hash`, with its case's reference.
pub fn by_hash(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<(LinkRow, String)>> {
    case_access_links::table
        .inner_join(cases::table)
        .filter(case_access_links::token_hash.eq(hash))
        .select((case_access_links::all_columns, cases::reference))
        .first(conn)
        .optional()
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<LinkRow>> {
    case_access_links::table.find(id).first(conn).optional()
}

/// Whether link `id` has been neither revoked nor claimed (its expiry is in the token's).
pub fn unretired(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        case_access_links::table
            .filter(case_access_links::id.eq(id))
            .filter(case_access_links::revoked_at.is_null())
            .filter(case_access_links::claimed_at.is_null()),
    ))
    .get_result(conn)
}

/// Case `case_id`'s links, newest first.
pub fn of_case(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<LinkRow>> {
    case_access_links::table
        .filter(case_access_links::case_id.eq(case_id))
        .order(case_access_links::id.desc())
        .load(conn)
}

/// Counts an exchange of link `id` at `now`, if it is still unretired: whether it was.
pub fn exchanged(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        case_access_links::table
            .filter(case_access_links::id.eq(id))
            .filter(case_access_links::revoked_at.is_null())
            .filter(case_access_links::claimed_at.is_null()),
    )
    .set((
        case_access_links::exchanges.eq(case_access_links::exchanges + 1),
        case_access_links::last_exchanged_at.eq(Some(now)),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Revokes link `id`, if it is not revoked already: the row as it now is.
pub fn revoke(
    conn: &mut DbConnection,
    id: i64,
    now: NaiveDateTime,
    by: &str,
    reason: &str,
) -> QueryResult<Option<LinkRow>> {
    diesel::update(
        case_access_links::table
            .filter(case_access_links::id.eq(id))
            .filter(case_access_links::revoked_at.is_null()),
    )
    .set((
        case_access_links::revoked_at.eq(Some(now)),
        case_access_links::revoked_by.eq(Some(by)),
        case_access_links::revoke_reason.eq(Some(reason)),
    ))
    .returning(case_access_links::all_columns)
    .get_result(conn)
    .optional()
}

/// Revokes every link of cases `case_ids` not revoked already, as `by` for `reason` (their
/// personal data removed). How many were.
pub fn revoke_all(
    conn: &mut DbConnection,
    case_ids: &[i64],
    now: NaiveDateTime,
    by: &str,
    reason: &str,
) -> QueryResult<usize> {
    diesel::update(
        case_access_links::table
            .filter(case_access_links::case_id.eq_any(case_ids))
            .filter(case_access_links::revoked_at.is_null()),
    )
    .set((
        case_access_links::revoked_at.eq(Some(now)),
        case_access_links::revoked_by.eq(Some(by)),
        case_access_links::revoke_reason.eq(Some(reason)),
    ))
    .execute(conn)
}

/// Retires every unretired link of case `case_id` as claimed by account `by`: the case is in
/// their account now. How many were.
pub fn claim_all(
    conn: &mut DbConnection,
    case_id: i64,
    now: NaiveDateTime,
    by: &str,
) -> QueryResult<usize> {
    diesel::update(
        case_access_links::table
            .filter(case_access_links::case_id.eq(case_id))
            .filter(case_access_links::revoked_at.is_null())
            .filter(case_access_links::claimed_at.is_null()),
    )
    .set((
        case_access_links::claimed_at.eq(Some(now)),
        case_access_links::claimed_by.eq(Some(by)),
    ))
    .execute(conn)
}

/// Gives case `case_id`, and its customer row, to the account `subject`.
pub fn give_to_account(
    conn: &mut DbConnection,
    case_id: i64,
    customer_id: i64,
    subject: &str,
) -> QueryResult<()> {
    use super::schema::customers;
    diesel::update(cases::table.find(case_id))
        .set(cases::customer_subject.eq(Some(subject)))
        .execute(conn)?;
    diesel::update(customers::table.find(customer_id))
        .set(customers::subject.eq(Some(subject)))
        .execute(conn)?;
    Ok(())
}

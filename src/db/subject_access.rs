//! Subject-access requests (issue 15 §3), and the staff notes marked disclosable in their
//! exports.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{disclosable_notes, subject_access_requests};
use super::DbConnection;

/// A subject-access request as stored.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct RequestRow {
    pub id: i64,
    pub person_id: i64,
    pub received_on: NaiveDate,
    pub original_due_on: NaiveDate,
    pub due_on: NaiveDate,
    pub recorded_by: String,
    pub extension_reason: Option<String>,
    pub extension_notice: Option<String>,
    pub person_told_on: Option<NaiveDate>,
    pub extended_by: Option<String>,
    pub extended_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub responded_on: Option<NaiveDate>,
}

/// A request to record.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = subject_access_requests, treat_none_as_default_value = false)]
pub struct NewRequest<'a> {
    pub person_id: i64,
    pub received_on: NaiveDate,
    pub original_due_on: NaiveDate,
    pub due_on: NaiveDate,
    pub recorded_by: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: &NewRequest) -> QueryResult<RequestRow> {
    diesel::insert_into(subject_access_requests::table)
        .values(new)
        .returning(subject_access_requests::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, person: i64, id: i64) -> QueryResult<Option<RequestRow>> {
    subject_access_requests::table
        .filter(subject_access_requests::id.eq(id))
        .filter(subject_access_requests::person_id.eq(person))
        .first(conn)
        .optional()
}

/// A person's requests, newest first.
pub fn of_person(conn: &mut DbConnection, person: i64) -> QueryResult<Vec<RequestRow>> {
    subject_access_requests::table
        .filter(subject_access_requests::person_id.eq(person))
        .order(subject_access_requests::id.desc())
        .load(conn)
}

/// The requests not yet answered, soonest due first (the complaints manager's work queue).
pub fn open(
    conn: &mut DbConnection,
    due_on_or_before: Option<NaiveDate>,
    limit: i64,
) -> QueryResult<Vec<RequestRow>> {
    let mut query = subject_access_requests::table
        .filter(subject_access_requests::responded_on.is_null())
        .into_boxed();
    if let Some(date) = due_on_or_before {
        query = query.filter(subject_access_requests::due_on.le(date));
    }
    query
        .order((
            subject_access_requests::due_on.asc(),
            subject_access_requests::id.asc(),
        ))
        .limit(limit)
        .load(conn)
}

/// Records the extension: the new due date, why, and how and when the person was told. Only
/// a request not yet extended is changed (the caller checked; this holds under a race).
/// An extension to record.
#[derive(Debug, Clone)]
pub struct Extended<'a> {
    pub due_on: NaiveDate,
    pub reason: &'a str,
    pub notice: &'a str,
    pub told_on: NaiveDate,
    pub by: &'a str,
    pub at: NaiveDateTime,
}

pub fn extend(
    conn: &mut DbConnection,
    id: i64,
    extended: &Extended,
) -> QueryResult<Option<RequestRow>> {
    let Extended {
        due_on,
        reason,
        notice,
        told_on,
        by,
        at,
    } = extended.clone();
    diesel::update(
        subject_access_requests::table
            .filter(subject_access_requests::id.eq(id))
            .filter(subject_access_requests::extended_at.is_null()),
    )
    .set((
        subject_access_requests::due_on.eq(due_on),
        subject_access_requests::extension_reason.eq(reason),
        subject_access_requests::extension_notice.eq(notice),
        subject_access_requests::person_told_on.eq(told_on),
        subject_access_requests::extended_by.eq(by),
        subject_access_requests::extended_at.eq(at),
    ))
    .returning(subject_access_requests::all_columns)
    .get_result(conn)
    .optional()
}

/// Marks the staff note (the `note` event `event_id`) disclosable; marking it again changes
/// nothing.
pub fn mark_disclosable(
    conn: &mut DbConnection,
    event_id: i64,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let marked = disclosable_notes::table
        .find(event_id)
        .select(disclosable_notes::event_id)
        .first::<i64>(conn)
        .optional()?;
    if marked.is_none() {
        diesel::insert_into(disclosable_notes::table)
            .values((
                disclosable_notes::event_id.eq(event_id),
                disclosable_notes::marked_by.eq(by),
                disclosable_notes::marked_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Which of these note events are marked disclosable.
pub fn disclosable(conn: &mut DbConnection, event_ids: &[i64]) -> QueryResult<Vec<i64>> {
    disclosable_notes::table
        .filter(disclosable_notes::event_id.eq_any(event_ids))
        .select(disclosable_notes::event_id)
        .load(conn)
}

/// Whether event `event_id` is a staff note on case `case_id`.
pub fn is_note_of(conn: &mut DbConnection, case_id: i64, event_id: i64) -> QueryResult<bool> {
    use super::schema::case_events;
    Ok(case_events::table
        .filter(case_events::id.eq(event_id))
        .filter(case_events::case_id.eq(case_id))
        .filter(case_events::event_type.eq("note"))
        .select(case_events::id)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

/// Records the day request `id` was answered, if it was not already.
pub fn answer(
    conn: &mut DbConnection,
    id: i64,
    responded_on: NaiveDate,
) -> QueryResult<Option<RequestRow>> {
    diesel::update(
        subject_access_requests::table
            .filter(subject_access_requests::id.eq(id))
            .filter(subject_access_requests::responded_on.is_null()),
    )
    .set(subject_access_requests::responded_on.eq(responded_on))
    .returning(subject_access_requests::all_columns)
    .get_result(conn)
    .optional()
}

/// A webhook delivery of one of a case's events: who it went to.
#[derive(Debug, Clone, Queryable)]
pub struct SharedDelivery {
    pub event_id: i64,
    pub event_type: String,
    pub case_id: i64,
    pub endpoint_id: i64,
    pub owner_role: String,
    pub owner_subject: String,
    pub url: String,
    pub status: String,
    pub created_at: NaiveDateTime,
}

/// The webhook deliveries of the events of cases `case_ids` (those still kept: successful
/// deliveries are removed after `WEBHOOK_DELIVERY_RETENTION_DAYS`).
pub fn deliveries_of(
    conn: &mut DbConnection,
    case_ids: &[i64],
) -> QueryResult<Vec<SharedDelivery>> {
    use super::schema::{case_events, webhook_deliveries, webhook_endpoints};
    webhook_deliveries::table
        .inner_join(case_events::table.on(case_events::id.eq(webhook_deliveries::event_id)))
        .inner_join(
            webhook_endpoints::table.on(webhook_endpoints::id.eq(webhook_deliveries::endpoint_id)),
        )
        .filter(case_events::case_id.eq_any(case_ids))
        .select((
            case_events::id,
            case_events::event_type,
            case_events::case_id,
            webhook_endpoints::id,
            webhook_endpoints::owner_role,
            webhook_endpoints::owner_subject,
            webhook_endpoints::url,
            webhook_deliveries::status,
            webhook_deliveries::created_at,
        ))
        .order(webhook_deliveries::id.asc())
        .load(conn)
}

/// The partners' reads of cases `references`, from the access log: (client, reference, when).
pub fn partner_reads(
    conn: &mut DbConnection,
    references: &[String],
) -> QueryResult<Vec<(String, Option<String>, NaiveDateTime)>> {
    use super::schema::access_log;
    access_log::table
        .filter(access_log::case_reference.eq_any(references))
        .filter(access_log::actor_roles.like("%partner%"))
        .select((
            access_log::actor_subject,
            access_log::case_reference,
            access_log::occurred_at,
        ))
        .order(access_log::id.asc())
        .load(conn)
}

//! Restrictions on a person, their reviews, the restricted contact recorded on cases, and
//! staff's readings of that contact for new issues.

use super::native::Native;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::prepared::FirstRow;
use super::schema::{new_issue_reviews, restricted_contacts, restriction_reviews, restrictions};
use super::DbConnection;
use crate::domain::case::Role;
use crate::domain::restriction::{ContactVia, RestrictionType, ReviewOutcome, Scope};

/// A restriction as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Insertable)]
#[diesel(table_name = restrictions, treat_none_as_default_value = false)]
pub struct RestrictionRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub person_id: i64,
    /// The case it arose from: its timeline carries the restriction's events.
    pub case_id: i64,
    pub restriction_type: RestrictionType,
    pub contact_officer: Option<String>,
    pub contact_limit: Option<String>,
    pub scope: Scope,
    /// JSON list of service ids.
    pub services: String,
    /// JSON list of case references.
    pub matter: String,
    /// JSON list of `{behaviour, evidence}`.
    pub behaviours: String,
    pub warned_on: Option<NaiveDate>,
    pub warning: Option<String>,
    pub no_warning_reason: Option<String>,
    pub proportionality: String,
    pub decided_by: String,
    pub decided_by_role: Role,
    pub decided_at: NaiveDateTime,
    pub starts_on: NaiveDate,
    pub review_on: NaiveDate,
    pub told_on: NaiveDate,
    pub letter_id: Option<i64>,
    pub lifted_at: Option<NaiveDateTime>,
    pub version: i32,
    pub updated_at: NaiveDateTime,
}

/// A review, as recorded.
#[derive(Debug, Clone, PartialEq, Queryable, Insertable)]
#[diesel(table_name = restriction_reviews, treat_none_as_default_value = false)]
pub struct ReviewRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub restriction_id: i64,
    pub outcome: ReviewOutcome,
    pub reasons: Option<String>,
    pub previous_review_on: NaiveDate,
    pub new_review_on: Option<NaiveDate>,
    pub reviewed_by: String,
    pub reviewed_at: NaiveDateTime,
}

/// Restricted contact recorded on a case.
#[derive(Debug, Clone, PartialEq, Queryable, Insertable)]
#[diesel(table_name = restricted_contacts, treat_none_as_default_value = false)]
pub struct ContactRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub case_id: i64,
    pub restriction_id: i64,
    pub via: ContactVia,
    pub routed_to: Option<String>,
    pub needs_review: bool,
    pub recorded_at: NaiveDateTime,
}

/// A reading of a case's restricted contact for new issues.
#[derive(Debug, Clone, PartialEq, Queryable, Insertable)]
#[diesel(table_name = new_issue_reviews, treat_none_as_default_value = false)]
pub struct NewIssueReviewRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub case_id: i64,
    pub new_issues: bool,
    pub safeguarding_concern: bool,
    pub notes: String,
    pub reviewed_by: String,
    pub reviewed_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &RestrictionRow) -> QueryResult<RestrictionRow> {
    diesel::insert_into(restrictions::table)
        .values(row)
        .returning(restrictions::all_columns)
        .fetch(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<RestrictionRow>> {
    restrictions::table.find(id).first_row(conn).optional()
}

/// A person's restrictions, newest first.
pub fn of_person(conn: &mut DbConnection, person_id: i64) -> QueryResult<Vec<RestrictionRow>> {
    restrictions::table
        .filter(restrictions::person_id.eq(person_id))
        .order(restrictions::id.desc())
        .fetch_all(conn)
}

/// A person's restrictions not lifted (enforcement reads which of them apply today).
pub fn not_lifted(conn: &mut DbConnection, person_id: i64) -> QueryResult<Vec<RestrictionRow>> {
    restrictions::table
        .filter(restrictions::person_id.eq(person_id))
        .filter(restrictions::lifted_at.is_null())
        .order(restrictions::id.asc())
        .fetch_all(conn)
}

pub fn set_letter(conn: &mut DbConnection, id: i64, letter_id: i64) -> QueryResult<usize> {
    diesel::update(restrictions::table.find(id))
        .set(restrictions::letter_id.eq(Some(letter_id)))
        .run(conn)
}

/// Records a review's result and takes the restriction's next version, if `expected` is still
/// current.
pub fn reviewed(
    conn: &mut DbConnection,
    id: i64,
    expected: i32,
    review_on: NaiveDate,
    lifted_at: Option<NaiveDateTime>,
    at: NaiveDateTime,
) -> QueryResult<Option<RestrictionRow>> {
    diesel::update(
        restrictions::table
            .filter(restrictions::id.eq(id))
            .filter(restrictions::version.eq(expected)),
    )
    .set((
        restrictions::review_on.eq(review_on),
        restrictions::lifted_at.eq(lifted_at),
        restrictions::version.eq(expected + 1),
        restrictions::updated_at.eq(at),
    ))
    .returning(restrictions::all_columns)
    .fetch(conn)
    .optional()
}

pub fn insert_review(conn: &mut DbConnection, row: &ReviewRow) -> QueryResult<usize> {
    diesel::insert_into(restriction_reviews::table)
        .values(row)
        .run(conn)
}

/// A restriction's reviews, oldest first.
pub fn reviews_of(conn: &mut DbConnection, id: i64) -> QueryResult<Vec<ReviewRow>> {
    restriction_reviews::table
        .filter(restriction_reviews::restriction_id.eq(id))
        .order(restriction_reviews::id.asc())
        .fetch_all(conn)
}

pub fn insert_contact(conn: &mut DbConnection, row: &ContactRow) -> QueryResult<usize> {
    diesel::insert_into(restricted_contacts::table)
        .values(row)
        .run(conn)
}

/// The restricted contact recorded on a case, oldest first.
pub fn contacts_on(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<ContactRow>> {
    restricted_contacts::table
        .filter(restricted_contacts::case_id.eq(case_id))
        .order(restricted_contacts::id.asc())
        .fetch_all(conn)
}

pub fn insert_new_issue_review(
    conn: &mut DbConnection,
    row: &NewIssueReviewRow,
) -> QueryResult<NewIssueReviewRow> {
    diesel::insert_into(new_issue_reviews::table)
        .values(row)
        .returning(new_issue_reviews::all_columns)
        .fetch(conn)
}

/// When a case's restricted contact was last read for new issues.
pub fn last_new_issue_review(
    conn: &mut DbConnection,
    case_id: i64,
) -> QueryResult<Option<NaiveDateTime>> {
    new_issue_reviews::table
        .filter(new_issue_reviews::case_id.eq(case_id))
        .select(diesel::dsl::max(new_issue_reviews::reviewed_at))
        .first(conn)
}

/// A merged person's restrictions become the kept person's.
pub fn move_to(conn: &mut DbConnection, from: i64, to: i64) -> QueryResult<usize> {
    diesel::update(restrictions::table.filter(restrictions::person_id.eq(from)))
        .set(restrictions::person_id.eq(to))
        .run(conn)
}

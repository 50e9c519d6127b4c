//! Reasonable adjustments: each person's, and the reviews of each.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::prepared::FirstRow;
use super::schema::{adjustment_reviews, adjustments, cases, customers, representatives};
use super::DbConnection;
use crate::domain::adjustment::{AdjustmentKind, AdjustmentReviewOutcome, PersonsCase};
use crate::domain::case::Status;

/// An adjustment as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Insertable)]
#[diesel(table_name = adjustments, treat_none_as_default_value = false)]
pub struct AdjustmentRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub person_id: i64,
    pub kind: AdjustmentKind,
    pub language: Option<String>,
    pub details: Option<String>,
    pub agreed_on: NaiveDate,
    pub agreed_by: String,
    /// The case it was agreed on, when the request named one.
    pub case_id: Option<i64>,
    /// `None` once ended.
    pub review_due: Option<NaiveDate>,
    pub in_force: bool,
    pub ended_on: Option<NaiveDate>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A review as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Insertable)]
#[diesel(table_name = adjustment_reviews, treat_none_as_default_value = false)]
pub struct ReviewRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub adjustment_id: i64,
    pub outcome: AdjustmentReviewOutcome,
    pub note: String,
    pub reviewed_on: NaiveDate,
    pub reviewed_by: String,
    pub next_review_due: Option<NaiveDate>,
    pub previous_kind: Option<AdjustmentKind>,
    pub previous_language: Option<String>,
    pub previous_details: Option<String>,
    pub reviewed_at: NaiveDateTime,
}

/// What a review leaves of an adjustment.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = adjustments, treat_none_as_null = true)]
pub struct AdjustmentChange {
    pub kind: AdjustmentKind,
    pub language: Option<String>,
    pub details: Option<String>,
    pub review_due: Option<NaiveDate>,
    pub in_force: bool,
    pub ended_on: Option<NaiveDate>,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &AdjustmentRow) -> QueryResult<AdjustmentRow> {
    diesel::insert_into(adjustments::table)
        .values(row)
        .returning(adjustments::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<AdjustmentRow>> {
    adjustments::table.find(id).first_row(conn).optional()
}

/// A person's adjustments, newest agreed first (ended ones too when `ended`).
pub fn of_person(
    conn: &mut DbConnection,
    person_id: i64,
    ended: bool,
) -> QueryResult<Vec<AdjustmentRow>> {
    let mut query = adjustments::table
        .filter(adjustments::person_id.eq(person_id))
        .into_boxed();
    if !ended {
        query = query.filter(adjustments::in_force.eq(true));
    }
    query
        .order((adjustments::agreed_on.desc(), adjustments::id.desc()))
        .load(conn)
}

/// The adjustments in force for the person a case's customer row names.
pub fn in_force_for_customer(
    conn: &mut DbConnection,
    customer_id: i64,
) -> QueryResult<Vec<AdjustmentRow>> {
    adjustments::table
        .filter(adjustments::in_force.eq(true))
        .filter(
            adjustments::person_id.nullable().eq_any(
                customers::table
                    .filter(customers::id.eq(customer_id))
                    .select(customers::person_id),
            ),
        )
        .order((adjustments::agreed_on.desc(), adjustments::id.desc()))
        .load(conn)
}

/// Writes what a review leaves, taking the next version, if `expected` is still current.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    expected: i32,
    change: &AdjustmentChange,
) -> QueryResult<Option<AdjustmentRow>> {
    diesel::update(
        adjustments::table
            .filter(adjustments::id.eq(id))
            .filter(adjustments::version.eq(expected)),
    )
    .set((change, adjustments::version.eq(expected + 1)))
    .returning(adjustments::all_columns)
    .get_result(conn)
    .optional()
}

pub fn insert_review(conn: &mut DbConnection, row: &ReviewRow) -> QueryResult<ReviewRow> {
    diesel::insert_into(adjustment_reviews::table)
        .values(row)
        .returning(adjustment_reviews::all_columns)
        .get_result(conn)
}

/// The reviews of these adjustments, oldest first.
pub fn reviews_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<ReviewRow>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    adjustment_reviews::table
        .filter(adjustment_reviews::adjustment_id.eq_any(ids.to_vec()))
        .order(adjustment_reviews::id.asc())
        .load(conn)
}

/// Moves a person's adjustments to another (a merge). Returns the ids moved.
pub fn move_to(conn: &mut DbConnection, from: i64, to: i64) -> QueryResult<Vec<i64>> {
    let ids: Vec<i64> = adjustments::table
        .filter(adjustments::person_id.eq(from))
        .select(adjustments::id)
        .load(conn)?;
    if !ids.is_empty() {
        diesel::update(adjustments::table.filter(adjustments::person_id.eq(from)))
            .set(adjustments::person_id.eq(to))
            .execute(conn)?;
    }
    Ok(ids)
}

/// The person's cases, as customer or representative, as the choice of where an adjustment's
/// alerts go weighs them.
pub fn cases_of_person(conn: &mut DbConnection, person_id: i64) -> QueryResult<Vec<PersonsCase>> {
    let as_customer: Vec<(i64, Status, NaiveDateTime)> = cases::table
        .inner_join(customers::table)
        .filter(customers::person_id.eq(person_id))
        .select((cases::id, cases::status, cases::received_at))
        .load(conn)?;
    let as_representative: Vec<(i64, Status, NaiveDateTime)> = cases::table
        .inner_join(representatives::table)
        .filter(representatives::person_id.eq(person_id))
        .select((cases::id, cases::status, cases::received_at))
        .load(conn)?;
    Ok(as_customer
        .into_iter()
        .chain(as_representative)
        .map(|(id, status, received_at)| PersonsCase {
            id,
            status,
            received_at,
        })
        .collect())
}

/// The references of these cases.
pub fn case_references(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    cases::table
        .filter(cases::id.eq_any(ids.to_vec()))
        .select((cases::id, cases::reference))
        .load(conn)
}

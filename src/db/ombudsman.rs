//! Ombudsman referrals and their outcome.

use super::native::Native;
use diesel::prelude::*;

use super::schema::ombudsman_referrals;
use super::DbConnection;
use crate::domain::ombudsman::{OmbudsmanBody, OmbudsmanDecision};

/// A referral as stored.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = ombudsman_referrals, treat_none_as_default_value = false)]
pub struct ReferralRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub case_id: i64,
    pub body: OmbudsmanBody,
    pub their_reference: String,
    pub referred_on: chrono::NaiveDate,
    pub information_requested_on: Option<chrono::NaiveDate>,
    pub information_provided_on: Option<chrono::NaiveDate>,
    pub decision: Option<OmbudsmanDecision>,
    pub decided_on: Option<chrono::NaiveDate>,
    /// JSON: the recommendations with their due and compliance dates.
    pub recommendations: String,
    pub recorded_by: String,
    pub created_at: chrono::NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &ReferralRow) -> QueryResult<ReferralRow> {
    diesel::insert_into(ombudsman_referrals::table)
        .values(row)
        .returning(ombudsman_referrals::all_columns)
        .fetch(conn)
}

pub fn for_case(conn: &mut DbConnection, case_id: i64) -> QueryResult<Option<ReferralRow>> {
    ombudsman_referrals::table
        .filter(ombudsman_referrals::case_id.eq(case_id))
        .first(conn)
        .optional()
}

/// Records the Ombudsman's decision and recommendations.
pub fn decide(
    conn: &mut DbConnection,
    id: i64,
    decision: &str,
    decided_on: chrono::NaiveDate,
    recommendations: &str,
    information_requested_on: Option<chrono::NaiveDate>,
    information_provided_on: Option<chrono::NaiveDate>,
) -> QueryResult<usize> {
    diesel::update(ombudsman_referrals::table.find(id))
        .set((
            ombudsman_referrals::decision.eq(Some(decision)),
            ombudsman_referrals::decided_on.eq(Some(decided_on)),
            ombudsman_referrals::recommendations.eq(recommendations),
            ombudsman_referrals::information_requested_on.eq(information_requested_on),
            ombudsman_referrals::information_provided_on.eq(information_provided_on),
        ))
        .run(conn)
}

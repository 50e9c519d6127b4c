//! Satisfaction survey invitations, with their answers once given.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{cases, surveys};
use super::DbConnection;
use crate::domain::case::{Kind, Stage};
use crate::domain::survey::SurveyRating;

/// An invitation as stored.
#[derive(Debug, Clone, Queryable)]
pub struct SurveyRow {
    pub id: i64,
    pub case_id: i64,
    /// The link's credential. Kept as it is, not hashed: the survey-invitation letter (issue
    /// 13's correspondence) renders `PUBLIC_BASE_URL/surveys/{token}` from it when it is sent.
    pub token: String,
    /// The case's service when it closed.
    pub service_id: String,
    /// The stage the complaint ended at.
    pub stage: Stage,
    pub invited_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
    pub easy_to_complain: Option<SurveyRating>,
    pub kept_informed: Option<SurveyRating>,
    pub response_clear: Option<SurveyRating>,
    pub treated_fairly: Option<SurveyRating>,
    pub comment: Option<String>,
}

/// An invitation to make.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = surveys, treat_none_as_default_value = false)]
pub struct NewSurvey<'a> {
    pub case_id: i64,
    pub token: &'a str,
    pub service_id: &'a str,
    pub stage: Stage,
    pub invited_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// The answers to record.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = surveys, treat_none_as_null = true)]
pub struct Answering<'a> {
    pub answered_at: Option<NaiveDateTime>,
    pub easy_to_complain: Option<SurveyRating>,
    pub kept_informed: Option<SurveyRating>,
    pub response_clear: Option<SurveyRating>,
    pub treated_fairly: Option<SurveyRating>,
    pub comment: Option<&'a str>,
}

pub fn insert(conn: &mut DbConnection, survey: &NewSurvey<'_>) -> QueryResult<SurveyRow> {
    diesel::insert_into(surveys::table)
        .values(survey)
        .returning(surveys::all_columns)
        .get_result(conn)
}

/// The stages a case's customer was invited to say how they were handled.
pub fn stages_invited(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<Stage>> {
    surveys::table
        .filter(surveys::case_id.eq(case_id))
        .select(surveys::stage)
        .load(conn)
}

/// The invitation with this token, with its case's reference and kind.
pub fn by_token(
    conn: &mut DbConnection,
    token: &str,
) -> QueryResult<Option<(SurveyRow, String, Kind)>> {
    surveys::table
        .inner_join(cases::table)
        .filter(surveys::token.eq(token))
        .select((surveys::all_columns, cases::reference, cases::kind))
        .first(conn)
        .optional()
}

/// Records the answers of invitation `id` unless it was answered already: one statement, so
/// of two answers sent at once exactly one is kept. Gives whether these were.
pub fn answer(conn: &mut DbConnection, id: i64, answers: &Answering<'_>) -> QueryResult<bool> {
    let updated = diesel::update(
        surveys::table
            .filter(surveys::id.eq(id))
            .filter(surveys::answered_at.is_null()),
    )
    .set(answers)
    .execute(conn)?;
    Ok(updated == 1)
}

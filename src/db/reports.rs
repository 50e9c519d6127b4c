//! What the reports read: compact facts about the cases received in a
//! period, their stages and referrals, and the learning actions.

use diesel::prelude::*;

use super::schema::{case_extensions, case_stages, cases, learning_actions, ombudsman_referrals};
use super::DbConnection;

/// Which cases a report covers: received in `[from, before)` (UTC), in
/// these services (`None`: all).
#[derive(Debug, Clone)]
pub struct Scope {
    pub from: chrono::NaiveDateTime,
    pub before: chrono::NaiveDateTime,
    pub services: Option<Vec<String>>,
}

/// (id, kind, channel, service, category, received_at, triage decision).
pub type CaseLine = (
    i64,
    String,
    String,
    String,
    Option<String>,
    chrono::NaiveDateTime,
    Option<String>,
);

/// (stage id, case id, stage, opened_at, acknowledgement due, acknowledged_at,
/// responded_at, responded on time, outcome).
pub type StageLine = (
    i64,
    i64,
    String,
    chrono::NaiveDateTime,
    chrono::NaiveDate,
    Option<chrono::NaiveDateTime>,
    Option<chrono::NaiveDateTime>,
    Option<bool>,
    Option<String>,
);

macro_rules! in_scope {
    ($query:expr, $scope:expr) => {{
        let mut query = $query
            .filter(cases::received_at.ge($scope.from))
            .filter(cases::received_at.lt($scope.before))
            .into_boxed();
        if let Some(services) = &$scope.services {
            query = query.filter(cases::service_id.eq_any(services.clone()));
        }
        query
    }};
}

pub fn cases(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<CaseLine>> {
    in_scope!(cases::table, scope)
        .select((
            cases::id,
            cases::kind,
            cases::channel,
            cases::service_id,
            cases::category,
            cases::received_at,
            cases::triage_decision,
        ))
        .load(conn)
}

pub fn stages(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<StageLine>> {
    in_scope!(case_stages::table.inner_join(cases::table), scope)
        .select((
            case_stages::id,
            case_stages::case_id,
            case_stages::stage,
            case_stages::opened_at,
            case_stages::acknowledgement_due,
            case_stages::acknowledged_at,
            case_stages::responded_at,
            case_stages::responded_on_time,
            case_stages::outcome,
        ))
        .load(conn)
}

/// The stages whose response time was extended.
pub fn extended_stages(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<i64>> {
    in_scope!(
        case_extensions::table.inner_join(cases::table.on(cases::id.eq(case_extensions::case_id))),
        scope
    )
    .filter(case_extensions::status.eq("agreed"))
    .select(case_extensions::stage_id)
    .distinct()
    .load(conn)
}

/// (case id, decision) of each referral.
pub fn referrals(
    conn: &mut DbConnection,
    scope: &Scope,
) -> QueryResult<Vec<(i64, Option<String>)>> {
    in_scope!(ombudsman_referrals::table.inner_join(cases::table), scope)
        .select((ombudsman_referrals::case_id, ombudsman_referrals::decision))
        .load(conn)
}

/// (status, due, created_at, completed_on) of a learning action.
pub type LearningLine = (
    String,
    chrono::NaiveDate,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDate>,
);

/// The services' learning actions (`None`: every service's).
pub fn learning(
    conn: &mut DbConnection,
    services: Option<&[String]>,
) -> QueryResult<Vec<LearningLine>> {
    let mut query = learning_actions::table.into_boxed();
    if let Some(services) = services {
        query = query.filter(learning_actions::service_id.eq_any(services.to_vec()));
    }
    query
        .select((
            learning_actions::status,
            learning_actions::due,
            learning_actions::created_at,
            learning_actions::completed_on,
        ))
        .load(conn)
}

/// The triage details of the complaints excluded: each names the procedure.
pub fn exclusions(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<Option<String>>> {
    in_scope!(cases::table, scope)
        .filter(cases::triage_decision.eq("excluded"))
        .select(cases::triage_details)
        .load(conn)
}

/// (case id, stage, investigator) of every stage.
pub fn investigators(
    conn: &mut DbConnection,
    scope: &Scope,
) -> QueryResult<Vec<(i64, String, Option<String>)>> {
    in_scope!(case_stages::table.inner_join(cases::table), scope)
        .select((
            case_stages::case_id,
            case_stages::stage,
            case_stages::investigator,
        ))
        .load(conn)
}

/// (stage, working days beyond the original due date, customer agreed) of each agreed extension.
pub fn extensions(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<(String, i32, bool)>> {
    in_scope!(
        case_extensions::table
            .inner_join(cases::table.on(cases::id.eq(case_extensions::case_id)))
            .inner_join(case_stages::table),
        scope
    )
    .filter(case_extensions::status.eq("agreed"))
    .select((
        case_stages::stage,
        case_extensions::working_days_beyond_original,
        case_extensions::customer_agreed,
    ))
    .load(conn)
}

/// A manager's self-assessment answer as stored.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = super::schema::self_assessment_answers, primary_key(year, item))]
pub struct AnswerRow {
    pub year: i32,
    pub item: String,
    pub met: bool,
    pub evidence: String,
    pub answered_by: String,
    pub answered_at: chrono::NaiveDateTime,
}

pub fn answers(conn: &mut DbConnection, year: i32) -> QueryResult<Vec<AnswerRow>> {
    use super::schema::self_assessment_answers as answers;
    answers::table
        .filter(answers::year.eq(year))
        .order(answers::item.asc())
        .load(conn)
}

/// Stores an answer, replacing the year's earlier answer to the item.
pub fn answer(conn: &mut DbConnection, row: &AnswerRow) -> QueryResult<usize> {
    use super::schema::self_assessment_answers as answers;
    let updated = diesel::update(answers::table.find((row.year, row.item.clone())))
        .set(row)
        .execute(conn)?;
    if updated == 1 {
        return Ok(1);
    }
    diesel::insert_into(answers::table)
        .values(row)
        .execute(conn)
}

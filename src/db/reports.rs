//! What the reports read: compact facts about the cases received in a
//! period, their stages and referrals, and the learning actions.

use diesel::prelude::*;

use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::Timestamp;

use super::schema::{
    case_extensions, case_flags, case_stages, cases, learning_actions, ombudsman_referrals, surveys,
};
use super::{DbConnection, MultiBackend};
use crate::domain::case::{Kind, Stage};
use crate::domain::flag::Flag;
use crate::domain::fluency;
use crate::domain::survey::SurveyRating;

/// Which cases a report covers: received in `[from, before)` (UTC), in
/// these services (`None`: all).
#[derive(Debug, Clone)]
pub struct Scope {
    pub from: chrono::NaiveDateTime,
    pub before: chrono::NaiveDateTime,
    pub services: Option<Vec<String>>,
    /// The lowest and highest id of those cases (`(0, -1)`: there are none).
    /// Cases are numbered as they are created, which is when they are
    /// received or soon after, so the ids bound the rows of a period in
    /// every table keyed by case: the reports read those ranges in order.
    pub ids: (i64, i64),
}

#[derive(QueryableByName)]
struct IdBounds {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    lo: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    hi: Option<i64>,
}

impl Scope {
    /// A scope whose ids are not looked up ([`Scope::new`] bounds them): every id is in its
    /// range. For a report that reads no cases for it, only the projections.
    pub fn of_period(
        from: chrono::NaiveDateTime,
        before: chrono::NaiveDateTime,
        services: Option<Vec<String>>,
    ) -> Scope {
        Scope {
            from,
            before,
            services,
            ids: (i64::MIN, i64::MAX),
        }
    }

    pub fn new(
        conn: &mut DbConnection,
        from: chrono::NaiveDateTime,
        before: chrono::NaiveDateTime,
        services: Option<Vec<String>>,
    ) -> QueryResult<Scope> {
        let mut binds = Binds::for_connection(conn);
        let text = format!(
            "SELECT MIN(c.id) AS lo, MAX(c.id) AS hi FROM cases c \
             WHERE c.received_at >= {} AND c.received_at < {}",
            binds.at(from),
            binds.at(before)
        );
        let bounds: IdBounds = binds.query(text).get_result(conn)?;
        Ok(Scope {
            from,
            before,
            services,
            ids: match (bounds.lo, bounds.hi) {
                (Some(lo), Some(hi)) => (lo, hi),
                _ => (0, -1),
            },
        })
    }
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
            .filter(cases::id.between($scope.ids.0, $scope.ids.1))
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

/// (service, stage, and the rating of each question in the survey's order) of an answered
/// satisfaction survey.
pub type SurveyLine = (
    String,
    Stage,
    Option<SurveyRating>,
    Option<SurveyRating>,
    Option<SurveyRating>,
    Option<SurveyRating>,
);

/// The answered satisfaction surveys of the scope's cases.
pub fn answered_surveys(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<SurveyLine>> {
    in_scope!(surveys::table.inner_join(cases::table), scope)
        .filter(surveys::answered_at.is_not_null())
        .select((
            surveys::service_id,
            surveys::stage,
            surveys::easy_to_complain,
            surveys::kept_informed,
            surveys::response_clear,
            surveys::treated_fairly,
        ))
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

#[derive(QueryableByName)]
struct Details {
    #[diesel(sql_type = diesel::sql_types::Text)]
    service: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    details: Option<String>,
}

/// The triage details of the complaints excluded, with their service: each names the
/// procedure. Every service is counted; the caller keeps those the report covers.
/// With the decision written out, so both databases read the partial index
/// of excluded cases (a bound parameter would hide it from their planners).
pub fn exclusions(
    conn: &mut DbConnection,
    scope: &Scope,
) -> QueryResult<Vec<(String, Option<String>)>> {
    let Dimensions { range, binds, .. } = dimensions(conn, scope, &Breakdown::default());
    let rows: Vec<Details> = binds
        .query(format!(
            "SELECT c.service_id AS service, c.triage_details AS details FROM cases c \
             WHERE c.triage_decision = 'excluded' AND {range}"
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.service, r.details)).collect())
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
#[diesel(table_name = super::schema::self_assessment_answers, primary_key(year, item), treat_none_as_default_value = false)]
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

/// How the reports' counts are broken down: always by service (to keep to
/// the services asked for and to find their directorates), and by month,
/// channel and category when a report groups by them.
#[derive(Debug, Clone, Default)]
pub struct Breakdown {
    /// The UTC instants at which each month after the first starts, in
    /// order: a case's month is the number of them at or before its receipt.
    pub month_starts: Vec<chrono::NaiveDateTime>,
    pub channel: bool,
    pub category: bool,
}

/// Where a count belongs: the month (0 for the period's first, or for all
/// of it without a month breakdown), the service, and the channel and
/// category when broken down by them.
#[derive(Debug, Clone, QueryableByName)]
pub struct Dims {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub month: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub service: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub channel: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub category: Option<String>,
}

/// Cases alike in what the figures count, and how many.
#[derive(Debug, Clone, QueryableByName)]
pub struct CaseCount {
    #[diesel(embed)]
    pub dims: Dims,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub kind: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub triage: Option<String>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub n: i64,
}

/// Stages alike in what the figures count, and how many.
#[derive(Debug, Clone, QueryableByName)]
pub struct StageCount {
    #[diesel(embed)]
    pub dims: Dims,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub stage: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub acknowledged: bool,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Bool>)]
    pub acknowledged_on_time: Option<bool>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub responded: bool,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Bool>)]
    pub responded_on_time: Option<bool>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub outcome: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    pub working_days_taken: Option<i32>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub extended: bool,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub n: i64,
}

/// Ombudsman referrals with a decision (none while awaited), and how many.
#[derive(Debug, Clone, QueryableByName)]
pub struct ReferralCount {
    #[diesel(embed)]
    pub dims: Dims,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub decision: Option<String>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub n: i64,
}

/// A service's complaints in a category upheld in whole or part at stage 1.
#[derive(Debug, Clone, QueryableByName)]
pub struct UpheldCount {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub service: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub category: Option<String>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub n: i64,
}

/// A service's complaints investigated at both stages, and how many of
/// them by a different officer at stage 2.
#[derive(Debug, Clone, QueryableByName)]
pub struct InvestigatorPairs {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub service: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub pairs: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    pub different: Option<i64>,
}

/// The counts a report adds up, each as few rows as the breakdown allows.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub cases: Vec<CaseCount>,
    pub stages: Vec<StageCount>,
    pub referrals: Vec<ReferralCount>,
}

/// The instants a report's SQL compares with, bound as parameters in the
/// order they are written: raw SQL names its placeholders itself, `$n` on
/// PostgreSQL and `?n` on SQLite (both let one be used twice).
struct Binds {
    postgres: bool,
    values: Vec<chrono::NaiveDateTime>,
}

impl Binds {
    fn for_connection(conn: &DbConnection) -> Binds {
        Binds {
            postgres: matches!(conn, DbConnection::Pg(_)),
            values: Vec::new(),
        }
    }

    /// The placeholder for `at`.
    fn at(&mut self, at: chrono::NaiveDateTime) -> String {
        self.values.push(at);
        let sigil = if self.postgres { '$' } else { '?' };
        format!("{sigil}{}", self.values.len())
    }

    /// `text`, with every instant it names bound.
    fn query(self, text: String) -> BoxedSqlQuery<'static, MultiBackend, SqlQuery> {
        self.values
            .into_iter()
            .fold(diesel::sql_query(text).into_boxed(), |query, at| {
                query.bind::<Timestamp, _>(at)
            })
    }
}

/// The month of `c.received_at` as a number, by halving the month starts:
/// a dozen comparisons at most for ten years of months.
fn month_of(binds: &mut Binds, starts: &[chrono::NaiveDateTime], before: usize) -> String {
    if starts.is_empty() {
        return before.to_string();
    }
    let middle = starts.len() / 2;
    let start = binds.at(starts[middle]);
    format!(
        "CASE WHEN c.received_at < {start} THEN {} ELSE {} END",
        month_of(binds, &starts[..middle], before),
        month_of(binds, &starts[middle + 1..], before + middle + 1)
    )
}

/// The SELECT list's dimensions and the GROUP BY list for a breakdown.
struct Dimensions {
    select: String,
    group_by: String,
    /// The period, on `c`.
    range: String,
    /// `BETWEEN` the period's case ids, for the tables joined to `c`.
    ids: String,
    /// The instants the month and the period name.
    binds: Binds,
}

/// The SQL naming a breakdown's dimensions for one query on `conn`. The
/// month is grouped by its place in the SELECT list (1), so its
/// expression and the instants in it are written once.
fn dimensions(conn: &DbConnection, scope: &Scope, breakdown: &Breakdown) -> Dimensions {
    let mut binds = Binds::for_connection(conn);
    let month = month_of(&mut binds, &breakdown.month_starts, 0);
    let channel = if breakdown.channel {
        "c.channel"
    } else {
        "CAST(NULL AS TEXT)"
    };
    let category = if breakdown.category {
        "c.category"
    } else {
        "CAST(NULL AS TEXT)"
    };
    let mut group_by = vec!["c.service_id"];
    if !breakdown.month_starts.is_empty() {
        group_by.push("1");
    }
    if breakdown.channel {
        group_by.push("c.channel");
    }
    if breakdown.category {
        group_by.push("c.category");
    }
    let range = format!(
        "c.received_at >= {} AND c.received_at < {} AND c.id BETWEEN {} AND {}",
        binds.at(scope.from),
        binds.at(scope.before),
        scope.ids.0,
        scope.ids.1
    );
    Dimensions {
        select: format!(
            "{month} AS month, c.service_id AS service, {channel} AS channel, {category} AS category"
        ),
        group_by: group_by.join(", "),
        range,
        ids: format!("BETWEEN {} AND {}", scope.ids.0, scope.ids.1),
        binds,
    }
}

// Each join starts from the cases received in the period (`cases c CROSS
// JOIN ...` with the join in WHERE): SQLite then reads that range of the
// report index and looks up each case's rows, instead of reading every
// stage or extension ever recorded; PostgreSQL plans the joins as usual.

/// Counts the stages of the cases received in the scope's period, grouped
/// by what the figures count, in the database: a report reads a few
/// thousand rows, not a row per stage. Every service is counted; the caller
/// keeps those the report covers.
pub fn stage_counts(
    conn: &mut DbConnection,
    scope: &Scope,
    breakdown: &Breakdown,
) -> QueryResult<Vec<StageCount>> {
    let Dimensions {
        select,
        group_by,
        range,
        ids,
        binds,
    } = dimensions(conn, scope, breakdown);
    binds
        .query(format!(
            "SELECT {select}, s.stage AS stage, \
         s.acknowledged_at IS NOT NULL AS acknowledged, \
         s.acknowledged_on_time AS acknowledged_on_time, \
         s.responded_at IS NOT NULL AS responded, \
         s.responded_on_time AS responded_on_time, s.outcome AS outcome, \
         s.working_days_taken AS working_days_taken, s.extended AS extended, COUNT(*) AS n \
         FROM cases c CROSS JOIN case_stages s \
         WHERE {range} AND s.case_id {ids} AND s.case_id = c.id \
         AND s.stage IN ('stage_1', 'stage_2') \
         GROUP BY {group_by}, s.stage, s.acknowledged_at IS NOT NULL, s.acknowledged_on_time, \
         s.responded_at IS NOT NULL, s.responded_on_time, s.outcome, s.working_days_taken, \
         s.extended"
        ))
        .load(conn)
}

/// Counts the cases received in the scope's period and their Ombudsman
/// referrals, as [`stage_counts`] counts their stages.
pub fn case_counts(
    conn: &mut DbConnection,
    scope: &Scope,
    breakdown: &Breakdown,
) -> QueryResult<(Vec<CaseCount>, Vec<ReferralCount>)> {
    let Dimensions {
        select,
        group_by,
        range,
        binds,
        ..
    } = dimensions(conn, scope, breakdown);
    let cases = binds
        .query(format!(
            "SELECT {select}, c.kind AS kind, c.triage_decision AS triage, COUNT(*) AS n \
             FROM cases c WHERE {range} \
             GROUP BY {group_by}, c.kind, c.triage_decision"
        ))
        .load(conn)?;
    // Each statement binds its own instants.
    let Dimensions {
        select,
        group_by,
        range,
        ids,
        binds,
    } = dimensions(conn, scope, breakdown);
    let referrals = binds
        .query(format!(
            "SELECT {select}, o.decision AS decision, COUNT(*) AS n \
         FROM ombudsman_referrals o JOIN cases c ON c.id = o.case_id \
         WHERE {range} AND o.case_id {ids} GROUP BY {group_by}, o.decision"
        ))
        .load(conn)?;
    Ok((cases, referrals))
}

/// Complaints upheld in whole or part at stage 1, by service and category.
pub fn upheld_at_stage_1(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<UpheldCount>> {
    let Dimensions {
        range, ids, binds, ..
    } = dimensions(conn, scope, &Breakdown::default());
    binds
        .query(format!(
            "SELECT c.service_id AS service, c.category AS category, COUNT(*) AS n \
         FROM cases c CROSS JOIN case_stages s \
         WHERE {range} AND s.case_id {ids} AND s.case_id = c.id AND s.stage = 'stage_1' \
         AND s.outcome IN ('upheld', 'partially_upheld') \
         GROUP BY c.service_id, c.category"
        ))
        .load(conn)
}

/// By service: the complaints with an investigator at both stages, and
/// those whose stage 2 investigator was someone else.
pub fn investigator_pairs(
    conn: &mut DbConnection,
    scope: &Scope,
) -> QueryResult<Vec<InvestigatorPairs>> {
    let Dimensions {
        range, ids, binds, ..
    } = dimensions(conn, scope, &Breakdown::default());
    binds
        .query(format!(
            "SELECT c.service_id AS service, COUNT(*) AS pairs, \
         SUM(CASE WHEN one.investigator <> two.investigator THEN 1 ELSE 0 END) AS different \
         FROM cases c CROSS JOIN case_stages two CROSS JOIN case_stages one \
         WHERE {range} AND two.case_id {ids} AND two.case_id = c.id AND two.stage = 'stage_2' \
         AND one.case_id {ids} AND one.case_id = c.id AND one.stage = 'stage_1' \
         AND one.investigator IS NOT NULL AND two.investigator IS NOT NULL \
         GROUP BY c.service_id"
        ))
        .load(conn)
}

/// A service's compliments passed to a member of staff known by id.
#[derive(Debug, Clone, QueryableByName)]
pub struct StaffComplimentCount {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub service: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub staff_id: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub n: i64,
}

/// The compliments of the period passed to each member of staff known by id, by service
/// (the services are chosen by the caller, as for [`upheld_at_stage_1`]).
pub fn compliments_by_staff(
    conn: &mut DbConnection,
    scope: &Scope,
) -> QueryResult<Vec<StaffComplimentCount>> {
    let Dimensions {
        range, ids, binds, ..
    } = dimensions(conn, scope, &Breakdown::default());
    binds
        .query(format!(
            "SELECT c.service_id AS service, s.staff_id AS staff_id, COUNT(*) AS n \
         FROM cases c CROSS JOIN feedback_staff s \
         WHERE {range} AND s.case_id {ids} AND s.case_id = c.id AND c.kind = 'compliment' \
         AND s.staff_id IS NOT NULL \
         GROUP BY c.service_id, s.staff_id"
        ))
        .load(conn)
}

/// The complaints of the scope about a worker's English language fluency (category
/// [`fluency::CATEGORY`]), and how many of them were referred to the worker's manager.
pub fn fluency_complaints(conn: &mut DbConnection, scope: &Scope) -> QueryResult<(i64, i64)> {
    let received: i64 = in_scope!(cases::table, scope)
        .filter(cases::kind.eq(Kind::Complaint.as_str()))
        .filter(cases::category.eq(fluency::CATEGORY))
        .count()
        .get_result(conn)?;
    let referred: i64 = in_scope!(
        case_flags::table.inner_join(cases::table.on(cases::id.eq(case_flags::case_id))),
        scope
    )
    .filter(cases::kind.eq(Kind::Complaint.as_str()))
    .filter(cases::category.eq(fluency::CATEGORY))
    .filter(case_flags::flag.eq(Flag::EnglishFluency.as_str()))
    .count()
    .get_result(conn)?;
    Ok((received, referred))
}

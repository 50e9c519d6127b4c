//! A complaint's formal stages, each with its own clock.

use super::native::Native;
use super::prepared::Kept;
use diesel::prelude::*;

use super::schema::case_stages;
use super::DbConnection;
use crate::domain::acknowledgement::AcknowledgementMethod;
use crate::domain::case::{Outcome, Stage};

/// A stage as stored.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = case_stages, treat_none_as_default_value = false)]
pub struct StageRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub case_id: i64,
    pub stage: Stage,
    pub opened_at: chrono::NaiveDateTime,
    pub acknowledgement_due: chrono::NaiveDate,
    pub acknowledged_at: Option<chrono::NaiveDateTime>,
    pub acknowledgement_method: Option<AcknowledgementMethod>,
    pub acknowledged_by: Option<String>,
    pub grade: Option<i32>,
    pub response_due: Option<chrono::NaiveDate>,
    pub investigator: Option<String>,
    pub assigned_by: Option<String>,
    pub assigned_at: Option<chrono::NaiveDateTime>,
    /// The response due date set at acknowledgement, before any extension.
    pub original_response_due: Option<chrono::NaiveDate>,
    pub outcome: Option<Outcome>,
    pub responded_at: Option<chrono::NaiveDateTime>,
    pub responded_on_time: Option<bool>,
    /// The last day the customer may ask for the next stage, where the policy has a window.
    pub escalation_window_closes: Option<chrono::NaiveDate>,
    /// Stage 2: who asked for it.
    pub requested_by: Option<String>,
    /// Stage 2: the grounds given (JSON list), where the policy asks for them.
    pub request_grounds: Option<String>,
    /// Stage 2: why the customer is dissatisfied.
    pub request_reason: Option<String>,
    /// Stage 2 asked for after the window: why the complaints manager accepted it.
    pub late_acceptance_reason: Option<String>,
    /// Acknowledged by its due date: recorded with the acknowledgement.
    pub acknowledged_on_time: Option<bool>,
    /// Working days from the stage's start (receipt for stage 1, the
    /// request for stage 2) to its response, by the council's calendar at
    /// the time: recorded with the response.
    pub working_days_taken: Option<i32>,
    /// An extension of its response time was agreed.
    pub extended: bool,
}

impl StageRow {
    /// A stage of case `case_id` opened at `at`, its acknowledgement due on
    /// `acknowledgement_due`, nothing else done yet.
    pub fn opened(
        case_id: i64,
        stage: crate::domain::case::Stage,
        at: chrono::NaiveDateTime,
        acknowledgement_due: chrono::NaiveDate,
    ) -> StageRow {
        StageRow {
            id: 0,
            case_id,
            stage,
            opened_at: at,
            acknowledgement_due,
            acknowledged_at: None,
            acknowledgement_method: None,
            acknowledged_by: None,
            grade: None,
            response_due: None,
            investigator: None,
            assigned_by: None,
            assigned_at: None,
            original_response_due: None,
            outcome: None,
            responded_at: None,
            responded_on_time: None,
            escalation_window_closes: None,
            requested_by: None,
            request_grounds: None,
            request_reason: None,
            late_acceptance_reason: None,
            acknowledged_on_time: None,
            working_days_taken: None,
            extended: false,
        }
    }
}

pub fn open(conn: &mut DbConnection, row: &StageRow) -> QueryResult<StageRow> {
    diesel::insert_into(case_stages::table)
        .values(row)
        .returning(case_stages::all_columns)
        .fetch(conn)
}

/// A case's stages in the order they were opened.
pub fn for_case(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<StageRow>> {
    case_stages::table
        .filter(case_stages::case_id.eq(case_id))
        .order(case_stages::id.asc())
        .fetch_all(conn)
}

/// A stage's acknowledgement as recorded.
pub struct Acknowledgement<'a> {
    pub at: chrono::NaiveDateTime,
    pub method: &'a str,
    pub by: &'a str,
    pub grade: Option<i32>,
    /// The response due date it sets.
    pub response_due: chrono::NaiveDate,
    /// By the acknowledgement due date.
    pub on_time: bool,
}

/// Records the acknowledgement of a stage and the response due date it sets.
pub fn acknowledge(
    conn: &mut DbConnection,
    stage_id: i64,
    ack: &Acknowledgement<'_>,
) -> QueryResult<StageRow> {
    Kept(
        diesel::update(case_stages::table.find(stage_id))
            .set((
                case_stages::acknowledged_at.eq(Some(ack.at)),
                case_stages::acknowledged_on_time.eq(Some(ack.on_time)),
                case_stages::acknowledgement_method.eq(Some(ack.method)),
                case_stages::acknowledged_by.eq(Some(ack.by)),
                case_stages::grade.eq(ack.grade),
                case_stages::response_due.eq(Some(ack.response_due)),
                case_stages::original_response_due.eq(Some(ack.response_due)),
            ))
            .returning(case_stages::all_columns),
    )
    .fetch(conn)
}

/// Records who investigates a stage.
pub fn assign(
    conn: &mut DbConnection,
    stage_id: i64,
    investigator: &str,
    by: &str,
    at: chrono::NaiveDateTime,
) -> QueryResult<StageRow> {
    Kept(
        diesel::update(case_stages::table.find(stage_id))
            .set((
                case_stages::investigator.eq(Some(investigator)),
                case_stages::assigned_by.eq(Some(by)),
                case_stages::assigned_at.eq(Some(at)),
            ))
            .returning(case_stages::all_columns),
    )
    .fetch(conn)
}

/// Moves a stage's response due date (an agreed extension).
pub fn extend(
    conn: &mut DbConnection,
    stage_id: i64,
    response_due: chrono::NaiveDate,
) -> QueryResult<StageRow> {
    Kept(
        diesel::update(case_stages::table.find(stage_id))
            .set((
                case_stages::response_due.eq(Some(response_due)),
                case_stages::extended.eq(true),
            ))
            .returning(case_stages::all_columns),
    )
    .fetch(conn)
}

/// Records that the stage's response was sent, with its outcome.
pub fn respond(
    conn: &mut DbConnection,
    stage_id: i64,
    outcome: Outcome,
    at: chrono::NaiveDateTime,
    on_time: bool,
    window_closes: Option<chrono::NaiveDate>,
    working_days_taken: Option<i32>,
) -> QueryResult<StageRow> {
    Kept(
        diesel::update(case_stages::table.find(stage_id))
            .set((
                case_stages::outcome.eq(Some(outcome)),
                case_stages::responded_at.eq(Some(at)),
                case_stages::responded_on_time.eq(Some(on_time)),
                case_stages::escalation_window_closes.eq(window_closes),
                case_stages::working_days_taken.eq(working_days_taken),
            ))
            .returning(case_stages::all_columns),
    )
    .fetch(conn)
}

/// Records the facts the reports count on the stages acknowledged or
/// answered before they were recorded (by the calendar of today): whether
/// the acknowledgement was on time, and the working days taken to answer.
/// Returns how many stages it filled in.
pub fn record_missing_facts(
    conn: &mut DbConnection,
    calendar: &crate::domain::calendar::Calendar,
) -> QueryResult<usize> {
    use super::schema::cases;
    use crate::domain::clock::uk_date;
    use crate::domain::performance::{stage_started, working_days_taken};
    let missing: Vec<(StageRow, chrono::NaiveDateTime)> = case_stages::table
        .inner_join(cases::table)
        .filter(
            case_stages::acknowledged_at
                .is_not_null()
                .and(case_stages::acknowledged_on_time.is_null())
                .or(case_stages::responded_at
                    .is_not_null()
                    .and(case_stages::working_days_taken.is_null())),
        )
        .select((case_stages::all_columns, cases::received_at))
        .fetch_all(conn)?;
    if missing.is_empty() {
        return Ok(0);
    }
    conn.transaction(|conn| {
        for (stage, received_at) in &missing {
            let on_time = stage
                .acknowledged_at
                .map(|at| uk_date(at) <= stage.acknowledgement_due);
            let taken = stage.responded_at.and_then(|responded| {
                let started =
                    stage_started(stage.stage, uk_date(*received_at), uk_date(stage.opened_at));
                working_days_taken(calendar, started, uk_date(responded))
            });
            diesel::update(case_stages::table.find(stage.id))
                .set((
                    case_stages::acknowledged_on_time.eq(on_time),
                    case_stages::working_days_taken.eq(taken),
                ))
                .run(conn)?;
        }
        Ok(missing.len())
    })
}

//! The reports' monthly projections as stored (see [`crate::domain::projection`]): each
//! case's lines, their sums by month, service, channel, category, kind and stage, and the
//! working days histogram. Kept up to date in the transaction of every change whose events
//! move a figure ([`refresh`], called as the events are appended), and rebuilt from the
//! cases by [`rebuild`] (see its module: in steps, resumable, while the service serves).

use std::collections::BTreeMap;

use diesel::prelude::*;

use super::native::Native;
use super::prepared::Kept;
use super::schema::{
    case_extensions, case_flags, case_stages, cases, feedback_staff, ombudsman_referrals,
    report_case_tallies, report_lines, report_month_days, report_month_total_days,
    report_month_totals, report_months, report_projection_state, report_tallies, surveys,
};
use super::together::{self, Write};
use super::{is_unique_violation, DbConnection};
use crate::domain::case::{Channel, Kind, Outcome, Stage};
use crate::domain::clock::uk_date;
use crate::domain::flag::Flag;
use crate::domain::projection::{
    self, CaseInput, Counters, Deltas, Key, Line, Measure, Part, ReferralInput, StageInput,
    SurveyInput, Tallies, TallyInput,
};
use crate::domain::triage::Decision;

mod rebuild;
pub use rebuild::{
    begin, rebuild, step, unfinished, Pace, Progress, Rebuilt, Start, CASES_PER_STEP,
};

/// A case's line as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Insertable, AsChangeset)]
#[diesel(
    table_name = report_lines,
    primary_key(case_id, stage, source_id),
    treat_none_as_default_value = false,
    treat_none_as_null = true
)]
pub struct LineRow {
    pub case_id: i64,
    pub stage: String,
    pub source_id: i64,
    pub month: String,
    pub service_id: String,
    pub channel: String,
    pub category: String,
    pub kind: String,
    pub n: i64,
    pub accepted: i64,
    pub resolved_informally: i64,
    pub service_requests: i64,
    pub excluded: i64,
    pub outside_remit: i64,
    pub out_of_time: i64,
    pub acknowledged: i64,
    pub acknowledged_on_time: i64,
    pub responded: i64,
    pub responded_on_time: i64,
    pub upheld: i64,
    pub partially_upheld: i64,
    pub not_upheld: i64,
    pub extended: i64,
    pub days_sum: i64,
    pub not_investigated: i64,
    pub premature: i64,
    pub upheld_fault: i64,
    pub days: Option<i64>,
}

/// A projection row: the sums of the lines of a (month, service, channel, category, kind,
/// stage).
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = report_months)]
pub struct MonthRow {
    pub month: String,
    pub service_id: String,
    pub channel: String,
    pub category: String,
    pub kind: String,
    pub stage: String,
    pub n: i64,
    pub accepted: i64,
    pub resolved_informally: i64,
    pub service_requests: i64,
    pub excluded: i64,
    pub outside_remit: i64,
    pub out_of_time: i64,
    pub acknowledged: i64,
    pub acknowledged_on_time: i64,
    pub responded: i64,
    pub responded_on_time: i64,
    pub upheld: i64,
    pub partially_upheld: i64,
    pub not_upheld: i64,
    pub extended: i64,
    pub days_sum: i64,
    pub not_investigated: i64,
    pub premature: i64,
    pub upheld_fault: i64,
}

/// A row of the totals: the monthly rows of a (month, service, kind, stage) added up over
/// channels and categories.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = report_month_totals)]
pub struct TotalRow {
    pub month: String,
    pub service_id: String,
    pub kind: String,
    pub stage: String,
    pub n: i64,
    pub accepted: i64,
    pub resolved_informally: i64,
    pub service_requests: i64,
    pub excluded: i64,
    pub outside_remit: i64,
    pub out_of_time: i64,
    pub acknowledged: i64,
    pub acknowledged_on_time: i64,
    pub responded: i64,
    pub responded_on_time: i64,
    pub upheld: i64,
    pub partially_upheld: i64,
    pub not_upheld: i64,
    pub extended: i64,
    pub days_sum: i64,
    pub not_investigated: i64,
    pub premature: i64,
    pub upheld_fault: i64,
}

/// How many stages of a row of the totals took `days` working days.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = report_month_total_days)]
pub struct TotalDayRow {
    pub month: String,
    pub service_id: String,
    pub kind: String,
    pub stage: String,
    pub days: i64,
    pub n: i64,
}

/// How many stages of a projection row took `days` working days.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = report_month_days)]
pub struct DayRow {
    pub month: String,
    pub service_id: String,
    pub channel: String,
    pub category: String,
    pub kind: String,
    pub stage: String,
    pub days: i64,
    pub n: i64,
}

/// Writes a [`Counters`] as the columns of a row type that has them all.
macro_rules! with_counters {
    ($row:ident { $($field:ident: $value:expr),* $(,)? }, $c:expr) => {{
        let c: &Counters = $c;
        $row {
            $($field: $value,)*
            n: c.n,
            accepted: c.accepted,
            resolved_informally: c.resolved_informally,
            service_requests: c.service_requests,
            excluded: c.excluded,
            outside_remit: c.outside_remit,
            out_of_time: c.out_of_time,
            acknowledged: c.acknowledged,
            acknowledged_on_time: c.acknowledged_on_time,
            responded: c.responded,
            responded_on_time: c.responded_on_time,
            upheld: c.upheld,
            partially_upheld: c.partially_upheld,
            not_upheld: c.not_upheld,
            extended: c.extended,
            days_sum: c.days_sum,
            not_investigated: c.not_investigated,
            premature: c.premature,
            upheld_fault: c.upheld_fault,
        }
    }};
}

/// Reads a row's counts back.
macro_rules! counters_of {
    ($row:expr) => {{
        let r = $row;
        Counters {
            n: r.n,
            accepted: r.accepted,
            resolved_informally: r.resolved_informally,
            service_requests: r.service_requests,
            excluded: r.excluded,
            outside_remit: r.outside_remit,
            out_of_time: r.out_of_time,
            acknowledged: r.acknowledged,
            acknowledged_on_time: r.acknowledged_on_time,
            responded: r.responded,
            responded_on_time: r.responded_on_time,
            upheld: r.upheld,
            partially_upheld: r.partially_upheld,
            not_upheld: r.not_upheld,
            extended: r.extended,
            days_sum: r.days_sum,
            not_investigated: r.not_investigated,
            premature: r.premature,
            upheld_fault: r.upheld_fault,
        }
    }};
}

impl LineRow {
    fn of(case_id: i64, line: &Line) -> LineRow {
        let k = &line.key;
        with_counters!(
            LineRow {
                case_id: case_id,
                stage: k.part.as_str().to_string(),
                source_id: line.source,
                month: k.month.clone(),
                service_id: k.service.clone(),
                channel: k.channel.clone(),
                category: k.category.clone(),
                kind: k.kind.clone(),
                days: line.days,
            },
            &line.counters
        )
    }

    fn line(&self) -> Option<Line> {
        Some(Line {
            key: Key {
                month: self.month.clone(),
                service: self.service_id.clone(),
                channel: self.channel.clone(),
                category: self.category.clone(),
                kind: self.kind.clone(),
                part: Part::parse(&self.stage)?,
            },
            source: self.source_id,
            counters: counters_of!(self),
            days: self.days,
        })
    }
}

impl MonthRow {
    fn of(key: &Key, counters: &Counters) -> MonthRow {
        with_counters!(
            MonthRow {
                month: key.month.clone(),
                service_id: key.service.clone(),
                channel: key.channel.clone(),
                category: key.category.clone(),
                kind: key.kind.clone(),
                stage: key.part.as_str().to_string(),
            },
            counters
        )
    }

    /// The row's key: `None` for a stage this code does not count.
    pub fn key(&self) -> Option<Key> {
        Some(Key {
            month: self.month.clone(),
            service: self.service_id.clone(),
            channel: self.channel.clone(),
            category: self.category.clone(),
            kind: self.kind.clone(),
            part: Part::parse(&self.stage)?,
        })
    }

    pub fn counters(&self) -> Counters {
        counters_of!(self)
    }
}

impl TotalRow {
    pub fn counters(&self) -> Counters {
        counters_of!(self)
    }

    fn of(key: &Key, counters: &Counters) -> TotalRow {
        with_counters!(
            TotalRow {
                month: key.month.clone(),
                service_id: key.service.clone(),
                kind: key.kind.clone(),
                stage: key.part.as_str().to_string(),
            },
            counters
        )
    }

    /// As a monthly row of no channel and no category (`""`).
    fn as_month_row(&self) -> MonthRow {
        with_counters!(
            MonthRow {
                month: self.month.clone(),
                service_id: self.service_id.clone(),
                channel: String::new(),
                category: String::new(),
                kind: self.kind.clone(),
                stage: self.stage.clone(),
            },
            &counters_of!(self)
        )
    }
}

impl TotalDayRow {
    fn of(key: &Key, days: i64, n: i64) -> TotalDayRow {
        TotalDayRow {
            month: key.month.clone(),
            service_id: key.service.clone(),
            kind: key.kind.clone(),
            stage: key.part.as_str().to_string(),
            days,
            n,
        }
    }

    fn as_day_row(&self) -> DayRow {
        DayRow {
            month: self.month.clone(),
            service_id: self.service_id.clone(),
            channel: String::new(),
            category: String::new(),
            kind: self.kind.clone(),
            stage: self.stage.clone(),
            days: self.days,
            n: self.n,
        }
    }
}

impl DayRow {
    fn of(key: &Key, days: i64, n: i64) -> DayRow {
        DayRow {
            month: key.month.clone(),
            service_id: key.service.clone(),
            channel: key.channel.clone(),
            category: key.category.clone(),
            kind: key.kind.clone(),
            stage: key.part.as_str().to_string(),
            days,
            n,
        }
    }

    pub fn key(&self) -> Option<Key> {
        Some(Key {
            month: self.month.clone(),
            service: self.service_id.clone(),
            channel: self.channel.clone(),
            category: self.category.clone(),
            kind: self.kind.clone(),
            part: Part::parse(&self.stage)?,
        })
    }
}

type CaseColumns = (
    i64,
    Kind,
    Channel,
    String,
    Option<String>,
    chrono::NaiveDateTime,
    Option<Decision>,
);

type StageColumns = (
    i64,
    i64,
    Stage,
    Option<chrono::NaiveDateTime>,
    Option<bool>,
    Option<chrono::NaiveDateTime>,
    Option<bool>,
    Option<Outcome>,
    Option<i32>,
    bool,
);

const CASE_COLUMNS: (
    cases::id,
    cases::kind,
    cases::channel,
    cases::service_id,
    cases::category,
    cases::received_at,
    cases::triage_decision,
) = (
    cases::id,
    cases::kind,
    cases::channel,
    cases::service_id,
    cases::category,
    cases::received_at,
    cases::triage_decision,
);

const STAGE_COLUMNS: (
    case_stages::id,
    case_stages::case_id,
    case_stages::stage,
    case_stages::acknowledged_at,
    case_stages::acknowledged_on_time,
    case_stages::responded_at,
    case_stages::responded_on_time,
    case_stages::outcome,
    case_stages::working_days_taken,
    case_stages::extended,
) = (
    case_stages::id,
    case_stages::case_id,
    case_stages::stage,
    case_stages::acknowledged_at,
    case_stages::acknowledged_on_time,
    case_stages::responded_at,
    case_stages::responded_on_time,
    case_stages::outcome,
    case_stages::working_days_taken,
    case_stages::extended,
);

fn case_input(row: &CaseColumns) -> CaseInput {
    let (_, kind, channel, service, category, received_at, triage) = row;
    CaseInput {
        kind: *kind,
        channel: channel.as_str().to_string(),
        service: service.clone(),
        category: category.clone(),
        received: uk_date(*received_at),
        triage: *triage,
    }
}

fn stage_input(row: &StageColumns) -> StageInput {
    let (id, _, stage, ack_at, ack_on_time, responded_at, on_time, outcome, taken, extended) = row;
    StageInput {
        id: *id,
        stage: *stage,
        acknowledged: ack_at.is_some(),
        acknowledged_on_time: *ack_on_time,
        responded: responded_at.is_some(),
        responded_on_time: *on_time,
        outcome: *outcome,
        working_days_taken: *taken,
        extended: *extended,
    }
}

const FORMAL_STAGES: [Stage; 2] = [Stage::Stage1, Stage::Stage2];

/// The lines case `case_id` (as read: `None` once it is gone) adds now, from what is
/// recorded on it. Its referrals are read only when `referrals` says they may count.
fn current_lines(
    conn: &mut DbConnection,
    case_id: i64,
    case: Option<&CaseColumns>,
    referrals: bool,
) -> QueryResult<Vec<Line>> {
    let Some(case) = case else {
        return Ok(Vec::new());
    };
    let stages: Vec<StageColumns> = case_stages::table
        .filter(case_stages::case_id.eq(case_id))
        .filter(
            case_stages::stage
                .eq(Stage::Stage1)
                .or(case_stages::stage.eq(Stage::Stage2)),
        )
        .select(STAGE_COLUMNS)
        .fetch_all(conn)?;
    let referrals: Vec<(i64, Option<String>)> = if referrals {
        ombudsman_referrals::table
            .filter(ombudsman_referrals::case_id.eq(case_id))
            .select((ombudsman_referrals::id, ombudsman_referrals::decision))
            .fetch_all(conn)?
    } else {
        Vec::new()
    };
    Ok(projection::lines(
        &case_input(case),
        &stages.iter().map(stage_input).collect::<Vec<_>>(),
        &referrals
            .into_iter()
            .map(|(id, decision)| ReferralInput { id, decision })
            .collect::<Vec<_>>(),
    ))
}

/// Adds a case just logged to the projections: it has no stage, referral or lines yet, so
/// only the case is read.
pub fn add_new_case(conn: &mut DbConnection, case_id: i64) -> QueryResult<()> {
    let Some(case): Option<CaseColumns> = cases::table
        .find(case_id)
        .select(CASE_COLUMNS)
        .first(conn)
        .optional()?
    else {
        return Ok(());
    };
    add_case(conn, case_id, &case_input(&case), &[]).map(|_| ())
}

/// [`add_new_case`] for a case the caller has just written, as written: nothing is read.
///
/// `along` are other writes of the case's logging, sent with the projections' own on
/// PostgreSQL ([`together`]): gives their rows changed.
pub fn add_case_as_written(
    conn: &mut DbConnection,
    row: &super::cases::CaseRow,
    along: &[&dyn Write],
) -> QueryResult<Vec<usize>> {
    let case = CaseInput {
        kind: row.kind,
        channel: row.channel.as_str().to_string(),
        service: row.service_id.clone(),
        category: row.category.clone(),
        received: uk_date(row.received_at),
        triage: row.triage_decision,
    };
    add_case(conn, row.id, &case, along)
}

fn add_case(
    conn: &mut DbConnection,
    case_id: i64,
    case: &CaseInput,
    along: &[&dyn Write],
) -> QueryResult<Vec<usize>> {
    let lines = projection::lines(case, &[], &[]);
    let rows: Vec<LineRow> = lines.iter().map(|l| LineRow::of(case_id, l)).collect();
    let inserts: Vec<_> = rows
        .iter()
        .map(|row| diesel::insert_into(report_lines::table).values(row))
        .collect();
    let mut writes = along.to_vec();
    writes.extend(inserts.iter().map(|i| i as &dyn Write));
    let mut changed = apply_along(conn, &writes, &Deltas::between(&[], &lines))?;
    add_new_case_tallies(conn, case_id, case)?;
    changed.truncate(along.len());
    Ok(changed)
}

/// What a change's events move on one case: its lines (`figures`; its referrals are read
/// when `referred`) and the tallies of `measures`.
#[derive(Debug, Clone, Default)]
pub struct Moved {
    pub figures: bool,
    pub referred: bool,
    pub measures: Vec<Measure>,
}

/// Brings case `case_id`'s lines and tallies up to date with what is recorded on it, as far
/// as `moved` says they may have moved, and adds the differences to the projections, in the
/// caller's transaction. Called as a change's events are appended, after the change is
/// written. The case is read once for both.
pub fn refresh(conn: &mut DbConnection, case_id: i64, moved: &Moved) -> QueryResult<()> {
    // Held on PostgreSQL until the change commits (a change that claimed the case's version
    // holds it already): a rebuild's step, which reads its cases `FOR SHARE`, and this refresh
    // each see what the other left (see the rebuild's module).
    let query = cases::table.find(case_id).select(CASE_COLUMNS);
    let case: Option<CaseColumns> = match conn {
        DbConnection::Pg(pg) => query.for_no_key_update().first(pg).optional()?,
        DbConnection::Sqlite(sqlite) => query.first(sqlite).optional()?,
    };
    if moved.figures {
        refresh_lines(conn, case_id, case.as_ref(), moved.referred)?;
    }
    match &case {
        Some(case) if !moved.measures.is_empty() => {
            refresh_tallies(conn, case_id, case, &moved.measures)
        }
        _ => Ok(()),
    }
}

/// Brings the case's lines up to date. Its referrals are read when `referred` (the change
/// was a referral or its decision) or when it has some counted already: nothing else adds
/// one.
fn refresh_lines(
    conn: &mut DbConnection,
    case_id: i64,
    case: Option<&CaseColumns>,
    referred: bool,
) -> QueryResult<()> {
    let stored: Vec<LineRow> = report_lines::table
        .filter(report_lines::case_id.eq(case_id))
        .fetch_all(conn)?;
    let referrals = referred || stored.iter().any(|l| l.stage == Part::Ombudsman.as_str());
    let new = current_lines(conn, case_id, case, referrals)?;
    let old: Vec<Line> = stored.iter().filter_map(LineRow::line).collect();
    if old.len() != stored.len() {
        return Err(diesel::result::Error::DeserializationError(
            format!("case {case_id} has a report line of a stage this code does not count").into(),
        ));
    }
    // Each line written as it changed: (stage, source) names it.
    let named = |line: &Line| (line.key.part, line.source);
    for line in &old {
        if !new.iter().any(|n| named(n) == named(line)) {
            diesel::delete(report_lines::table.find((
                case_id,
                line.key.part.as_str(),
                line.source,
            )))
            .run(conn)?;
        }
    }
    for line in &new {
        let row = LineRow::of(case_id, line);
        match old.iter().find(|o| named(o) == named(line)) {
            Some(before) if before == line => {}
            // Updated where it is, inserted where not: on PostgreSQL a rebuild that committed
            // while this change waited has replaced the row this change read.
            Some(_) => upsert(
                conn,
                |conn| {
                    Kept(
                        diesel::update(report_lines::table.find((
                            case_id,
                            line.key.part.as_str(),
                            line.source,
                        )))
                        .set(&row),
                    )
                    .run(conn)
                },
                |conn| {
                    diesel::insert_into(report_lines::table)
                        .values(row.clone())
                        .run(conn)
                },
            )?,
            None => {
                diesel::insert_into(report_lines::table)
                    .values(row)
                    .run(conn)?;
            }
        }
    }
    apply(conn, &Deltas::between(&old, &new))
}

/// Adds the deltas to the projections, row by row in key order: concurrent changes on
/// PostgreSQL lock the rows they share in the same order, so they queue rather than deadlock.
/// The totals (channel and category left out) are added to after, in the same way. A row is
/// made where there is none yet ([`AddTo`]).
pub fn apply(conn: &mut DbConnection, deltas: &Deltas) -> QueryResult<()> {
    apply_along(conn, &[], deltas).map(|_| ())
}

/// [`apply`], with `along` sent first in the same statement on PostgreSQL ([`together`]), each
/// addition to a row one part of it. Gives every part's rows changed, `along`'s first.
fn apply_along(
    conn: &mut DbConnection,
    along: &[&dyn Write],
    deltas: &Deltas,
) -> QueryResult<Vec<usize>> {
    let totals = deltas.totals();
    let months: Vec<AddTo<Months>> = deltas
        .months
        .iter()
        .map(|(key, c)| AddTo::new(fine_key(key), None, Added::Counters(c)))
        .collect();
    let days: Vec<AddTo<MonthDays>> = deltas
        .days
        .iter()
        .map(|((key, days), n)| AddTo::new(fine_key(key), Some(days), Added::N(n)))
        .collect();
    let total_months: Vec<AddTo<Totals>> = totals
        .months
        .iter()
        .map(|(key, c)| AddTo::new(total_key(key), None, Added::Counters(c)))
        .collect();
    let total_days: Vec<AddTo<TotalDays>> = totals
        .days
        .iter()
        .map(|((key, days), n)| AddTo::new(total_key(key), Some(days), Added::N(n)))
        .collect();
    let mut writes = along.to_vec();
    writes.extend(months.iter().map(|a| a as &dyn Write));
    writes.extend(days.iter().map(|a| a as &dyn Write));
    writes.extend(total_months.iter().map(|a| a as &dyn Write));
    writes.extend(total_days.iter().map(|a| a as &dyn Write));
    together::run(conn, &writes)
}

/// Tries `update` (rows changed); where there is no row yet, `insert` in a savepoint, and on
/// losing a race to insert it, `update` again.
fn upsert(
    conn: &mut DbConnection,
    mut update: impl FnMut(&mut DbConnection) -> QueryResult<usize>,
    mut insert: impl FnMut(&mut DbConnection) -> QueryResult<usize>,
) -> QueryResult<()> {
    for _ in 0..3 {
        if update(conn)? > 0 {
            return Ok(());
        }
        match conn.transaction(&mut insert) {
            Ok(_) => return Ok(()),
            Err(e) if is_unique_violation(&e) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(diesel::result::Error::NotFound)
}

/// A table of sums the projections add to: its name, its key's text columns in the order
/// of its primary key, whether the key ends with `days`, and whether its counts are the
/// [`Counters`] (otherwise its one count is `n`).
trait SumsTable: 'static {
    const NAME: &'static str;
    const KEY: &'static [&'static str];
    const DAYS: bool;
    const COUNTERS: bool;
}

macro_rules! sums_table {
    ($marker:ident, $name:literal, [$($key:literal),*], days: $days:literal, counters: $counters:literal) => {
        #[derive(Debug, Clone, Copy)]
        struct $marker;
        impl SumsTable for $marker {
            const NAME: &'static str = $name;
            const KEY: &'static [&'static str] = &[$($key),*];
            const DAYS: bool = $days;
            const COUNTERS: bool = $counters;
        }
    };
}

sums_table!(Months, "report_months", ["month", "service_id", "channel", "category", "kind", "stage"], days: false, counters: true);
sums_table!(MonthDays, "report_month_days", ["month", "service_id", "channel", "category", "kind", "stage"], days: true, counters: false);
sums_table!(Totals, "report_month_totals", ["month", "service_id", "kind", "stage"], days: false, counters: true);
sums_table!(TotalDays, "report_month_total_days", ["month", "service_id", "kind", "stage"], days: true, counters: false);
sums_table!(TallySums, "report_tallies", ["month", "measure", "service_id", "value"], days: false, counters: false);

/// The count columns of `report_months` and `report_month_totals`, with `c`'s values.
fn counter_columns(c: &Counters) -> [(&'static str, &i64); 19] {
    [
        ("n", &c.n),
        ("accepted", &c.accepted),
        ("resolved_informally", &c.resolved_informally),
        ("service_requests", &c.service_requests),
        ("excluded", &c.excluded),
        ("outside_remit", &c.outside_remit),
        ("out_of_time", &c.out_of_time),
        ("acknowledged", &c.acknowledged),
        ("acknowledged_on_time", &c.acknowledged_on_time),
        ("responded", &c.responded),
        ("responded_on_time", &c.responded_on_time),
        ("upheld", &c.upheld),
        ("partially_upheld", &c.partially_upheld),
        ("not_upheld", &c.not_upheld),
        ("extended", &c.extended),
        ("days_sum", &c.days_sum),
        ("not_investigated", &c.not_investigated),
        ("premature", &c.premature),
        ("upheld_fault", &c.upheld_fault),
    ]
}

/// What an [`AddTo`] adds: every counter, or to `n` alone.
#[derive(Debug, Clone, Copy)]
enum Added<'a> {
    Counters(&'a Counters),
    N(&'a i64),
}

/// `INSERT INTO <table> (<key>, <counts>) VALUES (...) ON CONFLICT (<key>) DO UPDATE SET
/// n = <table>.n + excluded.n, ...`: adding to one row of a table of sums, made where there is
/// none yet. One statement whether or not the row exists, on both backends (PostgreSQL and
/// SQLite share the syntax): no second try, no savepoint, and no race to make the row, as
/// concurrent intakes on PostgreSQL wait for each other's row on its key. Written out, one
/// text for each table, because diesel prepares every `update` afresh and its `on_conflict`
/// is not offered on the multi-backend connection: this runs in every create and change,
/// and stays prepared ([`super::prepared`]). Run natively ([`super::native`]), or with others
/// ([`together`]).
#[derive(Debug, Clone)]
struct AddTo<'a, T> {
    key: Vec<&'a str>,
    days: Option<&'a i64>,
    added: Added<'a>,
    table: std::marker::PhantomData<T>,
}

impl<'a, T: SumsTable> AddTo<'a, T> {
    fn new(
        key: impl IntoIterator<Item = &'a str>,
        days: Option<&'a i64>,
        added: Added<'a>,
    ) -> AddTo<'a, T> {
        let key: Vec<&str> = key.into_iter().collect();
        debug_assert_eq!(key.len(), T::KEY.len());
        debug_assert_eq!(days.is_some(), T::DAYS);
        debug_assert_eq!(matches!(added, Added::Counters(_)), T::COUNTERS);
        AddTo {
            key,
            days,
            added,
            table: std::marker::PhantomData,
        }
    }
}

impl<T: SumsTable> diesel::query_builder::QueryId for AddTo<'_, T> {
    type QueryId = AddTo<'static, T>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<T, DB> diesel::query_builder::QueryFragment<DB> for AddTo<'_, T>
where
    T: SumsTable,
    DB: diesel::backend::Backend
        + diesel::sql_types::HasSqlType<diesel::sql_types::Text>
        + diesel::sql_types::HasSqlType<diesel::sql_types::BigInt>,
    str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
    i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{BigInt, Text};
        let counts: Vec<(&str, &i64)> = match self.added {
            Added::Counters(c) => counter_columns(c).to_vec(),
            Added::N(n) => vec![("n", n)],
        };
        let key_columns = || T::KEY.iter().copied().chain(self.days.map(|_| "days"));
        out.push_sql("INSERT INTO ");
        out.push_sql(T::NAME);
        out.push_sql(" (");
        for (i, column) in key_columns()
            .chain(counts.iter().map(|(c, _)| *c))
            .enumerate()
        {
            if i > 0 {
                out.push_sql(", ");
            }
            out.push_sql(column);
        }
        out.push_sql(") VALUES (");
        for (i, value) in self.key.iter().enumerate() {
            if i > 0 {
                out.push_sql(", ");
            }
            out.push_bind_param::<Text, str>(value)?;
        }
        if let Some(days) = self.days {
            out.push_sql(", ");
            out.push_bind_param::<BigInt, i64>(days)?;
        }
        for (_, value) in &counts {
            out.push_sql(", ");
            out.push_bind_param::<BigInt, i64>(value)?;
        }
        out.push_sql(") ON CONFLICT (");
        for (i, column) in key_columns().enumerate() {
            if i > 0 {
                out.push_sql(", ");
            }
            out.push_sql(column);
        }
        out.push_sql(") DO UPDATE SET ");
        for (i, (column, _)) in counts.iter().enumerate() {
            if i > 0 {
                out.push_sql(", ");
            }
            out.push_sql(column);
            out.push_sql(" = ");
            out.push_sql(T::NAME);
            out.push_sql(".");
            out.push_sql(column);
            out.push_sql(" + excluded.");
            out.push_sql(column);
        }
        Ok(())
    }
}

impl<T, Conn> RunQueryDsl<Conn> for AddTo<'_, T> {}

/// A row's key as the finer tables of sums take it: month, service, channel, category, kind,
/// stage.
fn fine_key(key: &Key) -> [&str; 6] {
    [
        &key.month,
        &key.service,
        &key.channel,
        &key.category,
        &key.kind,
        key.part.as_str(),
    ]
}

/// A row's key as the totals take it: month, service, kind, stage.
fn total_key(key: &Key) -> [&str; 4] {
    [&key.month, &key.service, &key.kind, key.part.as_str()]
}

/// How a report reads the projections of its whole months: as finely as it breaks down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// The totals (rows of no channel and no category).
    Totals,
    /// The totals, with the complaints received by channel and category instead of in all:
    /// for the digest, which ranks the categories complained about.
    ComplaintCategories,
    /// Every row by channel and category.
    Finest,
}

/// The projection rows and working days histogram of the months from `first` to `last`
/// (`2026-04`), both included, read as `reading` says. Rows every line has left (a case
/// moved to another service) count nothing and are left out: a row's `n` counts its lines.
pub fn months(
    conn: &mut DbConnection,
    first: &str,
    last: &str,
    reading: Reading,
) -> QueryResult<(Vec<MonthRow>, Vec<DayRow>)> {
    if reading != Reading::Finest {
        let received = report_month_totals::stage
            .eq(Part::Received.as_str())
            .and(report_month_totals::kind.eq(Kind::Complaint.as_str()));
        let mut query = report_month_totals::table
            .filter(report_month_totals::month.ge(first))
            .filter(report_month_totals::month.le(last))
            .filter(report_month_totals::n.ne(0))
            .into_boxed();
        let mut categories = Vec::new();
        if reading == Reading::ComplaintCategories {
            query = query.filter(diesel::dsl::not(received));
            categories = report_months::table
                .filter(report_months::month.ge(first))
                .filter(report_months::month.le(last))
                .filter(report_months::stage.eq(Part::Received.as_str()))
                .filter(report_months::kind.eq(Kind::Complaint.as_str()))
                .filter(report_months::n.ne(0))
                .fetch_all(conn)?;
        }
        let rows: Vec<TotalRow> = query.load(conn)?;
        let days: Vec<TotalDayRow> = report_month_total_days::table
            .filter(report_month_total_days::month.ge(first))
            .filter(report_month_total_days::month.le(last))
            .filter(report_month_total_days::n.ne(0))
            .fetch_all(conn)?;
        let mut rows: Vec<MonthRow> = rows.iter().map(TotalRow::as_month_row).collect();
        rows.extend(categories);
        return Ok((rows, days.iter().map(TotalDayRow::as_day_row).collect()));
    }
    let rows = report_months::table
        .filter(report_months::month.ge(first))
        .filter(report_months::month.le(last))
        .filter(report_months::n.ne(0))
        .fetch_all(conn)?;
    let days = report_month_days::table
        .filter(report_month_days::month.ge(first))
        .filter(report_month_days::month.le(last))
        .filter(report_month_days::n.ne(0))
        .fetch_all(conn)?;
    Ok((rows, days))
}

/// A case's tally as stored: `n` times (measure, value), in its month and lead service.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Insertable)]
#[diesel(table_name = report_case_tallies)]
pub struct CaseTallyRow {
    pub case_id: i64,
    pub measure: String,
    pub value: String,
    pub month: String,
    pub service_id: String,
    pub n: i64,
}

/// A tally's sum over the cases of a (month, lead service).
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = report_tallies)]
pub struct TallyRow {
    pub month: String,
    pub service_id: String,
    pub measure: String,
    pub value: String,
    pub n: i64,
}

/// Where a tally is added up: (month, measure, service, value), the table's key order.
type TallyKey = (String, Measure, String, String);

/// A case's tallies placed in its month and lead service.
fn placed(case: &CaseInput, tallies: &Tallies) -> BTreeMap<TallyKey, i64> {
    let month = projection::month_key(case.received);
    tallies
        .iter()
        .map(|((measure, value), n)| {
            (
                (month.clone(), *measure, case.service.clone(), value.clone()),
                *n,
            )
        })
        .collect()
}

/// The procedure an exclusion's triage details name, if they name one.
fn procedure_of(details: Option<&str>) -> Option<String> {
    let details: serde_json::Value = serde_json::from_str(details?).ok()?;
    details["procedure"].as_str().map(String::from)
}

type SurveyColumns = (
    i64,
    String,
    Stage,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

const SURVEY_COLUMNS: (
    surveys::case_id,
    surveys::service_id,
    surveys::stage,
    surveys::easy_to_complain,
    surveys::kept_informed,
    surveys::response_clear,
    surveys::treated_fairly,
) = (
    surveys::case_id,
    surveys::service_id,
    surveys::stage,
    surveys::easy_to_complain,
    surveys::kept_informed,
    surveys::response_clear,
    surveys::treated_fairly,
);

fn survey_input(row: SurveyColumns) -> SurveyInput {
    let (_, service, stage, easy, informed, clear, fair) = row;
    SurveyInput {
        service,
        stage,
        ratings: [easy, informed, clear, fair],
    }
}

/// What cases `lo..=hi` are tallied by, for `measures`, by case (the exclusion's procedure
/// is read for the excluded cases only).
fn tally_inputs(
    conn: &mut DbConnection,
    (lo, hi): (i64, i64),
    measures: &[Measure],
) -> QueryResult<BTreeMap<i64, TallyInput>> {
    let mut inputs: BTreeMap<i64, TallyInput> = BTreeMap::new();
    if measures.contains(&Measure::Exclusion) {
        let rows: Vec<(i64, Option<String>)> = cases::table
            .filter(cases::id.between(lo, hi))
            .filter(cases::triage_decision.eq(Decision::Excluded))
            .select((cases::id, cases::triage_details))
            .fetch_all(conn)?;
        for (id, details) in rows {
            inputs.entry(id).or_default().exclusion = Some(procedure_of(details.as_deref()));
        }
    }
    if measures.contains(&Measure::Investigators) {
        let rows: Vec<(i64, Stage, Option<String>)> = case_stages::table
            .filter(case_stages::case_id.between(lo, hi))
            .filter(case_stages::stage.eq_any(FORMAL_STAGES))
            .filter(case_stages::investigator.is_not_null())
            .order(case_stages::id.asc())
            .select((
                case_stages::case_id,
                case_stages::stage,
                case_stages::investigator,
            ))
            .fetch_all(conn)?;
        for (id, stage, investigator) in rows {
            if let Some(investigator) = investigator {
                inputs
                    .entry(id)
                    .or_default()
                    .investigators
                    .push((stage, investigator));
            }
        }
    }
    if measures.contains(&Measure::Extension) {
        let rows: Vec<(i64, Stage, i32, bool)> = case_extensions::table
            .inner_join(case_stages::table)
            .filter(case_extensions::case_id.between(lo, hi))
            .filter(case_extensions::status.eq("agreed"))
            .order(case_extensions::id.asc())
            .select((
                case_extensions::case_id,
                case_stages::stage,
                case_extensions::working_days_beyond_original,
                case_extensions::customer_agreed,
            ))
            .fetch_all(conn)?;
        for (id, stage, days, agreed) in rows {
            inputs
                .entry(id)
                .or_default()
                .extensions
                .push((stage, days, agreed));
        }
    }
    if measures.contains(&Measure::Survey) {
        let rows: Vec<SurveyColumns> = surveys::table
            .filter(surveys::case_id.between(lo, hi))
            .filter(surveys::answered_at.is_not_null())
            .order(surveys::id.asc())
            .select(SURVEY_COLUMNS)
            .fetch_all(conn)?;
        for row in rows {
            inputs
                .entry(row.0)
                .or_default()
                .surveys
                .push(survey_input(row));
        }
    }
    if measures.contains(&Measure::StaffCompliment) {
        let rows: Vec<(i64, Option<String>)> = feedback_staff::table
            .filter(feedback_staff::case_id.between(lo, hi))
            .filter(feedback_staff::staff_id.is_not_null())
            .order(feedback_staff::id.asc())
            .select((feedback_staff::case_id, feedback_staff::staff_id))
            .fetch_all(conn)?;
        for (id, staff) in rows {
            if let Some(staff) = staff {
                inputs.entry(id).or_default().staff.push(staff);
            }
        }
    }
    if measures.contains(&Measure::UpheldAtStage1) {
        let rows: Vec<i64> = case_stages::table
            .filter(case_stages::case_id.between(lo, hi))
            .filter(case_stages::stage.eq(Stage::Stage1))
            .filter(case_stages::responded_at.is_not_null())
            .filter(case_stages::outcome.eq_any([Outcome::Upheld, Outcome::PartiallyUpheld]))
            .select(case_stages::case_id)
            .fetch_all(conn)?;
        for id in rows {
            inputs.entry(id).or_default().upheld_at_stage_1 += 1;
        }
    }
    if measures.contains(&Measure::Fluency) {
        let rows: Vec<i64> = case_flags::table
            .filter(case_flags::case_id.between(lo, hi))
            .filter(case_flags::flag.eq(Flag::EnglishFluency.as_str()))
            .select(case_flags::case_id)
            .fetch_all(conn)?;
        for id in rows {
            inputs.entry(id).or_default().fluency_referrals += 1;
        }
    }
    Ok(inputs)
}

/// Adds a case just logged to the tallies, from the case alone (nothing else is recorded on
/// it yet): most cases add none, and write nothing.
fn add_new_case_tallies(
    conn: &mut DbConnection,
    case_id: i64,
    case: &CaseInput,
) -> QueryResult<()> {
    let tallies = projection::tallies(case, &TallyInput::default(), &Measure::ALL);
    if tallies.is_empty() {
        return Ok(());
    }
    write_case_tallies(conn, case_id, case, &[], &tallies)?;
    apply_tallies(conn, &placed(case, &tallies))
}

/// Brings the case's tallies of `measures` up to date with what is recorded on it, and adds
/// the difference to their sums.
fn refresh_tallies(
    conn: &mut DbConnection,
    case_id: i64,
    case: &CaseColumns,
    measures: &[Measure],
) -> QueryResult<()> {
    let case = case_input(case);
    // Only those that can count this case (its kind and category never change): a flag
    // raised on a case not about fluency reads nothing more.
    let measures: Vec<Measure> = measures
        .iter()
        .copied()
        .filter(|m| m.can_count(case.kind, case.category.as_deref()))
        .collect();
    if measures.is_empty() {
        return Ok(());
    }
    let measures = measures.as_slice();
    let names: Vec<&str> = measures.iter().map(|m| m.as_str()).collect();
    let stored: Vec<CaseTallyRow> = report_case_tallies::table
        .filter(report_case_tallies::case_id.eq(case_id))
        .filter(report_case_tallies::measure.eq_any(names))
        .fetch_all(conn)?;
    let mut old: BTreeMap<(Measure, String), (String, String, i64)> = BTreeMap::new();
    for row in stored {
        let measure = Measure::parse(&row.measure).ok_or_else(|| {
            diesel::result::Error::DeserializationError(
                format!("case {case_id} has a tally of measure `{}`", row.measure).into(),
            )
        })?;
        old.insert((measure, row.value), (row.month, row.service_id, row.n));
    }
    let old_placed: BTreeMap<TallyKey, i64> = old
        .iter()
        .map(|((measure, value), (month, service, n))| {
            (
                (month.clone(), *measure, service.clone(), value.clone()),
                *n,
            )
        })
        .collect();
    // A case not excluded has no procedure to read (an exclusion it had is taken away).
    let read: Vec<Measure> = measures
        .iter()
        .copied()
        .filter(|m| *m != Measure::Exclusion || case.triage == Some(Decision::Excluded))
        .collect();
    let input = tally_inputs(conn, (case_id, case_id), &read)?
        .remove(&case_id)
        .unwrap_or_default();
    let new = projection::tallies(&case, &input, measures);
    let deltas = projection::differences(&old_placed, &placed(&case, &new));
    if deltas.is_empty() {
        return Ok(());
    }
    let month = projection::month_key(case.received);
    let unchanged = |key: &(Measure, String), n: i64| {
        old.get(key)
            .is_some_and(|(m, s, was)| *m == month && *s == case.service && *was == n)
    };
    let gone: Vec<(Measure, String)> = old
        .keys()
        .filter(|key| !new.contains_key(*key))
        .cloned()
        .collect();
    let changed: Tallies = new
        .iter()
        .filter(|(key, n)| !unchanged(key, **n))
        .map(|(key, n)| (key.clone(), *n))
        .collect();
    write_case_tallies(conn, case_id, &case, &gone, &changed)?;
    apply_tallies(conn, &deltas)
}

/// Deletes a case's stored tallies that are `gone`, and writes those `changed` or added.
fn write_case_tallies(
    conn: &mut DbConnection,
    case_id: i64,
    case: &CaseInput,
    gone: &[(Measure, String)],
    new: &Tallies,
) -> QueryResult<()> {
    use report_case_tallies::dsl as t;
    for (measure, value) in gone {
        diesel::delete(t::report_case_tallies.find((case_id, measure.as_str(), value)))
            .run(conn)?;
    }
    let month = projection::month_key(case.received);
    for ((measure, value), n) in new {
        let row = CaseTallyRow {
            case_id,
            measure: measure.as_str().to_string(),
            value: value.clone(),
            month: month.clone(),
            service_id: case.service.clone(),
            n: *n,
        };
        upsert(
            conn,
            |conn| {
                diesel::update(t::report_case_tallies.find((case_id, measure.as_str(), value)))
                    .set((
                        t::month.eq(&row.month),
                        t::service_id.eq(&row.service_id),
                        t::n.eq(row.n),
                    ))
                    .run(conn)
            },
            |conn| {
                diesel::insert_into(t::report_case_tallies)
                    .values(row.clone())
                    .run(conn)
            },
        )?;
    }
    Ok(())
}

/// Adds tallies' differences to their sums, row by row in key order (as [`apply`]).
fn apply_tallies(conn: &mut DbConnection, deltas: &BTreeMap<TallyKey, i64>) -> QueryResult<()> {
    for ((month, measure, service, value), n) in deltas {
        let key = [
            month.as_str(),
            measure.as_str(),
            service.as_str(),
            value.as_str(),
        ];
        AddTo::<TallySums>::new(key, None, Added::N(n)).run(conn)?;
    }
    Ok(())
}

/// The tallies of `measure` in the months from `first` to `last` (`2026-04`), both
/// included, of `services` (`None`: all); those every case has left count nothing and are
/// left out.
pub fn tallies(
    conn: &mut DbConnection,
    (first, last): (&str, &str),
    measure: Measure,
    services: Option<&[String]>,
) -> QueryResult<Vec<TallyRow>> {
    let mut query = report_tallies::table
        .filter(report_tallies::month.ge(first))
        .filter(report_tallies::month.le(last))
        .filter(report_tallies::measure.eq(measure.as_str()))
        .filter(report_tallies::n.ne(0))
        .into_boxed();
    if let Some(services) = services {
        query = query.filter(report_tallies::service_id.eq_any(services.to_vec()));
    }
    query.load(conn)
}

/// Whether the projections are those of this code and count every case: built by the same
/// fingerprint, no rebuild unfinished, with as many cases received in them (the monthly rows,
/// and their totals) as there are cases.
pub fn up_to_date(conn: &mut DbConnection) -> QueryResult<bool> {
    if rebuild::unfinished(conn)? {
        return Ok(false);
    }
    let fingerprint: Option<String> = report_projection_state::table
        .find(1)
        .select(report_projection_state::fingerprint)
        .first(conn)
        .optional()?;
    if fingerprint.as_deref() != Some(projection::FINGERPRINT) {
        return Ok(false);
    }
    let cases: i64 = cases::table.count().fetch(conn)?;
    let counted: Vec<i64> = report_months::table
        .filter(report_months::stage.eq(Part::Received.as_str()))
        .select(report_months::n)
        .fetch_all(conn)?;
    let in_totals: Vec<i64> = report_month_totals::table
        .filter(report_month_totals::stage.eq(Part::Received.as_str()))
        .select(report_month_totals::n)
        .fetch_all(conn)?;
    Ok(counted.iter().sum::<i64>() == cases && in_totals.iter().sum::<i64>() == cases)
}

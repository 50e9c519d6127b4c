//! The rebuild of the report projections from the cases (issue 17, item 3): in steps, each
//! its own short transaction, recording how far it has come in `report_rebuild`, so that it
//! can be stopped at any point and resumed, and run while the service serves, on several
//! instances (and the command) at once.
//!
//! 1. **Lines** (`lines`): the cases in id order, [`CASES_PER_STEP`] at a time. A step works
//!    out each case's lines and tallies from what is recorded on it, compares them with those
//!    stored, and rewrites the cases' whose differ; stored lines of cases that are gone are
//!    deleted. The sums are left alone in this phase.
//! 2. **Sums** (`sums`): by month and service, the lines' sums (`report_months`, their days,
//!    their totals and the totals' days) are added up again from the lines, and the rows that
//!    differ are written (deleted where nothing counts any more). A step takes as many
//!    (month, service) groups as make about [`CASES_PER_STEP`] cases.
//! 3. **Tallies** (`tallies`): the same for the tallies' sums, from the cases' tallies.
//!
//! The fingerprint is written, and the rebuild's row deleted, by the step that finishes.
//!
//! **Against the changes made meanwhile.** A change to a case holds the case's row (its
//! version claimed, or the row read for update by [`super::refresh`]) while it rewrites the
//! case's lines and adds their difference to the sums. On PostgreSQL a lines step reads its
//! cases `FOR SHARE`: it waits for a change in flight on one of them to commit and then reads
//! what it left, and a change that comes after waits for the step to commit and then reads the
//! lines the step wrote. A sums step locks the tables of sums it adds up (`EXCLUSIVE`: reports
//! still read them) before it reads the lines: a change that has added to them has committed,
//! and its lines are read; one that has not yet adds its difference after the step, to the
//! sums the step wrote, which did not count its lines. Changes take the lines' sums in the
//! order `report_months` first, and a step takes the tallies' sums on their own, so neither
//! waits for the other in a cycle. On SQLite every step takes the writer's turn first and
//! holds it for its length (milliseconds): changes queue behind it as behind one another.
//!
//! **While it runs**, the reports read the sums as they were until the sums phase reaches
//! their month: each case is counted once throughout, by the lines as stored before (and as
//! the changes since left them).

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use diesel::prelude::*;

use super::super::native::Native;
use super::super::schema::{
    case_stages, cases, ombudsman_referrals, report_case_tallies, report_lines, report_month_days,
    report_month_total_days, report_month_totals, report_months, report_projection_state,
    report_rebuild, report_tallies, services,
};
use super::super::{is_unique_violation, DbConnection};
use super::{
    case_input, stage_input, tally_inputs, CaseColumns, CaseTallyRow, DayRow, LineRow, MonthRow,
    StageColumns, TallyRow, TotalDayRow, TotalRow, CASE_COLUMNS, FORMAL_STAGES, STAGE_COLUMNS,
};
use crate::domain::clock::{uk_date, uk_midnight_utc};
use crate::domain::projection::{self, Deltas, Measure, ReferralInput, StageInput};

/// Cases a lines step reads (and, on PostgreSQL, holds) at a time.
pub const CASES_PER_STEP: i64 = 1_000;
/// Rows a step inserts, or names, per statement (within SQLite's bound parameters).
const ROWS_PER_STATEMENT: usize = 500;
/// Times a step is tried again when PostgreSQL chose it to break a deadlock with a change.
const TRIES: usize = 5;

/// Inserts rows, [`ROWS_PER_STATEMENT`] to a statement.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        for chunk in $rows.chunks(ROWS_PER_STATEMENT) {
            diesel::insert_into($table)
                .values(chunk.to_vec())
                .run($conn)?;
        }
    };
}

/// Where a rebuild begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Where an unfinished rebuild by this code stopped; from the first case when there is
    /// none.
    Resume,
    /// From the first case, whatever is unfinished (the cases' facts have just changed).
    Afresh,
}

/// What a rebuild did, from its first step (and what its steps so far have done, while it
/// is unfinished).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rebuilt {
    /// Cases read.
    pub cases: u64,
    /// Cases whose stored lines or tallies differed and were written again.
    pub rewritten: u64,
    /// Rows of sums written or deleted because they differed.
    pub sums: u64,
    /// Steps (transactions) taken, by every process that took part.
    pub steps: u64,
    /// Whether this process resumed a rebuild begun earlier.
    pub resumed: bool,
    /// Whether another process took the last step.
    pub finished_elsewhere: bool,
}

impl std::fmt::Display for Rebuilt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.finished_elsewhere {
            return write!(f, "the report projections were rebuilt by another process");
        }
        write!(
            f,
            "rebuilt the report projections: {} cases read, {} rewritten, {} rows of sums \
             written, {} steps",
            self.cases, self.rewritten, self.sums, self.steps
        )?;
        if self.resumed {
            write!(f, " (resumed)")?;
        }
        Ok(())
    }
}

/// What a step left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// More steps to take.
    Going,
    /// This step finished the rebuild: what the whole of it did.
    Finished(Rebuilt),
    /// No rebuild is unfinished (another process finished it).
    Idle,
}

/// The rebuild's row: how far it has come.
#[derive(Debug, Clone, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = report_rebuild)]
struct State {
    id: i32,
    fingerprint: String,
    phase: String,
    after_case: i64,
    after_month: String,
    after_service: String,
    cases_read: i64,
    cases_rewritten: i64,
    sums_written: i64,
    steps: i64,
    started_at: chrono::NaiveDateTime,
}

const LINES: &str = "lines";
const SUMS: &str = "sums";
const TALLIES: &str = "tallies";

impl State {
    fn fresh() -> State {
        State {
            id: 1,
            fingerprint: projection::FINGERPRINT.to_string(),
            phase: LINES.to_string(),
            after_case: 0,
            after_month: String::new(),
            after_service: String::new(),
            cases_read: 0,
            cases_rewritten: 0,
            sums_written: 0,
            steps: 0,
            started_at: super::super::now(),
        }
    }

    fn rebuilt(&self) -> Rebuilt {
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Rebuilt {
            cases: count(self.cases_read),
            rewritten: count(self.cases_rewritten),
            sums: count(self.sums_written),
            steps: count(self.steps),
            resumed: false,
            finished_elsewhere: false,
        }
    }
}

/// How a rebuild shares the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// Step after step: nothing else is writing (start-up, before serving; the seeder).
    Alone,
    /// With the service serving: on SQLite, whose writers wait for the one writer's lock by
    /// polling it, a pause after each step as long as the step took, so that the service's
    /// writes find it free (PostgreSQL queues the changes that wait for a step's locks, and
    /// they go first).
    Alongside,
}

/// Rebuilds the projections to the end: begins (see [`Start`]) and takes steps until none is
/// left, whoever takes them.
pub fn rebuild(conn: &mut DbConnection, start: Start, pace: Pace) -> QueryResult<Rebuilt> {
    let resumed = begin(conn, start)?;
    let pauses = pace == Pace::Alongside && matches!(conn, DbConnection::Sqlite(_));
    loop {
        let began = std::time::Instant::now();
        match step(conn, CASES_PER_STEP)? {
            Progress::Going if pauses => std::thread::sleep(began.elapsed()),
            Progress::Going => continue,
            Progress::Finished(done) => return Ok(Rebuilt { resumed, ..done }),
            Progress::Idle => {
                return Ok(Rebuilt {
                    resumed,
                    finished_elsewhere: true,
                    ..Rebuilt::default()
                })
            }
        }
    }
}

/// Whether a rebuild is unfinished.
pub fn unfinished(conn: &mut DbConnection) -> QueryResult<bool> {
    Ok(report_rebuild::table
        .find(1)
        .select(report_rebuild::id)
        .fetch_optional::<i32>(conn)?
        .is_some())
}

/// Begins a rebuild, or (with [`Start::Resume`]) takes up the one unfinished by this code:
/// whether it did.
pub fn begin(conn: &mut DbConnection, start: Start) -> QueryResult<bool> {
    for _ in 0..TRIES {
        let begun = conn.transaction(|conn| {
            let Some(state) = locked_state(conn)? else {
                diesel::insert_into(report_rebuild::table)
                    .values(State::fresh())
                    .run(conn)?;
                return Ok(false);
            };
            if start == Start::Resume && state.fingerprint == projection::FINGERPRINT {
                return Ok(true);
            }
            save(conn, &State::fresh())?;
            Ok(false)
        });
        match begun {
            // Another process began one at the same moment: take it up.
            Err(e) if is_unique_violation(&e) => continue,
            other => return other,
        }
    }
    Err(diesel::result::Error::NotFound)
}

/// Takes the rebuild's next step, `cases` cases at a time in its lines phase, in a
/// transaction of its own. Tried again when PostgreSQL broke a deadlock by ending it.
pub fn step(conn: &mut DbConnection, cases: i64) -> QueryResult<Progress> {
    let mut tries = 0;
    loop {
        tries += 1;
        let began = std::time::Instant::now();
        let mut at = String::new();
        let taken = conn.transaction(|conn| take_step(conn, cases.max(1), &mut at));
        log::debug!(
            "projections rebuild: step {at} in {:.1} ms",
            began.elapsed().as_secs_f64() * 1000.0
        );
        match taken {
            Err(e) if tries < TRIES && is_deadlock(&e) => continue,
            other => return other,
        }
    }
}

/// Whether PostgreSQL ended the transaction to break a deadlock (or a serialization failure).
fn is_deadlock(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        Error::DatabaseError(_, info) => info.message().contains("deadlock detected"),
        _ => false,
    }
}

/// The rebuild's row, held (on PostgreSQL, `FOR UPDATE`; on SQLite, by the writer's turn,
/// taken first) until the transaction ends: one step at a time, whoever takes it.
fn locked_state(conn: &mut DbConnection) -> QueryResult<Option<State>> {
    let query = report_rebuild::table.find(1);
    match conn {
        DbConnection::Pg(pg) => query.for_update().first(pg).optional(),
        DbConnection::Sqlite(sqlite) => {
            super::super::take_writers_turn(sqlite)?;
            query.first(sqlite).optional()
        }
    }
}

fn save(conn: &mut DbConnection, state: &State) -> QueryResult<()> {
    diesel::update(report_rebuild::table.find(1))
        .set(state)
        .run(conn)?;
    Ok(())
}

fn take_step(conn: &mut DbConnection, cases: i64, at: &mut String) -> QueryResult<Progress> {
    let Some(mut state) = locked_state(conn)? else {
        return Ok(Progress::Idle);
    };
    *at = match state.phase.as_str() {
        LINES => format!("{} after case {}", state.phase, state.after_case),
        _ => format!(
            "{} after {} {}",
            state.phase, state.after_month, state.after_service
        ),
    };
    if state.fingerprint != projection::FINGERPRINT {
        // Begun by other code: its lines are not this code's.
        state = State::fresh();
    }
    state.steps += 1;
    match state.phase.as_str() {
        LINES => lines_step(conn, &mut state, cases)?,
        // As many (month, service) groups a step as make up about `cases` cases: a small
        // council's sums in a step or two, a large one's a few services at a time.
        SUMS | TALLIES => {
            let of = if state.phase == SUMS {
                SumsOf::Lines
            } else {
                SumsOf::Tallies
            };
            let grid = Grid::read(conn)?;
            let mut read = 0;
            while read < cases {
                let Some((month, service)) = next_group(conn, &grid, &state, of)? else {
                    if of == SumsOf::Tallies {
                        return finish(conn, &state).map(Progress::Finished);
                    }
                    state.phase = TALLIES.to_string();
                    (state.after_month, state.after_service) = (String::new(), String::new());
                    break;
                };
                let (written, counted) = match of {
                    SumsOf::Lines => settle_line_sums(conn, &month, &service)?,
                    SumsOf::Tallies => settle_tally_sums(conn, &month, &service)?,
                };
                state.sums_written += written;
                read += counted.max(1);
                (state.after_month, state.after_service) = (month, service);
            }
        }
        other => {
            return Err(diesel::result::Error::DeserializationError(
                format!("the rebuild is in a phase this code does not know: `{other}`").into(),
            ))
        }
    }
    save(conn, &state)?;
    Ok(Progress::Going)
}

/// Records the fingerprint the projections are now built by, and ends the rebuild.
fn finish(conn: &mut DbConnection, state: &State) -> QueryResult<Rebuilt> {
    diesel::delete(report_projection_state::table).run(conn)?;
    diesel::insert_into(report_projection_state::table)
        .values((
            report_projection_state::id.eq(1),
            report_projection_state::fingerprint.eq(projection::FINGERPRINT),
            report_projection_state::rebuilt_at.eq(super::super::now()),
        ))
        .run(conn)?;
    diesel::delete(report_rebuild::table).run(conn)?;
    Ok(state.rebuilt())
}

/// The next cases' lines and tallies: rewritten where they differ from those stored.
fn lines_step(conn: &mut DbConnection, state: &mut State, cases: i64) -> QueryResult<()> {
    let after = state.after_case;
    let query = cases::table
        .filter(cases::id.gt(after))
        .order(cases::id.asc())
        .limit(cases)
        .select(CASE_COLUMNS);
    let batch: Vec<CaseColumns> = match conn {
        DbConnection::Pg(pg) => query.for_share().load(pg)?,
        DbConnection::Sqlite(sqlite) => query.load(sqlite)?,
    };
    // The last step runs to the end: stored lines of cases gone since are deleted.
    let hi = batch.last().map_or(i64::MAX, |case| case.0);
    let in_range = |id: i64| id > after && id <= hi;

    let stored_lines: Vec<LineRow> = report_lines::table
        .filter(report_lines::case_id.gt(after))
        .filter(report_lines::case_id.le(hi))
        .fetch_all(conn)?;
    let stored_tallies: Vec<CaseTallyRow> = report_case_tallies::table
        .filter(report_case_tallies::case_id.gt(after))
        .filter(report_case_tallies::case_id.le(hi))
        .fetch_all(conn)?;
    let mut stages: BTreeMap<i64, Vec<StageInput>> = BTreeMap::new();
    let mut referrals: BTreeMap<i64, Vec<ReferralInput>> = BTreeMap::new();
    let mut inputs = BTreeMap::new();
    if !batch.is_empty() {
        let stage_rows: Vec<StageColumns> = case_stages::table
            .filter(case_stages::case_id.gt(after))
            .filter(case_stages::case_id.le(hi))
            .filter(case_stages::stage.eq_any(FORMAL_STAGES))
            .order(case_stages::id.asc())
            .select(STAGE_COLUMNS)
            .fetch_all(conn)?;
        for row in &stage_rows {
            stages.entry(row.1).or_default().push(stage_input(row));
        }
        let referral_rows: Vec<(i64, i64, Option<String>)> = ombudsman_referrals::table
            .filter(ombudsman_referrals::case_id.gt(after))
            .filter(ombudsman_referrals::case_id.le(hi))
            .order(ombudsman_referrals::id.asc())
            .select((
                ombudsman_referrals::id,
                ombudsman_referrals::case_id,
                ombudsman_referrals::decision,
            ))
            .fetch_all(conn)?;
        for (id, case_id, decision) in referral_rows {
            referrals
                .entry(case_id)
                .or_default()
                .push(ReferralInput { id, decision });
        }
        inputs = tally_inputs(conn, (after + 1, hi), &Measure::ALL)?;
    }

    // What each case has now, and what is stored for it, in one order.
    let mut lines: BTreeMap<i64, (Vec<LineRow>, Vec<LineRow>)> = BTreeMap::new();
    let mut tallies: BTreeMap<i64, (Vec<CaseTallyRow>, Vec<CaseTallyRow>)> = BTreeMap::new();
    for case in &batch {
        let id = case.0;
        let input = case_input(case);
        let now = projection::lines(
            &input,
            stages.get(&id).map(Vec::as_slice).unwrap_or(&[]),
            referrals.get(&id).map(Vec::as_slice).unwrap_or(&[]),
        );
        lines.entry(id).or_default().0 = now.iter().map(|l| LineRow::of(id, l)).collect();
        let month = projection::month_key(input.received);
        let now = projection::tallies(
            &input,
            &inputs.remove(&id).unwrap_or_default(),
            &Measure::ALL,
        );
        tallies.entry(id).or_default().0 = now
            .into_iter()
            .map(|((measure, value), n)| CaseTallyRow {
                case_id: id,
                measure: measure.as_str().to_string(),
                value,
                month: month.clone(),
                service_id: input.service.clone(),
                n,
            })
            .collect();
    }
    for row in stored_lines.into_iter().filter(|r| in_range(r.case_id)) {
        lines.entry(row.case_id).or_default().1.push(row);
    }
    for row in stored_tallies.into_iter().filter(|r| in_range(r.case_id)) {
        tallies.entry(row.case_id).or_default().1.push(row);
    }

    let mut rewritten = std::collections::BTreeSet::new();
    let mut line_cases = Vec::new();
    let mut new_lines = Vec::new();
    for (id, (mut now, mut stored)) in lines {
        let order = |r: &LineRow| (r.stage.clone(), r.source_id);
        now.sort_by_key(order);
        stored.sort_by_key(order);
        if now != stored {
            rewritten.insert(id);
            line_cases.push(id);
            new_lines.extend(now);
        }
    }
    let mut tally_cases = Vec::new();
    let mut new_tallies = Vec::new();
    for (id, (mut now, mut stored)) in tallies {
        let order = |r: &CaseTallyRow| (r.measure.clone(), r.value.clone());
        now.sort_by_key(order);
        stored.sort_by_key(order);
        if now != stored {
            rewritten.insert(id);
            tally_cases.push(id);
            new_tallies.extend(now);
        }
    }
    for chunk in line_cases.chunks(ROWS_PER_STATEMENT) {
        diesel::delete(report_lines::table.filter(report_lines::case_id.eq_any(chunk)))
            .run(conn)?;
    }
    for chunk in new_lines.chunks(ROWS_PER_STATEMENT) {
        diesel::insert_into(report_lines::table)
            .values(chunk)
            .run(conn)?;
    }
    for chunk in tally_cases.chunks(ROWS_PER_STATEMENT) {
        diesel::delete(
            report_case_tallies::table.filter(report_case_tallies::case_id.eq_any(chunk)),
        )
        .run(conn)?;
    }
    for chunk in new_tallies.chunks(ROWS_PER_STATEMENT) {
        diesel::insert_into(report_case_tallies::table)
            .values(chunk)
            .run(conn)?;
    }

    state.cases_read += batch.len() as i64;
    state.cases_rewritten += rewritten.len() as i64;
    if batch.is_empty() {
        state.phase = SUMS.to_string();
        (state.after_month, state.after_service) = (String::new(), String::new());
    } else {
        state.after_case = hi;
    }
    Ok(())
}

/// Which sums a step adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SumsOf {
    Lines,
    Tallies,
}

/// The first day of a month key (`2026-04`).
fn first_day(month: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()
}

/// The next key of a table of sums after (`month`, `service`), from its primary key: the
/// same month's next service, or the first service of the next month that has rows.
macro_rules! next_stored {
    ($conn:expr, $table:ident, $after:expr) => {{
        let (after_month, after_service): (&str, &str) = $after;
        let same: Option<String> = $table::table
            .filter($table::month.eq(after_month))
            .filter($table::service_id.gt(after_service))
            .select(diesel::dsl::min($table::service_id))
            .fetch($conn)?;
        match same {
            Some(service) => Some((after_month.to_string(), service)),
            None => {
                let month: Option<String> = $table::table
                    .filter($table::month.gt(after_month))
                    .select(diesel::dsl::min($table::month))
                    .fetch($conn)?;
                match month {
                    Some(month) => {
                        let service: Option<String> = $table::table
                            .filter($table::month.eq(&month))
                            .select(diesel::dsl::min($table::service_id))
                            .fetch($conn)?;
                        service.map(|service| (month, service))
                    }
                    None => None,
                }
            }
        }
    }};
}

/// What a sums step goes through: the months from the first case's to the last's, and the
/// council's services, in order. Read once a step.
struct Grid {
    months: Option<(String, String)>,
    services: Vec<String>,
}

impl Grid {
    fn read(conn: &mut DbConnection) -> QueryResult<Grid> {
        // Each on its own: SQLite reads one end of the index for a lone min() or max(), and
        // every case for both at once.
        let first: Option<chrono::NaiveDateTime> = cases::table
            .select(diesel::dsl::min(cases::received_at))
            .fetch(conn)?;
        let last: Option<chrono::NaiveDateTime> = cases::table
            .select(diesel::dsl::max(cases::received_at))
            .fetch(conn)?;
        let services = services::table
            .select(services::id)
            .order(services::id.asc())
            .fetch_all(conn)?;
        let month = |at| projection::month_key(uk_date(at));
        Ok(Grid {
            months: first
                .zip(last)
                .map(|(first, last)| (month(first), month(last))),
            services,
        })
    }
}

/// The (month, service) after the rebuild's (`""`: before every one) that a sums step has to
/// look at: one of a month in which cases were received and a service the council has, or one
/// that the sums hold rows of.
fn next_group(
    conn: &mut DbConnection,
    grid: &Grid,
    state: &State,
    of: SumsOf,
) -> QueryResult<Option<(String, String)>> {
    let after = (state.after_month.as_str(), state.after_service.as_str());
    let mut candidates: Vec<(String, String)> = Vec::new();
    if let (Some((first, last)), Some(first_service)) = (&grid.months, grid.services.first()) {
        if after.0 < first.as_str() {
            candidates.push((first.clone(), first_service.clone()));
        } else if after.0 <= last.as_str() {
            match grid.services.iter().find(|s| s.as_str() > after.1) {
                Some(service) => candidates.push((after.0.to_string(), service.clone())),
                None => {
                    let next = first_day(after.0)
                        .and_then(|day| day.checked_add_months(Months::new(1)))
                        .map(projection::month_key);
                    if let Some(next) = next.filter(|next| next <= last) {
                        candidates.push((next, first_service.clone()));
                    }
                }
            }
        }
    }
    match of {
        SumsOf::Lines => {
            candidates.extend(next_stored!(conn, report_months, after));
            candidates.extend(next_stored!(conn, report_month_days, after));
            candidates.extend(next_stored!(conn, report_month_totals, after));
            candidates.extend(next_stored!(conn, report_month_total_days, after));
        }
        SumsOf::Tallies => candidates.extend(next_stored!(conn, report_tallies, after)),
    }
    Ok(candidates.into_iter().min())
}

/// The ids of a service's cases received in a month (UK time), read on their own (by the
/// index of the service's cases by receipt) so that their lines and tallies are then read by
/// their keys: as one statement, SQLite read every line to find a month's.
fn cases_of(conn: &mut DbConnection, month: &str, service: &str) -> QueryResult<Vec<i64>> {
    let (from, to) = month_bounds(month)?;
    cases::table
        .filter(cases::service_id.eq(service))
        .filter(cases::received_at.ge(from))
        .filter(cases::received_at.lt(to))
        .select(cases::id)
        .fetch_all(conn)
}

/// Cases whose lines or tallies are read in one statement (within SQLite's bound parameters).
const CASES_PER_READ: usize = 5_000;

/// `read`'s rows for the cases `ids`, [`CASES_PER_READ`] cases a statement.
fn by_chunks<R>(
    ids: &[i64],
    mut read: impl FnMut(&[i64]) -> QueryResult<Vec<R>>,
) -> QueryResult<Vec<R>> {
    let mut rows = Vec::new();
    for ids in ids.chunks(CASES_PER_READ) {
        rows.extend(read(ids)?);
    }
    Ok(rows)
}

/// The UTC instants a month's cases were received between: its first UK midnight, and the
/// next month's.
fn month_bounds(month: &str) -> QueryResult<(chrono::NaiveDateTime, chrono::NaiveDateTime)> {
    let first = first_day(month).ok_or_else(|| {
        diesel::result::Error::DeserializationError(
            format!("a projection row's month `{month}` is not a month").into(),
        )
    })?;
    let next = first
        .checked_add_months(Months::new(1))
        .unwrap_or(NaiveDate::MAX);
    Ok((uk_midnight_utc(first), uk_midnight_utc(next)))
}

/// The keys whose rows differ: (to delete, to insert). A row that differs is deleted and
/// inserted again.
fn differing<K: Ord + Clone, V: PartialEq>(
    now: &BTreeMap<K, V>,
    stored: &BTreeMap<K, V>,
) -> (Vec<K>, Vec<K>) {
    let delete = stored
        .iter()
        .filter(|(key, value)| now.get(*key) != Some(*value))
        .map(|(key, _)| key.clone())
        .collect();
    let insert = now
        .iter()
        .filter(|(key, value)| stored.get(*key) != Some(*value))
        .map(|(key, _)| key.clone())
        .collect();
    (delete, insert)
}

/// Writes the rows of a table of sums that differ (see [`differing`]) between those worked out
/// (`now`) and those `stored`: deletes each by its key (`find`, from a stored key) and inserts
/// each worked out (`row`, from a key and its value). Gives how many rows changed.
macro_rules! write_differing {
    ($conn:expr, ($now:expr, $stored:expr), $table:expr, |$key:pat_param| $find:expr, |$k:ident, $v:ident| $row:expr) => {{
        let (now, stored) = ($now, $stored);
        let (delete, insert) = differing(now, stored);
        for $key in &delete {
            diesel::delete($table.find($find)).run($conn)?;
        }
        let rows: Vec<_> = insert
            .iter()
            .filter_map(|$k| now.get($k).map(|$v| $row))
            .collect();
        insert_rows!($conn, $table, rows);
        changed(&delete, &insert)
    }};
}

/// Adds up a month's lines of a service again, and writes the rows of the lines' sums that
/// differ: how many, and how many cases' lines were read.
fn settle_line_sums(
    conn: &mut DbConnection,
    month: &str,
    service: &str,
) -> QueryResult<(i64, i64)> {
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query(
            "LOCK TABLE report_months, report_month_days, report_month_totals, \
             report_month_total_days IN EXCLUSIVE MODE",
        )
        .execute(pg)?;
    }
    let ids = cases_of(conn, month, service)?;
    let rows: Vec<LineRow> = by_chunks(&ids, |ids| {
        report_lines::table
            .filter(report_lines::case_id.eq_any(ids))
            .filter(report_lines::month.eq(month))
            .filter(report_lines::service_id.eq(service))
            .fetch_all(conn)
    })?;
    let mut now = Deltas::default();
    for row in &rows {
        let line = row.line().ok_or_else(|| {
            diesel::result::Error::DeserializationError(
                format!(
                    "case {} has a report line of a stage this code does not count",
                    row.case_id
                )
                .into(),
            )
        })?;
        now.add(&line, 1);
    }
    now.months.retain(|_, c| !c.is_zero());
    now.days.retain(|_, n| *n != 0);
    let now_totals = now.totals();

    let unknown = |what: &str| {
        diesel::result::Error::DeserializationError(
            format!(
                "a row of {what} in {month} ({service}) is of a stage this code does not count"
            )
            .into(),
        )
    };
    let mut stored = Deltas::default();
    let months: Vec<MonthRow> = report_months::table
        .filter(report_months::month.eq(month))
        .filter(report_months::service_id.eq(service))
        .fetch_all(conn)?;
    for row in &months {
        let key = row.key().ok_or_else(|| unknown("report_months"))?;
        stored.months.insert(key, row.counters());
    }
    let days: Vec<DayRow> = report_month_days::table
        .filter(report_month_days::month.eq(month))
        .filter(report_month_days::service_id.eq(service))
        .fetch_all(conn)?;
    for row in &days {
        let key = row.key().ok_or_else(|| unknown("report_month_days"))?;
        stored.days.insert((key, row.days), row.n);
    }
    let mut stored_totals = Deltas::default();
    let totals: Vec<TotalRow> = report_month_totals::table
        .filter(report_month_totals::month.eq(month))
        .filter(report_month_totals::service_id.eq(service))
        .fetch_all(conn)?;
    for row in &totals {
        let row = row.as_month_row();
        let key = row.key().ok_or_else(|| unknown("report_month_totals"))?;
        stored_totals.months.insert(key, row.counters());
    }
    let total_days: Vec<TotalDayRow> = report_month_total_days::table
        .filter(report_month_total_days::month.eq(month))
        .filter(report_month_total_days::service_id.eq(service))
        .fetch_all(conn)?;
    for row in &total_days {
        let row = row.as_day_row();
        let key = row
            .key()
            .ok_or_else(|| unknown("report_month_total_days"))?;
        stored_totals.days.insert((key, row.days), row.n);
    }

    let months = write_differing!(
        conn,
        (&now.months, &stored.months),
        report_months::table,
        |k| (
            &k.month,
            &k.service,
            &k.channel,
            &k.category,
            &k.kind,
            k.part.as_str()
        ),
        |k, c| MonthRow::of(k, c)
    );
    let days = write_differing!(
        conn,
        (&now.days, &stored.days),
        report_month_days::table,
        |(k, days)| (
            &k.month,
            &k.service,
            &k.channel,
            &k.category,
            &k.kind,
            k.part.as_str(),
            days
        ),
        |key, n| DayRow::of(&key.0, key.1, *n)
    );
    let totals = write_differing!(
        conn,
        (&now_totals.months, &stored_totals.months),
        report_month_totals::table,
        |k| (&k.month, &k.service, &k.kind, k.part.as_str()),
        |k, c| TotalRow::of(k, c)
    );
    let total_days = write_differing!(
        conn,
        (&now_totals.days, &stored_totals.days),
        report_month_total_days::table,
        |(k, days)| (&k.month, &k.service, &k.kind, k.part.as_str(), days),
        |key, n| TotalDayRow::of(&key.0, key.1, *n)
    );
    Ok((months + days + totals + total_days, ids.len() as i64))
}

/// Rows a write changed: each key deleted or inserted once (one deleted and inserted again
/// is one).
fn changed<K: Ord>(delete: &[K], insert: &[K]) -> i64 {
    let replaced = delete
        .iter()
        .filter(|k| insert.binary_search(k).is_ok())
        .count();
    (delete.len() + insert.len() - replaced) as i64
}

/// Adds up the tallies of a month's cases of a service again, and writes the tallies' sums
/// that differ: how many, and how many cases' tallies were read.
fn settle_tally_sums(
    conn: &mut DbConnection,
    month: &str,
    service: &str,
) -> QueryResult<(i64, i64)> {
    use report_tallies::dsl as t;
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query("LOCK TABLE report_tallies IN EXCLUSIVE MODE").execute(pg)?;
    }
    let ids = cases_of(conn, month, service)?;
    let rows: Vec<CaseTallyRow> = by_chunks(&ids, |ids| {
        report_case_tallies::table
            .filter(report_case_tallies::case_id.eq_any(ids))
            .filter(report_case_tallies::month.eq(month))
            .filter(report_case_tallies::service_id.eq(service))
            .fetch_all(conn)
    })?;
    // Keyed as the table is: (month, measure, service, value).
    let mut now: BTreeMap<(String, String, String, String), i64> = BTreeMap::new();
    for row in rows {
        *now.entry((row.month, row.measure, row.service_id, row.value))
            .or_default() += row.n;
    }
    now.retain(|_, n| *n != 0);
    let stored: BTreeMap<(String, String, String, String), i64> = t::report_tallies
        .filter(t::month.eq(month))
        .filter(t::service_id.eq(service))
        .fetch_all::<TallyRow>(conn)?
        .into_iter()
        .map(|row| ((row.month, row.measure, row.service_id, row.value), row.n))
        .collect();
    let written = write_differing!(
        conn,
        (&now, &stored),
        t::report_tallies,
        |(month, measure, service, value)| (month, measure, service, value),
        |key, n| TallyRow {
            month: key.0.clone(),
            measure: key.1.clone(),
            service_id: key.2.clone(),
            value: key.3.clone(),
            n: *n,
        }
    );
    Ok((written, ids.len() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_bounded_by_uk_midnights() {
        let (from, to) = month_bounds("2026-04").expect("a month");
        // BST: midnight on 1 April is 23:00 UTC on 31 March.
        assert_eq!(from.to_string(), "2026-03-31 23:00:00");
        assert_eq!(to.to_string(), "2026-04-30 23:00:00");
        let (from, to) = month_bounds("2026-12").expect("a month");
        assert_eq!(from.to_string(), "2026-12-01 00:00:00");
        assert_eq!(to.to_string(), "2027-01-01 00:00:00");
        assert!(month_bounds("2026-13").is_err());
        assert!(month_bounds("").is_err());
    }

    #[test]
    fn rows_that_differ_are_deleted_and_inserted_once() {
        let now: BTreeMap<&str, i64> = [("a", 1), ("b", 2), ("c", 3)].into();
        let stored: BTreeMap<&str, i64> = [("a", 1), ("b", 5), ("d", 0)].into();
        let (delete, insert) = differing(&now, &stored);
        assert_eq!(delete, vec!["b", "d"]);
        assert_eq!(insert, vec!["b", "c"]);
        assert_eq!(changed(&delete, &insert), 3);
    }
}

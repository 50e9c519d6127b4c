//! Times the deadline-alert scheduler over a large council: `--cases` open complaints (default
//! 1,000,000), each with its stage 1 response deadline on record, due dates spread over a year
//! of working days.
//!
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/cf_bench_alerts \
//!     cargo run --release --example bench_alerts -- --cases 1000000
//!
//! The database is emptied first (every table of the service's is dropped and migrated again).
//! It prints, each timed on the scheduler's own code (`jobs::alerts::round`):
//! - the first look: every deadline's alert dates worked out once (a database from before the
//!   alerts, after its deadlines were put on record);
//! - a day's pass: only the deadlines whose alert falls that day are read (the partial index
//!   on `next_alert_on`), with how many it looked at and the alerts it gave;
//! - a pass with nothing due (the same day again): the cost of looking when there is no work.

use std::time::Instant;

use chrono::{Days, NaiveDate};
use diesel::connection::SimpleConnection;
use diesel::RunQueryDsl;

use council_feedback::app::time::Now;
use council_feedback::config::Settings;
use council_feedback::db::{Backend, Database};
use council_feedback::jobs::{alerts, JobSettings};

fn main() {
    if let Err(e) = run() {
        eprintln!("bench_alerts: {e}");
        std::process::exit(1);
    }
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn run() -> Result<(), String> {
    let cases: i64 = arg("--cases")
        .map(|n| {
            n.parse()
                .map_err(|_| format!("--cases {n} is not a number"))
        })
        .transpose()?
        .unwrap_or(1_000_000);
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    let db = Database::connect(&settings.database_url, 4).map_err(|e| e.to_string())?;
    empty(&db)?;
    db.migrate().map_err(|e| e.to_string())?;
    let started = Instant::now();
    fill(&db, cases)?;
    println!(
        "backend {:?}: {cases} open complaints with a response deadline on record in {:.1} s",
        db.backend(),
        started.elapsed().as_secs_f64()
    );

    let jobs = JobSettings::from_settings(&settings, Default::default())?;
    let system = actix_web::rt::System::new();
    let at = |date: NaiveDate| JobSettings {
        now: Now::Fixed(date.and_hms_opt(6, 0, 0).unwrap_or_default()),
        ..jobs.clone()
    };
    let first_day = NaiveDate::from_ymd_opt(2026, 11, 2).ok_or("date")?;
    system.block_on(async {
        let started = Instant::now();
        let outcome = alerts::round(&db, &at(first_day))
            .await
            .map_err(|e| format!("{e:?}"))?;
        println!(
            "first look: {} deadlines in {:.1} s ({} alerts)",
            outcome.looked_at,
            started.elapsed().as_secs_f64(),
            outcome.alerts.len()
        );
        for offset in [1u64, 2, 3, 8, 9] {
            let day = first_day + Days::new(offset);
            let started = Instant::now();
            let outcome = alerts::round(&db, &at(day))
                .await
                .map_err(|e| format!("{e:?}"))?;
            let pass = started.elapsed();
            let started = Instant::now();
            let again = alerts::round(&db, &at(day))
                .await
                .map_err(|e| format!("{e:?}"))?;
            println!(
                "{day} ({}): looked at {} deadlines, {} alerts, in {:.0} ms; again with nothing due: {} looked at in {:.2} ms",
                day.format("%a"),
                outcome.looked_at,
                outcome.alerts.len(),
                pass.as_secs_f64() * 1000.0,
                again.looked_at,
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
        Ok::<(), String>(())
    })
}

/// Drops everything the service made, so each run starts from the same place.
fn empty(db: &Database) -> Result<(), String> {
    let mut conn = db.connection().map_err(|e| e.to_string())?;
    let sql = match db.backend() {
        Backend::Postgres => {
            "DROP SCHEMA public CASCADE; CREATE SCHEMA public; GRANT ALL ON SCHEMA public TO public;"
                .to_string()
        }
        Backend::Sqlite => {
            let tables: Vec<Name> =
                diesel::sql_query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                    .load(&mut **conn)
                    .map_err(|e| e.to_string())?;
            let mut sql = String::from("PRAGMA foreign_keys = OFF;");
            for table in tables {
                sql.push_str(&format!("DROP TABLE IF EXISTS \"{}\";", table.name));
            }
            sql.push_str("PRAGMA foreign_keys = ON;");
            sql
        }
    };
    conn.batch_execute(&sql).map_err(|e| e.to_string())
}

#[derive(diesel::QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// `cases` open complaints at stage 1, acknowledged, their responses due on the working days of
/// the year from Monday 2 November 2026 (about 4,000 a day), each deadline on record and not yet
/// looked at.
fn fill(db: &Database, cases: i64) -> Result<(), String> {
    let mut conn = db.connection().map_err(|e| e.to_string())?;
    let series = match db.backend() {
        Backend::Postgres => format!("SELECT generate_series(1, {cases}) AS n"),
        Backend::Sqlite => format!(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {cases}) SELECT n FROM s"
        ),
    };
    // Working day n of the year (weekends skipped; bank holidays are the scheduler's business).
    let due = match db.backend() {
        Backend::Postgres => {
            "(DATE '2026-11-02' + ((n % 250) / 5 * 7 + (n % 250) % 5) * INTERVAL '1 day')::date"
        }
        Backend::Sqlite => {
            "date('2026-11-02', '+' || (((n % 250) / 5) * 7 + (n % 250) % 5) || ' days')"
        }
    };
    let sql = format!(
        "INSERT INTO customers (name, large_print, audio, created_at) VALUES ('Bench', FALSE, FALSE, CURRENT_TIMESTAMP);
         INSERT INTO cases (id, reference, kind, status, stage, channel, received_at, summary, description,
             service_id, response_requested, customer_id, created_by_subject, created_by_role, version,
             created_at, updated_at)
         SELECT n, 'CMP-2026-' || n, 'complaint', 'open', 'stage_1', 'email', CURRENT_TIMESTAMP, 'Bench',
             'Bench', 'waste-care', TRUE, 1, 'bench', 'complaints_manager', 1, CURRENT_TIMESTAMP,
             CURRENT_TIMESTAMP FROM ({series}) s;
         INSERT INTO deadline_alerts (case_id, subject, deadline, stage, about_id, due, active,
             approaching_sent, missed_sent, next_alert_on)
         SELECT n, 'stage_1.response', 'response', 'stage_1', NULL, {due}, TRUE, FALSE, FALSE,
             DATE '1900-01-01' FROM ({series}) s;"
    );
    let sql = match db.backend() {
        Backend::Postgres => sql,
        Backend::Sqlite => sql.replace("DATE '1900-01-01'", "'1900-01-01'"),
    };
    conn.batch_execute(&sql).map_err(|e| e.to_string())?;
    if db.backend() == Backend::Postgres {
        conn.batch_execute(
            "SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases)); ANALYZE;",
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}

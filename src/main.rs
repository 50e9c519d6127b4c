//! Thin: read the command and the configuration, start logging, run.

use std::process::ExitCode;

use council_feedback::cli::{self, Command};
use council_feedback::config::Settings;
use council_feedback::{api, auth, db::Database, startup::Application};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match cli::parse(&args) {
        Ok(command) => command,
        // --help and --version print to standard output and exit 0; a mistake prints one
        // line and the usage to standard error and exits 2.
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };
    if command == Command::OpenApi {
        return match api::openapi().to_pretty_json() {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    init_logging();
    if let Some(ms) = settings.slow_statement_ms {
        if let Err(e) = council_feedback::db::slow::log_slower_than(ms) {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    let outcome = match command {
        Command::Token(request) => auth::mint(
            &settings.jwt,
            &request.subject,
            &request.roles,
            &request.services,
            request.ttl_seconds,
        )
        .map(|token| println!("{token}")),
        Command::Migrate => Database::connect(&settings.database_url, 1)
            .and_then(|db| db.migrate())
            .map(|applied| {
                if applied.is_empty() {
                    println!("the database is up to date");
                }
                for version in applied {
                    println!("applied {version}");
                }
            })
            .map_err(|e| e.to_string()),
        Command::Seed(request) => seed(&settings, &request),
        Command::Retention(request) => retention(&settings, &request),
        Command::ProjectionsRebuild => rebuild_projections(&settings),
        Command::Worker => worker(&settings),
        _ => serve(&settings),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// env_logger, less actix's line for each request head its codec refused: those are a
/// client's mistakes, answered and logged by `wire::Guarded` (not errors of ours).
fn init_logging() {
    struct WithoutCodecRefusals(env_logger::Logger);
    impl log::Log for WithoutCodecRefusals {
        fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
            self.0.enabled(metadata)
        }
        fn log(&self, record: &log::Record<'_>) {
            if self.0.matches(record) && !council_feedback::wire::is_codec_refusal_log(record) {
                self.0.log(record);
            }
        }
        fn flush(&self) {
            self.0.flush();
        }
    }
    let logger =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).build();
    let level = logger.filter();
    if log::set_boxed_logger(Box::new(WithoutCodecRefusals(logger))).is_ok() {
        log::set_max_level(level);
    }
}

fn serve(settings: &Settings) -> Result<(), String> {
    actix_web::rt::System::new().block_on(async {
        let application = Application::build(settings).map_err(|e| e.to_string())?;
        log::info!(
            "serving on http://{} (docs at /docs)",
            settings.bind_address
        );
        if let Some(address) = settings.metrics_bind_address {
            log::info!("serving metrics on http://{address}/metrics");
        }
        application
            .run_until_stopped()
            .await
            .map_err(|e| e.to_string())
    })
}

/// The background jobs alone, until the process is stopped. A delivery cut off mid-send is
/// sent again once its endpoint's lease runs out (at least once).
fn worker(settings: &Settings) -> Result<(), String> {
    let db = Database::connect(&settings.database_url, 4).map_err(|e| e.to_string())?;
    db.migrate().map_err(|e| e.to_string())?;
    log::info!("running the background jobs (deadline alerts, webhook delivery)");
    let metrics = std::sync::Arc::new(council_feedback::metrics::Metrics::new());
    let jobs = council_feedback::jobs::JobSettings::from_settings(settings, metrics.clone())?;
    let (_keep, stop) = tokio::sync::watch::channel(false);
    actix_web::rt::System::new().block_on(async {
        // The worker serves its own metrics (its deliveries, the outbox) when asked to.
        if let Some((server, port)) =
            council_feedback::metrics::listen(settings, metrics.clone(), db.clone())?
        {
            actix_web::rt::spawn(server);
            log::info!("serving metrics on port {port}, GET /metrics");
        }
        council_feedback::jobs::run(db, jobs, stop).await;
        Ok(())
    })
}

fn retention(settings: &Settings, request: &cli::RetentionRequest) -> Result<(), String> {
    let db = Database::connect(&settings.database_url, 2).map_err(|e| e.to_string())?;
    db.migrate().map_err(|e| e.to_string())?;
    let store = match &settings.documents_dir {
        Some(folder) => council_feedback::app::documents::DocumentStore::Folder(folder.clone()),
        None => council_feedback::app::documents::DocumentStore::Database,
    };
    let started = std::time::Instant::now();
    let report = actix_web::rt::System::new()
        .block_on(council_feedback::jobs::retention::pass(
            &db,
            &settings.retention,
            &store,
            council_feedback::app::time::Now::System,
            request.as_of,
        ))
        .map_err(|e| format!("retention: {e:?}"))?;
    println!("{}", settings.retention.describe());
    println!("{report} in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn rebuild_projections(settings: &Settings) -> Result<(), String> {
    let db = Database::connect(&settings.database_url, 1).map_err(|e| e.to_string())?;
    db.migrate().map_err(|e| e.to_string())?;
    let mut conn = db.connection().map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let rebuilt = council_feedback::db::projections::rebuild(
        &mut conn,
        council_feedback::db::projections::Start::Resume,
        council_feedback::db::projections::Pace::Alongside,
    )
    .map_err(|e| format!("rebuilding the report projections: {e}"))?;
    println!("{rebuilt} in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn seed(settings: &Settings, request: &cli::SeedRequest) -> Result<(), String> {
    use chrono::Datelike;
    let to = request
        .to
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let from = request
        .from
        .or_else(|| chrono::NaiveDate::from_ymd_opt(to.year() - 2, 1, 1))
        .unwrap_or(to);
    let options = council_feedback::seed::SeedOptions {
        cases: request.cases,
        seed: request.seed,
        from,
        to,
    };
    let clock = council_feedback::domain::clock::Clock::new(settings.policy.clone())
        .map_err(|e| e.to_string())?;
    let db = Database::connect(&settings.database_url, 1).map_err(|e| e.to_string())?;
    db.migrate().map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let step = (request.cases / 20).max(1000);
    let mut reported = 0;
    let written = council_feedback::seed::seed(&db, &clock, &options, |n| {
        if n >= reported + step || n == request.cases {
            reported = n;
            eprintln!("seeded {n} of {} cases", request.cases);
        }
    })
    .map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "seeded {written} cases received {from} to {to} (seed {}) in {seconds:.1} s: {:.0} cases/s",
        request.seed,
        written as f64 / seconds.max(0.001)
    );
    Ok(())
}

//! Background jobs: the deadline-alert scheduler, the outbox dispatcher (signed webhooks) and
//! the mail room (messages to customers through Notify or SMTP).
//! They run inside `serve` on a thread and runtime of their own, or alone as `council-feedback worker`; several instances
//! may run at once on PostgreSQL (work is claimed with `FOR UPDATE SKIP LOCKED`), one on
//! SQLite.

pub mod alerts;
pub mod mailroom;
pub mod retention;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{select, Either};
use tokio::sync::watch;

use crate::app::time::Now;
use crate::config::Settings;
use crate::db::Database;
use crate::domain::clock::Clock;
use crate::domain::webhook::{AllowedTargets, RetrySchedule};
use crate::metrics::Metrics;

/// How long the jobs wait after a wake, to take the commits that follow in the same round.
/// Each round costs a few transactions (on SQLite, each a turn of the one writer); without
/// the wait, creates at full speed were matched by a round each, and ran 20-35% slower.
/// On SQLite every transaction, the jobs' too, takes the one writer's turn, so the wait is
/// longer there: a round every 200 ms rather than every 50 under a steady stream of commits.
fn gather(backend: crate::db::Backend) -> Duration {
    match backend {
        crate::db::Backend::Sqlite => Duration::from_millis(200),
        _ => Duration::from_millis(50),
    }
}

/// What the jobs need from the configuration.
#[derive(Debug, Clone)]
pub struct JobSettings {
    pub allowed_targets: AllowedTargets,
    pub retry_schedule: RetrySchedule,
    pub poll_interval: Duration,
    /// The council's calendar and policy, for the deadline alerts.
    pub clock: Arc<Clock>,
    /// What time the scheduler takes it to be.
    pub now: Now,
    /// The app's metrics: the jobs count deliveries and alerts into them.
    pub metrics: Arc<Metrics>,
    /// How long successful deliveries are kept.
    pub delivery_retention: chrono::Duration,
    /// How messages reach customers: Notify, SMTP, printing.
    pub correspondence: Arc<crate::config::CorrespondenceSettings>,
    /// The retention schedule the daily pass applies.
    pub retention: crate::domain::retention::RetentionSchedule,
    /// Where documents' bytes are, for the retention pass to delete them.
    pub documents: crate::app::documents::DocumentStore,
}

impl JobSettings {
    pub fn from_settings(
        settings: &Settings,
        metrics: Arc<Metrics>,
    ) -> Result<JobSettings, String> {
        Ok(JobSettings {
            allowed_targets: settings.webhook_allowed_targets.clone(),
            retry_schedule: settings.webhook_retry_schedule.clone(),
            poll_interval: settings.jobs_poll_interval,
            clock: Arc::new(Clock::new(settings.policy.clone()).map_err(|e| e.to_string())?),
            now: Now::System,
            metrics,
            delivery_retention: chrono::Duration::days(i64::from(
                settings.webhook_delivery_retention_days,
            )),
            correspondence: Arc::new(settings.correspondence.clone()),
            retention: settings.retention.clone(),
            documents: match &settings.documents_dir {
                Some(folder) => crate::app::documents::DocumentStore::Folder(folder.clone()),
                None => crate::app::documents::DocumentStore::Database,
            },
        })
    }
}

/// Runs the jobs until `stop` turns true: a round of work, then (when there was none) a wait
/// for a committed change, the poll interval, or the stop.
pub async fn run(db: Database, settings: JobSettings, mut stop: watch::Receiver<bool>) {
    let committed = db.committed();
    // Alerts go by the calendar, not by commits: the scheduler looks once a poll interval,
    // however often commits wake the dispatcher (a new deadline already missed is said within
    // the interval).
    let mut alerts_due = std::time::Instant::now();
    // PostgreSQL: other instances' commits wake these jobs too. Listening starts before the
    // first round (and wakes it once started), so no commit falls between the two.
    let _listening = match db.listen_for_commits() {
        Some(Err(e)) => {
            log::error!("jobs: cannot start listening for committed events: {e}");
            None
        }
        listening => listening,
    };
    // The retention pass, once a day (on its first round of each UK day).
    let mut retention = retention::Daily::default();
    let http = webhooks::shared_client();
    let mail_http = mailroom::client();
    loop {
        if *stop.borrow() {
            return;
        }
        let mut alerted = false;
        if std::time::Instant::now() >= alerts_due {
            alerts_due = std::time::Instant::now() + settings.poll_interval;
            alerted = worked("deadline alerts", alerts::round(&db, &settings).await)
                .is_some_and(|outcome| !outcome.alerts.is_empty());
        }
        worked(
            "retention",
            retention
                .round(&db, &settings.retention, &settings.documents, settings.now)
                .await,
        );
        let busy = worked(
            "webhook dispatcher",
            webhooks::round(&db, &settings, http.as_ref()).await,
        )
        .is_some_and(|done| done > 0);
        let mailed = worked(
            "mail room",
            mailroom::round(&db, &settings, mail_http.as_ref()).await,
        )
        .is_some_and(|done| done > 0);
        if busy || alerted || mailed {
            continue;
        }
        let woken = Box::pin(committed.notified());
        let timer = Box::pin(tokio::time::sleep(settings.poll_interval));
        let stopped = Box::pin(stop.changed());
        let outcome = select(select(woken, timer), stopped).await;
        match outcome {
            // The sender dropped (the server is gone) counts as a stop.
            Either::Right((Err(_), _)) => return,
            // Woken by a commit: the commits of the next moment are taken in the same round,
            // so that busy writers are not matched round for round.
            Either::Left((Either::Left(_), _)) => tokio::time::sleep(gather(db.backend())).await,
            _ => {}
        }
    }
}

/// What a job's round did, or `None` when it failed. An unreachable database is logged once,
/// by storage, as it goes and as it comes back; the job tries again at its next round.
fn worked<T>(job: &str, result: Result<T, crate::app::AppError>) -> Option<T> {
    match result {
        Ok(done) => Some(done),
        Err(e) if crate::db::DbFailure::is_unavailable(&e) => None,
        Err(e) => {
            log::error!("{job}: {e:?}");
            None
        }
    }
}

/// The jobs running on a thread of their own; they stop when this is dropped.
pub struct Running {
    stop: watch::Sender<bool>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Starts the jobs on a thread with a runtime of its own, so a slow receiver never holds up
/// a request.
pub fn start(db: Database, settings: JobSettings) -> std::io::Result<Running> {
    let (stop, stopped) = watch::channel(false);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("council-feedback-jobs".into())
        .spawn(move || runtime.block_on(run(db, settings, stopped)))?;
    Ok(Running { stop })
}

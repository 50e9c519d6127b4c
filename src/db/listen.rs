//! Hearing of events other instances commit (PostgreSQL's LISTEN/NOTIFY). A trigger on
//! `case_events` notifies the channel at every commit that wrote events (migration
//! `2026-12-05-000021_commit_notify`); a connection of its own, outside the pool, listens on a
//! thread and passes each notification on as a wake, as a commit in this process does. Polling
//! stays as the fallback: a notification lost while the connection was down is made up for
//! by a wake when it is back, and by the jobs' poll.
//!
//! diesel reads notifications without waiting for them (`notifications_iter`), so the thread
//! looks at its connection's input every [`CHECK_EVERY`]: a read of a local socket that finds
//! nothing, not a query.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

/// The channel the trigger notifies; the payload is the writer's schema.
pub const CHANNEL: &str = "council_feedback_events";

/// How often the listening thread looks for a notification: the most it adds to a wake.
const CHECK_EVERY: Duration = Duration::from_millis(20);

/// How often an idle listening connection is asked a trivial query, so a connection that
/// died without a word (a network cut) is noticed.
const PING_EVERY: Duration = Duration::from_secs(30);

/// The longest wait between attempts to listen again after the connection was lost.
const MOST_BACKOFF: Duration = Duration::from_secs(30);

/// Listening on a thread of its own; it stops when this is dropped.
pub struct Listening {
    stop: Arc<AtomicBool>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[derive(QueryableByName)]
struct Schema {
    #[diesel(sql_type = Text)]
    name: String,
}

/// A connection listening on [`CHANNEL`], and the schema whose notifications it heeds.
struct Listener {
    conn: PgConnection,
    schema: String,
}

impl Listener {
    fn open(url: &str) -> QueryResult<Listener> {
        let mut conn = PgConnection::establish(url).map_err(|e| {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UnableToSendCommand,
                Box::new(e.to_string()),
            )
        })?;
        let schema: Schema =
            diesel::sql_query("SELECT current_schema()::text AS name").get_result(&mut conn)?;
        conn.batch_execute(&format!("LISTEN {CHANNEL}"))?;
        Ok(Listener {
            conn,
            schema: schema.name,
        })
    }

    /// Whether a commit in this schema was notified since the last look.
    fn committed(&mut self) -> QueryResult<bool> {
        let mut heard = false;
        for notification in self.conn.notifications_iter() {
            heard |= notification?.payload == self.schema;
        }
        Ok(heard)
    }
}

/// Listens on `url` until dropped, calling `wake` for every commit notified in its schema,
/// and once each time listening (re)starts, for what was committed while it was not.
pub fn listen(url: String, wake: impl Fn() + Send + 'static) -> std::io::Result<Listening> {
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    std::thread::Builder::new()
        .name("council-feedback-listen".into())
        .spawn(move || run(&url, &wake, &stopped))?;
    Ok(Listening { stop })
}

fn run(url: &str, wake: &impl Fn(), stop: &AtomicBool) {
    let mut backoff = Duration::from_secs(1);
    // Whether the loss has been logged: once as it happens, once when it is over.
    let mut lost = false;
    while !stop.load(Ordering::Relaxed) {
        match Listener::open(url) {
            Ok(mut listener) => {
                if lost {
                    log::info!("jobs: listening for committed events again");
                } else {
                    log::info!("jobs: listening for committed events (LISTEN {CHANNEL})");
                }
                backoff = Duration::from_secs(1);
                wake();
                match heed(&mut listener, wake, stop) {
                    None => return,
                    Some(e) => {
                        log::warn!(
                            "jobs: stopped listening for committed events ({}); \
                             polling until the connection is back",
                            e.to_string().trim()
                        );
                        lost = true;
                    }
                }
            }
            Err(e) => {
                if !lost {
                    log::warn!(
                        "jobs: cannot listen for committed events ({}); polling until it can",
                        e.to_string().trim()
                    );
                    lost = true;
                } else {
                    log::debug!("jobs: still cannot listen for committed events: {e}");
                }
            }
        }
        // Waits before trying again, longer each time, and stops promptly if told to.
        let until = Instant::now() + backoff;
        while Instant::now() < until && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
        }
        backoff = (backoff * 2).min(MOST_BACKOFF);
    }
}

/// Passes notifications on until told to stop (`None`) or the connection fails (why).
fn heed(
    listener: &mut Listener,
    wake: &impl Fn(),
    stop: &AtomicBool,
) -> Option<diesel::result::Error> {
    let mut pinged = Instant::now();
    loop {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        match listener.committed() {
            Ok(true) => wake(),
            Ok(false) => {}
            Err(e) => return Some(e),
        }
        if pinged.elapsed() >= PING_EVERY {
            if let Err(e) = listener.conn.batch_execute("SELECT 1") {
                return Some(e);
            }
            pinged = Instant::now();
        }
        std::thread::sleep(CHECK_EVERY);
    }
}

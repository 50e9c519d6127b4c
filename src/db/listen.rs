//! Telling other instances of committed events, and hearing of theirs (PostgreSQL's
//! LISTEN/NOTIFY). A serving instance notes each committed write, and a connection of its own
//! (outside the pool) notifies [`CHANNEL`] for them, at most once every [`CHECK_EVERY`],
//! after the commit. An instance running the jobs listens on another such connection and
//! passes each notification on as a wake, as a commit in its own process does. Polling stays
//! as the fallback: what is missed while a connection is down is made up for by a wake when
//! it is back, and by the jobs' poll.
//!
//! Why not NOTIFY in the writing transaction (or from a trigger): PostgreSQL serialises the
//! commits of transactions that notify, on one lock for the whole database. A trigger on
//! `case_events` cut creates at 16 clients from about 1,100 to about 600 a second here; a
//! notification sent apart, for every commit of the last 20 ms at once, costs the writers
//! nothing.
//!
//! diesel reads notifications without waiting for them (`notifications_iter`), so the
//! threads look every [`CHECK_EVERY`]: for the listener a read of a local socket that finds
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

/// A connection on [`CHANNEL`], and the schema it notifies for or heeds.
struct Listener {
    conn: PgConnection,
    schema: String,
}

impl Listener {
    fn open(url: &str, listen: bool) -> QueryResult<Listener> {
        let mut conn = PgConnection::establish(url).map_err(|e| {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UnableToSendCommand,
                Box::new(e.to_string()),
            )
        })?;
        let schema: Schema =
            diesel::sql_query("SELECT current_schema()::text AS name").get_result(&mut conn)?;
        if listen {
            conn.batch_execute(&format!("LISTEN {CHANNEL}"))?;
        }
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

/// What a connection of ours does on the channel.
enum Work {
    /// Passes each notification for its schema on.
    Listen(Box<dyn Fn() + Send>),
    /// Notifies when commits were noted here since it last did.
    Announce(Arc<AtomicBool>),
}

impl Work {
    fn name(&self) -> &'static str {
        match self {
            Work::Listen(_) => "listening for committed events",
            Work::Announce(_) => "announcing committed events to other instances",
        }
    }
}

/// Listens on `url` until dropped, calling `wake` for every commit notified in its schema,
/// and once each time listening (re)starts, for what was committed while it was not.
pub fn listen(url: String, wake: impl Fn() + Send + 'static) -> std::io::Result<Listening> {
    start(url, Work::Listen(Box::new(wake)))
}

/// Notifies other instances on `url` until dropped, whenever `pending` was set (by a commit
/// here) since it last looked.
pub fn announce(url: String, pending: Arc<AtomicBool>) -> std::io::Result<Listening> {
    start(url, Work::Announce(pending))
}

fn start(url: String, work: Work) -> std::io::Result<Listening> {
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    std::thread::Builder::new()
        .name("council-feedback-notify".into())
        .spawn(move || run(&url, &work, &stopped))?;
    Ok(Listening { stop })
}

fn run(url: &str, work: &Work, stop: &AtomicBool) {
    let mut backoff = Duration::from_secs(1);
    // Whether the loss has been logged: once as it happens, once when it is over.
    let mut lost = false;
    let what = work.name();
    while !stop.load(Ordering::Relaxed) {
        match Listener::open(url, matches!(work, Work::Listen(_))) {
            Ok(mut listener) => {
                if lost {
                    log::info!("jobs: {what} again");
                } else {
                    log::info!("jobs: {what} ({CHANNEL})");
                }
                backoff = Duration::from_secs(1);
                match work {
                    Work::Listen(wake) => wake(),
                    // What was committed while the connection was down.
                    Work::Announce(pending) => pending.store(true, Ordering::Relaxed),
                }
                match heed(&mut listener, work, stop) {
                    None => return,
                    Some(e) => {
                        log::warn!(
                            "jobs: stopped {what} ({}); polling until the connection is back",
                            e.to_string().trim()
                        );
                        lost = true;
                    }
                }
            }
            Err(e) => {
                if !lost {
                    log::warn!(
                        "jobs: cannot start {what} ({}); polling until it can",
                        e.to_string().trim()
                    );
                    lost = true;
                } else {
                    log::debug!("jobs: still cannot start {what}: {e}");
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

/// Does its work until told to stop (`None`) or the connection fails (why).
fn heed(listener: &mut Listener, work: &Work, stop: &AtomicBool) -> Option<diesel::result::Error> {
    let mut pinged = Instant::now();
    loop {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        let done = match work {
            Work::Listen(wake) => listener.committed().map(|heard| {
                if heard {
                    wake();
                }
            }),
            Work::Announce(pending) if pending.swap(false, Ordering::Relaxed) => {
                let sent = listener
                    .conn
                    .batch_execute(&format!("SELECT pg_notify('{CHANNEL}', current_schema())"));
                if sent.is_err() {
                    // Sent again once the connection is back.
                    pending.store(true, Ordering::Relaxed);
                }
                sent
            }
            Work::Announce(_) => Ok(()),
        };
        if let Err(e) = done {
            return Some(e);
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

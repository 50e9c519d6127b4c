//! SQLite: the write-ahead log is copied into the database file (checkpointed) on a thread of
//! its own, not by the writer.
//!
//! Left to itself, SQLite checkpoints in the connection whose commit takes the log past 1,000
//! pages: inside that write transaction, behind the gate every other write waits at, with
//! two `fsync`s. A create writes some twenty pages, so one create in fifty paid for the
//! others' pages too, and every write queued behind it. Here the writer's own checkpoints
//! are only a backstop, past 10,000 pages (40 MiB: `db::WRITER_CONNECTION`); after commits,
//! this thread runs a `PASSIVE` checkpoint, which copies what it can without taking the
//! writer's lock or waiting for readers, so writes go on meanwhile. Commits gathered over
//! [`GATHER`] are checkpointed together: a page written by many of them (a table's last leaf)
//! is copied once.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};

/// How long the thread lets commits gather before it checkpoints them.
pub const GATHER: Duration = Duration::from_millis(100);

/// Tells the checkpointing thread of commits. The thread ends once every clone is dropped.
#[derive(Debug, Clone)]
pub struct Checkpoints {
    nudge: SyncSender<()>,
}

impl Checkpoints {
    /// Starts the thread for the SQLite file at `path`. Its connection is opened at the
    /// first checkpoint, so the file is made by whoever opens it first, as before.
    pub fn start(path: &str) -> std::io::Result<Checkpoints> {
        let (nudge, nudges) = sync_channel(1);
        let path = path.to_string();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || run(&path, &nudges))?;
        Ok(Checkpoints { nudge })
    }

    /// A write committed: its pages are to be checkpointed. Never waits: a nudge not yet
    /// taken up already covers this commit.
    pub fn committed(&self) {
        let _ = self.nudge.try_send(());
    }
}

fn run(path: &str, nudges: &Receiver<()>) {
    let mut conn: Option<SqliteConnection> = None;
    while nudges.recv().is_ok() {
        std::thread::sleep(GATHER);
        match nudges.try_recv() {
            Ok(()) | Err(TryRecvError::Empty) => {}
            // Every sender gone: the database is closed; what is left of the log is
            // checkpointed by the last connection to close.
            Err(TryRecvError::Disconnected) => return,
        }
        if conn.is_none() {
            conn = match SqliteConnection::establish(path) {
                Ok(c) => Some(c),
                Err(e) => {
                    log::warn!("sqlite checkpoints: cannot open the database: {e}");
                    None
                }
            };
        }
        let Some(c) = conn.as_mut() else { continue };
        // PASSIVE: copies the frames no reader still needs, waits for nobody and takes no
        // lock a writer needs. A checkpoint already running elsewhere (another process on
        // the file) answers busy, and the next commit brings this thread back.
        if let Err(e) = c.batch_execute("PRAGMA wal_checkpoint(PASSIVE)") {
            log::warn!("sqlite checkpoint failed: {e}");
            conn = None;
        }
    }
}

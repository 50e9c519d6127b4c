//! The access audit's journal (issue 15 §5): every answered read is appended to a file of this
//! instance's own before its answer leaves, and a flusher copies the file into the
//! `access_log` table in batches, off the request path.
//!
//! Why no read is lost:
//! - The handler's records are written with one `write(2)` to a file opened `O_APPEND`, under
//!   a mutex, before the response is handed to the connection. Once `write` returns the bytes
//!   are in the kernel's page cache: killing the process (`kill -9`, a panic, an abort) does
//!   not lose them. A power cut before the kernel writes the page back could (no `fsync` on
//!   the request path): that is out of scope, as it is for PostgreSQL's own
//!   `synchronous_commit = off`, which this service already uses.
//! - The flusher inserts a batch and moves the journal's committed offset in one transaction:
//!   a crash between leaves both as they were, and the batch is read again.
//! - Every record carries a unique id and a record already in the table is not inserted again,
//!   so a replay that overlaps (a rotation cut short) never duplicates one.
//! - At start-up, before serving, each journal left by a process that is gone (its lock is
//!   free) is replayed from its committed offset into the table and removed.
//!
//! Several instances: each writes its own file (`DATA_DIR/access-journal/<uuid>.jsonl`) and
//! holds an exclusive lock on it while it lives; only a file whose lock can be taken (its
//! process is gone) is replayed by another.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::db::{access_log, Database, DbError};
use crate::domain::access_log::{complete_lines, lines, AccessRecord};

/// The journal is emptied once everything in it is in the table and it is at least this long.
const ROTATE_BYTES: u64 = 8 * 1024 * 1024;
/// The most read from the journal for one pass of the flusher.
const READ_CHUNK: u64 = 4 * 1024 * 1024;
/// Records inserted in one transaction.
const BATCH: usize = 1000;

/// This instance's journal.
pub struct AccessJournal {
    name: String,
    path: PathBuf,
    writer: Mutex<File>,
    /// One flush at a time (the flusher, or an access-log read wanting what is journalled).
    flushing: Mutex<()>,
    /// Bytes of the file written into the table.
    committed: AtomicU64,
    /// Set by each append, for the flusher.
    pending: Mutex<bool>,
    wake: Condvar,
    stopping: AtomicBool,
}

impl std::fmt::Debug for AccessJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessJournal")
            .field("path", &self.path)
            .finish()
    }
}

fn io(context: &str, error: std::io::Error) -> String {
    format!("{context}: {error}")
}

fn db(error: DbError) -> String {
    format!("writing the access log: {error:?}")
}

/// Copies the whole lines of journal `name` at `path`, from byte `from`, into the table,
/// each batch with the offset after it in one transaction. Gives the offset reached.
fn copy_into_table(db_: &Database, name: &str, path: &Path, from: u64) -> Result<u64, String> {
    let mut file = File::open(path).map_err(|e| io("reading the access journal", e))?;
    let mut offset = from;
    loop {
        let length = file
            .metadata()
            .map_err(|e| io("reading the access journal", e))?
            .len();
        if length < offset {
            // Emptied by a rotation whose offset was not yet moved: nothing after it.
            offset = 0;
        }
        if length <= offset {
            return Ok(offset);
        }
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| io("reading the access journal", e))?;
        let mut bytes = Vec::new();
        (&mut file)
            .take(READ_CHUNK.min(length - offset))
            .read_to_end(&mut bytes)
            .map_err(|e| io("reading the access journal", e))?;
        let (parsed, consumed) = complete_lines(&bytes);
        if consumed == 0 {
            // Only a line still being written (or cut short by a crash).
            return Ok(offset);
        }
        let mut records = Vec::with_capacity(parsed.len());
        for record in parsed {
            match record {
                Ok(record) => records.push(record),
                Err(line) => {
                    log::error!("access journal {name}: a line that is not a record: {line}")
                }
            }
        }
        let end = offset + consumed as u64;
        let at = crate::db::now();
        db_.blocking_transaction(|conn| -> Result<(), DbError> {
            for batch in records.chunks(BATCH) {
                access_log::insert_new(conn, batch, at)?;
            }
            access_log::set_committed(conn, name, end as i64, at)?;
            Ok(())
        })
        .map_err(db)?;
        offset = end;
    }
}

impl AccessJournal {
    /// Opens a journal of this instance's own in `data_dir/access-journal`, after replaying
    /// into the table every journal a process that is gone left there.
    pub fn open(data_dir: &Path, database: &Database) -> Result<Arc<AccessJournal>, String> {
        let dir = data_dir.join("access-journal");
        std::fs::create_dir_all(&dir)
            .map_err(|e| io(&format!("DATA_DIR: cannot make {}", dir.display()), e))?;
        let replayed = replay_orphans(&dir, database)?;
        if replayed > 0 {
            log::info!("access journal: wrote {replayed} journals left by earlier processes into the access log");
        }
        let name = uuid::Uuid::new_v4().simple().to_string();
        let path = dir.join(format!("{name}.jsonl"));
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .read(true)
            .open(&path)
            .map_err(|e| io(&format!("cannot make {}", path.display()), e))?;
        file.try_lock()
            .map_err(|e| format!("cannot lock {}: {e}", path.display()))?;
        Ok(Arc::new(AccessJournal {
            name,
            path,
            writer: Mutex::new(file),
            flushing: Mutex::new(()),
            committed: AtomicU64::new(0),
            pending: Mutex::new(false),
            wake: Condvar::new(),
            stopping: AtomicBool::new(false),
        }))
    }

    /// Appends `records` with one write: when this returns `Ok`, they survive the process.
    pub fn append(&self, records: &[AccessRecord]) -> std::io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let buffer = lines(records);
        {
            let mut file = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            file.write_all(&buffer)?;
        }
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if !*pending {
            *pending = true;
            self.wake.notify_one();
        }
        Ok(())
    }

    /// Writes everything journalled so far into the table (blocking). Gives the bytes
    /// committed.
    pub fn flush(&self, database: &Database) -> Result<u64, String> {
        let _turn = self.flushing.lock().unwrap_or_else(|p| p.into_inner());
        let from = self.committed.load(Ordering::Acquire);
        let reached = copy_into_table(database, &self.name, &self.path, from)?;
        self.committed.store(reached, Ordering::Release);
        if reached >= ROTATE_BYTES {
            self.rotate(database, reached)?;
        }
        Ok(self.committed.load(Ordering::Acquire))
    }

    /// Empties the journal once all of it is in the table: appends wait meanwhile (once every
    /// few megabytes). The offset goes back to 0 first; if the emptying then fails, the next
    /// flush reads the old records again and finds them already in the table.
    fn rotate(&self, database: &Database, reached: u64) -> Result<(), String> {
        let file = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let length = file
            .metadata()
            .map_err(|e| io("reading the access journal", e))?
            .len();
        if length != reached {
            return Ok(());
        }
        let at = crate::db::now();
        database
            .blocking_transaction(|conn| -> Result<(), DbError> {
                Ok(access_log::set_committed(conn, &self.name, 0, at)?)
            })
            .map_err(db)?;
        self.committed.store(0, Ordering::Release);
        file.set_len(0)
            .map_err(|e| io("emptying the access journal", e))?;
        Ok(())
    }

    /// Starts the flusher on a thread of its own: it writes the journal into the table when
    /// records have waited `gather`, and once more when stopped.
    pub fn start_flusher(self: &Arc<Self>, database: Database, gather: Duration) -> Flusher {
        let journal = self.clone();
        let thread = std::thread::Builder::new()
            .name("access-journal".into())
            .spawn(move || loop {
                let stopping = {
                    let mut pending = journal.pending.lock().unwrap_or_else(|p| p.into_inner());
                    while !*pending && !journal.stopping.load(Ordering::Acquire) {
                        pending = journal
                            .wake
                            .wait(pending)
                            .unwrap_or_else(|p| p.into_inner());
                    }
                    journal.stopping.load(Ordering::Acquire)
                };
                if !stopping {
                    // Reads arriving meanwhile go in the same batch.
                    let (pending, _) = journal
                        .wake
                        .wait_timeout_while(
                            journal.pending.lock().unwrap_or_else(|p| p.into_inner()),
                            gather,
                            |_| !journal.stopping.load(Ordering::Acquire),
                        )
                        .unwrap_or_else(|p| p.into_inner());
                    drop(pending);
                }
                *journal.pending.lock().unwrap_or_else(|p| p.into_inner()) = false;
                if let Err(e) = journal.flush(&database) {
                    // Still in the journal: the next pass (or the next start) writes it.
                    log::warn!("access journal: {e}");
                    std::thread::sleep(Duration::from_millis(500));
                    *journal.pending.lock().unwrap_or_else(|p| p.into_inner()) = true;
                }
                if stopping {
                    return;
                }
            });
        if let Err(e) = &thread {
            log::error!("access journal: cannot start the flusher: {e}");
        }
        Flusher {
            journal: self.clone(),
        }
    }
}

/// The running flusher: stopped (after a last flush) when dropped.
pub struct Flusher {
    journal: Arc<AccessJournal>,
}

impl Drop for Flusher {
    fn drop(&mut self) {
        self.journal.stopping.store(true, Ordering::Release);
        let _pending = self
            .journal
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        self.journal.wake.notify_all();
    }
}

/// Replays and removes the journals in `dir` whose process is gone (their lock is free).
fn replay_orphans(dir: &Path, database: &Database) -> Result<usize, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| io("reading the access journals", e))?;
    let mut replayed = 0;
    for entry in entries {
        let path = entry
            .map_err(|e| io("reading the access journals", e))?
            .path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".jsonl"))
            .map(str::to_string)
        else {
            continue;
        };
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|e| io(&format!("opening {}", path.display()), e))?;
        if file.try_lock().is_err() {
            // A living instance's journal.
            continue;
        }
        let from = database
            .blocking_transaction(|conn| -> Result<i64, DbError> {
                Ok(access_log::committed(conn, &name)?)
            })
            .map_err(db)?;
        copy_into_table(database, &name, &path, u64::try_from(from).unwrap_or(0))?;
        std::fs::remove_file(&path).map_err(|e| io(&format!("removing {}", path.display()), e))?;
        database
            .blocking_transaction(|conn| -> Result<(), DbError> {
                Ok(access_log::forget(conn, &name)?)
            })
            .map_err(db)?;
        drop(file);
        replayed += 1;
    }
    Ok(replayed)
}

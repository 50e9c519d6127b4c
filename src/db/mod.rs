//! Storage: one diesel code path for PostgreSQL and SQLite.
//!
//! `DbConnection` is a diesel `MultiConnection`, so repository functions are
//! written once against it. Blocking work runs on actix's blocking pool.

pub mod access_log;
pub mod adjustments;
pub mod alerts;
pub mod case_access;
pub mod cases;
pub mod checkpoint;
pub mod connect;
pub mod documents;
pub mod duplicates;
mod error;
pub mod events;
pub mod extensions;
pub mod feedback;
pub mod flags;
pub mod idempotency;
pub mod learning;
pub mod letters;
pub mod listen;
pub mod mailroom;
pub mod native;
pub mod ombudsman;
pub mod outbox;
pub mod ownership;
pub mod people;
pub mod prepared;
pub mod projections;
pub mod remedies;
pub mod reports;
pub mod responses;
pub mod restrictions;
pub mod retention;
pub mod schema;
pub mod services;
pub mod slow;
pub mod stages;
pub mod subject_access;
pub mod surveys;
pub mod text;
pub mod together;
pub mod webhooks;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{CustomizeConnection, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::{is_postgres_url, sqlite_path};

pub use connect::{Manager, Tracked};
pub use error::{DbError, DbFailure};

const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// A connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database this deployment uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

#[derive(QueryableByName)]
struct Snapshot {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

/// Starts two read transactions at the same moment (see [`Database::report_snapshot`]).
fn same_moment(
    first: &mut DbConnection,
    second: &mut DbConnection,
    write_gate: Option<&Mutex<()>>,
) -> Result<(), DbError> {
    const REPORT_SETTINGS: &str = "SET LOCAL work_mem = '64MB'; SET LOCAL jit = off;";
    match (first, second) {
        (DbConnection::Pg(first), DbConnection::Pg(second)) => {
            first.batch_execute(&format!(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; {REPORT_SETTINGS}"
            ))?;
            let snapshot: Snapshot =
                diesel::sql_query("SELECT pg_export_snapshot() AS id").get_result(first)?;
            // The id is PostgreSQL's own (hex digits and dashes).
            if !snapshot
                .id
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == '-')
            {
                return Err(DbError::other(format!(
                    "unexpected snapshot id `{}`",
                    snapshot.id
                )));
            }
            second.batch_execute(&format!(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; \
                 SET TRANSACTION SNAPSHOT '{}'; {REPORT_SETTINGS}",
                snapshot.id
            ))?;
        }
        (DbConnection::Sqlite(first), DbConnection::Sqlite(second)) => {
            let _no_writes = write_gate.map(|gate| gate.lock().unwrap_or_else(|p| p.into_inner()));
            first.batch_execute("SELECT COUNT(*) FROM sqlite_master")?;
            second.batch_execute("SELECT COUNT(*) FROM sqlite_master")?;
        }
        _ => {
            return Err(DbError::other(
                "report connections to two kinds of database",
            ))
        }
    }
    Ok(())
}

/// Runs `first` and `second` at once, each on its own connection (and
/// thread): the two halves of a report.
pub fn side_by_side<A, B, E>(
    first_conn: &mut DbConnection,
    second_conn: &mut DbConnection,
    first: impl FnOnce(&mut DbConnection) -> Result<A, E> + Send,
    second: impl FnOnce(&mut DbConnection) -> Result<B, E> + Send,
) -> Result<(A, B), E>
where
    A: Send,
    B: Send,
    E: From<DbError> + Send,
{
    std::thread::scope(|scope| {
        let other = scope.spawn(move || second(second_conn));
        let a = first(first_conn);
        let b = other
            .join()
            .map_err(|_| DbError::other("a report query's thread panicked"))?;
        Ok((a?, b?))
    })
}

/// SQLite: a write transaction takes the file's one writer's lock before it reads anything.
/// Diesel begins SQLite transactions deferred (`BEGIN`): one that reads and then writes,
/// while another connection (another process on the file: `worker`, `retention run`, a test's
/// own pool) commits between the two, is refused at once with "database is locked", without
/// waiting out `busy_timeout`, because its snapshot is stale. A write that changes nothing,
/// first, makes the transaction wait for its turn as `BEGIN IMMEDIATE` would.
fn writers_turn(conn: &mut DbConnection) -> Result<(), DbError> {
    if let DbConnection::Sqlite(sqlite) = conn {
        take_writers_turn(sqlite)?;
    }
    Ok(())
}

/// [`writers_turn`] on SQLite's own connection.
pub(crate) fn take_writers_turn(sqlite: &mut diesel::SqliteConnection) -> QueryResult<()> {
    sqlite.batch_execute("UPDATE __diesel_schema_migrations SET version = version WHERE 0")
}

/// Applies the per-connection SQLite settings: wait for locks instead of
/// failing, write-ahead logging so readers never block the writer, foreign keys
/// enforced, and deleted content overwritten with zeros (`secure_delete`), so that what
/// retention removes leaves no trace in the file.
#[derive(Debug)]
struct ConnectionSetup;

impl CustomizeConnection<Tracked, diesel::r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut Tracked) -> Result<(), diesel::r2d2::Error> {
        if let DbConnection::Sqlite(sqlite) = &mut **conn {
            sqlite
                .batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                     PRAGMA secure_delete = ON;",
                )
                .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// How many times a pool failed to open or set up a connection, since the process started
/// (each is also noted by [`connect::unreachable`]).
pub fn pool_errors() -> u64 {
    connect::failed_connects()
}

/// [`ConnectionSetup`], then SQLite settings of one pool's own.
#[derive(Debug)]
struct SetupWith(&'static str);

impl CustomizeConnection<Tracked, diesel::r2d2::Error> for SetupWith {
    fn on_acquire(&self, conn: &mut Tracked) -> Result<(), diesel::r2d2::Error> {
        ConnectionSetup.on_acquire(conn)?;
        if let DbConnection::Sqlite(sqlite) = &mut **conn {
            sqlite
                .batch_execute(self.0)
                .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// The report connections read a great deal and write nothing: on SQLite
/// they read the file through a memory map (up to SQLite's 2 GiB limit)
/// instead of a system call and a copy per page. A million-case annual
/// report went from 1.9 s to 1.0 s with it. The request connections keep
/// reading without one: there, remapping as writes grow the file cost more
/// than it saved.
const REPORT_CONNECTION: SetupWith = SetupWith("PRAGMA mmap_size = 2147418112;");

/// SQLite: the connection every write of this process runs on ([`Database::transaction`]).
/// Writes take turns at the gate anyway; on one connection, its cache of the file's pages
/// stays good from one write to the next. On a connection of the pool, another's commit in
/// between had it read every page again (64 reads per create, measured). It keeps 64 MiB of
/// pages, and checkpoints the log itself only as a backstop, past 10,000 pages (40 MiB), where
/// the checkpoint thread has been kept from keeping up ([`checkpoint`]).
const WRITER_CONNECTION: SetupWith =
    SetupWith("PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 10000;");

/// The reference-number connections commit without waiting for the disk:
/// see [`Database::next_reference_number`] for why that is safe.
#[derive(Debug)]
struct AsynchronousCommit;

impl CustomizeConnection<Tracked, diesel::r2d2::Error> for AsynchronousCommit {
    fn on_acquire(&self, conn: &mut Tracked) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute("SET synchronous_commit TO OFF")
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// The connection pool, shared by every worker.
#[derive(Clone)]
pub struct Database {
    pool: Pool<Manager>,
    /// Whether the database is within reach: shared by the pools, so that an outage is
    /// logged once and requests fail fast while it lasts.
    health: Arc<connect::Health>,
    /// How long a request waits for a connection before it is answered 503.
    wait: Duration,
    backend: Backend,
    /// SQLite takes one writer at a time; queueing writers here, rather than
    /// inside SQLite, avoids its busy errors on lock upgrades.
    write_gate: Option<Arc<Mutex<()>>>,
    /// SQLite: the one connection the writes run on, taken at the gate ([`WRITER_CONNECTION`]).
    /// PostgreSQL writes on the pool's.
    writer: Option<Pool<Manager>>,
    /// SQLite: told of each committed write, to checkpoint the log off the writer's path.
    checkpoints: Option<checkpoint::Checkpoints>,
    /// PostgreSQL: a small pool of its own for reference numbers, so taking a
    /// number never waits for a connection held by a create (see
    /// [`Database::next_reference_number`]).
    sequences: Option<Pool<Manager>>,
    /// Two connections of the reports' own, taken by one report at a time
    /// (see [`Database::report_snapshot`]).
    reports: Arc<ReportConnections>,
    /// Told after every committed write, so the background jobs (webhook delivery) look for
    /// work at once instead of at their next poll.
    committed: Arc<tokio::sync::Notify>,
    /// PostgreSQL: where to listen for events other instances commit, and tell them of ours
    /// (see [`listen`]).
    listen_url: Option<String>,
    /// Set after each committed write, for [`Database::announce_commits`].
    announce: Arc<std::sync::atomic::AtomicBool>,
}

struct ReportConnections {
    pool: Pool<Manager>,
    turn: Mutex<()>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.backend)
            .finish()
    }
}

/// A connection error at start-up, in words for the operator.
#[derive(Debug)]
pub struct DbStartError(pub String);

impl std::fmt::Display for DbStartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DbStartError {}

impl Database {
    /// Opens a pool on `url` (creating the SQLite file and its folder if needed), waiting
    /// [`DEFAULT_WAIT`] for a connection.
    pub fn connect(url: &str, pool_size: u32) -> Result<Database, DbStartError> {
        Database::connect_with(url, pool_size, DEFAULT_WAIT)
    }

    /// Opens a pool on `url` whose requests wait at most `wait` for a connection: while the
    /// database is out of reach, each is answered 503 within that time.
    pub fn connect_with(
        url: &str,
        pool_size: u32,
        wait: Duration,
    ) -> Result<Database, DbStartError> {
        let (backend, connection_url) = if is_postgres_url(url) {
            (Backend::Postgres, url.to_string())
        } else {
            let path = sqlite_path(url).ok_or_else(|| {
                DbStartError(format!("DATABASE_URL: `{url}` is not a database URL"))
            })?;
            if let Some(parent) = std::path::Path::new(path).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        DbStartError(format!(
                            "DATABASE_URL: cannot create {}: {e}",
                            parent.display()
                        ))
                    })?;
                }
            }
            (Backend::Sqlite, path.to_string())
        };
        if backend == Backend::Sqlite {
            // The pool opens its connections at once, on several threads; on a new file each
            // would switch it to write-ahead logging, which takes the file for itself, and one
            // in a dozen starts logged `database is locked`. One connection switches it first:
            // the mode is kept in the file, and for the pool's it is then already set.
            let mut first = SqliteConnection::establish(&connection_url)
                .map_err(|e| DbStartError(format!("DATABASE_URL: cannot open: {e}")))?;
            first
                .batch_execute("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;")
                .map_err(|e| DbStartError(format!("DATABASE_URL: cannot open: {e}")))?;
        }
        let health = Arc::new(connect::Health::default());
        let manager = Manager::new(backend, &connection_url, wait, health.clone());
        let listen_url = (backend == Backend::Postgres).then(|| manager.url().to_string());
        // Every pool of this database: r2d2 would run a query on every checkout to
        // test the connection, a round trip per request (a dead connection is
        // noticed when a query fails on it: an error once, then r2d2 replaces it);
        // a connection is waited for at most `wait`; failures are told to `health`.
        let builder =
            |size: u32, setup: Box<dyn CustomizeConnection<Tracked, diesel::r2d2::Error>>| {
                Pool::builder()
                    .max_size(size)
                    .test_on_check_out(false)
                    .connection_timeout(wait)
                    .connection_customizer(setup)
                    .error_handler(Box::new(connect::PoolErrors(health.clone())))
            };
        let pool = builder(pool_size, Box::new(ConnectionSetup))
            .build(manager.clone())
            .map_err(|e| DbStartError(format!("DATABASE_URL: cannot connect: {e}")))?;
        let write_gate = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        let (writer, checkpoints) = match backend {
            Backend::Sqlite => (
                Some(
                    builder(1, Box::new(WRITER_CONNECTION))
                        .min_idle(Some(0))
                        .build_unchecked(manager.clone()),
                ),
                Some(
                    checkpoint::Checkpoints::start(&connection_url).map_err(|e| {
                        DbStartError(format!("cannot start the checkpoint thread: {e}"))
                    })?,
                ),
            ),
            Backend::Postgres => (None, None),
        };
        let sequences = match backend {
            Backend::Postgres => Some(
                builder(2, Box::new(AsynchronousCommit))
                    .min_idle(Some(1))
                    .build(manager.clone())
                    .map_err(|e| DbStartError(format!("DATABASE_URL: cannot connect: {e}")))?,
            ),
            Backend::Sqlite => None,
        };
        // Opened when the first report runs, so an idle service (or a test)
        // holds no more connections than before.
        let reports = builder(2, Box::new(REPORT_CONNECTION))
            .min_idle(Some(0))
            .build_unchecked(manager);
        Ok(Database {
            pool,
            health,
            wait,
            backend,
            write_gate,
            writer,
            checkpoints,
            sequences,
            reports: Arc::new(ReportConnections {
                pool: reports,
                turn: Mutex::new(()),
            }),
            committed: Arc::new(tokio::sync::Notify::new()),
            listen_url,
            announce: Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies every pending migration of this backend.
    pub fn migrate(&self) -> Result<Vec<String>, DbStartError> {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| DbStartError(format!("DATABASE_URL: cannot connect: {e}")))?;
        run_migrations(&mut conn)
    }

    /// A pooled connection, for blocking code outside a request (the CLI, tests).
    pub fn connection(&self) -> Result<PooledConnection<Manager>, DbError> {
        Ok(self.pool.get()?)
    }

    /// Runs read-only work on the blocking pool. The work fails with any
    /// error a [`DbError`] becomes.
    pub async fn with_connection<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + DbFailure + Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    {
        let pool = self.pool.clone();
        let (wait, health) = (self.wait, self.health.clone());
        actix_web::web::block(move || {
            let mut conn = checkout(&pool, wait, &health)?;
            let done = work(&mut conn);
            note_lost(&mut conn, &done, &health);
            done
        })
        .await
        .map_err(|e| DbError::other(format!("blocking task: {e}")))?
    }

    /// Runs a report's reads on two connections of the reports' own, each
    /// in a read-only transaction, both seeing the same moment: every
    /// figure of a report comes from the same data, and [`side_by_side`]
    /// runs its queries on both cores. Reports take their turn, one at a
    /// time, and never take connections the requests need.
    ///
    /// On PostgreSQL the second transaction imports the first's snapshot
    /// (repeatable read), and grouping is given room to hash in memory and
    /// is not compiled (JIT costs more than it saves on queries this size).
    /// On SQLite both read transactions start while no write can commit.
    pub async fn report_snapshot<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + DbFailure + Send + 'static,
        F: FnOnce(&mut DbConnection, &mut DbConnection) -> Result<T, E> + Send + 'static,
    {
        let reports = self.reports.clone();
        let (wait, health) = (self.wait, self.health.clone());
        let gate = self.write_gate.clone();
        actix_web::web::block(move || {
            let _turn = reports
                .turn
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let (mut first, mut second) = (
                checkout(&reports.pool, wait, &health)?,
                checkout(&reports.pool, wait, &health)?,
            );
            let done = {
                let first: &mut DbConnection = &mut first;
                let second: &mut DbConnection = &mut second;
                first
                    .transaction(|first| {
                        second.transaction(|second| {
                            same_moment(first, second, gate.as_deref())?;
                            work(first, second).map_err(Failed::Work)
                        })
                    })
                    .map_err(Failed::into_error)
            };
            note_lost(&mut first, &done, &health);
            note_lost(&mut second, &done, &health);
            done
        })
        .await
        .map_err(|e| DbError::other(format!("blocking task: {e}")))?
    }

    /// Runs work in one transaction on the blocking pool: all of it is
    /// written, or none of it. The work fails with any error a [`DbError`]
    /// becomes.
    pub async fn transaction<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + DbFailure + Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    {
        self.run_transaction(work, true).await
    }

    /// [`Database::transaction`] for the background jobs' own bookkeeping: it does not wake
    /// them (they would wake themselves for ever).
    pub async fn job_transaction<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + DbFailure + Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    {
        self.run_transaction(work, false).await
    }

    async fn run_transaction<T, E, F>(&self, work: F, wake_jobs: bool) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + DbFailure + Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    {
        let this = self.clone();
        actix_web::web::block(move || {
            let done = this.blocking_transaction(work);
            if wake_jobs && done.is_ok() {
                this.committed.notify_one();
                this.announce
                    .store(true, std::sync::atomic::Ordering::Relaxed);
            }
            done
        })
        .await
        .map_err(|e| DbError::other(format!("blocking task: {e}")))?
    }

    /// [`Database::job_transaction`] for a thread of its own that is not in the async
    /// runtime (the access journal's flusher): blocks that thread, takes SQLite's one writer's
    /// turn like every other write, and wakes no job. Every transaction runs here: on SQLite,
    /// on the one writer's connection ([`WRITER_CONNECTION`]), its commit then told to the checkpoint
    /// thread ([`checkpoint`]); on PostgreSQL, on a connection of the pool.
    pub fn blocking_transaction<T, E, F>(&self, work: F) -> Result<T, E>
    where
        E: From<DbError> + DbFailure,
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
    {
        let done = {
            // SQLite: the gate first, then its one writer's connection (never waited for: only
            // the gate's holder takes it). PostgreSQL: a connection of the pool.
            let _turn = self
                .write_gate
                .as_ref()
                .map(|gate| gate.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
            let mut conn = checkout(
                self.writer.as_ref().unwrap_or(&self.pool),
                self.wait,
                &self.health,
            )?;
            let done = conn
                .transaction(|conn| {
                    writers_turn(conn).map_err(|e| Failed::Work(E::from(e)))?;
                    work(conn).map_err(Failed::Work)
                })
                .map_err(Failed::into_error);
            note_lost(&mut conn, &done, &self.health);
            done
        };
        if let (Ok(_), Some(checkpoints)) = (&done, &self.checkpoints) {
            checkpoints.committed();
        }
        done
    }

    /// Notified after each committed write (see [`Database::transaction`]), and on
    /// PostgreSQL, while [`Database::listen_for_commits`] runs, after another instance's.
    pub fn committed(&self) -> Arc<tokio::sync::Notify> {
        self.committed.clone()
    }

    /// PostgreSQL: tells the other instances' jobs of this process's committed writes (see
    /// [`listen`]), until the answer is dropped. `None` on SQLite, where one instance runs.
    pub fn announce_commits(&self) -> Option<std::io::Result<listen::Listening>> {
        let url = self.listen_url.clone()?;
        Some(listen::announce(url, self.announce.clone()))
    }

    /// PostgreSQL: wakes [`Database::committed`] whenever another instance commits, until
    /// the answer is dropped. `None` on SQLite, where one instance runs and its own commits
    /// wake it.
    pub fn listen_for_commits(&self) -> Option<std::io::Result<listen::Listening>> {
        let url = self.listen_url.clone()?;
        let committed = self.committed.clone();
        Some(listen::listen(url, move || committed.notify_one()))
    }

    /// The next number in a reference sequence, for a create running in a
    /// transaction on `conn`.
    ///
    /// On SQLite (one writer at a time) the number is taken inside that
    /// transaction. On PostgreSQL it is taken in a short transaction of its
    /// own that commits without waiting for the disk: the counter's row lock
    /// is then held for microseconds instead of for the create's whole
    /// commit, so creates no longer queue behind each other. It is still
    /// never reused: the create's own durable commit flushes the write-ahead
    /// log past the counter's commit. A create that fails after taking a
    /// number leaves a gap, as sequences do.
    pub fn next_reference_number(
        &self,
        conn: &mut DbConnection,
        prefix: &str,
        year: i32,
    ) -> Result<i64, DbError> {
        match &self.sequences {
            None => Ok(cases::next_reference_number(conn, prefix, year)?),
            // One statement in autocommit: one round trip.
            Some(pool) => {
                let mut sequence = checkout(pool, self.wait, &self.health)?;
                let taken = cases::next_reference_number(&mut sequence, prefix, year)
                    .map_err(DbError::from);
                note_lost(&mut sequence, &taken, &self.health);
                taken
            }
        }
    }

    /// [`Database::next_reference_number`] for a case about to be written, with the ids its
    /// rows will have where the database can give them ahead (PostgreSQL, in the same
    /// statement: [`cases::next_number_and_ids`]), so that their `INSERT`s can go with the
    /// writes after them. SQLite gives ids as rows are written, and `wanted`
    /// [`IdsWanted::None`] takes none: `None`.
    pub fn next_case_number(
        &self,
        conn: &mut DbConnection,
        prefix: &str,
        year: i32,
        wanted: IdsWanted,
    ) -> Result<(i64, Option<cases::IdsAhead>), DbError> {
        let new_person = match wanted {
            IdsWanted::None => return Ok((self.next_reference_number(conn, prefix, year)?, None)),
            IdsWanted::CaseAndCustomer => false,
            IdsWanted::CaseCustomerAndPerson => true,
        };
        if let Some(pool) = &self.sequences {
            let mut sequence = checkout(pool, self.wait, &self.health)?;
            let taken = match &mut **sequence {
                DbConnection::Pg(pg) => cases::next_number_and_ids(pg, prefix, year, new_person),
                DbConnection::Sqlite(_) => Ok(None),
            }
            .map_err(DbError::from);
            note_lost(&mut sequence, &taken, &self.health);
            if let Some((number, ids)) = taken? {
                return Ok((number, Some(ids)));
            }
        }
        Ok((self.next_reference_number(conn, prefix, year)?, None))
    }

    /// Whether the database answers a trivial query, within [`PING_WAIT`] (or the requests'
    /// wait, if shorter) for a connection.
    pub async fn ping(&self) -> Result<(), DbError> {
        let pool = self.pool.clone();
        let wait = self.wait.min(PING_WAIT);
        let health = self.health.clone();
        actix_web::web::block(move || {
            let mut conn = checkout(&pool, wait, &health)?;
            let done = diesel::sql_query("SELECT 1")
                .execute(&mut **conn)
                .map(|_| ())
                .map_err(DbError::from);
            note_lost(&mut conn, &done, &health);
            done
        })
        .await
        .map_err(|e| DbError::other(format!("blocking task: {e}")))?
    }
}

/// Which ids a create asks [`Database::next_case_number`] to take ahead with its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdsWanted {
    /// None: the case is written alone (it has a representative, whose row needs it first).
    None,
    /// The case's and its customer's: the customer is a person on record.
    CaseAndCustomer,
    /// The case's, its customer's and the new person's the customer is to be.
    CaseCustomerAndPerson,
}

/// How long a request waits for a connection unless configured otherwise.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(2);

/// The longest a readiness check waits for a connection.
pub const PING_WAIT: Duration = Duration::from_millis(800);

/// While the database is known to be out of reach, a request waits this long for a
/// connection (the pool keeps trying to open them meanwhile) instead of the whole wait.
const WAIT_WHILE_DOWN: Duration = Duration::from_millis(250);

/// A connection from `pool` within `wait`, or sooner while the database is out of reach.
fn checkout(
    pool: &Pool<Manager>,
    wait: Duration,
    health: &connect::Health,
) -> Result<PooledConnection<Manager>, DbError> {
    let down = health.is_down();
    let wait = if down {
        wait.min(WAIT_WHILE_DOWN)
    } else {
        wait
    };
    let started = std::time::Instant::now();
    loop {
        let left = wait.saturating_sub(started.elapsed());
        let mut conn = pool.get_timeout(left).map_err(|error| {
            if !down && !health.is_down() {
                // Every connection busy while the database answers: a load to hear of each time.
                log::warn!("no database connection came free within {wait:?}: {error}");
            }
            DbError::from(error)
        })?;
        if health.is_current(&conn) {
            return Ok(conn);
        }
        // Opened before the latest outage: its server has gone. The pool drops it and opens
        // another.
        conn.lost = true;
    }
}

/// A connection whose work found the database out of reach is not lent again, and the
/// outage is noted (and logged, if it is new).
fn note_lost<T, E: DbFailure>(conn: &mut Tracked, done: &Result<T, E>, health: &connect::Health) {
    if let Some(cause) = done.as_ref().err().and_then(DbFailure::unavailable) {
        conn.lost = true;
        // A connection from before the latest outage tells of that one, not of a new one.
        if health.is_current(conn) {
            health.unreachable(&cause);
        }
    }
}

/// Why a transaction ended without committing: its work failed (with the
/// caller's own error), or the database did (beginning, committing or
/// rolling back, or a step of [`Database::report_snapshot`]'s own).
enum Failed<E> {
    Work(E),
    Database(DbError),
}

impl<E> From<diesel::result::Error> for Failed<E> {
    fn from(error: diesel::result::Error) -> Self {
        Failed::Database(error.into())
    }
}

impl<E> From<DbError> for Failed<E> {
    fn from(error: DbError) -> Self {
        Failed::Database(error)
    }
}

impl<E: From<DbError>> Failed<E> {
    fn into_error(self) -> E {
        match self {
            Failed::Work(error) => error,
            Failed::Database(error) => error.into(),
        }
    }
}

/// Applies pending migrations on one connection.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, DbStartError> {
    let applied = match conn {
        DbConnection::Pg(pg) => pg.run_pending_migrations(POSTGRES_MIGRATIONS).map(versions),
        DbConnection::Sqlite(sqlite) => sqlite
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(versions),
    };
    applied.map_err(|e| DbStartError(format!("migrations failed: {e}")))
}

fn versions(list: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    list.iter().map(|v| v.to_string()).collect()
}

/// Whether an error is a unique-constraint violation (a lost race).
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Now, in UTC, truncated to microseconds: what both backends store exactly.
pub fn now() -> chrono::NaiveDateTime {
    truncate_to_micros(chrono::Utc::now().naive_utc())
}

/// Drops sub-microsecond precision so a stored instant reads back equal.
pub fn truncate_to_micros(t: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    use chrono::Timelike;
    let micros = t.nanosecond() / 1_000 * 1_000;
    t.with_nanosecond(micros).unwrap_or(t)
}

//! Opening connections, and knowing when the database has gone and come back.
//!
//! diesel's own r2d2 manager opens a `MultiConnection` by trying each backend in turn, and
//! when PostgreSQL is down it reports every failed attempt as "Invalid connection url for
//! multiconnection". [`Manager`] opens the backend the URL names, so a failure says what
//! happened. A connection whose work found the database gone is marked [`Tracked::lost`] and
//! dropped by the pool instead of being handed to the next request. [`Health`] logs an outage
//! once as it starts and once as it ends, instead of once per request or per attempt to
//! reconnect, and lets requests fail fast while it lasts.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use diesel::prelude::*;
use diesel::r2d2::{ManageConnection, R2D2Connection};

use super::{Backend, DbConnection};

/// A pooled connection, and whether its work found the database gone.
pub struct Tracked {
    conn: DbConnection,
    /// Set when the work on it failed because the database was out of reach: the pool then
    /// drops it rather than lend it again.
    pub lost: bool,
    /// The [`Health::epoch`] it was opened in: one opened before the latest outage is taken
    /// for dead (the server that knew it has gone) and never lent again.
    pub epoch: u64,
}

impl std::ops::Deref for Tracked {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Tracked {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// Opens connections to the one backend a deployment uses.
#[derive(Debug, Clone)]
pub struct Manager {
    backend: Backend,
    url: String,
    health: Arc<Health>,
}

impl Manager {
    /// `url` as the backend takes it: a PostgreSQL URL, or a SQLite file's path. A PostgreSQL
    /// connection attempt gives up after `connect_timeout` (libpq counts whole seconds, at
    /// least 2) unless the URL sets its own.
    pub fn new(
        backend: Backend,
        url: &str,
        connect_timeout: std::time::Duration,
        health: Arc<Health>,
    ) -> Manager {
        let url = match backend {
            Backend::Postgres if !url.contains("connect_timeout=") => {
                let seconds = connect_timeout.as_secs_f64().ceil().max(2.0) as u64;
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}connect_timeout={seconds}")
            }
            _ => url.to_string(),
        };
        Manager {
            backend,
            url,
            health,
        }
    }

    /// The URL connections are opened with.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl ManageConnection for Manager {
    type Connection = Tracked;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Tracked, diesel::r2d2::Error> {
        let conn = match self.backend {
            Backend::Postgres => PgConnection::establish(&self.url).map(DbConnection::Pg),
            Backend::Sqlite => SqliteConnection::establish(&self.url).map(DbConnection::Sqlite),
        }
        .map_err(diesel::r2d2::Error::ConnectionError)?;
        self.health.reachable();
        Ok(Tracked {
            conn,
            lost: false,
            epoch: self.health.epoch(),
        })
    }

    fn is_valid(&self, conn: &mut Tracked) -> Result<(), diesel::r2d2::Error> {
        conn.conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut Tracked) -> bool {
        std::thread::panicking()
            || conn.lost
            || conn.epoch != self.health.epoch()
            || conn.conn.is_broken()
    }
}

/// Connections the pools failed to open, since the process started.
static FAILED_CONNECTS: AtomicU64 = AtomicU64::new(0);

/// How many times a pool failed to open or set up a connection, in this process.
pub fn failed_connects() -> u64 {
    FAILED_CONNECTS.load(Ordering::Relaxed)
}

/// Whether one database is within reach, as far as the last attempt to use it knows.
#[derive(Debug, Default)]
pub struct Health {
    down: AtomicBool,
    /// How many outages have begun: connections opened before the latest are stale.
    epoch: AtomicU64,
}

impl Health {
    /// The number of outages so far.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Relaxed)
    }

    /// Whether `conn` was opened since the latest outage began.
    pub fn is_current(&self, conn: &Tracked) -> bool {
        conn.epoch == self.epoch()
    }

    /// Whether the database was last found out of reach.
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    /// The database could not be reached: logged once, as it goes.
    pub fn unreachable(&self, cause: &dyn std::fmt::Display) {
        if !self.down.swap(true, Ordering::Relaxed) {
            self.epoch.fetch_add(1, Ordering::Relaxed);
            log::error!("the database is out of reach: {cause}; answering 503 until it is back");
        }
    }

    /// A connection opened: if the database had gone, it is back (logged once).
    pub fn reachable(&self) {
        if self.down.swap(false, Ordering::Relaxed) {
            log::info!("the database is reachable again");
        }
    }
}

/// The pools' handler of their failures to open or set up a connection (r2d2's own logs each
/// one, every few hundred milliseconds while the database is down).
#[derive(Debug)]
pub struct PoolErrors(pub Arc<Health>);

impl diesel::r2d2::HandleError<diesel::r2d2::Error> for PoolErrors {
    fn handle_error(&self, error: diesel::r2d2::Error) {
        FAILED_CONNECTS.fetch_add(1, Ordering::Relaxed);
        self.0.unreachable(&error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manager(backend: Backend, url: &str, wait: std::time::Duration) -> Manager {
        Manager::new(backend, url, wait, Arc::default())
    }

    #[test]
    fn an_outage_is_noted_as_it_starts_and_as_it_ends() {
        let health = Health::default();
        assert!(!health.is_down());
        health.unreachable(&"refused");
        health.unreachable(&"refused again");
        assert!(health.is_down());
        assert_eq!(health.epoch(), 1);
        health.reachable();
        assert!(!health.is_down());
        assert_eq!(health.epoch(), 1);
        health.unreachable(&"refused");
        assert_eq!(health.epoch(), 2);
    }

    #[test]
    fn a_postgres_url_gets_a_connect_timeout_unless_it_has_one() {
        let wait = std::time::Duration::from_millis(2500);
        assert_eq!(
            manager(Backend::Postgres, "postgres://u@h/db", wait).url,
            "postgres://u@h/db?connect_timeout=3"
        );
        assert_eq!(
            manager(Backend::Postgres, "postgres://u@h/db?sslmode=disable", wait).url,
            "postgres://u@h/db?sslmode=disable&connect_timeout=3"
        );
        assert_eq!(
            manager(
                Backend::Postgres,
                "postgres://u@h/db?connect_timeout=9",
                std::time::Duration::from_millis(100)
            )
            .url,
            "postgres://u@h/db?connect_timeout=9"
        );
        assert_eq!(
            manager(
                Backend::Postgres,
                "postgres://u@h/db",
                std::time::Duration::from_millis(100)
            )
            .url,
            "postgres://u@h/db?connect_timeout=2"
        );
        assert_eq!(manager(Backend::Sqlite, "data/x.db", wait).url, "data/x.db");
    }
}

//! Statements run on the backend's own connection instead of through [`DbConnection`].
//!
//! diesel's `MultiConnection` hands each statement to the backend's connection wrapped in a
//! `SerializedQuery`, and every walk of that wrapper builds the statement's whole SQL text
//! again and asks the statement whether it may be kept prepared (another walk): the
//! statement cache's check, the collection of the bound values and, where the statement is
//! not kept, its text. A profile of creates on SQLite (`valgrind --tool=callgrind`, see
//! docs/PERFORMANCE.md, "Creates made cheaper again") put a third of a create's instructions
//! there. Written against both backends at once, a statement can instead run on the
//! connection the `DbConnection` holds: one walk for the cache, one for the values, the text
//! built only when first prepared.
//!
//! The statements every create and change runs go this way: [`Native`]'s `run`, `fetch`,
//! `fetch_all` and `fetch_optional` in place of diesel's `execute`, `get_result`, `load` and
//! `get_result(..).optional()`. Everything else stays on `DbConnection`: the result is the
//! same, only slower. They run in the caller's transaction (the same connection), and the
//! connection's instrumentation (statement counts, `SLOW_STATEMENT_MS`) sees them as before.

use diesel::pg::PgConnection;
use diesel::query_dsl::methods::{ExecuteDsl, LoadQuery};
use diesel::sqlite::SqliteConnection;
use diesel::{OptionalExtension, QueryResult, RunQueryDsl};

use super::DbConnection;

/// diesel's running of a statement, on the backend's own connection (see the module).
pub trait Native: Sized {
    /// `execute`: the rows changed.
    fn run(self, conn: &mut DbConnection) -> QueryResult<usize>
    where
        Self: ExecuteDsl<PgConnection> + ExecuteDsl<SqliteConnection>,
    {
        match conn {
            DbConnection::Pg(c) => ExecuteDsl::execute(self, c),
            DbConnection::Sqlite(c) => ExecuteDsl::execute(self, c),
        }
    }

    /// `load`: every row.
    fn fetch_all<'q, U>(self, conn: &mut DbConnection) -> QueryResult<Vec<U>>
    where
        Self: LoadQuery<'q, PgConnection, U> + LoadQuery<'q, SqliteConnection, U>,
        Self: RunQueryDsl<PgConnection> + RunQueryDsl<SqliteConnection>,
    {
        match conn {
            DbConnection::Pg(c) => RunQueryDsl::<PgConnection>::load(self, c),
            DbConnection::Sqlite(c) => RunQueryDsl::<SqliteConnection>::load(self, c),
        }
    }

    /// `get_result`: the first row, or `NotFound`.
    fn fetch<'q, U>(self, conn: &mut DbConnection) -> QueryResult<U>
    where
        Self: LoadQuery<'q, PgConnection, U> + LoadQuery<'q, SqliteConnection, U>,
        Self: RunQueryDsl<PgConnection> + RunQueryDsl<SqliteConnection>,
    {
        match conn {
            DbConnection::Pg(c) => RunQueryDsl::<PgConnection>::get_result(self, c),
            DbConnection::Sqlite(c) => RunQueryDsl::<SqliteConnection>::get_result(self, c),
        }
    }

    /// `get_result(..).optional()`: the first row, if any.
    fn fetch_optional<'q, U>(self, conn: &mut DbConnection) -> QueryResult<Option<U>>
    where
        Self: LoadQuery<'q, PgConnection, U> + LoadQuery<'q, SqliteConnection, U>,
        Self: RunQueryDsl<PgConnection> + RunQueryDsl<SqliteConnection>,
    {
        self.fetch(conn).optional()
    }
}

impl<Q> Native for Q {}

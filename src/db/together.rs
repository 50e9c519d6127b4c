//! Writes sent together: on PostgreSQL as one statement, on SQLite one after another.
//!
//! Each statement sent to PostgreSQL costs a round trip, and its server process a wake-up and
//! a message exchange, whatever the statement does: a create's writes are small, so on a busy
//! machine that cost is most of the server's work (docs/PERFORMANCE.md, "A create's writes
//! sent together"). Writes that need nothing of one another (a case's event, its report line,
//! the rows of sums it adds to) are sent as the parts of one statement:
//!
//! ```sql
//! WITH w0 AS (INSERT ... RETURNING 1), w1 AS (UPDATE ... RETURNING 1), ...
//! SELECT 0, count(*) FROM w0 UNION ALL SELECT 1, count(*) FROM w1 ...
//! ```
//!
//! which gives each part's rows changed. The parts run in the order given (PostgreSQL's
//! `UNION ALL` reads its branches in order, and each `WITH` part runs when first read): so
//! rows are locked in the same order as one after another, and as other writers lock them. As
//! all parts of one statement, they see the database as it was before any of them: no part
//! may need another's rows. SQLite has no writing `WITH` parts, and no round trip to save: the
//! parts run one after another on the same connection.
//!
//! The statement is kept prepared under its text (as [`super::prepared::Kept`] is) where each
//! part may be kept, so a given set of parts is planned once per connection.

use diesel::pg::{Pg, PgConnection};
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::query_dsl::methods::ExecuteDsl;
use diesel::sqlite::SqliteConnection;
use diesel::{QueryResult, RunQueryDsl};

use super::native::Native;
use super::DbConnection;

/// A write that can be sent together with others: any diesel statement that changes rows
/// and returns none (an `insert_into(..).values(..)`, an `update`, a `delete`) on both
/// backends.
pub trait Write {
    /// The statement as PostgreSQL's part of a [`together`] statement.
    fn as_pg(&self) -> &dyn QueryFragment<Pg>;
    /// Runs the statement alone: the rows changed.
    fn run_alone(&self, conn: &mut DbConnection) -> QueryResult<usize>;
}

impl<Q> Write for Q
where
    Q: QueryFragment<Pg> + Clone + ExecuteDsl<PgConnection> + ExecuteDsl<SqliteConnection>,
{
    fn as_pg(&self) -> &dyn QueryFragment<Pg> {
        self
    }

    fn run_alone(&self, conn: &mut DbConnection) -> QueryResult<usize> {
        self.clone().run(conn)
    }
}

/// Runs `writes` in the caller's transaction, in order, and gives each one's rows changed: on
/// PostgreSQL as one statement (see the module).
pub fn run(conn: &mut DbConnection, writes: &[&dyn Write]) -> QueryResult<Vec<usize>> {
    match (conn, writes) {
        (_, []) => Ok(Vec::new()),
        (conn, [one]) => Ok(vec![one.run_alone(conn)?]),
        (DbConnection::Pg(pg), _) => {
            let parts: Vec<&dyn QueryFragment<Pg>> = writes.iter().map(|w| w.as_pg()).collect();
            let counted: Vec<(i32, i64)> = Together { parts: &parts }.load(pg)?;
            let mut changed = vec![0; writes.len()];
            for (part, rows) in counted {
                let slot = usize::try_from(part)
                    .ok()
                    .and_then(|i| changed.get_mut(i))
                    .ok_or(diesel::result::Error::NotFound)?;
                *slot = usize::try_from(rows).unwrap_or(0);
            }
            Ok(changed)
        }
        (conn, _) => writes.iter().map(|w| w.run_alone(conn)).collect(),
    }
}

/// The one statement of several parts (see the module).
struct Together<'a> {
    parts: &'a [&'a dyn QueryFragment<Pg>],
}

impl QueryId for Together<'_> {
    type QueryId = ();
    // Kept under its text, not its type: each set of parts has its own.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Together<'_> {
    type SqlType = (diesel::sql_types::Integer, diesel::sql_types::BigInt);
}

impl QueryFragment<Pg> for Together<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        for (i, part) in self.parts.iter().enumerate() {
            out.push_sql(if i == 0 { "WITH " } else { ", " });
            out.push_sql(&format!("w{i} AS ("));
            part.walk_ast(out.reborrow())?;
            out.push_sql(" RETURNING 1)");
        }
        for i in 0..self.parts.len() {
            if i > 0 {
                out.push_sql(" UNION ALL ");
            }
            out.push_sql(&format!("SELECT {i}, count(*) FROM w{i}"));
        }
        Ok(())
    }
}

impl RunQueryDsl<PgConnection> for Together<'_> {}

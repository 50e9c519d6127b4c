//! Statement pieces written so that SQLite prepares a statement once per connection, not on
//! every run.
//!
//! diesel keeps a connection's prepared statements and reuses them, but SQLite compiles a
//! statement again, on its first step after new values are bound, wherever the value bound
//! could change its plan: a `LIMIT ?` (the planner uses the number), and a column compared
//! with `?` where only a partial index covers it (the planner must prove the value is not
//! NULL). diesel binds every `limit` and `first`, so each run of such a statement paid for a
//! compilation. And diesel never keeps a statement holding literal SQL (`dsl::sql`).
//!
//! [`Limited`] writes the limit into the statement's text, so its plan no longer depends on a
//! bound value, and [`Fixed`] is a piece of literal SQL that diesel may keep prepared. The
//! people's lookups use both on every intake (`bench/creates_cpu_old_new.sh` measures what
//! they saved).

use std::marker::PhantomData;

use diesel::backend::Backend;
use diesel::expression::{is_aggregate, AppearsOnTable, Expression, SelectableExpression};
use diesel::expression::{TypedExpressionType, ValidGrouping};
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::query_dsl::LoadQuery;
use diesel::{QueryResult, RunQueryDsl};

/// `query LIMIT N`, the `N` written into the statement. The query must have no limit of its
/// own.
#[derive(Debug, Clone, Copy)]
pub struct Limited<Q, const N: u32>(pub Q);

impl<Q: QueryId, const N: u32> QueryId for Limited<Q, N> {
    type QueryId = Limited<Q::QueryId, N>;
    const HAS_STATIC_QUERY_ID: bool = Q::HAS_STATIC_QUERY_ID;
}

impl<Q: Query, const N: u32> Query for Limited<Q, N> {
    type SqlType = Q::SqlType;
}

impl<Q, DB, const N: u32> QueryFragment<DB> for Limited<Q, N>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(" LIMIT ");
        out.push_sql(&N.to_string());
        Ok(())
    }
}

impl<Q, Conn, const N: u32> RunQueryDsl<Conn> for Limited<Q, N> {}

/// `first` for statements run often: the row, or `NotFound`, as diesel's `first` answers,
/// with `LIMIT 1` written into the statement rather than bound.
/// Run on the backend's own connection ([`super::native`]): these are the lookups every
/// request makes.
pub trait FirstRow: Sized {
    fn first_row<'q, U>(self, conn: &mut super::DbConnection) -> QueryResult<U>
    where
        Limited<Self, 1>: LoadQuery<'q, diesel::pg::PgConnection, U>
            + LoadQuery<'q, diesel::sqlite::SqliteConnection, U>,
    {
        use super::native::Native;
        Limited::<Self, 1>(self)
            .fetch_all(conn)?
            .into_iter()
            .next()
            .ok_or(diesel::result::Error::NotFound)
    }
}

impl<Q: Query> FirstRow for Q {}

/// A piece of literal SQL, the same on both backends, with its type.
pub trait Literal: 'static {
    type SqlType: TypedExpressionType;
    const SQL: &'static str;
}

/// [`Literal`] `L` as an expression diesel keeps prepared (unlike `dsl::sql`). It is not
/// checked against the query it goes into: each `L` says in its documentation where it may be
/// used.
#[derive(Debug)]
pub struct Fixed<L>(PhantomData<L>);

impl<L> Fixed<L> {
    pub fn new() -> Self {
        Fixed(PhantomData)
    }
}

impl<L> Default for Fixed<L> {
    fn default() -> Self {
        Self::new()
    }
}

impl<L> Clone for Fixed<L> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<L> Copy for Fixed<L> {}

impl<L: Literal> QueryId for Fixed<L> {
    type QueryId = Self;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<L: Literal> Expression for Fixed<L> {
    type SqlType = L::SqlType;
}

impl<L: Literal, DB: Backend> QueryFragment<DB> for Fixed<L> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(L::SQL);
        Ok(())
    }
}

impl<L: Literal, QS> AppearsOnTable<QS> for Fixed<L> {}

impl<L: Literal, QS> SelectableExpression<QS> for Fixed<L> {}

impl<L: Literal, GB> ValidGrouping<GB> for Fixed<L> {
    type IsAggregate = is_aggregate::Never;
}

/// An `update` diesel may keep prepared, under its text. diesel never keeps an `update`: a
/// changeset's `None`s leave their columns out, so one statement's type can have several
/// texts, and SQLite compiled the statement again on every run. Kept under its text and its
/// values' types instead of its type, each text is prepared once for the connection's life:
/// so only for statements with few texts (not one whose `IN` list grows with its values).
#[derive(Debug, Clone, Copy)]
pub struct Kept<Q>(pub Q);

impl<Q> QueryId for Kept<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Kept<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, DB> QueryFragment<DB> for Kept<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(out)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q, Conn> RunQueryDsl<Conn> for Kept<Q> {}

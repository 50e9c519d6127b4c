//! The database as handlers use it: their work fails with an [`ApiError`],
//! and so does the database's own failure (as `From<DbError>` maps it).
//! The error type is named here, once, so that a handler's closure can use
//! `?` on a repository call or on its own checks without naming it.

use std::future::Future;

use crate::db::{self, Database, DbConnection};
use crate::error::ApiError;

/// [`Database`]'s ways of running work, for work that fails with an [`ApiError`].
pub trait ApiDatabase {
    /// Read-only work (see [`Database::with_connection`]).
    fn read<T, F>(&self, work: F) -> impl Future<Output = Result<T, ApiError>>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static;

    /// Work in one transaction (see [`Database::transaction`]).
    fn write<T, F>(&self, work: F) -> impl Future<Output = Result<T, ApiError>>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static;

    /// A report's reads on two connections at one moment (see
    /// [`Database::report_snapshot`]).
    fn report<T, F>(&self, work: F) -> impl Future<Output = Result<T, ApiError>>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &mut DbConnection) -> Result<T, ApiError> + Send + 'static;
}

impl ApiDatabase for Database {
    fn read<T, F>(&self, work: F) -> impl Future<Output = Result<T, ApiError>>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        self.with_connection(work)
    }

    fn write<T, F>(&self, work: F) -> impl Future<Output = Result<T, ApiError>>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        self.transaction(work)
    }

    fn report<T, F>(&self, work: F) -> impl Future<Output = Result<T, ApiError>>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        self.report_snapshot(work)
    }
}

/// [`db::side_by_side`] for the halves of a report that fail with an [`ApiError`].
pub fn side_by_side<A, B>(
    first_conn: &mut DbConnection,
    second_conn: &mut DbConnection,
    first: impl FnOnce(&mut DbConnection) -> Result<A, ApiError> + Send,
    second: impl FnOnce(&mut DbConnection) -> Result<B, ApiError> + Send,
) -> Result<(A, B), ApiError>
where
    A: Send,
    B: Send,
{
    db::side_by_side(first_conn, second_conn, first, second)
}

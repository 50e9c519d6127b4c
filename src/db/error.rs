//! What storage can fail with, in storage's own terms. The layers above
//! decide what each means to their callers (the API's mapping is
//! `impl From<DbError> for ApiError`).

/// A failed database call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbError {
    /// The row asked for is not there.
    NotFound,
    /// A unique constraint refused the write: a record with these values
    /// already exists (a lost race, or a value taken).
    UniqueViolation {
        /// The column at fault, when the backend names it.
        column: Option<String>,
    },
    /// The database is out of reach: no connection came from the pool in
    /// time, or the connection closed.
    Unavailable(String),
    /// Anything else, with what was being done. For the log, never for a
    /// client.
    Other(String),
}

impl DbError {
    /// An unexpected failure, described by what was being done.
    pub fn other(context: impl std::fmt::Display) -> Self {
        DbError::Other(context.to_string())
    }
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::NotFound => f.write_str("no such record"),
            DbError::UniqueViolation { .. } => {
                f.write_str("a record with these values already exists")
            }
            DbError::Unavailable(cause) | DbError::Other(cause) => f.write_str(cause),
        }
    }
}

impl std::error::Error for DbError {}

impl From<diesel::result::Error> for DbError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => DbError::NotFound,
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                DbError::UniqueViolation {
                    column: info.column_name().map(str::to_string),
                }
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                DbError::Unavailable(format!("database connection closed: {}", info.message()))
            }
            other => DbError::Other(format!("database: {other}")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for DbError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        DbError::Unavailable(format!("database pool: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use diesel::result::{DatabaseErrorKind, Error};

    use super::*;

    fn database_error(kind: DatabaseErrorKind, message: &str) -> Error {
        Error::DatabaseError(kind, Box::new(message.to_string()))
    }

    #[test]
    fn a_missing_row_is_not_found() {
        assert_eq!(DbError::from(Error::NotFound), DbError::NotFound);
    }

    #[test]
    fn a_unique_constraint_is_a_violation_naming_no_column_when_the_backend_names_none() {
        assert_eq!(
            DbError::from(database_error(DatabaseErrorKind::UniqueViolation, "taken")),
            DbError::UniqueViolation { column: None }
        );
    }

    #[test]
    fn a_closed_connection_leaves_the_database_unavailable() {
        assert_eq!(
            DbError::from(database_error(DatabaseErrorKind::ClosedConnection, "gone")),
            DbError::Unavailable("database connection closed: gone".into())
        );
    }

    #[test]
    fn other_failures_keep_their_cause_for_the_log() {
        assert_eq!(
            DbError::from(database_error(DatabaseErrorKind::CheckViolation, "no")),
            DbError::Other("database: no".into())
        );
    }
}

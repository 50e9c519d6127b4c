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

/// Whether a failure means the database was out of reach (rather than a fault in the work):
/// such a connection is not lent again, and the caller is answered 503.
pub trait DbFailure {
    /// The cause, for the log, when the database was out of reach.
    fn unavailable(&self) -> Option<&str>;

    fn is_unavailable(&self) -> bool {
        self.unavailable().is_some()
    }
}

impl DbFailure for DbError {
    fn unavailable(&self) -> Option<&str> {
        match self {
            DbError::Unavailable(cause) => Some(cause),
            _ => None,
        }
    }
}

/// What the servers say as they go, or while they cannot serve: PostgreSQL's messages for an
/// administrator's shutdown, a server starting, stopping or recovering (SQLSTATE 57P01-57P03,
/// which diesel does not pass on) and libpq's for a lost connection; SQLite's for a file
/// another process holds past the busy timeout.
const OUT_OF_REACH: &[&str] = &[
    "terminating connection due to administrator command",
    "the database system is shutting down",
    "the database system is starting up",
    "the database system is in recovery mode",
    "the database system is not yet accepting connections",
    "server closed the connection unexpectedly",
    "no connection to the server",
    "could not connect to server",
    "connection to server",
    "database is locked",
];

fn out_of_reach(message: &str) -> bool {
    OUT_OF_REACH.iter().any(|said| message.contains(said))
}

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
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => DbError::Unavailable(format!("the connection is lost: {}", info.message())),
            Error::DatabaseError(_, info) if out_of_reach(info.message()) => {
                DbError::Unavailable(format!("the database is not serving: {}", info.message()))
            }
            // A transaction whose connection broke under it.
            Error::BrokenTransactionManager => {
                DbError::Unavailable("the connection broke during a transaction".into())
            }
            Error::RollbackErrorOnCommit { commit_error, .. } => match DbError::from(*commit_error)
            {
                DbError::Unavailable(cause) => DbError::Unavailable(cause),
                other => DbError::Other(format!("database: committing: {other}")),
            },
            other => DbError::Other(format!("database: {other}")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for DbError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        DbError::Unavailable(format!("no database connection came free in time: {error}"))
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
            DbError::Unavailable("the connection is lost: gone".into())
        );
        // libpq's word when a query cannot even be sent.
        assert!(DbError::from(database_error(
            DatabaseErrorKind::UnableToSendCommand,
            "no connection to the server\n"
        ))
        .is_unavailable());
    }

    #[test]
    fn a_server_shutting_down_or_starting_or_a_locked_file_is_unavailable() {
        for message in [
            "terminating connection due to administrator command",
            "FATAL:  the database system is shutting down",
            "the database system is starting up",
            "database is locked",
        ] {
            assert!(
                DbError::from(database_error(DatabaseErrorKind::Unknown, message)).is_unavailable(),
                "{message}"
            );
        }
        assert!(DbError::from(Error::BrokenTransactionManager).is_unavailable());
        assert!(DbError::from(Error::RollbackErrorOnCommit {
            commit_error: Box::new(database_error(DatabaseErrorKind::ClosedConnection, "gone")),
            rollback_error: Box::new(Error::BrokenTransactionManager),
        })
        .is_unavailable());
    }

    #[test]
    fn a_faulty_statement_is_not_an_outage() {
        for (kind, message) in [
            (
                DatabaseErrorKind::Unknown,
                "syntax error at or near \"SELEC\"",
            ),
            (
                DatabaseErrorKind::ForeignKeyViolation,
                "violates foreign key constraint",
            ),
            (
                DatabaseErrorKind::SerializationFailure,
                "could not serialize access",
            ),
        ] {
            assert!(
                !DbError::from(database_error(kind, message)).is_unavailable(),
                "{message}"
            );
        }
    }

    #[test]
    fn other_failures_keep_their_cause_for_the_log() {
        assert_eq!(
            DbError::from(database_error(DatabaseErrorKind::CheckViolation, "no")),
            DbError::Other("database: no".into())
        );
    }
}

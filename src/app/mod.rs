//! The application layer: one function per use case. Each loads the case, checks the caller
//! may see it, checks the version it was asked against, asks the domain's lifecycle table,
//! saves what changed and appends the event, all inside the caller's transaction. It knows
//! nothing of HTTP: handlers parse the request, call a function here, and map its answer.

pub mod access_journal;
pub mod adjustments;
pub mod alerts;
pub mod assignment;
pub mod case_access;
pub mod cases;
pub mod correspondence;
pub mod documents;
pub mod duplicates;
pub mod feedback;
pub mod flags;
pub mod letters;
pub mod lifecycle;
pub mod mailroom;
pub mod notes;
pub mod ombudsman;
pub mod ownership;
pub mod people;
pub mod remedies;
pub mod restrictions;
pub mod retention;
pub mod subject_access;
pub mod surveys;
pub mod time;
pub mod webhooks;

use crate::db::DbError;
use crate::domain::case::lifecycle::Refusal;
use crate::error::FieldError;

/// Why a use case did not go ahead.
#[derive(Debug)]
pub enum AppError {
    /// There is no such case, or none this caller may see.
    NotFound(String),
    /// The caller may see the case but not do this to it.
    Forbidden(String),
    /// The case has changed since the version the caller named.
    Stale { expected: i32 },
    /// Values the caller sent break a rule that needs the case to check.
    Invalid(Vec<FieldError>),
    /// The lifecycle does not allow this in the case's state.
    Refused(Refusal),
    /// Another rule about what is stored does not allow it (a compliment's or comment's
    /// handling, a duplicate flag or link, a service leading already): `field`, where one is
    /// at fault.
    Conflict {
        detail: String,
        field: Option<&'static str>,
    },
    /// A satisfaction survey's link no longer works: answered, or expired.
    Gone(crate::domain::survey::Unavailable),
    /// The case was anonymised (by the retention schedule or an erasure) on `on`: it takes
    /// no more changes.
    Anonymised {
        reference: String,
        on: chrono::NaiveDate,
    },
    /// The storage failed.
    Db(DbError),
    /// A stored value this code cannot read, or a date it cannot count.
    Internal(String),
}

impl crate::db::DbFailure for AppError {
    fn unavailable(&self) -> Option<&str> {
        match self {
            AppError::Db(error) => error.unavailable(),
            _ => None,
        }
    }
}

impl From<DbError> for AppError {
    fn from(error: DbError) -> Self {
        AppError::Db(error)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        AppError::Db(error.into())
    }
}

impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> Self {
        AppError::Refused(refusal)
    }
}

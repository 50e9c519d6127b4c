//! The retention pass (issue 15 §1): once a day inside the jobs, or by hand as
//! `council-feedback retention run [--as-of DATE]`. It anonymises the finished cases whose
//! time has come and deletes the documents of those closed longer than the schedule keeps
//! documents, a batch per transaction (bounded memory, short transactions), then deletes the
//! documents' files and vacuums what it changed, so removed values leave the database files.

use chrono::NaiveDate;

use crate::app::documents::{file_of, DocumentStore};
use crate::app::retention::{self, Batch};
use crate::app::time::Now;
use crate::app::AppError;
use crate::db::Database;
use crate::domain::clock::uk_date;
use crate::domain::retention::RetentionSchedule;

/// Finished cases one transaction looks at.
pub const BATCH: i64 = 500;

/// What a pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    /// The day the pass counted as today.
    pub as_of: Option<NaiveDate>,
    /// Finished cases looked at (for anonymisation).
    pub looked_at: usize,
    /// Cases anonymised.
    pub anonymised: usize,
    /// Cases whose documents were deleted.
    pub documents_deleted: usize,
    /// Cases due but kept by a legal hold or an LGSCO exception.
    pub held: usize,
    /// Document files deleted from `DOCUMENTS_DIR`.
    pub files_deleted: usize,
    /// Whether the changed tables were vacuumed.
    pub vacuumed: bool,
}

impl std::fmt::Display for PassReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "retention as of {}: {} finished cases looked at, {} anonymised, {} kept by a hold \
             or exception, documents deleted on {} cases ({} files), vacuumed: {}",
            self.as_of.map(|d| d.to_string()).unwrap_or_default(),
            self.looked_at,
            self.anonymised,
            self.held,
            self.documents_deleted,
            self.files_deleted,
            if self.vacuumed { "yes" } else { "no" }
        )
    }
}

/// Runs the pass as of `as_of` (today in the UK, when `None`).
pub async fn pass(
    db: &Database,
    schedule: &RetentionSchedule,
    store: &DocumentStore,
    now: Now,
    as_of: Option<NaiveDate>,
) -> Result<PassReport, AppError> {
    let at = now.now();
    let as_of = as_of.unwrap_or_else(|| uk_date(at));
    let mut report = PassReport {
        as_of: Some(as_of),
        ..PassReport::default()
    };
    for documents in [false, true] {
        let mut after = 0;
        loop {
            let schedule = schedule.clone();
            let batch: Batch = db
                .job_transaction(move |conn| {
                    if documents {
                        retention::documents_batch(conn, &schedule, as_of, at, after, BATCH)
                    } else {
                        retention::anonymise_batch(conn, &schedule, as_of, at, after, BATCH)
                    }
                })
                .await?;
            report.files_deleted += delete_files(store, &batch.files);
            report.held += if documents { 0 } else { batch.held };
            if documents {
                report.documents_deleted += batch.done;
            } else {
                report.looked_at += batch.looked_at;
                report.anonymised += batch.done;
            }
            match batch.next {
                Some(next) => after = next,
                None => break,
            }
        }
    }
    if report.anonymised > 0 || report.documents_deleted > 0 {
        vacuum(db).await?;
        report.vacuumed = true;
    }
    Ok(report)
}

/// Vacuums the tables anonymisation changes (outside any transaction).
pub async fn vacuum(db: &Database) -> Result<(), AppError> {
    db.with_connection(|conn| {
        crate::db::retention::vacuum(conn).map_err(|e| AppError::Db(e.into()))
    })
    .await
}

/// Deletes the files of documents whose rows a committed batch removed. A file already gone
/// is not an error; any other failure is logged (the bytes are named by no row any more).
pub fn delete_files(store: &DocumentStore, ids: &[i64]) -> usize {
    let DocumentStore::Folder(folder) = store else {
        return 0;
    };
    ids.iter()
        .filter(|id| match std::fs::remove_file(file_of(folder, **id)) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => {
                log::error!("retention: deleting document {id}'s file: {e}");
                false
            }
        })
        .count()
}

/// The daily run inside the jobs: the pass runs on the first round of each UK day.
#[derive(Debug, Default)]
pub struct Daily {
    last: Option<NaiveDate>,
}

impl Daily {
    /// Runs the pass if it has not run today; gives what it did, if it ran.
    pub async fn round(
        &mut self,
        db: &Database,
        schedule: &RetentionSchedule,
        store: &DocumentStore,
        now: Now,
    ) -> Result<Option<PassReport>, AppError> {
        let today = uk_date(now.now());
        if self.last == Some(today) {
            return Ok(None);
        }
        let report = pass(db, schedule, store, now, Some(today)).await?;
        self.last = Some(today);
        if report.anonymised > 0 || report.documents_deleted > 0 {
            log::info!("{report}");
        }
        Ok(Some(report))
    }
}

//! The deadline-alert scheduler: passes over the deadlines whose day has come, a batch per
//! transaction. On PostgreSQL several instances may run it at once: each batch's rows are
//! held by the instance that took them (`FOR UPDATE SKIP LOCKED`), so no alert is given twice.

use super::JobSettings;
use crate::app::alerts::{self, PassOutcome};
use crate::app::AppError;
use crate::db::Database;

/// Deadlines one transaction looks at.
pub const BATCH: i64 = 500;

/// Passes until no deadline's day has come, counting each alert in the metrics as its batch
/// commits. Returns what was done.
pub async fn round(db: &Database, settings: &JobSettings) -> Result<PassOutcome, AppError> {
    let now = settings.now.now();
    let mut done = PassOutcome::default();
    loop {
        let clock = settings.clock.clone();
        let pass = db
            .job_transaction(move |conn| alerts::pass(conn, &clock, now, BATCH))
            .await?;
        for feed_type in &pass.alerts {
            settings.metrics.alert_emitted(feed_type);
        }
        done.looked_at += pass.looked_at;
        done.alerts.extend(pass.alerts);
        if pass.looked_at < BATCH as usize {
            return Ok(done);
        }
    }
}

//! The slow-statement log (`SLOW_STATEMENT_MS`): each SQL statement that takes at least that
//! long is logged with its duration, so an operator (or a benchmark) can see which of a
//! request's statements its time goes to, on either backend, without the database's own
//! logging. The statement's text is logged without its bound values, which can hold a
//! customer's personal data.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use diesel::connection::{set_default_instrumentation, Instrumentation, InstrumentationEvent};

/// The threshold in milliseconds; 0: nothing is logged.
static THRESHOLD_MS: AtomicU64 = AtomicU64::new(0);

/// The longest part of a statement's text logged.
const MOST_TEXT: usize = 600;

/// Logs every statement on connections opened from now on that takes `ms` or longer.
pub fn log_slower_than(ms: u64) -> Result<(), String> {
    THRESHOLD_MS.store(ms, Ordering::Relaxed);
    set_default_instrumentation(timing).map_err(|e| format!("SLOW_STATEMENT_MS: {e}"))
}

fn timing() -> Option<Box<dyn Instrumentation>> {
    (THRESHOLD_MS.load(Ordering::Relaxed) > 0).then(|| Box::new(Timing { started: None }) as _)
}

/// One connection's timer: a connection runs one statement at a time.
struct Timing {
    started: Option<Instant>,
}

/// A statement's text as diesel shows it, without the bound values it appends.
pub fn without_binds(shown: &str) -> String {
    let sql = shown
        .split_once(" -- binds: ")
        .map_or(shown, |(sql, _)| sql);
    let sql = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    match sql.char_indices().nth(MOST_TEXT) {
        Some((cut, _)) => format!("{}…", &sql[..cut]),
        None => sql,
    }
}

impl Instrumentation for Timing {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => self.started = Some(Instant::now()),
            InstrumentationEvent::FinishQuery { query, error, .. } => {
                let Some(started) = self.started.take() else {
                    return;
                };
                let took = started.elapsed();
                let threshold = THRESHOLD_MS.load(Ordering::Relaxed);
                if threshold > 0 && took.as_millis() >= u128::from(threshold) {
                    log::warn!(
                        "slow statement: {:.1} ms{}: {}",
                        took.as_secs_f64() * 1000.0,
                        if error.is_some() { " (failed)" } else { "" },
                        without_binds(&query.to_string())
                    );
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_values_are_not_logged() {
        assert_eq!(
            without_binds("SELECT *\n  FROM people WHERE email = $1 -- binds: [\"a@b.example\"]"),
            "SELECT * FROM people WHERE email = $1"
        );
    }

    #[test]
    fn a_long_statement_is_cut() {
        let long = format!("SELECT {}", "x, ".repeat(400));
        let shown = without_binds(&long);
        assert_eq!(shown.chars().count(), MOST_TEXT + 1);
        assert!(shown.ends_with('…'));
    }
}

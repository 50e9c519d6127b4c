//! Measures due-date calculations per second on one core.
//!
//! Run with `cargo run --release --example bench_due_dates`. In the service, replace `council_feedback::`
//! with the crate's own path (`council_feedback::`).

use std::hint::black_box;
use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use council_feedback::domain::bank_holidays::Region;
use council_feedback::domain::calendar::{Calendar, FIRST_SUPPORTED_DATE};

fn main() {
    let calendar = match Calendar::new(Region::EnglandAndWales)
        .with_closure_day(
            NaiveDate::from_ymd_opt(2026, 12, 29).unwrap_or(FIRST_SUPPORTED_DATE),
            "Christmas closure",
        )
        .build()
    {
        Ok(calendar) => calendar,
        Err(error) => {
            eprintln!("cannot build the calendar: {error}");
            return;
        }
    };

    // Start dates spread over 2015-2039, fixed so runs are comparable.
    let mut seed: u64 = 2026;
    let starts: Vec<NaiveDate> = (0..4096)
        .map(|_| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let offset = (seed >> 33) % (25 * 365);
            FIRST_SUPPORTED_DATE + chrono::Days::new(offset)
        })
        .collect();

    let rounds: usize = 20_000_000;
    let began = Instant::now();
    let mut checksum: u64 = 0;
    for i in 0..rounds {
        let start = starts[i % starts.len()];
        let working_days = (i % 40) as u32;
        if let Ok(due) = calendar.add_working_days(black_box(start), black_box(working_days)) {
            checksum = checksum.wrapping_add(u64::from(due.ordinal()));
        }
    }
    let elapsed = began.elapsed();
    let per_second = rounds as f64 / elapsed.as_secs_f64();
    println!(
        "add_working_days: {rounds} due dates in {:.3} s = {:.1} million due dates/s (checksum {checksum})",
        elapsed.as_secs_f64(),
        per_second / 1e6
    );

    let rounds: usize = 5_000_000;
    let began = Instant::now();
    let mut total: i64 = 0;
    for i in 0..rounds {
        let from = starts[i % starts.len()];
        let to = starts[(i * 7 + 3) % starts.len()];
        if let Ok(count) = calendar.working_days_between(black_box(from), black_box(to)) {
            total = total.wrapping_add(count);
        }
    }
    let elapsed = began.elapsed();
    println!(
        "working_days_between: {:.1} million counts/s (checksum {total})",
        rounds as f64 / elapsed.as_secs_f64() / 1e6
    );

    let rounds: usize = 200_000;
    let began = Instant::now();
    let mut skipped = 0usize;
    for i in 0..rounds {
        if let Ok(due) = calendar.due_date(starts[i % starts.len()], 20) {
            skipped += due.skipped.len();
        }
    }
    let elapsed = began.elapsed();
    println!(
        "due_date (with skipped days listed, 20 WD): {:.2} million/s (checksum {skipped})",
        rounds as f64 / elapsed.as_secs_f64() / 1e6
    );
}

//! What counting one request costs in process: the label lookups, the counter and the
//! latency histogram, for a route already seen (the steady state).
//!
//! cargo run --release --example bench_metrics

use std::time::{Duration, Instant};

fn main() {
    let metrics = council_feedback::metrics::Metrics::new();
    let n: u32 = 1_000_000;
    let started = Instant::now();
    for i in 0..n {
        metrics.request(
            "GET",
            // The pattern as actix hands it over: a new String each request.
            Some("/api/v1/cases/{reference}".to_string()),
            200,
            Duration::from_micros(800 + u64::from(i % 100)),
        );
    }
    let took = started.elapsed();
    println!(
        "{:.0} ns a request counted ({n} requests)",
        took.as_nanos() as f64 / f64::from(n)
    );
}

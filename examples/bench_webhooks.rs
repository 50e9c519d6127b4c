//! Webhook delivery measured at a receiver (issue 12's performance section). It runs a
//! receiver on 127.0.0.1 and drives a running service through its API.
//!
//! cargo run --release --example bench_webhooks -- --url http://127.0.0.1:18083 \
//!     --secret "$JWT_SECRET" --database-url "$DATABASE_URL" --mode throughput \
//!     --events 5000 --endpoints 2
//!
//! `throughput`: creates `--events` cases while no endpoint exists (so nothing is sent),
//! registers `--endpoints` endpoints, then moves the fan-out's cursor back to the start of
//! the outbox in the database: every event is then sent to every endpoint at once, as after
//! an outage. Prints deliveries a second at the receiver, from the first arrival to the last,
//! and how many arrived twice. The service's JOBS_POLL_INTERVAL should be short (it notices
//! the moved cursor at its next poll, which is not counted).
//!
//! `latency`: registers the endpoints, then creates cases at `--rate` a second for
//! `--seconds`; for each event, the time from the moment its create was answered to the
//! moment the receiver had it, and from the event's own `timestamp` (taken in the
//! transaction, before the commit) to the arrival. Prints percentiles of both.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use council_feedback::auth::TokenVerifier;
use council_feedback::config::{JwtKeys, JwtSettings, Secret};
use council_feedback::domain::case::Role;
use diesel::prelude::*;

struct Options {
    url: String,
    secret: String,
    database_url: String,
    mode: String,
    events: usize,
    endpoints: usize,
    concurrency: usize,
    rate: f64,
    seconds: u64,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        url: "http://127.0.0.1:18083".into(),
        secret: String::new(),
        database_url: String::new(),
        mode: "throughput".into(),
        events: 5000,
        endpoints: 1,
        concurrency: 4,
        rate: 100.0,
        seconds: 30,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?.clone();
        match flag.as_str() {
            "--url" => o.url = value,
            "--secret" => o.secret = value,
            "--database-url" => o.database_url = value,
            "--mode" => o.mode = value,
            "--events" => o.events = value.parse().map_err(|_| "bad --events")?,
            "--endpoints" => o.endpoints = value.parse().map_err(|_| "bad --endpoints")?,
            "--concurrency" => o.concurrency = value.parse().map_err(|_| "bad --concurrency")?,
            "--rate" => o.rate = value.parse().map_err(|_| "bad --rate")?,
            "--seconds" => o.seconds = value.parse().map_err(|_| "bad --seconds")?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    if o.secret.len() < 32 {
        return Err("--secret must be the server's JWT_SECRET (32+ characters)".into());
    }
    if o.mode == "throughput" && o.database_url.is_empty() {
        return Err("--mode throughput needs --database-url".into());
    }
    Ok(o)
}

/// What arrived: the endpoint's path, the webhook-id, the case, the event's timestamp, and
/// when.
struct Arrival {
    path: String,
    id: String,
    case: String,
    timestamp: Option<chrono::DateTime<chrono::Utc>>,
    at: Instant,
    wall: chrono::DateTime<chrono::Utc>,
}

type Arrivals = Arc<Mutex<Vec<Arrival>>>;

fn receiver() -> std::io::Result<(String, Arrivals, actix_web::dev::Server)> {
    let seen: Arrivals = Arc::default();
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let record = seen.clone();
    let server = HttpServer::new(move || {
        let record = record.clone();
        App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
            let (at, wall) = (Instant::now(), chrono::Utc::now());
            let payload: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let arrival = Arrival {
                path: req.path().to_string(),
                id: req
                    .headers()
                    .get("webhook-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string(),
                case: payload["data"]["case"].as_str().unwrap_or("").to_string(),
                timestamp: payload["timestamp"].as_str().and_then(|t| t.parse().ok()),
                at,
                wall,
            };
            if let Ok(mut seen) = record.lock() {
                seen.push(arrival);
            }
            async { HttpResponse::NoContent().finish() }
        }))
    })
    .workers(1)
    .listen(listener)?
    .run();
    Ok((format!("http://127.0.0.1:{port}"), seen, server))
}

fn body(n: usize) -> serde_json::Value {
    serde_json::json!({
        "kind": "complaint",
        "summary": format!("Green bin missed, report {n}"),
        "description": "Our green bin has been missed on the last three collection days.",
        "desired_outcome": "Collect the bin",
        "service": "waste-care",
        "category": "missed collection",
        "problem_date": "2026-11-02",
        "customer": {"name": "Alex Example", "email": "alex@example.org", "preferred_contact": "email"}
    })
}

/// Creates a case; its reference and when the answer was read.
async fn create(
    client: &awc::Client,
    url: &str,
    token: &str,
    n: usize,
) -> Option<(String, Instant)> {
    let mut response = client
        .post(format!("{url}/api/v1/cases"))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .send_json(&body(n))
        .await
        .ok()?;
    let created: serde_json::Value = response.json().await.ok()?;
    let done = Instant::now();
    Some((created["reference"].as_str()?.to_string(), done))
}

async fn register(client: &awc::Client, url: &str, manager: &str, target: &str) -> bool {
    client
        .post(format!("{url}/api/v1/webhook-endpoints"))
        .insert_header(("Authorization", format!("Bearer {manager}")))
        .send_json(&serde_json::json!({
            "url": target, "event_types": ["case.created"], "description": "bench receiver"
        }))
        .await
        .is_ok_and(|r| r.status() == 201)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn summary(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{name}: n={} p50_ms={:.1} p90_ms={:.1} p99_ms={:.1} max_ms={:.1}",
        ms.len(),
        percentile(&ms, 50.0),
        percentile(&ms, 90.0),
        percentile(&ms, 99.0),
        ms.last().copied().unwrap_or(f64::NAN)
    );
}

/// Waits until `count` have arrived, or `within` has passed.
async fn wait_for(seen: &Arrivals, count: usize, within: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < within {
        if seen.lock().map(|s| s.len()).unwrap_or(0) >= count {
            return true;
        }
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let verifier = match TokenVerifier::new(&JwtSettings {
        keys: JwtKeys::Secret(Secret::new(o.secret.clone())),
        issuer: "council-feedback".into(),
        audience: "council-feedback-api".into(),
        leeway_seconds: 30,
        case_access_secret: None,
    }) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let mint = |sub: &str, role: Role| verifier.mint(sub, &[role], &[], 7200).unwrap_or_default();
    let customers: Vec<String> = (0..20)
        .map(|i| mint(&format!("citizen-{i}"), Role::Customer))
        .collect();
    let manager = mint("manager-1", Role::ComplaintsManager);
    let outcome = actix_rt::System::new().block_on(async {
        let (base, seen, server) = receiver().map_err(|e| format!("receiver: {e}"))?;
        actix_rt::spawn(server);
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish();
        match o.mode.as_str() {
            "throughput" => throughput(&o, &client, &customers, &manager, &base, &seen).await,
            "latency" => latency(&o, &client, &customers, &manager, &base, &seen).await,
            other => Err(format!("unknown mode {other}")),
        }
    });
    if let Err(e) = outcome {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn throughput(
    o: &Options,
    client: &awc::Client,
    customers: &[String],
    manager: &str,
    base: &str,
    seen: &Arrivals,
) -> Result<(), String> {
    // The events, while no endpoint exists: nothing is sent.
    let next = Rc::new(RefCell::new(0usize));
    let made = Rc::new(RefCell::new(0usize));
    let workers = (0..o.concurrency).map(|w| {
        let (next, made) = (next.clone(), made.clone());
        async move {
            loop {
                let n = {
                    let mut next = next.borrow_mut();
                    *next += 1;
                    *next
                };
                if n > o.events {
                    return;
                }
                if create(client, &o.url, &customers[(n + w) % customers.len()], n)
                    .await
                    .is_some()
                {
                    *made.borrow_mut() += 1;
                }
            }
        }
    });
    let started = Instant::now();
    futures_util::future::join_all(workers).await;
    let events = *made.borrow();
    println!(
        "created {events} cases in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // The fan-out passes the last events while no endpoint exists yet (else it could make
    // deliveries of some, and make them again after the cursor moves back).
    actix_rt::time::sleep(Duration::from_secs(2)).await;
    for n in 1..=o.endpoints {
        if !register(client, &o.url, manager, &format!("{base}/hooks/{n}")).await {
            return Err("registering an endpoint failed".into());
        }
    }
    // Every event from the start of the outbox, to every endpoint.
    let url = o.database_url.clone();
    actix_rt::task::spawn_blocking(move || -> Result<(), String> {
        let db = council_feedback::db::Database::connect(&url, 1).map_err(|e| e.to_string())?;
        let mut conn = db.connection().map_err(|e| e.to_string())?;
        let conn: &mut council_feedback::db::DbConnection = &mut conn;
        diesel::sql_query("UPDATE webhook_cursor SET commit_order = 0, event_id = 0")
            .execute(conn)
            .map_err(|e| e.to_string())?;
        Ok(())
    })
    .await
    .map_err(|e| e.to_string())??;
    let moved = Instant::now();
    let expected = events * o.endpoints;
    let all = wait_for(seen, expected, Duration::from_secs(600)).await;
    // Anything sent twice would come just after.
    actix_rt::time::sleep(Duration::from_millis(500)).await;
    let seen = seen.lock().map_err(|_| "lock")?;
    let (Some(first), Some(last)) = (
        seen.iter().map(|a| a.at).min(),
        seen.iter().map(|a| a.at).max(),
    ) else {
        return Err("nothing arrived".into());
    };
    let mut ids: HashMap<(&str, &str), usize> = HashMap::new();
    for a in seen.iter() {
        *ids.entry((a.path.as_str(), a.id.as_str())).or_default() += 1;
    }
    let twice = ids.values().filter(|n| **n > 1).count();
    let span = (last - first).as_secs_f64();
    println!(
        "deliveries={} expected={expected} complete={all} twice={twice} first_to_last_s={span:.2} \
         per_s={:.0} cursor_moved_to_last_s={:.2}",
        seen.len(),
        (seen.len().saturating_sub(1)) as f64 / span.max(1e-9),
        (last - moved).as_secs_f64()
    );
    Ok(())
}

async fn latency(
    o: &Options,
    client: &awc::Client,
    customers: &[String],
    manager: &str,
    base: &str,
    seen: &Arrivals,
) -> Result<(), String> {
    for n in 1..=o.endpoints {
        if !register(client, &o.url, manager, &format!("{base}/hooks/{n}")).await {
            return Err("registering an endpoint failed".into());
        }
    }
    let answered: Rc<RefCell<HashMap<String, Instant>>> = Rc::default();
    let interval = Duration::from_secs_f64(1.0 / o.rate);
    let count = (o.rate * o.seconds as f64) as usize;
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(count);
    for n in 0..count {
        let due = started + interval * n as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            actix_rt::time::sleep(wait).await;
        }
        let (client, url, token, answered) = (
            client.clone(),
            o.url.clone(),
            customers[n % customers.len()].clone(),
            answered.clone(),
        );
        tasks.push(actix_rt::spawn(async move {
            if let Some((reference, at)) = create(&client, &url, &token, n).await {
                answered.borrow_mut().insert(reference, at);
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let made = answered.borrow().len();
    println!(
        "created {made} cases at {:.0}/s in {:.1} s",
        o.rate,
        started.elapsed().as_secs_f64()
    );
    let all = wait_for(seen, made * o.endpoints, Duration::from_secs(60)).await;
    let seen = seen.lock().map_err(|_| "lock")?;
    let answered = answered.borrow();
    let mut after_answer = Vec::new();
    let mut after_timestamp = Vec::new();
    let mut before_answer = 0;
    for a in seen.iter() {
        if let Some(done) = answered.get(&a.case) {
            match a.at.checked_duration_since(*done) {
                Some(d) => after_answer.push(d.as_secs_f64() * 1000.0),
                None => {
                    // It arrived before the create's answer was read.
                    before_answer += 1;
                    after_answer.push(0.0);
                }
            }
        }
        if let Some(t) = a.timestamp {
            after_timestamp.push((a.wall - t).num_microseconds().unwrap_or(0) as f64 / 1000.0);
        }
    }
    println!(
        "deliveries={} expected={} complete={all} arrived_before_the_answer={before_answer}",
        seen.len(),
        made * o.endpoints
    );
    summary("from the create's answer", after_answer);
    summary("from the event's timestamp", after_timestamp);
    Ok(())
}

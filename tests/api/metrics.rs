//! Issue 12 §7: `GET /metrics` in the Prometheus text format, on METRICS_BIND_ADDRESS only.
//! Each test scrapes its own app's listener over HTTP and reads the exposition with the
//! parser below (names, labels with their escapes, values; every sample's family has HELP and
//! TYPE), then states the exact values the requests it made must give.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use awc::http::Method;
use serde_json::{json, Value};

use crate::helpers::*;

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A scrape, read.
#[derive(Debug, Default)]
struct Exposition {
    help: HashMap<String, String>,
    types: HashMap<String, String>,
    samples: Vec<Sample>,
}

/// Reads a label value after its opening quote, undoing `\\`, `\"` and `\n`; returns it and
/// the rest of the line after its closing quote.
fn label_value(text: &str) -> (String, &str) {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (value, &text[i + 1..]),
            '\\' => match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, escaped @ ('\\' | '"'))) => value.push(escaped),
                other => panic!("a bad escape {other:?} in {text}"),
            },
            c => value.push(c),
        }
    }
    panic!("an unterminated label value: {text}")
}

fn parse_sample(line: &str) -> Sample {
    let name_end = line
        .find(['{', ' '])
        .unwrap_or_else(|| panic!("no value: {line}"));
    let name = line[..name_end].to_string();
    assert!(
        name.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
        "a bad metric name: {line}"
    );
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(inner) = rest.strip_prefix('{') {
        rest = inner;
        loop {
            if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            }
            let (key, after) = rest
                .split_once("=\"")
                .unwrap_or_else(|| panic!("a bad label in {line}"));
            let (value, after) = label_value(after);
            assert!(
                labels.insert(key.to_string(), value).is_none(),
                "a label twice: {line}"
            );
            rest = after.strip_prefix(',').unwrap_or(after);
        }
    }
    let mut fields = rest.split_whitespace();
    let value = match fields.next() {
        Some("+Inf") => f64::INFINITY,
        Some("-Inf") => f64::NEG_INFINITY,
        Some(number) => number
            .parse()
            .unwrap_or_else(|_| panic!("a bad value: {line}")),
        None => panic!("no value: {line}"),
    };
    Sample {
        name,
        labels,
        value,
    }
}

fn parse(text: &str) -> Exposition {
    let mut exposition = Exposition::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').expect("HELP name and text");
            assert!(
                exposition
                    .help
                    .insert(name.to_string(), help.to_string())
                    .is_none(),
                "HELP twice for {name}"
            );
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name and type");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{line}"
            );
            assert!(
                exposition
                    .types
                    .insert(name.to_string(), kind.to_string())
                    .is_none(),
                "TYPE twice for {name}"
            );
        } else if line.starts_with('#') {
            continue;
        } else {
            let sample = parse_sample(line);
            let family = exposition.family_of(&sample.name);
            assert!(
                exposition.help.contains_key(&family),
                "no HELP before {line}"
            );
            exposition.samples.push(sample);
        }
    }
    exposition
}

impl Exposition {
    /// The family a sample belongs to: its own name, or a histogram's less its suffix.
    fn family_of(&self, name: &str) -> String {
        if self.types.contains_key(name) {
            return name.to_string();
        }
        for suffix in ["_bucket", "_sum", "_count"] {
            if let Some(family) = name.strip_suffix(suffix) {
                if self.types.get(family).map(String::as_str) == Some("histogram") {
                    return family.to_string();
                }
            }
        }
        panic!("{name} has no TYPE")
    }

    fn kind(&self, family: &str) -> &str {
        self.types
            .get(family)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("{family} is not there"))
    }

    /// Every sample of `name`, with its labels.
    fn series(&self, name: &str) -> Vec<&Sample> {
        self.samples.iter().filter(|s| s.name == name).collect()
    }

    /// The value of the sample `name` with exactly these labels.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let found: Vec<&Sample> = self
            .samples
            .iter()
            .filter(|s| s.name == name && s.labels == wanted)
            .collect();
        assert!(found.len() <= 1, "{name} {labels:?} twice");
        found.first().map(|s| s.value)
    }
}

async fn scrape(app: &TestApp) -> Exposition {
    let address = app.metrics_address.as_ref().expect("metrics are served");
    scrape_at(&app.client, address).await
}

async fn scrape_at(client: &awc::Client, address: &str) -> Exposition {
    let mut response = client
        .get(format!("{address}/metrics"))
        .send()
        .await
        .expect("scrape");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let body = response.body().await.expect("body");
    parse(std::str::from_utf8(&body).expect("UTF-8"))
}

/// Scrapes until `done` holds (up to a minute): counters move just after the work they count.
async fn scrape_until(app: &TestApp, done: impl Fn(&Exposition) -> bool) -> Exposition {
    for _ in 0..600 {
        let exposition = scrape(app).await;
        if done(&exposition) {
            return exposition;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the metrics never got there: {:#?}",
        scrape(app).await.samples
    );
}

const METRICS: (&str, &str) = ("METRICS_BIND_ADDRESS", "127.0.0.1:0");

#[actix_web::test]
async fn requests_are_counted_by_method_route_pattern_and_status_with_latency_histograms() {
    let app = spawn_app_with(&[METRICS]).await;
    let customer = app.customer("cust-metrics");
    let reference = app.create_case(&customer, &complaint()).await["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    for _ in 0..3 {
        let read = app
            .get(&format!("/api/v1/cases/{reference}"), &customer)
            .await;
        assert_eq!(read.status, 200, "{}", read.text());
    }
    app.get("/api/v1/cases/CMP-2026-999999", &customer)
        .await
        .problem(404, "/problems/not-found");
    let invalid = app
        .post(
            "/api/v1/cases",
            &customer,
            &with(complaint(), json!({"summary": ""})),
        )
        .await;
    assert_eq!(invalid.status, 422, "{}", invalid.text());
    app.get("/no/such/place", &customer)
        .await
        .problem(404, "/problems/not-found");
    app.send(Method::DELETE, "/api/v1/cases", Some(&customer), &[], None)
        .await
        .problem(405, "/problems/method-not-allowed");
    // The API's own port has no /metrics: it is only on its own listener.
    app.get("/metrics", &customer)
        .await
        .problem(404, "/problems/not-found");

    let exposition = scrape(&app).await;
    let requests = "council_feedback_http_requests_total";
    assert_eq!(exposition.kind(requests), "counter");
    let counted: BTreeMap<(String, String, String), f64> = exposition
        .series(requests)
        .into_iter()
        .map(|s| {
            (
                (
                    s.labels["method"].clone(),
                    s.labels["route"].clone(),
                    s.labels["status"].clone(),
                ),
                s.value,
            )
        })
        .collect();
    let expected: BTreeMap<(String, String, String), f64> = [
        ("POST", "/api/v1/cases", "201", 1.0),
        ("POST", "/api/v1/cases", "422", 1.0),
        ("GET", "/api/v1/cases/{reference}", "200", 3.0),
        ("GET", "/api/v1/cases/{reference}", "404", 1.0),
        // /no/such/place and the API port's /metrics.
        ("GET", "unmatched", "404", 2.0),
        // The path's resource took it, and refused the method.
        ("DELETE", "/api/v1/cases", "405", 1.0),
    ]
    .into_iter()
    .map(|(m, r, s, n)| ((m.into(), r.into(), s.into()), n))
    .collect();
    assert_eq!(counted, expected);
    // No raw path (a reference) ever becomes a label value.
    assert!(exposition
        .samples
        .iter()
        .all(|s| s.labels.values().all(|v| !v.contains("CMP-"))));

    let latency = "council_feedback_http_request_duration_seconds";
    assert_eq!(exposition.kind(latency), "histogram");
    let counts: BTreeMap<(String, String), f64> = exposition
        .series(&format!("{latency}_count"))
        .into_iter()
        .map(|s| {
            (
                (s.labels["method"].clone(), s.labels["route"].clone()),
                s.value,
            )
        })
        .collect();
    let expected: BTreeMap<(String, String), f64> = [
        ("POST", "/api/v1/cases", 2.0),
        ("GET", "/api/v1/cases/{reference}", 4.0),
        ("GET", "unmatched", 2.0),
        ("DELETE", "/api/v1/cases", 1.0),
    ]
    .into_iter()
    .map(|(m, r, n)| ((m.into(), r.into()), n))
    .collect();
    assert_eq!(counts, expected);
    for ((method, route), count) in &counts {
        let labels = [("method", method.as_str()), ("route", route.as_str())];
        let mut buckets: Vec<(f64, f64)> = exposition
            .series(&format!("{latency}_bucket"))
            .into_iter()
            .filter(|s| s.labels["method"] == *method && s.labels["route"] == *route)
            .map(|s| {
                let le = match s.labels["le"].as_str() {
                    "+Inf" => f64::INFINITY,
                    bound => bound.parse().expect("le"),
                };
                (le, s.value)
            })
            .collect();
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert_eq!(buckets.len(), 15, "{labels:?}");
        assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "{buckets:?}");
        assert_eq!(buckets.last(), Some(&(f64::INFINITY, *count)));
        let sum = exposition
            .value(&format!("{latency}_sum"), &labels)
            .expect("sum");
        assert!(sum > 0.0, "{labels:?} {sum}");
    }

    // A scrape counts nothing: the metrics listener is not the API.
    let again = scrape(&app).await;
    assert_eq!(again.series(requests), exposition.series(requests));
}

/// A webhook receiver on 127.0.0.1: answers the statuses it is given in turn, then 204; with
/// a gate, each request waits for a permit before it is answered.
struct Receiver {
    url: String,
    seen: Arc<Mutex<usize>>,
    gate: Option<Arc<tokio::sync::Semaphore>>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(gate) = &self.gate {
            gate.close();
        }
        drop(self.handle.stop(false));
    }
}

async fn receiver(answers: &[u16], gated: bool) -> Receiver {
    let seen: Arc<Mutex<usize>> = Arc::default();
    let answers = Arc::new(Mutex::new(answers.iter().copied().collect::<VecDeque<_>>()));
    let gate = gated.then(|| Arc::new(tokio::sync::Semaphore::new(0)));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let (count, queue, waiting) = (seen.clone(), answers.clone(), gate.clone());
    let server = HttpServer::new(move || {
        let (count, queue, waiting) = (count.clone(), queue.clone(), waiting.clone());
        App::new().default_service(web::to(move |_: HttpRequest, _: web::Bytes| {
            let (count, queue, waiting) = (count.clone(), queue.clone(), waiting.clone());
            async move {
                *count.lock().expect("lock") += 1;
                if let Some(gate) = waiting {
                    if let Ok(permit) = gate.acquire().await {
                        permit.forget();
                    }
                }
                let status = queue.lock().expect("lock").pop_front().unwrap_or(204);
                HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("status"))
                    .finish()
            }
        }))
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    Receiver {
        url: format!("http://127.0.0.1:{port}/hooks"),
        seen,
        gate,
        handle,
    }
}

impl Receiver {
    async fn wait_for(&self, count: usize) {
        for _ in 0..600 {
            if *self.seen.lock().expect("lock") >= count {
                return;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the receiver never had {count} requests");
    }
}

const FAST: [(&str, &str); 5] = [
    METRICS,
    ("WEBHOOK_ALLOWED_TARGETS", "127.0.0.1"),
    ("WEBHOOK_RETRY_SCHEDULE", "0,1s,1s,1s,1s"),
    ("JOBS_POLL_INTERVAL", "200ms"),
    ("SERVE_JOBS", "true"),
];

async fn register(app: &TestApp, url: &str) -> Value {
    let created = app
        .post(
            "/api/v1/webhook-endpoints",
            &app.manager(),
            &json!({"url": url, "event_types": ["case.created"], "description": "metrics"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    created.json()
}

const SENT: &str = "council_feedback_webhook_attempts_total";

fn attempts(exposition: &Exposition, result: &str) -> Option<f64> {
    exposition.value(SENT, &[("result", result)])
}

#[actix_web::test]
async fn webhook_attempts_retries_and_disabled_endpoints_are_counted_exactly() {
    let app = spawn_app_with(&FAST).await;
    // Before any delivery every webhook counter is there, at 0, and so is every alert type.
    let before = scrape(&app).await;
    assert_eq!(attempts(&before, "sent"), Some(0.0));
    assert_eq!(attempts(&before, "failed"), Some(0.0));
    assert_eq!(
        before.value("council_feedback_webhook_retries_total", &[]),
        Some(0.0)
    );
    assert_eq!(
        before.value("council_feedback_webhook_endpoints_disabled_total", &[]),
        Some(0.0)
    );
    let alerts = "council_feedback_alerts_emitted_total";
    assert_eq!(before.kind(alerts), "counter");
    assert!(before.help.contains_key(alerts));
    for feed_type in [
        "deadline.approaching",
        "deadline.missed",
        "remedy.overdue",
        "learning_action.overdue",
    ] {
        assert_eq!(before.value(alerts, &[("type", feed_type)]), Some(0.0));
    }

    // One receiver fails once then takes it; the other is gone.
    let flaky = receiver(&[500], false).await;
    let gone = receiver(&[410], false).await;
    register(&app, &flaky.url).await;
    register(&app, &gone.url).await;
    app.create_case(&app.customer("cust-hooks"), &complaint())
        .await;
    flaky.wait_for(2).await;
    gone.wait_for(1).await;

    let after = scrape_until(&app, |e| {
        attempts(e, "sent") == Some(1.0) && attempts(e, "failed") == Some(2.0)
    })
    .await;
    // The flaky receiver's failure was retried; the 410 gave its delivery up and disabled
    // its endpoint.
    assert_eq!(
        after.value("council_feedback_webhook_retries_total", &[]),
        Some(1.0)
    );
    assert_eq!(
        after.value("council_feedback_webhook_endpoints_disabled_total", &[]),
        Some(1.0)
    );
    // Delivered, and nothing waits (the disabled endpoint's deliveries are not counted).
    let depth = "council_feedback_outbox_depth";
    assert_eq!(after.value(depth, &[("queue", "fan_out")]), Some(0.0));
    assert_eq!(after.value(depth, &[("queue", "delivery")]), Some(0.0));
}

#[actix_web::test]
async fn the_outbox_gauges_show_what_waits_and_drop_to_zero_once_delivered() {
    let started = Instant::now();
    let app = spawn_app_with(&FAST).await;
    let depth = "council_feedback_outbox_depth";
    let age = "council_feedback_outbox_oldest_undelivered_age_seconds";
    let empty = scrape(&app).await;
    assert_eq!(empty.kind(depth), "gauge");
    assert_eq!(empty.kind(age), "gauge");
    assert_eq!(empty.value(depth, &[("queue", "fan_out")]), Some(0.0));
    assert_eq!(empty.value(depth, &[("queue", "delivery")]), Some(0.0));
    assert_eq!(empty.value(age, &[]), Some(0.0));

    // The receiver holds the first delivery: the dispatcher waits on it and passes no more
    // events meanwhile.
    let held = receiver(&[], true).await;
    register(&app, &held.url).await;
    let customer = app.customer("cust-outbox");
    app.create_case(&customer, &complaint()).await;
    held.wait_for(1).await;
    // Two more cases, from two other people (the same person's would also be flagged as
    // possible duplicates): one event (case.created) each, not yet fanned out.
    app.create_case(&app.customer("cust-outbox-2"), &complaint())
        .await;
    app.create_case(&app.customer("cust-outbox-3"), &complaint())
        .await;
    let waiting = scrape(&app).await;
    assert_eq!(waiting.value(depth, &[("queue", "fan_out")]), Some(2.0));
    assert_eq!(waiting.value(depth, &[("queue", "delivery")]), Some(1.0));
    let oldest = waiting.value(age, &[]).expect("age");
    let limit = started.elapsed().as_secs_f64();
    assert!(
        (0.0..=limit).contains(&oldest),
        "{oldest} s, when the test has run {limit} s"
    );

    // Let every delivery through.
    if let Some(gate) = &held.gate {
        gate.add_permits(3);
    }
    held.wait_for(3).await;
    let delivered = scrape_until(&app, |e| attempts(e, "sent") == Some(3.0)).await;
    assert_eq!(delivered.value(depth, &[("queue", "fan_out")]), Some(0.0));
    assert_eq!(delivered.value(depth, &[("queue", "delivery")]), Some(0.0));
    assert_eq!(delivered.value(age, &[]), Some(0.0));
    assert_eq!(attempts(&delivered, "failed"), Some(0.0));
}

#[actix_web::test]
async fn without_metrics_bind_address_no_metrics_are_served() {
    let app = spawn_app().await;
    assert_eq!(app.metrics_address, None);
    app.send(Method::GET, "/metrics", None, &[], None)
        .await
        .problem(404, "/problems/not-found");
}

/// `council-feedback worker`, stopped (by its own id) when the test ends.
struct Worker(std::process::Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[actix_web::test]
async fn the_worker_alone_serves_its_deliveries_and_the_outbox_on_metrics_bind_address() {
    use council_feedback::db::webhooks::{insert_endpoint, NewEndpoint};
    use council_feedback::domain::case::Role;
    use council_feedback::seed::{seed, SeedOptions};

    // Dropped last: the worker stops before its database goes.
    let (_store, url) = TestDatabase::new();
    let db = council_feedback::db::Database::connect(&url, 2).expect("pool");
    db.migrate().expect("migrations");
    let flaky = receiver(&[500], false).await;
    insert_endpoint(
        &mut db.connection().expect("connection"),
        &NewEndpoint {
            owner_role: Role::ComplaintsManager,
            owner_subject: "crm".into(),
            url: flaky.url.clone(),
            event_types: r#"["case.created"]"#.into(),
            description: "the worker's".into(),
            secret: council_feedback::app::webhooks::new_secret(),
            enabled: true,
            created_at: chrono::Utc::now().naive_utc(),
            version: 1,
        },
    )
    .expect("endpoint");
    // Two cases, so two case.created events (and others the endpoint did not ask for).
    let settings = settings_for(&url, &[]);
    let clock =
        council_feedback::domain::clock::Clock::new(settings.policy.clone()).expect("clock");
    let options = SeedOptions {
        cases: 2,
        seed: 12,
        from: chrono::NaiveDate::from_ymd_opt(2026, 10, 1).expect("date"),
        to: chrono::NaiveDate::from_ymd_opt(2026, 10, 30).expect("date"),
    };
    assert_eq!(seed(&db, &clock, &options, |_| {}).expect("seeded"), 2);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let data_dir =
        std::env::temp_dir().join(format!("cf-worker-{}", uuid::Uuid::new_v4().simple()));
    let _worker = Worker(
        std::process::Command::new(env!("CARGO_BIN_EXE_council-feedback"))
            .arg("worker")
            .env_clear()
            .env("DATABASE_URL", &url)
            .env("DATA_DIR", &data_dir)
            .env("JWT_SECRET", SECRET)
            .env("METRICS_BIND_ADDRESS", format!("127.0.0.1:{port}"))
            .env("WEBHOOK_ALLOWED_TARGETS", "127.0.0.1")
            .env("WEBHOOK_RETRY_SCHEDULE", "0,1s")
            .env("JOBS_POLL_INTERVAL", "200ms")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the worker"),
    );
    // The first case's delivery fails once and is retried; the second's goes through.
    flaky.wait_for(3).await;
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    let address = format!("http://127.0.0.1:{port}");
    let mut done = None;
    for _ in 0..600 {
        if let Ok(mut answer) = client.get(format!("{address}/metrics")).send().await {
            if answer.status().as_u16() == 200 {
                let body = answer.body().await.expect("body");
                let exposition = parse(std::str::from_utf8(&body).expect("UTF-8"));
                if attempts(&exposition, "sent") == Some(2.0) {
                    done = Some(exposition);
                    break;
                }
            }
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let exposition = done.expect("the worker counted two deliveries sent");
    assert_eq!(attempts(&exposition, "failed"), Some(1.0));
    assert_eq!(
        exposition.value("council_feedback_webhook_retries_total", &[]),
        Some(1.0)
    );
    let depth = "council_feedback_outbox_depth";
    assert_eq!(exposition.value(depth, &[("queue", "fan_out")]), Some(0.0));
    assert_eq!(exposition.value(depth, &[("queue", "delivery")]), Some(0.0));
    // A worker answers no API: no request was counted.
    assert!(exposition
        .series("council_feedback_http_requests_total")
        .is_empty());
    let again = scrape_at(&client, &address).await;
    assert_eq!(attempts(&again, "sent"), Some(2.0));
}

/// A TCP relay to PostgreSQL that the test can freeze: while frozen it holds every byte, so
/// the service's queries (and new connections) hang as on a server that stopped answering.
struct Relay {
    port: u16,
    frozen: Arc<std::sync::atomic::AtomicBool>,
    closed: Arc<std::sync::atomic::AtomicBool>,
    streams: Arc<Mutex<Vec<std::net::TcpStream>>>,
}

impl Relay {
    fn to(upstream: std::net::SocketAddr) -> Relay {
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let frozen = Arc::new(AtomicBool::new(false));
        let closed = Arc::new(AtomicBool::new(false));
        let streams: Arc<Mutex<Vec<std::net::TcpStream>>> = Arc::default();
        let (hold, stop, open) = (frozen.clone(), closed.clone(), streams.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let (Ok(client), Ok(server)) = (client, std::net::TcpStream::connect(upstream))
                else {
                    continue;
                };
                for (from, to) in [(&client, &server), (&server, &client)] {
                    let (Ok(mut from), Ok(mut to)) = (from.try_clone(), to.try_clone()) else {
                        continue;
                    };
                    let hold = hold.clone();
                    std::thread::spawn(move || {
                        use std::io::{Read, Write};
                        let mut buffer = [0u8; 16 * 1024];
                        while let Ok(n) = from.read(&mut buffer) {
                            if n == 0 {
                                break;
                            }
                            while hold.load(Ordering::SeqCst) {
                                std::thread::sleep(Duration::from_millis(10));
                            }
                            if to.write_all(&buffer[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
                let mut open = open.lock().expect("lock");
                open.push(client);
                open.push(server);
            }
        });
        Relay {
            port,
            frozen,
            closed,
            streams,
        }
    }

    fn freeze(&self, frozen: bool) {
        self.frozen
            .store(frozen, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.freeze(false);
        self.closed.store(true, std::sync::atomic::Ordering::SeqCst);
        for stream in self.streams.lock().expect("lock").iter() {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        // Wakes the accepting thread so that it sees it is closed.
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
    }
}

#[actix_web::test]
async fn a_scrape_while_the_database_does_not_answer_answers_without_the_outbox_gauges() {
    // PostgreSQL only: SQLite is a file in the process, with no server to lose.
    let Some(base) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    else {
        return;
    };
    let server = url::Url::parse(&base).expect("TEST_DATABASE_URL");
    let upstream = std::net::ToSocketAddrs::to_socket_addrs(&(
        server.host_str().expect("host"),
        server.port().unwrap_or(5432),
    ))
    .expect("address")
    .next()
    .expect("an address");
    let relay = Relay::to(upstream);
    let mut relayed = server.clone();
    relayed.set_port(Some(relay.port)).expect("port");
    // The test's own schema, reached through the relay; its harness pool goes straight there.
    let (_store, direct) = TestDatabase::new();
    let through = direct.replacen(base.as_str(), relayed.as_str(), 1);
    assert_ne!(through, direct, "{direct}");
    let app = spawn_app_with(&[
        METRICS,
        ("DATABASE_URL", &through),
        ("DATABASE_TIMEOUT_MS", "500"),
        ("SERVE_JOBS", "true"),
    ])
    .await;
    let customer = app.customer("cust-away");
    app.create_case(&customer, &complaint()).await;
    let depth = "council_feedback_outbox_depth";
    // No endpoint: the fan-out passes the case's event and nothing waits.
    scrape_until(&app, |e| {
        e.value(depth, &[("queue", "fan_out")]) == Some(0.0)
            && e.value(depth, &[("queue", "delivery")]) == Some(0.0)
    })
    .await;

    relay.freeze(true);
    let away = scrape(&app).await;
    relay.freeze(false);
    // The counters are all there; the gauges the database could not give are not.
    assert_eq!(
        away.value(
            "council_feedback_http_requests_total",
            &[
                ("method", "POST"),
                ("route", "/api/v1/cases"),
                ("status", "201")
            ]
        ),
        Some(1.0)
    );
    assert_eq!(attempts(&away, "sent"), Some(0.0));
    assert!(away.series(depth).is_empty(), "{:?}", away.series(depth));
    assert!(away
        .series("council_feedback_outbox_oldest_undelivered_age_seconds")
        .is_empty());
    assert!(!away.types.contains_key(depth));

    // And once it answers again, so do the gauges.
    let back = scrape_until(&app, |e| !e.series(depth).is_empty()).await;
    assert_eq!(back.value(depth, &[("queue", "delivery")]), Some(0.0));
}

#[test]
fn the_parser_reads_escapes_and_histograms() {
    let exposition = parse(
        "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"q\\\"uo\\\\te\\n\",y=\"2\"} 3\n\
         # HELP h H.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 0.5\nh_count 1\n",
    );
    assert_eq!(
        exposition.value("a_total", &[("x", "q\"uo\\te\n"), ("y", "2")]),
        Some(3.0)
    );
    assert_eq!(exposition.value("h_count", &[]), Some(1.0));
    assert_eq!(exposition.value("h_bucket", &[("le", "+Inf")]), Some(1.0));
}

#[actix_web::test]
async fn alerts_the_scheduler_gives_are_counted_by_type() {
    let app = spawn_app_at(
        council_feedback::app::time::Now::Fixed(
            chrono::NaiveDate::from_ymd_opt(2026, 11, 16)
                .and_then(|d| d.and_hms_opt(9, 0, 0))
                .expect("instant"),
        ),
        &FAST,
    )
    .await;
    // Two letters received on Monday 2 November 2026, their acknowledgements due Monday 9th:
    // on the 16th each was missed, and the scheduler in the job loop says so once.
    let letter = with(
        complaint(),
        json!({"channel": "letter", "received_at": "2026-11-02T09:00:00Z",
               "received_at_reason": "from the post"}),
    );
    for _ in 0..2 {
        app.create_case(&app.officer("o-log", &[]), &letter).await;
    }
    let alerts = "council_feedback_alerts_emitted_total";
    let missed = [("type", "deadline.missed")];
    let seen = scrape_until(&app, |e| e.value(alerts, &missed) == Some(2.0)).await;
    assert_eq!(
        seen.value(alerts, &[("type", "deadline.approaching")]),
        Some(0.0)
    );
    // Looked at again every poll interval, nothing more is said.
    actix_web::rt::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(scrape(&app).await.value(alerts, &missed), Some(2.0));
}

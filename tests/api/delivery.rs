//! Issue 12 §6: delivery by real service processes (the binary, as a council runs it) to a
//! real receiver: a commit through one instance wakes another's dispatcher (PostgreSQL's
//! LISTEN/NOTIFY), two instances share 1,000 events with none lost or doubled, and a
//! service killed mid-delivery sends everything after its restart.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use council_feedback::db::{Database, DbConnection};
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::helpers::*;

/// A request the receiver got: the path it came to, its webhook-id and body.
#[derive(Debug, Clone)]
pub(crate) struct Arrival {
    path: String,
    webhook_id: String,
    pub(crate) body: Value,
}

impl Arrival {
    fn summary(&self) -> (String, String) {
        (
            self.body["type"].as_str().unwrap_or("").to_string(),
            self.body["data"]["case"].as_str().unwrap_or("").to_string(),
        )
    }
}

/// A receiver on 127.0.0.1 that records each request as it arrives, holds it for `hold`,
/// then answers 204.
pub(crate) struct Receiver {
    pub(crate) base: String,
    seen: Arc<Mutex<Vec<Arrival>>>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

impl Receiver {
    pub(crate) async fn start(hold: Duration) -> Receiver {
        let seen: Arc<Mutex<Vec<Arrival>>> = Arc::default();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let record = seen.clone();
        let server = HttpServer::new(move || {
            let record = record.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let record = record.clone();
                async move {
                    record.lock().expect("lock").push(Arrival {
                        path: req.path().to_string(),
                        webhook_id: req
                            .headers()
                            .get("webhook-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string(),
                        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                    });
                    if !hold.is_zero() {
                        actix_web::rt::time::sleep(hold).await;
                    }
                    HttpResponse::NoContent().finish()
                }
            }))
        })
        .workers(2)
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Receiver {
            base: format!("http://127.0.0.1:{port}"),
            seen,
            handle,
        }
    }

    pub(crate) fn seen(&self) -> Vec<Arrival> {
        self.seen.lock().expect("lock").clone()
    }

    /// Waits until `done` holds of what arrived, for at most `within`.
    pub(crate) async fn until(
        &self,
        within: Duration,
        done: impl Fn(&[Arrival]) -> bool,
    ) -> Vec<Arrival> {
        let started = Instant::now();
        loop {
            let seen = self.seen();
            if done(&seen) {
                return seen;
            }
            assert!(
                started.elapsed() < within,
                "the receiver had {} requests after {within:?}",
                seen.len()
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A service process; killed (SIGKILL) when dropped.
pub(crate) struct Service {
    child: Child,
    pub(crate) address: String,
    log: PathBuf,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Service {
    /// Starts `council-feedback <command>` on `database_url` with these settings, and (for
    /// serve) waits until it is ready.
    pub(crate) async fn start(
        command: &str,
        database_url: &str,
        settings: &[(&str, &str)],
    ) -> Service {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir =
            std::env::temp_dir().join(format!("cf-delivery-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("folder");
        let log = dir.join("log");
        let mut process = Command::new(env!("CARGO_BIN_EXE_council-feedback"));
        process
            .arg(command)
            .env_clear()
            .env("DATABASE_URL", database_url)
            .env("DATABASE_POOL_SIZE", "6")
            .env("DATA_DIR", &dir)
            .env("JWT_SECRET", SECRET)
            .env("BIND_ADDRESS", format!("127.0.0.1:{port}"))
            .env("WORKERS", "2")
            .env("WEBHOOK_ALLOWED_TARGETS", "127.0.0.1")
            .env("WEBHOOK_RETRY_SCHEDULE", "0,1s,1s,1s,1s")
            // One customer makes hundreds of cases here: the public rate limits (on by
            // default) are set out of reach, as every in-process test app has them.
            .env("RATE_LIMIT_PER_CLIENT", "1000000")
            .env("RATE_LIMIT_PER_IP", "1000000")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"));
        for (name, value) in settings {
            process.env(name, value);
        }
        let service = Service {
            child: process.spawn().expect("start the service"),
            address: format!("http://127.0.0.1:{port}"),
            log,
        };
        if command == "serve" {
            let client = awc::Client::default();
            for _ in 0..400 {
                let ready = client
                    .get(format!("{}/readyz", service.address))
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200);
                if ready {
                    return service;
                }
                actix_web::rt::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("the service did not start: {}", service.log());
        }
        service
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (at most a minute) until its log has `line`.
    async fn logged(&self, line: &str) {
        for _ in 0..1200 {
            if self.log().contains(line) {
                return;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the log never said `{line}`: {}", self.log());
    }
}

/// The harness's client and tokens, pointed at `service`.
pub(crate) fn at<'a>(app: &'a mut TestApp, service: &Service) -> &'a TestApp {
    app.address = service.address.clone();
    app
}

pub(crate) async fn register(app: &TestApp, url: &str, types: &[&str]) {
    let created = app
        .post(
            "/api/v1/webhook-endpoints",
            &app.manager(),
            &json!({"url": url, "event_types": types, "description": "delivery test"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(db: &Database, sql: &str) -> i64 {
    let mut conn = db.connection().expect("connection");
    let conn: &mut DbConnection = &mut conn;
    let found: Count = diesel::sql_query(sql).get_result(conn).expect("count");
    found.n
}

fn postgres_or_skip(test: &str) -> bool {
    let postgres = std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"));
    if !postgres {
        eprintln!(
            "{test}: skipped: it runs several instances on one PostgreSQL (TEST_DATABASE_URL); \
             SQLite runs one instance"
        );
    }
    postgres
}

#[actix_web::test]
async fn an_event_committed_through_one_instance_wakes_another_instances_dispatcher() {
    if !postgres_or_skip("listen/notify") {
        return;
    }
    let (_store, url) = TestDatabase::new();
    let receiver = Receiver::start(Duration::ZERO).await;
    // A serves requests and runs no jobs; B only runs them, and looks for work unwoken only
    // every two minutes.
    let a = Service::start("serve", &url, &[("SERVE_JOBS", "false")]).await;
    let mut app = spawn_app().await;
    register(
        at(&mut app, &a),
        &format!("{}/hooks", receiver.base),
        &["case.created"],
    )
    .await;
    let b = Service::start("worker", &url, &[("JOBS_POLL_INTERVAL", "120s")]).await;
    b.logged("listening for committed events").await;
    // B's first rounds (at its start, and as it began listening) have found nothing to send.
    actix_web::rt::time::sleep(Duration::from_secs(1)).await;
    assert!(receiver.seen().is_empty());

    let customer = app.customer("c-wake");
    let created = at(&mut app, &a).create_case(&customer, &complaint()).await;
    // Only a wake brings it in well under B's poll interval.
    let seen = receiver
        .until(Duration::from_secs(20), |seen| !seen.is_empty())
        .await;
    assert_eq!(
        seen[0].summary(),
        (
            "case.created".to_string(),
            created["reference"]
                .as_str()
                .expect("reference")
                .to_string()
        )
    );
    assert!(!a.log().contains("listening for committed events"));
}

#[actix_web::test]
async fn two_instances_deliver_a_thousand_events_each_once_in_commit_order() {
    if !postgres_or_skip("two instances, 1,000 events") {
        return;
    }
    let (_store, url) = TestDatabase::new();
    let receiver = Receiver::start(Duration::ZERO).await;
    let settings = [("JOBS_POLL_INTERVAL", "1s")];
    let a = Service::start("serve", &url, &settings).await;
    let b = Service::start("serve", &url, &settings).await;
    let mut app = spawn_app().await;
    let types = ["case.created", "case.note_added"];
    for n in 1..=2 {
        register(
            at(&mut app, &a),
            &format!("{}/hooks/{n}", receiver.base),
            &types,
        )
        .await;
    }
    // 500 cases, each with a note: 1,000 events, made one after another through both
    // instances, so their commit order is the order they were made in.
    let manager = app.manager();
    let customer = app.customer("c-many");
    let mut expected = Vec::new();
    for n in 0..500 {
        let instance = if n % 2 == 0 { &a } else { &b };
        let created = at(&mut app, instance)
            .create_case(&customer, &complaint())
            .await;
        let reference = created["reference"]
            .as_str()
            .expect("reference")
            .to_string();
        let other = if n % 2 == 0 { &b } else { &a };
        let note = at(&mut app, other)
            .post(
                &format!("/api/v1/cases/{reference}/notes"),
                &manager,
                &json!({"text": format!("Note {n}.")}),
            )
            .await;
        assert_eq!(note.status, 201, "{}", note.text());
        expected.push(("case.created".to_string(), reference.clone()));
        expected.push(("case.note_added".to_string(), reference));
    }

    let seen = receiver
        .until(Duration::from_secs(120), |seen| seen.len() >= 2000)
        .await;
    // Every delivery succeeded at its first attempt, and nothing is left to send: no later
    // request can come.
    let db = Database::connect(&url, 1).expect("pool");
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM webhook_deliveries"),
        2000
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'succeeded' AND attempts = 1"
        ),
        2000
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM webhook_attempts"),
        2000
    );
    let seen = if seen.len() == 2000 {
        seen
    } else {
        receiver.seen()
    };
    assert_eq!(seen.len(), 2000, "none doubled");
    for n in 1..=2 {
        let path = format!("/hooks/{n}");
        let mine: Vec<&Arrival> = seen.iter().filter(|r| r.path == path).collect();
        let ids: HashSet<&str> = mine.iter().map(|r| r.webhook_id.as_str()).collect();
        assert_eq!(ids.len(), 1000, "{path}: each webhook-id once");
        let order: Vec<(String, String)> = mine.iter().map(|r| r.summary()).collect();
        assert!(order == expected, "{path}: not in commit order");
    }
    drop((a, b));
}

/// Kills the service with SIGKILL while a delivery is in flight, starts it again, and
/// checks that every event committed was delivered, at least once.
async fn killed_mid_delivery(url: &str) {
    let receiver = Receiver::start(Duration::from_secs(2)).await;
    let settings = [("JOBS_POLL_INTERVAL", "500ms")];
    let first = Service::start("serve", url, &settings).await;
    let mut app = spawn_app().await;
    register(
        at(&mut app, &first),
        &format!("{}/hooks", receiver.base),
        &["case.created"],
    )
    .await;
    let mut references = Vec::new();
    for n in 0..5 {
        let customer = app.customer(&format!("c-kill-{n}"));
        let created = at(&mut app, &first)
            .create_case(&customer, &complaint())
            .await;
        references.push(
            created["reference"]
                .as_str()
                .expect("reference")
                .to_string(),
        );
    }
    // The first delivery is in flight (the receiver holds it): kill -9.
    receiver
        .until(Duration::from_secs(60), |seen| !seen.is_empty())
        .await;
    drop(first);
    let db = Database::connect(url, 1).expect("pool");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'succeeded'"
        ),
        0,
        "killed before any delivery was recorded"
    );

    let _second = Service::start("serve", url, &settings).await;
    // The endpoint's lease (30 s) runs out, and the restarted service sends what is left.
    let succeeded = "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'succeeded'";
    let started = Instant::now();
    while count(&db, succeeded) < 5 {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "{} of 5 delivered",
            count(&db, succeeded)
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    let seen = receiver.seen();
    let got: HashSet<String> = seen.iter().map(|r| r.summary().1).collect();
    let wanted: HashSet<String> = references.iter().cloned().collect();
    assert_eq!(got, wanted, "every committed event delivered");
    // A repeat carries the same webhook-id as the first try.
    let mut ids: HashMap<String, HashSet<String>> = HashMap::new();
    for r in &seen {
        ids.entry(r.summary().1)
            .or_default()
            .insert(r.webhook_id.clone());
    }
    assert!(ids.values().all(|i| i.len() == 1), "{ids:?}");
}

#[actix_web::test]
async fn a_service_killed_mid_delivery_delivers_every_committed_event_after_its_restart() {
    let (_store, url) = TestDatabase::new();
    killed_mid_delivery(&url).await;
}

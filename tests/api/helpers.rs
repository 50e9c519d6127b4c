//! The test harness: each test gets its own database (a SQLite file, or a
//! PostgreSQL schema when TEST_DATABASE_URL names a server), its own server
//! on port 0, and real signed tokens.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use awc::http::header::{HeaderMap, HeaderName, HeaderValue};
use awc::http::Method;
use council_feedback::auth::TokenVerifier;
use council_feedback::config::Settings;
use council_feedback::db::{Database, DbConnection};
use council_feedback::domain::case::Role;
use council_feedback::startup::Application;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::{json, Value};

/// The HS256 secret every test app is configured with.
pub const SECRET: &str = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
pub const ISSUER: &str = "council-feedback";
pub const AUDIENCE: &str = "council-feedback-api";

/// Where this test's data lives; removed when the test ends.
pub enum TestDatabase {
    Sqlite { dir: PathBuf },
    Postgres { base_url: String, schema: String },
}

impl TestDatabase {
    /// A fresh, empty database for one test.
    pub fn new() -> (TestDatabase, String) {
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| u.starts_with("postgres"))
        {
            Some(base_url) => {
                // Loopback needs no TLS, and libpq's TLS teardown at process
                // exit can crash while a server thread still holds a connection.
                let base_url = if base_url.contains("sslmode=") {
                    base_url
                } else {
                    let separator = if base_url.contains('?') { '&' } else { '?' };
                    format!("{base_url}{separator}sslmode=disable")
                };
                let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = diesel::PgConnection::establish(&base_url).unwrap_or_else(|e| {
                    panic!("TEST_DATABASE_URL {base_url} does not answer: {e}")
                });
                admin
                    .batch_execute(&format!("CREATE SCHEMA {schema}"))
                    .expect("create schema");
                let separator = if base_url.contains('?') { '&' } else { '?' };
                let url = format!("{base_url}{separator}options=-csearch_path%3D{schema}");
                (TestDatabase::Postgres { base_url, schema }, url)
            }
            None => {
                let dir =
                    std::env::temp_dir().join(format!("cf-test-{}", uuid::Uuid::new_v4().simple()));
                std::fs::create_dir_all(&dir).expect("temp dir");
                let url = format!("sqlite://{}", dir.join("test.db").display());
                (TestDatabase::Sqlite { dir }, url)
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDatabase::Postgres { .. })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self {
            TestDatabase::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            TestDatabase::Postgres { base_url, schema } => {
                if let Ok(mut admin) = diesel::PgConnection::establish(base_url) {
                    let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }
            }
        }
    }
}

/// A running app for one test.
pub struct TestApp {
    pub address: String,
    /// The test database's URL, for processes of the service started by the test.
    pub database_url: String,
    /// Where `GET /metrics` is served, when METRICS_BIND_ADDRESS was set.
    pub metrics_address: Option<String>,
    pub db: Database,

    pub verifier: TokenVerifier,
    pub client: awc::Client,
    handle: actix_web::dev::ServerHandle,
    // Dropped last: the database outlives the server. `None` for an app on another's data.
    _store: Option<TestDatabase>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting; the runtime ending stops the rest.
        drop(self.handle.stop(false));
    }
}

/// A response, read whole.
pub struct TestResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts a problem+json answer of this status and type; returns it.
    #[track_caller]
    pub fn problem(&self, status: u16, problem_type: &str) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text());
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "body: {}",
            self.text()
        );
        let body = self.json();
        assert_eq!(body["type"], problem_type, "body: {body}");
        assert_eq!(body["status"], status);
        assert!(body["title"].is_string());
        assert!(body["instance"].is_string());
        assert!(body["request_id"].is_string());
        body
    }

    /// Asserts the 400 a cursor the list did not give out gets (issue 11 §2).
    #[track_caller]
    pub fn invalid_cursor(&self) {
        let body = self.problem(400, "/problems/invalid-cursor");
        assert_eq!(
            body["errors"],
            serde_json::json!([{"field": "cursor", "message": "is not a cursor this list gave out"}]),
            "{body}"
        );
    }

    /// The fields a validation problem names.
    #[track_caller]
    pub fn invalid_fields(&self) -> Vec<String> {
        let body = self.problem(422, "/problems/validation");
        body["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

/// Settings for a test app, with `overrides` on top.
pub fn settings_for(database_url: &str, overrides: &[(&str, &str)]) -> Settings {
    let data_dir = std::env::temp_dir().join(format!("cf-data-{}", uuid::Uuid::new_v4().simple()));
    let mut map: HashMap<String, String> = [
        ("DATABASE_URL", database_url),
        ("BIND_ADDRESS", "127.0.0.1:0"),
        ("WORKERS", "2"),
        ("DATABASE_POOL_SIZE", "8"),
        ("JWT_SECRET", SECRET),
        // The background jobs work on their own time: a test that needs them (webhook
        // delivery) asks for them, and the rest see only what their requests did (a case
        // back-dated a year would otherwise have its missed deadlines said at any moment).
        ("SERVE_JOBS", "false"),
        // The rate limits stay on, so every test goes through them, but high enough that a
        // test making many cases as one customer is never refused; tests/api/browser_calls.rs
        // sets its own.
        ("RATE_LIMIT_PER_CLIENT", "1000000"),
        ("RATE_LIMIT_PER_IP", "1000000"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    map.insert("DATA_DIR".into(), data_dir.display().to_string());
    for (k, v) in overrides {
        if v.is_empty() {
            map.remove(*k);
        } else {
            map.insert(k.to_string(), v.to_string());
        }
    }
    Settings::from_lookup(|k| map.get(k).cloned()).expect("test settings")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// An app with some settings changed (an empty value removes a setting).
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    spawn_app_at(council_feedback::app::time::Now::System, overrides).await
}

/// An app whose handlers and background jobs take it to be the time `now` says.
pub async fn spawn_app_at(
    now: council_feedback::app::time::Now,
    overrides: &[(&str, &str)],
) -> TestApp {
    let (store, url) = TestDatabase::new();
    serve(Some(store), &url, now, overrides).await
}

/// An app on the database at `url`, owning it when `store` is given.
async fn serve(
    store: Option<TestDatabase>,
    url: &str,
    now: council_feedback::app::time::Now,
    overrides: &[(&str, &str)],
) -> TestApp {
    let settings = settings_for(url, overrides);
    let application = Application::build_at(&settings, now).expect("app starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let metrics_address = application
        .metrics_port()
        .map(|port| format!("http://127.0.0.1:{port}"));
    let handle = application.handle();
    actix_web::rt::spawn(application.run_until_stopped());
    let db = Database::connect(&settings.database_url, 4).expect("test pool");
    let verifier = TokenVerifier::new(&settings.jwt).expect("verifier");
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(120))
        .finish();
    TestApp {
        address,
        database_url: settings.database_url.clone(),
        metrics_address,
        db,
        verifier,
        client,
        handle,
        _store: store,
    }
}

impl TestApp {
    /// Another app on this one's data whose clock says `now`: what this one stored, seen at
    /// another time. It must be dropped before this one (the data goes with this one).
    pub async fn at(&self, now: council_feedback::app::time::Now) -> TestApp {
        serve(None, &self.database_url, now, &[]).await
    }

    /// Waits (at most a minute) until the event feed shows every event stored so far. On
    /// PostgreSQL an event shows only once every transaction older than its own has ended, in
    /// the whole cluster: other tests' transactions (a seed, a rebuild) hold it back for a
    /// while. On SQLite it shows at once.
    pub async fn feed_settled(&self) {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        if !self.database_url.starts_with("postgres") {
            return;
        }
        for _ in 0..1200 {
            let hidden: i64 = {
                let mut conn = self.db.connection().expect("connection");
                let conn: &mut DbConnection = &mut conn;
                diesel::sql_query(
                    "SELECT COUNT(*) AS n FROM case_events \
                     WHERE commit_order >= pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
                )
                .get_result::<Count>(conn)
                .expect("hidden events")
                .n
            };
            if hidden == 0 {
                return;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the event feed never showed every event");
    }

    /// A token for `subject` with these roles and services.
    pub fn token(&self, subject: &str, roles: &[Role], services: &[&str]) -> String {
        let services: Vec<String> = services.iter().map(|s| s.to_string()).collect();
        self.verifier
            .mint(subject, roles, &services, 3600)
            .expect("mint")
    }

    pub fn customer(&self, subject: &str) -> String {
        self.token(subject, &[Role::Customer], &[])
    }

    pub fn officer(&self, subject: &str, services: &[&str]) -> String {
        self.token(subject, &[Role::InvestigatingOfficer], services)
    }

    pub fn head_of_service(&self, subject: &str, services: &[&str]) -> String {
        self.token(subject, &[Role::HeadOfService], services)
    }

    pub fn manager(&self) -> String {
        self.token("manager-1", &[Role::ComplaintsManager], &[])
    }

    pub fn partner(&self, client: &str) -> String {
        self.token(client, &[Role::Partner], &[])
    }

    /// Sends a request; `body` is sent as JSON when given.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> TestResponse {
        let mut request = self
            .client
            .request(method, format!("{}{}", self.address, path));
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        let mut has_content_type = false;
        for (name, value) in headers {
            has_content_type |= name.eq_ignore_ascii_case("content-type");
            request = request.insert_header((
                HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                HeaderValue::from_str(value).expect("header value"),
            ));
        }
        if body.is_some() && !has_content_type {
            request = request.insert_header(("Content-Type", "application/json"));
        }
        let mut response = match body {
            Some(body) => request.send_body(body).await,
            None => request.send().await,
        }
        .unwrap_or_else(|e| panic!("request to {path} failed: {e}"));
        let body = response
            .body()
            .limit(64 * 1024 * 1024)
            .await
            .expect("body")
            .to_vec();
        TestResponse {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> TestResponse {
        self.send(Method::GET, path, Some(token), &[], None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> TestResponse {
        self.send(
            Method::POST,
            path,
            Some(token),
            &[],
            Some(body.to_string().into_bytes()),
        )
        .await
    }

    pub async fn post_with_key(
        &self,
        path: &str,
        token: &str,
        key: &str,
        body: &Value,
    ) -> TestResponse {
        self.send(
            Method::POST,
            path,
            Some(token),
            &[("Idempotency-Key", key)],
            Some(body.to_string().into_bytes()),
        )
        .await
    }

    /// Creates a case and returns its body, asserting 201.
    pub async fn create_case(&self, token: &str, body: &Value) -> Value {
        let response = self.post("/api/v1/cases", token, body).await;
        assert_eq!(response.status, 201, "create failed: {}", response.text());
        response.json()
    }

    /// Rows in every table, to show that a refused request wrote nothing.
    pub fn row_counts(&self) -> Vec<(String, i64)> {
        use diesel::prelude::*;
        use diesel::sql_types::BigInt;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let mut conn = self.db.connection().expect("connection");
        let conn: &mut DbConnection = &mut conn;
        [
            "directorates",
            "services",
            "people",
            "person_merges",
            "customers",
            "cases",
            "case_stages",
            "case_responses",
            "case_extensions",
            "representatives",
            "case_events",
            "ombudsman_referrals",
            "case_remedies",
            "case_flags",
            "case_documents",
            "case_document_contents",
            "case_links",
            "case_duplicates",
            "idempotency_records",
            "reference_sequences",
            "case_services",
            "feedback_handling",
            "feedback_staff",
            "learning_actions",
            "learning_action_cases",
            "self_assessment_answers",
            "webhook_endpoints",
            "webhook_deliveries",
            "webhook_attempts",
            "surveys",
            "letters",
            "outgoing_messages",
            "case_access_links",
        ]
        .iter()
        .map(|table| {
            let count: Count = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                .get_result(conn)
                .expect("count");
            (table.to_string(), count.n)
        })
        .collect()
    }
}

/// A realistic complaint as a customer sends it from the website.
pub fn complaint() -> Value {
    json!({
        "kind": "complaint",
        "summary": "Green bin missed three weeks running",
        "description": "Our green bin at 14 Example Road has been missed on the last three collection days, \
                        although it was out by 7am each time. I reported it twice online.",
        "desired_outcome": "Collect the bin and tell me why it keeps happening",
        "service": "waste-care",
        "category": "missed collection",
        "problem_date": "2026-11-02",
        "customer": {
            "name": "Alex Example",
            "email": "alex@example.org",
            "phone": "01384 811561",
            "preferred_contact": "email",
            "accessibility": {"large_print": true}
        }
    })
}

/// The same body with `changes` merged over it (null removes a field).
pub fn with(mut body: Value, changes: Value) -> Value {
    merge(&mut body, changes);
    body
}

fn merge(target: &mut Value, changes: Value) {
    match (target, changes) {
        (Value::Object(target), Value::Object(changes)) => {
            for (key, value) in changes {
                if value.is_null() {
                    target.remove(&key);
                } else {
                    merge(target.entry(key).or_insert(Value::Null), value);
                }
            }
        }
        (target, changes) => *target = changes,
    }
}

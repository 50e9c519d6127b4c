//! Counts the SQL statements each request of one complaint's whole life
//! runs (issue 10), on SQLite and, when `PG_URL` is set, on PostgreSQL.
//!
//! cargo run --release --example bench_statements
//! PG_URL=postgres://postgres@127.0.0.1:5432 cargo run --release --example bench_statements -- --sql
//!
//! A counting `diesel::connection::Instrumentation` is made the default for
//! every connection opened afterwards; the service is then started in
//! process on port 0 (on a fresh SQLite file, and in a fresh PostgreSQL
//! schema that is dropped afterwards) and one complaint is driven over HTTP
//! from its creation to the Ombudsman's decision, as the lifecycle tests do,
//! with the ETag of each answer sent back in `If-Match`. Requests go one at
//! a time, so the statements started between sending a request and reading
//! its answer are that request's.
//!
//! Each statement is counted by its first word: reads (SELECT), writes
//! (INSERT, UPDATE, DELETE), transaction control (BEGIN, COMMIT, ROLLBACK,
//! SAVEPOINT, RELEASE) and other (PRAGMA, SET, ...). "same again" counts
//! reads whose SQL and bind values are exactly those of an earlier read in
//! the same request: the same rows read twice.
//!
//! The journey is run twice and the second run is printed, so no step pays
//! for a connection or a row that only the first case needs; a step whose
//! count differed between the runs is marked. `--sql` prints every
//! statement of every step (without the bind values); `--preset NAME` sets
//! POLICY_PRESET (default: the service's own).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use council_feedback::auth::TokenVerifier;
use council_feedback::config::Settings;
use council_feedback::domain::case::Role;
use council_feedback::startup::Application;
use diesel::connection::{
    set_default_instrumentation, Instrumentation, InstrumentationEvent, SimpleConnection,
};
use diesel::Connection;
use serde_json::{json, Value};

const SECRET: &str = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

/// Every statement started on any connection, as diesel shows it (the SQL,
/// then ` -- binds: [...]`).
static STATEMENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// Connections opened, to tell when one was opened inside a measured request.
static CONNECTIONS_OPENED: AtomicU64 = AtomicU64::new(0);

fn counting() -> Option<Box<dyn Instrumentation>> {
    Some(Box::new(|event: InstrumentationEvent<'_>| match event {
        InstrumentationEvent::StartQuery { query, .. } => {
            let text = query.to_string();
            STATEMENTS
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push(text);
        }
        InstrumentationEvent::StartEstablishConnection { .. } => {
            CONNECTIONS_OPENED.fetch_add(1, Ordering::SeqCst);
        }
        _ => {}
    }))
}

fn take_statements() -> Vec<String> {
    std::mem::take(
        &mut *STATEMENTS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Read,
    Write,
    Transaction,
    Other,
}

fn sql_of(statement: &str) -> &str {
    statement
        .split_once(" -- binds: ")
        .map_or(statement, |(sql, _)| sql)
        .trim()
}

fn kind_of(statement: &str) -> Kind {
    let sql = sql_of(statement);
    let first: String = sql
        .trim_start_matches(|c: char| !c.is_ascii_alphabetic())
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_uppercase();
    match first.as_str() {
        "SELECT" | "VALUES" => Kind::Read,
        "INSERT" | "UPDATE" | "DELETE" | "REPLACE" => Kind::Write,
        "WITH" => {
            let upper = sql.to_ascii_uppercase();
            if ["INSERT ", "UPDATE ", "DELETE "]
                .iter()
                .any(|w| upper.contains(w))
            {
                Kind::Write
            } else {
                Kind::Read
            }
        }
        "BEGIN" | "COMMIT" | "END" | "ROLLBACK" | "SAVEPOINT" | "RELEASE" => Kind::Transaction,
        _ => Kind::Other,
    }
}

/// One request's statements.
#[derive(Debug, Clone, Default)]
struct Step {
    name: String,
    request: String,
    status: u16,
    statements: Vec<String>,
    note: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    total: usize,
    reads: usize,
    writes: usize,
    transaction: usize,
    other: usize,
    same_again: usize,
}

impl Counts {
    fn of(statements: &[String]) -> Counts {
        let mut c = Counts {
            total: statements.len(),
            ..Counts::default()
        };
        let mut seen = std::collections::HashSet::new();
        for s in statements {
            match kind_of(s) {
                Kind::Read => {
                    c.reads += 1;
                    if !seen.insert(s.as_str()) {
                        c.same_again += 1;
                    }
                }
                Kind::Write => c.writes += 1,
                Kind::Transaction => c.transaction += 1,
                Kind::Other => c.other += 1,
            }
        }
        c
    }

    fn add(&mut self, o: Counts) {
        self.total += o.total;
        self.reads += o.reads;
        self.writes += o.writes;
        self.transaction += o.transaction;
        self.other += o.other;
        self.same_again += o.same_again;
    }
}

struct Tokens {
    manager: String,
    customer: String,
    investigator: String,
    head: String,
    senior: String,
}

/// Drives one case over HTTP, keeping its ETag.
struct Driver<'a> {
    client: &'a awc::Client,
    address: String,
    manager: String,
    etag: Option<String>,
    reference: Option<String>,
    steps: Vec<Step>,
}

struct Answer {
    status: u16,
    etag: Option<String>,
    body: Value,
}

impl Driver<'_> {
    async fn send(
        &self,
        method: awc::http::Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
        headers: &[(&str, String)],
    ) -> Result<Answer, String> {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address))
            .insert_header(("Authorization", format!("Bearer {token}")));
        for (name, value) in headers {
            request = request.insert_header((*name, value.as_str()));
        }
        let sent = match body {
            Some(body) => {
                request
                    .insert_header(("Content-Type", "application/json"))
                    .send_body(body.to_string())
                    .await
            }
            None => request.send().await,
        };
        let mut response = sent.map_err(|e| format!("{path}: {e}"))?;
        let bytes = response
            .body()
            .limit(64 * 1024 * 1024)
            .await
            .map_err(|e| format!("{path}: reading the answer: {e}"))?;
        Ok(Answer {
            status: response.status().as_u16(),
            etag: response
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        })
    }

    /// `path` as the table shows it: `{ref}` for the case, `{id}` for ids.
    fn shown(&self, path: &str) -> String {
        let (path, query) = path
            .split_once('?')
            .map_or((path, None), |(p, q)| (p, Some(q)));
        let mut shown = path
            .split('/')
            .map(|segment| {
                if Some(segment) == self.reference.as_deref() {
                    "{ref}"
                } else if !segment.is_empty() && segment.chars().all(|c| c.is_ascii_digit()) {
                    "{id}"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        if let Some(query) = query {
            shown.push('?');
            shown.push_str(query);
        }
        shown
    }

    /// The case's current ETag, read again (not counted).
    async fn refresh_etag(&mut self) -> Result<(), String> {
        let reference = self.reference.clone().ok_or("no case yet")?;
        let answer = self
            .send(
                awc::http::Method::GET,
                &format!("/api/v1/cases/{reference}"),
                &self.manager.clone(),
                None,
                &[],
            )
            .await?;
        self.etag = answer.etag;
        Ok(())
    }

    /// Sends one request and records the statements it ran. Changes to the
    /// case (`path` under it, not a GET) carry `If-Match`; a 412 is answered
    /// by reading the ETag again and retrying once.
    async fn step(
        &mut self,
        name: &str,
        method: awc::http::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let is_change = method != awc::http::Method::GET && path.contains("/cases/");
        let mut note = None;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut headers = vec![];
            if is_change {
                if let Some(etag) = &self.etag {
                    headers.push(("If-Match", etag.clone()));
                }
            }
            if name.contains("Idempotency-Key") {
                headers.push(("Idempotency-Key", uuid::Uuid::new_v4().simple().to_string()));
            }
            let opened = CONNECTIONS_OPENED.load(Ordering::SeqCst);
            take_statements();
            let answer = self
                .send(method.clone(), path, token, body.as_ref(), &headers)
                .await?;
            let statements = take_statements();
            if CONNECTIONS_OPENED.load(Ordering::SeqCst) != opened {
                note = Some("a connection was opened during the request".to_string());
            }
            if answer.status == 412 && is_change && attempt == 1 {
                self.refresh_etag().await?;
                note = Some("412 at first: retried with the ETag read again".into());
                continue;
            }
            if !(200..300).contains(&answer.status) {
                return Err(format!(
                    "{name}: {method} {path} answered {}: {}",
                    answer.status, answer.body
                ));
            }
            if answer.etag.is_some() {
                self.etag = answer.etag;
            }
            self.steps.push(Step {
                name: name.to_string(),
                request: format!("{method} {}", self.shown(path)),
                status: answer.status,
                statements,
                note,
            });
            return Ok(answer.body);
        }
    }
}

/// One complaint from creation to the Ombudsman's decision, then the reads.
async fn journey(client: &awc::Client, address: &str, t: &Tokens) -> Result<Vec<Step>, String> {
    use awc::http::Method;
    let mut d = Driver {
        client,
        address: address.to_string(),
        manager: t.manager.clone(),
        etag: None,
        reference: None,
        steps: vec![],
    };
    let created = d
        .step(
            "create case (customer)",
            Method::POST,
            "/api/v1/cases",
            &t.customer,
            Some(complaint()),
        )
        .await?;
    let reference = created["reference"]
        .as_str()
        .ok_or_else(|| format!("create answered no reference: {created}"))?
        .to_string();
    d.reference = Some(reference.clone());
    if d.etag.is_none() {
        d.refresh_etag().await?;
    }
    let base = format!("/api/v1/cases/{reference}");
    d.step(
        "triage: accept",
        Method::POST,
        &format!("{base}/triage"),
        &t.manager,
        Some(json!({"decision": "accept"})),
    )
    .await?;
    let case = d
        .step(
            "acknowledge stage 1",
            Method::POST,
            &format!("{base}/acknowledgement"),
            &t.investigator,
            Some(json!({"method": "email", "understanding": "The green bin was missed three weeks running."})),
        )
        .await?;
    d.step(
        "assign investigator",
        Method::POST,
        &format!("{base}/assignment"),
        &t.head,
        Some(json!({"investigator": "officer-17"})),
    )
    .await?;
    d.step(
        "internal note (with Idempotency-Key)",
        Method::POST,
        &format!("{base}/notes"),
        &t.investigator,
        Some(json!({"text": "Spoke to the crew supervisor: the bin was blocked by a parked van."})),
    )
    .await?;
    // The new due date: five working days past the current one, by the
    // service's own clock (not counted).
    let response_due = case["stages"][0]["response_due"]
        .as_str()
        .ok_or_else(|| format!("no response due date after the acknowledgement: {case}"))?
        .to_string();
    let clock = d
        .send(
            Method::GET,
            &format!("/api/v1/calendar/due-date?from={response_due}&working_days=5"),
            &t.manager,
            None,
            &[],
        )
        .await?;
    let new_due = clock.body["due"]
        .as_str()
        .ok_or_else(|| format!("the calendar answered no due date: {}", clock.body))?
        .to_string();
    let asked = d
        .step(
            "ask for an extension",
            Method::POST,
            &format!("{base}/extensions"),
            &t.investigator,
            Some(json!({"reason": "Waiting for the crew's records", "new_response_due": new_due})),
        )
        .await?;
    let extension = asked["id"]
        .as_i64()
        .ok_or_else(|| format!("the extension has no id: {asked}"))?;
    d.step(
        "agree the extension",
        Method::POST,
        &format!("{base}/extensions/{extension}/decision"),
        &t.head,
        Some(json!({"decision": "agree", "customer_told_at": chrono::Utc::now().to_rfc3339()})),
    )
    .await?;
    let drafted = d
        .step(
            "draft stage 1 response",
            Method::POST,
            &format!("{base}/responses"),
            &t.investigator,
            Some(draft("not_upheld", None)),
        )
        .await?;
    let response = drafted["id"]
        .as_i64()
        .ok_or_else(|| format!("the draft has no id: {drafted}"))?;
    d.step(
        "approve and send stage 1 response",
        Method::POST,
        &format!("{base}/responses/{response}/approval"),
        &t.head,
        Some(json!({})),
    )
    .await?;
    d.step(
        "ask for stage 2 (customer)",
        Method::POST,
        &format!("{base}/escalations"),
        &t.customer,
        Some(json!({
            "reason": "The response missed my photo evidence",
            "grounds": ["overlooked_evidence"]
        })),
    )
    .await?;
    d.step(
        "acknowledge stage 2",
        Method::POST,
        &format!("{base}/acknowledgement"),
        &t.manager,
        Some(json!({"method": "letter", "understanding": "Still unhappy with the missed collections."})),
    )
    .await?;
    d.step(
        "reassign at stage 2",
        Method::POST,
        &format!("{base}/assignment"),
        &t.manager,
        Some(json!({"investigator": "h-senior", "investigator_role": "head_of_service"})),
    )
    .await?;
    let promised = d
        .step(
            "promise a remedy",
            Method::POST,
            &format!("{base}/remedies"),
            &t.senior,
            Some(json!({"type": "apology", "description": "A written apology", "due": "2027-01-29", "owner": "h-senior"})),
        )
        .await?;
    let remedy = promised["id"].clone();
    d.step(
        "remedy done",
        Method::POST,
        &format!("{base}/remedies/{remedy}/outcome"),
        &t.senior,
        Some(json!({"status": "done", "done_on": "2026-11-20", "evidence": "Letter of apology sent"})),
    )
    .await?;
    let drafted = d
        .step(
            "draft stage 2 response",
            Method::POST,
            &format!("{base}/responses"),
            &t.senior,
            Some(draft("upheld", Some("We are sorry."))),
        )
        .await?;
    let response = drafted["id"]
        .as_i64()
        .ok_or_else(|| format!("the draft has no id: {drafted}"))?;
    d.step(
        "approve and send stage 2 response",
        Method::POST,
        &format!("{base}/responses/{response}/approval"),
        &t.manager,
        Some(json!({})),
    )
    .await?;
    d.step(
        "close",
        Method::POST,
        &format!("{base}/closure"),
        &t.manager,
        Some(json!({})),
    )
    .await?;
    let today = council_feedback::domain::clock::uk_date(chrono::Utc::now().naive_utc());
    d.step(
        "refer to the Ombudsman",
        Method::POST,
        &format!("{base}/ombudsman-referral"),
        &t.manager,
        Some(json!({"body": "lgsco", "their_reference": "26 001 234", "referred_on": today.to_string()})),
    )
    .await?;
    d.step(
        "record the Ombudsman's decision",
        Method::POST,
        &format!("{base}/ombudsman-decision"),
        &t.manager,
        Some(json!({
            "decision": "upheld_fault",
            "decided_on": today.to_string(),
            "recommendations": [{"action": "Pay £100 for time and trouble", "due": "2027-01-31"}]
        })),
    )
    .await?;
    d.step("GET case (manager)", Method::GET, &base, &t.manager, None)
        .await?;
    d.step("GET case (customer)", Method::GET, &base, &t.customer, None)
        .await?;
    d.step(
        "GET timeline (manager)",
        Method::GET,
        &format!("{base}/timeline"),
        &t.manager,
        None,
    )
    .await?;
    d.step(
        "GET /cases?limit=50 (manager)",
        Method::GET,
        "/api/v1/cases?limit=50",
        &t.manager,
        None,
    )
    .await?;
    Ok(d.steps)
}

fn complaint() -> Value {
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

fn draft(outcome: &str, apology: Option<&str>) -> Value {
    let mut body = json!({
        "outcome": outcome,
        "findings": [
            {"point": "The bin was missed three weeks running", "finding": "Crew records confirm two missed collections", "upheld": true},
            {"point": "Online reports were ignored", "finding": "Both reports were logged and passed to the crew", "upheld": false}
        ],
        "letter": "Dear Alex Example, thank you for your complaint about your green bin...",
        "understanding": "The green bin was missed three weeks running.",
        "outstanding_actions": []
    });
    if let Some(apology) = apology {
        body["apology"] = json!(apology);
    }
    body
}

/// Where one backend's data lives; removed when dropped.
enum Store {
    Sqlite { dir: std::path::PathBuf },
    Postgres { admin_url: String, schema: String },
}

impl Drop for Store {
    fn drop(&mut self) {
        match self {
            Store::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Store::Postgres { admin_url, schema } => {
                match diesel::PgConnection::establish(admin_url) {
                    Ok(mut admin) => {
                        if let Err(e) =
                            admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                        {
                            eprintln!("warning: could not drop schema {schema}: {e}");
                        }
                    }
                    Err(e) => eprintln!("warning: could not drop schema {schema}: {e}"),
                }
            }
        }
    }
}

fn sqlite_store() -> Result<(Store, String), String> {
    let dir = std::env::temp_dir().join(format!("cf-statements-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let url = format!("sqlite://{}", dir.join("statements.db").display());
    Ok((Store::Sqlite { dir }, url))
}

fn postgres_store(base_url: &str) -> Result<(Store, String), String> {
    // Loopback needs no TLS (as in the tests).
    let base_url = if base_url.contains("sslmode=") {
        base_url.to_string()
    } else {
        let separator = if base_url.contains('?') { '&' } else { '?' };
        format!("{base_url}{separator}sslmode=disable")
    };
    let schema = format!("bench_statements_{}", uuid::Uuid::new_v4().simple());
    let mut admin = diesel::PgConnection::establish(&base_url)
        .map_err(|e| format!("PG_URL {base_url} does not answer: {e}"))?;
    admin
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .map_err(|e| format!("creating schema {schema}: {e}"))?;
    let url = format!("{base_url}&options=-csearch_path%3D{schema}");
    Ok((
        Store::Postgres {
            admin_url: base_url,
            schema,
        },
        url,
    ))
}

struct Run {
    backend: &'static str,
    steps: Vec<Step>,
    /// Steps whose statement count differed between the two runs.
    unsteady: Vec<String>,
}

async fn run_backend(
    backend: &'static str,
    url: &str,
    preset: Option<&str>,
) -> Result<Run, String> {
    let data_dir = std::env::temp_dir().join(format!(
        "cf-statements-data-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let mut map: HashMap<&str, String> = HashMap::from([
        ("APP_ENV", "production".to_string()),
        ("DATABASE_URL", url.to_string()),
        ("BIND_ADDRESS", "127.0.0.1:0".to_string()),
        ("WORKERS", "2".to_string()),
        ("JWT_SECRET", SECRET.to_string()),
        ("DATA_DIR", data_dir.display().to_string()),
    ]);
    if let Some(preset) = preset {
        map.insert("POLICY_PRESET", preset.to_string());
    }
    let settings = Settings::from_lookup(|k| map.get(k).cloned()).map_err(|e| e.to_string())?;
    let application = Application::build(&settings).map_err(|e| e.to_string())?;
    let address = format!("http://127.0.0.1:{}", application.port());
    let handle = application.handle();
    actix_rt::spawn(application.run_until_stopped());
    let verifier = TokenVerifier::new(&settings.jwt).map_err(|e| e.to_string())?;
    let mint = |sub: &str, role: Role, services: &[&str]| {
        let services: Vec<String> = services.iter().map(|s| s.to_string()).collect();
        verifier.mint(sub, &[role], &services, 3600)
    };
    let tokens = Tokens {
        manager: mint("manager-1", Role::ComplaintsManager, &[])?,
        customer: mint("pat", Role::Customer, &[])?,
        investigator: mint("officer-17", Role::InvestigatingOfficer, &["waste-care"])?,
        head: mint("h-waste", Role::HeadOfService, &["waste-care"])?,
        senior: mint("h-senior", Role::HeadOfService, &["waste-care"])?,
    };
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .finish();
    let result = async {
        let first = journey(&client, &address, &tokens).await?;
        // Let the pools finish opening whatever the first run asked for
        // (PostgreSQL's reference-number pool tops itself up in the
        // background), so none of it lands in the measured run.
        actix_rt::time::sleep(Duration::from_millis(500)).await;
        let second = journey(&client, &address, &tokens).await?;
        let unsteady = first
            .iter()
            .zip(&second)
            .filter(|(a, b)| a.name != b.name || a.statements.len() != b.statements.len())
            .map(|(a, b)| {
                let kinds = |s: &Step| {
                    let c = Counts::of(&s.statements);
                    format!(
                        "{} ({} / {} / {} / {})",
                        c.total, c.reads, c.writes, c.transaction, c.other
                    )
                };
                let note = a
                    .note
                    .as_deref()
                    .map(|n| format!("; {n} in the first"))
                    .unwrap_or_default();
                format!(
                    "{}: {} in the first run, {} in the second{note}",
                    b.name,
                    kinds(a),
                    kinds(b)
                )
            })
            .collect();
        Ok(Run {
            backend,
            steps: second,
            unsteady,
        })
    }
    .await;
    handle.stop(true).await;
    let _ = std::fs::remove_dir_all(&data_dir);
    result
}

fn print_table(run: &Run) {
    println!();
    println!("### {}", run.backend);
    println!();
    println!(
        "| step | request | statements | reads (SELECT) | writes (INSERT/UPDATE/DELETE) | \
         transaction (BEGIN/COMMIT/SAVEPOINT) | other | same SELECT again |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    let mut changes = Counts::default();
    let mut changed = 0;
    for step in &run.steps {
        let c = Counts::of(&step.statements);
        if !step.request.starts_with("GET") {
            changes.add(c);
            changed += 1;
        }
        let note = step
            .note
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        println!(
            "| {}{note} | `{}` {} | {} | {} | {} | {} | {} | {} |",
            step.name,
            step.request,
            step.status,
            c.total,
            c.reads,
            c.writes,
            c.transaction,
            c.other,
            c.same_again
        );
    }
    println!(
        "| **all {changed} changes** | | **{}** | {} | {} | {} | {} | {} |",
        changes.total,
        changes.reads,
        changes.writes,
        changes.transaction,
        changes.other,
        changes.same_again
    );
    for u in &run.unsteady {
        println!("\nnote: the first run differed (the first case pays once for the year's reference counter and the like): {u}");
    }
}

/// One line per step: each backend's total and its split.
fn print_summary(runs: &[Run]) {
    println!();
    println!("### summary: statements per request (reads / writes / transaction / other)");
    println!();
    let mut header = "| step |".to_string();
    let mut rule = "| --- |".to_string();
    for run in runs {
        header.push_str(&format!(" {} |", run.backend));
        rule.push_str(" ---: |");
    }
    println!("{header}");
    println!("{rule}");
    let cell = |c: Counts| {
        format!(
            "{} ({} / {} / {} / {})",
            c.total, c.reads, c.writes, c.transaction, c.other
        )
    };
    for (i, step) in runs[0].steps.iter().enumerate() {
        let mut line = format!("| {} |", step.name);
        for run in runs {
            let c = run
                .steps
                .get(i)
                .map(|s| Counts::of(&s.statements))
                .unwrap_or_default();
            line.push_str(&format!(" {} |", cell(c)));
        }
        println!("{line}");
    }
    let mut line = "| **all changes** |".to_string();
    for run in runs {
        let mut total = Counts::default();
        for s in run.steps.iter().filter(|s| !s.request.starts_with("GET")) {
            total.add(Counts::of(&s.statements));
        }
        line.push_str(&format!(" **{}** |", cell(total)));
    }
    println!("{line}");
}

fn print_sql(run: &Run) {
    println!();
    println!("### {}: every statement", run.backend);
    for step in &run.steps {
        println!();
        println!(
            "{} — {} ({} statements)",
            step.name,
            step.request,
            step.statements.len()
        );
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, s) in step.statements.iter().enumerate() {
            let again = match seen.get(s.as_str()) {
                Some(first) if kind_of(s) == Kind::Read => format!("  [same as #{}]", first + 1),
                _ => String::new(),
            };
            seen.entry(s.as_str()).or_insert(i);
            let sql = sql_of(s);
            let shown: String = sql.chars().take(160).collect();
            let cut = if sql.chars().count() > 160 {
                " …"
            } else {
                ""
            };
            println!("  {:>2}. {shown}{cut}{again}", i + 1);
        }
    }
}

fn main() {
    let mut show_sql = false;
    let mut preset: Option<String> = None;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--sql" => show_sql = true,
            "--preset" => preset = it.next().cloned(),
            other => {
                eprintln!("error: unknown option {other} (known: --sql, --preset NAME)");
                std::process::exit(2);
            }
        }
    }
    if let Err(e) = set_default_instrumentation(counting) {
        eprintln!("error: installing the instrumentation: {e}");
        std::process::exit(1);
    }
    let pg_url = std::env::var("PG_URL").ok().filter(|u| !u.is_empty());
    let outcome: Result<Vec<Run>, String> = actix_rt::System::new().block_on(async {
        let mut runs = vec![];
        let (store, url) = sqlite_store()?;
        runs.push(run_backend("SQLite", &url, preset.as_deref()).await?);
        drop(store);
        if let Some(pg_url) = &pg_url {
            let (store, url) = postgres_store(pg_url)?;
            let run = run_backend("PostgreSQL", &url, preset.as_deref()).await;
            drop(store);
            runs.push(run?);
        }
        Ok(runs)
    });
    let runs = match outcome {
        Ok(runs) => runs,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "policy preset: {}",
        preset.as_deref().unwrap_or("the service's default")
    );
    for run in &runs {
        print_table(run);
    }
    print_summary(&runs);
    if show_sql {
        for run in &runs {
            print_sql(run);
        }
    }
}

//! Issue 15 §5: the access audit. Every answered read of a case, a person, a document and a
//! letter writes exactly one row naming who read what, through which client and from which
//! request; the complaints manager reads them back; nothing changes or removes them; and a
//! `kill -9` under read load loses none of an answered request.

use std::cell::RefCell;
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::Duration;

use awc::http::Method;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::lifecycle::change;

const BOUNDARY: &str = "cf-audit-boundary";

/// A customer's complaint, accepted and acknowledged (so it has a letter), with a note and a
/// document: its reference.
async fn case_with_everything(app: &TestApp, customer: &str) -> String {
    let case = app.create_case(&app.customer(customer), &complaint()).await;
    let reference = case["reference"].as_str().expect("reference").to_string();
    let manager = app.manager();
    let mut etag = "\"1\"".to_string();
    for (path, body) in [
        ("triage", json!({"decision": "accept"})),
        (
            "acknowledgement",
            json!({"method": "email", "understanding": "Your bin was missed three times."}),
        ),
    ] {
        let response = change(
            app,
            &format!("/api/v1/cases/{reference}/{path}"),
            &manager,
            Some(&etag),
            body,
        )
        .await;
        assert_eq!(response.status, 200, "{path}: {}", response.text());
        etag = response.header("etag").expect("etag");
    }
    let note = app
        .post(
            &format!("/api/v1/cases/{reference}/notes"),
            &app.officer("o-audit", &["waste-care"]),
            &json!({"text": "Crew asked for their tracking records"}),
        )
        .await;
    assert_eq!(note.status, 201, "{}", note.text());
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"evidence.txt\"\r\n\
         Content-Type: text/plain\r\n\r\nBin missed on 2 and 9 November.\n\r\n--{BOUNDARY}--\r\n"
    )
    .into_bytes();
    body.shrink_to_fit();
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let uploaded = app
        .send(
            Method::POST,
            &format!("/api/v1/cases/{reference}/documents"),
            Some(&app.customer(customer)),
            &[("Content-Type", content_type.as_str())],
            Some(body),
        )
        .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.text());
    reference
}

async fn get_as(app: &TestApp, path: &str, token: &str, request_id: &str) -> TestResponse {
    app.send(
        Method::GET,
        path,
        Some(token),
        &[("X-Request-Id", request_id)],
        None,
    )
    .await
}

/// Every row of an access log, following its cursor.
async fn whole_log(app: &TestApp, path: &str) -> Vec<Value> {
    let manager = app.manager();
    let mut rows = Vec::new();
    let mut next = format!("{path}?limit=200");
    loop {
        let page = app.get(&next, &manager).await;
        assert_eq!(page.status, 200, "{}", page.text());
        let body = page.json();
        rows.extend(body["items"].as_array().expect("items").iter().cloned());
        match body["next_cursor"].as_str() {
            Some(cursor) => next = format!("{path}?limit=200&cursor={cursor}"),
            None => return rows,
        }
    }
}

fn with_request<'a>(rows: &'a [Value], request_id: &str) -> Vec<&'a Value> {
    rows.iter()
        .filter(|row| row["request_id"] == request_id)
        .collect()
}

#[actix_web::test]
async fn every_read_path_of_a_case_person_document_and_letter_writes_exactly_one_row() {
    let app = spawn_app().await;
    let reference = case_with_everything(&app, "c-audit").await;
    let officer = app.officer("o-audit", &["waste-care"]);
    let customer = app.customer("c-audit");
    let manager = app.manager();
    // Ids learnt without a read by the officer (the manager's reads have their own request ids).
    let person_id = app
        .get(&format!("/api/v1/cases/{reference}"), &manager)
        .await
        .json()["person_id"]
        .as_i64()
        .expect("person_id");
    let document = app
        .get(&format!("/api/v1/cases/{reference}/documents"), &manager)
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .expect("document");
    let letter = app
        .get(&format!("/api/v1/cases/{reference}/letters"), &manager)
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .expect("letter");

    // What the complaints manager's own lists show: a remedy promised, a legal hold, an
    // erasure request and a subject-access request.
    let remedy = app
        .post(
            &format!("/api/v1/cases/{reference}/remedies"),
            &officer,
            &json!({"type": "apology", "description": "Say sorry", "due": "2026-12-31",
                    "owner": "crew-lead-4"}),
        )
        .await;
    assert_eq!(remedy.status, 201, "{}", remedy.text());
    let hold = app
        .post(
            &format!("/api/v1/cases/{reference}/legal-holds"),
            &manager,
            &json!({"reason": "Claim AC-2026-001 issued"}),
        )
        .await;
    assert_eq!(hold.status, 201, "{}", hold.text());
    let erasure = app
        .post(
            &format!("/api/v1/people/{person_id}/erasure-requests"),
            &manager,
            &json!({"received_on": "2026-11-02", "request": "Erase everything about me"}),
        )
        .await;
    assert_eq!(erasure.status, 201, "{}", erasure.text());
    let sar = app
        .post(
            &format!("/api/v1/people/{person_id}/subject-access-requests"),
            &manager,
            &json!({"received_on": "2026-11-02"}),
        )
        .await;
    assert_eq!(sar.status, 201, "{}", sar.text());
    let sar = sar.json()["id"].as_i64().expect("request id");

    let case = format!("/api/v1/cases/{reference}");
    // (request id, path, kind, route pattern, item) for the case's log.
    let case_reads = [
        (
            "r-case",
            case.clone(),
            "case",
            "/api/v1/cases/{reference}",
            None,
        ),
        (
            "r-timeline",
            format!("{case}/timeline"),
            "case",
            "/api/v1/cases/{reference}/timeline",
            None,
        ),
        (
            "r-notes",
            format!("{case}/notes"),
            "case",
            "/api/v1/cases/{reference}/notes",
            None,
        ),
        (
            "r-documents",
            format!("{case}/documents"),
            "case",
            "/api/v1/cases/{reference}/documents",
            None,
        ),
        (
            "r-document",
            format!("{case}/documents/{document}"),
            "document",
            "/api/v1/cases/{reference}/documents/{id}",
            Some(document),
        ),
        (
            "r-letters",
            format!("{case}/letters"),
            "case",
            "/api/v1/cases/{reference}/letters",
            None,
        ),
        (
            "r-letter",
            format!("{case}/letters/{letter}"),
            "letter",
            "/api/v1/cases/{reference}/letters/{id}",
            Some(letter),
        ),
        (
            "r-duplicates",
            format!("{case}/possible-duplicates"),
            "case",
            "/api/v1/cases/{reference}/possible-duplicates",
            None,
        ),
        (
            "r-messages",
            format!("{case}/outgoing-messages"),
            "case",
            "/api/v1/cases/{reference}/outgoing-messages",
            None,
        ),
        (
            "r-list",
            "/api/v1/cases".to_string(),
            "case",
            "/api/v1/cases",
            None,
        ),
        (
            "r-remedies",
            "/api/v1/remedies".to_string(),
            "case",
            "/api/v1/remedies",
            None,
        ),
    ];
    // The same, by paths only the complaints manager reads.
    let manager_case_reads = [
        (
            "m-messages",
            "/api/v1/outgoing-messages".to_string(),
            "/api/v1/outgoing-messages",
        ),
        (
            "m-holds",
            format!("{case}/legal-holds"),
            "/api/v1/cases/{reference}/legal-holds",
        ),
        (
            "m-retention",
            format!("{case}/retention"),
            "/api/v1/cases/{reference}/retention",
        ),
    ];
    for (request_id, path, _) in &manager_case_reads {
        let read = get_as(&app, path, &manager, request_id).await;
        assert_eq!(read.status, 200, "{path}: {}", read.text());
    }
    for (request_id, path, _, _, _) in &case_reads {
        let read = get_as(&app, path, &officer, request_id).await;
        assert_eq!(read.status, 200, "{path}: {}", read.text());
        assert_eq!(read.header("x-request-id").as_deref(), Some(*request_id));
    }
    let person = format!("/api/v1/people/{person_id}");
    let person_reads = [
        ("p-person", person.clone(), "/api/v1/people/{id}"),
        (
            "p-cases",
            format!("{person}/cases"),
            "/api/v1/people/{id}/cases",
        ),
        (
            "p-list",
            "/api/v1/people?email=alex@example.org".to_string(),
            "/api/v1/people",
        ),
        (
            "p-adjustments",
            format!("{person}/adjustments"),
            "/api/v1/people/{id}/adjustments",
        ),
        (
            "p-restrictions",
            format!("{person}/restrictions"),
            "/api/v1/people/{id}/restrictions",
        ),
    ];
    for (request_id, path, _) in &person_reads {
        let read = get_as(&app, path, &officer, request_id).await;
        assert_eq!(read.status, 200, "{path}: {}", read.text());
    }
    let manager_person_reads = [
        (
            "p-holds",
            format!("{person}/legal-holds"),
            "/api/v1/people/{id}/legal-holds",
        ),
        (
            "p-erasures",
            format!("{person}/erasure-requests"),
            "/api/v1/people/{id}/erasure-requests",
        ),
        (
            "p-sars",
            format!("{person}/subject-access-requests"),
            "/api/v1/people/{id}/subject-access-requests",
        ),
        (
            "p-sar",
            format!("{person}/subject-access-requests/{sar}"),
            "/api/v1/people/{id}/subject-access-requests/{request}",
        ),
        (
            "p-sar-queue",
            "/api/v1/subject-access-requests".to_string(),
            "/api/v1/subject-access-requests",
        ),
    ];
    for (request_id, path, _) in &manager_person_reads {
        let read = get_as(&app, path, &manager, request_id).await;
        assert_eq!(read.status, 200, "{path}: {}", read.text());
    }
    let me = get_as(&app, "/api/v1/people/me", &customer, "p-me").await;
    assert_eq!(me.status, 200, "{}", me.text());
    let own = get_as(&app, &case, &customer, "r-own").await;
    assert_eq!(own.status, 200, "{}", own.text());
    // Refused reads gave nothing away and are not recorded.
    let stranger = get_as(&app, &case, &app.customer("c-other"), "r-refused").await;
    assert_eq!(stranger.status, 404);
    let elsewhere = app.officer("o-parks", &["parks"]);
    let refused_person = get_as(&app, &person, &elsewhere, "p-refused").await;
    assert_eq!(refused_person.status, 404);

    let log = whole_log(&app, &format!("/api/v1/cases/{reference}/access-log")).await;
    for (request_id, _, kind, route, item) in &case_reads {
        let rows = with_request(&log, request_id);
        assert_eq!(rows.len(), 1, "{request_id}: {rows:?}");
        let row = rows[0];
        assert_eq!(row["kind"], *kind, "{row}");
        assert_eq!(row["route"], *route, "{row}");
        assert_eq!(row["case_reference"], reference.as_str(), "{row}");
        assert_eq!(row["item_id"], json!(item), "{row}");
        assert_eq!(row["status"], 200, "{row}");
        assert_eq!(
            row["actor"],
            json!({"subject": "o-audit", "roles": ["investigating_officer"], "client_id": null}),
            "{row}"
        );
    }
    for (request_id, _, route) in &manager_case_reads {
        let rows = with_request(&log, request_id);
        assert_eq!(rows.len(), 1, "{request_id}: {rows:?}");
        let row = rows[0];
        assert_eq!(row["kind"], "case", "{row}");
        assert_eq!(row["route"], *route, "{row}");
        assert_eq!(row["case_reference"], reference.as_str(), "{row}");
        assert_eq!(row["item_id"], Value::Null, "{row}");
        assert_eq!(row["status"], 200, "{row}");
        assert_eq!(
            row["actor"],
            json!({"subject": "manager-1", "roles": ["complaints_manager"], "client_id": null}),
            "{row}"
        );
    }
    let own_rows = with_request(&log, "r-own");
    assert_eq!(own_rows.len(), 1);
    assert_eq!(own_rows[0]["actor"]["subject"], "c-audit");
    assert_eq!(own_rows[0]["actor"]["roles"], json!(["customer"]));
    assert!(with_request(&log, "r-refused").is_empty());

    let people_log = whole_log(&app, &format!("/api/v1/people/{person_id}/access-log")).await;
    for (request_id, _, route) in person_reads
        .iter()
        .chain(manager_person_reads.iter())
        .chain([("p-me", String::new(), "/api/v1/people/me")].iter())
    {
        let rows = with_request(&people_log, request_id);
        assert_eq!(rows.len(), 1, "{request_id}: {rows:?}");
        assert_eq!(rows[0]["kind"], "person");
        assert_eq!(rows[0]["person_id"], person_id);
        assert_eq!(rows[0]["route"], *route);
    }
    assert!(with_request(&people_log, "p-refused").is_empty());
    // The person's log also shows the reads of their case.
    assert_eq!(with_request(&people_log, "r-letter").len(), 1);
    // Minimisation: the audit names who read what by ids and route patterns, never the
    // person's details (not even the email address the people list was searched by).
    let everything = format!("{log:?}{people_log:?}");
    for personal in [
        "Alex Example",
        "alex@example.org",
        "01384 811561",
        "Example Road",
    ] {
        assert!(
            !everything.contains(personal),
            "the access log holds `{personal}`"
        );
    }
}

#[actix_web::test]
async fn only_the_complaints_manager_reads_the_access_log_newest_first() {
    let app = spawn_app().await;
    let case = app.create_case(&app.customer("c-own"), &complaint()).await;
    let reference = case["reference"].as_str().expect("reference");
    let path = format!("/api/v1/cases/{reference}/access-log");
    let officer = app.officer("o-1", &["waste-care"]);
    app.get(&path, &officer)
        .await
        .problem(403, "/problems/forbidden");
    app.get(&path, &app.customer("c-own"))
        .await
        .problem(403, "/problems/forbidden");
    app.get(&path, &app.customer("c-stranger"))
        .await
        .problem(404, "/problems/not-found");
    app.get(&path, &app.partner("acme"))
        .await
        .problem(404, "/problems/not-found");
    app.get(&path, &app.officer("o-parks", &["parks"]))
        .await
        .problem(404, "/problems/not-found");
    app.get("/api/v1/cases/CMP-2026-999999/access-log", &app.manager())
        .await
        .problem(404, "/problems/not-found");
    app.get("/api/v1/people/999999/access-log", &app.manager())
        .await
        .problem(404, "/problems/not-found");
    // Append-only: no operation changes or removes a row.
    for method in [Method::PATCH, Method::DELETE, Method::PUT, Method::POST] {
        let answer = app
            .send(method.clone(), &path, Some(&app.manager()), &[], None)
            .await;
        answer.problem(405, "/problems/method-not-allowed");
        assert_eq!(answer.header("allow").as_deref(), Some("GET"), "{method}");
    }

    for n in 1..=3 {
        let read = get_as(
            &app,
            &format!("/api/v1/cases/{reference}"),
            &officer,
            &format!("read-{n}"),
        )
        .await;
        assert_eq!(read.status, 200);
    }
    let manager = app.manager();
    let first = app.get(&format!("{path}?limit=2"), &manager).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let first = first.json();
    let ids: Vec<&str> = first["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["request_id"].as_str().expect("request id"))
        .collect();
    assert_eq!(ids, ["read-3", "read-2"]);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = app
        .get(&format!("{path}?limit=2&cursor={cursor}"), &manager)
        .await
        .json();
    let ids: Vec<&str> = second["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["request_id"].as_str().expect("request id"))
        .collect();
    assert_eq!(ids, ["read-1"]);
    assert_eq!(second["next_cursor"], Value::Null);
    app.get(&format!("{path}?cursor=made-up"), &manager)
        .await
        .invalid_cursor();
    assert_eq!(
        app.get(&format!("{path}?limit=0"), &manager)
            .await
            .invalid_fields(),
        ["limit"]
    );
}

/// A token as an identity provider issues one to an application: with `azp`.
fn token_with_client(subject: &str, roles: &[&str], services: &[&str], client: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "sub": subject, "roles": roles, "services": services, "azp": client,
        "iss": ISSUER, "aud": AUDIENCE, "exp": now + 600, "nbf": now - 1,
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("token")
}

#[actix_web::test]
async fn the_client_a_token_was_issued_to_is_recorded() {
    let app = spawn_app().await;
    let case = app.create_case(&app.customer("c-1"), &complaint()).await;
    let reference = case["reference"].as_str().expect("reference");
    let crm = token_with_client("cm-7", &["complaints_manager"], &[], "council-crm");
    let read = get_as(
        &app,
        &format!("/api/v1/cases/{reference}"),
        &crm,
        "from-crm",
    )
    .await;
    assert_eq!(read.status, 200, "{}", read.text());
    let log = whole_log(&app, &format!("/api/v1/cases/{reference}/access-log")).await;
    let rows = with_request(&log, "from-crm");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0]["actor"],
        json!({"subject": "cm-7", "roles": ["complaints_manager"], "client_id": "council-crm"})
    );
}

#[actix_web::test]
async fn the_access_log_table_refuses_updates_and_deletes_on_both_databases() {
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    let case = app.create_case(&app.customer("c-1"), &complaint()).await;
    let reference = case["reference"].as_str().expect("reference");
    let read = get_as(
        &app,
        &format!("/api/v1/cases/{reference}"),
        &app.manager(),
        "kept",
    )
    .await;
    assert_eq!(read.status, 200);
    assert_eq!(
        whole_log(&app, &format!("/api/v1/cases/{reference}/access-log"))
            .await
            .len(),
        1
    );
    let mut conn = app.db.connection().expect("connection");
    let conn: &mut council_feedback::db::DbConnection = &mut conn;
    assert!(diesel::sql_query("UPDATE access_log SET status = 500")
        .execute(conn)
        .is_err());
    assert!(diesel::sql_query("DELETE FROM access_log")
        .execute(conn)
        .is_err());
    let log = whole_log(&app, &format!("/api/v1/cases/{reference}/access-log")).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[0]["request_id"], "kept");
}

#[test]
fn no_code_updates_or_deletes_the_access_log() {
    fn sources(dir: &std::path::Path, found: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source");
                found.push((path.display().to_string(), text));
            }
        }
    }
    let mut files = Vec::new();
    sources(std::path::Path::new("src"), &mut files);
    for (path, text) in files {
        let squeezed: String = text.split_whitespace().collect();
        for forbidden in [
            "update(access_log",
            "delete(access_log",
            "UPDATEaccess_log",
            "DELETEFROMaccess_log",
        ] {
            assert!(
                !squeezed.contains(forbidden),
                "{path} changes the access log ({forbidden})"
            );
        }
    }
}

/// The service's own binary, serving on `port` from `data_dir`; SIGKILLed when dropped.
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_service(database_url: &str, data_dir: &std::path::Path, port: u16) -> Service {
    Service(
        Command::new(env!("CARGO_BIN_EXE_council-feedback"))
            .arg("serve")
            .env_clear()
            .env("DATABASE_URL", database_url)
            .env("DATA_DIR", data_dir)
            .env("JWT_SECRET", SECRET)
            .env("BIND_ADDRESS", format!("127.0.0.1:{port}"))
            .env("WORKERS", "2")
            .env("SERVE_JOBS", "false")
            // Short: some batches are written before the kill, some replayed after it.
            .env("ACCESS_LOG_FLUSH_INTERVAL", "700ms")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the service"),
    )
}

async fn until_ready(client: &awc::Client, address: &str) {
    for _ in 0..400 {
        if let Ok(response) = client.get(format!("{address}/readyz")).send().await {
            if response.status() == 200 {
                return;
            }
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the service did not start");
}

#[actix_web::test]
async fn a_kill_9_under_read_load_loses_no_audit_row_of_an_answered_read() {
    let app = spawn_app().await;
    let case = app.create_case(&app.customer("c-kill"), &complaint()).await;
    let reference = case["reference"].as_str().expect("reference").to_string();
    let data_dir = std::env::temp_dir().join(format!("cf-kill-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&data_dir).expect("data dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let address = format!("http://127.0.0.1:{port}");
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish();
    let mut service = start_service(&app.database_url, &data_dir, port);
    until_ready(&client, &address).await;

    let answered: Rc<RefCell<Vec<String>>> = Rc::default();
    let running = Rc::new(RefCell::new(true));
    let token = app.officer("o-load", &["waste-care"]);
    let mut readers = Vec::new();
    for reader in 0..8 {
        let (client, answered, running, token, url) = (
            client.clone(),
            answered.clone(),
            running.clone(),
            token.clone(),
            format!("{address}/api/v1/cases/{reference}"),
        );
        readers.push(actix_web::rt::spawn(async move {
            let mut n = 0;
            while *running.borrow() {
                n += 1;
                let request_id = format!("kill-{reader}-{n}");
                let sent = client
                    .get(&url)
                    .insert_header(("Authorization", format!("Bearer {token}")))
                    .insert_header(("X-Request-Id", request_id.as_str()))
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status() == 200 => {
                        answered.borrow_mut().push(request_id)
                    }
                    Ok(_) => {}
                    // The service is gone.
                    Err(_) => return,
                }
            }
        }));
    }
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    // SIGKILL: nothing of the process runs after it.
    service.0.kill().expect("kill -9");
    let _ = service.0.wait();
    *running.borrow_mut() = false;
    for reader in readers {
        let _ = reader.await;
    }
    let answered = answered.borrow().clone();
    assert!(
        answered.len() >= 20,
        "only {} reads were answered",
        answered.len()
    );

    // Restarted on the same data: the journal is replayed before it serves.
    drop(service);
    let _restarted = start_service(&app.database_url, &data_dir, port);
    until_ready(&client, &address).await;
    let mut conn = app.db.connection().expect("connection");
    let found =
        council_feedback::db::access_log::by_request(&mut conn, &answered).expect("the access log");
    let mut rows_per_request = std::collections::HashMap::<&str, usize>::new();
    for (request_id, _) in &found {
        *rows_per_request.entry(request_id.as_str()).or_default() += 1;
    }
    let missing: Vec<&String> = answered
        .iter()
        .filter(|id| !rows_per_request.contains_key(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} answered reads have no audit row: {missing:?}",
        missing.len(),
        answered.len()
    );
    assert!(
        rows_per_request.values().all(|n| *n == 1),
        "a read recorded twice"
    );
    let _ = std::fs::remove_dir_all(&data_dir);
}

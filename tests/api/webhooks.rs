//! Issue 12 §3-4: webhook endpoints and signed delivery, to real receivers listening on
//! 127.0.0.1, the signatures checked with the Standard Webhooks reference library
//! (`standardwebhooks`), not with this service's own code.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

use crate::helpers::*;
use crate::lifecycle::change;

/// One request a receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> String {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// The headers as the reference library reads them.
    fn header_map(&self) -> reqwest::header::HeaderMap {
        let mut map = reqwest::header::HeaderMap::new();
        for (name, value) in &self.headers {
            map.insert(
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).expect("name"),
                reqwest::header::HeaderValue::from_str(value).expect("value"),
            );
        }
        map
    }
}

/// A webhook receiver on 127.0.0.1: records every request, answers the statuses it is given
/// in turn, then 204.
struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<Received>>>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

async fn receiver(answers: &[u16]) -> Receiver {
    let seen: Arc<Mutex<Vec<Received>>> = Arc::default();
    let answers = Arc::new(Mutex::new(answers.iter().copied().collect::<VecDeque<_>>()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let (record, queue) = (seen.clone(), answers.clone());
    let server = HttpServer::new(move || {
        let record = record.clone();
        let queue = queue.clone();
        App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
            let record = record.clone();
            let queue = queue.clone();
            async move {
                record.lock().expect("lock").push(Received {
                    headers: req
                        .headers()
                        .iter()
                        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
                        .collect(),
                    body: body.to_vec(),
                });
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
        handle,
    }
}

impl Receiver {
    fn seen(&self) -> Vec<Received> {
        self.seen.lock().expect("lock").clone()
    }

    /// Waits (up to a minute) until it has had `count` requests.
    async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..600 {
            let seen = self.seen();
            if seen.len() >= count {
                return seen;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the receiver had {:?}, not {count} requests",
            self.seen().len()
        );
    }
}

const FAST: &[(&str, &str)] = &[
    ("WEBHOOK_ALLOWED_TARGETS", "127.0.0.1"),
    ("WEBHOOK_RETRY_SCHEDULE", "0,1s,1s,1s,1s"),
    ("JOBS_POLL_INTERVAL", "200ms"),
    ("SERVE_JOBS", "true"),
];

/// Registers an endpoint for `url`; returns the answer's body.
async fn register(app: &TestApp, token: &str, url: &str, types: &[&str]) -> Value {
    let created = app
        .post(
            "/api/v1/webhook-endpoints",
            token,
            &json!({"url": url, "event_types": types, "description": "test receiver"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    created.json()
}

/// Waits until `path`'s JSON satisfies `done`.
async fn until(app: &TestApp, path: &str, token: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..600 {
        let answer = app.get(path, token).await;
        assert_eq!(answer.status, 200, "{}", answer.text());
        let body = answer.json();
        if done(&body) {
            return body;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{path} never got there");
}

fn types_of(seen: &[Received]) -> Vec<String> {
    seen.iter()
        .map(|r| r.json()["type"].as_str().unwrap_or("").to_string())
        .collect()
}

/// A complaint taken from creation through triage, acknowledgement, a note, withdrawal and
/// closure; returns its reference.
async fn journey(app: &TestApp) -> String {
    let customer = app.customer("cust-hooks");
    let created = app.create_case(&customer, &complaint()).await;
    let reference = created["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    // Triage, the acknowledgement and a note, as the feed's tests take them.
    crate::events::steps(app, &reference, None).await;
    let base = format!("/api/v1/cases/{reference}");
    let manager = app.manager();
    let etag = app.get(&base, &manager).await.header("etag").expect("etag");
    let step = change(
        app,
        &format!("{base}/withdrawal"),
        &customer,
        Some(&etag),
        json!({}),
    )
    .await;
    assert_eq!(step.status, 200, "{}", step.text());
    let etag = step.header("etag").expect("etag");
    let step = change(
        app,
        &format!("{base}/closure"),
        &manager,
        Some(&etag),
        json!({}),
    )
    .await;
    assert_eq!(step.status, 200, "{}", step.text());
    reference
}

#[actix_web::test]
async fn a_case_journey_reaches_the_crm_in_order_signed_and_only_the_types_asked_for() {
    let app = spawn_app_with(FAST).await;
    let crm = receiver(&[]).await;
    let closures_only = receiver(&[]).await;
    let manager = app.manager();
    let everything = [
        "case.created",
        "case.triaged",
        "stage.acknowledged",
        "case.note_added",
        "case.withdrawn",
        "case.closed",
    ];
    let endpoint = register(&app, &manager, &crm.url, &everything).await;
    let secret = endpoint["secret"].as_str().expect("secret").to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(endpoint["enabled"], true);
    assert_eq!(endpoint["owner_role"], "complaints_manager");
    register(&app, &manager, &closures_only.url, &["case.closed"]).await;
    // The secret is shown once: never when read back.
    let id = endpoint["id"].as_i64().expect("id");
    let read = app
        .get(&format!("/api/v1/webhook-endpoints/{id}"), &manager)
        .await;
    assert_eq!(read.status, 200);
    assert!(read.json().get("secret").is_none());

    let reference = journey(&app).await;

    let seen = crm.wait_for(6).await;
    assert_eq!(types_of(&seen), everything);
    let verifier = standardwebhooks::Webhook::new(&secret).expect("secret");
    for (n, delivery) in seen.iter().enumerate() {
        let body = delivery.json();
        assert_eq!(body["data"]["case"], reference.as_str());
        assert_eq!(body["version"], 1);
        assert_eq!(
            delivery.header("webhook-id"),
            format!("evt_{}", body["id"].as_i64().expect("id"))
        );
        assert_eq!(delivery.header("content-type"), "application/json");
        verifier
            .verify(&delivery.body, &delivery.header_map())
            .unwrap_or_else(|e| panic!("delivery {n} does not verify: {e}"));
    }
    // The internal note is there (the manager's endpoint gets internal events), as the feed
    // shows it.
    assert_eq!(seen[3].json()["visibility"], "internal");
    assert_eq!(seen[2].json()["data"]["stage"], "stage_1");
    // A tampered body, or a timestamp ten minutes old, does not verify.
    let mut tampered = seen[0].body.clone();
    tampered.extend_from_slice(b" ");
    assert!(verifier.verify(&tampered, &seen[0].header_map()).is_err());
    let mut old = seen[0].header_map();
    let stale = chrono::Utc::now().timestamp() - 600;
    old.insert(
        "webhook-timestamp",
        stale.to_string().parse().expect("value"),
    );
    assert!(verifier.verify(&seen[0].body, &old).is_err());

    // The other endpoint asked for closures only, and gets exactly that.
    let closures = closures_only.wait_for(1).await;
    actix_web::rt::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(types_of(&closures_only.seen()), ["case.closed"]);
    assert_eq!(closures[0].json()["data"]["case"], reference.as_str());
    assert_eq!(crm.seen().len(), 6, "nothing was sent twice");
}

#[actix_web::test]
async fn a_failing_receiver_gets_the_same_webhook_id_until_it_recovers_and_a_redelivery_too() {
    let started = std::time::Instant::now();
    let app = spawn_app_with(FAST).await;
    let flaky = receiver(&[500, 503, 500]).await;
    let manager = app.manager();
    let endpoint = register(&app, &manager, &flaky.url, &["case.created"]).await;
    let id = endpoint["id"].as_i64().expect("id");
    app.create_case(&app.customer("c1"), &complaint()).await;

    let seen = flaky.wait_for(4).await;
    let ids: Vec<String> = seen.iter().map(|r| r.header("webhook-id")).collect();
    assert!(ids[0].starts_with("evt_"), "{ids:?}");
    assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
    assert!(seen.iter().all(|r| r.body == seen[0].body));

    let path = format!("/api/v1/webhook-endpoints/{id}/deliveries");
    let page = until(&app, &path, &manager, |p| {
        p["items"][0]["status"] == "succeeded"
    })
    .await;
    let delivery = &page["items"][0];
    assert_eq!(page["items"].as_array().expect("items").len(), 1);
    assert_eq!(delivery["attempt_count"], 4);
    assert_eq!(delivery["last_status_code"], 204);
    assert_eq!(delivery["webhook_id"], ids[0].as_str());
    assert_eq!(delivery["event_type"], "case.created");
    assert!(delivery["next_attempt_at"].is_null());
    let codes: Vec<Value> = delivery["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| a["status_code"].clone())
        .collect();
    assert_eq!(codes, [json!(500), json!(503), json!(500), json!(204)]);
    // Each attempt took no longer than this test has run so far.
    let ran_ms = started.elapsed().as_millis() as i64;
    for attempt in delivery["attempts"].as_array().expect("attempts") {
        let latency = attempt["latency_ms"]
            .as_i64()
            .expect("a whole number of ms");
        assert!((0..=ran_ms).contains(&latency), "{attempt}");
    }
    // The endpoint is healthy again.
    let read = app
        .get(&format!("/api/v1/webhook-endpoints/{id}"), &manager)
        .await
        .json();
    assert!(read["failing_since"].is_null(), "{read}");

    // Sent again on request: a new delivery, the same webhook-id.
    let delivery_id = delivery["id"].as_i64().expect("id");
    let again = app
        .post(
            &format!("{path}/{delivery_id}/redelivery"),
            &manager,
            &json!({}),
        )
        .await;
    assert_eq!(again.status, 202, "{}", again.text());
    assert_eq!(again.json()["status"], "pending");
    let seen = flaky.wait_for(5).await;
    assert_eq!(seen[4].header("webhook-id"), ids[0]);
    let page = until(&app, &path, &manager, |p| {
        p["items"].as_array().is_some_and(|i| i.len() == 2)
            && p["items"][0]["status"] == "succeeded"
    })
    .await;
    assert_eq!(page["items"][0]["attempt_count"], 1);
    // Another's delivery, or one of another endpoint, is not there.
    app.post(&format!("{path}/999999/redelivery"), &manager, &json!({}))
        .await
        .problem(404, "/problems/not-found");
}

#[actix_web::test]
async fn a_receiver_answering_410_gone_has_its_endpoint_disabled_at_once() {
    let app = spawn_app_with(FAST).await;
    let gone = receiver(&[410]).await;
    let manager = app.manager();
    let endpoint = register(&app, &manager, &gone.url, &["case.created"]).await;
    let id = endpoint["id"].as_i64().expect("id");
    app.create_case(&app.customer("c1"), &complaint()).await;
    let path = format!("/api/v1/webhook-endpoints/{id}");
    let read = until(&app, &path, &manager, |e| e["enabled"] == false).await;
    assert!(
        read["disabled_reason"]
            .as_str()
            .is_some_and(|r| r.contains("410")),
        "{read}"
    );
    let page = app
        .get(&format!("{path}/deliveries"), &manager)
        .await
        .json();
    assert_eq!(page["items"][0]["status"], "failed");
    assert_eq!(page["items"][0]["attempt_count"], 1);
    // Nothing is sent to it while disabled; enabled again, it gets what happens from then on.
    app.create_case(&app.customer("c2"), &complaint()).await;
    actix_web::rt::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(gone.seen().len(), 1);
    let etag = app.get(&path, &manager).await.header("etag").expect("etag");
    let enabled = app
        .send(
            awc::http::Method::PATCH,
            &path,
            Some(&manager),
            &[("If-Match", &etag)],
            Some(json!({"enabled": true}).to_string().into_bytes()),
        )
        .await;
    assert_eq!(enabled.status, 200, "{}", enabled.text());
    assert!(enabled.json()["disabled_reason"].is_null());
    let later = app.create_case(&app.customer("c3"), &complaint()).await;
    let seen = gone.wait_for(2).await;
    assert_eq!(seen[1].json()["data"]["case"], later["reference"]);
}

#[actix_web::test]
async fn an_endpoint_failing_for_three_days_is_disabled_with_the_reason_kept_on_it() {
    use council_feedback::db::schema::webhook_endpoints;
    use diesel::prelude::*;

    let app = spawn_app_with(FAST).await;
    let down = receiver(&[500, 500, 500, 500, 500]).await;
    let manager = app.manager();
    let endpoint = register(&app, &manager, &down.url, &["case.created"]).await;
    let id = endpoint["id"].as_i64().expect("id");
    // It has been failing since four days ago (no test waits three days).
    let since = chrono::Utc::now().naive_utc() - chrono::Duration::days(4);
    {
        let mut conn = app.db.connection().expect("connection");
        let conn: &mut council_feedback::db::DbConnection = &mut conn;
        diesel::update(webhook_endpoints::table.find(id))
            .set(webhook_endpoints::failing_since.eq(Some(since)))
            .execute(conn)
            .expect("update");
    }
    app.create_case(&app.customer("c1"), &complaint()).await;
    let path = format!("/api/v1/webhook-endpoints/{id}");
    let read = until(&app, &path, &manager, |e| e["enabled"] == false).await;
    assert!(
        read["disabled_reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("every delivery failed from")),
        "{read}"
    );
    assert_eq!(
        down.seen().len(),
        1,
        "disabled at the first failure past three days"
    );
}

#[actix_web::test]
async fn a_partners_endpoint_carries_only_public_events_of_the_cases_it_posted() {
    let app = spawn_app_with(FAST).await;
    let acme_hooks = receiver(&[]).await;
    let crm = receiver(&[]).await;
    let acme = app.partner("acme");
    let other = app.partner("other-partner");
    let manager = app.manager();

    // A partner cannot ask for internal events; customers and staff cannot register at all.
    let internal = app
        .post(
            "/api/v1/webhook-endpoints",
            &acme,
            &json!({"url": acme_hooks.url, "event_types": ["case.created", "case.note_added"]}),
        )
        .await;
    assert_eq!(internal.invalid_fields(), ["event_types[1]"]);
    for token in [app.customer("c"), app.officer("o", &["waste-care"])] {
        app.get("/api/v1/webhook-endpoints", &token)
            .await
            .problem(403, "/problems/forbidden");
    }
    let types = ["case.created", "case.triaged", "stage.acknowledged"];
    let mine = register(&app, &acme, &acme_hooks.url, &types).await;
    assert_eq!(mine["owner_role"], "partner");
    let crm_endpoint = register(
        &app,
        &manager,
        &crm.url,
        &["case.created", "case.triaged", "case.note_added"],
    )
    .await;

    // Another partner sees neither acme's endpoint nor the manager's; acme sees its own.
    let mine_path = format!("/api/v1/webhook-endpoints/{}", mine["id"]);
    let crm_path = format!("/api/v1/webhook-endpoints/{}", crm_endpoint["id"]);
    app.get(&mine_path, &other)
        .await
        .problem(404, "/problems/not-found");
    app.get(&crm_path, &acme)
        .await
        .problem(404, "/problems/not-found");
    app.get(&format!("{mine_path}/deliveries"), &other)
        .await
        .problem(404, "/problems/not-found");
    let listed = app.get("/api/v1/webhook-endpoints", &acme).await.json();
    assert_eq!(listed["items"].as_array().expect("items").len(), 1);
    let listed = app.get("/api/v1/webhook-endpoints", &manager).await.json();
    assert_eq!(listed["items"].as_array().expect("items").len(), 2);

    let posted = app
        .create_case(&acme, &with(complaint(), json!({"service": "waste-care"})))
        .await["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let theirs = app.create_case(&other, &complaint()).await;
    let customers = app.create_case(&app.customer("c"), &complaint()).await;
    // On acme's case: triage (public) and a note (internal).
    let base = format!("/api/v1/cases/{posted}");
    let etag = app.get(&base, &manager).await.header("etag").expect("etag");
    let step = change(
        &app,
        &format!("{base}/triage"),
        &manager,
        Some(&etag),
        json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(step.status, 200, "{}", step.text());
    let note = app
        .post(
            &format!("{base}/notes"),
            &manager,
            &json!({"text": "Internal."}),
        )
        .await;
    assert_eq!(note.status, 201);

    // Once the CRM has every event, acme's receiver has had all it will get.
    let all = crm.wait_for(5).await;
    assert_eq!(
        types_of(&all),
        [
            "case.created",
            "case.created",
            "case.created",
            "case.triaged",
            "case.note_added"
        ]
    );
    acme_hooks.wait_for(2).await;
    actix_web::rt::time::sleep(Duration::from_secs(1)).await;
    let got = acme_hooks.seen();
    let summary: Vec<(String, String)> = got
        .iter()
        .map(|r| {
            let body = r.json();
            (
                body["type"].as_str().unwrap_or("").to_string(),
                body["data"]["case"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("case.created".to_string(), posted.clone()),
            ("case.triaged".to_string(), posted.clone())
        ]
    );
    assert!(got.iter().all(|r| r.json()["visibility"] == "public"));
    assert_ne!(theirs["reference"], customers["reference"]);
}

#[actix_web::test]
async fn private_and_loopback_targets_and_plain_http_are_refused_unless_configured() {
    let app = spawn_app().await;
    let manager = app.manager();
    for url in [
        "https://127.0.0.1/hooks",
        "https://10.1.2.3/hooks",
        "https://192.168.0.10/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "http://127.0.0.1:9/hooks",
        "http://crm.example.invalid/hooks",
        "ftp://crm.example.invalid/hooks",
        "not a url",
    ] {
        let refused = app
            .post(
                "/api/v1/webhook-endpoints",
                &manager,
                &json!({"url": url, "event_types": ["case.created"]}),
            )
            .await;
        assert_eq!(refused.invalid_fields(), ["url"], "{url}");
    }
    // Unknown types, and none at all, are refused too.
    let unknown = app
        .post(
            "/api/v1/webhook-endpoints",
            &manager,
            &json!({"url": "https://127.0.0.1/", "event_types": []}),
        )
        .await;
    assert_eq!(unknown.invalid_fields(), ["event_types", "url"]);

    // Allowed by configuration, loopback (and plain http to it) is fine; another private
    // address still is not.
    let allowed = spawn_app_with(FAST).await;
    let manager = allowed.manager();
    register(
        &allowed,
        &manager,
        "http://127.0.0.1:9/hooks",
        &["case.created"],
    )
    .await;
    let refused = allowed
        .post(
            "/api/v1/webhook-endpoints",
            &manager,
            &json!({"url": "http://10.1.2.3/hooks", "event_types": ["case.created"]}),
        )
        .await;
    assert_eq!(refused.invalid_fields(), ["url"]);
}

#[actix_web::test]
async fn a_rotated_secret_and_the_old_one_both_sign_during_the_overlap() {
    let app = spawn_app_with(FAST).await;
    let hooks = receiver(&[]).await;
    let manager = app.manager();
    // Registered with an Idempotency-Key: a retry replays the answer, registering nothing.
    let body = json!({"url": hooks.url, "event_types": ["case.created"]});
    let first = app
        .post_with_key("/api/v1/webhook-endpoints", &manager, "hook-1", &body)
        .await;
    assert_eq!(first.status, 201, "{}", first.text());
    let again = app
        .post_with_key("/api/v1/webhook-endpoints", &manager, "hook-1", &body)
        .await;
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.json(), first.json());
    let listed = app.get("/api/v1/webhook-endpoints", &manager).await.json();
    assert_eq!(listed["items"].as_array().expect("items").len(), 1);
    let endpoint = first.json();
    let old = endpoint["secret"].as_str().expect("secret").to_string();
    let path = format!("/api/v1/webhook-endpoints/{}", endpoint["id"]);

    // If-Match is needed, and must be current.
    app.post(&format!("{path}/secret-rotation"), &manager, &json!({}))
        .await
        .problem(428, "/problems/precondition-required");
    let etag = app.get(&path, &manager).await.header("etag").expect("etag");
    let asked = chrono::Utc::now();
    let rotated = app
        .send(
            awc::http::Method::POST,
            &format!("{path}/secret-rotation"),
            Some(&manager),
            &[("If-Match", &etag)],
            None,
        )
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.text());
    assert_ne!(rotated.header("etag").as_deref(), Some(etag.as_str()));
    let rotated = rotated.json();
    let new = rotated["secret"].as_str().expect("secret").to_string();
    assert!(new.starts_with("whsec_") && new != old);
    // The old secret signs for 24 hours after the rotation.
    let answered = chrono::Utc::now();
    let expires: chrono::DateTime<chrono::Utc> = rotated["previous_secret_expires_at"]
        .as_str()
        .expect("an instant")
        .parse()
        .expect("RFC 3339");
    let day = chrono::Duration::hours(24);
    let slack = chrono::Duration::milliseconds(1);
    assert!(
        asked + day - slack <= expires && expires <= answered + day,
        "{expires}"
    );
    app.send(
        awc::http::Method::POST,
        &format!("{path}/secret-rotation"),
        Some(&manager),
        &[("If-Match", &etag)],
        None,
    )
    .await
    .problem(412, "/problems/precondition-failed");

    app.create_case(&app.customer("c1"), &complaint()).await;
    let seen = hooks.wait_for(1).await;
    let signatures = seen[0].header("webhook-signature");
    // Exactly the two signatures the independent implementation makes with each secret, new
    // first, over this delivery's id, timestamp and body.
    let id = seen[0].header("webhook-id");
    let timestamp: i64 = seen[0]
        .header("webhook-timestamp")
        .parse()
        .expect("a timestamp");
    let expected: Vec<String> = [&new, &old]
        .iter()
        .map(|secret| {
            standardwebhooks::Webhook::new(secret)
                .expect("secret")
                .sign(&id, timestamp, &seen[0].body)
                .expect("signs")
        })
        .collect();
    assert_eq!(signatures, expected.join(" "));
    for (secret, own) in [&new, &old].iter().zip(&expected) {
        // Each signature on its own: the header with only that one still verifies.
        let verifier = standardwebhooks::Webhook::new(secret).expect("secret");
        let mut headers = seen[0].header_map();
        headers.insert("webhook-signature", own.parse().expect("value"));
        verifier.verify(&seen[0].body, &headers).expect("verifies");
    }
}

#[actix_web::test]
async fn two_dispatchers_on_one_database_deliver_each_event_once_and_in_commit_order() {
    let app = spawn_app_with(FAST).await;
    // Several instances share one PostgreSQL; SQLite runs one instance (its writers queue in
    // the process, and a second process's writes would meet its file lock instead).
    if app.db.backend() != council_feedback::db::Backend::Postgres {
        return;
    }
    // A second dispatcher, as `council-feedback worker` runs it, beside the one in serve.
    let _worker = council_feedback::jobs::start(
        app.db.clone(),
        council_feedback::jobs::JobSettings {
            allowed_targets: council_feedback::domain::webhook::AllowedTargets::parse("127.0.0.1")
                .expect("targets"),
            retry_schedule: council_feedback::domain::webhook::RetrySchedule::parse("0,1s")
                .expect("schedule"),
            metrics: Default::default(),
            poll_interval: Duration::from_millis(50),
            clock: std::sync::Arc::new(
                council_feedback::domain::clock::Clock::new(
                    settings_for("sqlite://unused.db", &[]).policy,
                )
                .expect("clock"),
            ),
            now: council_feedback::app::time::Now::System,
            delivery_retention: chrono::Duration::days(30),
            correspondence: std::sync::Arc::new(
                settings_for("sqlite://unused.db", &[]).correspondence,
            ),
            retention: Default::default(),
            documents: council_feedback::app::documents::DocumentStore::Database,
        },
    )
    .expect("worker");
    let hooks = receiver(&[]).await;
    let manager = app.manager();
    register(&app, &manager, &hooks.url, &["case.created"]).await;
    let mut references = Vec::new();
    for n in 0..12 {
        let created = app
            .create_case(&app.customer(&format!("c{n}")), &complaint())
            .await;
        references.push(created["reference"].clone());
    }
    hooks.wait_for(12).await;
    actix_web::rt::time::sleep(Duration::from_secs(1)).await;
    let seen = hooks.seen();
    let cases: Vec<Value> = seen
        .iter()
        .map(|r| r.json()["data"]["case"].clone())
        .collect();
    assert_eq!(cases, references, "each once, in the order they were made");
}

#[actix_web::test]
async fn successful_deliveries_past_their_retention_are_removed_and_the_rest_kept() {
    use council_feedback::db::schema::{webhook_attempts, webhook_deliveries};
    use diesel::prelude::*;

    let app = spawn_app_with(&[
        ("WEBHOOK_ALLOWED_TARGETS", "127.0.0.1"),
        ("WEBHOOK_RETRY_SCHEDULE", "0,1s"),
        ("JOBS_POLL_INTERVAL", "200ms"),
        ("WEBHOOK_DELIVERY_RETENTION_DAYS", "30"),
        ("SERVE_JOBS", "true"),
    ])
    .await;
    let hooks = receiver(&[]).await;
    let manager = app.manager();
    let endpoint = register(&app, &manager, &hooks.url, &["case.created"]).await;
    for n in 0..3 {
        app.create_case(&app.customer(&format!("c{n}")), &complaint())
            .await;
    }
    let path = format!("/api/v1/webhook-endpoints/{}/deliveries", endpoint["id"]);
    let page = until(&app, &path, &manager, |p| {
        p["items"]
            .as_array()
            .is_some_and(|i| i.len() == 3 && i.iter().all(|d| d["status"] == "succeeded"))
    })
    .await;
    // Newest first: the third, second and first case's deliveries.
    let ids: Vec<i64> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|d| d["id"].as_i64().expect("id"))
        .collect();
    let (third, second, first) = (ids[0], ids[1], ids[2]);
    let now = chrono::Utc::now().naive_utc();
    {
        let mut conn = app.db.connection().expect("connection");
        let conn: &mut council_feedback::db::DbConnection = &mut conn;
        // The first succeeded 31 days ago: past the 30 days kept. The second 29 days ago:
        // not yet. The third failed 40 days ago: failed deliveries are kept.
        for (id, days, status) in [
            (first, 31, "succeeded"),
            (second, 29, "succeeded"),
            (third, 40, "failed"),
        ] {
            diesel::update(webhook_deliveries::table.find(id))
                .set((
                    webhook_deliveries::created_at.eq(now - chrono::Duration::days(days)),
                    webhook_deliveries::status.eq(status),
                ))
                .execute(conn)
                .expect("update");
        }
    }
    let page = until(&app, &path, &manager, |p| {
        p["items"].as_array().is_some_and(|i| i.len() == 2)
    })
    .await;
    let kept: Vec<i64> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|d| d["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(kept, [third, second]);
    let mut conn = app.db.connection().expect("connection");
    let conn: &mut council_feedback::db::DbConnection = &mut conn;
    let attempts: Vec<i64> = webhook_attempts::table
        .select(webhook_attempts::delivery_id)
        .order(webhook_attempts::delivery_id.asc())
        .load(conn)
        .expect("attempts");
    assert_eq!(
        attempts,
        [second, third],
        "the first's attempt went with it"
    );
}

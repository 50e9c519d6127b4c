//! Issue 16 §3 and §4: calls from web pages (CORS for the configured origins only) and the
//! abuse controls on public intake (rate limits per client and per address, the honeypot).
//! Staff (the CRM) and partners are never rate-limited.

use std::collections::HashMap;

use awc::http::Method;
use serde_json::json;

use crate::helpers::*;

const WEBSITE: &str = "https://www.example-council.gov.uk";

fn cors_headers(response: &TestResponse) -> Vec<String> {
    let mut names: Vec<String> = response
        .headers
        .keys()
        .map(|name| name.as_str().to_string())
        .filter(|name| name.starts_with("access-control-"))
        .collect();
    names.sort();
    names
}

/// A comma-separated header's items, lower-cased and sorted.
fn items(response: &TestResponse, name: &str) -> Vec<String> {
    let mut items: Vec<String> = response
        .header(name)
        .unwrap_or_default()
        .split(',')
        .map(|item| item.trim().to_ascii_lowercase())
        .filter(|item| !item.is_empty())
        .collect();
    items.sort();
    items
}

async fn preflight(app: &TestApp, origin: &str) -> TestResponse {
    app.send(
        Method::OPTIONS,
        "/api/v1/cases",
        None,
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "authorization, content-type, idempotency-key",
            ),
        ],
        None,
    )
    .await
}

async fn create_from(app: &TestApp, token: &str, origin: Option<&str>) -> TestResponse {
    let headers: Vec<(&str, &str)> = origin.map(|o| ("Origin", o)).into_iter().collect();
    app.send(
        Method::POST,
        "/api/v1/cases",
        Some(token),
        &headers,
        Some(complaint().to_string().into_bytes()),
    )
    .await
}

#[actix_web::test]
async fn an_allowed_origins_preflight_and_call_get_the_cors_headers() {
    let app = spawn_app_with(&[(
        "CORS_ALLOWED_ORIGINS",
        "https://www.example-council.gov.uk, https://forms.example-council.gov.uk",
    )])
    .await;

    let answer = preflight(&app, WEBSITE).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(
        answer.header("access-control-allow-origin").as_deref(),
        Some(WEBSITE)
    );
    assert!(items(&answer, "access-control-allow-methods").contains(&"post".to_string()));
    let allowed = items(&answer, "access-control-allow-headers");
    for header in ["authorization", "content-type", "idempotency-key"] {
        assert!(allowed.contains(&header.to_string()), "{allowed:?}");
    }
    assert_eq!(
        answer.header("access-control-max-age").as_deref(),
        Some("3600")
    );
    // Bearer tokens need no credentials mode, and none is offered unless configured.
    assert_eq!(answer.header("access-control-allow-credentials"), None);
    assert!(items(&answer, "vary").contains(&"origin".to_string()));

    let created = create_from(&app, &app.customer("c-1"), Some(WEBSITE)).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(
        created.header("access-control-allow-origin").as_deref(),
        Some(WEBSITE)
    );
    assert_eq!(
        items(&created, "access-control-expose-headers"),
        vec![
            "content-disposition",
            "etag",
            "idempotent-replayed",
            "location",
            "retry-after",
            "www-authenticate",
            "x-request-id",
        ]
    );

    // The second origin in the list is allowed too, and answered with its own name.
    let second = preflight(&app, "https://forms.example-council.gov.uk").await;
    assert_eq!(
        second.header("access-control-allow-origin").as_deref(),
        Some("https://forms.example-council.gov.uk")
    );
}

#[actix_web::test]
async fn another_origin_gets_no_cors_headers_and_no_origin_is_served_as_before() {
    let app = spawn_app_with(&[("CORS_ALLOWED_ORIGINS", WEBSITE)]).await;

    let answer = preflight(&app, "https://evil.example").await;
    assert_eq!(cors_headers(&answer), Vec::<String>::new());
    assert_ne!(answer.status, 200);

    // A script on another site may send, but gets no CORS headers: the browser withholds
    // the answer from it.
    let created = create_from(&app, &app.customer("c-1"), Some("https://evil.example")).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(cors_headers(&created), Vec::<String>::new());

    // A server-side form or the CRM sends no Origin: as before, no CORS headers.
    let created = create_from(&app, &app.manager(), None).await;
    assert_eq!(
        created.status,
        422,
        "staff must name a channel: {}",
        created.text()
    );
    assert_eq!(cors_headers(&created), Vec::<String>::new());
    let created = create_from(&app, &app.customer("c-2"), None).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(cors_headers(&created), Vec::<String>::new());
}

#[actix_web::test]
async fn with_no_origins_configured_no_cors_headers_are_sent() {
    let app = spawn_app().await;

    let answer = preflight(&app, WEBSITE).await;
    assert_eq!(cors_headers(&answer), Vec::<String>::new());

    let created = create_from(&app, &app.customer("c-1"), Some(WEBSITE)).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(cors_headers(&created), Vec::<String>::new());
}

#[test]
fn credentials_with_any_origin_stop_start_up_naming_the_variable() {
    let data_dir = std::env::temp_dir().join(format!("cf-data-{}", uuid::Uuid::new_v4().simple()));
    let lookup = |pairs: &[(&str, &str)]| {
        let mut map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        map.insert("DATA_DIR".into(), data_dir.display().to_string());
        council_feedback::config::Settings::from_lookup(|k| map.get(k).cloned())
    };
    let error = lookup(&[
        ("CORS_ALLOWED_ORIGINS", "*"),
        ("CORS_ALLOW_CREDENTIALS", "true"),
    ])
    .expect_err("refused");
    assert_eq!(error.variable, "CORS_ALLOW_CREDENTIALS");
    assert_eq!(
        error.to_string(),
        "configuration error: CORS_ALLOW_CREDENTIALS: true is refused with \
         CORS_ALLOWED_ORIGINS=*: credentials need named origins"
    );
    let error = lookup(&[("CORS_ALLOWED_ORIGINS", "https://www.example.gov.uk/forms")])
        .expect_err("refused");
    assert_eq!(error.variable, "CORS_ALLOWED_ORIGINS");
    let error = lookup(&[("RATE_LIMIT_WINDOW", "2d")]).expect_err("refused");
    assert_eq!(error.variable, "RATE_LIMIT_WINDOW");
    let error = lookup(&[("TRUSTED_PROXIES", "10.0.0.0/8")]).expect_err("refused");
    assert_eq!(error.variable, "TRUSTED_PROXIES");
    assert!(lookup(&[
        ("CORS_ALLOWED_ORIGINS", "https://www.example.gov.uk"),
        ("CORS_ALLOW_CREDENTIALS", "true"),
    ])
    .is_ok());
    let defaults = lookup(&[]).expect("defaults");
    assert!(!defaults.cors.enabled());
    assert!(defaults.rate_limits.enabled);
    assert_eq!(defaults.rate_limits.per_client, 100);
    assert_eq!(defaults.rate_limits.per_ip, 500);
    assert_eq!(
        defaults.rate_limits.window,
        std::time::Duration::from_secs(3600)
    );
}

/// Asserts the 429 a caller over its limit gets; the limit is `limit` an hour, so the
/// allowance refills one request every 3600 / `limit` seconds, and `Retry-After` is at most
/// that, and at least 1.
#[track_caller]
fn rate_limited(response: &TestResponse, limit: u64) {
    let body = response.problem(429, "/problems/rate-limited");
    assert_eq!(body["title"], "Too many requests");
    let retry_after: u64 = response
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("whole seconds");
    assert!((1..=3600 / limit).contains(&retry_after), "{retry_after}");
}

#[actix_web::test]
async fn the_101st_public_intake_in_the_window_is_429_and_staff_and_partners_are_unaffected() {
    // The address's allowance is 100 too: the busy customer spends it all, so a staff or
    // partner request counted against it would be refused.
    let app = spawn_app_with(&[
        ("RATE_LIMIT_PER_CLIENT", "100"),
        ("RATE_LIMIT_PER_IP", "100"),
        ("RATE_LIMIT_WINDOW", "1h"),
    ])
    .await;
    let customer = app.customer("c-busy");
    for n in 1..=100 {
        let created = create_from(&app, &customer, None).await;
        assert_eq!(created.status, 201, "request {n}: {}", created.text());
    }
    let before = app.row_counts();
    let refused = create_from(&app, &customer, None).await;
    rate_limited(&refused, 100);
    assert_eq!(app.row_counts(), before, "nothing stored for the 101st");

    // The CRM and a partner, in the same window and from the same address, are unaffected.
    let manager = app
        .post(
            "/api/v1/cases",
            &app.manager(),
            &with(complaint(), json!({"channel": "telephone"})),
        )
        .await;
    assert_eq!(manager.status, 201, "{}", manager.text());
    let partner = app
        .post("/api/v1/cases", &app.partner("acme-grounds"), &complaint())
        .await;
    assert_eq!(partner.status, 201, "{}", partner.text());
    // Another customer from the same address is refused: the address's allowance is spent.
    rate_limited(
        &create_from(&app, &app.customer("c-other"), None).await,
        100,
    );
    // And the busy customer is still refused.
    rate_limited(&create_from(&app, &customer, None).await, 100);
}

#[actix_web::test]
async fn one_address_is_limited_across_customers_tokens() {
    let app = spawn_app_with(&[("RATE_LIMIT_PER_IP", "3")]).await;
    for customer in ["c-1", "c-2", "c-3"] {
        let created = create_from(&app, &app.customer(customer), None).await;
        assert_eq!(created.status, 201, "{}", created.text());
    }
    let before = app.row_counts();
    rate_limited(&create_from(&app, &app.customer("c-4"), None).await, 3);
    assert_eq!(app.row_counts(), before);
    // Staff from the same address are not limited.
    let manager = app
        .post(
            "/api/v1/cases",
            &app.manager(),
            &with(complaint(), json!({"channel": "telephone"})),
        )
        .await;
    assert_eq!(manager.status, 201, "{}", manager.text());
}

async fn create_forwarded_for(app: &TestApp, customer: &str, forwarded: &str) -> TestResponse {
    app.send(
        Method::POST,
        "/api/v1/cases",
        Some(&app.customer(customer)),
        &[("X-Forwarded-For", forwarded)],
        Some(complaint().to_string().into_bytes()),
    )
    .await
}

#[actix_web::test]
async fn x_forwarded_for_is_believed_only_from_a_trusted_proxy() {
    // Not trusted: the peer's address counts, whatever the header says.
    let app = spawn_app_with(&[("RATE_LIMIT_PER_IP", "2")]).await;
    assert_eq!(
        create_forwarded_for(&app, "c-1", "203.0.113.1")
            .await
            .status,
        201
    );
    assert_eq!(
        create_forwarded_for(&app, "c-2", "203.0.113.2")
            .await
            .status,
        201
    );
    rate_limited(&create_forwarded_for(&app, "c-3", "203.0.113.3").await, 2);

    // The test's peer (127.0.0.1) as a trusted proxy: the address it forwards for counts,
    // the nearest untrusted one (entries further left are the client's own say).
    let app = spawn_app_with(&[("RATE_LIMIT_PER_IP", "2"), ("TRUSTED_PROXIES", "127.0.0.1")]).await;
    assert_eq!(
        create_forwarded_for(&app, "c-1", "203.0.113.1")
            .await
            .status,
        201
    );
    assert_eq!(
        create_forwarded_for(&app, "c-2", "198.51.100.9, 203.0.113.1")
            .await
            .status,
        201
    );
    rate_limited(&create_forwarded_for(&app, "c-3", "203.0.113.1").await, 2);
    assert_eq!(
        create_forwarded_for(&app, "c-4", "203.0.113.2")
            .await
            .status,
        201
    );
}

#[actix_web::test]
async fn with_rate_limits_off_nobody_is_limited() {
    let app = spawn_app_with(&[("RATE_LIMITS", "off"), ("RATE_LIMIT_PER_IP", "1")]).await;
    for customer in ["c-1", "c-2", "c-3"] {
        let created = create_from(&app, &app.customer(customer), None).await;
        assert_eq!(created.status, 201, "{}", created.text());
    }
}

#[actix_web::test]
async fn a_filled_in_honeypot_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let customer = app.customer("c-1");
    let before = app.row_counts();
    let refused = app
        .post(
            "/api/v1/cases",
            &customer,
            &with(
                complaint(),
                json!({"website": "http://cheap-pills.example"}),
            ),
        )
        .await;
    assert_eq!(refused.invalid_fields(), vec!["website"]);
    assert_eq!(
        refused.json()["errors"],
        json!([{"field": "website", "message": "must be left empty"}])
    );
    assert_eq!(app.row_counts(), before);

    // Left empty, as a person's browser sends the hidden field, it is taken.
    let created = app
        .post(
            "/api/v1/cases",
            &customer,
            &with(complaint(), json!({"website": ""})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
}

#[actix_web::test]
async fn public_intake_obeys_max_body_bytes() {
    let app = spawn_app_with(&[("MAX_BODY_BYTES", "4096")]).await;
    let before = app.row_counts();
    let big = with(complaint(), json!({"description": "a".repeat(5000)}));
    let refused = create_from_body(&app, &big).await;
    refused.problem(413, "/problems/payload-too-large");
    assert_eq!(app.row_counts(), before);
}

async fn create_from_body(app: &TestApp, body: &serde_json::Value) -> TestResponse {
    app.post("/api/v1/cases", &app.customer("c-1"), body).await
}

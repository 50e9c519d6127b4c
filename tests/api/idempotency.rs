use futures_util::future::join_all;
use serde_json::json;

use crate::helpers::*;

fn count(app: &TestApp, table: &str) -> i64 {
    app.row_counts()
        .into_iter()
        .find(|(t, _)| t == table)
        .expect("table")
        .1
}

#[actix_web::test]
async fn a_partners_retry_with_the_same_key_returns_the_same_case() {
    let app = spawn_app().await;
    let partner = app.partner("acme");
    let body = complaint();
    let first = app
        .post_with_key("/api/v1/cases", &partner, "acme-0001", &body)
        .await;
    assert_eq!(first.status, 201);
    assert_eq!(first.header("idempotent-replayed"), None);

    // Same request, keys in another order and other white space.
    let reordered: serde_json::Value =
        serde_json::from_str(&serde_json::to_string_pretty(&body).expect("json")).expect("json");
    let again = app
        .post_with_key("/api/v1/cases", &partner, "acme-0001", &reordered)
        .await;
    assert_eq!(again.status, 201);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.json(), first.json());
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("etag"), first.header("etag"));
    assert_eq!(count(&app, "cases"), 1);
}

#[actix_web::test]
async fn twenty_identical_requests_racing_make_one_case() {
    let app = spawn_app().await;
    let partner = app.partner("acme");
    let body = complaint();
    let responses =
        join_all((0..20).map(|_| app.post_with_key("/api/v1/cases", &partner, "race-1", &body)))
            .await;
    let mut references = std::collections::HashSet::new();
    for response in &responses {
        assert_eq!(response.status, 201, "{}", response.text());
        references.insert(
            response.json()["reference"]
                .as_str()
                .expect("reference")
                .to_string(),
        );
    }
    assert_eq!(references.len(), 1, "{references:?}");
    let replays = responses
        .iter()
        .filter(|r| r.header("idempotent-replayed").is_some())
        .count();
    assert_eq!(replays, 19);
    assert_eq!(count(&app, "cases"), 1);
    assert_eq!(count(&app, "case_events"), 1);
}

#[actix_web::test]
async fn the_same_key_with_a_different_body_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let partner = app.partner("acme");
    assert_eq!(
        app.post_with_key("/api/v1/cases", &partner, "k-1", &complaint())
            .await
            .status,
        201
    );
    let before = app.row_counts();
    let other = with(complaint(), json!({"summary": "A different complaint"}));
    let refused = app
        .post_with_key("/api/v1/cases", &partner, "k-1", &other)
        .await;
    let problem = refused.problem(422, "/problems/idempotency-key-reused");
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    assert_eq!(app.row_counts(), before);
}

#[actix_web::test]
async fn keys_are_scoped_to_the_caller() {
    let app = spawn_app().await;
    let a = app
        .post_with_key(
            "/api/v1/cases",
            &app.partner("acme"),
            "shared-key",
            &complaint(),
        )
        .await;
    let b = app
        .post_with_key(
            "/api/v1/cases",
            &app.partner("bravo"),
            "shared-key",
            &complaint(),
        )
        .await;
    assert_eq!((a.status, b.status), (201, 201));
    assert_ne!(a.json()["reference"], b.json()["reference"]);
    assert_eq!(b.header("idempotent-replayed"), None);
}

#[actix_web::test]
async fn a_refused_request_does_not_use_up_its_key() {
    let app = spawn_app().await;
    let partner = app.partner("acme");
    let invalid = with(complaint(), json!({"service": "no-such-service"}));
    assert_eq!(
        app.post_with_key("/api/v1/cases", &partner, "k-2", &invalid)
            .await
            .status,
        422
    );
    assert_eq!(count(&app, "idempotency_records"), 0);
    assert_eq!(
        app.post_with_key("/api/v1/cases", &partner, "k-2", &complaint())
            .await
            .status,
        201
    );
}

#[actix_web::test]
async fn a_malformed_key_is_refused() {
    let app = spawn_app().await;
    let long = "k".repeat(256);
    let response = app
        .post_with_key("/api/v1/cases", &app.partner("acme"), &long, &complaint())
        .await;
    assert_eq!(response.invalid_fields(), vec!["Idempotency-Key"]);
    assert_eq!(count(&app, "cases"), 0);
}

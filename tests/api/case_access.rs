//! Issue 16: the council website's backend (`web_form`) files feedback for residents
//! without an account, on the `online_form` channel, and reads nothing back.

use chrono::NaiveDateTime;
use council_feedback::app::time::Now;
use council_feedback::domain::case::Role;
use serde_json::json;

use crate::helpers::*;

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("instant")
}

/// An app on Monday 2 November 2026, 09:00 (GMT), acknowledging within 5 working days.
async fn monday_app() -> TestApp {
    spawn_app_at(
        Now::Fixed(at("2026-11-02 09:00")),
        &[("POLICY_ACKNOWLEDGE_WORKING_DAYS", "5")],
    )
    .await
}

fn web_form(app: &TestApp) -> String {
    app.token("council-website", &[Role::WebForm], &[])
}

fn count(app: &TestApp, table: &str) -> i64 {
    app.row_counts()
        .into_iter()
        .find(|(t, _)| t == table)
        .expect("table")
        .1
}

/// A resident with no account, as the website sends them.
fn resident_complaint() -> serde_json::Value {
    with(
        complaint(),
        json!({"customer": {"name": "Rhian Example", "email": "rhian@example.org",
                            "phone": null, "preferred_contact": "email"}}),
    )
}

#[actix_web::test]
async fn the_web_form_client_files_a_complaint_for_a_resident_and_gets_back_only_a_confirmation() {
    let app = monday_app().await;
    let response = app
        .post("/api/v1/cases", &web_form(&app), &resident_complaint())
        .await;
    assert_eq!(response.status, 201, "{}", response.text());
    assert_eq!(
        response.json(),
        json!({
            "reference": "CMP-2026-000001",
            "kind": "complaint",
            "status": "received",
            "channel": "online_form",
            "received_at": "2026-11-02T09:00:00Z",
            // Monday + 5 working days.
            "acknowledgement_due": "2026-11-09",
        })
    );

    // Staff see who filed it and for whom: no account owns it.
    let case = app
        .get("/api/v1/cases/CMP-2026-000001", &app.manager())
        .await
        .json();
    assert_eq!(case["channel"], "online_form");
    assert_eq!(
        case["created_by"],
        json!({"role": "web_form", "subject": "council-website"})
    );
    assert_eq!(case["customer"]["name"], "Rhian Example");
    assert_eq!(case["customer"]["email"], "rhian@example.org");

    // A customer account that happens to share the client's id does not own it.
    app.get(
        "/api/v1/cases/CMP-2026-000001",
        &app.customer("council-website"),
    )
    .await
    .problem(404, "/problems/not-found");
}

#[actix_web::test]
async fn the_web_form_client_files_compliments_and_comments_too() {
    let app = monday_app().await;
    let token = web_form(&app);
    for (kind, reference) in [
        ("compliment", "CPL-2026-000001"),
        ("comment", "CMT-2026-000001"),
    ] {
        let body = with(resident_complaint(), json!({"kind": kind}));
        let response = app.post("/api/v1/cases", &token, &body).await;
        assert_eq!(response.status, 201, "{}", response.text());
        let case = response.json();
        assert_eq!(case["reference"], reference);
        assert_eq!(case["kind"], kind);
        assert_eq!(case["channel"], "online_form");
    }
}

#[actix_web::test]
async fn the_web_form_client_posts_only_on_the_online_form_channel_and_never_back_dates() {
    let app = monday_app().await;
    let token = web_form(&app);
    let before = app.row_counts();

    let other_channel = with(resident_complaint(), json!({"channel": "telephone"}));
    let response = app.post("/api/v1/cases", &token, &other_channel).await;
    response.problem(422, "/problems/validation");
    assert_eq!(response.invalid_fields(), vec!["channel"]);

    let back_dated = with(
        resident_complaint(),
        json!({"received_at": "2026-10-01T09:00:00Z", "received_at_reason": "posted late"}),
    );
    let response = app.post("/api/v1/cases", &token, &back_dated).await;
    response.problem(422, "/problems/validation");
    assert_eq!(response.invalid_fields(), vec!["received_at"]);

    assert_eq!(app.row_counts(), before);

    // A compliment with only a postal address is taken: a resident may leave no email or
    // phone (an anonymous compliment is still feedback).
    let by_post = with(
        resident_complaint(),
        json!({"kind": "compliment", "customer": {"email": null, "preferred_contact": "letter",
                                                   "address": "14 Example Road"}}),
    );
    let response = app.post("/api/v1/cases", &token, &by_post).await;
    assert_eq!(response.status, 201, "{}", response.text());
}

#[actix_web::test]
async fn the_web_form_client_may_not_list_or_read_cases_even_those_it_filed() {
    let app = monday_app().await;
    let token = web_form(&app);
    app.create_case(&token, &resident_complaint()).await;

    for path in [
        "/api/v1/cases",
        "/api/v1/cases/CMP-2026-000001",
        "/api/v1/cases/CMP-2026-000001/timeline",
        "/api/v1/cases/CMP-2026-000001/documents",
        "/api/v1/cases/CMP-2026-000001/letters",
        "/api/v1/cases/CMP-2026-000001/outgoing-messages",
        "/api/v1/cases/CMP-2026-000001/notes",
        "/api/v1/events",
    ] {
        let body = app.get(path, &token).await;
        assert_eq!(body.status, 403, "{path}: {}", body.text());
        body.problem(403, "/problems/forbidden");
    }
    // Nor change one: withdrawing is the resident's, through their link.
    app.post(
        "/api/v1/cases/CMP-2026-000001/withdrawal",
        &token,
        &json!({"reason": "sorted"}),
    )
    .await
    .problem(403, "/problems/forbidden");
}

#[actix_web::test]
async fn a_web_form_retry_with_the_same_key_returns_the_same_case() {
    let app = monday_app().await;
    let token = web_form(&app);
    let body = resident_complaint();
    let first = app
        .post_with_key("/api/v1/cases", &token, "site-0001", &body)
        .await;
    assert_eq!(first.status, 201, "{}", first.text());
    let again = app
        .post_with_key("/api/v1/cases", &token, "site-0001", &body)
        .await;
    assert_eq!(again.status, 201);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.json(), first.json());
    assert_eq!(again.json()["reference"], "CMP-2026-000001");
    assert_eq!(count(&app, "cases"), 1);
}

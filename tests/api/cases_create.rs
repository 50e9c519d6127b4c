use std::collections::HashSet;

use futures_util::future::join_all;
use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn a_customer_logs_each_kind_for_themselves_through_the_online_form() {
    let app = spawn_app().await;
    let token = app.customer("citizen-1");
    for (kind, prefix) in [
        ("complaint", "CMP-"),
        ("compliment", "CPL-"),
        ("comment", "CMT-"),
    ] {
        let response = app
            .post(
                "/api/v1/cases",
                &token,
                &with(complaint(), json!({"kind": kind})),
            )
            .await;
        assert_eq!(response.status, 201, "{}", response.text());
        let case = response.json();
        let reference = case["reference"].as_str().expect("reference");
        assert!(reference.starts_with(prefix), "{reference}");
        assert_eq!(reference.len(), "CMP-2026-000001".len());
        assert_eq!(
            response.header("location"),
            Some(format!("/api/v1/cases/{reference}"))
        );
        assert_eq!(response.header("etag").as_deref(), Some("\"1\""));
        assert_eq!(case["kind"], kind);
        assert_eq!(case["channel"], "online_form");
        assert_eq!(case["status"], "received");
        assert_eq!(case["created_by"]["role"], "customer");
        assert_eq!(case["customer"]["accessibility"]["large_print"], true);
        assert_eq!(case["response_requested"], kind == "complaint");

        let read = app.get(&format!("/api/v1/cases/{reference}"), &token).await;
        assert_eq!(read.status, 200);
        assert_eq!(read.json(), case);
        assert_eq!(read.header("etag").as_deref(), Some("\"1\""));
    }
}

#[actix_web::test]
async fn staff_log_feedback_on_someones_behalf_by_any_channel() {
    let app = spawn_app().await;
    let staff = [
        app.officer("officer-1", &["highways"]),
        app.head_of_service("hos-1", &["highways"]),
        app.manager(),
    ];
    for (token, channel, kind) in [
        (&staff[0], "telephone", "complaint"),
        (&staff[1], "letter", "compliment"),
        (&staff[2], "in_person", "comment"),
        (&staff[2], "social_media", "complaint"),
        (&staff[0], "email", "compliment"),
    ] {
        let body = with(
            complaint(),
            json!({"kind": kind, "channel": channel, "service": "highways"}),
        );
        let case = app.create_case(token, &body).await;
        assert_eq!(case["channel"], channel);
        assert!(case["created_by"]["role"].as_str().expect("role") != "customer");
        assert!(
            case["created_by"]["subject"].is_string(),
            "staff see who logged it"
        );
    }
}

#[actix_web::test]
async fn staff_may_back_date_the_received_time_with_a_reason_and_no_one_else_may() {
    let app = spawn_app().await;
    let officer = app.officer("officer-1", &["waste-care"]);
    let earlier = "2026-01-05T09:30:00Z";
    let body = with(
        complaint(),
        json!({"channel": "letter", "received_at": earlier}),
    );

    let missing_reason = app.post("/api/v1/cases", &officer, &body).await;
    assert_eq!(missing_reason.invalid_fields(), vec!["received_at_reason"]);

    let with_reason = with(
        body.clone(),
        json!({"received_at_reason": "letter opened late after the post room closure"}),
    );
    let case = app.create_case(&officer, &with_reason).await;
    assert_eq!(case["received_at"], earlier);
    assert_eq!(
        case["received_at_reason"],
        "letter opened late after the post room closure"
    );
    assert!(case["reference"]
        .as_str()
        .expect("reference")
        .starts_with("CMP-2026-"));

    let customer = app
        .post(
            "/api/v1/cases",
            &app.customer("c-1"),
            &with(with_reason.clone(), json!({"channel": null})),
        )
        .await;
    assert_eq!(customer.invalid_fields(), vec!["received_at"]);
    let partner = app
        .post(
            "/api/v1/cases",
            &app.partner("p-1"),
            &with(with_reason, json!({"channel": null})),
        )
        .await;
    assert_eq!(partner.invalid_fields(), vec!["received_at"]);

    let future = with(
        complaint(),
        json!({"channel": "letter", "received_at": "2099-01-01T00:00:00Z"}),
    );
    assert_eq!(
        app.post("/api/v1/cases", &officer, &future)
            .await
            .invalid_fields(),
        vec!["received_at"]
    );
}

#[actix_web::test]
async fn a_partner_posts_with_the_partner_channel_and_its_client_id_is_recorded() {
    let app = spawn_app().await;
    let partner = app.partner("acme-grounds-maintenance");
    let body = with(
        complaint(),
        json!({"service": "green-care", "partner_reference": "ACME-7781"}),
    );
    let case = app.create_case(&partner, &body).await;
    assert_eq!(case["channel"], "partner");
    assert_eq!(case["created_by"]["role"], "partner");
    assert_eq!(case["partner_reference"], "ACME-7781");

    let reference = case["reference"].as_str().expect("reference");
    let staff_view = app
        .get(&format!("/api/v1/cases/{reference}"), &app.manager())
        .await
        .json();
    assert_eq!(
        staff_view["created_by"]["subject"],
        "acme-grounds-maintenance"
    );

    let wrong_channel = app
        .post(
            "/api/v1/cases",
            &partner,
            &with(complaint(), json!({"channel": "email"})),
        )
        .await;
    assert_eq!(wrong_channel.invalid_fields(), vec!["channel"]);
}

#[actix_web::test]
async fn a_representative_is_recorded_with_the_customers_consent() {
    let app = spawn_app().await;
    let body = with(
        complaint(),
        json!({
            "channel": "email",
            "representative": {
                "name": "Cllr Sam Ward",
                "relationship": "ward councillor",
                "email": "sam.ward@council.example",
                "consent_to_act": true,
                "consent_to_release_information": true
            }
        }),
    );
    let case = app.create_case(&app.officer("o-1", &[]), &body).await;
    assert_eq!(case["representative"]["name"], "Cllr Sam Ward");
    assert_eq!(case["representative"]["consent_to_act"], true);
    assert!(case["representative"]["consent_recorded_at"].is_string());

    let no_consent = with(body, json!({"representative": {"consent_to_act": false}}));
    let refused = app.post("/api/v1/cases", &app.manager(), &no_consent).await;
    assert_eq!(
        refused.invalid_fields(),
        vec!["representative.consent_to_act"]
    );
}

#[actix_web::test]
async fn fifty_concurrent_creates_get_fifty_distinct_references() {
    let app = spawn_app().await;
    let tokens: Vec<String> = (0..50)
        .map(|i| app.customer(&format!("citizen-{i}")))
        .collect();
    let body = complaint();
    let responses = join_all(tokens.iter().map(|t| app.post("/api/v1/cases", t, &body))).await;
    let references: HashSet<String> = responses
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{}", r.text());
            r.json()["reference"]
                .as_str()
                .expect("reference")
                .to_string()
        })
        .collect();
    assert_eq!(references.len(), 50);
    // Numbers run without gaps from 1.
    let mut numbers: Vec<u32> = references
        .iter()
        .map(|r| {
            r.rsplit('-')
                .next()
                .expect("number")
                .parse()
                .expect("digits")
        })
        .collect();
    numbers.sort();
    assert_eq!(numbers, (1..=50).collect::<Vec<_>>());
}

#[actix_web::test]
async fn every_new_case_starts_its_timeline_with_who_logged_it_and_when() {
    let app = spawn_app().await;
    let officer = app.officer("officer-5", &["waste-care"]);
    let case = app
        .create_case(
            &officer,
            &with(complaint(), json!({"channel": "telephone"})),
        )
        .await;
    let reference = case["reference"].as_str().expect("reference");
    let timeline = app
        .get(&format!("/api/v1/cases/{reference}/timeline"), &officer)
        .await;
    assert_eq!(timeline.status, 200);
    let body = timeline.json();
    let events = body["items"].as_array().expect("items");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["type"], "received");
    assert_eq!(events[0]["actor"]["role"], "investigating_officer");
    assert_eq!(events[0]["actor"]["subject"], "officer-5");
    assert_eq!(events[0]["details"]["channel"], "telephone");
    assert!(events[0]["occurred_at"]
        .as_str()
        .expect("time")
        .ends_with('Z'));
    assert_eq!(body["next_cursor"], serde_json::Value::Null);
}

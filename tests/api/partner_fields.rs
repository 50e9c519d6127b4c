//! Issue 15 §6, minimisation: a partner sees only the fields `PARTNER_CASE_FIELDS` lists of
//! the cases it posted (the others left out, not null); staff still see everything.

use serde_json::{json, Value};

use council_feedback::domain::partner_view::CASE_FIELDS;

use crate::helpers::*;

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

fn partner_complaint() -> Value {
    with(
        complaint(),
        json!({"service": "green-care", "partner_reference": "ACME-7781",
               "customer": {"address": "14 Example Road, Dudley", "postcode": "DY1 1HF"}}),
    )
}

/// The default list, in alphabetical order: the case's progress, nothing of the person.
const DEFAULT_KEYS: [&str; 15] = [
    "acknowledgement_due",
    "category",
    "channel",
    "created_at",
    "created_by",
    "kind",
    "partner_reference",
    "received_at",
    "reference",
    "response_requested",
    "service",
    "stage",
    "stages",
    "status",
    "updated_at",
];

#[actix_web::test]
async fn a_partner_sees_the_default_fields_of_a_case_it_posted_and_staff_see_them_all() {
    let app = spawn_app().await;
    let acme = app.partner("acme");
    let created = app.create_case(&acme, &partner_complaint()).await;
    assert_eq!(keys(&created), DEFAULT_KEYS, "the create's answer");
    let reference = created["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let path = format!("/api/v1/cases/{reference}");

    let read = app.get(&path, &acme).await;
    assert_eq!(read.status, 200, "{}", read.text());
    let seen = read.json();
    assert_eq!(keys(&seen), DEFAULT_KEYS, "the partner's read");
    assert_eq!(seen["reference"], reference.as_str());
    assert_eq!(seen["kind"], "complaint");
    assert_eq!(seen["status"], "received");
    assert_eq!(seen["channel"], "partner");
    assert_eq!(seen["service"], "green-care");
    assert_eq!(seen["partner_reference"], "ACME-7781");
    assert_eq!(
        seen["created_by"],
        json!({"role": "partner", "subject": null})
    );
    // Nothing of the customer anywhere in the answer.
    for personal in [
        "Alex Example",
        "alex@example.org",
        "01384 811561",
        "Example Road",
        "Green bin missed",
    ] {
        assert!(
            !read.text().contains(personal),
            "{personal}: {}",
            read.text()
        );
    }

    // The list's items: the same fields, and the next deadline (from the shown dates).
    let list = app.get("/api/v1/cases", &acme).await.json();
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(
        keys(&items[0]),
        [
            "acknowledgement_due",
            "category",
            "channel",
            "kind",
            "next_deadline",
            "received_at",
            "reference",
            "service",
            "stage",
            "status",
            "updated_at",
        ]
    );

    // Staff read every field, the customer's details included.
    let staff = app.get(&path, &app.manager()).await.json();
    let mut every: Vec<String> = CASE_FIELDS.iter().map(|f| f.to_string()).collect();
    every.sort();
    assert_eq!(keys(&staff), every);
    assert_eq!(every.len(), 36);
    assert_eq!(staff["customer"]["name"], "Alex Example");
    assert_eq!(staff["customer"]["email"], "alex@example.org");
    let staff_list = app.get("/api/v1/cases", &app.manager()).await.json();
    assert_eq!(
        keys(&staff_list["items"][0]),
        [
            "acknowledgement_due",
            "category",
            "channel",
            "kind",
            "next_deadline",
            "received_at",
            "reference",
            "service",
            "stage",
            "status",
            "summary",
            "updated_at",
        ]
    );
}

#[actix_web::test]
async fn a_partner_sees_exactly_the_fields_the_council_listed() {
    let app =
        spawn_app_with(&[("PARTNER_CASE_FIELDS", "status, customer,partner_reference")]).await;
    let acme = app.partner("acme");
    let key = "acme-custom-1";
    let created = app
        .post_with_key("/api/v1/cases", &acme, key, &partner_complaint())
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(
        keys(&created.json()),
        ["customer", "partner_reference", "reference", "status"]
    );
    // A retry replays the same shape.
    let replay = app
        .post_with_key("/api/v1/cases", &acme, key, &partner_complaint())
        .await;
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(replay.json(), created.json());

    let reference = created.json()["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let seen = app
        .get(&format!("/api/v1/cases/{reference}"), &acme)
        .await
        .json();
    assert_eq!(
        keys(&seen),
        ["customer", "partner_reference", "reference", "status"]
    );
    assert_eq!(seen["customer"]["name"], "Alex Example");
    let list = app.get("/api/v1/cases", &acme).await.json();
    assert_eq!(keys(&list["items"][0]), ["reference", "status"]);
    // Staff are not narrowed by the partners' list.
    let staff = app
        .get(&format!("/api/v1/cases/{reference}"), &app.manager())
        .await
        .json();
    assert_eq!(keys(&staff).len(), CASE_FIELDS.len());
}

#[actix_web::test]
async fn a_partner_sees_each_stages_clock_and_outcome_but_not_the_customers_reasons_for_stage_2() {
    let app = spawn_app().await;
    let acme = app.partner("acme");
    let created = app.create_case(&acme, &partner_complaint()).await;
    let reference = created["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let base = format!("/api/v1/cases/{reference}");
    let manager = app.manager();
    let mut etag = "\"1\"".to_string();
    for (path, body) in [
        ("triage", json!({"decision": "accept"})),
        (
            "acknowledgement",
            json!({"understanding": "The bin was missed three weeks running", "method": "email"}),
        ),
        ("assignment", json!({"investigator": "officer-17"})),
    ] {
        let response =
            crate::lifecycle::change(&app, &format!("{base}/{path}"), &manager, Some(&etag), body)
                .await;
        assert_eq!(response.status, 200, "{path}: {}", response.text());
        etag = response.header("etag").expect("etag");
    }
    let drafted = app
        .post(
            &format!("{base}/responses"),
            &app.officer("officer-17", &["green-care"]),
            &crate::lifecycle::draft("not_upheld", None),
        )
        .await;
    assert_eq!(drafted.status, 201, "{}", drafted.text());
    let id = drafted.json()["id"].as_i64().expect("id");
    let sent = crate::lifecycle::change(
        &app,
        &format!("{base}/responses/{id}/approval"),
        &manager,
        Some(&etag),
        json!({}),
    )
    .await;
    assert_eq!(sent.status, 200, "{}", sent.text());
    etag = sent.header("etag").expect("etag");
    let reason = "Zanzibar-Rookwood still sees the bin left at number 14";
    let escalated = crate::lifecycle::change(
        &app,
        &format!("{base}/escalations"),
        &manager,
        Some(&etag),
        json!({"reason": reason}),
    )
    .await;
    assert_eq!(escalated.status, 200, "{}", escalated.text());

    let read = app.get(&base, &acme).await;
    let seen = read.json();
    assert_eq!(keys(&seen), DEFAULT_KEYS);
    assert_eq!(seen["stage"], "stage_2");
    assert_eq!(seen["stages"][0]["outcome"], "not_upheld");
    assert_eq!(seen["stages"][1]["stage"], "stage_2");
    assert_eq!(seen["stages"][1]["request_reason"], Value::Null);
    assert!(!read.text().contains("Zanzibar"), "{}", read.text());
    let staff = app.get(&base, &manager).await.json();
    assert_eq!(staff["stages"][1]["request_reason"], reason);
}

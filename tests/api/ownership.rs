//! One service leads a case; others contribute (SPEC §3).

use serde_json::json;

use crate::helpers::*;
use crate::lifecycle::change;

/// A complaint from customer `c-alex`, accepted at stage 1.
async fn accepted(app: &TestApp) -> (String, String) {
    let created = app
        .post("/api/v1/cases", &app.customer("c-alex"), &complaint())
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let reference = created.json()["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let etag = created.header("etag").expect("etag");
    let triage = change(
        app,
        &format!("/api/v1/cases/{reference}/triage"),
        &app.manager(),
        Some(&etag),
        json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(triage.status, 200, "{}", triage.text());
    (reference, triage.header("etag").expect("etag"))
}

async fn delete(app: &TestApp, path: &str, token: &str, etag: &str) -> TestResponse {
    app.send(
        awc::http::Method::DELETE,
        path,
        Some(token),
        &[("If-Match", etag)],
        None,
    )
    .await
}

#[actix_web::test]
async fn a_contributing_service_reads_the_case_and_adds_notes_but_only_the_lead_acts() {
    let app = spawn_app().await;
    let (reference, etag) = accepted(&app).await;
    let highways = app.officer("o-roads", &["highways"]);
    let case_path = format!("/api/v1/cases/{reference}");

    // Before: highways does not know the case exists.
    app.get(&case_path, &highways)
        .await
        .problem(404, "/problems/not-found");
    let listed = app.get("/api/v1/cases", &highways).await.json();
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0));

    let added = change(
        &app,
        &format!("{case_path}/contributing-services"),
        &app.manager(),
        Some(&etag),
        json!({"service": "highways"}),
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.text());
    assert_eq!(added.json()["contributing_services"], json!(["highways"]));
    let etag = added.header("etag").expect("etag");

    // Now highways reads it, lists it and adds a note.
    let read = app.get(&case_path, &highways).await;
    assert_eq!(read.status, 200, "{}", read.text());
    assert_eq!(read.json()["service"], "waste-care");
    let listed = app.get("/api/v1/cases?status=open", &highways).await.json();
    assert_eq!(listed["items"][0]["reference"], reference.as_str());
    let note = app
        .post(
            &format!("{case_path}/notes"),
            &highways,
            &json!({"text": "The resurfacing crew moved the bins on the 2nd."}),
        )
        .await;
    assert_eq!(note.status, 201, "{}", note.text());

    // But acting on it is the lead's: 403, and nothing changes.
    let before = app.row_counts();
    let refused = change(
        &app,
        &format!("{case_path}/acknowledgement"),
        &highways,
        Some(&etag),
        json!({"understanding": "The bin was missed three weeks running", "method": "email"}),
    )
    .await;
    let problem = refused.problem(403, "/problems/forbidden");
    assert!(problem["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("contributes"));
    assert_eq!(app.row_counts(), before);
    let lead = change(
        &app,
        &format!("{case_path}/acknowledgement"),
        &app.officer("o-waste", &["waste-care"]),
        Some(&etag),
        json!({"understanding": "The bin was missed three weeks running", "method": "email"}),
    )
    .await;
    assert_eq!(lead.status, 200, "{}", lead.text());

    // Customers never see who contributes.
    let manager_view = app.get(&case_path, &app.manager()).await.json();
    assert_eq!(manager_view["contributing_services"], json!(["highways"]));
    let customer_view = app.get(&case_path, &app.customer("c-alex")).await.json();
    assert_eq!(customer_view["contributing_services"], json!([]));
}

#[actix_web::test]
async fn moving_the_lead_hands_the_case_over_and_drops_the_new_lead_as_a_contributor() {
    let app = spawn_app().await;
    let (reference, etag) = accepted(&app).await;
    let manager = app.manager();
    let case_path = format!("/api/v1/cases/{reference}");
    let added = change(
        &app,
        &format!("{case_path}/contributing-services"),
        &manager,
        Some(&etag),
        json!({"service": "highways"}),
    )
    .await;
    let etag = added.header("etag").expect("etag");

    let moved = change(
        &app,
        &format!("{case_path}/lead-service"),
        &manager,
        Some(&etag),
        json!({"service": "highways", "reason": "It is about the road works, not the bin round"}),
    )
    .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    let case = moved.json();
    assert_eq!(case["service"], "highways");
    assert_eq!(case["contributing_services"], json!([]));
    let etag = moved.header("etag").expect("etag");

    // The old lead no longer sees it; the new lead acts on it.
    app.get(&case_path, &app.officer("o-waste", &["waste-care"]))
        .await
        .problem(404, "/problems/not-found");
    let ack = change(
        &app,
        &format!("{case_path}/acknowledgement"),
        &app.officer("o-roads", &["highways"]),
        Some(&etag),
        json!({"understanding": "The bin was missed three weeks running", "method": "letter"}),
    )
    .await;
    assert_eq!(ack.status, 200, "{}", ack.text());
    let etag = ack.header("etag").expect("etag");

    // Removing a contributor that is not one is 404; adding the lead is 409.
    delete(
        &app,
        &format!("{case_path}/contributing-services/waste-care"),
        &manager,
        &etag,
    )
    .await
    .problem(404, "/problems/not-found");
    let lead_again = change(
        &app,
        &format!("{case_path}/contributing-services"),
        &manager,
        Some(&etag),
        json!({"service": "highways"}),
    )
    .await;
    lead_again.problem(409, "/problems/conflict");
    let back = change(
        &app,
        &format!("{case_path}/contributing-services"),
        &manager,
        Some(&etag),
        json!({"service": "waste-care"}),
    )
    .await;
    assert_eq!(back.status, 200, "{}", back.text());
    let removed = delete(
        &app,
        &format!("{case_path}/contributing-services/waste-care"),
        &manager,
        &back.header("etag").expect("etag"),
    )
    .await;
    assert_eq!(removed.status, 200, "{}", removed.text());
    assert_eq!(removed.json()["contributing_services"], json!([]));

    let timeline = app
        .get(&format!("{case_path}/timeline"), &manager)
        .await
        .json();
    let types: Vec<&str> = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(
        types,
        vec![
            "received",
            "triaged",
            "contributing_service_added",
            "lead_service_changed",
            "acknowledged",
            "contributing_service_added",
            "contributing_service_removed"
        ]
    );
    // Internal: the customer's timeline shows none of it.
    let customer_timeline = app
        .get(&format!("{case_path}/timeline"), &app.customer("c-alex"))
        .await
        .json();
    let customer_types: Vec<&str> = customer_timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(customer_types, vec!["received", "triaged", "acknowledged"]);
}

#[actix_web::test]
async fn ownership_changes_are_the_managers_and_checked() {
    let app = spawn_app().await;
    let (reference, etag) = accepted(&app).await;
    let case_path = format!("/api/v1/cases/{reference}");
    let head = app.head_of_service("h-waste", &["waste-care"]);
    for (path, body) in [
        (
            "lead-service",
            json!({"service": "highways", "reason": "wrong service"}),
        ),
        ("contributing-services", json!({"service": "highways"})),
    ] {
        let before = app.row_counts();
        change(
            &app,
            &format!("{case_path}/{path}"),
            &head,
            Some(&etag),
            body.clone(),
        )
        .await
        .problem(403, "/problems/forbidden");
        change(
            &app,
            &format!("{case_path}/{path}"),
            &app.customer("someone"),
            Some(&etag),
            body,
        )
        .await
        .problem(403, "/problems/forbidden");
        assert_eq!(app.row_counts(), before);
    }
    let manager = app.manager();
    let unknown = change(
        &app,
        &format!("{case_path}/lead-service"),
        &manager,
        Some(&etag),
        json!({"service": "moon-base", "reason": "  "}),
    )
    .await;
    unknown.problem(422, "/problems/validation");
    assert_eq!(unknown.invalid_fields(), vec!["reason"]);
    let unknown = change(
        &app,
        &format!("{case_path}/lead-service"),
        &manager,
        Some(&etag),
        json!({"service": "moon-base", "reason": "wrong service"}),
    )
    .await;
    unknown.problem(422, "/problems/validation");
    assert_eq!(unknown.invalid_fields(), vec!["service"]);
    change(
        &app,
        &format!("{case_path}/lead-service"),
        &manager,
        Some(&etag),
        json!({"service": "waste-care", "reason": "no change"}),
    )
    .await
    .problem(409, "/problems/conflict");
    change(
        &app,
        &format!("{case_path}/lead-service"),
        &manager,
        None,
        json!({"service": "highways", "reason": "wrong service"}),
    )
    .await
    .problem(428, "/problems/precondition-required");
    change(
        &app,
        &format!("{case_path}/lead-service"),
        &manager,
        Some("\"1\""),
        json!({"service": "highways", "reason": "wrong service"}),
    )
    .await
    .problem(412, "/problems/precondition-failed");
}

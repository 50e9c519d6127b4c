use futures_util::future::join_all;
use serde_json::json;

use crate::calendar::timescale;
use crate::helpers::*;

/// POSTs a change with `If-Match`.
pub async fn change(
    app: &TestApp,
    path: &str,
    token: &str,
    etag: Option<&str>,
    body: serde_json::Value,
) -> TestResponse {
    let headers: Vec<(&str, &str)> = etag.map(|e| vec![("If-Match", e)]).unwrap_or_default();
    app.send(
        awc::http::Method::POST,
        path,
        Some(token),
        &headers,
        Some(body.to_string().into_bytes()),
    )
    .await
}

/// POSTs `body` as it is (`None`: no body and no Content-Type) with `If-Match`.
pub async fn send_raw(
    app: &TestApp,
    path: &str,
    token: &str,
    etag: &str,
    body: Option<&[u8]>,
) -> TestResponse {
    app.send(
        awc::http::Method::POST,
        path,
        Some(token),
        &[("If-Match", etag)],
        body.map(<[u8]>::to_vec),
    )
    .await
}

pub async fn new_complaint(app: &TestApp, body: serde_json::Value) -> (String, String) {
    let body = with(json!({"channel": "telephone"}), body);
    let response = app
        .post("/api/v1/cases", &app.officer("o-log", &[]), &body)
        .await;
    assert_eq!(response.status, 201, "{}", response.text());
    let reference = response.json()["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    (reference, response.header("etag").expect("etag"))
}

fn received(at: &str) -> serde_json::Value {
    with(
        complaint(),
        json!({"channel": "letter", "received_at": at, "received_at_reason": "from the post"}),
    )
}

#[actix_web::test]
async fn accepting_a_complaint_opens_stage_1_on_the_clock_and_acknowledging_sets_the_response_due()
{
    let app = spawn_app().await;
    let manager = app.manager();
    // Received Friday 19 December 2025.
    let (reference, etag) = new_complaint(&app, received("2025-12-19T10:00:00Z")).await;
    let triage = change(
        &app,
        &format!("/api/v1/cases/{reference}/triage"),
        &manager,
        Some(&etag),
        json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(triage.status, 200, "{}", triage.text());
    assert_eq!(triage.header("etag").as_deref(), Some("\"2\""));
    let case = triage.json();
    assert_eq!(case["status"], "open");
    assert_eq!(case["stage"], "stage_1");
    assert_eq!(case["triage"]["decision"], "accept");
    // 5 working days over Christmas: 22, 23, 24, 29, 30 December.
    assert_eq!(case["stages"][0]["acknowledgement_due"], "2025-12-30");
    assert_eq!(
        case["stages"][0]["acknowledgement_due"],
        case["acknowledgement_due"]
    );

    let officer = app.officer("o-waste", &["waste-care"]);
    let ack = change(
        &app,
        &format!("/api/v1/cases/{reference}/acknowledgement"),
        &officer,
        Some("\"2\""),
        json!({"understanding": "The bin was missed three weeks running", "method": "email", "acknowledged_at": "2025-12-23T15:00:00Z"}),
    )
    .await;
    assert_eq!(ack.status, 200, "{}", ack.text());
    let stage = &ack.json()["stages"][0];
    assert_eq!(stage["acknowledged_on_time"], true);
    // The Code: 10 working days from the acknowledgement (23 December).
    let clock = app
        .get(
            "/api/v1/calendar/due-date?from=2025-12-23&working_days=10",
            &officer,
        )
        .await
        .json();
    assert_eq!(stage["response_due"], clock["due"]);

    let timeline = app
        .get(
            &format!("/api/v1/cases/{reference}/timeline"),
            &app.manager(),
        )
        .await
        .json();
    let types: Vec<&str> = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(types, vec!["received", "triaged", "acknowledged"]);
}

#[actix_web::test]
async fn under_dudley_the_response_is_due_twenty_working_days_from_receipt() {
    let app = spawn_app_with(&[("POLICY_PRESET", "dudley_2019")]).await;
    let (reference, etag) = new_complaint(&app, received("2026-03-02T09:00:00Z")).await;
    let manager = app.manager();
    let case = change(
        &app,
        &format!("/api/v1/cases/{reference}/triage"),
        &manager,
        Some(&etag),
        json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(case.status, 200, "{}", case.text());
    let ack = change(
        &app,
        &format!("/api/v1/cases/{reference}/acknowledgement"),
        &manager,
        Some("\"2\""),
        json!({"understanding": "The bin was missed three weeks running", "method": "letter", "acknowledged_at": "2026-03-05T12:00:00Z"}),
    )
    .await;
    let clock = app
        .get(
            "/api/v1/calendar/due-date?from=2026-03-02&working_days=20",
            &manager,
        )
        .await
        .json();
    assert_eq!(ack.json()["stages"][0]["response_due"], clock["due"]);
}

#[actix_web::test]
async fn changes_need_the_current_etag() {
    let app = spawn_app().await;
    let manager = app.manager();
    let (reference, _) = new_complaint(&app, complaint()).await;
    let path = format!("/api/v1/cases/{reference}/triage");
    change(&app, &path, &manager, None, json!({"decision": "accept"}))
        .await
        .problem(428, "/problems/precondition-required");
    change(
        &app,
        &path,
        &manager,
        Some("\"7\""),
        json!({"decision": "accept"}),
    )
    .await
    .problem(412, "/problems/precondition-failed");
    change(
        &app,
        &path,
        &manager,
        Some("nonsense"),
        json!({"decision": "accept"}),
    )
    .await
    .problem(412, "/problems/precondition-failed");
    assert_eq!(
        app.get(&format!("/api/v1/cases/{reference}"), &manager)
            .await
            .json()["status"],
        "received"
    );
}

#[actix_web::test]
async fn only_the_complaints_manager_triages() {
    let app = spawn_app().await;
    let (reference, etag) = new_complaint(&app, complaint()).await;
    let path = format!("/api/v1/cases/{reference}/triage");
    for token in [
        app.officer("o", &["waste-care"]),
        app.head_of_service("h", &["waste-care"]),
        app.customer("c"),
        app.partner("p"),
    ] {
        change(
            &app,
            &path,
            &token,
            Some(&etag),
            json!({"decision": "accept"}),
        )
        .await
        .problem(403, "/problems/forbidden");
    }
}

#[actix_web::test]
async fn each_triage_decision_needs_its_facts_and_nothing_is_written_without_them() {
    let app = spawn_app().await;
    let manager = app.manager();
    let (reference, etag) = new_complaint(&app, complaint()).await;
    let path = format!("/api/v1/cases/{reference}/triage");
    let before = app.row_counts();
    for (body, fields) in [
        (json!({}), vec!["decision"]),
        (json!({"decision": "shrug"}), vec!["decision"]),
        (
            json!({"decision": "excluded"}),
            vec!["procedure", "referral"],
        ),
        (
            json!({"decision": "excluded", "procedure": "astrology", "referral": "x"}),
            vec!["procedure"],
        ),
        (json!({"decision": "outside_remit"}), vec!["organisation"]),
        (json!({"decision": "service_request"}), vec!["referral"]),
    ] {
        let response = change(&app, &path, &manager, Some(&etag), body.clone()).await;
        let mut named = response.invalid_fields();
        named.sort();
        assert_eq!(named, fields, "{body}");
    }
    assert_eq!(app.row_counts(), before);

    let excluded = change(
        &app,
        &path,
        &manager,
        Some(&etag),
        json!({
            "decision": "excluded", "procedure": "information_rights",
            "referral": "Passed to Information Governance, who will reply within 20 working days"
        }),
    )
    .await;
    assert_eq!(excluded.status, 200, "{}", excluded.text());
    let case = excluded.json();
    assert_eq!(case["status"], "excluded");
    assert_eq!(case["triage"]["details"]["procedure"], "information_rights");
    assert_eq!(case["stages"].as_array().map(Vec::len), Some(0));
    // Triaged once: a second decision conflicts.
    let again = change(
        &app,
        &path,
        &manager,
        Some("\"2\""),
        json!({"decision": "accept"}),
    )
    .await;
    again.problem(409, "/problems/conflict");
}

#[actix_web::test]
async fn outside_remit_is_referred_within_the_policys_working_days() {
    let app = spawn_app().await;
    let (reference, etag) = new_complaint(&app, complaint()).await;
    let response = change(
        &app,
        &format!("/api/v1/cases/{reference}/triage"),
        &app.manager(),
        Some(&etag),
        json!({"decision": "outside_remit", "organisation": "Severn Trent Water"}),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text());
    let details = &response.json()["triage"]["details"];
    assert_eq!(details["organisation"], "Severn Trent Water");
    assert!(details["referral_due"].is_string());
}

#[actix_web::test]
async fn informal_resolution_only_where_the_policy_has_an_informal_step() {
    let code = spawn_app().await;
    let (reference, etag) = new_complaint(&code, complaint()).await;
    let body =
        json!({"decision": "resolve_informally", "resolution": "Bin collected the same day"});
    change(
        &code,
        &format!("/api/v1/cases/{reference}/triage"),
        &code.manager(),
        Some(&etag),
        body.clone(),
    )
    .await
    .problem(409, "/problems/conflict");

    let dudley = spawn_app_with(&[("POLICY_PRESET", "dudley_2019")]).await;
    let (reference, etag) = new_complaint(&dudley, complaint()).await;
    let resolved = change(
        &dudley,
        &format!("/api/v1/cases/{reference}/triage"),
        &dudley.manager(),
        Some(&etag),
        body,
    )
    .await;
    assert_eq!(resolved.status, 200, "{}", resolved.text());
    assert_eq!(resolved.json()["status"], "resolved_informally");
}

#[actix_web::test]
async fn a_complaint_over_the_time_limit_is_accepted_only_with_special_circumstances() {
    let app = spawn_app().await;
    let manager = app.manager();
    let (reference, etag) = new_complaint(
        &app,
        with(complaint(), json!({"problem_date": "2024-06-01"})),
    )
    .await;
    let path = format!("/api/v1/cases/{reference}/triage");
    let refused = change(
        &app,
        &path,
        &manager,
        Some(&etag),
        json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(refused.invalid_fields(), vec!["special_circumstances"]);
    let accepted = change(&app, &path, &manager, Some(&etag),
        json!({"decision": "accept", "special_circumstances": "The customer was in hospital for most of the year"})).await;
    assert_eq!(accepted.status, 200, "{}", accepted.text());
    assert_eq!(accepted.json()["triage"]["details"]["out_of_time"], true);
}

#[actix_web::test]
async fn compliments_are_not_triaged() {
    let app = spawn_app().await;
    let (reference, etag) =
        new_complaint(&app, with(complaint(), json!({"kind": "compliment"}))).await;
    change(
        &app,
        &format!("/api/v1/cases/{reference}/triage"),
        &app.manager(),
        Some(&etag),
        json!({"decision": "accept"}),
    )
    .await
    .problem(409, "/problems/conflict");
}

#[actix_web::test]
async fn acknowledgement_is_for_staff_of_the_service_once_the_complaint_is_accepted() {
    let app = spawn_app().await;
    let manager = app.manager();
    let (reference, etag) = new_complaint(&app, complaint()).await;
    let ack_path = format!("/api/v1/cases/{reference}/acknowledgement");
    let body =
        json!({"understanding": "The bin was missed three weeks running", "method": "email"});
    change(&app, &ack_path, &manager, Some(&etag), body.clone())
        .await
        .problem(409, "/problems/conflict");
    let accepted = change(
        &app,
        &format!("/api/v1/cases/{reference}/triage"),
        &manager,
        Some(&etag),
        json!({"decision": "accept"}),
    )
    .await;
    let etag = accepted.header("etag").expect("etag");

    change(
        &app,
        &ack_path,
        &app.officer("o-roads", &["highways"]),
        Some(&etag),
        body.clone(),
    )
    .await
    .problem(404, "/problems/not-found");
    change(
        &app,
        &ack_path,
        &app.customer("c"),
        Some(&etag),
        body.clone(),
    )
    .await
    .problem(403, "/problems/forbidden");
    let wrong = change(
        &app,
        &ack_path,
        &manager,
        Some(&etag),
        json!({"method": "pigeon", "grade": 2}),
    )
    .await;
    let mut fields = wrong.invalid_fields();
    fields.sort();
    assert_eq!(fields, vec!["grade", "method"]);

    let done = change(
        &app,
        &ack_path,
        &app.head_of_service("h", &["waste-care"]),
        Some(&etag),
        body.clone(),
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text());
    let etag = done.header("etag").expect("etag");
    change(&app, &ack_path, &manager, Some(&etag), body)
        .await
        .problem(409, "/problems/conflict");
}

#[actix_web::test]
async fn twenty_conflicting_transitions_racing_one_wins_the_rest_get_412() {
    let app = spawn_app().await;
    let manager = app.manager();
    let (reference, etag) = new_complaint(&app, complaint()).await;
    let path = format!("/api/v1/cases/{reference}/triage");
    let decisions = [
        json!({"decision": "accept"}),
        json!({"decision": "service_request", "referral": "Passed to the waste team"}),
    ];
    let responses = join_all(
        (0..20).map(|i| change(&app, &path, &manager, Some(&etag), decisions[i % 2].clone())),
    )
    .await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 412).count(),
        19,
        "{statuses:?}"
    );
    let timeline = app
        .get(&format!("/api/v1/cases/{reference}/timeline"), &manager)
        .await
        .json();
    let triaged = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["type"] == "triaged")
        .count();
    assert_eq!(triaged, 1);
}

#[actix_web::test]
async fn walsall_grades_set_the_response_time_and_three_months_is_the_ceiling() {
    let app = spawn_app_with(&[
        ("POLICY_PRESET", "walsall_proposal"),
        ("POLICY_GRADE_2_RESPONSE_WORKING_DAYS", "80"),
    ])
    .await;
    let manager = app.manager();
    let (reference, etag) = new_complaint(&app, received("2026-01-05T09:00:00Z")).await;
    let accepted = change(
        &app,
        &format!("/api/v1/cases/{reference}/triage"),
        &manager,
        Some(&etag),
        json!({"decision": "accept"}),
    )
    .await;
    let etag = accepted.header("etag").expect("etag");
    let ack = change(
        &app,
        &format!("/api/v1/cases/{reference}/acknowledgement"),
        &manager,
        Some(&etag),
        json!({"understanding": "The bin was missed three weeks running", "method": "email", "acknowledged_at": "2026-01-06T09:00:00Z", "grade": 2}),
    )
    .await;
    assert_eq!(ack.status, 200, "{}", ack.text());
    let stage = &ack.json()["stages"][0];
    assert_eq!(stage["grade"], 2);
    // 80 working days from 5 January would be late April; three calendar months caps it at
    // 3 April 2026, Good Friday, so the last working day before: Thursday 2 April.
    assert_eq!(stage["response_due"], "2026-04-02");
}

async fn accepted(app: &TestApp) -> (String, String) {
    let (reference, etag) = new_complaint(app, complaint()).await;
    let response = change(
        app,
        &format!("/api/v1/cases/{reference}/triage"),
        &app.manager(),
        Some(&etag),
        json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text());
    (reference, response.header("etag").expect("etag"))
}

#[actix_web::test]
async fn the_head_of_service_assigns_the_investigator_and_only_staff_see_who() {
    let app = spawn_app().await;
    let (reference, etag) = accepted(&app).await;
    let path = format!("/api/v1/cases/{reference}/assignment");
    let body = json!({"investigator": "officer-17"});
    change(
        &app,
        &path,
        &app.officer("o", &["waste-care"]),
        Some(&etag),
        body.clone(),
    )
    .await
    .problem(403, "/problems/forbidden");
    change(
        &app,
        &path,
        &app.head_of_service("h-roads", &["highways"]),
        Some(&etag),
        body.clone(),
    )
    .await
    .problem(404, "/problems/not-found");
    let missing = change(
        &app,
        &path,
        &app.manager(),
        Some(&etag),
        json!({"investigator": " "}),
    )
    .await;
    assert_eq!(missing.invalid_fields(), vec!["investigator"]);

    let done = change(
        &app,
        &path,
        &app.head_of_service("h-waste", &["waste-care"]),
        Some(&etag),
        body,
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert_eq!(done.json()["stages"][0]["investigator"], "officer-17");

    // The customer who complained would not see it; the officer does.
    let officer_view = app
        .get(
            &format!("/api/v1/cases/{reference}"),
            &app.officer("officer-17", &["waste-care"]),
        )
        .await
        .json();
    assert_eq!(officer_view["stages"][0]["investigator"], "officer-17");
}

#[actix_web::test]
async fn internal_notes_are_for_staff_and_never_reach_customers() {
    let app = spawn_app().await;
    let customer = app.customer("cathy");
    let case = app.create_case(&customer, &complaint()).await;
    let reference = case["reference"].as_str().expect("reference").to_string();
    let officer = app.officer("o-1", &["waste-care"]);
    let path = format!("/api/v1/cases/{reference}/notes");
    let text = "Crew supervisor says a parked van blocked the bin on two of the three days.";

    let added = app
        .post_with_key(&path, &officer, "note-1", &json!({"text": text}))
        .await;
    assert_eq!(added.status, 201, "{}", added.text());
    assert_eq!(added.json()["visibility"], "internal");
    assert_eq!(added.header("location"), Some(path.clone()));
    let replay = app
        .post_with_key(&path, &officer, "note-1", &json!({"text": text}))
        .await;
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );

    let notes = app.get(&path, &officer).await.json();
    assert_eq!(notes["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(notes["items"][0]["details"]["text"], text);

    app.post(&path, &customer, &json!({"text": "let me in"}))
        .await
        .problem(403, "/problems/forbidden");
    app.get(&path, &customer)
        .await
        .problem(403, "/problems/forbidden");
    app.post(
        &path,
        &app.officer("o-roads", &["highways"]),
        &json!({"text": "x"}),
    )
    .await
    .problem(404, "/problems/not-found");
    assert_eq!(
        app.post(&path, &officer, &json!({"text": ""}))
            .await
            .invalid_fields(),
        vec!["text"]
    );

    let customer_timeline = app
        .get(&format!("/api/v1/cases/{reference}/timeline"), &customer)
        .await;
    assert!(
        !customer_timeline.text().contains("parked van"),
        "{}",
        customer_timeline.text()
    );
    let customer_case = app
        .get(&format!("/api/v1/cases/{reference}"), &customer)
        .await;
    assert!(!customer_case.text().contains("parked van"));
    let staff_timeline = app
        .get(&format!("/api/v1/cases/{reference}/timeline"), &officer)
        .await;
    assert!(staff_timeline.text().contains("parked van"));
}

#[actix_web::test]
async fn an_extension_is_asked_for_by_the_investigator_and_agreed_by_the_head_of_service() {
    let app = spawn_app().await;
    let manager = app.manager();
    let customer = app.customer("erin");
    let investigator = app.officer("officer-17", &["waste-care"]);
    let head = app.head_of_service("h-waste", &["waste-care"]);
    let case = app.create_case(&customer, &complaint()).await;
    let reference = case["reference"].as_str().expect("reference").to_string();
    let base = format!("/api/v1/cases/{reference}");

    let etag = change(
        &app,
        &format!("{base}/triage"),
        &manager,
        Some("\"1\""),
        json!({"decision": "accept"}),
    )
    .await
    .header("etag")
    .expect("etag");
    let ack = change(
        &app,
        &format!("{base}/acknowledgement"),
        &manager,
        Some(&etag),
        json!({"understanding": "The bin was missed three weeks running", "method": "email"}),
    )
    .await;
    assert_eq!(ack.status, 200, "{}", ack.text());
    let etag = ack.header("etag").expect("etag");
    let etag = change(
        &app,
        &format!("{base}/assignment"),
        &head,
        Some(&etag),
        json!({"investigator": "officer-17"}),
    )
    .await
    .header("etag")
    .expect("etag");
    let current = app.get(&base, &manager).await.json();
    let due = current["stages"][0]["response_due"]
        .as_str()
        .expect("due")
        .to_string();

    // Ten working days past the original due date is the Code's limit.
    let within = app
        .get(
            &format!("/api/v1/calendar/due-date?from={due}&working_days=10"),
            &manager,
        )
        .await
        .json()["due"]
        .as_str()
        .expect("date")
        .to_string();
    let beyond = app
        .get(
            &format!("/api/v1/calendar/due-date?from={due}&working_days=11"),
            &manager,
        )
        .await
        .json()["due"]
        .as_str()
        .expect("date")
        .to_string();
    let path = format!("{base}/extensions");
    let ask = |new_due: &str, agreed: bool| {
        let mut body = json!({"reason": "Waiting for the contractor's tracking records", "new_response_due": new_due});
        if agreed {
            body["customer_agreement"] =
                json!({"agreed_at": "2026-01-05T11:00:00Z", "method": "telephone"});
        }
        body
    };

    change(
        &app,
        &path,
        &app.officer("someone-else", &["waste-care"]),
        Some(&etag),
        ask(&within, false),
    )
    .await
    .problem(403, "/problems/forbidden");
    change(&app, &path, &customer, Some(&etag), ask(&within, false))
        .await
        .problem(403, "/problems/forbidden");
    // Like every change, an extension request names the version it was made against.
    change(&app, &path, &investigator, None, ask(&within, false))
        .await
        .problem(428, "/problems/precondition-required");
    change(
        &app,
        &path,
        &investigator,
        Some("\"1\""),
        ask(&within, false),
    )
    .await
    .problem(412, "/problems/precondition-failed");
    assert_eq!(
        change(&app, &path, &investigator, Some(&etag), ask(&beyond, false))
            .await
            .invalid_fields(),
        vec!["customer_agreement"]
    );
    assert_eq!(
        change(&app, &path, &investigator, Some(&etag), ask(&due, false))
            .await
            .invalid_fields(),
        vec!["new_response_due"]
    );
    let asked = change(&app, &path, &investigator, Some(&etag), ask(&within, false)).await;
    assert_eq!(asked.status, 201, "{}", asked.text());
    let extension = asked.json();
    assert_eq!(extension["status"], "requested");
    assert_eq!(extension["working_days_beyond_original"], 10);
    assert_eq!(extension["customer_agreed"], false);
    assert_eq!(extension["customer_agreement"], serde_json::Value::Null);
    // The request changed the case: it answers with the case's new version.
    let etag = asked.header("etag").expect("etag");
    assert_eq!(
        app.get(&base, &manager).await.header("etag").as_deref(),
        Some(etag.as_str())
    );
    change(&app, &path, &investigator, Some(&etag), ask(&within, false))
        .await
        .problem(409, "/problems/conflict");
    // Not agreed yet: the customer sees nothing of it.
    assert_eq!(
        app.get(&base, &customer).await.json()["extensions"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );

    let decision = format!("{path}/{}/decision", extension["id"]);
    change(
        &app,
        &decision,
        &investigator,
        Some(&etag),
        json!({"decision": "agree"}),
    )
    .await
    .problem(403, "/problems/forbidden");
    let untold = change(
        &app,
        &decision,
        &head,
        Some(&etag),
        json!({"decision": "agree"}),
    )
    .await;
    assert_eq!(untold.invalid_fields(), vec!["customer_told_at"]);
    let agreed = change(
        &app,
        &decision,
        &head,
        Some(&etag),
        json!({"decision": "agree", "customer_told_at": chrono::Utc::now().to_rfc3339()}),
    )
    .await;
    assert_eq!(agreed.status, 200, "{}", agreed.text());
    let case = agreed.json();
    assert_eq!(case["stages"][0]["response_due"], within);
    assert_eq!(case["extensions"][0]["status"], "agreed");
    let etag = agreed.header("etag").expect("etag");
    change(
        &app,
        &decision,
        &head,
        Some(&etag),
        json!({"decision": "refuse"}),
    )
    .await
    .problem(409, "/problems/conflict");

    let seen = app.get(&base, &customer).await.json();
    assert_eq!(seen["stages"][0]["response_due"], within);
    assert_eq!(seen["extensions"][0]["new_due"], within);
    assert_eq!(seen["stages"][0]["investigator"], serde_json::Value::Null);
    let timeline = app.get(&format!("{base}/timeline"), &customer).await.json();
    let types: Vec<&str> = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(
        types,
        vec!["received", "triaged", "acknowledged", "extended"]
    );
}

/// A complaint from `customer`, accepted, acknowledged and assigned to officer-17.
pub async fn under_investigation(app: &TestApp, customer: &str) -> (String, String) {
    let case = app.create_case(&app.customer(customer), &complaint()).await;
    let reference = case["reference"].as_str().expect("reference").to_string();
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
        let response = change(app, &format!("{base}/{path}"), &manager, Some(&etag), body).await;
        assert_eq!(response.status, 200, "{path}: {}", response.text());
        etag = response.header("etag").expect("etag");
    }
    (reference, etag)
}

pub fn draft(outcome: &str, apology: Option<&str>) -> serde_json::Value {
    let mut body = json!({
        "outcome": outcome,
        "findings": [
            {"point": "The bin was missed three weeks running", "finding": "Crew records confirm two missed collections", "upheld": true},
            {"point": "Online reports were ignored", "finding": "Both reports were logged and passed to the crew", "upheld": false}
        ],
        "letter": "Dear Alex Example, thank you for your complaint about your green bin...",
        "understanding": "Your green bin was missed three weeks running and your reports were ignored.",
        "outstanding_actions": []
    });
    if let Some(apology) = apology {
        body["apology"] = json!(apology);
    }
    body
}

#[actix_web::test]
async fn the_investigator_drafts_and_the_head_of_service_approves_and_sends_the_response() {
    let app = spawn_app().await;
    let (reference, etag) = under_investigation(&app, "fay").await;
    let base = format!("/api/v1/cases/{reference}");
    let investigator = app.officer("officer-17", &["waste-care"]);
    let customer = app.customer("fay");

    app.post(
        &format!("{base}/responses"),
        &app.officer("o-other", &["waste-care"]),
        &draft("not_upheld", None),
    )
    .await
    .problem(403, "/problems/forbidden");
    app.post(
        &format!("{base}/responses"),
        &customer,
        &draft("not_upheld", None),
    )
    .await
    .problem(403, "/problems/forbidden");
    let no_apology = app
        .post(
            &format!("{base}/responses"),
            &investigator,
            &draft("partially_upheld", None),
        )
        .await;
    assert_eq!(no_apology.invalid_fields(), vec!["apology"]);
    let bad = app
        .post(
            &format!("{base}/responses"),
            &investigator,
            &json!({"outcome": "meh", "findings": [{"point": "x"}]}),
        )
        .await;
    let mut fields = bad.invalid_fields();
    fields.sort();
    assert_eq!(
        fields,
        vec!["findings[0].finding", "findings[0].upheld", "outcome"]
    );

    let drafted = app
        .post(
            &format!("{base}/responses"),
            &investigator,
            &draft(
                "partially_upheld",
                Some("We are sorry your bin was missed."),
            ),
        )
        .await;
    assert_eq!(drafted.status, 201, "{}", drafted.text());
    let response_id = drafted.json()["id"].as_i64().expect("id");
    assert_eq!(drafted.json()["status"], "draft");
    // The customer sees no draft.
    let seen = app.get(&base, &customer).await.json();
    assert_eq!(seen["responses"].as_array().map(Vec::len), Some(0));
    assert_eq!(seen["stages"][0]["outcome"], serde_json::Value::Null);

    // A partly upheld response sets out its remedies: promised before it is sent.
    let promised = app
        .post(
            &format!("{base}/remedies"),
            &investigator,
            &json!({"type": "service_provided", "description": "Collect the green bin",
                    "due": "2027-01-15", "owner": "officer-17"}),
        )
        .await;
    assert_eq!(promised.status, 201, "{}", promised.text());
    let approval = format!("{base}/responses/{response_id}/approval");
    change(&app, &approval, &investigator, Some(&etag), json!({}))
        .await
        .problem(403, "/problems/forbidden");
    change(
        &app,
        &approval,
        &app.head_of_service("h-waste", &["waste-care"]),
        None,
        json!({}),
    )
    .await
    .problem(428, "/problems/precondition-required");
    let sent = change(
        &app,
        &approval,
        &app.head_of_service("h-waste", &["waste-care"]),
        Some(&etag),
        json!({}),
    )
    .await;
    assert_eq!(sent.status, 200, "{}", sent.text());
    let case = sent.json();
    assert_eq!(case["stages"][0]["outcome"], "partially_upheld");
    assert_eq!(case["stages"][0]["responded_on_time"], true);
    // The Code sets no window for asking for stage 2.
    assert_eq!(
        case["stages"][0]["escalation_window_closes"],
        serde_json::Value::Null
    );
    let etag = sent.header("etag").expect("etag");
    change(&app, &approval, &app.manager(), Some(&etag), json!({}))
        .await
        .problem(409, "/problems/conflict");

    let seen = app.get(&base, &customer).await.json();
    assert_eq!(seen["responses"][0]["status"], "sent");
    assert_eq!(
        seen["responses"][0]["apology"],
        "We are sorry your bin was missed."
    );
    assert_eq!(seen["responses"][0]["drafted_by"], serde_json::Value::Null);
    assert_eq!(seen["stages"][0]["outcome"], "partially_upheld");
    let timeline = app.get(&format!("{base}/timeline"), &customer).await.json();
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
            "acknowledged",
            "remedy_promised",
            "response_sent"
        ]
    );
}

#[actix_web::test]
async fn under_dudley_sending_the_stage_1_response_opens_a_twenty_working_day_window() {
    let app = spawn_app_with(&[("POLICY_PRESET", "dudley_2019")]).await;
    let (reference, etag) = under_investigation(&app, "gus").await;
    let base = format!("/api/v1/cases/{reference}");
    let drafted = app
        .post(
            &format!("{base}/responses"),
            &app.officer("officer-17", &["waste-care"]),
            &draft("not_upheld", None),
        )
        .await;
    let id = drafted.json()["id"].as_i64().expect("id");
    let sent = change(
        &app,
        &format!("{base}/responses/{id}/approval"),
        &app.manager(),
        Some(&etag),
        json!({}),
    )
    .await;
    assert_eq!(sent.status, 200, "{}", sent.text());
    let today = council_feedback::domain::clock::uk_date(chrono::Utc::now().naive_utc());
    let clock = app
        .get(
            &format!("/api/v1/calendar/due-date?from={today}&working_days=20"),
            &app.manager(),
        )
        .await
        .json();
    assert_eq!(
        sent.json()["stages"][0]["escalation_window_closes"],
        clock["due"]
    );
}

/// `under_investigation`, then a not-upheld stage 1 response sent.
pub async fn responded(app: &TestApp, customer: &str) -> (String, String) {
    let (reference, etag) = under_investigation(app, customer).await;
    let base = format!("/api/v1/cases/{reference}");
    let drafted = app
        .post(
            &format!("{base}/responses"),
            &app.officer("officer-17", &["waste-care"]),
            &draft("not_upheld", None),
        )
        .await;
    let id = drafted.json()["id"].as_i64().expect("id");
    let sent = change(
        app,
        &format!("{base}/responses/{id}/approval"),
        &app.manager(),
        Some(&etag),
        json!({}),
    )
    .await;
    assert_eq!(sent.status, 200, "{}", sent.text());
    (reference, sent.header("etag").expect("etag"))
}

#[actix_web::test]
async fn under_dudley_stage_2_needs_grounds_and_a_different_senior_investigator() {
    let app = spawn_app_with(&[("POLICY_PRESET", "dudley_2019")]).await;
    let customer = app.customer("hal");
    let (reference, etag) = under_investigation(&app, "hal").await;
    let base = format!("/api/v1/cases/{reference}");
    let reason = json!({"reason": "I have a dated photo of the bin out at 6:45am"});
    // No stage 1 response yet.
    change(
        &app,
        &format!("{base}/escalations"),
        &customer,
        Some(&etag),
        with(reason.clone(), json!({"grounds": ["new_evidence"]})),
    )
    .await
    .problem(409, "/problems/conflict");

    let (reference, etag) = responded(&app, "hal").await;
    let base = format!("/api/v1/cases/{reference}");
    let path = format!("{base}/escalations");
    change(&app, &path, &app.partner("p"), Some(&etag), reason.clone())
        .await
        .problem(403, "/problems/forbidden");
    assert_eq!(
        change(&app, &path, &customer, Some(&etag), reason.clone())
            .await
            .invalid_fields(),
        vec!["grounds"]
    );
    assert_eq!(
        change(
            &app,
            &path,
            &customer,
            Some(&etag),
            json!({"reason": "x", "grounds": ["vibes"]})
        )
        .await
        .invalid_fields(),
        vec!["grounds[0]"]
    );
    let escalated = change(
        &app,
        &path,
        &customer,
        Some(&etag),
        json!({"reason": "I have a dated photo", "grounds": ["new_evidence"]}),
    )
    .await;
    assert_eq!(escalated.status, 200, "{}", escalated.text());
    let case = escalated.json();
    assert_eq!(case["stage"], "stage_2");
    assert_eq!(case["stages"][1]["stage"], "stage_2");
    assert_eq!(
        case["stages"][1]["request_grounds"],
        json!(["new_evidence"])
    );
    let today = council_feedback::domain::clock::uk_date(chrono::Utc::now().naive_utc());
    let clock = app
        .get(
            &format!("/api/v1/calendar/due-date?from={today}&working_days=5"),
            &customer,
        )
        .await
        .json();
    assert_eq!(case["stages"][1]["acknowledgement_due"], clock["due"]);
    let mut etag = escalated.header("etag").expect("etag");
    change(
        &app,
        &path,
        &customer,
        Some(&etag),
        json!({"reason": "again", "grounds": ["new_evidence"]}),
    )
    .await
    .problem(409, "/problems/conflict");

    let assignment = format!("{base}/assignment");
    let manager = app.manager();
    for (body, problem) in [
        (
            json!({"investigator": "officer-17", "investigator_role": "head_of_service"}),
            "same officer",
        ),
        (
            json!({"investigator": "officer-99", "investigator_role": "investigating_officer"}),
            "not senior",
        ),
        (json!({"investigator": "officer-99"}), "role unknown"),
    ] {
        let refused = change(&app, &assignment, &manager, Some(&etag), body).await;
        assert_eq!(refused.status, 409, "{problem}: {}", refused.text());
    }
    let assigned = change(
        &app,
        &assignment,
        &manager,
        Some(&etag),
        json!({"investigator": "h-senior", "investigator_role": "head_of_service"}),
    )
    .await;
    assert_eq!(assigned.status, 200, "{}", assigned.text());
    etag = assigned.header("etag").expect("etag");
    let ack = change(
        &app,
        &format!("{base}/acknowledgement"),
        &manager,
        Some(&etag),
        json!({"understanding": "The bin was missed three weeks running", "method": "letter"}),
    )
    .await;
    assert_eq!(ack.status, 200, "{}", ack.text());
    // Dudley's stage 2: 20 working days.
    let response_due = &ack.json()["stages"][1]["response_due"];
    assert!(response_due.is_string());
}

#[actix_web::test]
async fn a_stage_2_request_after_the_window_is_refused_unless_the_manager_accepts_it() {
    let app = spawn_app_with(&[("POLICY_PRESET", "dudley_2019")]).await;
    let customer = app.customer("ida");
    let (reference, etag) = responded(&app, "ida").await;
    // The window closed on the last working day before today.
    let today = council_feedback::domain::clock::uk_date(chrono::Utc::now().naive_utc());
    let mut closed = today - chrono::Duration::days(1);
    while matches!(
        chrono::Datelike::weekday(&closed),
        chrono::Weekday::Sat | chrono::Weekday::Sun
    ) {
        closed -= chrono::Duration::days(1);
    }
    {
        use diesel::prelude::*;
        let mut conn = app.db.connection().expect("connection");
        let conn: &mut council_feedback::db::DbConnection = &mut conn;
        diesel::sql_query(format!(
            "UPDATE case_stages SET escalation_window_closes = '{closed}'"
        ))
        .execute(conn)
        .expect("close the window");
    }
    let path = format!("/api/v1/cases/{reference}/escalations");
    let body = json!({"reason": "I was in hospital", "grounds": ["new_evidence"]});
    let late = change(&app, &path, &customer, Some(&etag), body.clone()).await;
    let problem = late.problem(409, "/problems/conflict");
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains(&closed.to_string()),
        "{problem}"
    );
    let not_manager = change(
        &app,
        &path,
        &customer,
        Some(&etag),
        with(body.clone(), json!({"late_acceptance_reason": "please"})),
    )
    .await;
    assert_eq!(not_manager.invalid_fields(), vec!["late_acceptance_reason"]);

    let accepted = change(&app, &path, &app.manager(), Some(&etag),
        with(body, json!({"late_acceptance_reason": "The customer was in hospital when the window closed"}))).await;
    assert_eq!(accepted.status, 200, "{}", accepted.text());
    assert_eq!(
        accepted.json()["stages"][1]["late_acceptance_reason"],
        "The customer was in hospital when the window closed"
    );
}

#[actix_web::test]
async fn under_the_code_stage_2_needs_no_grounds() {
    let app = spawn_app().await;
    let (reference, etag) = responded(&app, "jo").await;
    let escalated = change(
        &app,
        &format!("/api/v1/cases/{reference}/escalations"),
        &app.customer("jo"),
        Some(&etag),
        json!({"reason": "The response did not deal with my second point"}),
    )
    .await;
    assert_eq!(escalated.status, 200, "{}", escalated.text());
}

#[actix_web::test]
async fn a_customer_withdraws_the_manager_closes_and_reopens_with_a_reason() {
    let app = spawn_app().await;
    let customer = app.customer("kim");
    let case = app.create_case(&customer, &complaint()).await;
    let base = format!(
        "/api/v1/cases/{}",
        case["reference"].as_str().expect("reference")
    );
    let manager = app.manager();

    let malformed = app
        .send(
            awc::http::Method::POST,
            &format!("{base}/withdrawal"),
            Some(&customer),
            &[("If-Match", "\"1\""), ("Content-Type", "application/json")],
            Some(b"{oops".to_vec()),
        )
        .await;
    malformed.problem(400, "/problems/malformed-json");
    // No body at all is fine: the reason is optional.
    let withdrawn = app
        .send(
            awc::http::Method::POST,
            &format!("{base}/withdrawal"),
            Some(&customer),
            &[("If-Match", "\"1\"")],
            None,
        )
        .await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.text());
    assert_eq!(withdrawn.json()["status"], "withdrawn");
    let etag = withdrawn.header("etag").expect("etag");
    change(
        &app,
        &format!("{base}/withdrawal"),
        &customer,
        Some(&etag),
        json!({}),
    )
    .await
    .problem(409, "/problems/conflict");

    change(
        &app,
        &format!("{base}/closure"),
        &app.officer("o", &["waste-care"]),
        Some(&etag),
        json!({}),
    )
    .await
    .problem(403, "/problems/forbidden");
    let closed = change(
        &app,
        &format!("{base}/closure"),
        &manager,
        Some(&etag),
        json!({"reason": "withdrawn by the customer"}),
    )
    .await;
    assert_eq!(closed.status, 200, "{}", closed.text());
    assert_eq!(closed.json()["status"], "closed");
    let etag = closed.header("etag").expect("etag");

    change(
        &app,
        &format!("{base}/reopening"),
        &app.head_of_service("h", &["waste-care"]),
        Some(&etag),
        json!({"reason": "x"}),
    )
    .await
    .problem(403, "/problems/forbidden");
    assert_eq!(
        change(
            &app,
            &format!("{base}/reopening"),
            &manager,
            Some(&etag),
            json!({})
        )
        .await
        .invalid_fields(),
        vec!["reason"]
    );
    let reopened = change(
        &app,
        &format!("{base}/reopening"),
        &manager,
        Some(&etag),
        json!({"reason": "The customer changed their mind within a week"}),
    )
    .await;
    assert_eq!(reopened.status, 200, "{}", reopened.text());
    assert_eq!(reopened.json()["status"], "received");
    let timeline = app.get(&format!("{base}/timeline"), &customer).await.json();
    let types: Vec<&str> = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(types, vec!["received", "withdrawn", "closed", "reopened"]);
}

#[actix_web::test]
async fn a_complaint_closes_once_its_response_is_sent_and_the_window_has_passed() {
    let app = spawn_app().await;
    let manager = app.manager();
    let (reference, etag) = under_investigation(&app, "lee").await;
    change(
        &app,
        &format!("/api/v1/cases/{reference}/closure"),
        &manager,
        Some(&etag),
        json!({}),
    )
    .await
    .problem(409, "/problems/conflict");
    let (reference, etag) = responded(&app, "lee").await;
    let closed = change(
        &app,
        &format!("/api/v1/cases/{reference}/closure"),
        &manager,
        Some(&etag),
        json!({}),
    )
    .await;
    assert_eq!(closed.status, 200, "{}", closed.text());

    let dudley = spawn_app_with(&[("POLICY_PRESET", "dudley_2019")]).await;
    let (reference, etag) = responded(&dudley, "max").await;
    let early = change(
        &dudley,
        &format!("/api/v1/cases/{reference}/closure"),
        &dudley.manager(),
        Some(&etag),
        json!({}),
    )
    .await;
    let problem = early.problem(409, "/problems/conflict");
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("stage 2 until"),
        "{problem}"
    );
}

#[actix_web::test]
async fn work_queues_filter_by_stage_investigator_and_deadlines() {
    let app = spawn_app().await;
    let manager = app.manager();
    // Received long ago and never acknowledged: overdue.
    let (late, _) = new_complaint(&app, received("2025-01-06T09:00:00Z")).await;
    // Accepted, acknowledged and assigned today: its response is due in the future.
    let (mine, _) = under_investigation(&app, "ola").await;
    // Just received.
    let (fresh, _) = new_complaint(&app, complaint()).await;

    let list = |query: &'static str, token: String| {
        let app = &app;
        async move {
            let response = app.get(&format!("/api/v1/cases?{query}"), &token).await;
            assert_eq!(response.status, 200, "{query}: {}", response.text());
            response.json()["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|c| c["reference"].as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
        }
    };
    let officer = app.officer("officer-17", &["waste-care"]);
    assert_eq!(
        list("investigator=me", officer.clone()).await,
        vec![mine.clone()]
    );
    assert_eq!(
        list("stage=stage_1", manager.clone()).await,
        vec![mine.clone()]
    );
    assert_eq!(
        list("overdue=true", manager.clone()).await,
        vec![late.clone()]
    );
    let on_track = list("overdue=false", manager.clone()).await;
    assert!(
        on_track.contains(&mine) && on_track.contains(&fresh) && !on_track.contains(&late),
        "{on_track:?}"
    );
    assert_eq!(
        list("due_before=2025-12-31", manager.clone()).await,
        vec![late.clone()]
    );

    let page = app.get("/api/v1/cases?overdue=true", &manager).await.json();
    let next = &page["items"][0]["next_deadline"];
    assert_eq!(
        (next["kind"].as_str(), next["overdue"].as_bool()),
        (Some("acknowledgement"), Some(true))
    );
    let page = app
        .get("/api/v1/cases?investigator=me", &officer)
        .await
        .json();
    assert_eq!(page["items"][0]["next_deadline"]["kind"], "response");

    let refused = app
        .get("/api/v1/cases?investigator=me", &app.customer("ola"))
        .await;
    assert_eq!(refused.invalid_fields(), vec!["investigator"]);
    let mut bad = app
        .get(
            "/api/v1/cases?stage=stage_9&overdue=maybe&due_before=soon",
            &manager,
        )
        .await
        .invalid_fields();
    bad.sort();
    assert_eq!(bad, vec!["due_before", "overdue", "stage"]);
}

/// The whole journey of a complaint under a preset, checking each due date
/// against the clock and the timeline at the end.
async fn whole_journey(preset: &str, grounds: bool) {
    let app = spawn_app_with(&[("POLICY_PRESET", preset)]).await;
    let manager = app.manager();
    let customer = app.customer("pat");
    let investigator = app.officer("officer-17", &["waste-care"]);
    let head = app.head_of_service("h-waste", &["waste-care"]);
    let case = app.create_case(&customer, &complaint()).await;
    let base = format!(
        "/api/v1/cases/{}",
        case["reference"].as_str().expect("reference")
    );
    let today = council_feedback::domain::clock::uk_date(chrono::Utc::now().naive_utc());
    let policy = app.get("/api/v1/policy", &manager).await.json();
    let days = |name: &str, applies_to: &str| {
        timescale(&policy, name, applies_to)
            .and_then(|t| t["value"].as_u64())
            .expect("timescale")
    };
    let due = |from: String, n: u64| {
        let app = &app;
        let token = manager.clone();
        async move {
            app.get(
                &format!("/api/v1/calendar/due-date?from={from}&working_days={n}"),
                &token,
            )
            .await
            .json()["due"]
                .as_str()
                .expect("due")
                .to_string()
        }
    };
    assert_eq!(
        case["acknowledgement_due"].as_str(),
        Some(
            due(today.to_string(), days("acknowledge", "stage_1"))
                .await
                .as_str()
        )
    );

    let mut etag = "\"1\"".to_string();
    let step = |response: TestResponse, what: &str, etag: &mut String| {
        assert_eq!(response.status, 200, "{preset} {what}: {}", response.text());
        *etag = response.header("etag").expect("etag");
        response.json()
    };
    step(
        change(
            &app,
            &format!("{base}/triage"),
            &manager,
            Some(&etag.clone()),
            json!({"decision": "accept"}),
        )
        .await,
        "triage",
        &mut etag,
    );
    let case = step(
        change(
            &app,
            &format!("{base}/acknowledgement"),
            &investigator,
            Some(&etag.clone()),
            json!({"understanding": "The bin was missed three weeks running", "method": "email"}),
        )
        .await,
        "acknowledge",
        &mut etag,
    );
    let response_due = case["stages"][0]["response_due"]
        .as_str()
        .expect("due")
        .to_string();
    // Under the Code from the acknowledgement (today), under Dudley from receipt (today too).
    assert_eq!(
        response_due,
        due(today.to_string(), days("response", "stage_1")).await,
        "{preset}"
    );
    step(
        change(
            &app,
            &format!("{base}/assignment"),
            &head,
            Some(&etag.clone()),
            json!({"investigator": "officer-17"}),
        )
        .await,
        "assign",
        &mut etag,
    );

    let new_due = due(response_due.clone(), 5).await;
    let asked = change(
        &app,
        &format!("{base}/extensions"),
        &investigator,
        Some(&etag.clone()),
        json!({"reason": "Waiting for the crew's records", "new_response_due": new_due}),
    )
    .await;
    assert_eq!(asked.status, 201, "{preset}: {}", asked.text());
    let extension = asked.json()["id"].as_i64().expect("id");
    etag = asked.header("etag").expect("etag");
    let case = step(
        change(
            &app,
            &format!("{base}/extensions/{extension}/decision"),
            &head,
            Some(&etag.clone()),
            json!({"decision": "agree", "customer_told_at": chrono::Utc::now().to_rfc3339()}),
        )
        .await,
        "extend",
        &mut etag,
    );
    assert_eq!(
        case["stages"][0]["response_due"].as_str(),
        Some(new_due.as_str())
    );

    let drafted = app
        .post(
            &format!("{base}/responses"),
            &investigator,
            &draft("not_upheld", None),
        )
        .await;
    let response = drafted.json()["id"].as_i64().expect("id");
    let case = step(
        change(
            &app,
            &format!("{base}/responses/{response}/approval"),
            &head,
            Some(&etag.clone()),
            json!({}),
        )
        .await,
        "send stage 1",
        &mut etag,
    );
    assert_eq!(case["stages"][0]["responded_on_time"], true);

    let mut request = json!({"reason": "The response missed my photo evidence"});
    if grounds {
        request["grounds"] = json!(["overlooked_evidence"]);
    }
    let case = step(
        change(
            &app,
            &format!("{base}/escalations"),
            &customer,
            Some(&etag.clone()),
            request,
        )
        .await,
        "ask for stage 2",
        &mut etag,
    );
    assert_eq!(
        case["stages"][1]["acknowledgement_due"].as_str(),
        Some(
            due(today.to_string(), days("acknowledge", "stage_2"))
                .await
                .as_str()
        )
    );
    let case = step(
        change(
            &app,
            &format!("{base}/acknowledgement"),
            &manager,
            Some(&etag.clone()),
            json!({"understanding": "The bin was missed three weeks running", "method": "letter"}),
        )
        .await,
        "acknowledge stage 2",
        &mut etag,
    );
    assert_eq!(
        case["stages"][1]["response_due"].as_str(),
        Some(
            due(today.to_string(), days("response", "stage_2"))
                .await
                .as_str()
        )
    );
    step(
        change(
            &app,
            &format!("{base}/assignment"),
            &manager,
            Some(&etag.clone()),
            json!({"investigator": "h-senior", "investigator_role": "head_of_service"}),
        )
        .await,
        "reassign at stage 2",
        &mut etag,
    );
    // An upheld response sets out its remedies: promised before it is sent.
    let promised = app
        .post(
            &format!("{base}/remedies"),
            &manager,
            &json!({"type": "apology", "description": "A written apology",
                    "due": "2027-01-15", "owner": "h-senior"}),
        )
        .await;
    assert_eq!(promised.status, 201, "{preset}: {}", promised.text());
    let senior = app.head_of_service("h-senior", &["waste-care"]);
    let drafted = app
        .post(
            &format!("{base}/responses"),
            &senior,
            &draft("upheld", Some("We are sorry.")),
        )
        .await;
    assert_eq!(drafted.status, 201, "{preset}: {}", drafted.text());
    let response = drafted.json()["id"].as_i64().expect("id");
    let case = step(
        change(
            &app,
            &format!("{base}/responses/{response}/approval"),
            &manager,
            Some(&etag.clone()),
            json!({}),
        )
        .await,
        "send stage 2",
        &mut etag,
    );
    assert_eq!(case["stages"][1]["outcome"], "upheld");
    step(
        change(
            &app,
            &format!("{base}/closure"),
            &manager,
            Some(&etag.clone()),
            json!({"outstanding_remedies_reason": "The written apology goes with the stage 2 response"}),
        )
        .await,
        "close",
        &mut etag,
    );
    let case = step(change(&app, &format!("{base}/ombudsman-referral"), &manager, Some(&etag.clone()),
        json!({"body": "lgsco", "their_reference": "26 001 234", "referred_on": today.to_string()})).await, "refer", &mut etag);
    assert_eq!(case["stage"], "ombudsman");
    let case = step(change(&app, &format!("{base}/ombudsman-decision"), &manager, Some(&etag.clone()),
        json!({"decision": "upheld_fault", "decided_on": today.to_string(),
               "recommendations": [{"action": "Pay £100 for time and trouble", "due": "2027-01-31"}]})).await, "decision", &mut etag);
    assert_eq!(case["ombudsman"]["decision"], "upheld_fault");

    let staff = app.get(&format!("{base}/timeline"), &manager).await.json();
    let story: Vec<&str> = staff["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(
        story,
        vec![
            "received",
            "triaged",
            "acknowledged",
            "assigned",
            "extension_requested",
            "extended",
            "response_drafted",
            "response_sent",
            "escalated",
            "acknowledged",
            "assigned",
            "remedy_promised",
            "response_drafted",
            "response_sent",
            "closed",
            // Closed after its stage 2 response: the customer is asked how stage 2 was handled.
            "survey_invited",
            "referred_to_ombudsman",
            "ombudsman_decision",
        ],
        "{preset}"
    );
    let public = app.get(&format!("{base}/timeline"), &customer).await.json();
    let told: Vec<&str> = public["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(
        told,
        vec![
            "received",
            "triaged",
            "acknowledged",
            "extended",
            "response_sent",
            "escalated",
            "acknowledged",
            "remedy_promised",
            "response_sent",
            "closed",
            "referred_to_ombudsman",
            "ombudsman_decision",
        ],
        "{preset}"
    );
}

#[actix_web::test]
async fn a_complaints_whole_journey_under_the_complaint_handling_code() {
    whole_journey("complaint_handling_code", false).await;
}

#[actix_web::test]
async fn a_complaints_whole_journey_under_dudley() {
    whole_journey("dudley_2019", true).await;
}

#[actix_web::test]
async fn the_ombudsman_only_sees_complaints_the_council_has_answered() {
    let app = spawn_app().await;
    let (reference, etag) = under_investigation(&app, "quin").await;
    let base = format!("/api/v1/cases/{reference}");
    let body = json!({"body": "housing_ombudsman", "their_reference": "HO-1", "referred_on": "2026-01-05"});
    change(
        &app,
        &format!("{base}/ombudsman-referral"),
        &app.manager(),
        Some(&etag),
        body.clone(),
    )
    .await
    .problem(409, "/problems/conflict");
    change(
        &app,
        &format!("{base}/ombudsman-referral"),
        &app.head_of_service("h", &["waste-care"]),
        Some(&etag),
        body,
    )
    .await
    .problem(403, "/problems/forbidden");
    let bad = change(
        &app,
        &format!("{base}/ombudsman-referral"),
        &app.manager(),
        Some(&etag),
        json!({"body": "parliament", "referred_on": "2099-01-01"}),
    )
    .await;
    let mut fields = bad.invalid_fields();
    fields.sort();
    assert_eq!(fields, vec!["body", "referred_on", "their_reference"]);
    change(
        &app,
        &format!("{base}/ombudsman-decision"),
        &app.manager(),
        Some(&etag),
        json!({"decision": "premature", "decided_on": "2026-01-05"}),
    )
    .await
    .problem(409, "/problems/conflict");
}

#[actix_web::test]
async fn remedies_are_promised_tracked_until_done_and_overdue_ones_listed() {
    let app = spawn_app().await;
    let customer = app.customer("rae");
    let officer = app.officer("officer-17", &["waste-care"]);
    let (fresh, _) = new_complaint(&app, complaint()).await;
    let promise = json!({"type": "service_provided", "description": "Collect the green bin on Friday", "due": "2025-12-05", "owner": "crew-lead-4"});
    app.post(
        &format!("/api/v1/cases/{fresh}/remedies"),
        &app.manager(),
        &promise,
    )
    .await
    .problem(409, "/problems/conflict");

    let (reference, etag) = under_investigation(&app, "rae").await;
    let path = format!("/api/v1/cases/{reference}/remedies");
    app.post(&path, &customer, &promise)
        .await
        .problem(403, "/problems/forbidden");
    let mut fields = app
        .post(
            &path,
            &officer,
            &json!({"type": "financial", "description": "x", "due": "2026-12-01", "owner": "o"}),
        )
        .await
        .invalid_fields();
    fields.sort();
    assert_eq!(fields, vec!["amount"]);
    assert_eq!(
        app.post(
            &path,
            &officer,
            &with(promise.clone(), json!({"amount": {"amount_pence": 100}}))
        )
        .await
        .invalid_fields(),
        vec!["amount"]
    );

    let overdue = app.post(&path, &officer, &promise).await;
    assert_eq!(overdue.status, 201, "{}", overdue.text());
    assert_eq!(overdue.json()["overdue"], true);
    let money = app.post(&path, &officer, &json!({"type": "financial", "description": "Time and trouble payment", "due": "2027-01-15",
        "owner": "finance-1", "amount": {"amount_pence": 5000, "currency": "GBP"}})).await;
    assert_eq!(money.status, 201, "{}", money.text());
    assert_eq!(money.json()["amount"]["amount_pence"], 5000);

    let listed = app
        .get("/api/v1/remedies?overdue=true", &app.manager())
        .await
        .json();
    let ids: Vec<i64> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|r| r["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![overdue.json()["id"].as_i64().expect("id")]);
    assert_eq!(listed["items"][0]["case_reference"], reference.as_str());
    let elsewhere = app
        .get("/api/v1/remedies", &app.officer("o-roads", &["highways"]))
        .await
        .json();
    assert_eq!(elsewhere["items"].as_array().map(Vec::len), Some(0));
    app.get("/api/v1/remedies", &customer)
        .await
        .problem(403, "/problems/forbidden");

    let seen = app
        .get(&format!("/api/v1/cases/{reference}"), &customer)
        .await
        .json();
    assert_eq!(seen["remedies"].as_array().map(Vec::len), Some(2));
    assert_eq!(seen["remedies"][0]["owner"], serde_json::Value::Null);

    let outcome = format!("{path}/{}/outcome", overdue.json()["id"]);
    let mut fields = change(
        &app,
        &outcome,
        &officer,
        Some(&etag),
        json!({"status": "promised"}),
    )
    .await
    .invalid_fields();
    fields.sort();
    assert_eq!(fields, vec!["done_on", "evidence", "status"]);
    let done = change(
        &app,
        &outcome,
        &officer,
        Some(&etag),
        json!({"status": "done", "done_on": "2025-12-05", "evidence": "Crew log 5 Dec"}),
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert_eq!(done.json()["remedies"][0]["status"], "done");
    let etag = done.header("etag").expect("etag");
    change(
        &app,
        &outcome,
        &officer,
        Some(&etag),
        json!({"status": "done", "done_on": "2025-12-05", "evidence": "again"}),
    )
    .await
    .problem(409, "/problems/conflict");
    let listed = app
        .get("/api/v1/remedies?overdue=true", &app.manager())
        .await
        .json();
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0));
}

#[actix_web::test]
async fn flags_and_links_are_recorded_for_staff_and_never_shown_to_the_customer() {
    let app = spawn_app().await;
    let manager = app.manager();
    let customer = app.customer("sam");
    let first = app.create_case(&customer, &complaint()).await;
    let second = app.create_case(&customer, &complaint()).await;
    let reference = first["reference"].as_str().expect("reference").to_string();
    let other = second["reference"].as_str().expect("reference").to_string();
    let base = format!("/api/v1/cases/{reference}");

    let flag = json!({"flag": "staff_conduct", "referred_to": "Waste Care crew line manager", "referred_on": "2026-11-20"});
    change(
        &app,
        &format!("{base}/flags"),
        &app.head_of_service("h", &["waste-care"]),
        Some("\"1\""),
        flag.clone(),
    )
    .await
    .problem(403, "/problems/forbidden");
    assert_eq!(
        change(
            &app,
            &format!("{base}/flags"),
            &manager,
            Some("\"1\""),
            json!({"flag": "gossip"})
        )
        .await
        .invalid_fields()
        .len(),
        3
    );
    let flagged = change(
        &app,
        &format!("{base}/flags"),
        &manager,
        Some("\"1\""),
        flag.clone(),
    )
    .await;
    assert_eq!(flagged.status, 200, "{}", flagged.text());
    let etag = flagged.header("etag").expect("etag");
    change(&app, &format!("{base}/flags"), &manager, Some(&etag), flag)
        .await
        .problem(409, "/problems/conflict");

    let linked = change(
        &app,
        &format!("{base}/links"),
        &manager,
        Some(&etag),
        json!({"reference": other}),
    )
    .await;
    assert_eq!(linked.status, 200, "{}", linked.text());
    let case = linked.json();
    assert_eq!(case["flags"][0]["flag"], "staff_conduct");
    assert_eq!(case["linked_cases"], json!([other]));
    let etag = linked.header("etag").expect("etag");
    assert_eq!(
        change(
            &app,
            &format!("{base}/links"),
            &manager,
            Some(&etag),
            json!({"reference": reference})
        )
        .await
        .invalid_fields(),
        vec!["reference"]
    );
    let back = app
        .get(&format!("/api/v1/cases/{other}"), &manager)
        .await
        .json();
    assert_eq!(back["linked_cases"], json!([reference]));

    let queue = app
        .get("/api/v1/cases?flag=staff_conduct", &manager)
        .await
        .json();
    assert_eq!(queue["items"].as_array().map(Vec::len), Some(1));
    let seen = app.get(&base, &customer).await;
    assert_eq!(seen.json()["flags"], json!([]));
    assert_eq!(seen.json()["linked_cases"], json!([]));
    assert!(!seen.text().contains("line manager"));
    assert!(!app
        .get(&format!("{base}/timeline"), &customer)
        .await
        .text()
        .contains("line manager"));
    assert_eq!(
        app.get("/api/v1/cases?flag=claim", &customer)
            .await
            .invalid_fields(),
        vec!["flag"]
    );
}

/// The document makes the withdrawal and closure bodies optional, with only
/// an optional `reason` in them: JSON `null` means "no reason given", like no
/// body at all.
#[actix_web::test]
async fn withdrawal_and_closure_take_null_or_no_body_as_no_reason() {
    let app = spawn_app().await;
    let manager = app.manager();
    for (body, kim) in [(None, "kim"), (Some(&b"null"[..]), "kim-2")] {
        // Two people: the same person's second complaint would be a possible duplicate.
        let customer = app.customer(kim);
        let case = app.create_case(&customer, &complaint()).await;
        let base = format!(
            "/api/v1/cases/{}",
            case["reference"].as_str().expect("reference")
        );
        let withdrawn = send_raw(
            &app,
            &format!("{base}/withdrawal"),
            &customer,
            "\"1\"",
            body,
        )
        .await;
        assert_eq!(
            withdrawn.status,
            200,
            "{:?}: {}",
            body.map(String::from_utf8_lossy),
            withdrawn.text()
        );
        assert_eq!(withdrawn.json()["status"], "withdrawn");
        let etag = withdrawn.header("etag").expect("etag");
        let closed = send_raw(&app, &format!("{base}/closure"), &manager, &etag, body).await;
        assert_eq!(
            closed.status,
            200,
            "{:?}: {}",
            body.map(String::from_utf8_lossy),
            closed.text()
        );
        assert_eq!(closed.json()["status"], "closed");

        let timeline = app.get(&format!("{base}/timeline"), &manager).await.json();
        let events: Vec<(&str, &serde_json::Value)> = timeline["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|e| e["type"].as_str().map(|t| (t, &e["details"]["reason"])))
            .collect();
        assert_eq!(
            events,
            vec![
                ("received", &serde_json::Value::Null),
                ("withdrawn", &serde_json::Value::Null),
                ("closed", &serde_json::Value::Null)
            ],
            "{timeline}"
        );
    }
}

#[actix_web::test]
async fn a_partner_reads_the_case_it_posted_but_neither_withdraws_it_nor_asks_for_stage_2() {
    let app = spawn_app().await;
    let partner = app.partner("acme-grounds-maintenance");
    let case = app
        .create_case(
            &partner,
            &with(
                complaint(),
                json!({"service": "green-care", "partner_reference": "ACME-1"}),
            ),
        )
        .await;
    let reference = case["reference"].as_str().expect("reference");
    let read = app
        .get(&format!("/api/v1/cases/{reference}"), &partner)
        .await;
    assert_eq!(read.status, 200, "{}", read.text());
    let etag = read.header("etag").expect("etag");
    for step in ["withdrawal", "escalations"] {
        change(
            &app,
            &format!("/api/v1/cases/{reference}/{step}"),
            &partner,
            Some(&etag),
            json!({"reason": "the contractor would rather it went away"}),
        )
        .await
        .problem(403, "/problems/forbidden");
    }
    // Nothing changed: the case is as the partner posted it.
    let after = app
        .get(&format!("/api/v1/cases/{reference}"), &partner)
        .await;
    assert_eq!(after.header("etag").as_deref(), Some(etag.as_str()));
    assert_eq!(after.json()["status"], "received");
}

#[actix_web::test]
async fn staff_see_every_flag_link_and_contributing_service_of_a_case_together_in_order() {
    let app = spawn_app().await;
    let manager = app.manager();
    let customer = app.customer("sam");
    let mut references = vec![];
    // About another service: not repeats of the accepted one (nor flagged as such).
    let elsewhere = with(complaint(), json!({"service": "highways"}));
    for _ in 0..3 {
        let case = app.create_case(&customer, &elsewhere).await;
        references.push(case["reference"].as_str().expect("reference").to_string());
    }
    let (reference, _) = accepted(&app).await;
    let base = format!("/api/v1/cases/{reference}");
    let mut etag = app.get(&base, &manager).await.header("etag").expect("etag");
    let steps = [
        (
            "flags",
            json!({"flag": "claim", "referred_to": "Insurance team", "referred_on": "2026-11-21"}),
        ),
        ("links", json!({"reference": references[2]})),
        ("contributing-services", json!({"service": "highways"})),
        (
            "flags",
            json!({"flag": "staff_conduct", "referred_to": "Crew line manager", "referred_on": "2026-11-20", "note": "Second"}),
        ),
        ("links", json!({"reference": references[0]})),
        ("contributing-services", json!({"service": "green-care"})),
    ];
    for (path, body) in steps {
        let changed = change(&app, &format!("{base}/{path}"), &manager, Some(&etag), body).await;
        assert_eq!(changed.status, 200, "{path}: {}", changed.text());
        etag = changed.header("etag").expect("etag");
    }
    let case = app.get(&base, &manager).await.json();
    // Flags in the order recorded; links and services sorted.
    assert_eq!(case["flags"][0]["flag"], "claim");
    assert_eq!(case["flags"][0]["referred_to"], "Insurance team");
    assert_eq!(case["flags"][0]["referred_on"], "2026-11-21");
    assert_eq!(case["flags"][0]["note"], serde_json::Value::Null);
    assert_eq!(case["flags"][1]["flag"], "staff_conduct");
    assert_eq!(case["flags"][1]["note"], "Second");
    assert_eq!(case["flags"].as_array().map(Vec::len), Some(2));
    assert_eq!(case["linked_cases"], json!([references[0], references[2]]));
    assert_eq!(
        case["contributing_services"],
        json!(["green-care", "highways"])
    );
}

#[actix_web::test]
async fn dates_in_bodies_outside_1900_to_2199_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let manager = app.manager();
    let (reference, etag) = responded(&app, "dee").await;
    let base = format!("/api/v1/cases/{reference}");
    let before = app.get(&base, &manager).await.header("etag");
    assert_eq!(before.as_deref(), Some(etag.as_str()));
    for (path, body, field) in [
        (
            "remedies",
            json!({"type": "apology", "description": "Say sorry", "due": "9999-12-31", "owner": "h"}),
            "due",
        ),
        (
            "flags",
            json!({"flag": "claim", "referred_to": "Insurance", "referred_on": "0000-01-01"}),
            "referred_on",
        ),
        (
            "ombudsman-referral",
            json!({"body": "lgsco", "their_reference": "L-1", "referred_on": "1066-10-14"}),
            "referred_on",
        ),
    ] {
        let refused = change(&app, &format!("{base}/{path}"), &manager, Some(&etag), body).await;
        assert_eq!(
            refused.invalid_fields(),
            vec![field],
            "{path}: {}",
            refused.text()
        );
    }
    // Nothing changed.
    assert_eq!(app.get(&base, &manager).await.header("etag"), before);
}

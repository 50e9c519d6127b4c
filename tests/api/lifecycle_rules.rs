//! The deadline and lifecycle rules found wrong by running the product as a council would
//! (issue 10), each stated as the policy says it. Expected dates are counted by hand from
//! gov.uk's England and Wales bank holidays, or with `add_working_days` below, which counts
//! day by day over that list and shares nothing with the service.

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use serde_json::{json, Value};

use crate::helpers::*;
use crate::lifecycle::{change, new_complaint};

/// England and Wales bank holidays 2026–2028, from gov.uk.
const BANK_HOLIDAYS: &[&str] = &[
    "2026-01-01",
    "2026-04-03",
    "2026-04-06",
    "2026-05-04",
    "2026-05-25",
    "2026-08-31",
    "2026-12-25",
    "2026-12-28",
    "2027-01-01",
    "2027-03-26",
    "2027-03-29",
    "2027-05-03",
    "2027-05-31",
    "2027-08-30",
    "2027-12-27",
    "2027-12-28",
    "2028-01-03",
    "2028-04-14",
    "2028-04-17",
    "2028-05-01",
    "2028-05-29",
    "2028-08-28",
    "2028-12-25",
    "2028-12-26",
];

fn working(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
        && !BANK_HOLIDAYS.contains(&date.to_string().as_str())
}

/// Day 0 is `from` (or the next working day); the `n`th working day after it.
fn add_working_days(from: NaiveDate, n: u32) -> NaiveDate {
    let mut date = from;
    while !working(date) {
        date += Duration::days(1);
    }
    for _ in 0..n {
        date += Duration::days(1);
        while !working(date) {
            date += Duration::days(1);
        }
    }
    date
}

/// Today in the UK: what the service counts a request made now from.
fn uk_today() -> NaiveDate {
    council_feedback::domain::clock::uk_date(Utc::now().naive_utc())
}

fn received(at: &str) -> Value {
    with(
        complaint(),
        json!({"channel": "letter", "received_at": at, "received_at_reason": "from the post"}),
    )
}

fn draft() -> Value {
    json!({
        "outcome": "not_upheld",
        "findings": [{"point": "The bin was missed", "finding": "Crew records show it was collected", "upheld": false}],
        "letter": "Dear Alex Example, ...",
        "understanding": "Your green bin was missed.",
        "outstanding_actions": []
    })
}

/// Everything stored, and the case as the manager sees it: a refused change leaves both as
/// they were.
async fn snapshot(app: &TestApp, reference: &str) -> (Vec<(String, i64)>, Value) {
    let case = app
        .get(&format!("/api/v1/cases/{reference}"), &app.manager())
        .await
        .json();
    (app.row_counts(), case)
}

/// Runs `path` with `body` as the manager and returns the new ETag, asserting 200.
async fn step(app: &TestApp, reference: &str, path: &str, etag: &str, body: Value) -> String {
    let response = change(
        app,
        &format!("/api/v1/cases/{reference}/{path}"),
        &app.manager(),
        Some(etag),
        body,
    )
    .await;
    assert_eq!(response.status, 200, "{path}: {}", response.text());
    response.header("etag").expect("etag")
}

/// A complaint received on `at`, accepted, acknowledged on `acknowledged` and answered now.
async fn answered(app: &TestApp, at: &str, acknowledged: &str) -> (String, String) {
    let (reference, etag) = new_complaint(app, received(at)).await;
    let etag = step(
        app,
        &reference,
        "triage",
        &etag,
        json!({"decision": "accept"}),
    )
    .await;
    let etag = step(
        app,
        &reference,
        "acknowledgement",
        &etag,
        json!({"understanding": "The bin was missed three weeks running", "method": "letter", "acknowledged_at": acknowledged}),
    )
    .await;
    let etag = step(
        app,
        &reference,
        "assignment",
        &etag,
        json!({"investigator": "officer-17"}),
    )
    .await;
    let drafted = app
        .post(
            &format!("/api/v1/cases/{reference}/responses"),
            &app.manager(),
            &draft(),
        )
        .await;
    assert_eq!(drafted.status, 201, "{}", drafted.text());
    let id = drafted.json()["id"].as_i64().expect("id");
    let etag = step(
        app,
        &reference,
        &format!("responses/{id}/approval"),
        &etag,
        json!({}),
    )
    .await;
    (reference, etag)
}

/// Stage 2 asked for now, on the customer's behalf.
async fn ask_for_stage_2(app: &TestApp, reference: &str, etag: &str, grounds: bool) -> String {
    let mut request = json!({"reason": "The crew's records are wrong"});
    if grounds {
        request["grounds"] = json!(["factual_error"]);
    }
    let response = change(
        app,
        &format!("/api/v1/cases/{reference}/escalations"),
        &app.manager(),
        Some(etag),
        request,
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text());
    response.header("etag").expect("etag")
}

#[actix_web::test]
async fn under_dudley_stage_2_is_due_twenty_working_days_from_the_request_not_the_complaint() {
    let app = spawn_app_with(&[("POLICY_PRESET", "dudley_2019")]).await;
    let (reference, etag) = answered(&app, "2026-06-01T09:00:00Z", "2026-06-02T09:00:00Z").await;
    let etag = ask_for_stage_2(&app, &reference, &etag, true).await;
    let asked = uk_today();
    let response = change(
        &app,
        &format!("/api/v1/cases/{reference}/acknowledgement"),
        &app.manager(),
        Some(&etag),
        json!({"understanding": "The bin was missed three weeks running", "method": "email"}),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text());
    let stage_2 = &response.json()["stages"][1];
    assert_eq!(stage_2["stage"], "stage_2");
    // Counted from the complaint's receipt (1 June 2026) it would have been 29 June 2026.
    assert_eq!(
        stage_2["response_due"],
        add_working_days(asked, 20).to_string()
    );
}

#[actix_web::test]
async fn a_stage_2_acknowledgement_dated_before_the_request_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let (reference, etag) = answered(&app, "2026-06-01T09:00:00Z", "2026-06-02T09:00:00Z").await;
    let etag = ask_for_stage_2(&app, &reference, &etag, false).await;
    let before = snapshot(&app, &reference).await;
    let yesterday = (Utc::now() - Duration::days(1)).to_rfc3339();
    let refused = change(
        &app,
        &format!("/api/v1/cases/{reference}/acknowledgement"),
        &app.manager(),
        Some(&etag),
        json!({"understanding": "The bin was missed three weeks running", "method": "email", "acknowledged_at": yesterday}),
    )
    .await;
    assert_eq!(refused.invalid_fields(), vec!["acknowledged_at"]);
    assert_eq!(snapshot(&app, &reference).await, before);
}

#[actix_web::test]
async fn under_walsall_an_extension_past_three_calendar_months_is_refused_naming_the_ceiling() {
    let app = spawn_app_with(&[("POLICY_PRESET", "walsall_proposal")]).await;
    // Received Thursday 1 October 2026: three months on is 1 January 2027, a bank holiday,
    // so the ceiling is Thursday 31 December 2026.
    let (reference, etag) = new_complaint(&app, received("2026-10-01T09:00:00Z")).await;
    let etag = step(
        &app,
        &reference,
        "triage",
        &etag,
        json!({"decision": "accept"}),
    )
    .await;
    let acknowledged = change(
        &app,
        &format!("/api/v1/cases/{reference}/acknowledgement"),
        &app.manager(),
        Some(&etag),
        json!({"understanding": "The bin was missed three weeks running", "method": "letter", "acknowledged_at": "2026-10-02T09:00:00Z", "grade": 1}),
    )
    .await;
    assert_eq!(acknowledged.status, 200, "{}", acknowledged.text());
    // Grade 1: 20 working days from receipt, Thursday 29 October.
    assert_eq!(
        acknowledged.json()["stages"][0]["response_due"],
        "2026-10-29"
    );
    let etag = acknowledged.header("etag").expect("etag");
    let path = format!("/api/v1/cases/{reference}/extensions");
    let agreed = json!({"agreed_at": "2026-10-20T10:00:00Z", "method": "telephone"});
    let before = snapshot(&app, &reference).await;
    let past = change(
        &app,
        &path,
        &app.manager(),
        Some(&etag),
        json!({"reason": "Complex", "new_response_due": "2027-01-04", "customer_agreement": agreed}),
    )
    .await;
    let problem = past.problem(422, "/problems/validation");
    assert_eq!(past.invalid_fields(), vec!["new_response_due"]);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("2026-12-31")),
        "{problem}"
    );
    assert_eq!(snapshot(&app, &reference).await, before);
    let at_ceiling = change(
        &app,
        &path,
        &app.manager(),
        Some(&etag),
        json!({"reason": "Complex", "new_response_due": "2026-12-31", "customer_agreement": agreed}),
    )
    .await;
    assert_eq!(at_ceiling.status, 201, "{}", at_ceiling.text());
}

#[actix_web::test]
async fn the_customers_agreement_to_a_longer_extension_is_recorded_with_when_and_how() {
    let app = spawn_app().await;
    let (reference, etag) = new_complaint(&app, received("2026-11-02T09:00:00Z")).await;
    let etag = step(
        &app,
        &reference,
        "triage",
        &etag,
        json!({"decision": "accept"}),
    )
    .await;
    // Acknowledged Friday 6 November: the Code's response is due Friday 20 November, and
    // ten working days more is Friday 4 December.
    let etag = step(
        &app,
        &reference,
        "acknowledgement",
        &etag,
        json!({"understanding": "The bin was missed three weeks running", "method": "letter", "acknowledged_at": "2026-11-06T09:00:00Z"}),
    )
    .await;
    let path = format!("/api/v1/cases/{reference}/extensions");
    let ask = |agreement: Value| json!({"reason": "Waiting for records", "new_response_due": "2026-12-07", "customer_agreement": agreement});
    let mut fields = change(
        &app,
        &path,
        &app.manager(),
        Some(&etag),
        ask(json!({"agreed_at": "2099-01-01T00:00:00Z", "method": "pigeon"})),
    )
    .await
    .invalid_fields();
    fields.sort();
    assert_eq!(
        fields,
        vec!["customer_agreement.agreed_at", "customer_agreement.method"]
    );
    assert_eq!(
        change(
            &app,
            &path,
            &app.manager(),
            Some(&etag),
            ask(json!({"method": "email"}))
        )
        .await
        .invalid_fields(),
        vec!["customer_agreement.agreed_at"]
    );
    let asked = change(
        &app,
        &path,
        &app.manager(),
        Some(&etag),
        ask(json!({"agreed_at": "2026-11-19T14:30:00Z", "method": "telephone"})),
    )
    .await;
    assert_eq!(asked.status, 201, "{}", asked.text());
    let extension = asked.json();
    assert_eq!(extension["working_days_beyond_original"], 11);
    assert_eq!(extension["customer_agreed"], true);
    assert_eq!(
        extension["customer_agreement"],
        json!({"agreed_at": "2026-11-19T14:30:00Z", "method": "telephone"})
    );
}

#[actix_web::test]
async fn an_outside_remit_referral_is_due_ten_working_days_from_receipt_not_from_triage() {
    let app = spawn_app().await;
    // Received Thursday 2 April 2026; Good Friday and Easter Monday pass: Monday 20 April.
    let (reference, etag) = new_complaint(&app, received("2026-04-02T09:00:00Z")).await;
    let response = change(
        &app,
        &format!("/api/v1/cases/{reference}/triage"),
        &app.manager(),
        Some(&etag),
        json!({"decision": "outside_remit", "organisation": "Severn Trent Water"}),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        response.json()["triage"]["details"]["referral_due"],
        "2026-04-20"
    );
}

#[actix_web::test]
async fn out_of_time_is_refused_unless_the_time_limit_is_really_exceeded() {
    let app = spawn_app().await;
    let path = |reference: &str| format!("/api/v1/cases/{reference}/triage");
    let body = json!({"decision": "out_of_time"});
    // A problem from 1 December 2025, raised on 20 November 2026: within 12 months.
    for problem in [Some("2025-12-01"), None] {
        let mut complaint = received("2026-11-20T09:00:00Z");
        match problem {
            Some(date) => complaint["problem_date"] = json!(date),
            None => {
                if let Some(fields) = complaint.as_object_mut() {
                    fields.remove("problem_date");
                }
            }
        }
        let (reference, etag) = new_complaint(&app, complaint).await;
        let before = snapshot(&app, &reference).await;
        let refused = change(
            &app,
            &path(&reference),
            &app.manager(),
            Some(&etag),
            body.clone(),
        )
        .await;
        assert_eq!(
            refused.invalid_fields(),
            vec!["problem_date"],
            "{problem:?}"
        );
        assert_eq!(snapshot(&app, &reference).await, before);
    }
    // 19 November 2025 to 20 November 2026 is over 12 months.
    let (reference, etag) = new_complaint(
        &app,
        with(
            received("2026-11-20T09:00:00Z"),
            json!({"problem_date": "2025-11-19"}),
        ),
    )
    .await;
    let late = change(&app, &path(&reference), &app.manager(), Some(&etag), body).await;
    assert_eq!(late.status, 200, "{}", late.text());
    assert_eq!(late.json()["status"], "out_of_time");
}

#[actix_web::test]
async fn under_dudley_a_complaint_resolved_informally_can_still_go_to_stage_1() {
    let app = spawn_app_with(&[("POLICY_PRESET", "dudley_2019")]).await;
    let (reference, etag) = new_complaint(&app, received("2026-11-02T09:00:00Z")).await;
    let etag = step(
        &app,
        &reference,
        "triage",
        &etag,
        json!({"decision": "resolve_informally", "resolution": "Bin collected the same day"}),
    )
    .await;
    let formal = change(
        &app,
        &format!("/api/v1/cases/{reference}/triage"),
        &app.manager(),
        Some(&etag),
        json!({"decision": "accept", "reason": "The customer is not satisfied"}),
    )
    .await;
    assert_eq!(formal.status, 200, "{}", formal.text());
    let case = formal.json();
    assert_eq!(case["status"], "open");
    assert_eq!(case["stage"], "stage_1");
    // It goes formal today: the acknowledgement is due five working days from today.
    assert_eq!(
        case["stages"][0]["acknowledgement_due"],
        add_working_days(uk_today(), 5).to_string()
    );
    // Any other decision is still refused once triaged.
    let etag = formal.header("etag").expect("etag");
    change(
        &app,
        &format!("/api/v1/cases/{reference}/triage"),
        &app.manager(),
        Some(&etag),
        json!({"decision": "service_request", "referral": "Waste team"}),
    )
    .await
    .problem(409, "/problems/conflict");
}

#[actix_web::test]
async fn under_the_code_asking_for_stage_2_reopens_a_complaint_closed_after_stage_1() {
    let app = spawn_app().await;
    let (reference, etag) = answered(&app, "2026-11-02T09:00:00Z", "2026-11-03T09:00:00Z").await;
    let etag = step(&app, &reference, "closure", &etag, json!({})).await;
    let response = change(
        &app,
        &format!("/api/v1/cases/{reference}/escalations"),
        &app.manager(),
        Some(&etag),
        json!({"reason": "The customer rang: still unhappy"}),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text());
    let case = response.json();
    assert_eq!(case["status"], "open");
    assert_eq!(case["stage"], "stage_2");
    assert_eq!(
        case["stages"][1]["acknowledgement_due"],
        add_working_days(uk_today(), 5).to_string()
    );
    let timeline = app
        .get(
            &format!("/api/v1/cases/{reference}/timeline"),
            &app.manager(),
        )
        .await
        .json();
    let last = timeline["items"]
        .as_array()
        .and_then(|items| items.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(last["type"], "escalated");
    assert_eq!(last["details"]["reopened"], true);
}

#[actix_web::test]
async fn a_case_with_a_promised_remedy_closes_only_once_it_is_done_or_with_the_managers_reason() {
    let app = spawn_app().await;
    let (reference, etag) = answered(&app, "2026-11-02T09:00:00Z", "2026-11-03T09:00:00Z").await;
    let promised = app
        .post(
            &format!("/api/v1/cases/{reference}/remedies"),
            &app.manager(),
            &json!({"type": "service_provided", "description": "Collect the green bin", "due": "2026-12-18", "owner": "crew-lead-4"}),
        )
        .await;
    assert_eq!(promised.status, 201, "{}", promised.text());
    let etag = app
        .get(&format!("/api/v1/cases/{reference}"), &app.manager())
        .await
        .header("etag")
        .unwrap_or(etag);
    let path = format!("/api/v1/cases/{reference}/closure");
    let head = app.head_of_service("h-waste", &["waste-care"]);
    let before = snapshot(&app, &reference).await;
    let refused = change(&app, &path, &head, Some(&etag), json!({})).await;
    let problem = refused.problem(409, "/problems/conflict");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("outstanding_remedies_reason")),
        "{problem}"
    );
    let not_theirs = change(
        &app,
        &path,
        &head,
        Some(&etag),
        json!({"outstanding_remedies_reason": "The crew will do it"}),
    )
    .await;
    assert_eq!(
        not_theirs.invalid_fields(),
        vec!["outstanding_remedies_reason"]
    );
    assert_eq!(snapshot(&app, &reference).await, before);
    let closed = change(
        &app,
        &path,
        &app.manager(),
        Some(&etag),
        json!({"outstanding_remedies_reason": "Tracked by the waste team's contract manager"}),
    )
    .await;
    assert_eq!(closed.status, 200, "{}", closed.text());
    assert_eq!(closed.json()["status"], "closed");
    let timeline = app
        .get(
            &format!("/api/v1/cases/{reference}/timeline"),
            &app.manager(),
        )
        .await
        .json();
    // The closure, then the satisfaction survey it invites the customer to.
    let items = timeline["items"].as_array().cloned().unwrap_or_default();
    let types: Vec<&str> = items
        .iter()
        .rev()
        .take(2)
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(types, vec!["survey_invited", "closed"]);
    let last = items.iter().rev().nth(1).cloned().unwrap_or_default();
    assert_eq!(
        last["details"]["outstanding_remedies_reason"],
        "Tracked by the waste team's contract manager"
    );
    assert_eq!(
        last["details"]["outstanding_remedies"],
        json!([promised.json()["id"]])
    );
}

#[actix_web::test]
async fn under_redditch_a_full_response_within_the_acknowledgement_time_is_the_acknowledgement() {
    let app = spawn_app_with(&[("POLICY_PRESET", "redditch")]).await;
    let (reference, etag) = new_complaint(&app, complaint()).await;
    let etag = step(
        &app,
        &reference,
        "triage",
        &etag,
        json!({"decision": "accept"}),
    )
    .await;
    let drafted = app
        .post(
            &format!("/api/v1/cases/{reference}/responses"),
            &app.manager(),
            &draft(),
        )
        .await;
    let id = drafted.json()["id"].as_i64().expect("id");
    let path = format!("/api/v1/cases/{reference}/responses/{id}/approval");
    let before = snapshot(&app, &reference).await;
    let unsaid = change(&app, &path, &app.manager(), Some(&etag), json!({})).await;
    assert_eq!(unsaid.invalid_fields(), vec!["method"]);
    assert_eq!(snapshot(&app, &reference).await, before);
    let sent = change(
        &app,
        &path,
        &app.manager(),
        Some(&etag),
        json!({"method": "email"}),
    )
    .await;
    assert_eq!(sent.status, 200, "{}", sent.text());
    let stage = &sent.json()["stages"][0];
    let today = uk_today();
    assert_eq!(stage["acknowledged_on_time"], true);
    assert_eq!(stage["acknowledgement_method"], "email");
    assert_eq!(stage["acknowledged_at"], stage["responded_at"]);
    assert_eq!(stage["responded_on_time"], true);
    assert_eq!(stage["outcome"], "not_upheld");
    // Redditch: 15 working days from receipt.
    assert_eq!(
        stage["response_due"],
        add_working_days(today, 15).to_string()
    );
}

#[actix_web::test]
async fn a_response_sent_late_without_an_acknowledgement_is_still_refused() {
    let app = spawn_app_with(&[("POLICY_PRESET", "redditch")]).await;
    // Received Monday 2 November 2026: the acknowledgement was due Wednesday 4 November.
    let (reference, etag) = new_complaint(&app, received("2026-11-02T09:00:00Z")).await;
    let etag = step(
        &app,
        &reference,
        "triage",
        &etag,
        json!({"decision": "accept"}),
    )
    .await;
    let drafted = app
        .post(
            &format!("/api/v1/cases/{reference}/responses"),
            &app.manager(),
            &draft(),
        )
        .await;
    let id = drafted.json()["id"].as_i64().expect("id");
    change(
        &app,
        &format!("/api/v1/cases/{reference}/responses/{id}/approval"),
        &app.manager(),
        Some(&etag),
        json!({"method": "email"}),
    )
    .await
    .problem(409, "/problems/conflict");
}

#[actix_web::test]
async fn a_response_sent_on_paper_is_recorded_with_the_date_it_was_really_sent() {
    let app = spawn_app_with(&[("POLICY_PRESET", "dudley_2019")]).await;
    let (reference, etag) = new_complaint(&app, received("2026-11-02T09:00:00Z")).await;
    let etag = step(
        &app,
        &reference,
        "triage",
        &etag,
        json!({"decision": "accept"}),
    )
    .await;
    let etag = step(
        &app,
        &reference,
        "acknowledgement",
        &etag,
        json!({"understanding": "The bin was missed three weeks running", "method": "letter", "acknowledged_at": "2026-11-03T09:00:00Z"}),
    )
    .await;
    // Triaged on Monday 2 November, as it would have been.
    {
        use diesel::prelude::*;
        let mut conn = app.db.connection().expect("connection");
        let conn: &mut council_feedback::db::DbConnection = &mut conn;
        diesel::sql_query("UPDATE case_stages SET opened_at = '2026-11-02 10:00:00'")
            .execute(conn)
            .expect("open the stage on 2 November");
    }
    let drafted = app
        .post(
            &format!("/api/v1/cases/{reference}/responses"),
            &app.manager(),
            &draft(),
        )
        .await;
    let id = drafted.json()["id"].as_i64().expect("id");
    let path = format!("/api/v1/cases/{reference}/responses/{id}/approval");
    let before = snapshot(&app, &reference).await;
    let manager = app.manager();
    let send = |body: Value| change(&app, &path, &manager, Some(&etag), body);
    let future = (Utc::now() + Duration::days(2)).to_rfc3339();
    assert_eq!(
        send(json!({"sent_at": future, "sent_at_reason": "x"}))
            .await
            .invalid_fields(),
        vec!["sent_at"]
    );
    assert_eq!(
        send(json!({"sent_at": "2026-11-01T10:00:00Z", "sent_at_reason": "Posted"}))
            .await
            .invalid_fields(),
        vec!["sent_at"]
    );
    assert_eq!(
        send(json!({"sent_at": "2026-11-27T16:00:00Z"}))
            .await
            .invalid_fields(),
        vec!["sent_at_reason"]
    );
    assert_eq!(snapshot(&app, &reference).await, before);
    let sent = send(json!({"sent_at": "2026-11-27T16:00:00Z", "sent_at_reason": "Posted first class on Friday; entered on Monday"})).await;
    assert_eq!(sent.status, 200, "{}", sent.text());
    let stage = &sent.json()["stages"][0];
    assert_eq!(stage["responded_at"], "2026-11-27T16:00:00Z");
    // Dudley: due 20 working days from receipt, Monday 30 November; sent Friday 27th.
    assert_eq!(stage["response_due"], "2026-11-30");
    assert_eq!(stage["responded_on_time"], true);
    // The stage 2 window runs 20 working days from the day it was sent: 28 December is the
    // Boxing Day substitute, so Friday 25 Dec and Monday 28 Dec pass: Tuesday 29 December.
    assert_eq!(stage["escalation_window_closes"], "2026-12-29");
    assert_eq!(
        sent.json()["responses"][0]["sent_at"],
        "2026-11-27T16:00:00Z"
    );
}

#[actix_web::test]
async fn a_change_addressed_by_a_lower_case_reference_answers_with_the_case() {
    let app = spawn_app().await;
    let (reference, etag) = new_complaint(&app, complaint()).await;
    let lower = reference.to_lowercase();
    let etag = step(&app, &lower, "triage", &etag, json!({"decision": "accept"})).await;
    let etag = step(
        &app,
        &lower,
        "acknowledgement",
        &etag,
        json!({"understanding": "The bin was missed three weeks running", "method": "email"}),
    )
    .await;
    let response = change(
        &app,
        &format!("/api/v1/cases/{lower}/withdrawal"),
        &app.manager(),
        Some(&etag),
        json!({"reason": "The customer rang to withdraw"}),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.json()["reference"], reference.as_str());
    assert_eq!(response.json()["status"], "withdrawn");
}

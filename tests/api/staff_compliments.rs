//! Compliments for staff (issue 14 §6): forwarding records the staff named by their staff id
//! as well as the name the customer used; compliments are counted by staff member, read by
//! the staff member, their Head of Service and the complaints manager; the performance report
//! shows the services and staff most complimented. And complaints about a worker's English
//! language fluency (issue 14 §7): referred at triage to the worker's manager and counted apart.

use chrono::NaiveDate;
use council_feedback::app::time::Now;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::lifecycle::{change, new_complaint};

/// A compliment (or comment) about `service`, logged by an officer, received at `received_at`.
async fn feedback(app: &TestApp, kind: &str, service: &str, received_at: &str) -> (String, String) {
    new_complaint(
        app,
        with(
            complaint(),
            json!({
                "kind": kind,
                "service": service,
                "category": null,
                "summary": "Thank you to the team",
                "description": "They went out of their way to help.",
                "desired_outcome": null,
                "problem_date": null,
                "received_at": received_at,
                "received_at_reason": "from the post"
            }),
        ),
    )
    .await
}

/// Passes a compliment on to `staff` as the officer of its service.
async fn forward(app: &TestApp, case: &(String, String), service: &str, staff: Value) {
    let response = change(
        app,
        &format!("/api/v1/cases/{}/forwarding", case.0),
        &app.officer("o-forward", &[service]),
        Some(&case.1),
        json!({ "staff": staff }),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text());
}

async fn compliments_of(app: &TestApp, token: &str, query: &str) -> TestResponse {
    app.get(&format!("/api/v1/reports/compliments?{query}"), token)
        .await
}

/// The references, and the names used, of a report's compliments, in order.
fn listed(report: &Value) -> Vec<(String, String, String, String)> {
    report["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| {
            let text = |key: &str| c[key].as_str().unwrap_or_default().to_string();
            (
                text("reference"),
                text("service"),
                text("received_on"),
                text("name_used"),
            )
        })
        .collect()
}

/// Six pieces of feedback, of which three compliments in 2026 name jo.bloggs by id (two at
/// Waste Care, one at Libraries), one names sam.driver, one from 2025 names jo.bloggs, one
/// names Jo by name only, and a comment names jo.bloggs (a comment is not a compliment).
struct Compliments {
    a: String,
    b: String,
    c: String,
}

async fn seed(app: &TestApp) -> Compliments {
    let a = feedback(app, "compliment", "waste-care", "2026-03-02T10:00:00Z").await;
    forward(
        app,
        &a,
        "waste-care",
        json!([{"name": "Jo Bloggs", "staff_id": "jo.bloggs"}, "the driver"]),
    )
    .await;
    let b = feedback(app, "compliment", "waste-care", "2026-04-10T14:30:00Z").await;
    forward(
        app,
        &b,
        "waste-care",
        json!([
            {"name": "Jo", "staff_id": "jo.bloggs"},
            {"name": "Sam Driver", "staff_id": "sam.driver"}
        ]),
    )
    .await;
    let c = feedback(
        app,
        "compliment",
        "libraries-archives",
        "2026-05-05T09:00:00Z",
    )
    .await;
    forward(
        app,
        &c,
        "libraries-archives",
        json!([{"name": "Joanne Bloggs", "staff_id": "jo.bloggs"}]),
    )
    .await;
    // Before the period.
    let d = feedback(app, "compliment", "waste-care", "2025-12-01T11:00:00Z").await;
    forward(
        app,
        &d,
        "waste-care",
        json!([{"name": "Jo Bloggs", "staff_id": "jo.bloggs"}]),
    )
    .await;
    // The old shape: names only, so nobody's count.
    let e = feedback(app, "compliment", "waste-care", "2026-06-01T10:00:00Z").await;
    forward(app, &e, "waste-care", json!(["Jo Bloggs"])).await;
    // A comment is passed on too, but is no compliment.
    let f = feedback(app, "comment", "waste-care", "2026-03-03T10:00:00Z").await;
    forward(
        app,
        &f,
        "waste-care",
        json!([{"name": "Jo Bloggs", "staff_id": "jo.bloggs"}]),
    )
    .await;
    Compliments {
        a: a.0,
        b: b.0,
        c: c.0,
    }
}

fn item(
    reference: &str,
    service: &str,
    received_on: &str,
    name: &str,
) -> (String, String, String, String) {
    (
        reference.to_string(),
        service.to_string(),
        received_on.to_string(),
        name.to_string(),
    )
}

#[actix_web::test]
async fn compliments_count_for_each_member_of_staff_named_by_id_as_counted_by_hand() {
    let app = spawn_app().await;
    let seeded = seed(&app).await;
    let year = "from=2026-01-01&to=2026-12-31";

    // Jo, in 2026: A and B at Waste Care, C at Libraries (D is 2025's, E named Jo by name
    // only, F is a comment).
    let own = compliments_of(
        &app,
        &app.officer("jo.bloggs", &["waste-care"]),
        &format!("staff=jo.bloggs&{year}"),
    )
    .await;
    assert_eq!(own.status, 200, "{}", own.text());
    let own = own.json();
    assert_eq!(own["staff_id"], "jo.bloggs");
    assert_eq!(
        own["period"],
        json!({"from": "2026-01-01", "to": "2026-12-31"})
    );
    assert_eq!(own["services"], Value::Null);
    assert_eq!(own["count"], 3);
    assert_eq!(
        listed(&own),
        vec![
            item(&seeded.a, "waste-care", "2026-03-02", "Jo Bloggs"),
            item(&seeded.b, "waste-care", "2026-04-10", "Jo"),
            item(
                &seeded.c,
                "libraries-archives",
                "2026-05-05",
                "Joanne Bloggs"
            ),
        ]
    );

    // The complaints manager sees the same; over two years, D too.
    let managed = compliments_of(&app, &app.manager(), &format!("staff=jo.bloggs&{year}"))
        .await
        .json();
    assert_eq!(managed["count"], 3);
    let longer = compliments_of(
        &app,
        &app.manager(),
        "staff=jo.bloggs&from=2025-01-01&to=2026-12-31",
    )
    .await
    .json();
    assert_eq!(longer["count"], 4);

    // Waste Care's Head of Service: the two of their service.
    let head = compliments_of(
        &app,
        &app.head_of_service("hos-waste", &["waste-care"]),
        &format!("staff=jo.bloggs&{year}"),
    )
    .await
    .json();
    assert_eq!(head["services"], json!(["waste-care"]));
    assert_eq!(head["count"], 2);
    assert_eq!(
        listed(&head),
        vec![
            item(&seeded.a, "waste-care", "2026-03-02", "Jo Bloggs"),
            item(&seeded.b, "waste-care", "2026-04-10", "Jo"),
        ]
    );

    // Sam: B only.
    let sam = compliments_of(
        &app,
        &app.officer("sam.driver", &["waste-care"]),
        &format!("staff=sam.driver&{year}"),
    )
    .await
    .json();
    assert_eq!(sam["count"], 1);
    assert_eq!(
        listed(&sam),
        vec![item(&seeded.b, "waste-care", "2026-04-10", "Sam Driver")]
    );

    // The case shows who it was passed to: names (as before) and who they are.
    let case = app
        .get(&format!("/api/v1/cases/{}", seeded.a), &app.manager())
        .await
        .json();
    assert_eq!(
        case["feedback"]["forwarded_to_staff"],
        json!(["Jo Bloggs", "the driver"])
    );
    assert_eq!(
        case["feedback"]["forwarded_to"],
        json!([
            {"name": "Jo Bloggs", "staff_id": "jo.bloggs"},
            {"name": "the driver", "staff_id": null}
        ])
    );

    // The performance report: Waste Care has A, B and E (3), Libraries C (1); Jo is named in
    // three compliments, Sam in one.
    let report = app
        .get(
            &format!("/api/v1/reports/performance?{year}"),
            &app.manager(),
        )
        .await
        .json();
    assert_eq!(
        report["top_services_complimented"],
        json!([
            {"service": "waste-care", "count": 3},
            {"service": "libraries-archives", "count": 1}
        ])
    );
    assert_eq!(
        report["top_staff_complimented"],
        json!([
            {"staff_id": "jo.bloggs", "count": 3},
            {"staff_id": "sam.driver", "count": 1}
        ])
    );
    // Waste Care's Head of Service: their service's compliments only.
    let theirs = app
        .get(
            &format!("/api/v1/reports/performance?{year}"),
            &app.head_of_service("hos-waste", &["waste-care"]),
        )
        .await
        .json();
    assert_eq!(
        theirs["top_staff_complimented"],
        json!([
            {"staff_id": "jo.bloggs", "count": 2},
            {"staff_id": "sam.driver", "count": 1}
        ])
    );
}

#[actix_web::test]
async fn a_member_of_staff_s_compliments_are_refused_to_colleagues_customers_and_partners() {
    let app = spawn_app().await;
    seed(&app).await;
    let query = "staff=jo.bloggs&from=2026-01-01&to=2026-12-31";
    for token in [
        app.officer("sam.driver", &["waste-care"]),
        app.customer("jo.bloggs"),
        app.partner("jo.bloggs"),
    ] {
        compliments_of(&app, &token, query)
            .await
            .problem(403, "/problems/forbidden");
    }
    // A Head of Service of another service sees none of Jo's at Waste Care or Libraries.
    let other = compliments_of(
        &app,
        &app.head_of_service("hos-food", &["food-safety"]),
        query,
    )
    .await
    .json();
    assert_eq!(other["count"], 0);
    assert_eq!(other["items"], json!([]));
    // Whose compliments must be said.
    assert_eq!(
        compliments_of(&app, &app.manager(), "from=2026-01-01")
            .await
            .invalid_fields(),
        vec!["staff"]
    );
}

#[actix_web::test]
async fn a_member_of_staff_is_passed_a_compliment_once_and_a_bad_name_is_refused() {
    let app = spawn_app().await;
    let case = feedback(&app, "compliment", "waste-care", "2026-03-02T10:00:00Z").await;
    let before = app.row_counts();
    let path = format!("/api/v1/cases/{}/forwarding", case.0);
    let officer = app.officer("o-forward", &["waste-care"]);
    let refused = change(
        &app,
        &path,
        &officer,
        Some(&case.1),
        json!({"staff": [
            {"name": "Jo Bloggs", "staff_id": "jo.bloggs"},
            {"name": "Jo", "staff_id": "jo.bloggs"},
            "  ",
            {"name": "Sam", "staff_id": ""}
        ]}),
    )
    .await;
    assert_eq!(
        refused.invalid_fields(),
        vec!["staff[1].staff_id", "staff[2]", "staff[3].staff_id"]
    );
    assert_eq!(app.row_counts(), before);
}

async fn triage(app: &TestApp, token: &str, case: &(String, String), body: Value) -> TestResponse {
    let path = format!("/api/v1/cases/{}/triage", case.0);
    change(app, &path, token, Some(&case.1), body).await
}

/// A complaint about a worker's English language fluency, received Monday 2 March 2026.
async fn fluency_complaint(app: &TestApp, category: &str) -> (String, String) {
    new_complaint(
        app,
        with(
            complaint(),
            json!({
                "category": category,
                "summary": "Could not understand the officer at the housing desk",
                "description": "The officer could not follow what I said or explain the form in English.",
                "received_at": "2026-03-02T10:00:00Z",
                "received_at_reason": "from the post"
            }),
        ),
    )
    .await
}

#[actix_web::test]
async fn a_complaint_about_a_worker_s_english_fluency_goes_to_their_manager_and_is_counted_apart() {
    let app = spawn_app().await;
    let referred = fluency_complaint(&app, "english_fluency").await;
    let _waiting = fluency_complaint(&app, "english_fluency").await;
    let other = fluency_complaint(&app, "staff attitude").await;
    // Triage on Tuesday 10 March 2026.
    let triaged_on = NaiveDate::from_ymd_opt(2026, 3, 10).expect("date");
    let later = app
        .at(Now::Fixed(triaged_on.and_hms_opt(11, 0, 0).expect("11:00")))
        .await;
    let manager = later.manager();

    // Accepting it needs the worker's manager; naming one for another complaint is refused.
    assert_eq!(
        triage(&later, &manager, &referred, json!({"decision": "accept"}))
            .await
            .invalid_fields(),
        vec!["worker_manager"]
    );
    assert_eq!(
        triage(
            &later,
            &manager,
            &other,
            json!({"decision": "accept", "worker_manager": "housing.desk.manager"})
        )
        .await
        .invalid_fields(),
        vec!["worker_manager"]
    );
    let accepted = triage(
        &later,
        &manager,
        &referred,
        json!({"decision": "accept", "worker_manager": "housing.desk.manager"}),
    )
    .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text());
    let case = accepted.json();
    assert_eq!(case["status"], "open");
    assert_eq!(case["flags"].as_array().map(Vec::len), Some(1));
    assert_eq!(case["flags"][0]["flag"], "english_fluency");
    assert_eq!(case["flags"][0]["referred_to"], "housing.desk.manager");
    assert_eq!(case["flags"][0]["referred_on"], "2026-03-10");

    // In the work queue of fluency referrals, and on the timeline.
    let queue = later
        .get("/api/v1/cases?flag=english_fluency", &manager)
        .await
        .json();
    let references: Vec<&str> = queue["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["reference"].as_str())
        .collect();
    assert_eq!(references, vec![referred.0.as_str()]);
    let timeline = later
        .get(&format!("/api/v1/cases/{}/timeline", referred.0), &manager)
        .await
        .json();
    let flagged: Vec<&Value> = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["type"] == "flagged")
        .collect();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0]["details"]["flag"], "english_fluency");
    assert_eq!(flagged[0]["details"]["referred_to"], "housing.desk.manager");

    // Counted apart: two received in the category, one referred so far (the other awaits
    // triage; the third complaint is about attitude).
    let counted = json!({"received": 2, "referred_to_manager": 1});
    let performance = later
        .get(
            "/api/v1/reports/performance?from=2026-03-01&to=2026-03-31",
            &manager,
        )
        .await
        .json();
    assert_eq!(performance["english_fluency"], counted);
    let annual = later
        .get("/api/v1/reports/annual?year=2025", &manager)
        .await
        .json();
    assert_eq!(annual["english_fluency"], counted);
    let csv = later
        .send(
            awc::http::Method::GET,
            "/api/v1/reports/annual?year=2025",
            Some(&manager),
            &[("Accept", "text/csv")],
            None,
        )
        .await
        .text();
    assert!(
        csv.contains(
            "table,measure,count\r\nenglish_fluency,received,2\r\n\
             english_fluency,referred to the worker's manager,1\r\n"
        ),
        "{csv}"
    );
}

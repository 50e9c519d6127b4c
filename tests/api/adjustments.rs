//! Reasonable adjustments kept under review (issue 14 §2; Complaint Handling Code 5.6), and
//! changing a person's details. The service runs on a fixed clock (Monday 2 November 2026,
//! 09:00, GMT) and the scheduler is run day by day after it. Review dates are worked out by
//! hand on the England and Wales calendar with the default reminder of 2 working days:
//! November and early December 2026 have no bank holidays.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{json, Value};

use council_feedback::app::time::Now;
use council_feedback::jobs::{self, JobSettings};

use crate::helpers::*;
use crate::lifecycle::change;

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("instant")
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

/// The scheduler, as the job loop runs it, at 09:00 on each day from `from` to `to`.
async fn scheduler(app: &TestApp, from: &str, to: &str) {
    let mut date = day(from);
    while date <= day(to) {
        let settings = JobSettings {
            now: Now::Fixed(date.and_hms_opt(9, 0, 0).expect("09:00")),
            ..JobSettings::from_settings(
                &settings_for("sqlite://unused.db", &[]),
                Default::default(),
            )
            .expect("settings")
        };
        jobs::alerts::round(&app.db, &settings)
            .await
            .expect("scheduler");
        date = date.succ_opt().expect("next day");
    }
}

/// The review alerts on these cases' timelines, oldest first: (type, case, adjustment, due,
/// the day given).
async fn review_alerts(
    app: &TestApp,
    cases: &[&str],
) -> Vec<(String, String, Value, String, String)> {
    let mut alerts = Vec::new();
    for reference in cases {
        let page = app
            .get(
                &format!("/api/v1/cases/{reference}/timeline?limit=200"),
                &app.manager(),
            )
            .await;
        assert_eq!(page.status, 200, "{}", page.text());
        alerts.extend(
            page.json()["items"]
                .as_array()
                .expect("items")
                .iter()
                .filter(|e| e["details"]["deadline"] == "adjustment_review")
                .map(|e| {
                    (
                        e["type"].as_str().unwrap_or_default().to_string(),
                        reference.to_string(),
                        e["details"]["adjustment"].clone(),
                        e["details"]["due"].as_str().unwrap_or_default().to_string(),
                        e["occurred_at"].as_str().unwrap_or_default()[..10].to_string(),
                    )
                }),
        );
    }
    alerts.sort_by(|a, b| (&a.4, &a.0).cmp(&(&b.4, &b.0)));
    alerts
}

/// A complaint from customer `subject` about waste: its reference and the customer's person.
async fn complaint_from(app: &TestApp, subject: &str, changes: Value) -> (String, i64) {
    let case = app
        .create_case(&app.customer(subject), &with(complaint(), changes))
        .await;
    let reference = case["reference"].as_str().expect("reference").to_string();
    let staff_view = app
        .get(&format!("/api/v1/cases/{reference}"), &app.manager())
        .await
        .json();
    let person = staff_view["person_id"].as_i64().expect("person_id");
    (reference, person)
}

async fn patch(
    app: &TestApp,
    path: &str,
    token: &str,
    etag: Option<&str>,
    body: Value,
) -> TestResponse {
    let headers: Vec<(&str, &str)> = etag.map(|e| vec![("If-Match", e)]).unwrap_or_default();
    app.send(
        awc::http::Method::PATCH,
        path,
        Some(token),
        &headers,
        Some(body.to_string().into_bytes()),
    )
    .await
}

#[actix_web::test]
async fn an_adjustment_is_shown_on_the_case_reviewed_when_due_moved_by_a_review_and_ended() {
    let app = spawn_app_at(Now::Fixed(at("2026-11-02 09:00")), &[]).await;
    let officer = app.officer("officer-17", &["waste-care"]);
    let (reference, person) = complaint_from(&app, "alex", json!({})).await;
    let adjustments = format!("/api/v1/people/{person}/adjustments");

    // Agreed today (Monday 2 November), reviewed by Friday 20 November.
    let agreed = app
        .post(
            &adjustments,
            &officer,
            &json!({"kind": "interpreter", "language": "Polish", "review_due": "2026-11-20",
                    "case": reference}),
        )
        .await;
    assert_eq!(agreed.status, 201, "{}", agreed.text());
    let id = agreed.json()["id"].as_i64().expect("id");
    assert_eq!(
        agreed.header("location").as_deref(),
        Some(format!("/api/v1/people/{person}/adjustments/{id}").as_str())
    );
    assert_eq!(agreed.header("etag").as_deref(), Some("\"1\""));
    let in_force = json!({
        "id": id, "person_id": person, "kind": "interpreter", "language": "Polish",
        "details": null, "agreed_on": "2026-11-02", "agreed_by": "officer-17",
        "case": reference, "review_due": "2026-11-20", "in_force": true, "ended_on": null,
        "reviews": [], "created_at": "2026-11-02T09:00:00Z", "updated_at": "2026-11-02T09:00:00Z"
    });
    assert_eq!(agreed.json(), in_force);

    // The case shows it in force: to staff in full, to the customer without who agreed it.
    let case = app
        .get(&format!("/api/v1/cases/{reference}"), &officer)
        .await;
    assert_eq!(case.json()["adjustments"], json!([in_force]));
    let own = app
        .get(&format!("/api/v1/cases/{reference}"), &app.customer("alex"))
        .await;
    assert_eq!(own.status, 200, "{}", own.text());
    let mut as_customer = in_force.clone();
    as_customer["agreed_by"] = Value::Null;
    assert_eq!(own.json()["adjustments"], json!([as_customer]));

    // Due Friday 20 November: warned Wednesday 18th (2 working days before), missed on the
    // first working day after, Monday 23rd.
    scheduler(&app, "2026-11-03", "2026-11-23").await;
    let first = vec![
        (
            "deadline_approaching".to_string(),
            reference.clone(),
            json!(id),
            "2026-11-20".to_string(),
            "2026-11-18".to_string(),
        ),
        (
            "deadline_missed".into(),
            reference.clone(),
            json!(id),
            "2026-11-20".into(),
            "2026-11-23".into(),
        ),
    ];
    assert_eq!(review_alerts(&app, &[&reference]).await, first);
    let timeline = app
        .get(
            &format!("/api/v1/cases/{reference}/timeline?limit=200"),
            &app.manager(),
        )
        .await
        .json();
    let missed: Vec<Value> = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| {
            e["type"] == "deadline_missed" && e["details"]["deadline"] == "adjustment_review"
        })
        .map(|e| e["details"].clone())
        .collect();
    assert_eq!(
        missed,
        vec![
            json!({"deadline": "adjustment_review", "stage": null, "due": "2026-11-20",
                    "remedy": null, "learning_action": null, "adjustment": id})
        ]
    );

    // Reviewed on Tuesday 24 November: continued to Friday 18 December. Warned Wednesday 16th,
    // missed Monday 21st; the old date says nothing more.
    let later = app.at(Now::Fixed(at("2026-11-24 10:00"))).await;
    let path = format!("{adjustments}/{id}/reviews");
    let stale = change(
        &later,
        &path,
        &officer,
        Some("\"7\""),
        json!({"outcome": "continued", "next_review_due": "2026-12-18", "note": "Still needed"}),
    )
    .await;
    stale.problem(412, "/problems/precondition-failed");
    let continued = change(
        &later,
        &path,
        &officer,
        Some("\"1\""),
        json!({"outcome": "continued", "next_review_due": "2026-12-18",
               "note": "Spoke to Ms Example: still needs a Polish interpreter"}),
    )
    .await;
    assert_eq!(continued.status, 200, "{}", continued.text());
    assert_eq!(continued.header("etag").as_deref(), Some("\"2\""));
    let body = continued.json();
    assert_eq!(body["review_due"], "2026-12-18");
    assert_eq!(body["in_force"], true);
    assert_eq!(
        body["reviews"],
        json!([{"outcome": "continued", "note": "Spoke to Ms Example: still needs a Polish interpreter",
                "reviewed_on": "2026-11-24", "reviewed_by": "officer-17",
                "next_review_due": "2026-12-18", "replaced": null,
                "reviewed_at": "2026-11-24T10:00:00Z"}])
    );
    scheduler(&app, "2026-11-24", "2026-12-21").await;
    let mut moved = first.clone();
    moved.push((
        "deadline_approaching".into(),
        reference.clone(),
        json!(id),
        "2026-12-18".into(),
        "2026-12-16".into(),
    ));
    moved.push((
        "deadline_missed".into(),
        reference.clone(),
        json!(id),
        "2026-12-18".into(),
        "2026-12-21".into(),
    ));
    assert_eq!(review_alerts(&app, &[&reference]).await, moved);
    drop(later);

    // Ended on Tuesday 22 December: kept for the record, gone from the case, no more alerts.
    let end = app.at(Now::Fixed(at("2026-12-22 11:30"))).await;
    let ended = change(
        &end,
        &path,
        &officer,
        Some("\"2\""),
        json!({"outcome": "ended", "note": "Ms Example now prefers to write in English"}),
    )
    .await;
    assert_eq!(ended.status, 200, "{}", ended.text());
    assert_eq!(ended.json()["in_force"], false);
    assert_eq!(ended.json()["ended_on"], "2026-12-22");
    assert_eq!(ended.json()["review_due"], Value::Null);
    let again = change(
        &end,
        &path,
        &officer,
        Some("\"3\""),
        json!({"outcome": "continued", "next_review_due": "2027-06-01", "note": "Again"}),
    )
    .await;
    let problem = again.problem(409, "/problems/conflict");
    assert_eq!(
        problem["detail"],
        "the adjustment ended on 2026-12-22: agree a new one if it is needed again"
    );
    drop(end);
    let case = app
        .get(&format!("/api/v1/cases/{reference}"), &officer)
        .await;
    assert_eq!(case.json()["adjustments"], json!([]));
    let listed = app.get(&adjustments, &officer).await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    let items = listed.json()["items"].clone();
    assert_eq!(items.as_array().map(Vec::len), Some(1));
    assert_eq!(items[0]["in_force"], false);
    let outcomes: Vec<Value> = items[0]["reviews"]
        .as_array()
        .expect("reviews")
        .iter()
        .map(|r| r["outcome"].clone())
        .collect();
    assert_eq!(outcomes, vec![json!("continued"), json!("ended")]);
    scheduler(&app, "2026-12-22", "2027-01-31").await;
    assert_eq!(review_alerts(&app, &[&reference]).await, moved);
}

#[actix_web::test]
async fn a_review_goes_to_the_persons_running_case_once_the_agreed_one_closes_and_moves_with_a_merge(
) {
    let app = spawn_app_at(Now::Fixed(at("2026-11-02 09:00")), &[]).await;
    let officer = app.officer("officer-17", &["waste-care"]);
    let manager = app.manager();
    let (kept_case, kept) = complaint_from(&app, "alex", json!({})).await;
    // A telephone complaint logged for the same resident under another name and number.
    let logged = app
        .create_case(
            &officer,
            &with(
                complaint(),
                json!({"channel": "telephone",
                       "customer": {"name": "Sam Other", "email": "sam@example.org",
                                    "phone": "01632 960999"}}),
            ),
        )
        .await;
    let other_case = logged["reference"].as_str().expect("reference").to_string();
    let other = logged["person_id"].as_i64().expect("person_id");
    assert_ne!(kept, other);
    let agreed = app
        .post(
            &format!("/api/v1/people/{other}/adjustments"),
            &officer,
            &json!({"kind": "named_contact", "details": "Jo Bloggs, waste team leader",
                    "review_due": "2026-11-20", "case": other_case}),
        )
        .await;
    assert_eq!(agreed.status, 201, "{}", agreed.text());
    let id = agreed.json()["id"].as_i64().expect("id");
    // The case it was agreed on is withdrawn, and the record merged into the first person's.
    let etag = app
        .get(&format!("/api/v1/cases/{other_case}"), &manager)
        .await
        .header("etag");
    let withdrawn = change(
        &app,
        &format!("/api/v1/cases/{other_case}/withdrawal"),
        &manager,
        etag.as_deref(),
        json!({"reason": "Resolved by phone"}),
    )
    .await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.text());
    let person_etag = app
        .get(&format!("/api/v1/people/{kept}"), &manager)
        .await
        .header("etag");
    let merged = change(
        &app,
        &format!("/api/v1/people/{kept}/merges"),
        &manager,
        person_etag.as_deref(),
        json!({"person_id": other, "reason": "Same resident: one record from a phone call"}),
    )
    .await;
    assert_eq!(merged.status, 200, "{}", merged.text());

    // The adjustment is the kept person's, read through either record, and shown on their case.
    for record in [kept, other] {
        let listed = app
            .get(&format!("/api/v1/people/{record}/adjustments"), &officer)
            .await;
        assert_eq!(listed.status, 200, "{}", listed.text());
        let items = listed.json()["items"].clone();
        assert_eq!(items.as_array().map(Vec::len), Some(1));
        assert_eq!(
            (items[0]["id"].clone(), items[0]["person_id"].clone()),
            (json!(id), json!(kept))
        );
    }
    let case = app
        .get(&format!("/api/v1/cases/{kept_case}"), &officer)
        .await;
    let shown: Vec<Value> = case.json()["adjustments"]
        .as_array()
        .expect("adjustments")
        .iter()
        .map(|a| json!([a["id"], a["kind"], a["details"], a["case"]]))
        .collect();
    assert_eq!(
        shown,
        vec![json!([
            id,
            "named_contact",
            "Jo Bloggs, waste team leader",
            other_case
        ])]
    );
    // A record merged away takes no new adjustment: the person kept does.
    let refused = app
        .post(
            &format!("/api/v1/people/{other}/adjustments"),
            &officer,
            &json!({"kind": "large_print", "review_due": "2027-01-29"}),
        )
        .await;
    refused.problem(409, "/problems/conflict");

    // Due Friday 20 November: warned Wednesday 18th and missed Monday 23rd, on the timeline of
    // the person's running case, not the withdrawn one it was agreed on.
    scheduler(&app, "2026-11-03", "2026-11-23").await;
    assert_eq!(
        review_alerts(&app, &[&kept_case, &other_case]).await,
        vec![
            (
                "deadline_approaching".to_string(),
                kept_case.clone(),
                json!(id),
                "2026-11-20".to_string(),
                "2026-11-18".to_string(),
            ),
            (
                "deadline_missed".into(),
                kept_case.clone(),
                json!(id),
                "2026-11-20".into(),
                "2026-11-23".into(),
            ),
        ]
    );
}

#[actix_web::test]
async fn a_persons_next_case_takes_the_review_of_an_adjustment_whose_case_has_closed() {
    let app = spawn_app_at(Now::Fixed(at("2026-11-02 09:00")), &[]).await;
    let officer = app.officer("officer-17", &["waste-care"]);
    let manager = app.manager();
    let (first, person) = complaint_from(&app, "alex", json!({})).await;
    let agreed = app
        .post(
            &format!("/api/v1/people/{person}/adjustments"),
            &officer,
            &json!({"kind": "large_print", "review_due": "2026-11-20", "case": first}),
        )
        .await;
    assert_eq!(agreed.status, 201, "{}", agreed.text());
    let id = agreed.json()["id"].as_i64().expect("id");
    let etag = app
        .get(&format!("/api/v1/cases/{first}"), &manager)
        .await
        .header("etag");
    let withdrawn = change(
        &app,
        &format!("/api/v1/cases/{first}/withdrawal"),
        &manager,
        etag.as_deref(),
        json!({"reason": "Resolved by phone"}),
    )
    .await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.text());
    // With no case running, the review waits; Alex's next complaint carries it.
    let (next, again) = complaint_from(&app, "alex", json!({"service": "highways"})).await;
    assert_eq!(again, person);
    // Due Friday 20 November: warned Wednesday 18th and missed Monday 23rd, on the new case.
    scheduler(&app, "2026-11-03", "2026-11-23").await;
    assert_eq!(
        review_alerts(&app, &[&first, &next]).await,
        vec![
            (
                "deadline_approaching".to_string(),
                next.clone(),
                json!(id),
                "2026-11-20".to_string(),
                "2026-11-18".to_string(),
            ),
            (
                "deadline_missed".into(),
                next.clone(),
                json!(id),
                "2026-11-20".into(),
                "2026-11-23".into(),
            ),
        ]
    );
}

#[actix_web::test]
async fn adjustments_are_checked_and_seen_only_by_staff_of_the_persons_services_and_the_person() {
    let app = spawn_app_at(Now::Fixed(at("2026-11-02 09:00")), &[]).await;
    let officer = app.officer("officer-17", &["waste-care"]);
    let elsewhere = app.officer("officer-40", &["planning"]);
    let (reference, person) = complaint_from(&app, "alex", json!({})).await;
    let (_, stranger) = complaint_from(
        &app,
        "sam",
        json!({"customer": {"name": "Sam Other", "email": "sam@example.org", "phone": "01632 960999"}}),
    )
    .await;
    let path = format!("/api/v1/people/{person}/adjustments");
    let good = json!({"kind": "large_print", "review_due": "2026-12-01"});

    // An officer of another service, another customer, a partner: not found, or not allowed.
    let not_theirs = app.post(&path, &elsewhere, &good).await;
    not_theirs.problem(404, "/problems/not-found");
    app.get(&path, &elsewhere)
        .await
        .problem(404, "/problems/not-found");
    app.get(&path, &app.customer("sam"))
        .await
        .problem(404, "/problems/not-found");
    app.post(&path, &app.customer("alex"), &good)
        .await
        .problem(403, "/problems/forbidden");
    app.get(&path, &app.partner("contractor-1"))
        .await
        .problem(403, "/problems/forbidden");

    // The vocabulary and the dates.
    let cases = [
        (
            json!({"kind": "sign_language", "review_due": "2026-12-01"}),
            vec!["kind"],
        ),
        (
            json!({"kind": "interpreter", "review_due": "2026-12-01"}),
            vec!["language"],
        ),
        (
            json!({"kind": "braille", "language": "Welsh", "review_due": "2026-12-01"}),
            vec!["language"],
        ),
        (
            json!({"kind": "other", "review_due": "2026-12-01"}),
            vec!["details"],
        ),
        (json!({"kind": "audio"}), vec!["review_due"]),
        (
            json!({"kind": "audio", "agreed_on": "2026-11-03", "review_due": "2026-12-01"}),
            vec!["agreed_on"],
        ),
        (
            json!({"kind": "audio", "agreed_on": "2026-10-01", "review_due": "2026-10-01"}),
            vec!["review_due"],
        ),
        (
            json!({"kind": "audio", "review_due": "2026-12-01", "case": "CMP-2026-999999"}),
            vec!["case"],
        ),
    ];
    for (body, fields) in cases {
        let refused = app.post(&path, &officer, &body).await;
        assert_eq!(refused.status, 422, "{body}: {}", refused.text());
        assert_eq!(refused.invalid_fields(), fields, "{body}");
    }

    // Agreed on another person's case: refused.
    let (other_reference, _) = (reference.clone(), stranger);
    let stranger_case = app
        .get(&format!("/api/v1/people/{stranger}/cases"), &app.manager())
        .await
        .json()["items"][0]["reference"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let wrong_case = app
        .post(
            &path,
            &officer,
            &json!({"kind": "audio", "review_due": "2026-12-01", "case": stranger_case}),
        )
        .await;
    assert_eq!(wrong_case.invalid_fields(), vec!["case"]);

    // The customer's own adjustment on their own case; never another person's.
    let agreed = app.post(&path, &officer, &good).await;
    assert_eq!(agreed.status, 201, "{}", agreed.text());
    let id = agreed.json()["id"].as_i64().expect("id");
    let own = app.get(&path, &app.customer("alex")).await;
    assert_eq!(own.status, 200, "{}", own.text());
    assert_eq!(own.json()["items"][0]["agreed_by"], Value::Null);
    let single = format!("{path}/{id}");
    app.get(&single, &elsewhere)
        .await
        .problem(404, "/problems/not-found");
    app.get(
        &format!("/api/v1/people/{stranger}/adjustments/{id}"),
        &app.manager(),
    )
    .await
    .problem(404, "/problems/not-found");
    let sams_case = app
        .get(
            &format!("/api/v1/cases/{stranger_case}"),
            &app.customer("sam"),
        )
        .await;
    assert_eq!(sams_case.json()["adjustments"], json!([]));
    let _ = other_reference;
    // Staff (wrongly) record Sam's case as Alex's: staff see Alex's adjustment there, Sam
    // still never does.
    let case_etag = app
        .get(&format!("/api/v1/cases/{stranger_case}"), &app.manager())
        .await
        .header("etag");
    let put = app
        .send(
            awc::http::Method::PUT,
            &format!("/api/v1/cases/{stranger_case}/person"),
            Some(&app.manager()),
            &[("If-Match", case_etag.as_deref().unwrap_or(""))],
            Some(json!({"person_id": person}).to_string().into_bytes()),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text());
    let shown = |case: &Value| -> Vec<Value> {
        case["adjustments"]
            .as_array()
            .map(|a| a.iter().map(|a| a["id"].clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(shown(&put.json()), vec![json!(id)]);
    let sams_case = app
        .get(
            &format!("/api/v1/cases/{stranger_case}"),
            &app.customer("sam"),
        )
        .await;
    assert_eq!(sams_case.status, 200, "{}", sams_case.text());
    assert_eq!(shown(&sams_case.json()), Vec::<Value>::new());

    // Reviews: the rules of each outcome.
    let reviews = format!("{single}/reviews");
    let bad_reviews = [
        (json!({"outcome": "paused", "note": "x"}), vec!["outcome"]),
        (
            json!({"outcome": "continued", "note": "x"}),
            vec!["next_review_due"],
        ),
        (
            json!({"outcome": "continued", "note": "x", "next_review_due": "2026-11-02"}),
            vec!["next_review_due"],
        ),
        (
            json!({"outcome": "changed", "note": "x", "next_review_due": "2027-01-04"}),
            vec!["kind"],
        ),
        (
            json!({"outcome": "changed", "note": "x", "next_review_due": "2027-01-04",
                   "kind": "large_print"}),
            vec!["kind"],
        ),
        (
            json!({"outcome": "ended", "note": "x", "next_review_due": "2027-01-04"}),
            vec!["next_review_due"],
        ),
        (json!({"outcome": "ended", "note": "  "}), vec!["note"]),
    ];
    for (body, fields) in bad_reviews {
        let refused = change(&app, &reviews, &officer, Some("\"1\""), body.clone()).await;
        assert_eq!(refused.status, 422, "{body}: {}", refused.text());
        assert_eq!(refused.invalid_fields(), fields, "{body}");
    }
    change(
        &app,
        &reviews,
        &officer,
        None,
        json!({"outcome": "ended", "note": "x"}),
    )
    .await
    .problem(428, "/problems/precondition-required");
    change(
        &app,
        &reviews,
        &elsewhere,
        Some("\"1\""),
        json!({"outcome": "ended", "note": "x"}),
    )
    .await
    .problem(404, "/problems/not-found");
    // Changed: the new terms, the old ones kept on the review.
    let changed = change(
        &app,
        &reviews,
        &officer,
        Some("\"1\""),
        json!({"outcome": "changed", "kind": "easy_read", "next_review_due": "2027-01-04",
               "note": "Large print was not enough: easy read agreed"}),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    let body = changed.json();
    assert_eq!(
        (body["kind"].clone(), body["review_due"].clone()),
        (json!("easy_read"), json!("2027-01-04"))
    );
    assert_eq!(
        body["reviews"][0]["replaced"],
        json!({"kind": "large_print", "language": null, "details": null})
    );
}

#[actix_web::test]
async fn staff_change_a_persons_details_with_if_match_and_matching_follows_them() {
    let app = spawn_app_at(Now::Fixed(at("2026-11-02 09:00")), &[]).await;
    let officer = app.officer("officer-17", &["waste-care"]);
    let (_, person) = complaint_from(&app, "alex", json!({})).await;
    let path = format!("/api/v1/people/{person}");

    app.get(&path, &officer).await.header("etag");
    let changed = patch(
        &app,
        &path,
        &officer,
        Some("\"1\""),
        json!({"email": "Alex.New@Example.org", "phone": "+44 1632 960002",
               "address": "2 Station Road, Dudley", "postcode": "dy1 2bb",
               "preferred_contact": "telephone", "language": "Welsh"}),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert_eq!(changed.header("etag").as_deref(), Some("\"2\""));
    let body = changed.json();
    assert_eq!(
        [
            &body["name"],
            &body["email"],
            &body["phone"],
            &body["address"],
            &body["postcode"],
            &body["preferred_contact"],
            &body["language"],
        ],
        [
            &json!("Alex Example"),
            &json!("Alex.New@Example.org"),
            &json!("+44 1632 960002"),
            &json!("2 Station Road, Dudley"),
            &json!("DY1 2BB"),
            &json!("telephone"),
            &json!("Welsh"),
        ]
    );
    // Matching uses the new address and number, compared as keys.
    for query in ["email=alex.new%40example.org", "phone=01632%20960002"] {
        let found = app
            .get(&format!("/api/v1/people?{query}"), &app.manager())
            .await
            .json();
        let ids: Vec<Value> = found["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["id"].clone())
            .collect();
        assert_eq!(ids, vec![json!(person)], "{query}");
    }
    let old = app
        .get("/api/v1/people?email=alex%40example.org", &app.manager())
        .await
        .json();
    assert_eq!(old["items"], json!([]));

    // null clears; a field left out stays.
    let cleared = patch(
        &app,
        &path,
        &officer,
        Some("\"2\""),
        json!({"address": null}),
    )
    .await;
    assert_eq!(cleared.status, 200, "{}", cleared.text());
    assert_eq!(cleared.json()["address"], Value::Null);
    assert_eq!(cleared.json()["postcode"], "DY1 2BB");

    // A stale or missing If-Match, checked fields, another service's officer.
    patch(
        &app,
        &path,
        &officer,
        Some("\"2\""),
        json!({"name": "Alex Q Example"}),
    )
    .await
    .problem(412, "/problems/precondition-failed");
    patch(
        &app,
        &path,
        &officer,
        None,
        json!({"name": "Alex Q Example"}),
    )
    .await
    .problem(428, "/problems/precondition-required");
    let invalid = patch(
        &app,
        &path,
        &officer,
        Some("\"3\""),
        json!({"name": null, "email": "not an address", "phone": "12",
               "preferred_contact": "pigeon", "postcode": "ABCDEFGHIJK"}),
    )
    .await;
    assert_eq!(invalid.status, 422, "{}", invalid.text());
    assert_eq!(
        invalid.invalid_fields(),
        vec!["email", "name", "phone", "postcode", "preferred_contact"]
    );
    patch(
        &app,
        &path,
        &app.officer("officer-40", &["planning"]),
        Some("\"3\""),
        json!({"name": "Alex Q Example"}),
    )
    .await
    .problem(404, "/problems/not-found");
    patch(
        &app,
        &path,
        &app.customer("alex"),
        Some("\"3\""),
        json!({"name": "A"}),
    )
    .await
    .problem(403, "/problems/forbidden");
    let renamed = patch(
        &app,
        &path,
        &officer,
        Some("\"3\""),
        json!({"name": " Alex Q Example "}),
    )
    .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text());
    assert_eq!(renamed.json()["name"], "Alex Q Example");
}

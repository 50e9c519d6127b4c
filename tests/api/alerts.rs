//! Deadline alerts (issue 12 §5): the service runs on a fixed clock (Monday 2 November 2026,
//! 09:00), and the scheduler is run day by day after it, as the clock moves on. Every date
//! below is worked out by hand on the Complaint Handling Code (acknowledge within 5 working
//! days of receipt, respond within 10 of the acknowledgement, extend by up to 10) and the
//! default reminder of 2 working days; November and early December 2026 have no bank holidays.

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

/// The scheduler, as the job loop runs it, at 09:00 on `date`.
async fn scheduler_on(app: &TestApp, date: NaiveDate) -> Vec<&'static str> {
    let settings = JobSettings {
        now: Now::Fixed(date.and_hms_opt(9, 0, 0).expect("09:00")),
        ..JobSettings::from_settings(&settings_for("sqlite://unused.db", &[]), Default::default())
            .expect("settings")
    };
    jobs::alerts::round(&app.db, &settings)
        .await
        .expect("scheduler")
        .alerts
}

/// Every day from `from` to `to`, twice a day: an alert is given once however often the
/// scheduler looks.
async fn days(app: &TestApp, from: &str, to: &str) -> usize {
    let mut given = 0;
    let mut date = day(from);
    while date <= day(to) {
        given += scheduler_on(app, date).await.len();
        assert!(scheduler_on(app, date).await.is_empty(), "twice on {date}");
        date = date.succ_opt().expect("next day");
    }
    given
}

/// The alerts in the feed: (case, type, stage, due, the day given).
async fn alerts_in_feed(app: &TestApp) -> Vec<(String, String, Value, Value, String)> {
    app.feed_settled().await;
    let page = app
        .get(
            "/api/v1/events?types=deadline.approaching,deadline.missed,remedy.overdue&limit=200",
            &app.manager(),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.text());
    page.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            (
                e["data"]["case"].as_str().unwrap_or_default().to_string(),
                e["type"].as_str().unwrap_or_default().to_string(),
                e["data"]["stage"].clone(),
                e["data"]["due"].clone(),
                e["timestamp"].as_str().unwrap_or_default()[..10].to_string(),
            )
        })
        .collect()
}

async fn accepted_and_acknowledged(app: &TestApp) -> (String, String) {
    let case = app.create_case(&app.customer("erin"), &complaint()).await;
    let reference = case["reference"].as_str().expect("reference").to_string();
    let base = format!("/api/v1/cases/{reference}");
    let manager = app.manager();
    let triaged = change(
        app,
        &format!("{base}/triage"),
        &manager,
        Some("\"1\""),
        json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(triaged.status, 200, "{}", triaged.text());
    let ack = change(
        app,
        &format!("{base}/acknowledgement"),
        &manager,
        triaged.header("etag").as_deref(),
        json!({"understanding": "The bin was missed three weeks running", "method": "email"}),
    )
    .await;
    assert_eq!(ack.status, 200, "{}", ack.text());
    assert_eq!(ack.json()["stages"][0]["response_due"], "2026-11-16");
    (reference, ack.header("etag").expect("etag"))
}

#[actix_web::test]
async fn each_missed_deadline_is_warned_of_once_and_said_missed_once_and_an_extension_moves_them() {
    let app = spawn_app_at(Now::Fixed(at("2026-11-02 09:00")), &[]).await;
    let manager = app.manager();
    // A: received and never acknowledged. Due Monday 9 November: warned Thursday 5th, missed
    // Tuesday 10th.
    let a = app.create_case(&app.customer("ann"), &complaint()).await["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    // B: acknowledged at once (that deadline is met: no alert), the response due Monday 16
    // November: warned Thursday 12th.
    let (b, etag) = accepted_and_acknowledged(&app).await;

    assert_eq!(days(&app, "2026-11-03", "2026-11-13").await, 3);
    let before_the_extension = vec![
        (
            a.clone(),
            "deadline.approaching".to_string(),
            json!("stage_1"),
            json!("2026-11-09"),
            "2026-11-05".to_string(),
        ),
        (
            a.clone(),
            "deadline.missed".into(),
            json!("stage_1"),
            json!("2026-11-09"),
            "2026-11-10".into(),
        ),
        (
            b.clone(),
            "deadline.approaching".into(),
            json!("stage_1"),
            json!("2026-11-16"),
            "2026-11-12".into(),
        ),
    ];
    assert_eq!(alerts_in_feed(&app).await, before_the_extension);

    // B's response is given until Monday 30 November (10 working days more): warned Thursday
    // 26th, missed Tuesday 1 December; nothing more is said of the 16th.
    let base = format!("/api/v1/cases/{b}");
    let head = app.head_of_service("h-waste", &["waste-care"]);
    let assigned = change(
        &app,
        &format!("{base}/assignment"),
        &head,
        Some(&etag),
        json!({"investigator": "officer-17"}),
    )
    .await;
    assert_eq!(assigned.status, 200, "{}", assigned.text());
    let asked = change(
        &app,
        &format!("{base}/extensions"),
        &app.officer("officer-17", &["waste-care"]),
        assigned.header("etag").as_deref(),
        json!({"reason": "Waiting for the contractor's records", "new_response_due": "2026-11-30"}),
    )
    .await;
    assert_eq!(asked.status, 201, "{}", asked.text());
    let agreed = change(
        &app,
        &format!("{base}/extensions/{}/decision", asked.json()["id"]),
        &head,
        asked.header("etag").as_deref(),
        json!({"decision": "agree", "customer_told_at": "2026-11-02T09:00:00Z"}),
    )
    .await;
    assert_eq!(agreed.status, 200, "{}", agreed.text());
    assert_eq!(agreed.json()["stages"][0]["response_due"], "2026-11-30");

    assert_eq!(days(&app, "2026-11-14", "2026-12-04").await, 2);
    // C: logged (on the service's clock, 2 November) and first looked at on Saturday 5
    // December, long after its acknowledgement was due: it is only said to be missed.
    let c = app.create_case(&app.customer("cal"), &complaint()).await["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    assert_eq!(days(&app, "2026-12-05", "2026-12-08").await, 1);

    let mut expected = before_the_extension;
    expected.extend([
        (
            b.clone(),
            "deadline.approaching".to_string(),
            json!("stage_1"),
            json!("2026-11-30"),
            "2026-11-26".to_string(),
        ),
        (
            b.clone(),
            "deadline.missed".into(),
            json!("stage_1"),
            json!("2026-11-30"),
            "2026-12-01".into(),
        ),
        (
            c.clone(),
            "deadline.missed".into(),
            json!("stage_1"),
            json!("2026-11-09"),
            "2026-12-05".into(),
        ),
    ]);
    assert_eq!(alerts_in_feed(&app).await, expected);

    // On B's timeline, for staff only: which deadline, given by the service itself.
    let timeline = app.get(&format!("{base}/timeline"), &manager).await.json();
    let alerts: Vec<&Value> = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| {
            e["type"]
                .as_str()
                .unwrap_or_default()
                .starts_with("deadline_")
        })
        .collect();
    assert_eq!(alerts.len(), 3);
    assert_eq!(alerts[2]["type"], "deadline_missed");
    assert_eq!(
        alerts[2]["details"],
        json!({"deadline": "extension", "stage": "stage_1", "due": "2026-11-30",
               "remedy": null, "learning_action": null})
    );
    assert_eq!(
        alerts[2]["actor"],
        json!({"role": "system", "subject": "council-feedback"})
    );
    assert_eq!(alerts[2]["visibility"], "internal");
    let seen = app
        .get(&format!("{base}/timeline"), &app.customer("erin"))
        .await
        .json();
    assert!(seen["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|e| !e["type"]
            .as_str()
            .unwrap_or_default()
            .starts_with("deadline_")));
}

/// (type, deadline, due) of each alert on a case's timeline, as staff see it.
async fn timeline_alerts(app: &TestApp, reference: &str) -> Vec<(String, Value, Value)> {
    let timeline = app
        .get(
            &format!("/api/v1/cases/{reference}/timeline?limit=200"),
            &app.manager(),
        )
        .await
        .json();
    timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| {
            let kind = e["type"].as_str().unwrap_or_default();
            kind.starts_with("deadline_") || kind.ends_with("_overdue")
        })
        .map(|e| {
            (
                e["type"].as_str().unwrap_or_default().to_string(),
                e["details"]["deadline"].clone(),
                e["details"]["due"].clone(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn remedies_and_learning_actions_are_said_overdue_once_and_never_once_done() {
    let app = spawn_app_at(Now::Fixed(at("2026-11-02 09:00")), &[]).await;
    let manager = app.manager();
    let officer = app.officer("officer-17", &["waste-care"]);
    // The response is due Monday 16 November: warned Thursday 12th, missed Tuesday 17th.
    let (b, _) = accepted_and_acknowledged(&app).await;
    let remedies = format!("/api/v1/cases/{b}/remedies");
    let promise = |description: &str| {
        json!({"type": "service_provided", "description": description,
               "due": "2026-11-20", "owner": "crew-lead-4"})
    };
    // Due Friday 20 November: warned Wednesday 18th, overdue Monday 23rd.
    let kept = app
        .post(&remedies, &officer, &promise("Collect the bin"))
        .await;
    assert_eq!(kept.status, 201, "{}", kept.text());
    let kept = kept.json()["id"].as_i64().expect("id");
    let done = app.post(&remedies, &officer, &promise("Say sorry")).await;
    assert_eq!(done.status, 201, "{}", done.text());
    let etag = app
        .get(&format!("/api/v1/cases/{b}"), &manager)
        .await
        .header("etag");
    let outcome = change(
        &app,
        &format!("{remedies}/{}/outcome", done.json()["id"]),
        &officer,
        etag.as_deref(),
        json!({"status": "done", "done_on": "2026-11-02", "evidence": "Letter sent"}),
    )
    .await;
    assert_eq!(outcome.status, 200, "{}", outcome.text());

    // Due Wednesday 25 November: warned Monday 23rd, overdue Thursday 26th.
    let action = |learned: &str| {
        json!({"learned": learned, "change_agreed": "Crews see assisted collections",
               "service": "waste-care", "owner": "Waste operations manager",
               "due": "2026-11-25", "cases": [b.clone()]})
    };
    let open = app
        .post("/api/v1/learning-actions", &manager, &action("Missed bins"))
        .await;
    assert_eq!(open.status, 201, "{}", open.text());
    let open = open.json()["id"].as_i64().expect("id");
    let completed = app
        .post(
            "/api/v1/learning-actions",
            &manager,
            &action("Rounds changed"),
        )
        .await;
    assert_eq!(completed.status, 201, "{}", completed.text());
    let finished = app
        .send(
            awc::http::Method::PATCH,
            &format!("/api/v1/learning-actions/{}", completed.json()["id"]),
            Some(&manager),
            &[(
                "If-Match",
                completed.header("etag").as_deref().unwrap_or(""),
            )],
            Some(
                json!({"status": "completed", "evidence": "In-cab devices updated"})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    assert_eq!(finished.status, 200, "{}", finished.text());

    assert_eq!(days(&app, "2026-11-03", "2026-11-30").await, 6);
    assert_eq!(
        timeline_alerts(&app, &b).await,
        vec![
            (
                "deadline_approaching".into(),
                json!("response"),
                json!("2026-11-16")
            ),
            (
                "deadline_missed".into(),
                json!("response"),
                json!("2026-11-16")
            ),
            (
                "deadline_approaching".into(),
                json!("remedy"),
                json!("2026-11-20")
            ),
            ("remedy_overdue".into(), Value::Null, json!("2026-11-20")),
            (
                "deadline_approaching".into(),
                json!("learning_action"),
                json!("2026-11-25")
            ),
            (
                "learning_action_overdue".into(),
                Value::Null,
                json!("2026-11-25")
            ),
        ]
    );
    app.feed_settled().await;
    let page = app
        .get(
            "/api/v1/events?types=remedy.overdue,learning_action.overdue",
            &manager,
        )
        .await
        .json();
    let overdue: Vec<(Value, Value, Value)> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            (
                e["type"].clone(),
                e["data"]["due"].clone(),
                e["timestamp"].clone(),
            )
        })
        .collect();
    assert_eq!(
        overdue,
        vec![
            (
                json!("remedy.overdue"),
                json!("2026-11-20"),
                json!("2026-11-23T09:00:00Z")
            ),
            (
                json!("learning_action.overdue"),
                json!("2026-11-25"),
                json!("2026-11-26T09:00:00Z")
            ),
        ]
    );
    // Which remedy and which learning action: on the timeline, for staff.
    let timeline = app
        .get(&format!("/api/v1/cases/{b}/timeline?limit=200"), &manager)
        .await
        .json();
    let details = |kind: &str| {
        timeline["items"]
            .as_array()
            .and_then(|items| items.iter().find(|e| e["type"] == kind))
            .map(|e| e["details"].clone())
            .unwrap_or_default()
    };
    assert_eq!(
        details("remedy_overdue"),
        json!({"remedy": kept, "due": "2026-11-20"})
    );
    assert_eq!(
        details("learning_action_overdue"),
        json!({"learning_action": open, "due": "2026-11-25"})
    );
}

#[actix_web::test]
async fn two_schedulers_at_once_give_each_alert_once() {
    let app = spawn_app_at(Now::Fixed(at("2026-11-02 09:00")), &[]).await;
    for n in 0..40 {
        app.create_case(&app.customer(&format!("c-{n}")), &complaint())
            .await;
    }
    // Both look on Thursday 5 November, when every acknowledgement (due Monday 9th) is two
    // working days away, then on Tuesday 10th, when each was missed.
    for date in ["2026-11-05", "2026-11-10"] {
        let (one, two) = futures_util::future::join(
            scheduler_on(&app, day(date)),
            scheduler_on(&app, day(date)),
        )
        .await;
        assert_eq!(one.len() + two.len(), 40, "{date}");
    }
    app.feed_settled().await;
    let page = app
        .get(
            "/api/v1/events?types=deadline.approaching,deadline.missed&limit=200",
            &app.manager(),
        )
        .await
        .json();
    let mut seen: Vec<(String, String)> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            (
                e["data"]["case"].as_str().unwrap_or_default().to_string(),
                e["type"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(seen.len(), 80);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 80, "no alert twice");
}

#[actix_web::test]
async fn a_database_from_before_the_alerts_gets_its_running_cases_deadlines_once() {
    use diesel::RunQueryDsl;
    let app = spawn_app_at(Now::Fixed(at("2026-11-02 09:00")), &[]).await;
    let waiting = app.create_case(&app.customer("ann"), &complaint()).await["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let (answered, _) = accepted_and_acknowledged(&app).await;
    let withdrawn = app.create_case(&app.customer("wyn"), &complaint()).await["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let gone = change(
        &app,
        &format!("/api/v1/cases/{withdrawn}/withdrawal"),
        &app.customer("wyn"),
        Some("\"1\""),
        json!({}),
    )
    .await;
    assert_eq!(gone.status, 200, "{}", gone.text());
    // As a database migrated from before the alerts: nothing on record.
    let mut conn = app.db.connection().expect("connection");
    diesel::sql_query("DELETE FROM deadline_alerts")
        .execute(&mut **conn)
        .expect("emptied");
    let recorded = |conn: &mut council_feedback::db::DbConnection| {
        use council_feedback::db::schema::{cases, deadline_alerts};
        use diesel::prelude::*;
        deadline_alerts::table
            .inner_join(cases::table)
            .select((
                cases::reference,
                deadline_alerts::subject,
                deadline_alerts::due,
            ))
            .order(deadline_alerts::id)
            .load::<(String, String, NaiveDate)>(conn)
            .expect("rows")
    };
    assert_eq!(
        council_feedback::app::alerts::record_missing(&mut conn).expect("recorded"),
        2,
        "the two running cases, not the withdrawn one"
    );
    let expected = vec![
        (
            waiting,
            "stage_1.acknowledgement".to_string(),
            day("2026-11-09"),
        ),
        (answered, "stage_1.response".into(), day("2026-11-16")),
    ];
    assert_eq!(recorded(&mut conn), expected);
    // Once any deadline is on record, it does nothing.
    assert_eq!(
        council_feedback::app::alerts::record_missing(&mut conn).expect("again"),
        0
    );
    assert_eq!(recorded(&mut conn), expected);
}

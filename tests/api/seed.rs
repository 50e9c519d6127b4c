//! `seed --cases N`: realistic, reproducible data that the API reads as it
//! reads real cases.

use chrono::NaiveDate;
use council_feedback::domain::clock::Clock;
use council_feedback::seed::{seed, SeedOptions};

use serde_json::json;

use crate::helpers::*;

fn options() -> SeedOptions {
    SeedOptions {
        cases: 300,
        seed: 11,
        from: NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
        to: NaiveDate::from_ymd_opt(2026, 6, 30).expect("date"),
    }
}

/// Every case as the manager's list shows it, page by page.
async fn everything(app: &TestApp) -> Vec<serde_json::Value> {
    let mut items = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/cases?limit=200&cursor={c}"),
            None => "/api/v1/cases?limit=200".to_string(),
        };
        let page = app.get(&path, &app.manager()).await;
        assert_eq!(page.status, 200, "{}", page.text());
        let page = page.json();
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return items,
        }
    }
}

#[actix_web::test]
async fn the_same_seed_gives_the_same_cases_and_the_api_reads_every_one() {
    let clock = Clock::new(settings_for("sqlite://unused.db", &[]).policy).expect("clock");
    let (first, second) = (spawn_app().await, spawn_app().await);
    for app in [&first, &second] {
        let written = seed(&app.db, &clock, &options(), |_| {}).expect("seeded");
        assert_eq!(written, 300);
    }
    let (a, b) = (everything(&first).await, everything(&second).await);
    assert_eq!(a.len(), 300);
    let digest = |items: &[serde_json::Value]| -> Vec<String> {
        items
            .iter()
            .map(|c| {
                format!(
                    "{} {} {} {} {} {}",
                    c["reference"],
                    c["status"],
                    c["stage"],
                    c["service"],
                    c["received_at"],
                    c["next_deadline"]
                )
            })
            .collect()
    };
    assert_eq!(digest(&a), digest(&b));

    // A council's mix: every kind, cases at each stage and in each state.
    for (field, value) in [
        ("kind", "complaint"),
        ("kind", "compliment"),
        ("kind", "comment"),
        ("status", "closed"),
        ("status", "open"),
        ("stage", "stage_2"),
    ] {
        assert!(
            a.iter().any(|c| c[field] == value),
            "no case with {field} {value}"
        );
    }
    let received_in_range = a.iter().all(|c| {
        let at = c["received_at"].as_str().unwrap_or_default();
        ("2025-01-01".."2026-07-01").contains(&at)
    });
    assert!(received_in_range);

    // Every seeded case reads whole, with its timeline starting at receipt.
    for case in a.iter().step_by(7) {
        let reference = case["reference"].as_str().expect("reference");
        let read = first
            .get(&format!("/api/v1/cases/{reference}"), &first.manager())
            .await;
        assert_eq!(read.status, 200, "{}", read.text());
        let timeline = first
            .get(
                &format!("/api/v1/cases/{reference}/timeline"),
                &first.manager(),
            )
            .await;
        assert_eq!(timeline.status, 200, "{}", timeline.text());
        assert_eq!(timeline.json()["items"][0]["type"], "received");
        let whole = read.json();
        if whole["status"] == "closed"
            && whole["kind"] == "complaint"
            && whole["stage"] != serde_json::Value::Null
        {
            let last = whole["stages"]
                .as_array()
                .and_then(|s| s.last())
                .expect("a stage");
            assert!(
                last["responded_at"].is_string(),
                "{reference} closed unanswered"
            );
        }
    }

    // Every seeded event carries the feed's name for it, as the service writes it.
    use council_feedback::db::schema::case_events;
    use council_feedback::db::DbConnection;
    use council_feedback::domain::case::events::EVENT_TYPES;
    use diesel::prelude::*;
    let mut conn = first.db.connection().expect("connection");
    let conn: &mut DbConnection = &mut conn;
    let rows: Vec<(String, String)> = case_events::table
        .select((case_events::event_type, case_events::feed_type))
        .load(conn)
        .expect("events");
    assert!(rows.len() > 300);
    for (name, feed_type) in rows {
        let expected = EVENT_TYPES
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.feed_name);
        assert_eq!(Some(feed_type.as_str()), expected, "{name}");
    }
}

#[actix_web::test]
async fn the_api_logs_new_cases_beside_seeded_ones() {
    let clock = Clock::new(settings_for("sqlite://unused.db", &[]).policy).expect("clock");
    let app = spawn_app().await;
    let written = seed(&app.db, &clock, &options(), |_| {}).expect("seeded");
    assert_eq!(written, 300);
    // Each row the API writes takes the next id after the seed's: a person, their customer
    // row, the case and its stage (on PostgreSQL each table's sequence was moved past them).
    let created = app
        .post(
            "/api/v1/cases",
            &app.customer("after-the-seed"),
            &complaint(),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let logged = app
        .post(
            "/api/v1/cases",
            &app.manager(),
            &with(
                complaint(),
                json!({"channel": "telephone",
                       "customer": {"name": "Someone New", "email": "someone.new@example.org"}}),
            ),
        )
        .await;
    assert_eq!(logged.status, 201, "{}", logged.text());
    assert_eq!(everything(&app).await.len(), 302);
}

//! Issue 12 §2: the event feed. Every change to a case, in commit order, scoped to the caller,
//! with a cursor on every page that a poller follows without missing an event.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::helpers::*;
use crate::lifecycle::change;

/// One feed event as (type, case, stage, due, visibility).
fn summary(event: &Value) -> (String, String, Value, Value, String) {
    (
        event["type"].as_str().expect("type").to_string(),
        event["data"]["case"].as_str().expect("case").to_string(),
        event["data"]["stage"].clone(),
        event["data"]["due"].clone(),
        event["visibility"]
            .as_str()
            .expect("visibility")
            .to_string(),
    )
}

fn ev(
    kind: &str,
    case: &str,
    stage: Value,
    due: Value,
    visibility: &str,
) -> (String, String, Value, Value, String) {
    (
        kind.to_string(),
        case.to_string(),
        stage,
        due,
        visibility.to_string(),
    )
}

/// Every event `token` sees, following the cursor `limit` at a time, and the last cursor.
async fn follow(
    app: &TestApp,
    token: &str,
    from: Option<&str>,
    limit: u32,
) -> (Vec<Value>, String) {
    let mut events = Vec::new();
    let mut cursor = from.map(str::to_string);
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/events?limit={limit}&after={c}"),
            None => format!("/api/v1/events?limit={limit}"),
        };
        let page = app.get(&path, token).await;
        assert_eq!(page.status, 200, "{}", page.text());
        let page = page.json();
        let items = page["items"].as_array().expect("items").clone();
        let next = page["next_cursor"]
            .as_str()
            .expect("a cursor on every page")
            .to_string();
        let done = items.is_empty();
        events.extend(items);
        if done {
            return (events, next);
        }
        cursor = Some(next);
    }
}

/// Waits until the manager's feed, from `from`, holds `count` events (on PostgreSQL an event
/// shows once every transaction older than its own has ended, and other tests' transactions
/// run in the same cluster), then follows it as `follow` does. Once the manager sees them,
/// every caller's view of them is settled.
async fn settled(app: &TestApp, from: Option<&str>, count: usize) -> (Vec<Value>, String) {
    let manager = app.manager();
    for _ in 0..2400 {
        let (events, cursor) = follow(app, &manager, from, 50).await;
        if events.len() >= count {
            assert_eq!(events.len(), count, "{events:?}");
            return (events, cursor);
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the feed never showed {count} events");
}

/// A customer's complaint, accepted, acknowledged and given a note.
async fn journey(app: &TestApp, customer: &str) -> String {
    let body = with(complaint(), json!({"service": "waste-care"}));
    let created = app.create_case(&app.customer(customer), &body).await;
    let reference = created["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    steps(app, &reference, None).await;
    reference
}

/// Triage (accept), the acknowledgement (on `acknowledged_at`, or now) and a note.
pub async fn steps(app: &TestApp, reference: &str, acknowledged_at: Option<&str>) {
    let base = format!("/api/v1/cases/{reference}");
    let manager = app.manager();
    let officer = app.officer("o-waste", &["waste-care"]);
    let etag = app.get(&base, &manager).await.header("etag").expect("etag");
    let triage = change(
        app,
        &format!("{base}/triage"),
        &manager,
        Some(&etag),
        json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(triage.status, 200, "{}", triage.text());
    let etag = triage.header("etag").expect("etag");
    let mut acknowledgement =
        json!({"understanding": "The bin was missed three weeks running", "method": "email"});
    if let Some(at) = acknowledged_at {
        acknowledgement["acknowledged_at"] = json!(at);
    }
    let ack = change(
        app,
        &format!("{base}/acknowledgement"),
        &officer,
        Some(&etag),
        acknowledgement,
    )
    .await;
    assert_eq!(ack.status, 200, "{}", ack.text());
    let note = app
        .post(
            &format!("{base}/notes"),
            &officer,
            &json!({"text": "Spoke to the crew."}),
        )
        .await;
    assert_eq!(note.status, 201, "{}", note.text());
}

#[actix_web::test]
async fn the_feed_carries_every_change_in_order_with_its_stage_and_due_date_and_no_more() {
    let app = spawn_app().await;
    let started = Utc::now() - chrono::Duration::seconds(1);
    // A letter received on Friday 19 December 2025, acknowledged on Tuesday 23 December.
    let letter = with(
        complaint(),
        json!({"channel": "letter", "received_at": "2025-12-19T10:00:00Z",
               "received_at_reason": "from the post"}),
    );
    let reference = app.create_case(&app.officer("o-log", &[]), &letter).await["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    steps(&app, &reference, Some("2025-12-23T15:00:00Z")).await;
    let finished = Utc::now() + chrono::Duration::seconds(1);
    // 10 working days after 23 December: 24, 29, 30, 31 December, 2, 5, 6, 7, 8, 9 January.
    let response_due = json!("2026-01-09");

    let (events, _) = settled(&app, None, 4).await;
    assert_eq!(
        events.iter().map(summary).collect::<Vec<_>>(),
        vec![
            ev(
                "case.created",
                &reference,
                Value::Null,
                Value::Null,
                "public"
            ),
            ev(
                "case.triaged",
                &reference,
                json!("stage_1"),
                Value::Null,
                "public"
            ),
            ev(
                "stage.acknowledged",
                &reference,
                json!("stage_1"),
                response_due.clone(),
                "public"
            ),
            ev(
                "case.note_added",
                &reference,
                Value::Null,
                Value::Null,
                "internal"
            ),
        ]
    );
    for event in &events {
        assert_eq!(event["version"], 1);
        let at: DateTime<Utc> = event["timestamp"]
            .as_str()
            .expect("timestamp")
            .parse()
            .expect("RFC 3339");
        assert!(started <= at && at <= finished, "{at}");
        // Thin: nothing of the customer, the description or the note.
        let text = event.to_string();
        assert!(
            !text.contains("Alex") && !text.contains("crew") && !text.contains("bin"),
            "{text}"
        );
    }
    // The same ids as on the timeline.
    let timeline = app
        .get(
            &format!("/api/v1/cases/{reference}/timeline"),
            &app.manager(),
        )
        .await
        .json();
    let timeline_ids: Vec<&Value> = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| &e["id"])
        .collect();
    let feed_ids: Vec<&Value> = events.iter().map(|e| &e["id"]).collect();
    assert_eq!(feed_ids, timeline_ids);

    // Only the types asked for; an unknown type is refused.
    let only = app
        .get(
            "/api/v1/events?types=stage.acknowledged,case.created",
            &app.manager(),
        )
        .await
        .json();
    let types: Vec<&str> = only["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(types, ["case.created", "stage.acknowledged"]);
    let unknown = app
        .get(
            "/api/v1/events?types=case.created,case.exploded",
            &app.manager(),
        )
        .await;
    assert_eq!(unknown.invalid_fields(), ["types"]);
    let empty = app.get("/api/v1/events?limit=", &app.manager()).await;
    assert_eq!(empty.invalid_fields(), ["limit"]);
    // A cursor the feed did not give out: one that is not ours at all, and one whose
    // position is negative.
    use base64::Engine;
    let negative = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("v1|-5|1");
    for forged in ["not-a-cursor", negative.as_str()] {
        let refused = app
            .get(&format!("/api/v1/events?after={forged}"), &app.manager())
            .await;
        let problem = refused.problem(400, "/problems/invalid-cursor");
        assert_eq!(problem["errors"][0]["field"], "after", "{problem}");
    }
}

#[actix_web::test]
async fn each_caller_sees_only_the_events_of_the_cases_it_may_see() {
    let app = spawn_app().await;
    let mine = journey(&app, "cust-feed").await;
    let theirs = journey(&app, "cust-other").await;
    let posted = app
        .create_case(
            &app.partner("acme"),
            &with(complaint(), json!({"service": "green-care"})),
        )
        .await["reference"]
        .as_str()
        .expect("reference")
        .to_string();

    let seen = |events: &[Value]| -> Vec<(String, String)> {
        events
            .iter()
            .map(|e| {
                (
                    e["type"].as_str().unwrap_or("").to_string(),
                    e["data"]["case"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let public = |case: &str| {
        vec![
            ("case.created".to_string(), case.to_string()),
            ("case.triaged".to_string(), case.to_string()),
            ("stage.acknowledged".to_string(), case.to_string()),
        ]
    };
    let all = |case: &str| {
        let mut events = public(case);
        events.push(("case.note_added".to_string(), case.to_string()));
        events
    };

    // The customer: their own case, public events only.
    settled(&app, None, 9).await;
    let (events, _) = follow(&app, &app.customer("cust-feed"), None, 2).await;
    assert_eq!(seen(&events), public(&mine));
    // A partner: the case it posted; another partner: nothing.
    let (events, _) = follow(&app, &app.partner("acme"), None, 50).await;
    assert_eq!(
        seen(&events),
        vec![("case.created".to_string(), posted.clone())]
    );
    let (events, _) = follow(&app, &app.partner("other-partner"), None, 50).await;
    assert!(events.is_empty(), "{events:?}");
    // Staff: their services' cases, internal events included; another service's staff: none.
    let (events, _) = follow(&app, &app.officer("o-waste", &["waste-care"]), None, 3).await;
    let mut expected = all(&mine);
    expected.extend(all(&theirs));
    assert_eq!(seen(&events), expected);
    let (events, _) = follow(&app, &app.officer("o-highways", &["highways"]), None, 50).await;
    assert!(events.is_empty(), "{events:?}");
    // The manager (the CRM): everything.
    let (events, _) = follow(&app, &app.manager(), None, 5).await;
    expected.push(("case.created".to_string(), posted));
    assert_eq!(seen(&events), expected);
}

#[actix_web::test]
async fn polling_with_the_last_cursor_returns_only_what_happened_since() {
    let app = spawn_app().await;
    let manager = app.manager();
    // An empty feed still gives a cursor, and it finds the first event later.
    let empty = app.get("/api/v1/events", &manager).await.json();
    assert_eq!(empty["items"], json!([]));
    let start = empty["next_cursor"].as_str().expect("cursor").to_string();

    let reference = journey(&app, "cust-feed").await;
    settled(&app, Some(&start), 4).await;
    let (events, last) = follow(&app, &manager, Some(&start), 3).await;
    assert_eq!(events.len(), 4);
    // Nothing new: the same cursor again.
    let (none, again) = follow(&app, &manager, Some(&last), 3).await;
    assert!(none.is_empty());
    assert_eq!(again, last);

    let note = app
        .post(
            &format!("/api/v1/cases/{reference}/notes"),
            &manager,
            &json!({"text": "Called back."}),
        )
        .await;
    assert_eq!(note.status, 201);
    settled(&app, Some(&last), 1).await;
    let (since, _) = follow(&app, &manager, Some(&last), 3).await;
    assert_eq!(since.len(), 1);
    assert_eq!(since[0]["type"], "case.note_added");
    assert_eq!(since[0]["id"], note.json()["id"]);
}

#[actix_web::test]
async fn an_event_committed_after_a_later_one_is_not_passed_by_the_cursor() {
    use council_feedback::db::events::{append, NewEvent};
    use council_feedback::db::{Backend, DbConnection};
    use council_feedback::domain::case::events::CaseEvent;
    use council_feedback::domain::case::Role;
    use diesel::Connection;

    let app = spawn_app().await;
    // SQLite writes one transaction at a time: there the ids are the commit order, and a
    // write held open would only make the service's wait.
    if app.db.backend() != Backend::Postgres {
        return;
    }
    let manager = app.manager();
    let reference = journey(&app, "cust-feed").await;
    let (_, before) = settled(&app, None, 4).await;
    let case_id = {
        use council_feedback::db::schema::cases;
        use diesel::prelude::*;
        let mut conn = app.db.connection().expect("connection");
        let conn: &mut DbConnection = &mut conn;
        cases::table
            .filter(cases::reference.eq(&reference))
            .select(cases::id)
            .first::<i64>(conn)
            .expect("case id")
    };

    // A slow change: its event takes an id now and commits later.
    let (written_tx, written_rx) = std::sync::mpsc::channel::<()>();
    let (commit_tx, commit_rx) = std::sync::mpsc::channel::<()>();
    let db = app.db.clone();
    let slow = std::thread::spawn(move || {
        let mut conn = db.connection().expect("connection");
        let conn: &mut DbConnection = &mut conn;
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            let event = CaseEvent::Note {
                text: "slow".into(),
            };
            append(
                conn,
                &NewEvent::of(
                    case_id,
                    "slow-writer",
                    Role::ComplaintsManager,
                    Utc::now().naive_utc(),
                    &event,
                ),
            )?;
            let _ = written_tx.send(());
            let _ = commit_rx.recv();
            Ok(())
        })
        .expect("the slow change commits");
    });
    written_rx.recv().expect("the slow change wrote its event");

    // A quick change: a later id, committed first.
    let quick = app
        .post(
            &format!("/api/v1/cases/{reference}/notes"),
            &manager,
            &json!({"text": "quick"}),
        )
        .await;
    assert_eq!(quick.status, 201, "{}", quick.text());
    let quick_id = quick.json()["id"].as_i64().expect("id");

    // While the slow one is open, the feed does not show the quick one past it.
    let (seen, cursor) = follow(&app, &manager, Some(&before), 50).await;
    assert!(seen.is_empty(), "{seen:?}");

    commit_tx.send(()).expect("commit");
    slow.join().expect("slow writer");
    let (seen, _) = settled(&app, Some(&cursor), 2).await;
    let ids: Vec<i64> = seen.iter().filter_map(|e| e["id"].as_i64()).collect();
    assert_eq!(ids.len(), 2, "{seen:?}");
    assert!(ids[0] < quick_id && ids[1] == quick_id, "{ids:?}");
}

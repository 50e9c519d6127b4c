//! Repeat and duplicate complaints found at intake (issue 14 §5). The service runs on a fixed
//! clock, Friday 4 December 2026 at 10:00 UTC. Scores are worked out by hand: the Jaccard
//! similarity of the two cases' content words (summary and description, lower-cased, stop
//! words and one-letter words left out), to three places.

use chrono::NaiveDateTime;
use serde_json::{json, Value};

use council_feedback::app::time::Now;

use crate::helpers::*;
use crate::lifecycle::change;

fn now() -> Now {
    Now::Fixed(
        NaiveDateTime::parse_from_str("2026-12-04 10:00", "%Y-%m-%d %H:%M").expect("instant"),
    )
}

/// `complaint()`'s content words (18): green, bin, missed, three, weeks, running, 14, example,
/// road, last, collection, days, although, 7am, time, reported, twice, online.
///
/// This one's (13), all among them: green, bin, missed, 14, example, road, last, three,
/// collection, days, reported, twice, online ("again", "and", "have" are stop words).
/// 13 shared of 18: 0.722.
fn reworded() -> Value {
    with(
        complaint(),
        json!({
            "summary": "Green bin missed again at 14 Example Road",
            "description": "The green bin at 14 Example Road has been missed on the last three \
                            collection days, and I have reported it twice online."
        }),
    )
}

/// Content words (8): crew, left, rubbish, pavement, bin, spilled, road, drove. With
/// `complaint()`'s it shares bin and road: 2 of 18 + 8 - 2 = 24, 0.083.
fn dissimilar() -> Value {
    with(
        complaint(),
        json!({
            "summary": "Crew left rubbish on the pavement",
            "description": "The bin crew spilled rubbish all over the road and drove off."
        }),
    )
}

/// As the complaints manager logs it from a letter, received at `received_at`.
fn by_letter(body: Value, received_at: &str) -> Value {
    with(
        body,
        json!({"channel": "letter", "received_at": received_at, "received_at_reason": "from the post"}),
    )
}

async fn duplicates_of(app: &TestApp, reference: &str, token: &str) -> Vec<Value> {
    let response = app
        .get(
            &format!("/api/v1/cases/{reference}/possible-duplicates"),
            token,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()["items"].as_array().expect("items").clone()
}

fn references(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|i| i["reference"].as_str().expect("reference"))
        .collect()
}

fn flag_names(case: &Value) -> Vec<&str> {
    case["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .map(|f| f["flag"].as_str().expect("flag"))
        .collect()
}

#[actix_web::test]
async fn a_near_identical_complaint_within_the_window_is_offered_and_flagged_for_triage() {
    let app = spawn_app_at(now(), &[]).await;
    let alex = app.customer("alex");
    let first = app.create_case(&alex, &complaint()).await;
    assert_eq!(first["reference"], "CMP-2026-000001");
    let again = app.create_case(&alex, &reworded()).await;
    assert_eq!(again["reference"], "CMP-2026-000002");
    // The customer never sees the flag.
    assert_eq!(again["flags"], json!([]));

    let officer = app.officer("o-waste", &["waste-care"]);
    let offered = duplicates_of(&app, "CMP-2026-000002", &officer).await;
    assert_eq!(offered.len(), 1, "{offered:?}");
    let candidate = &offered[0];
    assert_eq!(candidate["reference"], "CMP-2026-000001");
    assert_eq!(candidate["kind"], "complaint");
    assert_eq!(candidate["service"], "waste-care");
    assert_eq!(candidate["received_at"], "2026-12-04T10:00:00Z");
    assert_eq!(candidate["status"], "received");
    assert_eq!(candidate["stage"], Value::Null);
    assert_eq!(candidate["score"], json!(0.722));
    assert_eq!(candidate["linked"], false);
    // The earlier case is not a duplicate of the later one.
    assert!(duplicates_of(&app, "CMP-2026-000001", &officer)
        .await
        .is_empty());

    let case = app
        .get("/api/v1/cases/CMP-2026-000002", &officer)
        .await
        .json();
    assert_eq!(flag_names(&case), vec!["possible_duplicate"]);
    assert_eq!(case["flags"][0]["referred_to"], "waste-care");
    assert_eq!(
        case["flags"][0]["note"],
        "the same person's similar case about this service: CMP-2026-000001"
    );
    let first = app
        .get("/api/v1/cases/CMP-2026-000001", &officer)
        .await
        .json();
    assert_eq!(first["flags"], json!([]));

    let manager = app.manager();
    let flagged = app
        .get("/api/v1/cases?flag=possible_duplicate", &manager)
        .await
        .json();
    assert_eq!(
        references(flagged["items"].as_array().expect("items")),
        vec!["CMP-2026-000002"]
    );
    let types = |timeline: Value| -> Vec<String> {
        timeline["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|e| e["type"].as_str().expect("type").to_string())
            .collect()
    };
    let path = "/api/v1/cases/CMP-2026-000002/timeline";
    assert_eq!(
        types(app.get(path, &manager).await.json()),
        vec!["received", "flagged"]
    );
    assert_eq!(types(app.get(path, &alex).await.json()), vec!["received"]);

    // Staff only, and only of the case's services.
    let path = "/api/v1/cases/CMP-2026-000002/possible-duplicates";
    app.get(path, &alex)
        .await
        .problem(403, "/problems/forbidden");
    app.get(path, &app.officer("o-roads", &["highways"]))
        .await
        .problem(404, "/problems/not-found");
    app.get(
        "/api/v1/cases/CMP-2026-999999/possible-duplicates",
        &manager,
    )
    .await
    .problem(404, "/problems/not-found");
}

#[actix_web::test]
async fn another_service_a_receipt_outside_the_window_or_a_dissimilar_text_is_not_offered() {
    let app = spawn_app_at(now(), &[]).await;
    let manager = app.manager();
    // 61 days before the clock: outside the 60-day window of every case received now.
    let a = app
        .create_case(&manager, &by_letter(complaint(), "2026-10-04T10:00:00Z"))
        .await;
    assert_eq!(a["reference"], "CMP-2026-000001");
    // The same person (email address and name) and text, another service.
    let b = app
        .create_case(
            &manager,
            &by_letter(
                with(complaint(), json!({"service": "highways"})),
                "2026-12-04T09:00:00Z",
            ),
        )
        .await;
    // The same person and service, another matter (0.083).
    let c = app
        .create_case(&manager, &by_letter(dissimilar(), "2026-12-04T09:00:00Z"))
        .await;
    // The same person, service and text as the first, 61 days after it; 0.083 with the third.
    let d = app
        .create_case(&manager, &by_letter(complaint(), "2026-12-04T09:30:00Z"))
        .await;
    assert_eq!(d["person_match"]["how"], "email");
    for (case, reference) in [
        (&b, "CMP-2026-000002"),
        (&c, "CMP-2026-000003"),
        (&d, "CMP-2026-000004"),
    ] {
        assert_eq!(case["reference"], reference);
        assert_eq!(case["person_id"], a["person_id"]);
        assert_eq!(case["flags"], json!([]), "{reference}");
        assert!(duplicates_of(&app, reference, &manager).await.is_empty());
    }

    // Logged late from a letter received 60 days (to the second) before the fourth: within
    // the window of the first (1 day before it) and of the fourth (60 days after it), so both
    // are offered (1.0 each, the older first); the third is in the window but dissimilar.
    let e = app
        .create_case(&manager, &by_letter(complaint(), "2026-10-05T09:30:00Z"))
        .await;
    assert_eq!(e["reference"], "CMP-2026-000005");
    assert_eq!(flag_names(&e), vec!["possible_duplicate"]);
    assert_eq!(
        e["flags"][0]["note"],
        "the same person's similar cases about this service: CMP-2026-000001, CMP-2026-000004"
    );
    let offered = duplicates_of(&app, "CMP-2026-000005", &manager).await;
    assert_eq!(
        references(&offered),
        vec!["CMP-2026-000001", "CMP-2026-000004"]
    );
    assert_eq!(offered[0]["score"], json!(1.0));
    assert_eq!(offered[1]["score"], json!(1.0));
}

#[actix_web::test]
async fn linking_a_possible_duplicate_resolves_it_and_keeps_both_cases_clocks_and_references() {
    let app = spawn_app_at(now(), &[]).await;
    let alex = app.customer("alex");
    let manager = app.manager();
    app.create_case(&alex, &complaint()).await;
    app.create_case(&alex, &reworded()).await;
    for reference in ["CMP-2026-000001", "CMP-2026-000002"] {
        let accepted = change(
            &app,
            &format!("/api/v1/cases/{reference}/triage"),
            &manager,
            Some("\"1\""),
            json!({"decision": "accept"}),
        )
        .await;
        assert_eq!(accepted.status, 200, "{}", accepted.text());
    }
    let read = |reference: &'static str| {
        let app = &app;
        let manager = manager.clone();
        async move {
            app.get(&format!("/api/v1/cases/{reference}"), &manager)
                .await
                .json()
        }
    };
    let before = [read("CMP-2026-000001").await, read("CMP-2026-000002").await];

    let linked = change(
        &app,
        "/api/v1/cases/CMP-2026-000002/links",
        &manager,
        Some("\"2\""),
        json!({"reference": "CMP-2026-000001"}),
    )
    .await;
    assert_eq!(linked.status, 200, "{}", linked.text());

    let offered = duplicates_of(&app, "CMP-2026-000002", &manager).await;
    assert_eq!(references(&offered), vec!["CMP-2026-000001"]);
    assert_eq!(offered[0]["linked"], true);

    let after = [read("CMP-2026-000001").await, read("CMP-2026-000002").await];
    for ((before, after), (reference, other)) in before.iter().zip(&after).zip([
        ("CMP-2026-000001", "CMP-2026-000002"),
        ("CMP-2026-000002", "CMP-2026-000001"),
    ]) {
        // Received Friday 4 December 2026: acknowledged within 5 working days, by Friday 11.
        for case in [before, after] {
            assert_eq!(case["reference"], reference);
            assert_eq!(case["status"], "open");
            assert_eq!(case["stage"], "stage_1");
            assert_eq!(case["acknowledgement_due"], "2026-12-11");
            assert_eq!(case["stages"][0]["acknowledgement_due"], "2026-12-11");
        }
        assert_eq!(after["stages"], before["stages"], "{reference}");
        assert_eq!(after["linked_cases"], json!([other]));
    }
}

//! The contract says exactly what the code does (issue 11 §11), and a list's
//! cursor is the list's own (issue 11 §2).

use awc::http::Method;
use base64::Engine;
use serde_json::{json, Value};

use crate::helpers::*;

fn cursor_of(position: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(position)
}

#[actix_web::test]
async fn every_list_answers_a_cursor_it_did_not_give_out_with_400_and_writes_nothing() {
    let app = spawn_app().await;
    let manager = app.manager();
    let case = app.create_case(&app.customer("c-1"), &complaint()).await;
    let reference = case["reference"].as_str().unwrap_or_default().to_string();
    let lists = [
        "/api/v1/cases".to_string(),
        "/api/v1/remedies".to_string(),
        "/api/v1/learning-actions".to_string(),
        "/api/v1/services".to_string(),
        format!("/api/v1/cases/{reference}/timeline"),
        format!("/api/v1/cases/{reference}/notes"),
        format!("/api/v1/cases/{reference}/documents"),
    ];
    let forged = [
        // Not base64 at all.
        "garbage!!".to_string(),
        // Base64, but not a cursor.
        cursor_of("hello"),
        // Ours in form, with a timestamp out of every range.
        cursor_of("v1|-999999999999999999|1"),
        // A date outside 1900-2199, and a row id that is not a positive number.
        cursor_of("v1|9999-12-31|1"),
        cursor_of("v1|2026-01-01|-1"),
        cursor_of("v1|"),
        cursor_of("v1|Waste Care"),
    ];
    let before = app.row_counts();
    for list in &lists {
        for cursor in &forged {
            app.get(&format!("{list}?cursor={cursor}"), &manager)
                .await
                .invalid_cursor();
        }
    }
    // The id-ordered lists take a positive row id.
    for list in &lists[4..] {
        for id in ["0", "-5", "9223372036854775808"] {
            app.get(
                &format!("{list}?cursor={}", cursor_of(&format!("v1|{id}"))),
                &manager,
            )
            .await
            .invalid_cursor();
        }
    }
    assert_eq!(app.row_counts(), before);
    // The cursors the lists give out still work.
    let page = app.get("/api/v1/services?limit=1", &manager).await.json();
    let next = page["next_cursor"].as_str().unwrap_or_default();
    let second = app
        .get(&format!("/api/v1/services?limit=1&cursor={next}"), &manager)
        .await;
    assert_eq!(second.status, 200, "{}", second.text());
}

#[actix_web::test]
async fn an_empty_region_or_date_is_refused_not_taken_as_the_default() {
    let app = spawn_app().await;
    let manager = app.manager();
    for (path, field) in [
        (
            "/api/v1/calendar/due-date?from=2026-12-18&working_days=5&region=",
            "region",
        ),
        (
            "/api/v1/calendar/working-days?from=2026-12-18&to=2027-01-06&region=",
            "region",
        ),
        ("/api/v1/calendar/bank-holidays?region=", "region"),
        ("/api/v1/calendar/bank-holidays?year=", "year"),
        ("/api/v1/calendar/due-date?from=&working_days=5", "from"),
        ("/api/v1/reports/performance?from=", "from"),
    ] {
        let answer = app.get(path, &manager).await;
        assert_eq!(answer.invalid_fields(), vec![field], "{path}");
    }
}

#[actix_web::test]
async fn a_path_id_that_is_not_a_positive_integer_is_404_before_if_match_is_read() {
    let app = spawn_app().await;
    let manager = app.manager();
    let case = app.create_case(&app.customer("c-1"), &complaint()).await;
    let reference = case["reference"].as_str().unwrap_or_default().to_string();
    let before = app.row_counts();
    for id in ["abc", "-1", "0", "1.5", "-9223372036854775809"] {
        for (path, body) in [
            (
                format!("/api/v1/cases/{reference}/extensions/{id}/decision"),
                json!({"decision": "refuse"}),
            ),
            (
                format!("/api/v1/cases/{reference}/remedies/{id}/outcome"),
                json!({"status": "done", "done_on": "2026-01-05", "evidence": "paid"}),
            ),
            (
                format!("/api/v1/cases/{reference}/responses/{id}/approval"),
                json!({}),
            ),
        ] {
            let answer = app
                .send(
                    Method::POST,
                    &path,
                    Some(&manager),
                    &[("If-Match", "\"999\"")],
                    Some(body.to_string().into_bytes()),
                )
                .await;
            answer.problem(404, "/problems/not-found");
        }
        let patched = app
            .send(
                Method::PATCH,
                &format!("/api/v1/learning-actions/{id}"),
                Some(&manager),
                &[("If-Match", "\"999\"")],
                Some(json!({"status": "completed"}).to_string().into_bytes()),
            )
            .await;
        patched.problem(404, "/problems/not-found");
        app.get(&format!("/api/v1/learning-actions/{id}"), &manager)
            .await
            .problem(404, "/problems/not-found");
    }
    assert_eq!(app.row_counts(), before);
}

fn operations(doc: &Value) -> Vec<(String, &Value)> {
    let mut found = vec![];
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            found.push((format!("{} {path}", method.to_uppercase()), operation));
        }
    }
    found
}

fn takes(operation: &Value, place: &str, name: Option<&str>) -> bool {
    operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|p| p["in"] == place && name.is_none_or(|n| p["name"] == n))
}

fn statuses(operation: &Value) -> Vec<String> {
    operation["responses"]
        .as_object()
        .map(|r| r.keys().cloned().collect())
        .unwrap_or_default()
}

#[actix_web::test]
async fn the_document_lists_the_refusals_every_operation_can_give() {
    let doc = council_feedback::api::openapi();
    let doc = serde_json::to_value(&doc).unwrap_or_default();
    let mut checked = 0;
    for (name, operation) in operations(&doc) {
        let has = statuses(operation);
        let has = |status: &str| has.iter().any(|s| s == status);
        if operation.get("requestBody").is_some() {
            for status in ["400", "413", "415"] {
                assert!(has(status), "{name} lacks {status}");
            }
            checked += 1;
        }
        if takes(operation, "path", None) || takes(operation, "query", None) {
            assert!(has("400"), "{name} lacks 400 for a NUL character");
        }
        if takes(operation, "header", Some("If-Match")) {
            for status in ["412", "428"] {
                assert!(has(status), "{name} lacks {status}");
            }
        }
        if takes(operation, "query", Some("cursor")) {
            let described = operation["responses"]["400"]["description"]
                .as_str()
                .unwrap_or_default();
            assert!(
                described.contains("/problems/invalid-cursor"),
                "{name}: {described}"
            );
        }
    }
    assert!(checked > 25, "only {checked} operations with a body");
    // The path ids the code reads as positive integers say so.
    for (path, method) in [
        ("/api/v1/learning-actions/{id}", "get"),
        ("/api/v1/cases/{reference}/remedies/{id}/outcome", "post"),
        ("/api/v1/cases/{reference}/extensions/{id}/decision", "post"),
        ("/api/v1/cases/{reference}/responses/{id}/approval", "post"),
        ("/api/v1/cases/{reference}/documents/{id}", "get"),
    ] {
        let id = doc["paths"][path][method]["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == "id")
            .cloned()
            .unwrap_or_default();
        assert_eq!(id["schema"]["type"], "integer", "{path}");
        assert_eq!(id["schema"]["minimum"], 1, "{path}");
    }
}

#[actix_web::test]
async fn a_role_that_may_never_change_a_learning_action_is_403_before_if_match_is_read() {
    let app = spawn_app().await;
    let officer = app.officer("o-1", &["waste-care"]);
    for if_match in [None, Some("*"), Some("\"1\"")] {
        let headers: Vec<(&str, &str)> = if_match.map(|v| ("If-Match", v)).into_iter().collect();
        app.send(
            Method::PATCH,
            "/api/v1/learning-actions/1",
            Some(&officer),
            &headers,
            Some(json!({"status": "completed"}).to_string().into_bytes()),
        )
        .await
        .problem(403, "/problems/forbidden");
    }
}

#[actix_web::test]
async fn a_reference_of_the_wrong_shape_is_404_before_if_match_is_read() {
    let app = spawn_app().await;
    let manager = app.manager();
    let before = app.row_counts();
    for reference in ["0", "CMP-2026-1", "XYZ-2026-000001", "cmp-26-000001"] {
        app.send(
            Method::POST,
            &format!("/api/v1/cases/{reference}/closure"),
            Some(&manager),
            &[("If-Match", "*")],
            Some(json!({"reason": "done"}).to_string().into_bytes()),
        )
        .await
        .problem(404, "/problems/not-found");
    }
    assert_eq!(app.row_counts(), before);
    let doc = serde_json::to_value(council_feedback::api::openapi()).unwrap_or_default();
    let reference = doc["paths"]["/api/v1/cases/{reference}/closure"]["post"]["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "reference")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        reference["schema"]["pattern"],
        r"^\s*[Cc]([Mm][PpTt]|[Pp][Ll])-[0-9]{4}-[0-9]{6,12}\s*$"
    );
}

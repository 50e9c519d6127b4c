use awc::http::Method;
use serde_json::json;

use crate::helpers::*;

/// Sends `body` as a manager would and asserts a 422 naming exactly `fields`,
/// with nothing written.
async fn refused(app: &TestApp, token: &str, body: serde_json::Value, fields: &[&str]) {
    let before = app.row_counts();
    let response = app.post("/api/v1/cases", token, &body).await;
    let mut named = response.invalid_fields();
    named.sort();
    let mut expected: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
    expected.sort();
    assert_eq!(named, expected, "body {body} gave {}", response.text());
    assert_eq!(
        app.row_counts(),
        before,
        "a refused request wrote something"
    );
}

#[actix_web::test]
async fn each_rule_names_its_field_and_nothing_is_written() {
    let app = spawn_app().await;
    let staff = app.officer("o-1", &[]);
    let base = with(complaint(), json!({"channel": "telephone"}));
    let cases: Vec<(serde_json::Value, Vec<&str>)> = vec![
        (
            with(base.clone(), json!({"summary": null})),
            vec!["summary"],
        ),
        (
            with(base.clone(), json!({"summary": "   "})),
            vec!["summary"],
        ),
        (
            with(base.clone(), json!({"summary": "x".repeat(201)})),
            vec!["summary"],
        ),
        (
            with(base.clone(), json!({"description": null})),
            vec!["description"],
        ),
        (
            with(base.clone(), json!({"description": "d".repeat(10_001)})),
            vec!["description"],
        ),
        (
            with(base.clone(), json!({"desired_outcome": "d".repeat(5_001)})),
            vec!["desired_outcome"],
        ),
        (with(base.clone(), json!({"kind": null})), vec!["kind"]),
        (with(base.clone(), json!({"kind": "grumble"})), vec!["kind"]),
        (
            with(base.clone(), json!({"channel": "carrier_pigeon"})),
            vec!["channel"],
        ),
        (
            with(base.clone(), json!({"channel": null})),
            vec!["channel"],
        ),
        (
            with(base.clone(), json!({"service": "no-such-service"})),
            vec!["service"],
        ),
        (
            with(base.clone(), json!({"service": null})),
            vec!["service"],
        ),
        (
            with(base.clone(), json!({"customer": null})),
            vec!["customer"],
        ),
        (
            with(base.clone(), json!({"customer": {"name": null}})),
            vec!["customer.name"],
        ),
        (
            with(base.clone(), json!({"customer": {"email": "not-an-email"}})),
            vec!["customer.email"],
        ),
        (
            with(base.clone(), json!({"customer": {"phone": "call me"}})),
            vec!["customer.phone"],
        ),
        (
            with(
                base.clone(),
                json!({"customer": {"preferred_contact": "fax"}}),
            ),
            vec!["customer.preferred_contact"],
        ),
        (
            with(
                base.clone(),
                json!({"customer": {"email": null, "preferred_contact": "email"}}),
            ),
            vec!["customer.email"],
        ),
        (
            with(
                base.clone(),
                json!({"customer": {"email": null, "phone": null, "preferred_contact": null}}),
            ),
            vec!["customer"],
        ),
        (
            with(
                base.clone(),
                json!({"customer": {"accessibility": {"interpreter_language": "x".repeat(101)}}}),
            ),
            vec!["customer.accessibility.interpreter_language"],
        ),
        (
            with(base.clone(), json!({"problem_date": "2099-01-01"})),
            vec!["problem_date"],
        ),
        (
            with(base.clone(), json!({"problem_date": "last tuesday"})),
            vec!["problem_date"],
        ),
        (
            with(base.clone(), json!({"response_requested": false})),
            vec!["response_requested"],
        ),
        (
            with(base.clone(), json!({"partner_reference": "X-1"})),
            vec!["partner_reference"],
        ),
        (
            with(base.clone(), json!({"staff_named": ["ok", ""]})),
            vec!["staff_named"],
        ),
        (with(base.clone(), json!({"summary": 42})), vec!["summary"]),
        (
            with(base.clone(), json!({"surprise": true})),
            vec!["surprise"],
        ),
        (
            with(base.clone(), json!({"customer": {"shoe_size": 9}})),
            vec!["customer.shoe_size"],
        ),
        (
            with(
                base.clone(),
                json!({"representative": {"name": "R", "consent_to_act": true}}),
            ),
            vec!["representative.consent_to_release_information"],
        ),
    ];
    for (body, fields) in cases {
        refused(&app, &staff, body, &fields).await;
    }
    let manager = app.manager();
    let listed = app.get("/api/v1/cases", &manager).await.json();
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0));
}

#[actix_web::test]
async fn every_field_at_fault_is_listed_at_once() {
    let app = spawn_app().await;
    let body = json!({"kind": "grumble", "summary": "", "customer": {"email": "nope"}});
    refused(
        &app,
        &app.customer("c-1"),
        body,
        &[
            "kind",
            "summary",
            "description",
            "service",
            "customer.name",
            "customer.email",
        ],
    )
    .await;
}

#[actix_web::test]
async fn a_wrongly_typed_value_names_its_path() {
    let app = spawn_app().await;
    let body = with(
        complaint(),
        json!({"customer": {"accessibility": {"large_print": "yes"}}}),
    );
    let response = app.post("/api/v1/cases", &app.customer("c-1"), &body).await;
    assert_eq!(
        response.invalid_fields(),
        vec!["customer.accessibility.large_print"]
    );
}

#[actix_web::test]
async fn bodies_that_are_not_json_are_400_415_or_413() {
    let app = spawn_app().await;
    let token = app.customer("c-1");
    let before = app.row_counts();
    let send = |body: &'static [u8], content_type: &'static str| {
        let token = token.clone();
        let app = &app;
        async move {
            app.send(
                Method::POST,
                "/api/v1/cases",
                Some(&token),
                &[("Content-Type", content_type)],
                Some(body.to_vec()),
            )
            .await
        }
    };
    send(b"{\"kind\": \"complaint\",", "application/json")
        .await
        .problem(400, "/problems/malformed-json");
    send(b"", "application/json")
        .await
        .problem(400, "/problems/malformed-json");
    send(b"{} trailing", "application/json")
        .await
        .problem(400, "/problems/malformed-json");
    send(b"kind=complaint", "application/x-www-form-urlencoded")
        .await
        .problem(415, "/problems/unsupported-media-type");
    let big = format!("{{\"summary\": \"{}\"}}", "x".repeat(300 * 1024));
    app.send(
        Method::POST,
        "/api/v1/cases",
        Some(&token),
        &[],
        Some(big.into_bytes()),
    )
    .await
    .problem(413, "/problems/payload-too-large");
    let array = send(b"[1, 2]", "application/json").await;
    assert_eq!(array.invalid_fields(), vec!["body"]);
    assert_eq!(app.row_counts(), before);
}

#[actix_web::test]
async fn a_body_naming_a_key_twice_is_refused_and_changes_nothing() {
    async fn raw(
        app: &TestApp,
        token: &str,
        path: String,
        etag: Option<String>,
        body: String,
    ) -> TestResponse {
        let mut headers = vec![("Content-Type", "application/json".to_string())];
        if let Some(etag) = etag {
            headers.push(("If-Match", etag));
        }
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        app.send(
            Method::POST,
            &path,
            Some(token),
            &headers,
            Some(body.into_bytes()),
        )
        .await
    }
    let app = spawn_app().await;
    let manager = app.manager();
    let before = app.row_counts();
    // The last `kind` would make it a compliment.
    let twice = r#"{"kind": "complaint", "channel": "telephone", "summary": "Bin missed",
        "description": "Missed three weeks running", "service": "waste-care",
        "customer": {"name": "Alex Example", "email": "alex@example.org"},
        "kind": "compliment"}"#;
    let refused = raw(&app, &manager, "/api/v1/cases".into(), None, twice.into()).await;
    let problem = refused.problem(400, "/problems/malformed-json");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or("")
            .contains("`kind` is given twice"),
        "{problem}"
    );
    // Nested objects too.
    let nested = r#"{"kind": "complaint", "channel": "telephone", "summary": "Bin missed",
        "description": "Missed three weeks running", "service": "waste-care",
        "customer": {"name": "Alex Example", "name": "Someone Else"}}"#;
    raw(&app, &manager, "/api/v1/cases".into(), None, nested.into())
        .await
        .problem(400, "/problems/malformed-json");
    assert_eq!(app.row_counts(), before, "a refused body wrote something");

    // A triage with two decisions neither rejects nor accepts.
    let (reference, etag) = crate::lifecycle::new_complaint(&app, complaint()).await;
    raw(
        &app,
        &manager,
        format!("/api/v1/cases/{reference}/triage"),
        Some(etag.clone()),
        r#"{"decision": "service_request", "referral": "Passed to the crew", "decision": "accept"}"#
            .into(),
    )
    .await
    .problem(400, "/problems/malformed-json");
    let after = app
        .get(&format!("/api/v1/cases/{reference}"), &manager)
        .await;
    assert_eq!(after.header("etag"), Some(etag));
    assert_eq!(after.json()["status"], "received");
    assert_eq!(after.json()["stages"], json!([]));
}

#[actix_web::test]
async fn a_nul_character_is_refused_wherever_it_is_sent_and_nothing_is_written() {
    let app = spawn_app().await;
    let manager = app.manager();
    let before = app.row_counts();
    for (body, field) in [
        (json!({"summary": "Bin\u{0}missed"}), "summary"),
        (json!({"description": "x\u{0}"}), "description"),
        (json!({"category": "\u{0}"}), "category"),
        (
            json!({"customer": {"name": "Alex\u{0}Example", "email": "alex@example.org"}}),
            "customer.name",
        ),
        (json!({"staff_named": ["Sam", "Jo\u{0}"]}), "staff_named[1]"),
    ] {
        let body = with(with(complaint(), json!({"channel": "telephone"})), body);
        let refused = app.post("/api/v1/cases", &manager, &body).await;
        assert_eq!(refused.invalid_fields(), vec![field], "{}", refused.text());
    }
    assert_eq!(app.row_counts(), before, "a refused body wrote something");
    // In a query parameter or a path segment: 400, naming the parameter.
    let listed = app
        .get("/api/v1/cases?status=open&service=a%00b", &manager)
        .await;
    let problem = listed.problem(400, "/problems/bad-request");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or("")
            .contains("`service`"),
        "{problem}"
    );
    app.get("/api/v1/services/a%00b", &manager)
        .await
        .problem(400, "/problems/bad-request");
    app.get("/api/v1/cases/CMP-2026-0%0001", &manager)
        .await
        .problem(400, "/problems/bad-request");
    // In a token's subject: not a caller.
    let token = app.token(
        "officer\u{0}1",
        &[council_feedback::domain::case::Role::InvestigatingOfficer],
        &["waste-care"],
    );
    let refused = app.get("/api/v1/cases", &token).await;
    assert_eq!(refused.status, 401, "{}", refused.text());
    assert_eq!(app.row_counts(), before);
}

#[actix_web::test]
async fn dates_outside_1900_to_2199_get_422_naming_the_parameter_on_both_backends() {
    let app = spawn_app().await;
    let manager = app.manager();
    for (query, field) in [
        ("received_from=-5000-01-01", "received_from"),
        ("received_to=9999-12-31", "received_to"),
        ("due_before=0000-01-01", "due_before"),
        ("received_from=1899-12-31T23:00:00Z", "received_from"),
    ] {
        let answer = app.get(&format!("/api/v1/cases?{query}"), &manager).await;
        assert_eq!(
            answer.invalid_fields(),
            vec![field],
            "{query}: {}",
            answer.text()
        );
    }
    for (query, field) in [
        ("from=0000-01-01&to=2026-03-31", "from"),
        ("to=9999-12-31", "to"),
    ] {
        let answer = app
            .get(&format!("/api/v1/reports/performance?{query}"), &manager)
            .await;
        assert!(
            answer.invalid_fields().contains(&field.to_string()),
            "{query}: {}",
            answer.text()
        );
    }
    // Cursors carrying such a date are not ours.
    use base64::Engine;
    let forged =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("v1|{}|1", i64::MAX));
    let answer = app
        .get(&format!("/api/v1/cases?cursor={forged}"), &manager)
        .await;
    answer.invalid_cursor();
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("v1|9999-12-31|1");
    for list in ["remedies", "learning-actions"] {
        app.get(&format!("/api/v1/{list}?cursor={forged}"), &manager)
            .await
            .invalid_cursor();
    }
    // In bodies: a problem date before 1900, a learning action due after 2199.
    let before = app.row_counts();
    let answer = app
        .post(
            "/api/v1/cases",
            &manager,
            &with(
                complaint(),
                json!({"channel": "telephone", "problem_date": "0000-01-01"}),
            ),
        )
        .await;
    assert_eq!(
        answer.invalid_fields(),
        vec!["problem_date"],
        "{}",
        answer.text()
    );
    let answer = app
        .post(
            "/api/v1/learning-actions",
            &manager,
            &json!({"learned": "x", "change_agreed": "y", "service": "waste-care",
                    "owner": "Ops", "due": "9999-12-31"}),
        )
        .await;
    assert_eq!(answer.invalid_fields(), vec!["due"], "{}", answer.text());
    assert_eq!(
        app.row_counts(),
        before,
        "a refused request wrote something"
    );
}

#[actix_web::test]
async fn a_bad_body_is_answered_422_before_a_missing_if_match_is_asked_for() {
    let app = spawn_app().await;
    let manager = app.manager();
    let (reference, _) = crate::lifecycle::new_complaint(&app, complaint()).await;
    let base = format!("/api/v1/cases/{reference}");
    // Each body breaks the contract (an unknown word, a blank that must not be), and no
    // If-Match is sent: the body is read and refused first.
    for (path, body, field) in [
        ("triage", json!({"decision": "maybe"}), "decision"),
        ("acknowledgement", json!({"method": "pigeon"}), "method"),
        (
            "assignment",
            json!({"investigator": "o-1", "investigator_role": "wizard"}),
            "investigator_role",
        ),
        (
            "flags",
            json!({"flag": "gossip", "referred_to": "x", "referred_on": "2026-11-01"}),
            "flag",
        ),
        ("escalations", json!({"grounds": ["bored"]}), "grounds[0]"),
        (
            "extensions",
            json!({"reason": "", "new_response_due": "2026-12-24"}),
            "reason",
        ),
        ("reply", json!({"method": "pigeon"}), "method"),
        ("closure", json!({"reason": "x".repeat(2001)}), "reason"),
    ] {
        let answer = app.post(&format!("{base}/{path}"), &manager, &body).await;
        assert!(
            answer.invalid_fields().contains(&field.to_string()),
            "{path}: {} {}",
            answer.status,
            answer.text()
        );
    }
    // A good body without If-Match is still asked for one.
    app.post(
        &format!("{base}/triage"),
        &manager,
        &json!({"decision": "accept"}),
    )
    .await
    .problem(428, "/problems/precondition-required");
}

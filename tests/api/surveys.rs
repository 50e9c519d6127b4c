//! The satisfaction survey (issue 13 §6): closing a complaint invites its customer through a
//! single-use link that expires; the link answers without a login, once; the reports count
//! the answers by service and stage, withholding small counts as the published report does.

use awc::http::Method;
use chrono::NaiveDateTime;
use council_feedback::app::time::Now;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::event_types::{check_timeline, document, fits, listed};
use crate::helpers::*;
use crate::lifecycle::{change, draft, new_complaint};

/// Monday 16 November 2026, 10:00 UTC: every app here runs at this instant unless it says.
const CLOSED_AT: &str = "2026-11-16 10:00:00";

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("instant")
}

/// An invitation as stored: what a resident finds in their letter or email is its token.
#[derive(Debug, Clone, PartialEq)]
struct Invitation {
    token: String,
    service: String,
    stage: String,
    invited_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    answered_at: Option<NaiveDateTime>,
    ratings: [Option<String>; 4],
    comment: Option<String>,
}

/// The invitations of case `reference`, oldest first, read from the database.
fn invitations(app: &TestApp, reference: &str) -> Vec<Invitation> {
    use council_feedback::db::schema::{cases, surveys};
    let mut conn = app.db.connection().expect("connection");
    let conn: &mut council_feedback::db::DbConnection = &mut conn;
    type Row = (
        String,
        String,
        String,
        NaiveDateTime,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = surveys::table
        .inner_join(cases::table)
        .filter(cases::reference.eq(reference))
        .order(surveys::id.asc())
        .select((
            surveys::token,
            surveys::service_id,
            surveys::stage,
            surveys::invited_at,
            surveys::expires_at,
            surveys::answered_at,
            surveys::easy_to_complain,
            surveys::kept_informed,
            surveys::response_clear,
            surveys::treated_fairly,
            surveys::comment,
        ))
        .load(conn)
        .expect("surveys");
    rows.into_iter()
        .map(|r| Invitation {
            token: r.0,
            service: r.1,
            stage: r.2,
            invited_at: r.3,
            expires_at: r.4,
            answered_at: r.5,
            ratings: [r.6, r.7, r.8, r.9],
            comment: r.10,
        })
        .collect()
}

/// The only invitation of case `reference`'s, at `stage`: its token.
fn token(app: &TestApp, reference: &str, stage: &str) -> String {
    let found: Vec<Invitation> = invitations(app, reference)
        .into_iter()
        .filter(|i| i.stage == stage)
        .collect();
    assert_eq!(found.len(), 1, "{reference} at {stage}: {found:?}");
    found[0].token.clone()
}

/// Sends `path` a request with no token at all.
async fn anonymous(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> TestResponse {
    app.send(
        method,
        path,
        None,
        &[],
        body.map(|b| b.to_string().into_bytes()),
    )
    .await
}

/// Takes `response` as a successful change, and its ETag as the case's current one.
fn step(response: TestResponse, what: &str, etag: &mut String) -> Value {
    assert_eq!(response.status, 200, "{what}: {}", response.text());
    *etag = response.header("etag").expect("etag");
    response.json()
}

/// The complaints manager takes the case's current stage to its response, sent.
async fn answer_the_stage(app: &TestApp, base: &str, etag: &mut String) {
    let manager = app.manager();
    step(
        change(
            app,
            &format!("{base}/acknowledgement"),
            &manager,
            Some(&etag.clone()),
            json!({"understanding": "The bin was missed three weeks running", "method": "email"}),
        )
        .await,
        "acknowledge",
        etag,
    );
    let drafted = app
        .post(
            &format!("{base}/responses"),
            &manager,
            &draft("not_upheld", None),
        )
        .await;
    assert_eq!(drafted.status, 201, "{}", drafted.text());
    let id = drafted.json()["id"].as_i64().expect("id");
    step(
        change(
            app,
            &format!("{base}/responses/{id}/approval"),
            &manager,
            Some(&etag.clone()),
            json!({}),
        )
        .await,
        "send the response",
        etag,
    );
}

/// A complaint about `service` from `customer`, answered at stage 1 (and at stage 2 when
/// `stage_2`) and closed. Gives its reference and ETag.
async fn closed_complaint(
    app: &TestApp,
    customer: &str,
    service: &str,
    stage_2: bool,
) -> (String, String) {
    let created = app
        .create_case(
            &app.customer(customer),
            &with(complaint(), json!({"service": service})),
        )
        .await;
    let reference = created["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let base = format!("/api/v1/cases/{reference}");
    let mut etag = "\"1\"".to_string();
    step(
        change(
            app,
            &format!("{base}/triage"),
            &app.manager(),
            Some(&etag.clone()),
            json!({"decision": "accept"}),
        )
        .await,
        "triage",
        &mut etag,
    );
    answer_the_stage(app, &base, &mut etag).await;
    if stage_2 {
        step(
            change(
                app,
                &format!("{base}/escalations"),
                &app.customer(customer),
                Some(&etag.clone()),
                json!({"reason": "Nobody answered the point about my reports"}),
            )
            .await,
            "ask for stage 2",
            &mut etag,
        );
        answer_the_stage(app, &base, &mut etag).await;
    }
    step(
        change(
            app,
            &format!("{base}/closure"),
            &app.manager(),
            Some(&etag.clone()),
            json!({}),
        )
        .await,
        "close",
        &mut etag,
    );
    (reference, etag)
}

fn answers(ratings: [&str; 4], comment: Option<&str>) -> Value {
    let mut body = json!({
        "easy_to_complain": ratings[0],
        "kept_informed": ratings[1],
        "response_clear": ratings[2],
        "treated_fairly": ratings[3],
    });
    if let Some(comment) = comment {
        body["comment"] = json!(comment);
    }
    body
}

/// The timeline's event types, as the complaints manager sees them.
async fn story(app: &TestApp, reference: &str, token: &str) -> Vec<String> {
    let timeline = app
        .get(&format!("/api/v1/cases/{reference}/timeline"), token)
        .await;
    assert_eq!(timeline.status, 200, "{}", timeline.text());
    timeline.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["type"].as_str().map(String::from))
        .collect()
}

#[actix_web::test]
async fn closing_a_complaint_invites_its_customer_once_per_stage_with_a_link_for_thirty_days() {
    let app = spawn_app_at(Now::Fixed(at(CLOSED_AT)), &[]).await;
    let manager = app.manager();
    let (reference, etag) = closed_complaint(&app, "ros", "waste-care", false).await;

    // Exactly one invitation, about stage 1, open for 30 days: 16 November + 30 days is
    // 16 December (November has 30 days), at the same time of day.
    let stored = invitations(&app, &reference);
    assert_eq!(stored.len(), 1, "{stored:?}");
    let invitation = &stored[0];
    assert_eq!(invitation.service, "waste-care");
    assert_eq!(invitation.stage, "stage_1");
    assert_eq!(invitation.invited_at, at("2026-11-16 10:00:00"));
    assert_eq!(invitation.expires_at, at("2026-12-16 10:00:00"));
    assert_eq!(invitation.answered_at, None);
    // 256 random bits as base64url: 43 characters a URL carries as they are.
    let token = invitation.token.clone();
    assert_eq!(token.len(), 43, "{token}");
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{token}"
    );

    // On the timeline for staff, in the feed, never for the customer, never with the token.
    let items = listed(&app).await;
    let doc = document(&app).await;
    let staff = check_timeline(&app, &reference, &items, &doc).await;
    assert_eq!(
        staff[staff.len() - 2..],
        ["closed".to_string(), "survey_invited".to_string()]
    );
    let timeline = app
        .get(&format!("/api/v1/cases/{reference}/timeline"), &manager)
        .await;
    let invited = timeline.json()["items"]
        .as_array()
        .and_then(|items| items.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(invited["visibility"], "internal");
    assert_eq!(
        invited["details"],
        json!({"stage": "stage_1", "expires_at": "2026-12-16T10:00:00Z"})
    );
    assert!(!timeline.text().contains(&token));
    assert!(!story(&app, &reference, &app.customer("ros"))
        .await
        .contains(&"survey_invited".to_string()));
    app.feed_settled().await;
    let feed = app
        .get("/api/v1/events?types=survey.invited", &manager)
        .await;
    assert_eq!(feed.status, 200, "{}", feed.text());
    let fed = feed.json();
    assert_eq!(fed["items"].as_array().map(Vec::len), Some(1), "{fed}");
    assert_eq!(fed["items"][0]["type"], "survey.invited", "{fed}");
    assert!(!feed.text().contains(&token));

    // The link shows the questions without a login, and nothing personal.
    let shown = anonymous(&app, Method::GET, &format!("/api/v1/surveys/{token}"), None).await;
    assert_eq!(shown.status, 200, "{}", shown.text());
    assert_eq!(
        shown.header("referrer-policy").as_deref(),
        Some("no-referrer")
    );
    assert_eq!(shown.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        shown.json(),
        json!({
            "reference": reference, "kind": "complaint", "stage": "stage_1",
            "expires_at": "2026-12-16T10:00:00Z",
            "questions": [
                {"id": "easy_to_complain", "statement": "It was easy to make my complaint."},
                {"id": "kept_informed", "statement": "I was kept informed about my complaint while it was dealt with."},
                {"id": "response_clear", "statement": "The council's response to my complaint was clear."},
                {"id": "treated_fairly", "statement": "I was treated fairly."}
            ],
            "scale": [
                {"value": "strongly_disagree", "label": "Strongly disagree"},
                {"value": "disagree", "label": "Disagree"},
                {"value": "neither_agree_nor_disagree", "label": "Neither agree nor disagree"},
                {"value": "agree", "label": "Agree"},
                {"value": "strongly_agree", "label": "Strongly agree"}
            ],
            "comment_max_length": 2000
        })
    );

    // Reopened and closed again at the same stage: the same handling, not asked again.
    let base = format!("/api/v1/cases/{reference}");
    let mut etag = etag;
    step(
        change(
            &app,
            &format!("{base}/reopening"),
            &manager,
            Some(&etag.clone()),
            json!({"reason": "Closed before the crew's report came in"}),
        )
        .await,
        "reopen",
        &mut etag,
    );
    step(
        change(
            &app,
            &format!("{base}/closure"),
            &manager,
            Some(&etag.clone()),
            json!({}),
        )
        .await,
        "close again",
        &mut etag,
    );
    assert_eq!(invitations(&app, &reference), stored);

    // On to stage 2 and closed after its response: asked again, about stage 2's handling,
    // with a link of its own; the stage 1 link still works.
    step(
        change(
            &app,
            &format!("{base}/escalations"),
            &app.customer("ros"),
            Some(&etag.clone()),
            json!({"reason": "The crew's report is wrong"}),
        )
        .await,
        "ask for stage 2",
        &mut etag,
    );
    answer_the_stage(&app, &base, &mut etag).await;
    step(
        change(
            &app,
            &format!("{base}/closure"),
            &manager,
            Some(&etag.clone()),
            json!({}),
        )
        .await,
        "close after stage 2",
        &mut etag,
    );
    let both = invitations(&app, &reference);
    assert_eq!(
        both.iter().map(|i| i.stage.as_str()).collect::<Vec<_>>(),
        vec!["stage_1", "stage_2"]
    );
    assert_eq!(both[0], stored[0]);
    assert_ne!(both[1].token, both[0].token);
    assert_eq!(both[1].expires_at, at("2026-12-16 10:00:00"));
    let shown = anonymous(
        &app,
        Method::GET,
        &format!("/api/v1/surveys/{}", both[1].token),
        None,
    )
    .await;
    assert_eq!(shown.json()["stage"], "stage_2");

    // No survey for a compliment, nor for a complaint withdrawn before any response.
    let head = app.head_of_service("h-waste", &["waste-care"]);
    let (compliment, mut etag) = new_complaint(
        &app,
        with(
            complaint(),
            json!({"kind": "compliment", "desired_outcome": null, "response_requested": true,
                   "staff_named": ["Sam Driver"]}),
        ),
    )
    .await;
    for (path, body) in [
        ("forwarding", json!({})),
        (
            "reply",
            json!({"method": "letter", "reply": "Thank you: Sam has been told."}),
        ),
        ("closure", json!({})),
    ] {
        let response = change(
            &app,
            &format!("/api/v1/cases/{compliment}/{path}"),
            &head,
            Some(&etag.clone()),
            body,
        )
        .await;
        step(response, path, &mut etag);
    }
    assert_eq!(invitations(&app, &compliment), vec![]);
    let withdrawn = app.create_case(&app.customer("tam"), &complaint()).await;
    let withdrawn = withdrawn["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let mut etag = "\"1\"".to_string();
    for (path, token) in [
        ("withdrawal", app.customer("tam")),
        ("closure", manager.clone()),
    ] {
        let response = change(
            &app,
            &format!("/api/v1/cases/{withdrawn}/{path}"),
            &token,
            Some(&etag.clone()),
            json!({}),
        )
        .await;
        step(response, path, &mut etag);
    }
    assert_eq!(invitations(&app, &withdrawn), vec![]);
}

#[actix_web::test]
async fn a_survey_link_takes_answers_once_and_is_gone_after() {
    let app = spawn_app_at(Now::Fixed(at(CLOSED_AT)), &[]).await;
    let (reference, _) = closed_complaint(&app, "uma", "highways", false).await;
    let token = token(&app, &reference, "stage_1");
    let path = format!("/api/v1/surveys/{token}");
    // Characters, not bytes: 2000 two-byte letters are within the limit.
    let long = "é".repeat(2000);
    let first = answers(
        [
            "agree",
            "disagree",
            "strongly_agree",
            "neither_agree_nor_disagree",
        ],
        Some(&long),
    );

    let answered = anonymous(&app, Method::POST, &path, Some(&first)).await;
    assert_eq!(answered.status, 200, "{}", answered.text());
    assert_eq!(
        answered.json(),
        json!({
            "reference": reference, "stage": "stage_1", "answered_at": "2026-11-16T10:00:00Z",
            "message": "Thank you: your answers have been recorded. They help the council improve how it handles complaints."
        })
    );
    let stored = invitations(&app, &reference);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].answered_at, Some(at("2026-11-16 10:00:00")));
    assert_eq!(
        stored[0].ratings,
        [
            Some("agree".to_string()),
            Some("disagree".to_string()),
            Some("strongly_agree".to_string()),
            Some("neither_agree_nor_disagree".to_string())
        ]
    );
    assert_eq!(stored[0].comment.as_deref(), Some(long.as_str()));
    assert_eq!(stored[0].stage, "stage_1");
    assert_eq!(stored[0].service, "highways");

    // The timeline says it was answered (staff only), not what.
    let manager = app.manager();
    let timeline = app
        .get(&format!("/api/v1/cases/{reference}/timeline"), &manager)
        .await;
    let last = timeline.json()["items"]
        .as_array()
        .and_then(|items| items.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(last["type"], "survey_answered");
    assert_eq!(last["visibility"], "internal");
    assert_eq!(last["details"], json!({"stage": "stage_1"}));
    assert!(!timeline.text().contains("strongly_agree"));
    let items = listed(&app).await;
    let doc = document(&app).await;
    check_timeline(&app, &reference, &items, &doc).await;

    // Once: reading or answering again is 410, and the first answers stand.
    let before = app.row_counts();
    anonymous(&app, Method::GET, &path, None)
        .await
        .problem(410, "/problems/survey-answered");
    let again = answers(["strongly_disagree"; 4], None);
    anonymous(&app, Method::POST, &path, Some(&again))
        .await
        .problem(410, "/problems/survey-answered");
    assert_eq!(app.row_counts(), before);
    assert_eq!(invitations(&app, &reference), stored);

    // A token the service never made is 404, whatever its shape; a login changes nothing.
    let unknown = format!("/api/v1/surveys/{}", "A".repeat(43));
    anonymous(&app, Method::GET, &unknown, None)
        .await
        .problem(404, "/problems/not-found");
    anonymous(&app, Method::POST, &unknown, Some(&first))
        .await
        .problem(404, "/problems/not-found");
    anonymous(&app, Method::GET, "/api/v1/surveys/not-a-token", None)
        .await
        .problem(404, "/problems/not-found");
    app.get(&unknown, &app.customer("uma"))
        .await
        .problem(404, "/problems/not-found");
    assert_eq!(app.row_counts(), before);
}

#[actix_web::test]
async fn bad_answers_are_refused_naming_each_field_and_change_nothing() {
    let app = spawn_app_at(Now::Fixed(at(CLOSED_AT)), &[]).await;
    let (reference, _) = closed_complaint(&app, "vik", "waste-care", false).await;
    let token = token(&app, &reference, "stage_1");
    let path = format!("/api/v1/surveys/{token}");
    let before = app.row_counts();
    let stored = invitations(&app, &reference);

    let refused = |body: Value| {
        let (app, path) = (&app, path.clone());
        async move {
            let mut fields = anonymous(app, Method::POST, &path, Some(&body))
                .await
                .invalid_fields();
            fields.sort();
            fields
        }
    };
    assert_eq!(
        refused(json!({
            "easy_to_complain": "yes", "response_clear": "agree", "treated_fairly": "Agree",
            "comment": "x".repeat(2001)
        }))
        .await,
        vec![
            "comment",
            "easy_to_complain",
            "kept_informed",
            "treated_fairly"
        ]
    );
    assert_eq!(refused(json!({})).await.len(), 4);
    assert_eq!(
        refused(with(answers(["agree"; 4], None), json!({"mood": "cross"}))).await,
        vec!["mood"]
    );
    assert_eq!(
        refused(with(
            answers(["agree"; 4], None),
            json!({"kept_informed": 4})
        ))
        .await,
        vec!["kept_informed"]
    );
    anonymous(&app, Method::POST, &path, None)
        .await
        .problem(415, "/problems/unsupported-media-type");
    app.send(
        Method::POST,
        &path,
        None,
        &[("Content-Type", "application/json")],
        Some(b"{\"easy_to_complain\": ".to_vec()),
    )
    .await
    .problem(400, "/problems/malformed-json");

    // Nothing was written: the survey still takes its answers.
    assert_eq!(app.row_counts(), before);
    assert_eq!(invitations(&app, &reference), stored);
    let shown = anonymous(&app, Method::GET, &path, None).await;
    assert_eq!(shown.status, 200, "{}", shown.text());
    // A blank comment is no comment.
    let answered = anonymous(
        &app,
        Method::POST,
        &path,
        Some(&answers(["agree"; 4], Some("   "))),
    )
    .await;
    assert_eq!(answered.status, 200, "{}", answered.text());
    assert_eq!(invitations(&app, &reference)[0].comment, None);
}

#[actix_web::test]
async fn a_link_expires_when_the_councils_setting_says() {
    // A council that gives seven days: closed 16 November at 10:00, the link works until
    // 23 November at 10:00, not at that instant.
    let app = spawn_app_at(Now::Fixed(at(CLOSED_AT)), &[("SURVEY_VALID_DAYS", "7")]).await;
    let (reference, _) = closed_complaint(&app, "wyn", "waste-care", false).await;
    assert_eq!(
        invitations(&app, &reference)[0].expires_at,
        at("2026-11-23 10:00:00")
    );
    let path = format!("/api/v1/surveys/{}", token(&app, &reference, "stage_1"));
    {
        let just_before = app.at(Now::Fixed(at("2026-11-23 09:59:59"))).await;
        let shown = anonymous(&just_before, Method::GET, &path, None).await;
        assert_eq!(shown.status, 200, "{}", shown.text());
    }
    let expired = app.at(Now::Fixed(at("2026-11-23 10:00:00"))).await;
    let before = app.row_counts();
    anonymous(&expired, Method::GET, &path, None)
        .await
        .problem(410, "/problems/survey-expired");
    anonymous(
        &expired,
        Method::POST,
        &path,
        Some(&answers(["agree"; 4], None)),
    )
    .await
    .problem(410, "/problems/survey-expired");
    assert_eq!(app.row_counts(), before);
    assert_eq!(invitations(&app, &reference)[0].answered_at, None);
    drop(expired);
}

/// The report's satisfaction section for these figures: `(responses, [(strongly agree,
/// agree, neither, disagree, strongly disagree, share agreeing)] per question)`, worked out
/// by hand.
fn figures(responses: u64, questions: [(u64, u64, u64, u64, u64, f64); 4]) -> Value {
    let names = [
        "easy_to_complain",
        "kept_informed",
        "response_clear",
        "treated_fairly",
    ];
    json!({
        "responses": responses,
        "questions": names.iter().zip(questions).map(|(name, (sa, a, n, d, sd, pct))| json!({
            "question": name, "strongly_agree": sa, "agree": a,
            "neither_agree_nor_disagree": n, "disagree": d, "strongly_disagree": sd,
            "agreeing": sa + a, "agreeing_pct": pct
        })).collect::<Vec<_>>()
    })
}

#[actix_web::test]
async fn the_reports_show_satisfaction_by_service_and_stage_with_small_counts_withheld() {
    let app = spawn_app_at(Now::Fixed(at(CLOSED_AT)), &[]).await;
    // Seven answers over two services and two stages, and one invitation never answered.
    // (easy to complain, kept informed, response clear, treated fairly)
    let (sa, a, n, d, sd) = (
        "strongly_agree",
        "agree",
        "neither_agree_nor_disagree",
        "disagree",
        "strongly_disagree",
    );
    let data = [
        ("waste-care", false, [a, a, sa, a]),
        ("waste-care", false, [sa, d, a, n]),
        ("waste-care", false, [d, sd, n, a]),
        ("waste-care", true, [a, a, d, sd]),
        ("highways", false, [sa, a, a, sa]),
        ("highways", false, [n, d, a, a]),
        ("highways", true, [sd, n, sa, d]),
    ];
    for (i, (service, stage_2, ratings)) in data.iter().enumerate() {
        let (reference, _) =
            closed_complaint(&app, &format!("resident-{i}"), service, *stage_2).await;
        let stage = if *stage_2 { "stage_2" } else { "stage_1" };
        let path = format!("/api/v1/surveys/{}", token(&app, &reference, stage));
        let answered = anonymous(&app, Method::POST, &path, Some(&answers(*ratings, None))).await;
        assert_eq!(answered.status, 200, "{}", answered.text());
    }
    closed_complaint(&app, "resident-silent", "highways", false).await;

    // By hand, per question (strongly agree, agree, neither, disagree, strongly disagree,
    // share agreeing):
    let total = figures(
        7,
        [
            (2, 2, 1, 1, 1, 57.1), // 4 of 7
            (0, 3, 1, 2, 1, 42.9), // 3 of 7
            (2, 3, 1, 1, 0, 71.4), // 5 of 7
            (1, 3, 1, 1, 1, 57.1), // 4 of 7
        ],
    );
    let highways = figures(
        3,
        [
            (1, 0, 1, 0, 1, 33.3),
            (0, 1, 1, 1, 0, 33.3),
            (1, 2, 0, 0, 0, 100.0),
            (1, 1, 0, 1, 0, 66.7),
        ],
    );
    let waste = figures(
        4,
        [
            (1, 2, 0, 1, 0, 75.0),
            (0, 2, 0, 1, 1, 50.0),
            (1, 1, 1, 1, 0, 50.0),
            (0, 2, 1, 0, 1, 50.0),
        ],
    );
    let stage_1 = figures(
        5,
        [
            (2, 1, 1, 1, 0, 60.0),
            (0, 2, 0, 2, 1, 40.0),
            (1, 3, 1, 0, 0, 80.0),
            (1, 3, 1, 0, 0, 80.0),
        ],
    );
    let stage_2 = figures(
        2,
        [
            (0, 1, 0, 0, 1, 50.0),
            (0, 1, 1, 0, 0, 50.0),
            (1, 0, 0, 1, 0, 50.0),
            (0, 0, 0, 1, 1, 0.0),
        ],
    );
    let expected = json!({
        "total": total,
        "by_service": [
            {"key": "highways", "figures": highways.clone()},
            {"key": "waste-care", "figures": waste}
        ],
        "by_stage": [
            {"key": "stage_1", "figures": stage_1},
            {"key": "stage_2", "figures": stage_2}
        ]
    });

    // The performance report, for the complaints manager: everything.
    let manager = app.manager();
    let performance = app
        .get(
            "/api/v1/reports/performance?from=2026-11-01&to=2026-11-30",
            &manager,
        )
        .await;
    assert_eq!(performance.status, 200, "{}", performance.text());
    assert_eq!(performance.json()["satisfaction"], expected);
    // A Head of Service sees their own service's answers only.
    let theirs = app
        .get(
            "/api/v1/reports/performance?from=2026-11-01&to=2026-11-30",
            &app.head_of_service("h-roads", &["highways"]),
        )
        .await
        .json();
    assert_eq!(theirs["satisfaction"]["total"], highways);
    assert_eq!(
        theirs["satisfaction"]["by_service"],
        json!([{"key": "highways", "figures": highways}])
    );

    // The annual report: the same figures, and in the published version (counts under 3
    // withheld) the stage 2 group's counts are null, its shares kept, and zero stays zero.
    let annual = |query: &'static str, accept: &'static str| {
        let (app, manager) = (&app, manager.clone());
        async move {
            app.send(
                Method::GET,
                &format!("/api/v1/reports/annual?{query}"),
                Some(&manager),
                &[("Accept", accept)],
                None,
            )
            .await
        }
    };
    let report = annual("year=2026", "application/json").await;
    assert_eq!(report.status, 200, "{}", report.text());
    assert_eq!(report.json()["satisfaction"], expected);
    let published = annual("year=2026&suppress_below=3", "application/json")
        .await
        .json();
    let stage_2_published = &published["satisfaction"]["by_stage"][1];
    assert_eq!(stage_2_published["key"], "stage_2");
    assert_eq!(stage_2_published["figures"]["responses"], Value::Null);
    let fairly = &stage_2_published["figures"]["questions"][3];
    assert_eq!(
        (
            &fairly["agreeing"],
            &fairly["disagree"],
            &fairly["strongly_disagree"],
            &fairly["agreeing_pct"]
        ),
        (&json!(0), &Value::Null, &Value::Null, &json!(0.0))
    );
    assert_eq!(
        stage_2_published["figures"]["questions"][0]["agreeing_pct"],
        json!(50.0)
    );
    assert_eq!(
        published["satisfaction"]["by_stage"][0]["figures"]["responses"],
        5
    );
    assert_eq!(published["satisfaction"]["total"]["responses"], 7);
    let doc = document(&app).await;
    let schema = &doc["paths"]["/api/v1/reports/annual"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"];
    assert_eq!(fits(&published, schema, &doc), Ok(()));
    assert_eq!(fits(&report.json(), schema, &doc), Ok(()));

    // CSV and HTML show the same table.
    let csv = annual("year=2026", "text/csv").await.text();
    for row in [
        "satisfaction,all,all,7,4,57.1,3,42.9,5,71.4,4,57.1\r\n",
        "satisfaction,service,highways,3,1,33.3,1,33.3,3,100.0,2,66.7\r\n",
        "satisfaction,service,waste-care,4,3,75.0,2,50.0,2,50.0,2,50.0\r\n",
        "satisfaction,stage,stage_1,5,3,60.0,2,40.0,4,80.0,4,80.0\r\n",
        "satisfaction,stage,stage_2,2,1,50.0,1,50.0,1,50.0,0,0.0\r\n",
    ] {
        assert!(csv.contains(row), "no {row:?} in\n{csv}");
    }
    let published_csv = annual("year=2026&suppress_below=3", "text/csv")
        .await
        .text();
    assert!(
        published_csv.contains("satisfaction,stage,stage_2,<3,<3,50.0,<3,50.0,<3,50.0,0,0.0\r\n"),
        "{published_csv}"
    );
    let html = annual("year=2026&suppress_below=3", "text/html")
        .await
        .text();
    assert!(html.contains("<h2>Satisfaction with complaint handling</h2>"));
    assert!(html.contains("<table id=\"table-satisfaction\">"));
}

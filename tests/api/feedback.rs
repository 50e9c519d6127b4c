//! Compliments and comments (SPEC §2): passed on, acknowledged and answered
//! only when the customer asked, and for a comment what was done with it.

use serde_json::json;

use crate::helpers::*;
use crate::lifecycle::{change, new_complaint, send_raw};

/// A compliment or comment logged by an officer, received on Monday 2 March 2026.
async fn feedback(app: &TestApp, kind: &str, response_requested: bool) -> (String, String) {
    new_complaint(
        app,
        with(
            complaint(),
            json!({
                "kind": kind,
                "summary": "Thank you to the crew",
                "description": "Sam went out of their way to bring my bin back up the drive.",
                "desired_outcome": null,
                "response_requested": response_requested,
                "staff_named": ["Sam Driver"],
                "received_at": "2026-03-02T10:00:00Z",
                "received_at_reason": "from the post"
            }),
        ),
    )
    .await
}

async fn due_date(app: &TestApp, from: &str, working_days: u32) -> serde_json::Value {
    app.get(
        &format!("/api/v1/calendar/due-date?from={from}&working_days={working_days}"),
        &app.manager(),
    )
    .await
    .json()["due"]
        .clone()
}

fn types(timeline: &serde_json::Value) -> Vec<String> {
    timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["type"].as_str().map(String::from))
        .collect()
}

#[actix_web::test]
async fn a_compliment_whose_customer_asked_is_passed_on_acknowledged_answered_and_closed() {
    let app = spawn_app().await;
    let (reference, etag) = feedback(&app, "compliment", true).await;
    let path = format!("/api/v1/cases/{reference}");
    let officer = app.officer("o-waste", &["waste-care"]);

    let created = app.get(&path, &officer).await.json();
    assert_eq!(
        created["acknowledgement_due"],
        due_date(&app, "2026-03-02", 10).await
    );
    let queue = app
        .get("/api/v1/cases?kind=compliment", &officer)
        .await
        .json();
    assert_eq!(
        queue["items"][0]["next_deadline"]["kind"],
        "acknowledgement"
    );

    let forwarded = change(
        &app,
        &format!("{path}/forwarding"),
        &officer,
        Some(&etag),
        json!({"note": "For Sam's appraisal"}),
    )
    .await;
    assert_eq!(forwarded.status, 200, "{}", forwarded.text());
    let case = forwarded.json();
    assert_eq!(case["status"], "open");
    assert_eq!(
        case["feedback"]["forwarded_to_staff"],
        json!(["Sam Driver"])
    );
    assert_eq!(
        case["feedback"]["reply_due"],
        due_date(&app, "2026-03-02", 20).await
    );
    let etag = forwarded.header("etag").expect("etag");

    let ack = change(
        &app,
        &format!("{path}/acknowledgement"),
        &officer,
        Some(&etag),
        json!({"understanding": "The bin was missed three weeks running", "method": "letter", "acknowledged_at": "2026-03-10T09:00:00Z"}),
    )
    .await;
    assert_eq!(ack.status, 200, "{}", ack.text());
    assert_eq!(ack.json()["feedback"]["acknowledged_on_time"], true);
    assert_eq!(ack.json()["stages"], json!([]));
    let queue = app
        .get("/api/v1/cases?kind=compliment", &officer)
        .await
        .json();
    assert_eq!(queue["items"][0]["next_deadline"]["kind"], "response");
    assert_eq!(
        queue["items"][0]["next_deadline"]["date"],
        due_date(&app, "2026-03-02", 20).await
    );
    let etag = ack.header("etag").expect("etag");

    // 20 working days from Monday 2 March is 30 March; the 31st is late.
    let replied = change(
        &app,
        &format!("{path}/reply"),
        &officer,
        Some(&etag),
        json!({"method": "letter", "reply": "Thank you: Sam has been told.", "replied_at": "2026-03-31T09:00:00Z"}),
    )
    .await;
    assert_eq!(replied.status, 200, "{}", replied.text());
    let case = replied.json();
    assert_eq!(case["feedback"]["replied_on_time"], false);
    assert_eq!(case["feedback"]["reply"], "Thank you: Sam has been told.");
    let etag = replied.header("etag").expect("etag");
    let queue = app
        .get("/api/v1/cases?kind=compliment", &officer)
        .await
        .json();
    assert_eq!(queue["items"][0]["next_deadline"], json!(null));

    // An officer does not close; the Head of Service does.
    change(
        &app,
        &format!("{path}/closure"),
        &officer,
        Some(&etag),
        json!({}),
    )
    .await
    .problem(403, "/problems/forbidden");
    let closed = change(
        &app,
        &format!("{path}/closure"),
        &app.head_of_service("h-waste", &["waste-care"]),
        Some(&etag),
        json!({}),
    )
    .await;
    assert_eq!(closed.status, 200, "{}", closed.text());
    assert_eq!(closed.json()["status"], "closed");

    let timeline = app.get(&format!("{path}/timeline"), &officer).await.json();
    assert_eq!(
        types(&timeline),
        vec!["received", "forwarded", "acknowledged", "replied", "closed"]
    );
}

#[actix_web::test]
async fn a_compliment_nobody_asked_a_reply_for_is_passed_on_and_closed_without_one() {
    let app = spawn_app().await;
    let (reference, etag) = feedback(&app, "compliment", false).await;
    let path = format!("/api/v1/cases/{reference}");
    let manager = app.manager();
    assert_eq!(
        app.get(&path, &manager).await.json()["acknowledgement_due"],
        json!(null)
    );

    let before = app.row_counts();
    for (step, body) in [
        (
            "acknowledgement",
            json!({"understanding": "The bin was missed three weeks running", "method": "email"}),
        ),
        ("reply", json!({"method": "email", "reply": "Thanks"})),
        (
            "action-taken",
            json!({"action": "noted", "details": "Nothing to change"}),
        ),
    ] {
        change(&app, &format!("{path}/{step}"), &manager, Some(&etag), body)
            .await
            .problem(409, "/problems/conflict");
    }
    let early = change(
        &app,
        &format!("{path}/closure"),
        &manager,
        Some(&etag),
        json!({}),
    )
    .await;
    let problem = early.problem(409, "/problems/conflict");
    assert!(problem["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("passing it to the service"));
    assert_eq!(app.row_counts(), before);

    let forwarded = change(
        &app,
        &format!("{path}/forwarding"),
        &manager,
        Some(&etag),
        json!({"staff": ["Sam Driver", "Jo Crew"]}),
    )
    .await;
    assert_eq!(forwarded.status, 200, "{}", forwarded.text());
    let etag = forwarded.header("etag").expect("etag");
    change(
        &app,
        &format!("{path}/forwarding"),
        &manager,
        Some(&etag),
        json!({}),
    )
    .await
    .problem(409, "/problems/conflict");
    let closed = change(
        &app,
        &format!("{path}/closure"),
        &manager,
        Some(&etag),
        json!({}),
    )
    .await;
    assert_eq!(closed.status, 200, "{}", closed.text());
}

#[actix_web::test]
async fn a_comment_records_what_was_done_before_it_closes_and_a_reply_can_stand_for_the_acknowledgement(
) {
    let app = spawn_app().await;
    let (reference, etag) = feedback(&app, "comment", true).await;
    let path = format!("/api/v1/cases/{reference}");
    let officer = app.officer("o-waste", &["waste-care"]);
    let forwarded = change(
        &app,
        &format!("{path}/forwarding"),
        &officer,
        None,
        json!({}),
    )
    .await;
    forwarded.problem(428, "/problems/precondition-required");
    let forwarded = change(
        &app,
        &format!("{path}/forwarding"),
        &officer,
        Some(&etag),
        json!({}),
    )
    .await;
    let etag = forwarded.header("etag").expect("etag");

    let replied = change(
        &app,
        &format!("{path}/reply"),
        &officer,
        Some(&etag),
        json!({"method": "email", "reply": "Good idea: we will look at it.", "replied_at": "2026-03-04T12:00:00Z"}),
    )
    .await;
    assert_eq!(replied.status, 200, "{}", replied.text());
    let handling = &replied.json()["feedback"];
    assert_eq!(handling["acknowledged_at"], "2026-03-04T12:00:00Z");
    assert_eq!(handling["acknowledged_on_time"], true);
    assert_eq!(handling["replied_on_time"], true);
    let etag = replied.header("etag").expect("etag");

    let early = change(
        &app,
        &format!("{path}/closure"),
        &app.manager(),
        Some(&etag),
        json!({}),
    )
    .await;
    let problem = early.problem(409, "/problems/conflict");
    assert!(problem["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("what was done"));

    let invalid = change(
        &app,
        &format!("{path}/action-taken"),
        &officer,
        Some(&etag),
        json!({"action": "ignored", "details": " "}),
    )
    .await;
    invalid.problem(422, "/problems/validation");
    assert_eq!(invalid.invalid_fields(), vec!["action", "details"]);
    let considering = change(
        &app,
        &format!("{path}/action-taken"),
        &officer,
        Some(&etag),
        json!({"action": "under_consideration", "details": "On the agenda for the January round review."}),
    )
    .await;
    assert_eq!(considering.status, 200, "{}", considering.text());
    let planned = change(
        &app,
        &format!("{path}/action-taken"),
        &officer,
        Some(&considering.header("etag").expect("etag")),
        json!({"action": "planned", "details": "Collections move to 7am from April."}),
    )
    .await;
    assert_eq!(planned.json()["feedback"]["action"], "planned");
    let closed = change(
        &app,
        &format!("{path}/closure"),
        &app.manager(),
        Some(&planned.header("etag").expect("etag")),
        json!({}),
    )
    .await;
    assert_eq!(closed.status, 200, "{}", closed.text());
    let after = change(
        &app,
        &format!("{path}/action-taken"),
        &officer,
        Some(&closed.header("etag").expect("etag")),
        json!({"action": "adopted", "details": "Done"}),
    )
    .await;
    after.problem(409, "/problems/conflict");
}

#[actix_web::test]
async fn feedback_steps_are_for_staff_of_the_service_and_not_for_complaints() {
    let app = spawn_app().await;
    let created = app
        .post(
            "/api/v1/cases",
            &app.customer("c-pat"),
            &with(
                complaint(),
                json!({"kind": "comment", "response_requested": true, "desired_outcome": null}),
            ),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let reference = created.json()["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let etag = created.header("etag").expect("etag");
    let path = format!("/api/v1/cases/{reference}");
    change(
        &app,
        &format!("{path}/forwarding"),
        &app.customer("c-pat"),
        Some(&etag),
        json!({}),
    )
    .await
    .problem(403, "/problems/forbidden");
    change(
        &app,
        &format!("{path}/forwarding"),
        &app.partner("acme"),
        Some(&etag),
        json!({}),
    )
    .await
    .problem(403, "/problems/forbidden");
    change(
        &app,
        &format!("{path}/forwarding"),
        &app.officer("o-roads", &["highways"]),
        Some(&etag),
        json!({}),
    )
    .await
    .problem(404, "/problems/not-found");
    let forwarded = change(
        &app,
        &format!("{path}/forwarding"),
        &app.officer("o-waste", &["waste-care"]),
        Some(&etag),
        json!({"note": "internal remark", "staff": ["Jo Crew"]}),
    )
    .await;
    assert_eq!(forwarded.status, 200, "{}", forwarded.text());

    // The customer sees that it was passed on, not to whom or the note.
    let seen = app.get(&path, &app.customer("c-pat")).await.json();
    assert!(seen["feedback"]["forwarded_at"].is_string());
    assert_eq!(seen["feedback"]["forwarded_to_staff"], json!([]));
    assert_eq!(seen["feedback"]["forward_note"], json!(null));

    let (complaint_ref, complaint_etag) = new_complaint(&app, complaint()).await;
    for step in ["forwarding", "reply", "action-taken"] {
        let body = match step {
            "reply" => json!({"method": "email", "reply": "Thanks"}),
            "action-taken" => json!({"action": "noted", "details": "n/a"}),
            _ => json!({}),
        };
        change(
            &app,
            &format!("/api/v1/cases/{complaint_ref}/{step}"),
            &app.manager(),
            Some(&complaint_etag),
            body,
        )
        .await
        .problem(409, "/problems/conflict");
    }
}

/// The document makes the forwarding body optional and every field in it
/// optional: no body, an empty one or JSON `null` all mean "no fields given",
/// so it goes to the staff the customer named.
#[actix_web::test]
async fn forwarding_with_no_body_or_null_passes_it_to_the_staff_the_customer_named() {
    let app = spawn_app().await;
    let manager = app.manager();
    for body in [
        None,
        Some(&b""[..]),
        Some(&b"null"[..]),
        Some(&b" null\n"[..]),
    ] {
        let (reference, etag) = feedback(&app, "compliment", false).await;
        let path = format!("/api/v1/cases/{reference}");
        let forwarded = send_raw(&app, &format!("{path}/forwarding"), &manager, &etag, body).await;
        assert_eq!(
            forwarded.status,
            200,
            "{:?}: {}",
            body.map(String::from_utf8_lossy),
            forwarded.text()
        );
        let case = forwarded.json();
        assert_eq!(case["status"], "open");
        assert_eq!(
            case["feedback"]["forwarded_to_staff"],
            json!(["Sam Driver"])
        );
        assert_eq!(case["feedback"]["forward_note"], json!(null));
        let timeline = app.get(&format!("{path}/timeline"), &manager).await.json();
        assert_eq!(types(&timeline), vec!["received", "forwarded"]);
    }

    // Anything else must still be a Forwarding object.
    let (reference, etag) = feedback(&app, "compliment", false).await;
    let path = format!("/api/v1/cases/{reference}/forwarding");
    let before = app.row_counts();
    for (body, field) in [
        (&b"[]"[..], "body"),
        (b"\"Sam Driver\"", "body"),
        (b"{\"staff\": null, \"notes\": \"x\"}", "notes"),
    ] {
        let refused = send_raw(&app, &path, &manager, &etag, Some(body)).await;
        assert_eq!(refused.invalid_fields(), vec![field]);
    }
    send_raw(&app, &path, &manager, &etag, Some(b"nul"))
        .await
        .problem(400, "/problems/malformed-json");
    assert_eq!(app.row_counts(), before);
}

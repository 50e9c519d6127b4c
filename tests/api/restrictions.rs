//! Restrictions on unreasonable behaviour (issue 14 §3-4). The service runs on a fixed clock,
//! Monday 2 November 2026 at 09:00 (November 2026 has no bank holidays in England), and the
//! scheduler is run at fixed days after it. Every date below is worked out by hand: a review
//! date of Tuesday 1 December is warned of two working days before, on Friday 27 November.

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

async fn scheduler_on(app: &TestApp, date: &str) -> Vec<&'static str> {
    let settings = JobSettings {
        now: Now::Fixed(day(date).and_hms_opt(9, 0, 0).expect("09:00")),
        ..JobSettings::from_settings(&settings_for("sqlite://unused.db", &[]), Default::default())
            .expect("settings")
    };
    jobs::alerts::round(&app.db, &settings)
        .await
        .expect("scheduler")
        .alerts
}

/// A complaint from Alex (account `alex`) about `service`: its reference.
async fn complaint_about(app: &TestApp, service: &str) -> String {
    let body = with(complaint(), json!({"service": service}));
    let case = app.create_case(&app.customer("alex"), &body).await;
    case["reference"].as_str().expect("reference").to_string()
}

async fn staff_view(app: &TestApp, reference: &str) -> Value {
    let case = app
        .get(&format!("/api/v1/cases/{reference}"), &app.manager())
        .await;
    assert_eq!(case.status, 200, "{}", case.text());
    case.json()
}

fn restriction(case: &str) -> Value {
    json!({
        "case": case,
        "restriction_type": "single_point_of_contact",
        "contact_officer": "officer-9",
        "scope": "services",
        "services": ["waste-care"],
        "behaviours": [{"behaviour": "unreasonable_persistent_contact",
                        "evidence": "41 calls to the depot in October, 12 of them abusive"}],
        "warning": {"given_on": "2026-10-26", "details": "Letter of 26 October"},
        "proportionality": "Waste Care only; letters and emails still answered; Equality Act \
                            2010 considered: no disability known that explains the calls",
        "review_on": "2026-12-01"
    })
}

/// The flags on the case, as staff see them: (flag, referred_to, note).
fn flags(case: &Value) -> Vec<(String, String, String)> {
    case["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .map(|f| {
            (
                f["flag"].as_str().unwrap_or_default().to_string(),
                f["referred_to"].as_str().unwrap_or_default().to_string(),
                f["note"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The timeline's types, as staff see it.
async fn timeline(app: &TestApp, reference: &str) -> Vec<Value> {
    let page = app
        .get(
            &format!("/api/v1/cases/{reference}/timeline"),
            &app.manager(),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.text());
    page.json()["items"].as_array().expect("items").clone()
}

#[actix_web::test]
async fn only_a_senior_officer_of_every_service_in_scope_decides_and_customers_never_see_one() {
    let app = spawn_app_at(Now::Fixed(at("2026-11-02 09:00")), &[]).await;
    let a = complaint_about(&app, "waste-care").await;
    let person = staff_view(&app, &a).await["person_id"]
        .as_i64()
        .expect("person");
    let path = format!("/api/v1/people/{person}/restrictions");

    let officer = app.officer("officer-3", &["waste-care"]);
    app.post(&path, &officer, &restriction(&a))
        .await
        .problem(403, "/problems/forbidden");
    // A Head of Service of Waste Care deciding for Waste Care and Street Care goes beyond
    // their services.
    let head = app.head_of_service("head-waste", &["waste-care"]);
    let wider = with(
        restriction(&a),
        json!({"services": ["waste-care", "street-care"]}),
    );
    let refused = app.post(&path, &head, &wider).await;
    let problem = refused.problem(403, "/problems/forbidden");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.ends_with("street-care")),
        "{problem}"
    );
    // Every service is the complaints manager's to restrict.
    let everything = with(
        restriction(&a),
        json!({"scope": "all_services", "services": []}),
    );
    app.post(&path, &head, &everything)
        .await
        .problem(403, "/problems/forbidden");
    // A warning usually comes first: without one, the reason is required.
    let unwarned = with(restriction(&a), json!({"warning": null}));
    let invalid = app.post(&path, &head, &unwarned).await;
    invalid.problem(422, "/problems/validation");
    assert_eq!(invalid.invalid_fields(), vec!["warning"]);
    // Nothing was recorded by any of those.
    let list = app.get(&path, &app.manager()).await;
    assert_eq!(list.json()["items"], json!([]));

    let decided = app.post(&path, &head, &restriction(&a)).await;
    assert_eq!(decided.status, 201, "{}", decided.text());
    let body = decided.json();
    assert_eq!(body["decided_by"], "head-waste");
    assert_eq!(body["decided_by_role"], "head_of_service");
    assert_eq!(body["status"], "in_force");
    assert_eq!(body["starts_on"], "2026-11-02");
    assert_eq!(body["told_on"], "2026-11-02");
    let id = body["id"].as_i64().expect("id");
    assert_eq!(
        decided.header("location").as_deref(),
        Some(format!("/api/v1/people/{person}/restrictions/{id}").as_str())
    );

    // Customers, the person themselves included, and partners never see a restriction.
    for token in [
        app.customer("alex"),
        app.customer("someone-else"),
        app.partner("partner-acme"),
    ] {
        app.get(&path, &token)
            .await
            .problem(404, "/problems/not-found");
        app.get(&format!("{path}/{id}"), &token)
            .await
            .problem(404, "/problems/not-found");
        app.post(&path, &token, &restriction(&a))
            .await
            .problem(404, "/problems/not-found");
    }
    // The customer's timeline shows none of it; the notice's sending is theirs to see.
    let theirs = app
        .get(
            &format!("/api/v1/cases/{a}/timeline"),
            &app.customer("alex"),
        )
        .await;
    assert_eq!(theirs.status, 200);
    let theirs = theirs.json();
    let types: Vec<&str> = theirs["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .filter(|t| t.starts_with("restrict"))
        .collect();
    assert!(types.is_empty(), "{types:?}");
}

#[actix_web::test]
async fn the_full_life_of_a_restriction_is_on_the_timeline_and_in_the_events() {
    let app = spawn_app_at(Now::Fixed(at("2026-11-02 09:00")), &[]).await;
    let a = complaint_about(&app, "waste-care").await;
    let person = staff_view(&app, &a).await["person_id"]
        .as_i64()
        .expect("person");
    let path = format!("/api/v1/people/{person}/restrictions");
    let decided = app.post(&path, &app.manager(), &restriction(&a)).await;
    assert_eq!(decided.status, 201, "{}", decided.text());
    let id = decided.json()["id"].as_i64().expect("id");
    let letter = decided.json()["notice_letter"].as_i64().expect("letter");

    // The notice: a letter on the case it arose from, in the mail room.
    let letters = app
        .get(&format!("/api/v1/cases/{a}/letters"), &app.manager())
        .await;
    let notice = letters.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|l| l["id"] == letter)
        .cloned()
        .expect("the notice is on the case");
    assert_eq!(notice["kind"], "restriction_notice");
    assert_eq!(
        notice["subject"],
        "How we will handle your contact with us from 2 November 2026"
    );
    let manager = app.manager();
    let text = app
        .send(
            awc::http::Method::GET,
            &format!("/api/v1/cases/{a}/letters/{letter}"),
            Some(&manager),
            &[("Accept", "text/plain")],
            None,
        )
        .await
        .text();
    for said in [
        "We wrote to you on 26 October 2026 about this.",
        "contacting our officers unreasonably often and persistently",
        "only through one named officer, officer-9",
        "This applies to your contact with: Waste Care.",
        "This applies from 2 November 2026. We will review it on 1 December 2026",
        "Local Government and Social Care Ombudsman",
        "0300 061 0614",
    ] {
        assert!(text.contains(said), "{said}\n{text}");
    }
    let outgoing = app
        .get(
            &format!("/api/v1/cases/{a}/outgoing-messages"),
            &app.manager(),
        )
        .await;
    assert_eq!(outgoing.status, 200, "{}", outgoing.text());
    assert!(outgoing.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|m| m["subject"] == notice["subject"]));

    // New contact in scope: recorded (201), flagged naming the restriction, routed to the
    // single point of contact.
    let b = complaint_about(&app, "waste-care").await;
    let b_case = staff_view(&app, &b).await;
    // The same complaint again, about the same service: intake also offers the first case as
    // a possible duplicate.
    assert_eq!(
        flags(&b_case),
        vec![
            (
                "restricted_contact".to_string(),
                "officer-9".to_string(),
                format!(
                    "restriction {id} (single point of contact) on this person applies: record \
                     the contact and read it for new issues or safeguarding concerns"
                )
            ),
            (
                "possible_duplicate".to_string(),
                "waste-care".to_string(),
                format!("the same person's similar case about this service: {a}")
            )
        ]
    );
    let queue = app
        .get("/api/v1/cases?investigator=officer-9", &app.manager())
        .await;
    let queue = queue.json();
    let queued: Vec<&str> = queue["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["reference"].as_str())
        .collect();
    assert_eq!(queued, vec![b.as_str()]);
    // Triage opens stage 1 with the officer as its investigator.
    let triaged = change(
        &app,
        &format!("/api/v1/cases/{b}/triage"),
        &app.manager(),
        b_case_etag(&app, &b).await.as_deref(),
        json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(triaged.status, 200, "{}", triaged.text());
    assert_eq!(triaged.json()["stages"][0]["investigator"], "officer-9");
    // Contact outside the scope (another service) is not restricted.
    let other = complaint_about(&app, "highways").await;
    assert_eq!(flags(&staff_view(&app, &other).await), vec![]);

    // The review falls due: warned two working days before Tuesday 1 December.
    scheduler_on(&app, "2026-11-26").await;
    let before: Vec<Value> = timeline(&app, &a)
        .await
        .into_iter()
        .filter(|e| e["details"]["deadline"] == "restriction_review")
        .collect();
    assert!(before.is_empty(), "{before:?}");
    scheduler_on(&app, "2026-11-27").await;
    let alerts: Vec<Value> = timeline(&app, &a)
        .await
        .into_iter()
        .filter(|e| e["details"]["deadline"] == "restriction_review")
        .collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["type"], "deadline_approaching");
    assert_eq!(
        alerts[0]["details"],
        json!({"deadline": "restriction_review", "stage": null, "due": "2026-12-01",
               "remedy": null, "learning_action": null, "restriction": id})
    );

    // Lifted at its review on Monday 30 November.
    let later = app.at(Now::Fixed(at("2026-11-30 10:00"))).await;
    let etag = later
        .get(&format!("{path}/{id}"), &later.manager())
        .await
        .header("etag")
        .expect("etag");
    let review_path = format!("{path}/{id}/reviews");
    change(
        &later,
        &review_path,
        &later.manager(),
        None,
        json!({"outcome": "lift"}),
    )
    .await
    .problem(428, "/problems/precondition-required");
    let lifted = change(
        &later,
        &review_path,
        &later.manager(),
        Some(&etag),
        json!({"outcome": "lift", "reasons": "No calls since the restriction began"}),
    )
    .await;
    assert_eq!(lifted.status, 200, "{}", lifted.text());
    assert_eq!(lifted.json()["status"], "lifted");
    assert_eq!(lifted.json()["lifted_at"], "2026-11-30T10:00:00Z");
    assert_eq!(
        lifted.json()["reviews"],
        json!([{"outcome": "lift", "reasons": "No calls since the restriction began",
                "previous_review_on": "2026-12-01", "new_review_on": null,
                "reviewed_by": "manager-1", "reviewed_at": "2026-11-30T10:00:00Z"}])
    );
    // Lifted: new contact is no longer flagged, and the review is never said missed.
    let c = complaint_about(&later, "waste-care").await;
    let kinds: Vec<String> = flags(&staff_view(&later, &c).await)
        .into_iter()
        .map(|f| f.0)
        .collect();
    // (The same complaint a third time is still offered as a possible duplicate.)
    assert_eq!(kinds, vec!["possible_duplicate"]);
    scheduler_on(&later, "2026-12-02").await;
    let reviews: Vec<String> = timeline(&later, &a)
        .await
        .into_iter()
        .filter(|e| e["details"]["deadline"] == "restriction_review")
        .map(|e| e["type"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(reviews, vec!["deadline_approaching"]);

    // The whole life, on the timelines (each oldest first) and in the feed (in commit order).
    let of_the_life = |events: Vec<Value>| -> Vec<String> {
        events
            .into_iter()
            .filter(|e| {
                let t = e["type"].as_str().unwrap_or_default();
                t.starts_with("restrict")
                    || e["details"]["flag"] == "restricted_contact"
                    || e["details"]["deadline"] == "restriction_review"
            })
            .map(|e| e["type"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(
        of_the_life(timeline(&later, &a).await),
        vec![
            "restriction_warning_recorded",
            "restriction_decided",
            "restriction_notice_sent",
            "deadline_approaching",
            "restriction_lifted",
        ]
    );
    assert_eq!(
        of_the_life(timeline(&later, &b).await),
        vec!["flagged", "restricted_contact"]
    );
    later.feed_settled().await;
    let feed = later
        .get(
            "/api/v1/events?types=restriction.warning_recorded,restriction.decided,\
             restriction.notice_sent,case.flagged,restriction.contact_received,\
             deadline.approaching,restriction.lifted&limit=200",
            &later.manager(),
        )
        .await;
    assert_eq!(feed.status, 200, "{}", feed.text());
    let fed: Vec<(String, String)> = feed.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["type"] != "deadline.approaching" || e["data"]["due"] == "2026-12-01")
        .map(|e| {
            (
                e["data"]["case"].as_str().unwrap_or_default().to_string(),
                e["type"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let pair = |case: &str, t: &str| (case.to_string(), t.to_string());
    assert_eq!(
        fed,
        vec![
            pair(&a, "restriction.warning_recorded"),
            pair(&a, "restriction.decided"),
            pair(&a, "restriction.notice_sent"),
            pair(&b, "case.flagged"),
            pair(&b, "restriction.contact_received"),
            // b and c repeat a: each is flagged as a possible duplicate too.
            pair(&b, "case.flagged"),
            pair(&a, "deadline.approaching"),
            pair(&a, "restriction.lifted"),
            pair(&c, "case.flagged"),
        ]
    );
    drop(later);
}

async fn b_case_etag(app: &TestApp, reference: &str) -> Option<String> {
    app.get(&format!("/api/v1/cases/{reference}"), &app.manager())
        .await
        .header("etag")
}

#[actix_web::test]
async fn contact_on_a_matter_under_no_further_correspondence_is_kept_flagged_and_read_before_it_closes(
) {
    let app = spawn_app_at(Now::Fixed(at("2026-11-02 09:00")), &[]).await;
    let a = complaint_about(&app, "waste-care").await;
    let person = staff_view(&app, &a).await["person_id"]
        .as_i64()
        .expect("person");
    let decided = app
        .post(
            &format!("/api/v1/people/{person}/restrictions"),
            &app.manager(),
            &with(
                restriction(&a),
                json!({
                    "restriction_type": "no_further_correspondence",
                    "contact_officer": null,
                    "scope": "matter", "services": null, "matter": [a],
                    "behaviours": [{"behaviour": "repeating_the_same_complaint",
                                    "evidence": "The same complaint five times since June"}],
                    "review_on": "2027-02-01"
                }),
            ),
        )
        .await;
    assert_eq!(decided.status, 201, "{}", decided.text());
    let id = decided.json()["id"].as_i64().expect("id");

    // A new case about the matter's service: logged (201), not dropped, flagged.
    let body = with(complaint(), json!({"summary": "The bin again"}));
    let created = app
        .post("/api/v1/cases", &app.customer("alex"), &body)
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let b = created.json()["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let b_case = staff_view(&app, &b).await;
    assert_eq!(b_case["status"], "received");
    let flagged = flags(&b_case);
    // Restricted contact, and (the same complaint again) a possible duplicate of the matter's
    // case.
    let kinds: Vec<&str> = flagged.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(kinds, vec!["restricted_contact", "possible_duplicate"]);
    assert_eq!(flagged[0].0, "restricted_contact");
    assert_eq!(flagged[0].1, "waste-care");
    assert!(flagged[0]
        .2
        .starts_with(&format!("restriction {id} (no further correspondence)")));

    // It cannot be triaged out or closed until read for new issues.
    let etag = b_case_etag(&app, &b).await;
    let refused = change(
        &app,
        &format!("/api/v1/cases/{b}/triage"),
        &app.manager(),
        etag.as_deref(),
        json!({"decision": "service_request", "referral": "Passed to the crews"}),
    )
    .await;
    let problem = refused.problem(409, "/problems/conflict");
    assert_eq!(problem["errors"][0]["field"], "new_issue_review");
    assert!(problem["detail"]
        .as_str()
        .is_some_and(|d| d.contains("/new-issue-review")));
    let review_path = format!("/api/v1/cases/{b}/new-issue-review");
    let reading = json!({"new_issues": false, "safeguarding_concern": false,
                         "notes": "Repeats the missed collections of the matter; nothing new"});
    change(&app, &review_path, &app.manager(), None, reading.clone())
        .await
        .problem(428, "/problems/precondition-required");
    let reviewed = change(
        &app,
        &review_path,
        &app.officer("officer-3", &["waste-care"]),
        etag.as_deref(),
        reading,
    )
    .await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.text());
    let triaged = change(
        &app,
        &format!("/api/v1/cases/{b}/triage"),
        &app.manager(),
        reviewed.header("etag").as_deref(),
        json!({"decision": "service_request", "referral": "Passed to the crews"}),
    )
    .await;
    assert_eq!(triaged.status, 200, "{}", triaged.text());
    let closed = change(
        &app,
        &format!("/api/v1/cases/{b}/closure"),
        &app.manager(),
        triaged.header("etag").as_deref(),
        json!({}),
    )
    .await;
    assert_eq!(closed.status, 200, "{}", closed.text());
    assert_eq!(closed.json()["status"], "closed");
    let reading_on_timeline: Vec<Value> = timeline(&app, &b)
        .await
        .into_iter()
        .filter(|e| e["type"] == "new_issues_reviewed")
        .map(|e| e["details"].clone())
        .collect();
    assert_eq!(
        reading_on_timeline,
        vec![json!({"new_issues": false, "safeguarding_concern": false,
                    "notes": "Repeats the missed collections of the matter; nothing new"})]
    );

    // A case about another service is not known to be the matter's until staff link it.
    let c = complaint_about(&app, "highways").await;
    assert_eq!(flags(&staff_view(&app, &c).await), vec![]);
    let linked = change(
        &app,
        &format!("/api/v1/cases/{c}/links"),
        &app.manager(),
        b_case_etag(&app, &c).await.as_deref(),
        json!({"reference": a}),
    )
    .await;
    assert_eq!(linked.status, 200, "{}", linked.text());
    let c_case = staff_view(&app, &c).await;
    assert_eq!(flags(&c_case)[0].0, "restricted_contact");
    let contact: Vec<Value> = timeline(&app, &c)
        .await
        .into_iter()
        .filter(|e| e["type"] == "restricted_contact")
        .map(|e| e["details"].clone())
        .collect();
    assert_eq!(
        contact,
        vec![
            json!({"restriction": id, "restriction_type": "no_further_correspondence",
                    "via": "link", "routed_to": null, "matter_case": a,
                    "needs_new_issue_review": true})
        ]
    );
    // Triaged in, it still cannot close without the reading: excluded here, refused.
    change(
        &app,
        &format!("/api/v1/cases/{c}/triage"),
        &app.manager(),
        b_case_etag(&app, &c).await.as_deref(),
        json!({"decision": "excluded", "procedure": "information_rights",
               "referral": "Write to the Information Governance team"}),
    )
    .await
    .problem(409, "/problems/conflict");

    // Once the review date passes unextended (Monday 1 February 2027), the restriction has
    // expired by itself: on Tuesday 2 February new contact is no longer flagged.
    let later = app.at(Now::Fixed(at("2027-02-02 10:00"))).await;
    let d = complaint_about(&later, "waste-care").await;
    assert_eq!(flags(&staff_view(&later, &d).await), vec![]);
    let restriction = later
        .get(
            &format!("/api/v1/people/{person}/restrictions/{id}"),
            &later.manager(),
        )
        .await;
    assert_eq!(restriction.json()["status"], "expired");
    drop(later);
}

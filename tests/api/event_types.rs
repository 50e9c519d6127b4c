//! `GET /api/v1/event-types`: every kind of event a timeline carries, who sees it and the
//! schema of its details, and the events real cases record fit what it says.

use awc::http::Method;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::lifecycle::{change, new_complaint};

/// The names, written out: a new kind of event, or a renamed one, changes what integrators
/// read, so it must change this list too.
const NAMES: [&str; 58] = [
    "received",
    "triaged",
    "acknowledged",
    "assigned",
    "note",
    "extension_requested",
    "extended",
    "extension_refused",
    "response_drafted",
    "response_sent",
    "escalated",
    "withdrawn",
    "closed",
    "reopened",
    "referred_to_ombudsman",
    "ombudsman_decision",
    "remedy_promised",
    "remedy_outcome",
    "flagged",
    "linked",
    "person_matched",
    "lead_service_changed",
    "contributing_service_added",
    "contributing_service_removed",
    "forwarded",
    "replied",
    "comment_action_recorded",
    "deadline_approaching",
    "deadline_missed",
    "remedy_overdue",
    "learning_action_overdue",
    "correspondence_received",
    "correspondence_logged",
    "document_added",
    "staff_document_added",
    "survey_invited",
    "survey_answered",
    "case_access_link_sent",
    "case_access_link_revoked",
    "case_access_link_claimed",
    "correspondence_sent",
    "correspondence_delivered",
    "correspondence_failed",
    "correspondence_returned",
    "escalation_refused",
    "restriction_warning_recorded",
    "restriction_decided",
    "restriction_notice_sent",
    "restricted_contact",
    "restriction_lifted",
    "restriction_extended",
    "new_issues_reviewed",
    "legal_hold_placed",
    "legal_hold_lifted",
    "anonymised",
    "documents_deleted",
    "erasure_requested",
    "erasure_decided",
];

/// The feed's names for them, in the same order, written out for the same reason.
const FEED_NAMES: [&str; 58] = [
    "case.created",
    "case.triaged",
    "stage.acknowledged",
    "stage.assigned",
    "case.note_added",
    "extension.requested",
    "extension.agreed",
    "extension.refused",
    "response.drafted",
    "response.sent",
    "stage_2.requested",
    "case.withdrawn",
    "case.closed",
    "case.reopened",
    "ombudsman.referred",
    "ombudsman.decision_recorded",
    "remedy.promised",
    "remedy.outcome_recorded",
    "case.flagged",
    "case.linked",
    "case.person_matched",
    "case.lead_service_changed",
    "case.contributing_service_added",
    "case.contributing_service_removed",
    "feedback.forwarded",
    "feedback.replied",
    "feedback.comment_action_recorded",
    "deadline.approaching",
    "deadline.missed",
    "remedy.overdue",
    "learning_action.overdue",
    "correspondence.received",
    "correspondence.logged",
    "document.added",
    "document.added_for_staff",
    "survey.invited",
    "survey.answered",
    "case_access_link.sent",
    "case_access_link.revoked",
    "case_access_link.claimed",
    "correspondence.sent",
    "correspondence.delivered",
    "correspondence.failed",
    "correspondence.returned",
    "stage_2.refused",
    "restriction.warning_recorded",
    "restriction.decided",
    "restriction.notice_sent",
    "restriction.contact_received",
    "restriction.lifted",
    "restriction.extended",
    "case.new_issues_reviewed",
    "legal_hold.placed",
    "legal_hold.lifted",
    "case.anonymised",
    "case.documents_deleted",
    "erasure.requested",
    "erasure.decided",
];

pub async fn listed(app: &TestApp) -> Vec<Value> {
    let response = app
        .get("/api/v1/event-types", &app.customer("anyone"))
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    let body = response.json();
    assert_eq!(body["next_cursor"], Value::Null);
    body["items"].as_array().expect("items").clone()
}

pub async fn document(app: &TestApp) -> Value {
    app.send(Method::GET, "/openapi.json", None, &[], None)
        .await
        .json()
}

fn item<'a>(items: &'a [Value], name: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["type"] == name)
        .unwrap_or_else(|| panic!("{name} is not listed"))
}

/// The schema a `$ref` names in the document.
fn resolve<'a>(reference: &str, doc: &'a Value) -> &'a Value {
    let pointer = reference
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("{reference} is not local to the document"));
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("{reference} does not resolve in /openapi.json"))
}

/// Every `$ref` in `value`.
fn refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                found.push(r.clone());
            }
            map.values().for_each(|v| refs(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
        _ => {}
    }
}

fn keys(schema: &Value) -> Vec<String> {
    let mut keys: Vec<String> = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no properties in {schema}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

/// Whether `value` has the shape `schema` gives it, reading `$ref`s from `doc`: the JSON
/// type, the enum words, dates and instants as such, every required property there and
/// none the schema does not name (stricter than JSON Schema, which allows extra ones by
/// default: the published schema is meant to be the whole of what is stored).
pub fn fits(value: &Value, schema: &Value, doc: &Value) -> Result<(), String> {
    if let Some(reference) = schema["$ref"].as_str() {
        return fits(value, resolve(reference, doc), doc);
    }
    if let Some(branches) = schema["oneOf"].as_array() {
        let errors: Vec<String> = branches
            .iter()
            .filter_map(|branch| fits(value, branch, doc).err())
            .collect();
        return if errors.len() < branches.len() {
            Ok(())
        } else {
            Err(format!("{value} fits no branch: {}", errors.join("; ")))
        };
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let type_of = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let typed = types.is_empty()
        || types.contains(&type_of)
        || (type_of == "integer" && types.contains(&"number"));
    if !typed {
        return Err(format!("{value} is not {types:?}"));
    }
    if let Some(words) = schema["enum"].as_array() {
        if !words.contains(value) {
            return Err(format!("{value} is not one of {words:?}"));
        }
    }
    if let Value::String(text) = value {
        match schema["format"].as_str() {
            Some("date") if chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err() => {
                return Err(format!("{text} is not a date"))
            }
            Some("date-time") if chrono::DateTime::parse_from_rfc3339(text).is_err() => {
                return Err(format!("{text} is not an RFC 3339 instant"))
            }
            _ => {}
        }
    }
    if let Value::Array(items) = value {
        for item in items {
            fits(item, &schema["items"], doc)?;
        }
    }
    if let Value::Object(map) = value {
        let properties = schema["properties"].as_object();
        for required in schema["required"].as_array().into_iter().flatten() {
            let name = required.as_str().unwrap_or_default();
            if !map.contains_key(name) {
                return Err(format!("{value} has no {name}"));
            }
        }
        if let Some(properties) = properties {
            for (key, child) in map {
                let property = properties
                    .get(key)
                    .ok_or_else(|| format!("{key} is not in the schema"))?;
                fits(child, property, doc).map_err(|e| format!("{key}: {e}"))?;
            }
        }
    }
    Ok(())
}

#[actix_web::test]
async fn every_kind_of_event_is_listed_in_order_with_who_sees_it_and_its_details_schema() {
    let app = spawn_app().await;
    let items = listed(&app).await;
    let names: Vec<&str> = items.iter().filter_map(|i| i["type"].as_str()).collect();
    assert_eq!(names, NAMES);
    let feed_names: Vec<&str> = items
        .iter()
        .filter_map(|i| i["feed_type"].as_str())
        .collect();
    assert_eq!(feed_names, FEED_NAMES);
    assert!(items.iter().all(|i| i["version"] == 1));
    for item in &items {
        assert!(
            ["public", "internal"].contains(&item["visibility"].as_str().unwrap_or_default()),
            "{item}"
        );
        assert!(
            !item["description"].as_str().unwrap_or_default().is_empty(),
            "{item}"
        );
        assert!(item["details"].is_object(), "{item}");
    }
    assert_eq!(item(&items, "note")["visibility"], "internal");
    assert_eq!(item(&items, "assigned")["visibility"], "internal");
    assert_eq!(item(&items, "received")["visibility"], "public");
    assert_eq!(item(&items, "response_sent")["visibility"], "public");
    assert_eq!(
        item(&items, "note")["description"],
        "A member of staff added an internal note."
    );

    let doc = document(&app).await;
    // Triage: the decision, where it left the case, and what was recorded with it.
    let triaged = &item(&items, "triaged")["details"];
    assert_eq!(triaged["type"], "object");
    assert_eq!(keys(triaged), ["decision", "details", "stage", "status"]);
    assert_eq!(
        triaged["required"],
        json!(["decision", "status", "details"])
    );
    assert_eq!(
        triaged["properties"]["decision"]["$ref"],
        "#/components/schemas/Decision"
    );
    assert_eq!(
        triaged["properties"]["status"]["$ref"],
        "#/components/schemas/Status"
    );
    let recorded = resolve(
        triaged["properties"]["details"]["$ref"]
            .as_str()
            .expect("details is a $ref"),
        &doc,
    );
    assert_eq!(
        keys(recorded),
        [
            "organisation",
            "out_of_time",
            "previously",
            "procedure",
            "reason",
            "referral",
            "referral_due",
            "resolution",
            "special_circumstances"
        ]
    );
    assert_eq!(recorded["required"], json!(["out_of_time"]));

    // An acknowledgement is of a complaint's stage or of a compliment or comment.
    let acknowledged = &item(&items, "acknowledged")["details"];
    assert_eq!(acknowledged["$ref"], "#/components/schemas/Acknowledgement");
    let forms = resolve("#/components/schemas/Acknowledgement", &doc)["oneOf"]
        .as_array()
        .expect("two forms")
        .clone();
    assert_eq!(forms.len(), 2);
    assert_eq!(
        keys(&forms[0]),
        [
            "acknowledged_at",
            "method",
            "on_time",
            "response_due",
            "stage"
        ]
    );
    assert_eq!(
        forms[0]["required"],
        json!([
            "stage",
            "method",
            "acknowledged_at",
            "on_time",
            "response_due"
        ])
    );
    assert_eq!(
        keys(&forms[1]),
        ["acknowledged_at", "method", "on_time", "reply_due"]
    );
    assert_eq!(
        resolve("#/components/schemas/Instant", &doc)["format"],
        "date-time"
    );

    // Words from a closed set name their vocabulary, so an integrator knows every word.
    assert_eq!(
        item(&items, "replied")["details"]["properties"]["method"]["$ref"],
        "#/components/schemas/AcknowledgementMethod"
    );
    assert_eq!(
        item(&items, "escalated")["details"]["properties"]["grounds"]["items"]["$ref"],
        "#/components/schemas/Ground"
    );
    assert_eq!(
        item(&items, "remedy_promised")["details"]["properties"]["type"]["$ref"],
        "#/components/schemas/RemedyType"
    );
    assert_eq!(
        forms[0]["properties"]["method"]["$ref"],
        "#/components/schemas/AcknowledgementMethod"
    );

    // The note is the simplest: its text.
    let note = &item(&items, "note")["details"];
    assert_eq!(keys(note), ["text"]);
    assert_eq!(note["properties"]["text"]["type"], "string");
    // The checker the timelines are held to below refuses what the schema does not say.
    assert!(fits(&json!({"text": "Rang the customer"}), note, &doc).is_ok());
    assert!(fits(&json!({}), note, &doc).is_err());
    assert!(fits(&json!({"text": 7}), note, &doc).is_err());
    assert!(fits(&json!({"text": "x", "extra": true}), note, &doc).is_err());
    let stage_ack = json!({"stage": "stage_1", "method": "email", "acknowledged_at": "2026-01-05T10:00:00Z",
                           "on_time": true, "response_due": "2026-01-19"});
    assert!(fits(&stage_ack, acknowledged, &doc).is_ok());
    assert!(fits(
        &with(stage_ack.clone(), json!({"stage": "stage_9"})),
        acknowledged,
        &doc
    )
    .is_err());
    assert!(fits(
        &with(stage_ack, json!({"response_due": "soon"})),
        acknowledged,
        &doc
    )
    .is_err());

    // Generated, not kept by hand: each is the `details` of its branch of `CaseEvent`,
    // and every `$ref` resolves in the served document.
    let branches = doc["components"]["schemas"]["CaseEvent"]["oneOf"]
        .as_array()
        .expect("CaseEvent");
    for item in &items {
        let branch = branches
            .iter()
            .find(|b| b["properties"]["type"]["enum"] == json!([item["type"]]))
            .unwrap_or_else(|| panic!("CaseEvent has no branch for {}", item["type"]));
        assert_eq!(branch["properties"]["details"], item["details"]);
        let mut found = vec![];
        refs(&item["details"], &mut found);
        for reference in found {
            resolve(&reference, &doc);
        }
    }
    let operation = &doc["paths"]["/api/v1/event-types"]["get"];
    assert_eq!(
        operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/EventTypeList"
    );
    assert_eq!(
        doc["components"]["schemas"]["EventTypeItem"]["properties"]["type"]["$ref"],
        "#/components/schemas/EventTypeName"
    );
    assert_eq!(
        doc["components"]["schemas"]["EventTypeName"]["enum"],
        json!(NAMES.as_slice())
    );
}

#[actix_web::test]
async fn staff_and_partners_read_the_list_too_and_without_a_token_it_is_401() {
    let app = spawn_app().await;
    for token in [
        app.manager(),
        app.officer("o-waste", &["waste-care"]),
        app.partner("partner-acme-housing"),
    ] {
        let response = app.get("/api/v1/event-types", &token).await;
        assert_eq!(response.status, 200, "{}", response.text());
        assert_eq!(response.json()["items"].as_array().map(Vec::len), Some(58));
    }
    let anonymous = app
        .send(Method::GET, "/api/v1/event-types", None, &[], None)
        .await;
    anonymous.problem(401, "/problems/unauthorized");
    assert!(anonymous
        .header("www-authenticate")
        .is_some_and(|h| h.starts_with("Bearer")));
    app.send(
        Method::GET,
        "/api/v1/event-types",
        Some("not-a-token"),
        &[],
        None,
    )
    .await
    .problem(401, "/problems/unauthorized");
}

/// Checks every event on `reference`'s timeline (as staff see it) is a listed kind, with the
/// listed visibility and details of the listed shape; returns the types in order.
pub async fn check_timeline(
    app: &TestApp,
    reference: &str,
    items: &[Value],
    doc: &Value,
) -> Vec<String> {
    let timeline = app
        .get(
            &format!("/api/v1/cases/{reference}/timeline"),
            &app.manager(),
        )
        .await;
    assert_eq!(timeline.status, 200, "{}", timeline.text());
    timeline.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|event| {
            let name = event["type"].as_str().expect("type");
            assert!(NAMES.contains(&name), "{name} is not listed");
            let kind = item(items, name);
            assert_eq!(event["visibility"], kind["visibility"], "{event}");
            if let Err(e) = fits(&event["details"], &kind["details"], doc) {
                panic!("{reference} {name}: {e}\n{event}");
            }
            name.to_string()
        })
        .collect()
}

#[actix_web::test]
async fn every_event_real_cases_record_is_listed_and_has_the_listed_shape() {
    let app = spawn_app().await;
    let items = listed(&app).await;
    let doc = document(&app).await;
    let manager = app.manager();
    let officer = app.officer("officer-17", &["waste-care"]);
    let head = app.head_of_service("h-waste", &["waste-care"]);
    let customer = app.customer("vic");

    // A complaint: accepted, acknowledged, assigned, noted, extended, answered, a remedy
    // promised and done, and closed.
    let case = app.create_case(&customer, &complaint()).await;
    let reference = case["reference"].as_str().expect("reference").to_string();
    let base = format!("/api/v1/cases/{reference}");
    let mut etag = "\"1\"".to_string();
    let step = |response: TestResponse, what: &str, etag: &mut String| {
        assert!(
            [200, 201].contains(&response.status),
            "{what}: {}",
            response.text()
        );
        if let Some(new) = response.header("etag") {
            *etag = new;
        }
        response.json()
    };
    for (path, token, body) in [
        ("triage", &manager, json!({"decision": "accept"})),
        (
            "acknowledgement",
            &manager,
            json!({"understanding": "The bin was missed three weeks running", "method": "email"}),
        ),
        ("assignment", &head, json!({"investigator": "officer-17"})),
    ] {
        let response = change(&app, &format!("{base}/{path}"), token, Some(&etag), body).await;
        step(response, path, &mut etag);
    }
    let note = app
        .post(
            &format!("{base}/notes"),
            &officer,
            &json!({"text": "Asked the crew supervisor for the round sheets."}),
        )
        .await;
    assert_eq!(note.status, 201, "{}", note.text());
    let due = app.get(&base, &manager).await.json()["stages"][0]["response_due"]
        .as_str()
        .expect("due")
        .to_string();
    let new_due = app
        .get(
            &format!("/api/v1/calendar/due-date?from={due}&working_days=5"),
            &manager,
        )
        .await
        .json()["due"]
        .as_str()
        .expect("date")
        .to_string();
    let asked = step(
        change(
            &app,
            &format!("{base}/extensions"),
            &officer,
            Some(&etag),
            json!({"reason": "Waiting for the crew's records", "new_response_due": new_due}),
        )
        .await,
        "ask for an extension",
        &mut etag,
    );
    step(
        change(
            &app,
            &format!("{base}/extensions/{}/decision", asked["id"]),
            &head,
            Some(&etag),
            json!({"decision": "agree", "customer_told_at": chrono::Utc::now().to_rfc3339()}),
        )
        .await,
        "agree the extension",
        &mut etag,
    );
    // An upheld response sets out its remedies: promised before it is sent.
    let promised = app
        .post(
            &format!("{base}/remedies"),
            &officer,
            &json!({"type": "service_provided", "description": "Collect the green bin on Friday",
                    "due": "2027-01-15", "owner": "crew-lead-4"}),
        )
        .await;
    assert_eq!(promised.status, 201, "{}", promised.text());
    let drafted = app
        .post(
            &format!("{base}/responses"),
            &officer,
            &json!({
                "outcome": "upheld",
                "findings": [{"point": "The bin was missed", "finding": "The crew missed it", "upheld": true}],
                "letter": "Dear Vic, thank you for your complaint...",
                "apology": "We are sorry your bin was missed.",
                "understanding": "Your bin was missed.",
                "outstanding_actions": []
            }),
        )
        .await;
    assert_eq!(drafted.status, 201, "{}", drafted.text());
    step(
        change(
            &app,
            &format!("{base}/responses/{}/approval", drafted.json()["id"]),
            &head,
            Some(&etag),
            json!({}),
        )
        .await,
        "send the response",
        &mut etag,
    );
    let today = council_feedback::domain::clock::uk_date(chrono::Utc::now().naive_utc());
    step(
        change(
            &app,
            &format!("{base}/remedies/{}/outcome", promised.json()["id"]),
            &officer,
            Some(&etag),
            json!({"status": "done", "done_on": today.to_string(), "evidence": "Collected"}),
        )
        .await,
        "complete the remedy",
        &mut etag,
    );
    let story = check_timeline(&app, &reference, &items, &doc).await;
    assert_eq!(
        story,
        vec![
            "received",
            "triaged",
            "acknowledged",
            "assigned",
            "note",
            "extension_requested",
            "extended",
            "remedy_promised",
            "response_drafted",
            "response_sent",
            "remedy_outcome"
        ]
    );

    // A compliment: passed on, answered (which stands for the acknowledgement) and closed.
    let (compliment, mut etag) = new_complaint(
        &app,
        with(
            complaint(),
            json!({"kind": "compliment", "desired_outcome": null, "response_requested": true,
                   "staff_named": ["Sam Driver"]}),
        ),
    )
    .await;
    let base = format!("/api/v1/cases/{compliment}");
    for (path, body) in [
        ("forwarding", json!({})),
        (
            "reply",
            json!({"method": "letter", "reply": "Thank you: Sam has been told."}),
        ),
        ("closure", json!({})),
    ] {
        let response = change(&app, &format!("{base}/{path}"), &head, Some(&etag), body).await;
        step(response, path, &mut etag);
    }
    let story = check_timeline(&app, &compliment, &items, &doc).await;
    assert_eq!(story, vec!["received", "forwarded", "replied", "closed"]);

    // A complaint triaged out as a service request, closed, and reopened.
    let (request, mut etag) = new_complaint(&app, complaint()).await;
    let base = format!("/api/v1/cases/{request}");
    for (path, body) in [
        (
            "triage",
            json!({"decision": "service_request", "referral": "Passed to the waste team"}),
        ),
        ("closure", json!({})),
        (
            "reopening",
            json!({"reason": "The customer says the bin is still not collected"}),
        ),
    ] {
        let response = change(&app, &format!("{base}/{path}"), &manager, Some(&etag), body).await;
        step(response, path, &mut etag);
    }
    let story = check_timeline(&app, &request, &items, &doc).await;
    // The same person's same complaint as the first, again: flagged as a possible duplicate.
    assert_eq!(
        story,
        vec!["received", "flagged", "triaged", "closed", "reopened"]
    );
}

#[actix_web::test]
async fn every_seeded_event_is_listed_and_has_the_shape_the_service_records() {
    use council_feedback::db::schema::{case_events, cases};
    use council_feedback::db::DbConnection;
    use council_feedback::domain::clock::Clock;
    use council_feedback::seed::{seed, SeedOptions};
    use diesel::prelude::*;

    let app = spawn_app().await;
    let clock = Clock::new(settings_for("sqlite://unused.db", &[]).policy).expect("clock");
    let options = SeedOptions {
        cases: 400,
        seed: 11,
        from: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
        to: chrono::NaiveDate::from_ymd_opt(2026, 6, 30).expect("date"),
    };
    seed(&app.db, &clock, &options, |_| {}).expect("seeded");
    let items = listed(&app).await;
    let doc = document(&app).await;

    let mut conn = app.db.connection().expect("connection");
    let conn: &mut DbConnection = &mut conn;
    let events: Vec<(String, String, String)> = case_events::table
        .select((
            case_events::event_type,
            case_events::visibility,
            case_events::details,
        ))
        .load(conn)
        .expect("events");
    let mut seen: Vec<&str> = vec![];
    for (name, visibility, details) in &events {
        assert!(NAMES.contains(&name.as_str()), "{name} is not listed");
        let kind = item(&items, name);
        assert_eq!(kind["visibility"], visibility.as_str(), "{name}");
        let details: Value = serde_json::from_str(details).expect("details are JSON");
        if let Err(e) = fits(&details, &kind["details"], &doc) {
            panic!("seeded {name}: {e}\n{details}");
        }
        if !seen.contains(&name.as_str()) {
            seen.push(name);
        }
    }
    seen.sort_unstable();
    assert_eq!(
        seen,
        [
            "acknowledged",
            "assigned",
            "closed",
            "comment_action_recorded",
            "escalated",
            "extension_requested",
            "forwarded",
            "ombudsman_decision",
            "received",
            "referred_to_ombudsman",
            "remedy_promised",
            "replied",
            "response_sent",
            "triaged",
            "withdrawn"
        ]
    );

    // What triage recorded is also kept on the case, in the same shape.
    let recorded = resolve("#/components/schemas/TriageDetails", &doc);
    let triaged: Vec<Option<String>> = cases::table
        .filter(cases::triage_decision.is_not_null())
        .select(cases::triage_details)
        .load(conn)
        .expect("cases");
    assert!(!triaged.is_empty());
    for details in triaged {
        let details: Value =
            serde_json::from_str(details.as_deref().unwrap_or("null")).expect("JSON");
        if let Err(e) = fits(&details, recorded, &doc) {
            panic!("a seeded case's triage details: {e}\n{details}");
        }
    }
}

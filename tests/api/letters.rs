//! Letters (issue 13 §1-§3): written from the council's templates when the event happens, each
//! holding what the Complaint Handling Code requires, kept on the case and read as HTML, plain
//! text or PDF. Dates are worked out by hand; the Ombudsmen's telephone numbers are seed 003's.

use std::time::Duration;

use chrono::NaiveDateTime;
use council_feedback::app::time::Now;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::lifecycle::change;
use crate::mailroom::{notify_settings, smtp_settings};

/// Monday 2 November 2026, 09:00 UTC: the complaint arrives and is acknowledged that day, so
/// its stage 1 response is due 10 working days on (the Code), Monday 16 November.
fn monday() -> Now {
    Now::Fixed(
        NaiveDateTime::parse_from_str("2026-11-02 09:00:00", "%Y-%m-%d %H:%M:%S").expect("date"),
    )
}

const UNDERSTANDING: &str =
    "Your green bin was not collected on three collection days and your two online reports were not answered.";
const CREW: &str = "Crew records confirm two missed collections";
const REPORTS: &str = "Both reports were logged and passed to the crew";
const ACTION: &str = "Check collections from Example Road every week";
const REASON: &str = "We are waiting for the crew's vehicle tracking records";

/// A complaint from customer `subject` about `service`, with `changes` to its customer,
/// accepted, acknowledged (stating the understanding) and assigned to officer-17.
async fn acknowledged(
    app: &TestApp,
    subject: &str,
    service: &str,
    customer: Value,
) -> (String, String) {
    let body = with(
        complaint(),
        json!({"service": service, "customer": customer}),
    );
    let case = app.create_case(&app.customer(subject), &body).await;
    let reference = case["reference"].as_str().expect("reference").to_string();
    let base = format!("/api/v1/cases/{reference}");
    let manager = app.manager();
    let mut etag = "\"1\"".to_string();
    for (path, body) in [
        ("triage", json!({"decision": "accept"})),
        (
            "acknowledgement",
            json!({"method": "email", "understanding": UNDERSTANDING}),
        ),
        ("assignment", json!({"investigator": "officer-17"})),
    ] {
        let response = change(app, &format!("{base}/{path}"), &manager, Some(&etag), body).await;
        assert_eq!(response.status, 200, "{path}: {}", response.text());
        etag = response.header("etag").expect("etag");
    }
    (reference, etag)
}

/// A complete draft: each point decided with reasons, the understanding, one action due.
fn draft(outcome: &str) -> Value {
    json!({
        "outcome": outcome,
        "findings": [
            {"point": "The bin was missed three weeks running", "finding": CREW, "upheld": true},
            {"point": "Online reports were ignored", "finding": REPORTS, "upheld": false}
        ],
        "apology": "We are sorry that your bin was missed twice.",
        "understanding": UNDERSTANDING,
        "outstanding_actions": [{"action": ACTION, "due": "2026-12-18"}]
    })
}

/// Drafts `body` as officer-17 and gives the draft's id.
async fn drafted(app: &TestApp, reference: &str, body: &Value) -> i64 {
    let response = app
        .post(
            &format!("/api/v1/cases/{reference}/responses"),
            &app.officer("officer-17", &["waste-care", "housing-estates-communities"]),
            body,
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.text());
    response.json()["id"].as_i64().expect("id")
}

async fn approve(app: &TestApp, reference: &str, id: i64, etag: &str) -> TestResponse {
    change(
        app,
        &format!("/api/v1/cases/{reference}/responses/{id}/approval"),
        &app.manager(),
        Some(etag),
        json!({}),
    )
    .await
}

/// Officer-17 asks for more time, the response moving from Monday 16 to Monday 23 November
/// for `REASON`, and the manager agrees (the customer told that day). Gives the new ETag.
async fn extended(app: &TestApp, reference: &str, etag: &str) -> String {
    let base = format!("/api/v1/cases/{reference}");
    let asked = app
        .send(
            awc::http::Method::POST,
            &format!("{base}/extensions"),
            Some(&app.officer("officer-17", &["waste-care"])),
            &[("If-Match", etag)],
            Some(
                json!({"new_response_due": "2026-11-23", "reason": REASON})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    assert_eq!(asked.status, 201, "{}", asked.text());
    let extension = asked.json()["id"].as_i64().expect("id");
    let agreed = change(
        app,
        &format!("{base}/extensions/{extension}/decision"),
        &app.manager(),
        asked.header("etag").as_deref(),
        json!({"decision": "agree", "customer_told_at": "2026-11-02T09:00:00Z"}),
    )
    .await;
    assert_eq!(agreed.status, 200, "{}", agreed.text());
    agreed.header("etag").expect("etag")
}

/// The case's letters as `token` sees them.
async fn letters(app: &TestApp, reference: &str, token: &str) -> Vec<Value> {
    let response = app
        .get(&format!("/api/v1/cases/{reference}/letters"), token)
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()["items"].as_array().expect("items").clone()
}

/// A letter in the form `accept` asks for.
async fn letter(app: &TestApp, reference: &str, id: &Value, accept: &str) -> TestResponse {
    app.send(
        awc::http::Method::GET,
        &format!("/api/v1/cases/{reference}/letters/{id}"),
        Some(&app.manager()),
        &[("Accept", accept)],
        None,
    )
    .await
}

async fn text_of(app: &TestApp, reference: &str, item: &Value) -> String {
    let response = letter(app, reference, &item["id"], "text/plain").await;
    assert_eq!(response.status, 200, "{}", response.text());
    response.text()
}

fn kinds(items: &[Value]) -> Vec<&str> {
    items.iter().filter_map(|l| l["kind"].as_str()).collect()
}

fn assert_says(text: &str, phrases: &[&str]) {
    for phrase in phrases {
        assert!(text.contains(phrase), "missing {phrase:?} in:\n{text}");
    }
}

#[actix_web::test]
async fn a_complaints_journey_writes_the_letters_the_code_requires_in_order() {
    let app = spawn_app_at(monday(), &[]).await;
    let (reference, etag) = acknowledged(&app, "ann", "waste-care", json!({})).await;

    // More time: the response moves from Monday 16 to Monday 23 November.
    let agreed = extended(&app, &reference, &etag).await;

    let id = drafted(&app, &reference, &draft("not_upheld")).await;
    // A draft is not a letter.
    assert_eq!(
        kinds(&letters(&app, &reference, &app.customer("ann")).await),
        vec!["acknowledgement", "extension"]
    );
    let sent = approve(&app, &reference, id, &agreed).await;
    assert_eq!(sent.status, 200, "{}", sent.text());

    let items = letters(&app, &reference, &app.customer("ann")).await;
    assert_eq!(
        kinds(&items),
        vec!["acknowledgement", "extension", "stage_1_response"]
    );
    for item in &items {
        assert_eq!(item["language"], "en");
        assert_eq!(item["status"], "pending");
        // Alex asked for large print (the complaint's accessibility needs).
        assert_eq!(item["large_print"], true);
    }
    assert_eq!(
        items[0]["subject"],
        format!("We have received your complaint {reference}")
    );

    // The acknowledgement: the understanding, the outcome sought (the case's), the due date.
    assert_says(
        &text_of(&app, &reference, &items[0]).await,
        &[
            &reference,
            "stage 1",
            UNDERSTANDING,
            "Collect the bin and tell me why it keeps happening",
            "by 16 November 2026",
        ],
    );
    // The extension notice (Code 6.4-6.5): the reason, the new date, the Ombudsman.
    assert_says(
        &text_of(&app, &reference, &items[1]).await,
        &[
            REASON,
            "by 16 November 2026 as we said",
            "by 23 November 2026",
            "Local Government and Social Care Ombudsman",
            "Telephone: 0300 061 0614",
            "Website: https://www.lgo.org.uk",
        ],
    );
    // The stage 1 response: the stage, the understanding, each point's decision and reasons,
    // the outcome, the outstanding action with its date, stage 2 then the Ombudsman.
    let response = text_of(&app, &reference, &items[2]).await;
    assert_says(
        &response,
        &[
            "Our stage 1 response to your complaint",
            UNDERSTANDING,
            &format!("- The bin was missed three weeks running: upheld. {CREW}"),
            &format!("- Online reports were ignored: not upheld. {REPORTS}"),
            "Your complaint is not upheld.",
            &format!("- {ACTION}, by 18 December 2026"),
            "look at your complaint again at stage 2",
            "Local Government and Social Care Ombudsman",
            "Telephone: 0300 061 0614",
        ],
    );
    assert!(!response.contains("Housing Ombudsman"), "{response}");
}

#[actix_web::test]
async fn a_response_missing_an_element_the_code_requires_cannot_be_sent() {
    let app = spawn_app_at(monday(), &[]).await;
    let (reference, etag) = acknowledged(&app, "bea", "waste-care", json!({})).await;
    let without = |field: &str, outcome: &str| {
        let mut body = draft(outcome);
        body.as_object_mut().expect("object").remove(field);
        body
    };
    let mut blank_reasons = draft("not_upheld");
    blank_reasons["findings"][1]["finding"] = json!("   ");
    for (body, field) in [
        (without("understanding", "not_upheld"), "understanding"),
        (
            without("outstanding_actions", "not_upheld"),
            "outstanding_actions",
        ),
        // Upheld, with no remedy recorded on the case.
        (draft("upheld"), "remedies"),
    ] {
        let id = drafted(&app, &reference, &body).await;
        let before = app.row_counts();
        let refused = approve(&app, &reference, id, &etag).await;
        let problem = refused.problem(422, "/problems/validation");
        assert_eq!(problem["errors"][0]["field"], field, "{}", refused.text());
        assert_eq!(problem["errors"].as_array().map(Vec::len), Some(1));
        assert_eq!(app.row_counts(), before, "{field}: nothing is written");
    }
    // A finding without its reasons is refused when drafted (the draft's own rule).
    app.post(
        &format!("/api/v1/cases/{reference}/responses"),
        &app.officer("officer-17", &["waste-care"]),
        &blank_reasons,
    )
    .await
    .problem(422, "/problems/validation");

    // With everything, it goes; the case shows no letter but the acknowledgement before.
    let id = drafted(&app, &reference, &draft("not_upheld")).await;
    let sent = approve(&app, &reference, id, &etag).await;
    assert_eq!(sent.status, 200, "{}", sent.text());
    assert_eq!(
        kinds(&letters(&app, &reference, &app.manager()).await),
        vec!["acknowledgement", "stage_1_response"]
    );
}

#[actix_web::test]
async fn an_acknowledgement_must_state_the_understanding_and_the_outcome_sought() {
    let app = spawn_app_at(monday(), &[]).await;
    let body = with(complaint(), json!({"desired_outcome": null}));
    let case = app.create_case(&app.customer("cat"), &body).await;
    let reference = case["reference"].as_str().expect("reference").to_string();
    let base = format!("/api/v1/cases/{reference}");
    let triaged = change(
        &app,
        &format!("{base}/triage"),
        &app.manager(),
        Some("\"1\""),
        json!({"decision": "accept"}),
    )
    .await;
    let etag = triaged.header("etag").expect("etag");
    let before = app.row_counts();
    let refused = change(
        &app,
        &format!("{base}/acknowledgement"),
        &app.manager(),
        Some(&etag),
        json!({"method": "email"}),
    )
    .await;
    let problem = refused.problem(422, "/problems/validation");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, vec!["outcome_sought", "understanding"]);
    assert_eq!(app.row_counts(), before);

    let done = change(
        &app,
        &format!("{base}/acknowledgement"),
        &app.manager(),
        Some(&etag),
        json!({"method": "email", "understanding": UNDERSTANDING, "outcome_sought": "An apology"}),
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text());
    let items = letters(&app, &reference, &app.customer("cat")).await;
    assert_says(
        &text_of(&app, &reference, &items[0]).await,
        &[UNDERSTANDING, "An apology"],
    );
}

#[actix_web::test]
async fn a_housing_service_names_the_housing_ombudsman_and_another_the_lgsco() {
    let app = spawn_app_at(monday(), &[]).await;
    let manager = app.manager();
    for (service, body) in [
        ("housing-estates-communities", "housing_ombudsman"),
        ("waste-care", "lgsco"),
    ] {
        let found = app
            .get(&format!("/api/v1/services/{service}"), &manager)
            .await;
        assert_eq!(found.json()["ombudsman"], body, "{service}");
    }
    let (reference, etag) =
        acknowledged(&app, "dan", "housing-estates-communities", json!({})).await;
    let id = drafted(&app, &reference, &draft("not_upheld")).await;
    let sent = approve(&app, &reference, id, &etag).await;
    assert_eq!(sent.status, 200, "{}", sent.text());
    let items = letters(&app, &reference, &manager).await;
    let response = text_of(&app, &reference, &items[1]).await;
    assert_says(
        &response,
        &["Housing Ombudsman", "Telephone: 0300 111 3000"],
    );
    assert!(!response.contains("0300 061 0614"), "{response}");
    assert!(!response.contains("Local Government"), "{response}");
}

#[actix_web::test]
async fn a_service_added_for_the_landlord_function_takes_the_housing_ombudsman() {
    let app = spawn_app().await;
    let created = app
        .post(
            "/api/v1/services",
            &app.manager(),
            &json!({"id": "tenancy-services", "name": "Tenancy Services", "directorate": "place", "ombudsman": "housing_ombudsman"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["ombudsman"], "housing_ombudsman");
    let refused = app
        .post(
            "/api/v1/services",
            &app.manager(),
            &json!({"id": "other", "name": "Other", "directorate": "place", "ombudsman": "psow"}),
        )
        .await;
    let problem = refused.problem(422, "/problems/validation");
    assert_eq!(problem["errors"][0]["field"], "ombudsman");
}

#[actix_web::test]
async fn a_welsh_speaking_customer_gets_the_welsh_letter() {
    let app = spawn_app_at(monday(), &[]).await;
    let (reference, _) = acknowledged(
        &app,
        "eira",
        "waste-care",
        json!({"accessibility": {"interpreter_language": "Cymraeg", "large_print": false}}),
    )
    .await;
    let items = letters(&app, &reference, &app.customer("eira")).await;
    assert_eq!(items[0]["language"], "cy");
    assert_eq!(items[0]["large_print"], false);
    assert_says(
        &text_of(&app, &reference, &items[0]).await,
        &[
            "Annwyl Alex Example",
            "Ein dealltwriaeth o'ch cwyn",
            UNDERSTANDING,
            "erbyn 16 Tachwedd 2026",
        ],
    );
    let html = letter(&app, &reference, &items[0]["id"], "text/html").await;
    assert_eq!(html.header("content-language").as_deref(), Some("cy"));
    assert!(
        html.text().contains("<html lang=\"cy\">"),
        "{}",
        html.text()
    );
    assert!(html.text().contains("font-size:16px"));
}

#[actix_web::test]
async fn a_letter_is_html_or_plain_text_by_accept_and_nothing_else() {
    let app = spawn_app_at(monday(), &[]).await;
    let (reference, _) = acknowledged(&app, "fay", "waste-care", json!({})).await;
    let items = letters(&app, &reference, &app.manager()).await;
    let id = &items[0]["id"];

    let html = letter(&app, &reference, id, "text/html").await;
    assert_eq!(html.status, 200);
    assert_eq!(
        html.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    let body = html.text();
    assert!(
        body.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
        "{body}"
    );
    assert!(body.contains(&format!("<h1>Your complaint {reference}</h1>")));
    assert!(body.contains("<h2>What we understand your complaint to be</h2>"));
    assert!(!body.contains("<table"));
    // Large print: 24 CSS pixels, 18 points.
    assert!(body.contains("font-size:24px"));

    let text = letter(&app, &reference, id, "text/plain").await;
    assert_eq!(
        text.header("content-type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert!(text
        .text()
        .starts_with(&format!("Your complaint {reference}\n")));
    assert!(!text.text().contains('<'));

    // The preferred form wins; anything else is 406.
    let preferred = letter(&app, &reference, id, "text/html;q=0.5, text/plain").await;
    assert_eq!(
        preferred.header("content-type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    for accept in ["application/json", "image/*", "application/octet-stream"] {
        letter(&app, &reference, id, accept)
            .await
            .problem(406, "/problems/not-acceptable");
    }
    letter(&app, &reference, &json!(999_999), "text/html")
        .await
        .problem(404, "/problems/not-found");
}

/// The text operators' fonts and sizes (`/F1 12 Tf`) in the PDF's content streams, each stream
/// inflated.
fn font_sizes(pdf: &[u8]) -> Vec<String> {
    let find = |from: usize, needle: &[u8]| {
        pdf[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| from + p)
    };
    let mut sizes = Vec::new();
    let mut at = 0;
    while let Some(start) = find(at, b"stream\n").map(|s| s + 7) {
        let Some(end) = find(start, b"\nendstream") else {
            break;
        };
        if let Ok(data) = miniz_oxide::inflate::decompress_to_vec_zlib(&pdf[start..end]) {
            let content = String::from_utf8_lossy(&data);
            sizes.extend(
                content
                    .lines()
                    .filter(|l| l.ends_with(" Tf"))
                    .map(str::to_string),
            );
        }
        at = end + "\nendstream".len();
    }
    sizes
}

#[actix_web::test]
async fn a_letter_is_the_pdf_that_is_posted_when_accept_asks_for_it() {
    let app = spawn_app_at(monday(), &[]).await;
    let (reference, _) = acknowledged(
        &app,
        "hal",
        "waste-care",
        json!({"address": "14 Example Road, Exampleton", "postcode": "EX1 2AB",
               "accessibility": {"large_print": false}}),
    )
    .await;
    let items = letters(&app, &reference, &app.manager()).await;
    assert_eq!(items[0]["large_print"], false);
    let id = &items[0]["id"];
    let pdf = letter(&app, &reference, id, "text/html;q=0.5, application/pdf").await;
    assert_eq!(pdf.status, 200, "{}", pdf.text());
    assert_eq!(
        pdf.header("content-type").as_deref(),
        Some("application/pdf")
    );
    assert_eq!(pdf.header("content-language").as_deref(), Some("en"));
    assert_eq!(
        pdf.header("content-disposition"),
        Some(format!("inline; filename=\"{reference}-letter-{id}.pdf\""))
    );
    assert!(pdf.body.starts_with(b"%PDF-"));
    let body = pdf.text();
    assert!(body.contains("/Lang (en-GB)"));
    let subject = items[0]["subject"].as_str().expect("subject");
    assert!(body.contains(&format!("/Title ({subject})")), "{subject}");
    assert!(body.contains("/StructTreeRoot"));
    // The body at 12 pt, the headings bold (F2) and larger.
    let sizes = font_sizes(&pdf.body);
    assert!(sizes.contains(&"/F1 12 Tf".to_string()), "{sizes:?}");
    assert!(!sizes.contains(&"/F1 18 Tf".to_string()), "{sizes:?}");
    assert!(sizes.contains(&"/F2 18 Tf".to_string()), "{sizes:?}");
}

#[actix_web::test]
async fn a_letter_kept_without_its_markup_gives_the_same_pdf_from_its_text() {
    use diesel::RunQueryDsl;
    let app = spawn_app_at(monday(), &[]).await;
    let (reference, _) = acknowledged(&app, "jon", "waste-care", json!({})).await;
    let items = letters(&app, &reference, &app.manager()).await;
    let id = &items[0]["id"];
    let from_markup = letter(&app, &reference, id, "application/pdf").await;
    assert_eq!(from_markup.status, 200, "{}", from_markup.text());
    // As a letter written before `body` was kept.
    let mut conn = app.db.connection().expect("connection");
    diesel::sql_query("UPDATE letters SET body = NULL")
        .execute(&mut **conn)
        .expect("forgotten");
    let from_text = letter(&app, &reference, id, "application/pdf").await;
    assert_eq!(from_text.status, 200, "{}", from_text.text());
    assert!(from_text.text().contains("/S /H1"));
    assert!(from_text.body == from_markup.body, "the same PDF");
}

#[actix_web::test]
async fn a_large_print_customers_letter_is_an_18_point_pdf() {
    // complaint()'s customer asked for large print.
    let app = spawn_app_at(monday(), &[]).await;
    let (reference, _) = acknowledged(&app, "ivy", "waste-care", json!({})).await;
    let items = letters(&app, &reference, &app.customer("ivy")).await;
    assert_eq!(items[0]["large_print"], true);
    let pdf = app
        .send(
            awc::http::Method::GET,
            &format!("/api/v1/cases/{reference}/letters/{}", items[0]["id"]),
            Some(&app.customer("ivy")),
            &[("Accept", "application/pdf")],
            None,
        )
        .await;
    assert_eq!(pdf.status, 200, "{}", pdf.text());
    assert!(pdf.body.starts_with(b"%PDF-"));
    let sizes = font_sizes(&pdf.body);
    assert!(sizes.contains(&"/F1 18 Tf".to_string()), "{sizes:?}");
    assert!(!sizes.contains(&"/F1 12 Tf".to_string()), "{sizes:?}");
}

#[actix_web::test]
async fn customer_b_cannot_see_customer_as_letters() {
    let app = spawn_app_at(monday(), &[]).await;
    let (reference, _) = acknowledged(&app, "gil", "waste-care", json!({})).await;
    let items = letters(&app, &reference, &app.customer("gil")).await;
    assert_eq!(items.len(), 1);
    let other = app.customer("hana");
    app.get(&format!("/api/v1/cases/{reference}/letters"), &other)
        .await
        .problem(404, "/problems/not-found");
    app.get(
        &format!("/api/v1/cases/{reference}/letters/{}", items[0]["id"]),
        &other,
    )
    .await
    .problem(404, "/problems/not-found");
    // Staff of another service do not see them either.
    app.get(
        &format!("/api/v1/cases/{reference}/letters"),
        &app.officer("o-roads", &["highways"]),
    )
    .await
    .problem(404, "/problems/not-found");
}

#[actix_web::test]
async fn triage_refers_an_excluded_complaint_with_a_letter() {
    let app = spawn_app_at(monday(), &[]).await;
    let case = app.create_case(&app.customer("ida"), &complaint()).await;
    let reference = case["reference"].as_str().expect("reference").to_string();
    let referral = "Ask for a review by writing to the Information Governance team.";
    let triaged = change(
        &app,
        &format!("/api/v1/cases/{reference}/triage"),
        &app.manager(),
        Some("\"1\""),
        json!({"decision": "excluded", "procedure": "information_rights", "referral": referral}),
    )
    .await;
    assert_eq!(triaged.status, 200, "{}", triaged.text());
    let items = letters(&app, &reference, &app.customer("ida")).await;
    assert_eq!(kinds(&items), vec!["excluded_referral"]);
    assert_says(
        &text_of(&app, &reference, &items[0]).await,
        &["Another procedure applies to your complaint", referral],
    );
}

#[actix_web::test]
async fn a_bad_override_template_stops_start_up_naming_its_file_and_line() {
    let dir = std::env::temp_dir().join(format!("cf-templates-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dir.join("en")).expect("folder");
    let file = dir.join("en").join("extension.txt");
    std::fs::write(
        &file,
        "Subject: More time for {{ reference }}\n\nDear {{ customer_name }},\nCall us on {{ ombudsman.fax }}.\n",
    )
    .expect("template");
    let (_store, url) = TestDatabase::new();
    let settings = settings_for(&url, &[("TEMPLATES_DIR", &dir.display().to_string())]);
    let message = match council_feedback::startup::Application::build(&settings) {
        Ok(_) => panic!("started with a template naming an unknown field"),
        Err(e) => e.to_string(),
    };
    assert!(
        message.contains(&format!("{}:4:", file.display())),
        "{message}"
    );
    assert!(message.contains("`ombudsman.fax`"), "{message}");

    // A good override is used in place of the shipped template.
    std::fs::write(
        &file,
        "Subject: More time for {{ reference }}\n# New date\nWe will answer by {{ new_due }}.\n",
    )
    .expect("template");
    let (_store, url) = TestDatabase::new();
    let settings = settings_for(&url, &[("TEMPLATES_DIR", &dir.display().to_string())]);
    if let Err(e) = council_feedback::startup::Application::build(&settings) {
        panic!("a good override must start: {e:?}");
    }
    let templates =
        council_feedback::letters::Templates::load(&settings.letters).expect("templates");
    let common = council_feedback::letters::context::Common {
        reference: "CMP-2026-000042".into(),
        customer_name: "Alex Morgan".into(),
        service: "Waste and recycling".into(),
        received_on: "2 November 2026".into(),
        date: "16 November 2026".into(),
        ombudsman: council_feedback::letters::context::Ombudsman {
            body: "lgsco".into(),
            name: "Local Government and Social Care Ombudsman".into(),
            phone: "0300 061 0614".into(),
            website: "https://www.lgo.org.uk".into(),
        },
        large_print: false,
    };
    let details = council_feedback::letters::context::Details::Extension {
        stage: 1,
        reason: "We are waiting for the crew's records.".into(),
        previous_due: "16 November 2026".into(),
        new_due: "23 November 2026".into(),
    };
    let rendered = templates
        .render(
            &common,
            &details,
            council_feedback::domain::letter::Language::English,
        )
        .expect("rendered");
    assert_eq!(rendered.subject, "More time for CMP-2026-000042");
    assert_eq!(
        rendered.text,
        "New date\n========\n\nWe will answer by 23 November 2026.\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// An app on Monday's clock that sends its letters as `settings` say (the mail room's tests'
/// settings for the local SMTP or Notify server).
async fn sending_app(settings: &[(&'static str, String)]) -> TestApp {
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_app_at(monday(), &pairs).await
}

/// Posts `body` to `path` as `token` with `If-Match: etag`, expecting 200; gives the new ETag.
async fn changed(app: &TestApp, path: &str, token: &str, etag: &str, body: Value) -> String {
    let response = change(app, path, token, Some(etag), body).await;
    assert_eq!(response.status, 200, "{path}: {}", response.text());
    response.header("etag").expect("etag")
}

#[actix_web::test]
async fn a_complaints_journey_sends_each_letter_once_in_order_to_the_smtp_server() {
    // The mail room sends on the real clock, whatever the app takes the day to be.
    let started = chrono::Utc::now();
    let smtp = crate::mail_servers::SmtpServer::start();
    let mut settings = smtp_settings(&smtp);
    settings.push((
        "PUBLIC_BASE_URL",
        "https://feedback.dudley.example.gov.uk".into(),
    ));
    let app = sending_app(&settings).await;
    // Alex prefers email and asked for nothing that needs a letter on paper.
    let (reference, etag) =
        acknowledged(&app, "hal", "waste-care", json!({"accessibility": null})).await;
    let base = format!("/api/v1/cases/{reference}");
    let manager = app.manager();

    let etag = extended(&app, &reference, &etag).await;
    let id = drafted(&app, &reference, &draft("not_upheld")).await;
    let sent = approve(&app, &reference, id, &etag).await;
    assert_eq!(sent.status, 200, "{}", sent.text());
    let refusal = "You did not tell us which part of our response you disagree with.";
    let etag = changed(
        &app,
        &format!("{base}/escalation-refusals"),
        &manager,
        &sent.header("etag").expect("etag"),
        json!({"reasons": refusal, "requested_on": "2026-11-02"}),
    )
    .await;
    changed(&app, &format!("{base}/closure"), &manager, &etag, json!({})).await;

    let subjects = [
        format!("We have received your complaint {reference}"),
        format!("Your complaint {reference}: we need more time"),
        format!("Your complaint {reference}: our stage 1 response"),
        format!("Your complaint {reference}: your request for stage 2"),
        format!("How did we handle your complaint {reference}?"),
    ];
    smtp.until(Duration::from_secs(30), |m| m.len() >= subjects.len())
        .await;
    // Nothing more comes, and nothing twice.
    actix_web::rt::time::sleep(Duration::from_millis(700)).await;
    let mails = smtp.accepted();
    assert_eq!(
        mails
            .iter()
            .map(|m| m.header("Subject").unwrap_or_default())
            .collect::<Vec<_>>(),
        subjects.to_vec()
    );
    for mail in &mails {
        assert_eq!(mail.from, "complaints@dudley.example.gov.uk");
        assert_eq!(mail.to, vec!["alex@example.org".to_string()]);
        assert!(
            mail.data.contains("Content-Type: text/html; charset=utf-8"),
            "{}",
            mail.data
        );
    }
    // Each says what the Code requires of it (the letters' own tests go through each
    // element; here, that what reached the customer is that letter).
    let unfolded = |i: usize| mails[i].data.replace("=\r\n", "").replace("\r\n", "\n");
    assert_says(&unfolded(0), &[UNDERSTANDING, "16 November 2026"]);
    assert_says(&unfolded(1), &[REASON, "23 November 2026", "0300 061 0614"]);
    assert_says(&unfolded(2), &[UNDERSTANDING, ACTION, "0300 061 0614"]);
    assert_says(
        &unfolded(3),
        &[
            refusal,
            "Local Government and Social Care Ombudsman",
            "0300 061 0614",
            "https://www.lgo.org.uk",
        ],
    );
    // The survey's link works, once: it is the credential.
    let invitation = unfolded(4);
    let prefix = "https://feedback.dudley.example.gov.uk/surveys/";
    let at = invitation.find(prefix).expect("survey link") + prefix.len();
    let token: String = invitation[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert_eq!(token.len(), 43, "{invitation}");
    let survey = app
        .send(
            awc::http::Method::GET,
            &format!("/api/v1/surveys/{token}"),
            None,
            &[],
            None,
        )
        .await;
    assert_eq!(survey.status, 200, "{}", survey.text());

    // The letters list says how each went.
    let items = letters(&app, &reference, &app.customer("hal")).await;
    assert_eq!(
        kinds(&items),
        vec![
            "acknowledgement",
            "extension",
            "stage_1_response",
            "escalation_refused",
            "survey_invitation"
        ]
    );
    for item in &items {
        let delivery = item["delivery"].as_array().expect("delivery");
        assert_eq!(delivery.len(), 1, "{item}");
        assert_eq!(delivery[0]["channel"], "email");
        assert_eq!(delivery[0]["provider"], "smtp");
        assert_eq!(delivery[0]["status"], "sent");
        let sent_at = delivery[0]["sent_at"].as_str().expect("sent_at");
        let sent_at = chrono::DateTime::parse_from_rfc3339(sent_at).expect("RFC 3339");
        assert!(
            sent_at >= started && sent_at <= chrono::Utc::now(),
            "{sent_at} is not between {started} and now"
        );
    }
    // The refusal is on the customer's timeline.
    let timeline = app
        .get(&format!("{base}/timeline"), &app.customer("hal"))
        .await;
    assert!(
        timeline.text().contains("escalation_refused"),
        "{}",
        timeline.text()
    );
}

#[actix_web::test]
async fn only_the_complaints_manager_refuses_stage_2_and_only_after_a_stage_1_response() {
    let app = spawn_app_at(monday(), &[]).await;
    let (reference, etag) = acknowledged(&app, "ivy", "waste-care", json!({})).await;
    let path = format!("/api/v1/cases/{reference}/escalation-refusals");
    let body = json!({"reasons": "Out of time"});
    let head = app.head_of_service("hos-1", &["waste-care"]);
    change(&app, &path, &head, Some(&etag), body.clone())
        .await
        .problem(403, "/problems/forbidden");
    change(&app, &path, &app.manager(), Some(&etag), body.clone())
        .await
        .problem(409, "/problems/conflict");
    let blank = change(
        &app,
        &path,
        &app.manager(),
        Some(&etag),
        json!({"reasons": "  ", "requested_on": "2099-01-01"}),
    )
    .await;
    blank.problem(422, "/problems/validation");
    let problem = blank.json();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, vec!["reasons", "requested_on"]);
    // Nothing was written.
    assert_eq!(
        kinds(&letters(&app, &reference, &app.manager()).await),
        vec!["acknowledgement"]
    );
}

#[actix_web::test]
async fn a_welsh_large_print_customers_letters_reach_notify_as_precompiled_18_point_welsh_pdfs() {
    use crate::mail_servers::{NotifyServer, NOTIFY_SECRET};
    use base64::Engine;
    let notify = NotifyServer::start().await;
    let app = sending_app(&notify_settings(&notify, NOTIFY_SECRET)).await;
    // Welsh, large print (the complaint's accessibility needs), an address for the post.
    let (reference, etag) = acknowledged(
        &app,
        "ifor",
        "waste-care",
        json!({
            "accessibility": {"interpreter_language": "Cymraeg", "large_print": true},
            "address": "14 Example Road, Dudley",
            "postcode": "DY1 1AA"
        }),
    )
    .await;
    extended(&app, &reference, &etag).await;

    notify
        .until(Duration::from_secs(30), |r| r.len() >= 2)
        .await;
    actix_web::rt::time::sleep(Duration::from_millis(700)).await;
    let seen = notify.accepted();
    assert!(notify.refused().is_empty(), "{:?}", notify.refused());
    assert_eq!(
        seen.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
        vec!["/v2/notifications/letter", "/v2/notifications/letter"],
        "each letter once, posted"
    );
    // The Welsh subjects, from templates/letters/cy, in the order the letters were written.
    let titles = [
        format!("Rydym wedi cael eich cwyn {reference}"),
        format!("Eich cwyn {reference}: mae angen mwy o amser arnom"),
    ];
    for (request, title) in seen.iter().zip(titles) {
        assert_eq!(request.body["reference"], json!(reference));
        assert_eq!(request.body["postage"], "second");
        let pdf = base64::engine::general_purpose::STANDARD
            .decode(request.body["content"].as_str().expect("content"))
            .expect("base64");
        assert!(pdf.starts_with(b"%PDF-"));
        let raw = String::from_utf8_lossy(&pdf);
        assert!(raw.contains("/Lang (cy)"), "Welsh");
        assert!(raw.contains("/Marked true"), "tagged");
        assert!(raw.contains("/StructTreeRoot"), "tagged");
        // The title is the subject, written as UTF-16 (BOM FE FF) where it is not ASCII.
        let utf16: Vec<u8> = std::iter::once(0xFEFFu16)
            .chain(title.encode_utf16())
            .flat_map(u16::to_be_bytes)
            .collect();
        assert!(
            raw.contains(&format!("/Title ({title})"))
                || pdf.windows(utf16.len()).any(|w| w == utf16.as_slice()),
            "title {title}"
        );
        let sizes = font_sizes(&pdf);
        assert!(sizes.contains(&"/F1 18 Tf".to_string()), "{sizes:?}");
        assert!(!sizes.contains(&"/F1 12 Tf".to_string()), "{sizes:?}");
    }
    let items = letters(&app, &reference, &app.customer("ifor")).await;
    assert_eq!(kinds(&items), vec!["acknowledgement", "extension"]);
    for item in &items {
        assert_eq!(item["language"], "cy");
        assert_eq!(item["large_print"], true);
        assert_eq!(item["delivery"][0]["channel"], "letter");
        assert_eq!(item["delivery"][0]["provider"], "notify");
    }
}

#[actix_web::test]
async fn a_letter_too_long_for_a_text_message_is_posted_and_the_text_says_so() {
    use crate::mail_servers::{NotifyServer, NOTIFY_SECRET, SMS_TEMPLATE};
    let notify = NotifyServer::start().await;
    let app = sending_app(&notify_settings(&notify, NOTIFY_SECRET)).await;
    let body = with(
        complaint(),
        json!({"customer": {
            "accessibility": null,
            "email": null,
            "preferred_contact": "telephone",
            "phone": "07700 900123",
            "address": "14 Example Road, Dudley",
            "postcode": "DY1 1AA"
        }}),
    );
    let case = app.create_case(&app.customer("jac"), &body).await;
    let reference = case["reference"].as_str().expect("reference").to_string();
    let base = format!("/api/v1/cases/{reference}");
    let etag = changed(
        &app,
        &format!("{base}/triage"),
        &app.manager(),
        "\"1\"",
        json!({"decision": "accept"}),
    )
    .await;
    // An understanding as long as a careful one can be: the letter outgrows a text message.
    let understanding = format!("{UNDERSTANDING} ").repeat(8);
    changed(
        &app,
        &format!("{base}/acknowledgement"),
        &app.manager(),
        &etag,
        json!({"method": "telephone", "understanding": understanding.trim()}),
    )
    .await;
    let items = letters(&app, &reference, &app.manager()).await;
    assert!(
        text_of(&app, &reference, &items[0]).await.chars().count() > 918,
        "the acknowledgement is longer than a text message"
    );
    notify
        .until(Duration::from_secs(30), |r| r.len() >= 2)
        .await;
    actix_web::rt::time::sleep(Duration::from_millis(700)).await;
    let seen = notify.accepted();
    assert_eq!(
        seen.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
        vec!["/v2/notifications/sms", "/v2/notifications/letter"]
    );
    let subject = format!("We have received your complaint {reference}");
    assert_eq!(
        seen[0].body,
        json!({
            "phone_number": "07700 900123",
            "template_id": SMS_TEMPLATE,
            "personalisation": {
                "subject": subject,
                "body": format!(
                    "{subject}. We have written to you about {reference}. The letter is too long \
                     for a text message, so we have posted it to you."
                ),
            },
            "reference": reference,
        })
    );
    assert_eq!(seen[1].body["reference"], json!(reference));
    let delivery: Vec<(&str, &str)> = items[0]["delivery"]
        .as_array()
        .expect("delivery")
        .iter()
        .map(|d| {
            (
                d["channel"].as_str().unwrap_or_default(),
                d["provider"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(delivery, vec![("sms", "notify"), ("letter", "notify")]);
}

#[actix_web::test]
async fn a_representative_allowed_to_be_told_about_the_case_gets_a_copy_of_each_letter() {
    let smtp = crate::mail_servers::SmtpServer::start();
    let app = sending_app(&smtp_settings(&smtp)).await;
    let representative = |release: bool| {
        json!({
            "name": "Cllr Sam Ward",
            "relationship": "ward councillor",
            "email": if release { "sam.ward@council.example" } else { "kim.lee@council.example" },
            "consent_to_act": true,
            "consent_to_release_information": release
        })
    };
    let mut references = Vec::new();
    for (subject, release) in [("kit", true), ("lou", false)] {
        let body = with(
            complaint(),
            json!({
                "customer": {"accessibility": null},
                "representative": representative(release)
            }),
        );
        let case = app.create_case(&app.customer(subject), &body).await;
        let reference = case["reference"].as_str().expect("reference").to_string();
        let base = format!("/api/v1/cases/{reference}");
        let etag = changed(
            &app,
            &format!("{base}/triage"),
            &app.manager(),
            "\"1\"",
            json!({"decision": "accept"}),
        )
        .await;
        changed(
            &app,
            &format!("{base}/acknowledgement"),
            &app.manager(),
            &etag,
            json!({"method": "email", "understanding": UNDERSTANDING}),
        )
        .await;
        references.push(reference);
    }
    smtp.until(Duration::from_secs(30), |m| m.len() >= 3).await;
    actix_web::rt::time::sleep(Duration::from_millis(700)).await;
    let mut sent: Vec<(String, String)> = smtp
        .accepted()
        .iter()
        .map(|m| (m.to.join(","), m.header("Subject").unwrap_or_default()))
        .collect();
    sent.sort();
    let ack = |reference: &String| format!("We have received your complaint {reference}");
    let mut expected = vec![
        ("alex@example.org".to_string(), ack(&references[0])),
        ("alex@example.org".to_string(), ack(&references[1])),
        // Only the representative the customer allowed to be told.
        ("sam.ward@council.example".to_string(), ack(&references[0])),
    ];
    expected.sort();
    assert_eq!(sent, expected);
}

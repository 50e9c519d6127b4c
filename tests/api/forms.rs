//! The reference public form at /forms/ (issue 16 §5): served only when PUBLIC_FORMS=true,
//! posting through the API's own intake as the reference-form client on the online form's
//! channel, showing the Design System's error summary and keeping the answers, in Welsh
//! where the council is in Wales.

use awc::http::Method;
use chrono::NaiveDateTime;
use serde_json::Value;

use crate::helpers::{spawn_app_at, spawn_app_with, TestApp, TestResponse};
use council_feedback::app::time::Now;

/// Friday 20 November 2026, 10:00 UTC (10:00 in the UK): the Complaint Handling Code's five
/// working days to acknowledge run Mon 23, Tue 24, Wed 25, Thu 26, Fri 27 November (no bank
/// holiday between), so the acknowledgement is due on 27 November 2026.
fn friday() -> Now {
    Now::Fixed(
        NaiveDateTime::parse_from_str("2026-11-20 10:00", "%Y-%m-%d %H:%M").expect("instant"),
    )
}

const ENABLED: &[(&str, &str)] = &[("PUBLIC_FORMS", "true")];

async fn get(app: &TestApp, path: &str) -> TestResponse {
    app.send(Method::GET, path, None, &[], None).await
}

/// Posts `fields` as a browser posts a form from the service's own page.
async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> TestResponse {
    post_form_from(app, path, fields, &app.address).await
}

async fn post_form_from(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    origin: &str,
) -> TestResponse {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    app.send(
        Method::POST,
        path,
        None,
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", origin),
        ],
        Some(body.into_bytes()),
    )
    .await
}

/// The hidden submission id a form page was given.
fn submission(page: &str) -> String {
    let marker = "name=\"submission\" value=\"";
    let start = page.find(marker).expect("a submission field") + marker.len();
    page[start..start + 32].to_string()
}

fn complaint_fields(submission: &str) -> Vec<(&'static str, String)> {
    vec![
        ("submission", submission.to_string()),
        ("service", "waste-care".into()),
        ("summary", "Green bin missed three weeks running".into()),
        (
            "description",
            "Our green bin has been missed on the last three collection days.".into(),
        ),
        ("desired_outcome", "Collect the bin".into()),
        ("name", "Alex Example".into()),
        ("email", "alex@example.org".into()),
        ("phone", "01384 811561".into()),
        ("postcode", "dy1 1hf".into()),
        ("preferred_contact", "email".into()),
        ("large_print", "yes".into()),
        ("other_adjustments", "Please call after 2pm".into()),
        ("who", "someone_else".into()),
        ("rep_name", "Sam Example".into()),
        ("rep_relationship", "son".into()),
        ("rep_email", "sam@example.org".into()),
        ("consent_to_act", "yes".into()),
        ("consent_to_release_information", "yes".into()),
    ]
}

fn pairs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn cases(app: &TestApp) -> Vec<Value> {
    let list = app.get("/api/v1/cases", &app.manager()).await;
    assert_eq!(list.status, 200, "{}", list.text());
    list.json()["items"].as_array().expect("items").clone()
}

#[actix_rt::test]
async fn each_page_is_html_when_enabled_and_404_when_not() {
    let off = spawn_app_with(&[]).await;
    let on = spawn_app_with(ENABLED).await;
    for (path, heading) in [
        ("/forms/", "Tell the council what you think"),
        ("/forms/complaint", "Make a complaint"),
        ("/forms/compliment", "Give a compliment"),
        ("/forms/comment", "Make a comment or suggestion"),
    ] {
        assert_eq!(get(&off, path).await.status, 404, "{path} while disabled");
        let page = get(&on, path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.text());
        assert_eq!(
            page.header("content-type").as_deref(),
            Some("text/html; charset=utf-8")
        );
        assert!(page
            .header("content-security-policy")
            .is_some_and(|csp| csp.contains("script-src 'self'")));
        let html = page.text();
        assert!(html.starts_with("<!DOCTYPE html>"), "{path}");
        assert!(html.contains(&format!(">{heading}</h1>")), "{path}: {html}");
        assert!(html.contains("<html lang=\"en\""), "{path}");
    }
    // The stylesheet and scripts come from the service itself.
    let css = get(&on, "/forms/assets/govuk-frontend.min.css").await;
    assert_eq!(css.status, 200);
    assert_eq!(
        css.header("content-type").as_deref(),
        Some("text/css; charset=utf-8")
    );
    assert!(css.text().contains(".govuk-error-summary"));
    assert_eq!(
        get(&off, "/forms/assets/govuk-frontend.min.css")
            .await
            .status,
        404
    );
    assert_eq!(get(&on, "/forms/assets/other.js").await.status, 404);
    assert_eq!(get(&on, "/forms/enquiry").await.status, 404);
}

#[actix_rt::test]
async fn a_complaint_sent_through_the_form_is_logged_once_on_the_online_form() {
    let app = spawn_app_at(friday(), ENABLED).await;
    let page = get(&app, "/forms/complaint").await.text();
    let fields = complaint_fields(&submission(&page));
    let sent = post_form(&app, "/forms/complaint", &pairs(&fields)).await;
    assert_eq!(sent.status, 200, "{}", sent.text());
    let html = sent.text();
    assert!(html.contains("govuk-panel--confirmation"), "{html}");
    assert!(
        html.contains("<strong id=\"reference\">CMP-2026-000001</strong>"),
        "{html}"
    );
    assert!(
        html.contains("<strong id=\"acknowledgement-due\">27 November 2026</strong>"),
        "{html}"
    );

    // A second click on the same form replays the first answer: still one case.
    let again = post_form(&app, "/forms/complaint", &pairs(&fields)).await;
    assert!(again.text().contains("CMP-2026-000001"));

    let items = cases(&app).await;
    assert_eq!(items.len(), 1, "{items:?}");
    let case = app
        .get("/api/v1/cases/CMP-2026-000001", &app.manager())
        .await
        .json();
    assert_eq!(case["channel"], "online_form");
    assert_eq!(case["kind"], "complaint");
    assert_eq!(case["service"], "waste-care");
    assert_eq!(case["summary"], "Green bin missed three weeks running");
    assert_eq!(case["desired_outcome"], "Collect the bin");
    assert_eq!(case["acknowledgement_due"], "2026-11-27");
    assert_eq!(case["received_at"], "2026-11-20T10:00:00Z");
    assert_eq!(case["created_by"]["subject"], "reference-form");
    assert_eq!(case["customer"]["name"], "Alex Example");
    assert_eq!(case["customer"]["email"], "alex@example.org");
    assert_eq!(case["customer"]["postcode"], "DY1 1HF");
    assert_eq!(case["customer"]["preferred_contact"], "email");
    assert_eq!(
        case["customer"]["accessibility"],
        serde_json::json!({"interpreter_language": null, "large_print": true, "audio": false,
                           "other_adjustments": "Please call after 2pm"})
    );
    assert_eq!(case["representative"]["name"], "Sam Example");
    assert_eq!(case["representative"]["relationship"], "son");
    assert_eq!(case["representative"]["email"], "sam@example.org");
    assert_eq!(case["representative"]["consent_to_act"], true);
    assert_eq!(
        case["representative"]["consent_to_release_information"],
        true
    );

    // A fresh form with the same answers is another complaint.
    let page = get(&app, "/forms/complaint").await.text();
    let fields = complaint_fields(&submission(&page));
    let second = post_form(&app, "/forms/complaint", &pairs(&fields)).await;
    assert!(second.text().contains("CMP-2026-000002"));
    assert_eq!(cases(&app).await.len(), 2);
}

#[actix_rt::test]
async fn compliments_and_comments_say_when_they_will_be_acknowledged_if_a_reply_is_asked() {
    let app = spawn_app_at(friday(), ENABLED).await;
    let page = get(&app, "/forms/compliment").await.text();
    let sent = post_form(
        &app,
        "/forms/compliment",
        &[
            ("submission", submission(&page).as_str()),
            ("service", "libraries-archives"),
            ("summary", "Helpful librarian"),
            ("description", "Jo found the book I needed."),
            ("staff_named", "Jo Bloggs, Sam Smith"),
            ("response_requested", "no"),
            ("name", "Alex Example"),
            ("who", "self"),
        ],
    )
    .await;
    let html = sent.text();
    assert!(html.contains("CPL-2026-000001"), "{html}");
    assert!(!html.contains("acknowledgement-due"), "{html}");
    let case = app
        .get("/api/v1/cases/CPL-2026-000001", &app.manager())
        .await
        .json();
    assert_eq!(case["channel"], "online_form");
    assert_eq!(
        case["staff_named"],
        serde_json::json!(["Jo Bloggs", "Sam Smith"])
    );
    assert_eq!(case["response_requested"], false);
    assert_eq!(case["representative"], Value::Null);
}

#[actix_rt::test]
async fn a_form_with_answers_missing_changes_nothing_and_shows_the_errors_with_the_answers_kept() {
    let app = spawn_app_at(friday(), ENABLED).await;
    let before = app.row_counts();
    let sent = post_form(
        &app,
        "/forms/complaint",
        &[
            ("submission", "0123456789abcdef0123456789abcdef"),
            ("summary", "Bins & <bags>"),
            ("description", "Missed\nagain"),
            ("email", "not-an-address"),
            ("who", "someone_else"),
            ("rep_name", "Sam Example"),
        ],
    )
    .await;
    assert_eq!(sent.status, 200, "{}", sent.text());
    assert_eq!(app.row_counts(), before);
    let html = sent.text();
    assert!(
        html.contains("<title>Error: Make a complaint – Feedback to the council</title>"),
        "{html}"
    );
    assert!(
        html.contains("<div class=\"govuk-error-summary\" data-module=\"govuk-error-summary\">")
    );
    // The summary lists each problem in page order, linked to its field.
    let summary: Vec<&str> = html
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("<li><a href=\"#"))
        .collect();
    assert_eq!(
        summary,
        vec![
            "<li><a href=\"#service\">Select the service your feedback is about</a></li>",
            "<li><a href=\"#name\">Enter a full name</a></li>",
            "<li><a href=\"#email\">Enter an email address in the correct format, like name@example.com</a></li>",
            "<li><a href=\"#consent_to_act\">Confirm that they have agreed that you can act for them</a></li>",
        ]
    );
    for (field, message) in [
        ("service", "Select the service your feedback is about"),
        ("name", "Enter a full name"),
        (
            "email",
            "Enter an email address in the correct format, like name@example.com",
        ),
    ] {
        assert!(
            html.contains(&format!(
                "<p id=\"{field}-error\" class=\"govuk-error-message\"><span class=\"govuk-visually-hidden\">Error:</span> {message}</p>"
            )),
            "{field}: {html}"
        );
    }
    assert!(html.contains("class=\"govuk-input govuk-input--error\" id=\"email\" name=\"email\" type=\"email\" value=\"not-an-address\""));
    // The answers come back as given, escaped.
    assert!(html.contains("value=\"Bins &amp; &lt;bags&gt;\""), "{html}");
    assert!(html.contains(">Missed\nagain</textarea>"));
    assert!(html.contains("value=\"Sam Example\""));
    assert!(html.contains("value=\"someone_else\" checked"));
    assert!(html.contains("value=\"0123456789abcdef0123456789abcdef\""));
    assert!(cases(&app).await.is_empty());
}

#[actix_rt::test]
async fn unanswered_questions_of_the_form_itself_are_errors_too() {
    let app = spawn_app_at(friday(), ENABLED).await;
    let before = app.row_counts();
    let sent = post_form(
        &app,
        "/forms/comment",
        &[
            ("service", "highways"),
            ("summary", "More benches"),
            ("description", "The high street needs benches."),
            ("name", "Alex Example"),
        ],
    )
    .await;
    assert_eq!(app.row_counts(), before);
    let html = sent.text();
    assert!(
        html.contains(
            "<li><a href=\"#response_requested\">Select yes if you would like a reply</a></li>"
        ),
        "{html}"
    );
    assert!(html.contains(
        "<li><a href=\"#who\">Select yes if you are writing on behalf of someone else</a></li>"
    ));

    // Letters asked for with no address: the API's rule, in the form's words.
    let sent = post_form(
        &app,
        "/forms/complaint",
        &[
            ("service", "highways"),
            ("summary", "Pothole"),
            ("description", "A deep pothole outside number 4."),
            ("name", "Alex Example"),
            ("email", "alex@example.org"),
            ("preferred_contact", "letter"),
            ("who", "self"),
        ],
    )
    .await;
    assert_eq!(app.row_counts(), before);
    let html = sent.text();
    assert!(html.contains("<li><a href=\"#address\">Enter a postal address, or choose another way to be contacted</a></li>"), "{html}");
}

#[actix_rt::test]
async fn a_post_from_another_site_or_too_large_is_refused_and_writes_nothing() {
    let app = spawn_app_at(
        friday(),
        &[("PUBLIC_FORMS", "true"), ("MAX_BODY_BYTES", "4096")],
    )
    .await;
    let before = app.row_counts();
    let fields = complaint_fields("0123456789abcdef0123456789abcdef");
    let forged = post_form_from(
        &app,
        "/forms/complaint",
        &pairs(&fields),
        "https://evil.example",
    )
    .await;
    assert_eq!(forged.status, 403, "{}", forged.text());
    assert!(forged
        .text()
        .contains("Sorry, there is a problem with the service"));
    // No Origin and no Sec-Fetch-Site: not known to be from the form.
    let bare = app
        .send(
            Method::POST,
            "/forms/complaint",
            None,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            Some(b"name=x".to_vec()),
        )
        .await;
    assert_eq!(bare.status, 403);
    let long = "x".repeat(5000);
    let large = post_form(&app, "/forms/complaint", &[("description", long.as_str())]).await;
    assert_eq!(large.status, 413);
    assert_eq!(app.row_counts(), before);
}

#[actix_rt::test]
async fn a_council_in_wales_offers_every_page_in_welsh() {
    let app = spawn_app_at(
        friday(),
        &[("PUBLIC_FORMS", "true"), ("COUNCIL_IN_WALES", "true")],
    )
    .await;
    let english = get(&app, "/forms/complaint").await.text();
    assert!(
        english
            .contains("href=\"/forms/complaint?lang=cy\" lang=\"cy\" hreflang=\"cy\">Cymraeg</a>"),
        "{english}"
    );
    for (path, heading) in [
        ("/forms/?lang=cy", "Dweud wrth y cyngor beth yw eich barn"),
        ("/forms/complaint?lang=cy", "Gwneud cwyn"),
        ("/forms/compliment?lang=cy", "Rhoi canmoliaeth"),
        ("/forms/comment?lang=cy", "Gwneud sylw neu awgrym"),
    ] {
        let html = get(&app, path).await.text();
        assert!(html.contains("<html lang=\"cy\""), "{path}");
        assert!(html.contains(&format!(">{heading}</h1>")), "{path}: {html}");
        assert!(html.contains("hreflang=\"en\">English</a>"), "{path}");
        assert!(!html.contains("Make a complaint"), "{path}");
    }
    let missing = post_form(&app, "/forms/complaint?lang=cy", &[("who", "self")])
        .await
        .text();
    assert!(
        missing.contains("<title>Gwall: Gwneud cwyn – Adborth i'r cyngor</title>")
            || missing.contains("<title>Gwall: Gwneud cwyn – Adborth i&#x27;r cyngor</title>"),
        "{missing}"
    );
    assert!(missing.contains("<li><a href=\"#summary\">Rhowch grynodeb</a></li>"));
    assert!(missing.contains("<span class=\"govuk-visually-hidden\">Gwall:</span> Rhowch grynodeb"));

    let page = get(&app, "/forms/complaint?lang=cy").await.text();
    let fields = complaint_fields(&submission(&page));
    let sent = post_form(&app, "/forms/complaint?lang=cy", &pairs(&fields))
        .await
        .text();
    assert!(
        sent.contains("<strong id=\"reference\">CMP-2026-000001</strong>"),
        "{sent}"
    );
    assert!(
        sent.contains("<strong id=\"acknowledgement-due\">27 Tachwedd 2026</strong>"),
        "{sent}"
    );
    // Written in Welsh, answered in Welsh: the letters choose their language by it.
    let case = app
        .get("/api/v1/cases/CMP-2026-000001", &app.manager())
        .await
        .json();
    assert_eq!(
        case["customer"]["accessibility"]["interpreter_language"],
        "cy"
    );
}

#[actix_rt::test]
async fn outside_wales_the_pages_are_in_english_only() {
    let app = spawn_app_with(ENABLED).await;
    let html = get(&app, "/forms/complaint?lang=cy").await.text();
    assert!(html.contains("<html lang=\"en\""));
    assert!(html.contains(">Make a complaint</h1>"));
    assert!(!html.contains("Cymraeg"));
}

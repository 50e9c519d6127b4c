//! Issue 16 §2: a resident who complained through the website without an account is sent a
//! link to their case (by the local SMTP server, or by text through the Notify look-alike),
//! exchanges it for a token reaching that one case, follows the case with it, and later
//! claims it into an account. Staff see, send and revoke links.

use std::time::Duration;

use awc::http::Method;
use council_feedback::app::time::Now;
use council_feedback::domain::case::Role;
use diesel::prelude::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::*;
use crate::lifecycle::{change, draft};
use crate::mail_servers::*;
use crate::mailroom::{notify_settings, smtp_settings};

/// Where the council's website says the links go: no `=` in it, so the email's
/// quoted-printable text decodes without doubt.
const CASE_URL: &str = "https://www.dudley.example.gov.uk/my-case/{token}";

fn web_form(app: &TestApp) -> String {
    app.token("council-website", &[Role::WebForm], &[])
}

async fn spawn(settings: Vec<(&'static str, String)>, now: Now) -> TestApp {
    let mut settings = settings;
    settings.push(("CASE_ACCESS_URL", CASE_URL.into()));
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_app_at(now, &pairs).await
}

/// A resident with no account and only an email address, complaining through the website.
fn resident(customer: Value) -> Value {
    let anonymous = with(
        complaint(),
        json!({"customer": {"name": "Rhian Example", "email": null, "phone": null,
                            "preferred_contact": null, "accessibility": null}}),
    );
    with(anonymous, json!({ "customer": customer }))
}

async fn file(app: &TestApp, customer: Value) -> String {
    let created = app
        .post("/api/v1/cases", &web_form(app), &resident(customer))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    created.json()["reference"]
        .as_str()
        .expect("reference")
        .to_string()
}

/// A mail's text with its quoted-printable soft breaks and escapes undone.
fn unquoted(data: &str) -> String {
    let joined = data.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The token in the link `text` holds.
fn token_in(text: &str) -> String {
    let prefix = CASE_URL.replace("{token}", "");
    let start = text.find(&prefix).expect("the link is in the message") + prefix.len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert_eq!(token.len(), 43, "256 bits as base64url: {token}");
    token
}

/// Waits for the link's email to `to`, and gives the token in it.
async fn emailed_token(smtp: &SmtpServer, to: &str, reference: &str) -> String {
    let subject = format!("Your link to case {reference}");
    let wanted = |m: &Mail| {
        m.to == vec![to.to_string()] && m.header("Subject").as_deref() == Some(subject.as_str())
    };
    let mails = smtp
        .until(Duration::from_secs(30), |mails| mails.iter().any(wanted))
        .await;
    let mail = mails.iter().find(|m| wanted(m)).expect("the link's email");
    token_in(&unquoted(&mail.data))
}

async fn anonymous(app: &TestApp, path: &str, body: &Value) -> TestResponse {
    app.send(
        Method::POST,
        path,
        None,
        &[],
        Some(body.to_string().into_bytes()),
    )
    .await
}

async fn exchange(app: &TestApp, token: &str) -> TestResponse {
    anonymous(app, "/api/v1/case-access", &json!({ "link": token })).await
}

/// The bearer token a link gives, checked as the answer must be.
async fn case_token(app: &TestApp, token: &str, reference: &str) -> String {
    let exchanged = exchange(app, token).await;
    assert_eq!(exchanged.status, 200, "{}", exchanged.text());
    assert_eq!(
        exchanged.header("cache-control").as_deref(),
        Some("no-store")
    );
    let body = exchanged.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["case"], reference);
    assert_eq!(body["case_url"], format!("/api/v1/cases/{reference}"));
    // CASE_ACCESS_TOKEN_MINUTES' default: an hour.
    assert_eq!(body["expires_in"], 3600);
    body["access_token"].as_str().expect("token").to_string()
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(QueryableByName)]
struct Stored {
    #[diesel(sql_type = diesel::sql_types::Text)]
    text: String,
}

/// Every text column of the tables a link could be kept in, for case `reference`.
fn stored_texts(app: &TestApp, reference: &str) -> Vec<String> {
    let mut conn = app.db.connection().expect("connection");
    let conn: &mut council_feedback::db::DbConnection = &mut conn;
    let of_case = format!("(SELECT id FROM cases WHERE reference = '{reference}')");
    let queries = [
        format!("SELECT body_text AS text FROM outgoing_messages WHERE case_id = {of_case}"),
        format!(
            "SELECT COALESCE(body_html, '') AS text FROM outgoing_messages WHERE case_id = {of_case}"
        ),
        format!("SELECT text FROM letters WHERE case_id = {of_case}"),
        format!("SELECT html AS text FROM letters WHERE case_id = {of_case}"),
        format!("SELECT details AS text FROM case_events WHERE case_id = {of_case}"),
        format!("SELECT token_hash AS text FROM case_access_links WHERE case_id = {of_case}"),
    ];
    queries
        .iter()
        .flat_map(|q| {
            diesel::sql_query(q.as_str())
                .load::<Stored>(conn)
                .expect("texts")
        })
        .map(|s| s.text)
        .collect()
}

async fn until_link_message_sent(app: &TestApp, reference: &str) {
    #[derive(QueryableByName)]
    struct Status {
        #[diesel(sql_type = diesel::sql_types::Text)]
        status: String,
    }
    for _ in 0..600 {
        let statuses: Vec<Status> = {
            let mut conn = app.db.connection().expect("connection");
            let conn: &mut council_feedback::db::DbConnection = &mut conn;
            diesel::sql_query(format!(
                "SELECT m.status FROM outgoing_messages m JOIN letters l ON l.id = m.letter_id \
                 JOIN cases c ON c.id = m.case_id \
                 WHERE c.reference = '{reference}' AND l.kind = 'case_access_link'"
            ))
            .load(conn)
            .expect("status")
        };
        if statuses
            .iter()
            .any(|s| s.status != "pending" && s.status != "sending")
        {
            return;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the link's message was never sent");
}

#[actix_web::test]
async fn a_resident_without_an_account_follows_their_case_through_the_emailed_link() {
    let smtp = SmtpServer::start();
    let app = spawn(smtp_settings(&smtp), Now::System).await;
    let reference = file(
        &app,
        json!({"email": "rhian@example.org", "preferred_contact": "email"}),
    )
    .await;
    let token = emailed_token(&smtp, "rhian@example.org", &reference).await;

    // The link is kept only as its SHA-256; once sent, the message keeps the copy that says a
    // link was sent, and nothing stored holds the link.
    until_link_message_sent(&app, &reference).await;
    let texts = stored_texts(&app, &reference);
    assert!(texts.iter().any(|t| t == &sha256_hex(&token)), "{texts:?}");
    assert!(
        texts.iter().all(|t| !t.contains(&token)),
        "the link is stored somewhere: {texts:?}"
    );
    assert!(texts
        .iter()
        .any(|t| t.contains("[the link was sent to the customer; it is not kept]")));

    let resident = case_token(&app, &token, &reference).await;
    let path = format!("/api/v1/cases/{reference}");

    // They see their case as its customer does.
    let case = app.get(&path, &resident).await;
    assert_eq!(case.status, 200, "{}", case.text());
    let case = case.json();
    assert_eq!(case["reference"], reference);
    assert_eq!(case["customer"]["name"], "Rhian Example");
    assert_eq!(case["customer"]["email"], "rhian@example.org");
    let listed = app.get("/api/v1/cases", &resident).await.json();
    assert_eq!(
        listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|c| c["reference"].clone())
            .collect::<Vec<_>>(),
        vec![json!(reference)]
    );

    // They add information.
    let added = app
        .post(
            &format!("{path}/correspondence"),
            &resident,
            &json!({"text": "The bin was missed again this morning."}),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.text());

    // No other case: another resident's is not found; and they create nothing.
    let other = file(&app, json!({"email": "someone@example.org"})).await;
    app.get(&format!("/api/v1/cases/{other}"), &resident)
        .await
        .problem(404, "/problems/not-found");
    app.get(&format!("/api/v1/cases/{other}/timeline"), &resident)
        .await
        .problem(404, "/problems/not-found");
    app.post("/api/v1/cases", &resident, &complaint())
        .await
        .problem(403, "/problems/forbidden");
    app.get("/api/v1/people/me", &resident)
        .await
        .problem(404, "/problems/not-found");

    // Staff answer stage 1; the resident, still by the link, asks for stage 2.
    let manager = app.manager();
    let mut etag = app.get(&path, &manager).await.header("etag").expect("etag");
    for (step, body) in [
        ("triage", json!({"decision": "accept"})),
        (
            "acknowledgement",
            json!({"understanding": "The bin was missed three weeks running", "method": "email"}),
        ),
        ("assignment", json!({"investigator": "officer-17"})),
    ] {
        let done = change(&app, &format!("{path}/{step}"), &manager, Some(&etag), body).await;
        assert_eq!(done.status, 200, "{step}: {}", done.text());
        etag = done.header("etag").expect("etag");
    }
    let drafted = app
        .post(
            &format!("{path}/responses"),
            &app.officer("officer-17", &["waste-care"]),
            &draft("not_upheld", None),
        )
        .await;
    assert_eq!(drafted.status, 201, "{}", drafted.text());
    let id = drafted.json()["id"].as_i64().expect("id");
    let sent = change(
        &app,
        &format!("{path}/responses/{id}/approval"),
        &manager,
        Some(&etag),
        json!({}),
    )
    .await;
    assert_eq!(sent.status, 200, "{}", sent.text());
    let etag = sent.header("etag").expect("etag");
    let escalated = change(
        &app,
        &format!("{path}/escalations"),
        &resident,
        Some(&etag),
        json!({"reason": "The crew still miss it: I have photos of the bin out at 6:45am."}),
    )
    .await;
    assert_eq!(escalated.status, 200, "{}", escalated.text());
    assert_eq!(escalated.json()["stage"], "stage_2");
    // And, the link still in hand, they withdraw it.
    let etag = escalated.header("etag").expect("etag");
    let withdrawn = change(
        &app,
        &format!("{path}/withdrawal"),
        &resident,
        Some(&etag),
        json!({"reason": "The crew have started collecting it again."}),
    )
    .await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.text());
    assert_eq!(withdrawn.json()["status"], "withdrawn");

    // The timeline says the link was sent and who did what through it.
    let timeline = app
        .get(&format!("{path}/timeline?limit=200"), &manager)
        .await
        .json();
    let items = timeline["items"].as_array().expect("items");
    let sent_event = items
        .iter()
        .find(|e| e["type"] == "case_access_link_sent")
        .expect("case_access_link_sent");
    assert_eq!(sent_event["details"]["channel"], "email");
    let escalation = items
        .iter()
        .find(|e| e["type"] == "escalated")
        .expect("escalated");
    assert_eq!(escalation["actor"]["role"], "customer");
    // The resident is named by the link they came through: the case's first and only one.
    let link = app
        .get(&format!("{path}/access-links"), &manager)
        .await
        .json()["items"][0]["id"]
        .clone();
    assert_eq!(link, json!(sent_event["details"]["link"]));
    assert_eq!(escalation["actor"]["subject"], format!("case-link:{link}"));
    // The resident does not see the internal event.
    let theirs = app
        .get(&format!("{path}/timeline?limit=200"), &resident)
        .await
        .json();
    assert!(theirs["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|e| e["type"] != "case_access_link_sent"));
}

#[actix_web::test]
async fn an_expired_or_revoked_link_gets_401_and_a_revoked_link_stops_its_tokens_at_once() {
    let smtp = SmtpServer::start();
    let monday = chrono::NaiveDate::from_ymd_opt(2026, 11, 2)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .expect("time");
    let mut settings = smtp_settings(&smtp);
    settings.push(("CASE_ACCESS_LINK_DAYS", "3".into()));
    let app = spawn(settings, Now::Fixed(monday)).await;
    let reference = file(&app, json!({"email": "rhian@example.org"})).await;
    let token = emailed_token(&smtp, "rhian@example.org", &reference).await;
    let staff = app.officer("officer-17", &["waste-care"]);
    let links_path = format!("/api/v1/cases/{reference}/access-links");

    // Staff see the link: sent by email on Monday 09:00 UTC, working three days.
    let listed = app.get(&links_path, &staff).await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    let link = listed.json()["items"][0].clone();
    assert_eq!(link["channel"], "email");
    assert_eq!(link["state"], "active");
    assert_eq!(link["issued_by"], "council-website");
    assert_eq!(link["issued_at"], "2026-11-02T09:00:00Z");
    assert_eq!(link["expires_at"], "2026-11-05T09:00:00Z");
    assert_eq!(link["exchanges"], 0);
    assert!(link.get("token_hash").is_none() && link.get("token").is_none());
    let link_id = link["id"].as_i64().expect("id");

    // Exchanged on Monday, the token works until 10:00.
    let resident = case_token(&app, &token, &reference).await;
    let listed = app.get(&links_path, &staff).await.json();
    assert_eq!(listed["items"][0]["exchanges"], 1);
    assert_eq!(
        listed["items"][0]["last_exchanged_at"],
        "2026-11-02T09:00:00Z"
    );

    // Thursday 09:00: the link has expired.
    let thursday = app.at(Now::Fixed(monday + chrono::Duration::days(3))).await;
    let expired = exchange(&thursday, &token).await;
    let problem = expired.problem(401, "/problems/unauthorized");
    assert_eq!(
        problem["detail"],
        "this case link has expired: ask the council for a new one, quoting your reference"
    );
    drop(thursday);

    // Not a link at all, or not one of ours: 401; no link: 422.
    exchange(&app, &"A".repeat(43))
        .await
        .problem(401, "/problems/unauthorized");
    exchange(&app, "not-a-link")
        .await
        .problem(401, "/problems/unauthorized");
    assert_eq!(
        anonymous(&app, "/api/v1/case-access", &json!({}))
            .await
            .invalid_fields(),
        vec!["link"]
    );

    // Only staff of the case's service revoke, with a reason.
    let revocation = format!("{links_path}/{link_id}/revocation");
    let reason = json!({"reason": "The resident says someone else read their email."});
    app.post(&revocation, &resident, &reason)
        .await
        .problem(403, "/problems/forbidden");
    app.post(&revocation, &app.officer("o-2", &["planning"]), &reason)
        .await
        .problem(404, "/problems/not-found");
    assert_eq!(
        app.post(&revocation, &staff, &json!({"reason": " "}))
            .await
            .invalid_fields(),
        vec!["reason"]
    );
    let other = file(&app, json!({"email": "someone@example.org"})).await;
    app.post(
        &format!("/api/v1/cases/{other}/access-links/{link_id}/revocation"),
        &staff,
        &reason,
    )
    .await
    .problem(404, "/problems/not-found");

    // Before: the token works. Revoked: the link and the token already given get 401.
    assert_eq!(
        app.get(&format!("/api/v1/cases/{reference}"), &resident)
            .await
            .status,
        200
    );
    let revoked = app.post(&revocation, &staff, &reason).await;
    assert_eq!(revoked.status, 200, "{}", revoked.text());
    let revoked = revoked.json();
    assert_eq!(revoked["state"], "revoked");
    assert_eq!(revoked["revoked_by"], "officer-17");
    assert_eq!(
        revoked["revoke_reason"],
        "The resident says someone else read their email."
    );
    app.post(&revocation, &staff, &reason)
        .await
        .problem(409, "/problems/conflict");
    let refused = exchange(&app, &token).await;
    assert_eq!(
        refused.problem(401, "/problems/unauthorized")["detail"],
        "this case link was withdrawn by the council: ask them for a new one, quoting your \
         reference"
    );
    app.get(&format!("/api/v1/cases/{reference}"), &resident)
        .await
        .problem(401, "/problems/unauthorized");
    app.get("/api/v1/cases", &resident)
        .await
        .problem(401, "/problems/unauthorized");
    // However the scheme is spelt.
    let lower = format!("bearer {resident}");
    app.send(
        Method::GET,
        &format!("/api/v1/cases/{reference}"),
        None,
        &[("Authorization", lower.as_str())],
        None,
    )
    .await
    .problem(401, "/problems/unauthorized");
    let timeline = app
        .get(
            &format!("/api/v1/cases/{reference}/timeline?limit=200"),
            &app.manager(),
        )
        .await
        .json();
    let event = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["type"] == "case_access_link_revoked")
        .cloned()
        .expect("case_access_link_revoked");
    assert_eq!(
        event["details"],
        json!({"link": link_id, "reason": "The resident says someone else read their email."})
    );

    // Staff send a new one, which works.
    let sent = app.post(&links_path, &staff, &json!({})).await;
    assert_eq!(sent.status, 201, "{}", sent.text());
    assert_eq!(sent.json()["state"], "active");
    let mails = smtp
        .until(Duration::from_secs(30), |mails| {
            mails
                .iter()
                .filter(|m| m.to == vec!["rhian@example.org".to_string()])
                .count()
                >= 2
        })
        .await;
    let second = mails
        .iter()
        .rev()
        .find(|m| m.to == vec!["rhian@example.org".to_string()])
        .expect("second mail");
    let fresh = token_in(&unquoted(&second.data));
    assert_ne!(fresh, token);
    case_token(&app, &fresh, &reference).await;
}

#[actix_web::test]
async fn a_resident_who_signs_in_claims_their_case_into_their_account_and_person() {
    let smtp = SmtpServer::start();
    let app = spawn(smtp_settings(&smtp), Now::System).await;
    let reference = file(&app, json!({"email": "rhian@example.org"})).await;
    let token = emailed_token(&smtp, "rhian@example.org", &reference).await;
    let by_link = case_token(&app, &token, &reference).await;
    let path = format!("/api/v1/cases/{reference}");
    // Intake matched the resident to a person by nothing but their new email address.
    let person = app.get(&path, &app.manager()).await.json()["person_id"]
        .as_i64()
        .expect("person");

    let account = app.customer("acct-rhian");
    // Not theirs yet.
    app.get(&path, &account)
        .await
        .problem(404, "/problems/not-found");
    // A token from a link cannot claim; nor can staff.
    app.post(
        "/api/v1/case-access/claims",
        &by_link,
        &json!({ "link": token }),
    )
    .await
    .problem(403, "/problems/forbidden");
    app.post(
        "/api/v1/case-access/claims",
        &app.manager(),
        &json!({ "link": token }),
    )
    .await
    .problem(403, "/problems/forbidden");

    let claimed = app
        .post(
            "/api/v1/case-access/claims",
            &account,
            &json!({ "link": token }),
        )
        .await;
    assert_eq!(claimed.status, 200, "{}", claimed.text());
    assert_eq!(
        claimed.json(),
        json!({"case": reference, "person_id": person, "case_url": path})
    );
    // The same again: the same answer.
    let again = app
        .post(
            "/api/v1/case-access/claims",
            &account,
            &json!({ "link": token }),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json()["person_id"], person);

    // The case is in their account, and they are its person.
    assert_eq!(app.get(&path, &account).await.status, 200);
    let me = app.get("/api/v1/people/me", &account).await;
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json()["id"], person);
    let theirs = app
        .get(&format!("/api/v1/people/{person}/cases"), &account)
        .await
        .json();
    assert_eq!(theirs["items"][0]["reference"], reference);

    // The link and its tokens are done: they sign in now.
    let refused = exchange(&app, &token).await;
    assert_eq!(
        refused.problem(401, "/problems/unauthorized")["detail"],
        "this case was added to your account: sign in to see it"
    );
    app.get(&path, &by_link)
        .await
        .problem(401, "/problems/unauthorized");
    // Another account cannot take it.
    assert_eq!(
        app.post(
            "/api/v1/case-access/claims",
            &app.customer("acct-someone"),
            &json!({ "link": token })
        )
        .await
        .invalid_fields(),
        vec!["link"]
    );
    // Staff cannot send a link for a case in an account.
    app.post(&format!("{path}/access-links"), &app.manager(), &json!({}))
        .await
        .problem(409, "/problems/conflict");
    let timeline = app
        .get(&format!("{path}/timeline?limit=200"), &app.manager())
        .await
        .json();
    assert!(timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|e| e["type"] == "case_access_link_claimed" && e["actor"]["subject"] == "acct-rhian"));
}

#[actix_web::test]
async fn the_link_goes_by_text_to_a_resident_with_only_a_phone_and_to_nobody_without_either() {
    let notify = NotifyServer::start().await;
    let app = spawn(notify_settings(&notify, NOTIFY_SECRET), Now::System).await;
    let reference = file(
        &app,
        json!({"phone": "07700 900123", "preferred_contact": "telephone"}),
    )
    .await;
    let accepted = notify
        .until(Duration::from_secs(30), |r| {
            r.iter().any(|r| r.path.ends_with("/sms"))
        })
        .await;
    let sms = accepted
        .iter()
        .find(|r| r.path.ends_with("/sms"))
        .expect("the text message");
    assert_eq!(sms.body["phone_number"], "07700 900123");
    let body = sms.body["personalisation"]["body"]
        .as_str()
        .expect("the text");
    assert!(body.contains(&reference), "{body}");
    let token = token_in(body);
    case_token(&app, &token, &reference).await;

    // Only a postal address: no link is sent, and staff are told why they cannot send one.
    let before = app
        .row_counts()
        .into_iter()
        .find(|(t, _)| t == "case_access_links")
        .expect("table")
        .1;
    let posted = file(
        &app,
        json!({"address": "1 High Street, Dudley", "postcode": "DY1 1AA",
               "preferred_contact": "letter"}),
    )
    .await;
    let after = app
        .row_counts()
        .into_iter()
        .find(|(t, _)| t == "case_access_links")
        .expect("table")
        .1;
    assert_eq!(after, before);
    assert_eq!(
        app.post(
            &format!("/api/v1/cases/{posted}/access-links"),
            &app.manager(),
            &json!({})
        )
        .await
        .invalid_fields(),
        vec!["customer"]
    );
}

#[actix_web::test]
async fn without_a_key_to_sign_with_no_link_is_sent_and_the_exchange_says_so() {
    // Tokens come from an identity provider's public key, and no CASE_ACCESS_SECRET is set.
    let smtp = SmtpServer::start();
    let mut settings = smtp_settings(&smtp);
    settings.push(("JWT_SECRET", String::new()));
    settings.push(("JWT_ALGORITHM", "ES256".into()));
    settings.push((
        "JWT_PUBLIC_KEY_FILE",
        "tests/fixtures/es256-public.pem".into(),
    ));
    let app = spawn(settings, Now::System).await;
    exchange(&app, &"A".repeat(43))
        .await
        .problem(503, "/problems/service-unavailable");
}

#[actix_web::test]
async fn erasing_the_residents_data_stops_their_link() {
    let smtp = SmtpServer::start();
    let app = spawn(smtp_settings(&smtp), Now::System).await;
    let reference = file(&app, json!({"email": "rhian@example.org"})).await;
    let token = emailed_token(&smtp, "rhian@example.org", &reference).await;
    let resident = case_token(&app, &token, &reference).await;
    let path = format!("/api/v1/cases/{reference}");
    let manager = app.manager();

    // The resident withdraws through the link; then asks for their data to be erased.
    let etag = app
        .get(&path, &resident)
        .await
        .header("etag")
        .expect("etag");
    let withdrawn = change(
        &app,
        &format!("{path}/withdrawal"),
        &resident,
        Some(&etag),
        json!({"reason": "Sorted out by phone."}),
    )
    .await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.text());
    let person = app.get(&path, &manager).await.json()["person_id"]
        .as_i64()
        .expect("person");
    let today = council_feedback::domain::clock::uk_date(chrono::Utc::now().naive_utc());
    let requested = app
        .post(
            &format!("/api/v1/people/{person}/erasure-requests"),
            &manager,
            &json!({"received_on": today.to_string(), "request": "Please erase what you hold about me"}),
        )
        .await;
    assert_eq!(requested.status, 201, "{}", requested.text());
    let id = requested.json()["id"].as_i64().expect("id");
    let erased = app
        .post(
            &format!("/api/v1/people/{person}/erasure-requests/{id}/decision"),
            &manager,
            &json!({"decision": "carried_out"}),
        )
        .await;
    assert_eq!(erased.status, 200, "{}", erased.text());

    // The link and the token it gave are done.
    exchange(&app, &token)
        .await
        .problem(401, "/problems/unauthorized");
    app.get(&path, &resident)
        .await
        .problem(401, "/problems/unauthorized");
    let links = app
        .get(&format!("{path}/access-links"), &manager)
        .await
        .json();
    assert_eq!(links["items"][0]["state"], "revoked");
    assert_eq!(
        links["items"][0]["revoke_reason"],
        "the case's personal data was removed"
    );
}

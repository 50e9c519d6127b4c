//! Issue 13 §4, the mail room: messages enqueued in a transaction reach a real SMTP server
//! and a Notify look-alike that checks the JWT as Notify does; Notify's callbacks put the
//! delivery status on the case's timeline and failures in the work queue; a worker killed
//! mid-send still sends the email exactly once.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use council_feedback::app::mailroom::{self, OutgoingMessage};
use council_feedback::app::AppError;
use council_feedback::domain::mailroom::Provider;
use council_feedback::domain::mailroom::Providers;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::mail_servers::*;

const CALLBACK_TOKEN: &str = "notify-callback-token-0123456789";

pub(crate) fn smtp_settings(smtp: &SmtpServer) -> Vec<(&'static str, String)> {
    vec![
        ("SERVE_JOBS", "true".into()),
        ("JOBS_POLL_INTERVAL", "100ms".into()),
        ("CORRESPONDENCE_DEFAULT", "smtp".into()),
        ("SMTP_URL", format!("smtp://127.0.0.1:{}", smtp.port)),
        (
            "MAIL_FROM",
            "Dudley Complaints <complaints@dudley.example.gov.uk>".into(),
        ),
    ]
}

pub(crate) fn notify_settings(notify: &NotifyServer, secret: &str) -> Vec<(&'static str, String)> {
    vec![
        ("SERVE_JOBS", "true".into()),
        ("JOBS_POLL_INTERVAL", "100ms".into()),
        ("CORRESPONDENCE_DEFAULT", "notify".into()),
        ("NOTIFY_BASE_URL", notify.base.clone()),
        ("NOTIFY_API_KEY", api_key(secret)),
        ("NOTIFY_EMAIL_TEMPLATE_ID", EMAIL_TEMPLATE.into()),
        ("NOTIFY_SMS_TEMPLATE_ID", SMS_TEMPLATE.into()),
        ("NOTIFY_CALLBACK_TOKEN", CALLBACK_TOKEN.into()),
    ]
}

async fn spawn(settings: &[(&'static str, String)]) -> TestApp {
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_app_with(&pairs).await
}

/// A complaint from a customer whose contact details are `customer` (merged over the usual
/// ones, without large print).
async fn case_for(app: &TestApp, subject: &str, customer: Value) -> String {
    let body = with(complaint(), json!({"customer": {"accessibility": null}}));
    let body = with(body, json!({ "customer": customer }));
    let created = app.create_case(&app.customer(subject), &body).await;
    created["reference"]
        .as_str()
        .expect("reference")
        .to_string()
}

/// Enqueues a message to case `reference`'s customer, going the way the routing rule says
/// for `providers`, as the letters will: in a transaction of its own. Gives its id.
async fn enqueue(
    app: &TestApp,
    reference: &str,
    providers: Providers,
    html: Option<&str>,
    pdf: Option<Vec<u8>>,
) -> i64 {
    let reference = reference.to_string();
    let html = html.map(str::to_string);
    app.db
        .transaction(move |conn| {
            let case = council_feedback::db::cases::find_by_reference(conn, &reference)?
                .expect("case");
            let route = mailroom::route(conn, case.id, providers, pdf.is_some())?;
            let message = OutgoingMessage::routed(
                case.id,
                route,
                format!("Your complaint {reference}"),
                format!("Dear Alex,\n.A line that starts with a dot.\nWe have received your complaint {reference}."),
                html,
                pdf,
            );
            Ok::<_, AppError>(mailroom::enqueue(conn, council_feedback::db::now(), message)?.id)
        })
        .await
        .expect("enqueued")
}

#[derive(QueryableByName, Debug, PartialEq)]
struct MessageState {
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    provider_id: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    provider_status: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    attempts: i32,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    last_error: Option<String>,
}

fn state_of(app: &TestApp, id: i64) -> MessageState {
    let mut conn = app.db.connection().expect("connection");
    let conn: &mut council_feedback::db::DbConnection = &mut conn;
    diesel::sql_query(format!(
        "SELECT status, provider_id, provider_status, attempts, last_error \
         FROM outgoing_messages WHERE id = {id}"
    ))
    .get_result(conn)
    .expect("message")
}

async fn until_status(app: &TestApp, id: i64, status: &str) -> MessageState {
    for _ in 0..400 {
        let state = state_of(app, id);
        if state.status == status {
            return state;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "message {id} never became {status}: {:?}",
        state_of(app, id)
    );
}

/// The case's timeline events of these types, as staff see them: (type, details).
async fn timeline(app: &TestApp, reference: &str, prefix: &str) -> Vec<(String, Value)> {
    let response = app
        .get(
            &format!("/api/v1/cases/{reference}/timeline?limit=200"),
            &app.manager(),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["type"].as_str().is_some_and(|t| t.starts_with(prefix)))
        .map(|e| {
            (
                e["type"].as_str().unwrap_or_default().to_string(),
                e["details"].clone(),
            )
        })
        .collect()
}

const BOTH: Providers = Providers {
    default: Provider::Notify,
    notify: true,
    smtp: true,
};

const SMTP_ONLY: Providers = Providers {
    default: Provider::Smtp,
    notify: false,
    smtp: true,
};

#[actix_web::test]
async fn an_email_reaches_the_smtp_server_once_with_its_text_and_html_parts() {
    let smtp = SmtpServer::start();
    let app = spawn(&smtp_settings(&smtp)).await;
    let reference = case_for(&app, "c-email", json!({"preferred_contact": "email"})).await;
    let id = enqueue(
        &app,
        &reference,
        SMTP_ONLY,
        Some("<p>Dear Alex,</p><p>We have received your complaint.</p>"),
        None,
    )
    .await;

    let mails = smtp.until(Duration::from_secs(20), |m| !m.is_empty()).await;
    until_status(&app, id, "sent").await;
    // Nothing more comes.
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let mails = if smtp.accepted().len() == mails.len() {
        mails
    } else {
        smtp.accepted()
    };
    assert_eq!(mails.len(), 1, "sent once");
    let mail = &mails[0];
    assert_eq!(mail.from, "complaints@dudley.example.gov.uk");
    assert_eq!(mail.to, vec!["alex@example.org".to_string()]);
    assert_eq!(
        mail.header("Subject"),
        Some(format!("Your complaint {reference}"))
    );
    let created_micros: i64 = {
        #[derive(QueryableByName)]
        struct At {
            #[diesel(sql_type = diesel::sql_types::Timestamp)]
            created_at: chrono::NaiveDateTime,
        }
        let mut conn = app.db.connection().expect("connection");
        let conn: &mut council_feedback::db::DbConnection = &mut conn;
        let at: At = diesel::sql_query(format!(
            "SELECT created_at FROM outgoing_messages WHERE id = {id}"
        ))
        .get_result(conn)
        .expect("created_at");
        at.created_at.and_utc().timestamp_micros()
    };
    assert_eq!(
        mail.header("Message-ID"),
        Some(format!(
            "<outgoing-{id}.{created_micros}@dudley.example.gov.uk>"
        ))
    );
    let content_type = mail.header("Content-Type").expect("content type");
    assert!(
        content_type.starts_with("multipart/alternative"),
        "{content_type}"
    );
    assert!(
        mail.data
            .contains("Content-Type: text/plain; charset=utf-8"),
        "{}",
        mail.data
    );
    assert!(
        mail.data.contains("Content-Type: text/html; charset=utf-8"),
        "{}",
        mail.data
    );
    // The line starting with a dot arrives whole (stuffed by the client, unstuffed here).
    assert!(
        mail.data
            .contains("\r\n.A line that starts with a dot.\r\n"),
        "{}",
        mail.data
    );
    assert!(mail
        .data
        .contains("<p>We have received your complaint.</p>"));

    assert_eq!(
        timeline(&app, &reference, "correspondence").await,
        vec![(
            "correspondence_sent".to_string(),
            json!({"message": id, "letter": null, "channel": "email", "provider": "smtp"})
        )]
    );
    // The customer sees that it was sent.
    let theirs = app
        .get(
            &format!("/api/v1/cases/{reference}/timeline"),
            &app.customer("c-email"),
        )
        .await;
    assert!(theirs.text().contains("correspondence_sent"));
}

#[actix_web::test]
async fn a_text_message_and_a_precompiled_letter_reach_notify_with_the_template_personalisation_and_case_reference(
) {
    let notify = NotifyServer::start().await;
    let app = spawn(&notify_settings(&notify, NOTIFY_SECRET)).await;
    let texted = case_for(
        &app,
        "c-sms",
        json!({"preferred_contact": "telephone", "email": null, "phone": "07700 900123"}),
    )
    .await;
    let posted = case_for(
        &app,
        "c-letter",
        json!({"preferred_contact": "letter", "address": "14 Example Road, Dudley", "postcode": "DY1 1AA"}),
    )
    .await;
    let pdf = b"%PDF-1.7\n% a letter\n".to_vec();
    let sms = enqueue(&app, &texted, BOTH, None, None).await;
    let letter = enqueue(&app, &posted, BOTH, None, Some(pdf.clone())).await;

    let seen = notify
        .until(Duration::from_secs(20), |r| r.len() >= 2)
        .await;
    until_status(&app, sms, "sent").await;
    until_status(&app, letter, "sent").await;
    let of = |path: &str| {
        seen.iter()
            .find(|r| r.path == path)
            .map(|r| r.body.clone())
            .unwrap_or_else(|| panic!("nothing to {path}: {seen:?}"))
    };
    assert_eq!(
        of("/v2/notifications/sms"),
        json!({
            "phone_number": "07700 900123",
            "template_id": SMS_TEMPLATE,
            "personalisation": {
                "subject": format!("Your complaint {texted}"),
                "body": format!("Dear Alex,\n.A line that starts with a dot.\nWe have received your complaint {texted}."),
            },
            "reference": texted,
        })
    );
    assert_eq!(
        of("/v2/notifications/letter"),
        json!({
            "reference": posted,
            // base64 of "%PDF-1.7\n% a letter\n", worked out apart.
            "content": "JVBERi0xLjcKJSBhIGxldHRlcgo=",
            "postage": "second",
        })
    );
    assert!(notify.refused().is_empty(), "{:?}", notify.refused());
    // Notify's id is kept, to match its callbacks: the one its answer gave.
    let texted_id = seen
        .iter()
        .find(|r| r.path == "/v2/notifications/sms")
        .map(|r| r.id.clone());
    assert_eq!(state_of(&app, sms).provider_id, texted_id);
    assert_eq!(
        timeline(&app, &posted, "correspondence").await,
        vec![(
            "correspondence_sent".to_string(),
            json!({"message": letter, "letter": null, "channel": "letter", "provider": "notify"})
        )]
    );
}

#[actix_web::test]
async fn notify_refuses_a_token_signed_with_another_secret_or_issued_long_ago() {
    let notify = NotifyServer::start().await;
    let body = json!({"phone_number": "07700 900123", "template_id": SMS_TEMPLATE,
                      "personalisation": {"subject": "s", "body": "b"}, "reference": "CMP-2026-000001"});
    let client = awc::Client::default();
    let send = |token: String| {
        let client = client.clone();
        let url = format!("{}/v2/notifications/sms", notify.base);
        let body = body.clone();
        async move {
            let mut response = client
                .post(url)
                .insert_header(("Authorization", format!("Bearer {token}")))
                .send_json(&body)
                .await
                .expect("notify answers");
            let json: Value = response.json().await.expect("json");
            (response.status().as_u16(), json)
        }
    };
    let key = |secret: &str| council_feedback::domain::mailroom::NotifyKey {
        service_id: SERVICE_ID.into(),
        secret: secret.into(),
    };
    let now = chrono::Utc::now().timestamp();
    use council_feedback::jobs::mailroom::notify::token;
    let (status, answer) = send(token(&key(NOTIFY_SECRET), now).expect("token")).await;
    assert_eq!(status, 201, "{answer}");
    let (status, answer) =
        send(token(&key("8b6e8a1c-0000-4000-8000-000000000000"), now).expect("token")).await;
    assert_eq!(status, 403);
    assert_eq!(
        answer,
        json!({"errors": [{"error": "AuthError", "message": "Invalid token: signature, api token not found"}], "status_code": 403})
    );
    let (status, answer) = send(token(&key(NOTIFY_SECRET), now - 60).expect("token")).await;
    assert_eq!(status, 403);
    assert_eq!(
        answer,
        json!({"errors": [{"error": "AuthError", "message": "Error: Your system clock must be accurate to within 30 seconds"}], "status_code": 403})
    );

    // A service configured with the wrong secret sends nothing: Notify refuses its token,
    // and the message waits for its next attempt, saying why.
    let app = spawn(&notify_settings(
        &notify,
        "8b6e8a1c-0000-4000-8000-000000000000",
    ))
    .await;
    let texted = case_for(
        &app,
        "c-wrong-key",
        json!({"preferred_contact": "telephone", "email": null}),
    )
    .await;
    let id = enqueue(&app, &texted, BOTH, None, None).await;
    for _ in 0..200 {
        if state_of(&app, id).attempts >= 1 && state_of(&app, id).status == "pending" {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    let state = state_of(&app, id);
    assert_eq!(
        (
            state.status.as_str(),
            state.attempts,
            state.last_error.as_deref()
        ),
        (
            "pending",
            1,
            Some("Notify answered 403: AuthError: Invalid token: signature, api token not found")
        )
    );
    assert_eq!(
        notify.accepted().len(),
        1,
        "only the test's own good request"
    );
}

async fn callback(app: &TestApp, token: &str, body: &Value) -> TestResponse {
    app.post("/api/v1/notify/callbacks", token, body).await
}

fn all_rows(app: &TestApp) -> (Vec<(String, i64)>, String) {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        row: String,
    }
    let mut pooled = app.db.connection().expect("connection");
    let conn: &mut council_feedback::db::DbConnection = &mut pooled;
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT id || '|' || status || '|' || COALESCE(provider_status, '') || '|' || attempts || '|' \
         || COALESCE(CAST(next_attempt_at AS TEXT), '') || '|' || COALESCE(CAST(completed_at AS TEXT), '') \
         || '|' || CAST(updated_at AS TEXT) AS row FROM outgoing_messages ORDER BY id",
    )
    .load(conn)
    .expect("rows");
    drop(pooled);
    let text = rows
        .into_iter()
        .map(|r| r.row)
        .collect::<Vec<_>>()
        .join("\n");
    // Every table's rows counted, and each message's state in full.
    (app.row_counts(), text)
}

#[actix_web::test]
async fn a_permanent_failure_callback_lands_on_the_timeline_and_in_the_failed_queue_once() {
    let notify = NotifyServer::start().await;
    let app = spawn(&notify_settings(&notify, NOTIFY_SECRET)).await;
    let failing = case_for(
        &app,
        "c-fail",
        json!({"preferred_contact": "telephone", "email": null, "phone": "07700 900999"}),
    )
    .await;
    let fine = case_for(
        &app,
        "c-fine",
        json!({"preferred_contact": "telephone", "email": null, "phone": "07700 900123"}),
    )
    .await;
    let bad = enqueue(&app, &failing, BOTH, None, None).await;
    let good = enqueue(&app, &fine, BOTH, None, None).await;
    let bad_id = until_status(&app, bad, "sent")
        .await
        .provider_id
        .expect("id");
    let good_id = until_status(&app, good, "sent")
        .await
        .provider_id
        .expect("id");

    let payload = |id: &str, reference: &str, status: &str| {
        json!({
            "id": id, "reference": reference, "to": "07700 900999", "status": status,
            "created_at": "2026-12-01T10:00:00.000000Z", "completed_at": "2026-12-01T10:05:00.000000Z",
            "sent_at": "2026-12-01T10:00:05.000000Z", "notification_type": "sms",
            "template_id": SMS_TEMPLATE, "template_version": 1
        })
    };
    let failed = payload(&bad_id, &failing, "permanent-failure");
    let delivered = payload(&good_id, &fine, "delivered");

    // A wrong token, or none, is 401 and changes nothing.
    let before = all_rows(&app);
    let wrong = callback(&app, "not-the-callback-token", &failed).await;
    wrong.problem(401, "/problems/unauthorized");
    let none = app
        .send(
            awc::http::Method::POST,
            "/api/v1/notify/callbacks",
            None,
            &[],
            Some(failed.to_string().into_bytes()),
        )
        .await;
    none.problem(401, "/problems/unauthorized");
    // Not a UUID: 422 naming the field.
    let unreadable = callback(
        &app,
        CALLBACK_TOKEN,
        &with(failed.clone(), json!({"id": "42"})),
    )
    .await;
    assert_eq!(unreadable.invalid_fields(), vec!["id".to_string()]);
    // A notification this service did not send: 404, so Notify tries again later.
    let unknown = callback(
        &app,
        CALLBACK_TOKEN,
        &with(
            failed.clone(),
            json!({"id": "11111111-2222-4333-8444-555555555555"}),
        ),
    )
    .await;
    unknown.problem(404, "/problems/not-found");
    assert_eq!(all_rows(&app), before);

    let answered = callback(&app, CALLBACK_TOKEN, &failed).await;
    assert_eq!(answered.status, 204, "{}", answered.text());
    let answered = callback(&app, CALLBACK_TOKEN, &delivered).await;
    assert_eq!(answered.status, 204, "{}", answered.text());

    assert_eq!(
        timeline(&app, &failing, "correspondence").await,
        vec![
            (
                "correspondence_sent".to_string(),
                json!({"message": bad, "letter": null, "channel": "sms", "provider": "notify"})
            ),
            (
                "correspondence_failed".to_string(),
                json!({"message": bad, "channel": "sms", "provider": "notify",
                       "status": "permanent_failure", "reason": "Notify: permanent-failure"})
            ),
        ]
    );
    assert_eq!(
        timeline(&app, &fine, "correspondence").await[1],
        (
            "correspondence_delivered".to_string(),
            json!({"message": good, "channel": "sms", "delivered_at": "2026-12-01T10:05:00Z"})
        )
    );
    // The failure is staff-only; the customer does not see it.
    let theirs = app
        .get(
            &format!("/api/v1/cases/{failing}/timeline"),
            &app.customer("c-fail"),
        )
        .await;
    assert!(
        !theirs.text().contains("correspondence_failed"),
        "{}",
        theirs.text()
    );

    let queue = app
        .get("/api/v1/cases?correspondence=failed", &app.manager())
        .await;
    assert_eq!(queue.status, 200, "{}", queue.text());
    let listed: Vec<&str> = queue.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["reference"].as_str())
        .map(|r| if r == failing { "failing" } else { "other" })
        .collect();
    assert_eq!(listed, vec!["failing"]);
    // A filter for staff; a word it does not know is 422.
    let customer = app
        .get(
            "/api/v1/cases?correspondence=failed",
            &app.customer("c-fail"),
        )
        .await;
    assert_eq!(
        customer.invalid_fields(),
        vec!["correspondence".to_string()]
    );
    let unknown_word = app
        .get("/api/v1/cases?correspondence=lost", &app.manager())
        .await;
    assert_eq!(
        unknown_word.invalid_fields(),
        vec!["correspondence".to_string()]
    );

    // The same callbacks again change nothing at all.
    let after = all_rows(&app);
    for body in [&failed, &delivered] {
        let again = callback(&app, CALLBACK_TOKEN, body).await;
        assert_eq!(again.status, 204, "{}", again.text());
    }
    assert_eq!(all_rows(&app), after);
}

#[actix_web::test]
async fn notify_is_asked_about_a_message_it_has_not_called_back_about() {
    let notify = NotifyServer::start().await;
    let app = spawn(&notify_settings(&notify, NOTIFY_SECRET)).await;
    let texted = case_for(
        &app,
        "c-poll",
        json!({"preferred_contact": "telephone", "email": null}),
    )
    .await;
    let id = enqueue(&app, &texted, BOTH, None, None).await;
    let sent = until_status(&app, id, "sent").await;
    let notify_id = sent.provider_id.expect("id");
    // Asked too early, Notify would still say `sending`: the first question waits an hour.
    {
        #[derive(QueryableByName)]
        struct Next {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
            next_attempt_at: Option<chrono::NaiveDateTime>,
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
            sent_at: Option<chrono::NaiveDateTime>,
        }
        let mut conn = app.db.connection().expect("connection");
        let conn: &mut council_feedback::db::DbConnection = &mut conn;
        let row: Next = diesel::sql_query(format!(
            "SELECT next_attempt_at, sent_at FROM outgoing_messages WHERE id = {id}"
        ))
        .get_result(conn)
        .expect("row");
        let sent_at = row.sent_at.expect("sent_at");
        assert_eq!(
            row.next_attempt_at,
            Some(sent_at + chrono::Duration::hours(1))
        );
    };
    notify.set_status(&notify_id, "delivered");
    // The hour has passed.
    {
        let mut conn = app.db.connection().expect("connection");
        let conn: &mut council_feedback::db::DbConnection = &mut conn;
        diesel::sql_query(format!(
            "UPDATE outgoing_messages SET next_attempt_at = sent_at WHERE id = {id}"
        ))
        .execute(conn)
        .expect("the hour passes");
    }
    let state = until_status(&app, id, "delivered").await;
    assert_eq!(state.provider_status.as_deref(), Some("delivered"));
    assert_eq!(
        timeline(&app, &texted, "correspondence").await,
        vec![
            (
                "correspondence_sent".to_string(),
                json!({"message": id, "letter": null, "channel": "sms", "provider": "notify"})
            ),
            (
                "correspondence_delivered".to_string(),
                json!({"message": id, "channel": "sms", "delivered_at": "2026-12-01T10:05:00Z"})
            ),
        ]
    );
}

#[actix_web::test]
async fn messages_for_printing_wait_for_staff_and_are_listed_for_them() {
    let app = spawn_app().await;
    let reference = case_for(
        &app,
        "c-print",
        json!({"preferred_contact": "letter", "address": "14 Example Road, Dudley", "postcode": "DY1 1AA"}),
    )
    .await;
    let print_only = Providers {
        default: Provider::Print,
        notify: false,
        smtp: false,
    };
    let id = enqueue(&app, &reference, print_only, None, None).await;
    let queue = app
        .get(
            "/api/v1/outgoing-messages?provider=print&status=pending",
            &app.manager(),
        )
        .await;
    assert_eq!(queue.status, 200, "{}", queue.text());
    let items = queue.json()["items"].clone();
    assert_eq!(items.as_array().map(Vec::len), Some(1));
    assert_eq!(items[0]["id"], id);
    assert_eq!(items[0]["channel"], "print");
    assert_eq!(
        items[0]["recipient"],
        "Alex Example\n14 Example Road\nDudley\nDY1 1AA"
    );
    // Officers and customers may not read the print queue.
    let officer = app
        .get(
            "/api/v1/outgoing-messages",
            &app.officer("o-waste", &["waste-care"]),
        )
        .await;
    officer.problem(403, "/problems/forbidden");
    let printed = app
        .post(
            &format!("/api/v1/outgoing-messages/{id}/printing"),
            &app.manager(),
            &json!({}),
        )
        .await;
    assert_eq!(printed.status, 200, "{}", printed.text());
    assert_eq!(printed.json()["status"], "printed");
    let again = app
        .post(
            &format!("/api/v1/outgoing-messages/{id}/printing"),
            &app.manager(),
            &json!({}),
        )
        .await;
    again.problem(409, "/problems/conflict");
    let missing = app
        .post(
            "/api/v1/outgoing-messages/999999/printing",
            &app.manager(),
            &json!({}),
        )
        .await;
    missing.problem(404, "/problems/not-found");
    assert_eq!(
        timeline(&app, &reference, "correspondence").await,
        vec![(
            "correspondence_sent".to_string(),
            json!({"message": id, "letter": null, "channel": "print", "provider": "print"})
        )]
    );
    // The case's messages, for staff of its service.
    let listed = app
        .get(
            &format!("/api/v1/cases/{reference}/outgoing-messages"),
            &app.officer("o-waste", &["waste-care"]),
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    assert_eq!(listed.json()["items"][0]["status"], "printed");
    let elsewhere = app
        .get(
            &format!("/api/v1/cases/{reference}/outgoing-messages"),
            &app.officer("o-parks", &["parks"]),
        )
        .await;
    elsewhere.problem(404, "/problems/not-found");
}

/// A worker process; killed (SIGKILL) when dropped.
struct Worker(Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn worker(database_url: &str, smtp: &SmtpServer) -> Worker {
    let dir = std::env::temp_dir().join(format!("cf-mailroom-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("folder");
    let mut process = Command::new(env!("CARGO_BIN_EXE_council-feedback"));
    process
        .arg("worker")
        .env_clear()
        .env("DATABASE_URL", database_url)
        .env("DATA_DIR", &dir)
        .env("JWT_SECRET", SECRET_FOR_TOKENS)
        .env("JOBS_POLL_INTERVAL", "200ms")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (name, value) in smtp_settings(smtp) {
        if name != "SERVE_JOBS" && name != "JOBS_POLL_INTERVAL" {
            process.env(name, value);
        }
    }
    Worker(process.spawn().expect("start the worker"))
}

const SECRET_FOR_TOKENS: &str = crate::helpers::SECRET;

#[actix_web::test]
async fn a_worker_killed_between_commit_and_send_still_sends_the_email_exactly_once() {
    // The first message's DATA is held unanswered for 4 s: the worker is killed meanwhile.
    let smtp = SmtpServer::holding(1, Duration::from_secs(4));
    // This app serves requests only; the worker process sends.
    let app = spawn_app().await;
    let database_url = app.database_url.clone();
    let reference = case_for(&app, "c-kill", json!({"preferred_contact": "email"})).await;
    let first = worker(&database_url, &smtp);
    let id = enqueue(&app, &reference, SMTP_ONLY, Some("<p>Dear Alex</p>"), None).await;
    for _ in 0..400 {
        if smtp.in_flight() == 1 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(smtp.in_flight(), 1, "the send began");
    assert_eq!(
        state_of(&app, id).status,
        "sending",
        "claimed and committed before the send"
    );
    drop(first);
    for _ in 0..200 {
        if smtp.abandoned() == 1 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(smtp.abandoned(), 1, "the killed send was never accepted");
    assert!(smtp.accepted().is_empty());

    // A new worker sends it once the lease (30 s) runs out.
    let _second = worker(&database_url, &smtp);
    let mails = smtp.until(Duration::from_secs(90), |m| !m.is_empty()).await;
    until_status(&app, id, "sent").await;
    actix_web::rt::time::sleep(Duration::from_millis(800)).await;
    let mails = if smtp.accepted().len() == mails.len() {
        mails
    } else {
        smtp.accepted()
    };
    assert_eq!(mails.len(), 1, "exactly once");
    let state = state_of(&app, id);
    assert_eq!(
        state.attempts, 2,
        "the killed attempt and the one that went"
    );
    let ids: Vec<Option<String>> = mails.iter().map(|m| m.header("Message-ID")).collect();
    assert!(
        ids[0]
            .as_deref()
            .is_some_and(|m| m.starts_with(&format!("<outgoing-{id}."))),
        "{ids:?}"
    );
    assert_eq!(
        timeline(&app, &reference, "correspondence").await.len(),
        1,
        "one correspondence_sent"
    );
}

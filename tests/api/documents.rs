//! Issue 13 §5: the customer's own information and documents. Expected values are worked out
//! by hand: sizes counted, SHA-256 digests from `sha256sum` over the same bytes.

use awc::http::Method;
use base64::Engine;
use serde_json::{json, Value};

use crate::event_types::fits;
use crate::helpers::*;
use crate::lifecycle::change;

/// 32 bytes of text: `printf 'Bin missed on 2 and 9 November.\n' | sha256sum`.
const EVIDENCE: &[u8] = b"Bin missed on 2 and 9 November.\n";
const EVIDENCE_SHA256: &str = "92442e15c1c27982e54c973c0b335c8281c64316719f8916bfdfe6be4aab9c73";

/// A 1x1 PNG, 70 bytes; `sha256sum` of the decoded bytes.
const PIXEL_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const PIXEL_SHA256: &str = "497790947d4666760ce38f3c00e852c71fdb66cae849bae8e9ede352719e1581";

/// 10 MiB of `a`: `head -c 10485760 /dev/zero | tr '\0' 'a' | sha256sum`.
const TEN_MIB_OF_A_SHA256: &str =
    "b5eec3f68ef64d15e82dad91ff908582c5f081e61a62e22427af9bec2cd35f8d";

const BOUNDARY: &str = "cf-test-boundary-7d1e";

fn pixel() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(PIXEL_PNG)
        .expect("png")
}

/// A multipart/form-data body with a `visibility` part (when given) and a `file` part.
fn multipart(visibility: Option<&str>, filename: &str, declared: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    if let Some(visibility) = visibility {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"visibility\"\r\n\r\n{visibility}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
             Content-Type: {declared}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(
    app: &TestApp,
    reference: &str,
    token: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> TestResponse {
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let mut all = vec![("Content-Type", content_type.as_str())];
    all.extend_from_slice(headers);
    app.send(
        Method::POST,
        &format!("/api/v1/cases/{reference}/documents"),
        Some(token),
        &all,
        Some(body),
    )
    .await
}

/// A customer's complaint: its reference.
async fn customers_case(app: &TestApp, customer: &str) -> String {
    let case = app.create_case(&app.customer(customer), &complaint()).await;
    case["reference"].as_str().expect("reference").to_string()
}

/// The case, closed as a service request by the complaints manager.
async fn close(app: &TestApp, reference: &str) {
    let manager = app.manager();
    let mut etag = "\"1\"".to_string();
    for (path, body) in [
        (
            "triage",
            json!({"decision": "service_request", "referral": "Passed to the waste team"}),
        ),
        ("closure", json!({})),
    ] {
        let response = change(
            app,
            &format!("/api/v1/cases/{reference}/{path}"),
            &manager,
            Some(&etag),
            body,
        )
        .await;
        assert_eq!(response.status, 200, "{path}: {}", response.text());
        etag = response.header("etag").expect("etag");
    }
}

#[actix_web::test]
async fn a_document_round_trips_with_its_bytes_size_type_and_sha256() {
    let app = spawn_app().await;
    let reference = customers_case(&app, "alex").await;
    let alex = app.customer("alex");

    let sent = upload(
        &app,
        &reference,
        &alex,
        &[],
        multipart(Some("customer"), "evidence.txt", "text/plain", EVIDENCE),
    )
    .await;
    assert_eq!(sent.status, 201, "{}", sent.text());
    let document = sent.json();
    let id = document["id"].as_i64().expect("id");
    let href = format!("/api/v1/cases/{reference}/documents/{id}");
    assert_eq!(sent.header("location").as_deref(), Some(href.as_str()));
    assert_eq!(document["filename"], "evidence.txt");
    assert_eq!(document["size_bytes"], 32);
    assert_eq!(document["document_type"], "text");
    assert_eq!(document["content_type"], "text/plain; charset=utf-8");
    assert_eq!(document["sha256"], EVIDENCE_SHA256);
    assert_eq!(document["visibility"], "customer");
    assert_eq!(
        document["uploaded_by"],
        json!({"role": "customer", "subject": "alex"})
    );
    assert_eq!(document["href"], href);

    // Staff share a photo with the customer: a PNG, sent with no visibility part and so
    // staff-only by default, then one shared.
    let officer = app.officer("officer-17", &["waste-care"]);
    let shared = upload(
        &app,
        &reference,
        &officer,
        &[],
        multipart(Some("customer"), "crew photo.png", "image/png", &pixel()),
    )
    .await;
    assert_eq!(shared.status, 201, "{}", shared.text());
    let shared = shared.json();
    assert_eq!(shared["size_bytes"], 70);
    assert_eq!(shared["document_type"], "png");
    assert_eq!(shared["sha256"], PIXEL_SHA256);
    assert_eq!(shared["uploaded_by"]["role"], "investigating_officer");
    // The customer is not told which officer.
    let listed = app
        .get(&format!("/api/v1/cases/{reference}/documents"), &alex)
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    let listed = listed.json();
    let items = listed["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], shared["id"]);
    assert_eq!(
        items[0]["uploaded_by"],
        json!({"role": "investigating_officer", "subject": null})
    );
    assert_eq!(items[1], document);
    assert_eq!(listed["next_cursor"], Value::Null);

    let got = app.get(&href, &alex).await;
    assert_eq!(got.status, 200, "{}", got.text());
    assert_eq!(got.body, EVIDENCE);
    assert_eq!(
        got.header("content-type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(
        got.header("content-disposition").as_deref(),
        Some("attachment; filename=\"evidence.txt\"")
    );
    assert_eq!(
        got.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    let photo = app
        .get(
            &format!("/api/v1/cases/{reference}/documents/{}", shared["id"]),
            &alex,
        )
        .await;
    assert_eq!(photo.status, 200, "{}", photo.text());
    assert_eq!(photo.body, pixel());
    assert_eq!(photo.header("content-type").as_deref(), Some("image/png"));
    assert_eq!(
        photo.header("content-disposition").as_deref(),
        Some("attachment; filename=\"crew_photo.png\"")
    );

    // Paged one at a time, newest first.
    let first = app
        .get(
            &format!("/api/v1/cases/{reference}/documents?limit=1"),
            &officer,
        )
        .await
        .json();
    assert_eq!(first["items"][0]["id"], shared["id"]);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = app
        .get(
            &format!("/api/v1/cases/{reference}/documents?limit=1&cursor={cursor}"),
            &officer,
        )
        .await
        .json();
    assert_eq!(second["items"][0]["id"], id);
    assert_eq!(second["next_cursor"], Value::Null);
}

#[actix_web::test]
async fn a_png_called_pdf_and_sent_as_pdf_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let reference = customers_case(&app, "alex").await;
    let before = app.row_counts();
    let refused = upload(
        &app,
        &reference,
        &app.customer("alex"),
        &[],
        multipart(Some("customer"), "letter.pdf", "application/pdf", &pixel()),
    )
    .await;
    let problem = refused.problem(415, "/problems/unsupported-document-type");
    assert_eq!(problem["errors"][0]["field"], "file");
    assert_eq!(app.row_counts(), before);

    // Neither is anything else that is not one of the five, nor an empty file.
    let zip = b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
    let refused = upload(
        &app,
        &reference,
        &app.customer("alex"),
        &[],
        multipart(None, "report.docx", "application/msword", zip),
    )
    .await;
    refused.problem(415, "/problems/unsupported-document-type");
    let empty = upload(
        &app,
        &reference,
        &app.customer("alex"),
        &[],
        multipart(None, "empty.txt", "text/plain", b""),
    )
    .await;
    assert_eq!(empty.invalid_fields(), vec!["file"]);
    // Not multipart at all.
    let json = app
        .post(
            &format!("/api/v1/cases/{reference}/documents"),
            &app.customer("alex"),
            &json!({"file": "x"}),
        )
        .await;
    json.problem(415, "/problems/unsupported-media-type");
    assert_eq!(app.row_counts(), before);
}

#[actix_web::test]
async fn ten_mib_is_taken_and_one_byte_more_is_413_storing_nothing() {
    let app = spawn_app().await;
    let reference = customers_case(&app, "alex").await;
    let alex = app.customer("alex");
    let before = app.row_counts();
    let too_big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let refused = upload(
        &app,
        &reference,
        &alex,
        &[],
        multipart(Some("customer"), "long.txt", "text/plain", &too_big),
    )
    .await;
    refused.problem(413, "/problems/payload-too-large");
    assert_eq!(app.row_counts(), before);

    let exactly = upload(
        &app,
        &reference,
        &alex,
        &[],
        multipart(Some("customer"), "long.txt", "text/plain", &too_big[1..]),
    )
    .await;
    assert_eq!(exactly.status, 201, "{}", exactly.text());
    assert_eq!(exactly.json()["size_bytes"], 10_485_760);
    assert_eq!(exactly.json()["sha256"], TEN_MIB_OF_A_SHA256);
}

#[actix_web::test]
async fn another_customer_or_partner_cannot_list_read_or_add_to_a_customers_documents() {
    let app = spawn_app().await;
    let reference = customers_case(&app, "alex").await;
    let sent = upload(
        &app,
        &reference,
        &app.customer("alex"),
        &[],
        multipart(None, "evidence.txt", "text/plain", EVIDENCE),
    )
    .await;
    assert_eq!(sent.status, 201, "{}", sent.text());
    let href = sent.json()["href"].as_str().expect("href").to_string();
    let before = app.row_counts();
    for stranger in [app.customer("blair"), app.partner("acme-grounds")] {
        app.get(&format!("/api/v1/cases/{reference}/documents"), &stranger)
            .await
            .problem(404, "/problems/not-found");
        app.get(&href, &stranger)
            .await
            .problem(404, "/problems/not-found");
    }
    upload(
        &app,
        &reference,
        &app.customer("blair"),
        &[],
        multipart(None, "evidence.txt", "text/plain", EVIDENCE),
    )
    .await
    .problem(404, "/problems/not-found");
    app.post(
        &format!("/api/v1/cases/{reference}/correspondence"),
        &app.customer("blair"),
        &json!({"text": "Not my case"}),
    )
    .await
    .problem(404, "/problems/not-found");
    // Staff of another service do not see it either.
    app.get(&href, &app.officer("o-parks", &["parks"]))
        .await
        .problem(404, "/problems/not-found");
    assert_eq!(app.row_counts(), before);
}

#[actix_web::test]
async fn staff_only_documents_and_logged_calls_are_invisible_to_the_customer() {
    let app = spawn_app().await;
    let reference = customers_case(&app, "alex").await;
    let alex = app.customer("alex");
    let officer = app.officer("officer-17", &["waste-care"]);
    // No visibility part: staff's upload is for staff.
    let internal = upload(
        &app,
        &reference,
        &officer,
        &[],
        multipart(None, "crew notes.txt", "text/plain", EVIDENCE),
    )
    .await;
    assert_eq!(internal.status, 201, "{}", internal.text());
    let internal = internal.json();
    assert_eq!(internal["visibility"], "staff");
    let href = internal["href"].as_str().expect("href");

    let listed = app
        .get(&format!("/api/v1/cases/{reference}/documents"), &alex)
        .await
        .json();
    assert_eq!(listed["items"], json!([]));
    app.get(href, &alex)
        .await
        .problem(404, "/problems/not-found");
    let staff_list = app
        .get(&format!("/api/v1/cases/{reference}/documents"), &officer)
        .await
        .json();
    assert_eq!(staff_list["items"][0]["id"], internal["id"]);
    assert_eq!(app.get(href, &officer).await.body, EVIDENCE);

    // A customer cannot upload for staff only, nor say how or when their information came.
    let before = app.row_counts();
    let refused = upload(
        &app,
        &reference,
        &alex,
        &[],
        multipart(Some("staff"), "evidence.txt", "text/plain", EVIDENCE),
    )
    .await;
    assert_eq!(refused.invalid_fields(), vec!["visibility"]);
    let refused = app
        .post(
            &format!("/api/v1/cases/{reference}/correspondence"),
            &alex,
            &json!({"text": "More", "method": "phone", "received_at": "2026-12-01T10:00:00Z"}),
        )
        .await;
    assert_eq!(refused.invalid_fields(), vec!["method", "received_at"]);
    // Staff must say how a contact came.
    let refused = app
        .post(
            &format!("/api/v1/cases/{reference}/correspondence"),
            &officer,
            &json!({"text": "Rang again"}),
        )
        .await;
    assert_eq!(refused.invalid_fields(), vec!["method"]);
    assert_eq!(app.row_counts(), before);

    // A call staff log is internal unless they share it.
    let logged = app
        .post(
            &format!("/api/v1/cases/{reference}/correspondence"),
            &officer,
            &json!({"text": "Customer rang: bin missed again today", "method": "phone",
                    "received_at": "2026-12-04T09:30:00Z"}),
        )
        .await;
    assert_eq!(logged.status, 201, "{}", logged.text());
    assert_eq!(logged.json()["type"], "correspondence_logged");
    assert_eq!(logged.json()["visibility"], "internal");
    assert_eq!(
        logged.json()["details"],
        json!({"direction": "incoming", "method": "phone",
               "text": "Customer rang: bin missed again today",
               "received_at": "2026-12-04T09:30:00Z"})
    );
    let seen: Vec<String> = app
        .get(&format!("/api/v1/cases/{reference}/timeline"), &alex)
        .await
        .json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(seen, vec!["received"]);
}

#[actix_web::test]
async fn in_folder_storage_the_file_is_named_by_the_documents_id() {
    let folder = std::env::temp_dir().join(format!("cf-docs-{}", uuid::Uuid::new_v4().simple()));
    let app = spawn_app_with(&[("DOCUMENTS_DIR", &folder.display().to_string())]).await;
    let reference = customers_case(&app, "alex").await;
    let sent = upload(
        &app,
        &reference,
        &app.customer("alex"),
        &[],
        multipart(None, "../../evidence.txt", "text/plain", EVIDENCE),
    )
    .await;
    assert_eq!(sent.status, 201, "{}", sent.text());
    let id = sent.json()["id"].as_i64().expect("id");
    let mut files: Vec<String> = std::fs::read_dir(&folder)
        .expect("folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, vec![format!("{id}.bin")]);
    assert_eq!(
        std::fs::read(folder.join(format!("{id}.bin"))).expect("file"),
        EVIDENCE
    );
    let counts = app.row_counts();
    let count = |table: &str| {
        counts
            .iter()
            .find(|(name, _)| name == table)
            .map(|(_, n)| *n)
    };
    assert_eq!(count("case_documents"), Some(1));
    assert_eq!(count("case_document_contents"), Some(0));
    let got = app
        .get(
            &format!("/api/v1/cases/{reference}/documents/{id}"),
            &app.customer("alex"),
        )
        .await;
    assert_eq!(got.status, 200, "{}", got.text());
    assert_eq!(got.body, EVIDENCE);
    assert_eq!(
        got.header("content-disposition").as_deref(),
        Some("attachment; filename=\"evidence.txt\"")
    );
    let _ = std::fs::remove_dir_all(&folder);
}

#[actix_web::test]
async fn information_and_documents_on_a_closed_case_are_taken_and_flag_it_once() {
    let app = spawn_app().await;
    let reference = customers_case(&app, "alex").await;
    close(&app, &reference).await;
    let alex = app.customer("alex");
    let added = app
        .post(
            &format!("/api/v1/cases/{reference}/correspondence"),
            &alex,
            &json!({"text": "The bin is still not collected."}),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.text());
    let sent = upload(
        &app,
        &reference,
        &alex,
        &[],
        multipart(None, "evidence.txt", "text/plain", EVIDENCE),
    )
    .await;
    assert_eq!(sent.status, 201, "{}", sent.text());

    let manager = app.manager();
    let case = app
        .get(&format!("/api/v1/cases/{reference}"), &manager)
        .await
        .json();
    assert_eq!(case["status"], "closed");
    let flags = case["flags"].as_array().expect("flags");
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0]["flag"], "new_information");
    assert_eq!(flags[0]["referred_to"], "waste-care");
    assert_eq!(
        flags[0]["note"],
        "information arrived while the case was closed"
    );
    let queue = app
        .get("/api/v1/cases?flag=new_information", &manager)
        .await
        .json();
    let references: Vec<&str> = queue["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["reference"].as_str())
        .collect();
    assert_eq!(references, vec![reference.as_str()]);
    let types: Vec<String> = app
        .get(&format!("/api/v1/cases/{reference}/timeline"), &manager)
        .await
        .json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        types,
        vec![
            "received",
            "triaged",
            "closed",
            "correspondence_received",
            "flagged",
            "document_added"
        ]
    );
    // An open case is not flagged (about another service: not a repeat of the first).
    let open = app
        .create_case(&alex, &with(complaint(), json!({"service": "highways"})))
        .await["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let added = app
        .post(
            &format!("/api/v1/cases/{open}/correspondence"),
            &alex,
            &json!({"text": "One more thing."}),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.text());
    let case = app
        .get(&format!("/api/v1/cases/{open}"), &manager)
        .await
        .json();
    assert_eq!(case["flags"], json!([]));
}

#[actix_web::test]
async fn a_customers_information_is_on_the_timeline_and_in_the_feed_once_per_key() {
    let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 3)
        .and_then(|d| d.and_hms_opt(14, 5, 0))
        .expect("instant");
    let app = spawn_app_at(council_feedback::app::time::Now::Fixed(at), &[]).await;
    let reference = customers_case(&app, "alex").await;
    let alex = app.customer("alex");
    let body = json!({"text": "  The crew left the bin in the road.  "});
    let path = format!("/api/v1/cases/{reference}/correspondence");
    let added = app.post_with_key(&path, &alex, "info-1", &body).await;
    assert_eq!(added.status, 201, "{}", added.text());
    let again = app.post_with_key(&path, &alex, "info-1", &body).await;
    assert_eq!(again.status, 201, "{}", again.text());
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.body, added.body);
    assert_eq!(
        added.header("location"),
        Some(format!("/api/v1/cases/{reference}/timeline"))
    );
    let event = added.json();
    assert_eq!(event["type"], "correspondence_received");
    assert_eq!(event["visibility"], "public");
    assert_eq!(
        event["actor"],
        json!({"role": "customer", "subject": "alex"})
    );
    assert_eq!(
        event["details"],
        json!({"direction": "incoming", "method": "online",
               "text": "The crew left the bin in the road.",
               "received_at": "2026-12-03T14:05:00Z"})
    );

    let timeline = app
        .get(&format!("/api/v1/cases/{reference}/timeline"), &alex)
        .await
        .json();
    let items = timeline["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[1], event);

    let kinds = app.get("/api/v1/event-types", &alex).await.json();
    let kind = kinds["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|k| k["type"] == "correspondence_received")
        .cloned()
        .expect("listed");
    assert_eq!(kind["feed_type"], "correspondence.received");
    assert_eq!(kind["visibility"], "public");
    let doc = app
        .send(Method::GET, "/openapi.json", None, &[], None)
        .await
        .json();
    fits(&event["details"], &kind["details"], &doc).expect("the listed shape");

    app.feed_settled().await;
    for token in [alex.clone(), app.manager()] {
        let feed = app
            .get("/api/v1/events?types=correspondence.received", &token)
            .await;
        assert_eq!(feed.status, 200, "{}", feed.text());
        let feed = feed.json();
        assert_eq!(
            feed["items"],
            json!([{"id": event["id"], "type": "correspondence.received", "version": 1,
                    "timestamp": "2026-12-03T14:05:00Z", "visibility": "public",
                    "data": {"case": reference, "stage": null, "due": null}}])
        );
    }
}

#[actix_web::test]
async fn a_partner_sees_what_the_customer_could_of_the_cases_it_posted_and_adds_nothing() {
    let app = spawn_app().await;
    let acme = app.partner("acme");
    let posted = app.create_case(&acme, &complaint()).await;
    let reference = posted["reference"].as_str().expect("reference").to_string();
    let officer = app.officer("officer-17", &["waste-care"]);
    let mut ids = vec![];
    for visibility in ["customer", "staff"] {
        let sent = upload(
            &app,
            &reference,
            &officer,
            &[],
            multipart(Some(visibility), "note.txt", "text/plain", EVIDENCE),
        )
        .await;
        assert_eq!(sent.status, 201, "{}", sent.text());
        ids.push(sent.json()["id"].clone());
    }
    let listed = app
        .get(&format!("/api/v1/cases/{reference}/documents"), &acme)
        .await
        .json();
    let seen: Vec<&Value> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|d| &d["id"])
        .collect();
    assert_eq!(seen, vec![&ids[0]]);
    let shared = app
        .get(
            &format!("/api/v1/cases/{reference}/documents/{}", ids[0]),
            &acme,
        )
        .await;
    assert_eq!(shared.body, EVIDENCE);
    app.get(
        &format!("/api/v1/cases/{reference}/documents/{}", ids[1]),
        &acme,
    )
    .await
    .problem(404, "/problems/not-found");
    let before = app.row_counts();
    upload(
        &app,
        &reference,
        &acme,
        &[],
        multipart(None, "note.txt", "text/plain", EVIDENCE),
    )
    .await
    .problem(403, "/problems/forbidden");
    app.post(
        &format!("/api/v1/cases/{reference}/correspondence"),
        &acme,
        &json!({"text": "From our system"}),
    )
    .await
    .problem(403, "/problems/forbidden");
    assert_eq!(app.row_counts(), before);
}

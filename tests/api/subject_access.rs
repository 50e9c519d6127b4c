//! Issue 15 §3: subject-access requests. Due dates by the ICO's rules, worked out by hand from
//! the calendar (and gov.uk's bank holidays); the export unzipped and read file by file.

use std::collections::BTreeSet;
use std::io::Read;

use awc::http::Method;
use chrono::NaiveDateTime;
use council_feedback::app::time::Now;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::lifecycle::change;

fn at(text: &str) -> Now {
    Now::Fixed(NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").expect("instant"))
}

/// The person id of a case's customer, as staff see it.
async fn person_of(app: &TestApp, reference: &str) -> i64 {
    let case = app
        .get(&format!("/api/v1/cases/{reference}"), &app.manager())
        .await;
    assert_eq!(case.status, 200, "{}", case.text());
    case.json()["person_id"].as_i64().expect("person_id")
}

async fn record(app: &TestApp, person: i64, received_on: &str) -> TestResponse {
    app.post(
        &format!("/api/v1/people/{person}/subject-access-requests"),
        &app.manager(),
        &json!({"received_on": received_on}),
    )
    .await
}

#[actix_web::test]
async fn due_dates_follow_the_icos_rules() {
    let app = spawn_app_at(at("2026-12-01T10:00:00"), &[]).await;
    let case = app.create_case(&app.customer("c-sar"), &complaint()).await;
    let person = person_of(&app, case["reference"].as_str().expect("reference")).await;
    for (received, due) in [
        // 2025 is not a leap year: the month's last day, Friday 28 February.
        ("2025-01-31", "2025-02-28"),
        // 2024 is: Thursday 29 February.
        ("2024-01-31", "2024-02-29"),
        // Saturday 6 December 2025 → Monday 8 December.
        ("2025-11-06", "2025-12-08"),
        // Thursday 25 December 2025 (Christmas), Boxing Day, the weekend → Monday 29th.
        ("2025-11-25", "2025-12-29"),
    ] {
        let answer = record(&app, person, received).await;
        assert_eq!(answer.status, 201, "{}", answer.text());
        let body = answer.json();
        assert_eq!(body["received_on"], received);
        assert_eq!(body["due_on"], due, "received {received}");
        assert_eq!(body["original_due_on"], due);
        assert_eq!(body["extension"], Value::Null);
        assert_eq!(body["person_id"], person);
        assert_eq!(
            answer.header("location"),
            Some(format!(
                "/api/v1/people/{person}/subject-access-requests/{}",
                body["id"]
            ))
        );
    }
    // Not in the future; a person who is not there; only the complaints manager.
    assert_eq!(
        record(&app, person, "2026-12-02").await.invalid_fields(),
        ["received_on"]
    );
    assert_eq!(
        record(&app, person, "31/01/2025").await.status,
        422,
        "a date that is not ISO"
    );
    record(&app, 999_999, "2025-01-31")
        .await
        .problem(404, "/problems/not-found");
    let before = app.row_counts();
    app.post(
        &format!("/api/v1/people/{person}/subject-access-requests"),
        &app.officer("o-1", &["waste-care"]),
        &json!({"received_on": "2025-01-31"}),
    )
    .await
    .problem(403, "/problems/forbidden");
    app.post(
        &format!("/api/v1/people/{person}/subject-access-requests"),
        &app.customer("c-sar"),
        &json!({"received_on": "2025-01-31"}),
    )
    .await
    .problem(403, "/problems/forbidden");
    assert_eq!(app.row_counts(), before);

    // The work queue: open requests soonest due first.
    let queue = app
        .get("/api/v1/subject-access-requests", &app.manager())
        .await;
    assert_eq!(queue.status, 200, "{}", queue.text());
    let due: Vec<Value> = queue.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["due_on"].clone())
        .collect();
    assert_eq!(
        due,
        [
            json!("2024-02-29"),
            json!("2025-02-28"),
            json!("2025-12-08"),
            json!("2025-12-29")
        ]
    );
    let by_then = app
        .get(
            "/api/v1/subject-access-requests?due_before=2025-03-01",
            &app.manager(),
        )
        .await
        .json();
    assert_eq!(by_then["items"].as_array().expect("items").len(), 2);
    assert_eq!(
        app.get(
            "/api/v1/subject-access-requests?due_before=soon",
            &app.manager()
        )
        .await
        .invalid_fields(),
        ["due_before"]
    );
}

#[actix_web::test]
async fn an_extension_adds_two_months_once_and_only_within_the_first_month() {
    // Monday 10 February 2025.
    let app = spawn_app_at(at("2025-02-10T10:00:00"), &[]).await;
    let case = app
        .create_case(
            &app.customer("c-ext"),
            &with(complaint(), json!({"problem_date": null})),
        )
        .await;
    let reference = case["reference"].as_str().expect("reference").to_string();
    let person = person_of(&app, &reference).await;
    let recorded = record(&app, person, "2025-01-31").await;
    assert_eq!(recorded.status, 201, "{}", recorded.text());
    let id = recorded.json()["id"].as_i64().expect("id");
    let path = format!("/api/v1/people/{person}/subject-access-requests/{id}/extension");
    let extension = json!({
        "reason": "Twelve cases across four services and their paper files",
        "notice": "Letter of 10 February 2025 explaining why",
        "person_told_on": "2025-02-10"
    });
    // The person must be told within the first month, and not before the request came.
    let early = with(extension.clone(), json!({"person_told_on": "2025-01-30"}));
    assert_eq!(
        app.post(&path, &app.manager(), &early)
            .await
            .invalid_fields(),
        ["person_told_on"]
    );
    let blank = with(extension.clone(), json!({"reason": " "}));
    assert_eq!(
        app.post(&path, &app.manager(), &blank)
            .await
            .invalid_fields(),
        ["reason"]
    );
    let extended = app.post(&path, &app.manager(), &extension).await;
    assert_eq!(extended.status, 200, "{}", extended.text());
    let body = extended.json();
    // 31 January 2025 + 3 months: Wednesday 30 April 2025.
    assert_eq!(body["due_on"], "2025-04-30");
    assert_eq!(body["original_due_on"], "2025-02-28");
    assert_eq!(
        body["extension"]["reason"],
        "Twelve cases across four services and their paper files"
    );
    assert_eq!(
        body["extension"]["notice"],
        "Letter of 10 February 2025 explaining why"
    );
    assert_eq!(body["extension"]["person_told_on"], "2025-02-10");
    assert_eq!(body["extension"]["extended_by"], "manager-1");
    // Once only.
    app.post(&path, &app.manager(), &extension)
        .await
        .problem(409, "/problems/conflict");

    // After the original due date no extension is given.
    let second = record(&app, person, "2025-02-03").await.json();
    assert_eq!(second["due_on"], "2025-03-03");
    let late_app = app.at(at("2025-03-04T09:00:00")).await;
    let late = late_app
        .post(
            &format!(
                "/api/v1/people/{person}/subject-access-requests/{}/extension",
                second["id"]
            ),
            &app.manager(),
            &with(extension, json!({"person_told_on": "2025-03-03"})),
        )
        .await;
    let problem = late.problem(409, "/problems/conflict");
    // Received Monday 3 February 2025: due a calendar month later, Monday 3 March.
    assert_eq!(
        problem["detail"],
        "an extension must be made, and the person told, within the first month: \
         by 2025-03-03, the original due date"
    );

    // Answered, it leaves the work queue.
    let answered = late_app
        .post(
            &format!(
                "/api/v1/people/{person}/subject-access-requests/{}/response",
                second["id"]
            ),
            &app.manager(),
            &json!({"responded_on": "2025-03-04"}),
        )
        .await;
    assert_eq!(answered.status, 200, "{}", answered.text());
    assert_eq!(answered.json()["responded_on"], "2025-03-04");
    let queue = late_app
        .get("/api/v1/subject-access-requests", &app.manager())
        .await
        .json();
    let ids: Vec<i64> = queue["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, [id]);
    drop(late_app);
}

#[actix_web::test]
async fn the_due_date_is_a_deadline_on_the_persons_case_with_its_alerts() {
    // Wednesday 26 February 2025: two working days before Friday the 28th.
    let app = spawn_app_at(at("2025-02-26T10:00:00"), &[]).await;
    let case = app
        .create_case(
            &app.customer("c-alert"),
            &with(complaint(), json!({"problem_date": null})),
        )
        .await;
    let reference = case["reference"].as_str().expect("reference").to_string();
    let person = person_of(&app, &reference).await;
    let recorded = record(&app, person, "2025-01-31").await.json();
    let request = recorded["id"].as_i64().expect("id");
    let settings = council_feedback::jobs::JobSettings {
        now: at("2025-02-26T09:00:00"),
        ..council_feedback::jobs::JobSettings::from_settings(
            &settings_for("sqlite://unused.db", &[]),
            Default::default(),
        )
        .expect("settings")
    };
    let given = council_feedback::jobs::alerts::round(&app.db, &settings)
        .await
        .expect("scheduler")
        .alerts;
    // Due Friday 28 February 2025; two working days before is Wednesday 26 February: the
    // approaching alert, and nothing else is due that day.
    assert_eq!(given, ["deadline.approaching"]);
    let timeline = app
        .get(
            &format!("/api/v1/cases/{reference}/timeline?limit=200"),
            &app.manager(),
        )
        .await
        .json();
    let approaching: Vec<&Value> = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["type"] == "deadline_approaching")
        .collect();
    assert_eq!(approaching.len(), 1, "{timeline}");
    assert_eq!(
        approaching[0]["details"],
        json!({"deadline": "subject_access", "stage": null, "due": "2025-02-28",
               "remedy": null, "learning_action": null, "subject_access_request": request})
    );
}

const BOUNDARY: &str = "cf-sar-boundary";

async fn upload(
    app: &TestApp,
    reference: &str,
    token: &str,
    visibility: &str,
    name: &str,
    text: &str,
) -> i64 {
    let body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"visibility\"\r\n\r\n{visibility}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: text/plain\r\n\r\n{text}\r\n--{BOUNDARY}--\r\n"
    )
    .into_bytes();
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let uploaded = app
        .send(
            Method::POST,
            &format!("/api/v1/cases/{reference}/documents"),
            Some(token),
            &[("Content-Type", content_type.as_str())],
            Some(body),
        )
        .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.text());
    uploaded.json()["id"].as_i64().expect("id")
}

fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut files = std::collections::BTreeMap::new();
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).expect("an entry");
        let mut content = Vec::new();
        file.read_to_end(&mut content).expect("its bytes");
        files.insert(file.name().to_string(), content);
    }
    files
}

fn json_of(files: &std::collections::BTreeMap<String, Vec<u8>>, name: &str) -> Value {
    serde_json::from_slice(
        files
            .get(name)
            .unwrap_or_else(|| panic!("{name} is missing")),
    )
    .expect("json")
}

#[actix_web::test]
async fn an_export_holds_exactly_the_persons_data_from_their_three_cases() {
    let app = spawn_app().await;
    let manager = app.manager();
    let alex = app.customer("c-alex");
    // Case A: Alex's own, with a representative (Rita), acknowledged (a letter), two notes
    // (one marked disclosable), Alex's document and a staff-only one.
    let a = app
        .create_case(
            &alex,
            &with(
                complaint(),
                json!({"representative": {"name": "Rita Helper", "email": "rita@example.org",
                        "consent_to_act": true, "consent_to_release_information": true}}),
            ),
        )
        .await;
    let a = a["reference"].as_str().expect("reference").to_string();
    let mut etag = "\"1\"".to_string();
    for (path, body) in [
        ("triage", json!({"decision": "accept"})),
        (
            "acknowledgement",
            json!({"method": "email", "understanding": "Your bin was missed three times."}),
        ),
    ] {
        let response = change(
            &app,
            &format!("/api/v1/cases/{a}/{path}"),
            &manager,
            Some(&etag),
            body,
        )
        .await;
        assert_eq!(response.status, 200, "{path}: {}", response.text());
        etag = response.header("etag").expect("etag");
    }
    let officer = app.officer("o-sar", &["waste-care"]);
    let mut notes = Vec::new();
    for text in ["Crew records requested", "Spoke to the depot manager"] {
        let note = app
            .post(
                &format!("/api/v1/cases/{a}/notes"),
                &officer,
                &json!({"text": text}),
            )
            .await;
        assert_eq!(note.status, 201, "{}", note.text());
        notes.push(note.json()["id"].as_i64().expect("note id"));
    }
    let disclosed = app
        .post(
            &format!("/api/v1/cases/{a}/notes/{}/disclosure", notes[1]),
            &manager,
            &json!({}),
        )
        .await;
    assert_eq!(disclosed.status, 200, "{}", disclosed.text());
    let own_document = upload(
        &app,
        &a,
        &alex,
        "customer",
        "my-photo-notes.txt",
        "Bin out at 7am",
    )
    .await;
    let staff_document = upload(&app, &a, &officer, "staff", "crew-log.txt", "Round 14 log").await;
    // Case B: Alex's own, about highways.
    let b = app
        .create_case(&alex, &with(complaint(), json!({"service": "highways"})))
        .await;
    let b = b["reference"].as_str().expect("reference").to_string();
    // Case C: Bobby's, logged by an officer, with Alex as Bobby's representative.
    let c = app
        .create_case(
            &officer,
            &with(
                complaint(),
                json!({"channel": "telephone",
                       "customer": {"name": "Bobby Other", "email": "bobby@example.org",
                                    "phone": "01384 000111"},
                       "representative": {"name": "Alex Example", "email": "alex@example.org",
                                          "consent_to_act": true,
                                          "consent_to_release_information": true}}),
            ),
        )
        .await;
    let c = c["reference"].as_str().expect("reference").to_string();
    // Another person's case, nothing to do with Alex.
    let other = app
        .create_case(
            &app.customer("c-sam"),
            &with(
                complaint(),
                json!({"customer": {"name": "Sam Stranger", "email": "sam@example.org"}}),
            ),
        )
        .await;
    let other = other["reference"].as_str().expect("reference").to_string();

    let person = person_of(&app, &a).await;
    let cases = app
        .get(&format!("/api/v1/people/{person}/cases"), &manager)
        .await
        .json();
    let mut listed: Vec<(String, String)> = cases["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| {
            (
                c["reference"].as_str().expect("reference").to_string(),
                c["part"].as_str().expect("part").to_string(),
            )
        })
        .collect();
    listed.sort();
    let mut expected = vec![
        (a.clone(), "customer".to_string()),
        (b.clone(), "customer".to_string()),
        (c.clone(), "representative".to_string()),
    ];
    expected.sort();
    assert_eq!(listed, expected, "Alex's three cases");

    let request = record(&app, person, "2026-11-30").await.json()["id"]
        .as_i64()
        .expect("id");
    let letter = app
        .get(&format!("/api/v1/cases/{a}/letters"), &manager)
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .expect("letter");
    let exported = app
        .send(
            Method::GET,
            &format!("/api/v1/people/{person}/subject-access-requests/{request}/export"),
            Some(&manager),
            &[("X-Request-Id", "the-export")],
            None,
        )
        .await;
    assert_eq!(exported.status, 200, "{}", exported.text());
    assert_eq!(
        exported.header("content-type").as_deref(),
        Some("application/zip")
    );
    let files = unzip(&exported.body);

    let names: BTreeSet<String> = files.keys().cloned().collect();
    let expected: BTreeSet<String> = [
        "request.json".to_string(),
        "person.json".to_string(),
        format!("cases/{a}/case.json"),
        format!("cases/{a}/timeline.json"),
        format!("cases/{a}/correspondence.json"),
        format!("cases/{a}/responses.json"),
        format!("cases/{a}/letters/{letter}-acknowledgement.txt"),
        format!("cases/{a}/documents/{own_document}-my-photo-notes.txt"),
        format!("cases/{b}/case.json"),
        format!("cases/{b}/timeline.json"),
        format!("cases/{b}/correspondence.json"),
        format!("cases/{b}/responses.json"),
        format!("cases/{c}/case.json"),
        format!("cases/{c}/timeline.json"),
        format!("cases/{c}/correspondence.json"),
        "shared_with.json".to_string(),
        "withheld.json".to_string(),
    ]
    .into_iter()
    .collect();
    assert_eq!(names, expected);

    // None of another person's data, anywhere.
    for (name, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        for other_persons in [
            "Bobby",
            "bobby@example.org",
            "01384 000111",
            "Rita",
            "rita@example.org",
            "Sam Stranger",
            other.as_str(),
            "Crew records requested",
            "Round 14 log",
            "o-sar",
        ] {
            assert!(
                !text.contains(other_persons),
                "{name} holds `{other_persons}`: {text}"
            );
        }
    }

    let person_file = json_of(&files, "person.json");
    assert_eq!(person_file["id"], person);
    assert_eq!(person_file["name"], "Alex Example");
    assert_eq!(person_file["email"], "alex@example.org");
    assert_eq!(person_file["account"], "c-alex");
    assert_eq!(json_of(&files, "request.json")["due_on"], "2026-12-30");

    let case_a = json_of(&files, &format!("cases/{a}/case.json"));
    assert_eq!(case_a["your_part"], "customer");
    assert_eq!(case_a["your_details_on_this_case"]["name"], "Alex Example");
    assert_eq!(case_a["your_details_on_this_case"]["phone"], "01384 811561");
    let case_c = json_of(&files, &format!("cases/{c}/case.json"));
    assert_eq!(case_c["your_part"], "representative");
    assert_eq!(
        case_c["your_details_on_this_case"],
        json!({"name": "Alex Example", "organisation": null, "relationship": null,
               "email": "alex@example.org", "phone": null, "address": null,
               "consent_to_act": true, "consent_to_release_information": true})
    );
    assert_eq!(
        files
            .get(&format!(
                "cases/{a}/documents/{own_document}-my-photo-notes.txt"
            ))
            .map(Vec::as_slice),
        Some(&b"Bin out at 7am"[..])
    );
    let timeline = json_of(&files, &format!("cases/{a}/timeline.json"));
    let note_texts: Vec<&Value> = timeline
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == "note")
        .map(|e| &e["details"]["text"])
        .collect();
    assert_eq!(note_texts, [&json!("Spoke to the depot manager")]);

    let withheld = json_of(&files, "withheld.json");
    // What was left out on a case, with the reason the export gives (None: not listed).
    let reason = |case: &str, what: &str| -> Option<String> {
        withheld
            .as_array()
            .expect("withheld")
            .iter()
            .find(|w| w["case"] == case && w["what"] == what)
            .map(|w| w["reason"].as_str().unwrap_or("(not text)").to_string())
    };
    assert_eq!(
        reason(&a, "the representative's details").as_deref(),
        Some("another person's personal data"),
        "{withheld}"
    );
    assert_eq!(
        reason(&a, &format!("staff note {}", notes[0])).as_deref(),
        Some("a staff-only note the complaints manager has not marked disclosable"),
        "{withheld}"
    );
    assert_eq!(
        reason(&a, &format!("staff note {}", notes[1])),
        None,
        "{withheld}"
    );
    assert_eq!(
        reason(&a, &format!("document {staff_document}")).as_deref(),
        Some("a staff-only document"),
        "{withheld}"
    );
    assert_eq!(
        reason(
            &c,
            "the customer's details (name, contact details, accessibility needs)"
        )
        .as_deref(),
        Some("another person's personal data: you represent them on this case"),
        "{withheld}"
    );
    assert!(
        !withheld
            .as_array()
            .expect("withheld")
            .iter()
            .any(|w| w["case"] == b && w["what"] == "the representative's details"),
        "case B has no representative"
    );

    // Reading the export is recorded.
    let log = app
        .get(
            &format!("/api/v1/people/{person}/access-log?limit=200"),
            &manager,
        )
        .await
        .json();
    let rows: Vec<&Value> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|r| r["request_id"] == "the-export")
        .collect();
    assert_eq!(rows.len(), 1, "{log}");
    assert_eq!(rows[0]["kind"], "export");
    assert_eq!(rows[0]["item_id"], request);
    assert_eq!(rows[0]["person_id"], person);

    // Only the complaints manager; another person's request is not there.
    let path = format!("/api/v1/people/{person}/subject-access-requests/{request}/export");
    app.get(&path, &officer)
        .await
        .problem(403, "/problems/forbidden");
    app.get(&path, &alex)
        .await
        .problem(403, "/problems/forbidden");
    let sam = person_of(&app, &other).await;
    app.get(
        &format!("/api/v1/people/{sam}/subject-access-requests/{request}/export"),
        &manager,
    )
    .await
    .problem(404, "/problems/not-found");
}

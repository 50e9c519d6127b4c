//! Issue 15 §1, §2: the retention pass anonymises the finished cases whose time has come,
//! leaving no trace of their personal data in any table, column or file, keeps the cases
//! under legal hold as they were, and changes no report figure.

use awc::http::Method;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde_json::{json, Value};

use council_feedback::app::documents::DocumentStore;
use council_feedback::app::time::Now;
use council_feedback::db::DbConnection;
use council_feedback::domain::clock::Clock;
use council_feedback::domain::retention::RetentionSchedule;
use council_feedback::jobs::retention::{pass, PassReport};
use council_feedback::seed::{seed, SeedOptions};

use crate::helpers::*;
use crate::lifecycle::change;

const BOUNDARY: &str = "cf-retention-boundary";

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("instant")
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

/// Everything personal about one customer, each distinctive enough to search for.
pub(crate) struct Person {
    pub(crate) name: &'static str,
    pub(crate) email: &'static str,
    pub(crate) phone: &'static str,
    pub(crate) address: &'static str,
    pub(crate) description: &'static str,
    note: &'static str,
    correspondence: &'static str,
    pub(crate) representative: &'static str,
    document: &'static str,
}

pub(crate) const DUE: Person = Person {
    name: "Zebedee Quartermaine",
    email: "zebedee.quartermaine@retention.example",
    phone: "07700 900461",
    address: "7 Quincewood Lane, Netherton",
    description: "Marrowbone-asthma-flat-damp",
    note: "Rang-about-his-Bellweather-benefits",
    correspondence: "Letter-about-Glasswing-housing",
    representative: "Ottoline Fairweather",
    document: "Scan-of-Hollyhock-tenancy",
};

pub(crate) const HELD: Person = Person {
    name: "Philippa Heldworth",
    email: "philippa.heldworth@retention.example",
    phone: "07700 900462",
    address: "9 Keepsake Row, Dudley",
    description: "Heldworth-claim-for-injury",
    note: "Heldworth-solicitor-called",
    correspondence: "Heldworth-letter-before-claim",
    representative: "Barnaby Keepwell",
    document: "Heldworth-medical-report",
};

const PERSON_HELD: Person = Person {
    name: "Cornelius Personhold",
    email: "cornelius.personhold@retention.example",
    phone: "07700 900463",
    address: "3 Tribunal Court, Halesowen",
    description: "Personhold-employment-tribunal",
    note: "Personhold-note-on-tribunal",
    correspondence: "Personhold-wrote-again",
    representative: "Drusilla Advocate",
    document: "Personhold-tribunal-bundle",
};

fn multipart(filename: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"visibility\"\r\n\r\nstaff\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
         Content-Type: text/plain\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A complaint from `who`, taken through stage 1 to a sent response and closed, with a
/// representative, a note, correspondence, a document and letters on the way.
pub(crate) async fn closed_complaint(app: &TestApp, who: &Person, subject: &str) -> String {
    let body = with(
        complaint(),
        json!({
            "problem_date": "2026-10-01",
            "description": format!("{} at {}", who.description, who.address),
            "customer": {"name": who.name, "email": who.email, "phone": who.phone,
                         "address": who.address, "postcode": "DY1 1HF"},
            "representative": {"name": who.representative, "relationship": "friend",
                               "consent_to_act": true, "consent_to_release_information": true}
        }),
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
            json!({"understanding": format!("{} complains of damp", who.name), "method": "email"}),
        ),
        ("assignment", json!({"investigator": "officer-17"})),
    ] {
        let response = change(app, &format!("{base}/{path}"), &manager, Some(&etag), body).await;
        assert_eq!(response.status, 200, "{path}: {}", response.text());
        etag = response.header("etag").expect("etag");
    }
    let officer = app.officer("officer-17", &["waste-care"]);
    let note = app
        .post(
            &format!("{base}/notes"),
            &officer,
            &json!({"text": who.note}),
        )
        .await;
    assert_eq!(note.status, 201, "{}", note.text());
    let told = app
        .post(
            &format!("{base}/correspondence"),
            &app.customer(subject),
            &json!({"text": who.correspondence}),
        )
        .await;
    assert_eq!(told.status, 201, "{}", told.text());
    let uploaded = app
        .send(
            Method::POST,
            &format!("{base}/documents"),
            Some(&officer),
            &[(
                "Content-Type",
                &format!("multipart/form-data; boundary={BOUNDARY}"),
            )],
            Some(multipart(
                &format!("{}.txt", who.document),
                format!("{} for {}\n", who.document, who.name).as_bytes(),
            )),
        )
        .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.text());
    let drafted = app
        .post(
            &format!("{base}/responses"),
            &officer,
            &json!({
                "outcome": "not_upheld",
                "findings": [{"point": format!("{} says the flat is damp", who.name),
                              "finding": "The crew records show collections", "upheld": false}],
                "letter": format!("Dear {}, thank you for your complaint about {}.", who.name, who.address),
                "understanding": format!("{} at {}", who.name, who.address),
                "outstanding_actions": []
            }),
        )
        .await;
    assert_eq!(drafted.status, 201, "{}", drafted.text());
    let id = drafted.json()["id"].as_i64().expect("id");
    let current = app.get(&base, &manager).await.header("etag").expect("etag");
    let sent = change(
        app,
        &format!("{base}/responses/{id}/approval"),
        &manager,
        Some(&current),
        json!({}),
    )
    .await;
    assert_eq!(sent.status, 200, "{}", sent.text());
    let etag = sent.header("etag").expect("etag");
    let closed = change(
        app,
        &format!("{base}/closure"),
        &manager,
        Some(&etag),
        json!({"reason": format!("{} is content", who.name)}),
    )
    .await;
    assert_eq!(closed.status, 200, "{}", closed.text());
    reference
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Every (table, column) of the database that holds text or bytes.
fn text_columns(conn: &mut DbConnection) -> Vec<(String, String)> {
    let columns: Vec<Column> = match conn {
        DbConnection::Pg(pg) => diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             AND data_type IN ('text', 'character varying', 'bytea')",
        )
        .load(pg)
        .expect("columns"),
        DbConnection::Sqlite(sqlite) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name \
             FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
             AND (p.type LIKE '%TEXT%' OR p.type LIKE '%BLOB%' OR p.type LIKE '%CHAR%' OR p.type = 'BYTEA')",
        )
        .load(sqlite)
        .expect("columns"),
    };
    assert!(columns.len() > 100, "every text column: {}", columns.len());
    columns
        .into_iter()
        .map(|c| (c.table_name, c.column_name))
        .collect()
}

/// Where `needle` is found: "table.column" for every column of every table holding it. The
/// queries run on a blocking thread, leaving the test's runtime free for its HTTP client.
async fn found_in(app: &TestApp, needle: &str) -> Vec<String> {
    let db = app.db.clone();
    let needle = needle.to_string();
    actix_web::web::block(move || search(&db, &needle))
        .await
        .expect("search")
}

fn search(db: &council_feedback::db::Database, needle: &str) -> Vec<String> {
    let mut conn = db.connection().expect("connection");
    let conn: &mut DbConnection = &mut conn;
    let postgres = matches!(conn, DbConnection::Pg(_));
    let mut found = vec![];
    for (table, column) in text_columns(conn) {
        let test = if postgres {
            format!(
                "position(convert_to($1, 'UTF8') in \
                 (CASE WHEN pg_typeof(\"{column}\")::text = 'bytea' THEN \"{column}\"::bytea \
                  ELSE convert_to(\"{column}\"::text, 'UTF8') END)) > 0"
            )
        } else {
            format!("instr(CAST(\"{column}\" AS BLOB), CAST($1 AS BLOB)) > 0")
        };
        let count: Count = diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM \"{table}\" WHERE {test}"
        ))
        .bind::<Text, _>(needle)
        .get_result(conn)
        .unwrap_or_else(|e| panic!("{table}.{column}: {e}"));
        if count.n > 0 {
            found.push(format!("{table}.{column}"));
        }
    }
    found
}

fn needles(who: &Person) -> Vec<&'static str> {
    vec![
        who.name,
        who.email,
        who.phone,
        who.address,
        who.description,
        who.note,
        who.correspondence,
        who.representative,
        who.document,
    ]
}

/// Every report, as JSON, for several periods.
async fn reports(app: &TestApp) -> Vec<(String, Value)> {
    let manager = app.manager();
    let mut all = vec![];
    for path in [
        "/api/v1/reports/performance?from=2025-01-01&to=2025-12-31",
        "/api/v1/reports/performance?from=2025-01-01&to=2026-06-30&group_by=service",
        "/api/v1/reports/performance?from=2025-04-01&to=2026-03-31&group_by=month",
        "/api/v1/reports/performance?from=2026-01-01&to=2026-06-30&group_by=channel",
        "/api/v1/reports/performance?from=2025-01-01&to=2026-07-31&group_by=category",
        "/api/v1/reports/performance?from=2025-01-01&to=2026-11-30&group_by=directorate",
        "/api/v1/reports/annual?year=2026",
        "/api/v1/reports/digest?from=2026-11-01&to=2026-11-30",
        "/api/v1/reports/compliments?staff=officer-17&from=2025-01-01&to=2026-06-30",
        "/api/v1/reports/annual?year=2025",
        "/api/v1/reports/annual?from=2025-04-01&to=2026-03-31",
        "/api/v1/reports/digest?from=2026-05-01&to=2026-05-31",
        "/api/v1/reports/digest?from=2025-10-01&to=2025-12-31",
        "/api/v1/reports/self-assessment/2025",
    ] {
        let response = app.get(path, &manager).await;
        assert_eq!(response.status, 200, "{path}: {}", response.text());
        all.push((path.to_string(), response.json()));
    }
    all
}

/// Finished cases not anonymised, with no remedy outstanding and no Ombudsman referral
/// undecided: counted in SQL, apart from the pass.
fn unanonymised_without_exceptions(app: &TestApp) -> i64 {
    let mut conn = app.db.connection().expect("connection");
    let conn: &mut DbConnection = &mut conn;
    let count: Count = diesel::sql_query(
        "SELECT COUNT(*) AS n FROM cases c WHERE c.status NOT IN ('received', 'open') \
         AND NOT EXISTS (SELECT 1 FROM case_anonymisations a WHERE a.case_id = c.id) \
         AND NOT EXISTS (SELECT 1 FROM case_remedies r WHERE r.case_id = c.id AND r.status = 'promised') \
         AND NOT EXISTS (SELECT 1 FROM ombudsman_referrals o WHERE o.case_id = c.id AND o.decision IS NULL)",
    )
    .get_result(conn)
    .expect("count");
    count.n
}

fn store_of(folder: &std::path::Path) -> DocumentStore {
    DocumentStore::Folder(folder.to_path_buf())
}

/// The bytes of every file in `folder`.
fn files_in(folder: &std::path::Path) -> Vec<Vec<u8>> {
    std::fs::read_dir(folder)
        .expect("folder")
        .filter_map(Result::ok)
        .filter_map(|entry| std::fs::read(entry.path()).ok())
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[actix_web::test]
async fn anonymisation_leaves_no_trace_spares_held_cases_and_moves_no_report_figure() {
    let documents = std::env::temp_dir().join(format!(
        "cf-retention-docs-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let folder = documents.display().to_string();
    let app = spawn_app_at(
        Now::Fixed(at("2026-11-04 10:00")),
        &[("DOCUMENTS_DIR", folder.as_str())],
    )
    .await;
    let clock = Clock::new(settings_for("sqlite://unused.db", &[]).policy).expect("clock");
    let options = SeedOptions {
        cases: 240,
        seed: 15,
        from: day("2025-01-01"),
        to: day("2026-06-30"),
    };
    // The cases made through the API first: the seed numbers its rows after the highest
    // ids it finds, where PostgreSQL's sequences would not know of the seed's.
    let due = closed_complaint(&app, &DUE, "zebedee").await;
    let held = closed_complaint(&app, &HELD, "philippa").await;
    let person_held = closed_complaint(&app, &PERSON_HELD, "cornelius").await;
    seed(&app.db, &clock, &options, |_| {}).expect("seeded");
    let manager = app.manager();
    let hold = app
        .post(
            &format!("/api/v1/cases/{held}/legal-holds"),
            &manager,
            &json!({"reason": "Personal injury claim issued 2026-10-20"}),
        )
        .await;
    assert_eq!(hold.status, 201, "{}", hold.text());
    let person = app
        .get(&format!("/api/v1/cases/{person_held}"), &manager)
        .await
        .json()["person_id"]
        .as_i64()
        .expect("person");
    let hold = app
        .post(
            &format!("/api/v1/people/{person}/legal-holds"),
            &manager,
            &json!({"reason": "Employment tribunal: disclosure pending"}),
        )
        .await;
    assert_eq!(hold.status, 201, "{}", hold.text());
    // Where each held person's details stand before the pass: they must stand there after it.
    let mut held_places = std::collections::BTreeMap::new();
    for who in [&DUE, &HELD, &PERSON_HELD] {
        for needle in needles(who) {
            let places = found_in(&app, needle).await;
            assert!(!places.is_empty(), "{needle} is there to begin with");
            if who.name != DUE.name {
                held_places.insert(needle.to_string(), places);
            }
        }
    }
    assert_eq!(
        app.get(&format!("/api/v1/cases/{due}/retention"), &manager)
            .await
            .json(),
        json!({"reference": due, "closed_on": "2026-11-04", "anonymise_on": "2032-11-04",
               "documents_deleted_on": "2027-11-04", "anonymised_on": null, "held_by": []})
    );

    let before = reports(&app).await;
    let schedule = RetentionSchedule::default();
    // The day before the due case's sixth anniversary of closure: it stays.
    let early = pass(
        &app.db,
        &schedule,
        &store_of(&documents),
        Now::Fixed(at("2032-11-03 02:00")),
        None,
    )
    .await
    .expect("pass");
    assert!(found_in(&app, DUE.name)
        .await
        .contains(&"customers.name".to_string()));
    // The seeded cases all closed by 2026-06-30: six years on, they are due (those the
    // seed left with a remedy outstanding or an Ombudsman referral undecided are kept).
    assert!(early.anonymised > 100, "{early}");
    // A year after closure, the due case's documents went; the held cases' stayed.
    assert_eq!(early.documents_deleted, 1, "{early}");
    assert_eq!(early.files_deleted, 1, "{early}");
    assert_eq!(files_in(&documents).len(), 2);
    let report: PassReport = pass(
        &app.db,
        &schedule,
        &store_of(&documents),
        Now::Fixed(at("2032-11-04 02:00")),
        None,
    )
    .await
    .expect("pass");
    assert_eq!(report.anonymised, 1, "{report}");
    assert!(report.vacuumed);
    // What is left finished and not anonymised is the two held cases and those the LGSCO's
    // exceptions keep.
    assert_eq!(unanonymised_without_exceptions(&app), 2);

    // No trace of the due case's customer in any column of any table, nor in the files.
    for needle in needles(&DUE) {
        assert_eq!(
            found_in(&app, needle).await,
            Vec::<String>::new(),
            "{needle}"
        );
    }
    for file in files_in(&documents) {
        for needle in needles(&DUE) {
            assert!(!contains(&file, needle), "{needle} in a document's file");
        }
    }
    if let Some(path) = app.database_url.strip_prefix("sqlite://") {
        for file in [path.to_string(), format!("{path}-wal")] {
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            for needle in needles(&DUE) {
                assert!(!contains(&bytes, needle), "{needle} in {file}");
            }
        }
    }
    // The held cases are as they were.
    for (needle, places) in &held_places {
        assert_eq!(&found_in(&app, needle).await, places, "{needle} was kept");
    }
    // The anonymised case still reads, with placeholders, and says when.
    let read = app.get(&format!("/api/v1/cases/{due}"), &manager).await;
    assert_eq!(read.status, 200, "{}", read.text());
    let case = read.json();
    assert_eq!(case["customer"]["name"], "[anonymised]");
    assert_eq!(case["description"], "[anonymised]");
    assert_eq!(case["status"], "closed");
    assert_eq!(case["stages"][0]["outcome"], "not_upheld");
    let standing = app
        .get(&format!("/api/v1/cases/{due}/retention"), &manager)
        .await
        .json();
    assert_eq!(standing["anonymised_on"], "2032-11-04");
    let timeline = app
        .get(&format!("/api/v1/cases/{due}/timeline?limit=200"), &manager)
        .await
        .json();
    let anonymised: Vec<&Value> = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["type"] == "anonymised")
        .collect();
    assert_eq!(anonymised.len(), 1);
    assert_eq!(
        anonymised[0]["details"],
        json!({"basis": "schedule", "closed_on": "2026-11-04", "erasure_request": null})
    );
    let standing = app
        .get(&format!("/api/v1/cases/{held}/retention"), &manager)
        .await
        .json();
    assert_eq!(
        standing["held_by"],
        json!(["legal hold: Personal injury claim issued 2026-10-20"])
    );

    // Every report figure is as it was.
    let after = reports(&app).await;
    for ((path, before), (_, after)) in before.iter().zip(&after) {
        assert_eq!(before, after, "{path}");
    }

    // A second pass finds nothing more to do.
    let again = pass(
        &app.db,
        &schedule,
        &store_of(&documents),
        Now::Fixed(at("2032-11-05 02:00")),
        None,
    )
    .await
    .expect("pass");
    assert_eq!(
        (again.anonymised, again.held, again.vacuumed),
        (0, report.held, false)
    );
    let _ = std::fs::remove_dir_all(&documents);
}

#[actix_web::test]
async fn legal_holds_are_placed_once_with_a_reason_lifted_and_kept_on_record() {
    let app = spawn_app_at(Now::Fixed(at("2026-07-01 10:00")), &[]).await;
    let case = app
        .create_case(
            &app.customer("ada"),
            &with(complaint(), json!({"problem_date": "2026-06-01"})),
        )
        .await;
    let reference = case["reference"].as_str().expect("reference");
    let path = format!("/api/v1/cases/{reference}/legal-holds");
    let manager = app.manager();
    let before = app.row_counts();
    app.post(&path, &manager, &json!({"reason": "  "}))
        .await
        .problem(422, "/problems/validation");
    app.post(&path, &manager, &json!({}))
        .await
        .problem(422, "/problems/validation");
    app.post(
        &path,
        &app.officer("o", &["waste-care"]),
        &json!({"reason": "x"}),
    )
    .await
    .problem(403, "/problems/forbidden");
    app.post(&path, &app.customer("ada"), &json!({"reason": "x"}))
        .await
        .problem(403, "/problems/forbidden");
    app.post(
        "/api/v1/cases/CMP-2026-999999/legal-holds",
        &manager,
        &json!({"reason": "x"}),
    )
    .await
    .problem(404, "/problems/not-found");
    app.post(
        "/api/v1/people/999999/legal-holds",
        &manager,
        &json!({"reason": "x"}),
    )
    .await
    .problem(404, "/problems/not-found");
    assert_eq!(app.row_counts(), before);

    let placed = app
        .post(&path, &manager, &json!({"reason": "Judicial review"}))
        .await;
    assert_eq!(placed.status, 201, "{}", placed.text());
    let hold = placed.json();
    let id = hold["id"].as_i64().expect("id");
    assert_eq!(
        hold,
        json!({"id": id, "on": "case", "case": reference, "person_id": null,
               "reason": "Judicial review", "placed_by": "manager-1",
               "placed_at": "2026-07-01T10:00:00Z", "in_force": true, "lifted_by": null,
               "lifted_at": null, "lift_reason": null})
    );
    assert_eq!(
        placed.header("location").as_deref(),
        Some(format!("{path}/{id}").as_str())
    );
    app.post(&path, &manager, &json!({"reason": "Again"}))
        .await
        .problem(409, "/problems/conflict");

    let lifted = app
        .send(
            Method::DELETE,
            &format!("{path}/{id}"),
            Some(&manager),
            &[],
            Some(
                json!({"reason": "Claim withdrawn"})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    assert_eq!(lifted.status, 200, "{}", lifted.text());
    assert_eq!(lifted.json()["in_force"], false);
    assert_eq!(lifted.json()["lift_reason"], "Claim withdrawn");
    app.send(
        Method::DELETE,
        &format!("{path}/{id}"),
        Some(&manager),
        &[],
        None,
    )
    .await
    .problem(404, "/problems/not-found");
    let listed = app.get(&path, &manager).await.json();
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
    let timeline = app
        .get(&format!("/api/v1/cases/{reference}/timeline"), &manager)
        .await
        .json();
    let types: Vec<&str> = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    // Placed once (the second hold was refused), then lifted.
    let holds: Vec<&str> = types
        .iter()
        .copied()
        .filter(|t| t.starts_with("legal_hold"))
        .collect();
    assert_eq!(holds, ["legal_hold_placed", "legal_hold_lifted"]);
    // Staff only: the customer's timeline does not show them.
    let theirs = app
        .get(
            &format!("/api/v1/cases/{reference}/timeline"),
            &app.customer("ada"),
        )
        .await
        .json();
    assert!(!theirs.to_string().contains("legal_hold"));
}

#[actix_web::test]
async fn an_erasure_request_under_legal_hold_is_refused_with_the_holds_reason_then_decided() {
    let app = spawn_app_at(Now::Fixed(at("2026-11-04 10:00")), &[]).await;
    let reference = closed_complaint(&app, &DUE, "zebedee").await;
    let manager = app.manager();
    let person = app
        .get(&format!("/api/v1/cases/{reference}"), &manager)
        .await
        .json()["person_id"]
        .as_i64()
        .expect("person");
    let requests = format!("/api/v1/people/{person}/erasure-requests");
    app.post(
        &requests,
        &manager,
        &json!({"received_on": "2026-11-05", "request": "x"}),
    )
    .await
    .problem(422, "/problems/validation");
    app.post(&requests, &app.officer("o", &["waste-care"]), &json!({}))
        .await
        .problem(403, "/problems/forbidden");
    let recorded = app
        .post(
            &requests,
            &manager,
            &json!({"received_on": "2026-11-02", "request": "Erase everything about me"}),
        )
        .await;
    assert_eq!(recorded.status, 201, "{}", recorded.text());
    let request = recorded.json();
    let id = request["id"].as_i64().expect("id");
    assert_eq!(request["respond_by"], "2026-12-02");
    assert_eq!(request["decision"], Value::Null);
    let hold = app
        .post(
            &format!("/api/v1/people/{person}/legal-holds"),
            &manager,
            &json!({"reason": "County court claim K00DY123 about a fall"}),
        )
        .await;
    assert_eq!(hold.status, 201, "{}", hold.text());

    let decision = format!("{requests}/{id}/decision");
    let before = app.row_counts();
    for (body, field) in [
        (
            json!({"decision": "refused", "reason": "x"}),
            "lawful_basis",
        ),
        (
            json!({"decision": "refused", "lawful_basis": "legal_claims"}),
            "reason",
        ),
        (
            json!({"decision": "refused", "lawful_basis": "because", "reason": "x"}),
            "lawful_basis",
        ),
        (
            json!({"decision": "carried_out", "lawful_basis": "public_task"}),
            "lawful_basis",
        ),
        (json!({"decision": "maybe"}), "decision"),
    ] {
        let refused = app.post(&decision, &manager, &body).await;
        refused.problem(422, "/problems/validation");
        assert_eq!(refused.invalid_fields(), vec![field.to_string()], "{body}");
    }
    let held = app
        .post(&decision, &manager, &json!({"decision": "carried_out"}))
        .await;
    let problem = held.problem(409, "/problems/conflict");
    assert_eq!(
        problem["detail"],
        "erasure cannot be carried out while a legal hold is in force: County court claim \
         K00DY123 about a fall"
    );
    assert_eq!(problem["errors"][0]["field"], "decision");
    assert_eq!(
        app.row_counts(),
        before,
        "a refused decision writes nothing"
    );

    let refused = app
        .post(
            &decision,
            &manager,
            &json!({"decision": "refused", "lawful_basis": "legal_claims",
                    "reason": "A claim about your fall is before the county court."}),
        )
        .await;
    assert_eq!(refused.status, 200, "{}", refused.text());
    let refused = refused.json();
    assert_eq!(refused["decision"], "refused");
    assert_eq!(refused["lawful_basis"], "legal_claims");
    let letter = refused["letter"].as_str().expect("letter");
    assert!(
        letter.starts_with("Dear Zebedee Quartermaine\n"),
        "{letter}"
    );
    assert!(letter.contains("defend legal claims (UK GDPR article 17(3)(e))"));
    app.post(&decision, &manager, &json!({"decision": "carried_out"}))
        .await
        .problem(409, "/problems/conflict");

    // A second request, after the hold is lifted, is carried out: the case is anonymised.
    let hold_id = hold.json()["id"].as_i64().expect("hold");
    let lifted = app
        .send(
            Method::DELETE,
            &format!("/api/v1/people/{person}/legal-holds/{hold_id}"),
            Some(&manager),
            &[],
            None,
        )
        .await;
    assert_eq!(lifted.status, 200, "{}", lifted.text());
    let second = app
        .post(
            &requests,
            &manager,
            &json!({"received_on": "2026-11-04", "request": "Please erase my data now"}),
        )
        .await
        .json();
    let carried = app
        .post(
            &format!("{requests}/{}/decision", second["id"]),
            &manager,
            &json!({"decision": "carried_out"}),
        )
        .await;
    assert_eq!(carried.status, 200, "{}", carried.text());
    let carried = carried.json();
    assert_eq!(carried["cases_anonymised"], 1);
    assert!(carried["letter"]
        .as_str()
        .expect("letter")
        .contains("carried it out on 4 November 2026"));
    for needle in needles(&DUE) {
        assert_eq!(
            found_in(&app, needle).await,
            Vec::<String>::new(),
            "{needle}"
        );
    }
    let case = app
        .get(&format!("/api/v1/cases/{reference}"), &manager)
        .await
        .json();
    assert_eq!(case["customer"]["name"], "[anonymised]");
    let listed = app.get(&requests, &manager).await.json();
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(listed["items"][0]["decision"], "carried_out");
    assert_eq!(listed["items"][1]["decision"], "refused");
    let timeline = app
        .get(
            &format!("/api/v1/cases/{reference}/timeline?limit=200"),
            &manager,
        )
        .await
        .json();
    let decided: Vec<&Value> = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["type"] == "erasure_decided")
        .collect();
    assert_eq!(decided.len(), 2);
    assert_eq!(
        decided[0]["details"],
        json!({"erasure_request": id, "decision": "refused", "lawful_basis": "legal_claims"})
    );
}

#[derive(QueryableByName)]
struct TableName {
    #[diesel(sql_type = Text)]
    table_name: String,
}

#[derive(QueryableByName, Debug, PartialEq)]
struct CaseStands {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    version: i32,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    updated_at: NaiveDateTime,
}

/// The rows of every table (but the access log and its journal's offsets, which the reads
/// fill off the request path), and where case `reference` stands: all that a refused change
/// must leave as it was.
fn everything_stored(app: &TestApp, reference: &str) -> (Vec<(String, i64)>, CaseStands) {
    let mut conn = app.db.connection().expect("connection");
    let conn: &mut DbConnection = &mut conn;
    let tables: Vec<TableName> = match conn {
        DbConnection::Pg(pg) => diesel::sql_query(
            "SELECT table_name::text AS table_name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
        )
        .load(pg)
        .expect("tables"),
        DbConnection::Sqlite(sqlite) => diesel::sql_query(
            "SELECT name AS table_name FROM sqlite_master \
             WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .load(sqlite)
        .expect("tables"),
    };
    let mut counts: Vec<(String, i64)> = tables
        .into_iter()
        .map(|t| t.table_name)
        .filter(|t| t != "access_log" && t != "access_journal_offsets")
        .map(|table| {
            let count: Count = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM \"{table}\""))
                .get_result(conn)
                .expect("count");
            (table, count.n)
        })
        .collect();
    counts.sort();
    assert!(counts.len() > 40, "every table: {}", counts.len());
    let stands: CaseStands =
        diesel::sql_query("SELECT version, status, updated_at FROM cases WHERE reference = $1")
            .bind::<Text, _>(reference)
            .get_result(conn)
            .expect("the case");
    (counts, stands)
}

#[actix_web::test]
async fn an_anonymised_case_takes_no_more_changes_and_says_why() {
    let app = spawn_app_at(Now::Fixed(at("2026-11-04 10:00")), &[]).await;
    let reference = closed_complaint(&app, &DUE, "zebedee").await;
    let report = pass(
        &app.db,
        &RetentionSchedule::default(),
        &DocumentStore::Database,
        Now::Fixed(at("2032-11-04 02:00")),
        None,
    )
    .await
    .expect("pass");
    assert_eq!(report.anonymised, 1, "{report}");
    // The day after, staff and the customer try to add to it and change it.
    let later = app.at(Now::Fixed(at("2032-11-05 10:00"))).await;
    let before = everything_stored(&later, &reference);
    // The changes are sent against the version the case stands at, so that nothing but its
    // anonymisation refuses them.
    let etag = format!("\"{}\"", before.1.version);
    let base = format!("/api/v1/cases/{reference}");
    let manager = later.manager();
    let officer = later.officer("officer-17", &["waste-care"]);
    let upload = multipart("late-evidence.txt", b"Late evidence\n");
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let attempts: Vec<(&str, TestResponse)> = vec![
        (
            "note",
            later
                .post(
                    &format!("{base}/notes"),
                    &officer,
                    &json!({"text": "Rang again"}),
                )
                .await,
        ),
        (
            "correspondence",
            later
                .post(
                    &format!("{base}/correspondence"),
                    &manager,
                    &json!({"method": "phone", "text": "Zebedee rang about his bin"}),
                )
                .await,
        ),
        (
            "document",
            later
                .send(
                    Method::POST,
                    &format!("{base}/documents"),
                    Some(&officer),
                    &[("Content-Type", content_type.as_str())],
                    Some(upload),
                )
                .await,
        ),
        (
            "customer's person",
            later
                .send(
                    Method::PUT,
                    &format!("{base}/person"),
                    Some(&manager),
                    &[("If-Match", etag.as_str())],
                    Some(json!({"person_id": null}).to_string().into_bytes()),
                )
                .await,
        ),
        (
            "reopening",
            change(
                &later,
                &format!("{base}/reopening"),
                &manager,
                Some(&etag),
                json!({"reason": "The customer sent new evidence"}),
            )
            .await,
        ),
        (
            "stage response draft",
            later
                .post(
                    &format!("{base}/responses"),
                    &officer,
                    &json!({"outcome": "not_upheld",
                            "findings": [{"point": "The bin was missed",
                                          "finding": "The crew records show collections",
                                          "upheld": false}],
                            "letter": "Dear Sir, thank you for your complaint.",
                            "understanding": "Bins", "outstanding_actions": []}),
                )
                .await,
        ),
        (
            "remedy",
            later
                .post(
                    &format!("{base}/remedies"),
                    &officer,
                    &json!({"type": "apology", "description": "Say sorry",
                            "due": "2032-11-30", "owner": "crew-lead-4"}),
                )
                .await,
        ),
        (
            "flag",
            change(
                &later,
                &format!("{base}/flags"),
                &manager,
                Some(&etag),
                json!({"flag": "staff_conduct", "referred_to": "line manager",
                       "referred_on": "2032-11-05"}),
            )
            .await,
        ),
        (
            "legal hold",
            later
                .post(
                    &format!("{base}/legal-holds"),
                    &manager,
                    &json!({"reason": "A claim issued after all"}),
                )
                .await,
        ),
    ];
    for (what, response) in &attempts {
        assert_eq!(response.status, 409, "{what}: {}", response.text());
        let problem = response.problem(409, "/problems/case-anonymised");
        assert_eq!(
            problem["detail"],
            format!(
                "case {reference} was anonymised on 2032-11-04: its personal data is gone, \
                 and it takes no more changes"
            ),
            "{what}"
        );
    }
    assert_eq!(everything_stored(&later, &reference), before);
    drop(later);
}

/// Places a hold at `path` with `reason`: its id.
async fn place(path: String, reason: &str, app: &TestApp) -> i64 {
    let placed = app
        .post(&path, &app.manager(), &json!({"reason": reason}))
        .await;
    assert_eq!(placed.status, 201, "{}", placed.text());
    placed.json()["id"].as_i64().expect("id")
}

#[actix_web::test]
async fn staff_see_the_legal_holds_in_force_on_the_case_and_the_person_and_no_one_else_does() {
    let app = spawn_app_at(Now::Fixed(at("2026-11-04 10:00")), &[]).await;
    let customer = app.customer("c-held");
    let reference = app.create_case(&customer, &complaint()).await["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let partner = app.partner("acme-grounds");
    let partners = app
        .create_case(
            &partner,
            &with(
                complaint(),
                json!({"service": "green-care", "partner_reference": "ACME-1"}),
            ),
        )
        .await["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let manager = app.manager();
    let case = format!("/api/v1/cases/{reference}");
    let person = app.get(&case, &manager).await.json()["person_id"]
        .as_i64()
        .expect("person");
    // A hold placed and lifted is no longer shown.
    let lifted = place(format!("{case}/legal-holds"), "A claim threatened", &app).await;
    let lifting = app
        .send(
            Method::DELETE,
            &format!("{case}/legal-holds/{lifted}"),
            Some(&manager),
            &[],
            None,
        )
        .await;
    assert_eq!(lifting.status, 200, "{}", lifting.text());
    let on_case = place(
        format!("{case}/legal-holds"),
        "Claim AC-2026-001 issued",
        &app,
    )
    .await;
    let later = app.at(Now::Fixed(at("2026-11-05 09:30"))).await;
    let on_person = place(
        format!("/api/v1/people/{person}/legal-holds"),
        "Tribunal disclosure pending",
        &later,
    )
    .await;
    drop(later);
    let holds = json!([
        {"id": on_person, "on": "person", "case": null, "person_id": person,
         "reason": "Tribunal disclosure pending", "placed_by": "manager-1",
         "placed_at": "2026-11-05T09:30:00Z"},
        {"id": on_case, "on": "case", "case": reference, "person_id": null,
         "reason": "Claim AC-2026-001 issued", "placed_by": "manager-1",
         "placed_at": "2026-11-04T10:00:00Z"}
    ]);
    let officer = app.officer("officer-17", &["waste-care"]);
    for (who, token) in [("manager", &manager), ("officer", &officer)] {
        let seen = app.get(&case, token).await;
        assert_eq!(seen.status, 200, "{who}: {}", seen.text());
        assert_eq!(seen.json()["legal_holds"], holds, "{who}: the case");
        let seen = app.get(&format!("/api/v1/people/{person}"), token).await;
        assert_eq!(seen.status, 200, "{who}: {}", seen.text());
        assert_eq!(seen.json()["legal_holds"], holds, "{who}: the person");
    }
    // The customer and the partner are never shown them.
    let own = app.get(&case, &customer).await;
    assert_eq!(own.status, 200, "{}", own.text());
    assert_eq!(own.json()["legal_holds"], json!([]));
    let me = app.get("/api/v1/people/me", &customer).await;
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json()["legal_holds"], json!([]));
    let theirs = app
        .get(&format!("/api/v1/cases/{partners}"), &partner)
        .await;
    assert_eq!(theirs.status, 200, "{}", theirs.text());
    // Not in the partner's fields (PARTNER_CASE_FIELDS' default): left out altogether.
    let theirs = theirs.json();
    assert_eq!(theirs["reference"], json!(partners));
    assert!(!theirs
        .as_object()
        .is_some_and(|o| o.contains_key("legal_holds")));
}

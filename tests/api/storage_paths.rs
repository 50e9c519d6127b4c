//! How the storage does its work, where the answers alone cannot show it: SQLite's writes on one
//! connection with the log checkpointed off their path, and the person read at intake kept to
//! one plan on PostgreSQL (docs/PERFORMANCE.md, "Creates: SQLite's one writer, and the person
//! read planned once"); intake's service and people read in one statement, and a new case's
//! rows written with its event ("Creates: two round trips fewer").

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use council_feedback::db::schema::{cases, customers, people};
use council_feedback::db::{Database, DbConnection, DbError};

use serde_json::json;

use crate::helpers::{complaint, spawn_app, with};

/// A fresh SQLite file under the temp folder, migrated; with the folder, to remove.
fn sqlite_database() -> (Database, std::path::PathBuf, std::path::PathBuf) {
    let folder = std::env::temp_dir().join(format!("cf-writer-{}", uuid::Uuid::new_v4().simple()));
    let file = folder.join("test.db");
    let db = Database::connect(&format!("sqlite://{}", file.display()), 4).expect("connect");
    db.migrate().expect("migrate");
    (db, folder, file)
}

#[test]
fn sqlite_writes_run_on_one_connection_whatever_the_pool_lends_meanwhile() {
    let (db, folder, _) = sqlite_database();
    // A temporary table lives on the connection that made it, and on no other.
    db.blocking_transaction(|conn| -> Result<(), DbError> {
        conn.batch_execute("CREATE TEMP TABLE made_here (n INTEGER)")
            .map_err(DbError::from)
    })
    .expect("first write");
    // Three of the pool's four connections lent out meanwhile (the one just given back first)
    // and held: a write on a connection of the pool would be on the fourth.
    let held: Vec<_> = (0..3).map(|_| db.connection().expect("lend")).collect();
    let second = db.blocking_transaction(|conn| -> Result<(), DbError> {
        conn.batch_execute("INSERT INTO temp.made_here (n) VALUES (1)")
            .map_err(DbError::from)
    });
    drop(held);
    assert!(
        second.is_ok(),
        "the second write ran on another connection: {second:?}"
    );
    drop(db);
    let _ = std::fs::remove_dir_all(folder);
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Rows of `written` in the database file itself, the write-ahead log left unread
/// (`immutable=1`): what a checkpoint has copied there.
fn rows_in_the_file(file: &std::path::Path) -> i64 {
    let Ok(mut conn) =
        diesel::SqliteConnection::establish(&format!("file:{}?immutable=1", file.display()))
    else {
        return 0;
    };
    diesel::sql_query("SELECT COUNT(*) AS n FROM written")
        .get_result::<Count>(&mut conn)
        .map(|c| c.n)
        .unwrap_or(0)
}

#[test]
fn sqlite_commits_reach_the_database_file_without_the_writer_checkpointing() {
    let (db, folder, file) = sqlite_database();
    // 300 rows of 1,000 bytes: some 80 pages, far under the writer's own checkpoint
    // (10,000 pages), so only the checkpoint thread copies them into the file.
    db.blocking_transaction(|conn| -> Result<(), DbError> {
        conn.batch_execute(
            "CREATE TABLE written (n INTEGER PRIMARY KEY, body BLOB NOT NULL); \
             WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 300) \
             INSERT INTO written (n, body) SELECT n, zeroblob(1000) FROM k;",
        )
        .map_err(DbError::from)
    })
    .expect("write");
    // No more writes from here: the thread is to checkpoint what was committed. A limit, so
    // that a thread that never comes fails the test instead of hanging it.
    let started = Instant::now();
    let mut in_file = rows_in_the_file(&file);
    while in_file < 300 && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
        in_file = rows_in_the_file(&file);
    }
    assert_eq!(in_file, 300, "rows checkpointed into the database file");
    drop(db);
    let _ = std::fs::remove_dir_all(folder);
}

/// 2,000 people, so that PostgreSQL's plans are those of a table in use: person n has account
/// `account-n`, email key `person-n@example.org` and phone key `0161496n` (n padded). Gives
/// the ids of persons 7, 8 and 9.
fn two_thousand_people(conn: &mut DbConnection, postgres: bool) -> (i64, i64, i64) {
    conn.batch_execute(
        "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 2000) \
         INSERT INTO people (subject, name, email, phone, email_key, phone_key, version, \
                             created_at, updated_at) \
         SELECT 'account-' || n, 'Person ' || n, 'person-' || n || '@example.org', \
                '0161 496 ' || (1000 + n), 'person-' || n || '@example.org', \
                '0161496' || (1000 + n), 1, '2026-12-01 09:00:00', '2026-12-01 09:00:00' \
         FROM k",
    )
    .expect("people");
    if postgres {
        conn.batch_execute("ANALYZE people").expect("analyze");
    }
    let id_of = |conn: &mut DbConnection, subject: &str| -> i64 {
        people::table
            .filter(people::subject.eq(subject))
            .select(people::id)
            .first(conn)
            .expect("id")
    };
    (
        id_of(conn, "account-7"),
        id_of(conn, "account-8"),
        id_of(conn, "account-9"),
    )
}

#[derive(QueryableByName)]
struct Plans {
    #[diesel(sql_type = BigInt)]
    generic_plans: i64,
    #[diesel(sql_type = BigInt)]
    custom_plans: i64,
}

#[actix_web::test]
async fn the_person_read_at_intake_finds_by_each_detail_and_is_planned_once_on_postgresql() {
    let app = spawn_app().await;
    let mut conn = DbConnection::establish(&app.database_url).expect("connection");
    let postgres = app.database_url.starts_with("postgres");
    let (p7, p8, p9) = two_thousand_people(&mut conn, postgres);
    use council_feedback::db::people::matching;
    let ids = |found: &[council_feedback::db::people::Found]| -> Vec<i64> {
        found.iter().map(|f| f.person.id).collect()
    };
    // Each detail alone, all three of one person, and three people's at once; a detail given
    // as none matches nobody, not the people without one.
    for round in 0..4 {
        let only_email =
            matching(&mut conn, None, Some("person-7@example.org"), None).expect("by email");
        assert_eq!(only_email.by_subject.map(|f| f.person.id), None);
        assert_eq!(ids(&only_email.by_email), vec![p7], "round {round}");
        assert!(only_email.by_phone.is_empty());

        let only_phone = matching(&mut conn, None, None, Some("01614961008")).expect("phone");
        assert_eq!(ids(&only_phone.by_phone), vec![p8], "round {round}");
        assert!(only_phone.by_email.is_empty());

        let only_account = matching(&mut conn, Some("account-9"), None, None).expect("account");
        assert_eq!(only_account.by_subject.map(|f| f.person.id), Some(p9));

        let all = matching(
            &mut conn,
            Some("account-7"),
            Some("person-8@example.org"),
            Some("01614961009"),
        )
        .expect("all three");
        assert_eq!(all.by_subject.map(|f| f.person.id), Some(p7));
        assert_eq!(ids(&all.by_email), vec![p8]);
        assert_eq!(ids(&all.by_phone), vec![p9]);

        let nobody = matching(&mut conn, None, Some("nobody@example.org"), None).expect("none");
        assert!(nobody.by_email.is_empty() && nobody.by_subject.is_none());
    }
    if !postgres {
        return;
    }
    // Twenty reads of the one statement on this connection. PostgreSQL plans a prepared
    // statement for its values for the first five runs, then keeps a plan for any values
    // unless those cost more than the plans for the values did. With a detail missing written
    // as NULL, the plans for the values left its term out and were always cheaper: every run
    // was planned again (0.13 ms of a create). Now the plan is made once.
    assert_eq!(
        plans_of(&mut conn, "SELECT \"people\".\"id\"%LIMIT 41"),
        (15, 5),
        "(runs on the plan kept, runs planned for their values)"
    );
}

/// PostgreSQL: how often this connection's prepared statement whose text is `like` ran on the
/// plan it keeps, and how often it was planned for its values.
fn plans_of(conn: &mut DbConnection, like: &str) -> (i64, i64) {
    let DbConnection::Pg(pg) = conn else {
        unreachable!("a postgres URL opens a PostgreSQL connection")
    };
    let plans: Plans = diesel::sql_query(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE $1",
    )
    .bind::<diesel::sql_types::Text, _>(like)
    .get_result(pg)
    .expect("the read is a prepared statement of this connection");
    (plans.generic_plans, plans.custom_plans)
}

#[actix_web::test]
async fn intake_reads_the_service_with_the_people_in_one_statement_planned_once() {
    let app = spawn_app().await;
    let mut conn = DbConnection::establish(&app.database_url).expect("connection");
    let postgres = app.database_url.starts_with("postgres");
    let (p7, p8, p9) = two_thousand_people(&mut conn, postgres);
    // A service taking cases (waste-care), one no longer taking them, and one not in the
    // directory.
    conn.batch_execute("UPDATE services SET active = false WHERE id = 'highways'")
        .expect("highways closed to new cases");
    use council_feedback::db::people::{matching, matching_for_service};
    let ids = |found: &[council_feedback::db::people::Found]| -> Vec<i64> {
        found.iter().map(|f| f.person.id).collect()
    };
    for round in 0..5 {
        let (active, all) = matching_for_service(
            &mut conn,
            "waste-care",
            Some("account-7"),
            Some("person-8@example.org"),
            Some("01614961009"),
        )
        .expect("read")
        .expect("waste-care is a service");
        assert!(active, "round {round}");
        assert_eq!(all.by_subject.as_ref().map(|f| f.person.id), Some(p7));
        assert_eq!(ids(&all.by_email), vec![p8], "round {round}");
        assert_eq!(ids(&all.by_phone), vec![p9], "round {round}");
        assert_eq!(
            all,
            matching(
                &mut conn,
                Some("account-7"),
                Some("person-8@example.org"),
                Some("01614961009"),
            )
            .expect("read alone"),
            "the same people as read without the service"
        );

        let (active, nobody) = matching_for_service(
            &mut conn,
            "waste-care",
            None,
            Some("nobody@example.org"),
            None,
        )
        .expect("read")
        .expect("waste-care is a service");
        assert!(active);
        assert_eq!(nobody, Default::default(), "round {round}: nobody matched");

        let (active, by_phone) =
            matching_for_service(&mut conn, "highways", None, None, Some("01614961008"))
                .expect("read")
                .expect("highways is a service");
        assert!(!active, "round {round}: highways takes no new cases");
        assert_eq!(ids(&by_phone.by_phone), vec![p8]);

        assert_eq!(
            matching_for_service(&mut conn, "no-such-service", Some("account-7"), None, None)
                .expect("read"),
            None,
            "round {round}: no such service"
        );
    }
    if postgres {
        // Twenty runs of the one statement: planned for their values five times, then on the
        // plan kept (see the person read's test above).
        assert_eq!(
            plans_of(&mut conn, "SELECT \"services\".\"active\"%LIMIT 41"),
            (15, 5),
            "(runs on the plan kept, runs planned for their values)"
        );
    }
}

#[actix_web::test]
async fn a_new_case_answers_as_it_is_stored_whether_written_alone_or_with_its_event() {
    let app = spawn_app().await;
    let manager = app.manager();
    let customer = app.customer("resident-storage-1");
    // The year's first complaint starts the reference sequence and is written alone, its
    // customer and new person before it; on PostgreSQL the later ones take their ids (the
    // case's, its customer's, a new person's) with their number, and their INSERTs go with
    // the event, report line, sums and alert (`db::cases::insertion`), their answer built
    // from the rows as sent. A compliment has no acknowledgement's alert to go with it.
    // Each with the name of the person its customer is to be, worked out by hand: the manager's
    // and the resident's details are Alex Example's, whoever logs them; the fifth case is a new
    // person's (on PostgreSQL written with the case, under ids taken with its number); the
    // sixth has a representative, whose row needs the case first: written alone.
    let sam = json!({"name": "Sam Newperson", "email": "sam.newperson@example.org"});
    let robin = json!({"name": "Robin Represented", "email": "robin@example.org"});
    let another_customer = with(complaint(), json!({"customer": null}));
    let advocate = json!({"name": "Jo Advocate", "email": "jo.advocate@example.org",
                          "consent_to_act": true, "consent_to_release_information": true});
    let bodies = [
        (
            &manager,
            with(complaint(), json!({"channel": "telephone"})),
            "Alex Example",
        ),
        (
            &manager,
            with(complaint(), json!({"channel": "telephone"})),
            "Alex Example",
        ),
        (&customer, complaint(), "Alex Example"),
        (
            &manager,
            with(
                complaint(),
                json!({"kind": "compliment", "channel": "email", "staff_named": ["J. Officer"]}),
            ),
            "Alex Example",
        ),
        (
            &manager,
            with(
                another_customer.clone(),
                json!({"channel": "telephone", "customer": sam}),
            ),
            "Sam Newperson",
        ),
        (
            &manager,
            with(
                another_customer,
                json!({"channel": "letter", "customer": robin, "representative": advocate}),
            ),
            "Robin Represented",
        ),
    ];
    let mut ids = vec![];
    // (the person's name, their id, the case's reference), case by case.
    let mut logged: Vec<(&str, i64, String)> = vec![];
    for (n, (token, body, person_name)) in bodies.iter().enumerate() {
        let created = app.post("/api/v1/cases", token, body).await;
        assert_eq!(created.status, 201, "case {n}: {}", created.text());
        let created_case = created.json();
        let reference = created_case["reference"].as_str().expect("reference");
        let read = app.get(&format!("/api/v1/cases/{reference}"), token).await;
        assert_eq!(read.status, 200, "case {n}");
        assert_eq!(
            created_case,
            read.json(),
            "case {n}: the create's answer is the case as stored"
        );
        assert_eq!(created.header("etag"), read.header("etag"), "case {n}");
        // The case's person, as staff read them: their name.
        let staff_read = app
            .get(&format!("/api/v1/cases/{reference}"), &manager)
            .await
            .json();
        let person_id = staff_read["person_id"].as_i64().expect("person_id");
        let person = app
            .get(&format!("/api/v1/people/{person_id}"), &manager)
            .await;
        assert_eq!(person.status, 200, "case {n}: {}", person.text());
        assert_eq!(person.json()["name"], json!(person_name), "case {n}");
        logged.push((*person_name, person_id, reference.to_string()));
        // The case, its customer and their person, joined: the ids line up.
        let id: i64 = people::table
            .inner_join(customers::table.on(customers::person_id.eq(people::id.nullable())))
            .inner_join(cases::table.on(cases::customer_id.eq(customers::id)))
            .filter(cases::reference.eq(reference))
            .select(cases::id)
            .first(&mut DbConnection::establish(&app.database_url).expect("connection"))
            .expect("the case, its customer and their person");
        ids.push(id);
    }
    // One person for each name, and each person's case list exactly their cases, as customer:
    // Alex Example's four, Sam Newperson's one, Robin Represented's one.
    for name in ["Alex Example", "Sam Newperson", "Robin Represented"] {
        let theirs: Vec<&(&str, i64, String)> =
            logged.iter().filter(|(named, ..)| *named == name).collect();
        let person_id = theirs[0].1;
        assert!(
            theirs.iter().all(|(_, id, _)| *id == person_id),
            "{name}'s cases are one person's: {logged:?}"
        );
        assert_eq!(
            logged.iter().filter(|(_, id, _)| *id == person_id).count(),
            theirs.len(),
            "{name}'s person has no one else's cases: {logged:?}"
        );
        let mut expected: Vec<(String, String)> = theirs
            .iter()
            .map(|(_, _, reference)| (reference.clone(), "customer".to_string()))
            .collect();
        expected.sort();
        let listed = app
            .get(&format!("/api/v1/people/{person_id}/cases"), &manager)
            .await
            .json();
        let mut on_list: Vec<(String, String)> = listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|c| {
                (
                    c["reference"].as_str().unwrap_or_default().to_string(),
                    c["part"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        on_list.sort();
        assert_eq!(on_list, expected, "{name}'s case list");
    }
    // Each case's event is on its own case.
    let mut conn = DbConnection::establish(&app.database_url).expect("connection");
    for id in &ids {
        use council_feedback::db::schema::case_events as events;
        let received: i64 = events::table
            .filter(events::case_id.eq(id))
            .filter(events::event_type.eq("received"))
            .count()
            .get_result(&mut conn)
            .expect("count");
        assert_eq!(received, 1, "case {id} has its received event");
    }
}

//! People (issue 14 §1): one record per person across their cases, matched at intake by
//! account, email address or phone number; uncertain matches confirmed or corrected by staff;
//! two records merged with every case and clock kept.

use awc::http::Method;
use serde_json::{json, Value};

use crate::helpers::{complaint, spawn_app, with, TestApp};
use crate::lifecycle::change;

/// PUTs `body` to `path` with `If-Match`.
async fn put(
    app: &TestApp,
    path: &str,
    token: &str,
    etag: Option<&str>,
    body: Value,
) -> crate::helpers::TestResponse {
    let headers: Vec<(&str, &str)> = etag.map(|e| vec![("If-Match", e)]).unwrap_or_default();
    app.send(
        Method::PUT,
        path,
        Some(token),
        &headers,
        Some(body.to_string().into_bytes()),
    )
    .await
}

/// The case as the complaints manager reads it.
async fn case(app: &TestApp, reference: &str) -> Value {
    let response = app
        .get(&format!("/api/v1/cases/{reference}"), &app.manager())
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()
}

fn reference_of(case: &Value) -> String {
    case["reference"].as_str().expect("reference").to_string()
}

fn id_of(value: &Value) -> i64 {
    value
        .as_i64()
        .unwrap_or_else(|| panic!("not an id: {value}"))
}

/// The references on a person's case list, in order, with their parts.
async fn cases_of(app: &TestApp, person: i64, token: &str) -> Vec<(String, String)> {
    let response = app
        .get(&format!("/api/v1/people/{person}/cases"), token)
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| {
            (
                c["reference"].as_str().unwrap_or_default().to_string(),
                c["part"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn customer(name: &str, email: Option<&str>, phone: Option<&str>) -> Value {
    let mut customer =
        json!({"name": name, "preferred_contact": "letter", "address": "14 Example Road, Dudley"});
    if let Some(email) = email {
        customer["email"] = json!(email);
    }
    if let Some(phone) = phone {
        customer["phone"] = json!(phone);
    }
    customer
}

/// A complaint logged by staff for `customer`, by `channel`, about `service`.
fn logged(channel: &str, service: &str, customer: Value) -> Value {
    let body = with(
        complaint(),
        json!({"channel": channel, "service": service, "customer": null}),
    );
    with(body, json!({"customer": customer}))
}

#[actix_web::test]
async fn four_cases_from_one_email_address_by_different_channels_and_roles_are_one_person() {
    let app = spawn_app().await;
    // Alex complains on the website, signed in…
    let web = app.create_case(&app.customer("alex"), &complaint()).await;
    // …then rings the waste team, who write the address as Alex said it…
    let phoned = app
        .create_case(
            &app.officer("o-waste", &["waste-care"]),
            &logged(
                "telephone",
                "waste-care",
                customer("Mrs Alex Example", Some("Alex@Example.ORG"), None),
            ),
        )
        .await;
    // …a contractor's system posts a complaint with the address in capitals and an initial…
    let partner_body = with(
        complaint(),
        json!({"customer": {"name": "A. Example", "email": "ALEX@EXAMPLE.ORG", "phone": null,
                            "accessibility": null}}),
    );
    let response = app
        .post_with_key(
            "/api/v1/cases",
            &app.partner("contractor-7"),
            "people-1",
            &partner_body,
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.text());
    let posted = response.json();
    // …and the complaints team logs a letter about another service.
    let letter = app
        .create_case(
            &app.manager(),
            &logged(
                "letter",
                "highways",
                customer("Alex Example", Some("alex@example.org"), None),
            ),
        )
        .await;

    let cases = [&web, &phoned, &posted, &letter];
    let mut people = vec![];
    let mut matches = vec![];
    for logged in cases {
        let read = case(&app, &reference_of(logged)).await;
        people.push(id_of(&read["person_id"]));
        matches.push(read["person_match"].clone());
    }
    assert!(
        people.iter().all(|p| *p == people[0]),
        "one person: {people:?}"
    );
    assert_eq!(
        matches,
        vec![
            json!({"how": "new", "uncertain": false}),
            json!({"how": "email", "uncertain": false}),
            json!({"how": "email", "uncertain": false}),
            json!({"how": "email", "uncertain": false}),
        ]
    );
    // Their cases, newest first: all four, as customer.
    let mut expected: Vec<(String, String)> = cases
        .iter()
        .rev()
        .map(|c| (reference_of(c), "customer".to_string()))
        .collect();
    let listed = cases_of(&app, people[0], &app.manager()).await;
    // Logged within the same second or so: compare as a set, then check the newest came first.
    let mut sorted = listed.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected);
    assert_eq!(listed[0].0, reference_of(&letter));

    // The person is who the website's account made them, with what the later cases added.
    let person = app
        .get(&format!("/api/v1/people/{}", people[0]), &app.manager())
        .await;
    assert_eq!(person.status, 200, "{}", person.text());
    assert_eq!(person.header("etag").as_deref(), Some("\"2\""));
    let person = person.json();
    assert_eq!(person["name"], "Alex Example");
    assert_eq!(person["email"], "alex@example.org");
    assert_eq!(person["phone"], "01384 811561");
    // Filled in from the telephone case: the website form gave no address.
    assert_eq!(person["address"], "14 Example Road, Dudley");
    assert_eq!(person["has_account"], true);
    assert_eq!(person["merged_into"], Value::Null);

    // The list finds them by email address however it is written.
    let found = app
        .get("/api/v1/people?email=ALEX%40example.org", &app.manager())
        .await
        .json();
    let ids: Vec<i64> = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| id_of(&p["id"]))
        .collect();
    assert_eq!(ids, vec![people[0]]);
}

#[actix_web::test]
async fn a_customer_sees_their_own_person_record_and_cases_and_no_one_elses() {
    let app = spawn_app().await;
    let alex = app.customer("alex");
    let sam = app.customer("sam");
    let mine = app.create_case(&alex, &complaint()).await;
    let theirs = app
        .create_case(
            &sam,
            &with(
                complaint(),
                json!({"customer": {"name": "Sam Other", "email": "sam@example.org", "phone": null}}),
            ),
        )
        .await;
    // Staff log a case for Alex by phone: Alex's person, but not a case Alex's account holds.
    let phoned = app
        .create_case(
            &app.officer("o-waste", &["waste-care"]),
            &logged(
                "telephone",
                "waste-care",
                customer("Alex Example", Some("alex@example.org"), None),
            ),
        )
        .await;

    let me = app.get("/api/v1/people/me", &alex).await;
    assert_eq!(me.status, 200, "{}", me.text());
    let me = me.json();
    assert_eq!(me["name"], "Alex Example");
    assert_eq!(me["email"], "alex@example.org");
    let my_id = id_of(&me["id"]);
    assert_eq!(
        id_of(&case(&app, &reference_of(&phoned)).await["person_id"]),
        my_id
    );
    assert_eq!(
        app.get(&format!("/api/v1/people/{my_id}"), &alex)
            .await
            .json()["id"],
        my_id
    );
    // The cases of their own account.
    assert_eq!(
        cases_of(&app, my_id, &alex).await,
        vec![(reference_of(&mine), "customer".to_string())]
    );
    // Customers are not told how they were matched, nor their person id on a case.
    let own = app
        .get(&format!("/api/v1/cases/{}", reference_of(&mine)), &alex)
        .await
        .json();
    assert_eq!(own["person_id"], Value::Null);
    assert_eq!(own["person_match"], Value::Null);

    // Sam's record, and Sam's cases, are not there for Alex.
    let sams = id_of(&case(&app, &reference_of(&theirs)).await["person_id"]);
    assert_ne!(sams, my_id);
    app.get(&format!("/api/v1/people/{sams}"), &alex)
        .await
        .problem(404, "/problems/not-found");
    app.get(&format!("/api/v1/people/{sams}/cases"), &alex)
        .await
        .problem(404, "/problems/not-found");
    // The list is for staff; a partner sees nobody.
    app.get("/api/v1/people", &alex)
        .await
        .problem(403, "/problems/forbidden");
    app.get(
        &format!("/api/v1/people/{my_id}"),
        &app.partner("contractor-7"),
    )
    .await
    .problem(403, "/problems/forbidden");
    // `/people/me` is read only: a change sent there is a method it does not take.
    let patched = app
        .send(
            Method::PATCH,
            "/api/v1/people/me",
            Some(&alex),
            &[],
            Some(b"{}".to_vec()),
        )
        .await;
    patched.problem(405, "/problems/method-not-allowed");
    assert_eq!(patched.header("allow").as_deref(), Some("GET"));
    // A new account with no case yet has no record.
    app.get("/api/v1/people/me", &app.customer("nobody-yet"))
        .await
        .problem(404, "/problems/not-found");
}

#[actix_web::test]
async fn staff_see_the_people_on_their_services_cases_and_no_others() {
    let app = spawn_app().await;
    let waste = app
        .create_case(
            &app.manager(),
            &logged(
                "email",
                "waste-care",
                customer("Alex Example", Some("alex@example.org"), None),
            ),
        )
        .await;
    let roads = app
        .create_case(
            &app.manager(),
            &logged(
                "email",
                "highways",
                customer("Jo Roads", Some("jo@example.org"), None),
            ),
        )
        .await;
    let alex = id_of(&case(&app, &reference_of(&waste)).await["person_id"]);
    let jo = id_of(&case(&app, &reference_of(&roads)).await["person_id"]);
    let officer = app.officer("o-waste", &["waste-care"]);
    assert_eq!(
        app.get(&format!("/api/v1/people/{alex}"), &officer)
            .await
            .status,
        200
    );
    app.get(&format!("/api/v1/people/{jo}"), &officer)
        .await
        .problem(404, "/problems/not-found");
    app.get(&format!("/api/v1/people/{jo}/cases"), &officer)
        .await
        .problem(404, "/problems/not-found");
    let listed: Vec<i64> = app.get("/api/v1/people", &officer).await.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| id_of(&p["id"]))
        .collect();
    assert_eq!(listed, vec![alex]);
    let everyone: Vec<i64> = app.get("/api/v1/people", &app.manager()).await.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| id_of(&p["id"]))
        .collect();
    assert_eq!(everyone, vec![alex, jo]);
    // Bad filters are named.
    let bad = app
        .get(
            "/api/v1/people?email=not-an-address&uncertain=maybe",
            &officer,
        )
        .await;
    assert_eq!(bad.invalid_fields(), vec!["email", "uncertain"]);
}

#[actix_web::test]
async fn a_phone_number_under_another_name_is_matched_uncertainly_until_staff_correct_it() {
    let app = spawn_app().await;
    let officer = app.officer("o-waste", &["waste-care"]);
    let first = app
        .create_case(
            &officer,
            &logged(
                "telephone",
                "waste-care",
                customer("Alex Example", None, Some("01632 960001")),
            ),
        )
        .await;
    // Someone else in the household rings from the same landline, written internationally.
    let second = app
        .create_case(
            &officer,
            &logged(
                "telephone",
                "waste-care",
                customer("Sam Other", None, Some("+44 (0)1632 960 001")),
            ),
        )
        .await;
    let alex = id_of(&case(&app, &reference_of(&first)).await["person_id"]);
    let read = case(&app, &reference_of(&second)).await;
    assert_eq!(id_of(&read["person_id"]), alex);
    assert_eq!(
        read["person_match"],
        json!({"how": "phone", "uncertain": true})
    );
    let waiting: Vec<i64> = app
        .get("/api/v1/people?uncertain=true", &officer)
        .await
        .json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| id_of(&p["id"]))
        .collect();
    assert_eq!(waiting, vec![alex]);

    let path = format!("/api/v1/cases/{}/person", reference_of(&second));
    let etag = app
        .get(
            &format!("/api/v1/cases/{}", reference_of(&second)),
            &officer,
        )
        .await
        .header("etag")
        .expect("etag");
    // Refused, and nothing changed: no If-Match, no person_id, a person who does not exist.
    put(&app, &path, &officer, None, json!({"person_id": null}))
        .await
        .problem(428, "/problems/precondition-required");
    let missing = put(&app, &path, &officer, Some(&etag), json!({})).await;
    assert_eq!(missing.invalid_fields(), vec!["person_id"]);
    let unknown = put(
        &app,
        &path,
        &officer,
        Some(&etag),
        json!({"person_id": 999999}),
    )
    .await;
    assert_eq!(unknown.invalid_fields(), vec!["person_id"]);
    put(
        &app,
        &path,
        &app.customer("alex"),
        Some(&etag),
        json!({"person_id": null}),
    )
    .await
    .problem(403, "/problems/forbidden");
    // Sam is someone new.
    let corrected = put(
        &app,
        &path,
        &officer,
        Some(&etag),
        json!({"person_id": null}),
    )
    .await;
    assert_eq!(corrected.status, 200, "{}", corrected.text());
    let corrected = corrected.json();
    let sam = id_of(&corrected["person_id"]);
    assert_ne!(sam, alex);
    assert_eq!(
        corrected["person_match"],
        json!({"how": "staff", "uncertain": false})
    );
    let sams = app
        .get(&format!("/api/v1/people/{sam}"), &officer)
        .await
        .json();
    assert_eq!(sams["name"], "Sam Other");
    assert_eq!(sams["phone"], "+44 (0)1632 960 001");
    assert_eq!(
        app.get("/api/v1/people?uncertain=true", &officer)
            .await
            .json()["items"],
        json!([])
    );
    // The timeline says so, for staff.
    let timeline = app
        .get(
            &format!("/api/v1/cases/{}/timeline", reference_of(&second)),
            &app.manager(),
        )
        .await
        .json();
    let matched: Vec<&Value> = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["type"] == "person_matched")
        .collect();
    assert_eq!(matched.len(), 1, "{timeline}");
    assert_eq!(
        matched[0]["details"],
        json!({"person_id": sam, "previous_person_id": alex})
    );
    // Alex's own case stays Alex's, and Alex's list no longer holds Sam's case.
    assert_eq!(
        cases_of(&app, alex, &officer).await,
        vec![(reference_of(&first), "customer".to_string())]
    );
}

#[actix_web::test]
async fn a_merge_keeps_every_case_and_clock_and_later_cases_find_the_person_kept() {
    let app = spawn_app().await;
    let manager = app.manager();
    // One resident, two records: a web account, and a phone call under another address.
    let web = app.create_case(&app.customer("alex"), &complaint()).await;
    let phoned = app
        .create_case(
            &manager,
            &logged(
                "telephone",
                "highways",
                customer("Alex Example", Some("alex.work@example.org"), None),
            ),
        )
        .await;
    // The web complaint is accepted and acknowledged: a stage 1 clock is running.
    let reference = reference_of(&web);
    let etag = app
        .get(&format!("/api/v1/cases/{reference}"), &manager)
        .await
        .header("etag")
        .expect("etag");
    let triaged = change(
        &app,
        &format!("/api/v1/cases/{reference}/triage"),
        &manager,
        Some(&etag),
        json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(triaged.status, 200, "{}", triaged.text());
    let before = [
        case(&app, &reference).await,
        case(&app, &reference_of(&phoned)).await,
    ];
    let kept = id_of(&before[0]["person_id"]);
    let merged = id_of(&before[1]["person_id"]);
    assert_ne!(kept, merged);

    let path = format!("/api/v1/people/{kept}/merges");
    let person_etag = app
        .get(&format!("/api/v1/people/{kept}"), &manager)
        .await
        .header("etag")
        .expect("etag");
    let body =
        json!({"person_id": merged, "reason": "Same resident: web account and a phone call"});
    change(
        &app,
        &path,
        &app.officer("o", &["waste-care", "highways"]),
        Some(&person_etag),
        body.clone(),
    )
    .await
    .problem(403, "/problems/forbidden");
    change(&app, &path, &manager, Some("\"7\""), body.clone())
        .await
        .problem(412, "/problems/precondition-failed");
    let into_themselves = change(
        &app,
        &path,
        &manager,
        Some(&person_etag),
        json!({"person_id": kept, "reason": "x"}),
    )
    .await;
    assert_eq!(into_themselves.invalid_fields(), vec!["person_id"]);
    let response = change(&app, &path, &manager, Some(&person_etag), body).await;
    assert_eq!(response.status, 200, "{}", response.text());
    let person = response.json();
    assert_eq!(person["merges"][0]["merged_person_id"], merged);
    assert_eq!(
        person["merges"][0]["reason"],
        "Same resident: web account and a phone call"
    );
    assert_eq!(person["merges"][0]["merged_by"], "manager-1");

    // Both cases are the kept person's; references, versions, stages and clocks untouched.
    let after = [
        case(&app, &reference).await,
        case(&app, &reference_of(&phoned)).await,
    ];
    for (before, after) in before.iter().zip(&after) {
        assert_eq!(id_of(&after["person_id"]), kept);
        for field in [
            "reference",
            "status",
            "stage",
            "acknowledgement_due",
            "stages",
            "created_at",
            "updated_at",
        ] {
            assert_eq!(before[field], after[field], "{field}");
        }
    }
    assert_eq!(after[0]["stages"][0]["stage"], "stage_1");
    let mut listed: Vec<String> = cases_of(&app, kept, &manager)
        .await
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    listed.sort();
    let mut expected = vec![reference.clone(), reference_of(&phoned)];
    expected.sort();
    assert_eq!(listed, expected);
    // The merged record is still read, pointing at the one kept, and merged only once.
    let old = app
        .get(&format!("/api/v1/people/{merged}"), &manager)
        .await
        .json();
    assert_eq!(old["merged_into"], kept);
    let again = app
        .get(&format!("/api/v1/people/{kept}"), &manager)
        .await
        .header("etag")
        .expect("etag");
    let twice = change(
        &app,
        &path,
        &manager,
        Some(&again),
        json!({"person_id": merged, "reason": "again"}),
    )
    .await;
    assert_eq!(twice.invalid_fields(), vec!["person_id"]);
    // A later case with the merged record's address is the kept person's.
    let later = app
        .create_case(
            &manager,
            &logged(
                "email",
                "highways",
                customer("Alex Example", Some("alex.work@example.org"), None),
            ),
        )
        .await;
    assert_eq!(
        id_of(&case(&app, &reference_of(&later)).await["person_id"]),
        kept
    );
}

#[actix_web::test]
async fn two_people_with_their_own_accounts_are_never_merged() {
    let app = spawn_app().await;
    let alex = app.create_case(&app.customer("alex"), &complaint()).await;
    let sam = app
        .create_case(
            &app.customer("sam"),
            &with(
                complaint(),
                json!({"customer": {"name": "Sam Other", "email": "sam@example.org"}}),
            ),
        )
        .await;
    let alex = id_of(&case(&app, &reference_of(&alex)).await["person_id"]);
    let sam = id_of(&case(&app, &reference_of(&sam)).await["person_id"]);
    let before = app.row_counts();
    let response = change(
        &app,
        &format!("/api/v1/people/{alex}/merges"),
        &app.manager(),
        Some("\"1\""),
        json!({"person_id": sam, "reason": "looked alike"}),
    )
    .await;
    let problem = response.problem(409, "/problems/conflict");
    assert_eq!(problem["errors"][0]["field"], "person_id", "{problem}");
    assert_eq!(app.row_counts(), before);
}

#[actix_web::test]
async fn a_representative_is_a_person_across_the_cases_they_act_on() {
    let app = spawn_app().await;
    let helper = json!({"name": "Jo Advocate", "organisation": "Dudley Citizens Advice",
                        "email": "jo.advocate@example.org", "consent_to_act": true,
                        "consent_to_release_information": true});
    let first = app
        .create_case(
            &app.manager(),
            &with(
                logged(
                    "letter",
                    "waste-care",
                    customer("Alex Example", Some("alex@example.org"), None),
                ),
                json!({"representative": helper.clone()}),
            ),
        )
        .await;
    let second = app
        .create_case(
            &app.manager(),
            &with(
                logged(
                    "letter",
                    "highways",
                    customer("Sam Other", Some("sam@example.org"), None),
                ),
                json!({"representative": with(helper, json!({"email": "JO.ADVOCATE@example.org"}))}),
            ),
        )
        .await;
    let one = case(&app, &reference_of(&first)).await;
    let two = case(&app, &reference_of(&second)).await;
    let jo = id_of(&one["representative"]["person_id"]);
    assert_eq!(id_of(&two["representative"]["person_id"]), jo);
    assert_ne!(id_of(&one["person_id"]), jo);
    let mut listed = cases_of(&app, jo, &app.manager()).await;
    listed.sort();
    let mut expected = vec![
        (reference_of(&first), "representative".to_string()),
        (reference_of(&second), "representative".to_string()),
    ];
    expected.sort();
    assert_eq!(listed, expected);
}

#[actix_web::test]
async fn cases_from_before_people_are_matched_when_the_service_starts() {
    use diesel::prelude::*;
    let app = spawn_app().await;
    let first = app.create_case(&app.customer("alex"), &complaint()).await;
    let second = app
        .create_case(
            &app.manager(),
            &logged(
                "letter",
                "highways",
                customer("Alex Example", Some("alex@example.org"), None),
            ),
        )
        .await;
    // As a database from before people holds them: no person, no match.
    {
        let mut conn = app.db.connection().expect("connection");
        let conn: &mut council_feedback::db::DbConnection = &mut conn;
        diesel::sql_query(
            "UPDATE customers SET person_id = NULL, person_match = NULL, \
             person_match_uncertain = FALSE",
        )
        .execute(conn)
        .expect("unmatch");
        diesel::sql_query("DELETE FROM people")
            .execute(conn)
            .expect("no people");
    }
    let restarted = app.at(council_feedback::app::time::Now::System).await;
    let one = case(&restarted, &reference_of(&first)).await;
    let two = case(&restarted, &reference_of(&second)).await;
    assert_eq!(
        one["person_match"],
        json!({"how": "new", "uncertain": false})
    );
    assert_eq!(
        two["person_match"],
        json!({"how": "email", "uncertain": false})
    );
    assert_eq!(one["person_id"], two["person_id"]);
    drop(restarted);
}

#[actix_web::test]
async fn someone_on_a_number_shared_by_more_people_than_one_read_takes_is_still_found_by_email() {
    let app = spawn_app().await;
    let officer = app.officer("o-waste", &["waste-care"]);
    // An office's 45 staff, each known by their own email address, then each ringing from the
    // office's one number: more people on one number than intake's one read takes (41).
    let office = "01632 960500";
    for (round, phone) in [(0, None), (1, Some(office))] {
        for i in 0..45 {
            let body = logged(
                "telephone",
                "waste-care",
                customer(
                    &format!("Person {i} Office"),
                    Some(&format!("person{i}@example.org")),
                    phone,
                ),
            );
            let created = app.create_case(&officer, &body).await;
            let read = case(&app, &reference_of(&created)).await;
            let how = if round == 0 { "new" } else { "email" };
            assert_eq!(
                read["person_match"],
                json!({"how": how, "uncertain": false}),
                "person {i}, round {round}"
            );
        }
    }
    let first = app
        .get("/api/v1/people?email=person44@example.org", &app.manager())
        .await
        .json();
    let person_44 = id_of(&first["items"][0]["id"]);
    // The newest of them rings again: found by their address, not taken for an older
    // colleague on the same number.
    let again = app
        .create_case(
            &officer,
            &logged(
                "telephone",
                "waste-care",
                customer(
                    "Person 44 Office",
                    Some("person44@example.org"),
                    Some(office),
                ),
            ),
        )
        .await;
    let read = case(&app, &reference_of(&again)).await;
    assert_eq!(id_of(&read["person_id"]), person_44);
    assert_eq!(
        read["person_match"],
        json!({"how": "email", "uncertain": false})
    );
}

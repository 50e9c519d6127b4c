use serde_json::json;

use crate::helpers::*;

fn reference(case: &serde_json::Value) -> String {
    case["reference"].as_str().expect("reference").to_string()
}

fn references(list: &serde_json::Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(reference)
        .collect()
}

#[actix_web::test]
async fn a_customer_cannot_read_or_list_another_customers_case() {
    let app = spawn_app().await;
    let alice = app.customer("alice");
    let bob = app.customer("bob");
    let case = app.create_case(&alice, &complaint()).await;
    let path = format!("/api/v1/cases/{}", reference(&case));

    assert_eq!(app.get(&path, &alice).await.status, 200);
    app.get(&path, &bob)
        .await
        .problem(404, "/problems/not-found");
    app.get(&format!("{path}/timeline"), &bob)
        .await
        .problem(404, "/problems/not-found");
    assert_eq!(
        references(&app.get("/api/v1/cases", &alice).await.json()),
        vec![reference(&case)]
    );
    assert!(references(&app.get("/api/v1/cases", &bob).await.json()).is_empty());
    // A case that does not exist looks the same as one that is not yours.
    let missing = app
        .get("/api/v1/cases/CMP-2026-999999", &bob)
        .await
        .problem(404, "/problems/not-found");
    let hidden = app.get(&path, &bob).await.json();
    assert_eq!(missing["title"], hidden["title"]);
    app.get("/api/v1/cases/not-a-reference", &bob)
        .await
        .problem(404, "/problems/not-found");
}

#[actix_web::test]
async fn staff_see_their_services_cases_and_the_manager_sees_all() {
    let app = spawn_app().await;
    let customer = app.customer("carol");
    let bins = app.create_case(&customer, &complaint()).await;
    let roads = app
        .create_case(
            &customer,
            &with(complaint(), json!({"service": "highways"})),
        )
        .await;

    let waste_officer = app.officer("o-waste", &["waste-care"]);
    let roads_officer = app.officer("o-roads", &["highways"]);
    let head = app.head_of_service("h-env", &["waste-care", "highways"]);

    app.get(
        &format!("/api/v1/cases/{}", reference(&roads)),
        &waste_officer,
    )
    .await
    .problem(404, "/problems/not-found");
    assert_eq!(
        app.get(
            &format!("/api/v1/cases/{}", reference(&bins)),
            &waste_officer
        )
        .await
        .status,
        200
    );
    assert_eq!(
        references(&app.get("/api/v1/cases", &waste_officer).await.json()),
        vec![reference(&bins)]
    );
    assert_eq!(
        references(&app.get("/api/v1/cases", &roads_officer).await.json()),
        vec![reference(&roads)]
    );
    assert_eq!(
        references(&app.get("/api/v1/cases", &head).await.json()).len(),
        2
    );
    assert_eq!(
        references(&app.get("/api/v1/cases", &app.manager()).await.json()).len(),
        2
    );
    let nobody = app.officer("o-none", &[]);
    assert!(references(&app.get("/api/v1/cases", &nobody).await.json()).is_empty());
}

#[actix_web::test]
async fn a_partner_reads_back_only_the_cases_it_posted() {
    let app = spawn_app().await;
    let acme = app.partner("acme");
    let bravo = app.partner("bravo");
    let posted = app.create_case(&acme, &complaint()).await;
    app.create_case(&app.customer("dan"), &complaint()).await;

    assert_eq!(
        references(&app.get("/api/v1/cases", &acme).await.json()),
        vec![reference(&posted)]
    );
    assert!(references(&app.get("/api/v1/cases", &bravo).await.json()).is_empty());
    app.get(&format!("/api/v1/cases/{}", reference(&posted)), &bravo)
        .await
        .problem(404, "/problems/not-found");
    let seen = app
        .get(&format!("/api/v1/cases/{}", reference(&posted)), &acme)
        .await
        .json();
    assert_eq!(
        seen["created_by"]["subject"],
        serde_json::Value::Null,
        "staff ids are for staff"
    );
}

#[actix_web::test]
async fn lists_filter_by_kind_status_service_channel_and_received_dates() {
    let app = spawn_app().await;
    let officer = app.officer("o-1", &[]);
    let manager = app.manager();
    let make = |kind: &str, channel: &str, service: &str, received: &str| {
        with(
            complaint(),
            json!({"kind": kind, "channel": channel, "service": service,
                   "received_at": received, "received_at_reason": "logged from the post"}),
        )
    };
    let a = app
        .create_case(
            &officer,
            &make("complaint", "letter", "waste-care", "2026-03-01T10:00:00Z"),
        )
        .await;
    let b = app
        .create_case(
            &officer,
            &make("compliment", "email", "highways", "2026-03-15T10:00:00Z"),
        )
        .await;
    let c = app
        .create_case(
            &officer,
            &make("comment", "telephone", "highways", "2026-04-01T08:00:00Z"),
        )
        .await;

    let list = |query: &'static str| {
        let manager = manager.clone();
        let app = &app;
        async move {
            references(
                &app.get(&format!("/api/v1/cases?{query}"), &manager)
                    .await
                    .json(),
            )
        }
    };
    assert_eq!(
        list("").await,
        vec![reference(&c), reference(&b), reference(&a)]
    );
    assert_eq!(list("kind=compliment").await, vec![reference(&b)]);
    assert_eq!(
        list("service=highways").await,
        vec![reference(&c), reference(&b)]
    );
    assert_eq!(list("channel=letter").await, vec![reference(&a)]);
    assert_eq!(list("status=received").await.len(), 3);
    assert!(list("status=closed").await.is_empty());
    assert_eq!(
        list("received_from=2026-03-15").await,
        vec![reference(&c), reference(&b)]
    );
    assert_eq!(
        list("received_to=2026-03-15").await,
        vec![reference(&b), reference(&a)]
    );
    assert_eq!(
        list("received_from=2026-03-01T10:00:01Z&received_to=2026-04-01T07:59:59Z").await,
        vec![reference(&b)]
    );
    assert_eq!(
        list("kind=comment&service=highways&channel=telephone").await,
        vec![reference(&c)]
    );
}

#[actix_web::test]
async fn cursor_pages_walk_every_case_once_in_a_stable_order() {
    let app = spawn_app().await;
    let officer = app.officer("o-1", &[]);
    let mut made = Vec::new();
    for day in 1..=7 {
        // Two cases share each received time, so the order must break ties.
        for _ in 0..2 {
            let body = with(
                complaint(),
                json!({"channel": "letter", "received_at": format!("2026-05-0{day}T12:00:00Z"),
                       "received_at_reason": "post"}),
            );
            made.push(reference(&app.create_case(&officer, &body).await));
        }
    }
    let manager = app.manager();
    let mut seen = Vec::new();
    let mut path = "/api/v1/cases?limit=3".to_string();
    loop {
        let page = app.get(&path, &manager).await.json();
        let items = references(&page);
        assert!(items.len() <= 3);
        seen.extend(items);
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/cases?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 14);
    let mut newest_first = made.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);
}

#[actix_web::test]
async fn bad_list_parameters_are_422_naming_each_one() {
    let app = spawn_app().await;
    let response = app
        .get(
            "/api/v1/cases?kind=moan&status=lost&channel=pigeon&received_from=yesterday&received_to=2026-13-01&limit=500",
            &app.manager(),
        )
        .await;
    let mut fields = response.invalid_fields();
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "channel",
            "kind",
            "limit",
            "received_from",
            "received_to",
            "status"
        ]
    );
}

#[actix_web::test]
async fn customers_see_their_timeline_without_staff_identities() {
    let app = spawn_app().await;
    let officer = app.officer("officer-22", &["waste-care"]);
    let body = with(complaint(), json!({"channel": "telephone"}));
    let case = app.create_case(&officer, &body).await;
    // The officer logged it for a customer who has no account: the customer
    // role cannot see it at all.
    app.get(
        &format!("/api/v1/cases/{}/timeline", reference(&case)),
        &app.customer("eve"),
    )
    .await
    .problem(404, "/problems/not-found");

    let own = app.create_case(&app.customer("eve"), &complaint()).await;
    let timeline = app
        .get(
            &format!("/api/v1/cases/{}/timeline", reference(&own)),
            &app.customer("eve"),
        )
        .await
        .json();
    assert_eq!(timeline["items"][0]["actor"]["role"], "customer");
    assert_eq!(timeline["items"][0]["actor"]["subject"], "eve");
}

#[actix_web::test]
async fn empty_text_parameters_mean_not_given_typed_ones_and_repeated_ones_are_refused() {
    let app = spawn_app().await;
    let manager = app.manager();
    app.create_case(&app.customer("c-1"), &complaint()).await;
    let listed = app
        .get(
            "/api/v1/cases?service=&received_from=&cursor=&investigator=",
            &manager,
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    assert_eq!(references(&listed.json()).len(), 1);
    // An empty value is not a date, a number or a word of a vocabulary: the
    // document says so (issue 11 §11), and so does the answer.
    for field in ["kind", "status", "due_before", "overdue", "limit", "stage"] {
        let answer = app.get(&format!("/api/v1/cases?{field}="), &manager).await;
        assert_eq!(answer.invalid_fields(), vec![field], "{field}");
    }
    let repeated = app
        .get("/api/v1/cases?kind=complaint&kind=comment", &manager)
        .await;
    assert_eq!(repeated.invalid_fields(), vec!["kind"]);
}

#[actix_web::test]
async fn case_data_is_never_stored_by_a_cache_and_no_answer_is_sniffed() {
    let app = spawn_app().await;
    let customer = app.customer("c-cache");
    let created = app.post("/api/v1/cases", &customer, &complaint()).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let reference = created.json()["reference"]
        .as_str()
        .expect("reference")
        .to_string();
    let read = app
        .get(&format!("/api/v1/cases/{reference}"), &customer)
        .await;
    let listed = app.get("/api/v1/cases", &customer).await;
    let missing = app.get("/api/v1/cases/CMP-2026-999999", &customer).await;
    assert_eq!(missing.status, 404);
    for (what, answer) in [
        ("create", &created),
        ("read", &read),
        ("list", &listed),
        ("problem", &missing),
    ] {
        assert_eq!(
            answer.header("cache-control").as_deref(),
            Some("no-store"),
            "{what}"
        );
        assert_eq!(
            answer.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{what}"
        );
    }
    let health = app
        .send(awc::http::Method::GET, "/healthz", None, &[], None)
        .await;
    assert_eq!(health.status, 200);
    assert_eq!(
        health.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
}

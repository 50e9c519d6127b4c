use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn the_directory_is_seeded_with_a_councils_directorates_and_services() {
    let app = spawn_app().await;
    let token = app.customer("c-1");
    let directorates = app.get("/api/v1/directorates", &token).await.json();
    let ids: Vec<&str> = directorates["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|d| d["id"].as_str())
        .collect();
    assert_eq!(ids, vec!["chief-executives", "people", "place"]);

    let mut all = Vec::new();
    let mut path = "/api/v1/services?limit=10".to_string();
    loop {
        let page = app.get(&path, &token).await.json();
        all.extend(page["items"].as_array().expect("items").clone());
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/services?limit=10&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(all.len(), 26);
    let waste = all
        .iter()
        .find(|s| s["id"] == "waste-care")
        .expect("waste care");
    assert_eq!(waste["directorate"], "place");
    assert_eq!(waste["area"], "Environmental Management");

    let place = app
        .get("/api/v1/services?directorate=place&limit=200", &token)
        .await
        .json();
    assert_eq!(place["items"].as_array().map(Vec::len), Some(14));
    let one = app.get("/api/v1/services/highways", &token).await;
    assert_eq!(one.json()["name"], "Highways");
    app.get("/api/v1/services/no-such", &token)
        .await
        .problem(404, "/problems/not-found");
}

#[actix_web::test]
async fn the_manager_adds_a_service_and_cases_can_be_routed_to_it() {
    let app = spawn_app().await;
    let manager = app.manager();
    let body = json!({
        "id": "parking-services", "name": "Parking Services", "directorate": "place",
        "area": "Environmental Management", "email": "parking@council.example"
    });
    let created = app
        .post_with_key("/api/v1/services", &manager, "svc-1", &body)
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(
        created.header("location").as_deref(),
        Some("/api/v1/services/parking-services")
    );
    assert_eq!(created.json()["active"], true);
    let replay = app
        .post_with_key("/api/v1/services", &manager, "svc-1", &body)
        .await;
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );

    let duplicate = app
        .post("/api/v1/services", &manager, &body)
        .await
        .problem(409, "/problems/conflict");
    assert_eq!(duplicate["errors"][0]["field"], "id");

    let case = app
        .create_case(
            &app.customer("c-1"),
            &with(complaint(), json!({"service": "parking-services"})),
        )
        .await;
    assert_eq!(case["service"], "parking-services");
}

#[actix_web::test]
async fn a_bad_service_is_refused_naming_each_field() {
    let app = spawn_app().await;
    let manager = app.manager();
    let before = app.row_counts();
    let response = app
        .post(
            "/api/v1/services",
            &manager,
            &json!({"id": "Bad Id", "name": " ", "directorate": "place", "email": "x"}),
        )
        .await;
    let mut fields = response.invalid_fields();
    fields.sort();
    assert_eq!(fields, vec!["email", "id", "name"]);
    let unknown = app
        .post(
            "/api/v1/services",
            &manager,
            &json!({"id": "x", "name": "X", "directorate": "nowhere"}),
        )
        .await;
    assert_eq!(unknown.invalid_fields(), vec!["directorate"]);
    assert_eq!(app.row_counts(), before);
}

#[actix_web::test]
async fn an_inactive_service_takes_no_new_cases() {
    let app = spawn_app().await;
    let manager = app.manager();
    let body = json!({"id": "old-service", "name": "Old", "directorate": "place", "active": false});
    assert_eq!(
        app.post("/api/v1/services", &manager, &body).await.status,
        201
    );
    let response = app
        .post(
            "/api/v1/cases",
            &app.customer("c"),
            &with(complaint(), json!({"service": "old-service"})),
        )
        .await;
    assert_eq!(response.invalid_fields(), vec!["service"]);
}

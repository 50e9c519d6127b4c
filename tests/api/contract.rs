use awc::http::Method;

use crate::helpers::*;

/// The served document must be the committed one: when this fails, run
/// `cargo run -- openapi > openapi/openapi.json` and review the diff.
#[actix_web::test]
async fn the_served_openapi_document_is_the_committed_one() {
    let app = spawn_app().await;
    let served = app
        .send(Method::GET, "/openapi.json", None, &[], None)
        .await;
    assert_eq!(served.status, 200);
    let served = served.json();
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("openapi/openapi.json").expect("openapi/openapi.json"),
    )
    .expect("committed document is JSON");
    assert!(
        served == committed,
        "openapi/openapi.json is out of date: run `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[actix_web::test]
async fn the_document_is_openapi_3_and_states_roles_security_and_problems() {
    let app = spawn_app().await;
    let doc = app
        .send(Method::GET, "/openapi.json", None, &[], None)
        .await
        .json();
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer_auth"]["scheme"],
        "bearer"
    );
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.contains_key("/api/v1/cases"));
    assert!(paths.contains_key("/api/v1/cases/{reference}/timeline"));
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("item") {
            let description = operation["description"].as_str().unwrap_or_default();
            assert!(
                description.starts_with("Roles: "),
                "{method} {path} does not state its roles"
            );
            if !description.starts_with("Roles: none (public)") {
                assert!(
                    operation["security"].is_array(),
                    "{method} {path} has no security requirement"
                );
                assert!(
                    operation["responses"]["401"].is_object(),
                    "{method} {path} does not document 401"
                );
            }
        }
    }
    let problem = &doc["components"]["schemas"]["Problem"];
    assert!(problem["properties"]["type"].is_object());
}

use awc::http::Method;

use crate::helpers::*;

#[actix_web::test]
async fn health_and_readiness_answer_without_a_token() {
    let app = spawn_app().await;
    let health = app.send(Method::GET, "/healthz", None, &[], None).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");
    let ready = app.send(Method::GET, "/readyz", None, &[], None).await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["status"], "ready");
}

#[actix_web::test]
async fn every_response_carries_a_request_id_and_echoes_a_sane_one() {
    let app = spawn_app().await;
    let fresh = app.send(Method::GET, "/healthz", None, &[], None).await;
    assert_eq!(fresh.header("x-request-id").map(|id| id.len()), Some(36));

    let echoed = app
        .send(
            Method::GET,
            "/healthz",
            None,
            &[("X-Request-Id", "crm-trace-42")],
            None,
        )
        .await;
    assert_eq!(
        echoed.header("x-request-id").as_deref(),
        Some("crm-trace-42")
    );

    let insane = app
        .send(
            Method::GET,
            "/healthz",
            None,
            &[("X-Request-Id", "a b<script>")],
            None,
        )
        .await;
    assert_ne!(
        insane.header("x-request-id").as_deref(),
        Some("a b<script>")
    );

    let problem = app
        .send(
            Method::GET,
            "/api/v1/cases",
            None,
            &[("X-Request-Id", "trace-7")],
            None,
        )
        .await;
    let body = problem.problem(401, "/problems/unauthorized");
    assert_eq!(body["request_id"], "trace-7");
    assert_eq!(body["instance"], "/api/v1/cases");
}

#[actix_web::test]
async fn unknown_routes_and_wrong_methods_are_problems() {
    let app = spawn_app().await;
    let token = app.manager();
    app.get("/api/v1/nothing-here", &token)
        .await
        .problem(404, "/problems/not-found");
    app.send(Method::GET, "/favicon.ico", None, &[], None)
        .await
        .problem(404, "/problems/not-found");

    let wrong = app
        .send(Method::DELETE, "/api/v1/cases", Some(&token), &[], None)
        .await;
    wrong.problem(405, "/problems/method-not-allowed");
    assert_eq!(wrong.header("allow").as_deref(), Some("GET, POST"));

    let wrong = app
        .send(
            Method::PUT,
            "/api/v1/cases/CMP-2026-000001",
            Some(&token),
            &[],
            None,
        )
        .await;
    wrong.problem(405, "/problems/method-not-allowed");
    assert_eq!(wrong.header("allow").as_deref(), Some("GET"));
}

#[actix_web::test]
async fn docs_serve_swagger_ui_offline() {
    let app = spawn_app().await;
    // `/docs` redirects to `/docs/` (the client follows it).
    let page = app.send(Method::GET, "/docs", None, &[], None).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("swagger-ui"), "{html}");
    // Everything the page loads comes from this server.
    assert!(!html.contains("https://"), "{html}");

    for asset in [
        "/docs/swagger-ui.css",
        "/docs/swagger-ui-bundle.js",
        "/docs/swagger-initializer.js",
    ] {
        let response = app.send(Method::GET, asset, None, &[], None).await;
        assert_eq!(response.status, 200, "{asset}");
    }
    let initializer = app
        .send(Method::GET, "/docs/swagger-initializer.js", None, &[], None)
        .await
        .text();
    assert!(initializer.contains("/openapi.json"), "{initializer}");
}

#[actix_web::test]
async fn the_token_command_mints_tokens_the_local_mode_server_accepts() {
    let data_dir = std::env::temp_dir().join(format!("cf-local-{}", uuid::Uuid::new_v4().simple()));
    let data = data_dir.display().to_string();
    let app = spawn_app_with(&[("JWT_SECRET", ""), ("DATA_DIR", &data)]).await;

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_council-feedback"))
        .args([
            "token",
            "--sub",
            "cm-1",
            "--role",
            "complaints_manager",
            "--ttl",
            "10m",
        ])
        .env_clear()
        .env("DATA_DIR", &data)
        .env("RUST_LOG", "off")
        .output()
        .expect("run the binary");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout)
        .expect("utf-8")
        .trim()
        .to_string();

    let services = app.get("/api/v1/services", &token).await;
    assert_eq!(services.status, 200, "{}", services.text());
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[actix_web::test]
async fn bad_configuration_stops_start_up_with_one_line_naming_the_variable() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_council-feedback"))
        .args(["migrate"])
        .env_clear()
        .env("APP_ENV", "production")
        .env("DATA_DIR", std::env::temp_dir().join("cf-never-used"))
        .output()
        .expect("run the binary");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("configuration error: JWT_SECRET:"),
        "{stderr}"
    );
}

#[test]
fn fresh_sqlite_files_open_every_pooled_connection_first_time() {
    let folder = std::env::temp_dir().join(format!("cf-starts-{}", uuid::Uuid::new_v4().simple()));
    let before = council_feedback::db::pool_errors();
    for start in 0..24 {
        let url = format!(
            "sqlite://{}",
            folder.join(format!("start-{start}.db")).display()
        );
        let db = council_feedback::db::Database::connect(&url, 8).expect("connect");
        db.migrate().expect("migrate");
    }
    assert_eq!(
        council_feedback::db::pool_errors() - before,
        0,
        "a pooled connection failed to open on a fresh file"
    );
    let _ = std::fs::remove_dir_all(folder);
}

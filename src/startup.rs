//! Building the application: the pool, the routes, the middleware, and a
//! server bound to a listener (port 0 in tests).

use std::net::TcpListener;

use actix_web::dev::{Server, ServiceFactory, ServiceRequest};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use utoipa::OpenApi;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{self, health, json::BodyLimit, ApiDoc};
use crate::auth::TokenVerifier;
use crate::config::{JwtKeys, Settings};
use crate::db::Database;
use crate::domain::clock::Clock;
use crate::error::ApiError;
use crate::request_context::{request_context, unmatched, RouteTable};

/// A start-up failure, in one line for the operator.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// Registers every documented route on `app`, returning the app and the
/// OpenAPI document the routes describe.
pub fn routes<T>(app: App<T>) -> (App<T>, utoipa::openapi::OpenApi)
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    let (app, mut doc) = app
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(health::healthz)
        .service(health::readyz)
        .service(scope::scope("/api/v1").configure(api::v1))
        .split_for_parts();
    api::contract::add_common_refusals(&mut doc);
    (app, doc)
}

/// `/docs` is the address people type; Swagger UI lives under `/docs/`.
async fn docs_redirect() -> actix_web::HttpResponse {
    actix_web::HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, "/docs/"))
        .finish()
}

/// A running server.
pub struct Application {
    server: Server,
    port: u16,
}

impl Application {
    /// Connects, migrates and binds as the settings say.
    pub fn build(settings: &Settings) -> Result<Application, StartError> {
        let db = Database::connect(&settings.database_url, settings.database_pool_size)
            .map_err(|e| StartError(e.to_string()))?;
        db.migrate().map_err(|e| StartError(e.to_string()))?;
        let listener = TcpListener::bind(settings.bind_address).map_err(|e| {
            StartError(format!(
                "BIND_ADDRESS: cannot listen on {}: {e}",
                settings.bind_address
            ))
        })?;
        Application::with_listener(settings, db, listener)
    }

    /// Serves on an already-bound listener with an already-migrated database.
    pub fn with_listener(
        settings: &Settings,
        db: Database,
        listener: TcpListener,
    ) -> Result<Application, StartError> {
        if let JwtKeys::Local { path, .. } = &settings.jwt.keys {
            log::warn!(
                "local mode: no JWT key configured; tokens are signed with the secret in {} \
                 (mint one with `council-feedback token`). Never use this in production.",
                path.display()
            );
        }
        let verifier = web::Data::new(
            TokenVerifier::new(&settings.jwt).map_err(|e| StartError(e.to_string()))?,
        );
        let port = listener
            .local_addr()
            .map_err(|e| StartError(e.to_string()))?
            .port();
        let db = web::Data::new(db);
        let body_limit = web::Data::new(BodyLimit(settings.max_body_bytes));
        let route_table = web::Data::new(RouteTable::from_openapi(&api::openapi()));
        let clock = web::Data::new(
            Clock::new(settings.policy.clone()).map_err(|e| StartError(e.to_string()))?,
        );
        // Stages acknowledged or answered before the reports' facts were
        // recorded get them now; after the first start there are none.
        let filled = db
            .connection()
            .map_err(|e| StartError(e.to_string()))
            .and_then(|mut conn| {
                crate::db::stages::record_missing_facts(&mut conn, clock.council_calendar())
                    .map_err(|e| StartError(format!("recording the reports' stage facts: {e}")))
            })?;
        if filled > 0 {
            log::info!("recorded the reports' facts on {filled} earlier stages");
        }
        let mut server = HttpServer::new(move || {
            let (app, doc) = routes(
                App::new()
                    .app_data(db.clone())
                    .app_data(verifier.clone())
                    .app_data(body_limit.clone())
                    .app_data(route_table.clone())
                    .app_data(clock.clone())
                    .app_data(web::Data::new(crate::app::time::Now::System))
                    .app_data(
                        web::QueryConfig::default()
                            .error_handler(|e, _| api::query::unreadable(&e).into()),
                    )
                    .app_data(web::PathConfig::default().error_handler(|e, _| {
                        ApiError::BadRequest(format!("the path could not be read: {e}")).into()
                    })),
            );
            app.route("/docs", web::get().to(docs_redirect))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", doc))
                .default_service(web::to(unmatched))
                .wrap(from_fn(request_context))
        })
        .listen(listener)
        .map_err(|e| StartError(e.to_string()))?;
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        Ok(Application {
            server: server.run(),
            port,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until a signal stops the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

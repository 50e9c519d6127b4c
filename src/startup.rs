//! Building the application: the pool, the routes, the middleware, and a
//! server bound to a listener (port 0 in tests).

use std::net::TcpListener;
use std::sync::Arc;

use std::time::Duration;

use actix_http::{error::DispatchError, HttpService, KeepAlive};
use actix_service::{fn_service, map_config, IntoServiceFactory, ServiceFactoryExt};
use actix_web::dev::{AppConfig, Server, ServiceFactory, ServiceRequest};
use actix_web::middleware::{from_fn, Condition};
use actix_web::rt::net::TcpStream;
use actix_web::{web, App};
use utoipa::OpenApi;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{self, health, json::BodyLimit, ApiDoc};
use crate::auth::TokenVerifier;
use crate::config::{JwtKeys, Settings};
use crate::db::Database;
use crate::domain::clock::Clock;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::request_context::{request_context, unmatched, RouteTable};
use crate::wire::Guarded;

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
    api::contract::withheld_counts(&mut doc);
    (app, doc)
}

/// CORS for the origins configured (actix-cors): the methods and headers the API reads, and
/// the response headers an integrator's script needs to see. A request from another origin
/// is served as if CORS did not exist (no CORS headers: the browser withholds the answer);
/// a request with no `Origin` (a server-side form, the CRM) is untouched.
fn cors(settings: &crate::config::CorsSettings) -> actix_cors::Cors {
    use actix_web::http::header;
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::CONTENT_DISPOSITION,
            header::WWW_AUTHENTICATE,
            header::HeaderName::from_static("idempotent-replayed"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(3600);
    if settings.any_origin {
        cors = cors.allow_any_origin();
    }
    for origin in &settings.allowed_origins {
        cors = cors.allowed_origin(origin);
    }
    // config.rs refuses credentials with `*`.
    if settings.allow_credentials && !settings.any_origin {
        cors = cors.supports_credentials();
    }
    cors
}

/// actix-cors adds `Access-Control-Expose-Headers` (and `-Allow-Credentials`) to every
/// answer, even one to a request from an origin it did not allow or with no `Origin` at all:
/// those are taken off again, so that only an allowed origin sees any CORS header (a browser
/// would ignore them without `Access-Control-Allow-Origin`, but other origins and server-side
/// callers are told nothing). `Vary: Origin` stays: caches must keep the answers apart.
async fn cors_for_allowed_origins_only(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::http::header;
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    if !headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        headers.remove(header::ACCESS_CONTROL_EXPOSE_HEADERS);
        headers.remove(header::ACCESS_CONTROL_ALLOW_CREDENTIALS);
    }
    Ok(response)
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
    /// The background jobs (deadline alerts, webhook delivery), stopped with the server; none
    /// when `SERVE_JOBS` is false.
    jobs: Option<crate::jobs::Running>,
    /// `GET /metrics` on its own listener, when `METRICS_BIND_ADDRESS` is set.
    metrics: Option<(Server, u16)>,
    /// PostgreSQL: tells the jobs of other instances of this one's commits.
    announcing: Option<crate::db::listen::Listening>,
    /// Writes the access journal into the access log; none when the audit is off.
    access_flusher: Option<crate::app::access_journal::Flusher>,
}

impl Application {
    /// Connects, migrates and binds as the settings say.
    pub fn build(settings: &Settings) -> Result<Application, StartError> {
        Application::build_at(settings, crate::app::time::Now::System)
    }

    /// [`Application::build`] on a clock of the caller's: the handlers and the background
    /// jobs take it to be the time `now` says (tests fix it to state dates exactly).
    pub fn build_at(
        settings: &Settings,
        now: crate::app::time::Now,
    ) -> Result<Application, StartError> {
        let db = Database::connect_with(
            &settings.database_url,
            settings.database_pool_size,
            settings.database_timeout,
        )
        .map_err(|e| StartError(e.to_string()))?;
        db.migrate().map_err(|e| StartError(e.to_string()))?;
        let listener = TcpListener::bind(settings.bind_address).map_err(|e| {
            StartError(format!(
                "BIND_ADDRESS: cannot listen on {}: {e}",
                settings.bind_address
            ))
        })?;
        Application::with_listener_at(settings, db, listener, now)
    }

    /// Serves on an already-bound listener with an already-migrated database.
    pub fn with_listener(
        settings: &Settings,
        db: Database,
        listener: TcpListener,
    ) -> Result<Application, StartError> {
        Application::with_listener_at(settings, db, listener, crate::app::time::Now::System)
    }

    /// [`Application::with_listener`] on a clock of the caller's.
    pub fn with_listener_at(
        settings: &Settings,
        db: Database,
        listener: TcpListener,
        now: crate::app::time::Now,
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
        if !verifier.can_sign_case_access() {
            log::warn!(
                "case links: JWT keys come from an identity provider and CASE_ACCESS_SECRET is \
                 not set, so residents without an account are sent no link to their case"
            );
        }
        let case_access = web::Data::new(settings.case_access.clone());
        // Every letter template is checked before anything starts: a council's bad edit
        // stops start-up naming its file and line.
        let letters = web::Data::new(
            crate::letters::Templates::load(&settings.letters)
                .map_err(|e| StartError(e.to_string()))?
                .with_providers(settings.correspondence.providers()),
        );

        let port = listener
            .local_addr()
            .map_err(|e| StartError(e.to_string()))?
            .port();
        let metrics = Arc::new(Metrics::new());
        let metrics_server =
            crate::metrics::listen(settings, metrics.clone(), db.clone()).map_err(StartError)?;
        // The requests are counted only when the metrics are served.
        let counted = metrics_server
            .as_ref()
            .map(|_| web::Data::from(metrics.clone()));
        let announcing = db
            .announce_commits()
            .transpose()
            .map_err(|e| StartError(format!("starting to announce commits: {e}")))?;
        let allowed_targets = web::Data::new(settings.webhook_allowed_targets.clone());
        let document_store = web::Data::new(match &settings.documents_dir {
            Some(folder) => crate::app::documents::DocumentStore::Folder(folder.clone()),
            None => crate::app::documents::DocumentStore::Database,
        });
        let callback_token = web::Data::new(api::mailroom::CallbackToken(
            settings.correspondence.notify_callback_token.clone(),
        ));
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
        // The reports' monthly projections: rebuilt from the cases when missing, built by
        // other code (their fingerprint), not counting every case, or just given new facts;
        // a rebuild left unfinished (by the command, or a start-up stopped) is taken up where
        // it stopped, alongside any other process taking part.
        db.connection()
            .map_err(|e| StartError(e.to_string()))
            .and_then(|mut conn| {
                use crate::db::projections::{self, Pace, Start};
                let current = filled == 0
                    && projections::up_to_date(&mut conn)
                        .map_err(|e| StartError(format!("checking the report projections: {e}")))?;
                if !current {
                    let start = if filled > 0 {
                        Start::Afresh
                    } else {
                        Start::Resume
                    };
                    let rebuilt =
                        projections::rebuild(&mut conn, start, Pace::Alone).map_err(|e| {
                            StartError(format!("rebuilding the report projections: {e}"))
                        })?;
                    log::info!("{rebuilt}");
                }
                Ok(())
            })?;
        // Cases from before the deadline alerts get their deadlines put on record once.
        // (Each of these one-off passes reads and then writes: it takes SQLite's writer's turn
        // first, as every write does, or another process's commit in between (a test's, or
        // the worker's) refuses it at once with "database is locked".)
        let put_down = db
            .blocking_transaction(crate::app::alerts::record_missing)
            .map_err(|e| StartError(format!("recording the cases' deadlines: {e:?}")))?;
        if put_down > 0 {
            log::info!("put the deadlines of {put_down} running cases on record for alerts");
        }
        // Cases from before people get their customers and representatives matched once.
        let at = now.now();
        let identified = db
            .blocking_transaction(|conn| crate::app::people::identify_missing(conn, at))
            .map_err(|e| StartError(format!("matching the cases' people: {e:?}")))?;
        if identified > 0 {
            log::info!(
                "matched {identified} customers and representatives of earlier cases to people"
            );
        }
        // The access journals earlier processes left are written into the access log before
        // anything is served (see app::access_journal).
        let access_journal = if settings.access_audit.enabled {
            Some(
                crate::app::access_journal::AccessJournal::open(&settings.data_dir, db.get_ref())
                    .map_err(|e| StartError(format!("the access journal: {e}")))?,
            )
        } else {
            None
        };
        let access_flusher = access_journal.as_ref().map(|journal| {
            journal.start_flusher(db.get_ref().clone(), settings.access_audit.gather)
        });
        let access_journal = access_journal.map(web::Data::from);
        // The jobs start once the one-time repairs above are done: on SQLite a job's write
        // beside them could leave a repair unable to take the writer's turn.
        let jobs = if settings.serve_jobs {
            let settings = crate::jobs::JobSettings {
                now,
                ..crate::jobs::JobSettings::from_settings(settings, metrics).map_err(StartError)?
            };
            Some(
                crate::jobs::start(db.get_ref().clone(), settings)
                    .map_err(|e| StartError(format!("starting the background jobs: {e}")))?,
            )
        } else {
            None
        };
        let survey = web::Data::new(settings.survey);
        let retention = web::Data::new(settings.retention.clone());
        let duplicates = web::Data::new(settings.duplicates);
        let partner_fields = web::Data::new(settings.partner_case_fields.clone());
        // The reference public form (issue 16 §5), only when asked for.
        let forms = if settings.public_forms {
            Some(api::forms::data(settings).map_err(StartError)?)
        } else {
            None
        };
        let rate_limits = web::Data::new(api::rate_limit::Limits::new(&settings.rate_limits));
        let cors_settings = settings.cors.clone();
        let feed_retention = web::Data::new(api::events::FeedRetention {
            days: settings.event_feed_retention_days,
        });
        let app = move || {
            let mut app = App::new();
            if let Some(metrics) = &counted {
                app = app.app_data(metrics.clone());
            }
            if let Some(journal) = &access_journal {
                app = app.app_data(journal.clone());
            }
            let (app, doc) = routes(
                app.app_data(db.clone())
                    .app_data(verifier.clone())
                    .app_data(body_limit.clone())
                    .app_data(route_table.clone())
                    .app_data(clock.clone())
                    .app_data(letters.clone())
                    .app_data(web::Data::new(now))
                    .app_data(retention.clone())
                    .app_data(feed_retention.clone())
                    .app_data(survey.clone())
                    .app_data(duplicates.clone())
                    .app_data(partner_fields.clone())
                    .app_data(allowed_targets.clone())
                    .app_data(document_store.clone())
                    .app_data(callback_token.clone())
                    .app_data(rate_limits.clone())
                    .app_data(case_access.clone())
                    .app_data(
                        web::QueryConfig::default()
                            .error_handler(|e, _| api::query::unreadable(&e).into()),
                    )
                    .app_data(web::PathConfig::default().error_handler(|e, _| {
                        ApiError::BadRequest(format!("the path could not be read: {e}")).into()
                    })),
            );
            let app = match &forms {
                Some(forms) => app.app_data(forms.clone()).configure(api::forms::routes),
                None => app,
            };
            app.route("/docs", web::get().to(docs_redirect))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", doc))
                .default_service(web::to(unmatched))
                .wrap(from_fn(api::access_log::journal_reads))
                .wrap(from_fn(api::case_access::refuse_retired_links))
                // Inside the request context, so that preflights and refusals carry a request
                // id; none configured, no CORS headers at all.
                .wrap(Condition::new(
                    cors_settings.enabled(),
                    cors(&cors_settings),
                ))
                .wrap(Condition::new(
                    cors_settings.enabled(),
                    from_fn(cors_for_allowed_origins_only),
                ))
                .wrap(from_fn(request_context))
                .wrap(from_fn(crate::metrics::track))
        };
        // actix-web's HttpServer, put together by hand so that each connection is wrapped in
        // `wire::Guarded` (the codec's refusals answered as problem+json); the settings are
        // HttpServer's defaults.
        let local = listener
            .local_addr()
            .map_err(|e| StartError(e.to_string()))?;
        let mut builder = actix_server::Server::build();
        if let Some(workers) = settings.workers {
            builder = builder.workers(workers);
        }
        // As HttpServer does: on a graceful stop, idle keep-alive connections close at once.
        let shutdown = builder.graceful_shutdown_signal();
        let server = builder
            .listen("council-feedback", listener, move || {
                let host = local.to_string();
                let shutdown = shutdown.clone();
                let app = app()
                    .into_factory()
                    .map_err(|err: actix_web::Error| err.error_response());
                let http = HttpService::build()
                    .graceful_shutdown_signal(move || {
                        let signal = shutdown.clone();
                        async move { signal.notified().await }
                    })
                    .keep_alive(KeepAlive::default())
                    .client_request_timeout(Duration::from_secs(5))
                    .client_disconnect_timeout(Duration::from_secs(1))
                    .h1_allow_half_closed(true)
                    .local_addr(local)
                    .h1(map_config(app, move |_| {
                        AppConfig::__priv_test_new(false, host.clone(), local)
                    }));
                fn_service(|io: TcpStream| {
                    let peer = io.peer_addr().ok();
                    std::future::ready(Ok::<_, DispatchError>((Guarded::new(io), peer)))
                })
                .and_then(http)
            })
            .map_err(|e| StartError(e.to_string()))?
            .run();
        Ok(Application {
            server,
            port,
            jobs,
            metrics: metrics_server,
            announcing,
            access_flusher,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port `GET /metrics` is served on, if it is.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(_, port)| *port)
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until a signal stops the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        // Dropped when the server ends (or this future is dropped): the jobs stop too.
        let _jobs = self.jobs;
        let _announcing = self.announcing;
        let _access_flusher = self.access_flusher;
        let metrics = self.metrics.map(|(server, _)| {
            let handle = server.handle();
            actix_web::rt::spawn(server);
            handle
        });
        let served = self.server.await;
        if let Some(metrics) = metrics {
            metrics.stop(true).await;
        }
        served
    }
}

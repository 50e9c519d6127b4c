//! Prometheus metrics (issue 12 §7): HTTP requests by route and status, webhook deliveries,
//! the outbox's depth and the deadline alerts emitted, served as `GET /metrics` in the
//! Prometheus text format on `METRICS_BIND_ADDRESS`, a listener of its own, and nowhere when
//! that is unset.
//!
//! Each running app (`serve`, `worker`, or a test's) has its own [`Metrics`], handed to the
//! HTTP layer through `app_data` and to the jobs through `JobSettings`: nothing is global, so
//! two apps in one process never count into each other. The outbox's gauges are read from the
//! database at each scrape, since several instances share it.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, App, HttpResponse, HttpServer};
use chrono::NaiveDateTime;
use prometheus_client::encoding::{prometheus_text, EncodeLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use crate::config::Settings;
use crate::db::outbox::{self, Depth};
use crate::db::{Database, DbError, DbFailure};
use crate::domain::webhook::DeliveryStatus;
use crate::error::ApiError;

/// Every metric's name starts with this.
pub const PREFIX: &str = "council_feedback";

/// The label value of a request no route took (an unknown path, a method the path does not
/// answer, a request refused before routing): one value, so a scanner cannot make series
/// without end.
pub const UNMATCHED: &str = "unmatched";

/// The alerts' feed types (issue 12 §1), shown at 0 before the first is emitted.
pub const ALERT_TYPES: [&str; 4] = [
    "deadline.approaching",
    "deadline.missed",
    "remedy.overdue",
    "learning_action.overdue",
];

/// Latency buckets, in seconds: a hot GET takes about a millisecond, a report about a second.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

/// One label, with a fixed name.
type Label<V> = [(&'static str, V); 1];

/// The metrics of one running app.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    attempts: Family<Label<&'static str>, Counter>,
    retries: Counter,
    disabled: Counter,
    alerts: Family<Label<String>, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

impl Metrics {
    /// Every metric registered, at zero, so each shows its HELP and TYPE from the start.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix(PREFIX);
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern (`unmatched` when no route took \
             it) and status",
            requests.clone(),
        );
        let latency: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "http_request_duration",
            "Time from a request's arrival to its answer's head, by method and route pattern",
            Unit::Seconds,
            latency.clone(),
        );
        let attempts = Family::<Label<&'static str>, Counter>::default();
        registry.register(
            "webhook_attempts",
            "Webhook delivery attempts recorded, by result: sent (the receiver answered 2xx) \
             or failed (any other answer, no answer, or not sent)",
            attempts.clone(),
        );
        for result in ["sent", "failed"] {
            drop(attempts.get_or_create(&[("result", result)]));
        }
        let retries = Counter::default();
        registry.register(
            "webhook_retries",
            "Failed webhook attempts after which another attempt was scheduled (the rest of \
             the failed attempts gave their delivery up)",
            retries.clone(),
        );
        let disabled = Counter::default();
        registry.register(
            "webhook_endpoints_disabled",
            "Webhook endpoints the dispatcher disabled: 410 Gone, or failing for three days",
            disabled.clone(),
        );
        let alerts = Family::<Label<String>, Counter>::default();
        registry.register(
            "alerts_emitted",
            "Deadline alerts emitted into the outbox, by event type",
            alerts.clone(),
        );
        // A family shows nothing (not even HELP and TYPE) until it has a member.
        for feed_type in ALERT_TYPES {
            drop(alerts.get_or_create(&[("type", feed_type.to_string())]));
        }
        Metrics {
            registry,
            requests,
            latency,
            attempts,
            retries,
            disabled,
            alerts,
        }
    }

    /// Counts an answered request; `route` is the pattern that took it, if any.
    pub fn request(&self, method: &str, route: Option<String>, status: u16, took: Duration) {
        let route = route.unwrap_or_else(|| UNMATCHED.to_string());
        self.latency
            .get_or_create(&RouteLabels {
                method: method.to_string(),
                route: route.clone(),
            })
            .observe(took.as_secs_f64());
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                route,
                status,
            })
            .inc();
    }

    /// Counts a recorded webhook attempt by what it left its delivery at: succeeded (sent),
    /// pending (failed, and retried later) or failed (given up); and whether it disabled
    /// its endpoint.
    pub fn webhook_attempt(&self, delivery: DeliveryStatus, disabled_endpoint: bool) {
        let result = match delivery {
            DeliveryStatus::Succeeded => "sent",
            DeliveryStatus::Pending | DeliveryStatus::Failed => "failed",
        };
        self.attempts.get_or_create(&[("result", result)]).inc();
        if delivery == DeliveryStatus::Pending {
            self.retries.inc();
        }
        if disabled_endpoint {
            self.disabled.inc();
        }
    }

    /// Counts a deadline alert emitted, by its feed type (`deadline.approaching`, …).
    pub fn alert_emitted(&self, feed_type: &str) {
        self.alerts
            .get_or_create(&[("type", feed_type.to_string())])
            .inc();
    }

    /// The exposition: the counters, then the outbox's gauges when the database answered.
    pub fn render(
        &self,
        outbox: Option<&Depth>,
        now: NaiveDateTime,
    ) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_text::encode(&mut text, &self.registry)?;
        if let Some(depth) = outbox {
            prometheus_text::encode(&mut text, &outbox_gauges(depth, now))?;
        }
        Ok(text)
    }
}

/// The outbox's gauges, made afresh at each scrape from what the database said.
fn outbox_gauges(depth: &Depth, now: NaiveDateTime) -> Registry {
    let mut registry = Registry::with_prefix(PREFIX);
    let queued = Family::<Label<&'static str>, Gauge>::default();
    queued
        .get_or_create(&[("queue", "fan_out")])
        .set(depth.events);
    queued
        .get_or_create(&[("queue", "delivery")])
        .set(depth.deliveries);
    registry.register(
        "outbox_depth",
        "What the outbox holds: events the fan-out has not passed (queue fan_out) and \
         deliveries to enabled endpoints not yet sent or waiting for a retry (queue delivery)",
        queued,
    );
    let age = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
    let seconds = depth.oldest_undelivered.map_or(0.0, |oldest| {
        ((now - oldest).num_milliseconds() as f64 / 1000.0).max(0.0)
    });
    age.set(seconds);
    registry.register_with_unit(
        "outbox_oldest_undelivered_age",
        "Age of the oldest event not yet delivered (not fanned out, or with a delivery \
         pending); 0 when none waits",
        Unit::Seconds,
        age,
    );
    registry
}

/// The middleware: counts each request the app answers, with its route's pattern. It counts
/// only in an app given [`Metrics`] as `app_data`.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let Some(metrics) = req.app_data::<web::Data<Metrics>>().cloned() else {
        return next.call(req).await;
    };
    let started = Instant::now();
    let method = req.method().clone();
    let response = next.call(req).await?;
    metrics.request(
        method.as_str(),
        response.request().match_pattern(),
        response.status().as_u16(),
        started.elapsed(),
    );
    Ok(response)
}

/// What a scrape needs.
struct Scrape {
    metrics: Arc<Metrics>,
    db: Database,
    /// How long the outbox's count may take before the scrape answers without it.
    wait: Duration,
}

async fn scrape(scrape: web::Data<Scrape>) -> HttpResponse {
    let counted = scrape
        .db
        .with_connection(|conn| Ok::<_, DbError>(outbox::depth(conn)?));
    let depth = match actix_web::rt::time::timeout(scrape.wait, counted).await {
        Ok(Ok(depth)) => Some(depth),
        // An outage is logged once, by storage.
        Ok(Err(e)) if e.is_unavailable() => None,
        Ok(Err(e)) => {
            log::error!("metrics: counting the outbox: {e}");
            None
        }
        Err(_) => {
            log::warn!(
                "metrics: the outbox was not counted within {} ms; answered without it",
                scrape.wait.as_millis()
            );
            None
        }
    };
    match scrape.metrics.render(depth.as_ref(), crate::db::now()) {
        Ok(text) => HttpResponse::Ok()
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static(prometheus_text::CONTENT_TYPE),
            ))
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .body(text),
        Err(e) => actix_web::ResponseError::error_response(&ApiError::Internal(format!(
            "encoding the metrics: {e}"
        ))),
    }
}

async fn elsewhere(req: actix_web::HttpRequest) -> HttpResponse {
    actix_web::ResponseError::error_response(&ApiError::NotFound(format!(
        "there is nothing at {}: this listener serves GET /metrics",
        req.path()
    )))
}

/// Serves `GET /metrics` on `listener`, with one worker; `wait` bounds the outbox's count.
/// The server takes no signals: the process's own handling (the API server's, or the
/// worker's default) stops it.
fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    db: Database,
    wait: Duration,
) -> std::io::Result<Server> {
    let data = web::Data::new(Scrape { metrics, db, wait });
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/metrics", web::get().to(scrape))
            .default_service(web::to(elsewhere))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run())
}

/// Serves `GET /metrics` on `METRICS_BIND_ADDRESS` when it is set: the server, to be run
/// (spawned) by the caller, and the port it listens on. `None` when the setting is unset.
pub fn listen(
    settings: &Settings,
    metrics: Arc<Metrics>,
    db: Database,
) -> Result<Option<(Server, u16)>, String> {
    let Some(address) = settings.metrics_bind_address else {
        return Ok(None);
    };
    let failed =
        |e: std::io::Error| format!("METRICS_BIND_ADDRESS: cannot listen on {address}: {e}");
    let listener = TcpListener::bind(address).map_err(failed)?;
    let port = listener.local_addr().map_err(failed)?.port();
    let server = serve(listener, metrics, db, settings.database_timeout).map_err(failed)?;
    Ok(Some((server, port)))
}

//! The outbox dispatcher: follows `case_events` past the fan-out's cursor making deliveries,
//! then sends each endpoint's due deliveries in order, signed as Standard Webhooks says, and
//! records every attempt.

use std::time::{Duration, Instant};

use futures_util::future::join_all;

use super::JobSettings;
use crate::app::webhooks::{self as use_case, AttemptResult};
use crate::app::AppError;
use crate::db::events::EventRow;
use crate::db::webhooks::{self, EndpointRow};
use crate::db::{self, Database};
use crate::domain::case::events::{Instant as At, FEED_VERSION};
use crate::domain::webhook::signature_header;

/// Events the fan-out reads at once.
const FAN_OUT_BATCH: i64 = 500;
/// Endpoints one round sends to, side by side.
const ENDPOINTS_PER_ROUND: i64 = 20;
/// Deliveries one claim of an endpoint sends, one after another, in order.
const SENDS_PER_CLAIM: i64 = 500;
/// Old successful deliveries removed in one transaction.
const PRUNE_BATCH: i64 = 1000;
/// Attempts recorded in one transaction.
const RECORD_BATCH: usize = 100;
/// How long a receiver has to answer (the name's lookup included).
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// How long a claim holds an endpoint. No other instance sends to it meanwhile; after a
/// crash, its deliveries wait this long to be sent again.
pub const LEASE: Duration = Duration::from_secs(30);
/// Time kept at the end of a lease to record the last attempt. A send starts only while a
/// whole attempt and this still fit in the lease, so the lease never runs out while its
/// holder sends: a claim starts sends for its first 10 s (30 - 15 - 5), and a healthy
/// receiver takes hundreds in that time.
const RECORD_SLACK: Duration = Duration::from_secs(5);

/// The webhook-id of an event's delivery: the same on every attempt and redelivery.
pub fn message_id(event_id: i64) -> String {
    format!("evt_{event_id}")
}

/// The body of an event's delivery: the event as the feed shows it (thin: no personal data).
pub fn payload(event: &EventRow, reference: &str) -> String {
    serde_json::json!({
        "id": event.id,
        "type": event.feed_type,
        "version": FEED_VERSION,
        "timestamp": At(event.occurred_at).rfc3339(),
        "visibility": event.visibility,
        "data": {
            "case": reference,
            "stage": event.stage,
            "due": event.due.map(|d| d.format("%Y-%m-%d").to_string()),
        },
    })
    .to_string()
}

/// The HTTP client shared by every send to a target given as an address (a host name is
/// pinned to the addresses checked, with a client of its own for each claim). It keeps
/// connections open between sends. `None` if it cannot be built: each claim then builds one.
pub fn shared_client() -> Option<reqwest::Client> {
    match client_builder().build() {
        Ok(client) => Some(client),
        Err(e) => {
            log::error!("webhook dispatcher: cannot build its HTTP client: {e}");
            None
        }
    }
}

fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .no_proxy()
        .user_agent(concat!(
            "council-feedback-webhooks/",
            env!("CARGO_PKG_VERSION")
        ))
}

/// One round: fan out what the outbox holds, then send what is due. Returns how much it did.
pub async fn round(
    db: &Database,
    settings: &JobSettings,
    http: Option<&reqwest::Client>,
) -> Result<usize, AppError> {
    // Events passed count as work to come back for at once only when a whole batch was
    // read (more may wait): a round that passed a few is done, and the next waits for a wake.
    let mut done = 0;
    for _ in 0..20 {
        let passed = db
            .job_transaction(|conn| use_case::fan_out(conn, db::now(), FAN_OUT_BATCH))
            .await?;
        match passed {
            Some(n) if n == FAN_OUT_BATCH as usize => done += n,
            _ => break,
        }
    }
    let now = db::now();
    let claimed_at = Instant::now();
    let lease = chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::seconds(30));
    let claimed = db
        .job_transaction(move |conn| {
            Ok::<_, AppError>(webhooks::claim_endpoints(
                conn,
                now,
                now + lease,
                ENDPOINTS_PER_ROUND,
            )?)
        })
        .await?;
    let sent = join_all(
        claimed
            .into_iter()
            .map(|endpoint| send_to(db, settings, http, endpoint, claimed_at)),
    )
    .await;
    for result in sent {
        match result {
            Ok(n) => done += n,
            Err(e) if crate::db::DbFailure::is_unavailable(&e) => {}
            Err(e) => log::error!("webhook delivery: {e:?}"),
        }
    }
    // With nothing else to do, a batch of successful deliveries past their retention goes
    // (the next round takes the next batch, until none is left).
    if done == 0 {
        let before = now - settings.delivery_retention;
        done += db
            .job_transaction(move |conn| {
                Ok::<_, AppError>(webhooks::prune_succeeded(conn, before, PRUNE_BATCH)?)
            })
            .await?;
    }
    Ok(done)
}

/// Sends an endpoint's due deliveries in the order they were made, then lets it go (also
/// when recording failed: the next round tries again, and the receiver may see a repeat).
async fn send_to(
    db: &Database,
    settings: &JobSettings,
    http: Option<&reqwest::Client>,
    endpoint_id: i64,
    claimed_at: Instant,
) -> Result<usize, AppError> {
    let sent = send_due(db, settings, http, endpoint_id, claimed_at).await;
    db.job_transaction(move |conn| Ok::<_, AppError>(webhooks::release(conn, endpoint_id)?))
        .await?;
    sent
}

/// Whether a send started now would end, and be recorded, within the claim's lease.
fn fits_in_lease(claimed_at: Instant) -> bool {
    claimed_at.elapsed() + TIMEOUT + RECORD_SLACK <= LEASE
}

async fn send_due(
    db: &Database,
    settings: &JobSettings,
    http: Option<&reqwest::Client>,
    endpoint_id: i64,
    claimed_at: Instant,
) -> Result<usize, AppError> {
    let now = db::now();
    let (endpoint, due) = db
        .with_connection(move |conn| {
            let endpoint = webhooks::find_endpoint(conn, endpoint_id)?;
            let due = webhooks::due_deliveries(conn, endpoint_id, now, SENDS_PER_CLAIM)?;
            Ok::<_, AppError>((endpoint, due))
        })
        .await?;
    let Some(endpoint) = endpoint else {
        return Ok(0);
    };
    if due.is_empty() {
        return Ok(0);
    }
    // The target is checked again for each claim (DNS can change since registration), and
    // connected to at the addresses checked.
    let checked = tokio::time::timeout(
        TIMEOUT,
        use_case::resolve_target(&endpoint.url, &settings.allowed_targets),
    )
    .await
    .unwrap_or_else(|_| Err(format!("did not resolve within {} s", TIMEOUT.as_secs())));
    let sender = checked.and_then(|target| Sender::for_target(target, http));
    let mut sent = 0;
    let mut results = Vec::new();
    for (delivery, event, reference) in due {
        if !fits_in_lease(claimed_at) {
            break;
        }
        let body = payload(&event, &reference);
        let result = match &sender {
            Ok(sender) => {
                sender
                    .attempt(&endpoint, &message_id(event.id), body.into_bytes())
                    .await
            }
            Err(why) => refused(db::now(), format!("not sent: the url {why}")),
        };
        let delivered = result.error.is_none()
            && crate::domain::webhook::Verdict::of(result.status)
                == crate::domain::webhook::Verdict::Delivered;
        results.push((delivery, result, rand::random::<f64>()));
        // A receiver in trouble is not sent the rest now: they wait for the next round.
        if !delivered || results.len() >= RECORD_BATCH {
            sent += results.len();
            let disabled = record(db, settings, endpoint_id, std::mem::take(&mut results)).await?;
            if let Some(reason) = disabled {
                log::warn!(
                    "webhook endpoint {endpoint_id} ({}) disabled: {reason}",
                    endpoint.url
                );
                return Ok(sent);
            }
            if !delivered {
                return Ok(sent);
            }
        }
    }
    if !results.is_empty() {
        sent += results.len();
        if let Some(reason) = record(db, settings, endpoint_id, results).await? {
            log::warn!(
                "webhook endpoint {endpoint_id} ({}) disabled: {reason}",
                endpoint.url
            );
        }
    }
    Ok(sent)
}

/// Records attempts at one endpoint's deliveries in one transaction, and counts them in the
/// metrics once committed; the reason, if the endpoint was disabled.
async fn record(
    db: &Database,
    settings: &JobSettings,
    endpoint_id: i64,
    results: Vec<(webhooks::DeliveryRow, AttemptResult, f64)>,
) -> Result<Option<String>, AppError> {
    let schedule = settings.retry_schedule.clone();
    let recorded = db
        .job_transaction(move |conn| {
            use_case::record_attempts(conn, endpoint_id, &results, &schedule)
        })
        .await?;
    let last = recorded.deliveries.len().saturating_sub(1);
    for (i, delivery) in recorded.deliveries.iter().enumerate() {
        // The attempt that disabled the endpoint is the last one recorded.
        let disabled = i == last && recorded.disabled.is_some();
        settings.metrics.webhook_attempt(*delivery, disabled);
    }
    Ok(recorded.disabled)
}

fn refused(attempted_at: chrono::NaiveDateTime, error: String) -> AttemptResult {
    AttemptResult {
        attempted_at,
        status: None,
        latency_ms: 0,
        error: Some(error),
    }
}

/// Sends to one checked target: with the shared client when the target is an address, or
/// with a client that connects to the addresses its name was checked at.
struct Sender {
    client: reqwest::Client,
    url: reqwest::Url,
}

impl Sender {
    fn for_target(
        target: use_case::Target,
        shared: Option<&reqwest::Client>,
    ) -> Result<Sender, String> {
        let client = match (target.url.host(), shared) {
            (Some(url::Host::Domain(name)), _) => client_builder()
                .resolve_to_addrs(name, &target.addresses)
                .build(),
            (_, Some(shared)) => Ok(shared.clone()),
            (_, None) => client_builder().build(),
        }
        .map_err(|e| format!("cannot be sent to: {e}"))?;
        Ok(Sender {
            client,
            url: target.url,
        })
    }

    /// One signed POST of `body` to the endpoint.
    async fn attempt(&self, endpoint: &EndpointRow, id: &str, body: Vec<u8>) -> AttemptResult {
        let attempted_at = db::now();
        let timestamp = chrono::Utc::now().timestamp();
        let Some(signature) = signature_header(
            &endpoint.signing_secrets(attempted_at),
            id,
            timestamp,
            &body,
        ) else {
            return refused(
                attempted_at,
                "not sent: the endpoint's secret cannot sign".into(),
            );
        };
        let started = Instant::now();
        let response = self
            .client
            .post(self.url.clone())
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        match response {
            Ok(mut response) => {
                // What the receiver says is not kept, but a little of it is read, so that
                // the connection can carry the next send.
                let mut read = 0;
                while let Ok(Some(chunk)) = response.chunk().await {
                    read += chunk.len();
                    if read > 64 * 1024 {
                        break;
                    }
                }
                AttemptResult {
                    attempted_at,
                    status: Some(response.status().as_u16()),
                    latency_ms,
                    error: None,
                }
            }
            Err(e) => AttemptResult {
                attempted_at,
                status: None,
                latency_ms,
                error: Some(if e.is_timeout() {
                    format!("no answer within {} s", TIMEOUT.as_secs())
                } else {
                    e.without_url().to_string()
                }),
            },
        }
    }
}

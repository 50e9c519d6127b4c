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
/// Deliveries one round sends to an endpoint, one after another.
const SENDS_PER_ENDPOINT: i64 = 10;
/// How long a receiver has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(15);

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

/// One round: fan out what the outbox holds, then send what is due. Returns how much it did.
pub async fn round(db: &Database, settings: &JobSettings) -> Result<usize, AppError> {
    let mut done = 0;
    for _ in 0..20 {
        let passed = db
            .job_transaction(|conn| use_case::fan_out(conn, db::now(), FAN_OUT_BATCH))
            .await?;
        match passed {
            Some(n) => {
                done += n;
                if n < FAN_OUT_BATCH as usize {
                    break;
                }
            }
            None => break,
        }
    }
    let now = db::now();
    // Long enough for a whole round's sends to time out one after another.
    let lease = chrono::Duration::seconds(15 * SENDS_PER_ENDPOINT + 60);
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
            .map(|endpoint| send_to(db, settings, endpoint)),
    )
    .await;
    for result in sent {
        match result {
            Ok(n) => done += n,
            Err(e) if crate::db::DbFailure::is_unavailable(&e) => {}
            Err(e) => log::error!("webhook delivery: {e:?}"),
        }
    }
    Ok(done)
}

/// Sends an endpoint's due deliveries in the order they were made, then lets it go (also
/// when recording failed: the next round tries again, and the receiver may see a repeat).
async fn send_to(
    db: &Database,
    settings: &JobSettings,
    endpoint_id: i64,
) -> Result<usize, AppError> {
    let sent = send_due(db, settings, endpoint_id).await;
    db.job_transaction(move |conn| Ok::<_, AppError>(webhooks::release(conn, endpoint_id)?))
        .await?;
    sent
}

async fn send_due(
    db: &Database,
    settings: &JobSettings,
    endpoint_id: i64,
) -> Result<usize, AppError> {
    let now = db::now();
    let (endpoint, due) = db
        .with_connection(move |conn| {
            let endpoint = webhooks::find_endpoint(conn, endpoint_id)?;
            let due = webhooks::due_deliveries(conn, endpoint_id, now, SENDS_PER_ENDPOINT)?;
            Ok::<_, AppError>((endpoint, due))
        })
        .await?;
    let Some(endpoint) = endpoint else {
        return Ok(0);
    };
    let mut sent = 0;
    for (delivery, event, reference) in due {
        let body = payload(&event, &reference);
        let result = attempt(&endpoint, settings, &message_id(event.id), body.as_bytes()).await;
        let schedule = settings.retry_schedule.clone();
        let jitter: f64 = rand::random();
        let recorded = db
            .job_transaction(move |conn| {
                use_case::record_attempt(conn, endpoint_id, &delivery, &result, &schedule, jitter)
            })
            .await?;
        settings
            .metrics
            .webhook_attempt(recorded.delivery, recorded.disabled.is_some());
        sent += 1;
        if let Some(reason) = recorded.disabled {
            log::warn!(
                "webhook endpoint {endpoint_id} ({}) disabled: {reason}",
                endpoint.url
            );
            break;
        }
    }
    Ok(sent)
}

/// One signed POST of `body` to the endpoint, its target checked again first (DNS can
/// change since registration) and connected to at the addresses checked.
async fn attempt(
    endpoint: &EndpointRow,
    settings: &JobSettings,
    id: &str,
    body: &[u8],
) -> AttemptResult {
    let attempted_at = db::now();
    let refused = |error: String| AttemptResult {
        attempted_at,
        status: None,
        latency_ms: 0,
        error: Some(error),
    };
    let target = match use_case::resolve_target(&endpoint.url, &settings.allowed_targets).await {
        Ok(target) => target,
        Err(why) => return refused(format!("not sent: the url {why}")),
    };
    let timestamp = chrono::Utc::now().timestamp();
    let Some(signature) =
        signature_header(&endpoint.signing_secrets(attempted_at), id, timestamp, body)
    else {
        return refused("not sent: the endpoint's secret cannot sign".into());
    };
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .no_proxy()
        .user_agent(concat!(
            "council-feedback-webhooks/",
            env!("CARGO_PKG_VERSION")
        ));
    if let Some(url::Host::Domain(name)) = target.url.host() {
        builder = builder.resolve_to_addrs(name, &target.addresses);
    }
    let client = match builder.build() {
        Ok(client) => client,
        Err(e) => return refused(format!("not sent: {e}")),
    };
    let started = Instant::now();
    let response = client
        .post(target.url)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body.to_vec())
        .send()
        .await;
    let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    match response {
        Ok(response) => AttemptResult {
            attempted_at,
            status: Some(response.status().as_u16()),
            latency_ms,
            error: None,
        },
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

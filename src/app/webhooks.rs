//! Webhooks' use cases (issue 12 §3-4): registering and changing endpoints, scoped to their
//! owner; the fan-out that follows the outbox and makes one delivery per matching endpoint;
//! and what an attempt's result does to its delivery and endpoint.

use std::net::{IpAddr, SocketAddr};

use chrono::NaiveDateTime;

use super::AppError;
use crate::auth::Caller;
use crate::db::events::{self as event_log, FeedFilter};
use crate::db::webhooks::{
    self, DeliveryOutcome, EndpointChanges, EndpointRow, NewAttempt, NewEndpoint,
};
use crate::db::DbConnection;
use crate::domain::access::CaseScope;
use crate::domain::case::events::EVENT_TYPES;
use crate::domain::case::{Role, Visibility};
use crate::domain::webhook::{
    check_target, failing_too_long, secret_from, AllowedTargets, DeliveryStatus, RetrySchedule,
    Verdict, ROTATION_OVERLAP,
};
use crate::error::FieldError;

/// Where a webhook goes: the URL, and the addresses its host resolved to when checked (a
/// delivery connects to these, so the name cannot resolve elsewhere in between).
#[derive(Debug, Clone)]
pub struct Target {
    pub url: reqwest::Url,
    pub addresses: Vec<SocketAddr>,
}

/// Checks that `url` is a URL webhooks may go to, resolving its host now: https to public
/// addresses, or an address the deployment allows. Run at registration and before every
/// delivery (DNS can change). The refusal is for the `url` field.
pub async fn resolve_target(url: &str, allowed: &AllowedTargets) -> Result<Target, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err("must be an https URL".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not carry a user name or password".into());
    }
    let port = parsed
        .port_or_known_default()
        .ok_or_else(|| "has no port".to_string())?;
    let (host, addresses): (String, Vec<SocketAddr>) = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => (ip.to_string(), vec![SocketAddr::new(IpAddr::V4(ip), port)]),
        Some(url::Host::Ipv6(ip)) => (ip.to_string(), vec![SocketAddr::new(IpAddr::V6(ip), port)]),
        Some(url::Host::Domain(name)) => {
            let found = tokio::net::lookup_host((name, port))
                .await
                .map(|found| found.collect())
                .unwrap_or_default();
            (name.to_string(), found)
        }
        None => return Err("has no host".into()),
    };
    let ips: Vec<IpAddr> = addresses.iter().map(SocketAddr::ip).collect();
    check_target(allowed, parsed.scheme(), &host, &ips)?;
    Ok(Target {
        url: parsed,
        addresses,
    })
}

/// Who may register endpoints: the complaints manager (for the CRM: every event) and partners
/// (their own cases' public events).
pub fn owner_role(caller: &Caller) -> Option<Role> {
    match caller.acting_role() {
        role @ (Role::ComplaintsManager | Role::Partner) => Some(role),
        _ => None,
    }
}

/// The endpoint, if `caller` may see it: the complaints manager sees every one, a partner
/// its own.
pub fn visible_endpoint(
    conn: &mut DbConnection,
    caller: &Caller,
    id: i64,
) -> Result<EndpointRow, AppError> {
    let not_found = || AppError::NotFound(format!("there is no webhook endpoint {id}"));
    let endpoint = webhooks::find_endpoint(conn, id)?.ok_or_else(not_found)?;
    let mine = match caller.acting_role() {
        Role::ComplaintsManager => true,
        Role::Partner => {
            endpoint.owner_role == Role::Partner && endpoint.owner_subject == caller.subject
        }
        _ => false,
    };
    if mine {
        Ok(endpoint)
    } else {
        Err(not_found())
    }
}

/// The event types asked for: known feed types, public ones only for a partner; in the
/// order of `EVENT_TYPES`, each once.
pub fn event_types(
    requested: &[String],
    role: Role,
    errors: &mut Vec<FieldError>,
) -> Option<Vec<String>> {
    if requested.is_empty() {
        errors.push(FieldError::new(
            "event_types",
            "name at least one event type: see GET /api/v1/event-types",
        ));
        return None;
    }
    for (index, name) in requested.iter().enumerate() {
        match EVENT_TYPES.iter().find(|t| t.feed_name == name) {
            None => {
                errors.push(FieldError::new(
                    format!("event_types[{index}]"),
                    format!("`{name}` is not an event type: see GET /api/v1/event-types"),
                ));
                return None;
            }
            Some(t) if role == Role::Partner && t.visibility == Visibility::Internal => {
                errors.push(FieldError::new(
                    format!("event_types[{index}]"),
                    format!("`{name}` is an internal event: partners receive public events only"),
                ));
                return None;
            }
            Some(_) => {}
        }
    }
    Some(
        EVENT_TYPES
            .iter()
            .filter(|t| requested.iter().any(|r| r == t.feed_name))
            .map(|t| t.feed_name.to_string())
            .collect(),
    )
}

/// A new signing secret.
pub fn new_secret() -> String {
    secret_from(&rand::random::<[u8; 32]>())
}

/// Registers an endpoint for `caller`.
pub fn register(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    role: Role,
    url: String,
    types: &[String],
    description: String,
) -> Result<EndpointRow, AppError> {
    let event_types =
        serde_json::to_string(types).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(webhooks::insert_endpoint(
        conn,
        &NewEndpoint {
            owner_role: role,
            owner_subject: caller.subject.clone(),
            url,
            event_types,
            description,
            secret: new_secret(),
            enabled: true,
            created_at: now,
            version: 1,
        },
    )?)
}

/// Changes an endpoint `caller` may see, at version `expected`.
pub fn change(
    conn: &mut DbConnection,
    caller: &Caller,
    id: i64,
    expected: i32,
    mut changes: EndpointChanges,
) -> Result<EndpointRow, AppError> {
    let endpoint = visible_endpoint(conn, caller, id)?;
    if endpoint.version != expected {
        return Err(AppError::Stale { expected });
    }
    match changes.enabled {
        // Enabled again: the failures so far no longer count.
        Some(true) => {
            changes.disabled_reason = Some(None);
            changes.failing_since = Some(None);
        }
        Some(false) if endpoint.enabled => {
            changes.disabled_reason = Some(Some(format!(
                "disabled by {}",
                caller.acting_role().as_str()
            )));
        }
        _ => {}
    }
    changes.version = Some(expected + 1);
    webhooks::update_endpoint(conn, id, Some(expected), &changes)?
        .ok_or(AppError::Stale { expected })
}

/// A new secret for an endpoint; the old one still signs for [`ROTATION_OVERLAP`].
pub fn rotate_secret(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    id: i64,
    expected: i32,
) -> Result<EndpointRow, AppError> {
    let endpoint = visible_endpoint(conn, caller, id)?;
    let changes = EndpointChanges {
        secret: Some(new_secret()),
        previous_secret: Some(Some(endpoint.secret)),
        previous_secret_expires_at: Some(Some(now + ROTATION_OVERLAP)),
        ..EndpointChanges::default()
    };
    change(conn, caller, id, expected, changes)
}

/// Sends a delivery again: a new delivery of the same event, with the same `webhook-id`,
/// due now.
pub fn redeliver(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    endpoint_id: i64,
    delivery_id: i64,
) -> Result<webhooks::DeliveryListed, AppError> {
    visible_endpoint(conn, caller, endpoint_id)?;
    let (delivery, _) =
        webhooks::find_delivery(conn, endpoint_id, delivery_id)?.ok_or_else(|| {
            AppError::NotFound(format!(
                "there is no delivery {delivery_id} to webhook endpoint {endpoint_id}"
            ))
        })?;
    let again = webhooks::insert_delivery(conn, endpoint_id, delivery.event_id, now)?;
    webhooks::find_delivery(conn, endpoint_id, again.id)?
        .ok_or_else(|| AppError::Internal("a delivery just made is not there".into()))
}

/// Follows the outbox past the fan-out's cursor: one delivery for each event (at most
/// `batch`) and each enabled endpoint that asked for its type and may see it, made in the
/// transaction that moves the cursor past it. Returns how many events it passed, or `None`
/// when another instance holds the cursor.
pub fn fan_out(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    batch: i64,
) -> Result<Option<usize>, AppError> {
    let Some(after) = webhooks::claim_cursor(conn)? else {
        return Ok(None);
    };
    let filter = FeedFilter {
        scope: CaseScope::All,
        public_only: false,
        types: None,
        after: Some(after),
        // Every event (the oldest instant both databases store).
        kept_since: chrono::DateTime::UNIX_EPOCH.naive_utc(),
    };
    let events = event_log::feed(conn, &filter, batch)?;
    let Some((last, _)) = events.last() else {
        return Ok(Some(0));
    };
    let (order, id) = (last.commit_order, last.id);
    let endpoints: Vec<(EndpointRow, Vec<String>)> = webhooks::enabled_endpoints(conn)?
        .into_iter()
        .map(|e| {
            let types = e.types();
            (e, types)
        })
        .collect();
    if !endpoints.is_empty() {
        let case_ids: Vec<i64> = events.iter().map(|(e, _)| e.case_id).collect();
        let partners = webhooks::partners_of(conn, &case_ids)?;
        let mut made = Vec::new();
        for (event, _) in &events {
            let partner = partners
                .iter()
                .find(|(case, _)| *case == event.case_id)
                .and_then(|(_, p)| p.as_deref());
            for (endpoint, types) in &endpoints {
                if !types.contains(&event.feed_type) {
                    continue;
                }
                let may_see = match endpoint.owner_role {
                    Role::ComplaintsManager => true,
                    Role::Partner => {
                        event.visibility == Visibility::Public
                            && partner == Some(endpoint.owner_subject.as_str())
                    }
                    _ => false,
                };
                if may_see {
                    made.push((endpoint.id, event.id));
                }
            }
        }
        webhooks::insert_deliveries(conn, &made, now)?;
    }
    webhooks::advance_cursor(conn, order, id)?;
    Ok(Some(events.len()))
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct AttemptResult {
    pub attempted_at: NaiveDateTime,
    /// The receiver's status, if it answered.
    pub status: Option<u16>,
    pub latency_ms: i64,
    /// Why there was no answer, or why it was not sent.
    pub error: Option<String>,
}

/// What an attempt, once recorded, left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// Each delivery attempted, in order: succeeded, pending (another attempt is scheduled) or
    /// failed for good.
    pub deliveries: Vec<DeliveryStatus>,
    /// Why the endpoint was disabled, when this attempt disabled it.
    pub disabled: Option<String>,
}

/// Records attempts at endpoint `endpoint_id`'s deliveries, in the order made, and what
/// follows from each: the delivery succeeds, waits for its next attempt (`jitter`, from 0 to
/// 1, spreads the wait), or fails; the endpoint is healthy again, starts or goes on failing,
/// or is disabled (410 Gone at once, or after failing for three days). Returns
/// what became of each delivery, and the reason when the endpoint was disabled.
pub fn record_attempts(
    conn: &mut DbConnection,
    endpoint_id: i64,
    attempts: &[(webhooks::DeliveryRow, AttemptResult, f64)],
    schedule: &RetrySchedule,
) -> Result<Recorded, AppError> {
    let endpoint = webhooks::find_endpoint(conn, endpoint_id)?
        .ok_or_else(|| AppError::Internal(format!("webhook endpoint {endpoint_id} is gone")))?;
    let mut failing_since = endpoint.failing_since;
    let mut disabled = None;
    let mut made = Vec::with_capacity(attempts.len());
    let mut deliveries = Vec::with_capacity(attempts.len());
    for (delivery, result, jitter) in attempts {
        let verdict = match &result.error {
            Some(_) => Verdict::Retry,
            None => Verdict::of(result.status),
        };
        let now = result.attempted_at;
        let attempts = delivery.attempts + 1;
        let status_code = result.status.map(i32::from);
        made.push(NewAttempt {
            delivery_id: delivery.id,
            attempted_at: now,
            status_code,
            latency_ms: result.latency_ms,
            error: result.error.clone(),
            succeeded: verdict == Verdict::Delivered,
        });
        let next = match verdict {
            Verdict::Retry => usize::try_from(attempts)
                .ok()
                .and_then(|n| schedule.delay_before(n, *jitter))
                .and_then(|d| chrono::Duration::from_std(d).ok())
                .map(|d| now + d),
            Verdict::Delivered | Verdict::Gone => None,
        };
        let status = match (verdict, next) {
            (Verdict::Delivered, _) => DeliveryStatus::Succeeded,
            (Verdict::Retry, Some(_)) => DeliveryStatus::Pending,
            _ => DeliveryStatus::Failed,
        };
        deliveries.push(status);
        webhooks::record_outcome(
            conn,
            delivery.id,
            &DeliveryOutcome {
                status,
                attempts,
                next_attempt_at: next,
                last_status_code: status_code,
                last_latency_ms: Some(result.latency_ms),
                last_error: result.error.clone(),
            },
        )?;
        failing_since = match verdict {
            Verdict::Delivered => None,
            _ => Some(failing_since.unwrap_or(now)),
        };
        disabled = match (verdict, failing_since) {
            (Verdict::Gone, _) => Some(format!(
                "the receiver answered 410 Gone at {}",
                crate::domain::case::events::Instant(now).rfc3339()
            )),
            (_, Some(since)) if failing_too_long(since, now) => Some(format!(
                "every delivery failed from {} to {}",
                crate::domain::case::events::Instant(since).rfc3339(),
                crate::domain::case::events::Instant(now).rfc3339()
            )),
            _ => None,
        };
        if disabled.is_some() {
            break;
        }
    }
    webhooks::record_attempts(conn, &made)?;
    if failing_since != endpoint.failing_since {
        webhooks::set_failing_since(conn, endpoint.id, failing_since)?;
    }
    if let Some(reason) = &disabled {
        webhooks::disable(conn, endpoint.id, reason)?;
    }
    Ok(Recorded {
        deliveries,
        disabled,
    })
}

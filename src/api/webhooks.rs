//! Webhook endpoints (issue 12 §3): the complaints manager registers the CRM's, a partner its
//! own. Each gets the events it asked for, scoped as the feed is, signed as Standard Webhooks
//! says; its deliveries and their attempts are listed, and one can be sent again.

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::database::ApiDatabase;
use super::event_types::FeedTypeName;
use super::idempotency::{self, Created};
use super::json::JsonBody;
use super::validation::field_errors;
use super::{pagination, precondition, responses, rfc3339};
use crate::app::time::Now;
use crate::app::webhooks as use_case;
use crate::app::AppError;
use crate::auth::{Caller, Integrator};
use crate::db::webhooks::{
    self as store, AttemptRow, DeliveryListed, EndpointChanges, EndpointRow,
};
use crate::db::Database;
use crate::domain::case::Role;
use crate::domain::webhook::{AllowedTargets, DeliveryStatus};
use crate::error::{ApiError, FieldError};
use crate::jobs::webhooks::message_id;

/// An endpoint to register.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://crm.example.gov.uk/hooks/complaints",
    "event_types": ["case.created", "stage.acknowledged", "response.sent", "case.closed"],
    "description": "The CRM's case sync"
}))]
pub struct NewWebhookEndpoint {
    /// https, to a public address (plain http and other addresses only where
    /// `WEBHOOK_ALLOWED_TARGETS` lists them).
    #[validate(required(message = "is required"), length(max = 2000))]
    #[schema(value_type = String, max_length = 2000)]
    pub url: Option<String>,
    /// The event types to receive (see `GET /api/v1/event-types`); a partner may ask for
    /// public ones only.
    #[validate(required(message = "is required"))]
    #[schema(value_type = Vec<FeedTypeName>, min_items = 1)]
    pub event_types: Option<Vec<String>>,
    /// What it is for.
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub description: Option<String>,
}

/// A change to an endpoint: only the fields sent change.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enabled": false}))]
pub struct WebhookEndpointChange {
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    #[schema(value_type = Option<Vec<FeedTypeName>>, min_items = 1)]
    pub event_types: Option<Vec<String>>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// `false` disables the endpoint (nothing is sent to it, and events meanwhile are not
    /// kept for it), `true` enables it again.
    pub enabled: Option<bool>,
}

/// An endpoint.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookEndpoint {
    pub id: i64,
    pub url: String,
    #[schema(value_type = Vec<FeedTypeName>)]
    pub event_types: Vec<String>,
    pub description: String,
    /// `complaints_manager` (every event, internal ones too) or `partner` (public events of
    /// the cases it posted).
    pub owner_role: Role,
    pub enabled: bool,
    /// Why it is disabled: by whom, a 410 Gone, or three days of failures.
    pub disabled_reason: Option<String>,
    /// When the current run of failed attempts began.
    #[schema(format = DateTime)]
    pub failing_since: Option<String>,
    /// Until when the previous secret also signs, after a rotation.
    #[schema(format = DateTime)]
    pub previous_secret_expires_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// An endpoint with its signing secret: shown only when the endpoint is registered and when
/// the secret is rotated.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookEndpointWithSecret {
    #[serde(flatten)]
    pub endpoint: WebhookEndpoint,
    /// `whsec_` and the base64 key: sign-checking as Standard Webhooks says.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// A page of endpoints.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookEndpointPage {
    pub items: Vec<WebhookEndpoint>,
    pub next_cursor: Option<String>,
}

/// One attempt at a delivery.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookAttempt {
    #[schema(format = DateTime)]
    pub attempted_at: String,
    /// The receiver's answer, if it answered.
    pub status_code: Option<i32>,
    pub latency_ms: i64,
    /// Why there was no answer, or why it was not sent.
    pub error: Option<String>,
    pub succeeded: bool,
}

/// One event's delivery to an endpoint.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookDelivery {
    pub id: i64,
    /// The event (its id in the feed).
    pub event_id: i64,
    #[schema(value_type = FeedTypeName)]
    pub event_type: String,
    /// The `webhook-id` header: the same on every attempt and redelivery.
    #[schema(example = "evt_1042")]
    pub webhook_id: String,
    pub status: DeliveryStatus,
    pub attempt_count: i32,
    /// When the next attempt is due (pending deliveries).
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
    pub last_status_code: Option<i32>,
    pub last_latency_ms: Option<i64>,
    pub last_error: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Every attempt, oldest first.
    pub attempts: Vec<WebhookAttempt>,
}

/// A page of deliveries.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookDeliveryPage {
    pub items: Vec<WebhookDelivery>,
    pub next_cursor: Option<String>,
}

/// `?limit=&cursor=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1 to 200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    #[serde(default)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub cursor: Option<String>,
}

fn endpoint_view(row: &EndpointRow) -> WebhookEndpoint {
    WebhookEndpoint {
        id: row.id,
        url: row.url.clone(),
        event_types: row.types(),
        description: row.description.clone(),
        owner_role: row.owner_role,
        enabled: row.enabled,
        disabled_reason: row.disabled_reason.clone(),
        failing_since: row.failing_since.map(rfc3339),
        previous_secret_expires_at: row.previous_secret_expires_at.map(rfc3339),
        created_at: rfc3339(row.created_at),
    }
}

fn delivery_view((row, event_type): DeliveryListed, attempts: &[AttemptRow]) -> WebhookDelivery {
    WebhookDelivery {
        id: row.id,
        event_id: row.event_id,
        event_type,
        webhook_id: message_id(row.event_id),
        status: row.status,
        attempt_count: row.attempts,
        next_attempt_at: row.next_attempt_at.map(rfc3339),
        last_status_code: row.last_status_code,
        last_latency_ms: row.last_latency_ms,
        last_error: row.last_error,
        created_at: rfc3339(row.created_at),
        attempts: attempts
            .iter()
            .filter(|a| a.delivery_id == row.id)
            .map(|a| WebhookAttempt {
                attempted_at: rfc3339(a.attempted_at),
                status_code: a.status_code,
                latency_ms: a.latency_ms,
                error: a.error.clone(),
                succeeded: a.succeeded,
            })
            .collect(),
    }
}

fn etag(row: &EndpointRow) -> String {
    format!("\"{}\"", row.version)
}

/// A stale `If-Match` on an endpoint, in the endpoint's words.
fn stale(error: AppError) -> ApiError {
    match error {
        AppError::Stale { expected } => ApiError::PreconditionFailed(format!(
            "the webhook endpoint has changed since version {expected}; read it again and retry"
        )),
        other => other.into(),
    }
}

fn with_etag<T: Serialize>(row: &EndpointRow, body: &T) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(row)))
        .json(serde_json::to_value(body).map_err(ApiError::internal)?))
}

/// Checks a URL and event types sent, adding what is wrong to `errors`.
async fn checked_url(url: &str, allowed: &AllowedTargets, errors: &mut Vec<FieldError>) {
    if let Err(why) = use_case::resolve_target(url.trim(), allowed).await {
        errors.push(FieldError::new("url", why));
    }
}

fn role_of(caller: &Caller) -> Result<Role, ApiError> {
    use_case::owner_role(caller)
        .ok_or_else(|| ApiError::Forbidden("only complaints_manager or partner may do this".into()))
}

#[utoipa::path(
    tag = "webhooks",
    operation_id = "create_webhook_endpoint",
    description = "Roles: complaints_manager (an endpoint for the CRM: every event, internal ones \
                   included), partner (its own endpoint: the public events of the cases it posted).\n\n\
                   Registers an endpoint. The answer shows its `whsec_` signing secret, this once. \
                   Deliveries carry the Standard Webhooks headers `webhook-id` (the same on every \
                   retry), `webhook-timestamp` and `webhook-signature`. The URL must be https to a \
                   public address (checked again at each delivery). Send an `Idempotency-Key` so \
                   a retry cannot register it twice.",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body replay the first answer", min_length = 1, max_length = 255, pattern = "^[!-~]+$")
    ),
    request_body = NewWebhookEndpoint,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The endpoint, with its secret", body = WebhookEndpointWithSecret,
            headers(("Location" = String, description = "The endpoint"), ("ETag" = String, description = "Its version"))),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/webhook-endpoints")]
pub async fn create(
    req: HttpRequest,
    caller: Integrator,
    db: web::Data<Database>,
    now: web::Data<Now>,
    allowed: web::Data<AllowedTargets>,
    body: JsonBody<NewWebhookEndpoint>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key(&req)?;
    let fingerprint = body.fingerprint("POST /api/v1/webhook-endpoints");
    let new = body.value;
    let caller = caller.0;
    let role = role_of(&caller)?;
    let mut errors = match new.validate() {
        Ok(()) => Vec::new(),
        Err(report) => field_errors(&report),
    };
    let url = new.url.unwrap_or_default().trim().to_string();
    if !errors.iter().any(|e| e.field == "url") {
        checked_url(&url, &allowed, &mut errors).await;
    }
    let types = new
        .event_types
        .and_then(|types| use_case::event_types(&types, role, &mut errors));
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let types = types.unwrap_or_default();
    let description = new.description.unwrap_or_default().trim().to_string();
    let subject = caller.subject.clone();
    idempotency::create_once(&db, &subject, key, fingerprint, move |conn| {
        let row = use_case::register(
            conn,
            now.now(),
            &caller,
            role,
            url.clone(),
            &types,
            description.clone(),
        )?;
        let body = WebhookEndpointWithSecret {
            endpoint: endpoint_view(&row),
            secret: row.secret.clone(),
        };
        Ok(Created {
            location: format!("/api/v1/webhook-endpoints/{}", row.id),
            body: serde_json::to_string(&body).map_err(ApiError::internal)?,
            etag: Some(etag(&row)),
        })
    })
    .await
}

#[utoipa::path(
    tag = "webhooks",
    operation_id = "list_webhook_endpoints",
    description = "Roles: complaints_manager (every endpoint), partner (its own).\n\n\
                   Endpoints, newest first. Secrets are never shown here.",
    params(PageQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of endpoints", body = WebhookEndpointPage),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/webhook-endpoints")]
pub async fn list(
    caller: Integrator,
    db: web::Data<Database>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<WebhookEndpointPage>, ApiError> {
    let (limit, before) = pagination::page(
        query.limit.as_deref(),
        query.cursor.as_deref(),
        pagination::row_id,
    )?;
    let caller = caller.0;
    let owner = (role_of(&caller)? == Role::Partner).then(|| caller.subject.clone());
    let rows = db
        .read(move |conn| {
            Ok(store::list_endpoints(
                conn,
                owner.as_deref(),
                before,
                limit + 1,
            )?)
        })
        .await?;
    let (rows, next_cursor) = pagination::split_page(rows, limit, |e| e.id.to_string());
    Ok(web::Json(WebhookEndpointPage {
        items: rows.iter().map(endpoint_view).collect(),
        next_cursor,
    }))
}

#[utoipa::path(
    tag = "webhooks",
    operation_id = "get_webhook_endpoint",
    description = "Roles: complaints_manager (every endpoint), partner (its own).\n\n\
                   An endpoint, with its `ETag` for changes.",
    params(("id" = i64, Path, description = "The endpoint's id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The endpoint", body = WebhookEndpoint,
            headers(("ETag" = String, description = "Its version"))),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/webhook-endpoints/{id}")]
pub async fn get(
    caller: Integrator,
    db: web::Data<Database>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let id = id.into_inner();
    let row = db
        .read(move |conn| Ok(use_case::visible_endpoint(conn, &caller, id)?))
        .await?;
    with_etag(&row, &endpoint_view(&row))
}

#[utoipa::path(
    tag = "webhooks",
    operation_id = "change_webhook_endpoint",
    description = "Roles: complaints_manager (every endpoint), partner (its own).\n\n\
                   Changes an endpoint's URL, event types or description, or disables \
                   (`\"enabled\": false`: nothing is sent to it, and events meanwhile are not \
                   kept for it) or enables it again (deliveries still pending then resume). \
                   Needs `If-Match`.",
    params(
        ("id" = i64, Path, description = "The endpoint's id"),
        ("If-Match" = String, Header, description = "The endpoint's ETag")
    ),
    request_body = WebhookEndpointChange,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The endpoint, changed", body = WebhookEndpoint,
            headers(("ETag" = String, description = "Its new version"))),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 412, response = responses::PreconditionFailed),
        (status = 422, response = responses::ValidationFailed),
        (status = 428, response = responses::PreconditionRequired),
    )
)]
#[patch("/webhook-endpoints/{id}")]
pub async fn change(
    req: HttpRequest,
    caller: Integrator,
    db: web::Data<Database>,
    allowed: web::Data<AllowedTargets>,
    id: web::Path<i64>,
    body: JsonBody<WebhookEndpointChange>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let id = id.into_inner();
    let role = role_of(&caller)?;
    let change = body.value;
    let mut errors = match change.validate() {
        Ok(()) => Vec::new(),
        Err(report) => field_errors(&report),
    };
    let url = change.url.map(|u| u.trim().to_string());
    if let Some(url) = &url {
        if !errors.iter().any(|e| e.field == "url") {
            checked_url(url, &allowed, &mut errors).await;
        }
    }
    let types = match &change.event_types {
        Some(types) => use_case::event_types(types, role, &mut errors),
        None => None,
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let expected = precondition::expected_version(&req)?;
    let changes = EndpointChanges {
        url,
        event_types: types
            .map(|t| serde_json::to_string(&t))
            .transpose()
            .map_err(ApiError::internal)?,
        description: change.description.map(|d| d.trim().to_string()),
        enabled: change.enabled,
        ..EndpointChanges::default()
    };
    let row = db
        .write(move |conn| use_case::change(conn, &caller, id, expected, changes).map_err(stale))
        .await?;
    with_etag(&row, &endpoint_view(&row))
}

#[utoipa::path(
    tag = "webhooks",
    operation_id = "rotate_webhook_secret",
    description = "Roles: complaints_manager (every endpoint), partner (its own).\n\n\
                   Gives the endpoint a new signing secret, shown in the answer this once. For \
                   24 hours deliveries carry two signatures, by the new secret and the old, so \
                   the receiver can switch over. Needs `If-Match`.",
    params(
        ("id" = i64, Path, description = "The endpoint's id"),
        ("If-Match" = String, Header, description = "The endpoint's ETag")
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The endpoint, with its new secret", body = WebhookEndpointWithSecret,
            headers(("ETag" = String, description = "Its new version"))),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 412, response = responses::PreconditionFailed),
        (status = 428, response = responses::PreconditionRequired),
    )
)]
#[post("/webhook-endpoints/{id}/secret-rotation")]
pub async fn rotate_secret(
    req: HttpRequest,
    caller: Integrator,
    db: web::Data<Database>,
    now: web::Data<Now>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let id = id.into_inner();
    let expected = precondition::expected_version(&req)?;
    let row = db
        .write(move |conn| {
            use_case::rotate_secret(conn, now.now(), &caller, id, expected).map_err(stale)
        })
        .await?;
    with_etag(
        &row,
        &WebhookEndpointWithSecret {
            endpoint: endpoint_view(&row),
            secret: row.secret.clone(),
        },
    )
}

#[utoipa::path(
    tag = "webhooks",
    operation_id = "list_webhook_deliveries",
    description = "Roles: complaints_manager (every endpoint), partner (its own).\n\n\
                   The endpoint's deliveries, newest first, each with its status, its last \
                   answer and latency, when it is next tried, and every attempt.",
    params(("id" = i64, Path, description = "The endpoint's id"), PageQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of deliveries", body = WebhookDeliveryPage),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/webhook-endpoints/{id}/deliveries")]
pub async fn deliveries(
    caller: Integrator,
    db: web::Data<Database>,
    id: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<WebhookDeliveryPage>, ApiError> {
    let (limit, before) = pagination::page(
        query.limit.as_deref(),
        query.cursor.as_deref(),
        pagination::row_id,
    )?;
    let caller = caller.0;
    let id = id.into_inner();
    let (rows, attempts) = db
        .read(move |conn| {
            use_case::visible_endpoint(conn, &caller, id)?;
            let rows = store::deliveries_of(conn, id, before, limit + 1)?;
            let ids: Vec<i64> = rows.iter().map(|(d, _)| d.id).collect();
            let attempts = store::attempts_of(conn, &ids)?;
            Ok((rows, attempts))
        })
        .await?;
    let (rows, next_cursor) = pagination::split_page(rows, limit, |(d, _)| d.id.to_string());
    Ok(web::Json(WebhookDeliveryPage {
        items: rows
            .into_iter()
            .map(|row| delivery_view(row, &attempts))
            .collect(),
        next_cursor,
    }))
}

#[utoipa::path(
    tag = "webhooks",
    operation_id = "redeliver_webhook",
    description = "Roles: complaints_manager (every endpoint), partner (its own).\n\n\
                   Sends a delivery's event to the endpoint again, as a new delivery with the \
                   same `webhook-id` (a receiver that keeps the ids it has seen ignores it), \
                   due at once, with the attempts of the retry schedule.",
    params(
        ("id" = i64, Path, description = "The endpoint's id"),
        ("delivery" = i64, Path, description = "The delivery's id")
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 202, description = "The new delivery, pending", body = WebhookDelivery,
            headers(("Location" = String, description = "The endpoint's deliveries"))),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[post("/webhook-endpoints/{id}/deliveries/{delivery}/redelivery")]
pub async fn redeliver(
    caller: Integrator,
    db: web::Data<Database>,
    now: web::Data<Now>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let (id, delivery) = path.into_inner();
    let again = db
        .write(move |conn| Ok(use_case::redeliver(conn, now.now(), &caller, id, delivery)?))
        .await?;
    Ok(HttpResponse::Accepted()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/webhook-endpoints/{id}/deliveries"),
        ))
        .json(delivery_view(again, &[])))
}

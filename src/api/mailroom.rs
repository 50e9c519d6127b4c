//! The mail room over HTTP (issue 13 §4): GOV.UK Notify's delivery callbacks, what was sent
//! to a case's customer, and the messages waiting to be printed locally.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::cases::readable_case;
use super::database::ApiDatabase;
use super::{pagination, path_id, responses, rfc3339};
use crate::app;
use crate::app::mailroom::Reported;
use crate::app::time::Now;
use crate::auth::{ComplaintsManager, Staff};
use crate::config::Secret;
use crate::db::mailroom::{self as repo, MessageFilter, MessageRow};
use crate::db::Database;
use crate::domain::mailroom::{is_uuid, MessageChannel, MessageStatus, Provider};
use crate::error::{ApiError, FieldError};

/// The bearer token Notify's callbacks carry (`NOTIFY_CALLBACK_TOKEN`), if one is set.
#[derive(Debug, Clone)]
pub struct CallbackToken(pub Option<Secret>);

/// A delivery status callback, as GOV.UK Notify sends it. Fields Notify adds later are
/// ignored.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "740e5834-3a29-46b4-9a6f-16142fde533a",
    "reference": "CMP-2026-000042",
    "to": "alex@example.org",
    "status": "permanent-failure",
    "created_at": "2026-12-01T10:00:00.000000Z",
    "completed_at": "2026-12-01T10:05:00.000000Z",
    "sent_at": "2026-12-01T10:00:05.000000Z",
    "notification_type": "email",
    "template_id": "f33517ff-2a88-4f6e-b855-c550268ce08a",
    "template_version": 1
}))]
pub struct NotifyCallback {
    /// Notify's id for the notification (a UUID).
    #[schema(value_type = String, min_length = 36, max_length = 36)]
    pub id: Option<String>,
    /// The reference sent with it: the case reference.
    pub reference: Option<String>,
    /// The recipient (not stored from here).
    pub to: Option<String>,
    /// Notify's status: `delivered`, `permanent-failure`, `temporary-failure`,
    /// `technical-failure`, and for letters `accepted`, `received`, ...
    #[schema(value_type = String, min_length = 1, max_length = 100)]
    pub status: Option<String>,
    #[schema(value_type = Option<String>)]
    pub created_at: Option<String>,
    #[schema(value_type = Option<String>)]
    pub completed_at: Option<String>,
    #[schema(value_type = Option<String>)]
    pub sent_at: Option<String>,
    /// `email`, `sms` or `letter`.
    pub notification_type: Option<String>,
    pub template_id: Option<String>,
    pub template_version: Option<i64>,
}

fn callback_caller(req: &HttpRequest, token: &CallbackToken) -> Result<(), ApiError> {
    let refused = |detail: &str, sent: bool| ApiError::Unauthorized {
        detail: detail.to_string(),
        token_sent: sent,
    };
    let sent = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(expected) = &token.0 else {
        return Err(refused(
            "Notify callbacks are not configured (NOTIFY_CALLBACK_TOKEN)",
            sent.is_some(),
        ));
    };
    let Some(sent) = sent else {
        return Err(refused("send Notify's callback bearer token", false));
    };
    // Compared as digests: the time taken says nothing of how much of the token was right.
    use sha2::Digest;
    if sha2::Sha256::digest(sent.as_bytes()) != sha2::Sha256::digest(expected.expose().as_bytes()) {
        return Err(refused(
            "the callback token is not the one given to Notify",
            true,
        ));
    }
    Ok(())
}

#[utoipa::path(
    tag = "mailroom",
    operation_id = "receive_notify_callback",
    description = "Roles: GOV.UK Notify, with the bearer token `NOTIFY_CALLBACK_TOKEN` (not a JWT).\n\n\
                   A delivery status callback for a message sent through Notify. The status goes on \
                   the message and, when it is final, on the case's timeline \
                   (`correspondence_delivered`, `correspondence_failed`, `correspondence_returned`); \
                   a failure puts the case in `GET /api/v1/cases?correspondence=failed`. The same \
                   callback twice changes nothing. A notification this service did not send (yet) \
                   is 404, so Notify calls back again.",
    request_body = NotifyCallback,
    security(("notify_callback_token" = [])),
    responses(
        (status = 204, description = "Recorded, or already known"),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 404, response = responses::NotFound),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/notify/callbacks")]
pub async fn notify_callback(
    req: HttpRequest,
    token: web::Data<CallbackToken>,
    db: web::Data<Database>,
    now: web::Data<Now>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    callback_caller(&req, &token)?;
    let callback: NotifyCallback = super::json::parse(&body)?.value;
    let mut errors = Vec::new();
    let id = callback.id.unwrap_or_default();
    if !is_uuid(&id) {
        errors.push(FieldError::new(
            "id",
            "must be Notify's notification id, a UUID",
        ));
    }
    let status = callback.status.unwrap_or_default();
    if status.trim().is_empty() || status.len() > 100 {
        errors.push(FieldError::new(
            "status",
            "must be Notify's status, 1 to 100 characters",
        ));
    }
    let completed_at = match callback.completed_at.as_deref() {
        None | Some("") => None,
        Some(text) => {
            let parsed = crate::jobs::mailroom::notify::notify_instant(text)
                .filter(|at| crate::domain::dates::plausible_instant(*at));
            if parsed.is_none() {
                errors.push(FieldError::new(
                    "completed_at",
                    "must be an RFC 3339 instant",
                ));
            }
            parsed
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let reported = Reported {
        status: status.trim().to_string(),
        completed_at,
    };
    let known = db
        .write(move |conn| Ok(app::mailroom::callback(conn, now.now(), &id, &reported)?))
        .await?;
    match known {
        Some(_) => Ok(HttpResponse::NoContent().finish()),
        None => Err(ApiError::NotFound(
            "no message sent through Notify has that id".into(),
        )),
    }
}

/// A message to a customer, as staff see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 7, "case": "CMP-2026-000042", "letter": null, "channel": "email", "provider": "smtp",
    "recipient": "alex@example.org", "subject": "Your complaint CMP-2026-000042",
    "status": "sent", "provider_status": null, "attempts": 1, "last_error": null,
    "created_at": "2026-12-01T10:00:00Z", "sent_at": "2026-12-01T10:00:01Z",
    "completed_at": null, "next_attempt_at": null
}))]
pub struct OutgoingMessageView {
    pub id: i64,
    /// The case reference.
    pub case: String,
    /// The letter it carries, when written from a template.
    pub letter: Option<i64>,
    pub channel: MessageChannel,
    pub provider: Provider,
    /// The email address, phone number or address block.
    pub recipient: String,
    pub subject: String,
    pub status: MessageStatus,
    /// The provider's own word for where it stands (Notify's `delivered`, ...).
    pub provider_status: Option<String>,
    pub attempts: i32,
    pub last_error: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub sent_at: Option<String>,
    #[schema(format = DateTime)]
    pub completed_at: Option<String>,
    /// When the jobs next look at it: its next attempt, or its next question to Notify.
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
}

/// A page of messages.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutgoingMessageList {
    pub items: Vec<OutgoingMessageView>,
    pub next_cursor: Option<String>,
}

fn view(row: MessageRow, reference: String) -> OutgoingMessageView {
    OutgoingMessageView {
        id: row.id,
        case: reference,
        letter: row.letter_id,
        channel: row.channel,
        provider: row.provider,
        recipient: row.recipient,
        subject: row.subject,
        status: row.status,
        provider_status: row.provider_status,
        attempts: row.attempts,
        last_error: row.last_error,
        created_at: rfc3339(row.created_at),
        sent_at: row.sent_at.map(rfc3339),
        completed_at: row.completed_at.map(rfc3339),
        next_attempt_at: row.next_attempt_at.map(rfc3339),
    }
}

fn page(rows: Vec<(MessageRow, String)>, limit: i64) -> OutgoingMessageList {
    let (rows, next_cursor) = pagination::split_page(rows, limit, |(m, _)| m.id.to_string());
    OutgoingMessageList {
        items: rows.into_iter().map(|(m, r)| view(m, r)).collect(),
        next_cursor,
    }
}

/// Paging a case's messages.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseMessagesQuery {
    /// 1 to 200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    #[serde(default)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub cursor: Option<String>,
}

#[utoipa::path(
    tag = "mailroom",
    operation_id = "list_case_outgoing_messages",
    description = "Roles: investigating_officer and head_of_service of the case's lead or a contributing service, \
                   complaints_manager.\n\n\
                   Every message sent (or being sent, or waiting to be printed) to the case's customer, newest first.",
    params(("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"), CaseMessagesQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of messages", body = OutgoingMessageList),
        (status = 400, description = "A cursor this list did not give out (`/problems/invalid-cursor`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/cases/{reference}/outgoing-messages")]
pub async fn list_for_case(
    req: actix_web::HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    reference: web::Path<String>,
    query: web::Query<CaseMessagesQuery>,
) -> Result<web::Json<OutgoingMessageList>, ApiError> {
    let (limit, before) = pagination::page(
        query.limit.as_deref(),
        query.cursor.as_deref(),
        pagination::row_id,
    )?;
    let caller = staff.0;
    let reference = reference.into_inner();
    let reader = caller.clone();
    let (rows, reference) = db
        .read(move |conn| {
            let case = readable_case(conn, &reference, &reader)?;
            let filter = MessageFilter {
                case_id: Some(case.id),
                before,
                ..MessageFilter::default()
            };
            Ok((repo::list(conn, &filter, limit + 1)?, case.reference))
        })
        .await?;
    super::access_log::record(
        &req,
        &caller,
        [crate::domain::access_log::Read::case(reference)],
    );
    Ok(web::Json(page(rows, limit)))
}

/// Filters on every message.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessagesQuery {
    /// `print` lists what waits to be printed locally (with `status=pending`).
    #[param(value_type = Option<Provider>)]
    #[serde(default)]
    pub provider: Option<String>,
    #[param(value_type = Option<MessageStatus>)]
    #[serde(default)]
    pub status: Option<String>,
    /// 1 to 200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    #[serde(default)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub cursor: Option<String>,
}

#[utoipa::path(
    tag = "mailroom",
    operation_id = "list_outgoing_messages",
    description = "Roles: complaints_manager.\n\n\
                   Messages to customers across every case, newest first. \
                   `?provider=print&status=pending` is the local print queue.",
    params(MessagesQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of messages", body = OutgoingMessageList),
        (status = 400, description = "A cursor this list did not give out (`/problems/invalid-cursor`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/outgoing-messages")]
pub async fn list(
    req: actix_web::HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    query: web::Query<MessagesQuery>,
) -> Result<web::Json<OutgoingMessageList>, ApiError> {
    let query = query.into_inner();
    let mut errors = Vec::new();
    let provider = query.provider.as_deref().and_then(|raw| {
        let parsed = Provider::parse(raw);
        if parsed.is_none() {
            errors.push(FieldError::new(
                "provider",
                format!("must be one of {}", Provider::expected()),
            ));
        }
        parsed
    });
    let status = query.status.as_deref().and_then(|raw| {
        let parsed = MessageStatus::parse(raw);
        if parsed.is_none() {
            errors.push(FieldError::new(
                "status",
                format!("must be one of {}", MessageStatus::expected()),
            ));
        }
        parsed
    });
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let (limit, before) = pagination::page(
        query.limit.as_deref(),
        query.cursor.as_deref(),
        pagination::row_id,
    )?;
    let filter = MessageFilter {
        case_id: None,
        provider,
        status,
        before,
    };
    let rows = db
        .read(move |conn| Ok(repo::list(conn, &filter, limit + 1)?))
        .await?;
    let page = page(rows, limit);
    // A message is a letter to a case's customer: one read of each case the page showed.
    super::access_log::record(
        &req,
        &manager.0,
        crate::domain::access_log::Read::cases(page.items.iter().map(|m| m.case.as_str())),
    );
    Ok(web::Json(page))
}

#[utoipa::path(
    tag = "mailroom",
    operation_id = "record_printing",
    description = "Roles: complaints_manager.\n\n\
                   Records that a message waiting to be printed locally was printed and posted: it \
                   becomes `printed` and the case's timeline says it was sent.",
    params(("id" = i64, Path, description = "The message's id", minimum = 1, example = 7)),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The message, printed", body = OutgoingMessageView),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
    )
)]
#[post("/outgoing-messages/{id}/printing")]
pub async fn record_printing(
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    id: web::Path<String>,
) -> Result<web::Json<OutgoingMessageView>, ApiError> {
    let id = path_id(&id, "message")?;
    let caller = manager.0;
    let (row, reference) = db
        .write(move |conn| {
            let row = app::mailroom::mark_printed(conn, now.now(), &caller, id)?;
            let reference = repo::find_with_reference(conn, row.id)?
                .map(|(_, r)| r)
                .unwrap_or_default();
            Ok((row, reference))
        })
        .await?;
    Ok(web::Json(view(row, reference)))
}

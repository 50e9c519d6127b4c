//! The access audit over HTTP (issue 15 §5): handlers say what they read ([`record`]); the
//! [`journal_reads`] middleware journals those reads of every answer that gave data (2xx)
//! before the answer leaves; the complaints manager reads them back at
//! `GET /cases/{reference}/access-log` and `GET /people/{id}/access-log`.
//!
//! A list records one row per item it returned (`GET /cases`: each case; `GET /people`: each
//! person), and a list of cases' parts (`GET /remedies`, `GET /outgoing-messages`) or of
//! people's (the subject-access work queue) one row per case or person it showed, however
//! many of its items are theirs ([`Read::cases`], [`Read::people`]): the log of a case then
//! shows every time its data left the service, listed or opened. A case's parts (timeline,
//! notes, the lists of its documents and letters, its messages, its possible duplicates, its
//! legal holds and retention) record a read of the case; a person's (their legal holds,
//! erasure and subject-access requests, as restrictions and adjustments) a read of the person;
//! a document's content and a letter record their own kind, naming the case.

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{get, web, HttpMessage, HttpRequest, ResponseError};
use chrono::{DateTime, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::database::ApiDatabase;
use super::{pagination, responses, rfc3339};
use crate::app::access_journal::AccessJournal;
use crate::app::time::Now;
use crate::auth::{AnyCaller, Caller};
use crate::db::access_log::{self as repo, AccessLogRow};
use crate::db::Database;
use crate::domain::access_log::{AccessRecord, Read, ReadKind};
use crate::domain::case::Role;
use crate::error::ApiError;
use crate::request_context::RequestId;

/// The reads a handler answered, waiting in the request for [`journal_reads`].
struct AuditedReads {
    caller: Caller,
    reads: Vec<Read>,
}

/// Says that this request read `reads` as `caller`: journalled if, and only if, the answer is
/// a success. Nothing is kept when the audit is off (`ACCESS_AUDIT=off`, for benchmarks).
pub fn record(req: &HttpRequest, caller: &Caller, reads: impl IntoIterator<Item = Read>) {
    if req.app_data::<web::Data<AccessJournal>>().is_none() {
        return;
    }
    let mut extensions = req.extensions_mut();
    match extensions.get_mut::<AuditedReads>() {
        Some(audited) => audited.reads.extend(reads),
        None => {
            extensions.insert(AuditedReads {
                caller: caller.clone(),
                reads: reads.into_iter().collect(),
            });
        }
    }
}

/// The middleware: journals the reads of a successful answer before it leaves. A read that
/// cannot be journalled is not answered (503): the audit never misses a read that was.
pub async fn journal_reads(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(req).await?.map_into_boxed_body();
    if !response.status().is_success() {
        return Ok(response);
    }
    let Some(audited) = response.request().extensions_mut().remove::<AuditedReads>() else {
        return Ok(response);
    };
    let request = response.request();
    let Some(journal) = request.app_data::<web::Data<AccessJournal>>() else {
        return Ok(response);
    };
    let at = request
        .app_data::<web::Data<Now>>()
        .map(|now| now.now())
        .unwrap_or_else(crate::db::now);
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone())
        .unwrap_or_default();
    let route = request
        .match_pattern()
        .unwrap_or_else(|| request.path().to_string());
    let records = records(audited, at, &request_id, &route, response.status().as_u16());
    match journal.append(&records) {
        Ok(()) => Ok(response),
        Err(e) => {
            log::error!("access journal: a read could not be journalled, and is refused: {e}");
            let (req, _) = response.into_parts();
            let refused =
                ApiError::Unavailable("the access audit cannot be written".into()).error_response();
            Ok(ServiceResponse::new(req, refused))
        }
    }
}

fn records(
    audited: AuditedReads,
    at: NaiveDateTime,
    request_id: &str,
    route: &str,
    status: u16,
) -> Vec<AccessRecord> {
    let roles = audited
        .caller
        .roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",");
    audited
        .reads
        .into_iter()
        .map(|read| AccessRecord {
            record_id: uuid::Uuid::new_v4().simple().to_string(),
            occurred_at: at,
            actor_subject: audited.caller.subject.clone(),
            actor_roles: roles.clone(),
            client_id: audited.caller.client_id.clone(),
            request_id: request_id.to_string(),
            kind: read.kind,
            case_reference: read.case_reference,
            person_id: read.person_id,
            item_id: read.item_id,
            route: route.to_string(),
            status,
        })
        .collect()
}

/// Who read.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccessActor {
    /// The token's `sub`.
    pub subject: String,
    /// The token's roles.
    pub roles: Vec<Role>,
    /// The token's `azp` (or `client_id`): the application used, when the token names one.
    pub client_id: Option<String>,
}

/// One answered read.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 7, "occurred_at": "2026-12-06T09:30:00.123456Z",
    "actor": {"subject": "officer-17", "roles": ["investigating_officer"], "client_id": "crm"},
    "request_id": "0b9c3d1e-5f0a-4c4e-9d1b-2f1e8a7c6b5d", "kind": "case",
    "case_reference": "CMP-2026-000042", "person_id": null, "item_id": null,
    "route": "/api/v1/cases/{reference}", "status": 200
}))]
pub struct AccessEntry {
    pub id: i64,
    #[schema(format = DateTime)]
    pub occurred_at: String,
    pub actor: AccessActor,
    /// The request's `X-Request-Id`.
    pub request_id: String,
    pub kind: ReadKind,
    pub case_reference: Option<String>,
    pub person_id: Option<i64>,
    /// The document's, letter's or subject-access request's id.
    pub item_id: Option<i64>,
    /// The route read, as its pattern.
    pub route: String,
    pub status: u16,
}

/// A page of the access log, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccessLog {
    pub items: Vec<AccessEntry>,
    pub next_cursor: Option<String>,
}

/// Paging of the access log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessLogQuery {
    /// 1 to 200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    #[serde(default)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub cursor: Option<String>,
}

fn entry(row: AccessLogRow) -> AccessEntry {
    AccessEntry {
        id: row.id,
        occurred_at: rfc3339(row.occurred_at),
        actor: AccessActor {
            subject: row.actor_subject,
            roles: row.actor_roles.split(',').filter_map(Role::parse).collect(),
            client_id: row.client_id,
        },
        request_id: row.request_id,
        kind: row.kind,
        case_reference: row.case_reference,
        person_id: row.person_id,
        item_id: row.item_id,
        route: row.route,
        status: u16::try_from(row.status).unwrap_or(200),
    }
}

fn position(raw: &str) -> Option<(NaiveDateTime, i64)> {
    let (micros, id) = raw.split_once('|')?;
    let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
    crate::domain::dates::plausible_instant(at).then_some((at, pagination::row_id(id)?))
}

/// Everything this instance journalled is written into the table first, so the log shows
/// every read it answered up to now (other instances' within their flusher's gather time).
async fn flushed(req: &HttpRequest, db: &Database) -> Result<(), ApiError> {
    let Some(journal) = req.app_data::<web::Data<AccessJournal>>() else {
        return Ok(());
    };
    let journal: Arc<AccessJournal> = journal.clone().into_inner();
    let db = db.clone();
    web::block(move || journal.flush(&db))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::Unavailable(format!("the access log cannot be read now: {e}")))?;
    Ok(())
}

fn page(rows: Vec<AccessLogRow>, limit: i64) -> AccessLog {
    let (rows, next_cursor) = pagination::split_page(rows, limit, |row| {
        format!(
            "{}|{}",
            row.occurred_at.and_utc().timestamp_micros(),
            row.id
        )
    });
    AccessLog {
        items: rows.into_iter().map(entry).collect(),
        next_cursor,
    }
}

/// Only the complaints manager reads the access log; anyone else who may see the case or
/// person is refused (403), anyone who may not is told nothing is there (404).
fn manager_only(caller: &Caller) -> Result<(), ApiError> {
    if caller.has(Role::ComplaintsManager) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the complaints_manager role reads the access log".into(),
        ))
    }
}

#[utoipa::path(
    tag = "cases",
    operation_id = "get_case_access_log",
    description = "Roles: complaints_manager. Others who may read the case are refused (403); \
                   a case the caller may not see is answered 404.\n\n\
                   Who read the case and when, newest first: every answered read of the case, \
                   its parts (timeline, notes, lists of its documents and letters, messages, \
                   possible duplicates), its documents' content and its letters, and each time \
                   it was listed in `GET /cases` (one row per case listed). Each row names the \
                   caller's `sub`, roles and client (`azp`), the request id and the route. \
                   Append-only: no operation changes or removes a row.",
    params(("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"), AccessLogQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of the case's access log", body = AccessLog),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 422, response = responses::ValidationFailed),
        (status = 503, response = responses::Unavailable),
    )
)]
#[get("/cases/{reference}/access-log")]
pub async fn for_case(
    req: HttpRequest,
    caller: AnyCaller,
    db: web::Data<Database>,
    reference: web::Path<String>,
    query: web::Query<AccessLogQuery>,
) -> Result<web::Json<AccessLog>, ApiError> {
    let query = query.into_inner();
    let (limit, after) =
        pagination::page(query.limit.as_deref(), query.cursor.as_deref(), position)?;
    let reference = reference.into_inner();
    let caller = caller.0;
    let case_reference = {
        let caller = caller.clone();
        db.read(move |conn| {
            let case = crate::app::cases::find(conn, &reference, &caller, true)?;
            Ok(case.reference)
        })
        .await?
    };
    manager_only(&caller)?;
    flushed(&req, &db).await?;
    let rows = db
        .read(move |conn| Ok(repo::for_case(conn, &case_reference, after, limit + 1)?))
        .await?;
    Ok(web::Json(page(rows, limit)))
}

#[utoipa::path(
    tag = "people",
    operation_id = "get_person_access_log",
    description = "Roles: complaints_manager. Others who may see the person are refused (403); \
                   a person the caller may not see is answered 404.\n\n\
                   Who read this person's data and when, newest first: reads of their record \
                   (and its cases, restrictions and adjustments lists), their subject-access \
                   exports, and every read of the cases they are now the customer or \
                   representative on. Append-only: no operation changes or removes a row.",
    params(("id" = i64, Path, description = "The person's id", minimum = 1, example = 812), AccessLogQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of the person's access log", body = AccessLog),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 422, response = responses::ValidationFailed),
        (status = 503, response = responses::Unavailable),
    )
)]
#[get("/people/{id}/access-log")]
pub async fn for_person(
    req: HttpRequest,
    caller: AnyCaller,
    db: web::Data<Database>,
    id: web::Path<String>,
    query: web::Query<AccessLogQuery>,
) -> Result<web::Json<AccessLog>, ApiError> {
    let id = super::path_id(&id.into_inner(), "person")?;
    let query = query.into_inner();
    let (limit, after) =
        pagination::page(query.limit.as_deref(), query.cursor.as_deref(), position)?;
    let caller = caller.0;
    {
        let caller = caller.clone();
        db.read(move |conn| Ok(crate::app::people::find(conn, &caller, id)?))
            .await?;
    }
    manager_only(&caller)?;
    flushed(&req, &db).await?;
    let rows = db
        .read(move |conn| Ok(repo::for_person(conn, id, after, limit + 1)?))
        .await?;
    Ok(web::Json(page(rows, limit)))
}

//! Ownership (SPEC §3): one service leads a case and gives its one response;
//! other services may contribute. The complaints manager moves the lead and
//! names the contributors.

use actix_web::{delete, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cases::{case_response, reload_after_change, Case};
use super::database::ApiDatabase;
use super::json::JsonBody;
use super::validation::{field_errors, not_blank};
use super::{precondition, responses};
use crate::app::time::Now;
use crate::app::{self};
use crate::auth::{Caller, ComplaintsManager};
use crate::db::Database;
use crate::error::ApiError;

/// A new lead service for the case.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"service": "highways", "reason": "The complaint is about the resurfacing works, not the bin round"}))]
pub struct LeadServiceChange {
    /// The service id that now leads.
    #[validate(required(message = "is required"), custom(function = "not_blank"))]
    #[schema(value_type = String, min_length = 1)]
    pub service: Option<String>,
    /// Why the lead moves: recorded on the timeline.
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 2000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
}

/// A service to contribute to the case's response.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"service": "highways"}))]
pub struct Contributor {
    #[validate(required(message = "is required"), custom(function = "not_blank"))]
    #[schema(value_type = String, min_length = 1)]
    pub service: Option<String>,
}

#[utoipa::path(
    tag = "cases",
    operation_id = "change_lead_service",
    description = "Roles: complaints_manager.\n\n\
                   Hands the case to another lead service, with the reason. Staff of the new \
                   service can then act on it; the old service's staff no longer see it unless \
                   it is made a contributor. A service that was contributing and becomes the \
                   lead stops being a contributor. Refused (409) for a closed or withdrawn case. \
                   Needs `If-Match`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body = LeadServiceChange,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case", body = Case, headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/lead-service")]
pub async fn change_lead(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: JsonBody<LeadServiceChange>,
) -> Result<HttpResponse, ApiError> {
    let change = body.value;
    if let Err(report) = change.validate() {
        return Err(ApiError::Validation(field_errors(&report)));
    }
    let service = change.service.unwrap_or_default().trim().to_string();
    let reason = change.reason.unwrap_or_default().trim().to_string();
    let caller: Caller = manager.0;
    let reference = reference.into_inner();
    let expected = precondition::expected_version(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let case = app::ownership::change_lead(
                conn,
                now.now(),
                &caller,
                &reference,
                expected,
                &service,
                &reason,
            )?;
            reload_after_change(conn, case, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

#[utoipa::path(
    tag = "cases",
    operation_id = "add_contributing_service",
    description = "Roles: complaints_manager.\n\n\
                   Adds a service that contributes to the case's one response. Its officers and \
                   Head of Service can then read the case, its timeline and notes, and add \
                   notes; only the lead service acts on the case. Needs `If-Match`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body = Contributor,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case", body = Case, headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/contributing-services")]
pub async fn add_contributor(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: JsonBody<Contributor>,
) -> Result<HttpResponse, ApiError> {
    if let Err(report) = body.value.validate() {
        return Err(ApiError::Validation(field_errors(&report)));
    }
    let service = body
        .value
        .service
        .clone()
        .unwrap_or_default()
        .trim()
        .to_string();
    let caller = manager.0;
    let reference = reference.into_inner();
    let expected = precondition::expected_version(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let case = app::ownership::add_contributor(
                conn,
                now.now(),
                &caller,
                &reference,
                expected,
                &service,
            )?;
            reload_after_change(conn, case, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

#[utoipa::path(
    tag = "cases",
    operation_id = "remove_contributing_service",
    description = "Roles: complaints_manager.\n\n\
                   Stops a service contributing to the case: its staff no longer see it. \
                   Needs `If-Match`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("service" = String, Path, description = "The contributing service's id", example = "highways"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case", body = Case, headers(("ETag" = String, description = "The case's new version"))),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed),
        (status = 428, response = responses::PreconditionRequired),
    )
)]
#[delete("/cases/{reference}/contributing-services/{service}")]
pub async fn remove_contributor(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (reference, service) = path.into_inner();
    let caller = manager.0;
    let expected = precondition::expected_version(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let case = app::ownership::remove_contributor(
                conn,
                now.now(),
                &caller,
                &reference,
                expected,
                &service,
            )?;
            reload_after_change(conn, case, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

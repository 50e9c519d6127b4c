//! Withdrawal, closure and reopening (SPEC §5).

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cases::{case_response, reload_after_change, Case};
use super::database::ApiDatabase;
use super::json::{JsonBody, OptionalJson};
use super::validation::{field_errors, not_blank};
use super::{precondition, responses};
use crate::app::lifecycle;
use crate::app::time::Now;
use crate::auth::{ComplaintsManager, NotPartner, Senior};
use crate::db::Database;
use crate::domain::case::Role;
use crate::domain::survey::SurveyPolicy;
use crate::error::{ApiError, FieldError};

/// Why: optional for a withdrawal or closure, required to reopen.
#[derive(Debug, Clone, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The customer says the bin has been collected and they are happy"}))]
pub struct Reason {
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// A closure: an optional note, and the complaints manager's reason for closing while a
/// promised remedy is still outstanding.
#[derive(Debug, Clone, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Stage 1 answered; no request for stage 2"}))]
pub struct Closure {
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
    /// Complaints manager only: why the case closes while a promised remedy is neither done
    /// nor reported undeliverable.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub outstanding_remedies_reason: Option<String>,
}

fn reason_of(body: OptionalJson<Reason>) -> Result<Option<String>, ApiError> {
    let reason = body.0.unwrap_or_default();
    if let Err(report) = reason.validate() {
        return Err(ApiError::Validation(field_errors(&report)));
    }
    Ok(trimmed(reason.reason))
}

fn trimmed(text: Option<String>) -> Option<String> {
    text.map(|r| r.trim().to_string()).filter(|r| !r.is_empty())
}

#[utoipa::path(
    tag = "cases",
    operation_id = "withdraw_case",
    description = "Roles: customer (own case), investigating_officer, head_of_service and \
                   complaints_manager on the customer's behalf.\n\n\
                   Withdraws feedback that is still being handled. Needs `If-Match`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body(content = Option<Reason>, description = "Optional: why"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case, withdrawn", body = Case,
            headers(("ETag" = String, description = "The case's new version"))),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed),
        (status = 422, response = responses::ValidationFailed),
        (status = 428, response = responses::PreconditionRequired),
    )
)]
#[post("/cases/{reference}/withdrawal")]
pub async fn withdraw(
    req: HttpRequest,
    caller: NotPartner,
    db: web::Data<Database>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: OptionalJson<Reason>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let reason = reason_of(body)?;
    let reference = reference.into_inner();
    let expected = precondition::expected_version(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let changed =
                lifecycle::withdraw(conn, now.now(), &caller, &reference, expected, reason)?;
            reload_after_change(conn, changed, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

#[utoipa::path(
    tag = "cases",
    operation_id = "close_case",
    description = "Roles: head_of_service of the case's service, complaints_manager.\n\n\
                   Closes a case whose handling is over: withdrawn; triaged out (informal \
                   resolution, service request, exclusion, outside remit, out of time); a \
                   compliment or comment once passed to its service, replied to if the customer \
                   asked, and for a comment with what was done recorded; or a complaint whose last response was sent and \
                   whose window for asking for stage 2 has passed (or that had its stage 2 \
                   response). While a promised remedy is neither done nor reported \
                   undeliverable, only the complaints manager closes it, giving \
                   `outstanding_remedies_reason`. A complaint closed at stage 1 or 2 invites \
                   its customer to the satisfaction survey about that stage's handling (once \
                   per stage: see `GET /api/v1/surveys/{token}`), an internal \
                   `survey_invited` event. Needs `If-Match`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body(content = Option<Closure>, description = "Optional: a note on the closure"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case, closed", body = Case,
            headers(("ETag" = String, description = "The case's new version"))),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed),
        (status = 422, response = responses::ValidationFailed),
        (status = 428, response = responses::PreconditionRequired),
    )
)]
#[post("/cases/{reference}/closure")]
pub async fn close(
    req: HttpRequest,
    caller: Senior,
    db: web::Data<Database>,
    now: web::Data<Now>,
    survey: web::Data<SurveyPolicy>,
    reference: web::Path<String>,
    body: OptionalJson<Closure>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let closure = body.0.unwrap_or_default();
    if let Err(report) = closure.validate() {
        return Err(ApiError::Validation(field_errors(&report)));
    }
    let reason = trimmed(closure.reason);
    let outstanding_reason = trimmed(closure.outstanding_remedies_reason);
    if outstanding_reason.is_some() && !caller.has(Role::ComplaintsManager) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "outstanding_remedies_reason",
            "only the complaints manager closes a case with remedies outstanding",
        )]));
    }
    let reference = reference.into_inner();
    let expected = precondition::expected_version(&req)?;
    let letters = super::letters::templates(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let closure = lifecycle::Closure {
                reason,
                outstanding_remedies_reason: outstanding_reason,
            };
            let changed = lifecycle::close(
                conn,
                **survey,
                &letters,
                now.now(),
                &caller,
                &reference,
                expected,
                closure,
            )?;
            reload_after_change(conn, changed, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

/// The reason to reopen: required.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The customer has sent new evidence within a reasonable time"}))]
pub struct Reopening {
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 2000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
}

#[utoipa::path(
    tag = "cases",
    operation_id = "reopen_case",
    description = "Roles: complaints_manager.\n\n\
                   Reopens a closed or withdrawn case, with the reason: a complaint with \
                   stages goes back to its current stage, anything else back to triage. \
                   Needs `If-Match`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body = Reopening,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case, reopened", body = Case,
            headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/reopening")]
pub async fn reopen(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: JsonBody<Reopening>,
) -> Result<HttpResponse, ApiError> {
    if let Err(report) = body.value.validate() {
        return Err(ApiError::Validation(field_errors(&report)));
    }
    let reason = body.value.reason.clone().map(|r| r.trim().to_string());
    let caller = manager.0;
    let reference = reference.into_inner();
    let expected = precondition::expected_version(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let changed =
                lifecycle::reopen(conn, now.now(), &caller, &reference, expected, reason)?;
            reload_after_change(conn, changed, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

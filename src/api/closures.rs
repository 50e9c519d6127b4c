//! Withdrawal, closure and reopening (SPEC §5).

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cases::{case_response, record_event, reload_after_change, visible_case, Case};
use super::database::ApiDatabase;
use super::json::{JsonBody, OptionalJson};
use super::validation::{field_errors, not_blank};
use super::{precondition, responses};
use crate::auth::{AnyCaller, Caller, ComplaintsManager, Staff};
use crate::db::{self, cases, stages, Database, DbConnection};
use crate::domain::case::{Kind, Role, Stage, Status, Visibility};
use crate::domain::clock::uk_date;
use crate::domain::feedback::Step;
use crate::domain::remedy::RemedyStatus;
use crate::error::{ApiError, FieldError};

/// Why: optional for a withdrawal or closure, required to reopen.
#[derive(Debug, Clone, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The customer says the bin has been collected and they are happy"}))]
pub struct Reason {
    #[validate(length(max = 2000))]
    pub reason: Option<String>,
}

/// A closure: an optional note, and the complaints manager's reason for closing while a
/// promised remedy is still outstanding.
#[derive(Debug, Clone, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Stage 1 answered; no request for stage 2"}))]
pub struct Closure {
    #[validate(length(max = 2000))]
    pub reason: Option<String>,
    /// Complaints manager only: why the case closes while a promised remedy is neither done
    /// nor reported undeliverable.
    #[validate(length(max = 2000))]
    pub outstanding_remedies_reason: Option<String>,
}

/// Records a change of status with its event, and answers with the case.
/// `allowed` checks the move and gives what else the event records.
#[allow(clippy::too_many_arguments)]
fn move_to(
    conn: &mut DbConnection,
    reference: &str,
    caller: &Caller,
    expected: i32,
    status: Status,
    event_type: &str,
    reason: Option<String>,
    allowed: impl Fn(
        &mut DbConnection,
        &crate::db::cases::CaseRow,
    ) -> Result<serde_json::Map<String, serde_json::Value>, ApiError>,
) -> Result<(Case, String), ApiError> {
    let case = visible_case(conn, reference, caller)?;
    precondition::check(&case, expected)?;
    let mut details = allowed(conn, &case)?;
    let now = db::now();
    precondition::claim(conn, &case, expected, now)?;
    cases::set_status(conn, case.id, status.as_str())?;
    details.insert("from".into(), case.status.clone().into());
    details.insert("to".into(), status.as_str().into());
    details.insert("reason".into(), reason.into());
    record_event(
        conn,
        case.id,
        caller,
        event_type,
        Visibility::Public,
        now,
        serde_json::Value::Object(details),
    )?;
    reload_after_change(conn, &case.reference, caller)
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

/// Nothing more to record.
fn nothing() -> serde_json::Map<String, serde_json::Value> {
    serde_json::Map::new()
}

fn conflict(detail: String) -> ApiError {
    ApiError::Conflict {
        detail,
        field: None,
    }
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
    caller: AnyCaller,
    db: web::Data<Database>,
    reference: web::Path<String>,
    body: OptionalJson<Reason>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    if caller.acting_role() == Role::Partner {
        return Err(ApiError::Forbidden(
            "the customer or staff withdraw a case".into(),
        ));
    }
    let expected = precondition::expected_version(&req)?;
    let reason = reason_of(body)?;
    let reference = reference.into_inner();
    let (case, etag) = db
        .write(move |conn| {
            move_to(
                conn,
                &reference,
                &caller,
                expected,
                Status::Withdrawn,
                "withdrawn",
                reason,
                |_, case| match Status::parse(&case.status) {
                    Some(Status::Received | Status::Open) => Ok(nothing()),
                    _ => Err(conflict(format!(
                        "a case that is {} cannot be withdrawn",
                        case.status
                    ))),
                },
            )
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
                   `outstanding_remedies_reason`. Needs `If-Match`.",
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
    staff: Staff,
    db: web::Data<Database>,
    reference: web::Path<String>,
    body: OptionalJson<Closure>,
) -> Result<HttpResponse, ApiError> {
    let caller = staff.0;
    if !(caller.has(Role::HeadOfService) || caller.has(Role::ComplaintsManager)) {
        return Err(ApiError::Forbidden(
            "only the Head of Service or the complaints manager closes a case".into(),
        ));
    }
    let expected = precondition::expected_version(&req)?;
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
    let (case, etag) = db
        .write(move |conn| {
            move_to(
                conn,
                &reference,
                &caller,
                expected,
                Status::Closed,
                "closed",
                reason,
                |conn, case| {
                    let status = Status::parse(&case.status);
                    let kind = Kind::parse(&case.kind);
                    let allowed = match status {
                        Some(
                            Status::Withdrawn
                            | Status::ResolvedInformally
                            | Status::ServiceRequest
                            | Status::Excluded
                            | Status::OutsideRemit
                            | Status::OutOfTime,
                        ) => Ok(()),
                        Some(Status::Received | Status::Open) if kind != Some(Kind::Complaint) => {
                            return super::feedback::check_step(conn, case, Step::Close)
                                .map(|_| nothing())
                        }
                        Some(Status::Open) => {
                            let last = stages::for_case(conn, case.id)?
                                .pop()
                                .ok_or_else(|| conflict("the complaint has no stage".into()))?;
                            if last.responded_at.is_none() {
                                return Err(conflict(
                                    "the current stage's response has not been sent".into(),
                                ));
                            }
                            let today = uk_date(db::now());
                            match last.escalation_window_closes {
                                Some(closes)
                                    if last.stage == Stage::Stage1.as_str() && today <= closes =>
                                {
                                    Err(conflict(format!(
                                        "the customer can ask for stage 2 until {closes}"
                                    )))
                                }
                                _ => Ok(()),
                            }
                        }
                        _ => Err(conflict(format!(
                            "a case that is {} cannot be closed",
                            case.status
                        ))),
                    };
                    allowed?;
                    outstanding_remedies(conn, case.id, outstanding_reason.as_deref())
                },
            )
        })
        .await?;
    Ok(case_response(case, etag))
}

/// A case closes with every promised remedy done or reported undeliverable (SPEC §5), or with
/// the complaints manager's reason; what the closure's event records of them.
fn outstanding_remedies(
    conn: &mut DbConnection,
    case_id: i64,
    reason: Option<&str>,
) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    let outstanding: Vec<i64> = crate::db::remedies::for_case(conn, case_id)?
        .iter()
        .filter(|r| r.status == RemedyStatus::Promised.as_str())
        .map(|r| r.id)
        .collect();
    let mut details = nothing();
    match (outstanding.is_empty(), reason) {
        (true, _) => {}
        (false, None) => {
            return Err(ApiError::Conflict {
                detail: format!(
                    "{} promised remedies are neither done nor reported undeliverable (ids {}); \
                     complete them, or the complaints manager closes the case with \
                     outstanding_remedies_reason",
                    outstanding.len(),
                    outstanding
                        .iter()
                        .map(|id| id.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                field: Some("outstanding_remedies_reason".into()),
            })
        }
        (false, Some(reason)) => {
            details.insert("outstanding_remedies".into(), outstanding.into());
            details.insert("outstanding_remedies_reason".into(), reason.into());
        }
    }
    Ok(details)
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
    #[schema(value_type = String, min_length = 1)]
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
    reference: web::Path<String>,
    body: JsonBody<Reopening>,
) -> Result<HttpResponse, ApiError> {
    let expected = precondition::expected_version(&req)?;
    if let Err(report) = body.value.validate() {
        return Err(ApiError::Validation(field_errors(&report)));
    }
    let reason = body.value.reason.clone().map(|r| r.trim().to_string());
    let caller = manager.0;
    let reference = reference.into_inner();
    let (case, etag) = db
        .write(move |conn| {
            let case = visible_case(conn, &reference, &caller)?;
            let has_stages = !stages::for_case(conn, case.id)?.is_empty();
            let forwarded =
                crate::db::feedback::find(conn, case.id)?.is_some_and(|f| f.forwarded_at.is_some());
            let status = if has_stages || forwarded {
                Status::Open
            } else {
                Status::Received
            };
            move_to(
                conn,
                &reference,
                &caller,
                expected,
                status,
                "reopened",
                reason,
                |_, case| match Status::parse(&case.status) {
                    Some(Status::Closed | Status::Withdrawn) => Ok(nothing()),
                    _ => Err(conflict(format!(
                        "a case that is {} is not closed",
                        case.status
                    ))),
                },
            )
        })
        .await?;
    Ok(case_response(case, etag))
}

//! Withdrawal, closure and reopening (SPEC §5).

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cases::{
    case_response, lifecycle_state, record_event, refused, reload_after_change, visible_case, Case,
};
use super::database::ApiDatabase;
use super::json::{JsonBody, OptionalJson};
use super::validation::{field_errors, not_blank};
use super::{precondition, responses};
use crate::auth::{AnyCaller, Caller, ComplaintsManager, Staff};
use crate::db::cases::CaseRow;
use crate::db::{self, cases, stages, Database, DbConnection};
use crate::domain::case::events::CaseEvent;
use crate::domain::case::lifecycle::{self, CaseState, Command};
use crate::domain::case::{Kind, Role, Status};
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

/// Moves a case as the lifecycle table allows `command`, records the event `event` builds
/// from where it was, and answers with the case. `facts` fills in what the command reads
/// beyond the case's row and stages.
#[allow(clippy::too_many_arguments)]
fn move_to(
    conn: &mut DbConnection,
    reference: &str,
    caller: &Caller,
    expected: i32,
    command: Command,
    facts: impl Fn(&mut DbConnection, &CaseRow, &mut CaseState) -> Result<(), ApiError>,
    event: impl Fn(Status, Status) -> CaseEvent,
) -> Result<(Case, String), ApiError> {
    let case = visible_case(conn, reference, caller)?;
    precondition::check(&case, expected)?;
    let stages = stages::for_case(conn, case.id)?;
    let mut state = lifecycle_state(&case, &stages)?;
    facts(conn, &case, &mut state)?;
    let next = lifecycle::step(&state, command).map_err(refused)?;
    let now = db::now();
    precondition::claim(conn, &case, expected, now)?;
    cases::set_status(conn, case.id, next.status.as_str())?;
    record_event(conn, case.id, caller, now, event(state.status, next.status))?;
    reload_after_change(conn, &case.reference, caller)
}

/// No facts beyond the case's row and stages.
fn none(_: &mut DbConnection, _: &CaseRow, _: &mut CaseState) -> Result<(), ApiError> {
    Ok(())
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
                Command::Withdraw,
                none,
                |from, to| CaseEvent::Withdrawn {
                    from,
                    to,
                    reason: reason.clone(),
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
            let case = visible_case(conn, &reference, &caller)?;
            if Kind::parse(&case.kind) != Some(Kind::Complaint) {
                // A compliment or comment closes by its own table.
                precondition::check(&case, expected)?;
                super::feedback::check_step(conn, &case, Step::Close)?;
            }
            let today = uk_date(db::now());
            let outstanding = std::cell::RefCell::new(Vec::new());
            move_to(
                conn,
                &reference,
                &caller,
                expected,
                Command::Close {
                    today,
                    remedies_reason: outstanding_reason.is_some(),
                },
                |conn, case, state| {
                    let promised: Vec<i64> = crate::db::remedies::for_case(conn, case.id)?
                        .iter()
                        .filter(|r| r.status == RemedyStatus::Promised.as_str())
                        .map(|r| r.id)
                        .collect();
                    state.outstanding_remedies = promised.len();
                    *outstanding.borrow_mut() = promised;
                    Ok(())
                },
                |from, to| {
                    let outstanding = outstanding.borrow().clone();
                    let any = !outstanding.is_empty();
                    CaseEvent::Closed {
                        from,
                        to,
                        reason: reason.clone(),
                        outstanding_remedies: any.then_some(outstanding),
                        outstanding_remedies_reason: outstanding_reason.clone().filter(|_| any),
                    }
                },
            )
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
            move_to(
                conn,
                &reference,
                &caller,
                expected,
                Command::Reopen,
                |conn, case, state| {
                    state.forwarded = crate::db::feedback::find(conn, case.id)?
                        .is_some_and(|f| f.forwarded_at.is_some());
                    Ok(())
                },
                |from, to| CaseEvent::Reopened {
                    from,
                    to,
                    reason: reason.clone(),
                },
            )
        })
        .await?;
    Ok(case_response(case, etag))
}

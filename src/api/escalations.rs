//! Asking for stage 2 (SPEC §4): inside the policy's window, with grounds
//! where the policy requires them; a late request only when the complaints
//! manager accepts it with a reason. Stage 2 then runs on its own clock.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cases::{case_response, reload_after_change, Case};
use super::database::ApiDatabase;
use super::json::JsonBody;
use super::validation::report_of;
use super::{precondition, responses};
use crate::app::lifecycle;
use crate::app::time::Now;
use crate::auth::{ComplaintsManager, NotPartner};
use crate::db::Database;
use crate::domain::case::Role;
use crate::domain::clock::Clock;
use crate::domain::escalation::Ground;
use crate::error::{ApiError, FieldError};

/// A request for stage 2.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "reason": "The response says the bin was out late, but I have a dated photo of it out at 6:45am.",
    "grounds": ["factual_error", "new_evidence"]
}))]
pub struct EscalationRequest {
    /// Why the customer is still dissatisfied.
    #[validate(
        required(message = "is required"),
        custom(function = "super::validation::not_blank"),
        length(max = 5000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 5000)]
    pub reason: Option<String>,
    /// Required where the policy insists on grounds.
    #[schema(value_type = Option<Vec<Ground>>)]
    pub grounds: Option<Vec<String>>,
    /// Complaints manager only: why a request after the window closed is accepted.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub late_acceptance_reason: Option<String>,
}

#[utoipa::path(
    tag = "cases",
    operation_id = "request_stage_2",
    description = "Roles: customer (own case), investigating_officer, head_of_service and \
                   complaints_manager on the customer's behalf.\n\n\
                   Asks for stage 2 after the stage 1 response was sent: inside the policy's \
                   window, with `grounds` where the policy insists on them. After the window \
                   closes only the complaints manager can accept a request, giving \
                   `late_acceptance_reason`. Stage 2 opens with its acknowledgement due from \
                   the clock. Needs `If-Match`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body = EscalationRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case at stage 2", body = Case,
            headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/escalations")]
pub async fn escalate(
    req: HttpRequest,
    caller: NotPartner,
    db: web::Data<Database>,
    now: web::Data<Now>,
    clock: web::Data<Clock>,
    reference: web::Path<String>,
    body: JsonBody<EscalationRequest>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let request = body.value;
    let mut errors = report_of(&request);
    let mut grounds = Vec::new();
    for (i, ground) in request.grounds.iter().flatten().enumerate() {
        match Ground::parse(ground) {
            Some(g) if !grounds.contains(&g) => grounds.push(g),
            Some(_) => {}
            None => errors.push(FieldError::new(
                format!("grounds[{i}]"),
                format!("must be one of {}", Ground::expected()),
            )),
        }
    }
    if clock.policy().stage_2_grounds_required
        && grounds.is_empty()
        && request.grounds.iter().flatten().next().is_none()
    {
        errors.push(FieldError::new(
            "grounds",
            format!(
                "the council's policy asks for the grounds: one or more of {}",
                Ground::expected()
            ),
        ));
    }
    let late_reason = request
        .late_acceptance_reason
        .clone()
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if late_reason.is_some() && !caller.has(Role::ComplaintsManager) {
        errors.push(FieldError::new(
            "late_acceptance_reason",
            "only the complaints manager accepts a late request",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let reference = reference.into_inner();
    let escalation = lifecycle::Escalation {
        reason: request.reason.clone().map(|r| r.trim().to_string()),
        grounds,
        late_acceptance_reason: late_reason,
    };
    let expected = precondition::expected_version(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let changed = lifecycle::escalate(
                conn,
                &clock.deadlines(),
                now.now(),
                &caller,
                &reference,
                expected,
                &escalation,
            )?;
            reload_after_change(conn, changed, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

/// A request for stage 2, refused.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "reasons": "You asked for stage 2 on 3 March, eleven weeks after our stage 1 response; our policy allows 20 working days, and you have told us of nothing that kept you from asking sooner.",
    "requested_on": "2026-03-03"
}))]
pub struct EscalationRefusal {
    /// Why stage 2 is refused: the letter tells the customer this, and that they may go to
    /// the Ombudsman.
    #[validate(
        required(message = "is required"),
        custom(function = "super::validation::not_blank"),
        length(max = 5000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 5000)]
    pub reasons: Option<String>,
    /// The day the customer asked for stage 2: from 1900-01-01, not in the future.
    #[schema(value_type = Option<String>, format = Date, example = "2026-03-03")]
    pub requested_on: Option<chrono::NaiveDate>,
}

#[utoipa::path(
    tag = "cases",
    operation_id = "refuse_stage_2",
    description = "Roles: complaints_manager.\n\n\
                   Refuses a request for stage 2 (one after the window closed, or one the \
                   policy excludes), giving the `reasons`. Nothing else about the case moves: \
                   an `escalation_refused` event goes on the timeline, and the refusal's \
                   letter, which states the reasons and the customer's right to go to the \
                   Ombudsman with their contact details, is written and sent the customer's \
                   way. Only a complaint whose stage 1 response was sent, and which is not at \
                   stage 2, can be refused stage 2 (409 otherwise). Needs `If-Match`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body = EscalationRefusal,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case, its refusal recorded", body = Case,
            headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/escalation-refusals")]
pub async fn refuse(
    req: HttpRequest,
    caller: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: JsonBody<EscalationRefusal>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let refusal = body.value;
    let mut errors = report_of(&refusal);
    let at = now.now();
    if let Some(requested_on) = refusal.requested_on {
        if requested_on > crate::domain::clock::uk_date(at) {
            errors.push(FieldError::new("requested_on", "must not be in the future"));
        } else if requested_on < crate::domain::dates::EARLIEST {
            errors.push(FieldError::new(
                "requested_on",
                format!("must not be before {}", crate::domain::dates::EARLIEST),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let reasons = refusal.reasons.unwrap_or_default().trim().to_string();
    let requested_on = refusal.requested_on;
    let reference = reference.into_inner();
    let expected = precondition::expected_version(&req)?;
    let letters = super::letters::templates(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let changed = lifecycle::refuse_escalation(
                conn,
                &letters,
                at,
                &caller,
                &reference,
                expected,
                &reasons,
                requested_on,
            )?;
            reload_after_change(conn, changed, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

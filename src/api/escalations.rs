//! Asking for stage 2 (SPEC §4): inside the policy's window, with grounds
//! where the policy requires them; a late request only when the complaints
//! manager accepts it with a reason. Stage 2 then runs on its own clock.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cases::{case_response, record_event, reload_after_change, visible_case, Case};
use super::database::ApiDatabase;
use super::json::JsonBody;
use super::validation::report_of;
use super::{precondition, responses};
use crate::auth::AnyCaller;
use crate::db::stages::{self, StageRow};
use crate::db::{self, cases, Database};
use crate::domain::case::events::CaseEvent;
use crate::domain::case::{Role, Stage, Status};
use crate::domain::clock::{uk_date, Clock};
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
    #[schema(value_type = String, min_length = 1)]
    pub reason: Option<String>,
    /// Required where the policy insists on grounds.
    #[schema(value_type = Option<Vec<Ground>>)]
    pub grounds: Option<Vec<String>>,
    /// Complaints manager only: why a request after the window closed is accepted.
    #[validate(length(max = 2000))]
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
    caller: AnyCaller,
    db: web::Data<Database>,
    clock: web::Data<Clock>,
    reference: web::Path<String>,
    body: JsonBody<EscalationRequest>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    if caller.acting_role() == Role::Partner {
        return Err(ApiError::Forbidden(
            "partners do not ask for stage 2; the customer or staff do".into(),
        ));
    }
    let expected = precondition::expected_version(&req)?;
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
    let reference = reference.into_inner();
    let (case, etag) = db
        .write(move |conn| {
            let case = visible_case(conn, &reference, &caller)?;
            precondition::check(&case, expected)?;
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            let conflict = |detail: String| ApiError::Conflict { detail, field: None };
            let all = stages::for_case(conn, case.id)?;
            // A complaint closed after its stage 1 response can still go to stage 2: the
            // request itself reopens it.
            let reopens = Status::parse(&case.status) == Some(Status::Closed);
            let stage_1 = match (Status::parse(&case.status), all.last()) {
                (Some(Status::Open | Status::Closed), Some(last)) if last.stage == Stage::Stage1.as_str() => last.clone(),
                (Some(Status::Open | Status::Closed), Some(_)) => return Err(conflict("the complaint is at stage 2 already".into())),
                _ => return Err(conflict("only a complaint with a stage 1 response asks for stage 2".into())),
            };
            if stage_1.responded_at.is_none() {
                return Err(conflict("stage 2 can be asked for once the stage 1 response has been sent".into()));
            }
            let now = db::now();
            let today = uk_date(now);
            let late = stage_1.escalation_window_closes.filter(|closes| today > *closes);
            if let (Some(closes), None) = (late, &late_reason) {
                return Err(ApiError::Conflict {
                    detail: format!(
                        "the window for asking for stage 2 closed on {closes}; the complaints manager can \
                         accept a late request with a reason"
                    ),
                    field: Some("late_acceptance_reason".into()),
                });
            }
            let acknowledgement_due = clock
                .deadlines()
                .stage_acknowledgement_due(Stage::Stage2, today)
                .map_err(|e| ApiError::internal(format!("stage 2 acknowledgement date: {e}")))?;
            precondition::claim(conn, &case, expected, now)?;
            let grounds_json = serde_json::to_string(&grounds).map_err(ApiError::internal)?;
            stages::open(
                conn,
                &StageRow {
                    id: 0,
                    case_id: case.id,
                    stage: Stage::Stage2.as_str().into(),
                    opened_at: now,
                    acknowledgement_due,
                    acknowledged_at: None,
                    acknowledgement_method: None,
                    acknowledged_by: None,
                    grade: None,
                    response_due: None,
                    investigator: None,
                    assigned_by: None,
                    assigned_at: None,
                    original_response_due: None,
                    outcome: None,
                    responded_at: None,
                    responded_on_time: None,
                    escalation_window_closes: None,
                    requested_by: Some(caller.subject.clone()),
                    request_grounds: Some(grounds_json),
                    request_reason: request.reason.clone().map(|r| r.trim().to_string()),
                    late_acceptance_reason: late.and(late_reason.clone()),
                    acknowledged_on_time: None,
                    working_days_taken: None,
                    extended: false,
                },
            )?;
            cases::set_stage(conn, case.id, Stage::Stage2.as_str())?;
            if reopens {
                cases::set_status(conn, case.id, Status::Open.as_str())?;
            }
            record_event(
                conn,
                case.id,
                &caller,
                now,
                CaseEvent::Escalated {
                    stage: Stage::Stage2,
                    grounds: grounds.iter().map(|g| g.as_str().to_string()).collect(),
                    late: late.is_some(),
                    reopened: reopens,
                    late_acceptance_reason: late.and(late_reason.clone()),
                    acknowledgement_due,
                },
            )?;
            reload_after_change(conn, &case.reference, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

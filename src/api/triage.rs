//! Triage: the complaints team decides what a new complaint is (SPEC §3).

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cases::{case_response, record_event, reload_after_change, visible_case, Case};
use super::database::ApiDatabase;
use super::json::JsonBody;
use super::validation::{one_of, report_of};
use super::{precondition, responses};
use crate::auth::ComplaintsManager;
use crate::db::stages::{self, StageRow};
use crate::db::{self, cases as repo, Database};
use crate::domain::case::events::{CaseEvent, TriageDetails};
use crate::domain::case::{Kind, Status};
use crate::domain::clock::{uk_date, Clock};
use crate::domain::triage::{self, Decision, Procedure};
use crate::error::{ApiError, FieldError};

/// A triage decision.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "decision": "excluded", "procedure": "information_rights",
    "referral": "Your request is for information we hold: we have passed it to the Information Governance team, who will reply within 20 working days.",
    "reason": "A request for copies of records, not a complaint about a service"
}))]
pub struct TriageRequest {
    #[validate(required(message = "is required"))]
    #[schema(value_type = Decision)]
    pub decision: Option<String>,
    /// Why: recorded on the case.
    #[validate(length(max = 2000))]
    pub reason: Option<String>,
    /// `accept` of a complaint raised after the policy's time limit: the special circumstances.
    #[validate(length(max = 2000))]
    pub special_circumstances: Option<String>,
    /// `resolve_informally`: how it was put right.
    #[validate(length(max = 5000))]
    pub resolution: Option<String>,
    /// `excluded`: the procedure that applies.
    #[schema(value_type = Option<Procedure>)]
    pub procedure: Option<String>,
    /// `excluded` and `service_request`: what the customer is told and where they are sent.
    #[validate(length(max = 2000))]
    pub referral: Option<String>,
    /// `outside_remit`: the organisation the customer is referred to.
    #[validate(length(max = 200))]
    pub organisation: Option<String>,
}

fn given(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.trim().is_empty())
}

/// The fields each decision needs.
fn required_fields(
    decision: Decision,
    request: &TriageRequest,
    out_of_time: bool,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut need = |ok: bool, field: &str, message: &str| {
        if !ok {
            errors.push(FieldError::new(field, message));
        }
    };
    match decision {
        Decision::Accept => need(
            !out_of_time || given(&request.special_circumstances),
            "special_circumstances",
            "the complaint was raised after the policy's time limit: record the special circumstances to accept it",
        ),
        Decision::ResolveInformally => need(given(&request.resolution), "resolution", "is required to resolve informally"),
        Decision::ServiceRequest => need(given(&request.referral), "referral", "say where the request was passed"),
        Decision::Excluded => {
            match request.procedure.as_deref() {
                None => need(false, "procedure", "is required for an exclusion"),
                Some(p) => need(
                    Procedure::parse(p).is_some(),
                    "procedure",
                    &format!("must be one of {}", Procedure::expected()),
                ),
            }
            need(given(&request.referral), "referral", "tell the customer which procedure applies and how to use it");
        }
        Decision::OutsideRemit => need(given(&request.organisation), "organisation", "name the organisation the customer is referred to"),
        Decision::OutOfTime => {}
    }
    errors
}

#[utoipa::path(
    tag = "cases",
    operation_id = "triage_case",
    description = "Roles: complaints_manager.\n\n\
                   Decides what a new complaint is: `accept` (stage 1 opens, its acknowledgement \
                   due date from the clock), `resolve_informally` (only where the policy has an \
                   informal step), `service_request`, `excluded` (with the procedure and the \
                   referral given), `outside_remit` (with the organisation; the referral is due \
                   within the policy's outside-remit time) or `out_of_time`. A complaint raised \
                   after the policy's time limit is accepted only with special circumstances. \
                   Needs `If-Match` with the case's ETag.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body = TriageRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case after triage", body = Case,
            headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/triage")]
pub async fn decide(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    clock: web::Data<Clock>,
    reference: web::Path<String>,
    body: JsonBody<TriageRequest>,
) -> Result<HttpResponse, ApiError> {
    let expected = precondition::expected_version(&req)?;
    let request = body.value;
    let mut errors = report_of(&request);
    let decision = one_of(
        request.decision.as_deref(),
        "decision",
        Decision::parse,
        Decision::expected,
        &mut errors,
    );
    let caller = manager.0;
    let reference = reference.into_inner();
    let (case, etag) = db
        .write(move |conn| {
            let row = visible_case(conn, &reference, &caller)?;
            precondition::check(&row, expected)?;
            let policy = clock.policy();
            let kind = Kind::parse(&row.kind).unwrap_or(Kind::Complaint);
            let status = Status::parse(&row.status).unwrap_or(Status::Received);
            let deadlines = clock.deadlines();
            let received = uk_date(row.received_at);
            let out_of_time = deadlines.is_out_of_time(row.problem_date, received);
            if let Some(decision) = decision {
                errors.extend(required_fields(decision, &request, out_of_time));
            }
            let Some(decision) = decision.filter(|_| errors.is_empty()) else {
                return Err(ApiError::Validation(errors));
            };
            triage::check(decision, kind, status, policy, out_of_time).map_err(|refusal| {
                if refusal.is_invalid_value() {
                    ApiError::Validation(vec![FieldError::new(
                        refusal.field(),
                        refusal.to_string(),
                    )])
                } else {
                    ApiError::Conflict {
                        detail: refusal.to_string(),
                        field: Some(refusal.field().into()),
                    }
                }
            })?;

            let now = db::now();
            precondition::claim(conn, &row, expected, now)?;
            let goes_formal_later = status == Status::ResolvedInformally;
            let mut details = TriageDetails {
                reason: request.reason.clone(),
                out_of_time,
                previously: goes_formal_later.then_some(Decision::ResolveInformally),
                ..TriageDetails::default()
            };
            match decision {
                Decision::Accept if out_of_time => {
                    details.special_circumstances = request.special_circumstances.clone();
                }
                Decision::ResolveInformally => details.resolution = request.resolution.clone(),
                Decision::ServiceRequest => details.referral = request.referral.clone(),
                Decision::Excluded => {
                    details.procedure = request.procedure.clone();
                    details.referral = request.referral.clone();
                }
                Decision::OutsideRemit => {
                    details.organisation = request.organisation.clone();
                    details.referral_due = deadlines.outside_remit_referral_due(received);
                }
                Decision::Accept | Decision::OutOfTime => {}
            }
            let stage = decision.opens();
            repo::record_triage(
                conn,
                row.id,
                decision.status().as_str(),
                stage.map(|s| s.as_str()),
                decision.as_str(),
                &serde_json::to_string(&details).map_err(ApiError::internal)?,
                now,
            )?;
            if let Some(stage) = stage {
                // The acknowledgement clock started at receipt; for a complaint resolved
                // informally that now goes formal, on the day it does.
                let asked = if goes_formal_later {
                    uk_date(now)
                } else {
                    received
                };
                let due = match row.acknowledgement_due.filter(|_| !goes_formal_later) {
                    Some(due) => due,
                    None => deadlines
                        .stage_acknowledgement_due(stage, asked)
                        .map_err(|e| {
                            ApiError::internal(format!("stage 1 acknowledgement date: {e}"))
                        })?,
                };
                stages::open(
                    conn,
                    &StageRow {
                        id: 0,
                        case_id: row.id,
                        stage: stage.as_str().into(),
                        opened_at: now,
                        acknowledgement_due: due,
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
                        requested_by: None,
                        request_grounds: None,
                        request_reason: None,
                        late_acceptance_reason: None,
                        acknowledged_on_time: None,
                        working_days_taken: None,
                        extended: false,
                    },
                )?;
            }
            record_event(
                conn,
                row.id,
                &caller,
                now,
                CaseEvent::Triaged {
                    decision,
                    status: decision.status(),
                    stage,
                    details,
                },
            )?;
            reload_after_change(conn, &row.reference, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

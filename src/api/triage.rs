//! Triage: the complaints team decides what a new complaint is (SPEC §3).

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cases::{case_response, reload_after_change, Case};
use super::database::ApiDatabase;
use super::json::JsonBody;
use super::validation::{one_of, report_of};
use super::{precondition, responses};
use crate::app::lifecycle;
use crate::app::time::Now;
use crate::auth::ComplaintsManager;
use crate::db::Database;
use crate::domain::clock::Clock;
use crate::domain::triage::{Decision, Procedure};
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
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
    /// `accept` of a complaint raised after the policy's time limit: the special circumstances.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub special_circumstances: Option<String>,
    /// `resolve_informally`: how it was put right.
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub resolution: Option<String>,
    /// `excluded`: the procedure that applies.
    #[schema(value_type = Option<Procedure>)]
    pub procedure: Option<String>,
    /// `excluded` and `service_request`: what the customer is told and where they are sent.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub referral: Option<String>,
    /// `outside_remit`: the organisation the customer is referred to.
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub organisation: Option<String>,
    /// A complaint in category `english_fluency` (about a customer-facing worker's English
    /// language fluency), `accept` or `resolve_informally`: the worker's manager it is
    /// referred to (their staff id or name), required then and refused otherwise. Recorded
    /// as the case's `english_fluency` flag with the referral, dated today.
    #[validate(length(max = 200))]
    #[schema(max_length = 200, example = "waste.crews.manager")]
    pub worker_manager: Option<String>,
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
                   A complaint in category `english_fluency` (a customer-facing worker's \
                   English language fluency, under the Code of Practice on the English \
                   language requirements for public sector workers) that is accepted or \
                   resolved informally needs `worker_manager`: it is referred to the worker's \
                   manager and flagged `english_fluency` with the referral (an internal \
                   `flagged` event), as a staff conduct matter is referred to the line \
                   manager; the reports count these complaints apart (`english_fluency`). \
                   `excluded` and `outside_remit` write the referral letter to the customer \
                   (`GET …/letters`). Needs `If-Match` with the case's ETag.",
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
    now: web::Data<Now>,
    clock: web::Data<Clock>,
    reference: web::Path<String>,
    body: JsonBody<TriageRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.value;
    let mut errors = report_of(&request);
    let decision = one_of(
        request.decision.as_deref(),
        "decision",
        Decision::parse,
        Decision::expected,
        &mut errors,
    );
    let procedure = match request.procedure.as_deref() {
        Some(p) => {
            let parsed = Procedure::parse(p);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    "procedure",
                    format!("must be one of {}", Procedure::expected()),
                ));
            }
            parsed
        }
        None => None,
    };
    let Some(decision) = decision.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let triage = lifecycle::Triage {
        reason: request.reason,
        special_circumstances: request.special_circumstances,
        resolution: request.resolution,
        procedure,
        referral: request.referral,
        organisation: request.organisation,
        worker_manager: request.worker_manager,
    };
    let caller = manager.0;
    let reference = reference.into_inner();
    let expected = precondition::expected_version(&req)?;
    let letters = super::letters::templates(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let changed = lifecycle::triage(
                conn,
                &letters,
                &clock.deadlines(),
                now.now(),
                &caller,
                &reference,
                expected,
                decision,
                &triage,
            )?;
            reload_after_change(conn, changed, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

//! The Ombudsman (SPEC §5): the referral to the Local Government and Social
//! Care Ombudsman or the Housing Ombudsman, and their decision.

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cases::{case_response, reload_after_change, Case};
use super::database::ApiDatabase;
use super::json::JsonBody;
use super::validation::{not_blank, one_of, plausible_date, report_of};
use super::{precondition, responses};
use crate::app::ombudsman;
use crate::app::time::Now;
use crate::auth::ComplaintsManager;
use crate::db::ombudsman::ReferralRow;
use crate::db::Database;
use crate::domain::clock::uk_date;
use crate::domain::ombudsman::{OmbudsmanBody, OmbudsmanDecision};
use crate::error::{ApiError, FieldError};

/// A referral to record.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "lgsco", "their_reference": "25 012 345", "referred_on": "2026-02-10"}))]
pub struct Referral {
    #[validate(required(message = "is required"))]
    #[schema(value_type = OmbudsmanBody)]
    pub body: Option<String>,
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 100)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 100)]
    pub their_reference: Option<String>,
    /// When the Ombudsman told the council of the complaint.
    #[validate(required(message = "is required"), custom(function = "plausible_date"))]
    #[schema(value_type = String, format = Date)]
    pub referred_on: Option<NaiveDate>,
}

/// One of the Ombudsman's recommendations.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Recommendation {
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 2000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    pub action: Option<String>,
    #[validate(required(message = "is required"), custom(function = "plausible_date"))]
    #[schema(value_type = String, format = Date)]
    pub due: Option<NaiveDate>,
    /// When the council complied, once it has.
    #[schema(value_type = Option<String>, format = Date)]
    #[validate(custom(function = "plausible_date"))]
    pub complied_on: Option<NaiveDate>,
}

/// The Ombudsman's decision to record.
// Its own schema name: `Decision` is triage's vocabulary, and one of the two
// would otherwise stand for both in the document.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = OmbudsmanDecisionRecord)]
#[schema(example = json!({
    "decision": "upheld_fault", "decided_on": "2026-06-01",
    "information_requested_on": "2026-03-01", "information_provided_on": "2026-03-20",
    "recommendations": [{"action": "Apologise and pay £150 for the time and trouble", "due": "2026-07-01"}]
}))]
pub struct Decision {
    #[validate(required(message = "is required"))]
    #[schema(value_type = OmbudsmanDecision)]
    pub decision: Option<String>,
    #[validate(required(message = "is required"), custom(function = "plausible_date"))]
    #[schema(value_type = String, format = Date)]
    pub decided_on: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    #[validate(custom(function = "plausible_date"))]
    pub information_requested_on: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    #[validate(custom(function = "plausible_date"))]
    pub information_provided_on: Option<NaiveDate>,
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub recommendations: Option<Vec<Recommendation>>,
}

/// The Ombudsman's involvement, as the case shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OmbudsmanCase {
    pub body: OmbudsmanBody,
    pub their_reference: String,
    #[schema(value_type = String, format = Date)]
    pub referred_on: NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub information_requested_on: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub information_provided_on: Option<NaiveDate>,
    pub decision: Option<OmbudsmanDecision>,
    #[schema(value_type = Option<String>, format = Date)]
    pub decided_on: Option<NaiveDate>,
    pub recommendations: Vec<Recommendation>,
}

/// The stored referral as the case shows it.
pub fn view(row: &ReferralRow) -> Result<OmbudsmanCase, ApiError> {
    Ok(OmbudsmanCase {
        body: row.body,
        their_reference: row.their_reference.clone(),
        referred_on: row.referred_on,
        information_requested_on: row.information_requested_on,
        information_provided_on: row.information_provided_on,
        decision: row.decision,
        decided_on: row.decided_on,
        recommendations: serde_json::from_str(&row.recommendations).map_err(ApiError::internal)?,
    })
}

fn not_in_future(
    date: Option<NaiveDate>,
    field: &str,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) {
    if date.is_some_and(|d| d > today) {
        errors.push(FieldError::new(field, "must not be in the future"));
    }
}

#[utoipa::path(
    tag = "cases",
    operation_id = "refer_to_ombudsman",
    description = "Roles: complaints_manager.\n\n\
                   Records that the customer took the complaint to the Ombudsman: which one, \
                   their reference and when. The case moves to the `ombudsman` stage. Only a \
                   complaint that has had a response is referred. Needs `If-Match`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body = Referral,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case at the Ombudsman", body = Case,
            headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/ombudsman-referral")]
pub async fn refer(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: JsonBody<Referral>,
) -> Result<HttpResponse, ApiError> {
    let referral = body.value;
    let mut errors = report_of(&referral);
    let ombudsman = one_of(
        referral.body.as_deref(),
        "body",
        OmbudsmanBody::parse,
        OmbudsmanBody::expected,
        &mut errors,
    );
    not_in_future(
        referral.referred_on,
        "referred_on",
        uk_date(now.now()),
        &mut errors,
    );
    let (Some(body), Some(their_reference), Some(referred_on), true) = (
        ombudsman,
        referral.their_reference,
        referral.referred_on,
        errors.is_empty(),
    ) else {
        return Err(ApiError::Validation(errors));
    };
    let referral = ombudsman::Referral {
        body,
        their_reference,
        referred_on,
    };
    let caller = manager.0;
    let reference = reference.into_inner();
    let expected = precondition::expected_version(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let case = ombudsman::refer(conn, now.now(), &caller, &reference, expected, &referral)?;
            reload_after_change(conn, case, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

#[utoipa::path(
    tag = "cases",
    operation_id = "record_ombudsman_decision",
    description = "Roles: complaints_manager.\n\n\
                   Records the Ombudsman's decision (not investigated, premature, not upheld, \
                   upheld with fault), when information was asked for and given, and the \
                   recommendations with their due dates and, once met, compliance dates. May be \
                   sent again to update compliance. Needs `If-Match`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body = Decision,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case with the decision", body = Case,
            headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/ombudsman-decision")]
pub async fn record_decision(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: JsonBody<Decision>,
) -> Result<HttpResponse, ApiError> {
    let decision = body.value;
    let mut errors = report_of(&decision);
    let outcome = decision
        .decision
        .as_deref()
        .and_then(OmbudsmanDecision::parse);
    if decision.decision.is_some() && outcome.is_none() {
        errors.push(FieldError::new(
            "decision",
            format!("must be one of {}", OmbudsmanDecision::expected()),
        ));
    }
    let today = uk_date(now.now());
    not_in_future(decision.decided_on, "decided_on", today, &mut errors);
    not_in_future(
        decision.information_requested_on,
        "information_requested_on",
        today,
        &mut errors,
    );
    not_in_future(
        decision.information_provided_on,
        "information_provided_on",
        today,
        &mut errors,
    );
    let (Some(outcome), Some(decided_on), true) = (outcome, decision.decided_on, errors.is_empty())
    else {
        return Err(ApiError::Validation(errors));
    };
    let decision = ombudsman::Decision {
        decision: outcome,
        decided_on,
        information_requested_on: decision.information_requested_on,
        information_provided_on: decision.information_provided_on,
        recommendations: serde_json::to_string(&decision.recommendations.unwrap_or_default())
            .map_err(ApiError::internal)?,
    };
    let caller = manager.0;
    let reference = reference.into_inner();
    let expected = precondition::expected_version(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let case = ombudsman::record_decision(
                conn,
                now.now(),
                &caller,
                &reference,
                expected,
                &decision,
            )?;
            reload_after_change(conn, case, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

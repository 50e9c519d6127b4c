//! Acknowledging a complaint at a stage: recorded with when and how, and
//! setting the stage's response due date from the policy (SPEC §4).

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cases::{case_response, reload_after_change, visible_case, Case};
use super::database::ApiDatabase;
use super::json::JsonBody;
use super::validation::{one_of, report_of};
use super::{precondition, responses};
use crate::app::{self, lifecycle, time::Now};
use crate::auth::Staff;
use crate::db::{self, Database};
use crate::domain::acknowledgement::AcknowledgementMethod;
use crate::domain::case::Kind;
use crate::domain::clock::Clock;
use crate::error::{ApiError, FieldError};

/// An acknowledgement.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "method": "email",
    "understanding": "Your green bin was not collected on 2, 9 and 16 November although it was out by 7am, and your two online reports were not answered.",
    "outcome_sought": "Collect the bin and explain why it keeps happening"
}))]
pub struct AcknowledgementRequest {
    #[validate(required(message = "is required"))]
    #[schema(value_type = AcknowledgementMethod)]
    pub method: Option<String>,
    /// When it was sent (default now; not in the future, not before the stage opened).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Where the policy grades complaints (Walsall): 1, or 2 for a complex complaint (default 1).
    #[validate(range(min = 1, max = 2, message = "must be 1 or 2"))]
    pub grade: Option<i32>,
    /// A complaint: the council's understanding of it, stated in the acknowledgement letter
    /// (Complaint Handling Code); required for a complaint.
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub understanding: Option<String>,
    /// A complaint: the outcome the customer seeks, stated in the acknowledgement letter;
    /// required when the case has no `desired_outcome`.
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub outcome_sought: Option<String>,
}

#[utoipa::path(
    tag = "cases",
    operation_id = "acknowledge_case",
    description = "Roles: investigating_officer and head_of_service of the case's service, \
                   complaints_manager.\n\n\
                   Records that the complaint was acknowledged at its current stage, when and \
                   how, and sets the stage's response due date from the policy (from receipt or \
                   from the acknowledgement, as the preset says). A compliment or comment is \
                   acknowledged only when the customer asked for a reply (409 otherwise); its \
                   reply is due by the policy's time from receipt. Needs `If-Match`.\n\n\
                   A complaint's acknowledgement writes the acknowledgement letter to the \
                   customer (`GET …/letters`), which must state the council's `understanding` \
                   of the complaint and the outcome sought (`outcome_sought`, or the case's \
                   `desired_outcome`): either missing is 422 naming it, and nothing changes. \
                   A compliment's or comment's writes its acknowledgement letter.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body = AcknowledgementRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case after the acknowledgement", body = Case,
            headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/acknowledgement")]
pub async fn acknowledge(
    req: HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    clock: web::Data<Clock>,
    time: web::Data<Now>,
    reference: web::Path<String>,
    body: JsonBody<AcknowledgementRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.value;
    let mut errors = report_of(&request);
    let method = one_of(
        request.method.as_deref(),
        "method",
        AcknowledgementMethod::parse,
        AcknowledgementMethod::expected,
        &mut errors,
    );
    let now = time.now().and_utc();
    if request
        .acknowledged_at
        .is_some_and(|at| at > now + chrono::Duration::minutes(5))
    {
        errors.push(FieldError::new(
            "acknowledged_at",
            "must not be in the future",
        ));
    }
    if request.grade.is_some() && clock.policy().grades.is_none() {
        errors.push(FieldError::new(
            "grade",
            "the council's policy does not grade complaints",
        ));
    }
    let (Some(method), true) = (method, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let caller = staff.0;
    let reference = reference.into_inner();
    let expected = precondition::expected_version(&req)?;
    let letters = super::letters::templates(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let row = visible_case(conn, &reference, &caller)?;
            let at = db::truncate_to_micros(request.acknowledged_at.unwrap_or(now).naive_utc());
            if row.kind != Kind::Complaint {
                let changed = app::feedback::acknowledge_on_request(
                    conn,
                    &letters,
                    &clock.deadlines(),
                    now.naive_utc(),
                    &caller,
                    row,
                    expected,
                    at,
                    method,
                    request.grade.is_some(),
                )?;
                return reload_after_change(conn, changed, &caller);
            }
            let acknowledging = lifecycle::Acknowledging {
                at,
                method,
                grade: request.grade,
            };
            let said = lifecycle::Understanding {
                understanding: request.understanding.clone(),
                outcome_sought: request.outcome_sought.clone(),
            };
            let changed = lifecycle::acknowledge_stage(
                conn,
                &letters,
                &clock.deadlines(),
                now.naive_utc(),
                &caller,
                row,
                expected,
                acknowledging,
                &said,
            )?;
            reload_after_change(conn, changed, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

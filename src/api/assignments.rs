//! Assigning the investigating officer of a complaint's current stage.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cases::{case_response, reload_after_change, Case};
use super::database::ApiDatabase;
use super::json::JsonBody;
use super::validation::{not_blank, one_of, report_of};
use super::{precondition, responses};
use crate::app::time::Now;
use crate::app::{self};
use crate::auth::Senior;
use crate::db::Database;
use crate::domain::case::Role;
use crate::error::ApiError;

/// An assignment.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"investigator": "officer-17"}))]
pub struct AssignmentRequest {
    /// The investigating officer's id (their token's `sub`).
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 200)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub investigator: Option<String>,
    /// The investigator's role. Stage 2 needs `head_of_service` or `complaints_manager`.
    #[schema(value_type = Option<Role>)]
    pub investigator_role: Option<String>,
}

#[utoipa::path(
    tag = "cases",
    operation_id = "assign_case",
    description = "Roles: head_of_service of the case's service, complaints_manager.\n\n\
                   Names the investigating officer of the complaint's current stage (again to \
                   reassign). At stage 2 the investigator must differ from the stage 1 \
                   investigator and hold the head_of_service or complaints_manager role. \
                   Needs `If-Match`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body = AssignmentRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case with its investigator", body = Case,
            headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/assignment")]
pub async fn assign(
    req: HttpRequest,
    caller: Senior,
    db: web::Data<Database>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: JsonBody<AssignmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let request = body.value;
    let mut errors = report_of(&request);
    let role = one_of(
        request.investigator_role.as_deref(),
        "investigator_role",
        Role::parse,
        Role::expected,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let request = app::assignment::Assignment {
        investigator: request.investigator.unwrap_or_default().trim().to_string(),
        role,
    };
    let reference = reference.into_inner();
    let expected = precondition::expected_version(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let case =
                app::assignment::assign(conn, now.now(), &caller, &reference, expected, &request)?;
            reload_after_change(conn, case, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

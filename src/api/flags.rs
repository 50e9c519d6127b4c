//! Flags that change handling (SPEC §3) and links between related cases.
//! Both are internal: customers and partners never see them.

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cases::{case_response, reload_after_change, Case};
use super::database::ApiDatabase;
use super::json::JsonBody;
use super::validation::{field_errors, not_blank, one_of, plausible_date, report_of};
use super::{precondition, responses, rfc3339};
use crate::app::time::Now;
use crate::app::{self};
use crate::auth::ComplaintsManager;
use crate::db::flags::FlagRow;
use crate::db::Database;
use crate::domain::clock::uk_date;
use crate::domain::flag::{Flag, ReferredFlag};
use crate::error::{ApiError, FieldError};

/// A flag to record.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"flag": "staff_conduct", "referred_to": "line manager, Waste Care crews", "referred_on": "2026-11-20"}))]
pub struct NewFlag {
    #[validate(required(message = "is required"))]
    #[schema(value_type = ReferredFlag)]
    pub flag: Option<String>,
    /// Who the matter was referred to (the line manager; insurance and risk).
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 200)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub referred_to: Option<String>,
    #[validate(required(message = "is required"), custom(function = "plausible_date"))]
    #[schema(value_type = String, format = Date)]
    pub referred_on: Option<NaiveDate>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// A flag, as staff see it on the case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CaseFlag {
    pub flag: Flag,
    pub referred_to: String,
    #[schema(value_type = String, format = Date)]
    pub referred_on: NaiveDate,
    pub note: Option<String>,
    #[schema(format = DateTime)]
    pub recorded_at: String,
}

/// The stored flag as the case shows it.
pub fn view(row: &FlagRow) -> Result<CaseFlag, ApiError> {
    Ok(CaseFlag {
        flag: row.flag,
        referred_to: row.referred_to.clone(),
        referred_on: row.referred_on,
        note: row.note.clone(),
        recorded_at: rfc3339(row.recorded_at),
    })
}

#[utoipa::path(
    tag = "cases",
    operation_id = "flag_case",
    description = "Roles: complaints_manager.\n\n\
                   Flags a case as about staff conduct (referred to the line manager; the HR \
                   outcome is not recorded here) or as a claim for injury or loss (referred to \
                   insurance), with the referral. Never shown to customers. Needs `If-Match`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body = NewFlag,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case", body = Case, headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/flags")]
pub async fn add_flag(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: JsonBody<NewFlag>,
) -> Result<HttpResponse, ApiError> {
    let new = body.value;
    let mut errors = report_of(&new);
    let flag = one_of(
        new.flag.as_deref(),
        "flag",
        ReferredFlag::parse,
        ReferredFlag::expected,
        &mut errors,
    )
    .map(Flag::from);
    if new.referred_on.is_some_and(|d| d > uk_date(now.now())) {
        errors.push(FieldError::new("referred_on", "must not be in the future"));
    }
    // The body's faults come first, before the precondition and the case (issue 11 §11).
    let flagging = match (flag, new.referred_on, errors.is_empty()) {
        (Some(flag), Some(referred_on), true) => app::flags::Flagging {
            flag,
            referred_to: new.referred_to.unwrap_or_default(),
            referred_on,
            note: new.note,
        },
        _ => return Err(ApiError::Validation(errors)),
    };
    let caller = manager.0;
    let reference = reference.into_inner();
    let expected = precondition::expected_version(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let case =
                app::flags::add_flag(conn, now.now(), &caller, &reference, expected, &flagging)?;
            reload_after_change(conn, case, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

/// A case to link.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reference": "CMP-2026-000017"}))]
pub struct NewLink {
    #[validate(required(message = "is required"))]
    #[schema(value_type = String)]
    pub reference: Option<String>,
}

#[utoipa::path(
    tag = "cases",
    operation_id = "link_cases",
    description = "Roles: complaints_manager.\n\n\
                   Links two related cases (for example several complaints from one person \
                   about one matter), both ways. Needs `If-Match` with this case's ETag.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body = NewLink,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case", body = Case, headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/links")]
pub async fn link(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: JsonBody<NewLink>,
) -> Result<HttpResponse, ApiError> {
    if let Err(report) = body.value.validate() {
        return Err(ApiError::Validation(field_errors(&report)));
    }
    let other = body.value.reference.clone().unwrap_or_default();
    let caller = manager.0;
    let reference = reference.into_inner();
    let expected = precondition::expected_version(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let case = app::flags::link(conn, now.now(), &caller, &reference, expected, &other)?;
            reload_after_change(conn, case, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

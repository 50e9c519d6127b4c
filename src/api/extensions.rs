//! Extensions (SPEC §4): the investigator asks for more time with a reason;
//! the Head of Service or the complaints manager agrees or refuses. Beyond
//! the policy's limit an extension needs the customer's agreement.

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cases::{case_response, reload_after_change, Case};
use super::database::ApiDatabase;
use super::idempotency::{self, Created};
use super::json::JsonBody;
use super::validation::{not_blank, one_of, plausible_date, report_of};
use super::{precondition, responses, rfc3339};
use crate::app::lifecycle;
use crate::app::time::Now;
use crate::auth::{Caller, Senior, Staff};
use crate::db::extensions::ExtensionRow;
use crate::db::{self, Database};
use crate::domain::case::Stage;
use crate::domain::clock::Clock;
use crate::domain::extension::{AgreementMethod, ExtensionDecision, ExtensionStatus};
use crate::error::{ApiError, FieldError};

/// An extension, as the case shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Extension {
    pub id: i64,
    pub stage: Stage,
    pub status: ExtensionStatus,
    pub reason: String,
    #[schema(value_type = String, format = Date)]
    pub previous_due: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub new_due: NaiveDate,
    /// Working days past the stage's original response due date.
    pub working_days_beyond_original: i32,
    /// Whether the customer agreed (needed beyond the policy's limit).
    pub customer_agreed: bool,
    /// When and how the customer agreed, where they did.
    pub customer_agreement: Option<CustomerAgreementRecord>,
    #[schema(format = DateTime)]
    pub requested_at: String,
    #[schema(format = DateTime)]
    pub decided_at: Option<String>,
    /// When the customer was told of the new date.
    #[schema(format = DateTime)]
    pub customer_told_at: Option<String>,
}

/// The customer's agreement to an extension, as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CustomerAgreementRecord {
    #[schema(format = DateTime)]
    pub agreed_at: String,
    pub method: AgreementMethod,
}

/// The extension as `viewer` may see it.
pub fn view(row: &ExtensionRow, stage: Stage) -> Result<Extension, ApiError> {
    Ok(Extension {
        id: row.id,
        stage,
        status: row.status,
        reason: row.reason.clone(),
        previous_due: row.previous_due,
        new_due: row.new_due,
        working_days_beyond_original: row.working_days_beyond_original,
        customer_agreed: row.customer_agreed,
        customer_agreement: match (row.customer_agreed_at, row.customer_agreement_method) {
            (Some(at), Some(method)) => Some(CustomerAgreementRecord {
                agreed_at: rfc3339(at),
                method,
            }),
            _ => None,
        },
        requested_at: rfc3339(row.requested_at),
        decided_at: row.decided_at.map(rfc3339),
        customer_told_at: row.customer_told_at.map(rfc3339),
    })
}

/// Whether a customer or partner may see this extension: only agreed ones.
pub fn visible_to(row: &ExtensionRow, viewer: &Caller) -> bool {
    viewer.is_staff() || row.status == ExtensionStatus::Agreed
}

/// A request for more time.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "reason": "We are waiting for the contractor's vehicle tracking records.",
    "new_response_due": "2026-12-10"
}))]
pub struct ExtensionRequest {
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 2000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
    /// The new response due date: a working day after the current one.
    #[schema(value_type = String, format = Date)]
    #[validate(required(message = "is required"), custom(function = "plausible_date"))]
    pub new_response_due: Option<NaiveDate>,
    /// When and how the customer agreed: needed to go beyond the policy's extension limit.
    #[validate(nested)]
    pub customer_agreement: Option<CustomerAgreement>,
}

/// The customer's agreement to a longer extension.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"agreed_at": "2026-11-24T15:30:00Z", "method": "telephone"}))]
pub struct CustomerAgreement {
    /// When the customer agreed: not in the future.
    #[validate(required(message = "is required"))]
    #[schema(value_type = String, format = DateTime)]
    pub agreed_at: Option<DateTime<Utc>>,
    #[validate(required(message = "is required"))]
    #[schema(value_type = AgreementMethod)]
    pub method: Option<String>,
}

/// A decision on an extension.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "agree", "customer_told_at": "2026-11-25T10:00:00Z"}))]
pub struct ExtensionDecisionRequest {
    #[validate(required(message = "is required"))]
    #[schema(value_type = ExtensionDecision)]
    pub decision: Option<String>,
    /// When the customer was told of the new date and why: required to agree.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub customer_told_at: Option<DateTime<Utc>>,
}

#[utoipa::path(
    tag = "cases",
    operation_id = "request_extension",
    description = "Roles: the stage's investigating officer; head_of_service of the case's \
                   service and complaints_manager.\n\n\
                   Asks for a later response due date, with the reason. It stays `requested` \
                   until the Head of Service or the complaints manager decides. A date more \
                   than the policy's extension limit (in working days) past the stage's \
                   original due date needs `customer_agreement` (when and how the customer \
                   agreed); where the policy sets a calendar-month ceiling (Walsall) no \
                   extension goes past it. Needs `If-Match`; send an `Idempotency-Key`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("If-Match" = String, Header, description = "The case's ETag"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body replay the first answer", min_length = 1, max_length = 255, pattern = "^[!-~]+$")
    ),
    request_body = ExtensionRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The extension, requested", body = Extension,
            headers(
                ("Location" = String, description = "The case"),
                ("ETag" = String, description = "The case's new version")
            )),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/extensions")]
pub async fn ask(
    req: HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    now: web::Data<Now>,
    clock: web::Data<Clock>,
    reference: web::Path<String>,
    body: JsonBody<ExtensionRequest>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key(&req)?;
    let reference = reference.into_inner();
    let fingerprint = body.fingerprint(&format!("POST /api/v1/cases/{reference}/extensions"));
    let request = body.value;
    let mut errors = report_of(&request);
    let agreement = request.customer_agreement.as_ref();
    let method = agreement.and_then(|a| {
        one_of(
            a.method.as_deref(),
            "customer_agreement.method",
            AgreementMethod::parse,
            AgreementMethod::expected,
            &mut errors,
        )
    });
    let agreed_at = agreement.and_then(|a| a.agreed_at);
    if agreed_at.is_some_and(|at| at > now.now().and_utc() + chrono::Duration::minutes(5)) {
        errors.push(FieldError::new(
            "customer_agreement.agreed_at",
            "must not be in the future",
        ));
    }
    // An agreement given but faulty is reported on its own fields, not as a missing one.
    let agreement_given = agreement.is_some();
    let agreed = match (agreed_at, method) {
        (Some(at), Some(method)) => Some((db::truncate_to_micros(at.naive_utc()), method)),
        _ => None,
    };
    let (Some(new_due), Some(reason), true) = (
        request.new_response_due,
        request.reason.clone(),
        errors.is_empty(),
    ) else {
        return Err(ApiError::Validation(errors));
    };
    let ask = lifecycle::ExtensionAsk {
        new_due,
        reason,
        agreement: agreed,
        agreement_given,
    };
    let caller = staff.0;
    let subject = caller.subject.clone();
    let expected = precondition::expected_version(&req)?;
    idempotency::create_once(&db, &subject, key, fingerprint, move |conn| {
        let (case, row, stage) = lifecycle::request_extension(
            conn,
            &clock.deadlines(),
            now.now(),
            &caller,
            &reference,
            expected,
            &ask,
        )?;
        let extension = view(&row, stage)?;
        Ok(Created {
            location: format!("/api/v1/cases/{}", case.reference),
            body: serde_json::to_string(&extension).map_err(ApiError::internal)?,
            etag: Some(format!("\"{}\"", case.version)),
        })
    })
    .await
}

#[utoipa::path(
    tag = "cases",
    operation_id = "decide_extension",
    description = "Roles: head_of_service of the case's service, complaints_manager.\n\n\
                   Agrees (the stage's response due date moves to the new date; the customer \
                   sees it) or refuses a requested extension. Agreeing records when the \
                   customer was told. Agreeing writes the extension notice to the customer \
                   (`GET …/letters`): the reason, the new date and the Ombudsman's details. \
                   Needs `If-Match`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("id" = i64, Path, description = "The extension's id", minimum = 1),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body = ExtensionDecisionRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case after the decision", body = Case,
            headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/extensions/{id}/decision")]
pub async fn decide(
    req: HttpRequest,
    caller: Senior,
    db: web::Data<Database>,
    now: web::Data<Now>,
    letters: web::Data<crate::letters::Templates>,
    path: web::Path<(String, String)>,
    body: JsonBody<ExtensionDecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let (reference, id) = path.into_inner();
    let request = body.value;
    let mut errors = report_of(&request);
    let decision = one_of(
        request.decision.as_deref(),
        "decision",
        ExtensionDecision::parse,
        ExtensionDecision::expected,
        &mut errors,
    );
    let latest = now.now().and_utc() + chrono::Duration::minutes(5);
    match (decision, request.customer_told_at) {
        (Some(ExtensionDecision::Agree), None) => errors.push(FieldError::new(
            "customer_told_at",
            "record when the customer was told of the new date",
        )),
        (_, Some(at)) if at > latest => errors.push(FieldError::new(
            "customer_told_at",
            "must not be in the future",
        )),
        _ => {}
    }
    let Some(decision) = decision.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let told = request
        .customer_told_at
        .map(|t| db::truncate_to_micros(t.naive_utc()));
    let id = super::path_id(&id, "extension")?;
    let expected = precondition::expected_version(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            // An id that is not a number names no extension.
            let changed = lifecycle::decide_extension(
                conn,
                &letters,
                now.now(),
                &caller,
                &reference,
                expected,
                id,
                decision,
                told,
            )?;
            reload_after_change(conn, changed, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

//! Remedies (SPEC §5): what the council will put right, by when and who owns
//! it; marked done with evidence, or reported as undeliverable; overdue ones
//! listed for the complaints team and Heads of Service.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::cases::{case_response, reload_after_change, Case};
use super::database::ApiDatabase;
use super::idempotency::{self, Created};
use super::json::JsonBody;
use super::validation::{not_blank, one_of, plausible_date, report_of};
use super::{pagination, precondition, responses};
use crate::app::remedies;
use crate::app::time::Now;
use crate::auth::Staff;
use crate::db::remedies::{self as repo, RemedyRow};
use crate::db::{self, Database};
use crate::domain::clock::uk_date;
use crate::domain::remedy::{RemedyStatus, RemedyType};
use crate::error::{ApiError, FieldError};

/// Money, in pence.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    #[validate(
        required(message = "is required"),
        range(min = 1, max = 100000000, message = "must be 1 to 100000000 pence")
    )]
    #[schema(value_type = i64, example = 25000)]
    pub amount_pence: Option<i64>,
    /// `GBP`.
    #[schema(value_type = String, example = "GBP")]
    pub currency: Option<String>,
}

/// A remedy to promise.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "type": "financial", "description": "A payment for the time and trouble of chasing the collection",
    "due": "2026-12-18", "owner": "waste-care-manager", "amount": {"amount_pence": 5000, "currency": "GBP"}
}))]
pub struct NewRemedy {
    #[serde(rename = "type")]
    #[validate(required(message = "is required"))]
    #[schema(value_type = RemedyType)]
    pub remedy_type: Option<String>,
    /// What will happen.
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 2000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    pub description: Option<String>,
    #[validate(required(message = "is required"), custom(function = "plausible_date"))]
    #[schema(value_type = String, format = Date)]
    pub due: Option<NaiveDate>,
    /// Who will do it: a member of staff's id.
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 200)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub owner: Option<String>,
    /// A financial remedy's amount.
    #[validate(nested)]
    pub amount: Option<Money>,
}

/// A remedy, as the case and the list show it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Remedy {
    pub id: i64,
    pub case_reference: String,
    #[serde(rename = "type")]
    pub remedy_type: RemedyType,
    pub description: String,
    #[schema(value_type = String, format = Date)]
    pub due: NaiveDate,
    /// Staff only.
    pub owner: Option<String>,
    pub amount: Option<Money>,
    pub status: RemedyStatus,
    /// Promised and past its due date.
    pub overdue: bool,
    #[schema(value_type = Option<String>, format = Date)]
    pub done_on: Option<NaiveDate>,
    pub evidence: Option<String>,
}

/// The remedy as `staff` (or not) may see it.
pub fn view(row: &RemedyRow, reference: &str, staff: bool) -> Result<Remedy, ApiError> {
    let status = row.status;
    Ok(Remedy {
        id: row.id,
        case_reference: reference.to_string(),
        remedy_type: row.remedy_type,
        description: row.description.clone(),
        due: row.due,
        owner: staff.then(|| row.owner.clone()),
        amount: row.amount_pence.map(|pence| Money {
            amount_pence: Some(pence),
            currency: row.currency.clone(),
        }),
        status,
        overdue: status == RemedyStatus::Promised && row.due < uk_date(db::now()),
        done_on: row.done_on,
        evidence: row.evidence.clone().filter(|_| staff),
    })
}

#[utoipa::path(
    tag = "cases",
    operation_id = "promise_remedy",
    description = "Roles: investigating_officer, head_of_service and complaints_manager, for \
                   the case's service.\n\n\
                   Records a remedy on a complaint: what will happen, by when, who owns it, and \
                   for a financial remedy the amount in pence. The customer sees the remedies \
                   promised. Send an `Idempotency-Key`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body replay the first answer", min_length = 1, max_length = 255, pattern = "^[!-~]+$")
    ),
    request_body = NewRemedy,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The remedy", body = Remedy, headers(("Location" = String, description = "The case"))),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/cases/{reference}/remedies")]
pub async fn promise(
    req: HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: JsonBody<NewRemedy>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key(&req)?;
    let reference = reference.into_inner();
    let fingerprint = body.fingerprint(&format!("POST /api/v1/cases/{reference}/remedies"));
    let remedy = body.value;
    let mut errors = report_of(&remedy);
    let remedy_type = one_of(
        remedy.remedy_type.as_deref(),
        "type",
        RemedyType::parse,
        RemedyType::expected,
        &mut errors,
    );
    match (remedy_type, &remedy.amount) {
        (Some(RemedyType::Financial), None) => errors.push(FieldError::new(
            "amount",
            "a financial remedy needs its amount",
        )),
        (Some(t), Some(_)) if t != RemedyType::Financial => errors.push(FieldError::new(
            "amount",
            "only a financial remedy has an amount",
        )),
        _ => {}
    }
    if let Some(currency) = remedy.amount.as_ref().and_then(|a| a.currency.as_deref()) {
        if currency != "GBP" {
            errors.push(FieldError::new("amount.currency", "must be GBP"));
        }
    }
    let (Some(remedy_type), Some(description), Some(due), Some(owner), true) = (
        remedy_type,
        remedy.description,
        remedy.due,
        remedy.owner,
        errors.is_empty(),
    ) else {
        return Err(ApiError::Validation(errors));
    };
    let promise = remedies::Promise {
        remedy_type,
        description,
        due,
        owner,
        amount_pence: remedy.amount.and_then(|a| a.amount_pence),
    };
    let caller = staff.0;
    let subject = caller.subject.clone();
    idempotency::create_once(&db, &subject, key, fingerprint, move |conn| {
        let (case, row) = remedies::promise(conn, now.now(), &caller, &reference, &promise)?;
        let remedy = view(&row, &case.reference, true)?;
        Ok(Created {
            location: format!("/api/v1/cases/{}", case.reference),
            body: serde_json::to_string(&remedy).map_err(ApiError::internal)?,
            etag: None,
        })
    })
    .await
}

/// A remedy's outcome.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "done", "done_on": "2026-12-10", "evidence": "Payment reference BACS-55120"}))]
pub struct RemedyOutcome {
    /// `done`, or `cannot_deliver` (tell the customer, with the Ombudsman's details).
    #[validate(required(message = "is required"))]
    #[schema(value_type = RemedyStatus)]
    pub status: Option<String>,
    #[validate(required(message = "is required"), custom(function = "plausible_date"))]
    #[schema(value_type = String, format = Date)]
    pub done_on: Option<NaiveDate>,
    /// The evidence that it was done, or why it cannot be.
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 2000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    pub evidence: Option<String>,
}

#[utoipa::path(
    tag = "cases",
    operation_id = "complete_remedy",
    description = "Roles: investigating_officer, head_of_service and complaints_manager, for \
                   the case's service.\n\n\
                   Marks a promised remedy done, with the evidence, or records that it cannot \
                   be delivered. Needs `If-Match`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("id" = i64, Path, description = "The remedy's id", minimum = 1),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body = RemedyOutcome,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case", body = Case, headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/remedies/{id}/outcome")]
pub async fn complete(
    req: HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    now: web::Data<Now>,
    path: web::Path<(String, String)>,
    body: JsonBody<RemedyOutcome>,
) -> Result<HttpResponse, ApiError> {
    let outcome = body.value;
    let mut errors = report_of(&outcome);
    let status = outcome
        .status
        .as_deref()
        .and_then(RemedyStatus::parse)
        .filter(|s| *s != RemedyStatus::Promised);
    if outcome.status.is_some() && status.is_none() {
        errors.push(FieldError::new("status", "must be done or cannot_deliver"));
    }
    if outcome.done_on.is_some_and(|d| d > uk_date(now.now())) {
        errors.push(FieldError::new("done_on", "must not be in the future"));
    }
    let (Some(status), Some(done_on), Some(evidence), true) =
        (status, outcome.done_on, outcome.evidence, errors.is_empty())
    else {
        return Err(ApiError::Validation(errors));
    };
    let outcome = remedies::Outcome {
        status,
        done_on,
        evidence,
    };
    let caller = staff.0;
    let (reference, id) = path.into_inner();
    let id = super::path_id(&id, "remedy")?;
    let expected = precondition::expected_version(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let case =
                remedies::complete(conn, now.now(), &caller, &reference, expected, id, &outcome)?;
            reload_after_change(conn, case, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

/// Filters on the remedies list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemedyQuery {
    #[param(value_type = Option<RemedyStatus>)]
    #[serde(default)]
    pub status: Option<String>,
    /// `true`: promised remedies past their due date.
    #[param(value_type = Option<bool>)]
    #[serde(default)]
    pub overdue: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    #[serde(default)]
    pub limit: Option<String>,
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub cursor: Option<String>,
}

/// A page of remedies, soonest due first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RemedyList {
    pub items: Vec<Remedy>,
    pub next_cursor: Option<String>,
}

#[utoipa::path(
    tag = "cases",
    operation_id = "list_remedies",
    description = "Roles: investigating_officer and head_of_service (their services), \
                   complaints_manager (all).\n\n\
                   Remedies across cases, soonest due first: `?overdue=true` lists those \
                   promised and past their due date.",
    params(RemedyQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of remedies", body = RemedyList),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/remedies")]
pub async fn list(
    req: HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    query: web::Query<RemedyQuery>,
) -> Result<web::Json<RemedyList>, ApiError> {
    let query = query.into_inner();
    let mut errors = Vec::new();
    let limit = pagination::limit(query.limit.as_deref(), &mut errors);
    let after = pagination::decode_as(query.cursor.as_deref(), |p| {
        let (due, id) = p.split_once('|')?;
        Some((
            NaiveDate::parse_from_str(due, "%Y-%m-%d")
                .ok()
                .filter(|due| crate::domain::dates::plausible(*due))?,
            pagination::row_id(id)?,
        ))
    })?;
    let mut status = query.status.clone();
    if status
        .as_deref()
        .is_some_and(|s| RemedyStatus::parse(s).is_none())
    {
        errors.push(FieldError::new(
            "status",
            format!("must be one of {}", RemedyStatus::expected()),
        ));
    }
    let due_before = match query.overdue.as_deref() {
        None | Some("false") => None,
        Some("true") => {
            status = Some(RemedyStatus::Promised.as_str().into());
            Some(uk_date(db::now()))
        }
        Some(_) => {
            errors.push(FieldError::new("overdue", "must be true or false"));
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let caller = staff.0;
    let scope = caller.case_scope();
    let reader = caller.clone();
    let rows = db
        .read(move |conn| {
            let rows = repo::list(
                conn,
                &scope,
                status.as_deref(),
                due_before,
                after,
                limit + 1,
            )?;
            // One query for every row's case reference.
            let ids: Vec<i64> = rows.iter().map(|r| r.case_id).collect();
            let references: std::collections::HashMap<i64, String> = {
                use crate::db::schema::cases;
                use diesel::prelude::*;
                cases::table
                    .filter(cases::id.eq_any(ids))
                    .select((cases::id, cases::reference))
                    .load::<(i64, String)>(conn)?
                    .into_iter()
                    .collect()
            };
            let out: Vec<(RemedyRow, String)> = rows
                .into_iter()
                .map(|r| {
                    let reference = references.get(&r.case_id).cloned().unwrap_or_default();
                    (r, reference)
                })
                .collect();
            Ok(out)
        })
        .await?;
    let (rows, next_cursor) =
        pagination::split_page(rows, limit, |(r, _)| format!("{}|{}", r.due, r.id));
    let items = rows
        .iter()
        .map(|(r, reference)| view(r, reference, true))
        .collect::<Result<Vec<_>, _>>()?;
    // Each remedy is part of its case: one read of each case the page showed.
    super::access_log::record(
        &req,
        &reader,
        crate::domain::access_log::Read::cases(items.iter().map(|r| r.case_reference.as_str())),
    );
    Ok(web::Json(RemedyList { items, next_cursor }))
}

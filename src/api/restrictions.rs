//! Restrictions on unreasonable behaviour (issue 14 §3-4): recorded on a person by a senior
//! officer, reviewed, and enforced at intake. Staff records only: a customer or partner asking
//! for one is answered 404, as if there were none; the person sees only the notice sent to
//! them.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cases::{case_response, reload_after_change, Case};
use super::database::ApiDatabase;
use super::idempotency::{self, Created};
use super::json::JsonBody;
use super::validation::{not_blank, one_of, plausible_date, report_of};
use super::{precondition, responses, rfc3339};
use crate::app::restrictions::{self as use_case, NewIssueReading, NewRestriction, Review};
use crate::app::time::Now;
use crate::app::{self};
use crate::auth::{AnyCaller, Staff};
use crate::db::restrictions::{RestrictionRow, ReviewRow};
use crate::db::{Database, DbConnection};
use crate::domain::case::Role;
use crate::domain::restriction::{
    Behaviour, RestrictionStatus, RestrictionType, ReviewOutcome, Scope,
};
use crate::error::{ApiError, FieldError};

/// A behaviour seen, with its evidence.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BehaviourSeen {
    pub behaviour: Behaviour,
    pub evidence: String,
}

/// The warning given before the restriction.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Warning {
    #[schema(value_type = String, format = Date)]
    pub given_on: NaiveDate,
    /// How and what the person was told.
    pub details: Option<String>,
}

/// A review of the restriction, as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RestrictionReview {
    pub outcome: ReviewOutcome,
    pub reasons: Option<String>,
    #[schema(value_type = String, format = Date)]
    pub previous_review_on: NaiveDate,
    /// The new review date, for an extension.
    #[schema(value_type = Option<String>, format = Date)]
    pub new_review_on: Option<NaiveDate>,
    pub reviewed_by: String,
    #[schema(format = DateTime)]
    pub reviewed_at: String,
}

/// A restriction on how a person may contact the council (staff only).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 4, "person_id": 812, "case": "CMP-2026-000042", "status": "in_force",
    "restriction_type": "single_point_of_contact", "contact_officer": "officer-9",
    "contact_limit": null, "scope": "services", "services": ["waste-care"], "matter": [],
    "behaviours": [{"behaviour": "unreasonable_persistent_contact",
                    "evidence": "41 calls to the depot in November, 12 of them abusive"}],
    "warning": {"given_on": "2026-11-20", "details": "Letter of 20 November"},
    "no_warning_reason": null,
    "proportionality": "Limited to Waste Care; email and letters still answered; no disability known that explains the calls (Equality Act 2010 considered)",
    "decided_by": "manager-1", "decided_by_role": "complaints_manager",
    "decided_at": "2026-12-01T09:00:00Z", "starts_on": "2026-12-01", "review_on": "2027-03-01",
    "told_on": "2026-12-01", "notice_letter": 17, "lifted_at": null, "reviews": [],
    "version": 1, "updated_at": "2026-12-01T09:00:00Z"
}))]
pub struct Restriction {
    pub id: i64,
    pub person_id: i64,
    /// The case it arose from: its timeline carries the restriction's events.
    pub case: String,
    /// Where it stands today: it applies from `starts_on` to `review_on` inclusive, unless
    /// lifted; a review date passed without an extension ends it (`expired`).
    pub status: RestrictionStatus,
    pub restriction_type: RestrictionType,
    /// The single point of contact's staff id.
    pub contact_officer: Option<String>,
    /// The limit on calls (or visits), as stated.
    pub contact_limit: Option<String>,
    pub scope: Scope,
    /// The services in scope (scope `services`).
    pub services: Vec<String>,
    /// The matter's case references (scope `matter`).
    pub matter: Vec<String>,
    pub behaviours: Vec<BehaviourSeen>,
    pub warning: Option<Warning>,
    /// Why no warning came first, where none did.
    pub no_warning_reason: Option<String>,
    /// Why it is proportionate, and what the Equality Act asked.
    pub proportionality: String,
    pub decided_by: String,
    pub decided_by_role: Role,
    #[schema(format = DateTime)]
    pub decided_at: String,
    #[schema(value_type = String, format = Date)]
    pub starts_on: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub review_on: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub told_on: NaiveDate,
    /// The notice's letter on the case it arose from (`GET /cases/{reference}/letters/{id}`).
    pub notice_letter: Option<i64>,
    #[schema(format = DateTime)]
    pub lifted_at: Option<String>,
    /// Its reviews, oldest first.
    pub reviews: Vec<RestrictionReview>,
    pub version: i32,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

fn view(
    conn: &mut DbConnection,
    row: &RestrictionRow,
    reviews: Vec<ReviewRow>,
    now: chrono::NaiveDateTime,
) -> Result<Restriction, ApiError> {
    let use_case::Lists {
        services,
        matter,
        behaviours,
    } = use_case::lists(row)?;
    let case = crate::db::cases::find(conn, row.case_id)?
        .map(|c| c.reference)
        .unwrap_or_default();
    Ok(Restriction {
        id: row.id,
        person_id: row.person_id,
        case,
        status: use_case::status_at(row, now),
        restriction_type: row.restriction_type,
        contact_officer: row.contact_officer.clone(),
        contact_limit: row.contact_limit.clone(),
        scope: row.scope,
        services,
        matter,
        behaviours: behaviours
            .into_iter()
            .map(|b| BehaviourSeen {
                behaviour: b.behaviour,
                evidence: b.evidence,
            })
            .collect(),
        warning: row.warned_on.map(|given_on| Warning {
            given_on,
            details: row.warning.clone(),
        }),
        no_warning_reason: row.no_warning_reason.clone(),
        proportionality: row.proportionality.clone(),
        decided_by: row.decided_by.clone(),
        decided_by_role: row.decided_by_role,
        decided_at: rfc3339(row.decided_at),
        starts_on: row.starts_on,
        review_on: row.review_on,
        told_on: row.told_on,
        notice_letter: row.letter_id,
        lifted_at: row.lifted_at.map(rfc3339),
        reviews: reviews
            .into_iter()
            .map(|r| RestrictionReview {
                outcome: r.outcome,
                reasons: r.reasons,
                previous_review_on: r.previous_review_on,
                new_review_on: r.new_review_on,
                reviewed_by: r.reviewed_by,
                reviewed_at: rfc3339(r.reviewed_at),
            })
            .collect(),
        version: row.version,
        updated_at: rfc3339(row.updated_at),
    })
}

fn etag(row: &RestrictionRow) -> String {
    format!("\"{}\"", row.version)
}

/// Customers and partners never see restriction records: not found, as if there were none.
fn staff_only(caller: &crate::auth::Caller, id: i64) -> Result<(), ApiError> {
    if caller.is_staff() {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "there is no person {id} that you can see"
        )))
    }
}

/// A behaviour seen, as sent.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBehaviour {
    #[validate(required(message = "is required"))]
    #[schema(value_type = Behaviour)]
    pub behaviour: Option<String>,
    /// What shows it: dates, counts, the letters or calls.
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 5000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 5000)]
    pub evidence: Option<String>,
}

/// The warning given, as sent.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWarning {
    /// On or before the start date.
    #[validate(required(message = "is required"), custom(function = "plausible_date"))]
    #[schema(value_type = String, format = Date)]
    pub given_on: Option<NaiveDate>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub details: Option<String>,
}

/// A restriction to record.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "case": "CMP-2026-000042",
    "restriction_type": "single_point_of_contact", "contact_officer": "officer-9",
    "scope": "services", "services": ["waste-care"],
    "behaviours": [{"behaviour": "unreasonable_persistent_contact",
                    "evidence": "41 calls to the depot in November, 12 of them abusive"}],
    "warning": {"given_on": "2026-11-20", "details": "Letter of 20 November"},
    "proportionality": "Limited to Waste Care; email and letters still answered; no disability known that explains the calls (Equality Act 2010 considered)",
    "review_on": "2027-03-01"
}))]
pub struct NewRestrictionBody {
    /// The case it arose from (one of the person's): its timeline carries the restriction's
    /// events and review alerts, and its service names the Ombudsman in the notice.
    #[validate(required(message = "is required"), custom(function = "not_blank"))]
    #[schema(value_type = String, min_length = 1)]
    pub case: Option<String>,
    #[validate(required(message = "is required"))]
    #[schema(value_type = RestrictionType)]
    pub restriction_type: Option<String>,
    /// The single point of contact's staff id (their token's `sub`): required for
    /// `single_point_of_contact`.
    #[validate(custom(function = "not_blank"), length(max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub contact_officer: Option<String>,
    /// The limit: required for `limited_calls` (e.g. "one call a week, of up to 20 minutes").
    #[validate(custom(function = "not_blank"), length(max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub contact_limit: Option<String>,
    #[validate(required(message = "is required"))]
    #[schema(value_type = Scope)]
    pub scope: Option<String>,
    /// The services in scope, for scope `services`.
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50))]
    pub services: Vec<String>,
    /// The matter's case references (the person's), for scope `matter`.
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50))]
    pub matter: Vec<String>,
    /// The behaviours seen (seed 003 §6), each with its evidence: at least one.
    #[validate(length(min = 1, max = 6), nested)]
    #[schema(min_items = 1, max_items = 6)]
    pub behaviours: Vec<NewBehaviour>,
    /// The warning that came first. Required unless `no_warning_reason` says why none did.
    #[validate(nested)]
    pub warning: Option<NewWarning>,
    #[validate(custom(function = "not_blank"), length(max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub no_warning_reason: Option<String>,
    /// Why the restriction is proportionate, and what was considered under the Equality Act.
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 5000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 5000)]
    pub proportionality: Option<String>,
    /// Today when left out; not before the day the person is told.
    #[validate(custom(function = "plausible_date"))]
    #[schema(value_type = Option<String>, format = Date)]
    pub starts_on: Option<NaiveDate>,
    /// After the start date.
    #[validate(required(message = "is required"), custom(function = "plausible_date"))]
    #[schema(value_type = String, format = Date)]
    pub review_on: Option<NaiveDate>,
    /// When the person was told: today (the notice goes now) when left out, or earlier.
    #[validate(custom(function = "plausible_date"))]
    #[schema(value_type = Option<String>, format = Date)]
    pub told_on: Option<NaiveDate>,
}

fn trimmed(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

fn parse_new(body: NewRestrictionBody) -> Result<NewRestriction, ApiError> {
    let mut errors = report_of(&body);
    let restriction_type = one_of(
        body.restriction_type.as_deref(),
        "restriction_type",
        RestrictionType::parse,
        RestrictionType::expected,
        &mut errors,
    );
    let scope = one_of(
        body.scope.as_deref(),
        "scope",
        Scope::parse,
        Scope::expected,
        &mut errors,
    );
    let mut behaviours = Vec::new();
    for (i, b) in body.behaviours.iter().enumerate() {
        let behaviour = one_of(
            b.behaviour.as_deref(),
            &format!("behaviours[{i}].behaviour"),
            Behaviour::parse,
            Behaviour::expected,
            &mut errors,
        );
        if let (Some(behaviour), Some(evidence)) = (behaviour, b.evidence.clone()) {
            if behaviours.iter().any(|(seen, _)| *seen == behaviour) {
                errors.push(FieldError::new(
                    format!("behaviours[{i}].behaviour"),
                    "is listed already: give each behaviour once, with all its evidence",
                ));
            }
            behaviours.push((behaviour, evidence));
        }
    }
    let (Some(restriction_type), Some(scope), Some(review_on), true) =
        (restriction_type, scope, body.review_on, errors.is_empty())
    else {
        errors.sort_by(|a, b| a.field.cmp(&b.field));
        return Err(ApiError::Validation(errors));
    };
    let clean = |items: Vec<String>| -> Vec<String> {
        items.into_iter().map(|s| s.trim().to_string()).collect()
    };
    Ok(NewRestriction {
        case: body.case.unwrap_or_default().trim().to_string(),
        restriction_type,
        contact_officer: trimmed(body.contact_officer),
        contact_limit: trimmed(body.contact_limit),
        scope,
        services: clean(body.services),
        matter: clean(body.matter),
        behaviours,
        warned_on: body.warning.as_ref().and_then(|w| w.given_on),
        warning: body.warning.and_then(|w| trimmed(w.details)),
        no_warning_reason: trimmed(body.no_warning_reason),
        proportionality: body.proportionality.unwrap_or_default().trim().to_string(),
        starts_on: body.starts_on,
        review_on,
        told_on: body.told_on,
    })
}

#[utoipa::path(
    tag = "people",
    operation_id = "create_restriction",
    description = "Roles: complaints_manager (any scope), head_of_service (a scope of services \
                   they all head, or a matter whose cases' services they all head). An \
                   investigating officer, or a Head of Service deciding beyond their services, \
                   is refused 403; customers and partners get 404.\n\n\
                   Restricts how a person may contact the council (seed 003 §6; the LGSCO's \
                   guidance): the behaviours seen with their evidence, the warning that came \
                   first (or why none did), the type (single point of contact, written contact \
                   only, limited calls, no further correspondence on a matter, premises), its \
                   scope (all services, some services, or a matter: case references), the \
                   proportionality and Equality Act note, the start and review dates. The \
                   notice (why, what, for how long, the review date and the right to go to the \
                   Ombudsman) is written to the person on `case` and sent their way. The \
                   restriction applies from `starts_on` to `review_on` inclusive unless lifted; \
                   its review date raises `deadline.approaching` / `deadline.missed` on `case`'s \
                   timeline. From then, a new case or correspondence from the person in scope is \
                   still recorded, flagged `restricted_contact` and routed to the single point of \
                   contact. Send an `Idempotency-Key` so a retry cannot record it twice.",
    params(
        ("id" = i64, Path, description = "The person's id", minimum = 1, example = 812),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body replay the first answer", min_length = 1, max_length = 255, pattern = "^[!-~]+$")
    ),
    request_body = NewRestrictionBody,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The restriction", body = Restriction,
            headers(
                ("Location" = String, description = "The restriction's URL"),
                ("ETag" = String, description = "The restriction's version, for If-Match")
            )),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/people/{id}/restrictions")]
pub async fn create(
    req: HttpRequest,
    caller: AnyCaller,
    db: web::Data<Database>,
    now: web::Data<Now>,
    id: web::Path<String>,
    body: JsonBody<NewRestrictionBody>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let person = super::path_id(&id.into_inner(), "person")?;
    staff_only(&caller, person)?;
    let key = idempotency::key(&req)?;
    let fingerprint = body.fingerprint(&format!("POST /api/v1/people/{person}/restrictions"));
    let new = parse_new(body.value)?;
    let letters = super::letters::templates(&req)?;
    let at = now.now();
    let subject = caller.subject.clone();
    idempotency::create_once(&db, &subject, key, fingerprint, move |conn| {
        let row = use_case::decide(conn, &letters, at, &caller, person, &new)?;
        let restriction = view(conn, &row, vec![], at)?;
        Ok(Created {
            location: format!("/api/v1/people/{person}/restrictions/{}", row.id),
            body: serde_json::to_string(&restriction).map_err(ApiError::internal)?,
            etag: Some(etag(&row)),
        })
    })
    .await
}

/// A person's restrictions.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RestrictionList {
    /// Newest first.
    pub items: Vec<Restriction>,
}

#[utoipa::path(
    tag = "people",
    operation_id = "list_restrictions",
    description = "Roles: investigating_officer and head_of_service (the people on their \
                   services' cases), complaints_manager (everyone). Customers and partners get \
                   404.\n\n\
                   The person's restrictions, newest first, each with where it stands today \
                   (`scheduled`, `in_force`, `expired`, `lifted`) and its reviews.",
    params(("id" = i64, Path, description = "The person's id", minimum = 1, example = 812)),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The person's restrictions", body = RestrictionList),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/people/{id}/restrictions")]
pub async fn list(
    req: actix_web::HttpRequest,
    caller: AnyCaller,
    db: web::Data<Database>,
    now: web::Data<Now>,
    id: web::Path<String>,
) -> Result<web::Json<RestrictionList>, ApiError> {
    let caller = caller.0;
    let person = super::path_id(&id.into_inner(), "person")?;
    staff_only(&caller, person)?;
    let at = now.now();
    let reader = caller.clone();
    let items = db
        .read(move |conn| {
            let rows = use_case::list(conn, &reader, person)?;
            let mut items = Vec::with_capacity(rows.len());
            for row in rows {
                let reviews = crate::db::restrictions::reviews_of(conn, row.id)?;
                items.push(view(conn, &row, reviews, at)?);
            }
            Ok(items)
        })
        .await?;
    super::access_log::record(
        &req,
        &caller,
        [crate::domain::access_log::Read::person(person)],
    );
    Ok(web::Json(RestrictionList { items }))
}

fn restriction_response(restriction: Restriction, etag: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .json(restriction)
}

#[utoipa::path(
    tag = "people",
    operation_id = "get_restriction",
    description = "Roles: investigating_officer and head_of_service (the people on their \
                   services' cases), complaints_manager (everyone). Customers and partners get \
                   404.\n\nOne of the person's restrictions, with its reviews.",
    params(
        ("id" = i64, Path, description = "The person's id", minimum = 1, example = 812),
        ("restriction" = i64, Path, description = "The restriction's id", minimum = 1, example = 4)
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The restriction", body = Restriction,
            headers(("ETag" = String, description = "The restriction's version, for If-Match"))),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/people/{id}/restrictions/{restriction}")]
pub async fn get(
    req: actix_web::HttpRequest,
    caller: AnyCaller,
    db: web::Data<Database>,
    now: web::Data<Now>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let (person, restriction) = path.into_inner();
    let person = super::path_id(&person, "person")?;
    staff_only(&caller, person)?;
    let restriction = super::path_id(&restriction, "restriction")?;
    let at = now.now();
    let reader = caller.clone();
    let (view, etag) = db
        .read(move |conn| {
            let (row, reviews) = use_case::find(conn, &reader, person, restriction)?;
            Ok((view(conn, &row, reviews, at)?, etag(&row)))
        })
        .await?;
    super::access_log::record(
        &req,
        &caller,
        [crate::domain::access_log::Read::person(person)],
    );
    Ok(restriction_response(view, etag))
}

/// A review of a restriction, as sent.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "outcome": "extend",
    "reasons": "Calls resumed at the same rate in February, after the depot's manager changed",
    "new_review_on": "2027-06-01"
}))]
pub struct NewReview {
    #[validate(required(message = "is required"))]
    #[schema(value_type = ReviewOutcome)]
    pub outcome: Option<String>,
    /// Required to extend.
    #[validate(custom(function = "not_blank"), length(max = 5000))]
    #[schema(min_length = 1, max_length = 5000)]
    pub reasons: Option<String>,
    /// Required to extend: after the current review date and after today.
    #[validate(custom(function = "plausible_date"))]
    #[schema(value_type = Option<String>, format = Date)]
    pub new_review_on: Option<NaiveDate>,
}

#[utoipa::path(
    tag = "people",
    operation_id = "review_restriction",
    description = "Roles: complaints_manager, head_of_service (of every service in the \
                   restriction's scope); others 403, customers and partners 404.\n\n\
                   Reviews a restriction: `lift` (it stops applying at once, and new contact is \
                   no longer flagged), or `extend` with `reasons` and a `new_review_on` after the \
                   current review date and today (an expired restriction may be extended: it \
                   applies again from now). A lifted restriction is not reviewed again (409). \
                   Recorded on the timeline of the case it arose from (`restriction_lifted`, \
                   `restriction_extended`). Needs `If-Match` with the restriction's ETag.",
    params(
        ("id" = i64, Path, description = "The person's id", minimum = 1, example = 812),
        ("restriction" = i64, Path, description = "The restriction's id", minimum = 1, example = 4),
        ("If-Match" = String, Header, description = "The restriction's ETag")
    ),
    request_body = NewReview,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The restriction, reviewed", body = Restriction,
            headers(("ETag" = String, description = "The restriction's new version"))),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed),
        (status = 422, response = responses::ValidationFailed),
        (status = 428, response = responses::PreconditionRequired),
    )
)]
#[post("/people/{id}/restrictions/{restriction}/reviews")]
pub async fn review(
    req: HttpRequest,
    caller: AnyCaller,
    db: web::Data<Database>,
    now: web::Data<Now>,
    path: web::Path<(String, String)>,
    body: JsonBody<NewReview>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let (person, restriction) = path.into_inner();
    let person = super::path_id(&person, "person")?;
    staff_only(&caller, person)?;
    let restriction = super::path_id(&restriction, "restriction")?;
    let sent = body.value;
    let mut errors = report_of(&sent);
    let outcome = one_of(
        sent.outcome.as_deref(),
        "outcome",
        ReviewOutcome::parse,
        ReviewOutcome::expected,
        &mut errors,
    );
    let Some(outcome) = outcome.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let review = Review {
        outcome,
        reasons: sent.reasons,
        new_review_on: sent.new_review_on,
    };
    let expected = precondition::expected_version(&req)?;
    let at = now.now();
    let (view, etag) = db
        .write(move |conn| {
            let (row, reviews) =
                use_case::review(conn, at, &caller, person, restriction, expected, &review)
                    .map_err(|e| match e {
                        app::AppError::Stale { .. } => ApiError::PreconditionFailed(
                            "the restriction has changed since you read it: read it again".into(),
                        ),
                        other => other.into(),
                    })?;
            Ok((view(conn, &row, reviews, at)?, etag(&row)))
        })
        .await?;
    Ok(restriction_response(view, etag))
}

/// What staff found reading restricted contact for new issues.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "new_issues": false, "safeguarding_concern": false,
    "notes": "Repeats the points of CMP-2026-000042 about the missed collections; nothing new"
}))]
pub struct NewIssueReview {
    /// Whether the contact raises anything not already considered.
    #[validate(required(message = "is required"))]
    #[schema(value_type = bool)]
    pub new_issues: Option<bool>,
    /// Whether it shows a concern for anyone's safety.
    #[validate(required(message = "is required"))]
    #[schema(value_type = bool)]
    pub safeguarding_concern: Option<bool>,
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 5000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 5000)]
    pub notes: Option<String>,
}

#[utoipa::path(
    tag = "cases",
    operation_id = "review_new_issues",
    description = "Roles: investigating_officer and head_of_service (their services' cases), \
                   complaints_manager.\n\n\
                   Records that staff read the restricted contact on this case for new issues \
                   or safeguarding concerns, and what they found. A case flagged \
                   `restricted_contact` under a restriction of no further correspondence on a \
                   matter cannot be closed, or triaged out, until this is recorded after its \
                   latest such contact (409 `/problems/conflict`, field `new_issue_review`). A \
                   case with no restricted contact has nothing to read (409). Recorded on the \
                   timeline (`new_issues_reviewed`, internal). Needs `If-Match`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body = NewIssueReview,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case", body = Case, headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/new-issue-review")]
pub async fn review_new_issues(
    req: HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: JsonBody<NewIssueReview>,
) -> Result<HttpResponse, ApiError> {
    let sent = body.value;
    let errors = report_of(&sent);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let reading = NewIssueReading {
        new_issues: sent.new_issues.unwrap_or_default(),
        safeguarding_concern: sent.safeguarding_concern.unwrap_or_default(),
        notes: sent.notes.unwrap_or_default(),
    };
    let caller = staff.0;
    let reference = reference.into_inner();
    let expected = precondition::expected_version(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let case = use_case::review_new_issues(
                conn,
                now.now(),
                &caller,
                &reference,
                expected,
                &reading,
            )?;
            reload_after_change(conn, case, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

//! Reasonable adjustments (issue 14 §2; Complaint Handling Code 5.6): what the council agreed
//! to do for a person, when and by whom, kept under review. Staff who can see the person record
//! and review them; a customer reads their own. The case view shows those in force.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::database::ApiDatabase;
use super::idempotency::{self, Created};
use super::json::JsonBody;
use super::validation::{not_blank, one_of, report_of};
use super::{precondition, responses, rfc3339};
use crate::app::adjustments::{Agreement, Recorded};
use crate::app::time::Now;
use crate::app::{self, AppError};
use crate::auth::{Caller, NotPartner, Staff};
use crate::db::{Database, DbConnection};
use crate::domain::adjustment::{AdjustmentKind, AdjustmentReviewOutcome, Review, Terms};
use crate::error::{ApiError, FieldError};

/// What an adjustment was before a review changed it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReplacedTerms {
    pub kind: AdjustmentKind,
    pub language: Option<String>,
    pub details: Option<String>,
}

/// A review of an adjustment (staff only).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AdjustmentReview {
    pub outcome: AdjustmentReviewOutcome,
    pub note: String,
    #[schema(value_type = String, format = Date)]
    pub reviewed_on: NaiveDate,
    /// The staff member who reviewed it (their token's `sub`).
    pub reviewed_by: String,
    /// The review date it set (none when it ended it).
    #[schema(value_type = Option<String>, format = Date)]
    pub next_review_due: Option<NaiveDate>,
    /// The terms a `changed` review replaced.
    pub replaced: Option<ReplacedTerms>,
    #[schema(format = DateTime)]
    pub reviewed_at: String,
}

/// A reasonable adjustment agreed for a person.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 31, "person_id": 812, "kind": "interpreter", "language": "Polish", "details": null,
    "agreed_on": "2026-11-02", "agreed_by": "officer-17", "case": "CMP-2026-000042",
    "review_due": "2027-05-03", "in_force": true, "ended_on": null, "reviews": [],
    "created_at": "2026-11-02T09:00:00Z", "updated_at": "2026-11-02T09:00:00Z"
}))]
pub struct Adjustment {
    pub id: i64,
    pub person_id: i64,
    pub kind: AdjustmentKind,
    /// An interpreter's language.
    pub language: Option<String>,
    pub details: Option<String>,
    #[schema(value_type = String, format = Date)]
    pub agreed_on: NaiveDate,
    /// Staff only: who agreed it (their token's `sub`).
    pub agreed_by: Option<String>,
    /// The case it was agreed on, if one was named.
    pub case: Option<String>,
    /// When it is next to be reviewed (none once ended).
    #[schema(value_type = Option<String>, format = Date)]
    pub review_due: Option<NaiveDate>,
    /// In force until a review ends it (a review date passing does not end it: it raises
    /// `deadline.missed`).
    pub in_force: bool,
    #[schema(value_type = Option<String>, format = Date)]
    pub ended_on: Option<NaiveDate>,
    /// Staff only: its reviews, oldest first (empty for a customer).
    pub reviews: Vec<AdjustmentReview>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// A person's adjustments, in force and ended, newest agreed first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AdjustmentList {
    pub items: Vec<Adjustment>,
}

/// The adjustments as `viewer` may see them: staff everything; a customer (their own) the
/// adjustments without who agreed or reviewed them.
pub(crate) fn views(
    conn: &mut DbConnection,
    recorded: Vec<Recorded>,
    viewer: &Caller,
) -> Result<Vec<Adjustment>, ApiError> {
    let case_ids: Vec<i64> = recorded
        .iter()
        .filter_map(|r| r.adjustment.case_id)
        .collect();
    let references: HashMap<i64, String> =
        crate::db::adjustments::case_references(conn, &case_ids)?
            .into_iter()
            .collect();
    let staff = viewer.is_staff();
    Ok(recorded
        .into_iter()
        .map(
            |Recorded {
                 adjustment: a,
                 reviews,
             }| Adjustment {
                id: a.id,
                person_id: a.person_id,
                kind: a.kind,
                language: a.language,
                details: a.details,
                agreed_on: a.agreed_on,
                agreed_by: staff.then_some(a.agreed_by),
                case: a.case_id.and_then(|id| references.get(&id).cloned()),
                review_due: a.review_due,
                in_force: a.in_force,
                ended_on: a.ended_on,
                reviews: if staff {
                    reviews
                        .into_iter()
                        .map(|r| AdjustmentReview {
                            outcome: r.outcome,
                            note: r.note,
                            reviewed_on: r.reviewed_on,
                            reviewed_by: r.reviewed_by,
                            next_review_due: r.next_review_due,
                            replaced: r.previous_kind.map(|kind| ReplacedTerms {
                                kind,
                                language: r.previous_language,
                                details: r.previous_details,
                            }),
                            reviewed_at: rfc3339(r.reviewed_at),
                        })
                        .collect()
                } else {
                    vec![]
                },
                created_at: rfc3339(a.created_at),
                updated_at: rfc3339(a.updated_at),
            },
        )
        .collect())
}

fn one_view(
    conn: &mut DbConnection,
    recorded: Recorded,
    viewer: &Caller,
) -> Result<(Adjustment, String), ApiError> {
    let etag = etag(recorded.adjustment.version);
    let view = views(conn, vec![recorded], viewer)?
        .pop()
        .ok_or_else(|| ApiError::internal("an adjustment read was lost"))?;
    Ok((view, etag))
}

fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

fn location(person_id: i64, id: i64) -> String {
    format!("/api/v1/people/{person_id}/adjustments/{id}")
}

fn adjustment_response(adjustment: Adjustment, etag: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .json(adjustment)
}

/// The terms a request gives: `kind` with its `language` and `details`. `None` when none of
/// the three was sent.
fn terms_of(
    kind: Option<&str>,
    language: Option<&str>,
    details: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Option<Terms> {
    let kind = match kind {
        Some(raw) => one_of(
            Some(raw),
            "kind",
            AdjustmentKind::parse,
            AdjustmentKind::expected,
            errors,
        )?,
        None if language.is_some() || details.is_some() => {
            errors.push(FieldError::new(
                "kind",
                "is required with language or details",
            ));
            return None;
        }
        None => return None,
    };
    match Terms::parse(kind, language, details) {
        Ok(terms) => Some(terms),
        Err(faults) => {
            errors.extend(
                faults
                    .into_iter()
                    .map(|f| FieldError::new(f.field, f.message)),
            );
            None
        }
    }
}

/// An adjustment staff agreed.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "interpreter", "language": "Polish", "agreed_on": "2026-11-02",
    "review_due": "2027-05-03", "case": "CMP-2026-000042"
}))]
pub struct NewAdjustment {
    #[validate(required(message = "is required"))]
    #[schema(value_type = AdjustmentKind)]
    pub kind: Option<String>,
    /// Required for an interpreter (the language to interpret), refused for any other kind.
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub language: Option<String>,
    /// What exactly was agreed. Required for `named_contact` (who), `contact_preference`
    /// (which time or method) and `other` (what).
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000)]
    pub details: Option<String>,
    /// The day it was agreed (default today; not in the future; from 1900-01-01).
    #[validate(custom(function = "super::validation::plausible_date"))]
    #[schema(value_type = Option<String>, format = Date)]
    pub agreed_on: Option<NaiveDate>,
    /// When it is to be reviewed: after the day it was agreed (to 2199-12-31).
    #[validate(
        required(message = "is required"),
        custom(function = "super::validation::plausible_date")
    )]
    #[schema(value_type = String, format = Date)]
    pub review_due: Option<NaiveDate>,
    /// The reference of the case it was agreed on: one of this person's cases that the
    /// caller can see.
    #[validate(length(max = 30))]
    #[schema(max_length = 30, example = "CMP-2026-000042")]
    pub case: Option<String>,
}

#[utoipa::path(
    tag = "people",
    operation_id = "create_adjustment",
    description = "Roles: investigating_officer and head_of_service (the people on their \
                   services' cases), complaints_manager (everyone).\n\n\
                   Records a reasonable adjustment agreed for the person (Complaint Handling \
                   Code 5.6), agreed by the caller, with its review date. It holds on every case \
                   of theirs until a review ends it, and its review date raises \
                   `deadline.approaching` and `deadline.missed` on the timeline of the case it \
                   was agreed on while that case runs, else of the person's latest running case \
                   (else the agreed case, else their latest case). A record merged into another \
                   takes none (409: add it to the person kept). Send an `Idempotency-Key` so a \
                   retry cannot record it twice.",
    params(
        ("id" = i64, Path, description = "The person's id", minimum = 1, example = 812),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body replay the first answer", min_length = 1, max_length = 255, pattern = "^[!-~]+$")
    ),
    request_body = NewAdjustment,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The adjustment", body = Adjustment,
            headers(
                ("Location" = String, description = "The adjustment's URL"),
                ("ETag" = String, description = "The adjustment's version, for If-Match")
            )),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/people/{id}/adjustments")]
pub async fn create(
    req: HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    now: web::Data<Now>,
    id: web::Path<String>,
    body: JsonBody<NewAdjustment>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key(&req)?;
    let raw_id = id.into_inner();
    let fingerprint = body.fingerprint(&format!("POST /api/v1/people/{raw_id}/adjustments"));
    let new = body.value;
    let mut errors = report_of(&new);
    let terms = if new.kind.is_some() {
        terms_of(
            new.kind.as_deref(),
            new.language.as_deref(),
            new.details.as_deref(),
            &mut errors,
        )
    } else {
        None
    };
    if !errors.is_empty() {
        errors.sort_by(|a, b| a.field.cmp(&b.field));
        return Err(ApiError::Validation(errors));
    }
    let (Some(terms), Some(review_due)) = (terms, new.review_due) else {
        return Err(ApiError::invalid("kind", "is required"));
    };
    let caller = staff.0;
    let person_id = super::path_id(&raw_id, "person")?;
    let agreement = Agreement {
        terms,
        agreed_on: new.agreed_on,
        review_due,
        case: new
            .case
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string),
    };
    let subject = caller.subject.clone();
    idempotency::create_once(&db, &subject, key, fingerprint, move |conn| {
        let recorded =
            app::adjustments::agree(conn, now.now(), &caller, person_id, agreement.clone())?;
        let id = recorded.adjustment.id;
        let (view, etag) = one_view(conn, recorded, &caller)?;
        Ok(Created {
            location: location(person_id, id),
            body: serde_json::to_string(&view).map_err(ApiError::internal)?,
            etag: Some(etag),
        })
    })
    .await
}

#[utoipa::path(
    tag = "people",
    operation_id = "list_adjustments",
    description = "Roles: investigating_officer and head_of_service (the people on their \
                   services' cases), complaints_manager (everyone), customer (their own).\n\n\
                   The person's reasonable adjustments, in force and ended (kept for the \
                   record), newest agreed first. A customer sees what was agreed and when it is \
                   reviewed, not who agreed or reviewed it. A record merged into another shows \
                   the person kept's.",
    params(("id" = i64, Path, description = "The person's id", minimum = 1, example = 812)),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The person's adjustments", body = AdjustmentList),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/people/{id}/adjustments")]
pub async fn list(
    req: actix_web::HttpRequest,
    caller: NotPartner,
    db: web::Data<Database>,
    id: web::Path<String>,
) -> Result<web::Json<AdjustmentList>, ApiError> {
    let caller = caller.0;
    let id = super::path_id(&id.into_inner(), "person")?;
    let reader = caller.clone();
    let items = db
        .read(move |conn| {
            let recorded = app::adjustments::list(conn, &reader, id)?;
            views(conn, recorded, &reader)
        })
        .await?;
    super::access_log::record(&req, &caller, [crate::domain::access_log::Read::person(id)]);
    Ok(web::Json(AdjustmentList { items }))
}

#[utoipa::path(
    tag = "people",
    operation_id = "get_adjustment",
    description = "Roles: investigating_officer and head_of_service (the people on their \
                   services' cases), complaints_manager (everyone), customer (their own).\n\n\
                   One of the person's adjustments, with its `ETag` for a review.",
    params(
        ("id" = i64, Path, description = "The person's id", minimum = 1, example = 812),
        ("adjustment" = i64, Path, description = "The adjustment's id", minimum = 1, example = 31)
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The adjustment", body = Adjustment,
            headers(("ETag" = String, description = "The adjustment's version, for If-Match"))),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/people/{id}/adjustments/{adjustment}")]
pub async fn get(
    req: actix_web::HttpRequest,
    caller: NotPartner,
    db: web::Data<Database>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let (person, adjustment) = path.into_inner();
    let person = super::path_id(&person, "person")?;
    let adjustment = super::path_id(&adjustment, "adjustment")?;
    let reader = caller.clone();
    let (view, etag) = db
        .read(move |conn| {
            let recorded = app::adjustments::get(conn, &reader, person, adjustment)?;
            one_view(conn, recorded, &reader)
        })
        .await?;
    super::access_log::record(
        &req,
        &caller,
        [crate::domain::access_log::Read::person(person)],
    );
    Ok(adjustment_response(view, etag))
}

/// A review of an adjustment.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "outcome": "continued", "next_review_due": "2027-11-01",
    "note": "Spoke to Ms Example: still needs a Polish interpreter for meetings"
}))]
pub struct NewReview {
    #[validate(required(message = "is required"))]
    #[schema(value_type = AdjustmentReviewOutcome)]
    pub outcome: Option<String>,
    /// What was considered, and with whom.
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 2000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    pub note: Option<String>,
    /// The next review date, after today: required to continue or change, refused to end.
    #[validate(custom(function = "super::validation::plausible_date"))]
    #[schema(value_type = Option<String>, format = Date)]
    pub next_review_due: Option<NaiveDate>,
    /// `changed` only, and then required: the new kind (it may be the same kind with new
    /// language or details).
    #[schema(value_type = Option<AdjustmentKind>)]
    pub kind: Option<String>,
    /// `changed` only: an interpreter's language.
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub language: Option<String>,
    /// `changed` only: the new details (required for `named_contact`, `contact_preference`
    /// and `other`).
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000)]
    pub details: Option<String>,
}

#[utoipa::path(
    tag = "people",
    operation_id = "review_adjustment",
    description = "Roles: investigating_officer and head_of_service (the people on their \
                   services' cases), complaints_manager (everyone).\n\n\
                   Reviews an adjustment today, with a note: `continued` (the same terms, with \
                   the next review date), `changed` (new terms given whole: `kind` with its \
                   `language` or `details`, and the next review date; the terms replaced are \
                   kept on the review), or `ended` (no longer in force; kept for the record, and \
                   its review deadline is put to rest). A new review date moves the deadline's \
                   alerts. An ended adjustment is not reviewed again (409). Needs `If-Match` \
                   with the adjustment's ETag.",
    params(
        ("id" = i64, Path, description = "The person's id", minimum = 1, example = 812),
        ("adjustment" = i64, Path, description = "The adjustment's id", minimum = 1, example = 31),
        ("If-Match" = String, Header, description = "The adjustment's ETag")
    ),
    request_body = NewReview,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The adjustment as the review left it", body = Adjustment,
            headers(("ETag" = String, description = "The adjustment's new version"))),
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
#[post("/people/{id}/adjustments/{adjustment}/reviews")]
pub async fn review(
    req: HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    now: web::Data<Now>,
    path: web::Path<(String, String)>,
    body: JsonBody<NewReview>,
) -> Result<HttpResponse, ApiError> {
    let new = body.value;
    let mut errors = report_of(&new);
    let outcome = one_of(
        new.outcome.as_deref(),
        "outcome",
        AdjustmentReviewOutcome::parse,
        AdjustmentReviewOutcome::expected,
        &mut errors,
    );
    let terms = terms_of(
        new.kind.as_deref(),
        new.language.as_deref(),
        new.details.as_deref(),
        &mut errors,
    );
    if !errors.is_empty() {
        errors.sort_by(|a, b| a.field.cmp(&b.field));
        return Err(ApiError::Validation(errors));
    }
    let Some(outcome) = outcome else {
        return Err(ApiError::invalid("outcome", "is required"));
    };
    let caller = staff.0;
    let (person, adjustment) = path.into_inner();
    let person = super::path_id(&person, "person")?;
    let adjustment = super::path_id(&adjustment, "adjustment")?;
    let expected = precondition::expected_version(&req)?;
    let asked = Review {
        outcome,
        next_review_due: new.next_review_due,
        terms,
    };
    let note = new.note.unwrap_or_default();
    let (view, etag) = db
        .write(move |conn| {
            let recorded = app::adjustments::review(
                conn,
                now.now(),
                &caller,
                app::adjustments::ReviewOf {
                    person_id: person,
                    id: adjustment,
                    expected,
                },
                &asked,
                &note,
            )
            .map_err(|e| match e {
                AppError::Stale { .. } => ApiError::PreconditionFailed(
                    "the adjustment has changed since you read it: read it again".into(),
                ),
                other => other.into(),
            })?;
            one_view(conn, recorded, &caller)
        })
        .await?;
    Ok(adjustment_response(view, etag))
}

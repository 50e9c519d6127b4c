//! Legal holds on cases and people, a case's retention as it stands (issue 15 §1), and
//! erasure requests (§4).
//! Complaints manager only: a hold stops the retention schedule and erasure.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::database::ApiDatabase;
use super::idempotency::{self, Created};
use super::json::{JsonBody, OptionalJson};
use super::validation::{field_errors, not_blank, one_of, plausible_date, report_of};
use super::{path_id, responses, rfc3339};
use crate::app::documents::DocumentStore;
use crate::app::retention::{self as app, HoldOn};
use crate::app::time::Now;
use crate::auth::ComplaintsManager;
use crate::db::retention::{ErasureRow, HoldRow};
use crate::db::Database;
use crate::domain::access_log::Read;
use crate::domain::clock::uk_date;
use crate::domain::retention::{Age, ErasureDecision, HoldTarget, LawfulBasis};
use crate::error::{ApiError, FieldError};

/// A legal hold to place.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Judicial review claim issued 2026-11-30 (claim AC-2026-LON-001234)"}))]
pub struct NewHold {
    /// Why the data must be kept: the legal action, claim or investigation.
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 2000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
}

/// Why a hold is lifted (optional).
#[derive(Debug, Clone, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The claim was withdrawn"}))]
pub struct Lifting {
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// A legal hold: in force until lifted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LegalHold {
    pub id: i64,
    /// What it is on: a case, or a person (and so every case of theirs).
    pub on: HoldTarget,
    #[schema(example = "CMP-2026-000042")]
    pub case: Option<String>,
    pub person_id: Option<i64>,
    pub reason: String,
    pub placed_by: String,
    #[schema(format = DateTime)]
    pub placed_at: String,
    /// Whether it is still in force.
    pub in_force: bool,
    pub lifted_by: Option<String>,
    #[schema(format = DateTime)]
    pub lifted_at: Option<String>,
    pub lift_reason: Option<String>,
}

/// A legal hold in force, as staff see it on the case and person views.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "on": "person", "case": null, "person_id": 812,
    "reason": "Judicial review claim issued 2026-11-30 (claim AC-2026-LON-001234)",
    "placed_by": "cm-1", "placed_at": "2026-12-01T09:30:00Z"
}))]
pub struct HoldInForce {
    pub id: i64,
    /// What it is on: the case, or the person (and so every case of theirs).
    pub on: HoldTarget,
    /// The case it is on, for a hold on a case.
    #[schema(example = "CMP-2026-000042")]
    pub case: Option<String>,
    /// The person it is on, for a hold on a person.
    pub person_id: Option<i64>,
    /// Why the data must be kept.
    pub reason: String,
    /// Who placed it (their staff id).
    pub placed_by: String,
    #[schema(format = DateTime)]
    pub placed_at: String,
}

/// The holds in force on any of `case_ids` or on person `person_id`, newest first: for
/// staff's views only.
pub(crate) fn in_force(
    conn: &mut crate::db::DbConnection,
    case_ids: &[i64],
    person_id: Option<i64>,
) -> Result<Vec<HoldInForce>, ApiError> {
    Ok(
        crate::db::retention::in_force_on(conn, case_ids, person_id)?
            .into_iter()
            .map(|(row, case)| HoldInForce {
                id: row.id,
                on: if row.case_id.is_some() {
                    HoldTarget::Case
                } else {
                    HoldTarget::Person
                },
                case,
                person_id: row.person_id,
                reason: row.reason,
                placed_by: row.placed_by,
                placed_at: rfc3339(row.placed_at),
            })
            .collect(),
    )
}

/// The holds on a case or person, the newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LegalHolds {
    pub items: Vec<LegalHold>,
    /// Always null: every hold is on one page.
    pub next_cursor: Option<String>,
}

fn view(row: &HoldRow, case: Option<&str>) -> LegalHold {
    LegalHold {
        id: row.id,
        on: if row.case_id.is_some() {
            HoldTarget::Case
        } else {
            HoldTarget::Person
        },
        case: row.case_id.and(case.map(String::from)),
        person_id: row.person_id,
        reason: row.reason.clone(),
        placed_by: row.placed_by.clone(),
        placed_at: rfc3339(row.placed_at),
        in_force: row.lifted_at.is_none(),
        lifted_by: row.lifted_by.clone(),
        lifted_at: row.lifted_at.map(rfc3339),
        lift_reason: row.lift_reason.clone(),
    }
}

fn reference_of(on: &HoldOn) -> Option<&str> {
    match on {
        HoldOn::Case(reference) => Some(reference.as_str()),
        HoldOn::Person(_) => None,
    }
}

fn location(on: &HoldOn) -> String {
    match on {
        HoldOn::Case(reference) => format!("/api/v1/cases/{reference}/legal-holds"),
        HoldOn::Person(id) => format!("/api/v1/people/{id}/legal-holds"),
    }
}

async fn list_holds(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    on: HoldOn,
) -> Result<web::Json<LegalHolds>, ApiError> {
    // The reference as the case has it (a path may write it in lower case).
    let on = match on {
        HoldOn::Case(raw) => HoldOn::Case(
            crate::domain::reference::Reference::parse(&raw)
                .map(|r| r.as_str().to_string())
                .unwrap_or(raw),
        ),
        person => person,
    };
    let caller = manager.0;
    let reader = caller.clone();
    let rows = db
        .read(move |conn| Ok(app::holds(conn, &caller, &on).map(|rows| (rows, on))?))
        .await?;
    let (rows, on) = rows;
    let read = match &on {
        HoldOn::Case(reference) => Read::case(reference),
        HoldOn::Person(id) => Read::person(*id),
    };
    super::access_log::record(&req, &reader, [read]);
    Ok(web::Json(LegalHolds {
        items: rows.iter().map(|r| view(r, reference_of(&on))).collect(),
        next_cursor: None,
    }))
}

async fn place(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    on: HoldOn,
    body: JsonBody<NewHold>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key(&req)?;
    let fingerprint = body.fingerprint(&format!("POST {}", location(&on)));
    if let Err(report) = body.value.validate() {
        return Err(ApiError::Validation(field_errors(&report)));
    }
    let reason = body.value.reason.clone().unwrap_or_default();
    let caller = manager.0;
    let subject = caller.subject.clone();
    idempotency::create_once(&db, &subject, key, fingerprint, move |conn| {
        let row = app::place_hold(conn, now.now(), &caller, &on, &reason)?;
        Ok(Created {
            location: format!("{}/{}", location(&on), row.id),
            body: serde_json::to_string(&view(&row, reference_of(&on)))
                .map_err(ApiError::internal)?,
            etag: None,
        })
    })
    .await
}

async fn lift(
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    on: HoldOn,
    hold: i64,
    body: OptionalJson<Lifting>,
) -> Result<web::Json<LegalHold>, ApiError> {
    let lifting = body.0.unwrap_or_default();
    if let Err(report) = lifting.validate() {
        return Err(ApiError::Validation(field_errors(&report)));
    }
    let reason = lifting
        .reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    let caller = manager.0;
    let (row, on) = db
        .write(move |conn| {
            let row = app::lift_hold(conn, now.now(), &caller, &on, hold, reason.as_deref())?;
            Ok((row, on))
        })
        .await?;
    Ok(web::Json(view(&row, reference_of(&on))))
}

#[utoipa::path(
    tag = "cases",
    operation_id = "list_case_legal_holds",
    description = "Roles: complaints_manager.\n\n\
                   The legal holds placed on the case itself, the one in force (if any) \
                   first among the newest. A hold on the customer's person is listed at \
                   `GET /people/{id}/legal-holds`.",
    params(("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case's legal holds", body = LegalHolds),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/cases/{reference}/legal-holds")]
pub async fn list_on_case(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    reference: web::Path<String>,
) -> Result<web::Json<LegalHolds>, ApiError> {
    list_holds(req, manager, db, HoldOn::Case(reference.into_inner())).await
}

#[utoipa::path(
    tag = "cases",
    operation_id = "place_case_legal_hold",
    description = "Roles: complaints_manager.\n\n\
                   Places a legal hold on the case, with the reason: the retention schedule \
                   does not anonymise it, nor delete its documents, and an erasure request \
                   cannot be carried out, until the hold is lifted. One hold in force at a \
                   time (a second is 409); an anonymised case cannot be held (409, \
                   `/problems/case-anonymised`). Written \
                   on the case's timeline as `legal_hold_placed`. The case's version is not \
                   changed: no `If-Match`. Send an `Idempotency-Key` so a retry cannot \
                   place it twice.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body replay the first answer", min_length = 1, max_length = 255, pattern = "^[!-~]+$")
    ),
    request_body = NewHold,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The hold, in force", body = LegalHold,
            headers(("Location" = String, description = "The hold"))),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/cases/{reference}/legal-holds")]
pub async fn place_on_case(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: JsonBody<NewHold>,
) -> Result<HttpResponse, ApiError> {
    place(
        req,
        manager,
        db,
        now,
        HoldOn::Case(reference.into_inner()),
        body,
    )
    .await
}

#[utoipa::path(
    tag = "cases",
    operation_id = "lift_case_legal_hold",
    description = "Roles: complaints_manager.\n\n\
                   Lifts the case's legal hold `hold`, with an optional reason; the \
                   retention schedule applies again from its next pass. A hold that is not \
                   in force (or not this case's) is not found. Written on the timeline as \
                   `legal_hold_lifted`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("hold" = i64, Path, description = "The hold's id", minimum = 1, example = 3)
    ),
    request_body(content = Option<Lifting>, description = "Optional: why"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The hold, lifted", body = LegalHold),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[delete("/cases/{reference}/legal-holds/{hold}")]
pub async fn lift_on_case(
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    path: web::Path<(String, String)>,
    body: OptionalJson<Lifting>,
) -> Result<web::Json<LegalHold>, ApiError> {
    let (reference, hold) = path.into_inner();
    let hold = path_id(&hold, "legal hold")?;
    lift(manager, db, now, HoldOn::Case(reference), hold, body).await
}

fn person_of(raw: &str) -> Result<HoldOn, ApiError> {
    Ok(HoldOn::Person(path_id(raw, "person")?))
}

#[utoipa::path(
    tag = "people",
    operation_id = "list_person_legal_holds",
    description = "Roles: complaints_manager.\n\nThe legal holds placed on the person, newest first.",
    params(("id" = i64, Path, description = "The person's id", minimum = 1, example = 7)),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The person's legal holds", body = LegalHolds),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/people/{id}/legal-holds")]
pub async fn list_on_person(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    id: web::Path<String>,
) -> Result<web::Json<LegalHolds>, ApiError> {
    list_holds(req, manager, db, person_of(&id)?).await
}

#[utoipa::path(
    tag = "people",
    operation_id = "place_person_legal_hold",
    description = "Roles: complaints_manager.\n\n\
                   Places a legal hold on the person, with the reason: none of their cases \
                   (as customer) is anonymised or loses its documents, and no erasure \
                   request of theirs is carried out, until it is lifted. One hold in force \
                   at a time (a second is 409). Written on each of their cases' timelines \
                   as `legal_hold_placed`. Send an `Idempotency-Key` so a retry cannot place \
                   it twice.",
    params(
        ("id" = i64, Path, description = "The person's id", minimum = 1, example = 7),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body replay the first answer", min_length = 1, max_length = 255, pattern = "^[!-~]+$")
    ),
    request_body = NewHold,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The hold, in force", body = LegalHold,
            headers(("Location" = String, description = "The hold"))),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/people/{id}/legal-holds")]
pub async fn place_on_person(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    id: web::Path<String>,
    body: JsonBody<NewHold>,
) -> Result<HttpResponse, ApiError> {
    let on = person_of(&id)?;
    place(req, manager, db, now, on, body).await
}

#[utoipa::path(
    tag = "people",
    operation_id = "lift_person_legal_hold",
    description = "Roles: complaints_manager.\n\n\
                   Lifts the person's legal hold `hold`, with an optional reason. A hold that \
                   is not in force (or not this person's) is not found.",
    params(
        ("id" = i64, Path, description = "The person's id", minimum = 1, example = 7),
        ("hold" = i64, Path, description = "The hold's id", minimum = 1, example = 3)
    ),
    request_body(content = Option<Lifting>, description = "Optional: why"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The hold, lifted", body = LegalHold),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[delete("/people/{id}/legal-holds/{hold}")]
pub async fn lift_on_person(
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    path: web::Path<(String, String)>,
    body: OptionalJson<Lifting>,
) -> Result<web::Json<LegalHold>, ApiError> {
    let (id, hold) = path.into_inner();
    let on = person_of(&id)?;
    let hold = path_id(&hold, "legal hold")?;
    lift(manager, db, now, on, hold, body).await
}

/// A case's retention as it stands: when it closed, when the schedule anonymises it and
/// deletes its documents, whether anything holds it, and when it was anonymised.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CaseRetention {
    #[schema(example = "CMP-2026-000042")]
    pub reference: String,
    /// The day it closed (finished), if it has.
    #[schema(value_type = Option<String>, format = Date)]
    pub closed_on: Option<NaiveDate>,
    /// The day the schedule anonymises it (none while it is being handled).
    #[schema(value_type = Option<String>, format = Date)]
    pub anonymise_on: Option<NaiveDate>,
    /// The day the schedule deletes its documents.
    #[schema(value_type = Option<String>, format = Date)]
    pub documents_deleted_on: Option<NaiveDate>,
    /// The day it was anonymised, if it was.
    #[schema(value_type = Option<String>, format = Date)]
    pub anonymised_on: Option<NaiveDate>,
    /// What keeps it now, if anything: the holds' reasons, an outstanding remedy, a pending
    /// Ombudsman referral.
    pub held_by: Vec<String>,
}

#[utoipa::path(
    tag = "cases",
    operation_id = "get_case_retention",
    description = "Roles: complaints_manager.\n\n\
                   The case's retention: when it closed, when the schedule \
                   (`RETENTION_ANONYMISE_AFTER`, `RETENTION_DOCUMENTS_AFTER`) anonymises it \
                   and deletes its documents, what holds it, and when it was anonymised.",
    params(("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case's retention", body = CaseRetention),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/cases/{reference}/retention")]
pub async fn case_retention(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    schedule: web::Data<crate::domain::retention::RetentionSchedule>,
    reference: web::Path<String>,
) -> Result<web::Json<CaseRetention>, ApiError> {
    let caller = manager.0;
    let reader = caller.clone();
    let reference = reference.into_inner();
    let schedule = schedule.get_ref().clone();
    let standing = db
        .read(move |conn| Ok(app::standing(conn, &caller, &reference, &schedule)?))
        .await?;
    super::access_log::record(&req, &reader, [Read::case(&standing.reference)]);
    Ok(web::Json(CaseRetention {
        reference: standing.reference,
        closed_on: standing.closed_on,
        anonymise_on: standing.anonymise_on,
        documents_deleted_on: standing.documents_on,
        anonymised_on: standing.anonymised_on,
        held_by: standing.held_by,
    }))
}

/// An erasure request as received.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"received_on": "2026-11-02", "request": "Erase everything you hold about me and my complaint about my neighbour"}))]
pub struct NewErasureRequest {
    /// The day the council received it (the one-month clock starts here).
    #[validate(required(message = "is required"), custom(function = "plausible_date"))]
    #[schema(value_type = String, format = Date)]
    pub received_on: Option<NaiveDate>,
    /// What the person asked for, in their words or staff's summary.
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 4000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 4000)]
    pub request: Option<String>,
}

/// A decision on an erasure request.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "refused", "lawful_basis": "legal_claims", "reason": "A claim about your fall is before the county court."}))]
pub struct ErasureDecisionBody {
    #[validate(required(message = "is required"))]
    #[schema(value_type = ErasureDecision)]
    pub decision: Option<String>,
    /// Required to refuse; not given to carry out.
    #[schema(value_type = Option<LawfulBasis>)]
    pub lawful_basis: Option<String>,
    /// Required to refuse: why the basis applies.
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    pub reason: Option<String>,
}

/// An erasure request and its decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErasureRequest {
    pub id: i64,
    pub person_id: i64,
    #[schema(value_type = String, format = Date)]
    pub received_on: NaiveDate,
    /// The day a response is due: one calendar month after receipt (the ICO's guidance).
    #[schema(value_type = String, format = Date)]
    pub respond_by: NaiveDate,
    pub request: String,
    pub recorded_by: String,
    pub decision: Option<ErasureDecision>,
    pub lawful_basis: Option<LawfulBasis>,
    pub reason: Option<String>,
    pub decided_by: Option<String>,
    #[schema(format = DateTime)]
    pub decided_at: Option<String>,
    /// The letter to the person: in the decision's answer, addressed by name; as kept, a
    /// carried-out erasure's letter no longer names them.
    pub letter: Option<String>,
    /// How many cases a carried-out erasure anonymised.
    pub cases_anonymised: Option<i32>,
}

/// A person's erasure requests, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErasureRequests {
    pub items: Vec<ErasureRequest>,
    /// Always null: every request is on one page.
    pub next_cursor: Option<String>,
}

fn erasure_view(row: &ErasureRow, letter: Option<String>) -> ErasureRequest {
    ErasureRequest {
        id: row.id,
        person_id: row.person_id,
        received_on: row.received_on,
        respond_by: Age::Months(1).after(row.received_on),
        request: row.request.clone(),
        recorded_by: row.recorded_by.clone(),
        decision: row.decision.as_deref().and_then(ErasureDecision::parse),
        lawful_basis: row.lawful_basis.as_deref().and_then(LawfulBasis::parse),
        reason: row.reason.clone(),
        decided_by: row.decided_by.clone(),
        decided_at: row.decided_at.map(rfc3339),
        letter: letter.or_else(|| row.letter.clone()),
        cases_anonymised: row.cases_anonymised,
    }
}

#[utoipa::path(
    tag = "people",
    operation_id = "record_erasure_request",
    description = "Roles: complaints_manager.\n\n\
                   Records a person's request to erase their personal data (UK GDPR article \
                   17), with the day it was received: a response is due one calendar month \
                   later (`respond_by`). Written on each of their cases' timelines as \
                   `erasure_requested`. Send an `Idempotency-Key` so a retry cannot record \
                   it twice.",
    params(
        ("id" = i64, Path, description = "The person's id", minimum = 1, example = 7),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body replay the first answer", min_length = 1, max_length = 255, pattern = "^[!-~]+$")
    ),
    request_body = NewErasureRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The request, undecided", body = ErasureRequest,
            headers(("Location" = String, description = "The request"))),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/people/{id}/erasure-requests")]
pub async fn request_erasure(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    id: web::Path<String>,
    body: JsonBody<NewErasureRequest>,
) -> Result<HttpResponse, ApiError> {
    let person = path_id(&id, "person")?;
    let key = idempotency::key(&req)?;
    let fingerprint = body.fingerprint(&format!("POST /api/v1/people/{person}/erasure-requests"));
    let mut errors = report_of(&body.value);
    if body
        .value
        .received_on
        .is_some_and(|d| d > uk_date(now.now()))
    {
        errors.push(FieldError::new("received_on", "must not be in the future"));
    }
    let (Some(received_on), Some(request), true) = (
        body.value.received_on,
        body.value.request.clone(),
        errors.is_empty(),
    ) else {
        return Err(ApiError::Validation(errors));
    };
    let caller = manager.0;
    let subject = caller.subject.clone();
    idempotency::create_once(&db, &subject, key, fingerprint, move |conn| {
        let row = app::request_erasure(conn, now.now(), &caller, person, received_on, &request)?;
        Ok(Created {
            location: format!("/api/v1/people/{person}/erasure-requests/{}", row.id),
            body: serde_json::to_string(&erasure_view(&row, None)).map_err(ApiError::internal)?,
            etag: None,
        })
    })
    .await
}

#[utoipa::path(
    tag = "people",
    operation_id = "list_erasure_requests",
    description = "Roles: complaints_manager.\n\nThe person's erasure requests and their decisions, newest first.",
    params(("id" = i64, Path, description = "The person's id", minimum = 1, example = 7)),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The person's erasure requests", body = ErasureRequests),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/people/{id}/erasure-requests")]
pub async fn erasure_requests(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    id: web::Path<String>,
) -> Result<web::Json<ErasureRequests>, ApiError> {
    let person = path_id(&id, "person")?;
    let rows = db
        .read(move |conn| Ok(app::erasures(conn, person)?))
        .await?;
    super::access_log::record(&req, &manager.0, [Read::person(person)]);
    Ok(web::Json(ErasureRequests {
        items: rows.iter().map(|r| erasure_view(r, None)).collect(),
        next_cursor: None,
    }))
}

#[utoipa::path(
    tag = "people",
    operation_id = "decide_erasure_request",
    description = "Roles: complaints_manager.\n\n\
                   Decides an erasure request, once. `refused` needs the lawful basis \
                   (`legal_obligation`, `public_task`, `legal_claims`) and the reason. \
                   `carried_out` anonymises every case of the person now, whatever its age, \
                   as the retention schedule would, and the person's record; it is refused \
                   with 409 (`/problems/conflict`, field `decision`, the hold's reason in \
                   `detail`) while a legal hold is in force on the person or one of their \
                   cases, and while one of their cases is still being handled. The answer \
                   carries the letter to the person, written from the erasure templates; \
                   the decision is written on each case's timeline as `erasure_decided`.",
    params(
        ("id" = i64, Path, description = "The person's id", minimum = 1, example = 7),
        ("request" = i64, Path, description = "The erasure request's id", minimum = 1, example = 2)
    ),
    request_body = ErasureDecisionBody,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The request, decided, with the letter", body = ErasureRequest),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/people/{id}/erasure-requests/{request}/decision")]
pub async fn decide_erasure(
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    documents: web::Data<DocumentStore>,
    path: web::Path<(String, String)>,
    body: JsonBody<ErasureDecisionBody>,
) -> Result<web::Json<ErasureRequest>, ApiError> {
    let (person, request) = path.into_inner();
    let person = path_id(&person, "person")?;
    let request = path_id(&request, "erasure request")?;
    let value = body.value;
    let mut errors = report_of(&value);
    let decision = one_of(
        value.decision.as_deref(),
        "decision",
        ErasureDecision::parse,
        ErasureDecision::expected,
        &mut errors,
    );
    let basis = one_of(
        value.lawful_basis.as_deref(),
        "lawful_basis",
        LawfulBasis::parse,
        LawfulBasis::expected,
        &mut errors,
    );
    let reason = value
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(String::from);
    let decided = match decision {
        Some(ErasureDecision::Refused) => {
            if value.lawful_basis.is_none() {
                errors.push(FieldError::new("lawful_basis", "is required to refuse"));
            }
            if reason.is_none() {
                errors.push(FieldError::new("reason", "is required to refuse"));
            }
            basis
                .zip(reason)
                .map(|(basis, reason)| app::Decided::Refused { basis, reason })
        }
        Some(ErasureDecision::CarriedOut) => {
            if value.lawful_basis.is_some() {
                errors.push(FieldError::new("lawful_basis", "is given only to refuse"));
            }
            Some(app::Decided::CarriedOut)
        }
        None => None,
    };
    let (Some(decided), true) = (decided, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let caller = manager.0;
    let carried_out = decided == app::Decided::CarriedOut;
    let (erasure, files) = db
        .write(move |conn| {
            Ok(app::decide_erasure(
                conn,
                now.now(),
                &caller,
                person,
                request,
                &decided,
            )?)
        })
        .await?;
    if carried_out {
        crate::jobs::retention::delete_files(&documents, &files);
        // The removed values leave the database files too.
        if let Err(e) = crate::jobs::retention::vacuum(&db).await {
            log::error!("erasure {request}: vacuum: {e:?}");
        }
    }
    Ok(web::Json(erasure_view(&erasure.row, erasure.letter)))
}

//! Subject-access requests over HTTP (issue 15 §3): the complaints manager records one, with
//! its due date by the ICO's rules, extends it once, records its answer, and finds the open
//! ones soonest due first; the export is [`super::subject_access_export`].

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::database::ApiDatabase;
use super::idempotency::{self, Created};
use super::json::JsonBody;
use super::validation::{not_blank, report_of};
use super::{pagination, responses, rfc3339};
use crate::app;
use crate::app::time::Now;
use crate::auth::ComplaintsManager;
use crate::db::subject_access::RequestRow;
use crate::db::Database;
use crate::domain::access_log::Read;
use crate::domain::clock::Clock;
use crate::error::{ApiError, FieldError};

/// How a request was extended.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubjectAccessExtension {
    pub reason: String,
    /// How the person was told (the letter or email sent, and what it said).
    pub notice: String,
    #[schema(value_type = String, format = Date)]
    pub person_told_on: NaiveDate,
    /// Who extended it.
    pub extended_by: String,
    #[schema(format = DateTime)]
    pub extended_at: String,
}

/// A subject-access request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "person_id": 812, "received_on": "2025-01-31", "original_due_on": "2025-02-28",
    "due_on": "2025-02-28", "recorded_by": "cm-1", "extension": null, "responded_on": null,
    "export": "/api/v1/people/812/subject-access-requests/3/export"
}))]
pub struct SubjectAccessRequest {
    pub id: i64,
    pub person_id: i64,
    /// The day the request arrived.
    #[schema(value_type = String, format = Date)]
    pub received_on: NaiveDate,
    /// One calendar month after receipt (the month's last day where it has no such date), or
    /// the next working day.
    #[schema(value_type = String, format = Date)]
    pub original_due_on: NaiveDate,
    /// The date in force: the original, or three calendar months after receipt once extended.
    #[schema(value_type = String, format = Date)]
    pub due_on: NaiveDate,
    /// Who recorded it.
    pub recorded_by: String,
    pub extension: Option<SubjectAccessExtension>,
    /// The day it was answered, once it was.
    #[schema(value_type = Option<String>, format = Date)]
    pub responded_on: Option<NaiveDate>,
    /// Where the export of everything held about the person is read.
    pub export: String,
}

pub(crate) fn view(row: RequestRow) -> SubjectAccessRequest {
    let extension = match (
        row.extension_reason,
        row.extension_notice,
        row.person_told_on,
        row.extended_by,
        row.extended_at,
    ) {
        (Some(reason), Some(notice), Some(person_told_on), Some(extended_by), Some(at)) => {
            Some(SubjectAccessExtension {
                reason,
                notice,
                person_told_on,
                extended_by,
                extended_at: rfc3339(at),
            })
        }
        _ => None,
    };
    SubjectAccessRequest {
        export: format!(
            "/api/v1/people/{}/subject-access-requests/{}/export",
            row.person_id, row.id
        ),
        id: row.id,
        person_id: row.person_id,
        received_on: row.received_on,
        original_due_on: row.original_due_on,
        due_on: row.due_on,
        recorded_by: row.recorded_by,
        extension,
        responded_on: row.responded_on,
    }
}

fn location(person: i64, id: i64) -> String {
    format!("/api/v1/people/{person}/subject-access-requests/{id}")
}

/// A request, as recorded.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"received_on": "2025-01-31"}))]
pub struct NewSubjectAccessRequest {
    /// The day the request arrived: today or before (from 1900-01-01).
    #[validate(
        required(message = "is required"),
        custom(function = "super::validation::plausible_date")
    )]
    #[schema(value_type = String, format = Date)]
    pub received_on: Option<NaiveDate>,
}

#[utoipa::path(
    tag = "people",
    operation_id = "create_subject_access_request",
    description = "Roles: complaints_manager.\n\n\
                   Records a subject-access request (UK GDPR Article 15) from the person, received \
                   on `received_on` (today or before). It is due one calendar month later, by the \
                   ICO's rules: the same date next month, or that month's last day where it has \
                   no such date (31 January → 28 or 29 February), moved to the next working day \
                   of the council's calendar where it falls on a weekend, bank holiday or closure \
                   day. The due date is a deadline on record: `deadline.approaching` and \
                   `deadline.missed` (`deadline: subject_access`) on the person's latest running \
                   case, and `GET /subject-access-requests` lists the open ones soonest due. A \
                   record merged into another takes none (409). Send an `Idempotency-Key` so a \
                   retry cannot record it twice.",
    params(
        ("id" = i64, Path, description = "The person's id", minimum = 1, example = 812),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body replay the first answer", min_length = 1, max_length = 255, pattern = "^[!-~]+$")
    ),
    request_body = NewSubjectAccessRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The request, with its due date", body = SubjectAccessRequest,
            headers(("Location" = String, description = "The request's URL"))),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/people/{id}/subject-access-requests")]
pub async fn create(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    clock: web::Data<Clock>,
    id: web::Path<String>,
    body: JsonBody<NewSubjectAccessRequest>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key(&req)?;
    let raw_id = id.into_inner();
    let fingerprint = body.fingerprint(&format!(
        "POST /api/v1/people/{raw_id}/subject-access-requests"
    ));
    let new = body.value;
    let errors = report_of(&new);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let Some(received_on) = new.received_on else {
        return Err(ApiError::invalid("received_on", "is required"));
    };
    let person = super::path_id(&raw_id, "person")?;
    let caller = manager.0;
    let subject = caller.subject.clone();
    let clock = clock.into_inner();
    idempotency::create_once(&db, &subject, key, fingerprint, move |conn| {
        let row = app::subject_access::record(
            conn,
            now.now(),
            clock.council_calendar(),
            &caller,
            person,
            received_on,
        )?;
        Ok(Created {
            location: location(row.person_id, row.id),
            body: serde_json::to_string(&view(row)).map_err(ApiError::internal)?,
            etag: None,
        })
    })
    .await
}

/// A person's requests.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SubjectAccessRequestList {
    pub items: Vec<SubjectAccessRequest>,
}

#[utoipa::path(
    tag = "people",
    operation_id = "list_subject_access_requests",
    description = "Roles: complaints_manager.\n\nThe person's subject-access requests, newest first.",
    params(("id" = i64, Path, description = "The person's id", minimum = 1, example = 812)),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The person's requests", body = SubjectAccessRequestList),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/people/{id}/subject-access-requests")]
pub async fn list(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    id: web::Path<String>,
) -> Result<web::Json<SubjectAccessRequestList>, ApiError> {
    let person = super::path_id(&id.into_inner(), "person")?;
    let caller = manager.0;
    super::access_log::record(&req, &caller, [Read::person(person)]);
    let rows = db
        .read(move |conn| {
            app::people::find(conn, &caller, person)?;
            Ok(crate::db::subject_access::of_person(conn, person)?)
        })
        .await?;
    Ok(web::Json(SubjectAccessRequestList {
        items: rows.into_iter().map(view).collect(),
    }))
}

#[utoipa::path(
    tag = "people",
    operation_id = "get_subject_access_request",
    description = "Roles: complaints_manager.\n\nOne of the person's subject-access requests.",
    params(
        ("id" = i64, Path, description = "The person's id", minimum = 1, example = 812),
        ("request" = i64, Path, description = "The request's id", minimum = 1, example = 3)
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The request", body = SubjectAccessRequest),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/people/{id}/subject-access-requests/{request}")]
pub async fn get(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<SubjectAccessRequest>, ApiError> {
    let (person, request) = path.into_inner();
    let person = super::path_id(&person, "person")?;
    let request = super::path_id(&request, "subject-access request")?;
    let caller = manager.0;
    super::access_log::record(&req, &caller, [Read::person(person)]);
    let row = db
        .read(move |conn| Ok(app::subject_access::find(conn, &caller, person, request)?))
        .await?;
    Ok(web::Json(view(row)))
}

/// An extension, as sent.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "reason": "The request covers twelve cases across four services and their paper files",
    "notice": "Letter of 10 February 2025 explaining why more time is needed",
    "person_told_on": "2025-02-10"
}))]
pub struct NewSubjectAccessExtension {
    /// Why the request is complex.
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 2000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
    /// How the person was told, and what they were told.
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 2000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    pub notice: Option<String>,
    /// The day the person was told: from the day the request arrived to the original due
    /// date, and not after today.
    #[validate(
        required(message = "is required"),
        custom(function = "super::validation::plausible_date")
    )]
    #[schema(value_type = String, format = Date)]
    pub person_told_on: Option<NaiveDate>,
}

#[utoipa::path(
    tag = "people",
    operation_id = "extend_subject_access_request",
    description = "Roles: complaints_manager.\n\n\
                   Extends the request by a further two months (a complex request), once: it is \
                   then due three calendar months after receipt, by the same rules (the \
                   month's last day where it has no such date, then the next working day). The \
                   ICO requires the person to be told within the first month: the extension is \
                   refused (409) after the original due date, when already extended, or once \
                   answered, and `person_told_on` must fall from receipt to the original due \
                   date (422).",
    params(
        ("id" = i64, Path, description = "The person's id", minimum = 1, example = 812),
        ("request" = i64, Path, description = "The request's id", minimum = 1, example = 3)
    ),
    request_body = NewSubjectAccessExtension,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The request, extended", body = SubjectAccessRequest),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/people/{id}/subject-access-requests/{request}/extension")]
pub async fn extend(
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    clock: web::Data<Clock>,
    path: web::Path<(String, String)>,
    body: JsonBody<NewSubjectAccessExtension>,
) -> Result<web::Json<SubjectAccessRequest>, ApiError> {
    let new = body.value;
    let mut errors = report_of(&new);
    errors.sort_by(|a, b| a.field.cmp(&b.field));
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let (Some(reason), Some(notice), Some(person_told_on)) =
        (new.reason, new.notice, new.person_told_on)
    else {
        return Err(ApiError::invalid("reason", "is required"));
    };
    let (person, request) = path.into_inner();
    let person = super::path_id(&person, "person")?;
    let request = super::path_id(&request, "subject-access request")?;
    let caller = manager.0;
    let clock = clock.into_inner();
    let extension = app::subject_access::Extension {
        reason: reason.trim().to_string(),
        notice: notice.trim().to_string(),
        person_told_on,
    };
    let row = db
        .write(move |conn| {
            Ok(app::subject_access::extend(
                conn,
                now.now(),
                clock.council_calendar(),
                &caller,
                person,
                request,
                &extension,
            )?)
        })
        .await?;
    Ok(web::Json(view(row)))
}

/// The answer's date.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"responded_on": "2025-02-26"}))]
pub struct NewSubjectAccessResponse {
    /// The day the council answered: from the day the request arrived, not after today.
    #[validate(
        required(message = "is required"),
        custom(function = "super::validation::plausible_date")
    )]
    #[schema(value_type = String, format = Date)]
    pub responded_on: Option<NaiveDate>,
}

#[utoipa::path(
    tag = "people",
    operation_id = "answer_subject_access_request",
    description = "Roles: complaints_manager.\n\n\
                   Records the day the request was answered: its deadline is put to rest, and \
                   it leaves the list of open requests. Answered once (409 after).",
    params(
        ("id" = i64, Path, description = "The person's id", minimum = 1, example = 812),
        ("request" = i64, Path, description = "The request's id", minimum = 1, example = 3)
    ),
    request_body = NewSubjectAccessResponse,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The request, answered", body = SubjectAccessRequest),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/people/{id}/subject-access-requests/{request}/response")]
pub async fn answer(
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    path: web::Path<(String, String)>,
    body: JsonBody<NewSubjectAccessResponse>,
) -> Result<web::Json<SubjectAccessRequest>, ApiError> {
    let new = body.value;
    let errors = report_of(&new);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let Some(responded_on) = new.responded_on else {
        return Err(ApiError::invalid("responded_on", "is required"));
    };
    let (person, request) = path.into_inner();
    let person = super::path_id(&person, "person")?;
    let request = super::path_id(&request, "subject-access request")?;
    let caller = manager.0;
    let row = db
        .write(move |conn| {
            Ok(app::subject_access::answer(
                conn,
                now.now(),
                &caller,
                person,
                request,
                responded_on,
            )?)
        })
        .await?;
    Ok(web::Json(view(row)))
}

/// The open requests' filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OpenRequestsQuery {
    /// Only those due on or before this date (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date)]
    #[serde(default)]
    pub due_before: Option<String>,
    /// 1 to 200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    #[serde(default)]
    pub limit: Option<String>,
}

#[utoipa::path(
    tag = "people",
    operation_id = "list_open_subject_access_requests",
    description = "Roles: complaints_manager.\n\n\
                   The complaints manager's work queue of subject-access requests: every request \
                   not yet answered, soonest due first (then oldest recorded), with `?due_before=` \
                   for those due by a date.",
    params(OpenRequestsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The open requests", body = SubjectAccessRequestList),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/subject-access-requests")]
pub async fn open(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    query: web::Query<OpenRequestsQuery>,
) -> Result<web::Json<SubjectAccessRequestList>, ApiError> {
    let mut errors = Vec::new();
    let limit = pagination::limit(query.limit.as_deref(), &mut errors);
    let due = match query.due_before.as_deref() {
        None => None,
        Some(raw) => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(date) if crate::domain::dates::plausible(date) => Some(date),
            Ok(_) => {
                errors.push(FieldError::new("due_before", crate::domain::dates::range()));
                None
            }
            Err(_) => {
                errors.push(FieldError::new(
                    "due_before",
                    "must be a date written YYYY-MM-DD",
                ));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let rows = db
        .read(move |conn| Ok(crate::db::subject_access::open(conn, due, limit)?))
        .await?;
    // The work queue names people: one read of each person it showed.
    super::access_log::record(
        &req,
        &manager.0,
        Read::people(rows.iter().map(|r| r.person_id)),
    );
    Ok(web::Json(SubjectAccessRequestList {
        items: rows.into_iter().map(view).collect(),
    }))
}

/// A note marked disclosable.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NoteDisclosure {
    /// The note's id (its event's on the timeline).
    pub note: i64,
    pub disclosable: bool,
}

#[utoipa::path(
    tag = "cases",
    operation_id = "disclose_case_note",
    description = "Roles: complaints_manager.\n\n\
                   Marks a staff note disclosable: a subject-access export of the case's customer \
                   or representative includes it. Notes are staff-only otherwise, and an export \
                   lists them as withheld. Marking it again changes nothing.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("note" = i64, Path, description = "The note's id", minimum = 1, example = 118)
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The note is disclosable", body = NoteDisclosure),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[post("/cases/{reference}/notes/{note}/disclosure")]
pub async fn disclose_note(
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (reference, note) = path.into_inner();
    let note = super::path_id(&note, "note")?;
    let caller = manager.0;
    db.write(move |conn| {
        Ok(app::subject_access::disclose_note(
            conn,
            now.now(),
            &caller,
            &reference,
            note,
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(NoteDisclosure {
            note,
            disclosable: true,
        }))
}

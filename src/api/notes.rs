//! Internal notes on a case: for staff only, never shown to customers or
//! partners. A note is an addition, not a change to the case, so it needs
//! no `If-Match`; it is an event on the timeline, marked internal.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::cases::{readable_case, timeline_event, Timeline, TimelineEvent};
use super::database::ApiDatabase;
use super::idempotency::{self, Created};
use super::json::JsonBody;
use super::validation::{field_errors, not_blank};
use super::{pagination, responses};
use crate::app;
use crate::app::time::Now;
use crate::auth::Staff;
use crate::db::events;
use crate::db::Database;
use crate::error::ApiError;

/// A note to add.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "Spoke to the crew supervisor: the bin was blocked by a parked van on two of the three days."}))]
pub struct NewNote {
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 10000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 10000)]
    pub text: Option<String>,
}

/// Paging the notes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotesQuery {
    /// 1 to 200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    #[serde(default)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub cursor: Option<String>,
}

#[utoipa::path(
    tag = "cases",
    operation_id = "add_case_note",
    description = "Roles: investigating_officer and head_of_service of the case's lead or a contributing service, \
                   complaints_manager.\n\n\
                   Adds an internal note. Notes are never shown to customers or partners. \
                   Send an `Idempotency-Key` so a retry cannot add it twice.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body replay the first answer", min_length = 1, max_length = 255, pattern = "^[!-~]+$")
    ),
    request_body = NewNote,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The note, as it stands on the timeline", body = TimelineEvent,
            headers(("Location" = String, description = "The case's notes"))),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/cases/{reference}/notes")]
pub async fn add(
    req: HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: JsonBody<NewNote>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key(&req)?;
    let reference = reference.into_inner();
    let fingerprint = body.fingerprint(&format!("POST /api/v1/cases/{reference}/notes"));
    let note = body.value;
    if let Err(report) = note.validate() {
        return Err(ApiError::Validation(field_errors(&report)));
    }
    let text = note.text.unwrap_or_default().trim().to_string();
    let caller = staff.0;
    let subject = caller.subject.clone();
    idempotency::create_once(&db, &subject, key, fingerprint, move |conn| {
        let (case, row) = app::notes::add(conn, now.now(), &caller, &reference, &text)?;
        let event = timeline_event(row, &caller)?;
        Ok(Created {
            location: format!("/api/v1/cases/{}/notes", case.reference),
            body: serde_json::to_string(&event).map_err(ApiError::internal)?,
            etag: None,
        })
    })
    .await
}

#[utoipa::path(
    tag = "cases",
    operation_id = "list_case_notes",
    description = "Roles: investigating_officer and head_of_service of the case's lead or a contributing service, \
                   complaints_manager.\n\nThe case's internal notes, oldest first.",
    params(("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"), NotesQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of notes", body = Timeline),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/cases/{reference}/notes")]
pub async fn list(
    req: actix_web::HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    reference: web::Path<String>,
    query: web::Query<NotesQuery>,
) -> Result<web::Json<Timeline>, ApiError> {
    let (limit, after) = pagination::page(
        query.limit.as_deref(),
        query.cursor.as_deref(),
        pagination::row_id,
    )?;
    let caller = staff.0;
    let reference = reference.into_inner();
    let (rows, caller, read) = db
        .read(move |conn| {
            let case = readable_case(conn, &reference, &caller)?;
            Ok((
                events::of_type(conn, case.id, "note", after, limit + 1)?,
                caller,
                crate::domain::access_log::Read::case(case.reference),
            ))
        })
        .await?;
    super::access_log::record(&req, &caller, [read]);
    let (rows, next_cursor) = pagination::split_page(rows, limit, |e| e.id.to_string());
    let items = rows
        .into_iter()
        .map(|row| timeline_event(row, &caller))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(web::Json(Timeline { items, next_cursor }))
}

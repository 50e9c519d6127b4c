//! The customer's own information on their case (issue 13 §5): the customer adds it
//! themselves; staff log an incoming call, letter or email. It is an addition, not a change
//! to the case, so it needs no `If-Match`; it goes on the timeline (and the event feed) as
//! `correspondence_received` when the customer sees it, `correspondence_logged` when it is
//! for staff only.

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cases::{timeline_event, TimelineEvent};
use super::idempotency::{self, Created};
use super::json::JsonBody;
use super::responses;
use super::validation::{not_blank, one_of, report_of};
use crate::app;
use crate::app::correspondence::Incoming;
use crate::app::time::Now;
use crate::auth::NotPartner;
use crate::db::{self, Database};
use crate::domain::correspondence::CorrespondenceMethod;
use crate::domain::document::DocumentVisibility;
use crate::error::{ApiError, FieldError};

/// Information to add to a case.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "The bin was missed again this morning: photo to follow."}))]
pub struct NewCorrespondence {
    /// The customer's own words; for staff, a summary of the call, letter or email.
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 10000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 10000)]
    pub text: Option<String>,
    /// Staff: how it reached the council (required). A customer's own addition is `online`,
    /// and a customer may not send this.
    #[schema(value_type = Option<CorrespondenceMethod>)]
    pub method: Option<String>,
    /// Staff: when it reached the council (default: now; not in the future). A customer's own
    /// addition is received when it is sent, and a customer may not send this.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub received_at: Option<DateTime<Utc>>,
    /// Who may see it. Staff: `staff` (the default: a logged call is internal) or `customer`
    /// (shared with the customer and the partner who posted the case). A customer's own
    /// addition is always `customer`.
    #[schema(value_type = Option<DocumentVisibility>)]
    pub visibility: Option<String>,
}

#[utoipa::path(
    tag = "cases",
    operation_id = "add_case_correspondence",
    description = "Roles: customer (own cases); investigating_officer and head_of_service of the \
                   case's lead or a contributing service, complaints_manager.\n\n\
                   The customer adds information to their case; staff log an incoming call, \
                   letter or email (`method`, `received_at`). It goes on the timeline and the \
                   event feed: as `correspondence_received` (`correspondence.received`, public) \
                   when the customer sees it, which a customer's own addition always is, or \
                   `correspondence_logged` (`correspondence.logged`, internal) for what staff \
                   log for staff only, the default for staff. A case that is closed, withdrawn \
                   or triaged out still takes it, and is flagged `new_information` (once) for \
                   its lead service to look at. Send an `Idempotency-Key` so a retry cannot \
                   add it twice.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body replay the first answer", min_length = 1, max_length = 255, pattern = "^[!-~]+$")
    ),
    request_body = NewCorrespondence,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The information, as it stands on the timeline", body = TimelineEvent,
            headers(("Location" = String, description = "The case's timeline"))),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/cases/{reference}/correspondence")]
pub async fn add(
    req: HttpRequest,
    caller: NotPartner,
    db: web::Data<Database>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: JsonBody<NewCorrespondence>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key(&req)?;
    let reference = reference.into_inner();
    let fingerprint = body.fingerprint(&format!("POST /api/v1/cases/{reference}/correspondence"));
    let sent = body.value;
    let caller = caller.0;
    let at = now.now();
    let incoming = incoming(sent, caller.acting_role().is_staff(), at)?;
    let subject = caller.subject.clone();
    idempotency::create_once(&db, &subject, key, fingerprint, move |conn| {
        let (case, row) = app::correspondence::add(conn, at, &caller, &reference, &incoming)?;
        let event = timeline_event(row, &caller)?;
        Ok(Created {
            location: format!("/api/v1/cases/{}/timeline", case.reference),
            body: serde_json::to_string(&event).map_err(ApiError::internal)?,
            etag: None,
        })
    })
    .await
}

/// The body's values, checked: what a customer may send differs from what staff may.
fn incoming(
    sent: NewCorrespondence,
    staff: bool,
    now: chrono::NaiveDateTime,
) -> Result<Incoming, ApiError> {
    let mut errors = report_of(&sent);
    let method = one_of(
        sent.method.as_deref(),
        "method",
        CorrespondenceMethod::parse,
        CorrespondenceMethod::expected,
        &mut errors,
    );
    let visibility = one_of(
        sent.visibility.as_deref(),
        "visibility",
        DocumentVisibility::parse,
        DocumentVisibility::expected,
        &mut errors,
    );
    let received_at = sent
        .received_at
        .map(|at| db::truncate_to_micros(at.naive_utc()));
    if staff {
        if sent.method.is_none() {
            errors.push(FieldError::new(
                "method",
                "is required: how the call, letter or email reached the council",
            ));
        }
    } else {
        for (field, given) in [
            ("method", sent.method.is_some()),
            ("received_at", sent.received_at.is_some()),
        ] {
            if given {
                errors.push(FieldError::new(
                    field,
                    "is for staff logging contact; a customer's own addition is taken as sent now, online",
                ));
            }
        }
    }
    if let Some(at) = received_at {
        if at > now + chrono::Duration::minutes(5) {
            errors.push(FieldError::new("received_at", "must not be in the future"));
        } else if !crate::domain::dates::plausible(at.date()) {
            errors.push(FieldError::new(
                "received_at",
                crate::domain::dates::range(),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(Incoming {
        method: method.unwrap_or(CorrespondenceMethod::Online),
        text: sent.text.unwrap_or_default().trim().to_string(),
        received_at: received_at.unwrap_or(now),
        visibility: visibility.unwrap_or(if staff {
            DocumentVisibility::Staff
        } else {
            DocumentVisibility::Customer
        }),
    })
}

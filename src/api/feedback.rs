//! Handling compliments and comments (SPEC §2): passing them to the service
//! and the staff named, the acknowledgement and reply the customer asked
//! for, and for a comment what was done with it. Closing is in `closures`.

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cases::{case_response, reload_after_change, Case};
use super::database::ApiDatabase;
use super::json::JsonBody;
use super::validation::{not_blank, one_of, report_of};
use super::{precondition, responses, rfc3339};
use crate::app::{self, time::Now};
use crate::auth::{Caller, Staff};
use crate::db::feedback::{FeedbackRow, StaffRow};
use crate::db::{self, Database};
use crate::domain::acknowledgement::AcknowledgementMethod;
use crate::domain::clock::{uk_date, Clock};
use crate::domain::feedback::{repeated_staff_ids, CommentAction, NamedStaff};
use crate::error::{ApiError, FieldError};

/// How a compliment or comment was handled, as the case shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FeedbackHandling {
    /// When it was passed to the service.
    #[schema(format = DateTime)]
    pub forwarded_at: Option<String>,
    /// Staff only: the names of the staff it was passed to, as in `forwarded_to` (kept for
    /// clients written before it).
    pub forwarded_to_staff: Vec<String>,
    /// Staff only: the staff it was passed to, each with the name the customer used and, where
    /// staff said who that is, their staff id (compliments count by it).
    pub forwarded_to: Vec<ForwardedStaff>,
    /// Staff only: what was said when it was passed on.
    pub forward_note: Option<String>,
    #[schema(format = DateTime)]
    pub acknowledged_at: Option<String>,
    pub acknowledgement_method: Option<AcknowledgementMethod>,
    /// Whether it was acknowledged by the end of its due date.
    pub acknowledged_on_time: Option<bool>,
    /// When the reply the customer asked for is due, from receipt.
    #[schema(value_type = Option<String>, format = Date)]
    pub reply_due: Option<NaiveDate>,
    #[schema(format = DateTime)]
    pub replied_at: Option<String>,
    pub reply_method: Option<AcknowledgementMethod>,
    /// What the customer was told.
    pub reply: Option<String>,
    /// Whether the reply was sent by the end of its due date.
    pub replied_on_time: Option<bool>,
    /// A comment: what was done with it.
    pub action: Option<CommentAction>,
    pub action_details: Option<String>,
    #[schema(format = DateTime)]
    pub action_recorded_at: Option<String>,
}

/// A member of staff a compliment or comment was passed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Jo Bloggs", "staff_id": "jo.bloggs"}))]
pub struct ForwardedStaff {
    /// The name the customer used.
    pub name: String,
    /// The staff member's id (their token's `sub`), where staff said who it is.
    pub staff_id: Option<String>,
}

/// The stored handling as `viewer` may see it; `acknowledgement_due` is the case's, `staff` the
/// staff it was passed to as stored (none for a case forwarded before they were kept apart,
/// whose names are in the handling).
pub fn view(
    row: &FeedbackRow,
    staff: &[StaffRow],
    acknowledgement_due: Option<NaiveDate>,
    viewer: &Caller,
) -> Result<FeedbackHandling, ApiError> {
    let shown = viewer.is_staff();
    let forwarded_to_staff: Vec<String> = match (&row.forwarded_to_staff, shown) {
        (Some(json), true) => serde_json::from_str(json).map_err(ApiError::internal)?,
        _ => vec![],
    };
    let forwarded_to = if !shown {
        vec![]
    } else if staff.is_empty() {
        forwarded_to_staff
            .iter()
            .map(|name| ForwardedStaff {
                name: name.clone(),
                staff_id: None,
            })
            .collect()
    } else {
        staff
            .iter()
            .map(|s| ForwardedStaff {
                name: s.name_used.clone(),
                staff_id: s.staff_id.clone(),
            })
            .collect()
    };
    let on_time = |at: Option<NaiveDateTime>, due: Option<NaiveDate>| match (at, due) {
        (Some(at), Some(due)) => Some(uk_date(at) <= due),
        _ => None,
    };
    Ok(FeedbackHandling {
        forwarded_at: row.forwarded_at.map(rfc3339),
        forwarded_to_staff,
        forwarded_to,
        forward_note: row.forward_note.clone().filter(|_| shown),
        acknowledged_at: row.acknowledged_at.map(rfc3339),
        acknowledgement_method: row.acknowledgement_method,
        acknowledged_on_time: on_time(row.acknowledged_at, acknowledgement_due),
        reply_due: row.response_due,
        replied_at: row.replied_at.map(rfc3339),
        reply_method: row.reply_method,
        reply: row.reply.clone(),
        replied_on_time: on_time(row.replied_at, row.response_due),
        action: row.action,
        action_details: row.action_details.clone(),
        action_recorded_at: row.action_recorded_at.map(rfc3339),
    })
}

/// Who else to pass it to, and a note.
#[derive(Debug, Clone, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "staff": [{"name": "Sam Driver (crew 4)", "staff_id": "sam.driver"}, "the other crew member"],
    "note": "Passed to the crew supervisor for Sam's appraisal"
}))]
pub struct Forwarding {
    /// The staff it was passed to: defaults to the staff the customer named (by name only).
    /// Each is the name the customer used, or an object with that name and the staff
    /// member's id (their token's `sub`), by which the compliment counts for them
    /// (`GET /api/v1/reports/compliments?staff=`). A staff id at most once.
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub staff: Option<Vec<StaffToForward>>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// A member of staff to pass a compliment or comment to: the name the customer used (a
/// string, as before), or that name with the staff member's id.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(untagged)]
pub enum StaffToForward {
    /// The name the customer used, 1 to 200 characters.
    #[schema(example = "the driver")]
    Name(String),
    Identified(IdentifiedStaff),
}

/// A member of staff, with the name the customer used and who that is.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Jo Bloggs", "staff_id": "jo.bloggs"}))]
pub struct IdentifiedStaff {
    /// The name the customer used, 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The staff member's id: the `sub` of their token (null: not known).
    #[schema(min_length = 1, max_length = 200)]
    pub staff_id: Option<String>,
}

/// The staff to pass it to, with every fault in them (`staff[1].name`, `staff[2].staff_id`).
fn named_staff(staff: &[StaffToForward], errors: &mut Vec<FieldError>) -> Vec<NamedStaff> {
    let text_ok = |text: &str| !text.trim().is_empty() && text.chars().count() <= 200;
    let named: Vec<NamedStaff> = staff
        .iter()
        .enumerate()
        .map(|(at, entry)| {
            let (name, staff_id, name_field) = match entry {
                StaffToForward::Name(name) => (name, None, format!("staff[{at}]")),
                StaffToForward::Identified(who) => (
                    &who.name,
                    who.staff_id.as_ref(),
                    format!("staff[{at}].name"),
                ),
            };
            if !text_ok(name) {
                errors.push(FieldError::new(
                    name_field,
                    "each name must be 1 to 200 characters",
                ));
            }
            if staff_id.is_some_and(|id| !text_ok(id)) {
                errors.push(FieldError::new(
                    format!("staff[{at}].staff_id"),
                    "must be 1 to 200 characters",
                ));
            }
            NamedStaff {
                name: name.trim().to_string(),
                staff_id: staff_id.map(|id| id.trim().to_string()),
            }
        })
        .collect();
    for at in repeated_staff_ids(&named) {
        errors.push(FieldError::new(
            format!("staff[{at}].staff_id"),
            "names a member of staff named already: a compliment counts once for each",
        ));
    }
    named
}

#[utoipa::path(
    tag = "cases",
    operation_id = "forward_feedback",
    description = "Roles: investigating_officer and head_of_service of the case's service, \
                   complaints_manager.\n\n\
                   Records that a compliment or comment was passed to its service and to the \
                   staff named (by default those the customer named), so that compliments can \
                   count in appraisals. Each member of staff is a name as the customer used it, \
                   or `{\"name\", \"staff_id\"}` with their staff id (their token's `sub`): \
                   a compliment counts for each staff id it was passed to (`GET \
                   /api/v1/reports/compliments?staff=`, the performance report's \
                   `top_staff_complimented`); a staff id twice is refused (422). The case is then `open` until closed. Refused (409) for \
                   a complaint, or if it was passed on already. Needs `If-Match`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CPL-2026-000007"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body(content = Option<Forwarding>, description = "Optional: other staff to pass it to, and a note"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case", body = Case, headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/forwarding")]
pub async fn forward(
    req: HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    clock: web::Data<Clock>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: super::json::OptionalJson<Forwarding>,
) -> Result<HttpResponse, ApiError> {
    let forwarding = body.0.unwrap_or_default();
    let mut errors = report_of(&forwarding);
    let named = forwarding
        .staff
        .as_deref()
        .map(|entries| named_staff(entries, &mut errors));
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let caller = staff.0;
    let reference = reference.into_inner();
    let expected = precondition::expected_version(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let case = app::feedback::forward(
                conn,
                &clock.deadlines(),
                now.now(),
                &caller,
                &reference,
                expected,
                named,
                forwarding.note,
            )?;
            reload_after_change(conn, case, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

/// The reply the customer asked for.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"method": "email", "reply": "Thank you for your kind words about Sam: we have passed them on and they will form part of Sam's appraisal."}))]
pub struct Reply {
    #[validate(required(message = "is required"))]
    #[schema(value_type = AcknowledgementMethod)]
    pub method: Option<String>,
    /// What the customer was told.
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 20000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 20000)]
    pub reply: Option<String>,
    /// When it was sent (default now; not in the future, not before receipt).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub replied_at: Option<DateTime<Utc>>,
}

#[utoipa::path(
    tag = "cases",
    operation_id = "reply_to_feedback",
    description = "Roles: investigating_officer and head_of_service of the case's service, \
                   complaints_manager.\n\n\
                   Records the reply to a compliment or comment whose customer asked for one, \
                   and whether it was sent within the policy's time from receipt. A reply sent \
                   before any acknowledgement stands for the acknowledgement too. Refused \
                   (409) when the customer did not ask for a reply, for a complaint, or if it \
                   was replied to already. Writes the reply letter to the customer \
                   (`GET …/letters`). Needs `If-Match`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CPL-2026-000007"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body = Reply,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case", body = Case, headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/reply")]
pub async fn send_reply(
    req: HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    clock: web::Data<Clock>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: JsonBody<Reply>,
) -> Result<HttpResponse, ApiError> {
    let reply = body.value;
    let mut errors = report_of(&reply);
    let method = one_of(
        reply.method.as_deref(),
        "method",
        AcknowledgementMethod::parse,
        AcknowledgementMethod::expected,
        &mut errors,
    );
    let asked_at = now.now().and_utc();
    if reply
        .replied_at
        .is_some_and(|at| at > asked_at + chrono::Duration::minutes(5))
    {
        errors.push(FieldError::new("replied_at", "must not be in the future"));
    }
    let replied_at = db::truncate_to_micros(reply.replied_at.unwrap_or(asked_at).naive_utc());
    let (Some(method), true) = (method, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let caller = staff.0;
    let reference = reference.into_inner();
    let expected = precondition::expected_version(&req)?;
    let letters = super::letters::templates(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let reply = app::feedback::Reply {
                replied_at,
                method,
                text: reply.reply,
            };
            let case = app::feedback::reply(
                conn,
                &letters,
                &clock.deadlines(),
                now.now(),
                &caller,
                &reference,
                expected,
                &reply,
            )?;
            reload_after_change(conn, case, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

/// What was done with a comment.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"action": "planned", "details": "A dropped kerb will be added at the library entrance in the spring works."}))]
pub struct ActionTaken {
    #[validate(required(message = "is required"))]
    #[schema(value_type = CommentAction)]
    pub action: Option<String>,
    /// What changed, what will, or why not.
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 5000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 5000)]
    pub details: Option<String>,
}

#[utoipa::path(
    tag = "cases",
    operation_id = "record_comment_action",
    description = "Roles: investigating_officer and head_of_service of the case's service, \
                   complaints_manager.\n\n\
                   Records what was done with a comment: adopted, planned, under consideration, \
                   not adopted or noted, with the details. May be recorded again as things \
                   move on (each is on the timeline). The customer sees it. Refused (409) for \
                   anything but a comment still being handled. Needs `If-Match`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMT-2026-000003"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body = ActionTaken,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case", body = Case, headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/action-taken")]
pub async fn record_action(
    req: HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    clock: web::Data<Clock>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: JsonBody<ActionTaken>,
) -> Result<HttpResponse, ApiError> {
    let taken = body.value;
    let mut errors = report_of(&taken);
    let action = one_of(
        taken.action.as_deref(),
        "action",
        CommentAction::parse,
        CommentAction::expected,
        &mut errors,
    );
    let (Some(action), true) = (action, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let details = taken.details.unwrap_or_default().trim().to_string();
    let caller = staff.0;
    let reference = reference.into_inner();
    let expected = precondition::expected_version(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let case = app::feedback::record_action(
                conn,
                &clock.deadlines(),
                now.now(),
                &caller,
                &reference,
                expected,
                action,
                &details,
            )?;
            reload_after_change(conn, case, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

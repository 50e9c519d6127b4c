//! Cases: taking in complaints, compliments and comments, and reading them
//! back within each role's scope.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::database::ApiDatabase;
use super::idempotency::{self, Created};
use super::json::JsonBody;
use super::validation::{not_blank, phone_number, report_of};
use super::{pagination, responses, rfc3339};
use crate::auth::{AnyCaller, Caller, CaseCreator};
use crate::db::cases::{
    self as repo, CaseFilter, CaseRow, CustomerRow, NewCaseRow, RepresentativeRow,
};
use crate::db::events::{self, EventRow};
use crate::db::stages::StageRow;
use crate::db::{self, Database, DbConnection};
use crate::domain::access_log::Read;
use crate::domain::case::{Channel, ContactMethod, Kind, Role, Stage, Status, Visibility};
use crate::domain::clock::Clock;
use crate::domain::deadlines;
use crate::domain::partner_view::PartnerCaseFields;
use crate::error::{ApiError, FieldError};

// ---------------------------------------------------------------- requests

/// A complaint, compliment or comment being logged.
///
/// Customers log their own feedback (the customer is the token's `sub`,
/// channel `online_form`). Staff log it on someone's behalf by any channel
/// and may back-date when it was received, with a reason. Partners post with
/// channel `partner`; their client id is recorded.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "complaint",
    "channel": "telephone",
    "summary": "Bin not collected three weeks running",
    "description": "Our green bin has been missed on the last three collection days despite being out by 7am.",
    "desired_outcome": "Collect the bin and make sure it does not happen again",
    "service": "waste-care",
    "category": "missed collection",
    "problem_date": "2026-11-02",
    "customer": {
        "name": "Alex Example",
        "email": "alex@example.org",
        "phone": "01384 811561",
        "preferred_contact": "email",
        "accessibility": {"large_print": true}
    }
}))]
pub struct NewCase {
    #[validate(required(message = "is required"), custom(function = "known_kind"))]
    #[schema(value_type = Kind)]
    pub kind: Option<String>,
    /// Required from staff; customers use `online_form` and partners `partner` (the default for each).
    #[validate(custom(function = "known_channel"))]
    #[schema(value_type = Option<Channel>)]
    pub channel: Option<String>,
    /// When the council received it (staff only; default now). Back-dating needs `received_at_reason`.
    #[schema(value_type = Option<String>, format = DateTime, example = "2026-11-20T09:15:00Z")]
    pub received_at: Option<DateTime<Utc>>,
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000)]
    pub received_at_reason: Option<String>,
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 200)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub summary: Option<String>,
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 10000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 10000)]
    pub description: Option<String>,
    /// What the customer wants to happen.
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub desired_outcome: Option<String>,
    /// The service's id, from `GET /api/v1/services`.
    #[validate(required(message = "is required"), length(min = 1, max = 64))]
    #[schema(value_type = String, min_length = 1, max_length = 64, example = "waste-care")]
    pub service: Option<String>,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub category: Option<String>,
    /// When the problem happened or came to light: from 1900-01-01, not in the future.
    #[schema(value_type = Option<String>, format = Date, example = "2026-11-02")]
    pub problem_date: Option<NaiveDate>,
    /// Compliments and comments: whether the customer asked for an acknowledgement and reply (default false).
    pub response_requested: Option<bool>,
    /// Members of staff the feedback names.
    #[validate(length(max = 20), custom(function = "staff_names"))]
    #[schema(max_items = 20)]
    pub staff_named: Option<Vec<String>>,
    #[validate(required(message = "is required"), nested)]
    #[schema(value_type = CustomerDetails)]
    pub customer: Option<CustomerDetails>,
    #[validate(nested)]
    pub representative: Option<RepresentativeDetails>,
    /// Partners only: the partner's own reference for this case.
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub partner_reference: Option<String>,
    /// A honeypot: leave it out or empty. Web forms render it as an ordinary-looking input
    /// hidden from people (off screen, `aria-hidden`, `tabindex=-1`, `autocomplete=off`), so
    /// only a bot filling in every field sends a value; a non-empty value is refused with 422
    /// `/problems/validation` naming `website`, and nothing is stored.
    #[validate(length(max = 0, message = "must be left empty"))]
    #[schema(max_length = 0)]
    pub website: Option<String>,
}

/// The person the feedback is from.
#[derive(Debug, Clone, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerDetails {
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 200)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[validate(email(message = "must be a valid email address"), length(max = 254))]
    #[schema(max_length = 254)]
    pub email: Option<String>,
    #[validate(custom(function = "phone_number"))]
    pub phone: Option<String>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub address: Option<String>,
    #[validate(length(max = 10))]
    #[schema(max_length = 10)]
    pub postcode: Option<String>,
    #[validate(custom(function = "known_contact_method"))]
    #[schema(value_type = Option<ContactMethod>)]
    pub preferred_contact: Option<String>,
    #[validate(nested)]
    pub accessibility: Option<Accessibility>,
}

/// Reasonable adjustments the customer needs (kept under review).
#[derive(Debug, Clone, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Accessibility {
    /// The language an interpreter is needed for.
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub interpreter_language: Option<String>,
    #[serde(default)]
    pub large_print: bool,
    #[serde(default)]
    pub audio: bool,
    /// Any other reasonable adjustment.
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000)]
    pub other_adjustments: Option<String>,
}

/// Someone acting for the customer, with the customer's consent.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepresentativeDetails {
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 200)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub organisation: Option<String>,
    /// E.g. daughter, councillor, advocate, solicitor.
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub relationship: Option<String>,
    #[validate(email(message = "must be a valid email address"), length(max = 254))]
    #[schema(max_length = 254)]
    pub email: Option<String>,
    #[validate(custom(function = "phone_number"))]
    pub phone: Option<String>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub address: Option<String>,
    /// The customer's consent to the representative acting for them: must be true.
    #[validate(required(message = "is required"))]
    #[schema(value_type = bool)]
    pub consent_to_act: Option<bool>,
    /// The customer's consent to information about the case being released to the representative.
    #[validate(required(message = "is required"))]
    #[schema(value_type = bool)]
    pub consent_to_release_information: Option<bool>,
}

fn known_kind(value: &str) -> Result<(), validator::ValidationError> {
    known(Kind::parse(value).is_some(), Kind::expected())
}

fn known_channel(value: &str) -> Result<(), validator::ValidationError> {
    known(Channel::parse(value).is_some(), Channel::expected())
}

fn known_contact_method(value: &str) -> Result<(), validator::ValidationError> {
    known(
        ContactMethod::parse(value).is_some(),
        ContactMethod::expected(),
    )
}

fn known(ok: bool, expected: String) -> Result<(), validator::ValidationError> {
    if ok {
        Ok(())
    } else {
        Err(validator::ValidationError::new("unknown")
            .with_message(format!("must be one of {expected}").into()))
    }
}

fn staff_names(names: &[String]) -> Result<(), validator::ValidationError> {
    if names.iter().all(|n| !n.trim().is_empty() && n.len() <= 200) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("staff_named")
            .with_message("each name must be 1 to 200 characters".into()))
    }
}

// ---------------------------------------------------------------- responses

/// Who logged a case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedBy {
    pub role: Role,
    /// The staff member's or client's id; shown to staff only.
    pub subject: Option<String>,
}

/// A representative, as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Representative {
    pub name: String,
    pub organisation: Option<String>,
    pub relationship: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub consent_to_act: bool,
    pub consent_to_release_information: bool,
    #[schema(format = DateTime)]
    pub consent_recorded_at: String,
    /// Staff only: the person the representative is.
    pub person_id: Option<i64>,
}

/// The customer, as recorded on the case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Customer {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub preferred_contact: Option<ContactMethod>,
    pub accessibility: Accessibility,
}

/// A case: one complaint, compliment or comment.
///
/// A partner sees only the fields the council lists in `PARTNER_CASE_FIELDS` of the cases it
/// posted; the others are left out (not null), and `reference` is always there. By default a
/// partner sees `reference`, `kind`, `status`, `stage`, `channel`, `received_at`, `service`,
/// `category`, `response_requested`, `created_by`, `partner_reference`, `acknowledgement_due`,
/// `stages`, `created_at` and `updated_at`: nothing of the customer, their representative or their
/// adjustments, and no free text. Every other caller gets every field.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "reference": "CMP-2026-000042", "kind": "complaint", "status": "received", "stage": null,
    "channel": "telephone", "received_at": "2026-11-20T09:15:00Z", "received_at_reason": "logged after a phone call",
    "summary": "Bin not collected three weeks running",
    "description": "Our green bin has been missed on the last three collection days.",
    "desired_outcome": "Collect the bin", "service": "waste-care", "category": "missed collection",
    "problem_date": "2026-11-02", "response_requested": true, "staff_named": [],
    "customer": {"name": "Alex Example", "email": "alex@example.org", "phone": null, "address": null,
                 "postcode": null, "preferred_contact": "email",
                 "accessibility": {"interpreter_language": null, "large_print": true, "audio": false, "other_adjustments": null}},
    "representative": null,
    "created_by": {"role": "investigating_officer", "subject": "officer-17"},
    "partner_reference": null, "acknowledgement_due": "2026-11-27",
    "created_at": "2026-11-22T10:31:24Z", "updated_at": "2026-11-22T10:31:24Z"
}))]
pub struct Case {
    #[schema(example = "CMP-2026-000042")]
    pub reference: String,
    #[schema(required = false)]
    pub kind: Kind,
    #[schema(required = false)]
    pub status: Status,
    #[schema(required = false)]
    pub stage: Option<Stage>,
    #[schema(required = false)]
    pub channel: Channel,
    #[schema(format = DateTime)]
    #[schema(required = false)]
    pub received_at: String,
    /// Why the received time was back-dated, when it was.
    #[schema(required = false)]
    pub received_at_reason: Option<String>,
    #[schema(required = false)]
    pub summary: String,
    #[schema(required = false)]
    pub description: String,
    #[schema(required = false)]
    pub desired_outcome: Option<String>,
    /// The lead service's id.
    #[schema(required = false)]
    pub service: String,
    /// Staff only: the services contributing to the one response.
    #[schema(required = false)]
    pub contributing_services: Vec<String>,
    #[schema(required = false)]
    pub category: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    #[schema(required = false)]
    pub problem_date: Option<NaiveDate>,
    /// Complaints always get a response; compliments and comments when the customer asked.
    #[schema(required = false)]
    pub response_requested: bool,
    #[schema(required = false)]
    pub staff_named: Vec<String>,
    #[schema(required = false)]
    pub customer: Customer,
    /// Staff only: the person the customer is (`GET /people/{id}`).
    #[schema(required = false)]
    pub person_id: Option<i64>,
    /// Staff only: how the customer was matched to their person.
    #[schema(required = false)]
    pub person_match: Option<super::people::CasePersonMatch>,
    /// The reasonable adjustments in force for the customer's person (`GET
    /// /people/{id}/adjustments`): what staff agreed, where `customer.accessibility` is what
    /// the customer asked for on this case. Staff see them all; a customer sees them only on
    /// their own person's case, without who agreed them; partners never.
    #[schema(required = false)]
    pub adjustments: Vec<super::adjustments::Adjustment>,
    #[schema(required = false)]
    pub representative: Option<Representative>,
    #[schema(required = false)]
    pub created_by: CreatedBy,
    #[schema(required = false)]
    pub partner_reference: Option<String>,
    /// When the acknowledgement is due, by the council's policy.
    #[schema(value_type = Option<String>, format = Date)]
    #[schema(required = false)]
    pub acknowledgement_due: Option<NaiveDate>,
    /// The triage decision, once made.
    #[schema(required = false)]
    pub triage: Option<Triage>,
    /// The formal stages the complaint has reached, each with its clock.
    #[schema(required = false)]
    pub stages: Vec<StageClock>,
    /// Extensions of the stages' response times (customers see the agreed ones).
    #[schema(required = false)]
    pub extensions: Vec<super::extensions::Extension>,
    /// Stage responses: staff see drafts too; customers and partners only what was sent.
    #[schema(required = false)]
    pub responses: Vec<super::stage_responses::Response>,
    /// The Ombudsman's involvement, once the complaint was referred.
    #[schema(required = false)]
    pub ombudsman: Option<super::ombudsman::OmbudsmanCase>,
    /// What the council promised to put right, and whether it has.
    #[schema(required = false)]
    pub remedies: Vec<super::remedies::Remedy>,
    /// A compliment or comment: how it was handled, once anything was done.
    #[schema(required = false)]
    pub feedback: Option<super::feedback::FeedbackHandling>,
    /// Staff only: flags and the referrals made (empty for customers and partners).
    #[schema(required = false)]
    pub flags: Vec<super::flags::CaseFlag>,
    /// Staff only: related cases.
    #[schema(required = false)]
    pub linked_cases: Vec<String>,
    /// Staff only (empty for customers and partners): the legal holds in force on the case
    /// and on its customer's person, newest first. While one is, the case is neither
    /// anonymised nor loses its documents, and no erasure of the person is carried out.
    #[schema(required = false)]
    pub legal_holds: Vec<super::retention::HoldInForce>,
    #[schema(format = DateTime)]
    #[schema(required = false)]
    pub created_at: String,
    #[schema(format = DateTime)]
    #[schema(required = false)]
    pub updated_at: String,
}

/// What triage decided.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Triage {
    pub decision: crate::domain::triage::Decision,
    /// What was recorded with it: the procedure and referral for an
    /// exclusion, the organisation for outside remit, special circumstances.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    #[schema(format = DateTime)]
    pub decided_at: String,
}

/// A formal stage and its clock.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StageClock {
    pub stage: Stage,
    #[schema(format = DateTime)]
    pub opened_at: String,
    #[schema(value_type = String, format = Date)]
    pub acknowledgement_due: NaiveDate,
    #[schema(format = DateTime)]
    pub acknowledged_at: Option<String>,
    pub acknowledgement_method: Option<String>,
    /// Whether the acknowledgement was sent by the end of its due date.
    pub acknowledged_on_time: Option<bool>,
    /// The complaint's grade, where the policy grades complaints.
    pub grade: Option<i32>,
    /// When the stage's response is due: set when the stage is acknowledged.
    #[schema(value_type = Option<String>, format = Date)]
    pub response_due: Option<NaiveDate>,
    /// The investigating officer; shown to staff only.
    pub investigator: Option<String>,
    /// The stage's outcome, once its response was sent.
    pub outcome: Option<crate::domain::case::Outcome>,
    #[schema(format = DateTime)]
    pub responded_at: Option<String>,
    /// Whether the response was sent by the end of its due date.
    pub responded_on_time: Option<bool>,
    /// The last day to ask for the next stage, where the policy sets a window.
    #[schema(value_type = Option<String>, format = Date)]
    pub escalation_window_closes: Option<NaiveDate>,
    /// Stage 2: the grounds given for asking for it.
    #[schema(value_type = Vec<crate::domain::escalation::Ground>)]
    pub request_grounds: Vec<String>,
    /// Stage 2: why the customer is still dissatisfied (null for partners).
    pub request_reason: Option<String>,
    /// Stage 2 asked for after the window: why it was accepted (null for partners).
    pub late_acceptance_reason: Option<String>,
}

/// A case in a list.
///
/// A partner sees only the fields `PARTNER_CASE_FIELDS` lists (as on the case itself; the
/// others are left out, `reference` is always there), and `next_deadline` only where both
/// `acknowledgement_due` and `stages` are listed (it is the next of their dates).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CaseSummary {
    pub reference: String,
    #[schema(required = false)]
    pub kind: Kind,
    #[schema(required = false)]
    pub status: Status,
    #[schema(required = false)]
    pub stage: Option<Stage>,
    #[schema(required = false)]
    pub channel: Channel,
    #[schema(format = DateTime)]
    #[schema(required = false)]
    pub received_at: String,
    #[schema(required = false)]
    pub summary: String,
    #[schema(required = false)]
    pub service: String,
    #[schema(required = false)]
    pub category: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    #[schema(required = false)]
    pub acknowledgement_due: Option<NaiveDate>,
    /// What the council must do next on the case, and by when.
    #[schema(required = false)]
    pub next_deadline: Option<NextDeadline>,
    #[schema(format = DateTime)]
    #[schema(required = false)]
    pub updated_at: String,
}

/// The next thing due on a case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NextDeadline {
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// `acknowledgement` or `response`.
    pub kind: String,
    /// Whether the date has passed.
    pub overdue: bool,
}

/// A page of cases, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CaseList {
    pub items: Vec<CaseSummary>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Who did something on a case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Actor {
    pub role: crate::domain::case::ActorRole,
    /// Shown to staff only.
    pub subject: Option<String>,
}

/// One event in a case's history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TimelineEvent {
    pub id: i64,
    /// What happened, e.g. `received`.
    #[serde(rename = "type")]
    pub event_type: String,
    #[schema(format = DateTime)]
    pub occurred_at: String,
    pub actor: Actor,
    /// Whether the customer can see it.
    pub visibility: Visibility,
    /// What changed.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// A page of a case's timeline, oldest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Timeline {
    pub items: Vec<TimelineEvent>,
    pub next_cursor: Option<String>,
}

// ---------------------------------------------------------------- mapping

fn summary_of(row: &CaseRow) -> Result<CaseSummary, ApiError> {
    Ok(CaseSummary {
        reference: row.reference.clone(),
        kind: row.kind,
        status: row.status,
        stage: row.stage,
        channel: row.channel,
        received_at: rfc3339(row.received_at),
        summary: row.summary.clone(),
        service: row.service_id.clone(),
        category: row.category.clone(),
        acknowledgement_due: row.acknowledgement_due,
        next_deadline: match (row.next_deadline, &row.next_deadline_kind) {
            (Some(date), Some(kind)) => Some(NextDeadline {
                date,
                kind: kind.clone(),
                overdue: date < crate::domain::clock::uk_date(Utc::now().naive_utc()),
            }),
            _ => None,
        },
        updated_at: rfc3339(row.updated_at),
    })
}

fn stage_clock(row: StageRow, viewer: &Caller) -> Result<StageClock, ApiError> {
    let partner = viewer.acting_role() == Role::Partner;
    let acknowledged_on_time = row
        .acknowledged_at
        .map(|at| crate::domain::clock::uk_date(at) <= row.acknowledgement_due);
    Ok(StageClock {
        stage: row.stage,
        opened_at: rfc3339(row.opened_at),
        acknowledgement_due: row.acknowledgement_due,
        acknowledged_at: row.acknowledged_at.map(rfc3339),
        acknowledgement_method: row.acknowledgement_method.map(|m| m.as_str().to_string()),
        acknowledged_on_time,
        grade: row.grade,
        response_due: row.response_due,
        investigator: row.investigator.filter(|_| viewer.is_staff()),
        outcome: row.outcome,
        responded_at: row.responded_at.map(rfc3339),
        responded_on_time: row.responded_on_time,
        escalation_window_closes: row.escalation_window_closes,
        request_grounds: match &row.request_grounds {
            Some(json) => serde_json::from_str(json).map_err(ApiError::internal)?,
            None => vec![],
        },
        // The customer's own words and staff's reasons about them: never a contractor's.
        request_reason: row.request_reason.filter(|_| !partner),
        late_acceptance_reason: row.late_acceptance_reason.filter(|_| !partner),
    })
}

/// After a change to `row` (the case row as the change left it): stores the case's next
/// deadline and investigator for the work queues where they moved, then reads the rest of the
/// case as `viewer` may see it.
pub(crate) fn reload_after_change(
    conn: &mut DbConnection,
    changed: impl Into<crate::app::cases::Changed>,
    viewer: &Caller,
) -> Result<(Case, String), ApiError> {
    let crate::app::cases::Changed { case: row, stages } = changed.into();
    let stages = match stages {
        Some(stages) => stages,
        None => crate::db::stages::for_case(conn, row.id)?,
    };
    let current = stages.last();
    let status = row.status;
    let handling = match row.kind {
        Kind::Complaint => None,
        _ => crate::db::feedback::find(conn, row.id)?,
    };
    let next = if row.kind == Kind::Complaint {
        deadlines::next_for_complaint(
            status,
            row.acknowledgement_due,
            current.map(|s| deadlines::StageDates {
                acknowledgement_due: s.acknowledgement_due,
                acknowledged: s.acknowledged_at.is_some(),
                response_due: s.response_due,
                responded: s.responded_at.is_some(),
            }),
        )
    } else {
        let done = crate::db::feedback::handling(handling.as_ref());
        deadlines::next_for_feedback(
            status,
            row.acknowledgement_due,
            handling.as_ref().and_then(|h| h.response_due),
            done.acknowledged,
            done.replied,
        )
    }
    .map(|(date, due)| (date, due.as_str()));
    // Before triage opens a stage the case may be in an officer's work queue already (routed
    // to a single point of contact at intake): kept until a stage names its investigator.
    let investigator = match current {
        Some(stage) => stage.investigator.clone(),
        None => row.investigator.clone(),
    };
    let moved = row.next_deadline != next.map(|(date, _)| date)
        || row.next_deadline_kind.as_deref() != next.map(|(_, kind)| kind)
        || row.investigator != investigator;
    if moved {
        repo::set_work_queue(conn, row.id, next, investigator.as_deref())?;
    }
    crate::app::alerts::sync_case(conn, &row, &stages, handling.as_ref())?;
    // What was just stored, without reading the row again.
    let row = CaseRow {
        next_deadline: next.map(|(date, _)| date),
        next_deadline_kind: next.map(|(_, kind)| kind.to_string()),
        investigator,
        ..row
    };
    load_case_with(conn, row, stages, viewer)
}

/// The whole case as `viewer` may see it, and its ETag.
pub(crate) fn load_case(
    conn: &mut DbConnection,
    row: CaseRow,
    viewer: &Caller,
) -> Result<(Case, String), ApiError> {
    let stages = crate::db::stages::for_case(conn, row.id)?;
    load_case_with(conn, row, stages, viewer)
}

/// As [`load_case`], with the case's stages already read.
fn load_case_with(
    conn: &mut DbConnection,
    row: CaseRow,
    stages: Vec<StageRow>,
    viewer: &Caller,
) -> Result<(Case, String), ApiError> {
    let (customer, representative) = repo::people(conn, row.id)?;
    // Extensions, responses, remedies and the Ombudsman all hang off a
    // formal stage, the Ombudsman off a stage's response: a case without
    // them is read without asking.
    let formal = !stages.is_empty();
    let answered = stages.iter().any(|s| s.responded_at.is_some());
    let stage_of = |stage_id: i64| {
        stages
            .iter()
            .find(|s| s.id == stage_id)
            .map(|s| s.stage)
            .ok_or_else(|| ApiError::internal(format!("no stage {stage_id} on the case")))
    };
    let mut extensions = vec![];
    let mut responses = vec![];
    if formal {
        // An extension is asked for on an acknowledged stage, which has a response due date.
        let extensible = stages.iter().any(|s| s.response_due.is_some());
        if extensible {
            extensions = crate::db::extensions::for_case(conn, row.id)?
                .iter()
                .filter(|e| super::extensions::visible_to(e, viewer))
                .map(|e| super::extensions::view(e, stage_of(e.stage_id)?))
                .collect::<Result<Vec<_>, _>>()?;
        }
        responses = crate::db::responses::for_case(conn, row.id)?
            .iter()
            .filter(|r| {
                viewer.is_staff() || r.status == crate::domain::response::ResponseStatus::Sent
            })
            .map(|r| super::stage_responses::view(r, stage_of(r.stage_id)?, viewer))
            .collect::<Result<Vec<_>, _>>()?;
    }
    let etag = etag(&row);
    let case_id = row.id;
    let adjustments = crate::app::adjustments::in_force_on_case(conn, viewer, &customer)?;
    let adjustments = super::adjustments::views(conn, adjustments, viewer)?;
    let person_id = customer.person_id;
    let mut case = case_of(row, customer, representative, stages, viewer)?;
    case.adjustments = adjustments;
    case.extensions = extensions;
    case.responses = responses;
    if formal {
        case.remedies = crate::db::remedies::for_case(conn, case_id)?
            .iter()
            .map(|r| super::remedies::view(r, &case.reference, viewer.is_staff()))
            .collect::<Result<Vec<_>, _>>()?;
    }
    if viewer.is_staff() {
        let (flags, linked, contributing) = crate::db::flags::staff_parts(conn, case_id)?;
        case.flags = flags
            .iter()
            .map(super::flags::view)
            .collect::<Result<Vec<_>, _>>()?;
        case.linked_cases = linked;
        case.contributing_services = contributing;
        case.legal_holds = super::retention::in_force(conn, &[case_id], person_id)?;
    }
    if case.kind != Kind::Complaint {
        let handling = crate::db::feedback::find(conn, case_id)?;
        // Who it was passed to is for staff, and there only once it was passed on.
        let staff = match &handling {
            Some(f) if f.forwarded_at.is_some() && viewer.is_staff() => {
                crate::db::feedback::staff_for_case(conn, case_id)?
            }
            _ => vec![],
        };
        case.feedback = handling
            .as_ref()
            .map(|f| super::feedback::view(f, &staff, case.acknowledgement_due, viewer))
            .transpose()?;
    }
    if answered {
        case.ombudsman = crate::db::ombudsman::for_case(conn, case_id)?
            .as_ref()
            .map(super::ombudsman::view)
            .transpose()?;
    }
    Ok((case, etag))
}

fn case_of(
    row: CaseRow,
    customer: CustomerRow,
    representative: Option<RepresentativeRow>,
    stages: Vec<StageRow>,
    viewer: &Caller,
) -> Result<Case, ApiError> {
    let triage = match (row.triage_decision, &row.triaged_at) {
        (Some(decision), Some(at)) => Some(Triage {
            decision,
            details: match &row.triage_details {
                Some(json) => serde_json::from_str(json).map_err(ApiError::internal)?,
                None => serde_json::json!({}),
            },
            decided_at: rfc3339(*at),
        }),
        _ => None,
    };
    let stages = stages
        .into_iter()
        .map(|stage| stage_clock(stage, viewer))
        .collect::<Result<Vec<_>, _>>()?;
    let summary = summary_of(&row)?;
    let staff_named: Vec<String> = match &row.staff_named {
        Some(json) => serde_json::from_str(json).map_err(ApiError::internal)?,
        None => vec![],
    };
    Ok(Case {
        reference: summary.reference,
        kind: summary.kind,
        status: summary.status,
        stage: summary.stage,
        channel: summary.channel,
        received_at: summary.received_at,
        received_at_reason: row.received_at_reason,
        summary: row.summary,
        description: row.description,
        desired_outcome: row.desired_outcome,
        service: row.service_id,
        contributing_services: vec![],
        category: row.category,
        problem_date: row.problem_date,
        response_requested: row.response_requested,
        staff_named,
        person_id: customer.person_id.filter(|_| viewer.is_staff()),
        person_match: customer
            .person_match
            .filter(|_| viewer.is_staff())
            .map(|how| super::people::CasePersonMatch {
                how,
                uncertain: customer.person_match_uncertain,
            }),
        customer: Customer {
            name: customer.name,
            email: customer.email,
            phone: customer.phone,
            address: customer.address,
            postcode: customer.postcode,
            preferred_contact: customer
                .preferred_contact
                .as_deref()
                .and_then(ContactMethod::parse),
            accessibility: Accessibility {
                interpreter_language: customer.interpreter_language,
                large_print: customer.large_print,
                audio: customer.audio,
                other_adjustments: customer.other_adjustments,
            },
        },
        adjustments: vec![],
        representative: representative.map(|r| Representative {
            name: r.name,
            organisation: r.organisation,
            relationship: r.relationship,
            email: r.email,
            phone: r.phone,
            address: r.address,
            consent_to_act: r.consent_to_act,
            consent_to_release_information: r.consent_to_release_information,
            consent_recorded_at: rfc3339(r.consent_recorded_at),
            person_id: r.person_id.filter(|_| viewer.is_staff()),
        }),
        created_by: CreatedBy {
            role: row.created_by_role,
            subject: viewer.is_staff().then_some(row.created_by_subject),
        },
        partner_reference: row.partner_reference,
        acknowledgement_due: row.acknowledgement_due,
        triage,
        stages,
        extensions: vec![],
        responses: vec![],
        ombudsman: None,
        remedies: vec![],
        feedback: None,
        flags: vec![],
        linked_cases: vec![],
        legal_holds: vec![],
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
    })
}

/// The case's JSON as `viewer` sees it: a partner only the fields the council lets partners
/// see (`PARTNER_CASE_FIELDS`), the others left out rather than null; everyone else all of it.
pub(crate) fn case_json(
    case: &Case,
    viewer: &Caller,
    partner_fields: &PartnerCaseFields,
) -> Result<serde_json::Value, ApiError> {
    let mut value = serde_json::to_value(case).map_err(ApiError::internal)?;
    match viewer.acting_role() {
        Role::Partner => {
            if let Some(fields) = value.as_object_mut() {
                fields.retain(|name, _| partner_fields.shows(name));
            }
        }
        Role::WebForm => {
            if let Some(fields) = value.as_object_mut() {
                fields.retain(|name, _| {
                    crate::domain::partner_view::WEB_FORM_CASE_FIELDS.contains(&name.as_str())
                });
            }
        }
        _ => {}
    }
    Ok(value)
}

/// A page of the case list as `viewer` sees it: as [`case_json`], each item with only the
/// fields a partner may see of the case, and its next deadline only where both the dates it
/// is the next of (`acknowledgement_due`, `stages`) are shown.
fn case_list_json(
    page: &CaseList,
    viewer: &Caller,
    partner_fields: &PartnerCaseFields,
) -> Result<serde_json::Value, ApiError> {
    let mut value = serde_json::to_value(page).map_err(ApiError::internal)?;
    if viewer.acting_role() == Role::Partner {
        let deadline_shown =
            partner_fields.shows("acknowledgement_due") && partner_fields.shows("stages");
        let items = value
            .get_mut("items")
            .and_then(serde_json::Value::as_array_mut);
        for item in items.into_iter().flatten() {
            if let Some(fields) = item.as_object_mut() {
                fields.retain(|name, _| match name.as_str() {
                    "next_deadline" => deadline_shown,
                    name => partner_fields.shows(name),
                });
            }
        }
    }
    Ok(value)
}

/// A 200 answer with the case and its ETag: what reading a case, and every
/// change to one, answers.
pub(crate) fn case_response(case: Case, etag: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .json(case)
}

/// The case's ETag: its version, which every change bumps.
pub fn etag(row: &CaseRow) -> String {
    format!("\"{}\"", row.version)
}

// ---------------------------------------------------------------- create

/// The checks that depend on who is calling and on the values together.
fn role_rules(new: &NewCase, caller: &Caller, now: DateTime<Utc>) -> (Channel, Vec<FieldError>) {
    let mut errors = Vec::new();
    let role = caller.acting_role();
    let requested = new.channel.as_deref().and_then(Channel::parse);
    let channel = match role {
        Role::Customer => {
            if requested.is_some_and(|c| c != Channel::OnlineForm) {
                errors.push(FieldError::new(
                    "channel",
                    "customers send feedback through the online form",
                ));
            }
            Channel::OnlineForm
        }
        Role::WebForm => {
            if requested.is_some_and(|c| c != Channel::OnlineForm) {
                errors.push(FieldError::new(
                    "channel",
                    "the web_form client posts with channel online_form",
                ));
            }
            Channel::OnlineForm
        }
        Role::Partner => {
            if requested.is_some_and(|c| c != Channel::Partner) {
                errors.push(FieldError::new(
                    "channel",
                    "partner clients post with channel partner",
                ));
            }
            Channel::Partner
        }
        _ => match (requested, new.channel.is_some()) {
            (Some(Channel::Partner), _) => {
                errors.push(FieldError::new(
                    "channel",
                    "the partner channel is for partner clients",
                ));
                Channel::Partner
            }
            (Some(channel), _) => channel,
            (None, false) => {
                errors.push(FieldError::new(
                    "channel",
                    "is required when staff log feedback",
                ));
                Channel::Telephone
            }
            // Unknown channel: already reported by the validator.
            (None, true) => Channel::Telephone,
        },
    };
    if let Some(received_at) = new.received_at {
        if !caller.is_staff() {
            errors.push(FieldError::new(
                "received_at",
                "only staff may set when feedback was received",
            ));
        } else if received_at > now + chrono::Duration::minutes(5) {
            errors.push(FieldError::new("received_at", "must not be in the future"));
        } else if received_at.year() < crate::domain::bank_holidays::FIRST_YEAR {
            errors.push(FieldError::new(
                "received_at",
                "must be on or after 2015-01-01",
            ));
        } else if received_at < now - chrono::Duration::minutes(15)
            && new
                .received_at_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            errors.push(FieldError::new(
                "received_at_reason",
                "is required when the received time is back-dated",
            ));
        }
    }
    if let Some(problem_date) = new.problem_date {
        if problem_date > now.date_naive() {
            errors.push(FieldError::new("problem_date", "must not be in the future"));
        } else if problem_date < crate::domain::dates::EARLIEST {
            errors.push(FieldError::new(
                "problem_date",
                format!("must not be before {}", crate::domain::dates::EARLIEST),
            ));
        }
    }
    if new.kind.as_deref() == Some("complaint") && new.response_requested == Some(false) {
        errors.push(FieldError::new(
            "response_requested",
            "a complaint always gets a response",
        ));
    }
    if new.partner_reference.is_some() && role != Role::Partner {
        errors.push(FieldError::new(
            "partner_reference",
            "only partner clients set a partner reference",
        ));
    }
    if let Some(customer) = &new.customer {
        let has = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        if new.kind.as_deref() == Some("complaint")
            && !has(&customer.email)
            && !has(&customer.phone)
            && !has(&customer.address)
        {
            errors.push(FieldError::new(
                "customer",
                "give at least one of email, phone or address so the council can respond",
            ));
        }
        let missing = match customer
            .preferred_contact
            .as_deref()
            .and_then(ContactMethod::parse)
        {
            Some(ContactMethod::Email) if !has(&customer.email) => Some("customer.email"),
            Some(ContactMethod::Telephone) if !has(&customer.phone) => Some("customer.phone"),
            Some(ContactMethod::Letter) if !has(&customer.address) => Some("customer.address"),
            _ => None,
        };
        if let Some(field) = missing {
            errors.push(FieldError::new(
                field,
                "is required for the preferred contact method",
            ));
        }
    }
    if let Some(representative) = &new.representative {
        if representative.consent_to_act == Some(false) {
            errors.push(FieldError::new(
                "representative.consent_to_act",
                "a representative can only act with the customer's consent",
            ));
        }
    }
    (channel, errors)
}

fn clean(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// Everything needed to write a new case, checked.
#[derive(Debug, Clone)]
struct Intake {
    kind: Kind,
    channel: Channel,
    new: NewCase,
    received_at: NaiveDateTime,
    caller: Caller,
    /// From the policy's clock.
    acknowledgement_due: Option<NaiveDate>,
    db: Database,
    /// Field errors found before the database was consulted.
    errors: Vec<FieldError>,
    duplicates: crate::domain::duplicate::DuplicatePolicy,
    /// What a partner sees of the case it posted, in the answer (and so in its replays).
    partner_fields: PartnerCaseFields,
    /// How a resident without an account is sent a link back to their case.
    links: CaseLinks,
}

fn write_case(
    conn: &mut DbConnection,
    intake: &Intake,
    now: NaiveDateTime,
) -> Result<Created, ApiError> {
    let new = &intake.new;
    let role = intake.caller.acting_role();
    let details = new.customer.clone().unwrap_or_default();
    let accessibility = details.accessibility.clone().unwrap_or_default();
    let customer_subject = (role == Role::Customer).then(|| intake.caller.subject.clone());
    let staff_named = match &new.staff_named {
        Some(names) if !names.is_empty() => {
            Some(serde_json::to_string(names).map_err(ApiError::internal)?)
        }
        _ => None,
    };
    let logged = crate::app::cases::create(
        conn,
        &intake.db,
        now,
        &intake.caller,
        crate::app::cases::Intake {
            kind: intake.kind,
            channel: intake.channel,
            customer: CustomerRow {
                id: 0,
                subject: customer_subject.clone(),
                name: details.name.unwrap_or_default().trim().to_string(),
                email: clean(details.email),
                phone: clean(details.phone),
                address: clean(details.address),
                postcode: clean(details.postcode).map(|p| p.to_uppercase()),
                preferred_contact: details.preferred_contact,
                interpreter_language: clean(accessibility.interpreter_language),
                large_print: accessibility.large_print,
                audio: accessibility.audio,
                other_adjustments: clean(accessibility.other_adjustments),
                created_at: now,
                person_id: None,
                person_match: None,
                person_match_uncertain: false,
            },
            case: NewCaseRow {
                reference: String::new(),
                kind: intake.kind,
                status: Status::Received,
                stage: None,
                channel: intake.channel,
                received_at: intake.received_at,
                received_at_reason: clean(new.received_at_reason.clone()),
                summary: new.summary.clone().unwrap_or_default().trim().to_string(),
                description: new
                    .description
                    .clone()
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
                desired_outcome: clean(new.desired_outcome.clone()),
                service_id: new.service.clone().unwrap_or_default(),
                category: clean(new.category.clone()),
                problem_date: new.problem_date,
                response_requested: intake.kind == Kind::Complaint
                    || new.response_requested.unwrap_or(false),
                staff_named,
                customer_id: 0,
                customer_subject,
                created_by_subject: intake.caller.subject.clone(),
                created_by_role: role,
                partner_client_id: (role == Role::Partner).then(|| intake.caller.subject.clone()),
                partner_reference: clean(new.partner_reference.clone()),
                acknowledgement_due: intake.acknowledgement_due,
                version: 1,
                created_at: now,
                updated_at: now,
                next_deadline: intake.acknowledgement_due,
                next_deadline_kind: intake
                    .acknowledgement_due
                    .map(|_| "acknowledgement".to_string()),
            },
            representative: new.representative.as_ref().map(|r| RepresentativeRow {
                id: 0,
                case_id: 0,
                name: r.name.clone().unwrap_or_default().trim().to_string(),
                organisation: clean(r.organisation.clone()),
                relationship: clean(r.relationship.clone()),
                email: clean(r.email.clone()),
                phone: clean(r.phone.clone()),
                address: clean(r.address.clone()),
                consent_to_act: r.consent_to_act.unwrap_or(false),
                consent_to_release_information: r.consent_to_release_information.unwrap_or(false),
                consent_recorded_at: now,
                created_at: now,
                person_id: None,
            }),
            errors: intake.errors.clone(),
            duplicates: intake.duplicates,
        },
    )?;
    // A resident without an account is sent their link back to the case, where they can be
    // reached by email or text (issue 16 §2).
    if role == Role::WebForm && intake.links.enabled {
        crate::app::case_access::issue(
            conn,
            &intake.links.templates,
            &intake.links.settings,
            now,
            &intake.caller,
            &logged.case,
        )?;
    }
    let etag = etag(&logged.case);
    let case_id = logged.case.id;
    let person_id = logged.customer.person_id;
    // The person's read at intake said whether they have adjustments in force or a legal hold
    // (a new case has no hold of its own yet); most have neither, and nothing more is read.
    let attention = logged.attention;
    let adjustments = if intake.caller.is_staff() && attention.adjustments {
        let held =
            crate::app::adjustments::in_force_on_case(conn, &intake.caller, &logged.customer)?;
        super::adjustments::views(conn, held, &intake.caller)?
    } else {
        vec![]
    };
    let mut case = case_of(
        logged.case,
        logged.customer,
        logged.representative,
        vec![],
        &intake.caller,
    )?;
    // What intake itself raised (a restricted contact, a possible duplicate, its routing)
    // is on the answer for staff, as a read of the case shows it.
    if intake.caller.is_staff() {
        let (flags, linked, contributing) = crate::db::flags::staff_parts(conn, case_id)?;
        case.flags = flags
            .iter()
            .map(super::flags::view)
            .collect::<Result<Vec<_>, _>>()?;
        case.linked_cases = linked;
        case.contributing_services = contributing;
        case.adjustments = adjustments;
        // A hold on the person covers the new case too.
        if attention.held {
            case.legal_holds = super::retention::in_force(conn, &[case_id], person_id)?;
        }
    }
    Ok(Created {
        location: format!("/api/v1/cases/{}", case.reference),
        body: serde_json::to_string(&case_json(&case, &intake.caller, &intake.partner_fields)?)
            .map_err(ApiError::internal)?,
        etag: Some(etag),
    })
}

#[utoipa::path(
    tag = "cases",
    operation_id = "create_case",
    description = "Roles: customer (for themselves, channel `online_form`), investigating_officer, \
                   head_of_service, complaints_manager (on someone's behalf, any channel but `partner`, \
                   may back-date `received_at` with a reason), partner (channel `partner`; the answer \
                   has only the fields `PARTNER_CASE_FIELDS` lists, see `Case`), web_form (the council \
                   website's backend, for a resident without an account: channel `online_form`; \
                   the answer has only `reference`, `kind`, \
                   `status`, `channel`, `received_at` and `acknowledgement_due`).\n\n\
                   Logs a complaint, compliment or comment and gives it a reference \
                   (`CMP-`, `CPL-`, `CMT-` + year + number). Send an `Idempotency-Key`: a retry with \
                   the same key and body returns the first answer with `Idempotent-Replayed: true`; \
                   the same key with a different body is refused with \
                   `/problems/idempotency-key-reused`.\n\n\
                   Public callers (customers) are rate-limited per client and per address \
                   (429 `/problems/rate-limited` with `Retry-After`); staff and partners never \
                   are. `website` is a honeypot: a form hides it from people, and a value in \
                   it is refused (422) with nothing stored.",
    request_body = NewCase,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body replay the first answer", min_length = 1, max_length = 255, pattern = "^[!-~]+$")),
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The case was logged", body = Case,
            headers(
                ("Location" = String, description = "The case's URL"),
                ("ETag" = String, description = "The case's version, for If-Match"),
                ("Idempotent-Replayed" = String, description = "`true` when this answer is a replay")
            )),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed),
        (status = 429, response = responses::RateLimited),
    )
)]
#[post("/cases")]
// Each argument is an extractor actix fills in: bundling them would only hide what it reads.
#[allow(clippy::too_many_arguments)]
pub async fn create(
    req: HttpRequest,
    caller: CaseCreator,
    db: web::Data<Database>,
    time: web::Data<crate::app::time::Now>,
    clock: web::Data<Clock>,
    duplicates: web::Data<crate::domain::duplicate::DuplicatePolicy>,
    partner_fields: web::Data<PartnerCaseFields>,
    links: CaseLinkData,
    body: JsonBody<NewCase>,
) -> Result<HttpResponse, ApiError> {
    crate::api::rate_limit::admit(&req, &caller.0)?;
    let key = idempotency::key(&req)?;
    let fingerprint = body.fingerprint("POST /api/v1/cases");
    let intake = IntakeSettings {
        db: db.get_ref().clone(),
        time: *time.get_ref(),
        clock: clock.into_inner(),
        duplicates: *duplicates.get_ref(),
        partner_fields: partner_fields.get_ref().clone(),
        links: links.0,
    };
    let (created, replayed) = log_case(&intake, caller.0, key, fingerprint, body.value).await?;
    Ok(idempotency::created_response(&created, replayed))
}

/// The checks a new case passes before the database is asked: the body's own and the
/// caller's rules; with the channel it is logged on.
pub(crate) fn checked(
    new: &NewCase,
    caller: &Caller,
    now: DateTime<Utc>,
) -> (Channel, Vec<FieldError>) {
    let mut errors = report_of(new);
    let (channel, rule_errors) = role_rules(new, caller, now);
    errors.extend(rule_errors);
    (channel, errors)
}

/// What intake needs besides the request: the database, the time, the policy's clock, how
/// repeat complaints are looked for, and what a partner is shown of its case.
#[derive(Clone)]
pub(crate) struct IntakeSettings {
    pub db: Database,
    pub time: crate::app::time::Now,
    pub clock: std::sync::Arc<Clock>,
    pub duplicates: crate::domain::duplicate::DuplicatePolicy,
    pub partner_fields: PartnerCaseFields,
    pub links: CaseLinks,
}

/// What intake needs to send a resident without an account their link back to the case.
#[derive(Clone)]
pub(crate) struct CaseLinks {
    pub templates: web::Data<crate::letters::Templates>,
    pub settings: web::Data<crate::config::CaseAccessSettings>,
    /// The service can sign tokens for links (`CASE_ACCESS_SECRET`, or a shared JWT secret).
    pub enabled: bool,
}

impl std::fmt::Debug for CaseLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseLinks")
            .field("settings", &self.settings)
            .field("enabled", &self.enabled)
            .finish()
    }
}

/// [`CaseLinks`], from the application's data.
pub(crate) struct CaseLinkData(pub CaseLinks);

impl actix_web::FromRequest for CaseLinkData {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let found = (|| {
            Some(CaseLinks {
                templates: req
                    .app_data::<web::Data<crate::letters::Templates>>()?
                    .clone(),
                settings: req
                    .app_data::<web::Data<crate::config::CaseAccessSettings>>()?
                    .clone(),
                enabled: req
                    .app_data::<web::Data<crate::auth::TokenVerifier>>()?
                    .can_sign_case_access(),
            })
        })();
        std::future::ready(
            found
                .map(CaseLinkData)
                .ok_or_else(|| ApiError::internal("intake's letters or link settings are missing")),
        )
    }
}

/// Logs a new case for `caller`: the one way in for `POST /api/v1/cases` and the reference
/// form (`api::forms`), so both check and write a case alike. The body's own checks and the
/// caller's rules go with the case to `app::cases::create`, which refuses it with all of them
/// (`ApiError::Validation`) or writes it, once per idempotency key.
pub(crate) async fn log_case(
    settings: &IntakeSettings,
    caller: Caller,
    key: Option<String>,
    fingerprint: String,
    new: NewCase,
) -> Result<(Created, bool), ApiError> {
    let time = settings.time;
    let now = time.now().and_utc();
    let (channel, errors) = checked(&new, &caller, now);
    let kind = new
        .kind
        .as_deref()
        .and_then(Kind::parse)
        .unwrap_or(Kind::Complaint);
    let received_at = db::truncate_to_micros(new.received_at.unwrap_or(now).naive_utc());
    let response_requested = kind == Kind::Complaint || new.response_requested.unwrap_or(false);
    let intake = Intake {
        kind,
        channel,
        received_at,
        acknowledgement_due: settings.clock.deadlines().acknowledgement_due(
            kind,
            crate::domain::clock::uk_date(received_at),
            response_requested,
        ),
        db: settings.db.clone(),
        new,
        caller: caller.clone(),
        errors,
        duplicates: settings.duplicates,
        partner_fields: settings.partner_fields.clone(),
        links: settings.links.clone(),
    };
    idempotency::created_once(
        &settings.db,
        &caller.subject,
        key,
        fingerprint,
        move |conn| write_case(conn, &intake, time.now()),
    )
    .await
}

// ---------------------------------------------------------------- read

/// The case, if this caller may act on it; otherwise not found, so that no
/// one learns that another person's case exists. Staff of a service that
/// only contributes to the case may read it but not change it: 403.
pub(crate) fn visible_case(
    conn: &mut DbConnection,
    reference: &str,
    caller: &Caller,
) -> Result<CaseRow, ApiError> {
    case_for(conn, reference, caller, false)
}

/// The case, if this caller may read it: as [`visible_case`], and also for
/// staff of a service contributing to it.
pub(crate) fn readable_case(
    conn: &mut DbConnection,
    reference: &str,
    caller: &Caller,
) -> Result<CaseRow, ApiError> {
    case_for(conn, reference, caller, true)
}

fn case_for(
    conn: &mut DbConnection,
    reference: &str,
    caller: &Caller,
    contributors_may_read: bool,
) -> Result<CaseRow, ApiError> {
    Ok(crate::app::cases::find(
        conn,
        reference,
        caller,
        contributors_may_read,
    )?)
}

#[utoipa::path(
    tag = "cases",
    operation_id = "get_case",
    description = "Roles: customer (own cases), partner (cases it posted), investigating_officer and \
                   head_of_service (cases their services lead or contribute to), complaints_manager (all).\n\n\
                   A case the caller may not see is answered 404, as if it did not exist. A partner \
                   sees only the fields the council lists in `PARTNER_CASE_FIELDS` (see `Case`).",
    params(("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case", body = Case,
            headers(("ETag" = String, description = "The case's version, for If-Match"))),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/cases/{reference}")]
pub async fn get(
    req: HttpRequest,
    caller: AnyCaller,
    db: web::Data<Database>,
    partner_fields: web::Data<PartnerCaseFields>,
    reference: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let reference = reference.into_inner();
    let caller = caller.0;
    let viewer = caller.clone();
    let (case, etag) = db
        .read(move |conn| {
            let row = readable_case(conn, &reference, &viewer)?;
            load_case(conn, row, &viewer)
        })
        .await?;
    super::access_log::record(&req, &caller, [Read::case(&case.reference)]);
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .json(case_json(&case, &caller, &partner_fields)?))
}

/// Filters on the case list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    #[param(value_type = Option<Kind>)]
    #[serde(default)]
    pub kind: Option<String>,
    #[param(value_type = Option<Status>)]
    #[serde(default)]
    pub status: Option<String>,
    /// A service id.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub service: Option<String>,
    #[param(value_type = Option<Channel>)]
    #[serde(default)]
    pub channel: Option<String>,
    #[param(value_type = Option<Stage>)]
    #[serde(default)]
    pub stage: Option<String>,
    /// Only cases carrying this flag (staff only).
    #[param(value_type = Option<crate::domain::flag::Flag>)]
    #[serde(default)]
    pub flag: Option<String>,
    /// `failed`: cases with a message to the customer that failed or came back, the
    /// failed-correspondence work queue (staff only).
    #[param(value_type = Option<CorrespondenceFilter>)]
    #[serde(default)]
    pub correspondence: Option<String>,
    /// The current stage's investigator: an id, or `me` for the caller.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub investigator: Option<String>,
    /// Cases whose next deadline falls on or before this date (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date)]
    #[serde(default)]
    pub due_before: Option<String>,
    /// `true`: cases whose next deadline has passed; `false`: those whose has not.
    #[param(value_type = Option<bool>)]
    #[serde(default)]
    pub overdue: Option<String>,
    /// Received on or after: a date (`2026-11-01`) or an instant (`2026-11-01T09:00:00Z`).
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub received_from: Option<String>,
    /// Received on or before: a date (the whole day counts) or an instant.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub received_to: Option<String>,
    /// 1 to 200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    #[serde(default)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub cursor: Option<String>,
}

crate::domain::case::vocabulary! {
    /// The case list's correspondence filter.
    CorrespondenceFilter {
        /// A message to the customer failed or came back.
        Failed => "failed",
    }
}

/// A date or an instant from a query string, as UTC; `end_of_day` makes a
/// date mean the end of that day (exclusive bound).
fn instant(raw: &str, end_of_day: bool) -> Option<NaiveDateTime> {
    if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        let date = if end_of_day { date.succ_opt()? } else { date };
        return date.and_hms_opt(0, 0, 0);
    }
    let at = DateTime::parse_from_rfc3339(raw)
        .ok()?
        .with_timezone(&Utc)
        .naive_utc();
    let at = db::truncate_to_micros(at);
    Some(if end_of_day {
        at + chrono::Duration::microseconds(1)
    } else {
        at
    })
}

fn vocabulary_filter<T>(
    raw: Option<String>,
    field: &str,
    parse: impl Fn(&str) -> Option<T>,
    expected: String,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let raw = raw?;
    if parse(&raw).is_none() {
        errors.push(FieldError::new(field, format!("must be one of {expected}")));
    }
    Some(raw)
}

#[utoipa::path(
    tag = "cases",
    operation_id = "list_cases",
    description = "Roles: customer (own cases), partner (cases it posted), investigating_officer and \
                   head_of_service (cases their services lead or contribute to), complaints_manager (all).\n\n\
                   Cases newest first by the time they were received, with cursor pagination. \
                   A partner sees only the fields the council lists in `PARTNER_CASE_FIELDS` (see \
                   `CaseSummary`).",
    params(CaseQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of cases", body = CaseList),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/cases")]
pub async fn list(
    req: HttpRequest,
    caller: AnyCaller,
    db: web::Data<Database>,
    time: web::Data<crate::app::time::Now>,
    partner_fields: web::Data<PartnerCaseFields>,
    query: web::Query<CaseQuery>,
) -> Result<web::Json<serde_json::Value>, ApiError> {
    let query = query.into_inner();
    let mut errors = Vec::new();
    let limit = pagination::limit(query.limit.as_deref(), &mut errors);
    let after = pagination::decode_as(query.cursor.as_deref(), |position| {
        let (micros, id) = position.split_once('|')?;
        let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
        crate::domain::dates::plausible_instant(at).then_some((at, pagination::row_id(id)?))
    })?;
    let kind = vocabulary_filter(
        query.kind,
        "kind",
        Kind::parse,
        Kind::expected(),
        &mut errors,
    );
    let status = vocabulary_filter(
        query.status,
        "status",
        Status::parse,
        Status::expected(),
        &mut errors,
    );
    let channel = vocabulary_filter(
        query.channel,
        "channel",
        Channel::parse,
        Channel::expected(),
        &mut errors,
    );
    let mut bound = |raw: Option<String>, field: &str, end: bool| {
        let raw = raw?;
        let parsed = instant(&raw, end);
        match parsed {
            None => errors.push(FieldError::new(
                field,
                "must be a date (2026-11-01) or an RFC 3339 instant",
            )),
            Some(at) if !crate::domain::dates::plausible_instant(at) => {
                errors.push(FieldError::new(field, crate::domain::dates::range()))
            }
            Some(_) => {}
        }
        parsed.filter(|at| crate::domain::dates::plausible_instant(*at))
    };
    let received_from = bound(query.received_from, "received_from", false);
    let received_before = bound(query.received_to, "received_to", true);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let stage = vocabulary_filter(
        query.stage,
        "stage",
        Stage::parse,
        Stage::expected(),
        &mut errors,
    );
    let due_on_or_before = query.due_before.as_deref().and_then(|raw| {
        let parsed = NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok();
        match parsed {
            None => errors.push(FieldError::new(
                "due_before",
                "must be a date written YYYY-MM-DD",
            )),
            Some(date) if !crate::domain::dates::plausible(date) => {
                errors.push(FieldError::new("due_before", crate::domain::dates::range()))
            }
            Some(_) => {}
        }
        parsed.filter(|date| crate::domain::dates::plausible(*date))
    });
    let today = crate::domain::clock::uk_date(time.now());
    let overdue = match query.overdue.as_deref() {
        None => None,
        Some("true") => Some((true, today)),
        Some("false") => Some((false, today)),
        Some(_) => {
            errors.push(FieldError::new("overdue", "must be true or false"));
            None
        }
    };
    let investigator = match query.investigator.as_deref() {
        Some("me") => Some(caller.subject.clone()),
        other => other.map(str::to_string),
    };
    if investigator.is_some() && !caller.is_staff() {
        errors.push(FieldError::new("investigator", "is a filter for staff"));
    }
    let flag = vocabulary_filter(
        query.flag,
        "flag",
        crate::domain::flag::Flag::parse,
        crate::domain::flag::Flag::expected(),
        &mut errors,
    );
    if flag.is_some() && !caller.is_staff() {
        errors.push(FieldError::new("flag", "is a filter for staff"));
    }
    let correspondence = vocabulary_filter(
        query.correspondence,
        "correspondence",
        CorrespondenceFilter::parse,
        CorrespondenceFilter::expected(),
        &mut errors,
    );
    if correspondence.is_some() && !caller.is_staff() {
        errors.push(FieldError::new("correspondence", "is a filter for staff"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let filter = CaseFilter {
        correspondence_failed: correspondence.is_some(),
        stage,
        investigator,
        flag,
        due_on_or_before,
        overdue,
        scope: caller.case_scope(),
        kind,
        status,
        service: query.service,
        channel,
        received_from,
        received_before,
        after,
    };
    let rows = db
        .read(move |conn| Ok(repo::list(conn, &filter, limit + 1)?))
        .await?;
    let (rows, next_cursor) = pagination::split_page(rows, limit, |row| {
        format!(
            "{}|{}",
            row.received_at.and_utc().timestamp_micros(),
            row.id
        )
    });
    let items = rows.iter().map(summary_of).collect::<Result<Vec<_>, _>>()?;
    super::access_log::record(
        &req,
        &caller,
        items.iter().map(|case| Read::case(&case.reference)),
    );
    Ok(web::Json(case_list_json(
        &CaseList { items, next_cursor },
        &caller,
        &partner_fields,
    )?))
}

/// Timeline paging parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// 1 to 200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    #[serde(default)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub cursor: Option<String>,
}

pub(crate) fn timeline_event(row: EventRow, viewer: &Caller) -> Result<TimelineEvent, ApiError> {
    Ok(TimelineEvent {
        id: row.id,
        event_type: row.event_type,
        occurred_at: rfc3339(row.occurred_at),
        actor: Actor {
            role: row.actor_role,
            subject: (viewer.is_staff() || viewer.subject == row.actor_subject)
                .then_some(row.actor_subject),
        },
        visibility: row.visibility,
        details: serde_json::from_str(&row.details).map_err(ApiError::internal)?,
    })
}

#[utoipa::path(
    tag = "cases",
    operation_id = "get_case_timeline",
    description = "Roles: as for reading the case. Customers and partners see only the events \
                   meant for them; staff see every event.\n\n\
                   The case's history, oldest first: what happened, who did it and when.",
    params(("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"), TimelineQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of the timeline", body = Timeline),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/cases/{reference}/timeline")]
pub async fn timeline(
    req: HttpRequest,
    caller: AnyCaller,
    db: web::Data<Database>,
    reference: web::Path<String>,
    query: web::Query<TimelineQuery>,
) -> Result<web::Json<Timeline>, ApiError> {
    let query = query.into_inner();
    let (limit, after) = pagination::page(
        query.limit.as_deref(),
        query.cursor.as_deref(),
        pagination::row_id,
    )?;
    let reference = reference.into_inner();
    let caller = caller.0;
    let (rows, viewer, read) = db
        .read(move |conn| {
            let case = readable_case(conn, &reference, &caller)?;
            let rows = events::for_case(conn, case.id, !caller.is_staff(), after, limit + 1)?;
            Ok((rows, caller, Read::case(case.reference)))
        })
        .await?;
    super::access_log::record(&req, &viewer, [read]);
    let (rows, next_cursor) = pagination::split_page(rows, limit, |e| e.id.to_string());
    let items = rows
        .into_iter()
        .map(|row| timeline_event(row, &viewer))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(web::Json(Timeline { items, next_cursor }))
}

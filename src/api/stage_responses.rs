//! Stage responses (SPEC §5, seed 004): the investigator drafts, the Head of
//! Service approves and sends. Sending records the stage's outcome, whether
//! it was on time, and opens the window for asking for the next stage.

use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::cases::{case_response, reload_after_change, Case};
use super::database::ApiDatabase;
use super::idempotency::{self, Created};
use super::json::{JsonBody, OptionalJson};
use super::validation::{not_blank, one_of, report_of};
use super::{precondition, responses, rfc3339};
use crate::app::lifecycle;
use crate::app::time::Now;
use crate::auth::{Caller, Senior, Staff};
use crate::db::responses::ResponseRow;
use crate::db::{self, Database};
use crate::domain::acknowledgement::AcknowledgementMethod;
use crate::domain::case::{Outcome, Stage};
use crate::domain::clock::Clock;
use crate::error::{ApiError, FieldError};

/// The finding on one point the customer raised.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 2000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    pub point: Option<String>,
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 5000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 5000)]
    pub finding: Option<String>,
    /// Whether this point is upheld.
    #[validate(required(message = "is required"))]
    #[schema(value_type = bool)]
    pub upheld: Option<bool>,
}

/// An action still to be done after the response, and by when.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutstandingActionBody {
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 2000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    pub action: Option<String>,
    /// The date it will be done by.
    #[validate(required(message = "is required"))]
    #[schema(value_type = String, format = Date)]
    pub due: Option<chrono::NaiveDate>,
}

/// A draft response.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "outcome": "partially_upheld",
    "findings": [
        {"point": "The bin was missed three weeks running", "finding": "Crew records confirm two missed collections", "upheld": true},
        {"point": "Reports online were ignored", "finding": "Both reports were logged and passed to the crew", "upheld": false}
    ],
    "apology": "We are sorry that your bin was missed twice.",
    "understanding": "Your green bin was missed on three collection days and your online reports were not answered.",
    "outstanding_actions": [
        {"action": "Brief the crew on collecting from Example Road", "due": "2026-12-11"}
    ],
    "letter": "We have also asked the crew supervisor to check your road for the next month."
}))]
pub struct DraftResponse {
    #[validate(required(message = "is required"))]
    #[schema(value_type = Outcome)]
    pub outcome: Option<String>,
    /// The findings on each point raised.
    #[validate(
        required(message = "is required"),
        length(min = 1, max = 50, message = "give 1 to 50 findings"),
        nested
    )]
    #[schema(value_type = Vec<Finding>, max_items = 50, min_items = 1)]
    pub findings: Option<Vec<Finding>>,
    /// Needed when the complaint is upheld or partially upheld.
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub apology: Option<String>,
    /// Anything more to say in the response letter, in the officer's own words (the letter
    /// itself is written from the council's template when the response is sent).
    #[validate(length(max = 50000))]
    #[schema(max_length = 50000)]
    pub letter: Option<String>,
    /// The complaint as the council understood it. Needed before the response is sent.
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub understanding: Option<String>,
    /// The actions still outstanding, each with its date; an empty list for none. Needed
    /// (even empty) before the response is sent.
    #[validate(length(max = 50, message = "give at most 50 actions"), nested)]
    #[schema(max_items = 50)]
    pub outstanding_actions: Option<Vec<OutstandingActionBody>>,
}

/// A response, as the case shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Response {
    pub id: i64,
    pub stage: Stage,
    /// `draft` or `sent`.
    pub status: String,
    pub outcome: Outcome,
    #[schema(value_type = Vec<Object>)]
    pub findings: serde_json::Value,
    pub apology: Option<String>,
    /// The officer's own words for the letter (empty when none).
    pub letter: String,
    /// The complaint as the council understood it.
    pub understanding: Option<String>,
    /// The actions still outstanding, each with its date; null when not stated yet.
    pub outstanding_actions: Option<Vec<OutstandingActionView>>,
    /// Staff only.
    pub drafted_by: Option<String>,
    #[schema(format = DateTime)]
    pub drafted_at: String,
    /// Staff only.
    pub approved_by: Option<String>,
    #[schema(format = DateTime)]
    pub sent_at: Option<String>,
}

/// An outstanding action, as a response shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OutstandingActionView {
    pub action: String,
    #[schema(value_type = String, format = Date)]
    pub due: chrono::NaiveDate,
}

/// The response as `viewer` may see it.
pub fn view(row: &ResponseRow, stage: Stage, viewer: &Caller) -> Result<Response, ApiError> {
    let staff = viewer.is_staff();
    Ok(Response {
        id: row.id,
        stage,
        status: row.status.as_str().to_string(),
        outcome: row.outcome,
        findings: serde_json::from_str(&row.findings).map_err(ApiError::internal)?,
        apology: row.apology.clone(),
        letter: row.letter.clone(),
        understanding: row.understanding.clone(),
        outstanding_actions: row
            .outstanding_actions
            .as_deref()
            .map(serde_json::from_str::<Vec<crate::app::letters::OutstandingAction>>)
            .transpose()
            .map_err(ApiError::internal)?
            .map(|actions| {
                actions
                    .into_iter()
                    .map(|a| OutstandingActionView {
                        action: a.action,
                        due: a.due,
                    })
                    .collect()
            }),
        drafted_by: staff.then(|| row.drafted_by.clone()),
        drafted_at: rfc3339(row.drafted_at),
        approved_by: row.approved_by.clone().filter(|_| staff),
        sent_at: row.sent_at.map(rfc3339),
    })
}

#[utoipa::path(
    tag = "cases",
    operation_id = "draft_response",
    description = "Roles: the stage's investigating officer; head_of_service of the case's \
                   service and complaints_manager.\n\n\
                   Drafts the current stage's response: the outcome proposed, the finding on \
                   each point raised (the decision and its reasons), the apology (needed when \
                   upheld or partially upheld), the complaint as the council understood it \
                   (`understanding`), the actions still outstanding with their dates \
                   (`outstanding_actions`, an empty list for none) and anything more for the \
                   letter in the officer's own words (`letter`). A draft may lack \
                   `understanding` or `outstanding_actions`; it cannot be sent without them. \
                   Drafts are never shown to customers or partners. Send an `Idempotency-Key`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body replay the first answer", min_length = 1, max_length = 255, pattern = "^[!-~]+$")
    ),
    request_body = DraftResponse,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The draft", body = Response,
            headers(("Location" = String, description = "The case"))),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/cases/{reference}/responses")]
pub async fn write_draft(
    req: HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: JsonBody<DraftResponse>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key(&req)?;
    let reference = reference.into_inner();
    let fingerprint = body.fingerprint(&format!("POST /api/v1/cases/{reference}/responses"));
    let draft = body.value;
    let mut errors = report_of(&draft);
    let outcome = one_of(
        draft.outcome.as_deref(),
        "outcome",
        Outcome::parse,
        Outcome::expected,
        &mut errors,
    );
    let apologised = draft
        .apology
        .as_deref()
        .is_some_and(|a| !a.trim().is_empty());
    if matches!(outcome, Some(Outcome::Upheld | Outcome::PartiallyUpheld)) && !apologised {
        errors.push(FieldError::new(
            "apology",
            "an upheld or partially upheld complaint gets an apology",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let outcome = outcome.unwrap_or(Outcome::NotUpheld);
    let findings = serde_json::to_string(&draft.findings).map_err(ApiError::internal)?;
    let outstanding_actions = draft
        .outstanding_actions
        .as_ref()
        .map(|actions| {
            let actions: Vec<crate::app::letters::OutstandingAction> = actions
                .iter()
                .filter_map(|a| {
                    Some(crate::app::letters::OutstandingAction {
                        action: a.action.as_deref()?.trim().to_string(),
                        due: a.due?,
                    })
                })
                .collect();
            serde_json::to_string(&actions)
        })
        .transpose()
        .map_err(ApiError::internal)?;
    let caller = staff.0;
    let subject = caller.subject.clone();
    let draft = lifecycle::Draft {
        outcome,
        findings,
        apology: draft
            .apology
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty()),
        letter: draft
            .letter
            .map(|l| l.trim().to_string())
            .unwrap_or_default(),
        understanding: draft
            .understanding
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty()),
        outstanding_actions,
    };
    idempotency::create_once(&db, &subject, key, fingerprint, move |conn| {
        let (case, row, stage) =
            lifecycle::draft_response(conn, now.now(), &caller, &reference, &draft)?;
        let response = view(&row, stage, &caller)?;
        Ok(Created {
            location: format!("/api/v1/cases/{}", case.reference),
            body: serde_json::to_string(&response).map_err(ApiError::internal)?,
            etag: None,
        })
    })
    .await
}

/// How a response was sent, when it is recorded after the event.
#[derive(Debug, Clone, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "sent_at": "2026-11-27T16:00:00Z",
    "sent_at_reason": "Posted first class on Friday; entered on Monday",
    "method": "letter"
}))]
pub struct Sending {
    /// When it was really sent (default now): not in the future, not before the stage it
    /// answers opened. More than 15 minutes back needs `sent_at_reason`.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Why the response is recorded after it was sent.
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000)]
    pub sent_at_reason: Option<String>,
    /// How it was sent. Required when the stage was not acknowledged: a full response sent
    /// within the acknowledgement time stands as the acknowledgement.
    #[schema(value_type = Option<AcknowledgementMethod>)]
    pub method: Option<String>,
}

#[utoipa::path(
    tag = "cases",
    operation_id = "approve_and_send_response",
    description = "Roles: head_of_service of the case's service, complaints_manager.\n\n\
                   Approves a draft and sends it: the stage's outcome and the date it was sent \
                   are recorded, with whether it was on time (sent by the end of the due date), \
                   and the window for asking for the next stage opens, with its closing date \
                   where the policy sets one. Only a sent response is shown to the customer. \
                   A response sent on paper is recorded with `sent_at`, the time it was really \
                   sent, and `sent_at_reason`. A full response sent within the acknowledgement \
                   time stands as the stage's acknowledgement (give `method`). \
                   Sending writes the response letter from the council's template \
                   (`GET …/letters`), which the Complaint Handling Code says must have: the \
                   stage, the complaint as understood (`understanding`), a decision with reasons \
                   on each point (`findings`), the remedies when upheld or partially upheld \
                   (`remedies`: recorded on the case first), the outstanding actions with dates \
                   (`outstanding_actions`) and how to escalate, to stage 2 and then to the \
                   service's Ombudsman with their contact details. Anything missing is 422 \
                   naming it, and nothing is sent. Needs `If-Match`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("id" = i64, Path, description = "The draft's id", minimum = 1),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body(content = Option<Sending>, description = "Optional: when and how it was sent"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case with the response sent", body = Case,
            headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[post("/cases/{reference}/responses/{id}/approval")]
pub async fn approve_and_send(
    req: HttpRequest,
    staff: Senior,
    db: web::Data<Database>,
    clock: web::Data<Clock>,
    letters: web::Data<crate::letters::Templates>,
    path: web::Path<(String, String)>,
    body: OptionalJson<Sending>,
) -> Result<HttpResponse, ApiError> {
    let caller = staff.0;
    let sending = body.0.unwrap_or_default();
    let mut errors = report_of(&sending);
    let method = sending.method.as_deref().and_then(|m| {
        one_of(
            Some(m),
            "method",
            AcknowledgementMethod::parse,
            AcknowledgementMethod::expected,
            &mut errors,
        )
    });
    let now = db::now();
    let sent_at = sending
        .sent_at
        .map(|at| db::truncate_to_micros(at.naive_utc()))
        .unwrap_or(now);
    let back_dated_because = sending
        .sent_at_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    if sent_at > now + chrono::Duration::minutes(5) {
        errors.push(FieldError::new("sent_at", "must not be in the future"));
    } else if sent_at < now - chrono::Duration::minutes(15) && back_dated_because.is_none() {
        errors.push(FieldError::new(
            "sent_at_reason",
            "is required when the response is recorded after it was sent",
        ));
    }
    let (reference, id) = path.into_inner();
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let sending = lifecycle::Sending {
        sent_at,
        back_dated_because,
        method,
    };
    let id = super::path_id(&id, "draft response")?;
    let expected = precondition::expected_version(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let changed = lifecycle::send_response(
                conn,
                &letters,
                &clock.deadlines(),
                now,
                &caller,
                &reference,
                expected,
                id,
                &sending,
            )?;
            reload_after_change(conn, changed, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

//! Learning actions (SPEC §6): what a complaint taught the council, the
//! change agreed, who owns it and by when, and the evidence that the change
//! was embedded. Linked to the cases it came from.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::cases::readable_case;
use super::database::ApiDatabase;
use super::idempotency::{self, Created};
use super::json::JsonBody;
use super::validation::{not_blank, one_of, report_of};
use super::{pagination, precondition, responses, rfc3339};
use crate::auth::{Caller, Senior, Staff};
use crate::db::learning::{self as repo, LearningActionRow, LearningFilter};
use crate::db::{self, services, Database, DbConnection};
use crate::domain::case::Role;
use crate::domain::clock::uk_date;
use crate::domain::learning::LearningStatus;
use crate::error::{ApiError, FieldError};

/// A learning action.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 12, "learned": "Assisted collections were missed when crews changed rounds",
    "change_agreed": "Assisted collections shown on every crew's in-cab device",
    "service": "waste-care", "owner": "Waste operations manager", "due": "2027-01-31",
    "status": "in_progress", "overdue": false, "evidence": null, "completed_on": null,
    "cases": ["CMP-2026-000042"], "created_at": "2026-11-22T10:31:24Z", "updated_at": "2026-11-22T10:31:24Z"
}))]
pub struct LearningAction {
    pub id: i64,
    /// What was learned.
    pub learned: String,
    /// The change agreed.
    pub change_agreed: String,
    /// The owning service's id.
    pub service: String,
    /// Who owns the change.
    pub owner: String,
    #[schema(value_type = String, format = Date)]
    pub due: NaiveDate,
    pub status: LearningStatus,
    /// Still to be done and past its due date.
    pub overdue: bool,
    /// The evidence that the change was embedded (or why it was cancelled).
    pub evidence: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub completed_on: Option<NaiveDate>,
    /// The cases it came from.
    pub cases: Vec<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

fn view(row: &LearningActionRow, cases: Vec<String>) -> Result<LearningAction, ApiError> {
    let status = row.status;
    Ok(LearningAction {
        id: row.id,
        learned: row.learned.clone(),
        change_agreed: row.change_agreed.clone(),
        service: row.service_id.clone(),
        owner: row.owner.clone(),
        due: row.due,
        status,
        overdue: status.is_open() && row.due < uk_date(db::now()),
        evidence: row.evidence.clone(),
        completed_on: row.completed_on,
        cases,
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
    })
}

fn etag(row: &LearningActionRow) -> String {
    format!("\"{}\"", row.version)
}

/// Heads of Service act for their own services; the complaints manager for all.
fn may_change(caller: &Caller, service: &str) -> Result<(), ApiError> {
    if caller.has(Role::ComplaintsManager)
        || (caller.has(Role::HeadOfService) && caller.services.iter().any(|s| s == service))
    {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "learning actions are agreed by the complaints manager, or a Head of Service for \
             their own services"
                .into(),
        ))
    }
}

/// The action, if this caller may see it: staff see their services', the
/// manager all; anything else is 404.
fn visible_action(
    conn: &mut DbConnection,
    id: i64,
    caller: &Caller,
) -> Result<LearningActionRow, ApiError> {
    match repo::find(conn, id)? {
        Some(row)
            if caller.has(Role::ComplaintsManager) || caller.services.contains(&row.service_id) =>
        {
            Ok(row)
        }
        _ => Err(ApiError::NotFound(format!(
            "there is no learning action {id} that you can see"
        ))),
    }
}

/// The cases' ids, each one the caller can read; 422 on `field` otherwise.
fn case_ids(
    conn: &mut DbConnection,
    references: &[String],
    field: &str,
    caller: &Caller,
) -> Result<Vec<i64>, ApiError> {
    let mut ids = Vec::new();
    let mut errors = Vec::new();
    for (i, reference) in references.iter().enumerate() {
        match readable_case(conn, reference, caller) {
            Ok(case) if !ids.contains(&case.id) => ids.push(case.id),
            Ok(_) => errors.push(FieldError::new(format!("{field}[{i}]"), "is listed twice")),
            Err(_) => errors.push(FieldError::new(
                format!("{field}[{i}]"),
                "is not a case you can see",
            )),
        }
    }
    if errors.is_empty() {
        Ok(ids)
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn references_of(
    conn: &mut DbConnection,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<String>>, ApiError> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, reference) in repo::case_references(conn, ids)? {
        out.entry(id).or_default().push(reference);
    }
    Ok(out)
}

fn references_ok(references: &[String]) -> Result<(), validator::ValidationError> {
    if references.len() > 100 {
        let mut error = validator::ValidationError::new("length");
        error.message = Some("at most 100 cases".into());
        return Err(error);
    }
    Ok(())
}

/// A learning action to record.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "learned": "Assisted collections were missed when crews changed rounds",
    "change_agreed": "Assisted collections shown on every crew's in-cab device",
    "service": "waste-care", "owner": "Waste operations manager", "due": "2027-01-31",
    "cases": ["CMP-2026-000042"]
}))]
pub struct NewLearningAction {
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 5000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 5000)]
    pub learned: Option<String>,
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 5000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 5000)]
    pub change_agreed: Option<String>,
    /// The owning service's id.
    #[validate(required(message = "is required"), custom(function = "not_blank"))]
    #[schema(value_type = String, min_length = 1)]
    pub service: Option<String>,
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 200)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub owner: Option<String>,
    /// From 1900-01-01 to 2199-12-31.
    #[validate(
        required(message = "is required"),
        custom(function = "super::validation::plausible_date")
    )]
    #[schema(value_type = String, format = Date)]
    pub due: Option<NaiveDate>,
    /// References of the cases it came from.
    #[validate(custom(function = "references_ok"))]
    #[serde(default)]
    pub cases: Vec<String>,
}

fn trimmed(value: &Option<String>) -> String {
    value.as_deref().unwrap_or_default().trim().to_string()
}

#[utoipa::path(
    tag = "learning",
    operation_id = "create_learning_action",
    description = "Roles: complaints_manager (any service), head_of_service (their services).\n\n\
                   Records what was learned from complaints and the change agreed, with its \
                   owner and due date, linked to the cases it came from (each one the caller \
                   can see). It starts `agreed`. Send an `Idempotency-Key` so a retry cannot \
                   record it twice.",
    request_body = NewLearningAction,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body replay the first answer", min_length = 1, max_length = 255, pattern = "^[!-~]+$")),
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The learning action", body = LearningAction,
            headers(
                ("Location" = String, description = "The action's URL"),
                ("ETag" = String, description = "The action's version, for If-Match")
            )),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/learning-actions")]
pub async fn create(
    req: HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    body: JsonBody<NewLearningAction>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key(&req)?;
    let fingerprint = body.fingerprint("POST /api/v1/learning-actions");
    let new = body.value;
    let errors = report_of(&new);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let caller = staff.0;
    let service = trimmed(&new.service);
    may_change(&caller, &service)?;
    let subject = caller.subject.clone();
    idempotency::create_once(&db, &subject, key, fingerprint, move |conn| {
        if services::find(conn, &service)?.is_none() {
            return Err(ApiError::invalid("service", "is not a known service"));
        }
        let cases = case_ids(conn, &new.cases, "cases", &caller)?;
        let now = db::now();
        let row = repo::insert(
            conn,
            &LearningActionRow {
                id: 0,
                learned: trimmed(&new.learned),
                change_agreed: trimmed(&new.change_agreed),
                service_id: service.clone(),
                owner: trimmed(&new.owner),
                due: new.due.unwrap_or_default(),
                status: LearningStatus::Agreed,
                evidence: None,
                completed_on: None,
                created_by: caller.subject.clone(),
                created_at: now,
                updated_at: now,
                version: 1,
            },
        )?;
        for case_id in &cases {
            repo::link_case(conn, row.id, *case_id)?;
        }
        crate::app::alerts::sync_learning_action(conn, row.id, row.due, row.status.is_open())?;
        let references = references_of(conn, &[row.id])?
            .remove(&row.id)
            .unwrap_or_default();
        let action = view(&row, references)?;
        Ok(Created {
            location: format!("/api/v1/learning-actions/{}", row.id),
            body: serde_json::to_string(&action).map_err(ApiError::internal)?,
            etag: Some(etag(&row)),
        })
    })
    .await
}

#[utoipa::path(
    tag = "learning",
    operation_id = "get_learning_action",
    description = "Roles: investigating_officer and head_of_service (their services' actions), \
                   complaints_manager (all).",
    params(("id" = i64, Path, description = "The action's id", minimum = 1, example = 12)),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The learning action", body = LearningAction,
            headers(("ETag" = String, description = "The action's version, for If-Match"))),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/learning-actions/{id}")]
pub async fn get(
    staff: Staff,
    db: web::Data<Database>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let caller = staff.0;
    let id = super::path_id(&id.into_inner(), "learning action")?;
    let (action, etag) = db
        .read(move |conn| {
            let row = visible_action(conn, id, &caller)?;
            let references = references_of(conn, &[row.id])?
                .remove(&row.id)
                .unwrap_or_default();
            Ok((view(&row, references)?, etag(&row)))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .json(action))
}

/// A change to a learning action: only the fields sent change.
#[derive(Debug, Clone, Default, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "completed", "evidence": "Round sheets for all 14 crews show assisted collections; no missed assisted collection since 3 January"}))]
pub struct LearningActionChange {
    #[validate(custom(function = "not_blank"), length(max = 5000))]
    #[schema(max_length = 5000, min_length = 1)]
    pub learned: Option<String>,
    #[validate(custom(function = "not_blank"), length(max = 5000))]
    #[schema(max_length = 5000, min_length = 1)]
    pub change_agreed: Option<String>,
    #[validate(custom(function = "not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1)]
    pub owner: Option<String>,
    /// From 1900-01-01 to 2199-12-31.
    #[validate(custom(function = "super::validation::plausible_date"))]
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<NaiveDate>,
    #[schema(value_type = Option<LearningStatus>)]
    pub status: Option<String>,
    /// Required to complete or cancel an action.
    #[validate(custom(function = "not_blank"), length(max = 5000))]
    #[schema(max_length = 5000, min_length = 1)]
    pub evidence: Option<String>,
    /// When it was completed (default today; not in the future).
    #[schema(value_type = Option<String>, format = Date)]
    pub completed_on: Option<NaiveDate>,
    /// More cases it came from.
    #[validate(custom(function = "references_ok"))]
    pub add_cases: Option<Vec<String>>,
}

#[utoipa::path(
    tag = "learning",
    operation_id = "update_learning_action",
    description = "Roles: complaints_manager (any service), head_of_service (their services).\n\n\
                   Changes the fields sent: moves the action on (`in_progress`, `completed` with \
                   the evidence that the change was embedded, `cancelled` with why), moves its \
                   due date, or links more cases. Needs `If-Match` with the action's ETag.",
    params(
        ("id" = i64, Path, description = "The action's id", minimum = 1, example = 12),
        ("If-Match" = String, Header, description = "The action's ETag")
    ),
    request_body = LearningActionChange,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The learning action", body = LearningAction,
            headers(("ETag" = String, description = "The action's new version"))),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 412, response = responses::PreconditionFailed),
        (status = 422, response = responses::ValidationFailed),
        (status = 428, response = responses::PreconditionRequired),
    )
)]
#[patch("/learning-actions/{id}")]
pub async fn update(
    req: HttpRequest,
    staff: Senior,
    db: web::Data<Database>,
    id: web::Path<String>,
    body: JsonBody<LearningActionChange>,
) -> Result<HttpResponse, ApiError> {
    let change = body.value;
    let mut errors = report_of(&change);
    let status = match change.status.as_deref() {
        None => None,
        raw => one_of(
            raw,
            "status",
            LearningStatus::parse,
            LearningStatus::expected,
            &mut errors,
        ),
    };
    let today = uk_date(db::now());
    if change.completed_on.is_some_and(|d| d > today) {
        errors.push(FieldError::new("completed_on", "must not be in the future"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let caller = staff.0;
    let id = super::path_id(&id.into_inner(), "learning action")?;
    let expected = precondition::expected_version(&req)?;
    let (action, etag) = db
        .write(move |conn| {
            let row = visible_action(conn, id, &caller)?;
            may_change(&caller, &row.service_id)?;
            if row.version != expected {
                return Err(ApiError::PreconditionFailed(format!(
                    "the learning action has changed since you read it: it is at version {}",
                    row.version
                )));
            }
            let status = status.unwrap_or(row.status);
            let evidence = change
                .evidence
                .clone()
                .map(|e| e.trim().to_string())
                .or(row.evidence.clone());
            if !status.is_open() && evidence.is_none() {
                return Err(ApiError::invalid(
                    "evidence",
                    "is required to complete or cancel an action",
                ));
            }
            let completed_on = match status {
                LearningStatus::Completed => {
                    change.completed_on.or(row.completed_on).or(Some(today))
                }
                _ => None,
            };
            let cases = case_ids(
                conn,
                change.add_cases.as_deref().unwrap_or_default(),
                "add_cases",
                &caller,
            )?;
            let now = db::now();
            let updated = LearningActionRow {
                learned: trimmed_or(change.learned.as_deref(), &row.learned),
                change_agreed: trimmed_or(change.change_agreed.as_deref(), &row.change_agreed),
                owner: trimmed_or(change.owner.as_deref(), &row.owner),
                due: change.due.unwrap_or(row.due),
                status,
                evidence,
                completed_on,
                updated_at: now,
                version: row.version + 1,
                ..row.clone()
            };
            let stored = repo::update(conn, &updated, expected)?.ok_or_else(|| {
                ApiError::PreconditionFailed(
                    "the learning action changed while you were changing it".into(),
                )
            })?;
            let linked = repo::linked_case_ids(conn, stored.id)?;
            for case_id in cases.into_iter().filter(|c| !linked.contains(c)) {
                repo::link_case(conn, stored.id, case_id)?;
            }
            crate::app::alerts::sync_learning_action(
                conn,
                stored.id,
                stored.due,
                stored.status.is_open(),
            )?;
            let references = references_of(conn, &[stored.id])?
                .remove(&stored.id)
                .unwrap_or_default();
            Ok((view(&stored, references)?, etag(&stored)))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .json(action))
}

/// A changed text, trimmed, or the stored one when it is not being changed.
fn trimmed_or(changed: Option<&str>, stored: &str) -> String {
    changed.unwrap_or(stored).trim().to_string()
}

/// Filters on the list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LearningQuery {
    /// A service id.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub service: Option<String>,
    #[param(value_type = Option<LearningStatus>)]
    #[serde(default)]
    pub status: Option<String>,
    /// `true`: actions still to be done and past their due date; `false`: the rest.
    #[param(value_type = Option<bool>)]
    #[serde(default)]
    pub overdue: Option<String>,
    /// Only actions that came from this case.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub case: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    #[serde(default)]
    pub limit: Option<String>,
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub cursor: Option<String>,
}

/// A page of learning actions, soonest due first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LearningActionList {
    pub items: Vec<LearningAction>,
    pub next_cursor: Option<String>,
}

#[utoipa::path(
    tag = "learning",
    operation_id = "list_learning_actions",
    description = "Roles: investigating_officer and head_of_service (their services' actions), \
                   complaints_manager (all).\n\n\
                   Learning actions, soonest due first, by service, status, the case they came \
                   from, or `?overdue=true` for those still to be done and past their due date.",
    params(LearningQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of learning actions", body = LearningActionList),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/learning-actions")]
pub async fn list(
    staff: Staff,
    db: web::Data<Database>,
    query: web::Query<LearningQuery>,
) -> Result<web::Json<LearningActionList>, ApiError> {
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
    let status = match query.status.as_deref() {
        None => None,
        raw => one_of(
            raw,
            "status",
            LearningStatus::parse,
            LearningStatus::expected,
            &mut errors,
        ),
    };
    let today = uk_date(db::now());
    let overdue = match query.overdue.as_deref() {
        None => None,
        Some("true") => Some((true, today)),
        Some("false") => Some((false, today)),
        Some(_) => {
            errors.push(FieldError::new("overdue", "must be true or false"));
            None
        }
    };
    let mut filter = LearningFilter {
        service: query.service.clone(),
        status: status.map(|s| s.as_str().to_string()),
        overdue,
        open: LearningStatus::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.as_str().to_string())
            .collect(),
        after,
        ..LearningFilter::default()
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let caller = staff.0;
    if !caller.has(Role::ComplaintsManager) {
        filter.services = Some(caller.services.clone());
    }
    let case = query.case.clone();
    let rows = db
        .read(move |conn| {
            if let Some(reference) = &case {
                let case = readable_case(conn, reference, &caller)
                    .map_err(|_| ApiError::invalid("case", "is not a case you can see"))?;
                filter.case_id = Some(case.id);
            }
            let rows = repo::list(conn, &filter, limit + 1)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let references = references_of(conn, &ids)?;
            Ok((rows, references))
        })
        .await?;
    let (rows, mut references) = rows;
    let (rows, next_cursor) =
        pagination::split_page(rows, limit, |r| format!("{}|{}", r.due, r.id));
    let items = rows
        .iter()
        .map(|r| view(r, references.remove(&r.id).unwrap_or_default()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(web::Json(LearningActionList { items, next_cursor }))
}

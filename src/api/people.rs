//! People (issue 14): one record per person across their cases, as customer or as
//! representative. Staff see the people on their services' cases (the complaints manager
//! everyone); a customer sees only themselves; partners see nobody.

use crate::domain::access_log::Read;
use actix_web::http::header;
use actix_web::{get, patch, post, put, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::cases::{case_response, reload_after_change, Case};
use super::database::ApiDatabase;
use super::json::JsonBody;
use super::validation::{not_blank, phone_number, report_of};
use super::{pagination, precondition, responses, rfc3339};
use crate::app::time::Now;
use crate::app::{self};
use crate::auth::{Caller, ComplaintsManager, NotPartner, Staff};
use crate::db::people::{self as repo, MergeRow, PersonFilter, PersonRow};
use crate::db::{Database, DbConnection};
use crate::domain::case::{ContactMethod, Kind, Role, Stage, Status};
use crate::domain::person::{email_key, phone_key, CasePart, PersonMatch};
use crate::error::{ApiError, FieldError};

/// A merge into this person, as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Merge {
    /// The person folded into this one (their record now points here).
    pub merged_person_id: i64,
    pub reason: String,
    pub merged_by: String,
    #[schema(format = DateTime)]
    pub merged_at: String,
}

/// A person: who a case's customer or representative is, across their cases.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 812, "name": "Alex Example", "email": "alex@example.org", "phone": "01632 960001",
    "address": "1 High Street, Dudley", "postcode": "DY1 1AA", "preferred_contact": "email",
    "language": null, "has_account": true, "merged_into": null, "merges": [],
    "created_at": "2026-11-22T10:31:24Z", "updated_at": "2026-11-22T10:31:24Z"
}))]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub preferred_contact: Option<ContactMethod>,
    /// The language they asked to be helped in (an interpreter's), if any.
    pub language: Option<String>,
    /// Whether they sign in with an account of their own.
    pub has_account: bool,
    /// Set when this record was merged into another: the person to read instead.
    pub merged_into: Option<i64>,
    /// The records merged into this one, oldest first.
    pub merges: Vec<Merge>,
    /// Staff only, on one person's record (empty for customers, and in `GET /people`'s list):
    /// the legal holds in force on the person and on their cases (as customer), newest
    /// first. While one is, none of those cases is anonymised nor loses its documents, and
    /// no erasure of theirs is carried out.
    pub legal_holds: Vec<super::retention::HoldInForce>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// The person as `viewer` sees them: staff see the holds in force (`None`: a list, without).
fn view(
    conn: &mut DbConnection,
    row: &PersonRow,
    viewer: Option<&Caller>,
) -> Result<Person, ApiError> {
    let legal_holds = match viewer {
        Some(viewer) if viewer.is_staff() => {
            let theirs = crate::db::retention::all_cases_of_person(conn, row.id)?;
            super::retention::in_force(conn, &theirs, Some(row.id))?
        }
        _ => vec![],
    };
    let merges = repo::merges_into(conn, row.id)?
        .into_iter()
        .map(|m: MergeRow| Merge {
            merged_person_id: m.merged_person_id,
            reason: m.reason,
            merged_by: m.merged_by,
            merged_at: rfc3339(m.merged_at),
        })
        .collect();
    Ok(Person {
        id: row.id,
        name: row.name.clone(),
        email: row.email.clone(),
        phone: row.phone.clone(),
        address: row.address.clone(),
        postcode: row.postcode.clone(),
        preferred_contact: row
            .preferred_contact
            .as_deref()
            .and_then(ContactMethod::parse),
        language: row.language.clone(),
        has_account: row.subject.is_some(),
        merged_into: row.merged_into,
        merges,
        legal_holds,
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
    })
}

/// `/people/me` is the caller's own record, read only: a change sent there is not a change to
/// a person `me` (which would be refused for its body before its path), but a method the path
/// does not take (405, from the route table).
fn not_me(ctx: &actix_web::guard::GuardContext<'_>) -> bool {
    !ctx.head()
        .uri
        .path()
        .trim_end_matches('/')
        .ends_with("/people/me")
}

fn etag(row: &PersonRow) -> String {
    format!("\"{}\"", row.version)
}

fn person_response(person: Person, etag: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .json(person)
}

#[utoipa::path(
    tag = "people",
    operation_id = "get_my_person",
    description = "Roles: customer (and any caller with an account).\n\n\
                   The caller's own person record: the person with their account, made with \
                   their first case. 404 before they have one.",
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The caller's person record", body = Person,
            headers(("ETag" = String, description = "The person's version"))),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/people/me")]
pub async fn me(
    req: actix_web::HttpRequest,
    caller: NotPartner,
    db: web::Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let reader = caller.clone();
    let (person, etag) = db
        .read(move |conn| {
            let row = app::people::me(conn, &reader)?;
            Ok((view(conn, &row, Some(&reader))?, etag(&row)))
        })
        .await?;
    super::access_log::record(&req, &caller, [Read::person(person.id)]);
    Ok(person_response(person, etag))
}

#[utoipa::path(
    tag = "people",
    operation_id = "get_person",
    description = "Roles: investigating_officer and head_of_service (the people on their \
                   services' cases), complaints_manager (everyone), customer (themselves only).\n\n\
                   A person. A record merged into another is still read, with `merged_into` \
                   naming the one kept. Anyone the caller may not see is not found.",
    params(("id" = i64, Path, description = "The person's id", minimum = 1, example = 812)),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The person", body = Person,
            headers(("ETag" = String, description = "The person's version, for If-Match"))),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/people/{id}")]
pub async fn get(
    req: actix_web::HttpRequest,
    caller: NotPartner,
    db: web::Data<Database>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let id = super::path_id(&id.into_inner(), "person")?;
    let reader = caller.clone();
    let (person, etag) = db
        .read(move |conn| {
            let row = app::people::find(conn, &reader, id)?;
            Ok((view(conn, &row, Some(&reader))?, etag(&row)))
        })
        .await?;
    super::access_log::record(&req, &caller, [Read::person(id)]);
    Ok(person_response(person, etag))
}

/// One of a person's cases.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "reference": "CMP-2026-000042", "kind": "complaint", "status": "open", "stage": "stage_1",
    "service": "waste-care", "received_at": "2026-11-20T09:15:00Z", "part": "customer",
    "person_match": {"how": "email", "uncertain": false}
}))]
pub struct PersonCase {
    pub reference: String,
    pub kind: Kind,
    pub status: Status,
    pub stage: Option<Stage>,
    /// The lead service's id.
    pub service: String,
    #[schema(format = DateTime)]
    pub received_at: String,
    pub part: CasePart,
    /// Staff only, for the customer's part: how the case was matched to the person.
    pub person_match: Option<CasePersonMatch>,
}

/// How a case's customer was matched to their person (staff only).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CasePersonMatch {
    pub how: PersonMatch,
    /// The match waits for staff to confirm or correct it (`PUT /cases/{reference}/person`).
    pub uncertain: bool,
}

/// A person's cases.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PersonCaseList {
    pub items: Vec<PersonCase>,
}

#[utoipa::path(
    tag = "people",
    operation_id = "list_person_cases",
    description = "Roles: investigating_officer and head_of_service (the people on their \
                   services' cases), complaints_manager (everyone), customer (themselves only).\n\n\
                   The person's cases, newest first, as customer or representative: those the \
                   caller may see (staff their services' cases; a customer the cases of their \
                   own account).",
    params(("id" = i64, Path, description = "The person's id", minimum = 1, example = 812)),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The person's cases", body = PersonCaseList),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/people/{id}/cases")]
pub async fn cases(
    req: actix_web::HttpRequest,
    caller: NotPartner,
    db: web::Data<Database>,
    id: web::Path<String>,
) -> Result<web::Json<PersonCaseList>, ApiError> {
    let caller = caller.0;
    let id = super::path_id(&id.into_inner(), "person")?;
    let reader = caller.clone();
    let found = db
        .read(move |conn| Ok(app::people::cases_of(conn, &reader, id)?))
        .await?;
    super::access_log::record(&req, &caller, [Read::person(id)]);
    let items = found
        .into_iter()
        .map(|c| PersonCase {
            reference: c.case.reference,
            kind: c.case.kind,
            status: c.case.status,
            stage: c.case.stage,
            service: c.case.service_id,
            received_at: rfc3339(c.case.received_at),
            part: c.part,
            person_match: c.how.map(|how| CasePersonMatch {
                how,
                uncertain: c.uncertain,
            }),
        })
        .collect();
    Ok(web::Json(PersonCaseList { items }))
}

/// Filters on the people list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// People with this email address (compared trimmed and in lower case).
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub email: Option<String>,
    /// People with this phone number (UK numbers compared by their digits: `+44 1632 960001`
    /// is `01632 960001`).
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub phone: Option<String>,
    /// `true`: only people with a case whose customer match waits for staff to confirm it.
    #[param(value_type = Option<bool>)]
    #[serde(default)]
    pub uncertain: Option<String>,
    /// `true`: records merged into another are listed too.
    #[param(value_type = Option<bool>)]
    #[serde(default)]
    pub merged: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    #[serde(default)]
    pub limit: Option<String>,
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub cursor: Option<String>,
}

/// A page of people, oldest record first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PersonList {
    pub items: Vec<Person>,
    pub next_cursor: Option<String>,
}

fn flag(raw: Option<&str>, field: &'static str, errors: &mut Vec<FieldError>) -> bool {
    match raw {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            errors.push(FieldError::new(field, "must be true or false"));
            false
        }
    }
}

#[utoipa::path(
    tag = "people",
    operation_id = "list_people",
    description = "Roles: investigating_officer and head_of_service (the people on their \
                   services' cases), complaints_manager (everyone).\n\n\
                   People, oldest record first: by email address or phone number, or \
                   `?uncertain=true` for those with a match waiting for staff to confirm it.",
    params(PeopleQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of people", body = PersonList),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/people")]
pub async fn list(
    req: actix_web::HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    query: web::Query<PeopleQuery>,
) -> Result<web::Json<PersonList>, ApiError> {
    let query = query.into_inner();
    let mut errors = Vec::new();
    let limit = pagination::limit(query.limit.as_deref(), &mut errors);
    let after = pagination::decode_as(query.cursor.as_deref(), pagination::row_id)?;
    let email = query.email.as_deref().map(|raw| {
        email_key(raw).unwrap_or_else(|| {
            errors.push(FieldError::new("email", "is not an email address"));
            String::new()
        })
    });
    let phone = query.phone.as_deref().map(|raw| {
        phone_key(raw).unwrap_or_else(|| {
            errors.push(FieldError::new("phone", "is not a phone number"));
            String::new()
        })
    });
    let filter = PersonFilter {
        email_key: email,
        phone_key: phone,
        uncertain: flag(query.uncertain.as_deref(), "uncertain", &mut errors),
        merged: flag(query.merged.as_deref(), "merged", &mut errors),
        after,
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let caller = staff.0;
    let reader = caller.clone();
    let (items, next_cursor) = db
        .read(move |conn| {
            let caller = reader;
            let services = (!caller.has(Role::ComplaintsManager)).then(|| caller.services.clone());
            let rows = repo::list(conn, services.as_deref(), &filter, limit + 1)?;
            let (rows, next) = pagination::split_page(rows, limit, |r| r.id.to_string());
            let items = rows
                .iter()
                .map(|r| view(conn, r, None))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((items, next))
        })
        .await?;
    super::access_log::record(&req, &caller, items.iter().map(|p| Read::person(p.id)));
    Ok(web::Json(PersonList { items, next_cursor }))
}

/// A person to fold into this one.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"person_id": 907, "reason": "Same resident: one record made from a phone call, one from the web form"}))]
pub struct NewMerge {
    /// The person merged into this one: their cases become this person's.
    #[validate(required(message = "is required"), range(min = 1))]
    #[schema(value_type = i64, minimum = 1)]
    pub person_id: Option<i64>,
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 2000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
}

#[utoipa::path(
    tag = "people",
    operation_id = "merge_people",
    description = "Roles: complaints_manager.\n\n\
                   Folds another person's record into this one: every case of theirs, as \
                   customer or representative, becomes this person's, with its reference and \
                   clocks untouched; details this record lacks are filled in from theirs; their \
                   record stays, pointing here; the merge is recorded with its reason. Two \
                   people with different accounts are never merged (409). Needs `If-Match` \
                   with this person's ETag.",
    params(
        ("id" = i64, Path, description = "The person kept", minimum = 1, example = 812),
        ("If-Match" = String, Header, description = "The person's ETag")
    ),
    request_body = NewMerge,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The person kept", body = Person,
            headers(("ETag" = String, description = "The person's new version"))),
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
#[post("/people/{id}/merges")]
pub async fn merge(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    now: web::Data<Now>,
    id: web::Path<String>,
    body: JsonBody<NewMerge>,
) -> Result<HttpResponse, ApiError> {
    let new = body.value;
    let errors = report_of(&new);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let caller = manager.0;
    let id = super::path_id(&id.into_inner(), "person")?;
    let expected = precondition::expected_version(&req)?;
    let merged = new.person_id.unwrap_or_default();
    let reason = new.reason.unwrap_or_default();
    let (person, etag) = db
        .write(move |conn| {
            let row = app::people::merge(conn, now.now(), &caller, id, expected, merged, &reason)
                .map_err(|e| match e {
                app::AppError::Stale { .. } => ApiError::PreconditionFailed(
                    "the person has changed since you read them: read them again".into(),
                ),
                other => other.into(),
            })?;
            Ok((view(conn, &row, Some(&caller))?, etag(&row)))
        })
        .await?;
    Ok(person_response(person, etag))
}

/// Who a case's customer is, as staff confirm or correct it.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"person_id": 812}))]
pub struct CasePerson {
    /// The person the customer is (the one matched, to confirm it, or another), or `null`:
    /// someone new, given a record of their own from this case's details. Required.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 1, required = true)]
    pub person_id: Option<Option<i64>>,
}

/// A field that was sent, null or not: `Some(None)` for `null`, and `None` (by default)
/// only when it was left out.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[utoipa::path(
    tag = "people",
    operation_id = "set_case_person",
    description = "Roles: investigating_officer and head_of_service (their services' cases), \
                   complaints_manager.\n\n\
                   Confirms or corrects who the case's customer is: the person matched (the \
                   match is then sure), another person, or `null` for someone new. Recorded on \
                   the timeline (`person_matched`, internal). Needs `If-Match` with the case's \
                   ETag.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("If-Match" = String, Header, description = "The case's ETag")
    ),
    request_body = CasePerson,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case", body = Case, headers(("ETag" = String, description = "The case's new version"))),
        responses::CaseChangeRefused,
    )
)]
#[put("/cases/{reference}/person")]
pub async fn set_case_person(
    req: HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    now: web::Data<Now>,
    reference: web::Path<String>,
    body: JsonBody<CasePerson>,
) -> Result<HttpResponse, ApiError> {
    let person = match body.value.person_id {
        None => {
            return Err(ApiError::invalid(
                "person_id",
                "is required (null: someone new)",
            ))
        }
        Some(Some(id)) if id < 1 => {
            return Err(ApiError::invalid(
                "person_id",
                "must be a person's id (1 or more)",
            ))
        }
        Some(person) => person,
    };
    let caller = staff.0;
    let reference = reference.into_inner();
    let expected = precondition::expected_version(&req)?;
    let (case, etag) = db
        .write(move |conn| {
            let case =
                app::people::confirm(conn, now.now(), &caller, &reference, expected, person)?;
            reload_after_change(conn, case, &caller)
        })
        .await?;
    Ok(case_response(case, etag))
}

/// A change to a person's details, as a JSON merge patch (RFC 7396): a field left out stays
/// as it is, `null` clears it, a value replaces it. Each field is checked as case intake
/// checks the customer's.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phone": "01632 960002", "address": null, "preferred_contact": "telephone"}))]
pub struct PersonChange {
    /// Cannot be cleared.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Email, max_length = 254)]
    pub email: Option<Option<String>>,
    /// 7 to 15 digits, with spaces, dashes, brackets and a leading `+`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub address: Option<Option<String>>,
    /// Stored in upper case.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 10)]
    pub postcode: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ContactMethod>)]
    pub preferred_contact: Option<Option<String>>,
    /// The language they asked to be helped in.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub language: Option<Option<String>>,
}

/// Checks a change as intake checks the same fields, and cleans it as intake does (texts
/// trimmed, a blank optional text cleared, the postcode in upper case).
fn details_change(change: PersonChange) -> Result<app::people::DetailsChange, ApiError> {
    use validator::ValidateEmail;
    let mut errors = Vec::new();
    let mut too_long = |field: &'static str, value: &Option<Option<String>>, max: usize| {
        if let Some(Some(text)) = value {
            if text.chars().count() > max {
                errors.push(FieldError::new(
                    field,
                    format!("must be at most {max} characters"),
                ));
            }
        }
    };
    too_long("name", &change.name, 200);
    too_long("email", &change.email, 254);
    too_long("address", &change.address, 500);
    too_long("postcode", &change.postcode, 10);
    too_long("language", &change.language, 100);
    let name = match change.name {
        None => None,
        Some(None) => {
            errors.push(FieldError::new(
                "name",
                "cannot be cleared: a person has a name",
            ));
            None
        }
        Some(Some(name)) if name.trim().is_empty() => {
            errors.push(FieldError::new("name", "must not be blank"));
            None
        }
        Some(Some(name)) => Some(name.trim().to_string()),
    };
    if let Some(Some(email)) = &change.email {
        if !email.validate_email() {
            errors.push(FieldError::new("email", "must be a valid email address"));
        }
    }
    if let Some(Some(phone)) = &change.phone {
        if let Err(e) = phone_number(phone) {
            let message = e.message.map(|m| m.to_string()).unwrap_or_default();
            errors.push(FieldError::new("phone", message));
        }
    }
    if let Some(Some(method)) = &change.preferred_contact {
        if ContactMethod::parse(method).is_none() {
            errors.push(FieldError::new(
                "preferred_contact",
                format!("must be one of {}", ContactMethod::expected()),
            ));
        }
    }
    if !errors.is_empty() {
        errors.sort_by(|a, b| a.field.cmp(&b.field));
        return Err(ApiError::Validation(errors));
    }
    let clean = |value: Option<Option<String>>| {
        value.map(|v| v.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()))
    };
    Ok(app::people::DetailsChange {
        name,
        email: clean(change.email),
        phone: clean(change.phone),
        address: clean(change.address),
        postcode: clean(change.postcode).map(|p| p.map(|p| p.to_uppercase())),
        preferred_contact: change.preferred_contact,
        language: clean(change.language),
    })
}

#[utoipa::path(
    tag = "people",
    operation_id = "update_person",
    description = "Roles: investigating_officer and head_of_service (the people on their \
                   services' cases), complaints_manager (everyone).\n\n\
                   Changes a person's contact details, as a JSON merge patch: fields left out \
                   stay, `null` clears one (not `name`), a value replaces it; each is checked as \
                   case intake checks the customer's. Matching at intake then uses the new email \
                   address and phone number. A case's own customer details (as given on that \
                   case) are not changed. A record merged into another is not changed (409). \
                   Needs `If-Match` with the person's ETag.",
    params(
        ("id" = i64, Path, description = "The person's id", minimum = 1, example = 812),
        ("If-Match" = String, Header, description = "The person's ETag")
    ),
    request_body(content = PersonChange, content_type = "application/json"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The person as changed", body = Person,
            headers(("ETag" = String, description = "The person's new version"))),
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
#[patch("/people/{id}", guard = "not_me")]
pub async fn update(
    req: HttpRequest,
    staff: Staff,
    db: web::Data<Database>,
    now: web::Data<Now>,
    id: web::Path<String>,
    body: JsonBody<PersonChange>,
) -> Result<HttpResponse, ApiError> {
    let change = details_change(body.value)?;
    let caller = staff.0;
    let id = super::path_id(&id.into_inner(), "person")?;
    let expected = precondition::expected_version(&req)?;
    let (person, etag) = db
        .write(move |conn| {
            let row = app::people::update(conn, now.now(), &caller, id, expected, change).map_err(
                |e| match e {
                    app::AppError::Stale { .. } => ApiError::PreconditionFailed(
                        "the person has changed since you read them: read them again".into(),
                    ),
                    other => other.into(),
                },
            )?;
            Ok((view(conn, &row, Some(&caller))?, etag(&row)))
        })
        .await?;
    Ok(person_response(person, etag))
}

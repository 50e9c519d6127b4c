//! The service directory: directorates and the services cases are routed to.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::database::ApiDatabase;
use super::idempotency::{self, Created};
use super::json::JsonBody;
use super::pagination;
use super::validation::{field_errors, not_blank, slug};
use super::{responses, rfc3339};
use crate::auth::{AnyCaller, ComplaintsManager};
use crate::db::services::{self as repo, ServiceFilter, ServiceRow};
use crate::db::Database;
use crate::domain::ombudsman::OmbudsmanBody;
use crate::error::{ApiError, FieldError};

/// A council service that cases are routed to.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "waste-care", "name": "Waste Care", "directorate": "place",
    "area": "Environmental Management", "email": null, "active": true,
    "ombudsman": "lgsco", "created_at": "2026-11-22T10:31:24Z"
}))]
pub struct Service {
    /// Stable identifier, used in tokens' `services` claim and in cases.
    pub id: String,
    pub name: String,
    /// The directorate's id.
    pub directorate: String,
    /// The division or area within the directorate.
    pub area: Option<String>,
    /// Where the service takes feedback.
    pub email: Option<String>,
    /// Whether new cases may be routed to it.
    pub active: bool,
    /// Which Ombudsman its complaints may go to after the council's procedure, named with
    /// their contact details in its response letters: `housing_ombudsman` for the council's
    /// landlord (housing) function, `lgsco` otherwise.
    pub ombudsman: OmbudsmanBody,
    pub created_at: String,
}

impl From<ServiceRow> for Service {
    fn from(row: ServiceRow) -> Self {
        Service {
            id: row.id,
            name: row.name,
            directorate: row.directorate_id,
            area: row.area,
            email: row.email,
            active: row.active,
            ombudsman: row.ombudsman,
            created_at: rfc3339(row.created_at),
        }
    }
}

/// A page of services.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceList {
    pub items: Vec<Service>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// A directorate: the services are grouped under one.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Directorate {
    pub id: String,
    pub name: String,
}

/// Every directorate.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DirectorateList {
    pub items: Vec<Directorate>,
    pub next_cursor: Option<String>,
}

/// Filters on the directory.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceQuery {
    /// Only the services of this directorate.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub directorate: Option<String>,
    /// `true` or `false`.
    #[param(value_type = Option<bool>)]
    #[serde(default)]
    pub active: Option<String>,
    /// 1 to 200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    #[serde(default)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub cursor: Option<String>,
}

/// A service to add to the directory.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "id": "parking-services", "name": "Parking Services", "directorate": "place",
    "area": "Environmental Management", "email": "parking@council.example"
}))]
pub struct NewService {
    /// Lower-case letters, digits and dashes; cannot be changed later.
    #[validate(required(message = "is required"), custom(function = "slug"))]
    #[schema(value_type = String, min_length = 1, max_length = 64, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub id: Option<String>,
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 200)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// An existing directorate's id.
    #[validate(required(message = "is required"))]
    #[schema(value_type = String, min_length = 1)]
    pub directorate: Option<String>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub area: Option<String>,
    #[validate(email(message = "must be a valid email address"), length(max = 254))]
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// Default true.
    pub active: Option<bool>,
    /// `housing_ombudsman` for the council's landlord (housing) function; default `lgsco`.
    #[schema(value_type = Option<OmbudsmanBody>)]
    pub ombudsman: Option<String>,
}

#[utoipa::path(
    tag = "services",
    operation_id = "list_services",
    description = "Roles: any authenticated caller.\n\nThe service directory in id order. \
                   Website forms use it to offer the services a customer can give feedback about.",
    params(ServiceQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of services", body = ServiceList),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/services")]
pub async fn list(
    _caller: AnyCaller,
    db: web::Data<Database>,
    query: web::Query<ServiceQuery>,
) -> Result<web::Json<ServiceList>, ApiError> {
    let query = query.into_inner();
    let mut errors = Vec::new();
    let limit = pagination::limit(query.limit.as_deref(), &mut errors);
    let after = pagination::decode_as(query.cursor.as_deref(), |id| {
        let well_formed = id.len() <= 64
            && id.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        well_formed.then(|| id.to_string())
    })?;
    let active = match query.active.as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            errors.push(FieldError::new("active", "must be true or false"));
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let filter = ServiceFilter {
        directorate: query.directorate,
        active,
        after,
    };
    let rows = db
        .read(move |conn| Ok(repo::list(conn, &filter, limit + 1)?))
        .await?;
    let (rows, next_cursor) = pagination::split_page(rows, limit, |s| s.id.clone());
    Ok(web::Json(ServiceList {
        items: rows.into_iter().map(Service::from).collect(),
        next_cursor,
    }))
}

#[utoipa::path(
    tag = "services",
    operation_id = "create_service",
    description = "Roles: complaints_manager.\n\nAdds a service to the directory. \
                   Send an `Idempotency-Key` so a retry cannot add it twice.",
    request_body = NewService,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body replay the first answer", min_length = 1, max_length = 255, pattern = "^[!-~]+$")),
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The service was added", body = Service,
            headers(("Location" = String, description = "The service's URL"))),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/services")]
pub async fn create(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    body: JsonBody<NewService>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key(&req)?;
    let fingerprint = body.fingerprint("POST /api/v1/services");
    let new = body.value;
    let mut errors = match new.validate() {
        Ok(()) => Vec::new(),
        Err(report) => field_errors(&report),
    };
    let ombudsman = match new.ombudsman.as_deref() {
        None => Some(OmbudsmanBody::Lgsco),
        Some(word) => {
            let parsed = OmbudsmanBody::parse(word);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    "ombudsman",
                    format!("must be one of {}", OmbudsmanBody::expected()),
                ));
            }
            parsed
        }
    };
    let (Some(ombudsman), true) = (ombudsman, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let row = ServiceRow {
        id: new.id.unwrap_or_default(),
        name: new.name.unwrap_or_default().trim().to_string(),
        directorate_id: new.directorate.unwrap_or_default(),
        area: new.area,
        email: new.email,
        active: new.active.unwrap_or(true),
        created_at: crate::db::now(),
        ombudsman,
    };
    idempotency::create_once(&db, &manager.subject, key, fingerprint, move |conn| {
        if !repo::directorate_exists(conn, &row.directorate_id)? {
            return Err(ApiError::invalid(
                "directorate",
                "is not a known directorate",
            ));
        }
        if repo::find(conn, &row.id)?.is_some() {
            return Err(ApiError::Conflict {
                detail: format!("a service with id `{}` already exists", row.id),
                field: Some("id".into()),
            });
        }
        let stored = repo::insert(conn, &row)?;
        let service = Service::from(stored);
        Ok(Created {
            location: format!("/api/v1/services/{}", service.id),
            body: serde_json::to_string(&service).map_err(ApiError::internal)?,
            etag: None,
        })
    })
    .await
}

#[utoipa::path(
    tag = "services",
    operation_id = "list_directorates",
    description = "Roles: any authenticated caller.\n\nThe directorates services belong to.",
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Every directorate", body = DirectorateList),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
    )
)]
#[get("/directorates")]
pub async fn directorates(
    _caller: AnyCaller,
    db: web::Data<Database>,
) -> Result<web::Json<DirectorateList>, ApiError> {
    let rows = db.read(|conn| Ok(repo::directorates(conn)?)).await?;
    Ok(web::Json(DirectorateList {
        items: rows
            .into_iter()
            .map(|d| Directorate {
                id: d.id,
                name: d.name,
            })
            .collect(),
        next_cursor: None,
    }))
}

#[utoipa::path(
    tag = "services",
    operation_id = "get_service",
    description = "Roles: any authenticated caller.\n\nOne service of the directory.",
    params(("id" = String, Path, description = "The service id", example = "waste-care")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The service", body = Service),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/services/{id}")]
pub async fn get(
    _caller: AnyCaller,
    db: web::Data<Database>,
    id: web::Path<String>,
) -> Result<web::Json<Service>, ApiError> {
    let id = id.into_inner();
    let row = db
        .read(move |conn| Ok(repo::find(conn, &id)?.map(|row| (row, id))))
        .await?;
    match row {
        Some((row, _)) => Ok(web::Json(Service::from(row))),
        None => Err(ApiError::NotFound("there is no such service".into())),
    }
}

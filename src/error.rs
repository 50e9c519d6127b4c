//! One error type for the whole API, rendered as RFC 9457 problem details.
//!
//! Handlers return `ApiError`; the request-context middleware then adds the
//! `instance` (request path) and `request_id` members, so every problem a
//! client sees, including the ones actix produces itself, has the same shape.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppError;
use crate::db::{DbError, DbFailure};
use crate::domain::survey::Unavailable;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field at fault in a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Where the value is: a JSON path into the body (`customer.email`), a
    /// query parameter or a header name.
    #[schema(example = "customer.email")]
    pub field: String,
    /// What is wrong with it, in words a caller can show a person.
    #[schema(example = "must be a valid email address")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem details document.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation",
    "title": "The request is not valid",
    "status": 422,
    "detail": "2 fields are not valid",
    "instance": "/api/v1/cases",
    "request_id": "6f1c2a0e-3c55-4a59-9d49-1f0e7a1b2c3d",
    "errors": [
        {"field": "summary", "message": "is required"},
        {"field": "customer.email", "message": "must be a valid email address"}
    ]
}))]
pub struct Problem {
    /// A stable identifier of the kind of problem: one of `/problems/validation`,
    /// `/problems/malformed-json`, `/problems/bad-request`, `/problems/invalid-cursor`, `/problems/unauthorized`,
    /// `/problems/forbidden`, `/problems/not-found`, `/problems/method-not-allowed`,
    /// `/problems/not-acceptable`, `/problems/conflict`, `/problems/case-anonymised`,
    /// `/problems/survey-answered`,
    /// `/problems/survey-expired`, `/problems/idempotency-key-reused`,
    /// `/problems/precondition-failed`, `/problems/payload-too-large`,
    /// `/problems/unsupported-media-type`, `/problems/unsupported-document-type`,
    /// `/problems/precondition-required`,
    /// `/problems/uri-too-long`, `/problems/request-header-fields-too-large`,
    /// `/problems/rate-limited`, `/problems/service-unavailable`, `/problems/internal`.
    #[serde(rename = "type")]
    #[schema(example = "/problems/validation")]
    pub problem_type: String,
    /// A short summary of the kind of problem; the same for every occurrence.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The request id, also sent as `X-Request-Id`: quote it when reporting a fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// For validation problems, every field at fault.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// Everything a request can fail with.
#[derive(Debug)]
pub enum ApiError {
    /// 422: the request is well-formed but its values break the rules.
    Validation(Vec<FieldError>),
    /// 400: the body is not JSON at all.
    MalformedJson(String),
    /// 400: something else about the request is unreadable.
    BadRequest(String),
    /// 400: a list's `cursor` is not one that list gave out (altered, made up,
    /// or from another list).
    InvalidCursor {
        /// The query parameter that carried it: `cursor`, or the feed's `after`.
        parameter: &'static str,
    },
    /// 401: no token, or a token that cannot be trusted.
    Unauthorized { detail: String, token_sent: bool },
    /// 403: a known caller whose role does not allow this.
    Forbidden(String),
    /// 404: nothing here, or nothing this caller may know about.
    NotFound(String),
    /// 405.
    MethodNotAllowed,
    /// 406: none of the accepted media types can be produced.
    NotAcceptable(String),
    /// 410: a satisfaction survey's link that worked once: answered, or expired.
    Gone(Unavailable),
    /// 409: the change conflicts with what is stored.
    Conflict {
        detail: String,
        field: Option<String>,
    },
    /// 409: the case was anonymised, and takes no more changes.
    CaseAnonymised(String),
    /// 422: an `Idempotency-Key` reused with a different request.
    IdempotencyKeyReused,
    /// 412: `If-Match` names a version that is no longer current.
    PreconditionFailed(String),
    /// 428: a change sent without `If-Match`.
    PreconditionRequired(String),
    /// 413.
    PayloadTooLarge { limit: usize },
    /// 415.
    UnsupportedMediaType(String),
    /// 415: a document whose bytes are none of the kinds accepted, whatever it was called or
    /// declared as; `field` is the multipart part that carried it.
    UnsupportedDocument { field: &'static str, detail: String },
    /// 414: the URI is longer than the service reads.
    UriTooLong,
    /// 431: the request's headers are larger than the service reads.
    HeadersTooLarge,
    /// 429: a public caller over its rate limit; `retry_after` seconds until it may try again.
    RateLimited { retry_after: u64 },
    /// 503: the database is out of reach or its pool is exhausted.
    Unavailable(String),
    /// 500: a fault of ours. The text is logged, never sent.
    Internal(String),
}

impl ApiError {
    /// A 422 with a single field at fault.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    /// A 500 whose cause is logged here, with the context, and not sent.
    pub fn internal(context: impl std::fmt::Display) -> Self {
        ApiError::Internal(context.to_string())
    }

    fn problem_type(&self) -> &'static str {
        match self {
            ApiError::Validation(_) => "/problems/validation",
            ApiError::MalformedJson(_) => "/problems/malformed-json",
            ApiError::BadRequest(_) => "/problems/bad-request",
            ApiError::InvalidCursor { .. } => "/problems/invalid-cursor",
            ApiError::Unauthorized { .. } => "/problems/unauthorized",
            ApiError::Forbidden(_) => "/problems/forbidden",
            ApiError::NotFound(_) => "/problems/not-found",
            ApiError::MethodNotAllowed => "/problems/method-not-allowed",
            ApiError::NotAcceptable(_) => "/problems/not-acceptable",
            ApiError::Conflict { .. } => "/problems/conflict",
            ApiError::CaseAnonymised(_) => "/problems/case-anonymised",
            ApiError::Gone(Unavailable::Answered) => "/problems/survey-answered",
            ApiError::Gone(Unavailable::Expired) => "/problems/survey-expired",
            ApiError::IdempotencyKeyReused => "/problems/idempotency-key-reused",
            ApiError::PreconditionFailed(_) => "/problems/precondition-failed",
            ApiError::PreconditionRequired(_) => "/problems/precondition-required",
            ApiError::PayloadTooLarge { .. } => "/problems/payload-too-large",
            ApiError::UnsupportedMediaType(_) => "/problems/unsupported-media-type",
            ApiError::UnsupportedDocument { .. } => "/problems/unsupported-document-type",
            ApiError::UriTooLong => "/problems/uri-too-long",
            ApiError::HeadersTooLarge => "/problems/request-header-fields-too-large",
            ApiError::RateLimited { .. } => "/problems/rate-limited",
            ApiError::Unavailable(_) => "/problems/service-unavailable",
            ApiError::Internal(_) => "/problems/internal",
        }
    }

    /// The problem document for this error (without `instance` and
    /// `request_id`, which the middleware adds).
    pub fn to_problem(&self) -> Problem {
        let status = self.status_code();
        let (detail, errors) = match self {
            ApiError::Validation(errors) => {
                let detail = match errors.len() {
                    1 => format!("{}: {}", errors[0].field, errors[0].message),
                    n => format!("{n} fields are not valid"),
                };
                // By field, so that the same request always reads the same.
                let mut errors = errors.clone();
                errors.sort_by(|a, b| a.field.cmp(&b.field));
                (Some(detail), errors)
            }
            ApiError::Conflict { detail, field } => (
                Some(detail.clone()),
                field
                    .iter()
                    .map(|f| FieldError::new(f.clone(), detail.clone()))
                    .collect(),
            ),
            ApiError::MalformedJson(d)
            | ApiError::BadRequest(d)
            | ApiError::Forbidden(d)
            | ApiError::NotFound(d)
            | ApiError::CaseAnonymised(d)
            | ApiError::NotAcceptable(d)
            | ApiError::PreconditionFailed(d)
            | ApiError::PreconditionRequired(d)
            | ApiError::UnsupportedMediaType(d) => (Some(d.clone()), vec![]),
            // The cause is for the log (see `error_response`), never for a client.
            ApiError::Unavailable(_) => (
                Some("the database is out of reach or busy just now; try again shortly".into()),
                vec![],
            ),
            ApiError::Unauthorized { detail, .. } => (Some(detail.clone()), vec![]),
            ApiError::UnsupportedDocument { field, detail } => (
                Some(format!("{field}: {detail}")),
                vec![FieldError::new(*field, detail.clone())],
            ),
            ApiError::Gone(Unavailable::Answered) => (
                Some("this survey has been answered: its link works once. Thank you".into()),
                vec![],
            ),
            ApiError::Gone(Unavailable::Expired) => {
                (Some("this survey's link has expired".into()), vec![])
            }
            ApiError::MethodNotAllowed => (
                Some("this resource does not support that method".into()),
                vec![],
            ),
            ApiError::InvalidCursor { parameter } => (
                Some(format!(
                    "{parameter}: is not a cursor this list gave out; start again without it"
                )),
                vec![FieldError::new(
                    *parameter,
                    "is not a cursor this list gave out",
                )],
            ),
            ApiError::IdempotencyKeyReused => (
                Some(
                    "this Idempotency-Key was already used with a different request; \
                     use a new key for a new request"
                        .into(),
                ),
                vec![FieldError::new(
                    "Idempotency-Key",
                    "already used with a different request",
                )],
            ),
            ApiError::PayloadTooLarge { limit } => (
                Some(format!("the request body is larger than {limit} bytes")),
                vec![],
            ),
            ApiError::UriTooLong => (
                Some(format!(
                    "the URI (path and query) is longer than the {} bytes this service reads",
                    crate::wire::MAX_URI_BYTES
                )),
                vec![],
            ),
            ApiError::HeadersTooLarge => (
                Some(format!(
                    "the request's headers are larger than the {} bytes this service reads",
                    crate::wire::MAX_HEADER_BYTES
                )),
                vec![],
            ),
            ApiError::RateLimited { retry_after } => (
                Some(format!(
                    "too many requests from this client or address; try again in {retry_after} \
                     seconds (Retry-After)"
                )),
                vec![],
            ),
            ApiError::Internal(_) => (
                Some("something went wrong on our side; it has been logged".into()),
                vec![],
            ),
        };
        Problem {
            problem_type: self.problem_type().to_string(),
            title: title_for(status).to_string(),
            status: status.as_u16(),
            detail,
            instance: None,
            request_id: None,
            errors,
        }
    }
}

/// The fixed title for each status we answer with.
pub fn title_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "The request could not be read",
        401 => "Authentication is required",
        403 => "This role may not do that",
        404 => "Not found",
        405 => "Method not allowed",
        406 => "Not acceptable",
        409 => "Conflict",
        410 => "No longer available",
        412 => "The resource has changed",
        413 => "The request body is too large",
        414 => "The URI is too long",
        415 => "Unsupported media type",
        422 => "The request is not valid",
        428 => "A precondition is required",
        429 => "Too many requests",
        431 => "The request's headers are too large",
        503 => "The service is unavailable",
        500 => "Internal error",
        _ => status.canonical_reason().unwrap_or("Error"),
    }
}

/// The problem type for a status when nothing more specific is known
/// (actix's own answers: unknown routes, wrong methods, and so on).
pub fn problem_type_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "/problems/bad-request",
        401 => "/problems/unauthorized",
        403 => "/problems/forbidden",
        404 => "/problems/not-found",
        405 => "/problems/method-not-allowed",
        406 => "/problems/not-acceptable",
        409 => "/problems/conflict",
        412 => "/problems/precondition-failed",
        413 => "/problems/payload-too-large",
        414 => "/problems/uri-too-long",
        415 => "/problems/unsupported-media-type",
        422 => "/problems/validation",
        428 => "/problems/precondition-required",
        429 => "/problems/rate-limited",
        431 => "/problems/request-header-fields-too-large",
        503 => "/problems/service-unavailable",
        _ => "/problems/internal",
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let problem = self.to_problem();
        write!(f, "{}", problem.detail.unwrap_or(problem.title))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) | ApiError::IdempotencyKeyReused => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::MalformedJson(_)
            | ApiError::BadRequest(_)
            | ApiError::InvalidCursor { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::Conflict { .. } | ApiError::CaseAnonymised(_) => StatusCode::CONFLICT,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) | ApiError::UnsupportedDocument { .. } => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            ApiError::UriTooLong => StatusCode::URI_TOO_LONG,
            ApiError::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        // An unavailable database is not logged here: storage logs an outage once as it
        // starts, and a pool with no connection free while the database answers each time
        // (db::connect::Health, db::checkout).
        if let ApiError::Internal(cause) = self {
            log::error!("internal error: {cause}");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if let ApiError::Unauthorized { detail, token_sent } = self {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                www_authenticate(detail, *token_sent),
            ));
        }
        if let ApiError::Unavailable(_) = self {
            response.insert_header((header::RETRY_AFTER, "1"));
        }
        if let ApiError::RateLimited { retry_after } = self {
            response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
        }
        let body = serde_json::to_vec(&self.to_problem()).unwrap_or_default();
        response.body(body)
    }
}

impl DbFailure for ApiError {
    fn unavailable(&self) -> Option<&str> {
        match self {
            ApiError::Unavailable(cause) => Some(cause),
            _ => None,
        }
    }
}

/// RFC 6750 §3: a request with no token gets the bare challenge; a request
/// with a bad one is told `invalid_token`.
fn www_authenticate(detail: &str, token_sent: bool) -> HeaderValue {
    let value = if token_sent {
        let safe: String = detail
            .chars()
            .filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\' || *c == ' ')
            .collect();
        format!(
            r#"Bearer realm="council-feedback", error="invalid_token", error_description="{safe}""#
        )
    } else {
        r#"Bearer realm="council-feedback""#.to_string()
    };
    HeaderValue::from_str(&value)
        .unwrap_or_else(|_| HeaderValue::from_static(r#"Bearer error="invalid_token""#))
}

/// Storage's failures as the API answers them: a missing row is a 404, a
/// unique constraint a 409 naming the column, an unreachable database a 503
/// (with `Retry-After`), anything else an opaque 500 whose cause is logged.
impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::NotFound => ApiError::NotFound("no such record".into()),
            DbError::UniqueViolation { column } => ApiError::Conflict {
                detail: "a record with these values already exists".into(),
                field: column,
            },
            DbError::Unavailable(cause) => ApiError::Unavailable(cause),
            DbError::Other(cause) => ApiError::Internal(cause),
        }
    }
}

/// A use case's refusal, as HTTP says it.
impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::NotFound(detail) => ApiError::NotFound(detail),
            AppError::Forbidden(detail) => ApiError::Forbidden(detail),
            AppError::Stale { expected } => ApiError::PreconditionFailed(format!(
                "the case has changed since version {expected}; read it again and retry"
            )),
            AppError::Invalid(errors) => ApiError::Validation(errors),
            AppError::Refused(refusal) if refusal.is_invalid_value() => {
                ApiError::Validation(vec![FieldError::new(
                    refusal.field().unwrap_or("body"),
                    refusal.to_string(),
                )])
            }
            AppError::Refused(refusal) => ApiError::Conflict {
                detail: refusal.to_string(),
                field: refusal.field().map(String::from),
            },
            AppError::Conflict { detail, field } => ApiError::Conflict {
                detail,
                field: field.map(String::from),
            },
            AppError::Gone(unavailable) => ApiError::Gone(unavailable),
            AppError::Anonymised { reference, on } => ApiError::CaseAnonymised(format!(
                "case {reference} was anonymised on {on}: its personal data is gone, and it \
                 takes no more changes"
            )),
            AppError::Db(error) => error.into(),
            AppError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}

/// A repository function's diesel error, mapped as storage maps it.
impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        DbError::from(error).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_to_an_anonymised_case_is_a_409_of_its_own_type_naming_the_day() {
        let error = ApiError::from(AppError::Anonymised {
            reference: "CMP-2026-000042".into(),
            on: chrono::NaiveDate::from_ymd_opt(2032, 11, 4).expect("a day"),
        });
        assert_eq!(error.status_code().as_u16(), 409);
        assert_eq!(error.problem_type(), "/problems/case-anonymised");
        assert_eq!(
            error.to_problem().detail.as_deref(),
            Some(
                "case CMP-2026-000042 was anonymised on 2032-11-04: its personal data is gone, \
                 and it takes no more changes"
            )
        );
    }

    fn status_and_type(error: DbError) -> (u16, &'static str) {
        let error = ApiError::from(error);
        (error.status_code().as_u16(), error.problem_type())
    }

    #[test]
    fn storage_failures_answer_as_they_always_have() {
        assert_eq!(
            status_and_type(DbError::NotFound),
            (404, "/problems/not-found")
        );
        assert_eq!(
            status_and_type(DbError::UniqueViolation { column: None }),
            (409, "/problems/conflict")
        );
        assert_eq!(
            status_and_type(DbError::Unavailable("database pool: timed out".into())),
            (503, "/problems/service-unavailable")
        );
        assert_eq!(
            status_and_type(DbError::Other("database: syntax error".into())),
            (500, "/problems/internal")
        );
    }

    #[test]
    fn a_unique_conflict_names_its_column() {
        let problem = ApiError::from(DbError::UniqueViolation {
            column: Some("email".into()),
        })
        .to_problem();
        assert_eq!(problem.errors.len(), 1);
        assert_eq!(problem.errors[0].field, "email");
        assert_eq!(
            problem.detail.as_deref(),
            Some("a record with these values already exists")
        );
    }

    #[test]
    fn an_internal_cause_is_never_sent() {
        let problem = ApiError::from(DbError::Other("database: secret detail".into())).to_problem();
        assert_eq!(
            problem.detail.as_deref(),
            Some("something went wrong on our side; it has been logged")
        );
    }
}

//! Around every request: a request id (the caller's `X-Request-Id` if it is
//! sane, otherwise a new one), echoed in the response; one access-log line;
//! and every error answer made into problem+json with its `instance` and
//! `request_id`, whoever produced it (a handler, an extractor, actix).

use std::time::Instant;

use actix_web::body::{to_bytes_limited, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};

use crate::error::{problem_type_for, title_for, ApiError, PROBLEM_JSON};

/// The request id, in the request's extensions for handlers that want it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn incoming_id(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(&REQUEST_ID)?.to_str().ok()?;
    let sane = !value.is_empty()
        && value.len() <= 200
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    sane.then(|| value.to_string())
}

/// The middleware function.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = incoming_id(&req).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let method = req.method().clone();
    let path = req.path().to_string();
    // Handlers' and extractors' errors arrive here as responses; an `Err`
    // could only come from a middleware inside this one, and there is none.
    let response = match oversized(&req).or_else(|| nul_in_uri(&req)) {
        Some(refusal) => {
            use actix_web::ResponseError;
            req.into_response(refusal.error_response())
        }
        None => next.call(req).await?.map_into_boxed_body(),
    };
    let status = response.status();
    let mut response = if (status.is_client_error() || status.is_server_error())
        && !is_form_page(&path, &response)
    {
        as_problem(response, &path, &request_id).await
    } else {
        response
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    secure_headers(&path, response.headers_mut());
    log::info!(
        target: "access",
        "{request_id} {method} {} {} {:.1}ms",
        logged_path(&path),
        status.as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(response)
}

/// The path as the access log shows it: a satisfaction survey's token is its only credential,
/// so it never reaches a log.
fn logged_path(path: &str) -> &str {
    if path.starts_with("/api/v1/surveys/") {
        "/api/v1/surveys/{token}"
    } else {
        path
    }
}

/// A URI or headers larger than the service reads (see [`crate::wire`] for those larger
/// still, which actix's codec refuses before this runs).
fn oversized(req: &ServiceRequest) -> Option<ApiError> {
    let uri = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if uri > crate::wire::MAX_URI_BYTES {
        return Some(ApiError::UriTooLong);
    }
    let headers: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    (headers > crate::wire::MAX_HEADER_BYTES).then_some(ApiError::HeadersTooLarge)
}

/// A NUL character (`%00`) in the path or a query parameter: no text column of either database
/// stores one (PostgreSQL refuses it, SQLite would keep it), so it is refused before any
/// handler reads it, naming the parameter.
fn nul_in_uri(req: &ServiceRequest) -> Option<ApiError> {
    let is_nul = |text: &str| text.contains("%00");
    if is_nul(req.path()) {
        return Some(ApiError::BadRequest(
            "the path must not contain a NUL character (%00)".into(),
        ));
    }
    let query = req.query_string();
    if !is_nul(query) {
        return None;
    }
    let parameter = query
        .split('&')
        .find(|pair| is_nul(pair))
        .map(|pair| pair.split('=').next().unwrap_or(pair))
        .filter(|name| !is_nul(name))
        .unwrap_or("the query");
    Some(ApiError::BadRequest(format!(
        "`{parameter}` must not contain a NUL character (%00)"
    )))
}

/// Every answer tells browsers not to guess its type; the API's answers, which carry people's
/// cases, are never stored by a browser or a shared cache (a handler may say otherwise for
/// its own).
fn secure_headers(path: &str, headers: &mut actix_web::http::header::HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if path.starts_with("/api/") && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// The reference form's own refusal pages (`api::forms`) are for people: HTML, as made.
fn is_form_page(path: &str, response: &ServiceResponse<BoxBody>) -> bool {
    path.starts_with("/forms/")
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
}

async fn as_problem(
    response: ServiceResponse<BoxBody>,
    path: &str,
    request_id: &str,
) -> ServiceResponse<BoxBody> {
    let (req, response) = response.into_parts();
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    let (head, body) = response.into_parts();
    let mut problem = if is_problem {
        to_bytes_limited(body, 1 << 20)
            .await
            .ok()
            .and_then(|r| r.ok())
            .and_then(|bytes| {
                serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&bytes).ok()
            })
    } else {
        None
    }
    .unwrap_or_else(|| generic(status));
    problem.insert("instance".into(), path.into());
    problem.insert("request_id".into(), request_id.into());
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let mut response = head.set_body(BoxBody::new(body));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response.headers_mut().remove(header::CONTENT_LENGTH);
    ServiceResponse::new(req, response)
}

fn generic(status: StatusCode) -> serde_json::Map<String, serde_json::Value> {
    let mut map = serde_json::Map::new();
    map.insert("type".into(), problem_type_for(status).into());
    map.insert("title".into(), title_for(status).into());
    map.insert("status".into(), status.as_u16().into());
    map
}

/// The methods each documented path answers, so an unknown method on a known
/// path gets 405 with `Allow`, and an unknown path 404.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<Option<String>>, Vec<Method>)>,
}

impl RouteTable {
    /// Builds the table from the OpenAPI document's paths.
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path
                    .trim_matches('/')
                    .split('/')
                    .map(|s| (!s.starts_with('{')).then(|| s.to_string()))
                    .collect();
                let mut methods = Vec::new();
                let pairs = [
                    (&item.get, Method::GET),
                    (&item.post, Method::POST),
                    (&item.put, Method::PUT),
                    (&item.patch, Method::PATCH),
                    (&item.delete, Method::DELETE),
                ];
                for (operation, method) in pairs {
                    if operation.is_some() {
                        methods.push(method);
                    }
                }
                (segments, methods)
            })
            .collect();
        RouteTable { routes }
    }

    fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.routes
            .iter()
            .find(|(segments, _)| {
                segments.len() == parts.len()
                    && segments
                        .iter()
                        .zip(&parts)
                        .all(|(s, p)| s.as_deref().is_none_or(|s| s == *p))
            })
            .map(|(_, methods)| methods.clone())
    }
}

/// The answer for anything no route took.
pub async fn unmatched(req: HttpRequest, table: web::Data<RouteTable>) -> HttpResponse {
    use actix_web::ResponseError;
    match table.allowed(req.path()) {
        Some(methods) if !methods.contains(req.method()) => {
            let allow = methods
                .iter()
                .map(Method::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            let mut response = ApiError::MethodNotAllowed.error_response();
            if let Ok(value) = HeaderValue::from_str(&allow) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            response
        }
        _ => ApiError::NotFound(format!("there is nothing at {}", req.path())).error_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_survey_token_never_reaches_the_access_log() {
        assert_eq!(
            logged_path("/api/v1/surveys/q3J0aW5nLXN1cnZleS10b2tlbi1leGFtcGxlLTAwMDE"),
            "/api/v1/surveys/{token}"
        );
        assert_eq!(
            logged_path("/api/v1/cases/CMP-2026-000042"),
            "/api/v1/cases/CMP-2026-000042"
        );
    }
}

//! Optimistic concurrency: every change to a case names the version it was
//! made against in `If-Match`; a stale one gets 412, a missing one 428.

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::domain::reference::Reference;
use crate::error::ApiError;

/// The version `If-Match` names. A case reference in the path that cannot
/// be one names no case: that is a 404, told before `If-Match` is read, so a
/// made-up reference is never answered as a stale version.
pub fn expected_version(req: &HttpRequest) -> Result<i32, ApiError> {
    if let Some(raw) = req.match_info().get("reference") {
        if Reference::parse(raw).is_none() {
            return Err(ApiError::NotFound(format!("there is no case {raw}")));
        }
    }
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Err(ApiError::PreconditionRequired(
            "send If-Match with the ETag you last read, so a change never overwrites one you have not seen".into(),
        ));
    };
    value
        .to_str()
        .ok()
        .map(str::trim)
        .and_then(|v| v.strip_prefix('"'))
        .and_then(|v| v.strip_suffix('"'))
        .and_then(|v| v.parse::<i32>().ok())
        .ok_or_else(|| {
            ApiError::PreconditionFailed("If-Match is not an ETag this service gave out".into())
        })
}

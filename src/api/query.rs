//! Query-string helpers shared by the list and calendar endpoints.

use serde::{Deserialize, Deserializer};

use crate::error::{ApiError, FieldError};

/// An empty parameter (`?service=`, as HTML forms send) means "not given".
pub fn blank_as_none<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    let value = Option::<String>::deserialize(deserializer)?;
    Ok(value.filter(|v| !v.trim().is_empty()))
}

/// A query string that cannot be read: a repeated parameter is a field
/// error like any other; anything else is named `query`.
pub fn unreadable(error: &actix_web::error::QueryPayloadError) -> ApiError {
    let text = error.to_string();
    let field = text
        .split("duplicate field `")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .map(str::to_string);
    match field {
        Some(field) => ApiError::Validation(vec![FieldError::new(field, "must be given once")]),
        None => ApiError::Validation(vec![FieldError::new(
            "query",
            "the query string could not be read",
        )]),
    }
}

//! Cursor pagination: `?limit=` (default 50, at most 200) and an opaque
//! `?cursor=` that carries the position of the last item seen.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::FieldError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// Reads `limit`, reporting a bad value as a field error.
pub fn limit(raw: Option<&str>, errors: &mut Vec<FieldError>) -> i64 {
    match raw {
        None => DEFAULT_LIMIT,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                errors.push(FieldError::new(
                    "limit",
                    format!("must be a whole number from 1 to {MAX_LIMIT}"),
                ));
                DEFAULT_LIMIT
            }
        },
    }
}

/// Encodes a position as an opaque cursor.
pub fn encode(position: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1|{position}"))
}

/// Decodes a cursor made by [`encode`].
pub fn decode(raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let raw = raw?;
    let position = URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("v1|").map(str::to_string));
    if position.is_none() {
        errors.push(FieldError::new(
            "cursor",
            "is not a cursor this list gave out",
        ));
    }
    position
}

/// Decodes a cursor and reads the position in it with `read`; a cursor
/// that does not decode or read is one field error.
pub fn decode_as<T>(
    raw: Option<&str>,
    errors: &mut Vec<FieldError>,
    read: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    let position = decode(raw, errors)?;
    let value = read(&position);
    if value.is_none() {
        errors.push(FieldError::new(
            "cursor",
            "is not a cursor this list gave out",
        ));
    }
    value
}

/// A list page: a page of rows one longer than `limit` means there is more.
pub fn split_page<T>(
    mut rows: Vec<T>,
    limit: i64,
    position: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|last| encode(&position(last)))
    } else {
        None
    };
    (rows, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        let mut errors = vec![];
        assert_eq!(
            decode(Some(&encode("abc|1")), &mut errors).as_deref(),
            Some("abc|1")
        );
        assert!(errors.is_empty());
        assert_eq!(decode(Some("not-a-cursor!"), &mut errors), None);
        assert_eq!(errors[0].field, "cursor");
    }

    #[test]
    fn limits_are_bounded() {
        let mut errors = vec![];
        assert_eq!(limit(None, &mut errors), 50);
        assert_eq!(limit(Some("200"), &mut errors), 200);
        assert!(errors.is_empty());
        limit(Some("201"), &mut errors);
        limit(Some("0"), &mut errors);
        limit(Some("x"), &mut errors);
        assert_eq!(errors.len(), 3);
    }
}

//! Cursor pagination: `?limit=` (default 50, at most 200) and an opaque
//! `?cursor=` that carries the position of the last item seen.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::{ApiError, FieldError};

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

/// Decodes a cursor made by [`encode`]. A cursor this service did not give
/// out is a 400 (`/problems/invalid-cursor`): it is not a value a caller chose
/// badly but a token it altered or made up, and it never reaches a query.
pub fn decode(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    decode_named("cursor", raw)
}

/// [`decode`] for a cursor carried by the query parameter `parameter`.
fn decode_named(parameter: &'static str, raw: Option<&str>) -> Result<Option<String>, ApiError> {
    let invalid = || ApiError::InvalidCursor { parameter };
    let Some(raw) = raw else {
        return Ok(None);
    };
    URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("v1|").map(str::to_string))
        .filter(|position| !position.is_empty() && !position.contains('\0'))
        .map(Some)
        .ok_or_else(invalid)
}

/// Decodes a cursor and reads the position in it with `read`, which must
/// check every part of it (a date inside the plausible range, an id that is
/// a positive number): a cursor that does not decode or read is a 400.
pub fn decode_as<T>(
    raw: Option<&str>,
    read: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    decode_named_as("cursor", raw, read)
}

/// [`decode_as`] for a cursor carried by the query parameter `parameter` (the event feed's
/// `after`).
pub fn decode_named_as<T>(
    parameter: &'static str,
    raw: Option<&str>,
    read: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    match decode_named(parameter, raw)? {
        None => Ok(None),
        Some(position) => read(&position)
            .map(Some)
            .ok_or(ApiError::InvalidCursor { parameter }),
    }
}

/// A page's `limit` and the position its cursor carries, for a list that takes nothing else:
/// a forged cursor is a 400, then a bad limit a 422.
pub fn page<T>(
    limit_raw: Option<&str>,
    cursor_raw: Option<&str>,
    read: impl Fn(&str) -> Option<T>,
) -> Result<(i64, Option<T>), ApiError> {
    let after = decode_as(cursor_raw, read)?;
    let mut errors = Vec::new();
    let limit = limit(limit_raw, &mut errors);
    if errors.is_empty() {
        Ok((limit, after))
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Reads a positive row id, as the positions of the id-ordered lists carry.
pub fn row_id(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().filter(|id| *id > 0)
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
        assert_eq!(
            decode(Some(&encode("abc|1"))).ok().flatten().as_deref(),
            Some("abc|1")
        );
        assert!(matches!(decode(None), Ok(None)));
        for stranger in ["not-a-cursor!", "", "djE", "eDF8MQ"] {
            assert!(
                matches!(
                    decode(Some(stranger)),
                    Err(ApiError::InvalidCursor {
                        parameter: "cursor"
                    })
                ),
                "{stranger}"
            );
        }
        let unreadable = decode_as(Some(&encode("x")), row_id);
        assert!(matches!(
            unreadable,
            Err(ApiError::InvalidCursor {
                parameter: "cursor"
            })
        ));
        assert!(matches!(
            decode_as(Some(&encode("0")), row_id),
            Err(ApiError::InvalidCursor {
                parameter: "cursor"
            })
        ));
        assert!(matches!(decode_as(Some(&encode("7")), row_id), Ok(Some(7))));
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

//! Turning `validator` reports into field errors with JSON paths, and the
//! small checks the derive attributes call.

use std::borrow::Cow;

use validator::{ValidationError, ValidationErrors, ValidationErrorsKind};

use crate::error::FieldError;

/// Every field error in a report, as `customer.email`, `staff_named[1]`.
pub fn field_errors(report: &ValidationErrors) -> Vec<FieldError> {
    let mut out = Vec::new();
    collect(report, "", &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

/// A date inside the range the service takes ([`crate::domain::dates`]), for
/// `#[validate(custom(function = "plausible_date"))]`.
pub fn plausible_date(date: &chrono::NaiveDate) -> Result<(), ValidationError> {
    if crate::domain::dates::plausible(*date) {
        return Ok(());
    }
    let mut error = ValidationError::new("range");
    error.message = Some(Cow::Owned(crate::domain::dates::range()));
    Err(error)
}

/// The field errors of a request body's own rules (none when it passes).
pub fn report_of(body: &impl validator::Validate) -> Vec<FieldError> {
    match body.validate() {
        Ok(()) => vec![],
        Err(report) => field_errors(&report),
    }
}

/// A word from a closed vocabulary: absent is `None`, an unknown word is a
/// field error naming the words accepted.
pub fn one_of<T>(
    raw: Option<&str>,
    field: &str,
    parse: impl Fn(&str) -> Option<T>,
    expected: impl Fn() -> String,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    let raw = raw?;
    let value = parse(raw);
    if value.is_none() {
        errors.push(FieldError::new(
            field,
            format!("must be one of {}", expected()),
        ));
    }
    value
}

fn collect(report: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (field, kind) in report.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(errors) => {
                // The first failing rule is the one worth telling.
                if let Some(error) = errors.first() {
                    out.push(FieldError::new(path, message(error)));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect(inner, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

fn message(error: &ValidationError) -> String {
    if let Some(message) = &error.message {
        return message.to_string();
    }
    let param = |name: &str| error.params.get(name).map(|v| v.to_string());
    match error.code.as_ref() {
        "required" => "is required".into(),
        "email" => "must be a valid email address".into(),
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be {min} to {max} characters"),
            (None, Some(max)) => format!("must be at most {max} characters"),
            (Some(min), None) => format!("must be at least {min} characters"),
            _ => "has the wrong length".into(),
        },
        other => format!("is not valid ({other})"),
    }
}

fn invalid(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(Cow::Borrowed(message))
}

/// Text that is not only white space.
pub fn not_blank(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        Err(invalid("blank", "must not be blank"))
    } else {
        Ok(())
    }
}

/// A UK or international telephone number: digits with spaces, dashes,
/// brackets and a leading `+`, 7 to 15 digits.
pub fn phone_number(value: &str) -> Result<(), ValidationError> {
    let allowed = value
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || " -()".contains(c) || (c == '+' && i == 0));
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if allowed && (7..=15).contains(&digits) {
        Ok(())
    } else {
        Err(invalid(
            "phone",
            "must be a telephone number of 7 to 15 digits",
        ))
    }
}

/// A slug: lower-case letters, digits and dashes, as used for service ids.
pub fn slug(value: &str) -> Result<(), ValidationError> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "slug",
            "must be 1 to 64 lower-case letters, digits and dashes",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        for good in ["01384 811561", "+44 (0)1384 811561", "07700-900123"] {
            assert!(phone_number(good).is_ok(), "{good}");
        }
        for bad in ["123", "call me", "0138481156100000000", "01384+811561"] {
            assert!(phone_number(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn slugs() {
        assert!(slug("waste-care").is_ok());
        for bad in ["", "Waste", "waste care", "-x", "x-", "a_b"] {
            assert!(slug(bad).is_err(), "{bad}");
        }
    }
}

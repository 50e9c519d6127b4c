//! The JSON body extractor: checks the media type and the size, tells a body
//! that is not JSON (400) from JSON with wrong values (422, naming the field),
//! and keeps a canonical form of the body for idempotency fingerprints.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, FieldError};

/// The largest body accepted, set at start-up.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct JsonBody<T> {
    pub value: T,
    canonical: String,
}

impl<T> JsonBody<T> {
    /// A digest of the body with keys sorted and white space dropped, so two
    /// encodings of the same request match.
    pub fn fingerprint(&self, method_and_path: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(method_and_path.as_bytes());
        hasher.update([0]);
        hasher.update(self.canonical.as_bytes());
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

fn is_json(req: &HttpRequest) -> bool {
    let Some(value) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<BodyLimit>>()
            .map(|l| l.0)
            .unwrap_or(256 * 1024);
        let json = is_json(req);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !json {
                return Err(ApiError::UnsupportedMediaType(
                    "send the body as application/json".into(),
                ));
            }
            if declared.is_some_and(|n| n > limit) {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::BadRequest(format!("the body could not be read: {e}"))
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            parse(&body)
        })
    }
}

/// Parses a body: syntax errors are 400, wrong shapes are 422 at their path.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<JsonBody<T>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::MalformedJson(
            "the body is empty; send a JSON object".into(),
        ));
    }
    let tree = tree_of(body)?;
    if let Some(field) = nul_at(&tree, String::new()) {
        return Err(ApiError::invalid(
            &field,
            "must not contain a NUL character (\\u0000)",
        ));
    }
    // serde would take an array for a struct, field by field: refuse it.
    if !tree.is_object() {
        return Err(ApiError::invalid("body", "must be a JSON object"));
    }
    let canonical = tree.to_string();
    let value = serde_path_to_error::deserialize(tree).map_err(|e| {
        let path = e.path().to_string();
        // For an unknown field the path already ends with its name.
        let field = if path == "." {
            "body".to_string()
        } else {
            path
        };
        ApiError::Validation(vec![FieldError::new(field, describe(e.inner()))])
    })?;
    Ok(JsonBody { value, canonical })
}

/// The body as a JSON tree, refusing an object that names a key twice: JSON leaves what that
/// means to the reader (RFC 8259 §4), and taking the last one silently would let
/// `{"decision": "reject", "decision": "accept"}` say one thing to a log or a proxy and another
/// to the service.
fn tree_of(body: &[u8]) -> Result<serde_json::Value, ApiError> {
    use serde::de::DeserializeSeed;

    let mut reader = serde_json::Deserializer::from_slice(body);
    let tree = UniqueKeys
        .deserialize(&mut reader)
        .and_then(|tree| reader.end().map(|()| tree))
        .map_err(|e| ApiError::MalformedJson(format!("the body is not valid JSON: {e}")))?;
    Ok(tree)
}

/// The first field (as `customer.name` or `staff_named[1]`) holding text with a NUL character,
/// which neither database stores alike (PostgreSQL refuses it, SQLite keeps it).
fn nul_at(value: &serde_json::Value, path: String) -> Option<String> {
    let at = |name: &str| {
        if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    match value {
        serde_json::Value::String(text) if text.contains('\0') => {
            Some(if path.is_empty() { "body".into() } else { path })
        }
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_at(item, format!("{path}[{i}]"))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(name, field)| {
            if name.contains('\0') {
                Some(at(&name.replace('\0', "\\u0000")))
            } else {
                nul_at(field, at(name))
            }
        }),
        _ => None,
    }
}

/// Reads any JSON value, as `serde_json::Value` does, but fails on a repeated key.
#[derive(Clone, Copy)]
struct UniqueKeys;

impl<'de> serde::de::DeserializeSeed<'de> for UniqueKeys {
    type Value = serde_json::Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for UniqueKeys {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(UniqueKeys)? {
            items.push(item);
        }
        Ok(serde_json::Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format_args!(
                    "the key `{key}` is given twice"
                )));
            }
            let value = map.next_value_seed(UniqueKeys)?;
            object.insert(key, value);
        }
        Ok(serde_json::Value::Object(object))
    }
}

/// serde's messages, without Rust type names.
fn describe(error: &serde_json::Error) -> String {
    let text = error.to_string();
    if let Some(field) = text.strip_prefix("unknown field `") {
        let name = field.split('`').next().unwrap_or("");
        return format!("`{name}` is not a field of this request");
    }
    if text.starts_with("invalid type") {
        let found = text
            .split(',')
            .next()
            .unwrap_or(&text)
            .trim_start_matches("invalid type: ");
        let expected = text.split("expected ").nth(1).unwrap_or("another type");
        let expected = if expected.starts_with("struct ") {
            "an object"
        } else {
            expected
        };
        return format!("expected {expected}, found {found}");
    }
    text
}

/// A JSON body that may be left out: an empty body or JSON `null` is `None`;
/// anything else must be JSON of type `T`, with the same answers as [`JsonBody`].
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<BodyLimit>>()
            .map(|l| l.0)
            .unwrap_or(256 * 1024);
        let json = is_json(req);
        let mut payload = payload.take();
        Box::pin(async move {
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::BadRequest(format!("the body could not be read: {e}"))
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            if body.is_empty() {
                return Ok(OptionalJson(None));
            }
            if !json {
                return Err(ApiError::UnsupportedMediaType(
                    "send the body as application/json".into(),
                ));
            }
            // The document offers `null` for an optional body (utoipa's
            // `Option<T>`): it means no fields given, as no body does.
            if body.trim_ascii() == b"null" {
                return Ok(OptionalJson(None));
            }
            parse(&body).map(|parsed: JsonBody<T>| OptionalJson(Some(parsed.value)))
        })
    }
}

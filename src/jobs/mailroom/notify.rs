//! GOV.UK Notify's REST API, as its documentation gives it: `POST /v2/notifications/email`,
//! `/sms` and `/letter` (a precompiled PDF), and `GET /v2/notifications/{id}`. Each request
//! carries a fresh HS256 JWT whose `iss` is the service id and `iat` the time now, signed
//! with the key's secret. The `reference` is the case reference only: no personal data.

use base64::Engine;
use serde::Serialize;
use serde_json::{json, Value};

use crate::app::mailroom::Reported;
use crate::config::NotifySettings;
use crate::db::mailroom::MessageRow;
use crate::domain::mailroom::{notify_refuses, MessageChannel, NotifyKey, SendResult};

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    iat: i64,
}

/// A token for one request, issued at `iat` (seconds since the epoch).
pub fn token(key: &NotifyKey, iat: i64) -> Result<String, String> {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &Claims {
            iss: &key.service_id,
            iat,
        },
        &jsonwebtoken::EncodingKey::from_secret(key.secret.as_bytes()),
    )
    .map_err(|e| format!("cannot sign a Notify token: {e}"))
}

/// The request's body for a message, and the path it goes to.
fn request(
    settings: &NotifySettings,
    message: &MessageRow,
    reference: &str,
) -> Result<(&'static str, Value), String> {
    let personalisation = json!({"subject": message.subject, "body": message.body_text});
    Ok(match message.channel {
        MessageChannel::Email => (
            "/v2/notifications/email",
            json!({
                "email_address": message.recipient,
                "template_id": settings.email_template_id,
                "personalisation": personalisation,
                "reference": reference,
            }),
        ),
        MessageChannel::Sms => (
            "/v2/notifications/sms",
            json!({
                "phone_number": message.recipient,
                "template_id": settings.sms_template_id,
                "personalisation": personalisation,
                "reference": reference,
            }),
        ),
        MessageChannel::Letter => {
            let pdf = message
                .pdf
                .as_deref()
                .ok_or_else(|| "a letter without its PDF".to_string())?;
            (
                "/v2/notifications/letter",
                json!({
                    "reference": reference,
                    "content": base64::engine::general_purpose::STANDARD.encode(pdf),
                    "postage": "second",
                }),
            )
        }
        MessageChannel::Print => return Err("a message for printing is not sent".into()),
    })
}

/// What Notify's error body says: its `errors[].message`s (they name fields and rules, not
/// the recipient), cut short.
fn errors_of(status: u16, body: &str) -> String {
    let messages: Vec<String> = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["errors"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|e| {
            Some(format!(
                "{}: {}",
                e["error"].as_str()?,
                e["message"].as_str().unwrap_or_default()
            ))
        })
        .collect();
    let mut said = format!("Notify answered {status}");
    if !messages.is_empty() {
        said.push_str(": ");
        said.push_str(&messages.join("; "));
    }
    said.chars().take(500).collect()
}

/// Hands a message to Notify.
pub async fn send(
    http: &reqwest::Client,
    settings: &NotifySettings,
    message: &MessageRow,
    reference: &str,
) -> SendResult {
    let (path, body) = match request(settings, message, reference) {
        Ok(request) => request,
        Err(why) => return SendResult::Refused(why),
    };
    let token = match token(&settings.key, chrono::Utc::now().timestamp()) {
        Ok(token) => token,
        Err(why) => return SendResult::Failed(why),
    };
    let response = http
        .post(format!("{}{path}", settings.base_url))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await;
    let response = match response {
        Ok(response) => response,
        Err(e) => return SendResult::Failed(format!("Notify: {}", e.without_url())),
    };
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    if status == 201 {
        let id = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["id"].as_str().map(str::to_string));
        return match id {
            Some(id) => SendResult::Accepted {
                provider_id: Some(id),
            },
            None => SendResult::Failed("Notify answered 201 without an id".into()),
        };
    }
    if notify_refuses(status) {
        SendResult::Refused(errors_of(status, &text))
    } else {
        SendResult::Failed(errors_of(status, &text))
    }
}

/// Asks Notify where notification `id` stands.
pub async fn status(
    http: &reqwest::Client,
    settings: &NotifySettings,
    id: &str,
) -> Result<Reported, String> {
    let token = token(&settings.key, chrono::Utc::now().timestamp())?;
    let response = http
        .get(format!("{}/v2/notifications/{id}", settings.base_url))
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| format!("Notify: {}", e.without_url()))?;
    let code = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    if code != 200 {
        return Err(errors_of(code, &text));
    }
    let body: Value =
        serde_json::from_str(&text).map_err(|e| format!("Notify's answer is not JSON: {e}"))?;
    let status = body["status"]
        .as_str()
        .ok_or_else(|| "Notify's answer has no status".to_string())?
        .to_string();
    Ok(Reported {
        status,
        completed_at: body["completed_at"].as_str().and_then(notify_instant),
    })
}

/// An instant as Notify writes it (`2026-12-01T10:15:30.000000Z`), in UTC to the microsecond.
pub fn notify_instant(text: &str) -> Option<chrono::NaiveDateTime> {
    let parsed = chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.naive_utc())
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()?;
    Some(crate::db::truncate_to_micros(parsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_carries_the_service_id_and_the_time_signed_with_the_secret() {
        let key = NotifyKey {
            service_id: "26785a09-ab16-4eb0-8407-a37497a57506".into(),
            secret: "3d844edf-8d35-48ac-975b-e847b4f122b0".into(),
        };
        let token = token(&key, 1_764_000_000).unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let read = jsonwebtoken::decode::<Value>(
            &token,
            &jsonwebtoken::DecodingKey::from_secret(key.secret.as_bytes()),
            &validation,
        )
        .unwrap();
        assert_eq!(
            read.claims,
            json!({"iss": "26785a09-ab16-4eb0-8407-a37497a57506", "iat": 1_764_000_000})
        );
        assert_eq!(read.header.typ.as_deref(), Some("JWT"));
    }

    #[test]
    fn notify_instants_read_with_or_without_a_zone() {
        let expected = chrono::NaiveDateTime::parse_from_str(
            "2026-12-01 10:15:30.123456",
            "%Y-%m-%d %H:%M:%S%.f",
        )
        .unwrap();
        assert_eq!(
            notify_instant("2026-12-01T10:15:30.123456Z"),
            Some(expected)
        );
        assert_eq!(notify_instant("2026-12-01T10:15:30.123456"), Some(expected));
        assert_eq!(notify_instant("yesterday"), None);
    }
}

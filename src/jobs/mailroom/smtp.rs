//! Email through the council's own mail server (lettre): a multipart/alternative message,
//! plain text and HTML, from `MAIL_FROM`, with a `Message-ID` made from the message's own id
//! and time, so that a message sent again after a crash is the same message to every mail
//! system that sees both.

use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::TIMEOUT;
use crate::config::{SmtpSecurity, SmtpSettings};
use crate::db::mailroom::MessageRow;
use crate::domain::mailroom::SendResult;

/// The `Message-ID` of message `id` made at `created_at`, at the sender's domain: the same on
/// every attempt.
pub fn message_id(id: i64, created_at: chrono::NaiveDateTime, domain: &str) -> String {
    format!(
        "<outgoing-{id}.{}@{domain}>",
        created_at.and_utc().timestamp_micros()
    )
}

/// The email for a message.
pub fn email(settings: &SmtpSettings, message: &MessageRow) -> Result<Message, String> {
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| format!("MAIL_FROM cannot be used: {e}"))?;
    let to: Mailbox = message
        .recipient
        .parse()
        .map_err(|_| "the recipient's address cannot be used".to_string())?;
    let id = message_id(message.id, message.created_at, from.email.domain());
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(message.subject.clone())
        .message_id(Some(id));
    let built = match &message.body_html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            message.body_text.clone(),
            html.clone(),
        )),
        None => builder.singlepart(SinglePart::plain(message.body_text.clone())),
    };
    built.map_err(|e| format!("the email cannot be built: {e}"))
}

fn transport(settings: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let tls =
        |host: &str| TlsParameters::new(host.to_string()).map_err(|e| format!("SMTP TLS: {e}"));
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
        .port(settings.port)
        .timeout(Some(TIMEOUT));
    builder = match settings.security {
        SmtpSecurity::None => builder.tls(Tls::None),
        SmtpSecurity::StartTls => builder.tls(Tls::Required(tls(&settings.host)?)),
        SmtpSecurity::Tls => builder.tls(Tls::Wrapper(tls(&settings.host)?)),
    };
    if let Some((user, password)) = &settings.credentials {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            password.expose().to_string(),
        ));
    }
    Ok(builder.build())
}

/// Hands a message to the mail server. A 5xx answer is a refusal for good; anything else
/// that goes wrong is tried again.
pub async fn send(settings: &SmtpSettings, message: &MessageRow, _reference: &str) -> SendResult {
    let email = match email(settings, message) {
        Ok(email) => email,
        Err(why) => return SendResult::Refused(why),
    };
    let transport = match transport(settings) {
        Ok(transport) => transport,
        Err(why) => return SendResult::Failed(why),
    };
    match transport.send(email).await {
        Ok(_) => SendResult::Accepted { provider_id: None },
        Err(e) if e.is_permanent() => {
            SendResult::Refused(format!("the mail server refused it: {e}"))
        }
        Err(e) => SendResult::Failed(format!("SMTP: {e}")),
    }
}

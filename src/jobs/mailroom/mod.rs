//! The mail room's job: takes the messages due (a send, or a question to Notify about one it
//! has not reported on), holds each with a lease committed before anything is sent, hands it
//! to Notify or the mail server, and records what came of it. A sender that dies mid-send
//! leaves its messages to be sent again once their lease runs out: at least once, and an
//! email sent twice carries the same `Message-ID` both times.

pub mod notify;
pub mod smtp;

use std::time::Duration;

use super::JobSettings;
use crate::app::mailroom::{self as use_case, Reported};
use crate::app::AppError;
use crate::db::mailroom::{self as repo, MessageRow};
use crate::db::{self, Database};
use crate::domain::mailroom::{MessageStatus, Provider, SendResult};

/// Messages one round takes.
const PER_ROUND: i64 = 20;
/// How long a provider has to take a message (each step of an SMTP conversation, and the
/// whole send).
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// How long a claim holds a message: a send is cut off after [`TIMEOUT`], so a live sender
/// has recorded what came of it before the lease runs out, and no other sender takes it
/// meanwhile. After a crash the message waits this long to be sent again.
pub const LEASE: Duration = Duration::from_secs(30);

/// The HTTP client for Notify: no redirects, a timeout, no proxy.
pub fn client() -> Option<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .no_proxy()
        .user_agent(concat!(
            "council-feedback-mailroom/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        .map_err(|e| log::error!("mail room: cannot build its HTTP client: {e}"))
        .ok()
}

/// One round: claims what is due and works through it. Returns how many it handled.
pub async fn round(
    db: &Database,
    settings: &JobSettings,
    http: Option<&reqwest::Client>,
) -> Result<usize, AppError> {
    let now = db::now();
    let lease = chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::seconds(30));
    let claimed = db
        .job_transaction(move |conn| {
            Ok::<_, AppError>(repo::claim_due(conn, now, now + lease, PER_ROUND)?)
        })
        .await?;
    let mut done = 0;
    for id in claimed {
        let found = db
            .with_connection(move |conn| Ok::<_, AppError>(repo::find_with_reference(conn, id)?))
            .await?;
        let Some((message, reference)) = found else {
            continue;
        };
        match message.status {
            MessageStatus::Sending => {
                let result =
                    tokio::time::timeout(TIMEOUT, send(settings, http, &message, &reference))
                        .await
                        .unwrap_or_else(|_| {
                            SendResult::Failed(format!("no answer within {} s", TIMEOUT.as_secs()))
                        });
                if let SendResult::Failed(why) | SendResult::Refused(why) = &result {
                    log::warn!(
                        "mail room: message {id} ({} by {}) not sent: {why}",
                        message.channel,
                        message.provider
                    );
                }
                db.job_transaction(move |conn| use_case::after_send(conn, db::now(), id, result))
                    .await?;
            }
            MessageStatus::Sent if message.provider == Provider::Notify => {
                let answer = poll(settings, http, &message).await;
                db.job_transaction(move |conn| use_case::after_poll(conn, db::now(), id, answer))
                    .await?;
            }
            // Nothing to do for it any more: let it go.
            _ => {
                db.job_transaction(move |conn| use_case::after_poll(conn, db::now(), id, None))
                    .await?;
            }
        }
        done += 1;
    }
    Ok(done)
}

async fn send(
    settings: &JobSettings,
    http: Option<&reqwest::Client>,
    message: &MessageRow,
    reference: &str,
) -> SendResult {
    let config = &settings.correspondence;
    match message.provider {
        Provider::Notify => match (&config.notify, http) {
            (Some(notify), Some(http)) => notify::send(http, notify, message, reference).await,
            (None, _) => SendResult::Failed("Notify is not configured (NOTIFY_API_KEY)".into()),
            (_, None) => SendResult::Failed("no HTTP client".into()),
        },
        Provider::Smtp => match &config.smtp {
            Some(smtp) => smtp::send(smtp, message, reference).await,
            None => SendResult::Failed("SMTP is not configured (SMTP_URL)".into()),
        },
        Provider::Print => SendResult::Failed("a message for printing is not sent".into()),
    }
}

async fn poll(
    settings: &JobSettings,
    http: Option<&reqwest::Client>,
    message: &MessageRow,
) -> Option<Reported> {
    let (Some(notify), Some(http), Some(id)) = (
        &settings.correspondence.notify,
        http,
        message.provider_id.as_deref(),
    ) else {
        return None;
    };
    match notify::status(http, notify, id).await {
        Ok(reported) => Some(reported),
        Err(why) => {
            log::warn!(
                "mail room: cannot ask Notify about message {}: {why}",
                message.id
            );
            None
        }
    }
}

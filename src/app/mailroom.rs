//! The mail room's use cases (issue 13 §4): a message is enqueued in the transaction that
//! wrote it; the jobs hand it to its provider and record what came of it; Notify's callbacks
//! and answers to polling move its status. Each change the customer would care about goes on
//! the case's timeline, and a failure puts the case in the failed-correspondence work queue
//! (`GET /api/v1/cases?correspondence=failed`).

use chrono::NaiveDateTime;

use super::alerts::SYSTEM_SUBJECT;
use super::AppError;
use crate::db::cases::{self as case_repo, CustomerRow, RepresentativeRow};
use crate::db::events::{self, NewEvent};
use crate::db::mailroom::{self, MessageRow, NewMessage};
use crate::db::DbConnection;
use crate::domain::case::events::{CaseEvent, Instant};
use crate::domain::case::{ActorRole, ContactMethod};
use crate::domain::mailroom::{
    self as rules, Contact, MessageChannel, MessageStatus, Provider, Providers, Route, SendResult,
};

/// A message to send to the person a case is about: the seam between writing letters and
/// sending them. [`route`] says which channel, provider and recipient.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    pub case_id: i64,
    /// The letter it carries, when written from a template.
    pub letter_id: Option<i64>,
    pub channel: MessageChannel,
    pub provider: Provider,
    /// The email address, the phone number, or the address block.
    pub recipient: String,
    pub subject: String,
    /// The plain-text form (an email's text part, a text message, Notify's `((body))`).
    pub text: String,
    /// The HTML form, for email.
    pub html: Option<String>,
    /// The letter as a PDF, for posting through Notify.
    pub pdf: Option<Vec<u8>>,
}

impl OutgoingMessage {
    /// A message going the way `route` says.
    pub fn routed(
        case_id: i64,
        route: Route,
        subject: String,
        text: String,
        html: Option<String>,
        pdf: Option<Vec<u8>>,
    ) -> OutgoingMessage {
        OutgoingMessage {
            case_id,
            letter_id: None,
            channel: route.channel,
            provider: route.provider,
            recipient: route.recipient,
            subject,
            text,
            html,
            pdf,
        }
    }
}

/// What is known of case `case_id`'s customer, for [`rules::route`].
pub fn contact(conn: &mut DbConnection, case_id: i64) -> Result<Contact, AppError> {
    let (customer, _) = case_repo::people(conn, case_id)?;
    Ok(customer_contact(&customer))
}

/// What is known of `customer`, for [`rules::route`].
pub fn customer_contact(customer: &CustomerRow) -> Contact {
    Contact {
        name: customer.name.clone(),
        preferred: customer
            .preferred_contact
            .as_deref()
            .and_then(ContactMethod::parse),
        email: customer.email.clone(),
        phone: customer.phone.clone(),
        address: customer.address.clone(),
        postcode: customer.postcode.clone(),
        large_print: customer.large_print,
        audio: customer.audio,
    }
}

/// What is known of `representative`, when the customer allowed them both to act and to be
/// given information about the case: a copy of each letter is theirs.
pub fn representative_contact(representative: &RepresentativeRow) -> Option<Contact> {
    (representative.consent_to_act && representative.consent_to_release_information).then(|| {
        Contact {
            name: representative.name.clone(),
            preferred: None,
            email: representative.email.clone(),
            phone: representative.phone.clone(),
            address: representative.address.clone(),
            postcode: None,
            large_print: false,
            audio: false,
        }
    })
}

/// The way a message to case `case_id`'s customer goes (the rule is
/// [`rules::route`]); 409 on `customer` when no way is known.
pub fn route(
    conn: &mut DbConnection,
    case_id: i64,
    providers: Providers,
    has_pdf: bool,
) -> Result<Route, AppError> {
    let contact = contact(conn, case_id)?;
    rules::route(&contact, providers, has_pdf).map_err(|why| AppError::Conflict {
        detail: why.to_string(),
        field: Some("customer"),
    })
}

/// Puts `message` in the queue, in the caller's transaction: it is sent once that commits
/// (the commit wakes the jobs), and never if it rolls back. A message for printing waits for
/// staff instead. Gives the row.
pub fn enqueue(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    message: OutgoingMessage,
) -> Result<MessageRow, AppError> {
    let fits = match (message.channel, message.provider) {
        (MessageChannel::Email, Provider::Notify | Provider::Smtp) => true,
        (MessageChannel::Sms, Provider::Notify) => true,
        (MessageChannel::Letter, Provider::Notify) => message.pdf.is_some(),
        (MessageChannel::Print, Provider::Print) => true,
        _ => false,
    };
    if !fits {
        return Err(AppError::Internal(format!(
            "a {} message cannot go by {}{}",
            message.channel,
            message.provider,
            if message.channel == MessageChannel::Letter {
                " without a PDF"
            } else {
                ""
            }
        )));
    }
    let for_the_jobs = message.provider != Provider::Print;
    Ok(mailroom::insert(
        conn,
        &NewMessage {
            case_id: message.case_id,
            letter_id: message.letter_id,
            channel: message.channel,
            provider: message.provider,
            recipient: message.recipient,
            subject: message.subject,
            body_text: message.text,
            body_html: message.html,
            pdf: message.pdf,
            status: MessageStatus::Pending,
            attempts: 0,
            next_attempt_at: for_the_jobs.then_some(now),
            created_at: now,
            updated_at: now,
        },
    )?)
}

fn record(
    conn: &mut DbConnection,
    case_id: i64,
    now: NaiveDateTime,
    event: &CaseEvent,
) -> Result<(), AppError> {
    events::append(
        conn,
        &NewEvent::of(case_id, SYSTEM_SUBJECT, ActorRole::System, now, event),
    )?;
    Ok(())
}

fn failed(message: &MessageRow, status: MessageStatus, reason: Option<String>) -> CaseEvent {
    if status == MessageStatus::Returned {
        CaseEvent::CorrespondenceReturned {
            message: message.id,
            letter: message.letter_id,
        }
    } else {
        CaseEvent::CorrespondenceFailed {
            message: message.id,
            channel: message.channel,
            provider: message.provider,
            status,
            reason,
        }
    }
}

/// Records what came of handing message `id` to its provider at `now`: sent (and, for Notify,
/// asked about later if it does not call back), refused for good, or tried again later
/// until its attempts are used up. The attempt was counted when the message was claimed.
pub fn after_send(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    id: i64,
    result: SendResult,
) -> Result<MessageStatus, AppError> {
    let message = mailroom::find(conn, id)?
        .ok_or_else(|| AppError::Internal(format!("outgoing message {id} is gone")))?;
    let mut state = message.state();
    state.leased_until = None;
    state.updated_at = now;
    if !matches!(result, SendResult::Failed(_)) {
        forget_link(conn, &message)?;
    }
    match result {
        SendResult::Accepted { provider_id } => {
            state.status = MessageStatus::Sent;
            state.provider_id = provider_id;
            state.sent_at = Some(now);
            state.last_error = None;
            state.next_attempt_at = match message.provider {
                Provider::Notify => rules::next_poll(now, now),
                _ => None,
            };
            mailroom::save(conn, id, &state)?;
            record(
                conn,
                message.case_id,
                now,
                &CaseEvent::CorrespondenceSent {
                    message: id,
                    letter: message.letter_id,
                    channel: message.channel,
                    provider: message.provider,
                },
            )?;
        }
        SendResult::Refused(reason) => {
            state.status = MessageStatus::PermanentFailure;
            state.next_attempt_at = None;
            state.completed_at = Some(now);
            state.last_error = Some(reason.clone());
            mailroom::save(conn, id, &state)?;
            let event = failed(&message, state.status, Some(reason));
            record(conn, message.case_id, now, &event)?;
        }
        SendResult::Failed(reason) => {
            let again = usize::try_from(message.attempts)
                .ok()
                .and_then(rules::retry_after)
                .and_then(|d| chrono::Duration::from_std(d).ok());
            state.last_error = Some(reason.clone());
            match again {
                Some(wait) => {
                    state.status = MessageStatus::Pending;
                    state.next_attempt_at = Some(now + wait);
                    mailroom::save(conn, id, &state)?;
                }
                None => {
                    forget_link(conn, &message)?;
                    state.status = MessageStatus::TechnicalFailure;
                    state.next_attempt_at = None;
                    state.completed_at = Some(now);
                    mailroom::save(conn, id, &state)?;
                    let event = failed(&message, state.status, Some(reason));
                    record(conn, message.case_id, now, &event)?;
                }
            }
        }
    }
    Ok(state.status)
}

/// A message carrying a case-access link holds the link only while it is being sent: once it
/// is sent, or has failed for good, its text and HTML become the copy kept on the case, which
/// says a link was sent and not what it was.
fn forget_link(conn: &mut DbConnection, message: &MessageRow) -> Result<(), AppError> {
    let Some(letter_id) = message.letter_id else {
        return Ok(());
    };
    let Some(letter) = crate::db::letters::find(conn, message.case_id, letter_id)? else {
        return Ok(());
    };
    if letter.kind != crate::domain::letter::LetterKind::CaseAccessLink {
        return Ok(());
    }
    let html = message.body_html.as_ref().map(|_| letter.html.as_str());
    mailroom::replace_bodies(conn, message.id, &letter.text, html)?;
    Ok(())
}

/// What Notify said of a message: on a callback, or asked.
#[derive(Debug, Clone)]
pub struct Reported {
    /// Notify's status, as it spells it (`delivered`, `permanent-failure`, ...).
    pub status: String,
    /// When Notify says it reached its final status.
    pub completed_at: Option<NaiveDateTime>,
}

/// Applies what Notify reported of `message` at `now`: a status this code does not know, or
/// one that does not move the message on, is kept as Notify spelled it and nothing else
/// changes (a repeated callback changes nothing at all). A final status ends the polling and
/// goes on the timeline. Returns whether anything was written.
pub fn apply_report(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    message: &MessageRow,
    reported: &Reported,
) -> Result<bool, AppError> {
    let ours = rules::notify_status(&reported.status);
    let moves = ours.is_some_and(|status| message.status.moves_to(status));
    let spelled_anew = message.provider_status.as_deref() != Some(reported.status.as_str());
    if !moves && !spelled_anew {
        return Ok(false);
    }
    let mut state = message.state();
    state.provider_status = Some(reported.status.clone());
    state.updated_at = now;
    if let (true, Some(status)) = (moves, ours) {
        state.status = status;
        state.completed_at = reported.completed_at.or(Some(now));
        state.next_attempt_at = None;
        state.leased_until = None;
        mailroom::save(conn, message.id, &state)?;
        let event = if status == MessageStatus::Delivered {
            CaseEvent::CorrespondenceDelivered {
                message: message.id,
                channel: message.channel,
                delivered_at: reported.completed_at.map(Instant),
            }
        } else {
            failed(
                message,
                status,
                Some(format!("Notify: {}", reported.status)),
            )
        };
        record(conn, message.case_id, now, &event)?;
    } else {
        mailroom::save(conn, message.id, &state)?;
    }
    Ok(true)
}

/// A callback from Notify about its notification `provider_id`: `None` when no message here
/// has that id (Notify calls back again later), else whether anything changed.
pub fn callback(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    provider_id: &str,
    reported: &Reported,
) -> Result<Option<bool>, AppError> {
    let Some(message) = mailroom::find_by_provider_id(conn, provider_id)? else {
        return Ok(None);
    };
    apply_report(conn, now, &message, reported).map(Some)
}

/// Records Notify's answer to polling message `id` at `now` (`None`: it could not be asked):
/// a final status as a callback would; otherwise the next question, until Notify's window
/// closes.
pub fn after_poll(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    id: i64,
    answer: Option<Reported>,
) -> Result<(), AppError> {
    let message = mailroom::find(conn, id)?
        .ok_or_else(|| AppError::Internal(format!("outgoing message {id} is gone")))?;
    if let Some(reported) = &answer {
        apply_report(conn, now, &message, reported)?;
    }
    let Some(message) = mailroom::find(conn, id)? else {
        return Ok(());
    };
    let mut state = message.state();
    state.leased_until = None;
    state.updated_at = now;
    state.next_attempt_at = match (message.status.is_final(), message.sent_at) {
        (false, Some(sent_at)) => rules::next_poll(sent_at, now),
        _ => None,
    };
    mailroom::save(conn, id, &state)?;
    Ok(())
}

/// Staff printed message `id` (one waiting to be printed): it is marked printed and the
/// timeline says it was sent. `None` when there is no such message waiting.
pub fn mark_printed(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    actor: &crate::auth::Caller,
    id: i64,
) -> Result<MessageRow, AppError> {
    let message = mailroom::find(conn, id)?
        .filter(|m| m.provider == Provider::Print)
        .ok_or_else(|| AppError::NotFound(format!("there is no message {id} to print")))?;
    if message.status != MessageStatus::Pending {
        return Err(AppError::Conflict {
            detail: format!(
                "message {id} is {}, not waiting to be printed",
                message.status
            ),
            field: None,
        });
    }
    let mut state = message.state();
    state.status = MessageStatus::Printed;
    state.sent_at = Some(now);
    state.completed_at = Some(now);
    state.updated_at = now;
    mailroom::save(conn, id, &state)?;
    events::append(
        conn,
        &NewEvent::of(
            message.case_id,
            &actor.subject,
            actor.acting_role(),
            now,
            &CaseEvent::CorrespondenceSent {
                message: id,
                letter: message.letter_id,
                channel: message.channel,
                provider: message.provider,
            },
        ),
    )?;
    mailroom::find(conn, id)?
        .ok_or_else(|| AppError::Internal(format!("outgoing message {id} is gone")))
}

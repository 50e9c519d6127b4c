//! Residents' case-access links (issue 16 §2): sent when a case is logged for a resident
//! without an account, or again by staff; exchanged for a short-lived token scoped to the one
//! case; revoked by staff; claimed into an account when the resident signs in.

use chrono::NaiveDateTime;

use super::lifecycle::record;
use super::AppError;
use crate::auth::Caller;
use crate::config::CaseAccessSettings;
use crate::db::case_access::{self as repo, LinkRow, NewLink};
use crate::db::cases::CaseRow;
use crate::db::DbConnection;
use crate::domain::case::events::{CaseEvent, Instant};
use crate::domain::case_access::{link_route, link_url, token_hash, CaseAccessPolicy, LinkState};
use crate::domain::clock::uk_date;
use crate::error::FieldError;
use crate::letters::Templates;

/// Sends case `case`'s customer a new link, by email or text message, where they can be
/// reached so (see [`link_route`]): the link kept hashed, its letter on the case (without
/// the link), the message in the mail room, a `case_access_link_sent` event. In the caller's
/// transaction. `None`, and nothing written, when they cannot be reached so.
pub fn issue(
    conn: &mut DbConnection,
    templates: &Templates,
    settings: &CaseAccessSettings,
    now: NaiveDateTime,
    caller: &Caller,
    case: &CaseRow,
) -> Result<Option<LinkRow>, AppError> {
    let (customer, _) = crate::db::cases::people(conn, case.id)?;
    let contact = super::mailroom::customer_contact(&customer);
    let Some(route) = link_route(&contact, templates.providers()) else {
        return Ok(None);
    };
    let token = super::surveys::new_token();
    let expires_at = settings.policy.link_expires(now);
    let channel = route.channel;
    let link = repo::insert(
        conn,
        &NewLink {
            case_id: case.id,
            token_hash: &token_hash(&token),
            channel,
            issued_at: now,
            issued_by: &caller.subject,
            expires_at,
        },
    )?;
    super::letters::case_access_link(
        conn,
        templates,
        now,
        case,
        route,
        &link_url(&settings.url, &token),
        uk_date(expires_at),
    )?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::CaseAccessLinkSent {
            link: link.id,
            channel,
            expires_at: Instant(expires_at),
        },
    )?;
    Ok(Some(link))
}

/// Staff send case `reference`'s customer a new link (the resident lost theirs, or staff
/// logged the case for them). Refused for a case in a customer's account (they sign in), and
/// for a customer with no email address or phone number to send it to (422, `customer`).
pub fn send_new(
    conn: &mut DbConnection,
    templates: &Templates,
    settings: &CaseAccessSettings,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
) -> Result<LinkRow, AppError> {
    let case = super::cases::adding(conn, reference, caller, false)?;
    if case.customer_subject.is_some() {
        return Err(AppError::Conflict {
            detail: format!(
                "case {} is in its customer's account: they sign in to see it",
                case.reference
            ),
            field: None,
        });
    }
    issue(conn, templates, settings, now, caller, &case)?.ok_or_else(|| {
        AppError::Invalid(vec![FieldError::new(
            "customer",
            "has no email address, or phone number a text can go to, for a link to be sent to",
        )])
    })
}

/// A link's token, exchanged: the link, its case and when the token given for it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchanged {
    pub link: i64,
    pub reference: String,
    pub token_expires_at: NaiveDateTime,
}

/// Why a link cannot be used, as the resident is told.
pub type LinkRefusal = &'static str;

const UNKNOWN: LinkRefusal = "this case link is not known: check it was copied whole";

/// The link holding `token` and its case's reference, if the token could be one and names a
/// link.
fn by_token(
    conn: &mut DbConnection,
    token: &str,
) -> Result<Result<(LinkRow, String), LinkRefusal>, AppError> {
    if !super::surveys::is_token(token) {
        return Ok(Err(UNKNOWN));
    }
    Ok(repo::by_hash(conn, &token_hash(token))?.ok_or(UNKNOWN))
}

/// Exchanges `token` at `now`: counted on its link, with when the token given for it expires
/// (`policy`), or why it cannot be used (not known, expired, revoked, claimed).
pub fn exchange(
    conn: &mut DbConnection,
    policy: CaseAccessPolicy,
    now: NaiveDateTime,
    token: &str,
) -> Result<Result<Exchanged, LinkRefusal>, AppError> {
    let (link, reference) = match by_token(conn, token)? {
        Ok(found) => found,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let state = LinkState::at(now, link.expires_at, link.revoked_at, link.claimed_at);
    if let Some(refusal) = state.refusal() {
        return Ok(Err(refusal));
    }
    if !repo::exchanged(conn, link.id, now)? {
        // Revoked or claimed since it was read.
        return Ok(Err(LinkState::Revoked.refusal().unwrap_or(UNKNOWN)));
    }
    Ok(Ok(Exchanged {
        link: link.id,
        reference,
        token_expires_at: policy.token_expires(now, link.expires_at),
    }))
}

/// Whether the tokens link `link` gave still work: it has been neither revoked nor claimed
/// (each token carries its own expiry).
pub fn unretired(conn: &mut DbConnection, link: i64) -> Result<bool, AppError> {
    Ok(repo::unretired(conn, link)?)
}

/// Case `reference`'s links, newest first, for staff who may read it.
pub fn of_case(
    conn: &mut DbConnection,
    caller: &Caller,
    reference: &str,
) -> Result<Vec<LinkRow>, AppError> {
    let case = super::cases::find(conn, reference, caller, true)?;
    Ok(repo::of_case(conn, case.id)?)
}

/// Staff revoke link `id` of case `reference`, with `reason`: it and every token it gave stop
/// working at once. A link revoked already is a conflict.
pub fn revoke(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    id: i64,
    reason: &str,
) -> Result<LinkRow, AppError> {
    let case = super::cases::find(conn, reference, caller, false)?;
    let not_found = || AppError::NotFound(format!("case {reference} has no link {id}"));
    let link = repo::find(conn, id)?
        .filter(|l| l.case_id == case.id)
        .ok_or_else(not_found)?;
    let already = || AppError::Conflict {
        detail: format!("link {id} was revoked already"),
        field: None,
    };
    if link.revoked_at.is_some() {
        return Err(already());
    }
    let revoked = repo::revoke(conn, id, now, &caller.subject, reason)?.ok_or_else(already)?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::CaseAccessLinkRevoked {
            link: id,
            reason: reason.to_string(),
        },
    )?;
    Ok(revoked)
}

/// A case claimed into an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub reference: String,
    /// The account's person, whom the case's customer now is.
    pub person_id: i64,
}

/// The resident signed in as `caller` (a customer's own account) claims the case of the link
/// holding `token`: the case goes into their account, its customer becomes the account's
/// person ([`super::people::claim_for_account`]), and its links stop working. Claiming again
/// with the same account gives the same answer; a link that cannot be used is refused with why.
pub fn claim(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    token: &str,
) -> Result<Result<Claimed, LinkRefusal>, AppError> {
    let (link, reference) = match by_token(conn, token)? {
        Ok(found) => found,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let (customer, _) = crate::db::cases::people(conn, link.case_id)?;
    let state = LinkState::at(now, link.expires_at, link.revoked_at, link.claimed_at);
    if state == LinkState::Claimed && link.claimed_by.as_deref() == Some(caller.subject.as_str()) {
        let person_id = customer
            .person_id
            .ok_or_else(|| AppError::Internal(format!("claimed case {reference} has no person")))?;
        return Ok(Ok(Claimed {
            reference,
            person_id,
        }));
    }
    if let Some(refusal) = state.refusal() {
        return Ok(Err(refusal));
    }
    let case = crate::db::cases::find(conn, link.case_id)?
        .ok_or_else(|| AppError::Internal(format!("link {} has no case", link.id)))?;
    super::cases::refuse_if_anonymised(conn, &case)?;
    repo::give_to_account(conn, link.case_id, customer.id, &caller.subject)?;
    let (person_id, previous) =
        super::people::claim_for_account(conn, now, &customer, &caller.subject)?;
    repo::claim_all(conn, link.case_id, now, &caller.subject)?;
    record(
        conn,
        link.case_id,
        caller,
        now,
        &CaseEvent::CaseAccessLinkClaimed { link: link.id },
    )?;
    if previous.is_some() || customer.person_id.is_none() {
        record(
            conn,
            link.case_id,
            caller,
            now,
            &CaseEvent::PersonMatched {
                person_id,
                previous_person_id: previous,
            },
        )?;
    }
    Ok(Ok(Claimed {
        reference,
        person_id,
    }))
}

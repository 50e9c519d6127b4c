//! A resident's link back to their case (issue 16 §2). A case logged for a resident without
//! an account (by the website's `web_form` client, or by staff) can be reached again through a
//! link sent to the resident by email or text message. The link holds a single-case
//! credential: 256 random bits, kept only as their SHA-256, so nothing stored reaches the
//! case. It is exchanged for a short-lived customer token scoped to that one case.
//!
//! The rules here: how long a link and its tokens last, when a link still works, and the
//! hash it is found by.

use chrono::{Duration, NaiveDateTime};
use sha2::{Digest, Sha256};

use super::case::{vocabulary, ContactMethod};
use super::mailroom::{route, Contact, MessageChannel, Providers, Route};

/// How long links and the tokens they give last (`CASE_ACCESS_LINK_DAYS`,
/// `CASE_ACCESS_TOKEN_MINUTES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseAccessPolicy {
    /// Days a link works after it is sent: long enough for a complaint to go through both
    /// stages and the resident to ask for stage 2 (default 90).
    pub link_valid_days: u32,
    /// Minutes a token from the link works: a visit's length, so a token copied out of a
    /// browser is soon worthless (default 60).
    pub token_minutes: u32,
}

impl Default for CaseAccessPolicy {
    fn default() -> Self {
        CaseAccessPolicy {
            link_valid_days: 90,
            token_minutes: 60,
        }
    }
}

impl CaseAccessPolicy {
    /// When a link sent at `now` stops working.
    pub fn link_expires(&self, now: NaiveDateTime) -> NaiveDateTime {
        now + Duration::days(i64::from(self.link_valid_days))
    }

    /// When a token given at `now` for a link expiring at `link_expires` stops working: after
    /// its minutes, and never after the link itself.
    pub fn token_expires(&self, now: NaiveDateTime, link_expires: NaiveDateTime) -> NaiveDateTime {
        (now + Duration::minutes(i64::from(self.token_minutes))).min(link_expires)
    }
}

vocabulary! {
    /// Where a link stands.
    LinkState {
        /// It can be exchanged for a token.
        Active => "active",
        /// Its time ran out.
        Expired => "expired",
        /// Staff revoked it.
        Revoked => "revoked",
        /// The resident claimed the case into their account: they sign in instead.
        Claimed => "claimed",
    }
}

impl LinkState {
    /// Where a link expiring at `expires_at`, revoked at `revoked_at` and claimed at
    /// `claimed_at` stands at `now`. Revoked and claimed win over expired: they say more.
    pub fn at(
        now: NaiveDateTime,
        expires_at: NaiveDateTime,
        revoked_at: Option<NaiveDateTime>,
        claimed_at: Option<NaiveDateTime>,
    ) -> LinkState {
        if revoked_at.is_some() {
            LinkState::Revoked
        } else if claimed_at.is_some() {
            LinkState::Claimed
        } else if now >= expires_at {
            LinkState::Expired
        } else {
            LinkState::Active
        }
    }

    /// Why a link in this state cannot be used, as the resident is told; `None` when it can.
    pub fn refusal(self) -> Option<&'static str> {
        match self {
            LinkState::Active => None,
            LinkState::Expired => Some(
                "this case link has expired: ask the council for a new one, quoting your reference",
            ),
            LinkState::Revoked => Some(
                "this case link was withdrawn by the council: ask them for a new one, quoting \
                 your reference",
            ),
            LinkState::Claimed => Some("this case was added to your account: sign in to see it"),
        }
    }
}

/// What a link's token is stored as, and found by: its SHA-256 as lowercase hex. A token of
/// 256 random bits needs no salt or slow hash: nobody can search that space, and the hash
/// only has to stop a copy of the table from opening cases.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// How a resident's link reaches them: by email or text message, the way the mail room
/// would write to them (their preferred method first), never by post (a link is typed into
/// nothing). `None` when they gave neither an email address nor, with Notify configured, a
/// phone number, or no email provider is configured: then no link is sent.
pub fn link_route(contact: &Contact, providers: Providers) -> Option<Route> {
    let digital = Contact {
        // Post, large print and audio are for letters: the link goes where a link can go.
        address: None,
        postcode: None,
        large_print: false,
        audio: false,
        preferred: match contact.preferred {
            Some(ContactMethod::Telephone) => Some(ContactMethod::Telephone),
            _ => Some(ContactMethod::Email),
        },
        ..contact.clone()
    };
    route(&digital, providers, false)
        .ok()
        .filter(|r| matches!(r.channel, MessageChannel::Email | MessageChannel::Sms))
}

/// The link a resident is sent: `template` with `{token}` replaced (`CASE_ACCESS_URL`).
pub fn link_url(template: &str, token: &str) -> String {
    template.replace("{token}", token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, day)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .unwrap_or_default()
    }

    #[test]
    fn a_link_lasts_its_days_and_a_token_its_minutes_but_never_past_the_link() {
        let policy = CaseAccessPolicy::default();
        // 2 March 10:00 + 90 days = 31 May 10:00.
        assert_eq!(
            policy.link_expires(at(2, 10)),
            NaiveDate::from_ymd_opt(2026, 5, 31)
                .and_then(|d| d.and_hms_opt(10, 0, 0))
                .unwrap_or_default()
        );
        assert_eq!(policy.token_expires(at(2, 10), at(20, 0)), at(2, 11));
        // The link ends at 10:30: so does the token.
        let link_ends = at(2, 10) + Duration::minutes(30);
        assert_eq!(policy.token_expires(at(2, 10), link_ends), link_ends);
    }

    #[test]
    fn a_link_is_active_until_it_expires_is_revoked_or_is_claimed() {
        assert_eq!(
            LinkState::at(at(2, 9), at(2, 10), None, None),
            LinkState::Active
        );
        assert_eq!(
            LinkState::at(at(2, 10), at(2, 10), None, None),
            LinkState::Expired
        );
        assert_eq!(
            LinkState::at(at(2, 9), at(2, 10), Some(at(1, 9)), None),
            LinkState::Revoked
        );
        assert_eq!(
            LinkState::at(at(3, 9), at(2, 10), None, Some(at(1, 9))),
            LinkState::Claimed
        );
        assert!(LinkState::Active.refusal().is_none());
        assert!(LinkState::Expired.refusal().is_some());
    }

    #[test]
    fn the_hash_is_sha256_in_lowercase_hex() {
        // FIPS 180-2's example: SHA-256("abc").
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    fn contact(
        email: Option<&str>,
        phone: Option<&str>,
        preferred: Option<ContactMethod>,
    ) -> Contact {
        Contact {
            name: "Ann Example".into(),
            preferred,
            email: email.map(str::to_string),
            phone: phone.map(str::to_string),
            address: Some("1 High Street, Dudley".into()),
            postcode: Some("DY1 1AA".into()),
            large_print: true,
            audio: false,
        }
    }

    #[test]
    fn the_link_goes_by_email_or_text_as_preferred_and_never_by_post() {
        use super::super::mailroom::Provider;
        let both = Providers {
            default: Provider::Smtp,
            notify: true,
            smtp: true,
        };
        let by = |c: &Contact, p: Providers| link_route(c, p).map(|r| (r.channel, r.recipient));
        // Large print and a postal address do not send the link by post.
        assert_eq!(
            by(
                &contact(Some("ann@example.com"), None, Some(ContactMethod::Letter)),
                both
            ),
            Some((MessageChannel::Email, "ann@example.com".to_string()))
        );
        assert_eq!(
            by(
                &contact(
                    Some("ann@example.com"),
                    Some("07700 900123"),
                    Some(ContactMethod::Telephone)
                ),
                both
            ),
            Some((MessageChannel::Sms, "07700 900123".to_string()))
        );
        assert_eq!(
            by(&contact(None, Some("07700 900123"), None), both),
            Some((MessageChannel::Sms, "07700 900123".to_string()))
        );
        // Only a postal address: no link.
        assert_eq!(by(&contact(None, None, None), both), None);
        // A phone number but no Notify to text it: no link.
        let smtp_only = Providers {
            notify: false,
            ..both
        };
        assert_eq!(
            by(&contact(None, Some("07700 900123"), None), smtp_only),
            None
        );
        // Nothing configured to send with: letters are printed, links are not sent.
        let print = Providers {
            default: Provider::Print,
            notify: false,
            smtp: false,
        };
        assert_eq!(
            by(&contact(Some("ann@example.com"), None, None), print),
            None
        );
    }

    #[test]
    fn the_link_puts_the_token_where_the_template_says() {
        assert_eq!(
            link_url("https://www.example.gov.uk/my-case?link={token}", "abc"),
            "https://www.example.gov.uk/my-case?link=abc"
        );
    }
}

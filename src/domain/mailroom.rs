//! The mail room's rules (issue 13 §4): which way a message goes to a person, what the
//! statuses mean, what GOV.UK Notify's statuses come to, when a send is tried again and
//! when Notify is asked about a message it has not reported on. No I/O, no clock reads.

use std::time::Duration;

use chrono::NaiveDateTime;

use super::case::{vocabulary, ContactMethod};

vocabulary! {
    /// How a message reaches the person.
    MessageChannel {
        /// An email (through Notify or SMTP).
        Email => "email",
        /// A text message (through Notify).
        Sms => "sms",
        /// A letter posted by Notify from a precompiled PDF.
        Letter => "letter",
        /// A letter printed and posted by the council itself.
        Print => "print",
    }
}

vocabulary! {
    /// Who carries a message: the council's configured default (`CORRESPONDENCE_DEFAULT`)
    /// is one of these.
    Provider {
        /// GOV.UK Notify's REST API: email, text message and precompiled letter.
        Notify => "notify",
        /// The council's own mail server.
        Smtp => "smtp",
        /// Printed locally by staff.
        Print => "print",
    }
}

vocabulary! {
    /// Where a message stands.
    MessageStatus {
        /// Waiting to be sent (or, for printing, to be printed).
        Pending => "pending",
        /// A sender has it now; after a crash it is sent again once its lease runs out.
        Sending => "sending",
        /// The provider accepted it; its delivery is not known yet.
        Sent => "sent",
        /// The provider delivered it (a letter: posted).
        Delivered => "delivered",
        /// It cannot be delivered: a wrong address or number, a refused letter.
        PermanentFailure => "permanent_failure",
        /// The provider gave up for now (an inbox full, a phone off for days).
        TemporaryFailure => "temporary_failure",
        /// The provider could not send it.
        TechnicalFailure => "technical_failure",
        /// The letter came back.
        Returned => "returned",
        /// Printed locally by staff.
        Printed => "printed",
    }
}

impl MessageStatus {
    /// Whether nothing more is expected of the provider about it.
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            MessageStatus::Pending | MessageStatus::Sending | MessageStatus::Sent
        )
    }

    /// Whether it failed to reach the person: the case goes into the failed-correspondence
    /// work queue.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            MessageStatus::PermanentFailure
                | MessageStatus::TemporaryFailure
                | MessageStatus::TechnicalFailure
                | MessageStatus::Returned
        )
    }

    /// Whether a status reported by the provider moves a message standing at `self`: a
    /// report repeated, or one behind where the message already is, changes nothing. Only a
    /// returned letter comes after a final status (a letter posted, then returned).
    pub fn moves_to(self, reported: MessageStatus) -> bool {
        if reported == self {
            return false;
        }
        if reported == MessageStatus::Returned {
            return self != MessageStatus::Returned;
        }
        !self.is_final() && reported.is_final()
    }
}

/// What is known of the person a message is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub preferred: Option<ContactMethod>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub large_print: bool,
    pub audio: bool,
}

impl Contact {
    fn email(&self) -> Option<&str> {
        self.email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
    }

    fn phone(&self) -> Option<&str> {
        self.phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
    }

    /// The postal address as a letter's address block ([`address_block`]), a line each; none
    /// without an address.
    fn postal(&self) -> Option<String> {
        known(self.address.as_deref())?;
        Some(
            address_block(
                &self.name,
                self.address.as_deref(),
                self.postcode.as_deref(),
            )
            .join("\n"),
        )
    }
}

/// What the council has configured: its default way of sending, and which providers can be
/// used at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Providers {
    /// `CORRESPONDENCE_DEFAULT`.
    pub default: Provider,
    /// Notify is configured (`NOTIFY_API_KEY` and its templates).
    pub notify: bool,
    /// SMTP is configured (`SMTP_URL` and `MAIL_FROM`).
    pub smtp: bool,
}

/// Which way a message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub channel: MessageChannel,
    pub provider: Provider,
    /// The email address, the phone number, or the address block.
    pub recipient: String,
}

/// Why no way was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unreachable;

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the customer has no email address, phone number or postal address")
    }
}

/// The way a message goes to `contact`, given what the council has configured and whether
/// the message has a PDF to post:
///
/// - audio asked for: printed locally, so that staff make the recording (no provider makes
///   one);
/// - large print, or letters preferred: a letter, posted by Notify from the PDF when Notify
///   is the default and a PDF exists, otherwise printed locally;
/// - email preferred and an address known: an email, through SMTP or Notify as the default
///   says (the other when the default is not configured);
/// - a phone preferred and a number known: a text message, which only Notify sends;
/// - otherwise the first of email, text message and letter that the details allow.
pub fn route(contact: &Contact, providers: Providers, has_pdf: bool) -> Result<Route, Unreachable> {
    let postal = contact.postal();
    let letter = |recipient: String| by_post(recipient, providers, has_pdf);
    let email = |address: &str| {
        let provider = match providers.default {
            Provider::Smtp if providers.smtp => Some(Provider::Smtp),
            Provider::Notify if providers.notify => Some(Provider::Notify),
            _ if providers.smtp => Some(Provider::Smtp),
            _ if providers.notify => Some(Provider::Notify),
            _ => None,
        };
        provider.map(|provider| Route {
            channel: MessageChannel::Email,
            provider,
            recipient: address.to_string(),
        })
    };
    let sms = |number: &str| {
        providers.notify.then(|| Route {
            channel: MessageChannel::Sms,
            provider: Provider::Notify,
            recipient: number.to_string(),
        })
    };
    if contact.audio {
        if let Some(postal) = &postal {
            return Ok(Route {
                channel: MessageChannel::Print,
                provider: Provider::Print,
                recipient: postal.clone(),
            });
        }
    }
    if contact.large_print || contact.preferred == Some(ContactMethod::Letter) {
        if let Some(postal) = postal.clone() {
            return Ok(letter(postal));
        }
    }
    let preferred = match contact.preferred {
        Some(ContactMethod::Email) => contact.email().and_then(email),
        Some(ContactMethod::Telephone) => contact.phone().and_then(sms),
        _ => None,
    };
    if let Some(route) = preferred {
        return Ok(route);
    }
    contact
        .email()
        .and_then(email)
        .or_else(|| contact.phone().and_then(sms))
        .or_else(|| postal.map(letter))
        .ok_or(Unreachable)
}

/// A letter to the address block `recipient`: posted by Notify from the PDF when Notify is
/// the default and a PDF exists, otherwise printed locally.
fn by_post(recipient: String, providers: Providers, has_pdf: bool) -> Route {
    if providers.default == Provider::Notify && providers.notify && has_pdf {
        Route {
            channel: MessageChannel::Letter,
            provider: Provider::Notify,
            recipient,
        }
    } else {
        Route {
            channel: MessageChannel::Print,
            provider: Provider::Print,
            recipient,
        }
    }
}

/// The longest text message GOV.UK Notify sends, in characters.
pub const SMS_LIMIT: usize = 918;

/// The most pages GOV.UK Notify posts as one precompiled letter.
pub const NOTIFY_MAX_PAGES: usize = 10;

/// Whether GOV.UK Notify would post a precompiled letter of `pages` pages to the address block
/// `recipient` (a line each): Notify wants at least three lines of address, the last a UK
/// postcode, and at most [`NOTIFY_MAX_PAGES`] pages. One it would refuse is printed locally.
pub fn notify_postable(recipient: &str, pages: usize) -> bool {
    let lines: Vec<&str> = recipient
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.len() >= 3
        && (1..=NOTIFY_MAX_PAGES).contains(&pages)
        && lines.last().is_some_and(|last| looks_like_postcode(last))
}

/// A UK postcode's shape: an outward code of two to four letters and digits starting with a
/// letter, a space, and an inward code of a digit and two letters (`DY1 1AA`, `SW1A 2AA`).
fn looks_like_postcode(text: &str) -> bool {
    let Some((outward, inward)) = text.trim().split_once(' ') else {
        return false;
    };
    let inward = inward.trim().as_bytes();
    (2..=4).contains(&outward.len())
        && outward.starts_with(|c: char| c.is_ascii_alphabetic())
        && outward.chars().all(|c| c.is_ascii_alphanumeric())
        && inward.len() == 3
        && inward[0].is_ascii_digit()
        && inward[1].is_ascii_alphabetic()
        && inward[2].is_ascii_alphabetic()
}

/// One message that carries a letter, or tells the customer of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The letter itself.
    Letter(Route),
    /// A text message saying a letter too long for one was written, and how it comes.
    Notice { route: Route, posted: bool },
}

/// The messages that carry a letter of `chars` characters (its text form) to `contact`:
/// - the way [`route`] says, the letter whole;
/// - a text message cannot hold a letter longer than [`SMS_LIMIT`]: the text says one was
///   written and the letter goes by post as well, or, with no postal address, is printed for
///   staff to see to;
/// - nobody can be reached: the letter is printed, for staff to see to, its address block the
///   customer's name and a line saying no way of reaching them is known. A letter is never
///   dropped.
pub fn deliveries(
    contact: &Contact,
    providers: Providers,
    has_pdf: bool,
    chars: usize,
) -> Vec<Delivery> {
    let unaddressed = || Route {
        channel: MessageChannel::Print,
        provider: Provider::Print,
        recipient: format!(
            "{}\n(no email address, telephone number or postal address known)",
            contact.name.trim()
        ),
    };
    match route(contact, providers, has_pdf) {
        Ok(sms) if sms.channel == MessageChannel::Sms && chars > SMS_LIMIT => {
            let post = contact
                .postal()
                .map(|postal| by_post(postal, providers, has_pdf));
            let posted = post.is_some();
            vec![
                Delivery::Notice { route: sms, posted },
                Delivery::Letter(post.unwrap_or_else(unaddressed)),
            ]
        }
        Ok(route) => vec![Delivery::Letter(route)],
        Err(Unreachable) => vec![Delivery::Letter(unaddressed())],
    }
}

/// The address block of a letter to `name` at `address` (as the customer gave it: each line,
/// or each part between commas, a line) and `postcode`; empty when neither is known. The mail room
/// posts to it and the PDF is addressed with it.
pub fn address_block(name: &str, address: Option<&str>, postcode: Option<&str>) -> Vec<String> {
    let (address, postcode) = (known(address), known(postcode));
    if address.is_none() && postcode.is_none() {
        return Vec::new();
    }
    let mut lines: Vec<String> = std::iter::once(name.trim())
        .chain(address.into_iter().flat_map(|a| a.split([',', '\n'])))
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(postcode) = postcode {
        let same = |line: &String| {
            let squash = |s: &str| s.replace(' ', "").to_ascii_uppercase();
            squash(line) == squash(postcode)
        };
        if !lines.last().is_some_and(same) {
            lines.push(postcode.to_string());
        }
    }
    lines
}

/// `value` trimmed, unless it is blank.
fn known(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// What a status GOV.UK Notify reports (on a callback, or asked) means here; `None` for one
/// this code does not know, which is kept as said but moves nothing. A letter Notify has
/// `received` has been printed and posted: for a letter that is delivery as far as anyone
/// can know.
pub fn notify_status(status: &str) -> Option<MessageStatus> {
    Some(match status {
        "created" | "sending" | "pending" | "accepted" | "pending-virus-check" => {
            MessageStatus::Sent
        }
        // `sent`: a text message to an international number, which reports no further.
        "delivered" | "sent" | "received" => MessageStatus::Delivered,
        "permanent-failure" | "validation-failed" | "virus-scan-failed" | "cancelled" => {
            MessageStatus::PermanentFailure
        }
        "temporary-failure" => MessageStatus::TemporaryFailure,
        "technical-failure" => MessageStatus::TechnicalFailure,
        "returned-letter" => MessageStatus::Returned,
        _ => return None,
    })
}

/// How long Notify keeps a message's status to be asked for: 7 days from when it was sent.
pub const NOTIFY_WINDOW: chrono::Duration = chrono::Duration::days(7);
/// The first time Notify is asked about a message it has not called back about.
pub const FIRST_POLL: chrono::Duration = chrono::Duration::hours(1);
/// Then it is asked this often.
pub const POLL_EVERY: chrono::Duration = chrono::Duration::hours(6);
/// The last question is asked this long before the window closes.
pub const LAST_POLL_BEFORE_CLOSE: chrono::Duration = chrono::Duration::hours(1);

/// When to ask Notify next about a message it accepted at `sent_at` and has not reported
/// final on, the last question having been at `now`; `None` once its window has closed.
pub fn next_poll(sent_at: NaiveDateTime, now: NaiveDateTime) -> Option<NaiveDateTime> {
    let last = sent_at + NOTIFY_WINDOW - LAST_POLL_BEFORE_CLOSE;
    let first = sent_at + FIRST_POLL;
    let next = if now < first { first } else { now + POLL_EVERY }.min(last);
    (next > now).then_some(next)
}

/// What came of an attempt to hand a message to its provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    /// Accepted; the provider's id for it, if it gives one.
    Accepted { provider_id: Option<String> },
    /// Refused for good: a bad address or number, content the provider will not take.
    Refused(String),
    /// Not sent this time: no answer, a busy or broken provider, an unreadable answer.
    Failed(String),
}

/// The waits before each attempt to hand a message over: at once, 30 s, 5 min, 30 min, 2 h,
/// 6 h; then it is a technical failure.
pub const SEND_SCHEDULE: [Duration; 6] = [
    Duration::from_secs(0),
    Duration::from_secs(30),
    Duration::from_secs(300),
    Duration::from_secs(1800),
    Duration::from_secs(7200),
    Duration::from_secs(21_600),
];

/// The wait before attempt number `attempts + 1` after `attempts` have failed; `None` when
/// they are used up.
pub fn retry_after(attempts: usize) -> Option<Duration> {
    SEND_SCHEDULE.get(attempts).copied()
}

/// Whether an HTTP status from Notify means the message will never be taken as it is: its
/// 400s (a bad number, address or PDF). Its 403s (the key), 429s (rate limits) and 5xx are
/// tried again.
pub fn notify_refuses(status: u16) -> bool {
    status == 400
}

/// A GOV.UK Notify API key: `{key name}-{service id}-{secret}`, the last two UUIDs. The
/// service id is each token's `iss`; the secret signs it.
#[derive(Clone, PartialEq, Eq)]
pub struct NotifyKey {
    pub service_id: String,
    pub secret: String,
}

impl std::fmt::Debug for NotifyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NotifyKey({}, ***)", self.service_id)
    }
}

impl NotifyKey {
    /// Reads a key as Notify gives it out.
    pub fn parse(text: &str) -> Result<NotifyKey, String> {
        let text = text.trim();
        // name, '-', 36, '-', 36
        let bad = || {
            "is not a Notify API key: expected {key name}-{service id}-{secret}, the last two \
             being UUIDs"
                .to_string()
        };
        if text.len() < 75 || !text.is_char_boundary(text.len() - 74) {
            return Err(bad());
        }
        let (name, ids) = text.split_at(text.len() - 74);
        let (Some(service_id), Some(secret)) = (ids.get(1..37), ids.get(38..)) else {
            return Err(bad());
        };
        if name.is_empty() || !ids.starts_with('-') || ids.get(37..38) != Some("-") {
            return Err(bad());
        }
        if !is_uuid(service_id) || !is_uuid(secret) {
            return Err(bad());
        }
        Ok(NotifyKey {
            service_id: service_id.to_string(),
            secret: secret.to_string(),
        })
    }
}

/// Whether `text` is a UUID written 8-4-4-4-12 in hexadecimal.
pub fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("instant")
    }

    fn person() -> Contact {
        Contact {
            name: "Alex Example".into(),
            email: Some("alex@example.org".into()),
            phone: Some("07700 900123".into()),
            address: Some("14 Example Road, Dudley".into()),
            postcode: Some("DY1 1AA".into()),
            ..Contact::default()
        }
    }

    const NOTIFY: Providers = Providers {
        default: Provider::Notify,
        notify: true,
        smtp: true,
    };
    const SMTP: Providers = Providers {
        default: Provider::Smtp,
        notify: true,
        smtp: true,
    };
    const PRINT_ONLY: Providers = Providers {
        default: Provider::Print,
        notify: false,
        smtp: false,
    };

    #[test]
    fn a_letter_too_long_for_a_text_message_is_posted_and_the_text_says_so() {
        let contact = Contact {
            preferred: Some(ContactMethod::Telephone),
            ..person()
        };
        let sms = Route {
            channel: MessageChannel::Sms,
            provider: Provider::Notify,
            recipient: "07700 900123".into(),
        };
        assert_eq!(
            deliveries(&contact, NOTIFY, true, 918),
            vec![Delivery::Letter(sms.clone())],
            "918 characters fit"
        );
        assert_eq!(
            deliveries(&contact, NOTIFY, true, 919),
            vec![
                Delivery::Notice {
                    route: sms.clone(),
                    posted: true
                },
                Delivery::Letter(Route {
                    channel: MessageChannel::Letter,
                    provider: Provider::Notify,
                    recipient: "Alex Example\n14 Example Road\nDudley\nDY1 1AA".into(),
                }),
            ]
        );
        let no_address = Contact {
            address: None,
            ..contact
        };
        assert_eq!(
            deliveries(&no_address, NOTIFY, true, 2000),
            vec![
                Delivery::Notice {
                    route: sms,
                    posted: false
                },
                Delivery::Letter(Route {
                    channel: MessageChannel::Print,
                    provider: Provider::Print,
                    recipient: "Alex Example\n(no email address, telephone number or postal \
                                address known)"
                        .into(),
                }),
            ]
        );
    }

    #[test]
    fn the_address_block_is_the_name_the_address_lines_and_the_postcode() {
        assert_eq!(
            address_block(
                "Alex Example ",
                Some("14 Example Road,\nExampleton, "),
                Some("EX1 2AB")
            ),
            ["Alex Example", "14 Example Road", "Exampleton", "EX1 2AB"]
        );
        // A postcode already ending the address is not repeated.
        assert_eq!(
            address_block(
                "Alex Example",
                Some("14 Example Road, ex1 2ab"),
                Some("EX12AB")
            ),
            ["Alex Example", "14 Example Road", "ex1 2ab"]
        );
        assert_eq!(
            address_block("Alex Example", None, Some("EX1 2AB")),
            ["Alex Example", "EX1 2AB"]
        );
        assert!(address_block("Alex Example", Some(" "), None).is_empty());
    }

    #[test]
    fn notify_posts_three_lines_ending_in_a_postcode_up_to_ten_pages() {
        let block = "Alex Example\n14 Example Road\nDY1 1AA";
        assert!(notify_postable(block, 1));
        assert!(notify_postable(block, 10));
        assert!(!notify_postable(block, 11), "eleven pages");
        assert!(!notify_postable(block, 0));
        assert!(!notify_postable("Alex Example\nDY1 1AA", 1), "two lines");
        assert!(!notify_postable("Alex Example\n14 Example Road\nDudley", 1));
        assert!(notify_postable("A\nB\nsw1a 2aa", 2));
        assert!(!notify_postable("A\nB\nDY1 AAA", 2));
        assert!(!notify_postable("A\nB\n1Y1 1AA", 2));
    }

    #[test]
    fn a_letter_to_someone_who_cannot_be_reached_is_printed_for_staff() {
        let nobody = Contact {
            name: " Sam Smith ".into(),
            ..Contact::default()
        };
        assert_eq!(
            deliveries(&nobody, SMTP, true, 10),
            vec![Delivery::Letter(Route {
                channel: MessageChannel::Print,
                provider: Provider::Print,
                recipient: "Sam Smith\n(no email address, telephone number or postal address \
                            known)"
                    .into(),
            })]
        );
    }

    #[test]
    fn email_preferred_with_an_address_goes_by_the_default_email_provider() {
        let contact = Contact {
            preferred: Some(ContactMethod::Email),
            ..person()
        };
        let by_notify = route(&contact, NOTIFY, true).unwrap();
        assert_eq!(
            by_notify,
            Route {
                channel: MessageChannel::Email,
                provider: Provider::Notify,
                recipient: "alex@example.org".into()
            }
        );
        assert_eq!(
            route(&contact, SMTP, true).unwrap().provider,
            Provider::Smtp
        );
        // The default not configured: the other one.
        let smtp_only = Providers {
            default: Provider::Notify,
            notify: false,
            smtp: true,
        };
        assert_eq!(
            route(&contact, smtp_only, true).unwrap().provider,
            Provider::Smtp
        );
    }

    #[test]
    fn a_phone_only_customer_gets_a_text_message_through_notify() {
        let contact = Contact {
            preferred: Some(ContactMethod::Telephone),
            email: None,
            address: None,
            ..person()
        };
        assert_eq!(
            route(&contact, SMTP, false).unwrap(),
            Route {
                channel: MessageChannel::Sms,
                provider: Provider::Notify,
                recipient: "07700 900123".into()
            }
        );
        // Without Notify nothing sends a text, and nothing else is known.
        assert_eq!(route(&contact, PRINT_ONLY, false), Err(Unreachable));
    }

    #[test]
    fn post_or_large_print_is_a_notify_letter_with_a_pdf_or_printed_locally() {
        for contact in [
            Contact {
                preferred: Some(ContactMethod::Letter),
                ..person()
            },
            Contact {
                preferred: Some(ContactMethod::Email),
                large_print: true,
                ..person()
            },
        ] {
            let posted = route(&contact, NOTIFY, true).unwrap();
            assert_eq!(posted.channel, MessageChannel::Letter);
            assert_eq!(posted.provider, Provider::Notify);
            assert_eq!(
                posted.recipient,
                "Alex Example\n14 Example Road\nDudley\nDY1 1AA"
            );
            // No PDF: printed locally.
            let no_pdf = route(&contact, NOTIFY, false).unwrap();
            assert_eq!(
                (no_pdf.channel, no_pdf.provider),
                (MessageChannel::Print, Provider::Print)
            );
            // The default is smtp or print: printed locally.
            let local = route(&contact, SMTP, true).unwrap();
            assert_eq!(
                (local.channel, local.provider),
                (MessageChannel::Print, Provider::Print)
            );
        }
    }

    #[test]
    fn audio_is_printed_locally_for_staff_to_record() {
        let contact = Contact {
            preferred: Some(ContactMethod::Email),
            audio: true,
            ..person()
        };
        let routed = route(&contact, NOTIFY, true).unwrap();
        assert_eq!(
            (routed.channel, routed.provider),
            (MessageChannel::Print, Provider::Print)
        );
    }

    #[test]
    fn without_a_preference_email_then_text_then_letter() {
        let contact = person();
        assert_eq!(
            route(&contact, NOTIFY, true).unwrap().channel,
            MessageChannel::Email
        );
        let no_email = Contact {
            email: None,
            ..person()
        };
        assert_eq!(
            route(&no_email, NOTIFY, true).unwrap().channel,
            MessageChannel::Sms
        );
        let post_only = Contact {
            email: Some("  ".into()),
            phone: None,
            ..person()
        };
        assert_eq!(
            route(&post_only, NOTIFY, true).unwrap().channel,
            MessageChannel::Letter
        );
        // A preference that cannot be met falls back: email preferred, no address.
        let email_missing = Contact {
            preferred: Some(ContactMethod::Email),
            email: None,
            ..person()
        };
        assert_eq!(
            route(&email_missing, NOTIFY, true).unwrap().channel,
            MessageChannel::Sms
        );
        // Print only configured: an email address is no use; the letter is printed.
        assert_eq!(
            route(&person(), PRINT_ONLY, true).unwrap().channel,
            MessageChannel::Print
        );
        let nobody = Contact {
            name: "Nobody".into(),
            ..Contact::default()
        };
        assert_eq!(route(&nobody, NOTIFY, true), Err(Unreachable));
    }

    #[test]
    fn notify_statuses_map_to_ours() {
        assert_eq!(notify_status("created"), Some(MessageStatus::Sent));
        assert_eq!(notify_status("sending"), Some(MessageStatus::Sent));
        assert_eq!(notify_status("delivered"), Some(MessageStatus::Delivered));
        assert_eq!(notify_status("received"), Some(MessageStatus::Delivered));
        assert_eq!(
            notify_status("permanent-failure"),
            Some(MessageStatus::PermanentFailure)
        );
        assert_eq!(
            notify_status("temporary-failure"),
            Some(MessageStatus::TemporaryFailure)
        );
        assert_eq!(
            notify_status("technical-failure"),
            Some(MessageStatus::TechnicalFailure)
        );
        assert_eq!(
            notify_status("validation-failed"),
            Some(MessageStatus::PermanentFailure)
        );
        assert_eq!(notify_status("Delivered"), None);
    }

    #[test]
    fn a_repeated_or_stale_report_moves_nothing() {
        use MessageStatus::*;
        assert!(Sent.moves_to(Delivered));
        assert!(Sent.moves_to(PermanentFailure));
        assert!(!Delivered.moves_to(Delivered));
        assert!(!PermanentFailure.moves_to(PermanentFailure));
        assert!(!Delivered.moves_to(Sent));
        assert!(!Delivered.moves_to(PermanentFailure));
        assert!(!Sent.moves_to(Sent));
        assert!(Delivered.moves_to(Returned));
        assert!(!Returned.moves_to(Returned));
    }

    #[test]
    fn notify_is_asked_after_an_hour_then_every_six_until_its_window_closes() {
        let sent = at("2026-12-01 10:00:00");
        assert_eq!(next_poll(sent, sent), Some(at("2026-12-01 11:00:00")));
        assert_eq!(
            next_poll(sent, at("2026-12-01 11:00:00")),
            Some(at("2026-12-01 17:00:00"))
        );
        assert_eq!(
            next_poll(sent, at("2026-12-01 10:00:00") - chrono::Duration::hours(6)),
            Some(at("2026-12-01 11:00:00"))
        );
        assert_eq!(
            next_poll(sent, at("2026-12-08 04:00:00")),
            Some(at("2026-12-08 09:00:00"))
        );
        assert_eq!(next_poll(sent, at("2026-12-08 09:00:00")), None);
    }

    #[test]
    fn sends_are_tried_six_times() {
        assert_eq!(retry_after(0), Some(Duration::ZERO));
        assert_eq!(retry_after(1), Some(Duration::from_secs(30)));
        assert_eq!(retry_after(5), Some(Duration::from_secs(21_600)));
        assert_eq!(retry_after(6), None);
        assert!(notify_refuses(400));
        assert!(!notify_refuses(403) && !notify_refuses(429) && !notify_refuses(500));
    }

    #[test]
    fn a_notify_key_gives_its_service_id_and_secret() {
        let key = NotifyKey::parse(
            "my_test_key-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0",
        )
        .unwrap();
        assert_eq!(key.service_id, "26785a09-ab16-4eb0-8407-a37497a57506");
        assert_eq!(key.secret, "3d844edf-8d35-48ac-975b-e847b4f122b0");
        assert!(!format!("{key:?}").contains("3d844edf"));
        for bad in [
            "",
            "26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0",
            "key-26785a09-ab16-4eb0-8407-a37497a57506_3d844edf-8d35-48ac-975b-e847b4f122b0",
            "key-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122bz",
            "ké-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b",
        ] {
            assert!(NotifyKey::parse(bad).is_err(), "{bad}");
        }
    }
}

//! Webhooks' rules (issue 12 §3-4), with no HTTP and no SQL: the Standard Webhooks signature,
//! the retry schedule, what an answer means, and which addresses a delivery may go to.

use std::net::IpAddr;
use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::case::vocabulary;

vocabulary! {
    /// Where a delivery stands.
    DeliveryStatus {
        /// Not yet received: the next attempt is at `next_attempt_at` (or the endpoint is
        /// disabled).
        Pending => "pending",
        /// The receiver answered 2xx.
        Succeeded => "succeeded",
        /// Every attempt failed, or the receiver answered 410 Gone.
        Failed => "failed",
    }
}

/// The prefix of a signing secret, as the Standard Webhooks specification writes it.
pub const SECRET_PREFIX: &str = "whsec_";

/// How long a rotated-out secret still signs, so a receiver can switch over.
pub const ROTATION_OVERLAP: chrono::Duration = chrono::Duration::hours(24);

/// How long an endpoint may fail without a success before it is disabled.
pub const FAILING_LIMIT: chrono::Duration = chrono::Duration::days(3);

/// A signing secret for these random bytes: `whsec_` and their base64.
pub fn secret_from(bytes: &[u8; 32]) -> String {
    format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// The `v1,<base64>` signature of `id.timestamp.body` keyed with the base64-decoded part of a
/// `whsec_` secret; `None` when the secret is not one of ours.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX)?)
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The `webhook-signature` header: one signature per secret, space-separated, as the
/// specification allows while a secret is being rotated.
pub fn signature_header(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let signatures: Option<Vec<String>> = secrets
        .iter()
        .map(|secret| sign(secret, id, timestamp, body))
        .collect();
    signatures.map(|s| s.join(" "))
}

/// When the attempts of a delivery are made: the first delay is before the first attempt
/// (0: at once), each next one after the previous attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(Vec<Duration>);

impl RetrySchedule {
    /// The specification's schedule: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
    pub fn standard() -> RetrySchedule {
        RetrySchedule(
            [0, 5, 300, 1800, 7200, 18_000, 36_000, 36_000]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
        )
    }

    /// Comma-separated durations (`0,5s,5m,30m,2h`), at least one, each under a week.
    pub fn parse(text: &str) -> Result<RetrySchedule, String> {
        let delays = text
            .split(',')
            .map(|part| {
                parse_duration(part.trim())
                    .filter(|d| *d <= Duration::from_secs(7 * 86_400))
                    .ok_or_else(|| {
                        format!(
                            "`{}` is not a duration such as 0, 500ms, 5s, 5m or 2h (at most 7 days)",
                            part.trim()
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RetrySchedule(delays))
    }

    /// How many attempts a delivery gets.
    pub fn attempts(&self) -> usize {
        self.0.len()
    }

    /// The wait before attempt `attempt` (0 is the first), lengthened by up to a fifth by
    /// `jitter` (0 to 1) so that receivers that failed together are not retried together;
    /// `None` when the attempts are used up.
    pub fn delay_before(&self, attempt: usize, jitter: f64) -> Option<Duration> {
        let base = *self.0.get(attempt)?;
        Some(base.mul_f64(1.0 + 0.2 * jitter.clamp(0.0, 1.0)))
    }
}

/// `500ms`, `5s`, `5m`, `2h`, `1d`, or a plain number of seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    match unit {
        "ms" => Some(Duration::from_millis(n)),
        "" | "s" => Some(Duration::from_secs(n)),
        "m" => n.checked_mul(60).map(Duration::from_secs),
        "h" => n.checked_mul(3600).map(Duration::from_secs),
        "d" => n.checked_mul(86_400).map(Duration::from_secs),
        _ => None,
    }
}

/// What a receiver's answer (or its absence) means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx: received.
    Delivered,
    /// 410 Gone: the receiver is gone for good; the endpoint is disabled at once.
    Gone,
    /// Anything else (3xx: redirects are not followed; 4xx, 5xx, no answer): try again.
    Retry,
}

impl Verdict {
    /// The verdict on an HTTP status, or on no answer at all (`None`).
    pub fn of(status: Option<u16>) -> Verdict {
        match status {
            Some(200..=299) => Verdict::Delivered,
            Some(410) => Verdict::Gone,
            _ => Verdict::Retry,
        }
    }
}

/// Whether an endpoint failing since `since` has failed for too long by `now`.
pub fn failing_too_long(since: chrono::NaiveDateTime, now: chrono::NaiveDateTime) -> bool {
    now - since >= FAILING_LIMIT
}

/// An address block: `10.0.0.0/8`, `::1/128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    network: IpAddr,
    prefix: u8,
}

impl Block {
    fn parse(text: &str) -> Option<Block> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address.parse::<IpAddr>().ok()?, prefix.parse().ok()?),
            None => {
                let address = text.parse::<IpAddr>().ok()?;
                (address, if address.is_ipv4() { 32 } else { 128 })
            }
        };
        let max = if address.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Block {
            network: address,
            prefix,
        })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The addresses a deployment lets webhooks reach although they are not public
/// (`WEBHOOK_ALLOWED_TARGETS`: host names, addresses or CIDR blocks). Plain http is allowed
/// only for these.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedTargets {
    hosts: Vec<String>,
    blocks: Vec<Block>,
}

impl AllowedTargets {
    /// A comma-separated list; empty allows nothing beyond public https addresses.
    pub fn parse(text: &str) -> Result<AllowedTargets, String> {
        let mut allowed = AllowedTargets::default();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if let Some(block) = Block::parse(entry) {
                allowed.blocks.push(block);
            } else if entry.contains('/')
                || !entry
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            {
                return Err(format!(
                    "`{entry}` is not a host name, an address or a CIDR block such as 10.0.0.0/8"
                ));
            } else {
                allowed.hosts.push(entry.to_ascii_lowercase());
            }
        }
        Ok(allowed)
    }

    /// Whether `host`, resolving to `addresses`, is one the deployment allows: named, or
    /// every address inside an allowed block.
    fn allows(&self, host: &str, addresses: &[IpAddr]) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
            || (!addresses.is_empty()
                && addresses
                    .iter()
                    .all(|ip| self.blocks.iter().any(|b| b.contains(*ip))))
    }
}

/// Whether an address is on the public internet: not loopback, private, link-local, shared
/// (carrier-grade NAT), unspecified, multicast, broadcast, documentation or unique-local.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0)
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// Whether a webhook may go to `host` (resolving to `addresses`) over `scheme`: https to
/// public addresses only, unless the deployment allows the target, when plain http is
/// allowed too. The refusal says why, for the `url` field.
pub fn check_target(
    allowed: &AllowedTargets,
    scheme: &str,
    host: &str,
    addresses: &[IpAddr],
) -> Result<(), String> {
    if allowed.allows(host, addresses) {
        return match scheme {
            "https" | "http" => Ok(()),
            _ => Err("must be an https URL".into()),
        };
    }
    if scheme != "https" {
        return Err(
            "must be an https URL (plain http only for addresses WEBHOOK_ALLOWED_TARGETS lists)"
                .into(),
        );
    }
    if addresses.is_empty() {
        return Err(format!("the host `{host}` does not resolve"));
    }
    if let Some(ip) = addresses.iter().find(|ip| !is_public(**ip)) {
        return Err(format!(
            "`{host}` resolves to {ip}, a loopback, private or link-local address: webhooks go \
             only to public addresses unless WEBHOOK_ALLOWED_TARGETS lists it"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_signature_is_the_specifications_example() {
        // The Standard Webhooks specification's worked example.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(sign("not-a-secret", "id", 1, body), None);
    }

    #[test]
    fn the_standard_schedule_has_eight_attempts_and_jitter_only_lengthens() {
        let schedule = RetrySchedule::standard();
        assert_eq!(schedule.attempts(), 8);
        assert_eq!(schedule.delay_before(0, 1.0), Some(Duration::ZERO));
        assert_eq!(schedule.delay_before(1, 0.0), Some(Duration::from_secs(5)));
        assert_eq!(schedule.delay_before(1, 1.0), Some(Duration::from_secs(6)));
        assert_eq!(schedule.delay_before(8, 0.0), None);
        assert_eq!(
            RetrySchedule::parse("0, 5s,5m,30m,2h,5h,10h,10h"),
            Ok(schedule)
        );
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert!(RetrySchedule::parse("5s,soon").is_err());
        assert!(RetrySchedule::parse("8d").is_err());
    }

    #[test]
    fn only_2xx_delivers_and_410_is_gone() {
        assert_eq!(Verdict::of(Some(204)), Verdict::Delivered);
        assert_eq!(Verdict::of(Some(410)), Verdict::Gone);
        assert_eq!(Verdict::of(Some(301)), Verdict::Retry);
        assert_eq!(Verdict::of(Some(500)), Verdict::Retry);
        assert_eq!(Verdict::of(None), Verdict::Retry);
    }

    #[test]
    fn private_targets_and_plain_http_are_refused_unless_allowed() {
        let none = AllowedTargets::default();
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(
                check_target(&none, "https", "h", &[ip(private)]).is_err(),
                "{private}"
            );
        }
        assert_eq!(
            check_target(&none, "https", "crm.example", &[ip("93.184.215.14")]),
            Ok(())
        );
        assert!(check_target(&none, "http", "crm.example", &[ip("93.184.215.14")]).is_err());
        // One private address among public ones is enough to refuse.
        assert!(check_target(&none, "https", "h", &[ip("93.184.215.14"), ip("10.0.0.1")]).is_err());

        let allowed = AllowedTargets::parse("127.0.0.1, crm.internal, 10.20.0.0/16").unwrap();
        assert_eq!(
            check_target(&allowed, "http", "127.0.0.1", &[ip("127.0.0.1")]),
            Ok(())
        );
        assert_eq!(
            check_target(&allowed, "http", "crm.internal", &[ip("10.9.9.9")]),
            Ok(())
        );
        assert_eq!(
            check_target(&allowed, "https", "x", &[ip("10.20.3.4")]),
            Ok(())
        );
        assert!(check_target(&allowed, "https", "x", &[ip("10.21.3.4")]).is_err());
        assert!(check_target(&allowed, "ftp", "127.0.0.1", &[ip("127.0.0.1")]).is_err());
        assert!(AllowedTargets::parse("10.0.0.0/33").is_err());
        assert!(AllowedTargets::parse("http://x").is_err());
    }

    #[test]
    fn three_days_of_failure_is_too_long() {
        let since = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        assert!(!failing_too_long(
            since,
            since + chrono::Duration::hours(71)
        ));
        assert!(failing_too_long(since, since + chrono::Duration::hours(72)));
    }
}

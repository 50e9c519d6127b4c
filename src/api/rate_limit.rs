//! The rate limits on public callers (issue 16 §4): a customer or the website's form client
//! may make `RATE_LIMIT_PER_CLIENT` requests per `RATE_LIMIT_WINDOW` to public intake and
//! link exchange, and one address `RATE_LIMIT_PER_IP`, whichever tokens it uses. Staff (the
//! CRM) and partners are never limited here.
//!
//! governor's GCRA keeps one timestamp per key: the allowance refills steadily over the
//! window, so a client that spent it all may try again after window / limit, which
//! `Retry-After` says in whole seconds.
//!
//! A handler applies the limits in one line, before it changes anything:
//! `rate_limit::admit(&req, &caller)?` when it has a caller, or
//! `rate_limit::admit_address(&req)?` when it has none yet (link exchange).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::{web, HttpRequest};
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::auth::Caller;
use crate::config::RateLimitSettings;
use crate::domain::case::Role;
use crate::error::ApiError;

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>;

/// How often (in checks) the keys whose allowance is full again are forgotten, so that the
/// maps hold only the clients and addresses seen within the window.
const FORGET_EVERY: u64 = 4096;

/// The limiters, shared by every worker. Off (`RATE_LIMITS=off`): none, and every check passes.
pub struct Limits {
    limiters: Option<Limiters>,
}

struct Limiters {
    per_client: Keyed<String>,
    per_ip: Keyed<IpAddr>,
    trusted_proxies: Vec<IpAddr>,
    clock: DefaultClock,
    checks: AtomicU64,
}

fn quota(limit: u32, window: std::time::Duration) -> Quota {
    let burst = NonZeroU32::new(limit).unwrap_or(NonZeroU32::MIN);
    // The window is at least a second and the limit at most a million (config.rs): the
    // period is at least a microsecond, never zero.
    Quota::with_period(window / burst.get())
        .unwrap_or_else(|| Quota::per_second(burst))
        .allow_burst(burst)
}

impl Limits {
    pub fn new(settings: &RateLimitSettings) -> Limits {
        let limiters = settings.enabled.then(|| Limiters {
            per_client: RateLimiter::keyed(quota(settings.per_client, settings.window)),
            per_ip: RateLimiter::keyed(quota(settings.per_ip, settings.window)),
            trusted_proxies: settings.trusted_proxies.clone(),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        });
        Limits { limiters }
    }
}

impl Limiters {
    fn tidy(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            self.per_client.retain_recent();
            self.per_ip.retain_recent();
        }
    }

    fn refused(&self, not_until: governor::NotUntil<<DefaultClock as Clock>::Instant>) -> ApiError {
        let wait = not_until.wait_time_from(self.clock.now());
        // Whole seconds, rounded up, and never 0: a client told 0 would try again at once.
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError::RateLimited {
            retry_after: seconds.max(1),
        }
    }

    fn check_ip(&self, req: &HttpRequest) -> Result<(), ApiError> {
        match client_address(req, &self.trusted_proxies) {
            Some(ip) => self.per_ip.check_key(&ip).map_err(|n| self.refused(n)),
            None => Ok(()),
        }
    }
}

/// Whether the limits apply to this caller: public callers do (customers, the website's
/// form client); staff and partners never.
pub fn is_public(caller: &Caller) -> bool {
    !caller.is_staff() && !caller.has(Role::Partner)
}

fn limiters(req: &HttpRequest) -> Option<&Limiters> {
    req.app_data::<web::Data<Limits>>()
        .and_then(|limits| limits.get_ref().limiters.as_ref())
}

/// Counts this request against the caller's allowance and its address's, when the caller is
/// public; a 429 (`/problems/rate-limited`, with `Retry-After`) when either is spent.
pub fn admit(req: &HttpRequest, caller: &Caller) -> Result<(), ApiError> {
    let Some(limiters) = limiters(req) else {
        return Ok(());
    };
    if !is_public(caller) {
        return Ok(());
    }
    limiters.tidy();
    limiters
        .per_client
        .check_key(&caller.subject)
        .map_err(|n| limiters.refused(n))?;
    limiters.check_ip(req)
}

/// Counts a request with no caller (link exchange) against its address's allowance.
pub fn admit_address(req: &HttpRequest) -> Result<(), ApiError> {
    let Some(limiters) = limiters(req) else {
        return Ok(());
    };
    limiters.tidy();
    limiters.check_ip(req)
}

/// The address the request came from: the peer's, or, when the peer is a trusted proxy, the
/// nearest address in `X-Forwarded-For` that is not one (proxies append, so the entries
/// further left are whatever the client chose to send).
pub fn client_address(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|item| item.trim().parse::<IpAddr>())
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !trusted_proxies.contains(ip))
            .unwrap_or(peer),
    )
}

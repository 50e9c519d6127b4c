//! Typed settings, read once at start-up from the environment (and an
//! optional `.env`), validated, then passed in explicitly. A bad value stops
//! start-up with one line naming the variable.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::domain::duplicate::DuplicatePolicy;
use crate::domain::mailroom::{is_uuid, NotifyKey, Provider};
use crate::domain::partner_view::{PartnerCaseFields, DEFAULT_PARTNER_CASE_FIELDS};
use crate::domain::policy::Policy;
use crate::domain::retention::{RetentionSchedule, DEFAULT_ANONYMISE_AFTER};
use crate::domain::survey::SurveyPolicy;
use crate::domain::webhook::{parse_duration, AllowedTargets, RetrySchedule};

/// A configuration error: the variable at fault and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl ConfigError {
    fn new(variable: &'static str, message: impl Into<String>) -> Self {
        Self {
            variable,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "configuration error: {}: {}",
            self.variable, self.message
        )
    }
}

impl std::error::Error for ConfigError {}

/// Where the service runs. Production refuses local mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

/// A value that must never reach a log.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The algorithms a deployment may accept. The token's header never chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtAlgorithm {
    Hs256,
    Rs256,
    Es256,
}

impl JwtAlgorithm {
    fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_uppercase().as_str() {
            "HS256" => Some(JwtAlgorithm::Hs256),
            "RS256" => Some(JwtAlgorithm::Rs256),
            "ES256" => Some(JwtAlgorithm::Es256),
            _ => None,
        }
    }
}

/// Where the keys that verify tokens come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtKeys {
    /// `JWT_SECRET`: HS256 with a shared secret.
    Secret(Secret),
    /// `JWT_PUBLIC_KEY_FILE`: one RS256 or ES256 public key, PEM.
    PublicKeyPem {
        algorithm: JwtAlgorithm,
        pem: Vec<u8>,
    },
    /// `JWT_JWKS_FILE`: the identity provider's key set, as JSON.
    Jwks {
        algorithm: JwtAlgorithm,
        json: String,
    },
    /// No key configured: a random secret kept in the data folder (development only).
    Local { secret: Secret, path: PathBuf },
}

/// How tokens are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtSettings {
    pub keys: JwtKeys,
    pub issuer: String,
    pub audience: String,
    /// Clock skew allowed on `exp` and `nbf`, in seconds.
    pub leeway_seconds: u64,
    /// `CASE_ACCESS_SECRET`: what the service signs tokens from case-access links with.
    pub case_access_secret: Option<Secret>,
}

/// Residents' case-access links (`CASE_ACCESS_LINK_DAYS`, `CASE_ACCESS_TOKEN_MINUTES`,
/// `CASE_ACCESS_URL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseAccessSettings {
    pub policy: crate::domain::case_access::CaseAccessPolicy,
    /// The link sent, with `{token}` where the token goes: the council website's page that
    /// exchanges it at `POST /api/v1/case-access`.
    pub url: String,
}

/// Every setting the service reads.
#[derive(Debug, Clone)]
pub struct Settings {
    pub app_env: AppEnv,
    pub database_url: String,
    pub database_pool_size: u32,
    /// How long a request waits for a database connection before it is answered 503.
    pub database_timeout: std::time::Duration,
    /// Statements taking at least this long are logged (`SLOW_STATEMENT_MS`); none: none are.
    pub slow_statement_ms: Option<u64>,
    pub data_dir: PathBuf,
    pub bind_address: SocketAddr,
    pub jwt: JwtSettings,
    pub max_body_bytes: usize,
    pub workers: Option<usize>,
    /// How many days events stay in the event feed.
    pub event_feed_retention_days: u32,
    /// Non-public addresses webhooks may go to (and over plain http).
    pub webhook_allowed_targets: AllowedTargets,
    /// When a webhook delivery's attempts are made.
    pub webhook_retry_schedule: RetrySchedule,
    /// How often the background jobs look for work when nothing wakes them.
    pub jobs_poll_interval: std::time::Duration,
    /// How many days successful webhook deliveries (and their attempts) are kept.
    pub webhook_delivery_retention_days: u32,
    /// Whether `serve` runs the background jobs itself (`SERVE_JOBS`).
    pub serve_jobs: bool,
    /// Where `GET /metrics` (Prometheus) is served, on a listener of its own; not at all when
    /// unset, so it is never public by default.
    pub metrics_bind_address: Option<SocketAddr>,
    /// The folder documents' bytes are kept in, one file per document named by its id
    /// (`DOCUMENTS_DIR`); unset, they are kept in the database.
    pub documents_dir: Option<PathBuf>,
    /// The council's complaints policy: timescales and calendar.
    pub policy: Policy,
    /// How long a satisfaction survey's link stays open (`SURVEY_VALID_DAYS`).
    pub survey: SurveyPolicy,
    /// Residents' case-access links: how long they and their tokens last, and where they
    /// point (issue 16 §2).
    pub case_access: CaseAccessSettings,
    /// How intake looks for repeat complaints (`DUPLICATE_WINDOW_DAYS`).
    pub duplicates: DuplicatePolicy,
    /// Where the letters' templates come from and what they are told.
    pub letters: LetterSettings,
    /// How messages reach customers: GOV.UK Notify, SMTP or printing (issue 13 §4).
    pub correspondence: CorrespondenceSettings,
    /// How long finished cases keep their personal data (`RETENTION_ANONYMISE_AFTER`,
    /// `RETENTION_DOCUMENTS_AFTER`).
    pub retention: RetentionSchedule,
    /// The access audit (issue 15 §5).
    pub access_audit: AccessAuditSettings,
    /// The case's fields a partner sees of the cases it posted (`PARTNER_CASE_FIELDS`,
    /// issue 15 §6).
    pub partner_case_fields: PartnerCaseFields,
    /// `PUBLIC_FORMS`: whether the reference public form is served at `/forms/` (issue 16 §5).
    pub public_forms: bool,
    /// Which web pages' scripts may call the API (issue 16 §3).
    pub cors: CorsSettings,
    /// The rate limits on public intake and link exchange (issue 16 §4).
    pub rate_limits: RateLimitSettings,
}

/// CORS: the origins whose scripts may call the API. None (the default): no CORS headers at
/// all, and browsers keep other sites' scripts out as they always have.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CorsSettings {
    /// `CORS_ALLOWED_ORIGINS`: each `scheme://host[:port]`; empty when none.
    pub allowed_origins: Vec<String>,
    /// `*` was given: any origin, never with credentials.
    pub any_origin: bool,
    /// `CORS_ALLOW_CREDENTIALS`: browsers may send cookies and HTTP authentication.
    pub allow_credentials: bool,
}

impl CorsSettings {
    pub fn enabled(&self) -> bool {
        self.any_origin || !self.allowed_origins.is_empty()
    }
}

/// The rate limits on public callers (customers, and the website's form client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitSettings {
    /// `RATE_LIMITS`: on (default) or off.
    pub enabled: bool,
    /// `RATE_LIMIT_PER_CLIENT`: requests per window for one token's `sub`.
    pub per_client: u32,
    /// `RATE_LIMIT_PER_IP`: requests per window from one address.
    pub per_ip: u32,
    /// `RATE_LIMIT_WINDOW`.
    pub window: std::time::Duration,
    /// `TRUSTED_PROXIES`: the peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// The access audit's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessAuditSettings {
    /// `ACCESS_AUDIT`: on (always, in service); off only to measure what it costs.
    pub enabled: bool,
    /// `ACCESS_LOG_FLUSH_INTERVAL`: how long journalled reads gather before they are written
    /// into the access log table together.
    pub gather: std::time::Duration,
}

/// The most lines `LETTER_SENDER` may have: the contact block holds them at a readable size.
const MAX_SENDER_LINES: usize = 8;

/// An Ombudsman's contact details, as letters give them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmbudsmanContact {
    pub name: String,
    pub phone: String,
    pub website: String,
}

/// The letters' settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterSettings {
    /// `TEMPLATES_DIR`: a folder whose files override the shipped templates by name.
    pub templates_dir: Option<PathBuf>,
    /// `PUBLIC_BASE_URL`: where links sent to residents point (no trailing slash).
    pub public_base_url: String,
    /// `COUNCIL_IN_WALES`: every letter needs a Welsh template (start-up fails without one);
    /// elsewhere a missing Welsh template falls back to English.
    pub council_in_wales: bool,
    /// The Local Government and Social Care Ombudsman.
    pub lgsco: OmbudsmanContact,
    /// The Housing Ombudsman.
    pub housing_ombudsman: OmbudsmanContact,
    /// `LETTER_SENDER`: the council's lines in a PDF letter's contact block (top right), e.g.
    /// the team, the council, its address; none by default.
    pub sender: Vec<String>,
}

impl LetterSettings {
    /// The shipped defaults: seed 003's telephone numbers and the Ombudsmen's websites.
    pub fn defaults() -> LetterSettings {
        LetterSettings {
            templates_dir: None,
            public_base_url: "http://127.0.0.1:8080".into(),
            council_in_wales: false,
            lgsco: OmbudsmanContact {
                name: "Local Government and Social Care Ombudsman".into(),
                phone: "0300 061 0614".into(),
                website: "https://www.lgo.org.uk".into(),
            },
            housing_ombudsman: OmbudsmanContact {
                name: "Housing Ombudsman".into(),
                phone: "0300 111 3000".into(),
                website: "https://www.housing-ombudsman.org.uk".into(),
            },
            sender: Vec::new(),
        }
    }

    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<LetterSettings, ConfigError> {
        let mut settings = LetterSettings::defaults();
        settings.templates_dir = get("TEMPLATES_DIR").map(PathBuf::from);
        if let Some(url) = get("PUBLIC_BASE_URL") {
            let parsed = url::Url::parse(&url)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if parsed.is_none() {
                return Err(ConfigError::new(
                    "PUBLIC_BASE_URL",
                    format!(
                        "`{url}` is not an http(s) address such as https://feedback.council.gov.uk"
                    ),
                ));
            }
            settings.public_base_url = url.trim_end_matches('/').to_string();
        }
        if let Some(sender) = get("LETTER_SENDER") {
            let lines: Vec<String> = sender
                .split(['|', ','])
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect();
            if lines.len() > MAX_SENDER_LINES || lines.iter().any(|l| l.chars().count() > 40) {
                return Err(ConfigError::new(
                    "LETTER_SENDER",
                    format!(
                        "at most {MAX_SENDER_LINES} lines (split at `|` or `,`) of at most 40 \
                         characters each, to fit the letter's contact block"
                    ),
                ));
            }
            settings.sender = lines;
        }
        settings.council_in_wales = match get("COUNCIL_IN_WALES").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(ConfigError::new(
                    "COUNCIL_IN_WALES",
                    format!("`{other}` is neither true nor false"),
                ))
            }
        };
        if settings.council_in_wales {
            // In Wales one Ombudsman hears complaints about councils, their housing included:
            // the LGSCO's and the Housing Ombudsman's remits are England's.
            let psow = OmbudsmanContact {
                name: "Public Services Ombudsman for Wales".into(),
                phone: "0300 790 0203".into(),
                website: "https://www.ombudsman.wales".into(),
            };
            settings.lgsco = psow.clone();
            settings.housing_ombudsman = psow;
        }
        for (variable, value) in [
            ("OMBUDSMAN_LGSCO_PHONE", &mut settings.lgsco.phone),
            ("OMBUDSMAN_LGSCO_WEBSITE", &mut settings.lgsco.website),
            (
                "OMBUDSMAN_HOUSING_PHONE",
                &mut settings.housing_ombudsman.phone,
            ),
            (
                "OMBUDSMAN_HOUSING_WEBSITE",
                &mut settings.housing_ombudsman.website,
            ),
        ] {
            if let Some(given) = get(variable) {
                *value = given;
            }
        }
        Ok(settings)
    }
}

/// The mail room's settings.
#[derive(Debug, Clone)]
pub struct CorrespondenceSettings {
    /// `CORRESPONDENCE_DEFAULT`: the council's usual way of sending.
    pub default: Provider,
    /// GOV.UK Notify, when `NOTIFY_API_KEY` is set.
    pub notify: Option<NotifySettings>,
    /// The council's mail server, when `SMTP_URL` is set.
    pub smtp: Option<SmtpSettings>,
    /// `NOTIFY_CALLBACK_TOKEN`: the bearer token Notify's callbacks carry; without it the
    /// callbacks are refused.
    pub notify_callback_token: Option<Secret>,
}

impl CorrespondenceSettings {
    /// What the routing rule needs to know of these settings.
    pub fn providers(&self) -> crate::domain::mailroom::Providers {
        crate::domain::mailroom::Providers {
            default: self.default,
            notify: self.notify.is_some(),
            smtp: self.smtp.is_some(),
        }
    }
}

/// GOV.UK Notify's API.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// `NOTIFY_BASE_URL`, without a trailing slash.
    pub base_url: String,
    pub key: NotifyKey,
    /// A Notify email template with `((subject))` and `((body))`.
    pub email_template_id: String,
    /// A Notify text message template with `((body))`.
    pub sms_template_id: String,
}

/// How the mail server is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtp://`: plain, as on a trusted local relay.
    None,
    /// `smtp://…?tls=starttls`: STARTTLS, required.
    StartTls,
    /// `smtps://`: TLS from the first byte.
    Tls,
}

/// The council's mail server.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// From the URL's user and password, when it has them.
    pub credentials: Option<(String, Secret)>,
    /// `MAIL_FROM`: the sender, `Council <complaints@example.gov.uk>` or a bare address.
    pub from: String,
}

/// The variables the service reads, with a line on each, for `.env.example`
/// and the README.
pub const VARIABLES: &[(&str, &str)] = &[
    ("APP_ENV", "development (default) or production; production refuses to start without a configured JWT key"),
    ("DATABASE_URL", "postgres://user@host/db, or sqlite://path/to/file.db (default: sqlite://data/council-feedback.db)"),
    ("DATABASE_POOL_SIZE", "connections in the pool (default 10)"),
    ("DATABASE_TIMEOUT_MS", "longest a request waits for a database connection before it is answered 503 (default 2000, 100-60000)"),
    ("SLOW_STATEMENT_MS", "log each SQL statement that takes at least this many milliseconds, with its duration and its text without the values bound to it (default: none logged; 1-3600000)"),
    ("DATA_DIR", "folder for the SQLite file and the local-mode secret (default ./data)"),
    ("BIND_ADDRESS", "address and port to listen on (default 127.0.0.1:8080)"),
    ("WORKERS", "HTTP worker threads (default: one per core)"),
    ("MAX_BODY_BYTES", "largest request body accepted (default 262144)"),
    ("EVENT_FEED_RETENTION_DAYS", "days an event stays in the event feed, GET /api/v1/events (default 90, 1-3650; the case's timeline keeps it for good)"),
    ("WEBHOOK_ALLOWED_TARGETS", "comma-separated hosts, addresses or CIDR blocks webhooks may reach although not public (loopback, private, link-local); plain http is allowed only for these (default: none)"),
    ("WEBHOOK_RETRY_SCHEDULE", "comma-separated waits before each attempt of a webhook delivery, e.g. 0,5s,5m (default 0,5s,5m,30m,2h,5h,10h,10h: the Standard Webhooks schedule)"),
    ("WEBHOOK_DELIVERY_RETENTION_DAYS", "days a successful webhook delivery and its attempts are kept before the jobs remove them (default 30, 1-3650; failed and pending ones are kept)"),
    ("JOBS_POLL_INTERVAL", "how often the background jobs (deadline alerts, webhook delivery) look for work when not woken, e.g. 5s or 500ms (default 5s)"),
    ("SERVE_JOBS", "true (default): `serve` runs the background jobs (deadline alerts, webhook delivery) itself; false: it only serves, and `council-feedback worker` runs them apart"),
    ("PUBLIC_FORMS", "true: the reference public complaint, compliment and comment form (GOV.UK Design System) is served at /forms/, posting through the same intake as POST /api/v1/cases; false (default): /forms/ is 404"),
    ("METRICS_BIND_ADDRESS", "address and port of a listener of its own serving GET /metrics (Prometheus text format, no token: keep it private), e.g. 127.0.0.1:9187, for serve and worker alike (default: none, no metrics served)"),
    ("DOCUMENTS_DIR", "folder for the documents uploaded to cases, one file per document named by its id (created if missing; default: none, documents are kept in the database)"),
    ("SURVEY_VALID_DAYS", "days a satisfaction survey's link works after the complaint closes (default 30, 1-365)"),
    ("CASE_ACCESS_URL", "the link a resident without an account is sent for their case, with {token} where its credential goes: the council website's page that exchanges it at POST /api/v1/case-access (default PUBLIC_BASE_URL/case-access?link={token})"),
    ("CASE_ACCESS_LINK_DAYS", "days a resident's case link works after it is sent (default 90, 1-730)"),
    ("CASE_ACCESS_TOKEN_MINUTES", "minutes a token from a case link works (default 60, 5-1440)"),
    ("CASE_ACCESS_SECRET", "at least 32 characters the service signs tokens from case links with; needed where JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE is used (with JWT_SECRET or in local mode one is derived from it); without one no case links are sent"),
    ("DUPLICATE_WINDOW_DAYS", "days either side of a new case's receipt within which the same person's similar cases about the same service are offered as possible duplicates (default 60, 1-365)"),
    ("RETENTION_ANONYMISE_AFTER", "how long after closure a finished case keeps its personal data before the daily retention pass anonymises it: kind=age pairs, with kind.outcome=age exceptions (outcomes: upheld, partially_upheld, not_upheld, closed, withdrawn, resolved_informally, service_request, excluded, outside_remit, out_of_time), ages as 6y, 18m or 30d (default complaint=6y,compliment=2y,comment=2y)"),
    ("RETENTION_DOCUMENTS_AFTER", "how long after closure a finished case's documents are kept before the retention pass deletes them, e.g. 1y, 18m or 90d (default 1y)"),
    ("PARTNER_CASE_FIELDS", "comma-separated fields of a case a partner sees of the cases it posted; the others are left out of its answers, and reference is always shown (default reference,kind,status,stage,channel,received_at,service,category,response_requested,created_by,partner_reference,acknowledgement_due,stages,created_at,updated_at: the case's progress, nothing of the person and no free text)"),
    ("TEMPLATES_DIR", "folder of letter templates overriding the shipped ones by file name, e.g. en/stage_1_response.txt (default: none, the shipped templates); every template is checked at start-up"),
    ("PUBLIC_BASE_URL", "where links sent to residents point, e.g. the survey's https://feedback.council.gov.uk/surveys/{token} (default http://127.0.0.1:8080)"),
    ("COUNCIL_IN_WALES", "true: every letter must have a Welsh (cy) template, start-up fails otherwise; false (default): a Welsh-speaking customer's letter falls back to English where no Welsh template exists"),
    ("OMBUDSMAN_LGSCO_PHONE", "the Local Government and Social Care Ombudsman's telephone number in letters (default 0300 061 0614, seed 003)"),
    ("OMBUDSMAN_LGSCO_WEBSITE", "the LGSCO's website in letters (default https://www.lgo.org.uk)"),
    ("OMBUDSMAN_HOUSING_PHONE", "the Housing Ombudsman's telephone number in letters (default 0300 111 3000, seed 003)"),
    ("OMBUDSMAN_HOUSING_WEBSITE", "the Housing Ombudsman's website in letters (default https://www.housing-ombudsman.org.uk)"),
    ("CORRESPONDENCE_DEFAULT", "how letters and emails reach customers by default: notify (GOV.UK Notify), smtp (the council's mail server) or print (printed locally by staff; the default). Each customer's preferred contact method and accessibility needs choose among what is configured"),
    ("NOTIFY_BASE_URL", "GOV.UK Notify's API (default https://api.notifications.service.gov.uk)"),
    ("NOTIFY_API_KEY", "a GOV.UK Notify API key, {key name}-{service id}-{secret}; required when CORRESPONDENCE_DEFAULT=notify"),
    ("NOTIFY_EMAIL_TEMPLATE_ID", "the id (a UUID) of a Notify email template whose subject is ((subject)) and body ((body)); required with NOTIFY_API_KEY"),
    ("NOTIFY_SMS_TEMPLATE_ID", "the id (a UUID) of a Notify text message template whose body is ((body)); required with NOTIFY_API_KEY"),
    ("NOTIFY_CALLBACK_TOKEN", "the bearer token (at least 10 characters) given to Notify for its delivery status callbacks to POST /api/v1/notify/callbacks; unset, callbacks are refused"),
    ("SMTP_URL", "the council's mail server: smtp://host:port (plain), smtp://host:port?tls=starttls, or smtps://host:port (TLS); user:password@ in the URL to log in; required when CORRESPONDENCE_DEFAULT=smtp"),
    ("MAIL_FROM", "the sender of emails sent through SMTP, e.g. Complaints <complaints@example.gov.uk>; required with SMTP_URL"),
    ("ACCESS_AUDIT", "on (default): every answered read of a case, person, document, letter or export is journalled and kept in the access log; off: nothing is (for measuring the audit's cost only; refused with APP_ENV=production)"),
    ("ACCESS_LOG_FLUSH_INTERVAL", "how long journalled reads gather before the access journal is written into the access log table, e.g. 200ms or 5s (default 200ms, 10ms-1h)"),
    ("CORS_ALLOWED_ORIGINS", "comma-separated origins (scheme://host[:port]) whose pages' scripts may call the API, or * for any (default: none, and no CORS headers are sent)"),
    ("CORS_ALLOW_CREDENTIALS", "true: browsers may send cookies and HTTP authentication with cross-origin calls (refused with CORS_ALLOWED_ORIGINS=*); false (default): bearer tokens only"),
    ("RATE_LIMITS", "on (default): public callers (customers, the website's form client) are rate-limited on intake and link exchange, per client and per address; off: not at all. Staff and partners never are"),
    ("RATE_LIMIT_PER_CLIENT", "requests a public caller (a token's sub) may make per window to public intake or link exchange (default 100, 1-1000000)"),
    ("RATE_LIMIT_PER_IP", "requests one address may make per window to public intake or link exchange, whichever tokens it uses (default 500, 1-1000000: a library or council office shares one address)"),
    ("RATE_LIMIT_WINDOW", "the rate limits' window, e.g. 1h, 15m or 60s (default 1h, 1s-24h); the allowance refills steadily over it"),
    ("TRUSTED_PROXIES", "comma-separated addresses of the reverse proxies in front of the service; only from these is X-Forwarded-For believed for the per-address limit (default: none, the peer's address is used)"),
    ("JWT_SECRET", "HS256 shared secret, at least 32 characters"),
    ("JWT_PUBLIC_KEY_FILE", "path to the identity provider's RS256/ES256 public key (PEM)"),
    ("JWT_JWKS_FILE", "path to the identity provider's JWKS document"),
    ("JWT_ALGORITHM", "HS256, RS256 or ES256; required with JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE"),
    ("JWT_ISSUER", "required `iss` claim (default council-feedback)"),
    ("JWT_AUDIENCE", "required `aud` claim (default council-feedback-api)"),
    ("JWT_LEEWAY_SECONDS", "clock skew allowed on exp/nbf (default 30, at most 300)"),
];

const DEFAULT_ISSUER: &str = "council-feedback";
const DEFAULT_AUDIENCE: &str = "council-feedback-api";
const LOCAL_SECRET_FILE: &str = "jwt-secret";

impl Settings {
    /// Reads `.env` (if present) and the process environment.
    pub fn from_env() -> Result<Settings, ConfigError> {
        let _ = dotenvy::dotenv();
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can pass a map. Creates the
    /// data folder, and in local mode the secret file in it.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };

        let app_env = match get("APP_ENV").as_deref() {
            None | Some("development") | Some("dev") | Some("local") => AppEnv::Development,
            Some("production") | Some("prod") => AppEnv::Production,
            Some(other) => {
                return Err(ConfigError::new(
                    "APP_ENV",
                    format!("`{other}` is not one of development, production"),
                ))
            }
        };
        let data_dir = PathBuf::from(get("DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = get("DATABASE_URL").unwrap_or_else(|| {
            format!(
                "sqlite://{}",
                data_dir.join("council-feedback.db").display()
            )
        });
        if !is_postgres_url(&database_url) && sqlite_path(&database_url).is_none() {
            return Err(ConfigError::new(
                "DATABASE_URL",
                "must start with postgres://, postgresql:// or sqlite://",
            ));
        }
        let database_pool_size = parse_number(&get, "DATABASE_POOL_SIZE", 10, 1, 200)? as u32;
        let database_timeout = std::time::Duration::from_millis(parse_number(
            &get,
            "DATABASE_TIMEOUT_MS",
            2000,
            100,
            60_000,
        )?);
        let slow_statement_ms = match get("SLOW_STATEMENT_MS") {
            None => None,
            Some(_) => Some(parse_number(&get, "SLOW_STATEMENT_MS", 1, 1, 3_600_000)?),
        };
        let bind_address = match get("BIND_ADDRESS") {
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
            Some(text) => text.parse().map_err(|_| {
                ConfigError::new(
                    "BIND_ADDRESS",
                    format!("`{text}` is not an address and port such as 127.0.0.1:8080"),
                )
            })?,
        };
        let workers = match get("WORKERS") {
            None => None,
            Some(_) => Some(parse_number(&get, "WORKERS", 2, 1, 256)? as usize),
        };
        let max_body_bytes =
            parse_number(&get, "MAX_BODY_BYTES", 256 * 1024, 1024, 16 * 1024 * 1024)? as usize;
        let event_feed_retention_days =
            parse_number(&get, "EVENT_FEED_RETENTION_DAYS", 90, 1, 3650)? as u32;
        let webhook_allowed_targets =
            AllowedTargets::parse(&get("WEBHOOK_ALLOWED_TARGETS").unwrap_or_default())
                .map_err(|e| ConfigError::new("WEBHOOK_ALLOWED_TARGETS", e))?;
        let webhook_retry_schedule = match get("WEBHOOK_RETRY_SCHEDULE") {
            None => RetrySchedule::standard(),
            Some(text) => RetrySchedule::parse(&text)
                .map_err(|e| ConfigError::new("WEBHOOK_RETRY_SCHEDULE", e))?,
        };
        let jobs_poll_interval = match get("JOBS_POLL_INTERVAL") {
            None => std::time::Duration::from_secs(5),
            Some(text) => parse_duration(&text)
                .filter(|d| {
                    (std::time::Duration::from_millis(10)..=std::time::Duration::from_secs(3600))
                        .contains(d)
                })
                .ok_or_else(|| {
                    ConfigError::new(
                        "JOBS_POLL_INTERVAL",
                        format!("`{text}` is not a duration from 10ms to 1h, such as 5s or 500ms"),
                    )
                })?,
        };
        let metrics_bind_address = match get("METRICS_BIND_ADDRESS") {
            None => None,
            Some(text) => {
                let address: SocketAddr = text.parse().map_err(|_| {
                    ConfigError::new(
                        "METRICS_BIND_ADDRESS",
                        format!("`{text}` is not an address and port such as 127.0.0.1:9187"),
                    )
                })?;
                if address == bind_address && address.port() != 0 {
                    return Err(ConfigError::new(
                        "METRICS_BIND_ADDRESS",
                        format!(
                            "`{text}` is BIND_ADDRESS too: metrics need a listener of their own"
                        ),
                    ));
                }
                Some(address)
            }
        };

        let webhook_delivery_retention_days =
            parse_number(&get, "WEBHOOK_DELIVERY_RETENTION_DAYS", 30, 1, 3650)? as u32;
        let serve_jobs = match get("SERVE_JOBS").as_deref().map(str::trim) {
            None | Some("true") => true,
            Some("false") => false,
            Some(other) => {
                return Err(ConfigError::new(
                    "SERVE_JOBS",
                    format!("`{other}` is neither true nor false"),
                ))
            }
        };

        let public_forms = match get("PUBLIC_FORMS").as_deref().map(str::trim) {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(ConfigError::new(
                    "PUBLIC_FORMS",
                    format!("`{other}` is neither true nor false"),
                ))
            }
        };

        let documents_dir = match get("DOCUMENTS_DIR") {
            None => None,
            Some(text) => {
                let folder = PathBuf::from(&text);
                std::fs::create_dir_all(&folder).map_err(|e| {
                    ConfigError::new(
                        "DOCUMENTS_DIR",
                        format!("`{text}` cannot be used as a folder: {e}"),
                    )
                })?;
                Some(folder)
            }
        };

        let survey = SurveyPolicy {
            valid_days: parse_number(&get, "SURVEY_VALID_DAYS", 30, 1, 365)? as u32,
        };

        let duplicates = DuplicatePolicy {
            window_days: parse_number(&get, "DUPLICATE_WINDOW_DAYS", 60, 1, 365)? as u32,
        };

        let retention = retention(&get)?;
        let partner_case_fields = PartnerCaseFields::parse(
            &get("PARTNER_CASE_FIELDS").unwrap_or_else(|| DEFAULT_PARTNER_CASE_FIELDS.into()),
        )
        .map_err(|e| ConfigError::new("PARTNER_CASE_FIELDS", e))?;

        let keys = jwt_keys(&get, app_env, &data_dir)?;
        let jwt = JwtSettings {
            keys,
            issuer: get("JWT_ISSUER").unwrap_or_else(|| DEFAULT_ISSUER.into()),
            audience: get("JWT_AUDIENCE").unwrap_or_else(|| DEFAULT_AUDIENCE.into()),
            leeway_seconds: parse_number(&get, "JWT_LEEWAY_SECONDS", 30, 0, 300)?,
            case_access_secret: match get("CASE_ACCESS_SECRET") {
                None => None,
                Some(secret) if secret.len() >= 32 => Some(Secret::new(secret)),
                Some(_) => {
                    return Err(ConfigError::new(
                        "CASE_ACCESS_SECRET",
                        "must be at least 32 characters",
                    ))
                }
            },
        };

        let policy = Policy::from_settings(&lookup).map_err(|e| {
            let variable = e.variable();
            let text = e.to_string();
            let message = text
                .strip_prefix(&format!("{variable}: "))
                .unwrap_or(&text)
                .to_string();
            ConfigError::new(variable, message)
        })?;
        if let Err(e) = crate::domain::clock::Clock::new(policy.clone()) {
            return Err(ConfigError::new(
                "COUNCIL_CLOSURE_DAYS",
                format!("the calendar cannot be built: {e}"),
            ));
        }

        let letters = LetterSettings::from_lookup(&get)?;
        let case_access = CaseAccessSettings {
            policy: crate::domain::case_access::CaseAccessPolicy {
                link_valid_days: parse_number(&get, "CASE_ACCESS_LINK_DAYS", 90, 1, 730)? as u32,
                token_minutes: parse_number(&get, "CASE_ACCESS_TOKEN_MINUTES", 60, 5, 1440)? as u32,
            },
            url: match get("CASE_ACCESS_URL") {
                Some(url) if url.contains("{token}") && url.starts_with("http") => url,
                Some(url) => {
                    return Err(ConfigError::new(
                        "CASE_ACCESS_URL",
                        format!("`{url}` must be an http(s) URL holding {{token}}"),
                    ))
                }
                None => format!("{}/case-access?link={{token}}", letters.public_base_url),
            },
        };

        let correspondence = correspondence(&get)?;
        let access_audit = access_audit(&get, app_env)?;
        let cors = cors(&get)?;
        let rate_limits = rate_limits(&get)?;

        Ok(Settings {
            cors,
            rate_limits,
            duplicates,
            letters,
            app_env,
            database_url,
            database_pool_size,
            database_timeout,
            slow_statement_ms,
            data_dir,
            bind_address,
            jwt,
            max_body_bytes,
            workers,
            event_feed_retention_days,
            webhook_allowed_targets,
            webhook_retry_schedule,
            jobs_poll_interval,
            webhook_delivery_retention_days,
            serve_jobs,
            metrics_bind_address,
            documents_dir,
            policy,
            survey,
            case_access,
            correspondence,
            access_audit,
            retention,
            partner_case_fields,
            public_forms,
        })
    }
}

/// The retention schedule: each variable is checked on its own, so the error names the one
/// at fault.
fn retention(get: &impl Fn(&str) -> Option<String>) -> Result<RetentionSchedule, ConfigError> {
    let documents = get("RETENTION_DOCUMENTS_AFTER").unwrap_or_else(|| "1y".into());
    RetentionSchedule::parse("", &documents)
        .map_err(|e| ConfigError::new("RETENTION_DOCUMENTS_AFTER", e))?;
    let anonymise =
        get("RETENTION_ANONYMISE_AFTER").unwrap_or_else(|| DEFAULT_ANONYMISE_AFTER.into());
    RetentionSchedule::parse(&anonymise, &documents)
        .map_err(|e| ConfigError::new("RETENTION_ANONYMISE_AFTER", e))
}

/// `CORS_ALLOWED_ORIGINS` and `CORS_ALLOW_CREDENTIALS`.
fn cors(get: &impl Fn(&str) -> Option<String>) -> Result<CorsSettings, ConfigError> {
    let allow_credentials = match get("CORS_ALLOW_CREDENTIALS").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ConfigError::new(
                "CORS_ALLOW_CREDENTIALS",
                format!("`{other}` is neither true nor false"),
            ))
        }
    };
    let mut settings = CorsSettings {
        allow_credentials,
        ..CorsSettings::default()
    };
    let text = get("CORS_ALLOWED_ORIGINS").unwrap_or_default();
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        if item == "*" {
            settings.any_origin = true;
            continue;
        }
        let origin = url::Url::parse(item)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(|u| u.origin().ascii_serialization())
            .filter(|o| o == item.trim_end_matches('/'))
            .ok_or_else(|| {
                ConfigError::new(
                    "CORS_ALLOWED_ORIGINS",
                    format!(
                        "`{item}` is not an origin such as https://www.council.gov.uk \
                         (scheme, host and port only)"
                    ),
                )
            })?;
        settings.allowed_origins.push(origin);
    }
    if settings.any_origin && settings.allow_credentials {
        return Err(ConfigError::new(
            "CORS_ALLOW_CREDENTIALS",
            "true is refused with CORS_ALLOWED_ORIGINS=*: credentials need named origins",
        ));
    }
    Ok(settings)
}

/// `RATE_LIMITS`, `RATE_LIMIT_PER_CLIENT`, `RATE_LIMIT_PER_IP`, `RATE_LIMIT_WINDOW` and
/// `TRUSTED_PROXIES`.
fn rate_limits(get: &impl Fn(&str) -> Option<String>) -> Result<RateLimitSettings, ConfigError> {
    let enabled = match get("RATE_LIMITS").as_deref() {
        None | Some("on") => true,
        Some("off") => false,
        Some(other) => {
            return Err(ConfigError::new(
                "RATE_LIMITS",
                format!("`{other}` is neither on nor off"),
            ))
        }
    };
    let per_client = parse_number(get, "RATE_LIMIT_PER_CLIENT", 100, 1, 1_000_000)? as u32;
    let per_ip = parse_number(get, "RATE_LIMIT_PER_IP", 500, 1, 1_000_000)? as u32;
    let window = match get("RATE_LIMIT_WINDOW") {
        None => std::time::Duration::from_secs(3600),
        Some(text) => parse_duration(&text)
            .filter(|d| {
                (std::time::Duration::from_secs(1)..=std::time::Duration::from_secs(86_400))
                    .contains(d)
            })
            .ok_or_else(|| {
                ConfigError::new(
                    "RATE_LIMIT_WINDOW",
                    format!("`{text}` is not a duration from 1s to 24h, such as 1h or 15m"),
                )
            })?,
    };
    let mut trusted_proxies = Vec::new();
    for item in get("TRUSTED_PROXIES")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|i| !i.is_empty())
    {
        trusted_proxies.push(item.parse().map_err(|_| {
            ConfigError::new(
                "TRUSTED_PROXIES",
                format!("`{item}` is not an IP address such as 10.0.0.5"),
            )
        })?);
    }
    Ok(RateLimitSettings {
        enabled,
        per_client,
        per_ip,
        window,
        trusted_proxies,
    })
}

/// `ACCESS_AUDIT` and `ACCESS_LOG_FLUSH_INTERVAL`.
fn access_audit(
    get: &impl Fn(&str) -> Option<String>,
    app_env: AppEnv,
) -> Result<AccessAuditSettings, ConfigError> {
    let enabled = match get("ACCESS_AUDIT").as_deref() {
        None | Some("on") => true,
        Some("off") if app_env == AppEnv::Production => {
            return Err(ConfigError::new(
                "ACCESS_AUDIT",
                "`off` is for measuring the audit's cost, never for production",
            ))
        }
        Some("off") => false,
        Some(other) => {
            return Err(ConfigError::new(
                "ACCESS_AUDIT",
                format!("`{other}` is neither on nor off"),
            ))
        }
    };
    let gather = match get("ACCESS_LOG_FLUSH_INTERVAL") {
        None => std::time::Duration::from_millis(200),
        Some(text) => parse_duration(&text)
            .filter(|d| {
                (std::time::Duration::from_millis(10)..=std::time::Duration::from_secs(3600))
                    .contains(d)
            })
            .ok_or_else(|| {
                ConfigError::new(
                    "ACCESS_LOG_FLUSH_INTERVAL",
                    format!("`{text}` is not a duration from 10ms to 1h, such as 200ms or 5s"),
                )
            })?,
    };
    Ok(AccessAuditSettings { enabled, gather })
}

/// The mail room's settings: each provider is configured whole or not at all, and the
/// default must be one that is configured.
fn correspondence(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<CorrespondenceSettings, ConfigError> {
    let default = match get("CORRESPONDENCE_DEFAULT") {
        None => Provider::Print,
        Some(text) => Provider::parse(&text).ok_or_else(|| {
            ConfigError::new(
                "CORRESPONDENCE_DEFAULT",
                format!("`{text}` is not one of {}", Provider::expected()),
            )
        })?,
    };
    let web_url = |variable: &'static str, text: &str| -> Result<url::Url, ConfigError> {
        let parsed = url::Url::parse(text)
            .map_err(|e| ConfigError::new(variable, format!("`{text}` is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(ConfigError::new(
                variable,
                format!("`{text}` is not an http(s) URL with a host"),
            ));
        }
        Ok(parsed)
    };
    let base_url = web_url(
        "NOTIFY_BASE_URL",
        &get("NOTIFY_BASE_URL")
            .unwrap_or_else(|| "https://api.notifications.service.gov.uk".into()),
    )?
    .to_string()
    .trim_end_matches('/')
    .to_string();
    let notify = match get("NOTIFY_API_KEY") {
        None => None,
        Some(text) => {
            let key = NotifyKey::parse(&text).map_err(|e| ConfigError::new("NOTIFY_API_KEY", e))?;
            let template = |variable: &'static str| -> Result<String, ConfigError> {
                let id = get(variable)
                    .ok_or_else(|| ConfigError::new(variable, "is required with NOTIFY_API_KEY"))?;
                if !is_uuid(&id) {
                    return Err(ConfigError::new(
                        variable,
                        format!("`{id}` is not a template id (a UUID)"),
                    ));
                }
                Ok(id)
            };
            Some(NotifySettings {
                base_url,
                key,
                email_template_id: template("NOTIFY_EMAIL_TEMPLATE_ID")?,
                sms_template_id: template("NOTIFY_SMS_TEMPLATE_ID")?,
            })
        }
    };
    let notify_callback_token = match get("NOTIFY_CALLBACK_TOKEN") {
        None => None,
        Some(token) if token.len() < 10 => {
            return Err(ConfigError::new(
                "NOTIFY_CALLBACK_TOKEN",
                "must be at least 10 characters (as Notify requires)",
            ))
        }
        Some(token) => Some(Secret::new(token)),
    };
    let smtp = match (get("SMTP_URL"), get("MAIL_FROM")) {
        (None, None) => None,
        (Some(_), None) => return Err(ConfigError::new("MAIL_FROM", "is required with SMTP_URL")),
        (None, Some(_)) => return Err(ConfigError::new("SMTP_URL", "is required with MAIL_FROM")),
        (Some(text), Some(from)) => {
            if from.parse::<lettre::message::Mailbox>().is_err() {
                return Err(ConfigError::new(
                    "MAIL_FROM",
                    format!(
                        "`{from}` is not an address such as Complaints <complaints@example.gov.uk>"
                    ),
                ));
            }
            Some(smtp_settings(&text, from)?)
        }
    };
    match default {
        Provider::Notify if notify.is_none() => {
            return Err(ConfigError::new(
                "NOTIFY_API_KEY",
                "is required when CORRESPONDENCE_DEFAULT=notify",
            ))
        }
        Provider::Smtp if smtp.is_none() => {
            return Err(ConfigError::new(
                "SMTP_URL",
                "is required when CORRESPONDENCE_DEFAULT=smtp",
            ))
        }
        _ => {}
    }
    Ok(CorrespondenceSettings {
        default,
        notify,
        smtp,
        notify_callback_token,
    })
}

fn smtp_settings(text: &str, from: String) -> Result<SmtpSettings, ConfigError> {
    let bad = |why: &str| {
        ConfigError::new(
            "SMTP_URL",
            format!("`{text}` {why}: expected smtp://host:port, smtp://host:port?tls=starttls or smtps://host:port"),
        )
    };
    let parsed = url::Url::parse(text).map_err(|_| bad("is not a URL"))?;
    let tls_query = parsed
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.to_string());
    let security = match (parsed.scheme(), tls_query.as_deref()) {
        ("smtp", None | Some("none")) => SmtpSecurity::None,
        ("smtp", Some("starttls")) => SmtpSecurity::StartTls,
        ("smtps", None | Some("tls")) => SmtpSecurity::Tls,
        ("smtp" | "smtps", Some(_)) => return Err(bad("has an unknown tls=")),
        _ => return Err(bad("is not an smtp:// or smtps:// URL")),
    };
    let host = match parsed.host() {
        Some(url::Host::Domain(name)) => name.to_string(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err(bad("has no host")),
    };
    let port = parsed.port().unwrap_or(match security {
        SmtpSecurity::Tls => 465,
        SmtpSecurity::StartTls => 587,
        SmtpSecurity::None => 25,
    });
    let credentials = (!parsed.username().is_empty()).then(|| {
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.to_string())
                .unwrap_or_default()
        };
        (
            decode(parsed.username()),
            Secret::new(decode(parsed.password().unwrap_or_default())),
        )
    });
    Ok(SmtpSettings {
        host,
        port,
        security,
        credentials,
        from,
    })
}

fn parse_number(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, ConfigError> {
    match get(variable) {
        None => Ok(default),
        Some(text) => match text.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ConfigError::new(
                variable,
                format!("`{text}` is not a whole number from {min} to {max}"),
            )),
        },
    }
}

fn jwt_keys(
    get: &impl Fn(&str) -> Option<String>,
    app_env: AppEnv,
    data_dir: &Path,
) -> Result<JwtKeys, ConfigError> {
    let secret = get("JWT_SECRET");
    let pem_file = get("JWT_PUBLIC_KEY_FILE");
    let jwks_file = get("JWT_JWKS_FILE");
    let algorithm = match get("JWT_ALGORITHM") {
        None => None,
        Some(text) => Some(JwtAlgorithm::parse(&text).ok_or_else(|| {
            ConfigError::new(
                "JWT_ALGORITHM",
                format!("`{text}` is not one of HS256, RS256, ES256"),
            )
        })?),
    };
    let configured = [secret.is_some(), pem_file.is_some(), jwks_file.is_some()]
        .iter()
        .filter(|set| **set)
        .count();
    if configured > 1 {
        return Err(ConfigError::new(
            "JWT_SECRET",
            "set only one of JWT_SECRET, JWT_PUBLIC_KEY_FILE, JWT_JWKS_FILE",
        ));
    }
    let asymmetric = |variable: &'static str| -> Result<JwtAlgorithm, ConfigError> {
        match algorithm {
            Some(a @ (JwtAlgorithm::Rs256 | JwtAlgorithm::Es256)) => Ok(a),
            Some(JwtAlgorithm::Hs256) => Err(ConfigError::new(
                "JWT_ALGORITHM",
                format!("HS256 cannot be used with {variable}; use RS256 or ES256"),
            )),
            None => Err(ConfigError::new(
                "JWT_ALGORITHM",
                format!("must be set to RS256 or ES256 when {variable} is set"),
            )),
        }
    };
    if let Some(secret) = secret {
        if !matches!(algorithm, None | Some(JwtAlgorithm::Hs256)) {
            return Err(ConfigError::new(
                "JWT_ALGORITHM",
                "JWT_SECRET is for HS256 only",
            ));
        }
        if secret.len() < 32 {
            return Err(ConfigError::new(
                "JWT_SECRET",
                "must be at least 32 characters",
            ));
        }
        return Ok(JwtKeys::Secret(Secret::new(secret)));
    }
    if let Some(file) = pem_file {
        let algorithm = asymmetric("JWT_PUBLIC_KEY_FILE")?;
        let pem = std::fs::read(&file).map_err(|e| {
            ConfigError::new("JWT_PUBLIC_KEY_FILE", format!("cannot read `{file}`: {e}"))
        })?;
        return Ok(JwtKeys::PublicKeyPem { algorithm, pem });
    }
    if let Some(file) = jwks_file {
        let algorithm = asymmetric("JWT_JWKS_FILE")?;
        let json = std::fs::read_to_string(&file)
            .map_err(|e| ConfigError::new("JWT_JWKS_FILE", format!("cannot read `{file}`: {e}")))?;
        return Ok(JwtKeys::Jwks { algorithm, json });
    }
    if app_env == AppEnv::Production {
        return Err(ConfigError::new(
            "JWT_SECRET",
            "APP_ENV=production needs a configured key: set JWT_SECRET, JWT_PUBLIC_KEY_FILE or JWT_JWKS_FILE",
        ));
    }
    let path = data_dir.join(LOCAL_SECRET_FILE);
    let secret = local_secret(&path).map_err(|e| {
        ConfigError::new(
            "DATA_DIR",
            format!(
                "cannot keep the local-mode secret at {}: {e}",
                path.display()
            ),
        )
    })?;
    Ok(JwtKeys::Local { secret, path })
}

/// The local-mode secret: read if present, otherwise made and written with
/// mode 0600 so only this user can mint tokens with it.
fn local_secret(path: &Path) -> std::io::Result<Secret> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let existing = existing.trim();
        if existing.len() >= 32 {
            return Ok(Secret::new(existing));
        }
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let bytes: [u8; 32] = rand::random();
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    std::io::Write::write_all(&mut file, secret.as_bytes())?;
    Ok(Secret::new(secret))
}

/// Whether a `DATABASE_URL` names PostgreSQL.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The file a `sqlite://` URL names.
pub fn sqlite_path(url: &str) -> Option<&str> {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .filter(|path| !path.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let dir = std::env::temp_dir().join(format!("cf-config-{}", uuid::Uuid::new_v4()));
        let mut map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        map.entry("DATA_DIR".into())
            .or_insert(dir.display().to_string());
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn a_council_in_wales_names_the_public_services_ombudsman_for_wales_for_all_its_services() {
        let s = settings(&[("COUNCIL_IN_WALES", "true")]).unwrap();
        for contact in [&s.letters.lgsco, &s.letters.housing_ombudsman] {
            assert_eq!(contact.name, "Public Services Ombudsman for Wales");
            assert_eq!(contact.phone, "0300 790 0203");
            assert_eq!(contact.website, "https://www.ombudsman.wales");
        }
        let england = settings(&[]).unwrap();
        assert_eq!(
            england.letters.lgsco.name,
            "Local Government and Social Care Ombudsman"
        );
        assert_eq!(england.letters.housing_ombudsman.phone, "0300 111 3000");
    }

    #[test]
    fn the_letters_sender_is_lines_split_at_bars_or_commas_and_must_fit() {
        let s = settings(&[(
            "LETTER_SENDER",
            "Complaints Team | Dudley Council, Council House,Priory Road , Dudley DY1 1HF",
        )])
        .unwrap();
        assert_eq!(
            s.letters.sender,
            vec![
                "Complaints Team",
                "Dudley Council",
                "Council House",
                "Priory Road",
                "Dudley DY1 1HF"
            ]
        );
        assert!(settings(&[]).unwrap().letters.sender.is_empty());
        let nine = "a|b|c|d|e|f|g|h|i";
        assert_eq!(
            settings(&[("LETTER_SENDER", nine)]).unwrap_err().variable,
            "LETTER_SENDER"
        );
        let long = "x".repeat(41);
        assert!(settings(&[("LETTER_SENDER", long.as_str())]).is_err());
    }

    #[test]
    fn defaults_are_sqlite_on_loopback_in_local_mode() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.bind_address.to_string(), "127.0.0.1:8080");
        assert!(s.database_url.starts_with("sqlite://"));
        assert_eq!(
            s.metrics_bind_address, None,
            "metrics are never served unasked"
        );
        assert_eq!(s.survey.valid_days, 30);
        assert_eq!(s.duplicates.window_days, 60);
        assert!(
            !s.public_forms,
            "the reference form is served only when asked for"
        );
        let JwtKeys::Local { path, secret } = &s.jwt.keys else {
            panic!("expected local mode")
        };
        assert_eq!(secret.expose().len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // The same secret is read back on the next start.
        let again = settings(&[("DATA_DIR", s.data_dir.to_str().unwrap())]).unwrap();
        assert_eq!(again.jwt.keys, s.jwt.keys);
    }

    #[test]
    fn production_refuses_local_mode() {
        let err = settings(&[("APP_ENV", "production")]).unwrap_err();
        assert_eq!(err.variable, "JWT_SECRET");
    }

    #[test]
    fn an_unknown_partner_case_field_stops_start_up_naming_it() {
        let err = settings(&[("PARTNER_CASE_FIELDS", "reference,status,customer_email")])
            .expect_err("customer_email is not a field of a case");
        assert_eq!(err.variable, "PARTNER_CASE_FIELDS");
        assert!(
            err.to_string().starts_with(
                "configuration error: PARTNER_CASE_FIELDS: `customer_email` is not a field of a case;"
            ),
            "{err}"
        );
        let listed = settings(&[("PARTNER_CASE_FIELDS", "status, kind")]).expect("valid");
        assert_eq!(
            listed.partner_case_fields.names().collect::<Vec<_>>(),
            ["kind", "reference", "status"]
        );
        let default = settings(&[]).expect("valid");
        assert_eq!(
            default.partner_case_fields,
            PartnerCaseFields::parse(DEFAULT_PARTNER_CASE_FIELDS).expect("the default parses")
        );
    }

    #[test]
    fn bad_values_name_their_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("APP_ENV", "staging")], "APP_ENV"),
            (
                &[("RETENTION_ANONYMISE_AFTER", "complaint=forever")],
                "RETENTION_ANONYMISE_AFTER",
            ),
            (
                &[("RETENTION_DOCUMENTS_AFTER", "0d")],
                "RETENTION_DOCUMENTS_AFTER",
            ),
            (&[("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
            (&[("BIND_ADDRESS", "localhost")], "BIND_ADDRESS"),
            (&[("DATABASE_POOL_SIZE", "0")], "DATABASE_POOL_SIZE"),
            (&[("JWT_SECRET", "short")], "JWT_SECRET"),
            (&[("JWT_ALGORITHM", "none")], "JWT_ALGORITHM"),
            (
                &[
                    ("JWT_PUBLIC_KEY_FILE", "/nonexistent.pem"),
                    ("JWT_ALGORITHM", "RS256"),
                ],
                "JWT_PUBLIC_KEY_FILE",
            ),
            (
                &[("JWT_PUBLIC_KEY_FILE", "/nonexistent.pem")],
                "JWT_ALGORITHM",
            ),
            (
                &[
                    ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
                    ("JWT_ALGORITHM", "RS256"),
                ],
                "JWT_ALGORITHM",
            ),
            (&[("JWT_LEEWAY_SECONDS", "-1")], "JWT_LEEWAY_SECONDS"),
            (
                &[("WEBHOOK_ALLOWED_TARGETS", "10.0.0.0/40")],
                "WEBHOOK_ALLOWED_TARGETS",
            ),
            (
                &[("WEBHOOK_RETRY_SCHEDULE", "0,5s,soon")],
                "WEBHOOK_RETRY_SCHEDULE",
            ),
            (&[("JOBS_POLL_INTERVAL", "0")], "JOBS_POLL_INTERVAL"),
            (&[("PUBLIC_FORMS", "yes")], "PUBLIC_FORMS"),
            (
                &[("METRICS_BIND_ADDRESS", "localhost:9187")],
                "METRICS_BIND_ADDRESS",
            ),
            (
                &[
                    ("BIND_ADDRESS", "127.0.0.1:8080"),
                    ("METRICS_BIND_ADDRESS", "127.0.0.1:8080"),
                ],
                "METRICS_BIND_ADDRESS",
            ),
            (&[("SERVE_JOBS", "no")], "SERVE_JOBS"),
            (&[("SURVEY_VALID_DAYS", "0")], "SURVEY_VALID_DAYS"),
            (&[("SURVEY_VALID_DAYS", "366")], "SURVEY_VALID_DAYS"),
            (&[("DUPLICATE_WINDOW_DAYS", "0")], "DUPLICATE_WINDOW_DAYS"),
            (&[("DUPLICATE_WINDOW_DAYS", "366")], "DUPLICATE_WINDOW_DAYS"),
            (
                &[("DUPLICATE_WINDOW_DAYS", "sixty")],
                "DUPLICATE_WINDOW_DAYS",
            ),
            (
                &[("CORRESPONDENCE_DEFAULT", "fax")],
                "CORRESPONDENCE_DEFAULT",
            ),
            (&[("CORRESPONDENCE_DEFAULT", "notify")], "NOTIFY_API_KEY"),
            (&[("CORRESPONDENCE_DEFAULT", "smtp")], "SMTP_URL"),
            (&[("NOTIFY_API_KEY", "not-a-key")], "NOTIFY_API_KEY"),
            (
                &[("NOTIFY_API_KEY", NOTIFY_KEY)],
                "NOTIFY_EMAIL_TEMPLATE_ID",
            ),
            (
                &[
                    ("NOTIFY_API_KEY", NOTIFY_KEY),
                    ("NOTIFY_EMAIL_TEMPLATE_ID", "welcome"),
                    (
                        "NOTIFY_SMS_TEMPLATE_ID",
                        "f33517ff-2a88-4f6e-b855-c550268ce08a",
                    ),
                ],
                "NOTIFY_EMAIL_TEMPLATE_ID",
            ),
            (&[("NOTIFY_BASE_URL", "ftp://notify")], "NOTIFY_BASE_URL"),
            (
                &[("NOTIFY_CALLBACK_TOKEN", "short")],
                "NOTIFY_CALLBACK_TOKEN",
            ),
            (&[("SMTP_URL", "smtp://127.0.0.1:2525")], "MAIL_FROM"),
            (&[("MAIL_FROM", "council@example.gov.uk")], "SMTP_URL"),
            (
                &[
                    ("SMTP_URL", "http://mail:25"),
                    ("MAIL_FROM", "council@example.gov.uk"),
                ],
                "SMTP_URL",
            ),
            (
                &[("SMTP_URL", "smtp://mail:25"), ("MAIL_FROM", "the council")],
                "MAIL_FROM",
            ),
            (&[("PUBLIC_BASE_URL", "example.gov.uk")], "PUBLIC_BASE_URL"),
            (
                &[("WEBHOOK_DELIVERY_RETENTION_DAYS", "0")],
                "WEBHOOK_DELIVERY_RETENTION_DAYS",
            ),
            (&[("POLICY_PRESET", "leeds")], "POLICY_PRESET"),
            (&[("CALENDAR_REGION", "wales")], "CALENDAR_REGION"),
            (
                &[("POLICY_STAGE_1_RESPONSE_WORKING_DAYS", "0")],
                "POLICY_STAGE_1_RESPONSE_WORKING_DAYS",
            ),
            (
                &[("COUNCIL_CLOSURE_DAYS", "2026-12-32")],
                "COUNCIL_CLOSURE_DAYS",
            ),
        ];
        for (pairs, variable) in cases {
            let err = settings(pairs).unwrap_err();
            assert_eq!(err.variable, *variable, "{pairs:?} gave {err}");
            assert!(err
                .to_string()
                .starts_with(&format!("configuration error: {variable}: ")));
        }
    }

    const NOTIFY_KEY: &str =
        "council-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0";

    #[test]
    fn correspondence_is_printed_unless_configured_and_each_provider_is_read_whole() {
        let plain = settings(&[]).unwrap().correspondence;
        assert_eq!(plain.default, Provider::Print);
        assert!(plain.notify.is_none() && plain.smtp.is_none());
        let s = settings(&[
            ("CORRESPONDENCE_DEFAULT", "notify"),
            ("NOTIFY_BASE_URL", "http://127.0.0.1:9000/"),
            ("NOTIFY_API_KEY", NOTIFY_KEY),
            (
                "NOTIFY_EMAIL_TEMPLATE_ID",
                "f33517ff-2a88-4f6e-b855-c550268ce08a",
            ),
            (
                "NOTIFY_SMS_TEMPLATE_ID",
                "0f2b3d44-1a7c-4a37-9f56-3c1e2b5a6d7e",
            ),
            (
                "SMTP_URL",
                "smtp://relay:pa%40ss@mail.example.gov.uk?tls=starttls",
            ),
            ("MAIL_FROM", "Complaints <complaints@example.gov.uk>"),
        ])
        .unwrap()
        .correspondence;
        let notify = s.notify.expect("notify");
        assert_eq!(notify.base_url, "http://127.0.0.1:9000");
        assert_eq!(
            notify.key.service_id,
            "26785a09-ab16-4eb0-8407-a37497a57506"
        );
        let smtp = s.smtp.expect("smtp");
        assert_eq!(
            (smtp.host.as_str(), smtp.port, smtp.security),
            ("mail.example.gov.uk", 587, SmtpSecurity::StartTls)
        );
        let (user, password) = smtp.credentials.expect("credentials");
        assert_eq!((user.as_str(), password.expose()), ("relay", "pa@ss"));
    }

    #[test]
    fn secrets_never_print() {
        let s = settings(&[("JWT_SECRET", "0123456789abcdef0123456789abcdef")]).unwrap();
        assert!(!format!("{s:?}").contains("0123456789abcdef"));
    }
}

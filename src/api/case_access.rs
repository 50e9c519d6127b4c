//! Residents' case-access links (issue 16 §2).
//!
//! - `POST /api/v1/case-access`: the link's token, exchanged for a short-lived customer token
//!   reaching that one case. No bearer token: the link is the credential. Limited per address.
//! - `POST /api/v1/case-access/claims`: a resident signed in with their account claims the case.
//! - `GET|POST /api/v1/cases/{reference}/access-links`, and `.../{id}/revocation`: staff see the
//!   links sent, send a new one, and revoke one.
//!
//! A token from a link is refused (401) from the moment its link is revoked or claimed:
//! [`refuse_retired_links`] asks the database on every request carrying one.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{get, post, web, HttpRequest, HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::database::ApiDatabase;
use super::json::JsonBody;
use super::responses;
use super::validation::{field_errors, not_blank};
use crate::app::case_access as app;
use crate::app::time::Now;
use crate::auth::{AccountCustomer, Staff, TokenVerifier};
use crate::config::CaseAccessSettings;
use crate::db::case_access::LinkRow;
use crate::db::Database;
use crate::domain::case_access::LinkState;
use crate::domain::mailroom::MessageChannel;
use crate::error::{ApiError, FieldError};
use crate::letters::Templates;

/// A case link's token, as the resident's link carries it.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"link": "q3Xv0nB8c2LrS6tYh1J9wKpZ4eMfD7aGuN5oIbEyTzA"}))]
pub struct LinkToken {
    /// The token from the link the resident was sent (`{token}` in `CASE_ACCESS_URL`):
    /// 43 characters of base64url.
    #[validate(required(message = "is required"), custom(function = "not_blank"))]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub link: Option<String>,
}

impl LinkToken {
    fn token(self) -> Result<String, ApiError> {
        if let Err(report) = self.validate() {
            return Err(ApiError::Validation(field_errors(&report)));
        }
        Ok(self.link.unwrap_or_default().trim().to_string())
    }
}

/// A token for one case, given for a link.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImNvdW5jaWwtZmVlZGJhY2svY2FzZS1hY2Nlc3MifQ...",
    "token_type": "Bearer", "expires_in": 3600, "expires_at": "2026-03-02T11:00:00Z",
    "case": "CMP-2026-000042", "case_url": "/api/v1/cases/CMP-2026-000042"
}))]
pub struct CaseAccessToken {
    /// A bearer token acting as the case's customer, for this case only: reading it and its
    /// timeline, adding information and documents, asking for stage 2, withdrawing. Any
    /// other case is 404; creating a case is 403.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until it expires (`CASE_ACCESS_TOKEN_MINUTES`, and never after the link).
    pub expires_in: i64,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: String,
    /// The case's reference.
    pub case: String,
    pub case_url: String,
}

#[utoipa::path(
    tag = "case access",
    operation_id = "exchange_case_access_link",
    description = "Roles: none (public): the link is the credential. For the council website's \
                   page that a resident's case link opens.\n\n\
                   Exchanges the token from a resident's case link for a short-lived customer \
                   token scoped to that one case. A link not known, expired, revoked by staff, or \
                   whose case was claimed into an account is 401 with the reason in `detail`. \
                   Limited per address (429 `/problems/rate-limited` with `Retry-After`). \
                   The answer is not to be cached (`Cache-Control: no-store`).",
    request_body = LinkToken,
    responses(
        (status = 200, description = "A token for the link's case", body = CaseAccessToken),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 422, response = responses::ValidationFailed),
        (status = 429, response = responses::RateLimited),
        (status = 503, response = responses::Unavailable),
    )
)]
#[post("/case-access")]
pub async fn exchange(
    req: HttpRequest,
    db: web::Data<Database>,
    now: web::Data<Now>,
    verifier: web::Data<TokenVerifier>,
    settings: web::Data<CaseAccessSettings>,
    body: JsonBody<LinkToken>,
) -> Result<HttpResponse, ApiError> {
    crate::api::rate_limit::admit_address(&req)?;
    let token = body.value.token()?;
    links_in_use(&verifier)?;
    let policy = settings.policy;
    let at = now.now();
    let exchanged = db
        .write(move |conn| Ok(app::exchange(conn, policy, at, &token)?))
        .await?
        .map_err(|refusal| ApiError::Unauthorized {
            detail: refusal.to_string(),
            token_sent: false,
        })?;
    // Tokens are checked against the system's clock: the token lasts as long from now by it
    // as the policy gives it by the service's (the same clock, but in tests).
    let lasts = (exchanged.token_expires_at - at).num_seconds().max(1);
    let issued = chrono::Utc::now().timestamp();
    let expires = issued + lasts;
    let access_token = verifier
        .mint_case_access(exchanged.link, &exchanged.reference, issued, expires)
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CaseAccessToken {
            access_token,
            token_type: "Bearer",
            expires_in: lasts,
            expires_at: super::rfc3339(exchanged.token_expires_at),
            case_url: format!("/api/v1/cases/{}", exchanged.reference),
            case: exchanged.reference,
        }))
}

/// A case claimed into the caller's account.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"case": "CMP-2026-000042", "person_id": 17, "case_url": "/api/v1/cases/CMP-2026-000042"}))]
pub struct ClaimedCase {
    pub case: String,
    /// The caller's person record (`GET /api/v1/people/me`), whom the case's customer now is.
    pub person_id: i64,
    pub case_url: String,
}

#[utoipa::path(
    tag = "case access",
    operation_id = "claim_case_access_link",
    description = "Roles: customer, signed in with their own account (not a token from a case \
                   link).\n\n\
                   A resident who logged a case without an account, and has signed in since, \
                   claims it with the case link they were sent: the case goes into their \
                   account (their case list, their person record) and its links stop working, \
                   so that from now on they sign in. Claiming again with the same account gives \
                   the same answer. A link not known, expired, revoked or claimed by another \
                   account is 422 on `link`.",
    request_body = LinkToken,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case is in the caller's account", body = ClaimedCase),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 422, response = responses::ValidationFailed),
        (status = 429, response = responses::RateLimited),
    )
)]
#[post("/case-access/claims")]
pub async fn claim(
    req: HttpRequest,
    customer: AccountCustomer,
    db: web::Data<Database>,
    now: web::Data<Now>,
    body: JsonBody<LinkToken>,
) -> Result<web::Json<ClaimedCase>, ApiError> {
    crate::api::rate_limit::admit(&req, &customer.0)?;
    let token = body.value.token()?;
    let caller = customer.0;
    let at = now.now();
    let claimed = db
        .write(move |conn| Ok(app::claim(conn, at, &caller, &token)?))
        .await?
        .map_err(|refusal| ApiError::Validation(vec![FieldError::new("link", refusal)]))?;
    Ok(web::Json(ClaimedCase {
        case_url: format!("/api/v1/cases/{}", claimed.reference),
        case: claimed.reference,
        person_id: claimed.person_id,
    }))
}

/// A case link, as staff see it: never its token.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "channel": "email", "state": "active",
    "issued_at": "2026-03-02T10:00:00Z", "issued_by": "council-website",
    "expires_at": "2026-05-31T10:00:00Z", "revoked_at": null, "revoked_by": null,
    "revoke_reason": null, "claimed_at": null, "claimed_by": null,
    "exchanges": 2, "last_exchanged_at": "2026-03-04T18:12:00Z"
}))]
pub struct CaseAccessLinkView {
    pub id: i64,
    /// How it was sent: `email` or `sms`.
    pub channel: MessageChannel,
    pub state: LinkState,
    #[schema(value_type = String, format = DateTime)]
    pub issued_at: String,
    /// Who sent it: the web_form client, or the member of staff.
    pub issued_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<String>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub claimed_at: Option<String>,
    /// The account the case was claimed into.
    pub claimed_by: Option<String>,
    /// How many times it was exchanged for a token.
    pub exchanges: i32,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_exchanged_at: Option<String>,
}

fn view(link: LinkRow, now: chrono::NaiveDateTime) -> CaseAccessLinkView {
    CaseAccessLinkView {
        id: link.id,
        channel: link.channel,
        state: LinkState::at(now, link.expires_at, link.revoked_at, link.claimed_at),
        issued_at: super::rfc3339(link.issued_at),
        issued_by: link.issued_by,
        expires_at: super::rfc3339(link.expires_at),
        revoked_at: link.revoked_at.map(super::rfc3339),
        revoked_by: link.revoked_by,
        revoke_reason: link.revoke_reason,
        claimed_at: link.claimed_at.map(super::rfc3339),
        claimed_by: link.claimed_by,
        exchanges: link.exchanges,
        last_exchanged_at: link.last_exchanged_at.map(super::rfc3339),
    }
}

/// 503 where the service has no key to sign links' tokens with (no `CASE_ACCESS_SECRET`,
/// nor a shared JWT secret to derive one from).
fn links_in_use(verifier: &TokenVerifier) -> Result<(), ApiError> {
    if verifier.can_sign_case_access() {
        Ok(())
    } else {
        Err(ApiError::Unavailable(
            "case links are not in use here: CASE_ACCESS_SECRET is not configured".into(),
        ))
    }
}

/// A case's links, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseAccessLinkList {
    pub items: Vec<CaseAccessLinkView>,
}

#[utoipa::path(
    tag = "case access",
    operation_id = "list_case_access_links",
    description = "Roles: investigating_officer and head_of_service of the case's lead or a \
                   contributing service, complaints_manager.\n\n\
                   The links sent to the case's resident, newest first, with where each stands \
                   and how often it was used. Never the links themselves: they are kept only \
                   hashed.",
    params(("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The case's links", body = CaseAccessLinkList),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/cases/{reference}/access-links")]
pub async fn list(
    staff: Staff,
    db: web::Data<Database>,
    now: web::Data<Now>,
    reference: web::Path<String>,
) -> Result<web::Json<CaseAccessLinkList>, ApiError> {
    let caller = staff.0;
    let reference = reference.into_inner();
    let links = db
        .read(move |conn| Ok(app::of_case(conn, &caller, &reference)?))
        .await?;
    let at = now.now();
    Ok(web::Json(CaseAccessLinkList {
        items: links.into_iter().map(|l| view(l, at)).collect(),
    }))
}

#[utoipa::path(
    tag = "case access",
    operation_id = "send_case_access_link",
    description = "Roles: investigating_officer and head_of_service of the case's lead service, \
                   complaints_manager.\n\n\
                   Sends the case's resident a new link, by email or text message as they are \
                   reached (a resident who lost theirs, or one whose case staff logged). The \
                   links sent before keep working until they expire or are revoked. A case in \
                   a customer's account is 409 (they sign in); a resident with no email \
                   address, or phone number with Notify configured, is 422 on `customer`; \
                   case links not in use here (no `CASE_ACCESS_SECRET`) is 503.",
    params(("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042")),
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The link was sent", body = CaseAccessLinkView,
            headers(("Location" = String, description = "The case's links"))),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 422, response = responses::ValidationFailed),
        (status = 503, response = responses::Unavailable),
    )
)]
#[post("/cases/{reference}/access-links")]
pub async fn send(
    staff: Staff,
    db: web::Data<Database>,
    now: web::Data<Now>,
    verifier: web::Data<TokenVerifier>,
    settings: web::Data<CaseAccessSettings>,
    templates: web::Data<Templates>,
    reference: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    links_in_use(&verifier)?;
    let caller = staff.0;
    let reference = reference.into_inner();
    let at = now.now();
    let (link, reference) = db
        .write(move |conn| {
            let link = app::send_new(conn, &templates, &settings, at, &caller, &reference)?;
            Ok((link, reference))
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/cases/{reference}/access-links"),
        ))
        .json(view(link, at)))
}

/// Why a link is revoked.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The resident says their email account was used by someone else."}))]
pub struct Revocation {
    #[validate(
        required(message = "is required"),
        custom(function = "not_blank"),
        length(max = 2000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
}

#[utoipa::path(
    tag = "case access",
    operation_id = "revoke_case_access_link",
    description = "Roles: investigating_officer and head_of_service of the case's lead service, \
                   complaints_manager.\n\n\
                   Revokes one of the case's links, with the reason: the link, and every token \
                   given for it, stop working at once (401). A link revoked already is 409.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("id" = i64, Path, description = "The link's id", minimum = 1)
    ),
    request_body = Revocation,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The link, revoked", body = CaseAccessLinkView),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/cases/{reference}/access-links/{id}/revocation")]
pub async fn revoke(
    staff: Staff,
    db: web::Data<Database>,
    now: web::Data<Now>,
    path: web::Path<(String, String)>,
    body: JsonBody<Revocation>,
) -> Result<web::Json<CaseAccessLinkView>, ApiError> {
    let (reference, id) = path.into_inner();
    let id = super::path_id(&id, "link")?;
    let revocation = body.value;
    if let Err(report) = revocation.validate() {
        return Err(ApiError::Validation(field_errors(&report)));
    }
    let reason = revocation.reason.unwrap_or_default().trim().to_string();
    let caller = staff.0;
    let at = now.now();
    let link = db
        .write(move |conn| Ok(app::revoke(conn, at, &caller, &reference, id, &reason)?))
        .await?;
    Ok(web::Json(view(link, at)))
}

/// The link a request's bearer token came from, when it is a token from a case link that
/// verifies.
fn case_link_of(req: &ServiceRequest) -> Option<i64> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()
        .and_then(|v| {
            // As `auth` reads it: a token sent either way is checked.
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })?
        .trim();
    let kid = jsonwebtoken::decode_header(token).ok()?.kid?;
    if kid != crate::auth::CASE_ACCESS_KID {
        return None;
    }
    let verifier = req.app_data::<web::Data<TokenVerifier>>()?;
    verifier.verify(token).ok()?.case_link.map(|l| l.link)
}

/// Refuses (401) a request whose token came from a case link revoked or claimed since: a
/// token's own expiry is short, but a revoked link stops its tokens at once. Other requests
/// pass untouched, after a look at their token's header.
pub async fn refuse_retired_links(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Some(link) = case_link_of(&req) {
        let db = req.app_data::<web::Data<Database>>().cloned();
        if let Some(db) = db {
            let live = db.read(move |conn| Ok(app::unretired(conn, link)?)).await;
            let refused = match live {
                Ok(true) => None,
                Ok(false) => Some(ApiError::Unauthorized {
                    detail: "the case link this token came from was revoked, or the case was \
                             claimed into an account"
                        .into(),
                    token_sent: true,
                }),
                Err(e) => Some(e),
            };
            if let Some(error) = refused {
                let (req, _) = req.into_parts();
                return Ok(ServiceResponse::new(req, error.error_response()));
            }
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

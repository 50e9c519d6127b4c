//! Verifying and minting tokens.

use jsonwebtoken::{
    decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use serde::{Deserialize, Serialize};

use super::Caller;
use crate::config::{JwtAlgorithm, JwtKeys, JwtSettings};
use crate::domain::case::Role;

/// The claims this service reads and mints.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub services: Vec<String>,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
}

/// Claims as they may arrive: `aud` may be a string or a list.
#[derive(Debug, Deserialize)]
struct IncomingClaims {
    sub: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    services: Vec<String>,
    /// OpenID Connect's authorised party: the client the token was issued to.
    #[serde(default)]
    azp: Option<String>,
    /// RFC 9068's name for it.
    #[serde(default)]
    client_id: Option<String>,
}

/// The key id (`kid`) of the tokens this service gives for case-access links: the service
/// signs them itself (HS256), whatever signs its other callers' tokens.
pub const CASE_ACCESS_KID: &str = "council-feedback/case-access";

/// What a token from a case-access link says beyond the usual claims.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CaseAccessClaims {
    sub: String,
    roles: Vec<String>,
    iss: String,
    aud: String,
    exp: i64,
    nbf: i64,
    iat: i64,
    /// The one case the token reaches.
    case: String,
    /// The link it came from.
    lnk: i64,
}

/// The key the service signs case-access tokens with.
struct CaseAccessKey {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

/// Checks bearer tokens against the configured keys.
pub struct TokenVerifier {
    keys: Vec<(Option<String>, DecodingKey)>,
    validation: Validation,
    encoding: Option<EncodingKey>,
    issuer: String,
    audience: String,
    case_access: Option<CaseAccessKey>,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier")
            .field("algorithms", &self.validation.algorithms)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

fn algorithm(a: JwtAlgorithm) -> Algorithm {
    match a {
        JwtAlgorithm::Hs256 => Algorithm::HS256,
        JwtAlgorithm::Rs256 => Algorithm::RS256,
        JwtAlgorithm::Es256 => Algorithm::ES256,
    }
}

impl TokenVerifier {
    /// Builds the verifier, failing with a message naming the variable when a
    /// key cannot be used.
    pub fn new(settings: &JwtSettings) -> Result<Self, crate::config::ConfigError> {
        let bad = |variable: &'static str, message: String| crate::config::ConfigError {
            variable,
            message,
        };
        let (alg, keys, encoding) = match &settings.keys {
            JwtKeys::Secret(secret) | JwtKeys::Local { secret, .. } => (
                Algorithm::HS256,
                vec![(None, DecodingKey::from_secret(secret.expose().as_bytes()))],
                Some(EncodingKey::from_secret(secret.expose().as_bytes())),
            ),
            JwtKeys::PublicKeyPem { algorithm: a, pem } => {
                let key = match a {
                    JwtAlgorithm::Rs256 => DecodingKey::from_rsa_pem(pem),
                    JwtAlgorithm::Es256 => DecodingKey::from_ec_pem(pem),
                    JwtAlgorithm::Hs256 => unreachable_hs256(),
                }
                .map_err(|e| {
                    bad(
                        "JWT_PUBLIC_KEY_FILE",
                        format!("not a usable public key: {e}"),
                    )
                })?;
                (algorithm(*a), vec![(None, key)], None)
            }
            JwtKeys::Jwks { algorithm: a, json } => {
                let set: jsonwebtoken::jwk::JwkSet = serde_json::from_str(json)
                    .map_err(|e| bad("JWT_JWKS_FILE", format!("not a JWKS document: {e}")))?;
                let wanted = algorithm(*a);
                let keys: Vec<_> = set
                    .keys
                    .iter()
                    .filter(|jwk| {
                        jwk.common
                            .key_algorithm
                            .map(|ka| ka.to_string() == format!("{wanted:?}"))
                            .unwrap_or(true)
                    })
                    .filter_map(|jwk| {
                        DecodingKey::from_jwk(jwk)
                            .ok()
                            .map(|k| (jwk.common.key_id.clone(), k))
                    })
                    .collect();
                if keys.is_empty() {
                    return Err(bad(
                        "JWT_JWKS_FILE",
                        format!("holds no usable {wanted:?} key"),
                    ));
                }
                (wanted, keys, None)
            }
        };
        let mut validation = Validation::new(alg);
        validation.algorithms = vec![alg];
        validation.set_issuer(&[settings.issuer.as_str()]);
        validation.set_audience(&[settings.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = settings.leeway_seconds;
        let case_access = case_access_secret(settings).map(|secret| {
            let mut validation = Validation::new(Algorithm::HS256);
            validation.algorithms = vec![Algorithm::HS256];
            validation.set_issuer(&[settings.issuer.as_str()]);
            validation.set_audience(&[settings.audience.as_str()]);
            validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
            validation.validate_nbf = true;
            validation.leeway = settings.leeway_seconds;
            CaseAccessKey {
                encoding: EncodingKey::from_secret(&secret),
                decoding: DecodingKey::from_secret(&secret),
                validation,
            }
        });
        Ok(TokenVerifier {
            keys,
            validation,
            encoding,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            case_access,
        })
    }

    /// Whether this deployment can give tokens for case-access links: with
    /// `CASE_ACCESS_SECRET`, or a shared JWT secret to derive one from.
    pub fn can_sign_case_access(&self) -> bool {
        self.case_access.is_some()
    }

    /// A token for the resident holding link `link` to case `reference`, valid until
    /// `expires` (Unix seconds), signed with the case-access key.
    pub fn mint_case_access(
        &self,
        link: i64,
        reference: &str,
        now: i64,
        expires: i64,
    ) -> Result<String, String> {
        let key = self
            .case_access
            .as_ref()
            .ok_or("case-access links need CASE_ACCESS_SECRET (or JWT_SECRET)")?;
        let claims = CaseAccessClaims {
            sub: format!("{}{link}", super::CASE_LINK_SUBJECT_PREFIX),
            roles: vec![Role::Customer.as_str().to_string()],
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: expires,
            nbf: now - 1,
            iat: now,
            case: reference.to_string(),
            lnk: link,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(CASE_ACCESS_KID.to_string());
        encode(&header, &claims, &key.encoding).map_err(|e| format!("cannot sign: {e}"))
    }

    /// The caller a case-access token speaks for.
    fn verify_case_access(&self, token: &str) -> Result<Caller, String> {
        let key = self
            .case_access
            .as_ref()
            .ok_or("this service does not give case-access tokens")?;
        let data = decode::<CaseAccessClaims>(token, &key.decoding, &key.validation)
            .map_err(|e| reason(&e))?;
        let claims = data.claims;
        if claims.sub != format!("{}{}", super::CASE_LINK_SUBJECT_PREFIX, claims.lnk) {
            return Err("the token's `sub` does not match its link".into());
        }
        Ok(Caller::case_link(claims.lnk, claims.case))
    }

    /// The caller a token speaks for, or why it cannot be trusted. The
    /// reason is safe to send back: it says what is wrong, not what is right.
    pub fn verify(&self, token: &str) -> Result<Caller, String> {
        let header =
            decode_header(token).map_err(|_| "the token is not a well-formed JWT".to_string())?;
        if header.kid.as_deref() == Some(CASE_ACCESS_KID) {
            return self.verify_case_access(token);
        }
        if !self.validation.algorithms.contains(&header.alg) {
            return Err(
                "the token is signed with an algorithm this service does not accept".into(),
            );
        }
        // A token naming its key must name one of ours; a key given without an id (a shared
        // secret, a single PEM) has nothing to match, and takes a token whatever it names.
        let unknown = || "the token's key id is not known".to_string();
        let key = match (&header.kid, self.keys.as_slice()) {
            (_, [(None, key)]) => key,
            (Some(kid), keys) => keys
                .iter()
                .find(|(id, _)| id.as_deref() == Some(kid.as_str()))
                .map(|(_, k)| k)
                .ok_or_else(unknown)?,
            (None, [(Some(_), key)]) => key,
            (None, _) => return Err("the token has no key id".into()),
        };
        let data =
            decode::<IncomingClaims>(token, key, &self.validation).map_err(|e| reason(&e))?;
        let claims = data.claims;
        if claims.sub.trim().is_empty() {
            return Err("the token's `sub` is empty".into());
        }
        // No text column stores a NUL: a subject or service holding one could never match.
        if claims.sub.contains('\0') || claims.services.iter().any(|s| s.contains('\0')) {
            return Err("the token's `sub` or `services` holds a NUL character".into());
        }
        Ok(Caller {
            subject: claims.sub,
            roles: claims.roles.iter().filter_map(|r| Role::parse(r)).collect(),
            services: claims.services,
            client_id: claims
                .azp
                .or(claims.client_id)
                .filter(|c| !c.trim().is_empty() && !c.contains('\0') && c.len() <= 200),
            case_link: None,
        })
    }

    /// Whether this deployment can mint tokens (only with a shared secret).
    pub fn can_mint(&self) -> bool {
        self.encoding.is_some()
    }

    /// A signed token for `subject` with these roles and services, valid for `ttl_seconds`.
    pub fn mint(
        &self,
        subject: &str,
        roles: &[Role],
        services: &[String],
        ttl_seconds: i64,
    ) -> Result<String, String> {
        let key = self
            .encoding
            .as_ref()
            .ok_or("tokens can only be minted with JWT_SECRET or in local mode")?;
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: subject.to_string(),
            roles: roles.iter().map(|r| r.as_str().to_string()).collect(),
            services: services.to_vec(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now + ttl_seconds,
            nbf: Some(now - 1),
            iat: Some(now),
        };
        encode(&Header::new(Algorithm::HS256), &claims, key)
            .map_err(|e| format!("cannot sign: {e}"))
    }
}

/// Mints a token with the configured secret (the `token` subcommand).
pub fn mint(
    settings: &JwtSettings,
    subject: &str,
    roles: &[Role],
    services: &[String],
    ttl_seconds: i64,
) -> Result<String, String> {
    let verifier = TokenVerifier::new(settings).map_err(|e| e.to_string())?;
    verifier.mint(subject, roles, services, ttl_seconds)
}

/// Why a token did not verify, safe to send back.
fn reason(e: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match e.kind() {
        ErrorKind::ExpiredSignature => "the token has expired".to_string(),
        ErrorKind::ImmatureSignature => "the token is not valid yet".to_string(),
        ErrorKind::InvalidIssuer => "the token's issuer is not accepted".to_string(),
        ErrorKind::InvalidAudience => "the token's audience is not this service".to_string(),
        ErrorKind::InvalidSignature => "the token's signature does not verify".to_string(),
        ErrorKind::MissingRequiredClaim(claim) => format!("the token has no `{claim}` claim"),
        ErrorKind::InvalidAlgorithm => {
            "the token is signed with an algorithm this service does not accept".to_string()
        }
        _ => "the token cannot be verified".to_string(),
    }
}

/// The key case-access tokens are signed with: `CASE_ACCESS_SECRET`, or one derived from a
/// shared JWT secret (HMAC-SHA256 of a fixed label), so that a token from a link can never
/// pass as an ordinary one; none when the deployment has neither.
fn case_access_secret(settings: &JwtSettings) -> Option<Vec<u8>> {
    use hmac::{Hmac, Mac};
    if let Some(secret) = &settings.case_access_secret {
        return Some(secret.expose().as_bytes().to_vec());
    }
    let shared = match &settings.keys {
        JwtKeys::Secret(secret) | JwtKeys::Local { secret, .. } => secret,
        JwtKeys::PublicKeyPem { .. } | JwtKeys::Jwks { .. } => return None,
    };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(shared.expose().as_bytes()).ok()?;
    mac.update(b"council-feedback case-access tokens");
    Some(mac.finalize().into_bytes().to_vec())
}

fn unreachable_hs256() -> Result<DecodingKey, jsonwebtoken::errors::Error> {
    // Settings never pair HS256 with a PEM file; answer as a bad key if they ever do.
    Err(jsonwebtoken::errors::ErrorKind::InvalidKeyFormat.into())
}

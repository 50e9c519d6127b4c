use awc::http::Method;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use council_feedback::auth::Claims;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::helpers::*;

fn claims(overrides: serde_json::Value) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    with(
        json!({
            "sub": "manager-9",
            "roles": ["complaints_manager"],
            "services": [],
            "iss": ISSUER,
            "aud": AUDIENCE,
            "exp": now + 600,
            "iat": now,
        }),
        overrides,
    )
}

fn hs256(secret: &str, claims: &serde_json::Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

fn rs256(claims: &serde_json::Value) -> String {
    let pem = std::fs::read("tests/fixtures/rs256-private.pem").expect("key");
    encode(
        &Header::new(Algorithm::RS256),
        claims,
        &EncodingKey::from_rsa_pem(&pem).expect("rsa"),
    )
    .expect("sign")
}

#[track_caller]
fn assert_invalid_token(response: &TestResponse) {
    response.problem(401, "/problems/unauthorized");
    let challenge = response
        .header("www-authenticate")
        .expect("WWW-Authenticate");
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );
}

#[actix_web::test]
async fn a_missing_token_is_challenged() {
    let app = spawn_app().await;
    let response = app
        .send(Method::GET, "/api/v1/cases", None, &[], None)
        .await;
    response.problem(401, "/problems/unauthorized");
    assert_eq!(
        response.header("www-authenticate").as_deref(),
        Some(r#"Bearer realm="council-feedback""#)
    );
}

#[actix_web::test]
async fn untrustworthy_tokens_get_401() {
    let app = spawn_app().await;
    let now = chrono::Utc::now().timestamp();
    let good = hs256(SECRET, &claims(json!({})));
    assert_eq!(app.get("/api/v1/cases", &good).await.status, 200);

    let (head, rest) = good.split_once('.').expect("jwt");
    let (payload, signature) = rest.split_once('.').expect("jwt");
    let mut forged = claims(json!({}));
    forged["sub"] = json!("someone-else");
    let tampered = format!(
        "{head}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(forged.to_string())
    );
    let alg_none = format!(
        "{}.{payload}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#)
    );

    let cases = [
        (
            "expired",
            hs256(SECRET, &claims(json!({"exp": now - 3600}))),
        ),
        (
            "not yet valid",
            hs256(SECRET, &claims(json!({"nbf": now + 3600}))),
        ),
        (
            "wrong audience",
            hs256(SECRET, &claims(json!({"aud": "another-api"}))),
        ),
        (
            "wrong issuer",
            hs256(SECRET, &claims(json!({"iss": "https://evil.example"}))),
        ),
        ("no exp", hs256(SECRET, &claims(json!({"exp": null})))),
        ("no sub", hs256(SECRET, &claims(json!({"sub": null})))),
        (
            "wrong secret",
            hs256(
                "another-secret-0123456789-abcdefghijklmnop",
                &claims(json!({})),
            ),
        ),
        ("tampered", tampered),
        ("alg none", alg_none),
        ("wrong algorithm", rs256(&claims(json!({})))),
        ("garbage", "not.a.token".to_string()),
    ];
    for (what, token) in cases {
        let response = app.get("/api/v1/cases", &token).await;
        assert_eq!(response.status, 401, "{what}: {}", response.text());
        assert_invalid_token(&response);
    }

    let not_bearer = app
        .send(
            Method::GET,
            "/api/v1/cases",
            None,
            &[("Authorization", &format!("Basic {good}"))],
            None,
        )
        .await;
    assert_invalid_token(&not_bearer);
}

#[actix_web::test]
async fn a_token_without_a_known_role_is_forbidden() {
    let app = spawn_app().await;
    let token = hs256(SECRET, &claims(json!({"roles": ["superuser"]})));
    app.get("/api/v1/cases", &token)
        .await
        .problem(403, "/problems/forbidden");
}

#[actix_web::test]
async fn a_staff_role_that_may_not_act_gets_403() {
    let app = spawn_app().await;
    let body = json!({"id": "parking", "name": "Parking", "directorate": "place"});
    for token in [
        app.officer("o-1", &["waste-care"]),
        app.head_of_service("h-1", &["waste-care"]),
    ] {
        app.post("/api/v1/services", &token, &body)
            .await
            .problem(403, "/problems/forbidden");
    }
    app.post("/api/v1/services", &app.customer("c-1"), &body)
        .await
        .problem(403, "/problems/forbidden");
    app.post("/api/v1/services", &app.partner("p-1"), &body)
        .await
        .problem(403, "/problems/forbidden");
    assert_eq!(
        app.post("/api/v1/services", &app.manager(), &body)
            .await
            .status,
        201
    );
}

#[actix_web::test]
async fn with_an_identity_provider_key_only_its_algorithm_is_accepted() {
    let app = spawn_app_with(&[
        ("JWT_SECRET", ""),
        ("JWT_PUBLIC_KEY_FILE", "tests/fixtures/rs256-public.pem"),
        ("JWT_ALGORITHM", "RS256"),
    ])
    .await;
    let token = rs256(&claims(json!({})));
    assert_eq!(app.get("/api/v1/cases", &token).await.status, 200);

    // The classic confusion: HS256 "signed" with the public key as the secret.
    let public = std::fs::read_to_string("tests/fixtures/rs256-public.pem").expect("key");
    let confused = hs256(&public, &claims(json!({})));
    assert_invalid_token(&app.get("/api/v1/cases", &confused).await);
}

#[actix_web::test]
async fn es256_keys_from_a_jwks_file_verify_tokens_by_key_id() {
    use jsonwebtoken::jwk::{Jwk, JwkSet};
    let public_pem = std::fs::read("tests/fixtures/es256-public.pem").expect("key");
    let private_pem = std::fs::read("tests/fixtures/es256-private.pem").expect("key");
    let encoding = EncodingKey::from_ec_pem(&private_pem).expect("ec");
    let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::ES256).expect("jwk");
    jwk.common.key_id = Some("idp-key-1".into());
    let jwks_path =
        std::env::temp_dir().join(format!("cf-jwks-{}.json", uuid::Uuid::new_v4().simple()));
    std::fs::write(
        &jwks_path,
        serde_json::to_string(&JwkSet { keys: vec![jwk] }).expect("json"),
    )
    .expect("write");
    let _ = public_pem;

    let app = spawn_app_with(&[
        ("JWT_SECRET", ""),
        ("JWT_JWKS_FILE", jwks_path.to_str().expect("path")),
        ("JWT_ALGORITHM", "ES256"),
    ])
    .await;
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("idp-key-1".into());
    let token = encode(&header, &claims(json!({})), &encoding).expect("sign");
    assert_eq!(app.get("/api/v1/cases", &token).await.status, 200);
    assert_invalid_token(
        &app.get("/api/v1/cases", &hs256(SECRET, &claims(json!({}))))
            .await,
    );
    // Signed with the right key but naming another: the set's one key is not taken for it.
    let mut elsewhere = Header::new(Algorithm::ES256);
    elsewhere.kid = Some("idp-key-2".into());
    let misnamed = encode(&elsewhere, &claims(json!({})), &encoding).expect("sign");
    let refused = app.get("/api/v1/cases", &misnamed).await;
    assert_invalid_token(&refused);
    assert!(
        refused.text().contains("key id is not known"),
        "{}",
        refused.text()
    );
    // Naming no key, the set's only key is the one.
    let unnamed = encode(
        &Header::new(Algorithm::ES256),
        &claims(json!({})),
        &encoding,
    )
    .expect("sign");
    assert_eq!(app.get("/api/v1/cases", &unnamed).await.status, 200);
    let _ = std::fs::remove_file(jwks_path);
}

#[test]
fn minted_claims_carry_roles_services_issuer_and_audience() {
    let claims = Claims {
        sub: "x".into(),
        roles: vec!["customer".into()],
        services: vec![],
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        exp: 1,
        nbf: None,
        iat: None,
    };
    let json = serde_json::to_value(&claims).expect("json");
    assert_eq!(json["roles"][0], "customer");
    assert!(json.get("nbf").is_none());
}

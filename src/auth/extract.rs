//! Extractors that authenticate the request and admit only certain roles.
//! A handler taking `ComplaintsManager` cannot run for anyone else.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{http::header, web, FromRequest, HttpRequest};

use super::{Caller, TokenVerifier};
use crate::domain::case::Role;
use crate::error::ApiError;

fn authenticate(req: &HttpRequest) -> Result<Caller, ApiError> {
    let verifier = req
        .app_data::<web::Data<TokenVerifier>>()
        .ok_or_else(|| ApiError::internal("no token verifier configured"))?;
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Err(ApiError::Unauthorized {
            detail: "send a bearer token in the Authorization header".into(),
            token_sent: false,
        });
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::Unauthorized {
            detail: "the Authorization header must be `Bearer <token>`".into(),
            token_sent: true,
        })?;
    let caller = verifier
        .verify(token)
        .map_err(|detail| ApiError::Unauthorized {
            detail,
            token_sent: true,
        })?;
    if caller.roles.is_empty() {
        return Err(ApiError::Forbidden(
            "the token carries no role this service knows".into(),
        ));
    }
    Ok(caller)
}

/// Declares an extractor admitting a set of roles.
macro_rules! role_extractor {
    ($(#[$meta:meta])* $name:ident, [$($role:ident),+], $who:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Caller);

        impl $name {
            /// The roles admitted, as the OpenAPI description names them.
            pub const ROLES: &'static str = $who;
        }

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Ready<Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                ready(authenticate(req).and_then(|caller| {
                    if [$(Role::$role),+].iter().any(|r| caller.has(*r)) {
                        Ok($name(caller))
                    } else {
                        Err(ApiError::Forbidden(format!("only {} may do this", $who)))
                    }
                }))
            }
        }

        impl std::ops::Deref for $name {
            type Target = Caller;
            fn deref(&self) -> &Caller {
                &self.0
            }
        }
    };
}

role_extractor!(
    /// Any authenticated caller with a known role.
    AnyCaller,
    [Customer, InvestigatingOfficer, HeadOfService, ComplaintsManager, Partner],
    "any authenticated caller"
);

role_extractor!(
    /// Council staff: investigating officers, Heads of Service and the complaints team.
    Staff,
    [InvestigatingOfficer, HeadOfService, ComplaintsManager],
    "staff (investigating_officer, head_of_service, complaints_manager)"
);

role_extractor!(
    /// The corporate complaints team.
    ComplaintsManager,
    [ComplaintsManager],
    "the complaints_manager role"
);

//! Liveness and readiness, for load balancers and orchestrators.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::responses;
use crate::db::Database;
use crate::error::ApiError;

/// A health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

#[utoipa::path(
    tag = "system",
    operation_id = "healthz",
    description = "Roles: none (public).\n\nThe process is up and serving.",
    responses((status = 200, description = "Up", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

#[utoipa::path(
    tag = "system",
    operation_id = "readyz",
    description = "Roles: none (public).\n\nThe database answers: send traffic here.",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, response = responses::Unavailable),
    )
)]
#[get("/readyz")]
pub async fn readyz(db: web::Data<Database>) -> Result<HttpResponse, ApiError> {
    db.ping().await?;
    Ok(HttpResponse::Ok().json(Health { status: "ready" }))
}

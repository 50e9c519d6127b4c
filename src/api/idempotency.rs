//! `Idempotency-Key` on creates: the same key and body replay the first
//! answer (with `Idempotent-Replayed: true`); the same key with another body
//! is refused. Keys are scoped to the caller (the token's `sub`).

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};

use super::database::ApiDatabase;
use crate::db::{self, idempotency, Database, DbConnection};
use crate::error::ApiError;

/// The header, as integrators send it.
pub const HEADER: &str = "Idempotency-Key";

/// What a create made: enough to answer, and to answer again on a replay.
#[derive(Debug, Clone)]
pub struct Created {
    pub body: String,
    pub location: String,
    pub etag: Option<String>,
}

/// Reads the key: 1 to 255 visible ASCII characters.
pub fn key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    if text.is_empty() || text.len() > 255 || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid(
            HEADER,
            "must be 1 to 255 visible ASCII characters",
        ));
    }
    Ok(Some(text.to_string()))
}

const RACE: &str = "a request with this Idempotency-Key is still being handled; retry shortly";

/// Runs `create` once per (caller, key): a retry replays the stored answer.
/// Without a key, `create` simply runs.
pub async fn create_once<F>(
    db: &Database,
    caller: &str,
    key: Option<String>,
    fingerprint: String,
    create: F,
) -> Result<HttpResponse, ApiError>
where
    F: Fn(&mut DbConnection) -> Result<Created, ApiError> + Send + Sync + Clone + 'static,
{
    let (created, replayed) = created_once(db, caller, key, fingerprint, create).await?;
    Ok(created_response(&created, replayed))
}

/// The answer to a create: 201 with the body, `Location`, `ETag`, and
/// `Idempotent-Replayed: true` on a replay.
pub fn created_response(created: &Created, replayed: bool) -> HttpResponse {
    respond(StatusCode::CREATED, created, replayed)
}

/// [`create_once`]'s work without the HTTP answer: what was created, and whether it is a
/// replay (the reference form renders it as a page).
pub async fn created_once<F>(
    db: &Database,
    caller: &str,
    key: Option<String>,
    fingerprint: String,
    create: F,
) -> Result<(Created, bool), ApiError>
where
    F: Fn(&mut DbConnection) -> Result<Created, ApiError> + Send + Sync + Clone + 'static,
{
    let Some(key) = key else {
        let created = db.write(move |conn| create(conn)).await?;
        return Ok((created, false));
    };
    // The key and the answer are written once, with the create. A second request with the
    // same key finds the stored answer; one racing the first loses at that write, rolls back
    // and finds it on the next round.
    for _ in 0..5 {
        let caller = caller.to_string();
        let key = key.clone();
        let fingerprint = fingerprint.clone();
        let create = create.clone();
        let outcome = db
            .write(move |conn| {
                if let Some(stored) = idempotency::find(conn, &caller, &key)? {
                    return replay(stored, &fingerprint);
                }
                let created = create(conn)?;
                match idempotency::record(
                    conn,
                    &caller,
                    &key,
                    &fingerprint,
                    StatusCode::CREATED.as_u16(),
                    &created.body,
                    Some(&created.location),
                    created.etag.as_deref(),
                ) {
                    Ok(_) => {}
                    // Another request with this key committed first: this one rolls back and
                    // the next round replays that answer.
                    Err(e) if db::is_unique_violation(&e) => {
                        return Err(ApiError::Conflict {
                            detail: RACE.into(),
                            field: Some(HEADER.into()),
                        })
                    }
                    Err(e) => return Err(e.into()),
                }
                Ok((created, false))
            })
            .await;
        match outcome {
            Ok((created, replayed)) => return Ok((created, replayed)),
            Err(ApiError::Conflict { detail, .. }) if detail == RACE => continue,
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::Conflict {
        detail: RACE.into(),
        field: Some(HEADER.into()),
    })
}

fn replay(
    stored: idempotency::IdempotencyRow,
    fingerprint: &str,
) -> Result<(Created, bool), ApiError> {
    if stored.request_hash != fingerprint {
        return Err(ApiError::IdempotencyKeyReused);
    }
    match (stored.response_body, stored.response_location) {
        (Some(body), Some(location)) => Ok((
            Created {
                body,
                location,
                etag: stored.response_etag,
            },
            true,
        )),
        _ => Err(ApiError::Conflict {
            detail: RACE.into(),
            field: Some(HEADER.into()),
        }),
    }
}

fn respond(status: StatusCode, created: &Created, replayed: bool) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((header::LOCATION, created.location.as_str()));
    if let Some(etag) = &created.etag {
        response.insert_header((header::ETAG, etag.as_str()));
    }
    if replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    response.body(created.body.clone())
}

//! The event feed: every change to a case, in order, for the council's CRM and the partners'
//! systems to follow without polling every case. Each event is thin (its type, the case, the
//! stage and the due date it sets, and when): a consumer reads the rest through the API, where
//! access is checked.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::database::ApiDatabase;
use super::event_types::FeedTypeName;
use super::{pagination, responses};
use crate::app::time::Now;
use crate::auth::AnyCaller;
use crate::db::events::{self, FeedFilter};
use crate::db::Database;
use crate::domain::case::events::{EVENT_TYPES, FEED_VERSION};
use crate::domain::case::{Stage, Visibility};
use crate::error::{ApiError, FieldError};

/// How long events stay in the feed (the timeline keeps them for good).
#[derive(Debug, Clone, Copy)]
pub struct FeedRetention {
    pub days: u32,
}

/// What an event concerns.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeedEventData {
    /// The case's reference.
    #[schema(example = "CMP-2026-000042")]
    pub case: String,
    /// The stage the event concerns, where it concerns one.
    pub stage: Option<Stage>,
    /// The due date the event sets, where it sets one: the response's after an
    /// acknowledgement, the new date after an extension, the stage 2 acknowledgement's after a
    /// request, a remedy's when it is promised, the end of the window to ask for stage 2 when a
    /// response is sent, the deadline's own date on a deadline alert.
    #[schema(value_type = Option<String>, format = Date, example = "2026-12-07")]
    pub due: Option<String>,
}

/// One event in the feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1042, "type": "stage.acknowledged", "version": 1,
    "timestamp": "2026-11-23T09:15:00Z", "visibility": "public",
    "data": {"case": "CMP-2026-000042", "stage": "stage_1", "due": "2026-12-07"}
}))]
pub struct FeedEvent {
    /// The event's id, the same as on the case's timeline.
    pub id: i64,
    /// What happened.
    #[serde(rename = "type")]
    #[schema(value_type = FeedTypeName)]
    pub event_type: String,
    /// The version of this payload.
    pub version: u32,
    /// When it happened.
    #[schema(format = DateTime)]
    pub timestamp: String,
    /// `internal` events are seen only by staff (and the complaints manager's CRM).
    pub visibility: Visibility,
    pub data: FeedEventData,
}

/// A page of the feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeedPage {
    /// Oldest first.
    pub items: Vec<FeedEvent>,
    /// Pass as `after` for what comes next. Never null: on the last page it is where the feed
    /// stands now, so polling with it later returns only what happened since.
    pub next_cursor: String,
}

/// `?after=&types=&limit=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The `next_cursor` of the previous page; without it the feed starts at its oldest kept
    /// event.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub after: Option<String>,
    /// Only these types, comma-separated (`case.created,response.sent`).
    #[param(example = "case.created,response.sent")]
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub types: Option<String>,
    /// 1 to 200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    #[serde(default)]
    pub limit: Option<String>,
}

/// The feed's position as a cursor.
fn cursor(commit_order: i64, id: i64) -> String {
    pagination::encode(&format!("{commit_order}|{id}"))
}

/// The requested types, each one the feed knows.
fn requested_types(raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<Vec<String>> {
    let raw = raw?;
    let mut types = Vec::new();
    for name in raw.split(',').map(str::trim) {
        if EVENT_TYPES.iter().any(|t| t.feed_name == name) {
            types.push(name.to_string());
        } else {
            errors.push(FieldError::new(
                "types",
                format!("`{name}` is not an event type: see GET /api/v1/event-types"),
            ));
            return None;
        }
    }
    Some(types)
}

#[utoipa::path(
    tag = "events",
    operation_id = "list_events",
    description = "Roles: complaints_manager (every event, internal ones included: the CRM's \
                   token), investigating_officer and head_of_service (their services' cases, \
                   internal events included), partner (the cases it posted, public events only), \
                   customer (their own cases, public events only).\n\n\
                   Every change to a case, oldest first, in the order the changes were committed: \
                   a consumer that follows `next_cursor` never misses one, even when two changes \
                   commit out of the order they began in. The last page's `next_cursor` is where \
                   the feed stands: poll with it to get what happened since. Events stay in the \
                   feed for `EVENT_FEED_RETENTION_DAYS` (90 by default); the case's timeline \
                   keeps them for good. The types are listed at `GET /api/v1/event-types`.",
    params(FeedQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of the feed", body = FeedPage),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/events")]
pub async fn list(
    caller: AnyCaller,
    db: web::Data<Database>,
    now: web::Data<Now>,
    retention: web::Data<FeedRetention>,
    query: web::Query<FeedQuery>,
) -> Result<web::Json<FeedPage>, ApiError> {
    let query = query.into_inner();
    let mut errors = Vec::new();
    let limit = pagination::limit(query.limit.as_deref(), &mut errors);
    let after = pagination::decode_named_as("after", query.after.as_deref(), |position| {
        let (order, id) = position.split_once('|')?;
        let (order, id) = (order.parse::<i64>().ok()?, id.parse::<i64>().ok()?);
        (order >= 0 && id >= 0).then_some((order, id))
    })?;
    let types = requested_types(query.types.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let caller = caller.0;
    let filter = FeedFilter {
        scope: caller.case_scope(),
        public_only: !caller.is_staff(),
        types,
        after,
        kept_since: now.now() - chrono::Duration::days(i64::from(retention.days)),
    };
    let rows = db
        .read(move |conn| Ok(events::feed(conn, &filter, limit)?))
        .await?;
    // The last event shown, or where the caller already stood: every page has a cursor.
    let (order, id) = rows
        .last()
        .map(|(row, _)| (row.commit_order, row.id))
        .or(after)
        .unwrap_or((0, 0));
    let next_cursor = cursor(order, id);
    let items = rows
        .into_iter()
        .map(|(row, reference)| FeedEvent {
            id: row.id,
            event_type: row.feed_type,
            version: FEED_VERSION,
            timestamp: super::rfc3339(row.occurred_at),
            visibility: row.visibility,
            data: FeedEventData {
                case: reference,
                stage: row.stage,
                due: row.due.map(|d| d.format("%Y-%m-%d").to_string()),
            },
        })
        .collect();
    Ok(web::Json(FeedPage { items, next_cursor }))
}

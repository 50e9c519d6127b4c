//! The kinds of event a case's timeline carries (and the event feed and webhooks will): each
//! one's `type`, who may see it, what it means and the JSON Schema of its `details`. The list
//! is `EVENT_TYPES`; the schemas are generated from `CaseEvent`, the enum every handler
//! records its event as, so they cannot drift from what is stored.

use std::borrow::Cow;

use actix_web::{get, web};
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use super::responses;
use crate::auth::AnyCaller;
use crate::domain::case::events::{CaseEvent, EVENT_TYPES};
use crate::domain::case::Visibility;
use crate::error::ApiError;

/// The `type` of an event: one of `EVENT_TYPES`.
pub struct EventTypeName;

impl PartialSchema for EventTypeName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "What happened to a case: the `type` of a timeline event.",
            ))
            .enum_values(Some(EVENT_TYPES.iter().map(|t| t.name)))
            .into()
    }
}

impl ToSchema for EventTypeName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("EventTypeName")
    }
}

/// The `type` of an event in the feed and on webhooks: one of `EVENT_TYPES`' feed names.
pub struct FeedTypeName;

impl PartialSchema for FeedTypeName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "What happened to a case, as the event feed names it: the thing, then what \
                 happened to it.",
            ))
            .enum_values(Some(EVENT_TYPES.iter().map(|t| t.feed_name)))
            .into()
    }
}

impl ToSchema for FeedTypeName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("FeedTypeName")
    }
}

/// One kind of event.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "note", "feed_type": "case.note_added", "version": 1, "visibility": "internal",
    "description": "A member of staff added an internal note.",
    "details": {"type": "object", "description": "A member of staff added an internal note.",
                "required": ["text"], "properties": {"text": {"type": "string"}}}
}))]
pub struct EventTypeItem {
    /// The `type` on the timeline.
    #[serde(rename = "type")]
    #[schema(value_type = EventTypeName)]
    pub event_type: &'static str,
    /// The `type` in the event feed (`GET /api/v1/events`) and on webhooks.
    #[schema(value_type = FeedTypeName)]
    pub feed_type: &'static str,
    /// The version of the feed's payload for this type.
    #[schema(example = 1)]
    pub version: u32,
    /// Who may see it: `public` events are shown to the customer and the partner who posted
    /// the case, `internal` ones to staff only.
    pub visibility: Visibility,
    /// What it means.
    pub description: &'static str,
    /// The JSON Schema (OpenAPI 3.1) of the event's `details`, generated from the code: the
    /// `details` of this `type` in the `CaseEvent` schema. Its `$ref`s point into the
    /// components of the OpenAPI document at `/openapi.json`.
    #[schema(value_type = Object)]
    pub details: Value,
}

/// Every kind of event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventTypeList {
    /// In the order a case usually meets them.
    pub items: Vec<EventTypeItem>,
    /// Always null: every kind is on one page.
    pub next_cursor: Option<String>,
}

/// The `details` schema of each event `type`, as `CaseEvent`'s schema gives it: one `oneOf`
/// branch per variant, `{"type": {"enum": [name]}, "details": <schema>}`.
fn details_schemas() -> Result<Vec<(String, Value)>, ApiError> {
    let schema =
        serde_json::to_value(<CaseEvent as PartialSchema>::schema()).map_err(ApiError::internal)?;
    let branches = schema["oneOf"]
        .as_array()
        .ok_or_else(|| ApiError::internal("the CaseEvent schema has no oneOf"))?;
    branches
        .iter()
        .map(|branch| {
            let properties = &branch["properties"];
            let name = properties["type"]["enum"][0]
                .as_str()
                .ok_or_else(|| ApiError::internal("a CaseEvent branch names no type"))?;
            Ok((name.to_string(), properties["details"].clone()))
        })
        .collect()
}

/// `EVENT_TYPES`, each with its details schema.
pub fn event_types() -> Result<EventTypeList, ApiError> {
    let schemas = details_schemas()?;
    let items = EVENT_TYPES
        .iter()
        .map(|t| {
            let details = schemas
                .iter()
                .find(|(name, _)| name == t.name)
                .map(|(_, details)| details.clone())
                .ok_or_else(|| {
                    ApiError::internal(format!("the CaseEvent schema has no {}", t.name))
                })?;
            Ok(EventTypeItem {
                event_type: t.name,
                feed_type: t.feed_name,
                version: crate::domain::case::events::FEED_VERSION,
                visibility: t.visibility,
                description: t.description,
                details,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(EventTypeList {
        items,
        next_cursor: None,
    })
}

#[utoipa::path(
    tag = "events",
    operation_id = "list_event_types",
    description = "Roles: any authenticated caller.\n\n\
                   Every kind of event a case's timeline can carry, in the order a case usually \
                   meets them: its `type`, its `feed_type` in the event feed (`GET /api/v1/events`) \
                   and the payload's `version` there, whether customers and partners see it (`public`) or \
                   staff only (`internal`), what it means, and the JSON Schema of its `details`. \
                   The schemas are those of the `CaseEvent` component, generated from the code \
                   that records the events; their `$ref`s point into this document.",
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Every kind of event", body = EventTypeList),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
    )
)]
#[get("/event-types")]
pub async fn list(_caller: AnyCaller) -> Result<web::Json<EventTypeList>, ApiError> {
    Ok(web::Json(event_types()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_type_has_a_details_schema_and_every_variant_is_listed() {
        let schemas = details_schemas().expect("schemas");
        let mut variants: Vec<&str> = schemas.iter().map(|(name, _)| name.as_str()).collect();
        let mut listed: Vec<&str> = EVENT_TYPES.iter().map(|t| t.name).collect();
        variants.sort_unstable();
        listed.sort_unstable();
        assert_eq!(variants, listed);
        let published = event_types().expect("list");
        assert_eq!(published.items.len(), EVENT_TYPES.len());
        for item in &published.items {
            assert!(
                item.details.is_object() && item.details != serde_json::json!({}),
                "{}: {}",
                item.event_type,
                item.details
            );
        }
    }

    #[test]
    fn the_names_are_the_event_type_name_enum() {
        let schema = serde_json::to_value(EventTypeName::schema()).expect("schema");
        let listed: Vec<&str> = EVENT_TYPES.iter().map(|t| t.name).collect();
        assert_eq!(schema["enum"], serde_json::json!(listed));
    }
}

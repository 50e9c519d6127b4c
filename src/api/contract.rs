//! The refusals that apply across operations, added to the document in one
//! place from what each operation takes, so that the contract says exactly
//! what the extractors and middleware do:
//!
//! - a path or query parameter holding a NUL character is a 400 on every
//!   operation that has one (`request_context`), and a list's `cursor` that it
//!   did not give out is a 400 (`pagination::decode`);
//! - a JSON body that is not JSON is a 400, one over the limit a 413, one not
//!   sent as `application/json` a 415 (`json::JsonBody`, `json::OptionalJson`);
//! - a change taking `If-Match` is a 428 without it and a 412 when it is stale
//!   (`precondition::expected_version`);
//! - a change or an addition to a case (a `POST`, `PUT` or `DELETE` under
//!   `/cases/{reference}/`, but lifting a legal hold) is a 409 `/problems/case-anonymised`
//!   once the case was anonymised (`app::cases::refuse_if_anonymised`).

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

use crate::error::PROBLEM_JSON;

/// Adds the cross-cutting refusals to every operation of `doc`.
pub fn add_common_refusals(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        if let Some(on_case) = path.strip_prefix("/api/v1/cases/{reference}/") {
            // Lifting a hold is the one write there that an anonymisation leaves open: no
            // hold can be in force on an anonymised case (a hold stops anonymisation).
            let lifts_a_hold = on_case.starts_with("legal-holds/");
            let delete = if lifts_a_hold {
                None
            } else {
                item.delete.as_mut()
            };
            for operation in [
                item.post.as_mut(),
                item.put.as_mut(),
                item.patch.as_mut(),
                delete,
            ]
            .into_iter()
            .flatten()
            {
                refuse_when_anonymised(operation);
            }
        }
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            add_to(operation);
        }
    }
}

/// What `If-Match` must hold, as `precondition::expected_version` reads it.
const IF_MATCH: &str = "The ETag of the version this change is made against, exactly as the \
    `ETag` header gave it: the version number in double quotes, e.g. `\"3\"` \
    (`^\"[0-9]+\"$`). A version that is no longer current, `*`, a weak tag (`W/\"3\"`) or \
    anything else is refused with 412; leaving it out, with 428.";

/// What `domain::reference::Reference::parse` accepts: a kind's prefix, the
/// year and a number of 6 to 12 digits, in any letter case.
const REFERENCE_PATTERN: &str = r"^\s*[Cc]([Mm][PpTt]|[Pp][Ll])-[0-9]{4}-[0-9]{6,12}\s*$";

fn add_to(operation: &mut Operation) {
    for parameter in operation.parameters.iter_mut().flatten() {
        if parameter.parameter_in == ParameterIn::Path && parameter.name == "reference" {
            parameter.schema = Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(REFERENCE_PATTERN))
                    .into(),
            );
            parameter.description = Some(
                "The case reference: `CMP` (complaint), `CPL` (compliment) or `CMT` (comment), \
                 the year received and its number, as `CMP-2026-000042`; any letter case. \
                 One of another shape names no case (404)."
                    .into(),
            );
        }
        if parameter.parameter_in == ParameterIn::Header && parameter.name == "If-Match" {
            let whose = parameter.description.take().unwrap_or_default();
            parameter.description = Some(
                format!("{whose}. {IF_MATCH}")
                    .trim_start_matches(". ")
                    .to_string(),
            );
        }
    }
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let takes = |place: ParameterIn, name: Option<&str>| {
        parameters
            .iter()
            .any(|p| p.parameter_in == place && name.is_none_or(|n| p.name == n))
    };
    let has_path_or_query = takes(ParameterIn::Path, None) || takes(ParameterIn::Query, None);
    // Lists page with `cursor`; the event feed follows with `after`.
    let cursor = ["cursor", "after"]
        .into_iter()
        .find(|name| takes(ParameterIn::Query, Some(name)));
    let has_if_match = takes(ParameterIn::Header, Some("If-Match"));
    let has_body = operation.request_body.is_some();
    // A multipart upload says its own 400, 413 and 415 (`documents::add`).
    let json_body = operation
        .request_body
        .as_ref()
        .is_some_and(|body| body.content.contains_key("application/json"));

    let mut unreadable = Vec::new();
    if json_body {
        unreadable.push("the body is not valid JSON (`/problems/malformed-json`)");
    } else if has_body {
        unreadable.push("the multipart body cannot be read (`/problems/bad-request`)");
    }
    if has_path_or_query {
        unreadable.push(
            "a path segment or query parameter holds a NUL character, `%00` \
             (`/problems/bad-request`)",
        );
    }
    let bad_cursor;
    if let Some(name) = cursor {
        bad_cursor = format!(
            "`{name}` is not a cursor this list gave out: altered, made up or from another \
             list; `errors` names `{name}` (`/problems/invalid-cursor`)"
        );
        unreadable.push(&bad_cursor);
    }
    if !unreadable.is_empty() {
        let description = format!("The request cannot be read: {}.", unreadable.join("; or "));
        set(operation, "400", &description);
    }
    if has_body {
        set_ref(operation, "413", "PayloadTooLarge");
        set_ref(operation, "415", "UnsupportedMediaType");
    }
    if has_if_match {
        set_ref(operation, "412", "PreconditionFailed");
        set_ref(operation, "428", "PreconditionRequired");
    }
}

/// The 409 a change to an anonymised case gets, beside any conflict the operation had.
fn refuse_when_anonymised(operation: &mut Operation) {
    let responses = &mut operation.responses.responses;
    let name = match responses.get_mut("409") {
        None => "CaseAnonymised",
        // An operation's own words about its conflicts stay, with this beside them.
        Some(RefOr::T(own)) => {
            own.description = format!(
                "{}; or the case was anonymised, by the retention schedule or an erasure, and \
                 takes no more changes or additions (`/problems/case-anonymised`).",
                own.description.trim_end_matches('.')
            );
            return;
        }
        Some(RefOr::Ref(_)) => "ConflictOrCaseAnonymised",
    };
    responses.insert("409".into(), RefOr::Ref(Ref::from_response_name(name)));
}

/// Sets the response for `status` to a problem with this description.
fn set(operation: &mut Operation, status: &str, description: &str) {
    let response = ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build();
    operation
        .responses
        .responses
        .insert(status.to_string(), RefOr::T(response));
}

/// Adds a reusable response for `status` unless the operation says more.
fn set_ref(operation: &mut Operation, status: &str, name: &str) {
    operation
        .responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
}

/// The annual report's JSON with `suppress_below` withholds every count from 1 to one under
/// the threshold as null (`report::annual::to_json`), so the document gives that operation
/// its own copies of the report's schemas, suffixed `Published`, in which every integer may
/// be null (the threshold itself, `suppressed_below`, stays an integer). The other reports,
/// which share some of those schemas, keep their integers.
pub fn withheld_counts(doc: &mut OpenApi) {
    let Ok(mut value) = serde_json::to_value(&*doc) else {
        return;
    };
    let pointer =
        "/paths/~1api~1v1~1reports~1annual/get/responses/200/content/application~1json/schema/$ref";
    let Some(root) = value
        .pointer(pointer)
        .and_then(|r| r.as_str())
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .map(str::to_string)
    else {
        return;
    };
    // Every schema the report reaches.
    let mut reached = vec![root.clone()];
    let mut i = 0;
    while i < reached.len() {
        let mut refs = Vec::new();
        if let Some(schema) = value.pointer(&format!("/components/schemas/{}", reached[i])) {
            schema_refs(schema, &mut refs);
        }
        for name in refs {
            if !reached.contains(&name) {
                reached.push(name);
            }
        }
        i += 1;
    }
    // Vocabularies (enums of words) hold no counts: they stay shared.
    reached.retain(|name| {
        value
            .pointer(&format!("/components/schemas/{name}/enum"))
            .is_none()
    });
    let Some(schemas) = value
        .pointer_mut("/components/schemas")
        .and_then(|s| s.as_object_mut())
    else {
        return;
    };
    for name in &reached {
        if let Some(mut copy) = schemas.get(name).cloned() {
            publish(&mut copy, &reached, None);
            schemas.insert(format!("{name}Published"), copy);
        }
    }
    if let Some(reference) = value.pointer_mut(pointer) {
        *reference = serde_json::Value::String(format!("#/components/schemas/{root}Published"));
    }
    if let Ok(published) = serde_json::from_value(value) {
        *doc = published;
    }
}

fn schema_refs(value: &serde_json::Value, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(|r| r.as_str())
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                found.push(name.to_string());
            }
            map.values().for_each(|v| schema_refs(v, found));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| schema_refs(v, found)),
        _ => {}
    }
}

/// Integers may be null, and references point at the `Published` copies.
fn publish(value: &mut serde_json::Value, reached: &[String], key: Option<&str>) {
    let serde_json::Value::Object(map) = value else {
        if let serde_json::Value::Array(items) = value {
            items.iter_mut().for_each(|v| publish(v, reached, key));
        }
        return;
    };
    if let Some(name) = map
        .get("$ref")
        .and_then(|r| r.as_str())
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .filter(|name| reached.iter().any(|n| n == name))
        .map(str::to_string)
    {
        map.insert(
            "$ref".into(),
            format!("#/components/schemas/{name}Published").into(),
        );
    }
    if key != Some("suppressed_below") && map.get("type") == Some(&"integer".into()) {
        map.insert("type".into(), serde_json::json!(["integer", "null"]));
    }
    for (k, v) in map.iter_mut() {
        match (k.as_str(), v) {
            ("properties", serde_json::Value::Object(properties)) => {
                for (name, schema) in properties.iter_mut() {
                    publish(schema, reached, Some(name));
                }
            }
            // `items`, `oneOf` and the like belong to the same property.
            (_, v) => publish(v, reached, key),
        }
    }
}

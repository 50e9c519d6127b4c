use awc::http::Method;

use crate::helpers::*;

/// The served document must be the committed one: when this fails, run
/// `cargo run -- openapi > openapi/openapi.json` and review the diff.
#[actix_web::test]
async fn the_served_openapi_document_is_the_committed_one() {
    let app = spawn_app().await;
    let served = app
        .send(Method::GET, "/openapi.json", None, &[], None)
        .await;
    assert_eq!(served.status, 200);
    let served = served.json();
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("openapi/openapi.json").expect("openapi/openapi.json"),
    )
    .expect("committed document is JSON");
    assert!(
        served == committed,
        "openapi/openapi.json is out of date: run `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[actix_web::test]
async fn the_document_is_openapi_3_and_states_roles_security_and_problems() {
    let app = spawn_app().await;
    let doc = app
        .send(Method::GET, "/openapi.json", None, &[], None)
        .await
        .json();
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer_auth"]["scheme"],
        "bearer"
    );
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.contains_key("/api/v1/cases"));
    assert!(paths.contains_key("/api/v1/cases/{reference}/timeline"));
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("item") {
            let description = operation["description"].as_str().unwrap_or_default();
            assert!(
                description.starts_with("Roles: "),
                "{method} {path} does not state its roles"
            );
            if !description.starts_with("Roles: none (public)") {
                assert!(
                    operation["security"].is_array(),
                    "{method} {path} has no security requirement"
                );
                assert!(
                    operation["responses"]["401"].is_object(),
                    "{method} {path} does not document 401"
                );
            }
        }
    }
    let problem = &doc["components"]["schemas"]["Problem"];
    assert!(problem["properties"]["type"].is_object());
}

/// The words each enum schema must list: the code's own `ALL` and `as_str`,
/// which are what `parse` accepts (and what the database holds).
fn words<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<String> {
    all.iter().map(|value| as_str(*value).to_string()).collect()
}

/// Every enum the document has, with the words the code accepts or sends.
fn vocabularies() -> Vec<(&'static str, Vec<String>)> {
    use council_feedback::api::calendar::Source;
    use council_feedback::domain::acknowledgement::AcknowledgementMethod;
    use council_feedback::domain::alerts::Deadline;
    use council_feedback::domain::bank_holidays::Region;
    use council_feedback::domain::case::events::EVENT_TYPES;
    use council_feedback::domain::case::{
        ActorRole, Channel, ContactMethod, Kind, Outcome, Role, Stage, Status, Visibility,
    };
    use council_feedback::domain::correspondence::{CorrespondenceMethod, Direction};
    use council_feedback::domain::document::{DocumentType, DocumentVisibility};
    use council_feedback::domain::escalation::Ground;
    use council_feedback::domain::extension::{
        AgreementMethod, ExtensionDecision, ExtensionStatus,
    };
    use council_feedback::domain::feedback::CommentAction;
    use council_feedback::domain::flag::{Flag, ReferredFlag};
    use council_feedback::domain::learning::LearningStatus;
    use council_feedback::domain::letter::{Language, LetterKind, LetterStatus};
    use council_feedback::domain::ombudsman::{OmbudsmanBody, OmbudsmanDecision};
    use council_feedback::domain::person::{CasePart, PersonMatch};
    use council_feedback::domain::remedy::{RemedyStatus, RemedyType};
    use council_feedback::domain::restriction::{
        Behaviour, ContactVia, RestrictionStatus, RestrictionType, ReviewOutcome, Scope,
    };
    use council_feedback::domain::retention::{
        AnonymisationBasis, ErasureDecision, HoldTarget, LawfulBasis,
    };
    use council_feedback::domain::survey::{SurveyQuestion, SurveyRating};
    use council_feedback::domain::triage::{Decision, Procedure};

    // `Source` is only sent, never parsed, so it has no `as_str`: its words
    // are serde's. The match has no wildcard, so a new variant breaks the
    // build here until it is listed.
    let sources = [Source::Official, Source::Projected];
    for source in &sources {
        match source {
            Source::Official | Source::Projected => {}
        }
    }
    let sources = sources
        .iter()
        .map(|s| match serde_json::to_value(s) {
            Ok(serde_json::Value::String(word)) => word,
            other => panic!("a source is sent as a string, not {other:?}"),
        })
        .collect();

    vec![
        (
            "ReadKind",
            words(
                council_feedback::domain::access_log::ReadKind::ALL,
                council_feedback::domain::access_log::ReadKind::as_str,
            ),
        ),
        ("Behaviour", words(Behaviour::ALL, Behaviour::as_str)),
        ("ContactVia", words(ContactVia::ALL, ContactVia::as_str)),
        (
            "RestrictionStatus",
            words(RestrictionStatus::ALL, RestrictionStatus::as_str),
        ),
        (
            "RestrictionType",
            words(RestrictionType::ALL, RestrictionType::as_str),
        ),
        (
            "ReviewOutcome",
            words(ReviewOutcome::ALL, ReviewOutcome::as_str),
        ),
        ("Scope", words(Scope::ALL, Scope::as_str)),
        (
            "AcknowledgementMethod",
            words(AcknowledgementMethod::ALL, AcknowledgementMethod::as_str),
        ),
        ("Channel", words(Channel::ALL, Channel::as_str)),
        ("CasePart", words(CasePart::ALL, CasePart::as_str)),
        ("PersonMatch", words(PersonMatch::ALL, PersonMatch::as_str)),
        (
            "CommentAction",
            words(CommentAction::ALL, CommentAction::as_str),
        ),
        (
            "ContactMethod",
            words(ContactMethod::ALL, ContactMethod::as_str),
        ),
        ("Decision", words(Decision::ALL, Decision::as_str)),
        (
            "DeliveryStatus",
            words(
                council_feedback::domain::webhook::DeliveryStatus::ALL,
                council_feedback::domain::webhook::DeliveryStatus::as_str,
            ),
        ),
        (
            "AgreementMethod",
            words(AgreementMethod::ALL, AgreementMethod::as_str),
        ),
        (
            "ExtensionDecision",
            words(ExtensionDecision::ALL, ExtensionDecision::as_str),
        ),
        (
            "ExtensionStatus",
            words(ExtensionStatus::ALL, ExtensionStatus::as_str),
        ),
        (
            "EventTypeName",
            EVENT_TYPES.iter().map(|t| t.name.to_string()).collect(),
        ),
        (
            "FeedTypeName",
            EVENT_TYPES
                .iter()
                .map(|t| t.feed_name.to_string())
                .collect(),
        ),
        ("Flag", words(Flag::ALL, Flag::as_str)),
        (
            "ReferredFlag",
            words(ReferredFlag::ALL, ReferredFlag::as_str),
        ),
        (
            "CorrespondenceMethod",
            words(CorrespondenceMethod::ALL, CorrespondenceMethod::as_str),
        ),
        ("Direction", words(Direction::ALL, Direction::as_str)),
        (
            "DocumentType",
            words(DocumentType::ALL, DocumentType::as_str),
        ),
        (
            "DocumentVisibility",
            words(DocumentVisibility::ALL, DocumentVisibility::as_str),
        ),
        ("Ground", words(Ground::ALL, Ground::as_str)),
        ("Kind", words(Kind::ALL, Kind::as_str)),
        ("HoldTarget", words(HoldTarget::ALL, HoldTarget::as_str)),
        (
            "AnonymisationBasis",
            words(AnonymisationBasis::ALL, AnonymisationBasis::as_str),
        ),
        (
            "ErasureDecision",
            words(ErasureDecision::ALL, ErasureDecision::as_str),
        ),
        ("LawfulBasis", words(LawfulBasis::ALL, LawfulBasis::as_str)),
        ("Language", words(Language::ALL, Language::as_str)),
        ("LetterKind", words(LetterKind::ALL, LetterKind::as_str)),
        (
            "LetterStatus",
            words(LetterStatus::ALL, LetterStatus::as_str),
        ),
        (
            "LearningStatus",
            words(LearningStatus::ALL, LearningStatus::as_str),
        ),
        (
            "OmbudsmanBody",
            words(OmbudsmanBody::ALL, OmbudsmanBody::as_str),
        ),
        (
            "OmbudsmanDecision",
            words(OmbudsmanDecision::ALL, OmbudsmanDecision::as_str),
        ),
        ("Outcome", words(Outcome::ALL, Outcome::as_str)),
        ("Procedure", words(Procedure::ALL, Procedure::as_str)),
        ("Region", words(&Region::ALL, Region::as_str)),
        (
            "RemedyStatus",
            words(RemedyStatus::ALL, RemedyStatus::as_str),
        ),
        ("RemedyType", words(RemedyType::ALL, RemedyType::as_str)),
        ("Role", words(Role::ALL, Role::as_str)),
        ("ActorRole", words(ActorRole::ALL, ActorRole::as_str)),
        ("Deadline", words(Deadline::ALL, Deadline::as_str)),
        ("Source", sources),
        ("Stage", words(Stage::ALL, Stage::as_str)),
        ("Status", words(Status::ALL, Status::as_str)),
        (
            "SurveyQuestion",
            words(SurveyQuestion::ALL, SurveyQuestion::as_str),
        ),
        (
            "SurveyRating",
            words(SurveyRating::ALL, SurveyRating::as_str),
        ),
        ("Visibility", words(Visibility::ALL, Visibility::as_str)),
        (
            "LinkState",
            words(
                council_feedback::domain::case_access::LinkState::ALL,
                council_feedback::domain::case_access::LinkState::as_str,
            ),
        ),
        (
            "MessageChannel",
            words(
                council_feedback::domain::mailroom::MessageChannel::ALL,
                council_feedback::domain::mailroom::MessageChannel::as_str,
            ),
        ),
        (
            "Provider",
            words(
                council_feedback::domain::mailroom::Provider::ALL,
                council_feedback::domain::mailroom::Provider::as_str,
            ),
        ),
        (
            "MessageStatus",
            words(
                council_feedback::domain::mailroom::MessageStatus::ALL,
                council_feedback::domain::mailroom::MessageStatus::as_str,
            ),
        ),
        (
            "CorrespondenceFilter",
            words(
                council_feedback::api::cases::CorrespondenceFilter::ALL,
                council_feedback::api::cases::CorrespondenceFilter::as_str,
            ),
        ),
        (
            "AdjustmentKind",
            words(
                council_feedback::domain::adjustment::AdjustmentKind::ALL,
                council_feedback::domain::adjustment::AdjustmentKind::as_str,
            ),
        ),
        (
            "AdjustmentReviewOutcome",
            words(
                council_feedback::domain::adjustment::AdjustmentReviewOutcome::ALL,
                council_feedback::domain::adjustment::AdjustmentReviewOutcome::as_str,
            ),
        ),
    ]
}

/// Every `enum` anywhere in `value`, by its JSON pointer.
fn enums_in(value: &serde_json::Value, pointer: String, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if map.contains_key("enum") {
                found.push(pointer.clone());
            }
            for (key, child) in map {
                enums_in(child, format!("{pointer}/{key}"), found);
            }
        }
        serde_json::Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                enums_in(child, format!("{pointer}/{index}"), found);
            }
        }
        _ => {}
    }
}

/// An integrator who sends the words the document lists must have them
/// accepted, and must be told every word the code can send.
#[actix_web::test]
async fn every_enum_in_the_document_lists_the_words_the_code_accepts() {
    let app = spawn_app().await;
    let doc = app
        .send(Method::GET, "/openapi.json", None, &[], None)
        .await
        .json();
    let schemas = &doc["components"]["schemas"];
    let checked = vocabularies();
    let mut wrong = vec![];
    for (name, expected) in &checked {
        let documented: Option<Vec<String>> = schemas[*name]["enum"].as_array().map(|words| {
            words
                .iter()
                .map(|w| w.as_str().unwrap_or("<not a string>").to_string())
                .collect()
        });
        if documented.as_ref() != Some(expected) {
            wrong.push(format!(
                "{name}: the document says {documented:?}, the code accepts {expected:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // `CaseEvent` is tagged by `type`: each branch of its `oneOf` names one
    // event type in a one-word enum, and together they are `EVENT_TYPES`.
    let branches = schemas["CaseEvent"]["oneOf"]
        .as_array()
        .expect("CaseEvent is a oneOf");
    let mut tags: Vec<String> = branches
        .iter()
        .map(
            |branch| match branch["properties"]["type"]["enum"].as_array() {
                Some(words) if words.len() == 1 => {
                    words[0].as_str().unwrap_or_default().to_string()
                }
                other => panic!("a CaseEvent branch's type is {other:?}"),
            },
        )
        .collect();
    let mut event_types: Vec<String> = council_feedback::domain::case::events::EVENT_TYPES
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    tags.sort_unstable();
    event_types.sort_unstable();
    assert_eq!(
        tags, event_types,
        "CaseEvent's branches are not EVENT_TYPES"
    );
    let tag_pointers: Vec<String> = (0..branches.len())
        .map(|i| format!("/components/schemas/CaseEvent/oneOf/{i}/properties/type"))
        .collect();

    // A new enum must be added to `vocabularies()`, so it cannot slip past.
    let mut found = vec![];
    enums_in(&doc, String::new(), &mut found);
    let unchecked: Vec<&String> = found
        .iter()
        .filter(|pointer| {
            !checked
                .iter()
                .any(|(name, _)| **pointer == format!("/components/schemas/{name}"))
                && !tag_pointers.contains(pointer)
        })
        .collect();
    assert!(
        unchecked.is_empty(),
        "enums not checked against the code: {unchecked:?}"
    );
}

/// The Ombudsman's decision and triage's decision are two things named
/// `Decision` in the code: each operation must show its own.
#[actix_web::test]
async fn the_ombudsman_decision_body_is_its_own_schema_and_triage_keeps_its_decision() {
    let app = spawn_app().await;
    let doc = app
        .send(Method::GET, "/openapi.json", None, &[], None)
        .await
        .json();
    let schemas = &doc["components"]["schemas"];
    let body_of = |path: &str| {
        doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .clone()
    };

    assert_eq!(
        body_of("/api/v1/cases/{reference}/ombudsman-decision"),
        "#/components/schemas/OmbudsmanDecisionRecord"
    );
    let record = &schemas["OmbudsmanDecisionRecord"];
    assert_eq!(record["type"], "object");
    let mut fields: Vec<&str> = record["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        vec![
            "decided_on",
            "decision",
            "information_provided_on",
            "information_requested_on",
            "recommendations"
        ]
    );
    assert_eq!(
        record["required"],
        serde_json::json!(["decision", "decided_on"])
    );
    assert_eq!(
        record["properties"]["decision"]["$ref"],
        "#/components/schemas/OmbudsmanDecision"
    );

    assert_eq!(
        body_of("/api/v1/cases/{reference}/triage"),
        "#/components/schemas/TriageRequest"
    );
    assert_eq!(
        schemas["TriageRequest"]["properties"]["decision"]["$ref"],
        "#/components/schemas/Decision"
    );
    assert_eq!(
        schemas["Decision"]["enum"],
        serde_json::json!([
            "accept",
            "resolve_informally",
            "service_request",
            "excluded",
            "outside_remit",
            "out_of_time"
        ])
    );
}

//! The subject-access export (issue 15 §3): everything held about a person, as one zip.
//!
//! ```text
//! request.json                     the request: received, due, extended
//! person.json                      the person's record
//! cases/<reference>/case.json      the case, their part in it, their details as given on it
//! cases/<reference>/timeline.json  what happened (the events the customer sees, and the staff
//!                                  notes the complaints manager marked disclosable)
//! cases/<reference>/correspondence.json  their contact: what they sent, and calls and letters
//!                                  staff logged from them
//! cases/<reference>/responses.json the responses sent (their own case)
//! cases/<reference>/letters/<id>.txt     the letters sent (their own case)
//! cases/<reference>/documents/<id>-<name> their documents
//! shared_with.json                 who their data went to: webhook deliveries of their cases'
//!                                  events (to whom), and partners who posted or read them
//! withheld.json                    what was left out, and why
//! ```
//!
//! Left out: another person's details (a representative's on the person's own case; the
//! customer's, and what was addressed to the customer, on a case where the person represents
//! someone), staff-only notes not marked disclosable, other staff-only events and documents,
//! and the identities of the staff who acted (their roles are given).

use std::io::Write;

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::database::ApiDatabase;
use super::{responses, rfc3339};
use crate::app;
use crate::app::documents::DocumentStore;
use crate::app::subject_access::{document_included, Export, ExportedCase};
use crate::auth::ComplaintsManager;
use crate::db::Database;
use crate::domain::access_log::Read;
use crate::domain::case::Visibility;
use crate::domain::person::CasePart;
use crate::error::ApiError;

/// The event types that are a person's own contact.
const CORRESPONDENCE: [&str; 2] = ["correspondence_received", "correspondence_logged"];

fn withheld(case: Option<&str>, what: impl Into<String>, reason: &str) -> Value {
    json!({"case": case, "what": what.into(), "reason": reason})
}

/// A file name safe inside a zip on any system: letters, digits, `.`, `-` and `_` only.
fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let trimmed = cleaned.trim_start_matches('.');
    if trimmed.is_empty() {
        "document".into()
    } else {
        trimmed.to_string()
    }
}

fn details_of(row: &ExportedCase) -> Value {
    match row.part {
        CasePart::Customer => json!({
            "name": row.customer.name,
            "email": row.customer.email,
            "phone": row.customer.phone,
            "address": row.customer.address,
            "postcode": row.customer.postcode,
            "preferred_contact": row.customer.preferred_contact,
            "accessibility": {
                "interpreter_language": row.customer.interpreter_language,
                "large_print": row.customer.large_print,
                "audio": row.customer.audio,
                "other_adjustments": row.customer.other_adjustments,
            },
        }),
        CasePart::Representative => match &row.representative {
            Some(rep) => json!({
                "name": rep.name,
                "organisation": rep.organisation,
                "relationship": rep.relationship,
                "email": rep.email,
                "phone": rep.phone,
                "address": rep.address,
                "consent_to_act": rep.consent_to_act,
                "consent_to_release_information": rep.consent_to_release_information,
            }),
            None => Value::Null,
        },
    }
}

fn event_json(event: &crate::db::events::EventRow) -> Result<Value, ApiError> {
    Ok(json!({
        "id": event.id,
        "type": event.event_type,
        "occurred_at": rfc3339(event.occurred_at),
        "actor_role": event.actor_role,
        "details": serde_json::from_str::<Value>(&event.details).map_err(ApiError::internal)?,
    }))
}

/// The files of the export, by name, and what was withheld.
fn files(gathered: &Export) -> Result<Vec<(String, Vec<u8>)>, ApiError> {
    let json_file = |value: &Value| serde_json::to_vec_pretty(value).map_err(ApiError::internal);
    let mut files = Vec::new();
    let mut left_out = Vec::new();
    files.push((
        "request.json".to_string(),
        json_file(&json!(super::subject_access::view(
            gathered.request.clone()
        )))?,
    ));
    let person = &gathered.person;
    files.push((
        "person.json".to_string(),
        json_file(&json!({
            "id": person.id,
            "name": person.name,
            "email": person.email,
            "phone": person.phone,
            "address": person.address,
            "postcode": person.postcode,
            "preferred_contact": person.preferred_contact,
            "language": person.language,
            "account": person.subject,
            "merged_into": person.merged_into,
            "created_at": rfc3339(person.created_at),
        }))?,
    ));
    left_out.push(withheld(
        None,
        "the identities of the staff who acted on the cases",
        "staff act for the council: each event gives the role that acted",
    ));
    for row in &gathered.cases {
        let case = &row.case;
        let reference = case.reference.as_str();
        let dir = format!("cases/{reference}");
        files.push((
            format!("{dir}/case.json"),
            json_file(&json!({
                "reference": reference,
                "kind": case.kind,
                "channel": case.channel,
                "status": case.status,
                "stage": case.stage,
                "received_at": rfc3339(case.received_at),
                "service": case.service_id,
                "category": case.category,
                "summary": case.summary,
                "description": case.description,
                "desired_outcome": case.desired_outcome,
                "problem_date": case.problem_date,
                "your_part": row.part,
                "your_details_on_this_case": details_of(row),
            }))?,
        ));
        match row.part {
            CasePart::Customer if row.representative.is_some() => left_out.push(withheld(
                Some(reference),
                "the representative's details",
                "another person's personal data",
            )),
            CasePart::Customer => {}
            CasePart::Representative => left_out.push(withheld(
                Some(reference),
                "the customer's details (name, contact details, accessibility needs)",
                "another person's personal data: you represent them on this case",
            )),
        }
        let mut timeline = Vec::new();
        let mut correspondence = Vec::new();
        let mut internal = std::collections::BTreeMap::<&str, usize>::new();
        for event in &row.events {
            let own_contact = CORRESPONDENCE.contains(&event.event_type.as_str())
                && (row.part == CasePart::Customer
                    || gathered.person.subject.as_deref() == Some(event.actor_subject.as_str()));
            if own_contact {
                correspondence.push(event_json(event)?);
            } else if CORRESPONDENCE.contains(&event.event_type.as_str()) {
                left_out.push(withheld(
                    Some(reference),
                    format!("correspondence {}", event.id),
                    "the customer's contact, another person's personal data",
                ));
                continue;
            }
            if event.event_type == "note" {
                if row.disclosable_notes.contains(&event.id) {
                    timeline.push(event_json(event)?);
                } else {
                    left_out.push(withheld(
                        Some(reference),
                        format!("staff note {}", event.id),
                        "a staff-only note the complaints manager has not marked disclosable",
                    ));
                }
            } else if event.visibility == Visibility::Public {
                if !own_contact {
                    timeline.push(event_json(event)?);
                }
            } else if !own_contact {
                *internal.entry(event.event_type.as_str()).or_default() += 1;
            }
        }
        for (event_type, count) in internal {
            left_out.push(withheld(
                Some(reference),
                format!("{count} staff-only `{event_type}` events"),
                "the council's internal handling of the case, not information about you",
            ));
        }
        files.push((format!("{dir}/timeline.json"), json_file(&json!(timeline))?));
        files.push((
            format!("{dir}/correspondence.json"),
            json_file(&json!(correspondence))?,
        ));
        match row.part {
            CasePart::Customer => {
                let sent: Vec<Value> = row
                    .responses
                    .iter()
                    .filter(|r| r.sent_at.is_some())
                    .map(|r| {
                        Ok(json!({
                            "id": r.id,
                            "outcome": r.outcome,
                            "understanding": r.understanding,
                            "findings": serde_json::from_str::<Value>(&r.findings)
                                .map_err(ApiError::internal)?,
                            "apology": r.apology,
                            "letter": r.letter,
                            "sent_at": r.sent_at.map(rfc3339),
                        }))
                    })
                    .collect::<Result<_, ApiError>>()?;
                files.push((format!("{dir}/responses.json"), json_file(&json!(sent))?));
                for letter in &row.letters {
                    files.push((
                        format!("{dir}/letters/{}-{}.txt", letter.id, letter.kind.as_str()),
                        letter.text.clone().into_bytes(),
                    ));
                }
            }
            CasePart::Representative => {
                if !row.responses.is_empty() || !row.letters.is_empty() {
                    left_out.push(withheld(
                        Some(reference),
                        format!(
                            "{} responses and {} letters",
                            row.responses.iter().filter(|r| r.sent_at.is_some()).count(),
                            row.letters.len()
                        ),
                        "addressed to the customer: another person's personal data",
                    ));
                }
            }
        }
        for (document, bytes) in &row.documents {
            match bytes {
                Some(bytes) => files.push((
                    format!(
                        "{dir}/documents/{}-{}",
                        document.id,
                        safe_name(&document.filename)
                    ),
                    bytes.clone(),
                )),
                None => {
                    debug_assert!(!document_included(
                        row.part,
                        gathered.person.subject.as_deref(),
                        document
                    ));
                    left_out.push(withheld(
                        Some(reference),
                        format!("document {}", document.id),
                        match row.part {
                            CasePart::Customer => "a staff-only document",
                            CasePart::Representative => {
                                "not sent by you: the customer's, or the council's"
                            }
                        },
                    ))
                }
            }
        }
    }
    let deliveries: Vec<Value> = gathered
        .deliveries
        .iter()
        .map(|d| {
            let case = gathered
                .cases
                .iter()
                .find(|c| c.case.id == d.case_id)
                .map(|c| c.case.reference.clone());
            json!({
                "case": case,
                "event_id": d.event_id,
                "event_type": d.event_type,
                "endpoint_id": d.endpoint_id,
                "to": {"role": d.owner_role, "client": d.owner_subject,
                       "host": url::Url::parse(&d.url).ok().and_then(|u| u.host_str().map(str::to_string))},
                "status": d.status,
                "at": rfc3339(d.created_at),
            })
        })
        .collect();
    let mut partners: Vec<Value> = gathered
        .cases
        .iter()
        .filter_map(|c| {
            c.case.partner_client_id.as_ref().map(|client| {
                json!({"client": client, "case": c.case.reference, "how": "posted",
                       "at": rfc3339(c.case.received_at)})
            })
        })
        .collect();
    partners.extend(gathered.partner_reads.iter().map(|(client, case, at)| {
        json!({"client": client, "case": case, "how": "read", "at": rfc3339(*at)})
    }));
    files.push((
        "shared_with.json".to_string(),
        json_file(&json!({"webhook_deliveries": deliveries, "partners": partners}))?,
    ));
    files.push(("withheld.json".to_string(), json_file(&json!(left_out))?));
    Ok(files)
}

/// The files as one zip, stored (not compressed).
fn zipped(files: Vec<(String, Vec<u8>)>) -> Result<Vec<u8>, ApiError> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in files {
        zip.start_file(name, options).map_err(ApiError::internal)?;
        zip.write_all(&bytes).map_err(ApiError::internal)?;
    }
    Ok(zip.finish().map_err(ApiError::internal)?.into_inner())
}

#[utoipa::path(
    tag = "people",
    operation_id = "export_subject_access_request",
    description = "Roles: complaints_manager.\n\n\
                   Everything held about the person, for their subject-access request, as one \
                   zip: `request.json`, `person.json`; for every case they are the customer or \
                   representative on, `cases/<reference>/case.json` (their part and their \
                   details on it), `timeline.json` (the events the customer sees, and the staff \
                   notes marked disclosable), `correspondence.json`, and on their own cases \
                   `responses.json`, `letters/` and their `documents/`; `shared_with.json` \
                   (webhook deliveries of their cases' events, partners who posted or read \
                   them, from the access log); and `withheld.json`: what was left out and why \
                   (another person's details, staff-only notes not marked disclosable, other \
                   staff-only events and documents, staff identities). Reading it is recorded \
                   in the access log.",
    params(
        ("id" = i64, Path, description = "The person's id", minimum = 1, example = 812),
        ("request" = i64, Path, description = "The request's id", minimum = 1, example = 3)
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The export", content((Vec<u8> = "application/zip")),
            headers(("Content-Disposition" = String, description = "attachment; filename=\"subject-access-<person>-<request>.zip\""))),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/people/{id}/subject-access-requests/{request}/export")]
pub async fn export(
    req: HttpRequest,
    manager: ComplaintsManager,
    db: web::Data<Database>,
    store: web::Data<DocumentStore>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (person, request) = path.into_inner();
    let person = super::path_id(&person, "person")?;
    let request = super::path_id(&request, "subject-access request")?;
    let caller = manager.0;
    let reader = caller.clone();
    let store = store.into_inner();
    let gathered = db
        .read(move |conn| {
            Ok(app::subject_access::export(
                conn, &reader, person, request, &store,
            )?)
        })
        .await?;
    let bytes = web::block(move || files(&gathered).and_then(zipped))
        .await
        .map_err(ApiError::internal)??;
    super::access_log::record(&req, &caller, [Read::export(person, request)]);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/zip"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"subject-access-{person}-{request}.zip\""),
        ))
        .body(bytes))
}

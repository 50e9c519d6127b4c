//! Documents on a case (issue 13 §5): the customer's evidence and what staff file or share.
//! Uploaded as `multipart/form-data`, at most 10 MiB each, recognised from their own bytes
//! (never from the name or content type sent), listed and downloaded as the caller may see
//! them: customers (and the partner who posted the case) see the documents of `customer`
//! visibility, never staff-only ones.

use crate::domain::access_log::Read;
use std::borrow::Cow;
use std::sync::Arc;

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::cases::Actor;
use super::database::ApiDatabase;
use super::idempotency::{self, Created};
use super::{pagination, responses, rfc3339};
use crate::app;
use crate::app::documents::{DocumentStore, Upload};
use crate::app::time::Now;
use crate::auth::{AnyCaller, NotPartner};
use crate::db::documents::DocumentRow;
use crate::db::Database;
use crate::domain::document::{download_name, DocumentType, DocumentVisibility, MAX_BYTES};
use crate::error::{ApiError, FieldError};

/// Room for the multipart framing and the `visibility` part around a file of the largest
/// size: a body declaring more than the file limit and this is refused before it is read.
const FRAMING_BYTES: usize = 64 * 1024;

/// How much of a refused upload is read (and thrown away) after the limit, so that the
/// client, which has sent it, reads the refusal rather than a reset connection.
const DRAIN_BYTES: usize = 1024 * 1024;

/// A file's bytes, as the document describes them.
pub struct Binary;

impl PartialSchema for Binary {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for Binary {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Binary")
    }
}

/// The parts of an upload.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct DocumentUpload {
    /// The file: PDF, JPEG, PNG, DOCX or plain text (UTF-8, no NUL), at most 10 MiB
    /// (10,485,760 bytes). What it is is read from its bytes; the part's file name is kept
    /// for display.
    #[schema(value_type = Binary)]
    file: Vec<u8>,
    /// Who may see it: `customer` (the customer, and the partner who posted the case) or
    /// `staff`. Customers upload only `customer` documents (the default for them); for staff
    /// the default is `staff`.
    #[schema(value_type = Option<DocumentVisibility>)]
    visibility: Option<String>,
}

/// A document on a case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 12, "filename": "missed bin.png", "size_bytes": 70, "document_type": "png",
    "content_type": "image/png",
    "sha256": "8d6b0f8a4a5a2b1e3c7d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d",
    "visibility": "customer", "uploaded_by": {"role": "customer", "subject": "alex"},
    "uploaded_at": "2026-12-05T10:31:24Z",
    "href": "/api/v1/cases/CMP-2026-000042/documents/12"
}))]
pub struct Document {
    pub id: i64,
    /// The name it was uploaded with (for display; it is downloaded under a safe one).
    pub filename: String,
    pub size_bytes: i64,
    /// What its bytes are.
    pub document_type: DocumentType,
    /// The media type it is downloaded as.
    pub content_type: String,
    /// SHA-256 of its bytes, lower-case hex.
    #[schema(min_length = 64, max_length = 64, pattern = "^[0-9a-f]{64}$")]
    pub sha256: String,
    pub visibility: DocumentVisibility,
    pub uploaded_by: Actor,
    #[schema(format = DateTime)]
    pub uploaded_at: String,
    /// Where to download it.
    pub href: String,
}

/// A page of a case's documents, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DocumentList {
    pub items: Vec<Document>,
    pub next_cursor: Option<String>,
}

/// Paging the documents.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentsQuery {
    /// 1 to 200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    #[serde(default)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub cursor: Option<String>,
}

fn view(row: DocumentRow, reference: &str, viewer: &crate::auth::Caller) -> Document {
    Document {
        href: format!("/api/v1/cases/{reference}/documents/{}", row.id),
        id: row.id,
        filename: row.filename,
        size_bytes: row.size_bytes,
        document_type: row.document_type,
        content_type: row.document_type.content_type().to_string(),
        sha256: row.sha256,
        visibility: row.visibility,
        uploaded_by: Actor {
            role: row.uploaded_by_role,
            subject: (viewer.is_staff() || viewer.subject == row.uploaded_by)
                .then_some(row.uploaded_by),
        },
        uploaded_at: rfc3339(row.uploaded_at),
    }
}

/// The upload, read from the multipart body: the file whole (at most [`MAX_BYTES`]) and the
/// visibility word, if sent.
struct Parts {
    filename: String,
    /// The content type the `file` part was sent with, if any.
    declared: Option<String>,
    bytes: Vec<u8>,
    visibility: Option<String>,
}

fn unreadable(e: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(format!("the multipart body cannot be read: {e}"))
}

/// Reads the parts, refusing a file over the limit as soon as it passes it (413) and
/// anything but one `file` and at most one `visibility` (422).
async fn read_parts(req: &HttpRequest, payload: web::Payload) -> Result<Parts, ApiError> {
    let multipart_sent = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("multipart/form-data"));
    if !multipart_sent {
        return Err(ApiError::UnsupportedMediaType(
            "send the document as multipart/form-data, with a `file` part".into(),
        ));
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BYTES + FRAMING_BYTES) {
        return Err(ApiError::PayloadTooLarge { limit: MAX_BYTES });
    }
    let mut multipart = Multipart::new(req.headers(), payload);
    let mut file: Option<(String, Option<String>, Vec<u8>)> = None;
    let mut visibility: Option<String> = None;
    let mut errors = Vec::new();
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(unreadable)?;
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" if file.is_none() => {
                let filename = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .unwrap_or_default()
                    .to_string();
                let declared = field.content_type().map(|m| m.essence_str().to_string());
                let mut bytes = Vec::new();
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(unreadable)?;
                    if bytes.len() + chunk.len() > MAX_BYTES {
                        drain(field, &mut multipart).await;
                        return Err(ApiError::PayloadTooLarge { limit: MAX_BYTES });
                    }
                    bytes.extend_from_slice(&chunk);
                }
                file = Some((filename, declared, bytes));
            }
            "visibility" if visibility.is_none() => {
                let mut word = Vec::new();
                let mut read = 0;
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(unreadable)?;
                    read += chunk.len();
                    if read > MAX_BYTES {
                        return Err(ApiError::PayloadTooLarge { limit: MAX_BYTES });
                    }
                    if read <= 64 {
                        word.extend_from_slice(&chunk);
                    }
                }
                if read <= 64 {
                    visibility = Some(String::from_utf8_lossy(&word).trim().to_string());
                } else {
                    errors.push(FieldError::new(
                        "visibility",
                        format!("must be one of {}", DocumentVisibility::expected()),
                    ));
                }
            }
            "file" | "visibility" => {
                errors.push(FieldError::new(name.clone(), "is sent more than once"));
                skip(&mut field).await?;
            }
            _ => {
                errors.push(FieldError::new(
                    if name.is_empty() {
                        "body".into()
                    } else {
                        name.clone()
                    },
                    "is not a part of an upload: send `file` and `visibility`",
                ));
                skip(&mut field).await?;
            }
        }
    }
    let Some((filename, declared, bytes)) = file else {
        errors.push(FieldError::new("file", "is required"));
        return Err(ApiError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(Parts {
        filename,
        declared,
        bytes,
        visibility,
    })
}

/// Reads and throws away a part that is not kept, within the limit a whole upload has.
async fn skip(field: &mut actix_multipart::Field) -> Result<(), ApiError> {
    let mut read = 0;
    while let Some(chunk) = field.next().await {
        read += chunk.map_err(unreadable)?.len();
        if read > MAX_BYTES {
            return Err(ApiError::PayloadTooLarge { limit: MAX_BYTES });
        }
    }
    Ok(())
}

/// Reads at most [`DRAIN_BYTES`] more of a refused upload, keeping none of it. The part is
/// dropped before the next is asked for: the multipart stream waits while one is held.
async fn drain(mut field: actix_multipart::Field, multipart: &mut Multipart) {
    let mut read = 0;
    while let Some(Ok(chunk)) = field.next().await {
        read += chunk.len();
        if read > DRAIN_BYTES {
            return;
        }
    }
    drop(field);
    while let Some(Ok(mut next)) = multipart.next().await {
        while let Some(Ok(chunk)) = next.next().await {
            read += chunk.len();
            if read > DRAIN_BYTES {
                return;
            }
        }
    }
}

#[utoipa::path(
    tag = "cases",
    operation_id = "add_case_document",
    description = "Roles: customer (own cases); investigating_officer and head_of_service of the \
                   case's lead or a contributing service, complaints_manager.\n\n\
                   Adds a document, sent as `multipart/form-data` with a `file` part and a \
                   `visibility` part (`customer` or `staff`; customers upload only `customer` \
                   documents). At most 10 MiB (10,485,760 bytes): one byte more is 413, \
                   refused as it arrives. Only PDF, JPEG, PNG, DOCX and plain text (UTF-8 \
                   without NUL) are taken, recognised from the file's own bytes, never from \
                   the name or content type sent: anything else is 415 \
                   `/problems/unsupported-document-type` naming `file`, and so is a file whose \
                   name or declared content type says it is another kind than its bytes are (a \
                   PNG called `letter.pdf` and sent as `application/pdf`). Its SHA-256 is recorded. It goes on the timeline and the event \
                   feed as `document_added` (`document.added`, public) or `staff_document_added` \
                   (`document.added_for_staff`, internal). A case that is closed, withdrawn or \
                   triaged out still takes it, and is flagged `new_information` (once). Send an \
                   `Idempotency-Key` so a retry cannot add it twice.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body replay the first answer", min_length = 1, max_length = 255, pattern = "^[!-~]+$")
    ),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The document", body = Document,
            headers(("Location" = String, description = "Where to download it"))),
        (status = 400, description = "The multipart body cannot be read (`/problems/bad-request`).",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 413, description = "The file is over 10 MiB (`/problems/payload-too-large`): nothing is stored.",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not `multipart/form-data` (`/problems/unsupported-media-type`), \
            or the file is none of PDF, JPEG, PNG, DOCX or plain text by its bytes, or its name or \
            declared type says it is another kind (`/problems/unsupported-document-type`, naming `file`).",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/cases/{reference}/documents")]
pub async fn add(
    req: HttpRequest,
    caller: NotPartner,
    db: web::Data<Database>,
    now: web::Data<Now>,
    store: web::Data<DocumentStore>,
    reference: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key(&req)?;
    let reference = reference.into_inner();
    let parts = read_parts(&req, payload).await?;
    let caller = caller.0;
    let visibility = match parts.visibility.as_deref() {
        None | Some("") if caller.acting_role().is_staff() => DocumentVisibility::Staff,
        None | Some("") => DocumentVisibility::Customer,
        Some(word) => DocumentVisibility::parse(word).ok_or_else(|| {
            ApiError::invalid(
                "visibility",
                format!("must be one of {}", DocumentVisibility::expected()),
            )
        })?,
    };
    if parts.bytes.is_empty() {
        return Err(ApiError::invalid("file", "is empty"));
    }
    let document_type =
        DocumentType::detect(&parts.bytes).ok_or_else(|| ApiError::UnsupportedDocument {
            field: "file",
            detail: format!(
                "is not a document this service takes: it must be {}, as its own bytes show",
                DocumentType::accepted()
            ),
        })?;
    if !document_type.agrees_with(&parts.filename, parts.declared.as_deref()) {
        return Err(ApiError::UnsupportedDocument {
            field: "file",
            detail: format!(
                "its bytes are {}, but it was sent as `{}` named `{}`: a file is taken only as \
                 what it is",
                document_type.describe(),
                parts.declared.as_deref().unwrap_or("no content type"),
                crate::domain::document::display_name(&parts.filename)
            ),
        });
    }
    let fingerprint: String = {
        let digest = Sha256::digest(&parts.bytes);
        let mut hasher = Sha256::new();
        hasher.update(format!("POST /api/v1/cases/{reference}/documents").as_bytes());
        for part in [
            visibility.as_str().as_bytes(),
            parts.filename.as_bytes(),
            &digest[..],
        ] {
            hasher.update([0]);
            hasher.update(part);
        }
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let upload = Arc::new(Upload {
        filename: parts.filename,
        document_type,
        bytes: parts.bytes,
        visibility,
    });
    let store = store.into_inner();
    let at = now.now();
    let subject = caller.subject.clone();
    idempotency::create_once(&db, &subject, key, fingerprint, move |conn| {
        let (case, row) = app::documents::add(conn, at, &caller, &reference, &upload, &store)?;
        let document = view(row, &case.reference, &caller);
        Ok(Created {
            location: document.href.clone(),
            body: serde_json::to_string(&document).map_err(ApiError::internal)?,
            etag: None,
        })
    })
    .await
}

#[utoipa::path(
    tag = "cases",
    operation_id = "list_case_documents",
    description = "Roles: customer (own cases: the documents of `customer` visibility, theirs and \
                   those staff shared), partner (cases it posted: as the customer sees them), \
                   investigating_officer and head_of_service of the case's lead or a \
                   contributing service, complaints_manager (every document).\n\n\
                   The case's documents, newest first: name, size, what the bytes are, SHA-256, \
                   visibility, who uploaded it and when.",
    params(("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"), DocumentsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of documents", body = DocumentList),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/cases/{reference}/documents")]
pub async fn list(
    req: actix_web::HttpRequest,
    caller: AnyCaller,
    db: web::Data<Database>,
    reference: web::Path<String>,
    query: web::Query<DocumentsQuery>,
) -> Result<web::Json<DocumentList>, ApiError> {
    let (limit, before) = pagination::page(
        query.limit.as_deref(),
        query.cursor.as_deref(),
        pagination::row_id,
    )?;
    let caller = caller.0;
    let reference = reference.into_inner();
    let (rows, reference, caller) = db
        .read(move |conn| {
            let (case, rows) = app::documents::list(conn, &caller, &reference, before, limit + 1)?;
            Ok((rows, case.reference, caller))
        })
        .await?;
    let (rows, next_cursor) = pagination::split_page(rows, limit, |d| d.id.to_string());
    super::access_log::record(&req, &caller, [Read::case(&reference)]);
    let items = rows
        .into_iter()
        .map(|row| view(row, &reference, &caller))
        .collect();
    Ok(web::Json(DocumentList { items, next_cursor }))
}

#[utoipa::path(
    tag = "cases",
    operation_id = "download_case_document",
    description = "Roles: as for listing the documents: a staff-only document is 404 for a \
                   customer or partner, as another customer's case is.\n\n\
                   The document's bytes, as an attachment (`Content-Disposition: attachment` \
                   with a safe file name), served as what its bytes are, with \
                   `X-Content-Type-Options: nosniff`.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("id" = i64, Path, description = "The document's id", minimum = 1)
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The document", content(
            (Binary = "application/pdf"),
            (Binary = "image/jpeg"),
            (Binary = "image/png"),
            (Binary = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (String = "text/plain")
        ), headers(
            ("Content-Disposition" = String, description = "`attachment; filename=\"…\"`"),
            ("X-Content-Type-Options" = String, description = "`nosniff`")
        )),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/cases/{reference}/documents/{id}")]
pub async fn download(
    req: actix_web::HttpRequest,
    caller: AnyCaller,
    db: web::Data<Database>,
    store: web::Data<DocumentStore>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (reference, id) = path.into_inner();
    let id = super::path_id(&id, "document")?;
    let caller = caller.0;
    let store = store.into_inner();
    let reader = caller.clone();
    let read = Read::document(&reference, id);
    let (row, bytes) = db
        .read(move |conn| Ok(app::documents::read(conn, &reader, &reference, id, &store)?))
        .await?;
    super::access_log::record(&req, &caller, [read]);
    let name = download_name(&row.filename, row.id, row.document_type);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, row.document_type.content_type()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(bytes))
}

//! The letters written to the customer on a case (issue 13): listed, and each read as HTML,
//! plain text or the PDF that is posted, by `Accept`. A customer sees the letters on their own
//! case (all are to them); staff who may read the case see all; partners none.

use crate::domain::access_log::Read;
use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::cases::readable_case;
use super::database::ApiDatabase;
use super::{pagination, responses, rfc3339};
use crate::auth::NotPartner;
use crate::db::cases::CustomerRow;
use crate::db::letters::{self as repo, LetterRow};
use crate::db::mailroom::LetterMessage;
use crate::db::Database;
use crate::domain::letter::{Language, LetterKind, LetterStatus};
use crate::domain::mailroom::{MessageChannel, MessageStatus, Provider};
use crate::error::ApiError;
use crate::letters::{markup, pdf, Templates};

/// The council's letter templates, as start-up loaded them: for the handlers whose changes write
/// a letter.
pub fn templates(req: &HttpRequest) -> Result<web::Data<Templates>, ApiError> {
    req.app_data::<web::Data<Templates>>()
        .cloned()
        .ok_or_else(|| ApiError::Internal("the letter templates are not loaded".into()))
}

/// A letter, as the list shows it (its forms are at its own address).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "kind": "stage_1_response", "language": "en", "large_print": false,
    "subject": "Your complaint CMP-2026-000042: our stage 1 response", "status": "pending",
    "created_at": "2026-11-17T15:02:11Z"
}))]
pub struct Letter {
    pub id: i64,
    pub kind: LetterKind,
    /// The language it is written in.
    pub language: Language,
    /// Written for a customer who asked for large print.
    pub large_print: bool,
    pub subject: String,
    /// `pending`: written, not sent yet.
    pub status: LetterStatus,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The messages that carry it to the customer, and what became of each, oldest first:
    /// usually one (an email, a text message, a letter posted by GOV.UK Notify, or one to print
    /// locally); a text message telling of a letter too long for one goes with the letter.
    pub delivery: Vec<Delivery>,
}

/// One message carrying a letter.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "message": 12, "channel": "email", "provider": "smtp", "status": "sent",
    "sent_at": "2026-11-17T15:02:12Z"
}))]
pub struct Delivery {
    /// The message's id (as the timeline's `correspondence_*` events name it).
    pub message: i64,
    pub channel: MessageChannel,
    pub provider: Provider,
    pub status: MessageStatus,
    /// When it was handed to its provider, or printed.
    #[schema(format = DateTime)]
    pub sent_at: Option<String>,
}

impl From<&LetterMessage> for Delivery {
    fn from(message: &LetterMessage) -> Self {
        Delivery {
            message: message.id,
            channel: message.channel,
            provider: message.provider,
            status: message.status,
            sent_at: message.sent_at.map(rfc3339),
        }
    }
}

impl From<&LetterRow> for Letter {
    fn from(row: &LetterRow) -> Self {
        Letter {
            id: row.id,
            kind: row.kind,
            language: row.language,
            large_print: row.large_print,
            subject: row.subject.clone(),
            status: row.status,
            created_at: rfc3339(row.created_at),
            delivery: Vec::new(),
        }
    }
}

/// A page of letters.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LetterList {
    pub items: Vec<Letter>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Paging the letters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LettersQuery {
    /// 1 to 200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    #[serde(default)]
    pub limit: Option<String>,
    /// The `next_cursor` of the previous page.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub cursor: Option<String>,
}

#[utoipa::path(
    tag = "cases",
    operation_id = "list_case_letters",
    description = "Roles: customer (own case), investigating_officer and head_of_service of the \
                   case's lead or a contributing service, complaints_manager.\n\n\
                   The letters written to the customer, in the order they were written: the \
                   acknowledgement, extension notices, responses, referrals, a compliment's or \
                   comment's acknowledgement and reply. Each is read at its own address as \
                   HTML, plain text or PDF.",
    params(("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"), LettersQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of letters, oldest first", body = LetterList),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/cases/{reference}/letters")]
pub async fn list(
    req: HttpRequest,
    caller: NotPartner,
    db: web::Data<Database>,
    reference: web::Path<String>,
    query: web::Query<LettersQuery>,
) -> Result<web::Json<LetterList>, ApiError> {
    let (limit, after) = pagination::page(
        query.limit.as_deref(),
        query.cursor.as_deref(),
        pagination::row_id,
    )?;
    let caller = caller.0;
    let reference = reference.into_inner();
    let reader = caller.clone();
    let rows = db
        .read(move |conn| {
            let case = readable_case(conn, &reference, &reader)?;
            let rows = repo::for_case(conn, case.id, after, limit + 1)?;
            let ids: Vec<i64> = rows.iter().map(|l| l.id).collect();
            let messages = crate::db::mailroom::for_letters(conn, &ids)?;
            Ok((rows, messages, case.reference))
        })
        .await?;
    let (rows, messages, reference) = rows;
    super::access_log::record(&req, &caller, [Read::case(reference)]);
    let (rows, next_cursor) = pagination::split_page(rows, limit, |l| l.id.to_string());
    let items = rows
        .iter()
        .map(|row| Letter {
            delivery: messages
                .iter()
                .filter(|m| m.letter_id == Some(row.id))
                .map(Delivery::from)
                .collect(),
            ..Letter::from(row)
        })
        .collect();
    Ok(web::Json(LetterList { items, next_cursor }))
}

/// The form the caller asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Html,
    Text,
    Pdf,
}

/// Reads `Accept`: HTML unless plain text or PDF is preferred; 406 for anything else.
fn form_of(req: &HttpRequest) -> Result<Form, ApiError> {
    let Some(accept) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
    else {
        return Ok(Form::Html);
    };
    let mut best: Option<(f32, Form)> = None;
    for part in accept.split(',') {
        let mut pieces = part.split(';');
        let media = pieces
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let quality = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let form = match media.as_str() {
            "text/html" | "text/*" | "*/*" => Form::Html,
            "text/plain" => Form::Text,
            "application/pdf" => Form::Pdf,
            _ => continue,
        };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, form));
        }
    }
    best.map(|(_, form)| form).ok_or_else(|| {
        ApiError::NotAcceptable(
            "a letter is available as text/html, text/plain or application/pdf".into(),
        )
    })
}

#[utoipa::path(
    tag = "cases",
    operation_id = "get_case_letter",
    description = "Roles: customer (own case), investigating_officer and head_of_service of the \
                   case's lead or a contributing service, complaints_manager.\n\n\
                   One letter, as `Accept` asks: `text/html` (the default: an accessible HTML \
                   email, its language declared, in large print for a customer who asked for \
                   it), `text/plain`, or `application/pdf`: the letter as it is posted, A4 to \
                   GOV.UK Notify's precompiled-letter specification with the customer's address \
                   in the address block, tagged for screen readers, its text at 12 pt or, in \
                   large print, 18 pt. Anything else is 406.",
    params(
        ("reference" = String, Path, description = "The case reference", example = "CMP-2026-000042"),
        ("id" = i64, Path, description = "The letter's id", minimum = 1),
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The letter", content(
            (String = "text/html", example = "<!DOCTYPE html>\n<html lang=\"en\">…"),
            (String = "text/plain", example = "Our stage 1 response to your complaint\n…"),
            (super::documents::Binary = "application/pdf")
        ), headers(
            ("Content-Language" = String, description = "The letter's language: en or cy"),
            ("Content-Disposition" = String, description = "For a PDF: `inline; filename=\"CMP-2026-000042-letter-3.pdf\"`")
        )),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 406, description = "Neither HTML, plain text nor PDF is acceptable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/cases/{reference}/letters/{id}")]
pub async fn get(
    req: HttpRequest,
    caller: NotPartner,
    db: web::Data<Database>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (reference, id) = path.into_inner();
    let id = super::path_id(&id, "letter")?;
    let form = form_of(&req)?;
    let caller = caller.0;
    let reader = caller.clone();
    let (reference, row, customer) = db
        .read(move |conn| {
            let case = readable_case(conn, &reference, &reader)?;
            let row = repo::find(conn, case.id, id)?.ok_or_else(|| {
                ApiError::NotFound(format!("there is no letter {id} on this case"))
            })?;
            // The PDF is addressed to the customer.
            let customer = match form {
                Form::Pdf => Some(crate::db::cases::people(conn, case.id)?.0),
                Form::Html | Form::Text => None,
            };
            Ok((case.reference, row, customer))
        })
        .await?;
    super::access_log::record(&req, &caller, [Read::letter(&reference, row.id)]);
    let language = row.language.as_str();
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_LANGUAGE, language))
        .insert_header((header::VARY, "Accept"));
    match form {
        Form::Html => Ok(response
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .body(row.html)),
        Form::Text => Ok(response
            .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
            .body(row.text)),
        Form::Pdf => {
            let customer = customer
                .ok_or_else(|| ApiError::Internal("the letter's customer was not read".into()))?;
            let name = format!("{reference}-letter-{}.pdf", row.id);
            let sender = templates(&req)?.settings().sender.clone();
            let bytes = web::block(move || letter_pdf(&row, &customer, &sender))
                .await
                .map_err(|e| ApiError::Internal(format!("blocking task: {e}")))??;
            Ok(response
                .insert_header((header::CONTENT_TYPE, "application/pdf"))
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{name}\""),
                ))
                .body(bytes))
        }
    }
}

/// The letter as the PDF posted to `customer`: laid out from its markup, or from its plain text
/// for a letter written before the markup was kept (see [`markup::from_text`]), with the
/// council's `sender` lines (`LETTER_SENDER`).
fn letter_pdf(
    row: &LetterRow,
    customer: &CustomerRow,
    sender: &[String],
) -> Result<Vec<u8>, ApiError> {
    let blocks = match &row.body {
        Some(body) => markup::parse(body),
        None => markup::from_text(&row.text),
    };
    let address = crate::domain::mailroom::address_block(
        &customer.name,
        customer.address.as_deref(),
        customer.postcode.as_deref(),
    );
    pdf::render(&pdf::PdfLetter {
        subject: &row.subject,
        blocks: &blocks,
        language: row.language,
        large_print: row.large_print,
        address: &address,
        sender,
    })
    .map_err(|e| ApiError::Internal(format!("letter {} as a PDF: {e}", row.id)))
}

//! The reference public form (issue 16 §5): complaint, compliment and comment pages built with
//! GOV.UK Frontend, served at `/forms/` when `PUBLIC_FORMS=true`, so a council without a web
//! team has one. Server-rendered HTML that works without JavaScript; the vendored GOV.UK
//! Frontend (vendor/govuk-frontend) is in the binary, so nothing is fetched at run time.
//!
//! It posts through the same intake as `POST /api/v1/cases` ([`super::cases::log_case`]): the
//! answers become the API's own [`NewCase`], checked by the same rules and written by the
//! same use case, as the caller [`caller`] (a machine client, like the council's website).
//! The API's field errors are shown as the Design System's error summary and inline errors,
//! worded as it words them ([`text`]).

pub mod text;

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use futures_util::StreamExt;
use minijinja::{context, Environment};
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::cases::{self, IntakeSettings, NewCase};
use super::database::ApiDatabase;
use super::json::BodyLimit;
use crate::auth::Caller;
use crate::db::Database;
use crate::domain::case::Kind;
use crate::domain::clock::Clock;
use crate::domain::partner_view::PartnerCaseFields;
use crate::error::{ApiError, FieldError};
use text::{word, words, Lang};

/// The reference form's client id: the `sub` its cases are created by.
pub const SUBJECT: &str = "reference-form";

/// The caller the reference form acts as: the one place its identity is made.
pub fn caller() -> Caller {
    Caller {
        client_id: Some(SUBJECT.into()),
        ..Caller::web_form(SUBJECT)
    }
}

/// The pages' security policy: everything from the service itself, nothing inline, no
/// framing, forms posted only back here.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
                   object-src 'none'";

const TEMPLATES: &[(&str, &str)] = &[
    (
        "layout.html",
        include_str!("../../../templates/forms/layout.html"),
    ),
    (
        "index.html",
        include_str!("../../../templates/forms/index.html"),
    ),
    (
        "form.html",
        include_str!("../../../templates/forms/form.html"),
    ),
    (
        "confirmation.html",
        include_str!("../../../templates/forms/confirmation.html"),
    ),
    (
        "problem.html",
        include_str!("../../../templates/forms/problem.html"),
    ),
];

const ASSETS: &[(&str, &str, &str)] = &[
    (
        "govuk-frontend.min.css",
        "text/css; charset=utf-8",
        include_str!("../../../vendor/govuk-frontend/govuk-frontend.min.css"),
    ),
    (
        "govuk-frontend.min.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../vendor/govuk-frontend/govuk-frontend.min.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("../../../templates/forms/favicon.svg"),
    ),
    (
        "init.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../templates/forms/init.js"),
    ),
];

/// The API's length limits on the free text the form asks for (`NewCase`'s own), for the
/// character counts.
#[derive(Serialize)]
struct Limits {
    description: u32,
    desired_outcome: u32,
    address: u32,
    other_adjustments: u32,
}

const LIMITS: Limits = Limits {
    description: 10000,
    desired_outcome: 5000,
    address: 500,
    other_adjustments: 1000,
};

/// The form's templates and settings, made once at start-up.
pub struct Forms {
    env: Environment<'static>,
    /// `COUNCIL_IN_WALES`: every page in Welsh too, with a Cymraeg/English toggle.
    wales: bool,
    /// `PUBLIC_BASE_URL`'s origin: a POST from there is from the form (behind a proxy the
    /// service's own Host may differ).
    public_origin: String,
}

impl Forms {
    pub fn new(wales: bool, public_base_url: &str) -> Result<Forms, String> {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Lenient);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| format!("the form's template {name}: {e}"))?;
        }
        let public_origin = url::Url::parse(public_base_url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default();
        Ok(Forms {
            env,
            wales,
            public_origin,
        })
    }

    /// The language asked for: Welsh only where the council is in Wales.
    fn lang(&self, req: &HttpRequest) -> Lang {
        if !self.wales {
            return Lang::En;
        }
        let asked = url::form_urlencoded::parse(req.query_string().as_bytes())
            .find(|(k, _)| k == "lang")
            .map(|(_, v)| v.into_owned());
        Lang::from_query(asked.as_deref())
    }

    fn render(
        &self,
        req: &HttpRequest,
        lang: Lang,
        status: StatusCode,
        template: &str,
        title: &str,
        extra: minijinja::Value,
    ) -> HttpResponse {
        // The page's own address, from the form's fixed paths (never the request's).
        let path = match Kind::parse(req.match_info().get("kind").unwrap_or_default()) {
            Some(kind) => format!("/forms/{}", kind.as_str()),
            None => "/forms/".to_string(),
        };
        let (other_lang, other_href) = match lang {
            Lang::En => ("cy", format!("{path}?lang=cy")),
            Lang::Cy => ("en", format!("{path}?lang=en")),
        };
        let page = context! {
            t => words(lang),
            lang => lang.code(),
            lang_query => if lang == Lang::Cy { "?lang=cy" } else { "" },
            other_lang => other_lang,
            other_language_href => self.wales.then_some(other_href),
            title => title,
            ..extra
        };
        let body = self.env.get_template(template).and_then(|t| t.render(page));
        match body {
            Ok(body) => html(status, body),
            Err(e) => {
                log::error!("rendering the form's {template}: {e:#}");
                HttpResponse::InternalServerError().finish()
            }
        }
    }

    fn problem(
        &self,
        req: &HttpRequest,
        lang: Lang,
        status: StatusCode,
        message: &str,
    ) -> HttpResponse {
        self.render(
            req,
            lang,
            status,
            "problem.html",
            word(lang, "refused_title"),
            context! { message => word(lang, message) },
        )
    }
}

fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        // The form's POST names its origin (a browser sends `Origin: null` under
        // no-referrer); nothing goes to other sites.
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        // Pages may carry what a resident typed: never kept by a cache.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// The form's routes, registered only when `PUBLIC_FORMS=true` (otherwise `/forms/` is the
/// service's usual 404).
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/forms", web::get().to(to_index))
        .route("/forms/", web::get().to(index))
        .route("/forms/assets/{file}", web::get().to(asset))
        .route("/forms/{kind}", web::get().to(show))
        .route("/forms/{kind}", web::post().to(submit));
}

async fn to_index() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/forms/"))
        .finish()
}

async fn index(req: HttpRequest, forms: web::Data<Forms>) -> HttpResponse {
    let lang = forms.lang(&req);
    forms.render(
        &req,
        lang,
        StatusCode::OK,
        "index.html",
        word(lang, "index_title"),
        context! {},
    )
}

async fn asset(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    let (_, content_type, body) = ASSETS
        .iter()
        .find(|(n, _, _)| *n == name)
        .ok_or_else(|| ApiError::NotFound("no such file".into()))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, *content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(*body))
}

fn kind_of(path: &str) -> Result<Kind, ApiError> {
    match Kind::parse(path) {
        Some(kind) => Ok(kind),
        None => Err(ApiError::NotFound("no such form".into())),
    }
}

#[derive(Serialize)]
struct ServiceChoice {
    id: String,
    name: String,
}

async fn services(db: &Database) -> Result<Vec<ServiceChoice>, ApiError> {
    let filter = crate::db::services::ServiceFilter {
        active: Some(true),
        ..Default::default()
    };
    let rows = db
        .read(move |conn| Ok(crate::db::services::list(conn, &filter, 500)?))
        .await?;
    let mut choices: Vec<ServiceChoice> = rows
        .into_iter()
        .map(|s| ServiceChoice {
            id: s.id,
            name: s.name,
        })
        .collect();
    choices.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(choices)
}

#[derive(Serialize)]
struct ErrorItem {
    field: &'static str,
    message: &'static str,
}

/// Renders a form page: blank, or with the answers given and their errors.
async fn form_page(
    req: &HttpRequest,
    forms: &Forms,
    db: &Database,
    kind: Kind,
    lang: Lang,
    values: &BTreeMap<String, String>,
    errors: &[ErrorItem],
) -> Result<HttpResponse, ApiError> {
    let services = services(db).await?;
    let by_field: BTreeMap<&str, &str> = errors.iter().map(|e| (e.field, e.message)).collect();
    Ok(forms.render(
        req,
        lang,
        StatusCode::OK,
        "form.html",
        word(lang, &format!("{}_title", kind.as_str())),
        context! {
            kind => kind.as_str(),
            values => values,
            errors => by_field,
            error_list => errors,
            services => services,
            limits => LIMITS,
        },
    ))
}

async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    forms: web::Data<Forms>,
    db: web::Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let kind = kind_of(&path)?;
    let lang = forms.lang(&req);
    // A fresh submission id: sending the same answers twice (a double click, a refresh)
    // replays the first answer rather than logging a second case.
    let values = BTreeMap::from([("submission".to_string(), new_submission())]);
    form_page(&req, &forms, &db, kind, lang, &values, &[]).await
}

fn new_submission() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a POST comes from the service's own pages: a browser names the page's origin
/// (`Origin`, or `Sec-Fetch-Site: same-origin` where it sends none or `null`), and a page of
/// another site cannot make it name this one. Works without JavaScript, and needs no secret
/// shared between instances.
fn same_origin(req: &HttpRequest, public_origin: &str) -> bool {
    let headers = req.headers();
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| *o != "null");
    if let Some(origin) = origin {
        let info = req.connection_info();
        let own = format!("{}://{}", info.scheme(), info.host());
        return origin == own || (!public_origin.is_empty() && origin == public_origin);
    }
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|site| site == "same-origin")
}

/// The answers, by name (the first of each), as sent.
fn answers(body: &[u8]) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    for (name, value) in url::form_urlencoded::parse(body) {
        values
            .entry(name.into_owned())
            .or_insert_with(|| value.into_owned());
    }
    values
}

async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<web::BytesMut, ApiError> {
    let limit = req
        .app_data::<web::Data<BodyLimit>>()
        .map(|l| l.0)
        .unwrap_or(256 * 1024);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("the body could not be read: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The answers as the API's create request, and what the form itself found missing (the
/// questions the API has no field for).
fn request(kind: Kind, lang: Lang, values: &BTreeMap<String, String>) -> (Value, Vec<FieldError>) {
    let given = |name: &str| {
        values
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(|v| Value::String(v.to_string()))
    };
    let ticked = |name: &str| values.get(name).is_some_and(|v| v == "yes");
    let mut errors = Vec::new();
    let mut body = Map::new();
    body.insert("kind".into(), json!(kind.as_str()));
    body.insert("channel".into(), json!("online_form"));
    for name in ["service", "summary", "description"] {
        if let Some(v) = given(name) {
            body.insert(name.into(), v);
        }
    }
    if kind == Kind::Complaint {
        if let Some(v) = given("desired_outcome") {
            body.insert("desired_outcome".into(), v);
        }
    } else {
        match values.get("response_requested").map(String::as_str) {
            Some("yes") => {
                body.insert("response_requested".into(), json!(true));
            }
            Some("no") => {
                body.insert("response_requested".into(), json!(false));
            }
            _ => errors.push(FieldError::new("response_requested", "is required")),
        }
    }
    if kind == Kind::Compliment {
        let names: Vec<&str> = values
            .get("staff_named")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if !names.is_empty() {
            body.insert("staff_named".into(), json!(names));
        }
    }
    let mut customer = Map::new();
    for (field, name) in [
        ("name", "name"),
        ("email", "email"),
        ("phone", "phone"),
        ("address", "address"),
        ("postcode", "postcode"),
        ("preferred_contact", "preferred_contact"),
    ] {
        if let Some(v) = given(name) {
            customer.insert(field.into(), v);
        }
    }
    let mut accessibility = Map::new();
    accessibility.insert("large_print".into(), json!(ticked("large_print")));
    accessibility.insert("audio".into(), json!(ticked("audio")));
    // Letters are written in Welsh for a customer whose language is Welsh
    // (`domain::letter`): a resident writing in Welsh is answered in Welsh.
    match given("interpreter_language") {
        Some(v) => {
            accessibility.insert("interpreter_language".into(), v);
        }
        None if lang == Lang::Cy => {
            accessibility.insert("interpreter_language".into(), json!("cy"));
        }
        None => {}
    }
    if let Some(v) = given("other_adjustments") {
        accessibility.insert("other_adjustments".into(), v);
    }
    customer.insert("accessibility".into(), Value::Object(accessibility));
    body.insert("customer".into(), Value::Object(customer));
    match values.get("who").map(String::as_str) {
        Some("self") => {}
        Some("someone_else") => {
            let mut representative = Map::new();
            for (field, name) in [
                ("name", "rep_name"),
                ("relationship", "rep_relationship"),
                ("organisation", "rep_organisation"),
                ("email", "rep_email"),
                ("phone", "rep_phone"),
            ] {
                if let Some(v) = given(name) {
                    representative.insert(field.into(), v);
                }
            }
            representative.insert("consent_to_act".into(), json!(ticked("consent_to_act")));
            representative.insert(
                "consent_to_release_information".into(),
                json!(ticked("consent_to_release_information")),
            );
            body.insert("representative".into(), Value::Object(representative));
        }
        _ => errors.push(FieldError::new("who", "is required")),
    }
    (Value::Object(body), errors)
}

/// The form's fields in page order, each with the API's field it answers.
const FIELDS: &[(&str, &[&str])] = &[
    ("service", &["service"]),
    ("summary", &["summary"]),
    ("description", &["description"]),
    ("desired_outcome", &["desired_outcome"]),
    ("staff_named", &["staff_named"]),
    ("response_requested", &["response_requested"]),
    ("name", &["customer.name"]),
    ("email", &["customer.email", "customer"]),
    ("phone", &["customer.phone"]),
    ("address", &["customer.address"]),
    ("postcode", &["customer.postcode"]),
    ("preferred_contact", &["customer.preferred_contact"]),
    (
        "interpreter_language",
        &["customer.accessibility.interpreter_language"],
    ),
    (
        "other_adjustments",
        &["customer.accessibility.other_adjustments"],
    ),
    ("who", &["who"]),
    ("rep_name", &["representative.name"]),
    ("rep_relationship", &["representative.relationship"]),
    ("rep_organisation", &["representative.organisation"]),
    ("rep_email", &["representative.email"]),
    ("rep_phone", &["representative.phone"]),
    (
        "consent_to_act",
        &[
            "representative.consent_to_act",
            "representative.consent_to_release_information",
        ],
    ),
];

/// The API's field errors as the form's, in page order, one per field, in the Design
/// System's words: a missing answer, one too long, or one not valid.
fn form_errors(lang: Lang, errors: &[FieldError]) -> Vec<ErrorItem> {
    let mut items = Vec::new();
    for (field, api_fields) in FIELDS {
        let Some(error) = errors
            .iter()
            .find(|e| api_fields.contains(&e.field.as_str()))
        else {
            continue;
        };
        let how = if error.message.contains("preferred contact method") {
            "for_contact"
        } else if error.field == "customer"
            || error.message.starts_with("is required")
            || error.message == "must not be blank"
            || error
                .message
                .contains("only act with the customer's consent")
        {
            "required"
        } else if error.message.starts_with("must be at most")
            || (error.message.starts_with("must be ") && error.message.ends_with(" characters"))
        {
            "too_long"
        } else {
            "invalid"
        };
        let message = [
            format!("err_{field}_{how}"),
            format!("err_{field}_invalid"),
            format!("err_{field}_required"),
        ]
        .iter()
        .map(|key| word(lang, key))
        .find(|m| !m.is_empty())
        .unwrap_or_else(|| word(lang, "err_generic"));
        items.push(ErrorItem { field, message });
    }
    // Anything the form has no field for (it sends none of them) is still told, at the top.
    let known = |e: &FieldError| {
        FIELDS
            .iter()
            .any(|(_, api)| api.contains(&e.field.as_str()))
    };
    if items.is_empty() && errors.iter().any(|e| !known(e)) {
        items.push(ErrorItem {
            field: "summary",
            message: word(lang, "err_generic"),
        });
    }
    items
}

/// The idempotency key of a submission: the same submission id and answers replay the
/// first answer (a double click, a refresh); other answers are another case.
fn submission_key(values: &BTreeMap<String, String>, canonical: &str) -> Option<String> {
    let id = values.get("submission")?;
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut hasher = Sha256::new();
    hasher.update(id.as_bytes());
    hasher.update([0]);
    hasher.update(canonical.as_bytes());
    Some(format!("form-{}", hex(&hasher.finalize())))
}

#[allow(clippy::too_many_arguments)]
async fn submit(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    forms: web::Data<Forms>,
    db: web::Data<Database>,
    time: web::Data<crate::app::time::Now>,
    clock: web::Data<Clock>,
    duplicates: web::Data<crate::domain::duplicate::DuplicatePolicy>,
    links: cases::CaseLinkData,
) -> Result<HttpResponse, ApiError> {
    let kind = kind_of(&path)?;
    let lang = forms.lang(&req);
    if !same_origin(&req, &forms.public_origin) {
        return Ok(forms.problem(&req, lang, StatusCode::FORBIDDEN, "refused_cross_site"));
    }
    // Public intake: limited per address (the form is one client, so not per client).
    crate::api::rate_limit::admit_address(&req)?;
    let body = read_body(&req, payload).await?;
    let values = answers(&body);
    let (request, form_only) = request(kind, lang, &values);
    let canonical = request.to_string();
    let new: NewCase = serde_json::from_value(request).map_err(ApiError::internal)?;
    let caller = caller();
    if !form_only.is_empty() {
        // The form's own questions are unanswered: nothing is written, and every answer
        // is checked by the API's rules, so the page lists all that is wrong at once.
        let now = time.now().and_utc();
        let mut errors = form_only;
        errors.extend(cases::checked(&new, &caller, now).1);
        let items = form_errors(lang, &errors);
        return form_page(&req, &forms, &db, kind, lang, &values, &items).await;
    }
    let intake = IntakeSettings {
        db: db.get_ref().clone(),
        time: *time.get_ref(),
        clock: clock.into_inner(),
        duplicates: *duplicates.get_ref(),
        // Read by partners' answers only: the form's caller is the web_form client, whose
        // answer is WEB_FORM_CASE_FIELDS (reference, acknowledgement_due, ...).
        partner_fields: PartnerCaseFields::default(),
        links: links.0,
    };
    let key = submission_key(&values, &canonical);
    let fingerprint = hex(&Sha256::digest(
        format!("POST /forms\0{canonical}").as_bytes(),
    ));
    match cases::log_case(&intake, caller, key, fingerprint, new).await {
        Ok((created, _)) => confirmation(&req, &forms, kind, lang, &created.body),
        Err(ApiError::Validation(errors)) => {
            let items = form_errors(lang, &errors);
            form_page(&req, &forms, &db, kind, lang, &values, &items).await
        }
        Err(ApiError::IdempotencyKeyReused) => Ok(forms.problem(
            &req,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused_reused",
        )),
        Err(e) => {
            let status = actix_web::ResponseError::status_code(&e);
            if status.is_server_error() {
                log::warn!("the reference form could not log a case: {e:?}");
                Ok(forms.problem(&req, lang, status, "refused_later"))
            } else {
                Err(e)
            }
        }
    }
}

fn confirmation(
    req: &HttpRequest,
    forms: &Forms,
    kind: Kind,
    lang: Lang,
    created: &str,
) -> Result<HttpResponse, ApiError> {
    let case: Value = serde_json::from_str(created).map_err(ApiError::internal)?;
    let reference = case["reference"].as_str().unwrap_or_default().to_string();
    let due = case["acknowledgement_due"]
        .as_str()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(|d| crate::letters::context::written(d, lang.letters()));
    Ok(forms.render(
        req,
        lang,
        StatusCode::OK,
        "confirmation.html",
        word(lang, &format!("{}_sent", kind.as_str())),
        context! {
            kind => kind.as_str(),
            reference => reference,
            acknowledgement_due => due,
        },
    ))
}

/// Made once at start-up, when the form is served.
pub fn data(settings: &crate::config::Settings) -> Result<web::Data<Forms>, String> {
    Forms::new(
        settings.letters.council_in_wales,
        &settings.letters.public_base_url,
    )
    .map(|forms| web::Data::from(Arc::new(forms)))
}

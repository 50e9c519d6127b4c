//! The satisfaction survey, as its link shows it to the customer (issue 13 §6): the questions,
//! then the answers, once. No login: the link's token (256 random bits) is the credential,
//! so no JWT is read and guessing one is hopeless. Nothing personal is shown, only the case's
//! reference and kind. An unknown token is 404; one answered or expired is 410, each with
//! its own problem type.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::database::ApiDatabase;
use super::json::JsonBody;
use super::responses;
use super::validation::{field_errors, one_of};
use crate::app::surveys::{self, Answers, OpenSurvey};
use crate::app::time::Now;
use crate::db::Database;
use crate::domain::case::{Kind, Stage};
use crate::domain::survey::{SurveyQuestion, SurveyRating, COMMENT_MAX_CHARS};
use crate::error::ApiError;

/// One question: a statement about the handling, rated on the scale.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SurveyQuestionView {
    /// The field the answer goes in.
    pub id: SurveyQuestion,
    /// The statement the customer rates.
    pub statement: &'static str,
}

/// One point of the scale.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SurveyScalePoint {
    pub value: SurveyRating,
    /// The words a form shows for it.
    pub label: &'static str,
}

/// The survey, as its link shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "reference": "CMP-2026-000042", "kind": "complaint", "stage": "stage_1",
    "expires_at": "2026-04-01T10:00:00Z",
    "questions": [
        {"id": "easy_to_complain", "statement": "It was easy to make my complaint."},
        {"id": "kept_informed", "statement": "I was kept informed about my complaint while it was dealt with."},
        {"id": "response_clear", "statement": "The council's response to my complaint was clear."},
        {"id": "treated_fairly", "statement": "I was treated fairly."}
    ],
    "scale": [
        {"value": "strongly_disagree", "label": "Strongly disagree"},
        {"value": "disagree", "label": "Disagree"},
        {"value": "neither_agree_nor_disagree", "label": "Neither agree nor disagree"},
        {"value": "agree", "label": "Agree"},
        {"value": "strongly_agree", "label": "Strongly agree"}
    ],
    "comment_max_length": 2000
}))]
pub struct SurveyView {
    /// The complaint's reference, so the customer knows which complaint it is about.
    pub reference: String,
    pub kind: Kind,
    /// The stage whose handling the customer is asked about.
    pub stage: Stage,
    /// The link takes answers until this instant.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: String,
    /// In the order to ask them: each is answered on `scale`.
    pub questions: Vec<SurveyQuestionView>,
    /// From strongly disagree to strongly agree.
    pub scale: Vec<SurveyScalePoint>,
    /// The longest comment taken, in characters.
    pub comment_max_length: usize,
}

fn view(open: &OpenSurvey) -> SurveyView {
    SurveyView {
        reference: open.reference.clone(),
        kind: open.kind,
        stage: open.survey.stage,
        expires_at: super::rfc3339(open.survey.expires_at),
        questions: SurveyQuestion::ALL
            .iter()
            .map(|q| SurveyQuestionView {
                id: *q,
                statement: q.statement(),
            })
            .collect(),
        scale: SurveyRating::ALL
            .iter()
            .map(|r| SurveyScalePoint {
                value: *r,
                label: r.label(),
            })
            .collect(),
        comment_max_length: COMMENT_MAX_CHARS,
    }
}

/// The customer's answers: a rating for each of the four statements, and a comment if they
/// wish.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "easy_to_complain": "agree", "kept_informed": "disagree",
    "response_clear": "strongly_agree", "treated_fairly": "neither_agree_nor_disagree",
    "comment": "Nobody rang me back when they said they would."
}))]
pub struct SurveyAnswers {
    #[validate(required(message = "is required"))]
    #[schema(value_type = SurveyRating)]
    pub easy_to_complain: Option<String>,
    #[validate(required(message = "is required"))]
    #[schema(value_type = SurveyRating)]
    pub kept_informed: Option<String>,
    #[validate(required(message = "is required"))]
    #[schema(value_type = SurveyRating)]
    pub response_clear: Option<String>,
    #[validate(required(message = "is required"))]
    #[schema(value_type = SurveyRating)]
    pub treated_fairly: Option<String>,
    /// Anything else the customer wants to say about how the complaint was handled; blank is
    /// no comment.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub comment: Option<String>,
}

/// Every field at fault, or the answers.
fn answers_of(body: SurveyAnswers) -> Result<Answers, ApiError> {
    let mut errors = match body.validate() {
        Ok(()) => vec![],
        Err(report) => field_errors(&report),
    };
    let mut rating = |raw: &Option<String>, field: &str| {
        one_of(
            raw.as_deref(),
            field,
            SurveyRating::parse,
            SurveyRating::expected,
            &mut errors,
        )
    };
    let ratings = [
        rating(&body.easy_to_complain, "easy_to_complain"),
        rating(&body.kept_informed, "kept_informed"),
        rating(&body.response_clear, "response_clear"),
        rating(&body.treated_fairly, "treated_fairly"),
    ];
    match ratings {
        [Some(easy), Some(informed), Some(clear), Some(fair)] if errors.is_empty() => Ok(Answers {
            ratings: [easy, informed, clear, fair],
            comment: body
                .comment
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty()),
        }),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// What answering gives back.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "reference": "CMP-2026-000042", "stage": "stage_1", "answered_at": "2026-03-09T18:12:40Z",
    "message": "Thank you: your answers have been recorded. They help the council improve how it handles complaints."
}))]
pub struct SurveyReceipt {
    pub reference: String,
    pub stage: Stage,
    #[schema(value_type = String, format = DateTime)]
    pub answered_at: String,
    pub message: &'static str,
}

/// The survey's answers: never sent on to another site, never stored by a cache.
fn private(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    response
}

#[utoipa::path(
    tag = "surveys",
    operation_id = "get_survey",
    description = "Roles: none (public): the token in the link is the credential.\n\n\
                   The satisfaction survey a customer was invited to when their complaint \
                   closed: the complaint's reference and kind, the stage whose handling it asks \
                   about, when the link expires (`SURVEY_VALID_DAYS` after the closure, 30 by \
                   default), the four statements to rate (how easy it was to complain, whether \
                   they were kept informed, whether the response was clear, whether they were \
                   treated fairly) and the five-point scale. Nothing personal. A token this \
                   service did not make is 404; a survey answered already or expired is 410.",
    params(("token" = String, Path, description = "The token in the survey's link",
        min_length = 43, max_length = 43, pattern = "^[A-Za-z0-9_-]{43}$",
        example = "q3J0aW5nLXN1cnZleS10b2tlbi1leGFtcGxlLTAwMDE")),
    responses(
        (status = 200, description = "The survey", body = SurveyView),
        (status = 404, response = responses::NotFound),
        (status = 410, response = responses::Gone),
    )
)]
#[get("/surveys/{token}")]
pub async fn show(
    db: web::Data<Database>,
    now: web::Data<Now>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token = token.into_inner();
    let at = now.now();
    let open = db
        .read(move |conn| Ok(surveys::open(conn, at, &token)?))
        .await?;
    Ok(private(HttpResponse::Ok().json(view(&open))))
}

#[utoipa::path(
    tag = "surveys",
    operation_id = "answer_survey",
    description = "Roles: none (public): the token in the link is the credential.\n\n\
                   Records the customer's answers, once: a rating of each of the four \
                   statements on the five-point scale (all four required) and an optional \
                   comment of at most 2000 characters. They are kept with the stage the \
                   complaint ended at and its service, counted in the performance and annual \
                   reports, and an internal `survey_answered` event (without the answers) goes \
                   on the case's timeline. Answers that break the rules are 422 naming each \
                   field, and change nothing. A token this service did not make is 404; a \
                   survey answered already (this link works once) or expired is 410.",
    params(("token" = String, Path, description = "The token in the survey's link",
        min_length = 43, max_length = 43, pattern = "^[A-Za-z0-9_-]{43}$",
        example = "q3J0aW5nLXN1cnZleS10b2tlbi1leGFtcGxlLTAwMDE")),
    request_body = SurveyAnswers,
    responses(
        (status = 200, description = "The answers were recorded", body = SurveyReceipt),
        (status = 400, response = responses::MalformedJson),
        (status = 404, response = responses::NotFound),
        (status = 410, response = responses::Gone),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[post("/surveys/{token}")]
pub async fn answer(
    db: web::Data<Database>,
    now: web::Data<Now>,
    token: web::Path<String>,
    body: JsonBody<SurveyAnswers>,
) -> Result<HttpResponse, ApiError> {
    let answers = answers_of(body.value)?;
    let token = token.into_inner();
    let at = now.now();
    let answered = db
        .write(move |conn| Ok(surveys::answer(conn, at, &token, &answers)?))
        .await?;
    Ok(private(HttpResponse::Ok().json(SurveyReceipt {
        reference: answered.reference,
        stage: answered.survey.stage,
        answered_at: super::rfc3339(at),
        message: "Thank you: your answers have been recorded. They help the council improve how \
                  it handles complaints.",
    })))
}

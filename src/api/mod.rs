//! The HTTP API: one module per resource, and the OpenAPI document built
//! from their annotations.

pub mod access_log;
pub mod acknowledgements;
pub mod adjustments;
pub mod assignments;
pub mod calendar;
pub mod case_access;
pub mod cases;
pub mod closures;
pub mod contract;
pub mod correspondence;
pub mod database;
pub mod documents;
pub mod duplicates;
pub mod escalations;
pub mod event_types;
pub mod events;
pub mod extensions;
pub mod feedback;
pub mod flags;
pub mod forms;
pub mod health;
pub mod idempotency;
pub mod json;
pub mod learning_actions;
pub mod letters;
pub mod mailroom;
pub mod notes;
pub mod ombudsman;
pub mod ownership;
pub mod pagination;
pub mod people;
pub mod precondition;
pub mod query;
pub mod rate_limit;
pub mod remedies;
pub mod reports;
pub mod restrictions;
pub mod retention;
pub mod services;
pub mod stage_responses;
pub mod subject_access;
pub mod subject_access_export;
pub mod surveys;
pub mod triage;
pub mod validation;
pub mod webhooks;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Reads a row id from the path: a positive whole number, as the document
/// says; anything else names nothing, a 404, answered before `If-Match` is
/// looked at so a made-up id is never reported as a stale version.
pub fn path_id(raw: &str, what: &str) -> Result<i64, crate::error::ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| crate::error::ApiError::NotFound(format!("there is no {what} {raw}")))
}

/// Instants go out as RFC 3339 in UTC.
pub fn rfc3339(at: chrono::NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Reusable error responses, each a problem+json document.
pub mod responses {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

    use crate::error::PROBLEM_JSON;

    macro_rules! problem_response {
        ($name:ident, $description:literal) => {
            #[doc = $description]
            pub struct $name;

            impl<'s> utoipa::ToResponse<'s> for $name {
                fn response() -> (&'s str, RefOr<Response>) {
                    (
                        stringify!($name),
                        ResponseBuilder::new()
                            .description($description)
                            .content(
                                PROBLEM_JSON,
                                ContentBuilder::new()
                                    .schema(Some(Ref::from_schema_name("Problem")))
                                    .build(),
                            )
                            .build()
                            .into(),
                    )
                }
            }
        };
    }

    problem_response!(
        MalformedJson,
        "The body is not valid JSON (`/problems/malformed-json`)."
    );
    problem_response!(
        Unauthorized,
        "No bearer token, or one that is expired, not yet valid, for another issuer or audience, \
         tampered with, or signed with an algorithm this service does not accept \
         (`/problems/unauthorized`). Carries `WWW-Authenticate`."
    );
    problem_response!(
        Forbidden,
        "The caller's role may not do this (`/problems/forbidden`)."
    );
    problem_response!(
        NotFound,
        "Nothing here, or nothing this caller may see (`/problems/not-found`)."
    );
    problem_response!(
        Conflict,
        "The request conflicts with what is stored, e.g. an id already taken (`/problems/conflict`)."
    );
    problem_response!(
        CaseAnonymised,
        "The case was anonymised, by the retention schedule or an erasure, and takes no more \
         changes or additions (`/problems/case-anonymised`)."
    );
    problem_response!(
        ConflictOrCaseAnonymised,
        "The request conflicts with what is stored or with where the case stands \
         (`/problems/conflict`); or the case was anonymised, by the retention schedule or an \
         erasure, and takes no more changes or additions (`/problems/case-anonymised`)."
    );
    problem_response!(
        PayloadTooLarge,
        "The body is over the size limit (`/problems/payload-too-large`)."
    );
    problem_response!(
        UnsupportedMediaType,
        "The body is not sent as application/json (`/problems/unsupported-media-type`)."
    );
    problem_response!(
        ValidationFailed,
        "Values break the rules: `errors` lists every field at fault (`/problems/validation`), \
         or an Idempotency-Key was reused with a different body (`/problems/idempotency-key-reused`)."
    );
    problem_response!(
        Gone,
        "The survey's link worked once and no longer does: the survey was answered \
         (`/problems/survey-answered`) or its link expired (`/problems/survey-expired`)."
    );
    problem_response!(
        PreconditionFailed,
        "`If-Match` names a version of the case that is no longer current: read it again \
         (`/problems/precondition-failed`)."
    );
    problem_response!(
        PreconditionRequired,
        "A change was sent without `If-Match` (`/problems/precondition-required`)."
    );
    problem_response!(
        Unavailable,
        "The database cannot be reached (`/problems/service-unavailable`): answered within \
         `DATABASE_TIMEOUT_MS` (2 s by default; at once while an outage is known) with \
         `Retry-After: 1`. Readiness answers it within a second."
    );

    /// 429 with `Retry-After`: a public caller over its rate limit.
    pub struct RateLimited;

    impl<'s> utoipa::ToResponse<'s> for RateLimited {
        fn response() -> (&'s str, RefOr<Response>) {
            (
                "RateLimited",
                ResponseBuilder::new()
                    .description(
                        "A public caller (a customer, the website's form client) over its rate \
                         limit, per client or per address (`/problems/rate-limited`): \
                         `RATE_LIMIT_PER_CLIENT` and `RATE_LIMIT_PER_IP` requests per \
                         `RATE_LIMIT_WINDOW` (100 and 500 an hour by default). Staff and \
                         partners are never limited.",
                    )
                    .header(
                        "Retry-After",
                        utoipa::openapi::HeaderBuilder::new()
                            .schema(
                                utoipa::openapi::ObjectBuilder::new()
                                    .schema_type(utoipa::openapi::schema::Type::Integer)
                                    .minimum(Some(1)),
                            )
                            .description(Some("Seconds until the caller may try again"))
                            .build(),
                    )
                    .content(
                        PROBLEM_JSON,
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Problem")))
                            .build(),
                    )
                    .build()
                    .into(),
            )
        }
    }

    /// Every way a change to a case (a `POST` under `/cases/{reference}/` with
    /// `If-Match` and a JSON body) can be refused.
    #[derive(utoipa::IntoResponses)]
    pub enum CaseChangeRefused {
        #[response(status = 400)]
        MalformedJson(#[ref_response] MalformedJson),
        #[response(status = 401)]
        Unauthorized(#[ref_response] Unauthorized),
        #[response(status = 403)]
        Forbidden(#[ref_response] Forbidden),
        #[response(status = 404)]
        NotFound(#[ref_response] NotFound),
        #[response(status = 409)]
        Conflict(#[ref_response] Conflict),
        #[response(status = 412)]
        PreconditionFailed(#[ref_response] PreconditionFailed),
        #[response(status = 422)]
        ValidationFailed(#[ref_response] ValidationFailed),
        #[response(status = 428)]
        PreconditionRequired(#[ref_response] PreconditionRequired),
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer_auth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT with `sub`, `roles` (customer, investigating_officer, head_of_service, \
                         complaints_manager, partner), `services`, `iss`, `aud` and `exp`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "notify_callback_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The bearer token given to GOV.UK Notify for its callbacks \
                         (`NOTIFY_CALLBACK_TOKEN`): not a JWT.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The parts of the document not collected from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "council-feedback",
        description = "The system of record for a council's compliments, comments and complaints.\n\n\
                       Every error is `application/problem+json` (RFC 9457) with a stable `type`. \
                       Every response carries `X-Request-Id`. Lists are `{\"items\": [...], \"next_cursor\": ...}` \
                       with `limit` (default 50, at most 200) and `cursor`. \
                       A URI (path and query) longer than 8 KiB is refused with 414 \
                       (`/problems/uri-too-long`), headers over 64 KiB in all with 431 \
                       (`/problems/request-header-fields-too-large`), on every operation.",
        license(name = "MIT")
    ),
    modifiers(&BearerAuth),
    components(
        schemas(
            crate::error::Problem,
            crate::error::FieldError,
            // What the timeline's events carry: the schemas `GET /event-types` serves
            // point into these.
            crate::domain::case::events::CaseEvent,
            // Named by the case list's `correspondence` query parameter only.
            cases::CorrespondenceFilter,
        ),
        responses(
            responses::MalformedJson,
            responses::Unauthorized,
            responses::Forbidden,
            responses::NotFound,
            responses::Conflict,
            responses::CaseAnonymised,
            responses::ConflictOrCaseAnonymised,
            responses::PayloadTooLarge,
            responses::UnsupportedMediaType,
            responses::ValidationFailed,
            responses::PreconditionFailed,
            responses::PreconditionRequired,
            responses::Unavailable,
            responses::RateLimited,
            responses::Gone,
        )
    ),
    tags(
        (name = "cases", description = "Complaints, compliments and comments"),
        (name = "events", description = "The kinds of event on a case's timeline, with the schema of each one's details"),
        (name = "webhooks", description = "Webhook endpoints: events pushed to the CRM and partners, signed as Standard Webhooks says"),
        (name = "mailroom", description = "Messages to customers: sent through GOV.UK Notify or SMTP, or printed locally, with their delivery status"),
        (name = "services", description = "The service directory"),
        (name = "people", description = "People: one record per person across their cases, matched at intake, confirmed and merged by staff; restrictions on unreasonable behaviour"),
        (name = "learning", description = "Learning actions: what complaints taught the council and the changes made"),
        (name = "reports", description = "Anonymised performance reports"),
        (name = "case access", description = "A resident without an account: the link to their case sent by email or text, exchanged for a token reaching that one case, claimed into an account, revoked by staff"),
        (name = "surveys", description = "The satisfaction survey, answered through the link sent when a complaint closes: no login"),
        (name = "calendar", description = "Working days, bank holidays and the council's policy"),
        (name = "system", description = "Health and readiness"),
    )
)]
pub struct ApiDoc;

/// The routes under `/api/v1`.
pub fn v1(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config
        .service(services::list)
        .service(services::get)
        .service(services::create)
        .service(services::directorates)
        .service(cases::create)
        .service(cases::list)
        .service(cases::get)
        .service(cases::timeline)
        .service(event_types::list)
        .service(events::list)
        .service(webhooks::create)
        .service(webhooks::list)
        .service(webhooks::get)
        .service(webhooks::change)
        .service(webhooks::rotate_secret)
        .service(webhooks::deliveries)
        .service(webhooks::redeliver)
        .service(triage::decide)
        .service(acknowledgements::acknowledge)
        .service(assignments::assign)
        .service(notes::add)
        .service(correspondence::add)
        .service(documents::add)
        .service(documents::list)
        .service(documents::download)
        .service(extensions::ask)
        .service(extensions::decide)
        .service(stage_responses::write_draft)
        .service(stage_responses::approve_and_send)
        .service(escalations::escalate)
        .service(escalations::refuse)
        .service(closures::withdraw)
        .service(closures::close)
        .service(closures::reopen)
        .service(ombudsman::refer)
        .service(ombudsman::record_decision)
        .service(remedies::promise)
        .service(remedies::complete)
        .service(remedies::list)
        .service(flags::add_flag)
        .service(flags::link)
        .service(ownership::change_lead)
        .service(ownership::add_contributor)
        .service(ownership::remove_contributor)
        .service(feedback::forward)
        .service(feedback::send_reply)
        .service(feedback::record_action)
        .service(people::me)
        .service(people::list)
        .service(people::get)
        .service(people::cases)
        .service(people::merge)
        .service(people::set_case_person)
        .service(restrictions::create)
        .service(restrictions::list)
        .service(restrictions::get)
        .service(restrictions::review)
        .service(restrictions::review_new_issues)
        .service(people::update)
        .service(retention::list_on_case)
        .service(retention::place_on_case)
        .service(retention::lift_on_case)
        .service(retention::case_retention)
        .service(retention::list_on_person)
        .service(retention::place_on_person)
        .service(retention::lift_on_person)
        .service(retention::request_erasure)
        .service(retention::erasure_requests)
        .service(retention::decide_erasure)
        .service(adjustments::create)
        .service(adjustments::list)
        .service(adjustments::get)
        .service(adjustments::review)
        .service(learning_actions::create)
        .service(learning_actions::list)
        .service(learning_actions::get)
        .service(learning_actions::update)
        .service(reports::performance)
        .service(reports::staff_compliments)
        .service(reports::annual)
        .service(reports::digest)
        .service(reports::answer_self_assessment)
        .service(reports::self_assessment_answers)
        .service(notes::list)
        .service(duplicates::list)
        .service(letters::list)
        .service(letters::get)
        .service(calendar::due_date_after)
        .service(calendar::count_working_days)
        .service(calendar::list_bank_holidays)
        .service(calendar::get_policy)
        .service(case_access::exchange)
        .service(case_access::claim)
        .service(case_access::list)
        .service(case_access::send)
        .service(case_access::revoke)
        .service(surveys::show)
        .service(surveys::answer)
        .service(mailroom::notify_callback)
        .service(mailroom::list_for_case)
        .service(mailroom::list)
        .service(mailroom::record_printing)
        .service(access_log::for_case)
        .service(access_log::for_person)
        .service(subject_access::create)
        .service(subject_access::list)
        .service(subject_access::get)
        .service(subject_access::extend)
        .service(subject_access::answer)
        .service(subject_access::open)
        .service(subject_access::disclose_note)
        .service(subject_access_export::export);
}

/// The OpenAPI document, as served at `/openapi.json` and committed under `openapi/`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    crate::startup::routes(actix_web::App::new()).1
}

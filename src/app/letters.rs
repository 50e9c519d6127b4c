//! Letters to the customer, written in the transaction of the change that calls for them: an
//! acknowledgement when a complaint is acknowledged, a notice when an extension is agreed, the
//! response when it is sent, referrals at triage, a compliment's or comment's acknowledgement
//! and reply. Each is checked against what the Complaint Handling Code requires of it
//! ([`crate::domain::letter::missing`]): while anything is missing the change is refused, 422
//! naming the field, and nothing is written.
//!
//! [`write`] is the seam: it renders a letter from the council's templates in the customer's
//! language and form, stores it (`pending`), and puts it in the mail room the way the customer
//! is reached, in the same transaction: the jobs send it once the change commits.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

use super::mailroom::{self, OutgoingMessage};
use super::AppError;
use crate::db::cases::CaseRow;
use crate::db::extensions::ExtensionRow;
use crate::db::letters::{self as repo, LetterRow};
use crate::db::responses::ResponseRow;
use crate::db::DbConnection;
use crate::domain::case::{Kind, Stage};
use crate::domain::clock::uk_date;
use crate::domain::letter::{self, Contents, Language, LetterKind, LetterStatus};
use crate::domain::mailroom::{
    self as mailroom_rules, Contact, Delivery, MessageChannel, Provider,
};
use crate::domain::remedy::RemedyStatus;
use crate::domain::triage::Procedure;
use crate::error::FieldError;
use crate::letters::context::{self, Action, Common, Details, Point, Stage2Route};
use crate::letters::Templates;

/// Renders the `kind` letter for case `case`, in its customer's language (see
/// [`Templates::language_for`]) and large print where they asked for it, with the details
/// `details` gives in that language, and keeps it on the case as `pending`. Gives its row.
pub fn write(
    conn: &mut DbConnection,
    templates: &Templates,
    now: NaiveDateTime,
    case: &CaseRow,
    kind: LetterKind,
    details: impl FnOnce(Language) -> Details,
) -> Result<LetterRow, AppError> {
    let composed = compose(conn, templates, now, case, kind, details)?;
    let letter = keep(conn, now, case, kind, composed.rendered)?;
    send(
        conn,
        templates,
        now,
        case,
        &letter,
        &composed.customer,
        composed.representative.as_ref(),
    )?;
    Ok(letter)
}

/// A letter rendered for a case, with the people it goes to, and what it was rendered with.
struct Composed {
    rendered: crate::letters::Rendered,
    customer: Contact,
    representative: Option<Contact>,
    common: Common,
    language: Language,
}

impl Composed {
    /// The same letter rendered again with other `details` (in the same language, for the
    /// same people): nothing is read again.
    fn rendered_with(
        &self,
        templates: &Templates,
        details: &Details,
    ) -> Result<crate::letters::Rendered, AppError> {
        templates
            .render(&self.common, details, self.language)
            .map_err(|e| {
                AppError::Internal(format!("rendering the {} letter: {e}", details.kind()))
            })
    }
}

/// Renders the `kind` letter for case `case` in its customer's language and form.
fn compose(
    conn: &mut DbConnection,
    templates: &Templates,
    now: NaiveDateTime,
    case: &CaseRow,
    kind: LetterKind,
    details: impl FnOnce(Language) -> Details,
) -> Result<Composed, AppError> {
    let (customer, representative) = crate::db::cases::people(conn, case.id)?;
    let customer_contact = mailroom::customer_contact(&customer);
    let representative = representative
        .as_ref()
        .and_then(mailroom::representative_contact);
    let service = crate::db::services::find(conn, &case.service_id)?
        .ok_or_else(|| AppError::Internal(format!("case {} has no service", case.reference)))?;
    let language = templates.language_for(
        kind,
        Language::of_customer(customer.interpreter_language.as_deref()),
    );
    let details = details(language);
    if details.kind() != kind {
        return Err(AppError::Internal(format!(
            "the {kind} letter was given a {} letter's details",
            details.kind()
        )));
    }
    let common = Common {
        reference: case.reference.clone(),
        customer_name: customer.name,
        service: service.name,
        received_on: context::written(uk_date(case.received_at), language),
        date: context::written(uk_date(now), language),
        ombudsman: templates.ombudsman(service.ombudsman),
        large_print: customer.large_print,
    };
    let rendered = templates
        .render(&common, &details, language)
        .map_err(|e| AppError::Internal(format!("rendering the {kind} letter: {e}")))?;
    Ok(Composed {
        rendered,
        customer: customer_contact,
        representative,
        common,
        language,
    })
}

/// Keeps a rendered letter on the case, `pending`.
fn keep(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    case: &CaseRow,
    kind: LetterKind,
    rendered: crate::letters::Rendered,
) -> Result<LetterRow, AppError> {
    Ok(repo::insert(
        conn,
        &LetterRow {
            id: 0,
            case_id: case.id,
            kind,
            language: rendered.language,
            large_print: rendered.large_print,
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            status: LetterStatus::Pending,
            created_at: now,
            body: Some(rendered.body),
        },
    )?)
}

/// What the copy of a case-access link's letter kept on the case says where the link was:
/// the link is a credential, and is kept nowhere but in the message while it is sent.
pub const LINK_NOT_KEPT: &str = "[the link was sent to the customer; it is not kept]";

/// A resident's link to case `case` (issue 16 §2), sent only to them, the way `route` says
/// (email or text message), saying it works until `expires_on`. The letter kept on the case
/// has [`LINK_NOT_KEPT`] where the link was; the message sent holds the link, and the mail
/// room replaces its text with the kept copy's once it is sent or has failed for good.
pub fn case_access_link(
    conn: &mut DbConnection,
    templates: &Templates,
    now: NaiveDateTime,
    case: &CaseRow,
    route: mailroom_rules::Route,
    case_url: &str,
    expires_on: NaiveDate,
) -> Result<LetterRow, AppError> {
    let kind = LetterKind::CaseAccessLink;
    let details = |url: &str| {
        let url = url.to_string();
        move |language| Details::CaseAccessLink {
            case_url: url,
            expires_on: context::written(expires_on, language),
        }
    };
    let composed = compose(conn, templates, now, case, kind, details(case_url))?;
    let kept = composed.rendered_with(templates, &details(LINK_NOT_KEPT)(composed.language))?;
    let sent = composed.rendered;
    let letter = keep(conn, now, case, kind, kept)?;
    let html = (route.channel == MessageChannel::Email).then_some(sent.html);
    let message = OutgoingMessage {
        letter_id: Some(letter.id),
        ..OutgoingMessage::routed(case.id, route, sent.subject, sent.text, html, None)
    };
    mailroom::enqueue(conn, now, message)?;
    Ok(letter)
}

/// Puts letter `letter` in the mail room, in the caller's transaction, for `customer` and for
/// a `representative` with their consent (see [`mailroom::representative_contact`]), the way
/// each is reached ([`mailroom_rules::deliveries`]): it is sent once the change commits, and never
/// if it rolls back.
fn send(
    conn: &mut DbConnection,
    templates: &Templates,
    now: NaiveDateTime,
    case: &CaseRow,
    letter: &LetterRow,
    customer: &Contact,
    representative: Option<&Contact>,
) -> Result<(), AppError> {
    let providers = templates.providers();
    let chars = letter.text.chars().count();
    // Every letter can be laid out as a PDF, for Notify to post.
    let mut deliveries = mailroom_rules::deliveries(customer, providers, true, chars);
    // A representative gets a copy where they can be reached.
    if let Some(representative) = representative {
        if mailroom_rules::route(representative, providers, true).is_ok() {
            deliveries.extend(mailroom_rules::deliveries(
                representative,
                providers,
                true,
                chars,
            ));
        }
    }
    for delivery in deliveries {
        let (mut route, text) = match delivery {
            Delivery::Letter(route) => (route, letter.text.clone()),
            Delivery::Notice { route, posted } => {
                let notice = crate::letters::sms_notice(
                    letter.language,
                    &case.reference,
                    &letter.subject,
                    posted,
                );
                (route, notice)
            }
        };
        let mut pdf = None;
        if route.channel == MessageChannel::Letter {
            let (laid_out, pages) = laid_out(templates, letter, &route.recipient)?;
            if mailroom_rules::notify_postable(&route.recipient, pages) {
                pdf = Some(laid_out);
            } else {
                // Notify would refuse it: staff print it instead.
                route.channel = MessageChannel::Print;
                route.provider = Provider::Print;
            }
        }
        let html = (route.channel == MessageChannel::Email).then(|| letter.html.clone());
        let message = OutgoingMessage {
            letter_id: Some(letter.id),
            ..OutgoingMessage::routed(case.id, route, letter.subject.clone(), text, html, pdf)
        };
        mailroom::enqueue(conn, now, message)?;
    }
    Ok(())
}

/// Letter `letter` as a PDF addressed to the address block `recipient` (a line each), with its
/// number of pages.
fn laid_out(
    templates: &Templates,
    letter: &LetterRow,
    recipient: &str,
) -> Result<(Vec<u8>, usize), AppError> {
    let blocks = match &letter.body {
        Some(body) => crate::letters::markup::parse(body),
        None => crate::letters::markup::from_text(&letter.text),
    };
    let address: Vec<String> = recipient.lines().map(str::to_string).collect();
    crate::letters::pdf::render_counted(&crate::letters::pdf::PdfLetter {
        subject: &letter.subject,
        blocks: &blocks,
        language: letter.language,
        large_print: letter.large_print,
        address: &address,
        sender: &templates.settings().sender,
    })
    .map_err(|e| AppError::Internal(format!("laying out letter {} as a PDF: {e}", letter.id)))
}

/// Refuses with every element `kind` lacks, each naming its field.
fn require(kind: LetterKind, contents: &Contents) -> Result<(), AppError> {
    let missing = letter::missing(kind, contents);
    if missing.is_empty() {
        return Ok(());
    }
    Err(AppError::Invalid(
        missing
            .into_iter()
            .map(|element| FieldError::new(element.field(), element.requirement()))
            .collect(),
    ))
}

fn given(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

fn stage_number(stage: Stage) -> u8 {
    match stage {
        Stage::Stage1 => 1,
        _ => 2,
    }
}

/// What the acknowledgement of a complaint's stage says beyond the case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Understanding {
    /// The complaint as the council understood it.
    pub understanding: Option<String>,
    /// What the customer wants to happen; the case's desired outcome when not given.
    pub outcome_sought: Option<String>,
}

/// Checks an acknowledgement can be written, before anything changes.
pub fn check_acknowledgement(
    case: &CaseRow,
    stage: Stage,
    said: &Understanding,
) -> Result<(), AppError> {
    require(
        LetterKind::Acknowledgement,
        &Contents {
            stage: Some(stage),
            understanding: given(said.understanding.as_deref()).is_some(),
            outcome_sought: given(said.outcome_sought.as_deref())
                .or_else(|| given(case.desired_outcome.as_deref()))
                .is_some(),
            ..Contents::default()
        },
    )
}

/// The acknowledgement of a complaint at `stage`, whose response is due on `response_due`.
pub fn acknowledgement(
    conn: &mut DbConnection,
    templates: &Templates,
    now: NaiveDateTime,
    case: &CaseRow,
    stage: Stage,
    said: &Understanding,
    response_due: NaiveDate,
) -> Result<LetterRow, AppError> {
    check_acknowledgement(case, stage, said)?;
    let understanding = given(said.understanding.as_deref()).unwrap_or_default();
    let outcome_sought = given(said.outcome_sought.as_deref())
        .or_else(|| given(case.desired_outcome.as_deref()))
        .unwrap_or_default();
    write(
        conn,
        templates,
        now,
        case,
        LetterKind::Acknowledgement,
        |language| Details::Acknowledgement {
            stage: stage_number(stage),
            understanding,
            outcome_sought,
            response_due: context::written(response_due, language),
        },
    )
}

/// The notice of an agreed extension (Code 6.4-6.5).
pub fn extension(
    conn: &mut DbConnection,
    templates: &Templates,
    now: NaiveDateTime,
    case: &CaseRow,
    stage: Stage,
    extension: &ExtensionRow,
) -> Result<LetterRow, AppError> {
    let reason = given(Some(&extension.reason));
    require(
        LetterKind::Extension,
        &Contents {
            stage: Some(stage),
            extension_reason: reason.is_some(),
            new_due_date: extension.new_due > extension.previous_due,
            ombudsman_details: ombudsman_configured(templates),
            ..Contents::default()
        },
    )?;
    write(
        conn,
        templates,
        now,
        case,
        LetterKind::Extension,
        |language| Details::Extension {
            stage: stage_number(stage),
            reason: reason.unwrap_or_default(),
            previous_due: context::written(extension.previous_due, language),
            new_due: context::written(extension.new_due, language),
        },
    )
}

fn ombudsman_configured(templates: &Templates) -> bool {
    let settings = templates.settings();
    [&settings.lgsco, &settings.housing_ombudsman]
        .iter()
        .all(|o| !o.phone.trim().is_empty() && !o.name.trim().is_empty())
}

/// A finding as the draft stored it.
#[derive(Debug, Deserialize)]
struct StoredFinding {
    point: Option<String>,
    finding: Option<String>,
    upheld: Option<bool>,
}

/// An outstanding action as the draft stored it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct OutstandingAction {
    pub action: String,
    pub due: NaiveDate,
}

/// The stage response `response`, sent: checked against the Code, then written. The window
/// for asking for stage 2, where the policy has one, closes on `window_closes`.
#[allow(clippy::too_many_arguments)]
pub fn response(
    conn: &mut DbConnection,
    templates: &Templates,
    now: NaiveDateTime,
    case: &CaseRow,
    stage: Stage,
    response: &ResponseRow,
    window_closes: Option<NaiveDate>,
) -> Result<LetterRow, AppError> {
    let findings: Vec<StoredFinding> = serde_json::from_str(&response.findings)
        .map_err(|e| AppError::Internal(format!("stored findings: {e}")))?;
    let actions: Option<Vec<OutstandingAction>> = response
        .outstanding_actions
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| AppError::Internal(format!("stored outstanding actions: {e}")))?;
    let remedies: Vec<_> = crate::db::remedies::for_case(conn, case.id)?
        .into_iter()
        .filter(|r| r.status != RemedyStatus::CannotDeliver)
        .collect();
    let points: Vec<Point> = findings
        .iter()
        .filter_map(|f| {
            Some(Point {
                point: given(f.point.as_deref())?,
                upheld: f.upheld?,
                reasons: given(f.finding.as_deref())?,
            })
        })
        .collect();
    let understanding = given(response.understanding.as_deref());
    let kind = LetterKind::response(stage);
    require(
        kind,
        &Contents {
            stage: Some(stage),
            understanding: understanding.is_some(),
            outcome: Some(response.outcome),
            points: findings.len(),
            points_with_reasons: points.len(),
            remedies: remedies.len(),
            outstanding_actions_dated: actions.as_ref().map(|_| true),
            escalation_route: true,
            ombudsman_details: ombudsman_configured(templates),
            ..Contents::default()
        },
    )?;
    let apology = given(response.apology.as_deref());
    let letter = given(Some(&response.letter));
    write(conn, templates, now, case, kind, |language| {
        let dated = |action: String, due: NaiveDate| Action {
            action,
            due: context::written(due, language),
        };
        Details::Response {
            stage: stage_number(stage),
            outcome: response.outcome.as_str().into(),
            understanding: understanding.unwrap_or_default(),
            points,
            apology,
            remedies: remedies
                .into_iter()
                .map(|r| dated(r.description, r.due))
                .collect(),
            outstanding_actions: actions
                .unwrap_or_default()
                .into_iter()
                .map(|a| dated(a.action, a.due))
                .collect(),
            stage_2: (stage == Stage::Stage1).then(|| Stage2Route {
                request_by: window_closes.map(|d| context::written(d, language)),
            }),
            letter,
        }
    })
}

/// A request for stage 2 refused, with `reasons` and the right to go to the Ombudsman
/// ([`super::lifecycle::refuse_escalation`]).
pub fn escalation_refused(
    conn: &mut DbConnection,
    templates: &Templates,
    now: NaiveDateTime,
    case: &CaseRow,
    reasons: &str,
) -> Result<LetterRow, AppError> {
    let reasons = given(Some(reasons));
    require(
        LetterKind::EscalationRefused,
        &Contents {
            refusal_reasons: reasons.is_some(),
            ombudsman_details: ombudsman_configured(templates),
            ..Contents::default()
        },
    )?;
    write(
        conn,
        templates,
        now,
        case,
        LetterKind::EscalationRefused,
        |_| Details::EscalationRefused {
            reasons: reasons.unwrap_or_default(),
        },
    )
}

/// What a restriction's notice says, in the council's words: the letter's template writes it
/// out in the person's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestrictionNotice {
    pub restriction_type: crate::domain::restriction::RestrictionType,
    pub behaviours: Vec<crate::domain::restriction::Behaviour>,
    pub contact_officer: Option<String>,
    pub contact_limit: Option<String>,
    /// The services in scope, by name.
    pub services: Vec<String>,
    /// The matter's case references.
    pub matter: Vec<String>,
    pub warned_on: Option<NaiveDate>,
    pub starts_on: NaiveDate,
    pub review_on: NaiveDate,
}

/// A restriction's notice to the person, on the case it arose from (whose service names the
/// Ombudsman: the LGSCO, the Housing Ombudsman, or Wales's): why, what, for how long, the
/// review date and the right to go to the Ombudsman.
pub fn restriction_notice(
    conn: &mut DbConnection,
    templates: &Templates,
    now: NaiveDateTime,
    case: &CaseRow,
    notice: &RestrictionNotice,
) -> Result<LetterRow, AppError> {
    require(
        LetterKind::RestrictionNotice,
        &Contents {
            ombudsman_details: ombudsman_configured(templates),
            ..Contents::default()
        },
    )?;
    write(
        conn,
        templates,
        now,
        case,
        LetterKind::RestrictionNotice,
        |language| Details::RestrictionNotice {
            restriction_type: notice.restriction_type.as_str().to_string(),
            behaviours: notice
                .behaviours
                .iter()
                .map(|b| b.as_str().to_string())
                .collect(),
            contact_officer: notice.contact_officer.clone(),
            contact_limit: notice.contact_limit.clone(),
            services: notice.services.clone(),
            matter: notice.matter.clone(),
            warned_on: notice.warned_on.map(|d| context::written(d, language)),
            starts_on: context::written(notice.starts_on, language),
            review_on: context::written(notice.review_on, language),
        },
    )
}

/// Triage found another procedure applies: which, and how to use it.
pub fn excluded_referral(
    conn: &mut DbConnection,
    templates: &Templates,
    now: NaiveDateTime,
    case: &CaseRow,
    procedure: Procedure,
    referral: Option<&str>,
) -> Result<LetterRow, AppError> {
    let referral = given(referral);
    require(
        LetterKind::ExcludedReferral,
        &Contents {
            referral: referral.is_some(),
            ..Contents::default()
        },
    )?;
    write(
        conn,
        templates,
        now,
        case,
        LetterKind::ExcludedReferral,
        |_| Details::ExcludedReferral {
            procedure: procedure.as_str().into(),
            referral: referral.unwrap_or_default(),
        },
    )
}

/// Triage found it is not a council service: the organisation to go to.
pub fn outside_remit_referral(
    conn: &mut DbConnection,
    templates: &Templates,
    now: NaiveDateTime,
    case: &CaseRow,
    organisation: Option<&str>,
    referral: Option<&str>,
) -> Result<LetterRow, AppError> {
    let organisation = given(organisation);
    require(
        LetterKind::OutsideRemitReferral,
        &Contents {
            referral: organisation.is_some(),
            ..Contents::default()
        },
    )?;
    let referral = given(referral);
    write(
        conn,
        templates,
        now,
        case,
        LetterKind::OutsideRemitReferral,
        |_| Details::OutsideRemitReferral {
            organisation: organisation.unwrap_or_default(),
            referral,
        },
    )
}

fn feedback_kind(case: &CaseRow) -> String {
    match case.kind {
        Kind::Compliment => "compliment".into(),
        Kind::Comment => "comment".into(),
        Kind::Complaint => "complaint".into(),
    }
}

/// A compliment or comment acknowledged; its reply due on `response_due`.
pub fn feedback_acknowledgement(
    conn: &mut DbConnection,
    templates: &Templates,
    now: NaiveDateTime,
    case: &CaseRow,
    response_due: Option<NaiveDate>,
) -> Result<LetterRow, AppError> {
    write(
        conn,
        templates,
        now,
        case,
        LetterKind::FeedbackAcknowledgement,
        |language| Details::FeedbackAcknowledgement {
            feedback_kind: feedback_kind(case),
            response_due: response_due.map(|d| context::written(d, language)),
        },
    )
}

/// A compliment or comment answered with `reply`.
pub fn feedback_reply(
    conn: &mut DbConnection,
    templates: &Templates,
    now: NaiveDateTime,
    case: &CaseRow,
    reply: Option<&str>,
) -> Result<LetterRow, AppError> {
    let reply = given(reply);
    write(
        conn,
        templates,
        now,
        case,
        LetterKind::FeedbackReply,
        |_| Details::FeedbackReply {
            feedback_kind: feedback_kind(case),
            reply,
        },
    )
}

/// The satisfaction survey's invitation, with its link `PUBLIC_BASE_URL/surveys/{token}`,
/// written when a complaint's closure invites its customer ([`super::surveys::invite`]).
pub fn survey_invitation(
    conn: &mut DbConnection,
    templates: &Templates,
    now: NaiveDateTime,
    case: &CaseRow,
    token: &str,
) -> Result<LetterRow, AppError> {
    let token = given(Some(token));
    require(
        LetterKind::SurveyInvitation,
        &Contents {
            survey_link: token.is_some(),
            ..Contents::default()
        },
    )?;
    let survey_url = format!(
        "{}/surveys/{}",
        templates.settings().public_base_url,
        token.unwrap_or_default()
    );
    write(
        conn,
        templates,
        now,
        case,
        LetterKind::SurveyInvitation,
        |_| Details::SurveyInvitation { survey_url },
    )
}

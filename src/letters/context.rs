//! What each letter's template is given: the fields every letter has ([`Common`]) and those of
//! its kind ([`Details`]). These are the only names a template may use: start-up checks every
//! template against [`sample`], which fills every field of its kind.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::domain::letter::{Language, LetterKind};

/// An Ombudsman as a letter names it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Ombudsman {
    /// `lgsco` or `housing_ombudsman`.
    pub body: String,
    pub name: String,
    pub phone: String,
    pub website: String,
}

/// What every letter is told.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Common {
    /// The case reference, e.g. CMP-2026-000042.
    pub reference: String,
    pub customer_name: String,
    /// The service's name.
    pub service: String,
    /// The day the case was received, written out.
    pub received_on: String,
    /// The day the letter was written, written out.
    pub date: String,
    /// The Ombudsman for the case's service.
    pub ombudsman: Ombudsman,
    pub large_print: bool,
}

/// One point the customer raised, decided.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Point {
    pub point: String,
    pub upheld: bool,
    /// Why.
    pub reasons: String,
}

/// Something the council will do, and by when (written out).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Action {
    pub action: String,
    pub due: String,
}

/// A stage 1 response's way to stage 2.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Stage2Route {
    /// The last day to ask, written out, where the policy has a window.
    pub request_by: Option<String>,
}

/// What a letter of each kind is told beyond [`Common`].
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Details {
    Acknowledgement {
        /// 1 or 2.
        stage: u8,
        understanding: String,
        outcome_sought: String,
        /// When the response is due, written out.
        response_due: String,
    },
    Extension {
        stage: u8,
        reason: String,
        previous_due: String,
        new_due: String,
    },
    Response {
        stage: u8,
        /// `upheld`, `partially_upheld` or `not_upheld`.
        outcome: String,
        understanding: String,
        points: Vec<Point>,
        apology: Option<String>,
        remedies: Vec<Action>,
        outstanding_actions: Vec<Action>,
        /// After stage 1: how to ask for stage 2 (none after stage 2).
        stage_2: Option<Stage2Route>,
        /// The officer's own words, where they wrote any.
        letter: Option<String>,
    },
    EscalationRefused {
        reasons: String,
    },
    ExcludedReferral {
        /// The procedure that applies, e.g. `information_rights`.
        procedure: String,
        referral: String,
    },
    OutsideRemitReferral {
        organisation: String,
        referral: Option<String>,
    },
    FeedbackAcknowledgement {
        /// `compliment` or `comment`.
        feedback_kind: String,
        /// When the reply is due, written out.
        response_due: Option<String>,
    },
    FeedbackReply {
        feedback_kind: String,
        reply: Option<String>,
    },
    SurveyInvitation {
        /// `PUBLIC_BASE_URL/surveys/{token}`.
        survey_url: String,
    },
    CaseAccessLink {
        /// The link (`CASE_ACCESS_URL` with the token); on the copy kept, a line saying it was
        /// sent and is not kept.
        case_url: String,
        /// The last day it works, written out.
        expires_on: String,
    },
    RestrictionNotice {
        /// The restriction type's word, e.g. `single_point_of_contact`.
        restriction_type: String,
        /// The behaviours seen, each its word, e.g. `repeating_the_same_complaint`.
        behaviours: Vec<String>,
        /// The single point of contact's staff id.
        contact_officer: Option<String>,
        /// The limit on calls or visits, as stated.
        contact_limit: Option<String>,
        /// The services in scope, by name (none: every service, or a matter).
        services: Vec<String>,
        /// The matter's case references.
        matter: Vec<String>,
        /// When the warning was given, written out.
        warned_on: Option<String>,
        starts_on: String,
        review_on: String,
    },
}

impl Details {
    /// The letter these details are for.
    pub fn kind(&self) -> LetterKind {
        match self {
            Details::Acknowledgement { .. } => LetterKind::Acknowledgement,
            Details::Extension { .. } => LetterKind::Extension,
            Details::Response { stage: 1, .. } => LetterKind::Stage1Response,
            Details::Response { .. } => LetterKind::Stage2Response,
            Details::EscalationRefused { .. } => LetterKind::EscalationRefused,
            Details::ExcludedReferral { .. } => LetterKind::ExcludedReferral,
            Details::OutsideRemitReferral { .. } => LetterKind::OutsideRemitReferral,
            Details::FeedbackAcknowledgement { .. } => LetterKind::FeedbackAcknowledgement,
            Details::FeedbackReply { .. } => LetterKind::FeedbackReply,
            Details::SurveyInvitation { .. } => LetterKind::SurveyInvitation,
            Details::RestrictionNotice { .. } => LetterKind::RestrictionNotice,
            Details::CaseAccessLink { .. } => LetterKind::CaseAccessLink,
        }
    }
}

/// A letter's whole context, as its template sees it: the common fields and its kind's, in
/// one map.
pub fn context(common: &Common, details: &Details) -> Result<serde_json::Value, String> {
    let mut map = match serde_json::to_value(common).map_err(|e| e.to_string())? {
        serde_json::Value::Object(map) => map,
        _ => return Err("a letter's common fields are not a map".into()),
    };
    match serde_json::to_value(details).map_err(|e| e.to_string())? {
        serde_json::Value::Object(fields) => map.extend(fields),
        _ => return Err("a letter's details are not a map".into()),
    }
    Ok(serde_json::Value::Object(map))
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_CY: [&str; 12] = [
    "Ionawr",
    "Chwefror",
    "Mawrth",
    "Ebrill",
    "Mai",
    "Mehefin",
    "Gorffennaf",
    "Awst",
    "Medi",
    "Hydref",
    "Tachwedd",
    "Rhagfyr",
];

/// A date as a letter writes it: `17 November 2026`, `17 Tachwedd 2026`.
pub fn written(date: NaiveDate, language: Language) -> String {
    let months = match language {
        Language::English => &MONTHS_EN,
        Language::Welsh => &MONTHS_CY,
    };
    let month = months
        .get(date.month0() as usize)
        .copied()
        .unwrap_or_default();
    format!("{} {month} {}", date.day(), date.year())
}

/// Every field of `kind`'s context filled (lists with one item, options given), for checking a
/// template at start-up.
pub fn sample(kind: LetterKind) -> (Common, Details) {
    let day = "17 November 2026".to_string();
    let common = Common {
        reference: "CMP-2026-000042".into(),
        customer_name: "Alex Example".into(),
        service: "Waste Care".into(),
        received_on: day.clone(),
        date: day.clone(),
        ombudsman: Ombudsman {
            body: "lgsco".into(),
            name: "Local Government and Social Care Ombudsman".into(),
            phone: "0300 061 0614".into(),
            website: "https://www.lgo.org.uk".into(),
        },
        large_print: false,
    };
    let action = || Action {
        action: "Retrain the crew".into(),
        due: day.clone(),
    };
    let details = match kind {
        LetterKind::Acknowledgement => Details::Acknowledgement {
            stage: 1,
            understanding: "Your bin was missed".into(),
            outcome_sought: "Collect the bin".into(),
            response_due: day.clone(),
        },
        LetterKind::Extension => Details::Extension {
            stage: 1,
            reason: "We are waiting for the crew's records".into(),
            previous_due: day.clone(),
            new_due: day.clone(),
        },
        LetterKind::Stage1Response | LetterKind::Stage2Response => Details::Response {
            stage: if kind == LetterKind::Stage1Response {
                1
            } else {
                2
            },
            outcome: "partially_upheld".into(),
            understanding: "Your bin was missed".into(),
            points: vec![Point {
                point: "The bin was missed".into(),
                upheld: true,
                reasons: "The crew's records show it".into(),
            }],
            apology: Some("We are sorry".into()),
            remedies: vec![action()],
            outstanding_actions: vec![action()],
            stage_2: Some(Stage2Route {
                request_by: Some(day.clone()),
            }),
            letter: Some("More in the officer's words".into()),
        },
        LetterKind::EscalationRefused => Details::EscalationRefused {
            reasons: "Asked after the window closed".into(),
        },
        LetterKind::ExcludedReferral => Details::ExcludedReferral {
            procedure: "information_rights".into(),
            referral: "Write to the Information Governance team".into(),
        },
        LetterKind::OutsideRemitReferral => Details::OutsideRemitReferral {
            organisation: "The water company".into(),
            referral: Some("Call them on 0345 000 0000".into()),
        },
        LetterKind::FeedbackAcknowledgement => Details::FeedbackAcknowledgement {
            feedback_kind: "compliment".into(),
            response_due: Some(day.clone()),
        },
        LetterKind::FeedbackReply => Details::FeedbackReply {
            feedback_kind: "comment".into(),
            reply: Some("Thank you".into()),
        },
        LetterKind::SurveyInvitation => Details::SurveyInvitation {
            survey_url: "https://feedback.council.example/surveys/abc".into(),
        },
        LetterKind::CaseAccessLink => Details::CaseAccessLink {
            case_url: "https://www.council.example/my-case?link=abc".into(),
            expires_on: day.clone(),
        },
        LetterKind::RestrictionNotice => Details::RestrictionNotice {
            restriction_type: "single_point_of_contact".into(),
            behaviours: vec!["unreasonable_persistent_contact".into()],
            contact_officer: Some("officer-9".into()),
            contact_limit: Some("one call a week, of up to 20 minutes".into()),
            services: vec!["Waste Care".into()],
            matter: vec!["CMP-2026-000042".into()],
            warned_on: Some(day.clone()),
            starts_on: day.clone(),
            review_on: day.clone(),
        },
    };
    (common, details)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_out_in_the_letters_language() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 17).unwrap();
        assert_eq!(written(day, Language::English), "17 November 2026");
        assert_eq!(written(day, Language::Welsh), "17 Tachwedd 2026");
    }

    #[test]
    fn each_sample_is_of_its_kind() {
        for kind in LetterKind::ALL {
            assert_eq!(sample(*kind).1.kind(), *kind);
        }
    }
}

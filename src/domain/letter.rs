//! Letters to the customer (SPEC §5, issue 13): which letters there are, and what each must
//! say before it may go. The Complaint Handling Code (2024) lists what a stage response,
//! an extension notice, a refusal to escalate and an acknowledgement contain; this is the one
//! place that list is kept. The app layer gathers what the case holds into [`Contents`], asks
//! [`missing`], and refuses the change (422, naming the field) while anything is missing.

use super::case::{vocabulary, Outcome, Stage};

vocabulary! {
    /// Which letter.
    LetterKind {
        /// A complaint's stage acknowledged (Code 4.1, 6.1): the council's understanding of the
        /// complaint and the outcome sought.
        Acknowledgement => "acknowledgement",
        /// The response will be late: why, the new date and the Ombudsman's details (Code 6.4-6.5).
        Extension => "extension",
        /// The stage 1 response (Code 5.16-5.17).
        Stage1Response => "stage_1_response",
        /// The stage 2 response, with the route to the Ombudsman (Code 6.17-6.18).
        Stage2Response => "stage_2_response",
        /// A request for stage 2 refused: the reasons and the right to go to the Ombudsman.
        EscalationRefused => "escalation_refused",
        /// Triage found another procedure applies: which, and how to use it.
        ExcludedReferral => "excluded_referral",
        /// Not a council service: the organisation the customer is referred to.
        OutsideRemitReferral => "outside_remit_referral",
        /// A compliment or comment acknowledged (the customer asked for a reply).
        FeedbackAcknowledgement => "feedback_acknowledgement",
        /// A compliment or comment answered.
        FeedbackReply => "feedback_reply",
        /// After a complaint closes: how was it handled? With the survey's link.
        SurveyInvitation => "survey_invitation",
        /// A restriction on unreasonable behaviour: why, what, for how long, the review date and the right to go to the Ombudsman.
        RestrictionNotice => "restriction_notice",
        /// A resident without an account: the link back to their case, by email or text. The
        /// letter kept on the case says a link was sent, never the link itself.
        CaseAccessLink => "case_access_link",
    }
}

impl LetterKind {
    /// The stage response letter for `stage`.
    pub fn response(stage: Stage) -> LetterKind {
        match stage {
            Stage::Stage1 => LetterKind::Stage1Response,
            _ => LetterKind::Stage2Response,
        }
    }
}

vocabulary! {
    /// Where a letter stands. Written `pending`; the sending sets the rest.
    LetterStatus {
        /// Written and kept on the case; not sent yet.
        Pending => "pending",
    }
}

vocabulary! {
    /// The language a letter is written in.
    Language {
        English => "en",
        /// Cymraeg.
        Welsh => "cy",
    }
}

impl Language {
    /// The customer's language from what they told us (the language they asked an interpreter
    /// or letters in): Welsh for `cy`, `cym`, `Welsh` or `Cymraeg` in any case; English otherwise.
    pub fn of_customer(interpreter_language: Option<&str>) -> Language {
        match interpreter_language.map(|l| l.trim().to_ascii_lowercase()) {
            Some(l) if matches!(l.as_str(), "cy" | "cym" | "welsh" | "cymraeg") => Language::Welsh,
            _ => Language::English,
        }
    }
}

/// One thing a letter must say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    /// Which stage of the procedure this is.
    Stage,
    /// The complaint as the council understood it.
    Understanding,
    /// What the customer wants to happen.
    OutcomeSought,
    /// A decision on each point raised, with the reasons.
    Decisions,
    /// The remedies, when the complaint is upheld or partly upheld.
    Remedies,
    /// Actions still to be done, each with its date (an explicit "none" is an answer).
    OutstandingActions,
    /// How to take it further: stage 2 (after stage 1), then the Ombudsman.
    EscalationRoute,
    /// The right Ombudsman's name and contact details.
    OmbudsmanDetails,
    /// Why the response will be late.
    ExtensionReason,
    /// When the response will now come.
    NewDueDate,
    /// Why stage 2 is refused.
    RefusalReasons,
    /// The procedure that applies, or the organisation to go to, and how.
    Referral,
    /// The survey's address.
    SurveyLink,
}

impl Element {
    /// The field of the request (or of the case) that supplies it: named in the 422.
    pub fn field(self) -> &'static str {
        match self {
            Element::Stage => "stage",
            Element::Understanding => "understanding",
            Element::OutcomeSought => "outcome_sought",
            Element::Decisions => "findings",
            Element::Remedies => "remedies",
            Element::OutstandingActions => "outstanding_actions",
            Element::EscalationRoute => "escalation_route",
            Element::OmbudsmanDetails => "ombudsman",
            Element::ExtensionReason => "reason",
            Element::NewDueDate => "new_response_due",
            Element::RefusalReasons => "reasons",
            Element::Referral => "referral",
            Element::SurveyLink => "survey_url",
        }
    }

    /// What is missing, in words for the person who can supply it.
    pub fn requirement(self) -> &'static str {
        match self {
            Element::Stage => "the letter must say which stage of the procedure it is",
            Element::Understanding => {
                "state the complaint as the council understood it (Complaint Handling Code)"
            }
            Element::OutcomeSought => {
                "state the outcome the customer wants: the case has no desired outcome, so give it"
            }
            Element::Decisions => {
                "give a decision on each point raised, with the reasons (each finding's text)"
            }
            Element::Remedies => {
                "an upheld or partly upheld complaint's response sets out the remedies: record \
                 them on the case (POST /cases/{reference}/remedies) before it is sent"
            }
            Element::OutstandingActions => {
                "list the actions still outstanding, each with its date, or an empty list for none"
            }
            Element::EscalationRoute => "the letter must say how to take the complaint further",
            Element::OmbudsmanDetails => {
                "the Ombudsman's contact details are not configured (OMBUDSMAN_* settings)"
            }
            Element::ExtensionReason => "give the reason the response will be late",
            Element::NewDueDate => "give the date the response will now be sent",
            Element::RefusalReasons => "give the reasons stage 2 is refused",
            Element::Referral => "say which procedure or organisation applies and how to use it",
            Element::SurveyLink => "the survey's link is missing (PUBLIC_BASE_URL)",
        }
    }
}

/// What a letter's draft holds, as far as the rule cares: whether each element is there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contents {
    pub stage: Option<Stage>,
    pub understanding: bool,
    pub outcome_sought: bool,
    /// The outcome decided, for a response.
    pub outcome: Option<Outcome>,
    /// How many points were decided, and whether each has its reasons.
    pub points: usize,
    pub points_with_reasons: usize,
    pub remedies: usize,
    /// `None`: not stated at all; `Some(false)`: an action without a date.
    pub outstanding_actions_dated: Option<bool>,
    /// Whether the route onward (stage 2 where there is one, then the Ombudsman) is known.
    pub escalation_route: bool,
    pub ombudsman_details: bool,
    pub extension_reason: bool,
    pub new_due_date: bool,
    pub refusal_reasons: bool,
    pub referral: bool,
    pub survey_link: bool,
}

/// The elements `kind` must contain, for a response given its outcome.
pub fn required(kind: LetterKind, outcome: Option<Outcome>) -> Vec<Element> {
    use Element::*;
    match kind {
        LetterKind::Acknowledgement => vec![Stage, Understanding, OutcomeSought],
        LetterKind::Extension => vec![Stage, ExtensionReason, NewDueDate, OmbudsmanDetails],
        LetterKind::Stage1Response | LetterKind::Stage2Response => {
            let mut elements = vec![Stage, Understanding, Decisions];
            if matches!(outcome, Some(Outcome::Upheld | Outcome::PartiallyUpheld)) {
                elements.push(Remedies);
            }
            elements.extend([OutstandingActions, EscalationRoute, OmbudsmanDetails]);
            elements
        }
        LetterKind::EscalationRefused => vec![RefusalReasons, OmbudsmanDetails],
        LetterKind::ExcludedReferral | LetterKind::OutsideRemitReferral => vec![Referral],
        LetterKind::FeedbackAcknowledgement | LetterKind::FeedbackReply => vec![],
        LetterKind::SurveyInvitation => vec![SurveyLink],
        LetterKind::RestrictionNotice => vec![OmbudsmanDetails],
        LetterKind::CaseAccessLink => vec![],
    }
}

/// The elements `kind` must contain that `contents` lacks, in the order the letter gives them.
pub fn missing(kind: LetterKind, contents: &Contents) -> Vec<Element> {
    required(kind, contents.outcome)
        .into_iter()
        .filter(|element| !present(*element, contents))
        .collect()
}

fn present(element: Element, c: &Contents) -> bool {
    match element {
        Element::Stage => c.stage.is_some(),
        Element::Understanding => c.understanding,
        Element::OutcomeSought => c.outcome_sought,
        Element::Decisions => c.points > 0 && c.points_with_reasons == c.points,
        Element::Remedies => c.remedies > 0,
        Element::OutstandingActions => c.outstanding_actions_dated == Some(true),
        Element::EscalationRoute => c.escalation_route,
        Element::OmbudsmanDetails => c.ombudsman_details,
        Element::ExtensionReason => c.extension_reason,
        Element::NewDueDate => c.new_due_date,
        Element::RefusalReasons => c.refusal_reasons,
        Element::Referral => c.referral,
        Element::SurveyLink => c.survey_link,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete_response(outcome: Outcome) -> Contents {
        Contents {
            stage: Some(Stage::Stage1),
            understanding: true,
            outcome: Some(outcome),
            points: 2,
            points_with_reasons: 2,
            remedies: 1,
            outstanding_actions_dated: Some(true),
            escalation_route: true,
            ombudsman_details: true,
            ..Contents::default()
        }
    }

    #[test]
    fn a_complete_stage_1_response_lacks_nothing() {
        for outcome in Outcome::ALL {
            let contents = complete_response(*outcome);
            assert_eq!(missing(LetterKind::Stage1Response, &contents), vec![]);
        }
    }

    #[test]
    fn each_element_of_a_response_is_named_when_it_is_missing() {
        type Removal = (fn(&mut Contents), Element);
        let cases: [Removal; 6] = [
            (|c| c.understanding = false, Element::Understanding),
            (|c| c.points_with_reasons = 1, Element::Decisions),
            (|c| c.remedies = 0, Element::Remedies),
            (
                |c| c.outstanding_actions_dated = None,
                Element::OutstandingActions,
            ),
            (
                |c| c.outstanding_actions_dated = Some(false),
                Element::OutstandingActions,
            ),
            (|c| c.ombudsman_details = false, Element::OmbudsmanDetails),
        ];
        for (remove, element) in cases {
            let mut contents = complete_response(Outcome::Upheld);
            remove(&mut contents);
            assert_eq!(
                missing(LetterKind::Stage2Response, &contents),
                vec![element]
            );
        }
    }

    #[test]
    fn remedies_are_needed_only_when_upheld_or_partly() {
        let mut contents = complete_response(Outcome::NotUpheld);
        contents.remedies = 0;
        assert_eq!(missing(LetterKind::Stage1Response, &contents), vec![]);
        contents.outcome = Some(Outcome::PartiallyUpheld);
        assert_eq!(
            missing(LetterKind::Stage1Response, &contents),
            vec![Element::Remedies]
        );
    }

    #[test]
    fn an_extension_notice_needs_the_reason_the_date_and_the_ombudsman() {
        assert_eq!(
            missing(
                LetterKind::Extension,
                &Contents {
                    stage: Some(Stage::Stage1),
                    ..Contents::default()
                }
            ),
            vec![
                Element::ExtensionReason,
                Element::NewDueDate,
                Element::OmbudsmanDetails
            ]
        );
    }

    #[test]
    fn an_acknowledgement_states_the_understanding_and_the_outcome_sought() {
        let contents = Contents {
            stage: Some(Stage::Stage1),
            understanding: true,
            ..Contents::default()
        };
        assert_eq!(
            missing(LetterKind::Acknowledgement, &contents),
            vec![Element::OutcomeSought]
        );
    }

    #[test]
    fn welsh_is_chosen_from_the_language_the_customer_gave() {
        for welsh in ["cy", "CY", " Welsh ", "cymraeg", "cym"] {
            assert_eq!(
                Language::of_customer(Some(welsh)),
                Language::Welsh,
                "{welsh}"
            );
        }
        for other in [None, Some("en"), Some("Polish"), Some("")] {
            assert_eq!(Language::of_customer(other), Language::English);
        }
    }
}

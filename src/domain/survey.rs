//! The satisfaction survey (issue 13 §6): when a complaint closes, its customer is asked a few
//! questions about how it was handled, never about its outcome. Redditch's policy (seed 004)
//! has the Head of Customer Services "ensure customers are surveyed about their satisfaction";
//! Dudley's (seed 003 §6) aims to "ensure that customers are satisfied with the way their
//! complaint has been handled". Neither asks it of compliments or comments, so only
//! complaints are surveyed.
//!
//! **One invitation per complaint and stage.** A complaint is surveyed when it closes at a
//! formal stage, about that stage's handling: the reports show satisfaction by stage (SPEC
//! §8), and stage 2 is handled by a different, more senior officer (SPEC §4), so a complaint
//! that goes on to stage 2 and closes again is asked again, about stage 2. A complaint the
//! complaints manager reopens and closes again at the same stage is not: that is the same
//! handling, and asking twice would send the customer two links and count them twice.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::case::{vocabulary, Kind, Stage, Status};
use super::performance::percent;

vocabulary! {
    /// How far the customer agrees with a statement about the handling of their complaint: a
    /// fixed five-point scale, from strongly disagree to strongly agree.
    SurveyRating {
        StronglyDisagree => "strongly_disagree",
        Disagree => "disagree",
        Neither => "neither_agree_nor_disagree",
        Agree => "agree",
        StronglyAgree => "strongly_agree",
    }
}

impl SurveyRating {
    /// Agree or strongly agree: what the reports count as agreeing.
    pub fn agrees(self) -> bool {
        matches!(self, SurveyRating::Agree | SurveyRating::StronglyAgree)
    }

    /// The words a form shows for it.
    pub fn label(self) -> &'static str {
        match self {
            SurveyRating::StronglyDisagree => "Strongly disagree",
            SurveyRating::Disagree => "Disagree",
            SurveyRating::Neither => "Neither agree nor disagree",
            SurveyRating::Agree => "Agree",
            SurveyRating::StronglyAgree => "Strongly agree",
        }
    }
}

vocabulary! {
    /// The survey's questions, each a statement about how the complaint was handled.
    SurveyQuestion {
        /// It was easy to make the complaint.
        EasyToComplain => "easy_to_complain",
        /// The customer was kept informed while it was handled.
        KeptInformed => "kept_informed",
        /// The council's response was clear.
        ResponseClear => "response_clear",
        /// The customer was treated fairly.
        TreatedFairly => "treated_fairly",
    }
}

impl SurveyQuestion {
    /// The statement the customer rates.
    pub fn statement(self) -> &'static str {
        match self {
            SurveyQuestion::EasyToComplain => "It was easy to make my complaint.",
            SurveyQuestion::KeptInformed => {
                "I was kept informed about my complaint while it was dealt with."
            }
            SurveyQuestion::ResponseClear => "The council's response to my complaint was clear.",
            SurveyQuestion::TreatedFairly => "I was treated fairly.",
        }
    }
}

/// The longest comment a customer may leave, in characters.
pub const COMMENT_MAX_CHARS: usize = 2000;

/// How long an invitation stays open (`SURVEY_VALID_DAYS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurveyPolicy {
    /// Days from the closure to the link's expiry.
    pub valid_days: u32,
}

impl Default for SurveyPolicy {
    /// Thirty days, as issue 13 asks.
    fn default() -> Self {
        SurveyPolicy { valid_days: 30 }
    }
}

impl SurveyPolicy {
    /// When an invitation made at `closed_at` expires: the same instant `valid_days` later.
    pub fn expires(self, closed_at: NaiveDateTime) -> NaiveDateTime {
        closed_at + Duration::days(i64::from(self.valid_days))
    }
}

/// The stage a closure asks the customer about, if it asks at all: a complaint closed while
/// open at a formal stage (its response sent, or it could not close), unless the customer was
/// already invited about that stage (`invited`). Nothing for compliments and comments, for
/// complaints closed after a withdrawal or triaged out of the procedure (informal resolution,
/// service request, exclusion, outside remit, out of time: no stage handled them), or at the
/// Ombudsman, whose handling is not the council's.
pub fn invitation(
    kind: Kind,
    from: Status,
    stage: Option<Stage>,
    invited: &[Stage],
) -> Option<Stage> {
    match (kind, from, stage) {
        (Kind::Complaint, Status::Open, Some(stage @ (Stage::Stage1 | Stage::Stage2)))
            if !invited.contains(&stage) =>
        {
            Some(stage)
        }
        _ => None,
    }
}

/// Why a survey link no longer takes answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// It was answered: a link works once.
    Answered,
    /// Its time ran out.
    Expired,
}

/// Whether a survey expiring at `expires_at`, answered or not, still takes answers at `now`:
/// up to, not at, its expiry. An answered one says so even once expired.
pub fn availability(
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
    answered: bool,
) -> Result<(), Unavailable> {
    if answered {
        Err(Unavailable::Answered)
    } else if now >= expires_at {
        Err(Unavailable::Expired)
    } else {
        Ok(())
    }
}

/// One answered survey, as the reports count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnsweredSurvey {
    /// The service the complaint was with when it closed.
    pub service: String,
    /// The stage it ended at.
    pub stage: Stage,
    /// The rating of each question, in [`SurveyQuestion::ALL`]'s order.
    pub ratings: [SurveyRating; 4],
}

/// How the answers to one question fell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuestionFigures {
    pub question: SurveyQuestion,
    pub strongly_agree: u64,
    pub agree: u64,
    pub neither_agree_nor_disagree: u64,
    pub disagree: u64,
    pub strongly_disagree: u64,
    /// Agree or strongly agree.
    pub agreeing: u64,
    /// Agreeing, of the surveys answered.
    pub agreeing_pct: Option<f64>,
}

/// Satisfaction with the handling of a set of complaints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SatisfactionFigures {
    /// Surveys answered.
    pub responses: u64,
    /// Each question, in the survey's order.
    pub questions: Vec<QuestionFigures>,
}

/// One group's satisfaction figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SatisfactionGroup {
    /// The service id, or the stage (`stage_1`, `stage_2`).
    pub key: String,
    pub figures: SatisfactionFigures,
}

/// Satisfaction with complaint handling: in all, by service and by the stage complaints
/// ended at. Counts only: no answer can be traced to a case here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Satisfaction {
    pub total: SatisfactionFigures,
    /// In service id order; services with no answers left out.
    pub by_service: Vec<SatisfactionGroup>,
    /// In stage order; stages with no answers left out.
    pub by_stage: Vec<SatisfactionGroup>,
}

/// Accumulates satisfaction figures.
#[derive(Debug, Clone, Default)]
struct SatisfactionTally {
    responses: u64,
    /// For each question, how many gave each rating, in [`SurveyRating::ALL`]'s order.
    ratings: [[u64; 5]; 4],
}

impl SatisfactionTally {
    fn add(&mut self, survey: &AnsweredSurvey) {
        self.responses += 1;
        for (counts, rating) in self.ratings.iter_mut().zip(survey.ratings) {
            if let Some(i) = SurveyRating::ALL.iter().position(|r| *r == rating) {
                counts[i] += 1;
            }
        }
    }

    fn figures(&self) -> SatisfactionFigures {
        SatisfactionFigures {
            responses: self.responses,
            questions: SurveyQuestion::ALL
                .iter()
                .zip(self.ratings)
                .map(|(question, [sd, d, n, a, sa])| QuestionFigures {
                    question: *question,
                    strongly_agree: sa,
                    agree: a,
                    neither_agree_nor_disagree: n,
                    disagree: d,
                    strongly_disagree: sd,
                    agreeing: a + sa,
                    agreeing_pct: percent(a + sa, self.responses),
                })
                .collect(),
        }
    }
}

/// The satisfaction figures of these answered surveys.
pub fn satisfaction(answered: &[AnsweredSurvey]) -> Satisfaction {
    let mut total = SatisfactionTally::default();
    let mut by_service: BTreeMap<&str, SatisfactionTally> = BTreeMap::new();
    let mut by_stage: BTreeMap<usize, SatisfactionTally> = BTreeMap::new();
    for survey in answered {
        total.add(survey);
        by_service
            .entry(survey.service.as_str())
            .or_default()
            .add(survey);
        let order = Stage::ALL
            .iter()
            .position(|s| *s == survey.stage)
            .unwrap_or(Stage::ALL.len());
        by_stage.entry(order).or_default().add(survey);
    }
    Satisfaction {
        total: total.figures(),
        by_service: by_service
            .iter()
            .map(|(service, tally)| SatisfactionGroup {
                key: service.to_string(),
                figures: tally.figures(),
            })
            .collect(),
        by_stage: by_stage
            .iter()
            .filter_map(|(order, tally)| {
                Stage::ALL.get(*order).map(|stage| SatisfactionGroup {
                    key: stage.as_str().to_string(),
                    figures: tally.figures(),
                })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("instant")
    }

    #[test]
    fn a_link_expires_thirty_days_after_the_closure_to_the_second() {
        let policy = SurveyPolicy::default();
        // March has 31 days: 2 March + 30 days is 1 April.
        assert_eq!(
            policy.expires(at("2026-03-02 10:00:00")),
            at("2026-04-01 10:00:00")
        );
        assert_eq!(
            SurveyPolicy { valid_days: 7 }.expires(at("2026-12-29 23:30:00")),
            at("2027-01-05 23:30:00")
        );
    }

    #[test]
    fn a_link_works_until_its_expiry_and_never_after_an_answer() {
        let expires = at("2026-04-01 10:00:00");
        assert_eq!(
            availability(at("2026-04-01 09:59:59"), expires, false),
            Ok(())
        );
        assert_eq!(
            availability(expires, expires, false),
            Err(Unavailable::Expired)
        );
        assert_eq!(
            availability(at("2026-03-03 10:00:00"), expires, true),
            Err(Unavailable::Answered)
        );
        assert_eq!(
            availability(at("2026-05-01 10:00:00"), expires, true),
            Err(Unavailable::Answered)
        );
    }

    #[test]
    fn only_a_complaint_closed_at_a_stage_is_surveyed_once_per_stage() {
        use Stage::*;
        let complaint = Kind::Complaint;
        assert_eq!(
            invitation(complaint, Status::Open, Some(Stage1), &[]),
            Some(Stage1)
        );
        assert_eq!(
            invitation(complaint, Status::Open, Some(Stage2), &[Stage1]),
            Some(Stage2)
        );
        // Reopened and closed again at the same stage: not asked twice.
        assert_eq!(
            invitation(complaint, Status::Open, Some(Stage1), &[Stage1]),
            None
        );
        for from in [
            Status::Withdrawn,
            Status::ResolvedInformally,
            Status::ServiceRequest,
            Status::Excluded,
            Status::OutsideRemit,
            Status::OutOfTime,
        ] {
            assert_eq!(invitation(complaint, from, None, &[]), None, "{from}");
        }
        assert_eq!(
            invitation(complaint, Status::Open, Some(Ombudsman), &[]),
            None
        );
        for kind in [Kind::Compliment, Kind::Comment] {
            assert_eq!(invitation(kind, Status::Open, None, &[]), None);
        }
    }

    #[test]
    fn figures_count_each_rating_and_the_share_agreeing_by_service_and_stage() {
        use SurveyRating::*;
        let survey = |service: &str, stage, ratings| AnsweredSurvey {
            service: service.into(),
            stage,
            ratings,
        };
        let answered = [
            survey(
                "waste-care",
                Stage::Stage2,
                [Agree, Disagree, StronglyAgree, Neither],
            ),
            survey(
                "highways",
                Stage::Stage1,
                [StronglyAgree, Agree, Agree, StronglyDisagree],
            ),
            survey(
                "waste-care",
                Stage::Stage1,
                [Disagree, Agree, Neither, Agree],
            ),
        ];
        let figures = satisfaction(&answered);
        assert_eq!(figures.total.responses, 3);
        let easy = &figures.total.questions[0];
        assert_eq!(easy.question, SurveyQuestion::EasyToComplain);
        assert_eq!(
            (
                easy.strongly_agree,
                easy.agree,
                easy.neither_agree_nor_disagree
            ),
            (1, 1, 0)
        );
        assert_eq!(
            (easy.disagree, easy.strongly_disagree, easy.agreeing),
            (1, 0, 2)
        );
        assert_eq!(easy.agreeing_pct, Some(66.7));
        let fair = &figures.total.questions[3];
        assert_eq!((fair.agreeing, fair.agreeing_pct), (1, Some(33.3)));
        let keys = |groups: &[SatisfactionGroup]| -> Vec<(String, u64)> {
            groups
                .iter()
                .map(|g| (g.key.clone(), g.figures.responses))
                .collect()
        };
        assert_eq!(
            keys(&figures.by_service),
            vec![("highways".into(), 1), ("waste-care".into(), 2)]
        );
        assert_eq!(
            keys(&figures.by_stage),
            vec![("stage_1".into(), 2), ("stage_2".into(), 1)]
        );
        assert_eq!(satisfaction(&[]).total.questions[0].agreeing_pct, None);
    }
}

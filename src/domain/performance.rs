//! Performance figures (SPEC §8) worked out from the facts of the cases
//! received in a period: volumes, triage, each stage's timeliness and
//! outcomes, working days taken, escalation and the Ombudsman. Counts only:
//! nothing here can name a person.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::calendar::Calendar;
use super::case::{Channel, Kind, Outcome, Stage};
use super::projection::{Counters, Part};
use super::triage::Decision;

/// What a report needs to know about one case.
#[derive(Debug, Clone)]
pub struct CaseFacts {
    pub id: i64,
    pub kind: Kind,
    pub channel: Channel,
    pub service: String,
    pub directorate: String,
    pub category: Option<String>,
    /// The UK date it was received.
    pub received: NaiveDate,
    pub triage: Option<Decision>,
}

/// What a report needs to know about one formal stage.
#[derive(Debug, Clone)]
pub struct StageFacts {
    pub case_id: i64,
    pub stage: Stage,
    /// The UK date its clock started: receipt for stage 1, the request for stage 2.
    pub started: NaiveDate,
    pub acknowledgement_due: NaiveDate,
    pub acknowledged: Option<NaiveDate>,
    pub responded: Option<NaiveDate>,
    pub responded_on_time: Option<bool>,
    pub outcome: Option<Outcome>,
    /// An extension of its response time was agreed.
    pub extended: bool,
}

/// An Ombudsman referral of a case.
#[derive(Debug, Clone)]
pub struct ReferralFacts {
    pub case_id: i64,
    /// `not_investigated`, `premature`, `not_upheld`, `upheld_fault`; `None` while awaited.
    pub decision: Option<String>,
}

/// The UK date a stage's clock started: receipt for stage 1, the request
/// for stage 2.
pub fn stage_started(stage: Stage, received: NaiveDate, opened: NaiveDate) -> NaiveDate {
    match stage {
        Stage::Stage1 => received,
        _ => opened,
    }
}

/// Working days from a stage's start to its response, never fewer than
/// none; `None` where the calendar cannot count them.
pub fn working_days_taken(
    calendar: &Calendar,
    started: NaiveDate,
    responded: NaiveDate,
) -> Option<i32> {
    let days = calendar.working_days_between(started, responded).ok()?;
    i32::try_from(days.max(0)).ok()
}

/// How a report is broken down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Month,
    Service,
    Directorate,
    Channel,
    Category,
}

impl GroupBy {
    pub const ALL: &'static [(&'static str, GroupBy)] = &[
        ("month", GroupBy::Month),
        ("service", GroupBy::Service),
        ("directorate", GroupBy::Directorate),
        ("channel", GroupBy::Channel),
        ("category", GroupBy::Category),
    ];

    pub fn parse(text: &str) -> Option<GroupBy> {
        GroupBy::ALL
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, g)| *g)
    }

    fn key(self, case: &CaseFacts) -> String {
        match self {
            GroupBy::Month => format!("{:04}-{:02}", case.received.year(), case.received.month()),
            GroupBy::Service => case.service.clone(),
            GroupBy::Directorate => case.directorate.clone(),
            GroupBy::Channel => case.channel.as_str().to_string(),
            GroupBy::Category => case
                .category
                .clone()
                .unwrap_or_else(|| "(none)".to_string()),
        }
    }
}

/// Cases received, by kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Received {
    pub complaints: u64,
    pub compliments: u64,
    pub comments: u64,
    pub total: u64,
}

/// What triage decided about the complaints received.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TriageFigures {
    /// Accepted as formal complaints at stage 1.
    pub accepted: u64,
    pub resolved_informally: u64,
    /// Counted separately: not complaints.
    pub service_requests: u64,
    pub excluded: u64,
    pub outside_remit: u64,
    pub out_of_time: u64,
    /// Not triaged yet.
    pub awaiting: u64,
}

/// Stage outcomes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Outcomes {
    pub upheld: u64,
    pub partially_upheld: u64,
    pub not_upheld: u64,
}

/// Working days from a stage's start to its response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WorkingDaysTaken {
    pub mean: Option<f64>,
    pub median: Option<f64>,
}

/// One stage's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StageFigures {
    pub stage: Stage,
    /// Stages opened (for stage 1: complaints accepted).
    pub opened: u64,
    pub acknowledged: u64,
    pub acknowledged_on_time: u64,
    /// Of those acknowledged.
    pub acknowledged_on_time_pct: Option<f64>,
    pub responded: u64,
    /// By the response due date, extensions included.
    pub responded_on_time: u64,
    /// Of those responded to.
    pub responded_on_time_pct: Option<f64>,
    pub outcomes: Outcomes,
    /// Upheld or partially upheld, of those responded to.
    pub upheld_rate_pct: Option<f64>,
    pub working_days_taken: WorkingDaysTaken,
    /// Stages whose response time was extended.
    pub extended: u64,
}

/// The Ombudsman's involvement.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OmbudsmanFigures {
    pub referrals: u64,
    pub not_investigated: u64,
    pub premature: u64,
    pub not_upheld: u64,
    pub upheld_fault: u64,
    /// Referred, no decision yet.
    pub awaiting_decision: u64,
}

/// The figures for a set of cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Figures {
    pub received: Received,
    pub triage: TriageFigures,
    pub stage_1: StageFigures,
    pub stage_2: StageFigures,
    /// Stage 2 requests, of stage 1 responses.
    pub escalation_rate_pct: Option<f64>,
    pub ombudsman: OmbudsmanFigures,
}

/// A sum kept in the database as a count (never negative).
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// A share as a percentage to one decimal place; `None` of nothing.
pub fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

fn one_decimal(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// The mean and median of working days taken, from how many stages took
/// each number of days.
fn working_days(taken: &BTreeMap<i64, u64>) -> WorkingDaysTaken {
    let n: u64 = taken.values().sum();
    if n == 0 {
        return WorkingDaysTaken::default();
    }
    let total: i64 = taken.iter().map(|(days, count)| days * *count as i64).sum();
    let mean = total as f64 / n as f64;
    // The days of the stage at (0-based) position `at` in order.
    let nth = |at: u64| {
        let mut seen = 0;
        for (days, count) in taken {
            seen += count;
            if at < seen {
                return *days;
            }
        }
        0
    };
    let median = if n % 2 == 1 {
        nth(n / 2) as f64
    } else {
        (nth(n / 2 - 1) + nth(n / 2)) as f64 / 2.0
    };
    WorkingDaysTaken {
        mean: Some(one_decimal(mean)),
        median: Some(median),
    }
}

/// Stages alike in what the figures count, and how many: what the
/// database counts, or one stage of the facts.
#[derive(Debug, Clone, PartialEq)]
pub struct StageCount {
    pub stage: Stage,
    pub acknowledged: bool,
    pub acknowledged_on_time: bool,
    pub responded: bool,
    pub responded_on_time: bool,
    pub outcome: Option<Outcome>,
    pub working_days_taken: Option<i64>,
    /// Its response time was extended.
    pub extended: bool,
    pub n: u64,
}

/// Accumulates one stage's figures.
#[derive(Default)]
struct StageTally {
    opened: u64,
    acknowledged: u64,
    acknowledged_on_time: u64,
    responded: u64,
    responded_on_time: u64,
    outcomes: Outcomes,
    /// How many stages took each number of working days.
    taken: BTreeMap<i64, u64>,
    extended: u64,
}

impl StageTally {
    fn add(&mut self, stages: &StageCount) {
        let n = stages.n;
        self.opened += n;
        if stages.acknowledged {
            self.acknowledged += n;
            if stages.acknowledged_on_time {
                self.acknowledged_on_time += n;
            }
        }
        if stages.responded {
            self.responded += n;
            if stages.responded_on_time {
                self.responded_on_time += n;
            }
            match stages.outcome {
                Some(Outcome::Upheld) => self.outcomes.upheld += n,
                Some(Outcome::PartiallyUpheld) => self.outcomes.partially_upheld += n,
                Some(Outcome::NotUpheld) => self.outcomes.not_upheld += n,
                None => {}
            }
            if let Some(days) = stages.working_days_taken {
                *self.taken.entry(days).or_default() += n;
            }
        }
        if stages.extended {
            self.extended += n;
        }
    }

    /// Adds the sums of a projection row of this stage, with how many of its stages took
    /// each number of working days.
    fn add_sums(&mut self, c: &Counters, days: &BTreeMap<i64, u64>) {
        self.opened += count(c.n);
        self.acknowledged += count(c.acknowledged);
        self.acknowledged_on_time += count(c.acknowledged_on_time);
        self.responded += count(c.responded);
        self.responded_on_time += count(c.responded_on_time);
        self.outcomes.upheld += count(c.upheld);
        self.outcomes.partially_upheld += count(c.partially_upheld);
        self.outcomes.not_upheld += count(c.not_upheld);
        for (days, n) in days {
            *self.taken.entry(*days).or_default() += n;
        }
        self.extended += count(c.extended);
    }

    fn figures(self, stage: Stage) -> StageFigures {
        let upheld = self.outcomes.upheld + self.outcomes.partially_upheld;
        StageFigures {
            stage,
            opened: self.opened,
            acknowledged: self.acknowledged,
            acknowledged_on_time: self.acknowledged_on_time,
            acknowledged_on_time_pct: percent(self.acknowledged_on_time, self.acknowledged),
            responded: self.responded,
            responded_on_time: self.responded_on_time,
            responded_on_time_pct: percent(self.responded_on_time, self.responded),
            upheld_rate_pct: percent(upheld, self.responded),
            outcomes: self.outcomes,
            working_days_taken: working_days(&self.taken),
            extended: self.extended,
        }
    }
}

/// Accumulates the figures for a set of cases.
#[derive(Default)]
pub struct Tally {
    received: Received,
    triage: TriageFigures,
    stage_1: StageTally,
    stage_2: StageTally,
    ombudsman: OmbudsmanFigures,
}

impl Tally {
    pub fn add_cases(&mut self, kind: Kind, triage: Option<Decision>, n: u64) {
        self.received.total += n;
        match kind {
            Kind::Complaint => {
                self.received.complaints += n;
                let t = &mut self.triage;
                match triage {
                    Some(Decision::Accept) => t.accepted += n,
                    Some(Decision::ResolveInformally) => t.resolved_informally += n,
                    Some(Decision::ServiceRequest) => t.service_requests += n,
                    Some(Decision::Excluded) => t.excluded += n,
                    Some(Decision::OutsideRemit) => t.outside_remit += n,
                    Some(Decision::OutOfTime) => t.out_of_time += n,
                    None => t.awaiting += n,
                }
            }
            Kind::Compliment => self.received.compliments += n,
            Kind::Comment => self.received.comments += n,
        }
    }

    pub fn add_stages(&mut self, stages: &StageCount) {
        match stages.stage {
            Stage::Stage1 => self.stage_1.add(stages),
            Stage::Stage2 => self.stage_2.add(stages),
            Stage::Ombudsman => {}
        }
    }

    /// Referrals with this decision (`None` while awaited).
    pub fn add_referrals(&mut self, decision: Option<&str>, n: u64) {
        let o = &mut self.ombudsman;
        o.referrals += n;
        match decision {
            Some("not_investigated") => o.not_investigated += n,
            Some("premature") => o.premature += n,
            Some("not_upheld") => o.not_upheld += n,
            Some("upheld_fault") => o.upheld_fault += n,
            _ => o.awaiting_decision += n,
        }
    }

    /// Adds a row of the monthly projections: its sums, and for a stage how many of its
    /// stages took each number of working days.
    pub fn add_projected(
        &mut self,
        part: Part,
        kind: Kind,
        c: &Counters,
        days: &BTreeMap<i64, u64>,
    ) {
        match part {
            Part::Received => {
                let n = count(c.n);
                self.received.total += n;
                match kind {
                    Kind::Complaint => {
                        self.received.complaints += n;
                        let t = &mut self.triage;
                        let decided = [
                            (&mut t.accepted, c.accepted),
                            (&mut t.resolved_informally, c.resolved_informally),
                            (&mut t.service_requests, c.service_requests),
                            (&mut t.excluded, c.excluded),
                            (&mut t.outside_remit, c.outside_remit),
                            (&mut t.out_of_time, c.out_of_time),
                        ];
                        let mut awaiting = c.n;
                        for (figure, value) in decided {
                            *figure += count(value);
                            awaiting -= value;
                        }
                        t.awaiting += count(awaiting);
                    }
                    Kind::Compliment => self.received.compliments += n,
                    Kind::Comment => self.received.comments += n,
                }
            }
            Part::Stage1 => self.stage_1.add_sums(c, days),
            Part::Stage2 => self.stage_2.add_sums(c, days),
            Part::Ombudsman => {
                let o = &mut self.ombudsman;
                o.referrals += count(c.n);
                o.not_investigated += count(c.not_investigated);
                o.premature += count(c.premature);
                o.not_upheld += count(c.not_upheld);
                o.upheld_fault += count(c.upheld_fault);
                o.awaiting_decision +=
                    count(c.n - c.not_investigated - c.premature - c.not_upheld - c.upheld_fault);
            }
        }
    }

    /// Adds one case with its stages and referral, from its facts.
    fn add(
        &mut self,
        case: &CaseFacts,
        stages: &[&StageFacts],
        referral: Option<&ReferralFacts>,
        calendar: &Calendar,
    ) {
        self.add_cases(case.kind, case.triage, 1);
        for stage in stages {
            self.add_stages(&StageCount {
                stage: stage.stage,
                acknowledged: stage.acknowledged.is_some(),
                acknowledged_on_time: stage
                    .acknowledged
                    .is_some_and(|a| a <= stage.acknowledgement_due),
                responded: stage.responded.is_some(),
                responded_on_time: stage.responded_on_time == Some(true),
                outcome: stage.outcome,
                working_days_taken: stage
                    .responded
                    .and_then(|r| working_days_taken(calendar, stage.started, r))
                    .map(i64::from),
                extended: stage.extended,
                n: 1,
            });
        }
        if let Some(referral) = referral {
            self.add_referrals(referral.decision.as_deref(), 1);
        }
    }

    pub fn figures(self) -> Figures {
        let stage_1 = self.stage_1.figures(Stage::Stage1);
        let stage_2 = self.stage_2.figures(Stage::Stage2);
        Figures {
            received: self.received,
            triage: self.triage,
            escalation_rate_pct: percent(stage_2.opened, stage_1.responded),
            stage_1,
            stage_2,
            ombudsman: self.ombudsman,
        }
    }
}

/// The figures for every case, and for each group when asked, in key order.
pub fn figures(
    cases: &[CaseFacts],
    stages: &[StageFacts],
    referrals: &[ReferralFacts],
    group_by: Option<GroupBy>,
    calendar: &Calendar,
) -> (Figures, Vec<(String, Figures)>) {
    let mut stages_of: BTreeMap<i64, Vec<&StageFacts>> = BTreeMap::new();
    for stage in stages {
        stages_of.entry(stage.case_id).or_default().push(stage);
    }
    let referral_of: BTreeMap<i64, &ReferralFacts> =
        referrals.iter().map(|r| (r.case_id, r)).collect();
    let mut total = Tally::default();
    let mut groups: BTreeMap<String, Tally> = BTreeMap::new();
    for case in cases {
        let case_stages = stages_of.get(&case.id).map(Vec::as_slice).unwrap_or(&[]);
        let referral = referral_of.get(&case.id).copied();
        total.add(case, case_stages, referral, calendar);
        if let Some(group_by) = group_by {
            groups.entry(group_by.key(case)).or_default().add(
                case,
                case_stages,
                referral,
                calendar,
            );
        }
    }
    (
        total.figures(),
        groups
            .into_iter()
            .map(|(key, tally)| (key, tally.figures()))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::bank_holidays::Region;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn percentages_round_to_one_place_and_are_absent_of_nothing() {
        assert_eq!(percent(1, 3), Some(33.3));
        assert_eq!(percent(2, 3), Some(66.7));
        assert_eq!(percent(0, 0), None);
    }

    #[test]
    fn the_median_of_an_even_count_is_the_middle_pair_averaged() {
        let taken = |days: &[i64]| {
            let mut counts = BTreeMap::new();
            for d in days {
                *counts.entry(*d).or_default() += 1;
            }
            working_days(&counts)
        };
        assert_eq!(taken(&[5, 1, 3, 9]).median, Some(4.0));
        assert_eq!(taken(&[5, 1, 3]).median, Some(3.0));
        assert_eq!(taken(&[5, 5, 1, 9]).median, Some(5.0));
        assert_eq!(taken(&[1, 2]).mean, Some(1.5));
        assert_eq!(taken(&[]), WorkingDaysTaken::default());
    }

    #[test]
    fn a_stage_counts_its_timeliness_outcome_and_working_days() {
        let calendar = Calendar::new(Region::EnglandAndWales)
            .build()
            .expect("calendar");
        let case = CaseFacts {
            id: 1,
            kind: Kind::Complaint,
            channel: Channel::Email,
            service: "waste-care".into(),
            directorate: "place".into(),
            category: None,
            received: date("2026-03-02"),
            triage: Some(Decision::Accept),
        };
        let stage = StageFacts {
            case_id: 1,
            stage: Stage::Stage1,
            started: date("2026-03-02"),
            acknowledgement_due: date("2026-03-09"),
            acknowledged: Some(date("2026-03-10")),
            responded: Some(date("2026-03-16")),
            responded_on_time: Some(true),
            outcome: Some(Outcome::PartiallyUpheld),
            extended: false,
        };
        let (total, groups) = figures(&[case], &[stage], &[], Some(GroupBy::Month), &calendar);
        assert_eq!(total.stage_1.acknowledged_on_time, 0);
        assert_eq!(total.stage_1.responded_on_time_pct, Some(100.0));
        assert_eq!(total.stage_1.upheld_rate_pct, Some(100.0));
        // Monday 2 to Monday 16 March: ten working days.
        assert_eq!(total.stage_1.working_days_taken.median, Some(10.0));
        assert_eq!(groups[0].0, "2026-03");
        assert_eq!(total.escalation_rate_pct, Some(0.0));
    }
}

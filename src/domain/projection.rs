//! The reports' monthly projections (issue 17): what each case adds to the figures, as lines
//! the database keeps and adds up by month, service, channel, category, kind and stage, so
//! that a report reads a few hundred sums instead of a year of cases.
//!
//! A case's lines are worked out from what is recorded on it (the case, its formal stages, its
//! Ombudsman referrals), exactly as the reports' counts read them. A change that moves a
//! figure (see [`moves_figures`]) replaces the case's lines, and the projections take the
//! difference ([`Deltas`]): the one place where what happened becomes figures.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::case::{Kind, Outcome, Stage};
use super::triage::Decision;

/// What built the projections: a change to what a line counts changes it, and start-up then
/// rebuilds them from the cases.
pub const FINGERPRINT: &str = "report-projections-1: received, stage_1, stage_2, ombudsman";

/// Which part of the figures a line counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    /// The case: received, by kind, and triage's decision.
    Received,
    /// A formal stage: opened, acknowledged, responded, outcomes, days.
    Stage1,
    Stage2,
    /// An Ombudsman referral and its decision.
    Ombudsman,
}

impl Part {
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Received => "received",
            Part::Stage1 => "stage_1",
            Part::Stage2 => "stage_2",
            Part::Ombudsman => "ombudsman",
        }
    }

    pub fn parse(text: &str) -> Option<Part> {
        match text {
            "received" => Some(Part::Received),
            "ombudsman" => Some(Part::Ombudsman),
            "stage_1" => Some(Part::Stage1),
            "stage_2" => Some(Part::Stage2),
            _ => None,
        }
    }

    /// The part a formal stage's line counts: stage 1 or 2, no other.
    pub fn of_stage(stage: Stage) -> Option<Part> {
        match stage {
            Stage::Stage1 => Some(Part::Stage1),
            Stage::Stage2 => Some(Part::Stage2),
            Stage::Ombudsman => None,
        }
    }

    /// The formal stage whose figures this part counts.
    pub fn stage(self) -> Option<Stage> {
        match self {
            Part::Stage1 => Some(Stage::Stage1),
            Part::Stage2 => Some(Stage::Stage2),
            _ => None,
        }
    }
}

/// Where a line is added up: the UK month the case was received in (`2026-04`), its lead
/// service, channel, category (`""` for none), kind, and the part of the figures.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub month: String,
    pub service: String,
    pub channel: String,
    pub category: String,
    pub kind: String,
    pub part: Part,
}

/// The month a projection row is kept under: `2026-04`.
pub fn month_key(date: NaiveDate) -> String {
    format!("{:04}-{:02}", date.year(), date.month())
}

/// The counts of a line (each 0 or 1, `days_sum` the working days) or of a projection row
/// (their sums). A count belongs to one part: triage to [`Part::Received`] (complaints
/// only); timeliness, outcomes, extensions and days to [`Part::Stage1`] and [`Part::Stage2`];
/// decisions to [`Part::Ombudsman`], whose `not_upheld` is the Ombudsman's decision of that
/// name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Cases received, stages opened, or referrals made.
    pub n: i64,
    pub accepted: i64,
    pub resolved_informally: i64,
    pub service_requests: i64,
    pub excluded: i64,
    pub outside_remit: i64,
    pub out_of_time: i64,
    pub acknowledged: i64,
    pub acknowledged_on_time: i64,
    pub responded: i64,
    pub responded_on_time: i64,
    pub upheld: i64,
    pub partially_upheld: i64,
    pub not_upheld: i64,
    pub extended: i64,
    /// Working days taken, added up, of the stages responded to.
    pub days_sum: i64,
    pub not_investigated: i64,
    pub premature: i64,
    pub upheld_fault: i64,
}

impl Counters {
    /// Adds `other` times `sign` (1 or -1).
    pub fn add(&mut self, other: &Counters, sign: i64) {
        self.n += sign * other.n;
        self.accepted += sign * other.accepted;
        self.resolved_informally += sign * other.resolved_informally;
        self.service_requests += sign * other.service_requests;
        self.excluded += sign * other.excluded;
        self.outside_remit += sign * other.outside_remit;
        self.out_of_time += sign * other.out_of_time;
        self.acknowledged += sign * other.acknowledged;
        self.acknowledged_on_time += sign * other.acknowledged_on_time;
        self.responded += sign * other.responded;
        self.responded_on_time += sign * other.responded_on_time;
        self.upheld += sign * other.upheld;
        self.partially_upheld += sign * other.partially_upheld;
        self.not_upheld += sign * other.not_upheld;
        self.extended += sign * other.extended;
        self.days_sum += sign * other.days_sum;
        self.not_investigated += sign * other.not_investigated;
        self.premature += sign * other.premature;
        self.upheld_fault += sign * other.upheld_fault;
    }

    pub fn is_zero(&self) -> bool {
        *self == Counters::default()
    }
}

/// What a case adds to one projection row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub key: Key,
    /// The stage's or referral's id; 0 for the case.
    pub source: i64,
    pub counters: Counters,
    /// The working days a stage responded to took, for the medians.
    pub days: Option<i64>,
}

/// A case as its lines need it.
#[derive(Debug, Clone)]
pub struct CaseInput {
    pub kind: Kind,
    pub channel: String,
    pub service: String,
    pub category: Option<String>,
    /// The UK date it was received.
    pub received: NaiveDate,
    pub triage: Option<Decision>,
}

/// A formal stage as recorded (the facts the reports count).
#[derive(Debug, Clone)]
pub struct StageInput {
    pub id: i64,
    pub stage: Stage,
    pub acknowledged: bool,
    pub acknowledged_on_time: Option<bool>,
    pub responded: bool,
    pub responded_on_time: Option<bool>,
    pub outcome: Option<Outcome>,
    pub working_days_taken: Option<i32>,
    pub extended: bool,
}

/// An Ombudsman referral: `decision` `None` while awaited.
#[derive(Debug, Clone)]
pub struct ReferralInput {
    pub id: i64,
    pub decision: Option<String>,
}

fn one(yes: bool) -> i64 {
    i64::from(yes)
}

/// The lines a case adds to the projections, counted as the reports count: triage of
/// complaints only, stages 1 and 2 only, an acknowledgement on time only when acknowledged,
/// a response's timeliness, outcome and days only when responded.
pub fn lines(case: &CaseInput, stages: &[StageInput], referrals: &[ReferralInput]) -> Vec<Line> {
    let key = |part| Key {
        month: month_key(case.received),
        service: case.service.clone(),
        channel: case.channel.clone(),
        category: case.category.clone().unwrap_or_default(),
        kind: case.kind.as_str().to_string(),
        part,
    };
    let mut received = Counters {
        n: 1,
        ..Counters::default()
    };
    if case.kind == Kind::Complaint {
        match case.triage {
            Some(Decision::Accept) => received.accepted = 1,
            Some(Decision::ResolveInformally) => received.resolved_informally = 1,
            Some(Decision::ServiceRequest) => received.service_requests = 1,
            Some(Decision::Excluded) => received.excluded = 1,
            Some(Decision::OutsideRemit) => received.outside_remit = 1,
            Some(Decision::OutOfTime) => received.out_of_time = 1,
            None => {}
        }
    }
    let mut lines = vec![Line {
        key: key(Part::Received),
        source: 0,
        counters: received,
        days: None,
    }];
    for stage in stages {
        let Some(part) = Part::of_stage(stage.stage) else {
            continue;
        };
        let responded = stage.responded;
        let days = stage
            .working_days_taken
            .filter(|_| responded)
            .map(i64::from);
        let outcome = |o: Outcome| one(responded && stage.outcome == Some(o));
        lines.push(Line {
            key: key(part),
            source: stage.id,
            counters: Counters {
                n: 1,
                acknowledged: one(stage.acknowledged),
                acknowledged_on_time: one(
                    stage.acknowledged && stage.acknowledged_on_time == Some(true)
                ),
                responded: one(responded),
                responded_on_time: one(responded && stage.responded_on_time == Some(true)),
                upheld: outcome(Outcome::Upheld),
                partially_upheld: outcome(Outcome::PartiallyUpheld),
                not_upheld: outcome(Outcome::NotUpheld),
                extended: one(stage.extended),
                days_sum: days.unwrap_or(0),
                ..Counters::default()
            },
            days,
        });
    }
    for referral in referrals {
        let decided = |d: &str| one(referral.decision.as_deref() == Some(d));
        lines.push(Line {
            key: key(Part::Ombudsman),
            source: referral.id,
            counters: Counters {
                n: 1,
                not_investigated: decided("not_investigated"),
                premature: decided("premature"),
                not_upheld: decided("not_upheld"),
                upheld_fault: decided("upheld_fault"),
                ..Counters::default()
            },
            days: None,
        });
    }
    lines
}

/// Whether an event (by its timeline name) can move a figure the projections keep: the case
/// logged, triaged, moved to another service; a stage opened, acknowledged, extended or
/// answered; a referral to the Ombudsman or its decision. Every other event leaves the
/// case's lines as they are.
pub fn moves_figures(event: &str) -> bool {
    matches!(
        event,
        "received"
            | "triaged"
            | "acknowledged"
            | "extended"
            | "response_sent"
            | "escalated"
            | "reopened"
            | "referred_to_ombudsman"
            | "ombudsman_decision"
            | "lead_service_changed"
    )
}

/// Whether an event adds an Ombudsman referral or decides one: no other event changes a
/// case's referral lines, so the others need not read its referrals unless it has some.
pub fn moves_referrals(event: &str) -> bool {
    matches!(event, "referred_to_ombudsman" | "ombudsman_decision")
}

/// What to add to the projections: sums by row, and stages by row and working days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deltas {
    pub months: BTreeMap<Key, Counters>,
    pub days: BTreeMap<(Key, i64), i64>,
}

impl Deltas {
    /// Adds a line (`sign` 1), or takes it away (-1).
    pub fn add(&mut self, line: &Line, sign: i64) {
        self.months
            .entry(line.key.clone())
            .or_default()
            .add(&line.counters, sign);
        if let Some(days) = line.days {
            *self.days.entry((line.key.clone(), days)).or_default() += sign;
        }
    }

    /// The change from a case's `old` lines to its `new` ones, without the rows it leaves
    /// as they were.
    pub fn between(old: &[Line], new: &[Line]) -> Deltas {
        let mut deltas = Deltas::default();
        for line in old {
            deltas.add(line, -1);
        }
        for line in new {
            deltas.add(line, 1);
        }
        deltas.months.retain(|_, c| !c.is_zero());
        deltas.days.retain(|_, n| *n != 0);
        deltas
    }

    pub fn is_empty(&self) -> bool {
        self.months.is_empty() && self.days.is_empty()
    }
}

/// The whole months of a period, as (first, last) day of the first and the last: `None` when
/// it holds none. The rest of the period (its partial first and last months) is counted from
/// the cases.
pub fn whole_months(from: NaiveDate, to: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let first_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let first = if from.day() == 1 {
        from
    } else {
        first_of(from).checked_add_months(chrono::Months::new(1))?
    };
    let after_to = to.succ_opt()?;
    let last_start = if after_to.day() == 1 {
        first_of(to)
    } else {
        first_of(to).checked_sub_months(chrono::Months::new(1))?
    };
    (first <= last_start).then_some((first, last_start))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    fn complaint(triage: Option<Decision>) -> CaseInput {
        CaseInput {
            kind: Kind::Complaint,
            channel: "email".into(),
            service: "waste-care".into(),
            category: None,
            received: date("2026-03-31"),
            triage,
        }
    }

    fn stage_1(id: i64) -> StageInput {
        StageInput {
            id,
            stage: Stage::Stage1,
            acknowledged: true,
            acknowledged_on_time: Some(false),
            responded: true,
            responded_on_time: Some(true),
            outcome: Some(Outcome::PartiallyUpheld),
            working_days_taken: Some(9),
            extended: true,
        }
    }

    #[test]
    fn a_complaint_answered_at_stage_1_adds_a_case_line_and_a_stage_line() {
        let lines = lines(&complaint(Some(Decision::Accept)), &[stage_1(7)], &[]);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].key.month, "2026-03");
        assert_eq!(lines[0].key.part, Part::Received);
        assert_eq!(lines[0].key.category, "");
        assert_eq!((lines[0].counters.n, lines[0].counters.accepted), (1, 1));
        let stage = &lines[1];
        assert_eq!((stage.key.part, stage.source), (Part::Stage1, 7));
        let c = stage.counters;
        assert_eq!(
            (
                c.acknowledged,
                c.acknowledged_on_time,
                c.responded,
                c.responded_on_time
            ),
            (1, 0, 1, 1)
        );
        assert_eq!(
            (c.partially_upheld, c.upheld, c.extended, c.days_sum),
            (1, 0, 1, 9)
        );
        assert_eq!(stage.days, Some(9));
    }

    #[test]
    fn a_stage_not_yet_answered_counts_no_outcome_or_days() {
        let open = StageInput {
            responded: false,
            ..stage_1(7)
        };
        let line = &lines(&complaint(Some(Decision::Accept)), &[open], &[])[1];
        assert_eq!(
            (line.counters.partially_upheld, line.counters.days_sum),
            (0, 0)
        );
        assert_eq!(line.days, None);
    }

    #[test]
    fn triage_of_a_compliment_is_not_counted() {
        let compliment = CaseInput {
            kind: Kind::Compliment,
            ..complaint(Some(Decision::Excluded))
        };
        assert_eq!(lines(&compliment, &[], &[])[0].counters.excluded, 0);
    }

    #[test]
    fn a_change_adds_only_its_difference() {
        let before = lines(&complaint(None), &[], &[]);
        let after = lines(&complaint(Some(Decision::Accept)), &[stage_1(7)], &[]);
        let deltas = Deltas::between(&before, &after);
        let received = &deltas.months[&after[0].key];
        assert_eq!((received.n, received.accepted), (0, 1));
        assert_eq!(deltas.months[&after[1].key].n, 1);
        assert_eq!(deltas.days[&(after[1].key.clone(), 9)], 1);
        assert!(Deltas::between(&after, &after).is_empty());
    }

    #[test]
    fn moving_the_lead_service_moves_every_line() {
        let case = complaint(Some(Decision::Accept));
        let before = lines(&case, &[stage_1(7)], &[]);
        let moved = CaseInput {
            service: "highways".into(),
            ..case
        };
        let after = lines(&moved, &[stage_1(7)], &[]);
        let deltas = Deltas::between(&before, &after);
        assert_eq!(deltas.months[&before[1].key].responded, -1);
        assert_eq!(deltas.months[&after[1].key].responded, 1);
        assert_eq!(deltas.days[&(before[1].key.clone(), 9)], -1);
    }

    #[test]
    fn whole_months_leave_out_partial_first_and_last_months() {
        assert_eq!(
            whole_months(date("2026-04-01"), date("2027-03-31")),
            Some((date("2026-04-01"), date("2027-03-01")))
        );
        assert_eq!(
            whole_months(date("2026-04-15"), date("2026-07-10")),
            Some((date("2026-05-01"), date("2026-06-01")))
        );
        assert_eq!(
            whole_months(date("2026-04-15"), date("2026-05-31")),
            Some((date("2026-05-01"), date("2026-05-01")))
        );
        assert_eq!(whole_months(date("2026-04-02"), date("2026-04-30")), None);
        assert_eq!(whole_months(date("2026-04-15"), date("2026-05-30")), None);
    }

    #[test]
    fn only_events_that_move_figures_refresh_the_lines() {
        assert!(moves_figures("response_sent"));
        assert!(moves_figures("lead_service_changed"));
        assert!(!moves_figures("note"));
        assert!(!moves_figures("deadline_approaching"));
        assert!(moves_referrals("ombudsman_decision"));
        assert!(!moves_referrals("lead_service_changed"));
    }
}

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
pub const FINGERPRINT: &str =
    "report-projections-2: received, stage_1, stage_2, ombudsman, with totals; tallies: exclusion, investigators, extension, survey, staff_compliment, fluency, upheld_at_stage_1";

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

impl Key {
    /// The key's row in the totals, which leave out channel and category (`""`).
    pub fn total(&self) -> Key {
        Key {
            channel: String::new(),
            category: String::new(),
            ..self.clone()
        }
    }
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

    /// The same differences in the totals' rows ([`Key::total`]).
    pub fn totals(&self) -> Deltas {
        let mut totals = Deltas::default();
        for (key, c) in &self.months {
            totals.months.entry(key.total()).or_default().add(c, 1);
        }
        for ((key, days), n) in &self.days {
            *totals.days.entry((key.total(), *days)).or_default() += n;
        }
        totals.months.retain(|_, c| !c.is_zero());
        totals.days.retain(|_, n| *n != 0);
        totals
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

/// A measure the reports count beside the monthly rows, tallied by value in each (month,
/// lead service), as the case-level checks and lists need it: the annual report's
/// exclusions by procedure, the self-assessment's investigators and extensions, the
/// satisfaction surveys, the staff named in compliments, the complaints about English
/// language fluency, and the stage 1 complaints upheld by category (which the monthly rows
/// would need their finest breakdown to give).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Measure {
    /// A case triage excluded: the value is the procedure its triage details name (`""`
    /// when none is recorded).
    Exclusion,
    /// A stage 2 and a stage 1 of one complaint that both have an investigator: `same` or
    /// `different` officer (every such pair counts, as the self-assessment counts them).
    Investigators,
    /// An agreed extension: `stage|working days beyond the original date|customer agreed`,
    /// e.g. `stage_1|10|true`.
    Extension,
    /// An answered satisfaction survey: `stage|four ratings|the survey's service`, e.g.
    /// `stage_1|agree|agree|neither_agree_nor_disagree|disagree|waste-care` (a rating
    /// not given is `""`).
    Survey,
    /// A member of staff named in a compliment, by staff id: the value is the id.
    StaffCompliment,
    /// A complaint about a worker's English language fluency: `received`, and `referred`
    /// for each referral to the worker's manager.
    Fluency,
    /// A stage 1 answered as upheld in whole or part: the value is the case's category (`""`
    /// for none).
    UpheldAtStage1,
}

impl Measure {
    pub const ALL: [Measure; 7] = [
        Measure::Exclusion,
        Measure::Investigators,
        Measure::Extension,
        Measure::Survey,
        Measure::StaffCompliment,
        Measure::Fluency,
        Measure::UpheldAtStage1,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Exclusion => "exclusion",
            Measure::Investigators => "investigators",
            Measure::Extension => "extension",
            Measure::Survey => "survey",
            Measure::StaffCompliment => "staff_compliment",
            Measure::Fluency => "fluency",
            Measure::UpheldAtStage1 => "upheld_at_stage_1",
        }
    }

    pub fn parse(text: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.as_str() == text)
    }

    /// Whether the measure can count a case of this kind and category at all: only
    /// complaints have stages (investigators, extensions, surveys, stage 1 outcomes), only
    /// compliments name staff, and only complaints in the fluency category count as fluency
    /// complaints. Any case can be excluded at triage.
    pub fn can_count(self, kind: Kind, category: Option<&str>) -> bool {
        match self {
            Measure::Exclusion => true,
            Measure::Investigators
            | Measure::Extension
            | Measure::Survey
            | Measure::UpheldAtStage1 => kind == Kind::Complaint,
            Measure::StaffCompliment => kind == Kind::Compliment,
            Measure::Fluency => {
                kind == Kind::Complaint && category == Some(super::fluency::CATEGORY)
            }
        }
    }

    /// The measures an event (by its timeline name) can move: triage excludes; an
    /// investigator is named when a stage is assigned (stage 2 opens by escalation, and a
    /// reopened case may open one again); an extension is agreed; a survey answered; a
    /// compliment forwarded to the staff it names; a fluency complaint logged or referred to
    /// the worker's manager (a flag); a stage's response sent with its outcome (a reopened
    /// case's may be sent again). A move of the lead service moves every tally.
    pub fn moved_by(event: &str) -> &'static [Measure] {
        match event {
            "received" => &[Measure::Fluency],
            "triaged" => &[Measure::Exclusion],
            "assigned" | "escalated" => &[Measure::Investigators],
            "reopened" => &[Measure::Investigators, Measure::UpheldAtStage1],
            "response_sent" => &[Measure::UpheldAtStage1],
            "extended" => &[Measure::Extension],
            "survey_answered" => &[Measure::Survey],
            "forwarded" => &[Measure::StaffCompliment],
            "flagged" => &[Measure::Fluency],
            "lead_service_changed" => &Measure::ALL,
            _ => &[],
        }
    }
}

/// An answered satisfaction survey as recorded: the service it was about, the stage it
/// followed, and the ratings of its questions in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyInput {
    pub service: String,
    pub stage: Stage,
    pub ratings: [Option<String>; 4],
}

/// What a case's tallies are worked out from. A refresh reads only what the measures it
/// moves need; the rest is left empty and not tallied.
#[derive(Debug, Clone, Default)]
pub struct TallyInput {
    /// The procedure named in the triage details of an excluded case (`Some(None)`: excluded,
    /// none named); `None`: not excluded.
    pub exclusion: Option<Option<String>>,
    /// The formal stages that have an investigator, with them.
    pub investigators: Vec<(Stage, String)>,
    /// The agreed extensions: (stage, working days beyond the original date, customer agreed).
    pub extensions: Vec<(Stage, i32, bool)>,
    pub surveys: Vec<SurveyInput>,
    /// The staff ids named in a compliment's forwarding, once for each naming.
    pub staff: Vec<String>,
    /// The referrals of the complaint to the worker's manager (fluency flags).
    pub fluency_referrals: i64,
    /// Its stage 1 stages answered as upheld in whole or part.
    pub upheld_at_stage_1: i64,
}

/// A case's tallies: how many of each (measure, value), in its month and lead service.
pub type Tallies = BTreeMap<(Measure, String), i64>;

/// The tallies of `measures` a case adds, counted as the reports count them: exclusions of
/// any kind of case; investigator pairs and extensions of formal stages; surveys answered;
/// staff named in compliments only; fluency of complaints in the fluency category only.
pub fn tallies(case: &CaseInput, input: &TallyInput, measures: &[Measure]) -> Tallies {
    let mut tallies = Tallies::new();
    let mut add = |measure: Measure, value: String| {
        if measures.contains(&measure) && measure.can_count(case.kind, case.category.as_deref()) {
            *tallies.entry((measure, value)).or_default() += 1;
        }
    };
    if let Some(procedure) = &input.exclusion {
        add(Measure::Exclusion, procedure.clone().unwrap_or_default());
    }
    for (two_stage, two) in &input.investigators {
        if *two_stage != Stage::Stage2 {
            continue;
        }
        for (one_stage, one) in &input.investigators {
            if *one_stage == Stage::Stage1 {
                let same = if one == two { "same" } else { "different" };
                add(Measure::Investigators, same.to_string());
            }
        }
    }
    for (stage, days, agreed) in &input.extensions {
        if Part::of_stage(*stage).is_some() {
            add(
                Measure::Extension,
                format!("{}|{days}|{agreed}", stage.as_str()),
            );
        }
    }
    for survey in &input.surveys {
        let ratings: Vec<&str> = survey
            .ratings
            .iter()
            .map(|r| r.as_deref().unwrap_or(""))
            .collect();
        add(
            Measure::Survey,
            format!(
                "{}|{}|{}",
                survey.stage.as_str(),
                ratings.join("|"),
                survey.service
            ),
        );
    }
    if case.kind == Kind::Compliment {
        for staff in &input.staff {
            add(Measure::StaffCompliment, staff.clone());
        }
    }
    if case.kind == Kind::Complaint && case.category.as_deref() == Some(super::fluency::CATEGORY) {
        add(Measure::Fluency, "received".to_string());
        for _ in 0..input.fluency_referrals {
            add(Measure::Fluency, "referred".to_string());
        }
    }
    for _ in 0..input.upheld_at_stage_1 {
        add(
            Measure::UpheldAtStage1,
            case.category.clone().unwrap_or_default(),
        );
    }
    tallies
}

/// An answered survey's tally value read back: (stage, ratings, service).
pub fn survey_of(value: &str) -> Option<(Stage, [&str; 4], &str)> {
    let mut parts = value.splitn(6, '|');
    let stage = Stage::parse(parts.next()?)?;
    let ratings = [parts.next()?, parts.next()?, parts.next()?, parts.next()?];
    Some((stage, ratings, parts.next()?))
}

/// An extension's tally value read back: (stage, working days beyond, customer agreed).
pub fn extension_of(value: &str) -> Option<(Stage, i32, bool)> {
    let mut parts = value.split('|');
    let stage = Stage::parse(parts.next()?)?;
    let days = parts.next()?.parse().ok()?;
    let agreed = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some((stage, days, agreed))
}

/// The change from a case's `old` tallies to its `new` ones (by any key), without the
/// values left as they were.
pub fn differences<K: Ord + Clone>(
    old: &BTreeMap<K, i64>,
    new: &BTreeMap<K, i64>,
) -> BTreeMap<K, i64> {
    let mut deltas = new.clone();
    for (key, n) in old {
        *deltas.entry(key.clone()).or_default() -= n;
    }
    deltas.retain(|_, n| *n != 0);
    deltas
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
    fn the_totals_add_up_the_rows_of_every_channel_and_category() {
        let by_email = lines(&complaint(Some(Decision::Accept)), &[stage_1(7)], &[]);
        let by_phone = lines(
            &CaseInput {
                channel: "phone".into(),
                category: Some("noise".into()),
                ..complaint(Some(Decision::Accept))
            },
            &[stage_1(8)],
            &[],
        );
        let mut deltas = Deltas::between(&[], &by_email);
        for line in &by_phone {
            deltas.add(line, 1);
        }
        let totals = deltas.totals();
        let stage = by_email[1].key.total();
        assert_eq!((stage.channel.as_str(), stage.category.as_str()), ("", ""));
        assert_eq!(totals.months.len(), 2);
        assert_eq!(totals.months[&stage].n, 2);
        assert_eq!(totals.months[&stage].days_sum, 18);
        assert_eq!(totals.days[&(stage, 9)], 2);
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
    fn a_case_is_tallied_by_what_is_recorded_on_it() {
        let case = complaint(Some(Decision::Excluded));
        let input = TallyInput {
            exclusion: Some(Some("information_rights".into())),
            investigators: vec![
                (Stage::Stage1, "officer-1".into()),
                (Stage::Stage2, "officer-2".into()),
            ],
            extensions: vec![(Stage::Stage1, 10, true), (Stage::Ombudsman, 5, false)],
            surveys: vec![SurveyInput {
                service: "highways".into(),
                stage: Stage::Stage1,
                ratings: [
                    Some("agree".into()),
                    Some("disagree".into()),
                    None,
                    Some("agree".into()),
                ],
            }],
            staff: vec!["jo".into()],
            fluency_referrals: 1,
            upheld_at_stage_1: 1,
        };
        let tallies = tallies(&case, &input, &Measure::ALL);
        let expected: Tallies = [
            ((Measure::Exclusion, "information_rights"), 1),
            ((Measure::Investigators, "different"), 1),
            ((Measure::Extension, "stage_1|10|true"), 1),
            (
                (Measure::Survey, "stage_1|agree|disagree||agree|highways"),
                1,
            ),
            ((Measure::UpheldAtStage1, ""), 1),
        ]
        .into_iter()
        .map(|((m, v), n)| ((m, v.to_string()), n))
        .collect();
        // The staff named count for compliments only, the fluency for its category only.
        assert_eq!(tallies, expected);
        assert_eq!(
            survey_of("stage_1|agree|disagree||agree|highways"),
            Some((
                Stage::Stage1,
                ["agree", "disagree", "", "agree"],
                "highways"
            ))
        );
        assert_eq!(
            extension_of("stage_1|10|true"),
            Some((Stage::Stage1, 10, true))
        );
        assert_eq!(extension_of("stage_1|10|true|x"), None);
    }

    #[test]
    fn only_the_measures_asked_for_are_tallied() {
        let fluency = CaseInput {
            category: Some(crate::domain::fluency::CATEGORY.into()),
            ..complaint(Some(Decision::Accept))
        };
        let input = TallyInput {
            investigators: vec![
                (Stage::Stage1, "officer-1".into()),
                (Stage::Stage2, "officer-1".into()),
                (Stage::Stage1, "officer-3".into()),
            ],
            fluency_referrals: 2,
            ..TallyInput::default()
        };
        let only_fluency = tallies(&fluency, &input, &[Measure::Fluency]);
        assert_eq!(
            only_fluency.into_iter().collect::<Vec<_>>(),
            vec![
                ((Measure::Fluency, "received".to_string()), 1),
                ((Measure::Fluency, "referred".to_string()), 2)
            ]
        );
        // Every stage 1 paired with every stage 2, as the self-assessment's query pairs them.
        let pairs = tallies(&fluency, &input, &[Measure::Investigators]);
        assert_eq!(pairs[&(Measure::Investigators, "same".to_string())], 1);
        assert_eq!(pairs[&(Measure::Investigators, "different".to_string())], 1);
        let compliment = CaseInput {
            kind: Kind::Compliment,
            ..complaint(None)
        };
        let staff = TallyInput {
            staff: vec!["jo".into(), "jo".into()],
            ..TallyInput::default()
        };
        assert_eq!(
            tallies(&compliment, &staff, &Measure::ALL)
                [&(Measure::StaffCompliment, "jo".to_string())],
            2
        );
        assert_eq!(Measure::moved_by("lead_service_changed"), &Measure::ALL);
        assert!(Measure::moved_by("note").is_empty());
        for measure in Measure::ALL {
            assert_eq!(Measure::parse(measure.as_str()), Some(measure));
        }
    }

    #[test]
    fn a_measure_counts_only_the_cases_it_can() {
        let fluency = Some(crate::domain::fluency::CATEGORY);
        assert!(Measure::Fluency.can_count(Kind::Complaint, fluency));
        assert!(!Measure::Fluency.can_count(Kind::Complaint, Some("noise")));
        assert!(!Measure::Fluency.can_count(Kind::Comment, fluency));
        assert!(Measure::StaffCompliment.can_count(Kind::Compliment, None));
        assert!(!Measure::StaffCompliment.can_count(Kind::Complaint, None));
        assert!(!Measure::Investigators.can_count(Kind::Compliment, None));
        assert!(Measure::Exclusion.can_count(Kind::Comment, None));
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

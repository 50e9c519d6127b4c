//! Retention (issue 15): how long a finished case keeps its personal data, what anonymisation
//! removes and keeps, and the vocabularies of legal holds and erasure decisions.
//!
//! The LGSCO keeps a case file 12 months after its decision, anonymises the record at 5 years
//! and deletes it at 10, except where legal action or a remedy is still outstanding. This
//! service never deletes the record: it anonymises it, so every published figure stays the
//! same, and deletes the documents, which no report counts.

use chrono::{Months, NaiveDate};
use serde_json::Value;

use super::case::{vocabulary, Kind, Outcome, Status};

/// What replaces removed free text, where a column cannot be empty.
pub const PLACEHOLDER: &str = "[anonymised]";

vocabulary! {
    /// How a finished case ended: the second half of a retention schedule's key
    /// (`complaint.not_upheld`).
    ClosingOutcome {
        Upheld => "upheld",
        PartiallyUpheld => "partially_upheld",
        NotUpheld => "not_upheld",
        /// Closed without a stage outcome (a compliment or comment, for example).
        Closed => "closed",
        Withdrawn => "withdrawn",
        ResolvedInformally => "resolved_informally",
        ServiceRequest => "service_request",
        Excluded => "excluded",
        OutsideRemit => "outside_remit",
        OutOfTime => "out_of_time",
    }
}

vocabulary! {
    /// The lawful reasons to refuse erasure (UK GDPR art. 17(3)).
    LawfulBasis {
        /// Compliance with a legal obligation (art. 17(3)(b)).
        LegalObligation => "legal_obligation",
        /// A task carried out in the public interest or in official authority (art. 17(3)(b)).
        PublicTask => "public_task",
        /// The establishment, exercise or defence of legal claims (art. 17(3)(e)).
        LegalClaims => "legal_claims",
    }
}

vocabulary! {
    /// What was decided on an erasure request.
    ErasureDecision {
        /// Refused, with the lawful basis and the reason.
        Refused => "refused",
        /// Carried out: the person's cases were anonymised.
        CarriedOut => "carried_out",
    }
}

vocabulary! {
    /// What a legal hold is placed on.
    HoldTarget {
        /// One case.
        Case => "case",
        /// A person: every case of theirs.
        Person => "person",
    }
}

vocabulary! {
    /// Why a case was anonymised.
    AnonymisationBasis {
        /// The retention schedule: its time after closure had come.
        Schedule => "schedule",
        /// An erasure request was carried out.
        Erasure => "erasure",
    }
}

/// How a case ended, if it has: `None` while it is still being handled (never due).
/// A closed complaint ends with its last stage's outcome, where it had one.
pub fn closing_outcome(status: Status, last_outcome: Option<Outcome>) -> Option<ClosingOutcome> {
    Some(match status {
        Status::Received | Status::Open => return None,
        Status::Closed => match last_outcome {
            Some(Outcome::Upheld) => ClosingOutcome::Upheld,
            Some(Outcome::PartiallyUpheld) => ClosingOutcome::PartiallyUpheld,
            Some(Outcome::NotUpheld) => ClosingOutcome::NotUpheld,
            None => ClosingOutcome::Closed,
        },
        Status::Withdrawn => ClosingOutcome::Withdrawn,
        Status::ResolvedInformally => ClosingOutcome::ResolvedInformally,
        Status::ServiceRequest => ClosingOutcome::ServiceRequest,
        Status::Excluded => ClosingOutcome::Excluded,
        Status::OutsideRemit => ClosingOutcome::OutsideRemit,
        Status::OutOfTime => ClosingOutcome::OutOfTime,
    })
}

/// The statuses a case has finished in, as stored.
pub fn finished_statuses() -> Vec<&'static str> {
    Status::ALL
        .iter()
        .filter(|s| closing_outcome(**s, None).is_some())
        .map(|s| s.as_str())
        .collect()
}

/// A length of time after closure: years, months or days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Age {
    Years(u32),
    Months(u32),
    Days(u32),
}

impl Age {
    /// Reads `6y`, `18m` or `30d` (1 day to 100 years).
    pub fn parse(text: &str) -> Result<Age, String> {
        let text = text.trim();
        let bad = || format!("`{text}` is not an age such as 6y, 18m or 30d");
        let unit = text.chars().last().ok_or_else(bad)?;
        let number: u32 = text[..text.len() - unit.len_utf8()]
            .trim()
            .parse()
            .map_err(|_| bad())?;
        let age = match unit {
            'y' => Age::Years(number),
            'm' => Age::Months(number),
            'd' => Age::Days(number),
            _ => return Err(bad()),
        };
        let days = match age {
            Age::Years(n) => u64::from(n) * 366,
            Age::Months(n) => u64::from(n) * 31,
            Age::Days(n) => u64::from(n),
        };
        if number == 0 || days > 100 * 366 {
            return Err(format!("`{text}` must be from 1 day to 100 years"));
        }
        Ok(age)
    }

    /// The day this long after `day` (the last day of a shorter month where the day is
    /// missing from it: 29 February plus a year is 28 February).
    pub fn after(self, day: NaiveDate) -> NaiveDate {
        let later = match self {
            Age::Years(n) => day.checked_add_months(Months::new(n * 12)),
            Age::Months(n) => day.checked_add_months(Months::new(n)),
            Age::Days(n) => day.checked_add_days(chrono::Days::new(u64::from(n))),
        };
        later.unwrap_or(NaiveDate::MAX)
    }
}

impl std::fmt::Display for Age {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Age::Years(n) => write!(f, "{n}y"),
            Age::Months(n) => write!(f, "{n}m"),
            Age::Days(n) => write!(f, "{n}d"),
        }
    }
}

/// How long after closure each finished case keeps its personal data, by kind and how it
/// ended, and how long its documents are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionSchedule {
    /// By kind: complaints, compliments, comments.
    by_kind: [(Kind, Age); 3],
    /// Exceptions for a kind that ended a certain way.
    by_outcome: Vec<(Kind, ClosingOutcome, Age)>,
    /// How long after closure a case's documents are deleted.
    pub documents_after: Age,
}

impl Default for RetentionSchedule {
    /// Complaints 6 years after closure (the Limitation Act's six years for claims, beyond the
    /// LGSCO's 5); compliments and comments 2 years; documents 1 year (the LGSCO's 12 months
    /// for the case file).
    fn default() -> Self {
        RetentionSchedule {
            by_kind: [
                (Kind::Complaint, Age::Years(6)),
                (Kind::Compliment, Age::Years(2)),
                (Kind::Comment, Age::Years(2)),
            ],
            by_outcome: vec![],
            documents_after: Age::Years(1),
        }
    }
}

/// The text of the default `RETENTION_ANONYMISE_AFTER`.
pub const DEFAULT_ANONYMISE_AFTER: &str = "complaint=6y,compliment=2y,comment=2y";

impl RetentionSchedule {
    /// Reads `kind=age` and `kind.outcome=age` pairs separated by commas (kinds not named keep
    /// their default), and the documents' age.
    pub fn parse(anonymise_after: &str, documents_after: &str) -> Result<Self, String> {
        let mut schedule = RetentionSchedule {
            documents_after: Age::parse(documents_after)?,
            ..RetentionSchedule::default()
        };
        let mut seen = vec![];
        for pair in anonymise_after.split(',').map(str::trim) {
            if pair.is_empty() {
                continue;
            }
            let (key, age) = pair
                .split_once('=')
                .ok_or_else(|| format!("`{pair}` is not key=age, such as complaint=6y"))?;
            let key = key.trim();
            if seen.contains(&key) {
                return Err(format!("`{key}` is given twice"));
            }
            seen.push(key);
            let age = Age::parse(age)?;
            let (kind, outcome) = match key.split_once('.') {
                Some((kind, outcome)) => (kind, Some(outcome)),
                None => (key, None),
            };
            let kind = Kind::parse(kind)
                .ok_or_else(|| format!("`{kind}` is not a kind: one of {}", Kind::expected()))?;
            match outcome {
                None => {
                    for slot in schedule.by_kind.iter_mut().filter(|(k, _)| *k == kind) {
                        slot.1 = age;
                    }
                }
                Some(outcome) => {
                    let outcome = ClosingOutcome::parse(outcome).ok_or_else(|| {
                        format!(
                            "`{outcome}` is not how a case ends: one of {}",
                            ClosingOutcome::expected()
                        )
                    })?;
                    schedule.by_outcome.push((kind, outcome, age));
                }
            }
        }
        Ok(schedule)
    }

    /// How long a case of `kind` that ended `outcome` keeps its personal data after closure.
    pub fn anonymise_after(&self, kind: Kind, outcome: ClosingOutcome) -> Age {
        self.by_outcome
            .iter()
            .find(|(k, o, _)| *k == kind && *o == outcome)
            .map(|(_, _, age)| *age)
            .or_else(|| {
                self.by_kind
                    .iter()
                    .find(|(k, _)| *k == kind)
                    .map(|(_, a)| *a)
            })
            .unwrap_or(Age::Years(6))
    }

    /// The day a case of `kind`, closed on `closed_on` after ending `outcome`, is anonymised.
    pub fn anonymise_on(
        &self,
        kind: Kind,
        outcome: ClosingOutcome,
        closed_on: NaiveDate,
    ) -> NaiveDate {
        self.anonymise_after(kind, outcome).after(closed_on)
    }

    /// The day the documents of a case closed on `closed_on` are deleted.
    pub fn documents_on(&self, closed_on: NaiveDate) -> NaiveDate {
        self.documents_after.after(closed_on)
    }

    /// The schedule as one line, for the logs and the CLI.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .by_kind
            .iter()
            .map(|(k, a)| format!("{k}={a}"))
            .collect();
        parts.extend(
            self.by_outcome
                .iter()
                .map(|(k, o, a)| format!("{k}.{o}={a}")),
        );
        format!(
            "anonymise {}; documents {}",
            parts.join(","),
            self.documents_after
        )
    }
}

/// The district of a UK postcode (its outward code, `SW1A` of `SW1A 1AA`): what an
/// anonymised record keeps of an address. `None` for text that is not a postcode.
pub fn postcode_district(postcode: &str) -> Option<String> {
    let compact: String = postcode
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if !(5..=7).contains(&compact.len()) || !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let outward = &compact[..compact.len() - 3];
    let inward = &compact[compact.len() - 3..];
    let inward_ok = inward.as_bytes()[0].is_ascii_digit()
        && inward.as_bytes()[1..].iter().all(u8::is_ascii_alphabetic);
    let outward_ok = outward.as_bytes()[0].is_ascii_alphabetic();
    (inward_ok && outward_ok).then(|| outward.to_string())
}

/// The keys of an event's details whose text is a vocabulary word, a reference, a staff or
/// service id, or a date: what the timeline keeps. Every other text is removed.
const KEPT_KEYS: &[&str] = &[
    "kind",
    "channel",
    "service",
    "stage",
    "status",
    "from",
    "to",
    "decision",
    "method",
    "outcome",
    "type",
    "document_type",
    "procedure",
    "deadline",
    "body",
    "flag",
    "restriction_type",
    "scope",
    "via",
    "provider",
    "direction",
    "action",
    "investigator",
    "previous_investigator",
    "decided_by",
    "routed_to",
    "matter_case",
    "linked_to",
    "previously",
    "grounds",
    "basis",
    "lawful_basis",
];

impl LawfulBasis {
    /// The basis in a letter's words.
    pub fn in_words(self) -> &'static str {
        match self {
            LawfulBasis::LegalObligation => {
                "we must keep it to comply with a legal obligation (UK GDPR article 17(3)(b))"
            }
            LawfulBasis::PublicTask => {
                "we need it to perform a task in the public interest or in our official \
                 authority (UK GDPR article 17(3)(b))"
            }
            LawfulBasis::LegalClaims => {
                "we need it to establish, exercise or defend legal claims (UK GDPR article \
                 17(3)(e))"
            }
        }
    }
}

/// The letter telling a person of the decision on their erasure request, from the shipped
/// templates (`templates/erasure/`): `{name}`, `{received_on}`, `{decided_on}`, `{cases}`,
/// `{basis}` and `{reason}` are filled in.
pub fn erasure_letter(
    decision: ErasureDecision,
    name: &str,
    received_on: NaiveDate,
    decided_on: NaiveDate,
    cases: usize,
    basis: Option<LawfulBasis>,
    reason: Option<&str>,
) -> String {
    let template = match decision {
        ErasureDecision::CarriedOut => include_str!("../../templates/erasure/carried_out.txt"),
        ErasureDecision::Refused => include_str!("../../templates/erasure/refused.txt"),
    };
    template
        .replace("{name}", name)
        .replace(
            "{received_on}",
            &received_on.format("%-d %B %Y").to_string(),
        )
        .replace("{decided_on}", &decided_on.format("%-d %B %Y").to_string())
        .replace("{cases}", &cases.to_string())
        .replace(
            "{basis}",
            basis.map(LawfulBasis::in_words).unwrap_or_default(),
        )
        .replace("{reason}", reason.unwrap_or_default())
}

/// Whether text is a date or an instant as the timeline stores them.
fn is_date_or_instant(text: &str) -> bool {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
        || chrono::DateTime::parse_from_rfc3339(text).is_ok()
}

/// An event's details with its personal data removed: every text that is not a vocabulary
/// word, an id or a date becomes [`PLACEHOLDER`] (numbers, booleans, dates and the kept
/// words stay, so the timeline still reads in order and nothing counted changes).
/// Gives whether anything changed.
pub fn scrub_details(details: &mut Value) -> bool {
    scrub(details, None)
}

fn scrub(value: &mut Value, key: Option<&str>) -> bool {
    match value {
        Value::String(text) => {
            let kept = key.is_some_and(|k| KEPT_KEYS.contains(&k))
                || is_date_or_instant(text)
                || text == PLACEHOLDER;
            if kept {
                false
            } else {
                *text = PLACEHOLDER.to_string();
                true
            }
        }
        // Every item is scrubbed (no short cut once one has changed).
        Value::Array(items) => {
            items
                .iter_mut()
                .map(|item| scrub(item, key))
                .filter(|changed| *changed)
                .count()
                > 0
        }
        Value::Object(fields) => fields.iter_mut().fold(false, |changed, (k, v)| {
            scrub(v, Some(k.as_str())) || changed
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn the_default_schedule_is_six_years_for_complaints_two_for_compliments_and_comments() {
        let schedule = RetentionSchedule::parse(DEFAULT_ANONYMISE_AFTER, "1y").expect("parsed");
        assert_eq!(schedule, RetentionSchedule::default());
        let closed = date("2026-03-31");
        assert_eq!(
            schedule.anonymise_on(Kind::Complaint, ClosingOutcome::Upheld, closed),
            date("2032-03-31")
        );
        assert_eq!(
            schedule.anonymise_on(Kind::Compliment, ClosingOutcome::Closed, closed),
            date("2028-03-31")
        );
        assert_eq!(schedule.documents_on(closed), date("2027-03-31"));
        assert_eq!(
            Age::Years(1).after(date("2028-02-29")),
            date("2029-02-28"),
            "a leap day's anniversary is the last day of February"
        );
    }

    #[test]
    fn an_outcome_may_have_its_own_age_and_other_kinds_keep_their_default() {
        let schedule =
            RetentionSchedule::parse("complaint=7y, complaint.service_request=18m", "30d")
                .expect("parsed");
        let closed = date("2026-01-15");
        assert_eq!(
            schedule.anonymise_on(Kind::Complaint, ClosingOutcome::ServiceRequest, closed),
            date("2027-07-15")
        );
        assert_eq!(
            schedule.anonymise_on(Kind::Complaint, ClosingOutcome::NotUpheld, closed),
            date("2033-01-15")
        );
        assert_eq!(
            schedule.anonymise_on(Kind::Comment, ClosingOutcome::Closed, closed),
            date("2028-01-15")
        );
        assert_eq!(schedule.documents_on(closed), date("2026-02-14"));
    }

    #[test]
    fn a_bad_schedule_is_explained() {
        for (anonymise, documents, says) in [
            ("complaint=6", "1y", "not an age"),
            ("complaint=0y", "1y", "from 1 day"),
            ("complaint=101y", "1y", "from 1 day"),
            ("grumble=6y", "1y", "not a kind"),
            ("complaint.lost=6y", "1y", "not how a case ends"),
            ("complaint=6y,complaint=5y", "1y", "given twice"),
            ("complaint", "1y", "key=age"),
            ("complaint=6y", "a year", "not an age"),
        ] {
            let error = RetentionSchedule::parse(anonymise, documents).expect_err(anonymise);
            assert!(error.contains(says), "{anonymise} {documents}: {error}");
        }
    }

    #[test]
    fn only_a_finished_case_has_a_closing_outcome() {
        assert_eq!(closing_outcome(Status::Open, None), None);
        assert_eq!(closing_outcome(Status::Received, None), None);
        assert_eq!(
            closing_outcome(Status::Closed, Some(Outcome::PartiallyUpheld)),
            Some(ClosingOutcome::PartiallyUpheld)
        );
        assert_eq!(
            closing_outcome(Status::Closed, None),
            Some(ClosingOutcome::Closed)
        );
        assert_eq!(
            closing_outcome(Status::Excluded, None),
            Some(ClosingOutcome::Excluded)
        );
        assert_eq!(finished_statuses().len(), 7);
    }

    #[test]
    fn an_erasure_letter_gives_the_decision_and_its_basis() {
        let refused = erasure_letter(
            ErasureDecision::Refused,
            "Ada Lovelace",
            date("2026-11-02"),
            date("2026-11-20"),
            2,
            Some(LawfulBasis::LegalClaims),
            Some("A claim about your fall is before the county court."),
        );
        assert!(refused.starts_with("Dear Ada Lovelace\n"));
        assert!(refused.contains("received your request on 2 November 2026"));
        assert!(refused.contains("decided on 20 November 2026"));
        assert!(refused.contains("defend legal claims (UK GDPR article 17(3)(e))"));
        assert!(refused.contains("before the county court."));
        let done = erasure_letter(
            ErasureDecision::CarriedOut,
            "Ada Lovelace",
            date("2026-11-02"),
            date("2026-11-20"),
            2,
            None,
            None,
        );
        assert!(done.contains("carried it out on 20 November 2026"));
        assert!(done.contains("on 2 case(s)"));
    }

    #[test]
    fn a_postcode_keeps_its_district() {
        assert_eq!(postcode_district("SW1A 1AA").as_deref(), Some("SW1A"));
        assert_eq!(postcode_district("dy1 1hf").as_deref(), Some("DY1"));
        assert_eq!(postcode_district("B601AA").as_deref(), Some("B60"));
        assert_eq!(postcode_district("M1 1AE").as_deref(), Some("M1"));
        assert_eq!(postcode_district("not a postcode"), None);
        assert_eq!(postcode_district("12345"), None);
    }

    #[test]
    fn scrubbing_keeps_words_ids_and_dates_and_removes_free_text() {
        let mut details = json!({
            "decision": "accept", "status": "open", "stage": "stage_1",
            "details": {"reason": "Mrs Jones rang about 4 Elm Road", "out_of_time": false,
                        "referral_due": "2026-12-18"},
            "text": "She is unwell", "received_at": "2026-12-04T09:30:00Z",
            "filename": "jones-letter.pdf", "size_bytes": 70, "grounds": ["new_evidence"]
        });
        assert!(scrub_details(&mut details));
        assert_eq!(
            details,
            json!({
                "decision": "accept", "status": "open", "stage": "stage_1",
                "details": {"reason": PLACEHOLDER, "out_of_time": false,
                            "referral_due": "2026-12-18"},
                "text": PLACEHOLDER, "received_at": "2026-12-04T09:30:00Z",
                "filename": PLACEHOLDER, "size_bytes": 70, "grounds": ["new_evidence"]
            })
        );
        assert!(
            !scrub_details(&mut details),
            "a second pass changes nothing"
        );
    }
}

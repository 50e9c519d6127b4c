//! Reasonable adjustments (issue 14 §2; the Complaint Handling Code, 5.6): what the council
//! agreed to do for a person under the Equality Act 2010 so they can use the complaints
//! procedure, kept under review. An adjustment belongs to the person, not to one case: it
//! holds on every case of theirs until a review ends it. Each has a review date; a review
//! continues it to a new date, changes its terms (with a new date), or ends it. An ended
//! adjustment is kept, for the record.
//!
//! What a customer asks for on a case (the intake's `customer.accessibility`) stays that case's
//! request; an adjustment is what staff agreed.

use chrono::NaiveDate;

use super::case::{vocabulary, Status};

vocabulary! {
    /// What the council agreed to do.
    AdjustmentKind {
        /// An interpreter, in the `language` named.
        Interpreter => "interpreter",
        LargePrint => "large_print",
        /// Letters and information as audio.
        Audio => "audio",
        EasyRead => "easy_read",
        Braille => "braille",
        BritishSignLanguage => "british_sign_language",
        /// One named officer as their contact (`details`: who).
        NamedContact => "named_contact",
        /// More time to reply or provide information (`details`: how much, for what).
        ExtraTime => "extra_time",
        /// A preferred time or method of contact (`details`: which).
        ContactPreference => "contact_preference",
        /// Anything else (`details`: what).
        Other => "other",
    }
}

impl AdjustmentKind {
    /// Whether it names a language (only an interpreter does, and must).
    pub fn takes_language(self) -> bool {
        self == AdjustmentKind::Interpreter
    }

    /// Whether it says nothing without `details`: a named contact (who), a contact
    /// preference (which), anything else (what). The rest may have details.
    pub fn needs_details(self) -> bool {
        matches!(
            self,
            AdjustmentKind::NamedContact
                | AdjustmentKind::ContactPreference
                | AdjustmentKind::Other
        )
    }
}

vocabulary! {
    /// What a review decided.
    AdjustmentReviewOutcome {
        /// Still needed as it is: reviewed again at the new date.
        Continued => "continued",
        /// Still needed, on new terms: reviewed again at the new date.
        Changed => "changed",
        /// No longer needed: ended, and kept for the record.
        Ended => "ended",
    }
}

/// A rule a request broke: the field at fault and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub field: &'static str,
    pub message: String,
}

impl Fault {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        Fault {
            field,
            message: message.into(),
        }
    }
}

/// What an adjustment is: its kind, an interpreter's language, and the details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub kind: AdjustmentKind,
    pub language: Option<String>,
    pub details: Option<String>,
}

impl Terms {
    /// Terms as given (texts trimmed, blank ones as none): an interpreter needs a language and
    /// nothing else takes one; a named contact, a contact preference and "other" need details.
    pub fn parse(
        kind: AdjustmentKind,
        language: Option<&str>,
        details: Option<&str>,
    ) -> Result<Terms, Vec<Fault>> {
        let clean = |text: Option<&str>| {
            text.map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
        };
        let (language, details) = (clean(language), clean(details));
        let mut faults = Vec::new();
        match (kind.takes_language(), &language) {
            (true, None) => faults.push(Fault::new(
                "language",
                "is required for an interpreter: the language to interpret",
            )),
            (false, Some(_)) => {
                faults.push(Fault::new("language", "is only for an interpreter"));
            }
            _ => {}
        }
        if kind.needs_details() && details.is_none() {
            faults.push(Fault::new(
                "details",
                format!("is required for {}: say what was agreed", kind.as_str()),
            ));
        }
        if faults.is_empty() {
            Ok(Terms {
                kind,
                language,
                details,
            })
        } else {
            Err(faults)
        }
    }
}

/// Checks when an adjustment was agreed and its first review date: agreed today or before
/// (`today`, the council's date), reviewed after the day it was agreed.
pub fn check_agreement(
    agreed_on: NaiveDate,
    review_due: NaiveDate,
    today: NaiveDate,
) -> Vec<Fault> {
    let mut faults = Vec::new();
    if agreed_on > today {
        faults.push(Fault::new("agreed_on", "must not be in the future"));
    }
    if review_due <= agreed_on {
        faults.push(Fault::new(
            "review_due",
            format!("must be after the day it was agreed ({agreed_on})"),
        ));
    }
    faults
}

/// An adjustment as a review finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub terms: Terms,
    pub in_force: bool,
    /// The day it ended, if it did.
    pub ended_on: Option<NaiveDate>,
}

/// What a review asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub outcome: AdjustmentReviewOutcome,
    /// The next review date: required to continue or change, refused to end.
    pub next_review_due: Option<NaiveDate>,
    /// The new terms: required to change, refused otherwise.
    pub terms: Option<Terms>,
}

/// An adjustment after a review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewed {
    pub terms: Terms,
    pub in_force: bool,
    pub review_due: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    /// The terms replaced, when the review changed them (kept on the review, for the record).
    pub replaced: Option<Terms>,
}

/// Why a review cannot be done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewRefusal {
    /// The adjustment ended already, on this day: an ended one is not reviewed again (agree a
    /// new one instead).
    Ended(Option<NaiveDate>),
    /// The review breaks these rules.
    Invalid(Vec<Fault>),
}

/// A review `today` of an adjustment standing as `standing`:
/// - `continued`: the same terms, reviewed again at `next_review_due` (after today);
/// - `changed`: new terms (which must differ), reviewed again at `next_review_due`;
/// - `ended`: no longer in force from today, with no review date.
pub fn review(
    standing: &Standing,
    review: &Review,
    today: NaiveDate,
) -> Result<Reviewed, ReviewRefusal> {
    if !standing.in_force {
        return Err(ReviewRefusal::Ended(standing.ended_on));
    }
    let mut faults = Vec::new();
    let next = match (review.outcome, review.next_review_due) {
        (AdjustmentReviewOutcome::Ended, Some(_)) => {
            faults.push(Fault::new(
                "next_review_due",
                "is not given when the adjustment ends",
            ));
            None
        }
        (AdjustmentReviewOutcome::Ended, None) => None,
        (_, None) => {
            faults.push(Fault::new(
                "next_review_due",
                "is required to continue or change the adjustment",
            ));
            None
        }
        (_, Some(next)) if next <= today => {
            faults.push(Fault::new(
                "next_review_due",
                format!("must be after the day of the review ({today})"),
            ));
            None
        }
        (_, Some(next)) => Some(next),
    };
    let terms = match (review.outcome, &review.terms) {
        (AdjustmentReviewOutcome::Changed, None) => {
            faults.push(Fault::new(
                "kind",
                "is required to change the adjustment: the new terms",
            ));
            None
        }
        (AdjustmentReviewOutcome::Changed, Some(terms)) if *terms == standing.terms => {
            faults.push(Fault::new(
                "kind",
                "the new terms are the same as the old: continue it instead",
            ));
            None
        }
        (AdjustmentReviewOutcome::Changed, Some(terms)) => Some(terms.clone()),
        (_, Some(_)) => {
            faults.push(Fault::new(
                "kind",
                "is only given when the review changes the adjustment",
            ));
            None
        }
        (_, None) => None,
    };
    if !faults.is_empty() {
        return Err(ReviewRefusal::Invalid(faults));
    }
    Ok(match review.outcome {
        AdjustmentReviewOutcome::Ended => Reviewed {
            terms: standing.terms.clone(),
            in_force: false,
            review_due: None,
            ended_on: Some(today),
            replaced: None,
        },
        AdjustmentReviewOutcome::Continued => Reviewed {
            terms: standing.terms.clone(),
            in_force: true,
            review_due: next,
            ended_on: None,
            replaced: None,
        },
        AdjustmentReviewOutcome::Changed => Reviewed {
            terms: terms.unwrap_or_else(|| standing.terms.clone()),
            in_force: true,
            review_due: next,
            ended_on: None,
            replaced: Some(standing.terms.clone()),
        },
    })
}

/// One of the person's cases, as the choice of where a review's alert goes weighs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonsCase {
    pub id: i64,
    pub status: Status,
    pub received_at: chrono::NaiveDateTime,
}

impl PersonsCase {
    /// Whether the council is still working on it with the person (received or open).
    pub fn running(&self) -> bool {
        matches!(self.status, Status::Received | Status::Open)
    }
}

/// The case whose timeline carries an adjustment's review alerts: staff working with the
/// person now are the ones to review it.
/// 1. the case it was agreed on, while that case is running (so the alert stays put);
/// 2. else the person's most recent running case (latest received);
/// 3. else the case it was agreed on, closed or not;
/// 4. else the person's most recent case.
///
/// `None` only for a person with no case at all.
pub fn anchor(agreed_on_case: Option<i64>, cases: &[PersonsCase]) -> Option<i64> {
    let agreed = agreed_on_case.and_then(|id| cases.iter().find(|c| c.id == id));
    let latest = |running_only: bool| {
        cases
            .iter()
            .filter(|c| !running_only || c.running())
            .max_by_key(|c| (c.received_at, c.id))
            .map(|c| c.id)
    };
    agreed
        .filter(|c| c.running())
        .map(|c| c.id)
        .or_else(|| latest(true))
        .or(agreed.map(|c| c.id))
        .or_else(|| latest(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test dates are valid")
    }

    fn large_print() -> Terms {
        Terms {
            kind: AdjustmentKind::LargePrint,
            language: None,
            details: None,
        }
    }

    fn standing() -> Standing {
        Standing {
            terms: large_print(),
            in_force: true,
            ended_on: None,
        }
    }

    fn fields(faults: &[Fault]) -> Vec<&'static str> {
        faults.iter().map(|f| f.field).collect()
    }

    #[test]
    fn an_interpreter_names_a_language_and_nothing_else_does() {
        let terms = Terms::parse(AdjustmentKind::Interpreter, Some(" Polish "), None);
        assert_eq!(
            terms,
            Ok(Terms {
                kind: AdjustmentKind::Interpreter,
                language: Some("Polish".into()),
                details: None
            })
        );
        let missing = Terms::parse(AdjustmentKind::Interpreter, Some("  "), None);
        assert_eq!(missing.map_err(|f| fields(&f)), Err(vec!["language"]));
        let stray = Terms::parse(AdjustmentKind::Braille, Some("Welsh"), None);
        assert_eq!(stray.map_err(|f| fields(&f)), Err(vec!["language"]));
    }

    #[test]
    fn a_named_contact_a_contact_preference_and_other_need_details() {
        for kind in [
            AdjustmentKind::NamedContact,
            AdjustmentKind::ContactPreference,
            AdjustmentKind::Other,
        ] {
            let refused = Terms::parse(kind, None, Some(" "));
            assert_eq!(refused.map_err(|f| fields(&f)), Err(vec!["details"]));
            assert!(Terms::parse(kind, None, Some("Calls after 2pm only")).is_ok());
        }
        for kind in [
            AdjustmentKind::LargePrint,
            AdjustmentKind::Audio,
            AdjustmentKind::EasyRead,
            AdjustmentKind::Braille,
            AdjustmentKind::BritishSignLanguage,
            AdjustmentKind::ExtraTime,
        ] {
            assert!(Terms::parse(kind, None, None).is_ok(), "{kind}");
        }
    }

    #[test]
    fn agreed_today_or_before_and_reviewed_after_the_day_agreed() {
        let today = date("2026-11-02");
        assert!(check_agreement(today, date("2026-11-03"), today).is_empty());
        assert!(check_agreement(date("2026-10-01"), date("2026-10-02"), today).is_empty());
        assert_eq!(
            fields(&check_agreement(today, today, today)),
            vec!["review_due"]
        );
        assert_eq!(
            fields(&check_agreement(
                date("2026-11-03"),
                date("2026-12-01"),
                today
            )),
            vec!["agreed_on"]
        );
    }

    #[test]
    fn continuing_keeps_the_terms_and_moves_the_review_date() {
        let today = date("2026-12-01");
        let reviewed = review(
            &standing(),
            &Review {
                outcome: AdjustmentReviewOutcome::Continued,
                next_review_due: Some(date("2027-06-01")),
                terms: None,
            },
            today,
        );
        assert_eq!(
            reviewed,
            Ok(Reviewed {
                terms: large_print(),
                in_force: true,
                review_due: Some(date("2027-06-01")),
                ended_on: None,
                replaced: None,
            })
        );
        let same_day = review(
            &standing(),
            &Review {
                outcome: AdjustmentReviewOutcome::Continued,
                next_review_due: Some(today),
                terms: None,
            },
            today,
        );
        assert!(
            matches!(same_day, Err(ReviewRefusal::Invalid(f)) if fields(&f) == ["next_review_due"])
        );
        let no_date = review(
            &standing(),
            &Review {
                outcome: AdjustmentReviewOutcome::Continued,
                next_review_due: None,
                terms: Some(large_print()),
            },
            today,
        );
        assert!(
            matches!(no_date, Err(ReviewRefusal::Invalid(f)) if fields(&f) == ["next_review_due", "kind"])
        );
    }

    #[test]
    fn changing_replaces_the_terms_and_keeps_the_old_ones_for_the_record() {
        let today = date("2026-12-01");
        let easy_read = Terms {
            kind: AdjustmentKind::EasyRead,
            language: None,
            details: None,
        };
        let reviewed = review(
            &standing(),
            &Review {
                outcome: AdjustmentReviewOutcome::Changed,
                next_review_due: Some(date("2027-03-01")),
                terms: Some(easy_read.clone()),
            },
            today,
        );
        assert_eq!(
            reviewed,
            Ok(Reviewed {
                terms: easy_read,
                in_force: true,
                review_due: Some(date("2027-03-01")),
                ended_on: None,
                replaced: Some(large_print()),
            })
        );
        let unchanged = review(
            &standing(),
            &Review {
                outcome: AdjustmentReviewOutcome::Changed,
                next_review_due: Some(date("2027-03-01")),
                terms: Some(large_print()),
            },
            today,
        );
        assert!(matches!(unchanged, Err(ReviewRefusal::Invalid(f)) if fields(&f) == ["kind"]));
    }

    #[test]
    fn ending_takes_no_date_and_an_ended_adjustment_is_not_reviewed_again() {
        let today = date("2026-12-01");
        let end = Review {
            outcome: AdjustmentReviewOutcome::Ended,
            next_review_due: None,
            terms: None,
        };
        let ended = review(&standing(), &end, today);
        assert_eq!(
            ended,
            Ok(Reviewed {
                terms: large_print(),
                in_force: false,
                review_due: None,
                ended_on: Some(today),
                replaced: None,
            })
        );
        let dated = Review {
            next_review_due: Some(date("2027-01-01")),
            ..end.clone()
        };
        assert!(
            matches!(review(&standing(), &dated, today), Err(ReviewRefusal::Invalid(f)) if fields(&f) == ["next_review_due"])
        );
        let gone = Standing {
            in_force: false,
            ended_on: Some(today),
            ..standing()
        };
        assert_eq!(
            review(&gone, &end, date("2026-12-02")),
            Err(ReviewRefusal::Ended(Some(today)))
        );
    }

    #[test]
    fn the_alert_goes_to_the_agreed_case_while_it_runs_then_the_latest_running_case() {
        let at = |day: &str| date(day).and_hms_opt(9, 0, 0).expect("time");
        let case = |id, status, day: &str| PersonsCase {
            id,
            status,
            received_at: at(day),
        };
        let older_open = case(1, Status::Open, "2026-10-01");
        let newer_received = case(2, Status::Received, "2026-11-01");
        let closed = case(3, Status::Closed, "2026-11-20");
        let all = [older_open, newer_received, closed];
        // Agreed on case 1, still open: it stays there.
        assert_eq!(anchor(Some(1), &all), Some(1));
        // Agreed on the closed case, or on none: the latest running case.
        assert_eq!(anchor(Some(3), &all), Some(2));
        assert_eq!(anchor(None, &all), Some(2));
        // Nothing running: the case it was agreed on, else the latest case.
        let withdrawn = case(1, Status::Withdrawn, "2026-10-01");
        let none_running = [withdrawn, closed];
        assert_eq!(anchor(Some(1), &none_running), Some(1));
        assert_eq!(anchor(None, &none_running), Some(3));
        // A case no longer the person's (matched to someone else) is not chosen.
        assert_eq!(anchor(Some(9), &none_running), Some(3));
        assert_eq!(anchor(None, &[]), None);
    }
}

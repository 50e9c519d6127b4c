//! Restrictions on unreasonable behaviour (issue 14 §3-4; seed 003 §6; the LGSCO's guidance
//! "Managing unreasonable actions by complainants" and the Housing Ombudsman's guidance note).
//! A restriction is tailored and proportionate, limited to the affected services or matter,
//! decided by a senior officer, usually after a warning, and reviewed at its review date:
//! lifted unless there are reasons to extend it. Contact from a restricted person is still
//! recorded and read for new issues, never dropped.
//!
//! When a restriction applies: from its start date up to and including its review date (UK
//! calendar days), unless it was lifted. An extension moves the review date. A review date
//! that passes without an extension ends it by itself: the LGSCO says it is lifted unless
//! there are reasons to extend it, so silence lifts, it never extends.

use chrono::{NaiveDate, NaiveDateTime};

use super::case::vocabulary;

vocabulary! {
    /// What the person did (seed 003 §6).
    Behaviour {
        /// Repeatedly refusing to clearly specify the grounds of a complaint.
        RefusingToSpecifyGrounds => "refusing_to_specify_grounds",
        /// Changing the basis of a complaint during the investigation.
        ChangingTheBasis => "changing_the_basis",
        /// Refusing to co-operate with the complaints investigation process.
        RefusingToCooperate => "refusing_to_cooperate",
        /// Refusing to accept investigation conclusions and decisions.
        RefusingToAcceptConclusions => "refusing_to_accept_conclusions",
        /// Repeatedly making the same or similar complaint.
        RepeatingTheSameComplaint => "repeating_the_same_complaint",
        /// Unreasonable, persistent contact with officers of the council.
        UnreasonablePersistentContact => "unreasonable_persistent_contact",
    }
}

vocabulary! {
    /// What the restriction does.
    RestrictionType {
        /// All contact goes through one named officer (their staff id).
        SinglePointOfContact => "single_point_of_contact",
        /// Contact in writing only.
        WrittenContactOnly => "written_contact_only",
        /// Calls limited in how often or how long (the limit is stated).
        LimitedCalls => "limited_calls",
        /// No further correspondence on a matter (its cases): contact is still read for new issues.
        NoFurtherCorrespondence => "no_further_correspondence",
        /// Limits on visiting council premises.
        Premises => "premises",
    }
}

vocabulary! {
    /// How far a restriction reaches.
    Scope {
        /// Every service of the council (the complaints manager decides these).
        AllServices => "all_services",
        /// The services listed.
        Services => "services",
        /// One matter: the cases listed.
        Matter => "matter",
    }
}

vocabulary! {
    /// What a review decided.
    ReviewOutcome {
        /// The restriction ends now.
        Lift => "lift",
        /// The restriction goes on, for the reasons given, to a new review date.
        Extend => "extend",
    }
}

vocabulary! {
    /// Where a restriction stands on a day.
    RestrictionStatus {
        /// Decided, starting later.
        Scheduled => "scheduled",
        /// Applies today.
        InForce => "in_force",
        /// Its review date passed without an extension: it no longer applies.
        Expired => "expired",
        /// Lifted at a review.
        Lifted => "lifted",
    }
}

vocabulary! {
    /// How new contact from a restricted person reached the council.
    ContactVia {
        /// A new case was logged.
        NewCase => "new_case",
        /// Correspondence was added to a case.
        Correspondence => "correspondence",
        /// Staff linked a case to one of the matter's cases.
        Link => "link",
        /// Intake found a case to be a duplicate of one of the matter's cases.
        Duplicate => "duplicate",
    }
}

/// Where a restriction stands on `today`: it applies from `starts_on` to `review_on`
/// inclusive, unless `lifted`.
pub fn status(
    starts_on: NaiveDate,
    review_on: NaiveDate,
    lifted: bool,
    today: NaiveDate,
) -> RestrictionStatus {
    if lifted {
        RestrictionStatus::Lifted
    } else if today < starts_on {
        RestrictionStatus::Scheduled
    } else if today > review_on {
        RestrictionStatus::Expired
    } else {
        RestrictionStatus::InForce
    }
}

/// What a restriction reaches, as enforcement reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    pub scope: Scope,
    /// The services listed (scope `services`).
    pub services: Vec<String>,
    /// The matter's cases (scope `matter`): their ids and lead services.
    pub matter: Vec<(i64, String)>,
}

impl Reach {
    /// The services whose Head of Service may decide it: those listed, or the lead services
    /// of the matter's cases; none for all services (only the complaints manager).
    pub fn services_in_scope(&self) -> Vec<String> {
        let mut services = match self.scope {
            Scope::AllServices => vec![],
            Scope::Services => self.services.clone(),
            Scope::Matter => self.matter.iter().map(|(_, s)| s.clone()).collect(),
        };
        services.sort();
        services.dedup();
        services
    }

    /// Whether contact on case `case_id` of service `service` is in scope: every service; a
    /// service listed; for a matter, one of its cases, or a case of one of its cases'
    /// services (a new case about the matter is not yet known to be one: it is flagged for
    /// staff to read, and becomes the matter's once linked).
    pub fn covers(&self, case_id: i64, service: &str) -> bool {
        match self.scope {
            Scope::AllServices => true,
            Scope::Services => self.services.iter().any(|s| s == service),
            Scope::Matter => self
                .matter
                .iter()
                .any(|(id, s)| *id == case_id || s == service),
        }
    }

    /// Whether any of `case_ids` is one of the matter's cases.
    pub fn names_any(&self, case_ids: &[i64]) -> bool {
        self.scope == Scope::Matter && self.matter.iter().any(|(id, _)| case_ids.contains(id))
    }
}

/// Who is deciding or reviewing a restriction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionMaker<'a> {
    ComplaintsManager,
    /// A Head of Service of these services.
    HeadOfService(&'a [String]),
    /// Anyone else (an investigating officer).
    Other,
}

/// Why someone may not decide a restriction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotTheirDecision {
    /// Only the complaints manager or a Head of Service decides restrictions.
    NotSenior,
    /// A restriction on every service is the complaints manager's.
    AllServices,
    /// The Head of Service does not head these services in scope.
    OutsideTheirServices(Vec<String>),
}

impl std::fmt::Display for NotTheirDecision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotTheirDecision::NotSenior => f.write_str(
                "a restriction is decided by a senior officer: the complaints manager or the \
                 Head of Service of the services in scope",
            ),
            NotTheirDecision::AllServices => {
                f.write_str("a restriction on every service is decided by the complaints manager")
            }
            NotTheirDecision::OutsideTheirServices(services) => write!(
                f,
                "you are not Head of Service of every service in scope: {}",
                services.join(", ")
            ),
        }
    }
}

/// Whether `who` may decide (or review) a restriction reaching `reach`: the complaints
/// manager any; a Head of Service one whose services in scope they all head.
pub fn may_decide(who: &DecisionMaker<'_>, reach: &Reach) -> Result<(), NotTheirDecision> {
    match who {
        DecisionMaker::ComplaintsManager => Ok(()),
        DecisionMaker::Other => Err(NotTheirDecision::NotSenior),
        DecisionMaker::HeadOfService(theirs) => {
            if reach.scope == Scope::AllServices {
                return Err(NotTheirDecision::AllServices);
            }
            let outside: Vec<String> = reach
                .services_in_scope()
                .into_iter()
                .filter(|s| !theirs.contains(s))
                .collect();
            if outside.is_empty() {
                Ok(())
            } else {
                Err(NotTheirDecision::OutsideTheirServices(outside))
            }
        }
    }
}

/// A restriction as asked for, as far as its rules go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposed {
    pub restriction_type: RestrictionType,
    pub scope: Scope,
    /// How many services or matter cases were listed.
    pub listed: usize,
    pub contact_officer: bool,
    pub contact_limit: bool,
    pub warned_on: Option<NaiveDate>,
    pub no_warning_reason: bool,
    pub starts_on: NaiveDate,
    pub review_on: NaiveDate,
    pub told_on: NaiveDate,
    /// The day it is decided.
    pub today: NaiveDate,
}

/// A rule a proposed restriction breaks: the field at fault and why.
pub type Fault = (&'static str, &'static str);

/// The rules a restriction's own values must keep:
/// - a single point of contact names the officer; limited calls state the limit;
/// - no further correspondence is on a matter (its cases);
/// - a list scope lists something;
/// - a warning comes first (dated on or before the start), unless the reason there was none is
///   recorded (the LGSCO: a warning "usually" comes first, so it may be skipped, with a reason);
/// - the review date is after the start; the person is told on or before the start.
pub fn check(p: &Proposed) -> Vec<Fault> {
    let mut faults = Vec::new();
    if p.restriction_type == RestrictionType::SinglePointOfContact && !p.contact_officer {
        faults.push((
            "contact_officer",
            "name the officer (their staff id) who is the single point of contact",
        ));
    }
    if p.restriction_type == RestrictionType::LimitedCalls && !p.contact_limit {
        faults.push((
            "contact_limit",
            "state the limit on calls (how often, or how long)",
        ));
    }
    if p.restriction_type == RestrictionType::NoFurtherCorrespondence && p.scope != Scope::Matter {
        faults.push((
            "scope",
            "no further correspondence is on a matter: scope matter, with its cases",
        ));
    }
    if p.scope != Scope::AllServices && p.listed == 0 {
        faults.push(match p.scope {
            Scope::Matter => ("matter", "list the matter's case references"),
            _ => ("services", "list the services in scope"),
        });
    }
    if p.scope == Scope::AllServices && p.listed > 0 {
        faults.push((
            "scope",
            "a restriction on all services lists no services or cases",
        ));
    }
    match p.warned_on {
        Some(warned) if warned > p.starts_on => faults.push((
            "warning.given_on",
            "the warning comes before the restriction starts",
        )),
        Some(_) if p.no_warning_reason => faults.push((
            "no_warning_reason",
            "a warning was given: leave out the reason for not giving one",
        )),
        Some(_) => {}
        None if !p.no_warning_reason => faults.push((
            "warning",
            "a warning usually comes first: give its date, or the reason none was given \
             (no_warning_reason)",
        )),
        None => {}
    }
    if p.review_on <= p.starts_on {
        faults.push(("review_on", "the review date is after the start date"));
    }
    if p.told_on > p.today {
        faults.push((
            "told_on",
            "is the day the person was told: today (the notice goes now) or earlier",
        ));
    } else if p.told_on > p.starts_on {
        faults.push((
            "told_on",
            "the person is told on or before the day the restriction starts",
        ));
    }
    faults
}

/// Why a review cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewRefusal {
    /// Lifted already: a new restriction is a new decision.
    LiftedAlready,
    /// An extension gives its reasons.
    NoReasons,
    /// An extension gives a new review date.
    NoNewDate,
    /// The new review date is after the current one and after today.
    NewDateTooEarly(NaiveDate),
}

impl ReviewRefusal {
    /// The field at fault, and whether it is a value sent (422) rather than the restriction's
    /// state (409).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ReviewRefusal::LiftedAlready => None,
            ReviewRefusal::NoReasons => Some("reasons"),
            ReviewRefusal::NoNewDate | ReviewRefusal::NewDateTooEarly(_) => Some("new_review_on"),
        }
    }
}

impl std::fmt::Display for ReviewRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReviewRefusal::LiftedAlready => {
                f.write_str("the restriction was lifted already: a new one is a new decision")
            }
            ReviewRefusal::NoReasons => f.write_str("give the reasons to extend the restriction"),
            ReviewRefusal::NoNewDate => f.write_str("give the new review date"),
            ReviewRefusal::NewDateTooEarly(after) => {
                write!(f, "the new review date must be after {after}")
            }
        }
    }
}

/// Whether a review of a restriction reviewed next on `review_on` may decide `outcome` on
/// `today`. An expired restriction may still be extended (a late review): it applies again
/// from the extension.
pub fn check_review(
    lifted: bool,
    review_on: NaiveDate,
    today: NaiveDate,
    outcome: ReviewOutcome,
    reasons: bool,
    new_review_on: Option<NaiveDate>,
) -> Result<(), ReviewRefusal> {
    if lifted {
        return Err(ReviewRefusal::LiftedAlready);
    }
    if outcome == ReviewOutcome::Extend {
        if !reasons {
            return Err(ReviewRefusal::NoReasons);
        }
        let after = review_on.max(today);
        match new_review_on {
            None => return Err(ReviewRefusal::NoNewDate),
            Some(date) if date <= after => return Err(ReviewRefusal::NewDateTooEarly(after)),
            Some(_) => {}
        }
    }
    Ok(())
}

/// Whether contact under this type must be read for new issues before its case can close:
/// no further correspondence on a matter (the LGSCO: contact is still read for new issues or
/// safeguarding concerns).
pub fn needs_new_issue_review(restriction_type: RestrictionType) -> bool {
    restriction_type == RestrictionType::NoFurtherCorrespondence
}

/// Whether restricted contact on a case still waits to be read for new issues: contact that
/// needs it (`arrived`, when each came) came after the last reading, or there was none.
pub fn new_issue_review_owed(
    arrived: &[NaiveDateTime],
    last_reading: Option<NaiveDateTime>,
) -> bool {
    arrived
        .iter()
        .any(|at| last_reading.is_none_or(|read| *at > read))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    fn proposed() -> Proposed {
        Proposed {
            restriction_type: RestrictionType::WrittenContactOnly,
            scope: Scope::Services,
            listed: 1,
            contact_officer: false,
            contact_limit: false,
            warned_on: Some(date("2026-11-20")),
            no_warning_reason: false,
            starts_on: date("2026-12-01"),
            review_on: date("2027-03-01"),
            told_on: date("2026-12-01"),
            today: date("2026-12-01"),
        }
    }

    #[test]
    fn a_restriction_applies_from_its_start_to_its_review_date_inclusive_unless_lifted() {
        let (start, review) = (date("2026-12-01"), date("2027-03-01"));
        assert_eq!(
            status(start, review, false, date("2026-11-30")),
            RestrictionStatus::Scheduled
        );
        assert_eq!(
            status(start, review, false, start),
            RestrictionStatus::InForce
        );
        assert_eq!(
            status(start, review, false, review),
            RestrictionStatus::InForce
        );
        assert_eq!(
            status(start, review, false, date("2027-03-02")),
            RestrictionStatus::Expired
        );
        assert_eq!(
            status(start, review, true, date("2026-12-15")),
            RestrictionStatus::Lifted
        );
    }

    #[test]
    fn a_well_formed_restriction_breaks_no_rule() {
        assert_eq!(check(&proposed()), vec![]);
    }

    #[test]
    fn a_warning_usually_comes_first_and_its_absence_needs_a_reason() {
        let unwarned = Proposed {
            warned_on: None,
            ..proposed()
        };
        assert_eq!(check(&unwarned)[0].0, "warning");
        let explained = Proposed {
            no_warning_reason: true,
            ..unwarned
        };
        assert_eq!(check(&explained), vec![]);
        let late = Proposed {
            warned_on: Some(date("2026-12-02")),
            ..proposed()
        };
        assert_eq!(check(&late)[0].0, "warning.given_on");
    }

    #[test]
    fn each_type_states_what_it_needs_and_no_further_correspondence_is_on_a_matter() {
        let spoc = Proposed {
            restriction_type: RestrictionType::SinglePointOfContact,
            ..proposed()
        };
        assert_eq!(check(&spoc)[0].0, "contact_officer");
        let calls = Proposed {
            restriction_type: RestrictionType::LimitedCalls,
            ..proposed()
        };
        assert_eq!(check(&calls)[0].0, "contact_limit");
        let nfc = Proposed {
            restriction_type: RestrictionType::NoFurtherCorrespondence,
            ..proposed()
        };
        assert_eq!(check(&nfc)[0].0, "scope");
        let on_matter = Proposed {
            scope: Scope::Matter,
            ..nfc
        };
        assert_eq!(check(&on_matter), vec![]);
    }

    #[test]
    fn the_review_date_follows_the_start() {
        let same_day = Proposed {
            review_on: date("2026-12-01"),
            ..proposed()
        };
        assert_eq!(check(&same_day)[0].0, "review_on");
        let told_later = Proposed {
            told_on: date("2026-12-02"),
            ..proposed()
        };
        assert_eq!(check(&told_later)[0].0, "told_on");
    }

    #[test]
    fn contact_waits_for_a_reading_until_one_comes_after_it() {
        let at =
            |t: &str| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M").expect("instant");
        assert!(!new_issue_review_owed(&[], None));
        assert!(new_issue_review_owed(&[at("2026-12-01 09:00")], None));
        assert!(!new_issue_review_owed(
            &[at("2026-12-01 09:00")],
            Some(at("2026-12-01 10:00"))
        ));
        assert!(new_issue_review_owed(
            &[at("2026-12-01 09:00"), at("2026-12-02 09:00")],
            Some(at("2026-12-01 10:00"))
        ));
    }

    fn reach(scope: Scope) -> Reach {
        Reach {
            scope,
            services: vec!["waste-care".into()],
            matter: vec![(7, "housing".into()), (9, "waste-care".into())],
        }
    }

    #[test]
    fn only_the_manager_or_a_head_of_every_service_in_scope_decides() {
        let mine = vec!["waste-care".to_string()];
        let services = reach(Scope::Services);
        assert_eq!(
            may_decide(
                &DecisionMaker::ComplaintsManager,
                &reach(Scope::AllServices)
            ),
            Ok(())
        );
        assert_eq!(
            may_decide(&DecisionMaker::Other, &services),
            Err(NotTheirDecision::NotSenior)
        );
        assert_eq!(
            may_decide(&DecisionMaker::HeadOfService(&mine), &services),
            Ok(())
        );
        assert_eq!(
            may_decide(
                &DecisionMaker::HeadOfService(&mine),
                &reach(Scope::AllServices)
            ),
            Err(NotTheirDecision::AllServices)
        );
        // A matter across two services: the Head of one of them is not enough.
        assert_eq!(
            may_decide(&DecisionMaker::HeadOfService(&mine), &reach(Scope::Matter)),
            Err(NotTheirDecision::OutsideTheirServices(vec![
                "housing".into()
            ]))
        );
    }

    #[test]
    fn a_matter_covers_its_cases_and_new_cases_of_their_services() {
        let matter = Reach {
            services: vec![],
            ..reach(Scope::Matter)
        };
        assert!(matter.covers(7, "housing"));
        assert!(matter.covers(100, "waste-care"));
        assert!(!matter.covers(100, "parking"));
        assert!(matter.names_any(&[3, 9]));
        assert!(!matter.names_any(&[3]));
        assert!(reach(Scope::AllServices).covers(1, "anything"));
        assert!(!reach(Scope::Services).covers(1, "housing"));
    }

    #[test]
    fn a_review_lifts_or_extends_with_reasons_to_a_later_date() {
        let review = date("2027-03-01");
        let today = date("2027-02-26");
        assert_eq!(
            check_review(false, review, today, ReviewOutcome::Lift, false, None),
            Ok(())
        );
        assert_eq!(
            check_review(true, review, today, ReviewOutcome::Lift, false, None),
            Err(ReviewRefusal::LiftedAlready)
        );
        assert_eq!(
            check_review(false, review, today, ReviewOutcome::Extend, false, None),
            Err(ReviewRefusal::NoReasons)
        );
        assert_eq!(
            check_review(false, review, today, ReviewOutcome::Extend, true, None),
            Err(ReviewRefusal::NoNewDate)
        );
        assert_eq!(
            check_review(
                false,
                review,
                today,
                ReviewOutcome::Extend,
                true,
                Some(review)
            ),
            Err(ReviewRefusal::NewDateTooEarly(review))
        );
        assert_eq!(
            check_review(
                false,
                review,
                today,
                ReviewOutcome::Extend,
                true,
                Some(date("2027-06-01"))
            ),
            Ok(())
        );
    }

    #[test]
    fn only_no_further_correspondence_needs_contact_read_for_new_issues_before_closing() {
        for t in RestrictionType::ALL {
            assert_eq!(
                needs_new_issue_review(*t),
                *t == RestrictionType::NoFurtherCorrespondence
            );
        }
    }
}

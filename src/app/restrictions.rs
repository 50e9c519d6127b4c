//! Restrictions on unreasonable behaviour (issue 14 §3-4): decided on a person by the
//! complaints manager or the Head of Service of every service in scope, with a notice to the
//! person; reviewed (lifted, or extended with reasons); and enforced at intake: contact from a
//! restricted person in scope is recorded, flagged `restricted_contact` and routed, never
//! dropped. The restriction's own events and its review alerts go on the timeline of the case
//! it arose from (the request names it), as a learning action's go on its first case.
//!
//! Routing: where a restriction names a single point of contact, the officer becomes the
//! case's investigator the way the case already records one: a case waiting for triage is put
//! in their work queue (`GET /cases?investigator=`), and the stage that triage opens is
//! assigned to them (`assigned`, by the system); a case whose stage has no investigator yet is
//! assigned at once. A case someone already investigates keeps its investigator: the flag
//! refers it to the officer instead.

use chrono::{NaiveDate, NaiveDateTime};

use super::alerts::SYSTEM_SUBJECT;
use super::lifecycle::record;
use super::{cases, AppError};
use crate::auth::Caller;
use crate::db::cases::CaseRow;
use crate::db::events::{self, NewEvent};
use crate::db::flags::{self, FlagRow};
use crate::db::people::PersonRow;
use crate::db::restrictions::{
    self as repo, ContactRow, NewIssueReviewRow, RestrictionRow, ReviewRow,
};
use crate::db::DbConnection;
use crate::domain::case::events::CaseEvent;
use crate::domain::case::{ActorRole, Role};
use crate::domain::clock::uk_date;
use crate::domain::flag::Flag;
use crate::domain::restriction::{
    self as rules, Behaviour, ContactVia, DecisionMaker, Reach, RestrictionStatus, RestrictionType,
    ReviewOutcome, Scope,
};
use crate::error::FieldError;
use crate::letters::Templates;

/// A restriction as the decision maker asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRestriction {
    /// The case it arose from: one of the person's.
    pub case: String,
    pub restriction_type: RestrictionType,
    pub contact_officer: Option<String>,
    pub contact_limit: Option<String>,
    pub scope: Scope,
    pub services: Vec<String>,
    pub matter: Vec<String>,
    /// Each behaviour seen, with its evidence.
    pub behaviours: Vec<(Behaviour, String)>,
    pub warned_on: Option<NaiveDate>,
    pub warning: Option<String>,
    pub no_warning_reason: Option<String>,
    pub proportionality: String,
    /// Today when not given.
    pub starts_on: Option<NaiveDate>,
    pub review_on: NaiveDate,
    /// Today when not given (the notice goes now).
    pub told_on: Option<NaiveDate>,
}

/// A behaviour seen, as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Seen {
    pub behaviour: Behaviour,
    pub evidence: String,
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("there is no person {id} that you can see"))
}

/// The person whose restrictions are asked about, as staff may see them; customers and
/// partners never see restriction records (not found, as if there were none). A person merged
/// into another is read as the one kept: their restrictions went with the merge.
fn person_for(conn: &mut DbConnection, caller: &Caller, id: i64) -> Result<PersonRow, AppError> {
    if !caller.is_staff() {
        return Err(not_found(id));
    }
    let person = super::people::find(conn, caller, id)?;
    match person.merged_into {
        Some(kept) => crate::db::people::find(conn, kept)?.ok_or_else(|| not_found(id)),
        None => Ok(person),
    }
}

fn decision_maker(caller: &Caller) -> DecisionMaker<'_> {
    if caller.has(Role::ComplaintsManager) {
        DecisionMaker::ComplaintsManager
    } else if caller.has(Role::HeadOfService) {
        DecisionMaker::HeadOfService(&caller.services)
    } else {
        DecisionMaker::Other
    }
}

fn json_list<T: serde::de::DeserializeOwned>(text: &str) -> Result<Vec<T>, AppError> {
    serde_json::from_str(text).map_err(|e| AppError::Internal(format!("a stored list: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(e.to_string()))
}

/// What a restriction lists, read from its JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lists {
    pub services: Vec<String>,
    /// The matter's case references.
    pub matter: Vec<String>,
    pub behaviours: Vec<Seen>,
}

/// The restriction's services, matter references and behaviours.
pub fn lists(row: &RestrictionRow) -> Result<Lists, AppError> {
    Ok(Lists {
        services: json_list(&row.services)?,
        matter: json_list(&row.matter)?,
        behaviours: json_list(&row.behaviours)?,
    })
}

/// What a stored restriction reaches.
fn reach_of(conn: &mut DbConnection, row: &RestrictionRow) -> Result<Reach, AppError> {
    let Lists {
        services, matter, ..
    } = lists(row)?;
    let mut cases = Vec::new();
    for reference in matter {
        if let Some(case) = crate::db::cases::find_by_reference(conn, &reference)? {
            cases.push((case.id, case.service_id));
        }
    }
    Ok(Reach {
        scope: row.scope,
        services,
        matter: cases,
    })
}

/// Where the restriction stands at `now`.
pub fn status_at(row: &RestrictionRow, now: NaiveDateTime) -> RestrictionStatus {
    rules::status(
        row.starts_on,
        row.review_on,
        row.lifted_at.is_some_and(|at| at <= now),
        uk_date(now),
    )
}

/// The complaints manager, or the Head of Service of every service in scope, restricts how
/// person `person_id` may contact the council. Recorded with its warning, on the timeline of
/// the case it arose from (`restriction_warning_recorded`, `restriction_decided`), its notice
/// written to the person (`restriction_notice_sent`), its review date put on record for the
/// scheduler. Gives the restriction.
pub fn decide(
    conn: &mut DbConnection,
    templates: &Templates,
    now: NaiveDateTime,
    caller: &Caller,
    person_id: i64,
    new: &NewRestriction,
) -> Result<RestrictionRow, AppError> {
    let person = person_for(conn, caller, person_id)?;
    let who = decision_maker(caller);
    if who == DecisionMaker::Other {
        return Err(AppError::Forbidden(
            rules::NotTheirDecision::NotSenior.to_string(),
        ));
    }
    let mut errors = Vec::new();
    // The case it arose from, and the matter's cases: this person's cases the caller sees.
    let persons_case = |conn: &mut DbConnection,
                        reference: &str,
                        field: String,
                        errors: &mut Vec<FieldError>|
     -> Result<Option<CaseRow>, AppError> {
        let case = match cases::find(conn, reference, caller, true) {
            Ok(case) => case,
            Err(AppError::NotFound(_) | AppError::Forbidden(_)) => {
                errors.push(FieldError::new(field, "is not a case reference"));
                return Ok(None);
            }
            Err(other) => return Err(other),
        };
        let (customer, ..) = crate::db::people::of_case(conn, case.id)?;
        if customer != Some(person.id) {
            errors.push(FieldError::new(field, "is not a case of this person's"));
            return Ok(None);
        }
        Ok(Some(case))
    };
    let anchor = persons_case(conn, &new.case, "case".into(), &mut errors)?;
    let mut matter = Vec::new();
    for (i, reference) in new.matter.iter().enumerate() {
        if let Some(case) = persons_case(conn, reference, format!("matter[{i}]"), &mut errors)? {
            if !matter.iter().any(|(id, _)| *id == case.id) {
                matter.push((case.id, case.service_id));
            }
        }
    }
    for (i, service) in new.services.iter().enumerate() {
        if crate::db::services::find(conn, service)?.is_none() {
            errors.push(FieldError::new(
                format!("services[{i}]"),
                "is not a known service",
            ));
        }
    }
    let today = uk_date(now);
    let starts_on = new.starts_on.unwrap_or(today);
    let told_on = new.told_on.unwrap_or(today);
    let proposed = rules::Proposed {
        restriction_type: new.restriction_type,
        scope: new.scope,
        listed: new.services.len() + new.matter.len(),
        contact_officer: new.contact_officer.is_some(),
        contact_limit: new.contact_limit.is_some(),
        warned_on: new.warned_on,
        no_warning_reason: new.no_warning_reason.is_some(),
        starts_on,
        review_on: new.review_on,
        told_on,
        today,
    };
    errors.extend(
        rules::check(&proposed)
            .into_iter()
            .map(|(field, message)| FieldError::new(field, message)),
    );
    let Some(anchor) = anchor.filter(|_| errors.is_empty()) else {
        errors.sort_by(|a, b| a.field.cmp(&b.field));
        return Err(AppError::Invalid(errors));
    };
    let reach = Reach {
        scope: new.scope,
        services: new.services.clone(),
        matter,
    };
    rules::may_decide(&who, &reach).map_err(|refusal| AppError::Forbidden(refusal.to_string()))?;
    let behaviours: Vec<Seen> = new
        .behaviours
        .iter()
        .map(|(behaviour, evidence)| Seen {
            behaviour: *behaviour,
            evidence: evidence.trim().to_string(),
        })
        .collect();
    let mut services = new.services.clone();
    services.dedup();
    let row = repo::insert(
        conn,
        &RestrictionRow {
            id: 0,
            person_id: person.id,
            case_id: anchor.id,
            restriction_type: new.restriction_type,
            contact_officer: new.contact_officer.clone(),
            contact_limit: new.contact_limit.clone(),
            scope: new.scope,
            services: to_json(&services)?,
            matter: to_json(&new.matter)?,
            behaviours: to_json(&behaviours)?,
            warned_on: new.warned_on,
            warning: new.warning.clone(),
            no_warning_reason: new.no_warning_reason.clone(),
            proportionality: new.proportionality.trim().to_string(),
            decided_by: caller.subject.clone(),
            decided_by_role: caller.acting_role(),
            decided_at: now,
            starts_on,
            review_on: new.review_on,
            told_on,
            letter_id: None,
            lifted_at: None,
            version: 1,
            updated_at: now,
        },
    )?;
    if let Some(given_on) = new.warned_on {
        record(
            conn,
            anchor.id,
            caller,
            now,
            &CaseEvent::RestrictionWarningRecorded {
                restriction: row.id,
                person_id: person.id,
                given_on,
            },
        )?;
    }
    record(
        conn,
        anchor.id,
        caller,
        now,
        &CaseEvent::RestrictionDecided {
            restriction: row.id,
            person_id: person.id,
            restriction_type: row.restriction_type,
            scope: row.scope,
            starts_on,
            review_on: row.review_on,
            decided_by: caller.subject.clone(),
            warned: new.warned_on.is_some(),
        },
    )?;
    let mut service_names = Vec::new();
    for service in &services {
        if let Some(found) = crate::db::services::find(conn, service)? {
            service_names.push(found.name);
        }
    }
    let letter = super::letters::restriction_notice(
        conn,
        templates,
        now,
        &anchor,
        &super::letters::RestrictionNotice {
            restriction_type: row.restriction_type,
            behaviours: behaviours.iter().map(|b| b.behaviour).collect(),
            contact_officer: row.contact_officer.clone(),
            contact_limit: row.contact_limit.clone(),
            services: service_names,
            matter: new.matter.clone(),
            warned_on: row.warned_on,
            starts_on,
            review_on: row.review_on,
        },
    )?;
    repo::set_letter(conn, row.id, letter.id)?;
    record(
        conn,
        anchor.id,
        caller,
        now,
        &CaseEvent::RestrictionNoticeSent {
            restriction: row.id,
            letter: letter.id,
            told_on,
        },
    )?;
    super::alerts::sync_restriction(conn, row.id, anchor.id, row.review_on, false)?;
    Ok(RestrictionRow {
        letter_id: Some(letter.id),
        ..row
    })
}

/// A person's restrictions, newest first, for staff who may see the person.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    person_id: i64,
) -> Result<Vec<RestrictionRow>, AppError> {
    let person = person_for(conn, caller, person_id)?;
    Ok(repo::of_person(conn, person.id)?)
}

/// One of a person's restrictions, with its reviews.
pub fn find(
    conn: &mut DbConnection,
    caller: &Caller,
    person_id: i64,
    id: i64,
) -> Result<(RestrictionRow, Vec<ReviewRow>), AppError> {
    let person = person_for(conn, caller, person_id)?;
    let row = repo::find(conn, id)?
        .filter(|r| r.person_id == person.id)
        .ok_or_else(|| AppError::NotFound(format!("person {person_id} has no restriction {id}")))?;
    let reviews = repo::reviews_of(conn, row.id)?;
    Ok((row, reviews))
}

/// A review, as the decision maker sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub outcome: ReviewOutcome,
    pub reasons: Option<String>,
    pub new_review_on: Option<NaiveDate>,
}

/// The restriction is reviewed, by whoever may decide it: lifted (it stops applying at once),
/// or extended with reasons to a new review date. Recorded on the timeline of the case it
/// arose from, its review deadline moved or put to rest. Gives the restriction and its
/// reviews.
pub fn review(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    person_id: i64,
    id: i64,
    expected: i32,
    review: &Review,
) -> Result<(RestrictionRow, Vec<ReviewRow>), AppError> {
    let (row, _) = find(conn, caller, person_id, id)?;
    let reach = reach_of(conn, &row)?;
    rules::may_decide(&decision_maker(caller), &reach)
        .map_err(|refusal| AppError::Forbidden(refusal.to_string()))?;
    if row.version != expected {
        return Err(AppError::Stale { expected });
    }
    let reasons = review
        .reasons
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    rules::check_review(
        row.lifted_at.is_some(),
        row.review_on,
        uk_date(now),
        review.outcome,
        reasons.is_some(),
        review.new_review_on,
    )
    .map_err(|refusal| match refusal.field() {
        Some(field) => AppError::Invalid(vec![FieldError::new(field, refusal.to_string())]),
        None => AppError::Conflict {
            detail: refusal.to_string(),
            field: None,
        },
    })?;
    let (review_on, lifted_at) = match review.outcome {
        ReviewOutcome::Lift => (row.review_on, Some(now)),
        ReviewOutcome::Extend => (review.new_review_on.unwrap_or(row.review_on), None),
    };
    let updated = repo::reviewed(conn, row.id, expected, review_on, lifted_at, now)?
        .ok_or(AppError::Stale { expected })?;
    repo::insert_review(
        conn,
        &ReviewRow {
            id: 0,
            restriction_id: row.id,
            outcome: review.outcome,
            reasons: reasons.clone(),
            previous_review_on: row.review_on,
            new_review_on: (review.outcome == ReviewOutcome::Extend).then_some(review_on),
            reviewed_by: caller.subject.clone(),
            reviewed_at: now,
        },
    )?;
    let event = match review.outcome {
        ReviewOutcome::Lift => CaseEvent::RestrictionLifted {
            restriction: row.id,
            reasons,
        },
        ReviewOutcome::Extend => CaseEvent::RestrictionExtended {
            restriction: row.id,
            reasons: reasons.unwrap_or_default(),
            previous_review_on: row.review_on,
            new_review_on: review_on,
        },
    };
    record(conn, row.case_id, caller, now, &event)?;
    super::alerts::sync_restriction(
        conn,
        row.id,
        row.case_id,
        updated.review_on,
        updated.lifted_at.is_some(),
    )?;
    let reviews = repo::reviews_of(conn, row.id)?;
    Ok((updated, reviews))
}

/// The person's restrictions that apply at `now`, with what each reaches.
fn in_force(
    conn: &mut DbConnection,
    person_id: i64,
    now: NaiveDateTime,
) -> Result<Vec<(RestrictionRow, Reach)>, AppError> {
    let mut found = Vec::new();
    for row in repo::not_lifted(conn, person_id)? {
        if status_at(&row, now) == RestrictionStatus::InForce {
            let reach = reach_of(conn, &row)?;
            found.push((row, reach));
        }
    }
    Ok(found)
}

/// The person a case's customer is.
fn person_of(conn: &mut DbConnection, case_id: i64) -> Result<Option<i64>, AppError> {
    Ok(crate::db::people::of_case(conn, case_id)?.0)
}

/// Routes `case` to `officer` where nobody handles it yet (see the module's note). Whether it
/// was routed.
fn route(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    case: &CaseRow,
    officer: &str,
) -> Result<bool, AppError> {
    let stages = crate::db::stages::for_case(conn, case.id)?;
    match stages.last() {
        None => {
            let current = crate::db::cases::find(conn, case.id)?.and_then(|c| c.investigator);
            if current.is_some() {
                return Ok(false);
            }
            crate::db::cases::set_investigator(conn, case.id, Some(officer))?;
            Ok(true)
        }
        Some(stage) if stage.investigator.is_none() => {
            assign_stage(conn, now, case.id, stage.id, stage.stage, officer)?;
            Ok(true)
        }
        Some(_) => Ok(false),
    }
}

fn assign_stage(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    case_id: i64,
    stage_id: i64,
    stage: crate::domain::case::Stage,
    officer: &str,
) -> Result<(), AppError> {
    crate::db::stages::assign(conn, stage_id, officer, SYSTEM_SUBJECT, now)?;
    crate::db::cases::set_investigator(conn, case_id, Some(officer))?;
    events::append(
        conn,
        &NewEvent::of(
            case_id,
            SYSTEM_SUBJECT,
            ActorRole::System,
            now,
            &CaseEvent::Assigned {
                stage,
                investigator: officer.to_string(),
                previous_investigator: None,
            },
        ),
    )?;
    Ok(())
}

/// Records restricted contact on `case`: the contact row, the `restricted_contact` flag (once
/// a case, naming the restriction), the routing, and the `restricted_contact` event. Done by
/// the service itself, so recorded as the system.
fn record_contact(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    case: &CaseRow,
    restriction: &RestrictionRow,
    via: ContactVia,
    matter_case: Option<String>,
) -> Result<(), AppError> {
    let officer = restriction
        .contact_officer
        .clone()
        .filter(|_| restriction.restriction_type == RestrictionType::SinglePointOfContact);
    let routed_to = match &officer {
        Some(officer) if route(conn, now, case, officer)? => Some(officer.clone()),
        _ => None,
    };
    let needs_review = rules::needs_new_issue_review(restriction.restriction_type);
    repo::insert_contact(
        conn,
        &ContactRow {
            id: 0,
            case_id: case.id,
            restriction_id: restriction.id,
            via,
            routed_to: routed_to.clone(),
            needs_review,
            recorded_at: now,
        },
    )?;
    let flagged = flags::for_case(conn, case.id)?
        .iter()
        .any(|f| f.flag == Flag::RestrictedContact);
    let system =
        |event: &CaseEvent| NewEvent::of(case.id, SYSTEM_SUBJECT, ActorRole::System, now, event);
    if !flagged {
        let referred_to = officer.clone().unwrap_or_else(|| case.service_id.clone());
        let referred_on = uk_date(now);
        let mut note = format!(
            "restriction {} ({}) on this person applies: record the contact and read it for \
             new issues or safeguarding concerns",
            restriction.id,
            restriction.restriction_type.as_str().replace('_', " ")
        );
        if needs_review {
            note.push_str(
                "; record that reading (POST /api/v1/cases/{reference}/new-issue-review) \
                 before the case is closed",
            );
        }
        flags::insert(
            conn,
            &FlagRow {
                id: 0,
                case_id: case.id,
                flag: Flag::RestrictedContact,
                referred_to: referred_to.clone(),
                referred_on,
                note: Some(note),
                recorded_by: SYSTEM_SUBJECT.to_string(),
                recorded_at: now,
            },
        )?;
        events::append(
            conn,
            &system(&CaseEvent::Flagged {
                flag: Flag::RestrictedContact.as_str().into(),
                referred_to: Some(referred_to),
                referred_on,
            }),
        )?;
    }
    events::append(
        conn,
        &system(&CaseEvent::RestrictedContact {
            restriction: restriction.id,
            restriction_type: restriction.restriction_type,
            via,
            routed_to,
            matter_case,
            needs_new_issue_review: needs_review,
        }),
    )?;
    Ok(())
}

/// Enforcement at intake: a case just logged for person `person_id` is checked against the
/// person's restrictions in force; each one in scope records the contact (flagged, routed).
/// The case is logged whatever they say: never dropped. Whether any applied.
pub fn on_new_case(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    case: &CaseRow,
    person_id: Option<i64>,
) -> Result<bool, AppError> {
    let Some(person_id) = person_id else {
        return Ok(false);
    };
    let mut applied = false;
    for (restriction, reach) in in_force(conn, person_id, now)? {
        if reach.covers(case.id, &case.service_id) {
            record_contact(conn, now, case, &restriction, ContactVia::NewCase, None)?;
            applied = true;
        }
    }
    Ok(applied)
}

/// Enforcement of correspondence reaching `case` from its customer: as [`on_new_case`].
pub fn on_correspondence(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    case: &CaseRow,
) -> Result<(), AppError> {
    let Some(person_id) = person_of(conn, case.id)? else {
        return Ok(());
    };
    for (restriction, reach) in in_force(conn, person_id, now)? {
        if reach.covers(case.id, &case.service_id) {
            record_contact(
                conn,
                now,
                case,
                &restriction,
                ContactVia::Correspondence,
                None,
            )?;
        }
    }
    Ok(())
}

/// `case` was found to be about a matter under restriction: staff linked it to, or intake
/// found it a duplicate of, one of `other_case_ids`. For each restriction in force on its
/// customer whose matter names one of them, the contact is recorded on `case` (flagged,
/// routed; under no further correspondence it waits for a new-issue review before it can be
/// closed). Gives the restrictions that applied.
///
/// This is the function the duplicate detection at intake calls (`via` duplicate).
pub fn matter_contact(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    case: &CaseRow,
    other_case_ids: &[i64],
) -> Result<Vec<i64>, AppError> {
    matter_contact_via(conn, now, case, other_case_ids, ContactVia::Duplicate)
}

/// As [`matter_contact`], for a link staff made between `case` and `other` (both ways: either
/// may be the new contact about the other's matter).
pub fn linked(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    case: &CaseRow,
    other: &CaseRow,
) -> Result<(), AppError> {
    matter_contact_via(conn, now, case, &[other.id], ContactVia::Link)?;
    matter_contact_via(conn, now, other, &[case.id], ContactVia::Link)?;
    Ok(())
}

fn matter_contact_via(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    case: &CaseRow,
    other_case_ids: &[i64],
    via: ContactVia,
) -> Result<Vec<i64>, AppError> {
    let Some(person_id) = person_of(conn, case.id)? else {
        return Ok(vec![]);
    };
    matter_contact_of(conn, now, case, person_id, other_case_ids, via)
}

/// As [`matter_contact`], for intake, which knows the case's person already.
pub fn matter_contact_at_intake(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    case: &CaseRow,
    person_id: i64,
    other_case_ids: &[i64],
) -> Result<Vec<i64>, AppError> {
    matter_contact_of(
        conn,
        now,
        case,
        person_id,
        other_case_ids,
        ContactVia::Duplicate,
    )
}

fn matter_contact_of(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    case: &CaseRow,
    person_id: i64,
    other_case_ids: &[i64],
    via: ContactVia,
) -> Result<Vec<i64>, AppError> {
    let mut applied = Vec::new();
    for (restriction, reach) in in_force(conn, person_id, now)? {
        // A matter's own case is not new contact about it.
        if !reach.names_any(other_case_ids) || reach.names_any(&[case.id]) {
            continue;
        }
        let named = reach
            .matter
            .iter()
            .find(|(id, _)| other_case_ids.contains(id))
            .map(|(id, _)| *id);
        let matter_case = match named {
            Some(id) => crate::db::cases::find(conn, id)?.map(|c| c.reference),
            None => None,
        };
        record_contact(conn, now, case, &restriction, via, matter_case)?;
        applied.push(restriction.id);
    }
    Ok(applied)
}

/// When triage opens a case's stage: a case routed to a single point of contact while it
/// waited is assigned to them (see the module's note).
pub fn route_opened_stage(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    case_id: i64,
) -> Result<(), AppError> {
    let Some(officer) = repo::contacts_on(conn, case_id)?
        .into_iter()
        .rev()
        .find_map(|c| c.routed_to)
    else {
        return Ok(());
    };
    let stages = crate::db::stages::for_case(conn, case_id)?;
    if let Some(stage) = stages.last().filter(|s| s.investigator.is_none()) {
        assign_stage(conn, now, case_id, stage.id, stage.stage, &officer)?;
    }
    Ok(())
}

/// Whether restricted contact on the case still waits to be read for new issues.
pub fn new_issue_review_owed(conn: &mut DbConnection, case_id: i64) -> Result<bool, AppError> {
    let arrived: Vec<NaiveDateTime> = repo::contacts_on(conn, case_id)?
        .into_iter()
        .filter(|c| c.needs_review)
        .map(|c| c.recorded_at)
        .collect();
    if arrived.is_empty() {
        return Ok(false);
    }
    let last = repo::last_new_issue_review(conn, case_id)?;
    Ok(rules::new_issue_review_owed(&arrived, last))
}

/// What staff found reading restricted contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIssueReading {
    pub new_issues: bool,
    pub safeguarding_concern: bool,
    pub notes: String,
}

/// Staff record that they read the restricted contact on case `reference` for new issues or
/// safeguarding concerns, and what they found: the case may then be closed or triaged out. A
/// case with no restricted contact has nothing to read (409). Gives the case as it now is.
pub fn review_new_issues(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    reading: &NewIssueReading,
) -> Result<CaseRow, AppError> {
    let case = cases::changing(conn, reference, caller, expected)?;
    if repo::contacts_on(conn, case.id)?.is_empty() {
        return Err(AppError::Conflict {
            detail: "the case holds no contact from a restricted person: there is nothing to \
                     read for new issues"
                .into(),
            field: None,
        });
    }
    let case = cases::claim_version(conn, &case, expected, now)?;
    repo::insert_new_issue_review(
        conn,
        &NewIssueReviewRow {
            id: 0,
            case_id: case.id,
            new_issues: reading.new_issues,
            safeguarding_concern: reading.safeguarding_concern,
            notes: reading.notes.trim().to_string(),
            reviewed_by: caller.subject.clone(),
            reviewed_at: now,
        },
    )?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::NewIssuesReviewed {
            new_issues: reading.new_issues,
            safeguarding_concern: reading.safeguarding_concern,
            notes: reading.notes.trim().to_string(),
        },
    )?;
    Ok(case)
}

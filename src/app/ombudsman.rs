//! The Ombudsman's use cases: the referral of an answered complaint, and the Ombudsman's
//! decision on it. Each asks [`crate::domain::case::lifecycle::step`] whether the case may,
//! in the caller's transaction.

use chrono::{NaiveDate, NaiveDateTime};

use super::cases::{self, Changed};
use super::lifecycle::record;
use super::AppError;
use crate::auth::Caller;
use crate::db::cases::{CaseRow, Claim};
use crate::db::ombudsman::{self as referrals, ReferralRow};
use crate::db::DbConnection;
use crate::domain::case::events::CaseEvent;
use crate::domain::case::lifecycle::{self, Command};
use crate::domain::case::Stage;
use crate::domain::ombudsman::{OmbudsmanBody, OmbudsmanDecision};
use crate::error::FieldError;

/// A referral, as the complaints manager recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    pub body: OmbudsmanBody,
    /// The Ombudsman's own reference, as sent: stored trimmed, recorded in the event as sent.
    pub their_reference: String,
    /// When the Ombudsman told the council of the complaint.
    pub referred_on: NaiveDate,
}

/// The customer took an answered complaint to the Ombudsman: the referral is recorded once,
/// and the case moves to the `ombudsman` stage. Gives the case as it now is.
pub fn refer(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    referral: &Referral,
) -> Result<Changed, AppError> {
    let case = cases::changing(conn, reference, caller, expected)?;
    let (stages, mut state) = cases::with_stages(conn, &case)?;
    state.referred_to_ombudsman = referrals::for_case(conn, case.id)?.is_some();
    lifecycle::step(&state, Command::ReferToOmbudsman)?;
    let case = cases::claim(
        conn,
        &case,
        expected,
        now,
        &Claim {
            stage: Some(Some(Stage::Ombudsman)),
            ..Claim::default()
        },
    )?;
    referrals::insert(
        conn,
        &ReferralRow {
            id: 0,
            case_id: case.id,
            body: referral.body,
            their_reference: referral.their_reference.trim().to_string(),
            referred_on: referral.referred_on,
            information_requested_on: None,
            information_provided_on: None,
            decision: None,
            decided_on: None,
            recommendations: "[]".into(),
            recorded_by: caller.subject.clone(),
            created_at: now,
        },
    )?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::ReferredToOmbudsman {
            body: referral.body.as_str().into(),
            their_reference: Some(referral.their_reference.clone()),
            referred_on: referral.referred_on,
        },
    )?;
    Ok(Changed::with(case, stages))
}

/// The Ombudsman's decision, as the complaints manager recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub decision: OmbudsmanDecision,
    pub decided_on: NaiveDate,
    pub information_requested_on: Option<NaiveDate>,
    pub information_provided_on: Option<NaiveDate>,
    /// The recommendations as stored: a JSON array of their actions, due and compliance dates.
    pub recommendations: String,
}

/// The Ombudsman's decision on a referred complaint is recorded, or recorded again as the
/// council complies with the recommendations; it is not dated before the referral. Gives the
/// case as it now is.
pub fn record_decision(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    decision: &Decision,
) -> Result<CaseRow, AppError> {
    let case = cases::changing(conn, reference, caller, expected)?;
    // The command reads only whether the referral is recorded: the stages are not needed.
    let mut state = cases::state(&case, &[]);
    let referral = referrals::for_case(conn, case.id)?;
    state.referred_to_ombudsman = referral.is_some();
    lifecycle::step(&state, Command::RecordOmbudsmanDecision)?;
    let referral = referral
        .ok_or_else(|| AppError::Internal("the table allowed a decision unreferred".into()))?;
    if decision.decided_on < referral.referred_on {
        return Err(AppError::Invalid(vec![FieldError::new(
            "decided_on",
            "must not be before the referral",
        )]));
    }
    let case = cases::claim_version(conn, &case, expected, now)?;
    referrals::decide(
        conn,
        referral.id,
        decision.decision.as_str(),
        decision.decided_on,
        &decision.recommendations,
        decision.information_requested_on,
        decision.information_provided_on,
    )?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::OmbudsmanDecision {
            decision: decision.decision.as_str().into(),
            decided_on: decision.decided_on,
        },
    )?;
    Ok(case)
}

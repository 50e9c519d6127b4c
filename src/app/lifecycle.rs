//! The case's lifecycle use cases: each finds the case as the caller may, checks the version
//! it was asked against, asks [`crate::domain::case::lifecycle::step`], saves what changed and
//! appends the event, in the caller's transaction.

use chrono::{NaiveDate, NaiveDateTime};

use super::cases::{self, Changed};
use super::AppError;
use crate::auth::Caller;
use crate::db::cases::{CaseRow, Claim};
use crate::db::events::{self, NewEvent};
use crate::db::extensions::ExtensionRow;
use crate::db::responses::ResponseRow;
use crate::db::stages::{self, StageRow};
use crate::db::DbConnection;
use crate::domain::acknowledgement::AcknowledgementMethod;
use crate::domain::case::events::{Acknowledgement, Agreement, CaseEvent, Instant, TriageDetails};
use crate::domain::case::lifecycle::{self, CaseState, Command};
use crate::domain::case::{Kind, Outcome, Stage, Status};
use crate::domain::clock::uk_date;
use crate::domain::deadlines::{DeadlineError, Deadlines, StageStart};
use crate::domain::escalation::Ground;
use crate::domain::extension::{AgreementMethod, ExtensionDecision, ExtensionStatus};
use crate::domain::feedback::{self, Step};
use crate::domain::flag::Flag;
use crate::domain::fluency;
use crate::domain::performance::{stage_started, working_days_taken};
use crate::domain::remedy::RemedyStatus;
use crate::domain::response::ResponseStatus;
use crate::domain::survey::SurveyPolicy;
use crate::domain::triage::{Decision, Procedure};
use crate::error::FieldError;
use crate::letters::Templates;

pub use super::letters::Understanding;

/// Appends `event` to case `case_id`'s timeline, as done by `caller` at `at`.
pub fn record(
    conn: &mut DbConnection,
    case_id: i64,
    caller: &Caller,
    at: NaiveDateTime,
    event: &CaseEvent,
) -> Result<(), AppError> {
    events::append(
        conn,
        &NewEvent::of(case_id, &caller.subject, caller.acting_role(), at, event),
    )?;
    Ok(())
}

/// A request for stage 2, as the caller sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    /// Why the customer is still dissatisfied.
    pub reason: Option<String>,
    /// The grounds given, each once.
    pub grounds: Vec<Ground>,
    /// The complaints manager's reason to accept a request after the window.
    pub late_acceptance_reason: Option<String>,
}

/// Stage 2 is asked for at `now`: inside the policy's window, or later with the complaints
/// manager's reason; a complaint closed after its stage 1 response reopens. Stage 2 opens
/// with its acknowledgement due from the request. Gives the case as it now is.
pub fn escalate(
    conn: &mut DbConnection,
    deadlines: &Deadlines<'_>,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    request: &Escalation,
) -> Result<Changed, AppError> {
    let case = cases::changing(conn, reference, caller, expected)?;
    let (stages, state) = cases::with_stages(conn, &case)?;
    let today = uk_date(now);
    let next = lifecycle::step(
        &state,
        Command::Escalate {
            today,
            late_accepted: request.late_acceptance_reason.is_some(),
        },
    )?;
    let late = state
        .current
        .and_then(|stage_1| stage_1.window_closes)
        .filter(|closes| today > *closes);
    let acknowledgement_due = deadlines
        .stage_acknowledgement_due(Stage::Stage2, today)
        .map_err(|e| AppError::Internal(format!("stage 2 acknowledgement date: {e}")))?;
    let case = cases::claim(
        conn,
        &case,
        expected,
        now,
        &Claim {
            status: (next.status != state.status).then_some(next.status),
            stage: Some(Some(Stage::Stage2)),
            ..Claim::default()
        },
    )?;
    let grounds: Vec<String> = request
        .grounds
        .iter()
        .map(|g| g.as_str().to_string())
        .collect();
    let late_acceptance_reason = late.and(request.late_acceptance_reason.clone());
    let opened = stages::open(
        conn,
        &StageRow {
            requested_by: Some(caller.subject.clone()),
            request_grounds: Some(
                serde_json::to_string(&grounds).map_err(|e| AppError::Internal(e.to_string()))?,
            ),
            request_reason: request.reason.clone(),
            late_acceptance_reason: late_acceptance_reason.clone(),
            ..StageRow::opened(case.id, Stage::Stage2, now, acknowledgement_due)
        },
    )?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::Escalated {
            stage: Stage::Stage2,
            grounds,
            late: late.is_some(),
            reopened: next.reopens,
            late_acceptance_reason,
            acknowledgement_due,
        },
    )?;
    Ok(Changed::with_stage(case, stages, opened))
}

/// The complaints manager refuses a request for stage 2, with `reasons` (the customer asked
/// on `requested_on`, where given): the refusal goes on the timeline and its letter, with the
/// right to go to the Ombudsman, is written and sent; nothing else about the case moves.
#[allow(clippy::too_many_arguments)]
pub fn refuse_escalation(
    conn: &mut DbConnection,
    letters: &Templates,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    reasons: &str,
    requested_on: Option<NaiveDate>,
) -> Result<Changed, AppError> {
    let case = cases::changing(conn, reference, caller, expected)?;
    let (stages, state) = cases::with_stages(conn, &case)?;
    lifecycle::step(&state, Command::RefuseEscalation)?;
    let case = cases::claim_version(conn, &case, expected, now)?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::EscalationRefused {
            reasons: reasons.trim().to_string(),
            requested_on,
        },
    )?;
    super::letters::escalation_refused(conn, letters, now, &case, reasons)?;
    Ok(Changed::with(case, stages))
}

/// Moves a case as the lifecycle table allows `command`, and records the event `event`
/// builds from where it was, where it goes and what `facts` found: `facts` fills in what the
/// command reads beyond the case's row and stages. Gives the case as it now is.
#[allow(clippy::too_many_arguments)]
fn move_status<T>(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    case: CaseRow,
    expected: i32,
    command: Command,
    facts: impl FnOnce(&mut DbConnection, &CaseRow, &mut CaseState) -> Result<T, AppError>,
    event: impl FnOnce(Status, Status, T) -> CaseEvent,
) -> Result<Changed, AppError> {
    let (stages, mut state) = cases::with_stages(conn, &case)?;
    let found = facts(conn, &case, &mut state)?;
    let next = lifecycle::step(&state, command)?;
    let case = cases::claim(
        conn,
        &case,
        expected,
        now,
        &Claim {
            status: Some(next.status),
            ..Claim::default()
        },
    )?;
    record(
        conn,
        case.id,
        caller,
        now,
        &event(state.status, next.status, found),
    )?;
    Ok(Changed::with(case, stages))
}

/// The customer (or staff for them) withdraws a case still being handled.
pub fn withdraw(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    reason: Option<String>,
) -> Result<Changed, AppError> {
    let case = cases::changing(conn, reference, caller, expected)?;
    move_status(
        conn,
        now,
        caller,
        case,
        expected,
        Command::Withdraw,
        |_, _, _| Ok(()),
        |from, to, ()| CaseEvent::Withdrawn { from, to, reason },
    )
}

/// A closure, as the caller asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    pub reason: Option<String>,
    /// The complaints manager's reason to close with promised remedies outstanding.
    pub outstanding_remedies_reason: Option<String>,
}

/// A case whose handling is over closes; with promised remedies outstanding only with the
/// complaints manager's reason. A compliment or comment is first asked of its own table. A
/// complaint closed at a stage invites its customer to the satisfaction survey, in the same
/// transaction (see [`super::surveys::invite`]).
#[allow(clippy::too_many_arguments)]
pub fn close(
    conn: &mut DbConnection,
    survey: SurveyPolicy,
    letters: &Templates,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    closure: Closure,
) -> Result<Changed, AppError> {
    let case = cases::changing(conn, reference, caller, expected)?;
    let state = cases::state(&case, &[]);
    let (from, stage) = (case.status, case.stage);
    if state.kind != Kind::Complaint {
        let handling = crate::db::feedback::find(conn, case.id)?;
        feedback::check(
            Step::Close,
            state.kind,
            state.status,
            case.response_requested,
            crate::db::feedback::handling(handling.as_ref()),
        )
        .map_err(|refusal| AppError::Conflict {
            detail: refusal.to_string(),
            field: None,
        })?;
    }
    let given = closure.outstanding_remedies_reason.is_some();
    let closed = move_status(
        conn,
        now,
        caller,
        case,
        expected,
        Command::Close {
            today: uk_date(now),
            remedies_reason: given,
        },
        |conn, case, state| {
            state.new_issue_review_owed =
                super::restrictions::new_issue_review_owed(conn, case.id)?;
            let outstanding: Vec<i64> = crate::db::remedies::for_case(conn, case.id)?
                .iter()
                .filter(|r| r.status == RemedyStatus::Promised)
                .map(|r| r.id)
                .collect();
            state.outstanding_remedies = outstanding.len();
            Ok(outstanding)
        },
        |from, to, outstanding| {
            let any = !outstanding.is_empty();
            CaseEvent::Closed {
                from,
                to,
                reason: closure.reason,
                outstanding_remedies: any.then_some(outstanding),
                outstanding_remedies_reason: closure.outstanding_remedies_reason.filter(|_| any),
            }
        },
    )?;
    super::surveys::invite(
        conn,
        survey,
        letters,
        now,
        caller,
        &closed.case,
        from,
        stage,
    )?;
    Ok(closed)
}

/// The complaints manager reopens a closed or withdrawn case: a complaint with stages goes
/// back to its current stage, a compliment or comment passed on to `open`, anything else to
/// triage.
pub fn reopen(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    reason: Option<String>,
) -> Result<Changed, AppError> {
    let case = cases::changing(conn, reference, caller, expected)?;
    move_status(
        conn,
        now,
        caller,
        case,
        expected,
        Command::Reopen,
        |conn, case, state| {
            state.forwarded =
                crate::db::feedback::find(conn, case.id)?.is_some_and(|f| f.forwarded_at.is_some());
            Ok(())
        },
        |from, to, ()| CaseEvent::Reopened { from, to, reason },
    )
}

/// A triage decision, as the complaints manager sent it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Triage {
    pub reason: Option<String>,
    pub special_circumstances: Option<String>,
    pub resolution: Option<String>,
    pub procedure: Option<Procedure>,
    pub referral: Option<String>,
    pub organisation: Option<String>,
    /// A complaint about a worker's English language fluency: the worker's manager it is
    /// referred to (see [`crate::domain::fluency`]).
    pub worker_manager: Option<String>,
}

fn given(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.trim().is_empty())
}

/// The fields each decision needs, given whether the complaint is out of time.
fn required_fields(decision: Decision, request: &Triage, out_of_time: bool) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut need = |ok: bool, field: &str, message: &str| {
        if !ok {
            errors.push(FieldError::new(field, message));
        }
    };
    match decision {
        Decision::Accept => need(
            !out_of_time || given(&request.special_circumstances),
            "special_circumstances",
            "the complaint was raised after the policy's time limit: record the special \
             circumstances to accept it",
        ),
        Decision::ResolveInformally => need(
            given(&request.resolution),
            "resolution",
            "is required to resolve informally",
        ),
        Decision::ServiceRequest => need(
            given(&request.referral),
            "referral",
            "say where the request was passed",
        ),
        Decision::Excluded => {
            need(
                request.procedure.is_some(),
                "procedure",
                "is required for an exclusion",
            );
            need(
                given(&request.referral),
                "referral",
                "tell the customer which procedure applies and how to use it",
            );
        }
        Decision::OutsideRemit => need(
            given(&request.organisation),
            "organisation",
            "name the organisation the customer is referred to",
        ),
        Decision::OutOfTime => {}
    }
    errors
}

/// Whether triage refers a complaint about a worker's English language fluency to the
/// worker's manager, and to whom: needed once, when the council handles the complaint itself
/// ([`fluency::needs_worker_manager`]); a `worker_manager` sent when not needed is refused
/// rather than ignored.
fn worker_manager_referral(
    conn: &mut DbConnection,
    row: &CaseRow,
    decision: Decision,
    request: &Triage,
    errors: &mut Vec<FieldError>,
) -> Result<Option<String>, AppError> {
    let sent = request
        .worker_manager
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty());
    let needed = fluency::needs_worker_manager(row.kind, row.category.as_deref(), decision);
    let referred_already = needed
        && crate::db::flags::for_case(conn, row.id)?
            .iter()
            .any(|f| f.flag == Flag::EnglishFluency);
    match (needed && !referred_already, sent) {
        (true, Some(manager)) => return Ok(Some(manager.to_string())),
        (true, None) => errors.push(FieldError::new(
            "worker_manager",
            "a complaint about a worker's English language fluency is referred to the \
             worker's manager: name them",
        )),
        (false, Some(_)) if referred_already => errors.push(FieldError::new(
            "worker_manager",
            "the complaint was referred to the worker's manager already",
        )),
        (false, Some(_)) => errors.push(FieldError::new(
            "worker_manager",
            "only a complaint in category english_fluency that is accepted or resolved \
             informally is referred to the worker's manager",
        )),
        (false, None) => {}
    }
    Ok(None)
}

/// Records the referral of a fluency complaint to the worker's manager, as a flag (like a
/// staff conduct matter's referral to the line manager) with its `flagged` event.
fn refer_fluency_complaint(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    case_id: i64,
    manager: String,
) -> Result<(), AppError> {
    let referred_on = uk_date(now);
    crate::db::flags::insert(
        conn,
        &crate::db::flags::FlagRow {
            id: 0,
            case_id,
            flag: Flag::EnglishFluency,
            referred_to: manager.clone(),
            referred_on,
            note: None,
            recorded_by: caller.subject.clone(),
            recorded_at: now,
        },
    )?;
    record(
        conn,
        case_id,
        caller,
        now,
        &CaseEvent::Flagged {
            flag: Flag::EnglishFluency.as_str().into(),
            referred_to: Some(manager),
            referred_on,
        },
    )
}

/// Triage decides what a new complaint is (or that one resolved informally goes formal):
/// accepted, stage 1 opens with its acknowledgement due from receipt (from today when it goes
/// formal later); otherwise where it goes, with what the decision needs recorded.
#[allow(clippy::too_many_arguments)]
pub fn triage(
    conn: &mut DbConnection,
    letters: &Templates,
    deadlines: &Deadlines<'_>,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    decision: Decision,
    request: &Triage,
) -> Result<CaseRow, AppError> {
    let row = cases::changing(conn, reference, caller, expected)?;
    let mut state = cases::state(&row, &[]);
    state.new_issue_review_owed = super::restrictions::new_issue_review_owed(conn, row.id)?;
    let received = uk_date(row.received_at);
    let out_of_time = deadlines.is_out_of_time(row.problem_date, received);
    let mut missing = required_fields(decision, request, out_of_time);
    let refer_to_manager = worker_manager_referral(conn, &row, decision, request, &mut missing)?;
    if !missing.is_empty() {
        return Err(AppError::Invalid(missing));
    }
    let policy = deadlines.policy();
    let next = lifecycle::step(
        &state,
        Command::Triage {
            decision,
            informal_resolution_allowed: policy.informal_resolution_allowed,
            out_of_time,
            time_limit_months: policy.time_limit_to_raise_months,
        },
    )?;
    let goes_formal_later = state.status == Status::ResolvedInformally;
    let mut details = TriageDetails {
        reason: request.reason.clone(),
        out_of_time,
        previously: goes_formal_later.then_some(Decision::ResolveInformally),
        ..TriageDetails::default()
    };
    match decision {
        Decision::Accept if out_of_time => {
            details.special_circumstances = request.special_circumstances.clone();
        }
        Decision::ResolveInformally => details.resolution = request.resolution.clone(),
        Decision::ServiceRequest => details.referral = request.referral.clone(),
        Decision::Excluded => {
            details.procedure = request.procedure.map(|p| p.as_str().to_string());
            details.referral = request.referral.clone();
        }
        Decision::OutsideRemit => {
            details.organisation = request.organisation.clone();
            details.referral_due = deadlines.outside_remit_referral_due(received);
        }
        Decision::Accept | Decision::OutOfTime => {}
    }
    let row = cases::claim(
        conn,
        &row,
        expected,
        now,
        &Claim {
            status: Some(next.status),
            stage: Some(next.stage),
            triage_decision: Some(decision),
            triage_details: Some(
                serde_json::to_string(&details).map_err(|e| AppError::Internal(e.to_string()))?,
            ),
            triaged_at: Some(now),
            lead_service: None,
        },
    )?;
    if let Some(stage) = next.opens {
        // The acknowledgement clock started at receipt; for a complaint resolved informally
        // that now goes formal, on the day it does.
        let due = match row.acknowledgement_due.filter(|_| !goes_formal_later) {
            Some(due) => due,
            None => {
                let asked = if goes_formal_later {
                    uk_date(now)
                } else {
                    received
                };
                deadlines
                    .stage_acknowledgement_due(stage, asked)
                    .map_err(|e| AppError::Internal(format!("stage 1 acknowledgement date: {e}")))?
            }
        };
        stages::open(conn, &StageRow::opened(row.id, stage, now, due))?;
        super::restrictions::route_opened_stage(conn, now, row.id)?;
    }
    record(
        conn,
        row.id,
        caller,
        now,
        &CaseEvent::Triaged {
            decision,
            status: next.status,
            stage: next.stage,
            details,
        },
    )?;
    if let Some(manager) = refer_to_manager {
        refer_fluency_complaint(conn, now, caller, row.id, manager)?;
    }
    match decision {
        Decision::Excluded => {
            if let Some(procedure) = request.procedure {
                super::letters::excluded_referral(
                    conn,
                    letters,
                    now,
                    &row,
                    procedure,
                    request.referral.as_deref(),
                )?;
            }
        }
        Decision::OutsideRemit => {
            super::letters::outside_remit_referral(
                conn,
                letters,
                now,
                &row,
                request.organisation.as_deref(),
                request.referral.as_deref(),
            )?;
        }
        _ => {}
    }
    Ok(row)
}

/// An acknowledgement, as the caller sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acknowledging {
    /// When it was sent.
    pub at: NaiveDateTime,
    pub method: AcknowledgementMethod,
    /// Where the policy grades complaints: 1, or 2 for a complex one.
    pub grade: Option<i32>,
}

/// A complaint's current stage is acknowledged: recorded with when and how, and its response
/// due date set from the policy (see [`Deadlines::response_due`]). An acknowledgement dated
/// before the complaint was received, or before stage 2 was asked for, is refused.
#[allow(clippy::too_many_arguments)]
pub fn acknowledge_stage(
    conn: &mut DbConnection,
    letters: &Templates,
    deadlines: &Deadlines<'_>,
    now: NaiveDateTime,
    caller: &Caller,
    case: CaseRow,
    expected: i32,
    request: Acknowledging,
    said: &Understanding,
) -> Result<Changed, AppError> {
    cases::may_change(conn, &case, expected)?;
    let (stages, state) = cases::with_stages(conn, &case)?;
    lifecycle::step(&state, Command::Acknowledge)?;
    let (Some(stage_row), Some(current)) = (stages.last(), state.current) else {
        return Err(AppError::Internal(
            "an open complaint without a stage".into(),
        ));
    };
    let stage = current.stage;
    super::letters::check_acknowledgement(&case, stage, said)?;
    let acknowledged_at = request.at;
    // Stage 2's clock starts with the request: an acknowledgement dated before it would
    // shorten the time the council has.
    let too_early = if stage == Stage::Stage2 && acknowledged_at < stage_row.opened_at {
        Some(format!(
            "must not be before stage 2 was asked for, {}",
            Instant(stage_row.opened_at).rfc3339()
        ))
    } else if acknowledged_at < case.received_at {
        Some("must not be before the complaint was received".to_string())
    } else {
        None
    };
    if let Some(message) = too_early {
        return Err(AppError::Invalid(vec![FieldError::new(
            "acknowledged_at",
            message,
        )]));
    }
    let start = StageStart {
        complaint_received: uk_date(case.received_at),
        stage_received: match stage {
            Stage::Stage1 => uk_date(case.received_at),
            _ => uk_date(stage_row.opened_at),
        },
        acknowledged: uk_date(acknowledged_at),
    };
    let due = deadlines
        .response_due(stage, start, request.grade)
        .map_err(|e| AppError::Invalid(vec![FieldError::new("acknowledged_at", e.to_string())]))?;
    let case = cases::claim_version(conn, &case, expected, now)?;
    let on_time = uk_date(acknowledged_at) <= stage_row.acknowledgement_due;
    let acknowledged = stages::acknowledge(
        conn,
        stage_row.id,
        &stages::Acknowledgement {
            at: acknowledged_at,
            method: request.method.as_str(),
            by: &caller.subject,
            grade: request.grade,
            response_due: due,
            on_time,
        },
    )?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::Acknowledged(Acknowledgement::Stage {
            stage,
            method: request.method.as_str().into(),
            acknowledged_at: Instant(acknowledged_at),
            on_time,
            response_due: due,
        }),
    )?;
    super::letters::acknowledgement(conn, letters, now, &case, stage, said, due)?;
    Ok(Changed::with_stage(case, stages, acknowledged))
}

/// A request for more time, as the investigator sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionAsk {
    pub new_due: NaiveDate,
    pub reason: String,
    /// When and how the customer agreed, where they did.
    pub agreement: Option<(NaiveDateTime, AgreementMethod)>,
    /// Whether an agreement was sent at all (a faulty one is reported on its own fields).
    pub agreement_given: bool,
}

/// The stage's investigator (or a senior) asks for a later response due date: after the
/// current one, a working day, within the policy's extension limit unless the customer
/// agreed, and never past the policy's calendar-month ceiling. One waits for a decision at a
/// time. Gives the case as it was, the extension and its stage.
pub fn request_extension(
    conn: &mut DbConnection,
    deadlines: &Deadlines<'_>,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    ask: &ExtensionAsk,
) -> Result<(CaseRow, ExtensionRow, Stage), AppError> {
    let case = cases::changing(conn, reference, caller, expected)?;
    let (stages, mut state) = cases::with_stages(conn, &case)?;
    let (Some(stage_row), Some(current)) = (stages.last(), state.current) else {
        // No stage: the table says why not.
        lifecycle::step(&state, Command::RequestExtension)?;
        return Err(AppError::Internal("a stage without a row".into()));
    };
    let senior = caller.is_senior();
    if !senior && stage_row.investigator.as_deref() != Some(caller.subject.as_str()) {
        return Err(AppError::Forbidden(
            "only the stage's investigator asks for an extension".into(),
        ));
    }
    state.extension_waiting = crate::db::extensions::for_case(conn, case.id)?
        .iter()
        .any(|e| e.stage_id == stage_row.id && e.status == ExtensionStatus::Requested);
    lifecycle::step(&state, Command::RequestExtension)?;
    let stage = current.stage;
    let current_due = current
        .response_due
        .ok_or_else(|| AppError::Internal("an acknowledged stage without a due date".into()))?;
    let mut errors = Vec::new();
    if ask.new_due <= current_due {
        errors.push(FieldError::new(
            "new_response_due",
            format!("must be after the current due date, {current_due}"),
        ));
    } else if !deadlines.calendar().is_working_day(ask.new_due) {
        errors.push(FieldError::new("new_response_due", "must be a working day"));
    }
    let original = stage_row.original_response_due.unwrap_or(current_due);
    let beyond = match deadlines.check_extension(
        stage,
        uk_date(case.received_at),
        original,
        ask.new_due,
        ask.agreement_given,
    ) {
        Ok(beyond) => beyond,
        Err(e @ DeadlineError::NeedsCustomerAgreement { .. }) => {
            errors.push(FieldError::new(
                "customer_agreement",
                format!("{} is {e}", ask.new_due),
            ));
            0
        }
        Err(e) => {
            errors.push(FieldError::new("new_response_due", e.to_string()));
            0
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let case = cases::claim_version(conn, &case, expected, now)?;
    let row = crate::db::extensions::insert(
        conn,
        &ExtensionRow {
            id: 0,
            case_id: case.id,
            stage_id: stage_row.id,
            status: ExtensionStatus::Requested,
            reason: ask.reason.trim().to_string(),
            previous_due: current_due,
            new_due: ask.new_due,
            working_days_beyond_original: i32::try_from(beyond).unwrap_or(i32::MAX),
            customer_agreed: ask.agreement.is_some(),
            requested_by: caller.subject.clone(),
            requested_at: now,
            decided_by: None,
            decided_at: None,
            customer_told_at: None,
            customer_agreed_at: ask.agreement.map(|(at, _)| at),
            customer_agreement_method: ask.agreement.map(|(_, method)| method),
        },
    )?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::ExtensionRequested {
            extension: row.id,
            stage,
            new_due: ask.new_due,
            reason: row.reason.clone(),
            customer_agreement: ask.agreement.map(|(at, method)| Agreement {
                agreed_at: Instant(at),
                method: method.as_str().into(),
            }),
        },
    )?;
    Ok((case, row, stage))
}

/// The Head of Service or the complaints manager agrees (the stage's response moves to the new
/// date) or refuses a requested extension; agreeing records when the customer was told.
#[allow(clippy::too_many_arguments)]
pub fn decide_extension(
    conn: &mut DbConnection,
    letters: &Templates,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    extension_id: i64,
    decision: ExtensionDecision,
    customer_told_at: Option<NaiveDateTime>,
) -> Result<Changed, AppError> {
    let case = cases::changing(conn, reference, caller, expected)?;
    let extension = crate::db::extensions::find(conn, case.id, extension_id)?
        .ok_or_else(|| AppError::NotFound("there is no such extension on this case".into()))?;
    lifecycle::step(
        &cases::state(&case, &[]),
        Command::DecideExtension {
            extension: extension.status,
        },
    )?;
    let case = cases::claim_version(conn, &case, expected, now)?;
    let status = match decision {
        ExtensionDecision::Agree => ExtensionStatus::Agreed,
        ExtensionDecision::Refuse => ExtensionStatus::Refused,
    };
    let row = crate::db::extensions::decide(
        conn,
        extension.id,
        status.as_str(),
        &caller.subject,
        now,
        customer_told_at,
    )?;
    if decision == ExtensionDecision::Agree {
        stages::extend(conn, row.stage_id, row.new_due)?;
        let stage = stages::for_case(conn, case.id)?
            .into_iter()
            .find(|s| s.id == row.stage_id)
            .map(|s| s.stage)
            .ok_or_else(|| AppError::Internal("the extension's stage is missing".into()))?;
        super::letters::extension(conn, letters, now, &case, stage, &row)?;
    }
    let (extension, previous_due, new_due, reason) =
        (row.id, row.previous_due, row.new_due, row.reason);
    let event = match decision {
        ExtensionDecision::Agree => CaseEvent::Extended {
            extension,
            previous_due,
            new_due,
            reason,
        },
        ExtensionDecision::Refuse => CaseEvent::ExtensionRefused {
            extension,
            previous_due,
            new_due,
            reason,
        },
    };
    record(conn, case.id, caller, now, &event)?;
    // The stages were not read here: the read-back reads them.
    Ok(case.into())
}

/// How a response was sent, as the Head of Service recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sending {
    /// When it was really sent.
    pub sent_at: NaiveDateTime,
    /// Why it is recorded after it was sent.
    pub back_dated_because: Option<String>,
    /// How it was sent; needed when it stands as the acknowledgement.
    pub method: Option<AcknowledgementMethod>,
}

/// The Head of Service approves a draft and sends it: the stage's outcome, when it was sent
/// and whether on time are recorded, and the window for asking for the next stage opens. A
/// full response sent within the acknowledgement time of a stage not yet acknowledged stands
/// as its acknowledgement. A response is not sent before its stage opened.
#[allow(clippy::too_many_arguments)]
pub fn send_response(
    conn: &mut DbConnection,
    letters: &Templates,
    deadlines: &Deadlines<'_>,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    expected: i32,
    response_id: i64,
    sending: &Sending,
) -> Result<Changed, AppError> {
    let case = cases::changing(conn, reference, caller, expected)?;
    let not_found = || AppError::NotFound("there is no such response on this case".into());
    let draft = crate::db::responses::find(conn, case.id, response_id)?.ok_or_else(not_found)?;
    if draft.status != ResponseStatus::Draft {
        return Err(AppError::Conflict {
            detail: "this response has been sent already".into(),
            field: None,
        });
    }
    let stages = stages::for_case(conn, case.id)?;
    let Some(position) = stages.iter().position(|s| s.id == draft.stage_id) else {
        return Err(AppError::Internal("the response's stage is missing".into()));
    };
    let stage_row = &stages[position];
    // The draft answers its own stage: the table is asked about that one.
    let state = cases::state(&case, &stages[..=position]);
    let stage = state
        .current
        .map(|s| s.stage)
        .ok_or_else(|| AppError::Internal("the response's stage is missing".into()))?;
    let sent_at = sending.sent_at;
    let sent_on = uk_date(sent_at);
    let stands_as_acknowledgement = stage_row.acknowledged_at.is_none()
        && deadlines.response_stands_as_acknowledgement(stage_row.acknowledgement_due, sent_on);
    lifecycle::step(
        &state,
        Command::SendResponse {
            stands_as_acknowledgement,
        },
    )?;
    let mut errors = Vec::new();
    if sent_at < stage_row.opened_at {
        errors.push(FieldError::new(
            "sent_at",
            format!(
                "must not be before the stage opened, {}",
                Instant(stage_row.opened_at).rfc3339()
            ),
        ));
    }
    if stands_as_acknowledgement && sending.method.is_none() {
        errors.push(FieldError::new(
            "method",
            "say how the response was sent: it stands as the stage's acknowledgement",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let due = match stage_row.response_due {
        Some(due) => due,
        None => {
            let start = StageStart {
                complaint_received: uk_date(case.received_at),
                stage_received: match stage {
                    Stage::Stage1 => uk_date(case.received_at),
                    _ => uk_date(stage_row.opened_at),
                },
                acknowledged: sent_on,
            };
            deadlines
                .response_due(stage, start, None)
                .map_err(|e| AppError::Invalid(vec![FieldError::new("sent_at", e.to_string())]))?
        }
    };
    let on_time = sent_on <= due;
    let window = deadlines.stage_2_window_closes(stage, sent_on);
    let case = cases::claim_version(conn, &case, expected, now)?;
    if let (true, Some(method)) = (stands_as_acknowledgement, sending.method) {
        stages::acknowledge(
            conn,
            stage_row.id,
            &stages::Acknowledgement {
                at: sent_at,
                method: method.as_str(),
                by: &caller.subject,
                grade: None,
                response_due: due,
                on_time: true,
            },
        )?;
    }
    let sent = crate::db::responses::send(
        conn,
        draft.id,
        &caller.subject,
        sent_at,
        sending.back_dated_because.as_deref(),
    )?;
    let started = stage_started(
        stage,
        uk_date(case.received_at),
        uk_date(stage_row.opened_at),
    );
    let taken = working_days_taken(deadlines.calendar(), started, sent_on);
    let answered = stages::respond(
        conn,
        stage_row.id,
        sent.outcome,
        sent_at,
        on_time,
        window,
        taken,
    )?;
    let outcome = sent.outcome;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::ResponseSent {
            response: sent.id,
            stage,
            outcome,
            on_time,
            sent_at: Instant(sent_at),
            back_dated_because: sending.back_dated_because.clone(),
            stands_as_acknowledgement,
            escalation_window_closes: window,
        },
    )?;
    super::letters::response(conn, letters, now, &case, stage, &sent, window)?;
    Ok(Changed::with_stage(case, stages, answered))
}

/// A draft response, as the investigator wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub outcome: Outcome,
    /// The findings on each point raised, as JSON.
    pub findings: String,
    pub apology: Option<String>,
    pub letter: String,
    /// The complaint as the council understood it.
    pub understanding: Option<String>,
    /// The actions still outstanding, as JSON; `None` when not stated.
    pub outstanding_actions: Option<String>,
}

/// The current stage's investigator (or a senior) drafts its response, until one is sent.
/// Drafts are staff's: the case's version does not change. Gives the case, the draft and
/// its stage.
pub fn draft_response(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    draft: &Draft,
) -> Result<(CaseRow, ResponseRow, Stage), AppError> {
    let case = cases::adding(conn, reference, caller, false)?;
    let (stages, state) = cases::with_stages(conn, &case)?;
    lifecycle::step(&state, Command::DraftResponse)?;
    let (Some(stage_row), Some(current)) = (stages.last(), state.current) else {
        return Err(AppError::Internal(
            "an open complaint without a stage".into(),
        ));
    };
    let senior = caller.is_senior();
    if !senior && stage_row.investigator.as_deref() != Some(caller.subject.as_str()) {
        return Err(AppError::Forbidden(
            "only the stage's investigator drafts its response".into(),
        ));
    }
    let row = crate::db::responses::insert(
        conn,
        &ResponseRow {
            id: 0,
            case_id: case.id,
            stage_id: stage_row.id,
            status: ResponseStatus::Draft,
            outcome: draft.outcome,
            findings: draft.findings.clone(),
            apology: draft.apology.clone(),
            letter: draft.letter.clone(),
            drafted_by: caller.subject.clone(),
            drafted_at: now,
            approved_by: None,
            sent_at: None,
            sent_at_reason: None,
            understanding: draft.understanding.clone(),
            outstanding_actions: draft.outstanding_actions.clone(),
        },
    )?;
    record(
        conn,
        case.id,
        caller,
        now,
        &CaseEvent::ResponseDrafted {
            response: row.id,
            stage: current.stage,
            outcome: draft.outcome,
        },
    )?;
    Ok((case, row, current.stage))
}

//! Finding a case as a caller may, and claiming the version a change was asked against: the
//! first steps of every use case on a case.

use chrono::NaiveDateTime;

use super::AppError;
use crate::auth::{Caller, CaseScope};
use crate::db::cases::{self as repo, CaseRow, Claim};
use crate::db::stages::StageRow;
use crate::db::DbConnection;
use crate::domain::case::lifecycle::{CaseState, StageState};
use crate::domain::case::Kind;
use crate::domain::reference::Reference;

/// The case `reference`, if `caller` may change it: its own, its services', its partner's,
/// or any for the complaints manager. Staff of a service that only contributes may read it
/// (`contributors_may_read`) but not change it. A case the caller may not see is not found,
/// as if it did not exist.
pub fn find(
    conn: &mut DbConnection,
    reference: &str,
    caller: &Caller,
    contributors_may_read: bool,
) -> Result<CaseRow, AppError> {
    let not_found = || AppError::NotFound(format!("there is no case {reference} that you can see"));
    let reference = Reference::parse(reference).ok_or_else(not_found)?;
    let Some(row) = repo::find_by_reference(conn, reference.as_str())? else {
        return Err(not_found());
    };
    let scope = caller.case_scope();
    if row.visible_in(&scope) {
        return Ok(row);
    }
    if let CaseScope::Services(services) = &scope {
        if crate::db::ownership::contributes(conn, row.id, services)? {
            return if contributors_may_read {
                Ok(row)
            } else {
                Err(AppError::Forbidden(
                    "your service contributes to this case: only the lead service's staff or \
                     the complaints manager may change it"
                        .into(),
                ))
            };
        }
    }
    Err(not_found())
}

/// The case `reference` for a change by `caller` asked against version `expected`: found as
/// [`find`] finds it for a change, and refused at once if it was anonymised or if `expected`
/// is no longer current ([`may_change`]).
pub fn changing(
    conn: &mut DbConnection,
    reference: &str,
    caller: &Caller,
    expected: i32,
) -> Result<CaseRow, AppError> {
    let case = find(conn, reference, caller, false)?;
    may_change(conn, &case, expected)?;
    Ok(case)
}

/// The case `reference` for an addition by `caller` that takes no version (a note,
/// correspondence, a document, a remedy promised, a response drafted, a note disclosed):
/// found as [`find`] finds it (staff of a contributing service too, when
/// `contributors_may_add`), and refused if it was anonymised.
pub fn adding(
    conn: &mut DbConnection,
    reference: &str,
    caller: &Caller,
    contributors_may_add: bool,
) -> Result<CaseRow, AppError> {
    let case = find(conn, reference, caller, contributors_may_add)?;
    refuse_if_anonymised(conn, &case)?;
    Ok(case)
}

/// Whether `case`, found already, may be changed against version `expected`: not if it was
/// anonymised (whatever the version: a newer one would not help), nor if `expected` is no
/// longer current.
pub fn may_change(conn: &mut DbConnection, case: &CaseRow, expected: i32) -> Result<(), AppError> {
    refuse_if_anonymised(conn, case)?;
    check_version(case, expected)
}

/// Every change to a case, and every addition to it, passes here ([`changing`], [`adding`],
/// [`may_change`]): once the retention schedule or an erasure has anonymised a case, nothing
/// more is written on it, so no personal data comes back to a record kept only for its
/// figures, and the timeline ends with its anonymisation. One lookup by key on every change,
/// kept prepared ([`crate::db::prepared`]).
pub fn refuse_if_anonymised(conn: &mut DbConnection, case: &CaseRow) -> Result<(), AppError> {
    match crate::db::retention::anonymised_at(conn, case.id)? {
        None => Ok(()),
        Some(at) => Err(AppError::Anonymised {
            reference: case.reference.clone(),
            on: crate::domain::clock::uk_date(at),
        }),
    }
}

/// The case's stages, and what the lifecycle table reads of it with them.
pub fn with_stages(
    conn: &mut DbConnection,
    case: &CaseRow,
) -> Result<(Vec<StageRow>, CaseState), AppError> {
    let stages = crate::db::stages::for_case(conn, case.id)?;
    let state = state(case, &stages);
    Ok((stages, state))
}

/// A case as a change left it: its row, and its stages where the change had them to hand
/// (the read-back that answers the change reads them otherwise).
#[derive(Debug, Clone)]
pub struct Changed {
    pub case: CaseRow,
    pub stages: Option<Vec<StageRow>>,
}

impl Changed {
    /// The case and its stages as they now are.
    pub fn with(case: CaseRow, stages: Vec<StageRow>) -> Changed {
        Changed {
            case,
            stages: Some(stages),
        }
    }

    /// The case with one stage rewritten (`stage`, as the change stored it), the others as
    /// they were read.
    pub fn with_stage(case: CaseRow, mut stages: Vec<StageRow>, stage: StageRow) -> Changed {
        match stages.iter_mut().find(|s| s.id == stage.id) {
            Some(slot) => *slot = stage,
            None => stages.push(stage),
        }
        Changed::with(case, stages)
    }
}

impl From<CaseRow> for Changed {
    fn from(case: CaseRow) -> Changed {
        Changed { case, stages: None }
    }
}

/// Refuses at once a change made against a version that is no longer current, before any
/// rule about the case's state is applied to it.
pub fn check_version(case: &CaseRow, expected: i32) -> Result<(), AppError> {
    if case.version == expected {
        Ok(())
    } else {
        Err(AppError::Stale { expected })
    }
}

/// Takes the next version of `case` if `expected` is still current, and gives the row as it
/// now is: of several changes racing from one version exactly one goes ahead.
pub fn claim_version(
    conn: &mut DbConnection,
    case: &CaseRow,
    expected: i32,
    at: NaiveDateTime,
) -> Result<CaseRow, AppError> {
    claim(conn, case, expected, at, &Claim::default())
}

/// As [`claim_version`], writing where the case now stands (`claim`) in the same statement.
pub fn claim(
    conn: &mut DbConnection,
    case: &CaseRow,
    expected: i32,
    at: NaiveDateTime,
    claim: &Claim,
) -> Result<CaseRow, AppError> {
    if case.version != expected {
        return Err(AppError::Stale { expected });
    }
    repo::claim_version(conn, case.id, expected, at, claim)?.ok_or(AppError::Stale { expected })
}

/// What the lifecycle table reads of a case, from its row and its stages. The facts that need
/// other tables (a waiting extension, outstanding remedies, the Ombudsman referral, a
/// compliment's forwarding, a new-issue review owed) start unset: the use case whose command reads one fills it in.
pub fn state(row: &CaseRow, stages: &[StageRow]) -> CaseState {
    let current = stages.last().map(|stage| StageState {
        stage: stage.stage,
        acknowledged: stage.acknowledged_at.is_some(),
        response_due: stage.response_due,
        responded: stage.responded_at.is_some(),
        window_closes: stage.escalation_window_closes,
    });
    CaseState {
        kind: row.kind,
        status: row.status,
        current,
        answered: stages.iter().any(|s| s.responded_at.is_some()),
        extension_waiting: false,
        outstanding_remedies: 0,
        referred_to_ombudsman: false,
        forwarded: false,
        new_issue_review_owed: false,
    }
}

/// A case to log, its rows built from the request.
#[derive(Debug, Clone)]
pub struct Intake {
    pub kind: Kind,
    pub channel: crate::domain::case::Channel,
    /// The customer, as given (`id` and `created_at` are set here).
    pub customer: crate::db::cases::CustomerRow,
    /// The case (`reference`, `customer_id` and the times are set here).
    pub case: crate::db::cases::NewCaseRow,
    /// A representative, as given (`case_id` and the times are set here).
    pub representative: Option<crate::db::cases::RepresentativeRow>,
    /// Faults found in the request before the database was consulted, reported with those
    /// found here so the caller sees them all at once.
    pub errors: Vec<crate::error::FieldError>,
    /// How intake looks for earlier cases this one repeats (`DUPLICATE_WINDOW_DAYS`).
    pub duplicates: crate::domain::duplicate::DuplicatePolicy,
}

/// What logging a case wrote.
#[derive(Debug, Clone)]
pub struct Logged {
    pub case: CaseRow,
    pub customer: crate::db::cases::CustomerRow,
    pub representative: Option<crate::db::cases::RepresentativeRow>,
    /// The flags intake raised (`possible_duplicate`).
    pub flags: Vec<crate::db::flags::FlagRow>,
    /// What intake read of the customer's person: whether they have adjustments in force or
    /// a legal hold, so the answer reads those only for the few who do.
    pub attention: crate::db::people::Attention,
}

/// A complaint, compliment or comment is logged for an active service of the directory: it is
/// given the next reference of its kind and year, its customer and representative are
/// recorded, and the timeline starts with `received`. The customer's earlier cases it may
/// repeat are then looked for (`app::duplicates::find_at_intake`).
pub fn create(
    conn: &mut DbConnection,
    references: &crate::db::Database,
    now: NaiveDateTime,
    caller: &Caller,
    intake: Intake,
) -> Result<Logged, AppError> {
    let mut errors = intake.errors;
    let service_id = intake.case.service_id.clone();
    let mut customer = crate::db::cases::CustomerRow {
        id: 0,
        created_at: now,
        ..intake.customer
    };
    // A valid request's service and people are read at once; an invalid one's service alone,
    // to report with its other faults.
    let (active, candidates) = if errors.is_empty() {
        super::people::service_and_candidates(conn, &service_id, &customer)?
    } else {
        (
            crate::db::services::find(conn, &service_id)?.map(|service| service.active),
            None,
        )
    };
    match active {
        Some(true) => {}
        Some(false) => errors.push(crate::error::FieldError::new(
            "service",
            "is no longer taking new cases",
        )),
        None if !service_id.is_empty() => errors.push(crate::error::FieldError::new(
            "service",
            "is not a known service",
        )),
        None => {}
    }
    if !errors.is_empty() {
        errors.sort_by(|a, b| a.field.cmp(&b.field));
        return Err(AppError::Invalid(errors));
    }
    let identified = super::people::identify(conn, now, &mut customer, candidates)?;
    let attention = identified.attention();
    // What the case may repeat is read and weighed before the next reference is taken.
    let repeats =
        super::duplicates::look_at_intake(conn, &intake.duplicates, &intake.case, &customer)?;
    let year = chrono::Datelike::year(&intake.case.received_at);
    // Where the database gives their ids with the number (PostgreSQL), the rows of the case,
    // its customer and a new person go with the writes after them, below; a representative's
    // row needs the case written first.
    let wanted = match (&intake.representative, &identified) {
        (Some(_), _) => crate::db::IdsWanted::None,
        (None, super::people::Identified::Known(_)) => crate::db::IdsWanted::CaseAndCustomer,
        (None, super::people::Identified::New(_)) => crate::db::IdsWanted::CaseCustomerAndPerson,
    };
    let (number, ids_ahead) =
        references.next_case_number(conn, intake.kind.reference_prefix(), year, wanted)?;
    let (customer, new_person) = match &ids_ahead {
        Some(ids) => super::people::customer_ahead(customer, identified, ids)?,
        None => (
            super::people::write_customer(conn, &customer, identified)?,
            None,
        ),
    };
    let new_row = crate::db::cases::NewCaseRow {
        reference: Reference::new(intake.kind, year, number).to_string(),
        customer_id: customer.id,
        created_at: now,
        updated_at: now,
        ..intake.case
    };
    let row = match &ids_ahead {
        Some(ids) => crate::db::cases::CaseRow::written(ids.case, new_row.clone()),
        None => repo::insert_case(conn, &new_row)?,
    };
    let representative = match intake.representative {
        Some(r) => {
            let mut representative = crate::db::cases::RepresentativeRow {
                id: 0,
                case_id: row.id,
                consent_recorded_at: now,
                created_at: now,
                ..r
            };
            super::people::identify_representative(conn, now, &mut representative)?;
            Some(repo::insert_representative(conn, &representative)?)
        }
        None => None,
    };
    // The rows whose ids were taken ahead, and the acknowledgement's deadline on record, are
    // written with the event and the projections.
    {
        let person_insert = new_person.as_ref().map(crate::db::people::insertion);
        let customer_insert = ids_ahead
            .is_some()
            .then(|| crate::db::cases::customer_insertion(&customer));
        let case_insert = ids_ahead
            .as_ref()
            .map(|ids| crate::db::cases::insertion(ids.case, &new_row));
        let alerts = super::alerts::of_new_case(&row);
        let alert_inserts: Vec<_> = alerts.iter().map(crate::db::alerts::insertion).collect();
        // In the order of their references: the person, their customer, the case.
        let mut along: Vec<&dyn crate::db::together::Write> = Vec::new();
        if let Some(insert) = &person_insert {
            along.push(insert);
        }
        if let Some(insert) = &customer_insert {
            along.push(insert);
        }
        if let Some(insert) = &case_insert {
            along.push(insert);
        }
        along.extend(
            alert_inserts
                .iter()
                .map(|i| i as &dyn crate::db::together::Write),
        );
        crate::db::events::append_received(
            conn,
            &crate::db::events::NewEvent::of(
                row.id,
                &caller.subject,
                caller.acting_role(),
                now,
                &crate::domain::case::events::CaseEvent::Received {
                    kind: intake.kind,
                    channel: intake.channel,
                    service: row.service_id.clone(),
                    received_at: crate::domain::case::events::Instant(row.received_at),
                    back_dated_because: row.received_at_reason.clone(),
                },
            ),
            &row,
            &along,
        )?;
    }
    // The person's adjustments and restrictions are read only where they have some (read
    // with the person: most have none, and a person this intake made has none yet).
    super::alerts::take_reviews_to_new_case(conn, &row, attention.adjustments)?;
    // Enforcement at intake: contact from a restricted person is flagged and routed.
    let restricted = customer.person_id.filter(|_| attention.restrictions);
    let row = if super::restrictions::on_new_case(conn, now, &row, restricted)? {
        repo::find(conn, row.id)?.unwrap_or(row)
    } else {
        row
    };
    let flags =
        super::duplicates::record_at_intake(conn, now, &row, repeats, attention.restrictions)?
            .into_iter()
            .collect();
    Ok(Logged {
        case: row,
        customer,
        representative,
        flags,
        attention,
    })
}

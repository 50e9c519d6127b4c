//! Cases, their customers and representatives.

use super::native::Native;
use diesel::prelude::*;

use super::prepared::{FirstRow, Kept};
use super::schema::{cases, customers, reference_sequences, representatives};
use super::{is_unique_violation, DbConnection};
use crate::domain::access::CaseScope;
use crate::domain::case::{Channel, Kind, Role, Stage, Status};
use crate::domain::triage::Decision;

/// A case as stored.
#[derive(Debug, Clone, Queryable)]
pub struct CaseRow {
    pub id: i64,
    pub reference: String,
    pub kind: Kind,
    pub status: Status,
    pub stage: Option<Stage>,
    pub channel: Channel,
    pub received_at: chrono::NaiveDateTime,
    pub received_at_reason: Option<String>,
    pub summary: String,
    pub description: String,
    pub desired_outcome: Option<String>,
    pub service_id: String,
    pub category: Option<String>,
    pub problem_date: Option<chrono::NaiveDate>,
    pub response_requested: bool,
    pub staff_named: Option<String>,
    pub customer_id: i64,
    pub customer_subject: Option<String>,
    pub created_by_subject: String,
    pub created_by_role: Role,
    pub partner_client_id: Option<String>,
    pub partner_reference: Option<String>,
    pub acknowledgement_due: Option<chrono::NaiveDate>,
    pub version: i32,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub triage_decision: Option<Decision>,
    pub triage_details: Option<String>,
    pub triaged_at: Option<chrono::NaiveDateTime>,
    pub next_deadline: Option<chrono::NaiveDate>,
    pub next_deadline_kind: Option<String>,
    pub investigator: Option<String>,
}

impl CaseRow {
    /// Whether a caller with this scope may see the case at all.
    pub fn visible_in(&self, scope: &CaseScope) -> bool {
        match scope {
            CaseScope::All => true,
            CaseScope::Services(services) => services.contains(&self.service_id),
            CaseScope::PostedBy(client) => {
                self.partner_client_id.as_deref() == Some(client.as_str())
            }
            CaseScope::Customer(subject) => {
                self.customer_subject.as_deref() == Some(subject.as_str())
            }
            CaseScope::Nothing => false,
            CaseScope::Case(reference) => &self.reference == reference,
        }
    }
}

/// A case to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = cases, treat_none_as_default_value = false)]
pub struct NewCaseRow {
    pub reference: String,
    pub kind: Kind,
    pub status: Status,
    pub stage: Option<Stage>,
    pub channel: Channel,
    pub received_at: chrono::NaiveDateTime,
    pub received_at_reason: Option<String>,
    pub summary: String,
    pub description: String,
    pub desired_outcome: Option<String>,
    pub service_id: String,
    pub category: Option<String>,
    pub problem_date: Option<chrono::NaiveDate>,
    pub response_requested: bool,
    pub staff_named: Option<String>,
    pub customer_id: i64,
    pub customer_subject: Option<String>,
    pub created_by_subject: String,
    pub created_by_role: Role,
    pub partner_client_id: Option<String>,
    pub partner_reference: Option<String>,
    pub acknowledgement_due: Option<chrono::NaiveDate>,
    pub version: i32,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub next_deadline: Option<chrono::NaiveDate>,
    pub next_deadline_kind: Option<String>,
}

/// A customer as stored.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = customers, treat_none_as_default_value = false)]
pub struct CustomerRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub subject: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub preferred_contact: Option<String>,
    pub interpreter_language: Option<String>,
    pub large_print: bool,
    pub audio: bool,
    pub other_adjustments: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    /// The person they are; `None` only for cases from before people, until start-up
    /// matches them. Written apart ([`insert_customer`]): a new person's id is taken from
    /// their `INSERT` in the same statement (`people::insert_with_customer`), or ahead with
    /// the case's number ([`customer_insertion`]).
    #[diesel(skip_insertion)]
    pub person_id: Option<i64>,
    pub person_match: Option<crate::domain::person::PersonMatch>,
    /// The match waits for staff to confirm or correct it.
    pub person_match_uncertain: bool,
}

/// A representative acting for the customer, with their consent.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = representatives, treat_none_as_default_value = false)]
pub struct RepresentativeRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub case_id: i64,
    pub name: String,
    pub organisation: Option<String>,
    pub relationship: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub consent_to_act: bool,
    pub consent_to_release_information: bool,
    pub consent_recorded_at: chrono::NaiveDateTime,
    pub created_at: chrono::NaiveDateTime,
    /// The person they are.
    pub person_id: Option<i64>,
}

/// `UPDATE reference_sequences SET last_number = last_number + 1 ... RETURNING last_number`,
/// written out because diesel prepares every `update` afresh (its changesets may vary), and
/// this one runs on every intake; this statement is always the same, so it stays prepared
/// ([`super::prepared`]).
#[derive(Debug, Clone, Copy)]
struct BumpSequence<'a> {
    prefix: &'a str,
    year: i32,
}

impl diesel::query_builder::QueryId for BumpSequence<'_> {
    type QueryId = BumpSequence<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::Query for BumpSequence<'_> {
    type SqlType = diesel::sql_types::BigInt;
}

impl<DB> diesel::query_builder::QueryFragment<DB> for BumpSequence<'_>
where
    DB: diesel::backend::Backend
        + diesel::sql_types::HasSqlType<diesel::sql_types::Text>
        + diesel::sql_types::HasSqlType<diesel::sql_types::Integer>,
    str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
    i32: diesel::serialize::ToSql<diesel::sql_types::Integer, DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        out.push_sql(
            "UPDATE reference_sequences SET last_number = last_number + 1 WHERE prefix = ",
        );
        out.push_bind_param::<diesel::sql_types::Text, str>(self.prefix)?;
        out.push_sql(" AND year = ");
        out.push_bind_param::<diesel::sql_types::Integer, i32>(&self.year)?;
        out.push_sql(" RETURNING last_number");
        Ok(())
    }
}

impl<Conn> RunQueryDsl<Conn> for BumpSequence<'_> {}

/// The next number in a kind's sequence for a year. Runs inside the
/// caller's transaction, so a rolled-back create gives its number back;
/// on PostgreSQL the row lock orders concurrent creates.
pub fn next_reference_number(conn: &mut DbConnection, prefix: &str, year: i32) -> QueryResult<i64> {
    use reference_sequences::dsl as seq;
    for _ in 0..3 {
        let bumped: Option<i64> = BumpSequence { prefix, year }.fetch_optional(conn)?;
        if let Some(number) = bumped {
            return Ok(number);
        }
        // The first case of the year: start the sequence, in a savepoint so
        // that losing the race to another first case does not end ours.
        let started = conn.transaction(|conn| {
            diesel::insert_into(seq::reference_sequences)
                .values((
                    seq::prefix.eq(prefix),
                    seq::year.eq(year),
                    seq::last_number.eq(1_i64),
                ))
                .run(conn)
        });
        match started {
            Ok(_) => return Ok(1),
            Err(e) if is_unique_violation(&e) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(diesel::result::Error::NotFound)
}

pub fn insert_customer(conn: &mut DbConnection, row: &CustomerRow) -> QueryResult<CustomerRow> {
    diesel::insert_into(customers::table)
        .values((row, customers::person_id.eq(row.person_id)))
        .returning(customers::all_columns)
        .fetch(conn)
}

/// The `INSERT` of `row` under the id taken for it ahead ([`next_number_and_ids`]), for the
/// caller to send with the writes that follow it ([`super::together`]).
pub fn insertion(id: i64, row: &NewCaseRow) -> impl super::together::Write + '_ {
    diesel::insert_into(cases::table).values((row, cases::id.eq(id)))
}

impl CaseRow {
    /// `row` as [`insertion`] stores it under `id`: a new case has no triage and no
    /// investigator yet, and its other columns are the row's own.
    pub fn written(id: i64, row: NewCaseRow) -> CaseRow {
        CaseRow {
            id,
            reference: row.reference,
            kind: row.kind,
            status: row.status,
            stage: row.stage,
            channel: row.channel,
            received_at: row.received_at,
            received_at_reason: row.received_at_reason,
            summary: row.summary,
            description: row.description,
            desired_outcome: row.desired_outcome,
            service_id: row.service_id,
            category: row.category,
            problem_date: row.problem_date,
            response_requested: row.response_requested,
            staff_named: row.staff_named,
            customer_id: row.customer_id,
            customer_subject: row.customer_subject,
            created_by_subject: row.created_by_subject,
            created_by_role: row.created_by_role,
            partner_client_id: row.partner_client_id,
            partner_reference: row.partner_reference,
            acknowledgement_due: row.acknowledgement_due,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            triage_decision: None,
            triage_details: None,
            triaged_at: None,
            next_deadline: row.next_deadline,
            next_deadline_kind: row.next_deadline_kind,
            investigator: None,
        }
    }
}

/// The ids a new case's rows are to be written under, taken ahead with its reference number
/// (PostgreSQL: [`next_number_and_ids`]), so that their `INSERT`s go with the writes after
/// them ([`super::together`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdsAhead {
    pub case: i64,
    pub customer: i64,
    /// The new person's, where one was asked for.
    pub person: Option<i64>,
}

/// [`BumpSequence`] that also takes the ids the case and its customer will have, and with
/// `PERSON` their new person's, from the tables' own sequences (PostgreSQL): kept prepared as
/// it is, one statement for each `PERSON`.
#[derive(Debug, Clone, Copy)]
struct BumpSequenceTakingIds<'a, const PERSON: bool>(BumpSequence<'a>);

impl<const PERSON: bool> diesel::query_builder::QueryId for BumpSequenceTakingIds<'_, PERSON> {
    type QueryId = BumpSequenceTakingIds<'static, PERSON>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<const PERSON: bool> diesel::query_builder::Query for BumpSequenceTakingIds<'_, PERSON> {
    type SqlType = (
        diesel::sql_types::BigInt,
        diesel::sql_types::BigInt,
        diesel::sql_types::BigInt,
        diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
    );
}

impl<const PERSON: bool> diesel::query_builder::QueryFragment<diesel::pg::Pg>
    for BumpSequenceTakingIds<'_, PERSON>
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(", nextval('cases_id_seq'), nextval('customers_id_seq'), ");
        out.push_sql(if PERSON {
            "nextval('people_id_seq')"
        } else {
            "NULL::bigint"
        });
        Ok(())
    }
}

impl<Conn, const PERSON: bool> RunQueryDsl<Conn> for BumpSequenceTakingIds<'_, PERSON> {}

/// PostgreSQL: the next number in a kind's sequence for a year, as [`next_reference_number`],
/// and the ids the case and its customer will have (`nextval` of their tables' sequences), and
/// with `new_person` their new person's, in one statement: knowing their ids, their `INSERT`s
/// go with the writes after them. `None` where the sequence has no row for the year yet (its
/// first case takes the usual way).
pub fn next_number_and_ids(
    conn: &mut diesel::PgConnection,
    prefix: &str,
    year: i32,
    new_person: bool,
) -> QueryResult<Option<(i64, IdsAhead)>> {
    let sequence = BumpSequence { prefix, year };
    let taken: Option<(i64, i64, i64, Option<i64>)> = if new_person {
        BumpSequenceTakingIds::<true>(sequence)
            .get_result(conn)
            .optional()?
    } else {
        BumpSequenceTakingIds::<false>(sequence)
            .get_result(conn)
            .optional()?
    };
    Ok(taken.map(|(number, case, customer, person)| {
        (
            number,
            IdsAhead {
                case,
                customer,
                person,
            },
        )
    }))
}

/// The `INSERT` of the customer `row` under its id and person, taken ahead
/// ([`next_number_and_ids`]), for the caller to send with the writes that follow it.
pub fn customer_insertion(row: &CustomerRow) -> impl super::together::Write + '_ {
    diesel::insert_into(customers::table).values((
        row,
        customers::id.eq(row.id),
        customers::person_id.eq(row.person_id),
    ))
}

pub fn insert_case(conn: &mut DbConnection, row: &NewCaseRow) -> QueryResult<CaseRow> {
    diesel::insert_into(cases::table)
        .values(row)
        .returning(cases::all_columns)
        .fetch(conn)
}

pub fn insert_representative(
    conn: &mut DbConnection,
    row: &RepresentativeRow,
) -> QueryResult<RepresentativeRow> {
    diesel::insert_into(representatives::table)
        .values(row)
        .returning(representatives::all_columns)
        .fetch(conn)
}

pub fn find_by_reference(conn: &mut DbConnection, reference: &str) -> QueryResult<Option<CaseRow>> {
    cases::table
        .filter(cases::reference.eq(reference))
        .first_row(conn)
        .optional()
}

/// The case's customer and representative (if any), in one statement.
pub fn people(
    conn: &mut DbConnection,
    case_id: i64,
) -> QueryResult<(CustomerRow, Option<RepresentativeRow>)> {
    cases::table
        .inner_join(customers::table)
        .left_join(representatives::table)
        .filter(cases::id.eq(case_id))
        .select((
            customers::all_columns,
            representatives::all_columns.nullable(),
        ))
        .first_row(conn)
}

/// Filters on the case list. Instants are UTC.
#[derive(Debug, Clone)]
pub struct CaseFilter {
    pub scope: CaseScope,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub service: Option<String>,
    pub channel: Option<String>,
    pub received_from: Option<chrono::NaiveDateTime>,
    /// Exclusive.
    pub received_before: Option<chrono::NaiveDateTime>,
    pub stage: Option<String>,
    pub investigator: Option<String>,
    /// Only cases carrying this flag.
    pub flag: Option<String>,
    /// Next deadline on or before this date.
    pub due_on_or_before: Option<chrono::NaiveDate>,
    /// Next deadline before this date (overdue: today), or, when false, not.
    pub overdue: Option<(bool, chrono::NaiveDate)>,
    /// Only cases with a message to the customer that failed or came back.
    pub correspondence_failed: bool,
    /// The last case of the previous page: (received_at, id).
    pub after: Option<(chrono::NaiveDateTime, i64)>,
}

/// Cases newest first (by time received, then id), at most `limit`.
pub fn list(conn: &mut DbConnection, filter: &CaseFilter, limit: i64) -> QueryResult<Vec<CaseRow>> {
    let mut query = cases::table.into_boxed();
    query = match &filter.scope {
        CaseScope::All => query,
        CaseScope::Services(services) => {
            // The cases the services contribute to are few: fetched first,
            // so that the usual list (none) keeps its plain, indexed filter.
            let contributing = super::ownership::contributed_to(conn, services)?;
            if contributing.is_empty() {
                query.filter(cases::service_id.eq_any(services.clone()))
            } else {
                query.filter(
                    cases::service_id
                        .eq_any(services.clone())
                        .or(cases::id.eq_any(contributing)),
                )
            }
        }
        CaseScope::PostedBy(client) => query.filter(cases::partner_client_id.eq(client.clone())),
        CaseScope::Customer(subject) => query.filter(cases::customer_subject.eq(subject.clone())),
        CaseScope::Nothing => query.filter(cases::id.lt(0)),
        CaseScope::Case(reference) => query.filter(cases::reference.eq(reference.clone())),
    };
    if let Some(kind) = &filter.kind {
        query = query.filter(cases::kind.eq(kind.clone()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(cases::status.eq(status.clone()));
    }
    if let Some(service) = &filter.service {
        query = query.filter(cases::service_id.eq(service.clone()));
    }
    if let Some(channel) = &filter.channel {
        query = query.filter(cases::channel.eq(channel.clone()));
    }
    if let Some(from) = filter.received_from {
        query = query.filter(cases::received_at.ge(from));
    }
    if let Some(before) = filter.received_before {
        query = query.filter(cases::received_at.lt(before));
    }
    if let Some(stage) = &filter.stage {
        query = query.filter(cases::stage.eq(stage.clone()));
    }
    if let Some(investigator) = &filter.investigator {
        query = query.filter(cases::investigator.eq(investigator.clone()));
    }
    if let Some(flag) = &filter.flag {
        use super::schema::case_flags;
        query = query.filter(
            cases::id.eq_any(
                case_flags::table
                    .filter(case_flags::flag.eq(flag.clone()))
                    .select(case_flags::case_id),
            ),
        );
    }
    if filter.correspondence_failed {
        use super::schema::outgoing_messages;
        query = query.filter(
            cases::id.eq_any(
                outgoing_messages::table
                    .filter(outgoing_messages::status.eq_any(super::mailroom::failed_statuses()))
                    .select(outgoing_messages::case_id),
            ),
        );
    }
    if let Some(date) = filter.due_on_or_before {
        query = query.filter(cases::next_deadline.le(date));
    }
    match filter.overdue {
        Some((true, today)) => query = query.filter(cases::next_deadline.lt(today)),
        Some((false, today)) => {
            query = query.filter(
                cases::next_deadline
                    .is_null()
                    .or(cases::next_deadline.ge(today)),
            )
        }
        None => {}
    }
    if let Some((at, id)) = filter.after {
        query = query.filter(
            cases::received_at
                .lt(at)
                .or(cases::received_at.eq(at).and(cases::id.lt(id))),
        );
    }
    query
        .order((cases::received_at.desc(), cases::id.desc()))
        .limit(limit)
        .load(conn)
}

/// What a change's claim writes to the case row besides the new version: where the case now
/// stands, when the change moves it.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = cases)]
pub struct Claim {
    pub status: Option<Status>,
    /// The stage the case is now at (`Some(None)`: at none).
    pub stage: Option<Option<Stage>>,
    /// The triage decision, its details (JSON) and when, at triage.
    pub triage_decision: Option<Decision>,
    pub triage_details: Option<String>,
    pub triaged_at: Option<chrono::NaiveDateTime>,
    /// The lead service, when the case is handed to another.
    #[diesel(column_name = service_id)]
    pub lead_service: Option<String>,
}

/// Claims the next version of a case for a change: bumps `version` only if it is still
/// `expected`, writing `claim` with it, and gives the row as it now is. Of several changes
/// racing from the same version exactly one gets the row; the rest get `None` and must answer
/// 412. On PostgreSQL the row stays locked until the change commits, so changes to one case
/// queue here, before any of their other writes.
pub fn claim_version(
    conn: &mut DbConnection,
    case_id: i64,
    expected: i32,
    at: chrono::NaiveDateTime,
    claim: &Claim,
) -> QueryResult<Option<CaseRow>> {
    Kept(
        diesel::update(
            cases::table
                .filter(cases::id.eq(case_id))
                .filter(cases::version.eq(expected)),
        )
        .set((
            cases::version.eq(expected + 1),
            cases::updated_at.eq(at),
            claim,
        ))
        .returning(cases::all_columns),
    )
    .fetch(conn)
    .optional()
}

/// Stores a case's next deadline and investigator, for the work queues.
pub fn set_work_queue(
    conn: &mut DbConnection,
    case_id: i64,
    next_deadline: Option<(chrono::NaiveDate, &str)>,
    investigator: Option<&str>,
) -> QueryResult<usize> {
    Kept(diesel::update(cases::table.find(case_id)).set((
        cases::next_deadline.eq(next_deadline.map(|(date, _)| date)),
        cases::next_deadline_kind.eq(next_deadline.map(|(_, kind)| kind)),
        cases::investigator.eq(investigator),
    )))
    .run(conn)
}

/// The case with this id.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<CaseRow>> {
    cases::table.find(id).first_row(conn).optional()
}

/// Puts a case in an officer's work queue (a case routed before it has a stage; a stage
/// assigned by the service itself).
pub fn set_investigator(
    conn: &mut DbConnection,
    case_id: i64,
    investigator: Option<&str>,
) -> QueryResult<usize> {
    Kept(diesel::update(cases::table.find(case_id)).set(cases::investigator.eq(investigator)))
        .run(conn)
}

/// Up to `limit` cases after id `after` that may still owe something by a date: those being
/// handled or referred on, and any with a remedy still promised.
pub fn running_after(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<CaseRow>> {
    use super::schema::case_remedies;
    let promised = case_remedies::table
        .filter(case_remedies::case_id.eq(cases::id))
        .filter(case_remedies::status.eq(crate::domain::remedy::RemedyStatus::Promised));
    cases::table
        .filter(cases::id.gt(after))
        .filter(
            cases::status
                .eq_any([Status::Received, Status::Open, Status::OutsideRemit])
                .or(diesel::dsl::exists(promised)),
        )
        .order(cases::id.asc())
        .limit(limit)
        .fetch_all(conn)
}

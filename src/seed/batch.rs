//! The rows of a batch of seeded cases, held until the batch is written:
//! ids and reference numbers are given out here, so a case's rows need no
//! answer from the database, and each table's rows go in a few multi-row
//! statements instead of one round trip each (a million cases in minutes,
//! not an hour, on PostgreSQL).
//!
//! The ids follow the highest already stored, so seeding is for a database
//! nobody else is writing to at the same time.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::cases::{CustomerRow, NewCaseRow};
use crate::db::events::NewEvent;
use crate::db::extensions::ExtensionRow;
use crate::db::feedback::FeedbackRow;
use crate::db::ombudsman::ReferralRow;
use crate::db::people::PersonRow;
use crate::db::remedies::RemedyRow;
use crate::db::responses::ResponseRow;
use crate::db::schema::{
    case_events, case_extensions, case_remedies, case_responses, case_stages, cases, customers,
    feedback_handling, ombudsman_referrals, people, reference_sequences,
};
use crate::db::stages::StageRow;
use crate::db::DbConnection;
use crate::domain::case::{ActorRole, Visibility};

/// Rows per statement: the widest table (cases) stays well under
/// PostgreSQL's 65,535 parameters.
const ROWS_PER_STATEMENT: usize = 1_000;

/// A case as seeded: as created, with where it had got to.
pub struct SeededCase {
    pub id: i64,
    pub row: NewCaseRow,
    pub triage_decision: Option<String>,
    pub triage_details: Option<String>,
    pub triaged_at: Option<NaiveDateTime>,
    pub investigator: Option<String>,
}

/// An event of a case's timeline: the row the service writes for the same
/// `CaseEvent` ([`NewEvent::of`]), owned so it can wait for its batch.
#[derive(Insertable)]
#[diesel(table_name = case_events)]
pub struct SeededEvent {
    pub case_id: i64,
    pub event_type: String,
    pub visibility: Visibility,
    pub actor_subject: String,
    pub actor_role: ActorRole,
    pub occurred_at: NaiveDateTime,
    pub details: String,
    pub feed_type: &'static str,
    pub stage: Option<crate::domain::case::Stage>,
    pub due: Option<chrono::NaiveDate>,
}

impl From<NewEvent<'_>> for SeededEvent {
    fn from(event: NewEvent<'_>) -> SeededEvent {
        SeededEvent {
            case_id: event.case_id,
            event_type: event.event_type.into(),
            visibility: event.visibility,
            actor_subject: event.actor_subject.into(),
            actor_role: event.actor_role,
            occurred_at: event.occurred_at,
            details: event.details,
            feed_type: event.feed_type,
            stage: event.stage,
            due: event.due,
        }
    }
}

/// The last id given out in each table with its own ids.
#[derive(Debug, Default, Clone, Copy)]
struct LastIds {
    person: i64,
    customer: i64,
    case: i64,
    stage: i64,
    extension: i64,
    response: i64,
    remedy: i64,
    referral: i64,
}

/// A reference sequence's last number, and whether its row is stored yet.
#[derive(Debug, Clone, Copy)]
struct Sequence {
    last: i64,
    stored: bool,
    changed: bool,
}

#[derive(Default)]
pub struct Batch {
    last: LastIds,
    sequences: BTreeMap<(String, i32), Sequence>,
    /// The person made for each seeded customer number, across batches.
    person_of: HashMap<u64, (i64, Option<String>)>,
    people: Vec<PersonRow>,
    customers: Vec<CustomerRow>,
    cases: Vec<SeededCase>,
    stages: Vec<StageRow>,
    extensions: Vec<ExtensionRow>,
    responses: Vec<ResponseRow>,
    remedies: Vec<RemedyRow>,
    referrals: Vec<ReferralRow>,
    feedback: Vec<FeedbackRow>,
    events: Vec<SeededEvent>,
}

/// Inserts rows a statement-full at a time. Each backend's own connection
/// takes a multi-row insert; on SQLite diesel runs it row by row inside
/// the transaction, which costs no round trips there.
macro_rules! insert_all {
    ($conn:expr, $table:expr, $values:expr) => {{
        let values: Vec<_> = $values;
        for chunk in values.chunks(ROWS_PER_STATEMENT) {
            match &mut *$conn {
                DbConnection::Pg(c) => diesel::insert_into($table)
                    .values(chunk.to_vec())
                    .execute(c)?,
                DbConnection::Sqlite(c) => diesel::insert_into($table)
                    .values(chunk.to_vec())
                    .execute(c)?,
            };
        }
    }};
}

fn highest(conn: &mut DbConnection) -> QueryResult<LastIds> {
    use diesel::dsl::max;
    let last = |id: Option<i64>| id.unwrap_or(0);
    Ok(LastIds {
        person: last(people::table.select(max(people::id)).first(conn)?),
        customer: last(customers::table.select(max(customers::id)).first(conn)?),
        case: last(cases::table.select(max(cases::id)).first(conn)?),
        stage: last(
            case_stages::table
                .select(max(case_stages::id))
                .first(conn)?,
        ),
        extension: last(
            case_extensions::table
                .select(max(case_extensions::id))
                .first(conn)?,
        ),
        response: last(
            case_responses::table
                .select(max(case_responses::id))
                .first(conn)?,
        ),
        remedy: last(
            case_remedies::table
                .select(max(case_remedies::id))
                .first(conn)?,
        ),
        referral: last(
            ombudsman_referrals::table
                .select(max(ombudsman_referrals::id))
                .first(conn)?,
        ),
    })
}

impl Batch {
    /// Starts after the ids and reference numbers already stored.
    pub fn after_stored(conn: &mut DbConnection) -> QueryResult<Batch> {
        let sequences = reference_sequences::table
            .select((
                reference_sequences::prefix,
                reference_sequences::year,
                reference_sequences::last_number,
            ))
            .load::<(String, i32, i64)>(conn)?
            .into_iter()
            .map(|(prefix, year, last)| {
                (
                    (prefix, year),
                    Sequence {
                        last,
                        stored: true,
                        changed: false,
                    },
                )
            })
            .collect();
        Ok(Batch {
            last: highest(conn)?,
            sequences,
            ..Batch::default()
        })
    }

    /// The next number in a kind's reference sequence for a year.
    pub fn reference_number(&mut self, prefix: &str, year: i32) -> i64 {
        let sequence = self
            .sequences
            .entry((prefix.to_string(), year))
            .or_insert(Sequence {
                last: 0,
                stored: false,
                changed: false,
            });
        sequence.last += 1;
        sequence.changed = true;
        sequence.last
    }

    /// The person seeded customer number `key` is, made from `customer` (their first case's
    /// details) the first time; the customer row is given the person and how a new case's
    /// matching would have found them.
    pub fn person(&mut self, key: u64, customer: &mut CustomerRow) {
        use crate::domain::person::{email_key, phone_key, PersonMatch};
        if let Some((id, email)) = self.person_of.get(&key) {
            customer.person_id = Some(*id);
            customer.person_match = Some(if customer.subject.is_some() {
                PersonMatch::Account
            } else if customer.email.is_some() && *email == customer.email {
                PersonMatch::Email
            } else {
                PersonMatch::Phone
            });
            return;
        }
        self.last.person += 1;
        let id = self.last.person;
        self.people.push(PersonRow {
            id,
            subject: customer.subject.clone(),
            name: customer.name.clone(),
            email: customer.email.clone(),
            phone: customer.phone.clone(),
            address: customer.address.clone(),
            postcode: customer.postcode.clone(),
            preferred_contact: customer.preferred_contact.clone(),
            language: customer.interpreter_language.clone(),
            email_key: customer.email.as_deref().and_then(email_key),
            phone_key: customer.phone.as_deref().and_then(phone_key),
            merged_into: None,
            version: 1,
            created_at: customer.created_at,
            updated_at: customer.created_at,
        });
        self.person_of.insert(key, (id, customer.email.clone()));
        customer.person_id = Some(id);
        customer.person_match = Some(PersonMatch::New);
    }

    pub fn customer(&mut self, mut row: CustomerRow) -> i64 {
        self.last.customer += 1;
        row.id = self.last.customer;
        self.customers.push(row);
        self.last.customer
    }

    /// Holds a case; [`Batch::case_mut`] records where it got to.
    pub fn case(&mut self, row: NewCaseRow) -> i64 {
        self.last.case += 1;
        self.cases.push(SeededCase {
            id: self.last.case,
            row,
            triage_decision: None,
            triage_details: None,
            triaged_at: None,
            investigator: None,
        });
        self.last.case
    }

    /// The case held last.
    pub fn case_mut(&mut self) -> Option<&mut SeededCase> {
        self.cases.last_mut()
    }

    pub fn stage(&mut self, mut row: StageRow) -> i64 {
        self.last.stage += 1;
        row.id = self.last.stage;
        self.stages.push(row);
        self.last.stage
    }

    pub fn extension(&mut self, mut row: ExtensionRow) -> i64 {
        self.last.extension += 1;
        row.id = self.last.extension;
        self.extensions.push(row);
        self.last.extension
    }

    pub fn response(&mut self, mut row: ResponseRow) -> i64 {
        self.last.response += 1;
        row.id = self.last.response;
        self.responses.push(row);
        self.last.response
    }

    pub fn remedy(&mut self, mut row: RemedyRow) -> i64 {
        self.last.remedy += 1;
        row.id = self.last.remedy;
        self.remedies.push(row);
        self.last.remedy
    }

    pub fn referral(&mut self, mut row: ReferralRow) {
        self.last.referral += 1;
        row.id = self.last.referral;
        self.referrals.push(row);
    }

    pub fn feedback(&mut self, row: FeedbackRow) {
        self.feedback.push(row);
    }

    pub fn event(&mut self, event: SeededEvent) {
        self.events.push(event);
    }

    /// Writes the rows held, parents before children, and the reference
    /// sequences they used; the batch is then empty, its ids and numbers
    /// carrying on.
    pub fn write(&mut self, conn: &mut DbConnection) -> QueryResult<()> {
        let people = std::mem::take(&mut self.people);
        insert_all!(
            conn,
            people::table,
            people.iter().map(|r| (people::id.eq(r.id), r)).collect()
        );
        let customers = std::mem::take(&mut self.customers);
        insert_all!(
            conn,
            customers::table,
            customers
                .iter()
                .map(|r| (
                    customers::id.eq(r.id),
                    r,
                    customers::person_id.eq(r.person_id)
                ))
                .collect()
        );
        let cases = std::mem::take(&mut self.cases);
        insert_all!(
            conn,
            cases::table,
            cases
                .iter()
                .map(|c| {
                    (
                        cases::id.eq(c.id),
                        &c.row,
                        cases::triage_decision.eq(c.triage_decision.as_deref()),
                        cases::triage_details.eq(c.triage_details.as_deref()),
                        cases::triaged_at.eq(c.triaged_at),
                        cases::investigator.eq(c.investigator.as_deref()),
                    )
                })
                .collect()
        );
        let stages = std::mem::take(&mut self.stages);
        insert_all!(
            conn,
            case_stages::table,
            stages
                .iter()
                .map(|r| (case_stages::id.eq(r.id), r))
                .collect()
        );
        let extensions = std::mem::take(&mut self.extensions);
        insert_all!(
            conn,
            case_extensions::table,
            extensions
                .iter()
                .map(|r| (case_extensions::id.eq(r.id), r))
                .collect()
        );
        let responses = std::mem::take(&mut self.responses);
        insert_all!(
            conn,
            case_responses::table,
            responses
                .iter()
                .map(|r| (case_responses::id.eq(r.id), r))
                .collect()
        );
        let remedies = std::mem::take(&mut self.remedies);
        insert_all!(
            conn,
            case_remedies::table,
            remedies
                .iter()
                .map(|r| (case_remedies::id.eq(r.id), r))
                .collect()
        );
        let referrals = std::mem::take(&mut self.referrals);
        insert_all!(
            conn,
            ombudsman_referrals::table,
            referrals
                .iter()
                .map(|r| (ombudsman_referrals::id.eq(r.id), r))
                .collect()
        );
        let feedback = std::mem::take(&mut self.feedback);
        insert_all!(conn, feedback_handling::table, feedback.iter().collect());
        let events = std::mem::take(&mut self.events);
        insert_all!(conn, case_events::table, events.iter().collect());
        for ((prefix, year), sequence) in self.sequences.iter_mut() {
            if !sequence.changed {
                continue;
            }
            if sequence.stored {
                diesel::update(reference_sequences::table.find((prefix.as_str(), *year)))
                    .set(reference_sequences::last_number.eq(sequence.last))
                    .execute(conn)?;
            } else {
                diesel::insert_into(reference_sequences::table)
                    .values((
                        reference_sequences::prefix.eq(prefix.as_str()),
                        reference_sequences::year.eq(*year),
                        reference_sequences::last_number.eq(sequence.last),
                    ))
                    .execute(conn)?;
                sequence.stored = true;
            }
            sequence.changed = false;
        }
        Ok(())
    }

    /// On PostgreSQL, moves each table's id sequence past the ids given
    /// out here, so the next case the API creates gets the next id.
    pub fn advance_sequences(conn: &mut DbConnection) -> QueryResult<()> {
        if let DbConnection::Pg(_) = conn {
            for table in [
                "people",
                "customers",
                "cases",
                "case_stages",
                "case_extensions",
                "case_responses",
                "case_remedies",
                "ombudsman_referrals",
            ] {
                diesel::sql_query(format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                ))
                .execute(conn)?;
            }
        }
        Ok(())
    }
}

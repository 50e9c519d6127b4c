//! People: the person records, who each case's customer and representative is, and merges.

use super::native::Native;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::cases::CaseRow;
use super::prepared::{FirstRow, Fixed, Limited, Literal};
use super::schema::{cases, customers, people, person_merges, representatives, services};
use super::DbConnection;
use crate::domain::access::CaseScope;
use crate::domain::person::{Candidate, CasePart, PersonMatch};

/// A person as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Insertable)]
#[diesel(table_name = people, treat_none_as_default_value = false)]
pub struct PersonRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub subject: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub preferred_contact: Option<String>,
    pub language: Option<String>,
    pub email_key: Option<String>,
    pub phone_key: Option<String>,
    pub merged_into: Option<i64>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl PersonRow {
    /// The person as matching weighs them.
    pub fn candidate(&self) -> Candidate {
        Candidate {
            id: self.id,
            subject: self.subject.clone(),
            name: self.name.clone(),
        }
    }
}

/// A person's details as a change writes them (every field, as the change leaves it).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = people, treat_none_as_null = true)]
pub struct PersonDetails {
    pub subject: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub preferred_contact: Option<String>,
    pub language: Option<String>,
    pub email_key: Option<String>,
    pub phone_key: Option<String>,
}

impl From<&PersonRow> for PersonDetails {
    /// The person's details as they stand.
    fn from(person: &PersonRow) -> PersonDetails {
        PersonDetails {
            subject: person.subject.clone(),
            name: person.name.clone(),
            email: person.email.clone(),
            phone: person.phone.clone(),
            address: person.address.clone(),
            postcode: person.postcode.clone(),
            preferred_contact: person.preferred_contact.clone(),
            language: person.language.clone(),
            email_key: person.email_key.clone(),
            phone_key: person.phone_key.clone(),
        }
    }
}

/// A merge, as recorded.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = person_merges, treat_none_as_default_value = false)]
pub struct MergeRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub person_id: i64,
    pub merged_person_id: i64,
    pub reason: String,
    pub merged_by: String,
    pub merged_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &PersonRow) -> QueryResult<PersonRow> {
    diesel::insert_into(people::table)
        .values(row)
        .returning(people::all_columns)
        .fetch(conn)
}

/// The `INSERT` of the new person `row` under the id taken for them ahead
/// (`cases::next_number_and_ids`), for the caller to send with the writes that follow it.
pub fn insertion(row: &PersonRow) -> impl super::together::Write + '_ {
    diesel::insert_into(people::table).values((row, people::id.eq(row.id)))
}

/// Writes a new person and `customer` as theirs. On PostgreSQL one statement: the customer's
/// `INSERT` takes the person's id from the person's, in a `WITH` part (the customer's
/// `person_id` is left aside); SQLite has no round trip to save, and writes one then the other.
/// Gives the customer as stored.
pub fn insert_with_customer(
    conn: &mut DbConnection,
    person: &PersonRow,
    customer: &super::cases::CustomerRow,
) -> QueryResult<super::cases::CustomerRow> {
    match conn {
        DbConnection::Pg(pg) => {
            let customer = diesel::insert_into(customers::table)
                .values((
                    customer,
                    customers::person_id.eq(Fixed::<NewPersonId>::new()),
                ))
                .returning(customers::all_columns);
            WithNewPerson {
                person: diesel::insert_into(people::table).values(person),
                customer,
            }
            .get_result(pg)
        }
        DbConnection::Sqlite(_) => {
            let person = insert(conn, person)?;
            super::cases::insert_customer(
                conn,
                &super::cases::CustomerRow {
                    person_id: Some(person.id),
                    ..customer.clone()
                },
            )
        }
    }
}

/// The id of the person [`WithNewPerson`] writes (only in its customer's `INSERT`).
struct NewPersonId;

impl Literal for NewPersonId {
    type SqlType = diesel::sql_types::Nullable<diesel::sql_types::BigInt>;
    const SQL: &'static str = "(SELECT id FROM new_person)";
}

/// `WITH new_person AS (<person's INSERT> RETURNING id) <customer's INSERT>` (PostgreSQL).
struct WithNewPerson<P, C> {
    person: P,
    customer: C,
}

impl<P, C> diesel::query_builder::QueryId for WithNewPerson<P, C> {
    type QueryId = ();
    // Kept prepared under its text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<P, C: diesel::query_builder::Query> diesel::query_builder::Query for WithNewPerson<P, C> {
    type SqlType = C::SqlType;
}

impl<P, C> diesel::query_builder::QueryFragment<diesel::pg::Pg> for WithNewPerson<P, C>
where
    P: diesel::query_builder::QueryFragment<diesel::pg::Pg>,
    C: diesel::query_builder::QueryFragment<diesel::pg::Pg>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        out.push_sql("WITH new_person AS (");
        self.person.walk_ast(out.reborrow())?;
        out.push_sql(" RETURNING id) ");
        self.customer.walk_ast(out.reborrow())
    }
}

impl<P, C> RunQueryDsl<diesel::pg::PgConnection> for WithNewPerson<P, C> {}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<PersonRow>> {
    people::table.find(id).first_row(conn).optional()
}

/// What intake must weigh of a person beside their details: whether a restriction on them is
/// not lifted, and whether an adjustment for them is in force. Read with the person (two
/// `EXISTS` on `restrictions_by_person` and `adjustments_by_person`), so intake asks nothing
/// more of someone who has neither, as most people have.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attention {
    pub restrictions: bool,
    pub adjustments: bool,
    /// A legal hold on the person is in force (issue 15): their new case's answer shows it.
    pub held: bool,
}

/// A person found, with what intake must weigh of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub person: PersonRow,
    pub attention: Attention,
}

/// The people matching weighs for a new case's customer or representative, merged ones too
/// (matching follows them to the person kept: a merged record's details are still theirs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Matching {
    /// The person with this account (the oldest, should two have been made at once).
    pub by_subject: Option<Found>,
    /// The people with this email address (its key), oldest first, at most [`CANDIDATES`].
    pub by_email: Vec<Found>,
    /// The people with this phone number (its key), oldest first, at most [`CANDIDATES`].
    pub by_phone: Vec<Found>,
}

/// The people with any of these `Option`s (a `None` matches nobody: see [`with_attention`]),
/// as a condition on `people`.
macro_rules! matches_people {
    ($subject:expr, $email_key:expr, $phone_key:expr, $id:expr) => {
        people::subject
            .eq($subject.unwrap_or(NO_TEXT))
            .or(people::email_key.eq($email_key.unwrap_or(NO_TEXT)))
            .or(people::phone_key.eq($phone_key.unwrap_or(NO_TEXT)))
            .or(people::id.eq($id.unwrap_or(NO_ID)))
    };
}

/// How many people with one email address or phone number matching weighs: enough for any
/// household, few enough that a shared office number costs nothing.
pub const CANDIDATES: i64 = 20;

/// The people with an account, email address key or phone number key, each with what intake
/// must weigh of them: one statement for all three (the OR is answered from the three
/// indexes), so a representative's, or an account's claim, costs one read (a new case's
/// customer is read with its service: [`matching_for_service`]). Where more people share them
/// than one read takes (a shared office number), each is read on its own, its oldest
/// [`CANDIDATES`].
pub fn matching(
    conn: &mut DbConnection,
    subject: Option<&str>,
    email_key: Option<&str>,
    phone_key: Option<&str>,
) -> QueryResult<Matching> {
    if subject.is_none() && email_key.is_none() && phone_key.is_none() {
        return Ok(Matching::default());
    }
    let found = with_attention::<MOST_READ>(conn, subject, email_key, phone_key, None)?;
    weigh(conn, found, subject, email_key, phone_key)
}

/// [`matching`] for a new case of the service `service_id`, read with whether that service
/// takes new cases: one statement (the service, and the people matching left joined to it),
/// so that what intake reads before it writes costs one round trip. `None` where there is no
/// such service (nobody is read).
pub fn matching_for_service(
    conn: &mut DbConnection,
    service_id: &str,
    subject: Option<&str>,
    email_key: Option<&str>,
    phone_key: Option<&str>,
) -> QueryResult<Option<(bool, Matching)>> {
    let rows: Vec<(bool, Option<PersonRow>, bool, bool, bool)> = Limited::<_, MOST_READ>(
        services::table
            .left_join(people::table.on(matches_people!(
                subject,
                email_key,
                phone_key,
                None::<i64>
            )))
            .filter(services::id.eq(service_id))
            .order(people::id.asc())
            .select((
                services::active,
                people::all_columns.nullable(),
                Fixed::<RestrictionNotLifted>::new(),
                Fixed::<AdjustmentInForce>::new(),
                Fixed::<HoldInForce>::new(),
            )),
    )
    .fetch_all(conn)?;
    let Some(active) = rows.first().map(|row| row.0) else {
        return Ok(None);
    };
    let found = rows
        .into_iter()
        .filter_map(|(_, person, restrictions, adjustments, held)| {
            Some(Found {
                person: person?,
                attention: Attention {
                    restrictions,
                    adjustments,
                    held,
                },
            })
        })
        .collect();
    Ok(Some((
        active,
        weigh(conn, found, subject, email_key, phone_key)?,
    )))
}

/// How many people one read for [`matching`] takes: the candidates for an email address and
/// for a phone number, and the account's person. Where it takes them all, more may share the
/// details, and each is read on its own.
const MOST_READ: u32 = 2 * CANDIDATES as u32 + 1;

/// The people read for [`matching`] (at most [`MOST_READ`]), sorted by what they match.
fn weigh(
    conn: &mut DbConnection,
    mut found: Vec<Found>,
    subject: Option<&str>,
    email_key: Option<&str>,
    phone_key: Option<&str>,
) -> QueryResult<Matching> {
    if found.len() == MOST_READ as usize {
        found = with_attention::<1>(conn, subject, None, None, None)?;
        for (email_key, phone_key) in [(email_key, None), (None, phone_key)] {
            for more in
                with_attention::<{ CANDIDATES as u32 }>(conn, None, email_key, phone_key, None)?
            {
                if !found.iter().any(|f| f.person.id == more.person.id) {
                    found.push(more);
                }
            }
        }
    }
    let with = |key: Option<&str>, of: fn(&PersonRow) -> Option<&str>| -> Vec<Found> {
        let Some(key) = key else { return vec![] };
        let mut people: Vec<Found> = found
            .iter()
            .filter(|f| of(&f.person) == Some(key))
            .cloned()
            .collect();
        people.sort_by_key(|f| f.person.id);
        people.truncate(CANDIDATES as usize);
        people
    };
    Ok(Matching {
        by_subject: with(subject, |p| p.subject.as_deref()).into_iter().next(),
        by_email: with(email_key, |p| p.email_key.as_deref()),
        by_phone: with(phone_key, |p| p.phone_key.as_deref()),
    })
}

/// The person `id`, with what intake must weigh of them.
pub fn find_with_attention(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Found>> {
    Ok(with_attention::<1>(conn, None, None, None, Some(id))?
        .into_iter()
        .next())
}

/// Whether a restriction on the person read is not lifted (only where `people` is read).
struct RestrictionNotLifted;

impl Literal for RestrictionNotLifted {
    type SqlType = Bool;
    // Correlated with the person read: diesel's query builder keeps a subquery to its own
    // table, so these are written out (the same on both backends).
    const SQL: &'static str = "EXISTS (SELECT 1 FROM restrictions r \
                               WHERE r.person_id = people.id AND r.lifted_at IS NULL)";
}

/// Whether an adjustment for the person read is in force (only where `people` is read).
struct AdjustmentInForce;

impl Literal for AdjustmentInForce {
    type SqlType = Bool;
    const SQL: &'static str = "EXISTS (SELECT 1 FROM adjustments a \
                               WHERE a.person_id = people.id AND a.in_force)";
}

/// Whether a legal hold on the person read is in force (only where `people` is read).
struct HoldInForce;

impl Literal for HoldInForce {
    type SqlType = Bool;
    const SQL: &'static str = "EXISTS (SELECT 1 FROM legal_holds h \
                               WHERE h.person_id = people.id AND h.lifted_at IS NULL)";
}

/// What [`with_attention`] looks for in place of a detail not given: a value no person has.
/// A token's subject is never blank (`auth::token`), an email address key has an `@`, a
/// phone number key seven digits or more, and ids start at 1.
const NO_TEXT: &str = "";
const NO_ID: i64 = 0;

/// The people with any of these (a `None` matches nobody), oldest first, at most `MOST`.
/// One statement whichever are given, kept prepared ([`super::prepared`]): this runs on every
/// intake.
///
/// A detail not given is looked for as a value nobody has ([`NO_TEXT`], [`NO_ID`]), not as
/// NULL. PostgreSQL plans a prepared statement for its parameters' values until a plan for
/// any values costs no more; a term `= NULL` drops out of the plan made for the values, so
/// that plan was always the cheaper, and the statement was planned again on every intake
/// (measured: 0.13 ms of planning a create, against 0.015 ms of reading). With a value in
/// every term, each plan for the values is the plan for any values, which PostgreSQL then
/// keeps.
fn with_attention<const MOST: u32>(
    conn: &mut DbConnection,
    subject: Option<&str>,
    email_key: Option<&str>,
    phone_key: Option<&str>,
    id: Option<i64>,
) -> QueryResult<Vec<Found>> {
    let rows: Vec<(PersonRow, bool, bool, bool)> = Limited::<_, MOST>(
        people::table
            .filter(matches_people!(subject, email_key, phone_key, id))
            .order(people::id.asc())
            .select((
                people::all_columns,
                Fixed::<RestrictionNotLifted>::new(),
                Fixed::<AdjustmentInForce>::new(),
                Fixed::<HoldInForce>::new(),
            )),
    )
    .fetch_all(conn)?;
    Ok(rows
        .into_iter()
        .map(|(person, restrictions, adjustments, held)| Found {
            person,
            attention: Attention {
                restrictions,
                adjustments,
                held,
            },
        })
        .collect())
}

/// Writes a person's details and takes their next version, if `expected` is still current.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    expected: i32,
    details: &PersonDetails,
    at: NaiveDateTime,
) -> QueryResult<Option<PersonRow>> {
    diesel::update(
        people::table
            .filter(people::id.eq(id))
            .filter(people::version.eq(expected)),
    )
    .set((
        details,
        people::version.eq(expected + 1),
        people::updated_at.eq(at),
    ))
    .returning(people::all_columns)
    .get_result(conn)
    .optional()
}

/// Records who a case's customer is, and how that was decided.
pub fn set_customer_person(
    conn: &mut DbConnection,
    customer_id: i64,
    person_id: i64,
    how: PersonMatch,
    uncertain: bool,
) -> QueryResult<usize> {
    diesel::update(customers::table.find(customer_id))
        .set((
            customers::person_id.eq(Some(person_id)),
            customers::person_match.eq(Some(how)),
            customers::person_match_uncertain.eq(uncertain),
        ))
        .execute(conn)
}

/// Records who a case's representative is.
pub fn set_representative_person(
    conn: &mut DbConnection,
    representative_id: i64,
    person_id: i64,
) -> QueryResult<usize> {
    diesel::update(representatives::table.find(representative_id))
        .set(representatives::person_id.eq(Some(person_id)))
        .execute(conn)
}

/// The ids of the people on cases the scope sees, as customer or representative.
fn on_cases_in(
    conn: &mut DbConnection,
    services: &[String],
    person_ids: &[i64],
) -> QueryResult<Vec<i64>> {
    let contributing = super::ownership::contributed_to(conn, services)?;
    let as_customer: Vec<Option<i64>> = customers::table
        .inner_join(cases::table)
        .filter(customers::person_id.eq_any(person_ids))
        .filter(
            cases::service_id
                .eq_any(services)
                .or(cases::id.eq_any(&contributing)),
        )
        .select(customers::person_id)
        .load(conn)?;
    let as_representative: Vec<Option<i64>> = representatives::table
        .inner_join(cases::table)
        .filter(representatives::person_id.eq_any(person_ids))
        .filter(
            cases::service_id
                .eq_any(services)
                .or(cases::id.eq_any(&contributing)),
        )
        .select(representatives::person_id)
        .load(conn)?;
    let mut ids: Vec<i64> = as_customer
        .into_iter()
        .chain(as_representative)
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Whether a caller with `scope` may see the person: the complaints manager any; staff those
/// on their services' cases; a customer themselves; a partner nobody.
pub fn visible_in(
    conn: &mut DbConnection,
    person: &PersonRow,
    scope: &CaseScope,
) -> QueryResult<bool> {
    Ok(match scope {
        CaseScope::All => true,
        CaseScope::Services(services) => !on_cases_in(conn, services, &[person.id])?.is_empty(),
        CaseScope::Customer(subject) => person.subject.as_deref() == Some(subject.as_str()),
        CaseScope::PostedBy(_) | CaseScope::Nothing | CaseScope::Case(_) => false,
    })
}

/// Filters on the people list.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    pub email_key: Option<String>,
    pub phone_key: Option<String>,
    /// Only people with a case whose customer match waits for staff.
    pub uncertain: bool,
    /// Merged people too.
    pub merged: bool,
    /// The last id of the previous page.
    pub after: Option<i64>,
}

/// People, oldest first, at most `limit`: for staff of `services` (`None`: every service)
/// only those on their services' cases (led or contributed to).
pub fn list(
    conn: &mut DbConnection,
    services: Option<&[String]>,
    filter: &PersonFilter,
    limit: i64,
) -> QueryResult<Vec<PersonRow>> {
    let mut query = people::table
        .filter(people::id.gt(filter.after.unwrap_or(0)))
        .into_boxed();
    if let Some(services) = services {
        let contributing = super::ownership::contributed_to(conn, services)?;
        let in_scope = cases::service_id
            .eq_any(services.to_vec())
            .or(cases::id.eq_any(contributing));
        // Merged records have no cases of their own; the person kept is listed.
        query = query.filter(
            people::id
                .nullable()
                .eq_any(
                    customers::table
                        .inner_join(cases::table)
                        .filter(in_scope.clone())
                        .select(customers::person_id),
                )
                .or(people::id.nullable().eq_any(
                    representatives::table
                        .inner_join(cases::table)
                        .filter(in_scope)
                        .select(representatives::person_id),
                )),
        );
    }
    if let Some(key) = &filter.email_key {
        query = query.filter(people::email_key.eq(key.clone()));
    }
    if let Some(key) = &filter.phone_key {
        query = query.filter(people::phone_key.eq(key.clone()));
    }
    if !filter.merged {
        query = query.filter(people::merged_into.is_null());
    }
    if filter.uncertain {
        query = query.filter(
            people::id.nullable().eq_any(
                customers::table
                    .filter(customers::person_match_uncertain.eq(true))
                    .select(customers::person_id),
            ),
        );
    }
    query.order(people::id.asc()).limit(limit).load(conn)
}

/// A case of a person's: the case, their part on it, and (as its customer) how they were
/// matched and whether that waits for staff.
pub type CaseOfPerson = (CaseRow, CasePart, Option<PersonMatch>, bool);

/// A person's cases, newest first: as customer, then as representative, with how each
/// customer was matched.
pub fn cases_of(conn: &mut DbConnection, person_id: i64) -> QueryResult<Vec<CaseOfPerson>> {
    let as_customer: Vec<(CaseRow, Option<PersonMatch>, bool)> = cases::table
        .inner_join(customers::table)
        .filter(customers::person_id.eq(person_id))
        .select((
            cases::all_columns,
            customers::person_match,
            customers::person_match_uncertain,
        ))
        .load(conn)?;
    let as_representative: Vec<CaseRow> = cases::table
        .inner_join(representatives::table)
        .filter(representatives::person_id.eq(person_id))
        .select(cases::all_columns)
        .load(conn)?;
    let mut all: Vec<_> = as_customer
        .into_iter()
        .map(|(case, how, uncertain)| (case, CasePart::Customer, how, uncertain))
        .chain(
            as_representative
                .into_iter()
                .map(|case| (case, CasePart::Representative, None, false)),
        )
        .collect();
    all.sort_by(|a, b| {
        (b.0.received_at, b.0.id, a.1 == CasePart::Representative).cmp(&(
            a.0.received_at,
            a.0.id,
            b.1 == CasePart::Representative,
        ))
    });
    Ok(all)
}

/// Who a case's people are: the customer's person, how they were matched, whether that waits
/// for staff, and the representative's person.
pub type PeopleOfCase = (Option<i64>, Option<PersonMatch>, bool, Option<i64>);

/// The person a case's customer is, with how they were matched.
pub fn of_case(conn: &mut DbConnection, case_id: i64) -> QueryResult<PeopleOfCase> {
    let (customer_person, how, uncertain): (Option<i64>, Option<PersonMatch>, bool) = cases::table
        .inner_join(customers::table)
        .filter(cases::id.eq(case_id))
        .select((
            customers::person_id,
            customers::person_match,
            customers::person_match_uncertain,
        ))
        .first(conn)?;
    let representative: Option<Option<i64>> = representatives::table
        .filter(representatives::case_id.eq(case_id))
        .select(representatives::person_id)
        .first(conn)
        .optional()?;
    Ok((customer_person, how, uncertain, representative.flatten()))
}

/// Folds `merged` into `person`: every case row that named the one names the other, their
/// restrictions and reasonable adjustments (in force and ended) become the kept person's, and
/// the merged person points at the one kept. Returns how many customer, representative and
/// adjustment rows moved.
pub fn merge(
    conn: &mut DbConnection,
    person: i64,
    merged: i64,
    record: &MergeRow,
) -> QueryResult<usize> {
    let customers_moved = diesel::update(customers::table.filter(customers::person_id.eq(merged)))
        .set(customers::person_id.eq(Some(person)))
        .execute(conn)?;
    let representatives_moved =
        diesel::update(representatives::table.filter(representatives::person_id.eq(merged)))
            .set(representatives::person_id.eq(Some(person)))
            .execute(conn)?;
    // Restrictions are on the person: they go with the merge.
    super::restrictions::move_to(conn, merged, person)?;
    let adjustments_moved = super::adjustments::move_to(conn, merged, person)?.len();
    // Anyone merged into the merged person earlier now points at the one kept.
    diesel::update(people::table.filter(people::merged_into.eq(merged)))
        .set(people::merged_into.eq(Some(person)))
        .execute(conn)?;
    diesel::update(people::table.find(merged))
        .set(people::merged_into.eq(Some(person)))
        .execute(conn)?;
    diesel::insert_into(person_merges::table)
        .values(record)
        .execute(conn)?;
    Ok(customers_moved + representatives_moved + adjustments_moved)
}

/// The merges into a person, oldest first.
pub fn merges_into(conn: &mut DbConnection, person: i64) -> QueryResult<Vec<MergeRow>> {
    person_merges::table
        .filter(person_merges::person_id.eq(person))
        .order(person_merges::id.asc())
        .load(conn)
}

/// Customers not yet matched to a person (cases from before people), oldest first.
pub fn unmatched_customers(
    conn: &mut DbConnection,
    limit: i64,
) -> QueryResult<Vec<super::cases::CustomerRow>> {
    customers::table
        .filter(customers::person_id.is_null())
        .order(customers::id.asc())
        .limit(limit)
        .load(conn)
}

/// Representatives not yet matched to a person, oldest first.
pub fn unmatched_representatives(
    conn: &mut DbConnection,
    limit: i64,
) -> QueryResult<Vec<super::cases::RepresentativeRow>> {
    representatives::table
        .filter(representatives::person_id.is_null())
        .order(representatives::id.asc())
        .limit(limit)
        .load(conn)
}

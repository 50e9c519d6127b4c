//! People: the person records, who each case's customer and representative is, and merges.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::cases::CaseRow;
use super::schema::{cases, customers, people, person_merges, representatives};
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
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<PersonRow>> {
    people::table.find(id).first(conn).optional()
}

/// The person with this account (the oldest, should two have been made at once), merged
/// ones too.
pub fn by_subject(conn: &mut DbConnection, subject: &str) -> QueryResult<Option<PersonRow>> {
    people::table
        .filter(people::subject.eq(subject))
        .order(people::id.asc())
        .first(conn)
        .optional()
}

/// How many people with one email address or phone number matching weighs: enough for any
/// household, few enough that a shared office number costs nothing.
const CANDIDATES: i64 = 20;

/// The people with this email address (its key), oldest first, merged ones too (matching
/// follows them to the person kept: a merged record's details are still theirs).
pub fn by_email_key(conn: &mut DbConnection, key: &str) -> QueryResult<Vec<PersonRow>> {
    people::table
        .filter(people::email_key.eq(key))
        .order(people::id.asc())
        .limit(CANDIDATES)
        .load(conn)
}

/// The people with this phone number (its key), oldest first, merged ones too.
pub fn by_phone_key(conn: &mut DbConnection, key: &str) -> QueryResult<Vec<PersonRow>> {
    people::table
        .filter(people::phone_key.eq(key))
        .order(people::id.asc())
        .limit(CANDIDATES)
        .load(conn)
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
        CaseScope::PostedBy(_) => false,
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

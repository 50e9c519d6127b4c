//! Retention's storage: legal holds, the finished cases the pass looks at, and the statements
//! that remove a batch of cases' personal data (issue 15).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use super::prepared::FirstRow;
use super::schema::{
    adjustment_reviews, adjustments, case_anonymisations, case_document_contents, case_documents,
    case_events, case_extensions, case_flags, case_remedies, case_responses, case_stages, cases,
    customers, erasure_requests, feedback_handling, idempotency_records, legal_holds, letters,
    new_issue_reviews, ombudsman_referrals, outgoing_messages, people, person_merges,
    representatives, restriction_reviews, restrictions, surveys,
};
use super::DbConnection;
use crate::domain::retention::{finished_statuses, PLACEHOLDER};

/// A legal hold as stored.
#[derive(Debug, Clone, Queryable)]
pub struct HoldRow {
    pub id: i64,
    pub case_id: Option<i64>,
    pub person_id: Option<i64>,
    pub reason: String,
    pub placed_by: String,
    pub placed_at: NaiveDateTime,
    pub lifted_by: Option<String>,
    pub lifted_at: Option<NaiveDateTime>,
    pub lift_reason: Option<String>,
}

/// A hold to place.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = legal_holds, treat_none_as_default_value = false)]
pub struct NewHold<'a> {
    pub case_id: Option<i64>,
    pub person_id: Option<i64>,
    pub reason: &'a str,
    pub placed_by: &'a str,
    pub placed_at: NaiveDateTime,
}

pub fn place_hold(conn: &mut DbConnection, hold: &NewHold<'_>) -> QueryResult<HoldRow> {
    diesel::insert_into(legal_holds::table)
        .values(hold)
        .returning(legal_holds::all_columns)
        .get_result(conn)
}

/// The holds on a case (all of them, the one in force first), newest first.
pub fn holds_on_case(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<HoldRow>> {
    legal_holds::table
        .filter(legal_holds::case_id.eq(case_id))
        .order(legal_holds::id.desc())
        .load(conn)
}

/// The holds on a person, newest first.
pub fn holds_on_person(conn: &mut DbConnection, person_id: i64) -> QueryResult<Vec<HoldRow>> {
    legal_holds::table
        .filter(legal_holds::person_id.eq(person_id))
        .order(legal_holds::id.desc())
        .load(conn)
}

/// The holds in force on any of `case_ids` or on person `person_id`, newest first, each with
/// the reference of the case it is on (none for a hold on a person).
pub fn in_force_on(
    conn: &mut DbConnection,
    case_ids: &[i64],
    person_id: Option<i64>,
) -> QueryResult<Vec<(HoldRow, Option<String>)>> {
    let rows: Vec<HoldRow> = legal_holds::table
        .filter(legal_holds::lifted_at.is_null())
        .filter(
            legal_holds::case_id
                .eq_any(case_ids.to_vec())
                .or(legal_holds::person_id.eq(person_id)),
        )
        .order(legal_holds::id.desc())
        .load(conn)?;
    let held: Vec<i64> = rows.iter().filter_map(|r| r.case_id).collect();
    let references: Vec<(i64, String)> = if held.is_empty() {
        vec![]
    } else {
        cases::table
            .filter(cases::id.eq_any(held))
            .select((cases::id, cases::reference))
            .load(conn)?
    };
    Ok(rows
        .into_iter()
        .map(|row| {
            let reference = row.case_id.and_then(|id| {
                references
                    .iter()
                    .find(|(case, _)| *case == id)
                    .map(|(_, r)| r.clone())
            });
            (row, reference)
        })
        .collect())
}

/// Lifts hold `id`, if still in force; gives it as it now is.
pub fn lift_hold(
    conn: &mut DbConnection,
    id: i64,
    by: &str,
    at: NaiveDateTime,
    reason: Option<&str>,
) -> QueryResult<Option<HoldRow>> {
    diesel::update(
        legal_holds::table
            .filter(legal_holds::id.eq(id))
            .filter(legal_holds::lifted_at.is_null()),
    )
    .set((
        legal_holds::lifted_by.eq(by),
        legal_holds::lifted_at.eq(at),
        legal_holds::lift_reason.eq(reason),
    ))
    .returning(legal_holds::all_columns)
    .get_result(conn)
    .optional()
}

/// The holds in force on any of `case_ids`, directly or through their customer's person,
/// as (case id, reason).
pub fn holds_in_force(
    conn: &mut DbConnection,
    case_ids: &[i64],
) -> QueryResult<Vec<(i64, String)>> {
    let mut on_cases: Vec<(i64, String)> = legal_holds::table
        .filter(legal_holds::lifted_at.is_null())
        .filter(legal_holds::case_id.eq_any(case_ids.to_vec()))
        .select((legal_holds::case_id.assume_not_null(), legal_holds::reason))
        .load(conn)?;
    let on_people: Vec<(i64, String)> = cases::table
        .inner_join(customers::table)
        .inner_join(
            legal_holds::table.on(legal_holds::person_id
                .eq(customers::person_id)
                .and(legal_holds::lifted_at.is_null())),
        )
        .filter(cases::id.eq_any(case_ids.to_vec()))
        .select((cases::id, legal_holds::reason))
        .load(conn)?;
    on_cases.extend(on_people);
    Ok(on_cases)
}

/// A finished case the pass looks at: when it finished and how.
#[derive(Debug, Clone, QueryableByName)]
pub struct Finished {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    /// The last closure, withdrawal or triage decision on its timeline.
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub closed_at: Option<NaiveDateTime>,
    /// Its last stage's outcome, if any.
    #[diesel(sql_type = Nullable<Text>)]
    pub outcome: Option<String>,
}

fn quoted_statuses() -> String {
    finished_statuses()
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Up to `limit` finished cases not anonymised, after case id `after`, in id order, each with
/// the time it finished and its last outcome. `with_documents` keeps only those with
/// documents still held.
pub fn finished_after(
    conn: &mut DbConnection,
    after: i64,
    limit: i64,
    with_documents: bool,
) -> QueryResult<Vec<Finished>> {
    let documents = if with_documents {
        "AND EXISTS (SELECT 1 FROM case_documents d WHERE d.case_id = c.id)"
    } else {
        "AND NOT EXISTS (SELECT 1 FROM case_anonymisations a WHERE a.case_id = c.id)"
    };
    let query = format!(
        "SELECT c.id, c.kind, c.status, \
           (SELECT MAX(e.occurred_at) FROM case_events e WHERE e.case_id = c.id \
              AND e.event_type IN ('closed', 'withdrawn', 'triaged')) AS closed_at, \
           (SELECT s.outcome FROM case_stages s WHERE s.case_id = c.id \
              AND s.outcome IS NOT NULL ORDER BY s.id DESC LIMIT 1) AS outcome \
         FROM cases c WHERE c.id > $1 AND c.status IN ({}) {documents} \
         ORDER BY c.id LIMIT $2",
        quoted_statuses()
    );
    diesel::sql_query(query)
        .bind::<BigInt, _>(after)
        .bind::<BigInt, _>(limit)
        .load(conn)
}

/// Of `case_ids`, those the LGSCO's exceptions keep: a remedy still outstanding, or an
/// Ombudsman referral not yet decided.
pub fn outstanding(conn: &mut DbConnection, case_ids: &[i64]) -> QueryResult<Vec<i64>> {
    let mut held: Vec<i64> = case_remedies::table
        .filter(case_remedies::case_id.eq_any(case_ids.to_vec()))
        .filter(case_remedies::status.eq("promised"))
        .select(case_remedies::case_id)
        .load(conn)?;
    held.extend(
        ombudsman_referrals::table
            .filter(ombudsman_referrals::case_id.eq_any(case_ids.to_vec()))
            .filter(ombudsman_referrals::decision.is_null())
            .select(ombudsman_referrals::case_id)
            .load::<i64>(conn)?,
    );
    held.sort_unstable();
    held.dedup();
    Ok(held)
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Of `case_ids`, those this transaction now holds and no one has anonymised: on PostgreSQL
/// the cases' rows are locked, and those another instance holds are skipped (`FOR UPDATE
/// SKIP LOCKED`); SQLite has one writer at a time.
pub fn claim(conn: &mut DbConnection, case_ids: &[i64]) -> QueryResult<Vec<i64>> {
    if case_ids.is_empty() {
        return Ok(vec![]);
    }
    let list = case_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let select = format!(
        "SELECT c.id FROM cases c WHERE c.id IN ({list}) \
         AND NOT EXISTS (SELECT 1 FROM case_anonymisations a WHERE a.case_id = c.id) \
         ORDER BY c.id"
    );
    let rows: Vec<Id> = match conn {
        DbConnection::Pg(pg) => {
            diesel::sql_query(format!("{select} FOR UPDATE OF c SKIP LOCKED")).load(pg)?
        }
        DbConnection::Sqlite(sqlite) => diesel::sql_query(select).load(sqlite)?,
    };
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Of `case_ids` (cases with documents), those this transaction now holds (as [`claim`]).
pub fn claim_for_documents(conn: &mut DbConnection, case_ids: &[i64]) -> QueryResult<Vec<i64>> {
    if case_ids.is_empty() {
        return Ok(vec![]);
    }
    let list = case_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let select = format!("SELECT c.id FROM cases c WHERE c.id IN ({list}) ORDER BY c.id");
    let rows: Vec<Id> = match conn {
        DbConnection::Pg(pg) => {
            diesel::sql_query(format!("{select} FOR UPDATE OF c SKIP LOCKED")).load(pg)?
        }
        DbConnection::Sqlite(sqlite) => diesel::sql_query(select).load(sqlite)?,
    };
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Deletes the documents of `case_ids` (descriptions and bytes held in the database); gives
/// the ids of those whose bytes are in files, for the caller to delete once committed.
pub fn delete_documents(
    conn: &mut DbConnection,
    case_ids: &[i64],
) -> QueryResult<(usize, Vec<i64>)> {
    let documents: Vec<(i64, String)> = case_documents::table
        .filter(case_documents::case_id.eq_any(case_ids.to_vec()))
        .select((case_documents::id, case_documents::storage))
        .load(conn)?;
    let ids: Vec<i64> = documents.iter().map(|(id, _)| *id).collect();
    let documents_count = ids.len();
    diesel::delete(
        case_document_contents::table
            .filter(case_document_contents::document_id.eq_any(ids.clone())),
    )
    .execute(conn)?;
    diesel::delete(case_documents::table.filter(case_documents::id.eq_any(ids))).execute(conn)?;
    let in_files = documents
        .into_iter()
        .filter(|(_, storage)| storage == super::documents::IN_FOLDER)
        .map(|(id, _)| id)
        .collect();
    Ok((documents_count, in_files))
}

/// A customer of a case being anonymised: what is kept of them is worked out in Rust.
#[derive(Debug, Clone, Queryable)]
pub struct CustomerLine {
    pub id: i64,
    pub postcode: Option<String>,
    pub person_id: Option<i64>,
}

/// The customers of `case_ids`.
pub fn customers_of(conn: &mut DbConnection, case_ids: &[i64]) -> QueryResult<Vec<CustomerLine>> {
    customers::table
        .filter(
            customers::id.eq_any(
                cases::table
                    .filter(cases::id.eq_any(case_ids.to_vec()))
                    .select(cases::customer_id),
            ),
        )
        .select((customers::id, customers::postcode, customers::person_id))
        .load(conn)
}

/// Removes the personal data of customers `ids`, leaving `district` as their postcode.
pub fn anonymise_customers(
    conn: &mut DbConnection,
    ids: &[i64],
    district: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(customers::table.filter(customers::id.eq_any(ids.to_vec())))
        .set((
            customers::subject.eq(None::<String>),
            customers::name.eq(PLACEHOLDER),
            customers::email.eq(None::<String>),
            customers::phone.eq(None::<String>),
            customers::address.eq(None::<String>),
            customers::postcode.eq(district),
            customers::interpreter_language.eq(None::<String>),
            customers::large_print.eq(false),
            customers::audio.eq(false),
            customers::other_adjustments.eq(None::<String>),
            customers::person_id.eq(None::<i64>),
            customers::person_match.eq(None::<String>),
            customers::person_match_uncertain.eq(false),
        ))
        .execute(conn)
}

/// The representatives' people of `case_ids`.
pub fn representatives_people(conn: &mut DbConnection, case_ids: &[i64]) -> QueryResult<Vec<i64>> {
    representatives::table
        .filter(representatives::case_id.eq_any(case_ids.to_vec()))
        .filter(representatives::person_id.is_not_null())
        .select(representatives::person_id.assume_not_null())
        .load(conn)
}

/// Text to rewrite in Rust: (row id, text).
pub type TextLine = (i64, Option<String>);

/// Every statement that removes the personal data held on `case_ids` themselves and the
/// records hanging from them (not their customers, people or events: see the callers).
pub fn anonymise_case_records(
    conn: &mut DbConnection,
    case_ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<()> {
    let ids = || case_ids.to_vec();
    diesel::update(cases::table.filter(cases::id.eq_any(ids())))
        .set((
            cases::summary.eq(PLACEHOLDER),
            cases::description.eq(PLACEHOLDER),
            cases::desired_outcome.eq(None::<String>),
            cases::received_at_reason.eq(None::<String>),
            cases::staff_named.eq(None::<String>),
            cases::customer_subject.eq(None::<String>),
            cases::version.eq(cases::version + 1),
            cases::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(
        cases::table
            .filter(cases::id.eq_any(ids()))
            .filter(cases::created_by_role.eq("customer")),
    )
    .set(cases::created_by_subject.eq(PLACEHOLDER))
    .execute(conn)?;
    diesel::update(representatives::table.filter(representatives::case_id.eq_any(ids())))
        .set((
            representatives::name.eq(PLACEHOLDER),
            representatives::organisation.eq(None::<String>),
            representatives::relationship.eq(None::<String>),
            representatives::email.eq(None::<String>),
            representatives::phone.eq(None::<String>),
            representatives::address.eq(None::<String>),
            representatives::person_id.eq(None::<i64>),
        ))
        .execute(conn)?;
    diesel::update(case_stages::table.filter(case_stages::case_id.eq_any(ids())))
        .set((
            case_stages::request_reason.eq(None::<String>),
            case_stages::late_acceptance_reason.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(case_responses::table.filter(case_responses::case_id.eq_any(ids())))
        .set((
            case_responses::findings.eq("[]"),
            case_responses::apology.eq(None::<String>),
            case_responses::letter.eq(PLACEHOLDER),
            case_responses::sent_at_reason.eq(None::<String>),
            case_responses::understanding.eq(None::<String>),
            case_responses::outstanding_actions.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(case_extensions::table.filter(case_extensions::case_id.eq_any(ids())))
        .set(case_extensions::reason.eq(PLACEHOLDER))
        .execute(conn)?;
    diesel::update(case_remedies::table.filter(case_remedies::case_id.eq_any(ids())))
        .set((
            case_remedies::description.eq(PLACEHOLDER),
            case_remedies::evidence.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(case_flags::table.filter(case_flags::case_id.eq_any(ids())))
        .set(case_flags::note.eq(None::<String>))
        .execute(conn)?;
    diesel::update(feedback_handling::table.filter(feedback_handling::case_id.eq_any(ids())))
        .set((
            feedback_handling::forward_note.eq(None::<String>),
            feedback_handling::reply.eq(None::<String>),
            feedback_handling::action_details.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(surveys::table.filter(surveys::case_id.eq_any(ids())))
        .set(surveys::comment.eq(None::<String>))
        .execute(conn)?;
    diesel::update(letters::table.filter(letters::case_id.eq_any(ids())))
        .set((
            letters::subject.eq(PLACEHOLDER),
            letters::text.eq(PLACEHOLDER),
            letters::html.eq(PLACEHOLDER),
            letters::body.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(outgoing_messages::table.filter(outgoing_messages::case_id.eq_any(ids())))
        .set((
            outgoing_messages::recipient.eq(PLACEHOLDER),
            outgoing_messages::subject.eq(PLACEHOLDER),
            outgoing_messages::body_text.eq(PLACEHOLDER),
            outgoing_messages::body_html.eq(None::<String>),
            outgoing_messages::pdf.eq(None::<Vec<u8>>),
            outgoing_messages::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    let restriction_ids: Vec<i64> = restrictions::table
        .filter(restrictions::case_id.eq_any(ids()))
        .select(restrictions::id)
        .load(conn)?;
    anonymise_restrictions(conn, &restriction_ids)?;
    diesel::update(new_issue_reviews::table.filter(new_issue_reviews::case_id.eq_any(ids())))
        .set(new_issue_reviews::notes.eq(PLACEHOLDER))
        .execute(conn)?;
    let adjustment_ids: Vec<i64> = adjustments::table
        .filter(adjustments::case_id.eq_any(ids()))
        .select(adjustments::id)
        .load(conn)?;
    anonymise_adjustments(conn, &adjustment_ids)?;
    diesel::update(case_events::table.filter(case_events::case_id.eq_any(ids())))
        .filter(case_events::actor_role.eq("customer"))
        .set(case_events::actor_subject.eq(PLACEHOLDER))
        .execute(conn)?;
    // The answers replayed to a retried create carry what the create was sent.
    let references: Vec<String> = cases::table
        .filter(cases::id.eq_any(ids()))
        .select(cases::reference)
        .load(conn)?;
    for reference in references {
        diesel::delete(
            idempotency_records::table.filter(
                idempotency_records::response_location
                    .eq(format!("/api/v1/cases/{reference}"))
                    .or(idempotency_records::response_location
                        .like(format!("/api/v1/cases/{reference}/%"))),
            ),
        )
        .execute(conn)?;
    }
    Ok(())
}

fn anonymise_restrictions(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<()> {
    diesel::update(restrictions::table.filter(restrictions::id.eq_any(ids.to_vec())))
        .set((
            restrictions::matter.eq(PLACEHOLDER),
            restrictions::warning.eq(None::<String>),
            restrictions::no_warning_reason.eq(None::<String>),
            restrictions::proportionality.eq(PLACEHOLDER),
        ))
        .execute(conn)?;
    diesel::update(
        restriction_reviews::table.filter(restriction_reviews::restriction_id.eq_any(ids.to_vec())),
    )
    .set(restriction_reviews::reasons.eq(None::<String>))
    .execute(conn)?;
    Ok(())
}

fn anonymise_adjustments(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<()> {
    diesel::update(adjustments::table.filter(adjustments::id.eq_any(ids.to_vec())))
        .set((
            adjustments::details.eq(None::<String>),
            adjustments::language.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(
        adjustment_reviews::table.filter(adjustment_reviews::adjustment_id.eq_any(ids.to_vec())),
    )
    .set((
        adjustment_reviews::note.eq(PLACEHOLDER),
        adjustment_reviews::previous_language.eq(None::<String>),
        adjustment_reviews::previous_details.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(())
}

/// The triage details of `case_ids`, to rewrite.
pub fn triage_details(conn: &mut DbConnection, case_ids: &[i64]) -> QueryResult<Vec<TextLine>> {
    cases::table
        .filter(cases::id.eq_any(case_ids.to_vec()))
        .filter(cases::triage_details.is_not_null())
        .select((cases::id, cases::triage_details))
        .load(conn)
}

pub fn set_triage_details(conn: &mut DbConnection, id: i64, details: &str) -> QueryResult<usize> {
    diesel::update(cases::table.filter(cases::id.eq(id)))
        .set(cases::triage_details.eq(details))
        .execute(conn)
}

/// The Ombudsman's recommendations on `case_ids`, to rewrite.
pub fn recommendations(
    conn: &mut DbConnection,
    case_ids: &[i64],
) -> QueryResult<Vec<(i64, String)>> {
    ombudsman_referrals::table
        .filter(ombudsman_referrals::case_id.eq_any(case_ids.to_vec()))
        .select((
            ombudsman_referrals::id,
            ombudsman_referrals::recommendations,
        ))
        .load(conn)
}

pub fn set_recommendations(conn: &mut DbConnection, id: i64, text: &str) -> QueryResult<usize> {
    diesel::update(ombudsman_referrals::table.filter(ombudsman_referrals::id.eq(id)))
        .set(ombudsman_referrals::recommendations.eq(text))
        .execute(conn)
}

/// The events of `case_ids`: (id, details).
pub fn event_details(conn: &mut DbConnection, case_ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    case_events::table
        .filter(case_events::case_id.eq_any(case_ids.to_vec()))
        .select((case_events::id, case_events::details))
        .load(conn)
}

pub fn set_event_details(conn: &mut DbConnection, id: i64, details: &str) -> QueryResult<usize> {
    diesel::update(case_events::table.filter(case_events::id.eq(id)))
        .set(case_events::details.eq(details))
        .execute(conn)
}

/// Records that `case_ids` were anonymised.
pub fn record_anonymised(
    conn: &mut DbConnection,
    rows: &[(i64, Option<NaiveDateTime>)],
    at: NaiveDateTime,
    basis: &str,
    erasure_request: Option<i64>,
) -> QueryResult<usize> {
    let values: Vec<_> = rows
        .iter()
        .map(|(case_id, closed_at)| {
            (
                case_anonymisations::case_id.eq(*case_id),
                case_anonymisations::anonymised_at.eq(at),
                case_anonymisations::basis.eq(basis),
                case_anonymisations::closed_at.eq(*closed_at),
                case_anonymisations::erasure_request_id.eq(erasure_request),
            )
        })
        .collect();
    match conn {
        DbConnection::Pg(pg) => diesel::insert_into(case_anonymisations::table)
            .values(values)
            .execute(pg),
        DbConnection::Sqlite(_) => values
            .into_iter()
            .map(|v| {
                diesel::insert_into(case_anonymisations::table)
                    .values(v)
                    .execute(conn)
            })
            .sum(),
    }
}

/// When case `case_id` was anonymised, if it was.
pub fn anonymised_at(conn: &mut DbConnection, case_id: i64) -> QueryResult<Option<NaiveDateTime>> {
    case_anonymisations::table
        .filter(case_anonymisations::case_id.eq(case_id))
        .select(case_anonymisations::anonymised_at)
        .first_row(conn)
        .optional()
}

/// Of `person_ids`, those no customer or representative row names any more.
pub fn people_without_cases(conn: &mut DbConnection, person_ids: &[i64]) -> QueryResult<Vec<i64>> {
    let mut named: Vec<i64> = customers::table
        .filter(customers::person_id.eq_any(person_ids.to_vec()))
        .select(customers::person_id.assume_not_null())
        .load(conn)?;
    named.extend(
        representatives::table
            .filter(representatives::person_id.eq_any(person_ids.to_vec()))
            .select(representatives::person_id.assume_not_null())
            .load::<i64>(conn)?,
    );
    Ok(person_ids
        .iter()
        .copied()
        .filter(|p| !named.contains(p))
        .collect())
}

/// The postcodes of `person_ids`: (id, postcode).
pub fn people_postcodes(conn: &mut DbConnection, person_ids: &[i64]) -> QueryResult<Vec<TextLine>> {
    people::table
        .filter(people::id.eq_any(person_ids.to_vec()))
        .select((people::id, people::postcode))
        .load(conn)
}

/// Removes person `id`'s personal data and what hangs from it, leaving `district`.
pub fn anonymise_person(
    conn: &mut DbConnection,
    id: i64,
    district: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(people::table.filter(people::id.eq(id)))
        .set((
            people::subject.eq(None::<String>),
            people::name.eq(PLACEHOLDER),
            people::email.eq(None::<String>),
            people::phone.eq(None::<String>),
            people::address.eq(None::<String>),
            people::postcode.eq(district),
            people::preferred_contact.eq(None::<String>),
            people::language.eq(None::<String>),
            people::email_key.eq(None::<String>),
            people::phone_key.eq(None::<String>),
            people::version.eq(people::version + 1),
            people::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(
        person_merges::table.filter(
            person_merges::person_id
                .eq(id)
                .or(person_merges::merged_person_id.eq(id)),
        ),
    )
    .set(person_merges::reason.eq(PLACEHOLDER))
    .execute(conn)?;
    let adjustment_ids: Vec<i64> = adjustments::table
        .filter(adjustments::person_id.eq(id))
        .select(adjustments::id)
        .load(conn)?;
    anonymise_adjustments(conn, &adjustment_ids)?;
    let restriction_ids: Vec<i64> = restrictions::table
        .filter(restrictions::person_id.eq(id))
        .select(restrictions::id)
        .load(conn)?;
    anonymise_restrictions(conn, &restriction_ids)?;
    diesel::update(erasure_requests::table.filter(erasure_requests::person_id.eq(id)))
        .set(erasure_requests::request.eq(PLACEHOLDER))
        .execute(conn)?;
    // The letters of earlier decisions were addressed to them by name.
    diesel::update(
        erasure_requests::table
            .filter(erasure_requests::person_id.eq(id))
            .filter(erasure_requests::letter.is_not_null()),
    )
    .set(erasure_requests::letter.eq(PLACEHOLDER))
    .execute(conn)?;
    Ok(())
}

/// The cases of person `person_id` (as customer), not yet anonymised.
pub fn cases_of_person(conn: &mut DbConnection, person_id: i64) -> QueryResult<Vec<i64>> {
    cases::table
        .inner_join(customers::table)
        .filter(customers::person_id.eq(person_id))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            case_anonymisations::table.filter(case_anonymisations::case_id.eq(cases::id)),
        )))
        .select(cases::id)
        .order(cases::id)
        .load(conn)
}

/// An erasure request as stored.
#[derive(Debug, Clone, Queryable)]
pub struct ErasureRow {
    pub id: i64,
    pub person_id: i64,
    pub received_on: NaiveDate,
    pub request: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
    pub decision: Option<String>,
    pub lawful_basis: Option<String>,
    pub reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub letter: Option<String>,
    pub cases_anonymised: Option<i32>,
}

pub fn insert_erasure(
    conn: &mut DbConnection,
    person_id: i64,
    received_on: NaiveDate,
    request: &str,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<ErasureRow> {
    diesel::insert_into(erasure_requests::table)
        .values((
            erasure_requests::person_id.eq(person_id),
            erasure_requests::received_on.eq(received_on),
            erasure_requests::request.eq(request),
            erasure_requests::recorded_by.eq(by),
            erasure_requests::recorded_at.eq(at),
        ))
        .returning(erasure_requests::all_columns)
        .get_result(conn)
}

pub fn erasure(
    conn: &mut DbConnection,
    person_id: i64,
    id: i64,
) -> QueryResult<Option<ErasureRow>> {
    erasure_requests::table
        .filter(erasure_requests::id.eq(id))
        .filter(erasure_requests::person_id.eq(person_id))
        .first(conn)
        .optional()
}

pub fn erasures_of(conn: &mut DbConnection, person_id: i64) -> QueryResult<Vec<ErasureRow>> {
    erasure_requests::table
        .filter(erasure_requests::person_id.eq(person_id))
        .order(erasure_requests::id.desc())
        .load(conn)
}

/// Records the decision on an undecided request; `None` when it was decided already.
#[allow(clippy::too_many_arguments)]
pub fn decide_erasure(
    conn: &mut DbConnection,
    id: i64,
    decision: &str,
    lawful_basis: Option<&str>,
    reason: Option<&str>,
    by: &str,
    at: NaiveDateTime,
    letter: &str,
    cases_anonymised: Option<i32>,
) -> QueryResult<Option<ErasureRow>> {
    diesel::update(
        erasure_requests::table
            .filter(erasure_requests::id.eq(id))
            .filter(erasure_requests::decision.is_null()),
    )
    .set((
        erasure_requests::decision.eq(decision),
        erasure_requests::lawful_basis.eq(lawful_basis),
        erasure_requests::reason.eq(reason),
        erasure_requests::decided_by.eq(by),
        erasure_requests::decided_at.eq(at),
        erasure_requests::letter.eq(letter),
        erasure_requests::cases_anonymised.eq(cases_anonymised),
    ))
    .returning(erasure_requests::all_columns)
    .get_result(conn)
    .optional()
}

/// The cases (as customer) of person `person_id`, any state: their ids.
pub fn all_cases_of_person(conn: &mut DbConnection, person_id: i64) -> QueryResult<Vec<i64>> {
    cases::table
        .inner_join(customers::table)
        .filter(customers::person_id.eq(person_id))
        .select(cases::id)
        .order(cases::id)
        .load(conn)
}

/// Reclaims the space of the tables a pass changed, so removed values leave the files:
/// SQLite rewrites the whole file (`secure_delete` has zeroed freed pages already); PostgreSQL
/// vacuums each table. Outside any transaction.
pub fn vacuum(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Pg(pg) => pg.batch_execute(
            "VACUUM cases, customers, people, representatives, case_events, case_stages, \
             case_responses, case_extensions, case_remedies, case_flags, case_documents, \
             case_document_contents, feedback_handling, surveys, letters, outgoing_messages, \
             restrictions, restriction_reviews, new_issue_reviews, adjustments, \
             adjustment_reviews, person_merges, ombudsman_referrals, idempotency_records, \
             erasure_requests",
        ),
        DbConnection::Sqlite(sqlite) => sqlite.batch_execute(
            "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);",
        ),
    }
}

//! Flags on a case and links between cases.

use super::native::Native;
use diesel::prelude::*;

use super::schema::{case_flags, case_links, cases};
use super::DbConnection;
use crate::domain::flag::Flag;

/// A flag as stored.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = case_flags, treat_none_as_default_value = false)]
pub struct FlagRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub case_id: i64,
    pub flag: Flag,
    pub referred_to: String,
    pub referred_on: chrono::NaiveDate,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: chrono::NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &FlagRow) -> QueryResult<FlagRow> {
    diesel::insert_into(case_flags::table)
        .values(row)
        .returning(case_flags::all_columns)
        .fetch(conn)
}

pub fn for_case(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<FlagRow>> {
    case_flags::table
        .filter(case_flags::case_id.eq(case_id))
        .order(case_flags::id.asc())
        .fetch_all(conn)
}

/// Links two cases, both ways.
pub fn link(
    conn: &mut DbConnection,
    a: i64,
    b: i64,
    by: &str,
    at: chrono::NaiveDateTime,
) -> QueryResult<()> {
    for (from, to) in [(a, b), (b, a)] {
        diesel::insert_into(case_links::table)
            .values((
                case_links::case_id.eq(from),
                case_links::linked_case_id.eq(to),
                case_links::recorded_by.eq(by),
                case_links::recorded_at.eq(at),
            ))
            .run(conn)?;
    }
    Ok(())
}

/// The references of the cases linked to one.
pub fn linked(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<String>> {
    case_links::table
        .inner_join(cases::table.on(cases::id.eq(case_links::linked_case_id)))
        .filter(case_links::case_id.eq(case_id))
        .select(cases::reference)
        .order(cases::reference.asc())
        .fetch_all(conn)
}

/// What only staff see of a case, in one statement: its flags (by id), the references of the
/// cases linked to it and the services contributing to it (both sorted).
pub fn staff_parts(
    conn: &mut DbConnection,
    case_id: i64,
) -> QueryResult<(Vec<FlagRow>, Vec<String>, Vec<String>)> {
    use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamp};

    use super::schema::case_services;

    /// One row of the union: which part it is, then the flag's columns, of which a link or a
    /// contributing service fills only the third (the reference or the service id).
    type Part = (
        String,
        Option<i64>,
        Option<Flag>,
        Option<String>,
        Option<chrono::NaiveDate>,
        Option<String>,
        Option<String>,
        Option<chrono::NaiveDateTime>,
    );
    let no_id = || None::<i64>.into_sql::<Nullable<BigInt>>();
    let no_text = || None::<String>.into_sql::<Nullable<Text>>();
    let no_date = || None::<chrono::NaiveDate>.into_sql::<Nullable<Date>>();
    let no_time = || None::<chrono::NaiveDateTime>.into_sql::<Nullable<Timestamp>>();
    let flags = case_flags::table
        .filter(case_flags::case_id.eq(case_id))
        .select((
            "flag".into_sql::<Text>(),
            case_flags::id.nullable(),
            case_flags::flag.nullable(),
            case_flags::referred_to.nullable(),
            case_flags::referred_on.nullable(),
            case_flags::note,
            case_flags::recorded_by.nullable(),
            case_flags::recorded_at.nullable(),
        ));
    let links = case_links::table
        .inner_join(cases::table.on(cases::id.eq(case_links::linked_case_id)))
        .filter(case_links::case_id.eq(case_id))
        .select((
            "link".into_sql::<Text>(),
            no_id(),
            no_text(),
            cases::reference.nullable(),
            no_date(),
            no_text(),
            no_text(),
            no_time(),
        ));
    let services = case_services::table
        .filter(case_services::case_id.eq(case_id))
        .select((
            "service".into_sql::<Text>(),
            no_id(),
            no_text(),
            case_services::service_id.nullable(),
            no_date(),
            no_text(),
            no_text(),
            no_time(),
        ));
    // diesel's multi-backend connection has no UNION: the one query runs on the backend's
    // own connection (super::native).
    let rows: Vec<Part> = flags.union_all(links).union_all(services).fetch_all(conn)?;
    let mut found = (vec![], vec![], vec![]);
    for (part, id, flag, text, referred_on, note, recorded_by, recorded_at) in rows {
        match (
            part.as_str(),
            id,
            flag,
            text,
            referred_on,
            recorded_by,
            recorded_at,
        ) {
            (
                "flag",
                Some(id),
                Some(flag),
                Some(referred_to),
                Some(referred_on),
                Some(recorded_by),
                Some(recorded_at),
            ) => found.0.push(FlagRow {
                id,
                case_id,
                flag,
                referred_to,
                referred_on,
                note,
                recorded_by,
                recorded_at,
            }),
            ("link", _, _, Some(reference), ..) => found.1.push(reference),
            ("service", _, _, Some(service), ..) => found.2.push(service),
            _ => {
                return Err(diesel::result::Error::DeserializationError(
                    format!("case {case_id}: an unexpected `{part}` row among its staff parts")
                        .into(),
                ))
            }
        }
    }
    found.0.sort_by_key(|flag| flag.id);
    found.1.sort();
    found.2.sort();
    Ok(found)
}

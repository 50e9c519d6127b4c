//! Flags on a case and links between cases.

use diesel::prelude::*;

use super::schema::{case_flags, case_links, cases};
use super::DbConnection;
use crate::domain::flag::Flag;

/// A flag as stored.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = case_flags)]
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
        .get_result(conn)
}

pub fn for_case(conn: &mut DbConnection, case_id: i64) -> QueryResult<Vec<FlagRow>> {
    case_flags::table
        .filter(case_flags::case_id.eq(case_id))
        .order(case_flags::id.asc())
        .load(conn)
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
            .execute(conn)?;
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
        .load(conn)
}

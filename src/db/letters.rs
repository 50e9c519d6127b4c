//! Letters kept on a case: written once, when the event happens; the sending updates their
//! status.

use diesel::prelude::*;

use super::schema::letters;
use super::DbConnection;
use crate::domain::letter::{Language, LetterKind, LetterStatus};

/// A letter as stored.
#[derive(Debug, Clone, Queryable, Insertable)]
#[diesel(table_name = letters, treat_none_as_default_value = false)]
pub struct LetterRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub case_id: i64,
    pub kind: LetterKind,
    pub language: Language,
    pub large_print: bool,
    pub subject: String,
    /// The plain-text form.
    pub text: String,
    /// The accessible HTML email form.
    pub html: String,
    pub status: LetterStatus,
    pub created_at: chrono::NaiveDateTime,
    /// The body in the letters' markup, as the template wrote it (the PDF is laid out from
    /// it); `None` for letters written before it was kept.
    pub body: Option<String>,
}

pub fn insert(conn: &mut DbConnection, row: &LetterRow) -> QueryResult<LetterRow> {
    diesel::insert_into(letters::table)
        .values(row)
        .returning(letters::all_columns)
        .get_result(conn)
}

/// The case's letters in the order they were written, after `after` (an id), at most `limit`.
pub fn for_case(
    conn: &mut DbConnection,
    case_id: i64,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<LetterRow>> {
    letters::table
        .filter(letters::case_id.eq(case_id))
        .filter(letters::id.gt(after.unwrap_or(0)))
        .order(letters::id.asc())
        .limit(limit)
        .load(conn)
}

pub fn find(conn: &mut DbConnection, case_id: i64, id: i64) -> QueryResult<Option<LetterRow>> {
    letters::table
        .filter(letters::case_id.eq(case_id))
        .filter(letters::id.eq(id))
        .first(conn)
        .optional()
}

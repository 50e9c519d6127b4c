//! Documents on a case: their descriptions, and their bytes when kept in the database.

use diesel::prelude::*;

use super::schema::{case_document_contents, case_documents};
use super::DbConnection;
use crate::domain::case::ActorRole;
use crate::domain::document::{DocumentType, DocumentVisibility};

/// Where a document's bytes are kept.
pub const IN_DATABASE: &str = "database";
/// In a file, named by the document's id, in `DOCUMENTS_DIR`.
pub const IN_FOLDER: &str = "folder";

/// A document as stored (without its bytes).
#[derive(Debug, Clone, Queryable)]
pub struct DocumentRow {
    pub id: i64,
    pub case_id: i64,
    pub filename: String,
    pub document_type: DocumentType,
    pub size_bytes: i64,
    pub sha256: String,
    pub visibility: DocumentVisibility,
    pub storage: String,
    pub uploaded_by: String,
    pub uploaded_by_role: ActorRole,
    pub uploaded_at: chrono::NaiveDateTime,
}

/// A document to record.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = case_documents, treat_none_as_default_value = false)]
pub struct NewDocument<'a> {
    pub case_id: i64,
    pub filename: &'a str,
    pub document_type: DocumentType,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub visibility: DocumentVisibility,
    pub storage: &'static str,
    pub uploaded_by: &'a str,
    pub uploaded_by_role: ActorRole,
    pub uploaded_at: chrono::NaiveDateTime,
}

/// Records a document's description; gives it as stored, with its id.
pub fn insert(conn: &mut DbConnection, document: &NewDocument<'_>) -> QueryResult<DocumentRow> {
    diesel::insert_into(case_documents::table)
        .values(document)
        .returning(case_documents::all_columns)
        .get_result(conn)
}

/// Keeps a document's bytes in the database.
pub fn insert_content(
    conn: &mut DbConnection,
    document_id: i64,
    content: &[u8],
) -> QueryResult<()> {
    diesel::insert_into(case_document_contents::table)
        .values((
            case_document_contents::document_id.eq(document_id),
            case_document_contents::content.eq(content),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A case's documents, newest first, before document id `before`; only those customers see
/// when `customer_visible_only`.
pub fn for_case(
    conn: &mut DbConnection,
    case_id: i64,
    customer_visible_only: bool,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<DocumentRow>> {
    let mut query = case_documents::table
        .filter(case_documents::case_id.eq(case_id))
        .into_boxed();
    if customer_visible_only {
        query = query.filter(case_documents::visibility.eq(DocumentVisibility::Customer));
    }
    if let Some(before) = before {
        query = query.filter(case_documents::id.lt(before));
    }
    query
        .order(case_documents::id.desc())
        .limit(limit)
        .load(conn)
}

/// One of a case's documents.
pub fn find(
    conn: &mut DbConnection,
    case_id: i64,
    document_id: i64,
) -> QueryResult<Option<DocumentRow>> {
    case_documents::table
        .filter(case_documents::case_id.eq(case_id))
        .filter(case_documents::id.eq(document_id))
        .first(conn)
        .optional()
}

/// A document's bytes, when kept in the database.
pub fn content(conn: &mut DbConnection, document_id: i64) -> QueryResult<Option<Vec<u8>>> {
    case_document_contents::table
        .find(document_id)
        .select(case_document_contents::content)
        .first(conn)
        .optional()
}

//! Documents on a case (issue 13 §5): added by the customer or staff, listed and read back as
//! the caller may see them. The bytes are kept in the database, or in `DOCUMENTS_DIR` in a
//! file named by the document's id (never by the client's name).

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use super::correspondence::flag_if_unattended;
use super::{cases, AppError};
use crate::auth::Caller;
use crate::db::cases::CaseRow;
use crate::db::documents::{self as repo, DocumentRow, NewDocument, IN_DATABASE, IN_FOLDER};
use crate::db::events::{self, NewEvent};
use crate::db::DbConnection;
use crate::domain::case::events::{CaseEvent, DocumentAdded};
use crate::domain::document::{display_name, DocumentType, DocumentVisibility};
use crate::error::FieldError;

/// Where new documents' bytes go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentStore {
    /// In the database (the default).
    Database,
    /// In this folder, one file per document named by its id.
    Folder(PathBuf),
}

/// A file as uploaded, its kind already recognised from its bytes.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The name the client gave.
    pub filename: String,
    pub document_type: DocumentType,
    pub bytes: Vec<u8>,
    pub visibility: DocumentVisibility,
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The upload is added to case `reference` (the customer's own, or one of the staff member's
/// services, lead or contributing), its bytes stored, and it goes on the timeline; a case
/// nobody is handling is flagged. Gives the case and the document.
pub fn add(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    caller: &Caller,
    reference: &str,
    upload: &Upload,
    store: &DocumentStore,
) -> Result<(CaseRow, DocumentRow), AppError> {
    let case = cases::adding(conn, reference, caller, true)?;
    if !upload.visibility.may_be_chosen_by(caller.acting_role()) {
        return Err(AppError::Invalid(vec![FieldError::new(
            "visibility",
            "a customer uploads documents the customer can see: customer",
        )]));
    }
    let filename = display_name(&upload.filename);
    let sha256 = sha256_hex(&upload.bytes);
    let size_bytes =
        i64::try_from(upload.bytes.len()).map_err(|e| AppError::Internal(e.to_string()))?;
    let row = repo::insert(
        conn,
        &NewDocument {
            case_id: case.id,
            filename: &filename,
            document_type: upload.document_type,
            size_bytes,
            sha256: &sha256,
            visibility: upload.visibility,
            storage: match store {
                DocumentStore::Database => IN_DATABASE,
                DocumentStore::Folder(_) => IN_FOLDER,
            },
            uploaded_by: &caller.subject,
            uploaded_by_role: caller.acting_role().into(),
            uploaded_at: now,
        },
    )?;
    match store {
        DocumentStore::Database => repo::insert_content(conn, row.id, &upload.bytes)?,
        // Written inside the transaction: should the commit fail, the file is left unnamed by
        // any row (ids are never given out twice), never a row without its file.
        DocumentStore::Folder(folder) => write_file(folder, row.id, &upload.bytes)?,
    }
    let event = CaseEvent::document(
        DocumentAdded {
            document: row.id,
            filename: row.filename.clone(),
            document_type: row.document_type,
            size_bytes,
            sha256: sha256.clone(),
        },
        upload.visibility,
    );
    events::append(
        conn,
        &NewEvent::of(case.id, &caller.subject, caller.acting_role(), now, &event),
    )?;
    flag_if_unattended(conn, now, &case)?;
    Ok((case, row))
}

/// The case and its documents the caller may see, newest first, before document id
/// `before`.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    reference: &str,
    before: Option<i64>,
    limit: i64,
) -> Result<(CaseRow, Vec<DocumentRow>), AppError> {
    let case = cases::find(conn, reference, caller, true)?;
    let customer_visible_only = !DocumentVisibility::Staff.seen_by(caller.acting_role());
    let rows = repo::for_case(conn, case.id, customer_visible_only, before, limit)?;
    Ok((case, rows))
}

/// One document the caller may see, with its bytes, read from where they were stored. A
/// staff-only document is not found for a customer or partner, as another's case is not.
pub fn read(
    conn: &mut DbConnection,
    caller: &Caller,
    reference: &str,
    document_id: i64,
    store: &DocumentStore,
) -> Result<(DocumentRow, Vec<u8>), AppError> {
    let case = cases::find(conn, reference, caller, true)?;
    let not_found = || {
        AppError::NotFound(format!(
            "there is no document {document_id} that you can see"
        ))
    };
    let row = repo::find(conn, case.id, document_id)?
        .filter(|row| row.visibility.seen_by(caller.acting_role()))
        .ok_or_else(not_found)?;
    let bytes = match (row.storage.as_str(), store) {
        (IN_DATABASE, _) => repo::content(conn, row.id)?.ok_or_else(|| {
            AppError::Internal(format!("document {}: its bytes are missing", row.id))
        })?,
        (IN_FOLDER, DocumentStore::Folder(folder)) => std::fs::read(file_of(folder, row.id))
            .map_err(|e| {
                AppError::Internal(format!("document {}: reading its file: {e}", row.id))
            })?,
        (IN_FOLDER, DocumentStore::Database) => {
            return Err(AppError::Internal(format!(
                "document {} is kept in a folder, but DOCUMENTS_DIR is not set",
                row.id
            )))
        }
        (other, _) => {
            return Err(AppError::Internal(format!(
                "document {}: stored in `{other}`, which is not a place we know",
                row.id
            )))
        }
    };
    Ok((row, bytes))
}

/// The file holding document `id`'s bytes.
pub fn file_of(folder: &Path, id: i64) -> PathBuf {
    folder.join(format!("{id}.bin"))
}

/// Writes the bytes under a temporary name, then renames it, so a reader never finds half a
/// file.
fn write_file(folder: &Path, id: i64, bytes: &[u8]) -> Result<(), AppError> {
    let target = file_of(folder, id);
    let partial = folder.join(format!("{id}.partial"));
    std::fs::write(&partial, bytes)
        .and_then(|_| std::fs::rename(&partial, &target))
        .map_err(|e| AppError::Internal(format!("writing {}: {e}", target.display())))
}

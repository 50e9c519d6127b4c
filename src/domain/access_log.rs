//! The access audit (issue 15 §5): what a record of one read says, and how records are
//! written to and read back from an instance's journal, one JSON line each.
//!
//! A read is journalled before its answer leaves (one `write(2)` to a file opened for
//! appending), and the journal is copied into the `access_log` table in batches off the
//! request path. A line is whole once its newline is written: [`complete_lines`] takes only
//! whole lines, so a line a crash cut short is never read as a record (its request was never
//! answered: the write came before the answer).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::case::vocabulary;

vocabulary! {
    /// What a recorded read was of.
    ReadKind {
        /// A case, or one of its parts that carry personal data (timeline, notes, letters'
        /// list, documents' list, messages, possible duplicates, remedies, legal holds,
        /// retention).
        Case => "case",
        /// A person's record, their cases, restrictions, adjustments, legal holds, erasure or
        /// subject-access requests.
        Person => "person",
        /// A document's content.
        Document => "document",
        /// A letter.
        Letter => "letter",
        /// A subject-access export.
        Export => "export",
    }
}

/// One answered read, as the journal holds it and the `access_log` table keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRecord {
    /// Unique across instances: inserting a record twice is refused, so a replay that
    /// overlaps a batch already written is harmless.
    pub record_id: String,
    /// When the read was answered (UTC, to the microsecond).
    pub occurred_at: NaiveDateTime,
    /// The token's `sub`.
    pub actor_subject: String,
    /// The token's roles this service knows, comma-separated.
    pub actor_roles: String,
    /// The token's `azp` (or `client_id`): the application the caller used.
    pub client_id: Option<String>,
    /// The request's `X-Request-Id`.
    pub request_id: String,
    pub kind: ReadKind,
    pub case_reference: Option<String>,
    pub person_id: Option<i64>,
    /// The document's, letter's or subject-access request's id.
    pub item_id: Option<i64>,
    /// The route's pattern, e.g. `/api/v1/cases/{reference}`.
    pub route: String,
    /// The HTTP status answered (always 2xx: only reads that gave data are recorded).
    pub status: u16,
}

/// What was read, as a handler names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub kind: ReadKind,
    pub case_reference: Option<String>,
    pub person_id: Option<i64>,
    pub item_id: Option<i64>,
}

impl Read {
    /// A case (or one of its parts).
    pub fn case(reference: impl Into<String>) -> Read {
        Read {
            kind: ReadKind::Case,
            case_reference: Some(reference.into()),
            person_id: None,
            item_id: None,
        }
    }

    /// A person's record (or their cases, restrictions, adjustments).
    pub fn person(id: i64) -> Read {
        Read {
            kind: ReadKind::Person,
            case_reference: None,
            person_id: Some(id),
            item_id: None,
        }
    }

    /// A document of a case.
    pub fn document(reference: impl Into<String>, id: i64) -> Read {
        Read {
            kind: ReadKind::Document,
            case_reference: Some(reference.into()),
            person_id: None,
            item_id: Some(id),
        }
    }

    /// A letter of a case.
    pub fn letter(reference: impl Into<String>, id: i64) -> Read {
        Read {
            kind: ReadKind::Letter,
            case_reference: Some(reference.into()),
            person_id: None,
            item_id: Some(id),
        }
    }

    /// Each case named in `references` once, in the order first named: what a list whose
    /// items belong to cases (remedies, messages) records, one read per case it showed.
    pub fn cases<S: AsRef<str>>(references: impl IntoIterator<Item = S>) -> Vec<Read> {
        let mut reads: Vec<Read> = Vec::new();
        for reference in references {
            let reference = reference.as_ref();
            if !reads
                .iter()
                .any(|r| r.case_reference.as_deref() == Some(reference))
            {
                reads.push(Read::case(reference));
            }
        }
        reads
    }

    /// Each person in `ids` once, in the order first named.
    pub fn people(ids: impl IntoIterator<Item = i64>) -> Vec<Read> {
        let mut reads: Vec<Read> = Vec::new();
        for id in ids {
            if !reads.iter().any(|r| r.person_id == Some(id)) {
                reads.push(Read::person(id));
            }
        }
        reads
    }

    /// A person's subject-access export (`request` is the request's id).
    pub fn export(person_id: i64, request: i64) -> Read {
        Read {
            kind: ReadKind::Export,
            case_reference: None,
            person_id: Some(person_id),
            item_id: Some(request),
        }
    }
}

/// The journal lines for `records`, each ending in a newline, as one buffer (written with one
/// `write(2)`).
pub fn lines(records: &[AccessRecord]) -> Vec<u8> {
    let mut buffer = Vec::with_capacity(records.len() * 320);
    for record in records {
        // A record of strings, numbers and a date always serialises.
        if serde_json::to_writer(&mut buffer, record).is_ok() {
            buffer.push(b'\n');
        }
    }
    buffer
}

/// The whole lines at the start of `bytes`, read as records, and how many bytes they take:
/// a last line without its newline is left for later (still being written, or cut short by a
/// crash before its request was answered). A whole line that is not a record (never written
/// by this service) is given back as an error with its text, to be logged, not retried.
pub fn complete_lines(bytes: &[u8]) -> (Vec<Result<AccessRecord, String>>, usize) {
    let mut records = Vec::new();
    let mut consumed = 0;
    while let Some(end) = bytes[consumed..].iter().position(|b| *b == b'\n') {
        let line = &bytes[consumed..consumed + end];
        consumed += end + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        records.push(
            serde_json::from_slice::<AccessRecord>(line)
                .map_err(|e| format!("{e}: {}", String::from_utf8_lossy(line))),
        );
    }
    (records, consumed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_records_each_case_and_each_person_once_in_the_order_shown() {
        let cases = Read::cases(["CMP-2026-000002", "CMP-2026-000001", "CMP-2026-000002"]);
        assert_eq!(
            cases,
            vec![Read::case("CMP-2026-000002"), Read::case("CMP-2026-000001")]
        );
        assert_eq!(
            Read::people([7, 3, 7, 7]),
            vec![Read::person(7), Read::person(3)]
        );
        assert!(Read::cases(Vec::<String>::new()).is_empty());
    }

    fn record(id: &str) -> AccessRecord {
        AccessRecord {
            record_id: id.into(),
            occurred_at: chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
                .and_then(|d| d.and_hms_micro_opt(9, 30, 0, 123_456))
                .expect("a time"),
            actor_subject: "officer-17".into(),
            actor_roles: "investigating_officer".into(),
            client_id: Some("crm".into()),
            request_id: "req-1".into(),
            kind: ReadKind::Case,
            case_reference: Some("CMP-2026-000042".into()),
            person_id: None,
            item_id: None,
            route: "/api/v1/cases/{reference}".into(),
            status: 200,
        }
    }

    #[test]
    fn whole_lines_are_read_back_as_written() {
        let written = lines(&[record("a"), record("b")]);
        let (read, consumed) = complete_lines(&written);
        assert_eq!(consumed, written.len());
        assert_eq!(read, vec![Ok(record("a")), Ok(record("b"))]);
    }

    #[test]
    fn a_line_cut_short_is_left_unread() {
        let mut written = lines(&[record("a")]);
        let whole = written.len();
        let second = lines(&[record("b")]);
        written.extend_from_slice(&second[..second.len() / 2]);
        let (read, consumed) = complete_lines(&written);
        assert_eq!(consumed, whole);
        assert_eq!(read, vec![Ok(record("a"))]);
    }

    #[test]
    fn a_whole_line_that_is_not_a_record_is_reported_and_passed() {
        let mut written = b"not json\n".to_vec();
        written.extend(lines(&[record("a")]));
        let (read, consumed) = complete_lines(&written);
        assert_eq!(consumed, written.len());
        assert!(read[0].is_err());
        assert_eq!(read[1], Ok(record("a")));
    }
}

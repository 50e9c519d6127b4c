//! Documents a case holds (issue 13 §5): what a file is, recognised from its own bytes and
//! never from the name or content type a client declares; who may see it; and the name it is
//! downloaded under.

use super::case::{vocabulary, Role};

/// The largest document accepted: 10 MiB.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

vocabulary! {
    /// What a document is, as its bytes show: the only kinds accepted.
    DocumentType {
        /// A PDF (`%PDF-`).
        Pdf => "pdf",
        /// A JPEG image (`FF D8 FF`).
        Jpeg => "jpeg",
        /// A PNG image (its 8-byte signature).
        Png => "png",
        /// A Word document: a ZIP holding `[Content_Types].xml` and a `word/` part.
        Docx => "docx",
        /// Plain text: valid UTF-8 without NUL characters.
        Text => "text",
    }
}

impl DocumentType {
    /// The media type it is served as.
    pub fn content_type(self) -> &'static str {
        match self {
            DocumentType::Pdf => "application/pdf",
            DocumentType::Jpeg => "image/jpeg",
            DocumentType::Png => "image/png",
            DocumentType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            DocumentType::Text => "text/plain; charset=utf-8",
        }
    }

    /// The file name extension it is downloaded with.
    pub fn extension(self) -> &'static str {
        match self {
            DocumentType::Pdf => "pdf",
            DocumentType::Jpeg => "jpg",
            DocumentType::Png => "png",
            DocumentType::Docx => "docx",
            DocumentType::Text => "txt",
        }
    }

    /// What `bytes` are, or `None` for anything not accepted (and for no bytes at all).
    /// The signatures are checked first: a PNG is a PNG whatever it is called.
    pub fn detect(bytes: &[u8]) -> Option<DocumentType> {
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
        if bytes.is_empty() {
            None
        } else if bytes.starts_with(b"%PDF-") {
            Some(DocumentType::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(DocumentType::Jpeg)
        } else if bytes.starts_with(PNG) {
            Some(DocumentType::Png)
        } else if bytes.starts_with(b"PK\x03\x04") {
            is_docx(bytes).then_some(DocumentType::Docx)
        } else if !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok() {
            Some(DocumentType::Text)
        } else {
            None
        }
    }

    /// The file name extensions (lower case) a file of this kind may be called by.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            DocumentType::Pdf => &["pdf"],
            DocumentType::Jpeg => &["jpg", "jpeg", "jpe"],
            DocumentType::Png => &["png"],
            DocumentType::Docx => &["docx"],
            DocumentType::Text => &["txt", "text", "csv", "log"],
        }
    }

    /// The media types a client may declare it as.
    fn declared_types(self) -> &'static [&'static str] {
        match self {
            DocumentType::Pdf => &["application/pdf"],
            DocumentType::Jpeg => &["image/jpeg", "image/pjpeg"],
            DocumentType::Png => &["image/png"],
            DocumentType::Docx => {
                &["application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
            }
            DocumentType::Text => &["text/plain", "text/csv"],
        }
    }

    /// Whether what the client said of a file of this kind agrees with its bytes: its name's
    /// extension and the content type declared for it. Saying nothing agrees (no extension; no
    /// content type, or `application/octet-stream`); saying it is something else does not, so
    /// a PNG called `letter.pdf`, or sent as `application/pdf`, is refused rather than taken
    /// quietly as the image it is.
    pub fn agrees_with(self, filename: &str, declared: Option<&str>) -> bool {
        let name = filename.rsplit(['/', '\\']).next().unwrap_or_default();
        let extension_agrees = match name.rsplit_once('.') {
            None => true,
            Some((_, extension)) => self
                .extensions()
                .iter()
                .any(|known| known.eq_ignore_ascii_case(extension.trim())),
        };
        let declared_agrees = match declared.map(|d| d.split(';').next().unwrap_or_default().trim())
        {
            None | Some("") => true,
            Some(essence) => {
                essence.eq_ignore_ascii_case("application/octet-stream")
                    || self
                        .declared_types()
                        .iter()
                        .any(|known| known.eq_ignore_ascii_case(essence))
            }
        };
        extension_agrees && declared_agrees
    }

    /// The kind in words, for a refusal's message.
    pub fn describe(self) -> &'static str {
        match self {
            DocumentType::Pdf => "a PDF",
            DocumentType::Jpeg => "a JPEG image",
            DocumentType::Png => "a PNG image",
            DocumentType::Docx => "a Word document (DOCX)",
            DocumentType::Text => "plain text",
        }
    }

    /// The accepted kinds, for a refusal's message.
    pub fn accepted() -> &'static str {
        "PDF, JPEG, PNG, DOCX or plain text (UTF-8)"
    }
}

/// Whether a ZIP's central directory names `[Content_Types].xml` and a part under `word/`,
/// as every Word document's does. Read from the end-of-central-directory record; any offset
/// that points outside the bytes makes it not a document we accept.
fn is_docx(bytes: &[u8]) -> bool {
    let u16_at = |at: usize| -> Option<usize> {
        let b = bytes.get(at..at.checked_add(2)?)?;
        Some(u16::from_le_bytes([b[0], b[1]]) as usize)
    };
    let u32_at = |at: usize| -> Option<usize> {
        let b = bytes.get(at..at.checked_add(4)?)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    const END: &[u8] = b"PK\x05\x06";
    const ENTRY: &[u8] = b"PK\x01\x02";
    // The record is 22 bytes and ends with a comment of at most 65,535.
    let earliest = bytes.len().saturating_sub(22 + 65_535);
    let Some(end) = (earliest..bytes.len().saturating_sub(21))
        .rev()
        .find(|&at| bytes.get(at..at + 4) == Some(END))
    else {
        return false;
    };
    let (Some(entries), Some(mut at)) = (u16_at(end + 10), u32_at(end + 16)) else {
        return false;
    };
    let (mut content_types, mut word) = (false, false);
    for _ in 0..entries {
        if bytes.get(at..at + 4) != Some(ENTRY) {
            return false;
        }
        let (Some(name_len), Some(extra_len), Some(comment_len)) =
            (u16_at(at + 28), u16_at(at + 30), u16_at(at + 32))
        else {
            return false;
        };
        let Some(name) = bytes.get(at + 46..at + 46 + name_len) else {
            return false;
        };
        content_types |= name == b"[Content_Types].xml";
        word |= name.starts_with(b"word/");
        at += 46 + name_len + extra_len + comment_len;
    }
    content_types && word
}

vocabulary! {
    /// Who may see a document.
    DocumentVisibility {
        /// The customer, their representative and the partner who posted the case, and staff.
        Customer => "customer",
        /// Staff only.
        Staff => "staff",
    }
}

impl DocumentVisibility {
    /// Whether a caller acting as `role` may add a document (or information) seen this way:
    /// customers add only what they themselves can see.
    pub fn may_be_chosen_by(self, role: Role) -> bool {
        role.is_staff() || self == DocumentVisibility::Customer
    }

    /// Whether a caller acting as `role` sees it (given that they may read the case).
    pub fn seen_by(self, role: Role) -> bool {
        role.is_staff() || self == DocumentVisibility::Customer
    }
}

/// The name a client gave, kept for display: control characters dropped, at most 255
/// characters, trimmed. Never used as a path.
pub fn display_name(given: &str) -> String {
    given
        .chars()
        .filter(|c| !c.is_control())
        .take(255)
        .collect::<String>()
        .trim()
        .to_string()
}

/// The name a document is downloaded under: the given name's letters, digits, `-`, `_` and
/// `.` (anything else as `_`, no leading dot), at most 100 characters, with the extension of
/// what the bytes are; `document-<id>` when nothing of the name is left. Safe to quote in
/// `Content-Disposition` as it is.
pub fn download_name(given: &str, id: i64, kind: DocumentType) -> String {
    let stem = given.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = stem.rsplit_once('.').map_or(stem, |(stem, _)| stem);
    let cleaned: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let cleaned = cleaned.trim_start_matches(['.', '_']).trim_end_matches('_');
    if cleaned.is_empty() {
        format!("document-{id}.{}", kind.extension())
    } else {
        format!("{cleaned}.{}", kind.extension())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ZIP with these names, stored, as a minimal central directory describes them.
    fn zip_with(names: &[&str]) -> Vec<u8> {
        let mut local = Vec::new();
        let mut central = Vec::new();
        for name in names {
            let offset = local.len() as u32;
            local.extend_from_slice(b"PK\x03\x04");
            local.extend_from_slice(&[0; 22]);
            local.extend_from_slice(&(name.len() as u16).to_le_bytes());
            local.extend_from_slice(&0u16.to_le_bytes());
            local.extend_from_slice(name.as_bytes());
            central.extend_from_slice(b"PK\x01\x02");
            central.extend_from_slice(&[0; 24]);
            central.extend_from_slice(&(name.len() as u16).to_le_bytes());
            central.extend_from_slice(&[0; 12]);
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let start = local.len() as u32;
        let mut zip = local;
        zip.extend_from_slice(&central);
        zip.extend_from_slice(b"PK\x05\x06");
        zip.extend_from_slice(&[0; 4]);
        zip.extend_from_slice(&(names.len() as u16).to_le_bytes());
        zip.extend_from_slice(&(names.len() as u16).to_le_bytes());
        zip.extend_from_slice(&(central.len() as u32).to_le_bytes());
        zip.extend_from_slice(&start.to_le_bytes());
        zip.extend_from_slice(&0u16.to_le_bytes());
        zip
    }

    #[test]
    fn each_kind_is_known_by_its_own_bytes() {
        assert_eq!(
            DocumentType::detect(b"%PDF-1.7\n..."),
            Some(DocumentType::Pdf)
        );
        assert_eq!(
            DocumentType::detect(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(DocumentType::Jpeg)
        );
        assert_eq!(
            DocumentType::detect(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(DocumentType::Png)
        );
        assert_eq!(
            DocumentType::detect(&zip_with(&["[Content_Types].xml", "word/document.xml"])),
            Some(DocumentType::Docx)
        );
        assert_eq!(
            DocumentType::detect("Dear council, café £5".as_bytes()),
            Some(DocumentType::Text)
        );
    }

    #[test]
    fn anything_else_is_refused() {
        // A spreadsheet is a ZIP too, but has no word/ part; a bare ZIP has neither.
        assert_eq!(
            DocumentType::detect(&zip_with(&["[Content_Types].xml", "xl/workbook.xml"])),
            None
        );
        assert_eq!(
            DocumentType::detect(&zip_with(&["word/document.xml"])),
            None
        );
        // A ZIP whose directory points past its end.
        let mut broken = zip_with(&["[Content_Types].xml", "word/document.xml"]);
        let len = broken.len();
        broken[len - 6..len - 2].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(DocumentType::detect(&broken), None);
        assert_eq!(DocumentType::detect(b"PK\x03\x04"), None);
        assert_eq!(DocumentType::detect(b""), None);
        assert_eq!(DocumentType::detect(b"text with a \0 in it"), None);
        assert_eq!(DocumentType::detect(&[0xC3, 0x28]), None);
        assert_eq!(
            DocumentType::detect(b"GIF89a\x01\x00\x01\x00\x80\x00\x00"),
            None
        );
    }

    #[test]
    fn a_name_or_declared_type_that_contradicts_the_bytes_does_not_agree() {
        use DocumentType::{Docx, Jpeg, Pdf, Png, Text};
        assert!(!Png.agrees_with("letter.pdf", Some("application/pdf")));
        assert!(!Png.agrees_with("letter.pdf", Some("image/png")));
        assert!(!Png.agrees_with("photo.png", Some("application/pdf")));
        assert!(!Text.agrees_with("page.html", Some("text/html")));
        assert!(!Text.agrees_with("notes.txt", Some("text/html")));
        assert!(Png.agrees_with("photo.PNG", Some("image/png")));
        assert!(Png.agrees_with("photo", None));
        assert!(Pdf.agrees_with("a/b/letter.pdf", Some("application/octet-stream")));
        assert!(Jpeg.agrees_with("bin.jpeg", Some("image/jpeg; charset=binary")));
        assert!(Text.agrees_with("notes.txt", Some("text/plain; charset=utf-8")));
        assert!(Text.agrees_with("", Some("")));
        assert!(Docx.agrees_with(
            "report.docx",
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        ));
    }

    #[test]
    fn customers_choose_and_see_only_what_is_shared_with_them() {
        use DocumentVisibility::{Customer, Staff};
        for role in [Role::Customer, Role::Partner] {
            assert!(Customer.seen_by(role) && !Staff.seen_by(role));
            assert!(Customer.may_be_chosen_by(role) && !Staff.may_be_chosen_by(role));
        }
        for role in [
            Role::InvestigatingOfficer,
            Role::HeadOfService,
            Role::ComplaintsManager,
        ] {
            assert!(Customer.seen_by(role) && Staff.seen_by(role));
            assert!(Staff.may_be_chosen_by(role));
        }
    }

    #[test]
    fn a_download_name_is_safe_and_says_what_the_bytes_are() {
        assert_eq!(
            download_name("bin photo (1).PNG", 3, DocumentType::Png),
            "bin_photo__1.png"
        );
        assert_eq!(
            download_name("photo.pdf", 3, DocumentType::Png),
            "photo.png"
        );
        assert_eq!(
            download_name("../../etc/passwd", 9, DocumentType::Text),
            "passwd.txt"
        );
        assert_eq!(
            download_name("\"; evil=\r\n.pdf", 4, DocumentType::Pdf),
            "evil.pdf"
        );
        assert_eq!(
            download_name(".pdf", 7, DocumentType::Pdf),
            "document-7.pdf"
        );
        assert_eq!(download_name("", 7, DocumentType::Docx), "document-7.docx");
        assert_eq!(display_name("  letter\r\n.pdf "), "letter.pdf");
    }
}

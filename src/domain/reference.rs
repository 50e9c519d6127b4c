//! Case references: `CMP-2026-000042`, unique per kind and year.

use super::case::Kind;

/// A case's public reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference(String);

impl Reference {
    /// The reference of the `number`th case of `kind` received in `year`.
    pub fn new(kind: Kind, year: i32, number: i64) -> Self {
        Reference(format!("{}-{year:04}-{number:06}", kind.reference_prefix()))
    }

    /// A reference as a caller typed it, if it has the right shape. Callers
    /// may use any letter case; the stored form is upper case.
    pub fn parse(text: &str) -> Option<Self> {
        let upper = text.trim().to_ascii_uppercase();
        let mut parts = upper.split('-');
        let prefix = parts.next()?;
        let year = parts.next()?;
        let number = parts.next()?;
        let shaped = parts.next().is_none()
            && Kind::ALL.iter().any(|k| k.reference_prefix() == prefix)
            && year.len() == 4
            && year.bytes().all(|b| b.is_ascii_digit())
            && (6..=12).contains(&number.len())
            && number.bytes().all(|b| b.is_ascii_digit());
        shaped.then_some(Reference(upper))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_zero_padded_to_six_digits() {
        assert_eq!(
            Reference::new(Kind::Complaint, 2026, 42).as_str(),
            "CMP-2026-000042"
        );
        assert_eq!(
            Reference::new(Kind::Comment, 2026, 1_234_567).as_str(),
            "CMT-2026-1234567"
        );
    }

    #[test]
    fn parse_accepts_any_case_and_rejects_other_shapes() {
        assert_eq!(
            Reference::parse("cpl-2026-000001").map(|r| r.0),
            Some("CPL-2026-000001".into())
        );
        for bad in [
            "",
            "CMP",
            "CMP-2026",
            "XYZ-2026-000001",
            "CMP-26-000001",
            "CMP-2026-1",
            "CMP-2026-00000A",
            "CMP-2026-000001-1",
        ] {
            assert!(Reference::parse(bad).is_none(), "{bad}");
        }
    }
}

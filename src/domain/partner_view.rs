//! What a partner (a contractor's machine client) sees of the cases it posted (issue 15 §6,
//! minimisation): the council chooses the case's fields in `PARTNER_CASE_FIELDS`, and the
//! rest are left out of the partner's answers altogether.
//!
//! The default is what a contractor needs to follow its own complaints through the council's
//! process: which case, what kind, where it stands, which service, the dates it runs to and
//! each stage's clock and outcome, who logged it (for a partner, only that a partner did), and
//! the partner's own reference. It leaves out everything
//! about the person (the customer, a representative, the reasonable adjustments in force for
//! them, the person they were matched to) and every piece of free text (description, summary,
//! desired outcome, why receipt was back-dated, triage's reasons, extensions' reasons,
//! responses' letters, remedies' descriptions, the Ombudsman's case): the contractor holds
//! its own copy of what it posted, and what the council wrote to the customer or decided
//! about them is the customer's. Staff-only parts (flags, linked cases, contributing
//! services, legal holds) are empty for partners whatever the list says.

use std::collections::BTreeSet;

/// Every field of the case view (`GET /api/v1/cases/{reference}`), in its order. A test
/// holds this to the view's own keys.
pub const CASE_FIELDS: &[&str] = &[
    "reference",
    "kind",
    "status",
    "stage",
    "channel",
    "received_at",
    "received_at_reason",
    "summary",
    "description",
    "desired_outcome",
    "service",
    "contributing_services",
    "category",
    "problem_date",
    "response_requested",
    "staff_named",
    "customer",
    "person_id",
    "person_match",
    "adjustments",
    "representative",
    "created_by",
    "partner_reference",
    "acknowledgement_due",
    "triage",
    "stages",
    "extensions",
    "responses",
    "ombudsman",
    "remedies",
    "feedback",
    "flags",
    "linked_cases",
    "legal_holds",
    "created_at",
    "updated_at",
];

/// Always shown, listed or not: the partner addresses the case by it, and it says nothing
/// about the person.
pub const ALWAYS_SHOWN: &str = "reference";

/// What the website's backend (`web_form`) gets back of the case it just filed, and nothing
/// more: enough to show the resident a confirmation (the reference, what it is, when it was
/// received and when it will be acknowledged), nothing of the person or the case's progress.
pub const WEB_FORM_CASE_FIELDS: [&str; 6] = [
    "reference",
    "kind",
    "status",
    "channel",
    "received_at",
    "acknowledgement_due",
];

/// The fields shown when `PARTNER_CASE_FIELDS` is not set.
pub const DEFAULT_PARTNER_CASE_FIELDS: &str = "reference,kind,status,stage,channel,received_at,\
service,category,response_requested,created_by,partner_reference,acknowledgement_due,stages,created_at,\
updated_at";

/// The case's fields a partner sees: [`ALWAYS_SHOWN`] and those the council listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerCaseFields(BTreeSet<&'static str>);

impl PartnerCaseFields {
    /// A comma-separated list of the case's field names; blanks between commas are ignored.
    /// A name that is not a field of the case is refused, named.
    pub fn parse(text: &str) -> Result<PartnerCaseFields, String> {
        let mut shown = BTreeSet::from([ALWAYS_SHOWN]);
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match CASE_FIELDS.iter().find(|field| **field == name) {
                Some(field) => {
                    shown.insert(*field);
                }
                None => {
                    return Err(format!(
                        "`{name}` is not a field of a case; the fields are {}",
                        CASE_FIELDS.join(", ")
                    ))
                }
            }
        }
        Ok(PartnerCaseFields(shown))
    }

    /// Whether the partner sees `field`.
    pub fn shows(&self, field: &str) -> bool {
        self.0.contains(field)
    }

    /// The fields shown, in alphabetical order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().copied()
    }
}

impl Default for PartnerCaseFields {
    fn default() -> Self {
        // The default is a constant checked by the tests below: it parses.
        PartnerCaseFields::parse(DEFAULT_PARTNER_CASE_FIELDS)
            .unwrap_or_else(|_| PartnerCaseFields(BTreeSet::from([ALWAYS_SHOWN])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_shows_the_cases_progress_and_nothing_of_the_person() {
        let shown: Vec<&str> = PartnerCaseFields::parse(DEFAULT_PARTNER_CASE_FIELDS)
            .expect("the default parses")
            .names()
            .collect();
        assert_eq!(
            shown,
            [
                "acknowledgement_due",
                "category",
                "channel",
                "created_at",
                "created_by",
                "kind",
                "partner_reference",
                "received_at",
                "reference",
                "response_requested",
                "service",
                "stage",
                "stages",
                "status",
                "updated_at",
            ]
        );
        assert_eq!(PartnerCaseFields::default().names().count(), 15);
    }

    #[test]
    fn the_reference_is_always_shown_and_blanks_are_ignored() {
        let fields = PartnerCaseFields::parse(" status ,, kind,").expect("parses");
        assert_eq!(
            fields.names().collect::<Vec<_>>(),
            ["kind", "reference", "status"]
        );
        let none = PartnerCaseFields::parse("").expect("parses");
        assert_eq!(none.names().collect::<Vec<_>>(), ["reference"]);
    }

    #[test]
    fn an_unknown_field_is_refused_by_its_name() {
        let error =
            PartnerCaseFields::parse("reference,customer_name,status").expect_err("not a field");
        assert!(
            error.starts_with(
                "`customer_name` is not a field of a case; the fields are reference, kind,"
            ),
            "{error}"
        );
        // Names are the JSON's exactly: no other case, no nested paths.
        assert!(PartnerCaseFields::parse("Status").is_err());
        assert!(PartnerCaseFields::parse("customer.name").is_err());
    }
}

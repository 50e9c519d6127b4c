//! The figures a report is made of, shared by the JSON reports and the
//! rendered ones: the period covered, a group's figures, counts by service
//! and by category, and the learning actions. Counts only: nothing here can
//! name a customer; compliments name the staff they praise, by staff id, because they count
//! in staff appraisals (seed 003 §9).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::performance::Figures;

/// The period a report covers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Period {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    /// Included.
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
}

/// A group's figures.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Group {
    /// The month (`2026-03`), service id, directorate id, channel or category.
    pub key: String,
    pub figures: Figures,
}

/// Compliments received by a service.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ServiceCount {
    pub service: String,
    pub count: u64,
}

/// Compliments naming a member of staff, by their staff id (their token's `sub`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StaffCount {
    #[schema(example = "jo.bloggs")]
    pub staff_id: String,
    pub count: u64,
}

/// The `at_most` keys counted most, most first, ties in key order: the top services and
/// staff named in compliments.
pub fn top_counts<K: Ord + Clone>(
    counts: impl IntoIterator<Item = (K, u64)>,
    at_most: usize,
) -> Vec<(K, u64)> {
    let mut top: Vec<(K, u64)> = counts.into_iter().filter(|(_, n)| *n > 0).collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(at_most);
    top
}

/// Complaints about the English language fluency of a customer-facing worker (seed 002; the
/// Code of Practice on the English language requirements for public sector workers), reported
/// apart from the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FluencyFigures {
    /// Complaints received in category `english_fluency`.
    pub received: u64,
    /// Of those, referred at triage to the worker's manager (flag `english_fluency`).
    pub referred_to_manager: u64,
}

/// Complaints in a category upheld in whole or part at stage 1.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CategoryCount {
    pub category: String,
    pub count: u64,
}

/// Learning actions of the services in the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LearningFigures {
    /// Agreed in the period.
    pub raised: u64,
    /// Completed in the period.
    pub completed: u64,
    /// Still to be done and past their due date, today.
    pub overdue: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_counts_are_the_largest_first_ties_by_key_and_none_without_a_count() {
        let counts = [
            ("waste", 3),
            ("parks", 5),
            ("libraries", 3),
            ("roads", 0),
            ("bins", 1),
        ];
        assert_eq!(
            top_counts(counts, 3),
            vec![("parks", 5), ("libraries", 3), ("waste", 3)]
        );
        assert_eq!(top_counts(counts, 10).len(), 4);
        assert!(top_counts(counts, 0).is_empty());
    }
}

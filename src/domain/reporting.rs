//! The figures a report is made of, shared by the JSON reports and the
//! rendered ones: the period covered, a group's figures, counts by service
//! and by category, and the learning actions. Counts only: nothing here can
//! name a person.

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

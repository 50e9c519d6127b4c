//! The published reports: the annual complaints performance and service
//! improvement report as data, CSV and a self-contained HTML page with charts.

pub mod annual;
pub mod charts;

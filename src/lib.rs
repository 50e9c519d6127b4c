//! council-feedback: the system of record for a UK council's compliments,
//! comments and complaints.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod jobs;
#[cfg(test)]
mod layers;
pub mod letters;
pub mod metrics;
pub mod report;
pub mod request_context;
pub mod seed;
pub mod startup;
pub mod wire;

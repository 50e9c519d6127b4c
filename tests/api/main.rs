//! Integration tests: the API over HTTP against a real database.
//! SQLite by default; PostgreSQL when TEST_DATABASE_URL names one.

mod helpers;

mod access_log;
mod adjustments;
mod alerts;
mod auth;
mod calendar;
mod case_access;
mod cases_create;
mod cases_read;
mod contract;
mod contract_precision;
mod delivery;
mod docs;
mod documents;
mod duplicates;
mod event_types;
mod events;
mod feedback;
mod idempotency;
mod letters;
mod lifecycle;
mod lifecycle_rules;
mod mail_servers;
mod mailroom;
mod metrics;
mod minimisation;
mod outage;
mod oversized;
mod ownership;
mod partner_fields;
mod people;
mod report_counts;
mod reports;
mod restrictions;
mod retention;
mod schema;
mod seed;
mod services;
mod staff_compliments;
mod subject_access;
mod surveys;
mod system;
mod validation;
mod webhooks;

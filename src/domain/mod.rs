//! The council's rules, with no HTTP and no SQL: what a case is, what its
//! values may be, how references are made, and the clock deadlines run on.

pub mod access;
pub mod acknowledgement;
pub mod adjustment;
pub mod alerts;
pub mod assignment;
pub mod bank_holidays;
pub mod calendar;
pub mod case;
pub mod clock;
pub mod correspondence;
pub mod dates;
pub mod deadlines;
pub mod document;
pub mod duplicate;
pub mod escalation;
pub mod extension;
pub mod feedback;
pub mod flag;
pub mod fluency;
pub mod learning;
pub mod letter;
pub mod mailroom;
pub mod ombudsman;
pub mod performance;
pub mod person;
pub mod policy;
pub mod reference;
pub mod remedy;
pub mod reporting;
pub mod response;
pub mod restriction;
pub mod retention;
pub mod survey;
pub mod triage;
pub mod webhook;

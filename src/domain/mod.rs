//! The council's rules, with no HTTP and no SQL: what a case is, what its
//! values may be, and how references are made.

pub mod case;
pub mod reference;

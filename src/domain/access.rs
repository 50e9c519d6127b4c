//! Who may see which cases (SPEC §1): the rule that storage applies to
//! every read, whoever the caller is.

/// Which cases a caller may see (SPEC §1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseScope {
    /// The complaints manager: every case.
    All,
    /// Officers and Heads of Service: their services' cases.
    Services(Vec<String>),
    /// A partner: the cases it posted.
    PostedBy(String),
    /// A customer: their own cases.
    Customer(String),
}

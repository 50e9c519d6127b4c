//! Asking for stage 2: the grounds a policy may insist on.

use super::case::vocabulary;

vocabulary! {
    /// The grounds for stage 2 a policy may insist on (Dudley, seed 003).
    Ground {
        /// The decision was based on a factual error.
        FactualError => "factual_error",
        /// A significant piece of evidence was overlooked.
        OverlookedEvidence => "overlooked_evidence",
        /// New evidence not in the original complaint.
        NewEvidence => "new_evidence",
    }
}

//! Flags on a case that change how it is handled (SPEC §3).

use super::case::vocabulary;

vocabulary! {
    /// What a flag marks.
    Flag {
        /// About a member of staff's conduct: referred to their line manager to consider any HR process.
        StaffConduct => "staff_conduct",
        /// A claim for injury or financial loss: referred to insurance and risk.
        Claim => "claim",
    }
}

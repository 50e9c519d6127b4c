//! The Ombudsman (SPEC §5): which one a case is referred to, and what it
//! decided.

use super::case::vocabulary;

vocabulary! {
    /// Which Ombudsman.
    OmbudsmanBody {
        /// The Local Government and Social Care Ombudsman.
        Lgsco => "lgsco",
        /// The Housing Ombudsman, for the council's landlord function.
        HousingOmbudsman => "housing_ombudsman",
    }
}

vocabulary! {
    /// The Ombudsman's decision.
    OmbudsmanDecision {
        NotInvestigated => "not_investigated",
        Premature => "premature",
        NotUpheld => "not_upheld",
        /// Upheld: fault causing injustice.
        UpheldFault => "upheld_fault",
    }
}

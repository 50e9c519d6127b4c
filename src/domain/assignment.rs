//! Who may investigate a stage (SPEC §4, seed 003): at stage 2 a different,
//! more senior officer than at stage 1.

use super::case::{Role, Stage};

/// Why someone may not investigate a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Stage 2 must be investigated by someone other than the stage 1 investigator.
    SameAsStage1,
    /// Stage 2 must be investigated by a Head of Service or the complaints team.
    NotSenior,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::SameAsStage1 => f.write_str(
                "stage 2 must be investigated by someone other than the stage 1 investigator",
            ),
            Refusal::NotSenior => f.write_str(
                "stage 2 must be investigated by a Head of Service or the complaints manager",
            ),
        }
    }
}

/// Whether `candidate` (holding `role`, as the assigner states it) may
/// investigate `stage`, given who investigated stage 1.
pub fn check(
    stage: Stage,
    candidate: &str,
    role: Option<Role>,
    stage_1_investigator: Option<&str>,
) -> Result<(), Refusal> {
    if stage != Stage::Stage2 {
        return Ok(());
    }
    if stage_1_investigator == Some(candidate) {
        return Err(Refusal::SameAsStage1);
    }
    match role {
        Some(Role::HeadOfService | Role::ComplaintsManager) => Ok(()),
        _ => Err(Refusal::NotSenior),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anyone_may_investigate_stage_1() {
        assert_eq!(check(Stage::Stage1, "o-1", None, None), Ok(()));
    }

    #[test]
    fn stage_2_needs_a_different_more_senior_officer() {
        assert_eq!(
            check(Stage::Stage2, "o-1", Some(Role::HeadOfService), Some("o-1")),
            Err(Refusal::SameAsStage1)
        );
        assert_eq!(
            check(
                Stage::Stage2,
                "o-2",
                Some(Role::InvestigatingOfficer),
                Some("o-1")
            ),
            Err(Refusal::NotSenior)
        );
        assert_eq!(
            check(Stage::Stage2, "o-2", None, Some("o-1")),
            Err(Refusal::NotSenior)
        );
        assert_eq!(
            check(Stage::Stage2, "h-1", Some(Role::HeadOfService), Some("o-1")),
            Ok(())
        );
        assert_eq!(
            check(
                Stage::Stage2,
                "cm-1",
                Some(Role::ComplaintsManager),
                Some("o-1")
            ),
            Ok(())
        );
    }
}

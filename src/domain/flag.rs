//! Flags on a case that change how it is handled (SPEC §3), and the one the service raises
//! itself when information arrives on a case nobody is handling (SPEC §7) or intake finds a
//! possible duplicate (issue 14 §5).

use super::case::vocabulary;

vocabulary! {
    /// What a flag marks.
    Flag {
        /// About a member of staff's conduct: referred to their line manager to consider any HR process.
        StaffConduct => "staff_conduct",
        /// A claim for injury or financial loss: referred to insurance and risk.
        Claim => "claim",
        /// Information or a document arrived after the case was closed, withdrawn or triaged out: raised by the service, for the lead service to look at.
        NewInformation => "new_information",
        /// Intake found earlier cases from the same person about the same service with similar text (`GET /cases/{reference}/possible-duplicates`): raised by the service, for triage to link or leave.
        PossibleDuplicate => "possible_duplicate",
    }
}

vocabulary! {
    /// The flags staff raise by hand, each with its referral.
    ReferredFlag {
        /// About a member of staff's conduct: referred to their line manager to consider any HR process.
        StaffConduct => "staff_conduct",
        /// A claim for injury or financial loss: referred to insurance and risk.
        Claim => "claim",
    }
}

impl From<ReferredFlag> for Flag {
    fn from(flag: ReferredFlag) -> Flag {
        match flag {
            ReferredFlag::StaffConduct => Flag::StaffConduct,
            ReferredFlag::Claim => Flag::Claim,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_raised_by_hand_is_the_flag_of_the_same_word_and_new_information_is_not_one() {
        for flag in ReferredFlag::ALL {
            assert_eq!(Flag::from(*flag).as_str(), flag.as_str());
        }
        assert_eq!(ReferredFlag::parse("new_information"), None);
        assert_eq!(Flag::parse("new_information"), Some(Flag::NewInformation));
        assert_eq!(ReferredFlag::parse("possible_duplicate"), None);
        assert_eq!(
            Flag::parse("possible_duplicate"),
            Some(Flag::PossibleDuplicate)
        );
    }
}

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
        /// A complaint about a customer-facing worker's English language fluency: referred at triage to the worker's manager (the Code of Practice on the English language requirements for public sector workers).
        EnglishFluency => "english_fluency",
        /// Information or a document arrived after the case was closed, withdrawn or triaged out: raised by the service, for the lead service to look at.
        NewInformation => "new_information",
        /// Contact from a person under a restriction on unreasonable behaviour: raised by the service, naming the restriction, never by hand.
        RestrictedContact => "restricted_contact",
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
        assert_eq!(ReferredFlag::parse("restricted_contact"), None);
        assert_eq!(
            Flag::parse("restricted_contact"),
            Some(Flag::RestrictedContact)
        );
        assert_eq!(ReferredFlag::parse("possible_duplicate"), None);
        assert_eq!(
            Flag::parse("possible_duplicate"),
            Some(Flag::PossibleDuplicate)
        );
    }
}

//! What a case is made of: its kind, the channel it came by, where it stands.

pub mod events;
pub mod lifecycle;

/// Declares a closed set of snake_case words with `parse` and `as_str`, so
/// that the database (TEXT columns), the JSON and the code agree on spelling.
///
/// Each word is taken as a `tt`, not a `literal`: a `literal` fragment reaches
/// the derives wrapped in an invisible group, which serde reads but utoipa
/// does not, so the OpenAPI schema fell back to `rename_all` (`stage1` for
/// `Stage1`) instead of the word the code accepts (`stage_1`).
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in the order they are declared.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word used in JSON, in query strings and in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The value for a word, if it is one of ours.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The accepted words, for error messages.
            pub fn expected() -> String {
                [$($text),+].join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use vocabulary;

vocabulary! {
    /// The three Cs (SPEC §2).
    Kind {
        /// Dissatisfaction with the standard of service, actions or lack of action, that requires a response.
        Complaint => "complaint",
        /// Satisfaction with a service or a member of staff.
        Compliment => "compliment",
        /// A suggestion to improve a service.
        Comment => "comment",
    }
}

impl Kind {
    /// The prefix of this kind's references: `CMP-2026-000042`.
    pub fn reference_prefix(self) -> &'static str {
        match self {
            Kind::Complaint => "CMP",
            Kind::Compliment => "CPL",
            Kind::Comment => "CMT",
        }
    }
}

vocabulary! {
    /// How the feedback reached the council (reports show how customers prefer to contact it).
    Channel {
        OnlineForm => "online_form",
        Email => "email",
        Letter => "letter",
        Telephone => "telephone",
        InPerson => "in_person",
        SocialMedia => "social_media",
        /// Posted by a contractor's machine client through the partner API.
        Partner => "partner",
    }
}

vocabulary! {
    /// Where a case stands. A new case waits for triage.
    Status {
        /// Received and waiting for triage.
        Received => "received",
        /// Accepted and being handled at a stage.
        Open => "open",
        /// Resolved at the point of service, without a formal investigation.
        ResolvedInformally => "resolved_informally",
        /// Not a complaint: a first request for a service, passed to the service.
        ServiceRequest => "service_request",
        /// Another procedure applies.
        Excluded => "excluded",
        /// Not a council matter: referred to another organisation.
        OutsideRemit => "outside_remit",
        /// Raised too long after the problem arose.
        OutOfTime => "out_of_time",
        /// Withdrawn by the customer.
        Withdrawn => "withdrawn",
        /// Finished.
        Closed => "closed",
    }
}

vocabulary! {
    /// The formal stage of a complaint.
    Stage {
        Stage1 => "stage_1",
        Stage2 => "stage_2",
        /// Referred to the Local Government and Social Care Ombudsman or the Housing Ombudsman.
        Ombudsman => "ombudsman",
    }
}

vocabulary! {
    /// How the customer would like to be contacted.
    ContactMethod {
        Email => "email",
        Telephone => "telephone",
        Letter => "letter",
    }
}

vocabulary! {
    /// The roles a token can carry (SPEC §1).
    Role {
        /// A member of the public, or their representative.
        Customer => "customer",
        /// A member of staff investigating cases.
        InvestigatingOfficer => "investigating_officer",
        /// Heads one or more services: approves and sends responses.
        HeadOfService => "head_of_service",
        /// The corporate complaints team: everything, everywhere.
        ComplaintsManager => "complaints_manager",
        /// A contractor's machine client.
        Partner => "partner",
        /// The council website's backend: files feedback on the `online_form` channel for
        /// residents without an account, and reads nothing back.
        WebForm => "web_form",
    }
}

vocabulary! {
    /// Who did something on a case's timeline: a token's role, or the service itself.
    ActorRole {
        Customer => "customer",
        InvestigatingOfficer => "investigating_officer",
        HeadOfService => "head_of_service",
        ComplaintsManager => "complaints_manager",
        Partner => "partner",
        /// The council website's backend, filing for a resident without an account.
        WebForm => "web_form",
        /// The service itself: its deadline alerts.
        System => "system",
    }
}

impl From<Role> for ActorRole {
    fn from(role: Role) -> ActorRole {
        match role {
            Role::Customer => ActorRole::Customer,
            Role::InvestigatingOfficer => ActorRole::InvestigatingOfficer,
            Role::HeadOfService => ActorRole::HeadOfService,
            Role::ComplaintsManager => ActorRole::ComplaintsManager,
            Role::Partner => ActorRole::Partner,
            Role::WebForm => ActorRole::WebForm,
        }
    }
}

impl Role {
    /// Staff act for the council: officers, Heads of Service, the complaints team.
    pub fn is_staff(self) -> bool {
        matches!(
            self,
            Role::InvestigatingOfficer | Role::HeadOfService | Role::ComplaintsManager
        )
    }
}

vocabulary! {
    /// A stage's outcome (SPEC §5).
    Outcome {
        Upheld => "upheld",
        PartiallyUpheld => "partially_upheld",
        NotUpheld => "not_upheld",
    }
}

vocabulary! {
    /// Who may see an event on a case's timeline.
    Visibility {
        /// The customer, their representative and the partner who posted it may see it.
        Public => "public",
        /// Staff only.
        Internal => "internal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_parses_back_to_its_value() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(*kind));
        }
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(channel.as_str()), Some(*channel));
        }
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(*status));
        }
        assert_eq!(Kind::parse("Complaint"), None);
    }

    #[test]
    fn json_spelling_is_the_database_spelling() {
        let json = serde_json::to_string(&Channel::OnlineForm).unwrap();
        assert_eq!(json, "\"online_form\"");
        assert_eq!(Stage::Stage1.as_str(), "stage_1");
    }

    #[test]
    fn each_kind_has_its_reference_prefix() {
        assert_eq!(Kind::Complaint.reference_prefix(), "CMP");
        assert_eq!(Kind::Compliment.reference_prefix(), "CPL");
        assert_eq!(Kind::Comment.reference_prefix(), "CMT");
    }
}

//! What time it is, as the use cases see it: the system's clock in service, a fixed instant
//! for tests and the seeder, so that what they do can be stated exactly.

use chrono::NaiveDateTime;

/// Where "now" comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Now {
    /// The system clock, in UTC to the microsecond.
    #[default]
    System,
    /// Always this instant.
    Fixed(NaiveDateTime),
}

impl Now {
    /// The current instant, in UTC to the microsecond (what the databases store).
    pub fn now(self) -> NaiveDateTime {
        match self {
            Now::System => crate::db::now(),
            Now::Fixed(at) => at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_always_says_the_same_instant() {
        let at = NaiveDateTime::parse_from_str("2026-12-01 10:00:00", "%Y-%m-%d %H:%M:%S")
            .expect("instant");
        assert_eq!(Now::Fixed(at).now(), at);
        assert_eq!(Now::Fixed(at).now(), Now::Fixed(at).now());
    }
}

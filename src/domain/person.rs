//! People (issue 14): one record per person across their cases. The rules that say when a new
//! case's customer is someone the council already knows: their account first, then an email
//! address or a phone number a person already has, with the name deciding how sure the match
//! is. Keys are normalised so that the same address or number written two ways is one.

use super::case::vocabulary;

vocabulary! {
    /// How a case's customer was matched to their person.
    PersonMatch {
        /// The customer's account (the token's `sub`) is the person's.
        Account => "account",
        /// The person has the customer's email address.
        Email => "email",
        /// The person has the customer's phone number.
        Phone => "phone",
        /// Nobody matched: a person was made for them.
        New => "new",
        /// Staff confirmed or corrected the match by hand.
        Staff => "staff",
    }
}

vocabulary! {
    /// How a person stands on a case.
    CasePart {
        /// The customer: the case is theirs.
        Customer => "customer",
        /// Acting for the customer, with their consent.
        Representative => "representative",
    }
}

/// An email address as matching compares it: trimmed and lower-cased. `None` for one with no
/// `@` between other characters (nothing to match on).
pub fn email_key(email: &str) -> Option<String> {
    let key = email.trim().to_lowercase();
    let (local, domain) = key.split_once('@')?;
    (!local.is_empty() && !domain.is_empty()).then_some(key)
}

/// A UK phone number as matching compares it: its digits, with the international prefix
/// (`+44`, `0044`, `44` before ten digits) written as the trunk `0`, so `+44 (0)1632 960 001`,
/// `01632 960001` and `0044 1632 960001` are one number. `None` for fewer than 7 digits (an
/// extension or a fragment, nothing to match on).
pub fn phone_key(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(|c| c.is_ascii_digit()).collect();
    let national = if let Some(rest) = digits.strip_prefix("0044") {
        rest
    } else if digits.len() >= 12 && digits.starts_with("44") {
        &digits[2..]
    } else {
        digits.as_str()
    };
    // "+44 (0)1632 …" keeps its bracketed trunk zero: drop it so the number reads once.
    let national = national.strip_prefix('0').unwrap_or(national);
    (national.len() >= 6).then(|| format!("0{national}"))
}

/// The titles and honorifics matching leaves out of a name.
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "sir", "dame", "lord", "lady",
];

/// A name's words as matching compares them: lower-case letters, digits, apostrophes and
/// hyphens only, titles left out.
pub fn name_words(name: &str) -> Vec<String> {
    name.split(|c: char| c.is_whitespace() || c == ',' || c == '.')
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'' || *c == '-')
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty() && !TITLES.contains(&w.as_str()))
        .collect()
}

/// Whether two names plainly name one person: the same surname (last word), and first names
/// that agree or where one is the other's initial ("A Smith", "Mrs Alex Smith", "alex smith").
/// A name missing a word on either side never agrees.
pub fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (name_words(a), name_words(b));
    match (a.as_slice(), b.as_slice()) {
        ([a_first, .., a_last], [b_first, .., b_last]) => {
            a_last == b_last
                && (a_first == b_first
                    || (a_first.chars().count() == 1 && b_first.starts_with(a_first.as_str()))
                    || (b_first.chars().count() == 1 && a_first.starts_with(b_first.as_str())))
        }
        ([a_only], [b_only]) => a_only == b_only,
        _ => false,
    }
}

/// A person matching might choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: i64,
    /// The person's account, if they have one.
    pub subject: Option<String>,
    pub name: String,
}

/// Who a new case's customer is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    /// The person chosen; `None`: make a new person.
    pub person: Option<i64>,
    pub how: PersonMatch,
    /// Staff should confirm it: a phone number alone, or an email address under another name.
    pub uncertain: bool,
    /// The account to record on the person: a sure match by email or phone of a person with
    /// no account yet, from a customer who has one.
    pub takes_account: bool,
}

/// Chooses the person a new case's customer is. `by_account` is the person with the
/// customer's account; `by_email` and `by_phone` those with the customer's email address or
/// phone number (each oldest first, merged people left out).
///
/// - An account is the surest match: two different accounts are never one person.
/// - Then a person with the email address, or else the phone number, under the same name: a
///   sure match.
/// - Then the oldest person with the email address, or else the phone number, under another
///   name: matched, and marked uncertain for staff to confirm or correct.
/// - Nobody matched: a new person.
pub fn choose(
    subject: Option<&str>,
    name: &str,
    by_account: Option<&Candidate>,
    by_email: &[Candidate],
    by_phone: &[Candidate],
) -> Matched {
    if let Some(person) = by_account {
        return Matched {
            person: Some(person.id),
            how: PersonMatch::Account,
            uncertain: false,
            takes_account: false,
        };
    }
    // A person with another account is someone else.
    let eligible = |c: &&Candidate| match (&c.subject, subject) {
        (Some(theirs), Some(ours)) => theirs == ours,
        _ => true,
    };
    let sources = [
        (by_email, PersonMatch::Email),
        (by_phone, PersonMatch::Phone),
    ];
    for (candidates, how) in sources {
        if let Some(sure) = candidates
            .iter()
            .filter(eligible)
            .find(|c| same_name(&c.name, name))
        {
            return Matched {
                person: Some(sure.id),
                how,
                uncertain: false,
                takes_account: subject.is_some() && sure.subject.is_none(),
            };
        }
    }
    for (candidates, how) in sources {
        if let Some(first) = candidates.iter().find(|c| eligible(c)) {
            return Matched {
                person: Some(first.id),
                how,
                uncertain: true,
                takes_account: false,
            };
        }
    }
    Matched {
        person: None,
        how: PersonMatch::New,
        uncertain: false,
        takes_account: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: i64, subject: Option<&str>, name: &str) -> Candidate {
        Candidate {
            id,
            subject: subject.map(str::to_string),
            name: name.into(),
        }
    }

    #[test]
    fn an_email_address_is_compared_trimmed_and_in_lower_case() {
        assert_eq!(
            email_key("  Alex.Example@Example.ORG "),
            Some("alex.example@example.org".into())
        );
        assert_eq!(email_key("not an address"), None);
        assert_eq!(email_key("@example.org"), None);
        assert_eq!(email_key("alex@"), None);
    }

    #[test]
    fn a_uk_number_written_nationally_or_internationally_is_one_number() {
        let key = Some("01632960001".to_string());
        assert_eq!(phone_key("01632 960001"), key);
        assert_eq!(phone_key("+44 1632 960001"), key);
        assert_eq!(phone_key("+44 (0)1632 960 001"), key);
        assert_eq!(phone_key("0044 1632 960001"), key);
        assert_eq!(phone_key("441632960001"), key);
        assert_eq!(phone_key("07700 900123"), Some("07700900123".into()));
        assert_eq!(phone_key("ext 123"), None);
    }

    #[test]
    fn names_agree_on_surname_and_first_name_or_its_initial_titles_left_out() {
        assert!(same_name("Alex Example", "alex example"));
        assert!(same_name("Mrs Alex Example", "A. Example"));
        assert!(same_name("Dr A Example", "Alex Example"));
        assert!(same_name("Alex Jo Example", "Alex Example"));
        assert!(!same_name("Alex Example", "Sam Example"));
        assert!(!same_name("Alex Example", "Alex Other"));
        assert!(!same_name("Example", "Alex Example"));
        assert!(!same_name("", ""));
    }

    #[test]
    fn the_account_is_the_surest_match() {
        let mine = candidate(7, Some("alex"), "Alex Example");
        let by_email = [candidate(3, None, "Alex Example")];
        let matched = choose(Some("alex"), "Alex Example", Some(&mine), &by_email, &[]);
        assert_eq!(matched.person, Some(7));
        assert_eq!(matched.how, PersonMatch::Account);
        assert!(!matched.uncertain);
    }

    #[test]
    fn an_email_address_under_the_same_name_is_sure_and_gives_the_person_the_account() {
        let by_email = [candidate(3, None, "Alex Example")];
        let matched = choose(Some("alex"), "A Example", None, &by_email, &[]);
        assert_eq!(
            matched,
            Matched {
                person: Some(3),
                how: PersonMatch::Email,
                uncertain: false,
                takes_account: true,
            }
        );
    }

    #[test]
    fn an_email_address_under_another_name_is_matched_but_uncertain() {
        let by_email = [
            candidate(3, None, "Sam Example"),
            candidate(5, None, "Jo Example"),
        ];
        let matched = choose(None, "Alex Example", None, &by_email, &[]);
        assert_eq!(matched.person, Some(3));
        assert_eq!(matched.how, PersonMatch::Email);
        assert!(matched.uncertain);
        assert!(!matched.takes_account);
    }

    #[test]
    fn a_person_with_another_account_is_someone_else() {
        let by_email = [candidate(3, Some("sam"), "Alex Example")];
        let matched = choose(Some("alex"), "Alex Example", None, &by_email, &[]);
        assert_eq!(matched.person, None);
        assert_eq!(matched.how, PersonMatch::New);
        // Without an account of their own the customer may still be that person.
        let matched = choose(None, "Alex Example", None, &by_email, &[]);
        assert_eq!(matched.person, Some(3));
        assert!(!matched.uncertain);
    }

    #[test]
    fn a_sure_match_comes_before_an_uncertain_one_and_the_email_before_the_phone() {
        let by_email = [candidate(3, None, "Sam Example")];
        let by_phone = [candidate(4, None, "Alex Example")];
        // A shared family address under another name, the customer's own number: theirs.
        let matched = choose(None, "Alex Example", None, &by_email, &by_phone);
        assert_eq!(
            (matched.person, matched.how, matched.uncertain),
            (Some(4), PersonMatch::Phone, false)
        );
        let by_phone = [candidate(4, None, "Jo Other")];
        let matched = choose(None, "Alex Example", None, &by_email, &by_phone);
        assert_eq!(
            (matched.person, matched.how, matched.uncertain),
            (Some(3), PersonMatch::Email, true)
        );
    }

    #[test]
    fn a_phone_number_alone_is_uncertain_and_nobody_matched_makes_a_new_person() {
        let by_phone = [candidate(4, None, "Sam Other")];
        let matched = choose(None, "Alex Example", None, &[], &by_phone);
        assert_eq!(
            (matched.person, matched.how, matched.uncertain),
            (Some(4), PersonMatch::Phone, true)
        );
        let matched = choose(Some("alex"), "Alex Example", None, &[], &[]);
        assert_eq!(
            matched,
            Matched {
                person: None,
                how: PersonMatch::New,
                uncertain: false,
                takes_account: false
            }
        );
    }
}

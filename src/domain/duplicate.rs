//! Repeat and duplicate complaints found at intake (issue 14 §5). A new complaint is compared
//! with the same person's other complaints about the same service, received within a
//! window of it (`DUPLICATE_WINDOW_DAYS`, 60 days by default, either side): those whose text
//! is similar enough are offered to staff as possible duplicates, for them to link or leave.
//!
//! The similarity is the **Jaccard similarity of the two cases' content words**: the words of
//! the summary and the description together, lower-cased, apostrophes dropped, split at
//! anything that is not a letter or a digit, with English stop words ("the", "has", "been"…)
//! and one-letter words left out. The score is the number of distinct words the two share
//! over the number of distinct words in either, from 0 (nothing shared) to 1 (the same
//! words). It is computed here, in Rust, so both databases give the same answer. A case is a
//! candidate from [`THRESHOLD_PERMILLE`] (0.4: two content words in five shared) up.
//!
//! Why this measure: a repeat complaint is usually written again in the customer's own words
//! about the same things (the bin, the road, the weeks it was missed), so shared content words
//! find it, in any order and with words added; trigrams of characters would also catch
//! misspellings but score unrelated texts with common word-parts too high. No stemming: "bin"
//! and "bins" are two words (a stemmer for English is a dependency and a set of its own rules
//! for a small gain on texts this short).

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDateTime};

/// The score from which an earlier case is offered as a possible duplicate, in thousandths.
pub const THRESHOLD_PERMILLE: u32 = 400;

/// The most earlier cases one new case is compared with: the newest in the window. A person
/// with more cases than this about one service in the window is a matter for staff already,
/// and intake stays as quick for them as for anyone.
pub const MOST_COMPARED: i64 = 50;

/// The most candidates kept for one case: the most similar. Triage needs the closest few, not
/// every case a prolific complainant has made.
pub const MOST_OFFERED: usize = 10;

/// Words that say nothing about what a complaint is about.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "cant",
    "could",
    "couldnt",
    "did",
    "didnt",
    "do",
    "does",
    "doesnt",
    "doing",
    "dont",
    "down",
    "during",
    "each",
    "even",
    "ever",
    "every",
    "few",
    "for",
    "from",
    "further",
    "get",
    "got",
    "had",
    "hadnt",
    "has",
    "hasnt",
    "have",
    "havent",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "id",
    "if",
    "ill",
    "im",
    "in",
    "into",
    "is",
    "isnt",
    "it",
    "its",
    "itself",
    "ive",
    "just",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "please",
    "same",
    "she",
    "should",
    "shouldnt",
    "so",
    "some",
    "still",
    "such",
    "than",
    "that",
    "thats",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "us",
    "very",
    "was",
    "wasnt",
    "we",
    "were",
    "werent",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "wont",
    "would",
    "wouldnt",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// How intake looks for duplicates: the window either side of a new case's receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DuplicatePolicy {
    /// `DUPLICATE_WINDOW_DAYS`: how many days before or after a new case's receipt an earlier
    /// case may have been received to be compared with it.
    pub window_days: u32,
}

impl Default for DuplicatePolicy {
    fn default() -> Self {
        DuplicatePolicy { window_days: 60 }
    }
}

impl DuplicatePolicy {
    /// The receipts, from and to (both included), of the cases a case received at
    /// `received_at` is compared with: `window_days` whole days either side, to the second
    /// (a case logged late with a back-dated receipt is compared with those received after it).
    pub fn window(&self, received_at: NaiveDateTime) -> (NaiveDateTime, NaiveDateTime) {
        let days = Duration::days(i64::from(self.window_days));
        (received_at - days, received_at + days)
    }
}

/// A case's content words: what its similarity is measured on.
pub fn content_words(summary: &str, description: &str) -> BTreeSet<String> {
    [summary, description]
        .iter()
        .flat_map(|text| text.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’'))
        .map(|word| {
            word.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|word| word.chars().count() > 1 && !STOP_WORDS.contains(&word.as_str()))
        .collect()
}

/// The Jaccard similarity of two sets of content words, in thousandths rounded to the
/// nearest (half up): shared words over the words of either. Two empty texts share nothing: 0.
pub fn similarity_permille(a: &BTreeSet<String>, b: &BTreeSet<String>) -> u32 {
    let shared = a.intersection(b).count();
    let either = a.len() + b.len() - shared;
    if either == 0 {
        return 0;
    }
    // Integer arithmetic, so the rounding is the same everywhere: (2 × 1000 × s + e) / (2e).
    ((2000 * shared + either) / (2 * either)) as u32
}

/// An earlier case intake may compare a new one with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earlier {
    pub case_id: i64,
    pub reference: String,
    pub summary: String,
    pub description: String,
}

/// An earlier case offered as a possible duplicate, with its score in thousandths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PossibleDuplicate {
    pub case_id: i64,
    pub score_permille: u32,
}

/// The possible duplicates of a new case among `earlier` (the same person's cases of its
/// kind about its service in the policy's window): those scoring [`THRESHOLD_PERMILLE`] or
/// more, the most similar first (then the older case, the lower id, first), at most
/// [`MOST_OFFERED`].
pub fn possible_duplicates(
    summary: &str,
    description: &str,
    earlier: &[Earlier],
) -> Vec<PossibleDuplicate> {
    let words = content_words(summary, description);
    let mut found: Vec<PossibleDuplicate> = earlier
        .iter()
        .map(|e| PossibleDuplicate {
            case_id: e.case_id,
            score_permille: similarity_permille(&words, &content_words(&e.summary, &e.description)),
        })
        .filter(|p| p.score_permille >= THRESHOLD_PERMILLE)
        .collect();
    found.sort_by(|a, b| {
        b.score_permille
            .cmp(&a.score_permille)
            .then(a.case_id.cmp(&b.case_id))
    });
    found.truncate(MOST_OFFERED);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|w| w.to_string()).collect()
    }

    fn earlier(case_id: i64, summary: &str, description: &str) -> Earlier {
        Earlier {
            case_id,
            reference: format!("CMP-2026-{case_id:06}"),
            summary: summary.into(),
            description: description.into(),
        }
    }

    #[test]
    fn content_words_are_lower_case_without_stop_words_apostrophes_or_one_letter_words() {
        assert_eq!(
            content_words(
                "Green bin missed three weeks running",
                "Our green bin has been missed on the last three collection days, at 14 Example Road. I've had no reply."
            ),
            words(&[
                "14", "bin", "collection", "days", "example", "green", "last", "missed",
                "reply", "road", "running", "three", "weeks",
            ])
        );
        assert_eq!(
            content_words("Didn’t I say — it's A/B?", ""),
            words(&["say"])
        );
        assert_eq!(content_words("", ""), BTreeSet::new());
    }

    #[test]
    fn the_score_is_shared_words_over_words_of_either_in_thousandths() {
        let a = words(&["green", "bin", "missed", "three", "weeks"]);
        let b = words(&["green", "bin", "missed", "again"]);
        // Shared 3 (green, bin, missed); either 6: 3/6 = 0.5.
        assert_eq!(similarity_permille(&a, &b), 500);
        assert_eq!(similarity_permille(&b, &a), 500);
        // 2/3 = 0.6666… → 667 (rounded half up); 1/8 = 0.125 → 125.
        assert_eq!(
            similarity_permille(&words(&["x1", "x2", "x3"]), &words(&["x1", "x2"])),
            667
        );
        let eight = words(&["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"]);
        assert_eq!(similarity_permille(&eight, &words(&["a1"])), 125);
        assert_eq!(similarity_permille(&a, &a), 1000);
        assert_eq!(similarity_permille(&a, &BTreeSet::new()), 0);
        assert_eq!(similarity_permille(&BTreeSet::new(), &BTreeSet::new()), 0);
    }

    #[test]
    fn a_reworded_repeat_is_offered_and_a_different_matter_is_not() {
        // The new case's words: green, bin, missed, three, weeks, running, last, collection,
        // days (9).
        let summary = "Green bin missed three weeks running";
        let description = "Our green bin has been missed on the last three collection days.";
        let found = possible_duplicates(
            summary,
            description,
            &[
                // green, bin, missed, three, collection, days, row (7; "again" is a stop
                // word): shares all but "row" (6) of 9 + 7 - 6 = 10 words: 6/10 → 600.
                earlier(
                    1,
                    "Green bin missed again",
                    "The green bin has been missed for three collection days in a row.",
                ),
                // crew, left, rubbish, pavement, bin, spilled, road, drove (8): shares bin
                // (1) of 16: 1/16 → 63 (0.0625 rounded half up).
                earlier(
                    2,
                    "Crew left rubbish on the pavement",
                    "The bin crew spilled rubbish all over the road and drove off.",
                ),
                // The same words: 1000, offered first.
                earlier(3, summary, description),
            ],
        );
        assert_eq!(
            found,
            vec![
                PossibleDuplicate {
                    case_id: 3,
                    score_permille: 1000
                },
                PossibleDuplicate {
                    case_id: 1,
                    score_permille: 600
                },
            ]
        );
    }

    #[test]
    fn the_threshold_is_two_words_in_five() {
        let new = "alpha bravo charlie delta echo";
        // alpha, bravo shared; either: 5 + 2 - 2 = 5: 2/5 → 400 exactly, offered.
        let at = earlier(1, "alpha bravo", "");
        // alpha, bravo shared; either: 5 + 3 - 2 = 6: 2/6 → 333, not offered.
        let below = earlier(2, "alpha bravo foxtrot", "");
        let found = possible_duplicates(new, "", &[at, below]);
        assert_eq!(
            found,
            vec![PossibleDuplicate {
                case_id: 1,
                score_permille: 400
            }]
        );
    }

    #[test]
    fn at_most_ten_are_offered_the_most_similar_and_then_the_oldest() {
        let earlier: Vec<Earlier> = (1..=12)
            .map(|id| {
                earlier(
                    id,
                    "alpha bravo charlie",
                    if id == 12 { "" } else { "delta" },
                )
            })
            .collect();
        // The twelfth shares all 3 of its words with the new case's 3: 1000. The others
        // share 3 of 4: 750; of those the oldest nine, 1 to 9, make up the ten.
        let found = possible_duplicates("alpha bravo charlie", "", &earlier);
        let ids: Vec<i64> = found.iter().map(|p| p.case_id).collect();
        assert_eq!(ids, vec![12, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(found[0].score_permille, 1000);
        assert_eq!(found[1].score_permille, 750);
    }

    #[test]
    fn the_window_is_the_policy_s_days_either_side_of_receipt() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(
            DuplicatePolicy::default().window(at("2026-12-06 10:30:00")),
            (at("2026-10-07 10:30:00"), at("2027-02-04 10:30:00"))
        );
        assert_eq!(
            DuplicatePolicy { window_days: 1 }.window(at("2026-03-01 00:00:00")),
            (at("2026-02-28 00:00:00"), at("2026-03-02 00:00:00"))
        );
    }
}

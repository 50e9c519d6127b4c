//! The layers' dependencies point one way (STYLE.md): api -> app -> domain,
//! with db under app, and nothing outside `api/` importing `api/`. Checked
//! here on the source itself, so that a wrong-way `use` fails the tests
//! instead of waiting for a reviewer.

use std::path::{Path, PathBuf};

/// A layer and the words its code must not mention.
struct Rule {
    layers: &'static [&'static str],
    forbidden: &'static [&'static str],
    why: &'static str,
}

/// Layers that may not exist yet are listed too: the rule holds once they do.
const RULES: &[Rule] = &[
    Rule {
        layers: &["db", "domain", "report", "seed", "app", "jobs"],
        forbidden: &["crate::api", "super::api"],
        why: "nothing outside api/ imports api/",
    },
    Rule {
        layers: &["domain"],
        forbidden: &["actix", "diesel"],
        why: "domain/ is the rules alone: no HTTP, no SQL",
    },
    Rule {
        layers: &["db", "domain"],
        forbidden: &["crate::auth", "super::auth"],
        why: "storage and the rules do not depend on how callers are authenticated",
    },
    Rule {
        layers: &["db", "domain"],
        forbidden: &["ApiError", "crate::error"],
        why: "storage and the rules fail with their own errors; api/ maps them to HTTP",
    },
];

/// Breaches another branch is fixing, each as (file, the text it mentions).
/// The test fails once one is gone, so that this list only ever shrinks.
const AWAITING_FIX: &[(&str, &str)] = &[];

/// Every `.rs` file under `dir`, however deep; none if `dir` does not exist.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// Each line of code in `text` (comments left out: naming a module in
/// prose is not depending on it) that mentions one of `forbidden`, as
/// (line number, the word, the line).
fn mentions<'a>(text: &'a str, forbidden: &[&'static str]) -> Vec<(usize, &'static str, &'a str)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .flat_map(|(n, line)| {
            forbidden
                .iter()
                .filter(move |word| line.contains(**word))
                .map(move |word| (n + 1, *word, line.trim()))
        })
        .collect()
}

#[test]
fn dependencies_point_one_way() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut breaches = Vec::new();
    let mut awaited = Vec::new();
    for rule in RULES {
        for layer in rule.layers {
            for path in sources(&root.join("src").join(layer)) {
                let text = std::fs::read_to_string(&path).expect("a readable source file");
                let file = path
                    .strip_prefix(root)
                    .expect("under the crate")
                    .display()
                    .to_string();
                for (line, word, code) in mentions(&text, rule.forbidden) {
                    let known = AWAITING_FIX
                        .iter()
                        .find(|(f, mention)| *f == file && code.contains(mention));
                    match known {
                        Some(known) => awaited.push(*known),
                        None => breaches.push(format!(
                            "{file}:{line} mentions `{word}` ({}): {code}",
                            rule.why
                        )),
                    }
                }
            }
        }
    }
    assert!(
        breaches.is_empty(),
        "dependencies pointing the wrong way:\n{}",
        breaches.join("\n")
    );
    for known in AWAITING_FIX {
        assert!(
            awaited.contains(known),
            "{} no longer mentions `{}`: take it off AWAITING_FIX",
            known.0,
            known.1
        );
    }
}

#[test]
fn comments_are_not_dependencies() {
    let text = "//! Unlike crate::api, this\nuse crate::api::x;\n    /// see crate::api\n";
    assert_eq!(
        mentions(text, &["crate::api"]),
        vec![(2, "crate::api", "use crate::api::x;")]
    );
}

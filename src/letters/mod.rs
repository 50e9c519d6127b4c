//! The council's letter templates: one file per letter and language, shipped in the binary
//! (`templates/letters/{en,cy}/{kind}.txt`) and overridden, file by file, from `TEMPLATES_DIR`.
//! They are MiniJinja templates (Jinja's syntax, which council staff can learn from its
//! documentation) writing the letters' small markup ([`markup`]): the first line is
//! `Subject: …`, the rest the body, rendered to accessible HTML and to plain text.
//!
//! Every template is checked when the service starts: it must parse, name only the fields its
//! letter's context provides ([`context::sample`]), and render. A template that fails stops
//! start-up with its file and line, so a council's edit is never found wanting by a customer.

pub mod context;
pub mod markup;
pub mod pdf;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use minijinja::{Environment, UndefinedBehavior};

use crate::config::{LetterSettings, OmbudsmanContact};
use crate::domain::letter::{Language, LetterKind};
use crate::domain::mailroom::{Provider, Providers};
use crate::domain::ombudsman::OmbudsmanBody;
use context::{Common, Details};

/// The shipped templates: `(language, kind, source)`, every letter in English and in Welsh.
const SHIPPED: &[(Language, LetterKind, &str)] = &[
    (
        Language::English,
        LetterKind::Acknowledgement,
        include_str!("../../templates/letters/en/acknowledgement.txt"),
    ),
    (
        Language::English,
        LetterKind::Extension,
        include_str!("../../templates/letters/en/extension.txt"),
    ),
    (
        Language::English,
        LetterKind::Stage1Response,
        include_str!("../../templates/letters/en/stage_1_response.txt"),
    ),
    (
        Language::English,
        LetterKind::Stage2Response,
        include_str!("../../templates/letters/en/stage_2_response.txt"),
    ),
    (
        Language::English,
        LetterKind::EscalationRefused,
        include_str!("../../templates/letters/en/escalation_refused.txt"),
    ),
    (
        Language::English,
        LetterKind::ExcludedReferral,
        include_str!("../../templates/letters/en/excluded_referral.txt"),
    ),
    (
        Language::English,
        LetterKind::OutsideRemitReferral,
        include_str!("../../templates/letters/en/outside_remit_referral.txt"),
    ),
    (
        Language::English,
        LetterKind::FeedbackAcknowledgement,
        include_str!("../../templates/letters/en/feedback_acknowledgement.txt"),
    ),
    (
        Language::English,
        LetterKind::FeedbackReply,
        include_str!("../../templates/letters/en/feedback_reply.txt"),
    ),
    (
        Language::English,
        LetterKind::SurveyInvitation,
        include_str!("../../templates/letters/en/survey_invitation.txt"),
    ),
    (
        Language::English,
        LetterKind::RestrictionNotice,
        include_str!("../../templates/letters/en/restriction_notice.txt"),
    ),
    (
        Language::English,
        LetterKind::CaseAccessLink,
        include_str!("../../templates/letters/en/case_access_link.txt"),
    ),
    (
        Language::Welsh,
        LetterKind::Acknowledgement,
        include_str!("../../templates/letters/cy/acknowledgement.txt"),
    ),
    (
        Language::Welsh,
        LetterKind::Extension,
        include_str!("../../templates/letters/cy/extension.txt"),
    ),
    (
        Language::Welsh,
        LetterKind::Stage1Response,
        include_str!("../../templates/letters/cy/stage_1_response.txt"),
    ),
    (
        Language::Welsh,
        LetterKind::Stage2Response,
        include_str!("../../templates/letters/cy/stage_2_response.txt"),
    ),
    (
        Language::Welsh,
        LetterKind::EscalationRefused,
        include_str!("../../templates/letters/cy/escalation_refused.txt"),
    ),
    (
        Language::Welsh,
        LetterKind::ExcludedReferral,
        include_str!("../../templates/letters/cy/excluded_referral.txt"),
    ),
    (
        Language::Welsh,
        LetterKind::OutsideRemitReferral,
        include_str!("../../templates/letters/cy/outside_remit_referral.txt"),
    ),
    (
        Language::Welsh,
        LetterKind::FeedbackAcknowledgement,
        include_str!("../../templates/letters/cy/feedback_acknowledgement.txt"),
    ),
    (
        Language::Welsh,
        LetterKind::FeedbackReply,
        include_str!("../../templates/letters/cy/feedback_reply.txt"),
    ),
    (
        Language::Welsh,
        LetterKind::SurveyInvitation,
        include_str!("../../templates/letters/cy/survey_invitation.txt"),
    ),
    (
        Language::Welsh,
        LetterKind::RestrictionNotice,
        include_str!("../../templates/letters/cy/restriction_notice.txt"),
    ),
    (
        Language::Welsh,
        LetterKind::CaseAccessLink,
        include_str!("../../templates/letters/cy/case_access_link.txt"),
    ),
];

/// The text message telling a customer who is reached by text that a letter too long for one
/// was written (see [`crate::domain::mailroom::deliveries`]): posted to them, or waiting for
/// them to say where to send it.
pub fn sms_notice(language: Language, reference: &str, subject: &str, posted: bool) -> String {
    match (language, posted) {
        (Language::English, true) => format!(
            "{subject}. We have written to you about {reference}. The letter is too long for a \
             text message, so we have posted it to you."
        ),
        (Language::English, false) => format!(
            "{subject}. We have written to you about {reference}. The letter is too long for a \
             text message: please contact us with an email or postal address so that we can \
             send it to you."
        ),
        (Language::Welsh, true) => format!(
            "{subject}. Rydym wedi ysgrifennu atoch am {reference}. Mae'r llythyr yn rhy hir i \
             neges destun, felly rydym wedi'i anfon atoch drwy'r post."
        ),
        (Language::Welsh, false) => format!(
            "{subject}. Rydym wedi ysgrifennu atoch am {reference}. Mae'r llythyr yn rhy hir i \
             neges destun: cysylltwch â ni gyda chyfeiriad e-bost neu gyfeiriad post er mwyn i \
             ni ei anfon atoch."
        ),
    }
}

/// Names MiniJinja itself provides, which a template may use without the context giving them.
const BUILT_IN: &[&str] = &["range", "dict", "namespace", "debug", "loop"];

/// A letter, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub kind: LetterKind,
    /// The language of the template used (English where a Welsh one fell back).
    pub language: Language,
    pub large_print: bool,
    pub subject: String,
    /// The body in the letters' markup, as the template wrote it (the PDF's source).
    pub body: String,
    pub text: String,
    pub html: String,
}

/// Why the templates cannot be used: the file, the line where known, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "letter template {}:{line}: {}", self.file, self.message),
            None => write!(f, "letter template {}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for TemplateError {}

/// The checked templates and what letters are told besides the case.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
    /// The template's name (its file) for each letter and language there is one for.
    names: HashMap<(LetterKind, Language), String>,
    settings: LetterSettings,
    /// The ways of sending the council has configured: letters written go the way the
    /// customer is reached with these (see [`crate::domain::mailroom::deliveries`]). Printing
    /// only, until [`Templates::with_providers`] says otherwise.
    providers: Providers,
}

impl Templates {
    /// Loads the shipped templates and `TEMPLATES_DIR`'s overrides, and checks every one.
    pub fn load(settings: &LetterSettings) -> Result<Templates, TemplateError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_keep_trailing_newline(true);
        let mut sources: HashMap<(LetterKind, Language), (String, String)> = HashMap::new();
        for (language, kind, source) in SHIPPED {
            sources.insert(
                (*kind, *language),
                (
                    format!("templates/letters/{}", file_name(*kind, *language)),
                    source.to_string(),
                ),
            );
        }
        if let Some(dir) = &settings.templates_dir {
            for (key, found) in overrides(dir)? {
                sources.insert(key, found);
            }
        }
        if settings.council_in_wales {
            if let Some(kind) = LetterKind::ALL
                .iter()
                .find(|kind| !sources.contains_key(&(**kind, Language::Welsh)))
            {
                return Err(TemplateError {
                    file: file_name(*kind, Language::Welsh),
                    line: None,
                    message: "COUNCIL_IN_WALES is true, so every letter needs a Welsh template: \
                              put one in TEMPLATES_DIR"
                        .into(),
                });
            }
        }
        let mut names = HashMap::new();
        let mut ordered: Vec<_> = sources.into_iter().collect();
        ordered.sort_by(|a, b| a.1 .0.cmp(&b.1 .0));
        for ((kind, language), (name, source)) in ordered {
            env.add_template_owned(name.clone(), source)
                .map_err(|e| from_minijinja(&name, &e))?;
            names.insert((kind, language), name);
        }
        let templates = Templates {
            env,
            names,
            settings: settings.clone(),
            providers: Providers {
                default: Provider::Print,
                notify: false,
                smtp: false,
            },
        };
        for ((kind, _), name) in &templates.names {
            templates.check(*kind, name)?;
        }
        Ok(templates)
    }

    /// The same templates, their letters sent by `providers`.
    pub fn with_providers(mut self, providers: Providers) -> Templates {
        self.providers = providers;
        self
    }

    /// The ways of sending letters.
    pub fn providers(&self) -> Providers {
        self.providers
    }

    /// The settings the templates were loaded with.
    pub fn settings(&self) -> &LetterSettings {
        &self.settings
    }

    /// The contact details of `body`.
    pub fn ombudsman(&self, body: OmbudsmanBody) -> context::Ombudsman {
        let contact: &OmbudsmanContact = match body {
            OmbudsmanBody::Lgsco => &self.settings.lgsco,
            OmbudsmanBody::HousingOmbudsman => &self.settings.housing_ombudsman,
        };
        context::Ombudsman {
            body: body.as_str().into(),
            name: contact.name.clone(),
            phone: contact.phone.clone(),
            website: contact.website.clone(),
        }
    }

    /// The language a letter to someone who reads `wanted` is written in: theirs where there is
    /// a template for it, else English (start-up made sure a council in Wales has them all).
    pub fn language_for(&self, kind: LetterKind, wanted: Language) -> Language {
        if self.names.contains_key(&(kind, wanted)) {
            wanted
        } else {
            Language::English
        }
    }

    /// Renders the letter `details` describe, in `language` (see [`Templates::language_for`]).
    pub fn render(
        &self,
        common: &Common,
        details: &Details,
        language: Language,
    ) -> Result<Rendered, String> {
        let kind = details.kind();
        let language = self.language_for(kind, language);
        let name = self
            .names
            .get(&(kind, language))
            .ok_or_else(|| format!("no template for the {kind} letter"))?;
        let template = self.env.get_template(name).map_err(|e| e.to_string())?;
        let context = context::context(common, details)?;
        let written = template
            .render(&context)
            .map_err(|e| from_minijinja(name, &e).to_string())?;
        let (subject, body) =
            split_subject(&written).map_err(|message| format!("{name}: {message}"))?;
        let blocks = markup::parse(body);
        Ok(Rendered {
            kind,
            language,
            large_print: common.large_print,
            html: markup::html(&blocks, &subject, language, common.large_print),
            text: markup::text(&blocks),
            body: body.to_string(),
            subject,
        })
    }

    /// Checks one template against its letter's fields, then renders it with every field
    /// filled.
    fn check(&self, kind: LetterKind, name: &str) -> Result<(), TemplateError> {
        let template = self
            .env
            .get_template(name)
            .map_err(|e| from_minijinja(name, &e))?;
        let (common, details) = context::sample(kind);
        let sample = context::context(&common, &details).map_err(|message| TemplateError {
            file: name.into(),
            line: None,
            message,
        })?;
        let mut unknown: Vec<String> = template
            .undeclared_variables(true)
            .into_iter()
            .filter(|path| !BUILT_IN.contains(&path.split('.').next().unwrap_or_default()))
            .filter(|path| !provides(&sample, path))
            .collect();
        unknown.sort();
        if let Some(path) = unknown.first() {
            let mut fields: Vec<&String> = sample
                .as_object()
                .map(|map| map.keys().collect())
                .unwrap_or_default();
            fields.sort();
            let fields: Vec<&str> = fields.iter().map(|f| f.as_str()).collect();
            return Err(TemplateError {
                file: name.into(),
                line: line_naming(template.source(), path),
                message: format!(
                    "`{path}` is not a field of the {kind} letter; it has {}",
                    fields.join(", ")
                ),
            });
        }
        let written = template
            .render(&sample)
            .map_err(|e| from_minijinja(name, &e))?;
        split_subject(&written).map_err(|message| TemplateError {
            file: name.into(),
            line: Some(1),
            message,
        })?;
        Ok(())
    }
}

/// A template found: its letter and language, its file and its text.
type Source = ((LetterKind, Language), (String, String));

/// `en/stage_1_response.txt`.
fn file_name(kind: LetterKind, language: Language) -> String {
    format!("{}/{}.txt", language.as_str(), kind.as_str())
}

/// The override files in `dir`: `dir/{en,cy}/{kind}.txt`. Any other `.txt` file there is a
/// mistake (a misspelt letter would silently not override), and stops start-up.
fn overrides(dir: &Path) -> Result<Vec<Source>, TemplateError> {
    let unreadable = |path: &Path, e: std::io::Error| TemplateError {
        file: path.display().to_string(),
        line: None,
        message: format!("TEMPLATES_DIR: cannot be read: {e}"),
    };
    if !dir.is_dir() {
        return Err(TemplateError {
            file: dir.display().to_string(),
            line: None,
            message: "TEMPLATES_DIR is not a folder".into(),
        });
    }
    let mut found = Vec::new();
    for language in Language::ALL {
        let folder = dir.join(language.as_str());
        if !folder.is_dir() {
            continue;
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&folder)
            .map_err(|e| unreadable(&folder, e))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
            .collect();
        entries.sort();
        for path in entries {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            let Some(kind) = LetterKind::parse(stem) else {
                return Err(TemplateError {
                    file: path.display().to_string(),
                    line: None,
                    message: format!(
                        "is not a letter's template: the letters are {}",
                        LetterKind::expected()
                    ),
                });
            };
            let source = std::fs::read_to_string(&path).map_err(|e| unreadable(&path, e))?;
            found.push(((kind, *language), (path.display().to_string(), source)));
        }
    }
    Ok(found)
}

/// Whether `sample` has the dotted `path` (a path into a list is not looked into further).
fn provides(sample: &serde_json::Value, path: &str) -> bool {
    let mut at = sample;
    for part in path.split('.') {
        match at {
            serde_json::Value::Object(map) => match map.get(part) {
                Some(next) => at = next,
                None => return false,
            },
            serde_json::Value::Array(_) => return true,
            _ => return false,
        }
    }
    true
}

/// The first line of `source` naming `path` (or its first part) as a whole word.
fn line_naming(source: &str, path: &str) -> Option<usize> {
    let word = |line: &str, name: &str| {
        line.match_indices(name).any(|(at, _)| {
            let before = line[..at].chars().next_back();
            let after = line[at + name.len()..].chars().next();
            let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            !ident(before) && !ident(after) && before != Some('.')
        })
    };
    let first = path.split('.').next().unwrap_or(path);
    let last = path.rsplit('.').next().unwrap_or(path);
    source
        .lines()
        .position(|line| line.contains(path) && word(line, first))
        .or_else(|| {
            source
                .lines()
                .position(|line| word(line, first) && line.contains(last))
        })
        .or_else(|| source.lines().position(|line| word(line, first)))
        .map(|index| index + 1)
}

/// The first line, `Subject: …`, and the body after it.
fn split_subject(written: &str) -> Result<(String, &str), String> {
    let written = written.trim_start_matches(['\n', '\r']);
    let (first, body) = written.split_once('\n').unwrap_or((written, ""));
    let subject = first
        .trim()
        .strip_prefix("Subject:")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| "the first line must be `Subject: ` and the letter's subject".to_string())?;
    Ok((subject.to_string(), body))
}

fn from_minijinja(name: &str, error: &minijinja::Error) -> TemplateError {
    let detail = error
        .detail()
        .map(|d| format!("{}: {d}", error.kind()))
        .unwrap_or_else(|| error.kind().to_string());
    TemplateError {
        file: error.name().unwrap_or(name).to_string(),
        line: error.line(),
        message: detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_templates_pass_their_own_checks() {
        let templates = Templates::load(&LetterSettings::defaults()).expect("shipped templates");
        for kind in LetterKind::ALL {
            let (common, details) = context::sample(*kind);
            let letter = templates
                .render(&common, &details, Language::English)
                .expect("renders");
            assert!(!letter.subject.is_empty(), "{kind}");
            assert!(letter.html.contains("<html lang=\"en\">"), "{kind}");
        }
    }

    #[test]
    fn a_welsh_letter_without_a_welsh_template_falls_back_to_english() {
        let templates = Templates::load(&LetterSettings::defaults()).expect("shipped templates");
        assert_eq!(
            templates.language_for(LetterKind::Stage1Response, Language::Welsh),
            Language::Welsh
        );
        assert_eq!(
            templates.language_for(LetterKind::SurveyInvitation, Language::Welsh),
            Language::Welsh
        );
    }

    #[test]
    fn a_council_in_wales_starts_with_every_letter_in_welsh() {
        let settings = LetterSettings {
            council_in_wales: true,
            ..LetterSettings::defaults()
        };
        let templates = Templates::load(&settings).expect("every Welsh template is shipped");
        for kind in LetterKind::ALL {
            assert_eq!(
                templates.language_for(*kind, Language::Welsh),
                Language::Welsh,
                "{kind}"
            );
        }
    }

    #[test]
    fn a_compliment_is_thanked_for_in_welsh_as_a_compliment_and_a_comment_as_a_comment() {
        let templates = Templates::load(&LetterSettings::defaults()).expect("shipped templates");
        let (common, _) = context::sample(LetterKind::FeedbackAcknowledgement);
        for (kind, word) in [("compliment", "canmoliaeth"), ("comment", "sylw")] {
            let details = Details::FeedbackAcknowledgement {
                feedback_kind: kind.into(),
                response_due: None,
            };
            let rendered = templates
                .render(&common, &details, Language::Welsh)
                .expect("rendered");
            assert_eq!(
                rendered.subject,
                format!("Diolch am eich {word} CMP-2026-000042")
            );
            assert_eq!(rendered.language, Language::Welsh);
        }
    }

    #[test]
    fn a_path_is_found_in_the_sample_or_not() {
        let sample = serde_json::json!({"ombudsman": {"phone": "1"}, "points": [{"point": "x"}]});
        assert!(provides(&sample, "ombudsman.phone"));
        assert!(!provides(&sample, "ombudsman.fax"));
        assert!(!provides(&sample, "ombudsman.phone.area"));
        assert!(provides(&sample, "points.anything"));
        assert!(!provides(&sample, "customer"));
    }

    #[test]
    fn the_line_naming_a_field_is_found() {
        let source = "Subject: x\nDear {{ customer_name }},\nCall {{ ombudsman.fax }}\n";
        assert_eq!(line_naming(source, "ombudsman.fax"), Some(3));
        assert_eq!(line_naming(source, "customer_name"), Some(2));
    }
}

//! The letters' own small markup, which the council's templates write: `# ` a heading, `## ` a
//! sub-heading, `- ` an item of a list, blank lines between paragraphs. One rendered template
//! gives both forms of a letter: accessible HTML (the language declared, headings that say what
//! follows, lists as lists, no layout tables) and plain text. Values from the case are escaped
//! here, so nothing a customer typed can become markup in the HTML.

use crate::domain::letter::Language;

/// A block of a letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Level 1 to 3.
    Heading(u8, String),
    /// Lines kept as written (an address, a signature).
    Paragraph(Vec<String>),
    List(Vec<String>),
}

/// Reads the blocks of `body`.
pub fn parse(body: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<String> = Vec::new();
    let mut list: Vec<String> = Vec::new();
    for line in body.lines() {
        let line = line.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            flush(&mut blocks, &mut paragraph, &mut list);
            continue;
        }
        let heading = [("### ", 3u8), ("## ", 2), ("# ", 1)]
            .iter()
            .find_map(|(mark, level)| trimmed.strip_prefix(mark).map(|text| (*level, text)));
        if let Some((level, text)) = heading {
            flush(&mut blocks, &mut paragraph, &mut list);
            blocks.push(Block::Heading(level, text.trim().to_string()));
        } else if let Some(item) = trimmed.strip_prefix("- ") {
            if !paragraph.is_empty() {
                blocks.push(Block::Paragraph(std::mem::take(&mut paragraph)));
            }
            list.push(item.trim().to_string());
        } else {
            if !list.is_empty() {
                blocks.push(Block::List(std::mem::take(&mut list)));
            }
            paragraph.push(trimmed.to_string());
        }
    }
    flush(&mut blocks, &mut paragraph, &mut list);
    blocks
}

/// Ends the paragraph or list being read.
fn flush(blocks: &mut Vec<Block>, paragraph: &mut Vec<String>, list: &mut Vec<String>) {
    if !paragraph.is_empty() {
        blocks.push(Block::Paragraph(std::mem::take(paragraph)));
    }
    if !list.is_empty() {
        blocks.push(Block::List(std::mem::take(list)));
    }
}

/// The plain-text form: headings underlined, paragraphs and lists apart by a blank line.
pub fn text(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        if !out.is_empty() {
            out.push('\n');
        }
        match block {
            Block::Heading(level, heading) => {
                let rule = if *level == 1 { '=' } else { '-' };
                out.push_str(heading);
                out.push('\n');
                out.extend(std::iter::repeat_n(rule, heading.chars().count()));
                out.push('\n');
            }
            Block::Paragraph(lines) => {
                for line in lines {
                    out.push_str(line);
                    out.push('\n');
                }
            }
            Block::List(items) => {
                for item in items {
                    out.push_str("- ");
                    out.push_str(item);
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// Reads back the blocks [`text`] wrote, for a letter kept only as plain text: a line
/// underlined with `=` (as long as it) is a heading of level 1, with `-` of level 2 (a level 3
/// heading comes back as level 2: the text does not tell them apart); a line starting `- ` is an
/// item of a list; blank lines end a block.
pub fn from_text(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let mut paragraph: Vec<String> = Vec::new();
    let mut list: Vec<String> = Vec::new();
    let mut index = 0;
    while let Some(line) = lines.get(index) {
        index += 1;
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            flush(&mut blocks, &mut paragraph, &mut list);
            continue;
        }
        let rule = lines.get(index).map(|l| l.trim()).filter(|rule| {
            rule.chars().count() == trimmed.chars().count()
                && (rule.chars().all(|c| c == '=') || rule.chars().all(|c| c == '-'))
        });
        if let Some(rule) = rule {
            index += 1;
            flush(&mut blocks, &mut paragraph, &mut list);
            let level = if rule.starts_with('=') { 1 } else { 2 };
            blocks.push(Block::Heading(level, trimmed.to_string()));
        } else if let Some(item) = trimmed.strip_prefix("- ") {
            if !paragraph.is_empty() {
                blocks.push(Block::Paragraph(std::mem::take(&mut paragraph)));
            }
            list.push(item.trim().to_string());
        } else {
            if !list.is_empty() {
                blocks.push(Block::List(std::mem::take(&mut list)));
            }
            paragraph.push(trimmed.to_string());
        }
    }
    flush(&mut blocks, &mut paragraph, &mut list);
    blocks
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The HTML email: the page's language declared, its title the subject, one column of text
/// at a size that can be read (24px, 18pt, in large print), headings and lists as such.
pub fn html(blocks: &[Block], subject: &str, language: Language, large_print: bool) -> String {
    let size = if large_print { "24px" } else { "16px" };
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>body{{font-family:Arial,Helvetica,sans-serif;\
         font-size:{size};line-height:1.5;color:#0b0c0c;background:#ffffff;max-width:40em;\
         margin:0 auto;padding:1em}}h1{{font-size:1.5em}}h2{{font-size:1.25em}}\
         h3{{font-size:1.1em}}</style>\n</head>\n<body>\n<main>\n",
        language.as_str(),
        escape(subject)
    );
    for block in blocks {
        match block {
            Block::Heading(level, heading) => {
                out.push_str(&format!("<h{level}>{}</h{level}>\n", escape(heading)));
            }
            Block::Paragraph(lines) => {
                let lines: Vec<String> = lines.iter().map(|l| escape(l)).collect();
                out.push_str(&format!("<p>{}</p>\n", lines.join("<br>\n")));
            }
            Block::List(items) => {
                out.push_str("<ul>\n");
                for item in items {
                    out.push_str(&format!("<li>{}</li>\n", escape(item)));
                }
                out.push_str("</ul>\n");
            }
        }
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "# Our response\n\nDear Alex Example,\n\n## Each point\n- Missed bins: upheld\n- Reports <ignored>: not upheld\nYours sincerely,\nThe Complaints Team\n";

    #[test]
    fn headings_lists_and_paragraphs_are_read() {
        assert_eq!(
            parse(BODY),
            vec![
                Block::Heading(1, "Our response".into()),
                Block::Paragraph(vec!["Dear Alex Example,".into()]),
                Block::Heading(2, "Each point".into()),
                Block::List(vec![
                    "Missed bins: upheld".into(),
                    "Reports <ignored>: not upheld".into()
                ]),
                Block::Paragraph(vec![
                    "Yours sincerely,".into(),
                    "The Complaints Team".into()
                ]),
            ]
        );
    }

    #[test]
    fn the_html_declares_its_language_escapes_values_and_uses_no_tables() {
        let html = html(&parse(BODY), "Your complaint", Language::Welsh, false);
        assert!(html.contains("<html lang=\"cy\">"));
        assert!(html.contains("<h1>Our response</h1>"));
        assert!(html.contains("<li>Reports &lt;ignored&gt;: not upheld</li>"));
        assert!(html.contains("<p>Yours sincerely,<br>\nThe Complaints Team</p>"));
        assert!(!html.contains("<table"));
        assert!(html.contains("font-size:16px"));
    }

    #[test]
    fn large_print_is_at_least_16_points() {
        // 24 CSS pixels are 18 points.
        let html = html(&parse(BODY), "Your complaint", Language::English, true);
        assert!(html.contains("font-size:24px"));
    }

    #[test]
    fn the_blocks_are_read_back_from_the_text() {
        let blocks = parse(BODY);
        assert_eq!(from_text(&text(&blocks)), blocks);
        let welsh = "# Ein hymateb\n\nAnnwyl Ŵyn,\n\n## Ein penderfyniad\n- Pwynt un\n\n\
                     Dyma'r ŷd.\nYn gywir,\n";
        assert_eq!(from_text(&text(&parse(welsh))), parse(welsh));
        // What a stored letter's text looks like, worked out by hand.
        assert_eq!(
            from_text("Our response\n============\n\nDear Alex,\n\nEach point\n----------\n\n- One\n- Two\n"),
            vec![
                Block::Heading(1, "Our response".into()),
                Block::Paragraph(vec!["Dear Alex,".into()]),
                Block::Heading(2, "Each point".into()),
                Block::List(vec!["One".into(), "Two".into()]),
            ]
        );
    }

    #[test]
    fn a_rule_not_as_long_as_the_line_above_is_text() {
        assert_eq!(
            from_text("Totals\n---\n"),
            vec![Block::Paragraph(vec!["Totals".into(), "---".into()])]
        );
    }

    #[test]
    fn the_text_underlines_headings() {
        let text = text(&parse(BODY));
        assert_eq!(
            text,
            "Our response\n============\n\nDear Alex Example,\n\nEach point\n----------\n\n\
             - Missed bins: upheld\n- Reports <ignored>: not upheld\n\nYours sincerely,\n\
             The Complaints Team\n"
        );
    }
}

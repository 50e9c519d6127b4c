//! Letters as PDFs (issue 13 §3): the letter a customer is posted, laid out from the letters'
//! markup on A4 to GOV.UK Notify's precompiled-letter specification, so that Notify can post it
//! as it is.
//!
//! The PDF is tagged for a screen reader (a structure tree of Document, H1-H3, P and L/LI/Lbl/
//! LBody tied to the text by marked-content ids, the language and the title declared) and its
//! text can be copied and searched (every glyph maps back to its character). It is set in DejaVu
//! Sans, embedded: only the glyphs a letter uses, so a Welsh letter's ŵ and ŷ print on any
//! machine. Large print is 18 pt, the RNIB's clear-print size; otherwise 12 pt.
//!
//! Notify's specification (A4 portrait; nothing within 15 mm of the sides or 5 mm of the top
//! and bottom; on page 1 the recipient's address, and only it, in the address block, and the
//! sender's details in the contact block; at most 2 MB) is met by construction: the blocks'
//! positions are [`ADDRESS_AREA`] and [`SENDER_AREA`], the margins wider than Notify's.

use std::sync::OnceLock;

use pdf_writer::types::{
    ArtifactSubtype, ArtifactType, CidFontType, FontFlags, StructRole, SystemInfo, TabOrder,
    UnicodeCmap,
};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::domain::letter::Language;
use crate::letters::markup::Block;

/// What a PDF letter shows.
pub struct PdfLetter<'a> {
    pub subject: &'a str,
    pub blocks: &'a [Block],
    pub language: Language,
    pub large_print: bool,
    /// The recipient's name and address, one line each (at most 7 lines; may be empty when unknown).
    pub address: &'a [String],
    /// The council's return address / sender lines, shown top right (may be empty).
    pub sender: &'a [String],
}

/// An area of the page, in millimetres from its left and top edges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub left: f32,
    pub top: f32,
    pub right: f32,
    pub bottom: f32,
}

/// Notify's address block on page 1: the recipient's address and nothing else. These are the
/// bounds Notify's own checks use (24.6 mm to 120 mm from the left edge, 40 mm to 66.2 mm from
/// the top); its published specification's 39.5 mm to 66.3 mm contains them.
pub const ADDRESS_AREA: Area = Area {
    left: 24.6,
    top: 40.0,
    right: 120.0,
    bottom: 66.2,
};

/// Notify's letter contact block on page 1, for the sender's details: 125 mm from the left edge
/// and 30 mm from the top, 65 mm square.
pub const SENDER_AREA: Area = Area {
    left: 125.0,
    top: 30.0,
    right: 190.0,
    bottom: 95.0,
};

/// Points in a millimetre.
const MM: f32 = 72.0 / 25.4;
const PAGE_WIDTH: f32 = 210.0 * MM;
const PAGE_HEIGHT: f32 = 297.0 * MM;
/// The body's left and right margins (Notify keeps 15 mm clear).
const SIDE_MARGIN: f32 = 20.0 * MM;
/// Page 1's body starts below the address and contact blocks, where Notify says it may.
const FIRST_BODY_TOP: f32 = 95.0 * MM;
/// Later pages' body starts here (Notify keeps 5 mm clear).
const BODY_TOP: f32 = 20.0 * MM;
/// No line of the body reaches below this, from the top: the footer has the rest.
const BODY_BOTTOM: f32 = 277.0 * MM;
/// The page number's baseline, from the top: 10 mm above the bottom edge (Notify keeps 5 mm).
const FOOTER_BASELINE: f32 = 287.0 * MM;
/// No address or sender line is set smaller than this (Notify sets addresses at 8 pt).
const SMALLEST: f32 = 8.0;
/// Lines of the address and sender blocks are this many times their size apart.
const BLOCK_LEADING: f32 = 1.2;
/// Notify reads at most 7 lines of address.
const ADDRESS_LINES: usize = 7;

/// The body's size: 18 pt in large print (the RNIB's clear print), else 12 pt.
fn body_size(large_print: bool) -> f32 {
    if large_print {
        18.0
    } else {
        12.0
    }
}

/// Lays `letter` out and writes it as a PDF.
pub fn render(letter: &PdfLetter) -> Result<Vec<u8>, String> {
    render_counted(letter).map(|(pdf, _)| pdf)
}

/// [`render`], with the number of pages it made.
pub fn render_counted(letter: &PdfLetter) -> Result<(Vec<u8>, usize), String> {
    let fonts = fonts()?;
    let mut layout = Layout::new(fonts, letter.large_print);
    layout.sender(letter.sender);
    layout.address(letter.address);
    layout.body(letter.blocks);
    layout.footers(letter.language);
    let pages = layout.pages.len();
    Ok((write(fonts, &layout, letter)?, pages))
}

// ------------------------------------------------------------------------------------ fonts

/// Which of the two faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Weight {
    Regular = 0,
    Bold = 1,
}

/// A glyph of a face and the character it shows.
#[derive(Debug, Clone, Copy)]
struct Glyph {
    id: u16,
    ch: char,
    /// Its advance, in ems.
    advance: f32,
}

/// A face, parsed once.
struct Face {
    /// Its PostScript name.
    name: &'static str,
    data: &'static [u8],
    face: ttf_parser::Face<'static>,
    units: f32,
    /// Above and below the baseline, in ems.
    ascender: f32,
    descender: f32,
    space: Glyph,
    /// Shown for a character the face lacks: U+FFFD.
    replacement: Glyph,
}

struct Fonts {
    faces: [Face; 2],
}

impl Fonts {
    fn face(&self, weight: Weight) -> &Face {
        &self.faces[weight as usize]
    }
}

/// DejaVu Sans, cut to the Latin, Greek and Cyrillic alphabets and punctuation (`fonts/`).
const REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");

/// The faces, parsed on first use.
fn fonts() -> Result<&'static Fonts, String> {
    static FONTS: OnceLock<Result<Fonts, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Ok(Fonts {
                faces: [
                    Face::parse("DejaVuSans", REGULAR)?,
                    Face::parse("DejaVuSans-Bold", BOLD)?,
                ],
            })
        })
        .as_ref()
        .map_err(Clone::clone)
}

impl Face {
    fn parse(name: &'static str, data: &'static [u8]) -> Result<Face, String> {
        let face = ttf_parser::Face::parse(data, 0).map_err(|e| format!("font {name}: {e}"))?;
        let units = f32::from(face.units_per_em());
        let mut parsed = Face {
            name,
            data,
            ascender: f32::from(face.ascender()) / units,
            descender: -f32::from(face.descender()) / units,
            face,
            units,
            space: Glyph {
                id: 0,
                ch: ' ',
                advance: 0.0,
            },
            replacement: Glyph {
                id: 0,
                ch: '\u{FFFD}',
                advance: 0.0,
            },
        };
        parsed.space = parsed
            .glyph(' ')
            .ok_or_else(|| format!("font {name} has no space"))?;
        parsed.replacement = parsed
            .glyph('\u{FFFD}')
            .or_else(|| parsed.glyph('?'))
            .ok_or_else(|| format!("font {name} has no replacement character"))?;
        Ok(parsed)
    }

    fn glyph(&self, ch: char) -> Option<Glyph> {
        let id = self.face.glyph_index(ch)?;
        Some(Glyph {
            id: id.0,
            ch,
            advance: self.advance(id.0),
        })
    }

    fn advance(&self, id: u16) -> f32 {
        self.face
            .glyph_hor_advance(ttf_parser::GlyphId(id))
            .map_or(0.0, |a| f32::from(a) / self.units)
    }

    /// `text` as glyphs: white space as single spaces, invisible and control characters
    /// dropped, and a character the face lacks shown as U+FFFD.
    fn shape(&self, text: &str) -> Vec<Glyph> {
        let mut glyphs: Vec<Glyph> = Vec::with_capacity(text.len());
        for ch in text.chars() {
            if ch.is_whitespace() {
                if glyphs.last().is_some_and(|g| g.ch != ' ') {
                    glyphs.push(self.space);
                }
            } else if !(ch.is_control() || invisible(ch)) {
                glyphs.push(self.glyph(ch).unwrap_or(self.replacement));
            }
        }
        if glyphs.last().is_some_and(|g| g.ch == ' ') {
            glyphs.pop();
        }
        glyphs
    }
}

/// Format characters that show nothing: soft hyphens, zero-width spaces and joiners, marks of
/// direction, the byte order mark.
fn invisible(ch: char) -> bool {
    matches!(ch, '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The width of `glyphs` at `size`, in points.
fn width(glyphs: &[Glyph], size: f32) -> f32 {
    glyphs.iter().map(|g| g.advance).sum::<f32>() * size
}

/// Breaks `glyphs` into lines no wider than `room` points at `size`: between words (a line
/// ends with the space it broke at, which takes no room on the page), and within a word too
/// long for a line of its own.
fn wrap(glyphs: &[Glyph], space: Glyph, size: f32, room: f32) -> Vec<Vec<Glyph>> {
    let mut lines = Vec::new();
    let mut line: Vec<Glyph> = Vec::new();
    let mut line_width = 0.0;
    for word in glyphs.split(|g| g.ch == ' ').filter(|w| !w.is_empty()) {
        let word_width = width(word, size);
        if !line.is_empty() && line_width + space.advance * size + word_width <= room {
            line.push(space);
            line.extend_from_slice(word);
            line_width += space.advance * size + word_width;
            continue;
        }
        if !line.is_empty() {
            // The space stays, past the line's end, so that the text read out or copied
            // keeps its words apart.
            line.push(space);
            lines.push(std::mem::take(&mut line));
        }
        line_width = 0.0;
        for glyph in word {
            let advance = glyph.advance * size;
            if !line.is_empty() && line_width + advance > room {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
            }
            line.push(*glyph);
            line_width += advance;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

// ----------------------------------------------------------------------------------- layout

/// A line of text placed on a page.
struct Line {
    weight: Weight,
    size: f32,
    /// Its start, in points from the page's left edge.
    x: f32,
    /// Its baseline, in points from the page's top edge.
    baseline: f32,
    glyphs: Vec<Glyph>,
}

/// What a run of lines is in the structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// Content of the element with this index, as the page's marked content `mcid`.
    Tagged { element: usize, mcid: i32 },
    /// A page number: not part of the letter's text.
    Pagination,
}

struct Section {
    mark: Mark,
    lines: Vec<Line>,
}

#[derive(Default)]
struct Page {
    sections: Vec<Section>,
    /// The element each marked content id belongs to, in order.
    parents: Vec<usize>,
}

/// A child of a structure element.
#[derive(Debug, Clone, Copy)]
enum Kid {
    Element(usize),
    Content { page: usize, mcid: i32 },
}

struct Element {
    role: StructRole,
    /// None for the Document element, whose parent is the tree's root.
    parent: Option<usize>,
    kids: Vec<Kid>,
}

/// The letter being laid out, page by page.
struct Layout<'f> {
    fonts: &'f Fonts,
    /// The body's size, in points.
    size: f32,
    pages: Vec<Page>,
    elements: Vec<Element>,
    /// Where the next line's box starts, in points from the page's top edge.
    y: f32,
    /// Nothing of the body is on this page yet (no space above the first block).
    at_top: bool,
    /// The last block was a heading (less space between it and what it heads).
    after_heading: bool,
}

/// The Document element, the root of every other.
const DOCUMENT: usize = 0;

impl<'f> Layout<'f> {
    fn new(fonts: &'f Fonts, large_print: bool) -> Layout<'f> {
        Layout {
            fonts,
            size: body_size(large_print),
            pages: vec![Page::default()],
            elements: vec![Element {
                role: StructRole::Document,
                parent: None,
                kids: Vec::new(),
            }],
            y: FIRST_BODY_TOP,
            at_top: true,
            after_heading: false,
        }
    }

    fn element(&mut self, role: StructRole, parent: usize) -> usize {
        let index = self.elements.len();
        self.elements.push(Element {
            role,
            parent: Some(parent),
            kids: Vec::new(),
        });
        if let Some(parent) = self.elements.get_mut(parent) {
            parent.kids.push(Kid::Element(index));
        }
        index
    }

    /// Puts `line` on the last page as content of `element`: in the page's last section if that
    /// is the element's, else in a new one with the page's next marked content id.
    fn draw(&mut self, element: usize, line: Line) {
        let page_index = self.pages.len() - 1;
        let Some(page) = self.pages.last_mut() else {
            return;
        };
        if let Some(section) = page
            .sections
            .last_mut()
            .filter(|s| matches!(s.mark, Mark::Tagged { element: e, .. } if e == element))
        {
            section.lines.push(line);
            return;
        }
        let mcid = i32::try_from(page.parents.len()).unwrap_or(i32::MAX);
        page.parents.push(element);
        page.sections.push(Section {
            mark: Mark::Tagged { element, mcid },
            lines: vec![line],
        });
        if let Some(element) = self.elements.get_mut(element) {
            element.kids.push(Kid::Content {
                page: page_index,
                mcid,
            });
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = BODY_TOP;
        self.at_top = true;
    }

    /// Space before a block, unless it starts a page.
    fn space(&mut self, points: f32) {
        if !self.at_top {
            self.y += points;
        }
    }

    /// The baseline of the next line of `size` in a box `leading` high, on a new page if this
    /// one has no room for it.
    fn next_line(&mut self, weight: Weight, size: f32, leading: f32) -> f32 {
        if self.y + leading > BODY_BOTTOM && !self.at_top {
            self.new_page();
        }
        let face = self.fonts.face(weight);
        let glyph_box = (face.ascender + face.descender) * size;
        let baseline = self.y + (leading - glyph_box) / 2.0 + face.ascender * size;
        self.y += leading;
        self.at_top = false;
        baseline
    }

    /// The sender's lines in the contact block, wrapped to its width, at the body's size or as
    /// much smaller as they need to fit (in large print, no smaller than 16 pt).
    fn sender(&mut self, lines: &[String]) {
        let fonts = self.fonts;
        let face = fonts.face(Weight::Regular);
        let shaped: Vec<Vec<Glyph>> = lines
            .iter()
            .map(|l| face.shape(l))
            .filter(|g| !g.is_empty())
            .collect();
        if shaped.is_empty() {
            return;
        }
        let area = SENDER_AREA;
        let (room, height) = ((area.right - area.left) * MM, (area.bottom - area.top) * MM);
        // No word broken if it can be helped: small enough for the longest word, and smaller
        // still if the lines need it.
        let longest = shaped
            .iter()
            .flat_map(|g| g.split(|g| g.ch == ' '))
            .map(|word| width(word, 1.0))
            .fold(0.0f32, f32::max);
        // Large print stays large: a word too long at 16 pt is broken instead.
        let smallest = if self.size > 16.0 { 16.0 } else { SMALLEST };
        let mut size = self.size;
        if longest * size > room {
            size = ((room / longest * 2.0).floor() / 2.0).max(smallest);
        }
        let wrapped = loop {
            let wrapped: Vec<Vec<Glyph>> = shaped
                .iter()
                .flat_map(|g| with_space(wrap(g, face.space, size, room), face.space))
                .collect();
            if block_height(face, wrapped.len(), size) <= height || size <= smallest {
                break wrapped;
            }
            size = (size - 0.5).max(smallest);
        };
        let element = self.element(StructRole::P, DOCUMENT);
        self.place_block(element, face, area, wrapped, size);
    }

    /// The address in Notify's address block: a line each, at the body's size or as much
    /// smaller as they need to fit; more than 7 lines are joined into 7, the last kept last
    /// (Notify reads a postcode there).
    fn address(&mut self, lines: &[String]) {
        let fonts = self.fonts;
        let face = fonts.face(Weight::Regular);
        let mut shaped: Vec<Vec<Glyph>> = lines
            .iter()
            .map(|l| face.shape(l))
            .filter(|g| !g.is_empty())
            .collect();
        if shaped.is_empty() {
            return;
        }
        if shaped.len() > ADDRESS_LINES {
            let last = shaped.pop().unwrap_or_default();
            let joined = shaped
                .split_off(ADDRESS_LINES - 2)
                .into_iter()
                .reduce(|mut a, b| {
                    a.extend(face.glyph(',').into_iter().chain([face.space]));
                    a.extend(b);
                    a
                })
                .unwrap_or_default();
            shaped.push(joined);
            shaped.push(last);
        }
        let area = ADDRESS_AREA;
        // A point inside the block on every side, so nothing touches its edge.
        let room = (area.right - area.left) * MM - 2.0;
        let height = (area.bottom - area.top) * MM - 2.0;
        let widest = shaped.iter().map(|g| width(g, 1.0)).fold(0.0f32, f32::max);
        let tallest =
            height / ((shaped.len() - 1) as f32 * BLOCK_LEADING + face.ascender + face.descender);
        let size = self.size.min(tallest).min(if widest > 0.0 {
            room / widest
        } else {
            self.size
        });
        let size = ((size * 10.0).floor() / 10.0).max(SMALLEST);
        // At the smallest size a line still too long is cut at the block's edge.
        for line in &mut shaped {
            while width(line, size) > room && line.pop().is_some() {}
            line.push(face.space);
        }
        let element = self.element(StructRole::P, DOCUMENT);
        let inner = Area {
            left: area.left + 1.0 / MM,
            top: area.top + 1.0 / MM,
            ..area
        };
        self.place_block(element, face, inner, shaped, size);
    }

    /// Sets `lines` from the top left of `area` on page 1, dropping any that would pass its
    /// bottom.
    fn place_block(
        &mut self,
        element: usize,
        face: &Face,
        area: Area,
        lines: Vec<Vec<Glyph>>,
        size: f32,
    ) {
        let mut baseline = area.top * MM + face.ascender * size;
        for glyphs in lines {
            if baseline + face.descender * size > area.bottom * MM {
                break;
            }
            self.draw(
                element,
                Line {
                    weight: Weight::Regular,
                    size,
                    x: area.left * MM,
                    baseline,
                    glyphs,
                },
            );
            baseline += size * BLOCK_LEADING;
        }
    }

    fn body(&mut self, blocks: &[Block]) {
        for block in blocks {
            match block {
                Block::Heading(level, text) => self.heading(*level, text),
                Block::Paragraph(lines) => self.paragraph(lines),
                Block::List(items) => self.list(items),
            }
        }
    }

    fn heading(&mut self, level: u8, text: &str) {
        let (role, scale) = match level {
            0 | 1 => (StructRole::H1, 1.5),
            2 => (StructRole::H2, 1.25),
            _ => (StructRole::H3, 1.1),
        };
        let face = self.fonts.face(Weight::Bold);
        let size = self.size * scale;
        let leading = size * 1.25;
        let lines = wrap(
            &face.shape(text),
            face.space,
            size,
            PAGE_WIDTH - 2.0 * SIDE_MARGIN,
        );
        if lines.is_empty() {
            return;
        }
        self.space(self.size * 1.0);
        // A heading is kept with the first line of what it heads.
        let needed = lines.len() as f32 * leading + self.size * 1.75;
        if self.y + needed > BODY_BOTTOM && !self.at_top {
            self.new_page();
        }
        let element = self.element(role, DOCUMENT);
        for glyphs in lines {
            let baseline = self.next_line(Weight::Bold, size, leading);
            self.draw(
                element,
                Line {
                    weight: Weight::Bold,
                    size,
                    x: SIDE_MARGIN,
                    baseline,
                    glyphs,
                },
            );
        }
        self.after_heading = true;
    }

    fn block_space(&mut self) {
        let space = if self.after_heading { 0.25 } else { 0.75 };
        self.space(self.size * space);
        self.after_heading = false;
    }

    fn paragraph(&mut self, lines: &[String]) {
        let face = self.fonts.face(Weight::Regular);
        let shaped: Vec<Vec<Glyph>> = lines.iter().map(|l| face.shape(l)).collect();
        let Some(first) = shaped.iter().position(|g| !g.is_empty()) else {
            return;
        };
        let last = shaped.iter().rposition(|g| !g.is_empty()).unwrap_or(first);
        self.block_space();
        let (size, leading) = (self.size, self.size * 1.4);
        let element = self.element(StructRole::P, DOCUMENT);
        for glyphs in &shaped[first..=last] {
            let wrapped = with_space(
                wrap(glyphs, face.space, size, PAGE_WIDTH - 2.0 * SIDE_MARGIN),
                face.space,
            );
            if wrapped.is_empty() {
                // A blank line kept as written.
                self.next_line(Weight::Regular, size, leading);
            }
            for glyphs in wrapped {
                let baseline = self.next_line(Weight::Regular, size, leading);
                self.draw(
                    element,
                    Line {
                        weight: Weight::Regular,
                        size,
                        x: SIDE_MARGIN,
                        baseline,
                        glyphs,
                    },
                );
            }
        }
    }

    fn list(&mut self, items: &[String]) {
        let face = self.fonts.face(Weight::Regular);
        let shaped: Vec<Vec<Glyph>> = items
            .iter()
            .map(|i| face.shape(i))
            .filter(|g| !g.is_empty())
            .collect();
        if shaped.is_empty() {
            return;
        }
        self.block_space();
        let (size, leading) = (self.size, self.size * 1.4);
        let indent = size * 1.5;
        let bullet = face.glyph('•').unwrap_or(face.replacement);
        let list = self.element(StructRole::L, DOCUMENT);
        for (index, glyphs) in shaped.iter().enumerate() {
            if index > 0 {
                self.y += size * 0.25;
            }
            let item = self.element(StructRole::LI, list);
            let label = self.element(StructRole::Lbl, item);
            let body = self.element(StructRole::LBody, item);
            let room = PAGE_WIDTH - 2.0 * SIDE_MARGIN - indent;
            for (line, glyphs) in wrap(glyphs, face.space, size, room).into_iter().enumerate() {
                let baseline = self.next_line(Weight::Regular, size, leading);
                if line == 0 {
                    self.draw(
                        label,
                        Line {
                            weight: Weight::Regular,
                            size,
                            x: SIDE_MARGIN + size * 0.25,
                            baseline,
                            glyphs: vec![bullet],
                        },
                    );
                }
                self.draw(
                    body,
                    Line {
                        weight: Weight::Regular,
                        size,
                        x: SIDE_MARGIN + indent,
                        baseline,
                        glyphs,
                    },
                );
            }
        }
    }

    /// "Page 1 of 2" at the foot of every page, centred, at the body's size in large print.
    fn footers(&mut self, language: Language) {
        let face = self.fonts.face(Weight::Regular);
        let size = if self.size > 12.0 { self.size } else { 10.0 };
        let count = self.pages.len();
        for (index, page) in self.pages.iter_mut().enumerate() {
            let text = match language {
                Language::English => format!("Page {} of {count}", index + 1),
                Language::Welsh => format!("Tudalen {} o {count}", index + 1),
            };
            let glyphs = face.shape(&text);
            page.sections.push(Section {
                mark: Mark::Pagination,
                lines: vec![Line {
                    weight: Weight::Regular,
                    size,
                    x: (PAGE_WIDTH - width(&glyphs, size)) / 2.0,
                    baseline: FOOTER_BASELINE,
                    glyphs,
                }],
            });
        }
    }
}

/// The lines of one line as written, the last ending in a space: text read out or copied
/// keeps apart what was on separate lines.
fn with_space(mut lines: Vec<Vec<Glyph>>, space: Glyph) -> Vec<Vec<Glyph>> {
    if let Some(last) = lines
        .last_mut()
        .filter(|l| l.last().is_some_and(|g| g.ch != ' '))
    {
        last.push(space);
    }
    lines
}

/// The height of `lines` lines of `size` set `BLOCK_LEADING` apart, from the first's top to the
/// last's bottom.
fn block_height(face: &Face, lines: usize, size: f32) -> f32 {
    if lines == 0 {
        return 0.0;
    }
    (lines - 1) as f32 * size * BLOCK_LEADING + (face.ascender + face.descender) * size
}

// ------------------------------------------------------------------------------------ write

/// The glyphs of one face that the letter uses, numbered afresh for its subset.
struct Subset {
    remapper: subsetter::GlyphRemapper,
    /// The character each new glyph id shows, by new id.
    chars: Vec<char>,
}

impl Subset {
    fn new() -> Subset {
        Subset {
            remapper: subsetter::GlyphRemapper::new(),
            // .notdef, which every subset has.
            chars: vec!['\u{FFFD}'],
        }
    }

    fn id(&mut self, glyph: &Glyph) -> u16 {
        let id = self.remapper.remap(glyph.id);
        if usize::from(id) == self.chars.len() {
            self.chars.push(glyph.ch);
        }
        id
    }

    fn used(&self) -> bool {
        self.remapper.num_gids() > 1
    }
}

const RESOURCE_NAMES: [&[u8]; 2] = [b"F1", b"F2"];
const IDENTITY: SystemInfo = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"Identity"),
    supplement: 0,
};

/// Deflates a stream. Level 3, not the usual 6: a stage 1 response's PDF is 2% larger (24.6 KB
/// against 24.2 KB) and made in two thirds of the time, most of which is compressing the font.
fn compress(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 3)
}

fn write(fonts: &Fonts, layout: &Layout, letter: &PdfLetter) -> Result<Vec<u8>, String> {
    let mut subsets = [Subset::new(), Subset::new()];
    let contents: Vec<Vec<u8>> = layout
        .pages
        .iter()
        .map(|page| content(page, layout, &mut subsets))
        .collect();

    let mut next = 1;
    let mut alloc = || {
        let id = Ref::new(next);
        next += 1;
        id
    };
    let catalog_id = alloc();
    let page_tree_id = alloc();
    let info_id = alloc();
    let struct_root_id = alloc();
    let page_ids: Vec<(Ref, Ref, Ref)> = layout
        .pages
        .iter()
        .map(|_| (alloc(), alloc(), alloc()))
        .collect();
    let element_ids: Vec<Ref> = layout.elements.iter().map(|_| alloc()).collect();
    // type 0 font, CID font, descriptor, font file, ToUnicode map.
    let font_ids: Vec<[Ref; 5]> = subsets
        .iter()
        .map(|_| [alloc(), alloc(), alloc(), alloc(), alloc()])
        .collect();

    let mut pdf = Pdf::new();
    let language = match letter.language {
        Language::English => "en-GB",
        Language::Welsh => "cy",
    };
    {
        let mut catalog = pdf.catalog(catalog_id);
        catalog.pages(page_tree_id).lang(TextStr(language));
        catalog.pair(Name(b"StructTreeRoot"), struct_root_id);
        catalog.mark_info().marked(true);
        catalog.viewer_preferences().display_doc_title(true);
    }
    pdf.document_info(info_id)
        .title(TextStr(letter.subject))
        .producer(TextStr("council-feedback"));
    pdf.pages(page_tree_id)
        .kids(page_ids.iter().map(|(page, _, _)| *page))
        .count(i32::try_from(page_ids.len()).unwrap_or(i32::MAX));

    for (index, ((page_id, content_id, parents_id), content)) in
        page_ids.iter().zip(&contents).enumerate()
    {
        let key = i32::try_from(index).unwrap_or(i32::MAX);
        let mut page = pdf.page(*page_id);
        page.parent(page_tree_id)
            .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .contents(*content_id)
            .struct_parents(key)
            .tab_order(TabOrder::StructureOrder);
        let mut resources = page.resources();
        let mut font_dict = resources.fonts();
        for ((subset, ids), name) in subsets.iter().zip(&font_ids).zip(RESOURCE_NAMES) {
            if subset.used() {
                font_dict.pair(Name(name), ids[0]);
            }
        }
        font_dict.finish();
        resources.finish();
        page.finish();
        pdf.stream(*content_id, &compress(content))
            .filter(Filter::FlateDecode);
        // The parent tree's entry for this page: each marked content id's element.
        let parents = layout
            .pages
            .get(index)
            .map(|p| p.parents.as_slice())
            .unwrap_or_default();
        pdf.indirect(*parents_id).array().items(
            parents
                .iter()
                .filter_map(|element| element_ids.get(*element).copied()),
        );
    }

    {
        let mut root = pdf.indirect(struct_root_id).dict();
        root.pair(Name(b"Type"), Name(b"StructTreeRoot"));
        root.pair(Name(b"K"), element_ids[DOCUMENT]);
        let mut tree = root.insert(Name(b"ParentTree")).dict();
        let mut nums = tree.insert(Name(b"Nums")).array();
        for (index, (_, _, parents_id)) in page_ids.iter().enumerate() {
            nums.item(i32::try_from(index).unwrap_or(i32::MAX));
            nums.item(*parents_id);
        }
        nums.finish();
        tree.finish();
        root.pair(
            Name(b"ParentTreeNextKey"),
            i32::try_from(page_ids.len()).unwrap_or(i32::MAX),
        );
    }

    for (element, id) in layout.elements.iter().zip(&element_ids) {
        let mut writer = pdf.struct_element(*id);
        writer.kind(element.role);
        writer.parent(match element.parent {
            Some(parent) => element_ids.get(parent).copied().unwrap_or(struct_root_id),
            None => struct_root_id,
        });
        let mut kids = writer.children();
        for kid in &element.kids {
            match *kid {
                Kid::Element(child) => {
                    if let Some(child) = element_ids.get(child) {
                        kids.struct_element(*child);
                    }
                }
                Kid::Content { page, mcid } => {
                    if let Some((page_id, _, _)) = page_ids.get(page) {
                        kids.marked_content_ref()
                            .page(*page_id)
                            .marked_content_id(mcid);
                    }
                }
            }
        }
    }

    for ((subset, ids), weight) in subsets
        .iter()
        .zip(&font_ids)
        .zip([Weight::Regular, Weight::Bold])
    {
        if subset.used() {
            write_font(&mut pdf, fonts.face(weight), subset, ids)?;
        }
    }
    Ok(pdf.finish())
}

/// A page's content stream: each section in its marked content, each line placed by its text
/// matrix and shown in its subset's glyph ids.
fn content(page: &Page, layout: &Layout, subsets: &mut [Subset; 2]) -> Vec<u8> {
    let mut content = Content::new();
    for section in &page.sections {
        match section.mark {
            Mark::Tagged { element, mcid } => {
                let role = layout
                    .elements
                    .get(element)
                    .map_or(StructRole::Span, |e| e.role);
                content
                    .begin_marked_content_with_properties(role.to_name())
                    .properties()
                    .identify(mcid);
            }
            Mark::Pagination => {
                content
                    .begin_marked_content_with_properties(Name(b"Artifact"))
                    .properties()
                    .artifact()
                    .kind(ArtifactType::Pagination)
                    .subtype(ArtifactSubtype::Footer);
            }
        }
        content.begin_text();
        let mut font: Option<(Weight, f32)> = None;
        for line in &section.lines {
            if font != Some((line.weight, line.size)) {
                content.set_font(Name(RESOURCE_NAMES[line.weight as usize]), line.size);
                font = Some((line.weight, line.size));
            }
            content.set_text_matrix([1.0, 0.0, 0.0, 1.0, line.x, PAGE_HEIGHT - line.baseline]);
            let subset = &mut subsets[line.weight as usize];
            let mut bytes = Vec::with_capacity(line.glyphs.len() * 2);
            for glyph in &line.glyphs {
                bytes.extend_from_slice(&subset.id(glyph).to_be_bytes());
            }
            content.show(Str(&bytes));
        }
        content.end_text();
        content.end_marked_content();
    }
    content.finish().into_vec()
}

/// Embeds the subset of `face` as a CID-keyed TrueType font with its widths and its map back
/// to Unicode.
fn write_font(pdf: &mut Pdf, face: &Face, subset: &Subset, ids: &[Ref; 5]) -> Result<(), String> {
    let [type0_id, cid_id, descriptor_id, file_id, cmap_id] = *ids;
    let data = subsetter::subset(face.data, 0, &subset.remapper)
        .map_err(|e| format!("font {}: {e}", face.name))?;
    // A subset's name starts with a tag of six capitals, here from the glyphs it holds.
    let mut hash: u32 = 0x811c_9dc5;
    for id in subset.remapper.remapped_gids() {
        for byte in id.to_be_bytes() {
            hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
        }
    }
    let mut name = String::with_capacity(7 + face.name.len());
    for _ in 0..6 {
        name.push(char::from(b'A' + (hash % 26) as u8));
        hash /= 26;
    }
    name.push('+');
    name.push_str(face.name);
    let name = Name(name.as_bytes());

    pdf.type0_font(type0_id)
        .base_font(name)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_id)
        .to_unicode(cmap_id);

    let per_mille = |units: f32| units / face.units * 1000.0;
    {
        let mut cid = pdf.cid_font(cid_id);
        cid.subtype(CidFontType::Type2)
            .base_font(name)
            .system_info(IDENTITY)
            .font_descriptor(descriptor_id)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid.widths().consecutive(
            0,
            subset
                .remapper
                .remapped_gids()
                .map(|id| face.advance(id) * 1000.0),
        );
    }

    let bbox = face.face.global_bounding_box();
    let bold = face.face.is_bold();
    pdf.font_descriptor(descriptor_id)
        .name(name)
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(
            per_mille(f32::from(bbox.x_min)),
            per_mille(f32::from(bbox.y_min)),
            per_mille(f32::from(bbox.x_max)),
            per_mille(f32::from(bbox.y_max)),
        ))
        .italic_angle(0.0)
        .ascent(face.ascender * 1000.0)
        .descent(-face.descender * 1000.0)
        .cap_height(
            face.face
                .capital_height()
                .map_or(face.ascender * 1000.0, |h| per_mille(f32::from(h))),
        )
        .stem_v(if bold { 140.0 } else { 80.0 })
        .font_file2(file_id);

    pdf.stream(file_id, &compress(&data))
        .filter(Filter::FlateDecode)
        .pair(
            Name(b"Length1"),
            i32::try_from(data.len()).unwrap_or(i32::MAX),
        );

    let mut cmap = UnicodeCmap::new(Name(b"Custom"), IDENTITY);
    for (id, ch) in subset.chars.iter().enumerate().skip(1) {
        cmap.pair(u16::try_from(id).unwrap_or(u16::MAX), *ch);
    }
    pdf.stream(cmap_id, &compress(&cmap.finish()))
        .filter(Filter::FlateDecode);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    // A reader of the PDFs this module writes, just enough to check them: objects found by
    // number, streams inflated, content streams' text operators read, and glyphs mapped back
    // to text through each font's ToUnicode map.

    fn object(pdf: &[u8], id: u32) -> &[u8] {
        let start = format!("{id} 0 obj\n");
        let at = find(pdf, start.as_bytes(), 0)
            .filter(|at| *at == 0 || pdf[at - 1] == b'\n')
            .unwrap_or_else(|| panic!("no object {id}"));
        let end = find(pdf, b"endobj", at).expect("endobj");
        &pdf[at + start.len()..end]
    }

    fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
        let mut at = from;
        while at + needle.len() <= haystack.len() {
            if &haystack[at..at + needle.len()] == needle {
                return Some(at);
            }
            at += 1;
        }
        None
    }

    /// An object's dictionary, as text.
    fn dict(pdf: &[u8], id: u32) -> String {
        let obj = object(pdf, id);
        let end = find(obj, b"stream\n", 0).unwrap_or(obj.len());
        String::from_utf8_lossy(&obj[..end]).into_owned()
    }

    /// An object's stream, inflated if it is compressed.
    fn stream(pdf: &[u8], id: u32) -> Vec<u8> {
        let obj = object(pdf, id);
        let start = find(obj, b"stream\n", 0).expect("a stream") + 7;
        let end = find(obj, b"\nendstream", start).expect("endstream");
        let data = &obj[start..end];
        if dict(pdf, id).contains("/FlateDecode") {
            miniz_oxide::inflate::decompress_to_vec_zlib(data).expect("inflates")
        } else {
            data.to_vec()
        }
    }

    /// The object `/key N 0 R` in `text` names.
    fn reference(text: &str, key: &str) -> Option<u32> {
        let at = text.find(&format!("/{key} "))? + key.len() + 2;
        let rest = &text[at..];
        let mut words = rest.split_whitespace();
        let id = words.next()?.parse().ok()?;
        (words.next() == Some("0") && words.next()?.starts_with('R')).then_some(id)
    }

    /// Every `N 0 R` in `text`, in order.
    fn references(text: &str) -> Vec<u32> {
        let words: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || c == '[' || c == ']')
            .filter(|w| !w.is_empty())
            .collect();
        words
            .windows(3)
            .filter(|w| w[1] == "0" && w[2] == "R")
            .filter_map(|w| w[0].parse().ok())
            .collect()
    }

    fn catalog(pdf: &[u8]) -> String {
        let trailer = find(pdf, b"trailer", 0).expect("trailer");
        let root = reference(&String::from_utf8_lossy(&pdf[trailer..]), "Root").expect("Root");
        dict(pdf, root)
    }

    fn pages(pdf: &[u8]) -> Vec<u32> {
        let tree = reference(&catalog(pdf), "Pages").expect("Pages");
        let tree = dict(pdf, tree);
        let kids = &tree[tree.find("/Kids").expect("Kids")..];
        references(&kids[..kids.find(']').expect("]")])
    }

    /// Text shown on a page: by which font, at what size and where.
    #[derive(Debug, Clone)]
    struct Shown {
        font: String,
        size: f32,
        x: f32,
        y: f32,
        text: String,
    }

    /// A ToUnicode map's `<glyph> <UTF-16>` pairs.
    fn to_unicode(cmap: &str) -> HashMap<u16, String> {
        let mut map = HashMap::new();
        for line in cmap.lines() {
            let parts: Vec<&str> = line.split_whitespace().collect();
            if let [glyph, text] = parts[..] {
                let hex = |s: &str| s.strip_prefix('<')?.strip_suffix('>').map(str::to_string);
                let (Some(glyph), Some(text)) = (hex(glyph), hex(text)) else {
                    continue;
                };
                let glyph = u16::from_str_radix(&glyph, 16).expect("glyph id");
                let units: Vec<u16> = (0..text.len())
                    .step_by(4)
                    .map(|i| u16::from_str_radix(&text[i..i + 4], 16).expect("UTF-16"))
                    .collect();
                map.insert(glyph, String::from_utf16(&units).expect("UTF-16"));
            }
        }
        map
    }

    enum Token {
        Number(f32),
        Name(String),
        Bytes(Vec<u8>),
        Operator(String),
    }

    fn tokens(content: &[u8]) -> Vec<Token> {
        let mut tokens = Vec::new();
        let mut at = 0;
        while at < content.len() {
            let c = content[at];
            match c {
                b' ' | b'\n' | b'\r' | b'\t' | b'[' | b']' => at += 1,
                b'<' if content.get(at + 1) == Some(&b'<') => at += 2,
                b'>' if content.get(at + 1) == Some(&b'>') => at += 2,
                b'<' => {
                    let end = find(content, b">", at).expect(">");
                    let hex = std::str::from_utf8(&content[at + 1..end]).expect("hex");
                    let bytes = (0..hex.len())
                        .step_by(2)
                        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                        .collect();
                    tokens.push(Token::Bytes(bytes));
                    at = end + 1;
                }
                b'(' => {
                    let mut bytes = Vec::new();
                    let mut depth = 0;
                    at += 1;
                    loop {
                        let c = content[at];
                        at += 1;
                        match c {
                            b'\\' => {
                                let e = content[at];
                                at += 1;
                                match e {
                                    b'n' => bytes.push(b'\n'),
                                    b'r' => bytes.push(b'\r'),
                                    b't' => bytes.push(b'\t'),
                                    b'b' => bytes.push(8),
                                    b'f' => bytes.push(12),
                                    b'0'..=b'7' => {
                                        let mut value = u32::from(e - b'0');
                                        for _ in 0..2 {
                                            match content[at] {
                                                d @ b'0'..=b'7' => {
                                                    value = value * 8 + u32::from(d - b'0');
                                                    at += 1;
                                                }
                                                _ => break,
                                            }
                                        }
                                        bytes.push(value as u8);
                                    }
                                    other => bytes.push(other),
                                }
                            }
                            b'(' => {
                                depth += 1;
                                bytes.push(c);
                            }
                            b')' if depth == 0 => break,
                            b')' => {
                                depth -= 1;
                                bytes.push(c);
                            }
                            _ => bytes.push(c),
                        }
                    }
                    tokens.push(Token::Bytes(bytes));
                }
                b'/' => {
                    let end = content[at + 1..]
                        .iter()
                        .position(|c| b" \n\r\t/[]<>()".contains(c))
                        .map_or(content.len(), |p| at + 1 + p);
                    let name = String::from_utf8_lossy(&content[at + 1..end]).into_owned();
                    tokens.push(Token::Name(name));
                    at = end;
                }
                _ => {
                    let end = content[at..]
                        .iter()
                        .position(|c| b" \n\r\t/[]<>()".contains(c))
                        .map_or(content.len(), |p| at + p);
                    let word = String::from_utf8_lossy(&content[at..end]).into_owned();
                    tokens.push(match word.parse::<f32>() {
                        Ok(number) => Token::Number(number),
                        Err(_) => Token::Operator(word),
                    });
                    at = end;
                }
            }
        }
        tokens
    }

    /// What each page shows, in the order it is drawn.
    fn shown(pdf: &[u8]) -> Vec<Vec<Shown>> {
        pages(pdf)
            .into_iter()
            .map(|page| {
                let page = dict(pdf, page);
                let fonts = &page[page.find("/Font").expect("fonts")..];
                let fonts = &fonts[..fonts.find(">>").expect(">>")];
                let maps: HashMap<String, HashMap<u16, String>> = ["F1", "F2"]
                    .into_iter()
                    .filter_map(|name| {
                        let font = reference(fonts, name)?;
                        let cmap = reference(&dict(pdf, font), "ToUnicode").expect("ToUnicode");
                        let cmap = String::from_utf8(stream(pdf, cmap)).expect("text");
                        Some((name.to_string(), to_unicode(&cmap)))
                    })
                    .collect();
                let content = stream(pdf, reference(&page, "Contents").expect("Contents"));
                let (mut font, mut size, mut x, mut y) = (String::new(), 0.0, 0.0, 0.0);
                let mut operands: Vec<Token> = Vec::new();
                let mut shown = Vec::new();
                for token in tokens(&content) {
                    let Token::Operator(op) = token else {
                        operands.push(token);
                        continue;
                    };
                    let numbers: Vec<f32> = operands
                        .iter()
                        .filter_map(|t| match t {
                            Token::Number(n) => Some(*n),
                            _ => None,
                        })
                        .collect();
                    match op.as_str() {
                        "Tf" => {
                            if let Some(Token::Name(name)) = operands.first() {
                                font = name.clone();
                            }
                            size = numbers[0];
                        }
                        "Tm" => (x, y) = (numbers[4], numbers[5]),
                        "Tj" => {
                            let Some(Token::Bytes(bytes)) = operands.last() else {
                                panic!("Tj without a string");
                            };
                            let map = &maps[&font];
                            let text = bytes
                                .chunks(2)
                                .map(|pair| {
                                    let glyph = u16::from_be_bytes([pair[0], pair[1]]);
                                    map.get(&glyph).cloned().unwrap_or_else(|| "?".into())
                                })
                                .collect();
                            shown.push(Shown {
                                font: font.clone(),
                                size,
                                x,
                                y,
                                text,
                            });
                        }
                        _ => {}
                    }
                    operands.clear();
                }
                shown
            })
            .collect()
    }

    /// A page's text, a line each.
    fn page_text(shown: &[Shown]) -> String {
        shown
            .iter()
            .map(|s| s.text.trim_end())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every object whose dictionary is a structure element of role `role`.
    fn elements(pdf: &[u8], role: &str) -> Vec<(u32, String)> {
        let text = String::from_utf8_lossy(pdf);
        let mut found = Vec::new();
        for (at, _) in text.match_indices(" 0 obj\n") {
            let id: u32 = text[..at]
                .rsplit(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|d| d.parse().ok())
                .expect("an object number");
            let dict = dict(pdf, id);
            if dict.contains("/Type /StructElem") && dict.contains(&format!("/S /{role}\n")) {
                found.push((id, dict));
            }
        }
        found
    }

    fn lines(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    const ADDRESS: [&str; 4] = ["Alex Example", "14 Example Road", "Exampleton", "EX1 2AB"];

    fn letter_blocks() -> Vec<Block> {
        crate::letters::markup::parse(
            "# Our stage 1 response\n\nDear Alex Example,\n\n## What we found\n\
             - The bin was missed: upheld.\n- Reports were ignored: not upheld.\n\n\
             Yours sincerely,\nThe Complaints Team\n",
        )
    }

    fn render_with(blocks: &[Block], language: Language, large_print: bool) -> Vec<u8> {
        render(&PdfLetter {
            subject: "Your complaint CMP-2026-000042: our stage 1 response",
            blocks,
            language,
            large_print,
            address: &lines(&ADDRESS),
            sender: &lines(&["Example Borough Council", "Town Hall"]),
        })
        .expect("renders")
    }

    #[test]
    fn a_letter_is_a_tagged_pdf_in_its_language_titled_by_its_subject() {
        let pdf = render_with(&letter_blocks(), Language::English, false);
        assert!(pdf.starts_with(b"%PDF-"));
        let catalog = catalog(&pdf);
        assert!(reference(&catalog, "StructTreeRoot").is_some(), "{catalog}");
        assert!(
            catalog.contains("/MarkInfo <<\n    /Marked true"),
            "{catalog}"
        );
        assert!(catalog.contains("/Lang (en-GB)"), "{catalog}");
        assert!(catalog.contains("/DisplayDocTitle true"), "{catalog}");
        let trailer = find(&pdf, b"trailer", 0).expect("trailer");
        let info = reference(&String::from_utf8_lossy(&pdf[trailer..]), "Info").expect("Info");
        assert!(dict(&pdf, info)
            .contains("/Title (Your complaint CMP-2026-000042: our stage 1 response)"));
        // A4 portrait: 210 mm by 297 mm are 595.28 by 841.89 points.
        let page = dict(&pdf, pages(&pdf)[0]);
        let media_box = &page[page.find("/MediaBox [").expect("MediaBox") + 11..];
        let media_box: Vec<f32> = media_box[..media_box.find(']').expect("]")]
            .split_whitespace()
            .map(|n| n.parse().expect("a number"))
            .collect();
        assert_eq!(media_box.len(), 4);
        assert!(media_box[..2] == [0.0, 0.0], "{media_box:?}");
        assert!((media_box[2] - 595.28).abs() < 0.01, "{media_box:?}");
        assert!((media_box[3] - 841.89).abs() < 0.01, "{media_box:?}");
    }

    #[test]
    fn headings_paragraphs_and_lists_are_tagged_as_such_and_tied_to_the_text() {
        let pdf = render_with(&letter_blocks(), Language::English, false);
        let documents = elements(&pdf, "Document");
        assert_eq!(documents.len(), 1);
        assert_eq!(elements(&pdf, "H1").len(), 1);
        assert_eq!(elements(&pdf, "H2").len(), 1);
        // The sender, the address, "Dear…" and "Yours sincerely…".
        assert_eq!(elements(&pdf, "P").len(), 4);
        let lists = elements(&pdf, "L");
        assert_eq!(lists.len(), 1);
        let items = elements(&pdf, "LI");
        assert_eq!(items.len(), 2);
        for (item, dict) in &items {
            assert_eq!(
                reference(dict, "P"),
                Some(lists[0].0),
                "LI {item} is in the L"
            );
        }
        let bodies = elements(&pdf, "LBody");
        assert_eq!(bodies.len(), 2);
        for (_, dict) in &bodies {
            let parent = reference(dict, "P").expect("a parent");
            assert!(items.iter().any(|(item, _)| *item == parent));
        }
        // Each element with text names its page and marked content; the page's content
        // marks that content with the element's role, and the parent tree maps it back.
        let page = pages(&pdf)[0];
        let content = String::from_utf8(stream(
            &pdf,
            reference(&dict(&pdf, page), "Contents").expect("Contents"),
        ))
        .expect("text");
        let (h1, h1_dict) = &elements(&pdf, "H1")[0];
        assert_eq!(reference(h1_dict, "Pg"), Some(page));
        let mcid: i32 = h1_dict[h1_dict.find("/MCID ").expect("MCID") + 6..]
            .split_whitespace()
            .next()
            .and_then(|m| m.parse().ok())
            .expect("a number");
        assert!(
            content.contains(&format!("/H1 <<\n  /MCID {mcid}\n>> BDC")),
            "{content}"
        );
        let root = reference(&catalog(&pdf), "StructTreeRoot").expect("root");
        let root = dict(&pdf, root);
        assert_eq!(reference(&root, "K"), Some(documents[0].0));
        let nums = &root[root.find("/Nums").expect("Nums")..];
        let parents = references(&dict(&pdf, references(nums)[0]));
        assert_eq!(parents[mcid as usize], *h1);
        let text = page_text(&shown(&pdf)[0]);
        assert!(
            text.contains("Our stage 1 response\nDear Alex Example,"),
            "{text}"
        );
        assert!(text.contains("•\nThe bin was missed: upheld."), "{text}");
    }

    #[test]
    fn a_welsh_letter_says_so_and_its_text_is_read_back_with_its_accents() {
        let sentence = "Mae'r ŵyn yn y cae ac mae'r ŷd yn tyfu; Ŵyr ac Ŷd.";
        let blocks = vec![Block::Paragraph(vec![sentence.into()])];
        let pdf = render_with(&blocks, Language::Welsh, false);
        assert!(catalog(&pdf).contains("/Lang (cy)"));
        let text = page_text(&shown(&pdf)[0]);
        assert!(text.contains(sentence), "{text}");
        assert!(text.ends_with("Tudalen 1 o 1"), "{text}");
    }

    #[test]
    fn the_body_is_12_point_and_18_in_large_print_with_larger_bold_headings() {
        for (large_print, body) in [(false, 12.0), (true, 18.0)] {
            let pdf = render_with(&letter_blocks(), Language::English, large_print);
            let shown = shown(&pdf).concat();
            let line = |text: &str| {
                shown
                    .iter()
                    .find(|s| s.text.trim_end() == text)
                    .unwrap_or_else(|| panic!("{text} is shown"))
                    .clone()
            };
            let dear = line("Dear Alex Example,");
            assert_eq!((dear.font.as_str(), dear.size), ("F1", body));
            assert_eq!(line("The bin was missed: upheld.").size, body);
            let heading = line("Our stage 1 response");
            assert_eq!(heading.font, "F2", "headings are bold");
            assert!(heading.size > body);
            let font = reference(&dict(&pdf, pages(&pdf)[0]), "F2").expect("F2");
            assert!(dict(&pdf, font).contains("DejaVuSans-Bold"));
        }
    }

    #[test]
    fn a_long_letter_runs_over_pages_each_numbered_and_within_notifys_margins() {
        let blocks: Vec<Block> = (1..=40)
            .map(|n| {
                Block::Paragraph(vec![format!(
                    "Paragraph {n}: we looked at the collection records, the crew's notes \
                     and the reports you made, and we spoke to the crew's supervisor."
                )])
            })
            .collect();
        let pdf = render_with(&blocks, Language::English, false);
        let pages = shown(&pdf);
        let count = pages.len();
        assert!(count > 1);
        // Notify's margins: 15 mm (42.52 pt) at the sides, 5 mm (14.17 pt) top and bottom.
        for (index, page) in pages.iter().enumerate() {
            let footer = page.last().expect("a footer");
            assert_eq!(footer.text, format!("Page {} of {count}", index + 1));
            for shown in page {
                assert!(shown.x >= 42.52 && shown.x < 595.28 - 42.52, "{shown:?}");
                assert!(shown.y >= 14.17 && shown.y <= 841.89 - 14.17, "{shown:?}");
                if shown.text.starts_with("Paragraph") {
                    assert!(shown.y > footer.y, "the body stays above the footer");
                }
            }
        }
        let text: String = pages
            .iter()
            .map(|p| page_text(p))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(text.contains("Paragraph 1:") && text.contains("Paragraph 40:"));
        // Notify takes at most 2 MB.
        assert!(pdf.len() < 2_000_000, "{} bytes", pdf.len());
    }

    #[test]
    fn the_address_is_inside_notifys_address_block_on_page_1_only() {
        // The block: 24.6 mm to 120 mm from the left (69.73 to 340.16 pt), 40 mm to 66.2 mm
        // from the top (728.50 down to 654.24 pt from the bottom of an 841.89 pt page).
        // DejaVu Sans rises 0.928 em above the baseline and falls 0.236 em below it.
        let seven = [
            "Alex Example",
            "Flat 3",
            "The Old Mill",
            "14 Example Road",
            "Upper Example",
            "Exampleton",
            "EX1 2AB",
        ];
        for (address, large_print) in [
            (&ADDRESS[..], false),
            (&ADDRESS[..], true),
            (&seven[..], true),
        ] {
            let pdf = render(&PdfLetter {
                subject: "Subject",
                blocks: &letter_blocks(),
                language: Language::English,
                large_print,
                address: &lines(address),
                sender: &[],
            })
            .expect("renders");
            let pages = shown(&pdf);
            for line in address {
                let found: Vec<&Shown> = pages[0]
                    .iter()
                    .filter(|s| s.text.trim_end() == *line)
                    .collect();
                assert_eq!(found.len(), 1, "{line}");
                let shown = found[0];
                assert!(shown.x >= 69.73 && shown.x < 340.16, "{shown:?}");
                assert!(shown.y + 0.928 * shown.size <= 728.50, "{shown:?}");
                assert!(shown.y - 0.236 * shown.size >= 654.24, "{shown:?}");
                assert!(shown.size >= 8.0);
            }
            // Nothing else is in the block.
            let inside = pages[0]
                .iter()
                .filter(|s| s.x < 340.16 && s.y < 728.50 && s.y > 654.24)
                .count();
            assert_eq!(inside, address.len());
        }
    }

    #[test]
    fn the_senders_lines_are_in_notifys_contact_block_on_page_1() {
        // The block: 125 mm to 190 mm from the left (354.33 to 538.58 pt), 30 mm to 95 mm from
        // the top (756.85 down to 572.60 pt from the bottom of an 841.89 pt page).
        let sender = [
            "Complaints Team",
            "Dudley Council",
            "Council House",
            "Priory Road",
            "Dudley DY1 1HF",
        ];
        for large_print in [false, true] {
            let pdf = render(&PdfLetter {
                subject: "Subject",
                blocks: &letter_blocks(),
                language: Language::English,
                large_print,
                address: &lines(&ADDRESS),
                sender: &lines(&sender),
            })
            .expect("renders");
            let pages = shown(&pdf);
            for line in sender {
                let found: Vec<&Shown> = pages[0]
                    .iter()
                    .filter(|s| s.text.trim_end() == line)
                    .collect();
                assert_eq!(found.len(), 1, "{line}");
                let shown = found[0];
                assert!(shown.x >= 354.33 && shown.x < 538.58, "{shown:?}");
                assert!(shown.y + 0.928 * shown.size <= 756.85, "{shown:?}");
                assert!(shown.y - 0.236 * shown.size >= 572.60, "{shown:?}");
            }
            assert!(pages[1..]
                .iter()
                .flatten()
                .all(|s| s.text.trim_end() != "Complaints Team"));
        }
    }

    #[test]
    fn more_than_seven_address_lines_are_joined_into_seven_ending_with_the_postcode() {
        let address = lines(&["A Name", "1", "2", "3", "4", "5", "6", "7", "EX1 2AB"]);
        let pdf = render(&PdfLetter {
            subject: "Subject",
            blocks: &[],
            language: Language::English,
            large_print: false,
            address: &address,
            sender: &[],
        })
        .expect("renders");
        let page = &shown(&pdf)[0];
        let texts: Vec<&str> = page.iter().map(|s| s.text.trim_end()).collect();
        assert_eq!(
            texts,
            [
                "A Name",
                "1",
                "2",
                "3",
                "4",
                "5, 6, 7",
                "EX1 2AB",
                "Page 1 of 1"
            ]
        );
    }

    #[test]
    fn long_words_are_broken_and_characters_the_font_lacks_are_replaced() {
        let word = "x".repeat(300);
        let blocks = vec![
            Block::Heading(1, String::new()),
            Block::Paragraph(vec![]),
            Block::Paragraph(vec![String::new(), "  ".into()]),
            Block::List(vec![String::new()]),
            Block::Paragraph(vec![format!("{word} 漢字 a\tb\u{0}c\u{AD}d")]),
        ];
        let pdf = render_with(&blocks, Language::English, true);
        let page = &shown(&pdf)[0];
        let broken: Vec<&Shown> = page.iter().filter(|s| s.text.starts_with('x')).collect();
        assert!(broken.len() > 1, "the word is broken over lines");
        let joined: String = broken.iter().map(|s| s.text.as_str()).collect();
        assert!(joined.starts_with(&word));
        assert!(joined.ends_with("\u{FFFD}\u{FFFD} a bcd "), "{joined:?}");
        // Empty headings, paragraphs and lists leave no elements behind.
        assert!(elements(&pdf, "H1").is_empty());
        assert!(elements(&pdf, "L").is_empty());
    }

    #[test]
    fn a_letter_with_nothing_in_it_is_still_a_page() {
        let pdf = render(&PdfLetter {
            subject: "",
            blocks: &[],
            language: Language::Welsh,
            large_print: false,
            address: &[],
            sender: &[],
        })
        .expect("renders");
        let pages = shown(&pdf);
        assert_eq!(pages.len(), 1);
        assert_eq!(page_text(&pages[0]), "Tudalen 1 o 1");
    }
}

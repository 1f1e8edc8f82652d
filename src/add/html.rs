//! A saved HTML page for `medcite add`: headings, paragraphs, lists (nested), tables (first row
//! as the column headers), `<sup>` or bracketed citation markers, and a "References" list at the
//! end; navigation, header, footer, scripts, styles, forms and the site furniture that page
//! text also has (`data/pages.toml`) are left out. Parsing is html5ever's (through `scraper`),
//! so a page saved from a browser, however loose its markup, reads as the browser read it.

use std::collections::BTreeMap;

use scraper::{ElementRef, Html, Node};

use super::markup::{resolve, superscript, superscript_markers};
use super::refs::{Record, read_entry, read_numbered_list};
use super::{AddReport, Furnished, Line, RULES, is_references_heading};

/// Elements whose content is never the article's.
const SKIPPED: &[&str] = &[
    "nav", "header", "footer", "script", "style", "noscript", "aside", "form", "button", "svg",
    "iframe", "template", "select", "input", "object", "canvas", "video", "audio", "head", "menu",
    "dialog",
];
/// ARIA roles of the same furniture.
const SKIPPED_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "search",
    "dialog",
];
/// Elements that hold blocks; anything else inside a block is inline text.
const BLOCKS: &[&str] = &[
    "div",
    "section",
    "article",
    "main",
    "body",
    "html",
    "blockquote",
    "figure",
    "details",
    "center",
    "dl",
    "dd",
    "dt",
    "figcaption",
    "pre",
    "summary",
    "address",
    "hgroup",
];
/// The largest number a `<sup>` marker may carry.
const MAX_MARKER: u32 = 999;

/// What a page gave: its title, furniture for the front matter, its lines, and its references.
pub struct HtmlPage {
    pub title: String,
    pub furnished: Furnished,
    pub lines: Vec<Line>,
    pub listed: BTreeMap<u32, Record>,
}

pub fn read_html(text: &str, report: &mut AddReport) -> Result<HtmlPage, String> {
    let html = Html::parse_document(text);
    let root = html.root_element();
    // The article when the page marks it; the body otherwise.
    let start = ["article", "main", "body"]
        .iter()
        .find_map(|tag| {
            root.descendants()
                .filter_map(ElementRef::wrap)
                .find(|e| e.value().name() == *tag && !skipped(e))
        })
        .unwrap_or(root);
    let mut walker = Walker {
        report,
        lines: Vec::new(),
        title: None,
        furnished: Furnished::default(),
        stopped: false,
        in_references: false,
        reference_text: String::new(),
        listed: BTreeMap::new(),
    };
    walker.block(start, 1);
    let title = match walker.title.take().or(walker.furnished.question.clone()) {
        Some(t) => t,
        None => root
            .descendants()
            .filter_map(ElementRef::wrap)
            .find(|e| e.value().name() == "title")
            .map(|e| text_of(e))
            .filter(|t| !t.is_empty())
            .ok_or("no title: the page has no <h1> and no <title>")?,
    };
    if walker.listed.is_empty() && !walker.reference_text.is_empty() {
        walker.listed = read_numbered_list(&walker.reference_text);
    }
    if walker.lines.is_empty() {
        return Err("no article text in the page (only navigation, scripts or furniture)".into());
    }
    Ok(HtmlPage {
        title,
        furnished: walker.furnished,
        lines: walker.lines,
        listed: walker.listed,
    })
}

struct Walker<'r> {
    report: &'r mut AddReport,
    lines: Vec<Line>,
    title: Option<String>,
    furnished: Furnished,
    /// Past a line from which the rest of the page is furniture.
    stopped: bool,
    /// Under a "References" heading.
    in_references: bool,
    /// Paragraphs under it, read as a numbered list when no `<ol>` gives one.
    reference_text: String,
    listed: BTreeMap<u32, Record>,
}

fn skipped(e: &ElementRef<'_>) -> bool {
    let el = e.value();
    SKIPPED.contains(&el.name())
        || el.attr("role").is_some_and(|r| SKIPPED_ROLES.contains(&r))
        || el.attr("hidden").is_some()
        || el.attr("aria-hidden") == Some("true")
}

impl Walker<'_> {
    fn block(&mut self, el: ElementRef<'_>, level: usize) {
        let mut inline = String::new();
        for child in el.children() {
            if self.stopped {
                return;
            }
            match child.value() {
                Node::Text(t) => inline.push_str(t),
                Node::Element(_) => {
                    let Some(e) = ElementRef::wrap(child) else {
                        continue;
                    };
                    let name = e.value().name();
                    if skipped(&e) {
                        self.report.furniture += 1;
                        continue;
                    }
                    if is_block(name) {
                        self.paragraph(&std::mem::take(&mut inline));
                        self.element(e, name, level);
                    } else {
                        inline_element(e, &mut inline);
                    }
                }
                _ => {}
            }
        }
        self.paragraph(&inline);
    }

    fn element(&mut self, e: ElementRef<'_>, name: &str, level: usize) {
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let text = text_of(e);
                if text.is_empty() || self.furniture(&text) {
                    return;
                }
                if is_references_heading(&text) {
                    self.in_references = true;
                    return;
                }
                self.in_references = false;
                let n: usize = name[1..].parse().unwrap_or(2);
                // A question heading before the article (as the page text has it above the
                // furniture) is the page's question; the heading after it the title.
                if self.title.is_none()
                    && self.lines.is_empty()
                    && self.furnished.question.is_none()
                    && text.ends_with('?')
                {
                    self.furnished.question = Some(text);
                    return;
                }
                if self.title.is_none() && (n == 1 || self.lines.is_empty()) {
                    self.title = Some(text);
                } else {
                    self.lines
                        .push(Line::Heading(n.saturating_sub(1).max(1), text));
                }
            }
            "p" => self.paragraph(&inline_text(e)),
            "ul" | "ol" => self.list(e, name == "ol", level),
            "table" => self.table(e),
            "hr" | "br" | "img" => {}
            _ => self.block(e, level),
        }
    }

    /// A paragraph of inline text (markers resolved), unless it is furniture.
    fn paragraph(&mut self, raw: &str) {
        let (text, _) = resolve(raw);
        if text.is_empty() || self.furniture(&text) {
            return;
        }
        if self.in_references {
            self.reference_text.push_str(&text);
            self.reference_text.push('\n');
            return;
        }
        self.lines.push(Line::Paragraph(text));
    }

    fn list(&mut self, e: ElementRef<'_>, ordered: bool, level: usize) {
        let mut number: u32 = e
            .value()
            .attr("start")
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(1);
        for item in e.children().filter_map(ElementRef::wrap) {
            if item.value().name() != "li" {
                continue;
            }
            if let Some(v) = item
                .value()
                .attr("value")
                .and_then(|v| v.trim().parse().ok())
            {
                number = v;
            }
            let mut own = String::new();
            let mut nested = Vec::new();
            for child in item.children() {
                match child.value() {
                    Node::Text(t) => own.push_str(t),
                    Node::Element(_) => {
                        let Some(c) = ElementRef::wrap(child) else {
                            continue;
                        };
                        match c.value().name() {
                            "ul" | "ol" => nested.push(c),
                            _ => inline_element(c, &mut own),
                        }
                    }
                    _ => {}
                }
            }
            let (text, _) = resolve(&own);
            if self.in_references {
                if ordered && !text.is_empty() {
                    self.listed.insert(number, read_entry(&text));
                } else if !text.is_empty() {
                    self.reference_text.push_str(&text);
                    self.reference_text.push('\n');
                }
            } else if !text.is_empty() && !self.furniture(&text) {
                self.lines.push(Line::Bullet(level, text));
            }
            for n in nested {
                self.list(n, n.value().name() == "ol", level + 1);
            }
            number += 1;
        }
    }

    fn table(&mut self, e: ElementRef<'_>) {
        let rows: Vec<Vec<String>> = e
            .descendants()
            .filter_map(ElementRef::wrap)
            .filter(|r| r.value().name() == "tr")
            .map(|r| {
                r.children()
                    .filter_map(ElementRef::wrap)
                    .filter(|c| matches!(c.value().name(), "td" | "th"))
                    .map(|c| resolve(&inline_text(c)).0)
                    .collect::<Vec<String>>()
            })
            .filter(|cells| cells.iter().any(|c| !c.is_empty()))
            .collect();
        if rows.is_empty() {
            self.report.unread.push("an empty table".into());
            return;
        }
        if let Some(caption) = e
            .children()
            .filter_map(ElementRef::wrap)
            .find(|c| c.value().name() == "caption")
        {
            let text = resolve(&inline_text(caption)).0;
            if !text.is_empty() {
                self.lines.push(Line::Paragraph(text));
            }
        }
        if rows.len() == 1 {
            // A header with no rows under it says nothing on its own: a paragraph.
            self.lines.push(Line::Paragraph(rows[0].join("; ")));
            return;
        }
        self.lines.push(Line::TableStart);
        for cells in rows {
            self.lines.push(Line::Row(cells));
        }
    }

    /// True when `text` is site furniture (moved to front matter or dropped); an end line stops
    /// the page.
    fn furniture(&mut self, text: &str) -> bool {
        let rules = &*RULES;
        let t = text.trim();
        if rules.end.iter().any(|r| r.is_match(t)) {
            self.stopped = true;
            self.report.furniture += 1;
            return true;
        }
        if let Some(c) = rules.updated.captures(t) {
            self.furnished.updated = super::iso_date(&c["date"]);
        } else if let Some(c) = rules.review_status.captures(t) {
            self.furnished.review_status = Some(c["status"].trim().to_string());
        } else if !rules.drop.iter().any(|r| r.is_match(t)) {
            return false;
        }
        self.report.furniture += 1;
        true
    }
}

fn is_block(name: &str) -> bool {
    BLOCKS.contains(&name)
        || matches!(
            name,
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "p" | "ul" | "ol" | "table" | "hr"
        )
}

/// The plain text of an element, white space collapsed, with no marker handling.
fn text_of(e: ElementRef<'_>) -> String {
    e.text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The inline text of an element, citation superscripts and reference links as placeholders,
/// exponents as superscript digits.
fn inline_text(e: ElementRef<'_>) -> String {
    let mut out = String::new();
    inline_into(e, &mut out);
    out
}

fn inline_into(e: ElementRef<'_>, out: &mut String) {
    for child in e.children() {
        match child.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(_) => {
                if let Some(c) = ElementRef::wrap(child) {
                    inline_element(c, out);
                }
            }
            _ => {}
        }
    }
}

/// One element of inline text (see `inline_text`).
fn inline_element(c: ElementRef<'_>, out: &mut String) {
    let name = c.value().name();
    if skipped(&c) {
        return;
    }
    match name {
        "br" => out.push(' '),
        "sup" => {
            let text = text_of(c);
            if exponent_before(out) || text.starts_with(['-', '−']) {
                out.push_str(&superscript(&text));
            } else if let Some(markers) = superscript_markers(&text, MAX_MARKER) {
                out.push_str(&markers);
            } else {
                out.push_str(&text);
            }
        }
        "a" if c.value().attr("href").is_some_and(|h| h.starts_with('#')) => {
            let text = text_of(c);
            match superscript_markers(&text, MAX_MARKER) {
                Some(markers) if text.trim().starts_with('[') || is_ref_link(&c) => {
                    out.push_str(&markers)
                }
                _ => out.push_str(&text),
            }
        }
        _ => {
            if is_block(name) {
                out.push(' ');
            }
            inline_into(c, out);
            if is_block(name) || matches!(name, "td" | "th" | "li") {
                out.push(' ');
            }
        }
    }
}

/// A link to the page's reference list (`#ref1`, `#cite_note-3`, `#B12`).
fn is_ref_link(a: &ElementRef<'_>) -> bool {
    a.value().attr("href").is_some_and(|h| {
        let h = h.to_ascii_lowercase();
        h.contains("ref") || h.contains("cite") || h.contains("bib")
    })
}

/// The text before a superscript ends in a unit or a power of ten (`exponent_bases` of
/// `data/pages.toml`), so it is an exponent.
fn exponent_before(out: &str) -> bool {
    if out.ends_with(char::is_whitespace) {
        return false;
    }
    let token = out
        .rsplit(|c: char| c.is_whitespace() || c == '/' || c == '(' || c == '·')
        .next()
        .unwrap_or_default()
        .to_lowercase();
    RULES.exponent_bases.contains(&token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_heading_above_the_title_is_the_pages_question() {
        let page = "<h1>What is the treatment for X?</h1><p>Last updated: May 2, 2026</p><h2>Treatment of X</h2><p>Give Y.<sup>1</sup></p>";
        let mut report = AddReport::default();
        let read = read_html(page, &mut report).unwrap();
        assert_eq!(read.title, "Treatment of X");
        assert_eq!(
            read.furnished.question.as_deref(),
            Some("What is the treatment for X?")
        );
        assert_eq!(read.furnished.updated.as_deref(), Some("2026-05-02"));
        assert_eq!(read.lines, [Line::Paragraph("Give Y [1].".into())]);
    }

    #[test]
    fn a_unit_exponent_is_not_a_citation() {
        let page = "<html><body><h1>T</h1><p>Give 375 mg/m<sup>2</sup> weekly.<sup>3</sup></p><p>Platelets under 50 × 10<sup>9</sup>/L.<sup>1, 2</sup></p></body></html>";
        let mut report = AddReport::default();
        let read = read_html(page, &mut report).unwrap();
        assert_eq!(
            read.lines,
            [
                Line::Paragraph("Give 375 mg/m² weekly [3].".into()),
                Line::Paragraph("Platelets under 50 × 10⁹/L [1, 2].".into()),
            ]
        );
    }
}

//! A JATS XML article (PMC) for `medcite add`: `article-title`, the abstract, `body` sections
//! (nested), paragraphs, lists, tables, `xref ref-type="bibr"` markers mapped to the numbers of
//! the article's own `ref-list`, and that list's references with the facts it gives (authors,
//! title, journal, year, volume, pages, PMID, DOI). Figures and formulas are not read; their
//! captions are. XML is read by roxmltree.

use std::collections::{BTreeMap, HashMap};

use roxmltree::{Document, Node, ParsingOptions};

use super::markup::{placeholder, resolve, superscript};
use super::refs::{Record, all_text, read_entry};
use super::{AddReport, Line};

pub struct JatsArticle {
    pub title: String,
    pub updated: Option<String>,
    pub lines: Vec<Line>,
    pub listed: BTreeMap<u32, Record>,
}

pub fn read_jats(text: &str, report: &mut AddReport) -> Result<JatsArticle, String> {
    let options = ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = Document::parse_with_options(text, options)
        .map_err(|e| format!("not well-formed XML ({e})"))?;
    let article = doc.root_element();
    if article.tag_name().name() != "article" {
        return Err(format!(
            "not a JATS article: its root is <{}>, not <article>",
            article.tag_name().name()
        ));
    }
    let meta = find(article, &["front", "article-meta"]);
    let title = meta
        .and_then(|m| find(m, &["title-group", "article-title"]))
        .map(all_text)
        .filter(|t| !t.is_empty())
        .ok_or("no <article-title> in front/article-meta/title-group")?;
    let (listed, numbers) = read_ref_list(article);
    let mut reader = Reader {
        numbers,
        lines: Vec::new(),
        report,
    };
    if let Some(abstract_node) = meta.and_then(|m| child(m, "abstract")) {
        reader.lines.push(Line::Heading(1, "Abstract".into()));
        reader.section_content(abstract_node, 1);
    }
    match child(article, "body") {
        Some(body) => reader.section_content(body, 0),
        None => reader
            .report
            .unread
            .push("no <body>: only the abstract was read".into()),
    }
    let updated = meta.and_then(publication_date);
    Ok(JatsArticle {
        title,
        updated,
        lines: reader.lines,
        listed,
    })
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| c.has_tag_name(name))
}

fn find<'a, 'i>(node: Node<'a, 'i>, path: &[&str]) -> Option<Node<'a, 'i>> {
    path.iter().try_fold(node, |n, name| child(n, name))
}

/// The electronic (or any) publication date as YYYY-MM-DD, when it has a month and a day.
fn publication_date(meta: Node<'_, '_>) -> Option<String> {
    let dates: Vec<Node<'_, '_>> = meta
        .children()
        .filter(|c| c.has_tag_name("pub-date"))
        .collect();
    let date = dates
        .iter()
        .find(|d| {
            matches!(
                d.attribute("pub-type").or(d.attribute("date-type")),
                Some("epub" | "pub")
            )
        })
        .or(dates.first())?;
    let part = |name: &str| {
        child(*date, name)
            .map(all_text)
            .and_then(|t| t.parse::<u32>().ok())
    };
    let (year, month, day) = (part("year")?, part("month")?, part("day")?);
    Some(format!("{year:04}-{month:02}-{day:02}"))
}

/// The reference list: each `ref` by its number (its label, or its place), and the map from
/// `ref/@id` to that number for the `xref`s.
fn read_ref_list(article: Node<'_, '_>) -> (BTreeMap<u32, Record>, HashMap<String, u32>) {
    let mut listed = BTreeMap::new();
    let mut numbers = HashMap::new();
    let Some(back) = child(article, "back") else {
        return (listed, numbers);
    };
    let refs = back
        .descendants()
        .filter(|n| n.has_tag_name("ref-list"))
        .flat_map(|l| l.children().filter(|c| c.has_tag_name("ref")));
    for (k, r) in refs.enumerate() {
        let label = child(r, "label")
            .map(all_text)
            .and_then(|l| l.trim_matches(|c: char| !c.is_ascii_digit()).parse().ok());
        let n = label.unwrap_or(k as u32 + 1);
        if let Some(id) = r.attribute("id") {
            numbers.insert(id.to_string(), n);
        }
        let Some(citation) = r.children().find(|c| {
            c.has_tag_name("element-citation")
                || c.has_tag_name("mixed-citation")
                || c.has_tag_name("citation")
                || c.has_tag_name("nlm-citation")
        }) else {
            continue;
        };
        listed.insert(n, citation_record(citation));
    }
    (listed, numbers)
}

/// The facts a JATS citation tags; an untagged (mixed) citation is read as a list entry.
fn citation_record(citation: Node<'_, '_>) -> Record {
    let as_listed = all_text(citation);
    let tagged = |name: &str| {
        citation
            .descendants()
            .find(|n| n.has_tag_name(name))
            .map(all_text)
            .filter(|t| !t.is_empty())
    };
    let Some(title) = tagged("article-title").or_else(|| tagged("chapter-title")) else {
        return read_entry(&as_listed);
    };
    let mut record = Record {
        title: title.trim_end_matches('.').to_string(),
        journal: tagged("source"),
        year: tagged("year").and_then(|y| y.get(..4).and_then(|y| y.parse().ok())),
        volume: tagged("volume"),
        issue: tagged("issue"),
        as_listed: Some(as_listed),
        ..Record::default()
    };
    record.pages = match (tagged("fpage"), tagged("lpage")) {
        (Some(f), Some(l)) => Some(format!("{f}-{l}")),
        (Some(f), None) => Some(f),
        _ => tagged("elocation-id"),
    };
    for name in citation.descendants().filter(|n| n.has_tag_name("name")) {
        let surname = child(name, "surname").map(all_text).unwrap_or_default();
        let given = child(name, "given-names").map(all_text).unwrap_or_default();
        let initials: String = if given.chars().all(|c| c.is_uppercase() || c == ' ') {
            given.replace(' ', "")
        } else {
            given
                .split([' ', '-'])
                .filter_map(|w| w.chars().next())
                .filter(|c| c.is_alphabetic())
                .collect()
        };
        if !surname.is_empty() {
            record
                .authors
                .push(format!("{surname} {initials}").trim().to_string());
        }
    }
    if record.authors.is_empty()
        && let Some(collab) = tagged("collab")
    {
        record.authors.push(collab);
    }
    record.authors_incomplete = citation.descendants().any(|n| n.has_tag_name("etal"));
    for id in citation.descendants().filter(|n| n.has_tag_name("pub-id")) {
        let value = all_text(id);
        match id.attribute("pub-id-type") {
            Some("pmid") => record.pmid = Some(value),
            Some("doi") => record.doi = Some(value),
            _ => {}
        }
    }
    record
}

struct Reader<'r> {
    numbers: HashMap<String, u32>,
    lines: Vec<Line>,
    report: &'r mut AddReport,
}

impl Reader<'_> {
    /// The content of a `sec` (or `body` at level 0, `abstract`): its title as a heading at
    /// `level`, then its paragraphs, lists, tables and subsections one level down.
    fn section_content(&mut self, node: Node<'_, '_>, level: usize) {
        for c in node.children().filter(Node::is_element) {
            match c.tag_name().name() {
                "title" => {
                    let text = all_text(c);
                    if !text.is_empty() {
                        self.lines.push(Line::Heading(level.max(1), text));
                    }
                }
                "sec" => self.section_content(c, level + 1),
                "p" => self.paragraph(c),
                "list" => self.list(c, 1),
                "table-wrap" => self.table(c),
                "fig" | "fig-group" => {
                    self.caption(c);
                    self.report.unread.push(format!(
                        "a figure ({}): only its caption was read",
                        c.attribute("id").unwrap_or("no id")
                    ));
                }
                "disp-formula" => self.report.unread.push("a displayed formula".into()),
                "boxed-text" | "disp-quote" | "statement" => self.section_content(c, level + 1),
                "label" | "sec-meta" | "object-id" => {}
                other => self.report.unread.push(format!("<{other}>")),
            }
        }
    }

    /// A paragraph; lists and tables written inside it come after its text.
    fn paragraph(&mut self, p: Node<'_, '_>) {
        let mut text = String::new();
        let mut inner = Vec::new();
        self.inline(p, &mut text, &mut inner);
        let (text, _) = resolve(&text);
        if !text.is_empty() {
            self.lines.push(Line::Paragraph(text));
        }
        for block in inner {
            match block.tag_name().name() {
                "list" => self.list(block, 1),
                "table-wrap" => self.table(block),
                _ => self.caption(block),
            }
        }
    }

    /// Inline text with `xref ref-type="bibr"` as placeholders; block elements met inside are
    /// handed back in `inner`.
    fn inline<'a, 'i>(&self, node: Node<'a, 'i>, out: &mut String, inner: &mut Vec<Node<'a, 'i>>) {
        for c in node.children() {
            if c.is_text() {
                out.push_str(c.text().unwrap_or_default());
                continue;
            }
            if !c.is_element() {
                continue;
            }
            match c.tag_name().name() {
                "xref" if c.attribute("ref-type") == Some("bibr") => {
                    let numbers: Vec<u32> = c
                        .attribute("rid")
                        .unwrap_or_default()
                        .split_whitespace()
                        .filter_map(|id| self.numbers.get(id).copied())
                        .collect();
                    if numbers.is_empty() {
                        out.push_str(&all_text(c));
                    } else {
                        let list: Vec<String> = numbers.iter().map(|n| placeholder(*n)).collect();
                        out.push_str(&list.join(","));
                    }
                }
                "list" | "table-wrap" | "fig" | "disp-quote" | "boxed-text" => inner.push(c),
                "sup" => {
                    // Citations are xrefs; what is left superscript is an exponent.
                    let mut sup = String::new();
                    self.inline(c, &mut sup, inner);
                    if sup.contains('\u{E000}') {
                        out.push_str(&sup);
                    } else {
                        out.push_str(&superscript(&sup));
                    }
                }
                "break" => out.push(' '),
                _ => self.inline(c, out, inner),
            }
        }
    }

    fn list(&mut self, list: Node<'_, '_>, level: usize) {
        for item in list.children().filter(|c| c.has_tag_name("list-item")) {
            let mut text = String::new();
            let mut nested = Vec::new();
            for c in item.children() {
                if c.has_tag_name("list") {
                    nested.push(c);
                } else if c.has_tag_name("p")
                    || c.is_text()
                    || c.is_element() && !c.has_tag_name("label")
                {
                    let mut inner = Vec::new();
                    if c.is_text() {
                        text.push_str(c.text().unwrap_or_default());
                    } else {
                        self.inline(c, &mut text, &mut inner);
                    }
                    text.push(' ');
                    nested.extend(inner.into_iter().filter(|n| n.has_tag_name("list")));
                }
            }
            let (text, _) = resolve(&text);
            if !text.is_empty() {
                self.lines.push(Line::Bullet(level, text));
            }
            for n in nested {
                self.list(n, level + 1);
            }
        }
    }

    fn caption(&mut self, node: Node<'_, '_>) {
        if let Some(caption) = node.descendants().find(|n| n.has_tag_name("caption")) {
            let mut text = String::new();
            let mut inner = Vec::new();
            let label = child(node, "label").map(all_text).unwrap_or_default();
            self.inline(caption, &mut text, &mut inner);
            let (text, _) = resolve(&format!("{label} {text}"));
            if !text.is_empty() {
                self.lines.push(Line::Paragraph(text));
            }
        }
    }

    fn table(&mut self, wrap: Node<'_, '_>) {
        self.caption(wrap);
        let rows: Vec<Vec<String>> = wrap
            .descendants()
            .filter(|n| n.has_tag_name("tr"))
            .map(|tr| {
                tr.children()
                    .filter(|c| c.has_tag_name("td") || c.has_tag_name("th"))
                    .map(|cell| {
                        let mut text = String::new();
                        self.inline(cell, &mut text, &mut Vec::new());
                        resolve(&text).0
                    })
                    .collect::<Vec<String>>()
            })
            .filter(|cells| cells.iter().any(|c| !c.is_empty()))
            .collect();
        match rows.len() {
            0 => self
                .report
                .unread
                .push("a table with no rows (an image of a table?)".into()),
            1 => self.lines.push(Line::Paragraph(rows[0].join("; "))),
            _ => {
                self.lines.push(Line::TableStart);
                self.lines.extend(rows.into_iter().map(Line::Row));
            }
        }
    }
}

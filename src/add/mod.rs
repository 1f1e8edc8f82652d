//! `medcite add`: writes an evidence page into the corpus as it comes, with no hand editing. A
//! page's text as copied or stored (headings as plain lines, `•` or `-` bullets, bare citation
//! markers "1, 2" at the end of statements, site furniture around it), a saved HTML page
//! (`html.rs`), JATS XML (`jats.rs`) or Markdown (with or without front matter) becomes
//! `articles/<id>.md` with its front matter; each citation number becomes a reference note with
//! the facts of the article's reference list or a PubMed record (`refs.rs`), or an untraced stub
//! where there is none. The furniture patterns are data (`data/pages.toml`). It only writes
//! files, each checked by the corpus parser first; it knows nothing of the index.
//!
//! Order of its files: `markup` and `refs` know nothing of the others; `html` and `jats` read
//! into this file's `Line`s with them; this file writes.

mod html;
mod jats;
mod markup;
pub mod refs;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use crate::contracts::DocKind;
use crate::corpus::{ArticleMeta, ReferenceMeta, parse_document};
use refs::{Matched, Record, match_records, read_numbered_list, read_pubmed_xml};

#[derive(Debug, thiserror::Error)]
pub enum AddError {
    #[error("could not read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("could not write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path}: {format} is not read by `medcite add`; give the page's text (.txt), a saved HTML page (.html), Markdown (.md) or JATS XML (.xml)"
    )]
    Format { path: String, format: String },
    #[error(
        "{path}: these are PubMed records, not an article; pass them with the article as `medcite add ARTICLE --references {path}`"
    )]
    RecordsNotArticle { path: String },
    #[error("--references {path}: {problem}")]
    References { path: String, problem: String },
    #[error("{path}: {problem}")]
    Page { path: String, problem: String },
    #[error("{path}: the article it gives does not parse ({problem}); nothing was written")]
    Invalid { path: String, problem: String },
}

/// What `add` found in one file and wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AddReport {
    pub id: String,
    pub title: String,
    pub path: PathBuf,
    /// True when the article was already in the corpus and is now replaced.
    pub updated: bool,
    pub sections: usize,
    pub paragraphs: usize,
    pub bullets: usize,
    pub tables: usize,
    /// Citation numbers found in the text.
    pub markers: BTreeSet<u32>,
    /// What the file was read as: `page text`, `HTML`, `JATS XML`, `Markdown`.
    pub format: String,
    /// Reference notes written, one per citation number.
    pub references: usize,
    /// Of those, notes with the publication's facts (from a reference list or a PubMed record).
    pub traced: usize,
    /// Of those, notes that carry a PubMed record's abstract.
    pub abstracts: usize,
    /// Numbers the reference list gives that the text never cites (no note written).
    pub listed_not_cited: Vec<u32>,
    /// PubMed records that matched no citation number, by title.
    pub unmatched_records: Vec<String>,
    /// Lines of site furniture dropped or moved to front matter.
    pub furniture: usize,
    /// What could not be read: a dangling last heading, a lead-in with nothing under it.
    pub unread: Vec<String>,
    /// Passages the corpus parser makes of the article.
    pub passages: usize,
}

#[derive(Debug, Deserialize)]
struct PageRules {
    furniture: Furniture,
    markers: MarkerRules,
}

#[derive(Debug, Deserialize)]
struct Furniture {
    drop: Vec<String>,
    updated: String,
    months: Vec<String>,
    review_status: String,
    end: Vec<String>,
    references: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct MarkerRules {
    value_words: Vec<String>,
    max_marker: u32,
    lead_in_statement_words: usize,
    exponent_bases: Vec<String>,
}

struct Rules {
    drop: Vec<Regex>,
    updated: Regex,
    /// Month names by their first three letters, in calendar order.
    months: Vec<String>,
    review_status: Regex,
    end: Vec<Regex>,
    references: Vec<Regex>,
    value_words: BTreeSet<String>,
    max_marker: u32,
    /// Fewest words before a lone marker at a lead-in's colon (see `data/pages.toml`).
    lead_in_statement_words: usize,
    /// Words before a superscript that make it an exponent ("m" of "mg/m²").
    exponent_bases: BTreeSet<String>,
}

static RULES: LazyLock<Rules> = LazyLock::new(|| {
    let file: PageRules =
        toml::from_str(include_str!("../../data/pages.toml")).expect("data/pages.toml is valid");
    let re = |p: &str| Regex::new(p).unwrap_or_else(|e| panic!("data/pages.toml: {p}: {e}"));
    Rules {
        drop: file.furniture.drop.iter().map(|p| re(p)).collect(),
        updated: re(&file.furniture.updated),
        months: file.furniture.months,
        review_status: re(&file.furniture.review_status),
        end: file.furniture.end.iter().map(|p| re(p)).collect(),
        references: file.furniture.references.iter().map(|p| re(p)).collect(),
        value_words: file.markers.value_words.into_iter().collect(),
        max_marker: file.markers.max_marker,
        lead_in_statement_words: file.markers.lead_in_statement_words,
        exponent_bases: file.markers.exponent_bases.into_iter().collect(),
    }
});

/// A line that names the page's reference list ("References").
fn is_references_heading(line: &str) -> bool {
    RULES.references.iter().any(|r| r.is_match(line.trim()))
}

/// Site furniture that becomes front matter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Furnished {
    pub question: Option<String>,
    pub updated: Option<String>,
    pub review_status: Option<String>,
}

/// An article read from a page: front matter fields, the Markdown body, and what was found.
#[derive(Debug, Clone, PartialEq)]
pub struct PageArticle {
    pub title: String,
    pub question: Option<String>,
    pub updated: Option<String>,
    pub review_status: Option<String>,
    /// The body in Markdown, citation markers as `[N]`.
    pub body: String,
    /// For each citation number, the first statement citing it (markers removed).
    pub cited_for: BTreeMap<u32, String>,
    /// The article's own reference list, by number, when it has one.
    pub listed: BTreeMap<u32, Record>,
    pub report: AddReport,
}

/// Options of `add` beyond the files.
#[derive(Debug, Clone, Default)]
pub struct AddOptions {
    /// Files of references for the (one) article: a numbered reference list (text) or PubMed
    /// XML records.
    pub references: Vec<PathBuf>,
}

/// How a file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Page,
    Markdown,
    Html,
    Jats,
    PubmedRecords,
}

/// The format of a file, by its extension and, where that is unclear, by how it starts.
fn detect(ext: &str, text: &str) -> Option<Format> {
    let head: String = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .take(4096)
        .collect();
    let lower = head.to_ascii_lowercase();
    let xml = |lower: &str| {
        if lower.contains("<pubmedarticleset") || lower.contains("<pubmedarticle>") {
            Some(Format::PubmedRecords)
        } else if lower.contains("<article")
            && (lower.contains("jats")
                || lower.contains("<front")
                || lower.contains("article-type")
                || lower.contains("dtd-version"))
        {
            Some(Format::Jats)
        } else {
            None
        }
    };
    let looks_html = lower.starts_with("<!doctype html")
        || lower.starts_with("<html")
        || (lower.starts_with('<')
            && (lower.contains("<body") || lower.contains("<p>") || lower.contains("<h1")));
    match ext {
        "md" | "markdown" => Some(Format::Markdown),
        "html" | "htm" | "xhtml" => Some(Format::Html),
        "xml" | "nxml" => xml(&lower).or(Some(Format::Jats)),
        "txt" | "text" | "" => {
            if lower.starts_with("<?xml")
                || lower.starts_with("<!doctype article")
                || lower.starts_with("<!doctype pubmedarticleset")
            {
                xml(&lower)
            } else if looks_html {
                Some(Format::Html)
            } else if lower.starts_with("+++")
                || lower.starts_with("---\n")
                || lower.starts_with("# ")
            {
                Some(Format::Markdown)
            } else {
                Some(Format::Page)
            }
        }
        _ => None,
    }
}

/// Adds each file of `paths` to the corpus at `corpus`, returning what each yielded; stops at
/// the first file that cannot be read (files before it stay added).
pub fn add_files(paths: &[PathBuf], corpus: &Path) -> Result<Vec<AddReport>, AddError> {
    paths.iter().map(|p| add_file(p, corpus)).collect()
}

/// Adds one file: its article under the id of its file stem, and a note for each of its
/// citation numbers (untraced stubs: no references are given). Adding the same file again
/// replaces the article and its notes.
pub fn add_file(path: &Path, corpus: &Path) -> Result<AddReport, AddError> {
    add_file_with(path, corpus, &AddOptions::default())
}

/// Adds one file with the references of `options` (a numbered list or PubMed records).
pub fn add_file_with(
    path: &Path,
    corpus: &Path,
    options: &AddOptions,
) -> Result<AddReport, AddError> {
    let shown = path.display().to_string();
    let text = read_text(path)?;
    let id = article_id(path).ok_or_else(|| AddError::Page {
        path: shown.clone(),
        problem: "its file name gives no article id (letters, digits and '-' only)".into(),
    })?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let format = detect(&ext, &text).ok_or_else(|| AddError::Format {
        path: shown.clone(),
        format: format!("a .{ext} file"),
    })?;
    let page = |problem| AddError::Page {
        path: shown.clone(),
        problem,
    };
    let article = match format {
        Format::Markdown => read_markdown(&text),
        Format::Page => read_page(&text),
        Format::Html => read_html_page(&text),
        Format::Jats => read_jats_article(&text),
        Format::PubmedRecords => {
            return Err(AddError::RecordsNotArticle { path: shown });
        }
    }
    .map_err(page)?;
    let mut listed = BTreeMap::new();
    let mut pubmed = Vec::new();
    for file in &options.references {
        let text = read_text(file)?;
        let bad = |problem: String| AddError::References {
            path: file.display().to_string(),
            problem,
        };
        let ext = file
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if detect(&ext, &text) == Some(Format::PubmedRecords) {
            pubmed.extend(read_pubmed_xml(&text).map_err(bad)?);
        } else if ext == "xml" || text.trim_start().starts_with('<') {
            return Err(bad(
                "not PubMed XML (a PubmedArticleSet from efetch) nor a numbered list".into(),
            ));
        } else {
            let list = read_numbered_list(&text);
            if list.is_empty() {
                return Err(bad(
                    "no numbered entries (\"1. Author A. Title. Journal. 2020;…\") in it".into(),
                ));
            }
            listed.extend(list);
        }
    }
    write_article(&id, article, corpus, &shown, &listed, &pubmed)
}

fn read_text(path: &Path) -> Result<String, AddError> {
    let bytes = fs::read(path).map_err(|source| AddError::Read {
        path: path.display().to_string(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|_| AddError::Page {
        path: path.display().to_string(),
        problem: "it is not UTF-8 text (a PDF or a word-processor file?); save the page as text, HTML or XML".into(),
    })
}

/// A saved HTML page as an article.
fn read_html_page(text: &str) -> Result<PageArticle, String> {
    let mut report = AddReport {
        format: "HTML".into(),
        ..AddReport::default()
    };
    let page = html::read_html(text, &mut report)?;
    let (body, cited_for) = markdown(&page.title, &page.lines, &mut report, false);
    report.title = page.title.clone();
    Ok(PageArticle {
        title: page.title,
        question: page.furnished.question,
        updated: page.furnished.updated,
        review_status: page.furnished.review_status,
        body,
        cited_for,
        listed: page.listed,
        report,
    })
}

/// A JATS XML article.
fn read_jats_article(text: &str) -> Result<PageArticle, String> {
    let mut report = AddReport {
        format: "JATS XML".into(),
        ..AddReport::default()
    };
    let article = jats::read_jats(text, &mut report)?;
    let (body, cited_for) = markdown(&article.title, &article.lines, &mut report, false);
    report.title = article.title.clone();
    Ok(PageArticle {
        title: article.title,
        question: None,
        updated: article.updated,
        review_status: None,
        body,
        cited_for,
        listed: article.listed,
        report,
    })
}

/// The article id a file gives: its stem, lower-cased, anything but letters and digits as '-'.
pub fn article_id(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    let mut id = String::new();
    for c in stem.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            id.push(c);
        } else if !id.ends_with('-') && !id.is_empty() {
            id.push('-');
        }
    }
    let id = id.trim_end_matches('-').to_string();
    (!id.is_empty()).then_some(id)
}

/// A line of a page, as read.
#[derive(Debug, Clone, PartialEq)]
enum Line {
    /// A heading at a level (1 is a section, `##`).
    Heading(usize, String),
    /// The start of a table: the next row is its header.
    TableStart,
    Paragraph(String),
    /// A bullet at a nesting level (1 is top).
    Bullet(usize, String),
    /// A table row: its cells.
    Row(Vec<String>),
}

/// Reads a page's text as copied or stored (see the module doc).
pub fn read_page(text: &str) -> Result<PageArticle, String> {
    let rules = &*RULES;
    let mut report = AddReport {
        format: "page text".into(),
        ..AddReport::default()
    };
    let mut lines: Vec<&str> = text.lines().collect();
    // A stored copy may start with the page's address.
    if lines
        .first()
        .is_some_and(|l| l.trim().starts_with("http://") || l.trim().starts_with("https://"))
    {
        lines.remove(0);
        report.furniture += 1;
    }
    let furniture_at = |line: &str| {
        let t = line.trim();
        rules.drop.iter().any(|r| r.is_match(t))
            || rules.updated.is_match(t)
            || rules.review_status.is_match(t)
    };
    // The question stands above the furniture, when the page has it.
    let first_furniture = lines.iter().position(|l| furniture_at(l));
    let mut question = None;
    let mut start = 0;
    if let Some(at) = first_furniture
        && at > 0
    {
        let above: Vec<&str> = lines[..at]
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect();
        if above.len() == 1 && above[0].ends_with('?') {
            question = Some(above[0].to_string());
            start = at;
            report.furniture += 1;
        }
    }
    let mut updated = None;
    let mut review_status = None;
    let mut content: Vec<&str> = Vec::new();
    for line in &lines[start..] {
        let t = line.trim();
        if rules.end.iter().any(|r| r.is_match(t)) {
            report.furniture += 1;
            break;
        }
        if let Some(c) = rules.updated.captures(t) {
            updated = iso_date(&c["date"]);
            report.furniture += 1;
        } else if let Some(c) = rules.review_status.captures(t) {
            review_status = Some(c["status"].trim().to_string());
            report.furniture += 1;
        } else if rules.drop.iter().any(|r| r.is_match(t)) {
            report.furniture += 1;
        } else {
            content.push(line);
        }
    }
    let (content, listed) = split_reference_list(&content);
    let mut rest = content.iter().skip_while(|l| l.trim().is_empty());
    let title = rest
        .next()
        .map(|l| l.trim().to_string())
        .ok_or("no article text after the site furniture")?;
    let rest: Vec<&str> = rest.copied().collect();
    let read = read_lines(&rest, &mut report);
    let (body, cited_for) = markdown(&title, &read, &mut report, true);
    report.title = title.clone();
    Ok(PageArticle {
        title,
        question,
        updated,
        review_status,
        body,
        cited_for,
        listed,
        report,
    })
}

/// The lines before a "References" line, and the numbered list after it.
fn split_reference_list<'a>(lines: &[&'a str]) -> (Vec<&'a str>, BTreeMap<u32, Record>) {
    match lines.iter().rposition(|l| is_references_heading(l)) {
        Some(at) => {
            let list = read_numbered_list(&lines[at + 1..].join("\n"));
            if list.is_empty() {
                (lines.to_vec(), list)
            } else {
                (lines[..at].to_vec(), list)
            }
        }
        None => (lines.to_vec(), BTreeMap::new()),
    }
}

/// The lines of a page body as headings, paragraphs, bullets and table rows.
fn read_lines(lines: &[&str], report: &mut AddReport) -> Vec<Line> {
    let nonblank: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| !l.trim().is_empty())
        .collect();
    // Bullets written "•" nest by indentation (two spaces a level); "-" bullets are flat.
    let mut out = Vec::new();
    for (k, raw) in nonblank.iter().enumerate() {
        let indent = raw.chars().take_while(|c| *c == ' ').count();
        let t = raw.trim();
        if let Some(item) = t
            .strip_prefix('•')
            .or_else(|| t.strip_prefix("- "))
            .or_else(|| t.strip_prefix("* "))
        {
            let level = if t.starts_with('•') {
                (indent / 2).max(1)
            } else {
                1
            };
            out.push(Line::Bullet(level, item.trim().to_string()));
            continue;
        }
        if t.matches('|').count() >= 2 || t.contains('\t') {
            let cells: Vec<String> = t
                .trim_matches('|')
                .split(['|', '\t'])
                .map(|c| c.trim().to_string())
                .collect();
            if cells.len() >= 2 && !cells.iter().all(|c| c.chars().all(|ch| "-: ".contains(ch))) {
                out.push(Line::Row(cells));
                continue;
            }
            if cells.len() >= 2 {
                continue;
            }
        }
        let next = nonblank.get(k + 1);
        if is_heading(t) {
            if next.is_none() {
                report
                    .unread
                    .push(format!("a last heading with nothing under it: \"{t}\""));
                continue;
            }
            out.push(Line::Heading(1, t.to_string()));
        } else {
            out.push(Line::Paragraph(t.to_string()));
        }
    }
    out
}

/// A plain line that names a section: short, no end punctuation, no citation marker, starting
/// with a capital or a section number ("3. Clinical Monitoring").
fn is_heading(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    let first = line.chars().next().unwrap_or(' ');
    // Title case: most longer words capitalised ("Acute Management (K ≥6.0 or ECG Changes)").
    let long: Vec<&&str> = words.iter().filter(|w| w.chars().count() > 3).collect();
    let capitalised = long
        .iter()
        .filter(|w| {
            w.chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || !c.is_alphabetic())
        })
        .count();
    let title_case = !long.is_empty() && capitalised * 5 >= long.len() * 3;
    !words.is_empty()
        && (words.len() <= 9 || title_case && words.len() <= 14)
        && (first.is_uppercase() || first.is_ascii_digit())
        && !line.ends_with(['.', ',', ';', ':', '?', '!'])
        && (!line.ends_with(')') || title_case)
        && trailing_markers(line).is_none()
        && !line.chars().last().is_some_and(|c| c.is_ascii_digit())
}

/// The Markdown body (`# title`, `##` sections, nested bullets, tables) with markers as `[N]`,
/// and the first statement citing each number.
fn markdown(
    title: &str,
    lines: &[Line],
    report: &mut AddReport,
    bare_markers: bool,
) -> (String, BTreeMap<u32, String>) {
    let mut out = format!("# {}\n", escape(title));
    let mut cited_for: BTreeMap<u32, String> = BTreeMap::new();
    let mut in_list = false;
    let mut in_table = false;
    let mut cite = |text: &str, report: &mut AddReport| {
        let (text, mut numbers) = if bare_markers {
            with_markers(text)
        } else {
            (text.to_string(), Vec::new())
        };
        numbers.extend(bracketed_markers(&text));
        for n in &numbers {
            report.markers.insert(*n);
            cited_for
                .entry(*n)
                .or_insert_with(|| without_markers(&text));
        }
        escape(&text)
    };
    for line in lines {
        match line {
            Line::Bullet(level, text) => {
                if !in_list {
                    out.push('\n');
                }
                in_list = true;
                in_table = false;
                report.bullets += 1;
                let text = cite(text, report);
                out.push_str(&format!("{}- {text}\n", "  ".repeat(level - 1)));
            }
            Line::Row(cells) => {
                if !in_table {
                    out.push('\n');
                    report.tables += 1;
                }
                let cells: Vec<String> = cells
                    .iter()
                    .map(|c| cite(c, report).replace('|', "/"))
                    .collect();
                out.push_str(&format!("| {} |\n", cells.join(" | ")));
                if !in_table {
                    out.push_str(&format!("|{}\n", " --- |".repeat(cells.len())));
                }
                in_table = true;
                in_list = false;
            }
            Line::Heading(level, text) => {
                report.sections += 1;
                out.push_str(&format!(
                    "\n{} {}\n",
                    "#".repeat((level + 1).min(6)),
                    escape(text)
                ));
                in_list = false;
                in_table = false;
            }
            Line::TableStart => {
                in_table = false;
                in_list = false;
            }
            Line::Paragraph(text) => {
                report.paragraphs += 1;
                let text = cite(text, report);
                out.push_str(&format!("\n{text}\n"));
                in_list = false;
                in_table = false;
            }
        }
    }
    (out, cited_for)
}

/// Characters that Markdown would read as markup at the start of a line or inside it.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        if matches!(c, '*' | '_' | '`' | '<' | '#') || (i == 0 && matches!(c, '>' | '+' | '=')) {
            out.push('\\');
        }
        out.push(c);
    }
    // "3. Text" at the start would open a numbered list.
    if let Some(dot) = out.find(". ")
        && dot > 0
        && out[..dot].chars().all(|c| c.is_ascii_digit())
    {
        out.insert(dot, '\\');
    }
    out
}

/// A run of citation numbers ("1", "1, 2", "3, 1, 2") at the end of `text`, after a word that
/// does not introduce a value: its byte range and numbers.
fn trailing_markers(text: &str) -> Option<(std::ops::Range<usize>, Vec<u32>)> {
    static RUN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(\S+)\s+(\d{1,2}(?:\s*,\s*\d{1,2})*)\s*$").expect("marker regex is valid")
    });
    let c = RUN.captures(text)?;
    marker_run(&c, 1, 2)
}

fn marker_run(
    c: &regex::Captures<'_>,
    word: usize,
    run: usize,
) -> Option<(std::ops::Range<usize>, Vec<u32>)> {
    let rules = &*RULES;
    let before = c.get(word)?.as_str();
    let bare: String = before
        .trim_matches(|ch: char| !ch.is_alphanumeric())
        .to_lowercase();
    // After a full stop the statement has ended: what follows is its marker.
    let ended = before.ends_with('.') && !before.chars().all(|ch| ch.is_ascii_digit() || ch == '.');
    // After a value word, a comparison or another number, the number is a value.
    if !ended && rules.value_words.contains(&bare)
        || before.ends_with(['≥', '≤', '<', '>', '=', '+', '-', '–', '/', '×', ':'])
        || before
            .chars()
            .all(|ch| ch.is_ascii_digit() || ch == ',' || ch == '.')
        || bare.is_empty() && !before.ends_with([')', '%', '.', ']'])
    {
        return None;
    }
    let m = c.get(run)?;
    let numbers: Vec<u32> = m
        .as_str()
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    (!numbers.is_empty() && numbers.iter().all(|n| (1..=rules.max_marker).contains(n)))
        .then(|| (m.range(), numbers))
}

/// `text` with its bare citation markers written `[N, M]`: at the end of the line (before or
/// after its full stop), before a sentence's full stop inside it, and before a closing
/// parenthesis ("(… 55% of cases 2)"). Returns the numbers too.
fn with_markers(text: &str) -> (String, Vec<u32>) {
    static INSIDE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(\S+)\s+(\d{1,2}(?:\s*,\s*\d{1,2})*)(?:\.(\s+[A-Z(])|(\)))")
            .expect("inner marker regex is valid")
    });
    let mut numbers = Vec::new();
    let mut text = text.trim().to_string();
    // At the very end, possibly after the full stop: "... days. 1, 2" or "... days 1, 2.", or
    // before the colon of a lead-in: "… ongoing resuscitation 6, 4:".
    let (body, stop) = match (text.strip_suffix('.'), text.strip_suffix(':')) {
        (Some(b), _) => (b.to_string(), "."),
        (_, Some(b)) => (b.to_string(), ":"),
        _ => (text.clone(), ""),
    };
    // Before a colon, a number after a short label is its value ("Option 1:", "Step 2:"): a
    // lead-in's markers follow a statement of some words, or are several.
    let lead_in_markers = |head: &str, found: &[u32]| {
        stop != ":"
            || found.len() >= 2
            || head.split_whitespace().count() >= RULES.lead_in_statement_words
    };
    if let Some((range, found)) = trailing_markers(&body)
        && lead_in_markers(&body[..range.start], &found)
    {
        let head = body[..range.start].trim_end();
        let (head, stop) = match head.strip_suffix('.') {
            Some(h) if stop.is_empty() => (h, "."),
            _ => (head, stop),
        };
        text = format!("{head} {}{stop}", bracket(&found));
        numbers.extend(found);
    }
    // Inside, after a full stop: "… interruption. 1, 3 The Toronto …" is "… interruption [1, 3]. The
    // Toronto …".
    static AFTER_STOP: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(\S)\.\s+(\d{1,2}(?:\s*,\s*\d{1,2})*)\s+([A-Z])").expect("regex is valid")
    });
    let mut moved = String::with_capacity(text.len());
    let mut copied = 0;
    for c in AFTER_STOP.captures_iter(&text) {
        let run = c.get(2).expect("group 2");
        let found: Vec<u32> = run
            .as_str()
            .split(',')
            .filter_map(|n| n.trim().parse().ok())
            .collect();
        if found.is_empty() || !found.iter().all(|n| (1..=RULES.max_marker).contains(n)) {
            continue;
        }
        let stop = c.get(1).expect("group 1").end();
        moved.push_str(&text[copied..stop]);
        moved.push_str(&format!(" {}. ", bracket(&found)));
        copied = c.get(3).expect("group 3").start();
        numbers.extend(found);
    }
    moved.push_str(&text[copied..]);
    let text = moved;
    // Inside: before ". Next sentence" or before ")".
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for c in INSIDE.captures_iter(&text) {
        let Some((range, found)) = marker_run(&c, 1, 2) else {
            continue;
        };
        let whole = c.get(0).expect("group 0");
        let word_end = c.get(1).expect("group 1").end();
        out.push_str(&text[copied..word_end]);
        out.push(' ');
        out.push_str(&bracket(&found));
        out.push_str(&text[range.end..whole.end()]);
        copied = whole.end();
        numbers.extend(found);
    }
    out.push_str(&text[copied..]);
    (out, numbers)
}

/// The numbers of the `[N]`, `[N, M]`, `[N–M]` markers already written in `text`.
fn bracketed_markers(text: &str) -> Vec<u32> {
    static BRACKETS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\[(\d{1,3}(?:\s*[,–-]\s*\d{1,3})*)\]").expect("bracket regex is valid")
    });
    let mut numbers = Vec::new();
    for c in BRACKETS.captures_iter(text) {
        for part in c[1].split(',') {
            let ends: Vec<u32> = part
                .split(['–', '-'])
                .filter_map(|n| n.trim().parse().ok())
                .collect();
            match ends.as_slice() {
                [n] => numbers.push(*n),
                [a, b] if a <= b && b - a <= 50 => numbers.extend(*a..=*b),
                _ => {}
            }
        }
    }
    numbers.retain(|n| *n > 0);
    numbers
}

fn bracket(numbers: &[u32]) -> String {
    let list: Vec<String> = numbers.iter().map(u32::to_string).collect();
    format!("[{}]", list.join(", "))
}

/// A statement without its `[N]` markers, for a stub's `cited_for`.
fn without_markers(text: &str) -> String {
    static MARKERS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\s*\[\d{1,3}(?:\s*[,–-]\s*\d{1,3})*\]").expect("marker regex is valid")
    });
    let plain = MARKERS.replace_all(text, "");
    let plain = plain.trim();
    if plain.chars().count() > 240 {
        let cut: String = plain.chars().take(240).collect();
        format!("{}…", cut.trim_end())
    } else {
        plain.to_string()
    }
}

/// "August 21, 2025" or "2025-08-21" as "2025-08-21".
fn iso_date(text: &str) -> Option<String> {
    if text.len() == 10 && text.as_bytes()[4] == b'-' {
        return Some(text.to_string());
    }
    let parts: Vec<&str> = text
        .split([' ', ',', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    let [month, day, year] = parts.as_slice() else {
        return None;
    };
    let m = RULES
        .months
        .iter()
        .position(|p| month.to_lowercase().starts_with(p.as_str()))?
        + 1;
    let day: u32 = day.parse().ok()?;
    let year: u32 = year.parse().ok()?;
    Some(format!("{year:04}-{m:02}-{day:02}"))
}

/// Reads Markdown. Front matter (TOML between `+++` lines, or flat YAML between `---` lines)
/// gives the title, question, updated and review status, and its `[references]` map keeps the
/// numbers that name notes already in the corpus; the first `#` heading is the title otherwise.
/// Without front matter, bare markers are read as in a page; with it, markers are `[N]`.
pub fn read_markdown(text: &str) -> Result<PageArticle, String> {
    let mut report = AddReport {
        format: "Markdown".into(),
        ..AddReport::default()
    };
    let (front, body) = split_front_matter(text)?;
    let field = |name: &str| front.as_ref().and_then(|f| f.get(name).cloned());
    let mut title = field("title");
    let mut title_line_seen = false;
    let mut lines = Vec::new();
    let body_lines: Vec<&str> = body.lines().collect();
    let (body_lines, listed) = split_reference_list(&body_lines);
    for line in body_lines {
        let t = line.trim();
        let indent = line.chars().take_while(|c| *c == ' ').count();
        // The first `# ` line before any content is the title (written again under front
        // matter that names it).
        if let Some(h) = t.strip_prefix("# ")
            && lines.is_empty()
            && !title_line_seen
        {
            title_line_seen = true;
            if title.is_none() {
                title = Some(h.trim().to_string());
            }
            continue;
        }
        let hashes = t.chars().take_while(|c| *c == '#').count();
        if hashes > 0 && t[hashes..].starts_with(' ') {
            let h = t[hashes..].trim();
            if !h.is_empty() {
                lines.push(Line::Heading(
                    hashes.saturating_sub(1).max(1),
                    h.to_string(),
                ));
            }
        } else if let Some(item) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
            lines.push(Line::Bullet(indent / 2 + 1, item.to_string()));
        } else if let Some(item) = numbered_item(t) {
            lines.push(Line::Bullet(indent / 3 + 1, item.to_string()));
        } else if t.starts_with('|') && t.matches('|').count() >= 2 {
            let cells: Vec<String> = t
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect();
            if cells.iter().all(|c| c.chars().all(|ch| "-: ".contains(ch))) {
                continue;
            }
            if !matches!(lines.last(), Some(Line::Row(_))) {
                lines.push(Line::TableStart);
            }
            lines.push(Line::Row(cells));
        } else if !t.is_empty() {
            lines.push(Line::Paragraph(t.to_string()));
        }
    }
    let title = title.ok_or("no title: no `# title` line and no title in the front matter")?;
    // Bare markers ("… daily 1, 2") are read unless the text already writes them `[N]`.
    let bare = !lines.iter().any(|l| match l {
        Line::Paragraph(t) | Line::Bullet(_, t) => !bracketed_markers(t).is_empty(),
        Line::Row(cells) => cells.iter().any(|c| !bracketed_markers(c).is_empty()),
        _ => false,
    });
    let (body, cited_for) = markdown(&title, &lines, &mut report, bare);
    report.title = title.clone();
    Ok(PageArticle {
        title,
        question: field("question"),
        updated: field("updated").and_then(|d| iso_date(&d)),
        review_status: field("review_status"),
        body,
        cited_for,
        listed,
        report,
    })
}

/// "1. Text" or "2) Text" as its text.
fn numbered_item(line: &str) -> Option<&str> {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || digits > 2 {
        return None;
    }
    line[digits..]
        .strip_prefix(". ")
        .or_else(|| line[digits..].strip_prefix(") "))
        .map(str::trim)
}

/// Front matter fields by name, as text.
type FrontFields = BTreeMap<String, String>;

/// The front matter's string fields (TOML `+++` or flat YAML `---`), and the body after it.
fn split_front_matter(text: &str) -> Result<(Option<FrontFields>, &str), String> {
    let trimmed = text.trim_start_matches('\u{feff}');
    let fence = if trimmed.starts_with("+++") {
        "+++"
    } else if trimmed.starts_with("---\n") || trimmed.starts_with("---\r\n") {
        "---"
    } else {
        return Ok((None, text));
    };
    let after = &trimmed[3..];
    let end = after
        .find(&format!("\n{fence}"))
        .ok_or(format!("its front matter has no closing {fence} line"))?;
    let front = &after[..end];
    let body = after[end + 1 + fence.len()..].trim_start_matches(['\r', '\n']);
    let mut fields = BTreeMap::new();
    if fence == "+++" {
        let table: toml::Table =
            toml::from_str(front).map_err(|e| format!("its front matter is not TOML ({e})"))?;
        for (key, value) in table {
            match value {
                toml::Value::String(s) => {
                    fields.insert(key, s);
                }
                toml::Value::Datetime(d) => {
                    fields.insert(key, d.to_string());
                }
                _ => {}
            }
        }
    } else {
        for line in front.lines() {
            if let Some((key, value)) = line.split_once(':')
                && !key.starts_with([' ', '\t', '-', '#'])
            {
                let value = value.trim().trim_matches(['"', '\'']).trim();
                if !value.is_empty() {
                    fields.insert(key.trim().to_string(), value.to_string());
                }
            }
        }
    }
    Ok((Some(fields), body))
}

/// The id of the note for citation `n` of article `id`.
fn stub_id(id: &str, n: u32) -> String {
    format!("{id}-ref-{n}")
}

/// Writes the article and a note for each citation number (with the facts of its reference list
/// entry or PubMed record, or an untraced stub), each checked by the corpus parser first;
/// removes notes of an earlier version of the article that it no longer cites.
fn write_article(
    id: &str,
    article: PageArticle,
    corpus: &Path,
    shown: &str,
    listed: &BTreeMap<u32, Record>,
    pubmed: &[Record],
) -> Result<AddReport, AddError> {
    let mut report = article.report;
    report.id = id.to_string();
    // The file's own list, then the list given beside it (which wins for a number in both).
    let mut all_listed = article.listed.clone();
    all_listed.extend(listed.iter().map(|(n, r)| (*n, r.clone())));
    let matching = match_records(&report.markers, &all_listed, pubmed);
    report.listed_not_cited = matching.listed_not_cited.clone();
    report.unmatched_records = matching.unmatched_records.clone();
    let meta = ArticleMeta {
        id: id.to_string(),
        title: article.title.clone(),
        question: article
            .question
            .clone()
            .unwrap_or_else(|| article.title.clone()),
        updated: article.updated.clone().unwrap_or_default(),
        review_status: article.review_status.clone(),
        pmid: None,
        year: None,
        mesh: Vec::new(),
        references: report
            .markers
            .iter()
            .map(|n| (n.to_string(), stub_id(id, *n)))
            .collect(),
    };
    let front = toml::to_string(&meta).map_err(|e| AddError::Invalid {
        path: shown.into(),
        problem: e.to_string(),
    })?;
    let article_text = format!("+++\n{front}+++\n\n{}", article.body);
    let invalid = |problem: String| AddError::Invalid {
        path: shown.into(),
        problem,
    };
    let article_path = corpus.join("articles").join(format!("{id}.md"));
    let doc = parse_document(DocKind::Article, &article_path, &article_text).map_err(invalid)?;
    report.passages = doc.chunks.len();
    let mut notes = Vec::new();
    for n in &report.markers {
        let statement = article
            .cited_for
            .get(n)
            .cloned()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| format!("Citation {n} of \"{}\"", article.title));
        let (meta, body) = match matching.records.get(n) {
            Some((record, how)) => {
                let (meta, body) = traced_note(stub_id(id, *n), *n, record, *how, &statement);
                if meta.identified {
                    report.traced += 1;
                }
                if !record.abstract_sections.is_empty() {
                    report.abstracts += 1;
                }
                (meta, body)
            }
            None => untraced_note(stub_id(id, *n), *n, &article.title, &statement),
        };
        let front = toml::to_string(&meta).map_err(|e| invalid(e.to_string()))?;
        let text = format!("+++\n{front}+++\n\n{body}");
        let path = corpus.join("references").join(format!("{}.md", meta.id));
        parse_document(DocKind::Reference, &path, &text)
            .map_err(|e| invalid(format!("reference {n}: {e}")))?;
        notes.push((path, text));
    }
    report.updated = article_path.exists();
    for dir in ["articles", "references"] {
        fs::create_dir_all(corpus.join(dir)).map_err(|source| AddError::Write {
            path: corpus.join(dir).display().to_string(),
            source,
        })?;
    }
    // Notes of an earlier version that are no longer cited (a new article has none: the folder
    // is not listed, so adding to a large library stays linear).
    let prefix = format!("{id}-ref-");
    if report.updated
        && let Ok(entries) = fs::read_dir(corpus.join("references"))
    {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let current = notes
                .iter()
                .any(|(p, _)| p.file_name() == Some(entry.file_name().as_os_str()));
            if name.starts_with(&prefix)
                && name[prefix.len()..]
                    .trim_end_matches(".md")
                    .chars()
                    .all(|c| c.is_ascii_digit())
                && !current
            {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
    for (path, text) in notes
        .iter()
        .chain(std::iter::once(&(article_path.clone(), article_text)))
    {
        write_atomically(path, text)?;
    }
    report.references = notes.len();
    report.path = article_path;
    Ok(report)
}

/// The stub of a citation whose publication is not known.
fn untraced_note(
    id: String,
    n: u32,
    article_title: &str,
    statement: &str,
) -> (ReferenceMeta, String) {
    let meta = ReferenceMeta {
        id,
        title: format!("Reference {n} of \"{article_title}\" (publication not identified)"),
        authors: Vec::new(),
        authors_incomplete: false,
        journal: None,
        year: None,
        volume: None,
        issue: None,
        pages: None,
        doi: None,
        pmid: None,
        identified: false,
        confidence: "unknown".into(),
        cited_for: statement.to_string(),
    };
    let body = format!(
        "The publication behind the article's reference {n} could not be traced, so its support for what the article cites it for is unverified.\n"
    );
    (meta, body)
}

/// The note of a citation with a record: its facts as front matter, its abstract (or, without
/// one, the entry as the article lists it) as the body. A record without the facts the corpus
/// asks of an identified reference (authors, journal, year, PMID or DOI) is written untraced,
/// with what it does give.
fn traced_note(
    id: String,
    n: u32,
    record: &Record,
    how: Matched,
    statement: &str,
) -> (ReferenceMeta, String) {
    let identified = record.identifiable();
    let confidence = match (identified, how) {
        (false, _) => "unknown",
        (true, Matched::Confirmed) => "confirmed",
        (true, Matched::ByOrder) => "candidate",
    };
    let title = if record.title.trim().is_empty() {
        format!("Reference {n} (publication not identified)")
    } else {
        record.title.trim().to_string()
    };
    let meta = ReferenceMeta {
        id,
        title,
        authors: record.authors.clone(),
        authors_incomplete: record.authors_incomplete,
        journal: record.journal.clone(),
        year: record.year,
        volume: record.volume.clone(),
        issue: record.issue.clone(),
        pages: record.pages.clone(),
        doi: record.doi.clone(),
        pmid: record.pmid.clone(),
        identified,
        confidence: confidence.into(),
        cited_for: statement.to_string(),
    };
    let mut body = String::new();
    if record.abstract_sections.is_empty() {
        if let Some(entry) = &record.as_listed {
            body.push_str(&format!(
                "## As the article lists it\n\n{}\n\n",
                escape(entry)
            ));
        }
        body.push_str(&format!(
            "Only the article's reference {n} is known of this publication: its abstract was not added, so what it found is not in the corpus.\n"
        ));
        if !identified {
            body.push_str(
                "\nIt names no PMID or DOI (or lacks authors, journal or year), so the publication is not traced and its support is unverified.\n",
            );
        }
    } else {
        for (label, text) in &record.abstract_sections {
            let heading = if label.is_empty() { "Abstract" } else { label };
            body.push_str(&format!("## {}\n\n{}\n\n", escape(heading), escape(text)));
        }
    }
    (meta, body)
}

fn write_atomically(path: &Path, text: &str) -> Result<(), AddError> {
    let err = |source| AddError::Write {
        path: path.display().to_string(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_date_is_read_in_words_or_as_iso() {
        assert_eq!(iso_date("August 21, 2025").as_deref(), Some("2025-08-21"));
        assert_eq!(iso_date("Dec. 3, 2026").as_deref(), Some("2026-12-03"));
        assert_eq!(iso_date("2025-08-21").as_deref(), Some("2025-08-21"));
        assert_eq!(iso_date("Someday 3, 2026"), None);
    }

    #[test]
    fn bare_markers_become_brackets_where_statements_end() {
        assert_eq!(
            with_markers("Doxycycline: 100 mg twice daily for 10-14 days 1").0,
            "Doxycycline: 100 mg twice daily for 10-14 days [1]"
        );
        assert_eq!(
            with_markers("Adults: 2.5-5 mg every 20 minutes for 3 doses 1, 2").0,
            "Adults: 2.5-5 mg every 20 minutes for 3 doses [1, 2]"
        );
        assert_eq!(
            with_markers("No tapering required. 1, 2").0,
            "No tapering required [1, 2]."
        );
        assert_eq!(
            with_markers("Monitor these parameters to guide ongoing resuscitation 6, 4:").0,
            "Monitor these parameters to guide ongoing resuscitation [6, 4]:"
        );
        for lead in ["Step 2:", "Option 1:", "Patients with type 1:", "Day 3:"] {
            assert_eq!(with_markers(lead).0, lead);
        }
        assert_eq!(
            with_markers("interstitial lung disease 3.").0,
            "interstitial lung disease [3]."
        );
        assert_eq!(
            with_markers("relapse (which occurs in approximately 55% of cases 2), more").0,
            "relapse (which occurs in approximately 55% of cases [2]), more"
        );
        assert_eq!(
            with_markers("compared to the primary options 1, 5. They should be reserved").0,
            "compared to the primary options [1, 5]. They should be reserved"
        );
        assert_eq!(
            with_markers(
                "Complete the course without interruption. 1, 3 The Toronto Consensus agrees."
            )
            .0,
            "Complete the course without interruption [1, 3]. The Toronto Consensus agrees."
        );
    }

    #[test]
    fn numbers_that_are_values_stay_text() {
        for text in [
            "with a number needed to treat of 5",
            "stage 2",
            "CIWA-Ar ≥15",
            "give 2 doses over 1-2",
            "the dose is 10",
        ] {
            assert_eq!(with_markers(text).0, text, "{text}");
        }
    }

    #[test]
    fn furniture_becomes_front_matter_and_is_never_content() {
        let page = "https://example.org/a\n\nWhat is X?\n\nMedical Advisory BoardAll articles are reviewed\nEducational purpose only • Exercise caution as content is pending human review\nArticle Review Status\nSubmitted\nUnder Review\nApproved\n\nLast updated: February 2, 2026View editorial policy\n\nPersonalize\n\nTreatment of X\n\nGive Y first. 1\n\nDosing\n\n  • Y: 10 mg daily 2\n    • Less in the elderly\n\nProfessional Medical Disclaimer\n\nThis is not advice.\n";
        let a = read_page(page).unwrap();
        assert_eq!(a.title, "Treatment of X");
        assert_eq!(a.question.as_deref(), Some("What is X?"));
        assert_eq!(a.updated.as_deref(), Some("2026-02-02"));
        assert_eq!(a.review_status.as_deref(), Some("pending human review"));
        assert_eq!(
            a.body,
            "# Treatment of X\n\nGive Y first [1].\n\n## Dosing\n\n- Y: 10 mg daily [2]\n  - Less in the elderly\n"
        );
        assert!(!a.body.contains("advice") && !a.body.contains("Personalize"));
        assert_eq!(a.report.markers, BTreeSet::from([1, 2]));
    }
}

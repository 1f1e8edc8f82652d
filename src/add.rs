//! `medcite add`: writes an evidence page into the corpus as it comes, with no hand editing. A
//! page's text as copied or stored (headings as plain lines, `•` or `-` bullets, bare citation
//! markers "1, 2" at the end of statements, site furniture around it) or Markdown (with or
//! without front matter) becomes `articles/<id>.md` with its front matter, and every citation
//! number an untraced reference stub. The furniture patterns are data (`data/pages.toml`). It only
//! writes files, each checked by the corpus parser first; it knows nothing of the index.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use crate::contracts::DocKind;
use crate::corpus::{ArticleMeta, ReferenceMeta, parse_document};

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
        "{path}: {format} is not read by `medcite add` yet; give the page's text (.txt) or Markdown (.md)"
    )]
    Format { path: String, format: String },
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
    /// Reference stubs written (untraced: no reference list was given).
    pub references: usize,
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
    review_status: String,
    end: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct MarkerRules {
    value_words: Vec<String>,
    max_marker: u32,
}

struct Rules {
    drop: Vec<Regex>,
    updated: Regex,
    review_status: Regex,
    end: Vec<Regex>,
    value_words: BTreeSet<String>,
    max_marker: u32,
}

static RULES: LazyLock<Rules> = LazyLock::new(|| {
    let file: PageRules =
        toml::from_str(include_str!("../data/pages.toml")).expect("data/pages.toml is valid");
    let re = |p: &str| Regex::new(p).unwrap_or_else(|e| panic!("data/pages.toml: {p}: {e}"));
    Rules {
        drop: file.furniture.drop.iter().map(|p| re(p)).collect(),
        updated: re(&file.furniture.updated),
        review_status: re(&file.furniture.review_status),
        end: file.furniture.end.iter().map(|p| re(p)).collect(),
        value_words: file.markers.value_words.into_iter().collect(),
        max_marker: file.markers.max_marker,
    }
});

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
    pub report: AddReport,
}

/// Adds each file of `paths` to the corpus at `corpus`, returning what each yielded; stops at
/// the first file that cannot be read (files before it stay added).
pub fn add_files(paths: &[PathBuf], corpus: &Path) -> Result<Vec<AddReport>, AddError> {
    paths.iter().map(|p| add_file(p, corpus)).collect()
}

/// Adds one file: its article under the id of its file stem, and untraced stubs for its
/// citation numbers. Adding the same file again replaces the article and its stubs.
pub fn add_file(path: &Path, corpus: &Path) -> Result<AddReport, AddError> {
    let shown = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|source| AddError::Read {
        path: shown.clone(),
        source,
    })?;
    let id = article_id(path).ok_or_else(|| AddError::Page {
        path: shown.clone(),
        problem: "its file name gives no article id (letters, digits and '-' only)".into(),
    })?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let article = match ext.as_str() {
        "md" | "markdown" => read_markdown(&text),
        "txt" | "text" | "" => read_page(&text),
        other => {
            return Err(AddError::Format {
                path: shown,
                format: format!("a .{other} file"),
            });
        }
    }
    .map_err(|problem| AddError::Page {
        path: shown.clone(),
        problem,
    })?;
    write_article(&id, article, corpus, &shown)
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
    Heading(String),
    Paragraph(String),
    /// A bullet at a nesting level (1 is top).
    Bullet(usize, String),
    /// A table row: its cells.
    Row(Vec<String>),
}

/// Reads a page's text as copied or stored (see the module doc).
pub fn read_page(text: &str) -> Result<PageArticle, String> {
    let rules = &*RULES;
    let mut report = AddReport::default();
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
    let mut rest = content.iter().skip_while(|l| l.trim().is_empty());
    let title = rest
        .next()
        .map(|l| l.trim().to_string())
        .ok_or("no article text after the site furniture")?;
    let rest: Vec<&str> = rest.copied().collect();
    let read = read_lines(&rest, &mut report);
    let (body, cited_for) = markdown(&title, &read, &mut report);
    report.title = title.clone();
    Ok(PageArticle {
        title,
        question,
        updated,
        review_status,
        body,
        cited_for,
        report,
    })
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
            out.push(Line::Heading(t.to_string()));
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
) -> (String, BTreeMap<u32, String>) {
    let mut out = format!("# {title}\n");
    let mut cited_for: BTreeMap<u32, String> = BTreeMap::new();
    let mut in_list = false;
    let mut in_table = false;
    let mut cite = |text: &str, report: &mut AddReport| {
        let (text, numbers) = with_markers(text);
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
            Line::Heading(text) => {
                report.sections += 1;
                out.push_str(&format!("\n## {}\n", escape(text)));
                in_list = false;
                in_table = false;
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
    // At the very end, possibly after the full stop: "... days. 1, 2" or "... days 1, 2."
    let (body, stop) = match text.strip_suffix('.') {
        Some(b) => (b.to_string(), "."),
        None => (text.clone(), ""),
    };
    if let Some((range, found)) = trailing_markers(&body) {
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

fn bracket(numbers: &[u32]) -> String {
    let list: Vec<String> = numbers.iter().map(u32::to_string).collect();
    format!("[{}]", list.join(", "))
}

/// A statement without its `[N]` markers, for a stub's `cited_for`.
fn without_markers(text: &str) -> String {
    static MARKERS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\s*\[\d{1,2}(?:,\s*\d{1,2})*\]").expect("marker regex is valid")
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
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let parts: Vec<&str> = text
        .split([' ', ',', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    let [month, day, year] = parts.as_slice() else {
        return None;
    };
    let m = MONTHS
        .iter()
        .position(|p| month.to_lowercase().starts_with(p))?
        + 1;
    let day: u32 = day.parse().ok()?;
    let year: u32 = year.parse().ok()?;
    Some(format!("{year:04}-{m:02}-{day:02}"))
}

/// Reads Markdown: with front matter it is taken as written (markers must already be `[N]`);
/// without, its first `#` heading is the title and bare markers are read as in a page.
pub fn read_markdown(text: &str) -> Result<PageArticle, String> {
    if text.trim_start().starts_with("+++") {
        return Err(
            "it already has front matter: copy it into the corpus's articles/ folder as it is"
                .into(),
        );
    }
    let mut report = AddReport::default();
    let mut title = None;
    let mut lines = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if title.is_none() && t.starts_with("# ") {
            title = Some(t[2..].trim().to_string());
            continue;
        }
        if let Some(h) = t
            .strip_prefix("#")
            .map(|h| h.trim_start_matches('#').trim())
            && !h.is_empty()
        {
            lines.push(Line::Heading(h.to_string()));
        } else if let Some(item) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
            let indent = line.chars().take_while(|c| *c == ' ').count();
            lines.push(Line::Bullet(indent / 2 + 1, item.to_string()));
        } else if !t.is_empty() {
            lines.push(Line::Paragraph(t.to_string()));
        }
    }
    let title = title.ok_or("no `# title` line")?;
    let (body, cited_for) = markdown(&title, &lines, &mut report);
    report.title = title.clone();
    Ok(PageArticle {
        title,
        question: None,
        updated: None,
        review_status: None,
        body,
        cited_for,
        report,
    })
}

/// The id of the untraced stub for citation `n` of article `id`.
fn stub_id(id: &str, n: u32) -> String {
    format!("{id}-ref-{n}")
}

/// Writes the article and its stubs, each checked by the corpus parser first; removes stubs of
/// an earlier version of the article that it no longer cites.
fn write_article(
    id: &str,
    article: PageArticle,
    corpus: &Path,
    shown: &str,
) -> Result<AddReport, AddError> {
    let mut report = article.report;
    report.id = id.to_string();
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
    let mut stubs = Vec::new();
    for (n, statement) in &article.cited_for {
        let stub = ReferenceMeta {
            id: stub_id(id, *n),
            title: format!(
                "Reference {n} of \"{}\" (publication not identified)",
                article.title
            ),
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
            cited_for: statement.clone(),
        };
        let front = toml::to_string(&stub).map_err(|e| invalid(e.to_string()))?;
        let text = format!(
            "+++\n{front}+++\n\nThe publication behind the article's reference {n} could not be traced, so its support for what the article cites it for is unverified.\n"
        );
        let path = corpus.join("references").join(format!("{}.md", stub.id));
        parse_document(DocKind::Reference, &path, &text).map_err(invalid)?;
        stubs.push((path, text));
    }
    report.updated = article_path.exists();
    for dir in ["articles", "references"] {
        fs::create_dir_all(corpus.join(dir)).map_err(|source| AddError::Write {
            path: corpus.join(dir).display().to_string(),
            source,
        })?;
    }
    // Stubs of an earlier version that are no longer cited.
    let prefix = format!("{id}-ref-");
    if let Ok(entries) = fs::read_dir(corpus.join("references")) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let current = stubs
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
    for (path, text) in stubs
        .iter()
        .chain(std::iter::once(&(article_path.clone(), article_text)))
    {
        write_atomically(path, text)?;
    }
    report.references = stubs.len();
    report.path = article_path;
    Ok(report)
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

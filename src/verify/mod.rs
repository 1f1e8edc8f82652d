//! Verification of an answer against the passages it was composed from: every sentence carries
//! an `[Sn]` marker naming a passage, and every double-quoted span is verbatim (after
//! normalisation) in the passage its marker names. Deterministic; it never changes the answer
//! (`verified_part` only selects the lines of one that verify).

mod claims;

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

use crate::contracts::{Passage, QuoteCheck, QuoteProblem};
use crate::numbers::{Figure, figures};
use crate::question::vocabulary;
use crate::text::{is_abbreviation, markup, normalize};

static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[\s*(S\d{1,4}(?:\s*[,;]\s*S?\d{1,4})*)\s*\]").expect("marker regex is valid")
});

/// One way an answer fails verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issue {
    /// A quoted span that is not verbatim in its marked passage.
    Quote {
        marker: String,
        quote: String,
        problem: QuoteProblem,
    },
    /// A marker that names no passage.
    UnknownMarker(String),
    /// A sentence that carries no marker.
    UnmarkedSentence(String),
    /// HTML markup in the answer, which must be plain Markdown.
    Markup(String),
    /// A figure in a sentence that no passage the sentence's markers name states.
    Number {
        figure: String,
        sentence: String,
        markers: Vec<String>,
        /// A passage that does state it, if any.
        stated_in: Option<String>,
    },
    /// A sentence in the answer's own words (outside its quotes) that names something, or says
    /// "not", "must", "avoid", "daily"…, that no passage its markers name states.
    UnsupportedClaim {
        sentence: String,
        markers: Vec<String>,
        /// What the passages do not state, as written: `methotrexate`, `"every day"`.
        unsupported: Vec<String>,
    },
    /// The model said the sources do not say, although the passages match every key term of
    /// the question and passage `best` matches it best.
    RefusedDespiteEvidence { best: String },
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Issue::Quote {
                marker,
                quote,
                problem: QuoteProblem::NotFound,
            } => write!(
                f,
                "the quote \"{quote}\" [{marker}] is not written word for word in any passage"
            ),
            Issue::Quote {
                marker,
                quote,
                problem: QuoteProblem::Misattributed,
            } => write!(
                f,
                "the quote \"{quote}\" is marked [{marker}] but is written in another passage"
            ),
            Issue::Quote {
                marker,
                quote,
                problem: QuoteProblem::UnknownMarker,
            } => write!(
                f,
                "the quote \"{quote}\" is marked [{marker}], which names no passage"
            ),
            Issue::UnknownMarker(marker) => write!(f, "[{marker}] names no passage"),
            Issue::UnmarkedSentence(sentence) => {
                write!(f, "the sentence \"{sentence}\" has no [Sn] marker")
            }
            Issue::Markup(tag) => write!(
                f,
                "the answer contains HTML markup ({tag}); write plain Markdown without HTML"
            ),
            Issue::Number {
                figure,
                sentence,
                markers,
                stated_in,
            } => {
                let cited = if markers.is_empty() {
                    "no passage is cited for it".to_string()
                } else {
                    format!("it is not in {}", bracketed(markers))
                };
                let elsewhere = match stated_in {
                    Some(marker) => format!(" ([{marker}] states it: cite [{marker}] for it)"),
                    None => " (no passage states it: drop it)".to_string(),
                };
                write!(
                    f,
                    "the number \"{figure}\" in \"{sentence}\" is not in the passages it cites: {cited}{elsewhere}; use only numbers written in the passage you cite"
                )
            }
            Issue::UnsupportedClaim {
                sentence,
                markers,
                unsupported,
            } => write!(
                f,
                "unsupported claim: \"{sentence}\" says in its own words what {} does not state ({}); quote the sentence that says it by its id, or leave it out",
                bracketed(markers),
                unsupported.join(", ")
            ),
            Issue::RefusedDespiteEvidence { best } => write!(
                f,
                "the reply said the sources do not say, but the passages name every key term of the question and [{best}] matches it best: answer from the passages, starting with what [{best}] says, and say plainly which detail asked for they do not give"
            ),
        }
    }
}

/// The result of verifying one answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub quotes: Vec<QuoteCheck>,
    pub issues: Vec<Issue>,
    /// Distinct markers the answer uses, in order of first use.
    pub markers: Vec<String>,
}

impl Verification {
    /// True when nothing failed: every sentence marked, every marker known, every quote verbatim.
    pub fn verified(&self) -> bool {
        self.issues.is_empty()
    }
}

/// A piece of one line of the answer.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Quote { text: String, markers: Vec<u32> },
    Markers(Vec<u32>),
}

/// Verifies `answer` against `passages` (passage `i` is marker `S{i+1}`).
pub fn verify(answer: &str, passages: &[Passage]) -> Verification {
    let haystacks: Vec<String> = passages.iter().map(|p| comparable(&p.text)).collect();
    let mut quotes = Vec::new();
    let mut issues = Vec::new();
    let mut markers: Vec<String> = Vec::new();
    let known = |n: u32| n >= 1 && (n as usize) <= passages.len();
    // The passages' figures, read once for all the sentences that state one.
    let stated = std::cell::OnceCell::new();
    if let Some(tag) = markup(answer) {
        let shown: String = answer[tag.start()..].chars().take(12).collect();
        issues.push(Issue::Markup(shown));
    }

    for line in logical_lines(answer) {
        let line = strip_list_prefix(line.trim());
        if line.is_empty() || line.starts_with('#') || line.chars().all(|c| "-*_=|".contains(c)) {
            continue;
        }
        for sentence in sentences(&pieces(line)) {
            let sentence_markers: Vec<u32> = sentence
                .iter()
                .flat_map(|p| match p {
                    Piece::Markers(m) => m.clone(),
                    Piece::Quote { markers, .. } => markers.clone(),
                    Piece::Text(_) => Vec::new(),
                })
                .collect();
            for n in &sentence_markers {
                let name = format!("S{n}");
                if !markers.contains(&name) {
                    markers.push(name.clone());
                    if !known(*n) {
                        issues.push(Issue::UnknownMarker(name));
                    }
                }
            }
            let words = sentence_text(&sentence);
            if sentence_markers.is_empty() && needs_marker(&words) {
                issues.push(Issue::UnmarkedSentence(words.trim().to_string()));
            }
            if !(sentence_markers.is_empty() && denying_lead_in(&words)) {
                issues.extend(unstated_figures(
                    &words,
                    &sentence_markers,
                    passages,
                    &stated,
                ));
            }
            let unsupported =
                claims::unsupported(&own_words(&sentence), &sentence_markers, passages);
            if !unsupported.is_empty() {
                issues.push(Issue::UnsupportedClaim {
                    sentence: words.split_whitespace().collect::<Vec<_>>().join(" "),
                    markers: sentence_markers.iter().map(|n| format!("S{n}")).collect(),
                    unsupported,
                });
            }
            for (at, piece) in sentence.iter().enumerate() {
                let Piece::Quote {
                    text,
                    markers: inner,
                } = piece
                else {
                    continue;
                };
                // An empty quote ("") quotes nothing; it is checked like any other and fails.
                let quote = clean_quote(text);
                let attached = if inner.is_empty() {
                    attached_markers(&sentence, at)
                } else {
                    inner.clone()
                };
                let check = with_span(check_quote(&quote, &attached, &haystacks, known), passages);
                if let Some(problem) = check.problem {
                    issues.push(Issue::Quote {
                        marker: check.marker.clone(),
                        quote: check.quote.clone(),
                        problem,
                    });
                }
                quotes.push(check);
            }
        }
    }
    Verification {
        quotes,
        issues,
        markers,
    }
}

fn check_quote(
    quote: &str,
    attached: &[u32],
    haystacks: &[String],
    known: impl Fn(u32) -> bool,
) -> QuoteCheck {
    let needle = comparable(quote);
    if needle.is_empty() {
        let marker = attached
            .first()
            .map(|n| format!("S{n}"))
            .unwrap_or_default();
        return QuoteCheck {
            marker,
            quote: quote.to_string(),
            verified: false,
            problem: Some(QuoteProblem::NotFound),
            chunk_id: None,
            start: None,
            end: None,
        };
    }
    let found_in = |n: u32| {
        known(n)
            && haystacks
                .get(n as usize - 1)
                .is_some_and(|h| h.contains(&needle))
    };
    let first = attached
        .first()
        .map(|n| format!("S{n}"))
        .unwrap_or_default();
    let (marker, problem) = if let Some(n) = attached.iter().copied().find(|n| found_in(*n)) {
        (format!("S{n}"), None)
    } else if let Some(n) = attached.iter().copied().find(|n| !known(*n)) {
        (format!("S{n}"), Some(QuoteProblem::UnknownMarker))
    } else if haystacks.iter().any(|h| h.contains(&needle)) {
        (first, Some(QuoteProblem::Misattributed))
    } else {
        (first, Some(QuoteProblem::NotFound))
    };
    QuoteCheck {
        marker,
        quote: quote.to_string(),
        verified: problem.is_none(),
        problem,
        chunk_id: None,
        start: None,
        end: None,
    }
}

/// A verified quote with the passage it stands in and its character span there.
fn with_span(mut check: QuoteCheck, passages: &[Passage]) -> QuoteCheck {
    if !check.verified {
        return check;
    }
    let Some(passage) = passages.iter().find(|p| p.marker == check.marker) else {
        return check;
    };
    if let Some(span) = quote_span(&passage.text, &check.quote) {
        check.chunk_id = Some(passage.chunk_id.clone());
        check.start = Some(span.start);
        check.end = Some(span.end);
    }
    check
}

/// Markers for the quote at `at`: the first marker group after it in its sentence, or else the
/// nearest one before it.
fn attached_markers(sentence: &[Piece], at: usize) -> Vec<u32> {
    let after = sentence[at + 1..].iter().find_map(|p| match p {
        Piece::Markers(m) => Some(m.clone()),
        _ => None,
    });
    after
        .or_else(|| {
            sentence[..at].iter().rev().find_map(|p| match p {
                Piece::Markers(m) => Some(m.clone()),
                _ => None,
            })
        })
        .unwrap_or_default()
}

/// Splits a line into text, quoted spans (straight or curly double quotes, curly ones nesting)
/// and marker groups.
fn pieces(line: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let close = match c {
            '"' => Some('"'),
            '\u{201C}' => Some('\u{201D}'),
            _ => None,
        };
        if let Some(close) = close {
            let rest = &line[i + c.len_utf8()..];
            if let Some(len) = quote_end(rest, c, close) {
                push_text(&mut out, &mut text);
                let inner = &rest[..len];
                let markers = marker_numbers(inner);
                out.push(Piece::Quote {
                    text: MARKER.replace_all(inner, "").into_owned(),
                    markers,
                });
                let end = i + c.len_utf8() + len + close.len_utf8();
                while chars.peek().is_some_and(|(j, _)| *j < end) {
                    chars.next();
                }
                continue;
            }
        }
        if c == '['
            && let Some(m) = MARKER.find(&line[i..])
            && m.start() == 0
        {
            push_text(&mut out, &mut text);
            out.push(Piece::Markers(marker_numbers(m.as_str())));
            let end = i + m.end();
            while chars.peek().is_some_and(|(j, _)| *j < end) {
                chars.next();
            }
            continue;
        }
        text.push(c);
    }
    push_text(&mut out, &mut text);
    out
}

/// Byte length of a quoted span's inside, up to its closing quote (nesting curly quotes).
fn quote_end(rest: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in rest.char_indices() {
        if c == close && depth == 0 {
            return Some(i);
        } else if c == close {
            depth -= 1;
        } else if c == open && open != close {
            depth += 1;
        }
    }
    None
}

fn push_text(out: &mut Vec<Piece>, text: &mut String) {
    if !text.is_empty() {
        out.push(Piece::Text(std::mem::take(text)));
    }
}

fn marker_numbers(text: &str) -> Vec<u32> {
    MARKER
        .captures_iter(text)
        .flat_map(|caps| {
            caps[1]
                .split([',', ';'])
                .filter_map(|part| part.trim().trim_start_matches('S').parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// Splits pieces into sentences at '.', '!' or '?' outside quotes, keeping a marker group that
/// follows the full stop with the sentence before it.
fn sentences(pieces: &[Piece]) -> Vec<Vec<Piece>> {
    let mut out: Vec<Vec<Piece>> = Vec::new();
    let mut current: Vec<Piece> = Vec::new();
    // The current sentence has seen its full stop; only markers may still join it.
    let mut closed = false;
    for piece in pieces {
        match piece {
            Piece::Markers(_) => current.push(piece.clone()),
            Piece::Quote { .. } => {
                if closed {
                    out.push(std::mem::take(&mut current));
                    closed = false;
                }
                current.push(piece.clone());
            }
            Piece::Text(text) => {
                let mut rest = text.as_str();
                while !rest.trim().is_empty() {
                    if closed {
                        out.push(std::mem::take(&mut current));
                        closed = false;
                    }
                    match sentence_end(rest) {
                        Some(end) => {
                            current.push(Piece::Text(rest[..end].to_string()));
                            closed = true;
                            rest = &rest[end..];
                        }
                        None => {
                            current.push(Piece::Text(rest.to_string()));
                            rest = "";
                        }
                    }
                }
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Byte offset just past the first sentence end in `text` (a terminator followed by white space
/// and a capital, digit, quote or bracket, or ending the text), or `None`.
fn sentence_end(text: &str) -> Option<usize> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let end = i + c.len_utf8();
        let Some(&(_, next)) = chars.get(k + 1) else {
            return Some(end);
        };
        if !next.is_whitespace() {
            continue;
        }
        let following = chars[k + 1..]
            .iter()
            .map(|(_, c)| *c)
            .find(|c| !c.is_whitespace());
        let starts_new = following
            .is_none_or(|f| f.is_uppercase() || f.is_ascii_digit() || "\"\u{201C}([*".contains(f));
        if c == '.' {
            let word: String = text[..i]
                .chars()
                .rev()
                .take_while(|c| c.is_alphanumeric() || *c == '.')
                .collect::<Vec<char>>()
                .into_iter()
                .rev()
                .collect::<String>()
                .to_lowercase();
            if is_abbreviation(&word) {
                continue;
            }
        }
        if starts_new {
            return Some(end);
        }
    }
    None
}

fn sentence_text(sentence: &[Piece]) -> String {
    sentence
        .iter()
        .map(|p| match p {
            Piece::Text(t) => t.clone(),
            Piece::Quote { text, .. } => format!("\"{text}\""),
            Piece::Markers(_) => String::new(),
        })
        .collect()
}

/// The words of a sentence outside its quotes and markers: what it says in its own words.
fn own_words(sentence: &[Piece]) -> String {
    sentence
        .iter()
        .filter_map(|p| match p {
            Piece::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a marker-less sentence makes a claim: three or more words and not a lead-in ending
/// in ':'.
fn needs_marker(sentence: &str) -> bool {
    let trimmed = sentence.trim();
    let words = trimmed
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    words >= 3 && !trimmed.ends_with(':')
}

/// Whether an unmarked sentence is a lead-in that says what the sources do not give ("The
/// article gives no dosing frequency for 3x/wk; what it says:"): it may repeat the asker's
/// figures, which it denies rather than claims.
fn denying_lead_in(sentence: &str) -> bool {
    let text = normalize(sentence);
    text.trim_end().ends_with(':')
        && text
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| vocabulary().is_denial_word(w))
}

/// What is left of an answer that failed verification once the blocks (a list item or a
/// paragraph, with its soft-wrapped lines) that fail on their own are dropped: the model's
/// points that the sources bear out, without the sentences they do not. `None` when nothing
/// failed, when no block fails alone (the answer fails only as a whole), or when what is left
/// quotes nothing, so that a lead-in or a label never stands as the answer. `check` is the
/// answer's [`verify`]; the part comes with its own.
pub fn verified_part(
    answer: &str,
    check: &Verification,
    passages: &[Passage],
) -> Option<(String, Verification)> {
    if check.verified() {
        return None;
    }
    let mut kept: Vec<String> = Vec::new();
    let mut dropped = 0;
    for block in raw_blocks(answer) {
        if verify(&block, passages).verified() {
            kept.push(block);
        } else {
            dropped += 1;
        }
    }
    if dropped == 0 {
        return None;
    }
    // Blank lines and headings only separate what was dropped.
    while kept.last().is_some_and(|b| is_separator(b)) {
        kept.pop();
    }
    while kept.first().is_some_and(|b| is_separator(b)) {
        kept.remove(0);
    }
    let part = kept.join("\n");
    let check = verify(&part, passages);
    let quotes = check.quotes.iter().filter(|q| q.verified).count();
    (check.verified() && quotes > 0).then_some((part, check))
}

fn is_separator(block: &str) -> bool {
    let line = block.trim();
    line.is_empty() || line.starts_with('#') || line.chars().all(|c| "-*_=|".contains(c))
}

/// The answer's raw lines grouped as `logical_lines` reads them, indentation kept.
fn raw_blocks(answer: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut joinable = false;
    for raw in answer.lines() {
        let line = raw.trim();
        let starts_block =
            line.is_empty() || line.starts_with('#') || strip_list_prefix(line).len() != line.len();
        match out.last_mut() {
            Some(last) if joinable && !starts_block => {
                last.push('\n');
                last.push_str(raw);
            }
            _ => out.push(raw.to_string()),
        }
        joinable = !line.is_empty() && !line.starts_with('#');
    }
    out
}

/// The answer's lines with soft-wrapped Markdown paragraph lines joined, so that a sentence or a
/// quote broken across lines is read whole.
fn logical_lines(answer: &str) -> Vec<String> {
    raw_blocks(answer)
        .iter()
        .map(|block| block.lines().map(str::trim).collect::<Vec<_>>().join(" "))
        .collect()
}

fn strip_list_prefix(line: &str) -> &str {
    let trimmed = line.trim_start_matches(['-', '*', '+', '•']).trim_start();
    if trimmed.len() != line.len() {
        return trimmed;
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && (line[digits..].starts_with(". ") || line[digits..].starts_with(") ")) {
        return line[digits + 2..].trim_start();
    }
    line
}

/// Trims what may surround a quotation without changing its words: white space, trailing
/// punctuation and ellipses: a quote as [`verify`] reads it.
pub fn clean_quote(quote: &str) -> String {
    quote
        .trim()
        .trim_matches(|c: char| c.is_whitespace() || ".,;:…".contains(c))
        .trim()
        .to_string()
}

/// The figures each passage states (in its text, title or section), read once per answer.
fn stated_figures(passages: &[Passage]) -> Vec<Vec<Figure>> {
    passages
        .iter()
        .map(|p| {
            figures(&format!(
                "{}\n{}\n{}\n{}",
                p.title, p.section, p.lead, p.text
            ))
        })
        .collect()
}

/// The figures of `sentence` that no passage its `markers` name states (in its text, title or
/// section), each as an [`Issue::Number`].
fn unstated_figures(
    sentence: &str,
    markers: &[u32],
    passages: &[Passage],
    stated: &std::cell::OnceCell<Vec<Vec<Figure>>>,
) -> Vec<Issue> {
    let claimed = figures(sentence);
    if claimed.is_empty() {
        return Vec::new();
    }
    let stated = stated.get_or_init(|| stated_figures(passages));
    let states = |i: usize, figure: &Figure| stated[i].iter().any(|s| figure.stated_by(s));
    let mut issues = Vec::new();
    for figure in claimed {
        let cited = markers
            .iter()
            .filter_map(|n| (*n as usize).checked_sub(1))
            .filter(|i| *i < passages.len());
        if cited.clone().any(|i| states(i, &figure)) {
            continue;
        }
        let stated_in = (0..passages.len())
            .find(|i| states(*i, &figure))
            .map(|i| format!("S{}", i + 1));
        let sentence: String = sentence.split_whitespace().collect::<Vec<_>>().join(" ");
        issues.push(Issue::Number {
            figure: figure.shown,
            sentence,
            markers: markers.iter().map(|n| format!("S{n}")).collect(),
            stated_in,
        });
    }
    issues
}

fn bracketed(markers: &[String]) -> String {
    markers
        .iter()
        .map(|m| format!("[{m}]"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Text as compared: normalised, Markdown emphasis, bullets and double quotes removed.
pub fn comparable(text: &str) -> String {
    let without_bullets: String = text
        .lines()
        .map(|l| strip_list_prefix(l.trim()))
        .collect::<Vec<_>>()
        .join(" ");
    normalize(&without_bullets)
        .chars()
        .filter(|c| !matches!(c, '*' | '"'))
        .collect::<String>()
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where `quote` stands in `text` as [`comparable`] compares them (case, white space, curly
/// quotes, dashes, bullets and emphasis aside): `[start, end)` in characters of `text`, from the
/// first to the last compared character of the quote.
pub fn quote_span(text: &str, quote: &str) -> Option<std::ops::Range<usize>> {
    let needle: Vec<char> = comparable(quote).chars().collect();
    if needle.is_empty() {
        return None;
    }
    let (hay, at) = comparable_indexed(text);
    let found = hay
        .windows(needle.len())
        .position(|w| w == needle.as_slice())?;
    Some(at[found]..at[found + needle.len() - 1] + 1)
}

/// [`comparable`] as characters, each with the index (in characters) of the character of `text`
/// it came from.
fn comparable_indexed(text: &str) -> (Vec<char>, Vec<usize>) {
    let mut chars = Vec::new();
    let mut at = Vec::new();
    let mut pending_space = false;
    let mut line_start = 0;
    for raw in text.split('\n') {
        let offset = line_start;
        line_start += raw.chars().count() + 1;
        let trimmed_front = raw.trim_start();
        let line = strip_list_prefix(trimmed_front.trim_end());
        let skipped = raw.chars().count() - trimmed_front.chars().count()
            + (trimmed_front.trim_end().chars().count() - line.chars().count());
        pending_space = pending_space || !chars.is_empty();
        for (k, c) in line.chars().enumerate() {
            let mapped = normalize(c.encode_utf8(&mut [0; 4]));
            if mapped.is_empty() || mapped == " " {
                pending_space = !chars.is_empty();
                continue;
            }
            if mapped.chars().all(|m| m == '*' || m == '"') {
                continue;
            }
            if pending_space && !chars.is_empty() {
                chars.push(' ');
                at.push(offset + skipped + k);
            }
            pending_space = false;
            for m in mapped.chars().filter(|m| *m != '*' && *m != '"') {
                chars.push(m);
                at.push(offset + skipped + k);
            }
        }
    }
    (chars, at)
}

/// Where `quote` stands in `text` (case, white space and bullet markers aside), for display.
pub fn locate(text: &str, quote: &str) -> Option<std::ops::Range<usize>> {
    let words: Vec<String> = quote
        .split(|c: char| c.is_whitespace() || c == '*')
        .filter(|w| !w.is_empty())
        .map(regex::escape)
        .collect();
    if words.is_empty() {
        return None;
    }
    let pattern = format!(r"(?i){}", words.join(r"(?:\s+-)?\s+"));
    let found = Regex::new(&pattern).ok()?.find(text)?;
    Some(found.range())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passages(texts: &[&str]) -> Vec<Passage> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| Passage {
                marker: format!("S{}", i + 1),
                chunk_id: format!("doc#{}", i + 1),
                doc_id: "doc".into(),
                title: "Doc".into(),
                section: "Section".into(),
                text: (*t).into(),
                ..Default::default()
            })
            .collect()
    }

    fn sources() -> Vec<Passage> {
        passages(&[
            "Rituximab:\n- Effective in approximately 62% of patients with IMNM resistant to other therapies\n- Particularly beneficial in anti-SRP antibody-positive cases",
            "High-dose corticosteroids (prednisone 1 mg/kg/day or IV methylprednisolone 1–2 mg/kg for severe cases)",
        ])
    }

    #[test]
    fn the_verified_part_drops_what_the_sources_do_not_bear_out() {
        let sources = sources();
        let answer = "Rituximab helped 80% of them.\n\
            - Refractory IMNM: \"Effective in approximately 62% of patients with IMNM resistant to other therapies\" [S1]\n  \
            - Anti-SRP: \"Particularly beneficial in anti-SRP antibody-positive cases\" [S1]\n\
            - It works by depleting B cells and is given\n  every 6 months.";
        let part_of = |answer: &str| {
            verified_part(answer, &verify(answer, &sources), &sources).map(|(part, _)| part)
        };
        let part = part_of(answer).expect("two quoted points verify");
        assert_eq!(
            part,
            "- Refractory IMNM: \"Effective in approximately 62% of patients with IMNM resistant to other therapies\" [S1]\n  \
            - Anti-SRP: \"Particularly beneficial in anti-SRP antibody-positive cases\" [S1]"
        );
        assert!(verify(&part, &sources).verified());
        // Nothing to drop, or nothing quoted once the failures are gone: no part.
        let whole = "- \"Particularly beneficial in anti-SRP antibody-positive cases\" [S1]";
        assert_eq!(part_of(whole), None);
        let unquoted = "Options:\n- Rituximab works in 80% [S1]";
        assert_eq!(part_of(unquoted), None);
        let label_only = "Rituximab [S1]\nIt cures 90%.";
        assert_eq!(part_of(label_only), None);
    }

    #[test]
    fn a_quote_is_located_across_bullets_and_case() {
        let text = "Rituximab:\n- Effective in approximately 62% of patients";
        let range = locate(text, "rituximab: effective in").unwrap();
        assert_eq!(&text[range], "Rituximab:\n- Effective in");
        assert_eq!(locate(text, "not there"), None);
    }

    #[test]
    fn a_verified_quote_carries_its_passage_and_character_span() {
        let sources = passages(&[
            "Intro – “curly” text.\n- Effective in approximately 62% of patients",
            "µg doses: prednisone 1 mg/kg/day",
        ]);
        let v = verify(
            "It was \"effective in approximately 62%\" [S1]. Use \"PREDNISONE 1 mg/kg/day\" [S2].",
            &sources,
        );
        assert!(v.verified(), "{:?}", v.issues);
        let first = &v.quotes[0];
        assert_eq!(first.chunk_id.as_deref(), Some("doc#1"));
        let chars: Vec<char> = sources[0].text.chars().collect();
        let span: String = chars[first.start.unwrap()..first.end.unwrap()]
            .iter()
            .collect();
        assert_eq!(span, "Effective in approximately 62%");
        let second = &v.quotes[1];
        let chars: Vec<char> = sources[1].text.chars().collect();
        let span: String = chars[second.start.unwrap()..second.end.unwrap()]
            .iter()
            .collect();
        assert_eq!(
            span, "prednisone 1 mg/kg/day",
            "offsets count characters, not bytes"
        );
        let v = verify("Steroids: \"prednisone 1 mg/kg/day\" [S1].", &sources);
        assert_eq!(v.quotes[0].chunk_id, None, "no span for a failed quote");
        assert_eq!(
            quote_span("a – “b” c", "a - b c"),
            Some(0..9),
            "dashes and curly quotes compare as the verifier does"
        );
    }

    #[test]
    fn honest_answer_verifies() {
        let answer = "Rituximab helped \"approximately 62% of patients with IMNM resistant to other therapies\" [S1]. Steroids start at \"prednisone 1 mg/kg/day\" [S2].";
        let v = verify(answer, &sources());
        assert!(v.verified(), "{:?}", v.issues);
        assert_eq!(v.quotes.len(), 2);
        assert_eq!(v.quotes[1].marker, "S2");
        assert_eq!(v.markers, ["S1", "S2"]);
    }

    #[test]
    fn normalisation_ignores_case_space_curly_quotes_and_dashes() {
        let answer = "It uses “IV   METHYLPREDNISOLONE 1-2 mg/kg\nfor severe cases” [S2].";
        let v = verify(answer, &sources());
        assert!(v.verified(), "{:?}", v.issues);
        assert_eq!(
            v.quotes[0].quote,
            "IV   METHYLPREDNISOLONE 1-2 mg/kg for severe cases"
        );
    }

    #[test]
    fn partial_quote_of_a_passage_verifies() {
        let v = verify(
            "It is \"particularly beneficial\" in some cases [S1].",
            &sources(),
        );
        assert!(v.verified(), "{:?}", v.issues);
    }

    #[test]
    fn quote_across_a_bullet_boundary_counts_as_contiguous() {
        let v = verify(
            "The source lists \"Rituximab: Effective in approximately 62%\" [S1].",
            &sources(),
        );
        assert!(v.verified(), "{:?}", v.issues);
    }

    #[test]
    fn html_in_an_answer_is_an_error() {
        for answer in [
            "IVIG helps <script>alert('x')</script> [S1].",
            "IVIG helps [S1]. <img src=x onerror=alert('y')>",
            "IVIG <b>helps</b> [S1].",
            "IVIG helps [S1]. <!-- hidden -->",
        ] {
            let v = verify(answer, &sources());
            assert!(
                matches!(v.issues.first(), Some(Issue::Markup(_))),
                "{answer}: {:?}",
                v.issues
            );
        }
        let v = verify(
            "A dose of ≥1 mg, i.e. <2 mg or x<y, is used [S2].",
            &sources(),
        );
        assert!(v.verified(), "comparisons are not markup: {:?}", v.issues);
    }

    #[test]
    fn an_empty_quote_is_not_found() {
        let v = verify("The sources state \"\" [S1].", &sources());
        assert_eq!(v.quotes[0].problem, Some(QuoteProblem::NotFound));
    }

    #[test]
    fn stitched_words_are_not_found() {
        let v = verify(
            "It is \"effective in anti-SRP antibody-positive cases\" [S1].",
            &sources(),
        );
        assert_eq!(v.quotes[0].problem, Some(QuoteProblem::NotFound));
        assert!(!v.verified());
    }

    #[test]
    fn quote_from_another_passage_is_misattributed() {
        let v = verify("Steroids: \"prednisone 1 mg/kg/day\" [S1].", &sources());
        assert_eq!(v.quotes[0].problem, Some(QuoteProblem::Misattributed));
        assert_eq!(v.quotes[0].marker, "S1");
    }

    #[test]
    fn marker_beyond_the_passages_is_unknown() {
        let v = verify("Rituximab is \"particularly beneficial\" [S9].", &sources());
        assert_eq!(v.quotes[0].problem, Some(QuoteProblem::UnknownMarker));
        assert!(v.issues.contains(&Issue::UnknownMarker("S9".into())));
        let v = verify("Rituximab helps some patients [S3].", &sources());
        assert_eq!(v.issues, [Issue::UnknownMarker("S3".into())]);
    }

    #[test]
    fn sentence_without_marker_is_an_error() {
        let v = verify(
            "Rituximab helps [S1]. It is also cheap and widely available.",
            &sources(),
        );
        assert_eq!(
            v.issues,
            [Issue::UnmarkedSentence(
                "It is also cheap and widely available.".into()
            )]
        );
    }

    #[test]
    fn marker_after_the_full_stop_belongs_to_the_sentence_before() {
        let v = verify(
            "Rituximab helps refractory patients. [S1] Steroids come first. [S2]",
            &sources(),
        );
        assert!(v.verified(), "{:?}", v.issues);
    }

    #[test]
    fn nested_quotes_compare_their_words() {
        let v = verify(
            "The article says \"rituximab is “particularly beneficial” in anti-SRP antibody-positive cases\" [S1].",
            &sources(),
        );
        assert_eq!(v.quotes.len(), 1);
        assert_eq!(
            v.quotes[0].problem,
            Some(QuoteProblem::NotFound),
            "words differ"
        );
        let v = verify(
            "It is “Particularly “beneficial” in anti-SRP” [S1].",
            &sources(),
        );
        assert!(v.verified(), "{:?}", v.issues);
    }

    #[test]
    fn quote_spanning_a_marker_is_checked_against_that_marker() {
        let v = verify(
            "It was \"Effective in approximately 62% [S1] of patients with IMNM\".",
            &sources(),
        );
        assert!(v.verified(), "{:?}", v.issues);
        assert_eq!(v.quotes[0].marker, "S1");
    }

    #[test]
    fn several_markers_accept_a_quote_from_any_of_them() {
        let v = verify(
            "Both apply: \"prednisone 1 mg/kg/day\" [S1, S2].",
            &sources(),
        );
        assert!(v.verified(), "{:?}", v.issues);
        assert_eq!(v.quotes[0].marker, "S2");
    }

    #[test]
    fn abbreviations_and_decimals_do_not_split_sentences() {
        let v = verify(
            "Steroids, e.g. prednisone at 1.5 mg/kg vs. less, are used [S1].",
            &passages(&["Steroids such as prednisone at 1.5 mg/kg are used."]),
        );
        assert!(v.verified(), "{:?}", v.issues);
    }

    #[test]
    fn headings_and_lead_ins_need_no_marker() {
        let v = verify(
            "## Answer\n\nOptions include the following:\n- Rituximab [S1].\n- Steroids [S2].",
            &sources(),
        );
        assert!(v.verified(), "{:?}", v.issues);
    }

    #[test]
    fn a_number_in_no_cited_passage_fails_with_its_name() {
        let v = verify(
            "The methylprednisolone dose is 10 mg/kg/day [S2].",
            &sources(),
        );
        assert!(!v.verified());
        let [
            Issue::Number {
                figure, stated_in, ..
            },
        ] = v.issues.as_slice()
        else {
            panic!("{:?}", v.issues);
        };
        assert_eq!(figure, "10");
        assert_eq!(*stated_in, None);
        let shown = v.issues[0].to_string();
        assert!(
            shown.contains("\"10\"") && shown.contains("[S2]") && shown.contains("drop it"),
            "{shown}"
        );
    }

    #[test]
    fn a_number_from_another_passage_names_that_passage() {
        let v = verify("About 62% of patients respond [S2].", &sources());
        let [Issue::Number { stated_in, .. }] = v.issues.as_slice() else {
            panic!("{:?}", v.issues);
        };
        assert_eq!(stated_in.as_deref(), Some("S1"));
        assert!(v.issues[0].to_string().contains("cite [S1]"));
    }

    #[test]
    fn numbers_written_differently_but_stated_verify() {
        for answer in [
            "Severe cases get IV methylprednisolone 1 to 2 mg/kg [S2].",
            "Rituximab works in about 62 % of refractory patients [S1].",
            "Prednisone is 1 mg/kg/day, or 1-2 mg/kg IV when severe [S2].",
            "1. Rituximab helps about 62 percent [S1].\n2) Steroids come first [S2].",
        ] {
            let v = verify(answer, &sources());
            assert!(v.verified(), "{answer}: {:?}", v.issues);
        }
    }

    #[test]
    fn markers_list_numbers_and_names_are_not_numbers() {
        let v = verify(
            "1. Anti-CD20 rituximab helps [S1].\n2. Steroids come first [S2, S1].",
            &sources(),
        );
        assert!(
            !v.issues.iter().any(|i| matches!(i, Issue::Number { .. })),
            "{:?}",
            v.issues
        );
    }

    fn unsupported_of(answer: &str, sources: &[Passage]) -> Vec<String> {
        verify(answer, sources)
            .issues
            .into_iter()
            .flat_map(|i| match i {
                Issue::UnsupportedClaim { unsupported, .. } => unsupported,
                _ => Vec::new(),
            })
            .collect()
    }

    fn mtx_sources() -> Vec<Passage> {
        passages(&[
            "High-dose corticosteroids are the first-line treatment for immune-mediated necrotizing myopathy (IMNM).",
            "Methotrexate 15 mg once weekly is added as a steroid-sparing agent.",
        ])
    }

    #[test]
    fn a_frequency_or_negation_the_passage_does_not_state_is_an_unsupported_claim() {
        let sources = mtx_sources();
        let found = unsupported_of(
            "Methotrexate is taken every day, not once a week [S2].",
            &sources,
        );
        assert!(
            found.iter().any(|w| w.contains("every day")) && found.iter().any(|w| w == "\"not\""),
            "{found:?}"
        );
        let v = verify(
            "Methotrexate is taken every day, not once a week [S2].",
            &sources,
        );
        assert!(!v.verified());
        assert!(
            v.issues[0].to_string().starts_with("unsupported claim"),
            "{}",
            v.issues[0]
        );
        // The honest twin verifies.
        let v = verify("Methotrexate is taken once a week [S2].", &sources);
        assert!(v.verified(), "{:?}", v.issues);
    }

    #[test]
    fn a_drug_or_modal_word_from_elsewhere_is_an_unsupported_claim() {
        let found = unsupported_of(
            "Methotrexate is contraindicated in IMNM and must be stopped at once [S1].",
            &mtx_sources(),
        );
        for word in [
            "Methotrexate",
            "\"contraindicated\"",
            "\"must\"",
            "\"stopped\"",
        ] {
            assert!(found.iter().any(|w| w == word), "{word}: {found:?}");
        }
        assert!(!found.iter().any(|w| w == "IMNM"), "{found:?}");
        // A drug named nowhere in the passages is a claim too; the passage's own drug is not.
        assert_eq!(
            unsupported_of("Warfarin helps [S2].", &mtx_sources()),
            ["Warfarin"]
        );
        assert!(unsupported_of("Methotrexate helps [S2].", &mtx_sources()).is_empty());
    }

    #[test]
    fn labels_obey_the_claim_rule_and_denials_are_not_claims() {
        let sources = mtx_sources();
        let quote = "\"Methotrexate 15 mg once weekly is added as a steroid-sparing agent\"";
        for ok in [
            format!("- Steroid-sparing: {quote} [S2]"),
            format!("- Second choice: {quote} [S2]"),
            "The sources give no duration for this [S2].".to_string(),
            "Steroids come first in IMNM [S1].".to_string(),
            "Immune-mediated necrotizing myopathy is treated with steroids [S1].".to_string(),
        ] {
            let v = verify(&ok, &sources);
            assert!(v.verified(), "{ok}: {:?}", v.issues);
        }
        let v = verify(&format!("- Tacrolimus: {quote} [S2]"), &sources);
        assert!(
            matches!(v.issues.as_slice(), [Issue::UnsupportedClaim { unsupported, .. }] if unsupported == &["Tacrolimus"]),
            "{:?}",
            v.issues
        );
    }

    #[test]
    fn numbers_in_any_script_or_in_words_are_checked_as_their_ascii_form() {
        let sources = mtx_sources();
        for answer in [
            "Give methotrexate 50 mg weekly [S2].",
            "Give methotrexate ５０ mg weekly [S2].",
            "Give methotrexate ٥٠ mg weekly [S2].",
            "Give methotrexate ⁵⁰ mg weekly [S2].",
            "Give methotrexate fifty mg weekly [S2].",
            "Give methotrexate 5O mg weekly [S2].",
        ] {
            let v = verify(answer, &sources);
            assert!(
                v.issues
                    .iter()
                    .any(|i| matches!(i, Issue::Number { figure, .. } if figure == "50")),
                "{answer}: {:?}",
                v.issues
            );
        }
        let v = verify("Give methotrexate fifteen mg weekly [S2].", &sources);
        assert!(v.verified(), "{:?}", v.issues);
    }

    #[test]
    fn a_lead_in_denying_the_askers_figure_is_not_a_claim() {
        let v = verify(
            "The sources give no frequency for 3x/wk; what they say:\n- \"prednisone 1 mg/kg/day\" [S2]",
            &sources(),
        );
        assert!(v.verified(), "{:?}", v.issues);
        let v = verify(
            "Give 3 doses a week:\n- \"prednisone 1 mg/kg/day\" [S2]",
            &sources(),
        );
        assert!(!v.verified(), "a lead-in that claims a figure is checked");
    }

    #[test]
    fn a_number_in_an_unmarked_sentence_fails() {
        let v = verify("Rituximab helps [S1]. Give 3 doses.", &sources());
        assert!(
            v.issues
                .iter()
                .any(|i| matches!(i, Issue::Number { figure, .. } if figure == "3")),
            "{:?}",
            v.issues
        );
    }
}

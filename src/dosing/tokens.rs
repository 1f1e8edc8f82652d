//! Tokens and sentences of clinical text, and phrase matching over them: words, numbers
//! ("1,000", ".5") and symbols with their byte offsets, sentence ranges, small counts written as
//! words, and longest-first phrase vocabularies. Near the bottom of `dosing`: it imports only
//! `words` and knows no drug, unit or dose.

use std::collections::{BTreeMap, HashSet};

use super::words::words;

/// Kind of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokKind {
    Word,
    Number,
    Symbol,
}

/// White space before a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Gap {
    None,
    Space,
    Newline,
    Paragraph,
}

/// A word (letters), a number ("1,000", "0.5", ".5") or one other character.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub kind: TokKind,
    /// Byte offsets in the text (always on char boundaries).
    pub start: usize,
    pub end: usize,
    pub raw: String,
    /// `raw` in ASCII lower case (same length, so offsets hold).
    pub lower: String,
    pub gap: Gap,
}

/// Splits text into tokens. Total: every char is either white space or in exactly one token.
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let offset = |j: usize| chars.get(j).map_or(text.len(), |(p, _)| *p);
    let is_digit = |j: usize| chars.get(j).is_some_and(|(_, c)| c.is_ascii_digit());
    let mut toks = Vec::new();
    let mut gap = Gap::Paragraph;
    let mut newlines = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if c.is_whitespace() {
            if c == '\n' {
                newlines += 1;
            }
            gap = gap.max(match newlines {
                0 => Gap::Space,
                1 => Gap::Newline,
                _ => Gap::Paragraph,
            });
            i += 1;
            continue;
        }
        let start = i;
        let kind;
        if c.is_ascii_digit() || (c == '.' && is_digit(i + 1) && !(i > 0 && is_digit(i - 1))) {
            kind = TokKind::Number;
            if c == '.' {
                i += 1;
            }
            while is_digit(i) {
                i += 1;
            }
            if c != '.' {
                // Thousands groups: ",ddd" not followed by another digit.
                while chars.get(i).is_some_and(|(_, c)| *c == ',')
                    && is_digit(i + 1)
                    && is_digit(i + 2)
                    && is_digit(i + 3)
                    && !is_digit(i + 4)
                {
                    i += 4;
                }
                if chars.get(i).is_some_and(|(_, c)| *c == '.') && is_digit(i + 1) {
                    i += 1;
                    while is_digit(i) {
                        i += 1;
                    }
                }
            }
        } else if c.is_alphabetic() {
            kind = TokKind::Word;
            while chars.get(i).is_some_and(|(_, c)| c.is_alphabetic()) {
                i += 1;
            }
        } else {
            kind = TokKind::Symbol;
            i += 1;
        }
        let (s, e) = (offset(start), offset(i));
        let raw = text.get(s..e).unwrap_or_default().to_string();
        toks.push(Token {
            kind,
            start: s,
            end: e,
            lower: raw.to_ascii_lowercase(),
            raw,
            gap: if toks.is_empty() { Gap::Paragraph } else { gap },
        });
        gap = Gap::None;
        newlines = 0;
    }
    toks
}

/// The value of a number token ("1,000" → 1000, ".5" → 0.5).
pub fn number_value(raw: &str) -> Option<f64> {
    let cleaned: String = raw.chars().filter(|c| *c != ',').collect();
    let cleaned = if cleaned.starts_with('.') {
        format!("0{cleaned}")
    } else {
        cleaned
    };
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

// ---------------------------------------------------------------------------------------------
// Phrase matching over tokens

/// A vocabulary of phrases, each tokenised like the text, indexed by first token and matched
/// longest first.
pub(crate) struct Vocab<T: Clone> {
    by_first: BTreeMap<String, Vec<(Vec<String>, T)>>,
}

impl<T: Clone> Vocab<T> {
    pub(crate) fn new(list: &[(&str, T)]) -> Vocab<T> {
        let mut by_first: BTreeMap<String, Vec<(Vec<String>, T)>> = BTreeMap::new();
        for (s, v) in list {
            let toks: Vec<String> = tokenize(s).into_iter().map(|t| t.lower).collect();
            if let Some(first) = toks.first() {
                by_first
                    .entry(first.clone())
                    .or_default()
                    .push((toks, v.clone()));
            }
        }
        for entries in by_first.values_mut() {
            entries.sort_by_key(|x| std::cmp::Reverse(x.0.len()));
        }
        Vocab { by_first }
    }

    /// The phrases of a `words.toml` table, each key read by `value`: a key it does not read is
    /// a defect of the compiled file (`what` names its table), caught by the unit tests.
    pub(crate) fn from_table(
        table: &BTreeMap<String, Vec<String>>,
        what: &str,
        value: impl Fn(&str) -> Option<T>,
    ) -> Vocab<T> {
        let mut list: Vec<(&str, T)> = Vec::new();
        for (key, phrases) in table {
            let v = value(key).unwrap_or_else(|| {
                panic!("src/dosing/words.toml: [{what}] names {key:?}, which is none")
            });
            list.extend(phrases.iter().map(|p| (p.as_str(), v.clone())));
        }
        Vocab::new(&list)
    }

    /// The longest phrase that starts at `i` and ends at or before `limit`.
    pub(crate) fn longest(&self, toks: &[Token], i: usize, limit: usize) -> Option<(T, usize)> {
        let entries = self.by_first.get(&toks.get(i)?.lower)?;
        let mut best: Option<(T, usize)> = None;
        for (phrase, value) in entries {
            if let Some(end) = phrase_at(toks, i, limit, phrase)
                && best.as_ref().is_none_or(|(_, e)| end > *e)
            {
                best = Some((value.clone(), end));
            }
        }
        best
    }
}

/// Where `phrase` ends if it starts at token `i` (case-insensitive). A hyphen in the text between
/// two words of the phrase is skipped, so "once weekly" also matches "once-weekly".
pub(crate) fn phrase_at(
    toks: &[Token],
    i: usize,
    limit: usize,
    phrase: &[String],
) -> Option<usize> {
    if phrase.is_empty() {
        return None;
    }
    let limit = limit.min(toks.len());
    let mut j = i;
    for (k, p) in phrase.iter().enumerate() {
        if k > 0 && p != "-" && j < limit && toks[j].lower == "-" {
            j += 1;
        }
        if j >= limit || toks[j].lower != *p {
            return None;
        }
        j += 1;
    }
    Some(j)
}

/// Whether token `i`, before `limit`, is one of `words` (a list of `words.toml`).
pub(crate) fn word_is(toks: &[Token], i: usize, limit: usize, words: &HashSet<String>) -> bool {
    i < limit.min(toks.len()) && words.contains(&toks[i].lower)
}

/// A small count written as a numeral or a word ("2", "two"). Only whole numbers 1–31.
pub(crate) fn small_count(toks: &[Token], i: usize, limit: usize) -> Option<u32> {
    let t = toks.get(i).filter(|_| i < limit)?;
    let n = match t.kind {
        TokKind::Number => {
            let v = number_value(&t.raw)?;
            if v.fract() != 0.0 || !(1.0..=31.0).contains(&v) {
                return None;
            }
            v as u32
        }
        TokKind::Word => *words().counts.get(&t.lower)?,
        TokKind::Symbol => return None,
    };
    Some(n)
}

/// A positive number written as a numeral or a small number word.
pub(crate) fn number_or_word(toks: &[Token], i: usize, limit: usize) -> Option<f64> {
    let t = toks.get(i).filter(|_| i < limit)?;
    if t.kind == TokKind::Number {
        return number_value(&t.raw);
    }
    small_count(toks, i, limit).map(f64::from)
}

/// Token ranges of sentences: ended by ".", "!" or "?" before a capital, by a blank line, by a
/// new list item or heading, or by a table cell bar.
pub(crate) fn sentences(toks: &[Token]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..toks.len() {
        if i > start && starts_block(toks, i) {
            out.push((start, i));
            start = i;
        }
        if toks[i].lower == "|" {
            if i > start {
                out.push((start, i));
            }
            start = i + 1;
            continue;
        }
        if ends_sentence(toks, i) {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < toks.len() {
        out.push((start, toks.len()));
    }
    out
}

fn starts_block(toks: &[Token], i: usize) -> bool {
    let t = &toks[i];
    match t.gap {
        Gap::Paragraph => true,
        Gap::Newline => {
            matches!(
                t.lower.as_str(),
                "-" | "*" | "•" | "+" | "#" | ">" | "–" | "|"
            ) || (t.kind == TokKind::Number
                && toks
                    .get(i + 1)
                    .is_some_and(|n| n.gap == Gap::None && (n.lower == "." || n.lower == ")")))
        }
        _ => false,
    }
}

fn ends_sentence(toks: &[Token], i: usize) -> bool {
    if !matches!(toks[i].lower.as_str(), "." | "!" | "?" | "。") {
        return false;
    }
    if toks[i].lower == "." && i > 0 {
        let prev = &toks[i - 1];
        if prev.kind == TokKind::Word
            && prev.gap != Gap::Space
            && i >= 2
            && toks[i - 2].lower == "."
        {
            return false; // inside "b.i.d." or "e.g."
        }
        if prev.kind == TokKind::Word
            && (prev.raw.chars().count() == 1 || words().abbreviations.contains(&prev.lower))
        {
            return false;
        }
    }
    match toks.get(i + 1) {
        None => true,
        Some(next) => {
            next.gap != Gap::None
                && (next.raw.chars().next().is_some_and(char::is_uppercase)
                    || next.kind != TokKind::Word)
        }
    }
}

/// A dash or "to" between the two ends of a range.
pub(crate) fn is_range_dash(t: &Token) -> bool {
    matches!(t.lower.as_str(), "-" | "–" | "—" | "‒" | "−" | "to")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_cover_numbers_words_and_symbols() {
        let toks = tokenize("MTX 1,000.5mg/kg .5 µg ≥20");
        let raws: Vec<&str> = toks.iter().map(|t| t.raw.as_str()).collect();
        assert_eq!(
            raws,
            ["MTX", "1,000.5", "mg", "/", "kg", ".5", "µg", "≥", "20"]
        );
        assert_eq!(toks[1].kind, TokKind::Number);
        assert_eq!(toks[5].kind, TokKind::Number);
    }

    #[test]
    fn token_offsets_are_char_boundaries_in_unicode_text() {
        let text = "İstanbul µg ≥ 1.0 mg — 😀 dose";
        for t in tokenize(text) {
            assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
            assert_eq!(&text[t.start..t.end], t.raw);
        }
    }

    #[test]
    fn sentences_do_not_split_inside_bid_or_decimals() {
        let toks = tokenize("Give MMF 1 g b.i.d. for 6 months. Then 1.5 g twice daily.\n\n- Next");
        let s = sentences(&toks);
        assert_eq!(s.len(), 3, "{s:?}");
    }
}

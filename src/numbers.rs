//! The figures a text states (percentages, doses, counts, durations, ranges) and whether one text
//! states a figure another one does, after normalising how figures are written: "1-2", "1–2" and
//! "1 to 2"; "55 %", "55%" and "55 percent"; "1,000" and "1000"; "four weeks" and "4 weeks".
//! [`reading`] is the one reading of numbers every check shares (this module's figures, the
//! dosing extractor): Unicode digits of any script or width, number words and fractions, and
//! look-alike letters inside numbers become ASCII figures. Pure functions; units and drugs are
//! the dosing checker's business, not this module's.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use dec_from_char::DecimalExtended;
use regex::Regex;
use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use crate::text::normalize;

/// One figure as written: a value or a range, maybe a percentage.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// The figure as it stands in the (normalised) text, e.g. "1-2" or "55%".
    pub shown: String,
    pub low: f64,
    pub high: f64,
    pub percent: bool,
}

impl Figure {
    fn is_range(&self) -> bool {
        self.low != self.high
    }

    /// Whether `other` (a figure of a source) states this figure: the same range, or for a
    /// single value, the value alone or as an end of a range; a percentage only by a percentage.
    pub fn stated_by(&self, other: &Figure) -> bool {
        if self.percent && !other.percent {
            return false;
        }
        if self.is_range() {
            same(self.low, other.low) && same(self.high, other.high)
        } else {
            same(self.low, other.low) || same(self.low, other.high)
        }
    }
}

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

const NUMBER: &str = r"\d+(?:,\d{3})*(?:\.\d+)?";

static FIGURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"({NUMBER})(\s?%)?(?:\s?(?:-|to)\s?({NUMBER}))?(\s?(?:%|percent\b|per cent\b))?"
    ))
    .expect("figure regex is valid")
});

/// Every figure `text` states. Digits inside a name (`CD20`, `S1`, `COVID-19`, `IgG4`) and
/// ordinals (`2nd`) are not figures.
pub fn figures(text: &str) -> Vec<Figure> {
    let text = normalize(&reading(text));
    let mut out = Vec::new();
    for caps in FIGURE.captures_iter(&text) {
        let whole = caps.get(0).expect("group 0 always matches");
        let before: Vec<char> = text[..whole.start()].chars().rev().take(2).collect();
        let in_name = match before.as_slice() {
            [c, ..] if c.is_alphabetic() || *c == '.' || *c == '_' => true,
            ['-', c, ..] if c.is_alphabetic() => true,
            _ => false,
        };
        let after = &text[whole.end()..];
        let ordinal = WORDS.ordinal_suffixes.iter().any(|s| {
            after.starts_with(s.as_str())
                && !after[s.len()..].starts_with(|c: char| c.is_alphabetic())
        });
        if in_name || ordinal {
            continue;
        }
        let value = |m: regex::Match<'_>| m.as_str().replace(',', "").parse::<f64>().ok();
        let Some(low) = caps.get(1).and_then(value) else {
            continue;
        };
        let high = caps.get(3).and_then(value).unwrap_or(low);
        out.push(Figure {
            shown: whole.as_str().trim().to_string(),
            low,
            high,
            percent: caps.get(2).is_some() || caps.get(4).is_some(),
        });
    }
    out
}

/// The number words of `data/numbers.toml`.
#[derive(Debug, Deserialize)]
struct NumberWords {
    /// "a", "an": one before a scale or a fraction ("a hundred"), part of "half a gram".
    articles: Vec<String>,
    /// "and" between a whole number and its fraction ("one and a half").
    fraction_and: Vec<String>,
    /// Letters after a figure that make it an ordinal ("2nd").
    ordinal_suffixes: Vec<String>,
    units: HashMap<String, f64>,
    tens: HashMap<String, f64>,
    scales: HashMap<String, f64>,
    fractions: HashMap<String, f64>,
    quantities: Quantities,
}

#[derive(Debug, Deserialize)]
struct Quantities {
    words: Vec<String>,
    phrases: Vec<String>,
}

static WORDS: LazyLock<NumberWords> = LazyLock::new(|| {
    toml::from_str(include_str!("../data/numbers.toml")).expect("data/numbers.toml is valid")
});

/// `text` with its numbers read one way, for every check that reads figures: characters whose
/// Unicode compatibility form (NFKC) holds a digit or a fraction ("５０", "⁵⁰", "½") and decimal
/// digits of any script ("٥٠") become ASCII digits; a number written in words before a quantity
/// ("fifty mg", "twenty g/kg", "half a gram", "one and a half hours") becomes its figure; and
/// look-alike letters inside a number ("2O", "l0") become the digits they imitate. Everything
/// else is left as written, so that a dose in any of these forms is judged as its ASCII form.
pub fn reading(text: &str) -> Cow<'_, str> {
    let read = Reading::of(text);
    if read.text == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(read.text)
    }
}

/// A text as [`reading`] reads it, with where each of its bytes came from in the original.
#[derive(Debug, Clone)]
pub struct Reading {
    pub text: String,
    /// For each byte offset of `text` (and its end), the byte offset of the original it stands
    /// for; a replaced span's bytes all stand for the start of what they replace.
    origin: Vec<usize>,
}

impl Reading {
    pub fn of(text: &str) -> Reading {
        let mut read = Reading {
            text: text.to_string(),
            origin: (0..=text.len()).collect(),
        };
        for pass in [unicode_digits, number_words, look_alikes] {
            let edits = pass(&read.text);
            if !edits.is_empty() {
                read = read.edited(&edits);
            }
        }
        read
    }

    /// The original's byte range that `range` of the reading stands for.
    pub fn original(&self, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
        let at = |i: usize| self.origin[i.min(self.origin.len() - 1)];
        let start = at(range.start);
        // The end of a replaced span is the end of what it replaces: the origin of the first
        // byte after it.
        let end = at(range.end);
        start..end.max(start)
    }

    /// This reading with `edits` (sorted, disjoint byte ranges of `self.text`, each with its
    /// replacement) applied.
    fn edited(&self, edits: &[(std::ops::Range<usize>, String)]) -> Reading {
        let mut text = String::with_capacity(self.text.len());
        let mut origin = Vec::with_capacity(self.text.len() + 1);
        let mut copied = 0;
        for (range, replacement) in edits {
            text.push_str(&self.text[copied..range.start]);
            origin.extend_from_slice(&self.origin[copied..range.start]);
            text.push_str(replacement);
            origin.extend(std::iter::repeat_n(
                self.origin[range.start],
                replacement.len(),
            ));
            copied = range.end;
        }
        text.push_str(&self.text[copied..]);
        origin.extend_from_slice(&self.origin[copied..]);
        Reading { text, origin }
    }
}

type Edits = Vec<(std::ops::Range<usize>, String)>;

/// Non-ASCII digits and fractions as ASCII: NFKC for full-width, superscript, subscript and
/// circled digits and vulgar fractions (whose "1⁄2" becomes a decimal, added to a whole number
/// just before it), and the Unicode decimal digit value for the digits of other scripts.
fn unicode_digits(text: &str) -> Edits {
    let mut edits: Edits = Vec::new();
    if text.is_ascii() {
        return edits;
    }
    for (at, c) in text.char_indices() {
        if c.is_ascii() {
            continue;
        }
        let range = at..at + c.len_utf8();
        if let Some(d) = c.to_decimal_utf8() {
            edits.push((range, char::from(b'0' + d).to_string()));
            continue;
        }
        let compatible: String = std::iter::once(c).nfkc().collect();
        if let Some((num, den)) = compatible.split_once('\u{2044}')
            && let (Ok(num), Ok(den)) = (num.parse::<f64>(), den.parse::<f64>())
            && den > 0.0
        {
            let fraction = num / den;
            // A whole number right before it ("1½"), unless already replaced.
            let whole_len = text[..at]
                .bytes()
                .rev()
                .take_while(u8::is_ascii_digit)
                .count();
            let touched = edits.last().is_some_and(|(r, _)| r.end > at - whole_len);
            match text[at - whole_len..at].parse::<f64>() {
                Ok(whole) if whole_len > 0 && !touched => {
                    edits.push((at - whole_len..range.end, shown(whole + fraction)));
                }
                _ => edits.push((range, shown(fraction))),
            }
        } else if compatible.chars().any(|c| c.is_ascii_digit()) {
            edits.push((range, compatible));
        }
    }
    edits
}

/// A value as a figure: "20", "0.5", "1.25".
fn shown(value: f64) -> String {
    let rounded = (value * 1000.0).round() / 1000.0;
    format!("{rounded}")
}

/// A word of `text`: its byte range and its lower-case form.
struct Word {
    start: usize,
    end: usize,
    lower: String,
}

fn word_list(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let inside = c.is_alphanumeric() || c == '%' || c == 'µ';
        match (start, inside) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                out.push(Word {
                    start: s,
                    end: i,
                    lower: text[s..i].to_lowercase(),
                });
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// Number words before a quantity written as figures (see [`reading`]).
fn number_words(text: &str) -> Edits {
    let words = word_list(text);
    let mut edits = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let Some((value, used)) = worded_number(&words[i..], text) else {
            i += 1;
            continue;
        };
        let last = &words[i + used - 1];
        if quantity_follows(&words[i + used..], text, last.end) {
            edits.push((words[i].start..last.end, shown(value)));
        }
        i += used;
    }
    edits
}

/// The number that the words at the start of `words` write, and how many words it takes: whole
/// numbers ("twenty-five", "two hundred", "a thousand"), fractions ("half", "a half", "one and a
/// half", "half a" before its unit).
fn worded_number(words: &[Word], text: &str) -> Option<(f64, usize)> {
    let w = &*WORDS;
    let joined = |a: &Word, b: &Word| {
        let between = &text[a.end..b.start];
        !between.is_empty() && between.chars().all(|c| c == ' ' || c == '-')
    };
    let lower = |k: usize| words.get(k).map(|w| w.lower.as_str());
    let article = |k: usize| lower(k).is_some_and(|a| w.articles.iter().any(|x| x == a));
    let mut k = 0;
    let mut total = 0.0;
    let mut current = 0.0;
    let mut any = false;
    // "a hundred", "a half", "an hour" (no number): an article counts only before a scale or a
    // fraction.
    if article(0)
        && words.len() > 1
        && joined(&words[0], &words[1])
        && lower(1).is_some_and(|n| w.scales.contains_key(n) || w.fractions.contains_key(n))
    {
        current = 1.0;
        k = 1;
    }
    while let Some(word) = lower(k) {
        if k > 0 && !joined(&words[k - 1], &words[k]) {
            break;
        }
        if let Some(v) = w.units.get(word) {
            current += v;
        } else if let Some(v) = w.tens.get(word) {
            current += v;
        } else if let Some(v) = w.scales.get(word) {
            let base = if current == 0.0 { 1.0 } else { current };
            if *v >= 1000.0 {
                total += base * v;
                current = 0.0;
            } else {
                current = base * v;
            }
        } else if let Some(f) = w.fractions.get(word) {
            // "half" alone or "a half" is the fraction; "one half" too; "two halves" is not read.
            let whole = total + current;
            let value = if whole <= 1.0 { *f } else { whole * f };
            let mut used = k + 1;
            // "half a gram": the article belongs to the fraction.
            if article(used) && joined(&words[used - 1], &words[used]) {
                used += 1;
            }
            return Some((value, used));
        } else if w.fraction_and.iter().any(|x| x == word) && any {
            // "one and a half", "two and a quarter"
            if article(k + 1)
                && let Some(f) = lower(k + 2).and_then(|n| w.fractions.get(n))
                && joined(&words[k], &words[k + 1])
                && joined(&words[k + 1], &words[k + 2])
            {
                return Some((total + current + f, k + 3));
            }
            break;
        } else {
            break;
        }
        any = true;
        k += 1;
    }
    (any && k > 0).then_some((total + current, k))
}

/// Whether a quantity word or phrase (`[quantities]` of the data) follows a number ending at
/// byte `end`: the next word, right after white space (or glued, "50mg" is not a worded number).
fn quantity_follows(rest: &[Word], text: &str, end: usize) -> bool {
    let Some(next) = rest.first() else {
        return false;
    };
    let between = &text[end..next.start];
    if !between.chars().all(|c| c == ' ' || c == '-') {
        return false;
    }
    let w = &*WORDS;
    if w.quantities.words.contains(&next.lower) {
        return true;
    }
    let tail = text[next.start..].to_lowercase();
    w.quantities.phrases.iter().any(|p| {
        tail.starts_with(p.as_str()) && !tail[p.len()..].starts_with(char::is_alphanumeric)
    })
}

/// Letters that imitate digits ('O' or 'o' for 0, 'l' or 'I' for 1) inside a run of digits and
/// such letters that holds at least one digit ("2O", "l0", "1O0"): the digits they imitate.
/// Runs with any other letter ("IgG4", "CO2", "T1") are names and stay as written.
fn look_alikes(text: &str) -> Edits {
    static RUN: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[0-9OolI]+").expect("look-alike regex is valid"));
    let mut edits = Vec::new();
    for m in RUN.find_iter(text) {
        let run = m.as_str();
        let bounded = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        let before = text[..m.start()].chars().next_back();
        let after = text[m.end()..].chars().next();
        if !run.chars().any(|c| c.is_ascii_digit())
            || run.chars().all(|c| c.is_ascii_digit())
            || !bounded(before)
            || !bounded(after)
        {
            continue;
        }
        let digits = run
            .chars()
            .map(|c| match c {
                'O' | 'o' => '0',
                'l' | 'I' => '1',
                d => d,
            })
            .collect();
        edits.push((m.range(), digits));
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str) -> Vec<String> {
        figures(text).into_iter().map(|f| f.shown).collect()
    }

    fn states(source: &str, claim: &str) -> bool {
        let source = figures(source);
        figures(claim)
            .iter()
            .all(|f| source.iter().any(|s| f.stated_by(s)))
    }

    #[test]
    fn figures_are_found_with_ranges_and_percentages() {
        assert_eq!(
            shown("Prednisone 1 mg/kg/day, IV 1–2 mg/kg; 55 % relapse; ≥20 mg for ≥4 weeks"),
            ["1", "1-2", "55 %", "20", "4"]
        );
        assert_eq!(shown("1,000 mg twice, 0.5 g"), ["1,000", "0.5"]);
        assert_eq!(figures("10 to 20 percent")[0].high, 20.0);
        assert!(figures("10 to 20 percent")[0].percent);
    }

    #[test]
    fn names_and_ordinals_are_not_figures() {
        assert!(shown("CD20, COVID-19, IgG4, [S1.2], HMGCR, 2nd-line").is_empty());
    }

    #[test]
    fn spellings_of_one_figure_match() {
        assert!(states("IV methylprednisolone 1–2 mg/kg", "1 to 2 mg/kg"));
        assert!(states("relapse in 55% of patients", "55 percent"));
        assert!(states("for at least 4 weeks", "four weeks"));
        assert!(states("2+ agents", "two or more agents"));
        assert!(states("1000 mg", "1,000 mg"));
        assert!(states("1.5 mg/kg", "1.50 mg/kg"));
        assert!(states("1–2 mg/kg", "2 mg/kg"), "an end of a range");
    }

    #[test]
    fn different_figures_do_not_match() {
        assert!(!states("1–2 mg/kg", "1-3 mg/kg"));
        assert!(!states("15 mg weekly", "10 mg"));
        assert!(
            !states("55 patients", "55%"),
            "a percentage needs a percentage"
        );
        assert!(!states("1 mg/kg/day", "10 mg/kg/day"));
    }

    #[test]
    fn digits_of_any_width_or_script_read_as_ascii() {
        assert_eq!(reading("methotrexate ５０ mg"), "methotrexate 50 mg");
        assert_eq!(reading("methotrexate ٥٠ mg"), "methotrexate 50 mg");
        assert_eq!(reading("methotrexate ⁵⁰ mg"), "methotrexate 50 mg");
        assert_eq!(reading("IVIG २० g/kg"), "IVIG 20 g/kg");
        assert_eq!(reading("IVIG 𝟐𝟎 g/kg"), "IVIG 20 g/kg");
        assert_eq!(reading("prednisone 1½ mg/kg"), "prednisone 1.5 mg/kg");
        assert_eq!(reading("½ tablet"), "0.5 tablet");
        assert_eq!(
            reading("µg, CD20, İ, é"),
            "µg, CD20, İ, é",
            "letters stay as written"
        );
        assert_eq!(reading("375 mg/m²"), "375 mg/m2");
    }

    #[test]
    fn number_words_before_a_quantity_read_as_figures() {
        assert_eq!(reading("fifty mg daily"), "50 mg daily");
        assert_eq!(reading("IVIG twenty g/kg"), "IVIG 20 g/kg");
        assert_eq!(reading("twenty-five mg"), "25 mg");
        assert_eq!(reading("Two hundred mg"), "200 mg");
        assert_eq!(reading("half a gram every day"), "0.5 gram every day");
        assert_eq!(reading("one and a half hours"), "1.5 hours");
        assert_eq!(reading("a thousand mg"), "1000 mg");
        assert_eq!(reading("two or more agents"), "2 or more agents");
        // Not before a quantity: no figure.
        for text in [
            "one of the options",
            "twice a day",
            "the second dose",
            "a week",
            "half of them",
        ] {
            assert_eq!(reading(text), text);
        }
    }

    #[test]
    fn look_alike_letters_inside_numbers_read_as_digits() {
        assert_eq!(reading("IVIG 2O g/kg"), "IVIG 20 g/kg");
        assert_eq!(reading("l0 mg"), "10 mg");
        assert_eq!(reading("1O0 mg"), "100 mg");
        for text in ["IgG4", "CO2", "T1", "Il-6", "I", "Oral", "10 mg"] {
            assert_eq!(reading(text), text);
        }
    }

    #[test]
    fn figures_read_every_form() {
        assert!(states("give 50 mg", "give ５０ mg"));
        assert!(states("give 20 g/kg", "give twenty g/kg"));
        assert!(!states("give 5 mg", "give fifty mg"));
    }
}

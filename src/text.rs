//! Text normalisation shared by everything that compares passages with other text (gold
//! phrases, quotes): case, white space, curly vs straight quotes, dashes; sentence splitting and
//! markup detection. Pure functions only.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

/// Lower-cases, maps curly quotes to straight ones and every dash to '-', and collapses white
/// space, so that two spellings of the same words compare equal.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' | '´' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '«' | '»' => '"',
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
            | '\u{2212}' => '-',
            '\u{00A0}' | '\u{202F}' | '\u{2009}' => ' ',
            other => other,
        };
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The letters and digits of `text`, lower-cased, one space between words: "Community-Acquired
/// Pneumonia" and "community acquired pneumonia" are one phrase.
pub fn plain_words(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The rows of one of medcite's compiled tables (`data/*.tsv`): each line but `#` comments,
/// split at its first tab into its key and the rest.
pub fn table_rows(table: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    table
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('\t'))
}

/// An HTML tag or comment: `<script`, `</b>`, `<img …`, `<!--`.
static HTML_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<(?:/?[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$)|!--)").expect("tag regex is valid")
});

/// The first HTML tag or comment in `text` (`<script`, `</b>`, `<img …`, `<!--`), which an
/// answer must not contain; comparisons such as `<25 mg` are not markup.
pub fn markup(text: &str) -> Option<regex::Match<'_>> {
    HTML_TAG.find(text)
}

/// Whether `text` holds HTML markup.
pub fn has_markup(text: &str) -> bool {
    HTML_TAG.is_match(text)
}

/// A Markdown image, inline link, reference-link definition, autolink or bare URL.
static LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?x)
        !\[(?P<alt>[^\]\n]*)\]\([^)\n]*\)             # image
        | \[(?P<text>[^\]\n]*)\]\((?P<target>[^)\n]*)\)  # inline link
        | (?m:^[\ \t]*\[[^\]\n]+\]:[\ \t]*\S+[^\n]*$)     # reference definition
        | <(?P<auto>(?:https?|ftp|mailto|javascript|data):[^>\s]*)>  # autolink
        | (?P<bare>\b(?:(?:https?|ftp|javascript|data):|www\.)[^\s<>"]*[^\s<>".,;:!?)\]])
        "#,
    )
    .expect("link regex is valid")
});

/// `text` without links, images or URLs, for what reaches a reader: a Markdown link becomes its
/// text, an image, a reference-link definition and an autolink or bare URL go, unless `keep`
/// accepts the URL (the DOI or PubMed address of a cited reference), which stays as plain text.
/// White space left doubled by a removal is made single.
pub fn without_links<'a>(text: &'a str, keep: impl Fn(&str) -> bool) -> std::borrow::Cow<'a, str> {
    if !LINK.is_match(text) {
        return std::borrow::Cow::Borrowed(text);
    }
    let replaced = LINK.replace_all(text, |c: &regex::Captures<'_>| {
        if let Some(words) = c.name("text") {
            let target = c.name("target").map_or("", |m| m.as_str()).trim();
            return if keep(target) && words.as_str().trim().is_empty() {
                target.to_string()
            } else {
                words.as_str().to_string()
            };
        }
        if let Some(url) = c.name("auto").or_else(|| c.name("bare"))
            && keep(url.as_str())
        {
            return url.as_str().to_string();
        }
        String::new()
    });
    static SPACES: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[ \t]{2,}").expect("spaces regex is valid"));
    std::borrow::Cow::Owned(SPACES.replace_all(&replaced, " ").into_owned())
}

/// Whether `url` is the DOI or PubMed address of one of `identifiers` (DOIs such as
/// "10.1212/WNL.0000000000001720" and PMIDs such as "25877000"), compared without case.
pub fn names_identifier(url: &str, identifiers: &[&str]) -> bool {
    let url = url.to_lowercase();
    let path = url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("www.");
    identifiers.iter().any(|id| {
        let id = id.trim().to_lowercase();
        !id.is_empty()
            && ((path.starts_with("doi.org/") || path.starts_with("dx.doi.org/"))
                && path.split_once('/').is_some_and(|(_, rest)| rest == id)
                || (path.starts_with("pubmed.ncbi.nlm.nih.gov/")
                    || path.starts_with("ncbi.nlm.nih.gov/pubmed/"))
                    && path.trim_end_matches('/').rsplit('/').next() == Some(id.as_str()))
    })
}

/// Ordinary English that text handling reads (`data/english.toml`): general words only, none of
/// one article.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct English {
    /// Words that carry no meaning in a clinician's question; the analyzer drops them.
    pub stop_words: Vec<String>,
    /// Abbreviations (lower case, without their last full stop) after which a full stop does not
    /// end a sentence.
    sentence_abbreviations: HashSet<String>,
    /// Words a title keeps in lower case unless they come first.
    pub title_minor_words: HashSet<String>,
}

static ENGLISH: LazyLock<English> = LazyLock::new(|| {
    toml::from_str(include_str!("../data/english.toml"))
        .unwrap_or_else(|e| panic!("data/english.toml is invalid: {e}"))
});

/// The compiled-in English word lists.
pub fn english() -> &'static English {
    &ENGLISH
}

/// Whether a full stop after `word` (lower case, "e.g" for "e.g.") may not end a sentence.
pub fn is_abbreviation(word: &str) -> bool {
    ENGLISH.sentence_abbreviations.contains(word)
}

/// Splits plain text into sentences at '.', '!' or '?' followed by white space and a capital
/// letter, digit or opening bracket; the pieces keep their words exactly (trimmed).
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let next = chars.get(k + 1).map(|(_, c)| *c);
        let after = chars.get(k + 2).map(|(_, c)| *c);
        let ends = match (next, after) {
            (None, _) => true,
            (Some(n), Some(a)) if n.is_whitespace() => {
                a.is_uppercase() || a.is_ascii_digit() || "([\"\u{201C}".contains(a)
            }
            _ => false,
        };
        let mut word_before: Vec<char> = text[start..i]
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '.')
            .collect();
        word_before.reverse();
        let word_before: String = word_before.into_iter().collect::<String>().to_lowercase();
        let abbreviation = c == '.' && is_abbreviation(&word_before);
        if ends && !abbreviation {
            let end = i + c.len_utf8();
            let piece = text[start..end].trim();
            if !piece.is_empty() {
                out.push(piece);
            }
            start = end;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// Ordinary English words (see `data/common-words.txt`'s header for its source), lower-cased.
static COMMON_WORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-words.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect()
});

/// Long words of written English, less common than [`is_common_word`]'s (see
/// `data/long-words.txt`'s header), lower-cased.
static LONG_WORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/long-words.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect()
});

/// Irregular forms of English verbs and the verb each is a form of (see
/// `data/verb-forms.tsv`'s header for its source): "gave" of "give".
static VERB_FORMS: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    include_str!("../data/verb-forms.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .collect()
});

/// The verb `word` (lower-cased) is an irregular form of ("took": "take"), if it is one.
pub fn verb_of_irregular_form(word: &str) -> Option<&'static str> {
    VERB_FORMS.get(word).copied()
}

/// Whether `word` (lower-cased, nine letters or more) is a word of everyday written English:
/// "rethinking", "tolerated"; not "telehealth", "necrotizing".
pub fn is_everyday_long_word(word: &str) -> bool {
    LONG_WORDS.contains(word)
}

/// Whether `word` (lower-cased) is ordinary English: "come", "cap", "grown"; not "methotrexate".
pub fn is_common_word(word: &str) -> bool {
    COMMON_WORDS.contains(word)
}

/// Whether `word` (lower-cased) is everyday English, short or long ([`is_common_word`] or
/// [`is_everyday_long_word`]): "evaluated", not "enterocolitis".
pub fn is_everyday_word(word: &str) -> bool {
    is_common_word(word) || is_everyday_long_word(word)
}

/// The words of written English medcite knows ([`is_common_word`]'s and
/// [`is_everyday_long_word`]'s), lower-cased.
pub fn english_words() -> impl Iterator<Item = &'static str> {
    COMMON_WORDS.iter().chain(LONG_WORDS.iter()).copied()
}

/// Whether an ordinary English word (see [`is_common_word`]) begins with `clipped` (lower-cased)
/// and is longer: "bact" begins "bacteria", "chemo" no ordinary word.
pub fn begins_a_common_word(clipped: &str) -> bool {
    COMMON_WORDS
        .iter()
        .any(|w| w.len() > clipped.len() && w.starts_with(clipped))
}

/// The ordinary English words (see [`is_common_word`]) as the index analyses them: "imag" for
/// "imaging".
pub fn common_stems() -> &'static HashSet<String> {
    static STEMS: LazyLock<HashSet<String>> = LazyLock::new(|| {
        COMMON_WORDS
            .iter()
            .flat_map(|w| crate::analysis::words(w))
            .collect()
    });
    &STEMS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_english_word_lists_parse() {
        let english = english();
        assert!(english.stop_words.iter().any(|w| w == "the"));
        assert!(is_abbreviation("e.g"));
        assert!(english.title_minor_words.contains("and"));
    }

    #[test]
    fn sentences_split_at_full_stops_before_capitals_only() {
        assert_eq!(
            sentences(
                "Prednisone 1.5 mg/kg is used. Methotrexate e.g. Weekly is given! Then 62% respond"
            ),
            [
                "Prednisone 1.5 mg/kg is used.",
                "Methotrexate e.g. Weekly is given!",
                "Then 62% respond"
            ]
        );
        assert_eq!(sentences("One sentence."), ["One sentence."]);
        assert!(sentences("  ").is_empty());
    }

    #[test]
    fn normalises_case_space_quotes_and_dashes() {
        assert_eq!(
            normalize("  IV  Methylprednisolone\n1–2 mg/kg “severe” ‘cases’ "),
            "iv methylprednisolone 1-2 mg/kg \"severe\" 'cases'"
        );
        assert_eq!(normalize("a\u{00A0}b — c"), "a b - c");
    }
}

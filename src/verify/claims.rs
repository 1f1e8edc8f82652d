//! What a sentence in a model's own words (its text outside quotes) claims beyond its figures:
//! the things it names (a drug, a test, a population: a word the question vocabulary takes for
//! a topic, or one rarer than ordinary English, `data/common-words.txt`) and its negations,
//! modal and frequency words (the `[claims]` groups of the question vocabulary). Each must be in
//! the passages its markers name; what is not is an `unsupported_claim`. Quotes are checked
//! verbatim elsewhere; figures by `numbers`.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::analysis::{contains_sequence, words};
use crate::contracts::Passage;
use crate::question::{Strength, surface_words, vocabulary};
use crate::retrieve::{near_spelling, spells_out};
use crate::synonyms::Synonyms;

/// The general synonym groups, which hold in any article.
static GENERAL: LazyLock<Synonyms> = LazyLock::new(Synonyms::general);

/// Whether a word of a model's sentence names something: a topic word, acronym, proper name or
/// medical term of the question vocabulary, or any other word that is not ordinary English
/// ("methotrexate", "refractory"), while "come" or "grown" name nothing.
fn names_something(stem: &str, surface: &str, first: bool) -> bool {
    match vocabulary().strength(stem, surface, first) {
        Strength::Strong => true,
        Strength::Weak => !crate::text::is_common_word(&surface.to_lowercase()),
        Strength::Ignore => false,
    }
}

/// The words and claim terms of `own` (a sentence's text outside its quotes and markers) that
/// the passages its `markers` name do not state, as the reader would name them: `methotrexate`,
/// `"every day"`. Empty when the sentence only denies what the sources give ("The sources give
/// no duration for this [S1]."), or names no known passage (reported as an unknown marker).
pub(super) fn unsupported(own: &str, markers: &[u32], passages: &[Passage]) -> Vec<String> {
    let vocab = vocabulary();
    if own.trim().is_empty() || vocab.denies(own) {
        return Vec::new();
    }
    let cited: Vec<&Passage> = markers
        .iter()
        .filter_map(|n| (*n as usize).checked_sub(1))
        .filter_map(|i| passages.get(i))
        .collect();
    if cited.is_empty() {
        return Vec::new();
    }
    let support = cited
        .iter()
        .map(|p| format!("{}\n{}\n{}\n{}", p.title, p.section, p.lead, p.text))
        .collect::<Vec<_>>()
        .join("\n");

    let mut out: Vec<String> = Vec::new();
    let stated: HashSet<&str> = vocab
        .claim_groups_in(&support)
        .into_iter()
        .map(|(group, _)| group)
        .collect();
    for (group, term) in vocab.claim_groups_in(own) {
        if !stated.contains(group) {
            out.push(format!("\"{term}\""));
        }
    }

    let support_words = words(&support);
    let support_set: HashSet<&str> = support_words.iter().map(String::as_str).collect();
    let opening = own.trim_start();
    for (k, (stem, surface)) in surface_words(own).into_iter().enumerate() {
        let first = k == 0 && opening.starts_with(surface.as_str());
        if vocab.is_claim_word(&surface)
            || !names_something(&stem, &surface, first)
            || names_in(&stem, &surface, &support, &support_words, &support_set)
        {
            continue;
        }
        if !out.contains(&surface) {
            out.push(surface);
        }
    }
    out
}

/// Whether the support names what `surface` (analysed `stem`) names: the same word, a word
/// of the same root or a compound holding it ("steroid" in "corticosteroids"), a near spelling,
/// an abbreviation's long form, an acronym spelt out, or a term of its general synonym group.
fn names_in(
    stem: &str,
    surface: &str,
    support: &str,
    support_words: &[String],
    support_set: &HashSet<&str>,
) -> bool {
    if support_set.contains(stem) {
        return true;
    }
    let long = stem.chars().count() >= 5;
    if support_set.iter().any(|w| {
        (long && (w.starts_with(stem) || w.ends_with(stem)))
            || (w.chars().count() >= 5 && stem.starts_with(w))
            || near_spelling(stem, w)
    }) {
        return true;
    }
    if let Some(expansion) = vocabulary().expansion(stem)
        && contains_sequence(support_words, expansion)
    {
        return true;
    }
    let capitals = surface.chars().filter(char::is_ascii_uppercase).count();
    if capitals >= 2 && spells_out(surface, support) {
        return true;
    }
    GENERAL
        .expansions(&[stem.to_string()])
        .iter()
        .any(|alternative| contains_sequence(support_words, alternative))
}

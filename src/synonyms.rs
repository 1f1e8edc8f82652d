//! The query vocabulary: synonym groups (abbreviations, brand names, spellings), aspect words and
//! generic question words, kept as analysed tokens. The groups are the compiled general ones of
//! `src/question/vocabulary.toml`, which hold for any corpus, followed by those of the corpus's
//! `synonyms.toml`. The index marks each passage with the groups it mentions (concepts) so a
//! query matches any synonym with one term. Data only; no searching here.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;

use serde::Deserialize;

use crate::analysis::{analyzer, contains_sequence, tokens, words};
use crate::text::table_rows;

/// Generic drug names with their other names (`benches/drugnames`), one drug a line.
pub(crate) const DRUG_NAMES: &str = include_str!("../data/drug-names.tsv");
/// The FDA's brand names of each generic (`benches/brandnames`).
pub(crate) const BRAND_NAMES: &str = include_str!("../data/brand-names.tsv");
/// Adjectives of a part of the body with its noun ("hepatic", "liver"), from WordNet
/// (benches/bodyadjectives/distill.py).
pub(crate) const BODY_ADJECTIVES: &str = include_str!("../data/body-adjectives.tsv");

#[derive(Debug, thiserror::Error)]
pub enum SynonymsError {
    #[error("bad synonyms file {path}: {problem}")]
    Bad { path: String, problem: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymFile {
    /// Words that ask about an aspect of a topic rather than name one ("dose", "duration").
    #[serde(default)]
    aspects: Vec<String>,
    /// Words of clinical questions that name no topic ("patient", "use", "aim"): a question's
    /// key terms are its words without these and without aspects.
    #[serde(default)]
    generic: Vec<String>,
    #[serde(default)]
    group: Vec<SynonymGroupSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymGroupSpec {
    terms: Vec<String>,
}

/// Groups of terms that mean the same thing, each kept as its analysed tokens. `default()` is
/// an empty table (no groups at all); [`Synonyms::load`] and [`Synonyms::from_toml_str`] start
/// from the general groups.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    pub groups: Vec<Vec<Vec<String>>>,
    /// Analysed aspect words: a question made only of these is a follow-up on the last topic.
    pub aspects: HashSet<String>,
    /// Analysed generic words (see `SynonymFile::generic`).
    pub generic: HashSet<String>,
    /// Each term's first token → (group, term) indices, so finding the groups a query names
    /// costs a lookup per word, not a pass over every group.
    heads: HashMap<String, Vec<(usize, usize)>>,
}

/// The general groups, analysed once: the vocabulary's, then the drug names'.
static GENERAL_GROUPS: std::sync::LazyLock<Vec<Vec<Vec<String>>>> =
    std::sync::LazyLock::new(|| {
        let mut analyzer = analyzer();
        let vocabulary: Vec<Vec<String>> = crate::question::vocabulary().synonym_groups().to_vec();
        let mut drugs: Vec<Vec<String>> = table_rows(DRUG_NAMES)
            .map(|(generic, others)| {
                std::iter::once(generic.to_string())
                    .chain(others.split('|').map(str::to_string))
                    .collect()
            })
            .collect();
        // The FDA's brand names each drug's line lacks ("Synthroid" for levothyroxine).
        let line_of: HashMap<String, usize> = drugs
            .iter()
            .enumerate()
            .map(|(n, names)| (names[0].clone(), n))
            .collect();
        for (generic, brands) in table_rows(BRAND_NAMES) {
            if let Some(&n) = line_of.get(generic) {
                drugs[n].extend(brands.split('|').map(str::to_string));
            }
        }
        // A hyphenated name is also typed as one word ("solumedrol" for "Solu-Medrol").
        for names in &mut drugs {
            let joined: Vec<String> = names[1..]
                .iter()
                .filter(|name| {
                    name.contains('-')
                        && name
                            .split('-')
                            .all(|part| part.len() >= 2 && part.chars().all(char::is_alphabetic))
                })
                .map(|name| name.replace('-', ""))
                .filter(|joined| !names.contains(joined))
                .collect();
            names.extend(joined);
        }
        // A part of the body and its adjective are one term in any article ("liver failure",
        // "hepatic dysfunction").
        let body = table_rows(BODY_ADJECTIVES)
            .map(|(adjective, noun)| vec![adjective.to_string(), noun.to_string()]);
        let mut groups: Vec<Vec<Vec<String>>> = vocabulary
            .into_iter()
            .chain(body)
            .map(|terms| analyse_group(&mut analyzer, &terms))
            .filter(|group| group.len() >= 2)
            .collect();
        DRUGS_FROM.get_or_init(|| groups.len());
        // Another name of one word that the analyser reads as an ordinary word ("Imaginab"
        // read as "imag", as "imaging" is; "Incidal" as "incid", as "incidence") would make
        // that word name the drug. The generic name stays ("iron", "oxygen").
        let ordinary = crate::text::common_stems();
        groups.extend(
            drugs
                .iter()
                .map(|terms| {
                    let mut group = analyse_group(&mut analyzer, terms);
                    let generic = group.first().cloned();
                    group.retain(|term| {
                        Some(term) == generic.as_ref()
                            || !matches!(term.as_slice(), [one] if ordinary.contains(one))
                    });
                    group
                })
                .filter(|group| group.len() >= 2),
        );
        groups
    });

/// Where the drug-name groups start among the general groups (they end where the general
/// groups do).
static DRUGS_FROM: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

impl Synonyms {
    /// Loads `synonyms.toml` after the general groups; a missing file adds nothing to them.
    pub fn load(path: &Path) -> Result<Synonyms, SynonymsError> {
        match fs::read_to_string(path) {
            Ok(text) => Synonyms::from_toml_str(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Synonyms::general()),
            Err(e) => Err(SynonymsError::Bad {
                path: path.display().to_string(),
                problem: e.to_string(),
            }),
        }
    }

    /// The general groups alone (`src/question/vocabulary.toml`, then each drug's generic and
    /// other names from `data/drug-names.tsv`, with the brand names of `data/brand-names.tsv`),
    /// for a corpus without a `synonyms.toml`.
    pub fn general() -> Synonyms {
        Synonyms::new(GENERAL_GROUPS.clone(), HashSet::new(), HashSet::new())
    }

    fn new(
        groups: Vec<Vec<Vec<String>>>,
        aspects: HashSet<String>,
        generic: HashSet<String>,
    ) -> Synonyms {
        let mut heads: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        for (n, group) in groups.iter().enumerate() {
            for (t, term) in group.iter().enumerate() {
                if let Some(head) = term.first() {
                    heads.entry(head.clone()).or_default().push((n, t));
                }
            }
        }
        Synonyms {
            groups,
            aspects,
            generic,
            heads,
        }
    }

    /// Parses a `synonyms.toml`; its groups follow the general ones.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Synonyms, SynonymsError> {
        let bad = |problem: String| SynonymsError::Bad {
            path: origin.to_string(),
            problem,
        };
        let file: SynonymFile = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let mut analyzer = analyzer();
        let mut groups = Synonyms::general().groups;
        for (n, group) in file.group.iter().enumerate() {
            let analysed = analyse_group(&mut analyzer, &group.terms);
            if analysed.len() < 2 {
                return Err(bad(format!(
                    "group {} ({:?}) needs at least two searchable terms",
                    n + 1,
                    group.terms
                )));
            }
            groups.push(analysed);
        }
        let mut analysed_words = |words: &[String]| -> HashSet<String> {
            words
                .iter()
                .flat_map(|a| tokens(&mut analyzer, a).into_iter().map(|(_, t)| t))
                .collect()
        };
        let aspects = analysed_words(&file.aspects);
        let generic = analysed_words(&file.generic);
        Ok(Synonyms::new(groups, aspects, generic))
    }

    /// The terms of `text` that name something (its words less aspect, generic and stop words),
    /// with their synonyms, each as a token sequence, for callers that weigh overlap with a
    /// question.
    pub fn key_terms(&self, text: &str) -> Vec<Vec<String>> {
        // A reading in brackets ("BQT (= bismuth quadruple therapy)") is one more form of its
        // word: its words together, not each a term of its own.
        let (plain, readings) = crate::shorthand::appositives(text);
        if !readings.is_empty() {
            let mut out = self.key_terms(&plain);
            for reading in readings.iter().flat_map(|(_, r)| r) {
                for term in self.reading_terms(reading) {
                    if !out.contains(&term) {
                        out.push(term);
                    }
                }
            }
            return out;
        }
        let words = words(text);
        let mut out: Vec<Vec<String>> = words
            .iter()
            .filter(|w| !self.generic.contains(*w) && !self.aspects.contains(*w))
            .map(|w| vec![w.clone()])
            .collect();
        for expansion in self.expansions(&words) {
            if !out.contains(&expansion) {
                out.push(expansion);
            }
        }
        for word in &words {
            if let Some(long) = crate::question::vocabulary().expansion(word)
                && !out.iter().any(|t| t == long)
            {
                out.push(long.to_vec());
            }
        }
        out.dedup();
        out
    }

    /// Token sequences equivalent to something in `query` (not the ones already there).
    pub fn expansions(&self, query: &[String]) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = Vec::new();
        for n in self.groups_in(query) {
            for term in &self.groups[n] {
                if !contains_sequence(query, term) && !out.contains(term) {
                    out.push(term.clone());
                }
            }
        }
        out
    }

    /// The terms a reading of shorthand or a misspelling brings ("entresto"): its words, and,
    /// when they are a term of the table, the other terms of its groups ("sacubitril
    /// valsartan").
    pub fn reading_terms(&self, reading: &str) -> Vec<Vec<String>> {
        let sequence = words(reading);
        if sequence.is_empty() {
            return Vec::new();
        }
        let mut out = vec![sequence.clone()];
        for n in self.groups_of(&sequence) {
            for term in &self.groups[n] {
                if !out.contains(term) {
                    out.push(term.clone());
                }
            }
        }
        out
    }

    /// Every place a term of a group stands in `words` (analysed tokens), as (group, term,
    /// start), ordered by group, term and start: found through the terms' first words, so the
    /// cost does not grow with the number of groups.
    pub fn occurrences(&self, words: &[String]) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        for (at, word) in words.iter().enumerate() {
            for &(n, t) in self.heads.get(word).into_iter().flatten() {
                if words[at..].starts_with(&self.groups[n][t]) {
                    out.push((n, t, at));
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// Whether group `n` is a drug's names (`data/drug-names.tsv`): a word in it names a drug.
    pub fn is_drug(&self, n: usize) -> bool {
        let general = GENERAL_GROUPS.len();
        DRUGS_FROM
            .get()
            .is_some_and(|from| (*from..general).contains(&n))
    }

    /// Whether `term` (analysed words) is a drug's name: a group holding it is a drug's.
    pub fn names_a_drug(&self, term: &[String]) -> bool {
        self.groups_of(term).into_iter().any(|n| self.is_drug(n))
    }

    /// The groups that hold exactly `term`, in order.
    pub fn groups_of(&self, term: &[String]) -> Vec<usize> {
        let Some(head) = term.first() else {
            return Vec::new();
        };
        let mut out: Vec<usize> = self
            .heads
            .get(head)
            .into_iter()
            .flatten()
            .filter(|&&(n, t)| self.groups[n][t] == term)
            .map(|&(n, _)| n)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// A group's terms as analysed token sequences, less those with no searchable word.
fn analyse_group(
    analyzer: &mut tantivy::tokenizer::TextAnalyzer,
    terms: &[String],
) -> Vec<Vec<String>> {
    terms
        .iter()
        .map(|t| tokens(analyzer, t).into_iter().map(|(_, t)| t).collect())
        .filter(|t: &Vec<String>| !t.is_empty())
        .collect()
}

impl Synonyms {
    /// The concept token of group `n`, as the index stores it.
    pub fn concept(n: usize) -> String {
        format!("g{n}")
    }

    /// Groups named in `words` (analysed tokens), by index, each once.
    pub fn groups_in(&self, words: &[String]) -> Vec<usize> {
        let mut found: Vec<usize> = Vec::new();
        for (at, word) in words.iter().enumerate() {
            for &(n, t) in self.heads.get(word).into_iter().flatten() {
                if !found.contains(&n) && words[at..].starts_with(&self.groups[n][t]) {
                    found.push(n);
                }
            }
        }
        found.sort_unstable();
        found
    }
}

/// Finds the synonym groups a passage names, fast: one pass over its words, looking up the
/// terms that start with each word.
pub struct ConceptMatcher {
    by_head: HashMap<String, Vec<(usize, Vec<String>)>>,
}

impl ConceptMatcher {
    pub fn new(synonyms: &Synonyms) -> ConceptMatcher {
        let mut by_head: HashMap<String, Vec<(usize, Vec<String>)>> = HashMap::new();
        for (n, group) in synonyms.groups.iter().enumerate() {
            for term in group {
                if let Some(head) = term.first() {
                    by_head
                        .entry(head.clone())
                        .or_default()
                        .push((n, term.clone()));
                }
            }
        }
        ConceptMatcher { by_head }
    }

    /// Concept tokens (see [`Synonyms::concept`]) of the groups `words` name.
    pub fn concepts(&self, words: &[String]) -> Vec<String> {
        let mut found: Vec<usize> = Vec::new();
        for (at, word) in words.iter().enumerate() {
            for (n, term) in self.by_head.get(word).into_iter().flatten() {
                if !found.contains(n) && words[at..].starts_with(term) {
                    found.push(*n);
                }
            }
        }
        found.into_iter().map(Synonyms::concept).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_product_of_several_drugs_is_no_name_of_one_of_them() {
        // The drug-name list gave Neosporin, an antibacterial ointment, among hydrocortisone's
        // names: "neosporin dose?" was answered with IV hydrocortisone 100 mg.
        let general = Synonyms::general();
        let neosporin = general.expansions(&words("neosporin dose?"));
        assert!(
            !neosporin.contains(&words("hydrocortisone")),
            "{neosporin:?}"
        );
        let valium = general.expansions(&words("valium dose?"));
        assert!(valium.contains(&words("diazepam")), "{valium:?}");
    }

    #[test]
    fn general_groups_expand_brand_names_for_a_corpus_with_an_empty_synonyms_file() {
        let empty = Synonyms::from_toml_str("", "synonyms.toml").unwrap();
        let fk506 = empty.expansions(&words("is there a role for FK506?"));
        assert!(fk506.contains(&words("tacrolimus")), "{fk506:?}");
        let bactrim = empty.expansions(&words("Bactrim for PCP prophylaxis"));
        assert!(
            bactrim.contains(&words("trimethoprim-sulfamethoxazole")),
            "{bactrim:?}"
        );
        let missing = Synonyms::load(Path::new("no/such/corpus/synonyms.toml")).unwrap();
        assert!(
            missing
                .expansions(&words("Fosamax"))
                .contains(&words("alendronate"))
        );
        assert!(Synonyms::default().groups.is_empty());
    }

    #[test]
    fn a_hyphenated_brand_name_typed_as_one_word_names_its_drug() {
        let general = Synonyms::general();
        for typed in ["solumedrol", "Solu-Medrol"] {
            let found = general.expansions(&words(typed));
            assert!(
                found.contains(&words("methylprednisolone")),
                "{typed}: {found:?}"
            );
        }
    }

    #[test]
    fn a_corpus_adds_its_groups_after_the_general_ones() {
        let general = Synonyms::general().groups.len();
        let corpus = Synonyms::from_toml_str(
            "[[group]]\nterms = [\"IMNM\", \"necrotizing myopathy\"]\n",
            "synonyms.toml",
        )
        .unwrap();
        assert_eq!(corpus.groups.len(), general + 1);
        assert_eq!(corpus.groups_in(&words("IMNM")), vec![general]);
        assert!(Synonyms::general().expansions(&words("IMNM")).is_empty());
    }

    #[test]
    fn every_general_group_has_two_searchable_terms() {
        let written = crate::question::vocabulary().synonym_groups();
        assert!(!written.is_empty());
        let general = Synonyms::general();
        assert!(general.groups.iter().all(|g| g.len() >= 2));
        // The vocabulary's groups come first, each kept, then the body adjectives'; the drug
        // names' follow.
        let body = crate::text::table_rows(BODY_ADJECTIVES).count();
        assert_eq!(DRUGS_FROM.get(), Some(&(written.len() + body)));
        assert!(general.groups.len() > written.len() + 1000);
    }

    #[test]
    fn an_ordinary_word_names_no_drug_even_where_a_brand_is_analysed_as_it() {
        let general = Synonyms::general();
        // "Imaginab" and "Incidal" are analysed as "imaging" and "incidence" are.
        for word in ["imaging", "incidence", "rapid", "before"] {
            let drugs: Vec<usize> = general
                .groups_in(&words(word))
                .into_iter()
                .filter(|&n| general.is_drug(n))
                .collect();
            assert!(
                drugs.is_empty(),
                "{word} names {:?}",
                drugs
                    .iter()
                    .map(|&n| &general.groups[n])
                    .collect::<Vec<_>>()
            );
        }
        // A generic name that is an ordinary word still names its drug.
        assert!(
            general
                .groups_in(&words("oxygen"))
                .into_iter()
                .any(|n| general.is_drug(n))
        );
    }

    #[test]
    fn a_part_of_the_body_and_its_adjective_are_general_synonyms() {
        let general = Synonyms::general();
        for (adjective, noun) in [
            ("hepatic", "liver"),
            ("renal", "kidney"),
            ("pulmonary", "lung"),
        ] {
            let expanded = general.expansions(&words(noun));
            assert!(expanded.contains(&words(adjective)), "{noun}: {expanded:?}");
            let n = general.groups_of(&words(noun))[0];
            assert!(!general.is_drug(n));
        }
        // A sense WordNet holds but clinicians do not mean is left out.
        assert!(
            !general
                .expansions(&words("coronary"))
                .contains(&words("corona"))
        );
    }

    #[test]
    fn brand_and_generic_drug_names_are_general_synonyms() {
        let general = Synonyms::general();
        for (brand, generic) in [
            ("valium", "diazepam"),
            ("flagyl", "metronidazole"),
            ("lasix", "furosemide"),
            // from the FDA's brand names (data/brand-names.tsv)
            ("synthroid", "levothyroxine"),
            ("keflex", "cephalexin"),
        ] {
            let expanded = general.expansions(&words(brand));
            assert!(expanded.contains(&words(generic)), "{brand}: {expanded:?}");
            let n = general.groups_of(&words(generic))[0];
            assert!(general.is_drug(n));
        }
        // A reading brings its own words, then its synonyms: the brand read for a slip of the
        // keys names the generic the article writes.
        let read = general.reading_terms("entresto");
        assert_eq!(read[0], words("entresto"));
        assert!(read.contains(&words("sacubitril/valsartan")), "{read:?}");
        assert_eq!(general.reading_terms("bid"), vec![words("bid")]);
        // Ordinary English is never a drug's other name.
        assert!(
            general
                .groups_of(&words("advice"))
                .iter()
                .all(|&n| !general.is_drug(n))
        );
    }
}

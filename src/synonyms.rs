//! The query vocabulary in `corpus/synonyms.toml`: synonym groups (abbreviations, brand names,
//! spellings), aspect words and generic question words, kept as analysed tokens. The index
//! marks each passage with the groups it mentions (concepts) so a query matches any synonym
//! with one term. Data only; no searching here.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;

use serde::Deserialize;

use crate::analysis::{analyzer, contains_sequence, tokens, words};

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

/// Groups of terms that mean the same thing, each kept as its analysed tokens.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    pub groups: Vec<Vec<Vec<String>>>,
    /// Analysed aspect words: a question made only of these is a follow-up on the last topic.
    pub aspects: HashSet<String>,
    /// Analysed generic words (see `SynonymFile::generic`).
    pub generic: HashSet<String>,
}

impl Synonyms {
    /// Loads `synonyms.toml`; a missing file is an empty table.
    pub fn load(path: &Path) -> Result<Synonyms, SynonymsError> {
        match fs::read_to_string(path) {
            Ok(text) => Synonyms::from_toml_str(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Synonyms::default()),
            Err(e) => Err(SynonymsError::Bad {
                path: path.display().to_string(),
                problem: e.to_string(),
            }),
        }
    }

    pub fn from_toml_str(text: &str, origin: &str) -> Result<Synonyms, SynonymsError> {
        let bad = |problem: String| SynonymsError::Bad {
            path: origin.to_string(),
            problem,
        };
        let file: SynonymFile = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let mut analyzer = analyzer();
        let mut groups = Vec::new();
        for (n, group) in file.group.iter().enumerate() {
            let analysed: Vec<Vec<String>> = group
                .terms
                .iter()
                .map(|t| {
                    tokens(&mut analyzer, t)
                        .into_iter()
                        .map(|(_, t)| t)
                        .collect()
                })
                .filter(|t: &Vec<String>| !t.is_empty())
                .collect();
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
        Ok(Synonyms {
            groups,
            aspects,
            generic,
        })
    }

    /// The terms of `text` that name something (its words less aspect, generic and stop words),
    /// with their synonyms, each as a token sequence, for callers that weigh overlap with a
    /// question.
    pub fn key_terms(&self, text: &str) -> Vec<Vec<String>> {
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
        for group in &self.groups {
            if group.iter().any(|term| contains_sequence(query, term)) {
                for term in group {
                    if !contains_sequence(query, term) && !out.contains(term) {
                        out.push(term.clone());
                    }
                }
            }
        }
        out
    }
}

impl Synonyms {
    /// The concept token of group `n`, as the index stores it.
    pub fn concept(n: usize) -> String {
        format!("g{n}")
    }

    /// Groups named in `words` (analysed tokens), by index, each once.
    pub fn groups_in(&self, words: &[String]) -> Vec<usize> {
        let mut first: HashMap<&str, Vec<(usize, &Vec<String>)>> = HashMap::new();
        for (n, group) in self.groups.iter().enumerate() {
            for term in group {
                if let Some(head) = term.first() {
                    first.entry(head.as_str()).or_default().push((n, term));
                }
            }
        }
        let mut found: Vec<usize> = Vec::new();
        for (at, word) in words.iter().enumerate() {
            for (n, term) in first.get(word.as_str()).into_iter().flatten() {
                if !found.contains(n) && words[at..].starts_with(term) {
                    found.push(*n);
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

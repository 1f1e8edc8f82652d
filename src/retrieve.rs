//! Retrieval: turns a clinician's words (and the previous turn) into a lenient BM25 query with
//! synonyms from `corpus/synonyms.toml`, searches the index, and adds, after an article passage,
//! the best matching passage of each reference it cites (citation expansion). User text is never
//! parsed as query syntax. It knows nothing of answers, LLMs or HTTP.

use std::collections::HashSet;
use std::fs;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Score, Searcher, TantivyDocument, Term};

use crate::contracts::{DocKind, Hit, Turn};
use crate::index::{Freshness, IndexError, SearchIndex, analyzer, open_fresh};

/// Relative weight of a field's match.
const TEXT_BOOST: f32 = 1.0;
const SECTION_BOOST: f32 = 0.7;
const TITLE_BOOST: f32 = 0.3;
const CONTEXT_BOOST: f32 = 0.4;
/// Reference passages rank below article passages of equal BM25 score: the article is what the
/// reader asks about, and a reference's best passage follows the article passage citing it.
const REFERENCE_WEIGHT: f32 = 0.5;
/// Weight of a synonym relative to the word the user typed.
const SYNONYM_WEIGHT: f32 = 0.8;
/// Weight of the previous user turn relative to the current question.
const HISTORY_WEIGHT: f32 = 0.4;
/// Longest query (in characters) we analyse; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 2000;
/// Largest number of hits one search may return.
pub const MAX_K: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum RetrieveError {
    #[error("the query is empty: type a question or some words to search for")]
    EmptyQuery,
    #[error(
        "the query '{0}' has no searchable words (only punctuation or words like 'what', 'the'); add a medical term"
    )]
    NoTerms(String),
    #[error("bad synonyms file {path}: {problem}")]
    Synonyms { path: String, problem: String },
    #[error("search failed; the index may be corrupt ({0}); run `medcite index` to rebuild it")]
    Engine(#[from] tantivy::TantivyError),
    #[error(transparent)]
    Index(#[from] IndexError),
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
    groups: Vec<Vec<Vec<String>>>,
    /// Analysed aspect words: a question made only of these is a follow-up on the last topic.
    aspects: HashSet<String>,
    /// Analysed generic words (see `SynonymFile::generic`).
    generic: HashSet<String>,
}

impl Synonyms {
    /// Loads `synonyms.toml`; a missing file is an empty table.
    pub fn load(path: &Path) -> Result<Synonyms, RetrieveError> {
        match fs::read_to_string(path) {
            Ok(text) => Synonyms::from_toml_str(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Synonyms::default()),
            Err(e) => Err(RetrieveError::Synonyms {
                path: path.display().to_string(),
                problem: e.to_string(),
            }),
        }
    }

    pub fn from_toml_str(text: &str, origin: &str) -> Result<Synonyms, RetrieveError> {
        let bad = |problem: String| RetrieveError::Synonyms {
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
        out.dedup();
        out
    }

    /// Token sequences equivalent to something in `query` (not the ones already there).
    fn expansions(&self, query: &[String]) -> Vec<Vec<String>> {
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

/// Whether `needle` occurs contiguously in `haystack`.
pub fn contains_sequence(haystack: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Analysed tokens of `text` with their positions.
fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    stream.process(&mut |token| out.push((token.position, token.text.clone())));
    out
}

/// One search: the question, the conversation so far, and how many hits to return.
#[derive(Debug, Clone, Copy)]
pub struct SearchRequest<'a> {
    pub query: &'a str,
    pub history: &'a [Turn],
    pub k: usize,
}

/// A weighted piece of the query: a word, or a multi-word synonym matched as a phrase.
#[derive(Debug, Clone, PartialEq)]
enum Clause {
    Word(String, f32),
    Phrase(Vec<String>, f32),
}

/// What to search for: clauses that raise a passage's score, and (for an elliptical follow-up)
/// the previous turn's topic, one of whose clauses a passage must match.
#[derive(Debug, Clone, Default)]
struct Plan {
    clauses: Vec<Clause>,
    topic: Vec<Clause>,
}

/// Searches one index generation with one synonym table.
pub struct Retriever {
    pub index: SearchIndex,
    synonyms: Synonyms,
    analyzer: TextAnalyzer,
}

impl Retriever {
    /// Opens the index for the corpus at `corpus_dir` (building or rebuilding it first when it
    /// is missing or stale, see [`open_fresh`]) with the corpus's `synonyms.toml`.
    pub fn open(
        corpus_dir: &Path,
        index_dir: &Path,
        progress: bool,
    ) -> Result<(Retriever, Freshness), RetrieveError> {
        let synonyms = Synonyms::load(&corpus_dir.join("synonyms.toml"))?;
        let (index, freshness) = open_fresh(corpus_dir, index_dir, progress)?;
        Ok((Retriever::new(index, synonyms), freshness))
    }

    pub fn new(index: SearchIndex, synonyms: Synonyms) -> Retriever {
        Retriever {
            index,
            synonyms,
            analyzer: analyzer(),
        }
    }

    /// The best `k` passages for the request, citation expansions included, ranked from 1.
    pub fn search(&self, request: &SearchRequest<'_>) -> Result<Vec<Hit>, RetrieveError> {
        let k = request.k.clamp(1, MAX_K);
        let mut plan = self.plan(request)?;
        let searcher = self.index.reader.searcher();
        let collector = TopDocs::with_limit(k * 3 + 10).order_by_score();
        let mut query = self.query(&plan);
        let mut candidates = searcher.search(&query, &collector)?;
        if candidates.is_empty() && !plan.topic.is_empty() {
            // Nothing on the previous topic: search the question on its own.
            plan.topic.clear();
            query = self.query(&plan);
            candidates = searcher.search(&query, &collector)?;
        }
        let mut ranked = Vec::with_capacity(candidates.len());
        for (score, address) in candidates {
            let hit = self.hit(&searcher, address, score)?;
            let weight = match hit.kind {
                DocKind::Article => 1.0,
                DocKind::Reference => REFERENCE_WEIGHT,
            };
            ranked.push((hit.score * weight, hit));
        }
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut hits: Vec<Hit> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for (_, hit) in ranked {
            if hits.len() >= k {
                break;
            }
            if !seen.insert(hit.chunk_id.clone()) {
                continue;
            }
            let cites = if hit.kind == DocKind::Article {
                hit.cites.clone()
            } else {
                Vec::new()
            };
            hits.push(hit);
            for reference in cites {
                if let Some(expansion) = self.best_in_document(&searcher, &query, &reference)?
                    && seen.insert(expansion.chunk_id.clone())
                {
                    hits.push(expansion);
                }
            }
        }
        hits.truncate(k);
        for (n, hit) in hits.iter_mut().enumerate() {
            hit.rank = n + 1;
        }
        Ok(hits)
    }

    /// Whether `hits` cover the question: every key term of the question (its words less aspect
    /// and generic words; for an elliptical follow-up, the previous turn's) occurs in the
    /// passages, as itself, a synonym, or a near spelling. Off-topic questions name something
    /// the passages never mention ("hypertension", "Kawasaki disease").
    pub fn coverage(&self, request: &SearchRequest<'_>, hits: &[Hit]) -> Coverage {
        let Ok(plan) = self.plan(request) else {
            return Coverage::default();
        };
        let question = truncate_chars(request.query.trim(), MAX_QUERY_CHARS);
        let mut concepts = self.concepts(question);
        if !plan.topic.is_empty()
            && let Some(previous) = request.history.iter().rev().find(|t| t.role == "user")
        {
            concepts.extend(self.concepts(truncate_chars(&previous.content, MAX_QUERY_CHARS)));
        }
        let mut analyzer = self.analyzer.clone();
        let passages: Vec<Vec<String>> = hits
            .iter()
            .map(|h| {
                let all = format!("{}\n{}\n{}", h.title, h.section, h.text);
                tokens(&mut analyzer, &all)
                    .into_iter()
                    .map(|(_, t)| t)
                    .collect()
            })
            .collect();
        let vocabulary: HashSet<&str> = passages.iter().flatten().map(String::as_str).collect();
        let present = |concept: &Concept| {
            concept.alternatives.iter().any(|alt| match alt.as_slice() {
                [word] => {
                    vocabulary.contains(word.as_str())
                        || vocabulary.iter().any(|v| near_spelling(word, v))
                }
                _ => passages.iter().any(|p| contains_sequence(p, alt)),
            })
        };
        let mut key_terms = Vec::new();
        let mut missing = Vec::new();
        for concept in &concepts {
            if !key_terms.contains(&concept.name) {
                key_terms.push(concept.name.clone());
                if !present(concept) {
                    missing.push(concept.name.clone());
                }
            }
        }
        Coverage {
            covered: !hits.is_empty() && missing.is_empty(),
            key_terms,
            missing,
        }
    }

    /// The things `text` names: each multi-word synonym it contains, and each other word that is
    /// not an aspect or generic word, with their synonyms as alternatives.
    fn concepts(&self, text: &str) -> Vec<Concept> {
        let words = self.words(text);
        let mut consumed = vec![false; words.len()];
        let mut concepts = Vec::new();
        for group in &self.synonyms.groups {
            for term in group.iter().filter(|t| t.len() > 1) {
                for start in 0..words.len().saturating_sub(term.len() - 1) {
                    let span = start..start + term.len();
                    if words[span.clone()] == term[..] && consumed[span.clone()].iter().all(|c| !c)
                    {
                        consumed[span].iter_mut().for_each(|c| *c = true);
                        concepts.push(Concept {
                            name: term.join(" "),
                            alternatives: group.clone(),
                        });
                    }
                }
            }
        }
        for (word, _) in words.iter().zip(&consumed).filter(|(_, c)| !**c) {
            if self.synonyms.aspects.contains(word) || self.synonyms.generic.contains(word) {
                continue;
            }
            let mut alternatives = vec![vec![word.clone()]];
            for group in &self.synonyms.groups {
                if group.iter().any(|t| t.len() == 1 && &t[0] == word) {
                    alternatives.extend(group.iter().cloned());
                }
            }
            concepts.push(Concept {
                name: word.clone(),
                alternatives,
            });
        }
        concepts
    }

    /// Analysed words of `text`, in order.
    pub fn words(&self, text: &str) -> Vec<String> {
        let mut analyzer = self.analyzer.clone();
        tokens(&mut analyzer, text)
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }

    /// The words of `text` as written whose analysed forms are in `stems` (for messages).
    pub fn surface_words(&self, text: &str, stems: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for stem in stems {
            let found = text
                .split(|c: char| !c.is_alphanumeric() && c != '-')
                .find(|word| !word.is_empty() && self.words(word).join(" ") == *stem);
            let word = found.map_or_else(|| stem.clone(), str::to_string);
            if !out.contains(&word) {
                out.push(word);
            }
        }
        out
    }

    pub fn synonyms(&self) -> &Synonyms {
        &self.synonyms
    }

    /// Byte ranges of `text` whose words match the query's (stemmed) words or their synonyms.
    pub fn highlight_ranges(&self, query: &str, text: &str) -> Vec<Range<usize>> {
        let mut analyzer = self.analyzer.clone();
        let words: Vec<String> = tokens(&mut analyzer, query)
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        let mut wanted: HashSet<String> = words.iter().cloned().collect();
        for expansion in self.synonyms.expansions(&words) {
            if let [word] = expansion.as_slice() {
                wanted.insert(word.clone());
            }
        }
        let mut ranges = Vec::new();
        let mut stream = analyzer.token_stream(text);
        stream.process(&mut |token| {
            if wanted.contains(&token.text) {
                ranges.push(token.offset_from..token.offset_to);
            }
        });
        ranges
    }

    /// The weighted words of the question and of the previous user turn. When every word of the
    /// question is an aspect ("what dose?", "how long?"), the question is elliptical: it asks
    /// about the previous turn's topic, whose words then become required (`Plan::topic`).
    fn plan(&self, request: &SearchRequest<'_>) -> Result<Plan, RetrieveError> {
        let query = truncate_chars(request.query.trim(), MAX_QUERY_CHARS);
        if query.is_empty() {
            return Err(RetrieveError::EmptyQuery);
        }
        let mut clauses = self.weighted(query, 1.0);
        let elliptical = clauses.iter().all(|c| match c {
            Clause::Word(word, _) => self.synonyms.aspects.contains(word),
            Clause::Phrase(..) => true,
        });
        let mut topic = Vec::new();
        if let Some(previous) = request
            .history
            .iter()
            .rev()
            .find(|t| t.role == "user" && t.content.trim() != query)
        {
            let previous = truncate_chars(&previous.content, MAX_QUERY_CHARS);
            if elliptical {
                topic = self
                    .weighted(previous, 1.0)
                    .into_iter()
                    .filter(|c| !clauses.iter().any(|known| same_words(known, c)))
                    .collect();
            } else {
                for clause in self.weighted(previous, HISTORY_WEIGHT) {
                    if !clauses.iter().any(|known| same_words(known, &clause)) {
                        clauses.push(clause);
                    }
                }
            }
        }
        if clauses.is_empty() && topic.is_empty() {
            return Err(RetrieveError::NoTerms(query.to_string()));
        }
        Ok(Plan { clauses, topic })
    }

    /// The words of `text` at `weight`, and their synonyms at a lower weight.
    fn weighted(&self, text: &str, weight: f32) -> Vec<Clause> {
        let mut analyzer = self.analyzer.clone();
        let words: Vec<String> = tokens(&mut analyzer, text)
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        let mut clauses: Vec<Clause> = Vec::new();
        for word in &words {
            let clause = Clause::Word(word.clone(), weight);
            if !clauses.contains(&clause) {
                clauses.push(clause);
            }
        }
        for expansion in self.synonyms.expansions(&words) {
            let synonym_weight = weight * SYNONYM_WEIGHT;
            let clause = match expansion.as_slice() {
                [one] => Clause::Word(one.clone(), synonym_weight),
                _ => Clause::Phrase(expansion, synonym_weight),
            };
            if !clauses.iter().any(|c| same_words(c, &clause)) {
                clauses.push(clause);
            }
        }
        clauses
    }

    /// The tantivy query of a plan: any of its clauses, and one of the topic's when it has one.
    fn query(&self, plan: &Plan) -> BooleanQuery {
        let mut parts = self.should(&plan.clauses);
        if !plan.topic.is_empty() {
            parts.push((
                Occur::Must,
                Box::new(BooleanQuery::new(self.should(&plan.topic))),
            ));
        }
        BooleanQuery::new(parts)
    }

    fn should(&self, clauses: &[Clause]) -> Vec<(Occur, Box<dyn Query>)> {
        let fields = self.index.fields;
        let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, boost) in [
            (fields.text, TEXT_BOOST),
            (fields.section, SECTION_BOOST),
            (fields.title, TITLE_BOOST),
            (fields.context, CONTEXT_BOOST),
        ] {
            for clause in clauses {
                let (query, weight): (Box<dyn Query>, f32) = match clause {
                    Clause::Word(word, weight) => (Box::new(term_query(field, word)), *weight),
                    Clause::Phrase(words, weight) => {
                        let terms = words
                            .iter()
                            .map(|w| Term::from_field_text(field, w))
                            .collect();
                        (Box::new(PhraseQuery::new(terms)), *weight)
                    }
                };
                parts.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(query, boost * weight)),
                ));
            }
        }
        parts
    }

    /// The list a lead-in passage introduces: when `hit` is an article paragraph ending in ':',
    /// the passages that follow it in the same section (at most `max`), scored 0.
    pub fn list_items(&self, hit: &Hit, max: usize) -> Result<Vec<Hit>, RetrieveError> {
        if hit.kind != DocKind::Article
            || !hit.text.trim_end().ends_with(':')
            || hit.text.contains('\n')
        {
            return Ok(Vec::new());
        }
        let Some((doc, number)) = hit
            .chunk_id
            .rsplit_once('#')
            .and_then(|(doc, n)| Some((doc, n.parse::<usize>().ok()?)))
        else {
            return Ok(Vec::new());
        };
        let searcher = self.index.reader.searcher();
        let mut items = Vec::new();
        for next in number + 1..=number + max {
            let id = format!("{doc}#{next}");
            let query = TermQuery::new(
                Term::from_field_text(self.index.fields.chunk_id, &id),
                IndexRecordOption::Basic,
            );
            let found = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
            let Some((_, address)) = found.into_iter().next() else {
                break;
            };
            let mut item = self.hit(&searcher, address, 0.0)?;
            // Only the bullets of this list: same section, and a bullet, not the next paragraph.
            if item.section != hit.section || !item.text.contains("\n- ") {
                break;
            }
            item.score = 0.0;
            items.push(item);
        }
        Ok(items)
    }

    fn best_in_document(
        &self,
        searcher: &Searcher,
        query: &BooleanQuery,
        doc_id: &str,
    ) -> Result<Option<Hit>, RetrieveError> {
        let in_document = BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(ConstScoreQuery::new(
                    Box::new(TermQuery::new(
                        Term::from_field_text(self.index.fields.doc_id, doc_id),
                        IndexRecordOption::Basic,
                    )),
                    0.0,
                )),
            ),
            (Occur::Must, Box::new(query.clone())),
        ]);
        let best = searcher.search(&in_document, &TopDocs::with_limit(1).order_by_score())?;
        match best.into_iter().next() {
            Some((score, address)) => Ok(Some(self.hit(searcher, address, score)?)),
            None => Ok(None),
        }
    }

    fn hit(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        score: Score,
    ) -> Result<Hit, RetrieveError> {
        let doc: TantivyDocument = searcher.doc(address)?;
        let fields = self.index.fields;
        let text = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        };
        Ok(Hit {
            rank: 0,
            chunk_id: text(fields.chunk_id),
            doc_id: text(fields.doc_id),
            kind: DocKind::parse(&text(fields.kind)).unwrap_or(DocKind::Reference),
            title: text(fields.title),
            section: text(fields.section),
            text: text(fields.text),
            score,
            cites: doc
                .get_all(fields.cites)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        })
    }
}

/// Something a question names, with the token sequences that count as naming it.
#[derive(Debug, Clone)]
struct Concept {
    name: String,
    alternatives: Vec<Vec<String>>,
}

/// How well the retrieved passages cover a question.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    pub covered: bool,
    /// The question's analysed key terms.
    pub key_terms: Vec<String>,
    /// Key terms found in no passage (nor as a synonym or a near spelling).
    pub missing: Vec<String>,
}

/// A likely misspelling of the same word: edit distance 1 for words of 5+ letters, 2 for 9+.
pub fn near_spelling(word: &str, candidate: &str) -> bool {
    let len = word.chars().count();
    let allowed = match len {
        0..=4 => return false,
        5..=8 => 1,
        _ => 2,
    };
    if word.chars().any(|c| c.is_ascii_digit()) || candidate.chars().count().abs_diff(len) > allowed
    {
        return false;
    }
    edit_distance(word, candidate) <= allowed
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

fn term_query(field: Field, word: &str) -> TermQuery {
    TermQuery::new(
        Term::from_field_text(field, word),
        IndexRecordOption::WithFreqs,
    )
}

fn same_words(a: &Clause, b: &Clause) -> bool {
    match (a, b) {
        (Clause::Word(x, _), Clause::Word(y, _)) => x == y,
        (Clause::Phrase(x, _), Clause::Phrase(y, _)) => x == y,
        _ => false,
    }
}

fn truncate_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// Analysed words of `text` (stop words out, stemmed), in order.
pub fn words(text: &str) -> Vec<String> {
    tokens(&mut analyzer(), text)
        .into_iter()
        .map(|(_, t)| t)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokens(&mut analyzer(), text)
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }

    #[test]
    fn analyzer_stems_and_drops_question_words() {
        assert_eq!(words("What doses of Prednisone?"), ["dose", "prednison"]);
        assert_eq!(
            words("anti-SRP (AND) \"IVIG\": 1-2 g/kg"),
            ["anti", "srp", "ivig", "1", "2", "g", "kg"]
        );
    }

    #[test]
    fn synonyms_expand_abbreviations_both_ways() {
        let synonyms = Synonyms::from_toml_str(
            "[[group]]\nterms = [\"IVIG\", \"intravenous immunoglobulin\"]\n[[group]]\nterms = [\"MTX\", \"methotrexate\"]\n",
            "test",
        )
        .unwrap();
        assert_eq!(
            synonyms.expansions(&words("IVIG dose")),
            vec![words("intravenous immunoglobulin")]
        );
        assert_eq!(
            synonyms.expansions(&words("intravenous immunoglobulins")),
            vec![words("IVIG")]
        );
        assert_eq!(
            synonyms.expansions(&words("methotrexate")),
            vec![words("mtx")]
        );
        assert!(synonyms.expansions(&words("rituximab")).is_empty());
    }

    #[test]
    fn synonym_group_needs_two_terms() {
        let err =
            Synonyms::from_toml_str("[[group]]\nterms = [\"IVIG\"]\n", "syn.toml").unwrap_err();
        assert!(err.to_string().contains("syn.toml"), "{err}");
        let err =
            Synonyms::from_toml_str("[[group]]\nwords = [\"a\", \"b\"]\n", "syn.toml").unwrap_err();
        assert!(err.to_string().contains("words"), "{err}");
    }

    #[test]
    fn near_spellings_allow_one_or_two_edits_by_length() {
        assert!(near_spelling("immunosupress", "immunosuppress"));
        assert!(near_spelling("tacrolimu", "tacrolimus"));
        assert!(!near_spelling("asthma", "statin"));
        assert!(
            !near_spelling("cat", "car"),
            "short words must match exactly"
        );
        assert!(!near_spelling("2018", "2016"), "numbers must match exactly");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate_chars("µµµ", 2), "µµ");
        assert_eq!(truncate_chars("ab", 5), "ab");
    }
}

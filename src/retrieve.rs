//! Retrieval: turns a clinician's words (and the previous turn) into a lenient BM25 query with
//! synonyms from `corpus/synonyms.toml`, searches the index, and adds, after an article passage,
//! the best matching passage of each reference it cites (citation expansion). User text is never
//! parsed as query syntax. It knows nothing of answers, LLMs or HTTP.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::Path;

use tantivy::collector::{Collector, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, EnableScoring, FuzzyTermQuery, Occur, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Score, Searcher, TantivyDocument, Term};

use crate::analysis::{analyzer, tokens};
pub use crate::analysis::{contains_sequence, words};
use crate::contracts::{DocKind, Hit, Role, Turn, Via};
use crate::index::{Freshness, IndexError, SearchIndex, open_fresh};
use crate::question::{Strength, surface_words, vocabulary};
use crate::retrieval_model::retrieval_model;
use crate::semantic::{Semantic, WordTable};
use crate::stages::{Laps, Stages};
pub use crate::synonyms::{Synonyms, SynonymsError};

/// An analysed token and the byte range of its word.
type TokenSpan = (Range<usize>, String);
/// Most words of a question explained to the model in the words of the passages.
const MAX_GLOSSARY: usize = 6;
/// Longest query (in characters) we analyse; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 2000;
/// Largest number of hits one search may return.
pub const MAX_K: usize = 100;
/// Most passages of an article's scope its question's shorthand is read against.
const MAX_SCOPE_PASSAGES: usize = 2000;
/// How far back from a list item `context_of` looks for the lead-in of its list, in passages.
const MAX_LIST_REACH: usize = 40;

#[derive(Debug, thiserror::Error)]
pub enum RetrieveError {
    #[error("the query is empty: type a question or some words to search for")]
    EmptyQuery,
    #[error(
        "the query '{0}' has no searchable words (only punctuation or words like 'what', 'the'); add a medical term"
    )]
    NoTerms(String),
    #[error(transparent)]
    Synonyms(#[from] SynonymsError),
    #[error("search failed; the index may be corrupt ({0}); run `medcite index` to rebuild it")]
    Engine(#[from] tantivy::TantivyError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(
        "there is no article '{0}' in the corpus; the articles are listed by `GET /v1/models` (as medcite/<id>)"
    )]
    UnknownArticle(String),
}

/// One search: the question, the conversation so far, and how many hits to return.
#[derive(Debug, Clone, Copy)]
pub struct SearchRequest<'a> {
    pub query: &'a str,
    pub history: &'a [Turn],
    pub k: usize,
    /// Only this article and the references it cites, when set.
    pub article: Option<&'a str>,
}

/// A weighted piece of the query: a word, or a multi-word synonym matched as a phrase.
#[derive(Debug, Clone, PartialEq)]
enum Clause {
    Word(String, f32),
    /// A word no passage has, matched to words one or two edits away (a misspelling), when
    /// semantic matching is off (with it, the nearest corpus words are `Word` clauses).
    Fuzzy(String, f32),
    /// A synonym group the text names: matches a passage naming any of its terms.
    Concept(usize, f32),
}

/// What to search for: clauses that raise a passage's score, and (for an elliptical follow-up)
/// the previous turn's topic, one of whose clauses a passage must match.
#[derive(Debug, Clone, Default)]
struct Plan {
    clauses: Vec<Clause>,
    topic: Vec<Clause>,
    /// The question names no topic of its own: the previous turn's topics are its topics.
    inherits_topic: bool,
}

/// The candidates of a search ranked by their weighted score (a reference's BM25 score counts at
/// the reference weight of `data/retrieval-model.toml`), read from the store in BM25 order and
/// only as far as needed: a candidate not yet read weighs at most its BM25 score, so the read
/// ones weighing more than the next unread candidate's BM25 score hold their place whatever is
/// read after them.
struct Ranking {
    unread: std::iter::Peekable<std::vec::IntoIter<(Score, DocAddress)>>,
    /// Best weighted score first; equal scores in chunk order, so that the ranking does not
    /// depend on the order the index writer happened to store passages in.
    read: Vec<(f32, Hit)>,
    /// How many of `read`, from the first, hold their place.
    settled: usize,
}

impl Ranking {
    fn new(candidates: Vec<(Score, DocAddress)>) -> Ranking {
        let mut ranking = Ranking {
            unread: candidates.into_iter().peekable(),
            read: Vec::new(),
            settled: 0,
        };
        ranking.settle();
        ranking
    }

    fn insert(&mut self, weighted: f32, hit: Hit) {
        let at = self.read.partition_point(|(w, h)| {
            w.total_cmp(&weighted)
                .reverse()
                .then_with(|| h.chunk_id.cmp(&hit.chunk_id))
                .is_lt()
        });
        self.read.insert(at, (weighted, hit));
        self.settle();
    }

    fn settle(&mut self) {
        self.settled = match self.unread.peek() {
            Some((next, _)) => self.read.partition_point(|(w, _)| w > next),
            None => self.read.len(),
        };
    }

    /// Article passages among the settled ones.
    fn settled_articles(&self) -> usize {
        self.read[..self.settled]
            .iter()
            .filter(|(_, h)| h.kind == DocKind::Article)
            .count()
    }
}

/// What coverage needs of a request's [`Plan`], kept from its search (see
/// [`Retriever::search_planned`]).
#[derive(Debug, Clone, Copy)]
pub struct Planned {
    /// The question is about the previous turn's topic (it names none of its own, or its words
    /// are only aspects of that topic): the previous turn's topics are its topics too.
    follows_previous: bool,
}

impl Planned {
    fn of(plan: &Plan) -> Planned {
        Planned {
            follows_previous: plan.inherits_topic || !plan.topic.is_empty(),
        }
    }
}

impl Plan {
    /// How many term queries the plan makes (a word searches text and heading).
    fn term_queries(&self) -> usize {
        self.clauses
            .iter()
            .chain(&self.topic)
            .map(|c| match c {
                Clause::Word(..) => 2,
                Clause::Fuzzy(..) | Clause::Concept(..) => 1,
            })
            .sum()
    }
}

/// Searches one index generation with one synonym table.
pub struct Retriever {
    pub index: SearchIndex,
    synonyms: Synonyms,
    analyzer: TextAnalyzer,
    /// Reference notes whose publication is not confirmed, by id: "unknown" (untraced) or
    /// "candidate" (a likely match), so answers can say so where they quote them.
    provenance: HashMap<String, String>,
    /// The DOI and PMID of each reference note, by document id: the only addresses an answer
    /// may show (see [`crate::text::without_links`]).
    identifiers: HashMap<String, Vec<String>>,
    /// Each article's scope: its own id and the ids of the references it cites.
    scopes: HashMap<String, Vec<String>>,
    /// The articles citing each reference note, by the note's id, in id order.
    citing: HashMap<String, Vec<String>>,
    /// The articles, by id, with their titles, in id order.
    articles: Vec<(String, String)>,
    /// Related words and near spellings of the corpus; `None` when the word table is off or
    /// unreadable (BM25 and synonyms alone, logged by [`WordTable::configured`]).
    semantic: Option<Semantic>,
    /// The library's words as written, by their first letter: what a slip in typing one is
    /// read against in the whole library's scope (see [`crate::shorthand`]).
    surface: HashMap<char, Vec<String>>,
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
        let mut retriever = Retriever::new(index, synonyms);
        if let Ok(corpus) = crate::corpus::Corpus::load_catalogue(corpus_dir) {
            retriever = retriever.with_catalogue(&corpus);
        }
        Ok((retriever, freshness))
    }

    /// This retriever with what it needs to know of the corpus's documents: which references
    /// are unconfirmed, their DOIs and PMIDs, and each article's scope.
    pub fn with_catalogue(mut self, corpus: &crate::corpus::Corpus) -> Retriever {
        self.provenance = unconfirmed_references(corpus);
        self.identifiers = reference_identifiers(corpus);
        (self.scopes, self.articles) = article_scopes(corpus);
        self.citing = citing_articles(&self.articles, &self.scopes);
        self
    }

    /// A retriever with the configured word table (see [`WordTable::configured`]) restricted
    /// to this index's vocabulary.
    pub fn new(index: SearchIndex, synonyms: Synonyms) -> Retriever {
        let semantic = WordTable::configured().and_then(|table| match index.vocabulary() {
            Ok(vocabulary) => Some(Semantic::new(table, vocabulary)),
            Err(e) => {
                tracing::warn!("semantic matching off, BM25 and synonyms only: {e}");
                None
            }
        });
        let mut surface: HashMap<char, Vec<String>> = HashMap::new();
        match index.surface_words() {
            Ok(words) => {
                for word in words {
                    if let Some(first) = word.chars().next() {
                        surface.entry(first).or_default().push(word);
                    }
                }
            }
            Err(e) => tracing::warn!("slips of the keys read without the library's words: {e}"),
        }
        Retriever {
            index,
            synonyms,
            surface,
            analyzer: analyzer(),
            provenance: HashMap::new(),
            identifiers: HashMap::new(),
            scopes: HashMap::new(),
            citing: HashMap::new(),
            articles: Vec::new(),
            semantic,
        }
    }

    /// The articles of the corpus as (id, title), in id order.
    pub fn articles(&self) -> &[(String, String)] {
        &self.articles
    }

    /// The title of the article `id`, if the corpus has it.
    pub fn article_title(&self, id: &str) -> Option<&str> {
        self.articles
            .binary_search_by(|(a, _)| a.as_str().cmp(id))
            .ok()
            .map(|at| self.articles[at].1.as_str())
    }

    /// The articles whose scope holds the document `doc_id`: itself for an article, the
    /// articles citing it (in id order) for a reference note.
    pub fn articles_of<'a>(&'a self, doc_id: &'a str) -> Vec<&'a str> {
        if self.scopes.contains_key(doc_id) {
            return vec![doc_id];
        }
        self.citing
            .get(doc_id)
            .map_or_else(Vec::new, |ids| ids.iter().map(String::as_str).collect())
    }

    /// The documents an answer scoped to `article` may draw on: the article and the references
    /// it cites.
    pub fn scope(&self, article: &str) -> Result<&[String], RetrieveError> {
        self.scopes
            .get(article)
            .map(Vec::as_slice)
            .ok_or_else(|| RetrieveError::UnknownArticle(article.to_string()))
    }

    /// Whether a question asked in an article's box names no subject of its own and no earlier
    /// turn supplies one: the article's subject is then its subject.
    fn names_no_subject(&self, request: &SearchRequest<'_>, plan: &Plan) -> bool {
        request.article.is_some()
            && plan.topic.is_empty()
            && !plan.inherits_topic
            && !request.history.iter().any(|t| t.role == "user")
            && self.topic_terms(request.query).is_empty()
    }

    /// The passages of the article `request` is scoped to that state an aspect the question
    /// asks (by its `stated` patterns), in the article's order, each scored above the next.
    fn stating_asked(
        &self,
        searcher: &Searcher,
        request: &SearchRequest<'_>,
    ) -> Result<Vec<(Score, DocAddress)>, RetrieveError> {
        let Some(article) = request.article else {
            return Ok(Vec::new());
        };
        let asked =
            vocabulary().aspects_asked(truncate_chars(request.query.trim(), MAX_QUERY_CHARS));
        if !asked.iter().any(|a| a.can_be_stated()) {
            return Ok(Vec::new());
        }
        let found = searcher.search(
            &any_of(self.index.fields.doc_id, [article].into_iter()),
            &TopDocs::with_limit(MAX_SCOPE_PASSAGES).order_by_score(),
        )?;
        let mut stating: Vec<(usize, DocAddress)> = Vec::new();
        for (_, address) in found {
            let hit = self.hit(searcher, address, 0.0)?;
            if asked.iter().any(|a| a.stated_in(&hit.text)) {
                let number = chunk_number(&hit.chunk_id).map_or(usize::MAX, |(_, n)| n);
                stating.push((number, address));
            }
        }
        stating.sort_by_key(|(number, _)| *number);
        let count = stating.len() as f32;
        Ok(stating
            .into_iter()
            .enumerate()
            .map(|(at, (_, address))| (count - at as f32, address))
            .collect())
    }

    /// `query` restricted to the documents of `request.article`'s scope, if it has one; the
    /// restriction adds nothing to the score.
    fn scoped(
        &self,
        query: BooleanQuery,
        request: &SearchRequest<'_>,
    ) -> Result<BooleanQuery, RetrieveError> {
        let Some(article) = request.article else {
            return Ok(query);
        };
        let ids = self.scope(article)?;
        let any = any_of(self.index.fields.doc_id, ids.iter().map(String::as_str));
        let filter = ConstScoreQuery::new(Box::new(any), 0.0);
        Ok(BooleanQuery::new(vec![
            (Occur::Must, Box::new(query) as Box<dyn Query>),
            (Occur::Must, Box::new(filter)),
        ]))
    }

    /// `question` with its clinical shorthand read as the article (or, unscoped, the corpus)
    /// reads it: "flagyl dose in BQT (= bismuth quadruple therapy)?" (see [`crate::shorthand`]).
    pub fn read_shorthand(&self, question: &str, article: Option<&str>) -> String {
        self.shorthand_reader(article).read(question)
    }

    /// A reader of shorthand under `article` for several texts (a question and its history):
    /// the article's passages are read once for all of them.
    pub fn shorthand_reader<'a>(&'a self, article: Option<&'a str>) -> ScopeReader<'a> {
        ScopeReader {
            retriever: self,
            article,
            texts: std::cell::OnceCell::new(),
            own_words: std::cell::OnceCell::new(),
        }
    }

    /// The passages of `article`'s scope (the article and the references it cites), each as its
    /// title, section and text, with whether its note is an untraced reference's (its words may
    /// be only the notice the importer writes).
    fn scope_texts(&self, article: &str) -> Vec<(String, bool)> {
        let Ok(ids) = self.scope(article) else {
            return Vec::new();
        };
        let any = any_of(self.index.fields.doc_id, ids.iter().map(String::as_str));
        let searcher = self.index.reader.searcher();
        let Ok(found) = searcher.search(
            &any,
            &TopDocs::with_limit(MAX_SCOPE_PASSAGES).order_by_score(),
        ) else {
            return Vec::new();
        };
        found
            .into_iter()
            .filter_map(|(_, address)| self.hit(&searcher, address, 0.0).ok())
            .map(|hit| {
                let untraced = self
                    .provenance
                    .get(&hit.doc_id)
                    .is_some_and(|p| p == "unknown");
                (
                    format!("{}\n{}\n{}", hit.title, hit.section, hit.text),
                    untraced,
                )
            })
            .collect()
    }

    /// The DOI and PMID of the reference note `doc_id` (none for an article or an untraced note).
    pub fn identifiers(&self, doc_id: &str) -> &[String] {
        self.identifiers.get(doc_id).map_or(&[], Vec::as_slice)
    }

    /// Reference notes whose publication is untraced ("unknown") or only a likely match
    /// ("candidate"), by document id.
    pub fn provenance(&self) -> &HashMap<String, String> {
        &self.provenance
    }

    /// Replaces the semantic matcher (`None`: BM25 and synonyms alone).
    pub fn with_semantic(mut self, semantic: Option<Semantic>) -> Retriever {
        self.semantic = semantic;
        self
    }

    /// Related words and near spellings in this corpus, for deciding whether passages speak of
    /// what a question names; `None` when semantic matching is off.
    pub fn semantic(&self) -> Option<&Semantic> {
        self.semantic.as_ref()
    }

    /// The best `k` passages for the request, citation expansions included, ranked from 1.
    pub fn search(&self, request: &SearchRequest<'_>) -> Result<Vec<Hit>, RetrieveError> {
        self.search_timed(request, None)
    }

    /// [`Retriever::search`], its stages timed into `stages` when given (the bench).
    pub fn search_timed(
        &self,
        request: &SearchRequest<'_>,
        stages: Option<&mut Stages>,
    ) -> Result<Vec<Hit>, RetrieveError> {
        self.search_planned(request, stages).map(|(hits, _)| hits)
    }

    /// [`Retriever::search_timed`], with what [`Retriever::coverage_planned`] needs of the
    /// query's plan: an ask plans its query once, for both.
    pub fn search_planned(
        &self,
        request: &SearchRequest<'_>,
        stages: Option<&mut Stages>,
    ) -> Result<(Vec<Hit>, Planned), RetrieveError> {
        let mut laps = Laps::new(stages);
        let k = request.k.clamp(1, MAX_K);
        let mut plan = self.plan(request)?;
        let planned = Planned::of(&plan);
        let searcher = self.index.reader.searcher();
        let pool = k * 3 + 10;
        let mut query = self.scoped(self.query(&plan), request)?;
        laps.count(|s| &mut s.clauses, plan.term_queries());
        laps.lap(|s| &mut s.plan);
        let mut candidates = self.top_docs(&searcher, &query, pool, &mut laps)?;
        if candidates.is_empty() && !plan.topic.is_empty() {
            // Nothing on the previous topic: search the question on its own.
            plan.topic.clear();
            query = self.scoped(self.query(&plan), request)?;
            candidates = self.top_docs(&searcher, &query, pool, &mut laps)?;
        }
        if candidates.is_empty() && self.names_no_subject(request, &plan) {
            // In an article's box, a question naming no subject ("what to avoid?") asks about
            // the article's: when none of its words is the article's, the candidates are the
            // article's passages stating what it asks ("Never use short-acting nifedipine").
            candidates = self.stating_asked(&searcher, request)?;
        }
        laps.lap(|s| &mut s.search);
        // Candidates are read from the store only as far as the ranking below needs them.
        let mut ranked = Ranking::new(candidates);
        while ranked.settled_articles() < k && self.read_next(&searcher, &mut ranked)? {}
        laps.lap(|s| &mut s.fetch);
        // The references cited by the article passages that can make the top k, and the best
        // passage of each for this query, found in one search.
        let mut cited: Vec<String> = Vec::new();
        for (_, hit) in ranked.read[..ranked.settled]
            .iter()
            .filter(|(_, h)| h.kind == DocKind::Article)
            .take(k)
        {
            for reference in &hit.cites {
                if !cited.contains(reference) {
                    cited.push(reference.clone());
                }
            }
        }
        let best = self.best_in_documents(&searcher, &query, &cited)?;
        let mut hits: Vec<Hit> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut at = 0;
        while hits.len() < k {
            if at == ranked.settled {
                if self.read_next(&searcher, &mut ranked)? {
                    continue;
                }
                if at == ranked.read.len() {
                    break;
                }
            }
            let hit = ranked.read[at].1.clone();
            at += 1;
            if !seen.insert(hit.chunk_id.clone()) {
                continue;
            }
            let cites = if hit.kind == DocKind::Article {
                hit.cites.clone()
            } else {
                Vec::new()
            };
            let citing = hit.chunk_id.clone();
            hits.push(hit);
            for reference in cites {
                if let Some(expansion) = best.get(&reference)
                    && seen.insert(expansion.chunk_id.clone())
                {
                    hits.push(Hit {
                        via: Via::Citation,
                        cited_by: Some(citing.clone()),
                        ..expansion.clone()
                    });
                }
            }
        }
        let mut hits = self.with_own_statements(&searcher, request.query, hits, &mut seen)?;
        hits.truncate(k);
        for (n, hit) in hits.iter_mut().enumerate() {
            hit.rank = n + 1;
        }
        laps.lap(|s| &mut s.citations);
        Ok((hits, planned))
    }

    /// The top `limit` of `query`, its segments searched in parallel (the one search of a
    /// request long enough to gain by it), as `Searcher::search_with_executor` does, but with
    /// the query's weight (each term's statistics looked up in every segment, on the calling
    /// thread, before the segments are handed over) timed as a stage of its own.
    fn top_docs(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        limit: usize,
        laps: &mut Laps<'_>,
    ) -> Result<Vec<(Score, DocAddress)>, RetrieveError> {
        let collector = TopDocs::with_limit(limit).order_by_score();
        let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
        laps.lap(|s| &mut s.weight);
        let fruits = self.index.executor.map(
            |(ord, reader)| collector.collect_segment(weight.as_ref(), ord as u32, reader),
            searcher.segment_readers().iter().enumerate(),
        )?;
        Ok(collector.merge_fruits(fruits)?)
    }

    /// Whether `hits` cover the question, decided on its topics, not on every word: each key term
    /// (its words less aspect, generic and question words, numbers and units; for an elliptical
    /// follow-up, the previous turn's too) is looked for in the passages, as itself, a synonym
    /// or a near spelling. A missing term that names a medical subject or population
    /// ("pregnancy", "eculizumab", "Kawasaki disease") means the sources do not cover the
    /// question; a missing ordinary word ("threshold") only makes it borderline, answered when
    /// another of its topics is found. The terms found must also meet in one source, weighed
    /// by their rarity in the corpus, or the sources do not cover the question.
    pub fn coverage(&self, request: &SearchRequest<'_>, hits: &[Hit]) -> Coverage {
        match self.plan(request) {
            Ok(plan) => self.coverage_planned(request, Planned::of(&plan), hits, Presence::Scope),
            Err(_) => Coverage::default(),
        }
    }

    /// [`Retriever::coverage`] of a request already planned by [`Retriever::search_planned`].
    pub fn coverage_planned(
        &self,
        request: &SearchRequest<'_>,
        plan: Planned,
        hits: &[Hit],
        presence: Presence,
    ) -> Coverage {
        let question = truncate_chars(request.query.trim(), MAX_QUERY_CHARS);
        let mut concepts = self.concepts(question);
        // What an earlier turn named is context: found, it counts as found; missing, it
        // declines nothing by itself (that turn was answered or declined on its own).
        let own = concepts.len();
        // A follow-up naming a topic of its own ("pyelo in pregnancy", then "admit?") still
        // asks of the earlier turn's patient: what that turn named that no passage names is
        // read too, but only to be said missing; found, it counts for nothing.
        let follows = plan.follows_previous;
        if let Some(previous) = request.history.iter().rev().find(|t| t.role == "user") {
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
        // A topic is in the sources when a retrieved passage names it, or any passage does (a
        // second topic of the question may rank below the first one's passages).
        let searcher = self.index.reader.searcher();
        let in_library = |word: &str| self.in_library(&searcher, word);
        let indexed = |word: &str| {
            if !in_library(word) {
                return false;
            }
            if request.article.is_none() || presence == Presence::Library {
                return true;
            }
            let term = Term::from_field_text(self.index.fields.text, word);
            let query = BooleanQuery::new(vec![(
                Occur::Must,
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
            )]);
            self.scoped(query, request)
                .ok()
                .and_then(|q| searcher.search(&q, &tantivy::collector::Count).ok())
                .is_some_and(|n| n > 0)
        };
        let spelt_out = |concept: &Concept| {
            is_acronym(&concept.surface)
                && hits
                    .iter()
                    .any(|h| spells_out(&concept.surface, &format!("{}\n{}", h.title, h.text)))
        };
        // A closely related word of the retrieved passages stands for the term ("renal" for
        // "kidney").
        let related_in_passages = |word: &str| -> Option<String> {
            let semantic = self.semantic.as_ref()?;
            semantic
                .neighbours(word)
                .into_iter()
                .find(|(w, similarity)| {
                    *similarity >= retrieval_model().coverage.related_similarity
                        && vocabulary.contains(w.as_str())
                })
                .map(|(w, _)| w)
        };
        let related_present = |word: &str| related_in_passages(word).is_some();
        // Found as written (or as a synonym, a near spelling, a word of the same root, an
        // acronym spelt out) in the retrieved passages.
        // A near spelling or a word of the same root stands for the word typed (a typo, a
        // plural), not for its synonyms: a brand name one letter from an unrelated word
        // ("acic", "acid") is no mention of the drug.
        let directly =
            |concept: &Concept| {
                spelt_out(concept)
                    || concept.alternatives.iter().enumerate().any(|(n, alt)| {
                        match alt.as_slice() {
                            [word] => {
                                vocabulary.contains(word.as_str())
                                    || (n == 0
                                        && vocabulary
                                            .iter()
                                            .any(|v| near_spelling(word, v) || same_root(word, v)))
                            }
                            _ => passages.iter().any(|p| contains_sequence(p, alt)),
                        }
                    })
            };
        // Or anywhere in the scope, or as a closely related word of the passages: found only so
        // ("dialysis" as "hemodialysis"), the passages' word, as they write it, is handed to the
        // stages that follow.
        let present = |concept: &Concept| {
            directly(concept)
                || concept.alternatives.iter().any(|alt| match alt.as_slice() {
                    [word] => indexed(word) || related_present(word),
                    _ => false,
                })
        };
        let written = |stem: &str| -> Option<String> {
            hits.iter().find_map(|h| {
                h.text
                    .split(|c: char| !c.is_alphanumeric() && c != '-')
                    .find(|w| self.words(w) == [stem])
                    .map(str::to_string)
            })
        };
        // A long word sharing most of its letters, at its beginning or its end, with a word of
        // the passages is a form of it ("hemolyzed", "hemolysis").
        // Read only when a long word is missing, which few questions have.
        let passage_words = std::cell::OnceCell::<HashSet<String>>::new();
        let passage_words = || {
            passage_words.get_or_init(|| {
                hits.iter()
                    .flat_map(|h| h.text.split(|c: char| !c.is_alphanumeric()))
                    .filter(|w| !w.is_empty())
                    .map(str::to_lowercase)
                    .collect()
            })
        };
        let form_of_a_passage_word = |typed: &str, share: f32| -> Option<String> {
            let model = &retrieval_model().coverage;
            let typed: Vec<char> = typed.to_lowercase().chars().collect();
            if typed.len() < model.unknown_term_letters {
                return None;
            }
            let passage_words = passage_words();
            let least = ((typed.len() as f32 * share).ceil() as usize)
                .max(model.unknown_term_letters.saturating_sub(3));
            // The word sharing most letters with it, the first in order of those sharing as
            // many: the same reading on every run.
            passage_words
                .iter()
                .filter_map(|word| {
                    let letters: Vec<char> = word.chars().collect();
                    let begins = typed
                        .iter()
                        .zip(&letters)
                        .take_while(|(a, b)| a == b)
                        .count();
                    let ends = (typed.iter().rev())
                        .zip(letters.iter().rev())
                        .take_while(|(a, b)| a == b)
                        .count();
                    let shared = begins.max(ends);
                    (letters != typed && shared >= least).then_some((shared, word))
                })
                .max_by(|(a, x), (b, y)| a.cmp(b).then_with(|| y.cmp(x)))
                .map(|(_, word)| word.clone())
        };
        // A condition the question says the patient lacks ("no diabetes") that no source names
        // declines nothing: the sources are said not to mention it.
        let absent = crate::compose::Absent::new(question);
        // The words the question says its patient cannot have: an allergen, a drug had or that
        // failed, one the patient cannot take.
        // Read only when a drug's name is missing, which few questions have.
        let phrasing = &crate::question::vocabulary().phrasing;
        let cannot_have = std::cell::OnceCell::<Vec<String>>::new();
        let not_for_the_patient = |surface: &str| {
            let words = cannot_have.get_or_init(|| {
                let (plain, _) = crate::shorthand::appositives(question);
                (phrasing.not_for_the_patient(&plain).into_iter())
                    .map(str::to_string)
                    .collect()
            });
            words.iter().any(|w| w.eq_ignore_ascii_case(surface))
        };
        let mut related = Vec::new();
        let mut key_terms = Vec::new();
        let mut missing = Vec::new();
        let mut weak_missing = Vec::new();
        let mut earlier_missing = Vec::new();
        let mut unnamed_forms = Vec::new();
        let mut known: Vec<&Concept> = Vec::new();
        // The earlier turn's topics the sources name: a follow-up of ordinary words only ("how
        // long to wait?" after "switching from lisinopril") is about them.
        let mut earlier_found = 0;
        for (n, concept) in concepts.iter().enumerate() {
            if key_terms.contains(&concept.name) {
                continue;
            }
            if n >= own && !follows {
                if !present(concept) {
                    if !earlier_missing.contains(&concept.surface) {
                        earlier_missing.push(concept.surface.clone());
                    }
                } else if concept.strength == Strength::Strong {
                    earlier_found += 1;
                }
                continue;
            }
            key_terms.push(concept.name.clone());
            // A long word that no passage has, nor anything spelt like it, is a term of its own
            // ("cyclophosphamide", "telehealth"), not question phrasing.
            let unknown_term = concept.strength == Strength::Weak
                && concept.surface.chars().count()
                    >= retrieval_model().coverage.unknown_term_letters
                && concept.alternatives.len() == 1
                && !in_library(&concept.name)
                && !crate::text::is_everyday_long_word(&concept.surface.to_lowercase());
            // An ordinary word of the question that is a form of a passage's word is read as
            // that word from here on ("hemolyzed (= hemolysis)"); it declines nothing, and
            // the question's other topics decide.
            // A topic word only so at a larger share ("immunotherapy" of "immunotherapeutic",
            // not of "immunosuppression").
            let share = if concept.strength == Strength::Weak {
                retrieval_model().coverage.form_share
            } else {
                retrieval_model().coverage.topic_form_share
            };
            // A drug's name is no form of another word: omeprazole is not esomeprazole.
            let a_drug = (concept.alternatives.iter())
                .any(|alt| !alt.is_empty() && self.synonyms.names_a_drug(alt));
            let form = (n < own && !present(concept) && !a_drug)
                .then(|| {
                    form_of_a_passage_word(&concept.surface, share).or_else(|| {
                        derived_forms(&concept.surface)
                            .into_iter()
                            .find(|other| passage_words().contains(other))
                    })
                })
                .flatten();
            if let Some(word) = form {
                related.push((concept.surface.clone(), word));
            } else if present(concept) {
                // A drug's name of several words that no passage writes as typed names a form
                // of the drug (its salt, its release): the words of it no passage writes.
                let typed: Vec<&str> = if a_drug && n < own && concept.name.contains(' ') {
                    concept.name.split(' ').collect()
                } else {
                    Vec::new()
                };
                if typed.len() > 1
                    && typed.len() == concept.surface.split_whitespace().count()
                    && !passages
                        .iter()
                        .any(|p| p.windows(typed.len()).any(|w| w == typed.as_slice()))
                {
                    for (stem, surface) in typed.iter().zip(concept.surface.split_whitespace()) {
                        // A clipping of a word they write ("vit" of "vitamin D") is that word.
                        let clipped = vocabulary.iter().any(|w| w.starts_with(stem));
                        if !vocabulary.contains(stem)
                            && !clipped
                            && !unnamed_forms.contains(&surface.to_string())
                        {
                            unnamed_forms.push(surface.to_string());
                        }
                    }
                }
                if n < own
                    && !directly(concept)
                    && let Some(word) = related_in_passages(&concept.name).and_then(|w| written(&w))
                {
                    related.push((concept.surface.clone(), word));
                }
                known.push(concept);
            } else if n >= own {
                earlier_missing.push(concept.surface.clone());
            } else if phrasing.is_allergy_word(&concept.surface.to_lowercase())
                || (a_drug && not_for_the_patient(&concept.surface))
            {
                // An allergy the sources never speak of declines nothing, nor a drug the
                // patient cannot have that they never name ("allergic to lorazepam, what
                // instead?"): the answer says they do not say what to give such a patient.
            } else if (concept.strength == Strength::Strong || unknown_term)
                && !absent.names(&concept.name)
            {
                missing.push(concept.surface.clone());
            } else {
                weak_missing.push(concept.surface.clone());
            }
        }
        let found = known.len();
        // "lupus or other CTD?": one alternative the sources name is enough to answer.
        let named: Vec<&str> = known.iter().map(|c| c.surface.as_str()).collect();
        let (unnamed_options, still_missing): (Vec<String>, Vec<String>) =
            missing.into_iter().partition(|m| {
                or_alternative_named(question, m, &named, &|w| passage_words().contains(w))
            });
        missing = still_missing;
        // The question's topics must meet in one source (an article with the references it
        // cites): topics scattered over unrelated abstracts are not an answer.
        if missing.is_empty() {
            let sources: Vec<Source> = source_families(hits)
                .iter()
                .map(|members| Source::new(members.iter().map(|&m| (&passages[m], &hits[m]))))
                .collect();
            if let Some(apart) = self.apart(&searcher, &concepts, &known, &sources) {
                missing = apart;
                weak_missing.clear();
            }
        }
        let retrieved = !hits.is_empty();
        let weak_only = missing.is_empty() && !weak_missing.is_empty();
        Coverage {
            covered: retrieved
                && missing.is_empty()
                && (weak_missing.is_empty() || found > 0 || earlier_found > 0),
            borderline: retrieved && weak_only,
            key_terms,
            missing,
            weak_missing,
            related,
            unnamed_options,
            earlier_missing,
            unnamed_forms,
        }
    }

    /// The question's topics that the best source lacks, when the topics the corpus knows do not
    /// meet in one source: the source whose passages hold most of them must hold at least the
    /// source share (`data/retrieval-model.toml`) of their weight, each weighing its rarity (see
    /// [`Retriever::rarity`]), so that an abstract sharing only a question's common words
    /// ("diagnosis", "children") does not answer it. Topics no passage names are left to the
    /// presence check: they tell no source apart.
    fn apart(
        &self,
        searcher: &Searcher,
        concepts: &[Concept],
        known: &[&Concept],
        sources: &[Source],
    ) -> Option<Vec<String>> {
        if known.len() < 2 {
            return None;
        }
        let weights: Vec<f32> = known.iter().map(|c| self.rarity(searcher, c)).collect();
        let total: f32 = weights.iter().sum();
        let held = |source: &Source| -> f32 {
            known
                .iter()
                .zip(&weights)
                .filter(|(concept, _)| self.holds(source, concept))
                .map(|(_, weight)| weight)
                .sum()
        };
        let (weight, best) = sources
            .iter()
            .map(|source| (held(source), source))
            .max_by(|a, b| a.0.total_cmp(&b.0))?;
        if weight >= retrieval_model().coverage.source_share * total {
            return None;
        }
        let mut apart: Vec<String> = Vec::new();
        for concept in concepts {
            if !self.holds(best, concept) && !apart.contains(&concept.surface) {
                apart.push(concept.surface.clone());
            }
        }
        Some(apart)
    }

    /// How much naming `concept` tells one passage from another: BM25's idf of its commonest
    /// form in the corpus ("diagnosis" little, "appendicitis" much). A concept no passage names
    /// as written (only spelt out or as a related word) weighs as a word of one passage.
    fn rarity(&self, searcher: &Searcher, concept: &Concept) -> f32 {
        let passages = searcher.num_docs() as f32;
        let doc_freq = |word: &str| {
            let term = Term::from_field_text(self.index.fields.text, word);
            searcher.doc_freq(&term).unwrap_or(0)
        };
        let commonest = concept
            .alternatives
            .iter()
            .map(|alt| alt.iter().map(|w| doc_freq(w)).min().unwrap_or(0))
            .max()
            .unwrap_or(0)
            .max(1) as f32;
        (1.0 + (passages - commonest + 0.5) / (commonest + 0.5)).ln()
    }

    /// Whether `source`'s passages name `concept`: as one of its forms, a near spelling, a word of
    /// the same root, the two halves of a compound ("pre-menopausal" for "premenopausal"), a
    /// closely related word ("children" for "kids"), or an acronym spelt out.
    fn holds(&self, source: &Source, concept: &Concept) -> bool {
        if is_acronym(&concept.surface)
            && source
                .texts
                .iter()
                .any(|text| spells_out(&concept.surface, text))
        {
            return true;
        }
        let related = |word: &str| {
            self.semantic.as_ref().is_some_and(|s| {
                s.neighbours(word).iter().any(|(w, similarity)| {
                    *similarity >= retrieval_model().coverage.related_similarity
                        && source.vocabulary.contains(w)
                })
            })
        };
        concept.alternatives.iter().any(|alt| match alt.as_slice() {
            [word] => {
                source.vocabulary.contains(word)
                    || source.compounds.contains(word)
                    || source
                        .vocabulary
                        .iter()
                        .any(|v| near_spelling(word, v) || same_root(word, v))
                    || related(word)
            }
            _ => source.passages.iter().any(|p| contains_sequence(p, alt)),
        })
    }

    /// The things `text` names: each multi-word synonym and topic phrase it contains, and each
    /// other word that may name a topic, with their synonyms as alternatives.
    fn concepts(&self, text: &str) -> Vec<Concept> {
        // A reading in brackets is another form of the word it follows, not a topic of its own.
        let (plain, readings) = crate::shorthand::appositives(text);
        if !readings.is_empty() {
            let mut concepts = self.concepts(&plain);
            for (word, readings) in &readings {
                // A word the analyser drops ("IN", intranasal) is named by its reading.
                let stems = match self.words(word) {
                    stems if stems.is_empty() => readings
                        .first()
                        .map(|reading| self.words(reading))
                        .unwrap_or_default(),
                    stems => stems,
                };
                // An older patient's age ("65M") names the patient, not a topic the sources
                // must hold: adult guidance still answers. A child's age does ("6yo").
                let older = *readings == vocabulary().ages.older_reading;
                let at = concepts.iter().position(|c| {
                    c.surface.eq_ignore_ascii_case(word) || stems.last() == Some(&c.name)
                });
                // Shorthand too short to name a topic by itself ("dex") names what it is read
                // as.
                let at = match at {
                    Some(at) => at,
                    None if !stems.is_empty() => {
                        concepts.push(Concept {
                            name: stems.join(" "),
                            surface: word.clone(),
                            strength: Strength::Strong,
                            alternatives: vec![stems],
                        });
                        concepts.len() - 1
                    }
                    None => continue,
                };
                let concept = &mut concepts[at];
                if older {
                    concept.strength = Strength::Weak;
                }
                // A child's age is named by its population alone: the word that ends it ("old"
                // of "6 year old") is in any text giving an age ("This 19-year-old …").
                if *readings == vocabulary().ages.child_reading {
                    concept.alternatives.clear();
                }
                for reading in readings {
                    let terms = self.synonyms.reading_terms(reading);
                    // What it is read as says how surely it names a topic: a drug's name
                    // ("ivabraidne"), a population ("preegnancy").
                    if terms.first().is_some_and(|t| self.synonyms.names_a_drug(t)) {
                        concept.strength = Strength::Strong;
                    } else if let Some(read) = (!older)
                        .then(|| self.concepts(reading).iter().map(|c| c.strength).max())
                        .flatten()
                    {
                        concept.strength = concept.strength.max(read);
                    }
                    for term in terms {
                        if !concept.alternatives.contains(&term) {
                            concept.alternatives.push(term);
                        }
                    }
                }
            }
            return concepts;
        }
        let words = self.words(text);
        let mut consumed = vec![false; words.len()];
        let mut concepts = Vec::new();
        // A name of several words that asks an aspect ("follow up") names no topic; the asking
        // words are read only for a question holding such a name.
        let asking = std::cell::OnceCell::new();
        for (n, t, start) in self.synonyms.occurrences(&words) {
            let group = &self.synonyms.groups[n];
            let term = &group[t];
            if term.len() < 2 {
                continue;
            }
            let asking = asking.get_or_init(|| vocabulary().aspect_words(text));
            if term.iter().all(|word| asking.contains(word)) {
                continue;
            }
            let span = start..start + term.len();
            if consumed[span.clone()].iter().all(|c| !c) {
                consumed[span].iter_mut().for_each(|c| *c = true);
                concepts.push(Concept {
                    name: term.join(" "),
                    surface: self
                        .typed(text, term)
                        .map_or_else(|| term.join(" "), str::to_string),
                    strength: Strength::Strong,
                    alternatives: group.clone(),
                });
            }
        }
        for phrase in vocabulary().topic_phrases_in(text) {
            let sequence = self.words(&phrase);
            if sequence.len() > 1 && contains_sequence(&words, &sequence) {
                let alternatives = self.disorders_of_an_organ(&sequence);
                concepts.push(Concept {
                    name: sequence.join(" "),
                    surface: phrase.trim().to_string(),
                    strength: Strength::Strong,
                    alternatives,
                });
            }
        }
        let surfaces = surface_words(text);
        let topics = self.topic_terms(text);
        for (word, _) in words.iter().zip(&consumed).filter(|(_, c)| !**c) {
            if !topics.contains(word) {
                continue;
            }
            let at = surfaces.iter().position(|(stem, _)| stem == word);
            let surface = at.map_or_else(|| word.clone(), |i| own_part(&surfaces[i].1, word));
            let strength = self.strength(word, &surface, at == Some(0));
            if strength == Strength::Ignore {
                continue;
            }
            let mut alternatives = vec![vec![word.clone()]];
            let mut strength = strength;
            for n in self.synonyms.groups_of(std::slice::from_ref(word)) {
                alternatives.extend(self.synonyms.groups[n].iter().cloned());
                // A drug's name names a topic, however ordinary its spelling looks.
                if self.synonyms.is_drug(n) {
                    strength = Strength::Strong;
                }
            }
            if let Some(long) = vocabulary().expansion(word) {
                alternatives.push(long.to_vec());
            }
            // A name written only of drugs' names ("trimethoprim sulfamethoxazole" for
            // "Bactrim") is a drug's too.
            let is_drug = |w: &String| self.synonyms.names_a_drug(std::slice::from_ref(w));
            if alternatives.iter().any(|alt| alt.iter().all(is_drug)) {
                strength = Strength::Strong;
            }
            concepts.push(Concept {
                name: word.clone(),
                surface,
                strength,
                alternatives,
            });
        }
        concepts
    }

    /// The ways of naming a topic phrase (analysed): itself, and, for an organ and a word
    /// naming its disorder in general ("liver disease"), the organ or a name of one word the
    /// synonyms give it ("hepatic") with any such word ("hepatic dysfunction").
    fn disorders_of_an_organ(&self, sequence: &[String]) -> Vec<Vec<String>> {
        let mut alternatives = vec![sequence.to_vec()];
        let [organ, head] = sequence else {
            return alternatives;
        };
        let heads: Vec<String> = (vocabulary().condition_heads.iter())
            .flat_map(|head| self.words(head))
            .collect();
        if !heads.contains(head) {
            return alternatives;
        }
        let mut organs = vec![organ.clone()];
        for n in self.synonyms.groups_of(std::slice::from_ref(organ)) {
            for term in &self.synonyms.groups[n] {
                if let [one] = term.as_slice()
                    && !organs.contains(one)
                {
                    organs.push(one.clone());
                }
            }
        }
        for organ in &organs {
            for head in &heads {
                let named = vec![organ.clone(), head.clone()];
                if !alternatives.contains(&named) {
                    alternatives.push(named);
                }
            }
        }
        alternatives
    }

    /// How surely a word of a question names a topic ([`Vocabulary::strength`]); besides,
    /// shorthand nobody reads ("amp") and no passage of the library has names something the
    /// sources lack: it is neither an everyday word nor question phrasing.
    fn strength(&self, stem: &str, surface: &str, opening: bool) -> Strength {
        match vocabulary().strength(stem, surface, opening) {
            Strength::Ignore if self.unread_shorthand(stem, surface) => Strength::Strong,
            Strength::Ignore => Strength::Ignore,
            _ if self.reads_as_phrasing(stem, surface) => Strength::Ignore,
            strength => strength,
        }
    }

    /// Whether `surface` is shorthand whose standard reading is question phrasing, as its
    /// written-out word is ("SL", sublingual, a route like "IM" and "SC"), and whose readings
    /// the library names none of, nor the shorthand itself: "nifedipine SL ok?" asks of
    /// nifedipine.
    fn reads_as_phrasing(&self, stem: &str, surface: &str) -> bool {
        let senses = crate::shorthand::senses(surface);
        let phrasing = |sense: &str| {
            let lower = sense.to_lowercase();
            self.words(&lower)
                .iter()
                .all(|stem| vocabulary().is_question_word(stem, &lower))
        };
        senses.iter().any(|sense| phrasing(sense)) && !self.library_reads(stem, senses)
    }

    /// Whether the library names shorthand analysed as `stem`, or every word of one of its
    /// readings `senses`.
    fn library_reads(&self, stem: &str, senses: &[&str]) -> bool {
        let searcher = self.index.reader.searcher();
        let in_library = |word: &str| self.in_library(&searcher, word);
        in_library(stem)
            || senses
                .iter()
                .any(|sense| self.words(sense).iter().all(|w| in_library(w)))
    }

    /// Whether `surface` (analysed as `stem`) is short lower-case shorthand of a drug's name
    /// that no reading explains: three letters that begin a drug's name, no everyday English
    /// word, no question word, and neither it nor any of its standard readings
    /// (`data/abbreviations.tsv`) a term of the library ("amp" where no passage names
    /// ampicillin, amphotericin or an ampule).
    fn unread_shorthand(&self, stem: &str, surface: &str) -> bool {
        surface.chars().count() == 3
            && surface.chars().all(|c| c.is_ascii_lowercase())
            && !crate::text::is_common_word(surface)
            && !vocabulary().is_question_word(stem, surface)
            && crate::shorthand::begins_a_drug_name(surface)
            // Nor does the library name any of its standard readings ("cx", culture), or a
            // word it may clip ("fem", femoral).
            && !self.library_reads(stem, crate::shorthand::senses(surface))
            && !self.begins_an_indexed_term(&self.index.reader.searcher(), surface)
    }

    /// Whether some passage of the library has `word` (analysed) in its text.
    fn in_library(&self, searcher: &Searcher, word: &str) -> bool {
        let term = Term::from_field_text(self.index.fields.text, word);
        searcher.doc_freq(&term).is_ok_and(|n| n > 0)
    }

    /// Whether some word of the library's text begins with `prefix` (lower-cased) and is longer.
    fn begins_an_indexed_term(&self, searcher: &Searcher, prefix: &str) -> bool {
        searcher.segment_readers().iter().any(|reader| {
            let Ok(index) = reader.inverted_index(self.index.fields.text) else {
                return false;
            };
            let Ok(mut stream) = index.terms().range().ge(prefix.as_bytes()).into_stream() else {
                return false;
            };
            while stream.advance() {
                let key = stream.key();
                if !key.starts_with(prefix.as_bytes()) {
                    return false;
                }
                if key.len() > prefix.len() {
                    return true;
                }
            }
            false
        })
    }

    /// Whether the sources can be said not to mention a word of a question, as typed, that none
    /// of them has: its meaning is known (an everyday word, a word of the semantic table, a word
    /// another article of the library writes, or a long word, a term of its own:
    /// `coverage.unknown_term_letters`), and no word of the scope (`scope`, the analysed words
    /// of an article and its references: [`Retriever::scope_words`]; the corpus without one)
    /// is near it in meaning or spelling. Unread shorthand
    /// ("etoh") and a clipping of a word the corpus has ("docs", doctors) may be named
    /// otherwise. With `by_meaning` false only spelling counts: the words of a declined
    /// question, which no word near in meaning answered either ("physical therapy?" where the
    /// sources write "mechanism").
    pub fn plainly_absent(
        &self,
        typed: &str,
        scope: Option<&HashSet<String>>,
        by_meaning: bool,
    ) -> bool {
        let lower = typed.to_lowercase();
        let stems = self.words(&lower);
        let Some(semantic) = self.semantic.as_ref() else {
            return false;
        };
        // A word another article of the library writes is spelt as authors write it, no slip
        // or unread shorthand: "opioids" asked in the box of an article that never names one.
        // A standard abbreviation is read by its senses ("TMP-SMX"): absent when none of them
        // is written either.
        let senses = crate::shorthand::senses(&lower);
        let known = crate::text::is_common_word(&lower)
            || lower.chars().count() >= retrieval_model().coverage.unknown_term_letters
            || !senses.is_empty()
            || (!stems.is_empty()
                && stems
                    .iter()
                    .all(|stem| semantic.knows(stem) || semantic.in_corpus(stem)));
        if !known {
            return false;
        }
        // In one article's box, near in what that article and its references write: a word
        // near it in another article ("vomiting" for "nausea") is no way this one names it.
        let sense_written = |has: &dyn Fn(&str) -> bool| {
            (senses.iter()).any(|sense| self.words(sense).iter().all(|w| has(w)))
        };
        let near = |stem: &str, has: &dyn Fn(&str) -> bool| {
            if by_meaning {
                semantic.has_near_in(stem, has)
            } else {
                semantic.spelt_near_in(stem, has)
            }
        };
        match scope {
            Some(scope) => {
                let has = |w: &str| scope.contains(w);
                !stems.iter().any(|stem| near(stem, &has)) && !sense_written(&has)
            }
            None => {
                let searcher = self.index.reader.searcher();
                let has = |w: &str| semantic.in_corpus(w);
                !stems.iter().any(|stem| near(stem, &has))
                    && !sense_written(&|w| self.in_library(&searcher, w))
            }
        }
    }

    /// The analysed words of an article and the references it cites: the scope
    /// [`Retriever::plainly_absent`] reads nearness in.
    pub fn scope_words(&self, article: &str) -> HashSet<String> {
        self.scope_texts(article)
            .iter()
            .flat_map(|(text, _)| self.words(text))
            .collect()
    }

    /// `text` as typed where its words analyse as `term` ("TMP-SMX" for `["tmp", "smx"]`).
    fn typed<'t>(&self, text: &'t str, term: &[String]) -> Option<&'t str> {
        let stems: Vec<(String, Range<usize>)> = word_spans(text)
            .into_iter()
            .flat_map(|span| {
                let stems = self.words(&text[span.clone()]);
                stems.into_iter().map(move |stem| (stem, span.clone()))
            })
            .collect();
        stems
            .windows(term.len().max(1))
            .find(|run| run.iter().map(|(stem, _)| stem).eq(term.iter()))
            .map(|run| &text[run[0].1.start..run[run.len() - 1].1.end])
    }

    /// Analysed words of `text`, in order.
    pub fn words(&self, text: &str) -> Vec<String> {
        let mut analyzer = self.analyzer.clone();
        tokens(&mut analyzer, text)
            .into_iter()
            .map(|(_, t)| t)
            .collect()
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

    /// Words of the question that the passages write otherwise, each with the passages'
    /// wording, in question order: an abbreviation spelt out ("CTD": "connective tissue
    /// diseases"), another name of a synonym group ("FK506": "tacrolimus"). A small model that
    /// matches words literally then finds the sentence that answers. A word the passages also
    /// write as the question does is left out.
    pub fn glossary(&self, question: &str, texts: &[&str]) -> Vec<(String, String)> {
        let mut analyzer = self.analyzer.clone();
        let spans = |analyzer: &mut TextAnalyzer, text: &str| {
            let mut out: Vec<TokenSpan> = Vec::new();
            let mut stream = analyzer.token_stream(text);
            stream.process(&mut |t| out.push((t.offset_from..t.offset_to, t.text.clone())));
            out
        };
        let asked = spans(&mut analyzer, question);
        let asked_words: Vec<String> = asked.iter().map(|(_, w)| w.clone()).collect();
        let passages: Vec<(&str, Vec<TokenSpan>)> = texts
            .iter()
            .map(|t| (*t, spans(&mut analyzer, t)))
            .collect();
        let written: HashSet<&str> = passages
            .iter()
            .flat_map(|(_, s)| s.iter().map(|(_, w)| w.as_str()))
            .collect();
        // Where the passages write a token sequence: its text in the first passage that has it.
        let wording = |term: &[String]| {
            passages.iter().find_map(|(text, spans)| {
                let words: Vec<&String> = spans.iter().map(|(_, w)| w).collect();
                let at = words
                    .windows(term.len())
                    .position(|w| w.iter().zip(term).all(|(a, b)| *a == b))?;
                Some(text[spans[at].0.start..spans[at + term.len() - 1].0.end].to_string())
            })
        };
        // Where the question writes a token sequence.
        let typed = |term: &[String]| {
            let at = asked_words.windows(term.len()).position(|w| w == term)?;
            Some(question[asked[at].0.start..asked[at + term.len() - 1].0.end].to_string())
        };
        let mut out: Vec<(usize, String, String)> = Vec::new();
        let mut add = |at: usize, typed: String, wording: String| {
            let glossed = |t: &str| {
                let t = t.to_lowercase();
                t.split_whitespace().any(|w| w.eq_ignore_ascii_case(&typed))
            };
            if !out.iter().any(|(_, t, _)| glossed(t)) && !typed.eq_ignore_ascii_case(&wording) {
                out.push((at, typed, wording));
            }
        };
        for n in self.synonyms.groups_in(&asked_words) {
            let terms = &self.synonyms.groups[n];
            let in_question: Vec<&Vec<String>> = terms
                .iter()
                .filter(|t| contains_sequence(&asked_words, t))
                .collect();
            if in_question.iter().any(|t| wording(t).is_some()) {
                continue;
            }
            let (Some(first), Some(found)) =
                (in_question.first(), terms.iter().find_map(|t| wording(t)))
            else {
                continue;
            };
            if let Some(typed) = typed(first) {
                let at = question.find(&typed).unwrap_or(0);
                add(at, typed, found);
            }
        }
        for (range, word) in &asked {
            if written.contains(word.as_str()) {
                continue;
            }
            let surface = &question[range.clone()];
            let long = vocabulary().expansion(word).and_then(&wording);
            let spelt = || {
                is_acronym(surface)
                    .then(|| {
                        texts.iter().find_map(|text| {
                            spelled_out(surface, text).map(|r| text[r].to_string())
                        })
                    })
                    .flatten()
            };
            if let Some(found) = long.or_else(spelt) {
                add(range.start, surface.to_string(), found);
            }
        }
        out.sort_by_key(|(at, _, _)| *at);
        out.into_iter()
            .take(MAX_GLOSSARY)
            .map(|(_, typed, wording)| (typed, wording))
            .collect()
    }

    /// The weighted words of the question and of the previous user turn. A question that names
    /// no topic of its own ("what dose?", "side effects?", "is 15 mg enough to need it?") is
    /// elliptical: it asks about the previous turn's topic, whose words then become required
    /// (`Plan::topic`), except when it asks what comes next ("and if that fails?"), which
    /// searches the aspect's words with the previous topic as context.
    fn plan(&self, request: &SearchRequest<'_>) -> Result<Plan, RetrieveError> {
        let query = truncate_chars(request.query.trim(), MAX_QUERY_CHARS);
        if query.is_empty() {
            return Err(RetrieveError::EmptyQuery);
        }
        let mut clauses = self.weighted(query, 1.0);
        let mut asked = vocabulary().aspects_asked(query);
        let names_a_topic = !self.topic_terms(query).is_empty();
        let previous_turn =
            (request.history.iter().rev()).find(|t| t.role == "user" && t.content.trim() != query);
        // A follow-up naming no topic after a turn saying a treatment failed ("failed MTX",
        // then "next?") asks what comes after it, as "what next?" does.
        if !asked.iter().any(|a| a.name == "next")
            && !names_a_topic
            && let Some(previous) = previous_turn
            && let Some(next) = (vocabulary().aspects_asked(&previous.content).into_iter())
                .find(|a| a.name == "next")
        {
            asked.push(next);
        }
        let asks_next = asked.iter().any(|a| a.name == "next");
        let methods = vocabulary().methods_words(query);
        for aspect in &asked {
            for word in aspect
                .expand
                .iter()
                .map(String::as_str)
                .chain(methods.iter().copied())
            {
                for clause in self.weighted(word, retrieval_model().search.aspect) {
                    if !clauses.iter().any(|known| same_words(known, &clause)) {
                        clauses.push(clause);
                    }
                }
            }
        }
        // Made only of aspect words and numbers ("what dose?", "side effects?"): the previous
        // topic is required. Naming no topic but saying more ("is 15 mg enough to need it?"):
        // the previous topic counts as much as the question's own words.
        let only_aspects = clauses.iter().all(|c| match c {
            Clause::Word(word, _) => {
                self.synonyms.aspects.contains(word) || word.chars().any(|c| c.is_ascii_digit())
            }
            Clause::Fuzzy(..) | Clause::Concept(..) => true,
        });
        // A follow-up standing for the previous turn's topic by a pronoun ("can they go
        // home?") names none of its own unless it names one surely.
        let names_no_topic = !names_a_topic
            || (refers_to_earlier(query)
                && self
                    .concepts(query)
                    .iter()
                    .all(|c| c.strength != Strength::Strong));
        let mut topic = Vec::new();
        if let Some(previous) = previous_turn {
            let previous = truncate_chars(&previous.content, MAX_QUERY_CHARS);
            if only_aspects && !asks_next {
                topic = self
                    .weighted(previous, 1.0)
                    .into_iter()
                    .filter(|c| !clauses.iter().any(|known| same_words(known, c)))
                    .collect();
            } else {
                let weight = if names_no_topic && !asks_next {
                    1.0
                } else {
                    retrieval_model().search.history
                };
                for clause in self.weighted(previous, weight) {
                    if !clauses.iter().any(|known| same_words(known, &clause)) {
                        clauses.push(clause);
                    }
                }
            }
        }
        if clauses.is_empty() && topic.is_empty() {
            return Err(RetrieveError::NoTerms(query.to_string()));
        }
        self.correct_spelling(&mut clauses);
        self.correct_spelling(&mut topic);
        let inherits_topic = names_no_topic
            && request
                .history
                .iter()
                .any(|t| t.role == "user" && t.content.trim() != query);
        Ok(Plan {
            clauses,
            topic,
            inherits_topic,
        })
    }

    /// The analysed words of `text` that may name a topic: not aspect, generic or question
    /// words, nor numbers and units.
    pub fn topic_terms(&self, text: &str) -> Vec<String> {
        let (plain, _) = crate::shorthand::appositives(text);
        let text = plain.as_str();
        let vocabulary = vocabulary();
        let first = surface_words(text).first().map(|(stem, _)| stem.clone());
        // The words that ask an aspect ("tolerated", "side effects") are not what it is asked of.
        let asking = vocabulary.aspect_words(text);
        let mut out: Vec<String> = Vec::new();
        for (stem, surface) in surface_words(text) {
            let opening = first.as_deref() == Some(stem.as_str());
            if self.synonyms.aspects.contains(&stem)
                || asking.contains(&stem)
                || self.synonyms.generic.contains(&stem)
                || self.strength(&stem, &surface, opening) == Strength::Ignore
            {
                continue;
            }
            if !out.contains(&stem) {
                out.push(stem);
            }
        }
        // A multi-word term of the corpus's vocabulary ("first-line", "creatine kinase") names a
        // topic even when each of its words alone is question phrasing.
        let analysed = self.words(text);
        for (n, t, _) in self.synonyms.occurrences(&analysed) {
            let term = &self.synonyms.groups[n][t];
            if term.len() > 1 && !out.contains(&term.join(" ")) {
                out.push(term.join(" "));
            }
        }
        out
    }

    /// Adds, for each word no passage has and the synonym table does not know (a likely
    /// misspelling: "metotrexate"), the corpus words nearest in spelling as word clauses (see
    /// [`Semantic::spellings`]); without the word table, a fuzzy clause one or two edits wide.
    fn correct_spelling(&self, clauses: &mut Vec<Clause>) {
        let searcher = self.index.reader.searcher();
        let mut added = Vec::new();
        for clause in clauses.iter() {
            let Clause::Word(word, weight) = clause else {
                continue;
            };
            if word.chars().count() < 5 || word.chars().any(|c| c.is_ascii_digit()) {
                continue;
            }
            let term = Term::from_field_text(self.index.fields.text, word);
            // A name the synonym table knows ("ampicillin") is no misspelling of a corpus word
            // ("amoxicillin"), even when no passage has it.
            if !searcher.doc_freq(&term).is_ok_and(|n| n == 0)
                || !self
                    .synonyms
                    .groups_of(std::slice::from_ref(word))
                    .is_empty()
            {
                continue;
            }
            let weight = weight * retrieval_model().search.synonym;
            // The corpus words it is nearest to, each searched as the word it stands for (its
            // BM25 weighs a rare corrected word as rare); an automaton's constant score without
            // the corpus vocabulary.
            match &self.semantic {
                Some(semantic) => {
                    let mut near: Vec<String> = semantic
                        .spellings(word)
                        .into_iter()
                        .map(|(spelling, _)| spelling)
                        .collect();
                    // A long word spelt like none is searched as the corpus's words that
                    // begin as nearly all of it does: its other forms ("immunotherapeutic"
                    // for "immunotherapy").
                    let model = &retrieval_model().coverage;
                    let letters = word.chars().count();
                    if near.is_empty() && letters >= model.unknown_term_letters {
                        let least = (letters as f32 * model.topic_form_share).ceil() as usize;
                        near = semantic.beginning_alike(word, least);
                    }
                    for spelling in near {
                        let clause = Clause::Word(spelling, weight);
                        if !clauses.iter().chain(&added).any(|c| same_words(c, &clause)) {
                            added.push(clause);
                        }
                    }
                }
                None => added.push(Clause::Fuzzy(word.clone(), weight)),
            }
        }
        clauses.extend(added);
    }

    /// `words` with each that neither the corpus nor the synonym table has, and that is near
    /// the spelling of exactly one corpus word, replaced by that word.
    fn respelt(&self, words: &[String]) -> Vec<String> {
        let Some(semantic) = self
            .semantic
            .as_ref()
            .filter(|s| words.iter().any(|w| !s.in_corpus(w)))
        else {
            return words.to_vec();
        };
        let known = self.synonyms.occurrences(words);
        words
            .iter()
            .enumerate()
            .map(|(at, word)| {
                let in_table = known.iter().any(|&(n, t, start)| {
                    (start..start + self.synonyms.groups[n][t].len()).contains(&at)
                });
                match semantic.spellings(word).as_slice() {
                    [(spelling, _)] if !in_table => spelling.clone(),
                    _ => word.clone(),
                }
            })
            .collect()
    }

    /// The words of `text` at `weight`, their synonyms and their related corpus words (see
    /// [`Semantic::related`]) at lower weights.
    fn weighted(&self, text: &str, weight: f32) -> Vec<Clause> {
        // A word the question names only as absent ("no CAD") is searched at a fraction of its
        // weight, and so is its reading.
        self.weighted_by(text, weight, &crate::compose::Absent::new(text))
    }

    /// [`Retriever::weighted`], with what `text` names only as absent read once.
    fn weighted_by(&self, text: &str, weight: f32, absent: &crate::compose::Absent) -> Vec<Clause> {
        // A reading in brackets ("BQT (= bismuth quadruple therapy)") is a synonym of its word.
        let (plain, readings) = crate::shorthand::appositives(text);
        let model = &retrieval_model().search;
        let negated = |word: &str| absent.names(word);
        if !readings.is_empty() {
            let mut clauses = self.weighted_by(&plain, weight, absent);
            for (typed, read) in &readings {
                let typed_words = self.words(typed);
                let weight = if !typed_words.is_empty() && typed_words.iter().all(|w| negated(w)) {
                    weight * model.negated
                } else {
                    weight
                };
                for reading in read {
                    let unnegated = crate::compose::Absent::default();
                    for clause in self.weighted_by(reading, weight * model.synonym, &unnegated) {
                        if !clauses.iter().any(|known| same_words(known, &clause)) {
                            clauses.push(clause);
                        }
                    }
                }
            }
            return clauses;
        }
        let mut analyzer = self.analyzer.clone();
        let words: Vec<String> = tokens(&mut analyzer, text)
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        let mut clauses: Vec<Clause> = Vec::new();
        // The share of its weight each word keeps.
        let kept: Vec<f32> = (words.iter())
            .map(|w| if negated(w) { model.negated } else { 1.0 })
            .collect();
        for (at, word) in words.iter().enumerate() {
            let clause = Clause::Word(word.clone(), weight * kept[at]);
            if !clauses.iter().any(|known| same_words(known, &clause)) {
                clauses.push(clause);
            }
        }
        // A word in several groups (a class word is in each of its members' groups) shares one
        // clause's weight among them, so that it counts no more than a word of one group. A
        // misspelt word names the groups of the word it is nearest to ("dexamethsone").
        let found = self.synonyms.occurrences(&self.respelt(&words));
        let sharing = |at: usize, len: usize| {
            found
                .iter()
                .filter(|&&(n, t, a)| a == at && self.synonyms.groups[n][t].len() == len)
                .count()
                .max(1) as f32
        };
        let mut shares: Vec<(usize, f32)> = Vec::new();
        for &(n, t, at) in &found {
            let share = kept[at] / sharing(at, self.synonyms.groups[n][t].len());
            match shares.iter_mut().find(|(group, _)| *group == n) {
                Some((_, best)) => *best = best.max(share),
                None => shares.push((n, share)),
            }
        }
        shares.sort_by_key(|(group, _)| *group);
        for (group, share) in shares {
            clauses.push(Clause::Concept(
                group,
                weight * retrieval_model().search.synonym * share,
            ));
        }
        for word in &words {
            for long in vocabulary().expansion(word).unwrap_or_default() {
                let clause = Clause::Word(long.clone(), weight * retrieval_model().search.synonym);
                if !clauses.iter().any(|known| same_words(known, &clause)) {
                    clauses.push(clause);
                }
            }
        }
        if let Some(semantic) = &self.semantic {
            let settings = semantic.settings;
            // Only words that name something: an aspect or question word stays as typed, and
            // an elliptical follow-up stays elliptical.
            let named = words.iter().filter(|w| {
                !self.synonyms.aspects.contains(*w)
                    && !self.synonyms.generic.contains(*w)
                    && !vocabulary().is_question_word(w, w)
                    && (settings.expand_known || !semantic.in_corpus(w))
            });
            // Misspellings are `correct_spelling`'s: only the table's related words here.
            for word in named {
                for (related, similarity) in semantic.neighbours(word) {
                    let clause = Clause::Word(related, weight * settings.weight * similarity);
                    if !clauses.iter().any(|known| same_words(known, &clause)) {
                        clauses.push(clause);
                    }
                }
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
        let mut add = |query: Box<dyn Query>, boost: f32| {
            parts.push((Occur::Should, Box::new(BoostQuery::new(query, boost))));
        };
        for clause in clauses {
            match clause {
                Clause::Word(word, weight) => {
                    add(
                        Box::new(term_query(fields.text, word)),
                        retrieval_model().search.text * weight,
                    );
                    add(
                        Box::new(term_query(fields.heading, word)),
                        retrieval_model().search.heading * weight,
                    );
                }
                Clause::Fuzzy(word, weight) => {
                    let two = retrieval_model().search.fuzzy_two_edits_letters;
                    let distance = if word.chars().count() >= two { 2 } else { 1 };
                    let term = Term::from_field_text(fields.text, word);
                    // A fuzzy match scores a constant 1, below BM25's scores for rare words: a
                    // misspelt word is usually the topic, so it weighs as much as one.
                    add(
                        Box::new(FuzzyTermQuery::new(term, distance, true)),
                        retrieval_model().search.fuzzy * weight,
                    );
                }
                Clause::Concept(group, weight) => {
                    let concept = Synonyms::concept(*group);
                    let term = Term::from_field_text(fields.concepts, &concept);
                    add(
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                        *weight,
                    );
                }
            }
        }
        parts
    }

    /// The list a lead-in passage introduces: when `hit` is an article's lead-in, the list items
    /// or steps that follow it (at most `max`), scored 0.
    pub fn list_items(&self, hit: &Hit, max: usize) -> Result<Vec<Hit>, RetrieveError> {
        if hit.kind != DocKind::Article || hit.role != Role::LeadIn {
            return Ok(Vec::new());
        }
        let Some((doc, number)) = chunk_number(&hit.chunk_id) else {
            return Ok(Vec::new());
        };
        let searcher = self.index.reader.searcher();
        let following = self.chunks_of(&searcher, doc, number + 1..=number + max)?;
        // A lead-in that ends its section ("Select from these evidence-based options:")
        // introduces the sections after it, each headed by an option ("ACE Inhibitors",
        // "Calcium Channel Blockers").
        if following.first().is_some_and(|f| f.section != hit.section) {
            return self.options_after(&searcher, doc, number, max);
        }
        let mut items = Vec::new();
        for mut item in following {
            // Only the items of this list: those that follow it and name it as their lead.
            if !item.role.belongs() || item.lead != hit.text || item.section != hit.section {
                break;
            }
            item.score = 0.0;
            items.push(item);
        }
        Ok(items)
    }

    /// The first passage of each section after the lead-in `doc#number` whose heading names a
    /// drug or a class of drugs, up to the first section whose heading names none, at most
    /// `max`: the options a lead-in ending its section introduces. Scored 0.
    fn options_after(
        &self,
        searcher: &Searcher,
        doc: &str,
        number: usize,
        max: usize,
    ) -> Result<Vec<Hit>, RetrieveError> {
        let mut options: Vec<Hit> = Vec::new();
        let mut section: Option<String> = None;
        for chunk in self.chunks_of(searcher, doc, number + 1..=number + MAX_LIST_REACH)? {
            if section.as_deref() == Some(chunk.section.as_str()) {
                continue;
            }
            let heading = chunk.section.rsplit(" › ").next().unwrap_or_default();
            if options.len() == max || !crate::shorthand::names_drug_or_class(heading) {
                break;
            }
            section = Some(chunk.section.clone());
            options.push(Hit {
                score: 0.0,
                ..chunk
            });
        }
        Ok(options)
    }

    /// The passage an article passage depends on for its sense, when there is one: the lead-in
    /// of the list it is an item of ("For severe, rapidly progressive cases …:"), or the passage
    /// before one that refers back to it ("This combination has shown …"). Same document and
    /// section only; scored 0.
    pub fn context_of(&self, hit: &Hit) -> Result<Option<Hit>, RetrieveError> {
        if hit.kind != DocKind::Article {
            return Ok(None);
        }
        let Some((doc, number)) = chunk_number(&hit.chunk_id) else {
            return Ok(None);
        };
        let searcher = self.index.reader.searcher();
        if hit.role.belongs() && !hit.lead.is_empty() {
            // The nearest passage before it that is not an item of the list: its lead-in.
            let before = number.saturating_sub(MAX_LIST_REACH).max(1)..=number.saturating_sub(1);
            let mut earlier = self.chunks_of(&searcher, doc, before)?;
            earlier.retain(|h| h.section == hit.section);
            let lead = earlier.into_iter().rev().find(|h| !h.role.belongs());
            return Ok(lead
                .filter(|h| h.role == Role::LeadIn && h.text == hit.lead)
                .map(|h| Hit { score: 0.0, ..h }));
        }
        let Some(before) = number.checked_sub(1).filter(|&n| n > 0) else {
            return Ok(None);
        };
        let previous = self.chunks_of(&searcher, doc, before..=before)?.pop();
        Ok(previous
            .filter(|p| p.section == hit.section && refers_back(&hit.text))
            .map(|p| Hit { score: 0.0, ..p }))
    }

    /// The item right after a list item `hit` that names a drug, when that next item names none
    /// and so goes on about the same drug ("Labetalol (oral) …", then "Maximal effect at 2-4
    /// hours"): same document, section and flat list; scored 0.
    pub fn continuation_of(&self, hit: &Hit) -> Result<Option<Hit>, RetrieveError> {
        let flat = |h: &Hit| h.role.belongs() && h.lead.is_empty() && !h.text.contains('\n');
        if hit.kind != DocKind::Article || !flat(hit) || !self.names_drug(&hit.text) {
            return Ok(None);
        }
        let Some((doc, number)) = chunk_number(&hit.chunk_id) else {
            return Ok(None);
        };
        let searcher = self.index.reader.searcher();
        let next = self
            .chunks_of(&searcher, doc, number + 1..=number + 1)?
            .pop();
        Ok(next
            .filter(|n| n.section == hit.section && flat(n) && !self.names_drug(&n.text))
            .map(|n| Hit { score: 0.0, ..n }))
    }

    /// Whether `text` names a drug of the synonym groups.
    pub fn names_drug(&self, text: &str) -> bool {
        let words = self.words(text);
        self.synonyms
            .occurrences(&words)
            .into_iter()
            .any(|(n, _, _)| self.synonyms.is_drug(n))
    }

    /// The passages `doc#n` for `n` in `numbers` that exist, in order, scored 0.
    fn chunks_of(
        &self,
        searcher: &Searcher,
        doc: &str,
        numbers: std::ops::RangeInclusive<usize>,
    ) -> Result<Vec<Hit>, RetrieveError> {
        let ids: Vec<String> = numbers.map(|n| format!("{doc}#{n}")).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found = searcher.search(
            &any_of(self.index.fields.chunk_id, ids.iter().map(String::as_str)),
            &TopDocs::with_limit(ids.len()).order_by_score(),
        )?;
        let mut hits = Vec::new();
        for (_, address) in found {
            hits.push(self.hit(searcher, address, 0.0)?);
        }
        hits.sort_by_key(|h| chunk_number(&h.chunk_id).map_or(0, |(_, n)| n));
        Ok(hits)
    }

    /// `hits` with, after each reference's first passage, that reference's passage that best
    /// states what the question asks of each source (whether it is confirmed: "is that source
    /// confirmed?"), when it asks such an aspect.
    fn with_own_statements(
        &self,
        searcher: &Searcher,
        query: &str,
        hits: Vec<Hit>,
        seen: &mut HashSet<String>,
    ) -> Result<Vec<Hit>, RetrieveError> {
        let query = truncate_chars(query.trim(), MAX_QUERY_CHARS);
        let words: Vec<&str> = vocabulary()
            .aspects_asked(query)
            .into_iter()
            .filter(|a| a.per_source)
            .flat_map(|a| a.expand.iter().map(String::as_str))
            .collect();
        if words.is_empty() {
            return Ok(hits);
        }
        let mut references: Vec<String> = Vec::new();
        for hit in hits.iter().filter(|h| h.kind == DocKind::Reference) {
            if !references.contains(&hit.doc_id) {
                references.push(hit.doc_id.clone());
            }
        }
        let plan = Plan {
            clauses: self.weighted(&words.join(", "), 1.0),
            topic: Vec::new(),
            inherits_topic: false,
        };
        let mut best = self.best_in_documents(searcher, &self.query(&plan), &references)?;
        let mut out = Vec::with_capacity(hits.len() + best.len());
        for hit in hits {
            let own = best.remove(&hit.doc_id);
            out.push(hit);
            if let Some(own) = own
                && seen.insert(own.chunk_id.clone())
            {
                out.push(own);
            }
        }
        Ok(out)
    }

    /// The best passage for `query` of each document in `doc_ids`, by document id.
    fn best_in_documents(
        &self,
        searcher: &Searcher,
        query: &BooleanQuery,
        doc_ids: &[String],
    ) -> Result<HashMap<String, Hit>, RetrieveError> {
        let mut best: HashMap<String, Hit> = HashMap::new();
        if doc_ids.is_empty() {
            return Ok(best);
        }
        let any_document: Vec<(Occur, Box<dyn Query>)> = doc_ids
            .iter()
            .map(|id| {
                let term = Term::from_field_text(self.index.fields.doc_id, id);
                let query: Box<dyn Query> =
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic));
                (Occur::Should, query)
            })
            .collect();
        let in_documents = BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(ConstScoreQuery::new(
                    Box::new(BooleanQuery::new(any_document)),
                    0.0,
                )),
            ),
            (Occur::Must, Box::new(query.clone())),
        ]);
        // A reference note has a handful of passages: a few per document is enough to see the
        // best of each.
        let limit = doc_ids.len() * 4;
        for (score, address) in
            searcher.search(&in_documents, &TopDocs::with_limit(limit).order_by_score())?
        {
            let hit = self.hit(searcher, address, score)?;
            if !best.contains_key(&hit.doc_id) {
                best.insert(hit.doc_id.clone(), hit);
            }
            if best.len() == doc_ids.len() {
                break;
            }
        }
        Ok(best)
    }

    /// Reads the next candidate of `ranked` from the store and ranks it; `false` when every
    /// candidate is read.
    fn read_next(&self, searcher: &Searcher, ranked: &mut Ranking) -> Result<bool, RetrieveError> {
        let Some((score, address)) = ranked.unread.next() else {
            return Ok(false);
        };
        let hit = self.hit(searcher, address, score)?;
        let weight = match hit.kind {
            DocKind::Article => 1.0,
            DocKind::Reference => retrieval_model().search.reference,
        };
        ranked.insert(hit.score * weight, hit);
        Ok(true)
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
            text: text(fields.passage),
            score,
            cites: doc
                .get_all(fields.cites)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            via: Via::Search,
            cited_by: None,
            role: Role::parse(&text(fields.role)).unwrap_or_default(),
            lead: text(fields.lead),
            keywords: text(fields.keywords),
        })
    }
}

/// Where a question's word that no retrieved passage has may still be found for coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// In the request's scope only: an article's box answers from that article alone.
    Scope,
    /// Anywhere in the library (choosing which article answers an unscoped question: a word
    /// the chosen article lacks is then judged in its own scope).
    Library,
}

/// The hits grouped by source: each article with the hits of the references it cites, and each
/// other reference on its own (indices into `hits`).
/// What a question's shorthand is read against: the scoped article's passages, or the whole
/// index without a scope (see [`crate::shorthand::Article`]).
pub struct ScopeReader<'a> {
    retriever: &'a Retriever,
    article: Option<&'a str>,
    texts: std::cell::OnceCell<Vec<ScopeText>>,
    /// The scope's words as written, lower case, each once, in order: read once per request.
    own_words: std::cell::OnceCell<Vec<String>>,
}

/// A passage of a scope as shorthand reads it: its text, its analysed words (in a scope), and
/// whether it is an untraced reference's note.
struct ScopeText {
    text: String,
    words: Vec<String>,
    untraced: bool,
}

impl ScopeReader<'_> {
    /// `text` with its shorthand read (see [`Retriever::read_shorthand`]).
    pub fn read(&self, text: &str) -> String {
        crate::shorthand::read(text, self)
    }

    /// The scope's passages, each with its analysed words, read once; without a scope, the
    /// library's article titles.
    fn texts(&self) -> &[ScopeText] {
        self.texts.get_or_init(|| {
            // Without a scope, the library's article titles: where an article's own shorthand
            // ("EM" for "Erythema Migrans") is most often spelt out.
            let texts = match self.article {
                Some(article) => self.retriever.scope_texts(article),
                None => (self.retriever.articles.iter())
                    .map(|(_, title)| (title.clone(), false))
                    .collect(),
            };
            // The words are for `names` in a scope; the library's are looked up in the index.
            texts
                .into_iter()
                .map(|(text, untraced)| {
                    let words = match self.article {
                        Some(_) => self.retriever.words(&text),
                        None => Vec::new(),
                    };
                    ScopeText {
                        text,
                        words,
                        untraced,
                    }
                })
                .collect()
        })
    }
}

impl crate::shorthand::Article for ScopeReader<'_> {
    fn is_one_article(&self) -> bool {
        self.article.is_some()
    }

    fn words_beginning(&self, first: char, each: &mut dyn FnMut(&str)) {
        if self.article.is_none() {
            for word in self.retriever.surface.get(&first).into_iter().flatten() {
                each(word);
            }
            return;
        }
        let own = self.own_words.get_or_init(|| {
            let mut own: Vec<String> = self
                .texts()
                .iter()
                .flat_map(|scope| scope.text.split(|c: char| !c.is_alphabetic()))
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect();
            own.sort_unstable();
            own.dedup();
            own
        });
        own.iter()
            .filter(|word| word.starts_with(first))
            .for_each(|word| each(word));
    }

    fn is_a_word(&self, word: &str) -> bool {
        self.retriever.semantic.as_ref().is_some_and(|semantic| {
            self.retriever
                .words(word)
                .iter()
                .any(|stem| semantic.knows(stem) || semantic.in_corpus(stem))
        })
    }

    fn writes_in_capitals(&self, word: &str) -> bool {
        if self.article.is_none() {
            return false;
        }
        let upper = word.to_uppercase();
        self.texts().iter().any(|scope| {
            !scope.untraced
                && scope
                    .text
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w == upper)
        })
    }

    fn names(&self, phrase: &str) -> bool {
        let words = self.retriever.words(phrase);
        if words.is_empty() {
            return false;
        }
        if self.article.is_some() {
            return self
                .texts()
                .iter()
                .any(|scope| contains_sequence(&scope.words, &words));
        }
        let searcher = self.retriever.index.reader.searcher();
        let field = self.retriever.index.fields.text;
        // Each word at its place: a stop word between two ("quality of life") keeps its gap.
        let mut analyzer = self.retriever.analyzer.clone();
        let terms: Vec<(usize, Term)> = tokens(&mut analyzer, phrase)
            .into_iter()
            .map(|(at, w)| (at, Term::from_field_text(field, &w)))
            .collect();
        if terms
            .iter()
            .any(|(_, t)| searcher.doc_freq(t).is_ok_and(|n| n == 0))
        {
            return false;
        }
        if let [_] = terms.as_slice() {
            return true;
        }
        let phrase = tantivy::query::PhraseQuery::new_with_offset(terms);
        searcher
            .search(&phrase, &tantivy::collector::Count)
            .is_ok_and(|n| n > 0)
    }

    fn spelled_out(&self, acronym: &str) -> Option<String> {
        // Not from an untraced reference's note: the importer's notice ("what the article
        // cites it for") would spell "CI" out as "cites it".
        let texts: Vec<&ScopeText> = self
            .texts()
            .iter()
            .filter(|scope| !scope.untraced)
            .collect();
        // By first letters in any text before letters inside a word in one (see
        // [`spelled_out`]).
        let by = |inside: bool| {
            (texts.iter()).filter_map(move |scope| {
                spelled_out_by(acronym, &scope.text, inside).map(|range| &scope.text[range])
            })
        };
        let mut readings = by(by(false).next().is_none());
        let first = readings.next()?;
        // Titles of several articles spelling it out otherwise ("AP": "Acute Pancreatitis",
        // "Acute Pyelonephritis") give no one reading of the library's.
        if self.article.is_none() && readings.any(|other| !other.eq_ignore_ascii_case(first)) {
            return None;
        }
        Some(first.to_string())
    }

    fn terms_ending(&self, clipped: &str) -> Vec<String> {
        if self.article.is_none() {
            return Vec::new();
        }
        let Ok([own]) = <[String; 1]>::try_from(self.retriever.words(clipped)) else {
            return Vec::new();
        };
        let longer = retrieval_model().shorthand.clipped_letters;
        let mut terms: Vec<String> = Vec::new();
        let mut stems: Vec<String> = Vec::new();
        for ScopeText { text, .. } in self.texts() {
            for word in text.split(|c: char| !c.is_alphanumeric()) {
                let lower = word.to_lowercase();
                if lower.chars().count() < clipped.chars().count() + longer
                    || crate::text::is_common_word(&lower)
                {
                    continue;
                }
                let Ok([stem]) = <[String; 1]>::try_from(self.retriever.words(&lower)) else {
                    continue;
                };
                if stem.ends_with(own.as_str()) && stem != own && !stems.contains(&stem) {
                    stems.push(stem);
                    terms.push(lower);
                }
            }
        }
        terms
    }

    fn terms_beginning(&self, clipped: &str) -> Vec<String> {
        // Not from the library's titles: tried, PubMedQA's rewritten questions gained one
        // ("chemo"), but dev unscoped test lost one to a wrong decline.
        if self.article.is_none() {
            return Vec::new();
        }
        let synonyms = &self.retriever.synonyms;
        let mut terms: Vec<String> = Vec::new();
        let mut stems: Vec<String> = Vec::new();
        for ScopeText { text, .. } in self.texts() {
            for word in text.split(|c: char| !c.is_alphanumeric()) {
                let lower = word.to_lowercase();
                if lower.len() <= clipped.len() || !lower.starts_with(clipped) {
                    continue;
                }
                let Ok([stem]) = <[String; 1]>::try_from(self.retriever.words(&lower)) else {
                    continue;
                };
                if stems.contains(&stem) {
                    continue;
                }
                let is_drug = synonyms.names_a_drug(std::slice::from_ref(&stem));
                // A clinical word clipped as clinicians clip it ("benzo" for benzodiazepines):
                // at least three letters longer than its clipping and no word of everyday
                // English ("benefit" is not what "bene" clips).
                let term = lower.chars().count()
                    >= clipped.chars().count() + retrieval_model().shorthand.clipped_letters
                    && !crate::text::is_common_word(&lower);
                if is_drug || term {
                    stems.push(stem);
                    terms.push(lower);
                }
            }
        }
        // A clipping that also begins an everyday word ("bact": "bacteria", "bacterial") is
        // no clipping of the article's one uncommon word ("bacteriuria"); a drug's name is.
        if crate::text::begins_a_common_word(clipped) {
            terms.retain(|term| {
                let stems = self.retriever.words(term);
                synonyms.names_a_drug(&stems)
            });
        }
        terms
    }
}

/// A query matching a passage whose `field` holds any of `values` (exact terms).
fn any_of<'a>(field: Field, values: impl Iterator<Item = &'a str>) -> BooleanQuery {
    BooleanQuery::new(
        values
            .map(|value| {
                let term = Term::from_field_text(field, value);
                let query: Box<dyn Query> =
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic));
                (Occur::Should, query)
            })
            .collect(),
    )
}

/// A chunk id's document and number ("article#12" → ("article", 12)).
fn chunk_number(chunk_id: &str) -> Option<(&str, usize)> {
    let (doc, number) = chunk_id.rsplit_once('#')?;
    Some((doc, number.parse().ok()?))
}

/// Whether `question` joins `missing` by "or" to a topic in `named` ("lupus or other CTD",
/// "CTD or lupus"), or to a word the passages write (`written`, lower case: "IV methylpred or
/// is oral fine?"): either alternative then answers it. Not "vs": a comparison needs both.
/// Question words on either side of "or" ("ok or must be", "or can I use") are passed over.
fn or_alternative_named(
    question: &str,
    missing: &str,
    named: &[&str],
    written: &dyn Fn(&str) -> bool,
) -> bool {
    let words: Vec<String> = question
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let missing = missing.to_lowercase();
    let named: Vec<String> = named.iter().map(|n| n.to_lowercase()).collect();
    let fillers = &vocabulary().phrasing.or_fillers;
    // A filler, a question word or a word the analyser drops ("be").
    let filler = |w: &str| {
        fillers.iter().any(|f| f == w)
            || vocabulary().is_question_word(w, w)
            || crate::analysis::words(w).is_empty()
    };
    let is_named = |w: Option<&String>| w.is_some_and(|w| named.contains(w) || written(w));
    let or = |w: &&String| *w == "or";
    words.iter().enumerate().any(|(i, w)| {
        if *w != missing {
            return false;
        }
        // The words past fillers and question words on either side: "or", then the other.
        let mut next = words[i + 1..].iter().filter(|w| or(w) || !filler(w));
        let after = next.next().filter(or).and_then(|_| next.next());
        let mut previous = words[..i].iter().rev().filter(|w| or(w) || !filler(w));
        let before = previous.next().filter(or).and_then(|_| previous.next());
        is_named(after) || is_named(before)
    })
}

/// The other forms of a clinical term, as adjective or noun, by the endings of
/// `derived_endings` (`data/retrieval-model.toml`): "sepsis" for "septic", "anemic" for
/// "anemia", in lower case. None for a word too short to tell.
pub(crate) fn derived_forms(typed: &str) -> Vec<String> {
    let model = &retrieval_model().coverage;
    let lower = typed.to_lowercase();
    if lower.chars().count() < model.derived_letters || !lower.chars().all(char::is_alphabetic) {
        return Vec::new();
    }
    let mut forms = Vec::new();
    for (adjective, noun) in &model.derived_endings {
        for (from, to) in [(adjective, noun), (noun, adjective)] {
            if let Some(base) = lower.strip_suffix(from.as_str())
                && base.chars().count() >= 3
            {
                let form = format!("{base}{to}");
                if !forms.contains(&form) {
                    forms.push(form);
                }
            }
        }
    }
    forms
}

/// Whether a question has a word standing for what an earlier turn named ("they", "it").
fn refers_to_earlier(question: &str) -> bool {
    let pronouns = &vocabulary().phrasing.pronouns;
    question
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .any(|w| pronouns.iter().any(|p| p.eq_ignore_ascii_case(w)))
}

/// Whether a passage opens by referring back to the one before it ("This combination …",
/// "These agents …").
pub fn refers_back(text: &str) -> bool {
    let first: Vec<String> = text
        .split_whitespace()
        .take(2)
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect();
    let phrasing = &vocabulary().phrasing;
    match first.as_slice() {
        [this, next] if phrasing.referring_back.contains(this) => {
            !phrasing.source_nouns.contains(next)
        }
        _ => false,
    }
}

fn source_families(hits: &[Hit]) -> Vec<Vec<usize>> {
    let mut families: Vec<(String, Vec<usize>)> = Vec::new();
    for (n, hit) in hits.iter().enumerate() {
        let key = match hit.kind {
            DocKind::Article => hit.doc_id.clone(),
            DocKind::Reference => hits
                .iter()
                .find(|a| a.kind == DocKind::Article && a.cites.contains(&hit.doc_id))
                .map_or_else(|| hit.doc_id.clone(), |a| a.doc_id.clone()),
        };
        match families.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(n),
            None => families.push((key, vec![n])),
        }
    }
    families.into_iter().map(|(_, members)| members).collect()
}

/// The confidence of each reference note that is not confirmed, read from the corpus's front
/// matter (empty when the corpus cannot be read: the index build reports that).
fn unconfirmed_references(corpus: &crate::corpus::Corpus) -> HashMap<String, String> {
    corpus
        .documents
        .iter()
        .filter_map(|doc| match &doc.meta {
            crate::corpus::DocMeta::Reference(meta) if meta.confidence != "confirmed" => {
                Some((doc.id.clone(), meta.confidence.clone()))
            }
            _ => None,
        })
        .collect()
}

/// Each article's scope (its id and the ids of the references it cites) and the articles' titles.
#[allow(clippy::type_complexity)]
fn article_scopes(
    corpus: &crate::corpus::Corpus,
) -> (HashMap<String, Vec<String>>, Vec<(String, String)>) {
    let mut scopes = HashMap::new();
    let mut articles = Vec::new();
    for doc in &corpus.documents {
        if let crate::corpus::DocMeta::Article(meta) = &doc.meta {
            let mut ids = vec![doc.id.clone()];
            ids.extend(meta.references.values().cloned());
            scopes.insert(doc.id.clone(), ids);
            articles.push((doc.id.clone(), doc.title.clone()));
        }
    }
    articles.sort();
    (scopes, articles)
}

/// The articles citing each reference note, by the note's id, in id order.
fn citing_articles(
    articles: &[(String, String)],
    scopes: &HashMap<String, Vec<String>>,
) -> HashMap<String, Vec<String>> {
    let mut citing: HashMap<String, Vec<String>> = HashMap::new();
    for (article, _) in articles {
        let scope = scopes.get(article).map_or(&[][..], Vec::as_slice);
        for reference in scope.iter().filter(|id| *id != article) {
            let ids = citing.entry(reference.clone()).or_default();
            if !ids.contains(article) {
                ids.push(article.clone());
            }
        }
    }
    citing
}

/// The DOI and PMID of every reference note that has them, by document id.
fn reference_identifiers(corpus: &crate::corpus::Corpus) -> HashMap<String, Vec<String>> {
    corpus
        .documents
        .iter()
        .filter_map(|doc| match &doc.meta {
            crate::corpus::DocMeta::Reference(meta) => {
                let ids: Vec<String> = [&meta.doi, &meta.pmid]
                    .into_iter()
                    .flatten()
                    .filter(|id| !id.trim().is_empty())
                    .cloned()
                    .collect();
                (!ids.is_empty()).then(|| (doc.id.clone(), ids))
            }
            _ => None,
        })
        .collect()
}

/// Something a question names, with the token sequences that count as naming it.
#[derive(Debug, Clone)]
struct Concept {
    /// Analysed form.
    name: String,
    /// As the user wrote it.
    surface: String,
    strength: Strength,
    alternatives: Vec<Vec<String>>,
}

/// The retrieved passages of one source (see [`source_families`]), as coverage reads them.
struct Source {
    /// Each passage's analysed words (title, section and text), in order.
    passages: Vec<Vec<String>>,
    vocabulary: HashSet<String>,
    /// Each pair of adjacent words written as one ("pre" "menopaus" → "premenopaus").
    compounds: HashSet<String>,
    /// Each passage's title and text as written, for acronyms spelt out.
    texts: Vec<String>,
}

impl Source {
    /// A source from its passages, each as analysed words and as the hit.
    fn new<'a>(passages: impl Iterator<Item = (&'a Vec<String>, &'a Hit)>) -> Source {
        let mut source = Source {
            passages: Vec::new(),
            vocabulary: HashSet::new(),
            compounds: HashSet::new(),
            texts: Vec::new(),
        };
        for (words, hit) in passages {
            for pair in words.windows(2) {
                source.compounds.insert(format!("{}{}", pair[0], pair[1]));
            }
            source.vocabulary.extend(words.iter().cloned());
            source.passages.push(words.clone());
            source.texts.push(format!("{}\n{}", hit.title, hit.text));
        }
        source
    }
}

/// How well the retrieved passages cover a question.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    pub covered: bool,
    /// Only ordinary words of the question are missing: a model may still answer it.
    pub borderline: bool,
    /// The question's analysed key terms.
    pub key_terms: Vec<String>,
    /// Topics (subjects, populations) found in no passage, nor as a synonym or a near spelling,
    /// as the user wrote them.
    pub missing: Vec<String>,
    /// Ordinary words found in no passage, as the user wrote them.
    pub weak_missing: Vec<String>,
    /// Words of the question found only as a closely related word of the passages, each with
    /// that word as the passages write it ("dialysis", "hemodialysis").
    pub related: Vec<(String, String)>,
    /// Options of the question that no source in scope names, set against one that a source
    /// names ("clonidine" in "captopril or clonidine?"): the answer says the sources do not
    /// mention them, and answers of the other.
    pub unnamed_options: Vec<String>,
    /// Words of the earlier turn that no passage names, as typed ("infusion" of "naloxone
    /// infusion", before "how to calculate rate?"; "pregnancy" of "pyelo in pregnancy", before
    /// "admit?"): they decline nothing, but an answer taking its subject from that turn, or
    /// asked of the patient that turn named, says the sources lack them.
    pub earlier_missing: Vec<String>,
    /// Words of a drug's name of several words that no passage writes, when the passages name
    /// the drug otherwise ("tartrate" of "metoprolol tartrate" where they write "metoprolol
    /// succinate"): the form asked is not the one the sources speak of, and the answer says so.
    pub unnamed_forms: Vec<String>,
}

/// The part of a slash-joined word ("grommet/myringotomy", "preeclampsia/IUGR") that reads as
/// `stem`, so that each part is judged on its own (an acronym as an acronym); shorthand with a
/// one-letter part ("w/", "y/o") stays whole.
fn own_part(surface: &str, stem: &str) -> String {
    let mut parts = surface.split('/');
    if surface.contains('/')
        && parts.clone().all(|part| part.chars().count() >= 2)
        && let Some(part) = parts.find(|part| words(part).iter().any(|w| w == stem))
    {
        return part.to_string();
    }
    surface.to_string()
}

/// A likely misspelling of the same word: one slip for words of 5+ letters, two for 9+ (a
/// letter added, dropped or changed, or two letters swapped).
pub fn near_spelling(word: &str, candidate: &str) -> bool {
    crate::semantic::spelling_edits(word, candidate).is_some()
}

/// Whether a word as typed is an acronym: two or more capitals, mostly capitals ("TKA", "ACEi",
/// "QoL").
fn is_acronym(word: &str) -> bool {
    let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    let upper = letters.iter().filter(|c| c.is_uppercase()).count();
    upper >= 2 && upper * 2 >= letters.len()
}

/// Whether `text` spells `acronym` out: consecutive words (two or more) whose first letters, and
/// letters inside them in order, give the acronym's letters ("total knee arthroplasty" for
/// TKA, "gastroesophageal reflux disease" for GERD, "quality of life" for QoL).
pub fn spells_out(acronym: &str, text: &str) -> bool {
    spelled_out(acronym, text).is_some()
}

/// Where `text` spells `acronym` out (see [`spells_out`]): the byte range of its words. A
/// spelling by the words' first letters alone ("sodium zirconium cyclosilicate" for SZC) is
/// preferred to one taking letters inside its first word ("stabilize the cardiac" earlier in
/// the text).
pub fn spelled_out(acronym: &str, text: &str) -> Option<Range<usize>> {
    spelled_out_by(acronym, text, false).or_else(|| spelled_out_by(acronym, text, true))
}

/// [`spelled_out`] by first letters alone, or (`inside`) with letters inside the first word too.
fn spelled_out_by(acronym: &str, text: &str, inside: bool) -> Option<Range<usize>> {
    let letters: Vec<char> = acronym
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    if letters.len() < 2 {
        return None;
    }
    let spans: Vec<Range<usize>> = word_spans(text);
    let words: Vec<Vec<char>> = spans
        .iter()
        .map(|r| {
            text[r.clone()]
                .chars()
                .flat_map(char::to_lowercase)
                .collect()
        })
        .collect();
    (0..words.len()).find_map(|start| {
        if words[start].first() != letters.first() {
            return None;
        }
        // The words run as one phrase: "(HES) fluids" crosses a bracket and spells no HF.
        let phrase = (start + 1..words.len())
            .find(|&next| {
                !text[spans[next - 1].end..spans[next].start]
                    .chars()
                    .all(|c| c.is_whitespace() || matches!(c, '-' | '–' | '/' | '\'' | '’'))
            })
            .unwrap_or(words.len());
        let window = &words[start..(start + letters.len() + 2).min(phrase)];
        let used = spell(&letters, window, 0, inside)?;
        // Two letters are two words side by side: "hour for the first" spells no HF.
        (letters.len() > 2 || used == 2).then(|| spans[start].start..spans[start + used - 1].end)
    })
}

/// Byte ranges of the alphanumeric runs of `text`.
fn word_spans(text: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push(s..text.len());
    }
    spans
}

/// Whether the first word of a spelling may give more than its first letter: only for acronyms
/// of three letters or more ("GERD": gastroesophageal), never later words.
fn inside_letters(letters: &[char], used: usize) -> bool {
    used == 0 && letters.len() >= 3
}

/// How many of `words`, from the first on, spell `letters`: each word gives its first letter and
/// (`loose`) maybe more of its letters in order; "of", "and", "the" may be passed over. `None` when they
/// do not.
fn spell(letters: &[char], words: &[Vec<char>], used: usize, loose: bool) -> Option<usize> {
    if letters.is_empty() {
        return (used >= 2).then_some(0);
    }
    let (word, rest) = words.split_first()?;
    let skippable = vocabulary()
        .phrasing
        .acronym_fillers
        .iter()
        .any(|s| s.chars().eq(word.iter().copied()));
    // A spelling ends with a word that names something, never a short everyday word
    // ("Captopril is" does not spell CI out).
    // Checked only for the last letter: a spelling's earlier words are read often.
    let short_everyday =
        || word.len() <= 3 && crate::text::is_common_word(&word.iter().collect::<String>());
    if word.first() == letters.first() && !(letters.len() == 1 && short_everyday()) {
        // The word's first letter, then as many of the next letters as appear inside it.
        let mut taken = 1;
        let mut at = 1;
        loop {
            if let Some(n) = spell(&letters[taken..], rest, used + 1, loose) {
                return Some(n + 1);
            }
            if !loose || !inside_letters(letters, used) {
                break;
            }
            match letters
                .get(taken)
                .and_then(|l| word[at..].iter().position(|c| c == l))
            {
                Some(found) if taken < letters.len() => {
                    at += found + 1;
                    taken += 1;
                }
                _ => break,
            }
        }
        // The last word, a compound term, may give the letter left from the root after its
        // combining vowel ("necrotizing entero-Colitis" for NEC; "pain evaluated" spells no
        // PET, "prednisone methylpRednisolone" no PMR).
        let combining = &vocabulary().phrasing.combining_vowels;
        if loose
            && used > 0
            && letters.len() == 2
            && (3..word.len()).any(|at| word[at] == letters[1] && combining.contains(&word[at - 1]))
            && !crate::text::is_everyday_word(&word.iter().collect::<String>())
        {
            return Some(1);
        }
    }
    if skippable && used > 0 {
        return spell(letters, rest, used, loose).map(|n| n + 1);
    }
    None
}

/// Whether two analysed words share a root of five letters or more, one being the other's
/// beginning ("predict" and "predictor", which the stemmer leaves apart).
pub(crate) fn same_root(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.len() >= 5 && long.starts_with(short) && !short.chars().any(|c| c.is_ascii_digit())
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
        (Clause::Fuzzy(x, _), Clause::Fuzzy(y, _)) => x == y,
        (Clause::Concept(x, _), Clause::Concept(y, _)) => x == y,
        _ => false,
    }
}

fn truncate_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_named_alternative_answers_an_or_question() {
        let none = |_: &str| false;
        assert!(or_alternative_named(
            "should I screen for lupus or other CTD?",
            "lupus",
            &["CTD"],
            &none
        ));
        assert!(or_alternative_named(
            "CTD or lupus?",
            "lupus",
            &["CTD"],
            &none
        ));
        assert!(!or_alternative_named(
            "lupus and CTD?",
            "lupus",
            &["CTD"],
            &none
        ));
        assert!(!or_alternative_named(
            "pregnancy or lactation?",
            "pregnancy",
            &[],
            &none
        ));
        // Question words after "or" are passed over; a word the passages write is named.
        let oral = |w: &str| w == "oral";
        assert!(or_alternative_named(
            "do they need IV methylpred or is oral fine",
            "methylpred",
            &[],
            &oral
        ));
        assert!(!or_alternative_named(
            "do they need IV methylpred or is oral fine",
            "methylpred",
            &[],
            &none
        ));
        // So are those between the missing word and "or".
        assert!(or_alternative_named(
            "omeprazole ok or must be esomeprazole?",
            "omeprazole",
            &["esomeprazole"],
            &none
        ));
    }

    #[test]
    fn a_passage_refers_back_when_it_opens_with_this_or_these() {
        assert!(refers_back(
            "This combination has shown dramatic improvement."
        ));
        assert!(refers_back("These agents are steroid-sparing."));
        assert!(!refers_back("This study included 63 patients."));
        assert!(!refers_back("Tacrolimus has shown efficacy."));
    }

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
            "[[group]]\nterms = [\"ESR\", \"erythrocyte sedimentation rate\"]\n[[group]]\nterms = [\"HCQ\", \"hydroxychloroquine\"]\n",
            "test",
        )
        .unwrap();
        assert_eq!(
            synonyms.expansions(&words("ESR level")),
            vec![words("erythrocyte sedimentation rate")]
        );
        assert_eq!(
            synonyms.expansions(&words("erythrocyte sedimentation rates")),
            vec![words("ESR")]
        );
        // The corpus's group, besides the drug's other names (Plaquenil …) of the general ones.
        let expanded = synonyms.expansions(&words("hydroxychloroquine"));
        assert!(expanded.contains(&words("hcq")), "{expanded:?}");
        assert!(expanded.contains(&words("plaquenil")), "{expanded:?}");
        assert!(
            synonyms.expansions(&words("threshold")).is_empty(),
            "no group names it"
        );
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
    fn acronyms_are_found_spelt_out() {
        assert!(spells_out("TKA", "after total knee arthroplasty (n = 40)"));
        assert!(spells_out(
            "GERD",
            "patients with gastroesophageal reflux disease"
        ));
        assert!(spells_out("QoL", "their quality of life improved"));
        assert!(spells_out("RYGB", "after Roux-en-Y gastric bypass"));
        assert!(spells_out(
            "ACEi",
            "angiotensin-converting enzyme inhibitors cause cough"
        ));
        assert!(!spells_out("TKA", "the knee was assessed"));
        assert!(!spells_out("SU", "surgery"), "one word is no spelling out");
        // A spelling ends with a word that names something, not "is" or "to".
        assert!(!spells_out("CI", "Captopril is a first-line choice"));
        assert!(!spells_out("PET", "pain evaluated to date"));
        // The words run as one phrase: across a bracket or a comma they spell nothing.
        assert!(!spells_out("HF", "hydroxyethyl starch (HES) fluids"));
        assert!(!spells_out("HF", "hypotension, fever"));
        assert!(!spells_out("HF", "1.5 ml/kg/hour for the first 24 hours"));
        // The last word may give letters from inside it, as the first may.
        assert!(spells_out(
            "NEC",
            "an increased rate of necrotizing enterocolitis."
        ));
        assert!(!spells_out("PMR", "prednisone or methylprednisolone"));
        let text = "necrotizing enterocolitis. In contrast";
        let nec = spelled_out("NEC", text).map(|r| &text[r]);
        assert_eq!(nec, Some("necrotizing enterocolitis"));
        assert!(spells_out("HF", "heart failure (HF)"));
        // First letters alone are a surer spelling than letters inside a word, wherever each is.
        let text = "IV calcium to stabilize the cardiac membrane, then sodium zirconium \
                    cyclosilicate for removal";
        let szc = spelled_out("SZC", text).map(|r| &text[r]);
        assert_eq!(szc, Some("sodium zirconium cyclosilicate"));
        assert!(is_acronym("ACEi") && is_acronym("QoL") && !is_acronym("Kawasaki"));
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
        assert!(near_spelling("vancomycn", "vancomycin"));
        assert!(near_spelling("valuim", "valium"), "two letters swapped");
        assert!(
            !near_spelling("rechallenge", "challenge"),
            "two letters before the whole word are a prefix, another word"
        );
        assert!(near_spelling("mettformin", "metformin"));
    }

    /// A corpus of one-section articles, `(id, text)`, and a retriever over it.
    fn retriever_over(articles: &[(&str, &str)]) -> (tempfile::TempDir, Retriever) {
        let titled: Vec<(&str, String, &str)> = articles
            .iter()
            .map(|&(id, text)| (id, format!("Study {id}"), text))
            .collect();
        retriever_titled(&titled)
    }

    /// A retriever over articles given as (id, title, text).
    fn retriever_titled(articles: &[(&str, String, &str)]) -> (tempfile::TempDir, Retriever) {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus");
        std::fs::create_dir_all(corpus.join("articles")).unwrap();
        std::fs::create_dir_all(corpus.join("references")).unwrap();
        for (id, title, text) in articles {
            std::fs::write(
                corpus.join(format!("articles/{id}.md")),
                format!(
                    "+++\nid = \"{id}\"\ntitle = \"{title}\"\nquestion = \"What did {title} find?\"\n+++\n\n# {title}\n\n## Results\n\n{text}\n"
                ),
            )
            .unwrap();
        }
        let (retriever, _) = Retriever::open(&corpus, &dir.path().join("index"), false).unwrap();
        (dir, retriever)
    }

    #[test]
    fn the_glossary_gives_the_passages_wording_of_the_question_words() {
        let (_dir, retriever) = retriever_over(&[("a", "Tacrolimus has shown efficacy.")]);
        let texts = [
            "Evaluate for connective tissue diseases.",
            "Tacrolimus has shown efficacy in refractory cases.",
            "Screen for underlying malignancy.",
        ];
        assert_eq!(
            retriever.glossary("screen for lupus or other CTD? and FK506?", &texts),
            vec![
                ("CTD".to_string(), "connective tissue diseases".to_string()),
                ("FK506".to_string(), "Tacrolimus".to_string()),
            ]
        );
        // Words the passages write as the question does need no gloss.
        assert!(
            retriever
                .glossary("screen for malignancy with tacrolimus", &texts)
                .is_empty()
        );
        assert_eq!(
            spelled_out("QoL", "their quality of life improved").map(|r| r.len()),
            Some("quality of life".len())
        );
    }

    fn coverage_of(retriever: &Retriever, query: &str) -> Coverage {
        coverage_in(retriever, query, &[])
    }

    /// The coverage of `query` asked after the user's earlier turn `earlier`.
    fn coverage_after(retriever: &Retriever, earlier: &str, query: &str) -> Coverage {
        coverage_in(retriever, query, &user_turn(earlier))
    }

    fn coverage_in(
        retriever: &Retriever,
        query: &str,
        history: &[crate::contracts::Turn],
    ) -> Coverage {
        let request = request_in(None, query, history);
        let hits = retriever.search(&request).unwrap();
        retriever.coverage(&request, &hits)
    }

    /// The user's turn saying `content`, as an earlier turn of a conversation.
    fn user_turn(content: &str) -> [crate::contracts::Turn; 1] {
        [crate::contracts::Turn {
            role: "user".into(),
            content: content.into(),
        }]
    }

    /// A search for `query` in `article` (the whole library when none) after `history`.
    fn request_in<'r>(
        article: Option<&'r str>,
        query: &'r str,
        history: &'r [crate::contracts::Turn],
    ) -> SearchRequest<'r> {
        SearchRequest {
            article,
            query,
            history,
            k: 6,
        }
    }

    #[test]
    fn an_abstracts_subject_headings_find_it_and_common_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus");
        std::fs::create_dir_all(corpus.join("articles")).unwrap();
        let article = |id: &str, mesh: &[&str], text: &str| {
            let mesh: Vec<String> = mesh.iter().map(|m| format!("\"{m}\"")).collect();
            std::fs::write(
                corpus.join(format!("articles/{id}.md")),
                format!(
                    "+++\nid = \"{id}\"\ntitle = \"Study {id}\"\nquestion = \"Q?\"\nmesh = [{}]\n+++\n\n## Results\n\n{text}\n",
                    mesh.join(", ")
                ),
            )
            .unwrap();
        };
        article(
            "palsy",
            &["Otosclerosis", "Humans"],
            "Stapes surgery was done in 40 ears.",
        );
        // Many more articles, each with the check tag every abstract has.
        for n in 0..60 {
            article(
                &format!("other{n}"),
                &["Humans"],
                "Stapes surgery outcomes were recorded in a cohort.",
            );
        }
        let (retriever, _) = Retriever::open(&corpus, &dir.path().join("index"), false).unwrap();
        let search = |query: &str| {
            let request = SearchRequest {
                article: None,
                query,
                history: &[],
                k: 3,
            };
            retriever.search(&request).unwrap()
        };
        let hits = search("stapes surgery for otosclerosis?");
        assert_eq!(hits[0].doc_id, "palsy", "{hits:?}");
        assert!(hits[0].keywords.contains("Otosclerosis"), "{hits:?}");
        // A heading given to every article is not searched: it finds none of them.
        assert!(!hits[0].keywords.contains("Humans"), "{hits:?}");
    }

    #[test]
    fn a_dropped_word_is_named_by_its_reading() {
        let (_dir, retriever) = retriever_over(&[(
            "naloxone",
            "Give 2 mg intranasal naloxone, repeated in 3-5 minutes.",
        )]);
        // "IN" is a word the analyser drops: its reading is what the question names.
        let coverage = coverage_of(&retriever, "IN (= intranasal) - how fast?");
        assert!(coverage.covered, "{coverage:?}");
        assert!(
            coverage.key_terms.iter().any(|t| t.starts_with("intranas")),
            "{coverage:?}"
        );
    }

    #[test]
    fn unread_drug_shorthand_names_what_the_sources_lack() {
        let (_dir, retriever) = retriever_over(&[(
            "meningitis",
            "Vancomycin must be added to ceftriaxone. Femoral access was used.",
        )]);
        // "amp" begins drugs' names (ampicillin) and no word of the library: the sources do
        // not mention it, however well "add" is found.
        let amp = coverage_of(&retriever, "when to add amp?");
        assert!(!amp.covered, "{amp:?}");
        assert_eq!(amp.missing, vec!["amp".to_string()]);
        // A clipping of a word the library has ("cef", ceftriaxone; "fem", femoral) may stand
        // for it, and shorthand of no drug ("wks") is phrasing: neither declines.
        for question in [
            "when to add cef?",
            "fem access used?",
            "vancomycin added after wks?",
        ] {
            let coverage = coverage_of(&retriever, question);
            assert!(coverage.covered, "{question}: {coverage:?}");
        }
    }

    /// Abstracts that each share a question's common words ("children", "diagnose") but only
    /// one of its rare topics.
    fn abstracts() -> Vec<(&'static str, &'static str)> {
        let mut articles = vec![
            (
                "appendicitis",
                "D-dimer levels were measured to diagnose appendicitis in children; D-dimer did not help.",
            ),
            (
                "pneumonia",
                "Procalcitonin guided the antibiotic course of adults with pneumonia.",
            ),
            (
                "gallstones",
                "Ultrasound found gallstones in most adults with biliary colic.",
            ),
        ];
        for id in ["asthma", "growth", "fever", "anaemia", "sleep", "reading"] {
            articles.push((
                id,
                "Doctors diagnose it in children by history and examination.",
            ));
        }
        articles
    }

    #[test]
    fn an_older_patients_age_declines_nothing_and_a_childs_does() {
        let (_dir, retriever) = retriever_over(&[(
            "pancreatitis",
            "Give lactated Ringer's fluids at 1.5 ml/kg/hour in acute pancreatitis.",
        )]);
        // As the question is read: the age with the population it names written after it.
        let coverage = coverage_of(
            &retriever,
            "65M (= older adults; elderly) with pancreatitis, fluids?",
        );
        assert!(coverage.covered, "{coverage:?}");
        let coverage = coverage_of(
            &retriever,
            "6yo (= child; children; pediatric) with pancreatitis, fluids?",
        );
        assert!(!coverage.covered, "{coverage:?}");
        // However the age is typed: the word that ends it is in any text giving an age.
        let (_dir, retriever) = retriever_over(&[(
            "meningitis",
            "This 25-year-old with bacterial meningitis needs ceftriaxone 2 g every 12 hours.",
        )]);
        let coverage = coverage_of(
            &retriever,
            "ceftriaxone for a 6 year old (= child; children; pediatric)?",
        );
        assert!(!coverage.covered, "{coverage:?}");
        let coverage = coverage_of(&retriever, "ceftriaxone for a 30 year old?");
        assert!(coverage.covered, "{coverage:?}");
    }

    #[test]
    fn a_form_of_a_drug_no_passage_writes_is_unnamed() {
        let (_dir, retriever) = retriever_over(&[(
            "hf",
            "Start metoprolol succinate 12.5 mg daily and titrate every 2 weeks.",
        )]);
        // The drug is covered, but not in the form asked.
        let coverage = coverage_of(&retriever, "metoprolol tartrate ok?");
        assert!(coverage.covered, "{coverage:?}");
        assert_eq!(coverage.unnamed_forms, ["tartrate"]);
        for question in ["metoprolol succinate dose?", "metoprolol dose?"] {
            let coverage = coverage_of(&retriever, question);
            assert!(
                coverage.unnamed_forms.is_empty(),
                "{question}: {coverage:?}"
            );
        }
        // A clipping of a word the passages write is no other form: "vit D" is vitamin D.
        let (_dir, retriever) = retriever_over(&[(
            "bone",
            "Prescribe calcium and vitamin D supplements with long-term prednisone.",
        )]);
        let coverage = coverage_of(&retriever, "vit D for all pts on pred?");
        assert!(coverage.unnamed_forms.is_empty(), "{coverage:?}");
    }

    #[test]
    fn a_brand_of_a_drug_combination_names_a_topic_the_sources_must_cover() {
        let (_dir, retriever) = retriever_over(&[(
            "pyelo",
            "Treat acute pyelonephritis with ciprofloxacin 500 mg twice daily for 7 days.",
        )]);
        // "Bactrim" is trimethoprim-sulfamethoxazole, a name made of two drugs' names: the
        // article names neither, so it does not cover the question.
        let coverage = coverage_of(&retriever, "bactrim for pyelonephritis duration?");
        assert!(!coverage.covered, "{coverage:?}");
        assert_eq!(coverage.missing, ["bactrim"]);
    }

    #[test]
    fn a_clipping_that_begins_an_everyday_word_is_read_only_as_a_drug() {
        let (_dir, retriever) = retriever_over(&[(
            "kidney",
            "Urinalysis shows bacteriuria. Vancomycin is not needed.",
        )]);
        // "bact" begins "bacteria": no clipping of "bacteriuria".
        assert_eq!(
            retriever.read_shorthand("bact meningitis?", Some("kidney")),
            "bact meningitis?"
        );
        // "vanc" begins no everyday word, and clips a drug.
        assert_eq!(
            retriever.read_shorthand("vanc dose?", Some("kidney")),
            "vanc (= vancomycin) dose?"
        );
    }

    #[test]
    fn without_a_scope_an_acronym_is_read_as_the_one_title_spelling_it_out() {
        let text = "Give fluids and antibiotics.";
        let (_dir, retriever) = retriever_titled(&[
            (
                "lyme",
                "Preferred Treatment for Erythema Migrans".into(),
                text,
            ),
            (
                "pancreas",
                "Initial Treatment for Suspected Acute Pancreatitis".into(),
                text,
            ),
            (
                "kidney",
                "Treatment Prescription for Acute Pyelonephritis".into(),
                text,
            ),
        ]);
        assert_eq!(
            retriever.read_shorthand("EM rash tx?", None),
            "EM (= Erythema Migrans) rash tx?"
        );
        // Two titles spell "AP" out, each otherwise: the library has no one reading of it.
        assert_eq!(retriever.read_shorthand("AP fluids?", None), "AP fluids?");
    }

    #[test]
    fn a_clipped_term_is_read_as_the_one_uncommon_word_of_the_article_it_begins() {
        let (_dir, retriever) = retriever_over(&[(
            "withdrawal",
            "Administer benzodiazepines based on CIWA-Ar scores. The benefit is fewer doses.",
        )]);
        assert_eq!(
            retriever.read_shorthand("when to stop the benzo protocol?", Some("withdrawal")),
            "when to stop the benzo (= benzodiazepines) protocol?"
        );
        // "bene" begins "benefit" too, but clips no uncommon word of the article.
        assert_eq!(
            retriever.read_shorthand("any bene?", Some("withdrawal")),
            "any bene?"
        );
    }

    #[test]
    fn a_word_of_an_earlier_turn_that_the_sources_lack_declines_no_follow_up() {
        let (_dir, retriever) = retriever_over(&[(
            "lyme",
            "Doxycycline 100 mg twice per day for 10-14 days treats erythema migrans.",
        )]);
        let coverage = coverage_after(
            &retriever,
            "doxycycline for an erythema migrans rash?",
            "how many days?",
        );
        assert!(coverage.covered, "{coverage:?}");
        // Asked in the question itself, the word the sources lack declines it.
        let coverage = coverage_of(&retriever, "doxycycline for a rash in pregnancy?");
        assert!(!coverage.covered, "{coverage:?}");
    }

    #[test]
    fn a_follow_up_after_a_failed_treatment_searches_what_comes_after_it() {
        let (_dir, retriever) = retriever_over(&[
            (
                "first",
                "Methotrexate is the preferred first-line steroid-sparing agent.",
            ),
            (
                "refractory",
                "For patients with inadequate response to initial therapy, consider rituximab.",
            ),
        ]);
        let history = user_turn("failed MTX");
        let request = request_in(None, "next?", &history);
        let hits = retriever.search(&request).unwrap();
        assert!(
            hits.iter().any(|h| h.doc_id == "refractory"),
            "{:?}",
            hits.iter().map(|h| &h.doc_id).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_follow_up_of_ordinary_words_is_about_the_earlier_turns_topics() {
        let (_dir, retriever) = retriever_over(&[(
            "hf",
            "A 36-hour washout period is mandatory when switching from enalapril to sacubitril.",
        )]);
        // "wait" is in no passage, but it is an everyday word: the earlier turn's topic, which
        // the sources name, is what the follow-up asks about.
        let coverage = coverage_after(&retriever, "switching from enalapril", "how long to wait?");
        assert!(coverage.covered, "{coverage:?}");
        // Without it, it is about nothing the sources name.
        assert!(!coverage_of(&retriever, "how long to wait?").covered);
    }

    #[test]
    fn a_follow_up_standing_for_the_earlier_topic_by_a_pronoun_is_about_it() {
        let (_dir, retriever) = retriever_over(&[(
            "withdrawal",
            "Moderate withdrawal can be managed in an outpatient setting with close monitoring.",
        )]);
        let history = user_turn("moderate withdrawal?");
        let asked = |query: &'static str| {
            let request = request_in(None, query, &history);
            let hits = retriever.search(&request).unwrap();
            retriever.coverage(&request, &hits)
        };
        // "they": the moderate withdrawal patients; "home" alone is no topic the sources lack.
        assert!(asked("can they go home?").covered);
        // Without a word standing for them, "home" is the question's own topic.
        assert!(!asked("home visits?").covered);
    }

    #[test]
    fn a_long_everyday_word_the_sources_lack_declines_nothing_by_itself() {
        let (_dir, retriever) = retriever_over(&[(
            "naloxone",
            "If no response after 10 mg total of naloxone, question the diagnosis.",
        )]);
        // "rethinking" is everyday written English (data/long-words.txt): the question's other
        // topics decide.
        let coverage = coverage_of(&retriever, "naloxone total before rethinking?");
        assert!(coverage.covered, "{coverage:?}");
        assert!(coverage.missing.is_empty(), "{coverage:?}");
        // "telehealth" is a term of its own, which the sources lack.
        let coverage = coverage_of(&retriever, "naloxone total before telehealth?");
        assert!(!coverage.covered, "{coverage:?}");
        assert_eq!(coverage.missing, ["telehealth"]);
    }

    #[test]
    fn an_allergy_the_sources_never_speak_of_declines_nothing() {
        let (_dir, retriever) = retriever_over(&[(
            "prophylaxis",
            "Consider Pneumocystis prophylaxis (trimethoprim-sulfamethoxazole) if taking 20 mg prednisone for 4 weeks.",
        )]);
        // The answer says the sources do not say what to give a patient allergic to it.
        let coverage = coverage_of(&retriever, "sulfa allergy, Pneumocystis prophylaxis?");
        assert!(coverage.covered, "{coverage:?}");
        assert!(coverage.missing.is_empty(), "{coverage:?}");
    }

    #[test]
    fn a_drug_the_patient_cannot_have_that_the_sources_never_name_declines_nothing() {
        let (_dir, retriever) = retriever_over(&[(
            "withdrawal",
            "Long-acting benzodiazepines such as diazepam are preferred for alcohol withdrawal.",
        )]);
        // Allergic to it, failed on it, unable to take it: the answer says what the sources
        // give instead, opening with what they do not say.
        for question in [
            "allergic to lorazepam, what instead for withdrawal?",
            "lorazepam allergy - withdrawal options?",
            "failed lorazepam, withdrawal options?",
            "cant take lorazepam, withdrawal options?",
        ] {
            let coverage = coverage_of(&retriever, question);
            assert!(coverage.covered, "{question}: {coverage:?}");
        }
        // Asked of by itself, it is a topic the sources lack.
        let coverage = coverage_of(&retriever, "lorazepam dose for withdrawal?");
        assert!(!coverage.covered, "{coverage:?}");
        assert_eq!(coverage.missing, ["lorazepam"]);
    }

    #[test]
    fn a_long_word_that_is_a_form_of_a_passage_word_is_read_as_it_and_declines_nothing() {
        let (_dir, retriever) = retriever_over(&[(
            "potassium",
            "Verify that elevated potassium is not from hemolysis of the sample. Give no bolus if normovolemic.",
        )]);
        // "hemolyzed" shares its beginning with "hemolysis", "euvolemic" its end with
        // "normovolemic": forms of the passages' words, not topics they lack.
        let coverage = coverage_of(&retriever, "hemolyzed potassium sample?");
        assert!(coverage.covered, "{coverage:?}");
        assert_eq!(
            coverage.related,
            [("hemolyzed".to_string(), "hemolysis".to_string())]
        );
        let coverage = coverage_of(&retriever, "bolus if euvolemic?");
        assert!(coverage.covered, "{coverage:?}");
        // A long word sharing only a few letters with one is still a term the sources lack.
        let coverage = coverage_of(&retriever, "potassium in cyclophosphamide therapy?");
        assert!(!coverage.covered, "{coverage:?}");
    }

    #[test]
    fn an_adjective_is_read_as_the_noun_a_passage_writes_and_the_other_way_round() {
        let (_dir, retriever) = retriever_over(&[(
            "ciwa",
            "High CIWA scores may also occur in sepsis and severe pain.",
        )]);
        // "septic" is "sepsis" as an adjective: the answer must not say the sources lack it.
        let coverage = coverage_of(&retriever, "high ciwa score in a septic pt?");
        assert!(coverage.covered, "{coverage:?}");
        assert!(coverage.weak_missing.is_empty(), "{coverage:?}");
        assert_eq!(
            coverage.related,
            [("septic".to_string(), "sepsis".to_string())]
        );
        assert_eq!(derived_forms("Anemia"), ["anemic"]);
        assert_eq!(derived_forms("dialyze"), ["dialysis"]);
        // Too short a word has no form to tell.
        assert!(derived_forms("tic").is_empty());
    }

    #[test]
    fn a_topic_word_is_a_form_of_a_passage_word_only_when_it_shares_nearly_all_its_letters() {
        let (_dir, retriever) = retriever_over(&[(
            "myopathy",
            "Most patients require 2 or more immunotherapeutic agents. Long-term immunosuppression is needed.",
        )]);
        // Search finds "immunotherapeutic" for "immunotherapy", which no passage writes, and
        // coverage reads it as that word.
        let request = SearchRequest {
            article: None,
            query: "immunotherapy duration",
            history: &[],
            k: 3,
        };
        let hits = retriever.search(&request).unwrap();
        assert!(
            hits.iter().any(|h| h.text.contains("immunotherapeutic")),
            "{hits:#?}"
        );
        let coverage = coverage_of(&retriever, "how long to continue immunotherapy?");
        assert!(coverage.covered, "{coverage:?}");
        // Where the sources write only "immunosuppression", the topic is one they lack.
        let (_dir, retriever) =
            retriever_over(&[("myopathy", "Long-term immunosuppression is needed.")]);
        let coverage = coverage_of(&retriever, "how long to continue immunotherapy?");
        assert!(!coverage.covered, "{coverage:?}");
        assert_eq!(coverage.missing, ["immunotherapy"]);
    }

    #[test]
    fn in_an_articles_box_a_word_only_another_article_has_is_not_in_the_sources() {
        let (_dir, retriever) = retriever_over(&[
            (
                "lyme",
                "The doxycycline dose for erythema migrans is 100 mg twice daily.",
            ),
            ("thyroid", "Levothyroxine needs a higher dose in pregnancy."),
        ]);
        let request = SearchRequest {
            article: Some("lyme"),
            query: "dose in pregnancy?",
            history: &[],
            k: 6,
        };
        let hits = retriever.search(&request).unwrap();
        let coverage = retriever.coverage(&request, &hits);
        assert!(!coverage.covered, "{coverage:?}");
        assert_eq!(coverage.missing, ["pregnancy"]);
        // Choosing which article answers an unscoped question, the library's words count.
        let plan = Planned::of(&retriever.plan(&request).unwrap());
        let library = retriever.coverage_planned(&request, plan, &hits, Presence::Library);
        assert!(library.covered, "{library:?}");
    }

    #[test]
    fn what_an_earlier_turn_named_and_the_sources_lack_declines_nothing_but_is_kept() {
        let (_dir, retriever) = retriever_over(&[(
            "naloxone",
            "Give 0.4 to 2 mg naloxone IV, repeated every 2-3 minutes as needed.",
        )]);
        let history = user_turn("naloxone infusion");
        let request = request_in(Some("naloxone"), "how often?", &history);
        let hits = retriever.search(&request).unwrap();
        let coverage = retriever.coverage(&request, &hits);
        assert!(coverage.covered, "{coverage:?}");
        assert_eq!(coverage.earlier_missing, ["infusion"]);
    }

    #[test]
    fn a_name_of_several_words_that_asks_an_aspect_is_no_topic_the_sources_lack() {
        let (_dir, retriever) = retriever_over(&[(
            "cohort",
            "Somatic complaints predicted symptoms of depression 5 years later in women.",
        )]);
        let coverage = coverage_of(&retriever, "depression: how long was follow-up?");
        assert!(coverage.covered, "{coverage:?}");
        assert!(coverage.missing.is_empty(), "{coverage:?}");
        // "First line" asks which is preferred: sources naming antibiotics and no line of
        // therapy answer "which abx first line?" (what they say of antibiotics).
        let (_dir, retriever) = retriever_over(&[(
            "copd",
            "Add antibiotics only if the patient has increased sputum purulence.",
        )]);
        for query in ["which abx first line?", "first-line antibiotic?"] {
            let coverage = coverage_of(&retriever, query);
            assert!(coverage.covered, "{query}: {coverage:?}");
            assert!(coverage.missing.is_empty(), "{query}: {coverage:?}");
        }
    }

    #[test]
    fn an_organs_disorder_is_named_by_its_adjective_and_any_general_word_for_it() {
        let (_dir, retriever) = retriever_over(&[(
            "withdrawal",
            "Short-acting benzodiazepines suit elderly patients and those with hepatic dysfunction.",
        )]);
        let coverage = coverage_of(&retriever, "benzodiazepines in liver disease?");
        assert!(coverage.covered, "{coverage:?}");
        // An injury is no disease: acute kidney injury does not name chronic kidney disease.
        let (_dir, retriever) = retriever_over(&[(
            "nephro",
            "Hold the drug in acute kidney injury until creatinine recovers.",
        )]);
        let coverage = coverage_of(&retriever, "drug in kidney disease?");
        assert!(!coverage.covered, "{coverage:?}");
    }

    #[test]
    fn rare_topics_in_no_one_source_are_declined() {
        let (_dir, retriever) = retriever_over(&abstracts());
        // Every topic is somewhere, and one abstract has three of the five: but of the rare ones
        // only "appendicitis", so what it says does not answer the question.
        let coverage = coverage_of(
            &retriever,
            "procalcitonin or ultrasound to diagnose appendicitis in children?",
        );
        assert!(!coverage.covered, "{coverage:?}");
        assert_eq!(coverage.missing, ["procalcitonin", "ultrasound"]);
    }

    #[test]
    fn rare_topics_that_meet_in_one_source_are_answered() {
        let (_dir, retriever) = retriever_over(&abstracts());
        let coverage = coverage_of(&retriever, "D-dimer to diagnose appendicitis in children?");
        assert!(coverage.covered, "{coverage:?}");
        // A common word the source lacks weighs little beside the rare ones it has.
        let coverage = coverage_of(
            &retriever,
            "D-dimer in appendicitis: what did the doctors find on examination?",
        );
        assert!(coverage.covered, "{coverage:?}");
    }

    #[test]
    fn a_source_holds_compounds_related_words_and_acronyms_spelt_out() {
        let text =
            "Endometrial polyps of pre-menopausal children with gastroesophageal reflux disease.";
        let (_dir, retriever) = retriever_over(&[("polyps", text)]);
        let words = retriever.words(text);
        let hit = Hit {
            rank: 1,
            chunk_id: "polyps#1".into(),
            doc_id: "polyps".into(),
            kind: DocKind::Article,
            title: String::new(),
            section: String::new(),
            text: text.into(),
            score: 1.0,
            cites: Vec::new(),
            via: Via::Search,
            cited_by: None,
            role: Role::Paragraph,
            lead: String::new(),
            keywords: String::new(),
        };
        let source = Source::new(std::iter::once((&words, &hit)));
        let holds = |question: &str| {
            let concepts = retriever.concepts(question);
            !concepts.is_empty() && concepts.iter().all(|c| retriever.holds(&source, c))
        };
        assert!(holds("premenopausal"), "the halves of a compound");
        assert!(holds("kids"), "a closely related word");
        assert!(holds("GERD"), "an acronym spelt out");
        assert!(!holds("postmenopausal"));
        assert!(!holds("asthma"));
    }

    #[test]
    fn a_word_found_only_as_a_related_word_is_reported_as_the_passages_write_it() {
        let (_dir, retriever) = retriever_over(&[(
            "k",
            "Start hemodialysis if potassium stays high despite treatment.",
        )]);
        let coverage = coverage_of(&retriever, "when to start dialysis?");
        assert!(coverage.covered, "{coverage:?}");
        assert_eq!(
            coverage.related,
            [("dialysis".to_string(), "hemodialysis".to_string())]
        );
        let coverage = coverage_of(&retriever, "when to start hemodialysis?");
        assert!(coverage.related.is_empty(), "{coverage:?}");
    }

    #[test]
    fn the_library_names_a_phrase_with_a_stop_word_inside() {
        use crate::shorthand::Article;
        let (_dir, retriever) = retriever_over(&[
            ("a", "Surgery improved quality of life."),
            ("b", "Life expectancy and quality were unchanged."),
        ]);
        let library = retriever.shorthand_reader(None);
        assert!(library.names("quality of life"));
        assert!(!library.names("life quality"));
    }

    #[test]
    fn slash_joined_words_are_judged_each_on_its_own() {
        assert_eq!(own_part("grommet/myringotomy", "grommet"), "grommet");
        assert_eq!(own_part("preeclampsia/IUGR", "iugr"), "IUGR");
        assert_eq!(own_part("w/", "w"), "w/");
        assert_eq!(own_part("y/o", "o"), "y/o");
        let (_dir, retriever) = retriever_over(&[("nec", "Necrotizing enterocolitis.")]);
        let concepts = retriever.concepts("NEC/sepsis in preemies");
        let nec = concepts.iter().find(|c| c.name == "nec").unwrap();
        assert_eq!(nec.surface, "NEC");
        assert_eq!(nec.strength, Strength::Strong, "an acronym names a topic");
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate_chars("µµµ", 2), "µµ");
        assert_eq!(truncate_chars("ab", 5), "ab");
    }
}

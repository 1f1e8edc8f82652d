//! Evaluation on the gold questions in `tests/gold/`: retrieval figures (recall@1, recall@5,
//! MRR), coverage (gold questions covered, off-topic ones declined) and, in [`quality`], the
//! quality of whole answers, each over the whole file and its [`split`] parts apart. It only
//! reads the gold files and calls the public search and ask; it changes nothing.

use std::fs;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::contracts::Turn;
use crate::retrieve::{RetrieveError, Retriever, SearchRequest};
use crate::text::normalize;

pub mod dev;
pub mod quality;
pub mod retype;
pub mod split;

use split::{ByPart, Part};

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("could not read gold file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("bad gold file {path}: {problem}")]
    Bad { path: String, problem: String },
    #[error(transparent)]
    Retrieve(#[from] RetrieveError),
}

/// A follow-up question and a phrase the passage answering it must contain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldQuestion {
    pub id: String,
    pub question: String,
    /// Earlier user turns, oldest first.
    #[serde(default)]
    pub history: Vec<String>,
    pub expect: String,
    /// Its part of the file's hold-out split (from the file's `test` ids, not a field).
    #[serde(skip)]
    pub part: Part,
}

/// A gold file: the ids of its test part (none without a split) and its questions.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GoldFile<Q> {
    #[serde(default)]
    test: Vec<String>,
    question: Vec<Q>,
}

/// Reads a gold file's questions, each given its part of the file's split.
fn read_gold<Q: DeserializeOwned>(
    path: &Path,
    id: impl Fn(&Q) -> &str,
    set_part: impl Fn(&mut Q, Part),
) -> Result<Vec<Q>, EvalError> {
    let shown = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|source| EvalError::Io {
        path: shown.clone(),
        source,
    })?;
    let mut file: GoldFile<Q> = toml::from_str(&text).map_err(|e| EvalError::Bad {
        path: shown.clone(),
        problem: e.to_string(),
    })?;
    split::assign(&shown, &file.test, &mut file.question, id, set_part)?;
    Ok(file.question)
}

/// Reads `retrieval.toml`-shaped gold questions.
pub fn load_gold(path: &Path) -> Result<Vec<GoldQuestion>, EvalError> {
    let questions = read_gold(path, |q: &GoldQuestion| &q.id, |q, part| q.part = part)?;
    if let Some(q) = questions.iter().find(|q| q.expect.trim().is_empty()) {
        return Err(EvalError::Bad {
            path: path.display().to_string(),
            problem: format!("question {} has an empty expect phrase", q.id),
        });
    }
    Ok(questions)
}

/// Turns gold history (user turns) into conversation turns.
pub fn user_turns(history: &[String]) -> Vec<Turn> {
    history
        .iter()
        .map(|content| Turn {
            role: "user".into(),
            content: content.clone(),
        })
        .collect()
}

/// A gold question whose passage was not ranked first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miss {
    pub id: String,
    pub question: String,
    pub expect: String,
    /// Rank of the first passage containing `expect`, if it was retrieved at all.
    pub rank: Option<usize>,
    pub top: Option<String>,
    pub part: Part,
}

/// Retrieval figures over a set of gold questions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetrievalFigures {
    pub questions: usize,
    pub recall_at_1: f64,
    pub recall_at_5: f64,
    pub mrr: f64,
}

impl RetrievalFigures {
    /// Figures over the ranks of the expected passages (None: not in the top k).
    fn of(ranks: &[&(Part, Option<usize>)]) -> RetrievalFigures {
        let n = ranks.len().max(1) as f64;
        let share = |f: &dyn Fn(usize) -> bool| {
            ranks.iter().filter(|(_, r)| r.is_some_and(f)).count() as f64 / n
        };
        RetrievalFigures {
            questions: ranks.len(),
            recall_at_1: share(&|r| r == 1),
            recall_at_5: share(&|r| r <= 5),
            mrr: ranks
                .iter()
                .filter_map(|(_, r)| r.map(|r| 1.0 / r as f64))
                .sum::<f64>()
                / n,
        }
    }
}

/// Retrieval figures over a gold file, whole and by part of its split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetrievalReport {
    #[serde(flatten)]
    pub parts: ByPart<RetrievalFigures>,
    /// Depth searched for the reciprocal rank.
    pub k: usize,
    pub misses: Vec<Miss>,
}

/// Searches every gold question (top `k`) and scores where its passage ranks.
pub fn evaluate_retrieval(
    retriever: &Retriever,
    gold: &[GoldQuestion],
    k: usize,
) -> Result<RetrievalReport, EvalError> {
    let mut ranks = Vec::with_capacity(gold.len());
    let mut misses = Vec::new();
    for question in gold {
        let history = user_turns(&question.history);
        let hits = retriever.search(&SearchRequest {
            article: None,
            query: &question.question,
            history: &history,
            k,
        })?;
        let expect = normalize(&question.expect);
        let rank = hits
            .iter()
            .find(|h| normalize(&h.text).contains(&expect))
            .map(|h| h.rank);
        if rank != Some(1) {
            misses.push(Miss {
                id: question.id.clone(),
                question: question.question.clone(),
                expect: question.expect.clone(),
                rank,
                top: hits.first().map(|h| h.chunk_id.clone()),
                part: question.part,
            });
        }
        ranks.push((question.part, rank));
    }
    Ok(RetrievalReport {
        parts: ByPart::of(&ranks, |r| r.0, RetrievalFigures::of),
        k,
        misses,
    })
}

/// What `medcite eval --json` prints: retrieval and coverage over a gold folder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoldReport {
    pub retrieval: RetrievalReport,
    pub coverage: CoverageReport,
}

/// A question the corpus does not cover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffTopicQuestion {
    pub id: String,
    pub question: String,
    /// Its part of the file's hold-out split (from the file's `test` ids, not a field).
    #[serde(skip)]
    pub part: Part,
}

/// Reads `offtopic.toml`.
pub fn load_offtopic(path: &Path) -> Result<Vec<OffTopicQuestion>, EvalError> {
    read_gold(path, |q: &OffTopicQuestion| &q.id, |q, part| q.part = part)
}

/// A question whose coverage came out wrong.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageMiss {
    pub id: String,
    pub question: String,
    pub expected_covered: bool,
    /// Key terms found in no retrieved passage.
    pub missing: Vec<String>,
    pub part: Part,
}

/// Coverage figures: gold questions should be covered, off-topic ones not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageFigures {
    pub gold: usize,
    pub gold_covered: usize,
    pub off_topic: usize,
    pub off_topic_declined: usize,
}

impl CoverageFigures {
    /// Figures over (part, expected covered, came out right) of each question.
    fn of(outcomes: &[&(Part, bool, bool)]) -> CoverageFigures {
        let count = |expected: bool, right: bool| {
            outcomes
                .iter()
                .filter(|o| o.1 == expected && (!right || o.2))
                .count()
        };
        CoverageFigures {
            gold: count(true, false),
            gold_covered: count(true, true),
            off_topic: count(false, false),
            off_topic_declined: count(false, true),
        }
    }
}

/// Coverage over the gold and off-topic files, whole and by part of their splits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageReport {
    #[serde(flatten)]
    pub parts: ByPart<CoverageFigures>,
    pub misses: Vec<CoverageMiss>,
}

/// Decides coverage, as `ask` does, for every gold and off-topic question (top `k` passages).
pub fn evaluate_coverage(
    retriever: &Retriever,
    gold: &[GoldQuestion],
    off_topic: &[OffTopicQuestion],
    k: usize,
) -> Result<CoverageReport, EvalError> {
    let mut outcomes = Vec::with_capacity(gold.len() + off_topic.len());
    let mut misses = Vec::new();
    let cases = gold
        .iter()
        .map(|q| (&q.id, &q.question, user_turns(&q.history), true, q.part))
        .chain(
            off_topic
                .iter()
                .map(|q| (&q.id, &q.question, Vec::new(), false, q.part)),
        );
    for (id, question, history, expected, part) in cases {
        let request = SearchRequest {
            article: None,
            query: question,
            history: &history,
            k,
        };
        let hits = match retriever.search(&request) {
            Ok(hits) => hits,
            Err(RetrieveError::NoTerms(_)) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        let coverage = retriever.coverage(&request, &hits);
        let right = coverage.covered == expected;
        if !right {
            misses.push(CoverageMiss {
                id: id.clone(),
                question: question.clone(),
                expected_covered: expected,
                missing: coverage.missing,
                part,
            });
        }
        outcomes.push((part, expected, right));
    }
    Ok(CoverageReport {
        parts: ByPart::of(&outcomes, |o| o.0, CoverageFigures::of),
        misses,
    })
}

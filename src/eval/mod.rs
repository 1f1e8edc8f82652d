//! Evaluation on the gold questions in `tests/gold/`: retrieval figures (recall@1, recall@5,
//! MRR), coverage (gold questions covered, off-topic ones declined) and, in [`quality`], the
//! quality of whole answers. It only reads the gold files and calls the public search and ask;
//! it changes nothing.

use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::contracts::Turn;
use crate::retrieve::{RetrieveError, Retriever, SearchRequest};
use crate::text::normalize;

pub mod dev;
pub mod quality;

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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GoldFile {
    question: Vec<GoldQuestion>,
}

/// Reads `retrieval.toml`-shaped gold questions.
pub fn load_gold(path: &Path) -> Result<Vec<GoldQuestion>, EvalError> {
    let shown = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|source| EvalError::Io {
        path: shown.clone(),
        source,
    })?;
    let file: GoldFile = toml::from_str(&text).map_err(|e| EvalError::Bad {
        path: shown.clone(),
        problem: e.to_string(),
    })?;
    if let Some(q) = file.question.iter().find(|q| q.expect.trim().is_empty()) {
        return Err(EvalError::Bad {
            path: shown,
            problem: format!("question {} has an empty expect phrase", q.id),
        });
    }
    Ok(file.question)
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
}

/// Retrieval figures over a gold set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetrievalReport {
    pub questions: usize,
    pub recall_at_1: f64,
    pub recall_at_5: f64,
    pub mrr: f64,
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
    let (mut at_1, mut at_5, mut reciprocal) = (0usize, 0usize, 0.0f64);
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
        match rank {
            Some(1) => at_1 += 1,
            _ => misses.push(Miss {
                id: question.id.clone(),
                question: question.question.clone(),
                expect: question.expect.clone(),
                rank,
                top: hits.first().map(|h| h.chunk_id.clone()),
            }),
        }
        if let Some(rank) = rank {
            if rank <= 5 {
                at_5 += 1;
            }
            reciprocal += 1.0 / rank as f64;
        }
    }
    let n = gold.len().max(1) as f64;
    Ok(RetrievalReport {
        questions: gold.len(),
        recall_at_1: at_1 as f64 / n,
        recall_at_5: at_5 as f64 / n,
        mrr: reciprocal / n,
        k,
        misses,
    })
}

/// A question the corpus does not cover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffTopicQuestion {
    pub id: String,
    pub question: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OffTopicFile {
    question: Vec<OffTopicQuestion>,
}

/// Reads `offtopic.toml`.
pub fn load_offtopic(path: &Path) -> Result<Vec<OffTopicQuestion>, EvalError> {
    let shown = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|source| EvalError::Io {
        path: shown.clone(),
        source,
    })?;
    let file: OffTopicFile = toml::from_str(&text).map_err(|e| EvalError::Bad {
        path: shown,
        problem: e.to_string(),
    })?;
    Ok(file.question)
}

/// A question whose coverage came out wrong.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageMiss {
    pub id: String,
    pub question: String,
    pub expected_covered: bool,
    /// Key terms found in no retrieved passage.
    pub missing: Vec<String>,
}

/// Coverage figures: gold questions should be covered, off-topic ones not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageReport {
    pub gold: usize,
    pub gold_covered: usize,
    pub off_topic: usize,
    pub off_topic_declined: usize,
    pub misses: Vec<CoverageMiss>,
}

/// Decides coverage, as `ask` does, for every gold and off-topic question (top `k` passages).
pub fn evaluate_coverage(
    retriever: &Retriever,
    gold: &[GoldQuestion],
    off_topic: &[OffTopicQuestion],
    k: usize,
) -> Result<CoverageReport, EvalError> {
    let mut report = CoverageReport {
        gold: gold.len(),
        gold_covered: 0,
        off_topic: off_topic.len(),
        off_topic_declined: 0,
        misses: Vec::new(),
    };
    let cases = gold
        .iter()
        .map(|q| (&q.id, &q.question, user_turns(&q.history), true))
        .chain(
            off_topic
                .iter()
                .map(|q| (&q.id, &q.question, Vec::new(), false)),
        );
    for (id, question, history, expected) in cases {
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
        match (expected, coverage.covered) {
            (true, true) => report.gold_covered += 1,
            (false, false) => report.off_topic_declined += 1,
            _ => report.misses.push(CoverageMiss {
                id: id.clone(),
                question: question.clone(),
                expected_covered: expected,
                missing: coverage.missing,
            }),
        }
    }
    Ok(report)
}

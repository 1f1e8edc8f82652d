//! Answer-quality evaluation (`medcite eval --quality FILE`): asks every question of a gold file
//! through the same [`Engine::ask`] the CLI and the server use, and scores what a clinician reads:
//! wrongly and rightly declined questions, required facts present, the right fact first, plain
//! "not stated" statements, answer length, and (where the gold names a document) whether that
//! document is retrieved and cited; over the whole file and its train and test parts apart. It
//! reads gold files and answers; it changes nothing.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::split::{ByPart, Part};
use super::{EvalError, read_gold, user_turns};
use crate::answer::{AskEvent, Engine};
use crate::contracts::{AskReply, AskRequest, Mode, ModeChoice};
use crate::retrieve::{RetrieveError, SearchRequest};
use crate::text::{normalize, sentences};

/// One follow-up of an answer-quality gold file (`tests/gold/quality.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualityQuestion {
    pub id: String,
    pub question: String,
    /// Earlier user turns, oldest first.
    #[serde(default)]
    pub history: Vec<String>,
    /// Whether the sources answer it (fully or partly); `false` means it must be declined.
    pub covered: bool,
    /// Phrases the answer must contain; `a|b` accepts either alternative.
    #[serde(default)]
    pub facts: Vec<String>,
    /// A phrase the first sentence or bullet must contain (`a|b` accepts either).
    #[serde(default)]
    pub first: Option<String>,
    /// Whether the first sentence must say the sources do not state the asked aspect.
    #[serde(default)]
    pub not_stated: bool,
    /// A document that must be among the top 5 hits and be cited by the answer.
    #[serde(default)]
    pub doc: Option<String>,
    /// The section of the passage the first marked sentence or bullet cites.
    #[serde(default)]
    pub first_section: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// Its part of the file's hold-out split (from the file's `test` ids, not a field).
    #[serde(skip)]
    pub part: Part,
}

/// Reads an answer-quality gold file, rejecting duplicate ids and empty questions.
pub fn load_quality(path: &Path) -> Result<Vec<QualityQuestion>, EvalError> {
    let shown = path.display().to_string();
    let questions = read_gold(path, |q: &QualityQuestion| &q.id, |q, part| q.part = part)?;
    let mut seen = std::collections::HashSet::new();
    for q in &questions {
        let problem = if !seen.insert(q.id.as_str()) {
            Some(format!("question id {} is used twice", q.id))
        } else if q.question.trim().is_empty() {
            Some(format!("question {} is empty", q.id))
        } else if !q.covered && (!q.facts.is_empty() || q.first.is_some() || q.not_stated) {
            Some(format!(
                "question {} is not covered, so it cannot require facts, a first fact or a not-stated sentence",
                q.id
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(EvalError::Bad {
                path: shown,
                problem,
            });
        }
    }
    Ok(questions)
}

/// How one question came out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityRow {
    pub id: String,
    pub question: String,
    pub part: Part,
    pub expected_covered: bool,
    pub covered: bool,
    pub mode: Mode,
    pub fallback_reason: Option<String>,
    pub verified: bool,
    pub facts_required: usize,
    /// Required facts the answer lacks.
    pub missing_facts: Vec<String>,
    /// Whether the first sentence or bullet holds `first` (None when the gold names none).
    pub first_right: Option<bool>,
    /// Whether a required "not stated" sentence opens the answer (None when none is required).
    pub not_stated_right: Option<bool>,
    /// Whether the answer says something is not stated although the gold does not expect it.
    pub says_not_stated: bool,
    /// Whether the gold's document is among the top 5 hits (None when the gold names none).
    pub doc_in_top5: Option<bool>,
    pub doc_in_top1: Option<bool>,
    /// Whether the answer cites the gold's document.
    pub doc_cited: Option<bool>,
    /// Whether the first cited passage has the gold's section.
    pub first_section_right: Option<bool>,
    pub words: usize,
    pub first_line: String,
    /// Time to the first answer text (draft or final), ms.
    pub first_text_ms: Option<f64>,
    pub total_ms: f64,
}

/// Figures over a set of questions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityFigures {
    pub questions: usize,
    /// Questions the sources answer, and those of them declined.
    pub expected_covered: usize,
    pub wrongly_declined: usize,
    /// Questions outside the sources, and those of them declined.
    pub expected_declined: usize,
    pub rightly_declined: usize,
    /// Questions outside the sources declined, or answered with a "not stated" line first (the
    /// measure of issue 23, as the dev articles' eval counts them).
    pub outside_handled: usize,
    pub facts_required: usize,
    pub facts_present: usize,
    pub first_required: usize,
    pub first_right: usize,
    pub not_stated_required: usize,
    pub not_stated_right: usize,
    /// Covered answers that say something is not stated where the gold expects no such sentence.
    pub not_stated_unexpected: usize,
    pub verified: usize,
    /// Answers written by the model itself (LLM mode, no fallback, covered).
    pub from_model: usize,
    pub fallbacks: usize,
    pub doc_required: usize,
    pub doc_in_top1: usize,
    pub doc_in_top5: usize,
    pub doc_cited: usize,
    pub first_section_required: usize,
    pub first_section_right: usize,
    /// Mean words of the covered answers.
    pub mean_words: f64,
    pub mean_ms: f64,
}

/// Figures over one gold file, whole and by part of its split, and every question's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityReport {
    #[serde(flatten)]
    pub parts: ByPart<QualityFigures>,
    pub rows: Vec<QualityRow>,
}

impl QualityReport {
    pub fn rate(part: usize, whole: usize) -> f64 {
        if whole == 0 {
            1.0
        } else {
            part as f64 / whole as f64
        }
    }
}

/// Asks every question in `mode` and scores the answers.
pub async fn evaluate_quality(
    engine: &Engine,
    questions: &[QualityQuestion],
    mode: ModeChoice,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<QualityReport, EvalError> {
    let mut rows = Vec::with_capacity(questions.len());
    for (n, q) in questions.iter().enumerate() {
        progress(n, questions.len());
        rows.push(evaluate_one(engine, q, mode).await?);
    }
    progress(questions.len(), questions.len());
    Ok(QualityReport {
        parts: ByPart::of(&rows, |r| r.part, summarise),
        rows,
    })
}

async fn evaluate_one(
    engine: &Engine,
    q: &QualityQuestion,
    mode: ModeChoice,
) -> Result<QualityRow, EvalError> {
    let history = user_turns(&q.history);
    let request = AskRequest {
        article: None,
        question: q.question.clone(),
        history: history.clone(),
        k: None,
        mode,
    };
    let started = Instant::now();
    let mut first_text: Option<f64> = None;
    let mut on_event = |event: AskEvent| {
        if first_text.is_none() && matches!(event, AskEvent::Draft(_) | AskEvent::Delta(_)) {
            first_text = Some(started.elapsed().as_secs_f64() * 1000.0);
        }
    };
    let reply = engine
        .ask(&request, true, &mut on_event)
        .await
        .map_err(|e| EvalError::Bad {
            path: q.id.clone(),
            problem: e.to_string(),
        })?;
    let total_ms = started.elapsed().as_secs_f64() * 1000.0;

    let (doc_in_top1, doc_in_top5) = match &q.doc {
        None => (None, None),
        Some(doc) => {
            let hits = match engine.retriever.search(&SearchRequest {
                article: None,
                query: &q.question,
                history: &history,
                k: 5,
            }) {
                Ok(hits) => hits,
                Err(RetrieveError::NoTerms(_)) => Vec::new(),
                Err(e) => return Err(e.into()),
            };
            (
                Some(hits.first().is_some_and(|h| &h.doc_id == doc)),
                Some(hits.iter().any(|h| &h.doc_id == doc)),
            )
        }
    };
    let answer = if reply.covered {
        reply.answer.as_str()
    } else {
        ""
    };
    let missing_facts = q
        .facts
        .iter()
        .filter(|fact| !holds(answer, fact))
        .cloned()
        .collect();
    let first = first_unit(answer);
    let first_right = q
        .first
        .as_ref()
        .map(|fact| reply.covered && first_holds(answer, fact));
    let not_stated_right = q
        .not_stated
        .then(|| reply.covered && says_not_stated(&first));
    let doc_cited = q
        .doc
        .as_ref()
        .map(|doc| reply.covered && cited_docs(&reply).any(|d| d == doc));
    let first_section_right = q.first_section.as_ref().map(|section| {
        reply.covered
            && first_cited(&reply).is_some_and(|p| normalize(&p.section) == normalize(section))
    });
    Ok(QualityRow {
        id: q.id.clone(),
        question: q.question.clone(),
        part: q.part,
        expected_covered: q.covered,
        covered: reply.covered,
        mode: reply.mode,
        fallback_reason: reply.fallback_reason.clone(),
        verified: reply.verified,
        facts_required: q.facts.len(),
        missing_facts,
        first_right,
        not_stated_right,
        says_not_stated: reply.covered && says_not_stated(&first),
        doc_in_top5,
        doc_in_top1,
        doc_cited,
        first_section_right,
        words: word_count(&reply.answer),
        first_line: first,
        first_text_ms: first_text,
        total_ms,
    })
}

fn summarise(rows: &[&QualityRow]) -> QualityFigures {
    let count = |f: &dyn Fn(&QualityRow) -> bool| rows.iter().filter(|r| f(r)).count();
    let some = |f: &dyn Fn(&QualityRow) -> Option<bool>| {
        (
            rows.iter().filter(|r| f(r).is_some()).count(),
            rows.iter().filter(|r| f(r) == Some(true)).count(),
        )
    };
    let (first_required, first_right) = some(&|r| r.first_right);
    let (not_stated_required, not_stated_right) = some(&|r| r.not_stated_right);
    let (doc_required, doc_in_top5) = some(&|r| r.doc_in_top5);
    let (_, doc_in_top1) = some(&|r| r.doc_in_top1);
    let (_, doc_cited) = some(&|r| r.doc_cited);
    let (first_section_required, first_section_right) = some(&|r| r.first_section_right);
    let facts_required: usize = rows.iter().map(|r| r.facts_required).sum();
    let facts_missing: usize = rows.iter().map(|r| r.missing_facts.len()).sum();
    let answered: Vec<&&QualityRow> = rows.iter().filter(|r| r.covered).collect();
    let mean_words = if answered.is_empty() {
        0.0
    } else {
        answered.iter().map(|r| r.words as f64).sum::<f64>() / answered.len() as f64
    };
    let mean_ms = if rows.is_empty() {
        0.0
    } else {
        rows.iter().map(|r| r.total_ms).sum::<f64>() / rows.len() as f64
    };
    QualityFigures {
        questions: rows.len(),
        expected_covered: count(&|r| r.expected_covered),
        wrongly_declined: count(&|r| r.expected_covered && !r.covered),
        expected_declined: count(&|r| !r.expected_covered),
        rightly_declined: count(&|r| !r.expected_covered && !r.covered),
        outside_handled: count(&|r| !r.expected_covered && (!r.covered || r.says_not_stated)),
        facts_required,
        facts_present: facts_required - facts_missing,
        first_required,
        first_right,
        not_stated_required,
        not_stated_right,
        not_stated_unexpected: count(&|r| r.says_not_stated && r.not_stated_right.is_none()),
        verified: count(&|r| r.verified),
        from_model: count(&|r| {
            r.expected_covered && r.covered && r.mode == Mode::Llm && r.fallback_reason.is_none()
        }),
        fallbacks: count(&|r| r.fallback_reason.is_some()),
        doc_required,
        doc_in_top1,
        doc_in_top5,
        doc_cited,
        first_section_required,
        first_section_right,
        mean_words,
        mean_ms,
    }
}

/// Whether `text` holds `fact` (normalised; `a|b` accepts either).
pub fn holds(text: &str, fact: &str) -> bool {
    let text = normalize(&text.replace(['"', '*'], ""));
    fact.split('|')
        .map(|alt| normalize(alt.trim()))
        .any(|alt| !alt.is_empty() && text.contains(&alt))
}

/// The answer's first sentence or bullet.
pub fn first_unit(answer: &str) -> String {
    let line = answer
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let line = line.trim_start_matches(['-', '*']).trim();
    if answer.trim_start().starts_with(['-', '*']) {
        return line.to_string();
    }
    sentences(line).first().copied().unwrap_or(line).to_string()
}

/// Whether the answer's first claim holds `fact`, or its first sentence (after a "not stated"
/// opener, if any) does when that is a quoted lead-in ("For severe, rapidly progressive cases
/// …" [S1]:): the reader's first sentence then states it.
pub(crate) fn first_holds(answer: &str, fact: &str) -> bool {
    let mut first = first_unit(answer);
    // The opener's line whole ("… do not mention flare; what they say:"), then what follows.
    if says_not_stated(&first)
        && let Some((_, rest)) = answer.trim_start().split_once('\n')
    {
        first = first_unit(rest);
    }
    let quoted_lead_in = first.trim_end().ends_with(':')
        && first.contains('"')
        && first.contains("[S")
        && !says_not_stated(&first);
    holds(first_claim(answer), fact) || (quoted_lead_in && holds(&first, fact))
}

/// The first sentence or bullet that makes a claim: a "not stated" opener, and a lead-in that
/// ends in ':' to introduce the bullets under it, are skipped.
fn first_claim(answer: &str) -> &str {
    let mut rest = answer.trim_start();
    for _ in 0..2 {
        let first = first_unit(rest);
        let lead_in = first.trim_end().ends_with(':');
        if (says_not_stated(&first) || lead_in)
            && let Some(at) = rest.find(first.as_str())
        {
            rest = &rest[at + first.len()..];
        } else {
            break;
        }
    }
    let next = first_unit(rest);
    match rest.find(next.as_str()) {
        Some(at) => &rest[at..at + next.len()],
        None => rest,
    }
}

/// Whether `sentence` says plainly that the sources do not state something.
pub fn says_not_stated(sentence: &str) -> bool {
    let text = normalize(sentence).replace('\'', "");
    crate::question::vocabulary().says_not_stated(&text)
}

/// The documents of the passages the answer's markers name.
fn cited_docs(reply: &AskReply) -> impl Iterator<Item = &String> {
    reply
        .passages
        .iter()
        .filter(|p| crate::answer::cites_marker(&reply.answer, &p.marker))
        .map(|p| &p.doc_id)
}

/// The passage named by the answer's first marker.
fn first_cited(reply: &AskReply) -> Option<&crate::contracts::Passage> {
    let at = reply.answer.find("[S")?;
    let digits: String = reply.answer[at + 2..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let marker = format!("S{digits}");
    reply.passages.iter().find(|p| p.marker == marker)
}

/// Words of an answer, markers not counted.
pub fn word_count(answer: &str) -> usize {
    answer
        .split_whitespace()
        .filter(|w| !w.starts_with("[S") && w.chars().any(char::is_alphanumeric))
        .count()
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn only_covered_questions_count_as_answered_by_the_model() {
        let row = |id: &str, expected_covered: bool, covered: bool, fallback: bool| QualityRow {
            id: id.into(),
            question: "q?".into(),
            part: Part::Train,
            expected_covered,
            covered,
            mode: if fallback {
                Mode::Extractive
            } else {
                Mode::Llm
            },
            fallback_reason: fallback.then(|| "failed twice".to_string()),
            verified: true,
            facts_required: 0,
            missing_facts: Vec::new(),
            first_right: None,
            not_stated_right: None,
            says_not_stated: false,
            doc_in_top5: None,
            doc_in_top1: None,
            doc_cited: None,
            first_section_right: None,
            words: 5,
            first_line: String::new(),
            first_text_ms: None,
            total_ms: 1.0,
        };
        let rows = [
            row("f1", true, true, false),
            row("f2", true, true, true),
            // Outside the sources, yet answered by the model: not a covered question answered.
            row("f3", false, true, false),
        ];
        let report = summarise(&rows.iter().collect::<Vec<_>>());
        assert_eq!((report.from_model, report.expected_covered), (1, 2));
        assert_eq!(report.fallbacks, 1);
        // An outside question is handled when declined, or answered saying first what is not
        // stated; answered otherwise, it is not.
        let honest = QualityRow {
            says_not_stated: true,
            ..row("f4", false, true, true)
        };
        let declined = row("f5", false, false, true);
        let rows = [&rows[2], &honest, &declined];
        let report = summarise(&rows);
        assert_eq!(
            (
                report.expected_declined,
                report.rightly_declined,
                report.outside_handled
            ),
            (3, 1, 2)
        );
    }

    #[test]
    fn facts_match_normalised_with_alternatives() {
        let answer = "- \"Consider Pneumocystis prophylaxis if taking ≥20 mg for ≥4 weeks\" [S1]";
        assert!(holds(answer, "20 mg"));
        assert!(holds(answer, "four weeks|4 weeks"));
        assert!(!holds(answer, "six weeks|6 weeks"));
        assert!(holds("IV methylprednisolone 1–2 mg/kg", "1-2 mg/kg"));
    }

    #[test]
    fn first_unit_is_the_first_bullet_or_sentence() {
        assert_eq!(first_unit("- one [S1]\n- two [S2]"), "one [S1]");
        assert_eq!(
            first_unit("Rituximab helps [S1]. IVIG too [S2]."),
            "Rituximab helps [S1]."
        );
        assert_eq!(first_unit(""), "");
    }

    #[test]
    fn first_claim_skips_a_not_stated_opener() {
        let answer = "The article and its references give no duration for IVIG; what they do say:\n- \"IVIG is effective\" [S1]";
        assert!(says_not_stated(&first_unit(answer)));
        assert_eq!(first_claim(answer), "\"IVIG is effective\" [S1]");
        assert_eq!(first_claim("- a [S1]\n- b [S2]"), "a [S1]");
    }

    #[test]
    fn a_quoted_lead_in_that_states_the_fact_answers_first_but_a_not_stated_opener_never() {
        let lead_in =
            "- Severe: \"For severe, rapidly progressive cases\" [S1]:\n  - \"Tacrolimus\" [S2]";
        assert!(first_holds(lead_in, "rapidly progressive"));
        assert!(first_holds(lead_in, "tacrolimus"));
        assert!(!first_holds(lead_in, "IVIG"));
        let opener = "The article and its references give no duration for IVIG; what they say:\n- \"Tacrolimus\" [S2]";
        assert!(!first_holds(opener, "IVIG"));
        let own_words = "Severe, rapidly progressive cases:\n- \"Tacrolimus\" [S2]";
        assert!(!first_holds(own_words, "rapidly progressive"));
        // After a "not stated" opener, the quoted lead-in is the first sentence.
        let after = "The article and its references do not mention flare; what they say:\n- \"The regimen is prednisone 30-40 mg daily\" [S1]:\n  - \"Use IV hydrocortisone 100 mg instead\" [S2]";
        assert!(first_holds(after, "40 mg"));
        assert!(!first_holds(after, "flare"), "the opener states nothing");
    }

    #[test]
    fn not_stated_phrases_are_recognised() {
        assert!(says_not_stated(
            "The article and its references give no dose for IVIG."
        ));
        assert!(says_not_stated("The sources don't say."));
        assert!(!says_not_stated("Rituximab is effective in 62% [S1]."));
    }

    #[test]
    fn gold_file_rejects_duplicates_and_facts_on_declines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.toml");
        fs::write(
            &path,
            "[[question]]\nid = \"a\"\nquestion = \"x?\"\ncovered = true\n[[question]]\nid = \"a\"\nquestion = \"y?\"\ncovered = true\n",
        )
        .unwrap();
        assert!(
            load_quality(&path)
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        fs::write(
            &path,
            "[[question]]\nid = \"a\"\nquestion = \"x?\"\ncovered = false\nfacts = [\"1 mg\"]\n",
        )
        .unwrap();
        assert!(
            load_quality(&path)
                .unwrap_err()
                .to_string()
                .contains("not covered")
        );
    }
}

//! The dev articles' follow-ups (`medcite eval --dev DIR`, DIR like `../shared/droracle-dev`):
//! every page of `DIR/pages/` is added to a fresh corpus by `medcite add`, and every follow-up of
//! `DIR/followups.tsv` is asked in its article's scope (or, with `--unscoped`, of the whole
//! library, as a box on `/` asks), offline, and judged by the file's expectation. Train and test articles (a split file) are reported apart. It reads the pages at
//! run time and copies nothing of them anywhere but the temporary corpus.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::EvalError;
use super::quality::{first_holds, holds, says_not_stated};
use crate::answer::Engine;
use crate::contracts::{AskReply, AskRequest, ModeChoice, Turn};

/// What a follow-up expects (see the comment header of `followups.tsv`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expect {
    /// Declined: the article does not cover it.
    Declined,
    /// Covered and verified, holding every group (`a|b` alternatives); `first`: the first
    /// sentence or bullet holds the first group.
    Covered { groups: Vec<String>, first: bool },
    /// Covered, saying plainly that the article does not state it, and holding the group.
    NotStated { group: String },
    /// Declined, or covered with a "not stated" answer.
    Either,
}

/// One follow-up of the dev file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DevQuestion {
    pub slug: String,
    pub history: Vec<String>,
    pub question: String,
    pub expect: Expect,
}

/// Reads `followups.tsv`: `slug <TAB> history <TAB> question <TAB> expect`, `#` comments.
pub fn load_followups(path: &Path) -> Result<Vec<DevQuestion>, EvalError> {
    let shown = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|source| EvalError::Io {
        path: shown.clone(),
        source,
    })?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |problem: String| EvalError::Bad {
            path: shown.clone(),
            problem: format!("line {}: {problem}", n + 1),
        };
        let cols: Vec<&str> = line.split('\t').collect();
        let [slug, history, question, expect] = cols.as_slice() else {
            return Err(bad(format!("{} columns, not 4", cols.len())));
        };
        let history = if history.trim() == "-" {
            Vec::new()
        } else {
            history
                .split(" || ")
                .map(|h| h.trim().to_string())
                .collect()
        };
        let expect = match expect.trim().split_once(':') {
            None if expect.trim() == "false" => Expect::Declined,
            None if expect.trim() == "either" => Expect::Either,
            Some(("true", groups)) => Expect::Covered {
                groups: groups.split(';').map(str::to_string).collect(),
                first: false,
            },
            Some(("first", group)) => Expect::Covered {
                groups: vec![group.to_string()],
                first: true,
            },
            Some(("notstated", group)) => Expect::NotStated {
                group: group.to_string(),
            },
            _ => return Err(bad(format!("unknown expectation '{expect}'"))),
        };
        out.push(DevQuestion {
            slug: slug.trim().to_string(),
            history,
            question: question.trim().to_string(),
            expect,
        });
    }
    Ok(out)
}

/// Reads the split file: `test = [slugs]`.
pub fn load_test_split(path: &Path) -> Result<BTreeSet<String>, EvalError> {
    #[derive(Deserialize)]
    struct Split {
        test: Vec<String>,
    }
    let shown = path.display().to_string();
    let text = fs::read_to_string(path).map_err(|source| EvalError::Io {
        path: shown.clone(),
        source,
    })?;
    let split: Split = toml::from_str(&text).map_err(|e| EvalError::Bad {
        path: shown,
        problem: e.to_string(),
    })?;
    Ok(split.test.into_iter().collect())
}

/// How one follow-up went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DevRow {
    pub slug: String,
    pub question: String,
    pub test: bool,
    pub expect: Expect,
    pub right: bool,
    /// For a follow-up the article does not answer: declined or said "not stated".
    pub outside_handled: Option<bool>,
    /// Whether the answer quotes a passage of another article than its scope's.
    pub other_article: bool,
    /// The ids of the articles the reply names as those it draws on.
    pub articles: Vec<String>,
    pub covered: bool,
    pub answer: String,
}

/// The figures of one split.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DevFigures {
    pub questions: usize,
    pub right: usize,
    /// Follow-ups the article answers (`true`, `first`, `notstated`) that were declined.
    pub answerable: usize,
    pub wrongly_declined: usize,
    /// Follow-ups it does not answer (`false`, `either`): declined or "not stated".
    pub outside: usize,
    pub outside_handled: usize,
    pub other_article: usize,
    /// Answers (not declines) that name another article than the follow-up's, or several.
    pub named_other: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DevReport {
    pub train: DevFigures,
    pub test: DevFigures,
    pub rows: Vec<DevRow>,
}

/// Asks every follow-up with `engine` (offline), in its article's scope when `scoped`, else of
/// the whole library, and judges it; an answer quoting outside the article's scope counts as
/// quoting another article either way.
pub async fn evaluate_dev(
    engine: &Engine,
    questions: &[DevQuestion],
    test: &BTreeSet<String>,
    scoped: bool,
) -> Result<DevReport, EvalError> {
    let mut rows = Vec::new();
    for q in questions {
        let request = AskRequest {
            question: q.question.clone(),
            history: q
                .history
                .iter()
                .map(|h| Turn {
                    role: "user".into(),
                    content: h.clone(),
                })
                .collect(),
            k: None,
            mode: ModeChoice::Offline,
            article: scoped.then(|| q.slug.clone()),
        };
        let reply = match engine.ask(&request, false, &mut |_| {}).await {
            Ok(reply) => reply,
            Err(e) => {
                return Err(EvalError::Bad {
                    path: "followups".into(),
                    problem: format!("{}: {e}", q.question),
                });
            }
        };
        rows.push(judge(q, &reply, test.contains(&q.slug), engine));
    }
    let figures = |test: bool| {
        let mut f = DevFigures::default();
        for row in rows.iter().filter(|r| r.test == test) {
            f.questions += 1;
            f.right += usize::from(row.right);
            f.other_article += usize::from(row.other_article);
            f.named_other += usize::from(row.covered && row.articles != [row.slug.as_str()]);
            match row.outside_handled {
                Some(handled) => {
                    f.outside += 1;
                    f.outside_handled += usize::from(handled);
                }
                None => {
                    f.answerable += 1;
                    f.wrongly_declined += usize::from(row.answer_declined());
                }
            }
        }
        f
    };
    Ok(DevReport {
        train: figures(false),
        test: figures(true),
        rows,
    })
}

impl DevRow {
    fn answer_declined(&self) -> bool {
        self.answer.starts_with(crate::answer::NOT_COVERED)
    }
}

fn judge(q: &DevQuestion, reply: &AskReply, test: bool, engine: &Engine) -> DevRow {
    let answer = &reply.answer;
    let declined = !reply.covered;
    let not_stated = reply.covered && says_not_stated(answer);
    let grounded = reply.covered && reply.verified;
    let (right, outside_handled) = match &q.expect {
        Expect::Declined => (declined, Some(declined || not_stated)),
        Expect::Either => (declined || not_stated, Some(declined || not_stated)),
        Expect::Covered { groups, first } => {
            let holds_all = groups.iter().all(|g| holds(answer, g));
            let first_ok = !first || groups.first().is_some_and(|g| first_holds(answer, g));
            (grounded && holds_all && first_ok, None)
        }
        Expect::NotStated { group } => (grounded && not_stated && holds(answer, group), None),
    };
    let scope: Vec<String> = engine
        .retriever
        .scope(&q.slug)
        .map(<[String]>::to_vec)
        .unwrap_or_default();
    let other_article = reply
        .passages
        .iter()
        .filter(|p| crate::answer::cites_marker(answer, &p.marker))
        .any(|p| !scope.contains(&p.doc_id));
    DevRow {
        slug: q.slug.clone(),
        question: q.question.clone(),
        test,
        expect: q.expect.clone(),
        right,
        outside_handled,
        other_article,
        articles: reply.articles.iter().map(|a| a.id.clone()).collect(),
        covered: reply.covered,
        answer: answer.clone(),
    }
}

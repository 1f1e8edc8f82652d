//! Which article answers a question asked of the whole library, and which articles a reply
//! names. An article answers alone when its passages (or its cited references' notes) rank
//! first among those that cover the question; several are drawn on only when no one article
//! covers it and the library does. It decides the scope; it never composes.

use super::{AskError, DEFAULT_K, Engine};
use crate::compose::{asks_about_sources, bounded_history};
use crate::contracts::{ArticleRef, AskReply, AskRequest, Hit, Via};
use crate::retrieval_model::retrieval_model;
use crate::retrieve::{Coverage, Presence, SearchRequest};
use crate::stages::Laps;

/// What an answer may draw on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Scope {
    /// One article and the references it cites: the request's, or the one chosen to answer.
    Article(String),
    /// The whole library: a library of one article, a question no article covers alone that
    /// the library does, or one nothing in the library is found for.
    Library,
}

impl Scope {
    /// The article an answer in this scope draws on alone, if one.
    pub(super) fn article(&self) -> Option<&str> {
        match self {
            Scope::Article(id) => Some(id),
            Scope::Library => None,
        }
    }
}

impl Engine {
    /// The scope `request` is answered in. A scoped request keeps its article. Asked of a
    /// library of several articles, the articles are ranked by their best passage for the
    /// question (a reference note counts for the articles citing it; a follow-up tries first
    /// the article its conversation's previous question was answered from), and the first
    /// whose own scope covers the question answers (one finding every word of it before one
    /// finding its topics only), exactly as if asked in its box. When none covers it alone and
    /// the whole library does, the question spans articles and the library answers, naming
    /// each article it draws on; a question the library does not cover goes to the first
    /// article ranked.
    pub(super) fn scope_of(&self, request: &AskRequest) -> Result<Scope, AskError> {
        match &request.article {
            Some(article) => Ok(Scope::Article(article.clone())),
            None => self.choose(request, true),
        }
    }

    /// The scope of an unscoped `request`; `in_conversation`: trying first the article its
    /// previous question was answered from (itself chosen without looking further back, so a
    /// long history costs one more choice, not one per turn).
    fn choose(&self, request: &AskRequest, in_conversation: bool) -> Result<Scope, AskError> {
        let question = request.question.trim();
        if self.retriever.articles().len() < 2 || question.is_empty() {
            return Ok(Scope::Library);
        }
        let about_sources = asks_about_sources(question);
        let k = request.k.unwrap_or(DEFAULT_K);
        let covers =
            |article: Option<&str>, presence: Presence| -> Result<(Vec<Hit>, Coverage), AskError> {
                let (understood, history) = self.understood(article, question, &request.history);
                let search = SearchRequest {
                    article,
                    query: &understood,
                    history: &history,
                    k,
                };
                let (hits, coverage) =
                    self.passages(&search, about_sources, presence, &mut Laps::new(None))?;
                Ok((hits, coverage))
            };
        let (hits, library) = covers(None, Presence::Library)?;
        // A follow-up stays in the article its conversation was answered from while that
        // article covers it; then the articles in the order of their best passage.
        let mut ranked: Vec<String> = Vec::new();
        if in_conversation
            && let Scope::Article(article) = self.choose(&previous_turn(request), false)?
        {
            ranked.push(article);
        }
        for article in self.ranked_articles(&hits) {
            if !ranked.contains(&article) {
                ranked.push(article);
            }
        }
        // A question the whole library does not cover is declined by the library, unless one
        // of its first articles finds every word of it in its own scope: shorthand or a
        // misspelling that only an article reads ("BQT", "dexamethsone"). Asking the first
        // article alone, finding only its topics, answered questions whose subject no article
        // names (PubMedQA's left-out abstracts: 57 → 56 of 63 declined).
        if !library.covered {
            for article in ranked
                .iter()
                .take(retrieval_model().coverage.uncovered_articles_tried)
            {
                // Each word found in the article's own scope, not elsewhere in the library.
                let (_, coverage) = covers(Some(article), Presence::Scope)?;
                if coverage.covered && coverage.weak_missing.is_empty() {
                    return Ok(Scope::Article(article.clone()));
                }
            }
            return Ok(Scope::Library);
        }
        // An article finding every word of the question answers before one finding only its
        // topics (an ordinary word, or shorthand only another article spells out, missing);
        // when the library itself misses a word, the first article covering the topics does.
        // Of those, one whose own scope misses no word the library names answers before one
        // finding a word ("doxy") only in another article.
        let mut partly: Option<&String> = None;
        let mut topics: Option<&String> = None;
        for article in &ranked {
            let (_, coverage) = covers(Some(article), Presence::Library)?;
            if !coverage.covered {
                continue;
            }
            if coverage.weak_missing.is_empty() {
                return Ok(Scope::Article(article.clone()));
            }
            if library.weak_missing.is_empty() {
                partly.get_or_insert(article);
                continue;
            }
            let (_, own) = covers(Some(article), Presence::Scope)?;
            let as_library = own.covered
                && own.missing.is_empty()
                && (own.weak_missing.iter()).all(|w| library.weak_missing.contains(w));
            if as_library {
                return Ok(Scope::Article(article.clone()));
            }
            topics.get_or_insert(article);
        }
        Ok(topics
            .or(partly)
            .map_or(Scope::Library, |article| Scope::Article(article.clone())))
    }

    /// The articles of `hits` in the order of their best passage: an article passage counts
    /// for its article, a reference note brought in by a citation for the article citing it,
    /// any other note for each article citing it.
    fn ranked_articles(&self, hits: &[Hit]) -> Vec<String> {
        let mut ranked: Vec<String> = Vec::new();
        for hit in hits {
            let citing = match (&hit.via, &hit.cited_by) {
                (Via::Citation, Some(chunk)) => vec![document_of(chunk)],
                _ => self.retriever.articles_of(&hit.doc_id),
            };
            for article in citing {
                if !ranked.iter().any(|a| a == article) {
                    ranked.push(article.to_string());
                }
            }
        }
        ranked
    }

    /// The articles `reply` draws on: its scope's article, or, answered from the library, the
    /// articles of the passages its answer cites: an article passage names its article, a
    /// reference note an article already named that cites it, else each article citing it.
    pub(super) fn named(&self, scope: &Scope, reply: &AskReply) -> Vec<ArticleRef> {
        let ids: Vec<&str> = match scope {
            Scope::Article(id) => vec![id.as_str()],
            Scope::Library => {
                let cited: Vec<&str> = reply
                    .passages
                    .iter()
                    .filter(|p| super::cites_marker(&reply.answer, &p.marker))
                    .map(|p| p.doc_id.as_str())
                    .collect();
                let mut ids: Vec<&str> = cited
                    .iter()
                    .filter(|doc| self.retriever.article_title(doc).is_some())
                    .copied()
                    .collect();
                for doc in &cited {
                    let citing = self.retriever.articles_of(doc);
                    if !citing.iter().any(|a| ids.contains(a)) {
                        ids.extend(citing);
                    }
                }
                let mut seen = Vec::new();
                ids.retain(|id| {
                    let first = !seen.contains(id);
                    seen.push(id);
                    first
                });
                ids
            }
        };
        ids.into_iter()
            .map(|id| ArticleRef {
                id: id.to_string(),
                title: self
                    .retriever
                    .article_title(id)
                    .unwrap_or_default()
                    .to_string(),
            })
            .collect()
    }
}

/// The conversation's previous user question, asked with the turns before it; an empty question
/// (no scope to keep) when there is none.
fn previous_turn(request: &AskRequest) -> AskRequest {
    let history = bounded_history(&request.history);
    let last = history.iter().rposition(|t| t.role == "user");
    AskRequest {
        question: last.map_or_else(String::new, |at| history[at].content.clone()),
        history: last.map_or_else(Vec::new, |at| history[..at].to_vec()),
        ..request.clone()
    }
}

/// The document a chunk id (`doc#n`) belongs to.
fn document_of(chunk_id: &str) -> &str {
    chunk_id.split_once('#').map_or(chunk_id, |(doc, _)| doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::Turn;

    fn turn(role: &str, content: &str) -> Turn {
        Turn {
            role: role.into(),
            content: content.into(),
        }
    }

    #[test]
    fn a_chunk_belongs_to_the_document_before_its_number() {
        assert_eq!(document_of("gout-flare#3"), "gout-flare");
        assert_eq!(document_of("gout-flare-ref-1#1"), "gout-flare-ref-1");
        assert_eq!(document_of("no-number"), "no-number");
    }

    #[test]
    fn the_previous_turn_is_the_last_user_question_with_the_turns_before_it() {
        let request = AskRequest {
            question: "for how long?".into(),
            history: vec![
                turn("user", "oral vancomycin dose?"),
                turn("assistant", "125 mg four times daily [S1]"),
                turn("user", "and fidaxomicin?"),
                turn("assistant", "200 mg twice daily [S1]"),
            ],
            k: None,
            mode: Default::default(),
            article: None,
        };
        let previous = previous_turn(&request);
        assert_eq!(previous.question, "and fidaxomicin?");
        assert_eq!(previous.history, request.history[..2]);
        let first = previous_turn(&AskRequest {
            history: Vec::new(),
            ..request
        });
        assert!(
            first.question.is_empty(),
            "no previous question: no scope to keep"
        );
    }
}

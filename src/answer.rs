//! Answering a follow-up question end to end: retrieve passages, decide coverage, compose (LLM
//! or extractive), verify, retry once, keep what of the model's answer verifies or else fall
//! back to the extractive answer, and check doses; while a model streams, each point of its
//! answer that verifies on its own is reported at once (`points`). The
//! CLI and the server both call [`Engine::ask`]; nothing here knows about HTTP.

mod choice;
mod points;

use std::cell::OnceCell;
use std::collections::HashSet;
use std::sync::Arc;

use points::PointCutter;

use crate::compose::{
    ComposeError, ComposeRequest, DraftLine, Explanation, ExtractiveComposer, LlmComposer,
    MAX_LLM_PASSAGES, OfflineDraft, asks_about_sources, bounded_history, only_restates,
    restates_the_article, same_fact, sentence_id_of,
};
use crate::contracts::{
    AskReply, AskRequest, DosingReport, Hit, Mode, ModeChoice, Passage, QuoteCheck, Turn, Via,
};
use crate::dosing::{DosingRules, check_against_sources};
use crate::retrieve::{Coverage, MAX_K, Presence, RetrieveError, Retriever, SearchRequest};
use crate::stages::{Laps, Stages};
use crate::verify::{Issue, Verification, clean_quote, verified_part, verify};

/// Passages retrieved for an answer when the request does not say.
pub const DEFAULT_K: usize = 6;
/// Most bullets added after one lead-in passage.
const MAX_LIST_ITEMS: usize = 4;
/// Most bullets added after lead-in passages in all: the lists of two lead-ins.
const MAX_LISTED: usize = 2 * MAX_LIST_ITEMS;
/// Most sentence ids pointed out to the model as answering best.
const MAX_BEST_SENTENCES: usize = 4;
/// Most passages added to give retrieved passages their context.
const MAX_CONTEXT: usize = 2;
/// Extra passages searched for, so that restating notes left out leave `k` passages.
const RESTATEMENT_SLACK: usize = 4;
/// Longest question accepted, in characters.
pub const MAX_QUESTION_CHARS: usize = 2_000;
/// What an answer says when the sources do not cover the question.
pub const NOT_COVERED: &str = "The article and its cited references do not cover this question.";

#[derive(Debug, thiserror::Error)]
pub enum AskError {
    #[error("the question is empty")]
    EmptyQuestion,
    #[error("the question is {0} characters long; the limit is {MAX_QUESTION_CHARS}")]
    QuestionTooLong(usize),
    #[error("k must be between 1 and {MAX_K}, not {0}")]
    BadK(usize),
    #[error("history turns must have role \"user\" or \"assistant\", not \"{0}\"")]
    BadRole(String),
    #[error(
        "mode \"llm\" was asked for but no LLM is configured; set MEDCITE_LLM_BASE_URL and MEDCITE_LLM_MODEL, or ask in mode \"auto\" or \"offline\""
    )]
    LlmNotConfigured,
    #[error(transparent)]
    Retrieve(#[from] RetrieveError),
}

/// What `ask` reports while it works, for streaming replies.
#[derive(Debug, Clone, PartialEq)]
pub enum AskEvent {
    /// The passages the answer will draw on (empty when the question is not covered).
    Passages(Vec<Passage>),
    /// A piece of the model's answer as it writes it: provisional, not yet checked against the
    /// sources, and possibly replaced by another answer (never to be shown as the answer).
    Draft(String),
    /// One point of the model's answer (a list item or paragraph, with its nested lines), as
    /// soon as the model has written it whole and it has verified on its own: its markers
    /// resolved, every quote verbatim in its passage, its claims and figures borne out. Sent
    /// when streaming, before the whole answer is known.
    Point(VerifiedPoint),
    /// The answer's verified text (the reply's `answer`), sent once just before `Done`, for
    /// every reply: model, offline, fallback and "not covered" alike. It replaces any points
    /// sent before it (the whole may have failed its check, or been reordered).
    Delta(String),
    /// The verified, dose-checked reply.
    Done(Box<AskReply>),
}

/// A point of the model's answer that verified while the rest was still being written.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct VerifiedPoint {
    /// The point's Markdown, its markers numbered in order of first use over the points sent
    /// ([S1] first), as the final answer numbers them when it is these points in this order.
    pub text: String,
    /// What goes between the previous point and this one: a line break in a list, a blank line
    /// between paragraphs (empty for the first point).
    pub separator: String,
    /// The passages the point cites, under the markers it uses.
    pub passages: Vec<Passage>,
}

/// How a caller bounds an answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AskOptions {
    /// Most tokens the model may write (never more than the composer's own cap).
    pub max_answer_tokens: Option<u32>,
}

/// Everything needed to answer: the retriever, the composers and the dosing rules.
pub struct Engine {
    pub retriever: Retriever,
    extractive: ExtractiveComposer,
    llm: Option<Arc<LlmComposer>>,
    dosing: Option<Arc<DosingRules>>,
}

/// Passages found again for a question, their coverage, and the turn they were found after.
type Refound = (Vec<Hit>, Coverage, Vec<Turn>);

impl Engine {
    pub fn new(retriever: Retriever, llm: Option<LlmComposer>) -> Engine {
        Engine::with_shared_llm(retriever, llm.map(Arc::new))
    }

    /// An engine over a new retriever (say, after the index was rebuilt) with the same LLM and
    /// dosing rules.
    pub fn with_retriever(&self, retriever: Retriever) -> Engine {
        let mut engine = Engine::with_shared_llm(retriever, self.llm.clone());
        engine.dosing = self.dosing.clone();
        engine
    }

    /// The engine checking every dose of its answers with `rules` (against the rules and the
    /// cited passages).
    pub fn with_dosing(mut self, rules: Arc<DosingRules>) -> Engine {
        self.dosing = Some(rules);
        self
    }

    /// The dosing rules answers are checked with, if any were given.
    pub fn dosing(&self) -> Option<&DosingRules> {
        self.dosing.as_deref()
    }

    fn with_shared_llm(retriever: Retriever, llm: Option<Arc<LlmComposer>>) -> Engine {
        let extractive = ExtractiveComposer::new(retriever.synonyms().clone())
            .with_provenance(retriever.provenance().clone());
        Engine {
            retriever,
            extractive,
            llm,
            dosing: None,
        }
    }

    /// The configured LLM, if any.
    pub fn llm(&self) -> Option<&LlmComposer> {
        self.llm.as_deref()
    }

    /// Answers `request`, reporting passages, the model's provisional draft (when `stream`), the
    /// verified text and the final reply to `events`.
    pub async fn ask(
        &self,
        request: &AskRequest,
        stream: bool,
        events: &mut (dyn FnMut(AskEvent) + Send),
    ) -> Result<AskReply, AskError> {
        self.ask_with(request, AskOptions::default(), stream, events)
            .await
    }

    /// [`Engine::ask`] bounded by `options`; when `stream`, each point of the model's answer is
    /// reported as soon as it verifies.
    pub async fn ask_with(
        &self,
        request: &AskRequest,
        options: AskOptions,
        stream: bool,
        events: &mut (dyn FnMut(AskEvent) + Send),
    ) -> Result<AskReply, AskError> {
        self.ask_timed(request, options, stream, events, None).await
    }

    /// [`Engine::ask_with`], its stages timed into `stages` when given (the bench; the offline
    /// answer's stages only).
    pub async fn ask_timed(
        &self,
        request: &AskRequest,
        options: AskOptions,
        stream: bool,
        events: &mut (dyn FnMut(AskEvent) + Send),
        stages: Option<&mut Stages>,
    ) -> Result<AskReply, AskError> {
        validate(request)?;
        // Asked of the whole library, one article answers, as if asked in its box (see
        // `choice`); each reply names the articles it draws on.
        let scope = self.scope_of(request)?;
        // A decline of a question asked of the whole library is no article's: it names none.
        let chosen = request.article.is_none();
        let articles = |reply: &AskReply| {
            if chosen && !reply.covered {
                Vec::new()
            } else {
                self.named(&scope, reply)
            }
        };
        let request = AskRequest {
            article: scope.article().map(str::to_string),
            ..request.clone()
        };
        let mut named = |event: AskEvent| match event {
            AskEvent::Done(mut reply) => {
                reply.articles = articles(&reply);
                events(AskEvent::Done(reply));
            }
            other => events(other),
        };
        let presence = scope_presence(chosen);
        let mut reply = self
            .answer_in_scope(&request, options, presence, stream, &mut named, stages)
            .await?;
        reply.articles = articles(&reply);
        Ok(reply)
    }

    /// [`Engine::ask_timed`] for a valid request, drawing on the request's article (and the
    /// references it cites) when it has one, else on the whole library.
    async fn answer_in_scope(
        &self,
        request: &AskRequest,
        options: AskOptions,
        presence: Presence,
        stream: bool,
        events: &mut (dyn FnMut(AskEvent) + Send),
        stages: Option<&mut Stages>,
    ) -> Result<AskReply, AskError> {
        let mut laps = Laps::new(stages);
        let question = request.question.trim();
        let llm = match (request.mode, self.llm.as_deref()) {
            (ModeChoice::Offline, _) | (ModeChoice::Auto, None) => None,
            (ModeChoice::Llm, None) => return Err(AskError::LlmNotConfigured),
            (_, Some(llm)) => Some(llm),
        };
        let Gathered {
            understood,
            history,
            coverage,
            passages,
        } = self.gather(request, presence, &mut laps)?;
        let about_sources = asks_about_sources(question);
        // A borderline question (only ordinary words of it are missing) goes to the model when
        // there is one, which may still say the sources do not say.
        let to_model = llm.is_some() && coverage.borderline;
        if !coverage.covered && !to_model {
            // Declined for ordinary words only, the answer names those the sources plainly
            // lack ("take with food?": "Nothing in them mentions food"), or, when no passage
            // was found at all, those no passage holds ("lipase cutoff for dx?": lipase).
            // A follow-up names first those of the earlier turn it was asked of, which
            // described the patient or the topic ("pregnant", then "adjust dose?": pregnant,
            // not "adjust"; "infusion", then "how long to continue?": infusion), and its own
            // ordinary words only when the sources name all of that turn's.
            let scope = OnceCell::new();
            let absent = |words: &[String]| {
                if passages.is_empty() {
                    words.to_vec()
                } else {
                    let article = request.article.as_deref();
                    self.plainly_absent(words, &passages, article, &scope, false)
                }
            };
            let missing = if !coverage.missing.is_empty() {
                coverage.missing.clone()
            } else {
                Some(absent(&coverage.earlier_missing))
                    .filter(|earlier| !earlier.is_empty())
                    .unwrap_or_else(|| absent(&coverage.weak_missing))
            };
            let missing = self.as_typed(question, &missing);
            let reply = self.not_covered(
                question,
                &missing,
                llm.map_or(Mode::Extractive, |_| Mode::Llm),
                None,
            );
            let reply = finish(reply, self.dosing.as_deref(), events);
            laps.lap(|s| &mut s.compose);
            return Ok(reply);
        }
        let unnamed = self.unnamed(question, &coverage, &passages, request.article.as_deref());
        let offline_request = ComposeRequest {
            question: &understood,
            history: &history,
            passages: &passages,
            glossary: &[],
            best: &[],
            unnamed: &unnamed,
            retry: None,
            stream,
        };
        let (offline, draft) = self.extractive_reply(question, &offline_request, &coverage);
        let Some(llm) = llm else {
            events(AskEvent::Passages(passages.clone()));
            let reply = finish(offline, self.dosing.as_deref(), events);
            laps.lap(|s| &mut s.compose);
            return Ok(reply);
        };
        let drafted = Drafted {
            question,
            history: &history,
            passages,
            coverage: &coverage,
            offline,
            draft,
            about_sources,
        };
        let reply = self
            .model_answer(drafted, llm, options, stream, events)
            .await;
        Ok(finish(reply, self.dosing.as_deref(), events))
    }

    /// The model's answer to a question the offline answer `drafted`: served when it verifies
    /// (or its verified points, after a retry), else the offline answer saying why.
    async fn model_answer(
        &self,
        drafted: Drafted<'_>,
        llm: &LlmComposer,
        options: AskOptions,
        stream: bool,
        events: &mut (dyn FnMut(AskEvent) + Send),
    ) -> AskReply {
        let Drafted {
            question,
            history,
            passages: original,
            coverage,
            offline,
            draft,
            about_sources,
        } = drafted;
        // The model reads first the passages the offline answer quotes, in the order it quotes
        // them: a small model leans on the first passages it reads.
        let passages = answering_first(&original, &draft.cited());
        events(AskEvent::Passages(passages.clone()));
        let shown: Vec<&str> = passages
            .iter()
            .take(MAX_LLM_PASSAGES)
            .map(|p| p.text.as_str())
            .collect();
        let glossary = self.retriever.glossary(question, &shown);
        let best = best_sentences(&draft, &original, &passages[..shown.len()]);
        let compose = ComposeRequest {
            question,
            history,
            passages: &passages,
            glossary: &glossary,
            best: &best,
            unnamed: &[],
            retry: None,
            stream,
        };

        // A served model answer opens with its point on the best sentence (the offline
        // answer's, when the model left that sentence out), then the offline answer's line on
        // what the sources do not state, if any.
        let lead_point = best
            .first()
            .and_then(|lead| offline_point(&draft, lead, &original, &passages));
        let shape = |reply: AskReply| {
            // The reply's points are read once, for every step that looks at them.
            let points = reply_points(&reply.answer, &reply.passages);
            let (reply, points) = if about_sources {
                (reply, points)
            } else {
                without_restatements(reply, points)
            };
            let reply = match best.first() {
                Some(lead) => led_by(reply, &points, lead, lead_point.as_ref()),
                None => reply,
            };
            // What the offline answer says the sources do not state opens the model's answer too.
            with_not_stated(reply, draft.not_stated.as_deref())
        };
        let mut points = PointCutter::new(&passages);
        let mut sink = |piece: &str| {
            events(AskEvent::Draft(piece.to_string()));
            for point in points.push(piece, |raw| {
                llm.answer_from(raw, &compose)
                    .map(|answer| self.unlinked(&answer, &passages))
            }) {
                events(AskEvent::Point(point));
            }
        };
        let first = llm
            .compose_capped(&compose, options.max_answer_tokens, &mut sink)
            .await
            .map(|answer| self.unlinked(&answer, &passages));
        let reason = match first {
            Err(e) => {
                crate::telemetry::fallback(e.kind());
                fallback_reason(&e, None)
            }
            Ok(answer) => {
                let check = verify(&answer, &passages);
                if let Some(reply) = self.accept(question, &answer, &check, &passages, coverage) {
                    return shape(reply);
                }
                let problems = problems_of(&answer, &check, coverage);
                let retry = ComposeRequest {
                    retry: Some((&answer, &problems)),
                    stream: false,
                    ..compose
                };
                let mut quiet = |_: &str| {};
                let second = llm
                    .compose_capped(&retry, options.max_answer_tokens, &mut quiet)
                    .await
                    .map(|answer| self.unlinked(&answer, &passages));
                match second {
                    Err(e) => {
                        if let Some(reply) =
                            self.accept_part(question, &[(&answer, &check)], &passages)
                        {
                            return shape(reply);
                        }
                        crate::telemetry::fallback(e.kind());
                        fallback_reason(&e, Some(&problems))
                    }
                    Ok(second) => {
                        let second_check = verify(&second, &passages);
                        if let Some(reply) =
                            self.accept(question, &second, &second_check, &passages, coverage)
                        {
                            return shape(reply);
                        }
                        let answers = [(second.as_str(), &second_check), (&answer, &check)];
                        if let Some(reply) = self.accept_part(question, &answers, &passages) {
                            return shape(reply);
                        }
                        let problems = problems_of(&second, &second_check, coverage);
                        crate::telemetry::fallback("failed_check");
                        format!(
                            "the model's answer failed the source check twice ({}); showing the offline answer instead",
                            summarize(&problems)
                        )
                    }
                }
            }
        };
        AskReply {
            fallback_reason: Some(reason),
            ..offline
        }
    }

    /// The offline answer's reasoning for `request`: the question as understood, whether the
    /// sources cover it, and every candidate quote with its features, score and fate.
    pub fn explain(&self, request: &AskRequest) -> Result<Explanation, AskError> {
        validate(request)?;
        let scope = self.scope_of(request)?;
        let presence = scope_presence(request.article.is_none());
        let request = AskRequest {
            article: scope.article().map(str::to_string),
            ..request.clone()
        };
        let gathered = self.gather(&request, presence, &mut Laps::new(None))?;
        let unnamed = self.unnamed(
            &request.question,
            &gathered.coverage,
            &gathered.passages,
            request.article.as_deref(),
        );
        let compose = ComposeRequest {
            question: &gathered.understood,
            history: &gathered.history,
            passages: &gathered.passages,
            glossary: &[],
            best: &[],
            unnamed: &unnamed,
            retry: None,
            stream: false,
        };
        let mut explanation = self.extractive.explain(&compose);
        explanation.covered = gathered.coverage.covered;
        explanation.missing = gathered.coverage.missing.clone();
        Ok(explanation)
    }

    /// The words of a covered question that no source in scope names and whose meaning is
    /// plainly absent (see [`Retriever::plainly_absent`]), for the answer to say so, and the
    /// options it sets against a named one that no source names (`Coverage::unnamed_options`).
    /// A word a passage writes inside a longer one ("nasal" in "intranasal") is not plainly
    /// absent.
    /// A route written out that the question names ("nebulized naloxone?") is such a word too:
    /// how a drug is given is no question phrasing when no passage gives it that way.
    fn unnamed(
        &self,
        question: &str,
        coverage: &Coverage,
        passages: &[Passage],
        article: Option<&str>,
    ) -> Vec<String> {
        let mut ordinary: Vec<String> = (coverage.weak_missing.iter())
            .chain(&coverage.earlier_missing)
            .cloned()
            .collect();
        let scope = OnceCell::new();
        if let Some(article) = article {
            let scope = scope.get_or_init(|| self.retriever.scope_words(article));
            ordinary.extend(routes_unwritten(question, passages, scope, &|w| {
                self.retriever.words(w)
            }));
        }
        let mut unnamed = self.plainly_absent(&ordinary, passages, article, &scope, true);
        unnamed.extend(coverage.unnamed_options.iter().cloned());
        unnamed.extend(coverage.unnamed_forms.iter().cloned());
        unnamed
    }

    /// Of `words` found in no passage, those plainly absent from the scope (see
    /// [`Retriever::plainly_absent`], near in meaning too when `by_meaning`) and that no
    /// passage writes inside a longer word. `scope` holds the scope's words once read (only
    /// when a word is missing), for every call of one answer.
    fn plainly_absent(
        &self,
        words: &[String],
        passages: &[Passage],
        article: Option<&str>,
        scope: &OnceCell<HashSet<String>>,
        by_meaning: bool,
    ) -> Vec<String> {
        let scope = || article.map(|a| scope.get_or_init(|| self.retriever.scope_words(a)));
        words
            .iter()
            .filter(|w| self.retriever.plainly_absent(w, scope(), by_meaning))
            .filter(|w| !passages.iter().any(|p| writes_inside(&p.text, w)))
            .cloned()
            .collect()
    }

    /// `missing` as `question` types them: words typed side by side named together, with the
    /// word typed right after them that names a kind of treatment by them (the vocabulary's
    /// `treatment_heads`): "hyperbaric oxygen treatment", "physical therapy", not "physical".
    fn as_typed(&self, question: &str, missing: &[String]) -> Vec<String> {
        let spans = crate::analysis::word_spans(question);
        let heads = &crate::question::vocabulary().treatment_heads;
        let is_missing = |at: usize| {
            let typed = &question[spans[at].0.clone()];
            missing.iter().any(|m| m.eq_ignore_ascii_case(typed))
        };
        let adjacent = |at: usize| {
            question[spans[at].0.end..spans[at + 1].0.start]
                .trim()
                .is_empty()
        };
        let mut named: Vec<String> = Vec::new();
        let mut at = 0;
        while at < spans.len() {
            if !is_missing(at) {
                at += 1;
                continue;
            }
            let start = spans[at].0.start;
            while at + 1 < spans.len() && adjacent(at) && is_missing(at + 1) {
                at += 1;
            }
            if at + 1 < spans.len()
                && adjacent(at)
                && (heads.iter())
                    .any(|h| h.eq_ignore_ascii_case(&question[spans[at + 1].0.clone()]))
            {
                at += 1;
            }
            named.push(question[start..spans[at].0.end].to_string());
            at += 1;
        }
        // A word the question does not type as one ("6 yo", a phrase) is named as given.
        for word in missing {
            if !named
                .iter()
                .any(|n| n.split_whitespace().any(|w| w.eq_ignore_ascii_case(word)))
            {
                named.push(word.clone());
            }
        }
        named
    }

    /// What every answer starts from: the question and its history with shorthand read, the
    /// passages retrieved for it (list items after their lead-ins, context before what needs
    /// it) and whether they cover it.
    fn gather(
        &self,
        request: &AskRequest,
        presence: Presence,
        laps: &mut Laps<'_>,
    ) -> Result<Gathered, AskError> {
        let question = request.question.trim();
        let article = request.article.as_deref();
        let (understood, mut history) = self.understood(article, question, &request.history);
        let k = request.k.unwrap_or(DEFAULT_K);
        let about_sources = asks_about_sources(question);
        let search = SearchRequest {
            article,
            query: &understood,
            history: &history,
            k,
        };
        let (mut hits, mut coverage) = self.passages(&search, about_sources, presence, laps)?;
        // In one article's box, the question's words may lie in sections its first passages
        // leave out: the article's passages searched wider.
        let wider = crate::retrieval_model::retrieval_model()
            .coverage
            .scoped_retry_k;
        if !coverage.covered && article.is_some() && wider > k {
            let again = SearchRequest { k: wider, ..search };
            let (more, covers) = self.passages(&again, about_sources, presence, laps)?;
            if covers.covered {
                (hits, coverage) = (more, covers);
            }
        }
        if !coverage.covered
            && let Some((after, covers, opening)) =
                self.after_the_title(&search, about_sources, presence, laps)?
        {
            (hits, coverage, history) = (after, covers, opening);
        }
        // A word found only as a related word of the passages reads as that word from here on.
        let understood = crate::shorthand::with_readings(&understood, &coverage.related);
        self.add_context(&mut hits)?;
        laps.lap(|s| &mut s.coverage);
        let passages: Vec<Passage> = hits
            .iter()
            .enumerate()
            .map(|(i, h)| Passage {
                marker: format!("S{}", i + 1),
                chunk_id: h.chunk_id.clone(),
                doc_id: h.doc_id.clone(),
                title: h.title.clone(),
                section: h.section.clone(),
                text: h.text.clone(),
                role: h.role,
                lead: h.lead.clone(),
            })
            .collect();
        Ok(Gathered {
            understood,
            history,
            coverage,
            passages,
        })
    }

    /// Asked first in an article's box, a question naming no topic of its own, only an aspect
    /// that nothing answers alone ("how fast to lower?"), follows on from the article: searched
    /// again with its title as the turn before (opening the last earlier turn, when no turn
    /// names a topic either), the passages, their coverage and that turn, when they cover it and
    /// one states the asked aspect.
    fn after_the_title(
        &self,
        search: &SearchRequest<'_>,
        about_sources: bool,
        presence: Presence,
        laps: &mut Laps<'_>,
    ) -> Result<Option<Refound>, AskError> {
        let vocabulary = crate::question::vocabulary();
        let mut asked = vocabulary.aspects_asked(search.query);
        let Some(title) = search
            .article
            .and_then(|id| self.retriever.article_title(id))
        else {
            return Ok(None);
        };
        // So does a conversation none of whose turns names a topic ("what do we give?", then
        // "how much"): its last earlier turn, read after the title as one turn.
        let earlier: Vec<&Turn> = (search.history.iter())
            .filter(|t| t.role == "user")
            .collect();
        // A follow-up asking nothing of its own ("and then?") asks again what that turn asked.
        if let (true, Some(turn)) = (asked.is_empty(), earlier.last()) {
            asked = vocabulary.aspects_asked(&turn.content);
        }
        if asked.is_empty()
            || !self.retriever.topic_terms(search.query).is_empty()
            || earlier
                .iter()
                .any(|t| !self.retriever.topic_terms(&t.content).is_empty())
        {
            return Ok(None);
        }
        let title = self.retriever.read_shorthand(title, search.article);
        let opening = vec![Turn {
            role: "user".to_string(),
            content: match earlier.last() {
                Some(turn) => format!("{title}: {}", turn.content),
                None => title,
            },
        }];
        let again = SearchRequest {
            history: &opening,
            ..*search
        };
        let (hits, coverage) = self.passages(&again, about_sources, presence, laps)?;
        // What asks for a drug ("what to give first?") is stated by a passage naming one.
        let states_asked = |h: &Hit| {
            (asked.iter())
                .any(|a| a.stated_in(&h.text) || a.names_drug && self.retriever.names_drug(&h.text))
        };
        Ok(
            (coverage.covered && hits.iter().any(states_asked))
                .then_some((hits, coverage, opening)),
        )
    }

    /// The question and the user's turns of `history` with their shorthand read as `article`
    /// (or, unscoped, the library) reads it, once for every stage that follows.
    fn understood(
        &self,
        article: Option<&str>,
        question: &str,
        history: &[Turn],
    ) -> (String, Vec<Turn>) {
        let shorthand = self.retriever.shorthand_reader(article);
        let understood = shorthand.read(question);
        let mut history = bounded_history(history);
        for turn in history.iter_mut().filter(|t| t.role == "user") {
            turn.content = shorthand.read(&turn.content);
        }
        (understood, history)
    }

    /// The `search.k` passages an answer draws on, with the list items under its lead-ins,
    /// and whether they cover the question.
    fn passages(
        &self,
        search: &SearchRequest<'_>,
        about_sources: bool,
        presence: Presence,
        laps: &mut Laps<'_>,
    ) -> Result<(Vec<Hit>, Coverage), AskError> {
        // A cited reference's note that only restates the article answers nothing but a
        // question about the sources: it does not take the place of a passage that may.
        let k = search.k;
        let wider = SearchRequest {
            k: if about_sources {
                k
            } else {
                k + RESTATEMENT_SLACK
            },
            ..*search
        };
        // The query is planned once: coverage reads the search's plan.
        let (mut hits, planned) = match self.retriever.search_planned(&wider, laps.stages()) {
            Ok((hits, planned)) => (hits, Some(planned)),
            Err(RetrieveError::NoTerms(_)) => (Vec::new(), None),
            Err(e) => return Err(e.into()),
        };
        laps.restart();
        if !about_sources {
            hits.retain(|h| !(h.via == Via::Citation && only_restates(&h.text)));
            hits.truncate(k);
        }
        self.add_list_items(&mut hits)?;
        let coverage = planned.map_or_else(Coverage::default, |planned| {
            self.retriever
                .coverage_planned(search, planned, &hits, presence)
        });
        Ok((hits, coverage))
    }

    /// A model's answer without links, images or addresses (see [`crate::text::without_links`]):
    /// only the DOI or PubMed address of a reference note among the passages stays, as text.
    fn unlinked(&self, answer: &str, passages: &[Passage]) -> String {
        let identifiers: Vec<&str> = passages
            .iter()
            .flat_map(|p| self.retriever.identifiers(&p.doc_id))
            .map(String::as_str)
            .collect();
        crate::text::without_links(answer, |url| {
            crate::text::names_identifier(url, &identifiers)
        })
        .into_owned()
    }

    /// Puts after each lead-in passage ("… should be considered:") the bullets it introduces,
    /// which answer the question the lead-in matched.
    fn add_list_items(&self, hits: &mut Vec<crate::contracts::Hit>) -> Result<(), AskError> {
        let mut at = 0;
        let mut added = 0;
        while at < hits.len() {
            let items = self.retriever.list_items(&hits[at], MAX_LIST_ITEMS)?;
            at += 1;
            for item in items {
                if added >= MAX_LISTED {
                    break;
                }
                if let Some(old) = hits.iter().position(|h| h.chunk_id == item.chunk_id) {
                    if old < at {
                        continue;
                    }
                    hits.remove(old);
                }
                hits.insert(at, item);
                at += 1;
                added += 1;
            }
        }
        for (n, hit) in hits.iter_mut().enumerate() {
            hit.rank = n + 1;
        }
        Ok(())
    }

    /// Puts before a passage the one it depends on for its sense (the lead-in of its list, or
    /// the passage a "This …" sentence refers to), so that a quote of it can be read in context.
    /// After the coverage decision: context never makes a question covered.
    fn add_context(&self, hits: &mut Vec<crate::contracts::Hit>) -> Result<(), AskError> {
        let mut at = 0;
        let mut added = 0;
        while at < hits.len() && added < MAX_CONTEXT {
            if let Some(context) = self.retriever.context_of(&hits[at])?
                && !hits.iter().any(|h| h.chunk_id == context.chunk_id)
            {
                hits.insert(at, context);
                added += 1;
                at += 1;
            }
            at += 1;
        }
        // An item naming a drug brings the item after it that goes on about that drug.
        let mut at = 0;
        let mut added = 0;
        while at < hits.len() && added < MAX_CONTEXT {
            if let Some(next) = self.retriever.continuation_of(&hits[at])?
                && !hits.iter().any(|h| h.chunk_id == next.chunk_id)
            {
                hits.insert(at + 1, next);
                added += 1;
                at += 1;
            }
            at += 1;
        }
        for (n, hit) in hits.iter_mut().enumerate() {
            hit.rank = n + 1;
        }
        Ok(())
    }

    /// An LLM answer as the reply, if it verified (or plainly said the sources do not say).
    fn accept(
        &self,
        question: &str,
        answer: &str,
        check: &Verification,
        passages: &[Passage],
        coverage: &Coverage,
    ) -> Option<AskReply> {
        if check.markers.is_empty() && says_sources_do_not_say(answer) {
            if refused_despite_evidence(answer, check, coverage).is_some() {
                return None;
            }
            return Some(self.not_covered(question, &coverage.missing, Mode::Llm, None));
        }
        // An answer that cites nothing (a point whose sentence id named no sentence, dropped as
        // empty) answers nothing, however clean it verifies.
        if !check.verified() || check.markers.is_empty() {
            return None;
        }
        Some(model_reply(question, answer, check, passages))
    }

    /// After two failed checks, the verified part of the model's latest answer that has one
    /// (its points that verify on their own, see [`verified_part`]): the model's own grounded
    /// answer without the sentences the sources do not bear out, rather than no model answer.
    /// Each answer comes with its verification.
    fn accept_part(
        &self,
        question: &str,
        answers: &[(&str, &Verification)],
        passages: &[Passage],
    ) -> Option<AskReply> {
        answers.iter().find_map(|(answer, check)| {
            let (part, check) = verified_part(answer, check, passages)?;
            tracing::info!(
                kept = part.lines().count(),
                of = answer.lines().count(),
                "serving the lines of the model's answer that verified"
            );
            Some(model_reply(question, &part, &check, passages))
        })
    }

    /// The offline answer as the reply, with the draft it was written from; when the draft
    /// quotes nothing, the reply says the sources do not cover the question.
    fn extractive_reply(
        &self,
        question: &str,
        compose: &ComposeRequest<'_>,
        coverage: &Coverage,
    ) -> (AskReply, OfflineDraft) {
        let draft = self.extractive.offline_draft(compose);
        if draft.lines.is_empty() {
            let mut reply = self.not_covered(question, &coverage.missing, Mode::Extractive, None);
            // Every quote on it was for other patients: the decline says what the sources do
            // not say of this one.
            if let Some(why) = draft.not_stated {
                reply.answer = why;
            }
            return (reply, OfflineDraft::default());
        }
        let answer = draft.render(compose.passages);
        // Checked as every answer is: the reply's quotes are the check's.
        let check = verify(&answer, compose.passages);
        let reply = AskReply {
            question: question.to_string(),
            answer,
            mode: Mode::Extractive,
            fallback_reason: None,
            verified: check.verified(),
            covered: true,
            passages: compose.passages.to_vec(),
            quotes: check.quotes,
            dosing: DosingReport::default(),
            articles: Vec::new(),
        };
        (reply, draft)
    }

    fn not_covered(
        &self,
        question: &str,
        missing: &[String],
        mode: Mode,
        fallback_reason: Option<String>,
    ) -> AskReply {
        // A word of an age is named with its number ("6 yo", not "yo").
        let ages: Vec<&str> = crate::shorthand::ages_written(question).collect();
        let missing: Vec<String> = (missing.iter())
            .map(|word| {
                (ages.iter())
                    .find(|age| {
                        *age != word
                            && age
                                .split(|c: char| !c.is_alphanumeric() && c != '/')
                                .any(|w| w.eq_ignore_ascii_case(word))
                    })
                    .map_or_else(|| word.clone(), |age| (*age).to_string())
            })
            .collect();
        // A word of a missing phrase is named with it ("liver disease", not also "liver").
        // A patient's state is named as the state ("pregnant": pregnancy).
        let named: Vec<&str> = missing
            .iter()
            .map(String::as_str)
            .filter(|word| {
                !missing.iter().any(|phrase| {
                    phrase.as_str() != *word
                        && phrase
                            .split_whitespace()
                            .any(|w| w.eq_ignore_ascii_case(word))
                })
            })
            .map(crate::compose::as_mentioned)
            .collect();
        let answer = if named.is_empty() {
            NOT_COVERED.to_string()
        } else {
            format!(
                "{NOT_COVERED} Nothing in them mentions {}.",
                named.join(", ")
            )
        };
        AskReply {
            question: question.to_string(),
            answer,
            mode,
            fallback_reason,
            verified: true,
            covered: false,
            passages: Vec::new(),
            quotes: Vec::new(),
            dosing: DosingReport::default(),
            articles: Vec::new(),
        }
    }
}

/// Refuses a request no answer can be given to: an empty or overlong question, `k` out of
/// range, a history turn of another role than user or assistant.
fn validate(request: &AskRequest) -> Result<(), AskError> {
    let question = request.question.trim();
    if question.is_empty() {
        return Err(AskError::EmptyQuestion);
    }
    let length = question.chars().count();
    if length > MAX_QUESTION_CHARS {
        return Err(AskError::QuestionTooLong(length));
    }
    let k = request.k.unwrap_or(DEFAULT_K);
    if k == 0 || k > MAX_K {
        return Err(AskError::BadK(k));
    }
    if let Some(turn) = request
        .history
        .iter()
        .find(|t| t.role != "user" && t.role != "assistant")
    {
        return Err(AskError::BadRole(turn.role.clone()));
    }
    Ok(())
}

/// The question as read, the history, the passages and their coverage (see [`Engine::gather`]).
struct Gathered {
    understood: String,
    history: Vec<Turn>,
    coverage: Coverage,
    passages: Vec<Passage>,
}

/// A covered question, its passages and the offline answer drafted from them: what the model
/// answers from (see [`Engine::model_answer`]).
struct Drafted<'a> {
    question: &'a str,
    history: &'a [Turn],
    passages: Vec<Passage>,
    coverage: &'a Coverage,
    offline: AskReply,
    /// What the offline answer was written from: the engine reads it, never the answer's text.
    draft: OfflineDraft,
    about_sources: bool,
}

/// Checks the reply's doses and reports its verified text, then the reply, as done.
fn finish(
    mut reply: AskReply,
    rules: Option<&DosingRules>,
    events: &mut (dyn FnMut(AskEvent) + Send),
) -> AskReply {
    renumber(&mut reply);
    if let Some(rules) = rules {
        reply.dosing = check_dosing(rules, &reply);
    }
    events(AskEvent::Delta(reply.answer.clone()));
    events(AskEvent::Done(Box::new(reply.clone())));
    reply
}

/// Every dose in the answer, judged by the rules and, for an otherwise acceptable dose, by
/// whether a passage the answer cites states it (`not_in_sources` when none does).
pub fn check_dosing(rules: &DosingRules, reply: &AskReply) -> DosingReport {
    let cited: Vec<&str> = reply
        .passages
        .iter()
        .filter(|p| cites_marker(&reply.answer, &p.marker))
        .map(|p| p.text.as_str())
        .collect();
    check_against_sources(rules, &reply.answer, &cited)
}

/// Numbers the reply's markers in order of first use ([S1], [S2], … as the reader meets them):
/// the passages the answer cites come first, in that order, then the others; the answer's
/// marker groups and the quotes follow the new names.
pub fn renumber(reply: &mut AskReply) {
    let known: Vec<String> = reply.passages.iter().map(|p| p.marker.clone()).collect();
    let mut first_use: Vec<String> = Vec::new();
    for group in MARKER_GROUP.captures_iter(&reply.answer) {
        for marker in marker_names(&group[1]) {
            if known.contains(&marker) && !first_use.contains(&marker) {
                first_use.push(marker);
            }
        }
    }
    let order: Vec<String> = first_use
        .iter()
        .cloned()
        .chain(known.iter().filter(|m| !first_use.contains(m)).cloned())
        .collect();
    if order == known {
        return;
    }
    let new_name = |old: &str| -> String {
        order
            .iter()
            .position(|m| m == old)
            .map_or_else(|| old.to_string(), |i| format!("S{}", i + 1))
    };
    reply.answer = renamed_markers(&reply.answer, new_name);
    let mut passages = std::mem::take(&mut reply.passages);
    passages.sort_by_key(|p| order.iter().position(|m| *m == p.marker));
    for passage in &mut passages {
        passage.marker = new_name(&passage.marker);
    }
    reply.passages = passages;
    for quote in &mut reply.quotes {
        quote.marker = new_name(&quote.marker);
    }
}

/// A marker group: "[S1]", "[S1, S3]", "[S1; 2]".
static MARKER_GROUP: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"\[\s*(S\d{1,4}(?:\s*[,;]\s*S?\d{1,4})*)\s*\]")
        .expect("marker group regex is valid")
});

/// `text` with each marker of its marker groups renamed by `new_name`, each name once per group.
fn renamed_markers(text: &str, new_name: impl Fn(&str) -> String) -> String {
    MARKER_GROUP
        .replace_all(text, |group: &regex::Captures<'_>| {
            let mut names: Vec<String> = Vec::new();
            for marker in marker_names(&group[1]) {
                let name = new_name(&marker);
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            format!("[{}]", names.join(", "))
        })
        .into_owned()
}

/// The markers of a group's inside ("S1, S3" or "S1; 2"), as "S<n>".
fn marker_names(inside: &str) -> Vec<String> {
    inside
        .split([',', ';'])
        .map(|m| m.trim().trim_start_matches('S'))
        .filter(|n| !n.is_empty())
        .map(|n| format!("S{n}"))
        .collect()
}

/// Whether `answer` names `marker` ("S2") in a marker group such as `[S2]` or `[S1, S2]`.
pub fn cites_marker(answer: &str, marker: &str) -> bool {
    answer.split('[').skip(1).any(|group| {
        group.split(']').next().is_some_and(|inner| {
            inner.split([',', ';']).any(|m| {
                let m = m.trim();
                m == marker || format!("S{m}") == marker
            })
        })
    })
}

/// `passages` with those the offline answer cites (`cited`, indices in the order it first cites
/// them) first, then the others in their order, each marker renamed to its new place.
fn answering_first(passages: &[Passage], cited: &[usize]) -> Vec<Passage> {
    let rank = |i: usize| cited.iter().position(|c| *c == i).unwrap_or(cited.len());
    let mut ordered: Vec<(usize, Passage)> = passages.iter().cloned().enumerate().collect();
    ordered.sort_by_key(|(i, _)| rank(*i));
    ordered
        .into_iter()
        .enumerate()
        .map(|(n, (_, mut passage))| {
            passage.marker = format!("S{}", n + 1);
            passage
        })
        .collect()
}

/// The ids, among `shown`, of the sentences the offline `draft` (composed on `passages`)
/// quotes first on each of its lines, each once, at most `MAX_BEST_SENTENCES`: one per point
/// it makes, so that a list quoted on one line does not hide the next point.
fn best_sentences(draft: &OfflineDraft, passages: &[Passage], shown: &[Passage]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for line in &draft.lines {
        let Some(quote) = line.quotes.first() else {
            continue;
        };
        if let Some(id) = quoted_sentence(line, quote, passages, shown)
            && !ids.contains(&id)
        {
            ids.push(id);
        }
        if ids.len() == MAX_BEST_SENTENCES {
            break;
        }
    }
    ids
}

/// The id (`S1.2`), in `passages`, of the sentence that `quote` of the offline draft's `line`
/// (composed on `original`) stands in, when `passages` hold its passage.
fn quoted_sentence(
    line: &DraftLine,
    quote: &str,
    original: &[Passage],
    passages: &[Passage],
) -> Option<String> {
    let chunk_id = &original[line.passage].chunk_id;
    let passage = passages.iter().find(|p| p.chunk_id == *chunk_id)?;
    sentence_id_of(passage, &clean_quote(quote))
}

/// The offline answer's point on the best sentence, for a model answer that leaves it out.
#[derive(Debug, Clone, PartialEq)]
struct OfflinePoint {
    /// Its line and nested lines, in Markdown, its markers those of the model's passages.
    text: String,
    /// The quotes of its own line (not of the lines nested under it), as verified.
    quotes: Vec<String>,
}

/// The point of the offline `draft` (composed on `original`) that quotes sentence `lead` of
/// `passages` (the same passages, renamed), its line and nested lines, with its markers named
/// as in `passages`.
fn offline_point(
    draft: &OfflineDraft,
    lead: &str,
    original: &[Passage],
    passages: &[Passage],
) -> Option<OfflinePoint> {
    let quotes_lead = |line: &DraftLine| {
        line.quotes
            .iter()
            .any(|q| quoted_sentence(line, q, original, passages).as_deref() == Some(lead))
    };
    let point = draft.points().find(|point| point.iter().any(quotes_lead))?;
    let new_name = |p: usize| {
        passages
            .iter()
            .find(|n| n.chunk_id == original[p].chunk_id)
            .map_or(original[p].marker.as_str(), |n| n.marker.as_str())
    };
    Some(OfflinePoint {
        text: point
            .iter()
            .map(|line| line.render(new_name))
            .collect::<Vec<_>>()
            .join("\n"),
        quotes: point[0].quotes.iter().map(|q| clean_quote(q)).collect(),
    })
}

/// Whether `quotes` (as verified on `passages`) quote sentence `id` (`S1.2`) of `passages`.
fn quotes_sentence(quotes: &[QuoteCheck], id: &str, passages: &[Passage]) -> bool {
    quotes.iter().any(|q| {
        q.verified
            && passages.iter().any(|p| {
                Some(&p.chunk_id) == q.chunk_id.as_ref()
                    && sentence_id_of(p, &q.quote).as_deref() == Some(id)
            })
    })
}

/// The routes that `question` names ("nebulized", "sublingual") that neither the retrieved
/// passages nor the rest of the article's scope (`scope`: the analysed words of it and its
/// references; `analysed` analyses a word alike) write in any of the ways its group of
/// `route_groups` writes it ("inhaled" is written by "nebulized", "IV" by "intravenously").
fn routes_unwritten(
    question: &str,
    passages: &[Passage],
    scope: &HashSet<String>,
    analysed: &dyn Fn(&str) -> Vec<String>,
) -> Vec<String> {
    let vocabulary = crate::question::vocabulary();
    let Some(route) = vocabulary.aspect("route") else {
        return Vec::new();
    };
    let named: Vec<&str> = (question.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| route.stated_in(w))
        .collect();
    if named.is_empty() {
        return Vec::new();
    }
    let texts: Vec<String> = passages.iter().map(|p| p.text.to_lowercase()).collect();
    let writes = |form: &str| {
        let analysed = analysed(form);
        (!analysed.is_empty() && analysed.iter().all(|w| scope.contains(w)))
            || texts.iter().any(|t| {
                if form.contains(' ') {
                    t.contains(form)
                } else {
                    t.split(|c: char| !c.is_alphanumeric()).any(|w| w == form)
                }
            })
    };
    (named.into_iter())
        .filter(|w| {
            let lower = w.to_lowercase();
            let group = (vocabulary.phrasing.route_groups.iter())
                .find(|g| g.contains(&lower))
                .map_or_else(|| vec![lower.clone()], Clone::clone);
            !group.iter().any(|form| writes(form))
        })
        .map(str::to_string)
        .collect()
}

/// Whether `text` writes `word` (`coverage.inside_letters` or more) as the beginning or the end
/// of a longer word: "nasal" in "intranasal", "venous" in "intravenous".
fn writes_inside(text: &str, word: &str) -> bool {
    let word = word.to_lowercase();
    word.chars().count()
        >= crate::retrieval_model::retrieval_model()
            .coverage
            .inside_letters
        && text
            .split(|c: char| !c.is_alphanumeric())
            .map(str::to_lowercase)
            .any(|w| w.len() > word.len() && (w.starts_with(&word) || w.ends_with(&word)))
}

/// Where coverage finds a question's words: in the asked article's scope when the asker chose
/// the article (its box answers from it alone), in the library when medcite chose it for an
/// unscoped question (asking only the chosen article's scope declined PubMedQA questions whose
/// words another abstract has: rewritten wrongly declined 12 → 22 of 115).
fn scope_presence(chosen: bool) -> Presence {
    if chosen {
        Presence::Library
    } else {
        Presence::Scope
    }
}

/// `reply` with its point on sentence `lead` first (see [`leading_with`]), its quotes checked
/// again in their new order. When the reply does not quote `lead` at all, nor any sentence
/// stating the same fact, `point` (the offline answer's point on it, verbatim quotes with
/// their markers) opens it: the sentence that answers the question best is never left out.
/// `points` are the reply's, as [`reply_points`] reads them.
fn led_by(
    mut reply: AskReply,
    points: &[ReplyPoint],
    lead: &str,
    point: Option<&OfflinePoint>,
) -> AskReply {
    let mut answer = leading_with(&reply.answer, points, lead, &reply.passages);
    if let Some(point) = point
        && !quotes_sentence(&reply.quotes, lead, &reply.passages)
        && !states_the_same(&reply.quotes, &point.quotes)
    {
        let between = separator(&reply.answer);
        // The model's own copies of that sentence, unquoted, go: it is now quoted above them.
        let lead = &point.quotes;
        let copies = |point: &ReplyPoint| {
            let unquoted = point.quotes.iter().all(|q| !q.verified);
            let text = MARKER_GROUP.replace_all(&point.text, "");
            unquoted && lead.iter().any(|l| same_fact(&text, l))
        };
        let kept = points.iter().filter(|p| !copies(p)).map(|p| p.text.clone());
        answer = std::iter::once(point.text.clone())
            .chain(kept)
            .collect::<Vec<_>>()
            .join(between);
    }
    if answer != reply.answer {
        let check = verify(&answer, &reply.passages);
        if check.verified() {
            reply.answer = answer;
            reply.quotes = check.quotes;
        }
    }
    reply
}

/// `reply` without the points that only quote a reference note's restatement of what the
/// article cites it for ("The article cites Kassardjian 2015 for …"), when another point
/// quotes the sources: the offline answer quotes those only to questions about the sources,
/// and beside the article's own sentence they say its fact twice. With the reply, its points
/// (`points`, as [`reply_points`] read them) as they are now.
fn without_restatements(
    mut reply: AskReply,
    points: Vec<ReplyPoint>,
) -> (AskReply, Vec<ReplyPoint>) {
    let restating = |point: &ReplyPoint| {
        let quotes: Vec<&str> = point
            .quotes
            .iter()
            .filter(|q| q.verified)
            .map(|q| q.quote.as_str())
            .collect();
        !quotes.is_empty() && quotes.iter().all(|q| restates_the_article(q))
    };
    let kept: Vec<ReplyPoint> = points.iter().filter(|p| !restating(p)).cloned().collect();
    if kept.len() == points.len() || !kept.iter().any(|point| point.text.contains('"')) {
        return (reply, points);
    }
    let between = separator(&reply.answer);
    let answer = kept
        .iter()
        .map(|point| point.text.as_str())
        .collect::<Vec<_>>()
        .join(between);
    let check = verify(&answer, &reply.passages);
    if !check.verified() {
        return (reply, points);
    }
    reply.answer = answer;
    reply.quotes = check.quotes;
    (reply, kept)
}

/// Whether `said` (a reply's quotes, as verified) quote a sentence stating the fact one of
/// `lead` (the quotes of the offline point's own line, not of the lines nested under it)
/// states (most of its words, the same numbers).
fn states_the_same(said: &[QuoteCheck], lead: &[String]) -> bool {
    lead.iter().any(|l| {
        said.iter()
            .filter(|q| q.verified)
            .any(|q| same_fact(&q.quote, l))
    })
}

/// What separates the points of `answer`: a blank line between paragraphs, else a line
/// break between bullets (paragraphs stay paragraphs; a list stays a list).
fn separator(answer: &str) -> &'static str {
    if answer.contains("\n\n") {
        "\n\n"
    } else {
        "\n"
    }
}

/// The points of `answer`: each line with the nested lines under it.
fn points(answer: &str) -> Vec<Vec<&str>> {
    let mut points: Vec<Vec<&str>> = Vec::new();
    for line in answer.lines().filter(|line| !line.trim().is_empty()) {
        let nested = line.starts_with([' ', '\t']);
        match points.last_mut() {
            Some(point) if nested => point.push(line),
            _ => points.push(vec![line]),
        }
    }
    points
}

/// A point of a model's reply (a line with the lines nested under it, see [`points`]), read
/// once: its Markdown and its quotes, verified on their own.
#[derive(Debug, Clone, PartialEq)]
struct ReplyPoint {
    text: String,
    quotes: Vec<QuoteCheck>,
}

/// The points of `answer`, each verified on `passages` on its own.
fn reply_points(answer: &str, passages: &[Passage]) -> Vec<ReplyPoint> {
    points(answer)
        .into_iter()
        .map(|lines| {
            let text = lines.join("\n");
            let quotes = verify(&text, passages).quotes;
            ReplyPoint { text, quotes }
        })
        .collect()
}

/// `answer` (verified on `passages`, its points `points`) with the point that quotes sentence
/// `lead` (`S1.2`) moved to the front, its nested lines with it, when another point comes
/// first. The sentence the question is best answered by opens the answer; nothing is added or
/// dropped.
fn leading_with(answer: &str, points: &[ReplyPoint], lead: &str, passages: &[Passage]) -> String {
    match points
        .iter()
        .position(|point| quotes_sentence(&point.quotes, lead, passages))
    {
        Some(at) if at > 0 => {
            let moved = std::iter::once(&points[at])
                .chain(&points[..at])
                .chain(&points[at + 1..]);
            let texts: Vec<&str> = moved.map(|point| point.text.as_str()).collect();
            texts.join(separator(answer))
        }
        _ => answer.to_string(),
    }
}

/// A covered model reply with what the sources do not state said as the offline answer says
/// it: the model's own lines that deny something and quote nothing ("The sources give no
/// duration for this [S1].", which small models also copy from the prompt where nothing is
/// missing) are left out when quoted points remain, and `lead`, the offline answer's line on
/// what the sources do not state, opens the answer unless the model's first line denies too.
fn with_not_stated(mut reply: AskReply, lead: Option<&str>) -> AskReply {
    if !(reply.covered && reply.mode == Mode::Llm) {
        return reply;
    }
    let (denials, kept): (Vec<&str>, Vec<&str>) = reply
        .answer
        .lines()
        .partition(|line| denies_without_quote(line));
    if !denials.is_empty() && kept.iter().any(|line| line.contains('"')) {
        reply.answer = kept.join("\n").trim().to_string();
    }
    let first = reply.answer.lines().next().unwrap_or_default();
    if let Some(lead) = lead
        && !denies(first)
    {
        reply.answer = format!("{lead}\n{}", reply.answer);
    }
    reply
}

/// Whether a line says the sources do not give something.
fn denies(line: &str) -> bool {
    crate::question::vocabulary().denies(line)
}

/// A short line of the model's that denies something and quotes nothing.
fn denies_without_quote(line: &str) -> bool {
    !line.contains('"') && line.split_whitespace().count() <= 25 && denies(line)
}

/// A verified answer of the model's as the reply.
fn model_reply(
    question: &str,
    answer: &str,
    check: &Verification,
    passages: &[Passage],
) -> AskReply {
    AskReply {
        question: question.to_string(),
        answer: answer.trim().to_string(),
        mode: Mode::Llm,
        fallback_reason: None,
        verified: true,
        covered: true,
        passages: passages.to_vec(),
        quotes: check.quotes.clone(),
        dosing: DosingReport::default(),
        articles: Vec::new(),
    }
}

fn fallback_reason(error: &ComposeError, problems: Option<&[String]>) -> String {
    match problems {
        None => format!("{error}; showing the offline answer instead"),
        Some(problems) => format!(
            "the model's answer failed the source check ({}) and the retry failed: {error}; showing the offline answer instead",
            summarize(problems)
        ),
    }
}

/// The first problems, joined, for a one-line reason.
fn summarize(problems: &[String]) -> String {
    let mut shown: Vec<String> = problems.iter().take(3).cloned().collect();
    if problems.len() > 3 {
        shown.push(format!("{} more", problems.len() - 3));
    }
    shown.join("; ")
}

/// The problems of a failed answer as the retry names them: the verification issues, or for a
/// refusal although the passages match the question, that.
fn problems_of(answer: &str, check: &Verification, coverage: &Coverage) -> Vec<String> {
    match refused_despite_evidence(answer, check, coverage) {
        Some(issue) => vec![issue.to_string()],
        None if check.issues.is_empty() && check.markers.is_empty() => vec![
            "the answer cites no passage sentence: write each point as a few words, a colon and the id of a sentence shown in the passages, such as [S1.1]".to_string(),
        ],
        None => check.issues.iter().map(ToString::to_string).collect(),
    }
}

/// A refusal ("the sources do not say", no marker) although every key term of the question is
/// in the passages: a strong match that the model must answer from, not decline.
fn refused_despite_evidence(
    answer: &str,
    check: &Verification,
    coverage: &Coverage,
) -> Option<Issue> {
    let refused = check.markers.is_empty() && says_sources_do_not_say(answer);
    let strong = coverage.covered
        && !coverage.borderline
        && coverage.missing.is_empty()
        && !coverage.key_terms.is_empty();
    (refused && strong).then(|| Issue::RefusedDespiteEvidence {
        best: "S1".to_string(),
    })
}

/// Whether a model's reply is the prompt's "The sources do not say." (or close to it).
fn says_sources_do_not_say(answer: &str) -> bool {
    let text = crate::text::normalize(answer).replace('\'', "");
    crate::question::vocabulary().refuses(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`leading_with`] on `answer` as the engine calls it, its points read first.
    fn leading(answer: &str, lead: &str, passages: &[Passage]) -> String {
        leading_with(answer, &reply_points(answer, passages), lead, passages)
    }

    /// [`led_by`] as the engine calls it, the reply's points read first.
    fn led(reply: AskReply, lead: &str, point: Option<&OfflinePoint>) -> AskReply {
        let points = reply_points(&reply.answer, &reply.passages);
        led_by(reply, &points, lead, point)
    }

    /// [`without_restatements`] as the engine calls it, the reply's points read first.
    fn restated(reply: AskReply) -> AskReply {
        let points = reply_points(&reply.answer, &reply.passages);
        without_restatements(reply, points).0
    }

    fn passage(marker: &str) -> Passage {
        Passage {
            marker: marker.into(),
            chunk_id: format!("doc#{marker}"),
            doc_id: "doc".into(),
            title: "Doc".into(),
            section: "Doc".into(),
            text: "a b c".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_word_written_inside_a_longer_one_is_not_said_to_be_unmentioned() {
        let text = "2 mg intranasal, repeated in 3-5 minutes; a ticket.";
        assert!(writes_inside(text, "nasal"));
        assert!(
            writes_inside(text, "Intra"),
            "the beginning of a word, in any case"
        );
        assert!(!writes_inside(text, "tick"), "too short to tell");
        assert!(
            !writes_inside(text, "minutes"),
            "the word itself is no longer word"
        );
        assert!(!writes_inside(text, "ranas"), "inside, not at either end");
    }

    #[test]
    fn markers_are_renumbered_in_order_of_first_use() {
        let mut reply = AskReply {
            question: "q".into(),
            answer: "- \"a\" [S3]\n- \"b\" [S5, S3]\n- \"c\" [S1; 2]".into(),
            mode: Mode::Extractive,
            fallback_reason: None,
            verified: true,
            covered: true,
            passages: ["S1", "S2", "S3", "S4", "S5"].map(passage).to_vec(),
            quotes: vec![crate::contracts::QuoteCheck {
                marker: "S5".into(),
                quote: "b".into(),
                verified: true,
                problem: None,
                chunk_id: Some("doc#S5".into()),
                start: Some(2),
                end: Some(3),
            }],
            dosing: DosingReport::default(),
            articles: Vec::new(),
        };
        renumber(&mut reply);
        assert_eq!(
            reply.answer,
            "- \"a\" [S1]\n- \"b\" [S2, S1]\n- \"c\" [S3, S4]"
        );
        let order: Vec<(&str, &str)> = reply
            .passages
            .iter()
            .map(|p| (p.marker.as_str(), &p.chunk_id[4..]))
            .collect();
        assert_eq!(
            order,
            [
                ("S1", "S3"),
                ("S2", "S5"),
                ("S3", "S1"),
                ("S4", "S2"),
                ("S5", "S4")
            ]
        );
        assert_eq!(reply.quotes[0].marker, "S2");
        assert!(verify(&reply.answer, &reply.passages).issues.is_empty());
    }

    #[test]
    fn the_point_on_the_best_sentence_moves_first_with_its_nested_lines() {
        let passages = vec![Passage {
            marker: "S1".into(),
            chunk_id: "doc#1".into(),
            doc_id: "doc".into(),
            title: "Garden".into(),
            section: "Care".into(),
            text: "Seedlings need water every morning.\nAphids are removed with soapy water.\nMature plants need water twice a week.".into(),
            ..Default::default()
        }];
        let answer = "- Pests: \"Aphids are removed with soapy water\" [S1]\n- Grown plants:\n  - \"Mature plants need water twice a week\" [S1]\n- Seedlings: \"Seedlings need water every morning\" [S1]";
        assert_eq!(
            leading(answer, "S1.3", &passages),
            "- Grown plants:\n  - \"Mature plants need water twice a week\" [S1]\n- Pests: \"Aphids are removed with soapy water\" [S1]\n- Seedlings: \"Seedlings need water every morning\" [S1]"
        );
        assert_eq!(leading(answer, "S1.2", &passages), answer, "already first");
        let paragraphs = "Pests: \"Aphids are removed with soapy water\" [S1].\n\nSeedlings: \"Seedlings need water every morning\" [S1].";
        assert_eq!(
            leading(paragraphs, "S1.1", &passages),
            "Seedlings: \"Seedlings need water every morning\" [S1].\n\nPests: \"Aphids are removed with soapy water\" [S1]."
        );
        assert_eq!(leading(answer, "S1.9", &passages), answer, "not quoted");
    }

    #[test]
    fn a_model_answer_leaving_out_the_best_sentence_opens_with_the_offline_point_on_it() {
        let passage = |marker: &str, chunk: &str, text: &str| Passage {
            marker: marker.into(),
            chunk_id: chunk.into(),
            doc_id: "doc".into(),
            title: "Garden".into(),
            section: "Care".into(),
            text: text.into(),
            ..Default::default()
        };
        // The offline answer was composed on the passages in their search order; the model saw
        // them with the answering one first, renamed.
        let original = vec![
            passage("S1", "doc#1", "Aphids are removed with soapy water."),
            passage(
                "S2",
                "doc#2",
                "Watering:\n- Mature plants need water twice a week\n- Seedlings need water every morning",
            ),
        ];
        let passages = vec![
            passage("S1", "doc#2", &original[1].text),
            passage("S2", "doc#1", &original[0].text),
        ];
        let line = |passage: usize, label: Option<&str>, quote: &str| DraftLine {
            passage,
            cites: vec![passage],
            label: label.map(str::to_string),
            quotes: vec![quote.to_string()],
            nested: false,
            introduces: false,
        };
        let offline = OfflineDraft {
            not_stated: None,
            lines: vec![
                line(1, Some("Watering"), "Mature plants need water twice a week"),
                line(0, None, "Aphids are removed with soapy water"),
            ],
        };
        assert_eq!(
            offline.render(&original),
            "- Watering: \"Mature plants need water twice a week\" [S2]\n- \"Aphids are removed with soapy water\" [S1]"
        );
        let point = offline_point(&offline, "S1.2", &original, &passages);
        assert_eq!(
            point.as_ref().map(|p| p.text.as_str()),
            Some("- Watering: \"Mature plants need water twice a week\" [S1]")
        );
        let reply_to =
            |answer: &str| model_reply("how often?", answer, &verify(answer, &passages), &passages);
        // Left out: the point opens the answer, which still verifies.
        let model = "- \"Aphids are removed with soapy water\" [S2]";
        let reply = led(reply_to(model), "S1.2", point.as_ref());
        assert_eq!(
            reply.answer,
            "- Watering: \"Mature plants need water twice a week\" [S1]\n- \"Aphids are removed with soapy water\" [S2]"
        );
        assert!(verify(&reply.answer, &passages).verified());
        // The model's unquoted copy of it goes once it is quoted above.
        let model = "- Mature plants need water twice a week. [S1]\n- \"Aphids are removed with soapy water\" [S2]";
        let reply = led(reply_to(model), "S1.2", point.as_ref());
        assert_eq!(
            reply.answer,
            "- Watering: \"Mature plants need water twice a week\" [S1]\n- \"Aphids are removed with soapy water\" [S2]"
        );
        // Quoted further down: moved up, nothing added.
        let model = "- \"Aphids are removed with soapy water\" [S2]\n- \"Mature plants need water twice a week\" [S1]";
        let reply = led(reply_to(model), "S1.2", point.as_ref());
        assert_eq!(reply.answer.matches("Mature plants").count(), 1);
        assert!(
            reply.answer.starts_with("- \"Mature plants"),
            "{}",
            reply.answer
        );
        // The same fact quoted from another sentence: nothing added.
        let same = vec![
            passages[0].clone(),
            passage(
                "S2",
                "doc#3",
                "Mature plants need water twice a week in summer.",
            ),
        ];
        let model = "- \"Mature plants need water twice a week in summer\" [S2]";
        let reply = led(
            model_reply("how often?", model, &verify(model, &same), &same),
            "S1.2",
            point.as_ref(),
        );
        assert_eq!(reply.answer, model);
    }

    #[test]
    fn a_restatement_of_what_the_article_cites_goes_when_the_sources_are_quoted_otherwise() {
        let passages = vec![
            Passage {
                marker: "S1".into(),
                chunk_id: "article#3".into(),
                doc_id: "article".into(),
                title: "Guide".into(),
                section: "Pitfalls".into(),
                text: "Monotherapy rarely controls the disease.".into(),
                ..Default::default()
            },
            Passage {
                marker: "S2".into(),
                chunk_id: "smith#1".into(),
                doc_id: "smith".into(),
                title: "Smith 2015".into(),
                section: "What the article cites it for".into(),
                text:
                    "The article cites Smith 2015 for monotherapy rarely controlling the disease."
                        .into(),
                ..Default::default()
            },
        ];
        let reply_to =
            |answer: &str| model_reply("enough?", answer, &verify(answer, &passages), &passages);
        let both = "- \"Monotherapy rarely controls the disease\" [S1]\n- Smith: \"The article cites Smith 2015 for monotherapy rarely controlling the disease\" [S2]";
        let reply = restated(reply_to(both));
        assert_eq!(
            reply.answer,
            "- \"Monotherapy rarely controls the disease\" [S1]"
        );
        assert_eq!(reply.quotes.len(), 1);
        // Alone, the restatement stays: it is all the answer has.
        let alone = "- \"The article cites Smith 2015 for monotherapy rarely controlling the disease\" [S2]";
        assert_eq!(restated(reply_to(alone)).answer, alone);
    }

    #[test]
    fn markers_are_found_alone_and_in_groups() {
        assert!(cites_marker("x [S2].", "S2"));
        assert!(cites_marker("x [S1, S2].", "S2"));
        assert!(cites_marker("x [S1; 2].", "S2"));
        assert!(!cites_marker("x [S12].", "S2"));
        assert!(!cites_marker("x S2.", "S2"));
    }

    #[test]
    fn a_refusal_counts_against_a_strong_match_only() {
        let check = |answer: &str| verify(answer, &[]);
        let strong = Coverage {
            covered: true,
            key_terms: vec!["relapse".into()],
            ..Coverage::default()
        };
        let refusal = "The sources do not say.";
        assert_eq!(
            refused_despite_evidence(refusal, &check(refusal), &strong),
            Some(Issue::RefusedDespiteEvidence { best: "S1".into() })
        );
        let borderline = Coverage {
            borderline: true,
            weak_missing: vec!["threshold".into()],
            ..strong.clone()
        };
        assert_eq!(
            refused_despite_evidence(refusal, &check(refusal), &borderline),
            None,
            "a borderline question may be declined by the model"
        );
        let answer = "The sources give no dose [S1].";
        assert_eq!(
            refused_despite_evidence(answer, &check(answer), &strong),
            None
        );
    }
}

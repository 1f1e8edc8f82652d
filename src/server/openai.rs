//! The OpenAI-compatible facade: `POST /v1/chat/completions` and `GET /v1/models`, so any OpenAI
//! client can ask medcite. The last user message is the question, earlier user and assistant
//! messages the history; system and developer messages are ignored (they cannot change the
//! grounding rules), which the `x-medcite-system-messages` header says. The reply is the grounded
//! answer with its sources listed under it, an estimated `usage`, and medcite's whole result in
//! the extension field `medcite`. A stream carries only verified text: each point of a model's
//! answer as soon as it has verified, then the rest of the final answer. An OpenAI stream cannot
//! take back words already sent, so a draft that fails verification never leaves, and a final
//! answer that does not continue the points sent follows them whole, after a note saying so.
//! What medcite cannot honour (`n` > 1, tools, a non-text `response_format`) is refused.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::AppState;
use super::error::{ApiError, ApiJson, ApiPath};
use super::ratelimit::Caller;
use super::sse::AskRun;
use crate::answer::{AskEvent, AskOptions};
use crate::contracts::{
    ArticleRef, AskReply, AskRequest, DocKind, DosingReport, ErrorBody, Mode, ModeChoice, Passage,
    QuoteCheck, Turn,
};
use crate::corpus::{Corpus, DocMeta};

/// Says that `usage` is estimated.
pub const USAGE_HEADER: &str = "x-medcite-usage";
/// Says what was done with system and developer messages.
pub const SYSTEM_HEADER: &str = "x-medcite-system-messages";

/// The one model this facade serves.
pub const MODEL: &str = "medcite";
/// Words per streamed chunk.
const WORDS_PER_CHUNK: usize = 8;
/// Estimated characters per token, as `usage` counts them.
const CHARS_PER_TOKEN: usize = 4;
/// Opens the final answer in a stream whose points, each verified as it came, turned out not
/// to be the start of the final answer: an OpenAI stream cannot take back text, so it says
/// which text stands.
pub const REPLACED_NOTE: &str =
    "\n\n---\nThe answer as finally checked against the sources (it replaces the text above):\n\n";

static MARKERS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[(S\d+(?:\s*,\s*S\d+)*)\]").expect("marker regex is valid"));

/// An OpenAI chat completion request. Options medcite cannot honour (`n` > 1, `tools`,
/// `functions`, `tool_choice`, a `response_format` other than text) are refused with a 400
/// naming the field; sampling options (temperature, top_p, seed, …) are accepted and ignored:
/// medcite's answers are quotes, not samples.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChatRequest {
    /// Any name; the reply always names `medcite`.
    #[serde(default)]
    pub model: Option<String>,
    pub messages: Vec<ChatMessage>,
    #[serde(default)]
    pub stream: Option<bool>,
    /// Only 1: medcite has one grounded answer to a question.
    #[serde(default)]
    pub n: Option<i64>,
    /// The most tokens (estimated, as `usage` is) the reply's content may hold; a reply cut to
    /// fit ends with `finish_reason: "length"`. Also caps what the model may write.
    #[serde(default)]
    pub max_tokens: Option<i64>,
    /// As `max_tokens` (the newer name); wins when both are given.
    #[serde(default)]
    pub max_completion_tokens: Option<i64>,
    #[serde(default)]
    pub stream_options: Option<StreamOptions>,
    /// Refused when it names any tool: medcite calls no tools.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub tools: Option<Value>,
    /// Refused when it names any function.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub functions: Option<Value>,
    /// Only `"none"` (or absent).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub tool_choice: Option<Value>,
    /// Only `{"type": "text"}` (or absent): the answer is Markdown text with quoted sources.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub response_format: Option<Value>,
}

/// `stream_options` of a streamed request.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct StreamOptions {
    /// When true, `usage` comes in a chunk of its own after the last choice, with empty
    /// `choices`, as OpenAI sends it.
    #[serde(default)]
    pub include_usage: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChatMessage {
    /// `system`, `developer`, `user`, `assistant` or `tool`.
    pub role: String,
    /// A string, or an array of content parts of which the `text` ones are read.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub content: Value,
}

/// A non-streamed reply (`chat.completion`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChatCompletion {
    pub id: String,
    pub object: &'static str,
    pub created: u64,
    pub model: &'static str,
    pub choices: Vec<Choice>,
    pub usage: Usage,
    /// medcite's own result, which the OpenAI shape has no room for.
    pub medcite: MedciteResult,
}

/// Token counts. medcite does not tokenise: these are estimates (about four characters per
/// token), as `medcite.usage_estimated` and the `x-medcite-usage: estimated` header say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Usage {
    /// The messages of the request, estimated.
    pub prompt_tokens: u64,
    /// The reply's content, estimated.
    pub completion_tokens: u64,
    pub total_tokens: u64,
}

/// The extension field `medcite`: everything the ask JSON says, in the OpenAI reply.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MedciteResult {
    /// The answer alone, with its `[Sn]` markers (the content adds the source list).
    pub answer: String,
    pub mode: Mode,
    pub fallback_reason: Option<String>,
    pub verified: bool,
    pub covered: bool,
    pub dosing: DosingReport,
    /// The passages the answer drew on, with the bibliographic facts of their documents.
    pub sources: Vec<Source>,
    /// The articles the answer draws on (the ask JSON's `articles`): with the model `medcite`,
    /// the one chosen to answer, or each of several when the question spans them.
    pub articles: Vec<ArticleRef>,
    /// Every quote, with its passage and character span when verified.
    pub quotes: Vec<QuoteCheck>,
    /// Always true: `usage` is estimated.
    pub usage_estimated: bool,
    /// System and developer messages received; they are never applied.
    pub system_messages_ignored: usize,
    /// True when medcite declined: the article and its references do not cover the question,
    /// and the content says so instead of answering (`finish_reason` stays `stop`, as OpenAI
    /// clients expect; this field is how a client tells a decline from an answer).
    pub declined: bool,
    /// In a stream: true when the text streamed point by point was not the start of the final
    /// answer (the whole failed its check, or was reordered), so the content goes on with
    /// [`REPLACED_NOTE`] and the final answer whole, which replaces the text before it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub streamed_text_replaced: Option<bool>,
}

/// One passage of the answer with where it comes from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Source {
    pub marker: String,
    /// Whether the answer cites this marker.
    pub cited: bool,
    pub chunk_id: String,
    pub doc_id: String,
    pub kind: DocKind,
    pub title: String,
    pub section: String,
    pub text: String,
    /// For a reference note, its number in the article that cites it (`[2]`).
    pub reference_number: Option<u32>,
    /// For a reference note: `confirmed`, `candidate` or `unknown`.
    pub confidence: Option<String>,
    /// For a reference note: whether its publication was traced at all.
    pub identified: Option<bool>,
    pub doi: Option<String>,
    pub pmid: Option<String>,
    /// For a reference note, its bibliographic line.
    pub citation: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Choice {
    pub index: u32,
    pub message: ReplyMessage,
    pub finish_reason: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyMessage {
    pub role: &'static str,
    pub content: String,
}

/// One streamed chunk (`chat.completion.chunk`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChatChunk {
    pub id: String,
    pub object: &'static str,
    pub created: u64,
    pub model: &'static str,
    pub choices: Vec<ChunkChoice>,
    /// On the chunk with `finish_reason`, or with `stream_options.include_usage` on a chunk of
    /// its own after it (with empty `choices`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// On the chunk with `finish_reason` only: medcite's result for the streamed answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub medcite: Option<MedciteResult>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChunkChoice {
    pub index: u32,
    pub delta: Delta,
    pub finish_reason: Option<&'static str>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct Delta {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// Reply of `GET /v1/models`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelList {
    pub object: &'static str,
    pub data: Vec<ModelCard>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModelCard {
    pub id: String,
    pub object: &'static str,
    pub created: u64,
    pub owned_by: &'static str,
}

#[utoipa::path(post, path = "/v1/chat/completions", tag = "openai", request_body = ChatRequest,
    responses((status = 200, description = "The grounded answer with its sources, an estimated `usage` and medcite's result in `medcite` (`medcite.declined` is true when the sources do not cover the question). With `stream: true`: text/event-stream of chat.completion.chunk objects carrying only verified text — with a model, each point as soon as it has verified, then the rest of the final answer (or, when the final answer is not their continuation, a note and the final answer whole, `medcite.streamed_text_replaced`) — the chunk with `finish_reason` carrying `medcite` (and `usage`, unless `stream_options.include_usage` asks for it in a chunk of its own with empty `choices`), then `data: [DONE]`. `finish_reason` is `length` when `max_tokens` cut the content. Header x-medcite-usage: estimated; x-medcite-system-messages says system messages are ignored.", body = ChatCompletion),
        (status = 400, description = "No user message; `n` other than 1; `tools`, `functions`, `tool_choice` or a non-text `response_format`; `max_tokens` under 1; or the engine rejected the question. `error.param` names the field.", body = ErrorBody),
        (status = 401, description = "MEDCITE_API_TOKEN is set and the bearer token is missing or wrong", body = ErrorBody)))]
/// OpenAI-compatible chat: the last user message is the question.
pub async fn chat_completions(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ApiJson(chat): ApiJson<ChatRequest>,
) -> Result<Response, ApiError> {
    let max_tokens = honoured_options(&chat)?;
    let request = ask_request(&chat)?;
    tracing::debug!(
        requested = chat.model.as_deref().unwrap_or(MODEL),
        "chat completion (every model name is served by medcite)"
    );
    let ignored = chat
        .messages
        .iter()
        .filter(|m| m.role == "system" || m.role == "developer")
        .count();
    let prompt_chars: usize = chat
        .messages
        .iter()
        .map(|m| text_of(&m.content).chars().count())
        .sum();
    let loaded = state.loaded();
    let options = AskOptions {
        max_answer_tokens: max_tokens,
    };
    let streamed = chat.stream == Some(true);
    let (first, run) =
        AskRun::start_with(state.clone(), caller, request, options, streamed).await?;
    let id = completion_id();
    let created = now();
    let limit = max_tokens.map(|t| t as usize * CHARS_PER_TOKEN);
    if !streamed {
        let reply = match first {
            AskEvent::Done(reply) => *reply,
            _ => run.reply().await?,
        };
        let (content, cut) = capped(&content(&reply), limit);
        let completion = ChatCompletion {
            id,
            object: "chat.completion",
            created,
            model: MODEL,
            choices: vec![Choice {
                index: 0,
                message: ReplyMessage {
                    role: "assistant",
                    content: content.clone(),
                },
                finish_reason: if cut { "length" } else { "stop" },
            }],
            usage: estimate_usage(prompt_chars, &content),
            medcite: medcite_result(&loaded.corpus, &reply, ignored),
        };
        return Ok(with_headers(Json(completion).into_response(), ignored));
    }
    let include_usage = chat
        .stream_options
        .as_ref()
        .and_then(|o| o.include_usage)
        .unwrap_or(false);
    let stream = ChatStream {
        id,
        created,
        run: Some(run),
        pending: Some(Ok(first)),
        sent: String::new(),
        cut: false,
        limit,
        include_usage,
        prompt_chars,
        ignored,
        loaded,
        opened: false,
    };
    let events = futures::stream::unfold(stream, |mut stream| async move {
        let events = stream.next_events().await?;
        Some((futures::stream::iter(events), stream))
    });
    use futures::StreamExt;
    let events = events.flatten().map(Ok::<_, Infallible>);
    Ok(with_headers(
        Sse::new(events)
            .keep_alive(KeepAlive::default())
            .into_response(),
        ignored,
    ))
}

/// A streamed chat completion in progress: what was sent, and what may still be.
struct ChatStream {
    id: String,
    created: u64,
    /// `None` once the stream has ended.
    run: Option<AskRun>,
    /// The run's first event, taken at the start.
    pending: Option<Result<AskEvent, ApiError>>,
    /// The content sent so far.
    sent: String,
    /// Whether `max_tokens` cut the content.
    cut: bool,
    /// Most characters of content, from `max_tokens`.
    limit: Option<usize>,
    include_usage: bool,
    prompt_chars: usize,
    ignored: usize,
    loaded: Arc<super::Loaded>,
    opened: bool,
}

impl ChatStream {
    /// The SSE events for the next step of the run; `None` once `[DONE]` was sent.
    async fn next_events(&mut self) -> Option<Vec<Event>> {
        if !self.opened {
            self.opened = true;
            let delta = Delta {
                role: Some("assistant"),
                content: Some(String::new()),
            };
            return Some(vec![data(&self.chunk(delta, None))]);
        }
        let run = self.run.as_mut()?;
        let step = match self.pending.take() {
            Some(step) => step,
            None => run.next().await,
        };
        let mut events = Vec::new();
        match step {
            Ok(AskEvent::Point(point)) => {
                let text = if self.sent.is_empty() {
                    point.text
                } else {
                    format!("{}{}", point.separator, point.text)
                };
                events.extend(self.content_events(&text));
            }
            Ok(AskEvent::Done(reply)) => {
                let whole = content(&reply);
                let mut medcite = medcite_result(&self.loaded.corpus, &reply, self.ignored);
                let rest = match whole.strip_prefix(self.sent.as_str()) {
                    Some(rest) => rest.to_string(),
                    None => {
                        medcite.streamed_text_replaced = Some(true);
                        format!("{REPLACED_NOTE}{whole}")
                    }
                };
                events.extend(self.content_events(&rest));
                let usage = estimate_usage(self.prompt_chars, &self.sent);
                let finish = if self.cut { "length" } else { "stop" };
                let mut last = self.chunk(Delta::default(), Some(finish));
                last.medcite = Some(medcite);
                if self.include_usage {
                    events.push(data(&last));
                    let mut usage_chunk = self.chunk(Delta::default(), None);
                    usage_chunk.choices.clear();
                    usage_chunk.usage = Some(usage);
                    events.push(data(&usage_chunk));
                } else {
                    last.usage = Some(usage);
                    events.push(data(&last));
                }
                events.push(Event::default().data("[DONE]"));
                self.run = None;
            }
            Ok(_) => {}
            Err(e) => {
                events.push(data(&e.body()));
                events.push(Event::default().data("[DONE]"));
                self.run = None;
            }
        }
        Some(events)
    }

    /// Chunks sending `text` after what was sent, as much of it as `max_tokens` leaves room for.
    fn content_events(&mut self, text: &str) -> Vec<Event> {
        if self.cut || text.is_empty() {
            return Vec::new();
        }
        let wanted = format!("{}{text}", self.sent);
        let (fits, cut) = capped(&wanted, self.limit);
        self.cut = cut;
        let Some(new) = fits.strip_prefix(self.sent.as_str()) else {
            return Vec::new();
        };
        let new = new.to_string();
        self.sent.push_str(&new);
        pieces(&new)
            .into_iter()
            .map(|piece| {
                let delta = Delta {
                    role: None,
                    content: Some(piece),
                };
                data(&self.chunk(delta, None))
            })
            .collect()
    }

    fn chunk(&self, delta: Delta, finish: Option<&'static str>) -> ChatChunk {
        ChatChunk {
            id: self.id.clone(),
            object: "chat.completion.chunk",
            created: self.created,
            model: MODEL,
            choices: vec![ChunkChoice {
                index: 0,
                delta,
                finish_reason: finish,
            }],
            usage: None,
            medcite: None,
        }
    }
}

/// Refuses what medcite cannot honour, each with the field named; returns the token cap.
fn honoured_options(chat: &ChatRequest) -> Result<Option<u32>, ApiError> {
    let refuse = |param: &'static str, message: String| {
        Err(ApiError::bad_request("unsupported_parameter", message).with_param(param))
    };
    if let Some(n) = chat.n
        && n != 1
    {
        return refuse(
            "n",
            format!(
                "n is {n}, but medcite returns one grounded answer per question (the same for every sample): leave n out or set it to 1"
            ),
        );
    }
    let names_any = |value: &Option<Value>| match value {
        None | Some(Value::Null) => false,
        Some(Value::Array(items)) => !items.is_empty(),
        Some(_) => true,
    };
    if names_any(&chat.tools) || names_any(&chat.functions) {
        let param = if names_any(&chat.tools) {
            "tools"
        } else {
            "functions"
        };
        return refuse(
            param,
            format!(
                "medcite calls no tools or functions: it answers only from the article and its references; leave out `{param}`"
            ),
        );
    }
    match &chat.tool_choice {
        None | Some(Value::Null) => {}
        Some(Value::String(choice)) if choice == "none" => {}
        Some(_) => {
            return refuse(
                "tool_choice",
                "medcite calls no tools: leave out `tool_choice` or set it to \"none\"".into(),
            );
        }
    }
    let format = chat
        .response_format
        .as_ref()
        .filter(|f| !f.is_null())
        .map(|f| f.get("type").and_then(Value::as_str).unwrap_or_default());
    if let Some(kind) = format
        && kind != "text"
    {
        return refuse(
            "response_format",
            format!(
                "medcite replies in Markdown text with quoted sources, not '{kind}': leave out `response_format` or set it to {{\"type\": \"text\"}}; medcite's structured result is in the reply's `medcite` field"
            ),
        );
    }
    let (param, cap) = match (chat.max_completion_tokens, chat.max_tokens) {
        (Some(cap), _) => ("max_completion_tokens", Some(cap)),
        (None, cap) => ("max_tokens", cap),
    };
    match cap {
        None => Ok(None),
        Some(cap) if cap >= 1 => Ok(Some(u32::try_from(cap).unwrap_or(u32::MAX))),
        Some(cap) => refuse(param, format!("{param} is {cap}; it must be at least 1")),
    }
}

/// `content` cut to at most `limit` characters, and whether it was cut: at the end of a line
/// when one fits whole (a quoted point is not broken), else after the last whole word with
/// "…" (the reply's `finish_reason: "length"` says it was cut).
fn capped(content: &str, limit: Option<usize>) -> (String, bool) {
    let Some(limit) = limit else {
        return (content.to_string(), false);
    };
    if content.chars().count() <= limit {
        return (content.to_string(), false);
    }
    let mut kept = String::new();
    for line in content.split_inclusive('\n') {
        if kept.chars().count() + line.trim_end().chars().count() > limit {
            break;
        }
        kept.push_str(line);
    }
    let kept = kept.trim_end();
    if !kept.is_empty() {
        return (kept.to_string(), true);
    }
    let mut words = String::new();
    for word in content.split_inclusive(' ') {
        if words.chars().count() + word.trim_end().chars().count() + 1 > limit {
            break;
        }
        words.push_str(word);
    }
    let words = words.trim_end();
    if words.is_empty() {
        let head: String = content.chars().take(limit.saturating_sub(1)).collect();
        return (format!("{head}…"), true);
    }
    (format!("{words}…"), true)
}

/// Says in headers that `usage` is estimated and what was done with system messages.
fn with_headers(mut response: Response, ignored: usize) -> Response {
    let headers = response.headers_mut();
    headers.insert(USAGE_HEADER, HeaderValue::from_static("estimated"));
    let said = if ignored == 0 {
        "none received; answers follow medcite's grounding rules only".to_string()
    } else {
        format!("ignored ({ignored} received); they cannot change medcite's grounding rules")
    };
    if let Ok(value) = HeaderValue::from_str(&said) {
        headers.insert(SYSTEM_HEADER, value);
    }
    response
}

/// Estimated tokens: about four characters per token, as for English text.
fn estimate_usage(prompt_chars: usize, content: &str) -> Usage {
    let tokens = |chars: usize| chars.div_ceil(4) as u64;
    let prompt_tokens = tokens(prompt_chars);
    let completion_tokens = tokens(content.chars().count());
    Usage {
        prompt_tokens,
        completion_tokens,
        total_tokens: prompt_tokens + completion_tokens,
    }
}

/// medcite's result for `reply`, its passages described from the corpus.
fn medcite_result(corpus: &Corpus, reply: &AskReply, ignored: usize) -> MedciteResult {
    let cited = cited_markers(&reply.answer);
    let sources = reply
        .passages
        .iter()
        .map(|p| source(corpus, p, cited.contains(p.marker.as_str())))
        .collect();
    MedciteResult {
        answer: reply.answer.clone(),
        mode: reply.mode,
        fallback_reason: reply.fallback_reason.clone(),
        verified: reply.verified,
        covered: reply.covered,
        dosing: reply.dosing.clone(),
        sources,
        articles: reply.articles.clone(),
        quotes: reply.quotes.clone(),
        usage_estimated: true,
        system_messages_ignored: ignored,
        declined: !reply.covered,
        streamed_text_replaced: None,
    }
}

fn source(corpus: &Corpus, passage: &Passage, cited: bool) -> Source {
    let document = corpus.document(&passage.doc_id);
    let reference = document.and_then(|d| match &d.meta {
        DocMeta::Reference(r) => Some(r),
        DocMeta::Article(_) => None,
    });
    Source {
        marker: passage.marker.clone(),
        cited,
        chunk_id: passage.chunk_id.clone(),
        doc_id: passage.doc_id.clone(),
        kind: document.map_or(DocKind::Article, |d| d.kind),
        title: passage.title.clone(),
        section: passage.section.clone(),
        text: passage.text.clone(),
        reference_number: reference.and_then(|r| corpus_reference_number(corpus, &r.id)),
        confidence: reference.map(|r| r.confidence.clone()),
        identified: reference.map(|r| r.identified),
        doi: reference.and_then(|r| r.doi.clone()),
        pmid: reference.and_then(|r| r.pmid.clone()),
        citation: reference.map(|r| r.citation_line()),
    }
}

/// The number under which the first article citing `reference_id` lists it.
pub fn corpus_reference_number(corpus: &Corpus, reference_id: &str) -> Option<u32> {
    corpus.documents.iter().find_map(|d| match &d.meta {
        DocMeta::Article(article) => article
            .references
            .iter()
            .find(|(_, id)| *id == reference_id)
            .and_then(|(number, _)| number.parse().ok()),
        DocMeta::Reference(_) => None,
    })
}

#[utoipa::path(get, path = "/v1/models", tag = "openai",
    responses((status = 200, description = "`medcite` (the whole library) and `medcite/<article-id>` for each article: that article's box, answering from it and its references only", body = ModelList)))]
/// OpenAI-compatible model list: the library, then one model per article.
pub async fn models(State(state): State<Arc<AppState>>) -> Json<ModelList> {
    Json(ModelList {
        object: "list",
        data: model_ids(&state.loaded()).into_iter().map(card).collect(),
    })
}

#[utoipa::path(get, path = "/v1/models/{id}", tag = "openai",
    params(("id" = String, Path, description = "`medcite` or `medcite/<article-id>`")),
    responses((status = 200, description = "The model", body = ModelCard),
        (status = 404, description = "No such model (`error.code` is `model_not_found`)", body = ErrorBody)))]
/// One model of the list.
pub async fn model(
    State(state): State<Arc<AppState>>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ModelCard>, ApiError> {
    let id = id.trim_start_matches('/');
    if model_ids(&state.loaded()).iter().any(|m| m == id) {
        return Ok(Json(card(id.to_string())));
    }
    let shown: String = id.chars().take(80).collect();
    Err(ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "model_not_found",
        format!(
            "there is no model '{shown}': medcite serves `{MODEL}` and `{MODEL}/<article-id>`; see GET /v1/models"
        ),
    )
    .with_param("model"))
}

/// The models served: the library, then one per article.
fn model_ids(loaded: &super::Loaded) -> Vec<String> {
    std::iter::once(MODEL.to_string())
        .chain(
            loaded
                .engine
                .retriever
                .articles()
                .iter()
                .map(|(id, _)| format!("{MODEL}/{id}")),
        )
        .collect()
}

fn card(id: String) -> ModelCard {
    ModelCard {
        id,
        object: "model",
        created: 0,
        owned_by: "medcite",
    }
}

/// The ask request a chat stands for: its last user message, with the user and assistant
/// messages before it as history.
fn ask_request(chat: &ChatRequest) -> Result<AskRequest, ApiError> {
    let turns: Vec<Turn> = chat
        .messages
        .iter()
        .filter(|m| m.role == "user" || m.role == "assistant")
        .map(|m| Turn {
            role: m.role.clone(),
            content: text_of(&m.content),
        })
        .filter(|t| !t.content.trim().is_empty())
        .collect();
    let Some(last_user) = turns.iter().rposition(|t| t.role == "user") else {
        return Err(ApiError::bad_request(
            "no_user_message",
            "the messages hold no user message with text; the last user message is the question",
        ));
    };
    // "medcite/<article-id>" is that article's box; any other name is the whole library.
    let article = chat
        .model
        .as_deref()
        .and_then(|m| m.strip_prefix(&format!("{MODEL}/")))
        .map(str::to_string);
    Ok(AskRequest {
        question: turns[last_user].content.clone(),
        history: turns[..last_user].to_vec(),
        k: None,
        mode: ModeChoice::Auto,
        article,
    })
}

/// The text of a message's content: a string, or the `text` parts of an array.
fn text_of(content: &Value) -> String {
    match content {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The markers an answer cites.
fn cited_markers(answer: &str) -> BTreeSet<&str> {
    MARKERS
        .captures_iter(answer)
        .filter_map(|c| c.get(1))
        .flat_map(|m| m.as_str().split(',').map(str::trim))
        .collect()
}

/// The reply's content: the answer, then the passages it cites as "[S1] Title › Section".
fn content(reply: &AskReply) -> String {
    let cited = cited_markers(&reply.answer);
    let sources: Vec<String> = reply
        .passages
        .iter()
        .filter(|p| cited.contains(p.marker.as_str()))
        .map(|p| {
            if p.section.is_empty() || p.section == p.title {
                format!("[{}] {}", p.marker, p.title)
            } else {
                format!("[{}] {} › {}", p.marker, p.title, p.section)
            }
        })
        .collect();
    if sources.is_empty() {
        reply.answer.clone()
    } else {
        format!("{}\n\nSources:\n{}", reply.answer, sources.join("\n"))
    }
}

/// The content in pieces of a few words, white space kept, so the pieces join to the whole.
fn pieces(content: &str) -> Vec<String> {
    let words: Vec<&str> = content.split_inclusive(' ').collect();
    words.chunks(WORDS_PER_CHUNK).map(|c| c.concat()).collect()
}

fn data(value: &impl Serialize) -> Event {
    Event::default().data(serde_json::to_string(value).unwrap_or_default())
}

fn completion_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "chatcmpl-medcite-{:x}{:08x}",
        NEXT.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chat(messages: Value) -> ChatRequest {
        serde_json::from_value(json!({"model": "medcite", "messages": messages})).unwrap()
    }

    #[test]
    fn last_user_message_is_the_question_and_earlier_turns_the_history() {
        let request = ask_request(&chat(json!([
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "tell me about rituximab"},
            {"role": "assistant", "content": "Rituximab is used [S1]."},
            {"role": "user", "content": [{"type": "text", "text": "what dose?"}]}
        ])))
        .unwrap();
        assert_eq!(request.question, "what dose?");
        assert_eq!(request.history.len(), 2);
        assert_eq!(request.history[0].role, "user");
        assert_eq!(request.history[1].role, "assistant");
    }

    #[test]
    fn a_chat_without_user_text_is_rejected() {
        let error = ask_request(&chat(json!([{"role": "system", "content": "hi"}]))).unwrap_err();
        assert_eq!(error.code, "no_user_message");
    }

    #[test]
    fn pieces_join_to_the_content() {
        let text = "one two three four five six seven eight nine ten\n\nSources:\n[S1] A › B";
        assert_eq!(pieces(text).concat(), text);
        assert!(pieces(text).len() > 1);
    }
}

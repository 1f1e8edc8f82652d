//! The OpenAI-compatible facade: `POST /v1/chat/completions` and `GET /v1/models`, so any OpenAI
//! client can ask medcite. The last user message is the question, earlier user and assistant
//! messages the history; system and developer messages are ignored (they cannot change the
//! grounding rules), which the `x-medcite-system-messages` header says. The reply is the grounded
//! answer with its sources listed under it, an estimated `usage`, and medcite's whole result in
//! the extension field `medcite`. A stream carries only the final, verified text: an OpenAI
//! stream cannot take back words already sent, so a draft that fails verification never leaves.

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
use super::error::{ApiError, ApiJson};
use super::ratelimit::Caller;
use super::sse::AskRun;
use crate::contracts::{
    AskReply, AskRequest, DocKind, DosingReport, ErrorBody, Mode, ModeChoice, Passage, QuoteCheck,
    Turn,
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

static MARKERS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[(S\d+(?:\s*,\s*S\d+)*)\]").expect("marker regex is valid"));

/// An OpenAI chat completion request; fields medcite does not use (temperature, tools, …) are
/// accepted and ignored.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChatRequest {
    /// Any name; the reply always names `medcite`.
    #[serde(default)]
    pub model: Option<String>,
    pub messages: Vec<ChatMessage>,
    #[serde(default)]
    pub stream: Option<bool>,
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
    /// Every quote, with its passage and character span when verified.
    pub quotes: Vec<QuoteCheck>,
    /// Always true: `usage` is estimated.
    pub usage_estimated: bool,
    /// System and developer messages received; they are never applied.
    pub system_messages_ignored: usize,
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
    /// On the last chunk only (the one with `finish_reason`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// On the last chunk only: medcite's result for the streamed answer.
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
    responses((status = 200, description = "The grounded answer with its sources, an estimated `usage` and medcite's result in `medcite` (with `stream: true`: text/event-stream of chat.completion.chunk objects carrying only verified text, the last with `usage` and `medcite`, then `data: [DONE]`). Header x-medcite-usage: estimated; x-medcite-system-messages says system messages are ignored.", body = ChatCompletion),
        (status = 400, description = "No user message, or the engine rejected the question", body = ErrorBody),
        (status = 401, description = "MEDCITE_API_TOKEN is set and the bearer token is missing or wrong", body = ErrorBody)))]
/// OpenAI-compatible chat: the last user message is the question.
pub async fn chat_completions(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ApiJson(chat): ApiJson<ChatRequest>,
) -> Result<Response, ApiError> {
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
    let (first, run) = AskRun::start(state.clone(), caller, request, false).await?;
    let id = completion_id();
    let created = now();
    let result = move |reply: &AskReply| {
        let content = content(reply);
        let usage = estimate_usage(prompt_chars, &content);
        let result = medcite_result(&loaded.corpus, reply, ignored);
        (content, usage, result)
    };
    if chat.stream != Some(true) {
        let reply = match first {
            crate::answer::AskEvent::Done(reply) => *reply,
            _ => run.reply().await?,
        };
        let (content, usage, medcite) = result(&reply);
        let completion = ChatCompletion {
            id,
            object: "chat.completion",
            created,
            model: MODEL,
            choices: vec![Choice {
                index: 0,
                message: ReplyMessage {
                    role: "assistant",
                    content,
                },
                finish_reason: "stop",
            }],
            usage,
            medcite,
        };
        return Ok(with_headers(Json(completion).into_response(), ignored));
    }
    let chunk = move |delta: Delta, finish: Option<&'static str>| ChatChunk {
        id: id.clone(),
        object: "chat.completion.chunk",
        created,
        model: MODEL,
        choices: vec![ChunkChoice {
            index: 0,
            delta,
            finish_reason: finish,
        }],
        usage: None,
        medcite: None,
    };
    let opening = chunk(
        Delta {
            role: Some("assistant"),
            content: Some(String::new()),
        },
        None,
    );
    let rest = async move {
        let reply = match first {
            crate::answer::AskEvent::Done(reply) => Ok(*reply),
            _ => run.reply().await,
        };
        let mut events: Vec<Event> = Vec::new();
        match reply {
            Ok(reply) => {
                let (content, usage, medcite) = result(&reply);
                for piece in pieces(&content) {
                    let delta = Delta {
                        role: None,
                        content: Some(piece),
                    };
                    events.push(data(&chunk(delta, None)));
                }
                let mut last = chunk(Delta::default(), Some("stop"));
                last.usage = Some(usage);
                last.medcite = Some(medcite);
                events.push(data(&last));
            }
            Err(e) => events.push(data(&e.body())),
        }
        events.push(Event::default().data("[DONE]"));
        futures::stream::iter(events.into_iter().map(Ok::<_, Infallible>))
    };
    use futures::StreamExt;
    let stream = futures::stream::once(async move { Ok::<_, Infallible>(data(&opening)) })
        .chain(futures::stream::once(rest).flatten());
    Ok(with_headers(
        Sse::new(stream)
            .keep_alive(KeepAlive::default())
            .into_response(),
        ignored,
    ))
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
        quotes: reply.quotes.clone(),
        usage_estimated: true,
        system_messages_ignored: ignored,
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
    let card = |id: String| ModelCard {
        id,
        object: "model",
        created: 0,
        owned_by: "medcite",
    };
    let loaded = state.loaded();
    let mut data = vec![card(MODEL.to_string())];
    data.extend(
        loaded
            .engine
            .retriever
            .articles()
            .iter()
            .map(|(id, _)| card(format!("{MODEL}/{id}"))),
    );
    Json(ModelList {
        object: "list",
        data,
    })
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

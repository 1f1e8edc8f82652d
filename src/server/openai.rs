//! The OpenAI-compatible facade: `POST /v1/chat/completions` and `GET /v1/models`, so any OpenAI
//! client can ask medcite. The last user message is the question, earlier user and assistant
//! messages the history (system messages are ignored); the reply is the grounded answer with its
//! sources listed under it. A stream carries only the final, verified text: an OpenAI stream
//! cannot take back words already sent, so a draft that fails verification never leaves.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::AppState;
use super::error::{ApiError, ApiJson};
use super::sse::AskRun;
use crate::contracts::{AskReply, AskRequest, ErrorBody, ModeChoice, Turn};

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
    pub id: &'static str,
    pub object: &'static str,
    pub created: u64,
    pub owned_by: &'static str,
}

#[utoipa::path(post, path = "/v1/chat/completions", tag = "openai", request_body = ChatRequest,
    responses((status = 200, description = "The grounded answer with its sources (with `stream: true`: text/event-stream of chat.completion.chunk objects ending `data: [DONE]`)", body = ChatCompletion),
        (status = 400, description = "No user message, or the engine rejected the question", body = ErrorBody),
        (status = 401, description = "MEDCITE_API_TOKEN is set and the bearer token is missing or wrong", body = ErrorBody)))]
/// OpenAI-compatible chat: the last user message is the question.
pub async fn chat_completions(
    State(state): State<Arc<AppState>>,
    ApiJson(chat): ApiJson<ChatRequest>,
) -> Result<Response, ApiError> {
    let request = ask_request(&chat)?;
    tracing::debug!(
        requested = chat.model.as_deref().unwrap_or(MODEL),
        "chat completion (every model name is served by medcite)"
    );
    let (first, run) = AskRun::start(state.loaded(), request, false).await?;
    let id = completion_id();
    let created = now();
    if chat.stream != Some(true) {
        let reply = match first {
            crate::answer::AskEvent::Done(reply) => *reply,
            _ => run.reply().await?,
        };
        let completion = ChatCompletion {
            id,
            object: "chat.completion",
            created,
            model: MODEL,
            choices: vec![Choice {
                index: 0,
                message: ReplyMessage {
                    role: "assistant",
                    content: content(&reply),
                },
                finish_reason: "stop",
            }],
        };
        return Ok(Json(completion).into_response());
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
                for piece in pieces(&content(&reply)) {
                    let delta = Delta {
                        role: None,
                        content: Some(piece),
                    };
                    events.push(data(&chunk(delta, None)));
                }
                events.push(data(&chunk(Delta::default(), Some("stop"))));
            }
            Err(e) => events.push(data(&e.body())),
        }
        events.push(Event::default().data("[DONE]"));
        futures::stream::iter(events.into_iter().map(Ok::<_, Infallible>))
    };
    use futures::StreamExt;
    let stream = futures::stream::once(async move { Ok::<_, Infallible>(data(&opening)) })
        .chain(futures::stream::once(rest).flatten());
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

#[utoipa::path(get, path = "/v1/models", tag = "openai",
    responses((status = 200, description = "The one model, `medcite`", body = ModelList)))]
/// OpenAI-compatible model list.
pub async fn models() -> Json<ModelList> {
    Json(ModelList {
        object: "list",
        data: vec![ModelCard {
            id: MODEL,
            object: "model",
            created: 0,
            owned_by: "medcite",
        }],
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
    Ok(AskRequest {
        question: turns[last_user].content.clone(),
        history: turns[..last_user].to_vec(),
        k: None,
        mode: ModeChoice::Auto,
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

/// The reply's content: the answer, then the passages it cites as "[S1] Title › Section".
fn content(reply: &AskReply) -> String {
    let cited: BTreeSet<&str> = MARKERS
        .captures_iter(&reply.answer)
        .filter_map(|c| c.get(1))
        .flat_map(|m| m.as_str().split(',').map(str::trim))
        .collect();
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

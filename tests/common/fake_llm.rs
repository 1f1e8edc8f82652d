//! A scripted OpenAI-compatible chat server on 127.0.0.1 for tests of the LLM path: each
//! request takes the next scripted behaviour; every request body is recorded.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures::StreamExt;
use serde_json::{Value, json};

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Script {
    /// Quotes a sentence of passage S1 verbatim, marked [S1].
    Honest,
    /// Replies with this exact content.
    Text(String),
    /// A quote that is in no passage.
    Fabricated,
    /// A verbatim quote of passage S2 marked [S1].
    Misattributed,
    /// A verbatim quote of S1 marked with a marker beyond the passages.
    UnknownMarker,
    /// HTTP 500 with an OpenAI-style error body.
    ServerError,
    /// Waits this long before answering honestly.
    Slow(Duration),
    /// 200 with a body that is not JSON.
    NotJson,
    /// Streams part of an honest answer, then cuts the connection.
    TruncatedStream,
    /// States a figure that a later passage gives and S1 does not, marked [S1].
    NumberFromLaterPassage,
    /// Quotes sentence 1 of S1 by its id: "The sources state: [S1.1]".
    BySentenceId,
    /// Waits for a permit of this semaphore (which the test adds), then answers honestly.
    Gated(Arc<tokio::sync::Semaphore>),
    /// Streams a list of two quoted points (of S1, then S2), pausing after the first point and
    /// the start of the second until the test adds a permit to this semaphore.
    TwoPointsPaused(Arc<tokio::sync::Semaphore>),
}

#[derive(Clone)]
struct Shared {
    script: Arc<Mutex<VecDeque<Script>>>,
    requests: Arc<Mutex<Vec<Value>>>,
    /// How many requests have arrived.
    arrived: Arc<tokio::sync::watch::Sender<usize>>,
}

pub struct FakeLlm {
    pub addr: SocketAddr,
    shared: Shared,
    _task: tokio::task::JoinHandle<()>,
}

impl FakeLlm {
    /// Starts the server on a free loopback port with the given script.
    pub async fn start(script: Vec<Script>) -> FakeLlm {
        let shared = Shared {
            script: Arc::new(Mutex::new(script.into())),
            requests: Arc::default(),
            arrived: Arc::new(tokio::sync::watch::channel(0).0),
        };
        let app = Router::new()
            .route("/v1/chat/completions", post(chat))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        FakeLlm {
            addr,
            shared,
            _task: task,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// An LLM composer pointed at this server, with the bundled prompts.
    pub fn composer(&self, timeout: Duration) -> medcite::compose::LlmComposer {
        let prompts_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts");
        let prompts = medcite::compose::Prompts::load(&prompts_dir).expect("prompts");
        let config = medcite::compose::LlmConfig {
            base_url: self.base_url(),
            model: "fake".into(),
            api_key: None,
            timeout,
        };
        medcite::compose::LlmComposer::new(config, prompts)
    }

    /// Resolves once `n` requests have arrived.
    pub async fn arrived(&self, n: usize) {
        let mut count = self.shared.arrived.subscribe();
        count
            .wait_for(|&seen| seen >= n)
            .await
            .expect("fake LLM running");
    }

    /// The request bodies received so far.
    pub fn requests(&self) -> Vec<Value> {
        self.shared.requests.lock().expect("lock").clone()
    }
}

/// The passages `[Sn] …` of the last user message that holds them, as (marker, text).
pub fn passages_of(request: &Value) -> Vec<(String, String)> {
    let messages = request["messages"].as_array().cloned().unwrap_or_default();
    let content = messages
        .iter()
        .rev()
        .filter_map(|m| m["content"].as_str())
        .find(|c| c.contains("\n[S1] "))
        .unwrap_or_default()
        .to_string();
    let mut out: Vec<(String, String)> = Vec::new();
    for block in content.split("\n\n") {
        let Some(rest) = block.strip_prefix("[S") else {
            continue;
        };
        let Some((number, body)) = rest.split_once(']') else {
            continue;
        };
        // First line is "Title › Section", then the passage's sentences, each after its id
        // ("[S1.2] …").
        let text = body.split_once('\n').map(|(_, t)| t).unwrap_or_default();
        let text = text
            .lines()
            .map(
                |l| match l.strip_prefix('[').and_then(|l| l.split_once("] ")) {
                    Some((id, sentence)) if id.starts_with('S') && id.contains('.') => sentence,
                    _ => l,
                },
            )
            .collect::<Vec<_>>()
            .join("\n");
        out.push((format!("S{number}"), text));
    }
    out
}

/// A verbatim span of a passage: its longest line without the bullet dash, up to 12 words.
pub fn quotable(text: &str) -> String {
    let line = text
        .lines()
        .map(|l| {
            l.trim()
                .trim_start_matches("- ")
                .trim_end_matches([':', '.'])
        })
        .max_by_key(|l| l.len())
        .unwrap_or_default();
    line.split_whitespace()
        .take(12)
        .collect::<Vec<_>>()
        .join(" ")
}

fn content_for(script: &Script, request: &Value) -> String {
    let passages = passages_of(request);
    let first = passages
        .first()
        .map(|(_, t)| quotable(t))
        .unwrap_or_default();
    match script {
        Script::Honest | Script::Slow(_) | Script::TruncatedStream | Script::Gated(_) => {
            format!("The sources state \"{first}\" [S1].")
        }
        Script::Text(text) => text.clone(),
        Script::Fabricated => {
            "Rituximab \"cures every patient within one week of a single infusion\" [S1].".into()
        }
        Script::Misattributed => {
            let second = passages
                .get(1)
                .map(|(_, t)| quotable(t))
                .unwrap_or_default();
            format!("The sources state \"{second}\" [S1].")
        }
        Script::UnknownMarker => format!("The sources state \"{first}\" [S9]."),
        Script::BySentenceId => "The sources state: [S1.1]".into(),
        Script::TwoPointsPaused(_) => {
            let second = passages
                .get(1)
                .map(|(_, t)| quotable(t))
                .unwrap_or_default();
            format!("- \"{first}\" [S1]\n- \"{second}\" [S2]")
        }
        Script::NumberFromLaterPassage => {
            let in_s1 = passages
                .first()
                .map(|(_, t)| medcite::numbers::figures(t))
                .unwrap_or_default();
            let figure = passages
                .iter()
                .skip(1)
                .flat_map(|(_, t)| medcite::numbers::figures(t))
                .find(|f| !in_s1.iter().any(|s| f.stated_by(s)))
                .map(|f| f.shown)
                .unwrap_or_default();
            format!("The sources give {figure} for this [S1].")
        }
        Script::ServerError | Script::NotJson => String::new(),
    }
}

async fn chat(State(shared): State<Shared>, body: String) -> Response {
    let request: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    shared.requests.lock().expect("lock").push(request.clone());
    shared.arrived.send_modify(|n| *n += 1);
    let script = shared
        .script
        .lock()
        .expect("lock")
        .pop_front()
        .unwrap_or(Script::Honest);
    let stream = request["stream"].as_bool().unwrap_or(false);
    match &script {
        Script::ServerError => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"error":{"message":"model crashed","type":"server_error","param":null,"code":null}}"#,
            )
                .into_response();
        }
        Script::NotJson => {
            return (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                "<html>this is not json</html>",
            )
                .into_response();
        }
        Script::Slow(delay) => tokio::time::sleep(*delay).await,
        Script::Gated(gate) => {
            gate.acquire().await.expect("gate open").forget();
        }
        _ => {}
    }
    let content = content_for(&script, &request);
    if !stream {
        let reply = json!({
            "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": "fake",
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": null,
                "message": {"role": "assistant", "content": content, "refusal": null}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
        });
        return (StatusCode::OK, axum::Json(reply)).into_response();
    }
    let words: Vec<String> = content.split_inclusive(' ').map(str::to_string).collect();
    let truncated = matches!(script, Script::TruncatedStream);
    let chunk = |delta: Value, finish: Value| {
        let chunk = json!({"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0,
            "model": "fake", "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": null}]});
        format!("data: {chunk}\n\n")
    };
    if let Script::TwoPointsPaused(gate) = &script {
        // The first point and the start of the second, then nothing until the gate opens.
        let at = content.find("\n- ").map_or(content.len(), |i| i + 3);
        let (before, after) = (content[..at].to_string(), content[at..].to_string());
        let gate = gate.clone();
        let opening = chunk(json!({"role": "assistant", "content": ""}), Value::Null);
        let first = chunk(json!({"content": before}), Value::Null);
        let rest = chunk(json!({"content": after}), Value::Null);
        let end = chunk(json!({}), json!("stop"));
        let stream = futures::stream::iter([Ok::<_, std::io::Error>(opening), Ok(first)]).chain(
            futures::stream::once(async move {
                gate.acquire().await.expect("gate open").forget();
                Ok(format!("{rest}{end}data: [DONE]\n\n"))
            }),
        );
        return Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "text/event-stream")
            .body(Body::from_stream(stream))
            .expect("response");
    }
    let mut events: Vec<Result<String, std::io::Error>> = vec![Ok(chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    ))];
    let take = if truncated {
        words.len() / 2
    } else {
        words.len()
    };
    for word in &words[..take] {
        events.push(Ok(chunk(json!({"content": word}), Value::Null)));
    }
    if truncated {
        events.push(Err(std::io::Error::other("connection cut")));
    } else {
        events.push(Ok(chunk(json!({}), json!("stop"))));
        events.push(Ok("data: [DONE]\n\n".to_string()));
    }
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from_stream(futures::stream::iter(events)))
        .expect("response")
}

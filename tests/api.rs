//! The HTTP API through the router itself (`tower::ServiceExt::oneshot`, no socket), one test
//! per behaviour of every route and error case; the OpenAI facade also through async-openai
//! against the router served on 127.0.0.1.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessageArgs, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessageArgs, ChatCompletionRequestUserMessageArgs,
    CreateChatCompletionRequest, CreateChatCompletionRequestArgs,
};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use common::fake_llm::{FakeLlm, Script};
use common::{bundled_corpus, copy_dir};
use futures::StreamExt;
use medcite::compose::LlmComposer;
use medcite::contracts::{
    AskReply, DosingReport, ErrorBody, Mode, Passage, SearchReply, Verdict, Via,
};
use medcite::index::build_from_dir;
use medcite::server::{AppState, Settings, router};
use serde_json::{Value, json};
use tempfile::TempDir;
use tower::ServiceExt;

const IVIG: &str = "What about IVIG dosing?";

/// A router over the bundled corpus, indexed into a temporary directory.
struct App {
    _dir: TempDir,
    router: Router,
}

fn app() -> App {
    app_with(Settings::default(), None)
}

fn app_with(settings: Settings, llm: Option<LlmComposer>) -> App {
    let dir = TempDir::new().expect("temp dir");
    let state = open(&bundled_corpus(), &dir.path().join("index"), settings, llm);
    App {
        _dir: dir,
        router: router(state),
    }
}

fn open(
    corpus: &Path,
    index: &Path,
    settings: Settings,
    llm: Option<LlmComposer>,
) -> Arc<AppState> {
    let (state, _) = AppState::open(corpus, index, llm, settings, false).expect("open state");
    Arc::new(state)
}

fn llm(server: &FakeLlm) -> LlmComposer {
    server.composer(Duration::from_secs(10))
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("{e}: {}", String::from_utf8_lossy(&self.body));
        })
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// Asserts a JSON error body with this status and code.
    fn assert_error(&self, status: StatusCode, code: &str) {
        assert_eq!(self.status, status, "{}", self.text());
        assert!(
            self.content_type().starts_with("application/json"),
            "{}",
            self.content_type()
        );
        let body: ErrorBody = self.json();
        assert_eq!(body.error.code, code, "{}", body.error.message);
        assert!(!body.error.message.is_empty());
    }
}

async fn send(router: &Router, request: Request<Body>) -> Reply {
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body")
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

async fn get(router: &Router, uri: &str) -> Reply {
    send(router, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post_json(router: &Router, uri: &str, body: &Value) -> Reply {
    post_raw(router, uri, "application/json", body.to_string()).await
}

async fn post_raw(router: &Router, uri: &str, content_type: &str, body: String) -> Reply {
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    send(router, request).await
}

/// The (event, data) pairs of a server-sent event stream.
fn sse_events(text: &str) -> Vec<(String, String)> {
    text.split("\n\n")
        .filter_map(|block| {
            let mut name = "message".to_string();
            let mut data = Vec::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push(v.strip_prefix(' ').unwrap_or(v).to_string());
                }
            }
            (!data.is_empty()).then(|| (name, data.join("\n")))
        })
        .collect()
}

// ---- /healthz and the page ---------------------------------------------------------------

#[tokio::test]
async fn healthz_reports_the_loaded_index() {
    let app = app();
    let reply = get(&app.router, "/healthz").await;
    assert_eq!(reply.status, StatusCode::OK);
    let health: Value = reply.json();
    assert_eq!(health["status"], "ok");
    assert!(health["passages"].as_u64().unwrap() > 10, "{health}");
    assert!(health["generation"].as_str().unwrap().starts_with("gen-"));
    assert_eq!(health["mode"], "offline");
}

#[tokio::test]
async fn page_renders_the_article_references_and_follow_up_box() {
    let app = app();
    let reply = get(&app.router, "/").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.content_type().starts_with("text/html"));
    let csp = reply.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = reply.text();
    assert!(html.contains("<h1>Treatment of Necrotizing Myopathy</h1>"));
    assert!(html.contains("<h2>Management of Refractory Cases</h2>"));
    assert!(html.contains("<li>Rituximab:"), "bullets are lists");
    assert!(
        html.contains("<a href=\"#ref-4\""),
        "markers link to references"
    );
    assert!(html.contains("<li id=\"ref-2\" value=\"2\" data-doc="));
    assert!(html.contains("PMID 26192196"), "bibliographic lines");
    assert!(
        html.contains("Source not traced"),
        "untraced references say so"
    );
    assert!(html.contains("Have a follow-up question?"));
    assert!(html.contains("<label for=\"question\">"));
    assert!(
        !html.contains("http://") && !html.contains("//cdn"),
        "nothing external is loaded"
    );
    assert!(!html.contains("{{"), "every template slot is filled");
    assert!(
        html.contains("Review status: pending human review")
            && html.contains("<time datetime=\"2025-08-21\">"),
        "the review status and date from the front matter"
    );
    assert!(
        html.contains("data-doc=\"article-ref-3-untraced\" data-confidence=\"unknown\" data-identified=\"false\""),
        "each reference carries its provenance for the page script"
    );
    assert!(html.contains("Identification unconfirmed"));
}

/// The suggested follow-ups on the page, as text.
fn suggestions_on(html: &str) -> Vec<String> {
    html.split("<button type=\"button\" class=\"suggestion\">")
        .skip(1)
        .filter_map(|rest| rest.split("</button>").next())
        .map(|q| q.replace("&#39;", "'").replace("&amp;", "&"))
        .collect()
}

#[tokio::test]
async fn the_bundled_article_has_its_own_page_too_whose_box_names_it() {
    let app = app();
    let home = get(&app.router, "/").await.text();
    assert!(!home.contains("data-article"), "/ asks unscoped as before");
    let reply = get(&app.router, "/articles/necrotizing-myopathy-treatment").await;
    assert_eq!(reply.status, StatusCode::OK);
    let html = reply.text();
    assert!(html.contains("<h1>Treatment of Necrotizing Myopathy</h1>"));
    assert!(html.contains("data-article=\"necrotizing-myopathy-treatment\""));
    assert!(html.contains("<li id=\"ref-2\" value=\"2\" data-doc="));
}

#[tokio::test]
async fn suggested_follow_ups_are_questions_the_sources_answer() {
    let app = app();
    let html = get(&app.router, "/").await.text();
    let suggestions = suggestions_on(&html);
    assert!((2..=4).contains(&suggestions.len()), "{suggestions:?}");
    let mut first_passages = Vec::new();
    for question in &suggestions {
        let ask: AskReply = post_json(&app.router, "/api/v1/ask", &json!({"question": question}))
            .await
            .json();
        assert!(ask.covered && ask.verified, "{question}: {}", ask.answer);
        first_passages.push(ask.passages[0].chunk_id.clone());
    }
    first_passages.dedup();
    assert_eq!(
        first_passages.len(),
        suggestions.len(),
        "each draws on its own passage"
    );
}

#[tokio::test]
async fn suggestions_come_from_the_corpus() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    copy_dir(&bundled_corpus(), &corpus);
    let article = corpus.join("articles/necrotizing-myopathy-treatment.md");
    let text = std::fs::read_to_string(&article).unwrap().replace(
        "## Initial Treatment Approach\n",
        "## Initial Treatment Approach\n\n- Plasmapheresis:\n  - Plasmapheresis is sometimes tried in refractory disease [1]\n",
    );
    std::fs::write(&article, text).unwrap();
    let state = open(
        &corpus,
        &dir.path().join("index"),
        Settings::default(),
        None,
    );
    let html = get(&router(state), "/").await.text();
    let suggestions = suggestions_on(&html);
    assert_eq!(
        suggestions.first().map(String::as_str),
        Some("What about plasmapheresis?"),
        "{suggestions:?}"
    );
}

// ---- search --------------------------------------------------------------------------------

#[tokio::test]
async fn search_returns_the_search_contract() {
    let app = app();
    let reply = get(&app.router, "/api/v1/search?q=rituximab%20refractory&k=3").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let search: SearchReply = reply.json();
    assert_eq!(search.query, "rituximab refractory");
    assert!(!search.hits.is_empty() && search.hits.len() <= 3);
    assert_eq!(search.hits[0].rank, 1);
    assert!(search.hits[0].text.to_lowercase().contains("rituximab"));
    let raw: Value = reply.json();
    for key in [
        "rank", "chunk_id", "doc_id", "kind", "title", "section", "text", "score", "cites",
    ] {
        assert!(raw["hits"][0].get(key).is_some(), "hit lacks {key}");
    }
}

#[tokio::test]
async fn search_says_which_hits_are_citations_and_which_passage_cites_them() {
    let app = app();
    let search: SearchReply = get(&app.router, "/api/v1/search?q=rituximab%20refractory&k=5")
        .await
        .json();
    let mut citations = 0;
    for (at, hit) in search.hits.iter().enumerate() {
        match hit.via {
            Via::Search => assert_eq!(hit.cited_by, None, "{hit:?}"),
            Via::Citation => {
                citations += 1;
                let citing = hit.cited_by.as_deref().expect("a citation names its citer");
                let before = search.hits[..at]
                    .iter()
                    .find(|h| h.chunk_id == citing)
                    .unwrap_or_else(|| panic!("{citing} is not above {}", hit.chunk_id));
                assert!(
                    before.cites.contains(&hit.doc_id),
                    "{before:?} cites {hit:?}"
                );
            }
        }
    }
    assert!(citations > 0, "{:#?}", search.hits);
    let raw: Value = get(&app.router, "/api/v1/search?q=rituximab%20refractory&k=5")
        .await
        .json();
    assert!(
        raw["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["via"] == "citation")
    );
}

#[tokio::test]
async fn search_rejects_k_out_of_range_or_not_a_number() {
    let app = app();
    for k in ["0", "101", "abc", "-1", "99999999999999999999999"] {
        let reply = get(&app.router, &format!("/api/v1/search?q=ivig&k={k}")).await;
        let code = if k == "0" || k == "101" {
            "bad_k"
        } else {
            "bad_query"
        };
        reply.assert_error(StatusCode::BAD_REQUEST, code);
    }
}

#[tokio::test]
async fn search_rejects_an_empty_query() {
    let app = app();
    for uri in [
        "/api/v1/search",
        "/api/v1/search?q=",
        "/api/v1/search?q=%20%20",
    ] {
        get(&app.router, uri)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "empty_query");
    }
    get(&app.router, "/api/v1/search?q=the%20what")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "no_search_terms");
}

// ---- ask -----------------------------------------------------------------------------------

#[tokio::test]
async fn ask_offline_answers_ivig_dosing_verified_and_cited() {
    let app = app();
    let reply = post_json(&app.router, "/api/v1/ask", &json!({"question": IVIG})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let ask: AskReply = reply.json();
    assert_eq!(ask.mode, Mode::Extractive);
    assert!(ask.verified && ask.covered, "{ask:#?}");
    assert!(ask.answer.contains("[S"), "{}", ask.answer);
    assert!(ask.answer.contains("IVIG"));
    assert!(!ask.quotes.is_empty() && ask.quotes.iter().all(|q| q.verified));
    assert!(ask.passages[0].text.contains("IVIG"));
}

#[tokio::test]
async fn each_verified_quote_names_its_passage_and_character_span() {
    let app = app();
    let ask: AskReply = post_json(&app.router, "/api/v1/ask", &json!({"question": IVIG}))
        .await
        .json();
    assert!(!ask.quotes.is_empty());
    for quote in &ask.quotes {
        let passage = ask
            .passages
            .iter()
            .find(|p| Some(&p.chunk_id) == quote.chunk_id.as_ref())
            .unwrap_or_else(|| panic!("no passage for {quote:?}"));
        assert_eq!(passage.marker, quote.marker);
        let chars: Vec<char> = passage.text.chars().collect();
        let (start, end) = (quote.start.unwrap(), quote.end.unwrap());
        assert!(start < end && end <= chars.len(), "{quote:?}");
        let span: String = chars[start..end].iter().collect();
        let words = |t: &str| {
            t.split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        };
        assert_eq!(words(&span), words(&quote.quote), "{span:?} vs {quote:?}");
    }
    let raw: Value = post_json(&app.router, "/api/v1/ask", &json!({"question": IVIG}))
        .await
        .json();
    for key in ["chunk_id", "start", "end"] {
        assert!(raw["quotes"][0].get(key).is_some(), "quote lacks {key}");
    }
}

#[tokio::test]
async fn ask_off_topic_is_not_covered() {
    let app = app();
    let reply = post_json(
        &app.router,
        "/api/v1/ask",
        &json!({"question": "What is the first-line treatment for hypertension?", "mode": "offline"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let ask: AskReply = reply.json();
    assert!(!ask.covered, "{ask:#?}");
    assert!(ask.passages.is_empty());
    assert!(ask.answer.contains("do not cover"));
}

#[tokio::test]
async fn ask_rejects_bad_json_unknown_fields_and_wrong_content_type() {
    let app = app();
    post_raw(
        &app.router,
        "/api/v1/ask",
        "application/json",
        "{\"question\": ".into(),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "bad_json");
    post_json(
        &app.router,
        "/api/v1/ask",
        &json!({"question": IVIG, "temperature": 2}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    post_json(&app.router, "/api/v1/ask", &json!({"question": 42}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    post_raw(
        &app.router,
        "/api/v1/ask",
        "text/plain",
        json!({"question": IVIG}).to_string(),
    )
    .await
    .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
}

#[tokio::test]
async fn ask_rejects_empty_too_long_bad_k_and_bad_roles() {
    let app = app();
    let cases = [
        (json!({"question": "   "}), "empty_question"),
        (json!({"question": "why ".repeat(600)}), "question_too_long"),
        (json!({"question": IVIG, "k": 0}), "bad_k"),
        (json!({"question": IVIG, "k": 101}), "bad_k"),
        (
            json!({"question": IVIG, "history": [{"role": "system", "content": "x"}]}),
            "bad_role",
        ),
    ];
    for (body, code) in cases {
        post_json(&app.router, "/api/v1/ask", &body)
            .await
            .assert_error(StatusCode::BAD_REQUEST, code);
    }
}

#[tokio::test]
async fn ask_in_llm_mode_without_an_llm_is_a_conflict() {
    let app = app();
    post_json(
        &app.router,
        "/api/v1/ask",
        &json!({"question": IVIG, "mode": "llm"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "llm_not_configured");
}

#[tokio::test]
async fn ask_with_history_follows_up_on_the_last_topic() {
    let app = app();
    let body = json!({
        "question": "what dose?",
        "history": [{"role": "user", "content": "tell me about rituximab"}],
        "k": 4,
        "mode": "offline"
    });
    let reply = post_json(&app.router, "/api/v1/ask", &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let ask: AskReply = reply.json();
    assert!(
        ask.passages
            .iter()
            .any(|p| p.text.to_lowercase().contains("rituximab")),
        "{ask:#?}"
    );
}

#[tokio::test]
async fn model_html_quoting_nothing_falls_back_and_is_never_the_answer() {
    let hostile = "<script>alert(1)</script> <img src=x onerror=alert(2)> IVIG is given.";
    let server = FakeLlm::start(vec![
        Script::Text(hostile.into()),
        Script::Text(hostile.into()),
    ])
    .await;
    let app = app_with(Settings::default(), Some(llm(&server)));
    let reply = post_json(&app.router, "/api/v1/ask", &json!({"question": IVIG})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let ask: AskReply = reply.json();
    // No marker, no quote: it fails the source check twice and the offline answer replaces it.
    assert_eq!(ask.mode, Mode::Extractive, "{ask:#?}");
    assert!(ask.fallback_reason.is_some());
    assert!(!ask.answer.contains("<script") && !ask.answer.contains("onerror"));
    assert!(ask.verified);
}

#[tokio::test]
async fn model_html_is_rejected_by_the_source_check_and_never_the_answer() {
    let hostile = "<script>alert(1)</script> <img src=x onerror=alert(2)> IVIG helps [S1].";
    let server = FakeLlm::start(vec![
        Script::Text(hostile.into()),
        Script::Text(hostile.into()),
    ])
    .await;
    let app = app_with(Settings::default(), Some(llm(&server)));
    let reply = post_json(&app.router, "/api/v1/ask", &json!({"question": IVIG})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(reply.content_type().starts_with("application/json"));
    let ask: AskReply = reply.json();
    // HTML in an answer fails verification: after the retry the offline answer is served,
    // and the reason names the markup (the page shows reasons as text, see tests/browser.rs).
    assert_eq!(ask.mode, Mode::Extractive, "{ask:#?}");
    assert!(!ask.answer.contains("<script>"));
    assert!(
        ask.fallback_reason
            .as_deref()
            .unwrap_or_default()
            .contains("HTML markup")
    );
}

#[tokio::test]
async fn request_timeout_is_a_json_504() {
    let server = FakeLlm::start(vec![Script::Slow(Duration::from_secs(5))]).await;
    let settings = Settings {
        request_timeout: Duration::from_millis(300),
        ..Settings::default()
    };
    let app = app_with(settings, Some(llm(&server)));
    post_json(&app.router, "/api/v1/ask", &json!({"question": IVIG}))
        .await
        .assert_error(StatusCode::GATEWAY_TIMEOUT, "timeout");
}

// ---- ask/stream ----------------------------------------------------------------------------

/// The JSON strings of the events named `name`, in order.
fn event_strings(events: &[(String, String)], name: &str) -> Vec<String> {
    events
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, d)| serde_json::from_str::<String>(d).unwrap())
        .collect()
}

#[tokio::test]
async fn ask_stream_sends_passages_then_the_verified_delta_then_done() {
    let app = app();
    let reply = post_json(
        &app.router,
        "/api/v1/ask/stream",
        &json!({"question": IVIG}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(reply.content_type().starts_with("text/event-stream"));
    let events = sse_events(&reply.text());
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["passages", "delta", "done"], "offline: no draft");
    let passages: Vec<Passage> = serde_json::from_str(&events[0].1).unwrap();
    let done: AskReply = serde_json::from_str(&events.last().unwrap().1).unwrap();
    // `done` holds the same passages, numbered in the order the verified answer cites them.
    let ids = |list: &[Passage]| {
        let mut ids: Vec<String> = list.iter().map(|p| p.chunk_id.clone()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&done.passages), ids(&passages));
    assert!(done.verified && done.covered);
    assert_eq!(event_strings(&events, "delta"), [done.answer]);
}

#[tokio::test]
async fn a_streamed_draft_that_fails_verification_is_never_sent_as_the_answer() {
    let server = FakeLlm::start(vec![Script::Fabricated, Script::Fabricated]).await;
    let app = app_with(Settings::default(), Some(llm(&server)));
    let reply = post_json(
        &app.router,
        "/api/v1/ask/stream",
        &json!({"question": "What if the patient relapses on the taper?"}),
    )
    .await;
    let events = sse_events(&reply.text());
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    let drafts = event_strings(&events, "draft").concat();
    assert!(
        drafts.contains("cures every patient"),
        "the model's words stream as a draft: {names:?}"
    );
    let first_delta = names.iter().position(|n| *n == "delta").unwrap();
    assert!(
        names[first_delta..] == ["delta", "done"],
        "the verified text follows every draft: {names:?}"
    );
    let deltas = event_strings(&events, "delta");
    let done: AskReply = serde_json::from_str(&events.last().unwrap().1).unwrap();
    assert_eq!(deltas, std::slice::from_ref(&done.answer));
    assert!(!deltas[0].contains("cures every patient"), "{deltas:?}");
    assert_eq!(done.mode, Mode::Extractive, "the draft was replaced");
    assert!(
        done.fallback_reason
            .as_deref()
            .unwrap_or_default()
            .contains("failed the source check"),
        "the fallback says why: {:?}",
        done.fallback_reason
    );
}

#[tokio::test]
async fn a_streamed_model_answer_that_verifies_is_sent_as_the_delta() {
    let server = FakeLlm::start(vec![Script::Honest]).await;
    let app = app_with(Settings::default(), Some(llm(&server)));
    let reply = post_json(
        &app.router,
        "/api/v1/ask/stream",
        &json!({"question": IVIG}),
    )
    .await;
    let events = sse_events(&reply.text());
    let done: AskReply = serde_json::from_str(&events.last().unwrap().1).unwrap();
    assert_eq!(done.mode, Mode::Llm, "{done:#?}");
    // The verified answer is the model's draft, opened (when the sources do not state what is
    // asked) by the offline answer's line saying so.
    let drafted = event_strings(&events, "draft").concat();
    assert!(
        done.answer.ends_with(drafted.trim()),
        "{drafted:?} / {done:#?}"
    );
    assert_eq!(event_strings(&events, "delta"), [done.answer]);
}

#[tokio::test]
async fn ask_stream_rejects_a_bad_request_before_streaming() {
    let app = app();
    let reply = post_json(
        &app.router,
        "/api/v1/ask/stream",
        &json!({"question": "x".repeat(2_001)}),
    )
    .await;
    reply.assert_error(StatusCode::BAD_REQUEST, "question_too_long");
    post_json(
        &app.router,
        "/api/v1/ask/stream",
        &json!({"question": IVIG, "mode": "llm"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "llm_not_configured");
}

#[tokio::test]
async fn ask_stream_of_an_off_topic_question_sends_its_text_as_a_delta() {
    let app = app();
    let reply = post_json(
        &app.router,
        "/api/v1/ask/stream",
        &json!({"question": "What is the recommended vaccination schedule for infants?"}),
    )
    .await;
    let events = sse_events(&reply.text());
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["delta", "done"], "{events:?}");
    let done: AskReply = serde_json::from_str(&events[1].1).unwrap();
    assert!(!done.covered);
    assert_eq!(
        event_strings(&events, "delta"),
        std::slice::from_ref(&done.answer)
    );
    assert!(done.answer.contains("do not cover"), "{}", done.answer);
}

// ---- check-dosing --------------------------------------------------------------------------

#[tokio::test]
async fn check_dosing_judges_each_dose_statement() {
    let app = app();
    let reply = post_json(
        &app.router,
        "/api/v1/check-dosing",
        &json!({"text": "Give methotrexate 15 mg daily"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let report: DosingReport = reply.json();
    assert!(!report.ok);
    assert_eq!(report.claims.len(), 1, "{report:#?}");
    assert_eq!(report.claims[0].drug, "methotrexate");
    assert_eq!(report.claims[0].verdict, Verdict::WrongFrequency);
    let empty: DosingReport = post_json(&app.router, "/api/v1/check-dosing", &json!({"text": ""}))
        .await
        .json();
    assert!(empty.ok && empty.claims.is_empty());
}

#[tokio::test]
async fn check_dosing_rejects_a_body_without_text() {
    let app = app();
    post_json(&app.router, "/api/v1/check-dosing", &json!({"txt": "x"}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    post_raw(
        &app.router,
        "/api/v1/check-dosing",
        "application/json",
        "[".into(),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "bad_json");
}

#[tokio::test]
async fn check_dosing_survives_hostile_text() {
    let app = app();
    let texts = [
        "mg mg mg 1 2 3 - – — µg/kg/day q12h BID ".repeat(400),
        "\u{0}\u{feff}🙂 prednisone ≥≥≥ 1e309 mg ".repeat(300),
        "methotrexate 15 mg ".repeat(1_500),
    ];
    for text in texts {
        let reply = post_json(&app.router, "/api/v1/check-dosing", &json!({"text": text})).await;
        assert!(
            reply.status == StatusCode::OK || reply.status == StatusCode::PAYLOAD_TOO_LARGE,
            "{} {}",
            reply.status,
            reply.text()
        );
    }
}

// ---- documents -----------------------------------------------------------------------------

#[tokio::test]
async fn documents_give_an_article_with_its_numbered_references() {
    let app = app();
    let reply = get(
        &app.router,
        "/api/v1/documents/necrotizing-myopathy-treatment",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let doc: Value = reply.json();
    assert_eq!(doc["kind"], "article");
    assert_eq!(
        doc["meta"]["question"],
        "What is the treatment for necrotizing myopathy?"
    );
    let refs = doc["references"].as_array().unwrap();
    assert_eq!(refs.len(), 6);
    assert_eq!(refs[0]["number"], 1);
    assert_eq!(refs[2]["identified"], false);
    assert!(refs[1]["citation"].as_str().unwrap().contains("PMID"));
    assert!(
        doc["body"]
            .as_str()
            .unwrap()
            .contains("## Management of Refractory Cases")
    );
}

#[tokio::test]
async fn documents_give_a_reference_note_with_the_articles_citing_it() {
    let app = app();
    let reply = get(
        &app.router,
        "/api/v1/documents/kassardjian-2015-necrotizing-autoimmune-myopathy",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let doc: Value = reply.json();
    assert_eq!(doc["kind"], "reference");
    assert_eq!(doc["meta"]["pmid"], "26192196");
    assert_eq!(doc["cited_by"], json!(["necrotizing-myopathy-treatment"]));
}

#[tokio::test]
async fn documents_reject_unknown_and_malformed_ids() {
    let app = app();
    get(&app.router, "/api/v1/documents/no-such-document")
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    for id in [
        "..%2F..%2Fetc%2Fpasswd",
        "..%2Fcorpus",
        "UPPER",
        "a%00b",
        "a.md",
        "%2E%2E",
    ] {
        get(&app.router, &format!("/api/v1/documents/{id}"))
            .await
            .assert_error(StatusCode::BAD_REQUEST, "bad_id");
    }
    let reply = get(&app.router, "/api/v1/documents/../../etc/passwd").await;
    assert!(reply.status.is_client_error());
    assert!(reply.content_type().starts_with("application/json"));
}

// ---- OpenAPI -------------------------------------------------------------------------------

#[tokio::test]
async fn openapi_lists_every_route() {
    let app = app();
    let reply = get(&app.router, "/api/openapi.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.content_type().starts_with("application/json"));
    let doc: Value = reply.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/",
        "/articles/{id}",
        "/healthz",
        "/api/v1/search",
        "/api/v1/ask",
        "/api/v1/ask/stream",
        "/api/v1/check-dosing",
        "/api/v1/documents/{id}",
        "/v1/chat/completions",
        "/v1/models",
        "/v1/models/{id}",
        "/api/v1/feedback",
        "/api/openapi.json",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from {:?}",
            paths.keys()
        );
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "AskRequest",
        "AskReply",
        "SearchReply",
        "DosingReport",
        "ErrorBody",
    ] {
        assert!(schemas.contains_key(name), "{name}");
    }
}

// ---- OpenAI facade -------------------------------------------------------------------------

#[tokio::test]
async fn chat_completions_replies_with_the_grounded_answer_and_its_sources() {
    let app = app();
    let body = json!({
        "model": "medcite",
        "temperature": 0.2,
        "messages": [
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": "How often do patients relapse on the taper?"}
        ]
    });
    let reply = post_json(&app.router, "/v1/chat/completions", &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let chat: Value = reply.json();
    assert_eq!(chat["object"], "chat.completion");
    assert_eq!(chat["model"], "medcite");
    assert_eq!(chat["choices"][0]["message"]["role"], "assistant");
    assert_eq!(chat["choices"][0]["finish_reason"], "stop");
    let content = chat["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(content.contains("[S"), "{content}");
    assert!(content.contains("\n\nSources:\n[S"), "{content}");

    // usage, estimated and said so; the system message ignored and said so.
    let usage = &chat["usage"];
    let (prompt, completion) = (
        usage["prompt_tokens"].as_u64().unwrap(),
        usage["completion_tokens"].as_u64().unwrap(),
    );
    assert!(prompt > 0 && completion > prompt, "{usage}");
    assert_eq!(usage["total_tokens"].as_u64().unwrap(), prompt + completion);
    assert_eq!(reply.headers["x-medcite-usage"], "estimated");
    let system = reply.headers["x-medcite-system-messages"].to_str().unwrap();
    assert!(system.starts_with("ignored (1 received)"), "{system}");

    // medcite's own result in the extension field.
    let medcite = &chat["medcite"];
    assert_eq!(medcite["usage_estimated"], true);
    assert_eq!(medcite["system_messages_ignored"], 1);
    assert_eq!(medcite["verified"], true);
    assert_eq!(medcite["covered"], true);
    assert_eq!(medcite["mode"], "extractive");
    assert!(content.starts_with(medcite["answer"].as_str().unwrap()));
    assert_eq!(medcite["dosing"]["ok"], true, "{}", medcite["dosing"]);
    let sources = medcite["sources"].as_array().unwrap();
    assert!(sources.iter().any(|s| s["cited"] == true));
    let with_pmid = sources
        .iter()
        .find(|s| s["pmid"].is_string())
        .expect("a source from a traced reference carries its PMID");
    assert_eq!(with_pmid["kind"], "reference");
    assert!(with_pmid["reference_number"].as_u64().is_some());
    assert!(with_pmid["citation"].as_str().unwrap().contains("PMID"));
    let quote = &medcite["quotes"][0];
    let source = sources
        .iter()
        .find(|s| s["chunk_id"] == quote["chunk_id"])
        .expect("the quote's passage is a source");
    let text: Vec<char> = source["text"].as_str().unwrap().chars().collect();
    let span: String = text
        [quote["start"].as_u64().unwrap() as usize..quote["end"].as_u64().unwrap() as usize]
        .iter()
        .collect();
    assert!(
        !span.is_empty() && content.to_lowercase().contains(&span.to_lowercase()),
        "{span}"
    );
}

#[tokio::test]
async fn chat_completions_without_system_messages_say_none_were_received() {
    let app = app();
    let body = json!({"messages": [{"role": "user", "content": IVIG}]});
    let reply = post_json(&app.router, "/v1/chat/completions", &body).await;
    let system = reply.headers["x-medcite-system-messages"].to_str().unwrap();
    assert!(system.starts_with("none received"), "{system}");
    assert_eq!(
        reply.json::<Value>()["medcite"]["system_messages_ignored"],
        0
    );
}

#[tokio::test]
async fn chat_completions_stream_never_sends_a_draft_that_failed_verification() {
    let server = FakeLlm::start(vec![Script::Fabricated, Script::Fabricated]).await;
    let app = app_with(Settings::default(), Some(llm(&server)));
    let body = json!({"stream": true, "messages": [{"role": "user", "content": "What if the patient relapses on the taper?"}]});
    let reply = post_json(&app.router, "/v1/chat/completions", &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let events = sse_events(&reply.text());
    let content: String = events[..events.len() - 1]
        .iter()
        .map(|(_, data)| serde_json::from_str::<Value>(data).unwrap())
        .filter_map(|c| {
            c["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_string)
        })
        .collect();
    assert!(!content.is_empty());
    assert!(!content.contains("cures every patient"), "{content}");
    let last: Value = serde_json::from_str(&events[events.len() - 2].1).unwrap();
    assert_eq!(last["medcite"]["mode"], "extractive");
    assert!(last["medcite"]["fallback_reason"].is_string());
    assert_eq!(
        server.requests().len(),
        2,
        "answer and retry were both asked"
    );
}

#[tokio::test]
async fn chat_completions_stream_a_verified_point_before_the_model_has_finished() {
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let server = FakeLlm::start(vec![Script::TwoPointsPaused(gate.clone())]).await;
    let app = app_with(Settings::default(), Some(llm(&server)));
    let body = json!({"stream": true, "messages": [{"role": "user", "content": "What if the patient relapses on the taper?"}]});
    let request = Request::post("/v1/chat/completions")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body().into_data_stream();
    let mut text = String::new();
    let content_of = |text: &str| -> String {
        sse_events(text)
            .iter()
            .filter_map(|(_, data)| serde_json::from_str::<Value>(data).ok())
            .filter_map(|c| {
                c["choices"][0]["delta"]["content"]
                    .as_str()
                    .map(str::to_string)
            })
            .collect()
    };
    // The model stays paused inside its second point until content has reached the client.
    let first = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let bytes = body
                .next()
                .await
                .expect("more of the stream")
                .expect("bytes");
            text.push_str(&String::from_utf8_lossy(&bytes));
            // The whole first point, quote and marker, before the model goes on.
            let content = content_of(&text);
            if content.contains("[S1]") {
                break content;
            }
        }
    })
    .await
    .expect("verified content while the model was still writing");
    gate.add_permits(1);
    while let Some(bytes) = body.next().await {
        text.push_str(&String::from_utf8_lossy(&bytes.expect("bytes")));
    }
    assert!(
        first.starts_with("- \"") && first.contains("[S1]"),
        "{first}"
    );
    let events = sse_events(&text);
    assert_eq!(events.last().unwrap().1, "[DONE]");
    let content = content_of(&text);
    assert!(content.starts_with(&first), "{content}");
    let finish: Value = events
        .iter()
        .filter_map(|(_, data)| serde_json::from_str::<Value>(data).ok())
        .find(|c| c["choices"][0]["finish_reason"].is_string())
        .expect("a finish chunk");
    assert_eq!(finish["choices"][0]["finish_reason"], "stop");
    let medcite = &finish["medcite"];
    assert_eq!(medcite["mode"], "llm", "{medcite}");
    let answer = medcite["answer"].as_str().unwrap();
    if medcite["streamed_text_replaced"] == true {
        let (_, after) = content
            .split_once("(it replaces the text above):\n\n")
            .expect("the note before the final answer");
        assert!(after.starts_with(answer), "{content}");
    } else {
        assert!(content.starts_with(answer), "{content}");
    }
}

#[tokio::test]
async fn chat_completions_stream_sends_chunks_ending_with_done() {
    let app = app();
    let body = json!({"model": "medcite", "stream": true, "messages": [{"role": "user", "content": IVIG}]});
    let reply = post_json(&app.router, "/v1/chat/completions", &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(reply.content_type().starts_with("text/event-stream"));
    let events = sse_events(&reply.text());
    assert_eq!(events.last().unwrap().1, "[DONE]");
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|(name, data)| {
            assert_eq!(name, "message", "OpenAI chunks are unnamed events");
            serde_json::from_str(data).unwrap()
        })
        .collect();
    assert!(
        chunks
            .iter()
            .all(|c| c["object"] == "chat.completion.chunk")
    );
    assert!(chunks.iter().all(|c| c["id"] == chunks[0]["id"]));
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    assert_eq!(
        chunks.last().unwrap()["choices"][0]["finish_reason"],
        "stop"
    );
    let last = chunks.last().unwrap();
    assert!(last["usage"]["completion_tokens"].as_u64().unwrap() > 0);
    assert_eq!(last["medcite"]["verified"], true);
    assert!(
        chunks[..chunks.len() - 1]
            .iter()
            .all(|c| c.get("usage").is_none() && c.get("medcite").is_none()),
        "usage and the result come once, on the last chunk"
    );
    let streamed: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    let whole: Value = post_json(
        &app.router,
        "/v1/chat/completions",
        &json!({"messages": [{"role": "user", "content": IVIG}]}),
    )
    .await
    .json();
    assert_eq!(
        streamed,
        whole["choices"][0]["message"]["content"].as_str().unwrap()
    );
}

#[tokio::test]
async fn chat_completions_without_a_user_message_is_rejected() {
    let app = app();
    let body = json!({"model": "medcite", "messages": [{"role": "system", "content": "hi"}]});
    post_json(&app.router, "/v1/chat/completions", &body)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "no_user_message");
    post_json(
        &app.router,
        "/v1/chat/completions",
        &json!({"model": "medcite"}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
}

#[tokio::test]
async fn models_lists_medcite() {
    let app = app();
    let reply = get(&app.router, "/v1/models").await;
    assert_eq!(reply.status, StatusCode::OK);
    let list: Value = reply.json();
    assert_eq!(list["object"], "list");
    assert_eq!(list["data"][0]["id"], "medcite");
    assert_eq!(list["data"][0]["object"], "model");
}

#[tokio::test]
async fn chat_completions_refuse_what_they_cannot_honour_naming_the_field() {
    let app = app();
    let with = |extra: Value| {
        let mut body = extra;
        body["messages"] = json!([{"role": "user", "content": IVIG}]);
        body
    };
    for (extra, param) in [
        (json!({"n": 3}), "n"),
        (json!({"n": 0}), "n"),
        (
            json!({"tools": [{"type": "function", "function": {"name": "lookup"}}]}),
            "tools",
        ),
        (json!({"functions": [{"name": "lookup"}]}), "functions"),
        (json!({"tool_choice": "required"}), "tool_choice"),
        (
            json!({"response_format": {"type": "json_object"}}),
            "response_format",
        ),
        (json!({"max_tokens": 0}), "max_tokens"),
    ] {
        let reply = post_json(&app.router, "/v1/chat/completions", &with(extra.clone())).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{extra}");
        let error: Value = reply.json();
        let error = &error["error"];
        assert_eq!(error["type"], "invalid_request_error", "{error}");
        assert_eq!(error["code"], "unsupported_parameter", "{error}");
        assert_eq!(error["param"], param, "{error}");
        assert!(
            error["message"].as_str().unwrap().contains(param),
            "{error}"
        );
    }
    for extra in [
        json!({"n": 1}),
        json!({"tools": []}),
        json!({"tool_choice": "none"}),
        json!({"response_format": {"type": "text"}}),
        json!({"temperature": 0.7, "seed": 4}),
    ] {
        let reply = post_json(&app.router, "/v1/chat/completions", &with(extra.clone())).await;
        assert_eq!(reply.status, StatusCode::OK, "{extra}: {}", reply.text());
    }
}

#[tokio::test]
async fn chat_completions_cut_to_max_tokens_end_with_length() {
    let app = app();
    let ask = |extra: Value| {
        let mut body = extra;
        body["messages"] = json!([{"role": "user", "content": IVIG}]);
        body
    };
    let whole: Value = post_json(&app.router, "/v1/chat/completions", &ask(json!({})))
        .await
        .json();
    let whole_content = whole["choices"][0]["message"]["content"].as_str().unwrap();
    for (field, cap) in [("max_tokens", 20), ("max_completion_tokens", 3)] {
        let reply: Value = post_json(
            &app.router,
            "/v1/chat/completions",
            &ask(json!({ field: cap })),
        )
        .await
        .json();
        let content = reply["choices"][0]["message"]["content"].as_str().unwrap();
        assert_eq!(reply["choices"][0]["finish_reason"], "length", "{field}");
        assert!(!content.is_empty());
        assert!(content.chars().count() <= cap * 4, "{field}: {content}");
        assert!(reply["usage"]["completion_tokens"].as_u64().unwrap() <= cap as u64);
        let kept = content.trim_end_matches('…');
        assert!(whole_content.starts_with(kept), "{content}");
        // The whole result stays in medcite's own field.
        assert_eq!(reply["medcite"]["answer"], whole["medcite"]["answer"]);
    }
    // Room enough: nothing cut.
    let roomy: Value = post_json(
        &app.router,
        "/v1/chat/completions",
        &ask(json!({"max_tokens": 4000})),
    )
    .await
    .json();
    assert_eq!(roomy["choices"][0]["finish_reason"], "stop");
    assert_eq!(roomy["choices"][0]["message"]["content"], whole_content);

    // Streamed: cut the same way, usage in a chunk of its own when asked.
    let body = ask(json!({"stream": true, "max_tokens": 20,
        "stream_options": {"include_usage": true}}));
    let reply = post_json(&app.router, "/v1/chat/completions", &body).await;
    let events = sse_events(&reply.text());
    assert_eq!(events.last().unwrap().1, "[DONE]");
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|(_, data)| serde_json::from_str(data).unwrap())
        .collect();
    let (usage_chunk, rest) = chunks.split_last().unwrap();
    assert_eq!(usage_chunk["choices"], json!([]), "{usage_chunk}");
    let completion = usage_chunk["usage"]["completion_tokens"].as_u64().unwrap();
    assert!(completion > 0 && completion <= 20, "{usage_chunk}");
    let finish = rest.last().unwrap();
    assert_eq!(finish["choices"][0]["finish_reason"], "length");
    assert!(finish.get("usage").is_none(), "usage only in its own chunk");
    assert!(finish["medcite"]["verified"].as_bool().unwrap());
    let streamed: String = rest
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert!(streamed.chars().count() <= 80, "{streamed}");
    assert!(whole_content.starts_with(streamed.trim_end_matches('…')));
}

#[tokio::test]
async fn a_declined_question_is_marked_in_the_medcite_field() {
    let app = app();
    let ask = |question: &str| json!({"messages": [{"role": "user", "content": question}]});
    let declined: Value = post_json(
        &app.router,
        "/v1/chat/completions",
        &ask("What is the first-line treatment for hypertension?"),
    )
    .await
    .json();
    assert_eq!(declined["medcite"]["declined"], true, "{declined}");
    assert_eq!(declined["choices"][0]["finish_reason"], "stop");
    assert!(
        declined["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .contains("do not cover")
    );
    let answered: Value = post_json(&app.router, "/v1/chat/completions", &ask(IVIG))
        .await
        .json();
    assert_eq!(answered["medcite"]["declined"], false);
}

#[tokio::test]
async fn a_model_is_found_by_its_id_and_an_unknown_one_is_an_openai_error() {
    let app = app();
    let list: Value = get(&app.router, "/v1/models").await.json();
    for card in list["data"].as_array().unwrap() {
        let id = card["id"].as_str().unwrap();
        let reply = get(&app.router, &format!("/v1/models/{id}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{id}");
        assert_eq!(reply.json::<Value>(), *card);
    }
    assert!(list["data"].as_array().unwrap().len() > 1, "{list}");
    let reply = get(&app.router, "/v1/models/gpt-4o").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let error: Value = reply.json();
    assert_eq!(
        error,
        json!({"error": {
            "code": "model_not_found",
            "type": "not_found_error",
            "param": "model",
            "message": error["error"]["message"],
        }})
    );
    // Every /v1 error has OpenAI's four fields, a route's own and the router's alike.
    let reply = get(&app.router, "/v1/nothing-here").await;
    let error: Value = reply.json();
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    for field in ["message", "type", "param", "code"] {
        assert!(error["error"].get(field).is_some(), "{field}: {error}");
    }
}

#[tokio::test]
async fn feedback_is_recorded_beside_the_audit_log_and_checked() {
    // Without an audit log there is nowhere to keep it, and the server says so.
    let app = app();
    let body = json!({"request_id": "abc-123", "reason": "wrong"});
    post_json(&app.router, "/api/v1/feedback", &body)
        .await
        .assert_error(StatusCode::SERVICE_UNAVAILABLE, "feedback_unavailable");

    let dir = TempDir::new().expect("temp dir");
    let (state, _) = AppState::open(
        &bundled_corpus(),
        &dir.path().join("index"),
        None,
        Settings::default(),
        false,
    )
    .expect("open state");
    let audit = dir.path().join("audit");
    let log = medcite::server::AuditLog::open(medcite::server::AuditSettings {
        dir: audit.clone(),
        redact_questions: false,
    })
    .expect("audit log");
    let router = router(Arc::new(state.with_audit(log)));
    let answer = post_json(&router, "/api/v1/ask", &json!({"question": IVIG})).await;
    let request_id = answer.headers["x-request-id"].to_str().unwrap().to_string();
    let body = json!({"request_id": request_id, "reason": "unsafe", "comment": "dose?\nsee [2]"});
    let reply = post_json(&router, "/api/v1/feedback", &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json::<Value>()["status"], "recorded");
    let written = std::fs::read_to_string(audit.join("feedback.jsonl")).unwrap();
    let record: Value = serde_json::from_str(written.lines().next().unwrap()).unwrap();
    assert_eq!(record["request_id"], request_id.as_str());
    assert_eq!(record["reason"], "unsafe");
    assert_eq!(record["comment"], "dose? see [2]");
    assert!(record["time"].as_str().unwrap().ends_with('Z'));

    for (body, status, code) in [
        (
            json!({"request_id": "../../etc", "reason": "wrong"}),
            StatusCode::BAD_REQUEST,
            "bad_request_id",
        ),
        (
            json!({"request_id": "abc", "reason": "wrong", "comment": "x".repeat(1001)}),
            StatusCode::BAD_REQUEST,
            "comment_too_long",
        ),
        (
            json!({"request_id": "abc", "reason": "spam"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            json!({"request_id": "abc", "reason": "wrong", "extra": 1}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
    ] {
        post_json(&router, "/api/v1/feedback", &body)
            .await
            .assert_error(status, code);
    }
    assert_eq!(
        std::fs::read_to_string(audit.join("feedback.jsonl"))
            .unwrap()
            .lines()
            .count(),
        1,
        "refused feedback is not written"
    );
}

/// Serves `router` on a free loopback port for the length of the test.
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    format!("http://{addr}/v1")
}

fn openai_request(stream: bool) -> CreateChatCompletionRequest {
    let messages: Vec<ChatCompletionRequestMessage> = vec![
        ChatCompletionRequestSystemMessageArgs::default()
            .content("Answer briefly.")
            .build()
            .unwrap()
            .into(),
        ChatCompletionRequestUserMessageArgs::default()
            .content("tell me about rituximab")
            .build()
            .unwrap()
            .into(),
        ChatCompletionRequestAssistantMessageArgs::default()
            .content("Rituximab is effective in refractory cases [S1].")
            .build()
            .unwrap()
            .into(),
        ChatCompletionRequestUserMessageArgs::default()
            .content(IVIG)
            .build()
            .unwrap()
            .into(),
    ];
    let mut args = CreateChatCompletionRequestArgs::default();
    args.model("medcite").messages(messages);
    if stream {
        args.stream(true);
    }
    args.build().unwrap()
}

#[tokio::test]
async fn the_official_openai_client_works_unchanged_streaming_and_not() {
    let settings = Settings {
        api_token: Some("s3cret".into()),
        ..Settings::default()
    };
    let app = app_with(settings, None);
    let base = serve(app.router.clone()).await;
    let client = Client::with_config(
        OpenAIConfig::new()
            .with_api_base(&base)
            .with_api_key("s3cret"),
    );

    let whole = client
        .chat()
        .create(openai_request(false))
        .await
        .expect("create");
    assert_eq!(whole.model, "medcite");
    let content = whole.choices[0].message.content.clone().unwrap_or_default();
    assert!(
        content.contains("[S") && content.contains("Sources:"),
        "{content}"
    );

    let mut stream = client
        .chat()
        .create_stream(openai_request(true))
        .await
        .expect("create_stream");
    let mut streamed = String::new();
    let mut finish = None;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.expect("chunk");
        for choice in chunk.choices {
            streamed.push_str(choice.delta.content.as_deref().unwrap_or_default());
            if choice.finish_reason.is_some() {
                finish = choice.finish_reason;
            }
        }
    }
    assert_eq!(streamed, content);
    assert!(finish.is_some());

    let wrong = Client::with_config(
        OpenAIConfig::new()
            .with_api_base(&base)
            .with_api_key("nope"),
    );
    let error = wrong
        .chat()
        .create(openai_request(false))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("API token"), "{error}");
}

// ---- limits, auth, CORS, fallbacks ---------------------------------------------------------

#[tokio::test]
async fn a_body_over_the_limit_is_a_json_413() {
    let app = app();
    let big = json!({"question": "x".repeat(70 * 1024)}).to_string();
    let with_length = Request::post("/api/v1/ask")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, big.len())
        .body(Body::from(big.clone()))
        .unwrap();
    send(&app.router, with_length)
        .await
        .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
    let chunks = futures::stream::iter(
        big.into_bytes()
            .chunks(8 * 1024)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let streamed = Request::post("/api/v1/check-dosing")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(chunks))
        .unwrap();
    send(&app.router, streamed)
        .await
        .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
}

/// Sends `head` and then `body` over a real socket, as a plain client does (writing the whole
/// body before reading), and returns what the server answered.
async fn raw_exchange(base: &str, head: String, body: Option<Vec<u8>>) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://").trim_end_matches("/v1");
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    socket.write_all(head.as_bytes()).await.unwrap();
    if let Some(body) = body {
        socket
            .write_all(&body)
            .await
            .expect("the server reads the whole body: no broken pipe");
    }
    let mut answer = Vec::new();
    socket.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn a_5_mb_body_from_a_client_still_sending_gets_the_json_413() {
    let app = app();
    let base = serve(app.router.clone()).await;
    let body = vec![b'x'; 5 * 1024 * 1024];
    let head = format!(
        "POST /api/v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let (status, answer) = raw_exchange(&base, head, Some(body)).await;
    assert_eq!(status, 413, "{answer}");
    let error: ErrorBody = serde_json::from_str(&answer).expect("a JSON error");
    assert_eq!(error.error.code, "body_too_large");
    assert!(
        error.error.message.contains("64 KiB"),
        "{}",
        error.error.message
    );
}

#[tokio::test]
async fn a_client_expecting_100_continue_gets_the_413_before_sending_its_body() {
    let app = app();
    let base = serve(app.router.clone()).await;
    let head = "POST /api/v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5242880\r\nExpect: 100-continue\r\n\r\n".to_string();
    let (status, answer) = raw_exchange(&base, head, None).await;
    assert_eq!(status, 413, "{answer}");
    let error: ErrorBody = serde_json::from_str(&answer).expect("a JSON error");
    assert_eq!(error.error.code, "body_too_large");
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_are_json_errors() {
    let app = app();
    get(&app.router, "/api/v2/nothing")
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    get(&app.router, "/favicon.ico")
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    get(&app.router, "/api/v1/ask")
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    let delete = Request::builder()
        .method(Method::DELETE)
        .uri("/healthz")
        .body(Body::empty())
        .unwrap();
    send(&app.router, delete)
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test]
async fn without_a_token_configured_the_api_is_open() {
    let app = app();
    assert_eq!(get(&app.router, "/v1/models").await.status, StatusCode::OK);
    assert_eq!(
        get(&app.router, "/api/openapi.json").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn with_a_token_configured_api_and_v1_need_it_and_the_page_does_not() {
    let settings = Settings {
        api_token: Some("s3cret".into()),
        ..Settings::default()
    };
    let app = app_with(settings, None);
    for uri in ["/api/v1/search?q=ivig", "/v1/models", "/api/openapi.json"] {
        let reply = get(&app.router, uri).await;
        reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
        assert_eq!(reply.headers[header::WWW_AUTHENTICATE], "Bearer");
    }
    let with = |token: &str| {
        Request::get("/api/v1/search?q=ivig")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    send(&app.router, with("wrong"))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(
        send(&app.router, with("s3cret")).await.status,
        StatusCode::OK
    );
    let ask = Request::post("/api/v1/ask")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"question": IVIG}).to_string()))
        .unwrap();
    send(&app.router, ask)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(get(&app.router, "/").await.status, StatusCode::OK);
    assert_eq!(get(&app.router, "/healthz").await.status, StatusCode::OK);
}

fn preflight() -> Request<Body> {
    Request::builder()
        .method(Method::OPTIONS)
        .uri("/api/v1/ask")
        .header(header::ORIGIN, "https://tools.example.org")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn cors_is_off_by_default() {
    let app = app();
    let reply = send(&app.router, preflight()).await;
    assert!(
        !reply
            .headers
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    );
    let simple = Request::get("/healthz")
        .header(header::ORIGIN, "https://tools.example.org")
        .body(Body::empty())
        .unwrap();
    let reply = send(&app.router, simple).await;
    assert!(
        !reply
            .headers
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    );
}

#[tokio::test]
async fn cors_allows_the_configured_origin() {
    let settings = Settings {
        cors_origin: Some("https://tools.example.org".into()),
        ..Settings::default()
    };
    let app = app_with(settings, None);
    let reply = send(&app.router, preflight()).await;
    assert_eq!(
        reply.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://tools.example.org"
    );
}

// ---- index reload --------------------------------------------------------------------------

#[tokio::test]
async fn a_new_index_generation_is_served_without_a_restart() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    let index = dir.path().join("index");
    copy_dir(&bundled_corpus(), &corpus);
    let state = open(&corpus, &index, Settings::default(), None);
    let router = router(state.clone());
    assert_eq!(state.reload_if_changed().unwrap(), None, "nothing new yet");
    let before: Value = get(&router, "/healthz").await.json();
    get(&router, "/api/v1/search?q=plasmapheresis")
        .await
        .json::<SearchReply>()
        .hits
        .iter()
        .for_each(|h| assert!(!h.text.contains("Plasmapheresis")));

    let article = corpus.join("articles/necrotizing-myopathy-treatment.md");
    let mut text = std::fs::read_to_string(&article).unwrap();
    text.push_str(
        "\n## Other Options\n\nPlasmapheresis is sometimes tried in refractory disease.\n",
    );
    std::fs::write(&article, text).unwrap();
    build_from_dir(&corpus, &index, false).unwrap();

    let swapped = state.reload_if_changed().unwrap();
    assert!(swapped.is_some());
    let after: Value = get(&router, "/healthz").await.json();
    assert_ne!(before["generation"], after["generation"]);
    assert_eq!(
        after["passages"].as_u64().unwrap(),
        before["passages"].as_u64().unwrap() + 1
    );
    let search: SearchReply = get(&router, "/api/v1/search?q=plasmapheresis").await.json();
    assert!(search.hits[0].text.contains("Plasmapheresis"));
    assert!(
        get(&router, "/").await.text().contains("Other Options"),
        "the page follows"
    );
}

#[tokio::test]
async fn a_broken_new_generation_keeps_the_old_one_serving() {
    let dir = TempDir::new().unwrap();
    let index = dir.path().join("index");
    let state = open(&bundled_corpus(), &index, Settings::default(), None);
    let router = router(state.clone());
    let before: Value = get(&router, "/healthz").await.json();
    std::fs::create_dir_all(index.join("gen-999999")).unwrap();
    std::fs::write(index.join("CURRENT"), "gen-999999").unwrap();
    assert!(state.reload_if_changed().is_err());
    let after: Value = get(&router, "/healthz").await.json();
    assert_eq!(before, after);
    let reply = post_json(&router, "/api/v1/ask", &json!({"question": IVIG})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}

// ---- no input makes a 500 ------------------------------------------------------------------

#[test]
fn no_input_makes_a_server_error() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let app = app();
    let mut runner = TestRunner::new(Config {
        cases: 64,
        ..Config::default()
    });
    let inputs = ("\\PC{0,300}", 0usize..200);
    let outcome = runner.run(&inputs, |(text, k)| {
        runtime.block_on(async {
            let query: String = text.bytes().map(|b| format!("%{b:02X}")).collect();
            let ask =
                json!({"question": text, "k": k, "history": [{"role": "user", "content": text}]});
            let replies = [
                get(&app.router, &format!("/api/v1/search?q={query}&k={k}")).await,
                post_json(&app.router, "/api/v1/ask", &ask).await,
                post_json(&app.router, "/api/v1/ask/stream", &ask).await,
                post_json(&app.router, "/api/v1/check-dosing", &json!({"text": text})).await,
                post_json(
                    &app.router,
                    "/v1/chat/completions",
                    &json!({"messages": [{"role": "user", "content": text}]}),
                )
                .await,
                post_raw(&app.router, "/api/v1/ask", "application/json", text.clone()).await,
                get(&app.router, &format!("/api/v1/documents/{query}")).await,
            ];
            for reply in replies {
                prop_assert!(
                    !reply.status.is_server_error(),
                    "{} {}",
                    reply.status,
                    reply.text()
                );
                if !reply.status.is_success() {
                    prop_assert!(reply.content_type().starts_with("application/json"));
                }
            }
            Ok(())
        })
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}

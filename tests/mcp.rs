//! The MCP server through a real MCP client (rmcp's): `medcite mcp` spawned over stdio, and
//! `/mcp` on a server bound to 127.0.0.1. Each client lists the tools, gets a verified answer
//! from `ask` and a verdict from `check_dosing`, the same JSON as the HTTP API.

mod common;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::bundled_corpus;
use common::fake_llm::{FakeLlm, Script};
use medcite::contracts::{AskReply, DosingReport, Mode, SearchReply, Verdict};
use medcite::server::{AppState, Settings, router, serve_on};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult, ReadResourceRequestParams};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use serde_json::{Value, json};
use tempfile::TempDir;
use tower::ServiceExt as _;

/// Long enough for a debug build to index the bundled corpus and answer; short enough that a
/// hang fails the test.
const LIMIT: Duration = Duration::from_secs(60);

const IVIG: &str = "What about IVIG dosing?";
const ARTICLE: &str = "necrotizing-myopathy-treatment";

async fn bounded<T>(what: &str, work: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, work)
        .await
        .unwrap_or_else(|_| panic!("{what} took longer than {LIMIT:?}"))
}

async fn call(client: &RunningService<RoleClient, ()>, tool: &str, args: Value) -> CallToolResult {
    let Value::Object(args) = args else {
        panic!("arguments are an object")
    };
    bounded(
        tool,
        client.call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(args)),
    )
    .await
    .unwrap_or_else(|e| panic!("{tool}: {e}"))
}

/// The tool's structured reply as the API type, after checking it is not an error.
fn reply<T: serde::de::DeserializeOwned>(result: CallToolResult) -> T {
    assert_ne!(result.is_error, Some(true), "{result:?}");
    result.into_typed().expect("the API's JSON")
}

/// What every client must see: the four tools, a verified offline answer with its dosing
/// report, a dosing verdict, a search, the article as a resource.
async fn exercise(client: &RunningService<RoleClient, ()>) {
    let tools = bounded("list tools", client.list_all_tools())
        .await
        .expect("tools");
    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    names.sort();
    assert_eq!(names, ["ask", "check_dosing", "list_articles", "search"]);

    let ask: AskReply = reply(
        call(
            client,
            "ask",
            json!({"question": IVIG, "article": ARTICLE, "history": [
                {"role": "user", "content": "How is necrotizing myopathy treated?"},
                {"role": "assistant", "content": "Steroids with another agent, often IVIG."}]}),
        )
        .await,
    );
    assert!(ask.verified, "{ask:#?}");
    assert_eq!(ask.mode, Mode::Extractive);
    assert!(ask.answer.contains("IVIG"), "{}", ask.answer);
    assert!(ask.passages.iter().all(|p| !p.text.is_empty()));

    let dosing: DosingReport = reply(
        call(
            client,
            "check_dosing",
            json!({"text": "Give methotrexate 15 mg daily"}),
        )
        .await,
    );
    assert!(!dosing.ok);
    assert_eq!(dosing.claims[0].verdict, Verdict::WrongFrequency);

    let search: SearchReply =
        reply(call(client, "search", json!({"query": "rituximab", "k": 3})).await);
    assert!(!search.hits.is_empty() && search.hits.len() <= 3);

    let articles: Value = reply(call(client, "list_articles", json!({})).await);
    assert_eq!(articles["articles"][0]["id"], ARTICLE);

    let bad = call(client, "ask", json!({"question": ""})).await;
    assert_eq!(bad.is_error, Some(true), "an empty question is refused");

    let resources = bounded("list resources", client.list_all_resources())
        .await
        .expect("resources");
    let uri = &resources
        .iter()
        .find(|r| r.uri.ends_with(ARTICLE))
        .expect("the article is a resource")
        .uri;
    let read = bounded(
        "read resource",
        client.read_resource(ReadResourceRequestParams::new(uri.clone())),
    )
    .await
    .expect("read");
    let text = serde_json::to_string(&read.contents).expect("json");
    assert!(text.contains("IVIG"), "the article's text is the resource");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_client_lists_tools_and_gets_a_verified_answer_and_a_dose_verdict() {
    let dir = TempDir::new().expect("temp dir");
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_medcite"));
    command
        .current_dir(dir.path())
        .arg("--corpus")
        .arg(bundled_corpus())
        .arg("--index")
        .arg(dir.path().join("index"))
        .args(["mcp", "--no-audit"])
        .env_remove("MEDCITE_LLM_BASE_URL")
        .env_remove("MEDCITE_CONFIG");
    let (transport, _) = TokioChildProcess::builder(command)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn medcite mcp");
    let client = bounded("connect", ().serve(transport))
        .await
        .expect("MCP handshake");
    exercise(&client).await;
    client.cancel().await.expect("close");
}

fn state(index: &Path, settings: Settings) -> Arc<AppState> {
    state_with(index, settings, None)
}

fn state_with(
    index: &Path,
    settings: Settings,
    llm: Option<medcite::compose::LlmComposer>,
) -> Arc<AppState> {
    let (state, _) =
        AppState::open(&bundled_corpus(), index, llm, settings, false).expect("open state");
    Arc::new(state)
}

/// Serves `state` on a free loopback port; the sender stops it.
async fn serve_loopback(
    state: Arc<AppState>,
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_on(listener, state, async {
        let _ = stopped.await;
    }));
    (format!("http://{addr}/mcp"), stop, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_client_on_loopback_gets_the_same_tools() {
    let dir = TempDir::new().expect("temp dir");
    let state = state(&dir.path().join("index"), Settings::default());
    let (url, stop, server) = serve_loopback(state).await;
    let transport = StreamableHttpClientTransport::from_uri(url);
    let client = bounded("connect", ().serve(transport))
        .await
        .expect("MCP over HTTP");
    exercise(&client).await;
    client.cancel().await.expect("close");
    let _ = stop.send(());
    bounded("shutdown", server).await.expect("server task");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_over_mcp_gives_the_models_answer_once_it_verifies() {
    let model = FakeLlm::start(vec![Script::Honest]).await;
    let dir = TempDir::new().expect("temp dir");
    let llm = model.composer(Duration::from_secs(10));
    let state = state_with(&dir.path().join("index"), Settings::default(), Some(llm));
    let (url, stop, server) = serve_loopback(state).await;
    let client = bounded(
        "connect",
        ().serve(StreamableHttpClientTransport::from_uri(url)),
    )
    .await
    .expect("MCP over HTTP");
    let ask: AskReply = reply(call(&client, "ask", json!({"question": IVIG})).await);
    assert_eq!(ask.mode, Mode::Llm, "{ask:#?}");
    assert!(ask.verified && ask.fallback_reason.is_none(), "{ask:#?}");
    assert!(ask.quotes.iter().all(|q| q.verified), "{ask:#?}");
    client.cancel().await.expect("close");
    let _ = stop.send(());
    bounded("shutdown", server).await.expect("server task");
}

/// A JSON-RPC call to `/mcp` through the router, as a client on the protocol's newest version
/// sends it.
fn mcp_request(body: &Value) -> Request<Body> {
    mcp_request_to("127.0.0.1", body)
}

fn mcp_request_to(host: &str, body: &Value) -> Request<Body> {
    Request::post("/mcp")
        .header(header::HOST, host)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .body(Body::from(body.to_string()))
        .expect("request")
}

#[tokio::test]
async fn mcp_route_keeps_the_rate_limit_and_the_body_limit_of_the_api() {
    let dir = TempDir::new().expect("temp dir");
    let settings = Settings {
        rate_limit: Some((1, 1)),
        ..Settings::default()
    };
    let app = router(state(&dir.path().join("index"), settings));
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}});
    let first = app.clone().oneshot(mcp_request(&list)).await.expect("call");
    assert_ne!(first.status(), StatusCode::TOO_MANY_REQUESTS);
    let second = app.clone().oneshot(mcp_request(&list)).await.expect("call");
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);

    let dir = TempDir::new().expect("temp dir");
    let app = router(state(&dir.path().join("index"), Settings::default()));
    let huge = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "check_dosing", "arguments": {"text": "x".repeat(100 * 1024)}}});
    let response = app.oneshot(mcp_request(&huge)).await.expect("call");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn mcp_route_needs_the_api_token_when_one_is_set() {
    let dir = TempDir::new().expect("temp dir");
    let settings = Settings {
        api_token: Some("s3cret".into()),
        ..Settings::default()
    };
    let app = router(state(&dir.path().join("index"), settings));
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}});
    let response = app.oneshot(mcp_request(&list)).await.expect("call");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn mcp_route_answers_only_the_host_names_it_is_told() {
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}});
    let dir = TempDir::new().expect("temp dir");
    let app = router(state(&dir.path().join("index"), Settings::default()));
    let rebound = app
        .clone()
        .oneshot(mcp_request_to("medcite.example.org", &list))
        .await
        .expect("call");
    assert_eq!(
        rebound.status(),
        StatusCode::FORBIDDEN,
        "loopback names only by default"
    );
    let local = app.oneshot(mcp_request(&list)).await.expect("call");
    assert_eq!(local.status(), StatusCode::OK);

    let dir = TempDir::new().expect("temp dir");
    let settings = Settings {
        mcp_allowed_hosts: Some(vec!["medcite.example.org".into()]),
        ..Settings::default()
    };
    let app = router(state(&dir.path().join("index"), settings));
    let named = app
        .oneshot(mcp_request_to("medcite.example.org", &list))
        .await
        .expect("call");
    assert_eq!(named.status(), StatusCode::OK);
}

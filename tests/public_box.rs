//! What keeps a public `medcite serve` up (issue 25): JSON errors from the HTTP layer, security
//! headers and request ids, the bearer scheme, rate limits and the lock-out for wrong tokens,
//! the model budget, readiness, the audit log; and through real sockets on 127.0.0.1, the body
//! and header timeouts and the connection caps.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use common::bundled_corpus;
use common::fake_llm::{FakeLlm, Script};
use medcite::compose::LlmComposer;
use medcite::contracts::{AskReply, ErrorBody, Mode};
use medcite::server::{AppState, AuditLog, AuditRecord, AuditSettings, Settings, router, serve_on};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tower::ServiceExt;

const IVIG: &str = "What about IVIG dosing?";
/// Bound on any one wait in these tests, so that a hang fails instead of blocking CI.
const BOUND: Duration = Duration::from_secs(60);

struct App {
    dir: TempDir,
    state: Arc<AppState>,
    router: Router,
}

fn app_with(settings: Settings, llm: Option<LlmComposer>) -> App {
    let dir = TempDir::new().expect("temp dir");
    let (state, _) = AppState::open(
        &bundled_corpus(),
        &dir.path().join("index"),
        llm,
        settings,
        false,
    )
    .expect("open state");
    let state = Arc::new(state);
    App {
        router: router(state.clone()),
        state,
        dir,
    }
}

fn app() -> App {
    app_with(Settings::default(), None)
}

/// An app whose answers are written to an audit log in its temporary folder.
fn audited(settings: Settings, redact: bool) -> App {
    let dir = TempDir::new().expect("temp dir");
    let (state, _) = AppState::open(
        &bundled_corpus(),
        &dir.path().join("index"),
        None,
        settings,
        false,
    )
    .expect("open state");
    let audit = AuditLog::open(AuditSettings {
        dir: dir.path().join("audit"),
        redact_questions: redact,
    })
    .expect("audit log");
    let state = Arc::new(state.with_audit(audit));
    App {
        router: router(state.clone()),
        state,
        dir,
    }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn assert_error(&self, status: StatusCode, code: &str) {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert!(self.header("content-type").starts_with("application/json"));
        let body: ErrorBody = self.json();
        assert_eq!(body.error.code, code, "{}", body.error.message);
        assert!(!body.error.message.is_empty());
    }
}

async fn send(router: &Router, request: Request<Body>) -> Reply {
    let response = tokio::time::timeout(BOUND, router.clone().oneshot(request))
        .await
        .expect("answered in time")
        .expect("infallible");
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

fn from(address: [u8; 4]) -> ConnectInfo<SocketAddr> {
    ConnectInfo(SocketAddr::from((address, 40000)))
}

fn ask_request(body: &Value) -> Request<Body> {
    Request::post("/api/v1/ask")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

// ---- the HTTP layer's own errors, headers, request ids

#[tokio::test]
async fn a_request_line_over_the_limit_is_a_json_414() {
    let app = app();
    let uri = format!("/api/v1/search?q={}", "a".repeat(9 * 1024));
    let reply = send(&app.router, Request::get(uri).body(Body::empty()).unwrap()).await;
    reply.assert_error(StatusCode::URI_TOO_LONG, "uri_too_long");
}

#[tokio::test]
async fn too_many_headers_are_a_json_431() {
    let app = app();
    let mut request = Request::get("/healthz");
    for n in 0..80 {
        request = request.header(format!("x-filler-{n}"), "x");
    }
    let reply = send(&app.router, request.body(Body::empty()).unwrap()).await;
    reply.assert_error(
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    );
    let big = "b".repeat(17 * 1024);
    let request = Request::get("/healthz").header("x-big", big);
    let reply = send(&app.router, request.body(Body::empty()).unwrap()).await;
    reply.assert_error(
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    );
}

#[tokio::test]
async fn a_body_that_never_arrives_is_a_json_408_that_closes_the_connection() {
    let settings = Settings {
        body_timeout: Duration::from_secs(1),
        ..Settings::default()
    };
    let app = app_with(settings, None);
    let never = Body::from_stream(futures::stream::pending::<Result<Vec<u8>, std::io::Error>>());
    let request = Request::post("/api/v1/check-dosing")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, "100")
        .body(never)
        .unwrap();
    let reply = send(&app.router, request).await;
    reply.assert_error(StatusCode::REQUEST_TIMEOUT, "body_timeout");
    assert_eq!(reply.header("connection"), "close");
}

#[tokio::test]
async fn responses_carry_nosniff_no_store_and_a_request_id() {
    let app = app();
    let first = send(
        &app.router,
        Request::get("/api/v1/search?q=rituximab")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.header("x-content-type-options"), "nosniff");
    assert_eq!(first.header("cache-control"), "no-store");
    let id = first.header("x-request-id").to_string();
    assert!(!id.is_empty());
    let error = send(
        &app.router,
        Request::get("/api/v1/nowhere").body(Body::empty()).unwrap(),
    )
    .await;
    error.assert_error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(error.header("x-content-type-options"), "nosniff");
    assert_eq!(error.header("cache-control"), "no-store");
    assert!(!error.header("x-request-id").is_empty());
    assert_ne!(error.header("x-request-id"), id);
}

#[tokio::test]
async fn a_plain_client_request_id_is_kept_and_an_odd_one_replaced() {
    let app = app();
    let kept = send(
        &app.router,
        Request::get("/healthz")
            .header("x-request-id", "proxy-123.a_b")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(kept.header("x-request-id"), "proxy-123.a_b");
    let odd = send(
        &app.router,
        Request::get("/healthz")
            .header("x-request-id", "a b {\"forged\": true}")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let id = odd.header("x-request-id");
    assert!(!id.is_empty() && !id.contains("forged"), "{id}");
}

// ---- tokens and rate limits

fn with_token(token: &str, bad_tokens_per_minute: u32) -> App {
    app_with(
        Settings {
            api_token: Some(token.into()),
            bad_tokens_per_minute,
            ..Settings::default()
        },
        None,
    )
}

fn search_as(address: [u8; 4], authorization: Option<&str>) -> Request<Body> {
    let mut request = Request::get("/api/v1/search?q=rituximab");
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    let mut request = request.body(Body::empty()).unwrap();
    request.extensions_mut().insert(from(address));
    request
}

#[tokio::test]
async fn the_bearer_scheme_is_matched_without_regard_to_case() {
    let app = with_token("s3cret", 10);
    for value in ["Bearer s3cret", "bearer s3cret", "BEARER s3cret"] {
        let reply = send(&app.router, search_as([127, 0, 0, 1], Some(value))).await;
        assert_eq!(reply.status, StatusCode::OK, "{value}");
    }
    let reply = send(&app.router, search_as([127, 0, 0, 1], Some("Basic s3cret"))).await;
    reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn repeated_wrong_tokens_lock_the_address_out_even_with_the_right_one() {
    let app = with_token("s3cret", 3);
    for _ in 0..3 {
        let reply = send(&app.router, search_as([127, 0, 0, 9], Some("Bearer nope"))).await;
        reply.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let reply = send(&app.router, search_as([127, 0, 0, 9], Some("Bearer nope"))).await;
    reply.assert_error(StatusCode::TOO_MANY_REQUESTS, "too_many_bad_tokens");
    assert!(reply.header("retry-after").parse::<u64>().unwrap() >= 1);
    let reply = send(
        &app.router,
        search_as([127, 0, 0, 9], Some("Bearer s3cret")),
    )
    .await;
    reply.assert_error(StatusCode::TOO_MANY_REQUESTS, "too_many_bad_tokens");
    // Another address is not locked out.
    let reply = send(
        &app.router,
        search_as([127, 0, 0, 8], Some("Bearer s3cret")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn a_burst_over_the_rate_limit_gets_429_with_retry_after_per_address() {
    let app = app_with(
        Settings {
            rate_limit: Some((60, 5)),
            ..Settings::default()
        },
        None,
    );
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(send(&app.router, search_as([127, 0, 0, 2], None)).await);
    }
    assert!(statuses[..5].iter().all(|r| r.status == StatusCode::OK));
    for refused in &statuses[5..] {
        refused.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        assert!(refused.header("retry-after").parse::<u64>().unwrap() >= 1);
    }
    let other = send(&app.router, search_as([127, 0, 0, 3], None)).await;
    assert_eq!(other.status, StatusCode::OK);
    // The page and health checks are not counted.
    let health = send(
        &app.router,
        Request::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(health.status, StatusCode::OK);
}

// ---- the model budget

#[tokio::test]
async fn questions_past_the_model_cap_are_answered_offline_with_the_reason() {
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let server = FakeLlm::start(vec![Script::Gated(gate.clone())]).await;
    let app = app_with(
        Settings {
            llm_concurrency: 1,
            ..Settings::default()
        },
        Some(server.composer(Duration::from_secs(30))),
    );
    let first = tokio::spawn({
        let router = app.router.clone();
        async move {
            send(
                &router,
                ask_request(&json!({"question": IVIG, "mode": "llm"})),
            )
            .await
        }
    });
    tokio::time::timeout(BOUND, server.arrived(1))
        .await
        .expect("the first question reached the model");
    for _ in 0..3 {
        let reply = send(
            &app.router,
            ask_request(&json!({"question": IVIG, "mode": "llm"})),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK);
        let answer: AskReply = reply.json();
        assert_eq!(answer.mode, Mode::Extractive);
        let reason = answer.fallback_reason.expect("a reason");
        assert!(reason.contains("already answering 1"), "{reason}");
        assert!(answer.verified);
    }
    assert_eq!(server.requests().len(), 1, "no call past the cap");
    gate.add_permits(8);
    let first = first.await.expect("first ask");
    assert_eq!(first.status, StatusCode::OK);
    let answer: AskReply = first.json();
    assert_eq!(answer.mode, Mode::Llm);
    // The place is free again.
    let again = send(
        &app.router,
        ask_request(&json!({"question": IVIG, "mode": "llm"})),
    )
    .await;
    let again: AskReply = again.json();
    assert_eq!(again.mode, Mode::Llm, "{:?}", again.fallback_reason);
}

#[tokio::test]
async fn a_client_past_its_model_questions_per_minute_gets_the_offline_answer() {
    let server = FakeLlm::start(vec![Script::Honest; 4]).await;
    let app = app_with(
        Settings {
            llm_asks_per_minute: 1,
            ..Settings::default()
        },
        Some(server.composer(Duration::from_secs(30))),
    );
    let ask_as = |address| {
        let mut request = ask_request(&json!({"question": IVIG}));
        request.extensions_mut().insert(from(address));
        request
    };
    let first: AskReply = send(&app.router, ask_as([127, 0, 0, 4])).await.json();
    assert_eq!(first.mode, Mode::Llm);
    let calls = server.requests().len();
    let second: AskReply = send(&app.router, ask_as([127, 0, 0, 4])).await.json();
    assert_eq!(second.mode, Mode::Extractive);
    assert!(
        second
            .fallback_reason
            .as_deref()
            .is_some_and(|r| r.contains("in the last minute"))
    );
    assert_eq!(
        server.requests().len(),
        calls,
        "no model call past the quota"
    );
    let other: AskReply = send(&app.router, ask_as([127, 0, 0, 5])).await.json();
    assert_eq!(other.mode, Mode::Llm);
}

// ---- readiness

#[tokio::test]
async fn readyz_says_ready_and_then_that_the_index_is_missing() {
    let app = app();
    let ready = send(
        &app.router,
        Request::get("/readyz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(ready.status, StatusCode::OK);
    let body: Value = ready.json();
    assert_eq!(body["status"], "ready");
    assert!(body["pool_threads"].as_u64().unwrap() >= 1);
    let generation = app.state.loaded().generation.clone();
    std::fs::remove_dir_all(&generation).unwrap();
    let missing = send(
        &app.router,
        Request::get("/readyz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(missing.status, StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = missing.json();
    assert_eq!(body["status"], "index_missing");
    // Searches still answer from the generation read at start.
    let search = send(
        &app.router,
        Request::get("/api/v1/search?q=rituximab")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(search.status, StatusCode::OK);
}

// ---- the audit log

fn audit_lines(dir: &Path) -> Vec<Value> {
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(dir.join("audit")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        lines.extend(
            text.lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap()),
        );
    }
    lines
}

const AUDIT_FIELDS: [&str; 16] = [
    "request_id",
    "time",
    "article",
    "documents",
    "question",
    "question_sha256",
    "answer",
    "passages",
    "verified",
    "covered",
    "dosing_ok",
    "dosing",
    "mode",
    "model",
    "fallback_reason",
    "latency_ms",
];

#[tokio::test]
async fn every_answered_question_leaves_one_audit_line_with_its_fields() {
    let app = audited(Settings::default(), false);
    let reply = send(&app.router, ask_request(&json!({"question": IVIG}))).await;
    assert_eq!(reply.status, StatusCode::OK);
    let answer: AskReply = reply.json();
    let request_id = reply.header("x-request-id").to_string();
    let lines = audit_lines(app.dir.path());
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    for field in AUDIT_FIELDS {
        assert!(line.get(field).is_some(), "no {field} in {line}");
    }
    let record: AuditRecord = serde_json::from_value(line.clone()).expect("the audit shape");
    assert_eq!(record.request_id, request_id);
    assert_eq!(record.question.as_deref(), Some(IVIG));
    assert_eq!(record.answer, answer.answer);
    assert_eq!(
        record.passages,
        answer
            .passages
            .iter()
            .map(|p| p.chunk_id.clone())
            .collect::<Vec<_>>()
    );
    assert_eq!(record.verified, answer.verified);
    assert_eq!(record.mode, Mode::Extractive);
    assert_eq!(record.model, None);
    assert_eq!(record.dosing.len(), answer.dosing.claims.len());
    assert!(record.article.is_some(), "{record:?}");
    assert!(
        time::OffsetDateTime::parse(&record.time, &time::format_description::well_known::Rfc3339)
            .is_ok(),
        "{}",
        record.time
    );

    // The stream and the OpenAI facade are audited too; a rejected question is not.
    let stream = Request::post("/api/v1/ask/stream")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"question": IVIG}).to_string()))
        .unwrap();
    assert_eq!(send(&app.router, stream).await.status, StatusCode::OK);
    let chat = Request::post("/v1/chat/completions")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"model": "medcite", "messages": [{"role": "user", "content": IVIG}]})
                .to_string(),
        ))
        .unwrap();
    assert_eq!(send(&app.router, chat).await.status, StatusCode::OK);
    let empty = send(&app.router, ask_request(&json!({"question": "  "}))).await;
    empty.assert_error(StatusCode::BAD_REQUEST, "empty_question");
    let lines = audit_lines(app.dir.path());
    assert_eq!(lines.len(), 3, "{lines:?}");
    let ids: std::collections::BTreeSet<&str> = lines
        .iter()
        .map(|l| l["request_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "one distinct request id per line");
}

#[tokio::test]
async fn redacted_audit_lines_keep_the_question_hash_not_its_text() {
    let app = audited(Settings::default(), true);
    let reply = send(&app.router, ask_request(&json!({"question": IVIG}))).await;
    assert_eq!(reply.status, StatusCode::OK);
    let lines = audit_lines(app.dir.path());
    assert_eq!(lines.len(), 1);
    let record: AuditRecord = serde_json::from_value(lines[0].clone()).unwrap();
    assert_eq!(record.question, None);
    assert_eq!(record.question_sha256.len(), 64);
    let raw = serde_json::to_string(&lines[0]).unwrap();
    assert!(!raw.contains("IVIG dosing"), "{raw}");
}

// ---- through sockets on 127.0.0.1

struct Running {
    addr: SocketAddr,
    _app: App,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(BOUND, &mut self.task)
            .await
            .expect("stopped in time")
            .expect("served");
    }
}

async fn running(settings: Settings) -> Running {
    let app = app_with(settings, None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve_on(listener, app.state.clone(), async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        _app: app,
        stop: Some(stop),
        task,
    }
}

/// A connection to `addr` from the loopback address `from`.
async fn connect_from(from: [u8; 4], addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((from, 0))).unwrap();
    socket.connect(addr).await.unwrap()
}

/// Everything the server sends until it closes the connection.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    tokio::time::timeout(BOUND, stream.read_to_end(&mut out))
        .await
        .expect("the server closed the connection in time")
        .ok();
    String::from_utf8_lossy(&out).into_owned()
}

async fn healthz_over(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    read_to_close(stream).await
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let server = running(Settings {
        header_timeout: Duration::from_secs(1),
        ..Settings::default()
    })
    .await;
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nx-slow: ")
        .await
        .unwrap();
    let said = read_to_close(&mut slow).await;
    assert!(!said.contains("200 OK"), "{said}");
    // An idle connection that never sends a byte is closed too.
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    read_to_close(&mut idle).await;
    let mut normal = TcpStream::connect(server.addr).await.unwrap();
    assert!(healthz_over(&mut normal).await.starts_with("HTTP/1.1 200"));
    server.stop().await;
}

/// A connection with a request in flight: its handler waits for a body that is never sent.
/// The server has taken the request once it sends `100 Continue`.
async fn busy_from(from: [u8; 4], addr: SocketAddr) -> TcpStream {
    let mut stream = connect_from(from, addr).await;
    stream
        .write_all(
            b"POST /api/v1/check-dosing HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 20\r\nexpect: 100-continue\r\n\r\n",
        )
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("100 Continue") {
        let n = tokio::time::timeout(BOUND, stream.read(&mut buf))
            .await
            .expect("100 Continue in time")
            .unwrap();
        assert!(n > 0, "closed before 100 Continue");
        seen.extend_from_slice(&buf[..n]);
    }
    stream
}

#[tokio::test]
async fn at_a_connection_cap_idle_connections_make_room_and_busy_ones_do_not() {
    let server = running(Settings {
        max_connections_per_client: 2,
        max_connections: 3,
        body_timeout: Duration::from_secs(120),
        ..Settings::default()
    })
    .await;
    // Two idle connections from one address; a third from it closes the idlest and is served.
    let mut idle = connect_from([127, 0, 0, 2], server.addr).await;
    let _idle_too = connect_from([127, 0, 0, 2], server.addr).await;
    let mut third = connect_from([127, 0, 0, 2], server.addr).await;
    let healthy = healthz_over(&mut third).await;
    assert!(healthy.starts_with("HTTP/1.1 200"), "{healthy}");
    assert_eq!(read_to_close(&mut idle).await, "", "the idlest was closed");
    // Two connections of the address with requests in flight: the next one is refused.
    let busy = busy_from([127, 0, 0, 2], server.addr).await;
    let busy_too = busy_from([127, 0, 0, 2], server.addr).await;
    let mut refused = connect_from([127, 0, 0, 2], server.addr).await;
    let said = read_to_close(&mut refused).await;
    assert!(said.starts_with("HTTP/1.1 503"), "{said}");
    assert!(said.contains("retry-after: 1"), "{said}");
    assert!(
        said.contains("\"too_many_connections_from_client\""),
        "{said}"
    );
    // Another address gets the third place; with all three busy, a fourth is refused.
    let mut other = connect_from([127, 0, 0, 3], server.addr).await;
    let healthy = healthz_over(&mut other).await;
    assert!(healthy.starts_with("HTTP/1.1 200"), "{healthy}");
    assert!(healthy.contains("x-request-id"), "{healthy}");
    let busy_three = busy_from([127, 0, 0, 4], server.addr).await;
    let mut fourth = connect_from([127, 0, 0, 5], server.addr).await;
    let said = read_to_close(&mut fourth).await;
    assert!(said.contains("\"too_many_connections\""), "{said}");
    // Their clients gone, the requests in flight end and the server stops at once.
    drop((busy, busy_too, busy_three));
    server.stop().await;
}

//! What an operator runs the box with: `/metrics` in the Prometheus text format, moving with
//! traffic; the settings file `medcite.toml` (flag > environment > file > default) and
//! `medcite config`, which never prints a secret.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::bundled_corpus;
use common::fake_llm::{FakeLlm, Script};
use medcite::server::{AppState, Settings, router};
use serde_json::json;
use tempfile::TempDir;
use tower::ServiceExt;

fn app(index: &Path, settings: Settings) -> Router {
    app_with(index, settings, None)
}

fn app_with(
    index: &Path,
    settings: Settings,
    llm: Option<medcite::compose::LlmComposer>,
) -> Router {
    let (state, _) =
        AppState::open(&bundled_corpus(), index, llm, settings, false).expect("open state");
    router(Arc::new(state))
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = app.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 22)
        .await
        .expect("body");
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn post(path: &str, body: serde_json::Value) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request")
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).expect("request")
}

/// The samples of a Prometheus text exposition, `name{labels}` → value; panics on any line
/// that is not a comment, a `# HELP`/`# TYPE` line or a well-formed sample.
fn parse_prometheus(text: &str) -> BTreeMap<String, f64> {
    let mut samples = BTreeMap::new();
    let mut typed = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split_whitespace();
            let (Some(name), Some(kind), None) = (parts.next(), parts.next(), parts.next()) else {
                panic!("bad TYPE line: {line}");
            };
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{line}"
            );
            typed.insert(name.to_string(), kind.to_string());
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("bad value: {line}"));
        let name_end = series.find('{').unwrap_or(series.len());
        let name = &series[..name_end];
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name: {line}"
        );
        if name_end < series.len() {
            assert!(series.ends_with('}'), "unclosed labels: {line}");
            let labels = &series[name_end + 1..series.len() - 1];
            for pair in split_labels(labels) {
                let (key, quoted) = pair.split_once('=').unwrap_or_else(|| panic!("{line}"));
                assert!(
                    key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                    "{line}"
                );
                assert!(
                    quoted.starts_with('"') && quoted.ends_with('"') && quoted.len() >= 2,
                    "{line}"
                );
            }
        }
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .filter(|base| typed.contains_key(*base))
            .unwrap_or(name);
        assert!(typed.contains_key(family), "sample without TYPE: {line}");
        samples.insert(series.to_string(), value);
    }
    samples
}

/// `a="x",b="y,z"` → [`a="x"`, `b="y,z"`], commas inside quotes kept.
fn split_labels(labels: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in labels.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&labels[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < labels.len() {
        out.push(&labels[start..]);
    }
    out
}

/// The sum of the samples of `name` whose labels include every one of `labels`.
fn total(samples: &BTreeMap<String, f64>, name: &str, labels: &[&str]) -> f64 {
    samples
        .iter()
        .filter(|(series, _)| {
            (series.as_str() == name || series.starts_with(&format!("{name}{{")))
                && labels.iter().all(|l| series.contains(l))
        })
        .map(|(_, v)| v)
        .sum()
}

async fn scrape(app: &Router) -> BTreeMap<String, f64> {
    let response = app.clone().oneshot(get("/metrics")).await.expect("metrics");
    assert_eq!(response.status(), StatusCode::OK);
    let kind = response.headers()[header::CONTENT_TYPE]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    let body = axum::body::to_bytes(response.into_body(), 1 << 22)
        .await
        .expect("body");
    parse_prometheus(&String::from_utf8_lossy(&body))
}

#[tokio::test]
async fn metrics_parse_as_prometheus_text_and_move_with_traffic() {
    let dir = TempDir::new().expect("temp dir");
    let settings = Settings {
        rate_limit: Some((60, 4)),
        ..Settings::default()
    };
    let app = app(&dir.path().join("index"), settings);
    let before = scrape(&app).await;

    let (status, _) = send(&app, get("/api/v1/search?q=rituximab")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = send(
        &app,
        post(
            "/api/v1/ask",
            json!({"question": "What about IVIG dosing?", "mode": "offline"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = send(
        &app,
        post(
            "/api/v1/check-dosing",
            json!({"text": "Give methotrexate 15 mg daily"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // The burst of 4 is spent: the next search is refused.
    let (status, _) = send(&app, get("/api/v1/search?q=ivig")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(&app, get("/api/v1/search?q=ivig")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    let after = scrape(&app).await;
    let moved =
        |name: &str, labels: &[&str]| total(&after, name, labels) - total(&before, name, labels);
    let search = [r#"route="/api/v1/search""#, r#"status="200""#];
    assert!(moved("medcite_http_requests_total", &search) >= 2.0);
    assert!(
        moved(
            "medcite_http_request_duration_seconds_count",
            &[r#"route="/api/v1/ask""#]
        ) >= 1.0
    );
    assert!(
        moved(
            "medcite_answers_total",
            &[r#"mode="extractive""#, r#"verified="true""#]
        ) >= 1.0
    );
    assert!(
        moved(
            "medcite_dosing_verdicts_total",
            &[r#"verdict="wrong_frequency""#, r#"source="check_dosing""#]
        ) >= 1.0
    );
    assert!(moved("medcite_rate_limited_total", &[r#"limit="requests""#]) >= 1.0);
    assert!(
        moved(
            "medcite_http_requests_total",
            &[r#"route="/api/v1/search""#, r#"status="429""#]
        ) >= 1.0
    );
    assert!(
        after.keys().all(|k| !k.contains("rituximab")),
        "no query text in a label"
    );
}

#[tokio::test]
async fn model_calls_answers_and_fallbacks_are_counted_by_kind() {
    let model = FakeLlm::start(vec![
        Script::Fabricated,
        Script::Fabricated,
        Script::Honest,
        Script::NotJson,
    ])
    .await;
    let dir = TempDir::new().expect("temp dir");
    let llm = model.composer(Duration::from_secs(10));
    let app = app_with(&dir.path().join("index"), Settings::default(), Some(llm));
    let before = scrape(&app).await;
    let ask = json!({"question": "What about IVIG dosing?"});
    for _ in 0..3 {
        let (status, body) = send(&app, post("/api/v1/ask", ask.clone())).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let after = scrape(&app).await;
    let moved =
        |name: &str, labels: &[&str]| total(&after, name, labels) - total(&before, name, labels);
    // Two fabricated answers: the offline answer, for failing the source check twice.
    assert!(
        moved(
            "medcite_answer_fallbacks_total",
            &[r#"reason="failed_check""#]
        ) >= 1.0
    );
    assert!(
        moved(
            "medcite_answers_total",
            &[r#"mode="llm""#, r#"verified="true""#]
        ) >= 1.0
    );
    assert!(moved("medcite_model_calls_total", &[r#"outcome="ok""#]) >= 3.0);
    // A reply that is not JSON: a failed call, and the reason of the fallback.
    assert!(moved("medcite_model_calls_total", &[r#"outcome="malformed""#]) >= 1.0);
    assert!(moved("medcite_answer_fallbacks_total", &[r#"reason="malformed""#]) >= 1.0);
    assert!(moved("medcite_model_call_duration_seconds_count", &[]) >= 4.0);
}

#[tokio::test]
async fn metrics_need_the_api_token_when_one_is_set() {
    let dir = TempDir::new().expect("temp dir");
    let settings = Settings {
        api_token: Some("s3cret".into()),
        ..Settings::default()
    };
    let app = app(&dir.path().join("index"), settings);
    let (status, _) = send(&app, get("/metrics")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let request = Request::get("/metrics")
        .header(header::AUTHORIZATION, "Bearer s3cret")
        .body(Body::empty())
        .expect("request");
    let (status, body) = send(&app, request).await;
    assert_eq!(status, StatusCode::OK);
    parse_prometheus(&body);
}

/// `medcite ARGS` in `dir`, with no MEDCITE_* variable but those of `env`.
fn medcite(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_medcite"));
    command.current_dir(dir).args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("MEDCITE_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    command.output().expect("run medcite")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn write_settings(dir: &Path, index: &str) {
    let text = format!(
        "corpus = {corpus:?}\nindex = {index:?}\naddr = \"127.0.0.1:0\"\nlog_format = \"json\"\n\n\
         [llm]\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"from-file\"\n\
         api_key = \"sk-do-not-print\"\ntimeout_secs = 7\n\n\
         [limits]\napi_token = \"tok-do-not-print\"\nrate_limit_per_minute = 99\n",
        corpus = bundled_corpus().display().to_string()
    );
    std::fs::write(dir.join("medcite.toml"), text).expect("write medcite.toml");
}

#[test]
fn config_prints_the_effective_settings_with_their_sources_and_hides_secrets() {
    let dir = TempDir::new().expect("temp dir");
    write_settings(dir.path(), "file-index");
    let out = medcite(
        dir.path(),
        &["--prompts", "flag-prompts", "config"],
        &[
            ("MEDCITE_LLM_MODEL", "from-env"),
            ("MEDCITE_LLM_API_KEY", "sk-env-secret"),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("medcite.toml"), "{text}");
    for line in [
        "index = \"file-index\"  # file, MEDCITE_INDEX",
        "llm_model = \"from-env\"  # environment, MEDCITE_LLM_MODEL",
        "prompts = \"flag-prompts\"  # flag, MEDCITE_PROMPTS",
        "llm_timeout_secs = \"7\"  # file, MEDCITE_LLM_TIMEOUT_SECS",
        "rate_limit_per_minute = \"99\"  # file",
        "llm_api_key = \"(hidden)\"  # environment",
        "api_token = \"(hidden)\"  # file",
        "max_connections = \"1024\"  # default",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    for secret in ["sk-do-not-print", "tok-do-not-print", "sk-env-secret"] {
        assert!(!text.contains(secret), "{secret} printed:\n{text}");
    }
    // What config prints is itself a settings file medcite reads.
    std::fs::write(dir.path().join("printed.toml"), &text).expect("write");
    let again = medcite(dir.path(), &["--config", "printed.toml", "config"], &[]);
    assert!(again.status.success(), "{again:?}");
}

#[test]
fn an_unknown_setting_in_the_file_is_an_error_that_names_it() {
    let dir = TempDir::new().expect("temp dir");
    std::fs::write(dir.path().join("medcite.toml"), "adress = \"0.0.0.0:80\"\n").expect("write");
    let out = medcite(dir.path(), &["config"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let error = String::from_utf8_lossy(&out.stderr);
    assert!(
        error.contains("adress") && error.contains("addr"),
        "{error}"
    );
}

#[test]
fn the_file_sets_serve_options_and_the_environment_overrides_it() {
    let dir = TempDir::new().expect("temp dir");
    let index = dir.path().join("env-index");
    write_settings(dir.path(), "file-index");
    let mut child = Command::new(env!("CARGO_BIN_EXE_medcite"))
        .current_dir(dir.path())
        .args(["serve", "--no-audit"])
        .env("MEDCITE_INDEX", &index)
        .env("MEDCITE_LLM_BASE_URL", "")
        .env_remove("MEDCITE_CONFIG")
        .env_remove("MEDCITE_ADDR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    // The address comes from the file (port 0: any free port); the line says which.
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(60));
    let _ = child.kill();
    let output = child.wait_with_output().expect("wait");
    let line = line.expect("serve printed its address within 60 s");
    assert!(line.contains("http://127.0.0.1:"), "{line}");
    assert!(
        !line.contains(":8080/"),
        "the file's port 0 was used: {line}"
    );
    // The index named by the environment, not the file's, was built.
    assert!(index.join("CURRENT").is_file(), "env index built");
    assert!(!dir.path().join("file-index").exists());
    // The file's log format: JSON lines on standard error; the file's token is never logged.
    let errors = String::from_utf8_lossy(&output.stderr);
    let first = errors.lines().next().expect("a log line");
    let parsed: serde_json::Value =
        serde_json::from_str(first).unwrap_or_else(|e| panic!("{e}: {first}"));
    assert!(parsed.get("level").is_some(), "{first}");
    assert!(!errors.contains("tok-do-not-print"));
}

#[test]
fn the_deployment_example_is_a_valid_settings_file() {
    let dir = TempDir::new().expect("temp dir");
    let example = common::repo().join("deploy/medcite.toml");
    let out = medcite(
        dir.path(),
        &["--config", example.to_str().expect("utf-8 path"), "config"],
        &[],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("addr = \"0.0.0.0:8080\"  # file"));
}

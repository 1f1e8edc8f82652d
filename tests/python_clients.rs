//! medcite as Python clients meet it: `tests/clients/openai_client.py` runs against the router
//! served on 127.0.0.1 — the official OpenAI client (streaming and not) reads `usage` and the
//! `medcite` extension field, gets a 400 for `n=3`, a reply cut to `max_tokens` with
//! `finish_reason: "length"` and `usage` in a chunk of its own with `include_usage`; a 5 MB body
//! sent with `urllib` receives the JSON 413.
//!
//! The Python is MEDCITE_PYTHON, else `target/py/venv/bin/python` (make it with
//! `python3 -m venv target/py/venv && target/py/venv/bin/pip install openai`), else `python3`.
//! Without Python the test says so and passes; without the `openai` package the script runs the
//! urllib check only and says it skipped the rest. With MEDCITE_REQUIRE_OPENAI=1 (CI, which
//! installs the package in that venv) either is a failure, so the official client really runs.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use common::{bundled_corpus, repo};
use medcite::server::{AppState, Settings, router};
use tempfile::TempDir;

fn python() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MEDCITE_PYTHON") {
        return Some(PathBuf::from(path));
    }
    let venv = repo().join("target/py/venv/bin/python");
    if venv.is_file() {
        return Some(venv);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("python3"))
        .find(|candidate| candidate.is_file())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_clients_read_usage_the_extension_field_and_the_413() {
    let required = std::env::var("MEDCITE_REQUIRE_OPENAI").is_ok_and(|v| v == "1");
    let Some(python) = python() else {
        assert!(
            !required,
            "MEDCITE_REQUIRE_OPENAI=1 but there is no python3 (or set MEDCITE_PYTHON)"
        );
        eprintln!("skipping the Python client checks: no python3 (or set MEDCITE_PYTHON)");
        return;
    };
    let dir = TempDir::new().expect("temp dir");
    let (state, _) = AppState::open(
        &bundled_corpus(),
        &dir.path().join("index"),
        None,
        Settings::default(),
        false,
    )
    .expect("open state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router(Arc::new(state))).await;
    });
    let script = repo().join("tests/clients/openai_client.py");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(&python)
            .arg(script)
            .arg(format!("http://{addr}"))
            .output()
    })
    .await
    .expect("join")
    .expect("run python");
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("ok   urllib 5 MB body: HTTP 413"),
        "{stdout}"
    );
    assert!(
        !(required && stdout.contains("SKIP openai")),
        "MEDCITE_REQUIRE_OPENAI=1 but the openai package is missing: python3 -m venv \
         target/py/venv && target/py/venv/bin/pip install openai"
    );
    for check in [
        "ok   openai streamed",
        "ok   openai n=3: HTTP 400",
        "ok   openai max_tokens=12: finish_reason=length",
        "ok   openai include_usage: usage in its own chunk",
    ] {
        assert!(
            stdout.contains(check) || stdout.contains("SKIP openai"),
            "{check}: {stdout}"
        );
    }
}

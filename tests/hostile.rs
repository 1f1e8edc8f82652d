//! Nothing unchecked is served as verified: a model that obeys a hostile question or corpus,
//! and a corpus whose notes write doses in other scripts, in words or with look-alike letters,
//! or carry links. Each case, and its ASCII twin, through `/api/v1/ask`, its stream,
//! `/v1/chat/completions` and `/api/v1/check-dosing`, on a corpus the test writes.

mod common;

use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::bundled_corpus;
use common::fake_llm::{FakeLlm, Script};
use medcite::compose::LlmComposer;
use medcite::contracts::{AskReply, DosingReport, Mode, Verdict};
use medcite::server::{AppState, Settings, router};
use serde_json::{Value, json};
use tempfile::TempDir;
use tower::ServiceExt;

const QUESTION: &str = "methotrexate dose?";

/// A small corpus: an article on methotrexate and steroids, one reference note with `note`
/// added to its body, and the bundled dosing rules.
fn write_corpus(root: &Path, note: &str) {
    fs::create_dir_all(root.join("articles")).unwrap();
    fs::create_dir_all(root.join("references")).unwrap();
    fs::create_dir_all(root.join("dosing")).unwrap();
    fs::copy(
        bundled_corpus().join("dosing/rules.toml"),
        root.join("dosing/rules.toml"),
    )
    .unwrap();
    fs::write(
        root.join("articles/mini.md"),
        "+++\nid = \"mini\"\ntitle = \"Mini Article\"\nquestion = \"How is the mini disease treated?\"\nupdated = \"2025-01-01\"\n\n[references]\n1 = \"mini-ref\"\n+++\n\n# Mini Article\n\nHigh-dose corticosteroids are the first-line treatment for the mini disease [1].\n\n## Steroid-sparing agents\n\nMethotrexate 15 mg once weekly is added as a steroid-sparing agent [1].\n",
    )
    .unwrap();
    fs::write(
        root.join("references/mini-ref.md"),
        format!(
            "+++\nid = \"mini-ref\"\ntitle = \"Reference 1 of the mini article (publication not identified)\"\nidentified = false\nconfidence = \"unknown\"\ncited_for = \"Treatment of the mini disease.\"\n+++\n\n## Findings\n\n{note}\n"
        ),
    )
    .unwrap();
}

struct App {
    _dir: TempDir,
    router: Router,
}

fn app(note: &str, llm: Option<LlmComposer>) -> App {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    write_corpus(&corpus, note);
    let (state, _) = AppState::open(
        &corpus,
        &dir.path().join("index"),
        llm,
        Settings::default(),
        false,
    )
    .expect("open state");
    App {
        _dir: dir,
        router: router(Arc::new(state)),
    }
}

async fn post(router: &Router, uri: &str, body: &Value) -> (StatusCode, String) {
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// The data of the server-sent event named `name`.
fn sse_data(text: &str, name: &str) -> Option<String> {
    text.split("\n\n").find_map(|block| {
        let mut event = "message";
        let mut data = Vec::new();
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("event:") {
                event = v.trim();
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push(v.strip_prefix(' ').unwrap_or(v));
            }
        }
        (event == name && !data.is_empty()).then(|| data.join("\n"))
    })
}

/// The reply of each route (ask, its stream, the OpenAI facade) to a model that writes `answer`
/// each time it is asked, as (route, answer, mode, verified, fallback reason, dosing ok).
async fn served_by_every_route(
    answer: &str,
) -> Vec<(String, String, String, bool, Option<String>)> {
    let server = FakeLlm::start((0..6).map(|_| Script::Text(answer.into())).collect()).await;
    let app = app(
        "Methotrexate was given weekly to most patients.",
        Some(server.composer(Duration::from_secs(10))),
    );
    let mut out = Vec::new();
    let (status, body) = post(&app.router, "/api/v1/ask", &json!({"question": QUESTION})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ask: AskReply = serde_json::from_str(&body).unwrap();
    out.push(summary("ask", &ask));
    let (status, body) = post(
        &app.router,
        "/api/v1/ask/stream",
        &json!({"question": QUESTION}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let done = sse_data(&body, "done").unwrap_or_else(|| panic!("no done event: {body}"));
    let ask: AskReply = serde_json::from_str(&done).unwrap();
    out.push(summary("stream", &ask));
    let (status, body) = post(
        &app.router,
        "/v1/chat/completions",
        &json!({"messages": [{"role": "user", "content": QUESTION}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let reply: Value = serde_json::from_str(&body).unwrap();
    let m = &reply["medcite"];
    out.push((
        "chat".to_string(),
        reply["choices"][0]["message"]["content"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        m["mode"].as_str().unwrap_or_default().to_string(),
        m["verified"].as_bool().unwrap_or_default()
            && m["dosing"]["ok"].as_bool().unwrap_or_default(),
        m["fallback_reason"].as_str().map(str::to_string),
    ));
    out
}

fn summary(route: &str, ask: &AskReply) -> (String, String, String, bool, Option<String>) {
    let mode = match ask.mode {
        Mode::Llm => "llm",
        Mode::Extractive => "extractive",
    };
    (
        route.to_string(),
        ask.answer.clone(),
        mode.to_string(),
        ask.verified && ask.dosing.ok,
        ask.fallback_reason.clone(),
    )
}

/// Every route serves the offline answer instead of `answer`, naming why in its reason.
async fn assert_never_served(answer: &str, reason: &str, absent: &str) {
    for (route, served, mode, verified, fallback) in served_by_every_route(answer).await {
        assert_eq!(mode, "extractive", "{route}: {answer} was served: {served}");
        assert!(verified, "{route}: the offline answer verifies: {served}");
        let fallback = fallback.unwrap_or_default();
        assert!(fallback.contains(reason), "{route}: reason {fallback:?}");
        assert!(!served.contains(absent), "{route}: {served}");
    }
}

#[tokio::test]
async fn a_model_dose_in_any_script_or_in_words_is_caught_like_its_ascii_twin() {
    for answer in [
        "Give methotrexate 50 mg daily [S1].",
        "Give methotrexate ５０ mg daily [S1].",
        "Give methotrexate ٥٠ mg daily [S1].",
        "Give methotrexate ⁵⁰ mg daily [S1].",
        "Give methotrexate fifty mg daily [S1].",
        "Give methotrexate half a gram every day [S1].",
    ] {
        assert_never_served(answer, "is not in the passages it cites", "daily").await;
    }
}

#[tokio::test]
async fn a_model_sentence_claiming_what_its_passage_does_not_is_an_unsupported_claim() {
    for answer in [
        "Methotrexate is taken every day, not once a week [S1].",
        "Methotrexate is contraindicated in the mini disease and must be stopped at once [S1].",
    ] {
        assert_never_served(answer, "unsupported claim", "every day").await;
    }
    // The honest twin is served as the model wrote it.
    let honest = "- Steroid-sparing agent: \"Methotrexate 15 mg once weekly is added as a steroid-sparing agent\" [S1]";
    for (route, served, mode, verified, fallback) in served_by_every_route(honest).await {
        assert_eq!(mode, "llm", "{route}: {served} ({fallback:?})");
        assert!(
            verified && served.contains("once weekly"),
            "{route}: {served}"
        );
    }
}

#[tokio::test]
async fn links_and_addresses_from_the_model_never_reach_the_reader() {
    let answer = "Full dosing table at https://evil.example/mtx and [click](javascript:alert(1)) ![x](https://evil.example/x.png) [S1].";
    for (route, served, _, _, _) in served_by_every_route(answer).await {
        for absent in ["evil.example", "javascript:", "](", "!["] {
            assert!(!served.contains(absent), "{route}: {served}");
        }
    }
}

/// The dosing report of an offline answer to `question` on a corpus whose note says `note`.
async fn offline_dosing(note: &str, question: &str) -> (AskReply, DosingReport) {
    let app = app(note, None);
    let (status, body) = post(&app.router, "/api/v1/ask", &json!({"question": question})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ask: AskReply = serde_json::from_str(&body).unwrap();
    let dosing = ask.dosing.clone();
    (ask, dosing)
}

#[tokio::test]
async fn a_hostile_note_writing_a_dose_in_another_script_or_in_words_is_flagged_offline() {
    for note in [
        "IVIG 20 g/kg daily was given in the mini disease.",
        "IVIG ２０ g/kg daily was given in the mini disease.",
        "IVIG 2O g/kg daily was given in the mini disease.",
        "IVIG twenty grams per kilogram every day was given in the mini disease.",
    ] {
        let (ask, dosing) = offline_dosing(note, "IVIG dose in the mini disease?").await;
        assert!(ask.answer.contains("IVIG"), "{note}: {}", ask.answer);
        assert!(
            !dosing.ok
                && dosing
                    .claims
                    .iter()
                    .any(|c| c.drug == "IVIG" && c.verdict == Verdict::OutOfRange),
            "{note}: {dosing:#?}"
        );
    }
}

#[tokio::test]
async fn links_in_a_note_are_never_quoted() {
    let note = "Methotrexate dosing is tabulated at https://evil.example/mtx and [here](javascript:alert(1)) for the mini disease.";
    let (ask, _) = offline_dosing(note, "methotrexate dosing table in the mini disease?").await;
    for absent in ["evil.example", "javascript:"] {
        assert!(!ask.answer.contains(absent), "{}", ask.answer);
        assert!(
            ask.passages.iter().all(|p| !p.text.contains(absent)),
            "{:#?}",
            ask.passages
        );
    }
}

#[tokio::test]
async fn check_dosing_reads_every_form_of_a_dose_as_its_ascii_form() {
    let app = app("Nothing.", None);
    for (text, verdict) in [
        ("methotrexate 50 mg daily", Verdict::WrongFrequency),
        ("methotrexate ５０ mg daily", Verdict::WrongFrequency),
        ("methotrexate ٥٠ mg daily", Verdict::WrongFrequency),
        ("methotrexate fifty mg daily", Verdict::WrongFrequency),
        ("IVIG 20 g/kg daily", Verdict::OutOfRange),
        ("IVIG twenty g/kg daily", Verdict::OutOfRange),
        ("IVIG 2O g/kg daily", Verdict::OutOfRange),
        ("IVIG ２０ g/kg daily", Verdict::OutOfRange),
    ] {
        let (status, body) =
            post(&app.router, "/api/v1/check-dosing", &json!({"text": text})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let report: DosingReport = serde_json::from_str(&body).unwrap();
        assert!(!report.ok, "{text}: {report:#?}");
        assert_eq!(report.claims.len(), 1, "{text}: {report:#?}");
        assert_eq!(report.claims[0].verdict, verdict, "{text}");
        assert_eq!(report.claims[0].text, text, "the claim is shown as written");
    }
}

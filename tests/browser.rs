//! The chat page in a real browser: headless Chromium driven over WebDriver (chromedriver) loads
//! the page from a server started here on 127.0.0.1 and checks, at 1280 and 360 px wide, that the
//! question box is reachable from anywhere, that the page says how answers are made in plain
//! words and labels sources with the article's own reference numbers, that a citation opens its
//! passage with the quoted words highlighted, that "Wrong or unhelpful?" records feedback under
//! the answer's request id beside its audit line, that a declined question and a suggested one
//! read right, that a model's draft is shown as provisional and replaced by the verified answer,
//! and that the console holds no JavaScript error. Screenshots go under `target/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (or MEDCITE_CHROMIUM / MEDCITE_CHROMEDRIVER).
//! Without them the test prints why and passes, unless MEDCITE_REQUIRE_BROWSER=1 (CI), where a
//! missing browser is a failure.

mod common;

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::bundled_corpus;
use common::fake_llm::{FakeLlm, Script};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use medcite::server::{AppState, AuditLog, AuditSettings, Settings, router};
use serde_json::json;
use tempfile::TempDir;

/// The whole test, browser start included, must finish within this.
const BUDGET: Duration = Duration::from_secs(120);
/// Longest wait for one thing to appear on the page.
const WAIT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_up_questions_in_a_real_browser() {
    let required = std::env::var("MEDCITE_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let (chromium, driver) = match find_browser() {
        Ok(found) => found,
        Err(reason) if required => panic!(
            "MEDCITE_REQUIRE_BROWSER=1 but {reason}; install them with: apt-get install -y chromium chromium-driver"
        ),
        Err(reason) => {
            eprintln!(
                "skipping the browser test: {reason} (apt-get install -y chromium chromium-driver)"
            );
            return;
        }
    };
    match tokio::time::timeout(BUDGET, run(&chromium, &driver)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("browser test failed: {e}"),
        Err(_) => panic!("the browser test took more than {} s", BUDGET.as_secs()),
    }
}

type Outcome = Result<(), String>;

async fn run(chromium: &Path, driver: &Path) -> Outcome {
    let index = TempDir::new().map_err(|e| e.to_string())?;
    let audit = index.path().join("audit");
    let offline = start_server(&index.path().join("offline"), None, Some(&audit)).await?;
    let hostile_llm = FakeLlm::start(vec![
        Script::Text(HOSTILE.into()),
        Script::Text(HOSTILE.into()),
        Script::Text(WRONG_DOSE.into()),
        Script::Fabricated,
        Script::Slow(Duration::from_secs(3)),
    ])
    .await;
    let hostile = start_server(&index.path().join("llm"), Some(&hostile_llm), None).await?;
    let corpus = common::write_two_articles(index.path());
    let library = start_server_on(&corpus, &index.path().join("library"), None, None).await?;

    let driver = Driver::start(driver).await?;
    let profile = TempDir::new().map_err(|e| e.to_string())?;
    let client = driver.session(chromium, profile.path()).await?;
    let mut outcome = drive(&client, &offline, &audit, &hostile, &hostile_llm).await;
    if outcome.is_ok() {
        outcome = drive_library(&client, &library).await;
    }
    let _ = client.close().await;
    outcome
}

async fn drive(
    client: &Client,
    offline: &str,
    audit: &Path,
    hostile: &str,
    llm: &FakeLlm,
) -> Outcome {
    client
        .set_window_size(1280, 900)
        .await
        .map_err(|e| e.to_string())?;
    client.goto(offline).await.map_err(|e| e.to_string())?;
    let title = text_of(client, "h1").await?;
    check(
        title == "Treatment of Necrotizing Myopathy",
        format!("h1 is {title:?}"),
    )?;
    let references = text_of(client, ".refs").await?;
    check(
        references.contains("PMID 26192196"),
        "references show their bibliographic lines",
    )?;
    check(
        references.contains("Source not traced"),
        "untraced references say so",
    )?;
    let status = text_of(client, ".status-line").await?;
    check(
        status.contains("Review status: pending human review")
            && status.contains("Last updated 2025-08-21")
            && status.contains("Educational purpose only"),
        format!("review status and date from the front matter: {status}"),
    )?;
    box_is_reachable(client, "1280 px, top of the page").await?;
    screenshot_window(client, "browser-top-1280.png").await?;
    client
        .execute(
            "window.scrollTo(0, document.body.scrollHeight / 2);",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    box_is_reachable(client, "1280 px, half-way down").await?;
    client
        .execute("window.scrollTo(0, 0);", vec![])
        .await
        .map_err(|e| e.to_string())?;

    // First question, sent with Enter from the top of the page.
    ask(client, "IVIG mechanism and its reference?").await?;
    let answer = wait_for(client, "#turn-1 .answer .meta").await?;
    let text = text_of(client, "#turn-1 .answer-text").await?;
    check(
        text.contains("IVIG"),
        format!("the answer is about IVIG: {text}"),
    )?;
    let meta = answer.text().await.map_err(|e| e.to_string())?;
    check(
        meta.contains("Quotes checked word for word against the sources"),
        format!("the answer says it is verified: {meta}"),
    )?;
    check(
        meta.contains("Answer quoted from the article"),
        format!("how the answer was made, in plain words: {meta}"),
    )?;
    // One numbering: a cited reference reads as its number in the article's list, a passage of
    // the article as [article]; no source id (S1) of the engine's.
    let mode_line = text_of(client, "#server-mode").await?;
    check(
        mode_line.contains("quoted word for word from this article")
            && !mode_line.contains("Mode")
            && !mode_line.to_lowercase().contains("offline"),
        format!("the page says how answers are made in plain words: {mode_line}"),
    )?;
    let labels = client
        .execute(
            "return Array.from(document.querySelectorAll('#turn-1 .answer-text a.marker, #turn-1 .sources summary strong')).map(function (e) { return e.textContent.trim(); });",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    let labels: Vec<String> = serde_json::from_value(labels).map_err(|e| e.to_string())?;
    check(!labels.is_empty(), "the answer cites its sources")?;
    for label in &labels {
        let inside = label.trim_start_matches('[').trim_end_matches(']');
        let known = inside == "article"
            || (inside.parse::<u32>().is_ok()
                && client
                    .find(Locator::Css(&format!(".refs li#ref-{inside}")))
                    .await
                    .is_ok());
        check(
            known && !text.contains("[S"),
            format!("{label} is not a number of the article's references: {labels:?} in {text}"),
        )?;
    }
    check(
        labels.iter().any(|l| l != "[article]"),
        format!("the IVIG answer cites a reference by its number: {labels:?}"),
    )?;

    // Copy and a link that asks the question again.
    wait_for(client, "#turn-1 button.copy").await?;
    let permalink = wait_for(client, "#turn-1 a.permalink").await?;
    let href = permalink.attr("href").await.map_err(|e| e.to_string())?;
    check(
        href.as_deref() == Some("#q=IVIG%20mechanism%20and%20its%20reference%3F"),
        format!("the permalink names the question: {href:?}"),
    )?;

    // "Wrong or unhelpful?" records the reason and comment under the answer's request id,
    // beside the audit line of the same answer.
    let open_feedback = wait_for(client, "#turn-1 button.feedback-open").await?;
    open_feedback.click().await.map_err(|e| e.to_string())?;
    client
        .execute(
            "document.querySelector('#turn-1 form.feedback select').value = 'unsafe';",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    let comment = wait_for(client, "#turn-1 form.feedback textarea").await?;
    comment
        .send_keys("the dose looks off")
        .await
        .map_err(|e| e.to_string())?;
    wait_for(client, "#turn-1 form.feedback button.feedback-send")
        .await?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + WAIT;
    let said = loop {
        let said = text_of(client, "#turn-1 .feedback-status").await?;
        if said.contains("recorded") || Instant::now() > deadline {
            break said;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    check(
        said.contains("Thank you: recorded"),
        format!("the feedback is acknowledged: {said:?}"),
    )?;
    let feedback = std::fs::read_to_string(audit.join("feedback.jsonl"))
        .map_err(|e| format!("no feedback file beside the audit log: {e}"))?;
    let record: serde_json::Value =
        serde_json::from_str(feedback.lines().next().unwrap_or_default())
            .map_err(|e| format!("feedback line {feedback:?}: {e}"))?;
    check(
        record["reason"] == "unsafe" && record["comment"] == "the dose looks off",
        format!("the feedback line: {record}"),
    )?;
    let audit_lines = audit_text(audit)?;
    let request_id = record["request_id"].as_str().unwrap_or_default();
    check(
        request_id.len() >= 8 && audit_lines.contains(&format!("\"request_id\":\"{request_id}\"")),
        format!("the feedback's request id {request_id:?} is the answer's audit line's"),
    )?;
    // An untraced reference carries its badge where it is cited, not only in the list.
    let badges = client
        .find_all(Locator::Css("#turn-1 .answer-text a.marker + .badge.warn"))
        .await
        .map_err(|e| e.to_string())?;
    let mut badge_texts = Vec::new();
    for badge in &badges {
        badge_texts.push(badge.text().await.map_err(|e| e.to_string())?);
    }
    check(
        badge_texts.iter().any(|t| t == "source not traced"),
        format!("untraced sources are badged where cited: {badge_texts:?}"),
    )?;

    // A citation link opens its passage with the quoted words highlighted.
    let marker = wait_for(client, "#turn-1 a.marker").await?;
    let target = marker
        .attr("href")
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let id = target.trim_start_matches('#').to_string();
    marker.click().await.map_err(|e| e.to_string())?;
    let open = wait_for(client, &format!("details#{id}[open]")).await?;
    let mark = open
        .find(Locator::Css("mark"))
        .await
        .map_err(|e| format!("no highlighted quote in the opened passage: {e}"))?;
    let quoted = mark.text().await.map_err(|e| e.to_string())?;
    check(
        quoted.split_whitespace().count() >= 2 && text.contains(quoted.trim()),
        format!("the highlight is the quote the answer makes: {quoted:?} in {text:?}"),
    )?;
    let summary = open
        .find(Locator::Css("summary"))
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    check(
        summary.contains("This article") || summary.contains("of the article ·"),
        format!("the passage names its place: {summary}"),
    )?;
    if summary.contains("of the article ·") {
        let link = open
            .find(Locator::Css("a.to-reference"))
            .await
            .map_err(|e| format!("a reference passage links to the reference list: {e}"))?;
        let href = link.attr("href").await.map_err(|e| e.to_string())?;
        check(
            href.as_deref().is_some_and(|h| h.starts_with("#ref-")),
            format!("the link goes to the list entry: {href:?}"),
        )?;
    }
    let focused = client
        .execute("return document.activeElement.parentElement.id;", vec![])
        .await
        .map_err(|e| e.to_string())?;
    check(
        focused == json!(id),
        format!("focus moves to the opened passage, not {focused}"),
    )?;
    let in_view = client
        .execute(
            "const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight;",
            vec![serde_json::to_value(&mark).map_err(|e| e.to_string())?],
        )
        .await
        .map_err(|e| e.to_string())?;
    check(in_view == json!(true), "the highlighted words are in view")?;
    screenshot_window(client, "browser-answer-1280.png").await?;

    // An article passage leads to its place in the article, highlighted.
    let to_article = wait_for(client, "#turn-1 .sources a.to-article").await?;
    let source = client
        .execute(
            "return arguments[0].closest('details').querySelector('.passage').textContent;",
            vec![serde_json::to_value(&to_article).map_err(|e| e.to_string())?],
        )
        .await
        .map_err(|e| e.to_string())?;
    client
        .execute(
            "arguments[0].closest('details').open = true; arguments[0].click();",
            vec![serde_json::to_value(&to_article).map_err(|e| e.to_string())?],
        )
        .await
        .map_err(|e| e.to_string())?;
    let place = text_of(client, ".article .in-article").await?;
    let first_words: String = source
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    check(
        !first_words.is_empty() && place.contains(&first_words),
        format!("the highlighted article text {place:?} is the passage {source}"),
    )?;
    let marked = text_of(client, ".article .in-article mark.quoted").await?;
    check(
        marked.split_whitespace().count() >= 2 && text.contains(marked.trim()),
        format!("the quoted words are marked in the article: {marked:?} in {text:?}"),
    )?;
    screenshot_window(client, "browser-in-article-1280.png").await?;

    // A declined question says so in words, with no sources.
    ask(
        client,
        "What is the recommended vaccination schedule for infants?",
    )
    .await?;
    wait_for(client, "#turn-2 .answer .meta").await?;
    let declined = text_of(client, "#turn-2 .answer-text").await?;
    check(
        declined.contains("do not cover"),
        format!("the decline is shown as text: {declined:?}"),
    )?;
    let sources = client
        .find_all(Locator::Css("#turn-2 .sources"))
        .await
        .map_err(|e| e.to_string())?;
    check(sources.is_empty(), "a decline lists no sources")?;
    screenshot_window(client, "browser-declined-1280.png").await?;

    // A suggested follow-up is one the sources answer.
    let suggestion = wait_for(client, "button.suggestion").await?;
    let suggested = suggestion.text().await.map_err(|e| e.to_string())?;
    suggestion.click().await.map_err(|e| e.to_string())?;
    wait_for(client, "#turn-3 .answer .meta").await?;
    let asked = text_of(client, "#turn-3 .question-text").await?;
    check(
        asked == suggested,
        format!("{asked:?} was asked, not {suggested:?}"),
    )?;
    let meta = text_of(client, "#turn-3 .answer .meta").await?;
    check(
        meta.contains("Quotes checked") && !meta.contains("Not covered"),
        format!("the suggestion {suggested:?} is answered: {meta}"),
    )?;
    let turns = client
        .find_all(Locator::Css("#thread > li.turn"))
        .await
        .map_err(|e| e.to_string())?;
    check(
        turns.len() == 3,
        format!("{} turns on the page", turns.len()),
    )?;

    // Phone width: nothing wider than the screen, and the box is docked in view.
    client
        .set_window_size(360, 780)
        .await
        .map_err(|e| e.to_string())?;
    client
        .execute("window.scrollTo(0, 0);", vec![])
        .await
        .map_err(|e| e.to_string())?;
    let overflow = client
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    check(
        overflow.as_f64().unwrap_or(1.0) <= 0.0,
        format!("the page overflows 360 px by {overflow}"),
    )?;
    box_is_reachable(client, "360 px, top of the page").await?;
    screenshot_window(client, "browser-top-360.png").await?;
    client
        .execute(
            "document.getElementById('turn-1').scrollIntoView();",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    box_is_reachable(client, "360 px, at the answers").await?;
    screenshot_window(client, "browser-answer-360.png").await?;

    // Model markup fails the source check (answer and retry), so the offline answer is shown;
    // the reason, which quotes the markup, is shown as text and runs nothing.
    client
        .set_window_size(1280, 900)
        .await
        .map_err(|e| e.to_string())?;
    client.goto(hostile).await.map_err(|e| e.to_string())?;
    ask(client, "IVIG mechanism and its reference?").await?;
    wait_for(client, "#turn-1 .answer .meta").await?;
    let shown = text_of(client, "#turn-1 .answer").await?;
    check(
        shown.contains("HTML markup (<script>"),
        format!("the reason quotes the markup as text: {shown}"),
    )?;
    let answer_text = text_of(client, "#turn-1 .answer-text").await?;
    check(
        !answer_text.contains("window.pwned"),
        format!("the model's markup is not the answer: {answer_text}"),
    )?;
    let injected = client
        .execute(
            "return [document.querySelectorAll('#thread script, #thread img').length, typeof window.pwned];",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    check(
        injected == json!([0, "undefined"]),
        format!("markup became elements: {injected}"),
    )?;
    let meta = text_of(client, "#turn-1 .answer .meta").await?;
    check(
        meta.contains("Answer quoted from the article"),
        format!("the fallback mode is shown: {meta}"),
    )?;
    check(
        shown.contains("did not pass the check against the sources"),
        format!("the fallback is said in plain words: {shown}"),
    )?;

    // A dose the rules do not confirm is one warning line; the earlier turn goes along as
    // history.
    ask(client, "What about methotrexate dosing?").await?;
    wait_for(client, "#turn-2 .answer .meta").await?;
    let flagged = text_of(client, "#turn-2 details.dosing.warn > summary").await?;
    check(
        flagged.starts_with("⚠ Check dose")
            && flagged.to_lowercase().contains("methotrexate 1 mg daily")
            && flagged.contains("unusual dosing frequency")
            && !flagged.contains('\n'),
        format!("one compact dose line: {flagged:?}"),
    )?;
    let details_hidden = client
        .execute(
            "return document.querySelector('#turn-2 details.dosing').open;",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    check(details_hidden == json!(false), "dose details are on demand")?;
    let sent = llm
        .requests()
        .last()
        .map(|r| r["messages"].to_string())
        .unwrap_or_default();
    check(
        sent.contains("IVIG mechanism and its reference?"),
        format!("history not sent: {sent}"),
    )?;

    // The model's streamed draft fails the source check: it is shown as a provisional draft
    // while the retry runs, then replaced by the verified answer.
    ask(client, "What if the patient relapses on the taper?").await?;
    let draft = wait_for(client, "#turn-3 .draft-box:not([hidden])").await?;
    let provisional = draft.text().await.map_err(|e| e.to_string())?;
    check(
        provisional.to_lowercase().contains("checking the sources")
            && provisional.contains("cures every patient"),
        format!("the draft is shown as provisional: {provisional:?}"),
    )?;
    screenshot_window(client, "browser-draft-1280.png").await?;
    wait_for(client, "#turn-3 .answer .meta").await?;
    let verified = text_of(client, "#turn-3 .answer-text").await?;
    check(
        !verified.contains("cures every patient"),
        format!("the unverified draft is not the answer: {verified}"),
    )?;
    let leftover = client
        .find_all(Locator::Css("#turn-3 .draft-box, #turn-3 .draft"))
        .await
        .map_err(|e| e.to_string())?;
    check(
        leftover.is_empty(),
        "the draft is gone once the answer is verified",
    )?;
    let meta = text_of(client, "#turn-3 .answer .meta").await?;
    check(
        meta.contains("Answer written by the language model") && meta.contains("Quotes checked"),
        format!("the verified model answer replaced the draft: {meta}"),
    )?;
    screenshot_window(client, "browser-verified-1280.png").await?;

    // A probe error proves the log is read; any other error is the page's.
    client
        .execute("console.error('medcite-log-probe');", vec![])
        .await
        .map_err(|e| e.to_string())?;
    let mut errors = console_errors(client).await?;
    let probes = errors.len();
    errors.retain(|e| !e.contains("medcite-log-probe"));
    check(
        probes == errors.len() + 1,
        "the browser log could not be read",
    )?;
    check(
        errors.is_empty(),
        format!("JavaScript errors on the page: {errors:?}"),
    )?;
    Ok(())
}

/// A library of two articles: `/` lists them and its box asks the whole library (the answer
/// names its article); an article's page, reached from the list, asks about that article alone;
/// an unknown article is a page that leads back to the list.
async fn drive_library(client: &Client, library: &str) -> Outcome {
    client.goto(library).await.map_err(|e| e.to_string())?;
    let title = text_of(client, "h1").await?;
    check(title == "Articles", format!("the list's h1 is {title:?}"))?;
    ask(client, "maximum colchicine dose in the first hour?").await?;
    wait_for(client, "#turn-1 .answer .meta").await?;
    let text = text_of(client, "#turn-1 .answer-text").await?;
    check(
        text.contains("1.8 mg"),
        format!("the library box answers from the gout article: {text}"),
    )?;
    let meta = text_of(client, "#turn-1 .answer .meta").await?;
    check(
        meta.contains("From: Treatment of Gout Flares (gout-flare)"),
        format!("the answer names its article: {meta}"),
    )?;
    screenshot_window(client, "browser-library-1280.png").await?;

    client
        .find(Locator::Css("a[href='articles/cdi-treatment']"))
        .await
        .map_err(|e| e.to_string())?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    client
        .wait()
        .at_most(WAIT)
        .for_url(
            &url::Url::parse(&format!("{library}articles/cdi-treatment"))
                .map_err(|e| e.to_string())?,
        )
        .await
        .map_err(|e| e.to_string())?;
    let title = text_of(client, "h1").await?;
    check(
        title == "Treatment of C. difficile Infection",
        format!("the article's page: h1 is {title:?}"),
    )?;
    // Both articles have a first-line treatment and its dose: this box answers from its own.
    ask(client, "first-line treatment and dose?").await?;
    wait_for(client, "#turn-1 .answer .meta").await?;
    let text = text_of(client, "#turn-1 .answer-text").await?;
    check(
        text.to_lowercase().contains("vancomycin") && !text.to_lowercase().contains("colchicine"),
        format!("the article's box answers from that article alone: {text}"),
    )?;
    screenshot_window(client, "browser-article-page-1280.png").await?;
    let errors = console_errors(client).await?;
    check(
        errors.is_empty(),
        format!("JavaScript errors on the library's pages: {errors:?}"),
    )?;

    // (Its 404 status is in the browser's log, so the log was read before.)

    client
        .goto(&format!("{library}articles/no-such-article"))
        .await
        .map_err(|e| e.to_string())?;
    let title = text_of(client, "h1").await?;
    check(
        title == "Article not found",
        format!("unknown article: h1 is {title:?}"),
    )?;
    client
        .find(Locator::Css("a[href='../']"))
        .await
        .map_err(|e| e.to_string())?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    client
        .wait()
        .at_most(WAIT)
        .for_url(&url::Url::parse(library).map_err(|e| e.to_string())?)
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// The question box is in the window and nothing covers it.
async fn box_is_reachable(client: &Client, when: &str) -> Outcome {
    let seen = client
        .execute(
            "const q = document.getElementById('question'); const r = q.getBoundingClientRect(); \
             const inside = r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth && r.height > 0; \
             const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); \
             return inside && top === q;",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    check(
        seen == json!(true),
        format!("the question box is not reachable ({when})"),
    )
}

/// SEVERE entries of the browser's console log (JavaScript errors, CSP violations).
async fn console_errors(client: &Client) -> Result<Vec<String>, String> {
    let log = client
        .issue_cmd(BrowserLog)
        .await
        .map_err(|e| format!("could not read the browser log: {e}"))?;
    Ok(log
        .as_array()
        .into_iter()
        .flatten()
        .filter(|entry| entry["level"] == "SEVERE")
        .map(|entry| entry["message"].as_str().unwrap_or_default().to_string())
        .collect())
}

/// chromedriver's log command (`goog:loggingPrefs` must ask for the browser log).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(json!({"type": "browser"}).to_string()),
        )
    }
}

/// Saves what the window shows now to `target/<name>`.
async fn screenshot_window(client: &Client, name: &str) -> Outcome {
    let png = client.screenshot().await.map_err(|e| e.to_string())?;
    save(name, png)
}

/// A model answer with a dose whose frequency the rules reject (methotrexate is weekly). Its
/// figure, 1, is written in the passages it cites ("reference 1", "1 mg/kg/day"), so it passes
/// the number check and reaches the dose check; a figure in none of them would not be served.
const WRONG_DOSE: &str = "Methotrexate 1 mg daily is used [S1, S2, S3, S4, S5, S6].";

/// A model answer that holds markup (rejected by the source check).
const HOSTILE: &str =
    "<script>window.pwned = 1</script> <img src=x onerror=window.pwned=2> IVIG is one option [S1].";

async fn ask(client: &Client, question: &str) -> Outcome {
    let input = client
        .find(Locator::Id("question"))
        .await
        .map_err(|e| e.to_string())?;
    input.click().await.map_err(|e| e.to_string())?;
    input.send_keys(question).await.map_err(|e| e.to_string())?;
    input
        .send_keys(&Key::Enter)
        .await
        .map_err(|e| e.to_string())
}

async fn wait_for(client: &Client, css: &str) -> Result<Element, String> {
    client
        .wait()
        .at_most(WAIT)
        .every(Duration::from_millis(50))
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| format!("'{css}' did not appear within {} s: {e}", WAIT.as_secs()))
}

async fn text_of(client: &Client, css: &str) -> Result<String, String> {
    wait_for(client, css)
        .await?
        .text()
        .await
        .map_err(|e| e.to_string())
}

fn check(ok: bool, what: impl Into<String>) -> Outcome {
    if ok { Ok(()) } else { Err(what.into()) }
}

fn save(name: &str, png: Vec<u8>) -> Outcome {
    let path = common::repo().join("target").join(name);
    std::fs::write(&path, png).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("screenshot: {}", path.display());
    Ok(())
}

/// Serves the bundled corpus (indexed under `index`) on a free loopback port; returns its URL.
/// The audit lines written in `dir`.
fn audit_text(dir: &Path) -> Result<String, String> {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with("audit") {
            text.push_str(&std::fs::read_to_string(&path).map_err(|e| e.to_string())?);
        }
    }
    Ok(text)
}

async fn start_server(
    index: &Path,
    llm: Option<&FakeLlm>,
    audit: Option<&Path>,
) -> Result<String, String> {
    start_server_on(&bundled_corpus(), index, llm, audit).await
}

/// The server on `corpus`, on 127.0.0.1; its root URL.
async fn start_server_on(
    corpus: &Path,
    index: &Path,
    llm: Option<&FakeLlm>,
    audit: Option<&Path>,
) -> Result<String, String> {
    let llm = llm.map(|server| server.composer(Duration::from_secs(10)));
    let (state, _) = AppState::open(corpus, index, llm, Settings::default(), false)
        .map_err(|e| e.to_string())?;
    let state = match audit {
        Some(dir) => state.with_audit(
            AuditLog::open(AuditSettings {
                dir: dir.to_path_buf(),
                redact_questions: false,
            })
            .map_err(|e| e.to_string())?,
        ),
        None => state,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router(Arc::new(state))).await;
    });
    Ok(format!("http://{addr}/"))
}

/// Chromium and chromedriver: from MEDCITE_CHROMIUM / MEDCITE_CHROMEDRIVER, else from PATH.
fn find_browser() -> Result<(PathBuf, PathBuf), String> {
    let pick = |var: &str, names: &[&str]| -> Option<PathBuf> {
        if let Some(path) = std::env::var_os(var).map(PathBuf::from) {
            return path.is_file().then_some(path);
        }
        names.iter().find_map(|name| on_path(name))
    };
    let chromium = pick(
        "MEDCITE_CHROMIUM",
        &[
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ],
    );
    let driver = pick("MEDCITE_CHROMEDRIVER", &["chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => Ok((c, d)),
        (None, Some(_)) => Err("Chromium is not installed".into()),
        (Some(_), None) => Err("chromedriver is not installed".into()),
        (None, None) => Err("neither Chromium nor chromedriver is installed".into()),
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// A chromedriver process on a free loopback port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start(binary: &Path) -> Result<Driver, String> {
        let port = StdListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", binary.display()))?;
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        // Poll until it accepts connections (bounded).
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            if started.elapsed() > Duration::from_secs(15) {
                return Err("chromedriver did not start listening within 15 s".into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(driver)
    }

    async fn session(&self, chromium: &Path, profile: &Path) -> Result<Client, String> {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--hide-scrollbars",
                    "--force-device-scale-factor=1",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }),
        );
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .map_err(|e| format!("could not open a Chromium session: {e}"))
    }
}

//! The LLM path against a scripted OpenAI-compatible server on 127.0.0.1: honest answers are
//! returned as `llm` and verified; dishonest or failing ones are retried once, then replaced by
//! the extractive answer with the reason.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::bundled_retriever;
use common::fake_llm::{FakeLlm, Script};
use medcite::answer::{AskEvent, Engine};
use medcite::compose::{LlmComposer, LlmConfig, MAX_LLM_PASSAGES, Prompts};
use medcite::contracts::{AskReply, AskRequest, Mode, ModeChoice, QuoteProblem};
use medcite::dosing::DosingRules;
use tempfile::TempDir;

const QUESTION: &str = "What if the patient relapses on the taper?";

fn engine(server: &FakeLlm, timeout: Duration) -> (TempDir, Engine) {
    let (dir, retriever) = bundled_retriever();
    let rules =
        DosingRules::load(&common::bundled_corpus().join("dosing/rules.toml")).expect("rules");
    let engine =
        Engine::new(retriever, Some(server.composer(timeout))).with_dosing(Arc::new(rules));
    (dir, engine)
}

/// A request for `question` with no history, in `mode`.
fn request(question: &str, mode: ModeChoice) -> AskRequest {
    AskRequest {
        article: None,
        question: question.into(),
        history: Vec::new(),
        k: None,
        mode,
    }
}

/// The last message of the first request the model received: passages and question.
fn first_user_message(server: &FakeLlm) -> String {
    server.requests()[0]["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_string()
}

async fn ask(engine: &Engine, stream: bool) -> (AskReply, Vec<AskEvent>) {
    let request = request(QUESTION, ModeChoice::Auto);
    let mut events = Vec::new();
    let reply = engine
        .ask(&request, stream, &mut |e| events.push(e))
        .await
        .expect("ask");
    (reply, events)
}

fn assert_extractive_fallback(reply: &AskReply, reason_contains: &str) {
    assert_eq!(reply.mode, Mode::Extractive, "{reply:#?}");
    let reason = reply.fallback_reason.as_deref().unwrap_or_default();
    assert!(reason.contains(reason_contains), "reason {reason:?}");
    assert!(reply.verified, "the fallback must verify: {reply:#?}");
    assert!(reply.covered);
    assert!(reply.quotes.iter().all(|q| q.verified));
}

#[tokio::test]
async fn honest_answer_is_returned_as_llm_and_verified() {
    let server = FakeLlm::start(vec![Script::Honest]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&engine, false).await;
    assert_eq!(reply.mode, Mode::Llm, "{reply:#?}");
    assert!(reply.verified && reply.covered);
    assert_eq!(reply.fallback_reason, None);
    assert_eq!(reply.quotes.len(), 1);
    assert!(reply.quotes[0].verified);
    assert_eq!(server.requests().len(), 1);
    let request = &server.requests()[0];
    assert_eq!(request["model"], "fake");
    assert!(
        request["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("[S1]")
    );
}

#[tokio::test]
async fn honest_streamed_answer_arrives_as_draft_then_verified_delta_then_done() {
    let server = FakeLlm::start(vec![Script::Honest]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, events) = ask(&engine, true).await;
    assert_eq!(reply.mode, Mode::Llm);
    assert!(matches!(events.first(), Some(AskEvent::Passages(p)) if !p.is_empty()));
    let drafted: String = events
        .iter()
        .filter_map(|e| match e {
            AskEvent::Draft(d) => Some(d.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(drafted.trim(), reply.answer);
    assert!(
        events
            .iter()
            .filter(|e| matches!(e, AskEvent::Draft(_)))
            .count()
            > 3,
        "the model's words arrive as they are written, as a draft"
    );
    // The verified text comes once, after the draft and after verification, just before done.
    let n = events.len();
    assert!(matches!(&events[n - 2], AskEvent::Delta(text) if *text == reply.answer));
    assert!(
        events[..n - 2]
            .iter()
            .all(|e| !matches!(e, AskEvent::Delta(_)))
    );
    assert!(matches!(events.last(), Some(AskEvent::Done(done)) if **done == reply));
    assert_eq!(server.requests()[0]["stream"], true);
}

#[tokio::test]
async fn fabricated_quote_is_retried_then_falls_back_to_extractive() {
    let server = FakeLlm::start(vec![Script::Fabricated, Script::Fabricated]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&engine, false).await;
    assert_extractive_fallback(&reply, "failed the source check twice");
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "one retry");
    let retry = requests[1]["messages"].to_string();
    assert!(
        retry.contains("is not written word for word in any passage"),
        "{retry}"
    );
    assert!(
        retry.contains("cures every patient"),
        "the retry shows the failed answer"
    );
}

#[tokio::test]
async fn a_retry_that_fixes_the_answer_is_accepted() {
    let server = FakeLlm::start(vec![Script::Fabricated, Script::Honest]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&engine, false).await;
    assert_eq!(reply.mode, Mode::Llm, "{reply:#?}");
    assert!(reply.verified);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn misattributed_quote_is_named_in_the_retry_and_never_verified() {
    let server = FakeLlm::start(vec![Script::Misattributed, Script::Misattributed]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&engine, false).await;
    assert_extractive_fallback(&reply, "is marked [S1] but is written in another passage");
    let retry = server.requests()[1]["messages"].to_string();
    assert!(
        retry.contains("is marked [S1] but is written in another passage"),
        "{retry}"
    );
}

#[tokio::test]
async fn marker_beyond_the_passages_falls_back() {
    let server = FakeLlm::start(vec![Script::UnknownMarker, Script::UnknownMarker]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&engine, false).await;
    assert_extractive_fallback(&reply, "[S9]");
}

#[tokio::test]
async fn persistent_server_error_falls_back_with_the_reason() {
    let server = FakeLlm::start(vec![Script::ServerError; 8]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&engine, false).await;
    assert_extractive_fallback(&reply, "model crashed");
}

#[tokio::test]
async fn a_transient_server_error_is_retried_by_the_client() {
    let server = FakeLlm::start(vec![Script::ServerError, Script::Honest]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&engine, false).await;
    assert_eq!(reply.mode, Mode::Llm, "{reply:#?}");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn the_model_sees_the_best_passages_up_to_the_limit() {
    let server = FakeLlm::start(vec![Script::Honest]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&engine, false).await;
    let seen = common::fake_llm::passages_of(&server.requests()[0]);
    assert_eq!(
        seen.len(),
        reply.passages.len().min(MAX_LLM_PASSAGES),
        "{seen:#?}"
    );
}

#[tokio::test]
async fn slow_model_is_cut_off_at_the_timeout() {
    let server = FakeLlm::start(vec![Script::Slow(Duration::from_secs(60))]).await;
    let (_dir, engine) = engine(&server, Duration::from_millis(500));
    let started = Instant::now();
    let (reply, _) = ask(&engine, false).await;
    assert_extractive_fallback(&reply, "did not answer within 1 s");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "waited for the slow model"
    );
}

#[tokio::test]
async fn reply_that_is_not_json_falls_back() {
    let server = FakeLlm::start(vec![Script::NotJson]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&engine, false).await;
    assert_extractive_fallback(&reply, "could not be read");
}

#[tokio::test]
async fn truncated_stream_falls_back() {
    let server = FakeLlm::start(vec![Script::TruncatedStream]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&engine, true).await;
    assert_eq!(reply.mode, Mode::Extractive, "{reply:#?}");
    assert!(reply.fallback_reason.is_some());
    assert!(reply.verified);
}

#[tokio::test]
async fn unreachable_model_falls_back() {
    // Bind a port, then close it, so nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (_dir, retriever) = bundled_retriever();
    let config = LlmConfig {
        base_url: format!("http://127.0.0.1:{port}/v1"),
        model: "fake".into(),
        api_key: None,
        timeout: Duration::from_secs(10),
    };
    let prompts = Prompts::load(&common::repo().join("prompts")).unwrap();
    let engine = Engine::new(retriever, Some(LlmComposer::new(config, prompts)));
    let (reply, _) = ask(&engine, false).await;
    assert_extractive_fallback(&reply, "could not be reached");
}

#[tokio::test]
async fn a_refusal_despite_a_strong_match_is_retried_pointing_at_the_best_passage() {
    let refusal = Script::Text("The sources do not say.".into());
    let server = FakeLlm::start(vec![refusal, Script::Honest]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&engine, false).await;
    assert_eq!(reply.mode, Mode::Llm, "{reply:#?}");
    assert!(reply.covered && reply.verified, "{reply:#?}");
    let retry = server.requests()[1]["messages"].to_string();
    assert!(
        retry.contains("said the sources do not say") && retry.contains("[S1] matches it best"),
        "{retry}"
    );
}

#[tokio::test]
async fn a_model_that_keeps_refusing_a_strong_match_falls_back_to_the_offline_answer() {
    let refusal = Script::Text("The sources do not say.".into());
    let server = FakeLlm::start(vec![refusal.clone(), refusal]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&engine, false).await;
    assert_extractive_fallback(&reply, "said the sources do not say");
    assert!(!reply.passages.is_empty());
}

#[tokio::test]
async fn an_answer_whose_only_id_names_no_sentence_is_retried_not_served_empty() {
    // "[S1.99]" names no sentence: the point is left with a label and a marker only, which
    // says nothing and is dropped, so the answer cites nothing.
    let nothing = Script::Text("- Relapse: [S1.99]".into());
    let server = FakeLlm::start(vec![nothing, Script::Honest]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&engine, false).await;
    assert_eq!(reply.mode, Mode::Llm, "{reply:#?}");
    assert!(
        reply.verified && !reply.answer.trim().is_empty(),
        "{reply:#?}"
    );
    assert_eq!(reply.quotes.len(), 1, "{reply:#?}");
    let retry = server.requests()[1]["messages"].to_string();
    assert!(retry.contains("cites no passage sentence"), "{retry}");
}

#[tokio::test]
async fn an_answer_quoting_by_sentence_id_gets_the_sentence_verbatim() {
    let server = FakeLlm::start(vec![Script::BySentenceId]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&engine, false).await;
    assert_eq!(reply.mode, Mode::Llm, "{reply:#?}");
    assert!(reply.verified, "{reply:#?}");
    assert!(!reply.answer.contains("[S1.1]"), "{}", reply.answer);
    assert!(reply.quotes[0].verified && reply.quotes[0].marker == "S1");
    // The quoted sentence introduces a list ("… should be considered:"): its options follow.
    assert!(
        reply.quotes.len() > 1 && reply.quotes.iter().all(|q| q.verified),
        "{reply:#?}"
    );
    let prompt = server.requests()[0]["messages"].to_string();
    assert!(prompt.contains("[S1.1] "), "the model sees sentence ids");
    assert!(
        server.requests()[0]["max_tokens"]
            .as_u64()
            .is_some_and(|n| n <= 1_000)
    );
}

#[tokio::test]
async fn off_topic_question_is_declined_without_calling_the_model() {
    let server = FakeLlm::start(vec![Script::Honest]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let request = request(
        "What is the first-line treatment for hypertension?",
        ModeChoice::Auto,
    );
    let reply = engine.ask(&request, false, &mut |_| {}).await.unwrap();
    assert!(!reply.covered);
    assert!(reply.answer.contains("hypertension"), "{}", reply.answer);
    assert!(reply.passages.is_empty() && reply.quotes.is_empty());
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn dishonest_answers_are_never_marked_verified() {
    for script in [
        Script::Fabricated,
        Script::Misattributed,
        Script::UnknownMarker,
    ] {
        let server = FakeLlm::start(vec![script.clone(), script.clone()]).await;
        let (_dir, engine) = engine(&server, Duration::from_secs(10));
        let (reply, _) = ask(&engine, false).await;
        assert_eq!(reply.mode, Mode::Extractive, "{script:?}");
        assert!(
            reply
                .quotes
                .iter()
                .all(|q| q.verified && q.problem.is_none()),
            "{script:?}: {reply:#?}"
        );
        let _ = QuoteProblem::NotFound;
    }
}

#[tokio::test]
async fn a_dose_the_cited_passages_do_not_state_is_never_the_answer() {
    let answer = "Give IVIG 2 g/kg over 2 to 5 days [S1].";
    let server = FakeLlm::start(vec![
        Script::Text(answer.into()),
        Script::Text(answer.into()),
    ])
    .await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&engine, false).await;
    assert_extractive_fallback(&reply, "is not in the passages it cites");
    assert!(!reply.answer.contains("2 to 5 days"), "{reply:#?}");
    assert!(
        reply.dosing.ok,
        "the offline answer states only cited doses: {reply:#?}"
    );
    let retry = server.requests()[1]["messages"].to_string();
    assert!(
        retry.contains("the number"),
        "the retry names the number: {retry}"
    );
}

#[tokio::test]
async fn a_number_from_another_passage_is_retried_naming_the_passage_that_states_it() {
    let server = FakeLlm::start(vec![Script::NumberFromLaterPassage, Script::Honest]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&engine, false).await;
    assert_eq!(reply.mode, Mode::Llm, "{reply:#?}");
    assert_eq!(
        server.requests().len(),
        2,
        "the figure in S1's name is retried"
    );
    let retry = server.requests()[1]["messages"].to_string();
    assert!(retry.contains("states it: cite [S"), "{retry}");
}

#[tokio::test]
async fn an_enormous_reply_is_refused_and_falls_back() {
    let huge = format!(
        "{} [S1].",
        "The sources state this at great length. ".repeat(2_000)
    );
    for stream in [false, true] {
        let server = FakeLlm::start(vec![Script::Text(huge.clone())]).await;
        let (_dir, engine) = engine(&server, Duration::from_secs(10));
        let (reply, _) = ask(&engine, stream).await;
        assert_extractive_fallback(&reply, "longer than");
    }
}

#[tokio::test]
async fn a_borderline_question_goes_to_the_model_and_offline_is_declined() {
    // Only an ordinary word ("washout") is missing from the sources: offline declines, but the
    // model sees the passages and may answer or say the sources do not say.
    const BORDERLINE: &str = "is a washout needed before switching agents?";
    let server = FakeLlm::start(vec![Script::Text("The sources do not say.".into())]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let ask_in = |mode| AskRequest {
        article: None,
        question: BORDERLINE.into(),
        history: Vec::new(),
        k: None,
        mode,
    };
    let offline = engine
        .ask(&ask_in(ModeChoice::Offline), false, &mut |_| {})
        .await
        .unwrap();
    assert!(!offline.covered, "{}", offline.answer);
    assert!(server.requests().is_empty());
    let reply = engine
        .ask(&ask_in(ModeChoice::Auto), false, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 1, "the model was asked");
    assert_eq!(reply.mode, Mode::Llm);
    assert!(!reply.covered, "the model said the sources do not say");
}

#[tokio::test]
async fn a_sentence_the_model_copies_without_its_marker_is_quoted_with_it() {
    let copied = "- IVIG: Particularly effective for necrotizing myopathy.\n";
    let server = FakeLlm::start(vec![Script::Text(copied.into())]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&engine, false).await;
    assert_eq!(reply.mode, Mode::Llm, "{reply:#?}");
    assert!(reply.verified, "{reply:#?}");
    let quote = reply
        .quotes
        .iter()
        .find(|q| q.quote == "Particularly effective for necrotizing myopathy")
        .expect("the copied sentence is quoted");
    let passage = reply
        .passages
        .iter()
        .find(|p| p.marker == quote.marker)
        .expect("the quote names a passage");
    assert!(
        passage
            .text
            .contains("Particularly effective for necrotizing myopathy"),
        "{reply:#?}"
    );
}

#[tokio::test]
async fn the_sentence_that_answers_best_opens_the_answer_when_the_model_leaves_it_out() {
    let offline = {
        let server = FakeLlm::start(Vec::new()).await;
        let (_dir, engine) = engine(&server, Duration::from_secs(10));
        engine
            .ask(&request(QUESTION, ModeChoice::Offline), false, &mut |_| {})
            .await
            .expect("offline ask")
    };
    let opening = &offline.quotes[0].quote;
    // The model copies a side point only.
    let side = "- IVIG: Particularly effective for necrotizing myopathy.\n";
    let server = FakeLlm::start(vec![Script::Text(side.into())]).await;
    let (_dir, side_engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&side_engine, false).await;
    assert_eq!(reply.mode, Mode::Llm, "{reply:#?}");
    assert!(reply.verified, "{reply:#?}");
    assert_eq!(&reply.quotes[0].quote, opening, "{}", reply.answer);
    assert!(
        reply.answer.contains("Particularly effective"),
        "the model's point stays: {}",
        reply.answer
    );
    assert_eq!(
        reply.answer.matches(opening.as_str()).count(),
        1,
        "{}",
        reply.answer
    );
    // A model that quotes the best sentence itself gets nothing added.
    let server = FakeLlm::start(vec![Script::BySentenceId]).await;
    let (_dir2, quoting_engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&quoting_engine, false).await;
    assert_eq!(reply.mode, Mode::Llm, "{reply:#?}");
    assert_eq!(
        reply.answer.matches(opening.as_str()).count(),
        1,
        "{}",
        reply.answer
    );
}

#[tokio::test]
async fn the_points_that_verify_are_kept_when_the_rest_fails_twice() {
    // A model that keeps adding a claim of its own (a figure no passage states, no marker)
    // beside a point that quotes the sources: the reader gets the point, not the claim and not
    // the offline answer in place of the model's.
    let answer = "Most patients relapse, about 90% of them.\n- What the sources say: [S1.1]\n";
    for second in [Script::Text(answer.into()), Script::NotJson] {
        let server = FakeLlm::start(vec![Script::Text(answer.into()), second.clone()]).await;
        let (_dir, engine) = engine(&server, Duration::from_secs(10));
        let (reply, _) = ask(&engine, false).await;
        assert_eq!(server.requests().len(), 2, "{second:?}: one retry first");
        assert_eq!(reply.mode, Mode::Llm, "{second:?}: {reply:#?}");
        assert_eq!(reply.fallback_reason, None);
        assert!(reply.verified && reply.covered, "{reply:#?}");
        assert!(!reply.answer.contains("90%"), "{reply:#?}");
        assert!(!reply.answer.contains("Most patients"), "{reply:#?}");
        assert!(reply.answer.starts_with("- What the sources say: \""));
        // The one point, with the options its lead-in sentence introduces under it.
        assert_eq!(
            reply.answer.lines().filter(|l| l.starts_with("- ")).count(),
            1,
            "{reply:#?}"
        );
        assert!(reply.quotes.iter().all(|q| q.verified), "{reply:#?}");
        let check = medcite::verify::verify(&reply.answer, &reply.passages);
        assert!(check.verified(), "{:?}", check.issues);
    }
}

#[tokio::test]
async fn the_model_is_told_how_the_passages_write_the_questions_abbreviations() {
    let server = FakeLlm::start(vec![Script::Honest]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let request = request(
        "should I check for ILD or heart involvement?",
        ModeChoice::Auto,
    );
    engine.ask(&request, false, &mut |_| {}).await.expect("ask");
    let sent = first_user_message(&server);
    let question_part = &sent[sent.find("Question:").expect("the question")..];
    assert!(
        question_part.contains("ILD: \"interstitial lung disease\""),
        "{question_part}"
    );
    assert!(
        question_part.contains("heart: \"cardiac\""),
        "{question_part}"
    );
}

#[tokio::test]
async fn the_model_reads_first_the_passages_and_sentences_the_offline_answer_quotes() {
    let server = FakeLlm::start(vec![Script::Honest]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let offline_request = request(QUESTION, ModeChoice::Offline);
    let offline = engine
        .ask(&offline_request, false, &mut |_| {})
        .await
        .expect("offline ask");
    assert_eq!(offline.mode, Mode::Extractive);
    let (reply, events) = ask(&engine, false).await;
    assert_eq!(reply.mode, Mode::Llm, "{reply:#?}");
    let sent = first_user_message(&server);
    // Offline replies number their passages in order of first use: S1 is the one quoted first.
    let first = &offline.passages[0];
    let shown_first = sent
        .lines()
        .find(|l| l.starts_with("[S1] "))
        .expect("a first passage");
    assert!(
        shown_first.contains(&first.section),
        "{shown_first} / {first:#?}"
    );
    assert!(sent.contains("(Start with [S1."), "{sent}");
    // The passages event carries the order the model's markers refer to.
    let shown: Vec<&str> = events
        .iter()
        .find_map(|e| match e {
            AskEvent::Passages(p) => Some(p.iter().map(|p| p.chunk_id.as_str()).collect()),
            _ => None,
        })
        .expect("passages event");
    assert_eq!(shown[0], first.chunk_id);
}

#[tokio::test]
async fn what_the_sources_do_not_state_opens_the_models_answer_once() {
    let request = request("how long do we continue IVIG?", ModeChoice::Auto);
    // A model that answers with a quote but does not say the duration is not given.
    let server = FakeLlm::start(vec![Script::Honest]).await;
    let (_dir, first) = engine(&server, Duration::from_secs(10));
    let reply = first.ask(&request, false, &mut |_| {}).await.expect("ask");
    assert_eq!(reply.mode, Mode::Llm, "{reply:#?}");
    assert!(
        reply
            .answer
            .starts_with("The article and its references give no duration for IVIG"),
        "{}",
        reply.answer
    );
    assert!(
        reply.answer.contains("The sources state \""),
        "{}",
        reply.answer
    );
    assert!(medcite::verify::verify(&reply.answer, &reply.passages).verified());
    // A model that says so itself: said once, in the offline answer's words.
    let own = "The sources give no duration for IVIG [S1.2].\n- Effect: [S1.2]";
    let server = FakeLlm::start(vec![Script::Text(own.into())]).await;
    let (_dir2, second) = engine(&server, Duration::from_secs(10));
    let reply = second.ask(&request, false, &mut |_| {}).await.expect("ask");
    assert_eq!(reply.mode, Mode::Llm, "{reply:#?}");
    assert!(
        reply
            .answer
            .starts_with("The article and its references give no duration for IVIG"),
        "{}",
        reply.answer
    );
    assert_eq!(
        reply.answer.matches("give no").count(),
        1,
        "{}",
        reply.answer
    );
}

#[tokio::test]
async fn a_denial_the_model_adds_where_nothing_is_missing_is_left_out() {
    // Small models copy the prompt's "The sources give no duration for this [S1]." under an
    // answer that lacks nothing; the offline answer is the judge of what is not stated.
    let copied = "- Relapse: [S1.1]\n\nThe sources give no duration for this [S1].";
    let server = FakeLlm::start(vec![Script::Text(copied.into())]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, _) = ask(&engine, false).await;
    assert_eq!(reply.mode, Mode::Llm, "{reply:#?}");
    assert!(!reply.answer.contains("give no"), "{}", reply.answer);
    assert!(
        reply.answer.starts_with("- Relapse: \""),
        "{}",
        reply.answer
    );
    assert!(medcite::verify::verify(&reply.answer, &reply.passages).verified());
}

#[tokio::test]
async fn a_quoted_lead_in_is_served_with_the_list_it_introduces() {
    let request = request(
        "rapidly progressive with dysphagia and respiratory compromise: which regimen?",
        ModeChoice::Auto,
    );
    // What the model is shown: the id of the lead-in sentence.
    let probe = FakeLlm::start(vec![Script::Honest]).await;
    let (_dir, first) = engine(&probe, Duration::from_secs(10));
    first.ask(&request, false, &mut |_| {}).await.expect("ask");
    let sent = first_user_message(&probe);
    let id = sent
        .lines()
        .find(|l| l.contains("] For severe, rapidly progressive cases"))
        .and_then(|l| l.split(']').next())
        .map(|id| id.trim_start_matches('['))
        .unwrap_or_else(|| panic!("the lead-in is shown: {sent}"))
        .to_string();
    // A model that quotes only the lead-in, as the 1.5B model does.
    let server = FakeLlm::start(vec![Script::Text(format!("- Severe cases: [{id}]"))]).await;
    let (_dir2, second) = engine(&server, Duration::from_secs(10));
    let reply = second.ask(&request, false, &mut |_| {}).await.expect("ask");
    assert_eq!(reply.mode, Mode::Llm, "{reply:#?}");
    assert!(reply.verified, "{reply:#?}");
    let lines: Vec<&str> = reply.answer.lines().collect();
    assert!(
        lines[0].starts_with("- Severe cases: \"For severe, rapidly progressive cases")
            && lines[0].ends_with("]:"),
        "{}",
        reply.answer
    );
    assert!(
        lines[1..].iter().any(|l| l.starts_with("  - ")
            && l.contains("\"Tacrolimus\"")
            && l.contains("\"IVIG\"")),
        "the regimen follows its lead-in: {}",
        reply.answer
    );
}

#[tokio::test]
async fn the_first_verified_point_arrives_before_the_model_has_finished() {
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let server = FakeLlm::start(vec![Script::TwoPointsPaused(gate.clone())]).await;
    let (_dir, engine) = engine(&server, Duration::from_secs(30));
    let request = request(QUESTION, ModeChoice::Auto);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut send = |e| {
        let _ = tx.send(e);
    };
    let asking = engine.ask(&request, true, &mut send);
    // The model stays paused inside its second point until a point has reached the client:
    // were points held back until the whole answer, this would time out.
    let watching = async {
        let first = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                match rx.recv().await {
                    Some(AskEvent::Point(point)) => break point,
                    Some(AskEvent::Done(_)) | None => panic!("the answer ended before any point"),
                    Some(AskEvent::Delta(_)) => panic!("the verified text came before any point"),
                    Some(_) => {}
                }
            }
        })
        .await
        .expect("a verified point while the model was still writing");
        gate.add_permits(1);
        first
    };
    let (reply, first) = tokio::join!(asking, watching);
    let reply = reply.expect("ask");
    assert!(first.text.starts_with("- \""), "{first:?}");
    assert!(first.text.ends_with("[S1]"), "numbered from S1: {first:?}");
    assert_eq!(first.separator, "");
    assert_eq!(first.passages.len(), 1);
    let passage = &first.passages[0];
    let quote = first.text.split('"').nth(1).expect("a quote");
    assert!(passage.text.contains(quote), "{quote:?} in {passage:?}");
    assert_eq!(reply.mode, Mode::Llm, "{reply:#?}");
    assert!(reply.verified);
    assert!(
        reply.answer.contains(quote),
        "the point is in the final answer: {}",
        reply.answer
    );
    let rest: Vec<AskEvent> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    assert!(matches!(rest.last(), Some(AskEvent::Done(_))));
    assert!(
        rest.iter()
            .any(|e| matches!(e, AskEvent::Delta(text) if *text == reply.answer)),
        "the whole verified answer follows and replaces the points"
    );
}

#[tokio::test]
async fn a_fabricated_point_is_never_sent() {
    let server = FakeLlm::start(vec![
        Script::Text(
            "- \"Rituximab cures every patient within one week\" [S1]\n- More [S1]\n".into(),
        ),
        Script::Fabricated,
    ])
    .await;
    let (_dir, engine) = engine(&server, Duration::from_secs(10));
    let (reply, events) = ask(&engine, true).await;
    assert!(
        !events.iter().any(|e| matches!(e, AskEvent::Point(_))),
        "{events:?}"
    );
    assert_eq!(reply.mode, Mode::Extractive);
}

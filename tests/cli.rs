//! The `medcite` binary as a user runs it: JSON shapes, human output, and error messages.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use common::{bundled_corpus, write_mini_corpus};
use serde_json::Value;
use tempfile::TempDir;

fn medcite(corpus: &Path, index: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medcite"))
        .arg("--corpus")
        .arg(corpus)
        .arg("--index")
        .arg(index)
        .args(args)
        .env_remove("MEDCITE_LLM_BASE_URL")
        .env("NO_COLOR", "1")
        .output()
        .expect("run medcite")
}

/// The keys of a JSON object, sorted.
fn sorted_keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("a JSON object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    keys
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn search_json_has_exactly_the_design_shape() {
    let dir = TempDir::new().unwrap();
    let out = medcite(
        &bundled_corpus(),
        &dir.path().join("index"),
        &[
            "search",
            "rituximab for refractory disease",
            "--json",
            "--k",
            "4",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let reply: Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    let keys = sorted_keys(&reply);
    assert_eq!(keys, ["hits", "query"]);
    assert_eq!(reply["query"], "rituximab for refractory disease");
    let hits = reply["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 4);
    for (n, hit) in hits.iter().enumerate() {
        let mut keys = sorted_keys(hit);
        // A citation expansion also names the passage citing it.
        if hit["via"] == "citation" {
            assert!(hit["cited_by"].is_string(), "{hit}");
            keys.retain(|k| *k != "cited_by");
        } else {
            assert_eq!(hit["via"], "search", "{hit}");
        }
        assert_eq!(
            keys,
            [
                "chunk_id", "cites", "doc_id", "kind", "rank", "score", "section", "text", "title",
                "via"
            ]
        );
        assert_eq!(hit["rank"], n + 1);
        assert!(["article", "reference"].contains(&hit["kind"].as_str().unwrap()));
        assert!(hit["score"].as_f64().unwrap() > 0.0);
    }
    assert!(
        hits[..3]
            .iter()
            .any(|h| h["text"].as_str().unwrap().contains("62%")),
        "{reply:#}"
    );
}

#[test]
fn human_output_shows_rank_place_and_highlighted_terms() {
    let dir = TempDir::new().unwrap();
    let out = medcite(
        &bundled_corpus(),
        &dir.path().join("index"),
        &["search", "rituximab"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("1. "), "{text}");
    assert!(
        text.contains("Treatment of Necrotizing Myopathy › "),
        "{text}"
    );
    assert!(text.contains("**Rituximab**"), "{text}");
}

#[test]
fn human_output_says_which_passage_a_citation_follows() {
    let dir = TempDir::new().unwrap();
    let out = medcite(
        &bundled_corpus(),
        &dir.path().join("index"),
        &["search", "IVIG complement", "--k", "4"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // "3. … [reference, …, score 9.06, cited by 1]": a citation names the earlier hit citing it.
    let citations: Vec<(u32, u32)> = text
        .lines()
        .filter_map(|line| {
            let (rank, rest) = line.split_once(". ")?;
            let by = rest.strip_suffix(']')?.rsplit_once(", cited by ")?.1;
            Some((rank.parse().ok()?, by.parse().ok()?))
        })
        .collect();
    assert!(!citations.is_empty(), "{text}");
    assert!(citations.iter().all(|(rank, by)| by < rank), "{text}");
}

#[test]
fn index_prints_a_summary_and_search_then_uses_it() {
    let dir = TempDir::new().unwrap();
    let index = dir.path().join("index");
    let out = medcite(&bundled_corpus(), &index, &["index"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("passages from 1 article(s) and 6 reference(s)"),
        "{}",
        stdout(&out)
    );
    let out = medcite(&bundled_corpus(), &index, &["search", "IVIG"]);
    assert!(out.status.success());
    assert!(
        !stderr(&out).contains("built the index"),
        "should reuse the index: {}",
        stderr(&out)
    );
}

#[test]
fn empty_query_is_a_clear_error() {
    let dir = TempDir::new().unwrap();
    let out = medcite(
        &bundled_corpus(),
        &dir.path().join("index"),
        &["search", "  "],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("the query is empty"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_corpus_is_a_clear_error() {
    let dir = TempDir::new().unwrap();
    let out = medcite(
        &dir.path().join("nope"),
        &dir.path().join("index"),
        &["search", "IVIG"],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("corpus directory") && err.contains("not found"),
        "{err}"
    );
    assert!(err.contains("--corpus"), "{err}");
}

#[test]
fn invalid_corpus_file_is_named_and_nothing_is_indexed() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    write_mini_corpus(&corpus);
    fs::write(corpus.join("references/broken.md"), "no front matter\n").unwrap();
    let out = medcite(&corpus, &dir.path().join("index"), &["index"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("broken.md: no front matter"), "{err}");
    assert!(!dir.path().join("index/CURRENT").exists());
}

#[test]
fn corrupt_index_says_to_rerun_index_and_index_repairs_it() {
    let dir = TempDir::new().unwrap();
    let index = dir.path().join("index");
    let out = medcite(&bundled_corpus(), &index, &["index"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let generation = fs::read_to_string(index.join("CURRENT")).unwrap();
    fs::write(
        index.join(generation.trim()).join("meta.json"),
        "{ not json",
    )
    .unwrap();

    let out = medcite(&bundled_corpus(), &index, &["search", "IVIG"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("corrupt") && err.contains("run `medcite index`"),
        "{err}"
    );

    let out = medcite(&bundled_corpus(), &index, &["index"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = medcite(&bundled_corpus(), &index, &["search", "IVIG"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn k_out_of_range_is_a_usage_error() {
    let dir = TempDir::new().unwrap();
    let out = medcite(
        &bundled_corpus(),
        &dir.path().join("index"),
        &["search", "IVIG", "--k", "0"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--k"), "{}", stderr(&out));
}

fn medcite_with_env(index: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_medcite"));
    command
        .arg("--corpus")
        .arg(bundled_corpus())
        .arg("--index")
        .arg(index)
        .args(args)
        .env_remove("MEDCITE_LLM_BASE_URL")
        .env_remove("MEDCITE_LLM_MODEL")
        .env("NO_COLOR", "1")
        .current_dir(common::repo());
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run medcite")
}

#[test]
fn ask_json_has_exactly_the_design_shape() {
    let dir = TempDir::new().unwrap();
    let out = medcite(
        &bundled_corpus(),
        &dir.path().join("index"),
        &[
            "ask",
            "What if the patient relapses on the taper?",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let reply: Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    let keys = sorted_keys(&reply);
    assert_eq!(
        keys,
        [
            "answer",
            "articles",
            "covered",
            "dosing",
            "fallback_reason",
            "mode",
            "passages",
            "question",
            "quotes",
            "verified"
        ]
    );
    // A library of one article: the answer comes from it, and says so.
    assert_eq!(
        reply["articles"],
        serde_json::json!([{"id": "necrotizing-myopathy-treatment", "title": "Treatment of Necrotizing Myopathy"}])
    );
    assert_eq!(reply["mode"], "extractive");
    assert_eq!(reply["verified"], true);
    assert_eq!(reply["covered"], true);
    assert!(reply["dosing"]["ok"].is_boolean() && reply["dosing"]["claims"].is_array());
    let passage = &reply["passages"][0];
    let keys = sorted_keys(passage);
    assert_eq!(
        keys,
        ["chunk_id", "doc_id", "marker", "section", "text", "title"]
    );
    let quote = &reply["quotes"][0];
    let keys = sorted_keys(quote);
    assert_eq!(
        keys,
        [
            "chunk_id", "end", "marker", "problem", "quote", "start", "verified"
        ]
    );
}

#[test]
fn history_is_read_from_standard_input_with_a_dash() {
    use std::io::Write;
    let dir = TempDir::new().unwrap();
    let run = |history: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_medcite"))
            .arg("--corpus")
            .arg(bundled_corpus())
            .arg("--index")
            .arg(dir.path().join("index"))
            .args([
                "search",
                "what dose?",
                "--json",
                "--k",
                "3",
                "--history",
                "-",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run medcite");
        if let Some(mut input) = child.stdin.take() {
            input.write_all(history.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    };
    let out = run(r#"[{"role": "user", "content": "tell me about rituximab"}]"#);
    assert!(out.status.success(), "{}", stderr(&out));
    let reply: Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    assert!(
        reply["hits"][0]["text"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("rituximab"),
        "the follow-up searched the previous turn's topic: {reply:#}"
    );
    let out = run("tell me about rituximab");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("history file on standard input must be a JSON array"),
        "{}",
        stderr(&out)
    );
    let help = medcite(
        &bundled_corpus(),
        &dir.path().join("index"),
        &["ask", "--help"],
    );
    assert!(
        stdout(&help).contains("or from standard input when FILE is `-`"),
        "{}",
        stdout(&help)
    );
}

#[test]
fn ask_prints_the_answer_sources_and_mode() {
    let dir = TempDir::new().unwrap();
    let out = medcite(
        &bundled_corpus(),
        &dir.path().join("index"),
        &["ask", "Does rituximab help anti-SRP patients?"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("[S1]") && text.contains("Sources"), "{text}");
    assert!(
        text.contains("mode: offline extractive (no LLM configured"),
        "{text}"
    );
    assert!(text.contains("verified: yes"), "{text}");
    assert!(text.contains("**"), "quoted words are highlighted: {text}");
    // Under "Sources", only the passages the answer cites.
    let (answer, sources) = text.split_once("Sources").expect("a Sources heading");
    let listed: Vec<&str> = sources
        .lines()
        .filter_map(|l| l.strip_prefix('[')?.split_once(']').map(|(m, _)| m))
        .collect();
    assert!(!listed.is_empty(), "{text}");
    for marker in &listed {
        assert!(
            answer.contains(&format!("{marker}]")) || answer.contains(&format!("{marker},")),
            "{marker} is listed but not cited: {text}"
        );
    }
}

#[test]
fn ask_explain_shows_each_candidate_its_features_score_and_fate() {
    let dir = TempDir::new().unwrap();
    let index = dir.path().join("index");
    let question = "starting pred dose?";
    let out = medcite(
        &bundled_corpus(),
        &index,
        &["ask", "--offline", "--explain", "--json", question],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let explanation: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(explanation["covered"], true);
    assert!(
        explanation["aspects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "dose"),
        "{explanation}"
    );
    let candidates = explanation["candidates"].as_array().unwrap();
    assert!(candidates.len() > 1, "{explanation}");
    let scores: Vec<f64> = candidates
        .iter()
        .map(|c| c["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "best first: {scores:?}"
    );
    // The chosen first quote states the asked dose, and says so in its features.
    let first = candidates
        .iter()
        .find(|c| c["chosen"] == 1)
        .expect("a first quote");
    assert!(
        first["quote"].as_str().unwrap().contains("1 mg/kg/day"),
        "{first}"
    );
    let features: Vec<&str> = first["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f[0].as_str().unwrap())
        .collect();
    assert!(
        features.contains(&"states_aspect_of_subject"),
        "{features:?}"
    );
    // Every candidate not chosen says why.
    for candidate in candidates.iter().filter(|c| c["chosen"].is_null()) {
        assert!(candidate["left_out"].is_string(), "{candidate}");
    }

    // As text, after the answer itself.
    let out = medcite(
        &bundled_corpus(),
        &index,
        &["ask", "--offline", "--explain", question],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let (answer, why) = text.split_once("Why this answer").expect("the explanation");
    assert!(answer.contains("1 mg/kg/day"), "{text}");
    assert!(
        why.contains("chosen #1") && why.contains("left out:"),
        "{text}"
    );
}

#[test]
fn ask_off_topic_says_it_is_not_covered() {
    let dir = TempDir::new().unwrap();
    let out = medcite(
        &bundled_corpus(),
        &dir.path().join("index"),
        &[
            "ask",
            "What is the first-line treatment for hypertension?",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let reply: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(reply["covered"], false);
    assert_eq!(reply["passages"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_uses_the_llm_named_by_the_environment() {
    use common::fake_llm::{FakeLlm, Script};
    let server = FakeLlm::start(vec![Script::Honest]).await;
    let dir = TempDir::new().unwrap();
    let index = dir.path().join("index");
    let env = vec![
        ("MEDCITE_LLM_BASE_URL", server.base_url()),
        ("MEDCITE_LLM_MODEL", "fake".to_string()),
        ("MEDCITE_LLM_TIMEOUT_SECS", "10".to_string()),
    ];
    let run =
        |args: Vec<&'static str>, env: Vec<(&'static str, String)>, index: std::path::PathBuf| {
            tokio::task::spawn_blocking(move || medcite_with_env(&index, &args, &env))
        };
    let out = run(
        vec![
            "ask",
            "What if the patient relapses on the taper?",
            "--json",
        ],
        env.clone(),
        index.clone(),
    )
    .await
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let reply: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(reply["mode"], "llm", "{reply:#}");
    assert_eq!(reply["verified"], true);
    assert_eq!(server.requests().len(), 1);

    let out = run(
        vec!["ask", "IVIG?", "--offline", "--json"],
        env.clone(),
        index.clone(),
    )
    .await
    .unwrap();
    let reply: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(reply["mode"], "extractive");
    assert_eq!(
        server.requests().len(),
        1,
        "--offline never calls the model"
    );
}

#[test]
fn missing_prompt_files_are_a_clear_start_up_error() {
    let dir = TempDir::new().unwrap();
    let env = vec![
        ("MEDCITE_LLM_BASE_URL", "http://127.0.0.1:9/v1".to_string()),
        ("MEDCITE_LLM_MODEL", "fake".to_string()),
        ("MEDCITE_PROMPTS", dir.path().display().to_string()),
    ];
    let out = medcite_with_env(&dir.path().join("index"), &["ask", "IVIG?"], &env);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("answer.md") && err.contains("MEDCITE_PROMPTS"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

fn check_dosing(args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_medcite"))
        .arg("--corpus")
        .arg(bundled_corpus())
        .arg("check-dosing")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run medcite");
    if let Some(mut input) = child.stdin.take() {
        input
            .write_all(stdin.unwrap_or_default().as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

#[test]
fn check_dosing_flags_daily_methotrexate_and_exits_1() {
    let out = check_dosing(&["Give methotrexate 15 mg daily", "--json"], None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["claims"][0]["verdict"], "wrong_frequency");
    assert_eq!(report["claims"][0]["rule"], "methotrexate-weekly");
}

#[test]
fn check_dosing_accepts_weekly_methotrexate_from_stdin_and_exits_0() {
    let out = check_dosing(&["-"], Some("methotrexate 15 mg once weekly"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("- ok: methotrexate 15 mg once weekly"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn check_dosing_without_text_is_a_usage_error() {
    let out = check_dosing(&[], Some("  \n"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no text to check"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn every_dose_in_the_article_passes_the_check() {
    let article = std::fs::read_to_string(
        bundled_corpus().join("articles/necrotizing-myopathy-treatment.md"),
    )
    .unwrap();
    let out = check_dosing(&["--json"], Some(&article));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert!(
        report["claims"].as_array().unwrap().len() >= 3,
        "{report:#}"
    );
}

#[test]
fn ask_fills_the_dosing_check_for_doses_it_quotes() {
    let dir = TempDir::new().unwrap();
    let out = medcite(
        &bundled_corpus(),
        &dir.path().join("index"),
        &["ask", "what starting steroid dose would you use?", "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let reply: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let claims = reply["dosing"]["claims"].as_array().unwrap();
    assert!(
        claims.iter().any(|c| c["drug"] == "prednisone"),
        "{reply:#}"
    );
    assert_eq!(reply["dosing"]["ok"], true, "{reply:#}");
}

/// Three PubMedQA dev items (MIT licence, `tests/data/pubmedqa_LICENSE`): one with an `F [1,306]`
/// statistic, one whose methods start "1.", one unlabelled and without a year.
fn pubmedqa_sample() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pubmedqa_sample.json")
}

#[test]
fn imported_pubmedqa_items_are_a_corpus_that_search_and_ask_accept() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("pq");
    let index = dir.path().join("index");
    let gold = dir.path().join("own.toml");
    let out = medcite(
        &corpus,
        &index,
        &[
            "import-pubmedqa",
            pubmedqa_sample().to_str().unwrap(),
            "--out",
            corpus.to_str().unwrap(),
            "--gold",
            gold.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("wrote 3 article(s)"),
        "{}",
        stdout(&out)
    );

    let article = fs::read_to_string(corpus.join("articles/pubmedqa-23252468.md")).unwrap();
    assert!(article.contains("pmid = \"23252468\""), "{article}");
    assert!(article.contains("\n## Conclusion\n"), "{article}");
    let gold: toml::Table = toml::from_str(&fs::read_to_string(&gold).unwrap()).unwrap();
    let questions = gold["question"].as_array().unwrap();
    assert_eq!(questions.len(), 3);
    assert_eq!(questions[0]["doc"].as_str(), Some("pubmedqa-11713724"));

    let out = medcite(
        &corpus,
        &index,
        &[
            "search",
            "migraineurs attend headache-related stimuli",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let reply: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(reply["hits"][0]["doc_id"], "pubmedqa-23252468");

    let out = medcite(
        &corpus,
        &index,
        &[
            "ask",
            "Is double-balloon enteroscopy an accurate method to diagnose small-bowel disorders?",
            "--offline",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let reply: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(reply["verified"], true);
    assert_eq!(reply["covered"], true);
    assert_eq!(reply["passages"][0]["doc_id"], "pubmedqa-17593459");
}

#[test]
fn import_leaves_out_the_listed_items_and_refuses_a_used_folder() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("pq");
    let list = dir.path().join("out.txt");
    let left_out = dir.path().join("left_out.toml");
    fs::write(&list, "# held back\n17593459\n").unwrap();
    let sample = pubmedqa_sample();
    let args = [
        "import-pubmedqa",
        sample.to_str().unwrap(),
        "--out",
        corpus.to_str().unwrap(),
        "--exclude",
        list.to_str().unwrap(),
        "--gold-left-out",
        left_out.to_str().unwrap(),
    ];
    let out = medcite(&corpus, &dir.path().join("index"), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("wrote 2 article(s)"),
        "{}",
        stdout(&out)
    );
    assert!(!corpus.join("articles/pubmedqa-17593459.md").exists());
    let gold: toml::Table = toml::from_str(&fs::read_to_string(&left_out).unwrap()).unwrap();
    let questions = gold["question"].as_array().unwrap();
    assert_eq!(questions.len(), 1);
    assert_eq!(questions[0]["covered"].as_bool(), Some(false));

    let again = medcite(&corpus, &dir.path().join("index"), &args);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already holds articles"),
        "{}",
        stderr(&again)
    );
}

/// `eval` on the bundled gold: every figure for all questions, the train part and the test part,
/// the parts adding up to the whole; the test part's misses only counted unless --all.
#[test]
fn eval_reports_train_and_test_apart_and_shows_test_misses_only_with_all() {
    let dir = TempDir::new().unwrap();
    let index = dir.path().join("index");
    let gold = common::repo().join("tests/gold");
    let gold = gold.to_str().unwrap();
    let out = medcite(
        &bundled_corpus(),
        &index,
        &["eval", "--gold", gold, "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let retrieval = &json["retrieval"];
    let count = |v: &Value, key: &str| v[key].as_u64().unwrap();
    let (train, test) = (&retrieval["train"], &retrieval["test"]);
    assert_eq!(count(retrieval, "questions"), 45);
    assert_eq!(
        (count(train, "questions"), count(test, "questions")),
        (34, 11)
    );
    // recall@1 of the whole is the parts' weighted together.
    let r1 = |v: &Value| v["recall_at_1"].as_f64().unwrap() * v["questions"].as_f64().unwrap();
    assert!(
        (r1(retrieval) - r1(train) - r1(test)).abs() < 1e-9,
        "{retrieval:#}"
    );
    let coverage = &json["coverage"];
    for key in ["gold", "gold_covered", "off_topic", "off_topic_declined"] {
        let parts = count(&coverage["train"], key) + count(&coverage["test"], key);
        assert_eq!(parts, count(coverage, key), "{key}");
    }
    assert_eq!(count(&coverage["test"], "off_topic"), 6);
    let test_misses = ["retrieval", "coverage"]
        .iter()
        .flat_map(|r| json[r]["misses"].as_array().unwrap())
        .filter(|m| m["part"] == "test")
        .count();

    let out = medcite(&bundled_corpus(), &index, &["eval", "--gold", gold]);
    let text = stdout(&out);
    assert!(text.contains("hold-out split: 34 train, 11 test"), "{text}");
    let header = text.lines().nth(1).unwrap_or_default();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["all", "train", "test"]
    );
    assert!(!text.contains("[test]"), "{text}");
    let out = medcite(
        &bundled_corpus(),
        &index,
        &["eval", "--gold", gold, "--all"],
    );
    assert_eq!(stdout(&out).matches("  [test] ").count(), test_misses);
}

/// A gold folder without `test` ids reports as before: one part, no train or test figures.
#[test]
fn eval_without_a_split_reports_one_part() {
    let dir = TempDir::new().unwrap();
    let gold = dir.path().join("gold");
    fs::create_dir_all(&gold).unwrap();
    fs::write(
        gold.join("retrieval.toml"),
        "[[question]]\nid = \"q1\"\nquestion = \"IVIG dose?\"\nexpect = \"IVIG\"\n",
    )
    .unwrap();
    fs::write(
        gold.join("offtopic.toml"),
        "[[question]]\nid = \"o1\"\nquestion = \"hypertension first line?\"\n",
    )
    .unwrap();
    let index = dir.path().join("index");
    let args = ["eval", "--gold", gold.to_str().unwrap(), "--json"];
    let out = medcite(&bundled_corpus(), &index, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["retrieval"]["questions"], 1);
    assert!(json["retrieval"].get("train").is_none() && json["coverage"].get("test").is_none());
    let out = medcite(&bundled_corpus(), &index, &args[..3]);
    assert!(!stdout(&out).contains("train"), "{}", stdout(&out));
}

#[test]
fn eval_names_a_test_id_that_is_no_question() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("quality.toml");
    fs::write(
        &path,
        "test = [\"f1\", \"f9\"]\n\n[[question]]\nid = \"f1\"\nquestion = \"IVIG dose?\"\ncovered = true\n",
    )
    .unwrap();
    let index = dir.path().join("index");
    let out = medcite(
        &bundled_corpus(),
        &index,
        &["eval", "--quality", path.to_str().unwrap()],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("f9") && err.contains("quality.toml"), "{err}");
    assert!(!err.contains("f1,"), "{err}");
}

//! Inputs saved from fuzzing (tests/data/fuzz/<target>/), replayed through the same code the
//! fuzz targets in fuzz/ drive; see RELIABILITY.md for running the fuzzers.

mod common;

use std::fs;
use std::path::Path;

use common::{bundled_corpus, bundled_retriever, repo};
use medcite::contracts::{AskRequest, DocKind, Passage, Turn};
use medcite::corpus::parse_document;
use medcite::dosing::{DosingRules, check_against_sources, check_text};
use medcite::retrieve::SearchRequest;
use medcite::verify::verify;

fn inputs(target: &str) -> Vec<(String, String)> {
    let dir = repo().join("tests/data/fuzz").join(target);
    let mut out = Vec::new();
    for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
        let bytes = fs::read(entry.path()).unwrap();
        out.push((
            entry.file_name().to_string_lossy().into_owned(),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }
    out
}

/// Splits `text` near its middle on a char boundary (as the dosing target does).
fn halves(text: &str) -> (&str, &str) {
    let middle = (0..=text.len() / 2)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    text.split_at(middle)
}

#[test]
fn saved_dosing_inputs_are_checked_deterministically() {
    let rules = DosingRules::load(&bundled_corpus().join("dosing/rules.toml")).unwrap();
    let saved = inputs("dosing");
    assert!(
        !saved.is_empty(),
        "the first saved input is in tests/data/fuzz/dosing"
    );
    for (_, text) in saved {
        assert_eq!(check_text(&rules, &text), check_text(&rules, &text));
        let (answer, source) = halves(&text);
        let _ = check_against_sources(&rules, answer, &[source]);
    }
}

#[test]
fn saved_inputs_of_the_other_targets_do_not_panic() {
    for (_, text) in inputs("ingest") {
        let _ = parse_document(DocKind::Article, Path::new("articles/demo.md"), &text);
    }
    let passages = vec![Passage {
        marker: "S1".into(),
        chunk_id: "doc#1".into(),
        doc_id: "doc".into(),
        title: "Doc".into(),
        section: "Section".into(),
        text: "Rituximab:\n- Effective in approximately 62% of patients".into(),
        ..Default::default()
    }];
    for (_, text) in inputs("verify") {
        let _ = verify(&text, &passages);
    }
    let (_dir, retriever) = bundled_retriever();
    for (_, text) in inputs("query") {
        let history = [Turn {
            role: "user".into(),
            content: text.clone(),
        }];
        let request = SearchRequest {
            article: None,
            query: &text,
            history: &history,
            k: 10,
        };
        let hits = retriever.search(&request).unwrap_or_default();
        let _ = retriever.coverage(&request, &hits);
    }
    for (_, text) in inputs("http_json") {
        let _ = serde_json::from_str::<AskRequest>(&text);
    }
}

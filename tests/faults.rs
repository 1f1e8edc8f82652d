//! Faults around indexing: a build killed midway never replaces the serving index.

mod common;

use std::fs;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{bundled_corpus, write_mini_corpus};
use medcite::bench::synth::{Material, generate};
use medcite::corpus::Corpus;
use medcite::index::{SearchIndex, build_from_dir};
use medcite::retrieve::{Retriever, SearchRequest, Synonyms};
use tempfile::TempDir;

#[test]
fn a_build_killed_midway_leaves_the_old_index_serving() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    let root = dir.path().join("index");
    write_mini_corpus(&corpus);
    let first = build_from_dir(&corpus, &root, false).unwrap();

    // The corpus grows large enough that rebuilding takes a while, then the build is killed.
    let material = Material::from_corpus(&Corpus::load(&bundled_corpus()).unwrap());
    generate(&material, 250, 1, &corpus, Some(&bundled_corpus())).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_medcite"))
        .arg("--corpus")
        .arg(&corpus)
        .arg("--index")
        .arg(&root)
        .arg("index")
        .spawn()
        .unwrap();
    let started = Instant::now();
    let building = || {
        fs::read_dir(&root)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("build-"))
    };
    while !building() && started.elapsed() < Duration::from_secs(60) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let finished_first = child.try_wait().unwrap().is_some();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !finished_first,
        "the build finished before it could be killed"
    );

    let index = SearchIndex::open(&root).unwrap();
    assert_eq!(
        index.generation, first.generation,
        "CURRENT still names the old index"
    );
    assert_eq!(index.manifest.chunks, first.manifest.chunks);
    let retriever = Retriever::new(index, Synonyms::default());
    let hits = retriever
        .search(&SearchRequest {
            query: "rituximab refractory",
            history: &[],
            k: 3,
        })
        .unwrap();
    assert_eq!(hits[0].doc_id, "mini");

    // The next build completes and becomes current.
    let second = build_from_dir(&corpus, &root, false).unwrap();
    assert_ne!(second.generation, first.generation);
    assert_eq!(
        SearchIndex::open(&root).unwrap().generation,
        second.generation
    );
}

//! Helpers shared by the integration tests: the bundled corpus, temporary indexes, small
//! corpora written on the fly, and a scripted LLM server.
#![allow(dead_code)]

pub mod fake_llm;

use std::fs;
use std::path::{Path, PathBuf};

use medcite::retrieve::Retriever;
use tempfile::TempDir;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn bundled_corpus() -> PathBuf {
    repo().join("corpus")
}

/// A retriever over the bundled corpus, indexed into a fresh temporary directory.
pub fn bundled_retriever() -> (TempDir, Retriever) {
    let dir = TempDir::new().expect("temp dir");
    let (retriever, _) =
        Retriever::open(&bundled_corpus(), &dir.path().join("index"), false).expect("open");
    (dir, retriever)
}

/// Copies a corpus folder (recursively) to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Writes a small article citing one reference, for tests that change or break a corpus.
pub fn write_mini_corpus(root: &Path) {
    fs::create_dir_all(root.join("articles")).expect("mkdir");
    fs::create_dir_all(root.join("references")).expect("mkdir");
    fs::write(
        root.join("articles/mini.md"),
        "+++\nid = \"mini\"\ntitle = \"Mini Article\"\nquestion = \"How is the mini disease treated?\"\nupdated = \"2025-01-01\"\n\n[references]\n1 = \"mini-ref\"\n+++\n\n# Mini Article\n\nRituximab is used in refractory mini disease [1].\n\n## Dosing\n\nHigh-dose prednisone is given first.\n\nRituximab dosing is 1000 mg on two occasions two weeks apart [1].\n",
    )
    .expect("write article");
    fs::write(
        root.join("references/mini-ref.md"),
        "+++\nid = \"mini-ref\"\ntitle = \"Reference 1 of the mini article (publication not identified)\"\nidentified = false\nconfidence = \"unknown\"\ncited_for = \"Rituximab in refractory mini disease.\"\n+++\n\n## What the article cites it for\n\nThe mini article cites its reference 1 for rituximab in refractory disease.\n",
    )
    .expect("write reference");
}

/// A corpus at `root` (no references) of one article `id`, its Markdown `text`.
pub fn write_one_article(root: &Path, id: &str, text: &str) {
    fs::create_dir_all(root.join("articles")).expect("mkdir");
    fs::create_dir_all(root.join("references")).expect("mkdir");
    fs::write(root.join(format!("articles/{id}.md")), text).expect("write article");
}

/// Two articles of other subjects, added from page text the test writes.
pub fn write_two_articles(root: &Path) -> PathBuf {
    // No dosing/ folder: the compiled formulary checks the doses.
    add_pages(
        root,
        &[
            (
                "gout-flare",
                "Treatment of Gout Flares\nColchicine is first-line for an acute gout flare. 1\nColchicine\n- Loading dose: 1.2 mg, then 0.6 mg one hour later 1\n- Maximum dose for acute treatment is 1.8 mg over one hour 1, 2\nDuration\n- Continue until the flare resolves 2\n",
            ),
            (
                "cdi-treatment",
                "Treatment of C. difficile Infection\nOral vancomycin is first-line for C. difficile infection. 1\nVancomycin\n- Dose: 125 mg orally four times daily for 10 days 1\nFidaxomicin\n- Dose: 200 mg twice daily for 10 days 2\nMetronidazole\n- Dose: 500 mg orally three times daily for 10 days 2\n",
            ),
        ],
    )
}

/// A library at `root/corpus` of pages (id, page text) written under `root/pages` and added
/// with `medcite add`, in order: the corpus folder.
pub fn add_pages(root: &Path, pages: &[(&str, &str)]) -> PathBuf {
    let dir = root.join("pages");
    fs::create_dir_all(&dir).unwrap();
    let corpus = root.join("corpus");
    for (id, text) in pages {
        let page = dir.join(format!("{id}.txt"));
        fs::write(&page, text).unwrap();
        medcite::add::add_file(&page, &corpus).unwrap();
    }
    corpus
}

/// `medcite ask QUESTION --json --article ARTICLE` on `corpus` and `index`, offline: its reply.
pub fn ask_in_article(
    corpus: &Path,
    index: &Path,
    article: &str,
    question: &str,
) -> medcite::contracts::AskReply {
    let out = run_offline(
        corpus,
        index,
        &["ask", question, "--json", "--article", article],
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `medcite ask QUESTION --json --article ARTICLE --history FILE` on `corpus` and `index`,
/// offline, after the user turns `earlier` (oldest first): its reply.
pub fn ask_after(
    corpus: &Path,
    index: &Path,
    article: &str,
    earlier: &[&str],
    question: &str,
) -> medcite::contracts::AskReply {
    let turns: Vec<serde_json::Value> = earlier
        .iter()
        .map(|content| serde_json::json!({"role": "user", "content": content}))
        .collect();
    let history = index.with_extension("history.json");
    fs::write(&history, serde_json::to_string(&turns).unwrap()).unwrap();
    let out = run_offline(
        corpus,
        index,
        &[
            "ask",
            question,
            "--json",
            "--article",
            article,
            "--history",
            history.to_str().unwrap(),
        ],
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `medcite --corpus CORPUS --index INDEX ARGS...` with no LLM configured; fails the test when
/// it does not succeed.
pub fn run_offline(corpus: &Path, index: &Path, args: &[&str]) -> std::process::Output {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_medcite"))
        .arg("--corpus")
        .arg(corpus)
        .arg("--index")
        .arg(index)
        .args(args)
        .env_remove("MEDCITE_LLM_BASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "medcite {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

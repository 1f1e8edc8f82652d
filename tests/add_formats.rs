//! `medcite add` on each format beyond page text: a saved HTML page, JATS XML with its own
//! reference list, PubMed XML records, Markdown with TOML or YAML front matter, a numbered
//! reference list given beside the article; what each yields (sections, list items, table rows,
//! markers, references traced or untraced), and the library those make answering a scoped ask
//! from the right article. The fixtures (tests/data/add/) are fictional, written for these tests.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use medcite::add::{AddError, AddOptions, AddReport, add_file, add_file_with};
use medcite::contracts::AskReply;
use medcite::corpus::{Corpus, DocMeta, ReferenceMeta};
use tempfile::TempDir;

fn fixture(name: &str) -> PathBuf {
    common::repo().join("tests/data/add").join(name)
}

fn with_refs(files: &[&str]) -> AddOptions {
    AddOptions {
        references: files.iter().map(|f| fixture(f)).collect(),
    }
}

/// Each article chunk as (section, text, citation numbers).
fn chunks(corpus: &Corpus, id: &str) -> Vec<(String, String, Vec<String>)> {
    let doc = corpus.document(id).expect("article");
    let DocMeta::Article(meta) = &doc.meta else {
        panic!("{id} is not an article");
    };
    let number: BTreeMap<&String, &String> = meta.references.iter().map(|(n, r)| (r, n)).collect();
    doc.chunks
        .iter()
        .map(|c| {
            let cites = c.cites.iter().map(|r| number[r].clone()).collect();
            (c.section.clone(), c.text.clone(), cites)
        })
        .collect()
}

fn reference(corpus: &Corpus, id: &str) -> (ReferenceMeta, String) {
    let doc = corpus
        .document(id)
        .unwrap_or_else(|| panic!("no note {id}"));
    let DocMeta::Reference(meta) = &doc.meta else {
        panic!("{id} is not a reference");
    };
    (meta.clone(), doc.body.clone())
}

fn markers(report: &AddReport) -> Vec<u32> {
    report.markers.iter().copied().collect()
}

fn find<'a>(
    chunks: &'a [(String, String, Vec<String>)],
    start: &str,
) -> &'a (String, String, Vec<String>) {
    chunks
        .iter()
        .find(|(_, t, _)| t.starts_with(start))
        .unwrap_or_else(|| panic!("no chunk starting {start:?} in {chunks:#?}"))
}

#[test]
fn a_saved_html_page_gives_sections_lists_tables_markers_and_its_reference_list() {
    let dir = TempDir::new().unwrap();
    let report = add_file(&fixture("alpha-fever.html"), dir.path()).unwrap();
    assert_eq!(report.id, "alpha-fever");
    assert_eq!(report.format, "HTML");
    assert_eq!(report.title, "Treatment of Alpha Fever");
    assert_eq!((report.sections, report.bullets, report.tables), (3, 3, 1));
    assert_eq!(markers(&report), [1, 2, 3]);
    assert_eq!((report.references, report.traced), (3, 2));
    assert!(report.furniture >= 2, "{report:?}");

    let corpus = Corpus::load(dir.path()).unwrap();
    let DocMeta::Article(meta) = &corpus.document("alpha-fever").unwrap().meta else {
        unreachable!()
    };
    assert_eq!(meta.updated, "2026-03-03");
    assert_eq!(meta.review_status.as_deref(), Some("pending human review"));
    let chunks = chunks(&corpus, "alpha-fever");
    let all: String = chunks.iter().map(|(_, t, _)| t.as_str()).collect();
    for furniture in [
        "Topics",
        "Related: Beta",
        "Personalize",
        "not advice",
        "Last updated",
        "Example A",
        "font-family",
    ] {
        assert!(!all.contains(furniture), "{furniture} is indexed: {all}");
    }
    let first = find(&chunks, "Fixturol is the first-line");
    assert_eq!(first.2, ["1"]);
    let adults = find(
        &chunks,
        "Adults: fixturol 10 mg orally once daily for 7 days",
    );
    assert_eq!(adults.0, "Dosing");
    assert_eq!(adults.2, ["1", "2"]);
    // The unit's exponent is not a citation.
    assert!(all.contains("30 mL/min/1.73 m²"), "{all}");
    // The table's rows keep their cells, each row a passage with its cells under their headers.
    assert!(
        chunks
            .iter()
            .any(|(s, t, _)| s == "Severity"
                && t.contains("Parameter: Temperature; Mild: below 39 °C")),
        "{chunks:?}"
    );
    let monitoring = find(&chunks, "Check the temperature daily");
    assert_eq!(monitoring.0, "Severity › Monitoring");
    assert_eq!(monitoring.2, ["2", "3"]);

    // Reference 1 names its PMID and DOI in the list: traced, confirmed, facts as listed.
    let (one, body) = reference(&corpus, "alpha-fever-ref-1");
    assert!(one.identified && one.confidence == "confirmed");
    assert_eq!(one.authors, ["Example A", "Sample B"]);
    assert_eq!(one.journal.as_deref(), Some("J Test Fixtures"));
    assert_eq!(one.year, Some(2021));
    assert_eq!(one.pmid.as_deref(), Some("90000001"));
    assert_eq!(one.doi.as_deref(), Some("10.5555/fixture.1"));
    assert_eq!(
        one.cited_for,
        "Fixturol is the first-line treatment for alpha fever in adults."
    );
    assert!(body.contains("abstract was not added"), "{body}");
    // Reference 2 gives no identifier: its facts are kept, but it is untraced.
    let (two, _) = reference(&corpus, "alpha-fever-ref-2");
    assert!(!two.identified && two.confidence == "unknown");
    assert_eq!(two.title, "Admission criteria in alpha fever");
    assert!(two.citation_line().contains("not traced"));
}

#[test]
fn a_jats_article_maps_its_xrefs_to_its_reference_list_and_pubmed_adds_the_abstract() {
    let dir = TempDir::new().unwrap();
    let report = add_file_with(
        &fixture("beta-syndrome.xml"),
        dir.path(),
        &with_refs(&["beta-pubmed.xml"]),
    )
    .unwrap();
    assert_eq!(report.format, "JATS XML");
    assert_eq!(
        report.title,
        "Management of Beta Syndrome: A Fictional Review"
    );
    assert_eq!(markers(&report), [1, 2, 3, 4]);
    assert_eq!(report.bullets, 2);
    assert_eq!(report.tables, 1);
    assert_eq!(
        (report.references, report.traced, report.abstracts),
        (4, 3, 1)
    );
    assert_eq!(report.listed_not_cited, [5]);
    assert_eq!(report.unmatched_records, ["A record no reference names"]);
    assert!(
        report.unread.iter().any(|u| u.contains("figure")),
        "{:?}",
        report.unread
    );

    let corpus = Corpus::load(dir.path()).unwrap();
    let DocMeta::Article(meta) = &corpus.document("beta-syndrome").unwrap().meta else {
        unreachable!()
    };
    assert_eq!(meta.updated, "2025-02-14");
    let chunks = chunks(&corpus, "beta-syndrome");
    let first = find(&chunks, "Testamycin 200 mg twice daily for 5 days");
    assert_eq!(first.0, "Treatment");
    assert_eq!(first.2, ["1", "2"]);
    // "(2–4)" is the range 2, 3, 4.
    let lead = find(&chunks, "When testamycin cannot be used");
    assert_eq!(lead.0, "Treatment › Alternatives");
    assert_eq!(lead.2, ["2", "3", "4"]);
    find(&chunks, "Fixturol 10 mg once daily for 7 days");
    let supportive = find(&chunks, "Supportive care alone in mild cases");
    assert_eq!(supportive.2, ["3"]);
    let abstract_conclusion = find(&chunks, "Testamycin is preferred over placebo");
    assert!(abstract_conclusion.0.starts_with("Abstract"));
    assert!(
        chunks
            .iter()
            .any(|(_, t, _)| t.contains("Supportive care") && t.contains('9'))
    );

    // Reference 1: the PubMed record by PMID, its abstract as the body.
    let (one, body) = reference(&corpus, "beta-syndrome-ref-1");
    assert!(one.identified && one.confidence == "confirmed");
    assert_eq!(one.title, "Testamycin in beta syndrome: a fictional trial");
    assert_eq!(one.authors, ["Example A", "Sample B"]);
    assert_eq!(one.year, Some(2020));
    assert_eq!(one.pages.as_deref(), Some("10-18"));
    assert!(body.contains("## Results"), "{body}");
    assert!(body.contains("median of 4 days"), "{body}");
    // Reference 2: the article's own list (DOI, et al.), no record.
    let (two, _) = reference(&corpus, "beta-syndrome-ref-2");
    assert!(two.identified && two.authors_incomplete);
    assert_eq!(two.doi.as_deref(), Some("10.5555/fixture.12"));
    // Reference 3: a consensus statement with no identifier stays untraced.
    let (three, _) = reference(&corpus, "beta-syndrome-ref-3");
    assert!(!three.identified && three.confidence == "unknown");
    assert!(corpus.document("beta-syndrome-ref-5").is_none());
}

#[test]
fn markdown_with_toml_or_yaml_front_matter_keeps_its_fields() {
    let dir = TempDir::new().unwrap();
    let report = add_file(&fixture("gamma-note.md"), dir.path()).unwrap();
    assert_eq!(report.format, "Markdown");
    assert_eq!(markers(&report), [1, 2]);
    assert_eq!((report.sections, report.bullets, report.tables), (1, 2, 1));
    assert_eq!(report.traced, 0);
    let corpus = Corpus::load(dir.path()).unwrap();
    let DocMeta::Article(meta) = &corpus.document("gamma-note").unwrap().meta else {
        unreachable!()
    };
    assert_eq!(meta.title, "Gamma Rash: Treatment");
    assert_eq!(meta.question, "How is gamma rash treated?");
    assert_eq!(meta.updated, "2026-01-15");
    let chunks = chunks(&corpus, "gamma-note");
    assert_eq!(find(&chunks, "Refer to dermatology").2, ["1", "2"]);
    assert!(
        chunks
            .iter()
            .any(|(_, t, c)| t.contains("Spreading rash") && c == &["2"])
    );

    // YAML front matter, bare markers, and the numbered list given beside it.
    let report = add_file_with(
        &fixture("delta-cough.md"),
        dir.path(),
        &with_refs(&["delta-refs.txt"]),
    )
    .unwrap();
    assert_eq!(markers(&report), [1, 2]);
    assert_eq!((report.references, report.traced), (2, 1));
    let corpus = Corpus::load(dir.path()).unwrap();
    let DocMeta::Article(meta) = &corpus.document("delta-cough").unwrap().meta else {
        unreachable!()
    };
    assert_eq!(meta.title, "Delta Cough");
    assert_eq!(meta.question, "What is the treatment for delta cough?");
    assert_eq!(meta.updated, "2025-11-02");
    let (one, _) = reference(&corpus, "delta-cough-ref-1");
    assert!(one.identified);
    assert_eq!(one.pmid.as_deref(), Some("90000021"));
    let (two, _) = reference(&corpus, "delta-cough-ref-2");
    assert!(!two.identified);
}

#[test]
fn a_page_text_with_a_numbered_reference_list_at_its_end() {
    let dir = TempDir::new().unwrap();
    let page = dir.path().join("epsilon-ache.txt");
    fs::write(
        &page,
        "Treatment of Epsilon Ache\nRest is first-line for epsilon ache. 1\nDosing\n- Fixturol 10 mg once daily 2\nReferences\n1. Example A, Sample B. Rest for epsilon ache: a fictional trial. J Test Fixtures. 2018;9:1-8. PMID: 90000031.\n2. Placeholder C. Fixturol in aches. Fict Med Rev. 2017;2:3-4.\n",
    )
    .unwrap();
    let corpus_dir = dir.path().join("corpus");
    let report = add_file(&page, &corpus_dir).unwrap();
    assert_eq!(markers(&report), [1, 2]);
    assert_eq!((report.references, report.traced), (2, 1));
    let corpus = Corpus::load(&corpus_dir).unwrap();
    let all: String = chunks(&corpus, "epsilon-ache")
        .iter()
        .map(|(_, t, _)| t.clone())
        .collect();
    assert!(
        !all.contains("Example A") && !all.contains("References"),
        "{all}"
    );
}

#[test]
fn pubmed_records_without_a_list_are_taken_in_order_as_candidates() {
    let dir = TempDir::new().unwrap();
    let page = dir.path().join("zeta.txt");
    fs::write(
        &page,
        "Zeta Fever\nTestamycin shortens zeta fever. 1\nFixturol does not. 2\n",
    )
    .unwrap();
    let report = add_file_with(
        &page,
        &dir.path().join("corpus"),
        &with_refs(&["beta-pubmed.xml"]),
    )
    .unwrap();
    assert_eq!(report.traced, 2);
    let corpus = Corpus::load(&dir.path().join("corpus")).unwrap();
    let (one, _) = reference(&corpus, "zeta-ref-1");
    assert_eq!(one.confidence, "candidate");
    assert_eq!(one.pmid.as_deref(), Some("90000011"));
    // The second record has no DOI but a PMID, authors marked incomplete.
    let (two, _) = reference(&corpus, "zeta-ref-2");
    assert_eq!(two.year, Some(2015));
    assert!(two.authors_incomplete);
}

#[test]
fn unreadable_input_is_a_clear_error_and_writes_nothing() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    let broken = dir.path().join("broken.xml");
    fs::write(&broken, "<article><front><article-meta>").unwrap();
    let e = add_file(&broken, &corpus).unwrap_err();
    assert!(e.to_string().contains("not well-formed XML"), "{e}");
    let e = add_file(&fixture("beta-pubmed.xml"), &corpus).unwrap_err();
    assert!(matches!(e, AddError::RecordsNotArticle { .. }), "{e}");
    assert!(e.to_string().contains("--references"), "{e}");
    let empty = dir.path().join("empty.html");
    fs::write(
        &empty,
        "<html><body><nav>Home</nav><script>x()</script></body></html>",
    )
    .unwrap();
    let e = add_file(&empty, &corpus).unwrap_err();
    assert!(e.to_string().contains("no"), "{e}");
    let binary = dir.path().join("scan.txt");
    fs::write(&binary, [0xff, 0xfe, 0x00, 0x25]).unwrap();
    let e = add_file(&binary, &corpus).unwrap_err();
    assert!(e.to_string().contains("not UTF-8"), "{e}");
    let e = add_file_with(
        &fixture("gamma-note.md"),
        &corpus,
        &AddOptions {
            references: vec![broken.clone()],
        },
    )
    .unwrap_err();
    assert!(matches!(e, AddError::References { .. }), "{e}");
    assert!(!corpus.exists());
}

#[test]
fn adding_the_same_html_again_updates_it() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("page.html");
    fs::write(
        &file,
        "<h1>Iota</h1><p>Fixturol helps.<sup>1</sup></p><p>Rest helps.<sup>2</sup></p>",
    )
    .unwrap();
    let corpus = dir.path().join("corpus");
    assert!(!add_file(&file, &corpus).unwrap().updated);
    fs::write(&file, "<h1>Iota</h1><p>Fixturol helps.<sup>1</sup></p>").unwrap();
    assert!(add_file(&file, &corpus).unwrap().updated);
    let loaded = Corpus::load(&corpus).unwrap();
    assert!(loaded.document("page-ref-2").is_none());
    assert_eq!(loaded.documents.len(), 2);
}

fn run(corpus: &Path, index: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_medcite"))
        .arg("--corpus")
        .arg(corpus)
        .arg("--index")
        .arg(index)
        .args(args)
        .env_remove("MEDCITE_LLM_BASE_URL")
        .output()
        .unwrap()
}

#[test]
fn a_library_of_every_format_indexes_and_answers_in_each_articles_scope() {
    let dir = TempDir::new().unwrap();
    let corpus = dir.path().join("corpus");
    let index = dir.path().join("index");
    let html = fixture("alpha-fever.html");
    let jats = fixture("beta-syndrome.xml");
    let pubmed = fixture("beta-pubmed.xml");
    let out = run(&corpus, &index, &["add", html.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("read as HTML"), "{printed}");
    let out = run(
        &corpus,
        &index,
        &[
            "add",
            jats.to_str().unwrap(),
            "--references",
            pubmed.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("listed but never cited"), "{printed}");
    assert!(printed.contains("matched to no citation"), "{printed}");
    // --references with several articles is refused.
    let out = run(
        &corpus,
        &index,
        &[
            "add",
            html.to_str().unwrap(),
            jats.to_str().unwrap(),
            "--references",
            pubmed.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());

    let index_out = run(&corpus, &index, &["index"]);
    assert!(
        index_out.status.success(),
        "{}",
        String::from_utf8_lossy(&index_out.stderr)
    );
    for (article, question, expect) in [
        (
            "alpha-fever",
            "fixturol dose for adults?",
            "10 mg orally once daily",
        ),
        (
            "beta-syndrome",
            "first-line treatment?",
            "Testamycin 200 mg twice daily",
        ),
    ] {
        let out = run(
            &corpus,
            &index,
            &["ask", question, "--json", "--article", article],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let reply: AskReply = serde_json::from_slice(&out.stdout).unwrap();
        assert!(reply.covered, "{article}: {}", reply.answer);
        assert!(reply.answer.contains(expect), "{article}: {}", reply.answer);
        assert!(
            reply.passages.iter().all(|p| p.doc_id.starts_with(article)),
            "{article}: {:?}",
            reply.passages
        );
    }
}

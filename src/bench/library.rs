//! The library benchmark (issue 22, item 6): a library of N articles, each with six references,
//! written as a clinician would hand them to `medcite add` (Markdown with bare markers and a
//! numbered reference list naming PMIDs, plus the PubMed XML records with abstracts), their
//! words drawn from PubMedQA's as the other benchmarks draw them. It measures `add` throughput,
//! the index's build time and size, and offline ask and search latency in one article's scope
//! and over the whole library. It writes only under its own folder.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::synth::{Material, Rng};
use super::{BenchError, SEED, io, load_questions, percentile, step};
use crate::add::{AddOptions, add_file_with};
use crate::answer::Engine;
use crate::contracts::{AskRequest, ModeChoice};
use crate::corpus::Corpus;
use crate::dosing::DosingRules;
use crate::index::{SearchIndex, build_from_dir};
use crate::retrieve::{Retriever, SearchRequest, Synonyms};

/// References each article cites (10,000 articles make the 60,000 records of issue 22).
pub const REFERENCES: usize = 6;
const SECTIONS: usize = 6;
const BULLETS: usize = 3;

/// What to run.
#[derive(Debug, Clone)]
pub struct LibraryOptions {
    /// Articles in the library.
    pub articles: usize,
    /// Asks and searches timed, each in scope and unscoped.
    pub rounds: usize,
    /// Where the source files, the corpus and the index go.
    pub dir: PathBuf,
    /// The word counts the text is drawn from (`benches/data/pubmedqa-dev-words.tsv`).
    pub words: PathBuf,
    /// A gold file whose questions are asked (`tests/gold/pubmedqa/own.toml`).
    pub queries: PathBuf,
    /// The bundled corpus, for its synonyms and dosing rules.
    pub bundled: PathBuf,
}

/// The figures.
#[derive(Debug, Clone, Serialize)]
pub struct LibraryReport {
    pub articles: usize,
    pub reference_notes: usize,
    /// Notes with a PubMed record's facts and abstract.
    pub traced: usize,
    pub add_secs: f64,
    pub articles_per_sec: f64,
    pub passages: usize,
    pub build_secs: f64,
    pub index_bytes: u64,
    pub scoped_ask_p50_ms: f64,
    pub scoped_ask_p99_ms: f64,
    pub unscoped_ask_p50_ms: f64,
    pub unscoped_ask_p99_ms: f64,
    pub scoped_search_p50_ms: f64,
    pub scoped_search_p99_ms: f64,
    pub unscoped_search_p50_ms: f64,
    pub unscoped_search_p99_ms: f64,
}

/// Generates the sources (once per size and seed), adds them, indexes, and times the asks.
pub fn run(
    options: &LibraryOptions,
    log: &mut dyn FnMut(&str),
) -> Result<LibraryReport, BenchError> {
    if options.articles == 0 || options.rounds == 0 {
        return Err(BenchError::Step(
            "the library needs at least one article and one round".into(),
        ));
    }
    let queries = load_questions(&options.queries)?;
    let counts = fs::read_to_string(&options.words).map_err(io(&options.words))?;
    let material = Material::from_word_counts(&counts)
        .map_err(|e| BenchError::Step(format!("{}: {e}", options.words.display())))?;
    let root = options.dir.join(format!("library-{}", options.articles));
    let sources = root.join("sources");
    let stamp = sources.join(".generated");
    let wanted = format!("seed {SEED} articles {}\n", options.articles);
    if fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        log(&format!(
            "writing {} articles and their PubMed records in {}",
            options.articles,
            sources.display()
        ));
        if sources.exists() {
            fs::remove_dir_all(&sources).map_err(io(&sources))?;
        }
        fs::create_dir_all(&sources).map_err(io(&sources))?;
        write_sources(&material, options.articles, &sources)?;
        fs::write(&stamp, &wanted).map_err(io(&stamp))?;
    }

    let corpus = root.join("corpus");
    if corpus.exists() {
        fs::remove_dir_all(&corpus).map_err(io(&corpus))?;
    }
    fs::create_dir_all(&corpus).map_err(io(&corpus))?;
    let synonyms_file = options.bundled.join("synonyms.toml");
    fs::copy(&synonyms_file, corpus.join("synonyms.toml")).map_err(io(&synonyms_file))?;
    log(&format!("adding {} articles", options.articles));
    let started = Instant::now();
    let mut reference_notes = 0;
    let mut traced = 0;
    for a in 0..options.articles {
        let article = sources.join(format!("{}.md", article_id(a)));
        let records = sources.join(format!("{}.pubmed.xml", article_id(a)));
        let added = add_file_with(
            &article,
            &corpus,
            &AddOptions {
                references: vec![records],
            },
        )
        .map_err(step("add"))?;
        reference_notes += added.references;
        traced += added.traced;
    }
    let add_secs = started.elapsed().as_secs_f64();

    log("indexing");
    let index = root.join("index");
    let summary = build_from_dir(&corpus, &index, false).map_err(step("building the index"))?;
    let synonyms = Synonyms::load(&corpus.join("synonyms.toml")).map_err(step("synonyms"))?;
    let catalogue = Corpus::load_catalogue(&corpus).map_err(step("loading the catalogue"))?;
    let retriever = Retriever::new(
        SearchIndex::open(&index).map_err(step("opening the index"))?,
        synonyms,
    )
    .with_catalogue(&catalogue);
    let rules_file = options.bundled.join("dosing").join("rules.toml");
    let rules = DosingRules::load(&rules_file).map_err(step("loading the dosing rules"))?;
    let engine = Engine::new(retriever, None).with_dosing(Arc::new(rules));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(io(&index))?;

    log(&format!(
        "timing {} asks and searches, in scope and unscoped",
        options.rounds
    ));
    let mut rng = Rng::new(SEED ^ 0x22);
    let mut times = Times::default();
    for round in 0..options.rounds {
        let question = &queries[round % queries.len()];
        let article = article_id(rng.below(options.articles));
        for scope in [Some(article.clone()), None] {
            let started = Instant::now();
            engine
                .retriever
                .search(&SearchRequest {
                    article: scope.as_deref(),
                    query: question,
                    history: &[],
                    k: 10,
                })
                .map_err(step("search"))?;
            let searched = started.elapsed();
            let request = AskRequest {
                article: scope.clone(),
                question: question.clone(),
                history: Vec::new(),
                k: None,
                mode: ModeChoice::Offline,
            };
            let started = Instant::now();
            runtime
                .block_on(engine.ask(&request, false, &mut |_| {}))
                .map_err(step("ask"))?;
            let asked = started.elapsed();
            if scope.is_some() {
                times.scoped_search.push(searched);
                times.scoped_ask.push(asked);
            } else {
                times.unscoped_search.push(searched);
                times.unscoped_ask.push(asked);
            }
        }
    }
    Ok(LibraryReport {
        articles: options.articles,
        reference_notes,
        traced,
        add_secs,
        articles_per_sec: options.articles as f64 / add_secs.max(1e-9),
        passages: summary.manifest.chunks,
        build_secs: summary.elapsed.as_secs_f64(),
        index_bytes: summary.bytes,
        scoped_ask_p50_ms: percentile(&times.scoped_ask, 50.0),
        scoped_ask_p99_ms: percentile(&times.scoped_ask, 99.0),
        unscoped_ask_p50_ms: percentile(&times.unscoped_ask, 50.0),
        unscoped_ask_p99_ms: percentile(&times.unscoped_ask, 99.0),
        scoped_search_p50_ms: percentile(&times.scoped_search, 50.0),
        scoped_search_p99_ms: percentile(&times.scoped_search, 99.0),
        unscoped_search_p50_ms: percentile(&times.unscoped_search, 50.0),
        unscoped_search_p99_ms: percentile(&times.unscoped_search, 99.0),
    })
}

#[derive(Default)]
struct Times {
    scoped_ask: Vec<Duration>,
    unscoped_ask: Vec<Duration>,
    scoped_search: Vec<Duration>,
    unscoped_search: Vec<Duration>,
}

fn article_id(a: usize) -> String {
    format!("lib-article-{a:05}")
}

/// A fictional PMID for reference `n` of article `a` (from 90,000,000, above any real one in
/// use when written, and used for nothing but this benchmark).
fn pmid(a: usize, n: usize) -> u64 {
    90_000_000 + (a * REFERENCES + n) as u64
}

/// Writes each article as Markdown without front matter (bare markers, a numbered reference list
/// naming PMIDs) and its references as a PubMed XML record set.
fn write_sources(material: &Material, articles: usize, dir: &Path) -> Result<(), BenchError> {
    let mut rng = Rng::new(SEED);
    for a in 0..articles {
        let id = article_id(a);
        let mut text = format!("# {}\n", capitalised(&material.title(&mut rng, 5)));
        for s in 0..SECTIONS {
            let _ = write!(
                text,
                "\n## {}\n\n{} {}\n\n",
                material.heading(&mut rng),
                material.sentence(&mut rng),
                s % REFERENCES + 1
            );
            for _ in 0..BULLETS {
                let _ = writeln!(
                    text,
                    "- {} {}",
                    material.sentence(&mut rng),
                    1 + rng.below(REFERENCES)
                );
            }
        }
        text.push_str("\nReferences\n");
        let mut xml = String::from("<?xml version=\"1.0\" ?>\n<PubmedArticleSet>\n");
        for n in 1..=REFERENCES {
            let authors: Vec<(String, String)> = (0..1 + rng.below(4))
                .map(|_| (surname(material, &mut rng), initials(&mut rng)))
                .collect();
            let title = capitalised(&material.title(&mut rng, 9));
            let journal = capitalised(&material.title(&mut rng, 3));
            let year = 1990 + rng.below(35);
            let volume = 1 + rng.below(120);
            let first = 1 + rng.below(900);
            let pmid = pmid(a, n);
            let listed: Vec<String> = authors.iter().map(|(s, i)| format!("{s} {i}")).collect();
            let _ = writeln!(
                text,
                "{n}. {}. {title}. {journal}. {year};{volume}:{first}-{}. PMID: {pmid}.",
                listed.join(", "),
                first + 9
            );
            let _ = write!(
                xml,
                "<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article><Journal><JournalIssue><Volume>{volume}</Volume><PubDate><Year>{year}</Year></PubDate></JournalIssue><Title>{}</Title></Journal><ArticleTitle>{}.</ArticleTitle><Pagination><MedlinePgn>{first}-{}</MedlinePgn></Pagination><Abstract>",
                escape_xml(&journal),
                escape_xml(&title),
                first + 9
            );
            for label in ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"] {
                let _ = write!(
                    xml,
                    "<AbstractText Label=\"{label}\">{} {}</AbstractText>",
                    escape_xml(&material.sentence(&mut rng)),
                    escape_xml(&material.sentence(&mut rng))
                );
            }
            xml.push_str("</Abstract><AuthorList CompleteYN=\"Y\">");
            for (surname, initials) in &authors {
                let _ = write!(
                    xml,
                    "<Author><LastName>{}</LastName><Initials>{initials}</Initials></Author>",
                    escape_xml(surname)
                );
            }
            xml.push_str("</AuthorList></Article></MedlineCitation></PubmedArticle>\n");
        }
        xml.push_str("</PubmedArticleSet>\n");
        let article = dir.join(format!("{id}.md"));
        fs::write(&article, text).map_err(io(&article))?;
        let records = dir.join(format!("{id}.pubmed.xml"));
        fs::write(&records, xml).map_err(io(&records))?;
    }
    Ok(())
}

/// A surname made of a drawn word of letters only ("Cohort" from "cohort").
fn surname(material: &Material, rng: &mut Rng) -> String {
    for _ in 0..20 {
        let word = material.title(rng, 1);
        if word.chars().count() >= 3 && word.chars().all(char::is_alphabetic) {
            return capitalised(&word);
        }
    }
    "Author".to_string()
}

fn initials(rng: &mut Rng) -> String {
    (0..1 + rng.below(2))
        .map(|_| char::from(b'A' + rng.below(26) as u8))
        .collect()
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The figures as a Markdown table.
pub fn table(r: &LibraryReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| articles | reference notes (traced) | add s | articles/s | passages | build s | index MiB | scoped ask p50 / p99 ms | unscoped ask p50 / p99 ms | scoped search p50 / p99 ms | unscoped search p50 / p99 ms |"
    );
    let _ = writeln!(out, "|{}", "---|".repeat(11));
    let _ = writeln!(
        out,
        "| {} | {} ({}) | {:.1} | {:.0} | {} | {:.1} | {:.1} | {:.2} / {:.2} | {:.2} / {:.2} | {:.2} / {:.2} | {:.2} / {:.2} |",
        r.articles,
        r.reference_notes,
        r.traced,
        r.add_secs,
        r.articles_per_sec,
        r.passages,
        r.build_secs,
        r.index_bytes as f64 / (1024.0 * 1024.0),
        r.scoped_ask_p50_ms,
        r.scoped_ask_p99_ms,
        r.unscoped_ask_p50_ms,
        r.unscoped_ask_p99_ms,
        r.scoped_search_p50_ms,
        r.scoped_search_p99_ms,
        r.unscoped_search_p50_ms,
        r.unscoped_search_p99_ms,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_library_adds_every_reference_as_a_traced_note_and_answers_in_scope() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().unwrap();
        let options = LibraryOptions {
            articles: 4,
            rounds: 3,
            dir: dir.path().to_path_buf(),
            words: root.join("benches/data/pubmedqa-dev-words.tsv"),
            queries: root.join("tests/gold/pubmedqa/own.toml"),
            bundled: root.join("corpus"),
        };
        let report = run(&options, &mut |_| {}).unwrap();
        assert_eq!(report.reference_notes, 4 * REFERENCES);
        assert_eq!(report.traced, 4 * REFERENCES);
        assert!(report.passages > 4 * SECTIONS * (1 + BULLETS));
        assert!(table(&report).contains("| 4 | 24 (24) |"));
    }
}

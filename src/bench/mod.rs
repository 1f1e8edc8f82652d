//! Benchmarks: synthetic corpora of a given size (or a real corpus), index build throughput and size, search and
//! offline-ask latency over a fixed query set, and a side-by-side run of a Python BM25 peer
//! (`bm25s`) on the same passages and queries. It measures and reports; it changes no index but
//! its own under the bench folder.

pub mod library;
pub mod synth;

use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, EnableScoring, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Executor, TantivyDocument, Term};

use crate::analysis::words;
use crate::answer::Engine;
use crate::contracts::{AskRequest, ModeChoice};
use crate::corpus::Corpus;
use crate::dosing::DosingRules;
use crate::index::{SearchIndex, build_from_dir};
use crate::retrieve::{Retriever, SearchRequest, Synonyms};
use crate::stages::Stages;
use synth::{CHUNKS_PER_ARTICLE, Material, generate};

/// Seed of the synthetic corpora, so every run measures the same text.
pub const SEED: u64 = 20_251_125;

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("benchmark I/O on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Step(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BenchError + '_ {
    move |source| BenchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn step<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> BenchError + '_ {
    move |e| BenchError::Step(format!("{what}: {e}"))
}

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// The bundled corpus (synonyms and dosing rules for generated corpora, and their words with
    /// `Vocabulary::Bundled`).
    pub corpus: PathBuf,
    /// Where the generated corpora's words come from.
    pub vocabulary: Vocabulary,
    /// An existing corpus to measure instead of generated ones (e.g. imported PubMedQA).
    pub real: Option<PathBuf>,
    /// Where generated corpora, indexes and peer files go.
    pub dir: PathBuf,
    /// Target passage counts.
    pub sizes: Vec<usize>,
    /// A gold file whose questions are the fixed query set.
    pub queries: PathBuf,
    /// Searches (and offline asks) timed per size.
    pub rounds: usize,
    /// Python interpreter for the peer, or `None` to skip it.
    pub python: Option<String>,
    /// The peer script.
    pub peer_script: PathBuf,
}

/// Figures for one corpus size.
#[derive(Debug, Clone, Serialize)]
pub struct SizeReport {
    /// Which corpus: synthetic (and whose words) or the real one measured.
    pub corpus: String,
    pub chunks: usize,
    pub build_secs: f64,
    /// Of `build_secs`, merging the segments into one per search thread.
    pub merge_secs: f64,
    /// Passages in each segment of the index.
    pub segments: Vec<u32>,
    pub chunks_per_sec: f64,
    pub index_bytes: u64,
    pub search_p50_ms: f64,
    pub search_p99_ms: f64,
    /// medcite's search on the same index with its segments searched one after the other on
    /// the calling thread, interleaved query by query with the parallel one.
    pub search_serial_p50_ms: f64,
    pub search_serial_p99_ms: f64,
    pub ask_p50_ms: f64,
    pub ask_p99_ms: f64,
    /// "tantivy alone": the same index and the question's analysed words as one plain BM25
    /// query over the text field, top 10 with their stored fields, no expansion; its segments
    /// searched one after the other on the calling thread.
    pub floor_p50_ms: f64,
    pub floor_p99_ms: f64,
    /// "tantivy alone" with the segments searched in parallel, as medcite searches them.
    pub floor_parallel_p50_ms: f64,
    pub floor_parallel_p99_ms: f64,
    /// medcite's search, stage by stage.
    pub search_stages: Vec<StageFigure>,
    /// The offline ask, stage by stage (its search stages included).
    pub ask_stages: Vec<StageFigure>,
    pub peer: Option<PeerReport>,
}

/// One stage's p50 and p99 over the timed requests (milliseconds; for `clauses`, a count).
#[derive(Debug, Clone, Serialize)]
pub struct StageFigure {
    pub stage: &'static str,
    pub p50: f64,
    pub p99: f64,
}

/// Each stage's p50 and p99 over `runs`.
fn stage_figures(runs: &[Stages]) -> Vec<StageFigure> {
    type Pick = fn(&Stages) -> Duration;
    let timed: [(&str, Pick); 7] = [
        ("plan", |s| s.plan),
        ("weight", |s| s.weight),
        ("search", |s| s.search),
        ("fetch and rank", |s| s.fetch),
        ("citation expansion", |s| s.citations),
        ("coverage", |s| s.coverage),
        ("compose", |s| s.compose),
    ];
    let mut out: Vec<StageFigure> = timed
        .iter()
        .map(|(stage, pick)| {
            let times: Vec<Duration> = runs.iter().map(pick).collect();
            StageFigure {
                stage,
                p50: percentile(&times, 50.0),
                p99: percentile(&times, 99.0),
            }
        })
        .collect();
    // Counts go through the same percentile as milliseconds do.
    let clauses: Vec<Duration> = runs
        .iter()
        .map(|s| Duration::from_millis(s.clauses as u64))
        .collect();
    out.insert(
        1,
        StageFigure {
            stage: "expansion: term queries (count)",
            p50: percentile(&clauses, 50.0),
            p99: percentile(&clauses, 99.0),
        },
    );
    out
}

/// "tantivy alone" for `query`: its analysed words, each once, as a plain BM25 query over the
/// passages' text, the segments searched by `executor`, the top 10 read from the store as any
/// search returns them.
fn floor_search(
    index: &SearchIndex,
    query: &str,
    executor: &Executor,
) -> Result<Vec<String>, BenchError> {
    let mut terms: Vec<String> = words(query);
    terms.sort();
    terms.dedup();
    let clauses: Vec<(Occur, Box<dyn Query>)> = terms
        .iter()
        .map(|w| {
            let term = Term::from_field_text(index.fields.text, w);
            let query: Box<dyn Query> =
                Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
            (Occur::Should, query)
        })
        .collect();
    let searcher = index.reader.searcher();
    let top = searcher
        .search_with_executor(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(10).order_by_score(),
            executor,
            EnableScoring::enabled_from_searcher(&searcher),
        )
        .map_err(step("tantivy alone"))?;
    let mut ids = Vec::with_capacity(top.len());
    for (_, address) in top {
        let doc: TantivyDocument = searcher.doc(address).map_err(step("tantivy alone"))?;
        let id = doc
            .get_first(index.fields.chunk_id)
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        ids.push(id);
    }
    Ok(ids)
}

/// What the peer (bm25s) reported, and how it compares.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeerReport {
    pub build_secs: f64,
    pub search_p50_ms: f64,
    pub search_p99_ms: f64,
    #[serde(default)]
    pub top10: Vec<Vec<String>>,
    /// Mean share of medcite's top 10 that is also in the peer's top 10.
    #[serde(default)]
    pub top10_overlap: f64,
}

/// Where the synthetic corpora's words come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Vocabulary {
    /// The bundled corpus's sentences and 1,907 words (the corpora measured before issue 11).
    Bundled,
    /// A word distribution counted in real text (`benches/data/pubmedqa-dev-words.tsv`).
    WordCounts(PathBuf),
}

/// Runs every size (or the one real corpus) and returns the figures.
pub fn run(
    options: &BenchOptions,
    log: &mut dyn FnMut(&str),
) -> Result<Vec<SizeReport>, BenchError> {
    let queries = load_questions(&options.queries)?;
    fs::create_dir_all(&options.dir).map_err(io(&options.dir))?;
    if let Some(real) = &options.real {
        let name = real
            .file_name()
            .map_or_else(|| "real".to_string(), |n| n.to_string_lossy().into_owned());
        let index = options.dir.join(format!("index-{name}"));
        let report = measure(options, real, &index, &queries, &name, log)?;
        return Ok(vec![report]);
    }
    let (material, tag, label) = match &options.vocabulary {
        Vocabulary::Bundled => {
            let bundled =
                Corpus::load(&options.corpus).map_err(step("loading the bundled corpus"))?;
            (
                Material::from_corpus(&bundled),
                "",
                "synthetic, bundled words",
            )
        }
        Vocabulary::WordCounts(path) => {
            let text = fs::read_to_string(path).map_err(io(path))?;
            let material = Material::from_word_counts(&text)
                .map_err(|e| BenchError::Step(format!("{}: {e}", path.display())))?;
            (material, "pubmedqa-", "synthetic, PubMedQA words")
        }
    };
    log(&format!(
        "{label}: {} distinct words to draw from",
        material.vocabulary()
    ));
    let mut reports = Vec::new();
    for &size in &options.sizes {
        let articles = size.div_ceil(CHUNKS_PER_ARTICLE).max(1);
        let corpus = options.dir.join(format!("corpus-{tag}{size}"));
        let stamp = corpus.join(".generated");
        let wanted = format!("seed {SEED} articles {articles}\n");
        if fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
            log(&format!(
                "generating a corpus of about {size} passages ({articles} articles) in {}",
                corpus.display()
            ));
            if corpus.exists() {
                fs::remove_dir_all(&corpus).map_err(io(&corpus))?;
            }
            generate(&material, articles, SEED, &corpus, Some(&options.corpus))
                .map_err(io(&corpus))?;
            fs::write(&stamp, &wanted).map_err(io(&stamp))?;
        }
        let index = options.dir.join(format!("index-{tag}{size}"));
        reports.push(measure(options, &corpus, &index, &queries, label, log)?);
    }
    Ok(reports)
}

/// The question texts of a gold file (`[[question]]` tables with a `question`), any gold shape.
pub fn load_questions(path: &Path) -> Result<Vec<String>, BenchError> {
    #[derive(Deserialize)]
    struct Question {
        question: String,
    }
    #[derive(Deserialize)]
    struct File {
        question: Vec<Question>,
    }
    let text = fs::read_to_string(path).map_err(io(path))?;
    let file: File = toml::from_str(&text)
        .map_err(|e| BenchError::Step(format!("query set {}: {e}", path.display())))?;
    let questions: Vec<String> = file.question.into_iter().map(|q| q.question).collect();
    if questions.is_empty() {
        return Err(BenchError::Step(format!(
            "query set {} has no questions",
            path.display()
        )));
    }
    Ok(questions)
}

/// Builds the index of `corpus`, times searches and offline asks, and runs the peer.
fn measure(
    options: &BenchOptions,
    corpus: &Path,
    index: &Path,
    queries: &[String],
    label: &str,
    log: &mut dyn FnMut(&str),
) -> Result<SizeReport, BenchError> {
    log(&format!("indexing {}", corpus.display()));
    let summary = build_from_dir(corpus, index, false).map_err(step("building the index"))?;
    log(&format!(
        "{} segments of {:?} passages",
        summary.segments.len(),
        summary.segments
    ));
    let chunks = summary.manifest.chunks;
    let build_secs = summary.elapsed.as_secs_f64();

    let synonyms = Synonyms::load(&corpus.join("synonyms.toml")).map_err(step("synonyms"))?;
    let retriever = Retriever::new(
        SearchIndex::open(index).map_err(step("opening the index"))?,
        synonyms.clone(),
    );
    let mut one_thread_index = SearchIndex::open(index).map_err(step("opening the index"))?;
    one_thread_index.executor = Executor::single_thread();
    let serial = Retriever::new(one_thread_index, synonyms);
    log(&format!(
        "timing {} searches, each beside tantivy alone on the same words",
        options.rounds
    ));
    let mut search_times = Vec::with_capacity(options.rounds);
    let mut serial_times = Vec::with_capacity(options.rounds);
    let mut floor_times = Vec::with_capacity(options.rounds);
    let mut floor_parallel_times = Vec::with_capacity(options.rounds);
    let one_thread = Executor::single_thread();
    let parallel = retriever.index.executor.clone();
    let mut search_stages = Vec::with_capacity(options.rounds);
    for round in 0..options.rounds {
        let query = &queries[round % queries.len()];
        let mut stages = Stages::default();
        let started = Instant::now();
        let _ = retriever
            .search_timed(
                &SearchRequest {
                    article: None,
                    query,
                    history: &[],
                    k: 10,
                },
                Some(&mut stages),
            )
            .map_err(step("search"))?;
        search_times.push(started.elapsed());
        search_stages.push(stages);
        let started = Instant::now();
        let _ = serial
            .search(&SearchRequest {
                article: None,
                query,
                history: &[],
                k: 10,
            })
            .map_err(step("search"))?;
        serial_times.push(started.elapsed());
        let started = Instant::now();
        floor_search(&retriever.index, query, &one_thread)?;
        floor_times.push(started.elapsed());
        let started = Instant::now();
        floor_search(&retriever.index, query, &parallel)?;
        floor_parallel_times.push(started.elapsed());
    }
    let ranked: Vec<Vec<(String, f32)>> = queries
        .iter()
        .map(|query| {
            retriever
                .search(&SearchRequest {
                    article: None,
                    query,
                    history: &[],
                    k: 10,
                })
                .map(|hits| hits.into_iter().map(|h| (h.chunk_id, h.score)).collect())
                .unwrap_or_default()
        })
        .collect();
    // Each query's top 10 with scores, so that two builds of medcite can be diffed: a change
    // meant for speed alone must leave this file as it was.
    let name = index
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let dump = options.dir.join(format!("top10-{name}.tsv"));
    let mut lines = String::new();
    for (n, hits) in ranked.iter().enumerate() {
        for (rank, (id, score)) in hits.iter().enumerate() {
            let _ = writeln!(lines, "{n}\t{}\t{id}\t{score}", rank + 1);
        }
    }
    fs::write(&dump, lines).map_err(io(&dump))?;
    let top10: Vec<Vec<String>> = ranked
        .into_iter()
        .map(|hits| hits.into_iter().map(|(id, _)| id).collect())
        .collect();

    log(&format!("timing {} offline asks", options.rounds));
    let own_rules = corpus.join("dosing").join("rules.toml");
    let rules_file = if own_rules.exists() {
        own_rules
    } else {
        options.corpus.join("dosing").join("rules.toml")
    };
    let rules = DosingRules::load(&rules_file).map_err(step("loading the dosing rules"))?;
    let engine = Engine::new(retriever, None).with_dosing(Arc::new(rules));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(io(index))?;
    let mut ask_times = Vec::with_capacity(options.rounds);
    let mut ask_stages = Vec::with_capacity(options.rounds);
    for round in 0..options.rounds {
        let request = AskRequest {
            article: None,
            question: queries[round % queries.len()].clone(),
            history: Vec::new(),
            k: None,
            mode: ModeChoice::Offline,
        };
        let mut stages = Stages::default();
        let started = Instant::now();
        runtime
            .block_on(engine.ask_timed(
                &request,
                Default::default(),
                false,
                &mut |_| {},
                Some(&mut stages),
            ))
            .map_err(step("ask"))?;
        ask_times.push(started.elapsed());
        ask_stages.push(stages);
    }

    let peer = match &options.python {
        Some(python) => {
            log("running the bm25s peer");
            let name = index
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let chunks_file = options.dir.join(format!("chunks-{name}.jsonl"));
            export_chunks(corpus, &chunks_file)?;
            let queries_file = options.dir.join(format!("queries-{name}.json"));
            fs::write(
                &queries_file,
                serde_json::to_string(&queries).unwrap_or_default(),
            )
            .map_err(io(&queries_file))?;
            let mut peer = run_peer(
                python,
                &options.peer_script,
                &chunks_file,
                &queries_file,
                options.rounds,
            )?;
            peer.top10_overlap = overlap(&top10, &peer.top10);
            peer.top10.clear();
            Some(peer)
        }
        None => None,
    };
    Ok(SizeReport {
        corpus: label.to_string(),
        chunks,
        build_secs,
        merge_secs: summary.merge.as_secs_f64(),
        segments: summary.segments,
        chunks_per_sec: chunks as f64 / build_secs.max(1e-9),
        index_bytes: summary.bytes,
        search_p50_ms: percentile(&search_times, 50.0),
        search_p99_ms: percentile(&search_times, 99.0),
        search_serial_p50_ms: percentile(&serial_times, 50.0),
        search_serial_p99_ms: percentile(&serial_times, 99.0),
        ask_p50_ms: percentile(&ask_times, 50.0),
        ask_p99_ms: percentile(&ask_times, 99.0),
        floor_p50_ms: percentile(&floor_times, 50.0),
        floor_p99_ms: percentile(&floor_times, 99.0),
        floor_parallel_p50_ms: percentile(&floor_parallel_times, 50.0),
        floor_parallel_p99_ms: percentile(&floor_parallel_times, 99.0),
        search_stages: stage_figures(&search_stages),
        ask_stages: stage_figures(&ask_stages),
        peer,
    })
}

/// Writes the passages of the corpus at `corpus` as JSON lines `{"id", "text"}` (the text
/// searched: title, section and passage), for the peer.
fn export_chunks(corpus: &Path, out: &Path) -> Result<(), BenchError> {
    let loaded = Corpus::load(corpus).map_err(step("loading the generated corpus"))?;
    let mut file = BufWriter::new(fs::File::create(out).map_err(io(out))?);
    for chunk in loaded.chunks() {
        let line = serde_json::json!({
            "id": chunk.id,
            "text": format!("{}\n{}\n{}", chunk.title, chunk.section, chunk.text),
        });
        writeln!(file, "{line}").map_err(io(out))?;
    }
    file.flush().map_err(io(out))
}

fn run_peer(
    python: &str,
    script: &Path,
    chunks: &Path,
    queries: &Path,
    rounds: usize,
) -> Result<PeerReport, BenchError> {
    let output = Command::new(python)
        .arg(script)
        .arg(chunks)
        .arg(queries)
        .arg(rounds.to_string())
        .output()
        .map_err(|e| {
            BenchError::Step(format!("could not run {python} {}: {e}", script.display()))
        })?;
    if !output.status.success() {
        return Err(BenchError::Step(format!(
            "the bm25s peer failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last)
        .map_err(|e| BenchError::Step(format!("the peer's report is not JSON ({e}): {last}")))
}

/// Mean over queries of |ours ∩ theirs| / |ours|.
fn overlap(ours: &[Vec<String>], theirs: &[Vec<String>]) -> f64 {
    let mut total = 0.0;
    let mut counted = 0;
    for (a, b) in ours.iter().zip(theirs) {
        if a.is_empty() {
            continue;
        }
        let shared = a.iter().filter(|id| b.contains(id)).count();
        total += shared as f64 / a.len() as f64;
        counted += 1;
    }
    if counted == 0 {
        0.0
    } else {
        total / counted as f64
    }
}

/// The `p`th percentile of `times`, in milliseconds (nearest rank).
pub fn percentile(times: &[Duration], p: f64) -> f64 {
    if times.is_empty() {
        return 0.0;
    }
    let mut sorted: Vec<Duration> = times.to_vec();
    sorted.sort();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

/// The figures as Markdown tables: the sizes side by side, then each size's stages.
pub fn table(reports: &[SizeReport]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| corpus | passages | segments | build s | merge s | passages/s | index MiB | search p50 ms | search p99 ms | tantivy alone p50 ms | tantivy alone p99 ms | p99 ratio (medcite/tantivy alone) | search, segments one after the other, p50 ms | the same, p99 ms | tantivy alone, segments in parallel, p50 ms | the same, p99 ms | ask p50 ms | ask p99 ms | peer build s | peer p50 ms | peer p99 ms | build ratio (peer/medcite) | search p50 ratio | top-10 overlap |"
    );
    let _ = writeln!(out, "|{}", "---|".repeat(24));
    for r in reports {
        let peer = |f: &dyn Fn(&PeerReport) -> String| r.peer.as_ref().map_or("–".to_string(), f);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.2} | {:.2} | {:.0} | {:.1} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1}× | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} | {} | {} | {} | {} |",
            r.corpus,
            r.chunks,
            r.segments.len(),
            r.build_secs,
            r.merge_secs,
            r.chunks_per_sec,
            r.index_bytes as f64 / (1024.0 * 1024.0),
            r.search_p50_ms,
            r.search_p99_ms,
            r.floor_p50_ms,
            r.floor_p99_ms,
            r.search_p99_ms / r.floor_p99_ms.max(1e-9),
            r.search_serial_p50_ms,
            r.search_serial_p99_ms,
            r.floor_parallel_p50_ms,
            r.floor_parallel_p99_ms,
            r.ask_p50_ms,
            r.ask_p99_ms,
            peer(&|p| format!("{:.2}", p.build_secs)),
            peer(&|p| format!("{:.2}", p.search_p50_ms)),
            peer(&|p| format!("{:.2}", p.search_p99_ms)),
            peer(&|p| format!("{:.1}×", p.build_secs / r.build_secs.max(1e-9))),
            peer(&|p| format!("{:.1}×", p.search_p50_ms / r.search_p50_ms.max(1e-9))),
            peer(&|p| format!("{:.0}%", p.top10_overlap * 100.0)),
        );
    }
    for r in reports {
        let _ = writeln!(
            out,
            "\nStages, {} passages ({}): ms, p50 / p99\n\n| stage | search | offline ask |\n|---|---|---|",
            r.chunks, r.corpus
        );
        for (search, ask) in r.search_stages.iter().zip(&r.ask_stages) {
            let _ = writeln!(
                out,
                "| {} | {:.2} / {:.2} | {:.2} / {:.2} |",
                search.stage, search.p50, search.p99, ask.p50, ask.p99
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let times: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&times, 50.0), 50.0);
        assert_eq!(percentile(&times, 99.0), 99.0);
        assert_eq!(percentile(&[], 99.0), 0.0);
    }

    #[test]
    fn queries_come_from_any_gold_shape() {
        let gold = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/gold");
        let retrieval = load_questions(&gold.join("retrieval.toml")).unwrap();
        let own = load_questions(&gold.join("pubmedqa/own.toml")).unwrap();
        assert!(retrieval.len() >= 40, "{}", retrieval.len());
        assert_eq!(own.len(), 500);
        assert!(load_questions(&gold.join("no-such-file.toml")).is_err());
    }

    #[test]
    fn overlap_is_the_mean_shared_share() {
        let ours = vec![
            vec!["a".to_string(), "b".to_string()],
            vec!["c".to_string()],
        ];
        let theirs = vec![vec!["b".to_string()], vec!["c".to_string()]];
        assert!((overlap(&ours, &theirs) - 0.75).abs() < 1e-9);
    }
}

//! The tantivy index under `index/`: schema, the English analyzer, and atomic builds. Each build
//! writes a new generation directory (`gen-NNNNNN/`, with `manifest.json` and the passages' words
//! as written, `surface-words.txt`), and only a complete one
//! is made current by atomically replacing the `CURRENT` file, so a failed or killed build leaves
//! the old index serving. A generation is opened read-only, into memory, its checksums checked
//! (`readonly`), with the executor that searches its segments (one per search thread) in
//! parallel. It knows nothing of queries beyond opening a reader, nor of LLMs.

mod readonly;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use tantivy::index::SegmentId;
use tantivy::indexer::NoMergePolicy;
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    Executor, Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, TantivyDocument,
};

use crate::analysis::{ANALYSED, AnalysedWords, write_analysed};
pub use crate::analysis::{ANALYZER, analyzer};
use crate::contracts::DocKind;
use crate::corpus::{Corpus, CorpusError, corpus_hash};
use crate::synonyms::{ConceptMatcher, Synonyms, SynonymsError};
pub use readonly::ReadOnlyDirectory;

/// Bump when the schema or the analyzer changes: older indexes are then rebuilt.
pub const SCHEMA_VERSION: u32 = 11;
const CURRENT: &str = "CURRENT";
const MANIFEST: &str = "manifest.json";
/// The passages' words as written (lower case, letters only, long enough for a slip:
/// [`crate::semantic::allowed_edits`]), one a line, in a generation directory: what a slip in
/// typing a word is read against.
const SURFACE_WORDS: &str = "surface-words.txt";
/// Held (an OS file lock) by the one build running under an index folder.
const BUILD_LOCK: &str = ".build.lock";
/// The writer's memory budget, shared by its threads: large enough that a million passages
/// make a few segments, so the final merge has little to do.
const WRITER_MEMORY: usize = 600_000_000;
/// Most indexing threads: the build's own thread reads passages and finds their synonym groups
/// beside them, so on a small machine more writer threads only wait for a core.
const MAX_WRITER_THREADS: usize = 2;
/// Most threads searching one query: tantivy searches each segment of an index as a task of its
/// own, so a build leaves one segment per search thread, of about the same size, and a query's
/// time is about that of the largest. A small cap: every thread's segment repeats the per-term
/// work of a search (term lookup, block-max bookkeeping), and one query's threads are cores
/// other requests would have used.
const MAX_SEARCH_THREADS: usize = 4;
/// Bytes of stored passages compressed together. A search reads a dozen passages scattered over
/// the store, and each read decompresses its whole block: small blocks make that cheap, for a
/// slightly larger index (tantivy's default is 16 KiB).
const DOCSTORE_BLOCK: usize = 4096;

/// Fields of the schema, resolved once.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub chunk_id: Field,
    pub doc_id: Field,
    pub kind: Field,
    pub title: Field,
    pub section: Field,
    /// The passage's analysed words: searched, not stored (the passage as written is `passage`).
    pub text: Field,
    /// Title, section, (for a bullet) the lead-in of its list and its document's keywords,
    /// analysed: searched, not stored.
    pub heading: Field,
    /// The synonym groups the passage names (`g<n>`, see `Synonyms::concept`).
    pub concepts: Field,
    pub cites: Field,
    /// The passage's [`Role`](crate::contracts::Role) in its document.
    pub role: Field,
    /// What a list item, step or table row belongs to (see `Chunk::context`), as stored text.
    pub lead: Field,
    /// The passage's text as written: stored, not searched.
    pub passage: Field,
    /// Its document's subject headings (an abstract's MeSH terms, "; " between them): stored,
    /// and searched among the heading's words.
    pub keywords: Field,
}

/// The schema: every field `search --json` returns is stored; `text`, `heading` and `concepts`
/// are searched. The searched text fields are fed words the build thread analysed once
/// ([`ANALYSED`]), so the passage as written is stored in a field of its own.
pub fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text_options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYSED)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        chunk_id: builder.add_text_field("chunk_id", STRING | STORED),
        doc_id: builder.add_text_field("doc_id", STRING | STORED),
        kind: builder.add_text_field("kind", STRING | STORED),
        title: builder.add_text_field("title", STORED),
        section: builder.add_text_field("section", STORED),
        text: builder.add_text_field("text", text_options),
        // Frequencies for BM25, no positions: no phrase is looked for in a heading, and
        // recording them was work for every passage of a build.
        heading: builder.add_text_field(
            "heading",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(ANALYSED)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
        // A concept mark is a flag, not text: how many other groups a passage names says
        // nothing of how much it is about this one, so the field keeps no length norms; and no
        // frequencies (with them, a query naming a synonym group ran block-max pruning instead
        // of tantivy's buffered union, 50% slower at 1M passages: BENCHMARKS.md, issue 27).
        concepts: builder.add_text_field(
            "concepts",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("raw")
                    .set_index_option(IndexRecordOption::Basic)
                    .set_fieldnorms(false),
            ),
        ),
        cites: builder.add_text_field("cites", STRING | STORED),
        role: builder.add_text_field("role", STRING | STORED),
        lead: builder.add_text_field("lead", STORED),
        passage: builder.add_text_field("passage", STORED),
        keywords: builder.add_text_field("keywords", STORED),
    };
    (builder.build(), fields)
}

/// What a built index records about itself (`manifest.json` in its generation directory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema_version: u32,
    pub corpus_hash: String,
    pub articles: usize,
    pub references: usize,
    pub chunks: usize,
    pub built_at_unix: u64,
    pub medcite_version: String,
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("no index at {0}; run `medcite index` to build it")]
    NotBuilt(PathBuf),
    #[error(
        "index at {dir} is corrupt or unreadable ({detail}); run `medcite index` to rebuild it"
    )]
    Corrupt { dir: PathBuf, detail: String },
    #[error(
        "index at {dir} is from schema version {found}, this medcite needs {SCHEMA_VERSION}; run `medcite index`"
    )]
    OldSchema { dir: PathBuf, found: u32 },
    #[error("index build cancelled: {0}")]
    Cancelled(String),
    #[error("writing the new index under {dir} failed: {detail}; the previous index keeps serving")]
    Write { dir: PathBuf, detail: String },
    #[error("could not write the index at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("index engine error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    #[error(transparent)]
    Synonyms(#[from] SynonymsError),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> IndexError + '_ {
    move |source| IndexError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// An opened, read-only index generation.
pub struct SearchIndex {
    pub index: Index,
    pub reader: IndexReader,
    /// Searches a query's segments in parallel (`Searcher::search_with_executor`), for a
    /// query's main top-k search. `Searcher::search` keeps to the calling thread, which is
    /// faster for small searches (a count, a document's passages, the citation expansion):
    /// handing them to threads costs more than it saves (BENCHMARKS.md, issue 27). The server
    /// puts its own here, whose threads run at its pool's priority.
    pub executor: Executor,
    pub fields: Fields,
    pub manifest: Manifest,
    /// The generation directory being served.
    pub generation: PathBuf,
}

impl SearchIndex {
    /// Opens the current generation under `root`: read-only (no lock file, no write, so a
    /// read-only mount serves), read into memory, and every segment file's checksum checked, so
    /// that a truncated or corrupted file is reported here, with what to do, rather than met
    /// by a search.
    pub fn open(root: &Path) -> Result<SearchIndex, IndexError> {
        let generation = current_generation(root)?;
        let corrupt = |detail: String| IndexError::Corrupt {
            dir: root.to_path_buf(),
            detail,
        };
        let manifest_text = fs::read_to_string(generation.join(MANIFEST))
            .map_err(|e| corrupt(format!("manifest: {e}")))?;
        let manifest: Manifest =
            serde_json::from_str(&manifest_text).map_err(|e| corrupt(format!("manifest: {e}")))?;
        if manifest.schema_version != SCHEMA_VERSION {
            return Err(IndexError::OldSchema {
                dir: root.to_path_buf(),
                found: manifest.schema_version,
            });
        }
        let index = Index::open(ReadOnlyDirectory::open(&generation))
            .map_err(|e| corrupt(e.to_string()))?;
        let damaged = index
            .validate_checksum()
            .map_err(|e| corrupt(format!("checking its files: {e}")))?;
        if !damaged.is_empty() {
            let mut names: Vec<String> = damaged.iter().map(|p| p.display().to_string()).collect();
            names.sort();
            return Err(corrupt(format!(
                "damaged file(s) in {}: {}",
                generation.display(),
                names.join(", ")
            )));
        }
        register_tokenizers(&index);
        let (expected, fields) = schema();
        if index.schema() != expected {
            return Err(corrupt("schema differs from the manifest's version".into()));
        }
        let reader: IndexReader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e: tantivy::TantivyError| corrupt(e.to_string()))?;
        let docs = reader.searcher().num_docs() as usize;
        if docs != manifest.chunks {
            return Err(corrupt(format!(
                "holds {docs} passages, its manifest says {}",
                manifest.chunks
            )));
        }
        Ok(SearchIndex {
            index,
            reader,
            executor: search_executor(),
            fields,
            manifest,
            generation,
        })
    }
}

impl SearchIndex {
    /// The passages' words as written (lower case, letters only, five or more), in order.
    pub fn surface_words(&self) -> Result<Vec<String>, IndexError> {
        let path = self.generation.join(SURFACE_WORDS);
        let text = fs::read_to_string(&path).map_err(|e| IndexError::Corrupt {
            dir: self.generation.clone(),
            detail: format!("{SURFACE_WORDS}: {e}"),
        })?;
        Ok(text
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect())
    }

    /// The distinct analysed words of the passages' text, for matching a question's words
    /// against what the corpus says (related words, near spellings).
    pub fn vocabulary(&self) -> Result<Vec<String>, IndexError> {
        let searcher = self.reader.searcher();
        let mut words = std::collections::BTreeSet::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(self.fields.text)?;
            let mut stream = inverted.terms().stream().map_err(|e| IndexError::Corrupt {
                dir: self.generation.clone(),
                detail: format!("term dictionary: {e}"),
            })?;
            while stream.advance() {
                if let Ok(word) = std::str::from_utf8(stream.key()) {
                    words.insert(word.to_string());
                }
            }
        }
        Ok(words.into_iter().collect())
    }
}

/// Threads searching one query's segments, and so segments a build leaves: one per core, at
/// most [`MAX_SEARCH_THREADS`].
pub fn search_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .clamp(1, MAX_SEARCH_THREADS)
}

/// The process's one pool of search threads, shared by every index it opens (a reloaded index
/// starts no threads of its own); the calling thread alone when there is one core or the pool
/// cannot be started.
fn search_executor() -> Executor {
    static EXECUTOR: OnceLock<Executor> = OnceLock::new();
    EXECUTOR
        .get_or_init(|| match search_threads() {
            1 => Executor::single_thread(),
            threads => Executor::multi_thread(threads, "medcite-search-")
                .unwrap_or_else(|_| Executor::single_thread()),
        })
        .clone()
}

/// The generation directory `CURRENT` names.
pub fn current_generation(root: &Path) -> Result<PathBuf, IndexError> {
    let pointer = root.join(CURRENT);
    let name = match fs::read_to_string(&pointer) {
        Ok(name) => name.trim().to_string(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(IndexError::NotBuilt(root.to_path_buf()));
        }
        Err(e) => {
            return Err(IndexError::Corrupt {
                dir: root.to_path_buf(),
                detail: format!("{}: {e}", pointer.display()),
            });
        }
    };
    if generation_number(&name).is_none() || !root.join(&name).is_dir() {
        return Err(IndexError::Corrupt {
            dir: root.to_path_buf(),
            detail: format!("CURRENT names '{name}', which is not a generation directory"),
        });
    }
    Ok(root.join(name))
}

fn generation_number(name: &str) -> Option<u64> {
    name.strip_prefix("gen-")?.parse().ok()
}

/// What a finished build reports.
#[derive(Debug, Clone)]
pub struct BuildSummary {
    pub manifest: Manifest,
    pub generation: PathBuf,
    pub elapsed: Duration,
    /// Of `elapsed`, merging the written segments into one per search thread.
    pub merge: Duration,
    /// Passages in each segment of the new generation.
    pub segments: Vec<u32>,
    /// On-disk size of the new generation, in bytes.
    pub bytes: u64,
}

/// Loads the corpus at `corpus_dir` and builds a new current generation under `root`.
pub fn build_from_dir(
    corpus_dir: &Path,
    root: &Path,
    progress: bool,
) -> Result<BuildSummary, IndexError> {
    let hash = corpus_hash(corpus_dir)?;
    let corpus = Corpus::load(corpus_dir)?;
    let synonyms = Synonyms::load(&corpus_dir.join("synonyms.toml"))?;
    build(&corpus, &synonyms, root, &hash, progress, |_| Ok(()))
}

/// Builds `corpus` into a new generation under `root` and makes it current. `on_chunk` is called
/// after each passage is added (with the count so far) and may cancel the build by returning an
/// error; the old generation keeps serving on any failure.
pub fn build(
    corpus: &Corpus,
    synonyms: &Synonyms,
    root: &Path,
    corpus_hash: &str,
    progress: bool,
    mut on_chunk: impl FnMut(usize) -> Result<(), IndexError>,
) -> Result<BuildSummary, IndexError> {
    let started = Instant::now();
    fs::create_dir_all(root).map_err(io_err(root))?;
    let _lock = lock_builds(root)?;
    remove_dead_builds(root);
    let staging = tempfile::Builder::new()
        .prefix("build-")
        .tempdir_in(root)
        .map_err(io_err(root))?;
    let (schema, fields) = schema();
    let settings = IndexSettings {
        docstore_blocksize: DOCSTORE_BLOCK,
        ..IndexSettings::default()
    };
    let index = Index::builder()
        .schema(schema)
        .settings(settings)
        .create_in_dir(staging.path())?;
    register_tokenizers(&index);
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .clamp(1, MAX_WRITER_THREADS);
    let mut writer = index.writer_with_num_threads::<TantivyDocument>(threads, WRITER_MEMORY)?;
    // The segments are merged once, at the end, into as many as search threads.
    writer.set_merge_policy(Box::new(NoMergePolicy));

    let concepts = ConceptMatcher::new(synonyms);
    let mut analysis = analyzer();
    let mut words: Vec<String> = Vec::new();
    let mut surface: rustc_hash::FxHashSet<String> = rustc_hash::FxHashSet::default();
    let (mut analysed_heading, mut analysed_text) = (String::new(), String::new());
    let total = corpus.chunk_count();
    let bar = if progress && total > 0 {
        let bar = ProgressBar::new(total as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "indexing {bar:40} {pos}/{len} passages ({per_sec}, eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    // A keyword of many articles ("Humans", "Female", "Retrospective Studies") tells none
    // apart: only those of at most `search.keyword_share` of the articles are kept.
    fn mesh(document: &crate::corpus::Document) -> &[String] {
        match &document.meta {
            crate::corpus::DocMeta::Article(meta) => meta.mesh.as_slice(),
            crate::corpus::DocMeta::Reference(_) => &[],
        }
    }
    let mut keyword_articles: std::collections::HashMap<&str, usize> =
        std::collections::HashMap::new();
    for document in &corpus.documents {
        for keyword in mesh(document) {
            *keyword_articles.entry(keyword.as_str()).or_default() += 1;
        }
    }
    let articles = corpus.count(crate::contracts::DocKind::Article).max(1);
    let telling = |keyword: &&String| {
        keyword_articles.get(keyword.as_str()).copied().unwrap_or(0) as f64
            <= crate::retrieval_model::retrieval_model()
                .search
                .keyword_share
                * articles as f64
    };
    let with_keywords = corpus.documents.iter().flat_map(|document| {
        let keywords = mesh(document)
            .iter()
            .filter(telling)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("; ");
        document
            .chunks
            .iter()
            .map(move |chunk| (chunk, keywords.clone()))
    });
    for (n, (chunk, keywords)) in with_keywords.enumerate() {
        let mut doc = TantivyDocument::default();
        doc.add_text(fields.chunk_id, &chunk.id);
        doc.add_text(fields.doc_id, &chunk.doc_id);
        doc.add_text(fields.kind, chunk.kind.as_str());
        doc.add_text(fields.title, &chunk.title);
        doc.add_text(fields.section, &chunk.section);
        doc.add_text(fields.passage, &chunk.text);
        let heading = format!(
            "{}\n{}\n{}\n{keywords}",
            chunk.title, chunk.section, chunk.context
        );
        // Each passage is analysed once, here: its words, for the searched fields, and the
        // heading's words then the text's as one sequence (a synonym may run from one into the
        // other) in word buffers reused from passage to passage, for its synonym groups.
        let mut count = 0;
        let mut remember = |word: &str, written: &str| {
            // The words as written, for near spellings a stem hides ("contraindciations").
            if written.bytes().all(|b| b.is_ascii_alphabetic())
                && crate::semantic::allowed_edits(written).is_some()
                && !surface.contains(written)
            {
                let lower = written.to_ascii_lowercase();
                if !surface.contains(&lower) {
                    surface.insert(lower);
                }
            }
            match words.get_mut(count) {
                Some(kept) => {
                    kept.clear();
                    kept.push_str(word);
                }
                None => words.push(word.to_string()),
            }
            count += 1;
        };
        write_analysed(
            &mut analysis,
            &heading,
            &mut analysed_heading,
            &mut remember,
        );
        write_analysed(
            &mut analysis,
            &chunk.text,
            &mut analysed_text,
            &mut remember,
        );
        for concept in concepts.concepts(&words[..count]) {
            doc.add_text(fields.concepts, &concept);
        }
        doc.add_text(fields.text, &analysed_text);
        doc.add_text(fields.heading, &analysed_heading);
        for cite in &chunk.cites {
            doc.add_text(fields.cites, cite);
        }
        doc.add_text(fields.role, chunk.role.as_str());
        if !chunk.context.is_empty() {
            doc.add_text(fields.lead, &chunk.context);
        }
        if !keywords.is_empty() {
            doc.add_text(fields.keywords, &keywords);
        }
        writer
            .add_document(doc)
            .map_err(|e| write_failed(root, e))?;
        on_chunk(n + 1)?;
        if n % 1024 == 0 {
            bar.set_position(n as u64);
        }
    }
    bar.set_position(total as u64);
    writer.commit().map_err(|e| write_failed(root, e))?;
    let merge_started = Instant::now();
    merge_into(&index, &mut writer, search_threads()).map_err(|e| write_failed(root, e))?;
    writer
        .wait_merging_threads()
        .map_err(|e| write_failed(root, e))?;
    bar.finish_and_clear();
    let merge = merge_started.elapsed();
    let segments = index
        .searchable_segment_metas()?
        .iter()
        .map(|meta| meta.num_docs())
        .collect();

    let manifest = Manifest {
        schema_version: SCHEMA_VERSION,
        corpus_hash: corpus_hash.to_string(),
        articles: corpus.count(DocKind::Article),
        references: corpus.count(DocKind::Reference),
        chunks: total,
        built_at_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        medcite_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let manifest_path = staging.path().join(MANIFEST);
    let manifest_json = serde_json::to_string_pretty(&manifest).map_err(|e| IndexError::Io {
        path: manifest_path.clone(),
        source: e.into(),
    })?;
    write_synced(&manifest_path, manifest_json.as_bytes())?;
    let mut surface: Vec<String> = surface.into_iter().collect();
    surface.sort_unstable();
    let surface_path = staging.path().join(SURFACE_WORDS);
    write_synced(&surface_path, (surface.join("\n") + "\n").as_bytes())?;
    let bytes = dir_size(staging.path());

    let generation = install(staging, root)?;
    remove_older_generations(root, &generation);
    Ok(BuildSummary {
        manifest,
        generation,
        elapsed: started.elapsed(),
        merge,
        segments,
        bytes,
    })
}

/// Merges the committed segments into at most `wanted`, of about the same number of passages,
/// the merges running side by side.
fn merge_into(
    index: &Index,
    writer: &mut IndexWriter,
    wanted: usize,
) -> Result<(), tantivy::TantivyError> {
    let sizes: Vec<(SegmentId, u32)> = index
        .searchable_segment_metas()?
        .iter()
        .map(|meta| (meta.id(), meta.num_docs()))
        .collect();
    let merges: Vec<_> = balanced_groups(&sizes, wanted)
        .into_iter()
        .filter(|group| group.len() > 1)
        .map(|group| writer.merge(&group))
        .collect();
    for merge in merges {
        merge.wait()?;
    }
    Ok(())
}

/// `sizes` (an item and its passages) in at most `wanted` groups of about the same total: the
/// largest first, each into the group that has the fewest so far.
fn balanced_groups<T: Copy>(sizes: &[(T, u32)], wanted: usize) -> Vec<Vec<T>> {
    let mut largest_first = sizes.to_vec();
    largest_first.sort_by_key(|&(_, size)| std::cmp::Reverse(size));
    let mut groups: Vec<(u64, Vec<T>)> = Vec::new();
    for (item, size) in largest_first {
        if groups.len() < wanted.max(1) {
            groups.push((u64::from(size), vec![item]));
        } else if let Some(smallest) = groups.iter_mut().min_by_key(|(total, _)| *total) {
            smallest.0 += u64::from(size);
            smallest.1.push(item);
        }
    }
    groups.into_iter().map(|(_, items)| items).collect()
}

/// Our analyzer, for what reads the index, and the splitter of words it analysed, for its
/// searched fields.
fn register_tokenizers(index: &Index) {
    index.tokenizers().register(ANALYZER, analyzer());
    index
        .tokenizers()
        .register(ANALYSED, TextAnalyzer::from(AnalysedWords::default()));
}

/// A failed write of the index, with the likely cause when the disk is (nearly) full.
fn write_failed(root: &Path, error: tantivy::TantivyError) -> IndexError {
    let mut detail = error.to_string();
    if let Some(free) = free_bytes(root)
        && free < 16 * 1024 * 1024
    {
        detail = format!(
            "the disk holding it is full ({} KiB free); free some space and run `medcite index` again ({detail})",
            free / 1024
        );
    }
    IndexError::Write {
        dir: root.to_path_buf(),
        detail,
    }
}

/// Bytes free for unprivileged writes on the file system holding `path`.
fn free_bytes(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut stats = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
    // SAFETY: `c_path` is a valid NUL-terminated string and `stats` points to writable memory
    // of the right type; statvfs only writes into it.
    let status = unsafe { libc::statvfs(c_path.as_ptr(), stats.as_mut_ptr()) };
    if status != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it filled `stats`.
    let stats = unsafe { stats.assume_init() };
    Some(stats.f_bavail.saturating_mul(stats.f_frsize))
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), IndexError> {
    let mut file = fs::File::create(path).map_err(io_err(path))?;
    file.write_all(bytes).map_err(io_err(path))?;
    file.sync_all().map_err(io_err(path))
}

/// Renames the finished staging directory to the next `gen-N` and points `CURRENT` at it.
fn install(staging: tempfile::TempDir, root: &Path) -> Result<PathBuf, IndexError> {
    let mut number = latest_generation_number(root) + 1;
    let staged = staging.path().to_path_buf();
    let generation = loop {
        let candidate = root.join(format!("gen-{number:06}"));
        match fs::rename(&staged, &candidate) {
            Ok(()) => break candidate,
            // Another build took this number meanwhile: try the next one.
            Err(_) if candidate.exists() && number < u64::MAX => number += 1,
            Err(e) => return Err(io_err(&candidate)(e)),
        }
    };
    // The staging directory has moved; keep TempDir from deleting a path that no longer exists.
    let _ = staging.keep();
    let mut pointer = tempfile::NamedTempFile::new_in(root).map_err(io_err(root))?;
    let name = generation
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    pointer
        .write_all(format!("{name}\n").as_bytes())
        .and_then(|()| pointer.as_file().sync_all())
        .map_err(io_err(root))?;
    pointer
        .persist(root.join(CURRENT))
        .map_err(|e| io_err(root)(e.error))?;
    if let Ok(dir) = fs::File::open(root) {
        let _ = dir.sync_all();
    }
    Ok(generation)
}

fn latest_generation_number(root: &Path) -> u64 {
    fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| generation_number(&e.file_name().to_string_lossy()))
        .max()
        .unwrap_or(0)
}

/// Waits for any other build under `root` to finish and keeps others out until the returned
/// file is dropped (the OS releases the lock when a build is killed, too).
fn lock_builds(root: &Path) -> Result<fs::File, IndexError> {
    let path = root.join(BUILD_LOCK);
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_err(&path))?;
    file.lock().map_err(io_err(&path))?;
    Ok(file)
}

/// Deletes the staging directories (`build-*`) of builds that were interrupted. Called with the
/// build lock held, so no build is writing one.
fn remove_dead_builds(root: &Path) {
    for entry in fs::read_dir(root).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with("build-") {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Deletes generations older than `current`. Best effort: a server still serving an old
/// generation has it in memory.
fn remove_older_generations(root: &Path, current: &Path) {
    let current_number = current
        .file_name()
        .and_then(|n| generation_number(&n.to_string_lossy()))
        .unwrap_or(0);
    for entry in fs::read_dir(root).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if generation_number(&name).is_some_and(|n| n < current_number) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn dir_size(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// How `open_fresh` found the index.
#[derive(Debug, Clone)]
pub enum Freshness {
    /// Built from the corpus as it is now.
    Fresh,
    /// Was missing or stale and has just been rebuilt.
    Rebuilt(BuildSummary),
    /// The corpus changed but the rebuild failed; the previous index is serving.
    Stale { reason: String },
}

/// Opens the index under `root`, first (re)building it when it is missing, from an older schema,
/// or built from another corpus than the one at `corpus_dir`. A failed rebuild over an existing
/// index keeps the old one and says why; a corrupt index is an error.
pub fn open_fresh(
    corpus_dir: &Path,
    root: &Path,
    progress: bool,
) -> Result<(SearchIndex, Freshness), IndexError> {
    let hash = corpus_hash(corpus_dir)?;
    match SearchIndex::open(root) {
        Ok(index) if index.manifest.corpus_hash == hash => Ok((index, Freshness::Fresh)),
        Ok(index) => match build_from_dir(corpus_dir, root, progress) {
            Ok(summary) => Ok((SearchIndex::open(root)?, Freshness::Rebuilt(summary))),
            Err(e) => Ok((
                index,
                Freshness::Stale {
                    reason: e.to_string(),
                },
            )),
        },
        Err(IndexError::NotBuilt(_) | IndexError::OldSchema { .. }) => {
            let summary = build_from_dir(corpus_dir, root, progress)?;
            Ok((SearchIndex::open(root)?, Freshness::Rebuilt(summary)))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_grouped_largest_first_onto_the_smallest_group() {
        let sizes = [('a', 500), ('b', 300), ('c', 200), ('d', 100)];
        assert_eq!(
            balanced_groups(&sizes, 2),
            vec![vec!['a', 'd'], vec!['b', 'c']]
        );
        assert_eq!(balanced_groups(&sizes, 1), vec![vec!['a', 'b', 'c', 'd']]);
    }

    #[test]
    fn fewer_segments_than_wanted_are_left_as_they_are() {
        assert_eq!(balanced_groups(&[('a', 7)], 2), vec![vec!['a']]);
        assert!(balanced_groups::<char>(&[], 2).is_empty());
        assert_eq!(
            balanced_groups(&[('a', 7), ('b', 1)], 0),
            vec![vec!['a', 'b']]
        );
    }

    #[test]
    fn a_build_leaves_at_most_one_segment_per_search_thread() {
        let dir = tempfile::TempDir::new().unwrap();
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let built = build_from_dir(&corpus, &dir.path().join("index"), false).unwrap();
        assert!(
            (1..=search_threads()).contains(&built.segments.len()),
            "{:?}",
            built.segments
        );
        let passages: u32 = built.segments.iter().sum();
        assert_eq!(passages as usize, built.manifest.chunks);
    }

    #[test]
    fn a_build_keeps_the_passages_words_as_written() {
        let dir = tempfile::TempDir::new().unwrap();
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        build_from_dir(&corpus, &dir.path().join("index"), false).unwrap();
        let words = SearchIndex::open(&dir.path().join("index"))
            .unwrap()
            .surface_words()
            .unwrap();
        // Stems hide a slip's word ("methotrex"); the word as written is one edit from it.
        assert!(words.iter().any(|w| w == "methotrexate"), "{words:?}");
        assert!(
            words
                .iter()
                .all(|w| crate::semantic::allowed_edits(w).is_some()
                    && w.chars().all(|c| c.is_ascii_lowercase()))
        );
        assert!(
            words.windows(2).all(|pair| pair[0] < pair[1]),
            "sorted, each once"
        );
    }
}

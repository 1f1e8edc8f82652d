//! Reading `corpus/`: TOML front matter, Markdown bodies parsed with pulldown-cmark, and chunks
//! (a paragraph, or a top-level bullet with its sub-bullets) carrying their heading path and the
//! reference ids they cite. It never touches the index or anything downstream.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use pulldown_cmark::{Event, HeadingLevel, MetadataBlockKind, Options, Parser, Tag, TagEnd};
use regex::Regex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::contracts::{DocKind, Role};

/// One problem with one corpus file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    pub path: PathBuf,
    pub problem: String,
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.problem)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error(
        "corpus directory {0} not found; pass --corpus DIR (or set MEDCITE_CORPUS) to a folder with articles/ and references/"
    )]
    Missing(PathBuf),
    #[error("corpus at {0} has no articles: add at least one Markdown file under articles/")]
    NoArticles(PathBuf),
    #[error("could not read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} corpus file(s) are invalid; nothing was indexed:\n{}", .0.len(), list_problems(.0))]
    Invalid(Vec<FileProblem>),
}

fn list_problems(problems: &[FileProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Front matter of an article (`corpus/articles/<id>.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleMeta {
    pub id: String,
    pub title: String,
    pub question: String,
    /// Date of last update, `YYYY-MM-DD`; empty when unknown (an imported abstract has only its
    /// publication year).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub updated: String,
    /// Where the article stands in its editorial review, as its source page says it
    /// ("pending human review", "reviewed by …"); shown on the page beside the date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_status: Option<String>,
    /// PubMed id, for an article that is itself a publication (an imported abstract).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pmid: Option<String>,
    /// Year of publication, when the article is itself a publication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    /// MeSH terms indexed for it in PubMed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mesh: Vec<String>,
    /// Citation number (as written in the body, `[N]`) → reference id. An article without it
    /// cites nothing, so bracketed numbers in its text stay text (an abstract keeps the `[3]`s
    /// of its own reference list).
    #[serde(default)]
    pub references: BTreeMap<String, String>,
}

/// Front matter of a reference note (`corpus/references/<id>.md`): real bibliographic facts only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceMeta {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub authors: Vec<String>,
    /// True when `authors` lists only some of the authors ("et al.").
    #[serde(default)]
    pub authors_incomplete: bool,
    pub journal: Option<String>,
    pub year: Option<u16>,
    pub volume: Option<String>,
    pub issue: Option<String>,
    pub pages: Option<String>,
    pub doi: Option<String>,
    pub pmid: Option<String>,
    /// Whether the publication behind the article's citation could be identified at all.
    pub identified: bool,
    /// `confirmed`, `candidate` or `unknown`.
    pub confidence: String,
    /// What the article cites this reference for, in one sentence.
    pub cited_for: String,
}

impl ReferenceMeta {
    /// A one-line citation ("Kassardjian CD, Lennon VA, et al. Title. JAMA Neurology 2015;72(9):996-1003. PMID 26192196.").
    pub fn citation_line(&self) -> String {
        if !self.identified {
            return format!("{} (source not traced).", self.title.trim_end_matches('.'));
        }
        let mut out = String::new();
        if !self.authors.is_empty() {
            out.push_str(&self.authors.join(", "));
            if self.authors_incomplete {
                out.push_str(", et al");
            }
            out.push_str(". ");
        }
        out.push_str(self.title.trim_end_matches('.'));
        out.push('.');
        if let Some(journal) = &self.journal {
            out.push(' ');
            out.push_str(journal);
            if let Some(year) = self.year {
                out.push_str(&format!(" {year}"));
            }
            if let Some(volume) = &self.volume {
                out.push_str(&format!(";{volume}"));
                if let Some(issue) = &self.issue {
                    out.push_str(&format!("({issue})"));
                }
            }
            if let Some(pages) = &self.pages {
                out.push_str(&format!(":{pages}"));
            }
            out.push('.');
        }
        if let Some(pmid) = &self.pmid {
            out.push_str(&format!(" PMID {pmid}."));
        }
        if let Some(doi) = &self.doi {
            out.push_str(&format!(" doi:{doi}."));
        }
        if self.confidence == "candidate" {
            out.push_str(" (Candidate identification, not confirmed.)");
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum DocMeta {
    Article(ArticleMeta),
    Reference(ReferenceMeta),
}

/// A corpus document with its chunks.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub id: String,
    pub kind: DocKind,
    pub title: String,
    pub meta: DocMeta,
    /// The Markdown body after the front matter, as written.
    pub body: String,
    pub path: PathBuf,
    pub chunks: Vec<Chunk>,
}

/// The unit of retrieval: a paragraph, or a top-level bullet with its sub-bullets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    /// `<doc_id>#<n>`, n counting from 1 in document order.
    pub id: String,
    pub doc_id: String,
    pub kind: DocKind,
    pub title: String,
    /// Heading path, joined with " › " (the document's H1 is left out when deeper headings exist).
    pub section: String,
    /// Plain text, citation markers removed; sub-bullets on their own lines as "- ".
    pub text: String,
    /// Reference ids cited by this chunk, in order of first citation.
    pub cites: Vec<String>,
    /// What the chunk is in the document's structure.
    #[serde(default)]
    pub role: Role,
    /// What the chunk belongs to: for a list item or a step, the lead-in paragraph right before
    /// its list ("For severe, rapidly progressive cases …:"); for a table row, the table's header
    /// row. Searchable, so an item is found by the words of its context; empty otherwise.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub context: String,
}

/// All documents of a corpus, validated together.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub root: PathBuf,
    pub documents: Vec<Document>,
}

impl Document {
    /// The Markdown body after the front matter: kept when the document was fully loaded, read
    /// from its file when it came from a catalogue.
    pub fn read_body(&self) -> Result<String, CorpusError> {
        if !self.body.is_empty() || !self.chunks.is_empty() {
            return Ok(self.body.clone());
        }
        let text = fs::read_to_string(&self.path).map_err(|source| CorpusError::Io {
            path: self.path.clone(),
            source,
        })?;
        let (_, body, _) = split_front_matter(&text).map_err(|problem| {
            CorpusError::Invalid(vec![FileProblem {
                path: self.path.clone(),
                problem,
            }])
        })?;
        Ok(body.to_string())
    }
}

impl Corpus {
    /// Reads and validates every article and reference note under `root`. Every bad file is
    /// reported, not just the first, and a bad file never drops silently: the whole load fails.
    pub fn load(root: &Path) -> Result<Corpus, CorpusError> {
        Corpus::load_with(root, Parse::Full)
    }

    /// Reads and validates the front matter of every document, without passages or bodies:
    /// the catalogue a server keeps in memory (bodies are read on demand, see
    /// [`Document::read_body`]).
    pub fn load_catalogue(root: &Path) -> Result<Corpus, CorpusError> {
        Corpus::load_with(root, Parse::Catalogue)
    }

    fn load_with(root: &Path, mode: Parse) -> Result<Corpus, CorpusError> {
        if !root.is_dir() {
            return Err(CorpusError::Missing(root.to_path_buf()));
        }
        let articles = markdown_files(&root.join("articles"))?;
        if articles.is_empty() {
            return Err(CorpusError::NoArticles(root.to_path_buf()));
        }
        let references = markdown_files(&root.join("references"))?;
        let mut documents = Vec::new();
        let mut problems = Vec::new();
        for (kind, paths) in [
            (DocKind::Reference, references),
            (DocKind::Article, articles),
        ] {
            for path in paths {
                let text = fs::read_to_string(&path).map_err(|source| CorpusError::Io {
                    path: path.clone(),
                    source,
                })?;
                match parse_with(kind, &path, &text, mode) {
                    Ok(doc) => documents.push(doc),
                    Err(problem) => problems.push(FileProblem { path, problem }),
                }
            }
        }
        let mut corpus = Corpus::check(documents, problems)?;
        corpus.root = root.to_path_buf();
        Ok(corpus)
    }

    /// Parses documents given as (kind, path, text); the path names the file in errors and its
    /// stem must equal the document id.
    pub fn from_sources(sources: &[(DocKind, PathBuf, String)]) -> Result<Corpus, CorpusError> {
        let mut problems = Vec::new();
        let mut documents = Vec::new();
        for (kind, path, text) in sources {
            match parse_document(*kind, path, text) {
                Ok(doc) => documents.push(doc),
                Err(problem) => problems.push(FileProblem {
                    path: path.clone(),
                    problem,
                }),
            }
        }
        Corpus::check(documents, problems)
    }

    /// The checks across files (unique ids, cited references exist), then the corpus, articles
    /// first; every problem is listed.
    fn check(
        mut documents: Vec<Document>,
        mut problems: Vec<FileProblem>,
    ) -> Result<Corpus, CorpusError> {
        let mut seen: HashMap<&str, &Path> = HashMap::new();
        for doc in &documents {
            if let Some(first) = seen.insert(&doc.id, &doc.path) {
                problems.push(FileProblem {
                    path: doc.path.clone(),
                    problem: format!(
                        "duplicate document id '{}' (also used by {})",
                        doc.id,
                        first.display()
                    ),
                });
            }
        }
        let reference_ids: BTreeSet<&str> = documents
            .iter()
            .filter(|d| d.kind == DocKind::Reference)
            .map(|d| d.id.as_str())
            .collect();
        for doc in &documents {
            if let DocMeta::Article(meta) = &doc.meta {
                for (number, id) in &meta.references {
                    if !reference_ids.contains(id.as_str()) {
                        problems.push(FileProblem {
                            path: doc.path.clone(),
                            problem: format!(
                                "front matter maps citation [{number}] to reference '{id}', but there is no references/{id}.md"
                            ),
                        });
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(CorpusError::Invalid(problems));
        }
        documents.sort_by(|a, b| {
            (a.kind != DocKind::Article, &a.id).cmp(&(b.kind != DocKind::Article, &b.id))
        });
        unlink_chunks(&mut documents);
        Ok(Corpus {
            root: PathBuf::new(),
            documents,
        })
    }

    pub fn document(&self, id: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.id == id)
    }

    pub fn chunks(&self) -> impl Iterator<Item = &Chunk> {
        self.documents.iter().flat_map(|d| d.chunks.iter())
    }

    pub fn chunk_count(&self) -> usize {
        self.documents.iter().map(|d| d.chunks.len()).sum()
    }

    pub fn count(&self, kind: DocKind) -> usize {
        self.documents.iter().filter(|d| d.kind == kind).count()
    }
}

/// `*.md` files directly in `dir`, sorted; a missing folder is an empty list.
fn markdown_files(dir: &Path) -> Result<Vec<PathBuf>, CorpusError> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let entries = fs::read_dir(dir).map_err(|source| CorpusError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| CorpusError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        // Not `is_file()`: a name whose file is gone (a dangling link, a file deleted after the
        // listing) must fail the load when it is read, never be skipped silently.
        if !path.is_dir() && path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// A stable hash of everything indexing reads (the Markdown files under articles/ and
/// references/, with their paths, synonyms.toml and the compiled general synonym groups), so an
/// index can tell whether it is stale.
pub fn corpus_hash(root: &Path) -> Result<String, CorpusError> {
    if !root.is_dir() {
        return Err(CorpusError::Missing(root.to_path_buf()));
    }
    let mut hasher = Sha256::new();
    for sub in ["articles", "references"] {
        for path in markdown_files(&root.join(sub))? {
            let bytes = fs::read(&path).map_err(|source| CorpusError::Io {
                path: path.clone(),
                source,
            })?;
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            hasher.update(format!(
                "{sub}/{}\0{}\0",
                name.unwrap_or_default(),
                bytes.len()
            ));
            hasher.update(&bytes);
        }
    }
    match fs::read(root.join("synonyms.toml")) {
        Ok(bytes) => {
            hasher.update(b"synonyms.toml\0");
            hasher.update(&bytes);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(CorpusError::Io {
                path: root.join("synonyms.toml"),
                source,
            });
        }
    }
    // The index marks passages with the general synonym groups and the drug names too (before
    // the corpus's own), and analyses them without the stop words: a change to any of them
    // must rebuild it.
    hasher.update(b"general synonyms\0");
    for group in crate::question::vocabulary().synonym_groups() {
        hasher.update(group.join("\0"));
        hasher.update(b"\n");
    }
    hasher.update(b"drug names, less those read as ordinary words\0");
    hasher.update(crate::synonyms::DRUG_NAMES);
    hasher.update(crate::synonyms::BRAND_NAMES);
    hasher.update(b"body adjectives\0");
    hasher.update(crate::synonyms::BODY_ADJECTIVES);
    hasher.update(b"stop words\0");
    hasher.update(crate::text::english().stop_words.join("\0"));
    Ok(hex::encode(hasher.finalize()))
}

static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[ \t]*\[(\d{1,3}(?:[ \t]*[,–-][ \t]*\d{1,3})*)\]").expect("marker regex is valid")
});
static ID_SHAPE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9][a-z0-9-]{0,127}$").expect("id regex is valid"));
static DATE_SHAPE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{4}-\d{2}-\d{2}$").expect("date regex is valid"));

/// Whether `id` has the shape of a document id (lowercase letters, digits, dashes).
pub fn is_valid_id(id: &str) -> bool {
    ID_SHAPE.is_match(id)
}

/// Parses one document; the error is a plain description of what is wrong with the file.
pub fn parse_document(kind: DocKind, path: &Path, text: &str) -> Result<Document, String> {
    parse_with(kind, path, text, Parse::Full)
}

/// How much of a document to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parse {
    /// Front matter, body and passages.
    Full,
    /// Front matter only.
    Catalogue,
}

fn parse_with(kind: DocKind, path: &Path, text: &str, mode: Parse) -> Result<Document, String> {
    let (front, body, body_offset) = split_front_matter(text)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (id, title, meta, citation_map) = match kind {
        DocKind::Article => {
            let meta: ArticleMeta = toml::from_str(&front)
                .map_err(|e| format!("bad front matter: {}", one_line(&e.to_string())))?;
            validate_article(&meta)?;
            let map: HashMap<u32, String> = meta
                .references
                .iter()
                .filter_map(|(k, v)| k.trim().parse::<u32>().ok().map(|n| (n, v.clone())))
                .collect();
            let map = (!map.is_empty()).then_some(map);
            (
                meta.id.clone(),
                meta.title.clone(),
                DocMeta::Article(meta),
                map,
            )
        }
        DocKind::Reference => {
            let meta: ReferenceMeta = toml::from_str(&front)
                .map_err(|e| format!("bad front matter: {}", one_line(&e.to_string())))?;
            validate_reference(&meta)?;
            (
                meta.id.clone(),
                meta.title.clone(),
                DocMeta::Reference(meta),
                None,
            )
        }
    };
    if id != stem {
        return Err(format!(
            "front matter id '{id}' does not match the file name; rename the file to {id}.md or fix the id"
        ));
    }
    if mode == Parse::Catalogue {
        return Ok(Document {
            id,
            kind,
            title,
            meta,
            body: String::new(),
            path: path.to_path_buf(),
            chunks: Vec::new(),
        });
    }
    let chunks = chunk_body(&id, kind, &title, body, citation_map.as_ref()).map_err(
        |(offset, problem)| {
            let line = text[..(body_offset + offset).min(text.len())]
                .lines()
                .count()
                .max(1);
            format!("line {line}: {problem}")
        },
    )?;
    if chunks.is_empty() {
        return Err("empty document: no paragraph or bullet after the front matter".into());
    }
    Ok(Document {
        id,
        kind,
        title,
        meta,
        body: body.to_string(),
        path: path.to_path_buf(),
        chunks,
    })
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits the `+++`-delimited TOML front matter (pulldown-cmark's metadata block) from the body;
/// returns (front matter, body, byte offset of the body in `text`).
fn split_front_matter(text: &str) -> Result<(String, &str, usize), String> {
    let options = Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS;
    let mut events = Parser::new_ext(text, options).into_offset_iter();
    let opened = matches!(
        events.next(),
        Some((
            Event::Start(Tag::MetadataBlock(MetadataBlockKind::PlusesStyle)),
            _
        ))
    );
    if opened {
        let mut front = String::new();
        for (event, range) in events {
            match event {
                Event::Text(t) => front.push_str(&t),
                Event::End(TagEnd::MetadataBlock(_)) => {
                    let body_start = range.end.min(text.len());
                    return Ok((front, &text[body_start..], body_start));
                }
                _ => {}
            }
        }
    }
    let first_line = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    if first_line.trim_end() == "+++" {
        Err("front matter is not closed (or starts with a blank line): put the TOML right after the first '+++' line and close it with another '+++' line".into())
    } else {
        Err("no front matter: the file must start with a TOML block between two '+++' lines".into())
    }
}

fn validate_article(meta: &ArticleMeta) -> Result<(), String> {
    if !is_valid_id(&meta.id) {
        return Err(format!(
            "bad front matter: id '{}' must be lowercase letters, digits and dashes",
            meta.id
        ));
    }
    for (name, value) in [("title", &meta.title), ("question", &meta.question)] {
        if value.trim().is_empty() {
            return Err(format!("bad front matter: {name} is empty"));
        }
    }
    if !meta.updated.is_empty() && !DATE_SHAPE.is_match(&meta.updated) {
        return Err(format!(
            "bad front matter: updated = '{}' is not a YYYY-MM-DD date",
            meta.updated
        ));
    }
    if meta
        .pmid
        .as_deref()
        .is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!(
            "bad front matter: pmid = '{}' must be digits",
            meta.pmid.as_deref().unwrap_or_default()
        ));
    }
    for (number, id) in &meta.references {
        if number.trim().parse::<u32>().map_or(true, |n| n == 0) {
            return Err(format!(
                "bad front matter: [references] key '{number}' is not a citation number (1, 2, …)"
            ));
        }
        if !is_valid_id(id) {
            return Err(format!(
                "bad front matter: [references] {number} = '{id}' is not a valid reference id"
            ));
        }
    }
    Ok(())
}

fn validate_reference(meta: &ReferenceMeta) -> Result<(), String> {
    if !is_valid_id(&meta.id) {
        return Err(format!(
            "bad front matter: id '{}' must be lowercase letters, digits and dashes",
            meta.id
        ));
    }
    if meta.title.trim().is_empty() {
        return Err("bad front matter: title is empty".into());
    }
    if meta.cited_for.trim().is_empty() {
        return Err(
            "bad front matter: cited_for is empty (say what the article cites it for)".into(),
        );
    }
    match meta.confidence.as_str() {
        "confirmed" | "candidate" | "unknown" => {}
        other => {
            return Err(format!(
                "bad front matter: confidence = '{other}' must be confirmed, candidate or unknown"
            ));
        }
    }
    if meta.identified {
        if meta.confidence == "unknown" {
            return Err(
                "bad front matter: identified = true needs confidence confirmed or candidate"
                    .into(),
            );
        }
        if meta.authors.is_empty() || meta.journal.is_none() || meta.year.is_none() {
            return Err(
                "bad front matter: an identified reference needs authors, journal and year".into(),
            );
        }
        if meta.pmid.is_none() && meta.doi.is_none() {
            return Err("bad front matter: an identified reference needs a pmid or a doi".into());
        }
    } else if meta.confidence != "unknown" {
        return Err("bad front matter: identified = false needs confidence = 'unknown'".into());
    }
    Ok(())
}

/// A chunk being assembled from Markdown events.
#[derive(Default)]
struct Block {
    lines: Vec<String>,
    line: String,
    start: usize,
    role: Role,
}

impl Block {
    fn break_line(&mut self, next_prefix: &str) {
        let done = std::mem::take(&mut self.line);
        if !done.trim().is_empty() {
            self.lines.push(done);
        }
        self.line.push_str(next_prefix);
    }
}

type ChunkError = (usize, String);

fn chunk_body(
    doc_id: &str,
    kind: DocKind,
    title: &str,
    body: &str,
    citations: Option<&HashMap<u32, String>>,
) -> Result<Vec<Chunk>, ChunkError> {
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut headings: Vec<(HeadingLevel, String)> = Vec::new();
    let mut heading: Option<(HeadingLevel, String)> = None;
    let mut block: Option<Block> = None;
    let mut list_depth = 0usize;
    let mut in_table = false;
    let mut lead_in = String::new();
    // The chunk of the last top-level paragraph, while nothing else has followed it: a list
    // starting now makes it that list's lead-in.
    let mut last_paragraph: Option<usize> = None;
    // Numbered (true) or bulleted, for each open list.
    let mut ordered: Vec<bool> = Vec::new();
    // The header row of the table being read, and the cells of its current row.
    let mut table_header = String::new();
    let mut header_cells: Vec<String> = Vec::new();
    let mut cells: Vec<String> = Vec::new();

    let finish = |block: Block,
                  headings: &[(HeadingLevel, String)],
                  context: &str,
                  chunks: &mut Vec<Chunk>|
     -> Result<(), ChunkError> {
        let mut lines = block.lines;
        if !block.line.trim().is_empty() {
            lines.push(block.line);
        }
        let raw = lines
            .iter()
            .map(|l| collapse_spaces(l))
            .collect::<Vec<_>>()
            .join("\n");
        let (text, cites) = match citations {
            Some(map) => strip_markers(&raw, map).map_err(|e| (block.start, e))?,
            None => (raw, Vec::new()),
        };
        let text = text.trim().to_string();
        if text.is_empty() {
            return Ok(());
        }
        let context = match citations {
            Some(map) if !context.is_empty() => strip_markers(context, map)
                .map(|(text, _)| text.trim().to_string())
                .unwrap_or_else(|_| context.to_string()),
            _ => context.to_string(),
        };
        chunks.push(Chunk {
            id: format!("{doc_id}#{}", chunks.len() + 1),
            doc_id: doc_id.to_string(),
            kind,
            title: title.to_string(),
            section: section_path(headings, title),
            text,
            cites,
            role: block.role,
            context,
        });
        Ok(())
    };

    let parser = Parser::new_ext(body, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    for (event, range) in parser.into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                // A paragraph that ends its section introducing something
                // ("Select from these evidence-based options:") introduces the sections after
                // it: a lead-in of them (see `Retriever::list_items`).
                if let Some(at) = last_paragraph.take()
                    && let Some(lead) = chunks.get_mut(at)
                    && lead.text.trim_end().ends_with(':')
                {
                    lead.role = Role::LeadIn;
                }
                lead_in.clear();
                heading = Some((level, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text)) = heading.take() {
                    headings.retain(|(l, _)| *l < level);
                    headings.push((level, collapse_spaces(&text)));
                }
            }
            Event::Start(Tag::List(start)) => {
                if list_depth == 0
                    && let Some(at) = last_paragraph.take()
                    && let Some(lead) = chunks.get_mut(at)
                {
                    lead.role = Role::LeadIn;
                    lead_in = lead.text.clone();
                }
                list_depth += 1;
                ordered.push(start.is_some());
            }
            Event::End(TagEnd::List(_)) => {
                list_depth = list_depth.saturating_sub(1);
                ordered.pop();
            }
            Event::Start(Tag::Item) => {
                if list_depth <= 1 {
                    let role = if ordered.last() == Some(&true) {
                        Role::Step
                    } else {
                        Role::ListItem
                    };
                    block = Some(Block {
                        start: range.start,
                        role,
                        ..Block::default()
                    });
                } else if let Some(b) = block.as_mut() {
                    b.break_line(&format!("{}- ", "  ".repeat(list_depth - 2)));
                }
            }
            Event::End(TagEnd::Item) if list_depth <= 1 => {
                if let Some(b) = block.take() {
                    finish(b, &headings, &lead_in, &mut chunks)?;
                }
            }
            Event::Start(Tag::Paragraph | Tag::CodeBlock(_)) => {
                if list_depth == 0 && !in_table {
                    block = Some(Block {
                        start: range.start,
                        ..Block::default()
                    });
                } else if let Some(b) = block.as_mut()
                    && !b.line.trim().is_empty()
                    && !b.line.trim().ends_with('-')
                {
                    b.line.push(' ');
                }
            }
            Event::End(TagEnd::Paragraph | TagEnd::CodeBlock) if list_depth == 0 && !in_table => {
                if let Some(b) = block.take() {
                    let before = chunks.len();
                    finish(b, &headings, "", &mut chunks)?;
                    lead_in.clear();
                    last_paragraph = (chunks.len() > before).then(|| chunks.len() - 1);
                }
            }
            Event::Start(Tag::Table(_)) => {
                in_table = true;
                last_paragraph = None;
                table_header.clear();
                header_cells.clear();
            }
            Event::End(TagEnd::Table) => {
                in_table = false;
                table_header.clear();
            }
            Event::Start(Tag::TableHead | Tag::TableRow) => {
                cells.clear();
                block = Some(Block {
                    start: range.start,
                    role: Role::TableRow,
                    ..Block::default()
                });
            }
            Event::End(TagEnd::TableCell) => {
                if let Some(b) = block.as_mut() {
                    cells.push(collapse_spaces(std::mem::take(&mut b.line).trim()));
                }
            }
            Event::End(TagEnd::TableHead) => {
                block = None;
                table_header = cells.join(" | ");
                header_cells = std::mem::take(&mut cells);
            }
            Event::End(TagEnd::TableRow) => {
                if let Some(mut b) = block.take()
                    && cells.iter().any(|c| !c.is_empty())
                {
                    b.line = with_headers(&header_cells, &cells);
                    finish(b, &headings, &table_header, &mut chunks)?;
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, h)) = heading.as_mut() {
                    h.push_str(&t);
                } else if let Some(b) = block.as_mut() {
                    if t.contains('\n') {
                        for (i, part) in t.split('\n').enumerate() {
                            if i > 0 {
                                b.break_line("");
                            }
                            b.line.push_str(part);
                        }
                    } else {
                        b.line.push_str(&t);
                    }
                }
            }
            Event::SoftBreak => {
                if let Some((_, h)) = heading.as_mut() {
                    h.push(' ');
                } else if let Some(b) = block.as_mut() {
                    b.line.push(' ');
                }
            }
            Event::HardBreak => {
                if let Some(b) = block.as_mut() {
                    b.break_line("");
                }
            }
            _ => {}
        }
    }
    Ok(chunks)
}

/// Passages carry no links, images or addresses (see [`crate::text::without_links`]): only the
/// DOI or PubMed address of the document itself (a reference note) or of a reference its passage
/// cites stays, as text. A passage left empty goes.
fn unlink_chunks(documents: &mut [Document]) {
    let identifiers: HashMap<String, Vec<String>> = documents
        .iter()
        .filter_map(|d| match &d.meta {
            DocMeta::Reference(meta) => Some((
                d.id.clone(),
                [&meta.doi, &meta.pmid]
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect(),
            )),
            DocMeta::Article(_) => None,
        })
        .collect();
    let none = Vec::new();
    for doc in documents.iter_mut() {
        let own = identifiers.get(&doc.id).unwrap_or(&none);
        for chunk in &mut doc.chunks {
            let allowed: Vec<&str> = own
                .iter()
                .chain(
                    chunk
                        .cites
                        .iter()
                        .flat_map(|c| identifiers.get(c).unwrap_or(&none)),
                )
                .map(String::as_str)
                .collect();
            let keep = |url: &str| crate::text::names_identifier(url, &allowed);
            if let Cow::Owned(text) = crate::text::without_links(&chunk.text, keep) {
                chunk.text = text.trim().to_string();
            }
            if let Cow::Owned(context) = crate::text::without_links(&chunk.context, keep) {
                chunk.context = context.trim().to_string();
            }
        }
        doc.chunks.retain(|c| !c.text.is_empty());
    }
}

/// A table row as a passage that reads on its own: each cell after its column's header
/// ("Parameter: pH; Mild: 7.25-7.30; Severe: < 7.00"), empty cells left out; a cell without a
/// header (or a table without a header row) as it is.
fn with_headers(headers: &[String], cells: &[String]) -> String {
    cells
        .iter()
        .enumerate()
        .filter(|(_, cell)| !cell.is_empty())
        .map(|(n, cell)| match headers.get(n).filter(|h| !h.is_empty()) {
            Some(header) => format!("{header}: {cell}"),
            None => cell.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn collapse_spaces(line: &str) -> String {
    let indent: String = line.chars().take_while(|c| *c == ' ').collect();
    let rest = line.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{indent}{rest}")
}

fn section_path(headings: &[(HeadingLevel, String)], title: &str) -> String {
    let names: Vec<&str> = match headings {
        [] => return title.to_string(),
        [(HeadingLevel::H1, _), rest @ ..] if !rest.is_empty() => {
            rest.iter().map(|(_, n)| n.as_str()).collect()
        }
        all => all.iter().map(|(_, n)| n.as_str()).collect(),
    };
    names.join(" › ")
}

/// Removes `[N]`, `[N, M]`, `[N–M]` markers (with the blanks before them) and maps the numbers to
/// reference ids; an unknown number is an error.
fn strip_markers(text: &str, map: &HashMap<u32, String>) -> Result<(String, Vec<String>), String> {
    let mut cites: Vec<String> = Vec::new();
    for caps in MARKER.captures_iter(text) {
        for number in marker_numbers(&caps[1]) {
            let Some(id) = map.get(&number) else {
                return Err(format!(
                    "unknown citation number [{number}]: the front matter's [references] has no {number}"
                ));
            };
            if !cites.contains(id) {
                cites.push(id.clone());
            }
        }
    }
    Ok((MARKER.replace_all(text, "").into_owned(), cites))
}

/// "1, 3" → [1, 3]; "2-4" or "2–4" → [2, 3, 4].
fn marker_numbers(inner: &str) -> Vec<u32> {
    let mut numbers = Vec::new();
    for part in inner.split(',') {
        let bounds: Vec<u32> = part
            .split(['-', '–'])
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        match bounds.as_slice() {
            [n] => numbers.push(*n),
            [a, b] if a <= b && b - a < 50 => numbers.extend(*a..=*b),
            _ => numbers.extend(bounds),
        }
    }
    numbers
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: &str = "+++
id = \"demo\"
title = \"Demo Article\"
question = \"What is demo?\"
updated = \"2025-01-02\"

[references]
1 = \"ref-one\"
2 = \"ref-two\"
+++

# Demo Article

Lead paragraph that cites one [1].

## First Section

- Top bullet:
  - Sub bullet A [1]
  - Sub bullet B [2]
    - Deeper bullet [1, 2]
- Second top bullet

Closing paragraph (in about 55% of cases [2]) goes on
over two lines.

### Deeper heading

Under a deeper heading.
";

    fn article(text: &str) -> Result<Document, String> {
        parse_document(DocKind::Article, Path::new("articles/demo.md"), text)
    }

    #[test]
    fn chunks_follow_paragraphs_and_top_level_bullets() {
        let doc = article(ARTICLE).unwrap();
        let texts: Vec<&str> = doc.chunks.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Lead paragraph that cites one.",
                "Top bullet:\n- Sub bullet A\n- Sub bullet B\n  - Deeper bullet",
                "Second top bullet",
                "Closing paragraph (in about 55% of cases) goes on over two lines.",
                "Under a deeper heading.",
            ]
        );
        assert_eq!(doc.chunks[0].id, "demo#1");
        assert_eq!(doc.chunks[4].id, "demo#5");
    }

    #[test]
    fn chunks_carry_their_heading_path() {
        let doc = article(ARTICLE).unwrap();
        let sections: Vec<&str> = doc.chunks.iter().map(|c| c.section.as_str()).collect();
        assert_eq!(
            sections,
            [
                "Demo Article",
                "First Section",
                "First Section",
                "First Section",
                "First Section › Deeper heading"
            ]
        );
    }

    #[test]
    fn citation_markers_become_reference_ids() {
        let doc = article(ARTICLE).unwrap();
        assert_eq!(doc.chunks[0].cites, ["ref-one"]);
        assert_eq!(doc.chunks[1].cites, ["ref-one", "ref-two"]);
        assert!(doc.chunks[2].cites.is_empty());
        assert_eq!(doc.chunks[3].cites, ["ref-two"]);
    }

    #[test]
    fn bullets_remember_the_paragraph_that_introduces_their_list() {
        let text = ARTICLE.replace(
            "## First Section\n\n",
            "## First Section\n\nFor severe cases:\n\n",
        );
        let doc = article(&text).unwrap();
        assert_eq!(doc.chunks[1].text, "For severe cases:");
        assert_eq!(doc.chunks[2].context, "For severe cases:");
        assert_eq!(doc.chunks[3].context, "For severe cases:");
        assert_eq!(
            doc.chunks[4].context, "",
            "a paragraph after the list has no lead-in"
        );
        assert_eq!(doc.chunks[5].context, "", "a heading ends the lead-in");
    }

    #[test]
    fn each_chunk_knows_its_role_and_what_it_belongs_to() {
        let body = "# Title\n\n## Dosing\n\nDKA is diagnosed based on the following criteria\n\n\
                    - Glucose above 250\n- pH below 7.3\n\nA closing paragraph.\n\n\
                    1. Give fluids\n2. Start insulin\n\n## Severity\n\n\
                    | Parameter | Mild | Severe |\n|---|---|---|\n| pH | 7.25-7.30 | < 7.00 |\n\
                    | Bicarbonate | 15-18 | |\n";
        let chunks = chunk_body("a", DocKind::Article, "Title", body, None).unwrap();
        let roles: Vec<(Role, &str, &str)> = chunks
            .iter()
            .map(|c| (c.role, c.text.as_str(), c.context.as_str()))
            .collect();
        let lead = "DKA is diagnosed based on the following criteria";
        let header = "Parameter | Mild | Severe";
        assert_eq!(
            roles,
            [
                (Role::LeadIn, lead, ""),
                (Role::ListItem, "Glucose above 250", lead),
                (Role::ListItem, "pH below 7.3", lead),
                // A paragraph right before a numbered list leads it too: its items are steps.
                (Role::LeadIn, "A closing paragraph.", ""),
                (Role::Step, "Give fluids", "A closing paragraph."),
                (Role::Step, "Start insulin", "A closing paragraph."),
                // One passage per row, each cell after its header; an empty cell left out.
                (
                    Role::TableRow,
                    "Parameter: pH; Mild: 7.25-7.30; Severe: < 7.00",
                    header
                ),
                (
                    Role::TableRow,
                    "Parameter: Bicarbonate; Mild: 15-18",
                    header
                ),
            ]
        );
        assert!(
            chunks.iter().all(|c| c.text != header),
            "no header-row passage"
        );
    }

    #[test]
    fn marker_lists_and_ranges_expand() {
        assert_eq!(marker_numbers("1, 3"), [1, 3]);
        assert_eq!(marker_numbers("2-4"), [2, 3, 4]);
        assert_eq!(marker_numbers("2–3, 6"), [2, 3, 6]);
    }

    #[test]
    fn unknown_citation_number_names_the_line() {
        let text = ARTICLE.replace("Sub bullet B [2]", "Sub bullet B [7]");
        let err = article(&text).unwrap_err();
        assert!(err.contains("unknown citation number [7]"), "{err}");
        assert!(err.starts_with("line 17:"), "{err}");
    }

    #[test]
    fn an_article_that_cites_nothing_keeps_bracketed_numbers_as_text() {
        let text = "+++\nid = \"demo\"\ntitle = \"T\"\nquestion = \"Q?\"\npmid = \"123\"\nyear = 2001\nmesh = [\"Humans\"]\n+++\n\n## Results\n\nReading skills [1]. Headache (F [1,306] = 0.56).\n";
        let doc = article(text).unwrap();
        assert_eq!(
            doc.chunks[0].text,
            "Reading skills [1]. Headache (F [1,306] = 0.56)."
        );
        assert!(doc.chunks[0].cites.is_empty());
        let DocMeta::Article(meta) = &doc.meta else {
            panic!("an article has article front matter");
        };
        assert_eq!(
            (meta.pmid.as_deref(), meta.year, meta.updated.as_str()),
            (Some("123"), Some(2001), "")
        );
    }

    #[test]
    fn a_pmid_must_be_digits() {
        let text = "+++\nid = \"demo\"\ntitle = \"T\"\nquestion = \"Q?\"\npmid = \"PMC12\"\n+++\n\nText.\n";
        let err = article(text).unwrap_err();
        assert!(err.contains("pmid = 'PMC12' must be digits"), "{err}");
    }

    #[test]
    fn missing_front_matter_is_an_error() {
        let err = article("# Title\n\nText.\n").unwrap_err();
        assert!(err.contains("no front matter"), "{err}");
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let err = article("+++\nid = \"demo\"\n\nText.\n").unwrap_err();
        assert!(err.contains("not closed"), "{err}");
    }

    #[test]
    fn bad_toml_and_missing_keys_are_errors() {
        let err = article(&ARTICLE.replace("title = \"Demo Article\"", "title = ")).unwrap_err();
        assert!(err.starts_with("bad front matter"), "{err}");
        let err = article(&ARTICLE.replace("question = \"What is demo?\"\n", "")).unwrap_err();
        assert!(err.contains("question"), "{err}");
        let err = article(&ARTICLE.replace("2025-01-02", "Jan 2")).unwrap_err();
        assert!(err.contains("YYYY-MM-DD"), "{err}");
        let err = article(&ARTICLE.replace("[references]", "colour = \"red\"\n[references]"))
            .unwrap_err();
        assert!(err.contains("colour"), "{err}");
    }

    #[test]
    fn empty_document_is_an_error() {
        let front = ARTICLE.split("# Demo Article").next().unwrap();
        let err = article(&format!("{front}\n# Only a heading\n")).unwrap_err();
        assert!(err.contains("empty document"), "{err}");
    }

    #[test]
    fn id_must_match_file_name() {
        let err =
            parse_document(DocKind::Article, Path::new("articles/other.md"), ARTICLE).unwrap_err();
        assert!(err.contains("does not match the file name"), "{err}");
    }

    fn reference(id: &str, extra: &str) -> (DocKind, PathBuf, String) {
        (
            DocKind::Reference,
            PathBuf::from(format!("references/{id}.md")),
            format!(
                "+++\nid = \"{id}\"\ntitle = \"Ref {id}\"\nidentified = false\nconfidence = \"unknown\"\ncited_for = \"something\"\n{extra}+++\n\n## What the article cites it for\n\nSomething about {id}.\n"
            ),
        )
    }

    #[test]
    fn one_bad_file_fails_the_load_and_every_problem_is_listed() {
        let sources = vec![
            (
                DocKind::Article,
                PathBuf::from("articles/demo.md"),
                ARTICLE.to_string(),
            ),
            reference("ref-one", ""),
            (
                DocKind::Reference,
                PathBuf::from("references/ref-two.md"),
                "no front matter here".to_string(),
            ),
            reference("ref-three", "colour = 1\n"),
        ];
        let Err(CorpusError::Invalid(problems)) = Corpus::from_sources(&sources) else {
            panic!("expected an invalid corpus");
        };
        let listed: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(problems.len(), 3, "{listed:#?}");
        assert!(listed[0].starts_with("references/ref-two.md: no front matter"));
        assert!(listed[1].starts_with("references/ref-three.md: bad front matter"));
        assert!(
            listed[2].contains("no references/ref-two.md"),
            "{listed:#?}"
        );
    }

    #[test]
    fn valid_corpus_loads_articles_first() {
        let sources = vec![
            reference("ref-one", ""),
            (
                DocKind::Article,
                PathBuf::from("articles/demo.md"),
                ARTICLE.to_string(),
            ),
            reference("ref-two", ""),
        ];
        let corpus = Corpus::from_sources(&sources).unwrap();
        assert_eq!(corpus.documents[0].id, "demo");
        assert_eq!(corpus.count(DocKind::Reference), 2);
        assert_eq!(corpus.chunk_count(), 7);
        assert_eq!(
            corpus.documents[1].chunks[0].section,
            "What the article cites it for"
        );
    }

    #[test]
    fn a_catalogue_holds_front_matter_and_reads_bodies_on_demand() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let full = Corpus::load(&root).unwrap();
        let catalogue = Corpus::load_catalogue(&root).unwrap();
        assert_eq!(catalogue.documents.len(), full.documents.len());
        assert_eq!(catalogue.chunk_count(), 0);
        for (a, b) in catalogue.documents.iter().zip(&full.documents) {
            assert_eq!(a.meta, b.meta);
            assert!(a.body.is_empty());
            assert_eq!(a.read_body().unwrap(), b.body);
        }
    }

    #[test]
    fn identified_reference_needs_bibliographic_facts() {
        let (_, path, text) = reference("ref-one", "");
        let text = text.replace(
            "identified = false\nconfidence = \"unknown\"",
            "identified = true\nconfidence = \"confirmed\"",
        );
        let err = parse_document(DocKind::Reference, &path, &text).unwrap_err();
        assert!(err.contains("authors, journal and year"), "{err}");
    }

    #[test]
    fn citation_line_of_an_identified_reference() {
        let meta = ReferenceMeta {
            id: "k".into(),
            title: "Clinical Features".into(),
            authors: vec!["Kassardjian CD".into(), "Lennon VA".into()],
            authors_incomplete: true,
            journal: Some("JAMA Neurology".into()),
            year: Some(2015),
            volume: Some("72".into()),
            issue: Some("9".into()),
            pages: Some("996-1003".into()),
            doi: None,
            pmid: Some("26192196".into()),
            identified: true,
            confidence: "confirmed".into(),
            cited_for: "x".into(),
        };
        assert_eq!(
            meta.citation_line(),
            "Kassardjian CD, Lennon VA, et al. Clinical Features. JAMA Neurology 2015;72(9):996-1003. PMID 26192196."
        );
    }
}

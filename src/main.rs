//! The `medcite` command line: argument handling and printing only; every decision is made in the
//! library.

use std::io::{IsTerminal, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};

use medcite::answer::{DEFAULT_K, Engine};
use medcite::bench::{self, BenchOptions, Vocabulary};
use medcite::compose::{LlmComposer, LlmConfig, Prompts};
use medcite::contracts::{
    AskReply, AskRequest, DosingReport, Mode, ModeChoice, SearchReply, Turn, Verdict,
};
use medcite::dosing::{DosingRules, check_text};
use medcite::eval::quality::{QualityFigures, QualityReport, evaluate_quality, load_quality};
use medcite::eval::split::{ByPart, Part};
use medcite::eval::{
    CoverageFigures, CoverageReport, GoldReport, RetrievalFigures, RetrievalReport,
    evaluate_coverage, evaluate_retrieval, load_gold, load_offtopic,
};
use medcite::import;
use medcite::index::{Freshness, build_from_dir};
use medcite::retrieve::{MAX_K, Retriever, SearchRequest};
use medcite::verify::locate;

/// Passages retrieved for an answer.
const ASK_K: usize = DEFAULT_K;

#[derive(Parser)]
#[command(
    name = "medcite",
    version,
    about = "Grounded answers to clinicians' follow-up questions about a medical article"
)]
struct Cli {
    /// Corpus folder (articles/, references/, synonyms.toml, dosing/).
    #[arg(long, global = true, env = "MEDCITE_CORPUS", default_value = "corpus")]
    corpus: PathBuf,
    /// Index folder (built from the corpus; rebuilt when the corpus changes).
    #[arg(long, global = true, env = "MEDCITE_INDEX", default_value = "index")]
    index: PathBuf,
    /// Prompt folder for the LLM (answer.md, user.md, retry.md).
    #[arg(
        long,
        global = true,
        env = "MEDCITE_PROMPTS",
        default_value = "prompts"
    )]
    prompts: PathBuf,
    /// Settings file (default: medcite.toml in the working directory, when there): every flag
    /// and variable as `key = value`; flags and variables win over it.
    #[arg(long, global = true, env = "MEDCITE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Logs of serve and mcp on standard error: text, or json (one object per line).
    #[arg(long, global = true, env = "MEDCITE_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// (Re)build the index atomically: the old index serves until the new one is complete.
    Index,
    /// Offline passage search (no LLM, no network).
    Search {
        /// What to look for; any text, punctuation included.
        query: String,
        /// Number of passages to return.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=MAX_K as i64))]
        k: u16,
        /// Print the search JSON of DESIGN.md instead of text.
        #[arg(long)]
        json: bool,
        /// Earlier conversation turns, read from FILE, or from standard input when FILE is `-`:
        /// a JSON array of {"role": "user" or "assistant", "content": "..."}, oldest first,
        /// e.g. [{"role": "user", "content": "tell me about rituximab"}].
        #[arg(long, value_name = "FILE")]
        history: Option<PathBuf>,
        /// Only this article (its id) and the references it cites.
        #[arg(long, value_name = "ID")]
        article: Option<String>,
    },
    /// A grounded answer: quotes from the article and its references, verified.
    Ask {
        /// The follow-up question.
        question: String,
        /// Earlier conversation turns, read from FILE, or from standard input when FILE is `-`:
        /// a JSON array of {"role": "user" or "assistant", "content": "..."}, oldest first,
        /// e.g. [{"role": "user", "content": "tell me about rituximab"}].
        #[arg(long, value_name = "FILE")]
        history: Option<PathBuf>,
        /// Answer without the LLM even when one is configured.
        #[arg(long)]
        offline: bool,
        /// Passages to draw on.
        #[arg(long, default_value_t = DEFAULT_K as u16, value_parser = clap::value_parser!(u16).range(1..=MAX_K as i64))]
        k: u16,
        /// Print the ask JSON of DESIGN.md instead of text.
        #[arg(long)]
        json: bool,
        /// Only this article (its id) and the references it cites.
        #[arg(long, value_name = "ID")]
        article: Option<String>,
        /// After the answer, why it is what it is: the question as understood, and each
        /// candidate quote with its features, score, and why it was chosen or left out (the
        /// offline answer's; with `--json`, only this, as JSON).
        #[arg(long)]
        explain: bool,
    },
    /// Deterministic dosing check of any text (exit status 1 when a dose is wrong; a dose no
    /// rule covers is reported as not checked and does not fail).
    CheckDosing {
        /// The text to check; `-` or nothing reads standard input.
        text: Option<String>,
        /// Print the check-dosing JSON of DESIGN.md instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Benchmarks on synthetic corpora: build, search, offline ask, and the bm25s peer.
    Bench {
        /// Passage counts to measure, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
        sizes: Vec<usize>,
        /// Searches and offline asks timed per size.
        #[arg(long, default_value_t = 500)]
        rounds: usize,
        /// Folder for generated corpora and indexes.
        #[arg(long, default_value = "target/bench")]
        dir: PathBuf,
        /// Python with bm25s installed, to run the peer side by side (benches/run.sh sets it).
        #[arg(long)]
        python: Option<String>,
        /// Small sizes and few rounds, to check the harness quickly.
        #[arg(long)]
        quick: bool,
        /// Words of the synthetic corpora: `pubmedqa` (drawn by their frequency in PubMedQA
        /// abstracts, benches/data/pubmedqa-dev-words.tsv) or `bundled` (the bundled corpus's
        /// sentences and words, as measured before).
        #[arg(long, default_value = "pubmedqa", value_parser = ["pubmedqa", "bundled"])]
        vocabulary: String,
        /// Measure this existing corpus (e.g. one written by import-pubmedqa) instead of
        /// generated ones.
        #[arg(long)]
        real: Option<PathBuf>,
        /// Gold file whose questions are the queries (default: PubMedQA own questions, or the
        /// retrieval gold with --vocabulary bundled).
        #[arg(long)]
        queries: Option<PathBuf>,
        /// Print the figures as JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Measure a library instead (issue 22): this many articles (default 10,000; 50 with
        /// --quick) with six PubMed records each, added with `medcite add`, then offline ask
        /// and search in one article's scope and unscoped.
        #[arg(long, value_name = "ARTICLES", num_args = 0..=1, default_missing_value = "10000")]
        library: Option<usize>,
    },
    /// HTTP API, OpenAI-compatible facade, MCP at /mcp, /metrics and the follow-up chat page.
    Serve {
        /// Address to listen on (0.0.0.0:8080 for a network).
        #[arg(long, env = "MEDCITE_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        #[command(flatten)]
        audit: AuditArgs,
    },
    /// Model Context Protocol server on standard input and output, for AI assistants and IDEs:
    /// tools search, ask, check_dosing, list_articles; the articles as resources.
    Mcp {
        #[command(flatten)]
        audit: AuditArgs,
    },
    /// Print the effective settings (flags, environment, settings file, defaults) with where
    /// each comes from; secrets are hidden.
    Config,
    /// Write evidence pages into the corpus as they come: a page's text as copied or stored
    /// (.txt), a saved HTML page (.html), Markdown (.md, with or without front matter) or JATS
    /// XML (.xml). The article id is the file's stem; adding a file again updates its article.
    /// Each citation number gets a reference note: the facts of the article's reference list or
    /// of a PubMed record, or an untraced stub where there is none.
    Add {
        /// The files to add.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The references of the (one) article added: a numbered reference list (text) or
        /// PubMed XML records (efetch output), matched to its citation numbers by PMID, DOI or
        /// title, or by order. May be given more than once.
        #[arg(long, value_name = "FILE")]
        references: Vec<PathBuf>,
    },
    /// Write PubMedQA items (e.g. pqal_dev.json) as a corpus: one article per abstract.
    ImportPubmedqa {
        /// The PubMedQA JSON file (PMID → item).
        file: PathBuf,
        /// Corpus folder to create (articles/ and dosing/rules.toml); its articles/ must be empty.
        #[arg(long)]
        out: PathBuf,
        /// File of PMIDs (one a line, `#` comments) to leave out of the corpus.
        #[arg(long)]
        exclude: Option<PathBuf>,
        /// Write the imported items' own questions here as answer-quality gold.
        #[arg(long)]
        gold: Option<PathBuf>,
        /// Write the left-out items' own questions here as gold that must be declined.
        #[arg(long, requires = "exclude")]
        gold_left_out: Option<PathBuf>,
    },
    /// Retrieval figures (recall@1, recall@5, MRR) and coverage on the gold questions; with
    /// --quality, the quality of whole answers on an answer-quality gold file.
    Eval {
        /// Folder holding retrieval.toml and offtopic.toml.
        #[arg(long, default_value = "tests/gold")]
        gold: PathBuf,
        /// Depth searched for the reciprocal rank.
        #[arg(long, default_value_t = 10)]
        k: usize,
        /// An answer-quality gold file (e.g. tests/gold/quality.toml): ask every question and
        /// report declines, facts present, first fact right, "not stated" honesty and length.
        #[arg(long)]
        quality: Option<PathBuf>,
        /// Composer for --quality: auto (the LLM when configured), offline or llm.
        #[arg(long, default_value = "offline", value_parser = ["auto", "offline", "llm"])]
        mode: String,
        /// Print every question's row (with --quality or --dev), and the misses of the gold
        /// files' test parts, which are otherwise only counted.
        #[arg(long)]
        all: bool,
        /// A dev set folder (`pages/<slug>.txt` and `followups.tsv`, as ../shared/droracle-dev):
        /// add every page to a temporary corpus with `medcite add`, ask every follow-up in its
        /// article's scope, offline, and report train and test articles apart.
        #[arg(long, value_name = "DIR", conflicts_with = "quality")]
        dev: Option<PathBuf>,
        /// With --dev: the file naming the test articles (the rest are train).
        #[arg(long, default_value = "tests/gold/droracle-dev-split.toml")]
        split: PathBuf,
        /// With --dev: ask every follow-up of the whole library, as the box on `/` does, not in
        /// its article's scope.
        #[arg(long, requires = "dev")]
        unscoped: bool,
        /// With --dev or --quality: ask each question as written, with one slip of the keys
        /// in one of its longer words (`slips`, drawn from `--seed`), with a capital first
        /// letter as a phone writes it (`sentence`), or typed all in capitals.
        #[arg(long, default_value = "as-written", value_parser = ["as-written", "slips", "sentence", "capitals"])]
        typed: String,
        /// With --typed slips: the draw of slips (each seed another sample).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Where answered questions are recorded (serve and mcp).
#[derive(clap::Args)]
struct AuditArgs {
    /// Folder of the audit log (one JSON line per answered question, a file a day); default
    /// `audit` beside the index folder.
    #[arg(long, env = "MEDCITE_AUDIT_DIR", conflicts_with = "no_audit")]
    audit_dir: Option<PathBuf>,
    /// Serve without an audit log.
    #[arg(long, env = "MEDCITE_NO_AUDIT")]
    no_audit: bool,
    /// Keep question text out of the audit log (only its SHA-256).
    #[arg(long, env = "MEDCITE_AUDIT_REDACT")]
    audit_redact: bool,
}

impl AuditArgs {
    fn settings(self, index: &Path) -> Option<medcite::server::AuditSettings> {
        (!self.no_audit).then(|| medcite::server::AuditSettings {
            dir: self.audit_dir.unwrap_or_else(|| beside(index, "audit")),
            redact_questions: self.audit_redact,
        })
    }
}

/// The settings file's values for the variables the environment leaves unset, as read before
/// the flags; and the environment as it was before them (for `medcite config`).
struct SettingsFile {
    file: medcite::config::FileSettings,
    from_file: Vec<&'static str>,
}

/// Reads the settings file (if any) and puts its values into the environment where it has none,
/// so that clap and the library read them as variables: flag > environment > file > default.
fn load_settings_file() -> Result<SettingsFile> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let Some(path) = medcite::config::locate(&args, std::env::var_os(medcite::config::CONFIG_ENV))
    else {
        return Ok(SettingsFile {
            file: Default::default(),
            from_file: Vec::new(),
        });
    };
    let file = medcite::config::FileSettings::load(&path)?;
    let mut from_file = Vec::new();
    for (name, value) in file.unset_in(|name| std::env::var_os(name).is_some()) {
        // SAFETY: called from `main` before any other thread is started.
        unsafe { std::env::set_var(name, value) };
        from_file.push(name);
    }
    Ok(SettingsFile { file, from_file })
}

fn main() -> ExitCode {
    // Printing into a closed pipe (`medcite search … | head`) ends the program quietly, as
    // other command-line tools do, instead of panicking.
    #[cfg(unix)]
    // SAFETY: restoring the default action of SIGPIPE at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let settings = match load_settings_file() {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    if let Command::Config = cli.command {
        print!("{}", effective_settings(&settings, &matches));
        return ExitCode::SUCCESS;
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let progress = std::io::stderr().is_terminal();
    match cli.command {
        Command::Index => {
            let summary = build_from_dir(&cli.corpus, &cli.index, progress)?;
            let m = &summary.manifest;
            println!(
                "indexed {} passages from {} article(s) and {} reference(s) in {:.2} s → {} ({:.1} KiB)",
                m.chunks,
                m.articles,
                m.references,
                summary.elapsed.as_secs_f64(),
                summary.generation.display(),
                summary.bytes as f64 / 1024.0
            );
        }
        Command::Search {
            query,
            k,
            json,
            history,
            article,
        } => {
            let history = read_history(history.as_deref())?;
            let retriever = open_retriever(&cli.corpus, &cli.index, progress)?;
            let hits = retriever.search(&SearchRequest {
                article: article.as_deref(),
                query: &query,
                history: &history,
                k: k as usize,
            })?;
            if json {
                let reply = SearchReply { query, hits };
                println!("{}", serde_json::to_string_pretty(&reply)?);
            } else if hits.is_empty() {
                println!("no passage matches '{query}'");
            } else {
                let style = Style::for_stdout();
                for hit in &hits {
                    let place = if hit.section == hit.title {
                        hit.title.clone()
                    } else {
                        format!("{} › {}", hit.title, hit.section)
                    };
                    // A citation stands right after the passage that cites it, whatever its score.
                    let why = hit
                        .cited_by
                        .as_ref()
                        .and_then(|c| hits.iter().find(|h| &h.chunk_id == c))
                        .map_or(String::new(), |h| format!(", cited by {}", h.rank));
                    println!(
                        "{}. {}  [{}, {}, score {:.2}{why}]",
                        hit.rank,
                        style.heading(&place),
                        hit.kind.as_str(),
                        hit.chunk_id,
                        hit.score
                    );
                    let marked =
                        style.mark(&hit.text, &retriever.highlight_ranges(&query, &hit.text));
                    for line in marked.lines() {
                        println!("   {line}");
                    }
                    if !hit.cites.is_empty() {
                        println!("   cites: {}", hit.cites.join(", "));
                    }
                    println!();
                }
            }
        }
        Command::Ask {
            question,
            history,
            offline,
            k,
            json,
            article,
            explain,
        } => {
            let history = read_history(history.as_deref())?;
            let retriever = open_retriever(&cli.corpus, &cli.index, progress)?;
            let llm = if offline {
                None
            } else {
                load_llm(&cli.prompts)?
            };
            let model = llm.as_ref().map(|l| l.config().model.clone());
            let rules = load_rules(&cli.corpus)?;
            let engine = Engine::new(retriever, llm).with_dosing(Arc::new(rules));
            let request = AskRequest {
                article,
                question,
                history,
                k: Some(k as usize),
                mode: if offline {
                    ModeChoice::Offline
                } else {
                    ModeChoice::Auto
                },
            };
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("could not start the async runtime")?;
            if explain && json {
                let explanation = engine.explain(&request)?;
                println!("{}", serde_json::to_string_pretty(&explanation)?);
                return Ok(ExitCode::SUCCESS);
            }
            let reply = runtime.block_on(engine.ask(&request, false, &mut |_| {}))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&reply)?);
            } else {
                print_answer(&reply, model.as_deref(), offline);
            }
            if explain {
                print_explanation(&engine.explain(&request)?);
            }
        }
        Command::CheckDosing { text, json } => {
            let text = match text.as_deref() {
                None | Some("-") => {
                    let mut input = String::new();
                    std::io::stdin()
                        .read_to_string(&mut input)
                        .context("could not read the text from standard input")?;
                    input
                }
                Some(text) => text.to_string(),
            };
            if text.trim().is_empty() {
                eprintln!("error: no text to check: give it as an argument or on standard input");
                return Ok(ExitCode::from(2));
            }
            let rules = load_rules(&cli.corpus)?;
            let report = check_text(&rules, &text);
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else if report.claims.is_empty() {
                println!("no dose statements found");
            } else {
                print_dosing(&report);
            }
            return Ok(if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        Command::Bench {
            sizes,
            rounds,
            dir,
            python,
            quick,
            vocabulary,
            real,
            queries,
            json,
            library,
        } => {
            if let Some(articles) = library {
                return bench_library(articles, rounds, quick, dir, &cli.corpus, queries, json);
            }
            let (sizes, rounds) = if quick {
                (vec![2_000], rounds.min(50))
            } else {
                (sizes, rounds)
            };
            if sizes.is_empty() || sizes.contains(&0) || rounds == 0 {
                bail!("--sizes must list passage counts above 0 and --rounds must be above 0");
            }
            let (vocabulary, default_queries) = match vocabulary.as_str() {
                "bundled" => (Vocabulary::Bundled, "tests/gold/retrieval.toml"),
                _ => (
                    Vocabulary::WordCounts(PathBuf::from("benches/data/pubmedqa-dev-words.tsv")),
                    "tests/gold/pubmedqa/own.toml",
                ),
            };
            let options = BenchOptions {
                corpus: cli.corpus.clone(),
                vocabulary,
                real,
                dir,
                sizes,
                queries: queries.unwrap_or_else(|| PathBuf::from(default_queries)),
                rounds,
                python,
                peer_script: PathBuf::from("benches/peer_bm25s.py"),
            };
            let reports = bench::run(&options, &mut |line| eprintln!("bench: {line}"))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&reports)?);
            } else {
                print!("{}", bench::table(&reports));
            }
        }
        Command::Serve { addr, audit } => {
            let llm = load_llm(&cli.prompts)?;
            let audit = audit.settings(&cli.index);
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("could not start the async runtime")?;
            runtime.block_on(medcite::server::serve(medcite::server::ServeConfig {
                addr,
                corpus: cli.corpus,
                index: cli.index,
                llm,
                progress,
                audit,
                log_format: log_format(&cli.log_format),
            }))?;
        }
        Command::Mcp { audit } => {
            let llm = load_llm(&cli.prompts)?;
            let audit = audit.settings(&cli.index);
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("could not start the async runtime")?;
            runtime.block_on(medcite::server::serve_mcp_stdio(
                medcite::server::ServeConfig {
                    addr: String::new(),
                    corpus: cli.corpus,
                    index: cli.index,
                    llm,
                    progress: false,
                    audit,
                    log_format: log_format(&cli.log_format),
                },
            ))?;
        }
        Command::Config => {}
        Command::Add { files, references } => {
            if !references.is_empty() && files.len() > 1 {
                bail!(
                    "--references belongs to one article: add the files one at a time, each with its own references"
                );
            }
            let options = medcite::add::AddOptions { references };
            for file in &files {
                let report = medcite::add::add_file_with(file, &cli.corpus, &options)?;
                print_added(&report);
            }
        }
        Command::ImportPubmedqa {
            file,
            out,
            exclude,
            gold,
            gold_left_out,
        } => {
            let items = import::read_items(&file)?;
            let exclude = match &exclude {
                Some(path) => import::read_pmid_list(path)?,
                None => Default::default(),
            };
            let summary = import::write_corpus(&items, &exclude, &out)?;
            println!(
                "wrote {} article(s) to {} ({} left out)",
                summary.articles,
                summary.out.display(),
                summary.excluded
            );
            let source = file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            if let Some(path) = gold {
                let questions: Vec<_> = items
                    .iter()
                    .filter(|(pmid, _)| !exclude.contains(*pmid))
                    .map(|(pmid, item)| import::own_question(pmid, item))
                    .collect();
                let header = format!(
                    "Each item's own question, answered from its own article, conclusion first.\nWritten by `medcite import-pubmedqa {source} --gold`; do not edit by hand."
                );
                import::write_gold(&path, &header, &questions)?;
                println!(
                    "wrote {} gold question(s) to {}",
                    questions.len(),
                    path.display()
                );
            }
            if let Some(path) = gold_left_out {
                let questions: Vec<_> = items
                    .iter()
                    .filter(|(pmid, _)| exclude.contains(*pmid))
                    .map(|(pmid, item)| import::left_out_question(pmid, item))
                    .collect();
                let header = format!(
                    "Own questions of the items left out of the corpus: each must be declined.\nWritten by `medcite import-pubmedqa {source} --exclude … --gold-left-out`; do not edit by hand."
                );
                import::write_gold(&path, &header, &questions)?;
                println!(
                    "wrote {} gold question(s) to {}",
                    questions.len(),
                    path.display()
                );
            }
        }
        Command::Eval {
            dev: Some(dir),
            split,
            unscoped,
            typed,
            seed,
            all,
            json,
            ..
        } => {
            let typing = typing(&typed, seed, json);
            let report = eval_dev(&dir, &split, !unscoped, typing)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_dev(&report, all);
            }
        }
        Command::Eval {
            quality: Some(path),
            mode,
            typed,
            seed,
            all,
            json,
            ..
        } => {
            let typing = typing(&typed, seed, json);
            let mode = match mode.as_str() {
                "llm" => ModeChoice::Llm,
                "auto" => ModeChoice::Auto,
                _ => ModeChoice::Offline,
            };
            let mut questions = load_quality(&path)?;
            for q in &mut questions {
                q.question = medcite::eval::retype::retyped(&q.question, typing);
            }
            let retriever = open_retriever(&cli.corpus, &cli.index, progress)?;
            let llm = if mode == ModeChoice::Offline {
                None
            } else {
                load_llm(&cli.prompts)?
            };
            let mut engine = Engine::new(retriever, llm);
            engine = engine.with_dosing(Arc::new(load_rules(&cli.corpus)?));
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("could not start the async runtime")?;
            let bar = progress.then(|| indicatif::ProgressBar::new(questions.len() as u64));
            let report = runtime.block_on(evaluate_quality(
                &engine,
                &questions,
                mode,
                &mut |done, _| {
                    if let Some(bar) = &bar {
                        bar.set_position(done as u64);
                    }
                },
            ))?;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_quality(&report, &path, all);
            }
        }
        Command::Eval {
            gold, k, json, all, ..
        } => {
            let retriever = open_retriever(&cli.corpus, &cli.index, progress)?;
            let path = gold.join("retrieval.toml");
            let questions = load_gold(&path)?;
            let off_topic = load_offtopic(&gold.join("offtopic.toml"))?;
            let report = evaluate_retrieval(&retriever, &questions, k)?;
            let coverage = evaluate_coverage(&retriever, &questions, &off_topic, ASK_K)?;
            if json {
                let both = GoldReport {
                    retrieval: report,
                    coverage,
                };
                println!("{}", serde_json::to_string_pretty(&both)?);
            } else {
                print_retrieval(&report, &path, all);
                print_coverage(&coverage, all);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The LLM composer when `MEDCITE_LLM_BASE_URL` is set, with the prompts loaded.
fn load_llm(prompts: &Path) -> Result<Option<LlmComposer>> {
    let Some(config) = LlmConfig::from_env()? else {
        return Ok(None);
    };
    let prompts = Prompts::load(prompts)?;
    Ok(Some(LlmComposer::new(config, prompts)))
}

/// One figure per part of a gold file's split, in columns headed all, train and test when the
/// file has a split, in one column as before when it has none.
struct Columns {
    labels: Vec<&'static str>,
}

impl Columns {
    const NAME: usize = 34;
    const VALUE: usize = 18;

    fn of<F>(parts: &ByPart<F>) -> Columns {
        Columns {
            labels: parts.labelled().iter().map(|(label, _)| *label).collect(),
        }
    }

    fn split(&self) -> bool {
        self.labels.len() > 1
    }

    fn header(&self) {
        if self.split() {
            let labels: String = self
                .labels
                .iter()
                .map(|l| format!("{l:<w$}", w = Self::VALUE))
                .collect();
            println!("  {:<n$} {}", "", labels.trim_end(), n = Self::NAME);
        }
    }

    fn line(&self, name: &str, values: &[String]) {
        let values: String = values
            .iter()
            .map(|v| format!("{v:<w$}", w = Self::VALUE))
            .collect();
        println!("  {name:<n$} {}", values.trim_end(), n = Self::NAME);
    }

    /// The row's tag: its part when the file has a split.
    fn tag(&self, part: Part) -> &'static str {
        match (self.split(), part) {
            (false, _) => "",
            (true, Part::Train) => "[train] ",
            (true, Part::Test) => "[test] ",
        }
    }
}

/// The sizes of a split's parts for a heading ("; hold-out split: 34 train, 11 test").
fn split_sizes<F>(parts: &ByPart<F>, size: impl Fn(&F) -> usize) -> String {
    match (&parts.train, &parts.test) {
        (Some(train), Some(test)) => format!(
            "; hold-out split: {} train, {} test",
            size(train),
            size(test)
        ),
        _ => String::new(),
    }
}

/// Says how many rows of the test part were not shown: its figures are for reporting only.
fn print_hidden_test_rows(hidden: usize, what: &str) {
    if hidden > 0 {
        println!(
            "  ({hidden} {what} of the test part not shown: it is run only to report; --all shows them)"
        );
    }
}

fn print_retrieval(report: &RetrievalReport, path: &Path, all: bool) {
    let parts = &report.parts;
    println!(
        "retrieval on {} gold questions ({}){}",
        parts.all.questions,
        path.display(),
        split_sizes(parts, |f| f.questions)
    );
    let columns = Columns::of(parts);
    columns.header();
    let figure = |f: &dyn Fn(&RetrievalFigures) -> f64| -> Vec<String> {
        parts
            .labelled()
            .iter()
            .map(|(_, p)| format!("{:.3}", f(p)))
            .collect()
    };
    columns.line("recall@1", &figure(&|f| f.recall_at_1));
    columns.line("recall@5", &figure(&|f| f.recall_at_5));
    columns.line(&format!("MRR@{}", report.k), &figure(&|f| f.mrr));
    let shown = |part: Part| all || part == Part::Train;
    for miss in report.misses.iter().filter(|m| shown(m.part)) {
        let rank = miss
            .rank
            .map_or("not found".to_string(), |r| format!("rank {r}"));
        println!(
            "  {}{} ({rank}): {} → expected \"{}\"",
            columns.tag(miss.part),
            miss.id,
            miss.question,
            miss.expect
        );
    }
    print_hidden_test_rows(
        report.misses.iter().filter(|m| !shown(m.part)).count(),
        "misses",
    );
}

fn print_coverage(coverage: &CoverageReport, all: bool) {
    let parts = &coverage.parts;
    println!("coverage (top {ASK_K} passages, as ask decides it)");
    let columns = Columns::of(parts);
    columns.header();
    let figure = |f: &dyn Fn(&CoverageFigures) -> (usize, usize)| -> Vec<String> {
        parts
            .labelled()
            .iter()
            .map(|(_, p)| {
                let (part, whole) = f(p);
                format!("{part}/{whole}")
            })
            .collect()
    };
    columns.line(
        "gold questions covered",
        &figure(&|f| (f.gold_covered, f.gold)),
    );
    columns.line(
        "off-topic questions declined",
        &figure(&|f| (f.off_topic_declined, f.off_topic)),
    );
    let shown = |part: Part| all || part == Part::Train;
    for miss in coverage.misses.iter().filter(|m| shown(m.part)) {
        let expected = if miss.expected_covered {
            "covered"
        } else {
            "declined"
        };
        println!(
            "  {}{} should be {expected}: {} (missing: {})",
            columns.tag(miss.part),
            miss.id,
            miss.question,
            miss.missing.join(", ")
        );
    }
    print_hidden_test_rows(
        coverage.misses.iter().filter(|m| !shown(m.part)).count(),
        "misses",
    );
}

fn print_quality(report: &QualityReport, path: &Path, all: bool) {
    let parts = &report.parts;
    let pct = |part: usize, whole: usize| {
        format!(
            "{part}/{whole} ({:.1}%)",
            100.0 * QualityReport::rate(part, whole)
        )
    };
    println!(
        "answer quality on {} questions ({}){}",
        parts.all.questions,
        path.display(),
        split_sizes(parts, |f| f.questions)
    );
    let columns = Columns::of(parts);
    columns.header();
    type Figure<'a> = &'a dyn Fn(&QualityFigures) -> String;
    let lines: [(&str, Figure); 16] = [
        ("wrongly declined", &|f| {
            pct(f.wrongly_declined, f.expected_covered)
        }),
        ("outside the sources declined", &|f| {
            pct(f.rightly_declined, f.expected_declined)
        }),
        ("outside declined or \"not stated\"", &|f| {
            pct(f.outside_handled, f.expected_declined)
        }),
        ("required facts present", &|f| {
            pct(f.facts_present, f.facts_required)
        }),
        ("first sentence or bullet right", &|f| {
            pct(f.first_right, f.first_required)
        }),
        ("\"not stated\" said first", &|f| {
            pct(f.not_stated_right, f.not_stated_required)
        }),
        ("\"not stated\" said unexpectedly", &|f| {
            pct(f.not_stated_unexpected, f.expected_covered)
        }),
        ("verified", &|f| pct(f.verified, f.questions)),
        ("answered by the model itself", &|f| {
            pct(f.from_model, f.expected_covered)
        }),
        ("fell back to offline", &|f| pct(f.fallbacks, f.questions)),
        ("document in top 1", &|f| pct(f.doc_in_top1, f.doc_required)),
        ("document in top 5", &|f| pct(f.doc_in_top5, f.doc_required)),
        ("document cited", &|f| pct(f.doc_cited, f.doc_required)),
        ("first cites the expected section", &|f| {
            pct(f.first_section_right, f.first_section_required)
        }),
        ("mean words per answer", &|f| format!("{:.1}", f.mean_words)),
        ("mean time per question", &|f| {
            format!("{:.1} ms", f.mean_ms)
        }),
    ];
    for (name, value) in lines {
        let values: Vec<String> = parts.labelled().iter().map(|(_, f)| value(f)).collect();
        columns.line(name, &values);
    }
    let mut hidden = 0;
    for row in &report.rows {
        let mut problems = Vec::new();
        if row.expected_covered != row.covered {
            problems.push(if row.covered {
                "answered but outside the sources".to_string()
            } else {
                "wrongly declined".to_string()
            });
        }
        if !row.missing_facts.is_empty() {
            problems.push(format!("missing {}", row.missing_facts.join(", ")));
        }
        if row.first_right == Some(false) {
            problems.push("wrong first fact".into());
        }
        if row.not_stated_right == Some(false) {
            problems.push("does not say \"not stated\" first".into());
        }
        if row.says_not_stated && row.not_stated_right.is_none() {
            problems.push("says \"not stated\" unexpectedly".into());
        }
        if row.doc_in_top5 == Some(false) {
            problems.push("document not in top 5".into());
        }
        if row.first_section_right == Some(false) {
            problems.push("first cites another section".into());
        }
        if let Some(reason) = &row.fallback_reason {
            problems.push(format!("fallback: {reason}"));
        }
        if !all && row.part == Part::Test {
            hidden += usize::from(!problems.is_empty());
        } else if all || !problems.is_empty() {
            println!(
                "  {}{} {}: {}",
                columns.tag(row.part),
                row.id,
                row.question,
                problems.join("; ")
            );
            println!("      → {}", row.first_line);
        }
    }
    print_hidden_test_rows(hidden, "questions with problems");
}

/// The dosing rules of the corpus (`dosing/rules.toml`).
fn load_rules(corpus: &Path) -> Result<DosingRules> {
    Ok(DosingRules::for_corpus(corpus)?)
}

fn print_dosing(report: &DosingReport) {
    let style = Style::for_stdout();
    for claim in &report.claims {
        let verdict = serde_json::to_value(claim.verdict)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let label = match claim.verdict {
            Verdict::Ok => "ok".to_string(),
            Verdict::Unverified => "not checked".to_string(),
            _ => format!("NOT OK ({verdict})"),
        };
        println!("- {}: {}", style.heading(&label), claim.text);
        println!("  {}", claim.message);
    }
}

/// Most candidates `ask --explain` lists as text (`--json` lists them all).
const EXPLAINED_CANDIDATES: usize = 12;

fn print_explanation(explanation: &medcite::compose::Explanation) {
    let style = Style::for_stdout();
    let listed = |items: &[String]| {
        if items.is_empty() {
            "-".to_string()
        } else {
            items.join(", ")
        }
    };
    println!();
    println!(
        "{}",
        style.heading("Why this answer (the offline answer's reasoning)")
    );
    println!("question as read: {}", explanation.question);
    println!(
        "subject: {}   aspects: {}   options: {}",
        listed(&explanation.subject),
        listed(&explanation.aspects),
        listed(&explanation.options)
    );
    let yes = |b: bool| if b { "yes" } else { "no" };
    println!(
        "list: {}   about the sources: {}   from a study's methods: {}",
        yes(explanation.list),
        yes(explanation.about_sources),
        yes(explanation.from_methods)
    );
    if !explanation.covered {
        println!(
            "not covered: no source names {}",
            listed(&explanation.missing)
        );
    }
    if !explanation.unnamed.is_empty() {
        println!("named by no source: {}", listed(&explanation.unnamed));
    }
    if let Some(line) = &explanation.not_stated {
        println!("not stated: {line}");
    }
    let shown = explanation.candidates.len().min(EXPLAINED_CANDIDATES);
    println!(
        "\n{} (best first; {shown} of {}, weights in data/answer-model.toml)",
        style.heading("Candidates"),
        explanation.candidates.len()
    );
    for candidate in &explanation.candidates[..shown] {
        let fate = match (candidate.chosen, &candidate.left_out) {
            (Some(n), _) => format!("chosen #{n}"),
            (None, Some(why)) => format!("left out: {why}"),
            (None, None) => "left out".to_string(),
        };
        let label = candidate
            .label
            .as_deref()
            .map(|l| format!("{} ", l.trim_end_matches(':')))
            .unwrap_or_default();
        println!(
            "{:>6.2}  {}  {} — {label}\"{}\"",
            candidate.score, candidate.chunk_id, fate, candidate.quote
        );
        let features: Vec<String> = candidate
            .features
            .iter()
            .map(|(name, value)| format!("{name} {value:.2}"))
            .collect();
        println!("        {}", listed(&features));
    }
}

fn print_answer(reply: &AskReply, model: Option<&str>, offline: bool) {
    let style = Style::for_stdout();
    println!("{}\n", reply.answer);
    let named: Vec<String> = reply
        .articles
        .iter()
        .map(|a| format!("{} ({})", a.title, a.id))
        .collect();
    match named.as_slice() {
        [] => {}
        [one] => println!("From: {one}\n"),
        several => println!("Drawn from: {}\n", several.join("; ")),
    }
    // The passages the answer cites; those retrieved but not cited are in `--json`.
    let cited: Vec<_> = reply
        .passages
        .iter()
        .filter(|p| medcite::answer::cites_marker(&reply.answer, &p.marker))
        .collect();
    if !cited.is_empty() {
        println!("{}", style.heading("Sources"));
    }
    for passage in cited {
        let place = if passage.section == passage.title {
            passage.title.clone()
        } else {
            format!("{} › {}", passage.title, passage.section)
        };
        println!("[{}] {place}", passage.marker);
        let mut ranges: Vec<Range<usize>> = reply
            .quotes
            .iter()
            .filter(|q| q.verified && q.marker == passage.marker)
            .filter_map(|q| locate(&passage.text, &q.quote))
            .collect();
        ranges.sort_by_key(|r| r.start);
        ranges.dedup_by(|b, a| b.start < a.end);
        for line in style.mark(&passage.text, &ranges).lines() {
            println!("     {line}");
        }
    }
    if !reply.dosing.claims.is_empty() {
        println!();
        if reply.dosing.ok {
            println!("{}", style.heading("Doses (all checked: ok)"));
        } else {
            println!(
                "{}",
                style.heading("WARNING: a dose in this answer did not pass the dosing check")
            );
        }
        print_dosing(&reply.dosing);
    }
    let mode = match (reply.mode, &reply.fallback_reason) {
        (Mode::Llm, _) => format!("LLM ({})", model.unwrap_or("configured model")),
        (Mode::Extractive, Some(reason)) => format!("offline extractive (fallback: {reason})"),
        (Mode::Extractive, None) if offline => "offline extractive (--offline)".to_string(),
        (Mode::Extractive, None) if model.is_some() => "offline extractive".to_string(),
        (Mode::Extractive, None) => {
            "offline extractive (no LLM configured: set MEDCITE_LLM_BASE_URL and MEDCITE_LLM_MODEL)"
                .to_string()
        }
    };
    println!();
    println!("mode: {mode}");
    println!(
        "verified: {}   covered: {}",
        if reply.verified { "yes" } else { "NO" },
        if reply.covered { "yes" } else { "no" }
    );
}

fn open_retriever(corpus: &Path, index: &Path, progress: bool) -> Result<Retriever> {
    let (retriever, freshness) = Retriever::open(corpus, index, progress)?;
    match freshness {
        Freshness::Fresh => {}
        Freshness::Rebuilt(summary) => eprintln!(
            "built the index: {} passages in {:.2} s",
            summary.manifest.chunks,
            summary.elapsed.as_secs_f64()
        ),
        Freshness::Stale { reason } => eprintln!(
            "warning: the corpus changed but rebuilding the index failed, so the previous index is used.\n{reason}"
        ),
    }
    Ok(retriever)
}

/// Reads `--history FILE` (or `-`, standard input): a JSON array of {"role", "content"}.
fn read_history(path: Option<&Path>) -> Result<Vec<Turn>> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let text = if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("could not read the history from standard input")?;
        text
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("could not read the history file {}", path.display()))?
    };
    let path = if path == Path::new("-") {
        Path::new("on standard input")
    } else {
        path
    };
    let turns: Vec<Turn> = serde_json::from_str(&text).with_context(|| {
        format!(
            "history file {} must be a JSON array of {{\"role\": \"user\"|\"assistant\", \"content\": \"...\"}}",
            path.display()
        )
    })?;
    if let Some(turn) = turns
        .iter()
        .find(|t| t.role != "user" && t.role != "assistant")
    {
        bail!(
            "history file {}: role '{}' must be \"user\" or \"assistant\"",
            path.display(),
            turn.role
        );
    }
    Ok(turns)
}

/// How to emphasise text: ANSI on a terminal, Markdown bold elsewhere.
struct Style {
    ansi: bool,
}

impl Style {
    fn for_stdout() -> Style {
        Style {
            ansi: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    fn heading(&self, text: &str) -> String {
        if self.ansi {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// `text` with the byte ranges (sorted, non-overlapping) emphasised.
    fn mark(&self, text: &str, ranges: &[Range<usize>]) -> String {
        let (open, close) = if self.ansi {
            ("\x1b[1;33m", "\x1b[0m")
        } else {
            ("**", "**")
        };
        let mut out = String::with_capacity(text.len() + ranges.len() * 8);
        let mut at = 0;
        for range in ranges {
            let (Some(before), Some(word)) = (text.get(at..range.start), text.get(range.clone()))
            else {
                continue;
            };
            out.push_str(before);
            out.push_str(open);
            out.push_str(word);
            out.push_str(close);
            at = range.end;
        }
        out.push_str(text.get(at..).unwrap_or_default());
        out
    }
}

/// `bench --library`: the library benchmark of issue 22.
fn bench_library(
    articles: usize,
    rounds: usize,
    quick: bool,
    dir: PathBuf,
    corpus: &Path,
    queries: Option<PathBuf>,
    json: bool,
) -> Result<ExitCode> {
    let (articles, rounds) = if quick {
        (articles.min(50), rounds.min(50))
    } else {
        (articles, rounds)
    };
    let options = medcite::bench::library::LibraryOptions {
        articles,
        rounds,
        dir,
        words: PathBuf::from("benches/data/pubmedqa-dev-words.tsv"),
        queries: queries.unwrap_or_else(|| PathBuf::from("tests/gold/pubmedqa/own.toml")),
        bundled: corpus.to_path_buf(),
    };
    let report = medcite::bench::library::run(&options, &mut |line| eprintln!("bench: {line}"))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", medcite::bench::library::table(&report));
    }
    Ok(ExitCode::SUCCESS)
}

/// One line per file `add` wrote, then what it could not read.
fn print_added(report: &medcite::add::AddReport) {
    let markers: Vec<String> = report.markers.iter().map(u32::to_string).collect();
    println!(
        "{} {} ({}, read as {}): {} section(s), {} paragraph(s), {} bullet(s), {} table(s), markers [{}], {} reference note(s): {} traced ({} with abstract), {} untraced, {} furniture line(s) left out, {} passage(s)",
        if report.updated { "updated" } else { "added" },
        report.id,
        report.path.display(),
        report.format,
        report.sections,
        report.paragraphs,
        report.bullets,
        report.tables,
        markers.join(", "),
        report.references,
        report.traced,
        report.abstracts,
        report.references - report.traced,
        report.furniture,
        report.passages,
    );
    if !report.listed_not_cited.is_empty() {
        let listed: Vec<String> = report.listed_not_cited.iter().map(u32::to_string).collect();
        println!(
            "  listed but never cited (no note written): {}",
            listed.join(", ")
        );
    }
    for title in &report.unmatched_records {
        println!("  PubMed record matched to no citation: {title}");
    }
    for problem in &report.unread {
        println!("  not read: {problem}");
    }
}

/// The retyping `eval --typed` names, said in a line before the figures (unless `json`).
fn typing(typed: &str, seed: u64, json: bool) -> medcite::eval::retype::Typing {
    use medcite::eval::retype::Typing;
    let typing = match typed {
        "slips" => Typing::Slips { seed },
        "capitals" => Typing::Capitals,
        "sentence" => Typing::Sentence,
        _ => Typing::AsWritten,
    };
    match typing {
        Typing::Slips { seed } if !json => {
            println!("questions retyped with one slip of the keys each (seed {seed})")
        }
        Typing::Capitals if !json => println!("questions retyped all in capitals"),
        Typing::Sentence if !json => println!("questions retyped with a capital first letter"),
        _ => {}
    }
    typing
}

/// `eval --dev`: the dev pages added to a temporary corpus, each follow-up (retyped as `typing`
/// says) asked in its scope (or, not `scoped`, of the whole library).
fn eval_dev(
    dir: &Path,
    split: &Path,
    scoped: bool,
    typing: medcite::eval::retype::Typing,
) -> Result<medcite::eval::dev::DevReport> {
    use medcite::eval::dev::{evaluate_dev, load_followups, load_test_split};
    let mut questions = load_followups(&dir.join("followups.tsv"))?;
    for q in &mut questions {
        q.question = medcite::eval::retype::retyped(&q.question, typing);
    }
    let test = load_test_split(split)?;
    let work = tempfile::TempDir::new().context("could not make a temporary folder")?;
    let corpus = work.path().join("corpus");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir.join("pages"))
        .with_context(|| format!("could not read {}", dir.join("pages").display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    pages.sort();
    medcite::add::add_files(&pages, &corpus)?;
    let retriever = open_retriever(&corpus, &work.path().join("index"), false)?;
    let engine = Engine::new(retriever, None);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    Ok(runtime.block_on(evaluate_dev(&engine, &questions, &test, scoped))?)
}

fn print_dev(report: &medcite::eval::dev::DevReport, all: bool) {
    let pct = |a: usize, b: usize| {
        if b == 0 {
            100.0
        } else {
            100.0 * a as f64 / b as f64
        }
    };
    for (name, f) in [("train", &report.train), ("test", &report.test)] {
        println!(
            "{name}: {}/{} right ({:.1}%); wrongly declined {}/{} ({:.1}%); outside declined or \"not stated\" {}/{} ({:.1}%); answers quoting another article {}, naming another {}",
            f.right,
            f.questions,
            pct(f.right, f.questions),
            f.wrongly_declined,
            f.answerable,
            pct(f.wrongly_declined, f.answerable),
            f.outside_handled,
            f.outside,
            pct(f.outside_handled, f.outside),
            f.other_article,
            f.named_other,
        );
    }
    // The test split's rows are not shown unless asked for: its figures are for reporting.
    // A right answer quoting another article is shown too.
    let shown = |r: &&medcite::eval::dev::DevRow| all || (!r.test && (!r.right || r.other_article));
    for row in report.rows.iter().filter(shown) {
        let first = row.answer.lines().next().unwrap_or_default();
        println!(
            "  {} [{}] {} {}: {:?}{}\n      → {first}",
            if row.right { "ok  " } else { "MISS" },
            if row.test { "test" } else { "train" },
            row.slug,
            row.question,
            row.expect,
            if row.other_article {
                " (quotes another article)"
            } else {
                ""
            },
        );
    }
}

/// `name` in the folder that holds `path` (`index` → `audit`, `/srv/x/index` → `/srv/x/audit`).
fn log_format(name: &str) -> medcite::server::LogFormat {
    match name {
        "json" => medcite::server::LogFormat::Json,
        _ => medcite::server::LogFormat::Text,
    }
}

/// `medcite config`: every setting's effective value and where it comes from; a variable the
/// settings file filled in counts as the file's, a flag given on the command line as a flag.
fn effective_settings(settings: &SettingsFile, matches: &ArgMatches) -> String {
    let command = Cli::command();
    let mut flags = std::collections::BTreeMap::new();
    for arg in command.get_arguments() {
        let (Some(env), id) = (arg.get_env(), arg.get_id().as_str()) else {
            continue;
        };
        if matches.value_source(id) == Some(ValueSource::CommandLine)
            && let (Some(env), Some(value)) = (env.to_str(), matches.get_raw(id))
        {
            let value: Vec<String> = value.map(|v| v.to_string_lossy().into_owned()).collect();
            flags.insert(env, value.join(","));
        }
    }
    let env = |name: &str| {
        if settings.from_file.contains(&name) {
            None
        } else {
            std::env::var(name).ok()
        }
    };
    let lines = medcite::config::effective(&settings.file, env, &flags);
    medcite::config::render(&settings.file, &lines)
}

fn beside(path: &Path, name: &str) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join(name),
        _ => PathBuf::from(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variable a flag reads is in the one table of settings (so the settings file and
    /// `medcite config` know it), and the table names no variable nothing reads.
    #[test]
    fn every_flag_variable_is_a_setting_of_the_file() {
        fn walk(command: &clap::Command, found: &mut Vec<String>) {
            for arg in command.get_arguments() {
                if let Some(env) = arg.get_env().and_then(|e| e.to_str()) {
                    found.push(env.to_string());
                }
            }
            for sub in command.get_subcommands() {
                walk(sub, found);
            }
        }
        let mut found = Vec::new();
        walk(&Cli::command(), &mut found);
        for env in &found {
            assert!(
                env == medcite::config::CONFIG_ENV || medcite::config::by_env(env).is_some(),
                "{env} is read by a flag but is not in config::SETTINGS"
            );
        }
        for key in ["MEDCITE_ADDR", "MEDCITE_LOG_FORMAT", "MEDCITE_NO_AUDIT"] {
            assert!(found.iter().any(|e| e == key), "{key} has no flag");
        }
    }
}

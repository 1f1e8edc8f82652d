//! The `medcite` command line: argument handling and printing only; every decision is made in the
//! library.

use std::io::IsTerminal;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use medcite::contracts::{SearchReply, Turn};
use medcite::eval::{evaluate_retrieval, load_gold};
use medcite::index::{Freshness, build_from_dir};
use medcite::retrieve::{MAX_K, Retriever, SearchRequest};

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
        /// Earlier conversation turns: a JSON array of {"role", "content"}.
        #[arg(long)]
        history: Option<PathBuf>,
    },
    /// Retrieval figures (recall@1, recall@5, MRR) on the gold questions.
    Eval {
        /// Folder holding retrieval.toml.
        #[arg(long, default_value = "tests/gold")]
        gold: PathBuf,
        /// Depth searched for the reciprocal rank.
        #[arg(long, default_value_t = 10)]
        k: usize,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        } => {
            let history = read_history(history.as_deref())?;
            let retriever = open_retriever(&cli.corpus, &cli.index, progress)?;
            let hits = retriever.search(&SearchRequest {
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
                    println!(
                        "{}. {}  [{}, {}, score {:.2}]",
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
        Command::Eval { gold, k, json } => {
            let retriever = open_retriever(&cli.corpus, &cli.index, progress)?;
            let path = gold.join("retrieval.toml");
            let questions = load_gold(&path)?;
            let report = evaluate_retrieval(&retriever, &questions, k)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "retrieval on {} gold questions ({})",
                    report.questions,
                    path.display()
                );
                println!("  recall@1  {:.3}", report.recall_at_1);
                println!("  recall@5  {:.3}", report.recall_at_5);
                println!("  MRR@{:<3}   {:.3}", report.k, report.mrr);
                for miss in &report.misses {
                    let rank = miss
                        .rank
                        .map_or("not found".to_string(), |r| format!("rank {r}"));
                    println!(
                        "  {} ({rank}): {} → expected \"{}\"",
                        miss.id, miss.question, miss.expect
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
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

/// Reads `--history FILE`: a JSON array of {"role", "content"}.
fn read_history(path: Option<&Path>) -> Result<Vec<Turn>> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read the history file {}", path.display()))?;
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

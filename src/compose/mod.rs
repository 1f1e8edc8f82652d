//! Composing an answer from numbered passages `[S1]…[Sn]`: the `Composer` trait and its two
//! implementations, the LLM (any OpenAI-compatible endpoint, prompts from `prompts/`) and the
//! offline extractive composer. A composer only writes text; it never verifies or checks doses.

mod cite;
mod extractive;
mod llm;
pub mod model;
mod prompts;

pub use cite::{
    attribute_copied_sentences, expand_sentence_ids, passage_sentences, render_with_sentence_ids,
    sentence_id_of, tidy, with_list_items,
};
pub(crate) use extractive::{Absent, as_mentioned};
pub use extractive::{
    Candidate, DraftLine, Explanation, ExtractiveComposer, OfflineDraft, asks_about_sources,
    only_restates, restates_the_article, same_fact,
};
pub use llm::{LlmComposer, LlmConfig, MAX_LLM_PASSAGES};
pub use prompts::Prompts;

use futures::future::BoxFuture;

use crate::contracts::{Passage, Turn};

/// Longest answer accepted from a model, in characters.
pub const MAX_ANSWER_CHARS: usize = 20_000;
/// Earlier turns given to a composer, newest kept.
pub const MAX_HISTORY_TURNS: usize = 8;
/// Longest earlier turn given to a composer, in characters.
pub const MAX_TURN_CHARS: usize = 2_000;

/// What a composer is asked to answer.
#[derive(Debug, Clone, Copy)]
pub struct ComposeRequest<'a> {
    pub question: &'a str,
    /// Earlier turns, oldest first (already bounded by the caller).
    pub history: &'a [Turn],
    /// The passages, `passages[i]` being marker `S{i+1}`.
    pub passages: &'a [Passage],
    /// Words of the question with the passages' wording of them ("CTD", "connective tissue
    /// diseases"), for a model that matches words literally.
    pub glossary: &'a [(String, String)],
    /// Ids of the sentences that answer best (`S1.2`), as the offline answer chose them.
    pub best: &'a [String],
    /// Words of the question, as typed, that no source in scope names, plainly so ("tick",
    /// "bite" of "doxy ppx after tick bite?" asked of an article on erythema migrans; see
    /// `Retriever::plainly_absent`): the offline answer says so first.
    pub unnamed: &'a [String],
    /// A previous answer that failed verification, and the problems found in it.
    pub retry: Option<(&'a str, &'a [String])>,
    /// Whether to stream token deltas to the sink as they arrive.
    pub stream: bool,
}

/// Receives pieces of the answer as they are written.
pub type DeltaSink<'a> = &'a mut (dyn FnMut(&str) + Send);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    #[error("the LLM at {url} could not be reached: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("the LLM did not answer within {0} s")]
    Timeout(u64),
    #[error("the LLM returned an error: {0}")]
    Api(String),
    #[error("the LLM's reply could not be read: {0}")]
    Malformed(String),
    #[error("the LLM returned an empty answer")]
    Empty,
    #[error("the LLM's answer was longer than {MAX_ANSWER_CHARS} characters")]
    TooLong,
    #[error("bad LLM configuration: {0}")]
    Config(String),
    #[error("prompt file {path}: {problem}")]
    Prompt { path: String, problem: String },
}

impl ComposeError {
    /// The kind of error, as a closed set for counting (`timeout`, `unreachable`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            ComposeError::Unreachable { .. } => "unreachable",
            ComposeError::Timeout(_) => "timeout",
            ComposeError::Api(_) => "api_error",
            ComposeError::Malformed(_) => "malformed",
            ComposeError::Empty => "empty",
            ComposeError::TooLong => "too_long",
            ComposeError::Config(_) => "config",
            ComposeError::Prompt { .. } => "prompt",
        }
    }
}

/// Writes an answer from numbered passages.
pub trait Composer: Send + Sync {
    /// Composes the answer; with `request.stream`, pieces also go to `sink` as they arrive.
    fn compose<'a>(
        &'a self,
        request: &'a ComposeRequest<'a>,
        sink: DeltaSink<'a>,
    ) -> BoxFuture<'a, Result<String, ComposeError>>;
}

/// The last `MAX_HISTORY_TURNS` turns, each cut to `MAX_TURN_CHARS`.
pub fn bounded_history(history: &[Turn]) -> Vec<Turn> {
    let start = history.len().saturating_sub(MAX_HISTORY_TURNS);
    history[start..]
        .iter()
        .map(|t| Turn {
            role: t.role.clone(),
            content: t.content.chars().take(MAX_TURN_CHARS).collect(),
        })
        .collect()
}

/// Where a passage stands, as the prompt names it: `Title › Section` (the title alone when the
/// section is the title).
pub fn place(p: &Passage) -> String {
    if p.section == p.title {
        p.title.clone()
    } else {
        format!("{} › {}", p.title, p.section)
    }
}

/// The passages as the prompt shows them: `[S1] Title › Section` then the text.
pub fn render_passages(passages: &[Passage]) -> String {
    passages
        .iter()
        .map(|p| {
            let place = place(p);
            format!("[{}] {place}\n{}", p.marker, p.text)
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Test fixtures' passages with the roles the chunker gives such text: a one-line passage ending
/// in ':' leads the passages with sub-items right after it (same document and section).
#[cfg(test)]
pub(crate) fn with_chunker_roles(mut passages: Vec<Passage>) -> Vec<Passage> {
    use crate::contracts::Role;
    let number = |p: &Passage| -> Option<(String, u32)> {
        let (doc, n) = p.chunk_id.rsplit_once('#')?;
        Some((doc.to_string(), n.parse().ok()?))
    };
    for lead in 0..passages.len() {
        let text = passages[lead].text.trim_end().to_string();
        if text.contains('\n') || !text.ends_with(':') {
            continue;
        }
        let Some((doc, n)) = number(&passages[lead]) else {
            continue;
        };
        let mut next = n + 1;
        while let Some(item) = passages.iter().position(|p| {
            number(p) == Some((doc.clone(), next))
                && p.section == passages[lead].section
                && p.text.contains("\n- ")
        }) {
            passages[item].role = Role::ListItem;
            passages[item].lead = text.clone();
            passages[lead].role = Role::LeadIn;
            next += 1;
        }
    }
    passages
}

//! Suggested follow-ups for the chat page: questions drawn from the article's own structure (the
//! lead-ins of its top-level lists, then its section headings), kept only when the engine answers
//! them as covered — the same retrieval and coverage decision as any `ask`. No question is
//! written here; nothing is specific to one article.

use crate::answer::Engine;
use crate::contracts::{AskRequest, ModeChoice};

/// Most suggestions shown.
pub const MAX_SUGGESTIONS: usize = 4;
/// Most candidates tried (each is one offline ask).
const MAX_CANDIDATES: usize = 12;
/// Longest lead-in or heading turned into a question, in words.
const MAX_WORDS: usize = 5;

/// Up to [`MAX_SUGGESTIONS`] questions about the article in `markdown` that the engine answers
/// from the sources (asked in `article`'s scope when given), each drawing on a different best
/// passage.
pub fn suggestions(engine: &Engine, markdown: &str, article: Option<&str>) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    let mut first_passages: Vec<String> = Vec::new();
    for question in candidates(markdown).into_iter().take(MAX_CANDIDATES) {
        if kept.len() >= MAX_SUGGESTIONS {
            break;
        }
        let request = AskRequest {
            article: article.map(str::to_string),
            question: question.clone(),
            history: Vec::new(),
            k: None,
            mode: ModeChoice::Offline,
        };
        // Offline answers never wait on anything, so this resolves at once.
        let Ok(reply) = futures::executor::block_on(engine.ask(&request, false, &mut |_| {}))
        else {
            continue;
        };
        let Some(first) = reply.passages.first() else {
            continue;
        };
        if reply.covered && reply.verified && !first_passages.contains(&first.chunk_id) {
            first_passages.push(first.chunk_id.clone());
            kept.push(question);
        }
    }
    kept
}

/// Candidate questions, in article order: "What about <lead-in>?" for each short top-level
/// list lead-in ("- Rituximab:"), then for each short section heading.
pub fn candidates(markdown: &str) -> Vec<String> {
    let mut lead_ins = Vec::new();
    let mut headings = Vec::new();
    for line in markdown.lines() {
        if let Some(item) = line
            .strip_prefix("- ")
            .or_else(|| line.strip_prefix("* "))
            .and_then(|item| item.trim_end().strip_suffix(':'))
        {
            lead_ins.push(item.to_string());
        } else if let Some(heading) = line.strip_prefix("## ") {
            headings.push(heading.to_string());
        }
    }
    let lead_ins = lead_ins.iter().map(|p| (p, false));
    let headings = headings.iter().map(|p| (p, true));
    let mut out: Vec<String> = Vec::new();
    for (phrase, is_heading) in lead_ins.chain(headings) {
        let phrase = phrase.replace(['*', '_', '`'], "");
        let words: Vec<&str> = phrase.split_whitespace().collect();
        if words.is_empty() || words.len() > MAX_WORDS || phrase.contains(['[', ']']) {
            continue;
        }
        // A heading is in title case: every word but an acronym is lower-cased; a lead-in only
        // loses the capital it has as the start of a line.
        let words: Vec<String> = words
            .iter()
            .enumerate()
            .map(|(n, word)| match (is_acronym(word), is_heading, n) {
                (true, _, _) | (false, false, 1..) => (*word).to_string(),
                (false, true, _) => word.to_lowercase(),
                (false, false, 0) => lower_first(word),
            })
            .collect();
        let question = format!("What about {}?", words.join(" "));
        if !out.contains(&question) {
            out.push(question);
        }
    }
    out
}

/// Whether a word is written in capitals ("IVIG", "Anti-SRP" is not).
fn is_acronym(word: &str) -> bool {
    let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() > 1 && letters.iter().all(|c| c.is_uppercase())
}

fn lower_first(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_come_from_list_lead_ins_then_short_headings() {
        let markdown = "# Title\n\nIntro.\n\n## Initial Care\n\n- First-line therapy:\n  - Nested lead-in:\n- IVIG dosing:\n- A very long lead-in with far too many words:\n- Not a lead-in\n\n## A Heading That Is Much Too Long To Ask\n";
        assert_eq!(
            candidates(markdown),
            [
                "What about first-line therapy?",
                "What about IVIG dosing?",
                "What about initial care?"
            ]
        );
    }
}

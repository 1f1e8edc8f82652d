//! The extractive composer: no LLM. It picks the sentences and bullets of the best passages that
//! share the most key words with the question, and quotes each verbatim with its marker, so its
//! answers always verify. Deterministic: same passages and question, same answer.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use futures::future::BoxFuture;

use super::{ComposeError, ComposeRequest, Composer, DeltaSink};
use crate::contracts::Passage;
use crate::retrieve::{Synonyms, contains_sequence, near_spelling, words};
use crate::text::{has_markup, normalize, sentences};

/// Most quoted sentences in one answer.
const MAX_UNITS: usize = 6;
/// Most quoted sentences taken from one passage.
const MAX_UNITS_PER_PASSAGE: usize = 2;
/// Most bullets quoted after a lead-in that introduces them.
const MAX_FOLLOWERS: usize = 4;
/// Fewest words a quoted bullet may have.
const MIN_UNIT_WORDS: usize = 3;
/// Weight of the previous user turn's key words.
const HISTORY_WEIGHT: f64 = 0.5;
/// Weight of a bullet's parent line (its label) in the bullet's score.
const LABEL_WEIGHT: f64 = 0.5;

/// Analysed words of a question that ask for a dose.
const DOSE_WORDS: &[&str] = &["dose", "dosag", "much", "mg"];
/// An amount with a dose unit ("1 mg/kg", "2 g", "500 mcg").
static DOSE_AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\d\s*(mg|g|mcg|µg|μg|units?|iu)\b").expect("dose regex is valid")
});
/// Said before the quotes when the question asks for a dose and none of them states one; it
/// ends in ':' as a lead-in, so it needs no marker.
pub const NO_DOSE_STATED: &str = "The sources state no dose for this; what they say:";

/// What the extractive composer answers when no sentence shares a key word with the question.
pub const NOTHING_RELEVANT: &str = "The sources do not say.";

/// Quotes the passages' most relevant sentences.
#[derive(Debug, Clone, Default)]
pub struct ExtractiveComposer {
    synonyms: Synonyms,
}

/// One quotable sentence or bullet of a passage.
#[derive(Debug, Clone)]
struct Unit {
    passage: usize,
    position: usize,
    /// The parent bullet line, shown before the quote ("Rituximab:").
    label: Option<String>,
    quote: String,
    score: f64,
}

impl ExtractiveComposer {
    pub fn new(synonyms: Synonyms) -> ExtractiveComposer {
        ExtractiveComposer { synonyms }
    }

    /// The extractive answer (Markdown bullets, each a verbatim quote with its marker), or
    /// [`NOTHING_RELEVANT`] when no passage sentence shares a key word with the question.
    pub fn answer(&self, request: &ComposeRequest<'_>) -> String {
        let mut wanted: Vec<(Vec<Vec<String>>, f64)> =
            vec![(self.synonyms.key_terms(request.question), 1.0)];
        if let Some(previous) = request.history.iter().rev().find(|t| t.role == "user") {
            wanted.push((self.synonyms.key_terms(&previous.content), HISTORY_WEIGHT));
        }
        let overlap = |text: &str| -> f64 {
            let sequence = words(text);
            let present: HashSet<&String> = sequence.iter().collect();
            let mut counted: HashSet<&Vec<String>> = HashSet::new();
            let mut score = 0.0;
            for (terms, weight) in &wanted {
                for term in terms {
                    let found = match term.as_slice() {
                        [word] => {
                            present.contains(word) || present.iter().any(|p| near_spelling(word, p))
                        }
                        _ => contains_sequence(&sequence, term),
                    };
                    if found && counted.insert(term) {
                        score += weight;
                    }
                }
            }
            score
        };

        let mut units: Vec<Unit> = Vec::new();
        for (index, passage) in request.passages.iter().enumerate() {
            for (position, (label, quote)) in quotable(&passage.text).into_iter().enumerate() {
                let own = overlap(&quote);
                let from_label = label.as_deref().map_or(0.0, &overlap) * LABEL_WEIGHT;
                let rank_bonus = 0.25 / (index as f64 + 1.0);
                units.push(Unit {
                    passage: index,
                    position,
                    label,
                    quote,
                    score: own
                        + from_label
                        + if own + from_label > 0.0 {
                            rank_bonus
                        } else {
                            0.0
                        },
                });
            }
        }

        let mut order: Vec<usize> = (0..units.len()).filter(|&i| units[i].score > 0.0).collect();
        order.sort_by(|&a, &b| {
            units[b]
                .score
                .total_cmp(&units[a].score)
                .then(units[a].passage.cmp(&units[b].passage))
                .then(units[a].position.cmp(&units[b].position))
        });
        let mut chosen: Vec<usize> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for i in order {
            if chosen.len() >= MAX_UNITS {
                break;
            }
            let per_passage = chosen
                .iter()
                .filter(|&&c| units[c].passage == units[i].passage)
                .count();
            if per_passage >= MAX_UNITS_PER_PASSAGE || !seen.insert(normalize(&units[i].quote)) {
                continue;
            }
            chosen.push(i);
            // A lead-in ("… additional therapies should be considered:") brings the bullets it
            // introduces, when they were retrieved too.
            if units[i].quote.trim_end().ends_with(':') && units[i].label.is_none() {
                for follower in followers(request.passages, units[i].passage) {
                    let in_follower = |u: &Unit| u.passage == follower;
                    let first = units
                        .iter()
                        .position(|u| in_follower(u) && u.label.is_some())
                        .or_else(|| units.iter().position(in_follower));
                    if let Some(first) = first {
                        let quote = normalize(&units[first].quote);
                        if seen.insert(quote) {
                            chosen.push(first);
                        }
                    }
                }
            }
        }
        if chosen.is_empty() {
            return NOTHING_RELEVANT.to_string();
        }
        let leaders: Vec<usize> = chosen
            .iter()
            .map(|&i| leader_of(&units, &chosen, i))
            .collect();
        let mut keyed: Vec<(usize, usize)> = leaders.into_iter().zip(chosen).collect();
        keyed.sort_by_key(|&(leader, i)| (leader, units[i].passage, units[i].position));
        let chosen: Vec<usize> = keyed.into_iter().map(|(_, i)| i).collect();
        let asks_dose = words(request.question)
            .iter()
            .any(|w| DOSE_WORDS.contains(&w.as_str()));
        let states_dose = chosen
            .iter()
            .any(|&i| DOSE_AMOUNT.is_match(&units[i].quote));
        let notice = if asks_dose && !states_dose {
            format!("{NO_DOSE_STATED}\n")
        } else {
            String::new()
        };
        let lines = chosen
            .iter()
            .map(|&i| {
                let unit = &units[i];
                let marker = &request.passages[unit.passage].marker;
                let quote = unit.quote.trim_end_matches([':', ' ', '.']);
                match &unit.label {
                    Some(label) => format!(
                        "- {}: \"{quote}\" [{marker}]",
                        label.trim_end_matches(':').trim()
                    ),
                    None => format!("- \"{quote}\" [{marker}]"),
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        format!("{notice}{lines}")
    }
}

/// For ordering: a bullet that follows a lead-in is listed right after it.
fn leader_of(units: &[Unit], chosen: &[usize], i: usize) -> usize {
    chosen
        .iter()
        .copied()
        .filter(|&c| c != i && units[c].quote.trim_end().ends_with(':') && units[c].label.is_none())
        .filter(|&c| units[c].passage < units[i].passage)
        .map(|c| units[c].passage)
        .max()
        .unwrap_or(units[i].passage)
}

/// Passages that continue the list a lead-in introduces: the next chunks of the same document
/// and section, in order, as far as they were retrieved.
fn followers(passages: &[Passage], lead: usize) -> Vec<usize> {
    let Some((doc, number)) = chunk_number(&passages[lead].chunk_id) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for next in number + 1..=number + MAX_FOLLOWERS as u32 {
        let wanted = format!("{doc}#{next}");
        match passages.iter().position(|p| p.chunk_id == wanted) {
            Some(i) if passages[i].section == passages[lead].section => out.push(i),
            _ => break,
        }
    }
    out
}

fn chunk_number(chunk_id: &str) -> Option<(&str, u32)> {
    let (doc, number) = chunk_id.rsplit_once('#')?;
    Some((doc, number.parse().ok()?))
}

/// The quotable units of a passage: each sentence of a paragraph, or, for a bullet with
/// sub-bullets, each line with its parent line as label.
fn quotable(text: &str) -> Vec<(Option<String>, String)> {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() == 1 {
        return sentences(text)
            .into_iter()
            .filter(|s| !has_markup(s))
            .map(|s| (None, s.to_string()))
            .collect();
    }
    let indent = |line: &str| line.len() - line.trim_start().len();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let content = line.trim_start().trim_start_matches("- ").trim();
        if content.is_empty() {
            continue;
        }
        let bullet = line.trim_start().starts_with("- ");
        let has_children = lines.get(i + 1).is_some_and(|next| {
            next.trim_start().starts_with("- ") && indent(next) >= indent(line)
        });
        if content.ends_with(':') && has_children {
            // A label ("Rituximab:"), quoted with each of its bullets rather than alone.
            continue;
        }
        let label = if bullet {
            lines[..i]
                .iter()
                .rev()
                .find(|l| !l.trim_start().starts_with("- ") || indent(l) < indent(line))
                .map(|l| l.trim_start().trim_start_matches("- ").trim().to_string())
        } else {
            None
        };
        // A bare item ("IVIG") says nothing on its own; markup in a source is never quoted
        // (an answer holding HTML fails verification).
        if content.split_whitespace().count() >= MIN_UNIT_WORDS && !has_markup(content) {
            out.push((label, content.to_string()));
        }
    }
    out
}

impl Composer for ExtractiveComposer {
    fn compose<'a>(
        &'a self,
        request: &'a ComposeRequest<'a>,
        sink: DeltaSink<'a>,
    ) -> BoxFuture<'a, Result<String, ComposeError>> {
        Box::pin(async move {
            let answer = self.answer(request);
            if request.stream {
                sink(&answer);
            }
            Ok(answer)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::verify;

    fn passage(n: usize, chunk: &str, section: &str, text: &str) -> Passage {
        Passage {
            marker: format!("S{n}"),
            chunk_id: chunk.into(),
            doc_id: chunk.split('#').next().unwrap_or_default().into(),
            title: "Article".into(),
            section: section.into(),
            text: text.into(),
        }
    }

    fn request<'a>(question: &'a str, passages: &'a [Passage]) -> ComposeRequest<'a> {
        ComposeRequest {
            question,
            history: &[],
            passages,
            retry: None,
            stream: false,
        }
    }

    fn passages() -> Vec<Passage> {
        vec![
            passage(
                1,
                "a#4",
                "Refractory",
                "For patients who relapse during steroid taper, additional therapies should be considered:",
            ),
            passage(
                2,
                "a#5",
                "Refractory",
                "Intravenous immunoglobulin (IVIG):\n- Particularly effective for necrotizing myopathy\n- Can inhibit complement pathway activation",
            ),
            passage(
                3,
                "a#6",
                "Refractory",
                "Rituximab:\n- Effective in approximately 62% of patients\n- Particularly beneficial in anti-SRP antibody-positive cases",
            ),
            passage(
                4,
                "a#1",
                "Lead",
                "High-dose corticosteroids are first-line. Methotrexate is preferred. Monitoring matters.",
            ),
        ]
    }

    #[test]
    fn quotes_the_sentences_that_share_key_words_and_they_verify() {
        let passages = passages();
        let answer =
            ExtractiveComposer::default().answer(&request("Is methotrexate preferred?", &passages));
        assert_eq!(answer, "- \"Methotrexate is preferred\" [S4]");
        assert!(verify(&answer, &passages).verified());
    }

    #[test]
    fn a_lead_in_brings_the_bullets_it_introduces() {
        let passages = passages();
        let answer = ExtractiveComposer::default()
            .answer(&request("What if they relapse on the taper?", &passages));
        let lines: Vec<&str> = answer.lines().collect();
        assert_eq!(
            lines[0],
            "- \"For patients who relapse during steroid taper, additional therapies should be considered\" [S1]"
        );
        assert_eq!(
            lines[1],
            "- Intravenous immunoglobulin (IVIG): \"Particularly effective for necrotizing myopathy\" [S2]"
        );
        assert_eq!(
            lines[2],
            "- Rituximab: \"Effective in approximately 62% of patients\" [S3]"
        );
        let check = verify(&answer, &passages);
        assert!(check.verified(), "{:?}", check.issues);
    }

    #[test]
    fn a_dose_question_without_a_stated_dose_says_so_first() {
        let passages = passages();
        let answer =
            ExtractiveComposer::default().answer(&request("What about IVIG dosing?", &passages));
        assert!(answer.starts_with(NO_DOSE_STATED), "{answer}");
        assert!(verify(&answer, &passages).verified());
        let with_dose = vec![passage(
            1,
            "a#1",
            "Lead",
            "Prednisone 1 mg/kg/day is first-line.",
        )];
        let answer = ExtractiveComposer::default().answer(&request("prednisone dose?", &with_dose));
        assert!(!answer.contains(NO_DOSE_STATED), "{answer}");
    }

    #[test]
    fn nothing_relevant_says_so() {
        let passages = passages();
        let answer = ExtractiveComposer::default().answer(&request("hypertension?", &passages));
        assert_eq!(answer, NOTHING_RELEVANT);
    }

    #[test]
    fn same_input_same_answer() {
        let passages = passages();
        let composer = ExtractiveComposer::default();
        let question = "rituximab for anti-SRP relapse";
        assert_eq!(
            composer.answer(&request(question, &passages)),
            composer.answer(&request(question, &passages))
        );
    }
}

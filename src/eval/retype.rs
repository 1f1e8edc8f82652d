//! Follow-ups retyped as a hurried clinician types them (`medcite eval --dev DIR --typed …`):
//! with one slip of the keys, its first letter in capitals (as a phone writes it), or all in
//! capitals. The dev file's questions are written with
//! care; the box meets questions typed on a phone between patients. A slip is drawn from the
//! question's own text and a seed, so a run is the same on every machine and each seed is
//! another sample of slips.

use sha2::{Digest, Sha256};

/// How the questions are retyped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typing {
    /// As the file writes them.
    AsWritten,
    /// One slip in one word of six letters or more: two neighbouring letters swapped, one
    /// dropped or one typed twice (none at a word's first letter or its last two).
    Slips { seed: u64 },
    /// The first letter in capitals, as a phone's keyboard writes a sentence's.
    Sentence,
    /// Every letter in capitals.
    Capitals,
}

/// Fewest letters of a word that may get a slip: shorter words are shorthand more often than
/// words, and a slip in them is another word.
const SLIP_LETTERS: usize = 6;

/// `question` retyped as `typing` says.
pub fn retyped(question: &str, typing: Typing) -> String {
    match typing {
        Typing::AsWritten => question.to_string(),
        Typing::Sentence => {
            let mut chars = question.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        }
        Typing::Capitals => question.to_uppercase(),
        Typing::Slips { seed } => with_a_slip(question, seed),
    }
}

fn with_a_slip(question: &str, seed: u64) -> String {
    let digest = Sha256::digest(question.as_bytes());
    let mut own = [0u8; 8];
    own.copy_from_slice(&digest[..8]);
    let mut rng = fastrand::Rng::with_seed(seed ^ u64::from_le_bytes(own));
    // Words of letters only, as byte ranges.
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (at, c) in question.char_indices().chain([(question.len(), ' ')]) {
        match (c.is_ascii_alphabetic(), start) {
            (true, None) => start = Some(at),
            (false, Some(s)) => {
                if at - s >= SLIP_LETTERS {
                    words.push((s, at));
                }
                start = None;
            }
            _ => {}
        }
    }
    let Some(&(s, e)) = words.get(rng.usize(..words.len().max(1))) else {
        return question.to_string();
    };
    let mut letters: Vec<u8> = question.as_bytes()[s..e].to_vec();
    let at = rng.usize(1..letters.len() - 2);
    match rng.u8(..3) {
        0 => letters.swap(at, at + 1),
        1 => {
            letters.remove(at);
        }
        _ => letters.insert(at, letters[at]),
    }
    let slipped = String::from_utf8(letters).expect("ASCII letters");
    format!("{}{slipped}{}", &question[..s], &question[e..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slip_changes_one_long_word_by_one_edit_the_same_way_every_run() {
        let question = "ceftriaxone dose for bact meningitis?";
        let slipped = retyped(question, Typing::Slips { seed: 1 });
        assert_eq!(slipped, retyped(question, Typing::Slips { seed: 1 }));
        let changed: Vec<(&str, &str)> = question
            .split(' ')
            .zip(slipped.split(' '))
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(changed.len(), 1, "{slipped}");
        let (was, is) = changed[0];
        assert!(was.len() >= SLIP_LETTERS, "{was}");
        assert_eq!(
            was.chars().next(),
            is.chars().next(),
            "the first letter stays"
        );
        assert!(was.len().abs_diff(is.len()) <= 1);
        let seeds: std::collections::HashSet<String> = (0..20)
            .map(|seed| retyped(question, Typing::Slips { seed }))
            .collect();
        assert!(seeds.len() > 3, "seeds draw other slips: {seeds:?}");
    }

    #[test]
    fn a_question_without_a_long_word_is_kept_and_capitals_are_capitals() {
        assert_eq!(retyped("and vanc?", Typing::Slips { seed: 7 }), "and vanc?");
        assert_eq!(retyped("K 6.8 tx?", Typing::Capitals), "K 6.8 TX?");
        assert_eq!(retyped("as is", Typing::AsWritten), "as is");
        assert_eq!(retyped("max dose?", Typing::Sentence), "Max dose?");
        assert_eq!(retyped("", Typing::Sentence), "");
    }
}

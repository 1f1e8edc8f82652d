//! Citation markers in marked-up text (HTML `<sup>`, JATS `<xref ref-type="bibr">`): a reader
//! of markup writes each cited number as a placeholder, and this file turns runs of them ("1, 2",
//! "3–5", in brackets or not) into the corpus's `[1, 2]` / `[3, 4, 5]`, placed before the
//! punctuation that ends the statement. It knows nothing of HTML or XML.

use std::sync::LazyLock;

use regex::Regex;

const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// The placeholder for citation number `n`.
pub fn placeholder(n: u32) -> String {
    format!("{OPEN}{n}{CLOSE}")
}

/// A superscript's text as citation placeholders ("1,2", "3–5", "[4]"), or `None` when it is
/// not a run of citation numbers (an exponent, a footnote letter).
pub fn superscript_markers(text: &str, max: u32) -> Option<String> {
    static RUN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^[\[(]?\s*\d{1,3}(?:\s*[,–\-−]\s*\d{1,3})*\s*[\])]?$")
            .expect("run regex is valid")
    });
    let t = text.trim();
    if !RUN.is_match(t) {
        return None;
    }
    static NUMBER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\d{1,3}").expect("number regex is valid"));
    let mut out = String::new();
    let mut at = 0;
    for m in NUMBER.find_iter(t) {
        let n: u32 = m.as_str().parse().ok()?;
        if n == 0 || n > max {
            return None;
        }
        out.push_str(&t[at..m.start()]);
        out.push_str(&placeholder(n));
        at = m.end();
    }
    out.push_str(&t[at..]);
    Some(out)
}

/// `text` with its runs of placeholders written as `[a, b]`, ranges spelled out, brackets or
/// parentheses around a run dropped, white space collapsed; and the numbers cited.
pub fn resolve(text: &str) -> (String, Vec<u32>) {
    static RUN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            "\\s*[\\[(]?\\s*\u{E000}\\d+\u{E001}(?:\\s*[,;–\\-−]\\s*\u{E000}\\d+\u{E001})*\\s*[\\])]?",
        )
        .expect("run regex is valid")
    });
    static PIECE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new("([,;–\\-−]?)\\s*\u{E000}(\\d+)\u{E001}").expect("piece regex is valid")
    });
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut all = Vec::new();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for run in RUN.find_iter(&text) {
        let s = run.as_str();
        // A bracket on one side only belongs to the text around the run.
        let trimmed = s.trim();
        let opens = trimmed.starts_with(['[', '(']);
        let closes = trimmed.ends_with([']', ')']);
        let (start, end) = if opens != closes {
            let open_at = s.find(['[', '(']).filter(|_| opens);
            let close_at = s.rfind([']', ')']).filter(|_| closes);
            (
                run.start() + open_at.map_or(0, |i| i + 1),
                run.start() + close_at.unwrap_or(s.len()),
            )
        } else {
            (run.start(), run.end())
        };
        let mut numbers: Vec<u32> = Vec::new();
        for piece in PIECE.captures_iter(&text[start..end]) {
            let n: u32 = piece[2].parse().unwrap_or(0);
            let dash = matches!(&piece[1], "–" | "-" | "−");
            match numbers.last() {
                Some(&last) if dash && n > last && n - last <= 50 => {
                    numbers.extend(last + 1..=n);
                }
                _ => numbers.push(n),
            }
        }
        numbers.dedup();
        let mut head = out.clone();
        head.push_str(&text[copied..start]);
        let head = head.trim_end();
        // Before the statement's own punctuation: "… daily [1]." rather than "… daily. [1]".
        let (head, stop) = match head.char_indices().last() {
            Some((i, '.' | ',' | ';' | ':')) => (&head[..i], &head[i..]),
            _ => (head, ""),
        };
        let list: Vec<String> = numbers.iter().map(u32::to_string).collect();
        out = format!("{} [{}]{stop}", head.trim_end(), list.join(", "));
        all.extend(numbers);
        copied = end;
    }
    out.push_str(&text[copied..]);
    let out = out.replace([OPEN, CLOSE], "");
    (out.split_whitespace().collect::<Vec<_>>().join(" "), all)
}

/// Digits and signs as Unicode superscripts ("2" → "²", "-1" → "⁻¹").
pub fn superscript(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            '9' => '⁹',
            '-' | '−' => '⁻',
            '+' => '⁺',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(n: u32) -> String {
        placeholder(n)
    }

    #[test]
    fn runs_become_bracketed_lists_before_the_full_stop() {
        let text = format!("Give X daily.{}", superscript_markers("1,2", 60).unwrap());
        assert_eq!(
            resolve(&text),
            ("Give X daily [1, 2].".to_string(), vec![1, 2])
        );
        let text = format!("Y helps [{}–{}] in adults ({}).", p(3), p(5), p(7));
        assert_eq!(
            resolve(&text),
            (
                "Y helps [3, 4, 5] in adults [7].".to_string(),
                vec![3, 4, 5, 7]
            )
        );
        assert_eq!(resolve("no markers here").0, "no markers here");
    }

    #[test]
    fn exponents_and_letters_are_not_markers() {
        assert!(superscript_markers("a", 60).is_none());
        assert!(superscript_markers("−1", 60).is_none());
        assert!(superscript_markers("900", 60).is_none());
    }
}

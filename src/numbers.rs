//! The figures a text states (percentages, doses, counts, durations, ranges) and whether one text
//! states a figure another one does, after normalising how figures are written: "1-2", "1–2" and
//! "1 to 2"; "55 %", "55%" and "55 percent"; "1,000" and "1000"; "four weeks" and "4 weeks".
//! Pure functions; units and drugs are the dosing checker's business, not this module's.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::text::normalize;

/// One figure as written: a value or a range, maybe a percentage.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// The figure as it stands in the (normalised) text, e.g. "1-2" or "55%".
    pub shown: String,
    pub low: f64,
    pub high: f64,
    pub percent: bool,
}

impl Figure {
    fn is_range(&self) -> bool {
        self.low != self.high
    }

    /// Whether `other` (a figure of a source) states this figure: the same range, or for a
    /// single value, the value alone or as an end of a range; a percentage only by a percentage.
    pub fn stated_by(&self, other: &Figure) -> bool {
        if self.percent && !other.percent {
            return false;
        }
        if self.is_range() {
            same(self.low, other.low) && same(self.high, other.high)
        } else {
            same(self.low, other.low) || same(self.low, other.high)
        }
    }
}

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

const NUMBER: &str = r"\d+(?:,\d{3})*(?:\.\d+)?";

static FIGURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"({NUMBER})(\s?%)?(?:\s?(?:-|to)\s?({NUMBER}))?(\s?(?:%|percent\b|per cent\b))?"
    ))
    .expect("figure regex is valid")
});

/// A number word before a unit or a time word ("four weeks", "two doses"), or before "or
/// more" ("two or more immunotherapeutic agents").
static NUMBER_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|hundred)([\s-])(mg|g|mcg|kg|ml|weeks?|days?|months?|years?|hours?|times|doses?|cycles?|infusions?|courses?|patients?|percent|or more|or fewer|or less)\b",
    )
    .expect("number word regex is valid")
});

fn word_value(word: &str) -> &'static str {
    match word {
        "one" => "1",
        "two" => "2",
        "three" => "3",
        "four" => "4",
        "five" => "5",
        "six" => "6",
        "seven" => "7",
        "eight" => "8",
        "nine" => "9",
        "ten" => "10",
        "eleven" => "11",
        "twelve" => "12",
        "fifteen" => "15",
        "twenty" => "20",
        "thirty" => "30",
        "forty" => "40",
        "fifty" => "50",
        "sixty" => "60",
        _ => "100",
    }
}

/// Every figure `text` states. Digits inside a name (`CD20`, `S1`, `COVID-19`, `IgG4`) and
/// ordinals (`2nd`) are not figures.
pub fn figures(text: &str) -> Vec<Figure> {
    let text = normalize(text);
    let text = NUMBER_WORD.replace_all(&text, |c: &Captures<'_>| {
        format!("{}{}{}", word_value(&c[1]), &c[2], &c[3])
    });
    let mut out = Vec::new();
    for caps in FIGURE.captures_iter(&text) {
        let whole = caps.get(0).expect("group 0 always matches");
        let before: Vec<char> = text[..whole.start()].chars().rev().take(2).collect();
        let in_name = match before.as_slice() {
            [c, ..] if c.is_alphabetic() || *c == '.' || *c == '_' => true,
            ['-', c, ..] if c.is_alphabetic() => true,
            _ => false,
        };
        let after = &text[whole.end()..];
        let ordinal = ["st", "nd", "rd", "th"]
            .iter()
            .any(|s| after.starts_with(s) && !after[2..].starts_with(|c: char| c.is_alphabetic()));
        if in_name || ordinal {
            continue;
        }
        let value = |m: regex::Match<'_>| m.as_str().replace(',', "").parse::<f64>().ok();
        let Some(low) = caps.get(1).and_then(value) else {
            continue;
        };
        let high = caps.get(3).and_then(value).unwrap_or(low);
        out.push(Figure {
            shown: whole.as_str().trim().to_string(),
            low,
            high,
            percent: caps.get(2).is_some() || caps.get(4).is_some(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str) -> Vec<String> {
        figures(text).into_iter().map(|f| f.shown).collect()
    }

    fn states(source: &str, claim: &str) -> bool {
        let source = figures(source);
        figures(claim)
            .iter()
            .all(|f| source.iter().any(|s| f.stated_by(s)))
    }

    #[test]
    fn figures_are_found_with_ranges_and_percentages() {
        assert_eq!(
            shown("Prednisone 1 mg/kg/day, IV 1–2 mg/kg; 55 % relapse; ≥20 mg for ≥4 weeks"),
            ["1", "1-2", "55 %", "20", "4"]
        );
        assert_eq!(shown("1,000 mg twice, 0.5 g"), ["1,000", "0.5"]);
        assert_eq!(figures("10 to 20 percent")[0].high, 20.0);
        assert!(figures("10 to 20 percent")[0].percent);
    }

    #[test]
    fn names_and_ordinals_are_not_figures() {
        assert!(shown("CD20, COVID-19, IgG4, [S1.2], HMGCR, 2nd-line").is_empty());
    }

    #[test]
    fn spellings_of_one_figure_match() {
        assert!(states("IV methylprednisolone 1–2 mg/kg", "1 to 2 mg/kg"));
        assert!(states("relapse in 55% of patients", "55 percent"));
        assert!(states("for at least 4 weeks", "four weeks"));
        assert!(states("2+ agents", "two or more agents"));
        assert!(states("1000 mg", "1,000 mg"));
        assert!(states("1.5 mg/kg", "1.50 mg/kg"));
        assert!(states("1–2 mg/kg", "2 mg/kg"), "an end of a range");
    }

    #[test]
    fn different_figures_do_not_match() {
        assert!(!states("1–2 mg/kg", "1-3 mg/kg"));
        assert!(!states("15 mg weekly", "10 mg"));
        assert!(
            !states("55 patients", "55%"),
            "a percentage needs a percentage"
        );
        assert!(!states("1 mg/kg/day", "10 mg/kg/day"));
    }
}

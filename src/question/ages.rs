//! The ages of a question's patient and of the population a sentence is for, so that an answer
//! for a 78-year-old opens with what the article says for patients over 70, and one for a
//! 6-year-old not with a dose for children 8 and older. Words are data (`[ages]` of the
//! vocabulary file).

use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

/// An age range in years, `[from, to)`.
pub type Range = (f64, f64);

/// Oldest age a range reaches when a sentence names no upper bound.
const OLDEST: f64 = 150.0;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AgesSpec {
    below: Vec<String>,
    above: Vec<String>,
    years: Vec<String>,
    written_years: Vec<String>,
    written_months: Vec<String>,
    child_reading: Vec<String>,
    older_reading: Vec<String>,
    group: Vec<GroupSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupSpec {
    words: Vec<String>,
    from: f64,
    to: f64,
}

/// Reads ages and age bounds (see [`Ages::of_patient`] and [`Ages::stated`]).
#[derive(Debug)]
pub struct Ages {
    /// "under 70 years", "<8 years old": the bound in group 1.
    below: Regex,
    /// "over 70 years", "≥8 years old".
    above: Regex,
    /// Each population's words (one pattern) and ages.
    groups: Vec<(Regex, Range)>,
    /// Units of an age written in one word ("12yo", "9mo"), in years and in months.
    written_years: Vec<String>,
    written_months: Vec<String>,
    /// The populations a child's age and an older adult's age are read as ("child", "elderly").
    pub child_reading: Vec<String>,
    pub older_reading: Vec<String>,
}

/// A patient's age as clinicians write it: "6yo", "6 yo", "3 y/o", "78 year old", "45F",
/// "9 month old".
static PATIENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(\d{1,3})\s*(?:-\s*)?(?:(yo|y/o|yr?s?\s*old|years?[\s-]*old|[mf]\b)|(month[\s-]*old|mo\b|m/o))",
    )
    .expect("the patient age pattern is valid")
});

impl Ages {
    pub(super) fn from_spec(spec: AgesSpec) -> Result<Ages, String> {
        let alternatives = |list: &[String]| {
            list.iter()
                .map(|w| regex::escape(w).replace(' ', r"\s+"))
                .collect::<Vec<_>>()
                .join("|")
        };
        let years = alternatives(&spec.years);
        let bound = |words: &[String]| {
            Regex::new(&format!(
                r"(?i)(?:^|[^\w])(?:{})\s*(\d{{1,3}})\s*(?:{years})\b",
                alternatives(words)
            ))
            .map_err(|e| format!("ages: {e}"))
        };
        let groups = spec
            .group
            .iter()
            .map(|g| {
                let pattern = Regex::new(&format!(r"(?i)\b(?:{})\b", alternatives(&g.words)))
                    .map_err(|e| format!("ages.group: {e}"))?;
                Ok((pattern, (g.from, g.to)))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Ages {
            below: bound(&spec.below)?,
            above: bound(&spec.above)?,
            groups,
            written_years: spec.written_years,
            written_months: spec.written_months,
            child_reading: spec.child_reading,
            older_reading: spec.older_reading,
        })
    }

    /// Whether `word` (lower-cased) is an age under 18 written as clinicians do ("12yo", "8y",
    /// "9mo"; "14-year-old" split to "14"…"old" is not caught): a question about a child.
    pub fn is_child_age(&self, word: &str) -> bool {
        let digits = word.chars().take_while(char::is_ascii_digit).count();
        let (number, unit) = word.split_at(digits);
        let Ok(age) = number.parse::<u32>() else {
            return false;
        };
        self.written_years.iter().any(|u| u == unit) && age < 18
            || self.written_months.iter().any(|u| u == unit)
    }

    /// The age of the patient a question is about, when it gives one ("78 yo", "45F", "9 month
    /// old"); a population it names instead ("peds") is [`Ages::of_population`].
    pub fn of_patient(&self, question: &str) -> Option<Range> {
        let m = PATIENT.captures(question)?;
        let n: f64 = m.get(1)?.as_str().parse().ok()?;
        let age = if m.get(3).is_some() { n / 12.0 } else { n };
        Some((age, age))
    }

    /// The ages of the population a question names instead of an age ("kids", "elderly pt"): the
    /// one age group it names, or none when it names none or several.
    pub fn of_population(&self, question: &str) -> Option<Range> {
        let mut named = self
            .groups
            .iter()
            .filter(|(pattern, _)| pattern.is_match(question))
            .map(|(_, range)| *range);
        let first = named.next()?;
        named.next().is_none().then_some(first)
    }

    /// The age ranges a text says it is for: its bounds ("under 70 years", "≥8 years"), or,
    /// when it states none, the populations it names.
    pub fn stated(&self, text: &str) -> Vec<Range> {
        let bound = |pattern: &Regex| -> Vec<f64> {
            pattern
                .captures_iter(text)
                .filter_map(|m| m.get(1)?.as_str().parse().ok())
                .collect()
        };
        let (below, above) = (bound(&self.below), bound(&self.above));
        if !below.is_empty() || !above.is_empty() {
            return below
                .into_iter()
                .map(|b| (0.0, b))
                .chain(above.into_iter().map(|a| (a, OLDEST)))
                .collect();
        }
        self.groups
            .iter()
            .filter(|(pattern, _)| pattern.is_match(text))
            .map(|(_, range)| *range)
            .collect()
    }
}

/// Whether a patient's age meets a stated range `[from, to)`.
pub fn meets(patient: Range, stated: Range) -> bool {
    stated.0 <= patient.0 && patient.0 < stated.1
}

/// Whether a population of ages `population` and the ages `stated` share any age ("children"
/// and "≥8 years" do; "children" and "adults" do not).
pub fn overlaps(population: Range, stated: Range) -> bool {
    stated.0 < population.1 && population.0 < stated.1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::question::vocabulary;

    #[test]
    fn a_population_named_instead_of_an_age_gives_its_ages() {
        let ages = &vocabulary().ages;
        assert_eq!(
            ages.of_population("narcan dose for a 15 kg kid?"),
            Some((0.0, 18.0))
        );
        assert_eq!(ages.of_population("dose for kids and adults?"), None);
        assert_eq!(ages.of_population("dose?"), None);
        assert!(
            overlaps((0.0, 18.0), (8.0, OLDEST)),
            "children and ≥8 years"
        );
        assert!(!overlaps((0.0, 18.0), (18.0, 150.0)), "children and adults");
    }

    #[test]
    fn an_age_in_one_word_is_a_child_under_18_years_or_in_months() {
        let ages = &vocabulary().ages;
        for child in ["12yo", "8y", "17yrs", "3y/o", "9mo", "30mos", "20m/o"] {
            assert!(ages.is_child_age(child), "{child}");
        }
        for other in ["18yo", "45yr", "yo", "12", "12kg", "99999999999yo"] {
            assert!(!ages.is_child_age(other), "{other}");
        }
    }

    #[test]
    fn a_patients_age_is_read_as_clinicians_write_it() {
        let ages = &vocabulary().ages;
        assert_eq!(ages.of_patient("levo start dose 78 yo"), Some((78.0, 78.0)));
        assert_eq!(
            ages.of_patient("synthroid dose healthy 45F"),
            Some((45.0, 45.0))
        );
        assert_eq!(
            ages.of_patient("amox dose for 6yo w lyme rash"),
            Some((6.0, 6.0))
        );
        assert_eq!(ages.of_patient("9 month old dose?"), Some((0.75, 0.75)));
        assert_eq!(ages.of_patient("peds dose?"), None);
        assert_eq!(ages.of_patient("starting dose?"), None);
    }

    #[test]
    fn a_sentence_states_its_bounds_or_else_its_population() {
        let ages = &vocabulary().ages;
        assert_eq!(
            ages.stated("For most adults under 70 years without cardiac disease"),
            vec![(0.0, 70.0)]
        );
        assert_eq!(
            ages.stated("For patients over 70 years, start lower"),
            vec![(70.0, OLDEST)]
        );
        assert_eq!(
            ages.stated("For children ≥8 years old, 4 mg/kg/day"),
            vec![(8.0, OLDEST)]
        );
        assert_eq!(ages.stated("For children: amoxicillin"), vec![(0.0, 18.0)]);
        assert!(ages.stated("Doxycycline 100 mg twice daily").is_empty());
    }

    #[test]
    fn ages_meet_the_ranges_that_hold_them() {
        assert!(meets((78.0, 78.0), (70.0, OLDEST)));
        assert!(!meets((78.0, 78.0), (0.0, 70.0)));
        assert!(!meets((6.0, 6.0), (8.0, OLDEST)));
    }
}

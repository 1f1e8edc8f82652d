//! The ages of a question's patient and of the population a sentence is for, so that an answer
//! for a 78-year-old opens with what the article says for patients over 70, and one for a
//! 6-year-old not with a dose for children 8 and older. Words are data (`[ages]` of the
//! vocabulary file).

use super::alternatives;
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

/// An age range in years, `[from, to)`.
pub type Range = (f64, f64);

/// Oldest age a range reaches when a sentence names no upper bound.
const OLDEST: f64 = 150.0;
/// What makes an inclusive bound include its own value.
const EPSILON: f64 = 1e-9;

/// A number as written: "6", "6.8", "118".
static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d+(?:\.\d+)?").expect("the number pattern is valid"));

/// Two whole numbers of a measure written as a pair, as a blood pressure is ("190/125"); with
/// a unit after them other than mmHg it is a dose of two drugs ("97/103 mg").
static PAIR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{2,3}/\d{2,3}\b").expect("the pair pattern is valid"));

/// What follows a number that begins a range: a dash and the range's other number ("–5").
static RANGE_AFTER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*[-–]\s*\d").expect("range-after pattern"));

/// A range of two numbers: "8-14", "8–14".
static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\d.])(\d+(?:\.\d+)?)\s*[-–]\s*(\d+(?:\.\d+)?)")
        .expect("the range pattern is valid")
});

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
    adult_from: f64,
    max_unit_letters: usize,
    units: Vec<String>,
    group: Vec<GroupSpec>,
    states: Vec<Vec<String>>,
    bare_after: Vec<String>,
    bare_not_before: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupSpec {
    words: Vec<String>,
    from: f64,
    to: f64,
}

/// Reads ages and age bounds (see [`Ages::of_patient`] and [`Ages::stated`]), and a
/// measurement's value and the bounds a sentence is for (see [`Ages::value_of`] and
/// [`Ages::bounds`]).
#[derive(Debug)]
pub struct Ages {
    /// "under 70 years", "<8 years old": the bound in group 1.
    below: Regex,
    /// "over 70 years", "≥8 years old".
    above: Regex,
    /// "<8", "under 4000": a value's upper bound in group 1 ("≤" in the whole match makes it
    /// inclusive).
    value_below: Regex,
    /// ">180", "≥15", "over 65".
    value_above: Regex,
    /// Each population's words (one pattern) and ages.
    groups: Vec<(Regex, Range)>,
    /// Units of an age written in one word ("12yo", "9mo"), in years and in months.
    written_years: Vec<String>,
    /// Units that are everyday words too ("kg", "lb"): after a number, a unit all the same.
    units: Vec<String>,
    written_months: Vec<String>,
    /// The populations a child's age and an older adult's age are read as ("child", "elderly").
    pub child_reading: Vec<String>,
    pub older_reading: Vec<String>,
    /// The age from which a patient is an adult.
    adult_from: f64,
    /// Most letters of a unit written after a value ("mmol", "mmHg").
    max_unit_letters: usize,
    /// A patient's age written as a bare number after words that say it is one ("pt is 78",
    /// "aged 85"): the number in group 1.
    bare: Regex,
    /// Words after such a number that make it no age in years ("pt is 32 weeks").
    bare_not_before: Vec<String>,
    /// Each state a patient is in at any age ("pregnant", "breastfeeding"): one pattern of its
    /// words.
    states: Vec<Regex>,
    /// Each state's first word, as an answer names it ("pregnancy").
    state_names: Vec<String>,
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
        let value_bound = |words: &[String]| {
            Regex::new(&format!(
                r"(?i)(?:^|[^\w])(?:{})\s*(\d+(?:\.\d+)?)",
                alternatives(words)
            ))
            .map_err(|e| format!("ages: {e}"))
        };
        let states = (spec.states.iter())
            .map(|words| {
                Regex::new(&format!(r"(?i)\b(?:{})\b", alternatives(words)))
                    .map_err(|e| format!("ages.states: {e}"))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let bare = Regex::new(&format!(
            r"(?i)(?:^|[^\w])(?:{})\s+(\d{{1,3}})\b",
            alternatives(&spec.bare_after)
        ))
        .map_err(|e| format!("ages.bare_after: {e}"))?;
        Ok(Ages {
            bare,
            bare_not_before: spec.bare_not_before,
            below: bound(&spec.below)?,
            above: bound(&spec.above)?,
            value_below: value_bound(&spec.below)?,
            value_above: value_bound(&spec.above)?,
            groups,
            written_years: spec.written_years,
            written_months: spec.written_months,
            child_reading: spec.child_reading,
            older_reading: spec.older_reading,
            adult_from: spec.adult_from,
            max_unit_letters: spec.max_unit_letters,
            units: spec.units,
            states,
            state_names: (spec.states.iter())
                .map(|words| words.first().cloned().unwrap_or_default())
                .collect(),
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
        let Some(m) = PATIENT.captures(question) else {
            return self.bare_age(question).map(|age| (age, age));
        };
        let n: f64 = m.get(1)?.as_str().parse().ok()?;
        let age = if m.get(3).is_some() { n / 12.0 } else { n };
        Some((age, age))
    }

    /// An age written with no unit after words that say it is the patient's ("pt is 78",
    /// "aged 85, on warfarin"): the number must end its clause or be followed by an everyday
    /// word that is no unit, so that "pt is 78 kg", "pt is 32 weeks" or "pt is 70%" is no age.
    fn bare_age(&self, question: &str) -> Option<f64> {
        let m = self.bare.captures(question)?;
        let number = m.get(1)?;
        let rest = question[number.end()..].trim_start();
        let next: String = (rest.chars())
            .take_while(|c| c.is_alphabetic())
            .collect::<String>()
            .to_lowercase();
        let fits = match rest.chars().next() {
            None => true,
            Some(c) if c.is_alphabetic() => {
                !self.units.contains(&next)
                    && !self.bare_not_before.contains(&next)
                    && crate::text::is_common_word(&next)
            }
            Some('.') => !rest[1..].starts_with(|d: char| d.is_ascii_digit()),
            Some(c) => !matches!(c, '-' | '–' | '/' | '%' | ':'),
        };
        fits.then(|| number.as_str().parse().ok()).flatten()
    }

    /// The states of `ages.states` that `text` names ("pregnant pt": pregnancy's), as their
    /// places in that list: a quote naming the state a question names is for its patient.
    pub fn states_named(&self, text: &str) -> Vec<usize> {
        (self.states.iter().enumerate())
            .filter(|(_, pattern)| pattern.is_match(text))
            .map(|(n, _)| n)
            .collect()
    }

    /// The name of the state at `place` of [`Ages::states_named`] ("pregnancy").
    pub fn state_name(&self, place: usize) -> &str {
        self.state_names.get(place).map_or("", String::as_str)
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

    /// The one measured value a question gives, written bare next to what it measures ("CIWA
    /// 6 - meds?", "K 6.8 w peaked Ts"): a number with no unit, percent, range or age after it,
    /// as the range of that value alone; or, after a comparison word, the bound it sets ("doxy
    /// under 8?": below 8). None when it gives none, or several.
    pub fn value_of(&self, question: &str) -> Option<Range> {
        self.value_at(question).map(|(value, _)| value)
    }

    /// Whether the value [`Ages::value_at`] found at `at` is the first of a pair, as a blood
    /// pressure is written ("190/125"): a bound of its first number alone does not rule a quote
    /// out (the second may be the one that meets it).
    pub fn is_pair_at(&self, question: &str, at: usize) -> bool {
        question.get(at..).is_some_and(|rest| PAIR.is_match(rest))
    }

    /// [`Ages::value_of`] with the byte offset in `question` where the value's number starts,
    /// so that a caller can read what it measures from the words before it ("K" in "if K is
    /// 5.3").
    pub fn value_at(&self, question: &str) -> Option<(Range, usize)> {
        let mut values = NUMBER.find_iter(question).filter_map(|m| {
            let before = question[..m.start()].chars().next_back();
            // A pressure written as a pair ("BP 190/125") is read by its first number, and what
            // follows the pair is what may be its unit.
            let pair = PAIR
                .find(&question[m.start()..])
                .map(|p| m.start() + p.end());
            let end = pair.unwrap_or(m.end());
            let after = question[end..].trim_start().chars().next();
            let joined = |c: Option<char>| {
                c.is_some_and(|c| {
                    c.is_alphanumeric() || matches!(c, '-' | '–' | '/' | '%' | '.' | ':')
                })
            };
            // A word after it that is no everyday word is its unit ("mg", "kg", "yo"); "w" or
            // "with" is not.
            let next: String = question[end..]
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphabetic())
                .collect::<String>()
                .to_lowercase();
            // Question phrasing after it ("CIWA 5 meds?") is no unit either, but units are
            // question words too ("mg", "kg").
            let unit = after.is_some_and(char::is_alphabetic)
                && (self.units.contains(&next)
                    || (2..=self.max_unit_letters).contains(&next.chars().count())
                        && !crate::text::is_common_word(&next)
                        && !(next.chars().count() > 3
                            && super::vocabulary().is_question_word(&next, &next)));
            // Nor a dose or a duration ("10 mg", "6 hours"), as the vocabulary's aspects read them.
            let measured_in = |aspect: &str| {
                super::vocabulary().aspect(aspect).is_some_and(|a| {
                    a.stated_at(&question[m.start()..])
                        .iter()
                        .any(|&at| at < m.len())
                })
            };
            let bare = !joined(before)
                && !joined(question[end..].chars().next())
                && !(unit && !(pair.is_some() && next.starts_with("mm")))
                && !measured_in("dose")
                && !measured_in("duration");
            let value: f64 = m.as_str().parse().ok().filter(|_| bare)?;
            // A comparison word right before it makes it a bound ("under 8", "≥15").
            let ends_at = |pattern: &Regex| {
                pattern
                    .captures_iter(question)
                    .any(|c| c.get(1).is_some_and(|g| g.start() == m.start()))
            };
            let before = question[..m.start()].trim_end();
            let range = if ends_at(&self.value_below) {
                let inclusive = before.ends_with(['≤', '=']);
                (
                    f64::NEG_INFINITY,
                    if inclusive { value + EPSILON } else { value },
                )
            } else if ends_at(&self.value_above) {
                let strict = before.ends_with('>');
                (if strict { value + EPSILON } else { value }, f64::INFINITY)
            } else {
                (value, value + EPSILON)
            };
            Some((range, m.start()))
        });
        let value = values.next()?;
        (values.next().is_none() && self.of_patient(question).is_none()).then_some(value)
    }

    /// The ranges of values a text says it is for: its bounds ("CIWA-Ar <8", "≥15", "under
    /// 4000") and its ranges with no unit after them ("CIWA-Ar 8-14").
    pub fn bounds(&self, text: &str) -> Vec<Range> {
        let mut out = Vec::new();
        let number = |m: Option<regex::Match>| m.and_then(|m| m.as_str().parse::<f64>().ok());
        // A bound word before a range is no bound: "over 2–5 minutes" says how long, not "≥2".
        let bound =
            |m: Option<regex::Match>| number(m.filter(|m| !RANGE_AFTER.is_match(&text[m.end()..])));
        for c in self.value_below.captures_iter(text) {
            if let Some(x) = bound(c.get(1)) {
                let inclusive = c[0].contains('≤') || c[0].contains("<=");
                out.push((f64::NEG_INFINITY, if inclusive { x + EPSILON } else { x }));
            }
        }
        for c in self.value_above.captures_iter(text) {
            if let Some(x) = bound(c.get(1)) {
                let strict = c[0].contains('>') && !c[0].contains(">=");
                out.push((if strict { x + EPSILON } else { x }, f64::INFINITY));
            }
        }
        for c in RANGE.captures_iter(text) {
            let after = text[c.get(0).map_or(0, |m| m.end())..].trim_start();
            // A range with a unit is a measurement's ("6.0–6.4 mEq/L"), not a dose's or a
            // time's ("15–30 mL", "in 5–10 minutes", "5 mg/kg", as the vocabulary's aspects
            // read them from the word before the range).
            let start = c.get(1).map_or(0, |m| m.start());
            let to = c.get(0).map_or(0, |m| m.end());
            let from = text[..start]
                .trim_end()
                .rfind(char::is_whitespace)
                .map_or(0, |i| i + 1);
            // Read only for a unit that may be a measurement's: the aspects' patterns run over
            // the rest of the text.
            let dose_or_time = || {
                ["dose", "duration"].iter().any(|aspect| {
                    super::vocabulary().aspect(aspect).is_some_and(|a| {
                        a.stated_at(&text[from..]).iter().any(|&at| from + at <= to)
                    })
                })
            };
            // A measurement's unit is a concentration or a rate ("mEq/L", "mg/dL").
            let unit: &str = after.split_whitespace().next().unwrap_or_default();
            let measured = unit.contains('/') && !dose_or_time();
            let unit_after =
                after.starts_with('%') || (after.starts_with(char::is_alphabetic) && !measured);
            if let (false, Some(a), Some(b)) = (unit_after, number(c.get(1)), number(c.get(2))) {
                out.push((a, b + EPSILON));
            }
        }
        out
    }

    /// The age ranges a text says it is for: its bounds ("under 70 years", "≥8 years"), within
    /// the populations it names ("children ≥8 years" is for ages 8 to 17), or, when it states
    /// no bound, those populations.
    pub fn stated(&self, text: &str) -> Vec<Range> {
        let bound = |pattern: &Regex| -> Vec<f64> {
            pattern
                .captures_iter(text)
                .filter_map(|m| m.get(1)?.as_str().parse().ok())
                .collect()
        };
        let (below, above) = (bound(&self.below), bound(&self.above));
        let bounds: Vec<Range> = below
            .into_iter()
            .map(|b| (0.0, b))
            .chain(above.into_iter().map(|a| (a, OLDEST)))
            .collect();
        let groups: Vec<Range> = self
            .groups
            .iter()
            .filter(|(pattern, _)| pattern.is_match(text))
            .map(|(_, range)| *range)
            .collect();
        if bounds.is_empty() || groups.is_empty() {
            return if bounds.is_empty() { groups } else { bounds };
        }
        let within: Vec<Range> = bounds
            .iter()
            .flat_map(|b| groups.iter().map(|g| (b.0.max(g.0), b.1.min(g.1))))
            .filter(|r| r.0 < r.1)
            .collect();
        if within.is_empty() { bounds } else { within }
    }
}

impl Ages {
    /// Whether the ranges a text says it is for (see [`Ages::stated`]) are children's only:
    /// some, and none reaching an adult's age.
    pub fn children_only(&self, stated: &[Range]) -> bool {
        !stated.is_empty() && stated.iter().all(|r| r.1 <= self.adult_from)
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
    fn a_measured_value_and_the_bounds_a_sentence_is_for() {
        let ages = &vocabulary().ages;
        let point = |v: f64| Some((v, v + EPSILON));
        assert_eq!(ages.value_of("CIWA 6 - meds?"), point(6.0));
        assert_eq!(ages.value_of("ciwa 5 meds?"), point(5.0));
        assert_eq!(ages.value_of("K 6.2 severity"), point(6.2));
        assert_eq!(ages.value_of("K 6.8 w peaked Ts - first drug?"), point(6.8));
        // After a comparison word, the bound it sets.
        assert_eq!(
            ages.value_of("doxy under 8?"),
            Some((f64::NEG_INFINITY, 8.0))
        );
        assert_eq!(
            ages.value_of("K >6.5 - calcium?"),
            Some((6.5 + EPSILON, f64::INFINITY))
        );
        // A dose, a percent, a range, an age or two values are no measured value.
        assert_eq!(ages.value_of("is 10 mg enough?"), None);
        assert_eq!(ages.value_of("insulin 10 units ok?"), None);
        assert_eq!(ages.value_of("how low in first 24-48h?"), None);
        assert_eq!(ages.value_of("dose for a 78 yo?"), None);
        // Nor a body weight, though "kg" is an everyday word: "80 kg" is not the 80 of "over 80".
        assert_eq!(ages.value_of("dose for 80 kg young"), None);
        assert_eq!(ages.value_of("pt is 180 lbs, dose?"), None);
        assert_eq!(ages.value_of("CIWA 6 or 9?"), None);
        // A pressure written as a pair is read by its first number; a dose of two drugs is no
        // pressure.
        let question = "BP 190/125 no symptoms - admit?";
        assert_eq!(ages.value_of(question), point(190.0));
        assert!(ages.is_pair_at(question, question.find("190").unwrap()));
        assert_eq!(ages.value_of("BP 190/125 mmHg ok?"), point(190.0));
        assert_eq!(ages.value_of("entresto 97/103 mg ok?"), None);
        assert_eq!(ages.value_of("entresto 24/26mg?"), None);
        assert!(!ages.is_pair_at("K 6.8", 2));
        let within = |text: &str, v: f64| ages.bounds(text).iter().any(|&(a, b)| a <= v && v < b);
        assert!(within("Mild Withdrawal (CIWA-Ar <8):", 6.0));
        // A measurement's range with its unit; a dose's or a time's is none.
        assert!(within(
            "moderate (6.0–6.4 mEq/L), or severe (≥6.5 mEq/L)",
            6.2
        ));
        assert!(!within("calcium gluconate 10% (15–30 mL)", 20.0));
        assert!(!within("repeat in 5–10 minutes", 7.0));
        // A bound word before a range says how long, and sets no bound.
        assert!(!within("use calcium chloride 10% IV over 2–5 minutes", 5.5));
        assert!(within("give it if K is over 5", 5.5));
        assert!(!within("Severe Withdrawal (CIWA-Ar ≥15):", 6.0));
        assert!(within("Severe Withdrawal (CIWA-Ar ≥15):", 15.0));
        assert!(within("Moderate Withdrawal (CIWA-Ar 8-14):", 14.0));
        assert!(!within("Moderate Withdrawal (CIWA-Ar 8-14):", 6.0));
        assert!(
            ages.bounds("Diazepam: 5-10 mg PO every 6-8 hours")
                .is_empty()
        );
    }

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
        // A bare number after words saying it is the patient's age, ending its clause or
        // followed by an everyday word; not a weight, a time or a share.
        for (text, age) in [
            ("pt is 78", 78.0),
            ("patient is 80, on lasix", 80.0),
            ("pt aged 81 with CKD", 81.0),
            ("pt is 7.", 7.0),
        ] {
            assert_eq!(ages.of_patient(text), Some((age, age)), "{text}");
        }
        for text in [
            "pt is 78 kg",
            "pt is 32 weeks",
            "pt is 70%",
            "pt is 3-4 days post-op",
        ] {
            assert_eq!(ages.of_patient(text), None, "{text}");
        }
        assert_eq!(ages.of_patient("starting dose?"), None);
    }

    #[test]
    fn a_sentence_states_its_bounds_within_its_population_or_else_its_population() {
        let ages = &vocabulary().ages;
        assert_eq!(
            ages.stated("For most adults under 70 years without cardiac disease"),
            vec![(18.0, 70.0)]
        );
        assert_eq!(
            ages.stated("For patients over 70 years, start lower"),
            vec![(70.0, OLDEST)]
        );
        assert_eq!(
            ages.stated("For children ≥8 years old, 4 mg/kg/day"),
            vec![(8.0, 18.0)]
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

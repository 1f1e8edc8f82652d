//! The English words the dosing check reads (`words.toml`, beside this file): how units, bases,
//! bounds, routes and units of time are written, and what ends a sentence or makes an amount a
//! concentration, a strength, a step, a total or a start, and the words of the amount, sequence,
//! duration and schedule grammar ("per", "between", "then", "for", "x", "apart", "divided"). Word
//! lists only, parsed once; it knows no drug or dose and imports nothing from its siblings.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

use serde::Deserialize;

/// The dosing check's word lists, each lower case (see `words.toml` for what each is for).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Words {
    /// Words after which a full stop does not end a sentence.
    pub abbreviations: HashSet<String>,
    /// "per" after an amount's unit ("mg/day", "mg per dose").
    pub per: HashSet<String>,
    /// What follows "/" or "per" in a concentration or a rate ("mg/dL", "mg/h").
    pub concentration_denominators: HashSet<String>,
    /// What follows "/" or "per" and keeps an amount a dose ("mg/dose").
    pub dose_denominator: HashSet<String>,
    /// Between a unit and a unit of time in an infusion rate ("2 mg/min", "5 mg a minute").
    pub rate_per: HashSet<String>,
    /// What joins the two ends of a range ("1-2 mg", "1 mg to 2 mg").
    pub range_to: HashSet<String>,
    /// The "or" of a range ("1 or 2 mg"), and the words of a range written with "between"
    /// ("between 10 and 20 mg").
    pub range_or: HashSet<String>,
    pub between: HashSet<String>,
    pub between_and: HashSet<String>,
    /// Words between an amount and the drug named right after it ("20 mg of prednisone").
    pub of_drug: HashSet<String>,
    /// Word beginnings that, glued by a hyphen after a drug's name, keep it a mention
    /// ("prednisone-equivalent").
    pub hyphen_equivalent: HashSet<String>,
    /// Words after an amount that make it a strength ("2.5 mg tablets").
    pub strength: HashSet<String>,
    /// Words for a tablet after a count ("one tablet").
    pub tablet: HashSet<String>,
    /// The word after an amount that opens a bound written after it ("20 mg or more").
    pub bound_or: HashSet<String>,
    /// After "or" behind an amount: a lower bound ("or more") or an upper bound ("or less").
    pub or_more: HashSet<String>,
    pub or_less: HashSet<String>,
    /// The word before an amount that makes it a step ("reduce by 10 mg").
    pub step_by: HashSet<String>,
    /// Words before "of" and an amount that make it a step ("increments of 5 mg").
    pub steps: HashSet<String>,
    /// Between a step word and the amount ("increments of 5 mg").
    pub step_of: HashSet<String>,
    /// Words up to three before an amount that make it a cumulative total, not a dose ("a
    /// cumulative dose of 200 mg").
    pub cumulative: HashSet<String>,
    /// Words that make an amount a cumulative total ("10 mg total").
    pub total: HashSet<String>,
    /// Words before an amount on its line that make it a starting dose.
    pub start: HashSet<String>,
    /// Words before "then" that make it a time reference ("since then").
    pub not_a_step: HashSet<String>,
    /// The words that start a later part of a statement ("then", "followed by", "thereafter").
    pub then: HashSet<String>,
    pub followed: HashSet<String>,
    pub followed_by: HashSet<String>,
    pub thereafter: HashSet<String>,
    /// What the words of a part ended by "thereafter" start after (", and every 6 months
    /// thereafter").
    pub thereafter_join: HashSet<String>,
    /// Joining words a later part's own words do not start with ("then, 40 mg daily").
    pub part_joins: HashSet<String>,
    /// Words that open a duration ("for 5 days", "x 5 days").
    pub duration_lead: HashSet<String>,
    /// "a total of", "another period of" between a duration's opening word and its length.
    pub duration_article: HashSet<String>,
    pub duration_noun: HashSet<String>,
    pub duration_of: HashSet<String>,
    /// Words between a duration's length and its unit ("3 consecutive days").
    pub duration_adjectives: HashSet<String>,
    /// The times sign before a number of doses ("x2").
    pub times: HashSet<String>,
    /// Units of time after "x" and a count that make it a duration ("x 5 days").
    pub times_duration_units: HashSet<String>,
    /// What may follow "x" and a count in a number of doses ("x 2 doses").
    pub times_doses: HashSet<String>,
    /// Words before a number of doses ("for 4 doses").
    pub count_lead: HashSet<String>,
    /// What is counted in a number of doses ("two doses", "on two occasions").
    pub counted_doses: HashSet<String>,
    /// The word for one that makes a number of doses ("one dose", not "a dose").
    pub count_one: HashSet<String>,
    /// Before the days or occasions a dose is given on ("on days 1 and 15").
    pub given_on: HashSet<String>,
    /// The word before a schedule's day numbers, and what joins them ("days 1 and 15").
    pub days: HashSet<String>,
    pub days_and: HashSet<String>,
    /// After an interval: the time between two doses ("two weeks apart") or before the next
    /// ("2 weeks later").
    pub apart: HashSet<String>,
    pub later: HashSet<String>,
    /// Words that open a time phrase that is neither a frequency nor a duration ("within").
    pub time_lead: HashSet<String>,
    /// A numbered day, week or month of a course and the words before it ("on day 1").
    pub numbered_time_lead: HashSet<String>,
    pub numbered_time: HashSet<String>,
    /// What a time phrase passes over after "x" and a count, and after a count ("x 2 infusions",
    /// "on two occasions").
    pub skipped_times_doses: HashSet<String>,
    pub skipped_counted_doses: HashSet<String>,
    /// Words before an interval that make it a frequency ("every 4 weeks", "q 2 weeks").
    pub every: HashSet<String>,
    /// Words before a divided dose's count, and between the count and "divided" ("in two
    /// equally divided doses").
    pub divided_lead: HashSet<String>,
    pub equally: HashSet<String>,
    /// Words that split a day's amount into doses ("in divided doses").
    pub divided: HashSet<String>,
    /// The doses after a count ("in two divided doses"), after "divided" alone ("in divided
    /// doses") and after "divided into" and a count ("divided into 2 doses").
    pub divided_doses: HashSet<String>,
    pub divided_doses_uncounted: HashSet<String>,
    pub divided_into_doses: HashSet<String>,
    /// Between "divided" and the count ("divided into 2 doses").
    pub divided_into: HashSet<String>,
    /// Small counts written as words ("two doses", "a single dose") and their numbers.
    pub counts: HashMap<String, u32>,
    /// The phrases of each dose unit, basis, comparator and route, by its name in `rules.toml`
    /// ("mg", "kg", ">=", "oral"), and of each unit of time, by its name ("weeks").
    pub units: BTreeMap<String, Vec<String>>,
    pub bases: BTreeMap<String, Vec<String>>,
    pub comparators: BTreeMap<String, Vec<String>>,
    pub routes: BTreeMap<String, Vec<String>>,
    pub time_units: BTreeMap<String, Vec<String>>,
    /// The phrases of each frequency, by its name ("twice daily").
    pub frequencies: BTreeMap<String, Vec<String>>,
}

static WORDS: LazyLock<Words> = LazyLock::new(|| {
    toml::from_str(include_str!("words.toml"))
        .unwrap_or_else(|e| panic!("src/dosing/words.toml is invalid: {e}"))
});

/// The compiled-in dosing words.
pub(crate) fn words() -> &'static Words {
    &WORDS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_dosing_words_parse() {
        let w = words();
        for list in [
            &w.abbreviations,
            &w.per,
            &w.concentration_denominators,
            &w.dose_denominator,
            &w.rate_per,
            &w.range_to,
            &w.range_or,
            &w.between,
            &w.between_and,
            &w.of_drug,
            &w.hyphen_equivalent,
            &w.strength,
            &w.tablet,
            &w.bound_or,
            &w.or_more,
            &w.or_less,
            &w.step_by,
            &w.steps,
            &w.step_of,
            &w.cumulative,
            &w.total,
            &w.start,
            &w.not_a_step,
            &w.then,
            &w.followed,
            &w.followed_by,
            &w.thereafter,
            &w.thereafter_join,
            &w.part_joins,
            &w.duration_lead,
            &w.duration_article,
            &w.duration_noun,
            &w.duration_of,
            &w.duration_adjectives,
            &w.times,
            &w.times_duration_units,
            &w.times_doses,
            &w.count_lead,
            &w.counted_doses,
            &w.count_one,
            &w.given_on,
            &w.days,
            &w.days_and,
            &w.apart,
            &w.later,
            &w.time_lead,
            &w.numbered_time_lead,
            &w.numbered_time,
            &w.skipped_times_doses,
            &w.skipped_counted_doses,
            &w.every,
            &w.divided_lead,
            &w.equally,
            &w.divided,
            &w.divided_doses,
            &w.divided_doses_uncounted,
            &w.divided_into_doses,
            &w.divided_into,
        ] {
            assert!(!list.is_empty());
            assert!(list.iter().all(|word| *word == word.to_lowercase()));
        }
        assert_eq!(w.counts.get("twelve"), Some(&12));
    }
}

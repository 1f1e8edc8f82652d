//! The English words the dosing check reads (`words.toml`, beside this file): how units, bases,
//! bounds, routes and units of time are written, and what ends a sentence or makes an amount a
//! concentration, a strength, a step, a total or a start. Word lists only, parsed once; it knows
//! no drug or dose and imports nothing from its siblings.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

use serde::Deserialize;

/// The dosing check's word lists, each lower case (see `words.toml` for what each is for).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Words {
    /// Words after which a full stop does not end a sentence.
    pub abbreviations: HashSet<String>,
    /// What follows "/" or "per" in a concentration or a rate ("mg/dL", "mg/h").
    pub concentration_denominators: HashSet<String>,
    /// Words after an amount that make it a strength ("2.5 mg tablets").
    pub strength: HashSet<String>,
    /// Words for a tablet after a count ("one tablet").
    pub tablet: HashSet<String>,
    /// After "or" behind an amount: a lower bound ("or more") or an upper bound ("or less").
    pub or_more: HashSet<String>,
    pub or_less: HashSet<String>,
    /// Words before "of" and an amount that make it a step ("increments of 5 mg").
    pub steps: HashSet<String>,
    /// Words that make an amount a cumulative total ("10 mg total").
    pub total: HashSet<String>,
    /// Words before an amount on its line that make it a starting dose.
    pub start: HashSet<String>,
    /// Words before "then" that make it a time reference ("since then").
    pub not_a_step: HashSet<String>,
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
            &w.concentration_denominators,
            &w.strength,
            &w.tablet,
            &w.or_more,
            &w.or_less,
            &w.steps,
            &w.total,
            &w.start,
            &w.not_a_step,
        ] {
            assert!(!list.is_empty());
            assert!(list.iter().all(|word| *word == word.to_lowercase()));
        }
        assert_eq!(w.counts.get("twelve"), Some(&12));
    }
}

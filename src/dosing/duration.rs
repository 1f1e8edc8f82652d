//! How long and how many: durations ("for 3-5 days", "for ≥4 weeks", "x 5 days"), dose counts
//! ("x2", "two doses", "on days 1 and 15", "two weeks apart") and time phrases that are neither
//! ("within 3 months", "on day 1"). Knows no drug or dose range. Imports `words`, `tokens` and
//! `units`.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use super::tokens::{
    TokKind, Token, is_range_dash, number_or_word, small_count, tokenize, word_is,
};
use super::units::{Comparator, fmt_number, parse_comparator};
use super::words::words;

/// Weeks in an average month (365.25 / 12 / 7).
pub(crate) const WEEKS_PER_MONTH: f64 = 4.348_214;

/// Unit of a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Minutes,
    Hours,
    Days,
    Weeks,
    Months,
    Years,
}

impl TimeUnit {
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Minutes => 1.0 / (24.0 * 60.0),
            TimeUnit::Hours => 1.0 / 24.0,
            TimeUnit::Days => 1.0,
            TimeUnit::Weeks => 7.0,
            TimeUnit::Months => 7.0 * WEEKS_PER_MONTH,
            TimeUnit::Years => 365.25,
        }
    }

    pub(crate) fn word(self, plural: bool) -> &'static str {
        match (self, plural) {
            (TimeUnit::Minutes, false) => "minute",
            (TimeUnit::Minutes, true) => "minutes",
            (TimeUnit::Hours, false) => "hour",
            (TimeUnit::Hours, true) => "hours",
            (TimeUnit::Days, false) => "day",
            (TimeUnit::Days, true) => "days",
            (TimeUnit::Weeks, false) => "week",
            (TimeUnit::Weeks, true) => "weeks",
            (TimeUnit::Months, false) => "month",
            (TimeUnit::Months, true) => "months",
            (TimeUnit::Years, false) => "year",
            (TimeUnit::Years, true) => "years",
        }
    }
}

/// How long a dose is given: "for 3 days", "for 3–5 days", "for ≥4 weeks".
#[derive(Debug, Clone, PartialEq)]
pub struct Duration {
    pub comparator: Option<Comparator>,
    pub low: f64,
    pub high: f64,
    pub unit: TimeUnit,
}

impl Duration {
    pub fn low_days(&self) -> f64 {
        self.low * self.unit.days()
    }

    pub fn high_days(&self) -> f64 {
        self.high * self.unit.days()
    }

    /// Parses a duration as `rules.toml` writes it (">= 4 weeks", "3-5 days").
    pub fn from_rule_name(name: &str) -> Option<Duration> {
        let toks = tokenize(name);
        match parse_duration_body(&toks, 0) {
            Some((d, end)) if end == toks.len() => Some(d),
            _ => None,
        }
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(c) = self.comparator {
            f.write_str(c.symbol())?;
        }
        if self.low == self.high {
            write!(
                f,
                "{} {}",
                fmt_number(self.low),
                self.unit.word(self.low != 1.0)
            )
        } else {
            write!(
                f,
                "{}–{} {}",
                fmt_number(self.low),
                fmt_number(self.high),
                self.unit.word(true)
            )
        }
    }
}

/// Each word for a unit of time (`[time_units]` of `words.toml`) and its unit.
static TIME_UNITS: LazyLock<HashMap<String, TimeUnit>> = LazyLock::new(|| {
    use TimeUnit::*;
    let mut by_word = HashMap::new();
    for (name, spellings) in &words().time_units {
        let unit = [Minutes, Hours, Days, Weeks, Months, Years]
            .into_iter()
            .find(|u| u.word(true) == name)
            .unwrap_or_else(|| {
                panic!("src/dosing/words.toml: [time_units] names {name:?}, which is none")
            });
        by_word.extend(spellings.iter().map(|s| (s.clone(), unit)));
    }
    by_word
});

/// A unit of time written in one word at token `i` ("wks", "mo").
pub(crate) fn time_unit(toks: &[Token], i: usize, limit: usize) -> Option<(TimeUnit, usize)> {
    let t = toks.get(i).filter(|_| i < limit.min(toks.len()))?;
    let unit = *TIME_UNITS.get(&t.lower)?;
    Some((unit, i + 1))
}

/// A number of doses written at token `i`: "x2", "× 2", "x 2 doses", "two doses", "for 4
/// doses", "on two occasions", "2 infusions", "on days 1 and 15" (2), "two weeks apart" (2),
/// "2 weeks later" (1: one dose, given that long after the one before).
pub(crate) fn parse_dose_count(toks: &[Token], i: usize, limit: usize) -> Option<(u32, usize)> {
    let limit = limit.min(toks.len());
    let w = words();
    // "x2", "× 2", "x 2 doses"
    if word_is(toks, i, limit, &w.times)
        && let Some(n) = small_count(toks, i + 1, limit)
        && !word_is(toks, i + 2, limit, &w.times_duration_units)
    {
        let mut k = i + 2;
        if word_is(toks, k, limit, &w.times_doses) {
            k += 1;
        }
        return Some((n, k));
    }
    // "[for|on] two doses", "on two occasions", "2 infusions"
    let mut j = i;
    if word_is(toks, j, limit, &w.count_lead) {
        j += 1;
    }
    if let Some(n) = small_count(toks, j, limit)
        && word_is(toks, j + 1, limit, &w.counted_doses)
        && !(n == 1 && toks[j].kind == TokKind::Word && !w.count_one.contains(&toks[j].lower))
    {
        return Some((n, j + 2));
    }
    // "[on] days 1 and 15"
    let mut j = i;
    if word_is(toks, j, limit, &w.given_on) {
        j += 1;
    }
    if word_is(toks, j, limit, &w.days)
        && number_or_word(toks, j + 1, limit).is_some()
        && word_is(toks, j + 2, limit, &w.days_and)
        && number_or_word(toks, j + 3, limit).is_some()
    {
        return Some((2, j + 4));
    }
    // "two weeks apart": a pair of doses
    if number_or_word(toks, i, limit).is_some()
        && time_unit(toks, i + 1, limit).is_some()
        && word_is(toks, i + 2, limit, &w.apart)
    {
        return Some((2, i + 3));
    }
    // "2 weeks later": one dose, that long after the one before
    if number_or_word(toks, i, limit).is_some()
        && time_unit(toks, i + 1, limit).is_some()
        && word_is(toks, i + 2, limit, &w.later)
    {
        return Some((1, i + 3));
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Durations and other time phrases

/// "for 3 days", "for ≥4 weeks", "for at least 4 weeks", "over 2–5 days", "x 5 days".
pub(crate) fn parse_duration(toks: &[Token], i: usize, limit: usize) -> Option<(Duration, usize)> {
    let limit = limit.min(toks.len());
    let w = words();
    if !word_is(toks, i, limit, &w.duration_lead) {
        return None;
    }
    let mut j = i + 1;
    // "for a total of 5 days", "for a further 2 weeks"
    if word_is(toks, j, limit, &w.duration_article)
        && word_is(toks, j + 1, limit, &w.duration_noun)
        && word_is(toks, j + 2, limit, &w.duration_of)
    {
        j += 3;
    }
    let (d, end) = parse_duration_body(&toks[..limit], j)?;
    Some((d, end))
}

/// The part of a duration after "for": "≥4 weeks", "3-5 days", "a week", "3 consecutive days".
pub(crate) fn parse_duration_body(toks: &[Token], i: usize) -> Option<(Duration, usize)> {
    let limit = toks.len();
    let w = words();
    let mut j = i;
    let mut comparator = None;
    if let Some((c, e)) = parse_comparator(toks, j) {
        comparator = Some(c);
        j = e;
    }
    let low = number_or_word(toks, j, limit)?;
    j += 1;
    let mut high = low;
    if j + 1 < limit
        && is_range_dash(&toks[j])
        && let Some(h) = number_or_word(toks, j + 1, limit)
    {
        high = h;
        j += 2;
    }
    if word_is(toks, j, limit, &w.duration_adjectives) {
        j += 1;
    }
    let (unit, end) = time_unit(toks, j, limit)?;
    if high < low {
        return None;
    }
    Some((
        Duration {
            comparator,
            low,
            high,
            unit,
        },
        end,
    ))
}

/// Time phrases that are neither a frequency nor a duration of the dose ("within 3 months",
/// "after 2 weeks", "on day 1"), and dose counts ("x2", "two doses", "on two occasions"):
/// consumed so that "a week" in "within a week" is not read as "weekly".
pub(crate) fn parse_other_time_phrase(toks: &[Token], i: usize, limit: usize) -> Option<usize> {
    let limit = limit.min(toks.len());
    let w = words();
    if word_is(toks, i, limit, &w.time_lead) {
        let mut j = i + 1;
        if parse_comparator(toks, j).is_some_and(|(_, e)| e <= limit) {
            j = parse_comparator(toks, j).map_or(j, |(_, e)| e);
        }
        if number_or_word(toks, j, limit).is_some() {
            let mut k = j + 1;
            if k + 1 < limit
                && is_range_dash(&toks[k])
                && number_or_word(toks, k + 1, limit).is_some()
            {
                k += 2;
            }
            if let Some((_, end)) = time_unit(toks, k, limit) {
                return Some(end);
            }
        }
    }
    // "on day 1", "day 15"
    let mut j = i;
    if word_is(toks, j, limit, &w.numbered_time_lead) {
        j += 1;
    }
    if word_is(toks, j, limit, &w.numbered_time) && number_or_word(toks, j + 1, limit).is_some() {
        return Some(j + 2);
    }
    // "x2", "× 2", "x 2 doses"
    if word_is(toks, i, limit, &w.times) && small_count(toks, i + 1, limit).is_some() {
        let mut k = i + 2;
        if word_is(toks, k, limit, &w.skipped_times_doses) {
            k += 1;
        }
        return Some(k);
    }
    // "two doses", "on two occasions"
    let mut j = i;
    if word_is(toks, j, limit, &w.given_on) {
        j += 1;
    }
    if small_count(toks, j, limit).is_some()
        && word_is(toks, j + 1, limit, &w.skipped_counted_doses)
    {
        return Some(j + 2);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_of_time_is_read_in_any_of_its_spellings() {
        let toks = tokenize("for 2 wks, then 3 mo or 1 yr");
        let unit = |i: usize| time_unit(&toks, i, toks.len()).map(|(u, _)| u);
        assert_eq!(unit(2), Some(TimeUnit::Weeks));
        assert_eq!(unit(6), Some(TimeUnit::Months));
        assert_eq!(unit(9), Some(TimeUnit::Years));
        assert_eq!(unit(0), None);
        assert!(LazyLock::force(&TIME_UNITS).len() >= 6);
    }

    #[test]
    fn durations_keep_their_threshold() {
        let d = Duration::from_rule_name(">= 4 weeks").expect("parses");
        assert_eq!(d.comparator, Some(Comparator::AtLeast));
        assert_eq!(d.low_days(), 28.0);
        assert_eq!(d.to_string(), "≥4 weeks");
        let toks = tokenize("for 3-5 days");
        let (d, _) = parse_duration(&toks, 0, toks.len()).expect("parses");
        assert_eq!(d.to_string(), "3–5 days");
    }

    #[test]
    fn dose_counts_are_read_in_their_written_forms() {
        for (text, n) in [
            ("x2", 2),
            ("× 2 doses", 2),
            ("two doses", 2),
            ("for 4 doses", 4),
            ("on two occasions", 2),
            ("on days 1 and 15", 2),
            ("two weeks apart", 2),
            ("2 weeks later", 1),
        ] {
            let toks = tokenize(text);
            assert_eq!(
                parse_dose_count(&toks, 0, toks.len()),
                Some((n, toks.len())),
                "{text}"
            );
        }
        // "x 5 days" is a duration, not five doses.
        let toks = tokenize("x 5 days");
        assert_eq!(parse_dose_count(&toks, 0, toks.len()), None);
    }
}

//! How often: frequencies ("BID", "q4w", "every other day", "monthly", "two weeks apart") as
//! rates in doses per week, and divided-dose phrases. Knows no drug or dose range. Imports
//! `words`, `tokens`, `units` and `duration`.

use std::sync::LazyLock;

use super::duration::{TimeUnit, WEEKS_PER_MONTH, time_unit};
use super::tokens::{Token, Vocab, is_range_dash, number_or_word, small_count, tokenize, word_is};
use super::units::fmt_number;
use super::words::words;

/// Relative slack when comparing frequencies ("monthly" is every 4 weeks; "every 6 months" is
/// every 24–26 weeks).
const RATE_TOLERANCE: f64 = 0.1;

/// How often a dose is given, as a rate in doses per week (a range for "every 4–6 weeks").
#[derive(Debug, Clone, PartialEq)]
pub struct Frequency {
    /// As reports show it: "daily", "twice daily", "weekly", "every 4–6 weeks".
    pub label: String,
    pub per_week_low: f64,
    pub per_week_high: f64,
    /// Doses in a day, for daily and more frequent schedules (and "in N divided doses").
    pub doses_per_day: Option<u32>,
    /// The amount stated is the total for a day ("mg/day", "daily", "in two divided doses"),
    /// not the amount of each dose.
    pub amount_per_day: bool,
    /// The text says the day's amount is taken at once ("once daily", "qd", "at bedtime"), so
    /// it is not a total that a twice-daily drug could split.
    pub once: bool,
}

impl Frequency {
    fn rate(label: &str, per_week: f64) -> Frequency {
        Frequency {
            label: label.to_string(),
            per_week_low: per_week,
            per_week_high: per_week,
            doses_per_day: None,
            amount_per_day: false,
            once: false,
        }
    }

    /// Once a day; the amount is the day's total.
    pub fn daily() -> Frequency {
        Frequency {
            label: "daily".into(),
            per_week_low: 7.0,
            per_week_high: 7.0,
            doses_per_day: Some(1),
            amount_per_day: true,
            once: false,
        }
    }

    /// Once a day, said as one dose ("once daily", "qd").
    pub fn once_daily() -> Frequency {
        Frequency {
            once: true,
            ..Frequency::daily()
        }
    }

    /// `k` doses a day, the amount being each dose.
    pub fn times_daily(k: u32) -> Frequency {
        let label = match k {
            1 => return Frequency::daily(),
            2 => "twice daily".to_string(),
            3 => "three times daily".to_string(),
            4 => "four times daily".to_string(),
            k => format!("{k} times daily"),
        };
        Frequency {
            label,
            per_week_low: 7.0 * f64::from(k),
            per_week_high: 7.0 * f64::from(k),
            doses_per_day: Some(k),
            amount_per_day: false,
            once: false,
        }
    }

    /// A daily total split into `k` doses ("60 mg/day in two divided doses"); `None` when the
    /// number of doses is not said.
    pub fn divided(k: Option<u32>) -> Frequency {
        match k {
            Some(1) => Frequency::daily(),
            Some(k) => Frequency {
                label: format!("daily in {k} divided doses"),
                per_week_low: 7.0 * f64::from(k),
                per_week_high: 7.0 * f64::from(k),
                doses_per_day: Some(k),
                amount_per_day: true,
                once: false,
            },
            None => Frequency {
                label: "daily in divided doses".into(),
                per_week_low: 14.0,
                per_week_high: 28.0,
                doses_per_day: None,
                amount_per_day: true,
                once: false,
            },
        }
    }

    /// True when this is plain "daily"/"per day" (one day's total, number of doses not said).
    pub fn is_plain_daily(&self) -> bool {
        self.amount_per_day && self.doses_per_day == Some(1)
    }

    /// True when this schedule falls inside `allowed` (with a little slack for months vs weeks).
    pub fn within(&self, allowed: &Frequency) -> bool {
        self.per_week_low >= allowed.per_week_low * (1.0 - RATE_TOLERANCE)
            && self.per_week_high <= allowed.per_week_high * (1.0 + RATE_TOLERANCE)
    }

    /// Parses a frequency as `rules.toml` writes it ("weekly", "twice daily", "every 4-6 weeks").
    pub fn from_rule_name(name: &str) -> Option<Frequency> {
        let toks = tokenize(name);
        match parse_frequency(&toks, 0, toks.len()) {
            Some((f, end)) if end == toks.len() => Some(f),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Frequencies

#[derive(Clone)]
enum F {
    Daily,
    OnceDaily,
    TimesDaily(u32),
    PerWeek(&'static str, f64),
}

static FREQUENCIES: LazyLock<Vocab<F>> =
    LazyLock::new(|| Vocab::from_table(&words().frequencies, "frequencies", F::named));

impl F {
    /// What a frequency named in `words.toml` means.
    fn named(name: &str) -> Option<F> {
        use F::*;
        Some(match name {
            "daily" => Daily,
            "once daily" => OnceDaily,
            "twice daily" => TimesDaily(2),
            "three times daily" => TimesDaily(3),
            "four times daily" => TimesDaily(4),
            "weekly" => PerWeek("weekly", 1.0),
            "twice weekly" => PerWeek("twice weekly", 2.0),
            "three times weekly" => PerWeek("three times weekly", 3.0),
            "every other day" => PerWeek("every other day", 3.5),
            "every 2 weeks" => PerWeek("every 2 weeks", 0.5),
            "monthly" => PerWeek("monthly", 1.0 / WEEKS_PER_MONTH),
            "yearly" => PerWeek("yearly", 7.0 / 365.25),
            _ => return None,
        })
    }
}

/// A frequency from an interval: every `low`–`high` `unit`s.
fn every(low: f64, high: f64, unit: TimeUnit) -> Option<Frequency> {
    if low <= 0.0 || high < low {
        return None;
    }
    let days_low = low * unit.days();
    let days_high = high * unit.days();
    if low == high {
        // Prefer the common names for the common intervals.
        let hours = days_low * 24.0;
        for (h, k) in [(24.0, 1u32), (12.0, 2), (8.0, 3), (6.0, 4)] {
            if (hours - h).abs() < 1e-9 {
                return Some(Frequency::times_daily(k));
            }
        }
        if (days_low - 7.0).abs() < 1e-9 {
            return Some(Frequency::rate("weekly", 1.0));
        }
    }
    // Whole weeks written in days ("days 1 and 15") read as weeks.
    if unit == TimeUnit::Days && low % 7.0 == 0.0 && high % 7.0 == 0.0 {
        return every(low / 7.0, high / 7.0, TimeUnit::Weeks);
    }
    let unit_word = unit.word(!(low == 1.0 && high == 1.0));
    let label = if low == high {
        format!("every {} {unit_word}", fmt_number(low))
    } else {
        format!("every {}–{} {unit_word}", fmt_number(low), fmt_number(high))
    };
    let doses_per_day = (days_low == days_high && days_low < 1.0)
        .then(|| 1.0 / days_low)
        .filter(|k| (k - k.round()).abs() < 1e-9)
        .map(|k| k.round() as u32);
    Some(Frequency {
        label,
        per_week_low: 7.0 / days_high,
        per_week_high: 7.0 / days_low,
        doses_per_day,
        amount_per_day: false,
        once: false,
    })
}

/// A frequency at token `i`, ending at or before `limit`.
pub(crate) fn parse_frequency(
    toks: &[Token],
    i: usize,
    limit: usize,
) -> Option<(Frequency, usize)> {
    let limit = limit.min(toks.len());
    if i >= limit {
        return None;
    }
    let generic = parse_generic_frequency(toks, i, limit);
    let listed = FREQUENCIES.longest(toks, i, limit).map(|(f, end)| {
        let freq = match f {
            F::Daily => Frequency::daily(),
            F::OnceDaily => Frequency::once_daily(),
            F::TimesDaily(k) => Frequency::times_daily(k),
            F::PerWeek(label, rate) => Frequency::rate(label, rate),
        };
        (freq, end)
    });
    match (listed, generic) {
        (Some(a), Some(b)) => Some(if b.1 > a.1 { b } else { a }),
        (a, b) => a.or(b),
    }
}

fn parse_generic_frequency(toks: &[Token], i: usize, limit: usize) -> Option<(Frequency, usize)> {
    let t = &toks[i];
    let w = words();
    // "every 4 weeks", "every 4-6 weeks", "every 4 to 6 weeks", "every two weeks"
    if w.every.contains(&t.lower) {
        let j = i + 1;
        let low = number_or_word(toks, j, limit)?;
        let mut k = j + 1;
        let mut high = low;
        if k + 1 < limit
            && is_range_dash(&toks[k])
            && let Some(h) = number_or_word(toks, k + 1, limit)
        {
            high = h;
            k += 2;
        }
        let (unit, end) = time_unit(toks, k, limit)?;
        return every(low, high, unit).map(|f| (f, end));
    }
    // "two weeks apart", "2 weeks apart"
    if let Some(n) = number_or_word(toks, i, limit)
        && let Some((unit, j)) = time_unit(toks, i + 1, limit)
        && (word_is(toks, j, limit, &w.apart) || word_is(toks, j, limit, &w.later))
    {
        return every(n, n, unit).map(|f| (f, j + 1));
    }
    // "on days 1 and 15", "days 1 and 15"
    let mut j = i;
    if w.given_on.contains(&t.lower) {
        j += 1;
    }
    if word_is(toks, j, limit, &w.days)
        && let Some(a) = number_or_word(toks, j + 1, limit)
        && word_is(toks, j + 2, limit, &w.days_and)
        && let Some(b) = number_or_word(toks, j + 3, limit)
        && b > a
    {
        return every(b - a, b - a, TimeUnit::Days).map(|f| (f, j + 4));
    }
    None
}

/// "in two divided doses", "divided into 2 doses", "in divided doses" (count not said → `None`).
pub(crate) fn parse_divided(
    toks: &[Token],
    i: usize,
    limit: usize,
) -> Option<(Option<u32>, usize)> {
    let limit = limit.min(toks.len());
    let w = words();
    let mut j = i;
    if word_is(toks, j, limit, &w.divided_lead) {
        j += 1;
    }
    // "[in] two [equally] divided doses" / "[in] 2 doses"
    if let Some(n) = small_count(toks, j, limit) {
        let mut k = j + 1;
        if word_is(toks, k, limit, &w.equally) {
            k += 1;
        }
        let divided = word_is(toks, k, limit, &w.divided);
        if divided {
            k += 1;
        }
        if word_is(toks, k, limit, &w.divided_doses) && (divided || j > i) && n >= 2 {
            return Some((Some(n), k + 1));
        }
    }
    // "[in] divided doses" / "divided into two doses" / "split into 2 doses"
    if word_is(toks, j, limit, &w.divided) {
        let mut k = j + 1;
        if word_is(toks, k, limit, &w.divided_doses_uncounted) {
            return Some((None, k + 1));
        }
        if word_is(toks, k, limit, &w.divided_into) {
            k += 1;
        }
        if let Some(n) = small_count(toks, k, limit)
            && word_is(toks, k + 1, limit, &w.divided_into_doses)
            && n >= 2
        {
            return Some((Some(n), k + 2));
        }
        // "divided twice daily": the amount is the day's total; the frequency follows.
        if parse_frequency(toks, k, limit).is_some() {
            return Some((None, k));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn freq(s: &str) -> Frequency {
        let toks = tokenize(s);
        let (f, end) = parse_frequency(&toks, 0, toks.len()).expect(s);
        assert_eq!(end, toks.len(), "whole of {s:?} is a frequency");
        f
    }

    #[test]
    fn frequency_forms_normalise_to_rates() {
        assert_eq!(freq("daily").per_week_low, 7.0);
        assert!(freq("/day").amount_per_day);
        assert_eq!(freq("BID").doses_per_day, Some(2));
        assert_eq!(freq("b.i.d.").doses_per_day, Some(2));
        assert_eq!(freq("q12h").doses_per_day, Some(2));
        assert_eq!(freq("every 12 hours").doses_per_day, Some(2));
        assert_eq!(freq("TID").doses_per_day, Some(3));
        assert_eq!(freq("q8h").doses_per_day, Some(3));
        assert_eq!(freq("QID").doses_per_day, Some(4));
        assert_eq!(freq("once weekly").per_week_low, 1.0);
        assert_eq!(freq("once-weekly").per_week_low, 1.0);
        assert_eq!(freq("three times weekly").per_week_low, 3.0);
        assert_eq!(freq("every 4 weeks").per_week_low, 0.25);
        assert_eq!(freq("every two weeks").per_week_low, 0.5);
        assert_eq!(freq("two weeks apart").per_week_low, 0.5);
        let monthly = freq("monthly");
        assert!(monthly.within(&freq("every 4 weeks")));
        let range = freq("every 4-6 weeks");
        assert!((range.per_week_low - 1.0 / 6.0).abs() < 1e-9);
        assert!(freq("every 6 weeks").within(&range));
        assert!(!freq("weekly").within(&range));
        assert!(freq("every 6 months").within(&freq("every 6-9 months")));
    }

    #[test]
    fn every_frequency_named_in_the_dosing_words_has_a_meaning() {
        // A name words.toml gives that `F::named` does not know panics here.
        LazyLock::force(&FREQUENCIES);
        assert_eq!(freq("b.i.d.").label, "twice daily");
        assert_eq!(freq("fortnightly").label, "every 2 weeks");
    }

    #[test]
    fn daily_is_not_weekly() {
        assert!(!Frequency::daily().within(&freq("weekly")));
        assert!(!freq("weekly").within(&Frequency::daily()));
    }

    #[test]
    fn divided_doses_give_the_count() {
        let toks = tokenize("in two divided doses");
        assert_eq!(parse_divided(&toks, 0, toks.len()), Some((Some(2), 4)));
        let toks = tokenize("in divided doses");
        assert_eq!(parse_divided(&toks, 0, toks.len()), Some((None, 3)));
        let toks = tokenize("divided into 3 doses");
        assert_eq!(parse_divided(&toks, 0, toks.len()), Some((Some(3), 4)));
    }
}

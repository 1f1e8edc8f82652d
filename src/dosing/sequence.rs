//! Dose sequences inside one sentence: a statement is split at "then", "followed by" and
//! "thereafter" into parts, each judged as a dose of its own ("60 mg daily for 4 weeks, then
//! 40 mg daily"), and a later part that leaves out the amount, unit or basis takes them from the
//! dose before it ("375 mg/m² weekly for 4 doses, then every 2 weeks"). It finds parts and says
//! what carries over; it judges nothing and knows no drug.

use crate::contracts::DoseBasis;

use super::schedule::Frequency;
use super::tokens::{Token, word_is};
use super::units::Unit;
use super::words::words;

/// One part of a sentence: `marker..start` holds its sequence words ("then", "followed by"; empty
/// for the first part), `start..end` its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Part {
    pub marker: usize,
    pub start: usize,
    pub end: usize,
}

/// The parts of the sentence `s..e`, in order; one part when it names no sequence.
pub(crate) fn parts(toks: &[Token], s: usize, e: usize) -> Vec<Part> {
    let w = words();
    let is = |k: usize, list| word_is(toks, k, e, list);
    let is_break = |k: usize| k >= e || matches!(toks[k].lower.as_str(), "," | "." | ";" | ")");
    // (marker, start) of each later part.
    let mut splits: Vec<(usize, usize)> = Vec::new();
    let floor = |splits: &[(usize, usize)]| splits.last().map_or(s, |&(_, st)| st);
    for i in s..e {
        if i < floor(&splits) {
            continue;
        }
        let split = if is(i, &w.then) {
            let time_word = i > s && w.not_a_step.contains(&toks[i - 1].lower);
            (!time_word).then_some((i, i + 1))
        } else if is(i, &w.followed) && is(i + 1, &w.followed_by) {
            Some((i, i + 2))
        } else if is(i, &w.thereafter) && !is_break(i + 1) {
            Some((i, i + 1))
        } else if is(i, &w.thereafter) {
            // "…, and every 6 months thereafter": the part starts after the last "," or "and".
            (floor(&splits)..i)
                .rev()
                .find(|&k| w.thereafter_join.contains(&toks[k].lower))
                .map(|k| (k, k + 1))
        } else {
            None
        };
        if let Some((marker, mut start)) = split {
            while start < e && w.part_joins.contains(&toks[start].lower) {
                start += 1;
            }
            if marker > floor(&splits) && start < e {
                splits.push((marker, start));
            }
        }
    }
    let mut out = Vec::with_capacity(splits.len() + 1);
    let (mut marker, mut start) = (s, s);
    for (m, st) in splits {
        out.push(Part {
            marker,
            start,
            end: m,
        });
        (marker, start) = (m, st);
    }
    out.push(Part {
        marker,
        start,
        end: e,
    });
    // A trailing "thereafter" and the comma before the next part are not the part's words.
    let trailing = |k: usize| {
        w.thereafter.contains(&toks[k].lower) || matches!(toks[k].lower.as_str(), "," | ";" | ":")
    };
    for p in &mut out {
        while p.end > p.start && trailing(p.end - 1) {
            p.end -= 1;
        }
    }
    out.retain(|p| p.start < p.end);
    out
}

/// The last dose of a part, as the next part sees it.
#[derive(Debug, Clone)]
pub(crate) struct Previous {
    pub low: f64,
    pub high: f64,
    pub unit: Unit,
    pub basis: DoseBasis,
    pub frequency: Option<Frequency>,
    pub has_duration: bool,
    /// Doses given so far in a run of the same amount: the counted ones, 1 for a single dose
    /// without a frequency, `None` when open-ended ("daily").
    pub given: Option<u32>,
}

impl Previous {
    /// True when a later part that states only a schedule less often than this dose's repeats the
    /// whole course: a daily course with a duration ("1 g/kg daily for 2 days, then every 4
    /// weeks"). Any other dose is given again at the new interval ("375 mg/m² weekly for 4
    /// doses, then every 2 weeks" is 375 mg/m² every 2 weeks).
    pub fn repeats_course(&self, next: &Frequency) -> bool {
        self.has_duration
            && self
                .frequency
                .as_ref()
                .is_some_and(|f| f.per_week_low >= 7.0 && next.per_week_high < f.per_week_low)
    }

    /// The number of doses of a later part, counting the run it continues: the same amount,
    /// unit and basis at the same rate (or after a single dose) adds to the doses given so far
    /// ("1000 mg, then 1000 mg 2 weeks later" is 2 doses). Otherwise the part's own count.
    pub fn running_count(
        &self,
        amount: (f64, f64, Unit, DoseBasis),
        frequency: Option<&Frequency>,
        doses: Option<u32>,
    ) -> Option<u32> {
        let (low, high, unit, basis) = amount;
        let same = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs());
        let same_amount = same(low, self.low)
            && same(high, self.high)
            && unit == self.unit
            && basis == self.basis;
        let same_rate = match (&self.frequency, frequency) {
            (None, _) => true,
            (Some(a), Some(b)) => {
                same(a.per_week_low, b.per_week_low) && same(a.per_week_high, b.per_week_high)
            }
            (Some(_), None) => false,
        };
        match (doses, self.given) {
            (Some(n), Some(g)) if same_amount && same_rate => Some(g.saturating_add(n)),
            _ => doses,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tokens::tokenize;
    use super::*;

    /// The words of each part, without its sequence words.
    fn split(text: &str) -> Vec<String> {
        let toks = tokenize(text);
        parts(&toks, 0, toks.len())
            .into_iter()
            .map(|p| text[toks[p.start].start..toks[p.end - 1].end].to_string())
            .collect()
    }

    #[test]
    fn a_statement_without_sequence_words_is_one_part() {
        assert_eq!(split("prednisone 60 mg daily"), ["prednisone 60 mg daily"]);
    }

    #[test]
    fn then_splits_and_its_comma_stays_out() {
        assert_eq!(
            split("methotrexate 15 mg weekly, then 25 mg daily"),
            ["methotrexate 15 mg weekly", "25 mg daily"]
        );
        assert_eq!(
            split("prednisone 60 mg daily, then 40 mg daily, then 20 mg daily"),
            ["prednisone 60 mg daily", "40 mg daily", "20 mg daily"]
        );
    }

    #[test]
    fn followed_by_and_leading_thereafter_split() {
        assert_eq!(
            split("rituximab 1000 mg followed by 1000 mg 2 weeks later"),
            ["rituximab 1000 mg", "1000 mg 2 weeks later"]
        );
        assert_eq!(
            split("IVIG 2 g/kg over 2 days; thereafter 1 g/kg every 4 weeks"),
            ["IVIG 2 g/kg over 2 days", "1 g/kg every 4 weeks"]
        );
    }

    #[test]
    fn a_trailing_thereafter_starts_its_part_at_the_last_comma_or_and() {
        assert_eq!(
            split("rituximab 1000 mg every 2 weeks x2, and every 6 months thereafter"),
            ["rituximab 1000 mg every 2 weeks x2", "every 6 months"]
        );
        assert_eq!(
            split("prednisone 5 mg daily thereafter"),
            ["prednisone 5 mg daily"]
        );
    }

    #[test]
    fn then_as_a_time_reference_does_not_split() {
        assert_eq!(
            split("prednisone 20 mg daily since then"),
            ["prednisone 20 mg daily since then"]
        );
    }

    fn weekly() -> Frequency {
        Frequency::from_rule_name("weekly").expect("weekly parses")
    }

    fn previous(frequency: Option<Frequency>, given: Option<u32>) -> Previous {
        Previous {
            low: 1000.0,
            high: 1000.0,
            unit: Unit::Mg,
            basis: DoseBasis::Dose,
            frequency,
            has_duration: false,
            given,
        }
    }

    #[test]
    fn the_same_amount_at_the_same_rate_continues_the_count() {
        let amount = (1000.0, 1000.0, Unit::Mg, DoseBasis::Dose);
        let p = previous(Some(weekly()), Some(4));
        assert_eq!(p.running_count(amount, Some(&weekly()), Some(4)), Some(8));
        let single = previous(None, Some(1));
        assert_eq!(
            single.running_count(amount, Some(&weekly()), Some(1)),
            Some(2)
        );
        let other = (500.0, 500.0, Unit::Mg, DoseBasis::Dose);
        assert_eq!(p.running_count(other, Some(&weekly()), Some(2)), Some(2));
        assert_eq!(p.running_count(amount, Some(&weekly()), None), None);
    }

    #[test]
    fn only_a_daily_course_with_a_duration_is_repeated_whole() {
        let every_4_weeks = Frequency::from_rule_name("every 4 weeks").expect("parses");
        let mut course = previous(Frequency::from_rule_name("daily"), None);
        course.has_duration = true;
        assert!(course.repeats_course(&every_4_weeks));
        let mut induction = previous(Some(weekly()), Some(4));
        induction.has_duration = true;
        assert!(!induction.repeats_course(&every_4_weeks));
    }
}

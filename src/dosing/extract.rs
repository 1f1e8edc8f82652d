//! Finding dose statements in free text: tokens, sentences, drug mentions (names and synonyms
//! from the rules), amounts with their unit, basis, frequency, route and duration, and which drug
//! each amount belongs to. It judges nothing (that is `judge`) and never panics on any input: all
//! slicing is by token boundaries, which are char boundaries.

use std::collections::HashSet;

use crate::contracts::DoseBasis;

use super::duration::{
    Duration, parse_dose_count, parse_duration, parse_other_time_phrase, time_unit,
};
use super::rules::DosingRules;
use super::schedule::{Frequency, parse_divided, parse_frequency};
use super::sequence::{self, Part as SeqPart, Previous};
use super::tokens::{Gap, TokKind, Token, number_value, sentences, small_count, tokenize};
use super::units::{
    self, Comparator, Notation, Route, Unit, notation_of, parse_basis, parse_comparator,
    parse_route, parse_unit,
};
use super::words::words;

/// How far after an amount its frequency, route and duration are looked for, in tokens.
const TRAILING_WINDOW: usize = 14;
/// How many tokens before a drug name may modify it ("IV methylprednisolone", "once-weekly MTX").
const PREFIX_WINDOW: usize = 3;
/// How far before an amount, after its drug, a route or frequency is looked for
/// ("Rituximab is given intravenously at a dose of 1000 mg").
const BETWEEN_WINDOW: usize = 10;

/// One dose statement as found in a text, before any judgement.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractedDose {
    /// The words of the statement as they stand in the text.
    pub text: String,
    /// Byte offsets of `text` in the input.
    pub start: usize,
    pub end: usize,
    /// Canonical name of the drug (or drug class) in the rules; `None` when no drug is named.
    pub drug: Option<String>,
    pub low: f64,
    pub high: f64,
    /// "≥20 mg", "up to 80 mg".
    pub comparator: Option<Comparator>,
    pub unit: Unit,
    pub basis: DoseBasis,
    pub frequency: Option<Frequency>,
    pub route: Option<Route>,
    pub duration: Option<Duration>,
    /// Error-prone notations of the numbers, with the number as written.
    pub notation: Vec<(Notation, String)>,
    /// How many doses the statement gives ("x2", "two doses", "days 1 and 15", or a schedule
    /// less often than daily with a duration: "weekly for 4 weeks" is 4).
    pub doses: Option<u32>,
    /// How often a course is repeated ("1 g/kg/day for 2 days every 4 weeks").
    pub repeat: Option<Frequency>,
    /// The two components of a combined strength written "160/800 mg" (the amount is their
    /// sum).
    pub parts: Option<(f64, f64)>,
    /// The amount is a combined strength ("160/800 mg", a DS tablet of 960 mg): it is judged
    /// only against combined-strength rules.
    pub combined: bool,
    /// How the amount was read when the text does not write it as an amount with a unit: "read
    /// as 60 mg (no unit written)", "1 DS tablet = 960 mg".
    pub reading: Option<String>,
    /// The line calls it a starting dose ("start at", "initial dose"), before its amount.
    pub starting: bool,
    /// The statement calls the amount a total ("up to 10 mg total", "200 mg cumulative").
    pub total: bool,
    /// How fast it is given, per minute ("at 2 mg/min", "no faster than 10 mg/min"): the amount
    /// a minute and its unit.
    pub rate: Option<(f64, Unit)>,
}

/// A drug name found in a sentence.
#[derive(Debug, Clone)]
struct Mention {
    start: usize,
    end: usize,
    /// Start including modifiers written before the name ("IV methylprednisolone").
    ext_start: usize,
    drug: String,
}

/// An amount with its unit: "1-2 mg/kg", "≥20 mg", "1,000 mg/day".
#[derive(Debug, Clone)]
struct Core {
    start: usize,
    end: usize,
    low: f64,
    high: f64,
    comparator: Option<Comparator>,
    unit: Unit,
    basis: DoseBasis,
    frequency: Option<Frequency>,
    notation: Vec<(Notation, String)>,
    parts: Option<(f64, f64)>,
    combined: bool,
    reading: Option<String>,
}

/// Every dose statement in `text`, in order, read after [`crate::numbers::reading`] (a dose in
/// full-width or other-script digits, in words or with look-alike letters is the dose its ASCII
/// figures write); a claim's `text` and offsets are those of `text` as written. Deterministic.
pub fn extract_claims(rules: &DosingRules, text: &str) -> Vec<ExtractedDose> {
    let read = crate::numbers::Reading::of(text);
    let toks = tokenize(&read.text);
    let mut out = Vec::new();
    for (s, e) in sentences(&toks) {
        extract_sentence(rules, &read.text, &toks, s, e, &mut out);
    }
    if read.text != text {
        // Offsets and text as the statement is written.
        for dose in &mut out {
            let span = read.original(dose.start..dose.end);
            dose.text = text.get(span.clone()).unwrap_or_default().to_string();
            (dose.start, dose.end) = (span.start, span.end);
        }
    }
    with_line_context(rules, &toks, out)
}

/// The lines of a text, as token ranges.
fn lines(toks: &[Token]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        if i > start && matches!(t.gap, Gap::Newline | Gap::Paragraph) {
            out.push((start, i));
            start = i;
        }
    }
    if start < toks.len() {
        out.push((start, toks.len()));
    }
    out
}

/// Most tokens a heading or list lead-in has ("Alendronate (Fosamax):").
const HEADING_MAX_TOKENS: usize = 14;
/// How far into a heading its drug is named ("Recommended Dose of Naloxone (Narcan) for …").
const HEADING_DRUG_WITHIN: usize = 4;

/// What a dose's line says about it. A dose on a line that calls it a start ("start at",
/// "initial dose") is a starting dose; one written as a total ("10 mg total") is a total.
/// A dose whose line names no drug takes the drug of the heading or list lead-in above it,
/// when that short line names exactly one drug near its start and states no dose itself
/// ("Alendronate (Fosamax):" over "- Treatment dose: 70 mg once weekly"). A heading naming two
/// drugs or more ends the context; a cumulative total ("after 10 mg total") takes no drug.
fn with_line_context(
    rules: &DosingRules,
    toks: &[Token],
    mut out: Vec<ExtractedDose>,
) -> Vec<ExtractedDose> {
    let mut context: Option<String> = None;
    for (s, e) in lines(toks) {
        let (from, to) = (toks[s].start, toks[e - 1].end);
        let inside = |d: &ExtractedDose| d.start >= from && d.start < to;
        for d in out.iter_mut().filter(|d| inside(d)) {
            d.starting = toks[s..e]
                .iter()
                .take_while(|t| t.start < d.start)
                .any(|t| words().start.contains(&t.lower));
            // In its words or right after them ("up to 10 mg total").
            d.total = toks[s..e]
                .iter()
                .filter(|t| t.start >= d.start)
                .take_while(|t| t.start < d.end)
                .chain(toks[s..e].iter().filter(|t| t.start >= d.end).take(2))
                .any(|t| words().total.contains(&t.lower));
        }
        let mentions = find_mentions(rules, toks, s, e);
        let has_dose = out.iter().any(inside);
        let last = toks[e - 1].lower.as_str();
        let heading = !has_dose
            && e - s <= HEADING_MAX_TOKENS
            && !matches!(last, "." | "!" | "?")
            && mentions
                .first()
                .is_some_and(|m| m.start - s <= HEADING_DRUG_WITHIN);
        if heading {
            let first = &mentions[0].drug;
            context = mentions
                .iter()
                .all(|m| &m.drug == first)
                .then(|| first.clone());
            continue;
        }
        let Some(drug) = &context else {
            continue;
        };
        if !mentions.is_empty() {
            continue;
        }
        for d in out
            .iter_mut()
            .filter(|d| inside(d) && d.drug.is_none() && !d.total)
        {
            d.drug = Some(drug.clone());
        }
    }
    out
}

fn find_mentions(rules: &DosingRules, toks: &[Token], s: usize, e: usize) -> Vec<Mention> {
    let mut out = Vec::new();
    let mut i = s;
    while i < e {
        if let Some((drug, end)) = rules.match_name(toks, i, e) {
            if !hyphen_compound(toks, i, end) {
                out.push(Mention {
                    start: i,
                    end,
                    ext_start: i,
                    drug: drug.to_string(),
                });
            }
            i = end;
        } else {
            i += 1;
        }
    }
    // Modifiers before a name belong to it: "IV methylprednisolone", "oral prednisone".
    let mut floor = s;
    for m in &mut out {
        for k in (1..=PREFIX_WINDOW).rev() {
            let Some(from) = m.start.checked_sub(k) else {
                continue;
            };
            if from < floor {
                continue;
            }
            let whole = |end: Option<usize>| end == Some(m.start);
            if whole(parse_route(toks, from, m.start).map(|(_, e)| e))
                || whole(parse_frequency(toks, from, m.start).map(|(_, e)| e))
            {
                m.ext_start = from;
                break;
            }
        }
        floor = m.end;
    }
    out
}

/// A name glued into a hyphenated word ("steroid-sparing") is not a mention of the drug;
/// "prednisone-equivalent" still is.
fn hyphen_compound(toks: &[Token], start: usize, end: usize) -> bool {
    let glued = |j: usize| toks.get(j).is_some_and(|t| t.gap == Gap::None);
    let after = toks.get(end).is_some_and(|t| t.lower == "-")
        && glued(end)
        && glued(end + 1)
        && toks.get(end + 1).is_some_and(|t| {
            t.kind == TokKind::Word
                && !words()
                    .hyphen_equivalent
                    .iter()
                    .any(|p| t.lower.starts_with(p.as_str()))
        });
    let before = start >= 2
        && toks[start - 1].lower == "-"
        && glued(start - 1)
        && glued(start)
        && toks[start - 2].kind == TokKind::Word;
    after || before
}

fn is_range_connector(t: &Token) -> bool {
    words().range_to.contains(&t.lower)
}

/// An amount with its unit starting at token `i`.
fn parse_core(toks: &[Token], i: usize, limit: usize) -> Option<Core> {
    let w = words();
    let tok = |j: usize| toks.get(j).filter(|_| j < limit);
    let mut j = i;
    let mut comparator = None;
    if let Some((c, e)) = parse_comparator(toks, j).filter(|(_, e)| *e <= limit) {
        comparator = Some(c);
        j = e;
    }
    let between = tok(j).is_some_and(|t| w.between.contains(&t.lower));
    if between {
        j += 1;
    }
    let first = tok(j).filter(|t| t.kind == TokKind::Number)?;
    let mut low = number_value(&first.raw)?;
    let mut notation: Vec<(Notation, String)> = notation_of(&first.raw)
        .map(|n| (n, first.raw.clone()))
        .into_iter()
        .collect();
    j += 1;

    // "160/800 mg": a combined strength of two components, read as their sum.
    let mut parts = None;
    if tok(j).is_some_and(|t| t.lower == "/" && t.gap == Gap::None)
        && let Some(second) = tok(j + 1).filter(|t| t.kind == TokKind::Number && t.gap == Gap::None)
        && let Some(b) = number_value(&second.raw)
        && parse_unit(toks, j + 2, limit).is_some()
    {
        parts = Some((low, b));
        low += b;
        j += 2;
    }

    // "1 mg/kg to 2 mg/kg": a unit may follow each number.
    let mut unit_basis = None;
    if let Some((u, e)) = parse_unit(toks, j, limit) {
        let (b, e2) = parse_basis(toks, e, limit).unwrap_or((DoseBasis::Dose, e));
        unit_basis = Some((u, b));
        j = e2;
    }
    let mut high = low;
    let connector = tok(j).is_some_and(|t| {
        is_range_connector(t)
            || (w.range_or.contains(&t.lower) && !between)
            || (w.between_and.contains(&t.lower) && between)
    });
    if connector && let Some(second) = tok(j + 1).filter(|t| t.kind == TokKind::Number) {
        let second_value = number_value(&second.raw);
        let after = j + 2;
        let second_unit = parse_unit(toks, after, limit).map(|(u, e)| {
            let (b, e2) = parse_basis(toks, e, limit).unwrap_or((DoseBasis::Dose, e));
            (u, b, e2)
        });
        // The second amount in the first one's unit ("500 mg to 1 g" is 500–1000 mg).
        let second_in_unit = match (unit_basis, second_unit, second_value) {
            (Some((u1, b1)), Some((u2, b2, e)), Some(v)) if b1 == b2 => {
                units::convert(v, u2, u1, None).map(|v| (v, u1, b1, e))
            }
            (None, Some((u2, b2, e)), Some(v)) => Some((v, u2, b2, e)),
            _ => None,
        };
        if let Some((v, u, b, e)) = second_in_unit
            && v >= low
        {
            high = v;
            if let Some(n) = notation_of(&second.raw) {
                notation.push((n, second.raw.clone()));
            }
            unit_basis = Some((u, b));
            j = e;
        }
    }
    let (unit, basis) = unit_basis?;

    // "/day", "/week" straight after the unit or basis.
    let mut frequency = None;
    if let Some((f, e)) = parse_frequency(toks, j, limit)
        && toks.get(j).is_some_and(|t| w.per.contains(&t.lower))
    {
        frequency = Some(f);
        j = e;
    }
    // "mg/dose", "mg per dose": per dose is the default basis.
    if tok(j).is_some_and(|t| w.per.contains(&t.lower))
        && tok(j + 1).is_some_and(|t| w.dose_denominator.contains(&t.lower))
    {
        j += 2;
    }
    // "20 mg or more", "80 mg or less": a comparison written after the amount.
    if comparator.is_none() && tok(j).is_some_and(|t| w.bound_or.contains(&t.lower)) {
        let trailing = tok(j + 1).and_then(|t| {
            if w.or_more.contains(&t.lower) {
                Some(Comparator::AtLeast)
            } else if w.or_less.contains(&t.lower) {
                Some(Comparator::AtMost)
            } else {
                None
            }
        });
        if let Some(c) = trailing {
            comparator = Some(c);
            j += 2;
        }
    }
    if units::is_concentration_or_rate(toks, j, limit) {
        return None;
    }
    // A tablet strength ("2.5 mg tablets") is not a dose.
    if tok(j).is_some_and(|t| w.strength.contains(&t.lower)) {
        return None;
    }
    Some(Core {
        start: i,
        end: j,
        low,
        high,
        comparator,
        unit,
        basis,
        frequency,
        notation,
        parts,
        combined: parts.is_some(),
        reading: parts.map(|(a, b)| {
            let n = super::units::fmt_number;
            format!("{}/{} {unit} = {} {unit} combined", n(a), n(b), n(a + b))
        }),
    })
}

/// A step ("reduce by 10 mg", "in increments of 5 mg") or a cumulative total is not a dose.
fn is_step_or_total(toks: &[Token], i: usize, s: usize) -> bool {
    let w = words();
    let word_in = |k: usize, list: &HashSet<String>| {
        i.checked_sub(k)
            .filter(|j| *j >= s)
            .is_some_and(|j| list.contains(&toks[j].lower))
    };
    word_in(1, &w.step_by)
        || (word_in(1, &w.step_of) && word_in(2, &w.steps))
        || (1..=3).any(|k| word_in(k, &w.cumulative))
}

/// Doses written without an amount and unit, right after a drug's name: a count of named tablets
/// ("Bactrim DS one tablet", "TMP-SMX 1 DS tab") and a bare number followed by a frequency
/// when every rule of the drug is in one unit ("pred 60 qd" is 60 mg daily).
fn unwritten_unit_cores(
    rules: &DosingRules,
    toks: &[Token],
    e: usize,
    mentions: &[Mention],
) -> Vec<Core> {
    let mut out = Vec::new();
    for m in mentions {
        let j = m.end;
        if let Some(core) = tablet_core(rules, toks, e, m) {
            out.push(core);
            continue;
        }
        // "pred 60 qd", "MTX 15 po weekly"
        let Some(num) = toks.get(j).filter(|t| j < e && t.kind == TokKind::Number) else {
            continue;
        };
        let Some(value) = number_value(&num.raw) else {
            continue;
        };
        if parse_unit(toks, j + 1, e).is_some() {
            continue;
        }
        let mut k = j + 1;
        if let Some((_, end)) = parse_route(toks, k, e) {
            k = end;
        }
        if parse_frequency(toks, k, e).is_none() {
            continue;
        }
        let Some(unit) = rules.sole_unit(&m.drug) else {
            continue;
        };
        out.push(bare_number_core(
            j,
            &num.raw,
            value,
            unit,
            DoseBasis::Dose,
            format!(
                "read as {} {unit}: no unit is written",
                super::units::fmt_number(value)
            ),
        ));
    }
    out
}

/// A count of named tablets after a drug's name: "[SS] [two] [DS] tablets", "1 DS tab", or no
/// tablet word after a name or strength followed by a frequency ("Bactrim DS twice daily",
/// "TMP-SMX DS daily": one tablet).
fn tablet_core(rules: &DosingRules, toks: &[Token], e: usize, m: &Mention) -> Option<Core> {
    let j = m.end;
    let word = |k: usize| k < e && words().tablet.contains(&toks[k].lower);
    let in_name = (m.start..m.end).find_map(|k| {
        rules
            .tablet_at(&m.drug, toks, k, m.end)
            .filter(|(_, end)| *end == m.end)
    });
    let before = rules.tablet_at(&m.drug, toks, j, e);
    let mut k = before.map_or(j, |(_, end)| end);
    let count = if k < e { small_count(toks, k, e) } else { None };
    if count.is_some() {
        k += 1;
    }
    let after = rules.tablet_at(&m.drug, toks, k, e);
    k = after.map_or(k, |(_, end)| end);
    let (tablet, _) = after.or(before).or(in_name)?;
    let end = if word(k) {
        k + 1
    } else {
        let mut f = k;
        if let Some((_, r)) = parse_route(toks, f, e) {
            f = r;
        }
        let bare = count.is_none() && parse_frequency(toks, f, e).is_some();
        if !bare {
            return None;
        }
        k
    };
    let n = count.unwrap_or(1);
    let amount = f64::from(n) * tablet.amount;
    Some(Core {
        // Empty (start = end) for "Bactrim DS twice daily": the frequency follows at once.
        start: j,
        end,
        low: amount,
        high: amount,
        comparator: None,
        unit: tablet.unit,
        basis: DoseBasis::Dose,
        frequency: None,
        notation: Vec::new(),
        parts: None,
        combined: tablet.combined,
        reading: Some(format!(
            "{n} {} tablet{} = {} {}",
            tablet.names.first().map_or("", String::as_str),
            if n == 1 { "" } else { "s" },
            super::units::fmt_number(amount),
            tablet.unit
        )),
    })
}

fn find_cores(toks: &[Token], s: usize, e: usize, mentions: &[Mention]) -> Vec<Core> {
    let mut cores = Vec::new();
    let mut i = s;
    while i < e {
        if let Some(m) = mentions.iter().find(|m| m.start == i) {
            i = m.end;
            continue;
        }
        if let Some(core) = parse_core(toks, i, e) {
            let skip = is_step_or_total(toks, i, s);
            let end = core.end.max(i + 1);
            if !skip {
                cores.push(core);
            }
            i = end;
        } else {
            i += 1;
        }
    }
    cores
}

/// What was found around an amount.
#[derive(Default)]
struct Modifiers {
    frequency: Option<Frequency>,
    /// A second frequency after a duration: how often the course is repeated.
    repeat: Option<Frequency>,
    doses: Option<u32>,
    divided: Option<Option<u32>>,
    route: Option<Route>,
    duration: Option<Duration>,
    /// An infusion rate, per minute.
    rate: Option<(f64, Unit)>,
    /// End of the last token that was read as a modifier.
    last: Option<usize>,
}

impl Modifiers {
    /// The first frequency is the dose's; one written after a duration, when the dose already
    /// has a frequency, is how often the course is repeated.
    fn note_frequency(&mut self, f: Frequency) {
        if self.frequency.is_some() && self.duration.is_some() {
            self.repeat.get_or_insert(f);
        } else {
            self.frequency.get_or_insert(f);
        }
    }
}

/// Reads frequency, route, duration and divided-dose phrases in `from..to`. With `stop_at_break`
/// it stops at a bracket or ";" (the end of the statement).
fn scan_modifiers(toks: &[Token], from: usize, to: usize, stop_at_break: bool) -> Modifiers {
    let mut m = Modifiers::default();
    let mut j = from;
    while j < to {
        if stop_at_break && matches!(toks[j].lower.as_str(), ";" | "(" | ")" | "[" | "]") {
            break;
        }
        if let Some((r, e)) = parse_rate(toks, j, to) {
            m.rate.get_or_insert(r);
            m.last = Some(e);
            j = e;
        } else if let Some((d, e)) = parse_duration(toks, j, to) {
            m.duration.get_or_insert(d);
            m.last = Some(e);
            j = e;
        } else if let Some((k, e)) = parse_divided(toks, j, to) {
            m.divided.get_or_insert(k);
            m.last = Some(e);
            j = e;
        } else if let Some((n, e)) = parse_dose_count(toks, j, to) {
            // "days 1 and 15" and "two weeks apart" are a count and a frequency at once.
            m.doses.get_or_insert(n);
            let mut end = e;
            if let Some((f, fe)) = parse_frequency(toks, j, to) {
                m.note_frequency(f);
                end = end.max(fe);
            }
            m.last = Some(end);
            j = end;
        } else if let Some((f, e)) = parse_frequency(toks, j, to) {
            m.note_frequency(f);
            m.last = Some(e);
            j = e;
        } else if let Some((r, e)) = parse_route(toks, j, to) {
            m.route.get_or_insert(r);
            m.last = Some(e);
            j = e;
        } else if let Some(e) = parse_other_time_phrase(toks, j, to) {
            j = e;
        } else {
            j += 1;
        }
    }
    m
}

/// An infusion rate at token `i`: an amount, a unit and "/" or "per" a minute or an hour ("2
/// mg/min", "10 mg per minute", "100 mg/hour"), as the amount per minute and its unit.
fn parse_rate(toks: &[Token], i: usize, limit: usize) -> Option<((f64, Unit), usize)> {
    let limit = limit.min(toks.len());
    let t = toks.get(i).filter(|_| i < limit)?;
    if t.kind != TokKind::Number {
        return None;
    }
    let amount = number_value(&t.raw)?;
    let (unit, e) = parse_unit(toks, i + 1, limit)?;
    let per = toks.get(e).filter(|_| e < limit)?;
    if !words().rate_per.contains(&per.lower) {
        return None;
    }
    let (time, end) = time_unit(toks, e + 1, limit)?;
    let minutes = time.days() * 24.0 * 60.0;
    (minutes > 0.0 && minutes <= 60.0).then_some(((amount / minutes, unit), end))
}

/// Combines the frequency written with the unit ("mg/day") with the one written after it and a
/// divided-doses phrase.
fn combine_frequency(
    with_unit: Option<Frequency>,
    written: Option<Frequency>,
    divided: Option<Option<u32>>,
) -> Option<Frequency> {
    let per_day = with_unit.as_ref().is_some_and(|f| f.is_plain_daily())
        || written.as_ref().is_some_and(|f| f.is_plain_daily());
    match (with_unit, written, divided) {
        // "/day divided twice daily": the count comes from the frequency.
        (_, Some(f), Some(None)) if per_day && f.doses_per_day.is_some_and(|k| k > 1) => {
            Some(Frequency::divided(f.doses_per_day))
        }
        // "/day in two divided doses", "daily in divided doses"
        (_, _, Some(k)) if per_day => Some(Frequency::divided(k)),
        // "divided twice daily"
        (None, Some(f), Some(_)) if f.doses_per_day.is_some_and(|k| k > 1) => {
            Some(Frequency::divided(f.doses_per_day))
        }
        // "mg/day, given twice daily": the day's total in k doses.
        (Some(u), Some(f), _)
            if u.is_plain_daily()
                && f.doses_per_day.is_some_and(|k| k > 1)
                && !f.amount_per_day =>
        {
            Some(Frequency::divided(f.doses_per_day))
        }
        (Some(u), _, _) => Some(u),
        (None, Some(f), _) => Some(f),
        (None, None, Some(k)) => Some(Frequency::divided(k)),
        (None, None, None) => None,
    }
}

fn extract_sentence(
    rules: &DosingRules,
    text: &str,
    toks: &[Token],
    s: usize,
    e: usize,
    out: &mut Vec<ExtractedDose>,
) {
    let mentions = find_mentions(rules, toks, s, e);
    let mut previous: Option<ExtractedDose> = None;
    for part in sequence::parts(toks, s, e) {
        let before = out.len();
        let own: Vec<Mention> = mentions
            .iter()
            .filter(|m| m.start >= part.start && m.start < part.end)
            .cloned()
            .collect();
        let mut cores = find_cores(toks, part.start, part.end, &mentions);
        for extra in unwritten_unit_cores(rules, toks, part.end, &own) {
            if !cores
                .iter()
                .any(|c| c.start < extra.end && extra.start < c.end)
            {
                cores.push(extra);
            }
        }
        // A later part without an amount with a unit, naming no other drug, takes them from the
        // dose before it: "then 40 daily" (its unit), "then every 2 weeks" (its amount).
        if let Some(prev) = previous.as_ref().filter(|p| {
            cores.is_empty()
                && own
                    .iter()
                    .all(|m| p.drug.as_deref() == Some(m.drug.as_str()))
        }) {
            if let Some(core) = carried_unit_core(toks, part, prev) {
                cores.push(core);
            } else if let Some(dose) = repeated_dose(text, toks, part, prev) {
                out.push(dose);
            }
        }
        cores.sort_by_key(|c| c.start);
        let context = Part {
            text,
            toks,
            s: part.start,
            e: part.end,
            mentions: &mentions,
            previous: previous.as_ref(),
        };
        extract_part(&context, &cores, out);
        if let Some(last) = out[before..].last() {
            previous = Some(last.clone());
        }
    }
}

/// One part of a sentence ("then 25 mg daily") with what it may refer back to.
struct Part<'a> {
    text: &'a str,
    toks: &'a [Token],
    s: usize,
    e: usize,
    /// Every drug named in the sentence: a part without its own takes the nearest before it.
    mentions: &'a [Mention],
    /// The last dose of an earlier part.
    previous: Option<&'a ExtractedDose>,
}

/// The doses of the amounts `cores` in one part.
fn extract_part(part: &Part, cores: &[Core], out: &mut Vec<ExtractedDose>) {
    let Part {
        text,
        toks,
        s,
        e,
        mentions,
        previous,
    } = *part;
    for (ci, core) in cores.iter().enumerate() {
        let prev_core_end = ci
            .checked_sub(1)
            .and_then(|p| cores.get(p))
            .map_or(s, |c| c.end);
        let next_core_start = cores.get(ci + 1).map_or(e, |c| c.start);

        // Which drug: the one written just before; else one written just after ("≥20 mg
        // corticosteroids", "20 mg of prednisone"); else the nearest one before in the sentence.
        // Mentions and cores are in text order and do not overlap, so searches are binary.
        let first_after = |pos: usize| mentions.partition_point(|m| m.start < pos);
        let preceding = mentions[..first_after(core.start)]
            .last()
            .filter(|m| m.end <= core.start);
        let adjacent =
            preceding.filter(|m| m.end >= prev_core_end && core.start.saturating_sub(m.end) <= 1);
        let following = || {
            let mut j = core.end;
            while j < e {
                if words().of_drug.contains(&toks[j].lower) {
                    j += 1;
                } else if let Some((_, end)) = parse_route(toks, j, e) {
                    j = end;
                } else {
                    break;
                }
            }
            mentions
                .get(first_after(core.end))
                .filter(|m| m.start == j || m.ext_start == j)
                .filter(|m| {
                    // A name followed by its own amount owns that amount, not this one.
                    let next = cores.partition_point(|c| c.start < m.end);
                    cores.get(next).is_none_or(|c| c.start > m.end + 1)
                })
        };
        let (mention, after) = match adjacent {
            Some(m) => (Some(m), false),
            None => match following() {
                Some(m) => (Some(m), true),
                None => (preceding, false),
            },
        };

        // Where its modifiers may be: after the amount up to the next amount or the next drug.
        let next_mention_start = mentions[first_after(core.end)..]
            .iter()
            .find(|m| !(after && mention.is_some_and(|x| x.start == m.start)))
            .map_or(e, |m| m.ext_start.max(core.end));
        let post_from = if after {
            mention.map_or(core.end, |m| m.end)
        } else {
            core.end
        };
        let post_to = next_core_start
            .min(next_mention_start.max(post_from))
            .min(post_from + TRAILING_WINDOW)
            .min(e);
        let post = scan_modifiers(toks, post_from, post_to, true);
        let between = match mention {
            Some(m) if !after => scan_modifiers(
                toks,
                m.end
                    .max(prev_core_end)
                    .max(core.start.saturating_sub(BETWEEN_WINDOW)),
                core.start,
                false,
            ),
            Some(m) => scan_modifiers(toks, core.end, m.ext_start.max(core.end), false),
            None => Modifiers::default(),
        };
        let prefix = match mention {
            Some(m) if m.ext_start >= prev_core_end || after => {
                scan_modifiers(toks, m.ext_start, m.start, false)
            }
            _ => Modifiers::default(),
        };

        let written_frequency = post
            .frequency
            .clone()
            .or_else(|| between.frequency.clone())
            .or_else(|| prefix.frequency.clone());
        let divided = post.divided.or(between.divided);
        let frequency =
            combine_frequency(core.frequency.clone(), written_frequency.clone(), divided);
        let route = post.route.or(between.route).or(prefix.route);
        let duration = post.duration.clone().or(between.duration.clone());
        // "1 g/kg/day x2 days every 2 weeks": the frequency with the unit is the dose's, the one
        // written after the duration is the course's repeat.
        let repeat = post.repeat.clone().or_else(|| {
            let (Some(dose), Some(written), Some(_)) = (&frequency, &written_frequency, &duration)
            else {
                return None;
            };
            (written.per_week_high < dose.per_week_low).then(|| written.clone())
        });
        let mut doses = post
            .doses
            .or(between.doses)
            .or_else(|| doses_in(frequency.as_ref(), duration.as_ref()));
        // "1000 mg, then 1000 mg 2 weeks later": the doses of the run this part continues.
        if let Some(prev) =
            previous.filter(|p| ci == 0 && p.drug == mention.map(|m| m.drug.clone()))
        {
            doses = previous_of(prev).running_count(
                (core.low, core.high, core.unit, core.basis),
                frequency.as_ref(),
                doses,
            );
        }

        // The statement starts at its drug (with a route or frequency written before it),
        // unless another amount stands between them.
        let start_tok = match mention {
            Some(m) if !after && m.end >= prev_core_end => {
                if prefix.last.is_some() {
                    m.ext_start.min(core.start)
                } else {
                    m.start.min(core.start)
                }
            }
            _ => core.start,
        };
        let mut end_tok = core.end.max(post.last.unwrap_or(0));
        if after && let Some(m) = mention {
            end_tok = end_tok.max(m.end);
        }
        let end_tok = end_tok.clamp(start_tok + 1, e);
        let (bs, be) = (toks[start_tok].start, toks[end_tok - 1].end);
        out.push(ExtractedDose {
            text: text.get(bs..be).unwrap_or_default().to_string(),
            start: bs,
            end: be,
            drug: mention.map(|m| m.drug.clone()),
            low: core.low,
            high: core.high,
            comparator: core.comparator,
            unit: core.unit,
            basis: core.basis,
            frequency,
            route,
            duration,
            notation: core.notation.clone(),
            doses,
            repeat,
            parts: core.parts,
            combined: core.combined,
            reading: core.reading.clone(),
            starting: false,
            total: false,
            rate: post.rate,
        });
    }
}

/// What the next part sees of a dose.
fn previous_of(d: &ExtractedDose) -> Previous {
    Previous {
        low: d.low,
        high: d.high,
        unit: d.unit,
        basis: d.basis,
        frequency: d.frequency.clone(),
        has_duration: d.duration.is_some(),
        given: d.doses.or_else(|| d.frequency.is_none().then_some(1)),
    }
}

fn basis_suffix(basis: DoseBasis) -> &'static str {
    match basis {
        DoseBasis::Dose => "",
        DoseBasis::Kg => "/kg",
        DoseBasis::M2 => "/m²",
    }
}

/// A bare number in a later part, in the unit and basis of the dose before ("prednisone 60 mg
/// daily, then 40 daily"): only when followed by a route, a frequency or nothing, as
/// "pred 60 qd" is read.
fn carried_unit_core(toks: &[Token], part: SeqPart, prev: &ExtractedDose) -> Option<Core> {
    let (s, e) = (part.start, part.end);
    let mut j = s;
    while j < e {
        let skip = parse_duration(toks, j, e)
            .map(|(_, end)| end)
            .or_else(|| parse_dose_count(toks, j, e).map(|(_, end)| end))
            .or_else(|| parse_frequency(toks, j, e).map(|(_, end)| end))
            .or_else(|| parse_other_time_phrase(toks, j, e));
        if let Some(end) = skip {
            j = end.max(j + 1);
            continue;
        }
        if toks[j].kind == TokKind::Number {
            break;
        }
        j += 1;
    }
    let num = toks.get(j).filter(|_| j < e)?;
    let value = number_value(&num.raw)?;
    let mut k = j + 1;
    if let Some((_, end)) = parse_route(toks, k, e) {
        k = end;
    }
    if k < e && parse_frequency(toks, k, e).is_none() {
        return None;
    }
    Some(bare_number_core(
        j,
        &num.raw,
        value,
        prev.unit,
        prev.basis,
        format!(
            "read as {} {}{}: the unit of the dose before",
            super::units::fmt_number(value),
            prev.unit,
            basis_suffix(prev.basis)
        ),
    ))
}

/// The dose of a number written without a unit (token `at`), read in `unit` and `basis`, with
/// the reading said in the verdict.
fn bare_number_core(
    at: usize,
    raw: &str,
    value: f64,
    unit: Unit,
    basis: DoseBasis,
    reading: String,
) -> Core {
    Core {
        start: at,
        end: at + 1,
        low: value,
        high: value,
        comparator: None,
        unit,
        basis,
        frequency: None,
        notation: notation_of(raw)
            .map(|n| (n, raw.to_string()))
            .into_iter()
            .collect(),
        parts: None,
        combined: false,
        reading: Some(reading),
    }
}

/// A later part that states only a schedule ("then every 2 weeks"): the dose before given at
/// that interval, or, after a daily course with a duration, that course repeated.
fn repeated_dose(
    text: &str,
    toks: &[Token],
    part: SeqPart,
    prev: &ExtractedDose,
) -> Option<ExtractedDose> {
    let m = scan_modifiers(toks, part.start, part.end, true);
    let f = m.frequency.clone()?;
    let last = m.last?;
    let before = previous_of(prev);
    let mut d = prev.clone();
    if before.repeats_course(&f) {
        d.repeat = Some(f.clone());
    } else {
        let own = m.doses.or_else(|| doses_in(Some(&f), m.duration.as_ref()));
        d.doses = before.running_count((prev.low, prev.high, prev.unit, prev.basis), Some(&f), own);
        d.frequency = Some(f.clone());
        d.duration = m.duration;
        d.repeat = m.repeat;
    }
    d.route = m.route.or(prev.route);
    // The text starts at "then" / "followed by"; a part closed by "thereafter" at its own words.
    let first = if words().thereafter_join.contains(&toks[part.marker].lower) {
        part.start
    } else {
        part.marker
    };
    let (bs, be) = (toks[first].start, toks[last.max(part.start + 1) - 1].end);
    d.text = text.get(bs..be).unwrap_or_default().to_string();
    d.start = bs;
    d.end = be;
    d.reading = Some(format!(
        "the dose before, {}{}{}, {} {}",
        super::units::fmt_number(prev.low),
        if prev.high > prev.low {
            format!("–{}", super::units::fmt_number(prev.high))
        } else {
            String::new()
        },
        format_args!(" {}{}", prev.unit, basis_suffix(prev.basis)),
        if d.repeat.as_ref() == Some(&f) {
            "course repeated"
        } else {
            "given"
        },
        f.label
    ));
    Some(d)
}

/// The number of doses a schedule less often than daily gives over a duration ("weekly for 52
/// weeks" is 52); `None` for daily schedules and without a duration.
fn doses_in(frequency: Option<&Frequency>, duration: Option<&Duration>) -> Option<u32> {
    let (f, d) = (frequency?, duration?);
    if f.per_week_high >= 7.0 || f.per_week_high <= 0.0 {
        return None;
    }
    let n = d.high_days() * f.per_week_high / 7.0;
    let n = if (n - n.round()).abs() < 0.05 {
        n.round()
    } else {
        n.floor()
    };
    (1.0..=10_000.0).contains(&n).then_some(n as u32)
}

#[cfg(test)]
mod attach_tests {
    use super::*;

    fn rules() -> DosingRules {
        let drug = |name: &str| {
            format!(
                "[[drug]]\nname = \"{name}\"\n  [[drug.regimen]]\n  id = \"{name}-r\"\n  \
                 indication = \"t\"\n  routes = [\"oral\", \"intravenous\"]\n  basis = \"dose\"\n  \
                 unit = \"mg\"\n  min = 1\n  max = 100\n  frequencies = [\"daily\"]\n  \
                 source = \"t\"\n  source_name = \"t\"\n"
            )
        };
        let text = format!(
            "{}{}[[drug]]\nname = \"steroids\"\nclass = true\n",
            drug("alpha"),
            drug("beta")
        );
        DosingRules::from_toml_str(&text, "test").expect("test rules load")
    }

    fn drugs(text: &str) -> Vec<Option<String>> {
        extract_claims(&rules(), text)
            .into_iter()
            .map(|d| d.drug)
            .collect()
    }

    #[test]
    fn each_amount_goes_to_its_nearest_preceding_drug() {
        assert_eq!(
            drugs("alpha 1 mg/day or IV beta 2 mg"),
            [Some("alpha".into()), Some("beta".into())]
        );
        let doses = extract_claims(&rules(), "alpha 1 mg/day or IV beta 2 mg");
        assert_eq!(doses[0].route, None, "the IV before beta is beta's");
        assert_eq!(doses[1].route, Some(Route::Intravenous));
    }

    #[test]
    fn a_drug_written_right_after_the_amount_takes_it() {
        assert_eq!(
            drugs("if taking alpha, check ≥20 mg steroids for ≥4 weeks"),
            [Some("steroids".into())]
        );
        assert_eq!(drugs("give 20 mg of beta"), [Some("beta".into())]);
        // A name followed by its own amount does not take the previous one.
        assert_eq!(
            drugs("alpha 10 mg beta 20 mg"),
            [Some("alpha".into()), Some("beta".into())]
        );
    }

    #[test]
    fn a_drug_after_or_more_of_takes_the_amount_and_the_comparison() {
        let doses = extract_claims(
            &rules(),
            "with alpha when a patient takes 20 mg or more of steroids",
        );
        assert_eq!(doses.len(), 1);
        assert_eq!(doses[0].drug.as_deref(), Some("steroids"));
        assert_eq!(doses[0].comparator, Some(Comparator::AtLeast));
    }

    #[test]
    fn an_amount_without_a_drug_in_its_sentence_has_none() {
        assert_eq!(drugs("alpha is tapered. Give 20 mg daily."), [None]);
    }

    #[test]
    fn hyphenated_compounds_are_not_mentions() {
        assert_eq!(drugs("a steroids-sparing agent at 10 mg"), [None]);
    }
}

#[cfg(test)]
mod sequence_tests {
    use super::*;

    fn rules() -> DosingRules {
        let text = "[[drug]]\nname = \"alpha\"\n  [[drug.regimen]]\n  id = \"alpha-r\"\n  \
                    indication = \"t\"\n  routes = [\"intravenous\"]\n  basis = \"m2\"\n  \
                    unit = \"mg\"\n  min = 1\n  max = 500\n  frequencies = [\"weekly\"]\n  \
                    max_doses = 4\n  source = \"t\"\n  source_name = \"t\"\n";
        DosingRules::from_toml_str(text, "test").expect("test rules load")
    }

    #[test]
    fn a_part_with_only_a_schedule_repeats_the_dose_before_at_its_interval() {
        let doses = extract_claims(&rules(), "alpha 375 mg/m2 IV weekly x4 then every 2 weeks");
        assert_eq!(doses.len(), 2, "{doses:?}");
        assert_eq!(
            doses[0].frequency.as_ref().map(|f| f.label.as_str()),
            Some("weekly")
        );
        assert_eq!(doses[0].doses, Some(4));
        let later = &doses[1];
        assert_eq!(later.text, "then every 2 weeks");
        assert_eq!(later.drug.as_deref(), Some("alpha"));
        assert_eq!(
            (later.low, later.unit, later.basis),
            (375.0, Unit::Mg, DoseBasis::M2)
        );
        assert_eq!(later.route, Some(Route::Intravenous));
        assert_eq!(
            later.frequency.as_ref().map(|f| f.label.as_str()),
            Some("every 2 weeks")
        );
        assert_eq!(later.doses, None, "open-ended");
    }

    #[test]
    fn a_bare_number_in_a_later_part_takes_the_unit_and_basis_before() {
        let doses = extract_claims(&rules(), "alpha 375 mg/m2 weekly x2, then 200 weekly x2");
        assert_eq!(doses.len(), 2, "{doses:?}");
        assert_eq!((doses[1].low, doses[1].basis), (200.0, DoseBasis::M2));
        assert_eq!(
            doses[1].doses,
            Some(2),
            "another amount starts its own count"
        );
    }

    #[test]
    fn the_same_dose_at_the_same_rate_counts_across_parts() {
        let doses = extract_claims(
            &rules(),
            "alpha 375 mg/m2 weekly x4 followed by 375 mg/m2 weekly x2",
        );
        assert_eq!(
            doses.iter().map(|d| d.doses).collect::<Vec<_>>(),
            [Some(4), Some(6)]
        );
    }

    #[test]
    fn a_part_naming_no_dose_and_no_schedule_adds_nothing() {
        let doses = extract_claims(&rules(), "alpha 375 mg/m2 weekly x4, then stop");
        assert_eq!(doses.len(), 1);
        assert_eq!(doses[0].text, "alpha 375 mg/m2 weekly x4");
    }
}

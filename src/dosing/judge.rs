//! Judging an extracted dose against the rules: the verdict, the rule that decided it and a
//! short plain message for a clinician. Every number comes from the rules file; this module
//! must never hold a dose range of its own. Imports `extract`, `rules`, `schedule` and `units`.

use crate::contracts::{DoseBasis, Verdict};

use super::extract::ExtractedDose;
use super::rules::{DosingRules, Drug, Regimen, Threshold};
use super::schedule::Frequency;
use super::units::{Comparator, Unit, basis_suffix, convert, fmt_number};

/// Relative slack when comparing amounts (floating point, "1,000" vs "1 g").
const AMOUNT_EPSILON: f64 = 1e-9;
/// Relative slack when comparing durations ("4 weeks" vs "30 days" is not the same, "1 month"
/// vs "4 weeks" is).
const DURATION_TOLERANCE: f64 = 0.1;
/// Relative slack when comparing frequencies ("monthly" is every 4 weeks).
const RATE_TOLERANCE: f64 = 0.1;
/// Up to how many times outside a regimen an amount is read as a slip of the number, not of
/// the unit.
const TENFOLD: f64 = 10.0;
/// From how many times outside the range a message suggests a misplaced decimal point.
const DECIMAL_SLIP_RATIO: f64 = 5.0;

/// The verdict on one dose, with the rule that decided it and a plain message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Judgement {
    pub verdict: Verdict,
    pub rule: Option<String>,
    pub message: String,
}

impl Judgement {
    fn new(verdict: Verdict, rule: Option<&str>, message: String) -> Judgement {
        Judgement {
            verdict,
            rule: rule.map(str::to_string),
            message,
        }
    }
}

fn within(value: f64, lo: f64, hi: f64) -> bool {
    value >= lo * (1.0 - AMOUNT_EPSILON) && value <= hi * (1.0 + AMOUNT_EPSILON)
}

/// An amount expressed in a unit and basis: "1–2 mg/kg".
pub(crate) fn amount_text(low: f64, high: f64, unit: Unit, basis: DoseBasis) -> String {
    let numbers = if within(low, high, high) && within(high, low, low) {
        fmt_number(low)
    } else {
        format!("{}–{}", fmt_number(low), fmt_number(high))
    };
    format!("{numbers} {unit}{}", basis_suffix(basis))
}

/// The dose as stated: "≥20 mg", "15 mg daily".
pub(crate) fn stated(d: &ExtractedDose) -> String {
    let mut s = String::new();
    if let Some(c) = d.comparator {
        s.push_str(c.symbol());
    }
    s.push_str(&amount_text(d.low, d.high, d.unit, d.basis));
    if let Some(f) = &d.frequency {
        s.push(' ');
        s.push_str(&f.label);
    }
    s
}

/// An amount range, low to high.
type Span = (f64, f64);

/// Why an amount is outside a rule.
#[derive(Debug, Clone)]
struct AmountIssue {
    text: String,
    /// Stated over the bound it broke (>1 above the maximum, <1 below the minimum).
    ratio: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum UnitIssue {
    /// Per kg where the rule is per dose, and so on.
    Basis,
    /// IU where the rule is in mg and no factor converts them.
    Dimension,
}

struct Eval<'r> {
    reg: &'r Regimen,
    converted: Result<(f64, f64), UnitIssue>,
    amount: Result<(), AmountIssue>,
    frequency_ok: bool,
    route_ok: bool,
}

impl Eval<'_> {
    fn key(&self) -> (usize, bool, bool, bool, bool) {
        let flags = [
            self.converted.is_ok(),
            self.amount.is_ok(),
            self.frequency_ok,
            self.route_ok,
        ];
        (
            flags.iter().filter(|f| **f).count(),
            flags[0],
            flags[1],
            flags[2],
            flags[3],
        )
    }

    fn all_ok(&self) -> bool {
        self.converted.is_ok() && self.amount.is_ok() && self.frequency_ok && self.route_ok
    }

    /// Both amounts miss their rule and this one by less (methylprednisolone 2 mg misses the
    /// 4 mg daily minimum by half, the 500 mg pulse by 250 times): its rule is the one meant.
    fn nearer_than(&self, other: &Eval) -> bool {
        match (&self.amount, &other.amount) {
            (Err(a), Err(b)) => a.ratio.ln().abs() < b.ratio.ln().abs(),
            _ => false,
        }
    }
}

impl Regimen {
    fn allows_rate(&self, per_week: f64) -> bool {
        self.frequencies.iter().any(|a| {
            per_week >= a.per_week_low * (1.0 - 0.1) && per_week <= a.per_week_high * (1.0 + 0.1)
        })
    }

    fn allows_more_than_daily(&self) -> bool {
        self.frequencies.iter().any(|a| a.per_week_high > 7.0 * 1.1)
    }

    fn per_dose_bounds(&self) -> Option<(f64, f64)> {
        self.min.zip(self.max)
    }

    /// The smallest amount the rule allows, of a dose or else of a day (for ordering rules).
    fn lowest(&self) -> f64 {
        self.min.or(self.min_daily).unwrap_or(0.0)
    }

    /// Bounds of a day's total: as written, else from the per-dose bounds and the allowed
    /// number of doses a day.
    fn daily_bounds(&self) -> Option<(f64, f64)> {
        if self.min_daily.is_some() || self.max_daily.is_some() {
            return Some((
                self.min_daily.unwrap_or(0.0),
                self.max_daily.unwrap_or(f64::INFINITY),
            ));
        }
        let (lo, hi) = self.per_dose_bounds()?;
        let ks: Vec<u32> = self
            .frequencies
            .iter()
            .filter_map(|f| f.doses_per_day)
            .collect();
        let kmin = ks.iter().min()?;
        let kmax = ks.iter().max()?;
        Some((lo * f64::from(*kmin), hi * f64::from(*kmax)))
    }

    fn frequency_ok(&self, f: Option<&Frequency>) -> bool {
        match f {
            None => true,
            Some(f) if f.is_plain_daily() => {
                self.allows_rate(7.0) || (!f.once && self.allows_more_than_daily())
            }
            Some(f) if f.amount_per_day && f.doses_per_day.is_none() => {
                self.allows_more_than_daily()
            }
            Some(f) => self.frequencies.iter().any(|a| {
                f.within(a)
                    || (self.longer_intervals
                        && f.per_week_high <= a.per_week_high * (1.0 + RATE_TOLERANCE))
            }),
        }
    }

    /// "weekly", "every 4 weeks or less often".
    fn frequency_text(&self) -> String {
        let freqs = self.frequency_names.join(" or ");
        if self.longer_intervals {
            format!("{freqs} or less often")
        } else {
            freqs
        }
    }

    fn check_amount(&self, lo: f64, hi: f64, f: Option<&Frequency>) -> Result<(), AmountIssue> {
        let per_dose = self.per_dose_bounds();
        let daily = self.daily_bounds();
        // The amount of each dose and of a day, as far as the statement tells them.
        let (dose, day): (Option<Span>, Option<Span>) = match f {
            None => (Some((lo, hi)), None),
            Some(f) if f.amount_per_day => match f.doses_per_day {
                Some(1) if self.allows_rate(7.0) || !self.allows_more_than_daily() => {
                    (Some((lo, hi)), Some((lo, hi)))
                }
                Some(1) | None => (None, Some((lo, hi))),
                Some(k) => (Some((lo / f64::from(k), hi / f64::from(k))), Some((lo, hi))),
            },
            Some(f) => match f.doses_per_day {
                Some(k) => (Some((lo, hi)), Some((lo * f64::from(k), hi * f64::from(k)))),
                None => (Some((lo, hi)), None),
            },
        };
        let u = |v: f64| amount_text(v, v, self.unit, self.basis);
        let check = |(a, b): (f64, f64), (min, max): (f64, f64), what: &str| {
            if !within(a, min, f64::INFINITY) {
                return Err(AmountIssue {
                    text: format!("{what} is below the usual minimum of {}", u(min)),
                    ratio: a / min,
                });
            }
            if !within(b, 0.0, max) {
                return Err(AmountIssue {
                    text: format!("{what} is above the usual maximum of {}", u(max)),
                    ratio: b / max,
                });
            }
            Ok(())
        };
        let mut checked = false;
        if let (Some(amount), Some(bounds)) = (dose, per_dose) {
            check(amount, bounds, "each dose")?;
            checked = true;
        }
        if let (Some(amount), Some(bounds)) = (day, daily) {
            check(amount, bounds, "the daily total")?;
            checked = true;
        }
        if !checked && let (Some(amount), Some(bounds)) = (dose.or(day), daily) {
            check(amount, bounds, "the daily total")?;
        }
        Ok(())
    }

    /// A dose the text calls a start is at most the source's largest starting dose.
    fn check_start(&self, hi: f64, starting: bool) -> Result<(), AmountIssue> {
        match self.start_max {
            Some(max) if starting && !within(hi, 0.0, max) => Err(AmountIssue {
                text: format!(
                    "a starting dose is above the usual starting dose of {}",
                    amount_text(max, max, self.unit, self.basis)
                ),
                ratio: hi / max,
            }),
            _ => Ok(()),
        }
    }

    /// A stated maximum ("max 60 mg/day", "maximum 500 mg per dose"): only its top is checked,
    /// against the day's maximum when it caps a day's total, else against a dose's.
    fn check_cap(&self, hi: f64, f: Option<&Frequency>) -> Result<(), AmountIssue> {
        let per_day = f.is_some_and(|f| f.amount_per_day);
        let day = self.daily_bounds().map(|b| b.1);
        let bound = if per_day {
            day
        } else {
            self.per_dose_bounds().map(|b| b.1).or(day)
        };
        match bound {
            Some(max) if !within(hi, 0.0, max) => Err(AmountIssue {
                text: format!(
                    "the stated maximum is above the usual maximum of {}",
                    amount_text(max, max, self.unit, self.basis)
                ),
                ratio: hi / max,
            }),
            _ => Ok(()),
        }
    }

    /// "7.5–25 mg weekly", "500–1500 mg twice daily (1000–3000 mg/day)".
    fn describe(&self) -> String {
        let freqs = self.frequency_text();
        let unit = |v: f64| fmt_number(v);
        let suffix = format!("{}{}", self.unit, basis_suffix(self.basis));
        let daily = match (self.min_daily, self.max_daily) {
            (Some(a), Some(b)) => Some(format!("{}–{} {suffix}/day", unit(a), unit(b))),
            (None, Some(b)) => Some(format!("at most {} {suffix}/day", unit(b))),
            (Some(a), None) => Some(format!("at least {} {suffix}/day", unit(a))),
            (None, None) => None,
        };
        match (self.per_dose_bounds(), daily) {
            (Some((a, b)), Some(d)) => {
                format!("{} {freqs} ({d})", amount_text(a, b, self.unit, self.basis))
            }
            (Some((a, b)), None) => format!("{} {freqs}", amount_text(a, b, self.unit, self.basis)),
            (None, Some(d)) => format!("{d}, given {freqs}"),
            (None, None) => freqs,
        }
    }

    fn routes_text(&self) -> String {
        self.routes
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join(" or ")
    }
}

fn evaluate<'r>(drug: &Drug, reg: &'r Regimen, d: &ExtractedDose) -> Eval<'r> {
    let converted = if d.basis != reg.basis {
        Err(UnitIssue::Basis)
    } else {
        match (
            convert(d.low, d.unit, reg.unit, drug.iu_per_mcg),
            convert(d.high, d.unit, reg.unit, drug.iu_per_mcg),
        ) {
            (Some(lo), Some(hi)) => Ok((lo, hi)),
            _ => Err(UnitIssue::Dimension),
        }
    };
    // "max 60 mg/day", "up to 2 mg": a stated maximum is judged by its top alone, whatever
    // frequency its sentence gives the dose it caps.
    let cap = d.comparator.is_some_and(|c| !c.is_lower_bound());
    // Fewer doses than the rate would give in a day ("0.6 mg one hour later", "every 20 minutes
    // for 3 doses"): a day's total is not known from the rate, only each dose is checked.
    let frequency = d.frequency.clone().map(|mut f| {
        if let (Some(n), Some(k)) = (d.doses, f.doses_per_day)
            && n < k
            && !f.amount_per_day
        {
            f.doses_per_day = None;
        }
        f
    });
    let amount = match converted {
        Ok((_, hi)) if cap => reg.check_cap(hi, frequency.as_ref()),
        Ok((lo, hi)) => reg
            .check_amount(lo, hi, frequency.as_ref())
            .and_then(|()| reg.check_start(hi, d.starting)),
        Err(_) => Err(AmountIssue {
            text: String::new(),
            ratio: 1.0,
        }),
    };
    Eval {
        reg,
        converted,
        amount,
        frequency_ok: cap || reg.frequency_ok(d.frequency.as_ref()),
        route_ok: d.route.is_none_or(|r| reg.routes.contains(&r)),
    }
}

/// A dose re-read in another unit or basis fits some rule: the likely slip.
fn reinterpretation<'a>(drug: &'a Drug, d: &ExtractedDose) -> Option<(String, &'a Regimen)> {
    let fits = |unit: Unit, basis: DoseBasis| {
        drug.regimens.iter().find(|r| {
            r.basis == basis
                && d.route.is_none_or(|x| r.routes.contains(&x))
                && matches!(
                    (convert(d.low, unit, r.unit, drug.iu_per_mcg), convert(d.high, unit, r.unit, drug.iu_per_mcg)),
                    (Some(lo), Some(hi)) if r.check_amount(lo, hi, d.frequency.as_ref()).is_ok()
                )
        })
    };
    // A thousandfold slip of the unit (mg for g, mcg for mg).
    for &u in d.unit.thousandfold_neighbours() {
        if let Some(r) = fits(u, d.basis) {
            return Some((amount_text(d.low, d.high, u, d.basis), r));
        }
    }
    // The number is right but the unit is of another kind (mg written for IU).
    for r in &drug.regimens {
        if r.unit != d.unit && r.basis == d.basis && fits(r.unit, d.basis).is_some() {
            return Some((amount_text(d.low, d.high, r.unit, d.basis), r));
        }
    }
    // The basis is wrong (per kg written for a total dose, or the reverse): only when no rule
    // has the stated basis, else a number off by ten is a range error, not a unit error.
    if drug.regimens.iter().all(|r| r.basis != d.basis) {
        return other_basis_fit(drug, d);
    }
    None
}

/// The dose re-read with another basis (same number and unit) fits a rule.
fn other_basis_fit<'a>(drug: &'a Drug, d: &ExtractedDose) -> Option<(String, &'a Regimen)> {
    for basis in [DoseBasis::Dose, DoseBasis::Kg, DoseBasis::M2] {
        if basis == d.basis {
            continue;
        }
        let found = drug.regimens.iter().find(|r| {
            r.basis == basis
                && matches!(
                    (convert(d.low, d.unit, r.unit, drug.iu_per_mcg), convert(d.high, d.unit, r.unit, drug.iu_per_mcg)),
                    (Some(lo), Some(hi)) if r.check_amount(lo, hi, d.frequency.as_ref()).is_ok()
                )
        });
        if let Some(r) = found {
            return Some((amount_text(d.low, d.high, d.unit, basis), r));
        }
    }
    None
}

fn basis_words(basis: DoseBasis) -> &'static str {
    match basis {
        DoseBasis::Dose => "as a total dose",
        DoseBasis::Kg => "per kg of body weight",
        DoseBasis::M2 => "per m² of body surface area",
    }
}

fn slip_hint(ratio: f64) -> String {
    if ratio >= DECIMAL_SLIP_RATIO {
        format!(
            " (about {} times: a misplaced decimal point?)",
            fmt_number(ratio.round())
        )
    } else if ratio > 0.0 && ratio <= 1.0 / DECIMAL_SLIP_RATIO {
        format!(
            " (about 1/{}: a misplaced decimal point?)",
            fmt_number((1.0 / ratio).round())
        )
    } else {
        String::new()
    }
}

impl DosingRules {
    /// The verdict on one extracted dose.
    pub(crate) fn judge(&self, d: &ExtractedDose) -> Judgement {
        let mut j = self.judge_dose(d);
        if let Some(reading) = &d.reading {
            j.message.push_str(&format!(" [{reading}]"));
        }
        for (n, raw) in &d.notation {
            j.message.push_str(". ");
            j.message.push_str(&n.warning(raw));
        }
        j
    }

    fn judge_dose(&self, d: &ExtractedDose) -> Judgement {
        let s = stated(d);
        let Some(name) = &d.drug else {
            return Judgement::new(
                Verdict::Unverified,
                None,
                format!("not checked: no drug is named with {s}"),
            );
        };
        let Some(drug) = self.drug(name) else {
            return Judgement::new(
                Verdict::Unverified,
                None,
                format!("not checked: no dosing rule covers {name}"),
            );
        };
        if drug.class {
            return judge_class(drug, d, &s);
        }
        // "up to 10 mg total", "more than 200 mg total": a limit on a cumulative amount, not a
        // dose; no rule here bounds it.
        if d.total && d.comparator.is_some() {
            return Judgement::new(
                Verdict::Unverified,
                None,
                format!("not checked: {s} of {name} is a cumulative limit, not a dose"),
            );
        }
        if drug.regimens.is_empty() {
            if let (Some(sch), Some(f)) = (&drug.schedule, &d.frequency)
                && !sch
                    .frequencies
                    .iter()
                    .any(|a| f.within(a) || (f.is_plain_daily() && a.is_plain_daily()))
            {
                let msg = match &sch.wrong_frequency_message {
                    Some(m) => format!("wrong frequency: {m}; the text says {}", f.label),
                    None => format!(
                        "wrong frequency: {name} is given {}, not {}",
                        sch.frequency_names.join(" or "),
                        f.label
                    ),
                };
                return Judgement::new(
                    Verdict::WrongFrequency,
                    Some(&sch.id),
                    format!("{msg} ({})", sch.source_name),
                );
            }
            let mut msg = format!("not checked: no dosing rule covers {name}");
            if let Some(note) = &drug.note {
                msg.push_str(&format!(" ({note})"));
            }
            return Judgement::new(Verdict::Unverified, None, msg);
        }
        // A combined strength ("160/800 mg") is judged only against combined-strength rules.
        let candidates: Vec<&Regimen> = drug
            .regimens
            .iter()
            .filter(|r| !d.combined || r.combined)
            .collect();
        if candidates.is_empty() {
            return Judgement::new(
                Verdict::Unverified,
                None,
                format!("not checked: no rule of {name} gives a combined strength such as {s}"),
            );
        }
        let evals: Vec<Eval> = candidates.iter().map(|r| evaluate(drug, r, d)).collect();
        let mut best = &evals[0];
        for e in &evals[1..] {
            if e.key() > best.key() || (e.key() == best.key() && e.nearer_than(best)) {
                best = e;
            }
        }
        let reg = best.reg;
        let rule = Some(reg.id.as_str());
        let src = format!(" ({})", reg.source_name);
        if best.all_ok() {
            return judge_schedule(name, reg, d, &s, best.converted.ok());
        }

        // Failures are reported in this order: unit, frequency, amount, route.
        if let Err(issue) = best.converted {
            if let Some((as_read, r)) = reinterpretation(drug, d) {
                return Judgement::new(
                    Verdict::WrongUnit,
                    Some(&r.id),
                    format!(
                        "wrong unit: {s} fits only as {as_read}; expected {} ({})",
                        r.describe(),
                        r.source_name
                    ),
                );
            }
            if let Some(j) = frequency_fits_no_rule(drug, d) {
                return j;
            }
            return match issue {
                UnitIssue::Basis if d.basis == DoseBasis::Dose => Judgement::new(
                    Verdict::Unverified,
                    rule,
                    format!(
                        "not checked: {name} is dosed {} ({}), so a fixed dose of {s} needs the \
                         patient's weight or body surface area{src}",
                        basis_words(reg.basis),
                        reg.describe()
                    ),
                ),
                UnitIssue::Basis => Judgement::new(
                    Verdict::WrongUnit,
                    rule,
                    format!(
                        "wrong unit: {name} is dosed {}, not {}; expected {}{src}",
                        basis_words(reg.basis),
                        basis_words(d.basis),
                        reg.describe()
                    ),
                ),
                UnitIssue::Dimension => Judgement::new(
                    Verdict::WrongUnit,
                    rule,
                    format!(
                        "wrong unit: {name} is dosed in {}, not {}; expected {}{src}",
                        reg.unit,
                        d.unit,
                        reg.describe()
                    ),
                ),
            };
        }
        if !best.frequency_ok {
            let freq = d.frequency.as_ref().map_or("", |f| f.label.as_str());
            // Every schedule this amount and route fit, not only the first: rituximab 1 g every
            // 8 weeks is neither two doses 2 weeks apart nor a course every 16 weeks or more.
            let schedules = fits_but(&evals, |e| e.amount.is_ok() && e.route_ok);
            let msg = match &reg.wrong_frequency_message {
                Some(m) => format!("wrong frequency: {m}; the text says {freq}{src}"),
                None if schedules.len() > 1 => format!(
                    "wrong frequency: {name} is given {}, not {freq}{}",
                    described(&schedules, " or "),
                    sources(&schedules)
                ),
                None => format!(
                    "wrong frequency: {name} is given {}, not {freq}; expected {}{src}",
                    reg.frequency_text(),
                    reg.describe()
                ),
            };
            return Judgement::new(Verdict::WrongFrequency, rule, msg);
        }
        if let Err(a) = &best.amount {
            // Within ten times of a regimen of the stated route, the slip is in the number (a
            // tenfold error), not a unit a thousand times off.
            let near = evals.iter().any(|e| {
                e.converted.is_ok()
                    && e.route_ok
                    && e.amount
                        .as_ref()
                        .err()
                        .is_some_and(|i| i.ratio.ln().abs() <= TENFOLD.ln())
            });
            if let Some((as_read, r)) = reinterpretation(drug, d).filter(|_| !near) {
                return Judgement::new(
                    Verdict::WrongUnit,
                    Some(&r.id),
                    format!(
                        "wrong unit: {s} is 1000 times off but fits as {as_read}; expected {} \
                         ({})",
                        r.describe(),
                        r.source_name
                    ),
                );
            }
            // Between two usual doses (methylprednisolone 250 mg: above the daily range, below
            // a pulse), name both rather than pointing to one of them.
            let mut ranges = fits_but(&evals, |e| e.frequency_ok && e.route_ok);
            let ratios = || ranges.iter().filter_map(|e| e.amount.as_ref().err());
            // Between two usual doses. When the regimens differ in a route or frequency the
            // statement does not give (a pulse is intravenous, a daily dose oral), which one is
            // meant is unknown: a question, not an alarm.
            if ratios().any(|i| i.ratio > 1.0) && ratios().any(|i| i.ratio < 1.0) {
                ranges.sort_by(|a, b| a.reg.lowest().total_cmp(&b.reg.lowest()));
                let unsaid = |x: &Eval, y: &Eval| {
                    (d.route.is_none() && x.reg.routes != y.reg.routes)
                        || (d.frequency.is_none() && x.reg.frequency_names != y.reg.frequency_names)
                };
                let open = ranges.iter().any(|x| ranges.iter().any(|y| unsaid(x, y)));
                let (verdict, lead) = if open {
                    (Verdict::Unverified, "check the regimen")
                } else {
                    (Verdict::OutOfRange, "out of range")
                };
                return Judgement::new(
                    verdict,
                    rule,
                    format!(
                        "{lead}: {s} falls between the usual doses {}{}",
                        described(&ranges, " and "),
                        sources(&ranges)
                    ),
                );
            }
            // A range whose low end fits one regimen and its high end another ("40-500 mg").
            if let Some(j) = spanning_regimens(drug, d, &s) {
                return j;
            }
            let mut msg = format!(
                "out of range: {}{}; expected {}",
                a.text,
                slip_hint(a.ratio),
                reg.describe()
            );
            let far_off = a.ratio >= DECIMAL_SLIP_RATIO || a.ratio <= 1.0 / DECIMAL_SLIP_RATIO;
            if far_off && let Some((as_read, _)) = other_basis_fit(drug, d) {
                msg.push_str(&format!("; {as_read} would fit, so check the unit basis"));
            }
            msg.push_str(&src);
            return Judgement::new(Verdict::OutOfRange, rule, msg);
        }
        let route = d.route.map_or("", |r| r.label());
        let msg = match &reg.wrong_route_message {
            Some(m) => format!("wrong route: {m}, not {route}{src}"),
            None => format!(
                "wrong route: {name} is given {}, not {route}{src}",
                reg.routes_text()
            ),
        };
        Judgement::new(Verdict::WrongRoute, rule, msg)
    }
}

/// "check the regimen" when no rule holds the whole of a range but its low end fits one regimen
/// and its high end another, each with the stated frequency and route.
fn spanning_regimens(drug: &Drug, d: &ExtractedDose, s: &str) -> Option<Judgement> {
    if d.low >= d.high {
        return None;
    }
    let fits = |v: f64| {
        drug.regimens.iter().find(|r| {
            let mut one = d.clone();
            one.low = v;
            one.high = v;
            evaluate(drug, r, &one).all_ok()
        })
    };
    let (a, b) = (fits(d.low)?, fits(d.high)?);
    if a.id == b.id {
        return None;
    }
    Some(Judgement::new(
        Verdict::Unverified,
        Some(&a.id),
        format!(
            "check the regimen: {s} runs from {} into {} ({}; {})",
            a.describe(),
            b.describe(),
            a.source_name,
            b.source_name
        ),
    ))
}

/// The rules whose unit and basis fit the statement and which pass `keep`: those that differ from
/// it in one respect only.
fn fits_but<'a, 'r>(evals: &'a [Eval<'r>], keep: impl Fn(&Eval) -> bool) -> Vec<&'a Eval<'r>> {
    evals
        .iter()
        .filter(|e| e.converted.is_ok() && keep(e))
        .collect()
}

/// "500–1000 mg every 2 weeks (at most 2 doses) or 500–1000 mg every 16 weeks or less often".
fn described(evals: &[&Eval], joiner: &str) -> String {
    evals
        .iter()
        .map(|e| match e.reg.max_doses {
            Some(n) => format!("{} (at most {n} doses)", e.reg.describe()),
            None => e.reg.describe(),
        })
        .collect::<Vec<_>>()
        .join(joiner)
}

/// " (Rituxan label)", each source's short name once.
fn sources(evals: &[&Eval]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for e in evals {
        if !names.contains(&e.reg.source_name.as_str()) {
            names.push(&e.reg.source_name);
        }
    }
    format!(" ({})", names.join("; "))
}

/// A frequency that no rule of the drug allows is wrong whatever the amount (a once-daily
/// extended-release form written "twice daily").
fn frequency_fits_no_rule(drug: &Drug, d: &ExtractedDose) -> Option<Judgement> {
    let f = d.frequency.as_ref()?;
    if drug.regimens.iter().any(|r| r.frequency_ok(Some(f))) {
        return None;
    }
    let reg = drug.regimens.first()?;
    let allowed: Vec<String> = drug.regimens.iter().map(Regimen::frequency_text).collect();
    let msg = match &reg.wrong_frequency_message {
        Some(m) => format!("wrong frequency: {m}; the text says {}", f.label),
        None => format!(
            "wrong frequency: {} is given {}, not {}",
            drug.name,
            allowed.join(" or "),
            f.label
        ),
    };
    Some(Judgement::new(
        Verdict::WrongFrequency,
        Some(&reg.id),
        format!("{msg} ({})", reg.source_name),
    ))
}

/// The checks of a dose whose amount, unit, frequency and route fit `reg`: a frequency the rule
/// requires, the number of doses, the total of a course and how often it is repeated.
fn judge_schedule(
    name: &str,
    reg: &Regimen,
    d: &ExtractedDose,
    s: &str,
    amount: Option<(f64, f64)>,
) -> Judgement {
    let rule = Some(reg.id.as_str());
    let src = format!(" ({})", reg.source_name);
    if reg.frequency_required && d.frequency.is_none() {
        return Judgement::new(
            Verdict::MissingFrequency,
            rule,
            format!(
                "missing frequency: {name} {s} does not say how often; expected {}{src}",
                reg.describe()
            ),
        );
    }
    if let (Some(max), Some(_)) = (reg.max_doses, &d.frequency) {
        match d.doses {
            None => {
                return Judgement::new(
                    Verdict::MissingDoseCount,
                    rule,
                    format!(
                        "missing number of doses: {name} {s} is given for at most {max} doses; \
                         expected {}{src}",
                        reg.describe()
                    ),
                );
            }
            Some(n) if n > max => {
                return Judgement::new(
                    Verdict::TooManyDoses,
                    rule,
                    format!(
                        "too many doses: {n} doses of {name} {s}; at most {max} ({}){src}",
                        reg.describe()
                    ),
                );
            }
            Some(_) => {}
        }
    }
    if let (Some(max), Some(dur), Some((_, hi)), Some(f)) =
        (reg.max_course, &d.duration, amount, &d.frequency)
    {
        let per_day = if f.amount_per_day {
            Some(hi)
        } else {
            f.doses_per_day.map(|k| hi * f64::from(k))
        };
        if let Some(per_day) = per_day {
            let course = per_day * dur.high_days();
            if !within(course, 0.0, max) {
                return Judgement::new(
                    Verdict::CourseOverLimit,
                    rule,
                    format!(
                        "course over the limit: {s} for {dur} is {} per course; at most {} per \
                         course{src}",
                        amount_text(course, course, reg.unit, reg.basis),
                        amount_text(max, max, reg.unit, reg.basis)
                    ),
                );
            }
        }
    }
    if let (Some(rep), Some(min)) = (&d.repeat, &reg.course_repeat)
        && rep.per_week_low > min.per_week_high * (1.0 + RATE_TOLERANCE)
    {
        return Judgement::new(
            Verdict::WrongFrequency,
            rule,
            format!(
                "wrong frequency: courses repeated {} are too close; at most {}{src}",
                rep.label,
                reg.course_repeat_name.as_deref().unwrap_or_default()
            ),
        );
    }
    if let (Some(max), Some((rate, unit))) = (reg.max_rate, d.rate)
        && let Some(per_minute) = convert(rate, unit, reg.unit, None)
        && !within(per_minute, 0.0, max)
    {
        return Judgement::new(
            Verdict::OutOfRange,
            rule,
            format!(
                "out of range: given at {} {}/min, faster than the maximum rate of {} {}/min{src}",
                fmt_number(per_minute),
                reg.unit,
                fmt_number(max),
                reg.unit
            ),
        );
    }
    let mut msg = format!("ok: within {}", reg.describe());
    if let (Some(max), Some(_)) = (reg.max_rate, d.rate) {
        msg.push_str(&format!(
            "; the rate is within the maximum of {} {}/min",
            fmt_number(max),
            reg.unit
        ));
    }
    if d.frequency.is_none() {
        msg.push_str("; the frequency is not stated");
    }
    msg.push_str(&src);
    Judgement::new(Verdict::Ok, rule, msg)
}

fn judge_class(drug: &Drug, d: &ExtractedDose, s: &str) -> Judgement {
    let name = &drug.name;
    if let Some(c) = d.comparator {
        for t in &drug.thresholds {
            let same_amount = d.basis == t.basis
                && convert(d.low, d.unit, t.unit, None)
                    .is_some_and(|v| within(v, t.amount, t.amount) && within(t.amount, v, v))
                && d.low == d.high;
            let same_direction = c.is_lower_bound() == t.comparator.is_lower_bound();
            let same_duration = match (&d.duration, &t.duration) {
                (Some(a), Some(b)) => {
                    a.comparator.is_none_or(|c| {
                        Some(c.is_lower_bound()) == b.comparator.map(Comparator::is_lower_bound)
                    }) && (a.low_days() - b.low_days()).abs() <= b.low_days() * DURATION_TOLERANCE
                }
                _ => true,
            };
            if same_amount && same_direction && same_duration {
                let mut msg = format!("ok: matches the threshold {}", threshold_text(t));
                if d.duration.is_none() && t.duration.is_some() {
                    msg.push_str("; the duration is not stated");
                }
                msg.push_str(&format!(" ({})", t.source_name));
                return Judgement::new(Verdict::Ok, Some(&t.id), msg);
            }
        }
    }
    let mut msg = format!("not checked: \"{name}\" is a class of drugs, not one drug ({s})");
    if !drug.thresholds.is_empty() {
        let known: Vec<String> = drug.thresholds.iter().map(threshold_text).collect();
        msg.push_str(&format!(
            "; only its thresholds ({}) are checked",
            known.join("; ")
        ));
    }
    Judgement::new(Verdict::Unverified, None, msg)
}

/// "≥20 mg prednisone-equivalent for ≥4 weeks".
fn threshold_text(t: &Threshold) -> String {
    let mut x = format!(
        "{}{}",
        t.comparator.symbol(),
        amount_text(t.amount, t.amount, t.unit, t.basis)
    );
    if let Some(eq) = &t.equivalent {
        x.push_str(&format!(" {eq}-equivalent"));
    }
    if let Some(dur) = &t.duration {
        x.push_str(&format!(" for {dur}"));
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dosing::extract_claims;

    const RULES: &str = r#"
[[drug]]
name = "weeklydrug"
  [[drug.regimen]]
  id = "weeklydrug-weekly"
  indication = "test"
  routes = ["oral"]
  basis = "dose"
  unit = "mg"
  min = 10
  max = 20
  frequencies = ["weekly"]
  source = "test"
  source_name = "test"
  wrong_frequency_message = "weeklydrug is given once weekly"

[[drug]]
name = "splitdrug"
  [[drug.regimen]]
  id = "splitdrug-bid"
  indication = "test"
  routes = ["oral"]
  basis = "dose"
  unit = "mg"
  min = 500
  max = 1500
  min_daily = 1000
  max_daily = 3000
  frequencies = ["twice daily"]
  source = "test"
  source_name = "test"

[[drug]]
name = "kgdrug"
  [[drug.regimen]]
  id = "kgdrug-course"
  indication = "test"
  routes = ["intravenous"]
  basis = "kg"
  unit = "g"
  min = 1
  max = 2
  frequencies = ["every 4 weeks"]
  source = "test"
  source_name = "test"

[[drug]]
name = "twodrug"
  [[drug.regimen]]
  id = "twodrug-low"
  indication = "test"
  routes = ["oral"]
  basis = "dose"
  unit = "mg"
  min = 4
  max = 160
  frequencies = ["daily"]
  source = "test"
  source_name = "low source"
  [[drug.regimen]]
  id = "twodrug-high"
  indication = "test"
  routes = ["oral"]
  basis = "dose"
  unit = "mg"
  min = 500
  max = 1000
  frequencies = ["daily"]
  source = "test"
  source_name = "high source"

[[drug]]
name = "coursedrug"
  [[drug.regimen]]
  id = "coursedrug-pair"
  indication = "test"
  routes = ["intravenous"]
  basis = "dose"
  unit = "mg"
  min = 500
  max = 1000
  frequencies = ["every 2 weeks"]
  max_doses = 2
  source = "test"
  source_name = "test"
  [[drug.regimen]]
  id = "coursedrug-repeat"
  indication = "test"
  routes = ["intravenous"]
  basis = "dose"
  unit = "mg"
  min = 500
  max = 1000
  frequencies = ["every 16 weeks"]
  longer_intervals = true
  source = "test"
  source_name = "test"
"#;

    fn judged(text: &str) -> Judgement {
        let rules = DosingRules::from_toml_str(RULES, "test").expect("test rules load");
        let doses = extract_claims(&rules, text);
        assert_eq!(doses.len(), 1, "{text}: {doses:?}");
        rules.judge(&doses[0])
    }

    fn verdict(text: &str) -> Verdict {
        judged(text).verdict
    }

    #[test]
    fn a_daily_total_is_checked_against_daily_bounds_when_given_twice_daily() {
        assert_eq!(verdict("splitdrug 2 g daily"), Verdict::Ok);
        assert_eq!(
            verdict("splitdrug 2 g/day in two divided doses"),
            Verdict::Ok
        );
        assert_eq!(verdict("splitdrug 500 mg daily"), Verdict::OutOfRange);
        assert_eq!(verdict("splitdrug 2 g twice daily"), Verdict::OutOfRange);
    }

    #[test]
    fn derived_daily_bounds_use_the_allowed_doses_per_day() {
        let rules = DosingRules::from_toml_str(
            &RULES.replace("min_daily = 1000\n  max_daily = 3000\n", ""),
            "test",
        )
        .expect("loads");
        let reg = &rules.drug("splitdrug").expect("drug").regimens[0];
        assert_eq!(reg.daily_bounds(), Some((1000.0, 3000.0)));
    }

    #[test]
    fn daily_dosing_of_a_weekly_drug_is_wrong_frequency_with_the_rule_message() {
        let rules = DosingRules::from_toml_str(RULES, "test").expect("loads");
        let doses = extract_claims(&rules, "weeklydrug 15 mg daily");
        let j = rules.judge(&doses[0]);
        assert_eq!(j.verdict, Verdict::WrongFrequency);
        assert!(
            j.message
                .starts_with("wrong frequency: weeklydrug is given once weekly"),
            "{}",
            j.message
        );
    }

    #[test]
    fn thousandfold_unit_slips_are_wrong_unit_and_tenfold_is_out_of_range() {
        assert_eq!(verdict("kgdrug 2 mg/kg"), Verdict::WrongUnit);
        assert_eq!(verdict("weeklydrug 15 mcg weekly"), Verdict::WrongUnit);
        assert_eq!(verdict("weeklydrug 150 mg weekly"), Verdict::OutOfRange);
        assert_eq!(verdict("weeklydrug 1.5 mg weekly"), Verdict::OutOfRange);
    }

    #[test]
    fn a_fixed_dose_of_a_weight_based_drug_cannot_be_checked() {
        assert_eq!(verdict("kgdrug 140 g"), Verdict::Unverified);
    }

    #[test]
    fn unstated_route_and_frequency_are_not_errors() {
        assert_eq!(verdict("kgdrug 2 g/kg"), Verdict::Ok);
        assert_eq!(verdict("kgdrug 2 g/kg orally"), Verdict::WrongRoute);
    }

    #[test]
    fn an_amount_between_two_rules_names_both_in_order() {
        let j = judged("twodrug 250 mg daily");
        assert_eq!(j.verdict, Verdict::OutOfRange);
        assert!(
            j.message.contains(
                "out of range: 250 mg daily falls between the usual doses 4–160 mg daily and 500–1000 mg daily \
                 (low source; high source)"
            ),
            "{}",
            j.message
        );
    }

    #[test]
    fn between_two_regimens_of_another_route_asks_to_check_the_regimen() {
        let toml = r#"
[[drug]]
name = "routedrug"
  [[drug.regimen]]
  id = "routedrug-oral"
  indication = "test"
  routes = ["oral"]
  basis = "dose"
  unit = "mg"
  min = 4
  max = 160
  frequencies = ["daily"]
  source = "test"
  source_name = "oral source"
  [[drug.regimen]]
  id = "routedrug-pulse"
  indication = "test"
  routes = ["intravenous"]
  basis = "dose"
  unit = "mg"
  min = 250
  max = 1000
  frequencies = ["daily"]
  source = "test"
  source_name = "pulse source"
"#;
        let rules = DosingRules::from_toml_str(toml, "test").expect("loads");
        let j = rules.judge(&extract_claims(&rules, "routedrug 200 mg daily")[0]);
        assert_eq!(j.verdict, Verdict::Unverified, "{}", j.message);
        assert!(
            j.message.starts_with("check the regimen: "),
            "{}",
            j.message
        );
        let j = rules.judge(&extract_claims(&rules, "routedrug 40-500 mg daily")[0]);
        assert_eq!(j.verdict, Verdict::Unverified, "{}", j.message);
        assert!(
            j.message.starts_with("check the regimen: "),
            "{}",
            j.message
        );
        let j = rules.judge(&extract_claims(&rules, "routedrug 2000 mg daily")[0]);
        assert_eq!(j.verdict, Verdict::OutOfRange, "{}", j.message);
    }

    #[test]
    fn a_miss_is_reported_against_the_nearest_rule() {
        let j = judged("twodrug 2 mg daily");
        assert_eq!(j.rule.as_deref(), Some("twodrug-low"));
        assert!(j.message.contains("minimum of 4 mg"), "{}", j.message);
        assert!(!j.message.contains("decimal"), "{}", j.message);
    }

    #[test]
    fn a_wrong_frequency_names_every_schedule_the_amount_fits() {
        let j = judged("coursedrug 1000 mg IV every 8 weeks");
        assert_eq!(j.verdict, Verdict::WrongFrequency);
        assert!(
            j.message.contains(
                "500–1000 mg every 2 weeks (at most 2 doses) or 500–1000 mg every 16 weeks or \
                 less often, not every 8 weeks (test)"
            ),
            "{}",
            j.message
        );
    }
}

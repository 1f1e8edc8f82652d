//! The dosing rules of `corpus/dosing/rules.toml`: loading and validating them, matching drug
//! names, and judging an extracted dose against them. Every number comes from the rules file,
//! where each rule names its source; this module must never hold a dose range of its own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use crate::contracts::{DoseBasis, Verdict};

use super::DosingError;
use super::extract::{ExtractedDose, Token, tokenize};
use super::units::{
    Comparator, Duration, Frequency, Route, Unit, basis_from_rule_name, basis_suffix, convert,
    fmt_number, phrase_at,
};

/// Relative slack when comparing amounts (floating point, "1,000" vs "1 g").
const AMOUNT_EPSILON: f64 = 1e-9;
/// Relative slack when comparing durations ("4 weeks" vs "30 days" is not the same, "1 month"
/// vs "4 weeks" is).
const DURATION_TOLERANCE: f64 = 0.1;
/// From how many times outside the range a message suggests a misplaced decimal point.
const DECIMAL_SLIP_RATIO: f64 = 5.0;

/// The loaded, validated dosing rules.
#[derive(Debug, Clone)]
pub struct DosingRules {
    origin: String,
    drugs: Vec<Drug>,
    /// First token of a name → (all tokens of the name, index of the drug), longest first.
    names: BTreeMap<String, Vec<(Vec<String>, usize)>>,
}

/// A drug (or a drug class) with its names and rules.
#[derive(Debug, Clone)]
pub struct Drug {
    pub name: String,
    pub synonyms: Vec<String>,
    /// A class ("corticosteroids"): it has thresholds, never a dose range of its own.
    pub class: bool,
    /// International units per microgram, where the drug is dosed in IU (vitamin D: 40).
    pub iu_per_mcg: Option<f64>,
    pub regimens: Vec<Regimen>,
    pub thresholds: Vec<Threshold>,
}

/// One rule: how a drug is dosed for one indication and route.
#[derive(Debug, Clone)]
pub struct Regimen {
    pub id: String,
    pub indication: String,
    pub routes: Vec<Route>,
    pub basis: DoseBasis,
    pub unit: Unit,
    /// Bounds of each dose.
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Bounds of a day's total.
    pub min_daily: Option<f64>,
    pub max_daily: Option<f64>,
    pub frequencies: Vec<Frequency>,
    pub frequency_names: Vec<String>,
    /// How long it is given, as the source says (informational).
    pub duration: Option<String>,
    pub source: String,
    pub note: Option<String>,
    pub wrong_frequency_message: Option<String>,
    pub wrong_route_message: Option<String>,
}

/// A sourced threshold for a class ("≥20 mg prednisone-equivalent for ≥4 weeks").
#[derive(Debug, Clone)]
pub struct Threshold {
    pub id: String,
    pub comparator: Comparator,
    pub amount: f64,
    pub unit: Unit,
    pub basis: DoseBasis,
    pub duration: Option<Duration>,
    /// The drug the amount is expressed in ("prednisone").
    pub equivalent: Option<String>,
    pub source: String,
    pub note: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// The file's shape

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDrug {
    name: String,
    #[serde(default)]
    synonyms: Vec<String>,
    #[serde(default)]
    class: bool,
    #[serde(default)]
    iu_per_mcg: Option<f64>,
    #[serde(default)]
    regimen: Vec<toml::Value>,
    #[serde(default)]
    threshold: Vec<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegimen {
    id: String,
    indication: String,
    routes: Vec<String>,
    basis: String,
    unit: String,
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<f64>,
    #[serde(default)]
    min_daily: Option<f64>,
    #[serde(default)]
    max_daily: Option<f64>,
    frequencies: Vec<String>,
    #[serde(default)]
    duration: Option<String>,
    source: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    wrong_frequency_message: Option<String>,
    #[serde(default)]
    wrong_route_message: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThreshold {
    id: String,
    comparator: String,
    amount: f64,
    unit: String,
    #[serde(default = "default_basis")]
    basis: String,
    #[serde(default)]
    duration: Option<String>,
    #[serde(default)]
    equivalent: Option<String>,
    source: String,
    #[serde(default)]
    note: Option<String>,
}

fn default_basis() -> String {
    "dose".into()
}

/// The id a table gives itself, for error messages before it is validated.
fn table_id(value: &toml::Value, key: &str, fallback: String) -> String {
    value
        .get(key)
        .and_then(toml::Value::as_str)
        .map_or(fallback, str::to_string)
}

impl DosingRules {
    /// Loads and validates the rules file.
    pub fn load(path: &Path) -> Result<DosingRules, DosingError> {
        let text = std::fs::read_to_string(path).map_err(|source| DosingError::Read {
            path: path.display().to_string(),
            source,
        })?;
        DosingRules::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses and validates rules from TOML text; `origin` names it in errors.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<DosingRules, DosingError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| DosingError::Syntax {
            origin: origin.to_string(),
            message: e.to_string().trim().to_string(),
        })?;
        let invalid = |rule: &str, problem: String| DosingError::InvalidRule {
            origin: origin.to_string(),
            rule: rule.to_string(),
            problem,
        };
        for key in table.keys() {
            if key != "drug" {
                return Err(invalid(
                    key,
                    format!("unknown top-level key `{key}`; the file holds only [[drug]] tables"),
                ));
            }
        }
        // A file with no rules at all is a mistake unless it says so with `drug = []` (a corpus
        // whose doses nobody has written rules for: every dose is then `unverified`, and doses
        // missing from the cited passages are still `not_in_sources`).
        let raw_drugs = match table.get("drug") {
            Some(toml::Value::Array(a)) => a.clone(),
            Some(_) => {
                return Err(invalid(
                    "drug",
                    "`drug` must be an array of [[drug]] tables".into(),
                ));
            }
            None => {
                return Err(invalid(
                    "drug",
                    "no [[drug]] tables: the file holds no rules (write `drug = []` if the corpus has none on purpose)".into(),
                ));
            }
        };

        let mut drugs = Vec::new();
        let mut ids = BTreeSet::new();
        for (n, value) in raw_drugs.into_iter().enumerate() {
            let label = table_id(&value, "name", format!("drug #{}", n + 1));
            let raw: RawDrug = value
                .try_into()
                .map_err(|e: toml::de::Error| invalid(&label, e.to_string().trim().to_string()))?;
            let drug =
                validate_drug(raw, &label, &mut ids).map_err(|(rule, p)| invalid(&rule, p))?;
            drugs.push(drug);
        }

        let mut names: BTreeMap<String, Vec<(Vec<String>, usize)>> = BTreeMap::new();
        let mut owner: BTreeMap<Vec<String>, usize> = BTreeMap::new();
        for (idx, drug) in drugs.iter().enumerate() {
            for name in std::iter::once(&drug.name).chain(&drug.synonyms) {
                let toks: Vec<String> = tokenize(name).into_iter().map(|t| t.lower).collect();
                if toks.is_empty() {
                    return Err(invalid(&drug.name, "a name or synonym is empty".into()));
                }
                match owner.get(&toks) {
                    Some(&other) if other != idx => {
                        return Err(invalid(
                            &drug.name,
                            format!(
                                "the name \"{name}\" is also a name of {}",
                                drugs[other].name
                            ),
                        ));
                    }
                    Some(_) => continue,
                    None => {
                        owner.insert(toks.clone(), idx);
                    }
                }
                names.entry(toks[0].clone()).or_default().push((toks, idx));
            }
        }
        for list in names.values_mut() {
            list.sort_by_key(|x| std::cmp::Reverse(x.0.len()));
        }
        Ok(DosingRules {
            origin: origin.to_string(),
            drugs,
            names,
        })
    }

    /// Where the rules came from (a path or a label).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn drugs(&self) -> &[Drug] {
        &self.drugs
    }

    /// A drug by its canonical name.
    pub fn drug(&self, name: &str) -> Option<&Drug> {
        self.drugs.iter().find(|d| d.name == name)
    }

    /// Every rule id (regimens and thresholds), in file order.
    pub fn rule_ids(&self) -> Vec<&str> {
        self.drugs
            .iter()
            .flat_map(|d| {
                d.regimens
                    .iter()
                    .map(|r| r.id.as_str())
                    .chain(d.thresholds.iter().map(|t| t.id.as_str()))
            })
            .collect()
    }

    /// The longest drug name starting at token `i`: (canonical name, end token).
    pub(crate) fn match_name(
        &self,
        toks: &[Token],
        i: usize,
        limit: usize,
    ) -> Option<(&str, usize)> {
        let first = toks.get(i)?;
        let candidates = self.names.get(&first.lower)?;
        let mut best: Option<(usize, usize)> = None;
        for (phrase, idx) in candidates {
            if let Some(end) = phrase_at(toks, i, limit, phrase)
                && best.is_none_or(|(e, _)| end > e)
            {
                best = Some((end, *idx));
            }
        }
        best.and_then(|(end, idx)| self.drugs.get(idx).map(|d| (d.name.as_str(), end)))
    }
}

fn validate_drug(
    raw: RawDrug,
    label: &str,
    ids: &mut BTreeSet<String>,
) -> Result<Drug, (String, String)> {
    let err = |rule: &str, p: String| (rule.to_string(), p);
    if raw.name.trim().is_empty() {
        return Err(err(label, "`name` is empty".into()));
    }
    if raw.synonyms.iter().any(|s| s.trim().is_empty()) {
        return Err(err(label, "a synonym is empty".into()));
    }
    if let Some(k) = raw.iu_per_mcg
        && !(k.is_finite() && k > 0.0)
    {
        return Err(err(
            label,
            format!("`iu_per_mcg` must be a positive number, not {k}"),
        ));
    }
    if raw.class && !raw.regimen.is_empty() {
        return Err(err(
            label,
            "a drug class has no dose range of its own: give it [[drug.threshold]] tables, not \
             [[drug.regimen]]"
                .into(),
        ));
    }
    if !raw.class && !raw.threshold.is_empty() {
        return Err(err(
            label,
            "only a drug class (`class = true`) has thresholds".into(),
        ));
    }

    let mut regimens = Vec::new();
    for (n, value) in raw.regimen.into_iter().enumerate() {
        let id = table_id(&value, "id", format!("{label} regimen #{}", n + 1));
        let r: RawRegimen = value
            .try_into()
            .map_err(|e: toml::de::Error| err(&id, e.to_string().trim().to_string()))?;
        let regimen = validate_regimen(r).map_err(|p| err(&id, p))?;
        if !ids.insert(regimen.id.clone()) {
            return Err(err(
                &id,
                "this id is used by another rule; ids must be unique".into(),
            ));
        }
        regimens.push(regimen);
    }
    let mut thresholds = Vec::new();
    for (n, value) in raw.threshold.into_iter().enumerate() {
        let id = table_id(&value, "id", format!("{label} threshold #{}", n + 1));
        let t: RawThreshold = value
            .try_into()
            .map_err(|e: toml::de::Error| err(&id, e.to_string().trim().to_string()))?;
        let threshold = validate_threshold(t).map_err(|p| err(&id, p))?;
        if !ids.insert(threshold.id.clone()) {
            return Err(err(
                &id,
                "this id is used by another rule; ids must be unique".into(),
            ));
        }
        thresholds.push(threshold);
    }
    Ok(Drug {
        name: raw.name.trim().to_string(),
        synonyms: raw.synonyms.iter().map(|s| s.trim().to_string()).collect(),
        class: raw.class,
        iu_per_mcg: raw.iu_per_mcg,
        regimens,
        thresholds,
    })
}

fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "id \"{id}\" must be non-empty and made of letters, digits and hyphens"
        ));
    }
    Ok(())
}

fn check_source(source: &str) -> Result<(), String> {
    if source.trim().is_empty() {
        return Err(
            "`source` is empty: name the reference note, the drug label or the guideline the \
             numbers come from"
                .into(),
        );
    }
    Ok(())
}

fn check_amount_value(key: &str, v: Option<f64>) -> Result<(), String> {
    match v {
        Some(v) if !(v.is_finite() && v > 0.0) => {
            Err(format!("`{key}` must be a positive number, not {v}"))
        }
        _ => Ok(()),
    }
}

fn validate_regimen(r: RawRegimen) -> Result<Regimen, String> {
    check_id(&r.id)?;
    check_source(&r.source)?;
    if r.indication.trim().is_empty() {
        return Err("`indication` is empty".into());
    }
    let basis = basis_from_rule_name(&r.basis).ok_or_else(|| {
        format!(
            "unknown basis \"{}\"; use \"dose\", \"kg\" or \"m2\"",
            r.basis
        )
    })?;
    let unit = Unit::from_rule_name(&r.unit)
        .ok_or_else(|| format!("unknown unit \"{}\"; use g, mg, mcg or IU", r.unit))?;
    if r.routes.is_empty() {
        return Err("`routes` is empty: list the routes it is given by".into());
    }
    let routes = r
        .routes
        .iter()
        .map(|s| {
            Route::from_rule_name(s).ok_or_else(|| {
                format!(
                    "unknown route \"{s}\"; use oral, intravenous, subcutaneous or intramuscular"
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if r.frequencies.is_empty() {
        return Err("`frequencies` is empty: list how often it is given".into());
    }
    let frequencies = r
        .frequencies
        .iter()
        .map(|s| {
            Frequency::from_rule_name(s).ok_or_else(|| {
                format!(
                    "unknown frequency \"{s}\"; write it as text would, e.g. \"daily\", \"twice \
                     daily\", \"weekly\", \"three times weekly\", \"every 4-6 weeks\""
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    for (k, v) in [
        ("min", r.min),
        ("max", r.max),
        ("min_daily", r.min_daily),
        ("max_daily", r.max_daily),
    ] {
        check_amount_value(k, v)?;
    }
    match (r.min, r.max) {
        (Some(a), Some(b)) if a > b => return Err(format!("min ({a}) is greater than max ({b})")),
        (Some(_), None) | (None, Some(_)) => {
            return Err("give both `min` and `max` (per dose), or neither".into());
        }
        _ => {}
    }
    if let (Some(a), Some(b)) = (r.min_daily, r.max_daily)
        && a > b
    {
        return Err(format!("min_daily ({a}) is greater than max_daily ({b})"));
    }
    if let (Some(a), Some(b)) = (r.min, r.max_daily)
        && a > b
    {
        return Err(format!("min ({a}) is greater than max_daily ({b})"));
    }
    if r.min.is_none() && r.min_daily.is_none() && r.max_daily.is_none() {
        return Err("no amounts: give `min` and `max` per dose, or `min_daily`/`max_daily`".into());
    }
    if r.min.is_none() && (r.min_daily.is_none() || r.max_daily.is_none()) {
        return Err("without per-dose `min`/`max`, give both `min_daily` and `max_daily`".into());
    }
    if let Some(d) = &r.duration
        && Duration::from_rule_name(d).is_none()
    {
        return Err(format!(
            "duration \"{d}\" is not a duration such as \"3-5 days\""
        ));
    }
    Ok(Regimen {
        id: r.id,
        indication: r.indication.trim().to_string(),
        routes,
        basis,
        unit,
        min: r.min,
        max: r.max,
        min_daily: r.min_daily,
        max_daily: r.max_daily,
        frequencies,
        frequency_names: r.frequencies,
        duration: r.duration,
        source: r.source.trim().to_string(),
        note: r.note,
        wrong_frequency_message: r.wrong_frequency_message,
        wrong_route_message: r.wrong_route_message,
    })
}

fn validate_threshold(t: RawThreshold) -> Result<Threshold, String> {
    check_id(&t.id)?;
    check_source(&t.source)?;
    let comparator = Comparator::from_rule_name(&t.comparator).ok_or_else(|| {
        format!(
            "unknown comparator \"{}\"; use >=, >, <= or <",
            t.comparator
        )
    })?;
    check_amount_value("amount", Some(t.amount))?;
    let unit = Unit::from_rule_name(&t.unit)
        .ok_or_else(|| format!("unknown unit \"{}\"; use g, mg, mcg or IU", t.unit))?;
    let basis = basis_from_rule_name(&t.basis).ok_or_else(|| {
        format!(
            "unknown basis \"{}\"; use \"dose\", \"kg\" or \"m2\"",
            t.basis
        )
    })?;
    let duration =
        match &t.duration {
            Some(d) => Some(Duration::from_rule_name(d).ok_or_else(|| {
                format!("duration \"{d}\" is not a duration such as \">= 4 weeks\"")
            })?),
            None => None,
        };
    Ok(Threshold {
        id: t.id,
        comparator,
        amount: t.amount,
        unit,
        basis,
        duration,
        equivalent: t.equivalent,
        source: t.source.trim().to_string(),
        note: t.note,
    })
}

// ---------------------------------------------------------------------------------------------
// Judging

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
            Some(f) if f.is_plain_daily() => self.allows_rate(7.0) || self.allows_more_than_daily(),
            Some(f) if f.amount_per_day && f.doses_per_day.is_none() => {
                self.allows_more_than_daily()
            }
            Some(f) => self.frequencies.iter().any(|a| f.within(a)),
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

    /// "7.5–25 mg weekly", "500–1500 mg twice daily (1000–3000 mg/day)".
    fn describe(&self) -> String {
        let freqs = self.frequency_names.join(" or ");
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
    let amount = match converted {
        Ok((lo, hi)) => reg.check_amount(lo, hi, d.frequency.as_ref()),
        Err(_) => Err(AmountIssue {
            text: String::new(),
            ratio: 1.0,
        }),
    };
    Eval {
        reg,
        converted,
        amount,
        frequency_ok: reg.frequency_ok(d.frequency.as_ref()),
        route_ok: d.route.is_none_or(|r| reg.routes.contains(&r)),
    }
}

/// A dose re-read in another unit or basis fits some rule: the likely slip.
fn reinterpretation<'a>(drug: &'a Drug, d: &ExtractedDose) -> Option<(String, &'a Regimen)> {
    let fits = |unit: Unit, basis: DoseBasis| {
        drug.regimens.iter().find(|r| {
            r.basis == basis
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
            "; that is about {} times the maximum: check for a misplaced decimal point or an \
             extra zero",
            fmt_number(ratio.round())
        )
    } else if ratio > 0.0 && ratio <= 1.0 / DECIMAL_SLIP_RATIO {
        format!(
            "; that is about 1/{} of the minimum: check for a misplaced decimal point",
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
                format!(
                    "no drug is named with {s}, so it cannot be checked against a rule; name the \
                     drug next to the dose"
                ),
            );
        };
        let Some(drug) = self.drug(name) else {
            return Judgement::new(
                Verdict::Unverified,
                None,
                format!("no dosing rule covers {name}"),
            );
        };
        if drug.class {
            return judge_class(drug, d, &s);
        }
        if drug.regimens.is_empty() {
            return Judgement::new(
                Verdict::Unverified,
                None,
                format!("no dosing rule covers {name}, so {s} is not checked"),
            );
        }
        let evals: Vec<Eval> = drug.regimens.iter().map(|r| evaluate(drug, r, d)).collect();
        let mut best = &evals[0];
        for e in &evals[1..] {
            if e.key() > best.key() {
                best = e;
            }
        }
        let reg = best.reg;
        let rule = Some(reg.id.as_str());
        let src = format!(" (rule {}; source: {})", reg.id, reg.source);
        if best.all_ok() {
            let mut msg = format!(
                "{name} {s} is within the usual {} for {}",
                reg.describe(),
                reg.indication
            );
            if d.frequency.is_none() {
                msg.push_str("; the frequency is not stated, so only the amount, unit and route were checked");
            }
            if let Some(note) = &reg.note {
                msg.push_str("; ");
                msg.push_str(note);
            }
            msg.push_str(&src);
            return Judgement::new(Verdict::Ok, rule, msg);
        }

        // Failures are reported in this order: unit, frequency, amount, route.
        if let Err(issue) = best.converted {
            if let Some((as_read, r)) = reinterpretation(drug, d) {
                return Judgement::new(
                    Verdict::WrongUnit,
                    Some(&r.id),
                    format!(
                        "{name} is dosed {} in {}: the usual dose is {}; {s} fits only if read \
                         as {as_read}, so the unit looks wrong (rule {}; source: {})",
                        basis_words(r.basis),
                        r.unit,
                        r.describe(),
                        r.id,
                        r.source
                    ),
                );
            }
            return match issue {
                UnitIssue::Basis if d.basis == DoseBasis::Dose => Judgement::new(
                    Verdict::Unverified,
                    rule,
                    format!(
                        "{name} is dosed {} ({}), so a total dose of {s} cannot be checked \
                         without the patient's weight or body surface area{src}",
                        basis_words(reg.basis),
                        reg.describe()
                    ),
                ),
                UnitIssue::Basis => Judgement::new(
                    Verdict::WrongUnit,
                    rule,
                    format!(
                        "{name} is dosed {} ({}), not {}: {s} has the wrong unit basis{src}",
                        basis_words(reg.basis),
                        reg.describe(),
                        basis_words(d.basis)
                    ),
                ),
                UnitIssue::Dimension => Judgement::new(
                    Verdict::WrongUnit,
                    rule,
                    format!(
                        "{name} is dosed in {} ({}), not in {}{src}",
                        reg.unit,
                        reg.describe(),
                        d.unit
                    ),
                ),
            };
        }
        let amount_note = |prefix: &str| match &best.amount {
            Err(a) => format!("{prefix}{}{}", a.text, slip_hint(a.ratio)),
            Ok(()) => String::new(),
        };
        if !best.frequency_ok {
            let freq = d.frequency.as_ref().map_or("", |f| f.label.as_str());
            let mut msg = match &reg.wrong_frequency_message {
                Some(m) => format!("{m}; the text says {s}"),
                None => format!(
                    "{name} is given {} for {}, not {freq}: the usual dose is {}",
                    reg.frequency_names.join(" or "),
                    reg.indication,
                    reg.describe()
                ),
            };
            msg.push_str(&amount_note("; also, "));
            msg.push_str(&src);
            return Judgement::new(Verdict::WrongFrequency, rule, msg);
        }
        if let Err(a) = &best.amount {
            if let Some((as_read, r)) = reinterpretation(drug, d) {
                return Judgement::new(
                    Verdict::WrongUnit,
                    Some(&r.id),
                    format!(
                        "{name} {s} is 1000 times off the usual {} for {}, but fits as \
                         {as_read}: the unit looks wrong (rule {}; source: {})",
                        r.describe(),
                        r.indication,
                        r.id,
                        r.source
                    ),
                );
            }
            let mut msg = format!(
                "{name} {s} is outside the usual {} for {}: {}{}",
                reg.describe(),
                reg.indication,
                a.text,
                slip_hint(a.ratio)
            );
            let far_off = a.ratio >= DECIMAL_SLIP_RATIO || a.ratio <= 1.0 / DECIMAL_SLIP_RATIO;
            if far_off && let Some((as_read, _)) = other_basis_fit(drug, d) {
                msg.push_str(&format!(
                    "; {as_read} would be a usual dose, so check the unit basis as well"
                ));
            }
            if !best.route_ok {
                msg.push_str(&format!("; also, it is given {}", reg.routes_text()));
            }
            msg.push_str(&src);
            return Judgement::new(Verdict::OutOfRange, rule, msg);
        }
        let route = d.route.map_or("", |r| r.label());
        let msg = match &reg.wrong_route_message {
            Some(m) => format!("{m}; the text says {route}{src}"),
            None => format!(
                "{name} {s} is given {} for {}, not {route}{src}",
                reg.routes_text(),
                reg.indication
            ),
        };
        Judgement::new(Verdict::WrongRoute, rule, msg)
    }
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
                let mut threshold = format!(
                    "{}{}",
                    t.comparator.symbol(),
                    amount_text(t.amount, t.amount, t.unit, t.basis)
                );
                if let Some(eq) = &t.equivalent {
                    threshold.push_str(&format!(" {eq}-equivalent"));
                }
                if let Some(dur) = &t.duration {
                    threshold.push_str(&format!(" for {dur}"));
                }
                let mut msg = format!("{s} {name} matches the sourced threshold {threshold}");
                if let Some(note) = &t.note {
                    msg.push_str(&format!(" ({note})"));
                }
                if d.duration.is_none() && t.duration.is_some() {
                    msg.push_str("; the duration is not stated");
                }
                msg.push_str(&format!(" (rule {}; source: {})", t.id, t.source));
                return Judgement::new(Verdict::Ok, Some(&t.id), msg);
            }
        }
    }
    let known = drug
        .thresholds
        .iter()
        .map(|t| {
            let mut x = format!(
                "{}{}",
                t.comparator.symbol(),
                amount_text(t.amount, t.amount, t.unit, t.basis)
            );
            if let Some(dur) = &t.duration {
                x.push_str(&format!(" for {dur}"));
            }
            x
        })
        .collect::<Vec<_>>();
    let mut msg = format!(
        "\"{name}\" names a class of drugs, not one drug, so no single dose range applies to {s}"
    );
    if !known.is_empty() {
        msg.push_str(&format!(
            "; for the class only the sourced thresholds ({}) can be checked",
            known.join("; ")
        ));
    }
    msg.push_str("; name the drug to have the dose checked");
    Judgement::new(Verdict::Unverified, None, msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dosing::extract_claims;

    #[test]
    fn no_rules_must_be_said_on_purpose() {
        let blank = DosingRules::from_toml_str("# nothing yet\n", "blank.toml").unwrap_err();
        assert!(blank.to_string().contains("drug = []"), "{blank}");
        let none = DosingRules::from_toml_str("drug = []\n", "none.toml").unwrap();
        assert!(none.drugs().is_empty());
        let report = crate::dosing::check_text(&none, "methotrexate 15 mg daily");
        assert!(
            report
                .claims
                .iter()
                .all(|c| c.verdict == crate::contracts::Verdict::Unverified),
            "with no rules no dose is judged against one: {report:?}"
        );
    }

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
"#;

    fn verdict(text: &str) -> Verdict {
        let rules = DosingRules::from_toml_str(RULES, "test").expect("test rules load");
        let doses = extract_claims(&rules, text);
        assert_eq!(doses.len(), 1, "{text}: {doses:?}");
        rules.judge(&doses[0]).verdict
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
        assert!(j.message.starts_with("weeklydrug is given once weekly"));
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
}

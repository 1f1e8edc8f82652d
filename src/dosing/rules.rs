//! The dosing rules: the general formulary compiled into medcite (`formulary.toml`, beside this
//! file) merged with a corpus's own `dosing/rules.toml`, loading and validating them, and matching
//! drug names in tokens. Judging is `judge`; every number comes from a rules file, where each rule
//! names its source. Imports `tokens`, `units` and `schedule`, never `extract` or `judge`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use crate::contracts::DoseBasis;

use super::duration::Duration;
use super::schedule::Frequency;
use super::tokens::{Token, phrase_at, tokenize};
use super::units::{Comparator, Route, Unit, basis_from_rule_name};

/// The general formulary: rules for the drugs evidence pages commonly dose, each with its source.
/// It applies to every corpus; a corpus's `dosing/rules.toml` adds to it or narrows it.
const FORMULARY: &str = include_str!("formulary.toml");
/// How the formulary is named in messages and errors.
const FORMULARY_ORIGIN: &str = "the compiled formulary (src/dosing/formulary.toml)";

/// Why the dosing rules could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DosingError {
    #[error(
        "cannot read the dosing rules at {path}: {source}; check that the corpus folder has \
         dosing/rules.toml"
    )]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the dosing rules in {origin} are not valid TOML: {message}; fix the file")]
    Syntax { origin: String, message: String },
    #[error("dosing rule `{rule}` in {origin}: {problem}; fix that rule")]
    InvalidRule {
        origin: String,
        rule: String,
        problem: String,
    },
}

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
    /// Said when a dose of a drug without a regimen is reported as not checked ("Sandimmune is
    /// not bioequivalent to Neoral").
    pub note: Option<String>,
    /// Tablet strengths written by name ("DS" = 960 mg), for "one DS tablet".
    pub tablets: Vec<Tablet>,
    /// For a drug without a sourced dose range: how often it is given, so that a wrong
    /// frequency is still caught (an extended-release form written "twice daily").
    pub schedule: Option<Schedule>,
    /// In a corpus file: the drug's rules replace the formulary's instead of adding to them.
    pub narrow: bool,
}

/// How often a drug without a dose range is given, with its source.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub id: String,
    pub frequencies: Vec<Frequency>,
    pub frequency_names: Vec<String>,
    pub source: String,
    pub source_name: String,
    pub wrong_frequency_message: Option<String>,
}

/// A tablet strength named in text ("DS", "double-strength"), as an amount in the rules' unit.
#[derive(Debug, Clone)]
pub struct Tablet {
    pub names: Vec<String>,
    pub amount: f64,
    pub unit: Unit,
    /// The amount is a combined strength: judged only against `combined` rules.
    pub combined: bool,
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
    /// The source's short name, as messages show it ("Rituxan label"; "Cipro label,
    /// unconfirmed" when the rule says its source could not be read).
    pub source_name: String,
    pub note: Option<String>,
    pub wrong_frequency_message: Option<String>,
    pub wrong_route_message: Option<String>,
    /// A statement without a frequency is `missing_frequency`, never `ok` (methotrexate).
    pub frequency_required: bool,
    /// The listed frequencies are the shortest intervals: any longer one is also fine
    /// ("no sooner than every 16 weeks", IVIG maintenance "at decreasing frequency").
    pub longer_intervals: bool,
    /// Most doses on this schedule ("1 g every 2 weeks" ×2); a statement on the schedule must
    /// say how many.
    pub max_doses: Option<u32>,
    /// Most of one course (day's amount × days), in `unit` per `basis`.
    pub max_course: Option<f64>,
    /// How often a course may be repeated at most ("every 4 weeks"): a slower repeat is fine.
    pub course_repeat: Option<Frequency>,
    pub course_repeat_name: Option<String>,
    /// The amounts are a combined strength of two components ("960 mg" = 160 + 800 mg): the only
    /// rules a "160/800 mg" statement is judged against.
    pub combined: bool,
    /// Why the rule's source could not be read and confirmed, when it could not.
    pub unconfirmed: Option<String>,
    /// The largest starting dose the source gives: a dose the text calls a start ("start at",
    /// "initial dose") above it is out of range even inside `max` (carvedilol 31.25 mg).
    pub start_max: Option<f64>,
    /// The fastest the source allows it to be given, in `unit` per minute ("no faster than
    /// 2 mg/min").
    pub max_rate: Option<f64>,
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
    pub source_name: String,
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
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    tablet: Vec<RawTablet>,
    #[serde(default)]
    schedule: Option<RawSchedule>,
    #[serde(default)]
    narrow: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    id: String,
    frequencies: Vec<String>,
    source: String,
    source_name: String,
    #[serde(default)]
    wrong_frequency_message: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTablet {
    names: Vec<String>,
    amount: f64,
    unit: String,
    #[serde(default)]
    combined: bool,
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
    source_name: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    wrong_frequency_message: Option<String>,
    #[serde(default)]
    wrong_route_message: Option<String>,
    #[serde(default)]
    frequency_required: bool,
    #[serde(default)]
    longer_intervals: bool,
    #[serde(default)]
    max_doses: Option<u32>,
    #[serde(default)]
    max_course: Option<f64>,
    #[serde(default)]
    course_repeat: Option<String>,
    #[serde(default)]
    combined: bool,
    #[serde(default)]
    unconfirmed: Option<String>,
    #[serde(default)]
    start_max: Option<f64>,
    #[serde(default)]
    max_rate: Option<f64>,
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
    source_name: String,
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
    /// The rules of a corpus file merged with the compiled formulary (see [`DosingRules::merged`]).
    pub fn load(path: &Path) -> Result<DosingRules, DosingError> {
        let text = std::fs::read_to_string(path).map_err(|source| DosingError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let own = DosingRules::from_toml_str(&text, &path.display().to_string())?;
        DosingRules::formulary()?.merged(own)
    }

    /// The rules for a corpus folder: its `dosing/rules.toml` merged with the formulary, or the
    /// formulary alone when the corpus has no `dosing/` folder.
    pub fn for_corpus(corpus_dir: &Path) -> Result<DosingRules, DosingError> {
        let dir = corpus_dir.join("dosing");
        if dir.exists() {
            DosingRules::load(&dir.join("rules.toml"))
        } else {
            DosingRules::formulary()
        }
    }

    /// The general formulary compiled into medcite, alone.
    pub fn formulary() -> Result<DosingRules, DosingError> {
        DosingRules::from_toml_str(FORMULARY, FORMULARY_ORIGIN)
    }

    /// These rules (the formulary) with a corpus's own rules laid over them. A corpus drug of the
    /// same name adds its regimens, synonyms, thresholds and tablets to the formulary's (its
    /// regimens first, and one with the id of a formulary regimen replaces it), unless it says
    /// `narrow = true`, when its rules replace the formulary's. A formulary name that a corpus
    /// drug also uses is left to the corpus drug.
    pub fn merged(self, own: DosingRules) -> Result<DosingRules, DosingError> {
        let origin = format!("{} with {}", own.origin, self.origin);
        let mut drugs: Vec<Drug> = own.drugs;
        for base in self.drugs {
            match drugs.iter_mut().find(|d| d.name == base.name) {
                Some(d) if d.narrow => {}
                Some(d) => d.absorb(base),
                None => drugs.push(base),
            }
        }
        // Corpus drugs come first: a name both use stays with the corpus drug.
        let mut owner: BTreeMap<Vec<String>, usize> = BTreeMap::new();
        for (idx, drug) in drugs.iter_mut().enumerate() {
            let mut keep = Vec::new();
            for syn in std::mem::take(&mut drug.synonyms) {
                let toks: Vec<String> = tokenize(&syn).into_iter().map(|t| t.lower).collect();
                if owner.get(&toks).is_none_or(|&o| o == idx) {
                    owner.insert(toks, idx);
                    keep.push(syn);
                }
            }
            drug.synonyms = keep;
            let toks: Vec<String> = tokenize(&drug.name).into_iter().map(|t| t.lower).collect();
            owner.entry(toks).or_insert(idx);
        }
        let mut ids = BTreeSet::new();
        for id in drugs.iter().flat_map(Drug::rule_ids) {
            if !ids.insert(id.to_string()) {
                return Err(DosingError::InvalidRule {
                    origin,
                    rule: id.to_string(),
                    problem: "this id is used by the formulary and the corpus for different                               drugs; rename the corpus rule"
                        .into(),
                });
            }
        }
        DosingRules::indexed(origin, drugs)
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
        let raw_drugs = match table.get("drug") {
            Some(toml::Value::Array(a)) => a.clone(),
            Some(_) => {
                return Err(invalid(
                    "drug",
                    "`drug` must be an array of [[drug]] tables".into(),
                ));
            }
            // A file with no rules at all is a mistake unless it says so with `drug = []` (a
            // corpus whose doses nobody has written rules for: every dose is then reported
            // unchecked, never judged ok).
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

        DosingRules::indexed(origin.to_string(), drugs)
    }

    /// The rules with their name index; a name used by two drugs is an error.
    fn indexed(origin: String, drugs: Vec<Drug>) -> Result<DosingRules, DosingError> {
        let invalid = |rule: &str, problem: String| DosingError::InvalidRule {
            origin: origin.clone(),
            rule: rule.to_string(),
            problem,
        };
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
            origin,
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
                    .chain(d.schedule.iter().map(|s| s.id.as_str()))
            })
            .collect()
    }

    /// The one unit a drug is dosed in, when every rule of the drug is in that unit, none is a
    /// combined strength and one gives a fixed dose: "pred 60 qd" is read as 60 mg only then.
    pub(crate) fn sole_unit(&self, name: &str) -> Option<Unit> {
        let drug = self.drug(name)?;
        let first = drug.regimens.first()?;
        let one_unit = drug
            .regimens
            .iter()
            .all(|r| r.unit == first.unit && !r.combined);
        let fixed = drug.regimens.iter().any(|r| r.basis == DoseBasis::Dose);
        (one_unit && fixed).then_some(first.unit)
    }

    /// A tablet strength of `name` written at token `i` ("DS", "double-strength"): the tablet
    /// and the end token.
    pub(crate) fn tablet_at(
        &self,
        name: &str,
        toks: &[Token],
        i: usize,
        limit: usize,
    ) -> Option<(&Tablet, usize)> {
        let drug = self.drug(name)?;
        let mut best: Option<(&Tablet, usize)> = None;
        for t in &drug.tablets {
            for n in &t.names {
                let phrase: Vec<String> = tokenize(n).into_iter().map(|t| t.lower).collect();
                if let Some(end) = phrase_at(toks, i, limit, &phrase)
                    && best.is_none_or(|(_, e)| end > e)
                {
                    best = Some((t, end));
                }
            }
        }
        best
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

impl Drug {
    /// The ids of its regimens, thresholds and schedule.
    fn rule_ids(&self) -> impl Iterator<Item = &str> {
        self.regimens
            .iter()
            .map(|r| r.id.as_str())
            .chain(self.thresholds.iter().map(|t| t.id.as_str()))
            .chain(self.schedule.iter().map(|s| s.id.as_str()))
    }

    /// Adds the formulary's entry for the same drug to this corpus entry: its regimens after
    /// these (one with the id of a regimen here is left out), and its names, thresholds and
    /// tablets. A schedule is kept only while the drug has no regimen.
    fn absorb(&mut self, base: Drug) {
        for r in base.regimens {
            if !self.regimens.iter().any(|own| own.id == r.id) {
                self.regimens.push(r);
            }
        }
        for syn in base.synonyms {
            if !self.synonyms.contains(&syn) {
                self.synonyms.push(syn);
            }
        }
        for t in base.thresholds {
            if !self.thresholds.iter().any(|own| own.id == t.id) {
                self.thresholds.push(t);
            }
        }
        self.tablets.extend(base.tablets);
        self.iu_per_mcg = self.iu_per_mcg.or(base.iu_per_mcg);
        self.note = self.note.take().or(base.note);
        self.schedule = self.schedule.take().or(base.schedule);
        if !self.regimens.is_empty() {
            self.schedule = None;
        }
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
    let mut tablets = Vec::new();
    for t in raw.tablet {
        if t.names.is_empty() || t.names.iter().any(|n| n.trim().is_empty()) {
            return Err(err(
                label,
                "a [[drug.tablet]] needs non-empty `names`".into(),
            ));
        }
        check_amount_value("amount", Some(t.amount)).map_err(|p| err(label, p))?;
        let unit = Unit::from_rule_name(&t.unit).ok_or_else(|| {
            err(
                label,
                format!("unknown tablet unit \"{}\"; use g, mg or mcg", t.unit),
            )
        })?;
        tablets.push(Tablet {
            names: t.names.iter().map(|n| n.trim().to_string()).collect(),
            amount: t.amount,
            unit,
            combined: t.combined,
        });
    }
    let schedule = match raw.schedule {
        Some(s) => {
            if !regimens.is_empty() {
                return Err(err(
                    label,
                    "a [drug.schedule] is only for a drug without [[drug.regimen]] tables".into(),
                ));
            }
            check_id(&s.id).map_err(|p| err(label, p))?;
            check_source(&s.source).map_err(|p| err(&s.id, p))?;
            check_source_name(&s.source_name).map_err(|p| err(&s.id, p))?;
            if !ids.insert(s.id.clone()) {
                return Err(err(
                    &s.id,
                    "this id is used by another rule; ids must be unique".into(),
                ));
            }
            if s.frequencies.is_empty() {
                return Err(err(label, "the schedule's `frequencies` is empty".into()));
            }
            let frequencies = s
                .frequencies
                .iter()
                .map(|f| {
                    Frequency::from_rule_name(f)
                        .ok_or_else(|| err(label, format!("unknown frequency \"{f}\"")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Some(Schedule {
                id: s.id,
                frequencies,
                frequency_names: s.frequencies,
                source: s.source.trim().to_string(),
                source_name: s.source_name.trim().to_string(),
                wrong_frequency_message: s.wrong_frequency_message,
            })
        }
        None => None,
    };
    Ok(Drug {
        schedule,
        name: raw.name.trim().to_string(),
        synonyms: raw.synonyms.iter().map(|s| s.trim().to_string()).collect(),
        class: raw.class,
        iu_per_mcg: raw.iu_per_mcg,
        regimens,
        thresholds,
        note: raw.note,
        tablets,
        narrow: raw.narrow,
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

fn check_source_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err(
            "`source_name` is empty: give the source's short name as messages show it \
             (\"Rituxan label\")"
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
    check_source_name(&r.source_name)?;
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
                    "unknown route \"{s}\"; use oral, intravenous, subcutaneous, intramuscular, \
                     inhaled or intranasal"
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
        ("start_max", r.start_max),
        ("max_rate", r.max_rate),
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
    if r.max_doses == Some(0) {
        return Err("`max_doses` must be at least 1".into());
    }
    check_amount_value("max_course", r.max_course)?;
    let course_repeat = match &r.course_repeat {
        Some(s) => Some(Frequency::from_rule_name(s).ok_or_else(|| {
            format!("course_repeat \"{s}\" is not a frequency such as \"every 4 weeks\"")
        })?),
        None => None,
    };
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
        // Messages say when the numbers rest on a source that could not be checked.
        source_name: match &r.unconfirmed {
            Some(_) => format!("{}, unconfirmed", r.source_name.trim()),
            None => r.source_name.trim().to_string(),
        },
        note: r.note,
        wrong_frequency_message: r.wrong_frequency_message,
        wrong_route_message: r.wrong_route_message,
        frequency_required: r.frequency_required,
        longer_intervals: r.longer_intervals,
        max_doses: r.max_doses,
        max_course: r.max_course,
        course_repeat,
        course_repeat_name: r.course_repeat,
        combined: r.combined,
        unconfirmed: r.unconfirmed,
        start_max: r.start_max,
        max_rate: r.max_rate,
    })
}

fn validate_threshold(t: RawThreshold) -> Result<Threshold, String> {
    check_id(&t.id)?;
    check_source(&t.source)?;
    check_source_name(&t.source_name)?;
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
        source_name: t.source_name.trim().to_string(),
        note: t.note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

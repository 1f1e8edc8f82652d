//! Dose vocabulary that is not about time: units, unit bases, routes, comparators and number
//! notation as clinical text writes them, and the conversions between units (g → mg, mcg/µg →
//! mg, IU ↔ mcg where a rule gives the factor). It must never know a drug or a dose range: those
//! are data in `corpus/dosing/rules.toml`. Imports only `words` and `tokens`.

use std::fmt;
use std::sync::LazyLock;

use crate::contracts::DoseBasis;

use super::tokens::{Gap, Token, Vocab, tokenize};
use super::words::words;

/// A dose unit. Mass units convert into each other; international units convert to mass only
/// with a drug's own factor (vitamin D: 40 IU per mcg).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    G,
    Mg,
    Mcg,
    Iu,
}

impl Unit {
    /// The spelling used in reports and in `rules.toml`.
    pub fn label(self) -> &'static str {
        match self {
            Unit::G => "g",
            Unit::Mg => "mg",
            Unit::Mcg => "mcg",
            Unit::Iu => "IU",
        }
    }

    /// Parses a unit as `rules.toml` writes it.
    pub fn from_rule_name(name: &str) -> Option<Unit> {
        match name.trim().to_ascii_lowercase().as_str() {
            "g" => Some(Unit::G),
            "mg" => Some(Unit::Mg),
            "mcg" | "µg" | "μg" | "ug" => Some(Unit::Mcg),
            "iu" | "units" => Some(Unit::Iu),
            _ => None,
        }
    }

    /// Milligrams in one of this unit, for mass units.
    pub fn mg_factor(self) -> Option<f64> {
        match self {
            Unit::G => Some(1000.0),
            Unit::Mg => Some(1.0),
            Unit::Mcg => Some(0.001),
            Unit::Iu => None,
        }
    }

    /// The mass units a factor of 1000 away: the usual slips (mg written for g, mcg for mg).
    pub fn thousandfold_neighbours(self) -> &'static [Unit] {
        match self {
            Unit::G => &[Unit::Mg],
            Unit::Mg => &[Unit::G, Unit::Mcg],
            Unit::Mcg => &[Unit::Mg],
            Unit::Iu => &[],
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Converts `value` from one unit to another. International units convert to and from mass only
/// with `iu_per_mcg`; otherwise `None` (the units measure different things).
pub fn convert(value: f64, from: Unit, to: Unit, iu_per_mcg: Option<f64>) -> Option<f64> {
    if from == to {
        return Some(value);
    }
    match (from.mg_factor(), to.mg_factor()) {
        (Some(a), Some(b)) => Some(value * a / b),
        (Some(a), None) => {
            iu_per_mcg.map(|k| value * a / Unit::Mcg.mg_factor().unwrap_or(0.001) * k)
        }
        (None, Some(b)) => iu_per_mcg
            .filter(|k| *k > 0.0)
            .map(|k| value / k * Unit::Mcg.mg_factor().unwrap_or(0.001) / b),
        (None, None) => None,
    }
}

/// The suffix that names a basis in reports: "", "/kg", "/m²".
pub fn basis_suffix(basis: DoseBasis) -> &'static str {
    match basis {
        DoseBasis::Dose => "",
        DoseBasis::Kg => "/kg",
        DoseBasis::M2 => "/m²",
    }
}

/// Parses a basis as `rules.toml` writes it.
pub fn basis_from_rule_name(name: &str) -> Option<DoseBasis> {
    match name.trim().to_ascii_lowercase().as_str() {
        "dose" => Some(DoseBasis::Dose),
        "kg" => Some(DoseBasis::Kg),
        "m2" | "m²" => Some(DoseBasis::M2),
        _ => None,
    }
}

/// How a drug is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    Oral,
    Intravenous,
    Subcutaneous,
    Intramuscular,
    /// By nebuliser or inhaler.
    Inhaled,
    Intranasal,
}

impl Route {
    pub fn label(self) -> &'static str {
        match self {
            Route::Oral => "oral",
            Route::Intravenous => "intravenous",
            Route::Subcutaneous => "subcutaneous",
            Route::Intramuscular => "intramuscular",
            Route::Inhaled => "inhaled",
            Route::Intranasal => "intranasal",
        }
    }

    /// Parses a route as `rules.toml` writes it (full word or the usual abbreviation).
    pub fn from_rule_name(name: &str) -> Option<Route> {
        match name.trim().to_ascii_lowercase().as_str() {
            "oral" | "po" => Some(Route::Oral),
            "intravenous" | "iv" => Some(Route::Intravenous),
            "subcutaneous" | "sc" => Some(Route::Subcutaneous),
            "intramuscular" | "im" => Some(Route::Intramuscular),
            "inhaled" | "nebulized" => Some(Route::Inhaled),
            "intranasal" | "nasal" => Some(Route::Intranasal),
            _ => None,
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A bound written before an amount or a duration: "≥20 mg", "up to 80 mg", "for at least 4 weeks".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparator {
    AtLeast,
    MoreThan,
    AtMost,
    LessThan,
}

impl Comparator {
    /// The comparator whose ASCII form is `ascii` (">=").
    pub fn from_ascii(ascii: &str) -> Option<Comparator> {
        use Comparator::*;
        [AtLeast, MoreThan, AtMost, LessThan]
            .into_iter()
            .find(|c| c.ascii() == ascii)
    }

    /// The ASCII form used in JSON and in `rules.toml`.
    pub fn ascii(self) -> &'static str {
        match self {
            Comparator::AtLeast => ">=",
            Comparator::MoreThan => ">",
            Comparator::AtMost => "<=",
            Comparator::LessThan => "<",
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::AtLeast => "≥",
            Comparator::MoreThan => ">",
            Comparator::AtMost => "≤",
            Comparator::LessThan => "<",
        }
    }

    /// True for "at least" and "more than": the statement is a lower threshold.
    pub fn is_lower_bound(self) -> bool {
        matches!(self, Comparator::AtLeast | Comparator::MoreThan)
    }

    pub fn from_rule_name(name: &str) -> Option<Comparator> {
        let toks = tokenize(name);
        match parse_comparator(&toks, 0) {
            Some((c, end)) if end == toks.len() => Some(c),
            _ => None,
        }
    }
}

/// Error-prone ways of writing a number (ISMP list of error-prone abbreviations and symbols).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notation {
    /// "1.0 mg": the decimal point can be missed and the dose read as 10 mg.
    TrailingZero,
    /// ".5 mg": the decimal point can be missed and the dose read as 5 mg.
    LeadingDecimal,
}

impl Notation {
    pub fn warning(self, raw: &str) -> String {
        match self {
            Notation::TrailingZero => format!(
                "\"{raw}\" has a trailing zero, an ISMP error-prone notation (misread as ten \
                 times the dose)"
            ),
            Notation::LeadingDecimal => {
                format!("\"{raw}\" has no leading zero, an ISMP error-prone notation; write 0{raw}")
            }
        }
    }
}

/// The notation problems of a number as written.
pub fn notation_of(raw: &str) -> Option<Notation> {
    if raw.starts_with('.') {
        return Some(Notation::LeadingDecimal);
    }
    let (_, frac) = raw.split_once('.')?;
    (!frac.is_empty() && frac.chars().all(|c| c == '0')).then_some(Notation::TrailingZero)
}

/// A number as reports write it: no trailing zeros, no exponent for ordinary doses.
pub fn fmt_number(v: f64) -> String {
    if !v.is_finite() || v.abs() >= 1e12 {
        return format!("{v}");
    }
    let rounded = (v * 1e6).round() / 1e6;
    format!("{rounded}")
}

// ---------------------------------------------------------------------------------------------
// Units and bases

static UNITS: LazyLock<Vocab<Unit>> =
    LazyLock::new(|| Vocab::from_table(&words().units, "units", Unit::from_rule_name));

/// A dose unit at token `i`. "U" counts only in capitals (a lone "u" is too often something else).
pub(crate) fn parse_unit(toks: &[Token], i: usize, limit: usize) -> Option<(Unit, usize)> {
    if i < limit.min(toks.len()) && toks[i].raw == "U" {
        return Some((Unit::Iu, i + 1));
    }
    UNITS.longest(toks, i, limit)
}

static BASES: LazyLock<Vocab<DoseBasis>> =
    LazyLock::new(|| Vocab::from_table(&words().bases, "bases", basis_from_rule_name));

/// "/kg", "per m²", … right after a unit.
pub(crate) fn parse_basis(toks: &[Token], i: usize, limit: usize) -> Option<(DoseBasis, usize)> {
    BASES.longest(toks, i, limit)
}

/// True when the tokens at `i` make the amount a concentration or a rate, not a dose
/// ("mg/dL", "U/L", "mg/h", "mg per litre").
pub(crate) fn is_concentration_or_rate(toks: &[Token], i: usize, limit: usize) -> bool {
    let limit = limit.min(toks.len());
    if i >= limit {
        return false;
    }
    let t = &toks[i];
    if words().per.contains(&t.lower) {
        return i + 1 < limit
            && (words()
                .concentration_denominators
                .contains(&toks[i + 1].lower)
                || (t.lower == "/" && toks[i + 1].gap == Gap::None));
    }
    false
}

// ---------------------------------------------------------------------------------------------
// Comparators

static COMPARATORS: LazyLock<Vocab<Comparator>> = LazyLock::new(|| {
    Vocab::from_table(&words().comparators, "comparators", Comparator::from_ascii)
});

/// A comparator at token `i` ("≥", ">=", "at least", "up to", …).
pub(crate) fn parse_comparator(toks: &[Token], i: usize) -> Option<(Comparator, usize)> {
    COMPARATORS.longest(toks, i, toks.len())
}

// ---------------------------------------------------------------------------------------------
// Routes

static ROUTES: LazyLock<Vocab<Route>> =
    LazyLock::new(|| Vocab::from_table(&words().routes, "routes", Route::from_rule_name));

/// A route at token `i` ("IV", "orally", "by mouth", "subcutaneous", …).
pub(crate) fn parse_route(toks: &[Token], i: usize, limit: usize) -> Option<(Route, usize)> {
    ROUTES.longest(toks, i, limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dosing::tokens::number_value;

    #[test]
    fn each_phrase_of_the_dosing_words_names_one_known_value() {
        // A key words.toml names that is no unit, basis, bound or route panics here.
        LazyLock::force(&UNITS);
        LazyLock::force(&BASES);
        LazyLock::force(&COMPARATORS);
        LazyLock::force(&ROUTES);
        let w = words();
        for table in [
            &w.units,
            &w.bases,
            &w.comparators,
            &w.routes,
            &w.time_units,
            &w.frequencies,
        ] {
            // A phrase under two keys would be read by the file's order.
            let mut named: std::collections::HashMap<Vec<String>, &String> = Default::default();
            for (key, phrases) in table {
                for phrase in phrases {
                    let toks = tokenize(phrase).into_iter().map(|t| t.lower).collect();
                    let first = *named.entry(toks).or_insert(key);
                    assert_eq!(first, key, "{phrase:?}");
                }
            }
        }
    }

    #[test]
    fn grams_and_micrograms_normalise_to_milligrams() {
        assert_eq!(convert(2.0, Unit::G, Unit::Mg, None), Some(2000.0));
        assert_eq!(convert(500.0, Unit::Mcg, Unit::Mg, None), Some(0.5));
        assert_eq!(convert(1000.0, Unit::Mg, Unit::G, None), Some(1.0));
    }

    #[test]
    fn international_units_convert_only_with_a_factor() {
        assert_eq!(convert(800.0, Unit::Iu, Unit::Mg, None), None);
        let mcg = convert(800.0, Unit::Iu, Unit::Mcg, Some(40.0)).expect("converts");
        assert!((mcg - 20.0).abs() < 1e-9);
        let iu = convert(0.02, Unit::Mg, Unit::Iu, Some(40.0)).expect("converts");
        assert!((iu - 800.0).abs() < 1e-9);
    }

    #[test]
    fn thousands_separators_and_leading_decimals_parse() {
        assert_eq!(number_value("1,000"), Some(1000.0));
        assert_eq!(number_value(".5"), Some(0.5));
        assert_eq!(number_value("0.075"), Some(0.075));
        assert_eq!(number_value("1.0"), Some(1.0));
    }

    #[test]
    fn trailing_zero_and_leading_decimal_are_flagged() {
        assert_eq!(notation_of("1.0"), Some(Notation::TrailingZero));
        assert_eq!(notation_of(".5"), Some(Notation::LeadingDecimal));
        assert_eq!(notation_of("10"), None);
        assert_eq!(notation_of("0.5"), None);
        assert_eq!(notation_of("2.5"), None);
    }

    #[test]
    fn routes_parse_in_their_common_spellings() {
        for (s, r) in [
            ("IV", Route::Intravenous),
            ("intravenously", Route::Intravenous),
            ("PO", Route::Oral),
            ("by mouth", Route::Oral),
            ("SC", Route::Subcutaneous),
            ("subcutaneous", Route::Subcutaneous),
            ("IM", Route::Intramuscular),
        ] {
            let toks = tokenize(s);
            assert_eq!(
                parse_route(&toks, 0, toks.len()).map(|(r, _)| r),
                Some(r),
                "{s}"
            );
        }
    }

    #[test]
    fn concentrations_are_not_doses() {
        let toks = tokenize("mg/dL");
        assert!(is_concentration_or_rate(&toks, 1, toks.len()));
        let toks = tokenize("U/L");
        assert!(is_concentration_or_rate(&toks, 1, toks.len()));
        let toks = tokenize("mg/kg");
        assert!(
            !is_concentration_or_rate(&toks, 1, toks.len())
                || parse_basis(&toks, 1, toks.len()).is_some()
        );
    }
}

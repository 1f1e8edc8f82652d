//! The deterministic dosing check: every dose statement in a text (drug, amount or range, unit,
//! per-kg or per-m² basis, frequency, route, duration), judged against the sourced rules: the
//! general formulary compiled in (`formulary.toml`) with a corpus's `dosing/rules.toml` laid over
//! it. Same text, same verdicts. It knows nothing of HTTP, LLMs or the index, and never panics on
//! any input.
//!
//! The files import one way only: `words` → `tokens` → `units` → `duration` → `schedule` →
//! `sequence` → `rules` → `extract` → `judge`. `words` holds the English word lists the others
//! read (`words.toml`), `tokens` splits text, `units`, `duration` and `schedule` read what a
//! statement says (amount, unit, route; duration, dose count; frequency), `sequence` splits a
//! statement at "then" / "followed by" / "thereafter" and says what a later part carries over,
//! `rules` loads the rules and matches drug names, `extract` finds the statements, `judge` gives
//! each its verdict. Each part of a sequence is a statement judged on its own.
//!
//! Verdicts, decided against the rule (regimen) of the drug that fits the statement best:
//! - `ok`: amount, unit, basis, frequency and route fit. An unstated frequency or route is not
//!   an error (the message says so), unless the rule requires the frequency.
//! - `missing_frequency`: the rule requires a frequency (methotrexate) and none is stated.
//! - `missing_dose_count` / `too_many_doses`: the schedule is given for a limited number of doses
//!   (rituximab 1 g every 2 weeks ×2) and the statement does not say how many / says more.
//! - `course_over_limit`: a day's amount times the days of the course is over the rule's course
//!   limit (IVIG 1 g/kg daily for 5 days is 5 g/kg); a course repeated sooner than the rule
//!   allows is `wrong_frequency`.
//! - `wrong_unit`: the amount fits only when its unit is read a thousand times differently (mcg
//!   for mg, mg/kg for g/kg), or when its number is read in the rule's unit of another kind (mg
//!   written for IU), or, when no rule of the drug has the stated basis, with another basis
//!   (mg/kg for a fixed-dose drug). A tenfold error is `out_of_range`, with a hint about a
//!   misplaced decimal point.
//! - `wrong_frequency`, `out_of_range`, `wrong_route`: in that order of report when several fail.
//! - `unverified` (not checked, neutral: it does not make the report's `ok` false): no drug
//!   named, no rule for the drug, a class without a matching sourced threshold, a fixed dose
//!   of a drug dosed only by weight, a limit on a cumulative amount ("up to 10 mg total"), or
//!   "check the regimen": the amount lies between two regimens that differ in a route or
//!   frequency the text does not give, or a range runs from one regimen into another.
//! - A stated maximum ("max 60 mg/day") is judged by its top; a dose the text calls a start is
//!   held to the source's largest starting dose where the rule gives one.
//! - `not_in_sources` (only [`check_against_sources`]): the rule check passed but no cited
//!   passage states the dose. A dose a cited passage states says "as the article states"; one
//!   the rules flag keeps its verdict, worded as a question about the source.
//!
//! "1.0 mg" and ".5 mg" parse as 1 and 0.5 mg; the message flags them as error-prone notation
//! (ISMP) while the verdict follows the amount.

mod duration;
mod extract;
mod judge;
mod rules;
mod schedule;
mod sequence;
mod tokens;
mod units;
mod words;

use crate::contracts::{DoseClaim, DosingReport, Verdict};

pub use duration::{Duration, TimeUnit};
pub use extract::{ExtractedDose, extract_claims};
pub use rules::{DosingError, DosingRules, Drug, Regimen, Schedule, Tablet, Threshold};
pub use schedule::Frequency;
pub use units::{Comparator, Notation, Route, Unit, convert};

/// Every dose statement in `text`, each with a verdict; deterministic.
pub fn check_text(rules: &DosingRules, text: &str) -> DosingReport {
    DosingReport::from_claims(judged(rules, text).into_iter().map(|(_, c)| c).collect())
}

/// For `ask`: like [`check_text`], and then each claim is weighed against `sources` (the cited
/// passages). A dose inside a range a source states ("1 mg/kg" against "1-2 mg/kg") counts as
/// stated. An `ok` dose the sources state says so ("as the article states"); an `ok` dose they
/// do not state becomes `not_in_sources`. A dose the rules flag but a source states keeps its
/// verdict, worded as a question to the reader about the source rather than as an error of the
/// answer.
pub fn check_against_sources(rules: &DosingRules, text: &str, sources: &[&str]) -> DosingReport {
    let stated: Vec<ExtractedDose> = sources
        .iter()
        .flat_map(|s| extract_claims(rules, s))
        .collect();
    let claims = judged(rules, text)
        .into_iter()
        .map(|(dose, mut claim)| {
            let source = stated.iter().find(|s| same_dose(rules, &dose, s));
            match (claim.verdict, source) {
                (Verdict::Ok, Some(_)) => {
                    claim.message = format!("{}; as the article states", claim.message);
                }
                (Verdict::Ok, None) => {
                    claim.verdict = Verdict::NotInSources;
                    claim.message = format!(
                        "not in the sources: {} {} is not stated in the cited passages (rule \
                         check {})",
                        claim.drug,
                        judge::stated(&dose),
                        claim.message
                    );
                }
                (Verdict::Unverified, _) | (_, None) => {}
                (_, Some(s)) => {
                    claim.message = format!(
                        "the article states this dose (\"{}\"), but is it meant? {}",
                        s.text, claim.message
                    );
                }
            }
            claim
        })
        .collect();
    DosingReport::from_claims(claims)
}

/// The doses of `text` with their contract claims.
fn judged(rules: &DosingRules, text: &str) -> Vec<(ExtractedDose, DoseClaim)> {
    extract_claims(rules, text)
        .into_iter()
        .map(|dose| {
            let j = rules.judge(&dose);
            let claim = DoseClaim {
                text: dose.text.clone(),
                drug: dose.drug.clone().unwrap_or_else(|| "unknown".into()),
                low: dose.low,
                high: dose.high,
                unit: dose.unit.label().to_string(),
                per: dose.basis,
                frequency: dose.frequency.as_ref().map(|f| f.label.clone()),
                route: dose.route.map(|r| r.label().to_string()),
                verdict: j.verdict,
                rule: j.rule,
                message: j.message,
                duration: dose.duration.as_ref().map(ToString::to_string),
                comparator: dose.comparator.map(|c| c.ascii().to_string()),
                doses: dose.doses,
                repeat: dose.repeat.as_ref().map(|f| f.label.clone()),
            };
            (dose, claim)
        })
        .collect()
}

/// True when `source` states the dose of `claim`: same drug, same basis, and the claim's amount
/// inside the source's amount or range (after unit normalisation).
fn same_dose(rules: &DosingRules, claim: &ExtractedDose, source: &ExtractedDose) -> bool {
    let (Some(a), Some(b)) = (&claim.drug, &source.drug) else {
        return false;
    };
    if a != b || claim.basis != source.basis {
        return false;
    }
    let factor = rules.drug(a).and_then(|d| d.iu_per_mcg);
    let lo = convert(source.low, source.unit, claim.unit, factor);
    let hi = convert(source.high, source.unit, claim.unit, factor);
    match (lo, hi) {
        (Some(lo), Some(hi)) => {
            let eps = 1e-9;
            claim.low >= lo * (1.0 - eps) && claim.high <= hi * (1.0 + eps)
        }
        _ => false,
    }
}

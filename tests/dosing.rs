//! The dosing check through its public API: the labelled statement table, the article's own
//! doses, rule-loading errors, the check against cited passages, and properties of the extractor
//! (never panics, deterministic) on arbitrary text.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use medcite::contracts::{DoseBasis, DoseClaim, DosingReport, Verdict};
use medcite::dosing::{
    DosingError, DosingRules, check_against_sources, check_text, extract_claims,
};
use proptest::prelude::*;
use serde::Deserialize;

fn manifest_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

static RULES: LazyLock<DosingRules> = LazyLock::new(|| {
    DosingRules::load(&manifest_path("corpus/dosing/rules.toml"))
        .unwrap_or_else(|e| panic!("bundled rules load: {e}"))
});

// ---------------------------------------------------------------------------------------------
// The labelled table

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    verdict: Option<String>,
    drug: Option<String>,
    low: Option<f64>,
    high: Option<f64>,
    unit: Option<String>,
    per: Option<String>,
    frequency: Option<String>,
    route: Option<String>,
    duration: Option<String>,
    comparator: Option<String>,
    rule: Option<String>,
    message_contains: Option<String>,
}

impl Expect {
    fn is_empty(&self) -> bool {
        self.verdict.is_none()
            && self.drug.is_none()
            && self.low.is_none()
            && self.high.is_none()
            && self.unit.is_none()
            && self.per.is_none()
            && self.frequency.is_none()
            && self.route.is_none()
            && self.duration.is_none()
            && self.comparator.is_none()
            && self.rule.is_none()
            && self.message_contains.is_none()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    text: String,
    /// Where the expected verdict comes from (a label, guideline or review).
    source: Option<String>,
    claims: Option<usize>,
    ok: Option<bool>,
    #[serde(default)]
    expect: Vec<Expect>,
    verdict: Option<String>,
    drug: Option<String>,
    low: Option<f64>,
    high: Option<f64>,
    unit: Option<String>,
    per: Option<String>,
    frequency: Option<String>,
    route: Option<String>,
    duration: Option<String>,
    comparator: Option<String>,
    rule: Option<String>,
    message_contains: Option<String>,
}

impl Case {
    /// The expectations per claim: the inline single-claim keys, or the [[case.expect]] list.
    fn expectations(&self) -> Vec<Expect> {
        let inline = Expect {
            verdict: self.verdict.clone(),
            drug: self.drug.clone(),
            low: self.low,
            high: self.high,
            unit: self.unit.clone(),
            per: self.per.clone(),
            frequency: self.frequency.clone(),
            route: self.route.clone(),
            duration: self.duration.clone(),
            comparator: self.comparator.clone(),
            rule: self.rule.clone(),
            message_contains: self.message_contains.clone(),
        };
        if inline.is_empty() {
            self.expect
                .iter()
                .map(|e| Expect {
                    verdict: e.verdict.clone(),
                    drug: e.drug.clone(),
                    low: e.low,
                    high: e.high,
                    unit: e.unit.clone(),
                    per: e.per.clone(),
                    frequency: e.frequency.clone(),
                    route: e.route.clone(),
                    duration: e.duration.clone(),
                    comparator: e.comparator.clone(),
                    rule: e.rule.clone(),
                    message_contains: e.message_contains.clone(),
                })
                .collect()
        } else {
            vec![inline]
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    case: Vec<toml::Spanned<Case>>,
}

fn verdict_name(v: Verdict) -> String {
    serde_json::to_string(&v)
        .unwrap_or_default()
        .trim_matches('"')
        .to_string()
}

fn basis_name(b: DoseBasis) -> &'static str {
    match b {
        DoseBasis::Dose => "dose",
        DoseBasis::Kg => "kg",
        DoseBasis::M2 => "m2",
    }
}

/// Differences between a claim and what the table expects of it.
fn compare(claim: &DoseClaim, e: &Expect) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |what: &str, want: Option<&str>, got: Option<&str>| {
        if let Some(want) = want {
            let got_or_none = got.unwrap_or("none");
            if want != got_or_none {
                out.push(format!("{what}: expected {want:?}, got {got_or_none:?}"));
            }
        }
    };
    let verdict = verdict_name(claim.verdict);
    check("verdict", e.verdict.as_deref(), Some(&verdict));
    check("drug", e.drug.as_deref(), Some(&claim.drug));
    check("unit", e.unit.as_deref(), Some(&claim.unit));
    check("per", e.per.as_deref(), Some(basis_name(claim.per)));
    check(
        "frequency",
        e.frequency.as_deref(),
        claim.frequency.as_deref(),
    );
    check("route", e.route.as_deref(), claim.route.as_deref());
    check("duration", e.duration.as_deref(), claim.duration.as_deref());
    check(
        "comparator",
        e.comparator.as_deref(),
        claim.comparator.as_deref(),
    );
    check("rule", e.rule.as_deref(), claim.rule.as_deref());
    for (what, want, got) in [("low", e.low, claim.low), ("high", e.high, claim.high)] {
        if let Some(want) = want
            && (want - got).abs() > 1e-9 * want.abs().max(1.0)
        {
            out.push(format!("{what}: expected {want}, got {got}"));
        }
    }
    if let Some(part) = &e.message_contains
        && !claim.message.contains(part.as_str())
    {
        out.push(format!(
            "message should contain {part:?}: {:?}",
            claim.message
        ));
    }
    out
}

fn describe(report: &DosingReport) -> String {
    report
        .claims
        .iter()
        .map(|c| {
            format!(
                "\n      {:?} drug={} {}–{} {} per={} freq={:?} route={:?} rule={:?}",
                c.text,
                c.drug,
                c.low,
                c.high,
                c.unit,
                basis_name(c.per),
                c.frequency,
                c.route,
                c.rule
            ) + &format!(" → {} ({})", verdict_name(c.verdict), c.message)
        })
        .collect()
}

#[test]
fn statements_table_gives_expected_verdicts() {
    run_table("tests/data/dosing_statements.toml", &RULES, 187, 40);
}

/// Every rule of the compiled formulary, judged alone (a corpus without `dosing/`): the dose its
/// source gives is ok, ten times more or less is out of range, a unit a thousand times off is a
/// wrong unit, a frequency the rule does not allow is a wrong frequency.
#[test]
fn formulary_table_gives_expected_verdicts() {
    let formulary = DosingRules::formulary().expect("the compiled formulary loads");
    run_table("tests/data/formulary_statements.toml", &formulary, 250, 250);
}

/// Runs a labelled table against `rules`: at least `min_cases` cases, `min_sourced` naming their
/// source.
fn run_table(rel: &str, rules: &DosingRules, min_cases: usize, min_sourced: usize) {
    let path = manifest_path(rel);
    let raw = std::fs::read_to_string(&path).expect("read the statements table");
    let table: Table = toml::from_str(&raw).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        table.case.len() >= min_cases,
        "the table should hold at least {min_cases} statements, it holds {}",
        table.case.len()
    );
    let sourced = table
        .case
        .iter()
        .filter(|c| {
            c.get_ref()
                .source
                .as_deref()
                .is_some_and(|s| !s.trim().is_empty())
        })
        .count();
    assert!(
        sourced >= min_sourced,
        "at least {min_sourced} statements name their source, {sourced} do"
    );

    let mut ids = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for spanned in &table.case {
        let line = raw[..spanned.span().start.min(raw.len())]
            .matches('\n')
            .count()
            + 1;
        let case = spanned.get_ref();
        let mut problems = Vec::new();
        if !ids.insert(case.id.clone()) {
            problems.push("duplicate id".to_string());
        }
        let report = check_text(rules, &case.text);
        let expectations = case.expectations();
        let want_count = case.claims.unwrap_or(expectations.len());
        if report.claims.len() != want_count {
            problems.push(format!(
                "expected {want_count} claim(s), found {}",
                report.claims.len()
            ));
        }
        for (i, (claim, e)) in report.claims.iter().zip(&expectations).enumerate() {
            for p in compare(claim, e) {
                problems.push(format!("claim {i}: {p}"));
            }
        }
        // `ok` is false only for a wrong dose: an `unverified` claim is not checked, not wrong.
        let want_ok = case.ok.unwrap_or_else(|| {
            expectations.iter().all(|e| {
                e.verdict
                    .as_deref()
                    .is_none_or(|v| v == "ok" || v == "unverified")
            })
        });
        if report.ok != want_ok {
            problems.push(format!("report ok: expected {want_ok}, got {}", report.ok));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "line {line} [{}] {:?}\n    {}{}",
                case.id,
                case.text,
                problems.join("\n    "),
                describe(&report)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} statements failed:\n\n{}",
        failures.len(),
        table.case.len(),
        failures.join("\n\n")
    );
}

// ---------------------------------------------------------------------------------------------
// The issue's "done when"

#[test]
fn methotrexate_daily_is_wrong_frequency() {
    let report = check_text(&RULES, "Give methotrexate 15 mg daily");
    assert!(!report.ok);
    assert_eq!(report.claims.len(), 1);
    let c = &report.claims[0];
    assert_eq!(c.verdict, Verdict::WrongFrequency);
    assert_eq!(c.text, "methotrexate 15 mg daily");
    assert_eq!(c.rule.as_deref(), Some("methotrexate-weekly"));
    assert!(c.message.contains("once weekly"), "{}", c.message);
}

#[test]
fn methotrexate_once_weekly_is_ok() {
    let report = check_text(&RULES, "methotrexate 15 mg once weekly");
    assert!(report.ok, "{report:?}");
    assert_eq!(report.claims.len(), 1);
}

#[test]
fn every_dose_stated_in_the_article_is_ok() {
    let article = std::fs::read_to_string(manifest_path(
        "corpus/articles/necrotizing-myopathy-treatment.md",
    ))
    .expect("read the bundled article");
    let report = check_text(&RULES, &article);
    let found: Vec<(&str, &str)> = report
        .claims
        .iter()
        .map(|c| (c.drug.as_str(), c.text.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("prednisone", "prednisone 1 mg/kg/day"),
            ("methylprednisolone", "IV methylprednisolone 1-2 mg/kg"),
            ("corticosteroids", "≥20 mg corticosteroids for ≥4 weeks"),
        ],
        "{report:#?}"
    );
    assert!(report.ok, "{report:#?}");
}

#[test]
fn a_dose_no_rule_covers_is_not_checked_and_does_not_fail_the_text() {
    let report = check_text(
        &RULES,
        "methotrexate 15 mg weekly with hydroxychloroquine 200 mg twice daily",
    );
    assert_eq!(report.claims.len(), 2, "{report:#?}");
    assert_eq!(report.claims[1].verdict, Verdict::Unverified);
    assert!(report.ok, "not checked is not wrong: {report:#?}");
}

/// `medcite check-dosing TEXT`: its exit status.
fn check_dosing_status(text: &str) -> Option<i32> {
    std::process::Command::new(env!("CARGO_BIN_EXE_medcite"))
        .arg("--corpus")
        .arg(manifest_path("corpus"))
        .arg("check-dosing")
        .arg(text)
        .output()
        .expect("run medcite check-dosing")
        .status
        .code()
}

#[test]
fn check_dosing_exits_1_only_for_a_wrong_dose() {
    assert_eq!(
        check_dosing_status("methotrexate 15 mg weekly with folic acid 1 mg daily"),
        Some(0)
    );
    assert_eq!(
        check_dosing_status("prednisone 20 mg daily with hydroxychloroquine 200 mg twice daily"),
        Some(0),
        "a dose no rule covers is not checked, not wrong"
    );
    assert_eq!(check_dosing_status("methotrexate 15 mg"), Some(1));
    assert_eq!(check_dosing_status("IVIG 1 g/kg daily for 5 days"), Some(1));
}

#[test]
fn messages_are_short_and_name_the_source_not_the_rule_id() {
    for text in [
        "methotrexate 15 mg daily",
        "IVIG 1 g/kg daily for 5 days",
        "rituximab 375 mg/m² IV weekly for 52 weeks",
        "prednisone 600 mg daily",
        "vitamin D 800 mg daily",
        "Bactrim DS one tablet three times weekly",
    ] {
        let report = check_text(&RULES, text);
        let c = &report.claims[0];
        let rule = c.rule.as_deref().expect("a rule judged it");
        assert!(!c.message.contains(rule), "{text}: {}", c.message);
        assert!(c.message.chars().count() <= 260, "{text}: {}", c.message);
        assert!(
            c.message.ends_with(')') || c.message.ends_with(']'),
            "{text}: {}",
            c.message
        );
    }
}

#[test]
fn report_serialises_to_the_check_dosing_contract() {
    let report = check_text(&RULES, "Give methotrexate 15 mg daily");
    let json: serde_json::Value = serde_json::to_value(&report).expect("serialises");
    assert_eq!(json["ok"], false);
    let claim = &json["claims"][0];
    assert_eq!(claim["text"], "methotrexate 15 mg daily");
    assert_eq!(claim["drug"], "methotrexate");
    assert_eq!(claim["low"], 15.0);
    assert_eq!(claim["high"], 15.0);
    assert_eq!(claim["unit"], "mg");
    assert_eq!(claim["per"], "dose");
    assert_eq!(claim["frequency"], "daily");
    assert_eq!(claim["route"], serde_json::Value::Null);
    assert_eq!(claim["verdict"], "wrong_frequency");
    assert_eq!(claim["rule"], "methotrexate-weekly");
    assert!(
        claim.get("duration").is_none(),
        "absent optional fields are omitted"
    );
}

#[test]
fn bundled_rules_cover_every_drug_the_article_names() {
    for name in [
        "prednisone",
        "prednisolone",
        "IV methylprednisolone",
        "methotrexate",
        "azathioprine",
        "mycophenolate mofetil",
        "IVIG",
        "intravenous immunoglobulin",
        "rituximab",
        "tacrolimus",
        "cyclosporine",
        "trimethoprim-sulfamethoxazole",
        "calcium",
        "vitamin D",
        "alendronate",
        "bisphosphonate",
        "corticosteroids",
        "glucocorticoids",
        "steroids",
        "calcineurin inhibitors",
        "CellCept",
        "Prograf",
        "Bactrim",
        "Septra",
        "Imuran",
        "Trexall",
        "Otrexup",
        "Rituxan",
        "Solu-Medrol",
        "Medrol",
        "Neoral",
        "Sandimmune",
        "Fosamax",
        "Deltasone",
        "Gamunex",
        "Privigen",
    ] {
        let text = format!("{name} 1 mg");
        let claims = extract_claims(&RULES, &text);
        assert!(
            claims.first().is_some_and(|c| c.drug.is_some()),
            "{name} is not recognised: {claims:?}"
        );
    }
    for drug in RULES.drugs() {
        for r in &drug.regimens {
            assert!(!r.source.trim().is_empty(), "{} has no source", r.id);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rule loading

const GOOD_DRUG: &str = r#"
[[drug]]
name = "testdrug"
  [[drug.regimen]]
  id = "testdrug-weekly"
  indication = "test"
  routes = ["oral"]
  basis = "dose"
  unit = "mg"
  min = 1
  max = 2
  frequencies = ["weekly"]
  source = "a test"
  source_name = "test"
"#;

fn load_err(text: &str) -> String {
    match DosingRules::from_toml_str(text, "test-rules.toml") {
        Ok(_) => panic!("rules should be rejected:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_valid_rule_file_loads() {
    let rules = DosingRules::from_toml_str(GOOD_DRUG, "test").expect("loads");
    assert_eq!(rules.rule_ids(), ["testdrug-weekly"]);
    let report = check_text(&rules, "testdrug 1.5 mg weekly");
    assert!(report.ok, "{report:?}");
}

#[test]
fn min_above_max_is_an_error_naming_the_rule() {
    let msg = load_err(&GOOD_DRUG.replace("max = 2", "max = 0.5"));
    assert!(
        msg.contains("testdrug-weekly") && msg.contains("greater than max"),
        "{msg}"
    );
}

#[test]
fn unknown_key_is_an_error_naming_the_rule() {
    let msg = load_err(&GOOD_DRUG.replace("min = 1", "min = 1\n  mn = 3"));
    assert!(
        msg.contains("testdrug-weekly") && msg.contains("mn"),
        "{msg}"
    );
}

#[test]
fn unknown_unit_frequency_route_and_basis_are_errors_naming_the_rule() {
    for (from, to, what) in [
        ("unit = \"mg\"", "unit = \"grains\"", "unit"),
        ("[\"weekly\"]", "[\"fortnightlyish\"]", "frequency"),
        ("[\"oral\"]", "[\"intrathecal\"]", "route"),
        ("basis = \"dose\"", "basis = \"lb\"", "basis"),
    ] {
        let msg = load_err(&GOOD_DRUG.replace(from, to));
        assert!(
            msg.contains("testdrug-weekly") && msg.contains(what),
            "{what}: {msg}"
        );
    }
}

#[test]
fn empty_source_is_an_error_naming_the_rule() {
    let msg = load_err(&GOOD_DRUG.replace("source = \"a test\"", "source = \"  \""));
    assert!(
        msg.contains("testdrug-weekly") && msg.contains("source"),
        "{msg}"
    );
}

#[test]
fn duplicate_rule_ids_are_an_error() {
    let twice = format!(
        "{GOOD_DRUG}{}",
        GOOD_DRUG.replace("testdrug\"", "otherdrug\"")
    );
    let msg = load_err(&twice);
    assert!(
        msg.contains("testdrug-weekly") && msg.contains("unique"),
        "{msg}"
    );
}

#[test]
fn a_name_shared_by_two_drugs_is_an_error() {
    let other = GOOD_DRUG
        .replace(
            "name = \"testdrug\"",
            "name = \"otherdrug\"\nsynonyms = [\"TestDrug\"]",
        )
        .replace("testdrug-weekly", "otherdrug-weekly");
    let msg = load_err(&format!("{GOOD_DRUG}{other}"));
    assert!(msg.contains("TestDrug"), "{msg}");
}

#[test]
fn a_class_with_a_dose_range_is_an_error() {
    let msg =
        load_err(&GOOD_DRUG.replace("name = \"testdrug\"", "name = \"testdrug\"\nclass = true"));
    assert!(msg.contains("testdrug") && msg.contains("class"), "{msg}");
}

#[test]
fn invalid_toml_and_missing_file_are_clear_errors() {
    let msg = load_err("[[drug]\nname = ");
    assert!(
        msg.contains("not valid TOML") && msg.contains("test-rules.toml"),
        "{msg}"
    );
    let missing = DosingRules::load(Path::new("/nonexistent/dosing/rules.toml"));
    match missing {
        Err(e @ DosingError::Read { .. }) => {
            assert!(e.to_string().contains("/nonexistent/dosing/rules.toml"));
        }
        other => panic!("expected a read error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Checking against cited passages (ask)

#[test]
fn dose_stated_in_a_source_stays_ok() {
    let sources = [
        "High-dose corticosteroids (prednisone 1 mg/kg/day or IV methylprednisolone 1-2 mg/kg for severe cases)",
    ];
    let report = check_against_sources(&RULES, "Give prednisone 1 mg/kg/day [S1].", &sources);
    assert!(report.ok, "{report:#?}");
    // A dose inside a range the source states counts as stated.
    let report = check_against_sources(&RULES, "IV methylprednisolone 1 mg/kg [S1].", &sources);
    assert!(report.ok, "{report:#?}");
    assert!(
        report.claims[0].message.ends_with("as the article states"),
        "{report:#?}"
    );
}

#[test]
fn a_flagged_dose_the_article_states_is_asked_about_not_blamed_on_the_answer() {
    let sources = ["Rituximab 1000 mg IV every week for 8 doses was given in the series."];
    let report = check_against_sources(&RULES, "Rituximab 1000 mg IV every week [S1].", &sources);
    let claim = &report.claims[0];
    assert_ne!(claim.verdict, Verdict::Ok, "{report:#?}");
    assert!(
        claim
            .message
            .starts_with("the article states this dose (\"Rituximab 1000 mg IV every week"),
        "{report:#?}"
    );
    assert!(claim.message.contains("but is it meant?"), "{report:#?}");
    // The same dose from no source keeps its plain wording.
    let report = check_against_sources(&RULES, "Rituximab 1000 mg IV every week [S1].", &[]);
    assert!(
        !report.claims[0].message.contains("the article states"),
        "{report:#?}"
    );
}

#[test]
fn dose_absent_from_the_sources_is_not_in_sources() {
    let sources = ["Methotrexate is the preferred steroid-sparing agent."];
    let report = check_against_sources(&RULES, "Methotrexate 15 mg once weekly [S1].", &sources);
    assert!(!report.ok);
    assert_eq!(report.claims[0].verdict, Verdict::NotInSources);
    assert_eq!(
        report.claims[0].rule.as_deref(),
        Some("methotrexate-weekly")
    );
}

#[test]
fn a_source_with_another_amount_does_not_ground_the_dose() {
    let sources = ["Rituximab 500 mg IV every 6 months was used for maintenance."];
    let report = check_against_sources(&RULES, "Rituximab 1000 mg IV two weeks apart.", &sources);
    assert_eq!(report.claims[0].verdict, Verdict::NotInSources);
}

#[test]
fn a_wrong_dose_keeps_its_rule_verdict_against_sources() {
    let report = check_against_sources(&RULES, "methotrexate 15 mg daily", &[]);
    assert_eq!(report.claims[0].verdict, Verdict::WrongFrequency);
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Fragments that make the extractor work hard: numbers in every form, units, bases,
/// frequencies, names, punctuation and non-ASCII text.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("methotrexate".to_string()),
        Just("IVIG".to_string()),
        Just("prednisone".to_string()),
        Just("corticosteroids".to_string()),
        Just("vitamin D".to_string()),
        Just("steroid-sparing".to_string()),
        Just("mg".to_string()),
        Just("g/kg".to_string()),
        Just("mg/m²".to_string()),
        Just("µg".to_string()),
        Just("IU".to_string()),
        Just("U".to_string()),
        Just("/".to_string()),
        Just("-".to_string()),
        Just("–".to_string()),
        Just("≥".to_string()),
        Just(">=".to_string()),
        Just("up to".to_string()),
        Just("1,000".to_string()),
        Just(".5".to_string()),
        Just("1.0".to_string()),
        Just("b.i.d.".to_string()),
        Just("q12h".to_string()),
        Just("every 4-6 weeks".to_string()),
        Just("DS".to_string()),
        Just("tablet".to_string()),
        Just("x2".to_string()),
        Just("160/800".to_string()),
        Just("every other day".to_string()),
        Just("for 52 weeks".to_string()),
        Just("two weeks apart".to_string()),
        Just("Bactrim".to_string()),
        Just("pred".to_string()),
        Just("qd".to_string()),
        Just("in two divided doses".to_string()),
        Just("for ≥4 weeks".to_string()),
        Just("IV".to_string()),
        Just(".".to_string()),
        Just("\n".to_string()),
        Just("\n\n- ".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("😀".to_string()),
        Just("İ".to_string()),
        "[0-9]{1,7}".prop_map(|s| s),
        "[0-9]{1,3}\\.[0-9]{1,3}".prop_map(|s| s),
        "\\PC{0,6}".prop_map(|s| s),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn extractor_never_panics_on_arbitrary_text_and_is_deterministic(text in "\\PC{0,300}|.{0,300}") {
        let a = check_text(&RULES, &text);
        let b = check_text(&RULES, &text);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn extractor_never_panics_on_dose_like_text_and_is_deterministic(
        parts in proptest::collection::vec(fragment(), 0..40),
        spaces in proptest::collection::vec(0u8..3, 0..40),
    ) {
        let mut text = String::new();
        for (i, p) in parts.iter().enumerate() {
            text.push_str(p);
            match spaces.get(i).copied().unwrap_or(1) {
                0 => {}
                1 => text.push(' '),
                _ => text.push_str("  "),
            }
        }
        let claims = extract_claims(&RULES, &text);
        for c in &claims {
            // Offsets are char boundaries and the text is the slice they name.
            prop_assert_eq!(text.get(c.start..c.end), Some(c.text.as_str()));
            prop_assert!(c.low <= c.high);
            prop_assert!(c.low.is_finite() && c.high.is_finite());
        }
        let a = check_text(&RULES, &text);
        let b = check_text(&RULES, &text);
        prop_assert_eq!(a, b);
    }
}

/// The zero of a set of decimal digits in another width or script, or in a compatibility form
/// that NFKC reads as ASCII digits.
const DIGIT_ZEROS: &[char] = &[
    '\u{FF10}',  // full-width
    '\u{0660}',  // Arabic-Indic
    '\u{06F0}',  // extended Arabic-Indic
    '\u{0966}',  // Devanagari
    '\u{09E6}',  // Bengali
    '\u{1D7CE}', // mathematical bold
    '\u{1D7F6}', // mathematical monospace
];
const SUPERSCRIPTS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

/// `text` with each ASCII digit written in the form `forms[i]` picks (0: as it is; 1..=7: a
/// script of `DIGIT_ZEROS`; 8: superscript).
fn rewrite_digits(text: &str, forms: &[u8]) -> String {
    let mut k = 0;
    text.chars()
        .map(|c| {
            let Some(d) = c.to_digit(10) else { return c };
            let form = forms.get(k).copied().unwrap_or(0);
            k += 1;
            match form {
                0 => c,
                1..=7 => char::from_u32(DIGIT_ZEROS[usize::from(form) - 1] as u32 + d).unwrap(),
                _ => SUPERSCRIPTS[d as usize],
            }
        })
        .collect()
}

/// What a verdict depends on: everything of a claim but its text (which is shown as written).
fn judged_as(report: &DosingReport) -> Vec<String> {
    report
        .claims
        .iter()
        .map(|c| {
            format!(
                "{} {}-{} {} {:?} {:?} {:?} {:?} {:?} {:?}",
                c.drug,
                c.low,
                c.high,
                c.unit,
                c.per,
                c.frequency,
                c.route,
                c.verdict,
                c.rule,
                c.duration
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Any Unicode form of a dose's digits (every width and script, superscripts, mixed within
    /// one number) is judged exactly as its ASCII form.
    #[test]
    fn any_unicode_form_of_a_dose_is_judged_as_its_ascii_form(
        drug in prop::sample::select(vec!["methotrexate", "prednisone", "IVIG", "rituximab", "azathioprine", "tacrolimus"]),
        whole in 0u32..2000,
        tenths in prop::option::of(0u32..10),
        unit in prop::sample::select(vec!["mg", "g", "mcg", "mg/kg", "g/kg", "mg/m²"]),
        frequency in prop::sample::select(vec!["daily", "weekly", "once weekly", "twice daily", "every 2 weeks", ""]),
        forms in proptest::collection::vec(0u8..9, 8),
    ) {
        let amount = match tenths {
            Some(t) => format!("{whole}.{t}"),
            None => whole.to_string(),
        };
        let ascii = format!("{drug} {amount} {unit} {frequency}");
        let other = rewrite_digits(&ascii, &forms);
        prop_assert_eq!(
            judged_as(&check_text(&RULES, &ascii)),
            judged_as(&check_text(&RULES, &other)),
            "{} vs {}", ascii, other
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The development articles: every dose statement, labelled

/// The development pages, evaluation data read at run time (never copied into the repository).
const DEV_PAGES: &str = "../shared/droracle-dev/pages";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DevLabels {
    dose: Vec<DevDose>,
    missed: Vec<DevMissed>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DevDose {
    article: String,
    drug: String,
    low: f64,
    high: f64,
    unit: String,
    per: String,
    frequency: Option<String>,
    verdict: String,
    rule: Option<String>,
    note: Option<String>,
    /// Why ten times this dose cannot be caught, when it cannot.
    tenfold_not_caught: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DevMissed {
    article: String,
    what: String,
    count: usize,
}

/// The article's text: the page without its first two lines (the URL and a blank line).
fn dev_page(dir: &Path, slug: &str) -> String {
    let raw = std::fs::read_to_string(dir.join(format!("{slug}.txt")))
        .unwrap_or_else(|e| panic!("read the dev page {slug}: {e}"));
    raw.lines().skip(2).collect::<Vec<_>>().join("\n")
}

/// `page` with the amount of `claim` written ten times higher (every number before the claim's
/// unit, in place), and where the claim now starts; `None` when the claim's text is not in the
/// page or has no number before its unit.
fn tenfold_in_page(page: &str, claim: &DoseClaim, from: usize) -> Option<(String, usize)> {
    let at = from + page[from..].find(&claim.text)?;
    let text = &claim.text;
    let unit_at = text
        .char_indices()
        .filter(|(i, _)| text[*i..].starts_with(claim.unit.as_str()))
        .map(|(i, _)| i)
        .find(|&i| i > 0 && text[..i].chars().any(|c| c.is_ascii_digit()))?;
    let mut out = String::new();
    let mut number = String::new();
    let flush = |number: &mut String, out: &mut String| {
        if !number.is_empty() {
            let v: f64 = number.replace(',', "").parse().unwrap_or(0.0);
            out.push_str(&format!("{}", (v * 10.0 * 1e6).round() / 1e6));
            number.clear();
        }
    };
    for (i, c) in text.char_indices() {
        let in_number = c.is_ascii_digit()
            || ((c == '.' || c == ',')
                && !number.is_empty()
                && i + 1 < text.len()
                && text[i + 1..].starts_with(|d: char| d.is_ascii_digit()));
        if i < unit_at && in_number {
            number.push(c);
        } else {
            flush(&mut number, &mut out);
            out.push(c);
        }
    }
    flush(&mut number, &mut out);
    Some((
        format!("{}{}{}", &page[..at], out, &page[at + text.len()..]),
        at,
    ))
}

#[test]
fn dev_article_doses_get_their_labelled_verdicts() {
    let dir = manifest_path(DEV_PAGES);
    if !dir.is_dir() {
        eprintln!(
            "skipped: the development pages are not at {}",
            dir.display()
        );
        return;
    }
    let path = manifest_path("tests/data/dev_article_doses.toml");
    let raw = std::fs::read_to_string(&path).expect("read the dev labels");
    let labels: DevLabels =
        toml::from_str(&raw).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rules = DosingRules::formulary().expect("the compiled formulary loads");
    let mut slugs: Vec<&str> = labels.dose.iter().map(|d| d.article.as_str()).collect();
    slugs.dedup();
    let mut failures = Vec::new();
    let (mut checked, mut found, mut uncaught) = (0usize, 0usize, 0usize);
    for slug in &slugs {
        let page = dev_page(&dir, slug);
        let report = check_text(&rules, &page);
        let mut cursor = 0;
        let want: Vec<&DevDose> = labels.dose.iter().filter(|d| d.article == *slug).collect();
        if report.claims.len() != want.len() {
            failures.push(format!(
                "{slug}: {} claims labelled, {} found{}",
                want.len(),
                report.claims.len(),
                describe(&report)
            ));
            continue;
        }
        for (index, (claim, label)) in report.claims.iter().zip(&want).enumerate() {
            found += 1;
            let verdict = verdict_name(claim.verdict);
            let same = claim.drug == label.drug
                && (claim.low - label.low).abs() < 1e-9
                && (claim.high - label.high).abs() < 1e-9
                && claim.unit == label.unit
                && basis_name(claim.per) == label.per
                && claim.frequency == label.frequency
                && verdict == label.verdict
                && (label.verdict == "unverified" || claim.rule == label.rule);
            if !same {
                failures.push(format!("{slug}: expected {label:?}, got {claim:?}"));
            }
            assert!(
                label.verdict != "unverified" || label.note.is_some(),
                "{slug}: an unchecked dose says why ({label:?})"
            );
            // The article's own doses are standard regimens: no alarm on any of them.
            if !matches!(claim.verdict, Verdict::Ok | Verdict::Unverified) {
                failures.push(format!("{slug}: false alarm on {claim:?}"));
            }
            if claim.verdict == Verdict::Ok && label.tenfold_not_caught.is_some() {
                checked += 1;
                uncaught += 1;
            }
            if claim.verdict == Verdict::Ok && label.tenfold_not_caught.is_none() {
                checked += 1;
                let Some((wrong, at)) = tenfold_in_page(&page, claim, cursor) else {
                    failures.push(format!("{slug}: {:?} is not in the page", claim.text));
                    continue;
                };
                cursor = at + 1;
                let again = check_text(&rules, &wrong);
                let caught = again
                    .claims
                    .get(index)
                    .is_some_and(|c| !matches!(c.verdict, Verdict::Ok | Verdict::Unverified));
                if !caught {
                    failures.push(format!(
                        "{slug}: the tenfold error of {:?} is not caught: {:?}",
                        claim.text,
                        again.claims.get(index)
                    ));
                }
            }
        }
    }
    let missed: usize = labels.missed.iter().map(|m| m.count).sum();
    assert!(
        labels
            .missed
            .iter()
            .all(|m| slugs.contains(&m.article.as_str())
                || dir.join(format!("{}.txt", m.article)).is_file())
            && labels.missed.iter().all(|m| !m.what.is_empty()),
        "each missed statement names its article and what it is"
    );
    let total = found + missed;
    assert!(
        uncaught <= 1,
        "{uncaught} checked doses whose tenfold error is not caught"
    );
    assert!(
        checked * 100 >= total * 80,
        "{checked} of {total} dose statements are checked by a rule, under 80%"
    );
    assert!(
        failures.is_empty(),
        "{} problems:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn a_corpus_without_dosing_rules_still_catches_the_classic_errors() {
    let dir = tempfile::TempDir::new().unwrap();
    let rules = DosingRules::for_corpus(dir.path()).expect("the compiled formulary alone");
    for (text, verdict) in [
        ("methotrexate 15 mg daily", Verdict::WrongFrequency),
        ("IVIG 20 g/kg daily", Verdict::OutOfRange),
        ("prednisone 600 mg daily", Verdict::OutOfRange),
    ] {
        let report = check_text(&rules, text);
        assert!(!report.ok, "{text}: {report:#?}");
        assert_eq!(report.claims[0].verdict, verdict, "{text}");
    }
    assert!(check_text(&rules, "methotrexate 15 mg once weekly").ok);
}

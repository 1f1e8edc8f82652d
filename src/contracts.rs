//! The JSON shapes of DESIGN.md ("JSON contracts"), shared by the CLI's `--json` output and the
//! HTTP API. Plain data only: this module imports nothing from the rest of the crate, so every
//! layer may use it. Change a shape only through an issue.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Whether a document is a source article or a note on one of its cited references.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    Article,
    Reference,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Article => "article",
            DocKind::Reference => "reference",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "article" => Some(DocKind::Article),
            "reference" => Some(DocKind::Reference),
            _ => None,
        }
    }
}

/// Reply of `search` (CLI `--json` and `GET /api/v1/search`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearchReply {
    pub query: String,
    pub hits: Vec<Hit>,
}

/// One retrieved passage, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Hit {
    pub rank: usize,
    pub chunk_id: String,
    pub doc_id: String,
    pub kind: DocKind,
    pub title: String,
    pub section: String,
    pub text: String,
    pub score: f32,
    pub cites: Vec<String>,
    /// Why the passage is in the list: it matched the query (`search`), or it is the best
    /// passage of a reference cited by an article passage above it (`citation`), which is why a
    /// citation can rank above a passage that scored higher.
    #[serde(default)]
    pub via: Via,
    /// For a citation expansion, the chunk id of the article passage that cites it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cited_by: Option<String>,
    /// What the passage is in its document: a paragraph, a lead-in, a list item, a step of a
    /// numbered list or a table row.
    #[serde(skip)]
    pub role: Role,
    /// What a list item, a step or a table row belongs to: the lead-in of its list, or the
    /// header row of its table ("Parameter | Mild | Moderate | Severe"); empty otherwise.
    #[serde(skip)]
    pub lead: String,
    /// Its document's subject headings (an abstract's MeSH terms), "; " between them: what
    /// the document is about in words its text may not use. Never quoted.
    #[serde(skip)]
    pub keywords: String,
}

/// What a passage is in its document's structure, decided once by the chunker and stored in
/// the index, so that no later stage guesses it from punctuation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A paragraph of its own.
    #[default]
    Paragraph,
    /// A paragraph that introduces the list right after it ("… the following criteria:").
    LeadIn,
    /// An item of a bulleted list, with its sub-items.
    ListItem,
    /// An item of a numbered list: a step of a protocol.
    Step,
    /// A row of a table (its cells joined by " | "); its lead is the header row.
    TableRow,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Paragraph => "paragraph",
            Role::LeadIn => "lead_in",
            Role::ListItem => "list_item",
            Role::Step => "step",
            Role::TableRow => "table_row",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [
            Role::Paragraph,
            Role::LeadIn,
            Role::ListItem,
            Role::Step,
            Role::TableRow,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// A list item, a step or a table row: a passage read with what it belongs to.
    pub fn belongs(self) -> bool {
        matches!(self, Role::ListItem | Role::Step | Role::TableRow)
    }
}

/// How a hit entered the search results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// Matched the query itself; ranked by its score.
    #[default]
    Search,
    /// Placed right after the article passage that cites its document.
    Citation,
}

/// Reply of `check-dosing`, and the `dosing` member of the ask reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DosingReport {
    /// False when any claim's dose is wrong ([`Verdict::is_wrong`]); `unverified` claims (not
    /// checked) leave it true. True when there are no claims.
    pub ok: bool,
    pub claims: Vec<DoseClaim>,
}

impl DosingReport {
    pub fn from_claims(claims: Vec<DoseClaim>) -> Self {
        let ok = !claims.iter().any(|c| c.verdict.is_wrong());
        DosingReport { ok, claims }
    }
}

impl Default for DosingReport {
    fn default() -> Self {
        DosingReport {
            ok: true,
            claims: Vec::new(),
        }
    }
}

/// One dose statement found in a text, with its verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DoseClaim {
    /// The words of the statement as they stand in the text.
    pub text: String,
    pub drug: String,
    pub low: f64,
    pub high: f64,
    pub unit: String,
    pub per: DoseBasis,
    pub frequency: Option<String>,
    pub route: Option<String>,
    pub verdict: Verdict,
    /// Id of the rule in `corpus/dosing/rules.toml` that judged it, if any.
    pub rule: Option<String>,
    pub message: String,
    /// How long the dose is given, as stated ("3–5 days", "≥4 weeks").
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub duration: Option<String>,
    /// A threshold written before the amount (">=" for "≥20 mg", "<=" for "up to 80 mg").
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub comparator: Option<String>,
    /// How many doses the statement gives, when it says ("x2", "two doses", "days 1 and 15",
    /// or an interval with a duration: "weekly for 4 weeks" is 4).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub doses: Option<u32>,
    /// How often a whole course is repeated, when the statement gives a course and its repeat
    /// ("1 g/kg/day for 2 days every 4 weeks": `frequency` daily, `repeat` every 4 weeks).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub repeat: Option<String>,
}

/// What an amount is counted per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DoseBasis {
    Dose,
    Kg,
    M2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Ok,
    OutOfRange,
    WrongFrequency,
    WrongUnit,
    WrongRoute,
    /// ask only: the dose is not stated in any cited passage.
    NotInSources,
    /// Not checked: no rule covers it. Neutral, not a wrong dose.
    Unverified,
    /// The drug's rule needs the frequency to judge the dose safely (methotrexate: weekly, never
    /// daily) and the statement gives none.
    MissingFrequency,
    /// The schedule is given for a limited number of doses (rituximab 1 g every 2 weeks ×2,
    /// 375 mg/m² weekly ×4) and the statement does not say how many.
    MissingDoseCount,
    /// More doses than the rule allows for that schedule ("375 mg/m² weekly for 52 weeks").
    TooManyDoses,
    /// The total of one course (daily amount × days) is over the rule's course limit ("IVIG
    /// 1 g/kg daily for 5 days" is 5 g/kg, over 2 g/kg).
    CourseOverLimit,
}

impl Verdict {
    /// True for a dose that is wrong: every verdict but `ok` and `unverified` (not checked).
    /// A wrong dose makes the report's `ok` false and `check-dosing` exit with 1.
    pub fn is_wrong(self) -> bool {
        !matches!(self, Verdict::Ok | Verdict::Unverified)
    }
}

/// How the answer was composed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Llm,
    Extractive,
}

/// Reply of `ask` (CLI `--json`, `POST /api/v1/ask`, and the SSE `done` event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AskReply {
    pub question: String,
    /// Markdown with `[S1]` markers.
    pub answer: String,
    pub mode: Mode,
    pub fallback_reason: Option<String>,
    pub verified: bool,
    pub covered: bool,
    pub passages: Vec<Passage>,
    pub quotes: Vec<QuoteCheck>,
    pub dosing: DosingReport,
    /// The articles the answer draws on: the article of its scope, or, asked of the whole
    /// library, the one chosen to answer, or each of several when no one article covers the
    /// question; empty when it draws on none (a library-wide "not covered").
    #[serde(default)]
    pub articles: Vec<ArticleRef>,
}

/// An article an answer draws on, named for the reader.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ArticleRef {
    pub id: String,
    pub title: String,
}

/// A passage shown to the composer as `[Sn]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Passage {
    pub marker: String,
    pub chunk_id: String,
    pub doc_id: String,
    pub title: String,
    pub section: String,
    pub text: String,
    /// What the passage is in its document (see [`Hit::role`]).
    #[serde(skip)]
    pub role: Role,
    /// What a list item, step or table row belongs to (see [`Hit::lead`]).
    #[serde(skip)]
    pub lead: String,
}

/// The check of one double-quoted span of an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuoteCheck {
    pub marker: String,
    pub quote: String,
    pub verified: bool,
    pub problem: Option<QuoteProblem>,
    /// For a verified quote, the passage it stands in (`chunk_id` of a passage of the reply).
    #[serde(default)]
    pub chunk_id: Option<String>,
    /// For a verified quote, where it stands in that passage's `text`: `[start, end)` in
    /// characters (Unicode scalar values, not bytes), from the first to the last quoted word.
    #[serde(default)]
    pub start: Option<usize>,
    #[serde(default)]
    pub end: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuoteProblem {
    /// In no passage (including real words stitched into a span never written contiguously).
    NotFound,
    /// Verbatim, but in another passage than the one marked.
    Misattributed,
    /// A marker that names no passage.
    UnknownMarker,
}

/// Which composer a request asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ModeChoice {
    /// The LLM when one is configured, else offline.
    #[default]
    Auto,
    /// The LLM; an error when none is configured.
    Llm,
    /// The extractive composer, no LLM.
    Offline,
}

/// Body of `POST /api/v1/ask` (and `/ask/stream`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskRequest {
    pub question: String,
    #[serde(default)]
    pub history: Vec<Turn>,
    #[serde(default)]
    pub k: Option<usize>,
    #[serde(default)]
    pub mode: ModeChoice,
    /// The article whose box asks: the answer draws only on it and the references it cites.
    /// Unset, the whole library answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
}

/// One turn of a conversation (`history` in requests).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Turn {
    pub role: String,
    pub content: String,
}

/// The error body of every failed API call: `{"error": {"code", "message", "type", "param"}}`,
/// the shape OpenAI clients read, on `/api` and `/v1` alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable and machine-readable (`bad_k`, `unsupported_parameter`).
    pub code: String,
    /// For people: what was wrong and what to do.
    pub message: String,
    /// The class of error as OpenAI names them: `invalid_request_error`,
    /// `authentication_error`, `not_found_error`, `rate_limit_error`, `server_error`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The request field at fault, when one is (`n`, `messages`), else null.
    #[serde(default)]
    pub param: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dosing_report_ok_only_when_every_claim_is_ok() {
        let claim = |verdict| DoseClaim {
            text: "x".into(),
            drug: "x".into(),
            low: 1.0,
            high: 1.0,
            unit: "mg".into(),
            per: DoseBasis::Dose,
            frequency: None,
            route: None,
            verdict,
            rule: None,
            message: String::new(),
            duration: None,
            comparator: None,
            doses: None,
            repeat: None,
        };
        assert!(DosingReport::from_claims(vec![]).ok);
        assert!(DosingReport::from_claims(vec![claim(Verdict::Ok)]).ok);
        assert!(
            DosingReport::from_claims(vec![claim(Verdict::Ok), claim(Verdict::Unverified)]).ok,
            "a dose no rule covers is not checked, not wrong"
        );
        for wrong in [
            Verdict::OutOfRange,
            Verdict::WrongFrequency,
            Verdict::WrongUnit,
            Verdict::WrongRoute,
            Verdict::NotInSources,
            Verdict::MissingFrequency,
            Verdict::MissingDoseCount,
            Verdict::TooManyDoses,
            Verdict::CourseOverLimit,
        ] {
            assert!(
                !DosingReport::from_claims(vec![claim(Verdict::Ok), claim(wrong)]).ok,
                "{wrong:?}"
            );
        }
    }

    #[test]
    fn verdicts_serialise_as_design_names_them() {
        let names: Vec<String> = [
            Verdict::Ok,
            Verdict::OutOfRange,
            Verdict::WrongFrequency,
            Verdict::WrongUnit,
            Verdict::WrongRoute,
            Verdict::NotInSources,
            Verdict::Unverified,
            Verdict::MissingFrequency,
            Verdict::MissingDoseCount,
            Verdict::TooManyDoses,
            Verdict::CourseOverLimit,
        ]
        .iter()
        .map(|v| serde_json::to_string(v).unwrap())
        .collect();
        assert_eq!(
            names,
            [
                "\"ok\"",
                "\"out_of_range\"",
                "\"wrong_frequency\"",
                "\"wrong_unit\"",
                "\"wrong_route\"",
                "\"not_in_sources\"",
                "\"unverified\"",
                "\"missing_frequency\"",
                "\"missing_dose_count\"",
                "\"too_many_doses\"",
                "\"course_over_limit\""
            ]
        );
    }
}

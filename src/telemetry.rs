//! What the service counts, for operators: the metric names and labels in one place and the
//! functions that record them, through the [`metrics`] facade (a no-op until `serve` installs
//! the Prometheus recorder, `server::metrics`). Labels are closed sets (route templates,
//! verdicts, modes, kinds of reason): never a question, a client address or an error message.
//! Imports only `contracts`, so every layer may count.

use std::time::Duration;

use metrics::{counter, histogram};

use crate::contracts::{AskReply, DosingReport, Mode, Verdict};

/// Requests served, by route template, method and status.
pub const REQUESTS: &str = "medcite_http_requests_total";
/// Seconds from a request's arrival to its response's headers, by route template.
pub const REQUEST_SECONDS: &str = "medcite_http_request_duration_seconds";
/// Answers given, by mode (`llm`, `extractive`), whether verified and whether covered.
pub const ANSWERS: &str = "medcite_answers_total";
/// Answers that fell back to the offline answer, by the kind of reason: the model call's error
/// kind (`timeout`, `unreachable`, ...), `failed_check` or `model_budget`.
pub const FALLBACKS: &str = "medcite_answer_fallbacks_total";
/// Model calls, by outcome (`ok` or the kind of error), and their duration in seconds.
pub const MODEL_CALLS: &str = "medcite_model_calls_total";
pub const MODEL_SECONDS: &str = "medcite_model_call_duration_seconds";
/// Dose statements judged, by verdict and by where (`ask` or `check_dosing`).
pub const DOSING_VERDICTS: &str = "medcite_dosing_verdicts_total";
/// Requests refused with 429, by limit (`requests`, `bad_token`, `locked_out`).
pub const RATE_LIMITED: &str = "medcite_rate_limited_total";
/// Work turned away to protect the server, by what was full (`cpu_pool`, `connections`).
pub const SHED: &str = "medcite_shed_total";

/// Counts a model call: its outcome (`ok`, or the kind of error) and how long it took.
pub fn model_call(outcome: &'static str, took: Duration) {
    counter!(MODEL_CALLS, "outcome" => outcome).increment(1);
    histogram!(MODEL_SECONDS).record(took.as_secs_f64());
}

/// Counts an answer that fell back to the offline answer, by the kind of reason.
pub fn fallback(reason: &'static str) {
    counter!(FALLBACKS, "reason" => reason).increment(1);
}

/// Counts a finished answer: its mode, verification, and the verdicts of its doses.
pub fn answer(reply: &AskReply) {
    let mode = match reply.mode {
        Mode::Llm => "llm",
        Mode::Extractive => "extractive",
    };
    counter!(ANSWERS,
        "mode" => mode,
        "verified" => reply.verified.to_string(),
        "covered" => reply.covered.to_string())
    .increment(1);
    dosing("ask", &reply.dosing);
}

/// Counts the verdicts of a dosing report.
pub fn dosing(source: &'static str, report: &DosingReport) {
    for claim in &report.claims {
        counter!(DOSING_VERDICTS, "verdict" => verdict_name(claim.verdict), "source" => source)
            .increment(1);
    }
}

/// A 429 of the limit named.
pub fn rate_limited(limit: &'static str) {
    counter!(RATE_LIMITED, "limit" => limit).increment(1);
}

/// Work turned away because `what` was full.
pub fn shed(what: &'static str) {
    counter!(SHED, "what" => what).increment(1);
}

/// The verdict as the JSON contract spells it (`out_of_range`).
fn verdict_name(verdict: Verdict) -> String {
    serde_json::to_value(verdict)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_names_follow_the_json_contract() {
        assert_eq!(verdict_name(Verdict::OutOfRange), "out_of_range");
        assert_eq!(verdict_name(Verdict::Ok), "ok");
    }
}

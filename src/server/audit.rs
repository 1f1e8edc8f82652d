//! The audit log: one JSON line per answered question (which question got which answer, from
//! which passages, with which verdicts, by which model, in how long, under which request id), so
//! that a clinician's complaint can be traced. Files roll over daily and the oldest go; the
//! question text can be left out (only its SHA-256 kept). It records answers; it never changes
//! one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tracing_appender::rolling::{RollingFileAppender, Rotation};

use crate::contracts::{AskReply, Mode, Verdict};

/// Days of audit files kept.
pub const KEEP_FILES: usize = 90;
/// Audit files are `audit.<date>.jsonl`.
pub const FILE_PREFIX: &str = "audit";
pub const FILE_SUFFIX: &str = "jsonl";

/// Where and how the audit log is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSettings {
    pub dir: PathBuf,
    /// Leave the question text out (keep its SHA-256, to match a complaint to its line).
    pub redact_questions: bool,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "cannot write the audit log in {dir}: {detail}; pass --audit-dir with a writable folder, or --no-audit to serve without one"
)]
pub struct AuditError {
    dir: PathBuf,
    detail: String,
}

/// One audit line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// The `x-request-id` of the request.
    pub request_id: String,
    /// When the answer was finished, RFC 3339 in UTC.
    pub time: String,
    /// The article the answer draws on (the first one, when several).
    pub article: Option<String>,
    /// Every document (article or reference note) a passage of the answer comes from.
    pub documents: Vec<String>,
    /// The question, or `None` when questions are redacted.
    pub question: Option<String>,
    /// SHA-256 of the question as asked (hex).
    pub question_sha256: String,
    pub answer: String,
    /// Chunk ids of the passages the answer was given, in marker order (S1, S2, …).
    pub passages: Vec<String>,
    pub verified: bool,
    pub covered: bool,
    /// Whether every dose in the answer passed, and each dose's verdict.
    pub dosing_ok: bool,
    pub dosing: Vec<AuditDose>,
    pub mode: Mode,
    /// The model that wrote the answer (`None` for an offline answer).
    pub model: Option<String>,
    pub fallback_reason: Option<String>,
    /// From the request reaching the engine to the finished answer.
    pub latency_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditDose {
    pub drug: String,
    pub verdict: Verdict,
}

/// What the server knows of a question besides the reply.
pub struct AuditContext<'a> {
    pub request_id: &'a str,
    pub question: &'a str,
    /// The LLM's model name, when one is configured.
    pub model: Option<&'a str>,
    /// The article ids of the corpus, to tell articles from reference notes.
    pub is_article: &'a dyn Fn(&str) -> bool,
    pub latency: Duration,
}

impl AuditRecord {
    pub fn new(context: &AuditContext<'_>, reply: &AskReply, redact: bool) -> AuditRecord {
        let mut documents: Vec<String> = Vec::new();
        for passage in &reply.passages {
            if !documents.contains(&passage.doc_id) {
                documents.push(passage.doc_id.clone());
            }
        }
        let article = documents
            .iter()
            .find(|id| (context.is_article)(id))
            .cloned();
        AuditRecord {
            request_id: context.request_id.to_string(),
            time: now_rfc3339(),
            article,
            documents,
            question: (!redact).then(|| context.question.to_string()),
            question_sha256: hex::encode(Sha256::digest(context.question.as_bytes())),
            answer: reply.answer.clone(),
            passages: reply.passages.iter().map(|p| p.chunk_id.clone()).collect(),
            verified: reply.verified,
            covered: reply.covered,
            dosing_ok: reply.dosing.ok,
            dosing: reply
                .dosing
                .claims
                .iter()
                .map(|c| AuditDose {
                    drug: c.drug.clone(),
                    verdict: c.verdict,
                })
                .collect(),
            mode: reply.mode,
            model: match reply.mode {
                Mode::Llm => context.model.map(str::to_string),
                Mode::Extractive => None,
            },
            fallback_reason: reply.fallback_reason.clone(),
            latency_ms: u64::try_from(context.latency.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

pub(super) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The open audit log.
pub struct AuditLog {
    file: Mutex<RollingFileAppender>,
    settings: AuditSettings,
}

impl AuditLog {
    /// Creates the folder if need be and opens today's file.
    pub fn open(settings: AuditSettings) -> Result<AuditLog, AuditError> {
        let failed = |detail: String| AuditError {
            dir: settings.dir.clone(),
            detail,
        };
        std::fs::create_dir_all(&settings.dir).map_err(|e| failed(e.to_string()))?;
        let file = RollingFileAppender::builder()
            .rotation(Rotation::DAILY)
            .filename_prefix(FILE_PREFIX)
            .filename_suffix(FILE_SUFFIX)
            .max_log_files(KEEP_FILES)
            .build(&settings.dir)
            .map_err(|e| failed(e.to_string()))?;
        Ok(AuditLog {
            file: Mutex::new(file),
            settings,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.settings.dir
    }

    /// Writes the line for `reply` (blocking: call it off the async workers). A failed write is
    /// logged as an error; the answer is still given.
    pub fn record(&self, context: &AuditContext<'_>, reply: &AskReply) {
        let record = AuditRecord::new(context, reply, self.settings.redact_questions);
        let mut line = match serde_json::to_vec(&record) {
            Ok(line) => line,
            Err(e) => {
                tracing::error!("could not encode the audit line: {e}");
                return;
            }
        };
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = file.write_all(&line).and_then(|()| file.flush()) {
            tracing::error!(
                "could not write the audit line for request {} in {}: {e}",
                context.request_id,
                self.settings.dir.display()
            );
        }
    }
}

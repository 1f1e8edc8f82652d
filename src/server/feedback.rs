//! `POST /api/v1/feedback`: a reader's "wrong or unhelpful?" on an answer, one JSON line in
//! `feedback.jsonl` beside the audit log, under the request id the audit line of that answer
//! carries, so that the complaint and the answer can be read together. Input is checked (known
//! reasons, a request id's shape, a short comment); the file is bounded (at its limit it moves to
//! `feedback.1.jsonl`, replacing the one before). It records feedback; it never changes an answer.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::error::{ApiError, ApiJson};
use crate::contracts::ErrorBody;

/// The feedback file, in the audit log's folder.
pub const FILE: &str = "feedback.jsonl";
/// The previous feedback file, once `FILE` reached its limit.
pub const OLD_FILE: &str = "feedback.1.jsonl";
/// Bytes of `FILE` before it is moved to `OLD_FILE`.
pub const MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;
/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 1_000;
/// Longest request id (a UUID is 36).
const MAX_REQUEST_ID: usize = 64;

/// What was wrong with an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The answer says something the sources do not, or gets it wrong.
    Wrong,
    /// A wrong or unsafe dose.
    Unsafe,
    /// True but not what was asked, or missing what matters.
    Unhelpful,
    /// A quote or a source link that does not lead where it should.
    BadSource,
    Other,
}

/// Body of `POST /api/v1/feedback`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// The `x-request-id` of the answer's response.
    pub request_id: String,
    pub reason: Reason,
    /// What the reader adds, up to 1000 characters.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Reply of `POST /api/v1/feedback`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedbackReply {
    /// `recorded`.
    pub status: String,
}

/// One line of the feedback file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackRecord {
    /// When it was received, RFC 3339 in UTC.
    pub time: String,
    pub request_id: String,
    pub reason: Reason,
    pub comment: Option<String>,
}

/// The feedback file, appended to under a lock.
pub struct FeedbackLog {
    dir: PathBuf,
    max_bytes: u64,
    lock: Mutex<()>,
}

impl FeedbackLog {
    /// Feedback written in `dir` (the audit log's folder), the file bounded to `max_bytes`.
    pub fn new(dir: &Path, max_bytes: u64) -> FeedbackLog {
        FeedbackLog {
            dir: dir.to_path_buf(),
            max_bytes,
            lock: Mutex::new(()),
        }
    }

    /// Appends `record` (blocking), moving a full file aside first.
    pub fn record(&self, record: &FeedbackRecord) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let _held = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let path = self.dir.join(FILE);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if size + line.len() as u64 > self.max_bytes {
            std::fs::rename(&path, self.dir.join(OLD_FILE))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?;
        file.write_all(&line)?;
        file.flush()
    }
}

/// The record for `request`, or why it is refused.
fn checked(request: FeedbackRequest) -> Result<FeedbackRecord, ApiError> {
    let id = request.request_id.trim();
    let id_ok = !id.is_empty()
        && id.len() <= MAX_REQUEST_ID
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !id_ok {
        return Err(ApiError::bad_request(
            "bad_request_id",
            "request_id must be the x-request-id of the answer's response: up to 64 letters, digits and dashes",
        )
        .with_param("request_id"));
    }
    let comment = match request.comment {
        None => None,
        Some(text) => {
            let text: String = text
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let text = text.trim().to_string();
            let length = text.chars().count();
            if length > MAX_COMMENT_CHARS {
                return Err(ApiError::bad_request(
                    "comment_too_long",
                    format!(
                        "the comment is {length} characters long; the limit is {MAX_COMMENT_CHARS}"
                    ),
                )
                .with_param("comment"));
            }
            (!text.is_empty()).then_some(text)
        }
    };
    Ok(FeedbackRecord {
        time: super::audit::now_rfc3339(),
        request_id: id.to_string(),
        reason: request.reason,
        comment,
    })
}

#[utoipa::path(post, path = "/api/v1/feedback", tag = "api", request_body = FeedbackRequest,
    responses((status = 200, description = "Recorded in feedback.jsonl beside the audit log", body = FeedbackReply),
        (status = 400, description = "request_id not of a request id's shape, or comment too long", body = ErrorBody),
        (status = 422, description = "Unknown reason or field", body = ErrorBody),
        (status = 503, description = "This server keeps no audit log (served with --no-audit), so no feedback either", body = ErrorBody)))]
/// Records that an answer was wrong or unhelpful.
pub async fn feedback(
    State(state): State<Arc<AppState>>,
    ApiJson(request): ApiJson<FeedbackRequest>,
) -> Result<Json<FeedbackReply>, ApiError> {
    let record = checked(request)?;
    let Some(log) = state.feedback.clone() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "feedback_unavailable",
            "this server keeps no audit log, so it records no feedback; serve without --no-audit",
        ));
    };
    tokio::task::spawn_blocking(move || log.record(&record))
        .await
        .map_err(|e| ApiError::internal(format!("recording the feedback failed: {e}")))?
        .map_err(|e| {
            ApiError::internal(format!(
                "could not write the feedback file beside the audit log: {e}"
            ))
        })?;
    Ok(Json(FeedbackReply {
        status: "recorded".into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(id: &str, comment: Option<&str>) -> FeedbackRequest {
        FeedbackRequest {
            request_id: id.into(),
            reason: Reason::Wrong,
            comment: comment.map(str::to_string),
        }
    }

    #[test]
    fn input_is_checked_and_the_comment_made_one_plain_line() {
        assert!(checked(request("", None)).is_err());
        assert!(checked(request("../../etc/passwd", None)).is_err());
        assert!(checked(request(&"a".repeat(65), None)).is_err());
        let long = "x".repeat(MAX_COMMENT_CHARS + 1);
        assert_eq!(
            checked(request("abc-1", Some(&long))).unwrap_err().code,
            "comment_too_long"
        );
        let record = checked(request("abc-1", Some(" dose\nwrong\u{1b}[31m "))).unwrap();
        assert_eq!(record.comment.as_deref(), Some("dose wrong [31m"));
        assert_eq!(checked(request("abc-1", Some("  "))).unwrap().comment, None);
    }

    #[test]
    fn a_full_file_moves_aside_so_the_folder_stays_bounded() {
        let dir = tempfile::TempDir::new().unwrap();
        let log = FeedbackLog::new(dir.path(), 300);
        let record = checked(request("abc-1", Some("a comment"))).unwrap();
        for _ in 0..20 {
            log.record(&record).unwrap();
        }
        let size = |name: &str| std::fs::metadata(dir.path().join(name)).unwrap().len();
        assert!(size(FILE) <= 300 && size(OLD_FILE) <= 300);
        let line = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        let first: FeedbackRecord = serde_json::from_str(line.lines().next().unwrap()).unwrap();
        assert_eq!(first.request_id, "abc-1");
        assert_eq!(first.reason, Reason::Wrong);
    }
}

//! What the server allows: body size, request time, the optional bearer token for `/api` and
//! `/v1`, and the optional CORS origin, read once from the environment. Question length and `k`
//! are the engine's own limits (`answer::MAX_QUESTION_CHARS`, `retrieve::MAX_K`).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::AppState;
use super::error::ApiError;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// How much of a body over the limit is read and discarded before the 413 is sent, so that a
/// plain client still writing its body (Python's `urllib`, `requests`) reads the JSON 413 instead
/// of a broken pipe. Beyond this the connection is closed after the 413.
pub const DRAIN_BYTES: usize = 16 * 1024 * 1024;
/// Seconds a request may take when `MEDCITE_REQUEST_TIMEOUT_SECS` is not set: room for an LLM
/// answer and its one retry at the LLM's default 30 s each, so a slow model ends in the offline
/// fallback rather than a timeout.
pub const DEFAULT_TIMEOUT_SECS: u64 = 90;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{name} = '{value}' {problem}")]
    Bad {
        name: &'static str,
        value: String,
        problem: &'static str,
    },
}

/// The server's limits and access settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    /// When set, `/api` and `/v1` require `Authorization: Bearer <token>`.
    pub api_token: Option<String>,
    /// When set, browsers on this origin (or any, for `*`) may call the API.
    pub cors_origin: Option<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            max_body_bytes: MAX_BODY_BYTES,
            request_timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
            api_token: None,
            cors_origin: None,
        }
    }
}

impl Settings {
    /// Reads `MEDCITE_REQUEST_TIMEOUT_SECS`, `MEDCITE_API_TOKEN` and `MEDCITE_CORS_ORIGIN`.
    pub fn from_env() -> Result<Settings, SettingsError> {
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like `from_env`, with the variables looked up by `var`.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let set = |name: &str| {
            var(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut settings = Settings::default();
        if let Some(text) = set("MEDCITE_REQUEST_TIMEOUT_SECS") {
            match text.parse::<u64>() {
                Ok(secs) if (1..=3600).contains(&secs) => {
                    settings.request_timeout = Duration::from_secs(secs);
                }
                _ => {
                    return Err(SettingsError::Bad {
                        name: "MEDCITE_REQUEST_TIMEOUT_SECS",
                        value: text,
                        problem: "must be a whole number of seconds from 1 to 3600",
                    });
                }
            }
        }
        settings.api_token = set("MEDCITE_API_TOKEN");
        if let Some(origin) = set("MEDCITE_CORS_ORIGIN") {
            if origin != "*" && HeaderValue::from_str(&origin).is_err() {
                return Err(SettingsError::Bad {
                    name: "MEDCITE_CORS_ORIGIN",
                    value: origin,
                    problem: "must be an origin such as https://example.org, or *",
                });
            }
            settings.cors_origin = Some(origin);
        }
        Ok(settings)
    }

    /// The CORS layer, when an origin is configured.
    pub fn cors(&self) -> Option<CorsLayer> {
        let origin = self.cors_origin.as_deref()?;
        let allow = if origin == "*" {
            AllowOrigin::any()
        } else {
            AllowOrigin::exact(HeaderValue::from_str(origin).ok()?)
        };
        Some(
            CorsLayer::new()
                .allow_origin(allow)
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION]),
        )
    }
}

/// Holds every request to `max_body_bytes`, answering a larger one with the JSON 413. A body
/// over the limit is read and discarded (up to [`DRAIN_BYTES`]) before answering, so the client
/// finishes writing and reads the 413; a client that sent `Expect: 100-continue` gets the 413 at
/// once, before it sends the body. The request passed on carries its body, read whole.
pub async fn limit_body(State(max): State<usize>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let expects_continue = parts
        .headers
        .get(header::EXPECT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    let over = declared.is_some_and(|n| n > max as u64);
    if over && (expects_continue || declared.is_some_and(|n| n > DRAIN_BYTES as u64)) {
        return too_large(max, true);
    }
    let mut stream = body.into_data_stream();
    let mut kept: Vec<u8> = Vec::new();
    let mut total: usize = 0;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return ApiError::bad_request("bad_body", "the request body could not be read")
                .into_response();
        };
        total = total.saturating_add(chunk.len());
        if total <= max {
            kept.extend_from_slice(&chunk);
        } else if total > DRAIN_BYTES {
            return too_large(max, true);
        }
    }
    if total > max {
        return too_large(max, false);
    }
    next.run(Request::from_parts(parts, Body::from(kept))).await
}

/// The JSON 413; `close` when the rest of the body was not read, so the connection cannot be
/// reused.
fn too_large(max: usize, close: bool) -> Response {
    let mut response = ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!(
            "the request body is larger than this server accepts ({} KiB)",
            max / 1024
        ),
    )
    .into_response();
    if close {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// Rejects `/api` and `/v1` calls without the configured bearer token (when one is set).
pub async fn require_token(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(expected) = state.settings.api_token.as_deref() else {
        return next.run(request).await;
    };
    if request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(token) if same_secret(token.as_bytes(), expected.as_bytes()) => {
            next.run(request).await
        }
        _ => {
            let mut response = ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this server requires an API token: send Authorization: Bearer <token>",
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        }
    }
}

/// Compares two secrets in time that does not depend on where they differ.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_default_without_environment() {
        let settings = Settings::from_lookup(|_| None).unwrap();
        assert_eq!(settings, Settings::default());
        assert!(settings.cors().is_none());
    }

    #[test]
    fn settings_read_token_timeout_and_origin() {
        let settings = Settings::from_lookup(|name| match name {
            "MEDCITE_REQUEST_TIMEOUT_SECS" => Some("5".into()),
            "MEDCITE_API_TOKEN" => Some(" secret ".into()),
            "MEDCITE_CORS_ORIGIN" => Some("https://example.org".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(settings.request_timeout, Duration::from_secs(5));
        assert_eq!(settings.api_token.as_deref(), Some("secret"));
        assert!(settings.cors().is_some());
    }

    #[test]
    fn bad_timeout_is_an_error_naming_the_variable() {
        let error = Settings::from_lookup(|name| {
            (name == "MEDCITE_REQUEST_TIMEOUT_SECS").then(|| "soon".to_string())
        })
        .unwrap_err();
        assert!(error.to_string().contains("MEDCITE_REQUEST_TIMEOUT_SECS"));
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
    }
}

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
use super::ratelimit::Client;

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

/// Seconds a client has to send a request's headers, and the longest a kept-alive connection
/// may sit idle between requests.
pub const DEFAULT_HEADER_TIMEOUT_SECS: u64 = 10;
/// Seconds a client has to send a request's body once its headers are in, whatever the
/// request timeout.
pub const DEFAULT_BODY_TIMEOUT_SECS: u64 = 10;
/// Open connections served at once (lowered to fit the file-descriptor limit).
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// Open connections one address may hold at once.
pub const DEFAULT_MAX_CONNECTIONS_PER_CLIENT: usize = 256;
/// Requests one client may make to `/api` and `/v1` per minute, and at once in a burst.
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 1200;
pub const DEFAULT_REQUEST_BURST: u32 = 100;
/// Wrong tokens an address may send per minute before it is locked out for the rest of it.
pub const DEFAULT_BAD_TOKENS_PER_MINUTE: u32 = 10;
/// Model calls in flight at once, over all clients.
pub const DEFAULT_LLM_CONCURRENCY: usize = 4;
/// Questions one client may send to the model per minute.
pub const DEFAULT_LLM_ASKS_PER_MINUTE: u32 = 30;
/// Longest request line (path and query) accepted, in bytes.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Most headers, and most header bytes, a request may carry.
pub const MAX_HEADERS: usize = 64;
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{name} = '{value}' {problem}")]
    Bad {
        name: &'static str,
        value: String,
        problem: String,
    },
}

/// The server's limits and access settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    /// Time to send the headers of a request, and to send the next one on a kept-alive
    /// connection; past it the connection is closed.
    pub header_timeout: Duration,
    /// Time to send a request's body once its headers are in (408 past it).
    pub body_timeout: Duration,
    /// Connections served at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// Connections one address may hold at once; one more is answered 503 and closed.
    pub max_connections_per_client: usize,
    /// Requests per minute and burst for one client of `/api` and `/v1` (`None`: no limit).
    pub rate_limit: Option<(u32, u32)>,
    /// Wrong bearer tokens per minute from one address before it is locked out.
    pub bad_tokens_per_minute: u32,
    /// Model calls in flight at once; past it, the offline answer with the reason.
    pub llm_concurrency: usize,
    /// Questions per minute one client may send to the model; past it, the offline answer.
    pub llm_asks_per_minute: u32,
    /// Threads for retrieval and composition (`None`: one per core).
    pub cpu_slots: Option<usize>,
    /// Requests that may wait for a thread; past them, 503 with `Retry-After`.
    pub queue_depth: Option<usize>,
    /// Threads searching one query's index segments side by side (`None`: one per core, at most
    /// four; 1 keeps each search on its pool thread, for the most requests per second when
    /// every core is busy).
    pub search_threads: Option<usize>,
    /// When set, `/api` and `/v1` require `Authorization: Bearer <token>`.
    pub api_token: Option<String>,
    /// When set, browsers on this origin (or any, for `*`) may call the API.
    pub cors_origin: Option<String>,
    /// `Host` names `/mcp` answers (DNS-rebinding protection); `None`: loopback names only;
    /// `*` among them: any.
    pub mcp_allowed_hosts: Option<Vec<String>>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            max_body_bytes: MAX_BODY_BYTES,
            request_timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
            header_timeout: Duration::from_secs(DEFAULT_HEADER_TIMEOUT_SECS),
            body_timeout: Duration::from_secs(DEFAULT_BODY_TIMEOUT_SECS),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_client: DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
            rate_limit: Some((DEFAULT_REQUESTS_PER_MINUTE, DEFAULT_REQUEST_BURST)),
            bad_tokens_per_minute: DEFAULT_BAD_TOKENS_PER_MINUTE,
            llm_concurrency: DEFAULT_LLM_CONCURRENCY,
            llm_asks_per_minute: DEFAULT_LLM_ASKS_PER_MINUTE,
            cpu_slots: None,
            queue_depth: None,
            search_threads: None,
            api_token: None,
            cors_origin: None,
            mcp_allowed_hosts: None,
        }
    }
}

impl Settings {
    /// Reads the `MEDCITE_*` variables of the server (README, "HTTP").
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
        let number =
            |name: &'static str, low: u64, high: u64| -> Result<Option<u64>, SettingsError> {
                let Some(text) = set(name) else {
                    return Ok(None);
                };
                match text.parse::<u64>() {
                    Ok(n) if (low..=high).contains(&n) => Ok(Some(n)),
                    _ => Err(SettingsError::Bad {
                        name,
                        value: text,
                        problem: format!("must be a whole number from {low} to {high}"),
                    }),
                }
            };
        let secs = |name: &'static str, default: Duration| -> Result<Duration, SettingsError> {
            Ok(number(name, 1, 3600)?.map_or(default, Duration::from_secs))
        };
        let mut settings = Settings::default();
        settings.request_timeout = secs("MEDCITE_REQUEST_TIMEOUT_SECS", settings.request_timeout)?;
        settings.header_timeout = secs("MEDCITE_HEADER_TIMEOUT_SECS", settings.header_timeout)?;
        settings.body_timeout = secs("MEDCITE_BODY_TIMEOUT_SECS", settings.body_timeout)?;
        if let Some(n) = number("MEDCITE_MAX_CONNECTIONS", 1, 1_000_000)? {
            settings.max_connections = n as usize;
        }
        if let Some(n) = number("MEDCITE_MAX_CONNECTIONS_PER_CLIENT", 1, 1_000_000)? {
            settings.max_connections_per_client = n as usize;
        }
        let per_minute = number("MEDCITE_RATE_LIMIT_PER_MINUTE", 0, 10_000_000)?;
        let burst = number("MEDCITE_RATE_LIMIT_BURST", 1, 1_000_000)?;
        settings.rate_limit = match (per_minute, burst) {
            (Some(0), _) => None,
            (per_minute, burst) => Some((
                per_minute.map_or(DEFAULT_REQUESTS_PER_MINUTE, |n| n as u32),
                burst.map_or(DEFAULT_REQUEST_BURST, |n| n as u32),
            )),
        };
        if let Some(n) = number("MEDCITE_BAD_TOKENS_PER_MINUTE", 1, 1_000_000)? {
            settings.bad_tokens_per_minute = n as u32;
        }
        if let Some(n) = number("MEDCITE_LLM_CONCURRENCY", 0, 10_000)? {
            settings.llm_concurrency = n as usize;
        }
        if let Some(n) = number("MEDCITE_LLM_ASKS_PER_MINUTE", 0, 1_000_000)? {
            settings.llm_asks_per_minute = n as u32;
        }
        settings.cpu_slots = number("MEDCITE_CPU_SLOTS", 1, 1024)?.map(|n| n as usize);
        settings.queue_depth = number("MEDCITE_QUEUE_DEPTH", 0, 100_000)?.map(|n| n as usize);
        settings.search_threads = number("MEDCITE_SEARCH_THREADS", 1, 64)?.map(|n| n as usize);
        settings.api_token = set("MEDCITE_API_TOKEN");
        if let Some(origin) = set("MEDCITE_CORS_ORIGIN") {
            if origin != "*" && HeaderValue::from_str(&origin).is_err() {
                return Err(SettingsError::Bad {
                    name: "MEDCITE_CORS_ORIGIN",
                    value: origin,
                    problem: "must be an origin such as https://example.org, or *".into(),
                });
            }
            settings.cors_origin = Some(origin);
        }
        settings.mcp_allowed_hosts = set("MEDCITE_MCP_ALLOWED_HOSTS").map(|hosts| {
            hosts
                .split(',')
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
                .collect()
        });
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

/// What [`limit_body`] holds a request body to.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub max_bytes: usize,
    /// Time to receive the whole body, counted from when the handler asks for it.
    pub timeout: Duration,
}

/// Holds every request to `max_bytes`, answering a larger one with the JSON 413, and to
/// `timeout`, answering a body that does not arrive in time (say, a GET that declares a body and
/// never sends it) with the JSON 408 and closing the connection. A body over the limit is read
/// and discarded (up to [`DRAIN_BYTES`]) before answering, so the client finishes writing and
/// reads the 413; a client that sent `Expect: 100-continue` gets the 413 at once, before it sends
/// the body. The request passed on carries its body, read whole.
pub async fn limit_body(
    State(limits): State<BodyLimits>,
    request: Request,
    next: Next,
) -> Response {
    let max = limits.max_bytes;
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
    let read = async {
        let mut stream = body.into_data_stream();
        let mut kept: Vec<u8> = Vec::new();
        let mut total: usize = 0;
        while let Some(chunk) = stream.next().await {
            let Ok(chunk) = chunk else {
                return Err(ApiError::bad_request(
                    "bad_body",
                    "the request body could not be read",
                )
                .into_response());
            };
            total = total.saturating_add(chunk.len());
            if total <= max {
                kept.extend_from_slice(&chunk);
            } else if total > DRAIN_BYTES {
                return Err(too_large(max, true));
            }
        }
        if total > max {
            return Err(too_large(max, false));
        }
        Ok(kept)
    };
    match tokio::time::timeout(limits.timeout, read).await {
        Ok(Ok(kept)) => next.run(Request::from_parts(parts, Body::from(kept))).await,
        Ok(Err(response)) => response,
        Err(_) => {
            let mut response = ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                format!(
                    "the request body did not arrive within {} s; send the whole body with the request",
                    limits.timeout.as_secs()
                ),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
    }
}

/// Removes an `x-request-id` sent by the client unless it is a plain token (1 to 64 letters,
/// digits, `-`, `_`, `.`), so that the server makes a fresh one: the id goes into the access
/// and audit logs.
pub async fn drop_odd_request_id(mut request: Request, next: Next) -> Response {
    let plain = request.headers().get(super::REQUEST_ID).map(|v| {
        let bytes = v.as_bytes();
        (1..=64).contains(&bytes.len())
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    });
    if plain == Some(false) {
        request.headers_mut().remove(super::REQUEST_ID);
    }
    next.run(request).await
}

/// Answers a request line over [`MAX_URI_BYTES`] with the JSON 414, and more than
/// [`MAX_HEADERS`] headers or [`MAX_HEADER_BYTES`] of them with the JSON 431, before any handler
/// runs. (These limits sit below hyper's own, whose answers have no body.)
pub async fn limit_head(request: Request, next: Next) -> Response {
    let uri_bytes = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if uri_bytes > MAX_URI_BYTES {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!(
                "the request line is longer than this server accepts ({} KiB); send long text in a POST body",
                MAX_URI_BYTES / 1024
            ),
        )
        .into_response();
    }
    let headers = request.headers();
    let header_bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if headers.len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        return ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!(
                "the request carries more headers than this server accepts (at most {MAX_HEADERS}, {} KiB)",
                MAX_HEADER_BYTES / 1024
            ),
        )
        .into_response();
    }
    next.run(request).await
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

/// Rejects `/api` and `/v1` calls without the configured bearer token (when one is set). An
/// address that keeps sending wrong tokens is locked out for a while (429, whatever it sends);
/// a request with the right token then counts against the token, not its address.
pub async fn require_token(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(expected) = state.settings.api_token.as_deref() else {
        return next.run(request).await;
    };
    if request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    let address = Client::address_of(&request);
    if let Some(locked) = state.rate_limits.locked_out(&address) {
        crate::telemetry::rate_limited("locked_out");
        return locked.into_response();
    }
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token);
    match given {
        Some(token) if same_secret(token.as_bytes(), expected.as_bytes()) => {
            request.extensions_mut().insert(Client::Token);
            next.run(request).await
        }
        _ => {
            if let Some(locked) = state.rate_limits.bad_token(&address) {
                return locked.into_response();
            }
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

/// The token of an `Authorization: Bearer <token>` value; the scheme is matched without regard
/// to case, as RFC 9110 says.
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
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
    fn bearer_scheme_is_matched_without_regard_to_case() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER   abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearerabc"), None);
    }

    #[test]
    fn connection_and_rate_settings_are_read_and_checked() {
        let settings = Settings::from_lookup(|name| match name {
            "MEDCITE_HEADER_TIMEOUT_SECS" => Some("3".into()),
            "MEDCITE_MAX_CONNECTIONS" => Some("200".into()),
            "MEDCITE_RATE_LIMIT_PER_MINUTE" => Some("0".into()),
            "MEDCITE_LLM_CONCURRENCY" => Some("2".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(settings.header_timeout, Duration::from_secs(3));
        assert_eq!(settings.max_connections, 200);
        assert_eq!(settings.rate_limit, None);
        assert_eq!(settings.llm_concurrency, 2);
        let error = Settings::from_lookup(|name| {
            (name == "MEDCITE_MAX_CONNECTIONS").then(|| "0".to_string())
        })
        .unwrap_err();
        assert!(error.to_string().contains("MEDCITE_MAX_CONNECTIONS"));
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
    }

    #[test]
    fn mcp_allowed_hosts_are_a_comma_separated_list() {
        let settings = Settings::from_lookup(|name| {
            (name == "MEDCITE_MCP_ALLOWED_HOSTS").then(|| " a.example, b.example:8080 ,".into())
        })
        .expect("valid");
        assert_eq!(
            settings.mcp_allowed_hosts,
            Some(vec!["a.example".to_string(), "b.example:8080".to_string()])
        );
        assert_eq!(Settings::default().mcp_allowed_hosts, None);
    }
}

//! Per-client limits on `/api` and `/v1`: requests per minute (429 with `Retry-After` past
//! them) and the lock-out of an address that keeps sending wrong bearer tokens. A client is the
//! token when auth is on, else the peer address. The counting is `governor`'s (GCRA); this
//! module only chooses the key and writes the answer. It never looks at what a request asks.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::AppState;
use super::error::ApiError;

/// The header carrying a request's id, in the request (as received or as set by the server)
/// and in its response.
pub const REQUEST_ID: &str = "x-request-id";

/// Who a request counts against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Client {
    /// The holder of the API token (when `MEDCITE_API_TOKEN` is set).
    Token,
    /// A peer address.
    Address(IpAddr),
    /// No peer address known (a request built in-process, as in tests).
    Unknown,
}

impl Client {
    /// The peer address of `request`, as the accept loop recorded it.
    pub fn address_of(request: &Request) -> Client {
        request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(Client::Unknown, |ConnectInfo(addr)| {
                Client::Address(addr.ip())
            })
    }
}

/// Who is calling, and the id of the request: what the model budget and the audit log need.
#[derive(Debug, Clone)]
pub struct Caller {
    pub client: Client,
    pub request_id: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Caller, Infallible> {
        Ok(Caller::of(parts))
    }
}

impl Caller {
    /// The caller of the request with these parts: the client the rate limiter named, else its
    /// peer address, and the request id.
    pub fn of(parts: &Parts) -> Caller {
        let client = parts
            .extensions
            .get::<Client>()
            .cloned()
            .unwrap_or_else(|| {
                parts
                    .extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map_or(Client::Unknown, |ConnectInfo(addr)| {
                        Client::Address(addr.ip())
                    })
            });
        let request_id = parts
            .headers
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        Caller { client, request_id }
    }
}

/// Counts each `/api` and `/v1` request against its client (as [`super::limits::require_token`]
/// named it, else its address): past the quota, the JSON 429 with `Retry-After`.
pub async fn rate_limit(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let client = request
        .extensions()
        .get::<Client>()
        .cloned()
        .unwrap_or_else(|| Client::address_of(&request));
    if let Err(refused) = state.rate_limits.check(&client) {
        return refused.into_response();
    }
    request.extensions_mut().insert(client);
    next.run(request).await
}

/// The limiters of one server.
pub struct RateLimits {
    requests: Option<DefaultKeyedRateLimiter<Client>>,
    bad_tokens: DefaultKeyedRateLimiter<Client>,
    /// Addresses locked out after too many wrong tokens, and until when.
    locked: Mutex<HashMap<Client, Instant>>,
    clock: DefaultClock,
}

/// Most addresses remembered as locked out; older lock-outs are forgotten first.
const MAX_LOCKED: usize = 100_000;

impl RateLimits {
    /// `requests`: per minute and burst, or `None` for no request limit; `bad_tokens`: wrong
    /// tokens per minute from one address before its lock-out.
    pub fn new(requests: Option<(u32, u32)>, bad_tokens: u32) -> RateLimits {
        let requests = requests.and_then(|(per_minute, burst)| {
            let per_minute = NonZeroU32::new(per_minute)?;
            let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
            Some(RateLimiter::keyed(
                Quota::per_minute(per_minute).allow_burst(burst),
            ))
        });
        let bad_tokens = NonZeroU32::new(bad_tokens).unwrap_or(NonZeroU32::MIN);
        RateLimits {
            requests,
            bad_tokens: RateLimiter::keyed(Quota::per_minute(bad_tokens)),
            locked: Mutex::new(HashMap::new()),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one request of `client`; past its quota, the 429 to answer with.
    pub fn check(&self, client: &Client) -> Result<(), ApiError> {
        let Some(limiter) = &self.requests else {
            return Ok(());
        };
        limiter.check_key(client).map_err(|not_until| {
            crate::telemetry::rate_limited("requests");
            too_many(
                "rate_limited",
                "this client sent more requests than this server allows per minute; wait and try again",
                not_until.wait_time_from(self.clock.now()),
            )
        })
    }

    /// When `client` is locked out for wrong tokens, the 429 to answer with, whatever token it
    /// sends now.
    pub fn locked_out(&self, client: &Client) -> Option<ApiError> {
        let now = Instant::now();
        let mut locked = self.locked.lock().unwrap_or_else(|p| p.into_inner());
        let until = *locked.get(client)?;
        if until <= now {
            locked.remove(client);
            return None;
        }
        Some(lock_out(until - now))
    }

    /// Counts a wrong token from `client`; once it has sent too many, locks it out and returns
    /// the 429 to answer with instead of the 401.
    pub fn bad_token(&self, client: &Client) -> Option<ApiError> {
        let not_until = self.bad_tokens.check_key(client).err()?;
        crate::telemetry::rate_limited("bad_token");
        let wait = not_until.wait_time_from(self.clock.now());
        let mut locked = self.locked.lock().unwrap_or_else(|p| p.into_inner());
        if locked.len() >= MAX_LOCKED {
            let now = Instant::now();
            locked.retain(|_, until| *until > now);
        }
        if locked.len() < MAX_LOCKED {
            locked.insert(client.clone(), Instant::now() + wait);
        }
        Some(lock_out(wait))
    }

    /// Forgets clients whose quota is whole again, so the tables do not grow without bound.
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.requests {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        self.bad_tokens.retain_recent();
        self.bad_tokens.shrink_to_fit();
        let now = Instant::now();
        self.locked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, until| *until > now);
    }
}

fn lock_out(wait: Duration) -> ApiError {
    too_many(
        "too_many_bad_tokens",
        "too many requests from this address carried a wrong API token; wait before trying again",
        wait,
    )
}

/// A JSON 429 with `Retry-After` in whole seconds (at least 1).
fn too_many(code: &'static str, message: &str, wait: Duration) -> ApiError {
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, message.to_string())
        .with_retry_after(whole_seconds(wait))
}

/// `wait` rounded up to whole seconds.
fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;

    fn address(last: u8) -> Client {
        Client::Address(IpAddr::from([127, 0, 0, last]))
    }

    #[test]
    fn a_client_past_its_burst_gets_429_with_retry_after_and_others_do_not() {
        let limits = RateLimits::new(Some((60, 3)), 10);
        for _ in 0..3 {
            assert!(limits.check(&address(1)).is_ok());
        }
        let refused = limits.check(&address(1)).unwrap_err().into_response();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = refused.headers()[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait));
        assert!(limits.check(&address(2)).is_ok());
    }

    #[test]
    fn no_limit_when_turned_off() {
        let limits = RateLimits::new(None, 10);
        for _ in 0..10_000 {
            assert!(limits.check(&Client::Unknown).is_ok());
        }
    }

    #[test]
    fn repeated_bad_tokens_lock_the_address_out() {
        let limits = RateLimits::new(None, 3);
        for _ in 0..3 {
            assert!(limits.bad_token(&address(1)).is_none());
            assert!(limits.locked_out(&address(1)).is_none());
        }
        let refused = limits.bad_token(&address(1)).expect("locked out");
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(refused.retry_after.is_some());
        assert!(limits.locked_out(&address(1)).is_some());
        assert!(limits.locked_out(&address(2)).is_none());
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(whole_seconds(Duration::from_millis(10)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(2001)), 3);
        assert_eq!(whole_seconds(Duration::from_secs(2)), 2);
    }
}

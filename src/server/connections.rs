//! The accept loop: HTTP/1.1 connections served by hyper with a time limit on reading each
//! request's headers (which also closes a kept-alive connection left idle), and a cap on open
//! connections overall and per address, kept under the process's file-descriptor limit. At a
//! cap, the connection idle the longest (no request in flight: a slow or silent client, or a
//! kept-alive one between requests) is closed to make room, so idle and slowloris connections
//! cannot lock clients out; only when every connection has a request in flight is the new one
//! refused, with a JSON 503. It knows nothing of routes; the router does the rest.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, mpsc, watch};
use tower::ServiceExt;

use super::limits::{MAX_HEADERS, Settings};

/// File descriptors kept free for everything but client connections: the listener, logs, the
/// audit file, index and corpus reads, the LLM client, refusals and closings in progress.
pub const RESERVED_FDS: usize = 96;
/// Refusals being written at once; past them a connection is closed without a word.
const MAX_REFUSALS: usize = 32;
/// How long a refused client has to read its 503.
const REFUSAL_TIME: Duration = Duration::from_secs(1);
/// How often the accept loop reports connections closed or refused at a cap.
const REPORT_EVERY: Duration = Duration::from_secs(60);
/// How long requests in flight may take to finish once shutdown starts.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The connection limits in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    pub max: usize,
    pub per_client: usize,
    pub header_timeout: Duration,
}

impl ConnectionLimits {
    /// The settings' limits, the overall cap lowered to fit `fd_limit` (the soft
    /// `RLIMIT_NOFILE`) less [`RESERVED_FDS`].
    pub fn new(settings: &Settings, fd_limit: Option<u64>) -> ConnectionLimits {
        let fit = fd_limit.map_or(usize::MAX, |n| {
            usize::try_from(n)
                .unwrap_or(usize::MAX)
                .saturating_sub(RESERVED_FDS)
        });
        let max = settings.max_connections.min(fit).max(1);
        ConnectionLimits {
            max,
            per_client: settings.max_connections_per_client.min(max),
            header_timeout: settings.header_timeout,
        }
    }
}

/// The soft limit on open files of this process.
pub fn fd_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the struct it is given, which lives on this stack.
    let status = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    (status == 0 && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
}

/// One open connection as the gate sees it.
struct Open {
    ip: IpAddr,
    /// Since when no request has been in flight; `None` while one is.
    idle_since: Option<Instant>,
    /// Told when the connection is to close to make room.
    evict: Arc<Notify>,
}

#[derive(Default)]
struct Registry {
    open: HashMap<u64, Open>,
    per_client: HashMap<IpAddr, usize>,
    /// Connections closed to make room, and refused, since the last report.
    evicted: u64,
    refused: u64,
}

impl Registry {
    /// Forgets connection `id` (closed, or chosen to close); true if it was counted.
    fn forget(&mut self, id: u64) -> bool {
        let Some(open) = self.open.remove(&id) else {
            return false;
        };
        if let Some(n) = self.per_client.get_mut(&open.ip) {
            *n -= 1;
            if *n == 0 {
                self.per_client.remove(&open.ip);
            }
        }
        true
    }

    /// Chooses the connection idle the longest (of `ip` only, when given), tells it to close and
    /// stops counting it; false when every such connection has a request in flight.
    fn evict_idlest(&mut self, ip: Option<IpAddr>) -> bool {
        let idlest = self
            .open
            .iter()
            .filter(|(_, open)| ip.is_none_or(|ip| open.ip == ip))
            .filter_map(|(id, open)| open.idle_since.map(|since| (since, *id)))
            .min();
        let Some((_, id)) = idlest else {
            return false;
        };
        if let Some(open) = self.open.get(&id) {
            open.evict.notify_one();
        }
        self.evicted += 1;
        self.forget(id)
    }
}

/// Open connections, overall and per address.
struct Gate {
    registry: Mutex<Registry>,
    next_id: AtomicU64,
    max: usize,
    per_client: usize,
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    Full,
    TooManyFromClient,
}

/// An admitted connection: its id and the signal that it is to close.
struct Admitted {
    gate: Arc<Gate>,
    id: u64,
    evict: Arc<Notify>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.gate.lock().forget(self.id);
    }
}

impl Gate {
    fn new(max: usize, per_client: usize) -> Gate {
        Gate {
            registry: Mutex::default(),
            next_id: AtomicU64::new(0),
            max,
            per_client,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admits a connection from `ip`, closing the idlest connection (of that address, or
    /// overall) when a cap is reached; refuses it when there is none idle to close.
    fn admit(self: &Arc<Gate>, ip: IpAddr) -> Result<Admitted, Refusal> {
        let mut registry = self.lock();
        if registry.per_client.get(&ip).copied().unwrap_or(0) >= self.per_client
            && !registry.evict_idlest(Some(ip))
        {
            registry.refused += 1;
            crate::telemetry::shed("connections");
            return Err(Refusal::TooManyFromClient);
        }
        if registry.open.len() >= self.max && !registry.evict_idlest(None) {
            registry.refused += 1;
            crate::telemetry::shed("connections");
            return Err(Refusal::Full);
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let evict = Arc::new(Notify::new());
        registry.open.insert(
            id,
            Open {
                ip,
                idle_since: Some(Instant::now()),
                evict: evict.clone(),
            },
        );
        *registry.per_client.entry(ip).or_insert(0) += 1;
        Ok(Admitted {
            gate: self.clone(),
            id,
            evict,
        })
    }

    /// Logs how many connections were closed to make room or refused since the last call, if
    /// any: an operator sees that a cap is being hit, and how hard.
    fn report(&self) {
        let (evicted, refused, open) = {
            let mut registry = self.lock();
            let counts = (registry.evicted, registry.refused, registry.open.len());
            registry.evicted = 0;
            registry.refused = 0;
            counts
        };
        if evicted > 0 || refused > 0 {
            tracing::warn!(
                "at the connection cap ({} open, at most {}, {} per address): closed {evicted} idle connection(s) to make room and refused {refused} in the last {} s",
                open,
                self.max,
                self.per_client,
                REPORT_EVERY.as_secs()
            );
        }
    }

    fn set_busy(&self, id: u64, busy: bool) {
        if let Some(open) = self.lock().open.get_mut(&id) {
            open.idle_since = if busy { None } else { Some(Instant::now()) };
        }
    }
}

/// Marks its connection busy from a request's arrival until its response body is dropped
/// (sent or abandoned), so that a streaming answer is never taken for an idle connection.
struct Busy {
    gate: Arc<Gate>,
    id: u64,
    flag: Arc<AtomicBool>,
}

impl Busy {
    fn start(gate: &Arc<Gate>, id: u64, flag: &Arc<AtomicBool>) -> Busy {
        flag.store(true, Ordering::SeqCst);
        gate.set_busy(id, true);
        Busy {
            gate: gate.clone(),
            id,
            flag: flag.clone(),
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.flag.store(false, Ordering::SeqCst);
        self.gate.set_busy(self.id, false);
    }
}

/// A response body that keeps its connection marked busy while it lives.
struct BusyBody {
    inner: Body,
    _busy: Busy,
}

impl http_body::Body for BusyBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets the requests in flight finish
/// (for up to 30 s).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let gate = Arc::new(Gate::new(limits.max, limits.per_client));
    let refusals = Arc::new(Semaphore::new(MAX_REFUSALS));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        // Above the router's own limit, so that it answers with the JSON 431 first.
        .max_headers(MAX_HEADERS * 4);
    let (stopping, stop_seen) = watch::channel(false);
    // Each connection task holds a sender; recv() gives None once all have ended.
    let (alive, mut all_ended) = mpsc::channel::<()>(1);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut accept_errors: u64 = 0;
    let mut report = tokio::time::interval(REPORT_EVERY);
    report.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let (stream, peer) = tokio::select! {
            _ = report.tick() => {
                gate.report();
                continue;
            }
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors or the like: say so (once in a while) and let
                    // connections close before accepting again.
                    if accept_errors.is_multiple_of(1000) {
                        tracing::warn!("cannot accept connections: {e}");
                    }
                    accept_errors += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let admitted = match gate.admit(peer.ip()) {
            Ok(admitted) => admitted,
            Err(refusal) => {
                refuse(stream, refusal, &limits, &refusals);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let busy = Arc::new(AtomicBool::new(false));
        let service = {
            let (app, gate, busy, id) = (app.clone(), gate.clone(), busy.clone(), admitted.id);
            hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                let marked = Busy::start(&gate, id, &busy);
                request.extensions_mut().insert(ConnectInfo(peer));
                let answer = app.clone().oneshot(request.map(Body::new));
                async move {
                    let response = answer.await?;
                    Ok::<_, std::convert::Infallible>(response.map(|inner| BusyBody {
                        inner,
                        _busy: marked,
                    }))
                }
            })
        };
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let mut stop_seen = stop_seen.clone();
        let alive = alive.clone();
        tokio::spawn(async move {
            let _alive = alive;
            let mut connection = std::pin::pin!(connection);
            let mut closing = false;
            loop {
                tokio::select! {
                    ended = connection.as_mut() => {
                        if let Err(e) = ended {
                            tracing::debug!("connection from {peer} ended: {e}");
                        }
                        break;
                    }
                    () = admitted.evict.notified(), if !closing => {
                        if !busy.load(Ordering::SeqCst) {
                            break;
                        }
                        // A request arrived meanwhile: answer it, then close.
                        closing = true;
                        connection.as_mut().graceful_shutdown();
                    }
                    _ = stop_seen.changed(), if !closing => {
                        closing = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
            drop(admitted);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    drop(alive);
    if tokio::time::timeout(SHUTDOWN_GRACE, all_ended.recv())
        .await
        .is_err()
    {
        tracing::warn!("requests still running after {SHUTDOWN_GRACE:?} were cut off");
    }
}

/// Answers a connection past a cap with a JSON 503 and closes it, without waiting long for a
/// client that does not read.
fn refuse(
    mut stream: TcpStream,
    refusal: Refusal,
    limits: &ConnectionLimits,
    refusals: &Arc<Semaphore>,
) {
    let Ok(place) = refusals.clone().try_acquire_owned() else {
        return;
    };
    let (code, message) = match refusal {
        Refusal::Full => (
            "too_many_connections",
            format!(
                "this server has as many connections as it serves ({}), each with a request in flight; try again shortly",
                limits.max
            ),
        ),
        Refusal::TooManyFromClient => (
            "too_many_connections_from_client",
            format!(
                "this address already has {} connections, each with a request in flight, this server's limit; try again shortly",
                limits.per_client
            ),
        ),
    };
    let body = serde_json::json!({"error": {"code": code, "message": message}}).to_string();
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    tokio::spawn(async move {
        let _place = place;
        let _ = tokio::time::timeout(REFUSAL_TIME, async {
            stream.write_all(response.as_bytes()).await?;
            stream.shutdown().await?;
            // Read what the client sent, so that closing does not reset the connection before
            // it has read the answer.
            let mut sink = [0u8; 4096];
            while stream.read(&mut sink).await? > 0 {}
            Ok::<(), std::io::Error>(())
        })
        .await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_fits_under_the_file_descriptor_limit() {
        let settings = Settings::default();
        let limits = ConnectionLimits::new(&settings, Some(256));
        assert_eq!(limits.max, 256 - RESERVED_FDS);
        assert!(limits.per_client <= limits.max);
        let unlimited = ConnectionLimits::new(&settings, None);
        assert_eq!(unlimited.max, settings.max_connections);
    }

    #[test]
    fn at_a_cap_the_idlest_connection_makes_room() {
        let gate = Arc::new(Gate::new(3, 2));
        let a: IpAddr = [127, 0, 0, 2].into();
        let b: IpAddr = [127, 0, 0, 3].into();
        let first = gate.admit(a).unwrap();
        let second = gate.admit(a).unwrap();
        // The address is at its cap: its idlest connection (the first) is told to close.
        let third = gate.admit(a).unwrap();
        assert_eq!(gate.lock().per_client[&a], 2);
        assert!(!gate.lock().open.contains_key(&first.id));
        drop(first);
        assert_eq!(
            gate.lock().per_client[&a],
            2,
            "closing it is not counted twice"
        );
        // With every connection of the address busy, the next is refused.
        gate.set_busy(second.id, true);
        gate.set_busy(third.id, true);
        assert!(matches!(gate.admit(a), Err(Refusal::TooManyFromClient)));
        // Overall: 2 busy + 1 idle of b; a new address makes b's idle one close.
        let idle_b = gate.admit(b).unwrap();
        let c = gate.admit([127, 0, 0, 4].into()).unwrap();
        assert!(!gate.lock().open.contains_key(&idle_b.id));
        gate.set_busy(c.id, true);
        assert!(matches!(
            gate.admit([127, 0, 0, 5].into()),
            Err(Refusal::Full)
        ));
        let registry = gate.lock();
        assert_eq!((registry.evicted, registry.refused), (2, 2));
    }
}

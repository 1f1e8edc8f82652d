//! The accept loop: HTTP/1.1 connections served by hyper with a time limit on reading each
//! request's headers (which also closes a kept-alive connection left idle), a cap on open
//! connections overall and per address, kept under the process's file-descriptor limit, and a
//! JSON 503 for a connection past a cap. It knows nothing of routes; the router does the rest.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

use super::limits::{MAX_HEADERS, Settings};

/// File descriptors kept free for everything but client connections: the listener, logs, the
/// audit file, index and corpus reads, the LLM client, refusals in progress.
pub const RESERVED_FDS: usize = 96;
/// Refusals being written at once; past them a connection is closed without a word.
const MAX_REFUSALS: usize = 32;
/// How long a refused client has to read its 503.
const REFUSAL_TIME: Duration = Duration::from_secs(1);
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

/// Open connections, overall and per address.
struct Gate {
    open: Arc<Semaphore>,
    per_client: Mutex<HashMap<IpAddr, usize>>,
    limit_per_client: usize,
}

/// One admitted connection; its place is freed when dropped.
struct Admitted {
    gate: Arc<Gate>,
    ip: IpAddr,
    _open: OwnedSemaphorePermit,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut counts = self
            .gate
            .per_client
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(n) = counts.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    Full,
    TooManyFromClient,
}

impl Gate {
    fn admit(self: &Arc<Gate>, ip: IpAddr) -> Result<Admitted, Refusal> {
        let open = self
            .open
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refusal::Full)?;
        let mut counts = self.per_client.lock().unwrap_or_else(|p| p.into_inner());
        let n = counts.entry(ip).or_insert(0);
        if *n >= self.limit_per_client {
            return Err(Refusal::TooManyFromClient);
        }
        *n += 1;
        Ok(Admitted {
            gate: self.clone(),
            ip,
            _open: open,
        })
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
    let gate = Arc::new(Gate {
        open: Arc::new(Semaphore::new(limits.max)),
        per_client: Mutex::new(HashMap::new()),
        limit_per_client: limits.per_client,
    });
    let refusals = Arc::new(Semaphore::new(MAX_REFUSALS));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        // Above the router's own limit, so that it answers with the JSON 431 first.
        .max_headers(MAX_HEADERS * 4);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let mut accept_errors: u64 = 0;
    loop {
        let (stream, peer) = tokio::select! {
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
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request.map(Body::new))
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _admitted = admitted;
            if let Err(e) = connection.await {
                tracing::debug!("connection from {peer} ended: {e}");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
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
                "this server has as many open connections as it serves ({}); try again shortly",
                limits.max
            ),
        ),
        Refusal::TooManyFromClient => (
            "too_many_connections_from_client",
            format!(
                "this address already has {} open connections, this server's limit; reuse one",
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
    fn the_gate_caps_connections_overall_and_per_address() {
        let gate = Arc::new(Gate {
            open: Arc::new(Semaphore::new(3)),
            per_client: Mutex::new(HashMap::new()),
            limit_per_client: 2,
        });
        let a: IpAddr = [127, 0, 0, 2].into();
        let b: IpAddr = [127, 0, 0, 3].into();
        let first = gate.admit(a).unwrap();
        let _second = gate.admit(a).unwrap();
        assert_eq!(gate.admit(a).err(), Some(Refusal::TooManyFromClient));
        let _third = gate.admit(b).unwrap();
        assert_eq!(gate.admit(b).err(), Some(Refusal::Full));
        drop(first);
        assert!(gate.admit(a).is_ok());
    }
}

//! The Prometheus side of [`crate::telemetry`]: installs the recorder every count reports to,
//! serves `/metrics`, and counts and times each request by its route template (`unmatched` for
//! a 404), never by its path or query, which may hold what a clinician asked.

use std::sync::OnceLock;
use std::time::Instant;

use ::metrics::{counter, histogram};
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::telemetry::{REQUEST_SECONDS, REQUESTS};

/// Histogram buckets, in seconds, for request and model latencies (a search takes
/// milliseconds, a model answer tens of seconds).
const BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
];

/// The process's Prometheus recorder, installed on first use. When another recorder is already
/// installed (a host program's), a private one answers `/metrics` with what it is given.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = || {
            PrometheusBuilder::new()
                .set_buckets(BUCKETS)
                .expect("the bucket list is not empty")
        };
        builder()
            .install_recorder()
            .unwrap_or_else(|_| builder().build_recorder().handle())
    })
}

/// `GET /metrics`: the Prometheus text exposition format.
pub async fn metrics_page() -> Response {
    let handle = handle();
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        handle.render(),
    )
        .into_response()
}

/// Counts every request and times it by its route template (`unmatched` for a 404).
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    histogram!(REQUEST_SECONDS, "route" => route.clone()).record(started.elapsed().as_secs_f64());
    counter!(REQUESTS, "route" => route, "method" => method, "status" => status).increment(1);
    response
}

/// The method as a label: the standard ones by name, any other as `other`, so that a client
/// inventing methods cannot grow the metrics without bound.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_share_one_label() {
        let invented = Method::from_bytes(b"BREW").expect("a method token");
        assert_eq!(method_label(&invented), "other");
        assert_eq!(method_label(&Method::POST), "POST");
    }
}

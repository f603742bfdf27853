//! Operational metrics in the Prometheus text format (`GET /metrics`), recorded with the
//! `metrics` facade and rendered by `metrics-exporter-prometheus`.
//!
//! The endpoint exists only when the server is given a metrics token, and answers only to
//! `Authorization: Bearer <token>`: request counts by route are not for the public. Without
//! a token no recorder is installed and every `metrics::` call in the server is a no-op.
//!
//! The recorder is process-wide (the `metrics` facade has one global recorder), so it is
//! installed once, by the first server that needs it; tests start many servers in one process.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::http::{HeaderMap, header};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};
use stampcard_core::ErrorCode;

use crate::secrets;

/// Latency buckets in seconds: from a cached read (about a millisecond) to a request that
/// waited on a password-hash queue or a slow disk.
const LATENCY_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Jobs per SQLite group commit: 1 when idle, up to the writer's group limit (128) under load.
const GROUP_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];

/// How often histogram samples are folded into their buckets when nobody scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The name of the SQLite group-commit histogram (recorded in `store/sqlite.rs`).
pub const SQLITE_GROUP_COMMIT_JOBS: &str = "stampcard_sqlite_group_commit_jobs";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Who may read `/metrics`, and what to render.
#[derive(Clone)]
pub struct MetricsAccess {
    token_hash: Vec<u8>,
    handle: PrometheusHandle,
}

impl std::fmt::Debug for MetricsAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsAccess { .. }")
    }
}

impl MetricsAccess {
    /// Installs the recorder (once per process) and opens `/metrics` to `token`.
    pub fn new(token: &str) -> Arc<MetricsAccess> {
        Arc::new(MetricsAccess { token_hash: secrets::sha256(token.as_bytes()), handle: install() })
    }

    /// Whether the request carries `Authorization: Bearer <token>`. Hashes are compared, so
    /// the time taken tells nothing about how much of the token was right.
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else { return false };
        let (scheme, token) = value.trim().split_once(' ').unwrap_or((value, ""));
        scheme.eq_ignore_ascii_case("Bearer") && secrets::sha256(token.trim().as_bytes()) == self.token_hash
    }

    /// Everything recorded so far, in the Prometheus text format.
    pub fn render(&self) -> String {
        self.handle.render()
    }
}

/// The process-wide recorder, installed on first use.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = with_buckets().unwrap_or_else(|error| {
                tracing::warn!(%error, "metrics buckets refused; histograms are rendered as summaries");
                PrometheusBuilder::new()
            });
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if let Err(error) = metrics::set_global_recorder(recorder) {
                tracing::warn!(%error, "another metrics recorder is installed; /metrics stays empty");
            }
            describe();
            let upkeep = handle.clone();
            let spawned = std::thread::Builder::new().name("metrics-upkeep".to_owned()).spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_EVERY);
                    upkeep.run_upkeep();
                }
            });
            if let Err(error) = spawned {
                tracing::warn!(%error, "cannot start the metrics upkeep thread; histograms fold in at each scrape");
            }
            handle
        })
        .clone()
}

fn with_buckets() -> Result<PrometheusBuilder, BuildError> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), LATENCY_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full(SQLITE_GROUP_COMMIT_JOBS.to_owned()), GROUP_BUCKETS)
}

/// The `# HELP` lines. The password-hash metrics are recorded by the hashing queue.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!("stampcard_http_requests_total", "HTTP requests answered, by method, route template and status");
    describe_histogram!(
        "stampcard_http_request_duration_seconds",
        metrics::Unit::Seconds,
        "time from request to response head, by method and route template"
    );
    describe_counter!(
        "stampcard_http_refusals_total",
        "refusals by error code (for example RATE_LIMITED, LOCKED, REQUEST_TIMEOUT)"
    );
    describe_gauge!("stampcard_http_connections_open", "open client connections");
    describe_counter!("stampcard_http_connections_total", "client connections accepted");
    describe_counter!(
        "stampcard_http_connections_closed_total",
        "client connections closed, by reason (normal, header_timeout, keep_alive_timeout, send_timeout, shutdown, error)"
    );
    describe_counter!(
        "stampcard_http_connection_limit_reached_total",
        "times the connection cap was full and new clients had to wait"
    );
    describe_counter!("stampcard_http_accept_errors_total", "failed accepts (such as too many open files)");
    describe_histogram!(SQLITE_GROUP_COMMIT_JOBS, "writes committed together in one SQLite transaction");
    describe_gauge!("stampcard_password_hash_in_flight", "password hashes being computed");
    describe_gauge!("stampcard_password_hash_waiting", "requests waiting for a password-hash slot");
    describe_histogram!(
        "stampcard_password_hash_wait_seconds",
        metrics::Unit::Seconds,
        "time requests waited for a password-hash slot"
    );
    describe_counter!(
        "stampcard_password_hash_rejected_total",
        "requests refused because the password-hash queue was full or their wait too long"
    );
}

/// The name of an envelope code for the refusal counter (`RATE_LIMITED`), or its number when
/// it is not one of ours.
pub fn code_name(code: i32) -> String {
    ErrorCode::from_code(code)
        .and_then(|code| serde_json::to_value(code).ok())
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_else(|| code.to_string())
}

//! Prometheus metrics. Any crate may count through the `metrics` facade; this module
//! installs the recorder and renders the text format for `GET /metrics`.

use std::sync::OnceLock;
use std::time::Duration;

use actix_web::http::StatusCode;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sqlx::PgPool;

const LATENCY_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The recorder is process-wide (the `metrics` facade has one global recorder), so
/// several apps in one test process share it.
static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full("http_request_duration_seconds".into()), LATENCY_BUCKETS)
                .expect("the bucket list is not empty")
                .install_recorder()
                .expect("no other metrics recorder is installed")
        })
        .clone()
}

pub fn record_request(method: &str, route: &str, status: StatusCode, elapsed: Duration) {
    // Clients can send any method name; only the standard ones become label values, so
    // the number of series stays bounded.
    let method = match method {
        "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => method,
        _ => "other",
    };
    let labels = [("method", method.to_owned()), ("route", route.to_owned()), ("status", status.as_u16().to_string())];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
}

/// The current metrics, with the pool's gauges read now.
pub fn render(handle: &PrometheusHandle, pool: &PgPool, max_connections: u32) -> String {
    let idle = pool.num_idle() as f64;
    let size = f64::from(pool.size());
    metrics::gauge!("db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("db_pool_connections", "state" => "in_use").set(size - idle);
    metrics::gauge!("db_pool_max_connections").set(f64::from(max_connections));
    handle.render()
}

/// `catalog_cache_total{outcome="hit"}` and `{outcome="miss"}`, registered once so that the
/// cache's hot path only adds to an existing counter (no label building per request).
pub fn catalog_cache_counters() -> (metrics::Counter, metrics::Counter) {
    install();
    (
        metrics::counter!("catalog_cache_total", "outcome" => "hit"),
        metrics::counter!("catalog_cache_total", "outcome" => "miss"),
    )
}

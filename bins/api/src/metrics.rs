//! Prometheus metrics. Any crate may count through the `metrics` facade; this module
//! installs the recorder and renders the text format for `GET /metrics`.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, web};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use secrecy::{ExposeSecret as _, SecretString};
use sqlx::PgPool;
use subtle::ConstantTimeEq as _;

use crate::configuration::MetricsSettings;
use crate::error::ApiError;
use crate::state::OrdersService;

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

/// How old the `orders_by_status` counts may be when scraped.
const ORDER_COUNTS_MAX_AGE: Duration = Duration::from_secs(15);

/// How long a scrape waits for the counts before answering with the last ones.
const ORDER_COUNTS_WAIT: Duration = Duration::from_secs(2);

/// `orders_by_status{status="…"}`: how many orders are in each status, every status
/// listed (zero included). Counting reads every order's status (an index-only scan of
/// `orders_by_status`), so a scrape counts again only when the last count is older than
/// [`ORDER_COUNTS_MAX_AGE`]; scrapes in between show the last count. Each process counts
/// for itself, so several processes scraped together report the same numbers.
pub struct OrderStatusGauge {
    orders: web::Data<OrdersService>,
    /// When the gauges were last set; held while counting, so one scrape counts at a time.
    counted_at: tokio::sync::Mutex<Option<Instant>>,
}

impl OrderStatusGauge {
    pub fn new(orders: web::Data<OrdersService>) -> Self {
        OrderStatusGauge { orders, counted_at: tokio::sync::Mutex::new(None) }
    }

    /// Counts again if the last count is too old. A failed or slow count leaves the last
    /// values (and is logged): the metrics must answer while the database does not.
    pub async fn refresh(&self) {
        let mut counted_at = self.counted_at.lock().await;
        if counted_at.is_some_and(|at| at.elapsed() < ORDER_COUNTS_MAX_AGE) {
            return;
        }
        match tokio::time::timeout(ORDER_COUNTS_WAIT, self.orders.count_by_status()).await {
            Ok(Ok(counts)) => {
                for (status, count) in counts {
                    // Counts of orders fit a float's 53-bit mantissa.
                    metrics::gauge!("orders_by_status", "status" => status.as_str()).set(count as f64);
                }
                *counted_at = Some(Instant::now());
            }
            Ok(Err(error)) => tracing::warn!(error = %format!("{error:#}"), "counting orders by status failed"),
            Err(_) => tracing::warn!("counting orders by status took too long; the last counts are shown"),
        }
    }
}

/// Whether one listener serves `/metrics`, and the token it asks for; app data of each
/// listener (`[metrics]`).
#[derive(Debug, Clone)]
pub struct MetricsAccess {
    served: bool,
    token: Option<SecretString>,
}

impl MetricsAccess {
    /// On the public listener: served unless turned off there.
    pub fn public(settings: &MetricsSettings) -> MetricsAccess {
        MetricsAccess { served: settings.on_public_listener, token: Self::token(settings) }
    }

    /// On the metrics listener of its own (`metrics.addr`): always served.
    pub fn own_listener(settings: &MetricsSettings) -> MetricsAccess {
        MetricsAccess { served: true, token: Self::token(settings) }
    }

    fn token(settings: &MetricsSettings) -> Option<SecretString> {
        (!settings.token.expose_secret().is_empty()).then(|| settings.token.clone())
    }

    /// 404 where `/metrics` is not served (as for any unknown path); 401 without the
    /// token when one is set.
    pub fn check(&self, request: &HttpRequest) -> Result<(), ApiError> {
        if !self.served {
            return Err(ApiError::not_found());
        }
        let Some(token) = &self.token else {
            return Ok(());
        };
        let offered = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|value| value.as_bytes().strip_prefix(b"Bearer "))
            .unwrap_or_default();
        // Constant time: how much of a guess matched must not show in the answer's timing.
        if bool::from(offered.ct_eq(token.expose_secret().as_bytes())) {
            Ok(())
        } else {
            Err(crate::error::unauthorized("The metrics need their bearer token."))
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn settings(on_public_listener: bool, token: &str) -> MetricsSettings {
        MetricsSettings { addr: String::new(), on_public_listener, token: token.into() }
    }

    #[test]
    fn metrics_off_the_public_listener_are_not_found_there_but_served_on_their_own() {
        let request = TestRequest::get().uri("/metrics").to_http_request();
        let off = MetricsAccess::public(&settings(false, ""));
        assert_eq!(off.check(&request).unwrap_err().status(), StatusCode::NOT_FOUND);
        MetricsAccess::own_listener(&settings(false, "")).check(&request).unwrap();
        MetricsAccess::public(&settings(true, "")).check(&request).unwrap();
    }

    #[test]
    fn with_a_token_only_its_bearer_is_served() {
        let access = MetricsAccess::public(&settings(true, "scrape-token"));
        let with = |value: &str| TestRequest::get().insert_header((AUTHORIZATION, value)).to_http_request();
        access.check(&with("Bearer scrape-token")).unwrap();
        for wrong in ["Bearer scrape-toke", "Bearer scrape-token2", "scrape-token", "Basic scrape-token", ""] {
            assert_eq!(access.check(&with(wrong)).unwrap_err().status(), StatusCode::UNAUTHORIZED, "{wrong}");
        }
        let without = TestRequest::get().to_http_request();
        assert_eq!(access.check(&without).unwrap_err().status(), StatusCode::UNAUTHORIZED);
    }
}

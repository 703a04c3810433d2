//! Liveness, readiness and metrics.

use actix_web::{HttpRequest, HttpResponse, web};
use api_types::ErrorEnvelope;
use api_types::health::{DatabaseStatus, Health, Liveness, Readiness, ReadinessStatus};
use metrics_exporter_prometheus::PrometheusHandle;
use sqlx::PgPool;
use utoipa::OpenApi;

use crate::db_health::{DatabaseHealth, RETRY_AFTER_SECONDS};
use crate::error::ApiError;
use crate::metrics::{MetricsAccess, OrderStatusGauge};
use crate::state::PoolLimits;

/// This module's operations in the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(health, ready, metrics))]
pub struct Api;

/// Liveness: the process is alive.
///
/// Says nothing about its dependencies (the database may be down): probe `/ready` for that.
#[utoipa::path(
    get, path = "/health", tag = "health", operation_id = "health",
    responses((status = 200, description = "Alive.", body = Health)),
)]
#[tracing::instrument(name = "health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: Liveness::Ok })
}

/// Readiness: the process can serve, its database answers.
///
/// 503 with `Retry-After` otherwise, at once while the database is known to be down, and
/// 200 again as soon as it is back (the pool reconnects by itself). The probe runs on a
/// connection of its own, so a busy request pool does not make the process look unready.
#[utoipa::path(
    get, path = "/ready", tag = "health", operation_id = "ready",
    responses(
        (status = 200, description = "Ready.", body = Readiness),
        (status = 503, description = "`service_unavailable`: the database is not reachable.", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds to wait before probing again."))),
    ),
)]
#[tracing::instrument(name = "ready", skip_all)]
pub async fn ready(health: web::Data<DatabaseHealth>) -> Result<HttpResponse, ApiError> {
    if !health.is_down() && health.check_now().await {
        return Ok(HttpResponse::Ok().json(Readiness { status: ReadinessStatus::Ready, database: DatabaseStatus::Ok }));
    }
    Err(ApiError::service_unavailable("The database is not reachable.").with_retry_after(RETRY_AFTER_SECONDS))
}

/// Prometheus metrics.
///
/// The text exposition format (version 0.0.4): requests by route and status with their
/// latencies, the database pool and whether the database is up, orders placed, paid and
/// moved by status, orders in each status now (`orders_by_status`, counted at most every
/// 15 s), webhook outcomes and the catalog cache.
#[utoipa::path(
    get, path = "/metrics", tag = "health", operation_id = "metrics",
    responses(
        (status = 200, description = "The metrics, as Prometheus text.", content_type = "text/plain", body = String),
        (status = 401, description = "`unauthorized`: `METRICS_TOKEN` is set and the request does not carry it \
            as `Authorization: Bearer <token>`.", body = ErrorEnvelope),
        (status = 404, description = "`not_found`: the metrics are not served on this listener \
            (`metrics.on_public_listener` is off; see `METRICS_ADDR`).", body = ErrorEnvelope),
    ),
)]
pub async fn metrics(
    request: HttpRequest,
    handle: web::Data<PrometheusHandle>,
    pool: web::Data<PgPool>,
    limits: web::Data<PoolLimits>,
    order_counts: web::Data<OrderStatusGauge>,
) -> Result<HttpResponse, ApiError> {
    if let Some(access) = request.app_data::<MetricsAccess>() {
        access.check(&request)?;
    }
    order_counts.refresh().await;
    let body = crate::metrics::render(&handle, &pool, limits.max_connections);
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(body))
}

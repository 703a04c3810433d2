//! Liveness, readiness and metrics.

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Api;

use actix_web::{HttpResponse, web};
use metrics_exporter_prometheus::PrometheusHandle;
use serde_json::json;
use sqlx::PgPool;

use crate::db_health::{DatabaseHealth, RETRY_AFTER_SECONDS};
use crate::error::ApiError;
use crate::state::PoolLimits;

/// The process is alive (says nothing about its dependencies).
#[tracing::instrument(name = "health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The process can serve: the database answers. 503 with `Retry-After` otherwise, at once
/// while the database is known to be down, and 200 again as soon as it is back (the pool
/// reconnects by itself). The probe runs on a connection of its own, so a busy request pool
/// does not make the process look unready.
#[tracing::instrument(name = "ready", skip_all)]
pub async fn ready(health: web::Data<DatabaseHealth>) -> Result<HttpResponse, ApiError> {
    if !health.is_down() && health.check_now().await {
        return Ok(HttpResponse::Ok().json(json!({ "status": "ready", "database": "ok" })));
    }
    Err(ApiError::service_unavailable("The database is not reachable.").with_retry_after(RETRY_AFTER_SECONDS))
}

/// Prometheus text exposition.
pub async fn metrics(
    handle: web::Data<PrometheusHandle>,
    pool: web::Data<PgPool>,
    limits: web::Data<PoolLimits>,
) -> HttpResponse {
    let body = crate::metrics::render(&handle, &pool, limits.max_connections);
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(body)
}

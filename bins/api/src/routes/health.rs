//! Liveness, readiness and metrics.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use metrics_exporter_prometheus::PrometheusHandle;
use serde_json::json;
use sqlx::PgPool;

use crate::error::ApiError;
use crate::startup::PoolLimits;

/// A readiness probe should answer quickly even when the database hangs.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// The process is alive (says nothing about its dependencies).
#[tracing::instrument(name = "health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The process can serve: the database answers. 503 otherwise, and 200 again as soon as
/// it is back (the pool reconnects by itself).
#[tracing::instrument(name = "ready", skip_all)]
pub async fn ready(pool: web::Data<PgPool>) -> Result<HttpResponse, ApiError> {
    match tokio::time::timeout(READY_TIMEOUT, sqlx::query("SELECT 1").execute(pool.get_ref())).await {
        Ok(Ok(_)) => Ok(HttpResponse::Ok().json(json!({ "status": "ready", "database": "ok" }))),
        Ok(Err(error)) => {
            tracing::warn!(error = %error, "readiness: the database did not answer");
            Err(ApiError::service_unavailable("The database is not reachable."))
        }
        Err(_) => {
            tracing::warn!(timeout_ms = READY_TIMEOUT.as_millis() as u64, "readiness: the database timed out");
            Err(ApiError::service_unavailable("The database is not reachable."))
        }
    }
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

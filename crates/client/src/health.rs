//! `/health`, `/ready`, `/metrics` (outside `/api/v1`) and the OpenAPI document.

use api_types::health::{Health, Readiness};

use crate::{Client, Result, refusal};

impl Client {
    /// `GET /health`: the server process is alive.
    pub async fn health(&self) -> Result<Health> {
        self.send(self.http.get(self.url("/health"))).await
    }

    /// `GET /ready`: the server can serve (its database answers); a 503
    /// `service_unavailable` otherwise.
    pub async fn ready(&self) -> Result<Readiness> {
        self.send(self.http.get(self.url("/ready"))).await
    }

    /// `GET /metrics`: the Prometheus text exposition.
    pub async fn metrics(&self) -> Result<String> {
        let response = self.http.get(self.url("/metrics")).send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?;
        if !status.is_success() {
            return Err(refusal(status, &headers, &bytes));
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// `GET /api/v1/openapi.json`: the API's OpenAPI 3.1 document.
    pub async fn openapi_document(&self) -> Result<serde_json::Value> {
        self.get("/openapi.json").await
    }
}

//! `/health` and `/ready` (outside `/api/v1`): what an orchestrator probes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /health`: the process is alive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Health {
    pub status: Liveness,
}

/// Always `ok` (a process that is not alive does not answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Liveness {
    Ok,
}

/// `GET /ready`: the process can serve requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"status": "ready", "database": "ok"}))]
pub struct Readiness {
    pub status: ReadinessStatus,
    pub database: DatabaseStatus,
}

/// Always `ready` (an unready process answers 503 instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReadinessStatus {
    Ready,
}

/// Always `ok` in a 200 answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DatabaseStatus {
    Ok,
}

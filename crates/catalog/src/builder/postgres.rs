//! [`SavedBuildStore`] on `catalog.saved_builds`.

use std::collections::BTreeMap;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use sqlx::types::Json;
use uuid::Uuid;

use super::service::{BuildRequest, SavedBuildStore, StoredBuild};
use super::{Platform, Slot};

#[derive(Debug, Clone)]
pub struct PgSavedBuilds {
    pool: PgPool,
}

impl PgSavedBuilds {
    pub fn new(pool: PgPool) -> Self {
        PgSavedBuilds { pool }
    }
}

impl SavedBuildStore for PgSavedBuilds {
    #[tracing::instrument(name = "saved_builds.insert", skip_all, fields(id = %build.id))]
    async fn insert(&self, build: &StoredBuild) -> anyhow::Result<()> {
        let components: BTreeMap<&str, Uuid> =
            build.request.components.iter().map(|(slot, id)| (slot.as_str(), *id)).collect();
        sqlx::query(
            "INSERT INTO catalog.saved_builds (id, platform, name, components, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(build.id)
        .bind(build.request.platform.as_str())
        .bind(&build.name)
        .bind(Json(components))
        .bind(build.created_by)
        .bind(build.created_at)
        .execute(&self.pool)
        .await
        .context("saving a build")?;
        Ok(())
    }

    #[tracing::instrument(name = "saved_builds.find", skip(self))]
    async fn find(&self, id: Uuid) -> anyhow::Result<Option<StoredBuild>> {
        type Row = (Uuid, String, String, Json<BTreeMap<String, Uuid>>, Option<Uuid>, DateTime<Utc>);
        let row: Option<Row> = sqlx::query_as(
            "SELECT id, platform, name, components, created_by, created_at FROM catalog.saved_builds WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .context("reading a saved build")?;
        let Some((id, platform, name, Json(components), created_by, created_at)) = row else { return Ok(None) };
        let platform = Platform::parse(&platform).with_context(|| format!("saved build {id}: platform {platform}"))?;
        let components = components
            .into_iter()
            .map(|(slot, product)| {
                let slot = Slot::parse(&slot).with_context(|| format!("saved build {id}: slot {slot}"))?;
                Ok((slot, product))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Some(StoredBuild { id, name, request: BuildRequest { platform, components }, created_by, created_at }))
    }
}

//! PostgreSQL adapter for [`CategoryStore`](super::CategoryStore).

use std::collections::HashMap;

use anyhow::Context as _;
use kernel::audit::{AuditLog, Change};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{CategoryChanges, CategoryRow, CategoryStore, CategoryWriteError, DeleteCategoryError, NewCategory};

#[derive(Debug, Clone)]
pub struct PgCategoryStore {
    pool: PgPool,
}

impl PgCategoryStore {
    pub fn new(pool: PgPool) -> Self {
        PgCategoryStore { pool }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    slug: String,
    name: String,
    parent_id: Option<Uuid>,
    position: i32,
}

impl From<Row> for CategoryRow {
    fn from(r: Row) -> Self {
        CategoryRow { id: r.id, slug: r.slug, name: r.name, parent_id: r.parent_id, position: r.position }
    }
}

/// Tree edits are rare; serialising them makes the cycle check exact.
async fn lock_tree(conn: &mut PgConnection) -> anyhow::Result<()> {
    sqlx::query("LOCK TABLE catalog.categories IN SHARE ROW EXCLUSIVE MODE")
        .execute(conn)
        .await
        .context("locking the category tree")?;
    Ok(())
}

fn write_error(error: sqlx::Error, slug: Option<&str>) -> CategoryWriteError {
    if let Some(db) = error.as_database_error() {
        match (db.code().as_deref(), db.constraint()) {
            (Some("23505"), Some("categories_slug_key")) => {
                return CategoryWriteError::SlugTaken { slug: slug.unwrap_or_default().to_owned() };
            }
            (Some("23503"), Some("categories_parent_id_fkey")) => return CategoryWriteError::ParentNotFound,
            _ => {}
        }
    }
    CategoryWriteError::Unexpected(anyhow::Error::new(error).context("writing a category"))
}

/// The category's row, locked for the rest of the transaction.
async fn lock_row(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Option<CategoryRow>> {
    let row: Option<Row> =
        sqlx::query_as("SELECT id, slug, name, parent_id, position FROM catalog.categories WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(conn)
            .await
            .context("locking a category")?;
    Ok(row.map(CategoryRow::from))
}

impl CategoryStore for PgCategoryStore {
    #[tracing::instrument(name = "categories.rows", skip(self))]
    async fn rows(&self) -> anyhow::Result<Vec<CategoryRow>> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, slug, name, parent_id, position FROM catalog.categories ORDER BY position, name, id",
        )
        .fetch_all(&self.pool)
        .await
        .context("listing categories")?;
        Ok(rows.into_iter().map(CategoryRow::from).collect())
    }

    #[tracing::instrument(name = "categories.counts", skip(self))]
    async fn active_product_counts(&self) -> anyhow::Result<HashMap<Uuid, i64>> {
        let counts: Vec<(Uuid, i64)> =
            sqlx::query_as("SELECT category_id, count(*) FROM catalog.products WHERE is_active GROUP BY category_id")
                .fetch_all(&self.pool)
                .await
                .context("counting products per category")?;
        Ok(counts.into_iter().collect())
    }

    #[tracing::instrument(name = "categories.insert", skip(self, audit))]
    async fn insert(
        &self,
        id: Uuid,
        category: &NewCategory,
        audit: &impl AuditLog<PgConnection>,
    ) -> Result<CategoryRow, CategoryWriteError> {
        let mut tx = self.pool.begin().await.context("starting a category insert")?;
        let row: Row = sqlx::query_as(
            "INSERT INTO catalog.categories (id, slug, name, parent_id, position) VALUES ($1, $2, $3, $4, $5)
             RETURNING id, slug, name, parent_id, position",
        )
        .bind(id)
        .bind(category.slug.as_str())
        .bind(&category.name)
        .bind(category.parent_id)
        .bind(category.position)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| write_error(e, Some(category.slug.as_str())))?;
        let row = CategoryRow::from(row);
        audit.record(&mut tx, Change::created("category.create", "category", id, row.audit_fields())).await?;
        tx.commit().await.context("committing a category insert")?;
        Ok(row)
    }

    #[tracing::instrument(name = "categories.update", skip(self, audit))]
    async fn update(
        &self,
        id: Uuid,
        changes: &CategoryChanges,
        audit: &impl AuditLog<PgConnection>,
    ) -> Result<CategoryRow, CategoryWriteError> {
        let mut tx = self.pool.begin().await.context("starting a category update")?;
        lock_tree(&mut tx).await?;
        let before = lock_row(&mut tx, id).await?.ok_or(CategoryWriteError::NotFound)?;
        if let Some(Some(parent)) = changes.parent_id {
            let would_cycle: bool = sqlx::query_scalar(
                "WITH RECURSIVE ancestors AS (
                     SELECT id, parent_id FROM catalog.categories WHERE id = $1
                     UNION ALL
                     SELECT c.id, c.parent_id FROM catalog.categories c JOIN ancestors a ON c.id = a.parent_id
                 )
                 SELECT EXISTS (SELECT 1 FROM ancestors WHERE id = $2)",
            )
            .bind(parent)
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .context("checking the category tree for a cycle")?;
            if would_cycle {
                return Err(CategoryWriteError::ParentCycle);
            }
        }
        let slug = changes.slug.as_ref().map(|s| s.as_str());
        let row: Row = sqlx::query_as(
            "UPDATE catalog.categories SET
               slug = COALESCE($2, slug), name = COALESCE($3, name),
               parent_id = CASE WHEN $4 THEN $5 ELSE parent_id END,
               position = COALESCE($6, position), updated_at = now()
             WHERE id = $1
             RETURNING id, slug, name, parent_id, position",
        )
        .bind(id)
        .bind(slug)
        .bind(&changes.name)
        .bind(changes.parent_id.is_some())
        .bind(changes.parent_id.flatten())
        .bind(changes.position)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| write_error(e, slug))?;
        let after = CategoryRow::from(row);
        let change = Change::updated("category.update", "category", id, &before.audit_fields(), &after.audit_fields());
        if !change.changes_nothing() {
            audit.record(&mut tx, change).await?;
        }
        tx.commit().await.context("committing a category update")?;
        Ok(after)
    }

    #[tracing::instrument(name = "categories.delete", skip(self, audit))]
    async fn delete(&self, id: Uuid, audit: &impl AuditLog<PgConnection>) -> Result<(), DeleteCategoryError> {
        let mut tx = self.pool.begin().await.context("starting a category delete")?;
        let before = lock_row(&mut tx, id).await?.ok_or(DeleteCategoryError::NotFound)?;
        let result = sqlx::query("DELETE FROM catalog.categories WHERE id = $1").bind(id).execute(&mut *tx).await;
        match result {
            Ok(_) => {}
            Err(error) if error.as_database_error().and_then(|db| db.code()).as_deref() == Some("23503") => {
                return Err(DeleteCategoryError::InUse);
            }
            Err(error) => {
                return Err(DeleteCategoryError::Unexpected(anyhow::Error::new(error).context("deleting a category")));
            }
        }
        audit.record(&mut tx, Change::deleted("category.delete", "category", id, before.audit_fields())).await?;
        tx.commit().await.context("committing a category delete")?;
        Ok(())
    }
}

//! The category tree. Listing a category includes its sub-categories, and so does its
//! product count.

mod postgres;

use std::collections::HashMap;
use std::future::Future;

use kernel::audit::AuditLog;
use serde_json::{Value, json};
use sqlx::PgConnection;
use uuid::Uuid;

pub use postgres::PgCategoryStore;

use crate::values::Slug;

/// A category, with the number of active products in it and its sub-categories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub parent_id: Option<Uuid>,
    pub position: i32,
    pub product_count: i64,
}

/// A category as it is stored, before counting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryRow {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub parent_id: Option<Uuid>,
    pub position: i32,
}

impl CategoryRow {
    /// The category as the audit trail keeps it.
    pub(crate) fn audit_fields(&self) -> Value {
        json!({"slug": self.slug, "name": self.name, "parent_id": self.parent_id, "position": self.position})
    }
}

/// How a client names a category: by id or by slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryKey {
    Id(Uuid),
    Slug(String),
}

impl CategoryKey {
    /// A UUID is an id; anything else is a slug.
    pub fn parse(raw: &str) -> Self {
        let raw = raw.trim();
        Uuid::parse_str(raw).map_or_else(|_| CategoryKey::Slug(raw.to_ascii_lowercase()), CategoryKey::Id)
    }
}

#[derive(Debug, Clone)]
pub struct NewCategory {
    pub slug: Slug,
    pub name: String,
    pub parent_id: Option<Uuid>,
    pub position: i32,
}

/// Changes to a category; `None` leaves a field as it is. `parent_id: Some(None)` makes
/// it top-level.
#[derive(Debug, Clone, Default)]
pub struct CategoryChanges {
    pub slug: Option<Slug>,
    pub name: Option<String>,
    pub parent_id: Option<Option<Uuid>>,
    pub position: Option<i32>,
}

/// Why a category could not be written.
#[derive(Debug, thiserror::Error)]
pub enum CategoryWriteError {
    #[error("no such category")]
    NotFound,
    #[error("the slug {slug} is taken")]
    SlugTaken { slug: String },
    #[error("the parent category does not exist")]
    ParentNotFound,
    #[error("a category cannot be placed under itself or one of its sub-categories")]
    ParentCycle,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why a category could not be deleted.
#[derive(Debug, thiserror::Error)]
pub enum DeleteCategoryError {
    #[error("no such category")]
    NotFound,
    #[error("the category still has products or sub-categories")]
    InUse,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Where categories are kept.
pub trait CategoryStore: Send + Sync {
    /// Every category, ordered by position then name. Errors: storage failures.
    fn rows(&self) -> impl Future<Output = anyhow::Result<Vec<CategoryRow>>> + Send;

    /// Active products per category (not rolled up). Errors: storage failures.
    fn active_product_counts(&self) -> impl Future<Output = anyhow::Result<HashMap<Uuid, i64>>> + Send;

    /// Errors: `SlugTaken`, `ParentNotFound`, `Unexpected`.
    fn insert(
        &self,
        id: Uuid,
        category: &NewCategory,
        audit: &impl AuditLog<PgConnection>,
    ) -> impl Future<Output = Result<CategoryRow, CategoryWriteError>> + Send;

    /// Errors: every [`CategoryWriteError`].
    fn update(
        &self,
        id: Uuid,
        changes: &CategoryChanges,
        audit: &impl AuditLog<PgConnection>,
    ) -> impl Future<Output = Result<CategoryRow, CategoryWriteError>> + Send;

    /// Deletes a category that no product (active or not) and no sub-category refers to.
    /// Errors: every [`DeleteCategoryError`].
    fn delete(
        &self,
        id: Uuid,
        audit: &impl AuditLog<PgConnection>,
    ) -> impl Future<Output = Result<(), DeleteCategoryError>> + Send;
}

/// The categories service.
#[derive(Debug, Clone)]
pub struct Categories<S> {
    store: S,
}

impl<S: CategoryStore> Categories<S> {
    pub fn new(store: S) -> Self {
        Categories { store }
    }

    /// The whole tree, flat in depth-first order (each parent before its children),
    /// with rolled-up product counts.
    #[tracing::instrument(name = "categories.list", skip(self))]
    pub async fn list(&self) -> anyhow::Result<Vec<Category>> {
        let rows = self.store.rows().await?;
        let counts = self.store.active_product_counts().await?;
        Ok(depth_first(with_rolled_up_counts(rows, &counts)))
    }

    #[tracing::instrument(name = "categories.create", skip(self, audit))]
    pub async fn create(
        &self,
        category: NewCategory,
        audit: &impl AuditLog<PgConnection>,
    ) -> Result<Category, CategoryWriteError> {
        let row = self.store.insert(Uuid::now_v7(), &category, audit).await?;
        self.counted(row).await
    }

    #[tracing::instrument(name = "categories.change", skip(self, audit))]
    pub async fn change(
        &self,
        id: Uuid,
        changes: CategoryChanges,
        audit: &impl AuditLog<PgConnection>,
    ) -> Result<Category, CategoryWriteError> {
        if changes.parent_id == Some(Some(id)) {
            return Err(CategoryWriteError::ParentCycle);
        }
        let row = self.store.update(id, &changes, audit).await?;
        self.counted(row).await
    }

    #[tracing::instrument(name = "categories.remove", skip(self, audit))]
    pub async fn remove(&self, id: Uuid, audit: &impl AuditLog<PgConnection>) -> Result<(), DeleteCategoryError> {
        self.store.delete(id, audit).await
    }

    async fn counted(&self, row: CategoryRow) -> Result<Category, CategoryWriteError> {
        let id = row.id;
        let all = self.list().await?;
        all.into_iter().find(|c| c.id == id).ok_or(CategoryWriteError::NotFound)
    }
}

/// Adds each category's own count to itself and every ancestor.
fn with_rolled_up_counts(rows: Vec<CategoryRow>, own_counts: &HashMap<Uuid, i64>) -> Vec<Category> {
    let parents: HashMap<Uuid, Option<Uuid>> = rows.iter().map(|r| (r.id, r.parent_id)).collect();
    let mut totals: HashMap<Uuid, i64> = HashMap::new();
    for (&category, &count) in own_counts {
        let mut current = Some(category);
        // Bounded by the number of categories, so a corrupt cycle cannot loop forever.
        for _ in 0..=rows.len() {
            let Some(id) = current else { break };
            *totals.entry(id).or_default() += count;
            current = parents.get(&id).copied().flatten();
        }
    }
    rows.into_iter()
        .map(|r| Category {
            product_count: totals.get(&r.id).copied().unwrap_or(0),
            id: r.id,
            slug: r.slug,
            name: r.name,
            parent_id: r.parent_id,
            position: r.position,
        })
        .collect()
}

/// Orders categories parent first, siblings in their given order. Categories whose
/// parent is missing are treated as top-level, so nothing is dropped.
fn depth_first(categories: Vec<Category>) -> Vec<Category> {
    let ids: std::collections::HashSet<Uuid> = categories.iter().map(|c| c.id).collect();
    let mut children: HashMap<Option<Uuid>, Vec<Category>> = HashMap::new();
    for category in categories {
        let parent = category.parent_id.filter(|p| ids.contains(p) && *p != category.id);
        children.entry(parent).or_default().push(category);
    }
    let mut ordered = Vec::new();
    let mut stack: Vec<Category> = children.remove(&None).unwrap_or_default().into_iter().rev().collect();
    while let Some(category) = stack.pop() {
        if let Some(kids) = children.remove(&Some(category.id)) {
            stack.extend(kids.into_iter().rev());
        }
        ordered.push(category);
    }
    // Anything left sits in a cycle (the store prevents those); keep it visible.
    ordered.extend(children.into_values().flatten());
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u128, parent: Option<u128>) -> CategoryRow {
        CategoryRow {
            id: Uuid::from_u128(id),
            slug: format!("c{id}"),
            name: format!("C{id}"),
            parent_id: parent.map(Uuid::from_u128),
            position: 0,
        }
    }

    #[test]
    fn counts_roll_up_to_every_ancestor() {
        let rows = vec![row(1, None), row(2, Some(1)), row(3, Some(2)), row(4, None)];
        let counts = HashMap::from([(Uuid::from_u128(3), 5), (Uuid::from_u128(2), 1), (Uuid::from_u128(4), 2)]);
        let counted: Vec<i64> = with_rolled_up_counts(rows, &counts).iter().map(|c| c.product_count).collect();
        assert_eq!(counted, vec![6, 6, 5, 2]);
    }

    #[test]
    fn parents_come_before_their_children() {
        let rows = vec![row(3, Some(1)), row(1, None), row(4, None), row(2, Some(1)), row(5, Some(3))];
        let ordered = depth_first(with_rolled_up_counts(rows, &HashMap::new()));
        let ids: Vec<u128> = ordered.iter().map(|c| c.id.as_u128()).collect();
        assert_eq!(ids, vec![1, 3, 5, 2, 4]);
    }

    #[test]
    fn category_keys_are_ids_or_slugs() {
        let id = Uuid::now_v7();
        assert_eq!(CategoryKey::parse(&id.to_string()), CategoryKey::Id(id));
        assert_eq!(CategoryKey::parse(" GPU "), CategoryKey::Slug("gpu".into()));
    }
}

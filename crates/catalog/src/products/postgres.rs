//! PostgreSQL adapter for [`ProductStore`](super::ProductStore).

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::audit::{AuditLog, Change};
use kernel::{Money, Page};
use serde_json::{Map, Value, json};
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::listing::{self, ListKey, SortColumns, WORD_SIMILARITY_THRESHOLD};
use super::{
    Audience, Availability, CategoryRef, ForSale, ListProductsError, Product, ProductKey, ProductLabel, ProductQuery,
    ProductRecord, ProductStore, ProductSummary, Rating, StoreWriteError, Suggestion, UpdateProductError,
    WriteConflict, created_fields,
};
use crate::builder::Part;
use crate::categories::CategoryKey;
use crate::ports::{OpeningStock, StockOpening};
use crate::pricing::{Discount, Price, price};
use crate::search::SearchText;
use crate::values::{HsnCode, Sku, Slug};

/// Products in PostgreSQL; `S` records opening stock in inventory.
#[derive(Debug, Clone)]
pub struct PgProductStore<S> {
    pool: PgPool,
    stock: S,
}

impl<S: StockOpening> PgProductStore<S> {
    pub fn new(pool: PgPool, stock: S) -> Self {
        PgProductStore { pool, stock }
    }

    /// The plan PostgreSQL picks for a listing (`EXPLAIN` text, one line per row), so
    /// tests and operators can check that each list shape is an index scan.
    pub async fn explain_list(&self, query: &ProductQuery, categories: Option<&[Uuid]>) -> anyhow::Result<Vec<String>> {
        let mut sql = listing::build(query, categories, true).context("building the listing")?;
        let mut tx = self.pool.begin().await?;
        // As `list` runs it: only a search changes the session's settings.
        if query.search.is_some() {
            prepare_search(&mut tx).await?;
        }
        let lines: Vec<String> =
            sql.build_query_scalar().fetch_all(&mut *tx).await.context("explaining the listing")?;
        Ok(lines)
    }
}

/// Trigram matching reads its threshold from the session; it is set per transaction so
/// pooled connections are left as they were.
///
/// The same statement turns sequential scans off for the search. PostgreSQL prices the
/// trigram operator like an equality, so for a common word ("corsair": an eighth of 10,000
/// products) it scans the table and runs the operator on every row: 220 ms, against 37 ms
/// through the full-text and trigram indexes (`EXPLAIN ANALYZE`, `make bench`). The
/// catalog's searches always have those indexes to use.
async fn prepare_search(conn: &mut PgConnection) -> anyhow::Result<()> {
    sqlx::query(
        "SELECT set_config('pg_trgm.word_similarity_threshold', $1, true), set_config('enable_seqscan', 'off', true)",
    )
    .bind(WORD_SIMILARITY_THRESHOLD)
    .execute(conn)
    .await
    .context("setting the search threshold")?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: Uuid,
    sku: String,
    slug: String,
    name: String,
    brand: String,
    category_id: Uuid,
    category_slug: String,
    category_name: String,
    image: Option<String>,
    base_price_paise: i64,
    discount_type: Option<String>,
    discount_value: Option<i64>,
    tax_rate_bps: i32,
    hsn_code: Option<String>,
    is_active: bool,
    is_featured: bool,
    rating_count: i32,
    rating_total: i64,
    available: i64,
    created_at: DateTime<Utc>,
    final_price_paise: i64,
    sort_name: String,
    rank: f32,
}

fn discount_of(kind: Option<&str>, value: Option<i64>) -> anyhow::Result<Option<Discount>> {
    Ok(match (kind, value) {
        (None, _) => None,
        (Some("percentage"), Some(bps)) => Some(Discount::Percentage { bps: u32::try_from(bps)? }),
        (Some("flat"), Some(paise)) => Some(Discount::Flat { amount: Money::from_paise(paise) }),
        (kind, value) => anyhow::bail!("a stored discount is not valid: {kind:?} {value:?}"),
    })
}

fn stored_hsn_code(raw: Option<&str>) -> anyhow::Result<Option<HsnCode>> {
    raw.map(|code| HsnCode::parse(code, "hsn_code").context("a stored HSN code is not valid")).transpose()
}

fn discount_columns(discount: Option<Discount>) -> (Option<&'static str>, Option<i64>) {
    match discount {
        None => (None, None),
        Some(Discount::Percentage { bps }) => (Some("percentage"), Some(i64::from(bps))),
        Some(Discount::Flat { amount }) => (Some("flat"), Some(amount.paise())),
    }
}

impl SummaryRow {
    fn sort_columns(&self) -> SortColumns {
        SortColumns {
            id: self.id,
            created_at: self.created_at,
            final_price_paise: self.final_price_paise,
            sort_name: self.sort_name.clone(),
            rank: self.rank,
        }
    }

    fn into_summary(self) -> anyhow::Result<ProductSummary> {
        let discount = discount_of(self.discount_type.as_deref(), self.discount_value)?;
        let price = price(Money::from_paise(self.base_price_paise), discount, u32::try_from(self.tax_rate_bps)?)
            .with_context(|| format!("pricing stored product {}", self.id))?;
        let hsn_code = stored_hsn_code(self.hsn_code.as_deref())?;
        Ok(ProductSummary {
            id: self.id,
            sku: self.sku,
            slug: self.slug,
            name: self.name,
            brand: self.brand,
            category: CategoryRef { id: self.category_id, slug: self.category_slug, name: self.category_name },
            image: self.image,
            price,
            hsn_code,
            availability: Availability::of(self.is_active, self.available),
            is_active: self.is_active,
            is_featured: self.is_featured,
            rating: Rating { count: i64::from(self.rating_count), total: self.rating_total },
        })
    }
}

#[derive(sqlx::FromRow)]
struct ProductRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    short_description: String,
    description: String,
    specifications: Json<Map<String, Value>>,
    images: Vec<String>,
    updated_at: DateTime<Utc>,
}

impl ProductRow {
    fn into_product(self) -> anyhow::Result<Product> {
        let stock_available = self.summary.available.max(0);
        let created_at = self.summary.created_at;
        Ok(Product {
            summary: self.summary.into_summary()?,
            short_description: self.short_description,
            description: self.description,
            specifications: self.specifications.0,
            images: self.images,
            stock_available,
            created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Everything a product page shows, for one product; completed with a `WHERE`.
macro_rules! product_select {
    () => {
        concat!(
            "SELECT ",
            listing::summary_columns!(),
            ", 0::real AS rank, p.short_description, p.description, p.specifications, p.images, p.updated_at",
            listing::summary_from!()
        )
    };
}

async fn product_by_id(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Option<Product>> {
    let row: Option<ProductRow> = sqlx::query_as(concat!(product_select!(), " WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
        .context("loading a product")?;
    row.map(ProductRow::into_product).transpose()
}

/// Binds a record's columns in table order (`sku` … `is_featured`, then `hsn_code`),
/// after whatever the statement bound first.
fn bind_record<'q>(
    query: Query<'q, Postgres, PgArguments>,
    record: &'q ProductRecord,
    price: &Price,
) -> anyhow::Result<Query<'q, Postgres, PgArguments>> {
    let (discount_type, discount_value) = discount_columns(record.discount);
    Ok(query
        .bind(record.sku.as_str())
        .bind(record.slug.as_str())
        .bind(&record.name)
        .bind(&record.brand)
        .bind(record.category_id)
        .bind(record.base_price.paise())
        .bind(discount_type)
        .bind(discount_value)
        .bind(i32::try_from(record.tax_rate_bps).context("tax rate")?)
        .bind(price.final_price.paise())
        .bind(&record.short_description)
        .bind(&record.description)
        .bind(Json(&record.specifications))
        .bind(&record.images)
        .bind(record.is_active)
        .bind(record.is_featured)
        .bind(record.hsn_code.as_ref().map(HsnCode::as_str)))
}

fn write_error(error: sqlx::Error, record: &ProductRecord) -> StoreWriteError {
    if let Some(db) = error.as_database_error() {
        match (db.code().as_deref(), db.constraint()) {
            (Some("23505"), Some("products_sku")) => {
                return WriteConflict::SkuTaken(record.sku.as_str().to_owned()).into();
            }
            (Some("23505"), Some("products_slug")) => {
                return WriteConflict::SlugTaken(record.slug.as_str().to_owned()).into();
            }
            (Some("23503"), Some("products_category_id_fkey")) => return WriteConflict::UnknownCategory.into(),
            _ => {}
        }
    }
    StoreWriteError::Unexpected(anyhow::Error::new(error).context("writing a product"))
}

#[derive(sqlx::FromRow)]
struct RecordRow {
    sku: String,
    slug: String,
    name: String,
    brand: String,
    category_id: Uuid,
    base_price_paise: i64,
    discount_type: Option<String>,
    discount_value: Option<i64>,
    tax_rate_bps: i32,
    short_description: String,
    description: String,
    specifications: Json<Map<String, Value>>,
    images: Vec<String>,
    is_active: bool,
    is_featured: bool,
    hsn_code: Option<String>,
}

/// A product's row as a change locks it, with the slug of its category.
#[derive(sqlx::FromRow)]
struct LockedRow {
    #[sqlx(flatten)]
    record: RecordRow,
    category_slug: String,
}

impl RecordRow {
    fn into_record(self) -> anyhow::Result<ProductRecord> {
        Ok(ProductRecord {
            sku: Sku::parse(&self.sku, "sku").context("a stored SKU is not valid")?,
            slug: Slug::parse(&self.slug, "slug").context("a stored slug is not valid")?,
            name: self.name,
            brand: self.brand,
            category_id: self.category_id,
            base_price: Money::from_paise(self.base_price_paise),
            discount: discount_of(self.discount_type.as_deref(), self.discount_value)?,
            tax_rate_bps: u32::try_from(self.tax_rate_bps)?,
            hsn_code: stored_hsn_code(self.hsn_code.as_deref())?,
            short_description: self.short_description,
            description: self.description,
            specifications: self.specifications.0,
            images: self.images,
            is_active: self.is_active,
            is_featured: self.is_featured,
        })
    }
}

impl<S: StockOpening> ProductStore for PgProductStore<S> {
    #[tracing::instrument(name = "products.category_id", skip(self))]
    async fn category_id(&self, key: &CategoryKey) -> anyhow::Result<Option<Uuid>> {
        let (id, slug) = split_key(key);
        sqlx::query_scalar("SELECT id FROM catalog.categories WHERE id = $1 OR slug = $2")
            .bind(id)
            .bind(slug)
            .fetch_optional(&self.pool)
            .await
            .context("finding a category")
    }

    #[tracing::instrument(name = "products.category", skip(self))]
    async fn category(&self, key: &CategoryKey) -> anyhow::Result<Option<CategoryRef>> {
        let (id, slug) = split_key(key);
        let row: Option<(Uuid, String, String)> =
            sqlx::query_as("SELECT id, slug, name FROM catalog.categories WHERE id = $1 OR slug = $2")
                .bind(id)
                .bind(slug)
                .fetch_optional(&self.pool)
                .await
                .context("finding a category")?;
        Ok(row.map(|(id, slug, name)| CategoryRef { id, slug, name }))
    }

    #[tracing::instrument(name = "products.category_tree", skip(self))]
    async fn category_with_descendants(&self, key: &CategoryKey) -> anyhow::Result<Option<Vec<Uuid>>> {
        let (id, slug) = split_key(key);
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "WITH RECURSIVE tree AS (
                 SELECT id FROM catalog.categories WHERE id = $1 OR slug = $2
                 UNION
                 SELECT c.id FROM catalog.categories c JOIN tree t ON c.parent_id = t.id
             )
             SELECT id FROM tree",
        )
        .bind(id)
        .bind(slug)
        .fetch_all(&self.pool)
        .await
        .context("finding a category and its sub-categories")?;
        Ok((!ids.is_empty()).then_some(ids))
    }

    #[tracing::instrument(name = "products.slug_taken", skip(self))]
    async fn slug_taken(&self, slug: &Slug) -> anyhow::Result<bool> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM catalog.products WHERE slug = $1)")
            .bind(slug.as_str())
            .fetch_one(&self.pool)
            .await
            .context("checking a slug")
    }

    #[tracing::instrument(name = "products.insert", skip(self, record, price, audit))]
    async fn insert(
        &self,
        id: Uuid,
        record: &ProductRecord,
        price: &Price,
        stock: OpeningStock,
        audit: &impl AuditLog<PgConnection>,
    ) -> Result<Product, StoreWriteError> {
        let mut tx = self.pool.begin().await.context("starting a product insert")?;
        let insert = sqlx::query(
            "INSERT INTO catalog.products
               (id, sku, slug, name, brand, category_id, base_price_paise, discount_type, discount_value,
                tax_rate_bps, final_price_paise, short_description, description, specifications, images,
                is_active, is_featured, hsn_code)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
        )
        .bind(id);
        bind_record(insert, record, price)?.execute(&mut *tx).await.map_err(|e| write_error(e, record))?;
        self.stock.open_stock(&mut tx, id, stock).await.context("recording the opening stock")?;
        audit.record(&mut tx, Change::created("product.create", "product", id, created_fields(record, stock))).await?;
        let product = product_by_id(&mut tx, id).await?.context("the new product is gone")?;
        tx.commit().await.context("committing a product insert")?;
        Ok(product)
    }

    #[tracing::instrument(name = "products.update", skip(self, revise, audit))]
    async fn update(
        &self,
        id: Uuid,
        revise: impl FnOnce(ProductRecord, &str) -> Result<(ProductRecord, Price), UpdateProductError> + Send,
        audit: &impl AuditLog<PgConnection>,
    ) -> Result<Product, UpdateProductError> {
        let mut tx = self.pool.begin().await.context("starting a product update")?;
        // The lock queues concurrent changes of this product: each merges over the last
        // committed one instead of failing a version check. A plain SELECT fires none of the
        // statement triggers, so only the UPDATE announces the change to the catalog cache.
        // Only the product's row is locked (`OF p`): changes of other products in its
        // category do not queue behind it.
        let row: Option<LockedRow> = sqlx::query_as(
            "SELECT p.sku, p.slug, p.name, p.brand, p.category_id, p.base_price_paise, p.discount_type,
                    p.discount_value, p.tax_rate_bps, p.short_description, p.description, p.specifications,
                    p.images, p.is_active, p.is_featured, p.hsn_code, c.slug AS category_slug
             FROM catalog.products p JOIN catalog.categories c ON c.id = p.category_id
             WHERE p.id = $1 FOR UPDATE OF p",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .context("locking a product")?;
        let locked = row.ok_or(UpdateProductError::NotFound)?;
        let current = locked.record.into_record()?;
        let before = current.audit_fields();
        let (record, price) = revise(current, &locked.category_slug)?;
        let update = sqlx::query(
            "UPDATE catalog.products SET
               sku = $2, slug = $3, name = $4, brand = $5, category_id = $6, base_price_paise = $7,
               discount_type = $8, discount_value = $9, tax_rate_bps = $10, final_price_paise = $11,
               short_description = $12, description = $13, specifications = $14, images = $15,
               is_active = $16, is_featured = $17, hsn_code = $18,
               updated_at = greatest(clock_timestamp(), updated_at + interval '1 microsecond')
             WHERE id = $1",
        )
        .bind(id);
        bind_record(update, &record, &price)?.execute(&mut *tx).await.map_err(|e| write_error(e, &record))?;
        let change = Change::updated("product.update", "product", id, &before, &record.audit_fields());
        if !change.changes_nothing() {
            audit.record(&mut tx, change).await?;
        }
        let product = product_by_id(&mut tx, id).await?.context("the locked product is gone")?;
        tx.commit().await.context("committing a product update")?;
        Ok(product)
    }

    #[tracing::instrument(name = "products.deactivate", skip(self, audit))]
    async fn deactivate(&self, id: Uuid, audit: &impl AuditLog<PgConnection>) -> anyhow::Result<bool> {
        let mut tx = self.pool.begin().await.context("starting a product deactivation")?;
        let was_active: Option<bool> =
            sqlx::query_scalar("SELECT is_active FROM catalog.products WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .context("locking a product")?;
        let Some(was_active) = was_active else { return Ok(false) };
        // Already hidden: nothing changes, so nothing is written (nor announced) or recorded.
        if was_active {
            sqlx::query(
                "UPDATE catalog.products
                 SET is_active = false, updated_at = greatest(clock_timestamp(), updated_at + interval '1 microsecond')
                 WHERE id = $1",
            )
            .bind(id)
            .execute(&mut *tx)
            .await
            .context("deactivating a product")?;
            let (before, after) = (json!({"is_active": true}), json!({"is_active": false}));
            audit.record(&mut tx, Change::updated("product.deactivate", "product", id, &before, &after)).await?;
        }
        tx.commit().await.context("committing a product deactivation")?;
        Ok(true)
    }

    #[tracing::instrument(name = "products.find", skip(self))]
    async fn find(&self, key: &ProductKey, audience: Audience) -> anyhow::Result<Option<Product>> {
        let (id, slug) = match key {
            ProductKey::Id(id) => (Some(*id), None),
            ProductKey::Slug(slug) => (None, Some(slug.as_str())),
        };
        let row: Option<ProductRow> =
            sqlx::query_as(concat!(product_select!(), " WHERE (p.id = $1 OR p.slug = $2) AND (p.is_active OR $3)"))
                .bind(id)
                .bind(slug)
                .bind(audience == Audience::Admin)
                .fetch_optional(&self.pool)
                .await
                .context("finding a product")?;
        row.map(ProductRow::into_product).transpose()
    }

    #[tracing::instrument(name = "products.rows", skip(self))]
    async fn list(
        &self,
        query: &ProductQuery,
        categories: Option<&[Uuid]>,
    ) -> Result<Page<ProductSummary>, ListProductsError> {
        let mut sql = listing::build(query, categories, false)?;
        let rows: Vec<SummaryRow> = if query.search.is_some() {
            let mut tx = self.pool.begin().await.context("starting a search")?;
            prepare_search(&mut tx).await?;
            let rows = sql.build_query_as().fetch_all(&mut *tx).await.context("searching products")?;
            tx.commit().await.context("ending a search")?;
            rows
        } else {
            sql.build_query_as().fetch_all(&self.pool).await.context("listing products")?
        };
        let sort = query.effective_sort();
        let page = Page::from_rows(rows, query.limit, |row| ListKey::of(sort, &row.sort_columns()));
        let items = page.items.into_iter().map(SummaryRow::into_summary).collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Page { items, next_cursor: page.next_cursor })
    }

    #[tracing::instrument(name = "products.ids_in", skip(self))]
    async fn product_ids_in(&self, categories: &[Uuid]) -> anyhow::Result<Vec<Uuid>> {
        sqlx::query_scalar("SELECT id FROM catalog.products WHERE category_id = ANY($1)")
            .bind(categories)
            .fetch_all(&self.pool)
            .await
            .context("listing a category's products")
    }

    #[tracing::instrument(name = "products.for_sale", skip_all)]
    async fn for_sale(&self, ids: &[Uuid]) -> anyhow::Result<Vec<ForSale>> {
        let rows: Vec<SummaryRow> = sqlx::query_as(concat!(
            "SELECT ",
            listing::summary_columns!(),
            ", 0::real AS rank",
            listing::summary_from!(),
            " WHERE p.id = ANY($1)"
        ))
        .bind(ids)
        .fetch_all(&self.pool)
        .await
        .context("loading products for sale")?;
        rows.into_iter()
            .map(|row| {
                let available = row.available.max(0);
                Ok(ForSale { summary: row.into_summary()?, available })
            })
            .collect()
    }

    #[tracing::instrument(name = "products.parts", skip_all, fields(count = ids.len()))]
    async fn parts(&self, ids: &[Uuid]) -> anyhow::Result<Vec<Part>> {
        #[derive(sqlx::FromRow)]
        struct PartRow {
            #[sqlx(flatten)]
            summary: SummaryRow,
            specifications: Json<Map<String, Value>>,
        }
        let rows: Vec<PartRow> = sqlx::query_as(concat!(
            "SELECT ",
            listing::summary_columns!(),
            ", 0::real AS rank, p.specifications",
            listing::summary_from!(),
            " WHERE p.id = ANY($1)"
        ))
        .bind(ids)
        .fetch_all(&self.pool)
        .await
        .context("loading a build's parts")?;
        rows.into_iter()
            .map(|row| {
                let available = row.summary.available.max(0);
                let product = ForSale { summary: row.summary.into_summary()?, available };
                Ok(Part { product, specifications: row.specifications.0 })
            })
            .collect()
    }

    #[tracing::instrument(name = "products.labels", skip_all)]
    async fn labels(&self, ids: &[Uuid]) -> anyhow::Result<Vec<ProductLabel>> {
        let rows: Vec<(Uuid, String, String)> =
            sqlx::query_as("SELECT id, sku, name FROM catalog.products WHERE id = ANY($1)")
                .bind(ids)
                .fetch_all(&self.pool)
                .await
                .context("labelling products")?;
        Ok(rows.into_iter().map(|(id, sku, name)| ProductLabel { id, sku, name }).collect())
    }

    #[tracing::instrument(name = "products.suggest", skip(self))]
    async fn suggest(&self, text: &SearchText, limit: u32) -> anyhow::Result<Vec<Suggestion>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: Uuid,
            slug: String,
            name: String,
            category_id: Uuid,
            category_slug: String,
            category_name: String,
        }
        // Names that start with the text first, then the best matches.
        let mut sql = QueryBuilder::new(
            "SELECT p.id, p.slug, p.name, p.category_id, c.slug AS category_slug, c.name AS category_name
             FROM catalog.products p JOIN catalog.categories c ON c.id = p.category_id
             WHERE p.is_active",
        );
        listing::push_search_filter(&mut sql, text);
        sql.push(" ORDER BY starts_with(lower(p.name), ").push_bind(text.text().to_owned()).push(") DESC, ");
        listing::push_search_rank(&mut sql, text);
        sql.push(" DESC, lower(p.name), p.id LIMIT ").push_bind(i64::from(limit));
        let mut tx = self.pool.begin().await.context("starting a suggestion search")?;
        prepare_search(&mut tx).await?;
        let rows: Vec<Row> = sql.build_query_as().fetch_all(&mut *tx).await.context("suggesting products")?;
        tx.commit().await.context("ending a suggestion search")?;
        Ok(rows
            .into_iter()
            .map(|r| Suggestion {
                id: r.id,
                slug: r.slug,
                name: r.name,
                category: CategoryRef { id: r.category_id, slug: r.category_slug, name: r.category_name },
            })
            .collect())
    }
}

fn split_key(key: &CategoryKey) -> (Option<Uuid>, Option<&str>) {
    match key {
        CategoryKey::Id(id) => (Some(*id), None),
        CategoryKey::Slug(slug) => (None, Some(slug.as_str())),
    }
}

//! Products: what the store sells, priced by the one pricing function.

mod listing;
mod postgres;

use std::collections::HashMap;
use std::future::Future;

use chrono::{DateTime, Utc};
use kernel::audit::AuditLog;
use kernel::{Cursor, InvalidCursor, Limit, Money, Page};
use serde_json::{Map, Value, json};
use sqlx::PgConnection;
use uuid::Uuid;

pub use postgres::PgProductStore;

use crate::builder::fit::Fit;
use crate::builder::{self, Part, Slot, SpecificationProblem};
use crate::categories::CategoryKey;
use crate::ports::OpeningStock;
use crate::pricing::{self, Discount, Price, PricingError};
use crate::search::SearchText;
use crate::values::{HsnCode, Sku, Slug};

/// The category a product is filed under, as shown with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryRef {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    InStock,
    OutOfStock,
    /// No longer sold (soft-deleted); only admins see such products.
    Discontinued,
}

impl Availability {
    pub fn of(is_active: bool, available: i64) -> Self {
        match (is_active, available > 0) {
            (false, _) => Availability::Discontinued,
            (true, true) => Availability::InStock,
            (true, false) => Availability::OutOfStock,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Availability::InStock => "in_stock",
            Availability::OutOfStock => "out_of_stock",
            Availability::Discontinued => "discontinued",
        }
    }
}

/// Review totals; the average is derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rating {
    pub count: i64,
    pub total: i64,
}

impl Rating {
    /// The mean rating to one decimal, `None` before the first review.
    pub fn average(self) -> Option<f64> {
        // Ratings are 1–5 stars, not money; one decimal is what a shop shows.
        (self.count > 0).then(|| (self.total * 10 + self.count / 2) / self.count).map(|tenths| tenths as f64 / 10.0)
    }
}

/// What a product list shows of each product.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductSummary {
    pub id: Uuid,
    pub sku: String,
    pub slug: String,
    pub name: String,
    pub brand: String,
    pub category: CategoryRef,
    pub image: Option<String>,
    pub price: Price,
    /// GST's classification of the product, which its invoice lines name; `None` only
    /// for a product older than HSN codes whose category had no code to give it.
    pub hsn_code: Option<HsnCode>,
    pub availability: Availability,
    pub is_active: bool,
    pub is_featured: bool,
    pub rating: Rating,
}

/// A product with everything a product page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub summary: ProductSummary,
    pub short_description: String,
    pub description: String,
    pub specifications: Map<String, Value>,
    pub images: Vec<String>,
    pub stock_available: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A product's writable state, complete and parsed: what is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductRecord {
    pub sku: Sku,
    pub slug: Slug,
    pub name: String,
    pub brand: String,
    pub category_id: Uuid,
    pub base_price: Money,
    pub discount: Option<Discount>,
    pub tax_rate_bps: u32,
    /// `None` only for a product older than HSN codes (see [`ProductSummary::hsn_code`]).
    pub hsn_code: Option<HsnCode>,
    pub short_description: String,
    pub description: String,
    pub specifications: Map<String, Value>,
    pub images: Vec<String>,
    pub is_active: bool,
    pub is_featured: bool,
}

impl ProductRecord {
    pub fn price(&self) -> Result<Price, PricingError> {
        pricing::price(self.base_price, self.discount, self.tax_rate_bps)
    }

    /// The record as the audit trail keeps it: every writable field, money in paise.
    pub(crate) fn audit_fields(&self) -> Value {
        let discount = self.discount.map(|discount| match discount {
            Discount::Percentage { bps } => json!({"type": "percentage", "value": bps}),
            Discount::Flat { amount } => json!({"type": "flat", "value": amount.paise()}),
        });
        json!({
            "sku": self.sku.as_str(),
            "slug": self.slug.as_str(),
            "name": self.name,
            "brand": self.brand,
            "category_id": self.category_id,
            "base_price_paise": self.base_price.paise(),
            "discount": discount,
            "tax_rate_bps": self.tax_rate_bps,
            "hsn_code": self.hsn_code.as_ref().map(HsnCode::as_str),
            "short_description": self.short_description,
            "description": self.description,
            "specifications": self.specifications,
            "images": self.images,
            "is_active": self.is_active,
            "is_featured": self.is_featured,
        })
    }
}

/// A new product as the audit trail keeps it: its record and its opening stock.
pub(crate) fn created_fields(record: &ProductRecord, stock: OpeningStock) -> Value {
    let mut fields = record.audit_fields();
    if let Value::Object(map) = &mut fields {
        map.insert("initial_stock".to_owned(), json!(stock.on_hand));
        map.insert("low_stock_threshold".to_owned(), json!(stock.low_stock_threshold));
    }
    fields
}

/// A product to create. Without a slug, one is made from the name.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProduct {
    pub sku: Sku,
    pub slug: Option<Slug>,
    pub name: String,
    pub brand: String,
    pub category: CategoryKey,
    pub base_price: Money,
    pub discount: Option<Discount>,
    pub tax_rate_bps: u32,
    /// Required of every new product: its invoices must name it.
    pub hsn_code: HsnCode,
    pub short_description: String,
    pub description: String,
    pub specifications: Map<String, Value>,
    pub images: Vec<String>,
    pub is_active: bool,
    pub is_featured: bool,
    pub opening_stock: OpeningStock,
}

/// Changes to a product; `None` leaves a field as it is. `discount: Some(None)` removes
/// the discount.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductChanges {
    pub sku: Option<Sku>,
    pub slug: Option<Slug>,
    pub name: Option<String>,
    pub brand: Option<String>,
    pub category: Option<CategoryKey>,
    pub base_price: Option<Money>,
    pub discount: Option<Option<Discount>>,
    pub tax_rate_bps: Option<u32>,
    pub hsn_code: Option<HsnCode>,
    pub short_description: Option<String>,
    pub description: Option<String>,
    pub specifications: Option<Map<String, Value>>,
    pub images: Option<Vec<String>>,
    pub is_active: Option<bool>,
    pub is_featured: Option<bool>,
}

/// Who is looking: shoppers see active products only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Shopper,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Newest first (the default without a search).
    #[default]
    Newest,
    PriceAsc,
    PriceDesc,
    /// By name, case-insensitively.
    Name,
    /// Best match first (the default with a search).
    Relevance,
}

impl Sort {
    pub fn parse(raw: &str) -> Option<Sort> {
        Some(match raw {
            "newest" => Sort::Newest,
            "price_asc" => Sort::PriceAsc,
            "price_desc" => Sort::PriceDesc,
            "name" => Sort::Name,
            "relevance" => Sort::Relevance,
            _ => return None,
        })
    }
}

/// A product list request: every filter of the contract, a sort and a page.
#[derive(Debug, Clone, Default)]
pub struct ProductQuery {
    pub category: Option<CategoryKey>,
    pub brand: Option<String>,
    pub search: Option<SearchText>,
    pub min_price: Option<Money>,
    pub max_price: Option<Money>,
    pub in_stock: Option<bool>,
    pub featured: Option<bool>,
    /// `None`: relevance with a search, newest without.
    pub sort: Option<Sort>,
    pub limit: Limit,
    pub after: Option<Cursor>,
    /// Admins may list inactive products too.
    pub include_inactive: bool,
    /// The PC builder's conditions: only products that fit the parts chosen so far.
    pub fits: Vec<Fit>,
}

impl ProductQuery {
    /// The sort actually used: relevance needs a search to rank by, so without one it is
    /// newest-first.
    pub fn effective_sort(&self) -> Sort {
        match (self.sort, &self.search) {
            (Some(Sort::Relevance), None) | (None, None) => Sort::Newest,
            (None, Some(_)) => Sort::Relevance,
            (Some(sort), _) => sort,
        }
    }
}

/// A product as a cart or checkout sees it: the summary (with today's price) and the
/// units available right now.
#[derive(Debug, Clone, PartialEq)]
pub struct ForSale {
    pub summary: ProductSummary,
    pub available: i64,
}

/// How other screens name a product (the admin's stock list, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductLabel {
    pub id: Uuid,
    pub sku: String,
    pub name: String,
}

/// One search suggestion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub category: CategoryRef,
}

/// A write the store refused because of what is already there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteConflict {
    #[error("the SKU {0} is taken")]
    SkuTaken(String),
    #[error("the slug {0} is taken")]
    SlugTaken(String),
    #[error("the category does not exist")]
    UnknownCategory,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreWriteError {
    #[error(transparent)]
    Conflict(#[from] WriteConflict),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum CreateProductError {
    #[error(transparent)]
    Conflict(#[from] WriteConflict),
    #[error("the price cannot be computed: {0}")]
    InvalidPrice(#[from] PricingError),
    /// A product of a PC builder slot's category without the specifications the builder's
    /// rules read, each problem once.
    #[error("the PC builder cannot read the specifications {}", problem_keys(.0))]
    Specifications(Vec<SpecificationProblem>),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateProductError {
    #[error("no such product")]
    NotFound,
    #[error(transparent)]
    Conflict(#[from] WriteConflict),
    #[error("the price cannot be computed: {0}")]
    InvalidPrice(#[from] PricingError),
    /// As [`CreateProductError::Specifications`], for the product as the change leaves it.
    #[error("the PC builder cannot read the specifications {}", problem_keys(.0))]
    Specifications(Vec<SpecificationProblem>),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

fn problem_keys(problems: &[SpecificationProblem]) -> String {
    problems.iter().map(|problem| problem.key).collect::<Vec<_>>().join(", ")
}

/// What is wrong with the specifications of a product filed under the category `slug`:
/// only a PC builder slot's category has keys its rules read.
fn specification_problems(slug: &str, specifications: &Map<String, Value>) -> Vec<SpecificationProblem> {
    Slot::parse(slug).map(|slot| builder::check_specifications(slot, specifications)).unwrap_or_default()
}

impl From<StoreWriteError> for UpdateProductError {
    fn from(error: StoreWriteError) -> Self {
        match error {
            StoreWriteError::Conflict(conflict) => UpdateProductError::Conflict(conflict),
            StoreWriteError::Unexpected(cause) => UpdateProductError::Unexpected(cause),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ListProductsError {
    #[error("no such category")]
    UnknownCategory,
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Where products are kept.
pub trait ProductStore: Send + Sync {
    /// The category's id. Errors: storage failures.
    fn category_id(&self, key: &CategoryKey) -> impl Future<Output = anyhow::Result<Option<Uuid>>> + Send;

    /// The category, by id or slug. Errors: storage failures.
    fn category(&self, key: &CategoryKey) -> impl Future<Output = anyhow::Result<Option<CategoryRef>>> + Send;

    /// The category and all its descendants, `None` when there is no such category.
    /// Errors: storage failures.
    fn category_with_descendants(
        &self,
        key: &CategoryKey,
    ) -> impl Future<Output = anyhow::Result<Option<Vec<Uuid>>>> + Send;

    /// Whether some product (active or not) already uses this slug. Errors: storage failures.
    fn slug_taken(&self, slug: &Slug) -> impl Future<Output = anyhow::Result<bool>> + Send;

    /// Inserts the product and hands its opening stock to inventory, in one transaction,
    /// which also records the creation in `audit`. Errors: [`WriteConflict`]s, storage
    /// failures.
    fn insert(
        &self,
        id: Uuid,
        record: &ProductRecord,
        price: &Price,
        stock: OpeningStock,
        audit: &impl AuditLog<PgConnection>,
    ) -> impl Future<Output = Result<Product, StoreWriteError>> + Send;

    /// Changes one product in one transaction: locks its row, hands the stored record and
    /// the slug of its category to `revise` and writes the record and price `revise`
    /// returns; nothing is written when `revise` refuses. Changes of one product thus run
    /// one after another, each over the one before. The fields that changed are recorded in
    /// `audit` in the same transaction. Errors: [`UpdateProductError::NotFound`], what
    /// `revise` refuses, [`WriteConflict`]s, storage failures.
    fn update(
        &self,
        id: Uuid,
        revise: impl FnOnce(ProductRecord, &str) -> Result<(ProductRecord, Price), UpdateProductError> + Send,
        audit: &impl AuditLog<PgConnection>,
    ) -> impl Future<Output = Result<Product, UpdateProductError>> + Send;

    /// Marks a product inactive, recording it in `audit` when it was active; `false` when
    /// there is no such product. Errors: storage failures.
    fn deactivate(
        &self,
        id: Uuid,
        audit: &impl AuditLog<PgConnection>,
    ) -> impl Future<Output = anyhow::Result<bool>> + Send;

    /// One product by id or slug. Errors: storage failures.
    fn find(
        &self,
        key: &ProductKey,
        audience: Audience,
    ) -> impl Future<Output = anyhow::Result<Option<Product>>> + Send;

    /// A page of products; `categories` is the already-resolved category filter.
    /// Errors: an invalid cursor, storage failures.
    fn list(
        &self,
        query: &ProductQuery,
        categories: Option<&[Uuid]>,
    ) -> impl Future<Output = Result<Page<ProductSummary>, ListProductsError>> + Send;

    /// Every product (active or not) filed under one of `categories`. Errors: storage failures.
    fn product_ids_in(&self, categories: &[Uuid]) -> impl Future<Output = anyhow::Result<Vec<Uuid>>> + Send;

    /// Each of these products that exists (active or not) as a list shows it, with the
    /// units available now. Errors: storage failures.
    fn for_sale(&self, ids: &[Uuid]) -> impl Future<Output = anyhow::Result<Vec<ForSale>>> + Send;

    /// Each of these products that exists (active or not) as the PC builder reads it: as
    /// a list shows it, with the units available now and its specifications. Errors:
    /// storage failures.
    fn parts(&self, ids: &[Uuid]) -> impl Future<Output = anyhow::Result<Vec<Part>>> + Send;

    /// The SKU and name of each of these products that exists. Errors: storage failures.
    fn labels(&self, ids: &[Uuid]) -> impl Future<Output = anyhow::Result<Vec<ProductLabel>>> + Send;

    /// Up to `limit` active products whose name starts like, or looks like, the text.
    /// Errors: storage failures.
    fn suggest(&self, text: &SearchText, limit: u32) -> impl Future<Output = anyhow::Result<Vec<Suggestion>>> + Send;
}

/// How a product is named in a URL: by id or by slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProductKey {
    Id(Uuid),
    Slug(String),
}

impl ProductKey {
    pub fn parse(raw: &str) -> Self {
        Uuid::parse_str(raw).map_or_else(|_| ProductKey::Slug(raw.to_ascii_lowercase()), ProductKey::Id)
    }
}

/// Search suggestions per request.
pub const MAX_SUGGESTIONS: u32 = 10;

/// The products service.
#[derive(Debug, Clone)]
pub struct Products<S> {
    store: S,
}

impl<S: ProductStore> Products<S> {
    pub fn new(store: S) -> Self {
        Products { store }
    }

    /// Creates a product, priced by the one pricing function, with its opening stock;
    /// `audit` records it (`product.create`) in the same transaction. A product of a PC
    /// builder slot's category must carry the specifications the builder's rules read.
    #[tracing::instrument(name = "products.create", skip_all, fields(sku = %new.sku))]
    pub async fn create(
        &self,
        new: NewProduct,
        audit: &impl AuditLog<PgConnection>,
    ) -> Result<Product, CreateProductError> {
        let category = self.store.category(&new.category).await?.ok_or(WriteConflict::UnknownCategory)?;
        let problems = specification_problems(&category.slug, &new.specifications);
        if !problems.is_empty() {
            return Err(CreateProductError::Specifications(problems));
        }
        let slug = match new.slug {
            Some(slug) => slug,
            None => self.free_slug(&new.name, &new.sku).await?,
        };
        let record = ProductRecord {
            sku: new.sku,
            slug,
            name: new.name,
            brand: new.brand,
            category_id: category.id,
            base_price: new.base_price,
            discount: new.discount,
            tax_rate_bps: new.tax_rate_bps,
            hsn_code: Some(new.hsn_code),
            short_description: new.short_description,
            description: new.description,
            specifications: new.specifications,
            images: new.images,
            is_active: new.is_active,
            is_featured: new.is_featured,
        };
        let price = record.price()?;
        self.store.insert(Uuid::now_v7(), &record, &price, new.opening_stock, audit).await.map_err(|e| match e {
            StoreWriteError::Conflict(conflict) => CreateProductError::Conflict(conflict),
            StoreWriteError::Unexpected(cause) => CreateProductError::Unexpected(cause),
        })
    }

    /// Applies a partial change over the product as stored when its row is locked, so
    /// concurrent changes all succeed and each field keeps the value last sent for it. The
    /// price is recomputed from the merged record. `audit` records the fields that changed
    /// (`product.update`) in the same transaction.
    ///
    /// A change of the specifications or the category is refused when the merged product
    /// is of a PC builder slot's category without the specifications its rules read; other
    /// changes are not checked, so a product older than the check can still be repriced.
    #[tracing::instrument(name = "products.change", skip(self, changes, audit))]
    pub async fn change(
        &self,
        id: Uuid,
        changes: ProductChanges,
        audit: &impl AuditLog<PgConnection>,
    ) -> Result<Product, UpdateProductError> {
        let category = match &changes.category {
            Some(key) => Some(self.store.category(key).await?.ok_or(WriteConflict::UnknownCategory)?),
            None => None,
        };
        let checks_specifications = changes.specifications.is_some() || changes.category.is_some();
        self.store
            .update(
                id,
                |current, filed_under| {
                    let slug = category.as_ref().map_or(filed_under, |category| category.slug.as_str());
                    let record = merged(current, &changes, category.as_ref().map(|category| category.id));
                    let problems = specification_problems(slug, &record.specifications);
                    if checks_specifications && !problems.is_empty() {
                        return Err(UpdateProductError::Specifications(problems));
                    }
                    let price = record.price()?;
                    Ok((record, price))
                },
                audit,
            )
            .await
    }

    /// Soft delete: the product leaves the store but stays for order history and admins.
    /// `audit` records it (`product.deactivate`) when the product was active.
    #[tracing::instrument(name = "products.deactivate", skip(self, audit))]
    pub async fn deactivate(&self, id: Uuid, audit: &impl AuditLog<PgConnection>) -> Result<(), UpdateProductError> {
        if self.store.deactivate(id, audit).await? { Ok(()) } else { Err(UpdateProductError::NotFound) }
    }

    #[tracing::instrument(name = "products.get", skip(self))]
    pub async fn get(&self, key: &ProductKey, audience: Audience) -> anyhow::Result<Option<Product>> {
        self.store.find(key, audience).await
    }

    #[tracing::instrument(name = "products.list", skip(self))]
    pub async fn list(&self, query: &ProductQuery) -> Result<Page<ProductSummary>, ListProductsError> {
        let categories = match &query.category {
            Some(key) => {
                Some(self.store.category_with_descendants(key).await?.ok_or(ListProductsError::UnknownCategory)?)
            }
            None => None,
        };
        self.store.list(query, categories.as_deref()).await
    }

    /// Every product in a category and its sub-categories, active or not.
    #[tracing::instrument(name = "products.ids_in_category", skip(self))]
    pub async fn ids_in_category(&self, key: &CategoryKey) -> Result<Vec<Uuid>, ListProductsError> {
        let categories = self.store.category_with_descendants(key).await?.ok_or(ListProductsError::UnknownCategory)?;
        Ok(self.store.product_ids_in(&categories).await?)
    }

    /// These products as a cart or checkout prices them: today's price, whether they are
    /// still sold, and how many units are available. Unknown ids are left out.
    #[tracing::instrument(name = "products.for_sale", skip_all, fields(count = ids.len()))]
    pub async fn for_sale(&self, ids: &[Uuid]) -> anyhow::Result<HashMap<Uuid, ForSale>> {
        Ok(self.store.for_sale(ids).await?.into_iter().map(|item| (item.summary.id, item)).collect())
    }

    #[tracing::instrument(name = "products.labels", skip_all, fields(count = ids.len()))]
    pub async fn labels(&self, ids: &[Uuid]) -> anyhow::Result<HashMap<Uuid, ProductLabel>> {
        Ok(self.store.labels(ids).await?.into_iter().map(|label| (label.id, label)).collect())
    }

    #[tracing::instrument(name = "products.suggest", skip(self))]
    pub async fn suggest(&self, text: &SearchText) -> anyhow::Result<Vec<Suggestion>> {
        self.store.suggest(text, MAX_SUGGESTIONS).await
    }

    /// The name's slug, or the name's slug with the SKU when another product has it.
    async fn free_slug(&self, name: &str, sku: &Sku) -> anyhow::Result<Slug> {
        let from_sku = || Slug::from_text(sku.as_str()).expect("a SKU has letters or digits");
        let Some(slug) = Slug::from_text(name) else { return Ok(from_sku()) };
        if !self.store.slug_taken(&slug).await? {
            return Ok(slug);
        }
        Ok(Slug::from_text(&format!("{} {}", slug.as_str(), sku.as_str())).unwrap_or_else(from_sku))
    }
}

fn merged(current: ProductRecord, changes: &ProductChanges, category_id: Option<Uuid>) -> ProductRecord {
    let c = changes.clone();
    ProductRecord {
        sku: c.sku.unwrap_or(current.sku),
        slug: c.slug.unwrap_or(current.slug),
        name: c.name.unwrap_or(current.name),
        brand: c.brand.unwrap_or(current.brand),
        category_id: category_id.unwrap_or(current.category_id),
        base_price: c.base_price.unwrap_or(current.base_price),
        discount: c.discount.unwrap_or(current.discount),
        tax_rate_bps: c.tax_rate_bps.unwrap_or(current.tax_rate_bps),
        hsn_code: c.hsn_code.or(current.hsn_code),
        short_description: c.short_description.unwrap_or(current.short_description),
        description: c.description.unwrap_or(current.description),
        specifications: c.specifications.unwrap_or(current.specifications),
        images: c.images.unwrap_or(current.images),
        is_active: c.is_active.unwrap_or(current.is_active),
        is_featured: c.is_featured.unwrap_or(current.is_featured),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn availability_follows_activity_then_stock() {
        assert_eq!(Availability::of(true, 3), Availability::InStock);
        assert_eq!(Availability::of(true, 0), Availability::OutOfStock);
        assert_eq!(Availability::of(false, 3), Availability::Discontinued);
    }

    #[test]
    fn rating_average_is_rounded_to_a_tenth() {
        assert_eq!(Rating::default().average(), None);
        assert_eq!(Rating { count: 3, total: 13 }.average(), Some(4.3));
        assert_eq!(Rating { count: 4, total: 18 }.average(), Some(4.5));
    }

    #[test]
    fn relevance_needs_a_search() {
        let search = SearchText::parse("ryzen", "q").ok();
        let query = |sort, search| ProductQuery { sort, search, ..ProductQuery::default() };
        assert_eq!(query(None, None).effective_sort(), Sort::Newest);
        assert_eq!(query(None, search.clone()).effective_sort(), Sort::Relevance);
        assert_eq!(query(Some(Sort::Relevance), None).effective_sort(), Sort::Newest);
        assert_eq!(query(Some(Sort::PriceAsc), search).effective_sort(), Sort::PriceAsc);
    }

    #[test]
    fn changes_apply_over_the_current_record() {
        let current = ProductRecord {
            sku: Sku::parse("A-1", "sku").unwrap(),
            slug: Slug::parse("a-1", "slug").unwrap(),
            name: "A".into(),
            brand: "B".into(),
            category_id: Uuid::nil(),
            base_price: Money::from_paise(100),
            discount: Some(Discount::Percentage { bps: 500 }),
            tax_rate_bps: 1800,
            hsn_code: None,
            short_description: String::new(),
            description: String::new(),
            specifications: Map::new(),
            images: vec![],
            is_active: true,
            is_featured: false,
        };
        let changes = ProductChanges {
            name: Some("New".into()),
            discount: Some(None),
            hsn_code: Some(HsnCode::parse("847330", "hsn_code").unwrap()),
            is_featured: Some(true),
            ..ProductChanges::default()
        };
        let record = merged(current.clone(), &changes, None);
        assert_eq!(record.name, "New");
        assert_eq!(record.discount, None);
        assert_eq!(record.hsn_code.as_ref().map(HsnCode::as_str), Some("847330"));
        assert!(record.is_featured);
        assert_eq!(record.base_price, current.base_price);
        assert_eq!(merged(current.clone(), &ProductChanges::default(), None), current);
    }
}

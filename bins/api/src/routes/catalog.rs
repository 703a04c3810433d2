//! The public catalog: `/categories`, `/products`, `/products/{id_or_slug}`,
//! `/search/suggest`, and the wire shapes of products shared with the admin routes.

use actix_web::{HttpResponse, web};
use catalog::categories::{Category, CategoryKey};
use catalog::pricing::{Discount, Price};
use catalog::products::{Audience, CategoryRef, Product, ProductKey, ProductQuery, ProductSummary, Sort, Suggestion};
use catalog::search::SearchText;
use chrono::{DateTime, Utc};
use kernel::{Cursor, FieldError, InvalidInput, Limit, Money, Page};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::error::ApiError;
use crate::extract::Query;
use crate::startup::{CategoriesService, ProductsService};

#[derive(Debug, Serialize)]
pub struct CategoryView {
    id: Uuid,
    slug: String,
    name: String,
    parent_id: Option<Uuid>,
    position: i32,
    product_count: i64,
}

impl From<Category> for CategoryView {
    fn from(c: Category) -> Self {
        CategoryView {
            id: c.id,
            slug: c.slug,
            name: c.name,
            parent_id: c.parent_id,
            position: c.position,
            product_count: c.product_count,
        }
    }
}

#[derive(Debug, Serialize)]
struct CategoryRefView {
    id: Uuid,
    slug: String,
    name: String,
}

impl From<CategoryRef> for CategoryRefView {
    fn from(c: CategoryRef) -> Self {
        CategoryRefView { id: c.id, slug: c.slug, name: c.name }
    }
}

#[derive(Debug, Serialize)]
struct DiscountView {
    #[serde(rename = "type")]
    kind: &'static str,
    /// Basis points for a percentage, paise for a flat discount.
    value: i64,
}

/// `pricing` on the wire, computed by the one pricing function.
#[derive(Debug, Serialize)]
pub struct PricingView {
    base_price_paise: i64,
    discount: Option<DiscountView>,
    tax_rate_bps: u32,
    unit_price_paise: i64,
    tax_paise: i64,
    final_price_paise: i64,
}

impl From<Price> for PricingView {
    fn from(p: Price) -> Self {
        PricingView {
            base_price_paise: p.base.paise(),
            discount: p.discount.map(|d| match d {
                Discount::Percentage { bps } => DiscountView { kind: "percentage", value: i64::from(bps) },
                Discount::Flat { amount } => DiscountView { kind: "flat", value: amount.paise() },
            }),
            tax_rate_bps: p.tax_rate_bps,
            unit_price_paise: p.unit.paise(),
            tax_paise: p.tax.paise(),
            final_price_paise: p.final_price.paise(),
        }
    }
}

#[derive(Debug, Serialize)]
struct RatingView {
    average: Option<f64>,
    count: i64,
}

#[derive(Debug, Serialize)]
pub struct ProductSummaryView {
    id: Uuid,
    sku: String,
    slug: String,
    name: String,
    brand: String,
    category: CategoryRefView,
    image: Option<String>,
    pricing: PricingView,
    availability: &'static str,
    is_featured: bool,
    is_active: bool,
    rating: RatingView,
}

impl From<ProductSummary> for ProductSummaryView {
    fn from(s: ProductSummary) -> Self {
        ProductSummaryView {
            id: s.id,
            sku: s.sku,
            slug: s.slug,
            name: s.name,
            brand: s.brand,
            category: s.category.into(),
            image: s.image,
            pricing: s.price.into(),
            availability: s.availability.as_str(),
            is_featured: s.is_featured,
            is_active: s.is_active,
            rating: RatingView { average: s.rating.average(), count: s.rating.count },
        }
    }
}

/// `Product`: the summary plus what a product page shows.
#[derive(Debug, Serialize)]
pub struct ProductView {
    #[serde(flatten)]
    summary: ProductSummaryView,
    short_description: String,
    description: String,
    specifications: Map<String, Value>,
    images: Vec<String>,
    stock_available: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Product> for ProductView {
    fn from(p: Product) -> Self {
        ProductView {
            summary: p.summary.into(),
            short_description: p.short_description,
            description: p.description,
            specifications: p.specifications,
            images: p.images,
            stock_available: p.stock_available,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Serialize)]
struct SuggestionView {
    id: Uuid,
    slug: String,
    name: String,
    category: CategoryRefView,
}

impl From<Suggestion> for SuggestionView {
    fn from(s: Suggestion) -> Self {
        SuggestionView { id: s.id, slug: s.slug, name: s.name, category: s.category.into() }
    }
}

/// A list page on the wire: `{items, next_cursor}`.
pub fn page_response<T, V: Serialize>(page: Page<T>, view: impl FnMut(T) -> V) -> HttpResponse {
    let items: Vec<V> = page.items.into_iter().map(view).collect();
    HttpResponse::Ok().json(json!({ "items": items, "next_cursor": page.next_cursor.map(Cursor::into_string) }))
}

/// The product-list query string. Every value arrives as text and is parsed here, so
/// that a bad one is reported under its own name.
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    category: Option<String>,
    brand: Option<String>,
    q: Option<String>,
    min_price_paise: Option<String>,
    max_price_paise: Option<String>,
    in_stock: Option<String>,
    featured: Option<String>,
    sort: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
    include_inactive: Option<String>,
}

/// A query value, or `None` when absent or blank (storefront forms send `brand=`).
pub fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

pub fn parse_bool(value: &Option<String>, field: &str, errors: &mut Vec<FieldError>) -> Option<bool> {
    match present(value)? {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => {
            errors.push(FieldError::new(field, "must be true or false"));
            None
        }
    }
}

fn parse_paise(value: &Option<String>, field: &str, errors: &mut Vec<FieldError>) -> Option<Money> {
    match present(value)?.parse::<i64>() {
        Ok(paise) if paise >= 0 => Some(Money::from_paise(paise)),
        _ => {
            errors.push(FieldError::new(field, "must be a whole number of paise, 0 or more"));
            None
        }
    }
}

impl ListParams {
    /// The domain query; `include_inactive` is honoured only for admins.
    pub fn into_query(self, audience: Audience) -> Result<ProductQuery, InvalidInput> {
        let mut errors = Vec::new();
        let search = present(&self.q).and_then(|q| match SearchText::parse(q, "q") {
            Ok(search) => Some(search),
            Err(invalid) => {
                errors.extend(invalid.0);
                None
            }
        });
        let sort = present(&self.sort).and_then(|raw| {
            let sort = Sort::parse(raw);
            if sort.is_none() {
                errors.push(FieldError::new("sort", "must be newest, price_asc, price_desc, name or relevance"));
            }
            sort
        });
        let limit = match present(&self.limit).map(str::parse::<u32>) {
            None => Limit::default(),
            Some(Ok(n)) => Limit::new(Some(n)).unwrap_or_else(|invalid| {
                errors.extend(invalid.0);
                Limit::default()
            }),
            Some(Err(_)) => {
                errors.push(FieldError::new("limit", format!("must be between 1 and {}", Limit::MAX)));
                Limit::default()
            }
        };
        let brand = present(&self.brand).map(str::to_owned);
        if brand.as_ref().is_some_and(|b| b.chars().count() > 100) {
            errors.push(FieldError::new("brand", "must be at most 100 characters"));
        }
        let query = ProductQuery {
            category: present(&self.category).map(CategoryKey::parse),
            brand,
            search,
            min_price: parse_paise(&self.min_price_paise, "min_price_paise", &mut errors),
            max_price: parse_paise(&self.max_price_paise, "max_price_paise", &mut errors),
            in_stock: parse_bool(&self.in_stock, "in_stock", &mut errors),
            featured: parse_bool(&self.featured, "featured", &mut errors),
            sort,
            limit,
            after: present(&self.cursor).map(|c| Cursor::from_token(c.to_owned())),
            include_inactive: audience == Audience::Admin
                && parse_bool(&self.include_inactive, "include_inactive", &mut errors).unwrap_or(false),
        };
        if errors.is_empty() { Ok(query) } else { Err(InvalidInput(errors)) }
    }
}

#[tracing::instrument(name = "route.list_categories", skip_all)]
pub async fn list_categories(categories: web::Data<CategoriesService>) -> Result<HttpResponse, ApiError> {
    let items: Vec<CategoryView> = categories.list().await?.into_iter().map(CategoryView::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

#[tracing::instrument(name = "route.list_products", skip_all)]
pub async fn list_products(
    params: Query<ListParams>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    let query = params.into_inner().into_query(Audience::Shopper)?;
    let page = products.list(&query).await?;
    Ok(page_response(page, ProductSummaryView::from))
}

#[tracing::instrument(name = "route.get_product", skip_all)]
pub async fn get_product(
    key: web::Path<String>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    let product = products.get(&ProductKey::parse(&key), Audience::Shopper).await?.ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(ProductView::from(product)))
}

#[derive(Debug, Deserialize)]
pub struct SuggestParams {
    q: Option<String>,
}

#[tracing::instrument(name = "route.suggest", skip_all)]
pub async fn suggest(
    params: Query<SuggestParams>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    let Some(q) = present(&params.q) else {
        return Err(ApiError::validation(vec![FieldError::new("q", "is required")]));
    };
    let text = SearchText::parse(q, "q")?;
    let items: Vec<SuggestionView> = products.suggest(&text).await?.into_iter().map(SuggestionView::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

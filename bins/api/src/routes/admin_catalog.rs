//! `/api/v1/admin/products…` and `/api/v1/admin/categories…`.

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Api;

use actix_web::{HttpResponse, web};
use catalog::categories::{CategoryChanges, CategoryKey, NewCategory};
use catalog::ports::OpeningStock;
use catalog::pricing::{Discount, MAX_TAX_RATE_BPS};
use catalog::products::{Audience, NewProduct, ProductChanges, ProductKey};
use catalog::values::{Sku, Slug, text};
use garde::Validate;
use kernel::{FieldError, InvalidInput, Money};
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::ApiError;
use crate::http::auth::AdminUser;
use crate::http::extract::{Parsed, Query};
use crate::http::pagination::page_response;
use crate::http::params::{keep, nullable};
use crate::state::{CategoriesService, ProductsService};
use crate::views::FromWire;
use crate::views::catalog::{CategoryView, ProductListParams, ProductSummaryView, ProductView};

/// The highest base price accepted (₹1,000 crore): far from `i64` overflow in any sum.
const MAX_PRICE_PAISE: i64 = 1_000_000_000_000;
/// The most units one stock row may start with.
const MAX_STOCK: i64 = 1_000_000_000;
const MAX_IMAGES: usize = 20;
/// The largest `specifications` object, serialised.
const MAX_SPECIFICATIONS_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, Deserialize)]
pub struct DiscountBody {
    #[serde(rename = "type")]
    kind: String,
    value: i64,
}

impl DiscountBody {
    fn parse(&self, errors: &mut Vec<FieldError>) -> Option<Discount> {
        match self.kind.as_str() {
            "percentage" => match u32::try_from(self.value) {
                Ok(bps) if bps <= 10_000 => Some(Discount::Percentage { bps }),
                _ => {
                    errors.push(FieldError::new("discount.value", "a percentage is 0 to 10000 basis points (100 %)"));
                    None
                }
            },
            "flat" if (0..=MAX_PRICE_PAISE).contains(&self.value) => {
                Some(Discount::Flat { amount: Money::from_paise(self.value) })
            }
            "flat" => {
                errors.push(FieldError::new("discount.value", "a flat discount is 0 or more paise"));
                None
            }
            _ => {
                errors.push(FieldError::new("discount.type", "must be percentage or flat"));
                None
            }
        }
    }
}

#[derive(Debug, Deserialize, Validate)]
pub struct ProductBody {
    #[garde(skip)]
    sku: String,
    #[garde(skip)]
    slug: Option<String>,
    #[garde(skip)]
    name: String,
    #[garde(skip)]
    brand: String,
    #[garde(skip)]
    category_id: Option<Uuid>,
    /// A category slug, instead of `category_id`.
    #[garde(skip)]
    category: Option<String>,
    #[garde(range(min = 0, max = MAX_PRICE_PAISE))]
    base_price_paise: i64,
    #[garde(skip)]
    discount: Option<DiscountBody>,
    #[garde(range(min = 0, max = i64::from(MAX_TAX_RATE_BPS)))]
    tax_rate_bps: i64,
    #[garde(skip)]
    short_description: Option<String>,
    #[garde(skip)]
    description: Option<String>,
    #[garde(skip)]
    specifications: Option<Map<String, Value>>,
    #[garde(length(max = MAX_IMAGES))]
    images: Option<Vec<String>>,
    #[garde(skip)]
    is_active: Option<bool>,
    #[garde(skip)]
    is_featured: Option<bool>,
    #[garde(range(min = 0, max = MAX_STOCK))]
    initial_stock: Option<i64>,
    #[garde(range(min = 0, max = MAX_STOCK))]
    low_stock_threshold: Option<i64>,
}

#[derive(Debug, Deserialize, Validate)]
pub struct ProductPatch {
    #[garde(skip)]
    sku: Option<String>,
    #[garde(skip)]
    slug: Option<String>,
    #[garde(skip)]
    name: Option<String>,
    #[garde(skip)]
    brand: Option<String>,
    #[garde(skip)]
    category_id: Option<Uuid>,
    #[garde(skip)]
    category: Option<String>,
    #[garde(range(min = 0, max = MAX_PRICE_PAISE))]
    base_price_paise: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    #[garde(skip)]
    discount: Option<Option<DiscountBody>>,
    #[garde(range(min = 0, max = i64::from(MAX_TAX_RATE_BPS)))]
    tax_rate_bps: Option<i64>,
    #[garde(skip)]
    short_description: Option<String>,
    #[garde(skip)]
    description: Option<String>,
    #[garde(skip)]
    specifications: Option<Map<String, Value>>,
    #[garde(length(max = MAX_IMAGES))]
    images: Option<Vec<String>>,
    #[garde(skip)]
    is_active: Option<bool>,
    #[garde(skip)]
    is_featured: Option<bool>,
}

/// Parsers for the fields create and update share; each records its own errors.
struct Fields(Vec<FieldError>);

impl Fields {
    fn sku(&mut self, raw: &str) -> Option<Sku> {
        keep(Sku::parse(raw, "sku"), &mut self.0)
    }

    fn slug(&mut self, raw: &str) -> Option<Slug> {
        keep(Slug::parse(raw, "slug"), &mut self.0)
    }

    fn name(&mut self, raw: &str) -> Option<String> {
        keep(text(raw, "name", 1, 200, false), &mut self.0)
    }

    fn brand(&mut self, raw: &str) -> Option<String> {
        keep(text(raw, "brand", 1, 100, false), &mut self.0)
    }

    fn short_description(&mut self, raw: &str) -> Option<String> {
        keep(text(raw, "short_description", 0, 500, true), &mut self.0)
    }

    fn description(&mut self, raw: &str) -> Option<String> {
        keep(text(raw, "description", 0, 20_000, true), &mut self.0)
    }

    fn category(&mut self, id: Option<Uuid>, slug: Option<&str>) -> Option<CategoryKey> {
        match (id, slug) {
            (Some(id), _) => Some(CategoryKey::Id(id)),
            (None, Some(slug)) => Some(CategoryKey::parse(slug)),
            (None, None) => None,
        }
    }

    fn images(&mut self, images: &[String]) -> Vec<String> {
        for (i, image) in images.iter().enumerate() {
            let image = image.trim();
            let looks_like_url =
                image.starts_with("https://") || image.starts_with("http://") || image.starts_with('/');
            if !looks_like_url || image.len() > 2048 || image.chars().any(char::is_whitespace) {
                self.0.push(FieldError::new(
                    format!("images[{i}]"),
                    "must be an http(s) URL or a path, at most 2048 characters",
                ));
            }
        }
        images.iter().map(|i| i.trim().to_owned()).collect()
    }

    fn specifications(&mut self, specs: Map<String, Value>) -> Map<String, Value> {
        if serde_json::to_vec(&specs).map_or(true, |bytes| bytes.len() > MAX_SPECIFICATIONS_BYTES) {
            self.0.push(FieldError::new("specifications", format!("must be at most {MAX_SPECIFICATIONS_BYTES} bytes")));
        }
        specs
    }

    fn done<T>(self, value: T) -> Result<T, InvalidInput> {
        if self.0.is_empty() { Ok(value) } else { Err(InvalidInput(self.0)) }
    }
}

impl FromWire<ProductBody> for NewProduct {
    fn from_wire(body: ProductBody) -> Result<Self, InvalidInput> {
        let mut f = Fields(Vec::new());
        let sku = f.sku(&body.sku);
        let slug = body.slug.as_deref().and_then(|s| f.slug(s));
        let name = f.name(&body.name);
        let brand = f.brand(&body.brand);
        let category = f.category(body.category_id, body.category.as_deref());
        if category.is_none() {
            f.0.push(FieldError::new("category_id", "is required (or give the category's slug as category)"));
        }
        let discount = body.discount.as_ref().and_then(|d| d.parse(&mut f.0));
        let short_description = f.short_description(body.short_description.as_deref().unwrap_or_default());
        let description = f.description(body.description.as_deref().unwrap_or_default());
        let images = f.images(&body.images.unwrap_or_default());
        let specifications = f.specifications(body.specifications.unwrap_or_default());
        let (Some(sku), Some(name), Some(brand), Some(category), Some(short_description), Some(description)) =
            (sku, name, brand, category, short_description, description)
        else {
            return Err(InvalidInput(f.0));
        };
        f.done(NewProduct {
            sku,
            slug,
            name,
            brand,
            category,
            base_price: Money::from_paise(body.base_price_paise),
            discount,
            tax_rate_bps: u32::try_from(body.tax_rate_bps).unwrap_or(u32::MAX),
            short_description,
            description,
            specifications,
            images,
            is_active: body.is_active.unwrap_or(true),
            is_featured: body.is_featured.unwrap_or(false),
            opening_stock: OpeningStock {
                on_hand: body.initial_stock.unwrap_or(0),
                low_stock_threshold: body.low_stock_threshold.unwrap_or(0),
            },
        })
    }
}

impl FromWire<ProductPatch> for ProductChanges {
    fn from_wire(body: ProductPatch) -> Result<Self, InvalidInput> {
        let mut f = Fields(Vec::new());
        let changes = ProductChanges {
            sku: body.sku.as_deref().and_then(|v| f.sku(v)),
            slug: body.slug.as_deref().and_then(|v| f.slug(v)),
            name: body.name.as_deref().and_then(|v| f.name(v)),
            brand: body.brand.as_deref().and_then(|v| f.brand(v)),
            category: f.category(body.category_id, body.category.as_deref()),
            base_price: body.base_price_paise.map(Money::from_paise),
            discount: body.discount.map(|d| d.and_then(|d| d.parse(&mut f.0))),
            tax_rate_bps: body.tax_rate_bps.map(|bps| u32::try_from(bps).unwrap_or(u32::MAX)),
            short_description: body.short_description.as_deref().and_then(|v| f.short_description(v)),
            description: body.description.as_deref().and_then(|v| f.description(v)),
            specifications: body.specifications.map(|s| f.specifications(s)),
            images: body.images.map(|i| f.images(&i)),
            is_active: body.is_active,
            is_featured: body.is_featured,
        };
        f.done(changes)
    }
}

#[tracing::instrument(name = "route.admin_create_product", skip_all)]
pub async fn create_product(
    _admin: AdminUser,
    body: Parsed<ProductBody, NewProduct>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    let product = products.create(body.into_inner()).await?;
    Ok(HttpResponse::Created().json(ProductView::from(product)))
}

#[tracing::instrument(name = "route.admin_change_product", skip_all)]
pub async fn change_product(
    _admin: AdminUser,
    id: web::Path<Uuid>,
    body: Parsed<ProductPatch, ProductChanges>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    let product = products.change(id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(ProductView::from(product)))
}

#[tracing::instrument(name = "route.admin_delete_product", skip_all)]
pub async fn delete_product(
    _admin: AdminUser,
    id: web::Path<Uuid>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    products.deactivate(id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[tracing::instrument(name = "route.admin_get_product", skip_all)]
pub async fn get_product(
    _admin: AdminUser,
    id: web::Path<Uuid>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    let key = ProductKey::Id(id.into_inner());
    let product = products.get(&key, Audience::Admin).await?.ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(ProductView::from(product)))
}

#[tracing::instrument(name = "route.admin_list_products", skip_all)]
pub async fn list_products(
    _admin: AdminUser,
    params: Query<ProductListParams>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    let query = params.into_inner().into_query(Audience::Admin)?;
    let page = products.list(&query).await?;
    Ok(page_response(page, ProductSummaryView::from))
}

#[derive(Debug, Deserialize, Validate)]
pub struct CategoryBody {
    #[garde(skip)]
    slug: Option<String>,
    #[garde(skip)]
    name: String,
    #[garde(skip)]
    parent_id: Option<Uuid>,
    #[garde(range(min = 0, max = 10_000))]
    position: Option<i32>,
}

#[derive(Debug, Deserialize, Validate)]
pub struct CategoryPatch {
    #[garde(skip)]
    slug: Option<String>,
    #[garde(skip)]
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[garde(skip)]
    parent_id: Option<Option<Uuid>>,
    #[garde(range(min = 0, max = 10_000))]
    position: Option<i32>,
}

impl FromWire<CategoryBody> for NewCategory {
    fn from_wire(body: CategoryBody) -> Result<Self, InvalidInput> {
        let mut f = Fields(Vec::new());
        let name = keep(text(&body.name, "name", 1, 100, false), &mut f.0);
        let slug = match (&body.slug, &name) {
            (Some(slug), _) => f.slug(slug),
            (None, Some(name)) => {
                let slug = Slug::from_text(name);
                if slug.is_none() {
                    f.0.push(FieldError::new("slug", "is required when the name has no letters or digits"));
                }
                slug
            }
            (None, None) => None,
        };
        let (Some(name), Some(slug)) = (name, slug) else { return Err(InvalidInput(f.0)) };
        f.done(NewCategory { slug, name, parent_id: body.parent_id, position: body.position.unwrap_or(0) })
    }
}

impl FromWire<CategoryPatch> for CategoryChanges {
    fn from_wire(body: CategoryPatch) -> Result<Self, InvalidInput> {
        let mut f = Fields(Vec::new());
        let changes = CategoryChanges {
            slug: body.slug.as_deref().and_then(|v| f.slug(v)),
            name: body.name.as_deref().and_then(|v| keep(text(v, "name", 1, 100, false), &mut f.0)),
            parent_id: body.parent_id,
            position: body.position,
        };
        f.done(changes)
    }
}

#[tracing::instrument(name = "route.admin_create_category", skip_all)]
pub async fn create_category(
    _admin: AdminUser,
    body: Parsed<CategoryBody, NewCategory>,
    categories: web::Data<CategoriesService>,
) -> Result<HttpResponse, ApiError> {
    let category = categories.create(body.into_inner()).await?;
    Ok(HttpResponse::Created().json(CategoryView::from(category)))
}

#[tracing::instrument(name = "route.admin_change_category", skip_all)]
pub async fn change_category(
    _admin: AdminUser,
    id: web::Path<Uuid>,
    body: Parsed<CategoryPatch, CategoryChanges>,
    categories: web::Data<CategoriesService>,
) -> Result<HttpResponse, ApiError> {
    let category = categories.change(id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(CategoryView::from(category)))
}

#[tracing::instrument(name = "route.admin_delete_category", skip_all)]
pub async fn delete_category(
    _admin: AdminUser,
    id: web::Path<Uuid>,
    categories: web::Data<CategoriesService>,
) -> Result<HttpResponse, ApiError> {
    categories.remove(id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

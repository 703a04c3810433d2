//! `/api/v1/admin/products…` and `/api/v1/admin/categories…`.

use actix_web::{HttpResponse, web};
use api_types::ErrorEnvelope;
use api_types::Page;
use api_types::catalog::{
    AdminProductQuery, Category as CategoryWire, CategoryChanges as CategoryChangesWire, MAX_PERCENTAGE_BPS,
    MAX_PRICE_PAISE, NewCategory as NewCategoryWire, NewDiscount, NewProduct as NewProductWire, Product as ProductWire,
    ProductChanges as ProductChangesWire, ProductSummary as ProductSummaryWire,
};
use catalog::categories::{CategoryChanges, CategoryKey, NewCategory};
use catalog::ports::OpeningStock;
use catalog::pricing::Discount;
use catalog::products::{Audience, NewProduct, ProductChanges, ProductKey};
use catalog::values::{HsnCode, Sku, Slug, text};
use kernel::{FieldError, InvalidInput, Money};
use serde_json::{Map, Value};
use utoipa::OpenApi;
use uuid::Uuid;

use crate::error::ApiError;
use crate::http::auth::{AdminUser, AuditedAdmin};
use crate::http::extract::{Parsed, Query};
use crate::http::params::keep;
use crate::state::{CategoriesService, ProductsService};
use crate::views::catalog::{ProductListParams, list_response};
use crate::views::{FromWire, ToWire};

/// This module's operations in the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(
    list_products,
    create_product,
    get_product,
    change_product,
    delete_product,
    create_category,
    change_category,
    delete_category
))]
pub struct Api;

/// The largest `specifications` object, serialised.
const MAX_SPECIFICATIONS_BYTES: usize = 16 * 1024;

/// A discount as an admin wrote it, parsed; records why it cannot be.
fn discount(body: &NewDiscount, errors: &mut Vec<FieldError>) -> Option<Discount> {
    match body.kind.as_str() {
        "percentage" => match u32::try_from(body.value) {
            Ok(bps) if i64::from(bps) <= MAX_PERCENTAGE_BPS => Some(Discount::Percentage { bps }),
            _ => {
                errors.push(FieldError::new("discount.value", "a percentage is 0 to 10000 basis points (100 %)"));
                None
            }
        },
        "flat" if (0..=MAX_PRICE_PAISE).contains(&body.value) => {
            Some(Discount::Flat { amount: Money::from_paise(body.value) })
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

/// Parsers for the fields create and update share; each records its own errors.
struct Fields(Vec<FieldError>);

impl Fields {
    fn sku(&mut self, raw: &str) -> Option<Sku> {
        keep(Sku::parse(raw, "sku"), &mut self.0)
    }

    fn slug(&mut self, raw: &str) -> Option<Slug> {
        keep(Slug::parse(raw, "slug"), &mut self.0)
    }

    fn hsn_code(&mut self, raw: &str) -> Option<HsnCode> {
        keep(HsnCode::parse(raw, "hsn_code"), &mut self.0)
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

impl FromWire<NewProductWire> for NewProduct {
    fn from_wire(body: NewProductWire) -> Result<Self, InvalidInput> {
        let mut f = Fields(Vec::new());
        let sku = f.sku(&body.sku);
        let slug = body.slug.as_deref().and_then(|s| f.slug(s));
        let name = f.name(&body.name);
        let brand = f.brand(&body.brand);
        let hsn_code = f.hsn_code(&body.hsn_code);
        let category = f.category(body.category_id, body.category.as_deref());
        if category.is_none() {
            f.0.push(FieldError::new("category_id", "is required (or give the category's slug as category)"));
        }
        let discount = body.discount.as_ref().and_then(|d| discount(d, &mut f.0));
        let short_description = f.short_description(body.short_description.as_deref().unwrap_or_default());
        let description = f.description(body.description.as_deref().unwrap_or_default());
        let images = f.images(&body.images.unwrap_or_default());
        let specifications = f.specifications(body.specifications.unwrap_or_default());
        let (
            Some(sku),
            Some(name),
            Some(brand),
            Some(category),
            Some(hsn_code),
            Some(short_description),
            Some(description),
        ) = (sku, name, brand, category, hsn_code, short_description, description)
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
            hsn_code,
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

impl FromWire<ProductChangesWire> for ProductChanges {
    fn from_wire(body: ProductChangesWire) -> Result<Self, InvalidInput> {
        let mut f = Fields(Vec::new());
        let changes = ProductChanges {
            sku: body.sku.as_deref().and_then(|v| f.sku(v)),
            slug: body.slug.as_deref().and_then(|v| f.slug(v)),
            name: body.name.as_deref().and_then(|v| f.name(v)),
            brand: body.brand.as_deref().and_then(|v| f.brand(v)),
            category: f.category(body.category_id, body.category.as_deref()),
            base_price: body.base_price_paise.map(Money::from_paise),
            discount: body.discount.map(|d| d.and_then(|d| discount(&d, &mut f.0))),
            tax_rate_bps: body.tax_rate_bps.map(|bps| u32::try_from(bps).unwrap_or(u32::MAX)),
            hsn_code: body.hsn_code.as_deref().and_then(|v| f.hsn_code(v)),
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

/// List products, inactive ones included on request.
///
/// The shopper's filters, sort and paging (`GET /products`; a blank parameter counts as
/// absent), plus `include_inactive`: deleted products then appear as `discontinued`.
/// Never cached.
#[utoipa::path(
    get, path = "/api/v1/admin/products", tag = "admin-catalog", operation_id = "list_admin_products",
    params(AdminProductQuery),
    responses((status = 200, description = "One page of products.", body = Page<ProductSummaryWire>)),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_list_products", skip_all)]
pub async fn list_products(
    _admin: AdminUser,
    params: Query<ProductListParams>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    let query = params.into_inner().into_query(Audience::Admin)?;
    let page = products.list(&query).await?;
    list_response(&page.to_wire())
}

/// Create a product, with its opening stock.
///
/// The product and its stock row (`initial_stock`, `low_stock_threshold`) are written in
/// one step; the ledger records the opening stock as a `restock`. Shoppers see it at once.
#[utoipa::path(
    post, path = "/api/v1/admin/products", tag = "admin-catalog", operation_id = "create_product",
    request_body = NewProductWire,
    responses(
        (status = 201, description = "The product.", body = ProductWire),
        (status = 409, description = "`sku_taken`: another product has the SKU; `conflict`: another product \
            has the slug.", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_create_product", skip_all)]
pub async fn create_product(
    admin: AuditedAdmin,
    body: Parsed<NewProductWire, NewProduct>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    let product = products.create(body.into_inner(), &admin.recorder).await?;
    Ok(HttpResponse::Created().json(product.to_wire()))
}

/// Get a product, active or not.
#[utoipa::path(
    get, path = "/api/v1/admin/products/{id}", tag = "admin-catalog", operation_id = "get_admin_product",
    params(("id" = Uuid, Path, description = "The product's id.")),
    responses((status = 200, description = "The product.", body = ProductWire)),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_get_product", skip_all)]
pub async fn get_product(
    _admin: AdminUser,
    id: web::Path<Uuid>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    let key = ProductKey::Id(id.into_inner());
    let product = products.get(&key, Audience::Admin).await?.ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(product.to_wire()))
}

/// Change a product.
///
/// Only the fields given change; `discount: null` removes the discount. Orders already
/// placed keep their prices. Shoppers see the change at once.
#[utoipa::path(
    patch, path = "/api/v1/admin/products/{id}", tag = "admin-catalog", operation_id = "change_product",
    params(("id" = Uuid, Path, description = "The product's id.")),
    request_body = ProductChangesWire,
    responses(
        (status = 200, description = "The product, changed.", body = ProductWire),
        (status = 409, description = "`sku_taken`: another product has the SKU; `conflict`: another product \
            has the slug.", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_change_product", skip_all)]
pub async fn change_product(
    admin: AuditedAdmin,
    id: web::Path<Uuid>,
    body: Parsed<ProductChangesWire, ProductChanges>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    let product = products.change(id.into_inner(), body.into_inner(), &admin.recorder).await?;
    Ok(HttpResponse::Ok().json(product.to_wire()))
}

/// Delete (hide) a product.
///
/// A soft delete: the product becomes inactive, hidden from shoppers (404 on its page)
/// and shown to admins as `discontinued`; it is kept for the orders that name it. `PATCH`
/// with `is_active: true` sells it again.
#[utoipa::path(
    delete, path = "/api/v1/admin/products/{id}", tag = "admin-catalog", operation_id = "delete_product",
    params(("id" = Uuid, Path, description = "The product's id.")),
    responses((status = 204, description = "The product is hidden.")),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_delete_product", skip_all)]
pub async fn delete_product(
    admin: AuditedAdmin,
    id: web::Path<Uuid>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    products.deactivate(id.into_inner(), &admin.recorder).await?;
    Ok(HttpResponse::NoContent().finish())
}

impl FromWire<NewCategoryWire> for NewCategory {
    fn from_wire(body: NewCategoryWire) -> Result<Self, InvalidInput> {
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

impl FromWire<CategoryChangesWire> for CategoryChanges {
    fn from_wire(body: CategoryChangesWire) -> Result<Self, InvalidInput> {
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

/// Create a category.
#[utoipa::path(
    post, path = "/api/v1/admin/categories", tag = "admin-catalog", operation_id = "create_category",
    request_body = NewCategoryWire,
    responses(
        (status = 201, description = "The category.", body = CategoryWire),
        (status = 409, description = "`conflict`: another category has the slug.", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_create_category", skip_all)]
pub async fn create_category(
    admin: AuditedAdmin,
    body: Parsed<NewCategoryWire, NewCategory>,
    categories: web::Data<CategoriesService>,
) -> Result<HttpResponse, ApiError> {
    let category = categories.create(body.into_inner(), &admin.recorder).await?;
    Ok(HttpResponse::Created().json(category.to_wire()))
}

/// Change a category.
///
/// Only the fields given change; `parent_id: null` makes the category top-level. A
/// category cannot move under itself or one of its sub-categories (422).
#[utoipa::path(
    patch, path = "/api/v1/admin/categories/{id}", tag = "admin-catalog", operation_id = "change_category",
    params(("id" = Uuid, Path, description = "The category's id.")),
    request_body = CategoryChangesWire,
    responses(
        (status = 200, description = "The category, changed.", body = CategoryWire),
        (status = 409, description = "`conflict`: another category has the slug.", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_change_category", skip_all)]
pub async fn change_category(
    admin: AuditedAdmin,
    id: web::Path<Uuid>,
    body: Parsed<CategoryChangesWire, CategoryChanges>,
    categories: web::Data<CategoriesService>,
) -> Result<HttpResponse, ApiError> {
    let category = categories.change(id.into_inner(), body.into_inner(), &admin.recorder).await?;
    Ok(HttpResponse::Ok().json(category.to_wire()))
}

/// Delete a category.
///
/// Only a category that no product (active or not) and no sub-category refers to; move
/// or delete those first.
#[utoipa::path(
    delete, path = "/api/v1/admin/categories/{id}", tag = "admin-catalog", operation_id = "delete_category",
    params(("id" = Uuid, Path, description = "The category's id.")),
    responses(
        (status = 204, description = "The category is gone."),
        (status = 409, description = "`conflict`: products or sub-categories still refer to it.",
            body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_delete_category", skip_all)]
pub async fn delete_category(
    admin: AuditedAdmin,
    id: web::Path<Uuid>,
    categories: web::Data<CategoriesService>,
) -> Result<HttpResponse, ApiError> {
    categories.remove(id.into_inner(), &admin.recorder).await?;
    Ok(HttpResponse::NoContent().finish())
}

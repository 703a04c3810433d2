//! The public catalog: `/categories`, `/products`, `/products/{id_or_slug}` and
//! `/search/suggest`.

use actix_web::{HttpResponse, web};
use api_types::Page;
use api_types::catalog::{
    Categories, Product as ProductWire, ProductQuery as ProductQueryWire, ProductSummary as ProductSummaryWire,
    SuggestQuery, Suggestion as SuggestionWire, Suggestions,
};
use catalog::products::{Audience, ProductKey, Suggestion};
use catalog::search::SearchText;
use kernel::FieldError;
use utoipa::OpenApi;

use crate::error::ApiError;
use crate::http::extract::Query;
use crate::state::{CategoriesService, ProductsService};
use crate::views::ToWire;
use crate::views::catalog::{ProductListParams, list_response};

/// This module's operations in the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(list_categories, list_products, get_product, suggest))]
pub struct Api;

impl ToWire for Suggestion {
    type Wire = SuggestionWire;

    fn to_wire(self) -> SuggestionWire {
        SuggestionWire { id: self.id, slug: self.slug, name: self.name, category: self.category.to_wire() }
    }
}

/// List the categories.
///
/// The whole tree, flat: each parent before its children, siblings by `position` then
/// name. `product_count` counts the active products of the category and its
/// sub-categories. May be served from a cache up to 1 s old.
#[utoipa::path(
    get, path = "/api/v1/categories", tag = "catalog", operation_id = "list_categories",
    responses((status = 200, description = "Every category.", body = Categories)),
)]
#[tracing::instrument(name = "route.list_categories", skip_all)]
pub async fn list_categories(categories: web::Data<CategoriesService>) -> Result<HttpResponse, ApiError> {
    list_response(&Categories { items: categories.list().await?.to_wire() })
}

/// List products on sale.
///
/// Filters combine (all must hold); a blank parameter (`brand=`) counts as absent, and
/// every refused one is named at once (422). `category` includes its sub-categories.
/// With `q`, the list is a typo-tolerant search, sorted by relevance unless `sort` says
/// otherwise. Page with `next_cursor`, keeping the same filters and sort. May be served
/// from a cache up to 1 s old (stock shown can lag by that much).
#[utoipa::path(
    get, path = "/api/v1/products", tag = "catalog", operation_id = "list_products",
    params(ProductQueryWire),
    responses((status = 200, description = "One page of products.", body = Page<ProductSummaryWire>)),
)]
#[tracing::instrument(name = "route.list_products", skip_all)]
pub async fn list_products(
    params: Query<ProductListParams>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    let query = params.into_inner().into_query(Audience::Shopper)?;
    let page = products.list(&query).await?;
    list_response(&page.to_wire())
}

/// Get a product on sale, by id or slug.
///
/// 404 for a product that does not exist or is no longer sold. May be served from a cache
/// up to 1 s old.
#[utoipa::path(
    get, path = "/api/v1/products/{id_or_slug}", tag = "catalog", operation_id = "get_product",
    params(("id_or_slug" = String, Path, description = "The product's id (a UUID) or its slug.")),
    responses((status = 200, description = "The product.", body = ProductWire)),
)]
#[tracing::instrument(name = "route.get_product", skip_all)]
pub async fn get_product(
    key: web::Path<String>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    let product = products.get(&ProductKey::parse(&key), Audience::Shopper).await?.ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(product.to_wire()))
}

/// Suggest products for a search box.
///
/// At most 10 products on sale matching what was typed (the same typo-tolerant search as
/// `GET /products?q=`, each word also as a prefix): names that start with the text first,
/// then the best matches.
#[utoipa::path(
    get, path = "/api/v1/search/suggest", tag = "catalog", operation_id = "suggest_products",
    params(SuggestQuery),
    responses((status = 200, description = "The suggestions (possibly none).", body = Suggestions)),
)]
#[tracing::instrument(name = "route.suggest", skip_all)]
pub async fn suggest(
    params: Query<SuggestQuery>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    let q = params.into_inner().q;
    if q.trim().is_empty() {
        return Err(ApiError::validation(vec![FieldError::new("q", "is required")]));
    }
    let text = SearchText::parse(&q, "q")?;
    list_response(&Suggestions { items: products.suggest(&text).await?.to_wire() })
}

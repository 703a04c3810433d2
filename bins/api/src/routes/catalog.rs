//! The public catalog: `/categories`, `/products`, `/products/{id_or_slug}` and
//! `/search/suggest`.

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Api;

use actix_web::{HttpResponse, web};
use catalog::products::{Audience, ProductKey, Suggestion};
use catalog::search::SearchText;
use kernel::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::error::ApiError;
use crate::http::extract::Query;
use crate::http::pagination::page_response;
use crate::http::params::present;
use crate::state::{CategoriesService, ProductsService};
use crate::views::catalog::{CategoryRefView, CategoryView, ProductListParams, ProductSummaryView, ProductView};

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

#[tracing::instrument(name = "route.list_categories", skip_all)]
pub async fn list_categories(categories: web::Data<CategoriesService>) -> Result<HttpResponse, ApiError> {
    let items: Vec<CategoryView> = categories.list().await?.into_iter().map(CategoryView::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

#[tracing::instrument(name = "route.list_products", skip_all)]
pub async fn list_products(
    params: Query<ProductListParams>,
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

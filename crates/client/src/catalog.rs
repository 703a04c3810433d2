//! The catalog: `/categories`, `/products`, `/search/suggest` (shoppers), and
//! `/admin/products`, `/admin/categories` (admins).

use api_types::Page;
use api_types::catalog::{
    AdminProductQuery, Categories, Category, CategoryChanges, NewCategory, NewProduct, Product, ProductChanges,
    ProductQuery, ProductSummary, SuggestQuery, Suggestion, Suggestions,
};
use reqwest::Method;
use uuid::Uuid;

use crate::{Client, Result};

impl Client {
    /// `GET /categories`: every category, each parent before its children.
    pub async fn categories(&self) -> Result<Vec<Category>> {
        Ok(self.get::<Categories>("/categories").await?.items)
    }

    /// `GET /products`: one page of the products on sale that match `query`.
    pub async fn products(&self, query: &ProductQuery) -> Result<Page<ProductSummary>> {
        self.get_with("/products", query).await
    }

    /// `GET /products/{id_or_slug}`: a product on sale, by id or slug.
    pub async fn product(&self, id_or_slug: &str) -> Result<Product> {
        self.get(&format!("/products/{}", path_segment(id_or_slug))).await
    }

    /// `GET /search/suggest`: at most 10 products for what was typed in a search box.
    pub async fn suggest(&self, q: &str) -> Result<Vec<Suggestion>> {
        Ok(self.get_with::<Suggestions, _>("/search/suggest", &SuggestQuery { q: q.to_owned() }).await?.items)
    }

    /// `GET /admin/products`: one page of products, inactive ones too on request (admin).
    pub async fn admin_products(&self, query: &AdminProductQuery) -> Result<Page<ProductSummary>> {
        self.get_with("/admin/products", query).await
    }

    /// `GET /admin/products/{id}`: a product, active or not (admin).
    pub async fn admin_product(&self, id: Uuid) -> Result<Product> {
        self.get(&format!("/admin/products/{id}")).await
    }

    /// `POST /admin/products`: creates a product with its opening stock (admin).
    pub async fn create_product(&self, product: &NewProduct) -> Result<Product> {
        self.with_body(Method::POST, "/admin/products", product).await
    }

    /// `PATCH /admin/products/{id}`: changes the fields given (admin).
    pub async fn change_product(&self, id: Uuid, changes: &ProductChanges) -> Result<Product> {
        self.with_body(Method::PATCH, &format!("/admin/products/{id}"), changes).await
    }

    /// `DELETE /admin/products/{id}`: hides a product from shoppers, keeping it for orders
    /// (admin).
    pub async fn delete_product(&self, id: Uuid) -> Result<()> {
        self.without_body(Method::DELETE, &format!("/admin/products/{id}")).await
    }

    /// `POST /admin/categories`: creates a category (admin).
    pub async fn create_category(&self, category: &NewCategory) -> Result<Category> {
        self.with_body(Method::POST, "/admin/categories", category).await
    }

    /// `PATCH /admin/categories/{id}`: changes the fields given (admin).
    pub async fn change_category(&self, id: Uuid, changes: &CategoryChanges) -> Result<Category> {
        self.with_body(Method::PATCH, &format!("/admin/categories/{id}"), changes).await
    }

    /// `DELETE /admin/categories/{id}`: deletes a category nothing refers to (admin).
    pub async fn delete_category(&self, id: Uuid) -> Result<()> {
        self.without_body(Method::DELETE, &format!("/admin/categories/{id}")).await
    }
}

/// `raw` as one path segment: every byte but the unreserved ones percent-encoded, so a
/// slug typed by a user stays one segment (`.` and `..` still resolve as URL dots do, to
/// a path that answers 404).
pub(crate) fn path_segment(raw: &str) -> String {
    let mut segment = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            segment.push(char::from(byte));
        } else {
            segment.push_str(&format!("%{byte:02X}"));
        }
    }
    segment
}

#[cfg(test)]
mod tests {
    use super::path_segment;

    #[test]
    fn a_slug_or_an_id_stays_as_it_is_and_anything_else_is_encoded() {
        assert_eq!(path_segment("amd-ryzen-7-7800x3d"), "amd-ryzen-7-7800x3d");
        assert_eq!(path_segment("0192f0c1-7b1e-7c3e-9a55-3f0e8f9d2b11"), "0192f0c1-7b1e-7c3e-9a55-3f0e8f9d2b11");
        assert_eq!(path_segment("../admin?x=1 ü"), "..%2Fadmin%3Fx%3D1%20%C3%BC");
    }
}

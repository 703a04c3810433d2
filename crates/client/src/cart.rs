//! `/cart`.

use api_types::cart::{AddCartItem, ApplyCoupon, Cart, SetCartQuantity};
use reqwest::Method;
use uuid::Uuid;

use crate::{Client, Result};

impl Client {
    /// `GET /cart`: the cart, priced now.
    pub async fn cart(&self) -> Result<Cart> {
        self.get("/cart").await
    }

    /// `POST /cart/items`: adds units of a product.
    pub async fn add_to_cart(&self, item: &AddCartItem) -> Result<Cart> {
        self.with_body(Method::POST, "/cart/items", item).await
    }

    /// `PATCH /cart/items/{product_id}`: sets a line's quantity (0 removes it).
    pub async fn set_cart_quantity(&self, product_id: Uuid, quantity: i64) -> Result<Cart> {
        self.with_body(Method::PATCH, &format!("/cart/items/{product_id}"), &SetCartQuantity { quantity }).await
    }

    /// `DELETE /cart/items/{product_id}`.
    pub async fn remove_from_cart(&self, product_id: Uuid) -> Result<Cart> {
        self.without_body(Method::DELETE, &format!("/cart/items/{product_id}")).await
    }

    /// `DELETE /cart`: empties the cart.
    pub async fn clear_cart(&self) -> Result<()> {
        self.without_body(Method::DELETE, "/cart").await
    }

    /// `POST /cart/coupon`.
    pub async fn apply_coupon(&self, code: &str) -> Result<Cart> {
        self.with_body(Method::POST, "/cart/coupon", &ApplyCoupon { code: code.to_owned() }).await
    }

    /// `DELETE /cart/coupon`.
    pub async fn remove_coupon(&self) -> Result<Cart> {
        self.without_body(Method::DELETE, "/cart/coupon").await
    }
}

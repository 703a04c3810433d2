//! The server-side cart: one per customer, priced with today's catalog on every read.

use std::collections::HashMap;

use anyhow::Context as _;
use chrono::Utc;
use inventory::reservations::Shortage;
use kernel::{Money, Quantity};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::coupons::{self, CouponCode, CouponRejection};
use crate::ports::{CatalogProduct, ProductCatalog};
use crate::pricing::{LinePrice, Totals, price_basket};

/// The most units of one product a cart line (and so an order line from a cart) holds.
pub const MAX_LINE_QUANTITY: i64 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineAvailability {
    InStock,
    OutOfStock,
    Discontinued,
}

impl LineAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            LineAvailability::InStock => "in_stock",
            LineAvailability::OutOfStock => "out_of_stock",
            LineAvailability::Discontinued => "discontinued",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub image: Option<String>,
    pub unit_price: Money,
    /// GST on one unit, as the product page shows it.
    pub unit_tax: Money,
    /// GST on the line after its share of the coupon discount.
    pub tax: Money,
    pub quantity: i64,
    pub discount: Money,
    pub line_total: Money,
    pub availability: LineAvailability,
    pub available: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartCoupon {
    pub code: String,
    pub discount: Money,
    /// Why the coupon gives nothing right now (it is re-checked on every read).
    pub problem: Option<CouponRejection>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cart {
    pub items: Vec<CartLine>,
    pub coupon: Option<CartCoupon>,
    pub totals: Totals,
    pub item_count: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum CartError {
    /// No such product, or it is no longer sold.
    #[error("no such product for sale")]
    ProductNotFound,
    /// The product is not in the cart.
    #[error("the product is not in the cart")]
    LineNotFound,
    /// The line would hold more than [`MAX_LINE_QUANTITY`].
    #[error("a cart line holds at most {MAX_LINE_QUANTITY} units")]
    TooMany,
    #[error("not enough stock")]
    OutOfStock { shortage: Shortage },
    #[error(transparent)]
    Coupon(#[from] CouponRejection),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A cart as stored: lines in the order they were added, and a coupon code.
#[derive(Debug, Clone, Default)]
pub(crate) struct StoredCart {
    pub lines: Vec<(Uuid, i64)>,
    pub coupon: Option<String>,
}

pub(crate) async fn stored(conn: &mut PgConnection, user: Uuid) -> anyhow::Result<StoredCart> {
    let lines: Vec<(Uuid, i64)> = sqlx::query_as(
        "SELECT product_id, quantity FROM orders.cart_items WHERE user_id = $1 ORDER BY added_at, product_id",
    )
    .bind(user)
    .fetch_all(&mut *conn)
    .await
    .context("reading a cart")?;
    let coupon: Option<String> = sqlx::query_scalar("SELECT code FROM orders.cart_coupons WHERE user_id = $1")
        .bind(user)
        .fetch_optional(&mut *conn)
        .await
        .context("reading a cart's coupon")?;
    Ok(StoredCart { lines, coupon })
}

/// Takes the ordered products out of the cart (and its coupon, when the order used it).
pub(crate) async fn remove_ordered(
    conn: &mut PgConnection,
    user: Uuid,
    products: &[Uuid],
    coupon: Option<&str>,
) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM orders.cart_items WHERE user_id = $1 AND product_id = ANY($2)")
        .bind(user)
        .bind(products)
        .execute(&mut *conn)
        .await
        .context("emptying the cart")?;
    if let Some(code) = coupon {
        sqlx::query("DELETE FROM orders.cart_coupons WHERE user_id = $1 AND code = $2")
            .bind(user)
            .bind(code)
            .execute(&mut *conn)
            .await
            .context("removing the cart's coupon")?;
    }
    Ok(())
}

pub(crate) fn line_price(product: &CatalogProduct, quantity: i64) -> LinePrice {
    LinePrice {
        unit_price: product.unit_price,
        unit_tax: product.unit_tax,
        tax_rate_bps: product.tax_rate_bps,
        quantity,
    }
}

/// Carts, priced through the catalog port.
#[derive(Debug, Clone)]
pub struct Carts<C> {
    pool: PgPool,
    catalog: C,
}

impl<C: ProductCatalog> Carts<C> {
    pub fn new(pool: PgPool, catalog: C) -> Self {
        Carts { pool, catalog }
    }

    /// The customer's cart, priced now. Errors: storage failures.
    #[tracing::instrument(name = "cart.view", skip(self))]
    pub async fn view(&self, user: Uuid) -> anyhow::Result<Cart> {
        let mut conn = self.pool.acquire().await.context("reading a cart")?;
        let stored = stored(&mut conn, user).await?;
        let ids: Vec<Uuid> = stored.lines.iter().map(|(id, _)| *id).collect();
        let products = self.catalog.products(&ids).await?;
        price_cart(&mut conn, user, &stored, &products).await
    }

    /// Adds `quantity` units to the product's line. Errors: `ProductNotFound`, `TooMany`,
    /// `OutOfStock`, `Unexpected`.
    #[tracing::instrument(name = "cart.add", skip(self))]
    pub async fn add(&self, user: Uuid, product_id: Uuid, quantity: Quantity) -> Result<Cart, CartError> {
        let product = self.for_sale(product_id).await?;
        let mut tx = self.pool.begin().await.context("adding to a cart")?;
        let total: i64 = sqlx::query_scalar(
            "INSERT INTO orders.cart_items (user_id, product_id, quantity) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, product_id) DO UPDATE
                 SET quantity = orders.cart_items.quantity + EXCLUDED.quantity
             RETURNING quantity",
        )
        .bind(user)
        .bind(product_id)
        .bind(quantity.get())
        .fetch_one(&mut *tx)
        .await
        .or_else(too_many_or)?;
        check_line(&product, total)?;
        tx.commit().await.context("adding to a cart")?;
        Ok(self.view(user).await?)
    }

    /// Sets the line to `quantity` units; 0 removes it. Errors: `LineNotFound`,
    /// `ProductNotFound`, `TooMany`, `OutOfStock`, `Unexpected`.
    #[tracing::instrument(name = "cart.set", skip(self))]
    pub async fn set(&self, user: Uuid, product_id: Uuid, quantity: i64) -> Result<Cart, CartError> {
        if quantity == 0 {
            return self.remove(user, product_id).await;
        }
        if !(1..=MAX_LINE_QUANTITY).contains(&quantity) {
            return Err(CartError::TooMany);
        }
        let product = self.for_sale(product_id).await?;
        check_line(&product, quantity)?;
        let changed = sqlx::query("UPDATE orders.cart_items SET quantity = $3 WHERE user_id = $1 AND product_id = $2")
            .bind(user)
            .bind(product_id)
            .bind(quantity)
            .execute(&self.pool)
            .await
            .context("changing a cart line")?;
        if changed.rows_affected() == 0 {
            return Err(CartError::LineNotFound);
        }
        Ok(self.view(user).await?)
    }

    /// Errors: `LineNotFound`, `Unexpected`.
    #[tracing::instrument(name = "cart.remove", skip(self))]
    pub async fn remove(&self, user: Uuid, product_id: Uuid) -> Result<Cart, CartError> {
        let removed = sqlx::query("DELETE FROM orders.cart_items WHERE user_id = $1 AND product_id = $2")
            .bind(user)
            .bind(product_id)
            .execute(&self.pool)
            .await
            .context("removing a cart line")?;
        if removed.rows_affected() == 0 {
            return Err(CartError::LineNotFound);
        }
        Ok(self.view(user).await?)
    }

    /// Empties the cart and drops its coupon. Errors: storage failures.
    #[tracing::instrument(name = "cart.clear", skip(self))]
    pub async fn clear(&self, user: Uuid) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await.context("clearing a cart")?;
        for sql in
            ["DELETE FROM orders.cart_items WHERE user_id = $1", "DELETE FROM orders.cart_coupons WHERE user_id = $1"]
        {
            sqlx::query(sql).bind(user).execute(&mut *tx).await.context("clearing a cart")?;
        }
        tx.commit().await.context("clearing a cart")?;
        Ok(())
    }

    /// Applies a coupon if it gives a discount on the cart as it is now. Errors:
    /// `Coupon` with the reason, `Unexpected`.
    #[tracing::instrument(name = "cart.apply_coupon", skip(self))]
    pub async fn apply_coupon(&self, user: Uuid, code: &CouponCode) -> Result<Cart, CartError> {
        let mut conn = self.pool.acquire().await.context("applying a coupon")?;
        let coupon = coupons::find_by_code(&mut conn, code).await?.ok_or(CouponRejection::Invalid)?;
        let mut stored = stored(&mut conn, user).await?;
        stored.coupon = None;
        let ids: Vec<Uuid> = stored.lines.iter().map(|(id, _)| *id).collect();
        let products = self.catalog.products(&ids).await?;
        let cart = price_cart(&mut conn, user, &stored, &products).await?;
        coupon.rules.discount(cart.totals.subtotal, Utc::now())?;
        if !coupons::uses_left(&mut conn, &coupon, user).await? {
            return Err(CouponRejection::UsageExhausted.into());
        }
        sqlx::query(
            "INSERT INTO orders.cart_coupons (user_id, code) VALUES ($1, $2)
             ON CONFLICT (user_id) DO UPDATE SET code = EXCLUDED.code",
        )
        .bind(user)
        .bind(code.as_str())
        .execute(&mut *conn)
        .await
        .context("applying a coupon")?;
        drop(conn);
        Ok(self.view(user).await?)
    }

    /// Errors: storage failures.
    #[tracing::instrument(name = "cart.remove_coupon", skip(self))]
    pub async fn remove_coupon(&self, user: Uuid) -> anyhow::Result<Cart> {
        sqlx::query("DELETE FROM orders.cart_coupons WHERE user_id = $1")
            .bind(user)
            .execute(&self.pool)
            .await
            .context("removing a coupon")?;
        self.view(user).await
    }

    async fn for_sale(&self, product_id: Uuid) -> Result<CatalogProduct, CartError> {
        let mut products = self.catalog.products(&[product_id]).await?;
        products.remove(&product_id).filter(|product| product.is_active).ok_or(CartError::ProductNotFound)
    }
}

/// A line of `quantity` units of `product` may be in a cart.
fn check_line(product: &CatalogProduct, quantity: i64) -> Result<(), CartError> {
    if quantity > MAX_LINE_QUANTITY {
        return Err(CartError::TooMany);
    }
    if quantity > product.available {
        return Err(CartError::OutOfStock {
            shortage: Shortage { product_id: product.id, requested: quantity, available: product.available.max(0) },
        });
    }
    Ok(())
}

/// The table's CHECK (1–10 units a line) is what refuses a line that grows too large,
/// so two racing adds cannot pass it together.
fn too_many_or(error: sqlx::Error) -> Result<i64, CartError> {
    match error.as_database_error().and_then(|db| db.code()).as_deref() {
        Some("23514") => Err(CartError::TooMany),
        _ => Err(anyhow::Error::new(error).context("adding to a cart").into()),
    }
}

/// Prices a stored cart: lines still sold count towards the totals; the coupon is
/// re-checked against them.
pub(crate) async fn price_cart(
    conn: &mut PgConnection,
    user: Uuid,
    stored: &StoredCart,
    products: &HashMap<Uuid, CatalogProduct>,
) -> anyhow::Result<Cart> {
    let sold: Vec<(&CatalogProduct, i64)> = stored
        .lines
        .iter()
        .filter_map(|(id, quantity)| products.get(id).filter(|p| p.is_active).map(|p| (p, *quantity)))
        .collect();
    let prices: Vec<LinePrice> = sold.iter().map(|(product, quantity)| line_price(product, *quantity)).collect();
    let (_, undiscounted) = price_basket(&prices, Money::ZERO).context("pricing a cart")?;
    let coupon = match &stored.coupon {
        None => None,
        Some(code) => Some(coupon_on(conn, user, code, undiscounted.subtotal).await?),
    };
    let discount = coupon.as_ref().map_or(Money::ZERO, |coupon| coupon.discount);
    let (priced, totals) = price_basket(&prices, discount).context("pricing a cart")?;
    let mut priced_by_product: HashMap<Uuid, crate::pricing::PricedLine> =
        sold.iter().map(|(product, _)| product.id).zip(priced).collect();
    let items = stored
        .lines
        .iter()
        .filter_map(|(id, quantity)| {
            let product = products.get(id)?;
            let availability = match (product.is_active, product.available >= *quantity) {
                (false, _) => LineAvailability::Discontinued,
                (true, true) => LineAvailability::InStock,
                (true, false) => LineAvailability::OutOfStock,
            };
            let fallback = crate::pricing::PricedLine {
                net: product.unit_price.checked_mul(*quantity).unwrap_or(Money::ZERO),
                discount: Money::ZERO,
                tax: product.unit_tax.checked_mul(*quantity).unwrap_or(Money::ZERO),
                total: Money::ZERO,
            };
            let priced = priced_by_product.remove(id).unwrap_or(fallback);
            Some(CartLine {
                product_id: product.id,
                sku: product.sku.clone(),
                name: product.name.clone(),
                image: product.image.clone(),
                unit_price: product.unit_price,
                unit_tax: product.unit_tax,
                tax: priced.tax,
                quantity: *quantity,
                discount: priced.discount,
                line_total: priced.total,
                availability,
                available: product.available,
            })
        })
        .collect();
    let item_count = sold.iter().map(|(_, quantity)| quantity).sum();
    Ok(Cart { items, coupon, totals, item_count })
}

async fn coupon_on(conn: &mut PgConnection, user: Uuid, code: &str, subtotal: Money) -> anyhow::Result<CartCoupon> {
    let none = |problem| CartCoupon { code: code.to_owned(), discount: Money::ZERO, problem: Some(problem) };
    let Ok(parsed) = CouponCode::parse(code, "code") else { return Ok(none(CouponRejection::Invalid)) };
    let Some(coupon) = coupons::find_by_code(conn, &parsed).await? else { return Ok(none(CouponRejection::Invalid)) };
    match coupon.rules.discount(subtotal, Utc::now()) {
        Err(problem) => Ok(none(problem)),
        Ok(_) if !coupons::uses_left(conn, &coupon, user).await? => Ok(none(CouponRejection::UsageExhausted)),
        Ok(discount) => Ok(CartCoupon { code: code.to_owned(), discount, problem: None }),
    }
}

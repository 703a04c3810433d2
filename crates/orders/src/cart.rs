//! The server-side cart: one per customer, priced with today's catalog on every read.

use std::collections::HashMap;

use anyhow::Context as _;
use chrono::Utc;
use kernel::{Money, Quantity};
use uuid::Uuid;

use crate::coupons::{self, CouponCode, CouponRejection};
use crate::ports::{CatalogProduct, ProductCatalog, Shortage};
use crate::postgres::{PgStores, Tx};
use crate::pricing::{LinePrice, Totals, price_basket};
use crate::stores::{CartStore as _, CouponStore as _, StoredCart, Stores};

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
pub struct Carts<C, S = PgStores> {
    stores: S,
    catalog: C,
}

impl<C: ProductCatalog, S: Stores> Carts<C, S> {
    pub fn new(stores: S, catalog: C) -> Self {
        Carts { stores, catalog }
    }

    /// The customer's cart, priced now. Errors: storage failures.
    #[tracing::instrument(name = "cart.view", skip(self))]
    pub async fn view(&self, user: Uuid) -> anyhow::Result<Cart> {
        let mut conn = self.stores.connect().await.context("reading a cart")?;
        let stored = self.stores.carts().stored(&mut conn, user).await?;
        let ids: Vec<Uuid> = stored.lines.iter().map(|(id, _)| *id).collect();
        let products = self.catalog.products(&ids).await?;
        price_cart(&self.stores, &mut conn, user, &stored, &products).await
    }

    /// Adds `quantity` units to the product's line. Errors: `ProductNotFound`, `TooMany`,
    /// `OutOfStock`, `Unexpected`.
    #[tracing::instrument(name = "cart.add", skip(self))]
    pub async fn add(&self, user: Uuid, product_id: Uuid, quantity: Quantity) -> Result<Cart, CartError> {
        let product = self.for_sale(product_id).await?;
        let mut tx = self.stores.begin().await.context("adding to a cart")?;
        let total =
            self.stores.carts().add(&mut tx, user, product_id, quantity.get()).await?.ok_or(CartError::TooMany)?;
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
        if !self.stores.carts().set_quantity(user, product_id, quantity).await? {
            return Err(CartError::LineNotFound);
        }
        Ok(self.view(user).await?)
    }

    /// Errors: `LineNotFound`, `Unexpected`.
    #[tracing::instrument(name = "cart.remove", skip(self))]
    pub async fn remove(&self, user: Uuid, product_id: Uuid) -> Result<Cart, CartError> {
        if !self.stores.carts().remove_line(user, product_id).await? {
            return Err(CartError::LineNotFound);
        }
        Ok(self.view(user).await?)
    }

    /// Empties the cart and drops its coupon. Errors: storage failures.
    #[tracing::instrument(name = "cart.clear", skip(self))]
    pub async fn clear(&self, user: Uuid) -> anyhow::Result<()> {
        self.stores.carts().clear(user).await
    }

    /// Applies a coupon if it gives a discount on the cart as it is now. Errors:
    /// `Coupon` with the reason, `Unexpected`.
    #[tracing::instrument(name = "cart.apply_coupon", skip(self))]
    pub async fn apply_coupon(&self, user: Uuid, code: &CouponCode) -> Result<Cart, CartError> {
        let mut conn = self.stores.connect().await.context("applying a coupon")?;
        let coupon = self.stores.coupons().find_by_code(&mut conn, code).await?.ok_or(CouponRejection::Invalid)?;
        let mut stored = self.stores.carts().stored(&mut conn, user).await?;
        stored.coupon = None;
        let ids: Vec<Uuid> = stored.lines.iter().map(|(id, _)| *id).collect();
        let products = self.catalog.products(&ids).await?;
        let cart = price_cart(&self.stores, &mut conn, user, &stored, &products).await?;
        coupon.rules.discount(cart.totals.subtotal, Utc::now())?;
        if !coupons::uses_left(&self.stores, &mut conn, &coupon, user).await? {
            return Err(CouponRejection::UsageExhausted.into());
        }
        self.stores.carts().set_coupon(&mut conn, user, code).await?;
        drop(conn);
        Ok(self.view(user).await?)
    }

    /// Errors: storage failures.
    #[tracing::instrument(name = "cart.remove_coupon", skip(self))]
    pub async fn remove_coupon(&self, user: Uuid) -> anyhow::Result<Cart> {
        self.stores.carts().remove_coupon(user).await?;
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

/// Prices a stored cart: lines still sold count towards the totals; the coupon is
/// re-checked against them.
async fn price_cart<S: Stores>(
    stores: &S,
    conn: &mut Tx,
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
        Some(code) => Some(coupon_on(stores, conn, user, code, undiscounted.subtotal).await?),
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

async fn coupon_on<S: Stores>(
    stores: &S,
    conn: &mut Tx,
    user: Uuid,
    code: &str,
    subtotal: Money,
) -> anyhow::Result<CartCoupon> {
    let none = |problem| CartCoupon { code: code.to_owned(), discount: Money::ZERO, problem: Some(problem) };
    let Ok(parsed) = CouponCode::parse(code, "code") else { return Ok(none(CouponRejection::Invalid)) };
    let Some(coupon) = stores.coupons().find_by_code(conn, &parsed).await? else {
        return Ok(none(CouponRejection::Invalid));
    };
    match coupon.rules.discount(subtotal, Utc::now()) {
        Err(problem) => Ok(none(problem)),
        Ok(_) if !coupons::uses_left(stores, conn, &coupon, user).await? => Ok(none(CouponRejection::UsageExhausted)),
        Ok(discount) => Ok(CartCoupon { code: code.to_owned(), discount, problem: None }),
    }
}

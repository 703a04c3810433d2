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
use crate::stores::{CartStore as _, CouponStore as _, StoredCart, StoredCartBuild, Stores};

/// The most units of one product a cart line holds.
pub const MAX_LINE_QUANTITY: i64 = 10;

/// The most PC builds one cart holds.
pub const MAX_CART_BUILDS: usize = 5;

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
    /// The cart build the line belongs to (`Cart::builds`), `None` for a loose line.
    pub build_id: Option<Uuid>,
}

/// A PC build in the cart: its lines carry its id; it is removed whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartBuild {
    pub id: Uuid,
    pub platform: String,
    pub name: String,
    pub saved_build_id: Option<Uuid>,
    /// Its lines' totals (after their share of the coupon), with GST.
    pub total: Money,
    pub item_count: i64,
}

/// A build to add to a cart, already checked by the builder's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCartBuild {
    pub platform: String,
    pub name: String,
    pub saved_build_id: Option<Uuid>,
    /// One unit of each, in the builder's slot order.
    pub products: Vec<Uuid>,
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
    pub builds: Vec<CartBuild>,
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
    /// Parts of a build that cannot be had now (a part no longer sold shows 0 available).
    #[error("not enough stock for the build")]
    BuildOutOfStock { shortages: Vec<Shortage> },
    /// The cart holds [`MAX_CART_BUILDS`] builds already.
    #[error("a cart holds at most {MAX_CART_BUILDS} builds")]
    TooManyBuilds,
    /// With the build, the cart would hold more units than an order may.
    #[error("an order holds at most {max} units")]
    TooManyUnits { max: i64 },
    /// The build is not in the cart.
    #[error("the build is not in the cart")]
    BuildNotFound,
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
    /// The most units an order may hold: a build that would take the cart past it is
    /// refused, since its checkout would be.
    max_units: i64,
}

impl<C: ProductCatalog, S: Stores> Carts<C, S> {
    pub fn new(stores: S, catalog: C) -> Self {
        Carts { stores, catalog, max_units: i64::MAX }
    }

    /// Refuses builds that would take the cart past `max_units` (the orders' limit).
    pub fn with_max_units(self, max_units: i64) -> Self {
        Carts { max_units, ..self }
    }

    /// The customer's cart, priced now. Errors: storage failures.
    #[tracing::instrument(name = "cart.view", skip(self))]
    pub async fn view(&self, user: Uuid) -> anyhow::Result<Cart> {
        // One connection at a time: the catalog takes its own, and holding ours meanwhile
        // would let as many views as the pool has connections wait on each other.
        let stored = self.stored(user).await?;
        let products = self.catalog.products(&stored.product_ids()).await?;
        let mut conn = self.stores.connect().await.context("reading a cart")?;
        price_cart(&self.stores, &mut conn, user, &stored, &products).await
    }

    async fn stored(&self, user: Uuid) -> anyhow::Result<StoredCart> {
        let mut conn = self.stores.connect().await.context("reading a cart")?;
        self.stores.carts().stored(&mut conn, user).await
    }

    /// Adds `quantity` units to the product's line. Errors: `ProductNotFound`, `TooMany`,
    /// `OutOfStock`, `Unexpected`.
    #[tracing::instrument(name = "cart.add", skip(self))]
    pub async fn add(&self, user: Uuid, product_id: Uuid, quantity: Quantity) -> Result<Cart, CartError> {
        let product = self.for_sale(product_id).await?;
        let mut tx = self.stores.begin().await.context("adding to a cart")?;
        let total =
            self.stores.carts().add(&mut tx, user, product_id, quantity.get()).await?.ok_or(CartError::TooMany)?;
        let in_builds = self.stores.carts().stored(&mut tx, user).await?.build_units_of(product_id);
        check_line(&product, total, in_builds)?;
        tx.commit().await.context("adding to a cart")?;
        Ok(self.view(user).await?)
    }

    /// Adds a build (checked by the builder's rules) as one group of lines, one unit of
    /// each part. Errors: `BuildOutOfStock` with every part that is short or no longer
    /// sold, `TooManyBuilds`, `Unexpected`.
    #[tracing::instrument(name = "cart.add_build", skip(self, build), fields(parts = build.products.len()))]
    pub async fn add_build(&self, user: Uuid, build: NewCartBuild) -> Result<Cart, CartError> {
        let products = self.catalog.products(&build.products).await?;
        let mut tx = self.stores.begin().await.context("adding a build to a cart")?;
        // No lock: a customer's own adds racing each other could pass the caps by a build,
        // which checkout then refuses (its unit cap is exact); waiting on the customer's
        // checkout lock here would hold a pool connection per request meanwhile.
        let cart = self.stores.carts().stored(&mut tx, user).await?;
        if cart.builds.len() >= MAX_CART_BUILDS {
            return Err(CartError::TooManyBuilds);
        }
        let units =
            cart.lines.iter().map(|line| line.quantity).sum::<i64>().saturating_add(build.products.len() as i64);
        if units > self.max_units {
            return Err(CartError::TooManyUnits { max: self.max_units });
        }
        let shortages: Vec<Shortage> = build
            .products
            .iter()
            .filter_map(|id| {
                let available = products.get(id).filter(|product| product.is_active).map_or(0, |p| p.available);
                let requested = cart.units_of(*id).saturating_add(1);
                (available < requested).then(|| Shortage { product_id: *id, requested, available: available.max(0) })
            })
            .collect();
        if !shortages.is_empty() {
            return Err(CartError::BuildOutOfStock { shortages });
        }
        let stored = StoredCartBuild {
            id: Uuid::now_v7(),
            platform: build.platform,
            name: build.name,
            saved_build_id: build.saved_build_id,
        };
        self.stores.carts().add_build(&mut tx, user, &stored, &build.products).await?;
        tx.commit().await.context("adding a build to a cart")?;
        Ok(self.view(user).await?)
    }

    /// Removes a build and every line of it. Errors: `BuildNotFound`, `Unexpected`.
    #[tracing::instrument(name = "cart.remove_build", skip(self))]
    pub async fn remove_build(&self, user: Uuid, build: Uuid) -> Result<Cart, CartError> {
        if !self.stores.carts().remove_build(user, build).await? {
            return Err(CartError::BuildNotFound);
        }
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
        let in_builds = self.stored(user).await?.build_units_of(product_id);
        check_line(&product, quantity, in_builds)?;
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
        let coupon = {
            let mut conn = self.stores.connect().await.context("applying a coupon")?;
            self.stores.coupons().find_by_code(&mut conn, code).await?.ok_or(CouponRejection::Invalid)?
        };
        let mut stored = self.stored(user).await?;
        stored.coupon = None;
        let products = self.catalog.products(&stored.product_ids()).await?;
        let mut conn = self.stores.connect().await.context("applying a coupon")?;
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

/// A loose line of `quantity` units of `product` may be in a cart that has `in_builds`
/// more units of it in builds: the line holds at most [`MAX_LINE_QUANTITY`], and the cart
/// asks for no more than can be sold.
fn check_line(product: &CatalogProduct, quantity: i64, in_builds: i64) -> Result<(), CartError> {
    if quantity > MAX_LINE_QUANTITY {
        return Err(CartError::TooMany);
    }
    let requested = quantity.saturating_add(in_builds);
    if requested > product.available {
        return Err(CartError::OutOfStock {
            shortage: Shortage { product_id: product.id, requested, available: product.available.max(0) },
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
    // Lines still sold, by their index in `stored.lines` (a product may be on two lines:
    // loose and in a build).
    let sold: Vec<(usize, &CatalogProduct, i64)> = stored
        .lines
        .iter()
        .enumerate()
        .filter_map(|(index, line)| {
            products.get(&line.product_id).filter(|p| p.is_active).map(|p| (index, p, line.quantity))
        })
        .collect();
    let prices: Vec<LinePrice> = sold.iter().map(|(_, product, quantity)| line_price(product, *quantity)).collect();
    let (_, undiscounted) = price_basket(&prices, Money::ZERO).context("pricing a cart")?;
    let coupon = match &stored.coupon {
        None => None,
        Some(code) => Some(coupon_on(stores, conn, user, code, undiscounted.subtotal).await?),
    };
    let discount = coupon.as_ref().map_or(Money::ZERO, |coupon| coupon.discount);
    let (priced, totals) = price_basket(&prices, discount).context("pricing a cart")?;
    let mut priced_by_line: HashMap<usize, crate::pricing::PricedLine> =
        sold.iter().map(|(index, _, _)| *index).zip(priced).collect();
    let items: Vec<CartLine> = stored
        .lines
        .iter()
        .enumerate()
        .filter_map(|(index, line)| {
            let product = products.get(&line.product_id)?;
            let quantity = line.quantity;
            // A product on two lines (loose and in a build) is short when both together are.
            let availability = match (product.is_active, product.available >= stored.units_of(line.product_id)) {
                (false, _) => LineAvailability::Discontinued,
                (true, true) => LineAvailability::InStock,
                (true, false) => LineAvailability::OutOfStock,
            };
            let fallback = crate::pricing::PricedLine {
                net: product.unit_price.checked_mul(quantity).unwrap_or(Money::ZERO),
                discount: Money::ZERO,
                tax: product.unit_tax.checked_mul(quantity).unwrap_or(Money::ZERO),
                total: Money::ZERO,
            };
            let priced = priced_by_line.remove(&index).unwrap_or(fallback);
            Some(CartLine {
                product_id: product.id,
                sku: product.sku.clone(),
                name: product.name.clone(),
                image: product.image.clone(),
                unit_price: product.unit_price,
                unit_tax: product.unit_tax,
                tax: priced.tax,
                quantity,
                discount: priced.discount,
                line_total: priced.total,
                availability,
                available: product.available,
                build_id: line.build_id,
            })
        })
        .collect();
    let builds = cart_builds(stored, &items)?;
    let item_count = sold.iter().map(|(_, _, quantity)| quantity).sum();
    Ok(Cart { items, builds, coupon, totals, item_count })
}

/// Each build of the cart with its lines' totals.
fn cart_builds(stored: &StoredCart, items: &[CartLine]) -> anyhow::Result<Vec<CartBuild>> {
    stored
        .builds
        .iter()
        .map(|build| {
            let lines = items.iter().filter(|line| line.build_id == Some(build.id));
            let mut total = Money::ZERO;
            let mut item_count = 0;
            for line in lines.filter(|line| line.availability != LineAvailability::Discontinued) {
                total = total.checked_add(line.line_total).context("totalling a cart build")?;
                item_count += line.quantity;
            }
            Ok(CartBuild {
                id: build.id,
                platform: build.platform.clone(),
                name: build.name.clone(),
                saved_build_id: build.saved_build_id,
                total,
                item_count,
            })
        })
        .collect()
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

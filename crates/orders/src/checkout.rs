//! Checkout: in one transaction, re-price the basket, hold the coupon, write the order
//! with its item snapshot and hold its stock; then, outside the transaction, open its
//! Razorpay order ([`crate::recovery`]). Cash on delivery is confirmed in the same
//! transaction. Also answers a checkout again from the order it placed.

use std::collections::HashMap;

use anyhow::Context as _;
use chrono::Utc;
use kernel::{Money, Quantity};
use uuid::Uuid;

use crate::cart;
use crate::coupons::{self, CouponCode, CouponRejection, CouponUseStatus, HoldCouponError};
use crate::deps::Deps;
use crate::holds::stock_line;
use crate::limits::{self, CodRefusal, LinesRefusal};
use crate::model::{Billing, Order, PaymentMethod, PaymentStatus, PlacedOrder, ShippingAddress};
use crate::ports::{
    CatalogProduct, HoldError, OrderPlacedHook, OrderRecords, OrderStock, PaymentProvider, ProductCatalog, Shortage, Tx,
};
use crate::pricing::{LinePrice, PricedLine, price_basket};
use crate::recovery::{self, OpenPaymentError, WhileOpenedElsewhere};
use crate::status::OrderStatus;
use crate::stores::{CartStore as _, CouponStore as _, NewOrder, NewOrderItem, OrderStore as _, Stores};

/// Razorpay takes no payment below ₹1.00.
pub const MIN_ONLINE_PAYMENT: Money = Money::from_paise(100);
pub const CURRENCY: &str = "INR";

/// One line the customer asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRequest {
    pub product_id: Uuid,
    pub quantity: Quantity,
}

#[derive(Debug, Clone)]
pub struct PlaceOrder {
    pub user: Uuid,
    /// `None` checks out the cart.
    pub items: Option<Vec<LineRequest>>,
    pub coupon: Option<CouponCode>,
    pub method: PaymentMethod,
    pub shipping_address: Option<ShippingAddress>,
    /// A business buyer's details for the tax invoice (`Billing::default()` for none).
    pub billing: Billing,
}

/// A line that cannot be held, with the index of the request line it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineShortage {
    pub index: usize,
    pub shortage: Shortage,
}

#[derive(Debug, thiserror::Error)]
pub enum PlaceOrderError {
    #[error("the cart is empty")]
    CartEmpty,
    /// Line `index` names a product an earlier line names.
    #[error("line {index} repeats a product")]
    RepeatedProduct { index: usize },
    /// The lines hold more than `max` units in all.
    #[error("an order holds at most {max} units")]
    TooManyUnits { max: i64 },
    /// The customer has `max` orders waiting for payment already.
    #[error("at most {max} orders may wait for payment at once")]
    PendingOrdersLimit { max: i64 },
    #[error(transparent)]
    CodNotAvailable(CodRefusal),
    /// No turn at the checkout transaction within the wait: the store is busy. Nothing was
    /// written. Worth a retry shortly.
    #[error("no checkout turn within the wait")]
    Busy,
    /// A line names a product that does not exist or is no longer sold.
    #[error("line {index} is not for sale")]
    NotForSale { index: usize },
    #[error("not enough stock")]
    OutOfStock { shortages: Vec<LineShortage> },
    /// The stock moved while it was being held; nothing was written. Worth a retry.
    #[error("the stock changed while the order was placed")]
    StockChanged,
    #[error(transparent)]
    Coupon(CouponRejection),
    /// Online payment needs at least ₹1.
    #[error("the total is below what can be paid online")]
    BelowOnlineMinimum,
    /// The order was written, the gateway failed: the order is `payment_failed` and its
    /// stock released.
    #[error("the payment gateway is unavailable")]
    GatewayUnavailable { order: Box<Order> },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A line resolved against the catalog.
/// What a checkout asks for: the lines (product, units, index), whether they came from the
/// cart, the cart's builds it takes, and the coupon to use.
struct Wanted {
    lines: Vec<(Uuid, i64, usize)>,
    from_cart: bool,
    cart_builds: Vec<Uuid>,
    coupon: Option<CouponCode>,
}

struct ResolvedLine<'a> {
    index: usize,
    product: &'a CatalogProduct,
    quantity: i64,
}

/// Placing orders, and answering a placement again.
pub(crate) struct Checkout<'a, C, P, K, S, L> {
    pub(crate) deps: &'a Deps<C, P, K, S, L>,
}

impl From<LinesRefusal> for PlaceOrderError {
    fn from(refusal: LinesRefusal) -> Self {
        match refusal {
            LinesRefusal::RepeatedProduct { index } => PlaceOrderError::RepeatedProduct { index },
            LinesRefusal::TooManyUnits { max } => PlaceOrderError::TooManyUnits { max },
        }
    }
}

impl<C: ProductCatalog, P: PaymentProvider, K: OrderStock, S: Stores, L: OrderRecords> Checkout<'_, C, P, K, S, L> {
    /// Places an order: in one transaction re-prices it, holds the coupon, writes the
    /// order with its item snapshot and history, tells `placed`, and holds all stock; then
    /// (outside the transaction) opens the Razorpay order. Errors: every [`PlaceOrderError`].
    #[tracing::instrument(name = "orders.place", skip(self, request, placed), fields(user = %request.user))]
    pub(crate) async fn place(
        &self,
        request: PlaceOrder,
        placed: &impl OrderPlacedHook,
    ) -> Result<PlacedOrder, PlaceOrderError> {
        let deps = self.deps;
        let user = request.user;
        let limits = deps.limits;
        let Wanted { lines: wanted, from_cart, cart_builds, coupon } = self.wanted_lines(&request).await?;
        let is_cod = request.method == PaymentMethod::Cod;
        if is_cod && request.shipping_address.is_none() {
            return Err(PlaceOrderError::CodNotAvailable(CodRefusal::NoAddress));
        }
        let ids: Vec<Uuid> = wanted.iter().map(|line| line.0).collect();
        let products = deps.catalog.products(&ids).await?;
        let lines = resolve(&wanted, &products)?;
        let prices: Vec<_> = lines.iter().map(|line| cart::line_price(line.product, line.quantity)).collect();
        let (_, undiscounted) = price_basket(&prices, Money::ZERO).context("pricing an order")?;
        // Refusals that need no lock come before the queue, so that requests bound to
        // fail never take a turn from buyers.
        self.refuse_early(&request, coupon.as_ref(), &prices, undiscounted.subtotal).await?;

        let turn = self.checkout_turn().await?;
        // After the wait: the coupon's validity, the order's date and the hold's expiry
        // are those of the moment the order is written.
        let now = Utc::now();
        let order_id = Uuid::now_v7();
        let expires_at = now + deps.reservation_ttl;
        let mut tx = deps.stores.begin().await.context("starting a checkout")?;
        if is_cod {
            let open = deps.open_cod_orders(&mut tx, user).await?;
            limits::check_open_cod_orders(open, limits.max_open_cod_orders)
                .map_err(PlaceOrderError::CodNotAvailable)?;
        } else if !deps.room_for_pending(&mut tx, user).await? {
            return Err(PlaceOrderError::PendingOrdersLimit { max: limits.max_pending_orders });
        }
        let (coupon_id, discount) = match &coupon {
            None => (None, Money::ZERO),
            Some(code) => {
                match coupons::hold_use(&deps.stores, &mut tx, code, order_id, user, undiscounted.subtotal, now).await {
                    Ok((coupon, discount)) => (Some(coupon.id), discount),
                    Err(HoldCouponError::Rejected(rejection)) => return Err(PlaceOrderError::Coupon(rejection)),
                    Err(HoldCouponError::Unexpected(cause)) => return Err(cause.into()),
                }
            }
        };
        let (priced, totals) = price_basket(&prices, discount).context("pricing an order")?;
        if request.method == PaymentMethod::Razorpay && totals.total < MIN_ONLINE_PAYMENT {
            return Err(PlaceOrderError::BelowOnlineMinimum);
        }
        if is_cod {
            limits::check_cash_on_delivery(true, totals.total, limits.cod_max)
                .map_err(PlaceOrderError::CodNotAvailable)?;
        }
        let stock_lines =
            lines.iter().map(|line| stock_line(line.product.id, line.quantity)).collect::<anyhow::Result<Vec<_>>>()?;
        let new = NewOrder {
            id: order_id,
            user,
            method: request.method,
            payment_status: match request.method {
                PaymentMethod::Razorpay => PaymentStatus::Pending,
                PaymentMethod::Cod => PaymentStatus::Cod,
            },
            totals,
            currency: CURRENCY,
            coupon_id,
            coupon_code: coupon.as_ref().filter(|_| coupon_id.is_some()).map(|c| c.as_str().to_owned()),
            address: request.shipping_address,
            billing: request.billing,
            from_cart,
            cart_builds,
            expires_at,
            now,
            payment_opening_lease: deps.payment_opening_lease,
            items: order_items(&lines, &priced),
        };
        let order_number = deps.stores.orders().insert(&mut tx, &new).await?;
        placed.order_placed(&mut tx, order_id).await?;
        if new.method == PaymentMethod::Razorpay {
            // Waiting for payment, the order writes only its own new row of the sales
            // figures (no counter), so it goes before the stock: a popular product's row
            // is not held for it.
            deps.record_change(&mut tx, order_id).await?;
        }
        // Stock last: a popular product's row stays locked only from here to the commit.
        match deps.stock.hold(&mut tx, order_id, &stock_lines, expires_at).await {
            Ok(()) => {}
            Err(HoldError::OutOfStock { shortages }) => return Err(out_of_stock(&lines, shortages)),
            Err(HoldError::AlreadyHeld) => return Err(anyhow::anyhow!("a new order id was reserved").into()),
            Err(HoldError::StockChanged) => return Err(PlaceOrderError::StockChanged),
            Err(HoldError::Unexpected(cause)) => return Err(cause.into()),
        }
        if new.method == PaymentMethod::Cod {
            self.confirm_cash_on_delivery(&mut tx, &new, &ids).await?;
            deps.record_change(&mut tx, order_id).await?;
        }
        tx.commit().await.context("committing a checkout")?;
        drop(turn);
        crate::metrics::order_placed(new.method);

        if new.method == PaymentMethod::Cod {
            return Ok(PlacedOrder { order: deps.load(order_id).await?, payment: None });
        }
        match deps.opening().open_payment(order_id, &order_number, totals.total).await {
            Ok(payment) => Ok(PlacedOrder { order: deps.load(order_id).await?, payment }),
            Err(OpenPaymentError::Unavailable(order)) => Err(PlaceOrderError::GatewayUnavailable { order }),
            Err(OpenPaymentError::Unexpected(cause)) => Err(cause.into()),
        }
    }

    /// Refuses, before the checkout queue, what can be refused from unlocked reads: the
    /// customer's orders waiting for payment (or open cash-on-delivery orders), the
    /// coupon's rules and uses, and a cash on delivery total over the cap. Checked again
    /// under the locks where it matters.
    async fn refuse_early(
        &self,
        request: &PlaceOrder,
        coupon: Option<&CouponCode>,
        prices: &[LinePrice],
        subtotal: Money,
    ) -> Result<(), PlaceOrderError> {
        let online = request.method == PaymentMethod::Razorpay;
        let discount = self.refuse_on_reads(request.user, online, coupon, subtotal).await?;
        if request.method == PaymentMethod::Cod {
            let (_, totals) = price_basket(prices, discount).context("pricing an order")?;
            limits::check_cash_on_delivery(true, totals.total, self.deps.limits.cod_max)
                .map_err(PlaceOrderError::CodNotAvailable)?;
        }
        Ok(())
    }

    /// The early refusals that read the database: the customer's orders waiting for
    /// payment (for an `online` order) or their open cash-on-delivery orders, and the
    /// coupon. The coupon's discount when it applies.
    async fn refuse_on_reads(
        &self,
        user: Uuid,
        online: bool,
        coupon: Option<&CouponCode>,
        subtotal: Money,
    ) -> Result<Money, PlaceOrderError> {
        let deps = self.deps;
        let max_pending = deps.limits.max_pending_orders;
        let mut conn = deps.stores.connect().await.context("checking an order's limits")?;
        if online {
            if deps.stores.orders().pending_count(&mut conn, user).await? >= max_pending {
                return Err(PlaceOrderError::PendingOrdersLimit { max: max_pending });
            }
        } else {
            let open = deps.stores.orders().open_cod_count(&mut conn, user).await?;
            limits::check_open_cod_orders(open, deps.limits.max_open_cod_orders)
                .map_err(PlaceOrderError::CodNotAvailable)?;
        }
        let Some(code) = coupon else { return Ok(Money::ZERO) };
        let found = deps.stores.coupons().find_by_code(&mut conn, code).await?;
        let coupon = found.ok_or(PlaceOrderError::Coupon(CouponRejection::Invalid))?;
        let discount = coupon.rules.discount(subtotal, Utc::now()).map_err(PlaceOrderError::Coupon)?;
        if !coupons::uses_left(&deps.stores, &mut conn, &coupon, user).await? {
            return Err(PlaceOrderError::Coupon(CouponRejection::UsageExhausted));
        }
        Ok(discount)
    }

    /// A turn at the checkout transaction, within the configured wait: a burst of buyers
    /// (or a stalled database) is answered "busy, try again" instead of holding requests
    /// until a client's retry takes over their idempotency key and both place an order.
    async fn checkout_turn(&self) -> Result<tokio::sync::SemaphorePermit<'_>, PlaceOrderError> {
        let wait = self.deps.limits.checkout_turn_wait;
        match tokio::time::timeout(wait, self.deps.checkout_turns.acquire()).await {
            Ok(turn) => Ok(turn.context("the checkout queue is closed")?),
            Err(_) => {
                tracing::warn!(?wait, "no checkout turn within the wait");
                crate::metrics::checkout_busy();
                Err(PlaceOrderError::Busy)
            }
        }
    }

    /// The lines asked for (each with its index), whether they came from the cart (and
    /// its builds), and the coupon to use. Refuses an empty cart, a product named twice and
    /// too many units.
    async fn wanted_lines(&self, request: &PlaceOrder) -> Result<Wanted, PlaceOrderError> {
        let wanted = match &request.items {
            Some(items) => Wanted {
                lines: items.iter().enumerate().map(|(i, line)| (line.product_id, line.quantity.get(), i)).collect(),
                from_cart: false,
                cart_builds: Vec::new(),
                coupon: request.coupon.clone(),
            },
            None => {
                let stores = &self.deps.stores;
                let mut conn = stores.connect().await.context("reading the cart")?;
                let stored = stores.carts().stored(&mut conn, request.user).await?;
                let coupon = match (&request.coupon, &stored.coupon) {
                    (Some(code), _) => Some(code.clone()),
                    (None, Some(code)) => Some(
                        CouponCode::parse(code, "coupon_code")
                            .map_err(|_| PlaceOrderError::Coupon(CouponRejection::Invalid))?,
                    ),
                    (None, None) => None,
                };
                let lines = stored.order_lines().into_iter().enumerate().map(|(i, (id, units))| (id, units, i));
                Wanted {
                    lines: lines.collect(),
                    from_cart: true,
                    cart_builds: stored.builds.iter().map(|build| build.id).collect(),
                    coupon,
                }
            }
        };
        if wanted.lines.is_empty() {
            return Err(PlaceOrderError::CartEmpty);
        }
        let raw: Vec<(Uuid, i64)> = wanted.lines.iter().map(|&(product, units, _)| (product, units)).collect();
        limits::check_lines(&raw, self.deps.limits.max_units_per_order)?;
        Ok(wanted)
    }

    /// A cash-on-delivery order is sold at once: its stock committed, its coupon used,
    /// its lines out of the cart, and the order `confirmed`.
    async fn confirm_cash_on_delivery(&self, tx: &mut Tx, new: &NewOrder, products: &[Uuid]) -> anyhow::Result<()> {
        let deps = self.deps;
        deps.stock.sell(tx, new.id).await.context("committing COD stock")?;
        deps.stores.coupons().set_use(tx, new.id, CouponUseStatus::Used).await?;
        if new.from_cart {
            let coupon = new.coupon_code.as_deref();
            deps.stores.carts().remove_ordered(tx, new.user, products, &new.cart_builds, coupon).await?;
        }
        deps.stores.orders().confirm_cash_on_delivery(tx, new.id).await?;
        deps.stores.orders().add_history(tx, new.id, OrderStatus::Confirmed, Some("cash on delivery")).await?;
        Ok(())
    }

    /// An order placed earlier, answered again as checkout answered it: with its current
    /// payment request while it still waits for payment, opened first if the checkout died
    /// before making it. `None` for another customer's. Errors: `GatewayUnavailable` (the
    /// order is `payment_failed` then, as at checkout), `Unexpected`.
    #[tracing::instrument(name = "orders.placed", skip(self))]
    pub(crate) async fn placed(&self, user: Uuid, order_id: Uuid) -> Result<Option<PlacedOrder>, PlaceOrderError> {
        let deps = self.deps;
        let Some(mut order) = deps.queries().get_for(user, order_id).await? else { return Ok(None) };
        if recovery::payment_missing(&order) {
            match deps.opening().open_missing_payment(order_id, WhileOpenedElsewhere::Wait).await {
                Ok(()) => {}
                Err(OpenPaymentError::Unavailable(order)) => return Err(PlaceOrderError::GatewayUnavailable { order }),
                Err(OpenPaymentError::Unexpected(cause)) => return Err(cause.into()),
            }
            order = deps.load(order_id).await?;
        }
        let payment = deps.opening().payment_request(&order);
        Ok(Some(PlacedOrder { order, payment }))
    }
}

fn resolve<'a>(
    wanted: &[(Uuid, i64, usize)],
    products: &'a HashMap<Uuid, CatalogProduct>,
) -> Result<Vec<ResolvedLine<'a>>, PlaceOrderError> {
    wanted
        .iter()
        .map(|&(product_id, quantity, index)| match products.get(&product_id) {
            Some(product) if product.is_active => Ok(ResolvedLine { index, product, quantity }),
            _ => Err(PlaceOrderError::NotForSale { index }),
        })
        .collect()
}

/// The order's item snapshot: each product as the catalog sells it now, priced.
fn order_items(lines: &[ResolvedLine<'_>], priced: &[PricedLine]) -> Vec<NewOrderItem> {
    lines
        .iter()
        .zip(priced)
        .map(|(line, price)| {
            let product = line.product;
            NewOrderItem {
                product_id: product.id,
                sku: product.sku.clone(),
                name: product.name.clone(),
                brand: product.brand.clone(),
                image: product.image.clone(),
                unit_price: product.unit_price,
                tax_rate_bps: product.tax_rate_bps,
                unit_tax: product.unit_tax,
                hsn_code: product.hsn_code.clone(),
                quantity: line.quantity,
                discount: price.discount,
                tax: price.tax,
                line_total: price.total,
            }
        })
        .collect()
}

fn out_of_stock(lines: &[ResolvedLine<'_>], shortages: Vec<Shortage>) -> PlaceOrderError {
    let shortages = shortages
        .into_iter()
        .map(|shortage| LineShortage {
            index: lines.iter().find(|line| line.product.id == shortage.product_id).map_or(0, |line| line.index),
            shortage,
        })
        .collect();
    PlaceOrderError::OutOfStock { shortages }
}

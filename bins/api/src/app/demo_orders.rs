//! `rigmaster seed-demo --orders N`: a year of the demo store's history, written in bulk.
//!
//! Generated from a seed (the same seed, catalog and day give the same history): N orders
//! over the 365 IST days ending today, more of them on weekends and in the festival
//! season (October and the first half of November, Diwali), a long tail of products
//! (Zipf-like over the catalog), 1–6 lines an order (3.3 on average), cash on delivery
//! and Razorpay, statuses that fit their age (old orders delivered, recent ones paid,
//! packed or shipped), a few percent cancelled, some refunded in part, some returned in
//! part or whole. The customers are demo accounts made in bulk, all with one password hash
//! computed once (they are not people; nobody signs in as them).
//!
//! Each batch is one transaction in which every domain writes its own tables: orders
//! (orders, lines, history, refunds, returns), inventory (reservations and the ledger of
//! historical sales, stock levels unchanged) and analytics (the sales figures, through
//! the same ledger the live paths use). Payments keeps no records for them: its records
//! are what Razorpay answered, and nobody asked Razorpay; the order carries its payment's
//! ids, status and refunds, which is what the admin's order view shows.

use std::collections::HashMap;

use anyhow::Context as _;
use catalog::products::{ProductQuery, ProductSummary};
use chrono::{DateTime, Datelike as _, Duration, NaiveDate, Utc, Weekday};
use demo_data::SplitMix64;
use identity::bulk::BulkCustomer;
use inventory::bulk::HistoricalSale;
use kernel::calendar::{ist_day, ist_midnight};
use kernel::{Limit, Money};
use orders::postgres::bulk::{HistoricalLine, HistoricalOrder, HistoricalRefund, HistoricalReturn};
use orders::pricing::{LinePrice, price_basket};
use sqlx::PgPool;
use uuid::Uuid;

use crate::state::{OrdersService, ProductsService};

/// Orders written in one transaction.
const BATCH: usize = 2_000;
/// How many orders a demo customer places on average.
const ORDERS_PER_CUSTOMER: usize = 5;
/// The largest order paid cash on delivery (the store's default `cod_max`).
const COD_MAX_PAISE: i64 = 5_000_000;

/// What a run of `seed-demo --orders` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoHistory {
    Added {
        orders: usize,
        lines: usize,
        customers: usize,
    },
    /// Historical demo orders are in the store already: nothing was added.
    AlreadyPresent,
}

/// Writes `count` historical orders generated from `seed`, ending `now`. Refuses (adds
/// nothing) when historical demo orders exist already. Errors: storage failures, a store
/// without products.
#[tracing::instrument(name = "seed_demo_orders", skip(pool, products, orders, password_hash))]
pub async fn seed_demo_orders(
    pool: &PgPool,
    products: &ProductsService,
    orders: &OrdersService,
    password_hash: &str,
    count: usize,
    seed: u64,
    now: DateTime<Utc>,
) -> anyhow::Result<DemoHistory> {
    let mut conn = pool.acquire().await.context("a connection for the demo history")?;
    if orders.has_demo_history(&mut conn).await? {
        return Ok(DemoHistory::AlreadyPresent);
    }
    drop(conn);
    let catalog = catalog_for_sale(products).await?;
    anyhow::ensure!(!catalog.is_empty(), "the store has no products: run `rigmaster seed-demo` first");
    let mut history = History::new(seed, now, catalog);
    let customers =
        make_customers(pool, &mut history, count.div_ceil(ORDERS_PER_CUSTOMER).max(20), password_hash).await?;
    history.customers = customers;
    let mut lines = 0;
    let mut written = 0;
    while written < count {
        let batch: Vec<HistoricalOrder> = (written..count.min(written + BATCH)).map(|_| history.order()).collect();
        lines += batch.iter().map(|o| o.lines.len()).sum::<usize>();
        write_batch(pool, orders, &batch).await?;
        written += batch.len();
        tracing::info!(written, count, "historical demo orders");
    }
    Ok(DemoHistory::Added { orders: written, lines, customers: history.customers.len() })
}

async fn write_batch(pool: &PgPool, orders: &OrdersService, batch: &[HistoricalOrder]) -> anyhow::Result<()> {
    let sales: Vec<analytics::OrderSales> = batch.iter().map(order_sales).collect::<anyhow::Result<_>>()?;
    let stock: Vec<HistoricalSale> = batch
        .iter()
        .flat_map(|order| {
            order.lines.iter().map(|line| HistoricalSale {
                owner_id: order.id,
                product_id: line.product_id,
                quantity: line.quantity,
                at: order.placed_at,
                sold: order.status != "cancelled",
            })
        })
        .collect();
    let mut tx = pool.begin().await.context("beginning a batch of demo history")?;
    orders.insert_history(&mut tx, batch).await?;
    inventory::bulk::record_historical_sales(&mut tx, &stock).await?;
    analytics::PgSalesLedger.record(&mut tx, &sales).await?;
    tx.commit().await.context("committing a batch of demo history")
}

fn order_sales(order: &HistoricalOrder) -> anyhow::Result<analytics::OrderSales> {
    Ok(analytics::OrderSales {
        order_id: order.id,
        user_id: order.user_id,
        placed_at: order.placed_at,
        status: analytics::OrderStatus::parse(order.status).context("a demo order's status")?,
        total: Money::from_paise(order.total_paise),
        lines: order
            .lines
            .iter()
            .map(|l| analytics::SoldLine {
                product_id: l.product_id,
                quantity: l.quantity,
                line_total: Money::from_paise(l.line_total_paise),
            })
            .collect(),
        refunds: order
            .refunds
            .iter()
            .map(|r| analytics::SaleRefund { amount: Money::from_paise(r.amount_paise), at: r.processed_at })
            .collect(),
        returns: order
            .returns
            .iter()
            .flat_map(|r| {
                r.items.iter().map(|&(product_id, quantity)| analytics::SaleReturn { product_id, quantity, at: r.at })
            })
            .collect(),
    })
}

/// Every active product, in SKU order (so that a seed means the same history).
async fn catalog_for_sale(products: &ProductsService) -> anyhow::Result<Vec<ProductSummary>> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let query = ProductQuery { limit: Limit::new(Some(Limit::MAX))?, after, ..ProductQuery::default() };
        let page = products.list(&query).await.context("listing the demo catalog")?;
        all.extend(page.items.into_iter().filter(|p| p.is_active));
        match page.next_cursor {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    all.sort_by(|a, b| a.sku.cmp(&b.sku));
    Ok(all)
}

async fn make_customers(
    pool: &PgPool,
    history: &mut History,
    count: usize,
    password_hash: &str,
) -> anyhow::Result<Vec<Uuid>> {
    let mut ids = Vec::with_capacity(count);
    let all: Vec<BulkCustomer> = (0..count).map(|n| history.customer(n)).collect();
    for chunk in all.chunks(5_000) {
        let mut tx = pool.begin().await.context("beginning a batch of demo customers")?;
        let made: HashMap<String, Uuid> =
            identity::bulk::insert_customers(&mut tx, chunk, password_hash).await?.into_iter().collect();
        tx.commit().await.context("committing demo customers")?;
        ids.extend(chunk.iter().filter_map(|c| made.get(&c.email).copied()));
    }
    Ok(ids)
}

/// The demo data's generator, with the draws a history needs.
#[derive(Debug, Clone)]
struct Dice(SplitMix64);

impl Dice {
    fn new(seed: u64) -> Dice {
        Dice(SplitMix64::new(seed))
    }

    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn uuid(&mut self) -> Uuid {
        let bits = (u128::from(self.next()) << 64) | u128::from(self.next());
        uuid::Builder::from_random_bytes(bits.to_be_bytes()).into_uuid()
    }

    /// An index drawn by cumulative weights.
    fn pick(&mut self, cumulative: &[f64]) -> usize {
        let total = cumulative.last().copied().unwrap_or(0.0);
        let x = self.unit() * total;
        cumulative.partition_point(|&c| c <= x).min(cumulative.len().saturating_sub(1))
    }
}

fn cumulative(weights: impl IntoIterator<Item = f64>) -> Vec<f64> {
    weights
        .into_iter()
        .scan(0.0, |sum, w| {
            *sum += w;
            Some(*sum)
        })
        .collect()
}

/// How busy a day is: weekends, the festival season, and a store growing over the year.
fn day_weight(day: NaiveDate, first: NaiveDate) -> f64 {
    let weekend = if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) { 1.4 } else { 1.0 };
    let festival = match (day.month(), day.day()) {
        (10, d) if d >= 15 => 2.2,
        (10, _) => 1.6,
        (11, d) if d <= 15 => 2.4,
        _ => 1.0,
    };
    let growth = 0.8 + 0.4 * (day - first).num_days() as f64 / 365.0;
    weekend * festival * growth
}

/// Orders by IST hour: quiet at night, busiest in the evening.
const HOUR_WEIGHTS: [f64; 24] =
    [2., 1., 0.5, 0.3, 0.3, 0.5, 1., 2., 3., 4., 5., 5., 6., 6., 5., 5., 5., 6., 7., 8., 9., 9., 7., 4.];
/// Lines in an order, 1 to 6: 3.3 on average.
const LINE_WEIGHTS: [f64; 6] = [0.14, 0.19, 0.22, 0.21, 0.15, 0.09];

const FIRST_NAMES: [&str; 24] = [
    "Aarav", "Vivaan", "Aditya", "Arjun", "Sai", "Reyansh", "Krishna", "Ishaan", "Rohan", "Kabir", "Ananya", "Diya",
    "Aadhya", "Saanvi", "Priya", "Meera", "Kavya", "Isha", "Nisha", "Pooja", "Rahul", "Vikram", "Sneha", "Lakshmi",
];
const LAST_NAMES: [&str; 16] = [
    "Sharma", "Verma", "Iyer", "Nair", "Reddy", "Patel", "Shah", "Gupta", "Singh", "Das", "Menon", "Rao", "Joshi",
    "Kulkarni", "Banerjee", "Pillai",
];

/// The generator's state: the PRNG, the catalog by popularity, the days by busyness.
struct History {
    rng: Dice,
    seed: u64,
    now: DateTime<Utc>,
    catalog: Vec<ProductSummary>,
    popularity: Vec<f64>,
    days: Vec<NaiveDate>,
    busyness: Vec<f64>,
    hours: Vec<f64>,
    line_counts: Vec<f64>,
    customers: Vec<Uuid>,
    admin: Uuid,
}

impl History {
    fn new(seed: u64, now: DateTime<Utc>, mut catalog: Vec<ProductSummary>) -> History {
        let mut rng = Dice::new(seed);
        // Which products sell best is the seed's choice: shuffle, then rank 1/k^1.1.
        for i in (1..catalog.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            catalog.swap(i, j);
        }
        let popularity = cumulative((1..=catalog.len()).map(|rank| 1.0 / (rank as f64).powf(1.1)));
        let today = ist_day(now);
        let first = today - Duration::days(364);
        let days: Vec<NaiveDate> = first.iter_days().take(365).collect();
        let busyness = cumulative(days.iter().map(|&day| day_weight(day, first)));
        let admin = rng.uuid();
        History {
            rng,
            seed,
            now,
            catalog,
            popularity,
            days,
            busyness,
            hours: cumulative(HOUR_WEIGHTS),
            line_counts: cumulative(LINE_WEIGHTS),
            customers: Vec::new(),
            admin,
        }
    }

    fn customer(&mut self, n: usize) -> BulkCustomer {
        let first = FIRST_NAMES[self.rng.below(FIRST_NAMES.len() as u64) as usize];
        let last = LAST_NAMES[self.rng.below(LAST_NAMES.len() as u64) as usize];
        let joined = self.now - Duration::days(365 + self.rng.below(400) as i64);
        BulkCustomer {
            id: self.rng.uuid(),
            email: format!("{}.{}.{}.{n}@demo.rigmaster.in", first.to_lowercase(), last.to_lowercase(), self.seed),
            name: format!("{first} {last}"),
            phone: None,
            created_at: joined,
        }
    }

    /// When an order was placed: a busy day, a busy hour, never after now.
    fn placed_at(&mut self) -> DateTime<Utc> {
        let day = self.days[self.rng.pick(&self.busyness)];
        let midnight = ist_midnight(day).unwrap_or(self.now);
        let hour = self.rng.pick(&self.hours) as i64;
        let at = midnight + Duration::hours(hour) + Duration::seconds(self.rng.below(3_600) as i64);
        if at < self.now {
            at
        } else {
            let since = (self.now - midnight).num_seconds().max(1);
            midnight + Duration::seconds(self.rng.below(since as u64) as i64)
        }
    }

    fn lines(&mut self) -> Vec<HistoricalLine> {
        let wanted = (self.rng.pick(&self.line_counts) + 1).min(self.catalog.len());
        let mut chosen: Vec<usize> = Vec::with_capacity(wanted);
        while chosen.len() < wanted {
            let product = self.rng.pick(&self.popularity);
            if !chosen.contains(&product) {
                chosen.push(product);
            }
        }
        chosen
            .into_iter()
            .map(|i| {
                let quantity = match self.rng.unit() {
                    x if x < 0.85 => 1,
                    x if x < 0.97 => 2,
                    _ => 3,
                };
                let product = &self.catalog[i];
                HistoricalLine {
                    product_id: product.id,
                    sku: product.sku.clone(),
                    name: product.name.clone(),
                    brand: product.brand.clone(),
                    image: product.image.clone(),
                    unit_price_paise: product.price.unit.paise(),
                    tax_rate_bps: product.price.tax_rate_bps as i32,
                    unit_tax_paise: product.price.tax.paise(),
                    quantity,
                    tax_paise: 0,
                    line_total_paise: 0,
                }
            })
            .collect()
    }

    fn order(&mut self) -> HistoricalOrder {
        let id = self.rng.uuid();
        let user_id = self.customers[(self.rng.unit().powi(2) * self.customers.len() as f64) as usize];
        let placed = self.placed_at();
        let mut lines = self.lines();
        let prices: Vec<LinePrice> = lines
            .iter()
            .map(|l| LinePrice {
                unit_price: Money::from_paise(l.unit_price_paise),
                unit_tax: Money::from_paise(l.unit_tax_paise),
                tax_rate_bps: l.tax_rate_bps as u32,
                quantity: l.quantity,
            })
            .collect();
        // Catalog prices are bounded; a basket of six of them cannot overflow.
        let (priced, totals) = price_basket(&prices, Money::ZERO).unwrap_or_else(|_| unreachable!("demo prices"));
        for (line, price) in lines.iter_mut().zip(&priced) {
            line.tax_paise = price.tax.paise();
            line.line_total_paise = price.total.paise();
        }
        let cod = totals.total.paise() <= COD_MAX_PAISE && self.rng.chance(0.35);
        let age_days = (self.now - placed).num_hours() as f64 / 24.0;
        let minutes = |m: i64| Duration::minutes(m);
        let mut order = HistoricalOrder {
            id,
            user_id,
            placed_at: placed,
            status: "paid",
            cancel_reason: None,
            payment_method: if cod { "cod" } else { "razorpay" },
            payment_status: if cod { "cod" } else { "captured" },
            razorpay: None,
            paid_at: None,
            shipped_at: None,
            delivered_at: None,
            subtotal_paise: totals.subtotal.paise(),
            tax_paise: totals.tax.paise(),
            shipping_paise: totals.shipping.paise(),
            total_paise: totals.total.paise(),
            refunded_paise: 0,
            lines,
            history: Vec::new(),
            refunds: Vec::new(),
            returns: Vec::new(),
        };
        if !cod {
            order.history.push(("payment_pending", placed));
        }
        if self.rng.chance(0.04) {
            order.status = "cancelled";
            let (reason, after) = if cod || self.rng.chance(0.5) { ("customer", 7) } else { ("expired", 15) };
            order.cancel_reason = Some(reason);
            if !cod {
                // As the live path leaves them: an expired order's payment failed.
                order.payment_status = if reason == "expired" { "failed" } else { "pending" };
            }
            order.history.push(("cancelled", placed + minutes(after)));
            return order;
        }
        if cod {
            order.status = "confirmed";
            order.history.push(("confirmed", placed));
        } else {
            let hex = id.simple().to_string();
            order.razorpay = Some((format!("order_demo{}", &hex[..14]), format!("pay_demo{}", &hex[..14])));
            order.paid_at = Some(placed + minutes(2));
            order.history.push(("paid", placed + minutes(2)));
        }
        // Packed within a day, shipped the next, delivered three days later.
        let packed = placed + Duration::hours(18 + self.rng.below(8) as i64);
        let shipped = packed + Duration::hours(20 + self.rng.below(10) as i64);
        let delivered = shipped + Duration::hours(48 + self.rng.below(48) as i64);
        for (status, at) in [("packed", packed), ("shipped", shipped), ("delivered", delivered)] {
            if at >= self.now {
                break;
            }
            order.status = status;
            order.history.push((status, at));
        }
        if order.status == "shipped" {
            order.shipped_at = Some(shipped);
        }
        if order.status == "delivered" {
            order.shipped_at = Some(shipped);
            order.delivered_at = Some(delivered);
            if age_days > 12.0 {
                self.after_delivery(&mut order, delivered, cod);
            }
        }
        order
    }

    /// Some delivered orders come back in whole or part, or get a goodwill refund.
    fn after_delivery(&mut self, order: &mut HistoricalOrder, delivered: DateTime<Utc>, cod: bool) {
        let at = delivered + Duration::hours(24 + self.rng.below(96) as i64);
        let roll = self.rng.unit();
        if roll < 0.03 {
            // Returned whole: a paid order refunded in full, a COD order just returned.
            let items = order.lines.iter().map(|l| (l.product_id, l.quantity)).collect();
            let refund = (!cod).then(|| self.refund(order, order.total_paise, "return", "goods returned", at));
            order.returns.push(HistoricalReturn {
                id: self.rng.uuid(),
                at,
                refund_id: refund,
                created_by: self.admin,
                items,
            });
            order.status = if cod { "returned" } else { "refunded" };
            if !cod {
                order.payment_status = "refunded";
            }
            order.history.push((order.status, at));
        } else if roll < 0.05 && !cod {
            // One unit of one line back, with its price.
            let line = &order.lines[self.rng.below(order.lines.len() as u64) as usize];
            let (product, unit_total) = (line.product_id, line.line_total_paise / line.quantity);
            let refund = self.refund(order, unit_total, "return", "goods returned", at);
            order.returns.push(HistoricalReturn {
                id: self.rng.uuid(),
                at,
                refund_id: Some(refund),
                created_by: self.admin,
                items: vec![(product, 1)],
            });
        } else if roll < 0.09 && !cod {
            // A goodwill refund of 5–20 %.
            let share = 5 + self.rng.below(16) as i64;
            let amount = (order.total_paise * share / 100).max(1);
            self.refund(order, amount, "admin", "goodwill", at);
        }
    }

    fn refund(
        &mut self,
        order: &mut HistoricalOrder,
        amount: i64,
        kind: &'static str,
        reason: &'static str,
        at: DateTime<Utc>,
    ) -> Uuid {
        let id = self.rng.uuid();
        order.refunds.push(HistoricalRefund { id, amount_paise: amount, kind, reason, processed_at: at });
        order.refunded_paise += amount;
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_numbers() {
        let (mut a, mut b) = (Dice::new(7), Dice::new(7));
        assert!((0..100).all(|_| a.next() == b.next()));
        assert_ne!(Dice::new(7).next(), Dice::new(8).next());
    }

    #[test]
    fn an_order_has_three_point_three_lines_on_average() {
        let mean: f64 = LINE_WEIGHTS.iter().zip(1..).map(|(w, n)| w * f64::from(n)).sum();
        assert!((mean - 3.3).abs() < 0.05, "{mean}");
    }

    #[test]
    fn festival_weekends_are_the_busiest_days() {
        let first = NaiveDate::from_ymd_opt(2025, 11, 27).unwrap();
        let diwali_sunday = NaiveDate::from_ymd_opt(2026, 11, 8).unwrap();
        let june_tuesday = NaiveDate::from_ymd_opt(2026, 6, 9).unwrap();
        assert!(day_weight(diwali_sunday, first) > 3.0 * day_weight(june_tuesday, first));
    }
}

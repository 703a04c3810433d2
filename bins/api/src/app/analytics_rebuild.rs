//! `rigmaster analytics rebuild`: the sales figures recomputed from the orders. Orders
//! gives every order's facts a page at a time, analytics stages what each should add and
//! compares every table with it, all in one transaction that holds the figures' rebuild
//! lock alone, and the tables are then replaced in that transaction. `--check` only
//! compares, in one snapshot, holding no payment or refund off meanwhile.

use analytics::{PgSalesRebuild, RebuildReport};
use anyhow::Context as _;
use sqlx::PgPool;

use crate::adapters::order_sales;
use crate::state::OrdersService;

/// Orders read and staged at a time.
const PAGE: i64 = 5_000;

/// Whether a rebuild only reports, or also puts right what differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebuildMode {
    Check,
    Fix,
}

/// What a rebuild found, and whether it replaced the figures.
#[derive(Debug)]
pub struct RebuildOutcome {
    pub orders: usize,
    pub report: RebuildReport,
    pub fixed: bool,
}

/// Compares the sales figures with every order and, in [`RebuildMode::Fix`], replaces
/// them with the expected ones when they differ. Errors: storage failures, an order the
/// figures cannot read.
#[tracing::instrument(name = "app.analytics_rebuild", skip_all, fields(?mode))]
pub async fn rebuild_sales(pool: &PgPool, orders: &OrdersService, mode: RebuildMode) -> anyhow::Result<RebuildOutcome> {
    let rebuild = PgSalesRebuild;
    let mut tx = pool.begin().await.context("beginning the rebuild")?;
    match mode {
        RebuildMode::Check => rebuild.begin_check(&mut tx).await?,
        RebuildMode::Fix => rebuild.begin(&mut tx).await?,
    }
    let mut staged = 0;
    let mut after = None;
    loop {
        let page = orders.sales_facts_after(&mut tx, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.order_id);
        let sales = page.iter().map(order_sales).collect::<anyhow::Result<Vec<_>>>()?;
        rebuild.stage(&mut tx, &sales).await?;
        staged += page.len();
    }
    let report = rebuild.compare(&mut tx).await?;
    let fixed = mode == RebuildMode::Fix && !report.is_clean();
    if fixed {
        rebuild.replace(&mut tx).await?;
        tx.commit().await.context("committing the rebuilt figures")?;
    } else {
        tx.rollback().await.context("ending the rebuild")?;
    }
    Ok(RebuildOutcome { orders: staged, report, fixed })
}

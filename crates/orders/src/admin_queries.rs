//! The admin's reads: any order, found by what it is and who placed it, and one order
//! with everything done about it (refunds, returns, the Razorpay orders made for it).
//! Nothing here checks who is asking: the caller is an admin.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::{Cursor, InvalidCursor, Limit, Page};
use uuid::Uuid;

use crate::deps::Deps;
use crate::model::{Order, RefundRecord, ReturnRecord};
use crate::search::{OrderFilter, OrderSearchStore as _};
use crate::status::OrderStatus;
use crate::stores::{OrderStore as _, PaymentAttemptStore as _, RefundStore as _, ReturnStore as _, Stores};

/// An order as the admin reads it: the order, its refunds and returns (oldest first), and
/// the Razorpay orders made for it (oldest first; their payments live in the payments
/// domain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminOrderView {
    pub order: Order,
    pub refunds: Vec<RefundRecord>,
    pub returns: Vec<ReturnRecord>,
    pub razorpay_orders: Vec<String>,
}

/// How an admin names an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderKey {
    Id(Uuid),
    Number(String),
}

#[derive(Debug, thiserror::Error)]
pub enum SearchOrdersError {
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

pub(crate) struct AdminQueries<'a, C, P, K, S, L> {
    pub(crate) deps: &'a Deps<C, P, K, S, L>,
}

impl<C, P, K, S: Stores, L> AdminQueries<'_, C, P, K, S, L> {
    /// Orders matching `filter`, newest first, by keyset; each with its refunds, returns
    /// and Razorpay orders, read for the whole page at once.
    #[tracing::instrument(name = "orders.admin_search", skip(self))]
    pub(crate) async fn search(
        &self,
        filter: &OrderFilter,
        limit: Limit,
        after: Option<&Cursor>,
    ) -> Result<Page<AdminOrderView>, SearchOrdersError> {
        let after: Option<(DateTime<Utc>, Uuid)> = after.map(|c| Cursor::decode_after(c.as_str())).transpose()?;
        let search = self.deps.stores.search();
        let page = search.search(filter, limit, after).await?;
        let ids: Vec<Uuid> = page.items.iter().map(|order| order.id).collect();
        if ids.is_empty() {
            return Ok(Page { items: Vec::new(), next_cursor: None });
        }
        let mut refunds = search.refunds_of(&ids).await?;
        let mut returns = search.returns_of(&ids).await?;
        let mut attempts = search.attempts_of(&ids).await?;
        Ok(page.map(|order| AdminOrderView {
            refunds: refunds.remove(&order.id).unwrap_or_default(),
            returns: returns.remove(&order.id).unwrap_or_default(),
            razorpay_orders: attempts.remove(&order.id).unwrap_or_default(),
            order,
        }))
    }

    /// One order, by id or number, with its refunds, returns and Razorpay orders.
    #[tracing::instrument(name = "orders.admin_view", skip(self))]
    pub(crate) async fn view(&self, key: &OrderKey) -> anyhow::Result<Option<AdminOrderView>> {
        let stores = &self.deps.stores;
        let id = match key {
            OrderKey::Id(id) => *id,
            OrderKey::Number(number) => match stores.search().id_of_number(number).await? {
                Some(id) => id,
                None => return Ok(None),
            },
        };
        let mut conn = stores.connect().await.context("reading an order for an admin")?;
        let Some(order) = stores.orders().load(&mut conn, id).await? else {
            return Ok(None);
        };
        let refunds = stores.refunds().of_order(&mut conn, id).await?;
        let returns = stores.returns().of_order(&mut conn, id).await?;
        drop(conn);
        let razorpay_orders = stores.attempts().of_order(id).await?;
        Ok(Some(AdminOrderView { order, refunds, returns, razorpay_orders }))
    }

    /// How many orders are in each status, every status listed (zero when none).
    #[tracing::instrument(name = "orders.count_by_status", skip(self))]
    pub(crate) async fn count_by_status(&self) -> anyhow::Result<Vec<(OrderStatus, i64)>> {
        let counted = self.deps.stores.search().count_by_status().await?;
        Ok(OrderStatus::ALL
            .into_iter()
            .map(|status| {
                let count = counted.iter().find(|(s, _)| *s == status).map_or(0, |(_, count)| *count);
                (status, count)
            })
            .collect())
    }
}

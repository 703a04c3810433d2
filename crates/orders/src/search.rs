//! The admin's reads across every order (a port; [`crate::postgres::PgOrderSearch`]
//! implements it): finding orders by what they are and who placed them, reading the
//! refunds, returns and Razorpay orders of a whole page at once, and counting orders by
//! status. Every filter has an index behind it (see the store's queries).

use std::collections::HashMap;
use std::future::Future;

use chrono::{DateTime, Utc};
use kernel::{Limit, Page};
use uuid::Uuid;

use crate::model::{Order, PaymentMethod, RefundRecord, ReturnRecord};
use crate::status::OrderStatus;

/// Which orders an admin is looking for; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub method: Option<PaymentMethod>,
    /// `Some(true)`: only orders flagged for an admin; `Some(false)`: only the others.
    pub needs_attention: Option<bool>,
    /// Only orders placed by one of these customers (`Some` of none: no order at all).
    pub customers: Option<Vec<Uuid>>,
    /// Only the order with this number.
    pub number: Option<String>,
    /// Placed at or after this instant.
    pub placed_from: Option<DateTime<Utc>>,
    /// Placed before this instant.
    pub placed_before: Option<DateTime<Utc>>,
}

impl OrderFilter {
    /// Whether no order can match (a customer search that found nobody).
    pub fn matches_nothing(&self) -> bool {
        self.customers.as_ref().is_some_and(Vec::is_empty)
            || matches!((self.placed_from, self.placed_before), (Some(from), Some(before)) if from >= before)
    }
}

/// Reads over many orders, each on a connection of its own.
pub trait OrderSearchStore: Send + Sync {
    /// Orders matching `filter`, newest first (created at, id), after `after`.
    fn search(
        &self,
        filter: &OrderFilter,
        limit: Limit,
        after: Option<(DateTime<Utc>, Uuid)>,
    ) -> impl Future<Output = anyhow::Result<Page<Order>>> + Send;

    /// The id of the order with this number.
    fn id_of_number(&self, number: &str) -> impl Future<Output = anyhow::Result<Option<Uuid>>> + Send;

    /// The refunds of each order, oldest first.
    fn refunds_of(
        &self,
        orders: &[Uuid],
    ) -> impl Future<Output = anyhow::Result<HashMap<Uuid, Vec<RefundRecord>>>> + Send;

    /// The returns of each order, oldest first.
    fn returns_of(
        &self,
        orders: &[Uuid],
    ) -> impl Future<Output = anyhow::Result<HashMap<Uuid, Vec<ReturnRecord>>>> + Send;

    /// The Razorpay orders made for each order, oldest first.
    fn attempts_of(&self, orders: &[Uuid]) -> impl Future<Output = anyhow::Result<HashMap<Uuid, Vec<String>>>> + Send;

    /// How many orders are in each status (statuses without orders left out).
    fn count_by_status(&self) -> impl Future<Output = anyhow::Result<Vec<(OrderStatus, i64)>>> + Send;
}

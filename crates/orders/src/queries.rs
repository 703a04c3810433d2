//! Reading a customer's orders.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::{Cursor, InvalidCursor, Limit, Page};
use uuid::Uuid;

use crate::deps::Deps;
use crate::model::Order;
use crate::stores::{OrderStore as _, Stores};

#[derive(Debug, thiserror::Error)]
pub enum ListOrdersError {
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A customer's own orders.
pub(crate) struct OrderQueries<'a, C, P, K, S, L> {
    pub(crate) deps: &'a Deps<C, P, K, S, L>,
}

impl<C, P, K, S: Stores, L> OrderQueries<'_, C, P, K, S, L> {
    /// The customer's own order; someone else's is `None`, as if it did not exist.
    #[tracing::instrument(name = "orders.get", skip(self))]
    pub(crate) async fn get_for(&self, user: Uuid, order_id: Uuid) -> anyhow::Result<Option<Order>> {
        let stores = &self.deps.stores;
        let mut conn = stores.connect().await.context("reading an order")?;
        Ok(stores.orders().load(&mut conn, order_id).await?.filter(|order| order.user_id == user))
    }

    /// The customer's orders, newest first, by keyset.
    #[tracing::instrument(name = "orders.list", skip(self))]
    pub(crate) async fn list_for(
        &self,
        user: Uuid,
        limit: Limit,
        after: Option<&Cursor>,
    ) -> Result<Page<Order>, ListOrdersError> {
        let after: Option<(DateTime<Utc>, Uuid)> = after.map(|c| Cursor::decode_after(c.as_str())).transpose()?;
        Ok(self.deps.stores.orders().list_for_user(user, limit, after).await?)
    }
}

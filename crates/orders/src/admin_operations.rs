//! What an admin does to orders: moves them through their lifecycle (pack, ship with
//! tracking, deliver, cancel), records returns (restocking part of what was sold), refunds
//! in part or whole, and cancels in bulk. Every move goes through [`check_move`]; every
//! write is recorded in the audit trail in its own transaction.
//!
//! Locks, as everywhere (see [`crate::service`]): the order's stock lock, then its row;
//! refunds are counted against the capture under that row lock, so however many refunds
//! race for one order, their sum never passes what its payment captured.

use std::collections::{BTreeMap, HashSet};

use anyhow::Context as _;
use chrono::Utc;
use kernel::audit::{AuditLog, Change};
use kernel::{FieldError, InvalidInput, Money, Quantity};
use serde_json::json;
use uuid::Uuid;

use crate::cancellation::CancelError;
use crate::deps::{Deps, MoveError};
use crate::model::{PaymentMethod, RefundKind, RefundRecord, ReturnRecord, ReturnedUnits};
use crate::payments::FollowUp;
use crate::ports::{OrderRecords, OrderStock, PaymentProvider, ProductCatalog, RefundRequestedHook, StockLine, Tx};
use crate::refunds::RefundRefusal;
use crate::status::{CancelReason, InvalidTransition, OrderStatus, check_move};
use crate::stores::{LockedOrder, NewShipment, OrderStore as _, RefundStore as _, ReturnStore as _, Stores};

/// The audit trail's connection type: the transaction's own.
pub type AuditConn = Tx;

#[derive(Debug, thiserror::Error)]
pub enum AdminOrderError {
    #[error("no such order")]
    NotFound,
    #[error(transparent)]
    InvalidTransition(#[from] InvalidTransition),
    /// A legal move an admin does not make through a status change: payments move orders
    /// to `paid` …, shipping needs its tracking, returns their units, online refunds their
    /// money. `hint` says what to do instead.
    #[error("an admin does not move an order to {to} this way: {hint}")]
    NotAnAdminMove { to: OrderStatus, hint: &'static str },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<MoveError> for AdminOrderError {
    fn from(error: MoveError) -> Self {
        match error {
            MoveError::Invalid(invalid) => AdminOrderError::InvalidTransition(invalid),
            MoveError::Unexpected(cause) => AdminOrderError::Unexpected(cause),
        }
    }
}

impl From<CancelError> for AdminOrderError {
    fn from(error: CancelError) -> Self {
        match error {
            CancelError::NotFound => AdminOrderError::NotFound,
            CancelError::InvalidTransition(invalid) => AdminOrderError::InvalidTransition(invalid),
            CancelError::Unexpected(cause) => AdminOrderError::Unexpected(cause),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    #[error("no such order")]
    NotFound,
    #[error("the refund cannot be made: {0:?}")]
    Refused(RefundRefusal),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum ReturnError {
    #[error("no such order")]
    NotFound,
    /// Only a shipped or delivered order takes returns.
    #[error(transparent)]
    InvalidTransition(#[from] InvalidTransition),
    /// Lines naming a product the order did not sell, or more units than are still out;
    /// each named (`items[i].product_id`, `items[i].quantity`).
    #[error("the returned lines are not valid")]
    Invalid(InvalidInput),
    /// The refund that came with the return cannot be made.
    #[error("the refund cannot be made: {0:?}")]
    Refund(RefundRefusal),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<MoveError> for ReturnError {
    fn from(error: MoveError) -> Self {
        match error {
            MoveError::Invalid(invalid) => ReturnError::InvalidTransition(invalid),
            MoveError::Unexpected(cause) => ReturnError::Unexpected(cause),
        }
    }
}

/// A return as the admin records it: parsed lines (one per product), whether the units go
/// back on sale, why, and what to refund with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRequest {
    pub lines: Vec<(Uuid, Quantity)>,
    pub restock: bool,
    pub reason: String,
    pub refund: Option<Money>,
}

/// What became of one order of a bulk cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkCancelOutcome {
    Cancelled,
    NotFound,
    InvalidTransition,
    /// A storage failure; the order is unchanged (its transaction rolled back).
    Failed,
}

/// What the admin's status change route does for each legal target status.
fn admin_move(order: &LockedOrder, to: OrderStatus) -> Result<(), AdminOrderError> {
    let hint = match to {
        OrderStatus::Packed | OrderStatus::Delivered | OrderStatus::Cancelled => return Ok(()),
        OrderStatus::Refunded if order.payment_method == PaymentMethod::Cod => return Ok(()),
        OrderStatus::Shipped => "ship it with POST /admin/orders/{id}/ship, with the carrier and tracking number",
        OrderStatus::Returned => "record the units that came back with POST /admin/orders/{id}/returns",
        OrderStatus::Refunded => {
            "refund the online payment with POST /admin/orders/{id}/refund; the order becomes refunded when \
             Razorpay reports everything back"
        }
        OrderStatus::PaymentPending | OrderStatus::Paid | OrderStatus::PaymentFailed | OrderStatus::Confirmed => {
            "only payments move an order to this status"
        }
    };
    Err(AdminOrderError::NotAnAdminMove { to, hint })
}

/// An admin's order operations.
pub(crate) struct AdminOperations<'a, C, P, K, S, L> {
    pub(crate) deps: &'a Deps<C, P, K, S, L>,
}

impl<C: ProductCatalog, P: PaymentProvider, K: OrderStock, S: Stores, L: OrderRecords>
    AdminOperations<'_, C, P, K, S, L>
{
    /// Locks the order (its stock lock, then its row) in a new transaction.
    async fn begin_locked(
        &self,
        order_id: Uuid,
    ) -> anyhow::Result<Option<(crate::postgres::Transaction, LockedOrder)>> {
        let deps = self.deps;
        let mut tx = deps.stores.begin().await.context("starting an admin order change")?;
        deps.stock.lock_order(&mut tx, order_id).await?;
        Ok(deps.stores.orders().lock(&mut tx, order_id).await?.map(|order| (tx, order)))
    }

    /// Moves the order to `to` (packed, delivered, cancelled, or a cash-on-delivery order
    /// refunded in cash), with `note` in its history. Cancelling releases or restocks its
    /// stock and refunds what it captured online, as a customer's cancel does. Errors:
    /// `NotFound`, `InvalidTransition` (the state machine refuses; nothing changed),
    /// `NotAnAdminMove`, `Unexpected`.
    #[tracing::instrument(name = "orders.admin_change_status", skip(self, audit))]
    pub(crate) async fn change_status(
        &self,
        order_id: Uuid,
        to: OrderStatus,
        note: Option<&str>,
        audit: &impl AuditLog<AuditConn>,
    ) -> Result<(), AdminOrderError> {
        let deps = self.deps;
        let (mut tx, order) = self.begin_locked(order_id).await?.ok_or(AdminOrderError::NotFound)?;
        check_move(order.state(), to)?;
        admin_move(&order, to)?;
        let mut refunds = Vec::new();
        match to {
            OrderStatus::Cancelled => {
                let note = match note {
                    Some(note) => format!("cancelled by an admin: {note}"),
                    None => "cancelled by an admin".to_owned(),
                };
                refunds = deps.cancellation().cancel_locked(&mut tx, &order, CancelReason::Admin, &note).await?;
                for &refund in &refunds {
                    self.audit_refund(&mut tx, refund, audit).await?;
                }
            }
            OrderStatus::Delivered => {
                deps.stores.orders().set_delivered(&mut tx, order.id).await?;
                deps.move_order(&mut tx, &order, to, note).await?;
            }
            _ => deps.move_order(&mut tx, &order, to, note).await?,
        }
        let before = json!({ "status": order.status.as_str() });
        let after = json!({ "status": to.as_str(), "note": note });
        audit.record(&mut tx, Change::updated("order.status", "order", order.id, &before, &after)).await?;
        tx.commit().await.context("committing an admin order change")?;
        deps.payments().follow_up(FollowUp { capture: None, refunds }).await;
        Ok(())
    }

    /// Ships a packed order with its courier's tracking: `shipped`, and the customer's
    /// order shows the shipment. Errors: `NotFound`, `InvalidTransition`, `Unexpected`.
    #[tracing::instrument(name = "orders.admin_ship", skip(self, audit))]
    pub(crate) async fn ship(
        &self,
        order_id: Uuid,
        shipment: &NewShipment,
        audit: &impl AuditLog<AuditConn>,
    ) -> Result<(), AdminOrderError> {
        let deps = self.deps;
        let (mut tx, order) = self.begin_locked(order_id).await?.ok_or(AdminOrderError::NotFound)?;
        check_move(order.state(), OrderStatus::Shipped)?;
        deps.stores.orders().set_shipment(&mut tx, order.id, shipment).await?;
        let note = format!("shipped by {}, tracking number {}", shipment.carrier, shipment.tracking_number);
        deps.move_order(&mut tx, &order, OrderStatus::Shipped, Some(&note)).await?;
        let before = json!({ "status": order.status.as_str() });
        let after = json!({
            "status": OrderStatus::Shipped.as_str(),
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "tracking_url": shipment.tracking_url,
            "description": shipment.description,
        });
        audit.record(&mut tx, Change::updated("order.ship", "order", order.id, &before, &after)).await?;
        tx.commit().await.context("committing a shipment")?;
        Ok(())
    }

    /// Refunds `amount` (everything left when `None`) of the order's online payment: the
    /// refund is written `due` (and `requested` told of it) in one transaction, then sent
    /// to Razorpay. Errors: `NotFound`, `Refused` (nothing captured online, or more than
    /// the capture less every refund not failed), `Unexpected`.
    #[tracing::instrument(name = "orders.admin_refund", skip(self, requested, audit))]
    pub(crate) async fn refund(
        &self,
        order_id: Uuid,
        amount: Option<Money>,
        reason: &str,
        requested: &impl RefundRequestedHook,
        audit: &impl AuditLog<AuditConn>,
    ) -> Result<RefundRecord, RefundError> {
        let deps = self.deps;
        let (mut tx, order) = self.begin_locked(order_id).await?.ok_or(RefundError::NotFound)?;
        let refund = deps.refunds().owe(&mut tx, &order, amount, reason, RefundKind::Admin).await?;
        let refund = refund.map_err(RefundError::Refused)?;
        requested.refund_requested(&mut tx, refund).await?;
        let written = self.audit_refund(&mut tx, refund, audit).await?;
        tx.commit().await.context("committing a refund")?;
        deps.payments().follow_up(FollowUp { capture: None, refunds: vec![refund] }).await;
        // The refund is made and attached to its key: from here on the answer must not be
        // an error, or the key would be let go and a retry would refund again.
        match self.refund_record(refund).await {
            Ok(now) => Ok(now),
            Err(error) => {
                tracing::warn!(error = %format!("{error:#}"), %refund, "re-reading a refund failed; answering as written");
                Ok(written)
            }
        }
    }

    /// One refund as it stands now.
    pub(crate) async fn refund_record(&self, refund: Uuid) -> anyhow::Result<RefundRecord> {
        let mut conn = self.deps.stores.connect().await.context("reading a refund")?;
        self.deps.stores.refunds().get(&mut conn, refund).await?.context("a refund vanished")
    }

    /// Records a refund's creation in the audit trail; the refund as written.
    async fn audit_refund(
        &self,
        tx: &mut Tx,
        refund: Uuid,
        audit: &impl AuditLog<AuditConn>,
    ) -> anyhow::Result<RefundRecord> {
        let record = self.deps.stores.refunds().get(tx, refund).await?.context("a refund vanished")?;
        let after = json!({
            "order_id": record.order_id,
            "razorpay_payment_id": record.payment_id,
            "amount_paise": record.amount.paise(),
            "kind": record.kind.as_str(),
            "reason": record.reason,
        });
        audit.record(tx, Change::created("refund.create", "refund", refund, after)).await?;
        Ok(record)
    }

    /// Records units the customer sent back from a shipped or delivered order: never more
    /// of a product than the order sold less earlier returns; restocked (ledger kind
    /// `restock`) when asked; refunded in part when `refund` says so. When every unit is
    /// back the order becomes `returned` (and `refunded` if everything captured is back
    /// already). Errors: `NotFound`, `InvalidTransition`, `Invalid` (each line named),
    /// `Refund`, `Unexpected`.
    #[tracing::instrument(name = "orders.admin_record_return", skip(self, request, audit))]
    pub(crate) async fn record_return(
        &self,
        order_id: Uuid,
        request: &ReturnRequest,
        actor: Uuid,
        audit: &impl AuditLog<AuditConn>,
    ) -> Result<ReturnRecord, ReturnError> {
        let deps = self.deps;
        let (mut tx, order) = self.begin_locked(order_id).await?.ok_or(ReturnError::NotFound)?;
        if !matches!(order.status, OrderStatus::Shipped | OrderStatus::Delivered) {
            return Err(InvalidTransition { from: order.status, to: OrderStatus::Returned }.into());
        }
        let sold = deps.stores.orders().lines(&mut tx, order.id).await?;
        let returned = deps.stores.returns().returned_units(&mut tx, order.id).await?;
        let out = units_out(&sold, &returned);
        check_return_lines(&request.lines, &out).map_err(ReturnError::Invalid)?;
        if request.restock {
            let lines: Vec<StockLine> =
                request.lines.iter().map(|&(product_id, quantity)| StockLine { product_id, quantity }).collect();
            deps.stock.restock_units(&mut tx, order.id, &lines, &format!("returned: {}", request.reason)).await?;
        }
        let refund = match request.refund {
            Some(amount) => {
                let refund =
                    deps.refunds().owe(&mut tx, &order, Some(amount), &request.reason, RefundKind::Return).await?;
                Some(refund.map_err(ReturnError::Refund)?)
            }
            None => None,
        };
        let record = ReturnRecord {
            id: Uuid::now_v7(),
            order_id: order.id,
            items: request
                .lines
                .iter()
                .map(|&(product_id, quantity)| ReturnedUnits { product_id, quantity: quantity.get() })
                .collect(),
            restock: request.restock,
            reason: request.reason.clone(),
            refund_id: refund,
            created_by: actor,
            created_at: Utc::now(),
        };
        deps.stores.returns().insert(&mut tx, &record).await?;
        let units: i64 = record.items.iter().map(|line| line.quantity).sum();
        let all_back = request.lines.iter().map(|&(product, quantity)| (product, quantity.get())).fold(
            out.clone(),
            |mut out, (product, quantity)| {
                out.entry(product).and_modify(|left| *left -= quantity);
                out
            },
        );
        let note = format!("{units} unit(s) returned: {}", request.reason);
        if all_back.values().all(|&left| left == 0) {
            let now = self.move_returned(&mut tx, &order, &note).await?;
            let before = json!({ "status": order.status.as_str() });
            let after = json!({ "status": now.as_str() });
            audit.record(&mut tx, Change::updated("order.status", "order", order.id, &before, &after)).await?;
        } else {
            deps.stores.orders().add_history(&mut tx, order.id, order.status, Some(&note)).await?;
            deps.record_change(&mut tx, order.id).await?;
        }
        let after = json!({
            "order_id": order.id,
            "items": record.items.iter().map(|line| json!({"product_id": line.product_id, "quantity": line.quantity})).collect::<Vec<_>>(),
            "restock": record.restock,
            "reason": record.reason,
            "refund_id": record.refund_id,
        });
        audit.record(&mut tx, Change::created("return.create", "return", record.id, after)).await?;
        if let Some(refund) = refund {
            self.audit_refund(&mut tx, refund, audit).await?;
        }
        tx.commit().await.context("committing a return")?;
        deps.payments().follow_up(FollowUp { capture: None, refunds: refund.into_iter().collect() }).await;
        Ok(record)
    }

    /// Every unit is back: `returned`, and on to `refunded` at once when everything the
    /// order captured online is back and processed already.
    /// Where the order ends: `returned` or `refunded`.
    async fn move_returned(&self, tx: &mut Tx, order: &LockedOrder, note: &str) -> Result<OrderStatus, MoveError> {
        self.deps.move_order(tx, order, OrderStatus::Returned, Some(note)).await?;
        let returned = LockedOrder { status: OrderStatus::Returned, ..order.clone() };
        self.deps.refunded_if_all_back(tx, &returned).await
    }

    /// Cancels each order in its own transaction, as an admin's cancel does (a paid one
    /// is refunded in full): one order's refusal or failure never holds back the others.
    #[tracing::instrument(name = "orders.admin_bulk_cancel", skip(self, orders, audit), fields(orders = orders.len()))]
    pub(crate) async fn bulk_cancel(
        &self,
        orders: &[Uuid],
        reason: &str,
        audit: &impl AuditLog<AuditConn>,
    ) -> Vec<(Uuid, BulkCancelOutcome)> {
        let mut outcomes = Vec::with_capacity(orders.len());
        for &order_id in orders {
            let outcome = match self.change_status(order_id, OrderStatus::Cancelled, Some(reason), audit).await {
                Ok(()) => BulkCancelOutcome::Cancelled,
                Err(AdminOrderError::NotFound) => BulkCancelOutcome::NotFound,
                Err(AdminOrderError::InvalidTransition(_) | AdminOrderError::NotAnAdminMove { .. }) => {
                    BulkCancelOutcome::InvalidTransition
                }
                Err(AdminOrderError::Unexpected(error)) => {
                    tracing::error!(error = %format!("{error:#}"), %order_id, "cancelling an order of a bulk cancel failed");
                    BulkCancelOutcome::Failed
                }
            };
            outcomes.push((order_id, outcome));
        }
        outcomes
    }
}

/// Units of each product the order sold and has not yet had back.
fn units_out(sold: &[(Uuid, i64)], returned: &[ReturnedUnits]) -> BTreeMap<Uuid, i64> {
    let mut out: BTreeMap<Uuid, i64> = BTreeMap::new();
    for &(product, quantity) in sold {
        *out.entry(product).or_default() += quantity;
    }
    for line in returned {
        if let Some(left) = out.get_mut(&line.product_id) {
            *left -= line.quantity;
        }
    }
    out
}

/// Every line names a product the order sold, once, for at most the units still out.
fn check_return_lines(lines: &[(Uuid, Quantity)], out: &BTreeMap<Uuid, i64>) -> Result<(), InvalidInput> {
    let mut seen = HashSet::new();
    let mut errors = Vec::new();
    for (i, &(product, quantity)) in lines.iter().enumerate() {
        match out.get(&product) {
            None => errors.push(FieldError::new(format!("items[{i}].product_id"), "was not sold in this order")),
            Some(_) if !seen.insert(product) => {
                errors.push(FieldError::new(format!("items[{i}].product_id"), "is named more than once"));
            }
            Some(&left) if quantity.get() > left => errors.push(FieldError::new(
                format!("items[{i}].quantity"),
                format!("at most {left} unit(s) of this product can still come back"),
            )),
            Some(_) => {}
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(InvalidInput(errors)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quantity(n: i64) -> Quantity {
        Quantity::new(n, "quantity").unwrap()
    }

    #[test]
    fn units_out_are_what_was_sold_less_every_earlier_return() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let out = units_out(&[(a, 3), (b, 1)], &[ReturnedUnits { product_id: a, quantity: 2 }]);
        assert_eq!(out, BTreeMap::from([(a, 1), (b, 1)]));
    }

    #[test]
    fn a_return_may_take_back_every_unit_still_out_and_not_one_more() {
        let a = Uuid::from_u128(1);
        let out = BTreeMap::from([(a, 2)]);
        assert!(check_return_lines(&[(a, quantity(2))], &out).is_ok());
        let refused = check_return_lines(&[(a, quantity(3))], &out).unwrap_err();
        assert_eq!(refused.0[0].field, "items[0].quantity");
    }

    #[test]
    fn a_return_names_every_bad_line_at_once() {
        let (a, stranger) = (Uuid::from_u128(1), Uuid::from_u128(9));
        let out = BTreeMap::from([(a, 0)]);
        let refused = check_return_lines(&[(stranger, quantity(1)), (a, quantity(1)), (a, quantity(1))], &out);
        let fields: Vec<String> = refused.unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["items[0].product_id", "items[1].quantity", "items[2].product_id"]);
    }
}

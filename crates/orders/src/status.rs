//! The order state machine: one pure function decides every move.

use std::fmt;

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    PaymentPending,
    /// Cash on delivery: accepted, paid at the door.
    Confirmed,
    Paid,
    Packed,
    Shipped,
    Delivered,
    PaymentFailed,
    Cancelled,
    Returned,
    Refunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 10] = [
        OrderStatus::PaymentPending,
        OrderStatus::Confirmed,
        OrderStatus::Paid,
        OrderStatus::Packed,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::PaymentFailed,
        OrderStatus::Cancelled,
        OrderStatus::Returned,
        OrderStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::PaymentPending => "payment_pending",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Paid => "paid",
            OrderStatus::Packed => "packed",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::PaymentFailed => "payment_failed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Returned => "returned",
            OrderStatus::Refunded => "refunded",
        }
    }

    pub fn parse(raw: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|status| status.as_str() == raw)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a cancelled order was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    /// Its reservation ran out before payment; the order may still be paid (a retry or a
    /// late capture) if its stock can be held again.
    Expired,
    Customer,
    Admin,
}

impl CancelReason {
    pub fn as_str(self) -> &'static str {
        match self {
            CancelReason::Expired => "expired",
            CancelReason::Customer => "customer",
            CancelReason::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<CancelReason> {
        [CancelReason::Expired, CancelReason::Customer, CancelReason::Admin].into_iter().find(|r| r.as_str() == raw)
    }
}

/// What the state machine needs to know about an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderState {
    pub status: OrderStatus,
    pub cancel_reason: Option<CancelReason>,
    /// Money was taken online (a captured Razorpay payment).
    pub paid_online: bool,
}

/// A move the state machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an order cannot go from {from} to {to}")]
pub struct InvalidTransition {
    pub from: OrderStatus,
    pub to: OrderStatus,
}

/// Whether `state` may move to `to`. The contract's moves:
/// `payment_pending→paid|payment_failed|cancelled`; `payment_failed→payment_pending|cancelled`;
/// `paid|confirmed→packed|cancelled`; `packed→shipped|cancelled`; `shipped→delivered|returned`;
/// `delivered→returned`; `cancelled(paid)|returned→refunded`. Plus two for payments that
/// come late: an order cancelled because its reservation expired may go back to
/// `payment_pending` (a retry) or straight to `paid` (a late capture), and a
/// `payment_failed` order may go to `paid` (a capture after a failure).
pub fn check_move(state: OrderState, to: OrderStatus) -> Result<(), InvalidTransition> {
    use OrderStatus::*;
    let expired = state.cancel_reason == Some(CancelReason::Expired);
    let allowed = match (state.status, to) {
        (PaymentPending, Paid | PaymentFailed | Cancelled) => true,
        (PaymentFailed, PaymentPending | Cancelled | Paid) => true,
        (Paid | Confirmed, Packed | Cancelled) => true,
        (Packed, Shipped | Cancelled) => true,
        (Shipped, Delivered | Returned) => true,
        (Delivered, Returned) => true,
        (Cancelled, Refunded) => state.paid_online,
        (Returned, Refunded) => true,
        (Cancelled, PaymentPending | Paid) => expired && !state.paid_online,
        _ => false,
    };
    if allowed { Ok(()) } else { Err(InvalidTransition { from: state.status, to }) }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;
    use super::*;

    fn state(status: OrderStatus) -> OrderState {
        OrderState { status, cancel_reason: None, paid_online: false }
    }

    /// Every legal move; every pair not listed must be refused.
    const LEGAL: &[(OrderStatus, OrderStatus)] = &[
        (PaymentPending, Paid),
        (PaymentPending, PaymentFailed),
        (PaymentPending, Cancelled),
        (PaymentFailed, PaymentPending),
        (PaymentFailed, Cancelled),
        (PaymentFailed, Paid),
        (Paid, Packed),
        (Paid, Cancelled),
        (Confirmed, Packed),
        (Confirmed, Cancelled),
        (Packed, Shipped),
        (Packed, Cancelled),
        (Shipped, Delivered),
        (Shipped, Returned),
        (Delivered, Returned),
        (Returned, Refunded),
    ];

    #[test]
    fn every_pair_of_statuses_is_legal_exactly_when_the_table_says_so() {
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                let legal = LEGAL.contains(&(from, to));
                assert_eq!(check_move(state(from), to).is_ok(), legal, "{from} → {to}");
            }
        }
    }

    #[test]
    fn only_a_cancelled_order_that_was_paid_online_can_be_refunded() {
        let paid = OrderState { status: Cancelled, cancel_reason: Some(CancelReason::Customer), paid_online: true };
        assert!(check_move(paid, Refunded).is_ok());
        let unpaid = OrderState { paid_online: false, ..paid };
        assert!(check_move(unpaid, Refunded).is_err());
    }

    #[test]
    fn an_expired_order_can_be_retried_or_paid_late_but_a_cancelled_one_cannot() {
        let expired = OrderState { status: Cancelled, cancel_reason: Some(CancelReason::Expired), paid_online: false };
        assert!(check_move(expired, PaymentPending).is_ok());
        assert!(check_move(expired, Paid).is_ok());
        assert!(check_move(expired, Packed).is_err());
        for reason in [CancelReason::Customer, CancelReason::Admin] {
            let cancelled = OrderState { cancel_reason: Some(reason), ..expired };
            assert_eq!(check_move(cancelled, Paid), Err(InvalidTransition { from: Cancelled, to: Paid }));
            assert!(check_move(cancelled, PaymentPending).is_err());
        }
    }

    #[test]
    fn statuses_read_back_from_their_names() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(OrderStatus::parse("lost"), None);
    }
}

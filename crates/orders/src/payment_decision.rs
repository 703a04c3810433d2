//! The heart of `mark_paid`, one pure function: what a captured payment does to the
//! order it is for. [`crate::payments`] gathers the facts under the order's locks, asks
//! [`decide`], and applies the answer; nothing here reads or writes anything.
//!
//! The checks, in order: the payment must name a Razorpay order of ours; its amount and
//! currency must be the order's (a mismatch is never paid, only flagged); the payment that
//! paid the order already changes nothing; a payment owed back never pays, whatever
//! arrives after; an order waiting for payment is paid; one that lapsed (its payment
//! failed, or its reservation expired) is paid only if its stock and coupon can be held
//! again; any other order cannot take the payment, which is refunded.

use crate::ports::ProviderPayment;
use crate::status::{CancelReason, OrderStatus};
use crate::stores::{Attempt, LockedOrder};

/// Whether a lapsed order's stock and coupon could be held again for a late payment.
/// Known only once holding was tried: [`decide`] asks for it
/// ([`PaymentDecision::HoldStockAgain`]) and is asked again with the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockAgain {
    NotTried,
    Held,
    /// The stock, or the coupon, is gone.
    Gone,
}

/// What is known about a captured payment.
#[derive(Debug, Clone, Copy)]
pub struct PaymentFacts<'a> {
    pub payment: &'a ProviderPayment,
    /// The payment attempt with the payment's Razorpay order, and its order as read under
    /// its lock; `None` when no order of ours has that Razorpay order.
    pub order: Option<(&'a Attempt, &'a LockedOrder)>,
    /// The payment is owed back already.
    pub owed_back: bool,
    pub stock_again: StockAgain,
}

/// What to do with a captured payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentDecision {
    /// No order of ours has the payment's Razorpay order: flag it for a person.
    FlagUnknownOrder { reason: String },
    /// The amount or currency is not the order's: not paid; flag it.
    FlagMismatch { reason: String },
    /// This payment paid the order already: nothing changes.
    AlreadyPaid,
    /// The payment is owed back already: it never pays the order.
    AlreadyOwedBack,
    /// The order lapsed: hold its stock and coupon again, then decide again.
    HoldStockAgain,
    /// The order cannot take the payment: owe it back, and flag it. `release_coupon`
    /// gives back the coupon use a failed hold may have taken again.
    Refund { reason: String, release_coupon: bool },
    /// Pay the order; `late` when its stock was held again for this payment.
    Pay { late: bool },
}

/// Why a payment that came after its order lapsed is refunded.
pub const LAPSED: &str = "the payment came after the order lapsed and its stock or coupon is gone";

/// What a captured payment does to its order (see the module notes for the order of the
/// checks).
pub fn decide(facts: &PaymentFacts<'_>) -> PaymentDecision {
    let payment = facts.payment;
    let names_attempt = |attempt: &&Attempt| payment.razorpay_order_id.as_deref() == Some(&attempt.razorpay_order_id);
    let Some((attempt, order)) = facts.order.filter(|(attempt, _)| names_attempt(attempt)) else {
        return PaymentDecision::FlagUnknownOrder { reason: no_order_of_ours(payment) };
    };
    if let Some(reason) = mismatch(attempt, payment) {
        return PaymentDecision::FlagMismatch { reason };
    }
    if order.razorpay_payment_id.as_deref() == Some(payment.id.as_str()) {
        return PaymentDecision::AlreadyPaid;
    }
    if facts.owed_back {
        return PaymentDecision::AlreadyOwedBack;
    }
    let state = order.state();
    let lapsed = match state.status {
        OrderStatus::PaymentPending => false,
        OrderStatus::PaymentFailed => true,
        OrderStatus::Cancelled if state.cancel_reason == Some(CancelReason::Expired) && !state.paid_online => true,
        _ => {
            let mut reason = format!("order {} is {} and cannot take this payment", order.order_number, state.status);
            if let Some(paid_by) = &order.razorpay_payment_id {
                reason.push_str(&format!(" (it was paid by {paid_by})"));
            }
            return PaymentDecision::Refund { reason, release_coupon: false };
        }
    };
    match (lapsed, facts.stock_again) {
        (false, _) => PaymentDecision::Pay { late: false },
        (true, StockAgain::NotTried) => PaymentDecision::HoldStockAgain,
        (true, StockAgain::Held) => PaymentDecision::Pay { late: true },
        (true, StockAgain::Gone) => PaymentDecision::Refund { reason: LAPSED.to_owned(), release_coupon: true },
    }
}

/// Why a payment for no order of ours needs a person: money was taken, or is held, for
/// nothing the store sold. The same words for its authorisation and its capture, so that
/// the flag says it once.
pub(crate) fn no_order_of_ours(payment: &ProviderPayment) -> String {
    match &payment.razorpay_order_id {
        Some(razorpay_order_id) => format!("Razorpay order {razorpay_order_id} is not an order of this store"),
        None => "the payment names no Razorpay order, so no order of this store".to_owned(),
    }
}

/// Why `payment` cannot pay the attempt's order, when its amount or currency is not the
/// order's.
pub(crate) fn mismatch(attempt: &Attempt, payment: &ProviderPayment) -> Option<String> {
    let matches = payment.amount == attempt.amount && payment.currency == attempt.currency;
    (!matches).then(|| {
        format!(
            "paid {} {} but order {} is {} {}",
            payment.amount.paise(),
            payment.currency,
            attempt.order_number,
            attempt.amount.paise(),
            attempt.currency
        )
    })
}

#[cfg(test)]
mod tests {
    use kernel::Money;
    use uuid::Uuid;

    use super::PaymentDecision::*;
    use super::*;
    use crate::model::{PaymentMethod, PaymentStatus};
    use crate::ports::ProviderPaymentStatus;

    const NUMBER: &str = "RM-20261126-000042";

    /// A captured payment of ₹1,000.00 on Razorpay order `order_A`.
    fn payment() -> ProviderPayment {
        ProviderPayment {
            id: "pay_new".to_owned(),
            razorpay_order_id: Some("order_A".to_owned()),
            amount: Money::from_paise(100_000),
            currency: "INR".to_owned(),
            status: ProviderPaymentStatus::Captured,
            refunded: Money::ZERO,
            error: None,
        }
    }

    fn attempt(order_id: Uuid) -> Attempt {
        Attempt {
            razorpay_order_id: "order_A".to_owned(),
            order_id,
            order_number: NUMBER.to_owned(),
            amount: Money::from_paise(100_000),
            currency: "INR".to_owned(),
        }
    }

    /// An online order of ₹1,000.00 waiting for payment on `order_A`.
    fn waiting() -> LockedOrder {
        LockedOrder {
            id: Uuid::from_u128(42),
            user_id: Uuid::from_u128(7),
            order_number: NUMBER.to_owned(),
            status: OrderStatus::PaymentPending,
            cancel_reason: None,
            payment_method: PaymentMethod::Razorpay,
            payment_status: PaymentStatus::Pending,
            total: Money::from_paise(100_000),
            refunded: Money::ZERO,
            coupon_id: None,
            coupon_code: None,
            from_cart: false,
            cart_builds: Vec::new(),
            razorpay_order_id: Some("order_A".to_owned()),
            razorpay_payment_id: None,
        }
    }

    fn paid_by(payment_id: &str) -> LockedOrder {
        LockedOrder {
            status: OrderStatus::Paid,
            payment_status: PaymentStatus::Captured,
            razorpay_payment_id: Some(payment_id.to_owned()),
            ..waiting()
        }
    }

    fn cancelled(reason: CancelReason) -> LockedOrder {
        LockedOrder {
            status: OrderStatus::Cancelled,
            cancel_reason: Some(reason),
            payment_status: PaymentStatus::Failed,
            ..waiting()
        }
    }

    fn failed() -> LockedOrder {
        LockedOrder { status: OrderStatus::PaymentFailed, payment_status: PaymentStatus::Failed, ..waiting() }
    }

    /// One row of the table: the facts, owned.
    struct Case {
        payment: ProviderPayment,
        /// `None`: no attempt of ours has the payment's Razorpay order.
        order: Option<(Attempt, LockedOrder)>,
        owed_back: bool,
        stock_again: StockAgain,
    }

    fn case(order: LockedOrder) -> Case {
        Case {
            payment: payment(),
            order: Some((attempt(order.id), order)),
            owed_back: false,
            stock_again: StockAgain::NotTried,
        }
    }

    impl Case {
        fn paying(self, amount: i64, currency: &str) -> Case {
            let payment =
                ProviderPayment { amount: Money::from_paise(amount), currency: currency.to_owned(), ..self.payment };
            Case { payment, ..self }
        }

        fn on_razorpay_order(self, razorpay_order_id: Option<&str>) -> Case {
            let payment = ProviderPayment { razorpay_order_id: razorpay_order_id.map(str::to_owned), ..self.payment };
            Case { payment, ..self }
        }

        fn no_order_of_ours(self) -> Case {
            Case { order: None, ..self }
        }

        fn owed_back(self) -> Case {
            Case { owed_back: true, ..self }
        }

        fn stock(self, stock_again: StockAgain) -> Case {
            Case { stock_again, ..self }
        }

        fn decide(&self) -> PaymentDecision {
            decide(&PaymentFacts {
                payment: &self.payment,
                order: self.order.as_ref().map(|(attempt, order)| (attempt, order)),
                owed_back: self.owed_back,
                stock_again: self.stock_again,
            })
        }
    }

    fn refund(reason: &str) -> PaymentDecision {
        Refund { reason: reason.to_owned(), release_coupon: false }
    }

    fn flag_unknown(reason: &str) -> PaymentDecision {
        FlagUnknownOrder { reason: reason.to_owned() }
    }

    fn flag_mismatch(reason: &str) -> PaymentDecision {
        FlagMismatch { reason: reason.to_owned() }
    }

    #[test]
    fn every_captured_payment_gets_the_decision_the_table_says() {
        let table: Vec<(&str, Case, PaymentDecision)> = vec![
            ("the right payment for an order waiting for it", case(waiting()), Pay { late: false }),
            (
                "a payment of another amount",
                case(waiting()).paying(99_900, "INR"),
                flag_mismatch(&format!("paid 99900 INR but order {NUMBER} is 100000 INR")),
            ),
            (
                "a payment in another currency",
                case(waiting()).paying(100_000, "USD"),
                flag_mismatch(&format!("paid 100000 USD but order {NUMBER} is 100000 INR")),
            ),
            (
                "a payment on a Razorpay order that is not ours",
                case(waiting()).on_razorpay_order(Some("order_Z")).no_order_of_ours(),
                flag_unknown("Razorpay order order_Z is not an order of this store"),
            ),
            (
                "a payment on another Razorpay order than the attempt's",
                case(waiting()).on_razorpay_order(Some("order_B")),
                flag_unknown("Razorpay order order_B is not an order of this store"),
            ),
            (
                "a payment that names no Razorpay order",
                case(waiting()).on_razorpay_order(None).no_order_of_ours(),
                flag_unknown("the payment names no Razorpay order, so no order of this store"),
            ),
            ("the payment that paid the order already", case(paid_by("pay_new")), AlreadyPaid),
            (
                "an order already paid by another payment",
                case(paid_by("pay_first")),
                refund(&format!("order {NUMBER} is paid and cannot take this payment (it was paid by pay_first)")),
            ),
            (
                "a wrong amount is flagged before anything else, even on a paid order",
                case(paid_by("pay_first")).paying(1, "INR"),
                flag_mismatch(&format!("paid 1 INR but order {NUMBER} is 100000 INR")),
            ),
            ("a payment already owed back", case(waiting()).owed_back(), AlreadyOwedBack),
            (
                "a payment already owed back, on an expired order",
                case(cancelled(CancelReason::Expired)).owed_back(),
                AlreadyOwedBack,
            ),
            (
                "a customer-cancelled order",
                case(cancelled(CancelReason::Customer)),
                refund(&format!("order {NUMBER} is cancelled and cannot take this payment")),
            ),
            (
                "an admin-cancelled order, whatever its stock",
                case(cancelled(CancelReason::Admin)).stock(StockAgain::Held),
                refund(&format!("order {NUMBER} is cancelled and cannot take this payment")),
            ),
            (
                "an expired order, before its stock is held again",
                case(cancelled(CancelReason::Expired)),
                HoldStockAgain,
            ),
            (
                "an expired order with stock to hold again",
                case(cancelled(CancelReason::Expired)).stock(StockAgain::Held),
                Pay { late: true },
            ),
            (
                "an expired order without stock to hold again",
                case(cancelled(CancelReason::Expired)).stock(StockAgain::Gone),
                Refund { reason: LAPSED.to_owned(), release_coupon: true },
            ),
            ("an order whose payment failed, before its stock is held again", case(failed()), HoldStockAgain),
            (
                "an order whose payment failed, with stock again",
                case(failed()).stock(StockAgain::Held),
                Pay { late: true },
            ),
            (
                "an order whose payment failed, without stock again",
                case(failed()).stock(StockAgain::Gone),
                Refund { reason: LAPSED.to_owned(), release_coupon: true },
            ),
            (
                "a shipped order",
                case(LockedOrder { status: OrderStatus::Shipped, ..paid_by("pay_first") }),
                refund(&format!("order {NUMBER} is shipped and cannot take this payment (it was paid by pay_first)")),
            ),
        ];
        for (what, case, expected) in table {
            assert_eq!(case.decide(), expected, "{what}");
        }
    }

    #[test]
    fn a_waiting_order_is_paid_without_asking_for_its_stock_again() {
        for stock_again in [StockAgain::NotTried, StockAgain::Held, StockAgain::Gone] {
            assert_eq!(case(waiting()).stock(stock_again).decide(), Pay { late: false });
        }
    }
}

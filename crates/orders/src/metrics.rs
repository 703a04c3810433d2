//! Counters for `/metrics`.

use crate::model::PaymentMethod;

pub(crate) fn order_placed(method: PaymentMethod) {
    metrics::counter!("orders_placed_total", "payment_method" => method.as_str()).increment(1);
}

pub(crate) fn order_paid() {
    metrics::counter!("orders_paid_total").increment(1);
}

pub(crate) fn status_changed(to: &'static str) {
    metrics::counter!("order_status_changes_total", "status" => to).increment(1);
}

/// A checkout sent away because no turn came within the wait.
pub(crate) fn checkout_busy() {
    metrics::counter!("checkout_busy_total").increment(1);
}

/// A tax invoice or credit note that could not be issued with its order's change.
pub(crate) fn tax_document_failed() {
    metrics::counter!("tax_documents_failed_total").increment(1);
}

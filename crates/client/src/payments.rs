//! `/admin/payments`.

use api_types::Page;
use api_types::payments::{PaymentQuery, PaymentRecord};

use crate::{Client, Result};

impl Client {
    /// `GET /admin/payments`: a page of Razorpay payment records, newest first, with their
    /// status history and refunds (admin).
    pub async fn admin_payments(&self, query: &PaymentQuery) -> Result<Page<PaymentRecord>> {
        self.get_with("/admin/payments", query).await
    }
}

//! `/admin/orders`: the admin's order list and detail.

use api_types::Page;
use api_types::admin_orders::{AdminOrder, AdminOrderQuery};

use crate::catalog::path_segment;
use crate::{Client, Result};

impl Client {
    /// `GET /admin/orders`: a page of orders, newest first, matching `query` (status,
    /// payment method, attention, IST days, and `q`: an order number or a customer's
    /// e-mail or phone), each with its customer, payments, refunds and returns (admin).
    pub async fn admin_orders(&self, query: &AdminOrderQuery) -> Result<Page<AdminOrder>> {
        self.get_with("/admin/orders", query).await
    }

    /// `GET /admin/orders/{id}`: one order, by id or order number (admin).
    pub async fn admin_order(&self, id_or_number: &str) -> Result<AdminOrder> {
        self.get(&format!("/admin/orders/{}", path_segment(id_or_number))).await
    }
}

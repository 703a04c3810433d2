//! `GET /api/v1/admin/orders` and `GET /api/v1/admin/orders/{id}`: the admin's order list
//! (filters, search, IST days, keyset pages) and one order by id or number, each as an
//! [`AdminOrder`] (see [`crate::app::admin_orders`]).

use actix_web::{HttpResponse, web};
use api_types::admin_orders::{AdminOrder, AdminOrderQuery};
use chrono::NaiveDate;
use kernel::{FieldError, InvalidInput, Limit};
use orders::model::PaymentMethod;
use orders::status::OrderStatus;
use serde::Deserialize;
use utoipa::OpenApi;

use crate::app::admin_orders::{self, AdminOrderReads, AdminOrderSearch, Searched};
use crate::error::ApiError;
use crate::http::auth::AdminUser;
use crate::http::extract::Query;
use crate::http::pagination::cursor_unless_blank;
use crate::http::params::{parse_bool, present};

/// This module's operations in the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(list, get))]
pub struct Api;

/// The query string as text: the wire's [`AdminOrderQuery`] read leniently (blank values
/// are absent, `attention` takes `1`/`0` too), naming every refused parameter at once.
#[derive(Debug, Deserialize)]
pub struct AdminOrderQueryText {
    status: Option<String>,
    q: Option<String>,
    from: Option<String>,
    to: Option<String>,
    payment_method: Option<String>,
    attention: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

impl AdminOrderQueryText {
    fn search(&self) -> Result<AdminOrderSearch, InvalidInput> {
        let mut errors = Vec::new();
        let status = present(&self.status).and_then(|raw| {
            let status = OrderStatus::parse(raw);
            if status.is_none() {
                errors.push(FieldError::new("status", "must be one of the order statuses"));
            }
            status
        });
        let method = present(&self.payment_method).and_then(|raw| match raw {
            "razorpay" => Some(PaymentMethod::Razorpay),
            "cod" => Some(PaymentMethod::Cod),
            _ => {
                errors.push(FieldError::new("payment_method", "must be razorpay or cod"));
                None
            }
        });
        let attention = parse_bool(&self.attention, "attention", &mut errors);
        let from = ist_day(&self.from, "from", &mut errors);
        let to = ist_day(&self.to, "to", &mut errors);
        let searched = present(&self.q).map(Searched::parse);
        if errors.is_empty() {
            Ok(AdminOrderSearch { status, method, attention, searched, from, to })
        } else {
            Err(InvalidInput(errors))
        }
    }
}

fn ist_day(raw: &Option<String>, field: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let parsed = present(raw)?.parse::<NaiveDate>();
    parsed.map_err(|_| errors.push(FieldError::new(field, "must be a date, YYYY-MM-DD"))).ok()
}

/// Orders, newest first.
///
/// Every order of the store, with its customer, Razorpay payments, refunds and returns.
/// Filters combine: `status`, `payment_method`, `attention` (`true`: orders needing an
/// admin, such as a refund Razorpay failed), `from`/`to` (days in India Standard Time,
/// both included: `from=2026-11-21&to=2026-11-21` is the orders placed that day, IST),
/// and `q`: an order number (`RM-20261121-000123`), a customer's e-mail (any case) or
/// phone (`9876543210`, `+91 98765 43210`), matched exactly. A `q` matching nobody gives
/// an empty page.
#[utoipa::path(
    get, path = "/api/v1/admin/orders", tag = "admin-orders", operation_id = "list_admin_orders",
    params(AdminOrderQuery),
    responses(
        (status = 200, description = "A page of orders.", body = api_types::Page<AdminOrder>),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_list_orders", skip_all)]
pub async fn list(
    _admin: AdminUser,
    params: Query<AdminOrderQueryText>,
    reads: web::Data<AdminOrderReads>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let search = params.search()?;
    let limit = Limit::new(params.limit)?;
    let cursor = cursor_unless_blank(params.cursor);
    let page = admin_orders::list(&reads, search, limit, cursor.as_ref()).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One order, by id or number.
///
/// The order with its customer, Razorpay payments, refunds, returns and history. `id` is
/// the order's id or its number (`RM-20261121-000123`, any case).
#[utoipa::path(
    get, path = "/api/v1/admin/orders/{id}", tag = "admin-orders", operation_id = "get_admin_order",
    params(("id" = String, Path, description = "The order's id, or its number.")),
    responses((status = 200, description = "The order.", body = AdminOrder)),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_get_order", skip_all)]
pub async fn get(
    _admin: AdminUser,
    id: web::Path<String>,
    reads: web::Data<AdminOrderReads>,
) -> Result<HttpResponse, ApiError> {
    let key = admin_orders::order_key(&id).ok_or_else(ApiError::not_found)?;
    let order = admin_orders::find(&reads, &key).await?;
    Ok(HttpResponse::Ok().json(order))
}

#[cfg(test)]
mod tests {
    use api_types::orders::{OrderStatus as OrderStatusWire, PaymentMethod as PaymentMethodWire};

    use super::*;
    use crate::http::extract::parse_query;

    /// Every query the typed client can send is read as it means.
    #[test]
    fn the_text_reading_takes_every_query_the_wire_type_writes() {
        let query = AdminOrderQuery {
            status: Some(OrderStatusWire::PaymentFailed),
            q: Some("asha@example.in".into()),
            from: Some("2026-11-21".parse().unwrap()),
            to: Some("2026-11-22".parse().unwrap()),
            payment_method: Some(PaymentMethodWire::Cod),
            attention: Some(true),
            limit: Some(7),
            cursor: Some("abc".into()),
        };
        let text = serde_urlencoded::to_string(&query).unwrap();
        let read: AdminOrderQueryText = parse_query(&text).unwrap();
        let search = read.search().unwrap();
        assert_eq!(search.status, Some(OrderStatus::PaymentFailed), "{text}");
        assert_eq!(search.method, Some(PaymentMethod::Cod));
        assert_eq!(search.attention, Some(true));
        assert!(matches!(search.searched, Some(Searched::Email(_))));
        assert_eq!((search.from, search.to), (query.from, query.to));
        assert_eq!((read.limit, read.cursor.as_deref()), (Some(7), Some("abc")));
    }

    #[test]
    fn every_refused_parameter_is_named() {
        let read: AdminOrderQueryText =
            parse_query("status=lost&payment_method=card&attention=maybe&from=21-11-2026&to=tomorrow").unwrap();
        let fields: Vec<String> = read.search().unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["status", "payment_method", "attention", "from", "to"]);
    }
}

//! `GET /api/v1/admin/payments`: payment records with their event history.

use actix_web::{HttpResponse, web};
use api_types::payments::{PaymentQuery, PaymentRecord as PaymentRecordWire};
use kernel::{Cursor, FieldError, InvalidInput, Limit};
use payments_razorpay::entities::PaymentStatus;
use payments_razorpay::listing::{PaymentFilter, PaymentRecords};
use serde::Deserialize;
use utoipa::OpenApi;

use crate::error::ApiError;
use crate::http::auth::AdminUser;
use crate::http::extract::Query;
use crate::http::pagination::cursor_unless_blank;
use crate::http::params::{parse_bool, present};
use crate::views::payment::payment_record;

/// This module's operations in the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(list))]
pub struct Api;

/// The query string as text: the wire's [`PaymentQuery`] read leniently (blank values are
/// absent, `flagged` takes `1`/`0` too), naming every refused parameter at once.
#[derive(Debug, Deserialize)]
pub struct PaymentQueryText {
    status: Option<String>,
    flagged: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

impl PaymentQueryText {
    fn filter(&self) -> Result<PaymentFilter, InvalidInput> {
        let mut errors = Vec::new();
        let status = present(&self.status).and_then(|raw| {
            let status = PaymentStatus::parse(raw);
            if status.is_none() {
                errors.push(FieldError::new("status", "must be created, authorized, captured, refunded or failed"));
            }
            status
        });
        let flagged = parse_bool(&self.flagged, "flagged", &mut errors);
        if errors.is_empty() { Ok(PaymentFilter { status, flagged }) } else { Err(InvalidInput(errors)) }
    }
}

/// Payment records, newest first.
///
/// Each Razorpay payment the store heard of, with every status reported for it, its
/// refunds, and the refunds Razorpay refused. `flagged` payments need an admin: an amount
/// or currency that does not match the order, a payment for an order that lapsed … are
/// never marked paid.
#[utoipa::path(
    get, path = "/api/v1/admin/payments", tag = "admin-payments", operation_id = "list_admin_payments",
    params(PaymentQuery),
    responses((status = 200, description = "A page of payment records.", body = api_types::Page<PaymentRecordWire>)),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_list_payments", skip_all)]
pub async fn list(
    _admin: AdminUser,
    params: Query<PaymentQueryText>,
    records: web::Data<PaymentRecords>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let filter = params.filter()?;
    let limit = Limit::new(params.limit)?;
    let cursor = cursor_unless_blank(params.cursor);
    let page = records.list(&filter, limit, cursor.as_ref()).await?;
    let items = page.items.into_iter().map(payment_record).collect::<Result<_, _>>()?;
    let next_cursor = page.next_cursor.map(Cursor::into_string);
    Ok(HttpResponse::Ok().json(api_types::Page { items, next_cursor }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_types::payments::RazorpayPaymentStatus;

    use crate::http::extract::parse_query;

    /// Every query the typed client can send is read as it means.
    #[test]
    fn the_text_reading_takes_every_query_the_wire_type_writes() {
        let statuses = [
            (RazorpayPaymentStatus::Created, PaymentStatus::Created),
            (RazorpayPaymentStatus::Authorized, PaymentStatus::Authorized),
            (RazorpayPaymentStatus::Captured, PaymentStatus::Captured),
            (RazorpayPaymentStatus::Refunded, PaymentStatus::Refunded),
            (RazorpayPaymentStatus::Failed, PaymentStatus::Failed),
        ];
        for (wire, domain) in statuses.map(|(w, d)| (Some(w), Some(d))).into_iter().chain([(None, None)]) {
            for flagged in [None, Some(true), Some(false)] {
                let query = PaymentQuery { status: wire, flagged, limit: Some(7), cursor: Some("abc".into()) };
                let text = serde_urlencoded::to_string(&query).unwrap();
                let read: PaymentQueryText = parse_query(&text).unwrap();
                assert_eq!(read.filter().unwrap(), PaymentFilter { status: domain, flagged }, "{text}");
                assert_eq!((read.limit, read.cursor.as_deref()), (Some(7), Some("abc")), "{text}");
            }
        }
    }
}

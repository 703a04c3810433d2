//! An order as its tax documents see it ([`InvoiceFacts`]), in one statement.

use anyhow::Context as _;
use kernel::Money;
use kernel::gstin::Gstin;
use sqlx::types::Json;
use uuid::Uuid;

use super::{Tx, order_status, payment_method};
use crate::model::{Billing, ShippingAddress};
use crate::ports::{InvoiceFacts, InvoiceLine, ReturnFacts};

#[derive(sqlx::FromRow)]
struct FactsRow {
    order_number: String,
    user_id: Uuid,
    status: String,
    payment_method: String,
    was_sold: bool,
    shipping_address: Option<Json<ShippingAddress>>,
    billing_gstin: Option<String>,
    billing_legal_name: Option<String>,
    total_paise: i64,
    lines: Json<Vec<LineRow>>,
    refunds: Json<Vec<(Uuid, i64)>>,
    returns: Json<Vec<ReturnFacts>>,
    attention: Option<String>,
    tax_documents_due: bool,
}

#[derive(serde::Deserialize)]
struct LineRow {
    product_id: Uuid,
    sku: String,
    name: String,
    hsn_code: Option<String>,
    quantity: i64,
    unit_price_paise: i64,
    tax_rate_bps: u32,
    discount_paise: i64,
    tax_paise: i64,
    line_total_paise: i64,
}

/// The order, its lines, its processed refunds (of its own payment, and not owed back
/// as unwanted: the money of the sale that went back) and its returns.
pub(super) async fn invoice_facts(conn: &mut Tx, id: Uuid) -> anyhow::Result<Option<InvoiceFacts>> {
    let row: Option<FactsRow> = sqlx::query_as(
        "SELECT o.order_number, o.user_id, o.status, o.payment_method,
                (o.paid_at IS NOT NULL OR o.payment_method = 'cod') AS was_sold,
                o.shipping_address, o.billing_gstin, o.billing_legal_name, o.total_paise,
                coalesce((SELECT json_agg(json_build_object('product_id', i.product_id, 'sku', i.sku, 'name', i.name,
                                          'hsn_code', i.hsn_code, 'quantity', i.quantity,
                                          'unit_price_paise', i.unit_price_paise, 'tax_rate_bps', i.tax_rate_bps,
                                          'discount_paise', i.discount_paise, 'tax_paise', i.tax_paise,
                                          'line_total_paise', i.line_total_paise) ORDER BY i.line_no)
                            FROM orders.order_items i WHERE i.order_id = o.id), '[]') AS lines,
                coalesce((SELECT json_agg(json_build_array(r.id, r.amount_paise) ORDER BY r.processed_at, r.id)
                            FROM orders.refunds r
                           WHERE r.order_id = o.id AND r.status = 'processed' AND r.kind <> 'unwanted'
                             AND (o.razorpay_payment_id IS NULL OR o.razorpay_payment_id = r.razorpay_payment_id)),
                         '[]') AS refunds,
                coalesce((SELECT json_agg(json_build_object('id', rt.id, 'refund_id', rt.refund_id, 'units',
                                              coalesce((SELECT json_agg(json_build_array(ri.product_id, ri.quantity)
                                                                        ORDER BY ri.product_id)
                                                          FROM orders.return_items ri WHERE ri.return_id = rt.id),
                                                       '[]'))
                                          ORDER BY rt.created_at, rt.id)
                            FROM orders.returns rt WHERE rt.order_id = o.id), '[]') AS returns,
                o.attention, o.tax_documents_due
           FROM orders.orders o WHERE o.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .context("reading an order for its tax documents")?;
    let Some(row) = row else { return Ok(None) };
    let gstin = row.billing_gstin.as_deref().map(|raw| Gstin::parse(raw, "billing_gstin")).transpose();
    Ok(Some(InvoiceFacts {
        order_id: id,
        order_number: row.order_number,
        user_id: row.user_id,
        status: order_status(&row.status)?,
        method: payment_method(&row.payment_method),
        was_sold: row.was_sold,
        address: row.shipping_address.map(|address| address.0),
        billing: Billing {
            gstin: gstin.map_err(|_| anyhow::anyhow!("a stored GSTIN does not parse"))?,
            legal_name: row.billing_legal_name,
        },
        lines: row
            .lines
            .0
            .into_iter()
            .map(|line| InvoiceLine {
                product_id: line.product_id,
                sku: line.sku,
                name: line.name,
                hsn_code: line.hsn_code,
                quantity: line.quantity,
                unit_price: Money::from_paise(line.unit_price_paise),
                tax_rate_bps: line.tax_rate_bps,
                discount: Money::from_paise(line.discount_paise),
                tax: Money::from_paise(line.tax_paise),
                line_total: Money::from_paise(line.line_total_paise),
            })
            .collect(),
        total: Money::from_paise(row.total_paise),
        refunds: row.refunds.0.into_iter().map(|(refund, amount)| (refund, Money::from_paise(amount))).collect(),
        returns: row.returns.0,
        attention: row.attention,
        documents_due: row.tax_documents_due,
    }))
}

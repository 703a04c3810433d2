//! GST tax invoices and credit notes: `GET /api/v1/orders/{id}/invoice` (the customer's
//! own), `GET /api/v1/admin/orders/{id}/invoice`, `GET /api/v1/admin/orders/{id}/credit-notes`
//! and `GET /api/v1/admin/invoices` (a period's documents, for GST returns). A document
//! answers as JSON, or as a PDF with `Accept: application/pdf`; the period's list as CSV
//! with `Accept: text/csv`.

use actix_web::{HttpRequest, HttpResponse, web};
use api_types::ErrorEnvelope;
use api_types::invoices::{CreditNotes, InvoiceQuery, TaxDocument as TaxDocumentWire};
use chrono::{NaiveDate, Utc};
use invoicing::TaxDocument;
use kernel::{FieldError, InvalidInput};
use orders::admin_queries::OrderKey;
use serde::Deserialize;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::app::admin_orders;
use crate::app::invoices::{InvoiceReads, Period};
use crate::error::ApiError;
use crate::http::auth::{AdminUser, AuthUser};
use crate::http::extract::Query;
use crate::http::pagination::cursor_unless_blank;
use crate::http::params::{accepts, parse_limit, present};
use crate::state::OrdersService;
use crate::views::ToWire;
use crate::views::invoice::filing_csv;

/// This module's operations in the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(customer_invoice, admin_invoice, credit_notes, list))]
pub struct Api;

const PDF: &str = "application/pdf";
const CSV: &str = "text/csv; charset=utf-8";

/// The document as JSON, or as a PDF (rendered off the async workers) when asked for.
async fn document_response(request: &HttpRequest, document: TaxDocument) -> Result<HttpResponse, ApiError> {
    if !accepts(request, PDF) {
        return Ok(HttpResponse::Ok().json(document.to_wire()));
    }
    let filename = format!("{}.pdf", document.number.replace('/', "-"));
    let pdf = web::block(move || invoicing::pdf::render(&document)).await.map_err(anyhow::Error::from)??;
    Ok(HttpResponse::Ok()
        .content_type(PDF)
        .insert_header(("Content-Disposition", format!("inline; filename=\"{filename}\"")))
        .body(pdf))
}

/// The invoice of one of your orders.
///
/// The GST tax invoice issued when the order was paid (or confirmed, cash on delivery):
/// as JSON, or as a PDF with `Accept: application/pdf`. 404 for an order not yours, or
/// not paid yet.
#[utoipa::path(
    get, path = "/api/v1/orders/{id}/invoice", tag = "orders", operation_id = "get_order_invoice",
    params(("id" = Uuid, Path, description = "The order.")),
    responses(
        (status = 200, description = "The invoice (JSON), or with `Accept: application/pdf` as a PDF.",
            content((TaxDocumentWire = "application/json"), (Vec<u8> = "application/pdf"))),
        (status = 404, description = "`not_found`: no such order of yours, or not paid yet.", body = ErrorEnvelope),
    ),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "route.customer_invoice", skip_all, fields(user = %user.id))]
pub async fn customer_invoice(
    user: AuthUser,
    request: HttpRequest,
    order_id: web::Path<Uuid>,
    invoices: web::Data<InvoiceReads>,
) -> Result<HttpResponse, ApiError> {
    let invoice = invoices.customer_invoice(user.id, order_id.into_inner()).await?;
    document_response(&request, invoice).await
}

fn order_key(raw: &str) -> Result<OrderKey, ApiError> {
    admin_orders::order_key(raw).ok_or_else(ApiError::not_found)
}

/// An order's invoice.
///
/// The GST tax invoice of the order (by id or number), as JSON or, with
/// `Accept: application/pdf`, as a PDF. 404 before the order is paid (or confirmed).
#[utoipa::path(
    get, path = "/api/v1/admin/orders/{id}/invoice", tag = "admin-invoices", operation_id = "get_admin_order_invoice",
    params(("id" = String, Path, description = "The order's id, or its number.")),
    responses(
        (status = 200, description = "The invoice (JSON), or with `Accept: application/pdf` as a PDF.",
            content((TaxDocumentWire = "application/json"), (Vec<u8> = "application/pdf"))),
        (status = 404, description = "`not_found`: no such order, or not paid yet.", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_invoice", skip_all)]
pub async fn admin_invoice(
    _admin: AdminUser,
    request: HttpRequest,
    id: web::Path<String>,
    orders: web::Data<OrdersService>,
    invoices: web::Data<InvoiceReads>,
) -> Result<HttpResponse, ApiError> {
    let invoice = invoices.admin_invoice(&orders, &order_key(&id)?).await?;
    document_response(&request, invoice).await
}

/// An order's credit notes.
///
/// Every credit note issued against the order's invoice, oldest first: one per refund
/// Razorpay processed, and for cash on delivery one for a cancellation after it was
/// confirmed and one per return.
#[utoipa::path(
    get, path = "/api/v1/admin/orders/{id}/credit-notes", tag = "admin-invoices",
    operation_id = "list_admin_order_credit_notes",
    params(("id" = String, Path, description = "The order's id, or its number.")),
    responses(
        (status = 200, description = "The credit notes.", body = CreditNotes),
        (status = 404, description = "`not_found`: no such order.", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.credit_notes", skip_all)]
pub async fn credit_notes(
    _admin: AdminUser,
    id: web::Path<String>,
    orders: web::Data<OrdersService>,
    invoices: web::Data<InvoiceReads>,
) -> Result<HttpResponse, ApiError> {
    let notes = invoices.credit_notes(&orders, &order_key(&id)?).await?;
    Ok(HttpResponse::Ok().json(CreditNotes { items: notes.into_iter().map(ToWire::to_wire).collect() }))
}

/// The query string as text: blank values are absent; every refused parameter is named.
#[derive(Debug, Deserialize)]
pub struct InvoiceQueryText {
    from: Option<String>,
    to: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

impl InvoiceQueryText {
    fn period(&self) -> Result<Period, InvalidInput> {
        let mut errors = Vec::new();
        let mut day = |raw: &Option<String>, field: &str| -> Option<NaiveDate> {
            let parsed = present(raw)?.parse::<NaiveDate>();
            parsed.map_err(|_| errors.push(FieldError::new(field, "must be a date, YYYY-MM-DD"))).ok()
        };
        let (from, to) = (day(&self.from, "from"), day(&self.to, "to"));
        if !errors.is_empty() {
            return Err(InvalidInput(errors));
        }
        Period::of_days(from, to, Utc::now())
    }
}

/// Invoices and credit notes issued in a period.
///
/// For GST returns: every document issued from `from` to `to` (IST days, both included;
/// this month so far when neither is given; at most 366 days), in the order issued.
/// JSON pages, or with `Accept: text/csv` the whole period as CSV, one row per document
/// and GST rate: `document_type,number,date,financial_year,invoice_number,order_number,
/// gstr1_section,buyer_gstin,buyer_name,place_of_supply,supply_type,gst_rate_percent,
/// taxable_value,cgst,sgst,igst,total,document_total` (rupees with two decimals;
/// `gstr1_section`: `B2B` with the buyer's GSTIN, `B2CL`/`B2CS` for consumers by state,
/// `EXP` for exports, `CDNR`/`CDNUR`/`B2CS` for credit notes).
#[utoipa::path(
    get, path = "/api/v1/admin/invoices", tag = "admin-invoices", operation_id = "list_admin_invoices",
    params(InvoiceQuery),
    responses(
        (status = 200, description = "A page of documents (JSON), or with `Accept: text/csv` the period as CSV.",
            content(
                (api_types::Page<TaxDocumentWire> = "application/json"),
                (String = "text/csv", example = "document_type,number,date,financial_year,invoice_number,order_number,gstr1_section,buyer_gstin,buyer_name,place_of_supply,supply_type,gst_rate_percent,taxable_value,cgst,sgst,igst,total,document_total\ninvoice,RM/26-27/000123,2026-11-27,2026-27,,RM-20261127-000123,B2CS,,Asha Rao,29-Karnataka,intra_state,18,1000.00,90.00,90.00,0.00,1180.00,1180.00\n"),
            )),
        (status = 422, description = "`validation_failed`: a bad `from`/`to`, `from` after `to`, more than \
            366 days, a bad `limit` or `cursor`.", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_invoices", skip_all)]
pub async fn list(
    _admin: AdminUser,
    request: HttpRequest,
    params: Query<InvoiceQueryText>,
    invoices: web::Data<InvoiceReads>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let period = params.period()?;
    let mut errors = Vec::new();
    let limit = parse_limit(&params.limit, &mut errors);
    if !errors.is_empty() {
        return Err(InvalidInput(errors).into());
    }
    if accepts(&request, "text/csv") {
        let (documents, invoice_totals) = invoices.all(period).await?;
        let csv = filing_csv(&documents, |document| {
            invoice_totals.get(&document.order_id).copied().unwrap_or(document.totals.total)
        })?;
        return Ok(HttpResponse::Ok().content_type(CSV).body(csv));
    }
    let cursor = cursor_unless_blank(params.cursor);
    let page = invoices.page(period, limit, cursor.as_ref()).await?;
    Ok(HttpResponse::Ok().json(page.to_wire()))
}

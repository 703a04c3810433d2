//! GST tax invoices and credit notes: the customer's invoice, the admin's invoice and
//! credit notes of an order, and the documents of a period for GST filing. A document comes
//! as JSON, or as a PDF; the period's list as JSON pages, or as the filing CSV.

use api_types::Page;
use api_types::invoices::{CreditNotes, InvoiceQuery, TaxDocument};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Method, RequestBuilder};
use uuid::Uuid;

use crate::catalog::path_segment;
use crate::{Client, Error, Result, refusal};

const PDF: &str = "application/pdf";
const CSV: &str = "text/csv";

/// How much of an unexpected body an error keeps (a PDF's bytes read badly as text).
const SHOWN_OF_UNEXPECTED_BODY: usize = 512;

impl Client {
    /// `GET /orders/{id}/invoice`: the GST tax invoice of one of your orders; 404 for an
    /// order not yours, or not paid (or confirmed, cash on delivery) yet.
    pub async fn order_invoice(&self, order_id: Uuid) -> Result<TaxDocument> {
        self.get(&customer_invoice(order_id)).await
    }

    /// [`Client::order_invoice`] as a PDF (`Accept: application/pdf`): the file's bytes.
    pub async fn order_invoice_pdf(&self, order_id: Uuid) -> Result<Vec<u8>> {
        self.media(self.request(Method::GET, &customer_invoice(order_id)), PDF).await
    }

    /// `GET /admin/orders/{id}/invoice`: an order's invoice, by id or order number; 404
    /// for an unknown order or one not paid (or confirmed) yet (admin).
    pub async fn admin_order_invoice(&self, id_or_number: &str) -> Result<TaxDocument> {
        self.get(&admin_invoice(id_or_number)).await
    }

    /// [`Client::admin_order_invoice`] as a PDF (`Accept: application/pdf`): the file's
    /// bytes (admin).
    pub async fn admin_order_invoice_pdf(&self, id_or_number: &str) -> Result<Vec<u8>> {
        self.media(self.request(Method::GET, &admin_invoice(id_or_number)), PDF).await
    }

    /// `GET /admin/orders/{id}/credit-notes`: every credit note issued against the order's
    /// invoice, oldest first, by id or order number (admin).
    pub async fn admin_credit_notes(&self, id_or_number: &str) -> Result<CreditNotes> {
        self.get(&format!("/admin/orders/{}/credit-notes", path_segment(id_or_number))).await
    }

    /// `GET /admin/invoices`: a page of the invoices and credit notes issued in a period
    /// (IST days, both included), in the order issued (admin).
    pub async fn admin_invoices(&self, query: &InvoiceQuery) -> Result<Page<TaxDocument>> {
        self.get_with("/admin/invoices", query).await
    }

    /// `GET /admin/invoices` with `Accept: text/csv`: the whole period as the GSTR-1 filing
    /// CSV, one row per document and GST rate (admin).
    pub async fn admin_invoices_csv(&self, query: &InvoiceQuery) -> Result<String> {
        let bytes = self.media(self.request(Method::GET, "/admin/invoices").query(query), CSV).await?;
        String::from_utf8(bytes).map_err(|e| unexpected(reqwest::StatusCode::OK, e.as_bytes(), e.to_string()))
    }

    /// Sends `request` asking for `media`; a 2xx answer's body, once its `Content-Type`
    /// says it is `media`.
    async fn media(&self, request: RequestBuilder, media: &str) -> Result<Vec<u8>> {
        let response = request.header(ACCEPT, media).send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?;
        if !status.is_success() {
            return Err(refusal(status, &headers, &bytes));
        }
        let answered = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let essence = answered.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case(media) {
            return Err(unexpected(status, &bytes, format!("asked for {media}, the answer is `{answered}`")));
        }
        Ok(bytes.to_vec())
    }
}

fn customer_invoice(order_id: Uuid) -> String {
    format!("/orders/{order_id}/invoice")
}

fn admin_invoice(id_or_number: &str) -> String {
    format!("/admin/orders/{}/invoice", path_segment(id_or_number))
}

fn unexpected(status: reqwest::StatusCode, bytes: &[u8], why: String) -> Error {
    let shown = &bytes[..bytes.len().min(SHOWN_OF_UNEXPECTED_BODY)];
    Error::UnexpectedBody {
        status,
        body: String::from_utf8_lossy(shown).into_owned(),
        source: serde::de::Error::custom(why),
    }
}

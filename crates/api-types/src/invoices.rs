//! GST tax invoices and credit notes: `GET /orders/{id}/invoice`,
//! `GET /admin/orders/{id}/invoice`, `GET /admin/orders/{id}/credit-notes` and
//! `GET /admin/invoices`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A tax document's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaxDocumentKind {
    Invoice,
    CreditNote,
}

/// Why a credit note was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CreditNoteReason {
    /// A refund of the order's payment, processed by Razorpay.
    Refund,
    /// A cash-on-delivery order cancelled after it was confirmed.
    Cancellation,
    /// Units of a cash-on-delivery order sent back.
    Return,
}

/// Within the store's state (CGST + SGST) or across states (IGST).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SupplyType {
    IntraState,
    InterState,
}

/// A GST state: its code (the first two digits of a GSTIN) and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"code": "29", "name": "Karnataka"}))]
pub struct GstState {
    /// Two digits.
    pub code: String,
    pub name: String,
}

/// The store, as the document names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InvoiceSeller {
    pub legal_name: String,
    pub address: String,
    pub gstin: String,
    pub state: GstState,
}

/// The customer, as the document names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InvoiceBuyer {
    pub name: String,
    /// A business buyer's registered name (checkout's `billing.legal_name`).
    pub legal_name: Option<String>,
    /// A business buyer's GSTIN (checkout's `billing.gstin`): a B2B invoice.
    pub gstin: Option<String>,
    /// The shipping address, on one line.
    pub address: Option<String>,
    pub state: Option<GstState>,
}

/// One line of an invoice or credit note. Amounts in paise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaxDocumentLine {
    /// The line's number on the invoice (a credit note's lines keep their invoice's).
    pub line: u32,
    pub product_id: Uuid,
    pub sku: String,
    pub description: String,
    /// 4, 6 or 8 digits; `null` for a product sold before it had one.
    pub hsn_code: Option<String>,
    /// Units sold, or sent back; `null` on a credit note that takes back value, not units.
    pub quantity: Option<i64>,
    pub unit_price_paise: i64,
    pub discount_paise: i64,
    pub taxable_value_paise: i64,
    /// The line's GST rate in basis points (1800 = 18 %).
    pub gst_rate_bps: u32,
    /// Half the GST rate within the state, 0 across states; the same for SGST.
    pub cgst_rate_bps: u32,
    pub sgst_rate_bps: u32,
    /// The GST rate across states, 0 within the state.
    pub igst_rate_bps: u32,
    pub cgst_paise: i64,
    pub sgst_paise: i64,
    pub igst_paise: i64,
    /// `taxable_value_paise + cgst_paise + sgst_paise + igst_paise`.
    pub total_paise: i64,
}

/// A document's totals, in paise: the sums of its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaxDocumentTotals {
    pub taxable_value_paise: i64,
    pub cgst_paise: i64,
    pub sgst_paise: i64,
    pub igst_paise: i64,
    pub tax_paise: i64,
    pub total_paise: i64,
}

/// A GST tax invoice or credit note, as issued (never changed afterwards).
///
/// Within the store's state the GST is CGST + SGST: on each line SGST is half the GST
/// rounded down to the paisa and CGST the rest, so they are equal or CGST is one paisa
/// more. Across states it is IGST. An invoice's lines and totals equal the order's to the
/// paisa.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaxDocument {
    pub id: Uuid,
    pub kind: TaxDocumentKind,
    /// `RM/26-27/000123` (an invoice) or `RM/CN/26-27/0042` (a credit note): at most 16
    /// characters, consecutive within the financial year.
    #[schema(example = "RM/26-27/000123")]
    pub number: String,
    /// April to March, India Standard Time: `2026-27`.
    #[schema(example = "2026-27")]
    pub financial_year: String,
    pub issued_at: DateTime<Utc>,
    pub order_id: Uuid,
    pub order_number: String,
    /// A credit note's invoice.
    pub invoice_number: Option<String>,
    pub reason: Option<CreditNoteReason>,
    pub seller: InvoiceSeller,
    pub buyer: InvoiceBuyer,
    /// Where the goods go: the shipping address's state.
    pub place_of_supply: GstState,
    pub supply_type: SupplyType,
    pub lines: Vec<TaxDocumentLine>,
    pub totals: TaxDocumentTotals,
    /// `Rupees One Lakh Twenty-Three Thousand … Only`.
    pub amount_in_words: String,
}

/// An order's credit notes, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreditNotes {
    pub items: Vec<TaxDocument>,
}

/// `GET /admin/invoices`: the documents issued in a period (IST days, both included;
/// the current month so far when neither is given; at most 366 days).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvoiceQuery {
    /// The first day (IST), `YYYY-MM-DD`.
    pub from: Option<NaiveDate>,
    /// The last day (IST), included.
    pub to: Option<NaiveDate>,
    /// 1–100 (default 24); ignored for CSV, which lists the whole period.
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

//! What invoicing is told about a sale, and the documents it issues.

use chrono::{DateTime, Utc};
use kernel::Money;
use kernel::gstin::Gstin;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The store, as its invoices name it (from configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seller {
    pub legal_name: String,
    pub address: String,
    /// The GST state code the store is registered in (its GSTIN's first two digits).
    pub state_code: u8,
    pub gstin: String,
}

impl Seller {
    /// The store's details; the state is its GSTIN's.
    pub fn new(legal_name: String, address: String, gstin: &Gstin) -> Self {
        Seller { legal_name, address, state_code: gstin.state_code(), gstin: gstin.as_str().to_owned() }
    }
}

/// The customer, as the invoice names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buyer {
    pub name: String,
    /// A business buyer's registered name (checkout's `billing.legal_name`).
    pub legal_name: Option<String>,
    /// A business buyer's GSTIN (checkout's `billing.gstin`).
    pub gstin: Option<String>,
    /// The shipping address on one line, when the order has one.
    pub address: Option<String>,
    /// The shipping address's GST state code, when the order has an address in India.
    pub state_code: Option<u8>,
}

/// Where an order stands, as far as tax documents go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaleStatus {
    /// Not paid (waiting, failed, or cancelled before payment): no invoice.
    Unpaid,
    /// Paid, or confirmed (cash on delivery): its invoice is due now.
    Paid,
    /// Past that: packed, shipped, delivered, returned, refunded, or cancelled after it
    /// was paid or confirmed. Credit notes against its invoice, but no invoice is issued
    /// this late (an order paid before invoicing existed keeps none).
    After,
}

/// One line of the order, as its pricing made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleLine {
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub hsn_code: Option<String>,
    pub quantity: i64,
    /// One unit before tax.
    pub unit_price: Money,
    /// The line's share of the coupon.
    pub discount: Money,
    pub rate_bps: u32,
    /// GST on the line after its discount.
    pub tax: Money,
    /// What the customer pays for the line: `unit_price × quantity − discount + tax`.
    pub total: Money,
}

/// Why money (or the sale's value) goes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditReason {
    /// A refund of the order's payment, processed.
    Refund,
    /// A cash-on-delivery order cancelled after it was confirmed.
    Cancellation,
    /// Units of a cash-on-delivery order sent back.
    Return,
}

impl CreditReason {
    pub fn as_str(self) -> &'static str {
        match self {
            CreditReason::Refund => "refund",
            CreditReason::Cancellation => "cancellation",
            CreditReason::Return => "return",
        }
    }

    /// How a credit note states its reason.
    pub fn describe(self) -> &'static str {
        match self {
            CreditReason::Refund => "Refund of the payment",
            CreditReason::Cancellation => "Order cancelled after confirmation",
            CreditReason::Return => "Goods returned",
        }
    }
}

/// How much a credit takes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditBasis {
    /// An amount, over the lines in proportion to what is left of them.
    Amount(Money),
    /// Everything not credited yet.
    Rest,
    /// Units of products: each line's value for those units.
    Units(Vec<(Uuid, i64)>),
    /// A refund made with a return of these units: the amount over the returned units'
    /// lines in proportion to their value (any amount beyond it over every line).
    ReturnedUnits { units: Vec<(Uuid, i64)>, amount: Money },
}

/// Something the sale has given back, which calls for a credit note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credit {
    /// The refund, order or return it answers; one credit note each.
    pub source: Uuid,
    pub reason: CreditReason,
    pub basis: CreditBasis,
}

/// An order, as invoicing needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    pub order_id: Uuid,
    pub order_number: String,
    pub customer_id: Uuid,
    pub status: SaleStatus,
    pub buyer: Buyer,
    pub lines: Vec<SaleLine>,
    /// The order's total: the invoice's, to the paisa.
    pub total: Money,
    /// Everything given back so far, oldest first.
    pub credits: Vec<Credit>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Invoice,
    CreditNote,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "invoice",
            DocumentKind::CreditNote => "credit_note",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [DocumentKind::Invoice, DocumentKind::CreditNote].into_iter().find(|kind| kind.as_str() == raw)
    }
}

/// One line of an invoice or credit note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentLine {
    /// The line's number on the invoice (a credit note's lines keep their invoice's).
    pub line: u32,
    pub product_id: Uuid,
    pub sku: String,
    pub description: String,
    pub hsn_code: Option<String>,
    /// Units sold (an invoice) or sent back (a credit note for a return); `None` when a
    /// credit note takes back value, not units.
    pub quantity: Option<i64>,
    pub unit_price: Money,
    pub discount: Money,
    pub taxable_value: Money,
    pub rate_bps: u32,
    pub cgst: Money,
    pub sgst: Money,
    pub igst: Money,
    /// `taxable_value + cgst + sgst + igst`.
    pub total: Money,
}

impl DocumentLine {
    pub fn tax(&self) -> Money {
        Money::from_paise(self.cgst.paise() + self.sgst.paise() + self.igst.paise())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DocumentTotals {
    pub taxable_value: Money,
    pub cgst: Money,
    pub sgst: Money,
    pub igst: Money,
    pub total: Money,
}

impl DocumentTotals {
    pub fn tax(&self) -> Money {
        Money::from_paise(self.cgst.paise() + self.sgst.paise() + self.igst.paise())
    }
}

/// A tax invoice or credit note, as issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxDocument {
    pub id: Uuid,
    pub kind: DocumentKind,
    pub number: String,
    /// `2026-27`.
    pub financial_year: String,
    pub issued_at: DateTime<Utc>,
    pub order_id: Uuid,
    pub order_number: String,
    pub customer_id: Uuid,
    /// A credit note's invoice number.
    pub invoice_number: Option<String>,
    pub reason: Option<CreditReason>,
    pub seller: Seller,
    pub buyer: Buyer,
    /// The GST state code of the place of supply.
    pub place_of_supply: u8,
    /// IGST (another state) rather than CGST + SGST.
    pub inter_state: bool,
    pub lines: Vec<DocumentLine>,
    pub totals: DocumentTotals,
}

impl TaxDocument {
    /// The total in words, as Indian invoices write it.
    pub fn amount_in_words(&self) -> String {
        kernel::words::rupees_in_words(self.totals.total)
    }
}

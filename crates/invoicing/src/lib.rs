//! GST tax invoices and credit notes for an Indian store.
//!
//! An order that is paid (or confirmed, cash on delivery) gets a tax invoice in the same
//! transaction; money given back gets a credit note against it. [`Invoicing::record`] is
//! told of every change to an order (as a [`Sale`]) and issues whatever the sale now
//! calls for and has not got yet, so it is safe to call again and again.
//!
//! - Amounts ([`tax`]): one pure function turns the order's own lines (taxable value
//!   and GST, as the order's pricing made them) into invoice lines, split into CGST + SGST
//!   within the store's state (SGST is the half rounded down, CGST the rest) or IGST
//!   across states; another reverses a share of them for a credit note.
//! - Numbers ([`numbering`]): `{prefix}/{yy-yy}/{sequence}` for invoices and
//!   `{prefix}/CN/{yy-yy}/{sequence}` for credit notes, at most 16 characters, gapless
//!   within an Indian financial year (April to March, IST), from a counter row locked in
//!   the issuing transaction ([`postgres`]).

pub mod model;
pub mod numbering;
pub mod pdf;
pub mod postgres;
pub mod service;
pub mod tax;

pub use model::{
    Buyer, Credit, CreditBasis, CreditReason, DocumentKind, DocumentLine, DocumentTotals, Sale, SaleLine, SaleStatus,
    Seller, TaxDocument,
};
pub use numbering::{FinancialYear, SeriesPrefix};
pub use service::Invoicing;

kernel::domain_schema!("invoicing", "../../migrations/invoicing");

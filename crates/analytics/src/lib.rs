//! Sales and stock read models for the admin dashboard.
//!
//! The figures are a read model this domain owns: what each order adds to them
//! ([`sales::entries`], one pure function) is kept in rollups per IST day, month, product
//! and status, written by [`postgres::PgSalesLedger`] in the transaction of the order
//! change that moves them, so the dashboard never reads an order line. What counts is a
//! sale ([`sales::OrderStatus::counts`]): an order paid, confirmed (cash on delivery),
//! packed, shipped or delivered, on the IST day it was placed, less its refunds on the
//! days they were processed and its returned units on the days they came back.

pub mod postgres;
pub mod rebuild;
pub mod reports;
pub mod sales;

pub use postgres::{PgSalesLedger, PgSalesRebuild};
pub use rebuild::RebuildReport;
pub use reports::{DayRange, Interval, Ranking, SalesReports};
pub use sales::{Entry, OrderSales, OrderStatus, SaleRefund, SaleReturn, SoldLine};

kernel::domain_schema!("analytics", "../../migrations/analytics");

//! Categories, products, the one pricing function and search.
//!
//! [`categories::Categories`] and [`products::Products`] are the services; each holds a
//! store port with a PostgreSQL adapter beside it. New products hand their opening stock
//! to inventory through [`ports::StockOpening`], in the same transaction as the product.

pub mod builder;
pub mod categories;
pub mod ports;
pub mod pricing;
pub mod products;
pub mod search;
pub mod values;

kernel::domain_schema!("catalog", "../../migrations/catalog");

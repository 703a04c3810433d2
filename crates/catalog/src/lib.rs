//! Categories, products, the one pricing function, search and PC-builder rules.
//!
//! So far the schema, its migrator and the pricing function; the rest of the domain
//! lands with its issue.

pub mod pricing;

kernel::domain_schema!("catalog", "../../migrations/catalog");

//! Categories, products, the one pricing function, search and PC-builder rules.
//!
//! So far only the schema and its migrator: the domain itself lands with its issue.

kernel::domain_schema!("catalog", "../../migrations/catalog");

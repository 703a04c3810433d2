//! Stock levels, reservations with expiry and the stock ledger.
//!
//! So far only the schema and its migrator: the domain itself lands with its issue.

kernel::domain_schema!("inventory", "../../migrations/inventory");

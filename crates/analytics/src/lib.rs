//! Sales and stock read models for the admin dashboard.
//!
//! So far only the schema and its migrator: the domain itself lands with its issue.

kernel::domain_schema!("analytics", "../../migrations/analytics");

//! Razorpay: gateway client, signatures, webhooks and payment records.
//!
//! So far only the schema and its migrator: the domain itself lands with its issue.

kernel::domain_schema!("payments", "../../migrations/payments");

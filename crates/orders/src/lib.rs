//! Cart, coupons, checkout, the order state machine and shipping.
//!
//! So far only the schema and its migrator: the domain itself lands with its issue.

kernel::domain_schema!("orders", "../../migrations/orders");

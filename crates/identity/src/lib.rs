//! Customers and admins: accounts, passwords, tokens, addresses, and the newsletter list.
//!
//! The domain speaks domain types only ([`kernel::Email`] …); storage sits behind the
//! port traits of each module, with a PostgreSQL adapter beside them.

pub mod accounts;
pub mod addresses;
pub mod bulk;
pub mod newsletter;
pub mod password;
pub mod tokens;

kernel::domain_schema!("identity", "../../migrations/identity");

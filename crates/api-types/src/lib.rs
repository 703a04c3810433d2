//! The wire types of the RigMaster Commerce REST API (`/api/v1`).
//!
//! Every request body, query string and response of the API is a type here, deriving
//! serde (both ways: the server reads what the client writes) and an OpenAPI schema
//! ([`utoipa::ToSchema`]). The server (`rigmaster`) builds its OpenAPI document from these
//! types; the typed client (`rigmaster-client`) sends and reads them. A change to a type
//! therefore changes the document, the server and the client together.
//!
//! Conventions of the wire:
//! - money is an integer number of paise (`*_paise`, `i64`), never a float;
//! - ids are UUIDs; times are RFC 3339 in UTC;
//! - lists are [`page::Page`]s: `{items, next_cursor}`;
//! - every failure is an [`error::ErrorEnvelope`] whose `code` is an [`error::ErrorCode`].
//!
//! Request bodies carry their field rules as [`garde`] attributes; the server checks them
//! (and then the domain's own rules) and names every refused field at once.

pub mod addresses;
pub mod admin_orders;
pub mod analytics;
pub mod audit;
pub mod auth;
pub mod builder;
pub mod cart;
pub mod catalog;
pub mod coupons;
pub mod error;
pub mod health;
pub mod inventory;
pub mod invoices;
pub mod newsletter;
pub mod orders;
pub mod page;
pub mod payments;
pub mod users;

pub use error::{ErrorBody, ErrorCode, ErrorEnvelope, FieldError};
pub use page::Page;

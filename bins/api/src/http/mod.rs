//! What every route module shares on the HTTP side: extractors that fail in the contract's
//! terms ([`extract`]), who is calling ([`auth`]), the control-character check
//! ([`control_chars`]), the `Idempotency-Key` header ([`idempotency_key`]), list pages
//! ([`pagination`]) and the helpers that parse request values into domain types
//! ([`params`]), the client's address ([`client_ip`]) and the rate limits ([`limits`]).
//! Nothing here knows a particular route.

pub mod auth;
pub mod client_ip;
pub mod control_chars;
pub mod extract;
pub mod idempotency_key;
pub mod limits;
pub mod pagination;
pub mod params;

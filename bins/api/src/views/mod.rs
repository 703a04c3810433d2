//! Wire types used by more than one route module: request bodies and response shapes
//! shared across resources. A shape only one route module uses stays beside its handlers.

pub mod address;
pub mod catalog;
pub mod order;
pub mod user;

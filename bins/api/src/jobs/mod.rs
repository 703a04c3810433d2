//! Background jobs that are not part of one domain's own upkeep.

pub mod cleanup;

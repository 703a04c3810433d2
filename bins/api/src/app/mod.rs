//! Application use cases: work that spans more than one domain, or that owns a transaction
//! several domains write in. A route module parses the request and shapes the answer; when
//! what happens in between needs two domains, it calls a use case here instead of composing
//! the domains itself. A use case takes the services it needs from [`crate::state`] and
//! returns domain values (never an HTTP response), with one error enum per operation.
//!
//! Belongs here: [`stock_levels`] (inventory's numbers labelled and filtered by the
//! catalog). Also belonging here, still in their route modules for now: checkout with its
//! idempotency claim (`routes/orders.rs`) and webhook intake, which records the payment and
//! applies it to the order in one transaction (`routes/webhooks.rs`).
//!
//! Not here: a use case inside one domain (that is the domain's service), an adapter that
//! lets one domain use another through its port (`adapters.rs`), and the background jobs
//! (`startup.rs`).

pub mod stock_levels;

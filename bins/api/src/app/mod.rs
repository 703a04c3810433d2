//! Application use cases: work that spans more than one domain, or that owns a transaction
//! several domains write in. A route module parses the request and shapes the answer; when
//! what happens in between needs two domains, it calls a use case here instead of composing
//! the domains itself. A use case takes the services it needs from [`crate::state`] and
//! returns domain values, never an HTTP response; a keyed request's use case returns the
//! answer kept for its key (a status and a JSON body), since replaying it is the point.
//!
//! Here: [`audit_log`] (the audit trail's entries with their admins' e-mails from
//! identity), [`checkout`] (a saved address from identity, the order from orders, the answer
//! kept for the `Idempotency-Key` by the idempotency crate, the key attached to the order
//! in the checkout transaction), [`idempotent`] (the claim → work → stored answer
//! workflow every keyed route shares), [`webhook_intake`] (payments stores the event and
//! orders applies it, in one transaction), [`stock_levels`] (inventory's numbers
//! labelled and filtered by the catalog), [`analytics`] (the sales figures labelled and
//! grouped by the catalog, low stock with recent sales), [`analytics_rebuild`] (the sales
//! figures recomputed from orders' facts), [`demo_orders`] (a year of generated history) and
//! [`admin_orders`] (orders with their customers from identity and their payment records
//! from payments), [`builder`] (a PC build checked by the catalog's rules, then added to a
//! cart by orders as one group).
//!
//! Not here: a use case inside one domain (that is the domain's service), an adapter that
//! lets one domain use another through its port (`adapters.rs`), and the background jobs
//! (`startup.rs`).

pub mod admin_orders;
pub mod admin_refund;
pub mod analytics;
pub mod analytics_rebuild;
pub mod audit_log;
pub mod builder;
pub mod checkout;
pub mod demo_orders;
pub mod idempotent;
pub mod invoices;
pub mod stock_levels;
pub mod webhook_intake;

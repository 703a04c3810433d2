//! Razorpay: the gateway client, checkout and webhook signatures, webhook intake and the
//! payment records. Razorpay is used for transactions only; no other domain holds
//! payment data.
//!
//! - [`gateway::PaymentGateway`] is the port the store calls; [`client::RazorpayClient`]
//!   is its adapter on reqwest.
//! - [`signature`] verifies the checkout handler's and the webhook's signatures.
//! - [`webhook::WebhookIntake`] verifies, stores once, and types webhook events.
//! - [`records`] keeps one row per payment (with its history) and per refund;
//!   [`listing::PaymentRecords`] reads them back for admins.
//! - [`retention`] purges webhook events past their retention.
//! - [`entities`] are Razorpay's JSON entities, shared with the simulator.

pub mod client;
pub mod entities;
pub mod gateway;
pub mod listing;
pub mod records;
pub mod retention;
pub mod signature;
pub mod webhook;

pub use client::{RazorpayClient, RazorpayClientSettings};
pub use gateway::{CaptureMode, GatewayError, NewOrder, NewRefund, PaymentGateway, RefundSpeed};
pub use webhook::{Intake, ReceivedEvent, WebhookError, WebhookEvent, WebhookIntake};

kernel::domain_schema!("payments", "../../migrations/payments");

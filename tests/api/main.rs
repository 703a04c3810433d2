//! Black-box tests of rigmaster over HTTP: the real app, a fresh database each.

mod addresses;
mod admin_catalog;
mod admin_inventory;
mod admin_payments;
mod admin_users;
mod auth;
mod cart;
mod catalog;
mod catalog_cache;
mod checkout;
mod churn;
mod cleanup;
mod coupons;
mod docs_ui;
mod errors;
mod health;
mod hostile_input;
mod inventory;
mod isolation;
mod logs;
mod newsletter;
mod payments_flow;
mod razorpay_client;
mod ready;
mod simulator;
mod webhooks;

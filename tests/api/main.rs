//! Black-box tests of rigmaster over HTTP: the real app, a fresh database each.

mod auth;
mod errors;
mod health;
mod isolation;
mod newsletter;
mod ready;
mod simulator;

//! A store to shop in: an app that lets a test register as many customers as it needs,
//! and customers acting at once.

use std::future::Future;
use std::sync::Arc;

use rigmaster_api::Settings;

use crate::app::{TestApp, TestUser, spawn_app_with};

/// An app whose auth rate limit lets a test register as many customers as it needs.
pub async fn spawn_shop() -> TestApp {
    spawn_shop_with(|_| {}).await
}

/// [`spawn_shop`], after `customize` has adjusted the settings.
pub async fn spawn_shop_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_with(|settings| {
        settings.rate_limit.auth_per_minute = 10_000;
        customize(settings);
    })
    .await
}

/// A fresh `Idempotency-Key`.
pub fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Runs each future as its own task, all at once, and returns their outputs in order.
pub async fn all_at_once<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let tasks: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::with_capacity(tasks.len());
    for task in tasks {
        outputs.push(task.await.expect("a concurrent task"));
    }
    outputs
}

/// `count` new customers, registered concurrently.
pub async fn register_customers(app: &Arc<TestApp>, count: usize) -> Vec<TestUser> {
    all_at_once((0..count).map(|_| {
        let app = app.clone();
        async move { app.register_customer().await }
    }))
    .await
}

//! The newsletter list: anyone may subscribe an address; subscribing twice changes nothing.

mod postgres;

use std::future::Future;

use kernel::Email;

pub use postgres::PgSubscriberStore;

/// Where subscribers are kept.
pub trait SubscriberStore: Send + Sync {
    /// Records `email`; an address already on the list is left as it was.
    ///
    /// Errors: [`SubscribeError::Unexpected`] when the store cannot be written.
    fn add(&self, email: &Email) -> impl Future<Output = Result<(), SubscribeError>> + Send;
}

#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The newsletter service.
#[derive(Debug, Clone)]
pub struct Newsletter<S> {
    store: S,
}

impl<S: SubscriberStore> Newsletter<S> {
    pub fn new(store: S) -> Self {
        Newsletter { store }
    }

    /// Subscribes `email` (idempotent).
    #[tracing::instrument(name = "newsletter.subscribe", skip_all)]
    pub async fn subscribe(&self, email: &Email) -> Result<(), SubscribeError> {
        self.store.add(email).await
    }
}

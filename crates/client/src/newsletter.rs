//! `/newsletter`.

use api_types::newsletter::{Subscribe, Subscription};
use reqwest::Method;

use crate::{Client, Result};

impl Client {
    /// `POST /newsletter`: signs an e-mail address up (idempotent).
    pub async fn subscribe_newsletter(&self, email: &str) -> Result<Subscription> {
        self.with_body(Method::POST, "/newsletter", &Subscribe { email: email.to_owned() }).await
    }
}

//! `/auth/*`: registration and sessions.

use api_types::auth::{Login, RefreshToken, Registration, Session};
use reqwest::Method;

use crate::{Client, Result};

impl Client {
    /// `POST /auth/register`: creates a customer account and signs it in.
    ///
    /// Act as the new customer with [`Client::authorized`]`(&session.access_token)`.
    pub async fn register(&self, registration: &Registration) -> Result<Session> {
        self.with_body(Method::POST, "/auth/register", registration).await
    }

    /// `POST /auth/login`: signs in.
    pub async fn login(&self, credentials: &Login) -> Result<Session> {
        self.with_body(Method::POST, "/auth/login", credentials).await
    }

    /// `POST /auth/refresh`: trades a refresh token for a new pair (the old one stops
    /// working).
    pub async fn refresh(&self, refresh_token: &str) -> Result<Session> {
        let body = RefreshToken { refresh_token: refresh_token.to_owned() };
        self.with_body(Method::POST, "/auth/refresh", &body).await
    }

    /// `POST /auth/logout`: revokes the refresh token and every token of its login.
    pub async fn logout(&self, refresh_token: &str) -> Result<()> {
        let body = RefreshToken { refresh_token: refresh_token.to_owned() };
        self.with_body(Method::POST, "/auth/logout", &body).await
    }
}

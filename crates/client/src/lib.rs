//! A typed client for the RigMaster Commerce REST API.
//!
//! Each operation of the API is a method on [`Client`] taking and returning the wire types
//! of [`api_types`] (re-exported as [`types`]), so a storefront or a tool written against
//! this crate stops compiling when the contract changes under it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), rigmaster_client::Error> {
//! use rigmaster_client::Client;
//! use rigmaster_client::types::auth::Login;
//!
//! let store = Client::new("http://127.0.0.1:8080");
//! let session = store.login(&Login { email: "asha@example.in".into(), password: "correct horse battery".into() }).await?;
//! let asha = store.authorized(&session.access_token);
//! let cart = asha.cart().await?;
//! println!("{} items, {} paise", cart.item_count, cart.total_paise);
//! # Ok(()) }
//! ```
//!
//! A refusal is an [`Error::Api`] carrying the status and the error envelope's body, so a
//! caller branches on its [`ErrorCode`].

mod addresses;
mod admin_analytics;
mod admin_order_ops;
mod admin_orders;
mod audit;
mod auth;
mod builder;
mod cart;
mod catalog;
mod coupons;
mod health;
mod inventory;
mod invoices;
mod newsletter;
mod orders;
mod payments;
mod users;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use api_types as types;
use api_types::{ErrorBody, ErrorCode, ErrorEnvelope};

/// The API's version prefix.
pub const API_PREFIX: &str = "/api/v1";

/// A connection to one RigMaster Commerce server, anonymous or acting for one user.
///
/// Cloning is cheap (the connection pool is shared).
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    access_token: Option<String>,
}

/// A successful answer whose status or headers matter beside its body (`POST /orders`
/// answers 201; an answer replayed for a repeated `Idempotency-Key` is the first answer,
/// status included).
#[derive(Debug, Clone)]
pub struct Answer<T> {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: T,
}

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server refused the request (any 4xx or 5xx), with the error envelope's body.
    #[error("{status}: {} ({})", .error.message, .error.code)]
    Api {
        status: StatusCode,
        /// `Retry-After`, in seconds, when the server said when to try again.
        retry_after: Option<u64>,
        error: Box<ErrorBody>,
    },
    /// The server answered with a body this client cannot read as the type it expected.
    #[error("{status}: unexpected body ({source}): {body}")]
    UnexpectedBody {
        status: StatusCode,
        body: String,
        #[source]
        source: serde_json::Error,
    },
    /// The request did not get an answer (connection refused, timeout …).
    #[error("transport: {0}")]
    Transport(#[from] reqwest::Error),
}

impl Error {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } | Error::UnexpectedBody { status, .. } => Some(*status),
            Error::Transport(error) => error.status(),
        }
    }

    /// The envelope's code, when the server refused the request.
    pub fn code(&self) -> Option<ErrorCode> {
        self.api().map(|error| error.code)
    }

    /// `Retry-After`, in seconds, when the server refused the request and said when to
    /// try again.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Error::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The envelope's body, when the server refused the request.
    pub fn api(&self) -> Option<&ErrorBody> {
        match self {
            Error::Api { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// What every call returns.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Client {
    /// An anonymous client of the server at `base_url` (`http://host:port`, no trailing
    /// slash, no `/api/v1`).
    pub fn new(base_url: impl Into<String>) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a reqwest client with default TLS settings builds");
        Self::with_http(http, base_url)
    }

    /// The same, over an HTTP client of the caller's (timeouts, proxies, TLS).
    pub fn with_http(http: reqwest::Client, base_url: impl Into<String>) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        Client { http, base_url, access_token: None }
    }

    /// A client acting for the user this access token was issued to (sharing this
    /// client's connections).
    pub fn authorized(&self, access_token: impl AsRef<str>) -> Self {
        Client { access_token: Some(access_token.as_ref().to_owned()), ..self.clone() }
    }

    /// The same client, anonymous.
    pub fn anonymous(&self) -> Self {
        Client { access_token: None, ..self.clone() }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn access_token(&self) -> Option<&str> {
        self.access_token.as_deref()
    }

    /// The underlying HTTP client, for requests outside the typed surface.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A request to `path` under `/api/v1`, carrying this client's token.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let request = self.http.request(method, self.url(&format!("{API_PREFIX}{path}")));
        match &self.access_token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// Sends `request` and reads a 2xx answer as `T`; anything else becomes an [`Error`].
    pub async fn send<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T> {
        Ok(self.send_answer(request).await?.body)
    }

    /// [`Client::send`], keeping the status and headers.
    pub async fn send_answer<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<Answer<T>> {
        let response = request.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?;
        if !status.is_success() {
            return Err(refusal(status, &headers, &bytes));
        }
        // A 204 has no body; `()` and `Option`s read it as JSON `null`.
        let text: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        match serde_json::from_slice(text) {
            Ok(body) => Ok(Answer { status, headers, body }),
            Err(source) => {
                Err(Error::UnexpectedBody { status, body: String::from_utf8_lossy(&bytes).into_owned(), source })
            }
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.send(self.request(Method::GET, path)).await
    }

    async fn get_with<T: DeserializeOwned, Q: Serialize + ?Sized>(&self, path: &str, query: &Q) -> Result<T> {
        self.send(self.request(Method::GET, path).query(query)).await
    }

    async fn with_body<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.send(self.request(method, path).json(body)).await
    }

    async fn without_body<T: DeserializeOwned>(&self, method: Method, path: &str) -> Result<T> {
        self.send(self.request(method, path)).await
    }
}

fn refusal(status: StatusCode, headers: &HeaderMap, bytes: &[u8]) -> Error {
    let retry_after = headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    match serde_json::from_slice::<ErrorEnvelope>(bytes) {
        Ok(envelope) => Error::Api { status, retry_after, error: Box::new(envelope.error) },
        Err(source) => Error::UnexpectedBody { status, body: String::from_utf8_lossy(bytes).into_owned(), source },
    }
}

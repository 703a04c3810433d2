//! The request id: the client's `x-request-id` when it is a sane token, else a new one.
//! It is echoed on every response, put on the request's log span and in error bodies.

use actix_web::http::header::HeaderMap;
use uuid::Uuid;

pub const HEADER: &str = "x-request-id";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// Takes the client's id if it is 1–128 characters of `[A-Za-z0-9._:-]` (so it can
    /// be logged and echoed safely), otherwise makes a new UUID.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        headers
            .get(HEADER)
            .and_then(|value| value.to_str().ok())
            .filter(|id| Self::is_acceptable(id))
            .map(|id| RequestId(id.to_owned()))
            .unwrap_or_else(|| RequestId(Uuid::now_v7().to_string()))
    }

    fn is_acceptable(id: &str) -> bool {
        (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers_with(id: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HeaderName::from_static(HEADER), HeaderValue::from_str(id).unwrap());
        headers
    }

    #[test]
    fn echoes_a_sane_client_id() {
        assert_eq!(RequestId::from_headers(&headers_with("abc-123_x.y:z")).as_str(), "abc-123_x.y:z");
    }

    #[test]
    fn replaces_a_missing_or_unsafe_id() {
        let fresh = RequestId::from_headers(&HeaderMap::new());
        assert!(Uuid::parse_str(fresh.as_str()).is_ok());
        for bad in ["has space", "new\tline", &"x".repeat(129), "quote\"d"] {
            let id = RequestId::from_headers(&headers_with(bad));
            assert_ne!(id.as_str(), bad);
        }
    }
}

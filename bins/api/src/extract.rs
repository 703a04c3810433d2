//! Request-body extractors that fail in the contract's terms: wrong content type or
//! malformed JSON → 400 `bad_request`; too large → 413 `payload_too_large`; a body of
//! the wrong shape → 422 `validation_failed` naming each field.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::web::{Bytes, PayloadConfig};
use actix_web::{FromRequest, HttpRequest};
use garde::Validate;
use kernel::FieldError;
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::error::ApiError;

/// A JSON body of type `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = is_json_content_type(req);
        let limit = req.app_data::<BodyLimit>().map_or(DEFAULT_LIMIT, |limit| limit.0);
        let body = Bytes::from_request(req, payload);
        Box::pin(async move {
            if !content_type_ok {
                return Err(ApiError::bad_request("The body must be JSON, sent with Content-Type: application/json."));
            }
            let bytes = body.await.map_err(|error| {
                if error.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::payload_too_large(limit)
                } else {
                    ApiError::bad_request("The request body could not be read.")
                }
            })?;
            parse(&bytes).map(Json)
        })
    }
}

/// A JSON body of type `T` that also passed `T`'s `garde` rules.
#[derive(Debug)]
pub struct ValidJson<T>(pub T);

impl<T> FromRequest for ValidJson<T>
where
    T: DeserializeOwned + Validate + 'static,
    T::Context: Default,
{
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = Json::<T>::from_request(req, payload);
        Box::pin(async move {
            let Json(value) = json.await?;
            value.validate().map_err(|report| ApiError::validation(report_details(&report)))?;
            Ok(ValidJson(value))
        })
    }
}

/// Actix's own default body limit, used when the app sets none.
const DEFAULT_LIMIT: usize = 262_144;

/// The body limit in force, kept beside Actix's [`PayloadConfig`] (which enforces it but
/// does not expose it) so that the 413 message can state it.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

impl BodyLimit {
    /// The Actix config that enforces this limit on every body extractor.
    pub fn payload_config(self) -> PayloadConfig {
        PayloadConfig::new(self.0)
    }
}

fn is_json_content_type(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(actix_web::http::header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses `bytes` as `T`, telling malformed JSON (400) from a well-formed body of the
/// wrong shape (422 with the field's path).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        match inner.classify() {
            // The body itself is not an object (`null`, `[]`, `"x"`): nothing to name.
            Category::Data if path == "." && !inner.to_string().starts_with("missing field") => {
                ApiError::bad_request("The body must be a JSON object.")
            }
            Category::Data => ApiError::validation(vec![field_error(&path, &inner)]),
            Category::Syntax | Category::Eof | Category::Io => {
                ApiError::bad_request(format!("The body is not valid JSON: {inner}."))
            }
        }
    })?;
    deserializer.end().map_err(|inner| ApiError::bad_request(format!("The body is not valid JSON: {inner}.")))?;
    Ok(value)
}

/// The field a serde data error is about. serde reports a missing field at its parent's
/// path and names it only in the message, so the name is appended here.
fn field_error(path: &str, error: &serde_json::Error) -> FieldError {
    let full = error.to_string();
    let message = full.rsplit_once(" at line ").map_or(full.as_str(), |(message, _)| message);
    let named = message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next());
    let parent = if path == "." { "" } else { path };
    let field = match named {
        Some(name) if parent.is_empty() => name.to_owned(),
        Some(name) => format!("{parent}.{name}"),
        None => parent.to_owned(),
    };
    FieldError::new(field, without_type_names(message))
}

/// serde names the Rust type it expected (`expected struct LineItem`); the client needs
/// the JSON kind, not our internal names.
fn without_type_names(message: &str) -> String {
    for (marker, replacement) in
        [(", expected struct ", ", expected an object"), (", expected enum ", ", expected one of the allowed values")]
    {
        if let Some((head, _)) = message.split_once(marker) {
            return format!("{head}{replacement}");
        }
    }
    message.to_owned()
}

fn report_details(report: &garde::Report) -> Vec<FieldError> {
    report.iter().map(|(path, error)| FieldError::new(path.to_string(), error.message().to_string())).collect()
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Order {
        items: Vec<Line>,
        note: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Line {
        product_id: String,
        quantity: u32,
    }

    fn details(body: &str) -> (String, Vec<FieldError>) {
        let error = parse::<Order>(body.as_bytes()).unwrap_err();
        let envelope = error.envelope("r");
        let fields = envelope["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| FieldError::new(d["field"].as_str().unwrap(), d["message"].as_str().unwrap()))
            .collect();
        (error.code().to_owned(), fields)
    }

    #[test]
    fn names_the_nested_field_with_the_wrong_type() {
        let (code, fields) =
            details(r#"{"items":[{"product_id":"a","quantity":1},{"product_id":"b","quantity":"two"}]}"#);
        assert_eq!(code, "validation_failed");
        assert_eq!(fields[0].field, "items[1].quantity");
        assert!(!fields[0].message.contains("line"), "{}", fields[0].message);
    }

    #[test]
    fn names_a_missing_field_under_its_parent() {
        let (_, fields) = details(r#"{"items":[{"product_id":"a"}]}"#);
        assert_eq!(fields[0].field, "items[0].quantity");
        let (_, fields) = details(r#"{}"#);
        assert_eq!(fields[0].field, "items");
    }

    #[test]
    fn names_an_unknown_field() {
        let (_, fields) = details(r#"{"items":[],"price_paise":1}"#);
        assert_eq!(fields[0].field, "price_paise");
    }

    #[test]
    fn never_shows_rust_type_names() {
        let (code, fields) = details(r#"{"items":["not-an-object"]}"#);
        assert_eq!(code, "validation_failed");
        assert_eq!(fields[0].field, "items[0]");
        assert!(!fields[0].message.contains("Line"), "{}", fields[0].message);
        assert!(fields[0].message.ends_with("expected an object"), "{}", fields[0].message);
    }

    #[test]
    fn a_body_that_is_not_an_object_is_a_bad_request() {
        for body in ["null", "[]", r#""text""#, "42"] {
            let error = parse::<Order>(body.as_bytes()).unwrap_err();
            assert_eq!(error.code(), "bad_request", "{body}");
            assert!(!error.envelope("r").to_string().contains("Order"), "{body}");
        }
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        for body in [r#"{"items":"#, "not json", r#"{"items":[]} trailing"#, ""] {
            let error = parse::<Order>(body.as_bytes()).unwrap_err();
            assert_eq!(error.code(), "bad_request", "{body:?}");
        }
    }
}

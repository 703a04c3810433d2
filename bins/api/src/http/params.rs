//! Helpers that turn request values (query text, JSON members) into domain values,
//! collecting every refusal so that one answer names all the fields at fault.

use kernel::{FieldError, InvalidInput, Limit};
use serde::{Deserialize, Deserializer};

/// Keeps a parsed value, or records why it could not be parsed.
pub fn keep<T>(parsed: Result<T, InvalidInput>, errors: &mut Vec<FieldError>) -> Option<T> {
    parsed.map_err(|invalid| errors.extend(invalid.0)).ok()
}

/// Tells "absent" (`None`) from "null" (`Some(None)`) for fields that can be cleared.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Whether the request's `Accept` header names `media` (`text/csv`, `application/pdf`),
/// parameters and case aside.
pub fn accepts(request: &actix_web::HttpRequest, media: &str) -> bool {
    request
        .headers()
        .get_all(actix_web::http::header::ACCEPT)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|range| range.split(';').next().is_some_and(|named| named.trim().eq_ignore_ascii_case(media)))
}

/// A query value, or `None` when absent or blank (storefront forms send `brand=`).
pub fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A `true`/`false` (or `1`/`0`) query value; `None` when absent or blank.
pub fn parse_bool(value: &Option<String>, field: &str, errors: &mut Vec<FieldError>) -> Option<bool> {
    match present(value)? {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => {
            errors.push(FieldError::new(field, "must be true or false"));
            None
        }
    }
}

/// A page size from the query (`limit`): the default when absent or blank.
pub fn parse_limit(value: &Option<String>, errors: &mut Vec<FieldError>) -> Limit {
    match present(value).map(str::parse::<u32>) {
        None => Limit::default(),
        Some(Ok(n)) => Limit::new(Some(n)).unwrap_or_else(|invalid| {
            errors.extend(invalid.0);
            Limit::default()
        }),
        Some(Err(_)) => {
            errors.push(FieldError::new("limit", format!("must be between 1 and {}", Limit::MAX)));
            Limit::default()
        }
    }
}

//! Request extractors that fail in the contract's terms: wrong content type or
//! malformed JSON → 400 `bad_request`; too large → 413 `payload_too_large`; a body of
//! the wrong shape, or text holding control characters → 422 `validation_failed` naming
//! each field; a query parameter of the wrong type → 422 naming the parameter. Messages
//! are the contract's words ("must be a whole number"), never serde's, and never echo
//! more than a short prefix of what the client sent.

use std::future::{Future, Ready, ready};
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::web::{Bytes, PayloadConfig};
use actix_web::{FromRequest, HttpRequest};
use garde::Validate;
use kernel::{FieldError, InvalidInput};
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::error::ApiError;
use crate::http::control_chars;
use crate::views::FromWire;

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
                return Err(not_json());
            }
            let bytes = body.await.map_err(|error| read_error(&error, limit))?;
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
            validated(value).map(ValidJson)
        })
    }
}

/// A JSON body of type `T`, checked by `T`'s `garde` rules and parsed into the domain
/// value `D` (`D: FromWire<T>`). One refusal names every invalid field: when the rules
/// refuse some fields, the domain parse still runs, and the fields it refuses that the
/// rules did not name are added (a blank name, a malformed e-mail and a short password
/// are all named at once).
#[derive(Debug)]
pub struct Parsed<T, D> {
    value: D,
    body: PhantomData<fn() -> T>,
}

impl<T, D> Parsed<T, D> {
    pub fn into_inner(self) -> D {
        self.value
    }
}

impl<T, D> FromRequest for Parsed<T, D>
where
    T: DeserializeOwned + Validate + 'static,
    T::Context: Default,
    D: FromWire<T> + 'static,
{
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = Json::<T>::from_request(req, payload);
        Box::pin(async move {
            let Json(body) = json.await?;
            let refused = body.validate().err().map(|report| report_details(&report));
            match (D::from_wire(body), refused) {
                (Ok(value), None) => Ok(Parsed { value, body: PhantomData }),
                (Err(InvalidInput(parsed)), None) => Err(ApiError::validation(parsed)),
                (parse, Some(mut fields)) => {
                    let more = parse.err().map(|invalid| invalid.0).unwrap_or_default();
                    for field in more {
                        if !fields.iter().any(|named| named.field == field.field) {
                            fields.push(field);
                        }
                    }
                    Err(ApiError::validation(fields))
                }
            }
        })
    }
}

/// An optional JSON body of type `T` that passed `T`'s `garde` rules: `None` when the
/// request has no body at all. A body that is there must be valid: unlike Actix's
/// `Option<Json<T>>`, a malformed one is refused, not taken for a missing one. A JSON `null`
/// is taken for no body.
#[derive(Debug)]
pub struct OptionalValidJson<T>(pub Option<T>);

impl<T> FromRequest for OptionalValidJson<T>
where
    T: DeserializeOwned + Validate + 'static,
    T::Context: Default,
{
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = is_json_content_type(req);
        let has_content_type = req.headers().contains_key(actix_web::http::header::CONTENT_TYPE);
        let limit = req.app_data::<BodyLimit>().map_or(DEFAULT_LIMIT, |limit| limit.0);
        let body = Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = body.await.map_err(|error| read_error(&error, limit))?;
            if bytes.is_empty() && (!has_content_type || content_type_ok) {
                return Ok(OptionalValidJson(None));
            }
            if !content_type_ok {
                return Err(not_json());
            }
            // JSON's own "nothing", as a client library sends for an absent body.
            if bytes.trim_ascii() == b"null" {
                return Ok(OptionalValidJson(None));
            }
            validated(parse::<T>(&bytes)?).map(|value| OptionalValidJson(Some(value)))
        })
    }
}

/// A body with no fields of its own (`{}`), for routes whose body is optional and carries
/// nothing: sent, it must still be a JSON object.
#[derive(Debug, Default, serde::Deserialize)]
pub struct NoFields {}

impl Validate for NoFields {
    type Context = ();

    fn validate_into(&self, _: &(), _: &mut dyn FnMut() -> garde::Path, _: &mut garde::Report) {}
}

/// Query parameters of type `T`, parsed as Actix's `web::Query` parses them, but refused in
/// the contract's terms: 422 `validation_failed` naming the parameter.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_query(req.query_string()).map(Query))
    }
}

/// Parses a query string as `T`, naming the parameter a refusal is about.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let message = error.into_inner().to_string();
        let (named, message) = plain_message(&message);
        let field = match named {
            Some(name) => name,
            None if path == "." => "query".to_owned(),
            None => path,
        };
        ApiError::validation(vec![FieldError::new(control_chars::short(&field), message)])
    })
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

fn not_json() -> ApiError {
    ApiError::bad_request("The body must be JSON, sent with Content-Type: application/json.")
}

fn read_error(error: &actix_web::Error, limit: usize) -> ApiError {
    if error.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::payload_too_large(limit)
    } else {
        ApiError::bad_request("The request body could not be read.")
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
/// wrong shape or with control characters in its text (422 with each field's path).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // serde skips the members a type ignores without checking their bytes.
    if std::str::from_utf8(bytes).is_err() {
        return Err(ApiError::bad_request("The body is not valid UTF-8."));
    }
    // serde takes `[]` for a struct with no fields (as a tuple); every body here is an object.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|first| *first != b'{') {
        let is_json = serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(|error| not_valid_json(&error));
        is_json?;
        return Err(ApiError::bad_request("The body must be a JSON object."));
    }
    let controls = control_chars::json_body_fields(bytes).map_err(|error| not_valid_json(&error))?;
    if !controls.is_empty() {
        return Err(ApiError::validation(controls));
    }
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
            Category::Syntax | Category::Eof | Category::Io => not_valid_json(&inner),
        }
    })?;
    deserializer.end().map_err(|inner| not_valid_json(&inner))?;
    Ok(value)
}

/// 400 for a body that is not JSON, saying where it stops being JSON (not what serde
/// thought of it: its messages quote the offending input and name its internals).
fn not_valid_json(error: &serde_json::Error) -> ApiError {
    if error.line() == 0 {
        return ApiError::bad_request("The body is not valid JSON.");
    }
    ApiError::bad_request(format!("The body is not valid JSON (at line {}, column {}).", error.line(), error.column()))
}

/// The field a serde data error is about. serde reports a missing or unknown field at its
/// parent's path and names it only in the message, so the name is appended here.
fn field_error(path: &str, error: &serde_json::Error) -> FieldError {
    let full = error.to_string();
    let message = full.rsplit_once(" at line ").map_or(full.as_str(), |(message, _)| message);
    let (named, message) = plain_message(message);
    let parent = if path == "." { "" } else { path };
    // serde puts an unknown or duplicate field's name in the path already, a missing one's not.
    let missing = message == "is required";
    let field = match named {
        Some(name) if missing && parent.is_empty() => name,
        Some(name) if missing => format!("{parent}.{name}"),
        Some(name) if parent.is_empty() => name,
        _ => parent.to_owned(),
    };
    FieldError::new(control_chars::short(&field), message)
}

/// serde's message for a value of the wrong shape, in the contract's words: what the field
/// must be, never the Rust type serde expected (`i64`, `struct LineItem`) nor the value the
/// client sent (which may be huge). Returns the field's name too when serde put it in the
/// message (a missing or unknown field). Messages of our own (custom deserializers) are
/// kept, shortened.
fn plain_message(message: &str) -> (Option<String>, String) {
    let quoted = |rest: &str| rest.split('`').next().map(str::to_owned);
    if let Some(rest) = message.strip_prefix("missing field `") {
        return (quoted(rest), "is required".to_owned());
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        return (quoted(rest), "is not a known field".to_owned());
    }
    if let Some(rest) = message.strip_prefix("duplicate field `") {
        return (quoted(rest), "is given twice".to_owned());
    }
    if let Some((_, allowed)) = message.strip_prefix("unknown variant `").and_then(|m| m.split_once("expected ")) {
        let allowed = allowed.replace('`', "");
        let allowed = allowed.strip_prefix("one of ").unwrap_or(&allowed);
        return (None, format!("must be one of: {}", control_chars::short(allowed)));
    }
    let expected = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .and_then(|rest| rest.rsplit_once(", expected "))
        .map(|(_, expected)| expected);
    if let Some(expected) = expected {
        return (None, must_be(expected).to_owned());
    }
    if message.starts_with("invalid length ") {
        return (None, "has the wrong number of items".to_owned());
    }
    let integer_parse = ["invalid digit", "number too large", "number too small", "cannot parse integer"];
    if integer_parse.iter().any(|marker| message.contains(marker)) {
        return (None, "must be a whole number".to_owned());
    }
    if message.contains("provided string was not `true` or `false`") {
        return (None, "must be true or false".to_owned());
    }
    if message.starts_with("UUID parsing failed") || message.starts_with("invalid character: expected") {
        return (None, "must be a UUID".to_owned());
    }
    (None, control_chars::short(message))
}

/// What a field must be, from the `expected …` part of a serde message.
fn must_be(expected: &str) -> &'static str {
    const INTEGERS: [&str; 11] = ["i64", "i32", "i16", "i8", "u64", "u32", "u16", "u8", "usize", "isize", "integer"];
    let words: Vec<&str> = expected.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    if words.iter().any(|word| INTEGERS.contains(word)) {
        if words.iter().any(|word| word.starts_with('u')) && INTEGERS[4..9].iter().any(|t| words.contains(t)) {
            "must be a whole number, 0 or more"
        } else {
            "must be a whole number"
        }
    } else if expected.contains("UUID") || expected.contains("uuid") {
        "must be a UUID"
    } else if expected.contains("bool") {
        "must be true or false"
    } else if expected.contains("struct") || expected.contains("map") || expected.contains("object") {
        "must be an object"
    } else if expected.contains("sequence") || expected.contains("Vec") || expected.contains("tuple") {
        "must be a list"
    } else if expected.contains("string") || expected.contains("String") || expected.contains("a borrowed str") {
        "must be a string"
    } else if expected.contains("enum") || expected.contains("variant") {
        "must be one of the allowed values"
    } else if expected.contains("RFC 3339") || expected.contains("date") {
        "must be an RFC 3339 date-time"
    } else if expected.contains("f64") || expected.contains("f32") || expected.contains("number") {
        "must be a number"
    } else {
        "has the wrong type"
    }
}

/// `value`, when it passes its `garde` rules; 422 naming each field otherwise.
fn validated<T: Validate>(value: T) -> Result<T, ApiError>
where
    T::Context: Default,
{
    value.validate().map_err(|report| ApiError::validation(report_details(&report)))?;
    Ok(value)
}

fn report_details(report: &garde::Report) -> Vec<FieldError> {
    report.iter().map(|(path, error)| FieldError::new(path.to_string(), error.message().to_string())).collect()
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::error::ErrorCode;

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

    fn details(body: &str) -> (ErrorCode, Vec<FieldError>) {
        let error = parse::<Order>(body.as_bytes()).unwrap_err();
        let envelope = error.envelope("r");
        let fields = envelope["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| FieldError::new(d["field"].as_str().unwrap(), d["message"].as_str().unwrap()))
            .collect();
        (error.code(), fields)
    }

    #[test]
    fn names_the_nested_field_with_the_wrong_type() {
        let (code, fields) =
            details(r#"{"items":[{"product_id":"a","quantity":1},{"product_id":"b","quantity":"two"}]}"#);
        assert_eq!(code, ErrorCode::ValidationFailed);
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
        assert_eq!(code, ErrorCode::ValidationFailed);
        assert_eq!(fields[0].field, "items[0]");
        assert!(!fields[0].message.contains("Line"), "{}", fields[0].message);
        assert_eq!(fields[0].message, "must be an object");
    }

    #[test]
    fn a_body_that_is_not_an_object_is_a_bad_request() {
        for body in ["null", "[]", r#""text""#, "42"] {
            let error = parse::<Order>(body.as_bytes()).unwrap_err();
            assert_eq!(error.code(), ErrorCode::BadRequest, "{body}");
            assert!(!error.envelope("r").to_string().contains("Order"), "{body}");
        }
    }

    #[test]
    fn messages_say_what_the_field_must_be_in_the_contracts_words() {
        for (body, field, message) in [
            (
                r#"{"items":[{"product_id":"a","quantity":"two"}]}"#.to_owned(),
                "items[0].quantity",
                "must be a whole number, 0 or more",
            ),
            (
                r#"{"items":[{"product_id":"a","quantity":-1}]}"#.to_owned(),
                "items[0].quantity",
                "must be a whole number, 0 or more",
            ),
            (r#"{"items":[{"product_id":7,"quantity":1}]}"#.to_owned(), "items[0].product_id", "must be a string"),
            (r#"{"items":{}}"#.to_owned(), "items", "must be a list"),
            (r#"{"items":[],"note":["x"]}"#.to_owned(), "note", "must be a string"),
        ] {
            let (_, fields) = details(&body);
            assert_eq!((fields[0].field.as_str(), fields[0].message.as_str()), (field, message), "{body}");
        }
    }

    #[test]
    fn an_error_never_echoes_a_huge_value() {
        let huge = "x".repeat(900_000);
        let body = format!(r#"{{"items":[{{"product_id":"a","quantity":"{huge}"}}]}}"#);
        let error = parse::<Order>(body.as_bytes()).unwrap_err();
        assert!(error.envelope("r").to_string().len() < 1_000);
    }

    #[test]
    fn query_parameters_of_the_wrong_type_are_named_in_plain_words() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Params {
            limit: Option<u32>,
            in_stock: Option<bool>,
            id: Option<uuid::Uuid>,
        }
        for (query, field, message) in [
            ("limit=abc", "limit", "must be a whole number"),
            ("limit=-1", "limit", "must be a whole number"),
            ("limit=99999999999999999999", "limit", "must be a whole number"),
            ("in_stock=maybe", "in_stock", "must be true or false"),
            ("id=not-a-uuid", "id", "must be a UUID"),
        ] {
            let error = parse_query::<Params>(query).unwrap_err();
            let envelope = error.envelope("r");
            let detail = &envelope["error"]["details"][0];
            assert_eq!((detail["field"].as_str(), detail["message"].as_str()), (Some(field), Some(message)), "{query}");
            assert_eq!(error.code(), ErrorCode::ValidationFailed);
        }
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        for body in [r#"{"items":"#, "not json", r#"{"items":[]} trailing"#, ""] {
            let error = parse::<Order>(body.as_bytes()).unwrap_err();
            assert_eq!(error.code(), ErrorCode::BadRequest, "{body:?}");
        }
    }
}

//! The shape every domain uses to say which part of an input was wrong.
//!
//! Domain operations have their own error enums; when one of them is about the input,
//! it carries [`FieldError`]s so the edge can name each bad field to the client.

use serde::Serialize;

/// One rejected input field: a path such as `items[0].quantity` and a human message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }

    /// The same error, with its path placed under `parent` (`email` → `customer.email`).
    pub fn under(mut self, parent: &str) -> Self {
        self.field = if self.field.is_empty() {
            parent.to_owned()
        } else if self.field.starts_with('[') {
            format!("{parent}{}", self.field)
        } else {
            format!("{parent}.{}", self.field)
        };
        self
    }
}

/// An input that could not be parsed into a domain value, with every reason found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct InvalidInput(pub Vec<FieldError>);

impl InvalidInput {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        InvalidInput(vec![FieldError::new(field, message)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nests_paths_under_a_parent() {
        assert_eq!(FieldError::new("email", "x").under("customer").field, "customer.email");
        assert_eq!(FieldError::new("[2].quantity", "x").under("items").field, "items[2].quantity");
        assert_eq!(FieldError::new("", "x").under("code").field, "code");
    }

    #[test]
    fn lists_every_field_in_its_message() {
        let err = InvalidInput(vec![FieldError::new("a", "is bad"), FieldError::new("b", "is worse")]);
        assert_eq!(err.to_string(), "invalid input: a: is bad; b: is worse");
    }
}

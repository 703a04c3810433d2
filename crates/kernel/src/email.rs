//! An e-mail address, parsed once at the edge and trusted inside.

use std::fmt;

use serde::Serialize;

use crate::InvalidInput;

/// A syntactically plausible e-mail address, trimmed and lower-cased.
///
/// The rules are deliberately modest (one `@`, a dotted domain, no spaces, at most 254
/// characters): whether the mailbox exists is only known by writing to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for Email {
    type Error = InvalidInput;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        let email = raw.trim().to_lowercase();
        let invalid = || InvalidInput::field("email", "must be a valid e-mail address");
        if email.is_empty() || email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.contains('@')
            && domain.split('.').all(|label| {
                !label.is_empty() && label.len() <= 63 && !label.starts_with('-') && !label.ends_with('-')
            });
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Email(email))
    }
}

impl TryFrom<String> for Email {
    type Error = InvalidInput;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Email::try_from(raw.as_str())
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_surrounding_space() {
        assert_eq!(Email::try_from("  Asha.Rao@Example.IN ").unwrap().as_str(), "asha.rao@example.in");
    }

    #[test]
    fn refuses_what_cannot_be_an_address() {
        for raw in
            ["", "plain", "a@b", "@example.com", "a b@example.com", "a@@example.com", "a@example..com", "a@-x.com"]
        {
            assert!(Email::try_from(raw).is_err(), "{raw:?} should be refused");
        }
        let long = format!("{}@example.com", "a".repeat(65));
        assert!(Email::try_from(long).is_err());
    }
}

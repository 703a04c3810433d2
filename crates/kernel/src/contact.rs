//! Names, phone numbers and PIN codes: parsed once at the edge, trusted inside.

use std::fmt;

use serde::Serialize;

use crate::InvalidInput;

/// A person's or company's name: trimmed, 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 100;

    /// Parses `raw`; errors name `field`.
    pub fn parse(raw: &str, field: &str) -> Result<Self, InvalidInput> {
        let name = raw.trim();
        let length = name.chars().count();
        if length == 0 || length > Self::MAX_CHARS {
            return Err(InvalidInput::field(field, format!("must be 1 to {} characters", Self::MAX_CHARS)));
        }
        if name.chars().any(char::is_control) {
            return Err(InvalidInput::field(field, "must not contain control characters"));
        }
        Ok(PersonName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number in E.164 form (`+919876543210`). A bare 10-digit Indian mobile number
/// (starting 6–9) is taken as `+91`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    /// Parses `raw`, ignoring spaces and dashes; errors name `field`.
    pub fn parse(raw: &str, field: &str) -> Result<Self, InvalidInput> {
        let compact: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let invalid =
            || InvalidInput::field(field, "must be an E.164 number (+919876543210) or a 10-digit mobile number");
        let digits = compact.strip_prefix('+').unwrap_or(&compact);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        if compact.starts_with('+') {
            // E.164: a country code that does not start with 0, at most 15 digits in all.
            if digits.starts_with('0') || !(8..=15).contains(&digits.len()) {
                return Err(invalid());
            }
            return Ok(Phone(compact));
        }
        match digits.as_bytes() {
            [b'6'..=b'9', ..] if digits.len() == 10 => Ok(Phone(format!("+91{digits}"))),
            _ => Err(invalid()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An Indian postal PIN code: six digits, the first not zero.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Pincode(String);

impl Pincode {
    /// Parses `raw`; errors name `field`.
    pub fn parse(raw: &str, field: &str) -> Result<Self, InvalidInput> {
        let code = raw.trim();
        let valid = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) && !code.starts_with('0');
        if valid { Ok(Pincode(code.to_owned())) } else { Err(InvalidInput::field(field, "must be a 6-digit PIN code")) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! display_as_str {
    ($($name:ident),*) => {$(
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}
display_as_str!(PersonName, Phone, Pincode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(PersonName::parse("  Asha Rao ", "name").unwrap().as_str(), "Asha Rao");
        assert_eq!(PersonName::parse(&"अ".repeat(100), "name").unwrap().as_str().chars().count(), 100);
        for bad in ["", "   ", &"a".repeat(101), "tab\tinside"] {
            let err = PersonName::parse(bad, "name").unwrap_err();
            assert_eq!(err.0[0].field, "name", "{bad:?}");
        }
    }

    #[test]
    fn phones_become_e164() {
        assert_eq!(Phone::parse("98765 43210", "phone").unwrap().as_str(), "+919876543210");
        assert_eq!(Phone::parse("+91-98765-43210", "phone").unwrap().as_str(), "+919876543210");
        assert_eq!(Phone::parse("+14155552671", "phone").unwrap().as_str(), "+14155552671");
        for bad in ["", "12345", "5876543210", "987654321", "98765432100", "+0123456789", "+1234567890123456", "phone"]
        {
            assert!(Phone::parse(bad, "phone").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn pincodes_are_six_digits_not_starting_with_zero() {
        assert_eq!(Pincode::parse(" 560001 ", "pincode").unwrap().as_str(), "560001");
        for bad in ["", "56000", "5600011", "060001", "56O001"] {
            assert_eq!(Pincode::parse(bad, "pincode").unwrap_err().0[0].field, "pincode", "{bad:?}");
        }
    }
}

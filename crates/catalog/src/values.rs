//! Catalog value types, parsed once at the edge and trusted inside.

use std::fmt;

use kernel::InvalidInput;

/// A stock-keeping unit: 1–64 characters of `A–Z 0–9 . _ -`, starting with a letter or
/// digit, stored in upper case so that `amd-7800x3d` and `AMD-7800X3D` are one SKU.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sku(String);

impl Sku {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(raw: &str, field: &str) -> Result<Self, InvalidInput> {
        let sku = raw.trim().to_ascii_uppercase();
        let valid = (1..=Self::MAX_CHARS).contains(&sku.len())
            && sku.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && sku.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if valid {
            Ok(Sku(sku))
        } else {
            Err(InvalidInput::field(
                field,
                format!(
                    "must be 1 to {} letters, digits, '.', '_' or '-', starting with a letter or digit",
                    Self::MAX_CHARS
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A URL segment: lower-case letters and digits in words joined by single dashes,
/// 1–120 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    pub const MAX_CHARS: usize = 120;

    pub fn parse(raw: &str, field: &str) -> Result<Self, InvalidInput> {
        let slug = raw.trim();
        let valid = (1..=Self::MAX_CHARS).contains(&slug.len())
            && slug
                .split('-')
                .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        if valid {
            Ok(Slug(slug.to_owned()))
        } else {
            Err(InvalidInput::field(
                field,
                format!("must be 1 to {} lower-case letters and digits in words joined by '-'", Self::MAX_CHARS),
            ))
        }
    }

    /// A slug made from free text (`"AMD Ryzen 7 7800X3D"` → `amd-ryzen-7-7800x3d`);
    /// `None` when the text has no ASCII letters or digits.
    pub fn from_text(text: &str) -> Option<Self> {
        let mut slug = String::new();
        for word in text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
            let room = Self::MAX_CHARS.saturating_sub(slug.len() + usize::from(!slug.is_empty()));
            if room == 0 {
                break;
            }
            if !slug.is_empty() {
                slug.push('-');
            }
            slug.extend(word.chars().take(room).map(|c| c.to_ascii_lowercase()));
        }
        (!slug.is_empty()).then_some(Slug(slug))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An HSN code (Harmonized System of Nomenclature): GST's classification of goods, which
/// every line of a tax invoice names. Exactly 4, 6 or 8 ASCII digits (chapter and heading,
/// sub-heading, tariff item); nothing is trimmed, as a code is copied, not typed as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HsnCode(String);

impl HsnCode {
    pub fn parse(raw: &str, field: &str) -> Result<Self, InvalidInput> {
        if matches!(raw.len(), 4 | 6 | 8) && raw.bytes().all(|b| b.is_ascii_digit()) {
            Ok(HsnCode(raw.to_owned()))
        } else {
            Err(InvalidInput::field(field, "must be an HSN code of 4, 6 or 8 digits"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for HsnCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Free text of bounded length without control characters (line breaks allowed in
/// multi-line text): names, brands, descriptions.
pub fn text(
    raw: &str,
    field: &str,
    min_chars: usize,
    max_chars: usize,
    multi_line: bool,
) -> Result<String, InvalidInput> {
    let value = raw.trim();
    let length = value.chars().count();
    if length < min_chars || length > max_chars {
        let message = if min_chars == 0 {
            format!("must be at most {max_chars} characters")
        } else {
            format!("must be {min_chars} to {max_chars} characters")
        };
        return Err(InvalidInput::field(field, message));
    }
    let allowed = |c: char| multi_line && matches!(c, '\n' | '\r' | '\t');
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(InvalidInput::field(field, "must not contain control characters"));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skus_are_upper_cased_and_bounded() {
        assert_eq!(Sku::parse(" amd-7800x3d ", "sku").unwrap().as_str(), "AMD-7800X3D");
        assert!(Sku::parse("", "sku").is_err());
        assert!(Sku::parse("-LEADING", "sku").is_err());
        assert!(Sku::parse("HAS SPACE", "sku").is_err());
        assert!(Sku::parse(&"A".repeat(65), "sku").is_err());
    }

    #[test]
    fn slugs_are_made_from_names() {
        assert_eq!(Slug::from_text("AMD Ryzen 7 7800X3D (Box)").unwrap().as_str(), "amd-ryzen-7-7800x3d-box");
        assert_eq!(Slug::from_text("   ").map(|s| s.0), None);
        assert!(Slug::from_text(&"word ".repeat(100)).unwrap().as_str().len() <= Slug::MAX_CHARS);
        assert!(Slug::parse("Upper", "slug").is_err());
        assert!(Slug::parse("double--dash", "slug").is_err());
        assert!(Slug::parse("ok-slug-2", "slug").is_ok());
    }

    #[test]
    fn hsn_codes_are_four_six_or_eight_digits() {
        for code in ["8471", "847130", "85235100"] {
            assert_eq!(HsnCode::parse(code, "hsn_code").unwrap().as_str(), code);
        }
        let malformed =
            ["", "847", "84713", "8471301", "847130100", "84a1", "8471 ", " 8471", "8471\0", "８４７１", "-471"];
        for bad in malformed {
            let refused = HsnCode::parse(bad, "hsn_code").unwrap_err();
            assert_eq!(refused.0[0].field, "hsn_code", "{bad:?}");
        }
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(text("  Ryzen  ", "name", 1, 10, false).unwrap(), "Ryzen");
        assert_eq!(text("", "name", 1, 10, false).unwrap_err().0[0].field, "name");
        assert!(text(&"x".repeat(11), "name", 1, 10, false).is_err());
        assert!(text("a\nb", "name", 1, 10, false).is_err());
        assert!(text("a\nb", "description", 0, 10, true).is_ok());
    }
}

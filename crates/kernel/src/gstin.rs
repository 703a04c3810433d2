//! GSTINs: the 15-character Goods and Services Tax Identification Number of an Indian
//! business, and the GST state codes that start it (which also say a sale's place of
//! supply). A GSTIN is two digits of state code, the holder's 10-character PAN (five
//! letters, four digits, a letter), an entity number (1–9, then A–Z), `Z` by default, and a
//! check character: a Luhn mod-36 sum over the first fourteen (the GSTN's published
//! algorithm), so that any one mistyped character is caught.

use std::fmt;

use crate::InvalidInput;

/// The 36 characters a GSTIN is written in, in the order the check sum counts them.
const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The GST state (and union territory) codes, with their names.
pub const STATES: &[(u8, &str)] = &[
    (1, "Jammu and Kashmir"),
    (2, "Himachal Pradesh"),
    (3, "Punjab"),
    (4, "Chandigarh"),
    (5, "Uttarakhand"),
    (6, "Haryana"),
    (7, "Delhi"),
    (8, "Rajasthan"),
    (9, "Uttar Pradesh"),
    (10, "Bihar"),
    (11, "Sikkim"),
    (12, "Arunachal Pradesh"),
    (13, "Nagaland"),
    (14, "Manipur"),
    (15, "Mizoram"),
    (16, "Tripura"),
    (17, "Meghalaya"),
    (18, "Assam"),
    (19, "West Bengal"),
    (20, "Jharkhand"),
    (21, "Odisha"),
    (22, "Chhattisgarh"),
    (23, "Madhya Pradesh"),
    (24, "Gujarat"),
    (26, "Dadra and Nagar Haveli and Daman and Diu"),
    (27, "Maharashtra"),
    (29, "Karnataka"),
    (30, "Goa"),
    (31, "Lakshadweep"),
    (32, "Kerala"),
    (33, "Tamil Nadu"),
    (34, "Puducherry"),
    (35, "Andaman and Nicobar Islands"),
    (36, "Telangana"),
    (37, "Andhra Pradesh"),
    (38, "Ladakh"),
    (97, "Other Territory"),
    (99, "Centre Jurisdiction"),
];

/// The place of supply of goods sent out of India (GST's code for "Other Countries"; no
/// GSTIN starts with it).
pub const OTHER_COUNTRIES: u8 = 96;

/// The state of a GST state code (or "Other Countries" for 96), `None` for a code no
/// state has.
pub fn state_name(code: u8) -> Option<&'static str> {
    if code == OTHER_COUNTRIES {
        return Some("Other Countries");
    }
    STATES.iter().find(|(known, _)| *known == code).map(|(_, name)| *name)
}

/// Whether an address's country is India (`IN` or `India`, any case).
pub fn is_india(country: &str) -> bool {
    let country = country.trim();
    country.eq_ignore_ascii_case("IN") || country.eq_ignore_ascii_case("India")
}

/// Other names an address may give a state by: older spellings and `&` for `and`.
const STATE_ALIASES: &[(&str, u8)] = &[
    ("Orissa", 21),
    ("Pondicherry", 34),
    ("NCT of Delhi", 7),
    ("New Delhi", 7),
    ("Uttaranchal", 5),
    ("Dadra and Nagar Haveli", 26),
    ("Daman and Diu", 26),
    ("Andaman and Nicobar", 35),
];

/// The GST state code of a state as an address writes it: its name (any case, `&` for
/// `and`, extra spaces forgiven, older spellings such as Orissa known) or its two-digit
/// code. `None` when no Indian state or union territory goes by it.
pub fn state_code_of(state: &str) -> Option<u8> {
    let wanted: String = state.replace('&', " and ").split_whitespace().collect::<Vec<_>>().join(" ");
    if let Ok(code) = wanted.parse::<u8>() {
        return (wanted.len() == 2 && code < 90 && state_name(code).is_some()).then_some(code);
    }
    let named = |name: &str| name.eq_ignore_ascii_case(&wanted);
    STATES
        .iter()
        .filter(|(code, _)| *code < 90)
        .find(|(_, name)| named(name))
        .map(|(code, _)| *code)
        .or_else(|| STATE_ALIASES.iter().find(|(name, _)| named(name)).map(|(_, code)| *code))
}

/// A GSTIN whose form, state code and check character are right.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Gstin(String);

impl Gstin {
    /// Parses a GSTIN (spaces around it and lower case are forgiven); `field` names it in
    /// the refusal.
    pub fn parse(raw: &str, field: &str) -> Result<Gstin, InvalidInput> {
        let text = raw.trim().to_ascii_uppercase();
        let refuse = |why: &str| InvalidInput::field(field, why);
        if text.len() != 15 || !text.bytes().all(|b| ALPHABET.contains(&b)) {
            return Err(refuse("must be 15 letters and digits"));
        }
        let bytes = text.as_bytes();
        let state = (bytes[0] as char).to_digit(10).zip((bytes[1] as char).to_digit(10));
        let registered = |code: u32| code != u32::from(OTHER_COUNTRIES) && state_name(code as u8).is_some();
        if state.is_none_or(|(tens, units)| !registered(tens * 10 + units)) {
            return Err(refuse("must start with a GST state code"));
        }
        if !is_pan(&bytes[2..12]) {
            return Err(refuse("must hold a PAN (five letters, four digits, a letter) after the state code"));
        }
        if bytes[12] == b'0' {
            return Err(refuse("has an entity number of 0"));
        }
        if check_character(&bytes[..14]) != bytes[14] {
            return Err(refuse("has a check character that does not match (a character is mistyped)"));
        }
        Ok(Gstin(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The GST state code it was registered in.
    pub fn state_code(&self) -> u8 {
        self.0[..2].parse().expect("a parsed GSTIN starts with two digits")
    }

    /// The holder's PAN.
    pub fn pan(&self) -> &str {
        &self.0[2..12]
    }
}

impl fmt::Display for Gstin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_pan(pan: &[u8]) -> bool {
    pan[..5].iter().all(u8::is_ascii_uppercase)
        && pan[5..9].iter().all(u8::is_ascii_digit)
        && pan[9].is_ascii_uppercase()
}

/// The check character of a GSTIN's first fourteen characters: each character's value
/// (its place in [`ALPHABET`]) times 1 or 2 in turn, each product's quotient and remainder
/// by 36 summed, and the character that brings the sum to a multiple of 36.
fn check_character(first_fourteen: &[u8]) -> u8 {
    let sum: usize = first_fourteen
        .iter()
        .enumerate()
        .map(|(position, byte)| {
            let value = ALPHABET.iter().position(|c| c == byte).expect("checked against the alphabet");
            let product = value * if position % 2 == 0 { 1 } else { 2 };
            product / 36 + product % 36
        })
        .sum();
    ALPHABET[(36 - sum % 36) % 36]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GSTINs published in public documents: the GST portal's documentation example, and
    /// two printed on large retailers' tax invoices.
    const VALID: &[&str] = &["27AAPFU0939F1ZV", "27AAACR5055K1Z7", "29AACCF0683K1ZD"];

    #[test]
    fn published_gstins_are_valid_and_keep_their_state() {
        for raw in VALID {
            let gstin = Gstin::parse(raw, "gstin").unwrap_or_else(|e| panic!("{raw}: {e:?}"));
            assert_eq!(gstin.as_str(), *raw);
        }
        let gstin = Gstin::parse(" 27aapfu0939f1zv ", "gstin").unwrap();
        assert_eq!((gstin.state_code(), gstin.pan()), (27, "AAPFU0939F"));
        assert_eq!(state_name(gstin.state_code()), Some("Maharashtra"));
    }

    #[test]
    fn every_single_character_corruption_is_refused_naming_the_field() {
        for raw in VALID {
            for position in 0..15 {
                for replacement in ALPHABET.iter().copied().filter(|c| *c != raw.as_bytes()[position]) {
                    let mut corrupted = raw.as_bytes().to_vec();
                    corrupted[position] = replacement;
                    let corrupted = String::from_utf8(corrupted).unwrap();
                    let refused = Gstin::parse(&corrupted, "billing.gstin").expect_err(&corrupted);
                    assert_eq!(refused.0[0].field, "billing.gstin");
                }
            }
        }
    }

    #[test]
    fn a_state_is_known_by_its_name_in_any_case_an_old_name_or_its_code() {
        assert_eq!(state_code_of("Karnataka"), Some(29));
        assert_eq!(state_code_of("  tamil   NADU "), Some(33));
        assert_eq!(state_code_of("Jammu & Kashmir"), Some(1));
        assert_eq!(state_code_of("Orissa"), Some(21));
        assert_eq!(state_code_of("07"), Some(7));
        for unknown in ["", "Atlantis", "7", "97", "99", "Other Territory", "Karnataka\0"] {
            assert_eq!(state_code_of(unknown), None, "{unknown:?}");
        }
    }

    #[test]
    fn the_wrong_length_characters_or_state_are_refused() {
        for raw in [
            "",
            "27AAPFU0939F1Z",
            "27AAPFU0939F1ZVX",
            "27AAPFU0939F1Z-",
            "00AAPFU0939F1ZV",
            "40AAPFU0939F1ZV",
            "96AAPFU0939F1ZV",
        ] {
            assert!(Gstin::parse(raw, "gstin").is_err(), "{raw}");
        }
    }
}

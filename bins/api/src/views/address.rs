//! An address sent by a customer: `POST /me/addresses` and the `shipping_address` of
//! `POST /orders` take the same body and the same rules.

use api_types::addresses::NewAddress as AddressBody;
use identity::addresses::NewAddress;
use kernel::{FieldError, InvalidInput, PersonName, Phone, Pincode};

use crate::http::params::keep;
use crate::views::FromWire;

/// A required line of an address: trimmed, not blank, on one line.
pub fn line(value: &str, field: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        errors.push(FieldError::new(field, "must not be blank"));
        None
    } else if value.contains(['\n', '\r', '\t']) {
        errors.push(FieldError::new(field, "must be a single line"));
        None
    } else {
        Some(value.to_owned())
    }
}

/// An optional line of an address: blank is the same as absent.
pub fn optional_line(value: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty()).and_then(|v| line(v, field, errors))
}

/// A two-letter country code, upper-cased.
pub fn country(raw: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let code = raw.trim().to_ascii_uppercase();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Some(code)
    } else {
        errors.push(FieldError::new("country", "must be a two-letter country code such as IN"));
        None
    }
}

impl FromWire<AddressBody> for NewAddress {
    fn from_wire(body: AddressBody) -> Result<Self, InvalidInput> {
        let mut errors = Vec::new();
        let name = keep(PersonName::parse(&body.name, "name"), &mut errors);
        let phone = keep(Phone::parse(&body.phone, "phone"), &mut errors);
        let company = optional_line(body.company.as_deref(), "company", &mut errors);
        let line1 = line(&body.line1, "line1", &mut errors);
        let line2 = optional_line(body.line2.as_deref(), "line2", &mut errors);
        let city = line(&body.city, "city", &mut errors);
        let state = line(&body.state, "state", &mut errors);
        let pincode = keep(Pincode::parse(&body.pincode, "pincode"), &mut errors);
        let country = country(body.country.as_deref().unwrap_or("IN"), &mut errors);
        match (name, phone, line1, city, state, pincode, country) {
            (Some(name), Some(phone), Some(line1), Some(city), Some(state), Some(pincode), Some(country))
                if errors.is_empty() =>
            {
                Ok(NewAddress {
                    name,
                    phone,
                    company,
                    line1,
                    line2,
                    city,
                    state,
                    pincode,
                    country,
                    is_default: body.is_default.unwrap_or(false),
                })
            }
            _ => Err(InvalidInput(errors)),
        }
    }
}

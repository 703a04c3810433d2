//! How many units of a product: a positive whole number with a sane ceiling.

use crate::InvalidInput;

/// 1 to [`Quantity::MAX`] units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(i64);

impl Quantity {
    /// More than any one order or reservation line needs; keeps sums far from overflow.
    pub const MAX: i64 = 1_000_000;

    /// Parses `raw`; errors name `field`.
    pub fn new(raw: i64, field: &str) -> Result<Self, InvalidInput> {
        if (1..=Self::MAX).contains(&raw) {
            Ok(Quantity(raw))
        } else {
            Err(InvalidInput::field(field, format!("must be between 1 and {}", Self::MAX)))
        }
    }

    pub const fn get(self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_positive_and_bounded() {
        assert_eq!(Quantity::new(3, "q").unwrap().get(), 3);
        assert_eq!(Quantity::new(0, "items[0].quantity").unwrap_err().0[0].field, "items[0].quantity");
        assert!(Quantity::new(-1, "q").is_err());
        assert!(Quantity::new(Quantity::MAX + 1, "q").is_err());
    }
}

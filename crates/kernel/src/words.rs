//! Amounts in words, as an Indian tax invoice writes them: Indian grouping (crore, lakh,
//! thousand, hundred), hyphenated tens, paise after "and", ending in "Only".

use crate::Money;

const ONES: [&str; 20] = [
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
];
const TENS: [&str; 10] = ["", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety"];

/// "Rupees One Lakh Twenty-Three Thousand Four Hundred Fifty-Six and Seventy-Eight Paise
/// Only" for ₹1,23,456.78. A negative amount is written as its size (an invoice states
/// what is owed; a credit note says it is a credit).
pub fn rupees_in_words(amount: Money) -> String {
    let paise = amount.paise().unsigned_abs();
    let (rupees, paise) = (paise / 100, paise % 100);
    let mut words = format!("Rupees {}", number_in_words(rupees));
    if paise > 0 {
        words.push_str(&format!(" and {} Paise", below_hundred(paise)));
    }
    words.push_str(" Only");
    words
}

/// A whole number in Indian grouping: crores (themselves grouped, so ten thousand crore
/// is "Ten Thousand Crore"), then lakhs, thousands, hundreds and the rest.
pub fn number_in_words(n: u64) -> String {
    if n == 0 {
        return ONES[0].to_owned();
    }
    let mut parts = Vec::new();
    let crores = n / 10_000_000;
    if crores > 0 {
        parts.push(format!("{} Crore", number_in_words(crores)));
    }
    let rest = n % 10_000_000;
    for (unit, name) in [(100_000, "Lakh"), (1_000, "Thousand"), (100, "Hundred")] {
        let count = rest / unit % if unit == 100 { 10 } else { 100 };
        if count > 0 {
            parts.push(format!("{} {name}", below_hundred(count)));
        }
    }
    if !rest.is_multiple_of(100) {
        parts.push(below_hundred(rest % 100));
    }
    parts.join(" ")
}

fn below_hundred(n: u64) -> String {
    let n = n as usize;
    match n {
        0..20 => ONES[n].to_owned(),
        _ if n.is_multiple_of(10) => TENS[n / 10].to_owned(),
        _ => format!("{}-{}", TENS[n / 10], ONES[n % 10]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_in_indian_grouping_with_paise() {
        let cases = [
            (0, "Rupees Zero Only"),
            (5, "Rupees Zero and Five Paise Only"),
            (100, "Rupees One Only"),
            (1_100, "Rupees Eleven Only"),
            (2_000, "Rupees Twenty Only"),
            (9_999, "Rupees Ninety-Nine and Ninety-Nine Paise Only"),
            (10_000_000, "Rupees One Lakh Only"),
            (12_345_678, "Rupees One Lakh Twenty-Three Thousand Four Hundred Fifty-Six and Seventy-Eight Paise Only"),
            (100_000_000_000, "Rupees One Hundred Crore Only"),
            (1_000_000_000_000, "Rupees One Thousand Crore Only"),
            (7_050_000_100, "Rupees Seven Crore Five Lakh One Only"),
            (7_005_000_100, "Rupees Seven Crore Fifty Thousand One Only"),
            (-150, "Rupees One and Fifty Paise Only"),
        ];
        for (paise, words) in cases {
            assert_eq!(rupees_in_words(Money::from_paise(paise)), words, "{paise} paise");
        }
    }

    #[test]
    fn the_largest_amount_is_written_without_overflow() {
        let words = rupees_in_words(Money::from_paise(i64::MIN));
        assert!(words.starts_with("Rupees Nine Hundred Twenty-Two Crore Thirty-Three Lakh"), "{words}");
        assert!(words.ends_with("and Eight Paise Only"), "{words}");
    }
}

//! What a shopper typed into the search box, made safe for full-text and trigram search.

use kernel::InvalidInput;

/// A search query: the trimmed, lower-cased text (for trigram similarity) and its words
/// (for full-text prefix matching). Only letters and digits reach a `tsquery`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText {
    text: String,
    words: Vec<String>,
}

impl SearchText {
    pub const MAX_CHARS: usize = 100;
    /// Words beyond this are ignored by full-text matching (trigrams still see them).
    pub const MAX_WORDS: usize = 8;

    pub fn parse(raw: &str, field: &str) -> Result<Self, InvalidInput> {
        let text = raw.trim().to_lowercase();
        if text.chars().count() > Self::MAX_CHARS {
            return Err(InvalidInput::field(field, format!("must be at most {} characters", Self::MAX_CHARS)));
        }
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(Self::MAX_WORDS)
            .map(str::to_owned)
            .collect();
        if words.is_empty() {
            return Err(InvalidInput::field(field, "must contain a letter or a digit"));
        }
        Ok(SearchText { text, words })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The words, lower-cased: letters and digits only.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// `ryzen:* | 7:*`: any word as a prefix, for ranking with `to_tsquery('simple', …)`.
    pub fn any_word_tsquery(&self) -> String {
        self.words.iter().map(|w| format!("{w}:*")).collect::<Vec<_>>().join(" | ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_letters_and_digits_for_full_text() {
        let q = SearchText::parse("  RTX 4070 'Super' & !", "q").unwrap();
        assert_eq!(q.text(), "rtx 4070 'super' & !");
        assert_eq!(q.words(), ["rtx", "4070", "super"]);
        assert_eq!(q.any_word_tsquery(), "rtx:* | 4070:* | super:*");
    }

    #[test]
    fn refuses_empty_or_overlong_queries() {
        assert_eq!(SearchText::parse(" !? ", "q").unwrap_err().0[0].field, "q");
        assert!(SearchText::parse(&"a".repeat(101), "q").is_err());
        assert_eq!(SearchText::parse(&"a ".repeat(20), "q").unwrap().words.len(), SearchText::MAX_WORDS);
    }
}

//! Keyset pagination: a page size and an opaque cursor naming the last row seen.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A page size: 1 to [`Limit::MAX`], [`Limit::DEFAULT`] when the client says nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(u32);

impl Limit {
    pub const DEFAULT: u32 = 24;
    pub const MAX: u32 = 100;

    pub fn new(requested: Option<u32>) -> Result<Self, crate::InvalidInput> {
        match requested.unwrap_or(Self::DEFAULT) {
            n @ 1..=Self::MAX => Ok(Limit(n)),
            _ => Err(crate::InvalidInput::field("limit", format!("must be between 1 and {}", Self::MAX))),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// One more row than the page holds, to learn whether another page follows.
    pub fn fetch_size(self) -> i64 {
        i64::from(self.0) + 1
    }
}

impl Default for Limit {
    fn default() -> Self {
        Limit(Self::DEFAULT)
    }
}

/// An opaque position in a list: the sort key of the last row of a page, encoded so that
/// clients treat it as a token and never build one by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(String);

/// A cursor that was not made by this server (or not for this list).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cursor is not valid for this list")]
pub struct InvalidCursor;

impl Cursor {
    pub fn encode<K: Serialize>(key: &K) -> Self {
        let json = serde_json::to_vec(key).expect("cursor keys are plain data");
        Cursor(URL_SAFE_NO_PAD.encode(json))
    }

    pub fn decode<K: DeserializeOwned>(token: &str) -> Result<K, InvalidCursor> {
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| InvalidCursor)?;
        serde_json::from_slice(&bytes).map_err(|_| InvalidCursor)
    }

    /// A keyset position led by a time (`created_at`, then a tie-breaker), as most lists
    /// page. A time outside years 1 to 9999 was never written by this server, and the
    /// database would refuse it: it is an invalid cursor, not a query to run.
    pub fn decode_after<T: DeserializeOwned>(token: &str) -> Result<(chrono::DateTime<chrono::Utc>, T), InvalidCursor> {
        use chrono::Datelike as _;
        let (at, tie): (chrono::DateTime<chrono::Utc>, T) = Self::decode(token)?;
        if (1..=9999).contains(&at.year()) { Ok((at, tie)) } else { Err(InvalidCursor) }
    }

    /// A token as a client sent it back; nothing is checked until it is decoded.
    pub fn from_token(token: String) -> Self {
        Cursor(token)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// One page of a list and where the next one starts (`None` on the last page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<Cursor>,
}

impl<T> Page<T> {
    /// Builds a page from rows fetched with [`Limit::fetch_size`]: the extra row, if
    /// any, is dropped and the cursor is taken from the last row kept.
    pub fn from_rows<K: Serialize>(mut rows: Vec<T>, limit: Limit, key_of: impl Fn(&T) -> K) -> Self {
        let has_more = rows.len() > limit.get() as usize;
        rows.truncate(limit.get() as usize);
        let next_cursor = if has_more { rows.last().map(|row| Cursor::encode(&key_of(row))) } else { None };
        Page { items: rows, next_cursor }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_led_cursor_outside_the_years_the_database_takes_is_invalid() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z").unwrap().to_utc();
        let fine = Cursor::encode(&(at, 7));
        assert_eq!(Cursor::decode_after::<i32>(fine.as_str()), Ok((at, 7)));
        let forged = URL_SAFE_NO_PAD.encode(br#"["-5000-01-01T00:00:00Z",7]"#);
        assert_eq!(Cursor::decode_after::<i32>(&forged), Err(InvalidCursor));
    }

    #[test]
    fn limit_defaults_and_refuses_out_of_range() {
        assert_eq!(Limit::new(None).unwrap().get(), 24);
        assert_eq!(Limit::new(Some(100)).unwrap().get(), 100);
        assert!(Limit::new(Some(0)).is_err());
        assert!(Limit::new(Some(101)).is_err());
    }

    #[test]
    fn cursor_round_trips_and_refuses_garbage() {
        let token = Cursor::encode(&("2026-11-21T10:00:00Z", 42));
        let key: (String, i32) = Cursor::decode(token.as_str()).unwrap();
        assert_eq!(key, ("2026-11-21T10:00:00Z".to_owned(), 42));
        assert_eq!(Cursor::decode::<(String, i32)>("not a cursor!"), Err(InvalidCursor));
        assert_eq!(Cursor::decode::<(String, i32)>(Cursor::encode(&7).as_str()), Err(InvalidCursor));
    }

    #[test]
    fn page_keeps_limit_rows_and_points_past_the_last() {
        let limit = Limit::new(Some(2)).unwrap();
        let page = Page::from_rows(vec![1, 2, 3], limit, |n| *n);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(Cursor::decode::<i32>(page.next_cursor.unwrap().as_str()).unwrap(), 2);
        let last = Page::from_rows(vec![1, 2], limit, |n| *n);
        assert_eq!(last.next_cursor, None);
    }
}

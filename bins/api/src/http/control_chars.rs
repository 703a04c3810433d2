//! Control characters are refused at the edge, before any text reaches a domain type or
//! the database: PostgreSQL refuses NUL in `text` and `jsonb` outright (a 500 if it got that
//! far), and the other controls (ESC sequences, backspaces) have no place in a product name,
//! an address or a search. Tab, line feed and carriage return are kept: descriptions and
//! notes may span lines. Single-line fields refuse those in their own rules.
//!
//! One check for every way text comes in: JSON bodies ([`json_body_fields`], used by the
//! body extractors), query strings and paths ([`url_fields`], used by the request-context
//! middleware before routing). Webhook bodies are checked by the payments crate.

use kernel::FieldError;
use serde_json::Value;

/// Fields named in one answer, at most: a body of a million NULs gets a short answer.
pub const MAX_FIELDS: usize = 20;

/// The message every refused field carries.
pub const MESSAGE: &str = "must not contain control characters (such as NUL or ESC)";

/// NUL and the other C0 controls but tab, line feed and carriage return; DEL; the C1 controls.
pub fn is_forbidden(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || ('\u{7f}'..='\u{9f}').contains(&c)
}

pub fn has_forbidden(text: &str) -> bool {
    text.chars().any(is_forbidden)
}

/// Every string (member names too) in a JSON body that holds a forbidden character, named
/// by its path (`shipping_address.line1`, `items[0].name`); empty when there is none. An
/// error when the body, read as a whole, is not JSON: the walk reads every member, so a
/// lone surrogate in a member the route ignores is found here too.
pub fn json_body_fields(bytes: &[u8]) -> Result<Vec<FieldError>, serde_json::Error> {
    if !might_hold_controls(bytes) {
        return Ok(Vec::new());
    }
    let value = serde_json::from_slice::<Value>(bytes)?;
    let mut fields = Vec::new();
    walk(&value, &mut String::new(), &mut fields);
    Ok(fields)
}

fn push(fields: &mut Vec<FieldError>, field: &str, message: impl Into<String>) {
    if fields.len() < MAX_FIELDS {
        fields.push(FieldError::new(short(field), message));
    }
}

/// Raw JSON cannot hold a C0 control (the parser refuses one outside an escape), so a
/// forbidden character is either escaped (`\u0000`) or a raw DEL or C1 character. Bodies
/// with none of these, nearly all of them, skip the walk.
fn might_hold_controls(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|pair| pair == b"\\u" || (pair[0] == 0xC2 && (0x80..=0x9F).contains(&pair[1])))
        || bytes.contains(&0x7F)
}

fn walk(value: &Value, path: &mut String, fields: &mut Vec<FieldError>) {
    match value {
        _ if fields.len() >= MAX_FIELDS => {}
        Value::String(text) if has_forbidden(text) => push(fields, &field_name(path), MESSAGE),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let before = path.len();
                path.push_str(&format!("[{index}]"));
                walk(item, path, fields);
                path.truncate(before);
            }
        }
        Value::Object(members) => {
            for (name, member) in members {
                if has_forbidden(name) {
                    push(fields, &field_name(path), format!("member names {MESSAGE}"));
                    continue;
                }
                let before = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(name);
                walk(member, path, fields);
                path.truncate(before);
            }
        }
        _ => {}
    }
}

fn field_name(path: &str) -> String {
    if path.is_empty() { "body".to_owned() } else { path.to_owned() }
}

/// The path and query parameters (decoded) that hold a forbidden character: `path` for the
/// path, the parameter's name for a query value. Names that are themselves refused are
/// reported as `query`.
pub fn url_fields(path: &str, query: &str) -> Vec<FieldError> {
    let mut fields = Vec::new();
    if let Some(problem) = text_problem(path) {
        push(&mut fields, "path", problem);
    }
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match text_problem(name) {
            Some(problem) => push(&mut fields, "query", format!("parameter names {problem}")),
            None => {
                if let Some(problem) = text_problem(value) {
                    push(&mut fields, &decoded(name), problem);
                }
            }
        }
    }
    fields
}

/// What is wrong with a percent-encoded piece of a URL, once decoded (`+` is a space in a
/// query, and harmless here).
fn text_problem(encoded: &str) -> Option<&'static str> {
    match percent_encoding::percent_decode_str(encoded).decode_utf8() {
        Err(_) => Some("must be valid UTF-8"),
        Ok(text) if has_forbidden(&text) => Some(MESSAGE),
        Ok(_) => None,
    }
}

fn decoded(encoded: &str) -> String {
    percent_encoding::percent_decode_str(&encoded.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// At most 64 characters of a client's name for a thing, so that an answer never echoes a
/// huge input back.
pub fn short(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(body: &str) -> Vec<String> {
        json_body_fields(body.as_bytes()).unwrap().into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn nul_and_escape_are_forbidden_but_line_breaks_and_tabs_are_not() {
        for c in ['\0', '\u{1b}', '\u{7}', '\u{7f}', '\u{85}', '\u{9f}'] {
            assert!(is_forbidden(c), "{c:?}");
        }
        for c in ['\t', '\n', '\r', ' ', 'a', '₹', '\u{a0}', 'é'] {
            assert!(!is_forbidden(c), "{c:?}");
        }
    }

    #[test]
    fn every_string_holding_a_control_is_named_by_its_path() {
        let body = r#"{"name":"a\u0000b","items":[{"note":"ok"},{"note":"\u001b[31m"}],
                      "address":{"line1":"x\u007f"},"fine":"line\nbreak"}"#;
        assert_eq!(fields(body), ["address.line1", "items[1].note", "name"]);
    }

    #[test]
    fn a_raw_del_or_c1_character_is_found_too() {
        assert_eq!(fields("{\"a\":\"x\u{7f}\"}"), ["a"]);
        assert_eq!(fields("{\"a\":\"x\u{85}\"}"), ["a"]);
    }

    #[test]
    fn a_member_name_with_a_control_is_reported_at_its_parent() {
        assert_eq!(fields(r#"{"specifications":{"a\u0000":"b"}}"#), ["specifications"]);
        assert_eq!(fields(r#"{"\u0000":1}"#), ["body"]);
    }

    #[test]
    fn clean_bodies_and_other_escapes_pass() {
        assert!(fields(r#"{"name":"Ryzen \u00e9 \"quoted\""}"#).is_empty());
        assert!(json_body_fields(br#"{"ignored":"\ud800"}"#).is_err(), "a lone surrogate anywhere");
    }

    #[test]
    fn query_values_and_paths_are_decoded_before_the_check() {
        let named: Vec<String> =
            url_fields("/api/v1/products/a%00b", "category=%00&brand=ok&q=%1B").into_iter().map(|f| f.field).collect();
        assert_eq!(named, ["path", "category", "q"]);
        assert!(url_fields("/api/v1/products", "q=ryzen+7%20cpu&category=cpu").is_empty());
        let invalid: Vec<String> = url_fields("/x%FF", "q=%FF%FE").into_iter().map(|f| f.message).collect();
        assert_eq!(invalid, ["must be valid UTF-8", "must be valid UTF-8"]);
    }

    #[test]
    fn an_answer_names_at_most_twenty_fields_each_shortened() {
        let many = format!("[{}]", vec![r#""\u0000""#; 1000].join(","));
        assert_eq!(json_body_fields(many.as_bytes()).unwrap().len(), MAX_FIELDS);
        let long_name = format!(r#"{{"{}":{{"a":"\u0000"}}}}"#, "n".repeat(10_000));
        let named = json_body_fields(long_name.as_bytes()).unwrap();
        assert!(named[0].field.chars().count() <= 65, "{}", named[0].field.len());
    }

    #[test]
    fn short_keeps_at_most_sixty_four_characters() {
        assert_eq!(short("abc"), "abc");
        assert_eq!(short(&"x".repeat(1000)).chars().count(), 65);
    }
}

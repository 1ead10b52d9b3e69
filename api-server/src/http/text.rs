//! The one rule for text in a request, applied where bodies, query strings and paths are
//! parsed: no control characters but tab, line feed and carriage return. Postgres cannot
//! store NUL, and no other control character belongs in a name, a query or an address; a
//! request carrying one is refused with a 422 naming the field, before any handler runs.

use super::problem::{ApiError, FieldError};
use serde_json::Value;

/// The first character of `text` that the rule refuses.
pub fn forbidden_char(text: &str) -> Option<char> {
    text.chars().find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// The field error for `field` if `text` breaks the rule.
pub fn check(field: &str, text: &str) -> Result<(), FieldError> {
    match forbidden_char(text) {
        None => Ok(()),
        Some(c) => Err(FieldError::new(
            field,
            format!("must not contain control characters (found U+{:04X})", u32::from(c)),
        )),
    }
}

/// Checks one decoded query-string pair: the parameter's name and its value.
pub fn check_query_pair(name: &str, value: &str) -> Result<(), FieldError> {
    if forbidden_char(name).is_some() {
        return Err(FieldError::new("query", "parameter names must not contain control characters"));
    }
    check(name, value)
}

/// Checks every string and key of a JSON body that is known to be valid JSON. A control
/// character can only be written in JSON as an escape, so a body without a backslash is
/// accepted without a second parse.
pub fn check_json(body: &[u8]) -> Result<(), ApiError> {
    if !body.contains(&b'\\') {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else { return Ok(()) };
    let mut errors = Vec::new();
    walk(&value, &mut String::new(), &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Collects the field errors of `value` at `path` (written as serde_path_to_error does:
/// `lines[1].sku`; the body itself is `body`).
fn walk(value: &Value, path: &mut String, errors: &mut Vec<FieldError>) {
    let here = |path: &str| if path.is_empty() { "body".to_owned() } else { path.to_owned() };
    match value {
        Value::String(text) => errors.extend(check(&here(path), text).err()),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{index}]"));
                walk(item, path, errors);
                path.truncate(len);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                if forbidden_char(key).is_some() {
                    // Named by where it sits; the name itself is not echoed back.
                    errors
                        .push(FieldError::new(here(path), "field names must not contain control characters"));
                    continue;
                }
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                walk(item, path, errors);
                path.truncate(len);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(body: &str) -> Vec<String> {
        match check_json(body.as_bytes()) {
            Ok(()) => Vec::new(),
            Err(ApiError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn nul_and_other_controls_are_named_by_path() {
        assert_eq!(fields(r#"{"display_name":"a\u0000b"}"#), ["display_name"]);
        assert_eq!(fields(r#"{"lines":[{"sku":"ok"},{"sku":"bad\u001b"}]}"#), ["lines[1].sku"]);
        assert_eq!(fields(r#"{"a":{"b":"\b"}}"#), ["a.b"]);
        assert_eq!(fields(r#""\u0000""#), ["body"]);
        assert_eq!(fields(r#"{"x\u0000":1}"#), ["body"]);
        assert_eq!(fields(r#"{"a":{"x\u0000":1}}"#), ["a"]);
    }

    #[test]
    fn line_breaks_tabs_and_escaped_backslashes_pass() {
        assert!(fields(r#"{"description":"one\ntwo\r\n\tthree"}"#).is_empty());
        assert!(fields(r#"{"path":"C:\\u0000 is text, not NUL"}"#).is_empty());
        assert!(fields(r#"{"emoji":"\ud83d\ude00"}"#).is_empty());
        assert_eq!(fields(r#"{"del":"\u007f"}"#), ["del"]);
    }

    #[test]
    fn plain_text_is_checked_too() {
        assert!(check("q", "shoes").is_ok());
        let err = check("q", "a\u{0}b").unwrap_err();
        assert_eq!(err.field, "q");
        assert!(err.message.contains("U+0000"), "{}", err.message);
    }
}

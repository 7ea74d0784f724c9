//! JSON as Go's `encoding/json` reads it into a struct.
//!
//! Podman and CRI-O read hook files with `json.Unmarshal`. It differs
//! from a generic JSON value in ways a hook file can reach:
//!
//! - an object may name a field twice, or in two spellings (`"hook"` and
//!   `"Hook"`, see [`crate::gokeys`]); each is decoded into the field in
//!   document order, so a later one overrides a string or a list and
//!   merges into an object (`{"hook": {"path": "/a", "args": ["x"]},
//!   "Hook": {"path": "/b"}}` has path `/b` and args `["x"]`);
//! - `null` sets a list, a map or an optional value to "absent" and leaves
//!   a string, a boolean or an object unchanged; a `null` list element or
//!   map value is the empty string;
//! - a string with bytes that are not UTF-8, or with a lone surrogate
//!   escape (`"\ud800"`), is read with U+FFFD in their place;
//! - objects and lists may nest 10000 deep.
//!
//! [`parse`] keeps every member of every object in order (duplicates
//! included); the decoding helpers apply Go's rules for one field. The
//! syntax is checked, and strings decoded, by [`crate::gojson`], the same
//! reader that checks config.json, with `json.Unmarshal`'s one addition:
//! nothing but whitespace may follow the value.

use crate::gojson::{self, Kind};
use std::borrow::Cow;
use std::ops::Range;

/// A JSON value with every object member kept, in order. Strings without
/// escapes are borrowed from the input.
#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    /// The number as written.
    Number(Cow<'a, str>),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl Json<'_> {
    /// What the value is, for messages ("a string").
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "a list",
            Json::Object(_) => "an object",
        }
    }
}

/// Parses a whole document as `json.Unmarshal` does: one value,
/// surrounded by whitespace only. The error is a one-line fault saying
/// what is wrong and where (`invalid JSON: ... at line L, column C`).
pub fn parse(bytes: &[u8]) -> Result<Json<'_>, String> {
    let checked = gojson::check(bytes).map_err(|e| e.fault(bytes))?;
    let after = gojson::skip_ws(bytes, checked.value.end);
    if after < bytes.len() {
        let e = gojson::SyntaxError {
            offset: after,
            what: "invalid character after top-level value".to_string(),
            truncated: false,
        };
        return Err(e.fault(bytes));
    }
    Ok(tree(bytes, checked.value))
}

/// A container being built: what it holds so far.
enum Open<'a> {
    Array(Vec<Json<'a>>),
    /// The members so far and the key of the member being read.
    Object(Vec<(Cow<'a, str>, Json<'a>)>, Cow<'a, str>),
}

/// The tree of the checked value at `range`, in one pass over its text
/// (the scanner has checked it, so only the token at each step matters).
/// Iterative, so any depth the scanner accepted is fine.
fn tree(text: &[u8], range: Range<usize>) -> Json<'_> {
    let mut stack: Vec<Open<'_>> = Vec::new();
    let mut pos = range.start;
    loop {
        pos = gojson::skip_ws(text, pos);
        // An object's key comes first.
        if let Some(Open::Object(_, key)) = stack.last_mut() {
            if text.get(pos) == Some(&b'"') {
                let end = gojson::value_end(text, pos);
                *key = gojson::unquote(text, pos..end);
                pos = gojson::skip_ws(text, end);
                pos = gojson::skip_ws(text, pos + 1); // the colon
            }
        }
        let mut done = match text.get(pos) {
            Some(b'{') => {
                stack.push(Open::Object(Vec::new(), Cow::Borrowed("")));
                pos += 1;
                None
            }
            Some(b'[') => {
                stack.push(Open::Array(Vec::new()));
                pos += 1;
                None
            }
            Some(b'}' | b']') => None,
            _ => {
                let end = gojson::value_end(text, pos);
                let v = scalar(text, pos..end);
                pos = end;
                Some(v)
            }
        };
        // Give the value to its container; close the containers that end
        // here.
        loop {
            let Some(top) = stack.last_mut() else {
                return done.unwrap_or(Json::Null);
            };
            if let Some(v) = done.take() {
                match top {
                    Open::Array(items) => items.push(v),
                    Open::Object(members, key) => members.push((std::mem::take(key), v)),
                }
            }
            pos = gojson::skip_ws(text, pos);
            match text.get(pos) {
                Some(b',') => {
                    pos += 1;
                    break;
                }
                Some(b'}' | b']') => {
                    pos += 1;
                    done = match stack.pop() {
                        Some(Open::Array(items)) => Some(Json::Array(items)),
                        Some(Open::Object(members, _)) => Some(Json::Object(members)),
                        None => None,
                    };
                }
                // The next value of a container just opened.
                _ => break,
            }
        }
    }
}

/// A checked string, number, boolean or null.
fn scalar(text: &[u8], r: Range<usize>) -> Json<'_> {
    match gojson::kind(text, r.start) {
        Some(Kind::String) => Json::String(gojson::unquote(text, r)),
        Some(Kind::Bool) => Json::Bool(text.get(r.start) == Some(&b't')),
        Some(Kind::Null) | None => Json::Null,
        Some(_) => Json::Number(match text.get(r) {
            // Checked numbers are ASCII.
            Some(n) => String::from_utf8_lossy(n),
            None => Cow::Borrowed("0"),
        }),
    }
}

/// A field's value as Go decodes it into a `string`: `null` leaves what
/// was there.
pub fn string_into(target: &mut String, v: &Json<'_>, field: &str) -> Result<(), String> {
    match v {
        Json::Null => Ok(()),
        Json::String(s) => {
            target.clear();
            target.push_str(s);
            Ok(())
        }
        other => Err(type_error(field, "a string", other)),
    }
}

/// Into an optional value (Go's pointer fields): `null` makes it absent,
/// a value of the kind `take` accepts sets it.
fn opt_into<T>(
    target: &mut Option<T>,
    v: &Json<'_>,
    field: &str,
    wanted: &str,
    take: impl Fn(&Json<'_>) -> Option<Result<T, String>>,
) -> Result<(), String> {
    if let Json::Null = v {
        *target = None;
        return Ok(());
    }
    match take(v) {
        Some(value) => {
            *target = Some(value?);
            Ok(())
        }
        None => Err(type_error(field, wanted, v)),
    }
}

/// Into a `*string` (absent when `None`).
pub fn opt_string_into(
    target: &mut Option<String>,
    v: &Json<'_>,
    field: &str,
) -> Result<(), String> {
    opt_into(target, v, field, "a string", |v| match v {
        Json::String(s) => Some(Ok(s.to_string())),
        _ => None,
    })
}

/// Into a `*bool`.
pub fn opt_bool_into(target: &mut Option<bool>, v: &Json<'_>, field: &str) -> Result<(), String> {
    opt_into(target, v, field, "true or false", |v| match v {
        Json::Bool(b) => Some(Ok(*b)),
        _ => None,
    })
}

/// Into a `*int` (64-bit): the number must be a whole number as written.
pub fn opt_int_into(target: &mut Option<i64>, v: &Json<'_>, field: &str) -> Result<(), String> {
    opt_into(target, v, field, "a whole number", |v| match v {
        Json::Number(n) => Some(
            n.parse::<i64>()
                .map_err(|_| format!("field `{field}`: expected a whole number, found {n}")),
        ),
        _ => None,
    })
}

/// A `[]string` as Go's decoder keeps it between two decodes of the same
/// field: a later list reuses the earlier one's storage, so a `null`
/// element keeps what that storage held at its index (the empty string
/// when nothing was ever there).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StringList {
    /// Every element ever decoded at each index since the list was last
    /// made anew: Go's backing array.
    storage: Vec<String>,
    /// The length of the list; `None` for a nil slice (missing or `null`).
    len: Option<usize>,
}

impl StringList {
    /// The list, `None` when absent.
    pub fn get(&self) -> Option<&[String]> {
        self.len.and_then(|n| self.storage.get(..n))
    }

    pub fn into_vec(mut self) -> Option<Vec<String>> {
        let n = self.len?;
        self.storage.truncate(n);
        Some(self.storage)
    }

    /// Decodes `v` into the list.
    pub fn decode(&mut self, v: &Json<'_>, field: &str) -> Result<(), String> {
        match v {
            Json::Null => {
                self.len = None;
                self.storage.clear();
                Ok(())
            }
            Json::Array(elements) => {
                if elements.is_empty() {
                    // Go makes a fresh empty slice.
                    self.len = Some(0);
                    self.storage.clear();
                    return Ok(());
                }
                for (i, e) in elements.iter().enumerate() {
                    if self.storage.len() <= i {
                        self.storage.push(String::new());
                    }
                    match (e, self.storage.get_mut(i)) {
                        (Json::Null, _) => {}
                        (Json::String(text), Some(slot)) => {
                            slot.clear();
                            slot.push_str(text);
                        }
                        (Json::String(_), None) => {}
                        (other, _) => {
                            return Err(type_error(&format!("{field}[{i}]"), "a string", other))
                        }
                    }
                }
                self.len = Some(elements.len());
                Ok(())
            }
            other => Err(type_error(field, "a list of strings", other)),
        }
    }
}

/// A `map[string]string`: `null` makes it absent, an object adds to it
/// (a later key replaces an earlier one; a `null` value is the empty
/// string). Keys are kept in first-seen order.
pub fn string_map_into(
    target: &mut Option<Vec<(String, String)>>,
    v: &Json<'_>,
    field: &str,
) -> Result<(), String> {
    match v {
        Json::Null => {
            *target = None;
            Ok(())
        }
        Json::Object(members) => {
            let map = target.get_or_insert_with(Vec::new);
            for (key, value) in members {
                let text = match value {
                    Json::Null => String::new(),
                    Json::String(text) => text.to_string(),
                    other => {
                        return Err(type_error(&format!("{field}[{key:?}]"), "a string", other))
                    }
                };
                match map.iter_mut().find(|(k, _)| k == key) {
                    Some(entry) => entry.1 = text,
                    None => map.push((key.to_string(), text)),
                }
            }
            Ok(())
        }
        other => Err(type_error(field, "an object of strings", other)),
    }
}

/// The members of an object decoded into a struct; `null` leaves the
/// struct as it was (returns no members).
pub fn members<'j, 'a>(
    v: &'j Json<'a>,
    field: &str,
) -> Result<&'j [(Cow<'a, str>, Json<'a>)], String> {
    match v {
        Json::Null => Ok(&[]),
        Json::Object(m) => Ok(m),
        other => Err(type_error(field, "an object", other)),
    }
}

pub fn type_error(field: &str, wanted: &str, found: &Json<'_>) -> String {
    if field.is_empty() {
        format!("expected {wanted}, found {}", found.kind())
    } else {
        format!("field `{field}`: expected {wanted}, found {}", found.kind())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(text: &str) -> Vec<(Cow<'_, str>, Json<'_>)> {
        match parse(text.as_bytes()).unwrap() {
            Json::Object(m) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn duplicate_members_are_kept_in_order() {
        let m = obj(r#"{"a": 1, "A": 2, "a": null}"#);
        let keys: Vec<&str> = m.iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(keys, ["a", "A", "a"]);
        assert_eq!(m[2].1, Json::Null);
    }

    #[test]
    fn strings_read_as_go_reads_them() {
        let s = |text: &[u8]| match parse(text).unwrap() {
            Json::String(s) => s.into_owned(),
            other => panic!("{other:?}"),
        };
        assert_eq!(s(br#""a\u00e9\n""#), "aé\n");
        assert_eq!(s(br#""\ud83d\ude00""#), "😀");
        assert_eq!(s(br#""\ud800x""#), "\u{FFFD}x");
        assert_eq!(s(br#""\udc00""#), "\u{FFFD}");
        assert_eq!(s(br#""\ud800\u0041""#), "\u{FFFD}A");
        assert_eq!(s(b"\"a\xffb\""), "a\u{FFFD}b");
        assert_eq!(s(b"\"\xe2\x82\""), "\u{FFFD}\u{FFFD}");
        assert_eq!(s(b"\"\xed\xa0\x80\""), "\u{FFFD}\u{FFFD}\u{FFFD}");
        assert_eq!(s("\"é€😀\"".as_bytes()), "é€😀");
    }

    #[test]
    fn syntax_errors_say_where() {
        for bad in [
            &b"{"[..],
            b"",
            b"{\"a\":}",
            b"[1,]",
            b"{\"a\" 1}",
            b"01",
            b"1.",
            b"-",
            b"\"\x01\"",
            b"\"\\x\"",
            b"{} {}",
            b"tru",
            b"\xef\xbb\xbf{}",
            b"{\"a\":1,}",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let e = parse(b"{\n  \"a\": ?}").unwrap_err();
        assert!(e.contains("line 2, column 8"), "{e}");
        assert!(parse(b"{").unwrap_err().starts_with("truncated JSON"));
    }

    #[test]
    fn deep_nesting_up_to_go_limit() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(deep(10_000).as_bytes()).is_ok());
        assert!(parse(deep(10_001).as_bytes()).is_err());
        let deep_obj = format!("{}1{}", "{\"a\":".repeat(5000), "}".repeat(5000));
        assert!(parse(deep_obj.as_bytes()).is_ok());
    }

    #[test]
    fn go_null_and_merge_rules() {
        let mut s = "x".to_string();
        string_into(&mut s, &Json::Null, "f").unwrap();
        assert_eq!(s, "x");
        let mut list = StringList::default();
        list.decode(&parse(br#"["a","b","c"]"#).unwrap(), "f")
            .unwrap();
        list.decode(&parse(br#"["x"]"#).unwrap(), "f").unwrap();
        assert_eq!(list.get(), Some(&["x".to_string()][..]));
        // Null elements keep what the storage held at that index.
        list.decode(&parse(br#"[null, null, null, null]"#).unwrap(), "f")
            .unwrap();
        assert_eq!(list.get().unwrap(), ["x", "b", "c", ""]);
        list.decode(&Json::Array(vec![]), "f").unwrap();
        assert_eq!(list.get(), Some(&[][..]));
        list.decode(&Json::Null, "f").unwrap();
        assert_eq!(list.get(), None);
        let mut map = None;
        string_map_into(&mut map, &parse(br#"{"a":"1","b":null}"#).unwrap(), "m").unwrap();
        string_map_into(&mut map, &parse(br#"{"a":"2"}"#).unwrap(), "m").unwrap();
        assert_eq!(
            map,
            Some(vec![("a".into(), "2".into()), ("b".into(), String::new())])
        );
        let mut t = None;
        assert!(opt_int_into(&mut t, &Json::Number("1.0".into()), "t").is_err());
        assert!(opt_int_into(&mut t, &Json::Number("1e2".into()), "t").is_err());
        opt_int_into(&mut t, &Json::Number("-3".into()), "t").unwrap();
        assert_eq!(t, Some(-3));
    }
}

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
//! included); the decoding helpers apply Go's rules for one field.

use std::borrow::Cow;
use std::fmt;

/// Go's limit on nesting.
const MAX_DEPTH: usize = 10_000;

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

/// A syntax error: what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.message == END {
            "truncated JSON"
        } else {
            "invalid JSON"
        };
        write!(
            f,
            "{what}: {} at line {} column {}",
            self.message, self.line, self.column
        )
    }
}

const END: &str = "unexpected end of input";

/// Parses a whole document (one value, surrounded by whitespace only).
pub fn parse(bytes: &[u8]) -> Result<Json<'_>, SyntaxError> {
    let mut p = Reader { b: bytes, i: 0 };
    p.skip_ws();
    let value = p.value()?;
    p.skip_ws();
    if p.i < p.b.len() {
        return Err(p.error("unexpected content after the top-level value"));
    }
    Ok(value)
}

/// A container being read: its members so far.
enum Open<'a> {
    Array(Vec<Json<'a>>),
    /// Members so far and the key of the member being read.
    Object(Vec<(Cow<'a, str>, Json<'a>)>, Cow<'a, str>),
}

struct Reader<'b> {
    b: &'b [u8],
    i: usize,
}

impl<'b> Reader<'b> {
    fn error(&self, message: &str) -> SyntaxError {
        let before = self.b.get(..self.i).unwrap_or(self.b);
        let line = before.iter().filter(|&&c| c == b'\n').count() + 1;
        let column = before.iter().rev().take_while(|&&c| c != b'\n').count() + 1;
        let message = if self.i >= self.b.len() {
            END.to_string()
        } else {
            message.to_string()
        };
        SyntaxError {
            message,
            line,
            column,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn expect(&mut self, c: u8, what: &str) -> Result<(), SyntaxError> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.error(what))
        }
    }

    /// One value, without recursion: containers are kept on a stack.
    fn value(&mut self) -> Result<Json<'b>, SyntaxError> {
        let mut stack: Vec<Open<'b>> = Vec::new();
        loop {
            // Read a value, or open a container.
            self.skip_ws();
            let mut done = match self.peek() {
                Some(b'{') => {
                    self.check_depth(stack.len() + 1)?;
                    self.i += 1;
                    self.skip_ws();
                    if self.peek() == Some(b'}') {
                        self.i += 1;
                        Json::Object(Vec::new())
                    } else {
                        let key = self.key()?;
                        stack.push(Open::Object(Vec::with_capacity(4), key));
                        continue;
                    }
                }
                Some(b'[') => {
                    self.check_depth(stack.len() + 1)?;
                    self.i += 1;
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.i += 1;
                        Json::Array(Vec::new())
                    } else {
                        stack.push(Open::Array(Vec::new()));
                        continue;
                    }
                }
                Some(b'"') => Json::String(self.string()?),
                Some(b't') => self.word("true", Json::Bool(true))?,
                Some(b'f') => self.word("false", Json::Bool(false))?,
                Some(b'n') => self.word("null", Json::Null)?,
                Some(b'-' | b'0'..=b'9') => self.number()?,
                _ => return Err(self.error("expected a value")),
            };
            // Hand the value to the containers it closes.
            loop {
                match stack.pop() {
                    None => return Ok(done),
                    Some(Open::Array(mut items)) => {
                        items.push(done);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => {
                                self.i += 1;
                                stack.push(Open::Array(items));
                                break;
                            }
                            Some(b']') => {
                                self.i += 1;
                                done = Json::Array(items);
                            }
                            _ => return Err(self.error("expected `,` or `]` in a list")),
                        }
                    }
                    Some(Open::Object(mut members, key)) => {
                        members.push((key, done));
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => {
                                self.i += 1;
                                self.skip_ws();
                                let key = self.key()?;
                                stack.push(Open::Object(members, key));
                                break;
                            }
                            Some(b'}') => {
                                self.i += 1;
                                done = Json::Object(members);
                            }
                            _ => return Err(self.error("expected `,` or `}` in an object")),
                        }
                    }
                }
            }
        }
    }

    fn check_depth(&self, depth: usize) -> Result<(), SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested more than 10000 deep"));
        }
        Ok(())
    }

    /// `"key":`, leaving the reader before the value.
    fn key(&mut self) -> Result<Cow<'b, str>, SyntaxError> {
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a string key"));
        }
        let key = self.string()?;
        self.skip_ws();
        self.expect(b':', "expected `:` after an object key")?;
        Ok(key)
    }

    fn word(&mut self, word: &str, value: Json<'b>) -> Result<Json<'b>, SyntaxError> {
        if self.b.get(self.i..self.i + word.len()) == Some(word.as_bytes()) {
            self.i += word.len();
            Ok(value)
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Json<'b>, SyntaxError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("expected a digit")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(self.error("expected a digit after `.`"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("expected a digit in the exponent"));
            }
        }
        // Digits, signs, `.` and `e`: ASCII.
        let text =
            std::str::from_utf8(self.b.get(start..self.i).unwrap_or_default()).unwrap_or_default();
        Ok(Json::Number(Cow::Borrowed(text)))
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.b.get(at..at + 4)?;
        let text = std::str::from_utf8(digits).ok()?;
        if !text.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(text, 16).ok()
    }

    /// The length of the run of plain ASCII characters (no quote, no
    /// backslash, no control character) at the reader.
    fn plain_run(&self) -> usize {
        self.b
            .get(self.i..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&c| (0x20..0x80).contains(&c) && c != b'"' && c != b'\\')
            .count()
    }

    /// A string at the reader (on its `"`), decoded as Go does.
    fn string(&mut self) -> Result<Cow<'b, str>, SyntaxError> {
        self.i += 1;
        let run = self.plain_run();
        let b: &'b [u8] = self.b;
        // ASCII, so UTF-8.
        let text = std::str::from_utf8(b.get(self.i..self.i + run).unwrap_or_default())
            .unwrap_or_default();
        self.i += run;
        if self.peek() == Some(b'"') {
            self.i += 1;
            return Ok(Cow::Borrowed(text));
        }
        let mut out = String::with_capacity(run + 16);
        out.push_str(text);
        loop {
            // A run of plain ASCII characters, copied at once.
            let run = self.plain_run();
            if run > 0 {
                let text = self.b.get(self.i..self.i + run).unwrap_or_default();
                out.push_str(std::str::from_utf8(text).unwrap_or_default());
                self.i += run;
            }
            let Some(c) = self.peek() else {
                return Err(self.error("unterminated string"));
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(Cow::Owned(out));
                }
                b'\\' => {
                    let Some(e) = self.b.get(self.i + 1).copied() else {
                        self.i += 1;
                        return Err(self.error("unterminated string"));
                    };
                    self.i += 2;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let Some(u) = self.hex4(self.i) else {
                                return Err(self.error("invalid \\u escape"));
                            };
                            self.i += 4;
                            if (0xD800..0xDC00).contains(&u)
                                && self.b.get(self.i..self.i + 2) == Some(b"\\u")
                            {
                                if let Some(low) = self.hex4(self.i + 2) {
                                    if (0xDC00..0xE000).contains(&low) {
                                        let c = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
                                        out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
                                        self.i += 6;
                                        continue;
                                    }
                                }
                            }
                            // A lone surrogate is U+FFFD, as Go reads it.
                            out.push(char::from_u32(u).unwrap_or('\u{FFFD}'));
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.error("invalid escape in a string"));
                        }
                    }
                }
                0..=0x1F => return Err(self.error("control character in a string")),
                0x20..=0x7F => {
                    out.push(c as char);
                    self.i += 1;
                }
                _ => {
                    // Valid UTF-8 as is; each byte of an invalid sequence is
                    // U+FFFD (Go decodes byte by byte).
                    let want = match c {
                        0xC2..=0xDF => 2,
                        0xE0..=0xEF => 3,
                        0xF0..=0xF4 => 4,
                        _ => 0,
                    };
                    let valid = self
                        .b
                        .get(self.i..self.i + want)
                        .filter(|_| want > 0)
                        .and_then(|b| std::str::from_utf8(b).ok());
                    match valid {
                        Some(s) => {
                            out.push_str(s);
                            self.i += want;
                        }
                        None => {
                            out.push('\u{FFFD}');
                            self.i += 1;
                        }
                    }
                }
            }
        }
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
        assert_eq!((e.line, e.column), (2, 8), "{e}");
        assert!(parse(b"{")
            .unwrap_err()
            .to_string()
            .contains("end of input"));
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

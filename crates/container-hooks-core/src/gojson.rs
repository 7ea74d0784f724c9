//! JSON text as Go's `encoding/json` reads it, without building values.
//!
//! runc reads config.json with `json.NewDecoder(f).Decode(&spec)`. That
//! decoder first checks the syntax of the whole first value (the scanner:
//! strict JSON, at most 10,000 levels of nesting, any byte but a control
//! character inside strings, invalid UTF-8 included), then decodes it, and
//! never reads what follows the first value. [`check`] makes the same
//! syntax check in one pass over the bytes, recording where the top-level
//! members are, at a few instructions a byte (strings, most of any
//! config.json, are skipped eight bytes at a time). The other functions
//! walk text that [`check`] accepted: members of an object, elements of an
//! array, and strings decoded as Go decodes them (invalid UTF-8 and lone
//! surrogate escapes become U+FFFD). They never panic, whatever the input.

use std::borrow::Cow;
use std::ops::Range;

/// Go's `maxNestingDepth`: the scanner refuses a value nested deeper.
pub const MAX_DEPTH: usize = 10_000;

/// A syntax error, at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub offset: usize,
    /// What is wrong, in Go's words where Go has them.
    pub what: String,
    /// The input ended inside the value.
    pub truncated: bool,
}

impl SyntaxError {
    /// The error as a one-line fault: `truncated JSON: ... at line L,
    /// column C` or `invalid JSON: ... at line L, column C`.
    pub fn fault(&self, text: &[u8]) -> String {
        let before = text.get(..self.offset).unwrap_or(text);
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = before
            .get(line_start..)
            .map_or(0, |l| String::from_utf8_lossy(l).chars().count())
            + 1;
        let kind = if self.truncated {
            "truncated JSON"
        } else {
            "invalid JSON"
        };
        format!("{kind}: {} at line {line}, column {column}", self.what)
    }
}

/// One member of an object: the key as written (with its quotes) and the
/// value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub key: Range<usize>,
    pub value: Range<usize>,
}

/// The first JSON value of a text, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// Where the value is (leading whitespace excluded).
    pub value: Range<usize>,
    /// When the value is an object: its members, in order.
    pub members: Option<Vec<Member>>,
}

/// The kinds of JSON values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

/// Checks the syntax of the first JSON value in `text` as Go's decoder
/// does, and records the members when it is an object. What follows the
/// value is not looked at, as Go's `Decoder.Decode` never reads it.
pub fn check(text: &[u8]) -> Result<Checked, SyntaxError> {
    Scanner { text, pos: 0 }.run()
}

struct Scanner<'a> {
    text: &'a [u8],
    pos: usize,
}

/// Where the scanner is inside a container.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Frame {
    Object,
    Array,
}

impl Scanner<'_> {
    #[cold]
    #[inline(never)]
    fn err(&self, what: impl Into<String>) -> SyntaxError {
        SyntaxError {
            offset: self.pos,
            what: what.into(),
            truncated: false,
        }
    }

    #[cold]
    #[inline(never)]
    fn eof(&self) -> SyntaxError {
        SyntaxError {
            offset: self.text.len(),
            what: "unexpected end of JSON input".to_string(),
            truncated: true,
        }
    }

    #[inline(always)]
    fn byte(&self) -> Result<u8, SyntaxError> {
        match self.text.get(self.pos) {
            Some(&b) => Ok(b),
            None => Err(self.eof()),
        }
    }

    fn skip_ws(&mut self) {
        self.pos = skip_ws(self.text, self.pos);
    }

    #[cold]
    #[inline(never)]
    fn unexpected(&self, c: u8, context: &str) -> SyntaxError {
        self.err(format!("invalid character {} {context}", quote_char(c)))
    }

    fn run(mut self) -> Result<Checked, SyntaxError> {
        let mut stack: Vec<Frame> = Vec::new();
        let mut members: Option<Vec<Member>> = None;
        // The key and value start of the top-level member being read.
        let mut pending: Option<(Range<usize>, usize)> = None;
        self.skip_ws();
        let start = self.pos;
        'value: loop {
            // A value starts here.
            self.skip_ws();
            if stack.len() == 1 && stack.first() == Some(&Frame::Object) {
                if let Some((_, v)) = pending.as_mut() {
                    *v = self.pos;
                }
            }
            let c = self.byte()?;
            match c {
                b'{' | b'[' => {
                    let frame = if c == b'{' {
                        Frame::Object
                    } else {
                        Frame::Array
                    };
                    stack.push(frame);
                    if stack.len() > MAX_DEPTH {
                        return Err(self.err(format!(
                            "nested deeper than {MAX_DEPTH} levels (exceeded max depth)"
                        )));
                    }
                    if stack.len() == 1 && frame == Frame::Object {
                        members = Some(Vec::new());
                    }
                    self.pos += 1;
                    self.skip_ws();
                    let close = if frame == Frame::Object { b'}' } else { b']' };
                    if self.byte()? == close {
                        self.pos += 1;
                        stack.pop();
                    } else if frame == Frame::Object {
                        let key = self.key()?;
                        if stack.len() == 1 {
                            pending = Some((key, 0));
                        }
                        continue 'value;
                    } else {
                        continue 'value;
                    }
                }
                b'"' => self.string()?,
                b'-' | b'0'..=b'9' => self.number()?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                _ => return Err(self.unexpected(c, "looking for beginning of value")),
            }
            // A value ended here: close containers, or go on to the next
            // member or element.
            loop {
                if stack.len() == 1 {
                    if let Some((key, v)) = pending.take() {
                        if let Some(m) = members.as_mut() {
                            m.push(Member {
                                key,
                                value: v..self.pos,
                            });
                        }
                    }
                }
                let Some(&frame) = stack.last() else {
                    return Ok(Checked {
                        value: start..self.pos,
                        members,
                    });
                };
                self.skip_ws();
                let c = self.byte()?;
                match (frame, c) {
                    (Frame::Object, b',') => {
                        self.pos += 1;
                        self.skip_ws();
                        let key = self.key()?;
                        if stack.len() == 1 {
                            pending = Some((key, 0));
                        }
                        continue 'value;
                    }
                    (Frame::Array, b',') => {
                        self.pos += 1;
                        continue 'value;
                    }
                    (Frame::Object, b'}') | (Frame::Array, b']') => {
                        self.pos += 1;
                        stack.pop();
                    }
                    (Frame::Object, _) => {
                        return Err(self.unexpected(c, "after object key:value pair"))
                    }
                    (Frame::Array, _) => return Err(self.unexpected(c, "after array element")),
                }
            }
        }
    }

    /// An object key and the `:` after it; returns the key's range.
    #[inline(always)]
    fn key(&mut self) -> Result<Range<usize>, SyntaxError> {
        let c = self.byte()?;
        if c != b'"' {
            return Err(self.unexpected(c, "looking for beginning of object key string"));
        }
        let start = self.pos;
        self.string()?;
        let key = start..self.pos;
        self.skip_ws();
        let c = self.byte()?;
        if c != b':' {
            return Err(self.unexpected(c, "after object key"));
        }
        self.pos += 1;
        Ok(key)
    }

    /// A string, from its opening quote to just after the closing one.
    #[inline(always)]
    fn string(&mut self) -> Result<(), SyntaxError> {
        let text = self.text;
        let mut pos = self.pos + 1;
        loop {
            pos = find_string_special(text, pos);
            match text.get(pos) {
                Some(b'"') => {
                    self.pos = pos + 1;
                    return Ok(());
                }
                Some(b'\\') => match text.get(pos + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => pos += 2,
                    Some(b'u') => {
                        pos += 2;
                        for _ in 0..4 {
                            match text.get(pos) {
                                Some(h) if h.is_ascii_hexdigit() => pos += 1,
                                Some(&h) => {
                                    self.pos = pos;
                                    return Err(
                                        self.unexpected(h, "in \\u hexadecimal character escape")
                                    );
                                }
                                None => return Err(self.eof()),
                            }
                        }
                    }
                    Some(&e) => {
                        self.pos = pos + 1;
                        return Err(self.unexpected(e, "in string escape code"));
                    }
                    None => return Err(self.eof()),
                },
                Some(&c) => {
                    self.pos = pos;
                    return Err(self.unexpected(c, "in string literal"));
                }
                None => return Err(self.eof()),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.text.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`; what may follow
    /// is checked by the caller.
    fn number(&mut self) -> Result<(), SyntaxError> {
        if self.byte()? == b'-' {
            self.pos += 1;
        }
        let c = self.byte()?;
        match c {
            b'0' => self.pos += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return Err(self.unexpected(c, "in numeric literal")),
        }
        if self.text.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            let c = self.byte()?;
            if self.digits() == 0 {
                return Err(self.unexpected(c, "after decimal point in numeric literal"));
            }
        }
        if matches!(self.text.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.text.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            let c = self.byte()?;
            if self.digits() == 0 {
                return Err(self.unexpected(c, "in exponent of numeric literal"));
            }
        }
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), SyntaxError> {
        for &want in word {
            let c = self.byte()?;
            if c != want {
                return Err(
                    self.unexpected(c, &format!("in literal {}", String::from_utf8_lossy(word)))
                );
            }
            self.pos += 1;
        }
        Ok(())
    }
}

/// `'x'` for a printable character, Go's `'\x01'` style otherwise.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        0x20..=0x7e => format!("'{}'", c as char),
        _ => format!("'\\x{c:02x}'"),
    }
}

/// The first whitespace-free position at or after `pos`.
#[inline(always)]
pub fn skip_ws(text: &[u8], pos: usize) -> usize {
    match text.get(pos) {
        Some(b' ' | b'\t' | b'\n' | b'\r') => skip_ws_run(text, pos),
        _ => pos,
    }
}

/// [`skip_ws`] past a run of whitespace (the indentation of pretty JSON):
/// sixteen bytes at a time with SSE2.
#[inline(never)]
fn skip_ws_run(text: &[u8], mut pos: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        };
        let len = text.len();
        // SAFETY: SSE2 is always present on x86-64. Each load reads the
        // 16 bytes at `pos`, which the loop condition keeps inside `text`.
        unsafe {
            let space = _mm_set1_epi8(b' ' as i8);
            let tab = _mm_set1_epi8(b'\t' as i8);
            let nl = _mm_set1_epi8(b'\n' as i8);
            let cr = _mm_set1_epi8(b'\r' as i8);
            while len.saturating_sub(pos) >= 16 {
                let v = _mm_loadu_si128(text.as_ptr().add(pos).cast());
                let ws = _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(v, tab)),
                    _mm_or_si128(_mm_cmpeq_epi8(v, nl), _mm_cmpeq_epi8(v, cr)),
                );
                let other = !_mm_movemask_epi8(ws) & 0xFFFF;
                if other != 0 {
                    return pos + other.trailing_zeros() as usize;
                }
                pos += 16;
            }
        }
    }
    while matches!(text.get(pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        pos += 1;
    }
    pos
}

/// The first byte at or after `pos` that ends a run of plain string bytes:
/// `"`, `\` or a control character; `text.len()` when there is none.
/// Sixteen bytes at a time with SSE2 (part of every x86-64 CPU), eight
/// at a time elsewhere.
#[inline]
fn find_string_special(text: &[u8], pos: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    return match find_string_special_sse2(text, pos) {
        Ok(found) => found,
        Err(tail) => find_string_special_swar(text, tail),
    };
    #[cfg(not(target_arch = "x86_64"))]
    find_string_special_swar(text, pos)
}

/// Skips whole 16-byte blocks of plain string bytes: `Ok` with the
/// position of the first special byte, or `Err` with where fewer than 16
/// bytes are left.
#[cfg(target_arch = "x86_64")]
#[inline]
fn find_string_special_sse2(text: &[u8], mut pos: usize) -> Result<usize, usize> {
    use std::arch::x86_64::{
        _mm_and_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_setzero_si128,
    };
    let len = text.len();
    // SAFETY: SSE2 is always present on x86-64. Each load reads the 16
    // bytes at `pos`, which the loop condition keeps inside `text`
    // (unaligned loads are allowed).
    unsafe {
        let quote = _mm_set1_epi8(b'"' as i8);
        let backslash = _mm_set1_epi8(b'\\' as i8);
        let high_bits = _mm_set1_epi8(0xE0u8 as i8);
        let zero = _mm_setzero_si128();
        while len.saturating_sub(pos) >= 16 {
            let v = _mm_loadu_si128(text.as_ptr().add(pos).cast());
            // A byte below 0x20 has its three high bits clear.
            let control = _mm_cmpeq_epi8(_mm_and_si128(v, high_bits), zero);
            let special = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                control,
            );
            let mask = _mm_movemask_epi8(special);
            if mask != 0 {
                return Ok(pos + mask.trailing_zeros() as usize);
            }
            pos += 16;
        }
    }
    Err(pos)
}

/// The same eight bytes at a time: the bit tricks flag a byte that is zero
/// after XOR with `"` or `\`, or below 0x20; the lowest flag is exact.
#[inline]
fn find_string_special_swar(text: &[u8], mut pos: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    while let Some(chunk) = text.get(pos..pos + 8) {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let v = u64::from_le_bytes(bytes);
        let flags = has_zero(v ^ (ONES * u64::from(b'"')))
            | has_zero(v ^ (ONES * u64::from(b'\\')))
            | (v.wrapping_sub(ONES * 0x20) & !v & HIGH);
        if flags != 0 {
            return pos + (flags.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    while let Some(&b) = text.get(pos) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            return pos;
        }
        pos += 1;
    }
    pos
}

/// The kind of the value starting at `pos` (checked text).
pub fn kind(text: &[u8], pos: usize) -> Option<Kind> {
    Some(match text.get(pos)? {
        b'{' => Kind::Object,
        b'[' => Kind::Array,
        b'"' => Kind::String,
        b't' | b'f' => Kind::Bool,
        b'n' => Kind::Null,
        _ => Kind::Number,
    })
}

/// The end of the checked value starting at `pos`. Iterative, so any
/// depth the scanner accepted is fine.
pub fn value_end(text: &[u8], pos: usize) -> usize {
    match text.get(pos) {
        Some(b'"') => string_end(text, pos),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut i = pos;
            loop {
                i = find_structural(text, i);
                match text.get(i) {
                    Some(b'"') => {
                        i = string_end(text, i);
                        continue;
                    }
                    Some(b'{' | b'[') => depth += 1,
                    Some(_) => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    None => return text.len(),
                }
                i += 1;
            }
        }
        Some(_) => {
            let mut i = pos;
            while text
                .get(i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.'))
            {
                i += 1;
            }
            i
        }
        None => pos,
    }
}

/// The first `"`, `{`, `}`, `[` or `]` at or after `pos`; `text.len()`
/// when there is none. Sixteen bytes at a time with SSE2.
fn find_structural(text: &[u8], mut pos: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        };
        while let Some(block) = text.get(pos..pos + 16) {
            // SAFETY: SSE2 is always present on x86-64; the load reads the
            // 16 bytes of `block`, unaligned loads being allowed.
            let mask = unsafe {
                let v = _mm_loadu_si128(block.as_ptr().cast());
                let eq = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
                let open_close = _mm_or_si128(eq(b'{'), eq(b'}'));
                let brackets = _mm_or_si128(eq(b'['), eq(b']'));
                _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(open_close, brackets), eq(b'"')))
            };
            if mask != 0 {
                return pos + mask.trailing_zeros() as usize;
            }
            pos += 16;
        }
    }
    while let Some(&b) = text.get(pos) {
        if matches!(b, b'"' | b'{' | b'}' | b'[' | b']') {
            return pos;
        }
        pos += 1;
    }
    pos
}

/// The end of the string starting at `pos` (just after its closing quote).
fn string_end(text: &[u8], pos: usize) -> usize {
    let mut i = pos + 1;
    loop {
        i = find_string_special(text, i);
        match text.get(i) {
            Some(b'"') => return i + 1,
            Some(b'\\') => i += 2,
            Some(_) => i += 1,
            None => return text.len(),
        }
    }
}

/// The members of the checked object at `range`: key and value ranges,
/// in order.
pub fn members(text: &[u8], range: Range<usize>) -> Members<'_> {
    let start = if text.get(range.start) == Some(&b'{') {
        skip_ws(text, range.start + 1)
    } else {
        range.end
    };
    Members {
        text,
        pos: start,
        end: range.end,
    }
}

/// The iterator [`members`] returns.
pub struct Members<'a> {
    text: &'a [u8],
    pos: usize,
    end: usize,
}

impl Iterator for Members<'_> {
    type Item = Member;

    fn next(&mut self) -> Option<Member> {
        let text = self.text;
        if self.pos >= self.end || text.get(self.pos) != Some(&b'"') {
            return None;
        }
        let key = self.pos..string_end(text, self.pos);
        let colon = skip_ws(text, key.end);
        if text.get(colon) != Some(&b':') {
            self.pos = self.end;
            return None;
        }
        let v = skip_ws(text, colon + 1);
        let value = v..value_end(text, v);
        let after = skip_ws(text, value.end);
        self.pos = if text.get(after) == Some(&b',') {
            skip_ws(text, after + 1)
        } else {
            self.end
        };
        Some(Member { key, value })
    }
}

/// The elements of the checked array at `range`, in order.
pub fn elements(text: &[u8], range: Range<usize>) -> Elements<'_> {
    let start = if text.get(range.start) == Some(&b'[') {
        skip_ws(text, range.start + 1)
    } else {
        range.end
    };
    Elements {
        text,
        pos: start,
        end: range.end,
    }
}

/// The iterator [`elements`] returns.
pub struct Elements<'a> {
    text: &'a [u8],
    pos: usize,
    end: usize,
}

impl Iterator for Elements<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let text = self.text;
        let start = self.pos;
        if start >= self.end || matches!(text.get(start), None | Some(b']')) {
            return None;
        }
        let end = value_end(text, start);
        if end <= start {
            self.pos = self.end;
            return None;
        }
        let after = skip_ws(text, end);
        self.pos = if text.get(after) == Some(&b',') {
            skip_ws(text, after + 1)
        } else {
            self.end
        };
        Some(start..end)
    }
}

/// [`unquote`] for text already known to be valid UTF-8: a string without
/// escapes is borrowed as it is, without checking its UTF-8 again.
pub fn unquote_str(text: &str, range: Range<usize>) -> Cow<'_, str> {
    match text.get(range.start + 1..range.end.saturating_sub(1)) {
        Some(inner) if !inner.contains('\\') => Cow::Borrowed(inner),
        _ => unquote(text.as_bytes(), range),
    }
}

/// The checked string at `range` (with its quotes) as Go's decoder gives
/// it: escapes decoded, a `\u` surrogate that is not half of a valid pair
/// and every byte of invalid UTF-8 replaced by U+FFFD.
pub fn unquote(text: &[u8], range: Range<usize>) -> Cow<'_, str> {
    let raw = text
        .get(range.start + 1..range.end.saturating_sub(1))
        .unwrap_or_default();
    if !raw.contains(&b'\\') {
        return go_lossy(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let next = raw
            .get(i..)
            .and_then(|r| r.iter().position(|&b| b == b'\\'))
            .map_or(raw.len(), |p| i + p);
        out.push_str(&go_lossy(raw.get(i..next).unwrap_or_default()));
        i = next;
        if i >= raw.len() {
            break;
        }
        let e = raw.get(i + 1).copied().unwrap_or_default();
        i += 2;
        let c = match e {
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let Some(r) = hex4(raw, i) else {
                    break;
                };
                i += 4;
                if (0xD800..0xE000).contains(&r) {
                    // Go: a high surrogate followed by `\u` and a low one
                    // is a pair; anything else is U+FFFD, and the next
                    // escape is read on its own.
                    let low = (raw.get(i) == Some(&b'\\') && raw.get(i + 1) == Some(&b'u'))
                        .then(|| hex4(raw, i + 2))
                        .flatten();
                    match low {
                        Some(lo) if r < 0xDC00 && (0xDC00..0xE000).contains(&lo) => {
                            i += 6;
                            char::from_u32(0x10000 + ((r - 0xD800) << 10) + (lo - 0xDC00))
                                .unwrap_or('\u{FFFD}')
                        }
                        _ => '\u{FFFD}',
                    }
                } else {
                    char::from_u32(r).unwrap_or('\u{FFFD}')
                }
            }
            other => other as char,
        };
        out.push(c);
    }
    Cow::Owned(out)
}

fn hex4(raw: &[u8], at: usize) -> Option<u32> {
    let digits = raw.get(at..at + 4)?;
    let mut r = 0u32;
    for &d in digits {
        r = r * 16 + (d as char).to_digit(16)?;
    }
    Some(r)
}

/// Bytes as Go makes them a string: every byte that does not start a
/// valid UTF-8 sequence becomes one U+FFFD (Rust's lossy conversion
/// would replace a truncated sequence by a single U+FFFD).
fn go_lossy(bytes: &[u8]) -> Cow<'_, str> {
    let mut valid = match std::str::from_utf8(bytes) {
        Ok(s) => return Cow::Borrowed(s),
        Err(e) => e.valid_up_to(),
    };
    let mut out = String::with_capacity(bytes.len() + 8);
    let mut rest = bytes;
    loop {
        let (good, after) = rest.split_at(valid.min(rest.len()));
        out.push_str(std::str::from_utf8(good).unwrap_or_default());
        if after.is_empty() {
            return Cow::Owned(out);
        }
        out.push('\u{FFFD}');
        rest = after.get(1..).unwrap_or_default();
        valid = match std::str::from_utf8(rest) {
            Ok(_) => rest.len(),
            Err(e) => e.valid_up_to(),
        };
    }
}

/// Go's `strconv.ParseInt(s, 10, 64)` on a checked JSON number, as the
/// decoder stores a number into an `int`: `None` for a fraction, an
/// exponent or a value out of range.
pub fn integer(text: &[u8], range: Range<usize>) -> Option<i64> {
    let s = std::str::from_utf8(text.get(range)?).ok()?;
    s.parse::<i64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Checked {
        check(text.as_bytes()).unwrap_or_else(|e| panic!("{text:?}: {e:?}"))
    }

    fn fails(text: &[u8]) -> String {
        match check(text) {
            Ok(c) => panic!("{:?} accepted: {c:?}", String::from_utf8_lossy(text)),
            Err(e) => e.fault(text),
        }
    }

    #[test]
    fn accepts_what_go_accepts() {
        for text in [
            "{}",
            " \t\r\n{ } ",
            r#"{"a":[1,-0,0.5,1e9,1E+2,-3.25e-7,true,false,null,"x",{},[]]}"#,
            r#"{"\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t":""}"#,
            "[1,2]",
            "\"s\"",
            "0",
            // Go never reads past the first value.
            "{} {",
            "{}garbage",
        ] {
            ok(text);
        }
        // Any byte but a control character inside a string, invalid UTF-8
        // included.
        check(b"{\"a\":\"\xff\xfe\x7f\"}").unwrap();
    }

    #[test]
    fn refuses_what_go_refuses() {
        for (text, want) in [
            (&b""[..], "truncated JSON"),
            (b"{", "truncated JSON"),
            (b"{\"a\":", "truncated JSON"),
            (b"{\"a\":tru", "truncated JSON"),
            (b"{\"a\":1,}", "looking for beginning of object key string"),
            (b"[1,]", "looking for beginning of value"),
            (b"{\"a\" 1}", "after object key"),
            (b"{\"a\":1 \"b\":2}", "after object key:value pair"),
            (b"[1 2]", "after array element"),
            (b"{\"a\":01}", "after object key:value pair"),
            (b"{\"a\":1.}", "after decimal point"),
            (b"{\"a\":1e}", "in exponent"),
            (b"{\"a\":-}", "in numeric literal"),
            (b"{\"a\":+1}", "looking for beginning of value"),
            (b"{\"a\":\"\x01\"}", "in string literal"),
            (b"{\"a\":\"\\x\"}", "in string escape code"),
            (b"{\"a\":\"\\u12g4\"}", "hexadecimal character escape"),
            (b"{\"a\":nul}", "in literal null"),
            (b"{\"a\":True}", "looking for beginning of value"),
            (b"\xef\xbb\xbf{}", "looking for beginning of value"),
            (b"{'a':1}", "looking for beginning of object key string"),
        ] {
            let fault = fails(text);
            assert!(
                fault.contains(want),
                "{:?}: {fault}",
                String::from_utf8_lossy(text)
            );
        }
        assert_eq!(
            fails(b"{\n  \"a\": x\n}"),
            "invalid JSON: invalid character 'x' looking for beginning of value at line 2, column 8"
        );
    }

    #[test]
    fn nesting_up_to_go_s_limit_and_not_beyond() {
        let nested = |n: usize| format!("{{\"a\":{}1{}}}", "[".repeat(n - 1), "]".repeat(n - 1));
        ok(&nested(MAX_DEPTH));
        let fault = fails(nested(MAX_DEPTH + 1).as_bytes());
        assert!(fault.contains("nested deeper than 10000"), "{fault}");
    }

    #[test]
    fn records_top_level_members_and_walks_values() {
        let text = br#" {"a" : [1, {"b":"]"}] , "c":"x\"y", "d":{} } tail"#;
        let c = check(text).unwrap();
        let m = c.members.unwrap();
        let keys: Vec<_> = m.iter().map(|m| unquote(text, m.key.clone())).collect();
        assert_eq!(keys, ["a", "c", "d"]);
        let val = |r: &Range<usize>| String::from_utf8_lossy(&text[r.clone()]).into_owned();
        assert_eq!(val(&m[0].value), r#"[1, {"b":"]"}]"#);
        assert_eq!(val(&m[1].value), r#""x\"y""#);
        assert_eq!(
            val(&c.value),
            text[1..text.len() - 5]
                .iter()
                .map(|&b| b as char)
                .collect::<String>()
        );
        let els: Vec<_> = elements(text, m[0].value.clone()).collect();
        assert_eq!(
            els.iter().map(val).collect::<Vec<_>>(),
            ["1", r#"{"b":"]"}"#]
        );
        let inner: Vec<_> = members(text, els[1].clone()).collect();
        assert_eq!(val(&inner[0].value), r#""]""#);
        assert_eq!(kind(text, m[2].value.start), Some(Kind::Object));
        assert_eq!(members(text, m[2].value.clone()).count(), 0);
        assert_eq!(elements(b"[ ]", 0..3).count(), 0);
        // Long values, across the 16-byte blocks.
        let long = format!(
            r#"{{"a":[{}"{}\"]",{{"b":[]}}],"c":1}}"#,
            "1, ".repeat(20),
            "x".repeat(40)
        );
        let m = check(long.as_bytes()).unwrap().members.unwrap();
        assert_eq!(value_end(long.as_bytes(), m[0].value.start), m[0].value.end);
        assert_eq!(elements(long.as_bytes(), m[0].value.clone()).count(), 22);
        // Whitespace runs of every length, pretty JSON's indentation.
        for n in 0..40 {
            let text = format!("{{\n{}\"a\" :\r\n\t{} 1}}", " ".repeat(n), " ".repeat(n));
            let m: Vec<_> = check(text.as_bytes()).unwrap().members.unwrap();
            assert_eq!(unquote_str(&text, m[0].key.clone()), "a");
            assert_eq!(&text[m[0].value.clone()], "1");
        }
    }

    #[test]
    fn strings_decode_as_in_go() {
        let un = |s: &[u8]| unquote(s, 0..s.len()).into_owned();
        assert_eq!(un(br#""plain""#), "plain");
        assert_eq!(un(br#""a\u00e9\n\/""#), "a\u{e9}\n/");
        assert_eq!(un(br#""\ud83d\ude00""#), "\u{1f600}");
        // Lone or reversed surrogates: U+FFFD each, as Go's unquote.
        assert_eq!(un(br#""\ud800""#), "\u{fffd}");
        assert_eq!(un(br#""\udc00\ud800x""#), "\u{fffd}\u{fffd}x");
        assert_eq!(un(br#""\ud800\u0041""#), "\u{fffd}A");
        // Invalid UTF-8: one U+FFFD per byte.
        assert_eq!(un(b"\"a\xe2\x82b\""), "a\u{fffd}\u{fffd}b");
        assert_eq!(un(b"\"\xed\xa0\x80\\n\""), "\u{fffd}\u{fffd}\u{fffd}\n");
        assert_eq!(un(b"\"\xff\""), "\u{fffd}");
    }

    #[test]
    fn integers_as_go_stores_them_in_an_int() {
        let int = |s: &str| integer(s.as_bytes(), 0..s.len());
        assert_eq!(int("5"), Some(5));
        assert_eq!(int("-0"), Some(0));
        assert_eq!(int("5.0"), None);
        assert_eq!(int("1e3"), None);
        assert_eq!(int("9223372036854775808"), None);
    }

    #[test]
    fn string_scan_finds_the_first_special_byte_in_every_position() {
        for len in 0..40 {
            for at in 0..=len {
                for special in [b'"', b'\\', 0x00, 0x1f] {
                    let mut v = vec![b'a'; len];
                    v.extend_from_slice(&[0xff, 0x80, b'z']);
                    if at < len {
                        v[at] = special;
                    }
                    let want = if at < len { at } else { v.len() };
                    assert_eq!(find_string_special(&v, 0), want, "{len} {at} {special}");
                    assert_eq!(
                        find_string_special_swar(&v, 0),
                        want,
                        "{len} {at} {special}"
                    );
                }
            }
        }
    }
}

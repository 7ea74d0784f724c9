//! The error of reading one input file: which file, and what is wrong with
//! it, in one line.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

/// A fault in one file: `FILE: FAULT`, where the fault names the field when
/// there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub file: PathBuf,
    pub fault: String,
}

impl FileError {
    pub fn new(file: impl Into<PathBuf>, fault: impl Into<String>) -> FileError {
        let fault = fault.into();
        FileError {
            file: file.into(),
            fault: match one_line(&fault) {
                Cow::Borrowed(_) => fault,
                Cow::Owned(escaped) => escaped,
            },
        }
    }

    pub fn io(file: &Path, err: &std::io::Error) -> FileError {
        FileError::new(file, io_fault(err))
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display().to_string();
        write!(f, "{}: {}", one_line(&file), one_line(&self.fault))
    }
}

impl std::error::Error for FileError {}

/// An I/O error as a short lower-case phrase ("no such file or directory").
pub fn io_fault(err: &std::io::Error) -> String {
    let text = err.to_string();
    // std formats as "No such file or directory (os error 2)".
    let text = match text.find(" (os error") {
        Some(i) => &text[..i],
        None => &text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A serde_json error as a fault: what is wrong and where (line, column).
pub fn json_fault(err: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match err.classify() {
        Category::Eof => "truncated JSON".to_string(),
        Category::Syntax => "invalid JSON".to_string(),
        Category::Data | Category::Io => "unexpected content".to_string(),
    };
    format!("{what}: {err}")
}

/// The text with control characters escaped (`\n`, `\u{1b}`), so that a
/// message quoting input (a JSON key with a newline, an odd path) stays on
/// one line in the terminal, the shim's log and runc's log.
pub fn one_line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

//! The error of reading one input file: which file, and what is wrong with
//! it, in one line.

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
        FileError {
            file: file.into(),
            fault: fault.into(),
        }
    }

    pub fn io(file: &Path, err: &std::io::Error) -> FileError {
        FileError::new(file, io_fault(err))
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.fault)
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

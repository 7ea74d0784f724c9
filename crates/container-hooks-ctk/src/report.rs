//! Reports: what a command found, as a typed value rendered once as text
//! (for a person) and once as JSON (for scripts), never built twice.
//!
//! A command builds its report, then calls [`print`] with the format the
//! user chose. A closed stdout (`ctk runtime status | head -1`) ends the
//! output quietly, as `ls | head -1` does.

use clap::ValueEnum;
use serde::Serialize;
use std::io::{self, Write};

/// How a report is printed (`--output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// Lines for a person to read.
    #[default]
    Text,
    /// One JSON document.
    Json,
}

/// A report: serialisable for JSON, and with its own text form.
pub trait Report: Serialize {
    /// Writes the report as lines for a person to read.
    fn write_text(&self, out: &mut dyn Write) -> io::Result<()>;
}

/// Prints `report` on stdout in `format`. A reader that closed the pipe
/// is not an error.
pub fn print<R: Report + ?Sized>(report: &R, format: Format) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match write(report, format, &mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Writes `report` in `format` to `out`.
pub fn write<R: Report + ?Sized>(
    report: &R,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => report.write_text(out),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::other)?;
            writeln!(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Sample {
        wired: bool,
    }

    impl Report for Sample {
        fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
            writeln!(out, "wired: {}", if self.wired { "yes" } else { "no" })
        }
    }

    #[test]
    fn one_value_two_renderings() {
        let s = Sample { wired: true };
        let mut text = Vec::new();
        write(&s, Format::Text, &mut text).unwrap();
        assert_eq!(text, b"wired: yes\n");
        let mut json = Vec::new();
        write(&s, Format::Json, &mut json).unwrap();
        assert_eq!(json, b"{\n  \"wired\": true\n}\n");
    }
}

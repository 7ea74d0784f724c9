//! The shim's own log (`[container-hooks-runtime] debug` at `log-level`),
//! through `tracing`. The file is opened on the first line written, so a
//! create that logs nothing opens nothing. Each line is one `write` to a
//! file opened with O_APPEND, so concurrent shims never tear each other's
//! lines. A log that cannot be opened is a warning on stderr, never an
//! error.
//!
//! Every line stays one line whatever the logged values hold: a control
//! character inside a line (a newline in a bundle path or container id) is
//! escaped, so input can never forge a log line. Log files are opened with
//! `O_NOFOLLOW` and must be regular files: a symlink planted at the log's
//! path is not written through, and a FIFO there cannot hang the shim.

use crate::config::{LogLevel, RuntimeConfig};
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tracing::level_filters::LevelFilter;

/// Installs the global subscriber for the shim. Does nothing when the log
/// is off or has no path.
pub fn init(config: &RuntimeConfig) {
    let level = match config.log_level {
        LogLevel::Off => return,
        LogLevel::Trace => LevelFilter::TRACE,
        LogLevel::Debug => LevelFilter::DEBUG,
        LogLevel::Info => LevelFilter::INFO,
        LogLevel::Warn => LevelFilter::WARN,
        LogLevel::Error => LevelFilter::ERROR,
    };
    if config.debug.as_os_str().is_empty() {
        return;
    }
    let writer = LazyFile {
        path: config.debug.clone(),
        file: OnceLock::new(),
    };
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(false)
        .with_target(false)
        .with_writer(writer)
        .finish();
    let _ = tracing::subscriber::set_global_default(subscriber);
}

struct LazyFile {
    path: PathBuf,
    file: OnceLock<Option<File>>,
}

impl LazyFile {
    fn file(&self) -> Option<&File> {
        self.file
            .get_or_init(|| match open_append(&self.path, 0o640) {
                Ok(f) => Some(f),
                Err(e) => {
                    eprintln!(
                        "container-hooks-runtime: warning: cannot open log file {}: {}",
                        self.path.display(),
                        crate::error::io_fault(&e)
                    );
                    None
                }
            })
            .as_ref()
    }
}

/// Opens a log file for appending, creating it with `mode`: never through a
/// symlink (`O_NOFOLLOW`), never blocking (`O_NONBLOCK`), and only a
/// regular file.
pub fn open_append(path: &Path, mode: u32) -> io::Result<File> {
    let file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(mode)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a regular file ({})", crate::trust::kind_of(&meta)),
        ));
    }
    Ok(file)
}

/// One formatted line with every control character but the final newline
/// escaped (`\n`, `\u{1b}`), so that it stays one line.
pub fn escape_line(line: &[u8]) -> Cow<'_, [u8]> {
    let body = line.strip_suffix(b"\n").unwrap_or(line);
    if !body.iter().any(|&b| b < 0x20 || b == 0x7f) {
        return Cow::Borrowed(line);
    }
    let mut out = Vec::with_capacity(line.len() + 16);
    for &b in body {
        match b {
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f | 0x7f => out.extend_from_slice(format!("\\u{{{b:x}}}").as_bytes()),
            _ => out.push(b),
        }
    }
    if body.len() < line.len() {
        out.push(b'\n');
    }
    Cow::Owned(out)
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LazyFile {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter { log: self }
    }
}

pub struct LineWriter<'a> {
    log: &'a LazyFile,
}

impl Write for LineWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // tracing-subscriber hands over each formatted line in one call.
        if let Some(mut f) = self.log.file() {
            if f.write_all(&escape_line(buf)).is_err() {
                // A full disk must not fail the container.
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_inside_a_line_are_escaped() {
        assert_eq!(&*escape_line(b"plain line\n"), b"plain line\n");
        assert_eq!(
            &*escape_line(b"bundle=/x\nFAKE ERROR\r\x1b[31m\n"),
            b"bundle=/x\\nFAKE ERROR\\r\\u{1b}[31m\n"
        );
        assert_eq!(&*escape_line(b"no newline\x07"), b"no newline\\u{7}");
    }

    #[test]
    fn logs_are_not_opened_through_symlinks_or_fifos() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, "").unwrap();
        let link = dir.path().join("link.log");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(open_append(&link, 0o640).is_err());
        let fifo = dir.path().join("fifo.log");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid path string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        assert!(open_append(&fifo, 0o640).is_err());
        let ok = dir.path().join("ok.log");
        assert!(open_append(&ok, 0o640)
            .unwrap()
            .metadata()
            .unwrap()
            .is_file());
    }
}

//! The shim's own log (`[container-hooks-runtime] debug` at `log-level`),
//! through `tracing`. The file is opened on the first line written, so a
//! create that logs nothing opens nothing. Each line is one `write` to a
//! file opened with O_APPEND, so concurrent shims never tear each other's
//! lines. A log that cannot be opened is a warning on stderr, never an
//! error.

use crate::config::{LogLevel, RuntimeConfig};
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
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
            .get_or_init(|| {
                match std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .mode(0o640)
                    .custom_flags(libc::O_CLOEXEC)
                    .open(&self.path)
                {
                    Ok(f) => Some(f),
                    Err(e) => {
                        eprintln!(
                            "container-hooks-runtime: warning: cannot open log file {}: {}",
                            self.path.display(),
                            crate::error::io_fault(&e)
                        );
                        None
                    }
                }
            })
            .as_ref()
    }
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
            if f.write_all(buf).is_err() {
                // A full disk must not fail the container.
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

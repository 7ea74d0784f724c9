//! What container-hooks-runtime does before it hands over to the real
//! runtime: find the runtime, and when runc is going to create a container
//! from a bundle, add the configured hooks to the bundle's config.json.
//!
//! The shim changes config.json only for a command line runc will carry out
//! ([`runc_args`]) and a bundle runc will read: a help request, a line runc
//! refuses, a bundle or config.json that does not exist all go to runc
//! untouched, so the engine sees runc's own answer. Everything the shim
//! writes stays inside the bundle directory.
//!
//! [`runc_args`]: crate::runc_args

use crate::atomic::{open_dir, replace_in_dir, Keep};
use crate::config::{config_path, Config, ShimConfig};
use crate::error::{io_fault, FileError};
use crate::inject::{Outcome, Spec};
use crate::runc_args::{Dialect, Invocation, RuncArgs};
use crate::runtime_path::{find_runtime, NoRuntime, Runtime};
use crate::trust::{open_in, read_whole, regular_file, MAP_FROM, MAX_SPEC_BYTES};
use crate::{logging, sources};
use std::ffi::{CString, OsStr};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Why the shim refuses to hand over. The message is one line naming the
/// file and the fault.
#[derive(Debug, thiserror::Error)]
pub enum ShimError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    NoRuntime(#[from] NoRuntime),
}

/// What happened to the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared {
    /// runc will not read config.json (the reason): nothing was done.
    Untouched(String),
    /// The hooks were injected (or were there already).
    Injected(Outcome),
}

/// Prepares the handover for the arguments after argv[0]: the command
/// line as runc reads it (its `--log` is where the engine looks for
/// errors), and the runtime to exec or why not.
pub fn prepare<S: AsRef<OsStr>>(argv: &[S]) -> (RuncArgs, Result<Runtime, ShimError>) {
    let config_file = config_path();
    let loaded = match Config::load_for_shim(&config_file) {
        Ok(l) => l,
        Err(e) => return (RuncArgs::parse(argv), Err(e.into())),
    };
    let runtime = match find_runtime(loaded.runtimes(), &config_file) {
        Ok(r) => r,
        Err(e) => return (RuncArgs::parse(argv), Err(e.into())),
    };
    let args = RuncArgs::parse_as(argv, Dialect::of(&runtime.path));
    let config = match (&args.invocation, loaded) {
        (Invocation::Create { .. }, ShimConfig::Whole(config)) => config,
        (Invocation::Create { .. }, ShimConfig::RuntimesOnly { error, .. }) => {
            return (args, Err(error.into()))
        }
        (Invocation::PassThrough { .. }, ShimConfig::RuntimesOnly { error, .. }) => {
            // The container this command acts on was created by the
            // runtime config.toml names; only that one may get the command.
            eprintln!(
                "container-hooks-runtime: warning: {error}; using its runtimes ({}) for a command that does not read config.json",
                loaded_names(&runtime)
            );
            return (args, Ok(runtime));
        }
        (Invocation::PassThrough { .. }, ShimConfig::Whole(_)) => return (args, Ok(runtime)),
    };
    logging::init(&config.runtime);
    match prepare_bundle(&args, &config) {
        Ok(prepared) => {
            tracing::debug!(
                id = args.container_id().unwrap_or_default(),
                runtime = ?runtime.path,
                ?prepared,
                "handing over"
            );
            (args, Ok(runtime))
        }
        Err(error) => (args, Err(error)),
    }
}

fn loaded_names(runtime: &Runtime) -> String {
    format!("{} at {}", runtime.name, runtime.path.display())
}

/// Adds the configured hooks to the config.json that runc is about to
/// read, writing it only when something was added.
pub fn prepare_bundle(args: &RuncArgs, config: &Config) -> Result<Prepared, ShimError> {
    let Invocation::Create { bundle, id } = &args.invocation else {
        return Ok(Prepared::Untouched("runc does not read config.json".into()));
    };
    // runc opens its --log file before anything else and stops if it
    // cannot.
    if let Some(log) = &args.log {
        if let Err(e) = runc_opens_log(log) {
            return Ok(Prepared::Untouched(format!(
                "runc cannot open its log {log:?}: {}",
                io_fault(&e)
            )));
        }
    }
    let dir_path = bundle.as_deref().unwrap_or(Path::new("."));
    let shown = match bundle {
        Some(b) => b.join("config.json"),
        None => std::env::current_dir()
            .unwrap_or_default()
            .join("config.json"),
    };
    // runc changes to the bundle directory and opens config.json there;
    // when either fails, runc reports it.
    let dir = match open_dir(dir_path) {
        Ok(d) => d,
        Err(e) => {
            return Ok(Prepared::Untouched(format!(
                "bundle {dir_path:?}: {}",
                io_fault(&e)
            )))
        }
    };
    let name = c"config.json";
    let file = match open_in(&dir, name) {
        Ok(f) => f,
        Err(e) => return Ok(Prepared::Untouched(format!("{shown:?}: {}", io_fault(&e)))),
    };
    let meta = regular_file(&file, &shown)?;
    let bytes = read_whole(file, &meta, &shown, MAX_SPEC_BYTES)?;
    let mut spec = Spec::from_bytes(bytes).map_err(|fault| FileError::new(&shown, fault))?;
    if spec.is_marked() {
        tracing::debug!(id, bundle = ?dir_path, "bundle carries the container-hooks marker; nothing added");
        return Ok(Prepared::Injected(Outcome::Marked));
    }
    let collected = sources::collect(&config.hooks, &spec)?;
    for skipped in &collected.skipped {
        tracing::error!(id, "skipped hook source (strict = false): {skipped}");
    }
    let outcome = spec
        .inject(&collected.hooks)
        .map_err(|fault| FileError::new(&shown, fault))?;
    if let Outcome::Added(n) = outcome {
        // One write for the usual few KiB; a large file is written from
        // its mapping, never copied in memory.
        let write = |f: &mut std::fs::File| {
            if meta.len() < MAP_FROM {
                f.write_all(&spec.to_bytes())
            } else {
                spec.write_to(f)
            }
        };
        replace_in_dir(&dir, name, Keep::of(&meta), false, write)
            .map_err(|e| FileError::new(&shown, format!("cannot write: {}", io_fault(&e))))?;
        tracing::debug!(id, bundle = ?dir_path, hooks = n, "hooks added");
    } else {
        tracing::debug!(id, bundle = ?dir_path, ?outcome, "config.json unchanged");
    }
    Ok(Prepared::Injected(outcome))
}

/// Opens the log as runc's `Before` does (`O_CREAT|O_WRONLY|O_APPEND`,
/// mode 0644, through symlinks), without blocking: a FIFO without a
/// reader, where runc would wait, counts as openable.
fn runc_opens_log(log: &Path) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o644)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(log)
    {
        Ok(_) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Replaces this process with the runtime: `execv` with argv[0] the
/// runtime's name as written in `runtimes`, then the arguments unchanged;
/// fds, environment, signal mask and ignored signals stay as they are.
/// Returns only on failure.
pub fn exec<S: AsRef<OsStr>>(runtime: &Runtime, args: &[S]) -> io::Error {
    let c = |s: &[u8]| CString::new(s).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL));
    let path = match c(runtime.path.as_os_str().as_bytes()) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let argv: Result<Vec<CString>, io::Error> = std::iter::once(runtime.name.as_bytes())
        .chain(args.iter().map(|a| a.as_ref().as_bytes()))
        .map(c)
        .collect();
    let argv = match argv {
        Ok(a) => a,
        Err(e) => return e,
    };
    let mut ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    // SAFETY: `path` and every pointer in `ptrs` point to NUL-terminated
    // strings that outlive the call; `ptrs` ends with a null pointer.
    unsafe { libc::execv(path.as_ptr(), ptrs.as_ptr()) };
    io::Error::last_os_error()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message is not repeated by the error's source, so a reader that
    /// prints the whole chain (as `anyhow`'s `{:#}` does) shows it once.
    #[test]
    fn every_error_reads_once_in_its_chain() {
        let file = FileError::new("/b/config.json", "invalid JSON: expected `:`");
        let none = NoRuntime {
            tried: "runc".into(),
            config: "/etc/container-hooks/config.toml".into(),
        };
        for (err, once) in [
            (ShimError::from(file.clone()), file.to_string()),
            (
                ShimError::from(none),
                "no OCI runtime found: tried runc".into(),
            ),
        ] {
            let chain = test_support::error_chain(&err);
            assert!(chain.starts_with(&once), "{chain}");
            assert_eq!(chain.matches(&once).count(), 1, "{chain}");
        }
    }
}

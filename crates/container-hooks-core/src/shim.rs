//! What container-hooks-runtime does before it hands over to the real
//! runtime: for `create`, `run` and `restore`, add the configured hooks to
//! the bundle's config.json; for every command, find the runtime to exec.

use crate::atomic::replace_file;
use crate::config::{config_path, Config};
use crate::error::{io_fault, FileError};
use crate::inject::{Outcome, Spec};
use crate::runc_args::RuncArgs;
use crate::runtime_path::{find_runtime, NoRuntime};
use crate::trust::MAX_SPEC_BYTES;
use crate::{logging, sources, trust};
use std::path::{Path, PathBuf};

/// Why the shim refuses to hand over. The message is one line naming the
/// file and the fault.
#[derive(Debug, thiserror::Error)]
pub enum ShimError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    NoRuntime(#[from] NoRuntime),
    #[error("flag --bundle needs a value (the bundle directory)")]
    BundleWithoutValue,
}

/// Prepares the handover and returns the runtime to exec.
pub fn prepare(args: &RuncArgs) -> Result<PathBuf, ShimError> {
    let config_file = config_path();
    if !args.reads_spec() {
        // Nothing to inject: a broken config.toml must not stop engines
        // from querying or deleting running containers, so fall back to the
        // default runtimes.
        let config = Config::load_from(&config_file).unwrap_or_else(|e| {
            eprintln!("container-hooks-runtime: warning: {e}; using the default runtimes");
            Config::default()
        });
        return Ok(find_runtime(&config.runtime.runtimes, &config_file)?);
    }
    let config = Config::load_from(&config_file)?;
    logging::init(&config.runtime);
    let runtime = find_runtime(&config.runtime.runtimes, &config_file)?;
    inject_bundle(args, &config)?;
    tracing::debug!(
        id = args.container_id.as_deref().unwrap_or(""),
        runtime = %runtime.display(),
        "handing over"
    );
    Ok(runtime)
}

/// Adds the configured hooks to the bundle's config.json, writing it only
/// when something was added.
pub fn inject_bundle(args: &RuncArgs, config: &Config) -> Result<Outcome, ShimError> {
    if args.bundle_missing_value {
        return Err(ShimError::BundleWithoutValue);
    }
    let bundle = match &args.bundle {
        Some(b) => b.clone(),
        None => std::env::current_dir()
            .map_err(|e| FileError::new("current directory", io_fault(&e)))?,
    };
    let path = bundle.join("config.json");
    let bytes = read_spec(&path)?;
    let mut spec = Spec::parse(&bytes).map_err(|fault| FileError::new(&path, fault))?;
    let id = args.container_id.as_deref().unwrap_or("");
    if spec.is_marked() {
        tracing::debug!(id, bundle = %bundle.display(), "bundle carries the container-hooks marker; nothing added");
        return Ok(Outcome::Marked);
    }
    let collected = sources::collect(&config.hooks, &spec)?;
    for skipped in &collected.skipped {
        tracing::error!(id, "skipped hook source (strict = false): {skipped}");
    }
    let outcome = spec
        .inject(&collected.hooks)
        .map_err(|fault| FileError::new(&path, fault))?;
    if let Outcome::Added(n) = outcome {
        replace_file(&path, &spec.to_bytes(), 0o644, false)
            .map_err(|e| FileError::new(&path, format!("cannot write: {}", io_fault(&e))))?;
        tracing::debug!(id, bundle = %bundle.display(), hooks = n, "hooks added");
    } else {
        tracing::debug!(id, bundle = %bundle.display(), ?outcome, "config.json unchanged");
    }
    Ok(outcome)
}

fn read_spec(path: &Path) -> Result<Vec<u8>, FileError> {
    let file = std::fs::File::open(path).map_err(|e| FileError::io(path, &e))?;
    let meta = file.metadata().map_err(|e| FileError::io(path, &e))?;
    if !meta.is_file() {
        return Err(FileError::new(path, "not a regular file"));
    }
    trust::read_limited(file, &meta, path, MAX_SPEC_BYTES)
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

//! What every test of the workspace shares, in one place:
//!
//! - [`fixtures`] and [`fixture`]: the real inputs kept in `tests/fixtures`
//!   (see its README for where each came from);
//! - [`bin`] and [`ctk`]: the toolkit's binaries of this build;
//! - [`wait_until`]: polling for a condition with a deadline;
//! - [`error_chain`]: an error as it reaches the operator, with its sources.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The environment variables through which the toolkit's programs find
/// their config and state. Tests name their own with flags, so these are
/// cleared on every command the tests build.
pub const TOOLKIT_ENV: [&str; 2] = ["CONTAINER_HOOKS_CONFIG", "CONTAINER_HOOKS_STATE_DIR"];

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// The repository's fixtures directory, `tests/fixtures`.
pub fn fixtures() -> PathBuf {
    let p = repo_root().join("tests/fixtures");
    assert!(p.is_dir(), "{} is missing", p.display());
    p
}

/// One fixture, by its path below `tests/fixtures` (`oci/docker-20.10.json`).
pub fn fixture(rel: &str) -> PathBuf {
    let p = fixtures().join(rel);
    assert!(p.exists(), "fixture {} is missing", p.display());
    p
}

/// A binary of this workspace, built before the tests run (`cargo test`
/// builds the binaries of the package under test; the README's test
/// command builds every one first).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> -> target/<profile>/<name>
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target directory");
    let p = dir.join(name);
    assert!(
        p.is_file(),
        "{} is not built: run `cargo build --workspace --bins` first (the README's test command does)",
        p.display()
    );
    p
}

/// `container-hooks-ctk` of this build, with the toolkit's environment
/// variables cleared.
pub fn ctk() -> Command {
    let mut c = Command::new(bin("container-hooks-ctk"));
    for var in TOOLKIT_ENV {
        c.env_remove(var);
    }
    c
}

/// Polls `cond` every 50 ms until it holds (true) or `timeout` has passed
/// (false).
pub fn poll_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if cond() {
            return true;
        }
        if start.elapsed() >= timeout {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Polls `cond` until it holds; panics naming `what` after `timeout`.
pub fn wait_until(what: &str, timeout: Duration, cond: impl FnMut() -> bool) {
    if !poll_until(timeout, cond) {
        panic!("{what}: not within {timeout:?}");
    }
}

/// An error and its sources, as `anyhow` prints them with `{:#}`
/// (`outer: inner: ...`): what an operator reads when an error reaches the
/// top of a command.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}

//! Building the toolkit's binaries from xtask.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The target release binaries are built for. An explicit `--target` keeps
/// `RUSTFLAGS` (static linking) away from build scripts and proc-macros.
pub const TARGET: &str = "x86_64-unknown-linux-gnu";

/// The crates whose binaries the toolkit ships.
pub const BIN_CRATES: [&str; 3] = [
    "container-hooks-runtime",
    "container-hooks-ctk",
    "container-hooks",
];

/// The repository root (xtask lives in `crates/xtask`).
pub fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// `$CARGO_TARGET_DIR`, or `target/` of the workspace.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// A `cargo` command run in the repository root.
pub fn cargo(root: &Path) -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(root);
    c
}

/// Runs a command that must succeed.
pub fn run_cmd(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

/// Builds the shipped binaries in release mode, linked static-pie, and
/// returns the directory that holds them.
pub fn static_release(root: &Path) -> Result<PathBuf> {
    let mut build = cargo(root);
    build
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .args(["build", "--release", "--target", TARGET]);
    for krate in BIN_CRATES {
        build.args(["-p", krate]);
    }
    run_cmd(&mut build)?;
    Ok(target_dir(root).join(TARGET).join("release"))
}

/// Builds the shipped binaries in the dev profile and returns their
/// directory.
pub fn dev_build(root: &Path) -> Result<PathBuf> {
    let mut build = cargo(root);
    build.args(["build", "--quiet"]);
    for krate in BIN_CRATES {
        build.args(["-p", krate]);
    }
    run_cmd(&mut build)?;
    Ok(target_dir(root).join("debug"))
}

/// Whether a program is on PATH or in the system's binary directories.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
        || ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
            .iter()
            .any(|d| Path::new(d).join(program).is_file())
}

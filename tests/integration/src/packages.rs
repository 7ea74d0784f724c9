//! The built packages: `dist/container-hooks-toolkit_*.deb` and `.rpm`,
//! made with `cargo xtask package` when `dist/` lacks them.

use crate::{repo_root, run_ok, target_dir};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::SystemTime;

/// The package name in both formats.
pub const NAME: &str = "container-hooks-toolkit";

/// The path of the .deb of this version in `dist/`.
pub fn deb_path() -> PathBuf {
    repo_root().join(format!(
        "dist/{NAME}_{}-1_amd64.deb",
        env!("CARGO_PKG_VERSION")
    ))
}

/// The path of the .rpm of this version in `dist/`.
pub fn rpm_path() -> PathBuf {
    repo_root().join(format!(
        "dist/{NAME}-{}-1.x86_64.rpm",
        env!("CARGO_PKG_VERSION")
    ))
}

static BUILD: Mutex<()> = Mutex::new(());

/// What the packages are made from, relative to the repository root.
const INPUTS: [&str; 13] = [
    "crates",
    "debian",
    "rpm",
    "etc",
    "man",
    "completions",
    "README.md",
    "docs",
    "BENCHMARKS.md",
    "RELIABILITY.md",
    "Cargo.toml",
    "Cargo.lock",
    ".cargo",
];

/// The newest modification time of the files under `path`.
fn newest(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name() != "target")
        .filter_map(|e| newest(&e.path()))
        .max()
}

/// Whether `package` is missing or older than a file it is made from.
fn stale(package: &Path) -> bool {
    let Some(built) = std::fs::metadata(package).and_then(|m| m.modified()).ok() else {
        return true;
    };
    let root = repo_root();
    INPUTS
        .iter()
        .filter_map(|i| newest(&root.join(i)))
        .any(|t| t > built)
}

/// `cargo xtask SUB` in the repository root, built into the target
/// directory's `package/` without the tests' RUSTFLAGS: one xtask build
/// serves every command.
fn xtask(sub: &str) -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(repo_root())
        .env("CARGO_TARGET_DIR", target_dir().join("package"))
        .env_remove("RUSTFLAGS")
        .args(["xtask", sub]);
    c
}

/// The .deb and the .rpm, built with `cargo xtask package` (in a target
/// directory of its own, so as not to wait on this test's cargo) when
/// `dist/` lacks either or a file they are made from is newer.
pub fn ensure_built() -> (PathBuf, PathBuf) {
    let _guard = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let (deb, rpm) = (deb_path(), rpm_path());
    if stale(&deb) || stale(&rpm) {
        crate::require("cargo-deb");
        crate::require("rpmbuild");
        run_ok(&mut xtask("package"));
    }
    assert!(
        deb.is_file(),
        "cargo xtask package made no {}",
        deb.display()
    );
    assert!(
        rpm.is_file(),
        "cargo xtask package made no {}",
        rpm.display()
    );
    (deb, rpm)
}

/// Signed APT and RPM repositories of the built packages, written to `out`
/// by `cargo xtask repo` with the signing key at `key` (made first when
/// there is none); `url` is where clients will find `out` (it goes into
/// the .sources and .repo files).
pub fn signed_repos(out: &Path, key: &Path, url: &str) {
    let (_deb, _rpm) = ensure_built();
    let mut cmd = xtask("repo");
    if !key.exists() {
        cmd.arg("--new-key");
    }
    run_ok(
        cmd.arg("--key")
            .arg(key)
            .arg("--out")
            .arg(out)
            .args(["--url", url]),
    );
}

//! What every test of the workspace shares, in one place:
//!
//! - [`fixtures`] and [`fixture`]: the real inputs kept in `tests/fixtures`
//!   (see its README for where each came from);
//! - [`bin`] and [`ctk`]: the toolkit's binaries of this build;
//! - [`wait_until`]: polling for a condition with a deadline;
//! - [`tree`] and [`assert_same_tree`]: every file and directory below a
//!   directory, to show that something left it as it was;
//! - [`error_chain`]: an error as it reaches the operator, with its sources.

use std::collections::BTreeMap;
use std::fs;
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

/// Paths below a directory, with the bytes of each file (None: a
/// directory).
#[derive(PartialEq, Eq)]
pub struct Tree(BTreeMap<PathBuf, Option<Vec<u8>>>);

impl Tree {
    pub fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.0.keys()
    }

    pub fn contains(&self, p: &Path) -> bool {
        self.0.contains_key(p)
    }
}

/// What differs: paths added, gone or changed.
impl std::fmt::Debug for Tree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

/// Asserts that two trees are the same, naming the paths that differ.
#[track_caller]
pub fn assert_same_tree(now: &Tree, before: &Tree, what: &str) {
    let added: Vec<&PathBuf> = now.paths().filter(|p| !before.contains(p)).collect();
    let gone: Vec<&PathBuf> = before.paths().filter(|p| !now.contains(p)).collect();
    let changed: Vec<&PathBuf> = now
        .0
        .iter()
        .filter(|(p, v)| before.0.get(*p).is_some_and(|b| b != *v))
        .map(|(p, _)| p)
        .collect();
    assert!(
        added.is_empty() && gone.is_empty() && changed.is_empty(),
        "{what}: left {added:?}, gone {gone:?}, changed {changed:?}"
    );
}

/// Every file and directory below `dir`, with the bytes of each file.
pub fn tree(dir: &Path) -> Tree {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if fs::symlink_metadata(&p).unwrap().is_dir() {
                stack.push(p.clone());
                out.insert(p, None);
            } else {
                out.insert(p.clone(), Some(fs::read(&p).unwrap()));
            }
        }
    }
    Tree(out)
}

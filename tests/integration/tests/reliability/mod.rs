//! Helpers shared by the load and fault tests.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A number from the environment (for the long runs of
/// `cargo xtask reliability`), or the fast default of the normal test run.
pub fn scale(var: &str, default: usize) -> usize {
    match std::env::var(var) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{var}={v:?} is not a number")),
        Err(_) => default,
    }
}

/// A small, fast pseudo-random sequence (xorshift64*), seeded from the
/// environment or the clock; the seed is printed so a run can be repeated.
pub struct Rng(u64);

impl Rng {
    pub fn new(name: &str) -> Rng {
        let seed = std::env::var("CHTK_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
            })
            | 1;
        eprintln!("{name}: CHTK_SEED={seed}");
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

/// Temporary files of the atomic writer in `dir`.
pub fn temporaries(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| {
            container_hooks_core::atomic::is_temporary_name(&e.file_name().to_string_lossy())
        })
        .map(|e| e.path())
        .collect()
}

/// Checks that every line of the shim's log is whole: a timestamp, a level,
/// a message, nothing of another line inside it. Returns the lines.
pub fn whole_log_lines(log: &Path) -> Vec<String> {
    let text = fs::read(log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    let text = String::from_utf8(text).expect("log is UTF-8 (a torn multi-byte character is not)");
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "last log line is cut off"
    );
    let mut lines = Vec::new();
    for line in text.lines() {
        assert!(
            is_whole_line(line),
            "torn or interleaved log line: {line:?}"
        );
        lines.push(line.to_string());
    }
    lines
}

/// `2026-01-01T00:00:00.000000Z  LEVEL message`, with no second timestamp
/// inside the line.
fn is_whole_line(line: &str) -> bool {
    let b = line.as_bytes();
    if !(b.len() > 28 && starts_with_timestamp(b)) {
        return false;
    }
    let Some(z) = line.find('Z') else {
        return false;
    };
    let rest = line[z + 1..].trim_start();
    let level_ok = ["TRACE ", "DEBUG ", "INFO ", "WARN ", "ERROR "]
        .iter()
        .any(|l| rest.starts_with(l));
    let rest = rest.as_bytes();
    level_ok && !(0..rest.len()).any(|i| starts_with_timestamp(&rest[i..]))
}

/// `dddd-dd-ddTdd:dd:dd`
fn starts_with_timestamp(b: &[u8]) -> bool {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd:dd:dd";
    b.len() >= SHAPE.len()
        && SHAPE.iter().zip(b).all(|(s, c)| match s {
            b'd' => c.is_ascii_digit(),
            other => other == c,
        })
}

/// The log lines of one container id that contain `message`.
pub fn count_lines(lines: &[String], id: &str, message: &str) -> usize {
    let tag = format!("id=\"{id}\"");
    let tag2 = format!("id={id} ");
    lines
        .iter()
        .filter(|l| {
            l.contains(message)
                && (l.contains(&tag) || l.contains(&tag2) || l.ends_with(&format!("id={id}")))
        })
        .count()
}

/// A hook that appends its first argument (the stage) to `hooks.record` in
/// the bundle named by the state on its stdin, so each bundle has its own
/// record of which hooks ran.
pub fn bundle_recorder(path: &Path) {
    integration_tests::write_mode(
        path,
        "#!/bin/sh\nbundle=$(sed -n 's/.*\"bundle\": *\"\\([^\"]*\\)\".*/\\1/p')\nprintf '%s\\n' \"$1\" >> \"$bundle/hooks.record\"\n",
        0o755,
    );
}

/// Runs `runc --root ROOT delete --force ID`, ignoring the result.
pub fn runc_delete(root: &Path, id: &str) {
    let _ = Command::new(integration_tests::require("runc"))
        .arg("--root")
        .arg(root)
        .args(["delete", "--force", id])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

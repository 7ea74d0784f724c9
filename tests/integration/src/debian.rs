//! Minimal Debian 12 root filesystems made with debootstrap from Debian's
//! archive, as tarballs cached under the target directory
//! (`debian/bookworm-minbase[+PACKAGE...].tar`), so only the first run pays
//! for each.

use crate::{require, run_ok, target_dir};
use std::fs;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

/// The Debian mirror this machine's apt uses (not the security archive).
fn debian_mirror() -> String {
    let mut texts = vec![fs::read_to_string("/etc/apt/sources.list").unwrap_or_default()];
    if let Ok(entries) = fs::read_dir("/etc/apt/sources.list.d") {
        for e in entries.flatten() {
            texts.push(fs::read_to_string(e.path()).unwrap_or_default());
        }
    }
    texts
        .iter()
        .flat_map(|t| t.lines())
        .map(str::trim)
        .filter(|l| l.starts_with("URIs:") || l.starts_with("deb "))
        .filter_map(|l| l.split_whitespace().find(|w| w.contains("://")))
        .find(|u| u.trim_end_matches('/').ends_with("/debian"))
        .map(String::from)
        .unwrap_or_else(|| "http://deb.debian.org/debian".to_string())
}

static MAKE: Mutex<()> = Mutex::new(());

/// A tarball of a minimal Debian 12 root filesystem
/// (`debootstrap --variant=minbase bookworm`) with `include` (Debian
/// packages) added, made once and kept under a name that lists them.
pub fn bookworm_tarball(include: &[&str]) -> PathBuf {
    let _guard = MAKE.lock().unwrap_or_else(|e| e.into_inner());
    let name = std::iter::once("bookworm-minbase")
        .chain(include.iter().copied())
        .collect::<Vec<_>>()
        .join("+");
    let cache = target_dir().join("debian");
    let tar = cache.join(format!("{name}.tar"));
    if tar.is_file() {
        return tar;
    }
    fs::create_dir_all(&cache).unwrap();
    let rootfs = cache.join(format!("{name}-rootfs-tmp"));
    let _ = fs::remove_dir_all(&rootfs);
    let mut debootstrap = Command::new(require("debootstrap"));
    debootstrap.arg("--variant=minbase");
    if !include.is_empty() {
        debootstrap.arg(format!("--include={}", include.join(",")));
    }
    run_ok(
        debootstrap
            .arg("bookworm")
            .arg(&rootfs)
            .arg(debian_mirror()),
    );
    let partial = cache.join(format!("{name}.tar.partial"));
    run_ok(
        Command::new("tar")
            .arg("-C")
            .arg(&rootfs)
            .args(["--numeric-owner", "-cf"])
            .arg(&partial)
            .arg("."),
    );
    fs::rename(&partial, &tar).unwrap();
    let _ = fs::remove_dir_all(&rootfs);
    tar
}

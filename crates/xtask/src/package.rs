//! `cargo xtask package`: the release binaries, linked static-pie, then the
//! `.deb` (cargo-deb) and the `.rpm` (cargo-generate-rpm) into `dist/`.
//!
//! The package metadata lives in `crates/container-hooks-ctk/Cargo.toml`
//! (`[package.metadata.deb]`, `[package.metadata.generate-rpm]`); the
//! maintainer scripts in `debian/` and `rpm/`.

use crate::build::{cargo, on_path, run_cmd, static_release, target_dir, TARGET};
use anyhow::{bail, Context, Result};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The crate that holds the package metadata.
const METADATA_CRATE: &str = "container-hooks-ctk";

#[derive(clap::Args)]
pub struct Args {
    /// Package the binaries already built for the target instead of
    /// building them.
    #[arg(long)]
    pub no_build: bool,
}

pub fn run(args: Args) -> Result<()> {
    let root = crate::repo_root();
    let stale = crate::generate::stale_files(&root)?;
    if !stale.is_empty() {
        bail!(
            "man/ and completions/ are stale ({}); run `cargo xtask generate` first",
            stale.join(", ")
        );
    }
    for tool in ["cargo-deb", "cargo-generate-rpm"] {
        if !on_path(tool) {
            bail!(
                "{tool} is not installed; run `cargo install --locked cargo-deb@3.8.0 cargo-generate-rpm@0.21.1`"
            );
        }
    }
    let release = if args.no_build {
        target_dir(&root).join(TARGET).join("release")
    } else {
        static_release(&root)?
    };
    stage_man_pages(&root, &release.join("package/man"))?;

    let dist = root.join("dist");
    fs::create_dir_all(&dist).with_context(|| format!("{}: cannot create", dist.display()))?;
    run_cmd(
        cargo(&root)
            .args([
                "deb",
                "--no-build",
                "--no-strip",
                "--target",
                TARGET,
                "-p",
                METADATA_CRATE,
                "--output",
            ])
            .arg(&dist),
    )?;
    run_cmd(
        cargo(&root)
            .args([
                "generate-rpm",
                "--target",
                TARGET,
                "-p",
                &format!("crates/{METADATA_CRATE}"),
                "--payload-compress",
                "gzip",
                "--output",
            ])
            .arg(&dist),
    )?;
    Ok(())
}

/// gzip -9n every page of `man/` into `out` (both package formats ship
/// them compressed; -n keeps the result the same from build to build).
fn stage_man_pages(root: &Path, out: &Path) -> Result<()> {
    if out.exists() {
        fs::remove_dir_all(out).with_context(|| format!("{}: cannot remove", out.display()))?;
    }
    fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
    let man = root.join("man");
    let entries = fs::read_dir(&man).with_context(|| format!("{}: cannot list", man.display()))?;
    for entry in entries {
        let page = entry
            .with_context(|| format!("{}: cannot list", man.display()))?
            .path();
        let Some(name) = page.file_name() else {
            continue;
        };
        let mut gz = out.join(name).into_os_string();
        gz.push(".gz");
        let output = Command::new("gzip")
            .args(["-9", "-n", "-c"])
            .arg(&page)
            .output()
            .context("cannot run gzip")?;
        if !output.status.success() {
            bail!(
                "gzip {}: {}",
                page.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        fs::write(&gz, output.stdout)
            .with_context(|| format!("{}: cannot write", PathBuf::from(&gz).display()))?;
    }
    Ok(())
}

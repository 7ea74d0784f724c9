//! `cargo xtask package`: the release binaries, linked static-pie, then the
//! `.deb` (cargo-deb) and the `.rpm` (rpmbuild) into `dist/`.
//!
//! The .deb's metadata lives in `crates/container-hooks-ctk/Cargo.toml`
//! (`[package.metadata.deb]`), the .rpm's in `rpm/container-hooks-toolkit.spec`;
//! the summary and the long description of both come from that Cargo.toml,
//! the version, release and changelog of both from `debian/changelog`. The
//! maintainer scripts are in `debian/` and `rpm/`.
//!
//! The .rpm is made with rpmbuild rather than cargo-generate-rpm: 0.21.1,
//! its newest release, can neither own a directory, nor mark a `%license`
//! file, nor give a description apart from the summary, nor declare
//! triggers, all of which a Fedora package needs.

use crate::build::{cargo, on_path, run_cmd, static_release, target_dir, TARGET};
use crate::{changelog, man};
use anyhow::{bail, Context, Result};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The crate that holds the package metadata.
const METADATA_CRATE: &str = "container-hooks-ctk";
/// The package name in both formats.
const PACKAGE: &str = "container-hooks-toolkit";

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
    if !on_path("cargo-deb") {
        bail!("cargo-deb is not installed; run `cargo install --locked cargo-deb@3.8.0`");
    }
    if !on_path("rpmbuild") {
        bail!("rpmbuild is not installed; run `apt-get install rpm` (Debian) or `dnf install rpm-build`");
    }
    let release = if args.no_build {
        target_dir(&root).join(TARGET).join("release")
    } else {
        static_release(&root)?
    };
    let man = release.join("package/man");
    stage_man_pages(&root, &man)?;

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
    build_rpm(&root, &release, &man, &dist)
}

/// The summary and the long description in `[package]` and
/// `[package.metadata.deb]` of the metadata crate.
fn descriptions(root: &Path) -> Result<(String, String)> {
    let path = root.join("crates").join(METADATA_CRATE).join("Cargo.toml");
    let text =
        fs::read_to_string(&path).with_context(|| format!("{}: cannot read", path.display()))?;
    let doc: toml::Table =
        toml::from_str(&text).with_context(|| format!("{}: not TOML", path.display()))?;
    let package = doc.get("package").and_then(|p| p.as_table());
    let summary = package
        .and_then(|p| p.get("description"))
        .and_then(|d| d.as_str())
        .with_context(|| format!("{}: no package.description", path.display()))?;
    let long = package
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("deb"))
        .and_then(|d| d.get("extended-description"))
        .and_then(|d| d.as_str())
        .with_context(|| {
            format!(
                "{}: no package.metadata.deb.extended-description",
                path.display()
            )
        })?;
    Ok((summary.to_string(), long.to_string()))
}

/// Text as lines of at most `width` bytes.
fn wrap(text: &str, width: usize) -> String {
    let mut out = man::fill_lines(text, width).join("\n");
    out.push('\n');
    out
}

/// The .rpm, with rpmbuild and `rpm/container-hooks-toolkit.spec`, into
/// `dist`.
fn build_rpm(root: &Path, release: &Path, man: &Path, dist: &Path) -> Result<()> {
    let entries = changelog::load(root, env!("CARGO_PKG_VERSION"))?;
    let newest = entries.first().context("debian/changelog: no entry")?;
    let (summary, long) = descriptions(root)?;
    let top = target_dir(root).join("rpmbuild");
    if top.exists() {
        fs::remove_dir_all(&top).with_context(|| format!("{}: cannot remove", top.display()))?;
    }
    let sources = top.join("SOURCES");
    fs::create_dir_all(&sources)
        .with_context(|| format!("{}: cannot create", sources.display()))?;
    fs::write(sources.join("description"), wrap(&long, 79))
        .with_context(|| format!("{}: cannot write", sources.display()))?;
    let rpm_changelog: Vec<String> = entries.iter().map(changelog::Entry::to_rpm).collect();
    fs::write(sources.join("changelog"), rpm_changelog.join("\n"))
        .with_context(|| format!("{}: cannot write", sources.display()))?;
    // The changelog's date, so that two builds of one release are alike.
    let epoch = Command::new("date")
        .args(["-u", "-d", &newest.iso_date()?, "+%s"])
        .output()
        .context("cannot run date")?;
    let epoch = String::from_utf8_lossy(&epoch.stdout).trim().to_string();
    let define = |name: &str, value: &Path| format!("{name} {}", value.display());
    let mut cmd = Command::new("rpmbuild");
    cmd.env("SOURCE_DATE_EPOCH", &epoch)
        .args(["-bb", "--quiet", "--nodeps"])
        .arg("--define")
        .arg(define("_topdir", &top))
        .arg("--define")
        .arg(define("_rpmdir", dist))
        .args([
            "--define",
            "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm",
            "--define",
            "_binary_payload w9.gzdio",
            "--define",
            "use_source_date_epoch_as_buildtime 1",
            "--define",
            "clamp_mtime_to_source_date_epoch 1",
            "--define",
            "_buildhost container-hooks-toolkit.invalid",
        ])
        .arg("--define")
        .arg(format!("chk_version {}", newest.upstream()))
        .arg("--define")
        .arg(format!("chk_release {}", newest.revision()))
        .arg("--define")
        .arg(format!("chk_summary {summary}"))
        .arg("--define")
        .arg(define("chk_repo", root))
        .arg("--define")
        .arg(define("chk_bins", release))
        .arg("--define")
        .arg(define("chk_man", man))
        .arg(root.join("rpm").join(format!("{PACKAGE}.spec")));
    run_cmd(&mut cmd)
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
        if !page.is_file() {
            continue;
        }
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

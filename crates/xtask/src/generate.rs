//! `cargo xtask generate`: (re)writes the man pages under `man/` and the
//! shell completions under `completions/` from the clap definitions, and
//! the shipped `etc/container-hooks/config.toml` from
//! `container_hooks_core::config::DEFAULT_TOML`.
//!
//! The whole clap tree of `container-hooks-ctk` is walked, so a new
//! subcommand only needs a regenerate. The shim and the marker do not use
//! clap at run time; their pages come from `container_hooks_ctk::docs`.
//! Man pages outside section 1 are written by hand; only their header is
//! generated (see `man`).

use crate::{completions, man};
use anyhow::{bail, Context, Result};
use clap::CommandFactory;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The directories this task owns, relative to the repository root.
pub const OWNED_DIRS: [&str; 2] = ["man", "completions"];

#[derive(clap::Args)]
pub struct Args {
    /// Write nothing; fail if a committed file differs from what would be
    /// generated.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: Args) -> Result<()> {
    let root = crate::repo_root();
    if args.check {
        let stale = stale_files(&root)?;
        if !stale.is_empty() {
            bail!(
                "generated files are stale: {}; run `cargo xtask generate`",
                stale.join(", ")
            );
        }
        return Ok(());
    }
    write_all(&root)
}

/// Every generated file, by its path relative to the repository root. A
/// hand-written man page is here with its generated header.
pub fn generated_files(root: &Path) -> Result<BTreeMap<PathBuf, Vec<u8>>> {
    let meta = man::Meta::load(root)?;
    let mut files = BTreeMap::new();
    for cmd in [
        container_hooks_ctk::cli::Cli::command(),
        container_hooks_ctk::docs::runtime_command(),
        container_hooks_ctk::docs::marker_command(),
    ] {
        man::command_pages(cmd, &meta, &mut files)?;
    }
    for rel in man::hand_written_pages(root)? {
        let path = root.join(&rel);
        let text = fs::read_to_string(&path)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        let page = man::hand_written(&rel, &text, &meta)?;
        files.insert(rel, page.into_bytes());
    }
    files.extend(completions::scripts(
        container_hooks_ctk::cli::Cli::command(),
    )?);
    files.insert(
        PathBuf::from("etc/container-hooks/config.toml"),
        container_hooks_core::config::DEFAULT_TOML
            .as_bytes()
            .to_vec(),
    );
    Ok(files)
}

/// The generated files under `root` that are missing, differ, or are left
/// over from a command that no longer exists.
pub fn stale_files(root: &Path) -> Result<Vec<String>> {
    let files = generated_files(root)?;
    let mut stale = Vec::new();
    for (rel, want) in &files {
        match fs::read(root.join(rel)) {
            Ok(have) if have == *want => {}
            Ok(_) => stale.push(format!("{} differs", rel.display())),
            Err(_) => stale.push(format!("{} is missing", rel.display())),
        }
    }
    for rel in existing_files(root)? {
        if !files.contains_key(&rel) {
            stale.push(format!("{} is not generated any more", rel.display()));
        }
    }
    Ok(stale)
}

/// Writes every generated file and removes files of the owned directories
/// that are no longer generated.
fn write_all(root: &Path) -> Result<()> {
    let files = generated_files(root)?;
    for rel in existing_files(root)? {
        if !files.contains_key(&rel) {
            fs::remove_file(root.join(&rel))
                .with_context(|| format!("{}: cannot remove", rel.display()))?;
            println!("removed {}", rel.display());
        }
    }
    for (rel, contents) in &files {
        let path = root.join(rel);
        if fs::read(&path).ok().as_deref() == Some(contents.as_slice()) {
            continue;
        }
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
        }
        fs::write(&path, contents).with_context(|| format!("{}: cannot write", path.display()))?;
        println!("wrote {}", rel.display());
    }
    Ok(())
}

/// The files now under the owned directories, relative to `root`.
fn existing_files(root: &Path) -> Result<Vec<PathBuf>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
        let Ok(entries) = fs::read_dir(dir) else {
            return Ok(());
        };
        for entry in entries {
            let path = entry
                .with_context(|| format!("{}: cannot list", dir.display()))?
                .path();
            if path.is_dir() {
                walk(root, &path, out)?;
            } else if let Ok(rel) = path.strip_prefix(root) {
                out.push(rel.to_path_buf());
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for dir in OWNED_DIRS {
        walk(root, &root.join(dir), &mut out)?;
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Command;

    #[test]
    fn committed_man_pages_and_completions_are_fresh() {
        let stale = stale_files(&crate::repo_root()).unwrap();
        assert!(
            stale.is_empty(),
            "man/ and completions/ are stale ({}); run `cargo xtask generate` and commit the result",
            stale.join(", ")
        );
    }

    #[test]
    fn every_ctk_subcommand_has_a_page() {
        let files = generated_files(&crate::repo_root()).unwrap();
        let mut cmd = container_hooks_ctk::cli::Cli::command().disable_help_subcommand(true);
        cmd.build();
        fn names(cmd: &Command, prefix: &str, out: &mut Vec<String>) {
            let name = format!("{prefix}{}", cmd.get_name());
            for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
                names(sub, &format!("{name}-"), out);
            }
            out.push(name);
        }
        let mut want = Vec::new();
        names(&cmd, "", &mut want);
        want.push("container-hooks-runtime".into());
        want.push("container-hooks".into());
        for name in want {
            assert!(
                files.contains_key(&PathBuf::from(format!("man/{name}.1"))),
                "no man page for {name}"
            );
        }
    }

    #[test]
    fn a_subcommand_added_later_gets_its_own_page() {
        let cmd = Command::new("tool")
            .subcommand(Command::new("outer").subcommand(Command::new("inner").about("Deep")));
        let meta = man::Meta {
            source: "tool 1.0".into(),
            date: "2026-01-01".into(),
        };
        let mut files = BTreeMap::new();
        man::command_pages(cmd, &meta, &mut files).unwrap();
        let names: Vec<_> = files.keys().map(|p| p.display().to_string()).collect();
        assert_eq!(
            names,
            ["man/tool-outer-inner.1", "man/tool-outer.1", "man/tool.1"]
        );
    }
}

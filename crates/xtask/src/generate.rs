//! `cargo xtask generate`: (re)writes the man pages under `man/` and the
//! shell completions under `completions/` from the clap definitions, and
//! the shipped `etc/container-hooks/config.toml` from
//! `container_hooks_core::config::DEFAULT_TOML`.
//!
//! The whole clap tree of `container-hooks-ctk` is walked, so a new
//! subcommand only needs a regenerate. The shim and the marker do not use
//! clap at run time; their pages come from `container_hooks_ctk::docs`.

use anyhow::{bail, Context, Result};
use clap::{Command, CommandFactory};
use clap_complete::Shell;
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

/// Every generated file, by its path relative to the repository root.
pub fn generated_files() -> Result<BTreeMap<PathBuf, Vec<u8>>> {
    let mut files = BTreeMap::new();
    for cmd in [
        container_hooks_ctk::cli::Cli::command(),
        container_hooks_ctk::docs::runtime_command(),
        container_hooks_ctk::docs::marker_command(),
    ] {
        man_pages(cmd, &mut files)?;
    }
    let mut ctk = container_hooks_ctk::cli::Cli::command();
    let name = ctk.get_name().to_string();
    for (shell, path) in [
        (Shell::Bash, format!("completions/bash/{name}")),
        (Shell::Zsh, format!("completions/zsh/_{name}")),
        (Shell::Fish, format!("completions/fish/{name}.fish")),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut ctk, &name, &mut buf);
        files.insert(PathBuf::from(path), buf);
    }
    files.insert(
        PathBuf::from("etc/container-hooks/config.toml"),
        container_hooks_core::config::DEFAULT_TOML
            .as_bytes()
            .to_vec(),
    );
    Ok(files)
}

/// One page per command and per visible subcommand, at any depth, named
/// `<command>-<subcommand>...1` as clap_mangen links them.
fn man_pages(cmd: Command, files: &mut BTreeMap<PathBuf, Vec<u8>>) -> Result<()> {
    fn walk(cmd: Command, files: &mut BTreeMap<PathBuf, Vec<u8>>) -> Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
            walk(sub, files)?;
        }
        let man = clap_mangen::Man::new(cmd);
        let mut buf = Vec::new();
        man.render(&mut buf).context("rendering a man page")?;
        files.insert(Path::new("man").join(man.get_filename()), buf);
        Ok(())
    }
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    walk(cmd, files)
}

/// The generated files under `root` that are missing, differ, or are left
/// over from a command that no longer exists.
pub fn stale_files(root: &Path) -> Result<Vec<String>> {
    let files = generated_files()?;
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
    let files = generated_files()?;
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
        let files = generated_files().unwrap();
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
        let mut files = BTreeMap::new();
        man_pages(cmd, &mut files).unwrap();
        let names: Vec<_> = files.keys().map(|p| p.display().to_string()).collect();
        assert_eq!(
            names,
            ["man/tool-outer-inner.1", "man/tool-outer.1", "man/tool.1"]
        );
    }
}

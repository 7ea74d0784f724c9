//! The subcommands: each module turns parsed arguments into calls of the
//! core and admin libraries and prints the outcome.

pub mod config;
pub mod hooks;
pub mod install;
pub mod installer;
pub mod runtime;

use crate::cli::{Cli, Command};
use container_hooks_admin::lock::{Lock, LOCK_TIMEOUT};
use std::path::Path;

/// How much to print: notes and progress go to stderr unless quiet.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub quiet: bool,
    pub debug: bool,
}

impl Out {
    pub fn from_cli(cli: &Cli) -> Out {
        Out {
            quiet: cli.quiet,
            debug: cli.debug,
        }
    }

    /// A line for the operator (stderr), unless quiet.
    pub fn info(&self, msg: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("container-hooks-ctk: {msg}");
        }
    }

    /// A note (stderr), unless quiet.
    pub fn note(&self, msg: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("container-hooks-ctk: note: {msg}");
        }
    }

    /// A warning (stderr), even when quiet: something was left undone.
    pub fn warn(&self, msg: impl std::fmt::Display) {
        eprintln!("container-hooks-ctk: warning: {msg}");
    }

    /// A step, with --debug only.
    pub fn debug(&self, msg: impl std::fmt::Display) {
        if self.debug {
            eprintln!("container-hooks-ctk: debug: {msg}");
        }
    }
}

/// Runs the parsed command line; returns the exit status.
pub fn run(cli: &Cli) -> anyhow::Result<u8> {
    let out = Out::from_cli(cli);
    match &cli.command {
        Command::Hooks(args) => hooks::run(args),
        Command::Runtime(cmd) => runtime::run(cmd, out).map(|()| 0),
        Command::Config(args) => config::run(args, out).map(|()| 0),
        Command::Install(args) => install::run(args, out).map(|()| 0),
        Command::Installer(cmd) => installer::run(cmd, out).map(|()| 0),
    }
}

/// Takes the lock of the state directory `dir`, which every command that
/// edits engine files, the state or the installed binaries holds; says so
/// when another command holds it.
pub fn lock(dir: &Path, out: Out) -> anyhow::Result<Lock> {
    Ok(Lock::acquire(dir, LOCK_TIMEOUT, |d| {
        out.info(format!(
            "{}: another container-hooks-ctk holds the lock; waiting for it",
            d.display()
        ))
    })?)
}

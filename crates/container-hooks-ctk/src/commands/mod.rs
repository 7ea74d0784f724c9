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
        Command::Runtime(cmd) => runtime::run(cmd, out),
        Command::Config(args) => config::run(args, out).map(|()| 0),
        Command::Install(args) => install::run(args, out).map(|()| 0),
        Command::Installer(cmd) => installer::run(cmd, out).map(|()| 0),
    }
}

/// The line an error that ends a command prints. A permission the system
/// refused (EACCES, EPERM) to a user other than root says to run as root:
/// engine files, the state and the installed binaries belong to root.
pub fn error_line(err: &anyhow::Error) -> String {
    let text = format!("{err:#}");
    let denied = err.chain().any(|e| {
        let io = e.downcast_ref::<std::io::Error>();
        io.is_some_and(|io| io.kind() == std::io::ErrorKind::PermissionDenied)
    }) || ["permission denied", "operation not permitted"]
        .iter()
        .any(|fault| text.contains(fault));
    if denied && container_hooks_core::trust::euid() != 0 {
        format!("{text} (run as root, for example with sudo)")
    } else {
        text
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

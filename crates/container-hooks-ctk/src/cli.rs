//! The clap definition of container-hooks-ctk.

use clap::{Parser, Subcommand};

/// Wire container-hooks-runtime into container engines, write its config,
/// and inspect hooks.
#[derive(Debug, Parser)]
#[command(name = "container-hooks-ctk", version, about, long_about = None)]
pub struct Cli {
    /// Print what is done, step by step.
    #[arg(long, global = true)]
    pub debug: bool,
    /// Print only errors.
    #[arg(long, short, global = true, conflicts_with = "debug")]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect hook sources: list them, validate them, preview a bundle.
    Hooks(crate::commands::hooks::HooksArgs),
}

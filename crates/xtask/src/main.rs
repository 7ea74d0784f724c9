//! Project tasks: `cargo xtask <task>`.
//!
//! Each task lives in its own module with a `run` function; this file only
//! parses the command line and dispatches.

use anyhow::Result;
use clap::{Parser, Subcommand};

mod demo;
mod reliability;

#[derive(Parser)]
#[command(name = "xtask", about = "container-hooks-toolkit project tasks")]
struct Xtask {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Run a busybox container through the shim with one recording hook per
    /// stage, in a temporary directory, and print what each hook saw.
    Demo(demo::Args),
    /// Long runs of the load, fault and fuzz tests (see RELIABILITY.md).
    Reliability(reliability::Args),
}

fn main() -> Result<()> {
    match Xtask::parse().task {
        Task::Demo(args) => demo::run(args),
        Task::Reliability(args) => reliability::run(args),
    }
}

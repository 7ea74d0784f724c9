//! Project tasks: `cargo xtask <task>`.
//!
//! Each task lives in its own module with a `run` function; this file only
//! parses the command line and dispatches.

use anyhow::Result;
use clap::{Parser, Subcommand};

mod bench;
mod build;
mod changelog;
mod completions;
mod demo;
mod generate;
mod image;
mod man;
mod package;
mod reliability;
mod repo;

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
    /// Measure the shim's whole-process cost against a minimal C program
    /// that only execs the same runtime, and its peak memory.
    Bench(bench::Args),
    /// Write the man pages (man/) and shell completions (completions/)
    /// from the clap definitions.
    Generate(generate::Args),
    /// Build the release binaries (static-pie) and the .deb and .rpm
    /// packages into dist/.
    Package(package::Args),
    /// Build the installer image (deploy/Containerfile) from static
    /// binaries, with docker build and no registry.
    Image(image::Args),
    /// Build signed APT and RPM repositories from the packages in dist/.
    Repo(repo::Args),
}

fn main() -> Result<()> {
    match Xtask::parse().task {
        Task::Demo(args) => demo::run(args),
        Task::Reliability(args) => reliability::run(args),
        Task::Bench(args) => bench::run(args),
        Task::Generate(args) => generate::run(args),
        Task::Package(args) => package::run(args),
        Task::Image(args) => image::run(args),
        Task::Repo(args) => repo::run(args),
    }
}

pub(crate) use build::repo_root;

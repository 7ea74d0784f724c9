use clap::Parser;
use container_hooks_ctk::cli::{Cli, Command};
use container_hooks_ctk::commands;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Hooks(args) => commands::hooks::run(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("container-hooks-ctk: {e:#}");
            ExitCode::from(1)
        }
    }
}

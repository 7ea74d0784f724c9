use clap::Parser;
use container_hooks_ctk::cli::Cli;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match container_hooks_ctk::commands::run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!(
                "container-hooks-ctk: error: {}",
                container_hooks_ctk::commands::error_line(&e)
            );
            ExitCode::from(1)
        }
    }
}

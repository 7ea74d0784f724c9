use clap::Parser;
use container_hooks_ctk::cli::Cli;

fn main() {
    let cli = Cli::parse();
    if let Err(e) = container_hooks_ctk::commands::run(&cli) {
        eprintln!("container-hooks-ctk: error: {e:#}");
        std::process::exit(1);
    }
}

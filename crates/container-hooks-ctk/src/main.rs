use clap::Parser;
use container_hooks_ctk::cli::Cli;

fn main() {
    let _cli = Cli::parse();
}

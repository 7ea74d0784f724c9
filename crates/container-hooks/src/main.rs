//! `container-hooks`: a no-op marker. Hook files written for the original
//! tool name it as their first prestart hook; its presence in a bundle's
//! config.json means "hooks already injected". As a hook it ignores its
//! arguments, drains the state JSON the runtime writes to its stdin (so the
//! runtime never sees a broken pipe) and exits 0.

use std::io::IsTerminal;

const HELP: &str = "A no-op OCI hook: it reads the container state from stdin and exits 0.

It marks a bundle whose hooks were already injected. hooks.json files of the
original tool name /usr/bin/container-hooks as their first prestart hook;
when container-hooks-runtime finds a prestart hook of this name already in a
bundle's config.json, it adds no hooks to that bundle. See container-hooks(1).

Usage: container-hooks [--version | --help]";

fn main() {
    match std::env::args_os()
        .nth(1)
        .as_deref()
        .and_then(|a| a.to_str())
    {
        Some("--version" | "-V") => {
            println!("container-hooks {}", env!("CARGO_PKG_VERSION"));
        }
        Some("--help" | "-h") => {
            println!("container-hooks {}\n\n{HELP}", env!("CARGO_PKG_VERSION"));
        }
        _ => {
            let stdin = std::io::stdin();
            if !stdin.is_terminal() {
                let _ = std::io::copy(&mut stdin.lock(), &mut std::io::sink());
            }
        }
    }
}

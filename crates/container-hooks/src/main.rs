//! `container-hooks`: a no-op marker. Hook files written for the original
//! tool name it as their first prestart hook; its presence in a bundle's
//! config.json means "hooks already injected". As a hook it reads nothing
//! and exits 0.

fn main() {
    let mut args = std::env::args_os().skip(1);
    if let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--version") | Some("-V") | Some("version") => {
                println!("container-hooks {}", env!("CARGO_PKG_VERSION"));
            }
            Some("--help") | Some("-h") => {
                println!(
                    "container-hooks {}\n\nA no-op OCI hook. Hook files name it as their first prestart hook to mark\na bundle whose hooks were already injected. It ignores its arguments and\nexits 0.\n\nUsage: container-hooks [--version | --help]",
                    env!("CARGO_PKG_VERSION")
                );
            }
            _ => {}
        }
    }
}

//! container-hooks-runtime: an OCI runtime shim. Engines call it instead of
//! runc; on `create`, `run` and `restore` it adds the configured hooks to
//! the bundle's config.json, then it `execve`s the real runtime with the
//! same arguments. It never writes to stdout.

use container_hooks_core::runc_args::RuncArgs;
use container_hooks_core::{runc_log, shim};
use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::process::Command;

fn main() {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let rest = argv.get(1..).unwrap_or_default();
    let args = RuncArgs::parse(rest);
    let message = match shim::prepare(&args) {
        Ok(runtime) => {
            let err = Command::new(&runtime).arg0(&runtime).args(rest).exec();
            format!("cannot execute {}: {err}", runtime.display())
        }
        Err(e) => e.to_string(),
    };
    fail(&args, &message)
}

/// Reports a failure where the engine looks for it, then exits 1 as runc
/// does on errors.
fn fail(args: &RuncArgs, message: &str) -> ! {
    tracing::error!("{message}");
    eprintln!("container-hooks-runtime: {message}");
    if let Some(log) = &args.log {
        runc_log::append_error(
            log,
            args.log_is_json(),
            &format!("container-hooks-runtime: {message}"),
        );
    }
    std::process::exit(1)
}

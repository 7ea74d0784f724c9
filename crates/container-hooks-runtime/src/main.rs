//! container-hooks-runtime: an OCI runtime shim. Engines call it instead of
//! runc; when runc is going to create a container from a bundle (`create`,
//! `run`, `restore`) it adds the configured hooks to the bundle's
//! config.json, then it `execv`s the real runtime with the same arguments.
//! It never writes to stdout.
//!
//! `main` is the C entry point, so that Rust's start-up does not run: it
//! would set SIGPIPE to ignored, and runc must inherit the signal
//! dispositions the engine gave, as if the engine had called it.
#![no_main]

use container_hooks_core::error::{io_fault, one_line};
use container_hooks_core::runc_args::RuncArgs;
use container_hooks_core::{runc_log, shim};
use std::ffi::OsString;

#[no_mangle]
pub extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let rest = argv.get(1..).unwrap_or_default();
    let (args, runtime) = shim::prepare(rest);
    match runtime {
        Ok(runtime) => {
            let err = shim::exec(&runtime, rest);
            let message = format!(
                "cannot execute {}: {}",
                runtime.path.display(),
                io_fault(&err)
            );
            fail(&args, &message)
        }
        Err(error) => fail(&args, &error.to_string()),
    }
}

/// Reports a failure where the engine looks for it, then exits 1 as runc
/// does on errors.
fn fail(args: &RuncArgs, message: &str) -> ! {
    let message = one_line(message);
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

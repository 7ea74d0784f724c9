//! `install --toolkit-root DIR [--dest DIR]`: puts the three binaries in
//! place. Each is copied to a temporary file in the destination directory,
//! synced, given mode 0755 and renamed over the old one, so a container
//! start running the old shim never meets a half-written file and the copy
//! never fails with "text file busy". It holds the state directory's lock,
//! as every command that changes what engines run does.

use super::Out;
use crate::cli::InstallArgs;
use container_hooks_core::error::{io_fault, FileError};
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use container_hooks_admin::engines::state::default_state_dir;

/// Where the binaries go unless told otherwise.
pub const DEFAULT_DEST: &str = "/usr/bin";

/// The binaries installed, in order (the shim last: the CLI and the marker
/// are in place before engines can reach the new shim).
pub const BINARIES: [&str; 3] = [
    "container-hooks-ctk",
    "container-hooks",
    "container-hooks-runtime",
];

pub fn run(args: &InstallArgs, out: Out) -> anyhow::Result<()> {
    let dest = &args.dest;
    let meta = fs::metadata(dest).map_err(|e| FileError::io(dest, &e))?;
    if !meta.is_dir() {
        return Err(FileError::new(dest, "--dest is not a directory").into());
    }
    // Check every source first: install all or nothing.
    for name in BINARIES {
        let src = args.toolkit_root.join(name);
        let m = fs::metadata(&src).map_err(|e| FileError::io(&src, &e))?;
        if !m.is_file() {
            return Err(FileError::new(&src, "not a regular file").into());
        }
        let target = dest.join(name);
        if let Ok(t) = fs::metadata(&target) {
            if t.dev() == m.dev() && t.ino() == m.ino() {
                return Err(FileError::new(
                    &target,
                    format!(
                        "is the same file as {}: refusing to copy a file onto itself",
                        src.display()
                    ),
                )
                .into());
            }
        }
    }
    let state_dir = args.state_dir.clone().unwrap_or_else(default_state_dir);
    let _lock = super::lock(&state_dir, out)?;
    for name in BINARIES {
        let src = args.toolkit_root.join(name);
        let target = dest.join(name);
        install_one(&src, &target).map_err(|e| FileError::new(&target, io_fault(&e)))?;
        out.info(format!("installed {}", target.display()));
    }
    Ok(())
}

fn install_one(src: &Path, target: &Path) -> io::Result<()> {
    let contents = fs::read(src)?;
    container_hooks_core::atomic::install_file(target, &contents, 0o755)
}

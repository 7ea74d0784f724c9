//! Reading a file that decides what runs as root: it must be a regular file
//! owned by root (or by the user running the tool) that no group or other
//! user can write, and not larger than a bound.

use crate::error::{io_fault, FileError};
use std::fs::{File, Metadata};
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// The largest config.json the shim reads.
pub const MAX_SPEC_BYTES: u64 = 8 * 1024 * 1024;
/// The largest hooks.json, hook file or config.toml read.
pub const MAX_SOURCE_BYTES: u64 = 1024 * 1024;

/// The effective user id of this process.
pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Whether the owner and mode of a file (or directory) make it safe to
/// trust: owned by root or by this process's user, not writable by group or
/// others. Returns the fault otherwise.
pub fn check_owner_and_mode(meta: &Metadata) -> Result<(), String> {
    let uid = meta.uid();
    if uid != 0 && uid != euid() {
        return Err(format!(
            "owned by uid {uid}, not by root: refusing to trust it"
        ));
    }
    let mode = meta.permissions().mode();
    if mode & 0o022 != 0 {
        return Err(format!(
            "mode {:04o} lets group or others write it: refusing to trust it (chmod go-w)",
            mode & 0o7777
        ));
    }
    Ok(())
}

/// Reads a whole file after the trust checks. `Ok(None)` when the file does
/// not exist. A symlink is judged by the file it points to.
pub fn read_trusted(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, FileError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FileError::io(path, &e)),
    };
    let meta = file.metadata().map_err(|e| FileError::io(path, &e))?;
    if !meta.is_file() {
        return Err(FileError::new(path, "not a regular file"));
    }
    check_owner_and_mode(&meta).map_err(|fault| FileError::new(path, fault))?;
    read_limited(file, &meta, path, limit).map(Some)
}

/// Reads a whole file, refusing one larger than `limit` bytes.
pub fn read_limited(
    file: File,
    meta: &Metadata,
    path: &Path,
    limit: u64,
) -> Result<Vec<u8>, FileError> {
    if meta.len() > limit {
        return Err(size_error(path, limit));
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| FileError::new(path, io_fault(&e)))?;
    if buf.len() as u64 > limit {
        return Err(size_error(path, limit));
    }
    Ok(buf)
}

fn size_error(path: &Path, limit: u64) -> FileError {
    FileError::new(
        path,
        format!(
            "larger than {} MiB, the most this tool reads: refusing it",
            limit / (1024 * 1024)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn group_writable_is_refused_and_missing_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.json");
        assert_eq!(read_trusted(&p, 10).unwrap(), None);
        std::fs::write(&p, "{}").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o664)).unwrap();
        let err = read_trusted(&p, 10).unwrap_err().to_string();
        assert!(err.contains("f.json") && err.contains("0664"), "{err}");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(read_trusted(&p, 10).unwrap().unwrap(), b"{}");
    }

    #[test]
    fn too_large_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big");
        std::fs::write(&p, vec![b' '; 100]).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = read_trusted(&p, 50).unwrap_err().to_string();
        assert!(err.contains("larger than"), "{err}");
    }
}

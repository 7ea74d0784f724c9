//! Reading input files safely. Every input is opened without blocking and
//! must be a regular file (a FIFO at an input path must not hang a
//! container start) of bounded size; a file that decides what runs as root
//! must also be owned by root (or by the user running the tool) and not
//! writable by group or others.

use crate::error::{io_fault, FileError};
use std::ffi::CStr;
use std::fs::{File, Metadata, OpenOptions};
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
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

/// Opens a file for reading without ever blocking: `O_NONBLOCK`, so that a
/// FIFO (or a device) planted at an input path cannot hang the reader, then
/// `fstat` on the open file, which must be a regular file. `Ok(None)` when
/// the file does not exist. A symlink is followed, and judged by the file
/// it points to. Every input the toolkit reads goes through here.
pub fn open_regular(path: &Path) -> Result<Option<(File, Metadata)>, FileError> {
    let opened = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path);
    regular(opened, path)
}

/// [`open_regular`] for the file `name` in the open directory `dir`
/// (`openat`), so that the directory cannot be swapped between opening it
/// and reading from it; `shown` names the file in errors.
pub fn open_regular_in(
    dir: &File,
    name: &CStr,
    shown: &Path,
) -> Result<Option<(File, Metadata)>, FileError> {
    regular(open_in(dir, name), shown)
}

/// Opens `name` in the open directory `dir` for reading, without blocking
/// (a symlink is followed). The caller checks what it opened, as
/// [`open_regular_in`] does.
pub fn open_in(dir: &File, name: &CStr) -> std::io::Result<File> {
    // SAFETY: `dir` is an open descriptor and `name` a NUL-terminated
    // string; the returned descriptor, if any, is owned by the File below.
    let fd = unsafe {
        libc::openat(
            dir.as_raw_fd(),
            name.as_ptr(),
            libc::O_RDONLY | libc::O_NONBLOCK | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened and nothing else owns it.
    Ok(unsafe { File::from_raw_fd(fd) })
}

/// The metadata of an open file, which must be a regular file.
pub fn regular_file(file: &File, path: &Path) -> Result<Metadata, FileError> {
    let meta = file.metadata().map_err(|e| FileError::io(path, &e))?;
    if !meta.is_file() {
        return Err(FileError::new(
            path,
            format!(
                "not a regular file ({}): refusing to read it",
                kind_of(&meta)
            ),
        ));
    }
    Ok(meta)
}

fn regular(
    opened: std::io::Result<File>,
    path: &Path,
) -> Result<Option<(File, Metadata)>, FileError> {
    let file = match opened {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FileError::io(path, &e)),
    };
    let meta = regular_file(&file, path)?;
    Ok(Some((file, meta)))
}

/// What a file that is not a regular file is, in words.
pub fn kind_of(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else {
        "a regular file"
    }
}

/// Reads a whole regular file of at most `limit` bytes, without the owner
/// and mode checks: [`open_regular`], then [`read_limited`]. `Ok(None)`
/// when it does not exist.
pub fn read_regular(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, FileError> {
    match open_regular(path)? {
        None => Ok(None),
        Some((file, meta)) => read_limited(file, &meta, path, limit).map(Some),
    }
}

/// Reads a whole file after the trust checks. `Ok(None)` when the file does
/// not exist. A symlink is judged by the file it points to; anything but a
/// regular file is refused without blocking on it.
pub fn read_trusted(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, FileError> {
    let Some((file, meta)) = open_regular(path)? else {
        return Ok(None);
    };
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

/// Files at least this large are mapped rather than read.
pub const MAP_FROM: u64 = 64 * 1024;

/// The bytes of a whole file: read into memory, or, for a large file,
/// mapped. Mapping costs a few page faults where reading costs one per
/// page (and a copy); on a virtual machine that is most of the time the
/// shim spends on a large config.json.
pub enum FileBytes {
    Read(Vec<u8>),
    Mapped(Mapping),
}

/// A read-only private mapping of a whole file, unmapped when dropped.
/// A file truncated by someone else while it is mapped makes the next
/// read of a page past its end fail with SIGBUS: the process then dies
/// before it has written anything, as a crash would.
pub struct Mapping {
    ptr: std::ptr::NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is read-only and owned by this value alone.
unsafe impl Send for Mapping {}
// SAFETY: as above; shared references only read.
unsafe impl Sync for Mapping {}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `ptr` and `len` describe a mapping made in `read_whole`
        // and not unmapped since.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Read(v) => v,
            // SAFETY: the mapping is `len` readable bytes for as long as
            // `self` lives.
            FileBytes::Mapped(m) => unsafe { std::slice::from_raw_parts(m.ptr.as_ptr(), m.len) },
        }
    }
}

impl Clone for FileBytes {
    fn clone(&self) -> Self {
        FileBytes::Read(self.to_vec())
    }
}

impl std::fmt::Debug for FileBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FileBytes({} bytes)", self.len())
    }
}

impl From<Vec<u8>> for FileBytes {
    fn from(v: Vec<u8>) -> Self {
        FileBytes::Read(v)
    }
}

/// Reads a whole file of at most `limit` bytes, mapping it when it is
/// large ([`FileBytes`]).
pub fn read_whole(
    file: File,
    meta: &Metadata,
    path: &Path,
    limit: u64,
) -> Result<FileBytes, FileError> {
    if meta.len() > limit {
        return Err(size_error(path, limit));
    }
    if meta.len() < MAP_FROM {
        return read_limited(file, meta, path, limit).map(FileBytes::Read);
    }
    let len = usize::try_from(meta.len()).map_err(|_| size_error(path, limit))?;
    // SAFETY: a fresh read-only private mapping of `len` bytes of an open
    // file; the kernel picks the address.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_PRIVATE,
            file.as_raw_fd(),
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return read_limited(file, meta, path, limit).map(FileBytes::Read);
    }
    match std::ptr::NonNull::new(ptr.cast::<u8>()) {
        Some(ptr) => Ok(FileBytes::Mapped(Mapping { ptr, len })),
        None => read_limited(file, meta, path, limit).map(FileBytes::Read),
    }
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
    fn fifo_and_directory_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("hooks.json");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid path string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let err = read_trusted(&fifo, 10).unwrap_err().to_string();
        assert!(
            err.contains("hooks.json") && err.contains("a FIFO"),
            "{err}"
        );
        let err = read_regular(dir.path(), 10).unwrap_err().to_string();
        assert!(err.contains("a directory"), "{err}");
        let d = File::open(dir.path()).unwrap();
        let name = std::ffi::CString::new("hooks.json").unwrap();
        let err = open_regular_in(&d, &name, &fifo).unwrap_err().to_string();
        assert!(err.contains("a FIFO"), "{err}");
        let missing = std::ffi::CString::new("nothing").unwrap();
        assert!(open_regular_in(&d, &missing, &fifo).unwrap().is_none());
    }

    #[test]
    fn large_files_are_mapped_small_ones_read() {
        let dir = tempfile::tempdir().unwrap();
        for (name, size) in [("small", 100usize), ("large", 200 * 1024)] {
            let p = dir.path().join(name);
            let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            std::fs::write(&p, &data).unwrap();
            let (file, meta) = open_regular(&p).unwrap().unwrap();
            let got = read_whole(file, &meta, &p, 1 << 20).unwrap();
            assert_eq!(&*got, &data[..]);
            assert_eq!(matches!(got, FileBytes::Mapped(_)), size >= 64 * 1024);
            assert_eq!(&*got.clone(), &data[..]);
        }
        let p = dir.path().join("large");
        let (file, meta) = open_regular(&p).unwrap().unwrap();
        assert!(read_whole(file, &meta, &p, 1024).is_err());
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

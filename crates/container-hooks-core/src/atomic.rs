//! Replacing a file atomically: a temporary file in the same directory,
//! written (and synced, when durable), given the old file's mode and owner,
//! then renamed over the old one. A reader sees the old file or the new
//! one, never a part of either.
//!
//! The temporary file is created with `O_CREAT|O_EXCL|O_NOFOLLOW` under a
//! random name, relative to the open directory (`openat`, `renameat`): a
//! file or symlink planted at a temporary name is never written through,
//! and nothing is written outside the directory.

use std::ffi::{CStr, CString, OsStr};
use std::fs::{self, File};
use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The temporary names this module uses end with this marker, so stale
/// ones (from a killed process) can be recognised and removed.
const TMP_SUFFIX: &str = ".chtk.tmp";

/// Writes `contents` to `path` atomically. When `path` exists its mode and
/// owner are kept (a symlink is followed and its target replaced); a new
/// file gets `new_mode`.
///
/// `durable` syncs the new file before the rename and the directory after
/// it, so the change also survives a power cut: wanted for engine configs,
/// which decide whether the host's engines start. Without it the write is
/// still atomic for every reader and against a killed writer, which is
/// what a bundle's config.json needs: it lives as long as one container
/// create (usually on tmpfs), runc itself never syncs it, and an fsync
/// would cost milliseconds on every container start.
pub fn replace_file(path: &Path, contents: &[u8], new_mode: u32, durable: bool) -> io::Result<()> {
    let target = resolve_target(path)?;
    let existing = match fs::metadata(&target) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    if existing.as_ref().is_some_and(|m| m.is_dir()) {
        return Err(io::Error::from_raw_os_error(libc::EISDIR));
    }
    let keep = existing.as_ref().map(Keep::of);
    write_and_rename(&target, contents, keep, new_mode, durable)
}

/// Puts a new file at `path` atomically and durably, with `mode` and owned
/// by the caller, whatever was there before: a symlink at `path` is
/// replaced, not followed. For installing programs and files the toolkit
/// owns outright.
pub fn install_file(path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
    if fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(io::Error::from_raw_os_error(libc::EISDIR));
    }
    write_and_rename(path, contents, None, mode, true)
}

/// The mode and owner a replaced file keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keep {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

impl Keep {
    pub fn of(meta: &fs::Metadata) -> Keep {
        Keep {
            mode: meta.permissions().mode() & 0o7777,
            uid: meta.uid(),
            gid: meta.gid(),
        }
    }
}

/// Writes a temporary file beside `target` and renames it over `target`.
fn write_and_rename(
    target: &Path,
    contents: &[u8],
    keep: Option<Keep>,
    new_mode: u32,
    durable: bool,
) -> io::Result<()> {
    let dir_path = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    let dir = open_dir(&dir_path)?;
    let name = CString::new(name.as_bytes())?;
    let keep = keep.unwrap_or(Keep {
        mode: new_mode,
        // SAFETY: geteuid and getegid cannot fail.
        uid: unsafe { libc::geteuid() },
        gid: unsafe { libc::getegid() },
    });
    replace_in_dir(&dir, &name, keep, durable, |f| f.write_all(contents))
}

/// Opens a directory for the `*at` calls of [`replace_in_dir`] (a symlink
/// to a directory is followed, as `chdir` would).
pub fn open_dir(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
        .open(path)
}

/// Replaces the file `name` in the open directory `dir` atomically with
/// what `write` writes, giving it `keep`'s mode and (when allowed) owner.
/// Whatever `name` was (a regular file, a symlink), afterwards it is the
/// new regular file; nothing outside `dir` is written.
pub fn replace_in_dir(
    dir: &File,
    name: &CStr,
    keep: Keep,
    durable: bool,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let display = OsStr::from_bytes(name.to_bytes());
    remove_stale_temporaries(dir, display);
    let (tmp_name, mut file) = create_temporary(dir, display)?;
    let result = fill(&mut file, keep, durable, write).and_then(|()| {
        drop(file);
        // SAFETY: both names are NUL-terminated and `dir` is open.
        let rc = unsafe {
            libc::renameat(
                dir.as_raw_fd(),
                tmp_name.as_ptr(),
                dir.as_raw_fd(),
                name.as_ptr(),
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    });
    if let Err(e) = result {
        // SAFETY: as above.
        unsafe { libc::unlinkat(dir.as_raw_fd(), tmp_name.as_ptr(), 0) };
        return Err(e);
    }
    if durable {
        let _ = dir.sync_all();
    }
    Ok(())
}

fn fill(
    file: &mut File,
    keep: Keep,
    durable: bool,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    // Keep the owner; an unprivileged caller may not be able to, and then
    // the file is theirs, as any editor would leave it.
    let _ = std::os::unix::fs::fchown(&*file, Some(keep.uid), Some(keep.gid));
    file.set_permissions(fs::Permissions::from_mode(keep.mode))?;
    write(file)?;
    if durable {
        file.sync_all()?;
    }
    Ok(())
}

/// Creates `.NAME.<pid>.<random>.chtk.tmp` in `dir`, mode 0600, refusing
/// to open anything that is already there.
fn create_temporary(dir: &File, name: &OsStr) -> io::Result<(CString, File)> {
    let mut last = io::Error::from_raw_os_error(libc::EEXIST);
    for _ in 0..16 {
        let mut tmp = Vec::with_capacity(name.len() + 40);
        tmp.push(b'.');
        tmp.extend_from_slice(name.as_bytes());
        tmp.extend_from_slice(
            format!(".{}.{:016x}{TMP_SUFFIX}", std::process::id(), random()).as_bytes(),
        );
        let tmp = CString::new(tmp)?;
        // SAFETY: `dir` is open and `tmp` NUL-terminated; the descriptor
        // returned is owned by the File below.
        let fd = unsafe {
            libc::openat(
                dir.as_raw_fd(),
                tmp.as_ptr(),
                libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                0o600 as libc::c_uint,
            )
        };
        if fd >= 0 {
            // SAFETY: `fd` was just opened and nothing else owns it.
            return Ok((tmp, unsafe { File::from_raw_fd(fd) }));
        }
        last = io::Error::last_os_error();
        if last.raw_os_error() != Some(libc::EEXIST) {
            break;
        }
    }
    Err(last)
}

/// 64 random bits from the kernel; the clock if that fails.
fn random() -> u64 {
    let mut buf = [0u8; 8];
    // SAFETY: `buf` is valid for 8 bytes.
    let n = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), libc::GRND_NONBLOCK) };
    if n == 8 {
        return u64::from_ne_bytes(buf);
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    u64::from(now.subsec_nanos()) ^ now.as_secs().rotate_left(32) ^ u64::from(std::process::id())
}

fn resolve_target(path: &Path) -> io::Result<PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path),
        _ => Ok(path.to_path_buf()),
    }
}

/// The pid in a temporary name of `name` (`.NAME.<pid>.<random>.chtk.tmp`,
/// or `.NAME.<pid>.chtk.tmp` as earlier versions named them).
fn temporary_pid(file_name: &[u8], name: &[u8]) -> Option<u32> {
    let rest = file_name
        .strip_prefix(b".")?
        .strip_prefix(name)?
        .strip_prefix(b".")?
        .strip_suffix(TMP_SUFFIX.as_bytes())?;
    let pid = rest.split(|&b| b == b'.').next()?;
    std::str::from_utf8(pid).ok()?.parse().ok()
}

/// Removes temporaries of `name` left in `dir` by processes that no longer
/// exist. Failures are ignored: a leftover is never read by anyone.
fn remove_stale_temporaries(dir: &File, name: &OsStr) {
    let listing = PathBuf::from(format!("/proc/self/fd/{}", dir.as_raw_fd()));
    let Ok(entries) = fs::read_dir(&listing) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = temporary_pid(file_name.as_bytes(), name.as_bytes()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            if let Ok(c) = CString::new(file_name.as_bytes()) {
                // SAFETY: `dir` is open and `c` NUL-terminated.
                unsafe { libc::unlinkat(dir.as_raw_fd(), c.as_ptr(), 0) };
            }
        }
    }
}

/// Whether a file name is one of this module's temporary files.
pub fn is_temporary_name(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(TMP_SUFFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_mode_and_replaces_contents() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        fs::write(&p, "old").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        replace_file(&p, b"new", 0o644, false).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o7777,
            0o640
        );
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn new_file_gets_new_mode_and_symlink_target_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("n.toml");
        replace_file(&p, b"x", 0o644, true).unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o7777,
            0o644
        );
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&p, &link).unwrap();
        replace_file(&link, b"y", 0o600, false).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&p).unwrap(), "y");
    }

    #[test]
    fn stale_temporary_of_dead_process_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        fs::write(&p, "old").unwrap();
        // pid 0x7fffffff never exists.
        let stale = [
            format!(".config.json.2147483646{TMP_SUFFIX}"),
            format!(".config.json.2147483646.00ff00ff00ff00ff{TMP_SUFFIX}"),
        ];
        for s in &stale {
            fs::write(dir.path().join(s), "partial").unwrap();
        }
        let alive = format!(".config.json.1.0000000000000001{TMP_SUFFIX}");
        fs::write(dir.path().join(&alive), "init's").unwrap();
        replace_file(&p, b"new", 0o644, false).unwrap();
        for s in &stale {
            assert!(!dir.path().join(s).exists(), "{s}");
        }
        assert!(dir.path().join(&alive).exists());
    }

    #[test]
    fn a_planted_temporary_or_symlink_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        let p = dir.path().join("config.json");
        fs::write(&p, "old").unwrap();
        // Whatever name the temporary gets, a link planted at a name of the
        // old scheme is left alone.
        std::os::unix::fs::symlink(
            &victim,
            dir.path()
                .join(format!(".config.json.{}{TMP_SUFFIX}", std::process::id())),
        )
        .unwrap();
        replace_file(&p, b"new", 0o644, false).unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(fs::read_to_string(&p).unwrap(), "new");
    }

    #[test]
    fn replacing_a_symlink_in_a_directory_writes_only_there() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("shared.json");
        fs::write(&target, "shared").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("config.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let d = open_dir(dir.path()).unwrap();
        let keep = Keep::of(&fs::metadata(&link).unwrap());
        let name = CString::new("config.json").unwrap();
        replace_in_dir(&d, &name, keep, false, |f| f.write_all(b"mine")).unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "shared");
        assert!(fs::symlink_metadata(&link).unwrap().is_file());
        assert_eq!(fs::read_to_string(&link).unwrap(), "mine");
        assert_eq!(
            fs::metadata(&link).unwrap().permissions().mode() & 0o7777,
            0o640
        );
        assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 1);
    }

    #[test]
    fn directory_target_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(replace_file(dir.path(), b"x", 0o644, false).is_err());
    }

    #[test]
    fn install_file_replaces_a_symlink_and_sets_the_mode() {
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("other");
        fs::write(&other, "keep").unwrap();
        let p = dir.path().join("bin");
        std::os::unix::fs::symlink(&other, &p).unwrap();
        install_file(&p, b"new", 0o755).unwrap();
        assert!(fs::symlink_metadata(&p).unwrap().is_file());
        assert_eq!(fs::read_to_string(&other).unwrap(), "keep");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o7777,
            0o755
        );
        assert!(install_file(dir.path(), b"x", 0o644).is_err());
    }
}

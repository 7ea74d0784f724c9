//! Replacing a file atomically: a temporary file in the same directory,
//! written (and synced, when durable), given the old file's mode and owner, then renamed
//! over the old one. A reader sees the old file or the new one, never a
//! part of either.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The temporary names this module uses (`.NAME.<pid>.chtk.tmp`) end with
/// this marker, so stale ones (from a killed process) can be recognised
/// and removed.
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
    write_and_rename(&target, contents, existing.as_ref(), new_mode, durable)
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

/// Writes a temporary file beside `target` and renames it over `target`.
fn write_and_rename(
    target: &Path,
    contents: &[u8],
    existing: Option<&fs::Metadata>,
    new_mode: u32,
    durable: bool,
) -> io::Result<()> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?
        .to_string_lossy()
        .into_owned();
    remove_stale_temporaries(&dir, &name);
    let tmp = dir.join(format!(".{name}.{}{TMP_SUFFIX}", std::process::id()));
    let result = write_temporary(&tmp, contents, existing, new_mode, durable)
        .and_then(|()| fs::rename(&tmp, target));
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    if durable {
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

fn resolve_target(path: &Path) -> io::Result<PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path),
        _ => Ok(path.to_path_buf()),
    }
}

fn write_temporary(
    tmp: &Path,
    contents: &[u8],
    existing: Option<&fs::Metadata>,
    new_mode: u32,
    durable: bool,
) -> io::Result<()> {
    let mode = existing.map_or(new_mode, |m| m.permissions().mode() & 0o7777);
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(tmp)?;
    if let Some(m) = existing {
        // Keep the owner; an unprivileged caller may not be able to, and
        // then the file is theirs, as any editor would leave it.
        let _ = std::os::unix::fs::fchown(&file, Some(m.uid()), Some(m.gid()));
    }
    file.set_permissions(fs::Permissions::from_mode(mode))?;
    file.write_all(contents)?;
    if durable {
        file.sync_all()?;
    }
    Ok(())
}

/// Removes `.NAME.<pid>.chtk.tmp` files left by processes that no longer
/// exist. Failures are ignored: a leftover is never read by anyone.
fn remove_stale_temporaries(dir: &Path, name: &str) {
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let Some(pid) = file_name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(TMP_SUFFIX))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_file(entry.path());
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
        let stale = dir
            .path()
            .join(format!(".config.json.2147483646{TMP_SUFFIX}"));
        fs::write(&stale, "partial").unwrap();
        replace_file(&p, b"new", 0o644, false).unwrap();
        assert!(!stale.exists());
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

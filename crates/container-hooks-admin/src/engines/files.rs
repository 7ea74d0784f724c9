//! Access to engine files: which files an engine is configured through,
//! reading them (a missing file is no error, a directory is), checking
//! that a file can be written before anything is, writing atomically with
//! the mode kept, and reaching host paths below another root.

use super::state::Record;
use super::Engine;
use container_hooks_core::error::{io_fault, FileError};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// The files an engine is configured through: its main file, and the
/// drop-in where it reads one the toolkit writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineFiles {
    pub config: PathBuf,
    pub drop_in: Option<PathBuf>,
}

impl EngineFiles {
    /// The files an earlier configure recorded, else the engine's
    /// defaults, each on its own.
    pub fn of(engine: Engine, recorded: Option<&Record>) -> EngineFiles {
        EngineFiles {
            config: recorded.map_or_else(
                || engine.default_config().to_path_buf(),
                |r| r.config.clone(),
            ),
            drop_in: recorded
                .and_then(|r| r.drop_in.clone())
                .or_else(|| engine.default_drop_in().map(Path::to_path_buf)),
        }
    }

    /// The files a record names, as it names them.
    pub fn recorded(r: &Record) -> EngineFiles {
        EngineFiles {
            config: r.config.clone(),
            drop_in: r.drop_in.clone(),
        }
    }

    /// The same host files where this process reaches them, the host's
    /// root being mounted at `root` (None: `/`).
    pub fn on_root(&self, root: Option<&Path>) -> EngineFiles {
        EngineFiles {
            config: on_root(root, &self.config),
            drop_in: self.drop_in.as_deref().map(|d| on_root(root, d)),
        }
    }
}

/// The path at which this process reaches the host path `path`, the host's
/// root being mounted at `root` (None: `/`).
pub fn on_root(root: Option<&Path>, path: &Path) -> PathBuf {
    match root {
        Some(r) if r != Path::new("/") => {
            let rel = path.strip_prefix("/").unwrap_or(path);
            r.join(rel)
        }
        _ => path.to_path_buf(),
    }
}

/// Reads an engine file as text. `Ok(None)` when it does not exist; a
/// directory or unreadable file is an error naming it.
pub fn read_optional(path: &Path) -> Result<Option<String>, FileError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(FileError::new(path, "is a directory, not a file"));
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FileError::io(path, &e)),
    }
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| FileError::new(path, "not valid UTF-8 text")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(FileError::new(path, io_fault(&e))),
    }
}

/// Fails, naming `path`, when the nearest existing directory above it
/// cannot be written (a read-only mount, no permission).
pub(crate) fn check_writable_dir(path: &Path) -> Result<(), FileError> {
    use std::os::unix::ffi::OsStrExt;
    let Some(mut dir) = path.parent() else {
        return Ok(());
    };
    while !dir.as_os_str().is_empty() && !dir.exists() {
        match dir.parent() {
            Some(up) => dir = up,
            None => return Ok(()),
        }
    }
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return Ok(());
    };
    // SAFETY: `c` is a valid NUL-terminated path for the whole call.
    if unsafe { libc::access(c.as_ptr(), libc::W_OK) } != 0 {
        return Err(FileError::io(path, &io::Error::last_os_error()));
    }
    Ok(())
}

/// Writes `text` to `path` atomically (mode kept; a new file gets 0644),
/// creating missing directories.
pub(crate) fn write_file(path: &Path, text: &str) -> Result<(), FileError> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() && !dir.exists() {
            std::fs::create_dir_all(dir).map_err(|e| FileError::io(dir, &e))?;
        }
    }
    container_hooks_core::atomic::replace_file(path, text.as_bytes(), 0o644, true)
        .map_err(|e| FileError::io(path, &e))
}

/// The directories `dir` and above that do not exist (`exists` tells),
/// the outermost first; never `/`.
pub fn missing_dirs(dir: &Path, exists: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut missing: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|d| d.parent().is_some() && !exists(d))
        .map(Path::to_path_buf)
        .collect();
    missing.reverse();
    missing
}

/// What became of a directory configure created, once remove took out
/// the files configure put in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirRemoval {
    /// Deleted: nothing was left in it.
    Removed(PathBuf),
    /// Left in place for another fault than holding files (which is no
    /// fault: they are someone else's).
    Failed(FileError),
}

impl fmt::Display for DirRemoval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DirRemoval::Removed(dir) => write!(f, "deleted directory {}", dir.display()),
            DirRemoval::Failed(e) => {
                write!(f, "{e}; configure created this directory, left in place")
            }
        }
    }
}

/// Deletes each of `dirs` (where this process reaches them) that is
/// empty, the deepest first. One that holds something or is gone already
/// is passed over in silence.
pub fn remove_empty_dirs(dirs: &[PathBuf]) -> Vec<DirRemoval> {
    let mut dirs: Vec<&PathBuf> = dirs.iter().collect();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    dirs.into_iter()
        .filter_map(|dir| match std::fs::remove_dir(dir) {
            Ok(()) => Some(DirRemoval::Removed(dir.clone())),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::DirectoryNotEmpty
                ) =>
            {
                None
            }
            Err(e) => Some(DirRemoval::Failed(FileError::io(dir, &e))),
        })
        .collect()
}

/// Whether `path` is a program: a file with an execute bit.
pub fn is_program(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Deletes `path`; a file already gone is fine.
pub(crate) fn delete_file(path: &Path) -> Result<(), FileError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(FileError::io(path, &e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_dirs_are_listed_outermost_first_and_never_the_root() {
        let dir = Path::new("/etc/crio/crio.conf.d");
        let exists = |d: &Path| d == Path::new("/etc");
        assert_eq!(
            missing_dirs(dir, exists),
            [Path::new("/etc/crio"), Path::new("/etc/crio/crio.conf.d")]
        );
        assert_eq!(missing_dirs(dir, |_| false).len(), 3);
        assert!(missing_dirs(Path::new("/"), |_| false).is_empty());
        assert!(missing_dirs(dir, |_| true).is_empty());
    }

    #[test]
    fn on_root_maps_host_paths_below_the_root() {
        let p = Path::new("/etc/containerd/config.toml");
        assert_eq!(on_root(None, p), p);
        assert_eq!(on_root(Some(Path::new("/")), p), p);
        assert_eq!(
            on_root(Some(Path::new("/host")), p),
            Path::new("/host/etc/containerd/config.toml")
        );
    }
}

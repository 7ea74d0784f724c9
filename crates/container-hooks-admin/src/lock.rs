//! The one lock every command takes before it reads what it will change:
//! engine files, the state in `runtimes.json`, installed binaries.
//!
//! It is an exclusive `flock(2)` on the state directory itself (created
//! when missing), so it needs no file of its own, works on a read-only
//! mount, and goes away with the process that held it, however it ended.
//! The holder may delete the directory once nothing is left in it
//! ([`Lock::remove_dir`]): a waiter that then gets the lock on the deleted
//! directory sees that the path no longer names it and starts again.
//! `runtime configure|remove` (and so the package scripts), `install` and
//! `installer run|remove` take it on the same directory, so two of them
//! never interleave: the second waits, says so once, and gives up with a
//! clear error after a timeout.

use container_hooks_core::error::{io_fault, FileError};
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a command waits for another one holding the lock.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(120);

/// Held until dropped.
#[derive(Debug)]
pub struct Lock {
    dir: PathBuf,
    _file: File,
}

/// Why the lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{}: another container-hooks-ctk has held the lock for {}s while editing engine configs; not waiting longer (run the command again once it has finished)", dir.display(), waited.as_secs())]
    Timeout { dir: PathBuf, waited: Duration },
}

impl Lock {
    /// Takes the lock on the state directory `dir`, creating it when
    /// missing. When another process holds it, calls `waiting` once and
    /// waits up to `timeout`.
    pub fn acquire(
        dir: &Path,
        timeout: Duration,
        waiting: impl FnOnce(&Path),
    ) -> Result<Lock, LockError> {
        let start = Instant::now();
        let mut waiting = Some(waiting);
        loop {
            if let Some(lock) = Lock::try_acquire(dir)? {
                return Ok(lock);
            }
            if let Some(say) = waiting.take() {
                say(dir);
            }
            let waited = start.elapsed();
            if waited >= timeout {
                return Err(LockError::Timeout {
                    dir: dir.to_path_buf(),
                    waited,
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Takes the lock on `dir` (created when missing) if no other process
    /// holds it; None when one does.
    pub fn try_acquire(dir: &Path) -> Result<Option<Lock>, FileError> {
        loop {
            std::fs::create_dir_all(dir).map_err(|e| FileError::io(dir, &e))?;
            let file = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
                .open(dir)
                .map_err(|e| FileError::io(dir, &e))?;
            if !flock(&file, dir)? {
                return Ok(None);
            }
            // The holder before may have deleted the directory: locked, it
            // must still be the one the path names.
            let held = file.metadata().map_err(|e| FileError::io(dir, &e))?;
            let same = std::fs::metadata(dir)
                .is_ok_and(|now| now.dev() == held.dev() && now.ino() == held.ino());
            if same {
                return Ok(Some(Lock {
                    dir: dir.to_path_buf(),
                    _file: file,
                }));
            }
        }
    }

    /// The directory this lock is held on.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Deletes the locked directory when it is empty, and lets go of the
    /// lock. Returns whether it was deleted (a directory that is not empty
    /// stays).
    pub fn remove_dir(self) -> Result<bool, FileError> {
        match std::fs::remove_dir(&self.dir) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) if e.raw_os_error() == Some(libc::ENOTEMPTY) => Ok(false),
            Err(e) => Err(FileError::io(&self.dir, &e)),
        }
    }
}

/// An exclusive flock(2) on `file` without waiting: false when another
/// process holds it.
fn flock(file: &File, dir: &Path) -> Result<bool, FileError> {
    loop {
        // SAFETY: flock(2) on an open descriptor has no memory effects.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc == 0 {
            return Ok(true);
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EWOULDBLOCK) => return Ok(false),
            Some(libc::EINTR) => continue,
            _ => {
                return Err(FileError::new(
                    dir,
                    format!("cannot lock: {}", io_fault(&err)),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_caller_waits_says_so_and_times_out() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("state");
        let held = Lock::acquire(&dir, LOCK_TIMEOUT, |_| panic!("nothing to wait for")).unwrap();
        let mut said = 0;
        let err = Lock::acquire(&dir, Duration::from_millis(200), |d| {
            assert_eq!(d, dir);
            said += 1;
        })
        .unwrap_err();
        assert_eq!(said, 1);
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("{}: another container-hooks-ctk", dir.display()))
                && text.contains("not waiting longer"),
            "{text}"
        );
        drop(held);
        Lock::acquire(&dir, Duration::from_millis(200), |_| panic!("released")).unwrap();
    }

    /// A holder deletes the directory while another waits on it: the
    /// waiter ends up holding the directory the path names, not the
    /// deleted one.
    #[test]
    fn a_deleted_directory_is_not_a_lock() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("state");
        let held = Lock::acquire(&dir, LOCK_TIMEOUT, |_| {}).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = {
            let dir = dir.clone();
            std::thread::spawn(move || {
                Lock::acquire(&dir, LOCK_TIMEOUT, |_| tx.send(()).unwrap()).unwrap()
            })
        };
        rx.recv().unwrap();
        assert!(held.remove_dir().unwrap());
        let lock = waiter.join().unwrap();
        let (a, b) = (
            lock._file.metadata().unwrap(),
            std::fs::metadata(&dir).unwrap(),
        );
        assert_eq!((a.dev(), a.ino()), (b.dev(), b.ino()));
        // Not empty: it stays.
        std::fs::write(dir.join("runtimes.json"), "{}").unwrap();
        assert!(!lock.remove_dir().unwrap());
        assert!(dir.join("runtimes.json").is_file());
    }
}

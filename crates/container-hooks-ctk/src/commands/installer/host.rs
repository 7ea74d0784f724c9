//! The host's files as the installer writes them: reached below the host
//! root, written only when they differ, and what was created recorded so
//! that cleanup takes out exactly that.

use super::super::Out;
use crate::cli::InstallerArgs;
use container_hooks_admin::engines::files::missing_dirs;
use container_hooks_admin::engines::on_root;
use container_hooks_core::error::{io_fault, json_fault, FileError};
use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// What the installer created, in the state directory.
pub const STATE_FILE: &str = "installer.json";
/// The shim's name in the toolkit directory.
pub const SHIM: &str = "container-hooks-runtime";
/// The CLI's name in the toolkit directory.
pub const CTK: &str = "container-hooks-ctk";

/// What the installer created on the host, as host paths.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Created {
    /// Files that did not exist before the installer wrote them.
    pub files: BTreeSet<PathBuf>,
    /// Directories it created.
    pub dirs: BTreeSet<PathBuf>,
    /// The engine's files changed and it was not restarted (CRI-O, while
    /// pods created through the shim exist): the cleanup that finds them
    /// gone restarts it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restart_pending: bool,
}

impl Created {
    /// Nothing left to record.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.dirs.is_empty() && !self.restart_pending
    }

    /// Adds what `other` created.
    pub fn merge(&mut self, other: Created) {
        self.files.extend(other.files);
        self.dirs.extend(other.dirs);
        self.restart_pending |= other.restart_pending;
    }
}

/// The host's root, as this process reaches it.
pub struct Host {
    pub root: PathBuf,
}

impl Host {
    /// Where this process reaches a host path.
    pub fn path(&self, p: &Path) -> PathBuf {
        on_root(Some(&self.root), p)
    }

    /// The host path of a path below the host root, for messages.
    pub fn shown(&self, p: &Path) -> String {
        match p.strip_prefix(&self.root) {
            Ok(rel) => Path::new("/").join(rel).display().to_string(),
            Err(_) => p.display().to_string(),
        }
    }

    pub fn load_created(&self, a: &InstallerArgs) -> anyhow::Result<Created> {
        let path = self.path(&super::state_file(a));
        match fs::read(&path) {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes)
                .map_err(|e| FileError::new(&path, json_fault(&e)))?),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Created::default()),
            Err(e) => Err(FileError::io(&path, &e).into()),
        }
    }

    /// Records what was created; nothing left means no file.
    pub fn save_created(&self, a: &InstallerArgs, c: &Created) -> anyhow::Result<()> {
        let path = self.path(&super::state_file(a));
        if c.is_empty() {
            return match fs::remove_file(&path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    Err(FileError::io(&path, &e).into())
                }
                _ => Ok(()),
            };
        }
        let mut text = serde_json::to_string_pretty(c)?;
        text.push('\n');
        if fs::read(&path).ok().as_deref() == Some(text.as_bytes()) {
            return Ok(());
        }
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| FileError::io(dir, &e))?;
        }
        container_hooks_core::atomic::replace_file(&path, text.as_bytes(), 0o644, true)
            .map_err(|e| FileError::io(&path, &e))?;
        Ok(())
    }

    /// Creates a host directory and its missing parents, recording the
    /// ones created.
    pub fn make_dir(&self, dir: &Path, created: &mut Created) -> anyhow::Result<()> {
        for p in missing_dirs(dir, |p| self.path(p).exists()) {
            let on_disk = self.path(&p);
            match fs::create_dir(&on_disk) {
                Ok(()) => {
                    let _ = fs::set_permissions(&on_disk, fs::Permissions::from_mode(0o755));
                    created.dirs.insert(p);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(FileError::io(&on_disk, &e).into()),
            }
        }
        Ok(())
    }

    /// Writes a host file (mode `mode`, owned by root) unless it already
    /// holds exactly that. Returns whether it wrote.
    pub fn put(
        &self,
        host_path: &Path,
        contents: &[u8],
        mode: u32,
        created: &mut Created,
    ) -> anyhow::Result<bool> {
        let target = self.path(host_path);
        match fs::symlink_metadata(&target) {
            Ok(m) if m.is_dir() => {
                return Err(FileError::new(&target, "is a directory, not a file").into())
            }
            Ok(m) => {
                let same = m.is_file()
                    && m.mode() & 0o7777 == mode
                    && m.uid() == 0
                    && m.len() == contents.len() as u64
                    && fs::read(&target).ok().as_deref() == Some(contents);
                if same {
                    return Ok(false);
                }
            }
            Err(_) => {
                created.files.insert(host_path.to_path_buf());
            }
        }
        if let Some(dir) = host_path.parent() {
            self.make_dir(dir, created)?;
        }
        container_hooks_core::atomic::install_file(&target, contents, mode)
            .map_err(|e| FileError::new(&target, io_fault(&e)))?;
        Ok(true)
    }

    /// Deletes a host file the installer created. Returns whether it did.
    pub fn delete(&self, host_path: &Path) -> anyhow::Result<bool> {
        let p = self.path(host_path);
        match fs::remove_file(&p) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(FileError::io(&p, &e).into()),
        }
    }

    /// Copies the binaries into the toolkit directory.
    pub fn install_binaries(
        &self,
        a: &InstallerArgs,
        bins: Vec<(&str, Vec<u8>)>,
        created: &mut Created,
        out: Out,
    ) -> anyhow::Result<()> {
        for (name, bytes) in bins {
            let dest = a.toolkit_dir.join(name);
            if self.put(&dest, &bytes, 0o755, created)? {
                out.info(format!("installed {}", dest.display()));
            }
        }
        Ok(())
    }
}

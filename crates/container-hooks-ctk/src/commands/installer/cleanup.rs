//! Taking the toolkit off the node: the runtime out of the engine (the
//! previous default back), the engine restarted, then the binaries and the
//! files and directories the installer created, but for the binaries while
//! containers created through the shim still exist ([`tasks`]). With
//! nothing left to record, nothing of the toolkit's stays on the host: its
//! record, the state directory and the lock directory go too, when the
//! installer made them.
//!
//! CRI-O finds the runtime of a container by its runtime handler's name
//! when it stops it: while pods created through the shim's handler exist,
//! CRI-O is not restarted (a CRI-O that no longer knows the handler could
//! not stop them); the restart is recorded as pending, and the cleanup
//! that finds them gone (`installer remove`) does it.

use super::host::{Created, Host, SHIM};
use super::{tasks, Node};
use crate::cli::InstallerArgs;
use crate::commands::Out;
use container_hooks_admin::engines::Engine;
use container_hooks_admin::lock::Lock;
use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

impl Node {
    /// Cleans up under the state directory's lock; `made` is what this
    /// process created before it took that lock. Returns the directories
    /// it created down to the installer's lock directory, deepest first,
    /// to go once that lock is let go ([`Host::release`]).
    pub(super) fn cleanup(
        &self,
        a: &InstallerArgs,
        made: Created,
        out: Out,
    ) -> anyhow::Result<Vec<PathBuf>> {
        let lock = self.state_lock(a, out)?;
        let mut created = self.host.load_created(a)?;
        created.merge(made);
        let shim = a.toolkit_dir.join(SHIM);
        let users = tasks::using(&self.host, self.engine, &shim, &a.name, a.config.as_deref());
        // The engine must stop naming the shim before the shim goes.
        let unwired = self.unwire(a, &lock, out)?;
        if self.engine == Engine::Crio && !users.is_empty() {
            if unwired || created.restart_pending {
                out.note(format!(
                    "not restarting crio: {} pod(s) created through runtime {:?} still exist ({}), and CRI-O stops a pod's containers through the runtime its handler names; once they are gone, `container-hooks-ctk installer remove` restarts it",
                    users.len(),
                    a.name,
                    users.join(", ")
                ));
                created.restart_pending = true;
            }
        } else if unwired || created.restart_pending {
            self.restart_engine(a, out)?;
            created.restart_pending = false;
        }
        let keep: BTreeSet<PathBuf> = if users.is_empty() {
            BTreeSet::new()
        } else {
            out.note(format!(
                "{} container(s) were created through {} ({}); keeping the binaries in {} so they can still be stopped: run `container-hooks-ctk installer remove` once they are gone",
                users.len(),
                shim.display(),
                users.join(", "),
                a.toolkit_dir.display()
            ));
            super::BINARIES
                .iter()
                .map(|n| a.toolkit_dir.join(n))
                .collect()
        };
        let files: Vec<PathBuf> = created
            .files
            .iter()
            .filter(|f| !keep.contains(*f))
            .cloned()
            .collect();
        for f in files {
            if self.host.delete(&f)? {
                out.info(format!("deleted {}", f.display()));
            }
            created.files.remove(&f);
        }
        // The directories down to the state and lock directories go last,
        // when nothing is left in them.
        let lock_dir = Path::new(super::INSTALLER_LOCK_DIR);
        let (lock_dirs, rest): (Vec<PathBuf>, Vec<PathBuf>) = created
            .dirs
            .iter()
            .cloned()
            .partition(|d| lock_dir.starts_with(d));
        let (state_dirs, rest): (Vec<PathBuf>, Vec<PathBuf>) =
            rest.into_iter().partition(|d| a.state_dir.starts_with(d));
        for d in deepest_first(rest) {
            if keep.iter().any(|k| k.starts_with(&d)) {
                continue;
            }
            // Only an empty directory goes: what others put there stays.
            if !self.host.remove_dir(&d) {
                out.note(format!("{}: not empty, left in place", d.display()));
            }
            created.dirs.remove(&d);
        }
        for d in &lock_dirs {
            created.dirs.remove(d);
        }
        let record_left = !created.files.is_empty()
            || created.restart_pending
            || created.dirs.iter().any(|d| !state_dirs.contains(d));
        if record_left {
            self.host.save_created(a, &created)?;
        } else {
            self.host.save_created(a, &Created::default())?;
            self.host.remove_locked(lock, &a.state_dir, state_dirs)?;
        }
        if keep.is_empty() {
            out.info(format!("removed the toolkit from {}", self.engine));
        } else {
            out.info(format!(
                "removed the runtime from {}; the binaries stay while containers use them",
                self.engine
            ));
        }
        Ok(deepest_first(lock_dirs))
    }
}

impl Host {
    /// Deletes a host directory the installer created when it is empty;
    /// returns false when it is not (a missing one is gone already).
    fn remove_dir(&self, dir: &Path) -> bool {
        match fs::remove_dir(self.path(dir)) {
            Ok(()) => true,
            Err(e) => e.kind() == io::ErrorKind::NotFound,
        }
    }

    /// Lets go of `lock`, on the host directory `locked`, deleting it and
    /// the other `dirs` (its parents the installer created) when they are
    /// empty and were created by the installer.
    fn remove_locked(&self, lock: Lock, locked: &Path, dirs: Vec<PathBuf>) -> anyhow::Result<()> {
        if !dirs.iter().any(|d| d == locked) {
            return Ok(());
        }
        lock.remove_dir()?;
        for d in deepest_first(dirs) {
            if d != locked {
                self.remove_dir(&d);
            }
        }
        Ok(())
    }

    /// Lets go of the installer's lock, deleting its directory and the
    /// parents the installer created (`dirs`) when they are empty.
    pub(super) fn release(&self, installer: Lock, dirs: Vec<PathBuf>) -> anyhow::Result<()> {
        self.remove_locked(installer, Path::new(super::INSTALLER_LOCK_DIR), dirs)
    }
}

/// Directories, the deepest first.
fn deepest_first(mut dirs: Vec<PathBuf>) -> Vec<PathBuf> {
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    dirs
}

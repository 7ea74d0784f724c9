//! Taking the toolkit off the node: the runtime out of the engine (the
//! previous default back), the engine restarted, then the binaries and the
//! files and directories the installer created, but for the binaries while
//! containers created through the shim still run.

use super::host::SHIM;
use super::{tasks, Node};
use crate::cli::InstallerArgs;
use crate::commands::Out;
use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::PathBuf;

impl Node {
    pub(super) fn cleanup(&self, a: &InstallerArgs, out: Out) -> anyhow::Result<()> {
        let lock = self.state_lock(a, out)?;
        // The engine must stop naming the shim before the shim goes.
        if self.unwire(a, &lock, out)? {
            self.restart_engine(a, out)?;
        }
        let mut created = self.host.load_created(a)?;
        let shim = a.toolkit_dir.join(SHIM);
        let users = tasks::using(&self.host, self.engine, &shim, a.config.as_deref());
        let keep: BTreeSet<PathBuf> = if users.is_empty() {
            BTreeSet::new()
        } else {
            out.note(format!(
                "{} running container(s) were created through {} ({}); keeping the binaries in {} so they can still be stopped: run `container-hooks-ctk installer remove` once they are gone",
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
        let mut dirs: Vec<PathBuf> = created
            .dirs
            .iter()
            .filter(|d| !keep.iter().any(|k| k.starts_with(d)))
            .cloned()
            .collect();
        dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        for d in dirs {
            // Only an empty directory goes: what others put there stays.
            match fs::remove_dir(self.host.path(&d)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(_) => out.note(format!("{}: not empty, left in place", d.display())),
            }
            created.dirs.remove(&d);
        }
        self.host.save_created(a, &created)?;
        if keep.is_empty() {
            out.info(format!("removed the toolkit from {}", self.engine));
        } else {
            out.info(format!(
                "removed the runtime from {}; the binaries stay while containers use them",
                self.engine
            ));
        }
        Ok(())
    }
}

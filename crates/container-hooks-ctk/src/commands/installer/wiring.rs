//! The node's engine: wired through the same engine editors as `runtime
//! configure`, with the host's root as their root (so every path written
//! into the engine's files is a host path), under the state directory's
//! lock, and told of the change through the same reload as every other
//! command.

use super::host::{Created, SHIM};
use super::Node;
use crate::cli::InstallerArgs;
use crate::commands::Out;
use container_hooks_admin::engines::reload::{self, Apply};
use container_hooks_admin::engines::{self, containerd, DirRemoval, Engine, Plan, Request};
use container_hooks_admin::lock::Lock;
use std::path::Path;

impl Node {
    fn request(&self, a: &InstallerArgs, set_as_default: bool) -> Request {
        let mut req = Request::new(self.engine, self.host.path(&a.state_dir));
        req.root = Some(self.host.root.clone());
        req.config = a.config.clone();
        req.drop_in = a.drop_in.clone().or_else(|| match self.engine {
            Engine::Containerd => Some(containerd::suggested_drop_in()),
            _ => None,
        });
        req.name = Some(a.name.clone());
        req.path = a.toolkit_dir.join(SHIM);
        req.set_as_default = set_as_default;
        req.annotations = self.annotations.clone();
        req
    }

    /// Wires the engine; returns whether its files changed. A drop-in
    /// directory made here is recorded, to go again on cleanup.
    pub(super) fn configure(
        &self,
        a: &InstallerArgs,
        set_as_default: bool,
        created: &mut Created,
        lock: &Lock,
        out: Out,
    ) -> anyhow::Result<bool> {
        let req = self.request(a, set_as_default);
        let drop_in = req
            .drop_in
            .clone()
            .or_else(|| self.engine.default_drop_in().map(Path::to_path_buf));
        if let Some(dir) = drop_in.as_deref().and_then(Path::parent) {
            self.host.make_dir(dir, created)?;
        }
        let plan = engines::plan_configure(&req)?;
        self.apply(&plan, lock, out, |_| "wrote")?;
        Ok(plan.changes_files())
    }

    /// Puts back what someone took out of the engine's files, and keeps
    /// containerd's drop-in copy of the CRI table equal to the main file's.
    /// No restart: the engine reads them at its next restart, which
    /// whoever changed its main file has to do anyway. An error is logged;
    /// the pod keeps running.
    pub(super) fn resync(&self, a: &InstallerArgs, set_as_default: bool, lock: &Lock, out: Out) {
        let result = engines::plan_configure(&self.request(a, set_as_default))
            .map_err(anyhow::Error::from)
            .and_then(|plan| {
                self.apply(&plan, lock, Out { quiet: true, ..out }, |_| "")
                    .map(|()| plan)
            });
        match result {
            Ok(plan) => {
                for f in plan.changed_files() {
                    out.info(format!(
                        "re-synced {} with the engine's main file; {} reads it at its next restart",
                        self.host.shown(&f.path),
                        self.engine
                    ));
                }
            }
            Err(e) => eprintln!("container-hooks-ctk: error: {e:#}"),
        }
    }

    /// Takes the runtime out and restores the previous default; returns
    /// whether the engine's files changed.
    pub(super) fn unwire(&self, a: &InstallerArgs, lock: &Lock, out: Out) -> anyhow::Result<bool> {
        let plan = engines::plan_remove(&self.request(a, false))?;
        self.apply(&plan, lock, out, |deleted| {
            if deleted {
                "deleted"
            } else {
                "restored"
            }
        })?;
        Ok(plan.changes_files())
    }

    /// Applies a plan, printing its notes and a line per file changed
    /// (`verb` of whether the file is deleted; empty: no line).
    fn apply(
        &self,
        plan: &Plan,
        lock: &Lock,
        out: Out,
        verb: impl Fn(bool) -> &'static str,
    ) -> anyhow::Result<()> {
        for n in &plan.notes {
            out.note(n);
        }
        let dirs = plan.apply(lock)?;
        for f in plan.changed_files() {
            let v = verb(f.after.is_none());
            if !v.is_empty() {
                out.info(format!("{v} {}", self.host.shown(&f.path)));
            }
        }
        for d in dirs {
            match d {
                DirRemoval::Removed(dir) => {
                    out.info(format!("deleted directory {}", self.host.shown(&dir)))
                }
                DirRemoval::Failed(_) => out.warn(d),
            }
        }
        Ok(())
    }

    /// Makes the engine read its changed files, on the host.
    pub(super) fn restart_engine(&self, a: &InstallerArgs, out: Out) -> anyhow::Result<()> {
        let how = Apply {
            mode: a.restart_mode,
            pid_file: None,
            root: Some(self.host.root.clone()),
        };
        out.info(reload::apply(self.engine, &how)?);
        Ok(())
    }
}

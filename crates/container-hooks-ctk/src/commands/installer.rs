//! `installer run|remove`: the toolkit on a Kubernetes node, from a
//! DaemonSet pod that mounts the host's root at `--host-root`.
//!
//! `run`, holding a lock on the host (`/run/container-hooks/installer.lock`)
//! so that two pods on one node never interleave:
//! 1. copies the three binaries into `--toolkit-dir` on the host (temporary
//!    file, then rename; a file whose bytes, mode and owner already match is
//!    not touched);
//! 2. writes `/etc/container-hooks/config.toml` (with `[container-hooks-ctk]
//!    path` naming the installed CLI), `hooks.json` and `hooks.d/*.json` from
//!    `--config-dir` (a mounted ConfigMap: its files are symlinks into
//!    `..data/`; the resolved bytes are written, mode 0644, owned by root, as
//!    the shim refuses files writable by group or others);
//! 3. wires containerd or CRI-O through the engine editors with the host's
//!    root as their root, so every path written into the engine's files
//!    (containerd `imports`, `BinaryName`, CRI-O `runtime_path`) is a host
//!    path; containerd's drop-in copy of the CRI plugin table is refreshed
//!    from the main file on every start;
//! 4. restarts or signals the engine when its files changed;
//! 5. waits, re-syncing the hook files every `--poll-interval` (no engine
//!    restart: the shim reads them on every container create);
//! 6. on SIGTERM or SIGINT: takes the runtime out of the engine's files and
//!    restores the previous default runtime, restarts the engine, then
//!    deletes the binaries and the files it created, and exits 0.
//!
//! What it created is recorded in the host's
//! `/var/lib/container-hooks/installer.json`, so a restarted pod finds its
//! own files (and changes nothing) and `installer remove` can clean up after
//! a pod that was killed without its cleanup.

use super::install::BINARIES;
use super::Out;
use crate::cli::{
    InstallerArgs, InstallerCommand, InstallerRunArgs, NodeEngineArg, RestartModeArg,
};
use anyhow::{anyhow, bail, Context};
use container_hooks_admin::engines::{self, containerd, on_root, Engine, Request};
use container_hooks_core::config::{Config, DEFAULT_TOML};
use container_hooks_core::error::{io_fault, FileError};
use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The host directory of the toolkit's own files.
pub const HOST_ETC: &str = "/etc/container-hooks";
/// The host lock file.
pub const LOCK_FILE: &str = "/run/container-hooks/installer.lock";
/// What the installer created, in the state directory.
pub const STATE_FILE: &str = "installer.json";
/// The shim's name in the toolkit directory.
const SHIM: &str = "container-hooks-runtime";
const CTK: &str = "container-hooks-ctk";

pub fn run(cmd: &InstallerCommand, out: Out) -> anyhow::Result<()> {
    match cmd {
        InstallerCommand::Run(a) => run_installer(a, out),
        InstallerCommand::Remove(a) => {
            let signals = Signals::block()?;
            let node = Node::new(a)?;
            let _lock = node.lock(&signals, out)?;
            let Some(_lock) = _lock else { return Ok(()) };
            node.cleanup(a, out)
        }
    }
}

/// What the installer created on the host, as host paths.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Created {
    /// Files that did not exist before the installer wrote them.
    files: BTreeSet<PathBuf>,
    /// Directories it created.
    dirs: BTreeSet<PathBuf>,
}

/// The host as the installer sees it.
struct Node {
    root: PathBuf,
    engine: Engine,
}

impl Node {
    fn new(a: &InstallerArgs) -> anyhow::Result<Node> {
        for (flag, p) in [
            ("--toolkit-dir", &a.toolkit_dir),
            ("--state-dir", &a.state_dir),
        ] {
            if !p.is_absolute() {
                bail!(
                    "{flag} {}: must be an absolute path on the host",
                    p.display()
                );
            }
        }
        for (flag, p) in [("--config", &a.config), ("--drop-in", &a.drop_in)] {
            if let Some(p) = p {
                if !p.is_absolute() {
                    bail!(
                        "{flag} {}: must be an absolute path on the host",
                        p.display()
                    );
                }
            }
        }
        let meta = fs::metadata(&a.host_root).map_err(|e| FileError::io(&a.host_root, &e))?;
        if !meta.is_dir() {
            bail!("{}: --host-root is not a directory", a.host_root.display());
        }
        let root = std::path::absolute(&a.host_root).unwrap_or_else(|_| a.host_root.clone());
        let engine = match a.runtime {
            Some(NodeEngineArg::Containerd) => Engine::Containerd,
            Some(NodeEngineArg::Crio) => Engine::Crio,
            None => detect(&root)?,
        };
        if a.restart_mode == RestartModeArg::Signal && engine == Engine::Containerd {
            bail!("--restart-mode signal: containerd does not reload its config on a signal; use --restart-mode systemd (or none and restart it yourself)");
        }
        Ok(Node { root, engine })
    }

    /// Where this process reaches a host path.
    fn host(&self, p: &Path) -> PathBuf {
        on_root(Some(&self.root), p)
    }

    /// The host path of a path below the host root, for messages.
    fn shown(&self, p: &Path) -> String {
        match p.strip_prefix(&self.root) {
            Ok(rel) => Path::new("/").join(rel).display().to_string(),
            Err(_) => p.display().to_string(),
        }
    }

    fn state_file(&self, a: &InstallerArgs) -> PathBuf {
        self.host(&a.state_dir.join(STATE_FILE))
    }

    fn load_created(&self, a: &InstallerArgs) -> anyhow::Result<Created> {
        let path = self.state_file(a);
        match fs::read(&path) {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes)
                .map_err(|e| FileError::new(&path, container_hooks_core::error::json_fault(&e)))?),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Created::default()),
            Err(e) => Err(FileError::io(&path, &e).into()),
        }
    }

    fn save_created(&self, a: &InstallerArgs, c: &Created) -> anyhow::Result<()> {
        let path = self.state_file(a);
        if c.files.is_empty() && c.dirs.is_empty() {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(FileError::io(&path, &e).into()),
            }
            return Ok(());
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

    /// Takes the host lock, waiting for another installer to finish. None:
    /// a signal came while waiting.
    fn lock(&self, signals: &Signals, out: Out) -> anyhow::Result<Option<File>> {
        let path = self.host(Path::new(LOCK_FILE));
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| FileError::io(dir, &e))?;
        }
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC)
            .open(&path)
            .map_err(|e| FileError::io(&path, &e))?;
        let mut said = false;
        loop {
            // SAFETY: flock(2) on an open descriptor has no memory effects.
            let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if rc == 0 {
                return Ok(Some(f));
            }
            let err = io::Error::last_os_error();
            if err.raw_os_error() != Some(libc::EWOULDBLOCK) {
                return Err(
                    FileError::new(&path, format!("cannot lock: {}", io_fault(&err))).into(),
                );
            }
            if !said {
                out.info(format!(
                    "{}: another installer holds the lock; waiting for it",
                    path.display()
                ));
                said = true;
            }
            if let Some(sig) = signals.wait(Duration::from_millis(500))? {
                out.info(format!(
                    "{}: stopping before installing anything",
                    signal_name(sig)
                ));
                return Ok(None);
            }
        }
    }

    fn request(&self, a: &InstallerArgs) -> Request {
        let mut req = Request::new(self.engine, self.host(&a.state_dir));
        req.root = Some(self.root.clone());
        req.config = a.config.clone();
        req.drop_in = a.drop_in.clone().or_else(|| match self.engine {
            Engine::Containerd => Some(containerd::suggested_drop_in()),
            _ => None,
        });
        req.name = Some(a.name.clone());
        req.path = a.toolkit_dir.join(SHIM);
        req
    }

    /// Creates a host directory and its missing parents, recording the
    /// ones created.
    fn make_dir(&self, dir: &Path, created: &mut Created) -> anyhow::Result<()> {
        let mut missing = Vec::new();
        let mut d = Some(dir);
        while let Some(p) = d {
            if p == Path::new("/") || self.host(p).exists() {
                break;
            }
            missing.push(p.to_path_buf());
            d = p.parent();
        }
        for p in missing.into_iter().rev() {
            let on_disk = self.host(&p);
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
    fn put(
        &self,
        host_path: &Path,
        contents: &[u8],
        mode: u32,
        created: &mut Created,
    ) -> anyhow::Result<bool> {
        let target = self.host(host_path);
        let existing = fs::symlink_metadata(&target).ok();
        if let Some(m) = &existing {
            if m.is_file()
                && m.mode() & 0o7777 == mode
                && m.uid() == 0
                && m.len() == contents.len() as u64
                && fs::read(&target).ok().as_deref() == Some(contents)
            {
                return Ok(false);
            }
            if m.is_dir() {
                return Err(FileError::new(&target, "is a directory, not a file").into());
            }
        } else {
            created.files.insert(host_path.to_path_buf());
        }
        if let Some(dir) = host_path.parent() {
            self.make_dir(dir, created)?;
        }
        container_hooks_core::atomic::install_file(&target, contents, mode)
            .map_err(|e| FileError::new(&target, io_fault(&e)))?;
        Ok(true)
    }

    /// Deletes a host file the installer created. Returns whether it did.
    fn delete(&self, host_path: &Path) -> anyhow::Result<bool> {
        let p = self.host(host_path);
        match fs::remove_file(&p) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(FileError::io(&p, &e).into()),
        }
    }

    /// Copies the binaries. Returns the number written.
    fn install_binaries(
        &self,
        a: &InstallerArgs,
        bins: Vec<(&str, Vec<u8>)>,
        created: &mut Created,
        out: Out,
    ) -> anyhow::Result<usize> {
        let mut n = 0;
        for (name, bytes) in bins {
            let dest = a.toolkit_dir.join(name);
            if self.put(&dest, &bytes, 0o755, created)? {
                out.info(format!("installed {}", dest.display()));
                n += 1;
            }
        }
        Ok(n)
    }

    /// Writes config.toml, hooks.json and hooks.d from the config
    /// directory, deleting hook files it wrote that are gone from there.
    /// Everything is read and checked before anything is written. Returns
    /// the host files written or deleted.
    fn sync_config(
        &self,
        a: &InstallerArgs,
        config_dir: &Path,
        created: &mut Created,
    ) -> anyhow::Result<Vec<String>> {
        let wanted = read_config_dir(config_dir, &a.toolkit_dir.join(CTK), &self.root)?;
        let etc = Path::new(HOST_ETC);
        let hooks_d = etc.join("hooks.d");
        let mut changed = Vec::new();
        let mut keep = BTreeSet::new();
        for (rel, bytes) in &wanted {
            let host = etc.join(rel);
            if self.put(&host, bytes, 0o644, created)? {
                changed.push(format!("wrote {}", host.display()));
            }
            keep.insert(host);
        }
        // Files this installer wrote that the config directory no longer
        // holds.
        let stale: Vec<PathBuf> = created
            .files
            .iter()
            .filter(|p| {
                (p.parent() == Some(hooks_d.as_path())
                    || *p == &etc.join("hooks.json")
                    || *p == &etc.join("config.toml"))
                    && !keep.contains(*p)
            })
            .cloned()
            .collect();
        for p in stale {
            if self.delete(&p)? {
                changed.push(format!("deleted {}", p.display()));
            }
            created.files.remove(&p);
        }
        Ok(changed)
    }

    fn restart_engine(&self, mode: RestartModeArg, out: Out) -> anyhow::Result<()> {
        let unit = self.engine.unit().unwrap_or("containerd");
        match mode {
            RestartModeArg::None => {
                out.info(format!(
                    "{} config changed; --restart-mode none: restart {unit} on the node to apply it",
                    self.engine
                ));
            }
            RestartModeArg::Signal => {
                let pids = find_processes(self.engine.binary())?;
                if pids.is_empty() {
                    bail!("--restart-mode signal: no {} process found in /proc (the pod needs hostPID: true)", self.engine.binary());
                }
                for pid in pids {
                    // SAFETY: kill(2) with a positive pid has no memory effects.
                    if unsafe { libc::kill(pid, libc::SIGHUP) } != 0 {
                        let e = io::Error::last_os_error();
                        bail!(
                            "cannot send SIGHUP to {} (pid {pid}): {}",
                            self.engine.binary(),
                            io_fault(&e)
                        );
                    }
                    out.info(format!(
                        "sent SIGHUP to {} (pid {pid})",
                        self.engine.binary()
                    ));
                }
            }
            RestartModeArg::Systemd => {
                let systemctl = ["/usr/bin/systemctl", "/bin/systemctl"]
                    .into_iter()
                    .find(|p| self.host(Path::new(p)).is_file())
                    .ok_or_else(|| {
                        anyhow!(
                            "--restart-mode systemd: no systemctl in {}/usr/bin or {}/bin",
                            self.root.display(),
                            self.root.display()
                        )
                    })?;
                let root = std::ffi::CString::new(self.root.as_os_str().as_encoded_bytes())
                    .context("--host-root holds a NUL byte")?;
                let mut cmd = std::process::Command::new(systemctl);
                cmd.args(["restart", unit])
                    .env("SYSTEMD_IGNORE_CHROOT", "1");
                // SAFETY: only async-signal-safe calls between fork and exec.
                unsafe {
                    cmd.pre_exec(move || {
                        if libc::chroot(root.as_ptr()) != 0 || libc::chdir(c"/".as_ptr()) != 0 {
                            return Err(io::Error::last_os_error());
                        }
                        let mut set: libc::sigset_t = std::mem::zeroed();
                        libc::sigemptyset(&mut set);
                        libc::pthread_sigmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
                        Ok(())
                    });
                }
                let status = cmd.status().with_context(|| {
                    format!(
                        "chroot {} {systemctl} restart {unit} cannot run",
                        self.root.display()
                    )
                })?;
                if !status.success() {
                    bail!(
                        "chroot {} systemctl restart {unit} failed ({status})",
                        self.root.display()
                    );
                }
                out.info(format!("ran systemctl restart {unit} on the host"));
            }
        }
        Ok(())
    }

    /// The containerd tasks whose runtime binary is `shim` (namespace/id),
    /// from the `runtime` file containerd's runc shim keeps in each task's
    /// bundle under its state directory (`state` of the main config, by
    /// default /run/containerd). CRI-O keeps no such record: none found.
    fn tasks_using(&self, shim: &Path, config: Option<&Path>) -> Vec<String> {
        if self.engine != Engine::Containerd {
            return Vec::new();
        }
        let config = config.unwrap_or(Engine::Containerd.default_config());
        let state = fs::read_to_string(self.host(config))
            .ok()
            .and_then(|t| t.parse::<toml_edit::DocumentMut>().ok())
            .and_then(|d| d.get("state").and_then(|s| s.as_str()).map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("/run/containerd"));
        let tasks = self.host(&state.join("io.containerd.runtime.v2.task"));
        let mut users = Vec::new();
        let Ok(namespaces) = fs::read_dir(&tasks) else {
            return users;
        };
        for ns in namespaces.flatten() {
            let Ok(ids) = fs::read_dir(ns.path()) else {
                continue;
            };
            for id in ids.flatten() {
                let runtime = fs::read_to_string(id.path().join("runtime")).unwrap_or_default();
                if Path::new(runtime.trim()) == shim {
                    users.push(format!(
                        "{}/{}",
                        ns.file_name().to_string_lossy(),
                        id.file_name().to_string_lossy()
                    ));
                }
            }
        }
        users.sort();
        users
    }

    /// Takes the runtime out, restores the default, restarts the engine,
    /// then deletes the binaries and the files and directories created.
    fn cleanup(&self, a: &InstallerArgs, out: Out) -> anyhow::Result<()> {
        let req = self.request(a);
        let plan = engines::plan_remove(&req)?;
        for n in &plan.notes {
            out.note(n);
        }
        plan.apply()?;
        for f in plan.changed_files() {
            out.info(format!(
                "{} {}",
                if f.after.is_some() {
                    "restored"
                } else {
                    "deleted"
                },
                self.shown(&f.path)
            ));
        }
        // The engine must stop naming the shim before the shim goes.
        if plan.changes_files() {
            self.restart_engine(a.restart_mode, out)?;
        }
        let mut created = self.load_created(a)?;
        // containerd's runc shim calls the runtime binary again to stop and
        // delete a container: while containers created through the shim
        // run, the binaries stay (the next installer, or `installer
        // remove`, takes them).
        let users = self.tasks_using(&a.toolkit_dir.join(SHIM), req.config.as_deref());
        let keep: BTreeSet<PathBuf> = if users.is_empty() {
            BTreeSet::new()
        } else {
            out.note(format!(
                "{} running container(s) were created through {} ({}); keeping the binaries in {} so they can still be stopped: run `container-hooks-ctk installer remove` once they are gone",
                users.len(),
                a.toolkit_dir.join(SHIM).display(),
                users.join(", "),
                a.toolkit_dir.display()
            ));
            BINARIES.iter().map(|n| a.toolkit_dir.join(n)).collect()
        };
        let files: Vec<PathBuf> = created
            .files
            .iter()
            .filter(|f| !keep.contains(*f))
            .cloned()
            .collect();
        for f in files {
            if self.delete(&f)? {
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
            match fs::remove_dir(self.host(&d)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(_) => out.note(format!("{}: not empty, left in place", d.display())),
            }
            created.dirs.remove(&d);
        }
        if !keep.is_empty() {
            self.save_created(a, &created)?;
            out.info(format!(
                "removed the runtime from {}; the binaries stay while containers use them",
                self.engine
            ));
            return Ok(());
        }
        self.save_created(a, &created)?;
        out.info(format!("removed the toolkit from {}", self.engine));
        Ok(())
    }
}

fn run_installer(a: &InstallerRunArgs, out: Out) -> anyhow::Result<()> {
    // Blocked before anything else: a SIGTERM during the install is kept
    // and handled once the host is in a known state.
    let signals = Signals::block()?;
    let c = &a.common;
    let node = Node::new(c)?;
    let source = match &a.source_dir {
        Some(d) => d.clone(),
        None => std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .ok_or_else(|| anyhow!("cannot tell this program's directory; pass --source-dir"))?,
    };
    // Check the inputs before taking the lock or touching the host.
    let bins = read_binaries(&source)?;
    read_config_dir(&a.config_dir, &c.toolkit_dir.join(CTK), &node.root)?;
    let Some(_lock) = node.lock(&signals, out)? else {
        return Ok(());
    };
    out.info(format!(
        "installing onto {} ({} at {})",
        node.root.display(),
        node.engine,
        c.toolkit_dir.display()
    ));
    let mut created = node.load_created(c)?;
    let result = (|| -> anyhow::Result<bool> {
        node.install_binaries(c, bins, &mut created, out)?;
        for line in node.sync_config(c, &a.config_dir, &mut created)? {
            out.info(line);
        }
        let mut req = node.request(c);
        req.set_as_default = a.set_as_default;
        // A drop-in directory made here goes again on cleanup.
        if let Some(dir) = req.drop_in.as_deref().and_then(Path::parent) {
            node.make_dir(dir, &mut created)?;
        }
        let plan = engines::plan_configure(&req)?;
        for n in &plan.notes {
            out.note(n);
        }
        plan.apply()?;
        for f in plan.changed_files() {
            out.info(format!("wrote {}", node.shown(&f.path)));
        }
        Ok(plan.changes_files())
    })();
    node.save_created(c, &created)?;
    if result? {
        node.restart_engine(c.restart_mode, out)?;
    }
    out.info(format!(
        "{} on this node runs the shim as runtime {:?}",
        node.engine, c.name
    ));
    if a.once {
        return Ok(());
    }
    loop {
        if let Some(sig) = signals.wait(a.poll_interval)? {
            out.info(format!(
                "{}: removing the toolkit from this node",
                signal_name(sig)
            ));
            return node.cleanup(c, out);
        }
        match node.sync_config(c, &a.config_dir, &mut created) {
            Ok(lines) => {
                for line in lines {
                    out.info(line);
                }
            }
            // A bad ConfigMap keeps the files in force and the pod running.
            Err(e) => eprintln!(
                "container-hooks-ctk: error: {e:#}; the hook files on the host are unchanged"
            ),
        }
        // The engine's files: put back what someone took out, and keep
        // containerd's drop-in copy of the CRI table equal to the main
        // file's. No restart: the engine reads them at its next restart,
        // which whoever changed its main file has to do anyway.
        let mut req = node.request(c);
        req.set_as_default = a.set_as_default;
        match engines::plan_configure(&req).and_then(|p| {
            if p.changes_files() {
                p.apply()?;
            }
            Ok(p)
        }) {
            Ok(plan) => {
                for f in plan.changed_files() {
                    out.info(format!(
                        "re-synced {} with the engine's main file; {} reads it at its next restart",
                        node.shown(&f.path),
                        node.engine
                    ));
                }
            }
            Err(e) => eprintln!("container-hooks-ctk: error: {e}"),
        }
        node.save_created(c, &created)?;
    }
}

/// Reads the three binaries, all or nothing.
fn read_binaries(source: &Path) -> anyhow::Result<Vec<(&'static str, Vec<u8>)>> {
    let mut bins = Vec::new();
    for name in BINARIES {
        let src = source.join(name);
        let bytes = fs::read(&src).map_err(|e| FileError::io(&src, &e))?;
        bins.push((name, bytes));
    }
    Ok(bins)
}

/// Finds the engine of the host: containerd or CRI-O, from its files.
fn detect(root: &Path) -> anyhow::Result<Engine> {
    let has = |p: &str| on_root(Some(root), Path::new(p)).exists();
    let containerd = has("/etc/containerd/config.toml") || has("/run/containerd/containerd.sock");
    let crio =
        has("/etc/crio/crio.conf") || has("/etc/crio/crio.conf.d") || has("/run/crio/crio.sock");
    match (containerd, crio) {
        (true, false) => Ok(Engine::Containerd),
        (false, true) => Ok(Engine::Crio),
        (true, true) => {
            let c = has("/run/containerd/containerd.sock");
            let o = has("/run/crio/crio.sock");
            match (c, o) {
                (true, false) => Ok(Engine::Containerd),
                (false, true) => Ok(Engine::Crio),
                _ => bail!("{}: both containerd and CRI-O are configured on this host; pass --runtime containerd or --runtime crio", root.display()),
            }
        }
        (false, false) => bail!("{}: neither /etc/containerd/config.toml nor /etc/crio is there (is the host's root mounted at --host-root?); pass --runtime and --config", root.display()),
    }
}

/// Reads the config directory: (path below /etc/container-hooks, bytes),
/// every file checked. config.toml gets `[container-hooks-ctk] path`.
fn read_config_dir(
    dir: &Path,
    ctk: &Path,
    host_root: &Path,
) -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut out = Vec::new();
    // A ConfigMap volume: read one generation (the directory `..data`
    // points at), so that an update swapping `..data` mid-read cannot mix
    // old and new files.
    let data = dir.join("..data");
    let base = match fs::canonicalize(&data) {
        Ok(d) if d.is_dir() => d,
        _ => dir.to_path_buf(),
    };
    let entries = fs::read_dir(&base).map_err(|e| FileError::io(dir, &e))?;
    let mut names = Vec::new();
    for e in entries {
        let e = e.map_err(|e| FileError::io(dir, &e))?;
        let name = e.file_name().to_string_lossy().into_owned();
        // ConfigMap volumes keep their data in ..data and dated
        // directories: only the names the operator gave count.
        if name.starts_with('.') {
            continue;
        }
        names.push(name);
    }
    names.sort();
    let mut config_toml = None;
    for name in names {
        // Errors name the file as the operator knows it (config/NAME).
        let path = dir.join(&name);
        let src = base.join(&name);
        if name == "hooks.d" && src.is_dir() {
            let mut sub: Vec<String> = fs::read_dir(&src)
                .map_err(|e| FileError::io(&path, &e))?
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.') && n.ends_with(".json"))
                .collect();
            sub.sort();
            for n in sub {
                let p = path.join(&n);
                let bytes = read_regular(&src.join(&n), &p)?;
                check_hook_file(&p, &bytes)?;
                out.push((Path::new("hooks.d").join(n), bytes));
            }
            continue;
        }
        match name.as_str() {
            "config.toml" => {
                let bytes = read_regular(&src, &path)?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| FileError::new(&path, "not valid UTF-8 text"))?;
                config_toml = Some((path, text));
            }
            "hooks.json" => {
                let bytes = read_regular(&src, &path)?;
                container_hooks_core::hooks_json::parse(&bytes)
                    .map_err(|f| FileError::new(&path, f))?;
                out.push((PathBuf::from("hooks.json"), bytes));
            }
            n if n.ends_with(".json") => {
                let bytes = read_regular(&src, &path)?;
                check_hook_file(&path, &bytes)?;
                out.push((Path::new("hooks.d").join(n), bytes));
            }
            _ => {}
        }
    }
    let (path, text) =
        config_toml.unwrap_or_else(|| (dir.join("config.toml"), DEFAULT_TOML.into()));
    let config = Config::parse(&text).map_err(|f| FileError::new(&path, f))?;
    let root = host_root.display().to_string();
    let named = std::iter::once(("container-hooks.path", &config.hooks.path)).chain(
        config
            .hooks
            .hooks_dirs
            .iter()
            .map(|d| ("container-hooks.hooks-dirs", d)),
    );
    for (field, p) in named {
        if host_root != Path::new("/") && p.starts_with(host_root) {
            return Err(FileError::new(
                &path,
                format!(
                    "{field} = {:?} names the pod's view of the host ({root}); the shim runs on the host: name the host path",
                    p.display()
                ),
            )
            .into());
        }
    }
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| FileError::new(&path, e.message().to_string()))?;
    let ctk_str = ctk.display().to_string();
    let current = doc
        .get("container-hooks-ctk")
        .and_then(|t| t.get("path"))
        .and_then(|v| v.as_str());
    if current != Some(ctk_str.as_str()) {
        if !doc.contains_key("container-hooks-ctk") {
            doc.insert("container-hooks-ctk", toml_edit::table());
        }
        if let Some(t) = doc
            .get_mut("container-hooks-ctk")
            .and_then(|t| t.as_table_like_mut())
        {
            t.insert("path", toml_edit::value(ctk_str));
        }
    }
    out.insert(
        0,
        (PathBuf::from("config.toml"), doc.to_string().into_bytes()),
    );
    Ok(out)
}

fn check_hook_file(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(serde_json::Value::Object(o)) if o.contains_key("hook") => Ok(()),
        Ok(_) => Err(FileError::new(
            path,
            "not an oci-hooks(5) file: expected a JSON object with a `hook` field",
        )),
        Err(e) => Err(FileError::new(
            path,
            container_hooks_core::error::json_fault(&e),
        )),
    }
}

/// Reads a file of the config directory (following the ConfigMap's
/// symlinks), refusing anything but a regular file.
fn read_regular(src: &Path, path: &Path) -> Result<Vec<u8>, FileError> {
    let m = fs::metadata(src).map_err(|e| FileError::io(path, &e))?;
    if !m.is_file() {
        return Err(FileError::new(path, "not a regular file"));
    }
    if m.len() > container_hooks_core::trust::MAX_SOURCE_BYTES {
        return Err(FileError::new(path, "larger than 1 MiB"));
    }
    fs::read(src).map_err(|e| FileError::io(path, &e))
}

/// Processes whose command name is `comm`, from /proc.
fn find_processes(comm: &str) -> anyhow::Result<Vec<i32>> {
    let mut pids = Vec::new();
    let entries = fs::read_dir("/proc").map_err(|e| FileError::io(Path::new("/proc"), &e))?;
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        if fs::read_to_string(e.path().join("comm")).is_ok_and(|c| c.trim_end() == comm) {
            pids.push(pid);
        }
    }
    Ok(pids)
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        _ => "signal",
    }
}

/// SIGTERM and SIGINT, blocked and taken with sigtimedwait: works as PID 1
/// of a container too (a blocked signal is not dropped for init).
struct Signals {
    set: libc::sigset_t,
}

impl Signals {
    fn block() -> anyhow::Result<Signals> {
        // SAFETY: sigset_t is plain data; the calls only fill it and set
        // this thread's mask (no other threads exist yet).
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGTERM);
            libc::sigaddset(&mut set, libc::SIGINT);
            let rc = libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            if rc != 0 {
                bail!(
                    "cannot block SIGTERM: {}",
                    io_fault(&io::Error::from_raw_os_error(rc))
                );
            }
            Ok(Signals { set })
        }
    }

    /// Waits up to `timeout` for one of the signals.
    fn wait(&self, timeout: Duration) -> anyhow::Result<Option<i32>> {
        let ts = libc::timespec {
            tv_sec: timeout.as_secs() as libc::time_t,
            tv_nsec: timeout.subsec_nanos() as libc::c_long,
        };
        // SAFETY: the set and timespec outlive the call; no siginfo wanted.
        let rc = unsafe { libc::sigtimedwait(&self.set, std::ptr::null_mut(), &ts) };
        if rc > 0 {
            return Ok(Some(rc));
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EAGAIN) | Some(libc::EINTR) => Ok(None),
            _ => bail!("sigtimedwait: {}", io_fault(&e)),
        }
    }
}

//! `installer run|remove`: the toolkit on a Kubernetes node, from a
//! DaemonSet pod that mounts the host's root at `--host-root`.
//!
//! `run`, as the only installer on the node (it holds
//! `/run/container-hooks` on the host for as long as it runs, so a second
//! pod waits):
//! 1. reads and checks everything first: the three binaries, and the
//!    ConfigMap's files with the shim's own parsers ([`sync`]);
//! 2. copies the binaries into `--toolkit-dir` on the host and writes
//!    `/etc/container-hooks` from the ConfigMap ([`host`]: a file that
//!    already holds the bytes, mode and owner is not touched);
//! 3. wires containerd or CRI-O through the engine editors with the host's
//!    root as their root, and restarts or signals the engine when its files
//!    changed ([`wiring`]);
//! 4. waits, re-syncing the hook files every `--poll-interval` (no engine
//!    restart: the shim reads them on every container create); a bad
//!    ConfigMap is refused, logged with file and field, and the files in
//!    force stay;
//! 5. on SIGTERM or SIGINT takes it all out again ([`cleanup`]), keeping
//!    the binaries while containers created through the shim exist
//!    ([`tasks`]: containerd tasks, CRI-O pods), and leaving nothing of
//!    its own when nothing is left to record.
//!
//! Every step that changes the host holds the state directory's lock, as
//! `runtime configure|remove` and the package scripts do. What the
//! installer created (files, and directories down to its lock directory
//! and state directory) is recorded in the host's
//! `/var/lib/container-hooks/installer.json`, so a restarted pod finds its
//! own files (and changes nothing) and `installer remove` can clean up after
//! a pod that was killed without its cleanup.

mod cleanup;
mod host;
mod signals;
mod sync;
mod tasks;
mod wiring;

use super::install::BINARIES;
use super::Out;
use crate::cli::{InstallerArgs, InstallerCommand, InstallerRunArgs};
use anyhow::{anyhow, bail};
use container_hooks_admin::engines::containerd::{annotations_refusal, Annotations};
use container_hooks_admin::engines::reload::{signal_refusal, RestartMode};
use container_hooks_admin::engines::{on_root, Engine};
use container_hooks_admin::lock::Lock;
use container_hooks_core::error::FileError;
use host::{Created, Host};
use signals::Signals;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the pod mounts the host's root unless told otherwise.
pub const DEFAULT_HOST_ROOT: &str = "/host";
/// Where the pod mounts the ConfigMap unless told otherwise.
pub const DEFAULT_CONFIG_DIR: &str = "/config";
/// How often the ConfigMap is read again unless told otherwise.
pub const DEFAULT_POLL_INTERVAL: &str = "10s";
/// The host directory the binaries go to unless told otherwise.
pub const DEFAULT_TOOLKIT_DIR: &str = "/usr/local/container-hooks/bin";
/// The host directory held for as long as an installer runs.
pub const INSTALLER_LOCK_DIR: &str = "/run/container-hooks";

pub fn run(cmd: &InstallerCommand, out: Out) -> anyhow::Result<()> {
    match cmd {
        InstallerCommand::Run(a) => run_installer(a, out),
        InstallerCommand::Remove(a) => {
            let signals = Signals::block()?;
            let node = Node::new(a)?;
            let mut made = Created::default();
            let Some(installer) = node.installer_lock(&signals, &mut made, out)? else {
                return Ok(());
            };
            node.host.make_dir(&a.state_dir, &mut made)?;
            let lock_dirs = node.cleanup(a, made, out)?;
            node.host.release(installer, lock_dirs)
        }
    }
}

/// The node as the installer sees it: the host's root and its engine.
struct Node {
    host: Host,
    engine: Engine,
    /// containerd's annotation lists for the runtime entry.
    annotations: Annotations,
}

impl Node {
    fn new(a: &InstallerArgs) -> anyhow::Result<Node> {
        let absolute = [
            ("--toolkit-dir", Some(&a.toolkit_dir)),
            ("--state-dir", Some(&a.state_dir)),
            ("--config", a.config.as_ref()),
            ("--drop-in", a.drop_in.as_ref()),
        ];
        for (flag, p) in absolute {
            if let Some(p) = p.filter(|p| !p.is_absolute()) {
                bail!(
                    "{flag} {}: must be an absolute path on the host",
                    p.display()
                );
            }
        }
        let meta = fs::metadata(&a.host_root).map_err(|e| FileError::io(&a.host_root, &e))?;
        if !meta.is_dir() {
            bail!("{}: --host-root is not a directory", a.host_root.display());
        }
        let root = std::path::absolute(&a.host_root).unwrap_or_else(|_| a.host_root.clone());
        let engine = match a.runtime {
            Some(e) => e,
            None => detect(&root)?,
        };
        if a.restart_mode == RestartMode::Signal {
            if let Some(why) = signal_refusal(engine) {
                bail!("--restart-mode signal: {why}; use --restart-mode systemd (or none, and restart it yourself)");
            }
        }
        Ok(Node {
            host: Host { root },
            engine,
            annotations: Annotations::default(),
        })
    }

    /// The lock held for as long as this installer runs (on
    /// [`INSTALLER_LOCK_DIR`], whose directories it records in `made` when
    /// it creates them); None: a signal came while waiting for another
    /// installer.
    fn installer_lock(
        &self,
        signals: &Signals,
        made: &mut Created,
        out: Out,
    ) -> anyhow::Result<Option<Lock>> {
        let host_dir = Path::new(INSTALLER_LOCK_DIR);
        let dir = self.host.path(host_dir);
        let mut said = false;
        loop {
            // Made again when the installer before deleted it.
            self.host.make_dir(host_dir, made)?;
            if let Some(lock) = Lock::try_acquire(&dir)? {
                return Ok(Some(lock));
            }
            if !said {
                out.info(format!(
                    "{}: another installer holds the lock; waiting for it",
                    dir.display()
                ));
                said = true;
            }
            if let Some(sig) = signals.wait(Duration::from_millis(500))? {
                out.info(format!(
                    "{}: stopping before installing anything",
                    signals::name(sig)
                ));
                return Ok(None);
            }
        }
    }

    /// The lock of the host's state directory, held while the host changes.
    fn state_lock(&self, a: &InstallerArgs, out: Out) -> anyhow::Result<Lock> {
        super::lock(&self.host.path(&a.state_dir), out)
    }
}

fn run_installer(a: &InstallerRunArgs, out: Out) -> anyhow::Result<()> {
    // Blocked before anything else: a SIGTERM during the install is kept
    // and handled once the host is in a known state.
    let signals = Signals::block()?;
    let c = &a.common;
    let mut node = Node::new(c)?;
    node.annotations = a.annotations.lists();
    if node.engine != Engine::Containerd {
        if let Some(flag) = node.annotations.given() {
            bail!("{}", annotations_refusal(flag, node.engine));
        }
    }
    node.annotations.check()?;
    let source = match &a.source_dir {
        Some(d) => d.clone(),
        None => std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .ok_or_else(|| anyhow!("cannot tell this program's directory; pass --source-dir"))?,
    };
    // Check the inputs before taking a lock or touching the host.
    let bins = read_binaries(&source)?;
    let ctk = c.toolkit_dir.join(host::CTK);
    sync::read_config_dir(&a.config_dir, &ctk, &node.host.root)?;
    let mut made = Created::default();
    let Some(installer) = node.installer_lock(&signals, &mut made, out)? else {
        return Ok(());
    };
    out.info(format!(
        "installing onto {} ({} at {})",
        node.host.root.display(),
        node.engine,
        c.toolkit_dir.display()
    ));
    {
        node.host.make_dir(&c.state_dir, &mut made)?;
        let state = node.state_lock(c, out)?;
        let mut created = node.host.load_created(c)?;
        created.merge(made);
        let result = (|| -> anyhow::Result<bool> {
            node.host.install_binaries(c, bins, &mut created, out)?;
            for line in node.host.sync_config(c, &a.config_dir, &mut created)? {
                out.info(line);
            }
            node.configure(c, a.set_as_default, &mut created, &state, out)
        })();
        node.host.save_created(c, &created)?;
        if result? {
            node.restart_engine(c, out)?;
        }
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
                signals::name(sig)
            ));
            let lock_dirs = node.cleanup(c, Created::default(), out)?;
            return node.host.release(installer, lock_dirs);
        }
        let state = node.state_lock(c, out)?;
        let mut created = node.host.load_created(c)?;
        match node.host.sync_config(c, &a.config_dir, &mut created) {
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
        node.resync(c, a.set_as_default, &state, out);
        node.host.save_created(c, &created)?;
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

/// Finds the engine of the host, containerd or CRI-O, from its files and
/// sockets (a node's engine runs, and its programs may live in a path the
/// installer cannot guess).
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

/// The toolkit's own state file on the host, below the state directory.
fn state_file(a: &InstallerArgs) -> PathBuf {
    a.state_dir.join(host::STATE_FILE)
}

//! Applying a changed config to an engine, in one place for `runtime`,
//! `installer` and the package dispatch.
//!
//! The operator chooses how ([`RestartMode`], the same value as
//! `restart-mode` in config.toml); the engine says what it needs
//! ([`Reload`]). [`apply`] puts the two together: it prints the command to
//! run, sends SIGHUP through the daemon's pid file (dockerd, the one engine
//! that reloads its runtimes on it), or runs `systemctl`, chrooted into the
//! host's root when that is mounted elsewhere (the installer's
//! `--host-root`). [`signal_refusal`] says why `signal` cannot apply a
//! change to the other engines: `runtime` prints the restart command
//! instead, the installer refuses the mode.

use super::files::{delete_file, on_root};
use super::{Engine, Reload};
use container_hooks_core::error::{io_fault, FileError};
use std::fmt;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub use container_hooks_core::config::RestartMode;

/// How to apply a change to an engine.
#[derive(Debug, Clone)]
pub struct Apply {
    pub mode: RestartMode,
    /// dockerd's pid file (host path); None: its default. Other engines
    /// write none and are found by their program's name.
    pub pid_file: Option<PathBuf>,
    /// Where the host's root is mounted, when it is not `/`.
    pub root: Option<PathBuf>,
}

/// What applying did, as one line for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The engine reads its config on every command.
    NothingNeeded(Engine),
    /// Left to the operator: the command to run.
    RunCommand(String),
    /// `signal` was asked for an engine that a SIGHUP does not apply a
    /// change to.
    NeedsRestart { engine: Engine, command: String },
    /// The daemon is not running: it reads the file when it starts.
    NotRunning(Engine),
    /// SIGHUP sent to these processes.
    Signalled { engine: Engine, pids: Vec<u32> },
    /// `systemctl ACTION UNIT` ran (on the host's root when chrooted).
    Systemctl {
        action: &'static str,
        unit: &'static str,
        chrooted: bool,
    },
}

impl fmt::Display for Applied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Applied::NothingNeeded(e) => {
                write!(
                    f,
                    "{e} reads its config on every command: nothing to restart"
                )
            }
            Applied::RunCommand(c) => write!(f, "to apply the change, run: {c}"),
            Applied::NeedsRestart { engine, command } => write!(
                f,
                "{}; restart it to apply the change: {command}",
                signal_refusal(*engine).unwrap_or_default()
            ),
            Applied::NotRunning(e) => write!(
                f,
                "{} is not running; it reads the change when it starts",
                e.program()
            ),
            Applied::Signalled { engine, pids } => {
                let pids: Vec<String> = pids.iter().map(u32::to_string).collect();
                write!(
                    f,
                    "sent SIGHUP to {engine} (pid {}) to reload its config",
                    pids.join(", ")
                )
            }
            Applied::Systemctl {
                action,
                unit,
                chrooted,
            } => write!(
                f,
                "ran systemctl {action} {unit}{}",
                if *chrooted { " on the host" } else { "" }
            ),
        }
    }
}

/// Why applying failed (the config itself is written).
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{0}; the config is written, apply it by hand")]
    Failed(String),
}

impl Apply {
    /// The pid file of `engine`'s daemon (host path), for engines that
    /// write one (dockerd): `pid_file` names dockerd's, never another's.
    fn pid_file(&self, engine: Engine) -> Option<&Path> {
        engine
            .pid_file()
            .map(|default| self.pid_file.as_deref().unwrap_or(default))
    }

    /// The command the operator runs to apply a change (None: nothing to
    /// run).
    pub fn command(&self, engine: Engine) -> Option<String> {
        let unit = engine.unit()?;
        Some(match (engine.reload(), self.pid_file(engine)) {
            (Reload::Sighup, Some(pid)) => format!(
                "kill -HUP $(cat {})   # or: systemctl {} {unit}",
                pid.display(),
                engine.systemctl_action()
            ),
            _ => format!("systemctl {} {unit}", engine.systemctl_action()),
        })
    }

    /// The pid of `engine`'s daemon when its pid file names a running
    /// process.
    pub fn running(&self, engine: Engine) -> Option<u32> {
        match self.daemon(engine) {
            Daemon::Running(pid) => Some(pid),
            _ => None,
        }
    }

    /// Whether `engine`'s daemon runs, by its pid file.
    fn daemon(&self, engine: Engine) -> Daemon {
        let Some(pid_file) = self.pid_file(engine) else {
            return Daemon::NoPidFile;
        };
        let pid_file = on_root(self.root.as_deref(), pid_file);
        match read_pid(&pid_file) {
            // SAFETY: kill(2) with signal 0 only checks that the process
            // exists.
            Ok(pid) if unsafe { libc::kill(pid as i32, 0) } == 0 => Daemon::Running(pid),
            Ok(_) => Daemon::Stopped,
            Err(_) if !pid_file.exists() => Daemon::Stopped,
            Err(e) => Daemon::Unreadable(e),
        }
    }
}

/// Why `--restart-mode signal` cannot apply a change of the runtime table
/// to `engine` (None: SIGHUP does, or nothing is needed).
pub fn signal_refusal(engine: Engine) -> Option<&'static str> {
    if engine.reload() != Reload::Restart {
        return None;
    }
    Some(match engine {
        Engine::Crio => "CRI-O does not take a new runtime handler on SIGHUP (releases 1.26 to 1.37 reread their config, but keep serving pods from the runtime table they started with)",
        _ => "containerd does not reload its config on SIGHUP",
    })
}

/// An engine's daemon, as its pid file tells.
enum Daemon {
    /// The engine writes no pid file.
    NoPidFile,
    Running(u32),
    /// No pid file, or one naming no process: it reads its config when it
    /// starts.
    Stopped,
    Unreadable(FileError),
}

/// Makes `engine` read its changed config as `how` says. A daemon that is
/// not running (its pid file is missing or names no process) needs
/// nothing: it reads the file when it starts.
pub fn apply(engine: Engine, how: &Apply) -> Result<Applied, ReloadError> {
    let reload = engine.reload();
    if reload == Reload::EveryCommand {
        return Ok(Applied::NothingNeeded(engine));
    }
    let command = how.command(engine).unwrap_or_default();
    match how.mode {
        RestartMode::None => match how.daemon(engine) {
            Daemon::Stopped => Ok(Applied::NotRunning(engine)),
            _ => Ok(Applied::RunCommand(command)),
        },
        RestartMode::Signal if reload == Reload::Restart => {
            Ok(Applied::NeedsRestart { engine, command })
        }
        RestartMode::Signal => signal(engine, how),
        RestartMode::Systemd => systemctl(engine, how),
    }
}

/// What became of a file of [`super::Plan::delete_once_read`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leftover {
    /// Deleted: the engine had read it, or is not running.
    Deleted { file: PathBuf, engine: Engine },
    /// Kept: the engine was not seen reading it (a reload left to the
    /// operator, or none within the time allowed).
    Kept { file: PathBuf, engine: Engine },
}

impl fmt::Display for Leftover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Leftover::Deleted { file, engine } => write!(
                f,
                "deleted {}: configure created it, and {} no longer needs it",
                file.display(),
                engine.program()
            ),
            Leftover::Kept { file, engine } => write!(
                f,
                "{} holds only what {} must read on reload to stop using the shim; delete it once {} has been reloaded",
                file.display(),
                engine.program(),
                engine.program()
            ),
        }
    }
}

/// How long [`apply_then_delete`] waits for the engine to read a file.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// As [`apply`], then deletes `files` (a plan's `delete_once_read`, where
/// this process reaches them) once the engine has no use for them: at once
/// when no daemon of the engine reads the file (a dockerd whose
/// `--config-file` it is, or `/etc/docker/daemon.json` for a dockerd of
/// root without one); after the reload when one does, as soon as a process
/// opens the file (an open file stays readable after it is deleted); never
/// when the reload is left to the operator or does not happen, or the file
/// is not opened within `timeout`.
pub fn apply_then_delete(
    engine: Engine,
    how: &Apply,
    files: &[PathBuf],
    timeout: Duration,
) -> Result<(Applied, Vec<Leftover>), ReloadError> {
    if files.is_empty() {
        return Ok((apply(engine, how)?, Vec::new()));
    }
    let read: Vec<bool> = files
        .iter()
        .map(|f| engine == Engine::Docker && dockerd_reads(&host_path(f, how.root.as_deref())))
        .collect();
    let reloads = how.mode != RestartMode::None;
    let watches: Vec<Option<ReadWatch>> = files
        .iter()
        .zip(&read)
        .map(|(f, read)| (*read && reloads).then(|| ReadWatch::new(f).ok()).flatten())
        .collect();
    let applied = apply(engine, how)?;
    let reloaded = matches!(
        applied,
        Applied::Signalled { .. } | Applied::Systemctl { .. }
    );
    let mut left = Vec::new();
    for ((file, read), watch) in files.iter().zip(read).zip(watches) {
        let gone = !read || (reloaded && watch.is_some_and(|w| w.wait(timeout)));
        left.push(if gone {
            delete(file, engine)?
        } else {
            Leftover::Kept {
                file: file.clone(),
                engine,
            }
        });
    }
    Ok((applied, left))
}

/// The path the host's processes know `file` by, `file` being where this
/// process reaches it with the host's root at `root`.
fn host_path(file: &Path, root: Option<&Path>) -> PathBuf {
    match root.and_then(|r| file.strip_prefix(r).ok()) {
        Some(rel) => Path::new("/").join(rel),
        None => file.to_path_buf(),
    }
}

/// Whether a running dockerd reads `file` as its daemon.json: its
/// `--config-file`, or Docker's default for a dockerd of root without one.
fn dockerd_reads(file: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(pids) = processes(Engine::Docker.program()) else {
        return false;
    };
    pids.into_iter().any(|pid| {
        let proc = PathBuf::from(format!("/proc/{pid}"));
        let Ok(cmdline) = std::fs::read(proc.join("cmdline")) else {
            return false;
        };
        let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        let mut config = None;
        for (i, arg) in args.iter().enumerate() {
            if let Some(v) = arg.strip_prefix(b"--config-file=") {
                config = Some(v);
            } else if *arg == b"--config-file" {
                config = args.get(i + 1).copied();
            }
        }
        let root = std::fs::metadata(&proc).is_ok_and(|m| m.uid() == 0);
        match config {
            Some(c) => Path::new(std::ffi::OsStr::from_bytes(c)) == file,
            None => root && file == Path::new(super::docker::DEFAULT_DAEMON_JSON),
        }
    })
}

fn delete(file: &Path, engine: Engine) -> Result<Leftover, FileError> {
    delete_file(file)?;
    Ok(Leftover::Deleted {
        file: file.to_path_buf(),
        engine,
    })
}

/// Watches a file for the next process that opens it (inotify `IN_OPEN`),
/// to know when a reloading daemon has read it.
struct ReadWatch {
    fd: std::os::fd::OwnedFd,
}

impl ReadWatch {
    fn new(file: &Path) -> io::Result<ReadWatch> {
        use std::os::fd::FromRawFd;
        let path = std::ffi::CString::new(file.as_os_str().as_encoded_bytes())
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        // SAFETY: inotify_init1 takes flags only; a non-negative result is
        // a new descriptor of this process.
        let raw = unsafe { libc::inotify_init1(libc::IN_CLOEXEC | libc::IN_NONBLOCK) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a new descriptor that nothing else owns.
        let fd = unsafe { std::os::fd::OwnedFd::from_raw_fd(raw) };
        // SAFETY: `path` is NUL-terminated and outlives the call.
        if unsafe { libc::inotify_add_watch(raw, path.as_ptr(), libc::IN_OPEN) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(ReadWatch { fd })
    }

    /// Whether a process opened the file within `timeout`.
    fn wait(self, timeout: Duration) -> bool {
        use std::os::fd::AsRawFd;
        let mut pfd = libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let ms = i32::try_from(left.as_millis()).unwrap_or(i32::MAX);
            // SAFETY: one valid pollfd for the duration of the call.
            let n = unsafe { libc::poll(&mut pfd, 1, ms) };
            if n > 0 {
                return true;
            }
            let interrupted =
                n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted;
            if !interrupted || left.is_zero() {
                return false;
            }
        }
    }
}

fn read_pid(pid_file: &Path) -> Result<u32, FileError> {
    let text = std::fs::read_to_string(pid_file).map_err(|e| FileError::io(pid_file, &e))?;
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|p| *p > 0 && *p <= i32::MAX as u32)
        .ok_or_else(|| {
            FileError::new(
                pid_file,
                format!("holds {:?}, not a process id", text.trim()),
            )
        })
}

/// Sends SIGHUP to the daemon its pid file names.
fn signal(engine: Engine, how: &Apply) -> Result<Applied, ReloadError> {
    let pid = match how.daemon(engine) {
        Daemon::Running(pid) => pid,
        Daemon::Stopped => return Ok(Applied::NotRunning(engine)),
        Daemon::Unreadable(e) => return Err(e.into()),
        Daemon::NoPidFile => {
            return Err(ReloadError::Failed(format!(
                "--restart-mode signal: {engine} writes no pid file to find it by"
            )))
        }
    };
    // SAFETY: kill(2) with a positive pid and a signal number has no
    // memory effects.
    if unsafe { libc::kill(pid as i32, libc::SIGHUP) } != 0 {
        let err = io::Error::last_os_error();
        let fault = format!("cannot send SIGHUP to process {pid}: {}", io_fault(&err));
        let pid_file = how
            .pid_file(engine)
            .map(|p| on_root(how.root.as_deref(), p))
            .unwrap_or_default();
        return Err(FileError::new(&pid_file, fault).into());
    }
    Ok(Applied::Signalled {
        engine,
        pids: vec![pid],
    })
}

/// The pids of the processes whose command name is `program`.
fn processes(program: &str) -> Result<Vec<u32>, FileError> {
    let proc = Path::new("/proc");
    let entries = std::fs::read_dir(proc).map_err(|e| FileError::io(proc, &e))?;
    let mut pids: Vec<u32> = entries
        .flatten()
        .filter_map(|e| {
            let pid = e.file_name().to_str()?.parse::<u32>().ok()?;
            let comm = std::fs::read_to_string(e.path().join("comm")).ok()?;
            (comm.trim_end() == program).then_some(pid)
        })
        .collect();
    pids.sort_unstable();
    Ok(pids)
}

/// `systemctl reload` an engine that reloads on SIGHUP, `restart` one that
/// needs it; chrooted into the host's root when that is elsewhere.
fn systemctl(engine: Engine, how: &Apply) -> Result<Applied, ReloadError> {
    let Some(unit) = engine.unit() else {
        return Ok(Applied::NothingNeeded(engine));
    };
    let action = engine.systemctl_action();
    let root = how.root.as_deref().filter(|r| *r != Path::new("/"));
    let mut cmd = match root {
        None => Command::new("systemctl"),
        Some(root) => chrooted_systemctl(root)?,
    };
    // SAFETY: only async-signal-safe calls between fork and exec: an
    // installer blocks SIGTERM and SIGINT, which systemctl must not inherit.
    unsafe {
        cmd.pre_exec(|| {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::pthread_sigmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
            Ok(())
        });
    }
    let shown = match root {
        None => format!("systemctl {action} {unit}"),
        Some(r) => format!("chroot {} systemctl {action} {unit}", r.display()),
    };
    let status = cmd
        .args([action, unit])
        .status()
        .map_err(|e| ReloadError::Failed(format!("{shown} cannot run: {}", io_fault(&e))))?;
    if !status.success() {
        return Err(ReloadError::Failed(format!("{shown} failed ({status})")));
    }
    Ok(Applied::Systemctl {
        action,
        unit,
        chrooted: root.is_some(),
    })
}

/// systemctl of the host mounted at `root`, to run chrooted there.
fn chrooted_systemctl(root: &Path) -> Result<Command, ReloadError> {
    let systemctl = ["/usr/bin/systemctl", "/bin/systemctl"]
        .into_iter()
        .find(|p| on_root(Some(root), Path::new(p)).is_file())
        .ok_or_else(|| {
            ReloadError::Failed(format!(
                "--restart-mode systemd: no systemctl in {0}/usr/bin or {0}/bin",
                root.display()
            ))
        })?;
    let root_c = std::ffi::CString::new(root.as_os_str().as_encoded_bytes()).map_err(|_| {
        ReloadError::Failed(format!("{}: the path holds a NUL byte", root.display()))
    })?;
    let mut cmd = Command::new(systemctl);
    cmd.env("SYSTEMD_IGNORE_CHROOT", "1");
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if libc::chroot(root_c.as_ptr()) != 0 || libc::chdir(c"/".as_ptr()) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    Ok(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Child, Stdio};

    /// How to apply, with dockerd's pid file in `dir`.
    fn how(mode: RestartMode, dir: &Path) -> Apply {
        Apply {
            mode,
            pid_file: Some(dir.join("docker.pid")),
            root: None,
        }
    }

    /// A stand-in daemon: a shell that runs `on_hup` on SIGHUP, its pid
    /// in `dir/docker.pid`; killed when dropped.
    struct FakeDaemon(Child);

    impl Drop for FakeDaemon {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    /// Starts a stand-in dockerd (a shell called dockerd, reading
    /// `dir/daemon.json` as its `--config-file`) and waits until it has
    /// set its trap.
    fn daemon(dir: &Path, on_hup: &str) -> FakeDaemon {
        use std::io::Read;
        let program = dir.join("bin/dockerd");
        if !program.exists() {
            // A link, not a copy: executing a file just written can fail
            // with ETXTBSY while another test forks.
            std::fs::create_dir_all(dir.join("bin")).unwrap();
            std::os::unix::fs::symlink("/bin/sh", &program).unwrap();
        }
        let child = Command::new(&program)
            .arg("-c")
            .arg(format!(
                "trap '{on_hup}' HUP; echo ready; while :; do sleep 0.05; done"
            ))
            .arg("--config-file")
            .arg(dir.join("daemon.json"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut d = FakeDaemon(child);
        std::fs::write(dir.join("docker.pid"), format!("{}\n", d.0.id())).unwrap();
        let mut buf = [0u8; 6];
        d.0.stdout.as_mut().unwrap().read_exact(&mut buf).unwrap();
        d
    }

    #[test]
    fn none_prints_the_command_each_engine_needs() {
        let dir = tempfile::tempdir().unwrap();
        let _daemon = daemon(dir.path(), "");
        let kill = format!(
            "to apply the change, run: kill -HUP $(cat {})   # or: systemctl reload docker",
            dir.path().join("docker.pid").display()
        );
        for (engine, mode, line) in [
            (Engine::Docker, RestartMode::None, kill.as_str()),
            (Engine::Containerd, RestartMode::None, "to apply the change, run: systemctl restart containerd"),
            (Engine::Crio, RestartMode::None, "to apply the change, run: systemctl restart crio"),
            (Engine::Podman, RestartMode::None, "podman reads its config on every command: nothing to restart"),
            (Engine::Podman, RestartMode::Systemd, "podman reads its config on every command: nothing to restart"),
            (Engine::Containerd, RestartMode::Signal, "containerd does not reload its config on SIGHUP; restart it to apply the change: systemctl restart containerd"),
            (Engine::Crio, RestartMode::Signal, "CRI-O does not take a new runtime handler on SIGHUP (releases 1.26 to 1.37 reread their config, but keep serving pods from the runtime table they started with); restart it to apply the change: systemctl restart crio"),
        ] {
            assert_eq!(apply(engine, &how(mode, dir.path())).unwrap().to_string(), line);
        }
    }

    /// No pid file, or one naming no process: dockerd reads the file when
    /// it starts, and no command is printed for it.
    #[test]
    fn a_daemon_that_is_not_running_reads_the_change_when_it_starts() {
        let dir = tempfile::tempdir().unwrap();
        let not_running = "dockerd is not running; it reads the change when it starts";
        for mode in [RestartMode::None, RestartMode::Signal] {
            let _ = std::fs::remove_file(dir.path().join("docker.pid"));
            let h = how(mode, dir.path());
            assert_eq!(apply(Engine::Docker, &h).unwrap().to_string(), not_running);
            drop(daemon(dir.path(), ""));
            assert_eq!(apply(Engine::Docker, &h).unwrap().to_string(), not_running);
        }
    }

    /// The one engine SIGHUP applies a new runtime table to is dockerd;
    /// the installer refuses `signal` for the engines of a node.
    #[test]
    fn signal_is_refused_where_it_applies_nothing() {
        let refused: Vec<Engine> = Engine::ALL
            .into_iter()
            .filter(|e| signal_refusal(*e).is_some())
            .collect();
        assert_eq!(refused, [Engine::Containerd, Engine::Crio]);
        // No process is signalled for them, whatever runs.
        let dir = tempfile::tempdir().unwrap();
        let applied = apply(Engine::Crio, &how(RestartMode::Signal, dir.path())).unwrap();
        assert!(
            matches!(applied, Applied::NeedsRestart { .. }),
            "{applied:?}"
        );
    }

    #[test]
    fn a_pid_file_naming_no_process_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let pid = dir.path().join("docker.pid");
        std::fs::write(&pid, "not-a-pid\n").unwrap();
        let h = how(RestartMode::Signal, dir.path());
        let err = apply(Engine::Docker, &h).unwrap_err().to_string();
        assert_eq!(
            err,
            format!("{}: holds \"not-a-pid\", not a process id", pid.display())
        );
        assert_eq!(h.running(Engine::Docker), None);
        std::fs::write(&pid, format!("{}\n", std::process::id())).unwrap();
        assert_eq!(h.running(Engine::Docker), Some(std::process::id()));
    }

    /// A file left only for the daemon's reload goes at once when no
    /// dockerd reads it, and once the dockerd that reads it has opened it
    /// after its reload; it stays when the reload is left to the operator,
    /// cannot be made, or the daemon does not read it.
    #[test]
    fn a_file_left_for_the_reload_goes_once_the_daemon_has_read_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("daemon.json");
        let files = [file.clone()];
        let write = || std::fs::write(&file, "{\"default-runtime\": \"runc\"}\n").unwrap();
        let timeout = Duration::from_millis(500);
        let then_delete = |mode| {
            let (applied, left) =
                apply_then_delete(Engine::Docker, &how(mode, dir.path()), &files, timeout).unwrap();
            let gone = match &left[..] {
                [Leftover::Deleted { .. }] => true,
                [Leftover::Kept { .. }] => false,
                other => panic!("{other:?}"),
            };
            assert_eq!(gone, !file.exists());
            (applied, gone)
        };

        // No dockerd reads it: deleted at once.
        write();
        let (applied, gone) = then_delete(RestartMode::Signal);
        assert_eq!(applied, Applied::NotRunning(Engine::Docker));
        assert!(gone);

        // Read by a running dockerd, the reload left to the operator: kept.
        write();
        let d = daemon(dir.path(), &format!("cat {} >/dev/null", file.display()));
        let (applied, gone) = then_delete(RestartMode::None);
        assert!(matches!(applied, Applied::RunCommand(_)), "{applied:?}");
        assert!(!gone);

        // Signalled: deleted once it has read the file.
        let (applied, gone) = then_delete(RestartMode::Signal);
        assert!(matches!(applied, Applied::Signalled { .. }), "{applied:?}");
        assert!(gone);

        // Its pid file names another process: no reload, kept.
        write();
        std::fs::write(dir.path().join("docker.pid"), "999999999\n").unwrap();
        let (applied, gone) = then_delete(RestartMode::Signal);
        assert_eq!(applied, Applied::NotRunning(Engine::Docker));
        assert!(!gone);
        drop(d);

        // Signalled, but it does not read the file: kept.
        let _d = daemon(dir.path(), "");
        let (_, gone) = then_delete(RestartMode::Signal);
        assert!(!gone);
    }
}

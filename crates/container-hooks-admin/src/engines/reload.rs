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

use super::files::on_root;
use super::{Engine, Reload};
use container_hooks_core::error::{io_fault, FileError};
use std::fmt;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub use container_hooks_core::config::RestartMode;

/// How to apply a change to an engine.
#[derive(Debug, Clone)]
pub struct Apply {
    pub mode: RestartMode,
    /// The daemon's pid file (host path), for engines that write one;
    /// None: the engine's default.
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
    /// The pid file of `engine`'s daemon (host path).
    fn pid_file(&self, engine: Engine) -> Option<&Path> {
        self.pid_file.as_deref().or(engine.pid_file())
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
        let pid = read_pid(&on_root(self.root.as_deref(), self.pid_file(engine)?)).ok()?;
        // SAFETY: kill(2) with signal 0 only checks that the process exists.
        (unsafe { libc::kill(pid as i32, 0) } == 0).then_some(pid)
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

/// Makes `engine` read its changed config as `how` says.
pub fn apply(engine: Engine, how: &Apply) -> Result<Applied, ReloadError> {
    let reload = engine.reload();
    if reload == Reload::EveryCommand {
        return Ok(Applied::NothingNeeded(engine));
    }
    let command = how.command(engine).unwrap_or_default();
    match how.mode {
        RestartMode::None => Ok(Applied::RunCommand(command)),
        RestartMode::Signal if reload == Reload::Restart => {
            Ok(Applied::NeedsRestart { engine, command })
        }
        RestartMode::Signal => signal(engine, how),
        RestartMode::Systemd => systemctl(engine, how),
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
    let Some(pid_file) = how
        .pid_file(engine)
        .map(|p| on_root(how.root.as_deref(), p))
    else {
        return Err(ReloadError::Failed(format!(
            "--restart-mode signal: {engine} writes no pid file to find it by"
        )));
    };
    let pid = read_pid(&pid_file)?;
    // SAFETY: kill(2) with a positive pid and a signal number has no
    // memory effects.
    if unsafe { libc::kill(pid as i32, libc::SIGHUP) } != 0 {
        let err = io::Error::last_os_error();
        let fault = format!("cannot send SIGHUP to process {pid}: {}", io_fault(&err));
        return Err(FileError::new(&pid_file, fault).into());
    }
    Ok(Applied::Signalled {
        engine,
        pids: vec![pid],
    })
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

    fn how(mode: RestartMode) -> Apply {
        Apply {
            mode,
            pid_file: None,
            root: None,
        }
    }

    #[test]
    fn none_prints_the_command_each_engine_needs() {
        for (engine, mode, line) in [
            (Engine::Docker, RestartMode::None, "to apply the change, run: kill -HUP $(cat /var/run/docker.pid)   # or: systemctl reload docker"),
            (Engine::Containerd, RestartMode::None, "to apply the change, run: systemctl restart containerd"),
            (Engine::Crio, RestartMode::None, "to apply the change, run: systemctl restart crio"),
            (Engine::Podman, RestartMode::None, "podman reads its config on every command: nothing to restart"),
            (Engine::Podman, RestartMode::Systemd, "podman reads its config on every command: nothing to restart"),
            (Engine::Containerd, RestartMode::Signal, "containerd does not reload its config on SIGHUP; restart it to apply the change: systemctl restart containerd"),
            (Engine::Crio, RestartMode::Signal, "CRI-O does not take a new runtime handler on SIGHUP (releases 1.26 to 1.37 reread their config, but keep serving pods from the runtime table they started with); restart it to apply the change: systemctl restart crio"),
        ] {
            assert_eq!(apply(engine, &how(mode)).unwrap().to_string(), line);
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
        let applied = apply(Engine::Crio, &how(RestartMode::Signal)).unwrap();
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
        let mut h = how(RestartMode::Signal);
        h.pid_file = Some(pid.clone());
        let err = apply(Engine::Docker, &h).unwrap_err().to_string();
        assert_eq!(
            err,
            format!("{}: holds \"not-a-pid\", not a process id", pid.display())
        );
        assert_eq!(h.running(Engine::Docker), None);
        std::fs::write(&pid, format!("{}\n", std::process::id())).unwrap();
        assert_eq!(h.running(Engine::Docker), Some(std::process::id()));
    }
}

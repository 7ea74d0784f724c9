//! The engines and their facts: names, files, program, service, and how
//! each one picks up a changed config.

use container_hooks_core::runtime_path::SYSTEM_PATH;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

use super::files::{is_program, on_root};

/// A container engine the shim can be wired into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Docker,
    Containerd,
    Crio,
    Podman,
}

/// How an engine picks up a changed config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reload {
    /// It reads the file on every command: nothing to do (Podman).
    EveryCommand,
    /// SIGHUP makes it read the file again (dockerd).
    Sighup,
    /// Only a restart applies it (containerd; CRI-O, see
    /// [`Engine::reload`]).
    Restart,
}

impl Engine {
    /// Every engine, in the order status and detection report them.
    pub const ALL: [Engine; 4] = [
        Engine::Docker,
        Engine::Containerd,
        Engine::Crio,
        Engine::Podman,
    ];

    /// The name on the command line and in the state: docker, containerd,
    /// crio, podman.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Containerd => "containerd",
            Engine::Crio => "crio",
            Engine::Podman => "podman",
        }
    }

    /// Parses the command-line name.
    pub fn parse(name: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.as_str() == name)
    }

    /// The file configure edits by default. For CRI-O this is the main
    /// crio.conf, which is only read; the runtime goes in a drop-in.
    pub fn default_config(self) -> &'static Path {
        Path::new(match self {
            Engine::Docker => super::docker::DEFAULT_DAEMON_JSON,
            Engine::Containerd => "/etc/containerd/config.toml",
            Engine::Crio => "/etc/crio/crio.conf",
            Engine::Podman => "/etc/containers/containers.conf",
        })
    }

    /// The drop-in written by default, for engines that always use one.
    pub fn default_drop_in(self) -> Option<&'static Path> {
        match self {
            Engine::Crio => Some(Path::new(super::crio::DEFAULT_DROP_IN)),
            _ => None,
        }
    }

    /// Why `--drop-in` is refused, for engines that read no drop-in this
    /// tool writes.
    pub fn drop_in_refusal(self) -> Option<&'static str> {
        match self {
            Engine::Docker => {
                Some("--drop-in: Docker reads no drop-in files; edit daemon.json with --config")
            }
            Engine::Podman => Some(
                "--drop-in: not supported for podman; use --config FILE (for example a file in /etc/containers/containers.conf.d)",
            ),
            Engine::Containerd | Engine::Crio => None,
        }
    }

    /// The engine's program: its presence in the system PATH is what makes
    /// the engine installed.
    pub fn program(self) -> &'static str {
        match self {
            Engine::Docker => "dockerd",
            Engine::Containerd => "containerd",
            Engine::Crio => "crio",
            Engine::Podman => "podman",
        }
    }

    /// The systemd unit of the engine's daemon (Podman has none).
    pub fn unit(self) -> Option<&'static str> {
        match self {
            Engine::Docker => Some("docker"),
            Engine::Containerd => Some("containerd"),
            Engine::Crio => Some("crio"),
            Engine::Podman => None,
        }
    }

    /// What `systemctl` does to the unit to apply a change: `reload` where
    /// the unit reloads the config (dockerd), else `restart`.
    pub fn systemctl_action(self) -> &'static str {
        match self {
            Engine::Docker => "reload",
            _ => "restart",
        }
    }

    /// How the engine picks up a changed config file. CRI-O rereads its
    /// config on SIGHUP, but no release takes a new runtime handler that
    /// way: before 1.26 it does not reload runtimes at all, and from 1.26
    /// (through 1.37 at least) the reload updates the server's copy of the
    /// config while the runtime that serves RunPodSandbox keeps the table
    /// it started with ("failed to find runtime handler"). So CRI-O is
    /// restarted, as containerd is.
    pub fn reload(self) -> Reload {
        match self {
            Engine::Docker => Reload::Sighup,
            Engine::Containerd | Engine::Crio => Reload::Restart,
            Engine::Podman => Reload::EveryCommand,
        }
    }

    /// The pid file the engine's daemon writes, where it writes one by
    /// default (dockerd).
    pub fn pid_file(self) -> Option<&'static Path> {
        match self {
            Engine::Docker => Some(Path::new(DOCKER_PID_FILE)),
            _ => None,
        }
    }

    /// Where the engine is installed: its program, found in the system
    /// PATH of the root filesystem at `root` (None: `/`). A config file or
    /// directory alone does not count: configure may have written it.
    pub fn installed(self, root: Option<&Path>) -> Option<PathBuf> {
        std::env::split_paths(SYSTEM_PATH)
            .map(|dir| dir.join(self.program()))
            .find(|p| is_program(&on_root(root, p)))
    }
}

/// The pid file dockerd writes by default.
pub const DOCKER_PID_FILE: &str = "/var/run/docker.pid";

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A program in the system PATH makes an engine installed; its config
    /// file alone does not.
    #[test]
    fn installed_means_the_program_is_in_the_system_path() {
        let root = tempfile::tempdir().unwrap();
        let r = Some(root.path());
        std::fs::create_dir_all(root.path().join("etc/docker")).unwrap();
        std::fs::write(root.path().join("etc/docker/daemon.json"), "{}").unwrap();
        assert_eq!(Engine::Docker.installed(r), None);
        let bin = root.path().join("usr/sbin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("dockerd"), "").unwrap();
        assert_eq!(Engine::Docker.installed(r), None, "not executable");
        std::fs::set_permissions(bin.join("dockerd"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        assert_eq!(
            Engine::Docker.installed(r),
            Some(PathBuf::from("/usr/sbin/dockerd"))
        );
        assert_eq!(Engine::Podman.installed(r), None);
    }
}

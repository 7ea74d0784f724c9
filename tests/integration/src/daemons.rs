//! Isolated engines for tests: a containerd and a dockerd with their own
//! root, state, sockets and pid files under a temporary directory, stopped
//! by pid when dropped. Nothing of the host's engines is used or touched.

use crate::{require, run, run_ok};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Waits until `ready` holds, or panics after `timeout` with `what` and the
/// daemon's log.
fn wait_for(what: &str, log: &Path, timeout: Duration, ready: impl FnMut() -> bool) {
    if crate::poll_until(timeout, ready) {
        return;
    }
    panic!(
        "{what} did not become ready in {timeout:?}; its log:\n{}",
        fs::read_to_string(log).unwrap_or_default()
    );
}

/// Sends `signal` to `pid`.
pub fn kill(pid: u32, signal: i32) -> bool {
    // SAFETY: kill(2) with a pid and a signal number has no memory effects.
    unsafe { libc::kill(pid as i32, signal) == 0 }
}

fn stop_child(child: &mut Child, grace: Duration) {
    let pid = child.id();
    kill(pid, libc::SIGTERM);
    let start = Instant::now();
    while start.elapsed() < grace {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Lazily unmounts everything mounted below `dir` (overlay snapshots,
/// netns files), deepest first, so the temporary directory can be removed.
pub fn unmount_below(dir: &Path) {
    let Ok(info) = fs::read_to_string("/proc/self/mountinfo") else {
        return;
    };
    let prefix = dir.display().to_string();
    let mut points: Vec<&str> = info
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .filter(|p| p.starts_with(&prefix))
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in points {
        let _ = Command::new("umount").arg("-l").arg(p).status();
    }
}

/// An isolated containerd.
pub struct Containerd {
    pub dir: PathBuf,
    pub address: PathBuf,
    pub config: PathBuf,
    pub log: PathBuf,
    child: Child,
}

impl Containerd {
    /// Starts containerd with a config of its own under `dir` (CRI plugin
    /// disabled: the tests drive it with `ctr`).
    pub fn start(dir: &Path) -> Containerd {
        Containerd::start_with(dir, "")
    }

    /// As [`Containerd::start`], with extra TOML appended to its config.
    pub fn start_with(dir: &Path, extra_toml: &str) -> Containerd {
        Containerd::start_with_env(dir, extra_toml, &[])
    }

    /// As [`Containerd::start_with`], with extra environment variables
    /// (inherited by its shims and so by the runtime they run).
    pub fn start_with_env(dir: &Path, extra_toml: &str, env: &[(&str, &Path)]) -> Containerd {
        let bin = require("containerd");
        fs::create_dir_all(dir).unwrap();
        let address = dir.join("c.sock");
        let config = dir.join("containerd.toml");
        let log = dir.join("containerd.log");
        fs::write(
            &config,
            format!(
                "version = 2\nroot = {:?}\nstate = {:?}\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n\n[grpc]\n  address = {:?}\n\n[debug]\n  level = \"info\"\n\n[plugins.\"io.containerd.internal.v1.opt\"]\n  path = {:?}\n{extra_toml}",
                dir.join("root"),
                dir.join("state"),
                address,
                dir.join("opt"),
            ),
        )
        .unwrap();
        let logf = fs::File::create(&log).unwrap();
        let child = Command::new(bin)
            .envs(env.iter().map(|(k, v)| (*k, *v)))
            .arg("--config")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(logf.try_clone().unwrap())
            .stderr(logf)
            .spawn()
            .expect("start containerd");
        let c = Containerd {
            dir: dir.to_path_buf(),
            address,
            config,
            log,
            child,
        };
        wait_for("containerd", &c.log, Duration::from_secs(30), || {
            c.address.exists() && run(c.ctr().arg("version")).status.success()
        });
        c
    }

    /// Starts containerd from a command made by the caller (for example
    /// `unshare -m` around `containerd --config FILE`, for a config that
    /// names paths of another root), whose gRPC socket is `address`. The
    /// command must end in an exec of containerd, so that the child is
    /// containerd itself.
    pub fn start_command(
        dir: &Path,
        config: &Path,
        address: &Path,
        mut cmd: Command,
    ) -> Containerd {
        fs::create_dir_all(dir).unwrap();
        let log = dir.join("containerd.log");
        let logf = fs::File::create(&log).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(logf.try_clone().unwrap())
            .stderr(logf)
            .spawn()
            .expect("start containerd");
        let c = Containerd {
            dir: dir.to_path_buf(),
            address: address.to_path_buf(),
            config: config.to_path_buf(),
            log,
            child,
        };
        wait_for("containerd", &c.log, Duration::from_secs(30), || {
            c.address.exists() && run(c.ctr().arg("version")).status.success()
        });
        c
    }

    /// A `ctr` command talking to this containerd.
    pub fn ctr(&self) -> Command {
        let mut c = Command::new(require("ctr"));
        c.arg("--address").arg(&self.address);
        c
    }

    /// Runs a container from a root filesystem directory with `ctr run
    /// --rm --rootfs`, the runtime binary `runc_binary`, extra `ctr run`
    /// flags and the command `args`; returns ctr's output.
    pub fn run_rootfs(
        &self,
        runc_binary: &Path,
        rootfs: &Path,
        id: &str,
        flags: &[&str],
        args: &[&str],
    ) -> std::process::Output {
        run(self
            .ctr()
            .args(["run", "--rm", "--runc-binary"])
            .arg(runc_binary)
            .args(flags)
            .arg("--rootfs")
            .arg(rootfs)
            .arg(id)
            .args(args))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Containerd {
    fn drop(&mut self) {
        stop_child(&mut self.child, Duration::from_secs(10));
        unmount_below(&self.dir);
    }
}

/// An isolated dockerd (with the containerd it starts for itself).
pub struct Dockerd {
    pub dir: PathBuf,
    pub socket: PathBuf,
    pub pidfile: PathBuf,
    pub config: PathBuf,
    pub log: PathBuf,
    child: Child,
}

impl Dockerd {
    /// Starts dockerd reading `config` as its daemon.json (written as `{}`
    /// when missing), with no bridge and no iptables.
    pub fn start(dir: &Path, config: &Path) -> Dockerd {
        Dockerd::start_with_env(dir, config, &[])
    }

    /// As [`Dockerd::start`], with extra environment variables (inherited
    /// by its containerd, the shims and so the runtime they run).
    pub fn start_with_env(dir: &Path, config: &Path, env: &[(&str, &Path)]) -> Dockerd {
        Dockerd::start_at(dir, config, &dir.join("dockerd.pid"), env)
    }

    /// As [`Dockerd::start_with_env`], writing its pid to `pidfile` (the
    /// system's `/var/run/docker.pid`, for tests of what signals dockerd
    /// there); the pid file is removed when the daemon is stopped.
    pub fn start_at(dir: &Path, config: &Path, pidfile: &Path, env: &[(&str, &Path)]) -> Dockerd {
        let bin = require("dockerd");
        require("docker");
        fs::create_dir_all(dir).unwrap();
        if !config.exists() {
            fs::write(config, "{}\n").unwrap();
        }
        let socket = dir.join("d.sock");
        let pidfile = pidfile.to_path_buf();
        let log = dir.join("dockerd.log");
        let logf = fs::File::create(&log).unwrap();
        let child = Command::new(bin)
            .envs(env.iter().map(|(k, v)| (*k, *v)))
            .arg("--data-root")
            .arg(dir.join("data"))
            .arg("--exec-root")
            .arg(dir.join("exec"))
            .arg("--pidfile")
            .arg(&pidfile)
            .arg("-H")
            .arg(format!("unix://{}", socket.display()))
            .arg("--config-file")
            .arg(config)
            .args([
                "--bridge=none",
                "--iptables=false",
                "--ip6tables=false",
                "--exec-opt",
                "native.cgroupdriver=cgroupfs",
            ])
            .stdin(Stdio::null())
            .stdout(logf.try_clone().unwrap())
            .stderr(logf)
            .spawn()
            .expect("start dockerd");
        let d = Dockerd {
            dir: dir.to_path_buf(),
            socket,
            pidfile,
            config: config.to_path_buf(),
            log,
            child,
        };
        wait_for("dockerd", &d.log, Duration::from_secs(60), || {
            d.socket.exists() && run(d.docker().arg("version")).status.success()
        });
        d
    }

    /// A `docker` command talking to this dockerd.
    pub fn docker(&self) -> Command {
        let mut c = Command::new(require("docker"));
        c.arg("-H").arg(format!("unix://{}", self.socket.display()));
        c
    }

    /// Waits up to a minute until `ready` holds, or panics naming `what`
    /// with dockerd's log.
    pub fn wait_until(&self, what: &str, mut ready: impl FnMut(&Dockerd) -> bool) {
        wait_for(what, &self.log, Duration::from_secs(60), || ready(self));
    }

    /// The default runtime `docker info` reports.
    pub fn default_runtime(&self) -> String {
        run_ok(
            self.docker()
                .args(["info", "--format", "{{.DefaultRuntime}}"]),
        )
        .trim()
        .to_string()
    }

    /// `docker info` as JSON.
    pub fn info(&self) -> serde_json::Value {
        let out = run_ok(self.docker().args(["info", "--format", "{{json .}}"]));
        serde_json::from_str(&out).expect("docker info JSON")
    }

    /// Imports a busybox root filesystem as image `name` (no registry).
    pub fn import_busybox(&self, name: &str) {
        let rootfs = self.dir.join("image-rootfs");
        crate::busybox_rootfs(&rootfs);
        let tar = self.dir.join("image.tar");
        run_ok(
            Command::new("tar")
                .arg("-C")
                .arg(&rootfs)
                .arg("-cf")
                .arg(&tar)
                .arg("."),
        );
        run_ok(self.docker().arg("import").arg(&tar).arg(name));
    }

    /// Sends SIGHUP (reload daemon.json) and waits until `docker info`
    /// answers again.
    pub fn reload(&self) {
        assert!(kill(self.child.id(), libc::SIGHUP));
        std::thread::sleep(Duration::from_millis(500));
        wait_for("dockerd reload", &self.log, Duration::from_secs(30), || {
            run(self.docker().arg("version")).status.success()
        });
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        stop_child(&mut self.child, Duration::from_secs(30));
        unmount_below(&self.dir);
        let _ = fs::remove_file(&self.pidfile);
    }
}

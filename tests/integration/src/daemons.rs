//! Isolated engines for tests: a containerd (with or without its CRI
//! plugin) and a dockerd with their own root, state, sockets and pid files
//! under a temporary directory, stopped by pid when dropped. Nothing of the
//! host's engines is used or touched.

use crate::cri::Cri;
use crate::images::PAUSE_IMAGE;
use crate::{require, run, run_ok};
use std::ffi::OsString;
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

/// Spawns `cmd` with its output appended to `log`.
fn spawn_logged(mut cmd: Command, log: &Path) -> Child {
    let logf = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    cmd.stdin(Stdio::null())
        .stdout(logf.try_clone().unwrap())
        .stderr(logf)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"))
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
    /// The command it was started with, to start it again.
    program: OsString,
    args: Vec<OsString>,
    env: Vec<(OsString, Option<OsString>)>,
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
        fs::create_dir_all(dir).unwrap();
        let address = dir.join("c.sock");
        let config = dir.join("containerd.toml");
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
        Containerd::start_file(dir, &config, &address, env)
    }

    /// The config.toml of a Kubernetes node's containerd, isolated under
    /// `dir` (root, gRPC socket `dir/c.sock`) and `state` (its run state,
    /// `/run/containerd` on a node): its CRI plugin serves pods whose
    /// sandboxes run [`PAUSE_IMAGE`], with `runc` as the default runtime,
    /// as `containerd config default` has it.
    ///
    /// What the CRI plugin of containerd 1.6 needs here: the sandbox image
    /// (built offline and imported); `restrict_oom_score_adj`, because the
    /// machine's capability bounding set lacks CAP_SYS_RESOURCE (a sandbox
    /// gets oom_score_adj -998 otherwise, which only that capability may
    /// set); CNI directories of its own, which stay empty: pods run with
    /// host networking, and the CRI plugin only logs that CNI is not
    /// initialised. The streaming server listens on the loopback address.
    pub fn cri_config(dir: &Path, state: &Path) -> String {
        let cri = "plugins.\"io.containerd.grpc.v1.cri\"";
        format!(
            r#"version = 2
root = {root:?}
state = {state:?}

[grpc]
  address = {address:?}

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = {opt:?}
  [{cri}]
    sandbox_image = {PAUSE_IMAGE:?}
    restrict_oom_score_adj = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    [{cri}.cni]
      bin_dir = {cni_bin:?}
      conf_dir = {cni_conf:?}
    [{cri}.containerd]
      default_runtime_name = "runc"
      snapshotter = "overlayfs"
      [{cri}.containerd.runtimes]
        [{cri}.containerd.runtimes.runc]
          runtime_type = "io.containerd.runc.v2"
          [{cri}.containerd.runtimes.runc.options]
            SystemdCgroup = false
"#,
            root = dir.join("root"),
            address = dir.join("c.sock"),
            opt = dir.join("opt"),
            cni_bin = dir.join("cni/bin"),
            cni_conf = dir.join("cni/net.d"),
        )
    }

    /// Starts containerd on a config file as it is (`containerd --config
    /// FILE`, for a file an operator's tools edit), whose gRPC socket is
    /// `address`, with extra environment variables; its log goes to
    /// `dir/containerd.log`.
    pub fn start_file(
        dir: &Path,
        config: &Path,
        address: &Path,
        env: &[(&str, &Path)],
    ) -> Containerd {
        let mut cmd = Command::new(require("containerd"));
        cmd.envs(env.iter().map(|(k, v)| (*k, *v)))
            .arg("--config")
            .arg(config);
        Containerd::start_command(dir, config, address, cmd)
    }

    /// Starts containerd from a command made by the caller (for example
    /// `unshare -m` around `containerd --config FILE`, for a config that
    /// names paths of another root), whose gRPC socket is `address`. The
    /// command must end in an exec of containerd, so that the child is
    /// containerd itself.
    pub fn start_command(dir: &Path, config: &Path, address: &Path, cmd: Command) -> Containerd {
        fs::create_dir_all(dir).unwrap();
        let log = dir.join("containerd.log");
        fs::write(&log, "").unwrap();
        let program = cmd.get_program().to_owned();
        let args = cmd.get_args().map(ToOwned::to_owned).collect();
        let env = cmd
            .get_envs()
            .map(|(k, v)| (k.to_owned(), v.map(ToOwned::to_owned)))
            .collect();
        let child = spawn_logged(cmd, &log);
        let c = Containerd {
            dir: dir.to_path_buf(),
            address: address.to_path_buf(),
            config: config.to_path_buf(),
            log,
            program,
            args,
            env,
            child,
        };
        c.wait_ready();
        c
    }

    fn wait_ready(&self) {
        wait_for("containerd", &self.log, Duration::from_secs(30), || {
            self.address.exists() && run(self.ctr().arg("version")).status.success()
        });
    }

    /// Stops containerd and starts it again with the same command, as
    /// `systemctl restart containerd` does after its config changed.
    /// Containers keep running in their shims; the log goes on.
    pub fn restart(&mut self) {
        stop_child(&mut self.child, Duration::from_secs(10));
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args);
        for (k, v) in &self.env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        self.child = spawn_logged(cmd, &self.log);
        self.wait_ready();
    }

    /// A CRI client of this containerd, once its CRI plugin answers.
    pub fn cri(&self) -> Cri {
        let mut cri = Cri::connect(&self.address);
        let mut last = None;
        let ready = crate::poll_until(Duration::from_secs(30), || match cri.version() {
            Ok(_) => true,
            Err(e) => {
                last = Some(e);
                false
            }
        });
        if !ready {
            panic!(
                "containerd's CRI did not answer ({last:?}); its log:\n{}",
                fs::read_to_string(&self.log).unwrap_or_default()
            );
        }
        cri
    }

    /// Imports an image archive (an OCI layout, see [`crate::images`])
    /// into the namespace the CRI plugin uses, `k8s.io`, as `ctr -n k8s.io
    /// images import` does on a node without a registry.
    pub fn import_image(&self, archive: &Path) {
        run_ok(
            self.ctr()
                .args(["-n", "k8s.io", "images", "import"])
                .arg(archive),
        );
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
        if !config.exists() {
            fs::create_dir_all(dir).unwrap();
            fs::write(config, "{}\n").unwrap();
        }
        Dockerd::start_reading(dir, Some(config), pidfile, env)
    }

    /// A dockerd started as its system service starts it, with no
    /// `--config-file`: it reads the system's /etc/docker/daemon.json, and a
    /// missing one means Docker's defaults (at start and on reload). Its
    /// pid goes to `pidfile`; data, exec root and socket are under `dir`.
    pub fn start_as_service(dir: &Path, pidfile: &Path) -> Dockerd {
        Dockerd::start_reading(dir, None, pidfile, &[])
    }

    fn start_reading(
        dir: &Path,
        config: Option<&Path>,
        pidfile: &Path,
        env: &[(&str, &Path)],
    ) -> Dockerd {
        let bin = require("dockerd");
        require("docker");
        fs::create_dir_all(dir).unwrap();
        let socket = dir.join("d.sock");
        let pidfile = pidfile.to_path_buf();
        let log = dir.join("dockerd.log");
        let logf = fs::File::create(&log).unwrap();
        let mut cmd = Command::new(bin);
        if let Some(config) = config {
            cmd.arg("--config-file").arg(config);
        }
        let child = cmd
            .envs(env.iter().map(|(k, v)| (*k, *v)))
            .arg("--data-root")
            .arg(dir.join("data"))
            .arg("--exec-root")
            .arg(dir.join("exec"))
            .arg("--pidfile")
            .arg(&pidfile)
            .arg("-H")
            .arg(format!("unix://{}", socket.display()))
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
            config: config.map_or_else(|| "/etc/docker/daemon.json".into(), Path::to_path_buf),
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

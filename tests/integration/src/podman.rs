//! Podman isolated under a directory: its own storage (`--root`,
//! `--runroot`, vfs driver), its own containers.conf (`CONTAINERS_CONF`) and
//! storage.conf (`CONTAINERS_STORAGE_CONF`), file locks and events, no
//! network, and an empty hooks directory of its own, so that the only hooks
//! a container gets are those the shim adds. Nothing of the host's Podman
//! is used; the one thing Podman 4.3 writes outside `dir` is the image
//! library's cache of blob digests, `/var/lib/containers/cache`.

use crate::daemons::unmount_below;
use crate::{require, run, run_ok};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Podman {
    pub dir: PathBuf,
    /// The containers.conf that Podman reads (and `runtime configure`
    /// edits).
    pub config: PathBuf,
    storage_config: PathBuf,
}

impl Podman {
    /// Writes the configs under `dir`.
    ///
    /// containers.conf sets what Podman needs on this machine: limits it may
    /// set without CAP_SYS_RESOURCE (`default_ulimits`), cgroupfs (there is
    /// no systemd), events in a file, no network namespace set up by
    /// default; and keeps every path of its own below `dir`.
    pub fn new(dir: &Path) -> Podman {
        require("podman");
        let p = Podman {
            dir: dir.to_path_buf(),
            config: dir.join("containers.conf"),
            storage_config: dir.join("storage.conf"),
        };
        for d in ["hooks.d", "tmp", "network"] {
            fs::create_dir_all(dir.join(d)).unwrap();
        }
        fs::write(
            &p.config,
            format!(
                r#"# Podman of the integration tests.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = {events:?}
hooks_dir = [{hooks:?}]
lock_type = "file"
tmp_dir = {tmp:?}

[network]
network_config_dir = {network:?}
"#,
                events = dir.join("events.log"),
                hooks = dir.join("hooks.d"),
                tmp = dir.join("tmp"),
                network = dir.join("network"),
            ),
        )
        .unwrap();
        fs::write(
            &p.storage_config,
            format!(
                "[storage]\ndriver = \"vfs\"\ngraphroot = {:?}\nrunroot = {:?}\n",
                dir.join("root"),
                dir.join("runroot"),
            ),
        )
        .unwrap();
        p
    }

    /// A `podman` command on this instance.
    pub fn podman(&self) -> Command {
        let mut c = Command::new(require("podman"));
        c.env("CONTAINERS_CONF", &self.config)
            .env("CONTAINERS_STORAGE_CONF", &self.storage_config)
            .arg("--root")
            .arg(self.dir.join("root"))
            .arg("--runroot")
            .arg(self.dir.join("runroot"))
            .args(["--storage-driver", "vfs"]);
        c
    }

    /// Loads an image archive (see [`crate::images`]).
    pub fn load(&self, archive: &Path) {
        run_ok(self.podman().arg("load").arg("--input").arg(archive));
    }

    /// `podman run --rm` of `image` with extra flags and the command
    /// `args`.
    pub fn run(&self, flags: &[&str], image: &str, args: &[&str]) -> Output {
        run(self
            .podman()
            .args(["run", "--rm"])
            .args(flags)
            .arg(image)
            .args(args))
    }
}

impl Drop for Podman {
    fn drop(&mut self) {
        let _ = run(self.podman().args(["rm", "--all", "--force"]));
        unmount_below(&self.dir);
    }
}

//! Harness for the integration tests: real programs, never mocks.
//!
//! - [`require`]: a program the suite needs; missing is a failure.
//! - [`bin`]: the toolkit's binaries from this build.
//! - [`busybox_rootfs`] and [`Bundle`]: OCI bundles made with `runc spec`.
//! - [`Toolkit`]: a config.toml, hooks.json and hooks.d of a test's own.
//! - [`recorder_hook`]: a hook that records its stage and the state JSON.
//! - [`daemons`]: isolated containerd and dockerd instances.
//! - [`cri`]: a CRI client, to drive containerd as kubelet does.
//! - [`images`]: the pause and busybox images, built offline.
//! - [`podman`]: Podman with a private root and containers.conf.
//! - [`debian`]: a minimal Debian 12 root filesystem, made once.
//! - [`tap`]: bats' TAP reports, read and compared.

pub mod cri;
pub mod daemons;
pub mod debian;
pub mod images;
pub mod packages;
pub mod podman;
pub mod tap;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The path of a program the suite needs. A missing program fails the
/// test: `.ci/run` installs every one of them.
pub fn require(program: &str) -> PathBuf {
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
    {
        let p = dir.join(program);
        if p.is_file() {
            return p;
        }
    }
    panic!(
        "required program `{program}` is not installed; run the README's test command, which installs it"
    );
}

pub use test_support::{
    assert_same_tree, bin, ctk, fixture, fixtures, poll_until, repo_root, tree, wait_until, Tree,
};

/// The build's target directory (`target/`), for what tests cache.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test>
    exe.ancestors()
        .nth(3)
        .expect("target directory")
        .to_path_buf()
}

/// Runs a command, returning its output; panics if it cannot start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Runs a command that must succeed; returns its stdout.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed with {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Fills `dir` with a one-file root filesystem: the static busybox from
/// Debian's busybox-static and a symlink per applet.
pub fn busybox_rootfs(dir: &Path) {
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("busybox is not installed (apt-get install busybox-static)"));
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).unwrap();
    for d in ["proc", "sys", "dev", "tmp", "etc", "root"] {
        fs::create_dir_all(dir.join(d)).unwrap();
    }
    fs::copy(&busybox, bin.join("busybox")).unwrap();
    fs::set_permissions(bin.join("busybox"), fs::Permissions::from_mode(0o755)).unwrap();
    let list = run_ok(Command::new(&busybox).arg("--list"));
    for applet in list.lines().filter(|a| !a.is_empty() && *a != "busybox") {
        let _ = std::os::unix::fs::symlink("busybox", bin.join(applet));
    }
    fs::write(dir.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
    fs::write(dir.join("etc/group"), "root:x:0:\n").unwrap();
}

/// An OCI bundle made by `runc spec`, with a busybox root filesystem.
pub struct Bundle {
    pub dir: PathBuf,
}

impl Bundle {
    /// Makes `parent/name` with `config.json` running `args`, no terminal.
    pub fn new(parent: &Path, name: &str, args: &[&str]) -> Bundle {
        let dir = parent.join(name);
        fs::create_dir_all(&dir).unwrap();
        busybox_rootfs(&dir.join("rootfs"));
        run_ok(
            Command::new(require("runc"))
                .args(["spec", "--bundle"])
                .arg(&dir),
        );
        let b = Bundle { dir };
        b.edit(|spec| {
            spec["process"]["terminal"] = false.into();
            spec["process"]["args"] = args.iter().map(|a| serde_json::Value::from(*a)).collect();
        });
        b
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.join("config.json")
    }

    pub fn config(&self) -> serde_json::Value {
        serde_json::from_slice(&fs::read(self.config_path()).unwrap()).unwrap()
    }

    pub fn config_bytes(&self) -> Vec<u8> {
        fs::read(self.config_path()).unwrap()
    }

    /// Changes config.json in place (pretty-printed, as runc spec writes).
    pub fn edit(&self, f: impl FnOnce(&mut serde_json::Value)) {
        let mut spec = self.config();
        f(&mut spec);
        fs::write(
            self.config_path(),
            serde_json::to_vec_pretty(&spec).unwrap(),
        )
        .unwrap();
    }
}

/// A config.toml, hooks.json and hooks.d of the test's own, in `dir`.
pub struct Toolkit {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub hooks_json: PathBuf,
    pub hooks_d: PathBuf,
    pub log: PathBuf,
}

impl Toolkit {
    /// Writes a config.toml that reads `dir/hooks.json` and `dir/hooks.d`,
    /// logs at debug to `dir/runtime.log` and uses `runtimes`.
    pub fn new(dir: &Path, runtimes: &[&str]) -> Toolkit {
        Toolkit::with_extra(dir, runtimes, "")
    }

    /// As [`Toolkit::new`], with extra lines in `[container-hooks]`.
    pub fn with_extra(dir: &Path, runtimes: &[&str], hooks_extra: &str) -> Toolkit {
        fs::create_dir_all(dir).unwrap();
        let t = Toolkit {
            dir: dir.to_path_buf(),
            config: dir.join("config.toml"),
            hooks_json: dir.join("hooks.json"),
            hooks_d: dir.join("hooks.d"),
            log: dir.join("runtime.log"),
        };
        fs::create_dir_all(&t.hooks_d).unwrap();
        let runtimes: Vec<String> = runtimes.iter().map(|r| format!("{r:?}")).collect();
        write_mode(
            &t.config,
            &format!(
                "[container-hooks]\npath = {:?}\nhooks-dirs = [{:?}]\n{hooks_extra}\n\n[container-hooks-runtime]\ndebug = {:?}\nlog-level = \"debug\"\nruntimes = [{}]\n",
                t.hooks_json,
                t.hooks_d,
                t.log,
                runtimes.join(", ")
            ),
            0o644,
        );
        t
    }

    /// Writes hooks.json (mode 0644).
    pub fn write_hooks_json(&self, value: &serde_json::Value) {
        write_mode(
            &self.hooks_json,
            &serde_json::to_string_pretty(value).unwrap(),
            0o644,
        );
    }

    /// Writes the recorder hook `dir/recorder.sh` (see [`recorder_hook`]),
    /// recording to `dir/record.txt`, and a hooks.json that runs it at
    /// prestart in every container with the label `hooks.json`; returns the
    /// record file, for [`recorded_for`].
    pub fn record_every_container(&self) -> PathBuf {
        let record = self.dir.join("record.txt");
        recorder_hook(&self.recorder(), &record);
        self.write_hooks_json(&serde_json::json!({
            "prestart": [{"path": self.recorder(), "args": ["recorder", "hooks.json"]}]
        }));
        record
    }

    /// Writes `hooks.d/NAME`, an oci-hooks(5) file that runs the recorder
    /// at prestart with the label `hooks.d` when an annotation's key matches
    /// the regex `key` and its value the regex `value`.
    pub fn record_on_annotation(&self, name: &str, key: &str, value: &str) {
        self.record_on_annotation_as(name, "hooks.d", key, value);
    }

    /// As [`Toolkit::record_on_annotation`], with the label `label`.
    pub fn record_on_annotation_as(&self, name: &str, label: &str, key: &str, value: &str) {
        write_mode(
            &self.hooks_d.join(name),
            &serde_json::json!({
                "version": "1.0.0",
                "hook": {"path": self.recorder(), "args": ["recorder", label], "timeout": 10},
                "when": {"annotations": {key: value}},
                "stages": ["prestart"],
            })
            .to_string(),
            0o644,
        );
    }

    fn recorder(&self) -> PathBuf {
        self.dir.join("recorder.sh")
    }

    /// Adds `line` (`key = value`) to the `[container-hooks]` table of
    /// config.toml.
    pub fn add_hooks_setting(&self, line: &str) {
        let text = fs::read_to_string(&self.config).unwrap();
        write_mode(
            &self.config,
            &text.replace(
                "[container-hooks]\n",
                &format!("[container-hooks]\n{line}\n"),
            ),
            0o644,
        );
    }

    /// Writes `dir/container-hooks-runtime-wrapper`, a script that runs the
    /// shim with this toolkit's config, and returns its path: the runtime
    /// path to give an engine that starts the runtime with an environment
    /// of its own making (Podman's conmon, `ctr run --runc-binary`).
    pub fn shim_wrapper(&self) -> PathBuf {
        let wrapper = self.dir.join("container-hooks-runtime-wrapper");
        write_mode(
            &wrapper,
            &format!(
                "#!/bin/sh\nCONTAINER_HOOKS_CONFIG={} exec {} \"$@\"\n",
                shell_quote(&self.config.display().to_string()),
                shell_quote(&bin("container-hooks-runtime").display().to_string())
            ),
            0o755,
        );
        wrapper
    }

    /// A command for the shim with this toolkit's config in its environment.
    pub fn shim(&self) -> Command {
        let mut c = Command::new(bin("container-hooks-runtime"));
        c.env("CONTAINER_HOOKS_CONFIG", &self.config);
        c
    }
}

/// Writes a file and sets its mode.
pub fn write_mode(path: &Path, contents: &str, mode: u32) {
    fs::write(path, contents).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// Writes an executable hook at `path` that appends one line per call to
/// `record`: its first argument (the stage name, passed in `args`) and the
/// state JSON it read on stdin, as `<stage> <json>`.
pub fn recorder_hook(path: &Path, record: &Path) {
    write_mode(
        path,
        &format!(
            "#!/bin/sh\nstate=$(cat)\nprintf '%s %s\\n' \"$1\" \"$state\" >> {}\n",
            shell_quote(&record.display().to_string())
        ),
        0o755,
    );
}

/// The lines of a recorder file as (stage, state JSON).
pub fn read_record(record: &Path) -> Vec<(String, serde_json::Value)> {
    let text = fs::read_to_string(record).unwrap_or_default();
    text.lines()
        .map(|l| {
            let (stage, json) = l.split_once(' ').unwrap_or((l, "null"));
            (
                stage.to_string(),
                serde_json::from_str(json)
                    .unwrap_or_else(|e| panic!("state of {stage}: {e}: {json}")),
            )
        })
        .collect()
}

/// The first arguments of the recorder hooks that ran for the container
/// `id` (the `id` of the state they read), in the order they ran.
pub fn recorded_for(record: &Path, id: &str) -> Vec<String> {
    read_record(record)
        .into_iter()
        .filter(|(_, state)| state["id"] == id)
        .map(|(label, _)| label)
        .collect()
}

/// runc's stderr with the times of its log lines (`time="..."`) masked,
/// for comparing two runs.
pub fn mask_log_times(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let mut out = String::new();
    let mut rest = &*text;
    while let Some(i) = rest.find("time=\"") {
        out.push_str(&rest[..i + 6]);
        rest = &rest[i + 6..];
        match rest.find('"') {
            Some(j) => {
                out.push_str("TIME");
                rest = &rest[j..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

/// Single-quotes a string for /bin/sh.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A unique, short name for containers of one test run.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

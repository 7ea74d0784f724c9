//! The container-hooks-ctk command line as an operator uses it: exit codes,
//! one-line errors naming file and field, files left untouched on bad
//! input, no-ops that write nothing.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use test_support::{ctk, fixture};

fn run(args: &[&str], dir: &Path) -> Output {
    ctk()
        .args(args)
        .arg("--state-dir")
        .arg(dir.join("state"))
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `ctk runtime VERB --runtime ENGINE --config FILE EXTRA...`, with the
/// state beside the file.
fn runtime(verb: &str, engine: &str, file: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["runtime", verb, "--runtime", engine, "--config"];
    args.push(file.to_str().unwrap());
    args.extend_from_slice(extra);
    run(&args, file.parent().unwrap())
}

/// Configure fails with exit 1, one error line naming the file and
/// `needle`, and the file is byte-for-byte and mtime unchanged.
fn assert_refused(engine: &str, file: &Path, extra: &[&str], needles: &[&str]) {
    let before = fs::read(file).ok();
    let mtime = fs::metadata(file).ok().and_then(|m| m.modified().ok());
    let o = runtime("configure", engine, file, extra);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{engine} {extra:?}: {err}");
    let line = err
        .lines()
        .find(|l| l.starts_with("container-hooks-ctk: error: "))
        .unwrap_or_else(|| panic!("no error line in {err:?}"));
    assert!(line.contains(&file.display().to_string()), "{line}");
    for n in needles {
        assert!(line.contains(n), "{line:?} lacks {n:?}");
    }
    assert_eq!(fs::read(file).ok(), before, "{} changed", file.display());
    assert_eq!(
        fs::metadata(file).ok().and_then(|m| m.modified().ok()),
        mtime
    );
}

#[test]
fn bad_daemon_json_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[u8], &[&str])] = &[
        (
            "truncated.json",
            &fs::read(fixture("engines/docker/daemon-truncated.json")).unwrap(),
            &["truncated JSON", "line 4"],
        ),
        (
            "not-json.json",
            b"runtimes: yes\n",
            &["invalid JSON", "line 1"],
        ),
        (
            "array.json",
            b"[1, 2]\n",
            &["top level is a JSON array, not an object"],
        ),
        (
            "runtimes.json",
            b"{\"runtimes\": [\"runc\"]}\n",
            &["field \"runtimes\" is a array, not an object"],
        ),
        (
            "default.json",
            b"{\"default-runtime\": 1}\n",
            &["field \"default-runtime\" is a number, not a string"],
        ),
    ];
    for (name, bytes, needles) in cases {
        let f = dir.path().join(name);
        fs::write(&f, bytes).unwrap();
        assert_refused("docker", &f, &["--set-as-default"], needles);
    }
    assert!(
        !dir.path().join("state/runtimes.json").exists(),
        "a failed configure recorded state"
    );
}

#[test]
fn empty_daemon_json_is_an_empty_object_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("daemon.json");
    fs::copy(fixture("engines/docker/daemon-zero-bytes.json"), &f).unwrap();
    let o = runtime("configure", "docker", &f, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("note:") && stderr(&o).contains("empty"),
        "{}",
        stderr(&o)
    );
    let v: serde_json::Value = serde_json::from_slice(&fs::read(&f).unwrap()).unwrap();
    assert_eq!(
        v["runtimes"]["container-hooks"]["path"],
        "/usr/bin/container-hooks-runtime"
    );
}

#[test]
fn toml_syntax_errors_name_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("config.toml");
    fs::write(&f, "version = 2\n[plugins\n").unwrap();
    assert_refused(
        "containerd",
        &f,
        &[],
        &["TOML syntax error at line 2, column"],
    );
    let f = dir.path().join("containers.conf");
    fs::write(&f, "[engine]\nruntime = \"crun\n").unwrap();
    assert_refused("podman", &f, &[], &["line 2, column"]);
    let f = dir.path().join("v4.toml");
    fs::write(&f, "version = 4\n").unwrap();
    assert_refused("containerd", &f, &[], &["version = 4"]);
}

#[test]
fn config_path_that_is_a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("daemon.json");
    fs::create_dir(&d).unwrap();
    let o = runtime("configure", "docker", &d, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("daemon.json: is a directory"),
        "{}",
        stderr(&o)
    );
    assert!(d.is_dir() && fs::read_dir(&d).unwrap().next().is_none());
}

/// chattr -i on drop, so a failed test leaves no immutable file behind.
struct Immutable(PathBuf);
impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[test]
fn read_only_file_is_refused_and_left_untouched() {
    // Root ignores mode bits: make the file immutable instead.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("daemon.json");
    fs::copy(fixture("engines/docker/daemon-seed-example.json"), &f).unwrap();
    let st = Command::new("chattr")
        .arg("+i")
        .arg(&f)
        .status()
        .expect("chattr (e2fsprogs) is needed");
    assert!(st.success(), "chattr +i failed");
    let _guard = Immutable(f.clone());
    assert_refused("docker", &f, &[], &["operation not permitted"]);
}

#[test]
fn read_only_mount_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let etc = dir.path().join("etc");
    fs::create_dir(&etc).unwrap();
    let f = etc.join("containers.conf");
    fs::copy(fixture("engines/podman/containers.conf"), &f).unwrap();
    let mount = |args: &[&str]| {
        Command::new("mount")
            .args(args)
            .arg(&etc)
            .arg(&etc)
            .status()
            .unwrap()
    };
    assert!(mount(&["--bind"]).success());
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _guard = Unmount(etc.clone());
    // The state directory (and so the lock) is on the mount too.
    fs::create_dir(etc.join("state")).unwrap();
    assert!(Command::new("mount")
        .args(["-o", "remount,ro,bind"])
        .arg(&etc)
        .status()
        .unwrap()
        .success());
    assert_refused("podman", &f, &[], &["read-only file system"]);
}

#[test]
fn name_clash_is_refused_unless_forced_and_remove_puts_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("daemon.json");
    fs::copy(fixture("engines/docker/daemon-with-runtimes.json"), &f).unwrap();
    assert_refused(
        "docker",
        &f,
        &["--name", "nvidia"],
        &["runtimes.nvidia already exists", "--force"],
    );
    let o = runtime("configure", "docker", &f, &["--name", "nvidia", "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&fs::read(&f).unwrap()).unwrap();
    assert_eq!(
        v["runtimes"]["nvidia"]["path"],
        "/usr/bin/container-hooks-runtime"
    );
    let o = runtime("remove", "docker", &f, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        fs::read(&f).unwrap(),
        fs::read(fixture("engines/docker/daemon-with-runtimes.json")).unwrap()
    );
}

#[test]
fn configure_twice_writes_nothing_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("config.toml");
    fs::copy(
        fixture("engines/containerd/v2-containerd-1.6-default.toml"),
        &f,
    )
    .unwrap();
    fs::set_permissions(&f, fs::Permissions::from_mode(0o600)).unwrap();
    let configure = |extra: &[&str]| {
        let mut args = vec!["--set-as-default", "--path", "/bin/true"];
        args.extend_from_slice(extra);
        runtime("configure", "containerd", &f, &args)
    };
    assert!(configure(&[]).status.success());
    assert_eq!(
        fs::metadata(&f).unwrap().permissions().mode() & 0o7777,
        0o600,
        "mode not kept"
    );
    let mtime = fs::metadata(&f).unwrap().modified().unwrap();
    let text = fs::read(&f).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let o = configure(&[]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("already configured"), "{}", stderr(&o));
    assert_eq!(fs::metadata(&f).unwrap().modified().unwrap(), mtime);
    assert_eq!(fs::read(&f).unwrap(), text);
    // --quiet prints nothing on success.
    let o = configure(&["--quiet"]);
    assert!(o.status.success() && o.stderr.is_empty(), "{}", stderr(&o));
}

#[test]
fn no_engine_file_is_created_when_not_needed() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("daemon.json");
    let o = runtime("remove", "docker", &f, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing to remove"), "{}", stderr(&o));
    assert!(!f.exists());
    let o = runtime("configure", "docker", &f, &["--dry-run"]);
    assert!(o.status.success());
    assert!(
        stdout(&o).contains("+++ ") && stdout(&o).contains("container-hooks"),
        "{}",
        stdout(&o)
    );
    assert!(!f.exists(), "--dry-run wrote the file");
    assert!(
        !dir.path().join("state/runtimes.json").exists(),
        "--dry-run wrote state"
    );
}

#[test]
fn dry_run_prints_a_diff_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("containers.conf");
    fs::copy(fixture("engines/podman/containers.conf"), &f).unwrap();
    let o = runtime(
        "configure",
        "podman",
        &f,
        &["--set-as-default", "--dry-run"],
    );
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(
        out.contains("+container-hooks = [\"/usr/bin/container-hooks-runtime\"]"),
        "{out}"
    );
    assert!(out.contains("+runtime = \"container-hooks\""), "{out}");
    assert_eq!(
        fs::read(&f).unwrap(),
        fs::read(fixture("engines/podman/containers.conf")).unwrap()
    );
}

#[test]
fn usage_errors_exit_2_and_every_command_has_an_example() {
    let o = ctk()
        .args(["runtime", "configure", "--runtime", "lxc"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = ctk().args(["runtime", "configure"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    for cmd in [
        &["runtime"][..],
        &["runtime", "configure"],
        &["runtime", "remove"],
        &["runtime", "unconfigure"],
        &["runtime", "status"],
        &["config"],
        &["config", "default"],
        &["install"],
    ] {
        let o = ctk().args(cmd).arg("--help").output().unwrap();
        assert!(o.status.success(), "{cmd:?}");
        assert!(
            stdout(&o).contains("Example"),
            "{cmd:?} --help has no example"
        );
    }
}

#[test]
fn config_default_and_set() {
    let dir = tempfile::tempdir().unwrap();
    let o = ctk().args(["config", "default"]).output().unwrap();
    assert!(o.status.success());
    assert_eq!(stdout(&o), container_hooks_core::config::DEFAULT_TOML);

    let f = dir.path().join("etc/config.toml");
    let o = ctk()
        .env("CONTAINER_HOOKS_CONFIG", &f)
        .args([
            "config",
            "--set",
            "container-hooks-runtime.runtimes=crun,runc",
            "--set",
            "container-hooks.strict=false",
            "--in-place",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = fs::read_to_string(&f).unwrap();
    assert!(text.contains("runtimes = [\"crun\", \"runc\"]"), "{text}");
    assert!(text.contains("strict = false"));
    assert!(text.contains("# The real OCI runtimes"), "comments lost");
    let c = container_hooks_core::config::Config::parse(&text).unwrap();
    assert_eq!(c.runtime.runtimes, vec!["crun", "runc"]);

    // Unknown key: named, exit 1, file untouched.
    let o = ctk()
        .args([
            "config",
            "--config",
            f.to_str().unwrap(),
            "--set",
            "container-hooks-runtime.runtime=runc",
            "--in-place",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("\"container-hooks-runtime.runtime\""),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read_to_string(&f).unwrap(), text);

    // -o FILE, and stdout without either.
    let out = dir.path().join("out.toml");
    let o = ctk()
        .args([
            "config",
            "--config",
            f.to_str().unwrap(),
            "--set",
            "container-hooks-runtime.log-level=debug",
            "-o",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(fs::read_to_string(&out)
        .unwrap()
        .contains("log-level = \"debug\""));
    let o = ctk()
        .args([
            "config",
            "--config",
            f.to_str().unwrap(),
            "--set",
            "container-hooks.path=/opt/hooks.json",
        ])
        .output()
        .unwrap();
    assert!(stdout(&o).contains("path = \"/opt/hooks.json\""));
    assert_eq!(fs::read_to_string(&f).unwrap(), text);
}

#[test]
fn install_copies_atomically_and_refuses_self_copy() {
    let dir = tempfile::tempdir().unwrap();
    let install = |from: &Path, to: &Path| {
        ctk()
            .env("CONTAINER_HOOKS_STATE_DIR", dir.path().join("state"))
            .arg("install")
            .arg("--toolkit-root")
            .arg(from)
            .arg("--dest")
            .arg(to)
            .output()
            .unwrap()
    };
    let root = dir.path().join("root");
    let dest = dir.path().join("bin");
    fs::create_dir_all(&root).unwrap();
    fs::create_dir_all(&dest).unwrap();
    for name in [
        "container-hooks-runtime",
        "container-hooks-ctk",
        "container-hooks",
    ] {
        fs::copy("/bin/sleep", root.join(name)).unwrap();
        fs::set_permissions(root.join(name), fs::Permissions::from_mode(0o700)).unwrap();
    }
    // The old shim is running while it is replaced: no "text file busy".
    fs::copy("/bin/sleep", dest.join("container-hooks-runtime")).unwrap();
    fs::set_permissions(
        dest.join("container-hooks-runtime"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let mut running = Command::new(dest.join("container-hooks-runtime"))
        .arg("30")
        .spawn()
        .unwrap();
    let o = install(&root, &dest);
    let _ = running.kill();
    let _ = running.wait();
    assert!(o.status.success(), "{}", stderr(&o));
    for name in [
        "container-hooks-runtime",
        "container-hooks-ctk",
        "container-hooks",
    ] {
        let m = fs::metadata(dest.join(name)).unwrap();
        assert_eq!(m.permissions().mode() & 0o7777, 0o755, "{name}");
        assert_eq!(
            fs::read(dest.join(name)).unwrap(),
            fs::read("/bin/sleep").unwrap()
        );
    }
    let leftovers: Vec<_> = fs::read_dir(&dest)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty());
    // Onto itself.
    let o = install(&dest, &dest);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("refusing to copy a file onto itself"),
        "{}",
        stderr(&o)
    );
    // A missing binary: nothing installed.
    fs::remove_file(root.join("container-hooks")).unwrap();
    let dest2 = dir.path().join("bin2");
    fs::create_dir_all(&dest2).unwrap();
    let o = install(&root, &dest2);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("container-hooks: no such file"),
        "{}",
        stderr(&o)
    );
    assert!(fs::read_dir(&dest2).unwrap().next().is_none());
}

#[test]
fn state_dir_comes_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("daemon.json");
    let state = dir.path().join("env-state");
    let o = ctk()
        .env("CONTAINER_HOOKS_STATE_DIR", &state)
        .args([
            "runtime",
            "configure",
            "--runtime",
            "docker",
            "--set-as-default",
            "--config",
            f.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let recorded: serde_json::Value =
        serde_json::from_slice(&fs::read(state.join("runtimes.json")).unwrap()).unwrap();
    assert_eq!(recorded["records"][0]["engine"], "docker");
    assert_eq!(recorded["records"][0]["config"], f.to_str().unwrap());
    // remove finds the record (and so the file) without --config, and
    // deletes the file it created: dockerd (its pid file names no
    // process) finds no file when it starts, and uses runc.
    let o = ctk()
        .env("CONTAINER_HOOKS_STATE_DIR", &state)
        .args(["runtime", "remove", "--runtime", "docker", "--pid-file"])
        .arg(dir.path().join("docker.pid"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!f.exists(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "deleted {}: configure created it, and dockerd no longer needs it",
            f.display()
        )),
        "{}",
        stderr(&o)
    );
}

/// A root filesystem for `--root`: engines' programs in its PATH and
/// their files, as on a machine.
struct Root {
    dir: tempfile::TempDir,
}

impl Root {
    /// A root where the package installed the shim.
    fn new() -> Root {
        let root = Root {
            dir: tempfile::tempdir().unwrap(),
        };
        root.program("usr/bin/container-hooks-runtime");
        root
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// An installed program (an empty executable file).
    fn program(&self, rel: &str) {
        self.file(rel, b"");
        fs::set_permissions(self.path(rel), fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn file(&self, rel: &str, bytes: &[u8]) {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, bytes).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
    }

    fn read(&self, rel: &str) -> Option<Vec<u8>> {
        fs::read(self.path(rel)).ok()
    }

    /// `ctk ARGS --root ROOT`; the state is the root's.
    fn ctk(&self, args: &[&str]) -> Output {
        ctk()
            .args(args)
            .arg("--root")
            .arg(self.dir.path())
            .output()
            .unwrap()
    }

    fn records(&self) -> Vec<serde_json::Value> {
        let text = self
            .read("var/lib/container-hooks/runtimes.json")
            .unwrap_or_else(|| b"{}".to_vec());
        let v: serde_json::Value = serde_json::from_slice(&text).unwrap();
        v["records"].as_array().cloned().unwrap_or_default()
    }
}

const DAEMON_JSON: &str = "etc/docker/daemon.json";
const CONTAINERD_TOML: &str = "etc/containerd/config.toml";
const CONTAINERS_CONF: &str = "etc/containers/containers.conf";

/// What the packages run: every engine whose program is installed is
/// wired, with the restart mode of config.toml (dockerd, not running, reads
/// the file when it starts); an engine with only a config file is left
/// alone; remove --all gives every file back.
#[test]
fn configure_detected_wires_every_installed_engine_and_remove_all_restores_them() {
    let root = Root::new();
    for p in ["usr/sbin/dockerd", "usr/bin/containerd", "usr/bin/podman"] {
        root.program(p);
    }
    let daemon = fs::read(fixture("engines/docker/daemon-with-runtimes.json")).unwrap();
    let containerd = fs::read(fixture("engines/containerd/v2-debian-package.toml")).unwrap();
    root.file(DAEMON_JSON, &daemon);
    root.file(CONTAINERD_TOML, &containerd);
    // CRI-O's config, but no crio: not installed.
    root.file(
        "etc/crio/crio.conf",
        &fs::read(fixture("engines/crio/crio.conf")).unwrap(),
    );
    root.file(
        "etc/container-hooks/config.toml",
        b"[container-hooks-ctk]\nrestart-mode = \"signal\"\n",
    );
    let o = root.ctk(&["runtime", "configure", "--detected", "--set-as-default"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    for line in [
        format!("configured docker: wrote {}", root.path(DAEMON_JSON).display()),
        "dockerd is not running; it reads the change when it starts".to_string(),
        format!("configured containerd: wrote {}", root.path(CONTAINERD_TOML).display()),
        "containerd does not reload its config on SIGHUP; restart it to apply the change: systemctl restart containerd".to_string(),
        format!("configured podman: wrote {}", root.path(CONTAINERS_CONF).display()),
        "podman reads its config on every command: nothing to restart".to_string(),
    ] {
        assert!(err.contains(&line), "{line:?} not in:\n{err}");
    }
    assert!(!err.contains("warning"), "{err}");
    assert!(
        !root.path("etc/crio/crio.conf.d").exists(),
        "CRI-O was wired"
    );
    let v: serde_json::Value = serde_json::from_slice(&root.read(DAEMON_JSON).unwrap()).unwrap();
    assert_eq!(v["default-runtime"], "container-hooks");
    let conf = String::from_utf8(root.read(CONTAINERS_CONF).unwrap()).unwrap();
    assert!(conf.contains("runtime = \"container-hooks\""), "{conf}");
    // Files name the system's own paths, not the root's.
    let text = String::from_utf8(root.read(CONTAINERD_TOML).unwrap()).unwrap();
    assert!(
        text.contains("BinaryName = \"/usr/bin/container-hooks-runtime\""),
        "{text}"
    );
    assert_eq!(root.records().len(), 3);

    // Again: nothing to do. A file configure wrote does not make an engine
    // installed: podman's program goes, its file stays, it is not touched.
    fs::remove_file(root.path("usr/bin/podman")).unwrap();
    let before = root.read(CONTAINERS_CONF);
    let o = root.ctk(&["runtime", "configure", "--detected", "--set-as-default"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("wrote"), "{}", stderr(&o));
    assert_eq!(root.read(CONTAINERS_CONF), before);

    // remove --all: every record, installed or not.
    let o = root.ctk(&["runtime", "remove", "--all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        root.read(DAEMON_JSON).unwrap(),
        daemon,
        "nvidia is the default again"
    );
    assert_eq!(root.read(CONTAINERD_TOML).unwrap(), containerd);
    assert_eq!(root.read(CONTAINERS_CONF), None, "configure created it");
    assert!(
        !root.path("etc/containers").exists(),
        "configure created it: {}",
        stderr(&o)
    );
    assert!(root.records().is_empty(), "{:?}", root.records());
}

/// Docker on a root with no /etc/docker: configure --set-as-default
/// creates the directory and daemon.json; remove deletes daemon.json once
/// no running dockerd needs it, then the directory, and says so: /etc is
/// left as it was (the state, in the root's /var/lib, keeps that the
/// operator took the shim out of Docker).
#[test]
fn docker_on_a_root_without_its_directory_leaves_none_after_remove() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let etc = root.join("etc");
    fs::create_dir_all(&etc).unwrap();
    let before = test_support::tree(&etc);
    let ctk_docker = |verb: &str, extra: &[&str]| {
        let o = ctk()
            .args(["runtime", verb, "--runtime", "docker", "--root"])
            .arg(&root)
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{verb}: {}", stderr(&o));
        stderr(&o)
    };
    let etc_docker = root.join("etc/docker");
    let said = ctk_docker("configure", &["--set-as-default"]);
    assert!(
        said.contains(&format!(
            "configured docker: created directory {}",
            etc_docker.display()
        )),
        "{said}"
    );
    assert!(etc_docker.join("daemon.json").is_file(), "{said}");
    let said = ctk_docker("remove", &[]);
    for line in [
        format!(
            "deleted {}: configure created it, and dockerd no longer needs it",
            etc_docker.join("daemon.json").display()
        ),
        format!(
            "removed the shim from docker: deleted directory {}",
            etc_docker.display()
        ),
    ] {
        assert!(said.contains(&line), "{line:?} not in:\n{said}");
    }
    test_support::assert_same_tree(&test_support::tree(&etc), &before, &said);
}

/// An engine whose config cannot be edited is a warning naming the file
/// and what to run once it is fixed; the other engines are wired and the
/// command succeeds.
#[test]
fn an_engine_that_cannot_be_edited_is_a_warning_not_a_failure() {
    let root = Root::new();
    let o = root.ctk(&["runtime", "configure", "--detected"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no container engine found"),
        "{}",
        stderr(&o)
    );
    root.program("usr/sbin/dockerd");
    root.program("usr/bin/containerd");
    root.file(DAEMON_JSON, b"{ \"log-level\": \"warn\",\n");
    root.file(
        CONTAINERD_TOML,
        &fs::read(fixture("engines/containerd/v2-debian-package.toml")).unwrap(),
    );
    let o = root.ctk(&["runtime", "configure", "--detected", "--set-as-default"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    // Named as the system knows the file.
    let warning = "container-hooks-ctk: warning: docker: /etc/docker/daemon.json: truncated JSON";
    assert!(err.contains(warning), "{err}");
    assert!(
        err.contains("fix it, then run: container-hooks-ctk runtime configure --runtime docker --set-as-default"),
        "{err}"
    );
    assert_eq!(
        root.read(DAEMON_JSON).unwrap(),
        b"{ \"log-level\": \"warn\",\n"
    );
    assert!(err.contains("configured containerd"), "{err}");
    assert_eq!(root.records().len(), 1);
    let o = root.ctk(&["runtime", "remove", "--all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning: docker"), "{}", stderr(&o));
    assert!(root.records().is_empty());
}

/// A host upgraded from release 0.1.0 keeps the runtimes.json that
/// release wrote (free-text `added` entries): remove reads it and gives
/// every engine file back as it was before configure.
#[test]
fn state_written_by_release_0_1_0_is_removed_exactly() {
    let root = Root::new();
    let upgrade = fixture("upgrade-0.1.0");
    let copy = Command::new("cp")
        .arg("-a")
        .arg(upgrade.join("."))
        .arg(root.dir.path())
        .status()
        .unwrap();
    assert!(copy.success());
    assert_eq!(root.records().len(), 8);
    let o = root.ctk(&["runtime", "remove", "--all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    let engines = |rel: &str| fs::read(fixture(&format!("engines/{rel}"))).ok();
    for (file, original) in [
        (DAEMON_JSON, engines("docker/daemon-with-runtimes.json")),
        (
            "etc/docker/forced.json",
            engines("docker/daemon-with-runtimes.json"),
        ),
        // Created by configure, and dockerd is not running: deleted.
        ("etc/docker/new.json", None),
        (
            CONTAINERD_TOML,
            engines("containerd/v2-debian-package.toml"),
        ),
        ("etc/containerd/conf.d/99-container-hooks.toml", None),
        (
            "etc/containerd/other.toml",
            Some(b"version = 2\nimports = [\"/etc/containerd/extra/*.toml\"]\n".to_vec()),
        ),
        ("etc/containerd/other.d/99-container-hooks.toml", None),
        ("etc/containerd/new.toml", None),
        (CONTAINERS_CONF, engines("podman/containers.conf")),
        ("etc/crio/crio.conf.d/99-container-hooks.conf", None),
    ] {
        assert_eq!(
            root.read(file).map(String::from_utf8),
            original.map(String::from_utf8),
            "{file}"
        );
    }
    assert!(root.records().is_empty());
}

/// A command that edits engines or binaries while another holds the
/// state directory's lock (here flock(1), as a second container-hooks-ctk
/// would) waits, says so, and goes on once the lock is free.
#[test]
fn a_second_command_waits_for_the_lock_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    fs::create_dir(&state).unwrap();
    let f = dir.path().join("daemon.json");
    let bins = dir.path().join("bins");
    fs::create_dir(&bins).unwrap();
    for name in [
        "container-hooks-runtime",
        "container-hooks-ctk",
        "container-hooks",
    ] {
        fs::copy("/bin/true", bins.join(name)).unwrap();
    }
    let dest = dir.path().join("dest");
    fs::create_dir(&dest).unwrap();
    let install = [
        "install",
        "--toolkit-root",
        bins.to_str().unwrap(),
        "--dest",
        dest.to_str().unwrap(),
        "--state-dir",
        state.to_str().unwrap(),
    ];
    let configure = [
        "runtime",
        "configure",
        "--runtime",
        "docker",
        "--config",
        f.to_str().unwrap(),
        "--state-dir",
        state.to_str().unwrap(),
    ];
    for args in [&configure[..], &install[..]] {
        let mut holder = Command::new("flock")
            .arg(&state)
            .args(["sleep", "2"])
            .spawn()
            .expect("flock (util-linux)");
        std::thread::sleep(std::time::Duration::from_millis(300));
        let o = ctk().args(args).output().unwrap();
        let _ = holder.wait();
        let err = stderr(&o);
        assert!(o.status.success(), "{args:?}: {err}");
        assert!(
            err.contains(&format!(
                "{}: another container-hooks-ctk holds the lock; waiting for it",
                state.display()
            )),
            "{args:?}: {err}"
        );
    }
    assert!(f.exists() && dest.join("container-hooks-runtime").exists());
}

/// `runtime status` as a script reads it: exit 3 while there is a problem,
/// each printed with the command that fixes it, 0 once there is none.
#[test]
fn status_exits_3_on_each_problem_and_prints_its_fix() {
    let root = Root::new();
    root.program("usr/sbin/dockerd");
    root.program("usr/bin/runc");
    let status = || root.ctk(&["runtime", "status"]);

    // Docker installed, the shim not wired in.
    let o = status();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let text = stdout(&o);
    let fix = format!(
        "container-hooks-ctk runtime configure --runtime docker --set-as-default --root {}",
        root.dir.path().display()
    );
    assert!(
        text.contains(&format!("  - docker is installed, but the shim is not wired into /etc/docker/daemon.json\n    fix: {fix}\n")),
        "{text}"
    );
    // The fix, run as printed, fixes it.
    let args: Vec<&str> = fix.split(' ').skip(1).collect();
    let o = ctk().args(&args).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let o = status();
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).ends_with("problems: none\n"), "{}", stdout(&o));
    let o = root.ctk(&["runtime", "status", "--output", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["engines"].as_array().unwrap().len(), 4);
    assert_eq!(v["engines"][0]["engine"], "docker");
    assert_eq!(v["engines"][0]["wired"], true);
    assert_eq!(v["engines"][0]["default"], true);
    assert_eq!(v["problems"], serde_json::json!([]));

    // A hooks.d file the shim refuses, and no real runtime.
    root.file(
        "etc/container-hooks/hooks.d/10-audit.json",
        b"{\"version\": ",
    );
    fs::remove_file(root.path("usr/bin/runc")).unwrap();
    let o = status();
    assert_eq!(o.status.code(), Some(3));
    let text = stdout(&o);
    let bad = root.path("etc/container-hooks/hooks.d/10-audit.json");
    assert!(
        text.contains(&format!(
            "    fix: correct or remove {0}; every fault of it: container-hooks-ctk hooks validate {0}\n",
            bad.display()
        )),
        "{text}"
    );
    assert!(
        text.contains("  - no OCI runtime found: tried runc, crun"),
        "{text}"
    );
    assert!(text.contains("    fix: install runc"), "{text}");
    // Naming another runtime edits the config.toml of the system under
    // --root, not the one of the system running the command.
    assert!(
        text.contains(&format!(
            "container-hooks-ctk config --config {} --set container-hooks-runtime.runtimes=/PATH/TO/RUNTIME --in-place",
            root.path("etc/container-hooks/config.toml").display()
        )),
        "{text}"
    );
    let o = root.ctk(&["runtime", "status", "--output", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["problems"].as_array().unwrap().len(), 2, "{v:#}");
    fs::remove_file(&bad).unwrap();
    root.program("usr/bin/runc");

    // Taken out on purpose: no problem.
    let o = root.ctk(&["runtime", "remove", "--runtime", "docker"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = status();
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("shim wired in: no (taken out with runtime remove --runtime)"),
        "{}",
        stdout(&o)
    );
}

/// `runtime status | head -1`: a reader that closes the pipe is not an
/// error; the exit status is still the status's.
#[test]
fn status_into_a_closed_pipe_exits_quietly() {
    let root = Root::new();
    root.program("usr/bin/runc");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = ctk()
        .args(["runtime", "status", "--root"])
        .arg(root.dir.path())
        .stdout(writer)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

/// A file configure wrote does not make an engine installed: after
/// `configure --runtime podman` where Podman is not, status says so.
#[test]
fn status_does_not_take_a_file_configure_wrote_for_an_installed_engine() {
    let root = Root::new();
    root.program("usr/bin/runc");
    fs::create_dir_all(root.path("etc/containers")).unwrap();
    let o = root.ctk(&["runtime", "configure", "--runtime", "podman"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(root.read(CONTAINERS_CONF).is_some());
    let o = root.ctk(&["runtime", "status", "--output", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let podman = &v["engines"][3];
    assert_eq!(podman["engine"], "podman");
    assert_eq!(podman["installed"], serde_json::Value::Null, "{v:#}");
    assert_eq!(podman["wired"], true, "{v:#}");
    let o = root.ctk(&["runtime", "status"]);
    assert!(
        stdout(&o).contains("podman:\n  installed:     no\n"),
        "{}",
        stdout(&o)
    );
    // Not installed: not a problem.
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

/// What the packages' triggers rely on: `configure --detected` wires an
/// engine installed since, and leaves alone one already wired, one whose
/// shim was taken out of its file by hand, and one taken out with `remove
/// --runtime`, saying how to wire those two anyway.
#[test]
fn configure_detected_wires_only_engines_never_wired() {
    let root = Root::new();
    let detected = || root.ctk(&["runtime", "configure", "--detected", "--set-as-default"]);

    // Nothing installed yet: said, with what to run later.
    let o = detected();
    assert!(o.status.success());
    assert!(
        stderr(&o).contains("no container engine found: none of dockerd, containerd, crio or podman is in the system PATH; one installed later from a package is wired then (the package's trigger), one installed another way by running: container-hooks-ctk runtime configure --detected --set-as-default"),
        "{}",
        stderr(&o)
    );

    // Docker and Podman arrive: both wired.
    root.program("usr/sbin/dockerd");
    root.program("usr/bin/podman");
    let o = detected();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("configured docker"), "{}", stderr(&o));
    assert!(stderr(&o).contains("configured podman"), "{}", stderr(&o));

    // The operator takes the shim out of Docker with remove, and out of
    // containers.conf by editing it.
    let o = root.ctk(&["runtime", "remove", "--runtime", "docker"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let edited = b"[engine]\nruntime = \"crun\"\n";
    root.file(CONTAINERS_CONF, edited);
    let daemon = root.read(DAEMON_JSON);

    // containerd arrives: only it is wired.
    root.program("usr/bin/containerd");
    root.file(
        CONTAINERD_TOML,
        &fs::read(fixture("engines/containerd/v2-debian-package.toml")).unwrap(),
    );
    let o = detected();
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("configured containerd"), "{err}");
    assert!(
        !err.contains("configured docker") && !err.contains("configured podman"),
        "{err}"
    );
    assert!(
        err.contains("note: docker: left out, as `runtime remove --runtime docker` asked; to wire it, run: container-hooks-ctk runtime configure --runtime docker --set-as-default"),
        "{err}"
    );
    assert!(
        err.contains("note: podman: the shim is no longer in /etc/containers/containers.conf (taken out since it was wired); left as it is; to wire it, run: container-hooks-ctk runtime configure --runtime podman --set-as-default"),
        "{err}"
    );
    assert_eq!(root.read(DAEMON_JSON), daemon);
    assert_eq!(root.read(CONTAINERS_CONF).unwrap(), edited);

    // Again: nothing to say, nothing written.
    let o = detected();
    assert!(!stderr(&o).contains("wrote"), "{}", stderr(&o));

    // configure --runtime wires a declined engine again, and --detected
    // then counts it as wired.
    let o = root.ctk(&[
        "runtime",
        "configure",
        "--runtime",
        "docker",
        "--set-as-default",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = detected();
    assert!(!stderr(&o).contains("docker"), "{}", stderr(&o));
}

/// A missing directory for --config is refused (a path typed wrong); a
/// --path with no program behind it
/// is written, with a warning.
#[test]
fn a_missing_config_directory_is_refused_and_a_missing_shim_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("nonexistent/dir/config.toml");
    let o = run(
        &[
            "runtime",
            "configure",
            "--runtime",
            "containerd",
            "--path",
            "/bin/true",
            "--config",
            f.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "container-hooks-ctk: error: {}: directory {} does not exist: a --config file must be in an existing directory (check the path)\n",
            f.display(),
            f.parent().unwrap().display()
        )
    );
    assert!(!dir.path().join("nonexistent").exists());
    assert!(!dir.path().join("state/runtimes.json").exists());

    let f = dir.path().join("daemon.json");
    let shim = dir.path().join("no-such-shim");
    let o = runtime(
        "configure",
        "docker",
        &f,
        &["--path", shim.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "container-hooks-ctk: warning: --path {}: no executable program there; an engine fails every container it starts through the shim until container-hooks-runtime is installed there",
            shim.display()
        )),
        "{}",
        stderr(&o)
    );
    let v: serde_json::Value = serde_json::from_slice(&fs::read(&f).unwrap()).unwrap();
    assert_eq!(
        v["runtimes"]["container-hooks"]["path"],
        shim.to_str().unwrap()
    );
}

/// A user other than root who meets a permission error is told to run as
/// root.
#[test]
fn a_permission_error_says_to_run_as_root() {
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    // The state directory is the user's; the engine's is root's.
    let state = dir.path().join("state");
    fs::create_dir(&state).unwrap();
    fs::set_permissions(&state, fs::Permissions::from_mode(0o777)).unwrap();
    let etc = dir.path().join("etc");
    fs::create_dir(&etc).unwrap();
    let f = etc.join("daemon.json");
    fs::write(&f, "{}\n").unwrap();
    let o = Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
        .arg(test_support::bin("container-hooks-ctk"))
        .args([
            "runtime",
            "configure",
            "--runtime",
            "docker",
            "--path",
            "/bin/true",
            "--config",
        ])
        .arg(&f)
        .arg("--state-dir")
        .arg(&state)
        .env_remove("CONTAINER_HOOKS_CONFIG")
        .output()
        .expect("setpriv (util-linux)");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "container-hooks-ctk: error: {}: permission denied (run as root, for example with sudo)\n",
            f.display()
        )
    );
    assert_eq!(fs::read(&f).unwrap(), b"{}\n");
}

/// The names nvidia-ctk users type: --runtime-name, --runtime-path,
/// --drop-in-config, and --set-as-default=false.
#[test]
fn nvidia_ctk_option_names_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("config.toml");
    fs::copy(fixture("engines/containerd/v2-debian-package.toml"), &f).unwrap();
    let drop_in = dir.path().join("conf.d/99-x.toml");
    let o = runtime(
        "configure",
        "containerd",
        &f,
        &[
            "--runtime-name",
            "hooked",
            "--runtime-path",
            "/bin/true",
            "--drop-in-config",
            drop_in.to_str().unwrap(),
            "--set-as-default=false",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = fs::read_to_string(&drop_in).unwrap();
    assert!(text.contains("runtimes.hooked]"), "{text}");
    assert!(text.contains("BinaryName = \"/bin/true\""), "{text}");
    assert!(
        !text.contains("default_runtime_name = \"hooked\""),
        "{text}"
    );
    let o = runtime(
        "configure",
        "containerd",
        &f,
        &[
            "--runtime-name",
            "hooked",
            "--runtime-path",
            "/bin/true",
            "--set-as-default=true",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        fs::read_to_string(&drop_in)
            .unwrap()
            .contains("default_runtime_name = \"hooked\""),
        "{}",
        stderr(&o)
    );
    let o = runtime("configure", "containerd", &f, &["--set-as-default=maybe"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// A bare `config` prints the config in effect: the file as it is, or the
/// defaults when there is none; a file the shim would refuse is an error.
#[test]
fn bare_config_prints_the_config_in_effect() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("config.toml");
    let config = |file: &Path| {
        ctk()
            .env("CONTAINER_HOOKS_CONFIG", file)
            .arg("config")
            .output()
            .unwrap()
    };
    let o = config(&f);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), container_hooks_core::config::DEFAULT_TOML);
    let text = "# ours\n[container-hooks]\nstrict = false\n";
    fs::write(&f, text).unwrap();
    let o = config(&f);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), text);
    fs::write(&f, "[container-hooks]\nstrikt = false\n").unwrap();
    let o = config(&f);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert!(
        stderr(&o).contains(&format!("{}: line 2", f.display())) && stderr(&o).contains("strikt"),
        "{}",
        stderr(&o)
    );
}

/// Path-valued keys take absolute paths only: the shim would read a
/// relative one from whatever directory the engine runs it in.
#[test]
fn config_set_refuses_a_relative_path() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("config.toml");
    for set in [
        "container-hooks.path=relative",
        "container-hooks.hooks-dirs=/etc/container-hooks/hooks.d,hooks.d",
        "container-hooks-runtime.debug=x.log",
    ] {
        let o = ctk()
            .args(["config", "--config"])
            .arg(&f)
            .args(["--set", set, "--in-place"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{set}: {}", stderr(&o));
        assert!(stderr(&o).contains("is a relative path"), "{}", stderr(&o));
        assert!(!f.exists());
    }
}

/// An engine file's fault reads once in the package dispatch's warning,
/// as in the error of a single configure.
#[test]
fn an_engine_file_fault_is_printed_once() {
    let root = Root::new();
    root.program("usr/sbin/dockerd");
    root.file(DAEMON_JSON, b"{ \"log-level\" \"warn\" }\n");
    let o = root.ctk(&["runtime", "configure", "--detected", "--set-as-default"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(err.matches("invalid JSON").count(), 1, "{err}");
    let o = root.ctk(&["runtime", "configure", "--runtime", "docker"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).matches("invalid JSON").count(),
        1,
        "{}",
        stderr(&o)
    );
}

//! The packages installed, reinstalled, removed and purged for real with
//! dpkg and rpm on this machine, with a running dockerd and Debian's
//! containerd config: the maintainer scripts wire both engines, the shim
//! runs hooks from hooks.json in `docker run`, and removal restores both
//! engines' configs; where there was no daemon.json before install, none
//! is left after removal, and purge leaves the engines' directories as
//! they were.
//!
//! This changes the machine (/usr/bin, /etc/container-hooks, /etc/docker,
//! /etc/containerd, /etc/containers, /var/run/docker.pid), so the tests are
//! `#[ignore]`d: `ci/test.sh` runs them with `--ignored` on CI's throw-away
//! machine. Run any other way, they fail unless `CI=true` or
//! `CONTAINER_HOOKS_LIFECYCLE=1` says the machine may be changed. The
//! engines' directories are restored afterwards.

use integration_tests::daemons::Dockerd;
use integration_tests::packages::{ensure_built, NAME};
use integration_tests::{read_record, recorder_hook, require, run, run_ok, write_mode};
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

const DAEMON_JSON: &str = "/etc/docker/daemon.json";
const CONTAINERD_TOML: &str = "/etc/containerd/config.toml";
const DOCKER_PID_FILE: &str = "/var/run/docker.pid";
const SHIM: &str = "/usr/bin/container-hooks-runtime";

/// One lifecycle at a time: both use the system's paths.
static SYSTEM: Mutex<()> = Mutex::new(());

/// The engines' configuration directories the packages may change.
const ENGINE_DIRS: [&str; 4] = [
    "/etc/docker",
    "/etc/containerd",
    "/etc/containers",
    "/etc/crio",
];

/// The stand-in CRI-O package's name and version (see [`fake_crio`]).
const CRIO: &str = "cri-o";
const FAKE_VERSION: &str = "0.0.1";
const CRIO_DROP_IN: &str = "/etc/crio/crio.conf.d/99-container-hooks.conf";

fn allowed() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
        || std::env::var("CONTAINER_HOOKS_LIFECYCLE").as_deref() == Ok("1")
}

#[derive(Clone, Copy, Debug)]
enum Format {
    Deb,
    Rpm,
}

impl Format {
    fn installed(self) -> bool {
        match self {
            Format::Deb => {
                run(Command::new("dpkg-query").args(["-W", "-f", "${db:Status-Status}", NAME]))
                    .stdout
                    .starts_with(b"installed")
            }
            Format::Rpm => run(Command::new("rpm").args(["-q", NAME])).status.success(),
        }
    }

    /// The package manager's program.
    fn tool(self) -> &'static str {
        match self {
            Format::Deb => "dpkg",
            Format::Rpm => "rpm",
        }
    }

    /// Takes the package off the machine whatever state it is in (nothing
    /// to do where the package manager itself is missing).
    fn clean_up(self) {
        if !on_path(self.tool()) {
            return;
        }
        self.remove_fake_crio();
        match self {
            Format::Deb => {
                let _ = run(Command::new("dpkg").args(["--purge", NAME]));
            }
            Format::Rpm => {
                if self.installed() {
                    let _ = run(Command::new("rpm").args(["-e", "--nodeps", NAME]));
                }
            }
        }
    }

    fn install(self, package: &Path) -> Output {
        match self {
            Format::Deb => run(Command::new("dpkg").arg("-i").arg(package)),
            Format::Rpm => run(Command::new("rpm").args(["-i", "--nodeps"]).arg(package)),
        }
    }

    fn reinstall(self, package: &Path) -> Output {
        match self {
            Format::Deb => run(Command::new("dpkg").arg("-i").arg(package)),
            Format::Rpm => run(Command::new("rpm")
                .args(["-i", "--nodeps", "--replacepkgs"])
                .arg(package)),
        }
    }

    fn remove(self) -> Output {
        match self {
            Format::Deb => run(Command::new("dpkg").args(["-r", NAME])),
            Format::Rpm => run(Command::new("rpm").args(["-e", "--nodeps", NAME])),
        }
    }

    /// Takes off the stand-in CRI-O package, and only it (by its version).
    fn remove_fake_crio(self) {
        let ours = match self {
            Format::Deb => run(Command::new("dpkg-query").args(["-W", "-f", "${Version}", CRIO]))
                .stdout
                .starts_with(FAKE_VERSION.as_bytes()),
            Format::Rpm => run(Command::new("rpm").args(["-q", "--qf", "%{VERSION}", CRIO]))
                .stdout
                .starts_with(FAKE_VERSION.as_bytes()),
        };
        if ours {
            let _ = match self {
                Format::Deb => run(Command::new("dpkg").args(["--purge", CRIO])),
                Format::Rpm => run(Command::new("rpm").args(["-e", "--nodeps", CRIO])),
            };
        }
    }

    /// dpkg's purge; rpm has none (its erase already ran %postun).
    fn purge(self) -> Option<Output> {
        match self {
            Format::Deb => Some(run(Command::new("dpkg").args(["-P", NAME]))),
            Format::Rpm => None,
        }
    }

    /// The files the installed package holds.
    fn files(self) -> Vec<PathBuf> {
        let out = match self {
            Format::Deb => run_ok(Command::new("dpkg").args(["-L", NAME])),
            Format::Rpm => run_ok(Command::new("rpm").args(["-ql", NAME])),
        };
        out.lines()
            .map(PathBuf::from)
            .filter(|p| !p.is_dir())
            .collect()
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
        || ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
            .iter()
            .any(|d| Path::new(d).join(program).is_file())
}

fn ok(what: &str, out: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{what} failed with {}:\n{text}",
        out.status
    );
    text
}

/// Saves /etc/docker and /etc/containerd and puts them back, takes the
/// package off and stops the test's dockerd, whatever happens.
struct Restore {
    saved: tempfile::TempDir,
    format: Format,
}

impl Restore {
    fn new(format: Format) -> Restore {
        let saved = tempfile::tempdir().unwrap();
        for dir in ENGINE_DIRS {
            if Path::new(dir).exists() {
                run_ok(Command::new("cp").args(["-a", dir]).arg(saved.path()));
            }
        }
        Restore { saved, format }
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        self.format.clean_up();
        for dir in ENGINE_DIRS {
            let dir = Path::new(dir);
            let _ = fs::remove_dir_all(dir);
            let saved = self.saved.path().join(dir.file_name().unwrap_or_default());
            if saved.exists() {
                let _ = Command::new("cp")
                    .arg("-a")
                    .arg(&saved)
                    .arg("/etc/")
                    .status();
            }
        }
        let _ = fs::remove_dir_all("/etc/container-hooks");
    }
}

/// A stand-in for an engine installed after the toolkit: a package named
/// `cri-o` holding `/usr/bin/crio` (a script that does nothing) and the
/// `/etc/crio/crio.conf.d` directory, where CRI-O's own packages put them,
/// built in `dir` as a .deb (dpkg-deb) or an .rpm (rpmbuild).
fn fake_crio(format: Format, dir: &Path) -> PathBuf {
    let tree = dir.join("tree");
    fs::create_dir_all(tree.join("etc/crio/crio.conf.d")).unwrap();
    fs::create_dir_all(tree.join("usr/bin")).unwrap();
    integration_tests::write_mode(&tree.join("usr/bin/crio"), "#!/bin/sh\nexit 0\n", 0o755);
    match format {
        Format::Deb => {
            fs::create_dir_all(tree.join("DEBIAN")).unwrap();
            fs::write(
                tree.join("DEBIAN/control"),
                format!("Package: {CRIO}\nVersion: {FAKE_VERSION}\nArchitecture: all\nMaintainer: test <test@example.invalid>\nDescription: stand-in for CRI-O in a test\n"),
            )
            .unwrap();
            let deb = dir.join("cri-o.deb");
            run_ok(
                Command::new("dpkg-deb")
                    .args(["--build", "--root-owner-group"])
                    .arg(&tree)
                    .arg(&deb),
            );
            deb
        }
        Format::Rpm => {
            let spec = dir.join("cri-o.spec");
            fs::write(
                &spec,
                format!(
                    "Name: {CRIO}\nVersion: {FAKE_VERSION}\nRelease: 1\nSummary: stand-in\nLicense: none\nBuildArch: noarch\n%description\nstand-in for CRI-O in a test\n%install\ncp -a {}/. %{{buildroot}}/\n%files\n/usr/bin/crio\n%dir /etc/crio\n%dir /etc/crio/crio.conf.d\n",
                    tree.display()
                ),
            )
            .unwrap();
            run_ok(
                Command::new("rpmbuild")
                    .arg("--define")
                    .arg(format!("_topdir {}", dir.join("rpmbuild").display()))
                    .args(["--quiet", "-bb"])
                    .arg(&spec),
            );
            dir.join(format!(
                "rpmbuild/RPMS/noarch/{CRIO}-{FAKE_VERSION}-1.noarch.rpm"
            ))
        }
    }
}

/// A dockerd that reads the system's /etc/docker/daemon.json and writes
/// the system's pid file (where the maintainer scripts look for it), with
/// its own data root, exec root and socket.
fn system_dockerd(dir: &Path) -> Dockerd {
    Dockerd::start_at(dir, Path::new(DAEMON_JSON), Path::new(DOCKER_PID_FILE), &[])
}

fn run_container(dockerd: &Dockerd, image: &str) -> Output {
    run(dockerd
        .docker()
        .args(["run", "--rm", "--network", "none", image, "/bin/true"]))
}

fn daemon_json() -> Value {
    serde_json::from_slice(&fs::read(DAEMON_JSON).unwrap()).unwrap()
}

fn containerd_toml() -> toml::Table {
    fs::read_to_string(CONTAINERD_TOML)
        .unwrap()
        .parse()
        .unwrap()
}

/// The CRI plugin table of a containerd config of any version.
fn cri_runtime_table(config: &toml::Table) -> &toml::Table {
    let plugins = config
        .get("plugins")
        .and_then(|p| p.as_table())
        .expect("plugins");
    let cri = [
        "io.containerd.grpc.v1.cri",
        "io.containerd.cri.v1.runtime",
        "cri",
    ]
    .iter()
    .find_map(|k| plugins.get(*k))
    .and_then(|c| c.as_table())
    .expect("CRI plugin table");
    cri.get("containerd")
        .and_then(|c| c.as_table())
        .expect("containerd table")
}

fn config_bytes() -> Vec<(String, Option<Vec<u8>>)> {
    [
        DAEMON_JSON,
        CONTAINERD_TOML,
        "/etc/container-hooks/config.toml",
        "/etc/container-hooks/hooks.json",
    ]
    .iter()
    .map(|p| (p.to_string(), fs::read(p).ok()))
    .collect()
}

/// The names of the files in the engines' configuration directories.
fn engine_dir_listing() -> Vec<PathBuf> {
    let mut names: Vec<PathBuf> = ENGINE_DIRS
        .iter()
        .filter_map(|d| fs::read_dir(d).ok())
        .flat_map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()))
        .collect();
    names.sort();
    names
}

fn toolkit_leftovers() -> Vec<PathBuf> {
    let mut left: Vec<PathBuf> = ["/etc/container-hooks", "/var/lib/container-hooks"]
        .iter()
        .map(PathBuf::from)
        .filter(|p| p.exists())
        .collect();
    if let Ok(entries) = fs::read_dir("/var/log") {
        left.extend(
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| {
                    p.to_string_lossy()
                        .starts_with("/var/log/container-hooks-runtime.log")
                }),
        );
    }
    left
}

fn lifecycle(format: Format) {
    assert!(
        allowed(),
        "refusing to install packages on this machine: set CI=true or CONTAINER_HOOKS_LIFECYCLE=1 where it may be changed"
    );
    let _system = SYSTEM.lock().unwrap_or_else(|e| e.into_inner());
    require(format.tool());
    require("runc");
    require("containerd");
    let (deb, rpm) = ensure_built();
    let package = match format {
        Format::Deb => deb,
        Format::Rpm => rpm,
    };
    Format::Deb.clean_up();
    Format::Rpm.clean_up();
    let restore = Restore::new(format);
    let tmp = tempfile::tempdir().unwrap();

    // Debian's containerd ships /etc/containerd/config.toml; docker.io
    // ships no daemon.json: write one with settings of the operator's.
    assert!(
        Path::new(CONTAINERD_TOML).is_file(),
        "{CONTAINERD_TOML} is missing: install Debian's containerd package"
    );
    fs::create_dir_all("/etc/docker").unwrap();
    let operator = json!({
        "log-level": "warn",
        "max-concurrent-downloads": 2,
        "labels": ["lifecycle=test"],
        "log-opts": {"max-size": "10m", "max-file": "2"}
    });
    fs::write(
        DAEMON_JSON,
        serde_json::to_string_pretty(&operator).unwrap() + "\n",
    )
    .unwrap();
    let containerd_before = containerd_toml();
    let engine_files_before = engine_dir_listing();

    let dockerd = system_dockerd(&tmp.path().join("dockerd"));
    let dockerd_pid = dockerd.pid();
    dockerd.import_busybox("lifecycle-busybox");
    assert_eq!(dockerd.default_runtime(), "runc");

    // Install: both engines wired, dockerd reloaded.
    let text = ok(
        &format!("installing {}", package.display()),
        &format.install(&package),
    );
    eprintln!("{format:?} install:\n{text}");
    let daemon = daemon_json();
    assert_eq!(
        daemon["default-runtime"], "container-hooks",
        "{daemon:#}\n{text}"
    );
    assert_eq!(
        daemon["runtimes"]["container-hooks"]["path"], SHIM,
        "{daemon:#}"
    );
    for (k, v) in operator.as_object().unwrap() {
        assert_eq!(&daemon[k], v, "install changed {k} of daemon.json");
    }
    let containerd = containerd_toml();
    let section = cri_runtime_table(&containerd);
    assert_eq!(
        section.get("default_runtime_name").and_then(|v| v.as_str()),
        Some("container-hooks"),
        "{containerd:#?}\n{text}"
    );
    let binary = section
        .get("runtimes")
        .and_then(|r| r.get("container-hooks"))
        .and_then(|r| r.get("options"))
        .and_then(|o| o.get("BinaryName"))
        .and_then(|b| b.as_str());
    assert_eq!(binary, Some(SHIM), "{containerd:#?}");
    // restart-mode = "none" in the shipped config.toml: the command is printed.
    assert!(
        text.contains("run: systemctl restart containerd"),
        "containerd's restart command is not printed:\n{text}"
    );
    dockerd.wait_until("docker info to show the shim as default", |d| {
        d.default_runtime() == "container-hooks"
    });
    let files = format.files();
    assert!(files.contains(&PathBuf::from(SHIM)), "{files:?}");

    // docker run goes through the shim, which adds hooks.json's hook.
    let record = tmp.path().join("record");
    let hook = tmp.path().join("recorder");
    recorder_hook(&hook, &record);
    write_mode(
        Path::new("/etc/container-hooks/hooks.json"),
        &json!({"prestart": [{"path": hook, "args": ["recorder", "prestart"]}]}).to_string(),
        0o644,
    );
    let out = run_container(&dockerd, "lifecycle-busybox");
    ok("docker run through the shim", &out);
    let stages: Vec<String> = read_record(&record).into_iter().map(|(s, _)| s).collect();
    assert_eq!(
        stages,
        ["prestart"],
        "the hook of hooks.json did not run once"
    );

    // The same package again changes nothing.
    let before = config_bytes();
    ok("reinstalling", &format.reinstall(&package));
    assert_eq!(
        config_bytes(),
        before,
        "reinstalling the same package changed a config file"
    );
    assert_eq!(dockerd.default_runtime(), "container-hooks");

    // An engine installed after the toolkit: its package's trigger (dpkg's
    // file trigger on /usr/bin/crio, rpm's %triggerin on cri-o) wires it.
    let crio = fake_crio(format, &tmp.path().join("fake-crio"));
    let text = ok(
        "installing a CRI-O after the toolkit",
        &format.install(&crio),
    );
    let drop_in = fs::read_to_string(CRIO_DROP_IN)
        .unwrap_or_else(|e| panic!("{CRIO_DROP_IN}: {e}: the trigger did not wire CRI-O:\n{text}"));
    assert!(
        drop_in.contains(&format!("runtime_path = \"{SHIM}\"")),
        "{drop_in}"
    );
    assert!(
        drop_in.contains("default_runtime = \"container-hooks\""),
        "{drop_in}"
    );
    // Docker, wired before, is left as it is.
    assert_eq!(config_bytes(), before, "the trigger changed a wired engine");

    // Remove: both configs as they were, dockerd reloaded, not restarted.
    ok("removing", &format.remove());
    let mut daemon = daemon_json();
    if daemon.get("default-runtime") == Some(&json!("runc")) {
        daemon.as_object_mut().unwrap().remove("default-runtime");
    }
    assert_eq!(daemon, operator, "daemon.json after removal");
    assert_eq!(
        containerd_toml(),
        containerd_before,
        "{CONTAINERD_TOML} after removal"
    );
    assert!(
        !Path::new(CRIO_DROP_IN).exists(),
        "CRI-O's drop-in after removal"
    );
    format.remove_fake_crio();
    dockerd.wait_until("docker info to show runc as default again", |d| {
        d.default_runtime() == "runc"
    });
    assert!(!Path::new(SHIM).exists());
    ok(
        "docker run after removal",
        &run_container(&dockerd, "lifecycle-busybox"),
    );
    assert_eq!(
        fs::read_to_string(DOCKER_PID_FILE).unwrap().trim(),
        dockerd_pid.to_string(),
        "dockerd was restarted"
    );

    // Purge (dpkg) or erase (rpm): nothing of the toolkit is left, but for
    // rpm's *.rpmsave copies of changed config files (Fedora keeps them).
    if let Some(out) = format.purge() {
        ok("purging", &out);
    }
    for f in &files {
        assert!(!f.exists(), "{} is left after removal", f.display());
    }
    let mut left = toolkit_leftovers();
    if let Format::Rpm = format {
        let saved = Path::new("/etc/container-hooks/hooks.json.rpmsave");
        assert!(
            saved.exists(),
            "the changed hooks.json was not kept as .rpmsave"
        );
        fs::remove_file(saved).unwrap();
        let _ = fs::remove_dir("/etc/container-hooks/hooks.d");
        let _ = fs::remove_dir("/etc/container-hooks");
        left = toolkit_leftovers();
    }
    assert!(left.is_empty(), "left after purge: {left:?}");
    assert_eq!(
        engine_dir_listing(),
        engine_files_before,
        "files were left in the engines' config directories"
    );
    assert!(!format.installed());

    // No daemon.json before install, as on a fresh Docker host (dockerd
    // started as its service starts it, reading the system's file):
    // remove deletes the one install created once dockerd has read it on
    // its reload, and purge leaves the engines' directories as they were.
    drop(dockerd);
    fs::remove_file(DAEMON_JSON).unwrap();
    let dockerd =
        Dockerd::start_as_service(&tmp.path().join("dockerd2"), Path::new(DOCKER_PID_FILE));
    let dockerd_pid = dockerd.pid();
    let engine_files_before = engine_dir_listing();
    let text = ok(
        "installing without a daemon.json",
        &format.install(&package),
    );
    assert_eq!(
        daemon_json()["default-runtime"],
        "container-hooks",
        "{text}"
    );
    dockerd.wait_until("docker info to show the shim as default", |d| {
        d.default_runtime() == "container-hooks"
    });
    let text = ok("removing", &format.remove());
    assert!(
        !Path::new(DAEMON_JSON).exists(),
        "remove left {}: {:?}\n{text}",
        DAEMON_JSON,
        fs::read_to_string(DAEMON_JSON)
    );
    assert!(
        text.contains(&format!("deleted {DAEMON_JSON}: configure created it")),
        "{text}"
    );
    dockerd.wait_until("docker info to show runc as default again", |d| {
        d.default_runtime() == "runc"
    });
    assert_eq!(dockerd.pid(), dockerd_pid);
    if let Some(out) = format.purge() {
        ok("purging", &out);
    }
    assert_eq!(
        engine_dir_listing(),
        engine_files_before,
        "purge left files in the engines' config directories"
    );
    assert_eq!(
        containerd_toml(),
        containerd_before,
        "{CONTAINERD_TOML} after purge"
    );
    if let Format::Rpm = format {
        let _ = fs::remove_file("/etc/container-hooks/hooks.json.rpmsave");
        let _ = fs::remove_dir("/etc/container-hooks/hooks.d");
        let _ = fs::remove_dir("/etc/container-hooks");
    }
    assert!(
        toolkit_leftovers().is_empty(),
        "left after purge: {:?}",
        toolkit_leftovers()
    );

    // A daemon.json that is not JSON: install warns and leaves it alone.
    drop(dockerd);
    fs::write(DAEMON_JSON, "{ \"log-level\": \"warn\",\n").unwrap();
    let text = ok(
        "installing with a broken daemon.json",
        &format.install(&package),
    );
    assert!(
        text.contains("warning") && text.contains("daemon.json"),
        "{text}"
    );
    assert_eq!(
        fs::read(DAEMON_JSON).unwrap(),
        b"{ \"log-level\": \"warn\",\n"
    );
    format.clean_up();
    drop(restore);
}

#[test]
#[ignore = "installs and removes the packages on this machine: ci/test.sh runs it with --ignored on CI (CI=true)"]
fn deb_wires_engines_on_install_restores_them_on_remove_and_purges_clean() {
    lifecycle(Format::Deb);
}

#[test]
#[ignore = "installs and removes the packages on this machine: ci/test.sh runs it with --ignored on CI (CI=true)"]
fn rpm_wires_engines_on_install_restores_them_on_erase() {
    lifecycle(Format::Rpm);
}

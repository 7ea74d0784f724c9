//! The Kubernetes deployment: the manifests validate against the
//! Kubernetes 1.30 schemas and agree with the installer; `installer run`
//! changes nothing the second time, takes a lock, re-syncs changed hook
//! files from a ConfigMap directory and cleans up on SIGTERM; the image
//! builds offline and, run against a host root in a temporary directory,
//! installs, wires containerd (Debian's version-2 file, a version-3 file) or
//! CRI-O with host paths, and `docker stop` leaves the host as it was (every
//! file and directory); an isolated containerd on the wired host config runs
//! a container through the installed shim with a hook from the ConfigMap,
//! and pods through its CRI with `--pod-annotations`; CRI-O pods created
//! through the handler keep the binaries, and CRI-O unrestarted, until they
//! are gone; `--restart-mode signal` is refused for both engines.

use integration_tests::cri::Pod;
use integration_tests::daemons::{kill, Containerd, Dockerd};
use integration_tests::images::{busybox_image, pause_image};
use integration_tests::{
    assert_same_tree, bin, busybox_rootfs, ctk, fixtures, poll_until, read_record, recorded_for,
    recorder_hook, repo_root, require, run, run_ok, tree, unique, wait_until,
};
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOOLKIT: &str = "usr/local/container-hooks/bin";
const SHIM_ON_HOST: &str = "/usr/local/container-hooks/bin/container-hooks-runtime";
const DROP_IN: &str = "etc/containerd/conf.d/99-container-hooks.toml";
const CRIO_DROP_IN: &str = "etc/crio/crio.conf.d/99-container-hooks.conf";

fn manifest_dir() -> PathBuf {
    repo_root().join("deploy/kubernetes")
}

/// The manifests (every YAML file but the kustomization).
fn manifests() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(manifest_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "yaml")
                && p.file_name().is_some_and(|n| n != "kustomization.yaml")
        })
        .collect();
    v.sort();
    v
}

/// The documents of a YAML file, as JSON (through PyYAML, which
/// kubernetes-validate brings).
fn yaml(path: &Path) -> Vec<serde_json::Value> {
    let out = run_ok(Command::new(require("python3")).args([
        "-c",
        "import sys, json, yaml; print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]))",
    ]).arg(path));
    serde_json::from_str(&out).unwrap()
}

fn kind(kind: &str) -> serde_json::Value {
    manifests()
        .iter()
        .flat_map(|p| yaml(p))
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in deploy/kubernetes"))
}

fn validate(files: &[PathBuf]) -> std::process::Output {
    run(Command::new(require("kubernetes-validate"))
        .args(["-k", "1.30.0", "--strict"])
        .args(files))
}

#[test]
fn manifests_validate_against_the_kubernetes_1_30_schemas() {
    let files = manifests();
    let out = validate(&files);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    for f in &files {
        let name = f.file_name().unwrap().to_str().unwrap();
        assert!(
            text.lines()
                .any(|l| l.contains(name) && l.contains("passed")),
            "{name} was not validated: {text}"
        );
    }
    // The kustomization lists every manifest, and nothing else.
    let k = &yaml(&manifest_dir().join("kustomization.yaml"))[0];
    let mut listed: Vec<String> = k["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    listed.sort();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, names);
    assert_eq!(k["namespace"], "container-hooks");
    // The validator does fail: an unknown field in the DaemonSet.
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("daemonset.yaml");
    let text = fs::read_to_string(manifest_dir().join("daemonset.yaml"))
        .unwrap()
        .replace("hostPID: true", "hostPID: true\n      hostPIDs: true");
    fs::write(&bad, text).unwrap();
    assert!(!validate(&[bad]).status.success());
}

/// A directory laid out as the kubelet mounts a ConfigMap: the data in a
/// dated directory, `..data` pointing at it, and each key a symlink into
/// `..data`. Calling it again swaps `..data` atomically, as an update does.
fn configmap_dir(dir: &Path, generation: u32, files: &[(&str, &str)]) {
    fs::create_dir_all(dir).unwrap();
    let dated = format!("..2024_01_01_00_00_{generation:02}.000");
    fs::create_dir_all(dir.join(&dated)).unwrap();
    for (name, text) in files {
        fs::write(dir.join(&dated).join(name), text).unwrap();
        // What the kubelet writes: group-readable, and through symlinks.
        fs::set_permissions(
            dir.join(&dated).join(name),
            fs::Permissions::from_mode(0o644),
        )
        .unwrap();
    }
    let tmp_link = dir.join("..data_tmp");
    let _ = fs::remove_file(&tmp_link);
    std::os::unix::fs::symlink(&dated, &tmp_link).unwrap();
    fs::rename(&tmp_link, dir.join("..data")).unwrap();
    for entry in fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if !name.starts_with('.') && !files.iter().any(|(n, _)| *n == name) {
            fs::remove_file(&p).unwrap();
        }
    }
    for (name, _) in files {
        let link = dir.join(name);
        if fs::symlink_metadata(&link).is_err() {
            std::os::unix::fs::symlink(format!("..data/{name}"), &link).unwrap();
        }
    }
}

fn hook_file(message: &str) -> String {
    serde_json::json!({
        "version": "1.0.0",
        "hook": {"path": "/bin/true", "args": ["true", message]},
        "when": {"always": true},
        "stages": ["prestart"]
    })
    .to_string()
}

/// A host root with Debian's containerd config.
fn debian_host(dir: &Path) -> PathBuf {
    let host = dir.join("host");
    fs::create_dir_all(host.join("etc/containerd")).unwrap();
    copy_rw(
        &fixtures().join("engines/containerd/v2-debian-package.toml"),
        &host.join("etc/containerd/config.toml"),
    );
    host
}

/// Copies a fixture, mode 0644 (the fixtures are read-only).
fn copy_rw(from: &Path, to: &Path) {
    fs::copy(from, to).unwrap();
    fs::set_permissions(to, fs::Permissions::from_mode(0o644)).unwrap();
}

fn installer(host: &Path, config_dir: &Path, extra: &[&str]) -> Command {
    let mut c = ctk();
    c.args(["installer", "run", "--host-root"])
        .arg(host)
        .arg("--config-dir")
        .arg(config_dir)
        .arg("--source-dir")
        .arg(bin("container-hooks-ctk").parent().unwrap())
        .args(["--restart-mode", "none"])
        .args(extra);
    c
}

/// `installer remove` on a host root, leaving any engine restart to the
/// operator.
fn installer_remove(host: &Path) -> std::process::Output {
    run(ctk()
        .args([
            "installer",
            "remove",
            "--restart-mode",
            "none",
            "--host-root",
        ])
        .arg(host))
}

/// Every file below `dir`: (bytes, mtime in ns, mode).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, i128, u32)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                stack.push(p);
            } else {
                let mtime = i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec());
                out.insert(p.clone(), (fs::read(&p).unwrap(), mtime, m.mode()));
            }
        }
    }
    out
}

fn spawn_logged(mut cmd: Command, log: &Path) -> Child {
    let f = fs::File::create(log).unwrap();
    cmd.stdin(Stdio::null())
        .stdout(f.try_clone().unwrap())
        .stderr(f)
        .spawn()
        .unwrap()
}

fn wait_exit(child: &mut Child, log: &Path) -> std::process::ExitStatus {
    let mut status = None;
    if poll_until(Duration::from_secs(20), || {
        status = child.try_wait().unwrap();
        status.is_some()
    }) {
        if let Some(s) = status {
            return s;
        }
    }
    let _ = child.kill();
    panic!(
        "installer did not exit; its log:\n{}",
        fs::read_to_string(log).unwrap_or_default()
    );
}

#[test]
fn shipped_configmap_is_accepted_and_names_what_the_daemonset_and_runtimeclass_use() {
    let rc = kind("RuntimeClass");
    assert_eq!(rc["metadata"]["name"], "container-hooks");
    assert_eq!(rc["handler"], "container-hooks");
    let ds = kind("DaemonSet");
    let cm = kind("ConfigMap");
    let spec = &ds["spec"]["template"]["spec"];
    let volumes = spec["volumes"].as_array().unwrap();
    assert!(volumes
        .iter()
        .any(|v| v["configMap"]["name"] == cm["metadata"]["name"]));
    assert_eq!(
        spec["serviceAccountName"],
        kind("ServiceAccount")["metadata"]["name"]
    );
    assert!(spec["terminationGracePeriodSeconds"].as_u64().unwrap() >= 60);
    // The ConfigMap's files pass the installer, as the DaemonSet runs it.
    let tmp = tempfile::tempdir().unwrap();
    let host = debian_host(tmp.path());
    let data: Vec<(String, String)> = cm["data"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let files: Vec<(&str, &str)> = data.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let cfg = tmp.path().join("config");
    configmap_dir(&cfg, 1, &files);
    let out = run(&mut installer(&host, &cfg, &["--once"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(host
        .join("etc/container-hooks/hooks.d/10-log-start.json")
        .is_file());
    let config = fs::read_to_string(host.join("etc/container-hooks/config.toml")).unwrap();
    assert!(
        config.contains("path = \"/usr/local/container-hooks/bin/container-hooks-ctk\""),
        "{config}"
    );
    let din = fs::read_to_string(host.join(DROP_IN)).unwrap();
    assert!(
        din.contains("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.container-hooks]"),
        "{din}"
    );
}

#[test]
fn second_run_changes_nothing_changed_hooks_reach_the_host_and_sigterm_cleans_up() {
    let tmp = tempfile::tempdir().unwrap();
    let host = debian_host(tmp.path());
    let before_tree = tree(&host);
    let cfg = tmp.path().join("config");
    configmap_dir(
        &cfg,
        1,
        &[
            ("hooks.json", "{\"prestart\": [{\"path\": \"/bin/true\"}]}"),
            ("10-a.json", &hook_file("one")),
            ("20-gone.json", &hook_file("gone")),
        ],
    );
    let out = run(&mut installer(&host, &cfg, &["--once"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first = snapshot(&host);
    for f in [
        "container-hooks-runtime",
        "container-hooks-ctk",
        "container-hooks",
    ] {
        let (_, _, mode) = &first[&host.join(TOOLKIT).join(f)];
        assert_eq!(mode & 0o7777, 0o755, "{f}");
    }
    let (bytes, _, mode) = &first[&host.join("etc/container-hooks/hooks.d/10-a.json")];
    assert_eq!(mode & 0o7777, 0o644);
    assert_eq!(bytes, hook_file("one").as_bytes());
    // A second run (a restarted pod) writes nothing at all.
    let out = run(&mut installer(&host, &cfg, &["--once"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("installed ") && !stderr.contains("wrote "),
        "{stderr}"
    );
    assert_eq!(snapshot(&host), first, "the second run changed the host");

    // The installer waiting, polling every 200 ms.
    let log1 = tmp.path().join("installer1.log");
    let mut first_pod = spawn_logged(installer(&host, &cfg, &["--poll-interval", "200ms"]), &log1);
    wait_until("the first installer is up", Duration::from_secs(10), || {
        fs::read_to_string(&log1)
            .unwrap_or_default()
            .contains("runs the shim")
    });
    // A second pod on the node waits for the lock and writes nothing.
    let log2 = tmp.path().join("installer2.log");
    let mut second_pod = spawn_logged(installer(&host, &cfg, &["--poll-interval", "200ms"]), &log2);
    wait_until(
        "the second installer waits",
        Duration::from_secs(10),
        || {
            fs::read_to_string(&log2)
                .unwrap_or_default()
                .contains("holds the lock")
        },
    );
    // The ConfigMap changes: one hook edited, one added, one dropped.
    configmap_dir(
        &cfg,
        2,
        &[
            ("hooks.json", "{\"prestart\": [{\"path\": \"/bin/true\"}]}"),
            ("10-a.json", &hook_file("two")),
            ("30-new.json", &hook_file("new")),
        ],
    );
    let hooks_d = host.join("etc/container-hooks/hooks.d");
    wait_until(
        "the changed hook files reach the host",
        Duration::from_secs(5),
        || {
            fs::read(hooks_d.join("10-a.json")).ok().as_deref() == Some(hook_file("two").as_bytes())
                && hooks_d.join("30-new.json").is_file()
                && !hooks_d.join("20-gone.json").exists()
        },
    );
    let now = snapshot(&host);
    for f in [
        "etc/containerd/config.toml",
        DROP_IN,
        "usr/local/container-hooks/bin/container-hooks-runtime",
    ] {
        assert_eq!(
            now[&host.join(f)],
            first[&host.join(f)],
            "{f} changed on a hook sync"
        );
    }
    let log_text = fs::read_to_string(&log1).unwrap();
    assert!(!log_text.contains("restart"), "{log_text}");
    assert!(!fs::read_to_string(&log2).unwrap().contains("wrote"));

    // SIGTERM: the first cleans up and exits 0; the second then installs.
    assert!(kill(first_pod.id(), libc::SIGTERM));
    assert!(
        wait_exit(&mut first_pod, &log1).success(),
        "{}",
        fs::read_to_string(&log1).unwrap()
    );
    wait_until(
        "the second installer installs",
        Duration::from_secs(10),
        || {
            fs::read_to_string(&log2)
                .unwrap_or_default()
                .contains("runs the shim")
        },
    );
    assert!(host.join(DROP_IN).is_file());
    assert!(kill(second_pod.id(), libc::SIGINT));
    assert!(
        wait_exit(&mut second_pod, &log2).success(),
        "{}",
        fs::read_to_string(&log2).unwrap()
    );
    // The host as it was: every file and directory, the engine config byte
    // for byte; no binaries, hook files, drop-in, record, state or lock
    // directory.
    assert_same_tree(&tree(&host), &before_tree, "after SIGTERM");
}

#[test]
fn a_bad_configmap_is_refused_naming_the_file_before_the_host_is_touched() {
    let tmp = tempfile::tempdir().unwrap();
    let host = debian_host(tmp.path());
    let before = snapshot(&host);
    let cfg = tmp.path().join("config");
    configmap_dir(
        &cfg,
        1,
        &[("hooks.json", "{\"prestart\": [{\"path\": \"true\"}]}")],
    );
    let out = run(&mut installer(&host, &cfg, &["--once"]));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Named as the operator knows it, not by the ConfigMap's dated
    // directory.
    assert!(
        stderr.contains(&format!("{}:", cfg.join("hooks.json").display())),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert_eq!(snapshot(&host), before);
    // A config.toml naming the pod's view of the host (the shim runs on the
    // host and would not find it).
    let toml = format!(
        "[container-hooks]\npath = \"{}/etc/container-hooks/hooks.json\"\n",
        host.display()
    );
    configmap_dir(&cfg, 2, &[("config.toml", &toml)]);
    let out = run(&mut installer(&host, &cfg, &["--once"]));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("config.toml") && stderr.contains("container-hooks.path"),
        "{stderr}"
    );
    assert_eq!(snapshot(&host), before);
}

/// A ConfigMap edit that the shim would refuse (a relative hook path, a
/// zero timeout, a regex that does not compile) is refused by the running
/// installer with the file and the field, and the hook files in force stay
/// on the host; a file that is a symlink out of the config directory (here
/// to a 0600 file) is never copied.
#[test]
fn hook_files_the_shim_refuses_never_reach_the_host() {
    let tmp = tempfile::tempdir().unwrap();
    let host = debian_host(tmp.path());
    let cfg = tmp.path().join("config");
    configmap_dir(&cfg, 1, &[("10-a.json", &hook_file("one"))]);
    let log = tmp.path().join("installer.log");
    let mut pod = spawn_logged(installer(&host, &cfg, &["--poll-interval", "200ms"]), &log);
    let log_text = || fs::read_to_string(&log).unwrap_or_default();
    wait_until("the installer is up", Duration::from_secs(10), || {
        log_text().contains("runs the shim")
    });
    let hooks_d = host.join("etc/container-hooks/hooks.d");
    let in_force = snapshot(&hooks_d);
    let bad = |hook: serde_json::Value, when: serde_json::Value| {
        serde_json::json!({"version": "1.0.0", "hook": hook, "when": when, "stages": ["prestart"]})
            .to_string()
    };
    let always = serde_json::json!({"always": true});
    let cases = [
        (
            bad(serde_json::json!({"path": "true"}), always.clone()),
            "field `hook.path`",
        ),
        (
            bad(
                serde_json::json!({"path": "/bin/true", "timeout": 0}),
                always.clone(),
            ),
            "field `hook.timeout`",
        ),
        (
            bad(
                serde_json::json!({"path": "/bin/true"}),
                serde_json::json!({"annotations": {"(": "x"}}),
            ),
            "field `when.annotations[\"(\"] (key)`: invalid regex",
        ),
    ];
    for (generation, (text, field)) in (2..).zip(&cases) {
        configmap_dir(
            &cfg,
            generation,
            &[("10-a.json", &hook_file("two")), ("20-bad.json", text)],
        );
        let line = format!("{}: {field}", cfg.join("20-bad.json").display());
        wait_until(&line, Duration::from_secs(10), || {
            log_text().contains(&line)
        });
        assert_eq!(snapshot(&hooks_d), in_force, "{field}: the host changed");
    }
    // A symlink out of the config directory, in the generation read.
    configmap_dir(&cfg, 9, &[("10-a.json", &hook_file("one"))]);
    let secret = tmp.path().join("secret.json");
    fs::write(&secret, hook_file("secret")).unwrap();
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink(&secret, cfg.join("..data/30-secret.json")).unwrap();
    let line = format!(
        "{}: leads to {}",
        cfg.join("30-secret.json").display(),
        secret.display()
    );
    wait_until(&line, Duration::from_secs(10), || {
        log_text().contains(&line)
    });
    assert_eq!(snapshot(&hooks_d), in_force);
    assert!(kill(pod.id(), libc::SIGTERM));
    assert!(wait_exit(&mut pod, &log).success(), "{}", log_text());
}

/// `containerd config dump` of the host's main file, in a mount namespace
/// where the host's /etc/containerd is at /etc/containerd, so that the
/// host-path `imports` resolve as on the node.
fn dump_on_host(host: &Path) -> toml::Value {
    let out = run(Command::new(require("unshare"))
        .args(["-m", "sh", "-c"])
        .arg("mount --bind \"$1\" /etc/containerd && exec \"$2\" --config /etc/containerd/config.toml config dump")
        .arg("sh")
        .arg(host.join("etc/containerd"))
        .arg(require("containerd")));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "containerd config dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    toml::from_str(&text).unwrap_or_else(|e| panic!("dump is not TOML: {e}\n{text}"))
}

fn toml_file(p: &Path) -> toml::Value {
    toml::from_str(&fs::read_to_string(p).unwrap()).unwrap()
}

/// The engine files of a host root, parsed.
fn engine_values(host: &Path) -> BTreeMap<PathBuf, toml::Value> {
    let mut out = BTreeMap::new();
    for dir in ["etc/containerd", "etc/crio"] {
        if !host.join(dir).exists() {
            continue;
        }
        for (p, _) in snapshot(&host.join(dir)) {
            out.insert(p.clone(), toml_file(&p));
        }
    }
    out
}

#[test]
fn image_installs_onto_a_host_root_and_docker_stop_restores_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let daemon_json = dir.join("daemon.json");
    fs::write(&daemon_json, "{}").unwrap();
    let d = Dockerd::start(&dir.join("docker"), &daemon_json);
    // The image, built with the one command, offline, into this dockerd.
    let tag = format!("{}:test", unique("chtk-installer"));
    let target = bin("container-hooks-ctk")
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .to_path_buf();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = run(Command::new(cargo)
        .current_dir(repo_root())
        .env("CARGO_TARGET_DIR", target.join("image-build"))
        .args([
            "run",
            "--quiet",
            "-p",
            "xtask",
            "--",
            "image",
            "--profile",
            "dev",
            "--tag",
            &tag,
            "--docker-host",
        ])
        .arg(format!("unix://{}", d.socket.display())));
    assert!(
        out.status.success(),
        "cargo xtask image failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cases: [(&str, &[(&str, &str)]); 3] = [
        (
            "containerd v2 (Debian)",
            &[(
                "containerd/v2-debian-package.toml",
                "etc/containerd/config.toml",
            )],
        ),
        (
            "containerd v3",
            &[(
                "containerd/v3-containerd-2.x.toml",
                "etc/containerd/config.toml",
            )],
        ),
        (
            "crio",
            &[
                ("crio/crio.conf", "etc/crio/crio.conf"),
                (
                    "crio/crio.conf.d/10-crun.conf",
                    "etc/crio/crio.conf.d/10-crun.conf",
                ),
            ],
        ),
    ];
    for (what, files) in cases {
        let case = dir.join(unique("case"));
        let host = case.join("host");
        for (from, to) in files {
            fs::create_dir_all(host.join(to).parent().unwrap()).unwrap();
            copy_rw(&fixtures().join("engines").join(from), &host.join(to));
        }
        let engine_before = engine_values(&host);
        let tree_before = tree(&host);
        let cfg = case.join("config");
        configmap_dir(
            &cfg,
            1,
            &[("hooks.json", "{}"), ("10-a.json", &hook_file("a"))],
        );
        let name = unique("chtk-installer");
        let out = run(d
            .docker()
            .args(["run", "-d", "--network", "none", "--name", &name, "-v"])
            .arg(format!("{}:/host", host.display()))
            .arg("-v")
            .arg(format!("{}:/config:ro", cfg.display()))
            .args([&tag, "--restart-mode", "none", "--poll-interval", "1s"]));
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let logs = || {
            let o = run(d.docker().args(["logs", &name]));
            String::from_utf8_lossy(&o.stderr).into_owned() + &String::from_utf8_lossy(&o.stdout)
        };
        let start = Instant::now();
        while !logs().contains("runs the shim") {
            let running = run_ok(
                d.docker()
                    .args(["inspect", "-f", "{{.State.Running}}", &name]),
            );
            assert!(
                running.trim() == "true",
                "{what}: the installer exited:\n{}",
                logs()
            );
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{what}: {}",
                logs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // The binaries are on the host, static, and run there.
        let marker = host.join(TOOLKIT).join("container-hooks");
        let out = run(Command::new(&marker).arg("--version"));
        assert!(
            out.status.success(),
            "{what}: the installed marker does not run"
        );
        assert!(host.join(TOOLKIT).join("container-hooks-runtime").is_file());
        assert!(host.join("etc/container-hooks/hooks.d/10-a.json").is_file());
        if what.starts_with("containerd") {
            let main = toml_file(&host.join("etc/containerd/config.toml"));
            let imports: Vec<&str> = main["imports"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|v| v.as_str())
                .collect();
            assert_eq!(imports, ["/etc/containerd/conf.d/*.toml"], "{what}");
            let dump = dump_on_host(&host);
            let din = toml_file(&host.join(DROP_IN));
            if what.contains("v2") {
                let cri = &dump["plugins"]["io.containerd.grpc.v1.cri"];
                let ours = &cri["containerd"]["runtimes"]["container-hooks"];
                assert_eq!(
                    ours["options"]["BinaryName"].as_str(),
                    Some(SHIM_ON_HOST),
                    "{what}"
                );
                assert_eq!(ours["runtime_type"].as_str(), Some("io.containerd.runc.v2"));
                assert!(
                    cri["containerd"]["runtimes"].get("runc").is_some(),
                    "{what}: runc gone"
                );
                assert_eq!(
                    cri["cni"]["bin_dir"].as_str(),
                    Some("/usr/lib/cni"),
                    "{what}"
                );
                let imported = dump["imports"].as_array().unwrap();
                assert!(
                    imported
                        .iter()
                        .any(|i| i.as_str()
                            == Some("/etc/containerd/conf.d/99-container-hooks.toml")),
                    "{what}: {imported:?}"
                );
            } else {
                // containerd 1.6 (Debian 12) accepts the file but drops the
                // version-3 plugin tables from its dump: check the drop-in.
                let ours = &din["plugins"]["io.containerd.cri.v1.runtime"]["containerd"]
                    ["runtimes"]["container-hooks"];
                assert_eq!(
                    ours["options"]["BinaryName"].as_str(),
                    Some(SHIM_ON_HOST),
                    "{what}"
                );
                assert_eq!(din["version"].as_integer(), Some(3));
            }
        } else {
            let din = toml_file(&host.join(CRIO_DROP_IN));
            let ours = &din["crio"]["runtime"]["runtimes"]["container-hooks"];
            assert_eq!(
                ours["runtime_path"].as_str(),
                Some(SHIM_ON_HOST),
                "{what}: {din:?}"
            );
        }
        // docker stop: SIGTERM to the installer, which cleans up and exits 0.
        run_ok(d.docker().args(["stop", "-t", "60", &name]));
        let code = run_ok(
            d.docker()
                .args(["inspect", "-f", "{{.State.ExitCode}}", &name]),
        );
        assert_eq!(code.trim(), "0", "{what}: {}", logs());
        assert!(logs().contains("removed the toolkit"), "{what}: {}", logs());
        run_ok(d.docker().args(["rm", &name]));
        assert_eq!(
            engine_values(&host),
            engine_before,
            "{what}: engine configs differ"
        );
        assert!(!host.join(TOOLKIT).exists(), "{what}: binaries left");
        let now = tree(&host);
        let left: Vec<&PathBuf> = now.paths().filter(|p| !tree_before.contains(p)).collect();
        assert!(left.is_empty(), "{what}: left on the host: {left:?}");
    }
    run(d.docker().args(["rmi", &tag]));
}

#[test]
fn isolated_containerd_on_the_wired_host_config_runs_a_hook_and_keeps_the_shim_while_used() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let host = dir.join("host");
    let own = dir.join("containerd");
    fs::create_dir_all(host.join("etc/containerd")).unwrap();
    fs::create_dir_all(&own).unwrap();
    let address = own.join("c.sock");
    // The node's containerd state directory is a host path (as
    // /run/containerd is): the installer looks there for running tasks.
    let run_state = RunDir::new();
    fs::create_dir_all(host.join(run_state.0.strip_prefix("/").unwrap())).unwrap();
    // The node's containerd config: its own root, state and socket.
    fs::write(
        host.join("etc/containerd/config.toml"),
        format!(
            "version = 2\nroot = {:?}\nstate = {:?}\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n\n[grpc]\n  address = {:?}\n\n[plugins.\"io.containerd.internal.v1.opt\"]\n  path = {:?}\n",
            own.join("root"),
            run_state.0,
            address,
            own.join("opt"),
        ),
    )
    .unwrap();
    let hook = dir.join("recorder.sh");
    let record = dir.join("record.txt");
    recorder_hook(&hook, &record);
    let hooks_json = serde_json::json!({
        "prestart": [{"path": hook, "args": ["recorder", "prestart"]}]
    })
    .to_string();
    let cfg = dir.join("config");
    configmap_dir(&cfg, 1, &[("hooks.json", &hooks_json)]);
    let out = run(&mut installer(
        &host,
        &cfg,
        &["--once", "--runtime", "containerd"],
    ));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = containerd_on_host(&host, &own, &run_state, &address);
    let rootfs = dir.join("rootfs");
    busybox_rootfs(&rootfs);
    let id = unique("chtk-k8s");
    let out = c.run_rootfs(Path::new(SHIM_ON_HOST), &rootfs, &id, &[], &["/bin/true"]);
    assert!(
        out.status.success(),
        "ctr run failed: {}\ncontainerd log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        fs::read_to_string(&c.log).unwrap_or_default()
    );
    let stages: Vec<String> = read_record(&record).into_iter().map(|(s, _)| s).collect();
    assert_eq!(stages, ["prestart"]);

    // A container still running through the shim when the pod goes: the
    // wiring goes, the binaries stay so that it can be stopped.
    let long = unique("chtk-k8s-long");
    let rootfs2 = dir.join("rootfs2");
    busybox_rootfs(&rootfs2);
    run_ok(
        c.ctr()
            .args([
                "run",
                "-d",
                "--null-io",
                "--runc-binary",
                SHIM_ON_HOST,
                "--rootfs",
            ])
            .arg(&rootfs2)
            .args([&long, "/bin/sleep", "60"]),
    );
    let remove = || installer_remove(&host);
    let out = remove();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(&long), "{stderr}");
    assert!(!host.join(DROP_IN).exists());
    assert!(host.join(TOOLKIT).join("container-hooks-runtime").is_file());
    // The container stops and goes, through the kept shim.
    run_ok(c.ctr().args(["task", "kill", "-s", "KILL", &long]));
    wait_until("the task stops", Duration::from_secs(10), || {
        run(c.ctr().args(["task", "ls"]))
            .stdout
            .split(|b| *b == b'\n')
            .any(|l| {
                String::from_utf8_lossy(l).starts_with(&long)
                    && String::from_utf8_lossy(l).contains("STOPPED")
            })
    });
    run_ok(c.ctr().args(["task", "rm", &long]));
    run_ok(c.ctr().args(["container", "rm", &long]));
    // Now the binaries go.
    let out = remove();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!host.join("usr/local/container-hooks").exists());
    drop(c);
}

/// The DaemonSet's flow as kubelet sees it: the installer wires a node's
/// containerd (its CRI plugin serving pods) with the drop-in; a pod whose
/// RuntimeClass handler is `container-hooks` gets the ConfigMap's hooks in
/// its sandbox and its workload, a pod without one does not; with
/// `--pod-annotations`, a ConfigMap hook conditioned on a pod annotation
/// runs for the annotated pod; and a changed ConfigMap reaches the next pod
/// while containerd keeps running.
#[test]
fn runtime_class_pods_get_the_configmaps_hooks_through_the_cri_and_its_changes_without_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let host = dir.join("host");
    let own = dir.join("containerd");
    fs::create_dir_all(host.join("etc/containerd")).unwrap();
    fs::create_dir_all(&own).unwrap();
    // What the CRI plugin copies into a host-network sandbox.
    for f in ["hosts", "resolv.conf"] {
        fs::copy(Path::new("/etc").join(f), host.join("etc").join(f)).unwrap();
    }
    let run_state = RunDir::new();
    fs::create_dir_all(host.join(run_state.0.strip_prefix("/").unwrap())).unwrap();
    fs::write(
        host.join("etc/containerd/config.toml"),
        Containerd::cri_config(&own, &run_state.0),
    )
    .unwrap();
    let hook = dir.join("recorder.sh");
    let record = dir.join("record.txt");
    recorder_hook(&hook, &record);
    let hooks_json = |label: &str| {
        serde_json::json!({"prestart": [{"path": hook, "args": ["recorder", label]}]}).to_string()
    };
    let verify = serde_json::json!({
        "version": "1.0.0",
        "hook": {"path": hook, "args": ["recorder", "annotated"], "timeout": 10},
        "when": {"annotations": {"^io\\.example\\.verify$": "^true$"}},
        "stages": ["prestart"],
    })
    .to_string();
    let cfg = dir.join("config");
    configmap_dir(
        &cfg,
        1,
        &[
            ("hooks.json", &hooks_json("configmap-1")),
            ("20-verify.json", &verify),
        ],
    );
    let log = dir.join("installer.log");
    let mut pod = spawn_logged(
        installer(
            &host,
            &cfg,
            &[
                "--runtime",
                "containerd",
                "--poll-interval",
                "200ms",
                "--pod-annotations",
                "io.example.*",
            ],
        ),
        &log,
    );
    wait_until("the installer is up", Duration::from_secs(10), || {
        fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("runs the shim")
    });
    // The node's containerd, started after the installer wired it.
    let c = containerd_on_host(&host, &own, &run_state, &own.join("c.sock"));
    c.import_image(&pause_image());
    c.import_image(&busybox_image());
    let mut cri = c.cri();
    let mut hooks_of = |pod: &Pod| {
        let run = cri.run_pod(pod).unwrap_or_else(|e| {
            panic!(
                "{pod:?}: {e}\ncontainerd's log:\n{}",
                fs::read_to_string(&c.log).unwrap_or_default()
            )
        });
        assert_eq!(run.exit_code, 0, "{pod:?}");
        (
            recorded_for(&record, &run.sandbox_id),
            recorded_for(&record, &run.container_id),
        )
    };
    let both = |label: &str| (vec![label.to_string()], vec![label.to_string()]);
    assert_eq!(
        hooks_of(&Pod::new("opted-in", "container-hooks")),
        both("configmap-1")
    );
    assert_eq!(hooks_of(&Pod::new("plain", "")), (vec![], vec![]));
    let annotated =
        Pod::new("annotated", "container-hooks").annotation("io.example.verify", "true");
    let labels = vec!["configmap-1".to_string(), "annotated".to_string()];
    assert_eq!(hooks_of(&annotated), (labels.clone(), labels));

    // The ConfigMap changes; the installer writes the new hooks.json on the
    // host, and the next pod gets it from the shim, with no restart.
    configmap_dir(
        &cfg,
        2,
        &[
            ("hooks.json", &hooks_json("configmap-2")),
            ("20-verify.json", &verify),
        ],
    );
    let on_host = host.join("etc/container-hooks/hooks.json");
    wait_until(
        "the changed hooks.json reaches the host",
        Duration::from_secs(5),
        || fs::read_to_string(&on_host).ok() == Some(hooks_json("configmap-2")),
    );
    assert_eq!(
        hooks_of(&Pod::new("after-change", "container-hooks")),
        both("configmap-2")
    );

    assert!(kill(pod.id(), libc::SIGTERM));
    assert!(
        wait_exit(&mut pod, &log).success(),
        "{}",
        fs::read_to_string(&log).unwrap()
    );
    drop(c);
}

/// The node's containerd on the host root's wired config, in a mount
/// namespace that shows the host root's /etc, /usr/local and state
/// directory at their host paths (the imports, the shim's
/// /etc/container-hooks and the shim itself are named by host paths); its
/// own files under `own`, its gRPC socket `address`.
fn containerd_on_host(host: &Path, own: &Path, run_state: &RunDir, address: &Path) -> Containerd {
    let mut cmd = Command::new(require("unshare"));
    cmd.args(["-m", "sh", "-c"])
        .arg("mount --rbind \"$1/etc\" /etc && mount --bind \"$1/usr/local\" /usr/local && mount --bind \"$1$3\" \"$3\" && exec \"$2\" --config /etc/containerd/config.toml")
        .arg("sh")
        .arg(host)
        .arg(require("containerd"))
        .arg(&run_state.0);
    Containerd::start_command(own, &host.join("etc/containerd/config.toml"), address, cmd)
}

/// A directory of the machine's /run, for a state directory that must have
/// the same path inside and outside a mount namespace; removed on drop.
struct RunDir(PathBuf);

impl RunDir {
    fn new() -> RunDir {
        let p = PathBuf::from("/run").join(unique("chtk-k8s-state"));
        fs::create_dir_all(&p).unwrap();
        RunDir(p)
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// containerd before 2.1 replaces whole plugin tables when it merges an
/// import: the drop-in's copy of the CRI table must follow the main file,
/// or a later change to the main file is silently undone.
#[test]
fn drop_in_copy_of_the_cri_table_follows_the_main_file() {
    let tmp = tempfile::tempdir().unwrap();
    let host = debian_host(tmp.path());
    let cfg = tmp.path().join("config");
    configmap_dir(&cfg, 1, &[("hooks.json", "{}")]);
    let log = tmp.path().join("installer.log");
    let mut pod = spawn_logged(installer(&host, &cfg, &["--poll-interval", "200ms"]), &log);
    wait_until("the installer is up", Duration::from_secs(10), || {
        fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("runs the shim")
    });
    let bin_dir = |v: &toml::Value| {
        v["plugins"]["io.containerd.grpc.v1.cri"]["cni"]["bin_dir"]
            .as_str()
            .map(str::to_string)
    };
    assert_eq!(
        bin_dir(&toml_file(&host.join(DROP_IN))).as_deref(),
        Some("/usr/lib/cni")
    );
    // The operator changes the main file.
    let main = host.join("etc/containerd/config.toml");
    let edited = fs::read_to_string(&main)
        .unwrap()
        .replace("bin_dir = \"/usr/lib/cni\"", "bin_dir = \"/opt/cni/bin\"");
    fs::write(&main, &edited).unwrap();
    wait_until(
        "the drop-in follows the main file",
        Duration::from_secs(5),
        || bin_dir(&toml_file(&host.join(DROP_IN))).as_deref() == Some("/opt/cni/bin"),
    );
    let din = toml_file(&host.join(DROP_IN));
    assert_eq!(
        din["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]["container-hooks"]
            ["options"]["BinaryName"]
            .as_str(),
        Some(SHIM_ON_HOST)
    );
    assert!(kill(pod.id(), libc::SIGTERM));
    assert!(wait_exit(&mut pod, &log).success());
    // The operator's change stays; the imports line goes.
    let expected = fs::read_to_string(fixtures().join("engines/containerd/v2-debian-package.toml"))
        .unwrap()
        .replace("bin_dir = \"/usr/lib/cni\"", "bin_dir = \"/opt/cni/bin\"");
    assert_ne!(edited, expected);
    assert_eq!(fs::read_to_string(&main).unwrap(), expected);
    assert!(!host.join(DROP_IN).exists());
}

/// `installer remove` cleans up after a pod killed without its cleanup,
/// and puts back the default runtime that --set-as-default replaced.
#[test]
fn installer_remove_after_a_killed_pod_restores_the_default_runtime() {
    let tmp = tempfile::tempdir().unwrap();
    let host = debian_host(tmp.path());
    let original = fs::read_to_string(host.join("etc/containerd/config.toml")).unwrap();
    let cfg = tmp.path().join("config");
    configmap_dir(&cfg, 1, &[("hooks.json", "{}")]);
    let log = tmp.path().join("installer.log");
    let mut pod = spawn_logged(
        installer(
            &host,
            &cfg,
            &["--set-as-default", "--poll-interval", "200ms"],
        ),
        &log,
    );
    wait_until("the installer is up", Duration::from_secs(10), || {
        fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("runs the shim")
    });
    let dump = dump_on_host(&host);
    assert_eq!(
        dump["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["default_runtime_name"].as_str(),
        Some("container-hooks")
    );
    // Killed: no cleanup; the binaries stay, so the node keeps working.
    assert!(kill(pod.id(), libc::SIGKILL));
    let _ = pod.wait();
    assert!(host.join(TOOLKIT).join("container-hooks-runtime").is_file());
    let out = installer_remove(&host);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        fs::read_to_string(host.join("etc/containerd/config.toml")).unwrap(),
        original
    );
    assert!(!host.join(DROP_IN).exists());
    assert!(!host.join("usr/local/container-hooks").exists());
    assert!(!host.join("etc/container-hooks").exists());
}

#[test]
fn engine_is_detected_from_the_host_root_and_impossible_modes_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("config");
    configmap_dir(&cfg, 1, &[("hooks.json", "{}")]);
    // Nothing there: one line naming the host root, nothing written.
    let empty = tmp.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    let out = run(&mut installer(&empty, &cfg, &["--once"]));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:", empty.display())),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(snapshot(&empty).is_empty());
    // Neither containerd nor CRI-O takes a new runtime on a signal: the
    // mode is refused with the reason, before the host is touched.
    let host = debian_host(tmp.path());
    let crio = tmp.path().join("crio-host");
    fs::create_dir_all(crio.join("etc/crio")).unwrap();
    copy_rw(
        &fixtures().join("engines/crio/crio.conf"),
        &crio.join("etc/crio/crio.conf"),
    );
    for (host, why) in [
        (&host, "containerd does not reload its config on SIGHUP"),
        (&crio, "CRI-O does not take a new runtime handler on SIGHUP"),
    ] {
        let before = tree(host);
        let mut c = ctk();
        c.args([
            "installer",
            "run",
            "--once",
            "--restart-mode",
            "signal",
            "--host-root",
        ])
        .arg(host)
        .arg("--config-dir")
        .arg(&cfg)
        .arg("--source-dir")
        .arg(bin("container-hooks-ctk").parent().unwrap());
        let out = run(&mut c);
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("--restart-mode signal: {why}")),
            "{stderr}"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert_same_tree(&tree(host), &before, "signal refused");
    }
    // The installer's help offers only the modes that work.
    let help = run_ok(ctk().args(["installer", "run", "--help"]));
    let modes = &help[help.find("--restart-mode").unwrap()..help.find("--state-dir").unwrap()];
    assert!(
        modes.contains("- systemd:") && modes.contains("- none:"),
        "{modes}"
    );
    assert!(!modes.contains("signal:"), "{modes}");
    // CRI-O is found from /etc/crio.
    let out = run(&mut installer(&crio, &cfg, &["--once"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(crio.join(CRIO_DROP_IN).is_file());
}

/// CRI-O keeps, in each sandbox's config.json under its run root, the
/// runtime handler its pod was created through, and stops the pod's
/// containers through the runtime that handler names. While pods created
/// through `container-hooks` exist, the installer's cleanup takes the
/// handler out of CRI-O's files but keeps the binaries, and does not
/// restart CRI-O (which would then know no runtime to stop them with);
/// `installer remove`, once they are gone, restarts it and takes the rest,
/// leaving the host as it was.
#[test]
fn crio_pods_created_through_the_handler_keep_the_binaries_until_they_are_gone() {
    let tmp = tempfile::tempdir().unwrap();
    let host = tmp.path().join("host");
    fs::create_dir_all(host.join("etc/crio")).unwrap();
    copy_rw(
        &fixtures().join("engines/crio/crio.conf"),
        &host.join("etc/crio/crio.conf"),
    );
    // CRI-O's run root (its default, /run/containers/storage).
    let sandboxes = host.join("run/containers/storage/overlay-containers");
    fs::create_dir_all(&sandboxes).unwrap();
    let before = tree(&host);
    let cfg = tmp.path().join("config");
    configmap_dir(&cfg, 1, &[("hooks.json", "{}")]);
    let log = tmp.path().join("installer.log");
    let log_text = || fs::read_to_string(&log).unwrap_or_default();
    let mut pod = spawn_logged(installer(&host, &cfg, &["--poll-interval", "200ms"]), &log);
    wait_until("the installer is up", Duration::from_secs(10), || {
        log_text().contains("runs the shim")
    });
    let din = toml_file(&host.join(CRIO_DROP_IN));
    assert_eq!(
        din["crio"]["runtime"]["runtimes"]["container-hooks"]["runtime_path"].as_str(),
        Some(SHIM_ON_HOST)
    );
    // Two pods as CRI-O records them: one created through the handler, one
    // through the default runtime (handler "").
    let sandbox = |id: &str, handler: &str, name: &str| {
        let dir = sandboxes.join(id).join("userdata");
        fs::create_dir_all(&dir).unwrap();
        let spec = serde_json::json!({
            "ociVersion": "1.0.2-dev",
            "process": {"args": ["/pause"]},
            "annotations": {
                "io.kubernetes.cri-o.ContainerType": "sandbox",
                "io.kubernetes.cri-o.RuntimeHandler": handler,
                "io.kubernetes.cri-o.Namespace": "default",
                "io.kubernetes.cri-o.KubeName": name,
                "io.kubernetes.cri-o.SandboxID": id,
            }
        });
        fs::write(dir.join("config.json"), spec.to_string()).unwrap();
        sandboxes.join(id)
    };
    let ours = sandbox(
        "5f0c4e3b2a1d9c8b7a6f5e4d3c2b1a0f5f0c4e3b2a1d9c8b7a6f5e4d3c2b1a0f",
        "container-hooks",
        "web",
    );
    let other = sandbox(
        "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "",
        "plain",
    );

    assert!(kill(pod.id(), libc::SIGTERM));
    assert!(wait_exit(&mut pod, &log).success(), "{}", log_text());
    let all = log_text();
    let text = &all[all.find("SIGTERM").unwrap()..];
    assert!(
        text.contains("pod default/web (sandbox 5f0c4e3b2a1d9)"),
        "{text}"
    );
    assert!(!text.contains("pod default/plain"), "{text}");
    assert!(text.contains("not restarting crio"), "{text}");
    assert!(!text.contains("systemctl restart crio"), "{text}");
    assert!(!host.join(CRIO_DROP_IN).exists());
    assert!(host.join(TOOLKIT).join("container-hooks-runtime").is_file());
    assert!(!host.join("etc/container-hooks").exists());

    // The pod goes: installer remove restarts CRI-O (here: prints how) and
    // takes the binaries.
    fs::remove_dir_all(&ours).unwrap();
    let out = installer_remove(&host);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("to apply the change, run: systemctl restart crio"),
        "{stderr}"
    );
    assert!(stderr.contains("removed the toolkit from crio"), "{stderr}");
    fs::remove_dir_all(&other).unwrap();
    assert_same_tree(&tree(&host), &before, "after installer remove");
}

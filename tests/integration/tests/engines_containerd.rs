//! `ctk runtime configure --runtime containerd` against the real
//! containerd: every configured version-2 fixture (and a missing file) is
//! accepted by `containerd config dump`, which shows the runtime with its
//! BinaryName and still shows runc; a drop-in merges into a working config;
//! and an isolated containerd runs a container through the shim with its
//! hooks.

use integration_tests::daemons::Containerd;
use integration_tests::{
    bin, busybox_rootfs, ctk, fixtures, read_record, recorder_hook, require, run, unique, Toolkit,
};
use std::path::Path;
use std::process::Command;

const NAME: &str = "container-hooks";

fn configure(config: &Path, drop_in: Option<&Path>, state: &Path, shim: &Path) {
    let mut c = ctk();
    c.args([
        "runtime",
        "configure",
        "--runtime",
        "containerd",
        "--config",
    ])
    .arg(config)
    .arg("--path")
    .arg(shim)
    .arg("--state-dir")
    .arg(state);
    if let Some(d) = drop_in {
        c.arg("--drop-in").arg(d);
    }
    let out = run(&mut c);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `containerd --config F config dump`, which must succeed.
fn dump(config: &Path) -> toml::Value {
    let out = run(Command::new(require("containerd"))
        .arg("--config")
        .arg(config)
        .args(["config", "dump"]));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "containerd config dump of {} failed: {}",
        config.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    toml::from_str(&text).unwrap_or_else(|e| panic!("dump is not TOML: {e}\n{text}"))
}

fn cri(d: &toml::Value) -> &toml::Value {
    &d["plugins"]["io.containerd.grpc.v1.cri"]
}

#[test]
fn configured_version_2_files_pass_config_dump() {
    let shim = Path::new("/usr/bin/container-hooks-runtime");
    let cases = [
        Some("v2-containerd-1.6-default.toml"),
        Some("v2-debian-package.toml"),
        Some("empty.toml"),
        None, // a missing file
    ];
    for fixture in cases {
        for drop_in in [false, true] {
            let tmp = tempfile::tempdir().unwrap();
            let config = tmp.path().join("config.toml");
            if let Some(f) = fixture {
                std::fs::copy(fixtures().join("engines/containerd").join(f), &config).unwrap();
            }
            let din = tmp.path().join("conf.d/99-container-hooks.toml");
            configure(
                &config,
                drop_in.then_some(din.as_path()),
                &tmp.path().join("state"),
                shim,
            );
            let what = format!("{fixture:?} drop-in={drop_in}");
            let d = dump(&config);
            let runtimes = &cri(&d)["containerd"]["runtimes"];
            let ours = &runtimes[NAME];
            assert_eq!(
                ours["runtime_type"].as_str(),
                Some("io.containerd.runc.v2"),
                "{what}"
            );
            assert_eq!(
                ours["options"]["BinaryName"].as_str(),
                shim.to_str(),
                "{what}"
            );
            assert_eq!(
                runtimes["runc"]["runtime_type"].as_str(),
                Some("io.containerd.runc.v2"),
                "{what}: runc is gone from the merged config"
            );
            assert_eq!(
                cri(&d)["containerd"]["default_runtime_name"].as_str(),
                Some("runc"),
                "{what}"
            );
            if fixture == Some("v2-debian-package.toml") {
                // The main file's CRI settings survive the drop-in merge.
                assert_eq!(
                    cri(&d)["cni"]["bin_dir"].as_str(),
                    Some("/usr/lib/cni"),
                    "{what}"
                );
            }
            if drop_in {
                let imports = d["imports"].as_array().unwrap();
                assert!(
                    imports.iter().any(|i| i.as_str() == din.to_str()),
                    "{what}: {imports:?}"
                );
            }
        }
    }
}

#[test]
fn set_as_default_in_a_drop_in_keeps_systemd_cgroup() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config.toml");
    std::fs::copy(
        fixtures().join("engines/containerd/v2-containerd-1.6-default.toml"),
        &config,
    )
    .unwrap();
    // An operator's SystemdCgroup = true on runc carries over.
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("SystemdCgroup = false", "SystemdCgroup = true");
    std::fs::write(&config, text).unwrap();
    let din = tmp.path().join("conf.d/99-container-hooks.toml");
    let out = run(ctk()
        .args([
            "runtime",
            "configure",
            "--runtime",
            "containerd",
            "--set-as-default",
            "--config",
        ])
        .arg(&config)
        .arg("--drop-in")
        .arg(&din)
        .arg("--state-dir")
        .arg(tmp.path().join("state")));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = dump(&config);
    assert_eq!(
        cri(&d)["containerd"]["default_runtime_name"].as_str(),
        Some(NAME)
    );
    let ours = &cri(&d)["containerd"]["runtimes"][NAME];
    assert_eq!(ours["options"]["SystemdCgroup"].as_bool(), Some(true));
    assert_eq!(
        cri(&d)["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"].as_bool(),
        Some(true)
    );
}

#[test]
fn isolated_containerd_runs_a_container_through_the_shim() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let toolkit = Toolkit::new(&dir.join("toolkit"), &["runc"]);
    let hook = dir.join("toolkit/recorder.sh");
    let record = dir.join("record.txt");
    recorder_hook(&hook, &record);
    toolkit.write_hooks_json(&serde_json::json!({
        "prestart": [{"path": hook, "args": ["recorder", "prestart"]}],
        "poststop": [{"path": hook, "args": ["recorder", "poststop"]}]
    }));
    let c = Containerd::start_with_env(
        &dir.join("containerd"),
        "",
        &[("CONTAINER_HOOKS_CONFIG", toolkit.config.as_path())],
    );
    let rootfs = dir.join("rootfs");
    busybox_rootfs(&rootfs);
    let id = unique("chtk-ctr");
    let out = c.run_rootfs(
        &bin("container-hooks-runtime"),
        &rootfs,
        &id,
        &[],
        &["/bin/true"],
    );
    assert!(
        out.status.success(),
        "ctr run failed: {}\ncontainerd log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(&c.log).unwrap_or_default()
    );
    let stages: Vec<String> = read_record(&record).into_iter().map(|(s, _)| s).collect();
    assert!(stages.contains(&"prestart".to_string()), "{stages:?}");
}

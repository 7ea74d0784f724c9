//! `ctk runtime configure|remove --runtime docker` against a real, isolated
//! dockerd: the daemon.json it writes makes the shim Docker's default
//! runtime, containers run through it with their hooks, and after remove
//! and a reload Docker no longer uses it.

use integration_tests::daemons::Dockerd;
use integration_tests::{bin, ctk, read_record, recorder_hook, run, run_ok, unique, Toolkit};
use std::path::Path;
use std::time::Duration;

fn ctk_runtime(sub: &str, daemon_json: &Path, state: &Path, extra: &[&str]) -> String {
    let mut c = ctk();
    c.args(["runtime", sub, "--runtime", "docker", "--config"])
        .arg(daemon_json)
        .arg("--state-dir")
        .arg(state)
        .args(extra);
    let out = run(&mut c);
    assert!(
        out.status.success(),
        "ctk runtime {sub} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn wait_until(what: &str, cond: impl FnMut() -> bool) {
    integration_tests::wait_until(what, Duration::from_secs(30), cond);
}

#[test]
fn configure_set_as_default_runs_hooks_and_remove_takes_it_out() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let toolkit = Toolkit::new(&dir.join("toolkit"), &["runc"]);
    let hook = dir.join("toolkit/recorder.sh");
    let record = dir.join("record.txt");
    recorder_hook(&hook, &record);
    toolkit.write_hooks_json(&serde_json::json!({
        "prestart": [{"path": hook, "args": ["recorder", "prestart"]}]
    }));
    let daemon_json = dir.join("daemon.json");
    let state = dir.join("state");
    let shim = bin("container-hooks-runtime");
    ctk_runtime(
        "configure",
        &daemon_json,
        &state,
        &["--set-as-default", "--path", shim.to_str().unwrap()],
    );
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&daemon_json).unwrap()).unwrap();
    assert_eq!(written["default-runtime"], "container-hooks");

    let d = Dockerd::start_with_env(
        &dir.join("docker"),
        &daemon_json,
        &[("CONTAINER_HOOKS_CONFIG", toolkit.config.as_path())],
    );
    let info = d.info();
    assert_eq!(info["DefaultRuntime"], "container-hooks", "{info}");
    assert_eq!(
        info["Runtimes"]["container-hooks"]["path"],
        shim.to_str().unwrap(),
        "{info}"
    );

    d.import_busybox("chtk-busybox");
    let name = unique("chtk-docker");
    run_ok(d.docker().args([
        "run",
        "--rm",
        "--network",
        "none",
        "--name",
        &name,
        "chtk-busybox",
        "/bin/true",
    ]));
    let rec = read_record(&record);
    assert_eq!(rec.len(), 1, "the prestart hook ran once: {rec:?}");
    assert_eq!(rec[0].0, "prestart");
    assert!(
        rec[0].1["id"].as_str().is_some_and(|id| !id.is_empty()),
        "{:?}",
        rec[0].1
    );

    // Remove and reload: Docker's own default is back, without a restart.
    let notes = ctk_runtime("remove", &daemon_json, &state, &[]);
    assert!(notes.contains("\"runc\""), "{notes}");
    d.reload();
    wait_until("dockerd reload", || d.info()["DefaultRuntime"] == "runc");
    run_ok(d.docker().args([
        "run",
        "--rm",
        "--network",
        "none",
        "chtk-busybox",
        "/bin/true",
    ]));
    assert_eq!(
        read_record(&record).len(),
        1,
        "a container after remove went through the shim"
    );
}

#[test]
fn restart_mode_signal_reloads_dockerd_through_its_pid_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let daemon_json = dir.join("daemon.json");
    std::fs::write(&daemon_json, "{\n  \"debug\": false\n}\n").unwrap();
    let d = Dockerd::start(&dir.join("docker"), &daemon_json);
    assert!(d.info()["Runtimes"].get("container-hooks").is_none());
    let shim = bin("container-hooks-runtime");
    let out = run(ctk()
        .args(["runtime", "configure", "--runtime", "docker", "--config"])
        .arg(&daemon_json)
        .arg("--state-dir")
        .arg(dir.join("state"))
        .args([
            "--path",
            shim.to_str().unwrap(),
            "--restart-mode",
            "signal",
            "--pid-file",
        ])
        .arg(&d.pidfile));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("pid {}", d.pid())), "{stderr}");
    wait_until("the new runtime in docker info", || {
        d.info()["Runtimes"]["container-hooks"]["path"] == shim.to_str().unwrap()
    });
    assert_eq!(d.info()["DefaultRuntime"], "runc");

    // A pid file naming no process: a clear error, exit 1.
    let bad = dir.join("bad.pid");
    std::fs::write(&bad, "not-a-pid\n").unwrap();
    let out = run(ctk()
        .args(["runtime", "remove", "--runtime", "docker", "--config"])
        .arg(&daemon_json)
        .arg("--state-dir")
        .arg(dir.join("state"))
        .args(["--restart-mode", "signal", "--pid-file"])
        .arg(&bad));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bad.pid: holds \"not-a-pid\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

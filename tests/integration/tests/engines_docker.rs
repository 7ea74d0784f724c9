//! `ctk runtime configure|remove --runtime docker` against a real, isolated
//! dockerd: the daemon.json it writes makes the shim Docker's default
//! runtime, containers run through it with their hooks, and after remove
//! and a reload Docker no longer uses it.

use integration_tests::daemons::Dockerd;
use integration_tests::{
    bin, ctk, read_record, recorder_hook, require, run, run_ok, unique, Toolkit,
};
use std::path::Path;

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
    d.wait_until("dockerd reload", |d| d.info()["DefaultRuntime"] == "runc");
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
    d.wait_until("the new runtime in docker info", |d| {
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

/// What the packages run, on a system at `--root` whose dockerd runs (its
/// pid file names it): `configure --detected` finds dockerd by its program
/// and reloads it with SIGHUP, so Docker's default is the shim without a
/// restart; `remove --all` reloads it again with Docker's own default back.
#[test]
fn detected_reloads_a_running_dockerd_and_remove_all_gives_its_default_back() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir_all(root.join("usr/sbin")).unwrap();
    std::os::unix::fs::symlink(require("dockerd"), root.join("usr/sbin/dockerd")).unwrap();
    std::fs::create_dir_all(root.join("etc/docker")).unwrap();
    std::fs::create_dir_all(root.join("var/run")).unwrap();
    let daemon_json = root.join("etc/docker/daemon.json");
    std::fs::write(&daemon_json, "{\n  \"debug\": false\n}\n").unwrap();
    let d = Dockerd::start_at(
        &tmp.path().join("docker"),
        &daemon_json,
        &root.join("var/run/docker.pid"),
        &[],
    );
    let shim = bin("container-hooks-runtime");
    let ctk_root = |args: &[&str]| {
        let out = run(ctk().args(args).arg("--root").arg(&root));
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{args:?}: {stderr}");
        stderr
    };
    let said = ctk_root(&[
        "runtime",
        "configure",
        "--detected",
        "--set-as-default",
        "--path",
        shim.to_str().unwrap(),
    ]);
    assert!(
        said.contains(&format!("sent SIGHUP to docker (pid {})", d.pid())),
        "{said}"
    );
    d.wait_until("the shim as Docker's default", |d| {
        d.info()["DefaultRuntime"] == "container-hooks"
    });
    let said = ctk_root(&["runtime", "remove", "--all"]);
    assert!(said.contains("sent SIGHUP to docker"), "{said}");
    d.wait_until("runc as Docker's default again", |d| {
        d.info()["DefaultRuntime"] == "runc"
    });
    assert_eq!(
        std::fs::read_to_string(&daemon_json).unwrap(),
        "{\n  \"debug\": false,\n  \"default-runtime\": \"runc\"\n}\n"
    );
}

/// A host with no daemon.json: configure creates it, and remove, once the
/// running dockerd has read `"default-runtime": "runc"` on its reload,
/// deletes it, so the host is left as it was and Docker's default is runc
/// again without a restart.
#[test]
fn a_daemon_json_configure_created_goes_once_the_running_dockerd_has_read_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let daemon_json = dir.join("daemon.json");
    let d = Dockerd::start(&dir.join("docker"), &daemon_json);
    std::fs::remove_file(&daemon_json).unwrap();
    let shim = bin("container-hooks-runtime");
    let ctk_docker = |verb: &str, extra: &[&str]| {
        let out = run(ctk()
            .args(["runtime", verb, "--runtime", "docker", "--config"])
            .arg(&daemon_json)
            .arg("--state-dir")
            .arg(dir.join("state"))
            .args(["--restart-mode", "signal", "--pid-file"])
            .arg(&d.pidfile)
            .args(extra));
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{verb}: {stderr}");
        stderr
    };
    ctk_docker(
        "configure",
        &["--set-as-default", "--path", shim.to_str().unwrap()],
    );
    d.wait_until("the shim as Docker's default", |d| {
        d.info()["DefaultRuntime"] == "container-hooks"
    });
    let said = ctk_docker("remove", &[]);
    assert!(
        said.contains(&format!(
            "deleted {}: configure created it, and dockerd no longer needs it",
            daemon_json.display()
        )),
        "{said}"
    );
    assert!(!daemon_json.exists(), "{said}");
    d.wait_until("runc as Docker's default again", |d| {
        d.info()["DefaultRuntime"] == "runc"
    });
}

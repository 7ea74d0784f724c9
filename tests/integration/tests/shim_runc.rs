//! The shim in front of real runc and crun: hooks of every stage run once
//! with the right state, existing hooks keep running first, and `run` and
//! repeated injection behave.

use integration_tests::{
    read_record, recorder_hook, require, run, run_ok, write_mode, Bundle, Toolkit,
};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

/// Host-side stages record to `<tmp>/record`; startContainer runs inside
/// the container, so its hook and record live in the root filesystem.
struct Recorder {
    host_record: std::path::PathBuf,
    host_hook: std::path::PathBuf,
}

fn setup(tmp: &Path, runtime: &str) -> (Toolkit, Recorder) {
    let toolkit = Toolkit::new(&tmp.join("toolkit"), &[runtime]);
    let rec = Recorder {
        host_record: tmp.join("record"),
        host_hook: tmp.join("record-hook"),
    };
    recorder_hook(&rec.host_hook, &rec.host_record);
    let hook = |stage: &str, path: &str| json!({"path": path, "args": ["record-hook", stage], "timeout": 10});
    let host = rec.host_hook.display().to_string();
    toolkit.write_hooks_json(&json!({
        "prestart": [hook("prestart", &host)],
        "createRuntime": [hook("createRuntime", &host)],
        "createContainer": [hook("createContainer", &host)],
        "startContainer": [hook("startContainer", "/bin/record-hook")],
        "poststart": [hook("poststart", &host)],
        "poststop": [hook("poststop", &host)],
    }));
    (toolkit, rec)
}

/// Makes a bundle whose root filesystem is writable and holds the
/// in-container recorder at /bin/record-hook (records to /record).
fn bundle(tmp: &Path, name: &str, args: &[&str]) -> Bundle {
    let b = Bundle::new(tmp, name, args);
    b.edit(|spec| spec["root"]["readonly"] = false.into());
    write_mode(
        &b.dir.join("rootfs/bin/record-hook"),
        "#!/bin/sh\nstate=$(cat)\nprintf '%s %s\\n' \"$1\" \"$state\" >> /record\n",
        0o755,
    );
    b
}

/// `run --bundle B ID` through the shim, with runc's state under `root`.
fn shim_run(toolkit: &Toolkit, root: &Path, b: &Bundle, id: &str) -> Command {
    let mut c = toolkit.shim();
    c.arg("--root")
        .arg(root)
        .args(["run", "--bundle"])
        .arg(&b.dir)
        .arg(id);
    c
}

fn records(rec: &Recorder, b: &Bundle) -> Vec<(String, Value)> {
    let mut all = read_record(&rec.host_record);
    all.extend(read_record(&b.dir.join("rootfs/record")));
    all
}

fn wait_stopped(runtime: &Path, globals: &[&str], root: &Path, id: &str) {
    for _ in 0..100 {
        let out = run(Command::new(runtime)
            .args(globals)
            .arg("--root")
            .arg(root)
            .args(["state", id]));
        let state: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        if state["status"] == "stopped" {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("container {id} did not stop");
}

/// create, start, wait, delete through the shim; returns the records.
fn lifecycle(runtime_name: &str) {
    let runtime = require(runtime_name);
    let tmp = tempfile::tempdir().unwrap();
    let (toolkit, rec) = setup(tmp.path(), runtime_name);
    let b = bundle(tmp.path(), "bundle", &["/bin/sh", "-c", "echo hello"]);
    let root = tmp.path().join("state");
    let id = integration_tests::unique(runtime_name);
    let globals: &[&str] = &[];
    let shim = |args: &[&str]| {
        // The container inherits create's stdio: files, not pipes, or
        // waiting for output would wait for the container.
        let err_path = tmp.path().join("shim.err");
        let out_file = std::fs::File::create(tmp.path().join("shim.out")).unwrap();
        let err_file = std::fs::File::create(&err_path).unwrap();
        let status = toolkit
            .shim()
            .args(globals)
            .arg("--root")
            .arg(&root)
            .args(args)
            .stdout(out_file)
            .stderr(err_file)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "{args:?}: {}",
            std::fs::read_to_string(&err_path).unwrap_or_default()
        );
    };
    shim(&["create", "--bundle", b.dir.to_str().unwrap(), &id]);
    shim(&["start", &id]);
    wait_stopped(&runtime, globals, &root, &id);
    shim(&["delete", &id]);

    let got = records(&rec, &b);
    let stages: Vec<&str> = got.iter().map(|(s, _)| s.as_str()).collect();
    for stage in [
        "prestart",
        "createRuntime",
        "createContainer",
        "startContainer",
        "poststart",
        "poststop",
    ] {
        assert_eq!(
            stages.iter().filter(|s| **s == stage).count(),
            1,
            "{runtime_name}: stage {stage} ran once: {stages:?}"
        );
    }
    for (stage, state) in &got {
        assert_eq!(state["id"], id.as_str(), "{runtime_name} {stage}: {state}");
        // crun runs startContainer inside the container and reports the
        // bundle as it is seen there ("/"); every other stage gets the
        // bundle as given.
        if runtime_name == "crun" && stage == "startContainer" {
            continue;
        }
        assert_eq!(
            Path::new(state["bundle"].as_str().unwrap())
                .canonicalize()
                .unwrap(),
            b.dir.canonicalize().unwrap(),
            "{runtime_name} {stage}"
        );
        let status = state["status"].as_str().unwrap_or_default();
        let expected: &[&str] = match stage.as_str() {
            "prestart" | "createRuntime" | "createContainer" => &["creating", "created"],
            "startContainer" => &["created", "running"],
            "poststart" => &["created", "running", "stopped"],
            "poststop" => &["stopped"],
            other => panic!("unexpected stage {other}"),
        };
        assert!(
            expected.contains(&status),
            "{runtime_name} {stage}: status {status:?}, expected one of {expected:?}"
        );
    }
}

#[test]
fn every_stage_runs_once_with_its_state_under_runc() {
    lifecycle("runc");
}

#[test]
fn every_stage_runs_once_with_its_state_under_crun() {
    lifecycle("crun");
}

#[test]
fn hooks_already_in_config_json_still_run_and_come_first() {
    require("runc");
    let tmp = tempfile::tempdir().unwrap();
    let (toolkit, rec) = setup(tmp.path(), "runc");
    let b = bundle(tmp.path(), "bundle", &["/bin/true"]);
    let host = rec.host_hook.display().to_string();
    b.edit(|spec| {
        spec["hooks"] = json!({
            "prestart": [{"path": host, "args": ["record-hook", "engine-prestart"]}],
            "poststop": [{"path": host, "args": ["record-hook", "engine-poststop"]}],
        });
    });
    let root = tmp.path().join("state");
    run_ok(&mut shim_run(&toolkit, &root, &b, "first"));
    let stages: Vec<String> = records(&rec, &b).into_iter().map(|(s, _)| s).collect();
    let pos = |s: &str| {
        stages
            .iter()
            .position(|x| x == s)
            .unwrap_or_else(|| panic!("{s} missing: {stages:?}"))
    };
    assert!(pos("engine-prestart") < pos("prestart"), "{stages:?}");
    assert!(pos("engine-poststop") < pos("poststop"), "{stages:?}");
    // config.json: engine hooks first, ours appended.
    let spec = b.config();
    assert_eq!(spec["hooks"]["prestart"][0]["args"][1], "engine-prestart");
    assert_eq!(spec["hooks"]["prestart"][1]["args"][1], "prestart");
}

#[test]
fn runc_run_through_the_shim_works_and_passes_the_exit_code() {
    require("runc");
    let tmp = tempfile::tempdir().unwrap();
    let (toolkit, rec) = setup(tmp.path(), "runc");
    let b = bundle(
        tmp.path(),
        "bundle",
        &["/bin/sh", "-c", "echo out-of-container; exit 3"],
    );
    let root = tmp.path().join("state");
    let out = run(&mut shim_run(&toolkit, &root, &b, "runner"));
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "out-of-container\n");
    let stages: Vec<String> = records(&rec, &b).into_iter().map(|(s, _)| s).collect();
    assert_eq!(stages.len(), 6, "{stages:?}");
}

#[test]
fn injecting_into_the_same_bundle_twice_runs_each_hook_once() {
    require("runc");
    let tmp = tempfile::tempdir().unwrap();
    let (toolkit, rec) = setup(tmp.path(), "runc");
    let b = bundle(tmp.path(), "bundle", &["/bin/true"]);
    let root = tmp.path().join("state");
    for id in ["twice-1", "twice-2"] {
        run_ok(&mut shim_run(&toolkit, &root, &b, id));
    }
    let spec = b.config();
    for stage in [
        "prestart",
        "createRuntime",
        "createContainer",
        "startContainer",
        "poststart",
        "poststop",
    ] {
        assert_eq!(spec["hooks"][stage].as_array().unwrap().len(), 1, "{stage}");
    }
    let got = records(&rec, &b);
    for id in ["twice-1", "twice-2"] {
        let n = got.iter().filter(|(_, s)| s["id"] == id).count();
        assert_eq!(n, 6, "hooks of {id}: {got:?}");
    }
}

#[test]
fn config_json_is_read_as_runc_reads_it() {
    require("runc");
    let tmp = tempfile::tempdir().unwrap();
    let (toolkit, rec) = setup(tmp.path(), "runc");
    let host = rec.host_hook.display().to_string();
    // Conditional hooks: one on an annotation spelled `Annotations` in
    // config.json, one on an annotation whose key holds a lone surrogate
    // escape, which Go reads as U+FFFD.
    for (name, label, when) in [
        (
            "audit.json",
            "ours-annotated",
            json!({"annotations": {"^com\\.example\\.audit$": "^on$"}}),
        ),
        (
            "escaped.json",
            "ours-escaped",
            json!({"annotations": {"^x\u{fffd}$": "^y$"}}),
        ),
        (
            "command.json",
            "ours-command",
            json!({"commands": ["^/bin/true$"]}),
        ),
    ] {
        write_mode(
            &toolkit.hooks_d.join(name),
            &json!({
                "version": "1.0.0",
                "hook": {"path": host, "args": ["record-hook", label], "timeout": 10},
                "when": when,
                "stages": ["createRuntime"],
            })
            .to_string(),
            0o644,
        );
    }
    let b = bundle(tmp.path(), "bundle", &["/bin/true"]);
    // The engine wrote its keys in another case, and nests a vendor field
    // deeper than serde_json would read (Go reads 10,000 levels).
    let mut spec = b.config();
    let root = spec.as_object_mut().unwrap();
    let process = root.remove("process").unwrap();
    root.insert("Process".into(), process);
    root.insert(
        "Hooks".into(),
        json!({"Prestart": [{"path": host, "args": ["record-hook", "engine-prestart"]}]}),
    );
    root.insert(
        "Annotations".into(),
        json!({"com.example.audit": "on", "x@SURROGATE@": "y"}),
    );
    root.insert("x-deep".into(), json!("@DEEP@"));
    let text = serde_json::to_string_pretty(&spec)
        .unwrap()
        .replace("@SURROGATE@", "\\ud800")
        .replace(
            "\"@DEEP@\"",
            &format!("{}{}", "[".repeat(300), "]".repeat(300)),
        );
    std::fs::write(b.config_path(), text).unwrap();

    let root = tmp.path().join("state");
    run_ok(&mut shim_run(&toolkit, &root, &b, "gokeys"));
    let ran: Vec<String> = records(&rec, &b).into_iter().map(|(s, _)| s).collect();
    for label in [
        "engine-prestart",
        "prestart",
        "createRuntime",
        "ours-annotated",
        "ours-escaped",
        "ours-command",
    ] {
        assert_eq!(
            ran.iter().filter(|s| *s == label).count(),
            1,
            "{label} ran once: {ran:?}"
        );
    }
    assert!(
        ran.iter().position(|s| s == "engine-prestart") < ran.iter().position(|s| s == "prestart"),
        "{ran:?}"
    );
    // Written into the members runc reads, never beside them.
    let written = std::fs::read_to_string(b.config_path()).unwrap();
    assert!(
        !written.contains("\"hooks\":") && !written.contains("\"prestart\":"),
        "{written}"
    );
}

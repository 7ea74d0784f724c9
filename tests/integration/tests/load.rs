//! Load: many container creates at once through the shim, sharing one
//! config.toml, one hooks.json and one debug log. Every create must
//! succeed, every bundle must get its hooks exactly once, and every line of
//! the shared log must be whole.
//!
//! The normal test run uses 50 runc creates and 300 shim runs; `cargo xtask reliability
//! load` sets CHTK_LOAD_CREATES / CHTK_LOAD_RUNS for the long runs.

mod reliability;

use integration_tests::{busybox_rootfs, fixtures, require, run_ok, unique, Toolkit};
use reliability::{bundle_recorder, count_lines, runc_delete, scale, whole_log_lines};
use serde_json::json;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The hooks every container gets: two recorders that run during `create`
/// and a poststop hook that only shows in config.json.
fn write_hooks(toolkit: &Toolkit) -> PathBuf {
    let recorder = toolkit.dir.join("record-hook");
    bundle_recorder(&recorder);
    let r = recorder.display().to_string();
    toolkit.write_hooks_json(&json!({
        "prestart": [{"path": r, "args": [r, "prestart"], "timeout": 30}],
        "createRuntime": [{"path": r, "args": [r, "createRuntime"], "timeout": 30}],
        "poststop": [{"path": "/bin/true", "args": ["true", "poststop"]}],
    }));
    recorder
}

/// How often each configured hook appears in a bundle's config.json.
fn hook_counts(config: &serde_json::Value, recorder: &Path) -> [usize; 3] {
    let count = |stage: &str, path: &str| {
        config["hooks"][stage]
            .as_array()
            .map_or(0, |l| l.iter().filter(|h| h["path"] == path).count())
    };
    let r = recorder.display().to_string();
    [
        count("prestart", &r),
        count("createRuntime", &r),
        count("poststop", "/bin/true"),
    ]
}

#[test]
fn concurrent_runc_creates_through_one_shim_config() {
    let n = scale("CHTK_LOAD_CREATES", 50);
    let tmp = tempfile::tempdir().unwrap();
    let toolkit = Toolkit::new(
        &tmp.path().join("toolkit"),
        &[require("runc").to_str().unwrap()],
    );
    let recorder = write_hooks(&toolkit);
    // One read-only root filesystem shared by every bundle.
    let rootfs = tmp.path().join("rootfs");
    busybox_rootfs(&rootfs);
    let template = tmp.path().join("template");
    fs::create_dir_all(&template).unwrap();
    run_ok(
        Command::new(require("runc"))
            .args(["spec", "--bundle"])
            .arg(&template),
    );
    let mut spec: serde_json::Value =
        serde_json::from_slice(&fs::read(template.join("config.json")).unwrap()).unwrap();
    spec["process"]["terminal"] = false.into();
    spec["process"]["args"] = json!(["sleep", "60"]);
    spec["root"] = json!({"path": rootfs, "readonly": true});
    let spec = serde_json::to_vec_pretty(&spec).unwrap();
    let state = tmp.path().join("runc-state");
    let prefix = unique("load");
    let bundles: Vec<(String, PathBuf)> = (0..n)
        .map(|i| {
            let id = format!("{prefix}-{i}");
            let dir = tmp.path().join("bundles").join(&id);
            fs::create_dir_all(&dir).unwrap();
            fs::write(dir.join("config.json"), &spec).unwrap();
            (id, dir)
        })
        .collect();

    // Start every create before waiting for any.
    let children: Vec<(String, PathBuf, Child)> = bundles
        .into_iter()
        .map(|(id, dir)| {
            let stderr = File::create(dir.join("stderr")).unwrap();
            let child = toolkit
                .shim()
                .arg("--root")
                .arg(&state)
                .args(["create", "--bundle"])
                .arg(&dir)
                .arg(&id)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(stderr)
                .spawn()
                .unwrap();
            (id, dir, child)
        })
        .collect();
    let mut failures = Vec::new();
    let mut done = Vec::new();
    for (id, dir, mut child) in children {
        let status = child.wait().unwrap();
        if !status.success() {
            failures.push(format!(
                "{id}: {status}: {}",
                fs::read_to_string(dir.join("stderr"))
                    .unwrap_or_default()
                    .trim()
            ));
        }
        done.push((id, dir));
    }
    for (id, _) in &done {
        runc_delete(&state, id);
    }
    assert!(
        failures.is_empty(),
        "{} of {n} creates failed:\n{}",
        failures.len(),
        failures.join("\n")
    );

    let lines = whole_log_lines(&toolkit.log);
    for (id, dir) in &done {
        let config: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.join("config.json")).unwrap()).unwrap();
        assert_eq!(
            hook_counts(&config, &recorder),
            [1, 1, 1],
            "{id}: hooks in config.json"
        );
        let record = fs::read_to_string(dir.join("hooks.record")).unwrap_or_default();
        let mut ran: Vec<&str> = record.lines().collect();
        ran.sort_unstable();
        assert_eq!(ran, ["createRuntime", "prestart"], "{id}: hooks that ran");
        assert_eq!(count_lines(&lines, id, "hooks added"), 1, "{id}: log");
        assert_eq!(count_lines(&lines, id, "handing over"), 1, "{id}: log");
    }
    eprintln!(
        "load: {n} concurrent runc creates held; {} whole log lines; 0 failures",
        lines.len()
    );
}

#[test]
fn concurrent_shim_runs_with_true_as_runtime() {
    let n = scale("CHTK_LOAD_RUNS", 300);
    let tmp = tempfile::tempdir().unwrap();
    let toolkit = Toolkit::new(&tmp.path().join("toolkit"), &["/bin/true"]);
    let recorder = write_hooks(&toolkit);
    let spec = fs::read(fixtures().join("oci/docker-20.10.json")).unwrap();
    let prefix = unique("runs");
    let mut children = Vec::with_capacity(n);
    let mut failures = Vec::new();
    // Prepare every bundle first, then start all runs before waiting.
    let bundles: Vec<(String, PathBuf)> = (0..n)
        .map(|i| {
            let id = format!("{prefix}-{i}");
            let dir = tmp.path().join("bundles").join(&id);
            fs::create_dir_all(&dir).unwrap();
            fs::write(dir.join("config.json"), &spec).unwrap();
            (id, dir)
        })
        .collect();
    for (id, dir) in &bundles {
        let child = toolkit
            .shim()
            .args(["--root", "/nonexistent", "create", "--bundle"])
            .arg(dir)
            .arg(id)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        children.push((id.clone(), child));
    }
    for (id, child) in children {
        let out = child.wait_with_output().unwrap();
        if !out.status.success() {
            failures.push(format!(
                "{id}: {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} runs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let lines = whole_log_lines(&toolkit.log);
    for (id, dir) in &bundles {
        let config: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.join("config.json")).unwrap()).unwrap();
        assert_eq!(
            hook_counts(&config, &recorder),
            [1, 1, 1],
            "{id}: hooks in config.json"
        );
        // Docker's own prestart hook stays first.
        assert_eq!(
            config["hooks"]["prestart"][0]["args"][0], "libnetwork-setkey",
            "{id}"
        );
        assert_eq!(count_lines(&lines, id, "hooks added"), 1, "{id}: log");
        assert_eq!(count_lines(&lines, id, "handing over"), 1, "{id}: log");
    }
    assert_eq!(
        lines.len(),
        2 * n,
        "log lines: one 'hooks added' and one 'handing over' per run"
    );
    eprintln!(
        "load: {n} concurrent shim runs held; {} whole log lines; 0 failures",
        lines.len()
    );
}

#[test]
fn torn_and_interleaved_log_lines_are_detected() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("log");
    let good = "2026-11-28T14:07:31.123456Z DEBUG hooks added id=\"a\" hooks=3\n";
    fs::write(&log, good).unwrap();
    assert_eq!(whole_log_lines(&log).len(), 1);
    for bad in [
        // Two lines mixed into one.
        "2026-11-28T14:07:31.123456Z DEBUG hooks 2026-11-28T14:07:31.123457Z DEBUG added\n",
        // A line cut off.
        "2026-11-28T14:07:31.123456Z DEBUG hooks added\n2026-11-28T14:0",
        // The rest of a line.
        "added id=\"a\"\n",
    ] {
        fs::write(&log, format!("{good}{bad}")).unwrap();
        let caught = std::panic::catch_unwind(|| whole_log_lines(&log));
        assert!(caught.is_err(), "not detected: {bad:?}");
    }
}

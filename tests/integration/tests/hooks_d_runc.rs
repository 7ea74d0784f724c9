//! hooks.d files through the shim with real runc: each condition makes a
//! hook run in the containers it names and only in those; masking across
//! directories, the order of sources, idempotence and trust.

use integration_tests::{read_record, recorder_hook, require, run, write_mode, Bundle, Toolkit};
use serde_json::{json, Value};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

struct Setup {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    toolkit: Toolkit,
    recorder: PathBuf,
    record: PathBuf,
    runc_root: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        require("runc");
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let toolkit = Toolkit::new(&dir.join("toolkit"), &["runc"]);
        let recorder = dir.join("recorder.sh");
        let record = dir.join("record");
        recorder_hook(&recorder, &record);
        let runc_root = dir.join("runc-root");
        fs::create_dir_all(&runc_root).unwrap();
        Setup {
            _tmp: tmp,
            dir,
            toolkit,
            recorder,
            record,
            runc_root,
        }
    }

    /// Writes an oci-hooks 1.0.0 file whose hook records `label`.
    fn hook_file(&self, dir: &Path, name: &str, label: &str, when: Value, stages: &[&str]) {
        fs::create_dir_all(dir).unwrap();
        let text = json!({
            "version": "1.0.0",
            "hook": {"path": self.recorder, "args": ["recorder", label], "timeout": 10},
            "when": when,
            "stages": stages,
        });
        write_mode(
            &dir.join(name),
            &serde_json::to_string_pretty(&text).unwrap(),
            0o644,
        );
    }

    fn bundle(&self, name: &str, args: &[&str]) -> Bundle {
        Bundle::new(&self.dir, name, args)
    }

    /// `runc run` through the shim; the container must exit 0.
    fn run(&self, bundle: &Bundle) -> Output {
        let out = self.shim(bundle, "run");
        assert!(
            out.status.success(),
            "shim run failed: {}\nstderr: {}\nlog: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            fs::read_to_string(&self.toolkit.log).unwrap_or_default()
        );
        out
    }

    fn shim(&self, bundle: &Bundle, command: &str) -> Output {
        let id = integration_tests::unique("hooksd");
        let mut cmd = self.toolkit.shim();
        cmd.arg("--root")
            .arg(&self.runc_root)
            .arg(command)
            .arg("--bundle")
            .arg(&bundle.dir)
            .arg(&id);
        if command != "create" {
            return run(&mut cmd);
        }
        // After `create` the container's init process waits for `start`
        // holding its stdio: give it files, not pipes that would never
        // close. Its stderr is runc's and the shim's.
        let err_path = self.dir.join(format!("{id}.stderr"));
        let err = fs::File::create(&err_path).unwrap();
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(err);
        let status = cmd.status().unwrap();
        Output {
            status,
            stdout: Vec::new(),
            stderr: fs::read(&err_path).unwrap_or_default(),
        }
    }

    /// The labels recorded since the last call, in order.
    fn take_labels(&self) -> Vec<String> {
        let labels = read_record(&self.record)
            .into_iter()
            .map(|(l, _)| l)
            .collect();
        let _ = fs::remove_file(&self.record);
        labels
    }

    /// Rewrites config.toml with these hooks-dirs (and strictness).
    fn set_dirs(&self, dirs: &[PathBuf], strict: bool) {
        let dirs: Vec<String> = dirs.iter().map(|d| format!("{:?}", d)).collect();
        write_mode(
            &self.toolkit.config,
            &format!(
                "[container-hooks]\npath = {:?}\nhooks-dirs = [{}]\nstrict = {strict}\n\n[container-hooks-runtime]\ndebug = {:?}\nlog-level = \"debug\"\nruntimes = [\"runc\"]\n",
                self.toolkit.hooks_json,
                dirs.join(", "),
                self.toolkit.log
            ),
            0o644,
        );
    }
}

impl Drop for Setup {
    /// Deletes every container left in this test's runc root, so that a
    /// failed test leaves no `runc init` behind.
    fn drop(&mut self) {
        let runc = || {
            let mut c = std::process::Command::new("runc");
            c.arg("--root").arg(&self.runc_root);
            c
        };
        let list = run(runc().args(["list", "-q"]));
        for id in String::from_utf8_lossy(&list.stdout).lines() {
            let _ = run(runc().args(["delete", "--force", id]));
        }
    }
}

fn hook_paths(bundle: &Bundle, stage: &str) -> Vec<Value> {
    bundle.config()["hooks"][stage]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn annotation_conditioned_hook_runs_only_for_annotated_containers() {
    let s = Setup::new();
    s.hook_file(
        &s.toolkit.hooks_d,
        "20-verify.json",
        "verify",
        json!({"annotations": {"^io\\.example\\.verify$": "^(true|yes)$"}}),
        &["prestart"],
    );
    let annotated = s.bundle("annotated", &["/bin/true"]);
    annotated.edit(|spec| spec["annotations"] = json!({"io.example.verify": "true"}));
    s.run(&annotated);
    assert_eq!(s.take_labels(), ["verify"]);

    let other_value = s.bundle("other-value", &["/bin/true"]);
    other_value.edit(|spec| spec["annotations"] = json!({"io.example.verify": "false"}));
    s.run(&other_value);
    let plain = s.bundle("plain", &["/bin/true"]);
    s.run(&plain);
    assert_eq!(s.take_labels(), Vec::<String>::new());
    assert!(hook_paths(&plain, "prestart").is_empty());
}

#[test]
fn command_conditioned_hook_runs_for_sh_only() {
    let s = Setup::new();
    s.hook_file(
        &s.toolkit.hooks_d,
        "30-shell.json",
        "shell",
        json!({"commands": ["^/bin/sh$"]}),
        &["poststop"],
    );
    s.run(&s.bundle("sh", &["/bin/sh", "-c", "true"]));
    assert_eq!(s.take_labels(), ["shell"]);
    s.run(&s.bundle("true", &["/bin/true"]));
    // The regex is anchored: /bin/ash is not /bin/sh.
    s.run(&s.bundle("ash", &["/bin/ash", "-c", "true"]));
    assert_eq!(s.take_labels(), Vec::<String>::new());
}

#[test]
fn bind_mount_triggers_has_bind_mounts_but_engine_mounts_do_not() {
    let s = Setup::new();
    s.hook_file(
        &s.toolkit.hooks_d,
        "40-binds.json",
        "binds",
        json!({"hasBindMounts": true}),
        &["prestart"],
    );
    let data = s.dir.join("data");
    fs::create_dir_all(&data).unwrap();
    let with_bind = s.bundle("bind", &["/bin/true"]);
    with_bind.edit(|spec| {
        spec["mounts"].as_array_mut().unwrap().push(json!({
            "destination": "/mnt", "type": "bind", "source": data, "options": ["rbind", "ro"]
        }))
    });
    s.run(&with_bind);
    assert_eq!(s.take_labels(), ["binds"]);

    // A bind at /etc/hosts is what every engine adds: it does not count.
    let hosts = s.dir.join("hosts");
    fs::write(&hosts, "127.0.0.1 localhost\n").unwrap();
    let engine_only = s.bundle("engine-only", &["/bin/true"]);
    fs::write(engine_only.dir.join("rootfs/etc/hosts"), "").unwrap();
    engine_only.edit(|spec| {
        spec["mounts"].as_array_mut().unwrap().push(json!({
            "destination": "/etc/hosts", "type": "bind", "source": hosts, "options": ["rbind", "ro"]
        }))
    });
    s.run(&engine_only);
    s.run(&s.bundle("none", &["/bin/true"]));
    assert_eq!(s.take_labels(), Vec::<String>::new());
}

#[test]
fn later_directory_masks_a_file_of_the_same_name() {
    let s = Setup::new();
    let (d1, d2) = (s.dir.join("d1"), s.dir.join("d2"));
    s.hook_file(
        &d1,
        "50-site.json",
        "from-d1",
        json!({"always": true}),
        &["prestart"],
    );
    s.hook_file(
        &d1,
        "60-only-d1.json",
        "only-d1",
        json!({"always": true}),
        &["prestart"],
    );
    s.hook_file(
        &d2,
        "50-site.json",
        "from-d2",
        json!({"always": true}),
        &["prestart"],
    );
    s.set_dirs(&[d1.clone(), d2.clone()], true);
    s.run(&s.bundle("masked", &["/bin/true"]));
    assert_eq!(s.take_labels(), ["from-d2", "only-d1"]);
    // The other way round, d1 wins.
    s.set_dirs(&[d2, d1], true);
    s.run(&s.bundle("masked-2", &["/bin/true"]));
    assert_eq!(s.take_labels(), ["from-d1", "only-d1"]);
}

#[test]
fn config_json_hooks_then_hooks_json_then_hooks_d_in_file_order_and_once() {
    let s = Setup::new();
    let hook = |label: &str| json!({"path": s.recorder, "args": ["recorder", label]});
    s.toolkit
        .write_hooks_json(&json!({"prestart": [hook("hooks.json")]}));
    s.hook_file(
        &s.toolkit.hooks_d,
        "20-B.json",
        "B",
        json!({"always": true}),
        &["prestart"],
    );
    s.hook_file(
        &s.toolkit.hooks_d,
        "10-a.json",
        "a",
        json!({"always": true}),
        &["prestart"],
    );
    s.hook_file(
        &s.toolkit.hooks_d,
        "30-c.json",
        "c",
        json!({"always": true}),
        &["prestart"],
    );
    let bundle = s.bundle("order", &["/bin/true"]);
    bundle.edit(|spec| spec["hooks"] = json!({"prestart": [hook("existing")]}));

    // create (prestart runs here in runc 1.1), then delete, twice on the
    // same bundle: the second create adds nothing and each hook runs once
    // per create.
    let mut after_first: Option<Vec<u8>> = None;
    for round in 0..2 {
        let out = s.shim(&bundle, "create");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = bundle.config_bytes();
        assert_eq!(
            after_first.get_or_insert_with(|| bytes.clone()),
            &bytes,
            "round {round}"
        );
        assert_eq!(
            s.take_labels(),
            ["existing", "hooks.json", "a", "B", "c"],
            "round {round}"
        );
        assert_eq!(hook_paths(&bundle, "prestart").len(), 5);
        let id = integration_tests::run_ok(
            std::process::Command::new(require("runc"))
                .arg("--root")
                .arg(&s.runc_root)
                .args(["list", "-q"]),
        );
        for id in id.lines() {
            integration_tests::run_ok(
                std::process::Command::new(require("runc"))
                    .arg("--root")
                    .arg(&s.runc_root)
                    .args(["delete", "--force", id]),
            );
        }
    }
}

#[test]
fn refused_files_fail_the_create_when_strict_and_are_skipped_otherwise() {
    let s = Setup::new();
    s.hook_file(
        &s.toolkit.hooks_d,
        "10-good.json",
        "good",
        json!({"always": true}),
        &["prestart"],
    );
    s.hook_file(
        &s.toolkit.hooks_d,
        "20-loose.json",
        "loose",
        json!({"always": true}),
        &["prestart"],
    );
    let loose = s.toolkit.hooks_d.join("20-loose.json");
    fs::set_permissions(&loose, fs::Permissions::from_mode(0o666)).unwrap();
    s.set_dirs(std::slice::from_ref(&s.toolkit.hooks_d), true);
    let bundle = s.bundle("strict", &["/bin/true"]);
    let before = bundle.config_bytes();
    let out = s.shim(&bundle, "run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&loose.display().to_string()) && stderr.contains("0666"),
        "{stderr}"
    );
    assert_eq!(
        bundle.config_bytes(),
        before,
        "config.json must be left as it was"
    );
    assert_eq!(s.take_labels(), Vec::<String>::new());

    s.set_dirs(std::slice::from_ref(&s.toolkit.hooks_d), false);
    s.run(&bundle);
    assert_eq!(s.take_labels(), ["good"]);
    let log = fs::read_to_string(&s.toolkit.log).unwrap_or_default();
    assert!(
        log.contains("20-loose.json"),
        "the skipped file is logged: {log}"
    );
}

#[test]
fn a_changed_file_takes_effect_at_the_next_create() {
    let s = Setup::new();
    s.run(&s.bundle("before", &["/bin/true"]));
    assert_eq!(s.take_labels(), Vec::<String>::new());
    s.hook_file(
        &s.toolkit.hooks_d,
        "10-new.json",
        "new",
        json!({"always": true}),
        &["poststop"],
    );
    s.run(&s.bundle("after", &["/bin/true"]));
    assert_eq!(s.take_labels(), ["new"]);
}

#[test]
fn a_file_whose_program_is_gone_is_skipped_and_logged_unless_refused() {
    let s = Setup::new();
    s.hook_file(
        &s.toolkit.hooks_d,
        "10-good.json",
        "good",
        json!({"always": true}),
        &["prestart"],
    );
    // Left behind by an uninstalled package: its program is gone.
    let gone = s.toolkit.hooks_d.join("20-uninstalled.json");
    write_mode(
        &gone,
        &json!({
            "version": "1.0.0",
            "hook": {"path": "/usr/libexec/uninstalled/hook"},
            "when": {"always": true},
            "stages": ["prestart"],
        })
        .to_string(),
        0o644,
    );
    let bundle = s.bundle("gone", &["/bin/true"]);
    s.run(&bundle);
    assert_eq!(s.take_labels(), ["good"]);
    let log = fs::read_to_string(&s.toolkit.log).unwrap_or_default();
    let line = log
        .lines()
        .find(|l| l.contains("20-uninstalled.json"))
        .unwrap_or_else(|| panic!("no log line for the skipped file: {log}"));
    assert!(
        line.contains("WARN") && line.contains("/usr/libexec/uninstalled/hook"),
        "{line}"
    );

    // An operator who wants such a file to fail the create says so.
    s.toolkit
        .add_hooks_setting("missing-hook-program = \"refuse\"");
    let bundle = s.bundle("refused", &["/bin/true"]);
    let before = bundle.config_bytes();
    let out = s.shim(&bundle, "run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&gone.display().to_string())
            && stderr.contains("/usr/libexec/uninstalled/hook: no such file or directory"),
        "{stderr}"
    );
    assert_eq!(bundle.config_bytes(), before);
    assert_eq!(s.take_labels(), Vec::<String>::new());
}

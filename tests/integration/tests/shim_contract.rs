//! The shim's contract beyond injection: it passes through what runc
//! prints, refuses bad input with one line naming the file and the fault
//! (also in runc's JSON log), leaves config.json untouched then, and keeps
//! its own log quiet and harmless.

use integration_tests::{
    assert_same_tree, bin, fixtures, mask_log_times, poll_until, require, run, tree, write_mode,
    Toolkit,
};
use serde_json::{json, Value};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// A bundle holding a copy of the Docker 20.10 config.json (no rootfs: the
/// runtime in these tests is /bin/true or a recorder).
fn docker_bundle(dir: &Path) -> PathBuf {
    let b = dir.join("bundle");
    fs::create_dir_all(&b).unwrap();
    fs::copy(
        fixtures().join("oci/docker-20.10.json"),
        b.join("config.json"),
    )
    .unwrap();
    b
}

fn good_hooks(t: &Toolkit) {
    t.write_hooks_json(&json!({"prestart": [{"path": "/bin/true", "timeout": 5}]}));
}

struct Failure {
    out: Output,
    log_line: Value,
}

/// Runs `create` with `--log L --log-format json`; asserts a failure with
/// one stderr line, nothing on stdout, config.json unchanged, and the same
/// message in the log.
fn create_fails(t: &Toolkit, bundle: &Path, extra_global: &[&str]) -> Failure {
    let log = t.dir.join("runc-log.json");
    let _ = fs::remove_file(&log);
    let before = fs::read(bundle.join("config.json")).ok();
    let out = run(t
        .shim()
        .arg("--log")
        .arg(&log)
        .args(["--log-format", "json"])
        .args(extra_global)
        .args(["create", "--bundle"])
        .arg(bundle)
        .arg("ctr-id"));
    assert!(!out.status.success(), "create must fail");
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert_eq!(
        fs::read(bundle.join("config.json")).ok(),
        before,
        "config.json is byte-for-byte unchanged"
    );
    let text = fs::read_to_string(&log).expect("error appended to the runc log");
    let log_line: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(log_line["level"], "error");
    assert_eq!(
        log_line["msg"].as_str().unwrap(),
        stderr.trim_end(),
        "the log holds the same message"
    );
    Failure { out, log_line }
}

fn stderr(f: &Failure) -> String {
    String::from_utf8_lossy(&f.out.stderr).into_owned()
}

#[test]
fn malformed_and_truncated_hooks_json_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let t = Toolkit::new(tmp.path(), &["/bin/true"]);
    let b = docker_bundle(tmp.path());
    for (text, fault) in [
        ("{\"prestart\": [", "truncated"),
        ("{\"prestart\": [}", "invalid JSON"),
        ("[1, 2]", "not a JSON object"),
    ] {
        write_mode(&t.hooks_json, text, 0o644);
        let f = create_fails(&t, &b, &[]);
        let e = stderr(&f);
        assert!(e.contains("hooks.json") && e.contains(fault), "{e}");
        assert!(f.log_line["msg"].as_str().unwrap().contains("hooks.json"));
    }
}

#[test]
fn invalid_hook_fixtures_are_refused_naming_the_field() {
    let tmp = tempfile::tempdir().unwrap();
    let t = Toolkit::new(tmp.path(), &["/bin/true"]);
    let b = docker_bundle(tmp.path());
    for (file, field, fault) in [
        ("invalid-relative-path.json", "prestart[0]", "absolute"),
        ("invalid-bad-timeout.json", "poststop[0]", "timeout"),
        (
            "invalid-unknown-stage.json",
            "preStart",
            "unknown hook stage",
        ),
    ] {
        fs::copy(fixtures().join("hooks/legacy").join(file), &t.hooks_json).unwrap();
        let e = stderr(&create_fails(&t, &b, &[]));
        assert!(
            e.contains("hooks.json") && e.contains(field) && e.contains(fault),
            "{file}: {e}"
        );
    }
    write_mode(
        &t.hooks_json,
        r#"{"poststop": [{"path": "/bin/true", "timeout": -2}]}"#,
        0o644,
    );
    let e = stderr(&create_fails(&t, &b, &[]));
    assert!(e.contains("timeout") && e.contains("-2"), "{e}");
}

#[test]
fn malformed_and_truncated_config_json_is_refused_and_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let t = Toolkit::new(tmp.path(), &["/bin/true"]);
    good_hooks(&t);
    let b = docker_bundle(tmp.path());
    let full = fs::read(b.join("config.json")).unwrap();
    for (bytes, fault) in [
        (full[..full.len() / 2].to_vec(), "truncated"),
        (b"{\"ociVersion\": 1.0.2}".to_vec(), "invalid JSON"),
        (b"\"just a string\"".to_vec(), "not a JSON object"),
        (br#"{"hooks": {"prestart": {}}}"#.to_vec(), "hooks.prestart"),
    ] {
        fs::write(b.join("config.json"), &bytes).unwrap();
        let e = stderr(&create_fails(&t, &b, &[]));
        assert!(e.contains("config.json") && e.contains(fault), "{e}");
    }
}

#[test]
fn malformed_truncated_and_unknown_config_toml_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let t = Toolkit::new(tmp.path(), &["/bin/true"]);
    good_hooks(&t);
    let b = docker_bundle(tmp.path());
    for (text, fault) in [
        ("[container-hooks\npath = \"/x\"\n", "line 1"),
        ("[container-hooks]\npath = \"/x", "line 2"),
        (
            "[container-hooks-runtime]\nruntime = [\"runc\"]\n",
            "unknown field `runtime`",
        ),
        ("[container-hooks]\nstrict = \"yes\"\n", "line 2"),
    ] {
        write_mode(&t.config, text, 0o644);
        let e = stderr(&create_fails(&t, &b, &[]));
        assert!(
            e.contains("config.toml") && e.contains(fault),
            "{text:?}: {e}"
        );
    }
}

#[test]
fn sources_writable_by_others_or_not_owned_by_root_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let t = Toolkit::new(tmp.path(), &["/bin/true"]);
    good_hooks(&t);
    let b = docker_bundle(tmp.path());
    for (path, name) in [(&t.hooks_json, "hooks.json"), (&t.config, "config.toml")] {
        for mode in [0o664, 0o646] {
            fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap();
            let e = stderr(&create_fails(&t, &b, &[]));
            assert!(e.contains(name) && e.contains("refusing to trust"), "{e}");
        }
        fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
        std::os::unix::fs::chown(path, Some(1000), Some(1000)).unwrap();
        let e = stderr(&create_fails(&t, &b, &[]));
        assert!(e.contains(name) && e.contains("uid 1000"), "{e}");
        std::os::unix::fs::chown(path, Some(0), Some(0)).unwrap();
    }
    assert_eq!(fs::metadata(&t.config).unwrap().uid(), 0);
}

#[test]
fn no_runtime_found_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let t = Toolkit::new(tmp.path(), &["/nonexistent/runc", "no-such-runtime"]);
    good_hooks(&t);
    let b = docker_bundle(tmp.path());
    let e = stderr(&create_fails(&t, &b, &[]));
    assert!(
        e.contains("no OCI runtime found") && e.contains("no-such-runtime"),
        "{e}"
    );
    // The shim never picks itself, even when named first.
    let shim = bin("container-hooks-runtime").display().to_string();
    let t = Toolkit::new(&tmp.path().join("self"), &[&shim]);
    let e = stderr(&create_fails(&t, &b, &[]));
    assert!(e.contains("no OCI runtime found"), "{e}");
}

#[test]
fn text_log_format_gets_a_logrus_line() {
    let tmp = tempfile::tempdir().unwrap();
    let t = Toolkit::new(tmp.path(), &["/bin/true"]);
    write_mode(&t.hooks_json, "{", 0o644);
    let b = docker_bundle(tmp.path());
    let log = tmp.path().join("runc.log");
    let out = run(t
        .shim()
        .arg("--log")
        .arg(&log)
        .args(["create", "--bundle"])
        .arg(&b)
        .arg("x"));
    assert!(!out.status.success());
    let text = fs::read_to_string(&log).unwrap();
    assert!(
        text.starts_with("time=\"") && text.contains("level=error msg=\"container-hooks-runtime: "),
        "{text}"
    );
}

#[test]
fn non_strict_skips_a_bad_source_logs_it_and_the_container_starts() {
    require("runc");
    let tmp = tempfile::tempdir().unwrap();
    let t = Toolkit::with_extra(tmp.path(), &["runc"], "strict = false");
    fs::copy(
        fixtures().join("hooks/legacy/invalid-relative-path.json"),
        &t.hooks_json,
    )
    .unwrap();
    let b = integration_tests::Bundle::new(tmp.path(), "bundle", &["/bin/true"]);
    let before = b.config_bytes();
    let out = run(t
        .shim()
        .arg("--root")
        .arg(tmp.path().join("state"))
        .args(["run", "--bundle"])
        .arg(&b.dir)
        .arg("lenient"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        b.config_bytes(),
        before,
        "nothing injected, nothing written"
    );
    let log = fs::read_to_string(&t.log).unwrap();
    assert!(
        log.contains("ERROR") && log.contains("hooks.json") && log.contains("absolute"),
        "{log}"
    );
}

#[test]
fn create_writes_nothing_to_stdout_and_execs_with_the_same_arguments() {
    let tmp = tempfile::tempdir().unwrap();
    // A runtime that records the argv it was given.
    let argv_file = tmp.path().join("argv");
    let fake = tmp.path().join("argv-runtime");
    write_mode(
        &fake,
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$0\" \"$@\" > {}\n",
            argv_file.display()
        ),
        0o755,
    );
    let t = Toolkit::new(&tmp.path().join("tk"), &[fake.to_str().unwrap()]);
    good_hooks(&t);
    let b = docker_bundle(tmp.path());
    let args = [
        "--root",
        "/run/x",
        "--log",
        "/dev/null",
        "--log-format",
        "json",
        "--systemd-cgroup",
        "create",
        "--bundle",
        b.to_str().unwrap(),
        "--pid-file",
        "/run/x/pid",
        "create",
    ];
    let out = run(t.shim().args(args));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let got = fs::read_to_string(&argv_file).unwrap();
    let mut lines = got.lines();
    assert_eq!(
        lines.next(),
        Some(fake.to_str().unwrap()),
        "argv[0] is the runtime as named in `runtimes`"
    );
    assert_eq!(lines.collect::<Vec<_>>(), args);
    let spec: Value = serde_json::from_slice(&fs::read(b.join("config.json")).unwrap()).unwrap();
    assert_eq!(spec["hooks"]["prestart"].as_array().unwrap().len(), 2);

    // A runtime named by its bare name, found on $PATH, gets that name as
    // argv[0], as when the engine calls it by name. (A compiled program:
    // a script never sees its argv[0].)
    let name = format!("chtk-argv-runtime-{}", std::process::id());
    let source = tmp.path().join("argv.c");
    fs::write(
        &source,
        "#include <stdio.h>\n#include <stdlib.h>\nint main(int c, char **v) { FILE *f = fopen(getenv(\"ARGV_FILE\"), \"w\"); for (int i = 0; i < c; i++) fprintf(f, \"%s\\n\", v[i]); return fclose(f); }\n",
    )
    .unwrap();
    let built = run(Command::new("cc")
        .arg("-o")
        .arg(tmp.path().join(&name))
        .arg(&source));
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let t = Toolkit::new(&tmp.path().join("tk2"), &[&name]);
    let path = format!(
        "{}:{}",
        tmp.path().display(),
        std::env::var("PATH").unwrap()
    );
    let out = run(t
        .shim()
        .env("PATH", path)
        .env("ARGV_FILE", &argv_file)
        .args(["state", "x"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = fs::read_to_string(&argv_file).unwrap();
    assert_eq!(
        got.lines().collect::<Vec<_>>(),
        [name.as_str(), "state", "x"]
    );
}

#[test]
fn own_log_is_not_opened_when_nothing_is_logged_and_unwritable_log_is_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let t = Toolkit::new(tmp.path(), &["/bin/true"]);
    good_hooks(&t);
    let b = docker_bundle(tmp.path());
    // log-level info: a successful create logs nothing.
    let text = fs::read_to_string(&t.config)
        .unwrap()
        .replace("\"debug\"", "\"info\"");
    write_mode(&t.config, &text, 0o644);
    let out = run(t.shim().args(["create", "--bundle"]).arg(&b).arg("quiet"));
    assert!(out.status.success());
    assert!(!t.log.exists(), "no log file opened");
    // An unwritable log at debug level: a warning, and the create goes on.
    let text = fs::read_to_string(&t.config)
        .unwrap()
        .replace("\"info\"", "\"debug\"")
        .replace(t.log.to_str().unwrap(), "/nonexistent-dir/runtime.log");
    write_mode(&t.config, &text, 0o644);
    let out = run(t.shim().args(["create", "--bundle"]).arg(&b).arg("warned"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("warning") && e.contains("/nonexistent-dir/runtime.log"),
        "{e}"
    );
}

#[test]
fn log_file_is_created_mode_0640() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let t = Toolkit::new(tmp.path(), &["/bin/true"]);
    good_hooks(&t);
    let b = docker_bundle(tmp.path());
    let out = run(t.shim().args(["create", "--bundle"]).arg(&b).arg("logged"));
    assert!(out.status.success());
    let mode = fs::metadata(&t.log).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode & !0o640, 0, "mode {mode:o}");
    assert!(fs::read_to_string(&t.log).unwrap().contains("hooks added"));
}

/// Runs the same arguments through runc and through the shim (runtime
/// runc) and compares stdout, stderr and exit code.
fn same_as_runc(t: &Toolkit, args: &[&str]) {
    require("runc");
    // By the name in `runtimes`, as the shim passes it on.
    let direct = run(Command::new("runc").args(args));
    let shimmed = run(t.shim().args(args));
    assert_eq!(
        shimmed.status.code(),
        direct.status.code(),
        "exit code of {args:?}"
    );
    assert_eq!(
        String::from_utf8_lossy(&shimmed.stdout),
        String::from_utf8_lossy(&direct.stdout),
        "stdout of {args:?}"
    );
    assert_eq!(
        mask_log_times(&shimmed.stderr),
        mask_log_times(&direct.stderr),
        "stderr of {args:?}"
    );
}

#[test]
fn other_commands_pass_through_byte_for_byte() {
    require("runc");
    let tmp = tempfile::tempdir().unwrap();
    let t = Toolkit::new(tmp.path(), &["runc"]);
    good_hooks(&t);
    let root = tmp.path().join("state");
    fs::create_dir_all(&root).unwrap();
    let root = root.to_str().unwrap();
    same_as_runc(&t, &["--version"]);
    same_as_runc(&t, &["features"]);
    same_as_runc(&t, &["--root", root, "list"]);
    same_as_runc(&t, &["--root", root, "list", "--format", "json"]);
    same_as_runc(&t, &["--root", root, "state", "missing"]);
    same_as_runc(&t, &["--root", root, "delete", "missing"]);
    same_as_runc(&t, &["--root", root, "delete", "--force", "create"]);
    same_as_runc(&t, &["no-such-command"]);

    // A running container's state, too.
    let b = integration_tests::Bundle::new(tmp.path(), "bundle", &["/bin/sleep", "30"]);
    // The container inherits create's stdio: not a pipe we wait on.
    let ok = t
        .shim()
        .args(["--root", root, "create", "--bundle"])
        .arg(&b.dir)
        .arg("st")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success());
    same_as_runc(&t, &["--root", root, "state", "st"]);
    same_as_runc(&t, &["--root", root, "list"]);
    same_as_runc(&t, &["--root", root, "delete", "--force", "st"]);
}

/// A sleeping container created through the shim by crun, for the
/// passthrough tests.
fn crun_container(t: &Toolkit, dir: &Path, root: &Path, id: &str) -> integration_tests::Bundle {
    let b = integration_tests::Bundle::new(dir, "bundle", &["/bin/sleep", "300"]);
    for command in [
        &["create", "--bundle", b.dir.to_str().unwrap(), id][..],
        &["start", id],
    ] {
        // The container inherits create's stdio: not a pipe we wait on.
        let ok = t
            .shim()
            .arg("--root")
            .arg(root)
            .args(command)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(ok.success(), "{command:?}");
    }
    b
}

#[test]
fn passthrough_commands_reach_the_configured_runtime_or_fail() {
    let crun = require("crun");
    require("runc");
    let tmp = tempfile::tempdir().unwrap();
    let t = Toolkit::new(&tmp.path().join("tk"), &["crun"]);
    let root = tmp.path().join("state");
    let id = integration_tests::unique("passthrough");
    crun_container(&t, tmp.path(), &root, &id);
    let crun_state = |id: &str| {
        run(Command::new(&crun)
            .arg("--root")
            .arg(&root)
            .args(["state", id]))
    };
    assert!(crun_state(&id).status.success());
    let good = fs::read_to_string(&t.config).unwrap();

    // Not TOML, or not trusted: no runtime can be named, so the command
    // fails naming config.toml (engines retry), and the container stays.
    for (text, mode, fault) in [
        ("[[[ broken", 0o644, "line 1"),
        (good.as_str(), 0o666, "refusing to trust"),
    ] {
        write_mode(&t.config, text, mode);
        let out = run(t
            .shim()
            .arg("--root")
            .arg(&root)
            .args(["delete", "-f", &id]));
        assert_eq!(out.status.code(), Some(1), "{fault}");
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(e.contains("config.toml") && e.contains(fault), "{e}");
        assert!(
            crun_state(&id).status.success(),
            "the container is still there"
        );
    }

    // A key wrong elsewhere: `runtimes` still names crun, and crun, the
    // runtime that created the container, deletes it (runc would not find
    // it, and its init would run on).
    let typo = good.replace("[container-hooks]\n", "[container-hooks]\nstritc = true\n");
    assert_ne!(typo, good);
    write_mode(&t.config, &typo, 0o644);
    let out = run(t.shim().arg("--root").arg(&root).args(["state", &id]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let state: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(state["id"], id.as_str(), "crun's own state output");
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("warning") && e.contains("stritc") && e.contains("crun"),
        "{e}"
    );
    let out = run(t
        .shim()
        .arg("--root")
        .arg(&root)
        .args(["delete", "-f", &id]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !crun_state(&id).status.success(),
        "crun deleted its container"
    );
    // A create still needs the whole file.
    let b = docker_bundle(tmp.path());
    let before = fs::read(b.join("config.json")).unwrap();
    let out = run(t.shim().args(["create", "--bundle"]).arg(&b).arg("c2"));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("stritc"));
    assert_eq!(fs::read(b.join("config.json")).unwrap(), before);
}

/// Runs the shim, failing the test if it has not exited after 20 s.
fn run_bounded(cmd: &mut Command) -> Output {
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    if !poll_until(Duration::from_secs(20), || {
        child.try_wait().unwrap().is_some()
    }) {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the shim hangs: {cmd:?}");
    }
    child.wait_with_output().unwrap()
}

fn mkfifo(path: &Path) {
    let _ = fs::remove_file(path);
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid, NUL-terminated path.
    assert_eq!(
        unsafe { libc::mkfifo(c.as_ptr(), 0o644) },
        0,
        "mkfifo {}",
        path.display()
    );
}

#[test]
fn a_fifo_at_any_input_path_never_hangs_the_shim() {
    let tmp = tempfile::tempdir().unwrap();
    let t = Toolkit::new(tmp.path(), &["/bin/true"]);
    good_hooks(&t);
    let b = docker_bundle(tmp.path());
    let create = |t: &Toolkit, extra: &[&str]| {
        run_bounded(
            t.shim()
                .args(extra)
                .args(["create", "--bundle"])
                .arg(&b)
                .arg("fifo"),
        )
    };
    let fails_naming = |out: &Output, name: &str| {
        assert_eq!(out.status.code(), Some(1), "{name}");
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(e.contains(name) && e.contains("FIFO"), "{name}: {e}");
    };

    // config.toml: even `state`, which engines need to clean up.
    let config = fs::read_to_string(&t.config).unwrap();
    mkfifo(&t.config);
    fails_naming(&run_bounded(t.shim().args(["state", "x"])), "config.toml");
    fails_naming(&create(&t, &[]), "config.toml");
    // (Writing to a FIFO would block this test: replace it.)
    fs::remove_file(&t.config).unwrap();
    write_mode(&t.config, &config, 0o644);

    mkfifo(&t.hooks_json);
    fails_naming(&create(&t, &[]), "hooks.json");
    fs::remove_file(&t.hooks_json).unwrap();
    good_hooks(&t);

    mkfifo(&t.hooks_d.join("a.json"));
    fails_naming(&create(&t, &[]), "a.json");
    fs::remove_file(t.hooks_d.join("a.json")).unwrap();

    let spec = fs::read(b.join("config.json")).unwrap();
    mkfifo(&b.join("config.json"));
    fails_naming(&create(&t, &[]), "config.json");
    fs::remove_file(b.join("config.json")).unwrap();
    fs::write(b.join("config.json"), &spec).unwrap();

    // The engine's --log, when the shim reports an error there.
    write_mode(&t.hooks_json, "{", 0o644);
    let log = tmp.path().join("runc-log.fifo");
    mkfifo(&log);
    let out = create(
        &t,
        &["--log", log.to_str().unwrap(), "--log-format", "json"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("hooks.json"));
    good_hooks(&t);

    // The shim's own log: a warning, and the create goes on.
    mkfifo(&t.log);
    let out = create(&t, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("warning") && e.contains("runtime.log"), "{e}");
}

#[test]
fn the_shim_writes_nothing_outside_the_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let t = Toolkit::new(&tmp.path().join("tk"), &["/bin/true"]);
    good_hooks(&t);
    let outside = tmp.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    let shared = outside.join("shared.json");
    fs::copy(fixtures().join("oci/docker-20.10.json"), &shared).unwrap();
    let victim = outside.join("victim");
    fs::write(&victim, "precious\n").unwrap();
    let before = tree(&outside);

    // config.json is a symlink out of the bundle: runc reads through it; the
    // shim reads it too, and puts the result in the bundle, as a file.
    let b = tmp.path().join("bundle");
    fs::create_dir_all(&b).unwrap();
    std::os::unix::fs::symlink(&shared, b.join("config.json")).unwrap();
    let out = run(t.shim().args(["create", "--bundle"]).arg(&b).arg("link"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_same_tree(
        &tree(&outside),
        &before,
        "nothing written outside the bundle",
    );
    let meta = fs::symlink_metadata(b.join("config.json")).unwrap();
    assert!(meta.is_file());
    let spec: Value = serde_json::from_slice(&fs::read(b.join("config.json")).unwrap()).unwrap();
    assert_eq!(spec["hooks"]["prestart"].as_array().unwrap().len(), 2);

    // A hard link to a file outside, planted at the name the temporary
    // file had before (`.config.json.<pid>.chtk.tmp`; pid 1 in a new pid
    // namespace), is never written through.
    let b2 = docker_bundle(&tmp.path().join("b2"));
    fs::hard_link(&victim, b2.join(".config.json.1.chtk.tmp")).unwrap();
    let out = run(Command::new("unshare")
        .args(["--pid", "--fork"])
        .arg(bin("container-hooks-runtime"))
        .env("CONTAINER_HOOKS_CONFIG", &t.config)
        .args(["create", "--bundle"])
        .arg(&b2)
        .arg("planted"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");

    // Logs that are symlinks are not written through.
    let linked_log = tmp.path().join("tk/linked.log");
    std::os::unix::fs::symlink(&victim, &linked_log).unwrap();
    let text = fs::read_to_string(&t.config)
        .unwrap()
        .replace(t.log.to_str().unwrap(), linked_log.to_str().unwrap());
    write_mode(&t.config, &text, 0o644);
    let b3 = docker_bundle(&tmp.path().join("b3"));
    let out = run(t.shim().args(["create", "--bundle"]).arg(&b3).arg("log"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("linked.log"));
    write_mode(&t.hooks_json, "{", 0o644);
    let out = run(t
        .shim()
        .arg("--log")
        .arg(&linked_log)
        .args(["create", "--bundle"])
        .arg(&b3)
        .arg("fails"));
    assert_eq!(out.status.code(), Some(1));
    assert_same_tree(&tree(&outside), &before, "no log line through a symlink");
}

#[test]
fn input_cannot_forge_a_line_of_the_shim_s_log() {
    let tmp = tempfile::tempdir().unwrap();
    let t = Toolkit::new(&tmp.path().join("tk"), &["/bin/true"]);
    good_hooks(&t);
    let forged = "2000-01-01T00:00:00.000000Z ERROR forged line";
    let b = docker_bundle(&tmp.path().join(format!("x\n{forged}\n")));
    let out = run(t.shim().args(["create", "--bundle"]).arg(&b).arg("esc"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = reliability_lines(&t.log);
    assert!(lines.len() >= 2, "{lines:?}");
    assert!(lines.iter().all(|l| !l.starts_with("2000-")), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("forged line")), "{lines:?}");
}

/// The lines of the shim's log; each must start with its own timestamp.
fn reliability_lines(log: &Path) -> Vec<String> {
    let text = fs::read_to_string(log).unwrap();
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    for l in &lines {
        assert!(
            l.len() > 20 && l.as_bytes()[4] == b'-' && l.as_bytes()[10] == b'T',
            "a line without its own timestamp: {l:?}"
        );
    }
    lines
}

#[test]
fn marker_binary_exits_zero_and_answers_version() {
    let marker = bin("container-hooks");
    let out = run(&mut Command::new(&marker));
    assert!(out.status.success() && out.stdout.is_empty());
    let out = run(Command::new(&marker).arg("--version"));
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("container-hooks "));
    // As a hook it reads state on stdin and ignores it.
    let mut child = Command::new(&marker)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"id\":\"x\"}")
        .unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn marker_in_a_bundle_stops_injection() {
    let tmp = tempfile::tempdir().unwrap();
    let t = Toolkit::new(tmp.path(), &["/bin/true"]);
    fs::copy(fixtures().join("hooks/legacy/hooks.json"), &t.hooks_json).unwrap();
    let b = docker_bundle(tmp.path());
    let out = run(t.shim().args(["create", "--bundle"]).arg(&b).arg("m1"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let once = fs::read(b.join("config.json")).unwrap();
    let spec: Value = serde_json::from_slice(&once).unwrap();
    let pre = spec["hooks"]["prestart"].as_array().unwrap();
    assert_eq!(pre[1]["path"], "/usr/bin/container-hooks");
    // Another source added later is not injected into a marked bundle.
    t.write_hooks_json(&json!({"poststop": [{"path": "/bin/true"}]}));
    let mtime = fs::metadata(b.join("config.json")).unwrap().mtime_nsec();
    assert!(run(t.shim().args(["create", "--bundle"]).arg(&b).arg("m2"))
        .status
        .success());
    assert_eq!(fs::read(b.join("config.json")).unwrap(), once);
    assert_eq!(
        fs::metadata(b.join("config.json")).unwrap().mtime_nsec(),
        mtime,
        "not rewritten"
    );
}

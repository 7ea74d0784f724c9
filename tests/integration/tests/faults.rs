//! Faults: the shim killed in the middle of injection, a full disk, a
//! read-only bundle, a hook that hangs, inputs past the size limits. In
//! every case config.json is the original or the complete result, and the
//! error names the file and the fault.
//!
//! The normal test run kills the shim CHTK_KILLS (default 200) times;
//! `cargo xtask reliability kill` runs 1,000 and more.

mod reliability;

use integration_tests::{bin, ctk, fixtures, require, run, unique, write_mode, Bundle, Toolkit};
use reliability::{runc_delete, scale, temporaries, Rng};
use serde_json::{json, Value};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A config.json of about `mib` MiB: Docker's, with many annotations.
fn large_config(mib: usize) -> Vec<u8> {
    let mut spec: Value =
        serde_json::from_slice(&fs::read(fixtures().join("oci/docker-20.10.json")).unwrap())
            .unwrap();
    let annotations = spec["annotations"]
        .as_object_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    let mut annotations = annotations;
    let mut i = 0;
    let mut size = 0;
    while size < mib * 1024 * 1024 {
        let key = format!("org.example.load/{i:08}");
        let value = format!("{:0>200}", i);
        size += key.len() + value.len() + 12;
        annotations.insert(key, value.into());
        i += 1;
    }
    spec["annotations"] = Value::Object(annotations);
    serde_json::to_vec_pretty(&spec).unwrap()
}

/// A hooks.json with `n` hooks spread over every stage.
fn many_hooks(n: usize) -> Value {
    let stages = [
        "prestart",
        "createRuntime",
        "createContainer",
        "startContainer",
        "poststart",
        "poststop",
    ];
    let mut out = serde_json::Map::new();
    for (i, stage) in (0..n).map(|i| (i, stages[i % stages.len()])) {
        out.entry(stage)
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .unwrap()
            .push(json!({"path": format!("/usr/libexec/hooks/h{i}"), "args": [format!("h{i}"), "--stage", stage], "env": ["N=1"], "timeout": 1 + i % 30}));
    }
    Value::Object(out)
}

fn shim_create(toolkit: &Toolkit, bundle: &Path, id: &str) -> Command {
    let mut c = toolkit.shim();
    c.args(["create", "--bundle"])
        .arg(bundle)
        .arg(id)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    c
}

#[test]
fn sigkill_during_injection_leaves_the_original_or_the_whole_result() {
    let kills = scale("CHTK_KILLS", 200);
    let tmp = tempfile::tempdir().unwrap();
    let toolkit = Toolkit::new(&tmp.path().join("toolkit"), &["/bin/true"]);
    toolkit.write_hooks_json(&many_hooks(600));
    let original = large_config(scale("CHTK_KILL_MIB", 2));
    let bundle = tmp.path().join("bundle");
    fs::create_dir_all(&bundle).unwrap();
    let config = bundle.join("config.json");
    write_mode(&config, "", 0o640);
    fs::write(&config, &original).unwrap();

    // The complete result, and how long one whole run takes.
    let started = Instant::now();
    let out = run(shim_create(&toolkit, &bundle, "ref").stderr(Stdio::piped()));
    let whole = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let complete = fs::read(&config).unwrap();
    assert_ne!(complete, original);
    fs::write(&config, &original).unwrap();

    let mut rng = Rng::new("sigkill");
    let window = whole.as_micros() as u64 * 6 / 5;
    let (mut kept_original, mut completed, mut tmp_seen) = (0, 0, 0);
    // The latest kill time that left the original and the earliest that
    // left the result: the write happens between them. Every other kill
    // aims there; the rest are spread over the whole run.
    let (mut last_original, mut first_complete) = (0u64, u64::MAX);
    for round in 0..kills {
        let delay = if round % 2 == 1 && first_complete != u64::MAX {
            let a = last_original
                .min(first_complete)
                .saturating_sub(window / 10);
            let b = last_original.max(first_complete) + window / 20;
            a + rng.below(b - a + 1)
        } else {
            rng.below(window)
        };
        let mut child = shim_create(&toolkit, &bundle, "k")
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // `.config.json.<pid>.<random>.chtk.tmp`
        let own = format!(".config.json.{}.", child.id());
        std::thread::sleep(Duration::from_micros(delay));
        let _ = child.kill();
        let _ = child.wait();
        let now = fs::read(&config).unwrap();
        if now == original {
            kept_original += 1;
            last_original = last_original.max(delay);
        } else if now == complete {
            completed += 1;
            first_complete = first_complete.min(delay);
            fs::write(&config, &original).unwrap();
        } else {
            panic!(
                "round {round}: config.json is neither the original nor the result ({} bytes; original {}, result {})",
                now.len(),
                original.len(),
                complete.len()
            );
        }
        assert_eq!(
            fs::metadata(&config).unwrap().permissions().mode() & 0o7777,
            0o640,
            "round {round}: mode"
        );
        let left = temporaries(&bundle);
        if left.iter().any(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&own))
        }) {
            // Killed between creating the temporary and the rename.
            assert_eq!(now, original, "round {round}");
            tmp_seen += 1;
        }
        // A temporary of a killed shim is its own (pid in the name) and
        // at most one per killed run is ever present.
        assert!(
            left.len() <= 2,
            "round {round}: temporaries pile up: {left:?}"
        );
    }
    // The next run is not disturbed by anything a killed run left.
    let out = run(shim_create(&toolkit, &bundle, "after").stderr(Stdio::piped()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fs::read(&config).unwrap(), complete);
    assert_eq!(
        temporaries(&bundle),
        Vec::<PathBuf>::new(),
        "stale temporaries are removed"
    );
    eprintln!(
        "sigkill: {kills} kills over a {} byte config.json with 600 hooks: {kept_original} left the original \
         ({tmp_seen} of them killed while writing the temporary), {completed} the complete result, 0 partial or empty",
        original.len()
    );
    assert!(completed + kept_original == kills);
}

/// A tmpfs mounted for one test and unmounted when dropped.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(dir: &Path, size: &str) -> Mount {
        fs::create_dir_all(dir).unwrap();
        let out = run(Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir));
        assert!(
            out.status.success(),
            "mount tmpfs: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Mount(dir.to_path_buf())
    }

    fn read_only_bind(dir: &Path) -> Mount {
        let out = run(Command::new("mount").arg("--bind").arg(dir).arg(dir));
        assert!(
            out.status.success(),
            "bind mount: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let m = Mount(dir.to_path_buf());
        let out = run(Command::new("mount")
            .args(["-o", "remount,ro,bind"])
            .arg(dir));
        assert!(
            out.status.success(),
            "remount ro: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        m
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn full_disk_during_injection_is_a_clear_error_and_keeps_config_json() {
    let tmp = tempfile::tempdir().unwrap();
    let toolkit = Toolkit::new(&tmp.path().join("toolkit"), &["/bin/true"]);
    toolkit.write_hooks_json(&many_hooks(12));
    let disk = tmp.path().join("disk");
    let _mount = Mount::tmpfs(&disk, "4m");
    let bundle = disk.join("bundle");
    fs::create_dir_all(&bundle).unwrap();
    let original = large_config(1);
    fs::write(bundle.join("config.json"), &original).unwrap();
    // Fill what is left of the disk.
    let filler = disk.join("filler");
    {
        use std::io::Write;
        let mut f = fs::File::create(&filler).unwrap();
        let block = vec![0u8; 4096];
        while f.write_all(&block).is_ok() {}
    }
    let out = run(shim_create(&toolkit, &bundle, &unique("full")).stderr(Stdio::piped()));
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&bundle.join("config.json").display().to_string()),
        "{err}"
    );
    assert!(err.contains("no space left on device"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert_eq!(
        fs::read(bundle.join("config.json")).unwrap(),
        original,
        "config.json intact"
    );
    assert_eq!(temporaries(&bundle), Vec::<PathBuf>::new());
    // With room again the same create goes through.
    fs::remove_file(&filler).unwrap();
    let out = run(shim_create(&toolkit, &bundle, &unique("full")).stderr(Stdio::piped()));
    assert!(out.status.success(), "{}", stderr_of(&out));
}

#[test]
fn read_only_bundle_is_a_clear_error_and_keeps_config_json() {
    let tmp = tempfile::tempdir().unwrap();
    let toolkit = Toolkit::new(&tmp.path().join("toolkit"), &["/bin/true"]);
    toolkit.write_hooks_json(&many_hooks(3));
    let bundle = tmp.path().join("bundle");
    fs::create_dir_all(&bundle).unwrap();
    let original = fs::read(fixtures().join("oci/runc-1.1-spec.json")).unwrap();
    fs::write(bundle.join("config.json"), &original).unwrap();
    let mount = Mount::read_only_bind(&bundle);
    let out = run(shim_create(&toolkit, &bundle, &unique("ro")).stderr(Stdio::piped()));
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&bundle.join("config.json").display().to_string()),
        "{err}"
    );
    assert!(err.contains("read-only file system"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert_eq!(fs::read(bundle.join("config.json")).unwrap(), original);
    drop(mount);
    assert_eq!(temporaries(&bundle), Vec::<PathBuf>::new());
}

#[test]
fn hanging_hook_with_timeout_fails_the_create_as_runc_does() {
    let tmp = tempfile::tempdir().unwrap();
    let runc = require("runc");
    let toolkit = Toolkit::new(&tmp.path().join("toolkit"), &[runc.to_str().unwrap()]);
    let hooks = json!({
        "createRuntime": [
            {"path": "/bin/true", "args": ["true"], "timeout": 3600},
            {"path": "/bin/sleep", "args": ["sleep", "600"], "timeout": 1},
        ],
        "poststop": [{"path": "/bin/true", "args": ["true", "poststop"], "timeout": 7}],
    });
    toolkit.write_hooks_json(&hooks);
    let bundle = Bundle::new(tmp.path(), "bundle", &["true"]);
    let state = tmp.path().join("runc-state");
    let id = unique("hang");
    let out = run(toolkit
        .shim()
        .arg("--root")
        .arg(&state)
        .args(["create", "--bundle"])
        .arg(&bundle.dir)
        .arg(&id)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped()));
    let err = stderr_of(&out);
    runc_delete(&state, &id);
    assert!(!out.status.success(), "create must fail");
    assert!(
        err.contains("timeout"),
        "runc's error names the timeout: {err}"
    );
    // No container is left behind.
    let st = run(Command::new(&runc)
        .arg("--root")
        .arg(&state)
        .args(["state", &id]));
    assert!(!st.status.success(), "container {id} still exists");
    // Every injected hook carries exactly the timeout it was given.
    let config = bundle.config();
    for stage in ["createRuntime", "poststop"] {
        assert_eq!(config["hooks"][stage], hooks[stage], "{stage}");
    }

    // runc itself, given the same config.json, fails the same way.
    let id2 = unique("hang-runc");
    let direct = run(Command::new(&runc)
        .arg("--root")
        .arg(&state)
        .args(["create", "--bundle"])
        .arg(&bundle.dir)
        .arg(&id2)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped()));
    runc_delete(&state, &id2);
    assert_eq!(
        direct.status.code(),
        out.status.code(),
        "exit code as runc's"
    );
    assert!(stderr_of(&direct).contains("timeout"));
}

#[test]
fn inputs_past_the_size_limits_are_refused_without_reading_them() {
    use container_hooks_core::trust::{MAX_SOURCE_BYTES, MAX_SPEC_BYTES};
    let tmp = tempfile::tempdir().unwrap();
    let toolkit = Toolkit::new(&tmp.path().join("toolkit"), &["/bin/true"]);
    toolkit.write_hooks_json(&many_hooks(3));
    let bundle = tmp.path().join("bundle");
    fs::create_dir_all(&bundle).unwrap();
    let config = bundle.join("config.json");

    let refused = |what: &str| {
        let out = run(shim_create(&toolkit, &bundle, "big").stderr(Stdio::piped()));
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{what}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{what}: one line: {err}");
        err
    };

    // config.json one byte past 8 MiB (valid JSON, padded).
    let mut big = b"{\"ociVersion\":\"1.0.2\"}".to_vec();
    big.resize(MAX_SPEC_BYTES as usize + 1, b' ');
    fs::write(&config, &big).unwrap();
    let err = refused("config.json over the limit");
    assert!(
        err.contains(&config.display().to_string()) && err.contains("larger than 8 MiB"),
        "{err}"
    );
    assert_eq!(fs::read(&config).unwrap(), big);
    // Exactly at the limit it is read and injected.
    big.truncate(MAX_SPEC_BYTES as usize);
    fs::write(&config, &big).unwrap();
    let out = run(shim_create(&toolkit, &bundle, "big").stderr(Stdio::piped()));
    assert!(out.status.success(), "{}", stderr_of(&out));

    // A sparse 64 GiB config.json: refused from its size, never read.
    let f = fs::File::create(&config).unwrap();
    f.set_len(64 << 30).unwrap();
    drop(f);
    let err = refused("sparse config.json");
    assert!(err.contains("larger than 8 MiB"), "{err}");
    // A config.json that never ends.
    fs::remove_file(&config).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &config).unwrap();
    let err = refused("config.json -> /dev/zero");
    assert!(err.contains("not a regular file"), "{err}");
    fs::remove_file(&config).unwrap();
    fs::write(&config, b"{}").unwrap();

    // hooks.json one byte past 1 MiB.
    let mut hooks = serde_json::to_vec(&many_hooks(1)).unwrap();
    hooks.resize(MAX_SOURCE_BYTES as usize + 1, b'\n');
    fs::write(&toolkit.hooks_json, &hooks).unwrap();
    let err = refused("hooks.json over the limit");
    assert!(
        err.contains(&toolkit.hooks_json.display().to_string())
            && err.contains("larger than 1 MiB"),
        "{err}"
    );
    fs::remove_file(&toolkit.hooks_json).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &toolkit.hooks_json).unwrap();
    let err = refused("hooks.json -> /dev/zero");
    assert!(err.contains("not a regular file"), "{err}");
    fs::remove_file(&toolkit.hooks_json).unwrap();

    // config.toml one byte past 1 MiB.
    let mut text = fs::read(&toolkit.config).unwrap();
    text.resize(MAX_SOURCE_BYTES as usize + 1, b'\n');
    fs::write(&toolkit.config, &text).unwrap();
    let err = refused("config.toml over the limit");
    assert!(
        err.contains(&toolkit.config.display().to_string()) && err.contains("larger than 1 MiB"),
        "{err}"
    );
    assert_eq!(fs::read(&config).unwrap(), b"{}", "config.json untouched");
}

#[test]
fn log_file_is_created_0640_or_tighter_whatever_the_umask() {
    let tmp = tempfile::tempdir().unwrap();
    let toolkit = Toolkit::new(&tmp.path().join("toolkit"), &["/bin/true"]);
    toolkit.write_hooks_json(&many_hooks(2));
    let bundle = tmp.path().join("bundle");
    fs::create_dir_all(&bundle).unwrap();
    fs::write(bundle.join("config.json"), b"{}").unwrap();
    assert!(!toolkit.log.exists());
    let out = run(Command::new("/bin/sh")
        .args(["-c", "umask 000; exec \"$0\" create --bundle \"$1\" id"])
        .arg(bin("container-hooks-runtime"))
        .arg(&bundle)
        .env("CONTAINER_HOOKS_CONFIG", &toolkit.config)
        .stderr(Stdio::piped()));
    assert!(out.status.success(), "{}", stderr_of(&out));
    let mode = fs::metadata(&toolkit.log).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode & !0o640, 0, "log mode {mode:04o} is looser than 0640");
}

/// An engine file made large (so that a kill can land in the middle of
/// the edit) by content the editor must keep.
fn large_engine_file(engine: &str) -> (String, Vec<u8>) {
    let f = fixtures().join("engines");
    let (name, mut text) = match engine {
        "docker" => (
            "daemon.json",
            fs::read_to_string(f.join("docker/daemon-with-runtimes.json")).unwrap(),
        ),
        "containerd" => (
            "config.toml",
            fs::read_to_string(f.join("containerd/v2-debian-package.toml")).unwrap(),
        ),
        "crio" => (
            "crio.conf",
            fs::read_to_string(f.join("crio/crio.conf")).unwrap(),
        ),
        _ => (
            "containers.conf",
            fs::read_to_string(f.join("podman/containers.conf")).unwrap(),
        ),
    };
    if engine == "docker" {
        let mut v: Value = serde_json::from_str(&text).unwrap();
        let labels: Vec<Value> = (0..20_000)
            .map(|i| format!("org.example.label-{i}=value-{i:0>40}").into())
            .collect();
        v["labels"] = Value::Array(labels);
        text = serde_json::to_string_pretty(&v).unwrap();
    } else {
        for i in 0..20_000 {
            text.push_str(&format!(
                "# operator note {i}: keep this line exactly as it is ......................\n"
            ));
        }
    }
    (name.to_string(), text.into_bytes())
}

/// `ctk runtime configure` for `engine` on files in `dir`.
fn configure(engine: &str, dir: &Path, file: &Path, verb: &str) -> Command {
    let mut c = ctk();
    c.args(["--quiet", "runtime", verb, "--runtime", engine, "--config"])
        .arg(file)
        .arg("--state-dir")
        .arg(dir.join("state"));
    if engine == "crio" {
        c.arg("--drop-in")
            .arg(dir.join("crio.conf.d/99-container-hooks.conf"));
    }
    if verb == "configure" {
        c.args([
            "--set-as-default",
            "--path",
            "/usr/bin/container-hooks-runtime",
        ]);
    }
    c.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// Every regular file under `dir` (not the state), by relative path.
fn engine_files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            if rel == "state" {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn reset(dir: &Path, name: &str, original: &[u8]) {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir.join("crio.conf.d")).unwrap();
    fs::write(dir.join(name), original).unwrap();
}

#[test]
fn sigkill_during_runtime_configure_leaves_each_engine_file_old_or_new() {
    let kills = scale("CHTK_CONFIGURE_KILLS", 25);
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng::new("configure-sigkill");
    let mut report = Vec::new();
    for engine in ["docker", "containerd", "crio", "podman"] {
        let (name, original) = large_engine_file(engine);
        let dir = tmp.path().join(engine);
        let file = dir.join(&name);
        reset(&dir, &name, &original);
        let before = engine_files(&dir);
        let started = Instant::now();
        let out = run(&mut configure(engine, &dir, &file, "configure"));
        let whole = started.elapsed();
        assert!(out.status.success(), "{engine}: {}", stderr_of(&out));
        let after = engine_files(&dir);
        assert_ne!(before, after, "{engine}: configure changed nothing");
        let window = whole.as_micros() as u64 * 6 / 5;
        let (mut old, mut new, mut mixed) = (0, 0, 0);
        for round in 0..kills {
            reset(&dir, &name, &original);
            let mut child = configure(engine, &dir, &file, "configure")
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_micros(rng.below(window)));
            let _ = child.kill();
            let _ = child.wait();
            let now = engine_files(&dir);
            // Each file on its own is the old or the new version.
            let mut all_old = true;
            let mut all_new = true;
            for (rel, bytes) in &now {
                if container_hooks_core::atomic::is_temporary_name(rel.rsplit('/').next().unwrap())
                {
                    continue;
                }
                let is_old = before.get(rel) == Some(bytes);
                let is_new = after.get(rel) == Some(bytes);
                assert!(is_old || is_new, "{engine} round {round}: {rel} is neither the old nor the new version ({} bytes)", bytes.len());
                all_old &= is_old;
                all_new &= is_new;
            }
            match (all_old, all_new) {
                (true, _) => old += 1,
                (_, true) => new += 1,
                _ => mixed += 1,
            }
            // Killed after the engine file was written: running configure
            // again finishes the job, and remove gives back the original.
            if !all_old || round % 10 == 0 {
                let out = run(&mut configure(engine, &dir, &file, "configure"));
                assert!(
                    out.status.success(),
                    "{engine} round {round}: configure again: {}",
                    stderr_of(&out)
                );
                let again = engine_files(&dir);
                let again: std::collections::BTreeMap<_, _> = again
                    .into_iter()
                    .filter(|(k, _)| {
                        !container_hooks_core::atomic::is_temporary_name(
                            k.rsplit('/').next().unwrap(),
                        )
                    })
                    .collect();
                assert_eq!(
                    again, after,
                    "{engine} round {round}: configure after a kill"
                );
                let out = run(&mut configure(engine, &dir, &file, "remove"));
                assert!(
                    out.status.success(),
                    "{engine} round {round}: remove: {}",
                    stderr_of(&out)
                );
                assert_eq!(
                    fs::read(&file).unwrap(),
                    original,
                    "{engine} round {round}: remove after a kill restores the original"
                );
            }
        }
        report.push(format!(
            "{engine}: {kills} kills, {old} old, {new} new, {mixed} with some files new"
        ));
    }
    eprintln!(
        "configure-sigkill: {}; 0 partial or empty files",
        report.join("; ")
    );
}

/// Regression: configure used to write the engine file before recording
/// the previous default runtime, so a configure killed (or failing) in
/// between left the shim as the engine's default with no record of the
/// operator's own default, and `remove` then put `runc` in its place. Now
/// the record comes first: when it cannot be written, the engine file is
/// not touched.
#[test]
fn runtime_configure_records_the_previous_default_before_editing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("docker");
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join("daemon.json");
    let original = fs::read(fixtures().join("engines/docker/daemon-with-runtimes.json")).unwrap();
    fs::write(&file, &original).unwrap();
    let state = tmp.path().join("state");
    fs::create_dir_all(&state).unwrap();
    let configure = |verb: &str| {
        let mut c = ctk();
        c.args([
            "--quiet",
            "runtime",
            verb,
            "--runtime",
            "docker",
            "--config",
        ])
        .arg(&file)
        .arg("--state-dir")
        .arg(&state);
        if verb == "configure" {
            c.arg("--set-as-default");
        }
        run(c
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped()))
    };
    {
        let _ro = Mount::read_only_bind(&state);
        let out = configure("configure");
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&state.display().to_string()) && err.contains("read-only file system"),
            "{err}"
        );
        assert_eq!(
            fs::read(&file).unwrap(),
            original,
            "daemon.json untouched when the record cannot be written"
        );
    }
    let out = configure("configure");
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
    assert_eq!(v["default-runtime"], "container-hooks");
    let out = configure("remove");
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        fs::read(&file).unwrap(),
        original,
        "remove restores nvidia as the default"
    );
}

/// Regression (found by the hooks_json fuzz target): a hooks.json whose
/// stage name or field name holds a newline gave an error over several
/// lines on stderr and in the shim's log.
#[test]
fn hostile_names_in_hooks_json_give_one_whole_error_line() {
    let tmp = tempfile::tempdir().unwrap();
    let toolkit = Toolkit::new(&tmp.path().join("toolkit"), &["/bin/true"]);
    let bundle = tmp.path().join("bundle");
    fs::create_dir_all(&bundle).unwrap();
    fs::write(bundle.join("config.json"), b"{}").unwrap();
    for hooks in [
        r#"{"pre\nstart": []}"#,
        r#"{"prestart": [{"path": "/x", "pa\nth\u001b[2J": 1}]}"#,
    ] {
        write_mode(&toolkit.hooks_json, hooks, 0o644);
        let runc_log = tmp.path().join("runc-log.json");
        let out = run(toolkit
            .shim()
            .arg("--log")
            .arg(&runc_log)
            .args(["create", "--bundle"])
            .arg(&bundle)
            .arg("x")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped()));
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert_eq!(err.lines().count(), 1, "{err:?}");
        assert!(!err.trim_end().chars().any(char::is_control), "{err:?}");
        assert!(
            err.contains(&toolkit.hooks_json.display().to_string()),
            "{err}"
        );
        let lines = reliability::whole_log_lines(&toolkit.log);
        assert!(lines.iter().any(|l| l.contains("ERROR")), "{lines:?}");
        let text = fs::read_to_string(&runc_log).unwrap();
        assert_eq!(text.lines().count(), 1, "{text:?}");
        fs::remove_file(&runc_log).unwrap();
        assert_eq!(fs::read(bundle.join("config.json")).unwrap(), b"{}");
    }
}

//! Many hook files: 1,000 files in hooks.d still inject correctly, in the
//! order of their lower-cased names, through the shim; and the hooks.d
//! trust and size rules hold through the shim (a directory writable by
//! others, a symlinked file judged by its target, an oversized file).
//!
//! `cargo xtask reliability many-hooks` also measures the cost per create
//! (hyperfine) and prints the figures for BENCHMARKS.md.

mod reliability;

use integration_tests::{bin, fixtures, require, run, write_mode, Toolkit};
use reliability::scale;
use serde_json::{json, Value};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

const STAGES: [&str; 3] = ["prestart", "createRuntime", "poststop"];

/// Writes `n` hook files named so that their lower-cased order differs
/// from their byte order, each running its own program (a symlink to
/// /bin/true in `programs`); returns the hook paths in the order they
/// apply.
fn write_hook_files(dir: &Path, programs: &Path, n: usize) -> Vec<String> {
    fs::create_dir_all(programs).unwrap();
    let mut applied = Vec::new();
    for i in 0..n {
        // Upper case on odd files: by bytes every `H...` would come
        // before every `h...`; lower-cased they interleave by number.
        let name = if i % 2 == 1 {
            format!("H{i:05}.json")
        } else {
            format!("h{i:05}.json")
        };
        let program = programs.join(format!("{i:05}"));
        if !program.exists() {
            std::os::unix::fs::symlink("/bin/true", &program).unwrap();
        }
        let path = program.display().to_string();
        let stage = STAGES[i % STAGES.len()];
        let when = if i % 10 == 0 {
            // Every tenth file never matches these bundles.
            json!({"annotations": {"^io\\.example\\.never$": ".*"}})
        } else {
            json!({"always": true})
        };
        let file = json!({
            "version": "1.0.0",
            "hook": {"path": path, "args": [format!("h{i}")], "timeout": 5},
            "when": when,
            "stages": [stage],
        });
        write_mode(&dir.join(name), &file.to_string(), 0o644);
        if i % 10 != 0 {
            applied.push(path);
        }
    }
    applied
}

fn create(toolkit: &Toolkit, bundle: &Path) -> std::process::Output {
    run(toolkit
        .shim()
        .args(["create", "--bundle"])
        .arg(bundle)
        .arg("many")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped()))
}

#[test]
fn a_thousand_hook_files_inject_in_order() {
    let n = scale("CHTK_HOOK_FILES", 1000);
    let tmp = tempfile::tempdir().unwrap();
    let toolkit = Toolkit::new(&tmp.path().join("toolkit"), &["/bin/true"]);
    let programs = tmp.path().join("many");
    let applied = write_hook_files(&toolkit.hooks_d, &programs, n);
    let bundle = tmp.path().join("bundle");
    fs::create_dir_all(&bundle).unwrap();
    let original = fs::read(fixtures().join("oci/docker-20.10.json")).unwrap();
    fs::write(bundle.join("config.json"), &original).unwrap();
    let out = create(&toolkit, &bundle);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config: Value =
        serde_json::from_slice(&fs::read(bundle.join("config.json")).unwrap()).unwrap();
    // Every matching file once, in file order, after the engine's hooks.
    let mut seen = Vec::new();
    for stage in STAGES {
        let list = config["hooks"][stage]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let ours: Vec<&Value> = list
            .iter()
            .filter(|h| Path::new(h["path"].as_str().unwrap()).parent() == Some(programs.as_path()))
            .collect();
        if stage == "prestart" {
            assert_eq!(
                list[0]["args"][0], "libnetwork-setkey",
                "Docker's hook stays first"
            );
        }
        for h in ours {
            assert_eq!(h["timeout"], 5);
            seen.push(h["path"].as_str().unwrap().to_string());
        }
    }
    let mut expected_by_stage: Vec<String> = Vec::new();
    for (s, _) in STAGES.iter().enumerate() {
        expected_by_stage.extend(
            applied
                .iter()
                .filter(|p| {
                    let i: usize = p.rsplit('/').next().unwrap().parse().unwrap();
                    i % STAGES.len() == s
                })
                .cloned(),
        );
    }
    assert_eq!(seen, expected_by_stage);
    // A second create adds nothing and does not rewrite the file.
    let before = fs::read(bundle.join("config.json")).unwrap();
    let out = create(&toolkit, &bundle);
    assert!(out.status.success());
    assert_eq!(fs::read(bundle.join("config.json")).unwrap(), before);
    eprintln!(
        "many hooks: {n} hook files, {} hooks injected in order",
        seen.len()
    );

    if std::env::var_os("CHTK_BENCH").is_some() {
        bench(&toolkit, &bundle, &programs, &original, n);
    }
}

/// Measures one create (config.json restored before each run) with `n`
/// files against the same create with two (one matching, one not).
fn bench(toolkit: &Toolkit, bundle: &Path, programs: &Path, original: &[u8], n: usize) {
    let release = bin("container-hooks-runtime")
        .parent()
        .and_then(Path::parent)
        .map(|t| t.join("release/container-hooks-runtime"))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| bin("container-hooks-runtime"));
    eprintln!("benchmarking {}", release.display());
    let pristine = bundle.join("config.json.orig");
    fs::write(&pristine, original).unwrap();
    // The baseline injects too (two files, one of them matching: one
    // hook), so both write config.json and the difference is the cost of
    // the other files.
    let empty = toolkit.dir.join("one.d");
    fs::create_dir_all(&empty).unwrap();
    write_hook_files(&empty, programs, 2);
    let config_empty = toolkit.dir.join("config-empty.toml");
    let text = fs::read_to_string(&toolkit.config)
        .unwrap()
        .replace(&format!("{:?}", toolkit.hooks_d), &format!("{:?}", empty));
    write_mode(&config_empty, &text, 0o644);
    let export = toolkit.dir.join("bench.json");
    let prepare = format!(
        "cp {} {}",
        pristine.display(),
        bundle.join("config.json").display()
    );
    let cmd = |config: &Path| {
        format!(
            "env CONTAINER_HOOKS_CONFIG={} {} create --bundle {} many",
            config.display(),
            release.display(),
            bundle.display()
        )
    };
    let out = run(Command::new(require("hyperfine"))
        .args([
            "-N",
            "--warmup",
            "20",
            "--min-runs",
            "200",
            "--prepare",
            &prepare,
            "--export-json",
        ])
        .arg(&export)
        .args([
            "-n",
            "0 files",
            &cmd(&config_empty),
            "-n",
            &format!("{n} files"),
            &cmd(&toolkit.config),
        ]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Value = serde_json::from_slice(&fs::read(&export).unwrap()).unwrap();
    let mean = |i: usize| results["results"][i]["mean"].as_f64().unwrap();
    let ratio = mean(1) / mean(0);
    println!(
        "many hooks: a create with {n} hook files costs {ratio:.2}x a create with two \
         ({:.4} of that create per extra file); means {:.2} ms and {:.2} ms on this machine",
        (ratio - 1.0) / (n - 1) as f64,
        mean(0) * 1000.0,
        mean(1) * 1000.0
    );
}

#[test]
fn hooks_d_trust_and_size_rules_hold_through_the_shim() {
    let tmp = tempfile::tempdir().unwrap();
    let toolkit = Toolkit::new(&tmp.path().join("toolkit"), &["/bin/true"]);
    let bundle = tmp.path().join("bundle");
    fs::create_dir_all(&bundle).unwrap();
    let original = br#"{"ociVersion":"1.0.2","process":{"args":["sh"]}}"#;
    fs::write(bundle.join("config.json"), original).unwrap();
    let good = json!({"version": "1.0.0", "hook": {"path": "/bin/true"}, "when": {"always": true}, "stages": ["prestart"]});
    let outside = tmp.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    let refused = |what: &str, needle: &str| {
        let out = create(&toolkit, &bundle);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "{what}: {err}");
        assert!(err.contains(needle), "{what}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{what}: one line: {err}");
        assert_eq!(
            fs::read(bundle.join("config.json")).unwrap(),
            original,
            "{what}"
        );
    };

    // A symlink to a file others can write is judged by that file.
    let target = outside.join("target.json");
    write_mode(&target, &good.to_string(), 0o666);
    let link = toolkit.hooks_d.join("10-link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    refused("symlink to a world-writable file", "10-link.json");
    // The same symlink to a file only root can write is applied.
    fs::set_permissions(&target, fs::Permissions::from_mode(0o644)).unwrap();
    let out = create(&toolkit, &bundle);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config: Value =
        serde_json::from_slice(&fs::read(bundle.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["hooks"]["prestart"], json!([{"path": "/bin/true"}]));
    fs::write(bundle.join("config.json"), original).unwrap();

    // A hooks directory writable by others is refused as a whole.
    fs::set_permissions(&toolkit.hooks_d, fs::Permissions::from_mode(0o777)).unwrap();
    refused(
        "world-writable hooks.d",
        &toolkit.hooks_d.display().to_string(),
    );
    fs::set_permissions(&toolkit.hooks_d, fs::Permissions::from_mode(0o755)).unwrap();

    // A hook file past 1 MiB.
    let mut big = good.to_string().into_bytes();
    big.resize(
        container_hooks_core::trust::MAX_SOURCE_BYTES as usize + 1,
        b' ',
    );
    fs::remove_file(&link).unwrap();
    fs::write(toolkit.hooks_d.join("20-big.json"), &big).unwrap();
    fs::set_permissions(
        toolkit.hooks_d.join("20-big.json"),
        fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    refused("hook file over the limit", "larger than 1 MiB");
}

//! `container-hooks-ctk hooks list | validate | preview`, as a user runs
//! them: text and JSON output, exit status, and nothing written.

use integration_tests::{ctk, fixtures, recorder_hook, run, write_mode, Toolkit};
use serde_json::{json, Value};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\nstderr: {}",
            stdout(out),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn hook_file(dir: &Path, name: &str, value: Value, mode: u32) -> PathBuf {
    fs::create_dir_all(dir).unwrap();
    let p = dir.join(name);
    write_mode(&p, &serde_json::to_string_pretty(&value).unwrap(), mode);
    p
}

fn v1(path: &Path, when: Value, stages: &[&str]) -> Value {
    json!({"version": "1.0.0", "hook": {"path": path, "args": ["h"]}, "when": when, "stages": stages})
}

/// A toolkit with hooks.json, two hooks directories (the second masking
/// one file of the first) and a hook program that exists.
struct Site {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    toolkit: Toolkit,
    program: PathBuf,
    d1: PathBuf,
    d2: PathBuf,
}

impl Site {
    fn new() -> Site {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let toolkit = Toolkit::new(&dir.join("toolkit"), &["runc"]);
        let program = dir.join("hook.sh");
        recorder_hook(&program, &dir.join("record"));
        let (d1, d2) = (dir.join("d1"), dir.join("d2"));
        write_mode(
            &toolkit.config,
            &format!(
                "[container-hooks]\npath = {:?}\nhooks-dirs = [{:?}, {:?}]\n",
                toolkit.hooks_json, d1, d2
            ),
            0o644,
        );
        toolkit.write_hooks_json(&json!({"prestart": [{"path": program, "args": ["h", "json"]}]}));
        hook_file(
            &d1,
            "10-always.json",
            v1(&program, json!({"always": true}), &["createRuntime"]),
            0o644,
        );
        hook_file(
            &d1,
            "30-site.json",
            v1(&program, json!({"always": true}), &["poststop"]),
            0o644,
        );
        hook_file(
            &d2,
            "20-Verify.json",
            v1(
                &program,
                json!({"annotations": {"^io\\.example\\.verify$": "^true$"}}),
                &["prestart"],
            ),
            0o644,
        );
        hook_file(
            &d2,
            "30-site.json",
            v1(&program, json!({"commands": ["^/bin/sh$"]}), &["poststart"]),
            0o644,
        );
        Site {
            _tmp: tmp,
            dir,
            toolkit,
            program,
            d1,
            d2,
        }
    }

    /// `container-hooks-ctk hooks ARGS --config` this site's config.toml.
    fn ctk_hooks(&self, args: &[&str]) -> Command {
        let mut c = ctk();
        c.arg("hooks")
            .args(args)
            .arg("--config")
            .arg(&self.toolkit.config);
        c
    }
}

#[test]
fn list_shows_sources_in_application_order_with_masking() {
    let s = Site::new();
    let out = run(&mut s.ctk_hooks(&["list", "--output", "json"]));
    assert!(out.status.success());
    let v = json_of(&out);
    let files: Vec<String> = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["file"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        files,
        [
            s.toolkit.hooks_json.display().to_string(),
            s.d1.join("10-always.json").display().to_string(),
            s.d2.join("20-Verify.json").display().to_string(),
            s.d2.join("30-site.json").display().to_string(),
        ]
    );
    assert_eq!(v["sources"][0]["kind"], "hooks.json");
    assert_eq!(v["sources"][0]["hooks"]["prestart"][0]["args"][1], "json");
    assert_eq!(v["sources"][3]["stages"], json!(["poststart"]));
    assert_eq!(
        v["sources"][3]["when"]["conditions"],
        json!(["commands ~ \"^/bin/sh$\""])
    );
    assert_eq!(
        v["masked"],
        json!([{"file": s.d1.join("30-site.json"), "masked_by": s.d2.join("30-site.json")}])
    );
    assert_eq!(v["refused"], json!([]));

    // The same as text, with the config taken from the environment.
    let out = run(ctk()
        .args(["hooks", "list"])
        .env("CONTAINER_HOOKS_CONFIG", &s.toolkit.config));
    assert!(out.status.success());
    let text = stdout(&out);
    let pos = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing:\n{text}"))
    };
    assert!(pos("hooks.json") < pos("10-always.json"));
    assert!(pos("10-always.json") < pos("20-Verify.json"));
    assert!(pos("20-Verify.json") < pos("poststart"));
    assert!(
        text.contains(&format!(
            "{} (masked by {})",
            s.d1.join("30-site.json").display(),
            s.d2.join("30-site.json").display()
        )),
        "{text}"
    );
    assert!(
        text.contains("annotations \"^io\\\\.example\\\\.verify$\" ~ \"^true$\""),
        "{text}"
    );
}

#[test]
fn list_reports_refused_files() {
    let s = Site::new();
    let loose = hook_file(
        &s.d2,
        "40-loose.json",
        v1(&s.program, json!({"always": true}), &["prestart"]),
        0o666,
    );
    let out = run(&mut s.ctk_hooks(&["list", "--output", "json"]));
    let v = json_of(&out);
    assert_eq!(v["refused"][0]["file"], json!(loose));
    assert!(v["refused"][0]["fault"].as_str().unwrap().contains("0666"));
    let out = run(&mut s.ctk_hooks(&["list"]));
    assert!(stdout(&out).contains("Refused"), "{}", stdout(&out));
}

#[test]
fn validate_configured_sources_clean_and_with_errors() {
    let s = Site::new();
    let out = run(&mut s.ctk_hooks(&["validate"]));
    assert!(out.status.success(), "{}", stdout(&out));
    assert_eq!(stdout(&out), "", "a clean site has nothing to say");
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 error(s), 0 warning(s)"));

    let bad_version = hook_file(
        &s.d1,
        "50-version.json",
        json!({"version": "2.0.0", "hook": {"path": "/bin/true"}, "stages": []}),
        0o644,
    );
    let relative = hook_file(
        &s.d1,
        "51-relative.json",
        v1(
            Path::new("bin/true"),
            json!({"always": true}),
            &["prestart"],
        ),
        0o644,
    );
    let timeout = hook_file(
        &s.d1,
        "52-timeout.json",
        json!({"version": "1.0.0", "hook": {"path": "/bin/true", "timeout": 0}, "when": {"always": true}, "stages": ["prestart"]}),
        0o644,
    );
    let regex = hook_file(
        &s.d1,
        "53-regex.json",
        v1(
            Path::new("/bin/true"),
            json!({"commands": ["^(/bin/sh$"]}),
            &["prestart"],
        ),
        0o644,
    );
    let loose = hook_file(
        &s.d1,
        "54-loose.json",
        v1(
            Path::new("/bin/true"),
            json!({"always": true}),
            &["prestart"],
        ),
        0o664,
    );
    let out = run(&mut s.ctk_hooks(&["validate"]));
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(lines.len(), 5, "{text}");
    for (file, field) in [
        (&bad_version, "field `version`"),
        (&relative, "field `hook.path`"),
        (&timeout, "field `hook.timeout`"),
        (&regex, "field `when.commands[0]`"),
        (&loose, "0664"),
    ] {
        let prefix = format!("error: {}: ", file.display());
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&prefix) && l.contains(field)),
            "{prefix}{field} missing:\n{text}"
        );
    }

    let out = run(&mut s.ctk_hooks(&["validate", "--output", "json"]));
    assert_eq!(out.status.code(), Some(1));
    let v = json_of(&out);
    assert_eq!(v["valid"], false);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 5);
    let timeout_error = errors.iter().find(|e| e["file"] == json!(timeout)).unwrap();
    assert!(
        timeout_error["fault"]
            .as_str()
            .unwrap()
            .starts_with("field `hook.timeout`"),
        "{timeout_error}"
    );
}

#[test]
fn validate_warns_about_the_usual_traps_and_exits_zero() {
    let s = Site::new();
    let d = s.dir.join("traps");
    let not_exec = s.dir.join("not-exec");
    write_mode(&not_exec, "#!/bin/sh\n", 0o644);
    let open_binary = s.dir.join("open-binary");
    write_mode(&open_binary, "#!/bin/sh\n", 0o777);
    let p = &s.program;
    let files = [
        (
            "stage.json",
            json!({"version": "1.0.0", "hook": {"path": p}, "when": {"always": true}, "stage": ["prestart"], "stages": ["prestart"]}),
            "field `stage`: unknown key",
        ),
        (
            "command.json",
            v1(
                p,
                json!({"always": true, "command": ["^/bin/sh$"]}),
                &["prestart"],
            ),
            "field `when.command`: unknown key",
        ),
        (
            "empty-when.json",
            v1(p, json!({}), &["prestart"]),
            "no condition",
        ),
        (
            "binds-false.json",
            v1(p, json!({"hasBindMounts": false}), &["prestart"]),
            "hasBindMounts`: false never holds",
        ),
        (
            "unanchored.json",
            v1(p, json!({"commands": ["sh"]}), &["prestart"]),
            "not anchored",
        ),
        (
            "Case.json",
            v1(p, json!({"always": true}), &["prestart"]),
            "",
        ),
        (
            "case.json",
            v1(p, json!({"always": true}), &["prestart"]),
            "once lower-cased",
        ),
        (
            "missing-binary.json",
            v1(
                Path::new("/nonexistent/hook"),
                json!({"always": true}),
                &["prestart"],
            ),
            "no such file or directory: skipped",
        ),
        (
            "not-exec.json",
            v1(&not_exec, json!({"always": true}), &["prestart"]),
            "not executable",
        ),
        (
            "open-binary.json",
            v1(&open_binary, json!({"always": true}), &["prestart"]),
            "writable by group or others",
        ),
    ];
    for (name, value, _) in &files {
        hook_file(&d, name, value.clone(), 0o644);
    }
    let out = run(ctk().args(["hooks", "validate"]).arg(&d));
    assert!(
        out.status.success(),
        "warnings only: exit 0\n{}",
        stdout(&out)
    );
    let text = stdout(&out);
    assert!(!text.contains("error: "), "{text}");
    for (name, _, want) in &files {
        if want.is_empty() {
            continue;
        }
        let prefix = format!("warning: {}", d.join(name).display());
        assert!(
            text.lines()
                .any(|l| l.starts_with(&prefix) && l.contains(want)),
            "{prefix} ... {want} missing:\n{text}"
        );
    }
    // A single file, and a hooks.json, given as PATH.
    let out = run(ctk()
        .args(["hooks", "validate", "--output", "json"])
        .arg(d.join("stage.json"))
        .arg(&s.toolkit.hooks_json));
    let v = json_of(&out);
    assert_eq!(v["files"], 2);
    assert_eq!(v["valid"], true);
    assert!(
        v["warnings"][0]["fault"]
            .as_str()
            .unwrap()
            .starts_with("field `stage`: unknown key"),
        "{v}"
    );
    let bad_json = s.dir.join("hooks-bad.json");
    write_mode(&bad_json, r#"{"preStart": []}"#, 0o644);
    let out = run(ctk().args(["hooks", "validate"]).arg(&bad_json));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("unknown hook stage"),
        "{}",
        stdout(&out)
    );
}

fn bundle_from(fixture: &str, dir: &Path, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let b = dir.join("bundle");
    fs::create_dir_all(&b).unwrap();
    let mut spec: Value =
        serde_json::from_slice(&fs::read(fixtures().join("oci").join(fixture)).unwrap()).unwrap();
    edit(&mut spec);
    fs::write(
        b.join("config.json"),
        serde_json::to_vec_pretty(&spec).unwrap(),
    )
    .unwrap();
    fs::set_permissions(b.join("config.json"), fs::Permissions::from_mode(0o600)).unwrap();
    b
}

#[test]
fn preview_explains_each_condition_and_shows_a_diff_without_writing() {
    let s = Site::new();
    let bundle = bundle_from("runc-1.1-spec.json", &s.dir, |spec| {
        spec["annotations"] = json!({"io.example.verify": "true"});
    });
    let before = fs::read(bundle.join("config.json")).unwrap();
    let out = run(s.ctk_hooks(&["preview"]).arg("--bundle").arg(&bundle));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(
        text.contains("20-Verify.json: injected at prestart"),
        "{text}"
    );
    assert!(text.contains("[yes] annotations \"^io\\\\.example\\\\.verify$\" ~ \"^true$\"  (annotation \"io.example.verify\" = \"true\")"), "{text}");
    assert!(
        text.contains("[yes] commands ~ \"^/bin/sh$\"  (process.args[0] = \"/bin/sh\")"),
        "{text}"
    );
    assert!(text.contains("masked by"), "{text}");
    assert!(text.contains("Result: 4 hook(s) would be added"), "{text}");
    assert!(text.contains("+++ "), "{text}");
    assert!(text.contains("+    \"createRuntime\": ["), "{text}");
    assert_eq!(
        fs::read(bundle.join("config.json")).unwrap(),
        before,
        "preview writes nothing"
    );

    let out = run(s
        .ctk_hooks(&["preview", "--output", "json"])
        .arg("--bundle")
        .arg(&bundle));
    let v = json_of(&out);
    assert_eq!(v["outcome"], "added");
    assert_eq!(v["added"], 4);
    let verify = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["file"].as_str().unwrap().ends_with("20-Verify.json"))
        .unwrap();
    assert_eq!(verify["matches"], true);
    assert_eq!(verify["checks"][0]["result"], "holds");
    assert_eq!(verify["outcome"], "applies");
    assert_eq!(v["hooks"]["prestart"].as_array().unwrap().len(), 2);
    assert!(v["diff"].as_str().unwrap().contains("\"createRuntime\""));

    // Without the annotation, the condition fails and says why.
    let other = bundle_from("runc-1.1-spec.json", &s.dir.join("other"), |_| {});
    let out = run(s
        .ctk_hooks(&["preview", "--output", "json"])
        .arg("--bundle")
        .arg(&other));
    let v = json_of(&out);
    let verify = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["file"].as_str().unwrap().ends_with("20-Verify.json"))
        .unwrap();
    assert_eq!(verify["matches"], false);
    assert_eq!(verify["checks"][0]["found"], "no annotations");
    assert_eq!(v["added"], 3);
}

#[test]
fn preview_reports_a_create_the_shim_would_refuse() {
    let s = Site::new();
    let loose = hook_file(
        &s.d2,
        "40-loose.json",
        v1(&s.program, json!({"always": true}), &["prestart"]),
        0o666,
    );
    let bundle = bundle_from("docker-20.10.json", &s.dir, |_| {});
    let out = run(s
        .ctk_hooks(&["preview", "--output", "json"])
        .arg("--bundle")
        .arg(&bundle));
    assert_eq!(out.status.code(), Some(1));
    let v = json_of(&out);
    assert_eq!(v["outcome"], "would-fail");
    assert_eq!(v["error"]["file"], json!(loose));
    let out = run(s.ctk_hooks(&["preview"]).arg("--bundle").arg(&bundle));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("the shim would refuse this create"),
        "{}",
        stdout(&out)
    );
    // A missing bundle is one line naming config.json.
    let out = run(s
        .ctk_hooks(&["preview"])
        .arg("--bundle")
        .arg(s.dir.join("nope")));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nope/config.json: no such file"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn help_has_an_example_for_each_subcommand() {
    for sub in ["list", "validate", "preview"] {
        let out = run(ctk().args(["hooks", sub, "--help"]));
        assert!(out.status.success());
        let text = stdout(&out);
        assert!(
            text.contains(&format!("container-hooks-ctk hooks {sub}")),
            "{sub}: {text}"
        );
        assert!(text.contains("--output"), "{sub}: {text}");
    }
}

#[test]
fn validate_reads_masked_files_and_says_they_are_masked() {
    let s = Site::new();
    // A broken file that a later directory masks: not in effect today,
    // in effect the day the masking file goes.
    let broken = hook_file(
        &s.d1,
        "20-Verify.json",
        json!({"version": "1.0.0", "hook": {"path": "/bin/true"}, "when": {"commands": ["a**"]}, "stages": ["prestart"]}),
        0o644,
    );
    let out = run(&mut s.ctk_hooks(&["validate"]));
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "error: {} (masked by {}, not in effect): field `when.commands[0]`: invalid regex \"a**\": invalid nested repetition operator",
            broken.display(),
            s.d2.join("20-Verify.json").display()
        )),
        "{text}"
    );
    let out = run(&mut s.ctk_hooks(&["validate", "--output", "json"]));
    let v = json_of(&out);
    assert_eq!(
        v["errors"][0]["masked_by"],
        json!(s.d2.join("20-Verify.json"))
    );
    // The masked 30-site.json of d1 is checked too: six files in all.
    assert_eq!(v["files"], 6, "{v}");
}

#[test]
fn a_missing_program_is_skipped_and_shown_or_refused_when_configured() {
    let s = Site::new();
    let gone = hook_file(
        &s.d2,
        "40-uninstalled.json",
        v1(
            Path::new("/nonexistent/uninstalled-hook"),
            json!({"always": true}),
            &["prestart"],
        ),
        0o644,
    );
    let out = run(&mut s.ctk_hooks(&["list", "--output", "json"]));
    let v = json_of(&out);
    assert_eq!(
        v["skipped"],
        json!([{"file": gone, "program": "/nonexistent/uninstalled-hook"}])
    );
    assert_eq!(v["missing_hook_program"], "skip");
    let out = run(&mut s.ctk_hooks(&["list"]));
    assert!(
        stdout(&out).contains(&format!(
            "{} (missing /nonexistent/uninstalled-hook)",
            gone.display()
        )),
        "{}",
        stdout(&out)
    );
    // validate: a warning, exit 0.
    let out = run(&mut s.ctk_hooks(&["validate"]));
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(&format!(
            "warning: {}: field `hook.path`: /nonexistent/uninstalled-hook: no such file or directory: skipped",
            gone.display()
        )),
        "{}",
        stdout(&out)
    );
    // preview: the shim skips it and says so.
    let bundle = bundle_from("runc-1.1-spec.json", &s.dir, |_| {});
    let out = run(s
        .ctk_hooks(&["preview", "--output", "json"])
        .arg("--bundle")
        .arg(&bundle));
    let v = json_of(&out);
    assert_eq!(v["outcome"], "added");
    assert!(
        v["sources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["file"] != json!(gone)),
        "{v}"
    );
    assert_eq!(
        v["missing_programs"],
        json!([{"file": gone, "program": "/nonexistent/uninstalled-hook"}])
    );
    // With missing-hook-program = "refuse", the file is refused.
    s.toolkit
        .add_hooks_setting("missing-hook-program = \"refuse\"");
    let out = run(&mut s.ctk_hooks(&["validate"]));
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("missing-hook-program = \"refuse\""),
        "{}",
        stdout(&out)
    );
    let out = run(s
        .ctk_hooks(&["preview", "--output", "json"])
        .arg("--bundle")
        .arg(&bundle));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_of(&out)["error"]["file"], json!(gone));
}

#[test]
fn preview_lists_only_the_hooks_the_shim_adds() {
    let s = Site::new();
    // config.json already holds the hooks.json hook and 10-always's hook.
    let bundle = bundle_from("runc-1.1-spec.json", &s.dir, |spec| {
        spec["hooks"] = json!({
            "prestart": [{"path": s.program, "args": ["h", "json"]}],
            "createRuntime": [{"path": s.program, "args": ["h"]}],
        });
    });
    let out = run(s
        .ctk_hooks(&["preview", "--output", "json"])
        .arg("--bundle")
        .arg(&bundle));
    let v = json_of(&out);
    assert_eq!(v["outcome"], "added");
    assert_eq!(v["added"], 1);
    assert_eq!(
        v["hooks"],
        json!({"poststart": [{"path": s.program, "args": ["h"]}]})
    );
    let out = run(s.ctk_hooks(&["preview"]).arg("--bundle").arg(&bundle));
    let text = stdout(&out);
    let result = &text[text.find("Result:").unwrap()..];
    assert!(
        result.starts_with("Result: 1 hook(s) would be added"),
        "{text}"
    );
    let listed: Vec<&str> = result
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert_eq!(listed.len(), 1, "{text}");
    assert!(listed[0].starts_with("  poststart: "), "{text}");
}

/// A hooks directory with one file holding three faults and three files
/// that are not read, and a config.toml naming it.
fn three_faults_and_three_ignored(dir: &Path) -> (PathBuf, PathBuf) {
    let d = dir.join("hooks.d");
    let text = r#"{"version":"1.0.0","hook":{"path":"relative","timeout":0},"when":{"always":true},"stages":["poststrat"]}"#;
    fs::create_dir_all(&d).unwrap();
    for name in ["10-x.json", "30-x.hook", "40-x.JSON", "x.json.bak"] {
        write_mode(&d.join(name), text, 0o644);
    }
    // Hidden files are not named.
    write_mode(&d.join(".x.json.swp"), "", 0o644);
    let config = dir.join("config.toml");
    write_mode(
        &config,
        &format!(
            "[container-hooks]\npath = {:?}\nhooks-dirs = [{:?}]\n",
            dir.join("hooks.json"),
            d
        ),
        0o644,
    );
    (config, d)
}

#[test]
fn validate_names_every_fault_of_a_file_and_the_files_it_does_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    let (config, d) = three_faults_and_three_ignored(tmp.path());
    let out = run(ctk().args(["hooks", "validate", "--config"]).arg(&config));
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let x = d.join("10-x.json").display().to_string();
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(
        lines,
        [
            format!("error: {x}: field `hook.path` is \"relative\": a hook path must be absolute"),
            format!("error: {x}: field `hook.timeout` is 0: a hook timeout must be a positive number of seconds"),
            format!("error: {x}: field `stages[0]`: unknown hook stage \"poststrat\" (did you mean \"poststart\"?)"),
            format!("note: {}: not read: only files whose names end in `.json` are hook files", d.join("30-x.hook").display()),
            format!("note: {}: not read: the name must end in `.json` in lower case, as Podman and CRI-O require (rename it to `40-x.json` to use it)", d.join("40-x.JSON").display()),
            format!("note: {}: not read: the name does not end in `.json` (a backup or editor copy of `x.json`?)", d.join("x.json.bak").display()),
        ]
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("1 hook file(s) checked: 3 error(s), 0 warning(s), 3 other file(s) not read"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = run(ctk()
        .args(["hooks", "validate", "--output", "json", "--config"])
        .arg(&config));
    assert_eq!(out.status.code(), Some(1));
    let v = json_of(&out);
    assert_eq!(v["files"], 1);
    assert_eq!(v["valid"], false);
    let faults: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["file"], json!(x));
            e["fault"].as_str().unwrap()
        })
        .collect();
    assert_eq!(faults.len(), 3, "{v}");
    assert!(faults[0].starts_with("field `hook.path`"));
    assert!(faults[1].starts_with("field `hook.timeout`"));
    assert!(faults[2].ends_with("(did you mean \"poststart\"?)"));
    assert_eq!(v["warnings"], json!([]));
    let ignored: Vec<(&str, &str)> = v["ignored"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["file"].as_str().unwrap(), i["reason"].as_str().unwrap()))
        .collect();
    let path = |n: &str| d.join(n).display().to_string();
    assert_eq!(
        ignored,
        [
            (path("30-x.hook").as_str(), "not-json"),
            (path("40-x.JSON").as_str(), "suffix-case"),
            (path("x.json.bak").as_str(), "copy"),
        ]
    );
    assert!(v["ignored"][1]["note"]
        .as_str()
        .unwrap()
        .contains("40-x.json"));

    // The shim refuses the create on the first fault, as before.
    let preview = run(ctk()
        .args(["hooks", "preview", "--output", "json", "--config"])
        .arg(&config)
        .arg("--bundle")
        .arg(bundle_from("runc-1.1-spec.json", tmp.path(), |_| {})));
    assert_eq!(
        json_of(&preview)["error"]["fault"],
        "field `hook.path` is \"relative\": a hook path must be absolute"
    );
}

#[test]
fn list_names_the_files_it_does_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    let (config, d) = three_faults_and_three_ignored(tmp.path());
    let out = run(ctk()
        .args(["hooks", "list", "--output", "json", "--config"])
        .arg(&config));
    assert!(out.status.success());
    let v = json_of(&out);
    let files: Vec<&str> = v["ignored"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        ["30-x.hook", "40-x.JSON", "x.json.bak"].map(|n| d.join(n).display().to_string())
    );
    let out = run(ctk().args(["hooks", "list", "--config"]).arg(&config));
    let text = stdout(&out);
    let section = &text[text
        .find("Not read (not hook files):")
        .unwrap_or_else(|| panic!("{text}"))..];
    assert!(
        section.contains(&format!(
            "  {}: the name must end in `.json` in lower case",
            d.join("40-x.JSON").display()
        )),
        "{text}"
    );
    assert!(!text.contains(".x.json.swp"), "{text}");
}

#[test]
fn validate_names_the_faults_a_skipped_file_has_once_its_program_exists() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("d");
    let gone = hook_file(
        &d,
        "20-gone.json",
        json!({"version": "1.0.0", "hook": {"path": "/nonexistent/h", "timout": 5}, "when": {"commands": ["("]}, "stages": ["prestrat"]}),
        0o644,
    );
    let out = run(ctk().args(["hooks", "validate"]).arg(&d));
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    let g = gone.display();
    for line in [
        format!("warning: {g}: field `hook.path`: /nonexistent/h: no such file or directory: skipped"),
        format!("error: {g}: field `when.commands[0]`: invalid regex \"(\""),
        format!("error: {g}: field `stages[0]`: unknown hook stage \"prestrat\" (did you mean \"prestart\"?)"),
        format!("warning: {g}: field `hook.timout`: unknown key, ignored (did you mean `hook.timeout`?)"),
    ] {
        assert!(text.lines().any(|l| l.starts_with(&line)), "{line}\n{text}");
    }
}

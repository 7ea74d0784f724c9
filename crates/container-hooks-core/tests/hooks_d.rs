//! oci-hooks(5) files: every matching rule with a case that must match and
//! one that must not, the shared fixtures, and how directories are read
//! (order, masking, trust, symlinks, size, many files).

use container_hooks_core::config::{HooksConfig, MissingHookProgram};
use container_hooks_core::hook::Stage;
use container_hooks_core::hooks_dir::{self, HookFile, Version};
use container_hooks_core::inject::Spec;
use container_hooks_core::sources;
use container_hooks_core::when::{CheckResult, Facts};
use serde_json::{json, Value};
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

use test_support::fixtures;

fn oci(name: &str) -> Value {
    let p = fixtures().join("oci").join(name);
    serde_json::from_slice(&fs::read(&p).unwrap()).unwrap()
}

/// A hook file read with every finding (its warnings too).
fn parse(text: &str) -> HookFile {
    HookFile::parse_all(Path::new("/h/t.json"), text.as_bytes())
        .unwrap_or_else(|e| panic!("{e:?}\n{text}"))
}

fn spec_with(args: Option<&[&str]>, annotations: &[(&str, &str)], binds: &[&str]) -> Value {
    let mut spec = json!({"ociVersion": "1.0.2"});
    if let Some(args) = args {
        spec["process"] = json!({"args": args});
    }
    if !annotations.is_empty() {
        let m: serde_json::Map<String, Value> = annotations
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect();
        spec["annotations"] = Value::Object(m);
    }
    let mut mounts = vec![json!({"destination": "/proc", "type": "proc", "source": "proc"})];
    for b in binds {
        mounts.push(
            json!({"destination": b, "type": "bind", "source": "/srv", "options": ["rbind"]}),
        );
    }
    spec["mounts"] = Value::Array(mounts);
    spec
}

fn sh() -> Option<&'static [&'static str]> {
    Some(&["/bin/sh", "-c", "true"])
}

fn v1(when: &str) -> String {
    format!(
        r#"{{"version": "1.0.0", "hook": {{"path": "/usr/bin/h"}}, "when": {when}, "stages": ["prestart"]}}"#
    )
}

/// (rule, hook file, config.json, must match)
fn table() -> Vec<(&'static str, String, Value, bool)> {
    let none = spec_with(sh(), &[], &[]);
    vec![
        // always
        ("always true", v1(r#"{"always": true}"#), none.clone(), true),
        ("always false never matches", v1(r#"{"always": false}"#), none.clone(), false),
        // a when with no condition, or no when at all
        ("empty when never matches", v1("{}"), none.clone(), false),
        (
            "missing when never matches",
            r#"{"version": "1.0.0", "hook": {"path": "/usr/bin/h"}, "stages": ["prestart"]}"#.into(),
            none.clone(),
            false,
        ),
        ("empty commands list is no condition", v1(r#"{"commands": []}"#), none.clone(), false),
        ("empty annotations object is no condition", v1(r#"{"annotations": {}}"#), none.clone(), false),
        // annotations
        (
            "annotation key and value match",
            v1(r#"{"annotations": {"^io\\.example\\.verify$": "^(true|yes)$"}}"#),
            spec_with(sh(), &[("io.example.verify", "true")], &[]),
            true,
        ),
        (
            "annotation key matches, value does not",
            v1(r#"{"annotations": {"^io\\.example\\.verify$": "^(true|yes)$"}}"#),
            spec_with(sh(), &[("io.example.verify", "false")], &[]),
            false,
        ),
        (
            "annotation value matches under another key only",
            v1(r#"{"annotations": {"^a$": "^b$"}}"#),
            spec_with(sh(), &[("a", "x"), ("c", "b")], &[]),
            false,
        ),
        (
            "annotation: some annotation matches both",
            v1(r#"{"annotations": {"^a": "^b$"}}"#),
            spec_with(sh(), &[("a1", "x"), ("a2", "b")], &[]),
            true,
        ),
        (
            "every annotations entry must hold: both do",
            v1(r#"{"annotations": {"^a$": "^b$", "^c$": "^d$"}}"#),
            spec_with(sh(), &[("a", "b"), ("c", "d"), ("e", "f")], &[]),
            true,
        ),
        (
            "every annotations entry must hold: one does",
            v1(r#"{"annotations": {"^a$": "^b$", "^c$": "^d$"}}"#),
            spec_with(sh(), &[("a", "b")], &[]),
            false,
        ),
        (
            "annotation regexes are unanchored searches",
            v1(r#"{"annotations": {"verify": "ru"}}"#),
            spec_with(sh(), &[("io.example.verify", "true")], &[]),
            true,
        ),
        (
            "no annotations at all",
            v1(r#"{"annotations": {".*": ".*"}}"#),
            spec_with(sh(), &[], &[]),
            false,
        ),
        // commands
        ("command matches args[0]", v1(r#"{"commands": ["^/bin/sh$"]}"#), none.clone(), true),
        (
            "command with extra characters",
            v1(r#"{"commands": ["^/bin/sh$"]}"#),
            spec_with(Some(&["/bin/shell"]), &[], &[]),
            false,
        ),
        (
            "command matches only args[0], not later args",
            v1(r#"{"commands": ["^true$"]}"#),
            none.clone(),
            false,
        ),
        (
            "any one of the commands",
            v1(r#"{"commands": ["^/usr/bin/bash$", "^/bin/sh$"]}"#),
            none.clone(),
            true,
        ),
        (
            "command regexes are unanchored searches",
            v1(r#"{"commands": ["sh"]}"#),
            spec_with(Some(&["/usr/bin/bash"]), &[], &[]),
            true,
        ),
        ("command without process is skipped: no condition left", v1(r#"{"commands": [".*"]}"#), spec_with(None, &[], &[]), false),
        (
            "command without process is skipped: always decides",
            v1(r#"{"always": true, "commands": ["^/nope$"]}"#),
            spec_with(None, &[], &[]),
            true,
        ),
        // hasBindMounts
        (
            "hasBindMounts with a user bind mount",
            v1(r#"{"hasBindMounts": true}"#),
            spec_with(sh(), &[], &["/data"]),
            true,
        ),
        (
            "hasBindMounts with engine bind mounts only",
            v1(r#"{"hasBindMounts": true}"#),
            spec_with(sh(), &[], &["/etc/resolv.conf", "/etc/hosts", "/etc/hostname", "/dev/shm", "/run/.containerenv"]),
            false,
        ),
        (
            "hasBindMounts false never matches, even without bind mounts",
            v1(r#"{"hasBindMounts": false}"#),
            none.clone(),
            false,
        ),
        (
            "hasBindMounts false never matches, with bind mounts",
            v1(r#"{"hasBindMounts": false}"#),
            spec_with(sh(), &[], &["/data"]),
            false,
        ),
        // every condition present must hold
        (
            "always and command, both hold",
            v1(r#"{"always": true, "commands": ["^/bin/sh$"]}"#),
            none.clone(),
            true,
        ),
        (
            "always and command, command fails",
            v1(r#"{"always": true, "commands": ["^/bin/bash$"]}"#),
            none.clone(),
            false,
        ),
        (
            "hasBindMounts and annotation, annotation fails",
            v1(r#"{"hasBindMounts": true, "annotations": {"^a$": "^b$"}}"#),
            spec_with(sh(), &[("a", "c")], &["/data"]),
            false,
        ),
        // keys are matched as Go does: exact, else case-insensitive
        (
            "miscased key is read as in containers/common",
            v1(r#"{"HasBindMounts": true}"#),
            spec_with(sh(), &[], &["/data"]),
            true,
        ),
        // the legacy 0.1.0 form: any one condition
        (
            "0.1.0 cmds alone",
            r#"{"hook": "/usr/bin/h", "stage": ["prestart"], "cmds": ["^/bin/sh$"], "annotations": ["^nope$"]}"#.into(),
            none.clone(),
            true,
        ),
        (
            "0.1.0 annotation value alone",
            r#"{"hook": "/usr/bin/h", "stages": ["prestart"], "cmd": ["^/sbin/init$"], "annotation": ["^yes$"]}"#.into(),
            spec_with(sh(), &[("anything", "yes")], &[]),
            true,
        ),
        (
            "0.1.0 annotation regexes match values, not keys",
            r#"{"hook": "/usr/bin/h", "stages": ["prestart"], "annotations": ["^io\\.example\\.legacy$"]}"#.into(),
            spec_with(sh(), &[("io.example.legacy", "true")], &[]),
            false,
        ),
        (
            "0.1.0 hasbindmounts alone",
            r#"{"version": "0.1.0", "hook": "/usr/bin/h", "stages": ["prestart"], "cmds": ["^/nope$"], "hasbindmounts": true}"#.into(),
            spec_with(sh(), &[], &["/data"]),
            true,
        ),
        (
            "0.1.0 none of the conditions",
            r#"{"hook": "/usr/bin/h", "stages": ["prestart"], "cmds": ["^/nope$"], "hasbindmounts": true}"#.into(),
            none.clone(),
            false,
        ),
        (
            "0.1.0 with no condition never matches",
            r#"{"hook": "/usr/bin/h", "stages": ["prestart"]}"#.into(),
            none.clone(),
            false,
        ),
        (
            "0.1.0 hasbindmounts false is no condition",
            r#"{"hook": "/usr/bin/h", "stages": ["prestart"], "hasbindmounts": false}"#.into(),
            none,
            false,
        ),
    ]
}

#[test]
fn every_rule_matches_and_explains_alike() {
    let mut failures = Vec::new();
    for (rule, file, spec, want) in table() {
        let hook = parse(&file);
        let got = hook.matches(&spec).unwrap();
        if got != want {
            failures.push(format!("{rule}: matches = {got}, want {want}"));
        }
        let explained = hook.explain(&Facts::of(&spec));
        if explained.matches != want {
            failures.push(format!(
                "{rule}: explain says {}, want {want}",
                explained.matches
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_match_and_a_non_match() {
    // The table's rules come in groups; each group needs both outcomes.
    let table = table();
    for group in ["always", "annotation", "command", "hasBindMounts", "0.1.0"] {
        let outcomes: Vec<bool> = table
            .iter()
            .filter(|(r, ..)| r.contains(group))
            .map(|(.., m)| *m)
            .collect();
        assert!(
            outcomes.contains(&true) && outcomes.contains(&false),
            "{group}"
        );
    }
}

#[test]
fn legacy_form_becomes_a_hook_with_args() {
    let h =
        parse(r#"{"hook": "/usr/bin/h", "arguments": ["--x"], "stage": ["prestart", "poststop"]}"#);
    assert_eq!(h.version, Version::V0_1_0 { declared: false });
    assert_eq!(
        h.hook.args,
        Some(vec!["/usr/bin/h".to_string(), "--x".to_string()])
    );
    assert_eq!(h.stages, vec![Stage::Prestart, Stage::Poststop]);
    let h = parse(r#"{"hook": "/usr/bin/h", "stages": ["prestart"]}"#);
    assert_eq!(h.hook.args, None);
}

#[test]
fn stages_are_used_as_written() {
    let h = parse(&v1(r#"{"always": true}"#));
    let set = h.hook_set();
    assert_eq!(set.stage(Stage::Prestart).len(), 1);
    assert!(set.stage(Stage::CreateRuntime).is_empty());
}

fn parse_err(text: &str) -> String {
    HookFile::parse(Path::new("/h/bad.json"), text.as_bytes())
        .unwrap_err()
        .to_string()
}

#[test]
fn faults_name_the_file_and_field() {
    for (text, wants) in [
        (
            r#"{"version": "2.0.0", "hook": {"path": "/x"}, "stages": []}"#,
            &["/h/bad.json: ", "field `version`", "\"2.0.0\""][..],
        ),
        (
            r#"{"version": 1}"#,
            &["field `version`", "expected a string"],
        ),
        (
            r#"{"version": "1.0.0", "hook": {"path": "x"}, "when": {}, "stages": ["prestart"]}"#,
            &["field `hook.path`", "absolute"],
        ),
        (
            r#"{"version": "1.0.0", "hook": {"path": "/x", "timeout": 0}, "when": {}, "stages": ["prestart"]}"#,
            &["field `hook.timeout`", "positive"],
        ),
        (
            r#"{"version": "1.0.0", "hook": {"path": "/x", "timeout": -2}, "when": {}, "stages": ["prestart"]}"#,
            &["field `hook.timeout`"],
        ),
        (
            r#"{"version": "1.0.0", "hook": {"path": "/x", "timeout": 1.5}, "when": {}, "stages": ["prestart"]}"#,
            &["field `hook.timeout`", "1.5"],
        ),
        (
            r#"{"version": "1.0.0", "hook": {"path": "/x"}, "when": {}, "stages": ["preStart"]}"#,
            &["field `stages[0]`", "unknown hook stage \"preStart\""],
        ),
        (
            r#"{"version": "1.0.0", "hook": {"path": "/x"}, "when": {}, "stages": ["precreate"]}"#,
            &["Podman extension"],
        ),
        (
            r#"{"version": "1.0.0", "hook": {"path": "/x"}, "when": {}, "stage": ["prestart"]}"#,
            &["field `stages`: missing"],
        ),
        (
            r#"{"version": "1.0.0", "when": {}, "stages": ["prestart"]}"#,
            &["field `hook`: missing"],
        ),
        (
            r#"{"version": "1.0.0", "hook": {"path": "/x"}, "when": {"always": "yes"}, "stages": []}"#,
            &["field `when.always`", "true or false"],
        ),
        (
            r#"{"version": "1.0.0", "hook": {"path": "/x"}, "when": {"annotations": {"a": 1}}, "stages": []}"#,
            &["field `when.annotations[\"a\"]`"],
        ),
        (
            r#"{"version": "1.0.0", "hook": {"path": "/x"}, "when": {"commands": "sh"}, "stages": []}"#,
            &["field `when.commands`", "list"],
        ),
        (
            r#"{"hook": {"path": "/x"}, "when": {"always": true}, "stages": ["prestart"]}"#,
            &["field `hook`", "version"],
        ),
        (
            r#"{"hook": "/x", "stage": ["prestart"], "stages": ["prestart"]}"#,
            &["`stages` and `stage`", "both"],
        ),
        (
            r#"{"hook": "/x", "stages": ["prestart"], "cmd": [], "cmds": []}"#,
            &["`cmds` and `cmd`"],
        ),
        (
            r#"{"hook": "/x", "stages": ["prestart"], "annotation": [], "annotations": []}"#,
            &["`annotations` and `annotation`"],
        ),
        (
            r#"{"hook": "relative", "stages": ["prestart"]}"#,
            &["field `hook`", "absolute"],
        ),
        (r#"{"hook": "/x"}"#, &["field `stages`: missing"]),
        (r#"{"version": "1.0.0", "hook": "#, &["truncated"]),
        ("[1]", &["expected a JSON object"]),
    ] {
        let err = parse_err(text);
        for want in wants {
            assert!(err.contains(want), "{text}\n  gave: {err}\n  want: {want}");
        }
        assert!(!err.contains('\n'), "{err}");
        // Validate's reading names the shim's fault first.
        let all = all_faults(text);
        assert_eq!(format!("/h/bad.json: {}", all[0]), err, "{text}");
    }
}

#[test]
fn warnings_for_the_usual_traps() {
    let cases = [
        (
            r#"{"version": "1.0.0", "hook": {"path": "/x"}, "when": {"always": true}, "stage": ["prestart"], "stages": ["prestart"]}"#,
            "`stage`: unknown key",
        ),
        (
            &v1(r#"{"command": ["^/bin/sh$"]}"#) as &str,
            "`when.command`: unknown key",
        ),
        (&v1("{}"), "no condition"),
        (
            &v1(r#"{"hasBindMounts": false}"#),
            "`when.hasBindMounts`: false never holds",
        ),
        (&v1(r#"{"commands": ["sh"]}"#), "not anchored"),
        (
            &v1(r#"{"annotations": {"verify": "^true$"}}"#),
            "not anchored",
        ),
        (
            &v1(r#"{"hasbindmounts": true}"#),
            "read as `when.hasBindMounts`",
        ),
        (
            r#"{"hook": "/x", "stages": ["prestart"], "command": ["^/bin/sh$"]}"#,
            "`command`: unknown key",
        ),
    ];
    for (text, want) in cases {
        let h = parse(text);
        assert!(
            h.warnings.iter().any(|w| w.contains(want)),
            "{text}: {:?}",
            h.warnings
        );
    }
    let clean = parse(&v1(
        r#"{"commands": ["^/bin/sh$", ".*/init$"], "annotations": {"^a$": "^b$"}}"#,
    ));
    assert!(clean.warnings.is_empty(), "{:?}", clean.warnings);
}

#[test]
fn regexes_are_checked_when_read_and_compiled_only_when_needed() {
    // A bad regex is refused when the file is read, whatever the other
    // conditions, with Go's reason and the position.
    let err = parse_err(&v1(r#"{"always": false, "commands": ["a**"]}"#));
    assert_eq!(
        err,
        "/h/bad.json: field `when.commands[0]`: invalid regex \"a**\": invalid nested repetition operator: `**` at character 2"
    );
    let err = parse_err(&v1(r#"{"annotations": {"(": "x"}}"#));
    assert!(
        err.contains("field `when.annotations[\"(\"] (key)`"),
        "{err}"
    );
    // No annotations in config.json: the annotation regexes are not needed.
    let h = parse(&v1(r#"{"annotations": {"^a+$": "^b+$"}}"#));
    assert!(!h.matches(&spec_with(sh(), &[], &[])).unwrap());
    assert!(h.when.patterns().all(|p| !p.is_compiled()));
    // Plain strings are compared, never compiled.
    let h = parse(&v1(r#"{"commands": ["^/bin/sh$", "^\\Q/bin/a+b\\E$"]}"#));
    assert!(h.when.commands.iter().all(|p| p.is_plain()));
    assert!(h
        .matches(&spec_with(Some(&["/bin/a+b"]), &[], &[]))
        .unwrap());
    assert!(h.check_patterns().is_empty());
}

#[test]
fn empty_process_args_is_an_error_when_commands_are_reached() {
    let h = parse(&v1(r#"{"always": true, "commands": ["^/bin/sh$"]}"#));
    let err = h.matches(&spec_with(Some(&[]), &[], &[])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "/h/t.json: process.args must have at least one entry"
    );
    let e = h.explain(&Facts::of(&spec_with(Some(&[]), &[], &[])));
    assert!(!e.matches && e.error.is_some());
    // An earlier condition that fails decides first, as in Go.
    let h = parse(&v1(r#"{"always": false, "commands": ["^/bin/sh$"]}"#));
    assert!(!h.matches(&spec_with(Some(&[]), &[], &[])).unwrap());
}

#[test]
fn explain_lists_each_condition_with_its_result() {
    let h = parse(&v1(
        r#"{"always": true, "hasBindMounts": true, "commands": ["^/bin/sh$"], "annotations": {"^a$": "^b$"}}"#,
    ));
    let e = h.explain(&Facts::of(&spec_with(sh(), &[("a", "c")], &["/data"])));
    let summary: Vec<(String, CheckResult)> = e
        .checks
        .iter()
        .map(|c| (c.condition.clone(), c.result))
        .collect();
    // Go's order: always, hasBindMounts, annotations, commands; the
    // failing annotation decides, so commands is not looked at.
    assert_eq!(
        summary,
        vec![
            ("always = true".to_string(), CheckResult::Holds),
            ("hasBindMounts = true".to_string(), CheckResult::Holds),
            (
                "annotations \"^a$\" ~ \"^b$\"".to_string(),
                CheckResult::Fails
            ),
            (
                "commands ~ \"^/bin/sh$\"".to_string(),
                CheckResult::NotChecked
            ),
        ]
    );
    assert!(e.checks[1].found.contains("/data"));
    assert!(!e.matches);
}

// ---- the shared fixtures ----

fn fixture_dir() -> PathBuf {
    fixtures().join("hooks/hooks.d")
}

/// The fixture files, each read on its own (their programs are not on
/// this machine, so a directory load skips them all), in file order.
fn fixture_files() -> Vec<HookFile> {
    let mut paths: Vec<PathBuf> = fs::read_dir(fixture_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| hooks_dir::is_hook_file_name(p.file_name().unwrap()))
        .collect();
    paths.sort_by_key(|p| hooks_dir::sort_key(p.file_name().unwrap()));
    paths
        .iter()
        .map(|p| HookFile::read(p).unwrap().unwrap())
        .collect()
}

fn matching_names(files: &[HookFile], spec: &Value) -> Vec<String> {
    files
        .iter()
        .filter(|f| f.matches(spec).unwrap())
        .map(|f| f.name())
        .collect()
}

#[test]
fn fixture_directory_reads_in_order_without_the_readme() {
    let loaded = hooks_dir::load(&[fixture_dir()]);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let files = fixture_files();
    let names: Vec<String> = files.iter().map(HookFile::name).collect();
    // The directory load skips them all, in the same order: their
    // programs are not installed here.
    let skipped: Vec<String> = loaded
        .missing
        .iter()
        .map(|m| m.file.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(skipped, names);
    assert_eq!(
        names,
        [
            "10-always.json",
            "20-annotation.json",
            "30-command.json",
            "40-bind-mounts.json",
            "50-legacy-0.1.0.json",
            "90-disabled.json"
        ]
    );
    let legacy = &files[4];
    assert_eq!(legacy.version, Version::V0_1_0 { declared: false });
    assert_eq!(
        legacy.hook.args.as_deref(),
        Some(
            &[
                "/usr/local/libexec/legacy-hook".to_string(),
                "--verbose".to_string()
            ][..]
        )
    );
    assert_eq!(files[0].stages, vec![Stage::CreateRuntime]);
    assert_eq!(files[0].hook.timeout, Some(10));
}

#[test]
fn fixture_hooks_match_the_captured_configs() {
    let loaded = fixture_files();
    // ctr: /bin/sh, an annotation that is not io.example.verify, no binds.
    assert_eq!(
        matching_names(&loaded, &oci("containerd-1.6-ctr.json")),
        ["10-always.json", "30-command.json"]
    );
    // Docker with -v /tmp:/hosttmp: /bin/sh and a user bind mount; its own
    // resolv.conf, hostname and hosts binds do not count.
    let docker = oci("docker-20.10.json");
    assert_eq!(
        matching_names(&loaded, &docker),
        ["10-always.json", "30-command.json", "40-bind-mounts.json"]
    );
    let mut docker_no_volume = docker.clone();
    docker_no_volume["mounts"]
        .as_array_mut()
        .unwrap()
        .retain(|m| m["destination"] != "/hosttmp");
    assert_eq!(
        matching_names(&loaded, &docker_no_volume),
        ["10-always.json", "30-command.json"]
    );
    // runc spec, annotated: the annotation hook joins.
    let mut runc = oci("runc-1.1-spec.json");
    assert_eq!(
        matching_names(&loaded, &runc),
        ["10-always.json", "30-command.json"]
    );
    runc["annotations"] = json!({"io.example.verify": "yes"});
    assert_eq!(
        matching_names(&loaded, &runc),
        ["10-always.json", "20-annotation.json", "30-command.json"]
    );
    // The legacy file: an init command, or an annotation valued
    // io.example.legacy.
    runc["process"]["args"] = json!(["/sbin/init"]);
    assert_eq!(
        matching_names(&loaded, &runc),
        [
            "10-always.json",
            "20-annotation.json",
            "50-legacy-0.1.0.json"
        ]
    );
    runc["process"]["args"] = json!(["/bin/true"]);
    runc["annotations"] = json!({"x": "io.example.legacy"});
    assert_eq!(
        matching_names(&loaded, &runc),
        ["10-always.json", "50-legacy-0.1.0.json"]
    );
}

fn config(hooks_json: PathBuf, dirs: Vec<PathBuf>, strict: bool) -> HooksConfig {
    HooksConfig {
        path: hooks_json,
        hooks_dirs: dirs,
        strict,
        missing_hook_program: MissingHookProgram::Skip,
    }
}

#[test]
fn collect_puts_hooks_json_first_then_files_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let hooks_json = tmp.path().join("hooks.json");
    write(
        &hooks_json,
        r#"{"prestart": [{"path": "/bin/true", "args": ["json"]}], "createRuntime": [{"path": "/bin/true", "args": ["json"]}]}"#,
        0o644,
    );
    let d = mkdir(tmp.path(), "d");
    write(&d.join("20-b.json"), &labelled("b", "prestart"), 0o644);
    write(&d.join("10-a.json"), &labelled("a", "createRuntime"), 0o644);
    write(&d.join("30-c.json"), &labelled("c", "prestart"), 0o644);
    let config = config(hooks_json, vec![d], true);
    let spec = Spec::parse(oci("runc-1.1-spec.json").to_string().as_bytes()).unwrap();
    let c = sources::collect(&config, &spec).unwrap();
    let labels = |s: Stage| -> Vec<String> {
        c.hooks
            .stage(s)
            .iter()
            .map(|h| h.args.clone().unwrap()[0].clone())
            .collect()
    };
    assert_eq!(labels(Stage::Prestart), ["json", "b", "c"]);
    assert_eq!(labels(Stage::CreateRuntime), ["json", "a"]);
}

#[test]
fn files_whose_program_is_missing_are_skipped_or_refused() {
    // The shared fixtures name programs this machine does not have.
    let tmp = tempfile::tempdir().unwrap();
    let mut spec = oci("runc-1.1-spec.json");
    spec["annotations"] = json!({"io.example.verify": "true"});
    let spec = Spec::parse(spec.to_string().as_bytes()).unwrap();
    let mut config = config(tmp.path().join("none.json"), vec![fixture_dir()], true);
    let c = sources::collect(&config, &spec).unwrap();
    assert!(c.hooks.is_empty(), "{:?}", c.hooks);
    let skipped: Vec<String> = c
        .missing
        .iter()
        .map(|m| {
            format!(
                "{} {}",
                m.file.file_name().unwrap().to_string_lossy(),
                m.program
            )
        })
        .collect();
    // Every file is looked up, as containers/common does.
    assert_eq!(
        skipped,
        [
            "10-always.json /usr/local/libexec/audit-hook",
            "20-annotation.json /usr/local/libexec/verify-signature",
            "30-command.json /usr/local/libexec/trace-shell",
            "40-bind-mounts.json /usr/local/libexec/scan-mounts",
            "50-legacy-0.1.0.json /usr/local/libexec/legacy-hook",
            "90-disabled.json /usr/local/libexec/audit-hook",
        ]
    );
    config.missing_hook_program = MissingHookProgram::Refuse;
    let err = sources::collect(&config, &spec).unwrap_err().to_string();
    assert!(
        err.contains("10-always.json")
            && err.contains("/usr/local/libexec/audit-hook: no such file or directory"),
        "{err}"
    );
}

// ---- directories: order, masking, trust ----

fn write(path: &Path, text: &str, mode: u32) {
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// A file that always applies, running `program`.
fn with_program(program: &str) -> String {
    format!(
        r#"{{"version": "1.0.0", "hook": {{"path": "{program}"}}, "when": {{"always": true}}, "stages": ["prestart"]}}"#
    )
}

/// A file that always applies, running /bin/true with `label` as its
/// argument.
fn always(label: &str) -> String {
    labelled(label, "prestart")
}

/// A file that always applies, running /bin/true with `label` as its
/// argument.
fn labelled(label: &str, stage: &str) -> String {
    format!(
        r#"{{"version": "1.0.0", "hook": {{"path": "/bin/true", "args": ["{label}"]}}, "when": {{"always": true}}, "stages": ["{stage}"]}}"#
    )
}

fn labels(loaded: &hooks_dir::Loaded) -> Vec<String> {
    loaded
        .files
        .iter()
        .map(|f| f.hook.args.clone().unwrap_or_default().join(" "))
        .collect()
}

fn mkdir(parent: &Path, name: &str) -> PathBuf {
    let d = parent.join(name);
    fs::create_dir(&d).unwrap();
    fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).unwrap();
    d
}

#[test]
fn order_is_by_lower_cased_name_and_only_json_files_count() {
    let tmp = tempfile::tempdir().unwrap();
    let d = mkdir(tmp.path(), "d");
    for name in [
        "b.json", "A.json", "c.JSON", "a.json~", "02.json", "10.json", "_z.json", "Z.json",
    ] {
        write(&d.join(name), &always(&format!("/{name}")), 0o644);
    }
    let loaded = hooks_dir::load(&[d]);
    let names: Vec<String> = loaded.files.iter().map(HookFile::name).collect();
    // Lower-cased: `_` (0x5f) sorts before letters, `Z` after `b`; plain
    // byte order would give A, Z, _z, b.
    assert_eq!(
        names,
        ["02.json", "10.json", "_z.json", "A.json", "b.json", "Z.json"]
    );
}

#[test]
fn later_directories_mask_earlier_ones_by_exact_name() {
    let tmp = tempfile::tempdir().unwrap();
    let (d1, d2, d3) = (
        mkdir(tmp.path(), "1"),
        mkdir(tmp.path(), "2"),
        mkdir(tmp.path(), "3"),
    );
    write(&d1.join("x.json"), &labelled("one", "prestart"), 0o644);
    write(&d2.join("x.json"), &labelled("two", "prestart"), 0o644);
    write(&d3.join("x.json"), &labelled("three", "prestart"), 0o644);
    write(&d1.join("y.json"), &labelled("y", "prestart"), 0o644);
    write(&d2.join("Y.json"), &labelled("Y", "prestart"), 0o644);
    let loaded = hooks_dir::load(&[
        d1.clone(),
        d2.clone(),
        d3.clone(),
        tmp.path().join("missing"),
    ]);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(labels(&loaded), ["three", "Y", "y"]);
    assert_eq!(loaded.masked.len(), 2);
    assert!(loaded.masked.iter().all(|m| m.by == d3.join("x.json")));
    assert_eq!(
        loaded.collisions,
        vec![(d2.join("Y.json"), d1.join("y.json"))]
    );
}

#[test]
fn untrusted_files_and_directories_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = mkdir(tmp.path(), "d");
    write(&d.join("group-writable.json"), &always("/g"), 0o664);
    write(&d.join("other-writable.json"), &always("/o"), 0o646);
    write(&d.join("good.json"), &always("/good"), 0o644);
    let loaded = hooks_dir::load(std::slice::from_ref(&d));
    assert_eq!(loaded.files.len(), 1);
    let errs: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs[0].contains("group-writable.json") && errs[0].contains("0664"),
        "{errs:?}"
    );
    // Not owned by root nor by this user.
    let foreign = d.join("foreign.json");
    write(&foreign, &always("/f"), 0o644);
    std::os::unix::fs::chown(&foreign, Some(65534), None).unwrap();
    let loaded = hooks_dir::load(std::slice::from_ref(&d));
    assert!(
        loaded
            .errors
            .iter()
            .any(|e| e.file == foreign && e.fault.contains("uid 65534")),
        "{:?}",
        loaded.errors
    );
    // A directory others can write is refused as a whole.
    fs::set_permissions(&d, fs::Permissions::from_mode(0o777)).unwrap();
    let loaded = hooks_dir::load(std::slice::from_ref(&d));
    assert!(loaded.files.is_empty());
    assert_eq!(loaded.errors.len(), 1);
    assert!(
        loaded.errors[0].file == d && loaded.errors[0].fault.contains("hooks directory"),
        "{:?}",
        loaded.errors
    );
}

#[test]
fn symlinks_are_judged_by_their_target() {
    let tmp = tempfile::tempdir().unwrap();
    let d = mkdir(tmp.path(), "d");
    let elsewhere = mkdir(tmp.path(), "elsewhere");
    write(&elsewhere.join("ok"), &always("/ok"), 0o644);
    write(&elsewhere.join("loose"), &always("/loose"), 0o666);
    symlink(elsewhere.join("ok"), d.join("ok.json")).unwrap();
    symlink(elsewhere.join("loose"), d.join("loose.json")).unwrap();
    symlink(elsewhere.join("gone"), d.join("dangling.json")).unwrap();
    let loaded = hooks_dir::load(std::slice::from_ref(&d));
    assert_eq!(loaded.files.len(), 1);
    assert_eq!(loaded.files[0].path, d.join("ok.json"));
    assert_eq!(loaded.errors.len(), 1, "{:?}", loaded.errors);
    assert_eq!(loaded.errors[0].file, d.join("loose.json"));
    // A directory reached through a symlink is judged by the directory.
    let link = tmp.path().join("link");
    symlink(&d, &link).unwrap();
    assert_eq!(hooks_dir::load(&[link]).files.len(), 1);
}

#[test]
fn oversized_and_non_regular_files_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = mkdir(tmp.path(), "d");
    let big = format!("{}{}", always("/big"), " ".repeat(1024 * 1024));
    write(&d.join("big.json"), &big, 0o644);
    mkdir(&d, "sub.json");
    let loaded = hooks_dir::load(&[d]);
    let errs: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
    assert!(
        errs.iter()
            .any(|e| e.contains("big.json") && e.contains("larger than")),
        "{errs:?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.contains("sub.json") && e.contains("not a regular file")),
        "{errs:?}"
    );
}

#[test]
fn strict_fails_and_lenient_skips() {
    let tmp = tempfile::tempdir().unwrap();
    let d = mkdir(tmp.path(), "d");
    write(
        &d.join("10-good.json"),
        &labelled("good", "prestart"),
        0o644,
    );
    write(&d.join("20-bad.json"), r#"{"version": "9"}"#, 0o644);
    write(
        &d.join("30-bad-regex.json"),
        r#"{"version": "1.0.0", "hook": {"path": "/bin/true"}, "when": {"commands": ["("]}, "stages": ["prestart"]}"#,
        0o644,
    );
    let mut config = config(tmp.path().join("no-hooks.json"), vec![d.clone()], true);
    let spec = Spec::parse(spec_with(sh(), &[], &[]).to_string().as_bytes()).unwrap();
    let err = sources::collect(&config, &spec).unwrap_err().to_string();
    assert!(
        err.contains("20-bad.json") && err.contains("\"9\""),
        "{err}"
    );
    config.strict = false;
    let c = sources::collect(&config, &spec).unwrap();
    assert_eq!(c.hooks.stage(Stage::Prestart).len(), 1);
    let skipped: Vec<String> = c.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(
        skipped[1].contains("30-bad-regex.json") && skipped[1].contains("when.commands[0]"),
        "{skipped:?}"
    );
}

#[test]
fn a_thousand_files_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let d = mkdir(tmp.path(), "d");
    for i in 0..1000 {
        let text = format!(
            r#"{{"version": "1.0.0", "hook": {{"path": "/bin/true", "args": ["{i}"]}}, "when": {{"annotations": {{"^n$": "^{i}$"}}}}, "stages": ["poststop"]}}"#
        );
        write(&d.join(format!("{i:04}.json")), &text, 0o644);
    }
    let loaded = hooks_dir::load(&[d]);
    assert!(loaded.errors.is_empty());
    assert_eq!(loaded.files.len(), 1000);
    let spec = spec_with(sh(), &[("n", "567")], &[]);
    let matched: Vec<String> = loaded
        .files
        .iter()
        .filter(|f| f.matches(&spec).unwrap())
        .map(|f| f.hook.args.clone().unwrap().join(" "))
        .collect();
    assert_eq!(matched, ["567"]);
}

#[test]
fn a_refused_masking_file_still_masks() {
    let tmp = tempfile::tempdir().unwrap();
    let (d1, d2) = (mkdir(tmp.path(), "1"), mkdir(tmp.path(), "2"));
    write(&d1.join("x.json"), &always("/vendor"), 0o644);
    write(&d2.join("x.json"), &always("/admin"), 0o664);
    let loaded = hooks_dir::load(&[d1.clone(), d2.clone()]);
    assert!(
        loaded.files.is_empty(),
        "the vendor file must not come back"
    );
    assert_eq!(loaded.errors.len(), 1);
    assert_eq!(loaded.errors[0].file, d2.join("x.json"));
    assert_eq!(loaded.masked[0].path, d1.join("x.json"));
}

#[test]
fn a_stage_listed_twice_adds_the_hook_once() {
    let h = parse(
        r#"{"version": "1.0.0", "hook": {"path": "/h"}, "when": {"always": true}, "stages": ["poststop", "prestart", "poststop"]}"#,
    );
    let set = h.hook_set();
    assert_eq!(set.stage(Stage::Poststop).len(), 1);
    assert_eq!(set.stage(Stage::Prestart).len(), 1);
}

// ---- Go's decoder: keys, duplicates, null ----

#[test]
fn keys_fold_as_go_decodes_them() {
    // The Kelvin sign folds with k, the long s with s.
    let h = parse(
        "{\"version\": \"1.0.0\", \"hoo\u{212A}\": {\"path\": \"/x\"}, \"when\": {\"always\": true}, \"\u{17F}tages\": [\"poststop\"]}",
    );
    assert_eq!(h.hook.path, "/x");
    assert_eq!(h.stages, vec![Stage::Poststop]);
    let h = parse(
        r#"{"VERSION": "1.0.0", "HOOK": {"PATH": "/x"}, "When": {"ALWAYS": true}, "Stages": ["prestart"]}"#,
    );
    assert_eq!(h.version, Version::V1_0_0);
    assert_eq!(h.when.always, Some(true));
}

#[test]
fn repeated_keys_merge_objects_and_replace_the_rest() {
    let h = parse(
        r#"{"version": "1.0.0", "hook": {"path": "/a", "args": ["x"]}, "Hook": {"path": "/b"}, "when": {"always": false}, "when": {"commands": ["^a$"]}, "stages": ["prestart"], "stages": ["poststop"]}"#,
    );
    assert_eq!(h.hook.path, "/b");
    assert_eq!(h.hook.args, Some(vec!["x".to_string()]));
    assert_eq!(h.when.always, Some(false));
    assert_eq!(h.when.commands.len(), 1);
    assert_eq!(h.stages, vec![Stage::Poststop]);
}

#[test]
fn null_is_read_as_go_reads_it() {
    // null leaves a string as it was, makes an optional value absent, and
    // a null list element or annotation value is the empty string.
    let h = parse(
        r#"{"version": "1.0.0", "hook": {"path": "/a", "args": ["x"]}, "hook": {"path": null, "args": null}, "when": {"always": true, "always": null, "annotations": {"^k$": null}}, "stages": ["prestart"]}"#,
    );
    assert_eq!(h.hook.path, "/a");
    assert_eq!(h.hook.args, None);
    assert_eq!(h.when.always, None);
    assert_eq!(h.when.annotations[0].value.source, "");
    let h = parse(r#"{"version": null, "hook": "/a", "stages": ["prestart"], "cmds": [null]}"#);
    assert_eq!(h.version, Version::V0_1_0 { declared: false });
    assert_eq!(h.when.commands[0].source, "");
}

#[test]
fn legacy_annotations_are_one_joined_regex() {
    // (?i) in the first entry applies to the alternation, and entries
    // that are not regexes on their own make one together.
    let h = parse(r#"{"hook": "/x", "stages": ["prestart"], "annotations": ["(?i)foo", "bar"]}"#);
    assert!(h.matches(&spec_with(sh(), &[("k", "BAR")], &[])).unwrap());
    let h = parse(r#"{"hook": "/x", "stages": ["prestart"], "annotations": ["(a", "b)"]}"#);
    assert!(h.matches(&spec_with(sh(), &[("k", "a")], &[])).unwrap());
    // An empty list matches any container with an annotation.
    let h = parse(r#"{"hook": "/x", "stages": ["prestart"], "annotations": []}"#);
    assert!(h
        .matches(&spec_with(sh(), &[("any", "thing")], &[]))
        .unwrap());
    assert!(!h.matches(&spec_with(sh(), &[], &[])).unwrap());
    assert!(
        h.warnings
            .iter()
            .any(|w| w.contains("every container that has an annotation")),
        "{:?}",
        h.warnings
    );
}

// ---- directories: missing programs, masking ----

#[test]
fn a_skipped_or_vanished_masking_file_leaves_the_earlier_one_in_effect() {
    let tmp = tempfile::tempdir().unwrap();
    let (d1, d2) = (mkdir(tmp.path(), "1"), mkdir(tmp.path(), "2"));
    write(&d1.join("x.json"), &labelled("vendor", "prestart"), 0o644);
    write(
        &d2.join("x.json"),
        &with_program("/nonexistent/admin-hook"),
        0o644,
    );
    symlink(tmp.path().join("gone"), d2.join("y.json")).unwrap();
    write(&d1.join("y.json"), &labelled("vendor-y", "prestart"), 0o644);
    let loaded = hooks_dir::load(&[d1.clone(), d2.clone()]);
    assert_eq!(labels(&loaded), ["vendor", "vendor-y"]);
    assert!(loaded.masked.is_empty(), "{:?}", loaded.masked);
    assert_eq!(loaded.missing.len(), 1);
    assert_eq!(loaded.missing[0].file, d2.join("x.json"));
    assert_eq!(loaded.missing[0].program, "/nonexistent/admin-hook");
    // Refused instead: the file stays, as a fault, and still masks.
    let options = hooks_dir::Options {
        missing: MissingHookProgram::Refuse,
        ..Default::default()
    };
    let loaded = hooks_dir::load_with(&[d1.clone(), d2.clone()], &options);
    assert_eq!(labels(&loaded), ["vendor-y"]);
    assert_eq!(loaded.errors.len(), 1, "{:?}", loaded.errors);
    assert!(loaded.errors[0].fault.contains("/nonexistent/admin-hook"));
}

#[test]
fn a_missing_program_skips_the_file_before_its_later_faults() {
    // containers/common looks the program up before the regexes and the
    // stages: such a file is skipped, not refused.
    let tmp = tempfile::tempdir().unwrap();
    let d = mkdir(tmp.path(), "d");
    write(
        &d.join("a.json"),
        r#"{"version": "1.0.0", "hook": {"path": "/nonexistent/h"}, "when": {"commands": ["("]}, "stages": ["nope"]}"#,
        0o644,
    );
    // A fault before that point is a fault.
    write(
        &d.join("b.json"),
        r#"{"version": "1.0.0", "hook": {"path": "/nonexistent/h", "timeout": "x"}, "stages": []}"#,
        0o644,
    );
    let loaded = hooks_dir::load(std::slice::from_ref(&d));
    assert_eq!(loaded.missing.len(), 1);
    assert_eq!(loaded.missing[0].file, d.join("a.json"));
    assert_eq!(loaded.errors.len(), 1, "{:?}", loaded.errors);
    assert_eq!(loaded.errors[0].file, d.join("b.json"));
}

#[test]
fn masked_files_are_read_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let (d1, d2) = (mkdir(tmp.path(), "1"), mkdir(tmp.path(), "2"));
    write(&d1.join("x.json"), r#"{"version": "9"}"#, 0o644);
    write(&d2.join("x.json"), &labelled("admin", "prestart"), 0o644);
    let options = hooks_dir::Options {
        read_masked: true,
        ..Default::default()
    };
    let loaded = hooks_dir::load_with(&[d1.clone(), d2.clone()], &options);
    assert_eq!(labels(&loaded), ["admin"]);
    assert_eq!(loaded.masked.len(), 1);
    match &loaded.masked[0].read {
        Some(hooks_dir::FileState::Refused(r)) => {
            assert!(r.faults[0].contains("\"9\""), "{r:?}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn names_sort_as_go_lower_cases_them() {
    let tmp = tempfile::tempdir().unwrap();
    let d = mkdir(tmp.path(), "d");
    // Go's strings.ToLower maps İ to i, so İb sorts among the i names;
    // a byte that is not UTF-8 becomes U+FFFD, after every ASCII name.
    for name in ["ic.json", "İb.json", "ia.json", "z.json"] {
        write(&d.join(name), &labelled(name, "prestart"), 0o644);
    }
    let odd = std::ffi::OsStr::from_bytes(b"\xff.json");
    write(&d.join(odd), &labelled("odd", "prestart"), 0o644);
    let loaded = hooks_dir::load(&[d]);
    assert_eq!(
        labels(&loaded),
        ["ia.json", "İb.json", "ic.json", "z.json", "odd"]
    );
}

// ---- every fault for `ctk hooks validate`, the first for the shim ----

/// The file of the report: a relative path, a timeout of 0 and a
/// misspelled stage.
const THREE_FAULTS: &str = r#"{"version":"1.0.0","hook":{"path":"relative","timeout":0},"when":{"always":true},"stages":["poststrat"]}"#;

fn all_faults(text: &str) -> Vec<String> {
    match HookFile::parse_all(Path::new("/h/bad.json"), text.as_bytes()) {
        Ok(f) => panic!("{text}: read, with warnings {:?}", f.warnings),
        Err(r) => {
            assert_eq!(r.file, Path::new("/h/bad.json"));
            r.faults
        }
    }
}

#[test]
fn parse_all_names_every_fault_and_parse_the_first() {
    assert_eq!(
        all_faults(THREE_FAULTS),
        [
            "field `hook.path` is \"relative\": a hook path must be absolute",
            "field `hook.timeout` is 0: a hook timeout must be a positive number of seconds",
            "field `stages[0]`: unknown hook stage \"poststrat\" (did you mean \"poststart\"?)",
        ]
    );
    // The shim's reading: the first fault only, as before.
    assert_eq!(
        parse_err(THREE_FAULTS),
        "/h/bad.json: field `hook.path` is \"relative\": a hook path must be absolute"
    );
}

#[test]
fn parse_all_goes_on_past_type_errors_without_inventing_missing_fields() {
    // `hook.path` and `stages` of the wrong type are not also "missing";
    // the regex after them is still checked.
    let faults = all_faults(
        r#"{"version": "1.0.0", "hook": {"path": 5, "timeout": "x"}, "when": {"always": "yes", "commands": ["("]}, "stages": "prestart"}"#,
    );
    let fields: Vec<&str> = faults
        .iter()
        .map(|f| f.split(':').next().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "field `hook.path`",
            "field `hook.timeout`",
            "field `when.always`",
            "field `stages`",
            "field `when.commands[0]`",
        ],
        "{faults:#?}"
    );
    assert!(
        !faults.iter().any(|f| f.contains(": missing (")),
        "{faults:#?}"
    );
    // A `hook` that is no object covers its fields; a missing `stages`
    // is still named.
    let faults = all_faults(r#"{"version": "1.0.0", "hook": "x", "stagse": ["prestart"]}"#);
    assert_eq!(faults.len(), 2, "{faults:#?}");
    assert!(faults[0].starts_with("field `hook`: expected an object"));
    assert!(faults[1].starts_with("field `stages`: missing"));
    // Every regex and every stage.
    let faults = all_faults(
        r#"{"version": "1.0.0", "hook": {"path": "/x"}, "when": {"annotations": {"[": "("}, "commands": ["a**", "^ok$", ")"]}, "stages": ["prestart", "Poststop", "teardown"]}"#,
    );
    assert_eq!(faults.len(), 6, "{faults:#?}");
    assert!(faults[4].contains("\"Poststop\" (did you mean \"poststop\"?)"));
    assert!(faults[5].contains("\"teardown\" (expected one of prestart, createRuntime"));
    // The legacy form too.
    let faults =
        all_faults(r#"{"hook": "rel", "stage": ["x"], "stages": ["prestart"], "cmds": ["("]}"#);
    assert_eq!(
        faults,
        [
            "fields `stages` and `stage`: cannot set both (they are synonyms)",
            "field `hook` is \"rel\": a hook path must be absolute",
            "field `cmds[0]`: invalid regex \"(\": missing closing ): `(` at character 1",
        ]
    );
}

#[test]
fn the_shim_builds_no_warnings_and_validate_gets_them_all() {
    let text = r#"{"version": "1.0.0", "hook": {"path": "/x", "timout": 5}, "when": {"commands": ["sh"]}, "Stages": ["prestart"], "whne": {}}"#;
    let shim = HookFile::parse(Path::new("/h/t.json"), text.as_bytes()).unwrap();
    assert!(shim.warnings.is_empty(), "{:?}", shim.warnings);
    let all = parse(text);
    assert_eq!(
        all.warnings,
        [
            "field `hook.timout`: unknown key, ignored (did you mean `hook.timeout`?)",
            "field `Stages`: read as `stages`, as Podman and CRI-O read it (the format spells it `stages`)",
            "field `whne`: unknown key, ignored (did you mean `when`?)",
            "field `when.commands[0]`: regex \"sh\" is not anchored: it matches any text that contains a match (write \"^...$\" to match the whole text)",
        ]
    );
    // A refused file keeps its warnings for validate.
    let refused = HookFile::parse_all(
        Path::new("/h/t.json"),
        br#"{"version": "1.0.0", "hook": {"path": "/x"}, "when": {"always": true}, "stags": ["prestart"]}"#,
    )
    .unwrap_err();
    assert_eq!(
        refused.faults,
        ["field `stages`: missing (a list of hook stages)"]
    );
    assert_eq!(
        refused.warnings,
        ["field `stags`: unknown key, ignored (did you mean `stages`?)"]
    );
}

#[test]
fn load_every_fault_reads_each_file_to_the_end_and_decides_alike() {
    let tmp = tempfile::tempdir().unwrap();
    let d = mkdir(tmp.path(), "d");
    write(&d.join("10-x.json"), THREE_FAULTS, 0o644);
    // Its program is missing: skipped by both, the later faults kept by
    // validate's reading.
    write(
        &d.join("20-gone.json"),
        r#"{"version": "1.0.0", "hook": {"path": "/nonexistent/h"}, "when": {"commands": ["("]}, "stages": ["nope"]}"#,
        0o644,
    );
    write(&d.join("30-ok.json"), &always("ok"), 0o644);
    let dirs = [d.clone()];
    let shim = hooks_dir::load_with(&dirs, &hooks_dir::Options::default());
    let all = hooks_dir::load_every_fault(&dirs, &hooks_dir::Options::default());
    for loaded in [&shim, &all] {
        assert_eq!(labels(loaded), ["ok"]);
        assert_eq!(loaded.missing.len(), 1);
        assert_eq!(loaded.missing[0].file, d.join("20-gone.json"));
    }
    assert_eq!(shim.errors.len(), 1, "{:?}", shim.errors);
    assert!(shim.missing[0].later.is_empty());
    assert_eq!(all.errors.len(), 3, "{:?}", all.errors);
    assert!(all.errors.iter().all(|e| e.file == d.join("10-x.json")));
    assert_eq!(all.missing[0].later.len(), 2, "{:?}", all.missing[0].later);
    // The first error is the shim's.
    assert_eq!(all.errors[0], shim.errors[0]);
    // With missing programs refused, the lookup is the first fault.
    let refuse = hooks_dir::Options {
        missing: MissingHookProgram::Refuse,
        ..Default::default()
    };
    let shim = hooks_dir::load_with(&dirs, &refuse);
    let all = hooks_dir::load_every_fault(&dirs, &refuse);
    let gone = |l: &hooks_dir::Loaded| -> Vec<String> {
        l.errors
            .iter()
            .filter(|e| e.file == d.join("20-gone.json"))
            .map(|e| e.fault.clone())
            .collect()
    };
    assert_eq!(gone(&shim).len(), 1);
    assert!(gone(&shim)[0].contains("missing-hook-program"));
    assert_eq!(gone(&all).len(), 3, "{:?}", gone(&all));
    assert_eq!(gone(&all)[0], gone(&shim)[0]);
}

#[test]
fn entries_that_are_not_read_are_named_when_asked() {
    use hooks_dir::IgnoredReason::*;
    let tmp = tempfile::tempdir().unwrap();
    let d = mkdir(tmp.path(), "d");
    for name in [
        "10-x.json",
        "30-x.hook",
        "40-x.JSON",
        "x.json.bak",
        "x.json~",
        "x.json.dpkg-old",
        "README",
        ".gitkeep",
        ".x.json.swp",
        ".hidden.json",
    ] {
        write(&d.join(name), &always(name), 0o644);
    }
    mkdir(&d, "sub");
    mkdir(&d, ".git");
    let dirs = [d.clone()];
    let options = hooks_dir::Options {
        ignored: true,
        ..Default::default()
    };
    let loaded = hooks_dir::load_with(&dirs, &options);
    // A hidden name that ends in `.json` is read, as Podman reads it.
    assert_eq!(labels(&loaded), [".hidden.json", "10-x.json"]);
    let ignored: Vec<(String, hooks_dir::IgnoredReason)> = loaded
        .ignored
        .iter()
        .map(|i| {
            (
                i.path.file_name().unwrap().to_string_lossy().into_owned(),
                i.reason,
            )
        })
        .collect();
    assert_eq!(
        ignored,
        [
            ("30-x.hook".to_string(), NotJson),
            ("40-x.JSON".to_string(), SuffixCase),
            ("README".to_string(), NotJson),
            ("sub".to_string(), Directory),
            ("x.json.bak".to_string(), Copy),
            ("x.json.dpkg-old".to_string(), Copy),
            ("x.json~".to_string(), Copy),
        ]
    );
    assert_eq!(
        SuffixCase.note("40-x.JSON".as_ref()),
        "the name must end in `.json` in lower case, as Podman and CRI-O require (rename it to `40-x.json` to use it)"
    );
    assert_eq!(
        Copy.note("x.json.bak".as_ref()),
        "the name does not end in `.json` (a backup or editor copy of `x.json`?)"
    );
    // Not asked: not listed (the shim does not look).
    assert!(hooks_dir::load(&dirs).ignored.is_empty());
}

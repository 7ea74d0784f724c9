//! The hooks.d compatibility table: `tests/fixtures/hooks-compat/cases.json`
//! holds cases written down from the oci-hooks(5) page and from
//! containers/common's behaviour and unit tests (when, 1.0.0, 0.1.0,
//! reading directories, masking), with the edge cases where Go's regexp
//! and JSON decoder differ from Rust's. Each case is hook files in one or
//! more hooks.d directories, a config.json, and the hooks expected per
//! stage or the error expected.
//!
//! Every case runs twice, as a user would run it: through `ctk hooks
//! preview --output json`, and through the shim on a bundle with
//! `/bin/true` as the runtime. Both must give the expected result, and so
//! each other's.
//!
//! Case format (see the file's `format` member): `dirs` is a list of
//! directories in config order, each an object of file name to content:
//! a JSON object (written as JSON), a string (written as is, for
//! duplicate keys or broken JSON), `{"$mode": "0664", "$content": ...}`,
//! `{"$symlink": "target"}` or `{"$dir": true}`; `${ROOT}` in a content
//! stands for the case's own directory. `config` adds keys to `[container-hooks]`;
//! `hooks_json` is the hooks.json file, when there is one.
//! `spec` is config.json. `expect` is `{"hooks": {stage: [hook]}}` (the
//! hooks added, in order) or `{"error": [substring, ...]}` (the create
//! fails; each substring is in the message).

use integration_tests::{bin, ctk, fixture, run, write_mode};
use serde_json::{json, Map, Value};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Case {
    name: String,
    dirs: Vec<Map<String, Value>>,
    config: Map<String, Value>,
    hooks_json: Option<Value>,
    spec: Value,
    expect: Value,
}

fn cases() -> Vec<Case> {
    let path = fixture("hooks-compat/cases.json");
    let doc: Value = serde_json::from_slice(&fs::read(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    doc["cases"]
        .as_array()
        .expect("`cases` is a list")
        .iter()
        .map(|c| {
            let name = c["name"].as_str().expect("name").to_string();
            assert!(
                c["rule"].as_str().is_some_and(|r| !r.is_empty()),
                "{name}: every case says where its expectation comes from (`rule`)"
            );
            Case {
                dirs: c["dirs"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{name}: dirs"))
                    .iter()
                    .map(|d| d.as_object().cloned().unwrap_or_default())
                    .collect(),
                config: c["config"].as_object().cloned().unwrap_or_default(),
                hooks_json: c.get("hooks_json").cloned(),
                spec: c.get("spec").cloned().unwrap_or_else(|| json!({})),
                expect: c["expect"].clone(),
                name,
            }
        })
        .collect()
}

/// Writes one entry of a directory; `${ROOT}` stands for the case's
/// directory.
fn write_entry(root: &Path, dir: &Path, name: &str, content: &Value) {
    let path = dir.join(name);
    let root = root.display().to_string();
    let text = |v: &Value| -> String {
        match v {
            Value::String(t) => t.clone(),
            other => other.to_string(),
        }
        .replace("${ROOT}", &root)
    };
    match content {
        Value::Object(m) if m.contains_key("$symlink") => {
            std::os::unix::fs::symlink(text(&m["$symlink"]), &path).unwrap();
        }
        Value::Object(m) if m.contains_key("$dir") => fs::create_dir(&path).unwrap(),
        Value::Object(m) if m.contains_key("$mode") => {
            let mode = u32::from_str_radix(m["$mode"].as_str().unwrap(), 8).unwrap();
            write_mode(&path, &text(&m["$content"]), mode);
        }
        other => write_mode(&path, &text(other), 0o644),
    }
}

/// A TOML value for a `[container-hooks]` key.
fn toml_value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

struct Setup {
    config: PathBuf,
    bundle: PathBuf,
    original: Vec<u8>,
}

fn setup(root: &Path, case: &Case) -> Setup {
    let mut dirs = Vec::new();
    for (i, entries) in case.dirs.iter().enumerate() {
        let dir = root.join(format!("hooks{i}.d"));
        fs::create_dir_all(&dir).unwrap();
        for (name, content) in entries {
            write_entry(root, &dir, name, content);
        }
        dirs.push(dir);
    }
    if let Some(hooks_json) = &case.hooks_json {
        write_mode(&root.join("hooks.json"), &hooks_json.to_string(), 0o644);
    }
    let mut extra = String::new();
    for (k, v) in &case.config {
        extra.push_str(&format!("{k} = {}\n", toml_value(v)));
    }
    let config = root.join("config.toml");
    let dirs: Vec<String> = dirs.iter().map(|d| format!("{d:?}")).collect();
    write_mode(
        &config,
        &format!(
            "[container-hooks]\npath = {:?}\nhooks-dirs = [{}]\n{extra}\n[container-hooks-runtime]\ndebug = {:?}\nlog-level = \"warn\"\nruntimes = [\"/bin/true\"]\n",
            root.join("hooks.json"),
            dirs.join(", "),
            root.join("runtime.log"),
        ),
        0o644,
    );
    let bundle = root.join("bundle");
    fs::create_dir_all(&bundle).unwrap();
    let mut spec = json!({"ociVersion": "1.0.2"});
    for (k, v) in case.spec.as_object().cloned().unwrap_or_default() {
        spec[k] = v;
    }
    let original = serde_json::to_vec_pretty(&spec).unwrap();
    fs::write(bundle.join("config.json"), &original).unwrap();
    Setup {
        config,
        bundle,
        original,
    }
}

/// What a run gave: the hooks added per stage, or the error message.
#[derive(Debug, PartialEq)]
enum Got {
    Hooks(Value),
    Error(String),
}

fn preview(s: &Setup) -> Got {
    let out = run(ctk()
        .args(["hooks", "preview", "--output", "json", "--config"])
        .arg(&s.config)
        .arg("--bundle")
        .arg(&s.bundle));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "preview printed no JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    if v["outcome"] == "would-fail" {
        assert_eq!(out.status.code(), Some(1));
        Got::Error(format!(
            "{}: {}",
            v["error"]["file"].as_str().unwrap_or_default(),
            v["error"]["fault"].as_str().unwrap_or_default()
        ))
    } else {
        assert!(out.status.success(), "{v}");
        assert_eq!(
            v["added"].as_u64().unwrap() as usize,
            count(&v["hooks"]),
            "`added` counts the hooks listed: {v}"
        );
        Got::Hooks(v["hooks"].clone())
    }
}

fn count(hooks: &Value) -> usize {
    hooks.as_object().map_or(0, |m| {
        m.values().map(|l| l.as_array().map_or(0, Vec::len)).sum()
    })
}

/// The hooks the shim appended to each stage of config.json.
fn added(before: &Value, after: &Value) -> Value {
    let mut out = Map::new();
    if let Some(stages) = after["hooks"].as_object() {
        for (stage, list) in stages {
            let had = before["hooks"][stage].as_array().map_or(0, Vec::len);
            let new: Vec<Value> = list.as_array().unwrap()[had..].to_vec();
            if !new.is_empty() {
                out.insert(stage.clone(), Value::Array(new));
            }
        }
    }
    Value::Object(out)
}

fn shim(s: &Setup) -> Got {
    let out = run(Command::new(bin("container-hooks-runtime"))
        .env("CONTAINER_HOOKS_CONFIG", &s.config)
        .args(["create", "--bundle"])
        .arg(&s.bundle)
        .arg("compat")
        .stdin(Stdio::null()));
    let after = fs::read(s.bundle.join("config.json")).unwrap();
    if out.status.success() {
        let before: Value = serde_json::from_slice(&s.original).unwrap();
        let after: Value = serde_json::from_slice(&after).unwrap();
        Got::Hooks(added(&before, &after))
    } else {
        assert_eq!(
            after, s.original,
            "a failed create leaves config.json as it was"
        );
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        Got::Error(err)
    }
}

fn check(case: &Case, what: &str, got: &Got) -> Option<String> {
    let fail = |why: String| Some(format!("{} ({what}): {why}", case.name));
    match (&case.expect.get("hooks"), &case.expect.get("error"), got) {
        (Some(want), _, Got::Hooks(hooks)) => {
            if hooks != *want {
                return fail(format!("hooks {hooks}, expected {want}"));
            }
        }
        (_, Some(wants), Got::Error(err)) => {
            for want in wants.as_array().unwrap() {
                let want = want.as_str().unwrap();
                if !err.contains(want) {
                    return fail(format!("error {err:?} lacks {want:?}"));
                }
            }
        }
        (_, _, got) => return fail(format!("expected {}, got {got:?}", case.expect)),
    }
    None
}

/// Runs one case both ways; the faults found.
fn run_case(root: &Path, case: &Case) -> Vec<String> {
    let s = setup(root, case);
    let from_preview = preview(&s);
    let from_shim = shim(&s);
    let mut failures = Vec::new();
    failures.extend(check(case, "preview", &from_preview));
    failures.extend(check(case, "shim", &from_shim));
    let agree = match (&from_preview, &from_shim) {
        (Got::Hooks(a), Got::Hooks(b)) => a == b,
        (Got::Error(_), Got::Error(_)) => true,
        _ => false,
    };
    if !agree {
        failures.push(format!(
            "{}: preview {from_preview:?} and shim {from_shim:?} disagree",
            case.name
        ));
    }
    failures
}

#[test]
fn every_case_gives_the_expected_result_through_preview_and_the_shim() {
    let cases = cases();
    assert!(cases.len() >= 150, "{} cases", cases.len());
    let mut names = std::collections::HashSet::new();
    for case in &cases {
        assert!(names.insert(&case.name), "two cases named {}", case.name);
    }
    let tmp = tempfile::tempdir().unwrap();
    // Four at a time: each case is two short-lived processes.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|w| {
                let (cases, tmp) = (&cases, tmp.path());
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    for (i, case) in cases.iter().enumerate().skip(w).step_by(4) {
                        failures.extend(run_case(&tmp.join(i.to_string()), case));
                    }
                    failures
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a worker panicked"))
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    eprintln!("hooks.d compatibility table: {} cases", cases.len());
}

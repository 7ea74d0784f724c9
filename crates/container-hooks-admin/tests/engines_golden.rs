//! Golden tests of the engine editors over every file in
//! tests/fixtures/engines: configure, configure --set-as-default, and
//! configure then remove. The golden files hold the unified diff and the
//! notes; `UPDATE_GOLDEN=1 cargo test -p container-hooks-admin --test
//! engines_golden` rewrites them (review the diff before committing).
//! On a root with no engine files, configure creates the directories they
//! go in and remove takes them out again.

use container_hooks_admin::engines::{
    self, containerd, DirRemoval, Engine, EngineFiles, Plan, Request,
};
use container_hooks_admin::lock::{Lock, LOCK_TIMEOUT};
use std::fs;
use std::path::{Path, PathBuf};

const SHIM: &str = "/usr/bin/container-hooks-runtime";

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Compares `actual` with the golden file, or rewrites it with
/// UPDATE_GOLDEN=1.
fn check_golden(name: &str, actual: &str) {
    let path = golden_dir().join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, actual).unwrap();
        return;
    }
    let expected = fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_GOLDEN=1 to create it)",
            path.display()
        )
    });
    assert_eq!(
        actual, expected,
        "golden {name} differs (UPDATE_GOLDEN=1 rewrites it)"
    );
}

fn report(plan: &Plan, dir: &Path) -> String {
    let mut out = plan.diff();
    for n in &plan.notes {
        out.push_str("note: ");
        out.push_str(n);
        out.push('\n');
    }
    out.replace(&dir.display().to_string(), "$DIR")
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Json,
    Toml,
}

fn value(kind: Kind, text: &str) -> serde_json::Value {
    match kind {
        Kind::Json if text.trim().is_empty() => serde_json::json!({}),
        Kind::Json => serde_json::from_str(text).unwrap(),
        Kind::Toml => {
            let v: toml::Value = toml::from_str(text).unwrap();
            serde_json::to_value(v).unwrap()
        }
    }
}

/// The original's lines appear in `after`, in order, each unchanged but
/// for a trailing comma (JSON) or a line configure owns.
fn lines_kept(before: &str, after: &str, owned: &dyn Fn(&str) -> bool) {
    let after: Vec<&str> = after.lines().collect();
    let mut i = 0;
    for line in before.lines() {
        if owned(line) {
            continue;
        }
        let found = after[i..].iter().position(|a| {
            *a == line || a.strip_suffix(',') == Some(line) || line.strip_suffix(',') == Some(*a)
        });
        match found {
            Some(k) => i += k + 1,
            None => panic!(
                "line {line:?} of the original is not kept in order in:\n{}",
                after.join("\n")
            ),
        }
    }
}

struct Case {
    engine: Engine,
    kind: Kind,
    config: PathBuf,
    drop_in: Option<PathBuf>,
    dir: tempfile::TempDir,
}

fn setup(engine: Engine, fixture: &Path, drop_in: Option<&str>) -> Case {
    let dir = tempfile::tempdir().unwrap();
    let name = fixture.file_name().unwrap();
    let config = dir.path().join(name);
    fs::copy(fixture, &config).unwrap();
    let mut drop = None;
    if let Some(d) = drop_in {
        let p = dir.path().join(d);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        drop = Some(p);
    }
    if engine == Engine::Crio {
        let conf_d = dir.path().join("crio.conf.d");
        fs::create_dir_all(&conf_d).unwrap();
        for e in fs::read_dir(test_support::fixture("engines").join("crio/crio.conf.d")).unwrap() {
            let e = e.unwrap();
            fs::copy(e.path(), conf_d.join(e.file_name())).unwrap();
        }
    }
    let kind = if engine == Engine::Docker {
        Kind::Json
    } else {
        Kind::Toml
    };
    Case {
        engine,
        kind,
        config,
        drop_in: drop,
        dir,
    }
}

impl Case {
    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// `runtime remove` of the case's files.
    fn remove_req(&self) -> Request {
        let mut r = Request::new(self.engine, self.state());
        r.config = Some(self.config.clone());
        r.drop_in = self.drop_in.clone();
        r.path = PathBuf::from(SHIM);
        r
    }

    /// `runtime configure` of the case's files.
    fn req(&self, set_default: bool) -> Request {
        let mut r = self.remove_req();
        r.set_as_default = set_default;
        r
    }

    /// Writes a plan under the lock of the case's state directory.
    fn apply(&self, plan: &Plan) {
        let lock = Lock::acquire(&self.state(), LOCK_TIMEOUT, |_| {}).unwrap();
        plan.apply(&lock).unwrap();
    }

    fn configure(&self, set_default: bool) {
        self.apply(&engines::plan_configure(&self.req(set_default)).unwrap());
    }

    fn files(&self) -> EngineFiles {
        EngineFiles {
            config: self.config.clone(),
            drop_in: self.drop_in.clone(),
        }
    }

    fn read(&self, p: &Path) -> Option<String> {
        fs::read_to_string(p).ok()
    }
}

fn owned_line(line: &str) -> bool {
    [
        "default-runtime",
        "default_runtime",
        "runtime =",
        "container-hooks",
        "imports",
        "version",
        "{}",
    ]
    .iter()
    .any(|k| line.contains(k))
}

/// configure (with or without --set-as-default), check, configure again
/// (no-op), remove, check.
fn run_case(golden: &str, engine: Engine, fixture: &Path, drop_in: Option<&str>) {
    for set_default in [false, true] {
        let case = setup(engine, fixture, drop_in);
        let label = if set_default {
            "set-default"
        } else {
            "configure"
        };
        let files: Vec<PathBuf> = [Some(case.config.clone()), case.drop_in.clone()]
            .into_iter()
            .flatten()
            .collect();
        let originals: Vec<Option<String>> = files.iter().map(|f| case.read(f)).collect();

        let plan = engines::plan_configure(&case.req(set_default)).unwrap();
        check_golden(
            &format!("{golden}.{label}.diff"),
            &report(&plan, case.dir.path()),
        );
        case.apply(&plan);

        // The runtime is there, as the engine reads it.
        let w = engines::wiring(engine, &case.files(), Path::new(SHIM)).unwrap();
        assert!(
            w.shim_runtimes
                .iter()
                .any(|(n, p)| n == "container-hooks" && p == SHIM),
            "{golden}: {w:?}"
        );
        if set_default {
            assert_eq!(
                w.default_runtime.as_deref(),
                Some("container-hooks"),
                "{golden}"
            );
        } else {
            assert_ne!(
                w.default_runtime.as_deref(),
                Some("container-hooks"),
                "{golden}"
            );
        }
        for (f, orig) in files.iter().zip(&originals) {
            let now = case.read(f).unwrap();
            value(case.kind, &now);
            if let Some(orig) = orig {
                lines_kept(orig, &now, &owned_line);
            }
        }

        // Configure again: nothing to write, mtimes unchanged.
        let mtimes: Vec<_> = files
            .iter()
            .map(|f| fs::metadata(f).unwrap().modified().unwrap())
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let again = engines::plan_configure(&case.req(set_default)).unwrap();
        assert!(
            !again.changes_files(),
            "{golden}: second configure changes:\n{}",
            again.diff()
        );
        case.apply(&again);
        let mtimes2: Vec<_> = files
            .iter()
            .map(|f| fs::metadata(f).unwrap().modified().unwrap())
            .collect();
        assert_eq!(mtimes, mtimes2, "{golden}: a no-op configure wrote a file");

        // Remove: the original back.
        let rm = case.remove_req();
        let plan = engines::plan_remove(&rm).unwrap();
        check_golden(
            &format!("{golden}.{label}.remove.diff"),
            &report(&plan, case.dir.path()),
        );
        case.apply(&plan);
        for (f, orig) in files.iter().zip(&originals) {
            let now = case.read(f);
            match (orig, &now) {
                (None, None) => {}
                (None, Some(n)) => panic!(
                    "{golden}: {} was created and not removed:\n{n}",
                    f.display()
                ),
                (Some(o), None) => panic!("{golden}: {} was deleted; it held:\n{o}", f.display()),
                (Some(o), Some(n)) => {
                    let mut want = value(case.kind, o);
                    let got = value(case.kind, n);
                    if case.engine == Engine::Docker
                        && set_default
                        && want.get("default-runtime").is_none()
                    {
                        want["default-runtime"] = "runc".into();
                    }
                    assert_eq!(got, want, "{golden}: {} after remove", f.display());
                    lines_kept(o, n, &|l: &str| l.trim() == "{}");
                    if !(case.engine == Engine::Docker && (set_default || o.trim().is_empty())) {
                        assert_eq!(
                            n,
                            o,
                            "{golden}: {} after remove is not the original text",
                            f.display()
                        );
                    }
                }
            }
        }
        // And remove again: a no-op with a note.
        let plan = engines::plan_remove(&rm).unwrap();
        assert!(
            !plan.changes_files(),
            "{golden}: second remove changes:\n{}",
            plan.diff()
        );
        assert!(!plan.notes.is_empty());
    }
}

fn each(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(test_support::fixture("engines").join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

fn stem(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn docker_fixtures() {
    for f in each("docker") {
        let name = stem(&f);
        if name == "daemon-truncated.json" {
            let case = setup(Engine::Docker, &f, None);
            let before = fs::read(&case.config).unwrap();
            let err = engines::plan_configure(&case.req(true))
                .unwrap_err()
                .to_string();
            check_golden(
                &format!("docker/{name}.error"),
                &format!(
                    "{}\n",
                    err.replace(&case.dir.path().display().to_string(), "$DIR")
                ),
            );
            assert_eq!(fs::read(&case.config).unwrap(), before);
            continue;
        }
        run_case(&format!("docker/{name}"), Engine::Docker, &f, None);
    }
}

#[test]
fn containerd_fixtures() {
    for f in each("containerd") {
        let name = stem(&f);
        run_case(&format!("containerd/{name}"), Engine::Containerd, &f, None);
        run_case(
            &format!("containerd/{name}.drop-in"),
            Engine::Containerd,
            &f,
            Some("conf.d/99-container-hooks.toml"),
        );
    }
}

#[test]
fn crio_fixtures() {
    let f = test_support::fixture("engines").join("crio/crio.conf");
    run_case(
        "crio/crio.conf",
        Engine::Crio,
        &f,
        Some("crio.conf.d/99-container-hooks.conf"),
    );
    // An existing drop-in holding other settings: edited, then given back.
    run_case(
        "crio/crio.conf.d-10-crun.conf",
        Engine::Crio,
        &f,
        Some("crio.conf.d/10-crun.conf"),
    );
}

#[test]
fn podman_fixtures() {
    for f in each("podman") {
        let name = stem(&f);
        run_case(&format!("podman/{name}"), Engine::Podman, &f, None);
    }
}

#[test]
fn crio_drop_in_copies_the_default_runtime_and_parses() {
    let f = test_support::fixture("engines").join("crio/crio.conf");
    let case = setup(
        Engine::Crio,
        &f,
        Some("crio.conf.d/99-container-hooks.conf"),
    );
    case.configure(false);
    let text = fs::read_to_string(case.drop_in.as_ref().unwrap()).unwrap();
    let v: toml::Value = toml::from_str(&text).unwrap();
    let rt = &v["crio"]["runtime"]["runtimes"]["container-hooks"];
    assert_eq!(rt["runtime_path"].as_str(), Some(SHIM));
    assert_eq!(rt["runtime_type"].as_str(), Some("oci"));
    assert_eq!(rt["runtime_root"].as_str(), Some("/run/crun"));
    assert_eq!(
        rt["monitor_path"].as_str(),
        Some("/usr/libexec/crio/conmon")
    );
    // crio.conf is only read.
    assert_eq!(fs::read(&case.config).unwrap(), fs::read(&f).unwrap());
}

#[test]
fn containerd_copies_systemd_cgroup_of_the_default_runtime() {
    let f = test_support::fixture("engines").join("containerd/v3-containerd-2.x.toml");
    let case = setup(Engine::Containerd, &f, None);
    case.configure(false);
    let v: toml::Value = toml::from_str(&fs::read_to_string(&case.config).unwrap()).unwrap();
    let rt =
        &v["plugins"]["io.containerd.cri.v1.runtime"]["containerd"]["runtimes"]["container-hooks"];
    assert_eq!(rt["runtime_type"].as_str(), Some("io.containerd.runc.v2"));
    assert_eq!(rt["options"]["SystemdCgroup"].as_bool(), Some(true));
    assert_eq!(rt["options"]["BinaryName"].as_str(), Some(SHIM));
}

#[test]
fn docker_remove_restores_previous_default() {
    let f = test_support::fixture("engines").join("docker/daemon-with-runtimes.json");
    let case = setup(Engine::Docker, &f, None);
    case.configure(true);
    let v = value(Kind::Json, &fs::read_to_string(&case.config).unwrap());
    assert_eq!(v["default-runtime"], "container-hooks");
    assert_eq!(
        v["runtimes"]["nvidia"]["runtimeArgs"],
        serde_json::json!([])
    );
    // A second configure without --set-as-default keeps the record.
    case.configure(false);
    case.apply(&engines::plan_remove(&case.remove_req()).unwrap());
    assert_eq!(fs::read(&case.config).unwrap(), fs::read(&f).unwrap());
}

/// A plan applied under the lock of `state`; what became of the
/// directories configure created.
fn apply_in(state: &Path, plan: &Plan) -> Vec<DirRemoval> {
    let lock = Lock::acquire(state, LOCK_TIMEOUT, |_| {}).unwrap();
    plan.apply(&lock).unwrap()
}

/// A request of `engine`'s default files on the host whose root is `root`,
/// the state kept outside it.
fn on_root(engine: Engine, root: &Path, state: &Path) -> Request {
    let mut req = Request::new(engine, state);
    req.root = Some(root.to_path_buf());
    req.path = PathBuf::from(SHIM);
    req
}

/// Configure with an engine's default files on an empty root creates the
/// files and the directories they go in (recorded, the outermost first);
/// remove deletes both, the deepest first, leaving every file and
/// directory of the root as it was.
#[test]
fn configure_on_an_empty_root_creates_directories_and_remove_takes_them_out() {
    let cases: [(Engine, Option<PathBuf>, &[&str]); 5] = [
        (
            Engine::Crio,
            None,
            &["etc", "etc/crio", "etc/crio/crio.conf.d"],
        ),
        (Engine::Docker, None, &["etc", "etc/docker"]),
        (Engine::Podman, None, &["etc", "etc/containers"]),
        (Engine::Containerd, None, &["etc", "etc/containerd"]),
        (
            Engine::Containerd,
            Some(containerd::suggested_drop_in()),
            &["etc", "etc/containerd", "etc/containerd/conf.d"],
        ),
    ];
    for (engine, drop_in, dirs) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        fs::create_dir(&root).unwrap();
        let state = tmp.path().join("state");
        let before = test_support::tree(&root);
        let mut req = on_root(engine, &root, &state);
        req.drop_in = drop_in.clone();
        let what = format!("{engine} (drop-in {drop_in:?})");

        let plan = engines::plan_configure(&req).unwrap();
        let made: Vec<PathBuf> = dirs.iter().map(|d| root.join(d)).collect();
        assert_eq!(plan.new_dirs, made, "{what}");
        assert_eq!(apply_in(&state, &plan), [], "{what}");
        let files: Vec<PathBuf> = plan.changed_files().map(|f| f.path.clone()).collect();
        let mut expected: Vec<PathBuf> = made.iter().chain(&files).cloned().collect();
        expected.sort();
        let now = test_support::tree(&root);
        assert_eq!(now.paths().cloned().collect::<Vec<_>>(), expected, "{what}");
        let recorded = fs::read_to_string(state.join("runtimes.json")).unwrap();
        assert!(recorded.contains("\"created_dirs\""), "{what}: {recorded}");
        assert!(
            !recorded.contains(root.to_str().unwrap()),
            "{what}: {recorded}"
        );
        // Again: nothing to create.
        assert_eq!(
            engines::plan_configure(&req).unwrap().new_dirs,
            Vec::<PathBuf>::new()
        );

        let plan = engines::plan_remove(&on_root(engine, &root, &state)).unwrap();
        let removed: Vec<DirRemoval> = made
            .iter()
            .rev()
            .cloned()
            .map(DirRemoval::Removed)
            .collect();
        assert_eq!(apply_in(&state, &plan), removed, "{what}");
        test_support::assert_same_tree(&test_support::tree(&root), &before, &what);
        assert!(!state.join("runtimes.json").exists(), "{what}");
    }
}

/// A directory configure created that holds someone else's file when
/// remove runs stays, with that file; remove takes out only its own file,
/// and says nothing of the directory.
#[test]
fn a_created_directory_that_is_not_empty_stays() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    fs::create_dir(&root).unwrap();
    let state = tmp.path().join("state");
    let req = on_root(Engine::Crio, &root, &state);
    apply_in(&state, &engines::plan_configure(&req).unwrap());
    let drop_in = root.join("etc/crio/crio.conf.d/99-container-hooks.conf");
    assert!(drop_in.is_file());
    let operator = root.join("etc/crio/crio.conf.d/10-operator.conf");
    fs::write(&operator, "[crio.runtime]\nlog_to_journald = true\n").unwrap();
    let before_remove = test_support::tree(&root);

    let plan = engines::plan_remove(&req).unwrap();
    assert_eq!(apply_in(&state, &plan), [], "{:?}", plan.notes);
    assert!(!drop_in.exists());
    let now = test_support::tree(&root);
    let gone: Vec<&PathBuf> = before_remove.paths().filter(|p| !now.contains(p)).collect();
    assert_eq!(gone, [&drop_in]);
    assert_eq!(now.paths().count() + 1, before_remove.paths().count());
    assert_eq!(
        fs::read_to_string(&operator).unwrap(),
        "[crio.runtime]\nlog_to_journald = true\n"
    );
    // Once the operator's file is gone too, nothing is left to record or
    // remove: the directories are the operator's now.
    assert!(!state.join("runtimes.json").exists());
}

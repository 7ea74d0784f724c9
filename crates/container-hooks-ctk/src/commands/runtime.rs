//! `runtime configure|remove|status`.
//!
//! configure and remove edit one engine (`--runtime`), or every engine of
//! the machine one after the other (`configure --detected`, `remove
//! --all`: what the package scripts run). Either way they hold the state
//! directory's lock from the first read to the last write, plan, apply,
//! and make the engine read its changed file. In the package dispatch an
//! engine that fails is a warning, and the others go on.
//!
//! status reports every engine and the toolkit, lists each problem with
//! the command that fixes it, and exits [`PROBLEMS`] when there is one.

use super::Out;
use crate::cli::{ConfigureArgs, EngineArgs, RemoveArgs, RuntimeCommand, StatusArgs};
use crate::report::{self, Report};
use anyhow::Context;
use container_hooks_admin::engines::detect::{detect, Detection};
use container_hooks_admin::engines::files::is_program;
use container_hooks_admin::engines::reload::{self, Apply, RestartMode, READ_TIMEOUT};
use container_hooks_admin::engines::state::{default_state_dir, State};
use container_hooks_admin::engines::{
    self, on_root, DirRemoval, Engine, EngineStatus, Plan, Request,
};
use container_hooks_admin::lock::Lock;
use container_hooks_core::config::{config_path, Config};
use container_hooks_core::{hooks_dir, hooks_json, runtime_path};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The exit status of `runtime status` when it found a problem.
pub const PROBLEMS: u8 = 3;

/// Runs a runtime command; returns the exit status.
pub fn run(cmd: &RuntimeCommand, out: Out) -> anyhow::Result<u8> {
    match cmd {
        RuntimeCommand::Configure(a) => configure(a, out).map(|()| 0),
        RuntimeCommand::Remove(a) => remove(a, out).map(|()| 0),
        RuntimeCommand::Status(a) => status(a),
    }
}

fn configure(a: &ConfigureArgs, out: Out) -> anyhow::Result<()> {
    let scope = Scope::new(&a.engine, a.detected, out);
    let engines = match a.runtime {
        Some(e) => vec![e],
        None => scope.detected(out),
    };
    if !engines.is_empty() {
        scope.check_shim(&a.path, out);
    }
    let jobs = engines
        .into_iter()
        .map(|e| {
            let mut req = scope.request(e, &a.engine);
            req.path = a.path.clone();
            req.set_as_default = a.set_as_default;
            req.force = a.force;
            // containerd's own lists: given to the other engines found
            // with --detected they would be refused.
            if e == Engine::Containerd || a.runtime.is_some() {
                req.annotations = a.annotations.lists();
            }
            req
        })
        .collect();
    scope.edit(jobs, Verb::Configure, &a.engine, out)
}

fn remove(a: &RemoveArgs, out: Out) -> anyhow::Result<()> {
    let scope = Scope::new(&a.engine, a.all, out);
    let jobs = match a.runtime {
        Some(e) => {
            let mut req = scope.request(e, &a.engine);
            // Taken out by hand: the packages' triggers leave it alone.
            req.decline = true;
            vec![req]
        }
        None => scope.everything_wired(&a.engine, out)?,
    };
    scope.edit(jobs, Verb::Remove, &a.engine, out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verb {
    Configure,
    Remove,
}

impl Verb {
    fn plan(self, req: &Request) -> Result<Plan, engines::EngineError> {
        match self {
            Verb::Configure => engines::plan_configure(req),
            Verb::Remove => engines::plan_remove(req),
        }
    }

    fn done(self) -> &'static str {
        match self {
            Verb::Configure => "configured",
            Verb::Remove => "removed the shim from",
        }
    }

    /// What the operator runs once the engine's file is fixed.
    fn retry(self, engine: Engine) -> String {
        match self {
            Verb::Configure => {
                format!("container-hooks-ctk runtime configure --runtime {engine} --set-as-default")
            }
            Verb::Remove => format!("container-hooks-ctk runtime remove --runtime {engine}"),
        }
    }
}

/// Where and how one run of configure or remove works.
struct Scope {
    /// The root of the system edited (None: `/`).
    root: Option<PathBuf>,
    /// The state directory, where this process reaches it.
    state_dir: PathBuf,
    /// How engines learn of a change.
    apply: Apply,
    /// The package dispatch: every engine, failures are warnings.
    dispatch: bool,
    /// No --restart-mode given in the dispatch: dockerd is sent SIGHUP
    /// when it runs (a reload stops no container) and otherwise reads the
    /// file when it starts.
    docker_when_running: bool,
}

impl Scope {
    fn new(a: &EngineArgs, dispatch: bool, out: Out) -> Scope {
        let root = Some(a.root.clone()).filter(|r| r != Path::new("/"));
        let state_dir = on_root(
            root.as_deref(),
            &a.state_dir.clone().unwrap_or_else(default_state_dir),
        );
        let mode = match a.restart_mode {
            Some(m) => m,
            None if dispatch => configured_restart_mode(root.as_deref(), out),
            None => RestartMode::None,
        };
        Scope {
            apply: Apply {
                mode,
                pid_file: Some(a.pid_file.clone()),
                root: root.clone(),
            },
            root,
            state_dir,
            dispatch,
            docker_when_running: dispatch && a.restart_mode.is_none(),
        }
    }

    fn request(&self, engine: Engine, a: &EngineArgs) -> Request {
        let mut req = Request::new(engine, &self.state_dir);
        req.config = a.config.clone();
        req.drop_in = a.drop_in.clone();
        req.name = a.name.clone();
        req.root = self.root.clone();
        req
    }

    /// The engines `configure --detected` wires: installed and never
    /// wired (see [`detect`]). Says why any other is left alone, and what
    /// to run later when no engine is installed.
    fn detected(&self, out: Out) -> Vec<Engine> {
        let state = State::load(&self.state_dir).unwrap_or_else(|e| {
            out.warn(format!("{e}; taking every engine installed as new"));
            State::default()
        });
        let found = detect(self.root.as_deref(), &state);
        if found.is_empty() {
            out.info(
                "no container engine found: none of dockerd, containerd, crio or podman is in the system PATH; \
                 one installed later from a package is wired then (the package's trigger), \
                 one installed another way by running: container-hooks-ctk runtime configure --detected --set-as-default",
            );
        }
        let mut wire = Vec::new();
        for d in found {
            out.debug(format!(
                "{}: found {}: {:?}",
                d.engine,
                d.program.display(),
                d.detection
            ));
            if let Some(note) = d.note() {
                out.note(note);
            }
            if d.detection == Detection::Wire {
                wire.push(d.engine);
            }
        }
        wire
    }

    /// Warns when no program is at `path`, the shim's path written into
    /// the engines' files: every container they start through it would
    /// fail until one is.
    fn check_shim(&self, path: &Path, out: Out) {
        if !is_program(&on_root(self.root.as_deref(), path)) {
            out.warn(format!(
                "--path {}: no executable program there; an engine fails every container it starts through the shim until container-hooks-runtime is installed there",
                path.display()
            ));
        }
    }

    /// The engines installed on the system: their program is in its PATH.
    fn installed(&self, out: Out) -> Vec<Engine> {
        let found: Vec<Engine> = Engine::ALL
            .into_iter()
            .filter(|e| match e.installed(self.root.as_deref()) {
                Some(program) => {
                    out.debug(format!("{e}: found {}", program.display()));
                    true
                }
                None => false,
            })
            .collect();
        if found.is_empty() {
            out.info("no container engine found: none of dockerd, containerd, crio or podman is in the system PATH");
        }
        found
    }

    /// Every file configure recorded, then every installed engine that
    /// has no record (its files may still name the shim).
    fn everything_wired(&self, a: &EngineArgs, out: Out) -> anyhow::Result<Vec<Request>> {
        let state = match State::load(&self.state_dir) {
            Ok(s) => s,
            Err(e) => {
                out.warn(format!(
                    "{e}; removing the shim from the installed engines' usual files only"
                ));
                State::default()
            }
        };
        let mut jobs: Vec<Request> = state
            .records
            .iter()
            .map(|r| {
                let mut req = self.request(r.engine, a);
                req.config = Some(r.config.clone());
                req.name = Some(r.name.clone());
                req
            })
            .collect();
        for engine in self.installed(out) {
            if !state.records.iter().any(|r| r.engine == engine) {
                jobs.push(self.request(engine, a));
            }
        }
        Ok(jobs)
    }

    /// Plans every job, prints it (dry run) or applies it under the lock.
    fn edit(&self, jobs: Vec<Request>, verb: Verb, a: &EngineArgs, out: Out) -> anyhow::Result<()> {
        if a.dry_run {
            for req in &jobs {
                let plan = verb.plan(req)?;
                for n in &plan.notes {
                    out.note(n);
                }
                let diff = plan.diff();
                std::io::stdout().write_all(diff.as_bytes())?;
                if !diff.is_empty() {
                    out.info("dry run: nothing was written");
                }
            }
            return Ok(());
        }
        let lock = super::lock(&self.state_dir, out)?;
        for req in &jobs {
            out.debug(format!("{verb:?} {req:?}"));
            match self.edit_one(req, verb, &lock, out) {
                Ok(()) => {}
                Err(e) if self.dispatch => out.warn(format!(
                    "{}: {e:#}; {} was left as it was: fix it, then run: {}",
                    req.engine,
                    req.engine,
                    verb.retry(req.engine)
                )),
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn edit_one(&self, req: &Request, verb: Verb, lock: &Lock, out: Out) -> anyhow::Result<()> {
        let plan = verb.plan(req)?;
        for n in &plan.notes {
            out.note(n);
        }
        let dirs = plan.apply(lock)?;
        for d in &plan.new_dirs {
            out.info(format!(
                "{} {}: created directory {}",
                verb.done(),
                plan.engine,
                d.display()
            ));
        }
        for f in plan.changed_files() {
            let what = if f.after.is_some() {
                "wrote"
            } else {
                "deleted"
            };
            out.info(format!(
                "{} {}: {what} {}",
                verb.done(),
                plan.engine,
                f.path.display()
            ));
        }
        report_dirs(dirs, verb, plan.engine, out);
        if !plan.changes_files() {
            return Ok(());
        }
        let how = match plan.engine {
            // A reload stops no container: dockerd is sent SIGHUP when it
            // runs, and reads the file when it starts otherwise.
            Engine::Docker if self.docker_when_running => Apply {
                mode: RestartMode::Signal,
                ..self.apply.clone()
            },
            _ => self.apply.clone(),
        };
        let (applied, leftovers) =
            reload::apply_then_delete(plan.engine, &how, &plan.delete_once_read, READ_TIMEOUT)?;
        out.info(applied);
        let deleted = leftovers
            .iter()
            .any(|l| matches!(l, reload::Leftover::Deleted { .. }));
        for l in leftovers {
            out.info(l);
        }
        if deleted {
            report_dirs(plan.remove_created_dirs(), verb, plan.engine, out);
        }
        Ok(())
    }
}

/// Says what became of the directories configure created: each deleted,
/// and each that could not be (a warning; remove itself succeeded).
fn report_dirs(dirs: Vec<DirRemoval>, verb: Verb, engine: Engine, out: Out) {
    for d in dirs {
        match d {
            DirRemoval::Removed(_) => out.info(format!("{} {engine}: {d}", verb.done())),
            DirRemoval::Failed(_) => out.warn(d),
        }
    }
}

/// `restart-mode` of `[container-hooks-ctk]` in config.toml (below the
/// root); a config that cannot be read is a warning, and none.
fn configured_restart_mode(root: Option<&Path>, out: Out) -> RestartMode {
    let path = on_root(root, &config_path());
    match Config::load_from(&path) {
        Ok(c) => c.ctk.restart_mode,
        Err(e) => {
            out.warn(format!("{e}; using restart-mode \"none\""));
            RestartMode::None
        }
    }
}

/// What `runtime status` reports.
#[derive(Debug, serde::Serialize)]
struct Status {
    engines: Vec<EngineStatus>,
    toolkit: ToolkitStatus,
    /// Each problem found, with the command that fixes it.
    problems: Vec<Problem>,
}

/// A problem `runtime status` found, and what fixes it.
#[derive(Debug, serde::Serialize)]
struct Problem {
    problem: String,
    fix: String,
}

/// The toolkit itself: its config, the real runtime, the hook sources.
#[derive(Debug, serde::Serialize)]
struct ToolkitStatus {
    config: PathBuf,
    config_error: Option<String>,
    runtime: Option<PathBuf>,
    runtime_error: Option<String>,
    hook_source_errors: Vec<String>,
}

impl ToolkitStatus {
    /// The toolkit of the system whose root is `root` (None: `/`), and its
    /// problems.
    fn read(root: Option<&Path>) -> (ToolkitStatus, Vec<Problem>) {
        let path = on_root(root, &config_path());
        let mut st = ToolkitStatus {
            config: path.clone(),
            config_error: None,
            runtime: None,
            runtime_error: None,
            hook_source_errors: Vec::new(),
        };
        let mut problems = Vec::new();
        let c = match Config::load_from(&path) {
            Ok(c) => c,
            Err(e) => {
                problems.push(Problem {
                    problem: e.to_string(),
                    fix: format!(
                        "correct {} (container-hooks-ctk config default shows every key and its default)",
                        path.display()
                    ),
                });
                st.config_error = Some(e.to_string());
                return (st, problems);
            }
        };
        let found = match root {
            Some(r) => runtime_path::find_runtime_below(r, &c.runtime.runtimes, &path),
            None => runtime_path::find_runtime(&c.runtime.runtimes, &path),
        };
        match found {
            Ok(r) => st.runtime = Some(r.path),
            Err(e) => {
                problems.push(Problem {
                    problem: e.to_string(),
                    fix: format!(
                        "install runc (apt-get install runc, or dnf install runc), or name the runtime to run: container-hooks-ctk config{} --set container-hooks-runtime.runtimes=/PATH/TO/RUNTIME --in-place",
                        root_flag("--config", root.map(|_| path.as_path()))
                    ),
                });
                st.runtime_error = Some(e.to_string());
            }
        }
        let mut errors = Vec::new();
        if let Err(e) = hooks_json::load(&on_root(root, &c.hooks.path)) {
            errors.push(e);
        }
        let dirs: Vec<PathBuf> = c
            .hooks
            .hooks_dirs
            .iter()
            .map(|d| on_root(root, d))
            .collect();
        errors.extend(hooks_dir::load(&dirs).errors);
        for e in errors {
            problems.push(Problem {
                problem: e.to_string(),
                fix: format!(
                    "correct or remove {}; every fault of it: container-hooks-ctk hooks validate {}",
                    e.file.display(),
                    e.file.display()
                ),
            });
            st.hook_source_errors.push(e.to_string());
        }
        (st, problems)
    }
}

/// ` FLAG PATH` for a fix that must name a path of the system under
/// `--root` (nothing for the running system).
fn root_flag(flag: &str, path: Option<&Path>) -> String {
    path.map(|p| format!(" {flag} {}", p.display()))
        .unwrap_or_default()
}

/// The problem of an engine, if it has one: installed but not wired (and
/// not taken out on purpose), or its file unreadable.
fn engine_problem(e: &EngineStatus, root: Option<&Path>) -> Option<Problem> {
    if e.installed.is_none() || e.declined {
        return None;
    }
    let configure = format!(
        "container-hooks-ctk runtime configure --runtime {} --set-as-default{}",
        e.engine,
        root_flag("--root", root)
    );
    if let Some(err) = &e.error {
        return Some(Problem {
            problem: err.clone(),
            fix: format!("correct the file, then run: {configure}"),
        });
    }
    (!e.wired).then(|| Problem {
        problem: format!(
            "{} is installed, but the shim is not wired into {}",
            e.engine,
            e.config.display()
        ),
        fix: configure,
    })
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

impl Report for Status {
    fn write_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        for e in &self.engines {
            let installed = match &e.installed {
                Some(p) => format!("yes ({})", p.display()),
                None => "no".into(),
            };
            writeln!(out, "{}:", e.engine)?;
            writeln!(out, "  installed:     {installed}")?;
            writeln!(out, "  file:          {}", e.config.display())?;
            if let Some(d) = &e.drop_in {
                writeln!(out, "  drop-in:       {}", d.display())?;
            }
            if let Some(err) = &e.error {
                writeln!(out, "  error:         {err}")?;
                continue;
            }
            let wired = match (&e.runtime, e.declined) {
                (Some(n), _) => format!("yes (runtime {n:?})"),
                (None, true) => "no (taken out with runtime remove --runtime)".into(),
                (None, false) => "no".into(),
            };
            writeln!(out, "  shim wired in: {wired}")?;
            writeln!(
                out,
                "  default:       {} (default runtime: {})",
                yes_no(e.default),
                e.default_runtime
                    .as_deref()
                    .unwrap_or("the engine's built-in default")
            )?;
        }
        let t = &self.toolkit;
        writeln!(out, "toolkit:")?;
        writeln!(out, "  config:        {}", t.config.display())?;
        if let Some(err) = &t.config_error {
            writeln!(out, "  config error:  {err}")?;
        } else {
            match (&t.runtime, &t.runtime_error) {
                (Some(p), _) => writeln!(out, "  real runtime:  {}", p.display())?,
                (None, Some(err)) => writeln!(out, "  real runtime:  {err}")?,
                (None, None) => {}
            }
            if t.hook_source_errors.is_empty() {
                writeln!(out, "  hook sources:  valid")?;
            }
            for err in &t.hook_source_errors {
                writeln!(out, "  hook source:   {err}")?;
            }
        }
        if self.problems.is_empty() {
            return writeln!(out, "problems: none");
        }
        writeln!(out, "problems:")?;
        for p in &self.problems {
            writeln!(out, "  - {}", p.problem)?;
            writeln!(out, "    fix: {}", p.fix)?;
        }
        Ok(())
    }
}

/// Prints the status; returns 0, or [`PROBLEMS`] when there is one.
fn status(a: &StatusArgs) -> anyhow::Result<u8> {
    let root = Some(a.root.clone()).filter(|r| r != Path::new("/"));
    let state_dir = on_root(
        root.as_deref(),
        &a.state_dir.clone().unwrap_or_else(default_state_dir),
    );
    let engines = engines::status(&state_dir, root.as_deref())?;
    let (toolkit, toolkit_problems) = ToolkitStatus::read(root.as_deref());
    let mut problems: Vec<Problem> = engines
        .iter()
        .filter_map(|e| engine_problem(e, root.as_deref()))
        .collect();
    problems.extend(toolkit_problems);
    let report = Status {
        engines,
        toolkit,
        problems,
    };
    report::print(&report, a.output).context("writing the status")?;
    Ok(if report.problems.is_empty() {
        0
    } else {
        PROBLEMS
    })
}

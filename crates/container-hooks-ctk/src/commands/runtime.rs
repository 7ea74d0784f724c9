//! `runtime configure|remove|status`.

use super::Out;
use crate::cli::{EngineArg, EngineArgs, RestartModeArg, RuntimeCommand, StatusArgs};
use crate::report::Format;
use anyhow::{bail, Context};
use container_hooks_admin::engines::{self, state, Engine, Plan, Reload, Request};
use container_hooks_core::config::{config_path, Config};
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

pub fn run(cmd: &RuntimeCommand, out: Out) -> anyhow::Result<()> {
    match cmd {
        RuntimeCommand::Configure(a) => {
            let mut req = request(&a.engine);
            req.path = a.path.clone();
            req.set_as_default = a.set_as_default;
            req.force = a.force;
            out.debug(format!("configure {req:?}"));
            let plan = engines::plan_configure(&req)?;
            finish(plan, &a.engine, out, "configured")
        }
        RuntimeCommand::Remove(a) => {
            let req = request(&a.engine);
            out.debug(format!("remove {req:?}"));
            let plan = engines::plan_remove(&req)?;
            finish(plan, &a.engine, out, "removed the shim from")
        }
        RuntimeCommand::Status(a) => status(a),
    }
}

fn engine(e: EngineArg) -> Engine {
    match e {
        EngineArg::Docker => Engine::Docker,
        EngineArg::Containerd => Engine::Containerd,
        EngineArg::Crio => Engine::Crio,
        EngineArg::Podman => Engine::Podman,
    }
}

fn state_dir(arg: &Option<PathBuf>) -> PathBuf {
    arg.clone().unwrap_or_else(state::default_state_dir)
}

fn request(a: &EngineArgs) -> Request {
    let mut req = Request::new(engine(a.runtime), state_dir(&a.state_dir));
    req.config = a.config.clone();
    req.drop_in = a.drop_in.clone();
    req.name = a.name.clone();
    req
}

/// Prints notes and the diff (dry run), or applies the plan and tells the
/// engine (or the operator).
fn finish(plan: Plan, a: &EngineArgs, out: Out, verb: &str) -> anyhow::Result<()> {
    for n in &plan.notes {
        out.note(n);
    }
    if a.dry_run {
        let diff = plan.diff();
        std::io::stdout().write_all(diff.as_bytes())?;
        if !diff.is_empty() {
            out.info("dry run: nothing was written");
        }
        return Ok(());
    }
    plan.apply()?;
    if !plan.changes_files() {
        return Ok(());
    }
    for f in plan.changed_files() {
        match f.after {
            Some(_) => out.info(format!(
                "{verb} {}: wrote {}",
                plan.engine,
                f.path.display()
            )),
            None => out.info(format!(
                "{verb} {}: deleted {}",
                plan.engine,
                f.path.display()
            )),
        }
    }
    apply_to_engine(plan.engine, a, out)
}

fn apply_to_engine(engine: Engine, a: &EngineArgs, out: Out) -> anyhow::Result<()> {
    let command = engines::apply_command(engine, &a.pid_file);
    match (a.restart_mode, engine.reload()) {
        (_, Reload::None) => {
            out.info(format!(
                "{engine} reads its config on every command: nothing to restart"
            ));
        }
        (RestartModeArg::None, _) => {
            if let Some(c) = command {
                out.info(format!("to apply the change, run: {c}"));
            }
        }
        (RestartModeArg::Signal, Reload::Signal) => {
            let pid = engines::signal_reload(&a.pid_file)?;
            out.info(format!(
                "sent SIGHUP to {engine} (pid {pid}) to reload its config"
            ));
        }
        (RestartModeArg::Signal, Reload::Restart) => {
            out.info(format!(
                "{engine} does not reload its config on SIGHUP; restart it to apply the change: {}",
                command.unwrap_or_default()
            ));
        }
        (RestartModeArg::Systemd, _) => {
            let Some(unit) = engine.unit() else {
                return Ok(());
            };
            let action = if engine.reload() == Reload::Signal {
                "reload"
            } else {
                "restart"
            };
            let status = Command::new("systemctl")
                .args([action, unit])
                .status()
                .with_context(|| {
                    format!("the config is written, but systemctl {action} {unit} cannot run")
                })?;
            if !status.success() {
                bail!("systemctl {action} {unit} failed ({status}); the config is written, apply it by hand");
            }
            out.info(format!("ran systemctl {action} {unit}"));
        }
    }
    Ok(())
}

/// What `runtime status` prints about the toolkit itself.
#[derive(Debug, serde::Serialize)]
struct ToolkitStatus {
    config: PathBuf,
    config_error: Option<String>,
    runtime: Option<PathBuf>,
    runtime_error: Option<String>,
    hook_source_errors: Vec<String>,
}

fn toolkit_status() -> ToolkitStatus {
    let path = config_path();
    let mut st = ToolkitStatus {
        config: path.clone(),
        config_error: None,
        runtime: None,
        runtime_error: None,
        hook_source_errors: Vec::new(),
    };
    match Config::load_from(&path) {
        Ok(c) => {
            match container_hooks_core::runtime_path::find_runtime(&c.runtime.runtimes, &path) {
                Ok(r) => st.runtime = Some(r.path),
                Err(e) => st.runtime_error = Some(e.to_string()),
            }
            if let Err(e) = container_hooks_core::hooks_json::load(&c.hooks.path) {
                st.hook_source_errors.push(e.to_string());
            }
            let loaded = container_hooks_core::hooks_dir::load(&c.hooks.hooks_dirs);
            st.hook_source_errors
                .extend(loaded.errors.iter().map(ToString::to_string));
        }
        Err(e) => st.config_error = Some(e.to_string()),
    }
    st
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn status(a: &StatusArgs) -> anyhow::Result<()> {
    let engines = engines::status(&state_dir(&a.state_dir))?;
    let toolkit = toolkit_status();
    let mut stdout = std::io::stdout();
    if a.output == Format::Json {
        let v = serde_json::json!({ "engines": engines, "toolkit": toolkit });
        writeln!(stdout, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    for e in &engines {
        let installed = match &e.installed {
            Some(p) => format!("yes ({})", p.display()),
            None => "no".into(),
        };
        writeln!(stdout, "{}:", e.engine)?;
        writeln!(stdout, "  installed:     {installed}")?;
        writeln!(stdout, "  file:          {}", e.config.display())?;
        if let Some(d) = &e.drop_in {
            writeln!(stdout, "  drop-in:       {}", d.display())?;
        }
        match &e.error {
            Some(err) => writeln!(stdout, "  error:         {err}")?,
            None => {
                let wired = match &e.runtime {
                    Some(n) => format!("yes (runtime {n:?})"),
                    None => "no".into(),
                };
                writeln!(stdout, "  shim wired in: {wired}")?;
                writeln!(
                    stdout,
                    "  default:       {} (default runtime: {})",
                    yes_no(e.default),
                    e.default_runtime
                        .as_deref()
                        .unwrap_or("the engine's built-in default")
                )?;
            }
        }
    }
    writeln!(stdout, "toolkit:")?;
    writeln!(stdout, "  config:        {}", toolkit.config.display())?;
    if let Some(err) = &toolkit.config_error {
        writeln!(stdout, "  config error:  {err}")?;
    }
    match (&toolkit.runtime, &toolkit.runtime_error) {
        (Some(p), _) => writeln!(stdout, "  real runtime:  {}", p.display())?,
        (None, Some(err)) => writeln!(stdout, "  real runtime:  {err}")?,
        (None, None) => {}
    }
    if toolkit.config_error.is_none() {
        if toolkit.hook_source_errors.is_empty() {
            writeln!(stdout, "  hook sources:  valid")?;
        } else {
            for err in &toolkit.hook_source_errors {
                writeln!(stdout, "  hook source:   {err}")?;
            }
        }
    }
    Ok(())
}

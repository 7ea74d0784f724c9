//! `container-hooks-ctk hooks list | validate | preview`: the hook sources
//! in effect, their faults and traps, and what the shim would do to one
//! bundle. Nothing here writes a file.

use crate::report::Format as Output;
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use container_hooks_core::config::{config_path, Config};
use container_hooks_core::error::FileError;
use container_hooks_core::hook::{Hook, HookSet, Stage};
use container_hooks_core::hooks_dir::{self, HookFile, Loaded};
use container_hooks_core::inject::{Outcome, Spec};
use container_hooks_core::trust::{self, euid, MAX_SOURCE_BYTES, MAX_SPEC_BYTES};
use container_hooks_core::when::{Explanation, Facts};
use container_hooks_core::{hooks_json, sources};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct HooksArgs {
    #[command(subcommand)]
    pub command: HooksCommand,
}

#[derive(Debug, Subcommand)]
pub enum HooksCommand {
    /// Every hook source in effect, in the order hooks are applied: the
    /// hooks.json file, then each hooks.d file with its stages and
    /// conditions; masked and refused files too.
    #[command(
        after_help = "Examples:\n  container-hooks-ctk hooks list\n  container-hooks-ctk hooks list --config /etc/container-hooks/config.toml --output json"
    )]
    List(CommonArgs),
    /// Check hook sources for errors (one line each: file, field, fault;
    /// exit status 1) and for traps (warnings; exit status 0).
    ///
    /// Without PATH, checks every configured source (hooks.json and the
    /// hooks-dirs). A PATH may be a directory (read as a hooks.d
    /// directory; several are read in the order given, later ones masking
    /// earlier ones), an oci-hooks(5) file (a JSON object with `hook` or
    /// `version`) or a hooks.json file.
    #[command(
        after_help = "Examples:\n  container-hooks-ctk hooks validate\n  container-hooks-ctk hooks validate /etc/container-hooks/hooks.d/10-audit.json\n  container-hooks-ctk hooks validate /usr/share/containers/oci/hooks.d --output json"
    )]
    Validate(ValidateArgs),
    /// Show which hooks the shim would add to a bundle's config.json, at
    /// which stage and why (each condition with its result), and the
    /// change as a unified diff. Writes nothing.
    #[command(
        after_help = "Examples:\n  container-hooks-ctk hooks preview --bundle /run/containerd/io.containerd.runtime.v2.task/default/web\n  container-hooks-ctk hooks preview --bundle ./mybundle --output json"
    )]
    Preview(PreviewArgs),
}

#[derive(Debug, Args)]
pub struct CommonArgs {
    /// The config.toml to read [default: $CONTAINER_HOOKS_CONFIG, else
    /// /etc/container-hooks/config.toml].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Files or directories to check instead of the configured sources.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PreviewArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// The bundle directory (holding config.json).
    #[arg(long, short = 'b', value_name = "DIR")]
    pub bundle: PathBuf,
}

/// Runs one `hooks` subcommand; returns the exit status.
pub fn run(args: &HooksArgs) -> Result<u8> {
    match &args.command {
        HooksCommand::List(a) => list(a),
        HooksCommand::Validate(a) => validate(a),
        HooksCommand::Preview(a) => preview(a),
    }
}

fn load_config(common: &CommonArgs) -> Result<(PathBuf, Config)> {
    let path = common.config.clone().unwrap_or_else(config_path);
    let config = Config::load_from(&path)?;
    Ok((path, config))
}

fn print_json(value: &Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value).context("cannot format JSON")?;
    println!("{text}");
    Ok(())
}

// ---- descriptions shared by the subcommands ----

fn hook_text(hook: &Hook) -> String {
    let mut s = hook.path.clone();
    if let Some(args) = &hook.args {
        let _ = write!(s, " (args: {})", args.join(" "));
    }
    if let Some(env) = &hook.env {
        let _ = write!(s, " (env: {})", env.join(" "));
    }
    if let Some(t) = hook.timeout {
        let _ = write!(s, " (timeout: {t}s)");
    }
    s
}

fn hook_set_json(set: &HookSet) -> Value {
    let mut map = serde_json::Map::new();
    for (stage, hooks) in set.iter() {
        map.insert(
            stage.as_str().to_string(),
            hooks.iter().map(Hook::to_value).collect(),
        );
    }
    Value::Object(map)
}

fn stages_text(stages: &[Stage]) -> String {
    if stages.is_empty() {
        return "(none)".to_string();
    }
    stages
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn combine_text(file: &HookFile) -> &'static str {
    match file.when.combine {
        container_hooks_core::when::Combine::All => "every condition must hold",
        container_hooks_core::when::Combine::Any => "any one condition is enough",
    }
}

/// The conditions of a file as written (no container involved).
fn conditions(file: &HookFile) -> Vec<String> {
    file.when
        .explain(&Facts::default())
        .checks
        .into_iter()
        .map(|c| c.condition)
        .collect()
}

fn file_json(file: &HookFile) -> Value {
    json!({
        "kind": "hooks.d",
        "file": file.path,
        "version": file.version.as_str(),
        "hook": file.hook.to_value(),
        "stages": file.stages.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "when": {
            "combine": file.when.combine,
            "conditions": conditions(file),
        },
    })
}

fn error_json(e: &FileError) -> Value {
    let (field, fault) = split_field(&e.fault);
    json!({"file": e.file, "field": field, "fault": fault})
}

/// Splits `field `F`: rest` (or `field `F` is ...`) into the field and the
/// whole fault.
fn split_field(fault: &str) -> (Option<String>, String) {
    let field = fault
        .strip_prefix("field `")
        .or_else(|| fault.strip_prefix("fields `"))
        .and_then(|rest| rest.split_once('`'))
        .map(|(f, _)| f.to_string());
    (field, fault.to_string())
}

/// hooks.json as a source: `Ok(None)` when the file does not exist.
fn read_hooks_json(path: &Path) -> Result<Option<HookSet>, FileError> {
    if !path.exists() && std::fs::symlink_metadata(path).is_err() {
        return Ok(None);
    }
    hooks_json::load(path).map(Some)
}

// ---- list ----

fn list(args: &CommonArgs) -> Result<u8> {
    let (config_file, config) = load_config(args)?;
    let hooks = &config.hooks;
    let json_source = read_hooks_json(&hooks.path);
    let loaded = hooks_dir::load(&hooks.hooks_dirs);
    let mut refused: Vec<FileError> = Vec::new();
    if let Err(e) = &json_source {
        refused.push(e.clone());
    }
    refused.extend(loaded.errors.iter().cloned());
    if args.output == Output::Json {
        let mut sources = Vec::new();
        sources.push(match &json_source {
            Ok(Some(set)) => json!({"kind": "hooks.json", "file": hooks.path, "state": "read", "hooks": hook_set_json(set)}),
            Ok(None) => json!({"kind": "hooks.json", "file": hooks.path, "state": "missing", "hooks": {}}),
            Err(e) => json!({"kind": "hooks.json", "file": hooks.path, "state": "refused", "fault": e.fault}),
        });
        sources.extend(loaded.files.iter().map(file_json));
        print_json(&json!({
            "config": config_file,
            "strict": hooks.strict,
            "hooks_dirs": hooks.hooks_dirs.iter().map(|d| json!({"dir": d, "exists": d.is_dir()})).collect::<Vec<_>>(),
            "sources": sources,
            "masked": loaded.masked.iter().map(|m| json!({"file": m.path, "masked_by": m.by})).collect::<Vec<_>>(),
            "refused": refused.iter().map(error_json).collect::<Vec<_>>(),
        }))?;
        return Ok(0);
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "config: {} (strict = {})",
        config_file.display(),
        hooks.strict
    );
    for d in &hooks.hooks_dirs {
        let state = if d.is_dir() { "" } else { " (missing)" };
        let _ = writeln!(out, "hooks-dir: {}{state}", d.display());
    }
    let _ = writeln!(out, "\nHook sources, in the order they are applied:");
    let mut n = 1;
    match &json_source {
        Ok(Some(set)) => {
            let _ = writeln!(
                out,
                "{n}. {} (hooks.json: every container)",
                hooks.path.display()
            );
            if set.is_empty() {
                let _ = writeln!(out, "     no hooks");
            }
            for (stage, list) in set.iter() {
                for h in list {
                    let _ = writeln!(out, "     {stage}: {}", hook_text(h));
                }
            }
        }
        Ok(None) => {
            let _ = writeln!(
                out,
                "{n}. {} (hooks.json: missing, no hooks)",
                hooks.path.display()
            );
        }
        Err(e) => {
            let _ = writeln!(
                out,
                "{n}. {} (hooks.json: REFUSED: {})",
                hooks.path.display(),
                e.fault
            );
        }
    }
    for file in &loaded.files {
        n += 1;
        let _ = writeln!(
            out,
            "{n}. {} (oci-hooks {})",
            file.path.display(),
            file.version.as_str()
        );
        let _ = writeln!(out, "     hook: {}", hook_text(&file.hook));
        let _ = writeln!(out, "     stages: {}", stages_text(&file.stages));
        let conds = conditions(file);
        if conds.is_empty() {
            let _ = writeln!(out, "     when: no condition (never matches)");
        } else {
            let _ = writeln!(
                out,
                "     when ({}): {}",
                combine_text(file),
                conds.join("; ")
            );
        }
    }
    if !loaded.masked.is_empty() {
        let _ = writeln!(
            out,
            "\nMasked (a later directory has a file of the same name):"
        );
        for m in &loaded.masked {
            let _ = writeln!(out, "  {} (masked by {})", m.path.display(), m.by.display());
        }
    }
    if !refused.is_empty() {
        let what = if hooks.strict {
            "every container create fails while this lasts (strict = true)"
        } else {
            "skipped (strict = false)"
        };
        let _ = writeln!(out, "\nRefused, {what}:");
        for e in &refused {
            let _ = writeln!(out, "  {e}");
        }
    }
    print!("{out}");
    Ok(0)
}

// ---- validate ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Error,
    Warning,
}

struct Findings {
    items: Vec<(Level, FileError)>,
    files: usize,
}

impl Findings {
    fn error(&mut self, e: FileError) {
        self.items.push((Level::Error, e));
    }

    fn warn(&mut self, file: &Path, fault: impl Into<String>) {
        self.items
            .push((Level::Warning, FileError::new(file, fault)));
    }
}

fn validate(args: &ValidateArgs) -> Result<u8> {
    let mut f = Findings {
        items: Vec::new(),
        files: 0,
    };
    if args.paths.is_empty() {
        let path = args.common.config.clone().unwrap_or_else(config_path);
        match Config::load_from(&path) {
            Err(e) => f.error(e),
            Ok(config) => {
                check_hooks_json(&config.hooks.path, &mut f);
                check_dirs(&config.hooks.hooks_dirs, &mut f);
            }
        }
    } else {
        let mut dirs = Vec::new();
        for path in &args.paths {
            if path.is_dir() {
                dirs.push(path.clone());
            } else if !path.exists() {
                f.error(FileError::new(path, "no such file or directory"));
            } else if looks_like_hook_file(path) {
                f.files += 1;
                match HookFile::read(path) {
                    Ok(Some(file)) => check_hook_file(&file, &mut f),
                    Ok(None) => f.error(FileError::new(path, "no such file or directory")),
                    Err(e) => f.error(e),
                }
            } else {
                check_hooks_json(path, &mut f);
            }
        }
        if !dirs.is_empty() {
            check_dirs(&dirs, &mut f);
        }
    }
    let errors = f.items.iter().filter(|(l, _)| *l == Level::Error).count();
    let warnings = f.items.len() - errors;
    if args.common.output == Output::Json {
        let list = |level: Level| -> Vec<Value> {
            f.items
                .iter()
                .filter(|(l, _)| *l == level)
                .map(|(_, e)| error_json(e))
                .collect()
        };
        print_json(&json!({
            "files": f.files,
            "valid": errors == 0,
            "errors": list(Level::Error),
            "warnings": list(Level::Warning),
        }))?;
    } else {
        for (level, e) in &f.items {
            let word = match level {
                Level::Error => "error",
                Level::Warning => "warning",
            };
            println!("{word}: {e}");
        }
        eprintln!(
            "{} hook file(s) checked: {errors} error(s), {warnings} warning(s)",
            f.files
        );
    }
    Ok(if errors > 0 { 1 } else { 0 })
}

/// An oci-hooks(5) file has `hook` or `version` at the top; hooks.json has
/// stage names.
fn looks_like_hook_file(path: &Path) -> bool {
    if std::fs::metadata(path).map_or(true, |m| m.len() > MAX_SOURCE_BYTES) {
        return true;
    }
    let Ok(bytes) = std::fs::read(path) else {
        return true;
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => map
            .keys()
            .any(|k| k.eq_ignore_ascii_case("hook") || k.eq_ignore_ascii_case("version")),
        _ => true,
    }
}

fn check_hooks_json(path: &Path, f: &mut Findings) {
    match read_hooks_json(path) {
        Ok(None) => {}
        Ok(Some(set)) => {
            f.files += 1;
            for (stage, hooks) in set.iter() {
                for (i, hook) in hooks.iter().enumerate() {
                    check_binary(path, &format!("{stage}[{i}].path"), hook, f);
                }
            }
        }
        Err(e) => {
            f.files += 1;
            f.error(e);
        }
    }
}

fn check_dirs(dirs: &[PathBuf], f: &mut Findings) {
    let loaded: Loaded = hooks_dir::load(dirs);
    f.files += loaded.files.len() + loaded.errors.iter().filter(|e| e.file.is_file()).count();
    for e in loaded.errors {
        f.error(e);
    }
    for (a, b) in &loaded.collisions {
        f.warn(
            b,
            format!(
                "file name equals {} once lower-cased: the two apply in an undefined order under Podman and CRI-O, and do not mask each other",
                a.display()
            ),
        );
    }
    for file in &loaded.files {
        check_hook_file(file, f);
    }
}

fn check_hook_file(file: &HookFile, f: &mut Findings) {
    for e in file.check_patterns() {
        f.error(e);
    }
    for w in &file.warnings {
        f.warn(&file.path, w.clone());
    }
    check_binary(&file.path, "hook.path", &file.hook, f);
}

/// Warnings about the program a hook runs: missing, not executable, or
/// open to others.
fn check_binary(file: &Path, field: &str, hook: &Hook, f: &mut Findings) {
    if hook.is_marker() {
        return;
    }
    let program = Path::new(&hook.path);
    let meta = match std::fs::metadata(program) {
        Ok(m) => m,
        Err(e) => {
            let fault = container_hooks_core::error::io_fault(&e);
            f.warn(
                file,
                format!(
                    "field `{field}`: {}: {fault} (the runtime fails to run this hook)",
                    hook.path
                ),
            );
            return;
        }
    };
    let mode = meta.permissions().mode();
    if !meta.is_file() {
        f.warn(
            file,
            format!("field `{field}`: {} is not a regular file", hook.path),
        );
    } else if mode & 0o111 == 0 {
        f.warn(
            file,
            format!(
                "field `{field}`: {} is not executable (mode {:04o})",
                hook.path,
                mode & 0o7777
            ),
        );
    }
    if mode & 0o022 != 0 {
        f.warn(
            file,
            format!(
                "field `{field}`: {} is writable by group or others (mode {:04o}): whoever can write it runs code as root in containers",
                hook.path,
                mode & 0o7777
            ),
        );
    }
    let uid = meta.uid();
    if uid != 0 && uid != euid() {
        f.warn(
            file,
            format!(
                "field `{field}`: {} is owned by uid {uid}, not by root",
                hook.path
            ),
        );
    }
}

// ---- preview ----

fn preview(args: &PreviewArgs) -> Result<u8> {
    let (config_file, config) = load_config(&args.common)?;
    let spec_path = args.bundle.join("config.json");
    let bytes = read_spec(&spec_path)?;
    let spec = Spec::parse(&bytes).map_err(|fault| FileError::new(&spec_path, fault))?;
    let hooks = &config.hooks;
    let view = spec.condition_view();
    let facts = Facts::of(&view);

    // Why each source applies or not.
    let json_source = read_hooks_json(&hooks.path);
    let loaded = hooks_dir::load(&hooks.hooks_dirs);
    let explained: Vec<(&HookFile, Explanation)> = loaded
        .files
        .iter()
        .map(|f| (f, f.explain(&facts)))
        .collect();

    // What the shim would do: the same functions it calls.
    let marked = spec.is_marked();
    let mut after = spec.clone();
    let result: Result<(Outcome, HookSet, Vec<FileError>), FileError> = if marked {
        Ok((Outcome::Marked, HookSet::new(), Vec::new()))
    } else {
        sources::collect(hooks, &spec).and_then(|c| {
            let outcome = after
                .inject(&c.hooks)
                .map_err(|fault| FileError::new(&spec_path, fault))?;
            Ok((outcome, c.hooks, c.skipped))
        })
    };
    let new_bytes = after.to_bytes();
    let changed = matches!(result, Ok((Outcome::Added(_), ..)));
    let diff = if changed {
        config_diff(&spec_path, &bytes, &new_bytes, &after.value())
    } else {
        String::new()
    };
    let (outcome_word, added) = match &result {
        Ok((Outcome::Added(n), ..)) => ("added", *n),
        Ok((Outcome::AlreadyPresent, ..)) => ("already-present", 0),
        Ok((Outcome::Marked, ..)) => ("marked", 0),
        Ok((Outcome::NothingToAdd, ..)) => ("nothing-to-add", 0),
        Err(_) => ("would-fail", 0),
    };
    let code = if result.is_err() { 1 } else { 0 };

    if args.common.output == Output::Json {
        let mut sources_json = Vec::new();
        sources_json.push(match &json_source {
            Ok(Some(set)) => json!({"kind": "hooks.json", "file": hooks.path, "matches": !set.is_empty(), "why": "hooks.json applies to every container", "hooks": hook_set_json(set)}),
            Ok(None) => json!({"kind": "hooks.json", "file": hooks.path, "matches": false, "why": "missing", "hooks": {}}),
            Err(e) => json!({"kind": "hooks.json", "file": hooks.path, "matches": false, "why": "refused", "fault": e.fault}),
        });
        for (file, e) in &explained {
            let mut v = file_json(file);
            v["matches"] = e.matches.into();
            v["combine"] = serde_json::to_value(e.combine).unwrap_or(Value::Null);
            v["checks"] = serde_json::to_value(&e.checks).unwrap_or(Value::Null);
            if let Some(err) = &e.error {
                v["error"] = err.clone().into();
            }
            sources_json.push(v);
        }
        let (injected, skipped, error) = match &result {
            Ok((_, set, skipped)) => (
                hook_set_json(set),
                skipped.iter().map(error_json).collect(),
                Value::Null,
            ),
            Err(e) => (json!({}), Vec::new(), error_json(e)),
        };
        print_json(&json!({
            "bundle": args.bundle,
            "config_json": spec_path,
            "config": config_file,
            "strict": hooks.strict,
            "outcome": outcome_word,
            "added": added,
            "error": error,
            "hooks": injected,
            "skipped": skipped,
            "sources": sources_json,
            "masked": loaded.masked.iter().map(|m| json!({"file": m.path, "masked_by": m.by})).collect::<Vec<_>>(),
            "diff": diff,
        }))?;
        return Ok(code);
    }

    let mut out = String::new();
    let _ = writeln!(out, "bundle: {}", args.bundle.display());
    let _ = writeln!(
        out,
        "config: {} (strict = {})",
        config_file.display(),
        hooks.strict
    );
    match &facts.command {
        Some(c) => {
            let _ = writeln!(out, "process.args[0]: {c}");
        }
        None => {
            let _ = writeln!(out, "process.args[0]: (none)");
        }
    }
    let _ = writeln!(out, "annotations: {}", facts.annotations.len());
    let binds = if facts.bind_mounts.is_empty() {
        "(none besides those engines add)".to_string()
    } else {
        facts.bind_mounts.join(", ")
    };
    let _ = writeln!(out, "bind mounts: {binds}");
    let _ = writeln!(out, "\nSources, in the order they are applied:");
    match &json_source {
        Ok(Some(set)) if !set.is_empty() => {
            let _ = writeln!(out, "  {}: every container", hooks.path.display());
            for (stage, list) in set.iter() {
                for h in list {
                    let _ = writeln!(out, "      {stage}: {}", hook_text(h));
                }
            }
        }
        Ok(Some(_)) => {
            let _ = writeln!(out, "  {}: no hooks", hooks.path.display());
        }
        Ok(None) => {
            let _ = writeln!(out, "  {}: missing, no hooks", hooks.path.display());
        }
        Err(e) => {
            let _ = writeln!(out, "  {}: REFUSED: {}", hooks.path.display(), e.fault);
        }
    }
    for (file, e) in &explained {
        let verdict = if e.matches {
            format!("injected at {}", stages_text(&file.stages))
        } else {
            "not injected".to_string()
        };
        let _ = writeln!(out, "  {}: {verdict}", file.path.display());
        let _ = writeln!(out, "      hook: {}", hook_text(&file.hook));
        if e.checks.is_empty() {
            let _ = writeln!(out, "      no condition: never matches");
        } else {
            let _ = writeln!(out, "      {}:", combine_text(file));
        }
        for c in &e.checks {
            let mark = if c.holds { "yes" } else { "no " };
            let _ = writeln!(out, "      [{mark}] {}  ({})", c.condition, c.found);
            if let Some(err) = &c.error {
                let _ = writeln!(out, "            error: {err}");
            }
        }
    }
    for m in &loaded.masked {
        let _ = writeln!(out, "  {}: masked by {}", m.path.display(), m.by.display());
    }
    for e in &loaded.errors {
        let _ = writeln!(out, "  {}: REFUSED: {}", e.file.display(), e.fault);
    }
    let _ = writeln!(out);
    match &result {
        Ok((Outcome::Added(n), set, skipped)) => {
            let _ = writeln!(
                out,
                "Result: {n} hook(s) would be added to {}:",
                spec_path.display()
            );
            for (stage, list) in set.iter() {
                for h in list {
                    let _ = writeln!(out, "  {stage}: {}", hook_text(h));
                }
            }
            for s in skipped {
                let _ = writeln!(out, "  skipped (strict = false): {s}");
            }
            let _ = writeln!(out);
            out.push_str(&diff);
        }
        Ok((Outcome::AlreadyPresent, ..)) => {
            let _ = writeln!(
                out,
                "Result: every hook is already in config.json; it would be left unchanged."
            );
        }
        Ok((Outcome::Marked, ..)) => {
            let _ = writeln!(out, "Result: config.json carries the container-hooks marker; it would be left unchanged.");
        }
        Ok((Outcome::NothingToAdd, _, skipped)) => {
            let _ = writeln!(
                out,
                "Result: no hook applies; config.json would be left unchanged."
            );
            for s in skipped {
                let _ = writeln!(out, "  skipped (strict = false): {s}");
            }
        }
        Err(e) => {
            let _ = writeln!(
                out,
                "Result: the shim would refuse this create (config.json left unchanged): {e}"
            );
        }
    }
    print!("{out}");
    Ok(code)
}

/// A unified diff of config.json. A compact (one-line) file is compared
/// pretty-printed, so that the diff shows the hooks rather than one line.
fn config_diff(path: &Path, old: &[u8], new: &[u8], new_value: &Value) -> String {
    let old_text = String::from_utf8_lossy(old).into_owned();
    let new_text = String::from_utf8_lossy(new).into_owned();
    let (old_text, new_text, note) = if old_text.trim_end().lines().count() <= 1 {
        let old_value: Value = serde_json::from_slice(old).unwrap_or(Value::Null);
        let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default() + "\n";
        (
            pretty(&old_value),
            pretty(new_value),
            " (compact JSON, shown pretty-printed)",
        )
    } else {
        (old_text, new_text, "")
    };
    let name = path.display().to_string();
    similar::TextDiff::from_lines(&old_text, &new_text)
        .unified_diff()
        .context_radius(3)
        .header(&format!("{name}{note}"), &format!("{name} (with hooks)"))
        .to_string()
}

fn read_spec(path: &Path) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|e| FileError::io(path, &e))?;
    let meta = file.metadata().map_err(|e| FileError::io(path, &e))?;
    if !meta.is_file() {
        return Err(FileError::new(path, "not a regular file").into());
    }
    Ok(trust::read_limited(file, &meta, path, MAX_SPEC_BYTES)?)
}

//! `container-hooks-ctk hooks list | validate | preview`: the hook sources
//! in effect, their faults and traps, and what the shim would do to one
//! bundle. Nothing here writes a file.
//!
//! Each subcommand builds one typed report from the core's own types and
//! prints it once, as text or as JSON ([`crate::report`]). `preview` runs
//! the shim's own walk ([`sources::trace`]) and injection, so what it
//! shows is what the shim does.

use crate::report::{self, Format, Report};
use anyhow::Result;
use clap::{Args, Subcommand};
use container_hooks_core::config::{config_path, Config, HooksConfig};
use container_hooks_core::error::{io_fault, FileError};
use container_hooks_core::gokeys;
use container_hooks_core::hook::{Hook, HookSet, Stage};
use container_hooks_core::hooks_dir::{
    self, FileState, HookFile, Ignored, IgnoredReason, Loaded, MissingProgram, Options,
};
use container_hooks_core::inject::{Outcome, Spec};
use container_hooks_core::sources::{self, FileOutcome};
use container_hooks_core::trust::{self, euid, MAX_SOURCE_BYTES, MAX_SPEC_BYTES};
use container_hooks_core::when::{CheckResult, Combine, Explanation, Facts};
use container_hooks_core::{hooks_json, when};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{self, Write};
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
    /// conditions; masked, skipped, refused and ignored files too.
    #[command(
        after_help = "Examples:\n  container-hooks-ctk hooks list\n  container-hooks-ctk hooks list --config /etc/container-hooks/config.toml --output json"
    )]
    List(CommonArgs),
    /// Check hook sources for errors (every fault of every file, one line
    /// each: file, field and fault; exit status 1) and for traps
    /// (warnings; exit status 0).
    ///
    /// Without PATH, checks every configured source (hooks.json and the
    /// hooks-dirs), masked hooks.d files included, and notes the entries of
    /// the hooks directories that are not read (not named `*.json`). A PATH may be a
    /// directory (read as a hooks.d directory; several are read in the
    /// order given, later ones masking earlier ones), an oci-hooks(5) file
    /// (a JSON object with `hook` or `version`) or a hooks.json file.
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
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub output: Format,
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

// ---- the parts reports share ----

/// A fault in one file.
#[derive(Debug, Serialize)]
struct Fault {
    file: PathBuf,
    fault: String,
}

impl From<&FileError> for Fault {
    fn from(e: &FileError) -> Fault {
        Fault {
            file: e.file.clone(),
            fault: e.fault.clone(),
        }
    }
}

/// A hooks.d file skipped because its program does not exist.
#[derive(Debug, Serialize)]
struct Skipped {
    file: PathBuf,
    program: String,
}

impl From<&MissingProgram> for Skipped {
    fn from(m: &MissingProgram) -> Skipped {
        Skipped {
            file: m.file.clone(),
            program: m.program.clone(),
        }
    }
}

/// An entry of a hooks directory that is not read as a hook file.
#[derive(Debug, Serialize)]
struct IgnoredFile {
    file: PathBuf,
    /// `directory`, `suffix-case`, `copy` or `not-json`.
    reason: &'static str,
    /// Why, for a person.
    note: String,
}

impl IgnoredFile {
    fn new(file: &Path, reason: IgnoredReason) -> IgnoredFile {
        IgnoredFile {
            file: file.to_path_buf(),
            reason: reason.as_str(),
            note: reason.note(file.file_name().unwrap_or_default()),
        }
    }
}

impl From<&Ignored> for IgnoredFile {
    fn from(i: &Ignored) -> IgnoredFile {
        IgnoredFile::new(&i.path, i.reason)
    }
}

#[derive(Debug, Serialize)]
struct MaskedFile {
    file: PathBuf,
    masked_by: PathBuf,
}

/// A hooks.d file in effect, as written.
#[derive(Debug, Serialize)]
struct FileSummary {
    kind: &'static str,
    file: PathBuf,
    version: &'static str,
    hook: Hook,
    stages: Vec<Stage>,
    when: WhenSummary,
}

#[derive(Debug, Serialize)]
struct WhenSummary {
    combine: Combine,
    conditions: Vec<String>,
}

impl FileSummary {
    fn of(file: &HookFile) -> FileSummary {
        FileSummary {
            kind: "hooks.d",
            file: file.path.clone(),
            version: file.version.as_str(),
            hook: file.hook.clone(),
            stages: file.stages.clone(),
            when: WhenSummary {
                combine: file.when.combine,
                conditions: file.when.conditions(),
            },
        }
    }

    fn write_text(&self, out: &mut dyn Write, indent: &str) -> io::Result<()> {
        writeln!(out, "{indent}hook: {}", hook_text(&self.hook))?;
        writeln!(out, "{indent}stages: {}", stages_text(&self.stages))?;
        if self.when.conditions.is_empty() {
            writeln!(out, "{indent}when: no condition (never matches)")
        } else {
            writeln!(
                out,
                "{indent}when ({}): {}",
                combine_text(self.when.combine),
                self.when.conditions.join("; ")
            )
        }
    }
}

/// hooks.json as a source.
#[derive(Debug, Serialize)]
struct HooksJsonSource {
    kind: &'static str,
    file: PathBuf,
    /// `read`, `missing` or `refused`.
    state: &'static str,
    hooks: HookSet,
    #[serde(skip_serializing_if = "Option::is_none")]
    fault: Option<String>,
}

impl HooksJsonSource {
    fn of(path: &Path, read: &Result<HookSet, FileError>) -> HooksJsonSource {
        let (state, hooks, fault) = match read {
            Ok(set) if path.exists() => ("read", set.clone(), None),
            Ok(_) => ("missing", HookSet::new(), None),
            Err(e) => ("refused", HookSet::new(), Some(e.fault.clone())),
        };
        HooksJsonSource {
            kind: "hooks.json",
            file: path.to_path_buf(),
            state,
            hooks,
            fault,
        }
    }

    fn write_text(&self, out: &mut dyn Write, n: usize) -> io::Result<()> {
        let file = self.file.display();
        match (self.state, &self.fault) {
            (_, Some(fault)) => writeln!(out, "{n}. {file} (hooks.json: REFUSED: {fault})"),
            ("missing", _) => writeln!(out, "{n}. {file} (hooks.json: missing, no hooks)"),
            _ => {
                writeln!(out, "{n}. {file} (hooks.json: every container)")?;
                if self.hooks.is_empty() {
                    writeln!(out, "     no hooks")?;
                }
                write_hooks(out, &self.hooks, "     ")
            }
        }
    }
}

/// The config in effect, as list and preview start.
fn write_config_line(
    out: &mut dyn Write,
    config: &Path,
    strict: bool,
    missing_hook_program: &str,
) -> io::Result<()> {
    writeln!(
        out,
        "config: {} (strict = {strict}, missing-hook-program = {missing_hook_program:?})",
        config.display()
    )
}

/// One line per hook of `hooks`, in stage order: `{indent}{stage}: {hook}`.
fn write_hooks(out: &mut dyn Write, hooks: &HookSet, indent: &str) -> io::Result<()> {
    for (stage, list) in hooks.iter() {
        for h in list {
            writeln!(out, "{indent}{stage}: {}", hook_text(h))?;
        }
    }
    Ok(())
}

fn hook_text(hook: &Hook) -> String {
    let mut s = hook.path.clone();
    if let Some(args) = &hook.args {
        s.push_str(&format!(" (args: {})", args.join(" ")));
    }
    if let Some(env) = &hook.env {
        s.push_str(&format!(" (env: {})", env.join(" ")));
    }
    if let Some(t) = hook.timeout {
        s.push_str(&format!(" (timeout: {t}s)"));
    }
    s
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

fn combine_text(combine: Combine) -> &'static str {
    match combine {
        Combine::All => "every condition must hold",
        Combine::Any => "any one condition is enough",
    }
}

fn masked_of(loaded: &Loaded) -> Vec<MaskedFile> {
    loaded
        .masked
        .iter()
        .map(|m| MaskedFile {
            file: m.path.clone(),
            masked_by: m.by.clone(),
        })
        .collect()
}

// ---- list ----

#[derive(Debug, Serialize)]
struct DirState {
    dir: PathBuf,
    exists: bool,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum ListSource {
    HooksJson(HooksJsonSource),
    HooksD(FileSummary),
}

#[derive(Debug, Serialize)]
struct ListReport {
    config: PathBuf,
    strict: bool,
    missing_hook_program: &'static str,
    hooks_dirs: Vec<DirState>,
    /// In the order hooks are applied.
    sources: Vec<ListSource>,
    masked: Vec<MaskedFile>,
    /// hooks.d files skipped because their program does not exist.
    skipped: Vec<Skipped>,
    refused: Vec<Fault>,
    /// Entries of the hooks directories that are not read.
    ignored: Vec<IgnoredFile>,
}

impl Report for ListReport {
    fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
        write_config_line(out, &self.config, self.strict, self.missing_hook_program)?;
        for d in &self.hooks_dirs {
            let state = if d.exists { "" } else { " (missing)" };
            writeln!(out, "hooks-dir: {}{state}", d.dir.display())?;
        }
        writeln!(out, "\nHook sources, in the order they are applied:")?;
        for (i, source) in self.sources.iter().enumerate() {
            match source {
                ListSource::HooksJson(j) => j.write_text(out, i + 1)?,
                ListSource::HooksD(f) => {
                    writeln!(
                        out,
                        "{}. {} (oci-hooks {})",
                        i + 1,
                        f.file.display(),
                        f.version
                    )?;
                    f.write_text(out, "     ")?;
                }
            }
        }
        if !self.masked.is_empty() {
            writeln!(
                out,
                "\nMasked (a later directory has a file of the same name):"
            )?;
            for m in &self.masked {
                writeln!(
                    out,
                    "  {} (masked by {})",
                    m.file.display(),
                    m.masked_by.display()
                )?;
            }
        }
        if !self.skipped.is_empty() {
            writeln!(
                out,
                "\nSkipped (the hook program does not exist, as Podman and CRI-O skip them):"
            )?;
            for s in &self.skipped {
                writeln!(out, "  {} (missing {})", s.file.display(), s.program)?;
            }
        }
        if !self.refused.is_empty() {
            let what = if self.strict {
                "every container create fails while this lasts (strict = true)"
            } else {
                "skipped (strict = false)"
            };
            writeln!(out, "\nRefused, {what}:")?;
            for e in &self.refused {
                writeln!(out, "  {}: {}", e.file.display(), e.fault)?;
            }
        }
        if !self.ignored.is_empty() {
            writeln!(out, "\nNot read (not hook files):")?;
            for i in &self.ignored {
                writeln!(out, "  {}: {}", i.file.display(), i.note)?;
            }
        }
        Ok(())
    }
}

/// How `list` and `validate` read hooks directories: as the shim does,
/// naming what is not read.
fn options(hooks: &HooksConfig, read_masked: bool) -> Options {
    Options {
        missing: hooks.missing_hook_program,
        read_masked,
        ignored: true,
    }
}

fn list(args: &CommonArgs) -> Result<u8> {
    let (config_file, config) = load_config(args)?;
    let hooks = &config.hooks;
    let json = hooks_json::load(&hooks.path);
    let loaded = hooks_dir::load_with(&hooks.hooks_dirs, &options(hooks, false));
    let mut refused: Vec<Fault> = Vec::new();
    if let Err(e) = &json {
        refused.push(e.into());
    }
    refused.extend(loaded.errors.iter().map(Fault::from));
    let mut sources = vec![ListSource::HooksJson(HooksJsonSource::of(
        &hooks.path,
        &json,
    ))];
    sources.extend(
        loaded
            .files
            .iter()
            .map(|f| ListSource::HooksD(FileSummary::of(f))),
    );
    let report = ListReport {
        config: config_file,
        strict: hooks.strict,
        missing_hook_program: hooks.missing_hook_program.as_str(),
        hooks_dirs: hooks
            .hooks_dirs
            .iter()
            .map(|d| DirState {
                dir: d.clone(),
                exists: d.is_dir(),
            })
            .collect(),
        sources,
        masked: masked_of(&loaded),
        skipped: loaded.missing.iter().map(Skipped::from).collect(),
        refused,
        ignored: loaded.ignored.iter().map(IgnoredFile::from).collect(),
    };
    report::print(&report, args.output)?;
    Ok(0)
}

// ---- validate ----

/// One error or warning about one file.
#[derive(Debug, Serialize)]
struct Finding {
    file: PathBuf,
    fault: String,
    /// The file is not in effect: a file of the same name in a later
    /// directory masks it.
    #[serde(skip_serializing_if = "Option::is_none")]
    masked_by: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
struct ValidateReport {
    /// How many files were checked.
    files: usize,
    valid: bool,
    /// Every fault of every file, one each.
    errors: Vec<Finding>,
    warnings: Vec<Finding>,
    /// Files that Podman, CRI-O and the shim do not read (not an error).
    ignored: Vec<IgnoredFile>,
}

impl Report for ValidateReport {
    fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
        for (word, list) in [("error", &self.errors), ("warning", &self.warnings)] {
            for f in list {
                match &f.masked_by {
                    Some(by) => writeln!(
                        out,
                        "{word}: {} (masked by {}, not in effect): {}",
                        f.file.display(),
                        by.display(),
                        f.fault
                    )?,
                    None => writeln!(out, "{word}: {}: {}", f.file.display(), f.fault)?,
                }
            }
        }
        for i in &self.ignored {
            writeln!(out, "note: {}: not read: {}", i.file.display(), i.note)?;
        }
        Ok(())
    }
}

#[derive(Default)]
struct Findings {
    files: usize,
    errors: Vec<Finding>,
    warnings: Vec<Finding>,
    ignored: Vec<IgnoredFile>,
}

impl Findings {
    fn error(&mut self, e: &FileError, masked_by: Option<&Path>) {
        self.errors.push(Finding {
            file: e.file.clone(),
            fault: e.fault.clone(),
            masked_by: masked_by.map(Path::to_path_buf),
        });
    }

    fn warn(&mut self, file: &Path, fault: impl Into<String>, masked_by: Option<&Path>) {
        self.warnings.push(Finding {
            file: file.to_path_buf(),
            fault: fault.into(),
            masked_by: masked_by.map(Path::to_path_buf),
        });
    }
}

fn validate(args: &ValidateArgs) -> Result<u8> {
    let mut f = Findings::default();
    let config_file = args.common.config.clone().unwrap_or_else(config_path);
    let config = Config::load_from(&config_file);
    if args.paths.is_empty() {
        match &config {
            Err(e) => f.error(e, None),
            Ok(config) => {
                check_hooks_json(&config.hooks.path, &mut f);
                check_dirs(&config.hooks.hooks_dirs, &config.hooks, &mut f);
            }
        }
    } else {
        // The policy for missing programs comes from the config when there
        // is one.
        let hooks = config.map(|c| c.hooks).unwrap_or_default();
        let mut dirs = Vec::new();
        for path in &args.paths {
            if path.is_dir() {
                dirs.push(path.clone());
            } else if !path.exists() {
                f.error(&FileError::new(path, "no such file or directory"), None);
            } else if looks_like_hook_file(path) {
                f.files += 1;
                match hooks_dir::read_state(path, &options(&hooks, false)) {
                    None => f.error(&FileError::new(path, "no such file or directory"), None),
                    Some(state) => check_state(&state, &mut f, None),
                }
                // Checked because it was named; in a hooks directory it
                // would not be read.
                let name = path.file_name().unwrap_or_default();
                if let Some(reason) = IgnoredReason::of(name, false) {
                    let why = reason.note(name);
                    f.warn(path, format!("not read in a hooks directory: {why}"), None);
                }
            } else {
                check_hooks_json(path, &mut f);
            }
        }
        if !dirs.is_empty() {
            check_dirs(&dirs, &hooks, &mut f);
        }
    }
    let report = ValidateReport {
        files: f.files,
        valid: f.errors.is_empty(),
        errors: f.errors,
        warnings: f.warnings,
        ignored: f.ignored,
    };
    report::print(&report, args.common.output)?;
    if args.common.output == Format::Text {
        let not_read = match report.ignored.len() {
            0 => String::new(),
            n => format!(", {n} other file(s) not read"),
        };
        eprintln!(
            "{} hook file(s) checked: {} error(s), {} warning(s){not_read}",
            report.files,
            report.errors.len(),
            report.warnings.len()
        );
    }
    Ok(if report.valid { 0 } else { 1 })
}

/// An oci-hooks(5) file has `hook` or `version` at the top (in any
/// spelling Go's decoder accepts); hooks.json has stage names.
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
            .any(|k| gokeys::matches("hook", k) || gokeys::matches("version", k)),
        _ => true,
    }
}

fn check_hooks_json(path: &Path, f: &mut Findings) {
    if !path.exists() && std::fs::symlink_metadata(path).is_err() {
        return;
    }
    f.files += 1;
    match hooks_json::load_all(path) {
        Ok(set) => {
            for (stage, hooks) in set.iter() {
                for (i, hook) in hooks.iter().enumerate() {
                    check_binary(path, &format!("{stage}[{i}].path"), hook, true, f, None);
                }
            }
        }
        Err(errors) => {
            for e in &errors {
                f.error(e, None);
            }
        }
    }
}

fn check_dirs(dirs: &[PathBuf], hooks: &HooksConfig, f: &mut Findings) {
    let loaded = hooks_dir::load_every_fault(dirs, &options(hooks, true));
    let refused: BTreeSet<&Path> = loaded
        .errors
        .iter()
        .map(|e| e.file.as_path())
        .filter(|p| p.is_file())
        .collect();
    f.files += loaded.files.len() + loaded.masked.len() + loaded.missing.len() + refused.len();
    for e in &loaded.errors {
        f.error(e, None);
    }
    for w in &loaded.warnings {
        f.warn(&w.file, w.fault.clone(), None);
    }
    for m in &loaded.missing {
        check_state(&FileState::Missing(m.clone()), f, None);
    }
    for (a, b) in &loaded.collisions {
        f.warn(
            b,
            format!(
                "file name equals {} once lower-cased: the two apply in an undefined order under Podman and CRI-O, and do not mask each other",
                a.display()
            ),
            None,
        );
    }
    for file in &loaded.files {
        check_state(&FileState::InEffect(file.clone()), f, None);
    }
    for m in &loaded.masked {
        if let Some(state) = &m.read {
            check_state(state, f, Some(&m.by));
        }
    }
    f.ignored
        .extend(loaded.ignored.iter().map(IgnoredFile::from));
}

fn check_state(state: &FileState, f: &mut Findings, masked_by: Option<&Path>) {
    match state {
        FileState::Refused(r) => {
            for e in r.errors() {
                f.error(&e, masked_by);
            }
            for w in &r.warnings {
                f.warn(&r.file, w.clone(), masked_by);
            }
        }
        FileState::Missing(m) => {
            f.warn(
                &m.file,
                format!(
                    "field `hook.path`: {}: no such file or directory: skipped, as Podman and CRI-O skip it (set missing-hook-program = \"refuse\" to fail instead)",
                    m.program
                ),
                masked_by,
            );
            // Faults that refuse the file once its program is there.
            for fault in &m.later {
                f.error(&FileError::new(&m.file, fault.as_str()), masked_by);
            }
            for w in &m.warnings {
                f.warn(&m.file, w.clone(), masked_by);
            }
        }
        FileState::InEffect(file) => {
            for e in file.check_patterns() {
                f.error(&e, masked_by);
            }
            for w in &file.warnings {
                f.warn(&file.path, w.clone(), masked_by);
            }
            check_binary(&file.path, "hook.path", &file.hook, false, f, masked_by);
        }
    }
}

/// Warnings about the program a hook runs: missing (hooks.json only: a
/// hooks.d file is skipped then), not executable, or open to others.
fn check_binary(
    file: &Path,
    field: &str,
    hook: &Hook,
    report_missing: bool,
    f: &mut Findings,
    masked_by: Option<&Path>,
) {
    if hook.is_marker() {
        return;
    }
    let program = Path::new(&hook.path);
    let meta = match std::fs::metadata(program) {
        Ok(m) => m,
        Err(e) => {
            if report_missing {
                f.warn(
                    file,
                    format!(
                        "field `{field}`: {}: {} (the runtime fails to run this hook)",
                        hook.path,
                        io_fault(&e)
                    ),
                    masked_by,
                );
            }
            return;
        }
    };
    let mode = meta.permissions().mode();
    if !meta.is_file() {
        f.warn(
            file,
            format!("field `{field}`: {} is not a regular file", hook.path),
            masked_by,
        );
    } else if mode & 0o111 == 0 {
        f.warn(
            file,
            format!(
                "field `{field}`: {} is not executable (mode {:04o})",
                hook.path,
                mode & 0o7777
            ),
            masked_by,
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
            masked_by,
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
            masked_by,
        );
    }
}

// ---- preview ----

/// What config.json gives the conditions.
#[derive(Debug, Serialize)]
struct FactsSummary {
    /// `process.args[0]`.
    command: Option<String>,
    has_process: bool,
    annotations: usize,
    /// Bind mounts that count for `hasBindMounts`.
    bind_mounts: Vec<String>,
}

/// One hooks.d file in effect, with the decision about this bundle.
#[derive(Debug, Serialize)]
struct PreviewFile {
    #[serde(flatten)]
    file: FileSummary,
    matches: bool,
    outcome: FileOutcome,
    #[serde(flatten)]
    explanation: ExplanationParts,
}

#[derive(Debug, Serialize)]
struct ExplanationParts {
    checks: Vec<when::Check>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum PreviewSource {
    HooksJson(HooksJsonSource),
    HooksD(Box<PreviewFile>),
}

#[derive(Debug, Serialize)]
struct PreviewReport {
    bundle: PathBuf,
    config_json: PathBuf,
    config: PathBuf,
    strict: bool,
    missing_hook_program: &'static str,
    facts: FactsSummary,
    /// `added`, `already-present`, `marked`, `nothing-to-add` or
    /// `would-fail`.
    outcome: &'static str,
    /// How many hooks the shim would add.
    added: usize,
    error: Option<Fault>,
    /// The hooks the shim would add, per stage (hooks already in
    /// config.json are not added again).
    hooks: HookSet,
    /// Sources skipped because `strict = false`.
    skipped: Vec<Fault>,
    /// hooks.d files skipped because their program does not exist.
    missing_programs: Vec<Skipped>,
    /// In the order hooks are applied.
    sources: Vec<PreviewSource>,
    masked: Vec<MaskedFile>,
    refused: Vec<Fault>,
    diff: String,
}

impl Report for PreviewReport {
    fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "bundle: {}", self.bundle.display())?;
        write_config_line(out, &self.config, self.strict, self.missing_hook_program)?;
        match (&self.facts.command, self.facts.has_process) {
            (Some(c), _) => writeln!(out, "process.args[0]: {c}")?,
            (None, true) => writeln!(out, "process.args[0]: (empty process.args)")?,
            (None, false) => writeln!(out, "process.args[0]: (no process)")?,
        }
        writeln!(out, "annotations: {}", self.facts.annotations)?;
        if self.facts.bind_mounts.is_empty() {
            writeln!(out, "bind mounts: (none besides those engines add)")?;
        } else {
            writeln!(out, "bind mounts: {}", self.facts.bind_mounts.join(", "))?;
        }
        writeln!(out, "\nSources, in the order they are applied:")?;
        for source in &self.sources {
            match source {
                PreviewSource::HooksJson(j) => {
                    let file = j.file.display();
                    match (j.state, &j.fault) {
                        (_, Some(fault)) => writeln!(out, "  {file}: REFUSED: {fault}")?,
                        ("missing", _) => writeln!(out, "  {file}: missing, no hooks")?,
                        _ if j.hooks.is_empty() => writeln!(out, "  {file}: no hooks")?,
                        _ => {
                            writeln!(out, "  {file}: every container")?;
                            write_hooks(out, &j.hooks, "      ")?;
                        }
                    }
                }
                PreviewSource::HooksD(p) => write_preview_file(out, p)?,
            }
        }
        for m in &self.masked {
            writeln!(
                out,
                "  {}: masked by {}",
                m.file.display(),
                m.masked_by.display()
            )?;
        }
        for s in &self.missing_programs {
            writeln!(
                out,
                "  {}: skipped: hook program {} does not exist",
                s.file.display(),
                s.program
            )?;
        }
        for e in &self.refused {
            writeln!(out, "  {}: REFUSED: {}", e.file.display(), e.fault)?;
        }
        writeln!(out)?;
        let config_json = self.config_json.display();
        match self.outcome {
            "added" => {
                writeln!(
                    out,
                    "Result: {} hook(s) would be added to {config_json}:",
                    self.added
                )?;
                write_hooks(out, &self.hooks, "  ")?;
            }
            "already-present" => writeln!(
                out,
                "Result: every hook is already in config.json; it would be left unchanged."
            )?,
            "marked" => writeln!(
                out,
                "Result: config.json carries the container-hooks marker; it would be left unchanged."
            )?,
            "nothing-to-add" => writeln!(
                out,
                "Result: no hook applies; config.json would be left unchanged."
            )?,
            _ => {
                if let Some(e) = &self.error {
                    writeln!(
                        out,
                        "Result: the shim would refuse this create (config.json left unchanged): {}: {}",
                        e.file.display(),
                        e.fault
                    )?;
                }
            }
        }
        for s in &self.skipped {
            writeln!(
                out,
                "  skipped (strict = false): {}: {}",
                s.file.display(),
                s.fault
            )?;
        }
        if !self.diff.is_empty() {
            writeln!(out)?;
            out.write_all(self.diff.as_bytes())?;
        }
        Ok(())
    }
}

fn write_preview_file(out: &mut dyn Write, p: &PreviewFile) -> io::Result<()> {
    let verdict = match p.outcome {
        FileOutcome::Applies => format!("injected at {}", stages_text(&p.file.stages)),
        FileOutcome::NotMatched => "not injected".to_string(),
        FileOutcome::Refused => "REFUSED".to_string(),
        FileOutcome::NotReached => "not reached (an earlier source fails the create)".to_string(),
    };
    writeln!(out, "  {}: {verdict}", p.file.file.display())?;
    writeln!(out, "      hook: {}", hook_text(&p.file.hook))?;
    if p.explanation.checks.is_empty() {
        writeln!(out, "      no condition: never matches")?;
    } else {
        writeln!(out, "      {}:", combine_text(p.file.when.combine))?;
    }
    for c in &p.explanation.checks {
        let mark = match c.result {
            CheckResult::Holds => "[yes]",
            CheckResult::Fails => "[no ]",
            CheckResult::NotChecked => "[ - ]",
            CheckResult::Skipped => "[ - ]",
            CheckResult::Error => "[err]",
        };
        let found = match c.result {
            CheckResult::NotChecked => "not checked: decided already".to_string(),
            _ => c.found.clone(),
        };
        writeln!(out, "      {mark} {}  ({found})", c.condition)?;
    }
    if let Some(err) = &p.explanation.error {
        writeln!(out, "      error: {err}")?;
    }
    Ok(())
}

fn preview(args: &PreviewArgs) -> Result<u8> {
    let (config_file, config) = load_config(&args.common)?;
    let hooks = &config.hooks;
    let spec_path = args.bundle.join("config.json");
    let bytes = read_spec(&spec_path)?;
    let spec = Spec::parse(&bytes).map_err(|fault| FileError::new(&spec_path, fault))?;
    let view = spec.condition_view();
    let facts = Facts::of(&view);

    // What the shim does: the marker first, then the same walk, then the
    // same injection.
    let trace = sources::trace(hooks, &spec);
    let mut after = spec.clone();
    let result: Result<Outcome, FileError> = if spec.is_marked() {
        Ok(Outcome::Marked)
    } else {
        match &trace.result {
            Ok(collected) => after
                .inject(&collected.hooks)
                .map_err(|fault| FileError::new(&spec_path, fault)),
            Err(e) => Err(e.clone()),
        }
    };
    let (outcome, error) = match &result {
        Ok(Outcome::Added(_)) => ("added", None),
        Ok(Outcome::AlreadyPresent) => ("already-present", None),
        Ok(Outcome::Marked) => ("marked", None),
        Ok(Outcome::NothingToAdd) => ("nothing-to-add", None),
        Err(e) => ("would-fail", Some(Fault::from(e))),
    };
    let added_hooks = match (&result, &trace.result) {
        (Ok(Outcome::Added(_)), Ok(collected)) => spec.additions(&collected.hooks),
        _ => HookSet::new(),
    };
    let diff = if outcome == "added" {
        config_diff(&spec_path, &bytes, &after.to_bytes(), &after.value())
    } else {
        String::new()
    };
    let (skipped, missing_programs) = match &trace.result {
        Ok(c) => (
            c.skipped.iter().map(Fault::from).collect(),
            c.missing.iter().map(Skipped::from).collect(),
        ),
        Err(_) => (Vec::new(), Vec::new()),
    };
    let mut sources_list = vec![PreviewSource::HooksJson(HooksJsonSource::of(
        &hooks.path,
        &trace.hooks_json,
    ))];
    for t in &trace.files {
        let Some(file) = trace.loaded.files.get(t.file) else {
            continue;
        };
        sources_list.push(PreviewSource::HooksD(Box::new(preview_file(
            file,
            &t.explanation,
            t.outcome.clone(),
        ))));
    }
    let mut refused: Vec<Fault> = Vec::new();
    if let Err(e) = &trace.hooks_json {
        refused.push(e.into());
    }
    refused.extend(trace.loaded.errors.iter().map(Fault::from));
    let report = PreviewReport {
        bundle: args.bundle.clone(),
        config_json: spec_path,
        config: config_file,
        strict: hooks.strict,
        missing_hook_program: hooks.missing_hook_program.as_str(),
        facts: FactsSummary {
            command: facts.command.map(str::to_string),
            has_process: facts.has_process,
            annotations: facts.annotations.len(),
            bind_mounts: facts.bind_mounts.clone(),
        },
        outcome,
        added: added_hooks.len(),
        error,
        hooks: added_hooks,
        skipped,
        missing_programs,
        sources: sources_list,
        masked: masked_of(&trace.loaded),
        refused,
        diff,
    };
    report::print(&report, args.common.output)?;
    Ok(if result.is_err() { 1 } else { 0 })
}

fn preview_file(file: &HookFile, explanation: &Explanation, outcome: FileOutcome) -> PreviewFile {
    PreviewFile {
        file: FileSummary::of(file),
        matches: explanation.matches,
        outcome,
        explanation: ExplanationParts {
            checks: explanation.checks.clone(),
            error: explanation.error.clone(),
        },
    }
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

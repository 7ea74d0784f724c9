//! oci-hooks(5) directories: one hook per `*.json` file, with conditions.
//!
//! The same files that Podman and CRI-O read (containers/common,
//! `pkg/hooks`), read the same way:
//!
//! - only names ending in `.json` are read (a symlink is judged by the file
//!   it points to); a file that vanished or a dangling symlink is skipped
//!   and does not mask;
//! - a file in a later directory masks the file of the same name in an
//!   earlier one; a missing directory is no error;
//! - files apply in the order of their names lower-cased as Go's
//!   `strings.ToLower` does, compared byte by byte (names equal once
//!   lower-cased come in an undefined order there, by exact name here);
//! - the file is decoded as Go's `encoding/json` decodes it into
//!   containers/common's structs ([`crate::godecode`]): keys matched
//!   exactly, else under Unicode case folding ([`crate::gokeys`]); a key
//!   given twice is decoded twice (an object merges, a list or a string is
//!   replaced); `null` leaves a string or an object as it was and makes a
//!   list or an optional value absent; unknown keys are ignored (and
//!   reported by `ctk hooks validate`);
//! - `version` `1.0.0` (`hook` {path, args, env, timeout}, `when`,
//!   `stages`), and the legacy `0.1.0` form (also read when `version` is
//!   missing, empty or `null`): `hook` (the path), `arguments` (the hook's
//!   args are `hook` then these), `stages`/`stage`, `cmds`/`cmd`,
//!   `annotations`/`annotation` (joined with `|` into one regex matched
//!   against the value of any annotation, so `[]` matches any container
//!   with an annotation), and `hasbindmounts`, any one of which is enough;
//!   any other version is an error naming the file;
//! - the checks come in containers/common's order: the JSON, the version,
//!   the fields' types, `hook.path` present, then the hook program looked
//!   up (a file whose program does not exist is skipped, whatever else is
//!   wrong with it later, and does not mask, unless `missing-hook-program
//!   = "refuse"`; a program that cannot be looked up for another reason is
//!   a fault), then every regex, `stages` present, each stage known;
//! - stages are used as written: `prestart` stays `prestart`.
//!
//! Where this module deliberately differs from containers/common:
//!
//! - Trust: a file not owned by root (or by the user running the tool) or
//!   writable by group or others is refused, as is a directory that is, a
//!   file larger than [`MAX_SOURCE_BYTES`], a hook whose `path` is not
//!   absolute and a `timeout` that is not positive.
//! - Extension stages (Podman's `precreate`) are refused as unknown stages.
//! - When the masking file is refused and `strict = false`, the masked file
//!   stays masked: the administrator meant to replace it.
//! - A stage listed twice, or the same hook (same path, args, env, timeout)
//!   from two sources at one stage, is added once: that is the shim's
//!   idempotence rule. containers/common adds it twice.

use crate::config::MissingHookProgram;
use crate::error::{io_fault, FileError};
use crate::godecode::{self, Json, StringList};
use crate::gokeys;
use crate::hook::{Hook, HookSet, Stage};
use crate::trust::{check_owner_and_mode, read_trusted, MAX_SOURCE_BYTES};
use crate::when::{AnnotationRule, Combine, Explanation, Facts, Pattern, When};
use std::borrow::Cow;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The schema version of a hook file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `"version": "1.0.0"`.
    V1_0_0,
    /// The legacy form; `declared` is false when `version` is missing.
    V0_1_0 { declared: bool },
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V1_0_0 => "1.0.0",
            Version::V0_1_0 { .. } => "0.1.0",
        }
    }
}

/// One hook file that was read and trusted.
#[derive(Debug, Clone)]
pub struct HookFile {
    /// The file as found in its directory (before following a symlink).
    pub path: PathBuf,
    pub version: Version,
    pub hook: Hook,
    pub when: When,
    /// The stages as written, duplicates included.
    pub stages: Vec<Stage>,
    /// Things that are accepted but are probably mistakes (unknown keys,
    /// conditions that never hold), each `field `F`: ...`.
    pub warnings: Vec<String>,
}

/// Whether a hook program exists, as containers/common looks it up
/// (following symlinks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Program {
    Found,
    /// It does not exist (or is a dangling symlink).
    Missing,
    /// It cannot be looked up (`not a directory`, `permission denied`):
    /// containers/common fails on this.
    Unreadable(String),
}

/// Looks up a hook program as containers/common does: `faccessat(F_OK)`,
/// following symlinks.
pub fn program(path: &str) -> Program {
    let Ok(c_path) = std::ffi::CString::new(path) else {
        return Program::Unreadable("the path holds a NUL byte".to_string());
    };
    // SAFETY: c_path is a valid NUL-terminated string for the call.
    let rc = unsafe { libc::faccessat(libc::AT_FDCWD, c_path.as_ptr(), libc::F_OK, 0) };
    if rc == 0 {
        return Program::Found;
    }
    let e = std::io::Error::last_os_error();
    if e.kind() == std::io::ErrorKind::NotFound {
        Program::Missing
    } else {
        Program::Unreadable(io_fault(&e))
    }
}

/// A hooks.d file skipped because its hook program does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingProgram {
    pub file: PathBuf,
    pub program: String,
}

impl MissingProgram {
    /// The fault when missing programs are refused.
    pub fn refused(&self) -> FileError {
        FileError::new(
            &self.file,
            format!(
                "field `hook.path`: {}: no such file or directory (missing-hook-program = \"refuse\")",
                self.program
            ),
        )
    }
}

/// A file that a file of the same name in a later directory masks.
#[derive(Debug, Clone)]
pub struct Masked {
    pub path: PathBuf,
    pub by: PathBuf,
    /// What the file would be if it were in effect, when
    /// [`Options::read_masked`] asked for it (`None` also when it
    /// vanished).
    pub read: Option<FileState>,
}

/// What one hook file is, once read.
#[derive(Debug, Clone)]
pub enum FileState {
    InEffect(HookFile),
    /// Skipped: its program does not exist.
    Missing(MissingProgram),
    Refused(FileError),
}

/// How [`load_with`] reads the directories.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub missing: MissingHookProgram,
    /// Read masked files too, to report their faults (for `validate`).
    pub read_masked: bool,
}

/// The hook files in effect, the masked ones and the refused ones.
#[derive(Debug, Default)]
pub struct Loaded {
    /// In application order.
    pub files: Vec<HookFile>,
    pub masked: Vec<Masked>,
    /// Refused directories and files, in the order met.
    pub errors: Vec<FileError>,
    /// Files skipped because their program does not exist.
    pub missing: Vec<MissingProgram>,
    /// Files in effect whose names are equal once lower-cased: their
    /// relative order is by exact name here, but undefined in
    /// containers/common, and they do not mask each other.
    pub collisions: Vec<(PathBuf, PathBuf)>,
}

/// Why a file was not read: the fault, and the hook program when the
/// fault comes after containers/common's program lookup (a missing
/// program then skips the file instead).
#[derive(Debug)]
struct Failure {
    error: FileError,
    program: Option<String>,
}

impl HookFile {
    /// Reads a hook file after the trust checks. `Ok(None)` when it does
    /// not exist (or is a dangling symlink).
    pub fn read(path: &Path) -> Result<Option<HookFile>, FileError> {
        read_file(path).map_err(|f| f.error)
    }

    /// Parses the text of a hook file; the error names the file and field.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<HookFile, FileError> {
        parse(path, bytes).map_err(|f| FileError::new(path, f.fault))
    }

    /// The file name, as text.
    pub fn name(&self) -> String {
        file_name(&self.path)
    }

    /// Whether the file's `when` conditions hold for this config.json.
    pub fn matches(&self, spec: &serde_json::Value) -> Result<bool, FileError> {
        self.matches_facts(&Facts::of(spec))
    }

    /// As [`HookFile::matches`], with the facts of config.json worked out
    /// once for every file.
    pub fn matches_facts(&self, facts: &Facts<'_>) -> Result<bool, FileError> {
        self.when
            .matches(facts)
            .map_err(|fault| FileError::new(&self.path, fault))
    }

    /// The same decision with every condition and its result.
    pub fn explain(&self, facts: &Facts<'_>) -> Explanation {
        self.when.explain(facts)
    }

    /// Compiles every regex that is compiled only when needed, returning
    /// the faults (regexes are checked when the file is read; this adds
    /// nothing unless a compile fails unexpectedly).
    pub fn check_patterns(&self) -> Vec<FileError> {
        self.when
            .patterns()
            .filter_map(|p| p.check().err())
            .map(|fault| FileError::new(&self.path, fault))
            .collect()
    }

    /// The file's hook at each of its stages.
    pub fn hook_set(&self) -> HookSet {
        let mut set = HookSet::new();
        for &stage in &self.stages {
            if !set.stage(stage).contains(&self.hook) {
                set.push(stage, self.hook.clone());
            }
        }
        set
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn read_file(path: &Path) -> Result<Option<HookFile>, Failure> {
    let bytes = read_trusted(path, MAX_SOURCE_BYTES).map_err(|error| Failure {
        error,
        program: None,
    })?;
    match bytes {
        None => Ok(None),
        Some(bytes) => parse(path, &bytes).map(Some).map_err(|f| Failure {
            error: FileError::new(path, f.fault),
            program: f.program,
        }),
    }
}

/// Reads the directories in order (later ones mask earlier ones) with the
/// default options; a missing directory is no error.
pub fn load(dirs: &[PathBuf]) -> Loaded {
    load_with(dirs, &Options::default())
}

/// Reads the directories in order (later ones mask earlier ones); a
/// missing directory is no error. Only the files in effect are read,
/// unless `options` asks for the masked ones too.
pub fn load_with(dirs: &[PathBuf], options: &Options) -> Loaded {
    let mut out = Loaded::default();
    // (sort key, exact name, directory index) of every hook file.
    let mut entries: Vec<(Vec<u8>, OsString, usize)> = Vec::new();
    for (d, dir) in dirs.iter().enumerate() {
        match list_dir(dir) {
            Ok(names) => entries.extend(names.into_iter().map(|n| (sort_key(&n), n, d))),
            Err(e) => out.errors.push(e),
        }
    }
    entries.sort_unstable();
    // Each name with its paths in directory order.
    let mut names: Vec<(Vec<u8>, Vec<PathBuf>)> = Vec::new();
    let mut last: Option<&OsString> = None;
    for (key, name, d) in &entries {
        let path = dirs.get(*d).map(|dir| dir.join(name)).unwrap_or_default();
        match (last == Some(name), names.last_mut()) {
            (true, Some((_, paths))) => paths.push(path),
            _ => names.push((key.clone(), vec![path])),
        }
        last = Some(name);
    }
    let mut in_effect: Vec<(Vec<u8>, PathBuf)> = Vec::new();
    for (key, candidates) in names {
        if let Some(winner) = pick(&candidates, options, &mut out) {
            for earlier in candidates.iter().take(winner) {
                let read = if options.read_masked {
                    examine(earlier, options)
                } else {
                    None
                };
                out.masked.push(Masked {
                    path: earlier.clone(),
                    by: candidates.get(winner).cloned().unwrap_or_default(),
                    read,
                });
            }
            if let Some(path) = candidates.get(winner) {
                in_effect.push((key, path.clone()));
            }
        }
    }
    for pair in in_effect.windows(2) {
        if let [a, b] = pair {
            if a.0 == b.0 {
                out.collisions.push((a.1.clone(), b.1.clone()));
            }
        }
    }
    out
}

/// Decides which of the files of one name is in effect, from the last
/// directory back: a file that cannot be found, or is skipped for a
/// missing program, leaves the earlier one in effect. Records the file
/// (or its fault) in `out`; returns the index of the one that masks the
/// earlier ones, if any.
fn pick(candidates: &[PathBuf], options: &Options, out: &mut Loaded) -> Option<usize> {
    for (idx, path) in candidates.iter().enumerate().rev() {
        match examine(path, options) {
            None => continue,
            Some(FileState::Missing(m)) => out.missing.push(m),
            Some(FileState::Refused(e)) => {
                out.errors.push(e);
                return Some(idx);
            }
            Some(FileState::InEffect(file)) => {
                out.files.push(file);
                return Some(idx);
            }
        }
    }
    None
}

/// Reads one hook file as it would be if it were in effect; `None` when
/// it does not exist (or is a dangling symlink).
pub fn read_state(path: &Path, options: &Options) -> Option<FileState> {
    examine(path, options)
}

/// Reads one hook file, looks its program up, and decides what the file
/// is; `None` when it vanished (or is a dangling symlink).
fn examine(path: &Path, options: &Options) -> Option<FileState> {
    let missing = |prog: String| {
        let m = MissingProgram {
            file: path.to_path_buf(),
            program: prog,
        };
        match options.missing {
            MissingHookProgram::Skip => FileState::Missing(m),
            MissingHookProgram::Refuse => FileState::Refused(m.refused()),
        }
    };
    let unreadable = |prog: &str, fault: String| {
        FileState::Refused(FileError::new(
            path,
            format!("field `hook.path`: {prog}: {fault}"),
        ))
    };
    Some(match read_file(path) {
        Ok(None) => return None,
        Err(Failure {
            error,
            program: Some(prog),
        }) => match program(&prog) {
            Program::Missing => missing(prog),
            Program::Unreadable(fault) => unreadable(&prog, fault),
            Program::Found => FileState::Refused(error),
        },
        Err(Failure {
            error,
            program: None,
        }) => FileState::Refused(error),
        Ok(Some(file)) => match program(&file.hook.path) {
            Program::Found => FileState::InEffect(file),
            Program::Missing => missing(file.hook.path),
            Program::Unreadable(fault) => unreadable(&file.hook.path, fault),
        },
    })
}

/// The `*.json` names of a directory; `[]` when it does not exist.
fn list_dir(dir: &Path) -> Result<Vec<OsString>, FileError> {
    let meta = match std::fs::metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(FileError::io(dir, &e)),
    };
    if !meta.is_dir() {
        return Err(FileError::new(dir, "hooks directory is not a directory"));
    }
    check_owner_and_mode(&meta)
        .map_err(|fault| FileError::new(dir, format!("hooks directory {fault}")))?;
    let entries = std::fs::read_dir(dir).map_err(|e| FileError::io(dir, &e))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| FileError::io(dir, &e))?;
        let name = entry.file_name();
        if is_hook_file_name(&name) {
            names.push(name);
        }
    }
    Ok(names)
}

/// Whether a directory entry is read as a hook file: its name ends in
/// `.json` (case matters, as in containers/common).
pub fn is_hook_file_name(name: &OsStr) -> bool {
    name.as_bytes().ends_with(b".json")
}

/// The name as Go's `strings.ToLower` makes it, which orders files: each
/// character mapped to its simple lower case, each byte that is not UTF-8
/// replaced by U+FFFD.
pub fn sort_key(name: &OsStr) -> Vec<u8> {
    let mut out = String::with_capacity(name.len());
    let mut rest = name.as_bytes();
    while !rest.is_empty() {
        let (valid, skip) = match std::str::from_utf8(rest) {
            Ok(s) => (s, 0),
            Err(e) => (
                std::str::from_utf8(rest.get(..e.valid_up_to()).unwrap_or_default())
                    .unwrap_or_default(),
                e.error_len().unwrap_or(rest.len() - e.valid_up_to()),
            ),
        };
        for c in valid.chars() {
            // Simple lower case: the first character of the full mapping
            // (U+0130 alone has a longer one, and its simple one is `i`).
            out.push(c.to_lowercase().next().unwrap_or(c));
        }
        for _ in 0..skip {
            out.push('\u{FFFD}');
        }
        rest = rest.get(valid.len() + skip..).unwrap_or_default();
    }
    out.into_bytes()
}

// ---- decoding, as containers/common's structs receive the JSON ----

/// A parse fault, and the hook program when the fault comes after the
/// point where containers/common looks the program up.
struct ParseFailure {
    fault: String,
    program: Option<String>,
}

impl From<String> for ParseFailure {
    fn from(fault: String) -> ParseFailure {
        ParseFailure {
            fault,
            program: None,
        }
    }
}

/// The keys of one object given to struct fields as Go's decoder gives
/// them; unknown and miscased keys are noted for warnings.
struct Keys<'w> {
    prefix: &'static str,
    warnings: &'w mut Vec<String>,
}

impl Keys<'_> {
    fn each<'j, 'a>(
        &mut self,
        members: &'j [(Cow<'a, str>, Json<'a>)],
        fields: &[&'static str],
        hint: impl Fn(&str) -> Option<&'static str>,
        mut decode: impl FnMut(&'static str, &'j Json<'a>) -> Result<(), String>,
    ) -> Result<(), String> {
        for (key, value) in members {
            match gokeys::field_for(fields, key) {
                Some(field) => {
                    if field != key {
                        self.warnings.push(format!(
                            "field `{}{key}`: read as `{}{field}`, as Podman and CRI-O read it (the format spells it `{field}`)",
                            self.prefix, self.prefix
                        ));
                    }
                    decode(field, value)?;
                }
                None => self.warnings.push(unknown_key_warning(
                    &format!("{}{key}", self.prefix),
                    hint(key),
                )),
            }
        }
        Ok(())
    }
}

fn unknown_key_warning(field: &str, hint: Option<&str>) -> String {
    match hint {
        Some(h) => format!("field `{field}`: unknown key, ignored ({h})"),
        None => format!("field `{field}`: unknown key, ignored"),
    }
}

fn parse(path: &Path, bytes: &[u8]) -> Result<HookFile, ParseFailure> {
    let value = godecode::parse(bytes)?;
    let top = match &value {
        Json::Object(m) => m.as_slice(),
        // Go decodes `null` into an empty struct.
        Json::Null => &[],
        other => {
            return Err(format!("expected a JSON object, found {}", other.kind()).into());
        }
    };
    // Go reads `version` first, on its own (any spelling).
    let mut version = String::new();
    for (key, v) in top {
        if gokeys::field_for(&["version"], key).is_some() {
            godecode::string_into(&mut version, v, "version")?;
        }
    }
    match version.as_str() {
        "1.0.0" => parse_1_0_0(path, top),
        "" | "0.1.0" => parse_0_1_0(path, top, !version.is_empty()),
        other => Err(format!(
            "field `version`: unrecognized hook version {other:?} (expected \"1.0.0\", or \"0.1.0\" for the legacy form)"
        )
        .into()),
    }
}

/// Keys of the 1.0.0 form that people carry over from elsewhere, and where
/// they belong.
fn hint_1_0_0(key: &str) -> Option<&'static str> {
    Some(match key.to_ascii_lowercase().as_str() {
        "stage" => "a 1.0.0 file spells it `stages`",
        "cmd" | "cmds" | "command" | "commands" => "commands go in `when.commands`",
        "annotation" | "annotations" => "annotations go in `when.annotations`",
        "hasbindmounts" => "it goes in `when.hasBindMounts`",
        "always" => "it goes in `when.always`",
        "arguments" | "args" => "arguments go in `hook.args`",
        _ => return None,
    })
}

#[derive(Default)]
struct RawHook {
    path: String,
    args: StringList,
    env: StringList,
    timeout: Option<i64>,
}

#[derive(Default)]
struct RawWhen {
    always: Option<bool>,
    annotations: Option<Vec<(String, String)>>,
    commands: StringList,
    has_bind_mounts: Option<bool>,
}

fn decode_hook(
    members: &[(Cow<'_, str>, Json<'_>)],
    raw: &mut RawHook,
    warnings: &mut Vec<String>,
) -> Result<(), String> {
    let mut keys = Keys {
        prefix: "hook.",
        warnings,
    };
    keys.each(
        members,
        &["path", "args", "env", "timeout"],
        |key| match key.to_ascii_lowercase().as_str() {
            "arguments" | "argv" => {
                Some("arguments go in `hook.args`, starting with the program name")
            }
            _ => None,
        },
        |field, v| match field {
            "path" => godecode::string_into(&mut raw.path, v, "hook.path"),
            "args" => raw.args.decode(v, "hook.args"),
            "env" => raw.env.decode(v, "hook.env"),
            _ => godecode::opt_int_into(&mut raw.timeout, v, "hook.timeout"),
        },
    )
}

fn decode_when(
    members: &[(Cow<'_, str>, Json<'_>)],
    raw: &mut RawWhen,
    warnings: &mut Vec<String>,
) -> Result<(), String> {
    let mut keys = Keys {
        prefix: "when.",
        warnings,
    };
    keys.each(
        members,
        &["always", "annotations", "commands", "hasBindMounts"],
        |key| match key.to_ascii_lowercase().as_str() {
            "command" | "cmd" | "cmds" => Some("the condition is `commands`, a list of regexes"),
            "annotation" => {
                Some("the condition is `annotations`, an object of key regex to value regex")
            }
            "or" | "any" => Some("every condition of a 1.0.0 `when` must hold"),
            _ => None,
        },
        |field, v| match field {
            "always" => godecode::opt_bool_into(&mut raw.always, v, "when.always"),
            "annotations" => godecode::string_map_into(&mut raw.annotations, v, "when.annotations"),
            "commands" => raw.commands.decode(v, "when.commands"),
            _ => godecode::opt_bool_into(&mut raw.has_bind_mounts, v, "when.hasBindMounts"),
        },
    )
}

/// The hook after `hook.path` is known: containers/common's required
/// path, then this tool's absolute path and positive timeout.
fn checked_hook(hook: Hook, path_field: &str) -> Result<Hook, String> {
    if hook.path.is_empty() {
        return Err(format!(
            "field `{path_field}`: missing (the program to run)"
        ));
    }
    hook.check().map_err(|fault| {
        let fault = fault.replace("field `path`", &format!("field `{path_field}`"));
        match path_field {
            "hook" => fault,
            _ => fault.replace("field `timeout`", "field `hook.timeout`"),
        }
    })?;
    Ok(hook)
}

fn parse_1_0_0(path: &Path, top: &[(Cow<'_, str>, Json<'_>)]) -> Result<HookFile, ParseFailure> {
    let mut warnings = Vec::new();
    let mut raw_hook = RawHook::default();
    let mut raw_when = RawWhen::default();
    let mut stages = StringList::default();
    let mut saw_when = false;
    let mut saw_hook = false;
    {
        let mut keys = Keys {
            prefix: "",
            warnings: &mut warnings,
        };
        let mut nested = Vec::new();
        keys.each(
            top,
            &["version", "hook", "when", "stages"],
            hint_1_0_0,
            |field, v| match field {
                "version" => Ok(()),
                "hook" => {
                    saw_hook |= !matches!(v, Json::Null);
                    decode_hook(godecode::members(v, "hook")?, &mut raw_hook, &mut nested)
                }
                "when" => {
                    saw_when |= !matches!(v, Json::Null);
                    decode_when(godecode::members(v, "when")?, &mut raw_when, &mut nested)
                }
                _ => stages.decode(v, "stages"),
            },
        )?;
        warnings.extend(nested);
    }
    if raw_hook.path.is_empty() && !saw_hook {
        return Err(
            "field `hook`: missing (the hook to inject: {\"path\": ...})"
                .to_string()
                .into(),
        );
    }
    let hook = checked_hook(
        Hook {
            path: raw_hook.path,
            args: raw_hook.args.into_vec(),
            env: raw_hook.env.into_vec(),
            timeout: raw_hook.timeout,
        },
        "hook.path",
    )?;
    // containers/common looks the program up here; what follows fails
    // only for a file whose program exists.
    let after = |fault: String| ParseFailure {
        fault,
        program: Some(hook.path.clone()),
    };
    let mut annotations = Vec::new();
    for (key, value) in raw_when.annotations.iter().flatten() {
        let field = format!("when.annotations[{key:?}]");
        annotations.push(AnnotationRule {
            key: Pattern::new(key.clone(), format!("{field} (key)")).map_err(after)?,
            value: Pattern::new(value.clone(), field).map_err(after)?,
        });
    }
    let mut commands = Vec::new();
    for (i, c) in raw_when
        .commands
        .get()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        commands.push(Pattern::new(c.clone(), format!("when.commands[{i}]")).map_err(after)?);
    }
    let Some(stage_names) = stages.get() else {
        return Err(after(
            "field `stages`: missing (a list of hook stages)".to_string(),
        ));
    };
    let stages = parse_stages(stage_names, "stages").map_err(after)?;
    let when = When {
        always: raw_when.always,
        has_bind_mounts: raw_when.has_bind_mounts,
        annotations,
        commands,
        combine: Combine::All,
    };
    if !saw_when {
        warnings.push("field `when`: missing: this hook never matches (add \"when\": {\"always\": true} to match every container)".to_string());
    } else if when.is_empty() {
        warnings.push("field `when`: no condition: this hook never matches (add \"always\": true to match every container)".to_string());
    }
    if when.always == Some(false) {
        warnings.push("field `when.always`: false: this hook never matches".to_string());
    }
    if when.has_bind_mounts == Some(false) {
        warnings.push("field `when.hasBindMounts`: false never holds, so this hook never matches (remove the condition to ignore bind mounts)".to_string());
    }
    if stages.is_empty() {
        warnings.push("field `stages`: empty: this hook is never injected".to_string());
    }
    unanchored_warnings(&when, &mut warnings);
    Ok(HookFile {
        path: path.to_path_buf(),
        version: Version::V1_0_0,
        hook,
        when,
        stages,
        warnings,
    })
}

fn unanchored_warnings(when: &When, warnings: &mut Vec<String>) {
    for p in when.patterns() {
        // The key `.*` of a legacy annotation list is made up, not
        // written; an empty regex matches everything on purpose.
        if p.source == ".*" || p.source.is_empty() || p.is_anchored() {
            continue;
        }
        warnings.push(format!(
            "field `{}`: regex {:?} is not anchored: it matches any text that contains a match (write \"^...$\" to match the whole text)",
            p.field, p.source
        ));
    }
}

fn parse_stages(names: &[String], field: &str) -> Result<Vec<Stage>, String> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            Stage::from_name(name).ok_or_else(|| {
                let extension = if name == "precreate" {
                    " (a Podman extension stage, not supported here)"
                } else {
                    ""
                };
                format!(
                    "field `{field}[{i}]`: unknown hook stage {name:?}{extension} (expected one of {})",
                    Stage::ALL.map(|s| s.as_str()).join(", ")
                )
            })
        })
        .collect()
}

#[derive(Default)]
struct Raw010 {
    hook: Option<String>,
    arguments: StringList,
    stages: StringList,
    stage: StringList,
    cmds: StringList,
    cmd: StringList,
    annotations: StringList,
    annotation: StringList,
    has_bind_mounts: Option<bool>,
}

/// Takes the one of two synonyms that is set; both set is an error, as in
/// containers/common.
fn synonym<'a>(
    plural: &'a StringList,
    singular: &'a StringList,
    names: (&'static str, &'static str),
) -> Result<Option<(&'a [String], &'static str)>, String> {
    match (plural.get(), singular.get()) {
        (Some(_), Some(_)) => Err(format!(
            "fields `{}` and `{}`: cannot set both (they are synonyms)",
            names.0, names.1
        )),
        (Some(p), None) => Ok(Some((p, names.0))),
        (None, Some(s)) => Ok(Some((s, names.1))),
        (None, None) => Ok(None),
    }
}

fn parse_0_1_0(
    path: &Path,
    top: &[(Cow<'_, str>, Json<'_>)],
    declared: bool,
) -> Result<HookFile, ParseFailure> {
    let mut warnings = Vec::new();
    if !declared {
        warnings.push("field `version`: missing: read as the legacy 0.1.0 form (write \"version\": \"1.0.0\" for the current one)".to_string());
    }
    let mut raw = Raw010::default();
    let mut hook_is_object = false;
    Keys {
        prefix: "",
        warnings: &mut warnings,
    }
    .each(
        top,
        &[
            "version",
            "hook",
            "arguments",
            "stages",
            "stage",
            "cmds",
            "cmd",
            "annotations",
            "annotation",
            "hasbindmounts",
        ],
        |key| match key.to_ascii_lowercase().as_str() {
            "command" | "commands" => Some("the 0.1.0 form spells it `cmds`"),
            "when" => Some("`when` belongs to the 1.0.0 form: add \"version\": \"1.0.0\""),
            "args" => Some("the 0.1.0 form spells it `arguments`"),
            _ => None,
        },
        |field, v| match field {
            // Read already; no field of the 0.1.0 struct.
            "version" => Ok(()),
            "hook" => {
                hook_is_object = matches!(v, Json::Object(_));
                godecode::opt_string_into(&mut raw.hook, v, "hook")
            }
            "arguments" => raw.arguments.decode(v, "arguments"),
            "stages" => raw.stages.decode(v, "stages"),
            "stage" => raw.stage.decode(v, "stage"),
            "cmds" => raw.cmds.decode(v, "cmds"),
            "cmd" => raw.cmd.decode(v, "cmd"),
            "annotations" => raw.annotations.decode(v, "annotations"),
            "annotation" => raw.annotation.decode(v, "annotation"),
            _ => godecode::opt_bool_into(&mut raw.has_bind_mounts, v, "hasbindmounts"),
        },
    )
    .map_err(|fault| {
        if hook_is_object && !declared {
            "field `hook`: expected a string (the legacy 0.1.0 form, read because `version` is missing), found an object: add \"version\": \"1.0.0\"".to_string()
        } else {
            fault
        }
    })?;
    let Some(hook_path) = raw.hook.clone() else {
        return Err("field `hook`: missing (the path of the hook program)"
            .to_string()
            .into());
    };
    let stage_names = match synonym(&raw.stages, &raw.stage, ("stages", "stage"))? {
        None => {
            return Err("field `stages`: missing (a list of hook stages)"
                .to_string()
                .into())
        }
        Some(s) => s,
    };
    let commands_src = synonym(&raw.cmds, &raw.cmd, ("cmds", "cmd"))?;
    let annotations_src = synonym(
        &raw.annotations,
        &raw.annotation,
        ("annotations", "annotation"),
    )?;
    let args = raw.arguments.get().map(|a| {
        let mut args = vec![hook_path.clone()];
        args.extend(a.iter().cloned());
        args
    });
    let hook = checked_hook(
        Hook {
            path: hook_path,
            args,
            env: None,
            timeout: None,
        },
        "hook",
    )?;
    let after = |fault: String| ParseFailure {
        fault,
        program: Some(hook.path.clone()),
    };
    // containers/common turns the list into one rule: any annotation key,
    // a value matching the entries joined with `|` (so `(?i)` in one
    // entry applies to the rest, and `[]` is the empty regex).
    let mut annotations = Vec::new();
    if let Some((list, field)) = annotations_src {
        let joined = list.join("|");
        annotations.push(AnnotationRule {
            key: Pattern::new(".*", format!("{field} (any key)")).map_err(after)?,
            value: Pattern::new(joined, format!("{field} (joined with |)")).map_err(after)?,
        });
    }
    let mut commands = Vec::new();
    if let Some((list, field)) = commands_src {
        for (i, c) in list.iter().enumerate() {
            commands.push(Pattern::new(c.clone(), format!("{field}[{i}]")).map_err(after)?);
        }
    }
    let stages = parse_stages(stage_names.0, stage_names.1).map_err(after)?;
    if stages.is_empty() {
        warnings.push("field `stages`: empty: this hook is never injected".to_string());
    }
    let when = When {
        always: None,
        has_bind_mounts: raw.has_bind_mounts,
        annotations,
        commands,
        combine: Combine::Any,
    };
    if raw.has_bind_mounts == Some(false) {
        warnings.push("field `hasbindmounts`: false has no effect (any one condition of the 0.1.0 form is enough)".to_string());
    }
    if let Some((list, field)) = annotations_src {
        if list.is_empty() {
            warnings.push(format!("field `{field}`: an empty list matches every container that has an annotation, as Podman and CRI-O read it (remove the key for no condition)"));
        }
    }
    let effective = when.has_bind_mounts == Some(true)
        || !when.annotations.is_empty()
        || !when.commands.is_empty();
    if !effective {
        warnings.push("no condition (`cmds`, `annotations` or `hasbindmounts: true`): this hook never matches".to_string());
    }
    unanchored_warnings(&when, &mut warnings);
    Ok(HookFile {
        path: path.to_path_buf(),
        version: Version::V0_1_0 { declared },
        hook,
        when,
        stages,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_key_is_go_lower_case() {
        let key = |s: &[u8]| String::from_utf8(sort_key(OsStr::from_bytes(s))).unwrap();
        assert_eq!(key(b"10-A.json"), "10-a.json");
        // Simple lower case: U+0130 is `i`, a final sigma stays sigma.
        assert_eq!(key("İ.json".as_bytes()), "i.json");
        assert_eq!(key("ΑΣ.json".as_bytes()), "ασ.json");
        assert_eq!(key(b"a\xffb.json"), "a\u{FFFD}b.json");
    }
}

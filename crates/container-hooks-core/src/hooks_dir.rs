//! oci-hooks(5) directories: one hook per `*.json` file, with conditions.
//!
//! The same files that Podman and CRI-O read (containers/common,
//! `pkg/hooks`), read the same way:
//!
//! - only names ending in `.json` are read (a symlink is judged by the file
//!   it points to; a dangling one is skipped, as containers/common does);
//! - a file in a later directory masks the file of the same name in an
//!   earlier one; a missing directory is no error;
//! - files apply in the order of their lower-cased names (Unicode code
//!   points), then by name when two names differ only in case;
//! - version `1.0.0` (`hook` {path, args, env, timeout}, `when`, `stages`),
//!   and the legacy `0.1.0` form (also read when `version` is missing or
//!   empty): `hook` (the path), `arguments` (the hook's args are `hook`
//!   then these), `stages`/`stage`, `cmds`/`cmd`, `annotations`/
//!   `annotation` (regexes matched against annotation values), and
//!   `hasbindmounts`, any one of which is enough. Any other version is an
//!   error naming the file;
//! - keys are matched as Go's encoding/json matches them: the exact name,
//!   else a case-insensitive one; the last of two spellings wins; `null` is
//!   the same as a missing key; unknown keys are ignored (and reported by
//!   `ctk hooks validate`);
//! - stages are used as written: `prestart` stays `prestart`.
//!
//! Where this module deliberately differs from containers/common:
//!
//! - Trust: a file not owned by root (or by the user running the tool) or
//!   writable by group or others is refused, as is a directory that is, a
//!   file larger than [`MAX_SOURCE_BYTES`], a hook whose `path` is not
//!   absolute and a `timeout` that is not positive.
//! - The hook's program is not looked up when the file is read
//!   (containers/common refuses a file whose `hook.path` does not exist):
//!   the runtime reports a missing program when it runs the hook, and
//!   `ctk hooks validate` warns about it.
//! - Extension stages (Podman's `precreate`) are refused as unknown stages.
//! - Order: containers/common sorts names with a Unicode collator ignoring
//!   case and width for the process's language, which can order
//!   punctuation differently (`_` against `-`); the oci-hooks(5) rule used
//!   here is lower-case, then code points. Names that start with an ASCII
//!   number prefix sort the same either way.
//! - When the masking file is refused and `strict = false`, the masked file
//!   stays masked: the administrator meant to replace it.
//! - A stage listed twice, or the same hook (same path, args, env, timeout)
//!   from two sources at one stage, is added once: that is the shim's
//!   idempotence rule. containers/common adds it twice.

use crate::error::{json_fault, FileError};
use crate::hook::{Hook, HookSet, Stage};
use crate::trust::{check_owner_and_mode, read_trusted, MAX_SOURCE_BYTES};
use crate::when::{AnnotationRule, Combine, Explanation, Facts, Pattern, When};
use serde_json::{Map, Value};
use std::collections::HashMap;
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

/// A file that a file of the same name in a later directory masks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Masked {
    pub path: PathBuf,
    pub by: PathBuf,
}

/// The hook files in effect, the masked ones and the refused ones.
#[derive(Debug, Default)]
pub struct Loaded {
    /// In application order.
    pub files: Vec<HookFile>,
    pub masked: Vec<Masked>,
    /// Refused directories and files, in the order met.
    pub errors: Vec<FileError>,
    /// Files in effect whose names are equal once lower-cased: their
    /// relative order is by exact name here, but undefined in
    /// containers/common, and they do not mask each other.
    pub collisions: Vec<(PathBuf, PathBuf)>,
}

impl HookFile {
    /// Reads a hook file after the trust checks. `Ok(None)` when it does
    /// not exist (or is a dangling symlink).
    pub fn read(path: &Path) -> Result<Option<HookFile>, FileError> {
        match read_trusted(path, MAX_SOURCE_BYTES)? {
            None => Ok(None),
            Some(bytes) => HookFile::parse(path, &bytes).map(Some),
        }
    }

    /// Parses the text of a hook file; the error names the file and field.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<HookFile, FileError> {
        parse(path, bytes).map_err(|fault| FileError::new(path, fault))
    }

    /// The file name, as text.
    pub fn name(&self) -> String {
        file_name(&self.path)
    }

    /// Whether the file's `when` conditions hold for this config.json.
    pub fn matches(&self, spec: &Value) -> Result<bool, FileError> {
        self.matches_facts(&Facts::of(spec))
    }

    /// As [`HookFile::matches`], with the facts of config.json worked out
    /// once for every file.
    pub fn matches_facts(&self, facts: &Facts<'_>) -> Result<bool, FileError> {
        self.when
            .matches(facts)
            .map_err(|fault| FileError::new(&self.path, fault))
    }

    /// Every condition with its result, for a preview.
    pub fn explain(&self, facts: &Facts<'_>) -> Explanation {
        self.when.explain(facts)
    }

    /// Compiles every regex of the file, returning the faults.
    pub fn check_patterns(&self) -> Vec<FileError> {
        self.when
            .patterns()
            .filter_map(|p| p.regex().err())
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

/// Reads the directories in order (later ones mask earlier ones); a
/// missing directory is no error. Only the files in effect are read.
pub fn load(dirs: &[PathBuf]) -> Loaded {
    let mut out = Loaded::default();
    // Exact file name -> every path with that name, in directory order.
    let mut by_name: HashMap<OsString, Vec<PathBuf>> = HashMap::new();
    for dir in dirs {
        match list_dir(dir) {
            Ok(names) => {
                for name in names {
                    let path = dir.join(&name);
                    by_name.entry(name).or_default().push(path);
                }
            }
            Err(e) => out.errors.push(e),
        }
    }
    let mut winners: Vec<(Vec<u8>, OsString, PathBuf)> = Vec::with_capacity(by_name.len());
    for (name, mut paths) in by_name {
        let Some(winner) = paths.pop() else { continue };
        for path in paths {
            out.masked.push(Masked {
                path,
                by: winner.clone(),
            });
        }
        winners.push((sort_key(&name), name, winner));
    }
    winners.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    out.masked
        .sort_by(|a, b| (&a.by, &a.path).cmp(&(&b.by, &b.path)));
    for pair in winners.windows(2) {
        if let [a, b] = pair {
            if a.0 == b.0 {
                out.collisions.push((a.2.clone(), b.2.clone()));
            }
        }
    }
    for (_, _, path) in winners {
        match HookFile::read(&path) {
            Ok(Some(file)) => out.files.push(file),
            Ok(None) => {}
            Err(e) => out.errors.push(e),
        }
    }
    out
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

/// The lower-cased name used to order files.
pub fn sort_key(name: &OsStr) -> Vec<u8> {
    match name.to_str() {
        Some(s) => s.to_lowercase().into_bytes(),
        None => name.as_bytes().to_ascii_lowercase(),
    }
}

// ---- parsing ----

/// The fields of one JSON object, looked up as Go's encoding/json does.
struct Fields<'a> {
    found: HashMap<&'static str, &'a Value>,
    /// Keys that are no field: (key, where).
    unknown: Vec<String>,
    /// Keys accepted in another case: (as written, field).
    miscased: Vec<(String, &'static str)>,
}

impl<'a> Fields<'a> {
    fn of(obj: &'a Map<String, Value>, known: &[&'static str]) -> Fields<'a> {
        let mut f = Fields {
            found: HashMap::new(),
            unknown: Vec::new(),
            miscased: Vec::new(),
        };
        for (key, value) in obj {
            let field = known
                .iter()
                .find(|k| **k == key.as_str())
                .or_else(|| known.iter().find(|k| k.eq_ignore_ascii_case(key)));
            match field {
                Some(&field) => {
                    if field != key.as_str() {
                        f.miscased.push((key.clone(), field));
                    }
                    f.found.insert(field, value);
                }
                None => f.unknown.push(key.clone()),
            }
        }
        f
    }

    /// The value of a field; `null` is the same as missing.
    fn get(&self, field: &str) -> Option<&'a Value> {
        self.found.get(field).copied().filter(|v| !v.is_null())
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn want_str<'a>(v: &'a Value, field: &str) -> Result<&'a str, String> {
    v.as_str()
        .ok_or_else(|| format!("field `{field}`: expected a string, found {}", type_name(v)))
}

fn want_bool(v: &Value, field: &str) -> Result<bool, String> {
    v.as_bool().ok_or_else(|| {
        format!(
            "field `{field}`: expected true or false, found {}",
            type_name(v)
        )
    })
}

fn want_strings(v: &Value, field: &str) -> Result<Vec<String>, String> {
    let Value::Array(items) = v else {
        return Err(format!(
            "field `{field}`: expected a list of strings, found {}",
            type_name(v)
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| want_str(item, &format!("{field}[{i}]")).map(str::to_string))
        .collect()
}

fn want_object<'a>(v: &'a Value, field: &str) -> Result<&'a Map<String, Value>, String> {
    v.as_object().ok_or_else(|| {
        format!(
            "field `{field}`: expected an object, found {}",
            type_name(v)
        )
    })
}

fn parse(path: &Path, bytes: &[u8]) -> Result<HookFile, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| json_fault(&e))?;
    let Value::Object(obj) = &value else {
        return Err(format!(
            "expected a JSON object, found {}",
            type_name(&value)
        ));
    };
    // Go reads `version` first, on its own (any case).
    let version = Fields::of(obj, &["version"]);
    let version = match version.get("version") {
        None => "",
        Some(v) => want_str(v, "version")?,
    };
    match version {
        "1.0.0" => parse_1_0_0(path, obj),
        "" | "0.1.0" => parse_0_1_0(path, obj, !version.is_empty()),
        other => Err(format!(
            "field `version`: unrecognized hook version {other:?} (expected \"1.0.0\", or \"0.1.0\" for the legacy form)"
        )),
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

fn unknown_key_warning(field: &str, hint: Option<&str>) -> String {
    match hint {
        Some(h) => format!("field `{field}`: unknown key, ignored ({h})"),
        None => format!("field `{field}`: unknown key, ignored"),
    }
}

fn parse_1_0_0(path: &Path, obj: &Map<String, Value>) -> Result<HookFile, String> {
    let top = Fields::of(obj, &["version", "hook", "when", "stages"]);
    let mut warnings = Vec::new();
    for key in &top.unknown {
        warnings.push(unknown_key_warning(key, hint_1_0_0(key)));
    }
    for (key, field) in &top.miscased {
        warnings.push(format!(
            "field `{key}`: read as `{field}` (keys are case-sensitive in the oci-hooks(5) format)"
        ));
    }
    let hook = match top.get("hook") {
        None => {
            return Err("field `hook`: missing (the hook to inject: {\"path\": ...})".to_string())
        }
        Some(v) => parse_hook(want_object(v, "hook")?, &mut warnings)?,
    };
    let when = match top.get("when") {
        None => {
            warnings.push("field `when`: missing: this hook never matches (add \"when\": {\"always\": true} to match every container)".to_string());
            When::default()
        }
        Some(v) => parse_when(want_object(v, "when")?, &mut warnings)?,
    };
    let stages = match top.get("stages") {
        None => return Err("field `stages`: missing (a list of hook stages)".to_string()),
        Some(v) => parse_stages(v, "stages")?,
    };
    if stages.is_empty() {
        warnings.push("field `stages`: empty: this hook is never injected".to_string());
    }
    Ok(HookFile {
        path: path.to_path_buf(),
        version: Version::V1_0_0,
        hook,
        when,
        stages,
        warnings,
    })
}

fn parse_hook(obj: &Map<String, Value>, warnings: &mut Vec<String>) -> Result<Hook, String> {
    let f = Fields::of(obj, &["path", "args", "env", "timeout"]);
    for key in &f.unknown {
        let hint = match key.to_ascii_lowercase().as_str() {
            "arguments" | "argv" => {
                Some("arguments go in `hook.args`, starting with the program name")
            }
            _ => None,
        };
        warnings.push(unknown_key_warning(&format!("hook.{key}"), hint));
    }
    for (key, field) in &f.miscased {
        warnings.push(format!("field `hook.{key}`: read as `hook.{field}` (keys are case-sensitive in the OCI format)"));
    }
    let path = match f.get("path") {
        None => return Err("field `hook.path`: missing".to_string()),
        Some(v) => want_str(v, "hook.path")?.to_string(),
    };
    let args = f
        .get("args")
        .map(|v| want_strings(v, "hook.args"))
        .transpose()?;
    let env = f
        .get("env")
        .map(|v| want_strings(v, "hook.env"))
        .transpose()?;
    let timeout = match f.get("timeout") {
        None => None,
        Some(v) => Some(v.as_i64().ok_or_else(|| {
            format!(
                "field `hook.timeout`: expected a whole number of seconds, found {}",
                match v {
                    Value::Number(n) => n.to_string(),
                    other => type_name(other).to_string(),
                }
            )
        })?),
    };
    let hook = Hook {
        path,
        args,
        env,
        timeout,
    };
    hook.check()
        .map_err(|fault| match fault.strip_prefix("field `") {
            Some(rest) => format!("field `hook.{rest}"),
            None => fault,
        })?;
    Ok(hook)
}

fn parse_when(obj: &Map<String, Value>, warnings: &mut Vec<String>) -> Result<When, String> {
    let f = Fields::of(obj, &["always", "annotations", "commands", "hasBindMounts"]);
    for key in &f.unknown {
        let hint = match key.to_ascii_lowercase().as_str() {
            "command" | "cmd" | "cmds" => Some("the condition is `commands`, a list of regexes"),
            "annotation" => {
                Some("the condition is `annotations`, an object of key regex to value regex")
            }
            "or" | "any" => Some("every condition of a 1.0.0 `when` must hold"),
            _ => None,
        };
        warnings.push(unknown_key_warning(&format!("when.{key}"), hint));
    }
    for (key, field) in &f.miscased {
        warnings.push(format!("field `when.{key}`: read as `when.{field}` (keys are case-sensitive in the oci-hooks(5) format)"));
    }
    let always = f
        .get("always")
        .map(|v| want_bool(v, "when.always"))
        .transpose()?;
    let has_bind_mounts = f
        .get("hasBindMounts")
        .map(|v| want_bool(v, "when.hasBindMounts"))
        .transpose()?;
    let mut annotations = Vec::new();
    if let Some(v) = f.get("annotations") {
        for (key, value) in want_object(v, "when.annotations")? {
            let field = format!("when.annotations[{key:?}]");
            let value = want_str(value, &field)?;
            annotations.push(AnnotationRule {
                key: Pattern::new(key.clone(), format!("{field} (key)")),
                value: Pattern::new(value, field),
            });
        }
    }
    let commands = match f.get("commands") {
        None => Vec::new(),
        Some(v) => want_strings(v, "when.commands")?
            .into_iter()
            .enumerate()
            .map(|(i, c)| Pattern::new(c, format!("when.commands[{i}]")))
            .collect(),
    };
    let when = When {
        always,
        annotations,
        commands,
        has_bind_mounts,
        combine: Combine::All,
    };
    if when.is_empty() {
        warnings.push("field `when`: no condition: this hook never matches (add \"always\": true to match every container)".to_string());
    }
    if always == Some(false) {
        warnings.push("field `when.always`: false: this hook never matches".to_string());
    }
    if has_bind_mounts == Some(false) {
        warnings.push("field `when.hasBindMounts`: false never holds, so this hook never matches (remove the condition to ignore bind mounts)".to_string());
    }
    unanchored_warnings(&when, warnings);
    Ok(when)
}

fn unanchored_warnings(when: &When, warnings: &mut Vec<String>) {
    for p in when.patterns() {
        // The key `.*` of a legacy annotation is made up, not written.
        if p.source == ".*" || p.is_anchored() {
            continue;
        }
        warnings.push(format!(
            "field `{}`: regex {:?} is not anchored: it matches any text that contains a match (write \"^...$\" to match the whole text)",
            p.field, p.source
        ));
    }
}

fn parse_stages(v: &Value, field: &str) -> Result<Vec<Stage>, String> {
    let names = want_strings(v, field)?;
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

/// Takes the one of two synonyms that is set; both set is an error, as in
/// containers/common.
fn synonym<'a>(f: &Fields<'a>, plural: &str, singular: &str) -> Result<Option<&'a Value>, String> {
    match (f.get(plural), f.get(singular)) {
        (Some(_), Some(_)) => Err(format!(
            "fields `{plural}` and `{singular}`: cannot set both (they are synonyms)"
        )),
        (Some(v), None) => Ok(Some(v)),
        (None, v) => Ok(v),
    }
}

fn parse_0_1_0(path: &Path, obj: &Map<String, Value>, declared: bool) -> Result<HookFile, String> {
    let f = Fields::of(
        obj,
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
    );
    let mut warnings = Vec::new();
    if !declared {
        warnings.push("field `version`: missing: read as the legacy 0.1.0 form (write \"version\": \"1.0.0\" for the current one)".to_string());
    }
    for key in &f.unknown {
        let hint = match key.to_ascii_lowercase().as_str() {
            "command" | "commands" => Some("the 0.1.0 form spells it `cmds`"),
            "when" => Some("`when` belongs to the 1.0.0 form: add \"version\": \"1.0.0\""),
            "args" => Some("the 0.1.0 form spells it `arguments`"),
            _ => None,
        };
        warnings.push(unknown_key_warning(key, hint));
    }
    let path_str = match f.get("hook") {
        None => return Err("field `hook`: missing (the path of the hook program)".to_string()),
        Some(Value::Object(_)) if !declared => {
            return Err("field `hook`: expected a string (the legacy 0.1.0 form, read because `version` is missing), found an object: add \"version\": \"1.0.0\"".to_string())
        }
        Some(v) => want_str(v, "hook")?.to_string(),
    };
    let stages = match synonym(&f, "stages", "stage")? {
        None => return Err("field `stages`: missing (a list of hook stages)".to_string()),
        Some(v) => {
            let field = if f.get("stages").is_some() {
                "stages"
            } else {
                "stage"
            };
            parse_stages(v, field)?
        }
    };
    if stages.is_empty() {
        warnings.push("field `stages`: empty: this hook is never injected".to_string());
    }
    let args = match f.get("arguments") {
        None => None,
        Some(v) => {
            let mut args = vec![path_str.clone()];
            args.extend(want_strings(v, "arguments")?);
            Some(args)
        }
    };
    let hook = Hook {
        path: path_str,
        args,
        env: None,
        timeout: None,
    };
    hook.check()
        .map_err(|fault| match fault.strip_prefix("field `path`") {
            Some(rest) => format!("field `hook`{rest}"),
            None => fault,
        })?;
    let commands = match synonym(&f, "cmds", "cmd")? {
        None => Vec::new(),
        Some(v) => {
            let field = if f.get("cmds").is_some() {
                "cmds"
            } else {
                "cmd"
            };
            want_strings(v, field)?
                .into_iter()
                .enumerate()
                .map(|(i, c)| Pattern::new(c, format!("{field}[{i}]")))
                .collect()
        }
    };
    // containers/common turns the list into one rule: any annotation key,
    // a value matching one of the regexes.
    let annotations = match synonym(&f, "annotations", "annotation")? {
        None => Vec::new(),
        Some(v) => {
            let field = if f.get("annotations").is_some() {
                "annotations"
            } else {
                "annotation"
            };
            want_strings(v, field)?
                .into_iter()
                .enumerate()
                .map(|(i, a)| AnnotationRule {
                    key: Pattern::new(".*", format!("{field}[{i}] (key)")),
                    value: Pattern::new(a, format!("{field}[{i}]")),
                })
                .collect()
        }
    };
    let has_bind_mounts = f
        .get("hasbindmounts")
        .map(|v| want_bool(v, "hasbindmounts"))
        .transpose()?;
    let when = When {
        always: None,
        annotations,
        commands,
        has_bind_mounts,
        combine: Combine::Any,
    };
    if has_bind_mounts == Some(false) {
        warnings.push("field `hasbindmounts`: false has no effect (any one condition of the 0.1.0 form is enough)".to_string());
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

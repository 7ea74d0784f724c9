//! oci-hooks(5) directories: one hook per `*.json` file, with conditions.
//!
//! The same files that Podman and CRI-O read (containers/common,
//! `pkg/hooks`), read the same way:
//!
//! - only names ending in `.json` are read (case matters: not `x.JSON`,
//!   nor `x.json.bak`), hidden ones included (a symlink is judged by the
//!   file it points to); a file that vanished or a dangling symlink (such
//!   as an editor's `.#x.json` lock) is skipped and does not mask;
//!   `ctk hooks validate` and `list` name the other entries ([`Ignored`]);
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
//!   a fault), then every regex, `stages` present, each stage known. The
//!   shim stops at the first fault ([`load_with`]); `ctk hooks validate`
//!   goes on to name every fault and warning ([`load_every_fault`]), with
//!   the nearest stage or key for a misspelled one;
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
use crate::findings::{Findings, Stop};
use crate::godecode::{self, Json, StringList};
use crate::gokeys;
use crate::hook::{Hook, HookFault, HookSet, Stage};
use crate::suggest;
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
    /// conditions that never hold), each `field `F`: ...`. Only when read
    /// for every finding ([`HookFile::parse_all`], [`load_every_fault`],
    /// [`read_state`]): the shim shows none, so it builds none.
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
    /// The faults found after the program lookup, which would refuse the
    /// file once its program exists (only with [`load_every_fault`]).
    pub later: Vec<String>,
    /// The file's warnings (only with [`load_every_fault`]).
    pub warnings: Vec<String>,
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

/// A hook file that is not used: its faults and its warnings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub file: PathBuf,
    /// Never empty: the first is the shim's error; the others are there
    /// only with [`load_every_fault`].
    pub faults: Vec<String>,
    /// Only with [`load_every_fault`].
    pub warnings: Vec<String>,
}

impl Refusal {
    fn new(file: &Path, faults: Vec<String>, warnings: Vec<String>) -> Refusal {
        Refusal {
            file: file.to_path_buf(),
            faults,
            warnings,
        }
    }

    /// Each fault, naming the file.
    pub fn errors(&self) -> impl Iterator<Item = FileError> + '_ {
        self.faults
            .iter()
            .map(|f| FileError::new(&self.file, f.as_str()))
    }
}

impl From<FileError> for Refusal {
    fn from(e: FileError) -> Refusal {
        Refusal {
            file: e.file,
            faults: vec![e.fault],
            warnings: Vec::new(),
        }
    }
}

/// What one hook file is, once read.
#[derive(Debug, Clone)]
pub enum FileState {
    InEffect(HookFile),
    /// Skipped: its program does not exist.
    Missing(MissingProgram),
    Refused(Refusal),
}

/// How [`load_with`] reads the directories.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub missing: MissingHookProgram,
    /// Read masked files too, to report their faults (for `validate`).
    pub read_masked: bool,
    /// Keep the entries of the directories that are not read
    /// ([`Loaded::ignored`]).
    pub ignored: bool,
}

/// The hook files in effect, the masked ones and the refused ones.
#[derive(Debug, Default)]
pub struct Loaded {
    /// In application order.
    pub files: Vec<HookFile>,
    pub masked: Vec<Masked>,
    /// Refused directories and files, in the order met (every fault of a
    /// file with [`load_every_fault`], else its first).
    pub errors: Vec<FileError>,
    /// The warnings of refused files in effect (only with
    /// [`load_every_fault`]; a file read has its own).
    pub warnings: Vec<FileError>,
    /// Files skipped because their program does not exist.
    pub missing: Vec<MissingProgram>,
    /// Files in effect whose names are equal once lower-cased: their
    /// relative order is by exact name here, but undefined in
    /// containers/common, and they do not mask each other.
    pub collisions: Vec<(PathBuf, PathBuf)>,
    /// Entries of the directories that are not read, in directory order
    /// and by name (only with [`Options::ignored`]).
    pub ignored: Vec<Ignored>,
}

/// Why a file was not read: its faults and warnings, and the hook program
/// when every fault comes after containers/common's program lookup (a
/// missing program then skips the file instead).
#[derive(Debug)]
struct Failure {
    faults: Vec<String>,
    warnings: Vec<String>,
    program: Option<String>,
}

impl Failure {
    fn untrusted(e: FileError) -> Failure {
        Failure {
            faults: vec![e.fault],
            warnings: Vec::new(),
            program: None,
        }
    }
}

impl HookFile {
    /// Reads a hook file after the trust checks. `Ok(None)` when it does
    /// not exist (or is a dangling symlink).
    pub fn read(path: &Path) -> Result<Option<HookFile>, FileError> {
        read_file::<false>(path).map_err(|f| first_error(path, f.faults))
    }

    /// Parses the text of a hook file as the shim does; the error names
    /// the file, the field and the first fault. No warnings are built.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<HookFile, FileError> {
        parse::<false>(path, bytes).map_err(|f| first_error(path, f.faults))
    }

    /// Parses the text of a hook file with every finding: the warnings of
    /// a file that is read, or a refusal with every fault, in the order of
    /// the checks, and the warnings.
    pub fn parse_all(path: &Path, bytes: &[u8]) -> Result<HookFile, Refusal> {
        parse::<true>(path, bytes).map_err(|f| Refusal::new(path, f.faults, f.warnings))
    }

    /// The file name, as text.
    pub fn name(&self) -> String {
        file_name(&self.path)
    }

    /// Whether the file's `when` conditions hold for this config.json.
    pub fn matches(&self, spec: &serde_json::Value) -> Result<bool, FileError> {
        self.when
            .matches(&Facts::of(spec))
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

fn first_error(path: &Path, faults: Vec<String>) -> FileError {
    FileError::new(path, faults.into_iter().next().unwrap_or_default())
}

fn read_file<const ALL: bool>(path: &Path) -> Result<Option<HookFile>, Failure> {
    match read_trusted(path, MAX_SOURCE_BYTES).map_err(Failure::untrusted)? {
        None => Ok(None),
        Some(bytes) => parse::<ALL>(path, &bytes).map(Some),
    }
}

/// Reads the directories in order (later ones mask earlier ones) with the
/// default options; a missing directory is no error.
pub fn load(dirs: &[PathBuf]) -> Loaded {
    load_with(dirs, &Options::default())
}

/// Reads the directories in order (later ones mask earlier ones); a
/// missing directory is no error. Only the files in effect are read,
/// unless `options` asks for the masked ones too. A refused file gives its
/// first fault, where the shim stops.
pub fn load_with(dirs: &[PathBuf], options: &Options) -> Loaded {
    load_dirs::<false>(dirs, options)
}

/// [`load_with`], checking each refused file to the end: every fault and
/// warning of it (for `ctk hooks validate`). Which files are in effect,
/// skipped or refused is the same.
pub fn load_every_fault(dirs: &[PathBuf], options: &Options) -> Loaded {
    load_dirs::<true>(dirs, options)
}

fn load_dirs<const ALL: bool>(dirs: &[PathBuf], options: &Options) -> Loaded {
    let mut out = Loaded::default();
    // (sort key, exact name, directory index) of every hook file.
    let mut entries: Vec<(Vec<u8>, OsString, usize)> = Vec::new();
    for (d, dir) in dirs.iter().enumerate() {
        let ignored = options.ignored.then_some(&mut out.ignored);
        match list_dir(dir, ignored) {
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
        if let Some(winner) = pick::<ALL>(&candidates, options, &mut out) {
            for earlier in candidates.iter().take(winner) {
                let read = if options.read_masked {
                    examine::<ALL>(earlier, options)
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
fn pick<const ALL: bool>(
    candidates: &[PathBuf],
    options: &Options,
    out: &mut Loaded,
) -> Option<usize> {
    for (idx, path) in candidates.iter().enumerate().rev() {
        match examine::<ALL>(path, options) {
            None => continue,
            Some(FileState::Missing(m)) => out.missing.push(m),
            Some(FileState::Refused(r)) => {
                out.errors.extend(r.errors());
                out.warnings.extend(
                    r.warnings
                        .iter()
                        .map(|w| FileError::new(&r.file, w.as_str())),
                );
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

/// Reads one hook file as it would be if it were in effect, with every
/// fault and warning; `None` when it does not exist (or is a dangling
/// symlink).
pub fn read_state(path: &Path, options: &Options) -> Option<FileState> {
    examine::<true>(path, options)
}

/// Reads one hook file, looks its program up, and decides what the file
/// is; `None` when it vanished (or is a dangling symlink). With `ALL`,
/// every fault and warning is kept; else the first fault.
fn examine<const ALL: bool>(path: &Path, options: &Options) -> Option<FileState> {
    let read = read_file::<ALL>(path);
    // The shim stops at the lookup: a fault after it is not its concern.
    let missing = |program: String, mut later: Vec<String>, warnings: Vec<String>| {
        if !ALL {
            later.clear();
        }
        let m = MissingProgram {
            file: path.to_path_buf(),
            program,
            later,
            warnings,
        };
        match options.missing {
            MissingHookProgram::Skip => FileState::Missing(m),
            MissingHookProgram::Refuse => {
                let mut faults = vec![m.refused().fault];
                faults.extend(m.later);
                FileState::Refused(Refusal::new(path, faults, m.warnings))
            }
        }
    };
    // A program that cannot be looked up is the first fault; the shim
    // keeps only that one.
    let unreadable = |program: &str, fault: String, mut later: Vec<String>, warnings| {
        if !ALL {
            later.clear();
        }
        later.insert(0, format!("field `hook.path`: {program}: {fault}"));
        FileState::Refused(Refusal::new(path, later, warnings))
    };
    Some(match read {
        Ok(None) => return None,
        Err(Failure {
            faults,
            warnings,
            program: Some(prog),
        }) => match program(&prog) {
            Program::Missing => missing(prog, faults, warnings),
            Program::Unreadable(fault) => unreadable(&prog, fault, faults, warnings),
            Program::Found => FileState::Refused(Refusal::new(path, faults, warnings)),
        },
        Err(Failure {
            faults,
            warnings,
            program: None,
        }) => FileState::Refused(Refusal::new(path, faults, warnings)),
        Ok(Some(file)) => match program(&file.hook.path) {
            Program::Found => FileState::InEffect(file),
            Program::Missing => missing(file.hook.path, Vec::new(), file.warnings),
            Program::Unreadable(fault) => {
                unreadable(&file.hook.path, fault, Vec::new(), file.warnings)
            }
        },
    })
}

/// The `*.json` names of a directory; `[]` when it does not exist. The
/// other entries go to `ignored` when it is given.
fn list_dir(
    dir: &Path,
    mut ignored: Option<&mut Vec<Ignored>>,
) -> Result<Vec<OsString>, FileError> {
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
    let first_ignored = ignored.as_deref().map_or(0, Vec::len);
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| FileError::io(dir, &e))?;
        let name = entry.file_name();
        if is_hook_file_name(&name) {
            names.push(name);
        } else if let Some(list) = ignored.as_deref_mut() {
            let is_dir = std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir());
            if let Some(reason) = IgnoredReason::of(&name, is_dir) {
                list.push(Ignored {
                    path: entry.path(),
                    reason,
                });
            }
        }
    }
    if let Some(added) = ignored.and_then(|list| list.get_mut(first_ignored..)) {
        added.sort_by(|a, b| a.path.cmp(&b.path));
    }
    Ok(names)
}

/// A directory entry that is not read as a hook file, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignored {
    pub path: PathBuf,
    pub reason: IgnoredReason,
}

/// Why an entry of a hooks directory is not read. Hidden entries (a name
/// that starts with `.`: `.gitkeep`, an editor's `.x.json.swp`) are left
/// out of the list; a hidden name that ends in `.json` is read, as
/// containers/common reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IgnoredReason {
    /// A directory: hooks directories are not read recursively.
    Directory,
    /// The name ends in `.json` in another case (`40-x.JSON`).
    SuffixCase,
    /// The name goes on after `.json` (`x.json.bak`, `x.json~`,
    /// `x.json.dpkg-old`): a copy of a hook file.
    Copy,
    /// Any other name (`30-x.hook`, `README`).
    NotJson,
}

impl IgnoredReason {
    /// Why this entry is not read; `None` for a hook file name or a hidden
    /// entry.
    pub fn of(name: &OsStr, is_dir: bool) -> Option<IgnoredReason> {
        let bytes = name.as_bytes();
        if is_hook_file_name(name) || bytes.starts_with(b".") {
            return None;
        }
        Some(if is_dir {
            IgnoredReason::Directory
        } else if bytes.len() >= 5
            && bytes
                .get(bytes.len() - 5..)
                .is_some_and(|s| s.eq_ignore_ascii_case(b".json"))
        {
            IgnoredReason::SuffixCase
        } else if bytes.windows(5).any(|w| w == b".json") {
            IgnoredReason::Copy
        } else {
            IgnoredReason::NotJson
        })
    }

    /// Why the entry named `name` is not read, for a person: what follows
    /// "not read: ".
    pub fn note(self, name: &OsStr) -> String {
        let name = name.to_string_lossy();
        match self {
            IgnoredReason::Directory => {
                "a directory (hooks directories are not read recursively)".to_string()
            }
            IgnoredReason::SuffixCase => {
                let stem = name.get(..name.len().saturating_sub(5)).unwrap_or_default();
                format!(
                    "the name must end in `.json` in lower case, as Podman and CRI-O require (rename it to `{stem}.json` to use it)"
                )
            }
            IgnoredReason::Copy => {
                let original = name
                    .find(".json")
                    .and_then(|i| name.get(..i + 5))
                    .unwrap_or_default();
                format!(
                    "the name does not end in `.json` (a backup or editor copy of `{original}`?)"
                )
            }
            IgnoredReason::NotJson => {
                "only files whose names end in `.json` are hook files".to_string()
            }
        }
    }

    /// A short name for scripts: `directory`, `suffix-case`, `copy`,
    /// `not-json`.
    pub fn as_str(self) -> &'static str {
        match self {
            IgnoredReason::Directory => "directory",
            IgnoredReason::SuffixCase => "suffix-case",
            IgnoredReason::Copy => "copy",
            IgnoredReason::NotJson => "not-json",
        }
    }
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
//
// Every check reports to a `Findings`: the shim's `Findings<false>` stops
// at the first fault, in the order containers/common checks, and builds no
// warning; validate's `Findings<true>` records each fault and goes on.

/// The hook program once the checks reach the point where
/// containers/common looks it up, and how many faults came before it.
type ProgramAt = Option<(String, usize)>;

/// Decodes and checks a hook file. On failure, the faults (the first, or
/// all with `ALL`), the warnings (with `ALL`) and the hook program when no
/// fault comes before its lookup.
fn parse<const ALL: bool>(path: &Path, bytes: &[u8]) -> Result<HookFile, Failure> {
    let mut found = Findings::<ALL>::new();
    let mut program: ProgramAt = None;
    decode_file(path, bytes, &mut found, &mut program).map_err(|Stop| {
        let (faults, warnings) = found.into_parts();
        Failure {
            faults,
            warnings,
            program: program.and_then(|(p, before)| (before == 0).then_some(p)),
        }
    })
}

/// The keys of one object given to struct fields as Go's decoder gives
/// them; unknown and miscased keys are warned of.
struct Keys {
    prefix: &'static str,
}

impl Keys {
    fn each<'j, 'a, const ALL: bool>(
        &self,
        members: &'j [(Cow<'a, str>, Json<'a>)],
        fields: &[&'static str],
        hint: impl Fn(&str) -> Option<&'static str>,
        found: &mut Findings<ALL>,
        mut decode: impl FnMut(&'static str, &'j Json<'a>, &mut Findings<ALL>) -> Result<(), Stop>,
    ) -> Result<(), Stop> {
        let prefix = self.prefix;
        for (key, value) in members {
            match gokeys::field_for(fields, key) {
                Some(field) => {
                    if field != key {
                        found.warn(|| format!(
                            "field `{prefix}{key}`: read as `{prefix}{field}`, as Podman and CRI-O read it (the format spells it `{field}`)"
                        ));
                    }
                    decode(field, value, found)?;
                }
                None => found.warn(|| self.unknown_key_warning(key, hint(key), fields)),
            }
        }
        Ok(())
    }

    /// An unknown key: where it belongs when it is a known mistake, else
    /// the nearest field when one is close.
    fn unknown_key_warning(&self, key: &str, hint: Option<&str>, fields: &[&str]) -> String {
        let prefix = self.prefix;
        match (hint, suggest::nearest(key, fields.iter().copied())) {
            (Some(h), _) => format!("field `{prefix}{key}`: unknown key, ignored ({h})"),
            (None, Some(near)) => format!(
                "field `{prefix}{key}`: unknown key, ignored (did you mean `{prefix}{near}`?)"
            ),
            (None, None) => format!("field `{prefix}{key}`: unknown key, ignored"),
        }
    }
}

fn decode_file<const ALL: bool>(
    path: &Path,
    bytes: &[u8],
    found: &mut Findings<ALL>,
    program: &mut ProgramAt,
) -> Result<HookFile, Stop> {
    let value = godecode::parse(bytes).map_err(|f| found.fatal(f))?;
    let top = match &value {
        Json::Object(m) => m.as_slice(),
        // Go decodes `null` into an empty struct.
        Json::Null => &[],
        other => {
            return Err(found.fatal(format!("expected a JSON object, found {}", other.kind())));
        }
    };
    // Go reads `version` first, on its own (any spelling).
    let mut version = String::new();
    for (key, v) in top {
        if gokeys::field_for(&["version"], key).is_some() {
            godecode::string_into(&mut version, v, "version").map_err(|f| found.fatal(f))?;
        }
    }
    match version.as_str() {
        "1.0.0" => parse_1_0_0(path, top, found, program),
        "" | "0.1.0" => parse_0_1_0(path, top, !version.is_empty(), found, program),
        other => Err(found.fatal(format!(
            "field `version`: unrecognized hook version {other:?} (expected \"1.0.0\", or \"0.1.0\" for the legacy form)"
        ))),
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

fn decode_hook<const ALL: bool>(
    members: &[(Cow<'_, str>, Json<'_>)],
    raw: &mut RawHook,
    found: &mut Findings<ALL>,
) -> Result<(), Stop> {
    Keys { prefix: "hook." }.each(
        members,
        &Hook::FIELDS,
        |key| match key.to_ascii_lowercase().as_str() {
            "arguments" | "argv" => {
                Some("arguments go in `hook.args`, starting with the program name")
            }
            _ => None,
        },
        found,
        |field, v, found| match field {
            "path" => found.decoded(
                "hook.path",
                godecode::string_into(&mut raw.path, v, "hook.path"),
            ),
            "args" => found.decoded("hook.args", raw.args.decode(v, "hook.args")),
            "env" => found.decoded("hook.env", raw.env.decode(v, "hook.env")),
            _ => found.decoded(
                "hook.timeout",
                godecode::opt_int_into(&mut raw.timeout, v, "hook.timeout"),
            ),
        },
    )
}

fn decode_when<const ALL: bool>(
    members: &[(Cow<'_, str>, Json<'_>)],
    raw: &mut RawWhen,
    found: &mut Findings<ALL>,
) -> Result<(), Stop> {
    Keys { prefix: "when." }.each(
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
        found,
        |field, v, found| match field {
            "always" => found.decoded(
                "when.always",
                godecode::opt_bool_into(&mut raw.always, v, "when.always"),
            ),
            "annotations" => found.decoded(
                "when.annotations",
                godecode::string_map_into(&mut raw.annotations, v, "when.annotations"),
            ),
            "commands" => found.decoded("when.commands", raw.commands.decode(v, "when.commands")),
            _ => found.decoded(
                "when.hasBindMounts",
                godecode::opt_bool_into(&mut raw.has_bind_mounts, v, "when.hasBindMounts"),
            ),
        },
    )
}

/// The hook once its fields are decoded: containers/common's required
/// path, then this tool's absolute path and positive timeout
/// ([`Hook::check_each`]), named as the file names them.
fn check_hook<const ALL: bool>(
    hook: &Hook,
    (path_field, timeout_field): (&str, &str),
    found: &mut Findings<ALL>,
) -> Result<(), Stop> {
    hook.check_each(|fault| match fault {
        HookFault::EmptyPath if found.is_undecoded(path_field) => Ok(()),
        HookFault::EmptyPath => found.fault(format!(
            "field `{path_field}`: missing (the program to run)"
        )),
        HookFault::RelativePath(_) => found.fault(format!("field `{path_field}` {}", fault.what())),
        HookFault::Timeout(_) => found.fault(format!("field `{timeout_field}` {}", fault.what())),
    })
}

/// The end of the checks that come after containers/common looks the hook
/// program up (`before` faults came before that point): on a fault, notes
/// the program, whose absence skips the file instead when `before` is 0.
fn after_program<T, const ALL: bool>(
    checks: Result<T, Stop>,
    found: &Findings<ALL>,
    (hook_path, before): (&str, usize),
    program: &mut ProgramAt,
) -> Result<T, Stop> {
    let result = checks.and_then(|t| found.done().map(|()| t));
    if result.is_err() && !hook_path.is_empty() {
        *program = Some((hook_path.to_string(), before));
    }
    result
}

/// A regex of the file, or its fault.
fn pattern<const ALL: bool>(
    source: String,
    field: String,
    found: &mut Findings<ALL>,
) -> Result<Option<Pattern>, Stop> {
    match Pattern::new(source, field) {
        Ok(p) => Ok(Some(p)),
        Err(fault) => found.fault(fault).map(|()| None),
    }
}

fn parse_1_0_0<const ALL: bool>(
    path: &Path,
    top: &[(Cow<'_, str>, Json<'_>)],
    found: &mut Findings<ALL>,
    program: &mut ProgramAt,
) -> Result<HookFile, Stop> {
    let mut raw_hook = RawHook::default();
    let mut raw_when = RawWhen::default();
    let mut stages = StringList::default();
    let mut saw_when = false;
    let mut saw_hook = false;
    Keys { prefix: "" }.each(
        top,
        &["version", "hook", "when", "stages"],
        hint_1_0_0,
        found,
        |field, v, found| match field {
            "version" => Ok(()),
            "hook" => {
                saw_hook |= !matches!(v, Json::Null);
                match godecode::members(v, "hook") {
                    Ok(m) => decode_hook(m, &mut raw_hook, found),
                    Err(fault) => found.decoded("hook", Err(fault)),
                }
            }
            "when" => {
                saw_when |= !matches!(v, Json::Null);
                match godecode::members(v, "when") {
                    Ok(m) => decode_when(m, &mut raw_when, found),
                    Err(fault) => found.decoded("when", Err(fault)),
                }
            }
            _ => found.decoded("stages", stages.decode(v, "stages")),
        },
    )?;
    let hook = Hook {
        path: raw_hook.path,
        args: raw_hook.args.into_vec(),
        env: raw_hook.env.into_vec(),
        timeout: raw_hook.timeout,
    };
    if saw_hook {
        check_hook(&hook, ("hook.path", "hook.timeout"), found)?;
    } else {
        found.fault("field `hook`: missing (the hook to inject: {\"path\": ...})".to_string())?;
    }
    // containers/common looks the program up here; what follows fails
    // only for a file whose program exists.
    let before = found.faults();
    let later = later_1_0_0(&raw_when, &stages, found);
    let (annotations, commands, stages) =
        after_program(later, found, (&hook.path, before), program)?;
    let when = When {
        always: raw_when.always,
        has_bind_mounts: raw_when.has_bind_mounts,
        annotations,
        commands,
        combine: Combine::All,
    };
    if !saw_when {
        found.warn(|| "field `when`: missing: this hook never matches (add \"when\": {\"always\": true} to match every container)".to_string());
    } else if when.is_empty() {
        found.warn(|| "field `when`: no condition: this hook never matches (add \"always\": true to match every container)".to_string());
    }
    if when.always == Some(false) {
        found.warn(|| "field `when.always`: false: this hook never matches".to_string());
    }
    if when.has_bind_mounts == Some(false) {
        found.warn(|| "field `when.hasBindMounts`: false never holds, so this hook never matches (remove the condition to ignore bind mounts)".to_string());
    }
    if stages.is_empty() {
        found.warn(|| "field `stages`: empty: this hook is never injected".to_string());
    }
    unanchored_warnings(&when, found);
    Ok(HookFile {
        path: path.to_path_buf(),
        version: Version::V1_0_0,
        hook,
        when,
        stages,
        warnings: found.take_warnings(),
    })
}

/// What the checks after the program lookup give: the `annotations` rules,
/// the `commands` regexes and the stages.
type Later = (Vec<AnnotationRule>, Vec<Pattern>, Vec<Stage>);

/// The checks of a 1.0.0 file after the program lookup: its regexes, then
/// its stages.
fn later_1_0_0<const ALL: bool>(
    raw_when: &RawWhen,
    stages: &StringList,
    found: &mut Findings<ALL>,
) -> Result<Later, Stop> {
    let mut annotations = Vec::new();
    for (key, value) in raw_when.annotations.iter().flatten() {
        let field = format!("when.annotations[{key:?}]");
        let key = pattern(key.clone(), format!("{field} (key)"), found)?;
        let value = pattern(value.clone(), field, found)?;
        if let (Some(key), Some(value)) = (key, value) {
            annotations.push(AnnotationRule { key, value });
        }
    }
    let mut commands = Vec::new();
    for (i, c) in raw_when
        .commands
        .get()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if let Some(p) = pattern(c.clone(), format!("when.commands[{i}]"), found)? {
            commands.push(p);
        }
    }
    let stages = match stages.get() {
        Some(names) => parse_stages(names, "stages", found)?,
        None if found.is_undecoded("stages") => Vec::new(),
        None => {
            found.fault("field `stages`: missing (a list of hook stages)".to_string())?;
            Vec::new()
        }
    };
    Ok((annotations, commands, stages))
}

fn unanchored_warnings<const ALL: bool>(when: &When, found: &mut Findings<ALL>) {
    for p in when.patterns() {
        // The key `.*` of a legacy annotation list is made up, not
        // written; an empty regex matches everything on purpose.
        if p.source == ".*" || p.source.is_empty() || p.is_anchored() {
            continue;
        }
        found.warn(|| format!(
            "field `{}`: regex {:?} is not anchored: it matches any text that contains a match (write \"^...$\" to match the whole text)",
            p.field, p.source
        ));
    }
}

fn parse_stages<const ALL: bool>(
    names: &[String],
    field: &str,
    found: &mut Findings<ALL>,
) -> Result<Vec<Stage>, Stop> {
    let mut stages = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        match Stage::from_name(name) {
            Some(stage) => stages.push(stage),
            None => {
                let extension = if name == "precreate" {
                    " (a Podman extension stage, not supported here)"
                } else {
                    ""
                };
                found.fault(format!(
                    "field `{field}[{i}]`: unknown hook stage {name:?}{extension} ({})",
                    Stage::unknown_hint(name)
                ))?;
            }
        }
    }
    Ok(stages)
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
fn synonym<'a, const ALL: bool>(
    plural: &'a StringList,
    singular: &'a StringList,
    names: (&'static str, &'static str),
    found: &mut Findings<ALL>,
) -> Result<Named<'a>, Stop> {
    match (plural.get(), singular.get()) {
        (Some(_), Some(_)) => {
            found.fault(format!(
                "fields `{}` and `{}`: cannot set both (they are synonyms)",
                names.0, names.1
            ))?;
            Ok(None)
        }
        (Some(p), None) => Ok(Some((p, names.0))),
        (None, Some(s)) => Ok(Some((s, names.1))),
        (None, None) => Ok(None),
    }
}

/// A list of a 0.1.0 file and the name it was given under.
type Named<'a> = Option<(&'a [String], &'static str)>;

/// The checks of a 0.1.0 file after the program lookup: its regexes, then
/// its stages.
fn later_0_1_0<const ALL: bool>(
    annotations_src: Named<'_>,
    commands_src: Named<'_>,
    stage_names: Named<'_>,
    found: &mut Findings<ALL>,
) -> Result<Later, Stop> {
    // containers/common turns the list into one rule: any annotation key,
    // a value matching the entries joined with `|` (so `(?i)` in one
    // entry applies to the rest, and `[]` is the empty regex).
    let mut annotations = Vec::new();
    if let Some((list, field)) = annotations_src {
        let joined = list.join("|");
        let key = pattern(".*".to_string(), format!("{field} (any key)"), found)?;
        let value = pattern(joined, format!("{field} (joined with |)"), found)?;
        if let (Some(key), Some(value)) = (key, value) {
            annotations.push(AnnotationRule { key, value });
        }
    }
    let mut commands = Vec::new();
    if let Some((list, field)) = commands_src {
        for (i, c) in list.iter().enumerate() {
            if let Some(p) = pattern(c.clone(), format!("{field}[{i}]"), found)? {
                commands.push(p);
            }
        }
    }
    let stages = match stage_names {
        Some((names, field)) => parse_stages(names, field, found)?,
        None => Vec::new(),
    };
    Ok((annotations, commands, stages))
}

fn parse_0_1_0<const ALL: bool>(
    path: &Path,
    top: &[(Cow<'_, str>, Json<'_>)],
    declared: bool,
    found: &mut Findings<ALL>,
    program: &mut ProgramAt,
) -> Result<HookFile, Stop> {
    if !declared {
        found.warn(|| "field `version`: missing: read as the legacy 0.1.0 form (write \"version\": \"1.0.0\" for the current one)".to_string());
    }
    let mut raw = Raw010::default();
    Keys { prefix: "" }.each(
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
        found,
        |field, v, found| {
            let decoded = match field {
                // Read already; no field of the 0.1.0 struct.
                "version" => Ok(()),
                "hook" if !declared && matches!(v, Json::Object(_)) => Err("field `hook`: expected a string (the legacy 0.1.0 form, read because `version` is missing), found an object: add \"version\": \"1.0.0\"".to_string()),
                "hook" => godecode::opt_string_into(&mut raw.hook, v, "hook"),
                "arguments" => raw.arguments.decode(v, "arguments"),
                "stages" => raw.stages.decode(v, "stages"),
                "stage" => raw.stage.decode(v, "stage"),
                "cmds" => raw.cmds.decode(v, "cmds"),
                "cmd" => raw.cmd.decode(v, "cmd"),
                "annotations" => raw.annotations.decode(v, "annotations"),
                "annotation" => raw.annotation.decode(v, "annotation"),
                _ => godecode::opt_bool_into(&mut raw.has_bind_mounts, v, "hasbindmounts"),
            };
            found.decoded(field, decoded)
        },
    )?;
    if raw.hook.is_none() && !found.is_undecoded("hook") {
        found.fault("field `hook`: missing (the path of the hook program)".to_string())?;
    }
    let stage_names = synonym(&raw.stages, &raw.stage, ("stages", "stage"), found)?;
    if raw.stages.get().is_none()
        && raw.stage.get().is_none()
        && !found.is_undecoded("stages")
        && !found.is_undecoded("stage")
    {
        found.fault("field `stages`: missing (a list of hook stages)".to_string())?;
    }
    let commands_src = synonym(&raw.cmds, &raw.cmd, ("cmds", "cmd"), found)?;
    let annotations_src = synonym(
        &raw.annotations,
        &raw.annotation,
        ("annotations", "annotation"),
        found,
    )?;
    let hook = raw.hook.clone().map(|hook_path| {
        let args = raw.arguments.get().map(|a| {
            let mut args = vec![hook_path.clone()];
            args.extend(a.iter().cloned());
            args
        });
        Hook {
            path: hook_path,
            args,
            env: None,
            timeout: None,
        }
    });
    if let Some(hook) = &hook {
        check_hook(hook, ("hook", "timeout"), found)?;
    }
    // The program lookup.
    let before = found.faults();
    let later = later_0_1_0(annotations_src, commands_src, stage_names, found);
    let hook_path = hook.as_ref().map_or("", |h| h.path.as_str());
    let (annotations, commands, stages) =
        after_program(later, found, (hook_path, before), program)?;
    let Some(hook) = hook else {
        return Err(found.fatal("field `hook`: missing (the path of the hook program)".to_string()));
    };
    if stages.is_empty() {
        found.warn(|| "field `stages`: empty: this hook is never injected".to_string());
    }
    let when = When {
        always: None,
        has_bind_mounts: raw.has_bind_mounts,
        annotations,
        commands,
        combine: Combine::Any,
    };
    if raw.has_bind_mounts == Some(false) {
        found.warn(|| "field `hasbindmounts`: false has no effect (any one condition of the 0.1.0 form is enough)".to_string());
    }
    if let Some((list, field)) = annotations_src {
        if list.is_empty() {
            found.warn(|| format!("field `{field}`: an empty list matches every container that has an annotation, as Podman and CRI-O read it (remove the key for no condition)"));
        }
    }
    let effective = when.has_bind_mounts == Some(true)
        || !when.annotations.is_empty()
        || !when.commands.is_empty();
    if !effective {
        found.warn(|| "no condition (`cmds`, `annotations` or `hasbindmounts: true`): this hook never matches".to_string());
    }
    unanchored_warnings(&when, found);
    Ok(HookFile {
        path: path.to_path_buf(),
        version: Version::V0_1_0 { declared },
        hook,
        when,
        stages,
        warnings: found.take_warnings(),
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

//! Gathering the hooks for one container, in application order: hooks.json
//! first, then the hooks.d files that match the container, in file order.
//! Everything is read again for every container create: a changed file
//! takes effect at the next create, with no daemon to restart.
//!
//! [`collect`] is what the shim runs; [`trace`] runs the same walk with
//! the same evaluator and keeps every step, for `ctk hooks preview`.

use crate::config::HooksConfig;
use crate::error::FileError;
use crate::hook::HookSet;
use crate::hooks_dir::{self, Loaded, MissingProgram, Options};
use crate::hooks_json;
use crate::inject::Spec;
use crate::when::{Explanation, Facts, Observer, Recorder, Silent};
use serde::Serialize;

/// The hooks for one container, and the sources skipped when not strict.
#[derive(Debug, Default)]
pub struct Collected {
    pub hooks: HookSet,
    /// Sources refused and skipped because `strict = false`.
    pub skipped: Vec<FileError>,
    /// hooks.d files skipped because their hook program does not exist.
    pub missing: Vec<MissingProgram>,
}

/// What became of one hooks.d file in effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileOutcome {
    /// Its conditions hold: its hook is added at its stages (unless
    /// already present).
    Applies,
    /// Its conditions do not hold.
    NotMatched,
    /// Its conditions cannot be decided.
    Refused,
    /// Not looked at: an earlier source already failed the create.
    NotReached,
}

/// One hooks.d file in effect, as the walk met it.
#[derive(Debug, Clone)]
pub struct FileTrace {
    /// Index into [`Trace::loaded`]'s files.
    pub file: usize,
    pub explanation: Explanation,
    pub outcome: FileOutcome,
}

/// Every step of one walk, for `ctk hooks preview`.
#[derive(Debug)]
pub struct Trace {
    /// hooks.json (an empty set when the file does not exist; the
    /// shim's walk, which keeps no trace, moves its hooks into the result).
    pub hooks_json: Result<HookSet, FileError>,
    pub loaded: Loaded,
    /// One per file in effect, in application order.
    pub files: Vec<FileTrace>,
    /// What the shim gets.
    pub result: Result<Collected, FileError>,
}

/// Reads every hook source and keeps the hooks that apply to `spec`. With
/// `strict`, the first bad source is the error (a refused directory or
/// file, a file whose conditions cannot be decided); otherwise bad sources
/// are skipped and listed in [`Collected::skipped`]. A hooks.d file whose
/// program does not exist is skipped and logged at warn, or refused with
/// `missing-hook-program = "refuse"`.
pub fn collect(config: &HooksConfig, spec: &Spec) -> Result<Collected, FileError> {
    walk::<Silent>(config, spec, false).result
}

/// [`collect`], keeping every step: the walk goes on past a failure (the
/// result is still the first failure), and every file's conditions are
/// explained.
pub fn trace(config: &HooksConfig, spec: &Spec) -> Trace {
    walk::<Recorder>(config, spec, true)
}

/// The first failure of a strict walk, or the skipped sources of a lenient
/// one.
struct Failures<'c> {
    config: &'c HooksConfig,
    first: Option<FileError>,
    skipped: Vec<FileError>,
}

impl Failures<'_> {
    fn add(&mut self, e: FileError) {
        if self.config.strict {
            self.first.get_or_insert(e);
        } else {
            self.skipped.push(e);
        }
    }

    fn failed(&self) -> bool {
        self.first.is_some()
    }
}

fn walk<O: Observer + Default>(config: &HooksConfig, spec: &Spec, keep_going: bool) -> Trace {
    let mut failures = Failures {
        config,
        first: None,
        skipped: Vec::new(),
    };
    let mut hooks = HookSet::new();
    let mut missing = Vec::new();
    let mut files = Vec::new();
    let mut hooks_json = hooks_json::load(&config.path);
    match &mut hooks_json {
        // The shim's walk explains nothing: hooks.json's hooks move into
        // its result, uncopied. Preview's keeps them for its trace too.
        Ok(set) if !O::RECORDS => hooks = std::mem::take(set),
        Ok(set) => hooks = set.clone(),
        Err(e) => failures.add(e.clone()),
    }
    let mut loaded = Loaded::default();
    if !config.hooks_dirs.is_empty() && (keep_going || !failures.failed()) {
        let options = Options {
            missing: config.missing_hook_program,
            ..Options::default()
        };
        loaded = hooks_dir::load_with(&config.hooks_dirs, &options);
        for e in &loaded.errors {
            failures.add(e.clone());
        }
        for m in &loaded.missing {
            warn_missing(m);
            missing.push(m.clone());
        }
    }
    if !loaded.files.is_empty() && (keep_going || !failures.failed()) {
        // Only the members conditions look at are parsed.
        let view = spec.condition_view();
        let facts = Facts::of(&view);
        for (i, file) in loaded.files.iter().enumerate() {
            let reached = !failures.failed();
            let explanation = file.when.explain_with::<O>(&facts);
            let outcome = match &explanation.error {
                Some(fault) => {
                    failures.add(FileError::new(&file.path, fault.clone()));
                    FileOutcome::Refused
                }
                None if explanation.matches => {
                    if reached {
                        hooks.extend(file.hook_set());
                    }
                    FileOutcome::Applies
                }
                None => FileOutcome::NotMatched,
            };
            files.push(FileTrace {
                file: i,
                explanation,
                outcome: if reached {
                    outcome
                } else {
                    FileOutcome::NotReached
                },
            });
            if failures.failed() && !keep_going {
                break;
            }
        }
    }
    let result = match failures.first {
        Some(e) => Err(e),
        None => Ok(Collected {
            hooks,
            skipped: failures.skipped,
            missing,
        }),
    };
    Trace {
        hooks_json,
        loaded,
        files,
        result,
    }
}

fn warn_missing(m: &MissingProgram) {
    tracing::warn!(
        "{}: skipped: hook program {} does not exist (missing-hook-program = \"skip\")",
        m.file.display(),
        m.program
    );
}

//! The flow every engine shares, written once.
//!
//! An engine's editor reads its files, finds its runtime table in them
//! (a [`Runtimes`]: where the entries and the default runtime live, how an
//! entry names its program, how a new one looks) and hands it to an
//! [`Edit`], which decides the rest the same way for every engine:
//!
//! - whether an entry is ours (an earlier configure recorded it, or it
//!   runs the shim), and so may be updated or taken out;
//! - a clash with an entry that is not ours: refused, or with `--force`
//!   replaced, the old entry kept in the record to be put back on remove;
//! - the default runtime: set with `--set-as-default`, remembering the one
//!   it replaces, and restored on remove;
//! - the record: what an earlier configure recorded (files created, keys
//!   added, the replaced entry) is carried forward;
//! - the notes for the operator and the files to write or delete.

use super::files::{missing_dirs, read_optional, EngineFiles};
use super::plan::{FileChange, Target};
use super::state::{Added, Record};
use super::status::{is_shim_path, Wiring};
use super::EngineError;
use container_hooks_core::error::FileError;
use std::path::{Path, PathBuf};

/// What a runtime table holds under a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    Absent,
    /// A runtime entry, and the program it runs (None when it names none).
    Entry(Option<String>),
    /// Something that is not a runtime entry (a value of another type).
    Other,
}

/// One engine file's runtime table and default runtime, as the shared flow
/// edits them. Engines supply this; names are runtime names.
pub(crate) trait Runtimes {
    /// The field of runtime `name`, for messages (`runtimes.nvidia`).
    fn field(&self, name: &str) -> String;
    /// What the table holds under `name`.
    fn find(&self, name: &str) -> Result<Found, FileError>;
    /// Every entry and the program it runs.
    fn entries(&self) -> Result<Vec<(String, Option<String>)>, FileError>;
    /// The entry `name` in the file's own syntax, to put it back later.
    fn save(&self, name: &str) -> Option<String>;
    /// Puts in an entry `name` that runs `shim`, in place of anything
    /// there.
    fn insert(&mut self, name: &str, shim: &str) -> Result<(), FileError>;
    /// Points the entry `name`, which is ours, at `shim` again.
    fn refresh(&mut self, name: &str, shim: &str) -> Result<(), FileError>;
    /// Takes the entry `name` out, or puts back `saved` in its place.
    fn take(&mut self, name: &str, saved: Option<&str>) -> Result<(), FileError>;
    /// The default runtime the file names.
    fn default_runtime(&self) -> Result<Option<String>, FileError>;
    /// Makes `name` the default runtime.
    fn set_default(&mut self, name: &str) -> Result<(), FileError>;
    /// Stops naming a default runtime (the file named none before
    /// configure); notes what the operator should know.
    fn clear_default(&mut self, file: &Path, notes: &mut Vec<String>) -> Result<(), FileError>;
    /// What the edits so far added besides the entry (tables, objects),
    /// for the record.
    fn take_added(&mut self) -> Vec<Added>;
}

/// How the shim at `shim` is wired into one file, from its runtime table.
pub(crate) fn wiring(rt: &dyn Runtimes, shim: &Path) -> Result<Wiring, FileError> {
    Ok(Wiring::of(rt.entries()?, rt.default_runtime()?, shim))
}

/// An engine's editor: its files, read and changed through [`Edit`].
pub(crate) trait Editor: Sync {
    /// Adds the runtime (configure).
    fn configure(&self, edit: &mut Edit<'_>) -> Result<(), EngineError>;
    /// Takes it out again (remove).
    fn remove(&self, edit: &mut Edit<'_>) -> Result<(), EngineError>;
    /// How the shim at `shim` is wired, from the engine's files (where
    /// this process reads them).
    fn wiring(&self, files: &EngineFiles, shim: &Path) -> Result<Wiring, EngineError>;
}

/// One configure or remove of one engine, in progress.
pub(crate) struct Edit<'t> {
    pub t: &'t Target<'t>,
    /// What an earlier configure of this file and name recorded.
    pub recorded: Option<&'t Record>,
    /// The record configure leaves: the earlier one carried forward.
    pub record: Record,
    /// Things the operator should know.
    pub notes: Vec<String>,
    /// Every file read that may change, by host path, in write order.
    pub files: Vec<FileChange>,
    /// Files, by host path, that hold only what a running engine must read
    /// to undo configure, and go once it has (see [`super::Plan`]).
    pub delete_once_read: Vec<PathBuf>,
}

impl<'t> Edit<'t> {
    pub fn new(t: &'t Target<'t>, recorded: Option<&'t Record>) -> Edit<'t> {
        let mut record = Record::new(t.req.engine, &t.files.config, &t.name, &t.req.path);
        record.drop_in = t.files.drop_in.clone();
        if let Some(r) = recorded {
            record.created_files = r.created_files.clone();
            record.created_dirs = r.created_dirs.clone();
            record.added = r.added.clone();
            record.replaced = r.replaced.clone();
        }
        Edit {
            t,
            recorded,
            record,
            notes: Vec::new(),
            files: Vec::new(),
            delete_once_read: Vec::new(),
        }
    }

    /// Reads an engine file, named by its host path.
    pub fn read(&self, file: &Path) -> Result<Option<String>, FileError> {
        read_optional(&self.t.on_disk(file))
    }

    /// Reads a file configure writes; a missing one is recorded as
    /// created, and so is each missing directory above it (the outermost
    /// first), so remove deletes them again.
    pub fn open(&mut self, file: &Path) -> Result<Option<String>, FileError> {
        let text = self.read(file)?;
        if text.is_none() {
            if !self.record.created(file) {
                self.record.created_files.push(file.to_path_buf());
            }
            let t = self.t;
            let dir = file.parent().unwrap_or(Path::new("/"));
            for dir in missing_dirs(dir, |d| t.on_disk(d).exists()) {
                if !self.record.created_dirs.contains(&dir) {
                    self.record.created_dirs.push(dir);
                }
            }
        }
        Ok(text)
    }

    /// Whether configure created `file`, by the record.
    pub fn created(&self, file: &Path) -> bool {
        self.recorded.is_some_and(|r| r.created(file))
    }

    /// Whether configure added `what`, by the record.
    pub fn was_added(&self, what: &Added) -> bool {
        self.recorded.is_some_and(|r| r.added(what))
    }

    /// Whether configure created the table with these keys.
    pub fn added_table(&self, keys: &[&str]) -> bool {
        self.recorded.is_some_and(|r| r.added_table(keys))
    }

    /// `file` holds `after` once the plan is applied (None: deleted).
    pub fn write(&mut self, file: &Path, before: Option<String>, after: Option<String>) {
        self.files.push(FileChange {
            path: file.to_path_buf(),
            before,
            after,
        });
    }

    /// `file` is left as it is.
    pub fn keep(&mut self, file: &Path, before: Option<String>) {
        self.write(file, before.clone(), before);
    }

    /// Whether an entry running `program` is ours: an earlier configure
    /// recorded this runtime, or it runs the shim.
    fn ours(&self, program: Option<&str>) -> bool {
        self.recorded.is_some() || program.is_some_and(|p| is_shim_path(p, &self.t.req.path))
    }

    fn note_added(&mut self, rt: &mut dyn Runtimes) {
        for a in rt.take_added() {
            self.record.add(a);
        }
    }

    /// Configure: puts the shim's entry in `file`'s runtime table, or
    /// points ours at the shim again. An entry that is not ours is a clash,
    /// replaced only with `--force` (and kept in the record).
    pub fn put_runtime(&mut self, file: &Path, rt: &mut dyn Runtimes) -> Result<(), EngineError> {
        let t = self.t;
        let shim = t.req.path.display().to_string();
        match rt.find(&t.name)? {
            Found::Absent => rt.insert(&t.name, &shim)?,
            Found::Entry(program) if self.ours(program.as_deref()) => rt.refresh(&t.name, &shim)?,
            found => {
                let field = rt.field(&t.name);
                if !t.req.force {
                    return Err(EngineError::Clash {
                        file: file.to_path_buf(),
                        field,
                        shim,
                    });
                }
                let program = match found {
                    Found::Entry(Some(p)) => p,
                    _ => "no program".to_string(),
                };
                self.notes.push(format!(
                    "{}: replacing {field} ({program}) because of --force; remove puts it back",
                    file.display()
                ));
                self.record.replaced = rt.save(&t.name);
                rt.insert(&t.name, &shim)?;
            }
        }
        self.note_added(rt);
        Ok(())
    }

    /// Configure: with `--set-as-default`, makes the runtime the default,
    /// recording the default it replaces. When it already is the default,
    /// the earlier record says what was before; without one, an entry
    /// that `--force` replaced was the default under this very name.
    /// Without `--set-as-default`, an earlier claim on the default is kept
    /// while the runtime still is the default.
    pub fn put_default(&mut self, rt: &mut dyn Runtimes) -> Result<(), EngineError> {
        let name = self.t.name.as_str();
        let current = rt.default_runtime()?;
        let names_us = current.as_deref() == Some(name);
        let claimed = self.recorded.filter(|r| r.set_as_default);
        if !self.t.req.set_as_default {
            if let Some(r) = claimed.filter(|_| names_us) {
                self.record.set_as_default = true;
                self.record.previous_default = r.previous_default.clone();
            }
            return Ok(());
        }
        self.record.set_as_default = true;
        if names_us {
            self.record.previous_default = match claimed {
                Some(r) => r.previous_default.clone(),
                None if self.record.replaced.is_some() => current,
                None => None,
            };
            return Ok(());
        }
        self.record.previous_default = current;
        rt.set_default(name)?;
        self.note_added(rt);
        Ok(())
    }

    /// Remove: takes out the entry when it is ours, putting back what
    /// `--force` replaced. Returns whether it did.
    pub fn take_runtime(
        &mut self,
        file: &Path,
        rt: &mut dyn Runtimes,
    ) -> Result<bool, EngineError> {
        let name = self.t.name.as_str();
        match rt.find(name)? {
            Found::Absent => Ok(false),
            Found::Entry(program) if self.ours(program.as_deref()) => {
                rt.take(name, self.recorded.and_then(|r| r.replaced.as_deref()))?;
                Ok(true)
            }
            _ => {
                self.notes.push(format!(
                    "{}: {} does not run the shim; left in place",
                    file.display(),
                    rt.field(name)
                ));
                Ok(false)
            }
        }
    }

    /// Remove: when the default names the runtime and configure made it
    /// the default (or nothing was recorded), puts back the previous
    /// default. Returns whether the file changed.
    pub fn take_default(
        &mut self,
        file: &Path,
        rt: &mut dyn Runtimes,
    ) -> Result<bool, EngineError> {
        let names_us = rt.default_runtime()?.as_deref() == Some(self.t.name.as_str());
        let claimed = self.recorded.map_or(true, |r| r.set_as_default);
        if !names_us || !claimed {
            return Ok(false);
        }
        match self.recorded.and_then(|r| r.previous_default.as_deref()) {
            Some(previous) => rt.set_default(previous)?,
            None => rt.clear_default(file, &mut self.notes)?,
        }
        Ok(true)
    }
}

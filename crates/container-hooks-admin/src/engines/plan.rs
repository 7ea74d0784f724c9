//! Plans: what configure or remove would do, computed without touching
//! anything ([`plan_configure`], [`plan_remove`]), shown as a unified diff
//! ([`Plan::diff`]) and written under the lock ([`Plan::apply`]).

use super::files::{
    check_writable_dir, delete_file, on_root, remove_empty_dirs, write_file, DirRemoval,
    EngineFiles,
};
use super::flow::{Edit, Editor};
use super::state::{Record, State};
use super::{
    containerd, crio, docker, podman, Engine, EngineError, Wiring, DEFAULT_NAME, DEFAULT_SHIM_PATH,
};
use crate::lock::Lock;
use container_hooks_core::error::FileError;
use std::path::{Path, PathBuf};

/// The editor of each engine's files.
fn editor(engine: Engine) -> &'static dyn Editor {
    match engine {
        Engine::Docker => &docker::Docker,
        Engine::Containerd => &containerd::Containerd,
        Engine::Crio => &crio::Crio,
        Engine::Podman => &podman::Podman,
    }
}

/// What the operator asked for.
#[derive(Debug, Clone)]
pub struct Request {
    pub engine: Engine,
    /// The engine's main file; None means the recorded one, else the
    /// default.
    pub config: Option<PathBuf>,
    /// A drop-in file (containerd: optional; CRI-O: default
    /// [`crio::DEFAULT_DROP_IN`]).
    pub drop_in: Option<PathBuf>,
    /// The runtime name; None means the recorded one, else
    /// [`DEFAULT_NAME`].
    pub name: Option<String>,
    pub path: PathBuf,
    pub set_as_default: bool,
    pub force: bool,
    /// containerd: the annotations its CRI passes into config.json
    /// through the runtime entry ([`containerd::Annotations`]).
    pub annotations: containerd::Annotations,
    /// Remove: the operator takes the shim out of this engine's usual file
    /// on purpose, so `configure --detected` leaves the engine alone from
    /// now on (configure of this engine wires it again).
    pub decline: bool,
    /// The state directory, where this process reaches it.
    pub state_dir: PathBuf,
    /// Where the host's root is mounted, when it is not `/` (an installer
    /// running in a container with the host at `/host`). Engine files are
    /// named by their host paths (`config`, `drop_in`, `path` and what is
    /// written into the files, such as containerd's `imports`) and read and
    /// written below this directory. None: `/`.
    pub root: Option<PathBuf>,
}

impl Request {
    /// A request with the defaults of the command line.
    pub fn new(engine: Engine, state_dir: impl Into<PathBuf>) -> Request {
        Request {
            engine,
            config: None,
            drop_in: None,
            name: None,
            path: PathBuf::from(DEFAULT_SHIM_PATH),
            set_as_default: false,
            force: false,
            annotations: containerd::Annotations::default(),
            decline: false,
            state_dir: state_dir.into(),
            root: None,
        }
    }

    /// The main file to look the record up by: the one asked for, else the
    /// engine's default.
    fn config_or_default(&self) -> PathBuf {
        absolute(
            self.config
                .clone()
                .unwrap_or_else(|| self.engine.default_config().to_path_buf()),
        )
    }
}

/// The resolved target of an edit: the request, with the files and the
/// name to edit.
#[derive(Debug, Clone)]
pub struct Target<'r> {
    /// What was asked: the engine, the shim's path, `--set-as-default`,
    /// `--force`, the annotations, the root. The files and name to edit
    /// are the resolved ones below, not the request's.
    pub req: &'r Request,
    /// The files asked for, else the recorded ones, else the engine's
    /// defaults (host paths, made absolute).
    pub files: EngineFiles,
    /// The name asked for, else the recorded one, else [`DEFAULT_NAME`].
    pub name: String,
}

impl<'r> Target<'r> {
    /// What the request asks, completed from the record: the recorded
    /// files and name, else the engine's defaults.
    fn resolve(req: &'r Request, recorded: Option<&Record>) -> Target<'r> {
        let known = EngineFiles::of(req.engine, recorded);
        let files = EngineFiles {
            config: absolute(req.config.clone().unwrap_or(known.config)),
            drop_in: req.drop_in.clone().or(known.drop_in).map(absolute),
        };
        let name = req
            .name
            .clone()
            .or_else(|| recorded.map(|r| r.name.clone()))
            .unwrap_or_else(|| DEFAULT_NAME.to_string());
        Target { req, files, name }
    }

    /// Where this process reads and writes the host path `path`.
    pub fn on_disk(&self, path: &Path) -> PathBuf {
        on_root(self.req.root.as_deref(), path)
    }

    fn check_name(&self) -> Result<(), EngineError> {
        let name = &self.name;
        let ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if ok {
            Ok(())
        } else {
            Err(EngineError::Usage(format!(
                "--name {name:?}: a runtime name is made of letters, digits, '-', '_' and '.'"
            )))
        }
    }
}

fn absolute(p: PathBuf) -> PathBuf {
    std::path::absolute(&p).unwrap_or(p)
}

/// A file as it is now and as the plan leaves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: PathBuf,
    /// None: the file does not exist.
    pub before: Option<String>,
    /// None: the file is deleted.
    pub after: Option<String>,
}

impl FileChange {
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// What configure or remove would do.
#[derive(Debug, Clone)]
pub struct Plan {
    pub engine: Engine,
    /// Every file read that may change, where this process reaches it, in
    /// the order they are written.
    pub files: Vec<FileChange>,
    /// Things the operator should know (printed on stderr).
    pub notes: Vec<String>,
    /// Files, where this process reaches them, that configure created and
    /// that remove leaves holding only what the running engine must read
    /// to undo configure (Docker's `"default-runtime": "runc"`: dockerd
    /// keeps its current default on reload when the key is missing). Once
    /// the engine has read them, or when no running daemon reads them,
    /// they can be deleted, leaving the engine's files as they were before
    /// configure: see [`super::reload::apply_then_delete`].
    pub delete_once_read: Vec<PathBuf>,
    /// Configure: the directories, where this process reaches them, that
    /// it creates to hold its files, the outermost first.
    pub new_dirs: Vec<PathBuf>,
    /// Remove: the directories, where this process reaches them, that
    /// configure created, deleted once empty ([`Plan::remove_created_dirs`]).
    pub created_dirs: Vec<PathBuf>,
    /// The state after the plan, and where it is kept.
    state: State,
    state_dir: PathBuf,
    state_changed: bool,
    /// Save the state before the engine files (configure: the record of
    /// the previous default must exist before the file stops showing it)
    /// or after them (remove: the record must outlive the shim's entry).
    state_first: bool,
}

impl Plan {
    /// Whether the plan changes any engine file.
    pub fn changes_files(&self) -> bool {
        self.files.iter().any(FileChange::changed)
    }

    /// The files the plan writes or deletes.
    pub fn changed_files(&self) -> impl Iterator<Item = &FileChange> {
        self.files.iter().filter(|f| f.changed())
    }

    /// A unified diff of every file the plan changes (empty when none).
    pub fn diff(&self) -> String {
        let header = |path: &Path, text: &Option<String>| match text {
            Some(_) => path.display().to_string(),
            None => "/dev/null".to_string(),
        };
        let mut out = String::new();
        for f in self.changed_files() {
            let (old, new) = (f.before.as_deref(), f.after.as_deref());
            let diff = similar::TextDiff::from_lines(old.unwrap_or(""), new.unwrap_or(""));
            out.push_str(
                &diff
                    .unified_diff()
                    .context_radius(3)
                    .missing_newline_hint(true)
                    .header(&header(&f.path, &f.before), &header(&f.path, &f.after))
                    .to_string(),
            );
        }
        out
    }

    /// Writes every changed file atomically (keeping its mode; new files
    /// get 0644, new directories are created) and deletes the ones the
    /// plan removes, then the directories configure created that are left
    /// empty; saves the state first for configure and last for remove, so
    /// that a process killed in between never loses what the engine's
    /// default runtime was. Unchanged files are not touched. The plan must
    /// have been made under `lock`, the lock of its state directory.
    /// Returns what became of the directories (a directory that cannot be
    /// deleted is no failure of the plan).
    pub fn apply(&self, lock: &Lock) -> Result<Vec<DirRemoval>, EngineError> {
        if lock.dir() != self.state_dir {
            return Err(EngineError::Usage(format!(
                "{}: the plan's state is not the locked one ({})",
                self.state_dir.display(),
                lock.dir().display()
            )));
        }
        if !(self.state_changed && self.state_first) {
            self.write_files().map_err(|(_, e)| e)?;
            let dirs = self.remove_created_dirs();
            if self.state_changed {
                self.state.save(&self.state_dir)?;
            }
            return Ok(dirs);
        }
        // A file on a read-only mount is named before the state is.
        for f in self.changed_files() {
            check_writable_dir(&f.path)?;
        }
        let old = State::load(&self.state_dir)?;
        self.state.save(&self.state_dir)?;
        if let Err((done, e)) = self.write_files() {
            if done == 0 {
                // No file was changed: take the record back.
                let _ = old.save(&self.state_dir);
            }
            return Err(e.into());
        }
        Ok(Vec::new())
    }

    /// Remove: deletes each directory configure created that is empty, the
    /// deepest first. [`Plan::apply`] does, after the files; again once a
    /// file of [`Plan::delete_once_read`] is gone, since its directory
    /// can only go after it.
    pub fn remove_created_dirs(&self) -> Vec<DirRemoval> {
        remove_empty_dirs(&self.created_dirs)
    }

    /// Writes or deletes the changed files in order; on failure, how many
    /// were done.
    fn write_files(&self) -> Result<(), (usize, FileError)> {
        for (done, f) in self.changed_files().enumerate() {
            match &f.after {
                Some(text) => write_file(&f.path, text),
                None => delete_file(&f.path),
            }
            .map_err(|e| (done, e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
impl Plan {
    /// Applies the plan under the lock of its state directory, taken here
    /// after the plan was made: for tests, where nothing races it.
    pub(crate) fn apply_under_lock(&self) {
        let lock = Lock::acquire(&self.state_dir, crate::lock::LOCK_TIMEOUT, |_| {}).unwrap();
        self.apply(&lock).unwrap();
    }
}

/// The file a "nothing to do" note names: the last one read.
fn last_file<'a>(files: &'a [FileChange], t: &'a Target) -> &'a Path {
    files
        .last()
        .map_or(t.files.config.as_path(), |f| f.path.as_path())
}

/// Computes what `runtime configure` would do. Reads files, writes nothing.
pub fn plan_configure(req: &Request) -> Result<Plan, EngineError> {
    if req.drop_in.is_some() {
        if let Some(why) = req.engine.drop_in_refusal() {
            return Err(EngineError::Usage(why.into()));
        }
    }
    if req.engine != Engine::Containerd {
        if let Some(flag) = req.annotations.given() {
            return Err(EngineError::Usage(containerd::annotations_refusal(
                flag, req.engine,
            )));
        }
    }
    req.annotations.check()?;
    if !req.path.is_absolute() {
        return Err(EngineError::Usage(format!(
            "--path {}: the shim's path must be absolute",
            req.path.display()
        )));
    }
    if let Some(config) = &req.config {
        check_directory(&absolute(config.clone()), req.root.as_deref())?;
    }
    let mut state = State::load(&req.state_dir)?;
    let config = req.config_or_default();
    let recorded = state.find(req.engine, Some(&config)).cloned();
    // The record found is that of `config`: resolved from it, the files
    // are `config` and the recorded drop-in.
    let t = Target::resolve(req, recorded.as_ref());
    t.check_name()?;
    let recorded = recorded.filter(|r| r.name == t.name);
    let mut edit = Edit::new(&t, recorded.as_ref());
    editor(req.engine).configure(&mut edit)?;
    let accepted = state.set_declined(req.engine, false);
    let new_dirs = edit
        .record
        .created_dirs
        .iter()
        .map(|d| t.on_disk(d))
        .filter(|d| !d.exists())
        .collect();
    let state_changed = state.put(edit.record) | accepted;
    let mut notes = edit.notes;
    if !edit.files.iter().any(FileChange::changed) {
        notes.push(format!(
            "{}: already configured, nothing to change",
            last_file(&edit.files, &t).display()
        ));
    }
    Ok(Plan {
        engine: req.engine,
        files: on_disk(edit.files, &t),
        notes,
        delete_once_read: Vec::new(),
        new_dirs,
        created_dirs: Vec::new(),
        state,
        state_dir: req.state_dir.clone(),
        state_changed,
        state_first: true,
    })
}

/// Computes what `runtime remove` would do. Reads files, writes nothing.
pub fn plan_remove(req: &Request) -> Result<Plan, EngineError> {
    let mut state = State::load(&req.state_dir)?;
    let config = req.config.clone().map(absolute);
    let recorded = state
        .find(req.engine, config.as_deref())
        .filter(|r| req.name.as_ref().map_or(true, |n| *n == r.name))
        .cloned();
    let t = Target::resolve(req, recorded.as_ref());
    t.check_name()?;
    let mut edit = Edit::new(&t, recorded.as_ref());
    editor(req.engine).remove(&mut edit)?;
    let forgot = recorded.as_ref().is_some_and(|r| state.forget(r));
    let created_dirs = match &recorded {
        Some(r) if forgot => r.created_dirs.iter().map(|d| t.on_disk(d)).collect(),
        _ => Vec::new(),
    };
    // `configure --detected` wires engines' usual files: taking the shim
    // out of another file declines nothing.
    let usual = t.files.config == req.engine.default_config();
    let declined = req.decline && usual && state.set_declined(req.engine, true);
    let state_changed = forgot | declined;
    let mut notes = edit.notes;
    if !edit.files.iter().any(FileChange::changed) {
        notes.push(format!(
            "{}: runtime {:?} is not configured, nothing to remove",
            last_file(&edit.files, &t).display(),
            t.name
        ));
    }
    Ok(Plan {
        engine: req.engine,
        files: on_disk(edit.files, &t),
        notes,
        delete_once_read: edit.delete_once_read.iter().map(|f| t.on_disk(f)).collect(),
        new_dirs: Vec::new(),
        created_dirs,
        state,
        state_dir: req.state_dir.clone(),
        state_changed,
        state_first: false,
    })
}

/// Fails, naming `config`, when the directory of a `--config` file does
/// not exist: a path the operator typed is then most likely a typo. (The
/// directories of an engine's own files are created, and recorded.)
fn check_directory(config: &Path, root: Option<&Path>) -> Result<(), EngineError> {
    let Some(dir) = config.parent() else {
        return Ok(());
    };
    if on_root(root, dir).is_dir() || on_root(root, config).exists() {
        return Ok(());
    }
    Err(FileError::new(
        config,
        format!(
            "directory {} does not exist: a --config file must be in an existing directory (check the path)",
            dir.display()
        ),
    )
    .into())
}

/// The editors name files by their host paths; the plan writes them where
/// this process reaches them.
fn on_disk(mut files: Vec<FileChange>, t: &Target) -> Vec<FileChange> {
    for f in &mut files {
        f.path = t.on_disk(&f.path);
    }
    files
}

/// How the shim at `shim` is wired into an engine, read from its files
/// (where this process reads them).
pub fn wiring(engine: Engine, files: &EngineFiles, shim: &Path) -> Result<Wiring, EngineError> {
    editor(engine).wiring(files, shim)
}

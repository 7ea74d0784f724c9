//! Wiring the shim into container engines and taking it out again.
//!
//! Every engine follows the same flow: read its file(s), edit the text
//! (keeping everything configure does not own: comments, key order,
//! indentation, unknown keys), and write only the files whose text changed,
//! atomically and keeping their mode. What configure did is recorded in
//! [`state`] so that remove can take out exactly that and restore the
//! default runtime that was in force before.
//!
//! [`plan_configure`] and [`plan_remove`] compute a [`Plan`] without
//! touching anything; [`Plan::diff`] shows it, [`Plan::apply`] writes it.

pub mod containerd;
pub mod crio;
pub mod docker;
pub mod podman;
pub mod state;
pub mod toml_util;

use container_hooks_core::error::{io_fault, FileError};
use container_hooks_core::runtime_path::SYSTEM_PATH;
use state::{Record, State};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// The runtime name configure uses unless told otherwise.
pub const DEFAULT_NAME: &str = "container-hooks";
/// Where the packages install the shim.
pub const DEFAULT_SHIM_PATH: &str = "/usr/bin/container-hooks-runtime";
/// The file name of the shim, by which an engine entry is recognised as
/// the toolkit's own.
pub const SHIM_FILE_NAME: &str = "container-hooks-runtime";

/// A container engine the shim can be wired into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    Docker,
    Containerd,
    Crio,
    Podman,
}

impl Engine {
    /// Every engine, in the order status reports them.
    pub const ALL: [Engine; 4] = [
        Engine::Docker,
        Engine::Containerd,
        Engine::Crio,
        Engine::Podman,
    ];

    /// The name on the command line: docker, containerd, crio, podman.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Containerd => "containerd",
            Engine::Crio => "crio",
            Engine::Podman => "podman",
        }
    }

    /// Parses the command-line name.
    pub fn parse(name: &str) -> Option<Engine> {
        Engine::ALL.into_iter().find(|e| e.as_str() == name)
    }

    /// The file configure edits by default. For CRI-O this is the main
    /// crio.conf, which is only read; the runtime goes in a drop-in.
    pub fn default_config(self) -> &'static Path {
        Path::new(match self {
            Engine::Docker => "/etc/docker/daemon.json",
            Engine::Containerd => "/etc/containerd/config.toml",
            Engine::Crio => "/etc/crio/crio.conf",
            Engine::Podman => "/etc/containers/containers.conf",
        })
    }

    /// The drop-in written by default, for engines that always use one.
    pub fn default_drop_in(self) -> Option<&'static Path> {
        match self {
            Engine::Crio => Some(Path::new(crio::DEFAULT_DROP_IN)),
            _ => None,
        }
    }

    /// The engine's daemon or program, looked up to tell whether it is
    /// installed.
    pub fn binary(self) -> &'static str {
        match self {
            Engine::Docker => "dockerd",
            Engine::Containerd => "containerd",
            Engine::Crio => "crio",
            Engine::Podman => "podman",
        }
    }

    /// The configuration directory whose presence also means "installed".
    pub fn config_dir(self) -> &'static Path {
        Path::new(match self {
            Engine::Docker => "/etc/docker",
            Engine::Containerd => "/etc/containerd",
            Engine::Crio => "/etc/crio",
            Engine::Podman => "/etc/containers/containers.conf",
        })
    }

    /// The systemd unit of the engine's daemon (Podman has none).
    pub fn unit(self) -> Option<&'static str> {
        match self {
            Engine::Docker => Some("docker"),
            Engine::Containerd => Some("containerd"),
            Engine::Crio => Some("crio"),
            Engine::Podman => None,
        }
    }

    /// Whether the engine is installed: its program is in the system PATH
    /// or its configuration directory exists. Returns what was found.
    pub fn installed(self) -> Option<PathBuf> {
        for dir in std::env::split_paths(SYSTEM_PATH) {
            let p = dir.join(self.binary());
            if p.is_file() {
                return Some(p);
            }
        }
        let dir = self.config_dir();
        dir.exists().then(|| dir.to_path_buf())
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the engine needs after its file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reload {
    /// Nothing: the engine reads the file on every command (Podman).
    None,
    /// SIGHUP reloads it (dockerd).
    Signal,
    /// Only a restart applies it (containerd, CRI-O).
    Restart,
}

impl Engine {
    pub fn reload(self) -> Reload {
        match self {
            Engine::Docker => Reload::Signal,
            Engine::Containerd | Engine::Crio => Reload::Restart,
            Engine::Podman => Reload::None,
        }
    }
}

/// An error of configure, remove or status: one line, naming the file, the
/// field and the fault.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A fault in an engine file (or the state file).
    #[error("{0}")]
    File(#[from] FileError),
    /// A runtime of that name exists and is not the shim.
    #[error("{file}: {field} already exists and does not run {shim}: refusing to replace it (choose another --name, or --force)")]
    Clash {
        file: PathBuf,
        field: String,
        shim: String,
    },
    /// An option that makes no sense for this engine.
    #[error("{0}")]
    Usage(String),
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
    /// A file that holds `after` once written (unchanged when `after` is
    /// what it held already).
    pub fn rewritten(path: &std::path::Path, before: Option<String>, after: String) -> FileChange {
        FileChange {
            path: path.to_path_buf(),
            before,
            after: Some(after),
        }
    }

    /// A file left as it is.
    pub fn unchanged(path: &std::path::Path, before: Option<String>) -> FileChange {
        FileChange {
            path: path.to_path_buf(),
            after: before.clone(),
            before,
        }
    }

    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// What configure or remove would do.
#[derive(Debug, Clone)]
pub struct Plan {
    pub engine: Engine,
    /// Every file read that may change, in the order they are written.
    pub files: Vec<FileChange>,
    /// Things the operator should know (printed on stderr).
    pub notes: Vec<String>,
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
        let mut out = String::new();
        for f in self.changed_files() {
            let name = f.path.display().to_string();
            let old_header = if f.before.is_some() {
                name.clone()
            } else {
                "/dev/null".into()
            };
            let new_header = if f.after.is_some() {
                name.clone()
            } else {
                "/dev/null".into()
            };
            let old = f.before.as_deref().unwrap_or("");
            let new = f.after.as_deref().unwrap_or("");
            let diff = similar::TextDiff::from_lines(old, new);
            let text = diff
                .unified_diff()
                .context_radius(3)
                .missing_newline_hint(true)
                .header(&old_header, &new_header)
                .to_string();
            out.push_str(&text);
        }
        out
    }

    /// Writes every changed file atomically (keeping its mode; new files
    /// get 0644) and deletes the ones the plan removes; records the state
    /// first for configure and last for remove, so that a process killed
    /// in between never loses what the engine's default runtime was.
    /// Unchanged files are not touched.
    pub fn apply(&self) -> Result<(), EngineError> {
        if self.state_changed && self.state_first {
            // A file on a read-only mount is named before the state is.
            for f in self.changed_files() {
                check_writable_dir(&f.path)?;
            }
            let old = State::load(&self.state_dir)?;
            self.state.save(&self.state_dir)?;
            let mut written = 0;
            if let Err(e) = self.write_files(&mut written) {
                if written == 0 {
                    // No file was changed: take the record back.
                    let _ = old.save(&self.state_dir);
                }
                return Err(e);
            }
            return Ok(());
        }
        self.write_files(&mut 0)?;
        if self.state_changed && !self.state_first {
            self.state.save(&self.state_dir)?;
        }
        Ok(())
    }
}

impl Plan {
    /// Writes or deletes the changed files in order, counting the done.
    fn write_files(&self, written: &mut usize) -> Result<(), EngineError> {
        for f in self.changed_files() {
            match &f.after {
                Some(text) => write_file(&f.path, text)?,
                None => match std::fs::remove_file(&f.path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(FileError::io(&f.path, &e).into()),
                },
            }
            *written += 1;
        }
        Ok(())
    }
}

/// Fails, naming `path`, when the nearest existing directory above it
/// cannot be written (a read-only mount, no permission).
fn check_writable_dir(path: &Path) -> Result<(), FileError> {
    use std::os::unix::ffi::OsStrExt;
    let Some(mut dir) = path.parent() else {
        return Ok(());
    };
    while !dir.as_os_str().is_empty() && !dir.exists() {
        match dir.parent() {
            Some(up) => dir = up,
            None => return Ok(()),
        }
    }
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return Ok(());
    };
    // SAFETY: `c` is a valid NUL-terminated path for the whole call.
    if unsafe { libc::access(c.as_ptr(), libc::W_OK) } != 0 {
        return Err(FileError::io(path, &io::Error::last_os_error()));
    }
    Ok(())
}

fn write_file(path: &Path, text: &str) -> Result<(), FileError> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() && !dir.exists() {
            std::fs::create_dir_all(dir).map_err(|e| FileError::io(dir, &e))?;
        }
    }
    container_hooks_core::atomic::replace_file(path, text.as_bytes(), 0o644, true)
        .map_err(|e| FileError::io(path, &e))
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
    pub state_dir: PathBuf,
    /// Where the host's root is mounted, when it is not `/` (an installer
    /// running in a container with the host at `/host`). Engine files are
    /// named by their host paths (`config`, `drop_in`, `path` and what is
    /// written into the files, such as containerd's `imports`) and read and
    /// written below this directory. None: `/`.
    pub root: Option<PathBuf>,
}

/// The path at which this process reaches the host path `path`, the host's
/// root being mounted at `root` (None: `/`).
pub fn on_root(root: Option<&Path>, path: &Path) -> PathBuf {
    match root {
        Some(r) if r != Path::new("/") => {
            let rel = path.strip_prefix("/").unwrap_or(path);
            r.join(rel)
        }
        _ => path.to_path_buf(),
    }
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
            state_dir: state_dir.into(),
            root: None,
        }
    }
}

/// The resolved target of an edit: which files, which name.
#[derive(Debug, Clone)]
pub struct Target {
    pub config: PathBuf,
    pub drop_in: Option<PathBuf>,
    pub name: String,
    pub path: PathBuf,
    pub set_as_default: bool,
    pub force: bool,
    /// See [`Request::root`].
    pub root: Option<PathBuf>,
}

impl Target {
    /// Where this process reads and writes the host path `path`.
    pub fn on_disk(&self, path: &Path) -> PathBuf {
        on_root(self.root.as_deref(), path)
    }
}

/// The result of one engine editor: the new texts and the record.
pub(crate) struct Edit {
    pub files: Vec<FileChange>,
    pub notes: Vec<String>,
    /// The record to keep (configure) or None (remove: forget it).
    pub record: Option<Record>,
}

impl Edit {
    /// Nothing to write: one file left as it is, with notes.
    fn unchanged(path: &std::path::Path, before: Option<String>, notes: Vec<String>) -> Edit {
        Edit {
            files: vec![FileChange::unchanged(path, before)],
            notes,
            record: None,
        }
    }

    /// The editors name files by their host paths; the plan writes them
    /// where this process reaches them.
    fn on_disk(mut self, t: &Target) -> Edit {
        for f in &mut self.files {
            f.path = t.on_disk(&f.path);
        }
        self
    }
}

fn absolute(p: PathBuf) -> PathBuf {
    std::path::absolute(&p).unwrap_or(p)
}

fn resolve(req: &Request, recorded: Option<&Record>) -> Target {
    let config = req
        .config
        .clone()
        .or_else(|| recorded.map(|r| r.config.clone()))
        .unwrap_or_else(|| req.engine.default_config().to_path_buf());
    let drop_in = req
        .drop_in
        .clone()
        .or_else(|| recorded.and_then(|r| r.drop_in.clone()))
        .or_else(|| req.engine.default_drop_in().map(Path::to_path_buf));
    let config = absolute(config);
    let drop_in = drop_in.map(absolute);
    let name = req
        .name
        .clone()
        .or_else(|| recorded.map(|r| r.name.clone()))
        .unwrap_or_else(|| DEFAULT_NAME.to_string());
    Target {
        config,
        drop_in,
        name,
        path: req.path.clone(),
        set_as_default: req.set_as_default,
        force: req.force,
        root: req.root.clone(),
    }
}

fn check_name(name: &str) -> Result<(), EngineError> {
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

/// Computes what `runtime configure` would do. Reads files, writes nothing.
pub fn plan_configure(req: &Request) -> Result<Plan, EngineError> {
    if req.engine == Engine::Docker && req.drop_in.is_some() {
        return Err(EngineError::Usage(
            "--drop-in: Docker reads no drop-in files; edit daemon.json with --config".into(),
        ));
    }
    if req.engine == Engine::Podman && req.drop_in.is_some() {
        return Err(EngineError::Usage(
            "--drop-in: not supported for podman; use --config FILE (for example a file in /etc/containers/containers.conf.d)".into(),
        ));
    }
    if !req.path.is_absolute() {
        return Err(EngineError::Usage(format!(
            "--path {}: the shim's path must be absolute",
            req.path.display()
        )));
    }
    let mut state = State::load(&req.state_dir)?;
    let config_for_lookup = absolute(
        req.config
            .clone()
            .unwrap_or_else(|| req.engine.default_config().to_path_buf()),
    );
    let recorded = state.find(req.engine, Some(&config_for_lookup)).cloned();
    let target = resolve(
        &Request {
            config: Some(config_for_lookup),
            ..req.clone()
        },
        recorded.as_ref(),
    );
    check_name(&target.name)?;
    let recorded = recorded.filter(|r| r.name == target.name);
    let edit = match req.engine {
        Engine::Docker => docker::configure(&target, recorded.as_ref())?,
        Engine::Containerd => containerd::configure(&target, recorded.as_ref())?,
        Engine::Crio => crio::configure(&target, recorded.as_ref())?,
        Engine::Podman => podman::configure(&target, recorded.as_ref())?,
    };
    let edit = edit.on_disk(&target);
    let mut state_changed = false;
    if let Some(record) = edit.record {
        state_changed = state.put(record);
    }
    let mut notes = edit.notes;
    if !edit.files.iter().any(FileChange::changed) {
        notes.push(format!(
            "{}: already configured, nothing to change",
            target_file(&edit.files, &target).display()
        ));
    }
    Ok(Plan {
        engine: req.engine,
        files: edit.files,
        notes,
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
    let target = resolve(req, recorded.as_ref());
    check_name(&target.name)?;
    let edit = match req.engine {
        Engine::Docker => docker::remove(&target, recorded.as_ref())?,
        Engine::Containerd => containerd::remove(&target, recorded.as_ref())?,
        Engine::Crio => crio::remove(&target, recorded.as_ref())?,
        Engine::Podman => podman::remove(&target, recorded.as_ref())?,
    };
    let edit = edit.on_disk(&target);
    let mut notes = edit.notes;
    let mut state_changed = false;
    if let Some(r) = &recorded {
        state_changed = state.forget(r);
    }
    if !edit.files.iter().any(FileChange::changed) {
        notes.push(format!(
            "{}: runtime {:?} is not configured, nothing to remove",
            target_file(&edit.files, &target).display(),
            target.name
        ));
    }
    Ok(Plan {
        engine: req.engine,
        files: edit.files,
        notes,
        state,
        state_dir: req.state_dir.clone(),
        state_changed,
        state_first: false,
    })
}

fn target_file<'a>(files: &'a [FileChange], target: &'a Target) -> &'a Path {
    files
        .last()
        .map(|f| f.path.as_path())
        .unwrap_or(target.config.as_path())
}

/// Reads an engine file as text. `Ok(None)` when it does not exist; a
/// directory or unreadable file is an error naming it.
pub fn read_optional(path: &Path) -> Result<Option<String>, FileError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(FileError::new(path, "is a directory, not a file"));
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FileError::io(path, &e)),
    }
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| FileError::new(path, "not valid UTF-8 text")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(FileError::new(path, io_fault(&e))),
    }
}

/// Whether a runtime path names the shim: the configured path, or any file
/// called `container-hooks-runtime`.
pub fn is_shim_path(entry: &str, path: &Path) -> bool {
    Path::new(entry) == path
        || Path::new(entry)
            .file_name()
            .is_some_and(|n| n == SHIM_FILE_NAME)
}

/// How the engine is wired to the shim, as read from its files.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Wiring {
    /// The runtime entries that run the shim: (name, path).
    pub shim_runtimes: Vec<(String, String)>,
    /// The engine's default runtime name, when a file sets one.
    pub default_runtime: Option<String>,
}

/// Reads how an engine is wired, from its main file and drop-in.
pub fn wiring(
    engine: Engine,
    config: &Path,
    drop_in: Option<&Path>,
) -> Result<Wiring, EngineError> {
    match engine {
        Engine::Docker => docker::wiring(config),
        Engine::Containerd => containerd::wiring(config, drop_in),
        Engine::Crio => crio::wiring(config, drop_in.unwrap_or(Path::new(crio::DEFAULT_DROP_IN))),
        Engine::Podman => podman::wiring(config),
    }
}

/// The status of one engine, as `runtime status` reports it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EngineStatus {
    pub engine: &'static str,
    /// What shows the engine is installed (its program or config dir).
    pub installed: Option<PathBuf>,
    /// The file configure would edit.
    pub config: PathBuf,
    pub drop_in: Option<PathBuf>,
    /// The runtime name of the shim in this engine, when wired.
    pub runtime: Option<String>,
    pub wired: bool,
    pub default: bool,
    pub default_runtime: Option<String>,
    /// An error reading the engine's files.
    pub error: Option<String>,
}

/// Reports every engine: installed, file, wired, default.
pub fn status(state_dir: &Path) -> Result<Vec<EngineStatus>, EngineError> {
    let state = State::load(state_dir)?;
    let mut out = Vec::new();
    for engine in Engine::ALL {
        let recorded = state.find(engine, None);
        let config = recorded
            .map(|r| r.config.clone())
            .unwrap_or_else(|| engine.default_config().to_path_buf());
        let drop_in = recorded
            .and_then(|r| r.drop_in.clone())
            .or_else(|| engine.default_drop_in().map(Path::to_path_buf));
        let mut st = EngineStatus {
            engine: engine.as_str(),
            installed: engine.installed(),
            config: config.clone(),
            drop_in: drop_in.clone(),
            runtime: None,
            wired: false,
            default: false,
            default_runtime: None,
            error: None,
        };
        match wiring(engine, &config, drop_in.as_deref()) {
            Ok(w) => {
                let name = recorded
                    .map(|r| r.name.clone())
                    .filter(|n| w.shim_runtimes.iter().any(|(m, _)| m == n))
                    .or_else(|| w.shim_runtimes.first().map(|(n, _)| n.clone()));
                st.wired = name.is_some();
                st.default = name.is_some() && name == w.default_runtime;
                st.runtime = name;
                st.default_runtime = w.default_runtime;
            }
            Err(e) => st.error = Some(e.to_string()),
        }
        out.push(st);
    }
    Ok(out)
}

/// The command that makes the engine read its changed file.
pub fn apply_command(engine: Engine, pid_file: &Path) -> Option<String> {
    match engine {
        Engine::Docker => Some(format!(
            "kill -HUP $(cat {})   # or: systemctl reload docker",
            pid_file.display()
        )),
        Engine::Containerd => Some("systemctl restart containerd".into()),
        Engine::Crio => Some("systemctl restart crio".into()),
        Engine::Podman => None,
    }
}

/// The pid file dockerd writes by default.
pub const DOCKER_PID_FILE: &str = "/var/run/docker.pid";

/// Sends SIGHUP to the process whose pid is in `pid_file`.
pub fn signal_reload(pid_file: &Path) -> Result<u32, FileError> {
    let text = std::fs::read_to_string(pid_file).map_err(|e| FileError::io(pid_file, &e))?;
    let pid: i32 = text.trim().parse().ok().filter(|p| *p > 0).ok_or_else(|| {
        FileError::new(
            pid_file,
            format!("holds {:?}, not a process id", text.trim()),
        )
    })?;
    // SAFETY: kill(2) with a positive pid and a signal number has no memory
    // effects.
    let rc = unsafe { libc::kill(pid, libc::SIGHUP) };
    if rc != 0 {
        let err = io::Error::last_os_error();
        return Err(FileError::new(
            pid_file,
            format!("cannot send SIGHUP to process {pid}: {}", io_fault(&err)),
        ));
    }
    Ok(pid as u32)
}

/// Whether remove puts back the default runtime when it names the removed
/// runtime: when configure made it the default, or when nothing was
/// recorded (a runtime that runs the shim being the default).
pub(crate) fn restores_default(recorded: Option<&Record>) -> bool {
    recorded.map_or(true, |r| r.set_as_default)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(rel: &str) -> PathBuf {
        test_support::fixture(&format!("engines/{rel}"))
    }

    #[test]
    fn on_root_maps_host_paths_below_the_root() {
        let p = Path::new("/etc/containerd/config.toml");
        assert_eq!(on_root(None, p), p);
        assert_eq!(on_root(Some(Path::new("/")), p), p);
        assert_eq!(
            on_root(Some(Path::new("/host")), p),
            Path::new("/host/etc/containerd/config.toml")
        );
    }

    /// With a root, files are read and written below it while what goes
    /// into them (imports, BinaryName) and the state name host paths.
    #[test]
    fn containerd_below_a_root_writes_host_paths_into_the_files() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("host");
        std::fs::create_dir_all(root.join("etc/containerd")).unwrap();
        std::fs::copy(
            fixture("containerd/v2-debian-package.toml"),
            root.join("etc/containerd/config.toml"),
        )
        .unwrap();
        let mut req = Request::new(Engine::Containerd, root.join("var/lib/container-hooks"));
        req.root = Some(root.clone());
        req.drop_in = Some(containerd::suggested_drop_in());
        req.path = PathBuf::from("/usr/local/container-hooks/bin/container-hooks-runtime");
        let plan = plan_configure(&req).unwrap();
        let paths: Vec<_> = plan.changed_files().map(|f| f.path.clone()).collect();
        assert_eq!(
            paths,
            [
                root.join("etc/containerd/conf.d/99-container-hooks.toml"),
                root.join("etc/containerd/config.toml")
            ]
        );
        plan.apply().unwrap();
        let main = std::fs::read_to_string(root.join("etc/containerd/config.toml")).unwrap();
        assert!(
            main.contains("imports = [\"/etc/containerd/conf.d/*.toml\"]"),
            "{main}"
        );
        let din =
            std::fs::read_to_string(root.join("etc/containerd/conf.d/99-container-hooks.toml"))
                .unwrap();
        assert!(
            din.contains("BinaryName = \"/usr/local/container-hooks/bin/container-hooks-runtime\""),
            "{din}"
        );
        assert!(!din.contains(root.to_str().unwrap()), "{din}");
        let state =
            std::fs::read_to_string(root.join("var/lib/container-hooks/runtimes.json")).unwrap();
        assert!(!state.contains(root.to_str().unwrap()), "{state}");
        // Again: nothing to change.
        assert!(!plan_configure(&req).unwrap().changes_files());
        // Remove puts the main file back and deletes the drop-in.
        plan_remove(&req).unwrap().apply().unwrap();
        assert_eq!(
            std::fs::read_to_string(root.join("etc/containerd/config.toml")).unwrap(),
            std::fs::read_to_string(fixture("containerd/v2-debian-package.toml")).unwrap()
        );
        assert!(!root
            .join("etc/containerd/conf.d/99-container-hooks.toml")
            .exists());
    }

    #[test]
    fn crio_below_a_root_reads_the_host_files() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("host");
        std::fs::create_dir_all(root.join("etc/crio")).unwrap();
        std::fs::copy(fixture("crio/crio.conf"), root.join("etc/crio/crio.conf")).unwrap();
        let mut req = Request::new(Engine::Crio, root.join("var/lib/container-hooks"));
        req.root = Some(root.clone());
        req.path = PathBuf::from("/usr/local/container-hooks/bin/container-hooks-runtime");
        plan_configure(&req).unwrap().apply().unwrap();
        let din = std::fs::read_to_string(root.join(&crio::DEFAULT_DROP_IN[1..])).unwrap();
        assert!(
            din.contains(
                "runtime_path = \"/usr/local/container-hooks/bin/container-hooks-runtime\""
            ),
            "{din}"
        );
        plan_remove(&req).unwrap().apply().unwrap();
        assert!(!root.join(&crio::DEFAULT_DROP_IN[1..]).exists());
    }
}

//! What configure did, so that remove can undo exactly that.
//!
//! One JSON file, `<state dir>/runtimes.json` (default state dir
//! `/var/lib/container-hooks`, or `$CONTAINER_HOOKS_STATE_DIR`), holding one
//! record per engine file configured. Written atomically.

use super::Engine;
use container_hooks_core::error::{json_fault, FileError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The state directory unless told otherwise.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/container-hooks";
/// The environment variable that overrides [`DEFAULT_STATE_DIR`].
pub const STATE_DIR_ENV: &str = "CONTAINER_HOOKS_STATE_DIR";
/// The file name of the state in the state directory.
pub const STATE_FILE: &str = "runtimes.json";

/// The state directory: `$CONTAINER_HOOKS_STATE_DIR` when set and not
/// empty, else the default.
pub fn default_state_dir() -> PathBuf {
    match std::env::var_os(STATE_DIR_ENV) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(DEFAULT_STATE_DIR),
    }
}

/// What one configure did to one engine file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// docker, containerd, crio or podman.
    pub engine: String,
    /// The engine's main file.
    pub config: PathBuf,
    /// The drop-in written, when one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop_in: Option<PathBuf>,
    /// The runtime name added.
    pub name: String,
    /// The shim path written.
    pub path: PathBuf,
    /// Whether configure made the runtime the default.
    #[serde(default)]
    pub set_as_default: bool,
    /// The default runtime before configure made ours the default; None
    /// when the file set none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_default: Option<String>,
    /// A runtime entry of the same name that `--force` replaced, in the
    /// file's own syntax, to be put back on remove.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced: Option<String>,
    /// Files that did not exist before configure.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub created_files: Vec<PathBuf>,
    /// Keys configure added besides the runtime (e.g. `version`,
    /// `imports`, an imports entry, a copied plugin table).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
}

impl Record {
    pub fn new(engine: Engine, config: &Path, name: &str, path: &Path) -> Record {
        Record {
            engine: engine.as_str().to_string(),
            config: config.to_path_buf(),
            drop_in: None,
            name: name.to_string(),
            path: path.to_path_buf(),
            set_as_default: false,
            previous_default: None,
            replaced: None,
            created_files: Vec::new(),
            added: Vec::new(),
        }
    }

    /// Whether configure added `key` (see [`Record::added`]).
    pub fn added(&self, key: &str) -> bool {
        self.added.iter().any(|k| k == key)
    }

    /// Notes tables that configure created (dotted names), so remove
    /// takes them out again.
    pub fn note_created_tables(&mut self, created: Vec<String>) {
        for c in created {
            let key = format!("table {c}");
            if !self.added(&key) {
                self.added.push(key);
            }
        }
    }

    /// Whether configure created `file`.
    pub fn created(&self, file: &Path) -> bool {
        self.created_files.iter().any(|f| f == file)
    }
}

/// Every record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    #[serde(default)]
    pub records: Vec<Record>,
}

impl State {
    /// Reads the state; a missing file or directory is an empty state.
    pub fn load(dir: &Path) -> Result<State, FileError> {
        let path = dir.join(STATE_FILE);
        let Some(text) = super::read_optional(&path)? else {
            return Ok(State::default());
        };
        if text.trim().is_empty() {
            return Ok(State::default());
        }
        serde_json::from_str(&text).map_err(|e| FileError::new(&path, json_fault(&e)))
    }

    /// Writes the state atomically (mode 0644), creating the directory.
    pub fn save(&self, dir: &Path) -> Result<(), FileError> {
        std::fs::create_dir_all(dir).map_err(|e| FileError::io(dir, &e))?;
        let path = dir.join(STATE_FILE);
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|e| FileError::new(&path, json_fault(&e)))?;
        text.push('\n');
        container_hooks_core::atomic::replace_file(&path, text.as_bytes(), 0o644, true)
            .map_err(|e| FileError::io(&path, &e))
    }

    /// The record for an engine and main file; with no file, the latest
    /// record of that engine.
    pub fn find(&self, engine: Engine, config: Option<&Path>) -> Option<&Record> {
        self.records
            .iter()
            .rev()
            .filter(|r| r.engine == engine.as_str())
            .find(|r| config.map_or(true, |c| r.config == c))
    }

    /// Stores a record, replacing the one for the same engine and file.
    /// Returns whether the state changed.
    pub fn put(&mut self, record: Record) -> bool {
        if let Some(old) = self
            .records
            .iter_mut()
            .find(|r| r.engine == record.engine && r.config == record.config)
        {
            if *old == record {
                return false;
            }
            *old = record;
        } else {
            self.records.push(record);
        }
        true
    }

    /// Drops a record. Returns whether it was there.
    pub fn forget(&mut self, record: &Record) -> bool {
        let before = self.records.len();
        self.records
            .retain(|r| !(r.engine == record.engine && r.config == record.config));
        self.records.len() != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_missing_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(State::load(dir.path()).unwrap(), State::default());
        let mut s = State::default();
        let mut r = Record::new(
            Engine::Docker,
            Path::new("/etc/docker/daemon.json"),
            "x",
            Path::new("/bin/x"),
        );
        r.previous_default = Some("nvidia".into());
        assert!(s.put(r.clone()));
        assert!(!s.put(r.clone()));
        let sub = dir.path().join("sub");
        s.save(&sub).unwrap();
        let back = State::load(&sub).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.find(Engine::Docker, None), Some(&r));
        assert_eq!(back.find(Engine::Podman, None), None);
        let mut back = back;
        assert!(back.forget(&r));
        assert!(back.records.is_empty());
    }

    #[test]
    fn corrupt_state_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(STATE_FILE), "{").unwrap();
        let err = State::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains(STATE_FILE) && err.contains("JSON"), "{err}");
    }
}

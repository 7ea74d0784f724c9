//! What configure did, so that remove can undo exactly that.
//!
//! One JSON file, `<state dir>/runtimes.json` (default state dir
//! `/var/lib/container-hooks`, or `$CONTAINER_HOOKS_STATE_DIR`), holding one
//! [`Record`] per engine file configured, written atomically. What
//! configure added besides the runtime is a typed list ([`Added`]); the
//! free-text entries that release 0.1.0 wrote (`"plugin copy"`,
//! `"table crio.runtime"`, ...) are read as the same values, so a host
//! upgraded from it removes cleanly.

use super::files::read_optional;
use super::Engine;
use container_hooks_core::error::{json_fault, FileError};
use serde::{Deserialize, Deserializer, Serialize};
use std::path::{Path, PathBuf};

/// The state directory unless told otherwise.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/container-hooks";
/// The environment variable that overrides [`DEFAULT_STATE_DIR`].
pub const STATE_DIR_ENV: &str = "CONTAINER_HOOKS_STATE_DIR";
/// The file name of the state in the state directory.
pub const STATE_FILE: &str = "runtimes.json";
/// The version of the state file this tool writes. Files without a
/// version were written by release 0.1.0.
pub const STATE_VERSION: u32 = 2;

/// The state directory: `$CONTAINER_HOOKS_STATE_DIR` when set and not
/// empty, else the default.
pub fn default_state_dir() -> PathBuf {
    match std::env::var_os(STATE_DIR_ENV) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(DEFAULT_STATE_DIR),
    }
}

/// Something configure added to an engine file besides the runtime entry
/// and the default, which remove takes out again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "added", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Added {
    /// Docker: the `runtimes` object of daemon.json.
    RuntimesObject,
    /// containerd: `version` of a main file that was missing or empty.
    Version,
    /// containerd: `version` of the drop-in.
    DropInVersion,
    /// containerd: the drop-in's copy of the main file's CRI plugin table.
    PluginCopy,
    /// containerd: the `imports` key of the main file.
    Imports,
    /// containerd: one entry of an `imports` the main file had already.
    ImportsEntry { entry: String },
    /// A TOML table that did not exist, by its keys.
    Table { keys: Vec<String> },
    /// containerd: its built-in `runc` runtime, which it drops once a
    /// file names any runtime.
    BuiltinRunc,
    /// containerd 1.x: `options.BinaryName` of the CRI plugin's deprecated
    /// `default_runtime` table, pointed at the shim; `previous` is the
    /// value it had (None: the key was not there).
    DefaultRuntimeBinary {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous: Option<String>,
    },
}

impl Added {
    /// Reads an entry as release 0.1.0 wrote it.
    fn from_legacy(text: &str) -> Result<Added, String> {
        Ok(match text {
            "runtimes" => Added::RuntimesObject,
            "version" => Added::Version,
            "drop-in version" => Added::DropInVersion,
            "plugin copy" => Added::PluginCopy,
            "imports" => Added::Imports,
            "built-in runc runtime" => Added::BuiltinRunc,
            _ => {
                if let Some(entry) = text.strip_prefix("imports entry ") {
                    Added::ImportsEntry {
                        entry: entry.to_string(),
                    }
                } else if let Some(dotted) = text.strip_prefix("table ") {
                    let keys = toml_edit::Key::parse(dotted)
                        .map_err(|_| format!("added: {text:?} names no TOML table"))?;
                    Added::Table {
                        keys: keys.iter().map(|k| k.get().to_string()).collect(),
                    }
                } else {
                    return Err(format!("added: unknown entry {text:?}"));
                }
            }
        })
    }

    /// A table of these keys.
    pub fn table(keys: &[&str]) -> Added {
        Added::Table {
            keys: keys.iter().map(|k| k.to_string()).collect(),
        }
    }
}

/// Reads `added`: typed entries, or release 0.1.0's strings.
fn added_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Added>, D::Error> {
    use serde::de::Error;
    let raw = Vec::<serde_json::Value>::deserialize(d)?;
    raw.into_iter()
        .map(|v| match v {
            serde_json::Value::String(s) => Added::from_legacy(&s).map_err(D::Error::custom),
            other => serde_json::from_value(other).map_err(D::Error::custom),
        })
        .collect()
}

/// What one configure did to one engine file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub engine: Engine,
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
    /// Directories that did not exist before configure, which it created
    /// to write those files, the outermost first: remove deletes each
    /// again when it is empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub created_dirs: Vec<PathBuf>,
    /// What configure added besides the runtime and the default.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "added_list"
    )]
    pub added: Vec<Added>,
}

impl Record {
    pub fn new(engine: Engine, config: &Path, name: &str, path: &Path) -> Record {
        Record {
            engine,
            config: config.to_path_buf(),
            drop_in: None,
            name: name.to_string(),
            path: path.to_path_buf(),
            set_as_default: false,
            previous_default: None,
            replaced: None,
            created_files: Vec::new(),
            created_dirs: Vec::new(),
            added: Vec::new(),
        }
    }

    /// Whether configure added `what`.
    pub fn added(&self, what: &Added) -> bool {
        self.added.contains(what)
    }

    /// Whether configure created the table with these keys.
    pub fn added_table(&self, keys: &[&str]) -> bool {
        self.added.iter().any(|a| match a {
            Added::Table { keys: k } => k.iter().map(String::as_str).eq(keys.iter().copied()),
            _ => false,
        })
    }

    /// Notes that configure added `what` (once).
    pub fn add(&mut self, what: Added) {
        if !self.added(&what) {
            self.added.push(what);
        }
    }

    /// Whether configure created `file`.
    pub fn created(&self, file: &Path) -> bool {
        self.created_files.iter().any(|f| f == file)
    }

    /// What `options.BinaryName` of containerd's deprecated
    /// `default_runtime` table held before configure pointed it at the
    /// shim: None when configure did not, Some(None) when the key was not
    /// there.
    pub fn default_runtime_binary(&self) -> Option<Option<&str>> {
        self.added.iter().find_map(|a| match a {
            Added::DefaultRuntimeBinary { previous } => Some(previous.as_deref()),
            _ => None,
        })
    }
}

/// Every record, and the engines the operator took the shim out of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// [`STATE_VERSION`]; missing in files of release 0.1.0.
    #[serde(default = "legacy_version")]
    pub version: u32,
    #[serde(default)]
    pub records: Vec<Record>,
    /// Engines the operator took the shim out of with `runtime remove
    /// --runtime ENGINE`: `configure --detected` (the packages, their
    /// triggers) leaves them alone until `configure --runtime ENGINE`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub declined: Vec<Engine>,
}

fn legacy_version() -> u32 {
    1
}

impl Default for State {
    fn default() -> State {
        State {
            version: STATE_VERSION,
            records: Vec::new(),
            declined: Vec::new(),
        }
    }
}

impl State {
    /// Reads the state; a missing file or directory is an empty state.
    pub fn load(dir: &Path) -> Result<State, FileError> {
        let path = dir.join(STATE_FILE);
        let Some(text) = read_optional(&path)? else {
            return Ok(State::default());
        };
        if text.trim().is_empty() {
            return Ok(State::default());
        }
        let state: State =
            serde_json::from_str(&text).map_err(|e| FileError::new(&path, json_fault(&e)))?;
        if state.version > STATE_VERSION {
            return Err(FileError::new(
                &path,
                format!(
                    "version {} was written by a newer container-hooks-ctk (this one reads up to {STATE_VERSION})",
                    state.version
                ),
            ));
        }
        Ok(state)
    }

    /// Writes the state atomically (mode 0644) in the current version,
    /// creating the directory. With nothing left to keep (no record, no
    /// declined engine) there is no file: it is deleted.
    pub fn save(&self, dir: &Path) -> Result<(), FileError> {
        let path = dir.join(STATE_FILE);
        if self.records.is_empty() && self.declined.is_empty() {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(FileError::io(&path, &e)),
                _ => Ok(()),
            };
        }
        std::fs::create_dir_all(dir).map_err(|e| FileError::io(dir, &e))?;
        let current = State {
            version: STATE_VERSION,
            ..self.clone()
        };
        let mut text = serde_json::to_string_pretty(&current)
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
            .filter(|r| r.engine == engine)
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

    /// Whether the operator took the shim out of `engine` by hand.
    pub fn is_declined(&self, engine: Engine) -> bool {
        self.declined.contains(&engine)
    }

    /// Notes that the operator took the shim out of `engine` (or wired
    /// it again, `declined` false). Returns whether the state changed.
    pub fn set_declined(&mut self, engine: Engine, declined: bool) -> bool {
        if declined == self.is_declined(engine) {
            return false;
        }
        if declined {
            self.declined.push(engine);
        } else {
            self.declined.retain(|e| *e != engine);
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
        r.created_files = vec!["/etc/docker/daemon.json".into()];
        r.created_dirs = vec!["/etc".into(), "/etc/docker".into()];
        r.add(Added::table(&["plugins", "io.containerd.grpc.v1.cri"]));
        r.add(Added::ImportsEntry {
            entry: "/etc/containerd/conf.d/*.toml".into(),
        });
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
        // Nothing left to record: no file.
        back.save(&sub).unwrap();
        assert!(!sub.join(STATE_FILE).exists());
        assert_eq!(State::load(&sub).unwrap(), State::default());
        back.save(&sub).unwrap();
        // Declined engines round-trip; none is not written at all.
        assert!(back.set_declined(Engine::Docker, true));
        assert!(!back.set_declined(Engine::Docker, true));
        back.save(&sub).unwrap();
        assert!(State::load(&sub).unwrap().is_declined(Engine::Docker));
        assert!(back.set_declined(Engine::Docker, false));
        back.save(&sub).unwrap();
        // Nothing declined and nothing recorded: no file again.
        assert!(!sub.join(STATE_FILE).exists());
    }

    /// Every entry release 0.1.0 wrote into `added` reads as its typed
    /// value, and is written back typed.
    #[test]
    fn release_0_1_0_entries_are_read_as_typed_values() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(STATE_FILE),
            r#"{"records": [{"engine": "containerd", "config": "/etc/containerd/config.toml",
                "name": "container-hooks", "path": "/usr/bin/container-hooks-runtime",
                "added": ["runtimes", "version", "drop-in version", "plugin copy", "imports",
                          "imports entry /etc/containerd/conf.d/*.toml", "built-in runc runtime",
                          "table plugins.\"io.containerd.grpc.v1.cri\".containerd"]}]}"#,
        )
        .unwrap();
        let s = State::load(dir.path()).unwrap();
        assert_eq!(s.version, 1);
        assert_eq!(
            s.records[0].added,
            [
                Added::RuntimesObject,
                Added::Version,
                Added::DropInVersion,
                Added::PluginCopy,
                Added::Imports,
                Added::ImportsEntry {
                    entry: "/etc/containerd/conf.d/*.toml".into()
                },
                Added::BuiltinRunc,
                Added::table(&["plugins", "io.containerd.grpc.v1.cri", "containerd"]),
            ]
        );
        s.save(dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join(STATE_FILE)).unwrap();
        assert!(text.contains("\"version\": 2"), "{text}");
        assert!(text.contains("\"added\": \"plugin-copy\""), "{text}");
        assert_eq!(State::load(dir.path()).unwrap().records, s.records);
    }

    #[test]
    fn corrupt_unknown_or_newer_state_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        for (text, needle) in [
            ("{", "JSON"),
            (
                r#"{"records": [{"engine": "docker", "config": "/x", "name": "n", "path": "/p", "added": ["a note"]}]}"#,
                "unknown entry \"a note\"",
            ),
            (
                r#"{"version": 3, "records": []}"#,
                "newer container-hooks-ctk",
            ),
        ] {
            std::fs::write(&path, text).unwrap();
            let err = State::load(dir.path()).unwrap_err().to_string();
            assert!(err.contains(STATE_FILE) && err.contains(needle), "{err}");
        }
    }
}

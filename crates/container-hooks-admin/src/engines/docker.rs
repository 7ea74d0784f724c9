//! Docker's daemon.json: `runtimes.<name>.path`, and `default-runtime`
//! with `--set-as-default`.
//!
//! The file is read as JSON with its key order kept and written back with
//! the indentation width it had. An empty (0-byte) file is read as `{}`.
//!
//! Removing the shim as the default writes the previous `default-runtime`
//! back; when the file had none, it writes Docker's own default, `"runc"`,
//! instead of deleting the key: dockerd 20.10 keeps its current
//! `default-runtime` and `runtimes` on SIGHUP when the keys are absent from
//! the file, so a deleted key would only take effect at the next restart
//! and leave dockerd pointing at the shim until then. When configure
//! created the file and that key is all that is left, the plan names the
//! file in `delete_once_read`: it goes once dockerd has read it, or at once
//! when no running dockerd reads it.

use super::flow::{self, Edit, Editor, Found, Runtimes};
use super::state::Added;
use super::status::Wiring;
use super::{read_optional, EngineError, EngineFiles};
use container_hooks_core::error::{json_fault, FileError};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The daemon.json dockerd reads unless `--config-file` names another.
pub const DEFAULT_DAEMON_JSON: &str = "/etc/docker/daemon.json";

/// Docker's built-in default runtime.
pub const DOCKER_DEFAULT_RUNTIME: &str = "runc";

const RUNTIMES: &str = "runtimes";
const DEFAULT_RUNTIME: &str = "default-runtime";

/// daemon.json as read: the object and how it was laid out.
struct Daemon {
    path: PathBuf,
    object: Map<String, Value>,
    indent: Vec<u8>,
    trailing_newline: bool,
    /// What the edits added (the `runtimes` object).
    added: Vec<Added>,
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl Daemon {
    fn empty(path: &Path) -> Daemon {
        Daemon {
            path: path.to_path_buf(),
            object: Map::new(),
            indent: b"  ".to_vec(),
            trailing_newline: true,
            added: Vec::new(),
        }
    }

    fn parse(
        path: &Path,
        text: Option<&str>,
        notes: &mut Vec<String>,
    ) -> Result<Daemon, FileError> {
        let Some(text) = text else {
            return Ok(Daemon::empty(path));
        };
        if text.trim().is_empty() {
            notes.push(format!(
                "{}: the file is empty; reading it as {{}}",
                path.display()
            ));
            return Ok(Daemon::empty(path));
        }
        let value: Value =
            serde_json::from_str(text).map_err(|e| FileError::new(path, json_fault(&e)))?;
        let Value::Object(object) = value else {
            return Err(FileError::new(
                path,
                format!("the top level is a JSON {}, not an object", kind(&value)),
            ));
        };
        for (key, want, ok) in [
            (
                RUNTIMES,
                "an object",
                Value::is_object as fn(&Value) -> bool,
            ),
            (DEFAULT_RUNTIME, "a string", Value::is_string),
        ] {
            if let Some(v) = object.get(key).filter(|v| !ok(v)) {
                return Err(FileError::new(
                    path,
                    format!("field \"{key}\" is a {}, not {want}", kind(v)),
                ));
            }
        }
        Ok(Daemon {
            path: path.to_path_buf(),
            object,
            indent: detect_indent(text),
            trailing_newline: text.ends_with('\n'),
            added: Vec::new(),
        })
    }

    fn render(&self) -> String {
        use serde::Serialize;
        let mut buf = Vec::new();
        let fmt = serde_json::ser::PrettyFormatter::with_indent(&self.indent);
        let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
        // Serializing a map of JSON values into a Vec cannot fail.
        let _ = self.object.serialize(&mut ser);
        let mut s = String::from_utf8_lossy(&buf).into_owned();
        if self.trailing_newline {
            s.push('\n');
        }
        s
    }

    fn runtimes(&self) -> Option<&Map<String, Value>> {
        self.object.get(RUNTIMES).and_then(Value::as_object)
    }

    fn runtimes_mut(&mut self) -> Option<&mut Map<String, Value>> {
        self.object.get_mut(RUNTIMES).and_then(Value::as_object_mut)
    }
}

/// The indentation unit of a JSON text: the leading whitespace of its
/// first indented line (two spaces when nothing is indented).
fn detect_indent(text: &str) -> Vec<u8> {
    text.lines()
        .skip(1)
        .map(|l| {
            let n = l.len() - l.trim_start_matches([' ', '\t']).len();
            &l[..n]
        })
        .find(|ws| !ws.is_empty())
        .map_or_else(|| b"  ".to_vec(), |ws| ws.as_bytes().to_vec())
}

fn shim_entry(shim: &str) -> Value {
    let mut entry = Map::new();
    entry.insert("path".into(), Value::String(shim.to_string()));
    Value::Object(entry)
}

impl Runtimes for Daemon {
    fn field(&self, name: &str) -> String {
        format!("{RUNTIMES}.{name}")
    }

    fn find(&self, name: &str) -> Result<Found, FileError> {
        Ok(match self.runtimes().and_then(|r| r.get(name)) {
            None => Found::Absent,
            Some(Value::Object(e)) => {
                Found::Entry(e.get("path").and_then(Value::as_str).map(str::to_string))
            }
            Some(_) => Found::Other,
        })
    }

    fn entries(&self) -> Result<Vec<(String, Option<String>)>, FileError> {
        Ok(self
            .runtimes()
            .into_iter()
            .flatten()
            .map(|(n, e)| {
                let path = e.get("path").and_then(Value::as_str).map(str::to_string);
                (n.clone(), path)
            })
            .collect())
    }

    fn save(&self, name: &str) -> Option<String> {
        self.runtimes()?.get(name).map(Value::to_string)
    }

    fn insert(&mut self, name: &str, shim: &str) -> Result<(), FileError> {
        if !self.object.contains_key(RUNTIMES) {
            self.object
                .insert(RUNTIMES.into(), Value::Object(Map::new()));
            self.added.push(Added::RuntimesObject);
        }
        if let Some(r) = self.runtimes_mut() {
            r.insert(name.to_string(), shim_entry(shim));
        }
        Ok(())
    }

    fn refresh(&mut self, name: &str, shim: &str) -> Result<(), FileError> {
        if let Some(Value::Object(e)) = self.runtimes_mut().and_then(|r| r.get_mut(name)) {
            if e.get("path").and_then(Value::as_str) != Some(shim) {
                e.insert("path".into(), Value::String(shim.to_string()));
            }
        }
        Ok(())
    }

    fn take(&mut self, name: &str, saved: Option<&str>) -> Result<(), FileError> {
        let saved = match saved {
            Some(old) => Some(serde_json::from_str::<Value>(old).map_err(|e| {
                FileError::new(
                    &self.path,
                    format!("the recorded runtimes.{name} cannot be read back: {e}"),
                )
            })?),
            None => None,
        };
        if let Some(r) = self.runtimes_mut() {
            match saved {
                Some(old) => {
                    r.insert(name.to_string(), old);
                }
                None => {
                    r.shift_remove(name);
                }
            }
        }
        Ok(())
    }

    fn default_runtime(&self) -> Result<Option<String>, FileError> {
        Ok(self
            .object
            .get(DEFAULT_RUNTIME)
            .and_then(Value::as_str)
            .map(str::to_string))
    }

    fn set_default(&mut self, name: &str) -> Result<(), FileError> {
        self.object
            .insert(DEFAULT_RUNTIME.into(), Value::String(name.to_string()));
        Ok(())
    }

    fn clear_default(&mut self, file: &Path, notes: &mut Vec<String>) -> Result<(), FileError> {
        notes.push(format!(
            "{}: default-runtime set to Docker's default {DOCKER_DEFAULT_RUNTIME:?} (it was not set before); dockerd keeps its current default on reload when the key is absent",
            file.display()
        ));
        self.set_default(DOCKER_DEFAULT_RUNTIME)
    }

    fn take_added(&mut self) -> Vec<Added> {
        std::mem::take(&mut self.added)
    }
}

/// Docker's editor.
pub(crate) struct Docker;

impl Editor for Docker {
    fn configure(&self, edit: &mut Edit<'_>) -> Result<(), EngineError> {
        let file = edit.t.files.config.clone();
        let before = edit.open(&file)?;
        let mut d = Daemon::parse(&file, before.as_deref(), &mut edit.notes)?;
        // Whether the file as read is laid out otherwise than it is written.
        let relaid = before
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .is_some_and(|t| d.render() != t);
        edit.put_runtime(&file, &mut d)?;
        edit.put_default(&mut d)?;
        let after = d.render();
        if relaid && before.as_deref() != Some(after.as_str()) {
            edit.notes.push(format!(
                "{}: not in the usual pretty-printed JSON layout; it is rewritten with one key per line (keys, order and indentation width kept)",
                file.display()
            ));
        }
        edit.write(&file, before, Some(after));
        Ok(())
    }

    fn remove(&self, edit: &mut Edit<'_>) -> Result<(), EngineError> {
        let file = edit.t.files.config.clone();
        let before = edit.read(&file)?;
        if before.is_none() {
            edit.keep(&file, None);
            return Ok(());
        }
        let mut d = Daemon::parse(&file, before.as_deref(), &mut Vec::new())?;
        let mut changed = edit.take_runtime(&file, &mut d)?;
        if d.runtimes().is_some_and(Map::is_empty) && edit.was_added(&Added::RuntimesObject) {
            d.object.shift_remove(RUNTIMES);
            changed = true;
        }
        changed |= edit.take_default(&file, &mut d)?;
        if !changed {
            edit.keep(&file, before);
            return Ok(());
        }
        let created = edit.created(&file);
        let after = if created && d.object.is_empty() {
            None
        } else {
            Some(d.render())
        };
        // A file configure created, left holding only Docker's default:
        // a running dockerd must read it to switch back, then it can go.
        let only_default =
            d.object.len() == 1 && d.default_runtime()?.as_deref() == Some(DOCKER_DEFAULT_RUNTIME);
        if created && only_default {
            edit.delete_once_read.push(file.clone());
        }
        edit.write(&file, before, after);
        Ok(())
    }

    fn wiring(&self, files: &EngineFiles, shim: &Path) -> Result<Wiring, EngineError> {
        let config = &files.config;
        let text = read_optional(config)?;
        let d = Daemon::parse(config, text.as_deref(), &mut Vec::new())?;
        Ok(flow::wiring(&d, shim)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indent_is_detected() {
        assert_eq!(detect_indent("{\n    \"a\": 1\n}\n"), b"    ");
        assert_eq!(detect_indent("{\n\t\"a\": 1\n}"), b"\t");
        assert_eq!(detect_indent("{}"), b"  ");
    }

    /// A daemon.json laid out otherwise than it is written back is named
    /// in a note; a pretty-printed one is not.
    #[test]
    fn a_file_rewritten_in_another_layout_is_noted() {
        use crate::engines::{plan_configure, Engine, Request};
        let tmp = tempfile::tempdir().unwrap();
        let notes = |name: &str, text: &str| {
            let config = tmp.path().join(name);
            std::fs::write(&config, text).unwrap();
            let mut req = Request::new(Engine::Docker, tmp.path().join(format!("state-{name}")));
            req.config = Some(config);
            req.path = "/bin/true".into();
            plan_configure(&req).unwrap().notes
        };
        let layout = "not in the usual pretty-printed JSON layout";
        let compact = notes("compact.json", "{\"debug\":true}\n");
        assert!(compact.iter().any(|n| n.contains(layout)), "{compact:?}");
        let pretty = notes("pretty.json", "{\n  \"debug\": true\n}\n");
        assert!(!pretty.iter().any(|n| n.contains(layout)), "{pretty:?}");
    }
}

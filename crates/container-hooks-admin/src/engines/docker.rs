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
//! and leave dockerd pointing at the shim until then.

use super::state::Record;
use super::{is_shim_path, read_optional, Edit, EngineError, FileChange, Target, Wiring};
use container_hooks_core::error::{json_fault, FileError};
use serde_json::{Map, Value};
use std::path::Path;

/// Docker's built-in default runtime.
pub const DOCKER_DEFAULT_RUNTIME: &str = "runc";

/// daemon.json as read: the object and how it was laid out.
struct Daemon {
    object: Map<String, Value>,
    indent: Vec<u8>,
    trailing_newline: bool,
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

fn parse(path: &Path, text: Option<&str>, notes: &mut Vec<String>) -> Result<Daemon, FileError> {
    let Some(text) = text else {
        return Ok(Daemon {
            object: Map::new(),
            indent: b"  ".to_vec(),
            trailing_newline: true,
        });
    };
    if text.trim().is_empty() {
        notes.push(format!(
            "{}: the file is empty; reading it as {{}}",
            path.display()
        ));
        return Ok(Daemon {
            object: Map::new(),
            indent: b"  ".to_vec(),
            trailing_newline: true,
        });
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| FileError::new(path, json_fault(&e)))?;
    let Value::Object(object) = value else {
        return Err(FileError::new(
            path,
            format!("the top level is a JSON {}, not an object", kind(&value)),
        ));
    };
    if let Some(r) = object.get("runtimes") {
        if !r.is_object() {
            return Err(FileError::new(
                path,
                format!("field \"runtimes\" is a {}, not an object", kind(r)),
            ));
        }
    }
    if let Some(d) = object.get("default-runtime") {
        if !d.is_string() {
            return Err(FileError::new(
                path,
                format!("field \"default-runtime\" is a {}, not a string", kind(d)),
            ));
        }
    }
    Ok(Daemon {
        object,
        indent: detect_indent(text),
        trailing_newline: text.ends_with('\n'),
    })
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

fn render(d: &Daemon) -> String {
    use serde::Serialize;
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(&d.indent);
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    // Serializing a map of JSON values into a Vec cannot fail.
    let _ = d.object.serialize(&mut ser);
    let mut s = String::from_utf8_lossy(&buf).into_owned();
    if d.trailing_newline {
        s.push('\n');
    }
    s
}

fn entry_path(entry: &Value) -> Option<&str> {
    entry.get("path").and_then(Value::as_str)
}

fn default_runtime(object: &Map<String, Value>) -> Option<String> {
    object
        .get("default-runtime")
        .and_then(Value::as_str)
        .map(str::to_string)
}

pub(crate) fn configure(t: &Target, recorded: Option<&Record>) -> Result<Edit, EngineError> {
    let file = &t.config;
    let before = read_optional(&t.on_disk(file))?;
    let mut notes = Vec::new();
    let mut d = parse(file, before.as_deref(), &mut notes)?;
    let mut record = Record::new(super::Engine::Docker, file, &t.name, &t.path);
    if let Some(r) = recorded {
        record.created_files = r.created_files.clone();
        record.added = r.added.clone();
        record.replaced = r.replaced.clone();
    }
    if before.is_none() && !record.created(file) {
        record.created_files.push(file.clone());
    }
    if !d.object.contains_key("runtimes") {
        if !record.added("runtimes") {
            record.added.push("runtimes".into());
        }
        d.object
            .insert("runtimes".into(), Value::Object(Map::new()));
    }
    let shim = t.path.display().to_string();
    let Some(Value::Object(runtimes)) = d.object.get_mut("runtimes") else {
        return Err(FileError::new(file, "field \"runtimes\" is not an object").into());
    };
    match runtimes.get_mut(&t.name) {
        Some(Value::Object(entry))
            if recorded.is_some()
                || entry
                    .get("path")
                    .and_then(Value::as_str)
                    .is_some_and(|p| is_shim_path(p, &t.path)) =>
        {
            if entry.get("path").and_then(Value::as_str) != Some(shim.as_str()) {
                entry.insert("path".into(), Value::String(shim.clone()));
            }
        }
        Some(other) => {
            if !t.force {
                return Err(EngineError::Clash {
                    file: file.clone(),
                    field: format!("runtimes.{}", t.name),
                    shim,
                });
            }
            notes.push(format!(
                "{}: replacing runtimes.{} ({}) because of --force; remove puts it back",
                file.display(),
                t.name,
                entry_path(other).unwrap_or("no path")
            ));
            record.replaced = Some(other.to_string());
            let mut entry = Map::new();
            entry.insert("path".into(), Value::String(shim.clone()));
            *other = Value::Object(entry);
        }
        None => {
            let mut entry = Map::new();
            entry.insert("path".into(), Value::String(shim.clone()));
            runtimes.insert(t.name.clone(), Value::Object(entry));
        }
    }
    let current = default_runtime(&d.object);
    if t.set_as_default {
        record.set_as_default = true;
        if current.as_deref() == Some(t.name.as_str()) {
            record.previous_default = recorded
                .filter(|r| r.set_as_default)
                .and_then(|r| r.previous_default.clone());
        } else {
            record.previous_default = current;
            d.object
                .insert("default-runtime".into(), Value::String(t.name.clone()));
        }
    } else if let Some(r) = recorded.filter(|r| r.set_as_default) {
        if current.as_deref() == Some(t.name.as_str()) {
            record.set_as_default = true;
            record.previous_default = r.previous_default.clone();
        }
    }
    let after = render(&d);
    if let Some(text) = before.as_deref().filter(|t| !t.trim().is_empty()) {
        let mut same = parse(file, Some(text), &mut Vec::new())?;
        same.trailing_newline = text.ends_with('\n');
        if render(&same) != text && before.as_deref() != Some(after.as_str()) {
            notes.push(format!(
                "{}: not in the usual pretty-printed JSON layout; it is rewritten with one key per line (keys, order and indentation width kept)",
                file.display()
            ));
        }
    }
    Ok(Edit {
        files: vec![FileChange::rewritten(file, before, after)],
        notes,
        record: Some(record),
    })
}

pub(crate) fn remove(t: &Target, recorded: Option<&Record>) -> Result<Edit, EngineError> {
    let file = &t.config;
    let before = read_optional(&t.on_disk(file))?;
    let mut notes = Vec::new();
    let unchanged = |notes| Ok(Edit::unchanged(file, before.clone(), notes));
    if before.is_none() {
        return unchanged(notes);
    }
    let mut d = parse(file, before.as_deref(), &mut Vec::new())?;
    let mut changed = false;
    if let Some(Value::Object(runtimes)) = d.object.get_mut("runtimes") {
        let ours = match runtimes.get(&t.name) {
            Some(entry) => {
                recorded.is_some() || entry_path(entry).is_some_and(|p| is_shim_path(p, &t.path))
            }
            None => false,
        };
        if ours {
            match recorded.and_then(|r| r.replaced.as_deref()) {
                Some(old) => {
                    let old: Value = serde_json::from_str(old).map_err(|e| {
                        FileError::new(
                            file,
                            format!("the recorded runtimes.{} cannot be read back: {e}", t.name),
                        )
                    })?;
                    runtimes.insert(t.name.clone(), old);
                }
                None => {
                    runtimes.shift_remove(&t.name);
                }
            }
            changed = true;
        } else if runtimes.contains_key(&t.name) {
            notes.push(format!(
                "{}: runtimes.{} does not run the shim; left in place",
                file.display(),
                t.name
            ));
        }
        if runtimes.is_empty() && recorded.is_some_and(|r| r.added("runtimes")) {
            d.object.shift_remove("runtimes");
            changed = true;
        }
    }
    if default_runtime(&d.object).as_deref() == Some(t.name.as_str())
        && super::restores_default(recorded)
    {
        let previous = recorded.and_then(|r| r.previous_default.clone());
        let restore = match previous {
            Some(p) => p,
            None => {
                notes.push(format!(
                    "{}: default-runtime set to Docker's default {DOCKER_DEFAULT_RUNTIME:?} (it was not set before); dockerd keeps its current default on reload when the key is absent",
                    file.display()
                ));
                DOCKER_DEFAULT_RUNTIME.to_string()
            }
        };
        d.object
            .insert("default-runtime".into(), Value::String(restore));
        changed = true;
    }
    if !changed {
        return unchanged(notes);
    }
    let created = recorded.is_some_and(|r| r.created(file));
    let after = if created && d.object.is_empty() {
        None
    } else {
        Some(render(&d))
    };
    Ok(Edit {
        files: vec![FileChange {
            path: file.clone(),
            before,
            after,
        }],
        notes,
        record: None,
    })
}

pub(crate) fn wiring(file: &Path) -> Result<Wiring, EngineError> {
    let text = read_optional(file)?;
    let d = parse(file, text.as_deref(), &mut Vec::new())?;
    let mut w = Wiring {
        default_runtime: default_runtime(&d.object),
        ..Wiring::default()
    };
    if let Some(Value::Object(runtimes)) = d.object.get("runtimes") {
        for (name, entry) in runtimes {
            if let Some(p) = entry_path(entry) {
                if is_shim_path(p, Path::new(super::DEFAULT_SHIM_PATH)) {
                    w.shim_runtimes.push((name.clone(), p.to_string()));
                }
            }
        }
    }
    Ok(w)
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
}

//! Adding hooks to a bundle's config.json.
//!
//! config.json is handled as a generic JSON value, so every field (known to
//! a spec version or not) and the order of keys stay as they were. Hooks are
//! appended after those already in each stage; a hook already present is
//! not added again, and a bundle carrying the `container-hooks` marker gets
//! nothing.

use crate::error::json_fault;
use crate::hook::{is_marker_path, HookSet};
use serde::Serialize;
use serde_json::{Map, Value};

/// A parsed config.json and how it was laid out, so that a rewrite looks
/// like the original.
#[derive(Debug, Clone)]
pub struct Spec {
    pub value: Value,
    /// The indentation of the first indented line, `None` for compact JSON.
    indent: Option<Vec<u8>>,
    trailing_newline: bool,
}

/// What injection did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Hooks were added; the count over all stages.
    Added(usize),
    /// Every hook was already there.
    AlreadyPresent,
    /// The bundle carries the `container-hooks` marker.
    Marked,
    /// There were no hooks to add.
    NothingToAdd,
}

impl Spec {
    /// Parses config.json; it must be a JSON object.
    pub fn parse(bytes: &[u8]) -> Result<Spec, String> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| json_fault(&e))?;
        if !value.is_object() {
            return Err("not a JSON object".to_string());
        }
        Ok(Spec {
            value,
            indent: detect_indent(bytes),
            trailing_newline: bytes.last() == Some(&b'\n'),
        })
    }

    /// The document in the layout it was read in.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4096);
        let written = match &self.indent {
            None => serde_json::to_writer(&mut out, &self.value),
            Some(indent) => {
                let fmt = serde_json::ser::PrettyFormatter::with_indent(indent);
                let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
                self.value.serialize(&mut ser)
            }
        };
        // Serialising a Value into a Vec cannot fail: every key is a string.
        debug_assert!(written.is_ok());
        if self.trailing_newline {
            out.push(b'\n');
        }
        out
    }

    /// Whether a prestart hook of this spec is the `container-hooks` marker.
    pub fn is_marked(&self) -> bool {
        self.value
            .get("hooks")
            .and_then(|h| h.get("prestart"))
            .and_then(Value::as_array)
            .is_some_and(|hooks| {
                hooks.iter().any(|h| {
                    h.get("path")
                        .and_then(Value::as_str)
                        .is_some_and(is_marker_path)
                })
            })
    }

    /// Appends the hooks of `set` to the stages of this spec. Fails, naming
    /// the field, when `hooks` or one of its stages has the wrong type; the
    /// spec is then unchanged.
    pub fn inject(&mut self, set: &HookSet) -> Result<Outcome, String> {
        if set.is_empty() {
            return Ok(Outcome::NothingToAdd);
        }
        if self.is_marked() {
            return Ok(Outcome::Marked);
        }
        let root = self
            .value
            .as_object_mut()
            .ok_or_else(|| "not a JSON object".to_string())?;
        check_shape(root)?;
        let mut added = 0;
        for (stage, hooks) in set.iter() {
            for hook in hooks {
                let hook = hook.to_value();
                let list = stage_list(root, stage.as_str())
                    .ok_or_else(|| format!("field `hooks.{stage}` is not a list"))?;
                if !list.contains(&hook) {
                    list.push(hook);
                    added += 1;
                }
            }
        }
        if added == 0 {
            return Ok(Outcome::AlreadyPresent);
        }
        Ok(Outcome::Added(added))
    }
}

/// Fails when `hooks` is not an object or a stage in it is not a list, so
/// that [`stage_list`] never has to replace anything.
fn check_shape(root: &Map<String, Value>) -> Result<(), String> {
    match root.get("hooks") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Object(stages)) => {
            for (name, hooks) in stages {
                if !matches!(hooks, Value::Array(_) | Value::Null) {
                    return Err(format!("field `hooks.{name}` is not a list"));
                }
            }
            Ok(())
        }
        Some(_) => Err("field `hooks` is not an object".to_string()),
    }
}

/// The list of one stage, created (at the end of its object) if missing.
/// `None` only for shapes that [`check_shape`] refuses.
fn stage_list<'a>(root: &'a mut Map<String, Value>, stage: &str) -> Option<&'a mut Vec<Value>> {
    let hooks = root
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()));
    if hooks.is_null() {
        *hooks = Value::Object(Map::new());
    }
    let list = hooks
        .as_object_mut()?
        .entry(stage)
        .or_insert_with(|| Value::Array(Vec::new()));
    if list.is_null() {
        *list = Value::Array(Vec::new());
    }
    list.as_array_mut()
}

/// The whitespace that starts the first indented line, if the document is
/// laid out on several lines.
fn detect_indent(bytes: &[u8]) -> Option<Vec<u8>> {
    let nl = bytes.iter().position(|&b| b == b'\n')?;
    let rest = bytes.get(nl + 1..)?;
    let indent: Vec<u8> = rest
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .copied()
        .collect();
    if indent.is_empty() {
        // A document whose only newline is the trailing one is compact.
        if rest.is_empty() {
            return None;
        }
        return Some(b"  ".to_vec());
    }
    Some(indent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hook::{Hook, Stage};

    fn hook(path: &str, timeout: Option<i64>) -> Hook {
        Hook {
            path: path.into(),
            args: Some(vec![path.into(), "x".into()]),
            env: None,
            timeout,
        }
    }

    fn set_of_all_stages() -> HookSet {
        let mut set = HookSet::new();
        for s in Stage::ALL {
            set.push(s, hook(&format!("/hooks/{s}"), Some(3)));
        }
        set
    }

    fn fixtures() -> Vec<(String, Vec<u8>)> {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/oci");
        let mut out = Vec::new();
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
        }
        assert!(out.len() >= 3);
        out
    }

    /// Takes out exactly the hooks of `set` that were appended, and the
    /// containers that injection created.
    fn take_out(after: &mut Value, before: &Value, set: &HookSet) {
        let root = after.as_object_mut().unwrap();
        let before_hooks = before.get("hooks");
        if before_hooks.is_none() {
            root.shift_remove("hooks");
            return;
        }
        let stages = root.get_mut("hooks").unwrap().as_object_mut().unwrap();
        for (stage, hooks) in set.iter() {
            let had = before_hooks.unwrap().get(stage.as_str());
            if had.is_none() {
                stages.shift_remove(stage.as_str());
                continue;
            }
            let list = stages
                .get_mut(stage.as_str())
                .unwrap()
                .as_array_mut()
                .unwrap();
            for _ in hooks {
                list.pop();
            }
        }
    }

    #[test]
    fn every_fixture_keeps_all_but_the_added_hooks_with_key_order() {
        let set = set_of_all_stages();
        for (name, bytes) in fixtures() {
            let before = Spec::parse(&bytes).unwrap();
            let mut spec = before.clone();
            assert_eq!(spec.inject(&set).unwrap(), Outcome::Added(6), "{name}");
            // Round trip through bytes, as the shim writes it.
            let written = spec.to_bytes();
            let mut after: Value = serde_json::from_slice(&written).unwrap();
            for stage in Stage::ALL {
                let list = after["hooks"][stage.as_str()].as_array().unwrap();
                assert_eq!(
                    list.last().unwrap(),
                    &set.stage(stage)[0].to_value(),
                    "{name} {stage}"
                );
            }
            take_out(&mut after, &before.value, &set);
            // Same value and same key order everywhere.
            assert_eq!(
                serde_json::to_string(&after).unwrap(),
                serde_json::to_string(&before.value).unwrap(),
                "{name}"
            );
        }
    }

    #[test]
    fn docker_prestart_hook_stays_first() {
        let bytes = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/fixtures/oci/docker-20.10.json"),
        )
        .unwrap();
        let mut spec = Spec::parse(&bytes).unwrap();
        spec.inject(&set_of_all_stages()).unwrap();
        let pre = spec.value["hooks"]["prestart"].as_array().unwrap();
        assert_eq!(pre.len(), 2);
        assert_eq!(pre[0]["args"][0], "libnetwork-setkey");
        // Compact in, compact out.
        assert!(!spec.to_bytes().contains(&b'\n'));
    }

    #[test]
    fn injection_is_idempotent_and_honours_the_marker() {
        let set = set_of_all_stages();
        for (name, bytes) in fixtures() {
            let mut spec = Spec::parse(&bytes).unwrap();
            spec.inject(&set).unwrap();
            let once = spec.to_bytes();
            let mut again = Spec::parse(&once).unwrap();
            assert_eq!(
                again.inject(&set).unwrap(),
                Outcome::AlreadyPresent,
                "{name}"
            );
            assert_eq!(again.to_bytes(), once, "{name}");
        }
        let mut marked =
            Spec::parse(br#"{"hooks":{"prestart":[{"path":"/usr/bin/container-hooks"}]}}"#)
                .unwrap();
        assert_eq!(marked.inject(&set).unwrap(), Outcome::Marked);
    }

    #[test]
    fn layout_of_pretty_files_is_kept() {
        let text = "{\n\t\"ociVersion\": \"1.0.2\",\n\t\"process\": {\n\t\t\"args\": [\n\t\t\t\"sh\"\n\t\t]\n\t}\n}";
        let spec = Spec::parse(text.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(spec.to_bytes()).unwrap(), text);
        let spec = Spec::parse(b"{\"a\":1}\n").unwrap();
        assert_eq!(spec.to_bytes(), b"{\"a\":1}\n");
    }

    #[test]
    fn numbers_and_unknown_fields_survive_exactly() {
        let text = br#"{"x-vendor":{"big":18446744073709551615,"f":1.50,"neg":-0},"hooks":{}}"#;
        let mut spec = Spec::parse(text).unwrap();
        spec.inject(&set_of_all_stages()).unwrap();
        let out = String::from_utf8(spec.to_bytes()).unwrap();
        assert!(
            out.starts_with(
                r#"{"x-vendor":{"big":18446744073709551615,"f":1.50,"neg":-0},"hooks":{"prestart""#
            ),
            "{out}"
        );
    }

    #[test]
    fn wrong_shapes_are_refused() {
        let set = set_of_all_stages();
        assert!(Spec::parse(b"[]").is_err());
        assert!(Spec::parse(b"{\"a\":").unwrap_err().contains("truncated"));
        let mut s = Spec::parse(br#"{"hooks":[]}"#).unwrap();
        assert!(s.inject(&set).unwrap_err().contains("`hooks`"));
        let mut s = Spec::parse(br#"{"hooks":{"poststop":{}}}"#).unwrap();
        assert!(s.inject(&set).unwrap_err().contains("hooks.poststop"));
        let mut s = Spec::parse(br#"{"hooks":null}"#).unwrap();
        assert_eq!(s.inject(&set).unwrap(), Outcome::Added(6));
    }
}

//! Adding hooks to a bundle's config.json.
//!
//! Only the top-level `hooks` member is parsed and rewritten: the rest of
//! the document is checked to be valid JSON and then copied byte for byte,
//! so every field (known to a spec version or not), the order of keys, the
//! layout and the spelling of numbers stay exactly as they were, and the
//! cost of a create stays flat as config.json grows. Hooks are appended
//! after those already in each stage; a hook already present is not added
//! again, and a bundle carrying the `container-hooks` marker gets nothing.

use crate::error::json_fault;
use crate::hook::{is_marker_path, Hook, HookSet};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::fmt;
use std::ops::Range;

/// A config.json: the original bytes, where its top-level members are, and
/// its `hooks` member parsed.
#[derive(Debug, Clone)]
pub struct Spec {
    raw: Vec<u8>,
    /// Top-level members: key and the byte range of the value.
    members: Vec<(String, Range<usize>)>,
    /// The top-level `hooks` value (the last one, as JSON decoders take
    /// it) and its byte range, if there is one.
    hooks: Option<(Value, Range<usize>)>,
    /// The hooks value after injection, when something was added.
    new_hooks: Option<Value>,
    /// For each hook of the last injected set, in its order, whether it
    /// was added.
    added: Vec<bool>,
    /// The indentation of the first indented line, `None` for compact JSON.
    indent: Option<Vec<u8>>,
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

/// The top-level members of a JSON object, borrowed from the input.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de> serde::Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, &'de RawValue>()? {
                    out.push((k, v));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl Spec {
    /// Parses config.json; it must be a JSON object.
    pub fn parse(bytes: &[u8]) -> Result<Spec, String> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| format!("not valid UTF-8 (byte {})", e.valid_up_to()))?;
        let members: Members = serde_json::from_str(text).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => "not a JSON object".to_string(),
            _ => json_fault(&e),
        })?;
        let base = text.as_ptr() as usize;
        let mut hooks = None;
        let mut ranges = Vec::with_capacity(members.0.len());
        for (key, raw) in members.0 {
            let start = raw.get().as_ptr() as usize - base;
            let range = start..start + raw.get().len();
            if key == "hooks" {
                let value: Value = serde_json::from_str(raw.get()).map_err(|e| json_fault(&e))?;
                hooks = Some((value, range.clone()));
            }
            ranges.push((key, range));
        }
        Ok(Spec {
            raw: bytes.to_vec(),
            members: ranges,
            hooks,
            new_hooks: None,
            added: Vec::new(),
            indent: detect_indent(bytes),
        })
    }

    /// The whole document as a JSON value (parsed on demand: for tools and
    /// tests; the shim never needs it).
    pub fn value(&self) -> Value {
        serde_json::from_slice(&self.to_bytes()).unwrap_or(Value::Null)
    }

    /// A top-level member parsed as a value (the last one of that name).
    pub fn member(&self, key: &str) -> Option<Value> {
        let (_, range) = self.members.iter().rev().find(|(k, _)| k == key)?;
        serde_json::from_slice(self.raw.get(range.clone())?).ok()
    }

    /// The members hook conditions look at (`process`, `annotations`,
    /// `mounts`) as an object.
    pub fn condition_view(&self) -> Value {
        let mut map = Map::new();
        for key in ["process", "annotations", "mounts"] {
            if let Some(v) = self.member(key) {
                map.insert(key.to_string(), v);
            }
        }
        Value::Object(map)
    }

    /// The document: the original bytes, with the `hooks` member rewritten
    /// (in the document's layout) when hooks were added.
    pub fn to_bytes(&self) -> Vec<u8> {
        let Some(new_hooks) = &self.new_hooks else {
            return self.raw.clone();
        };
        let text = self.render(new_hooks);
        let mut out = Vec::with_capacity(self.raw.len() + text.len() + 16);
        match &self.hooks {
            Some((_, range)) => {
                out.extend_from_slice(self.raw.get(..range.start).unwrap_or_default());
                out.extend_from_slice(&text);
                out.extend_from_slice(self.raw.get(range.end..).unwrap_or_default());
            }
            None => {
                // A new last member: after the last value, or inside `{}`.
                let (at, comma) = match self.members.last() {
                    Some((_, range)) => (range.end, ","),
                    None => (
                        self.raw
                            .iter()
                            .position(|&b| b == b'{')
                            .map_or(0, |p| p + 1),
                        "",
                    ),
                };
                out.extend_from_slice(self.raw.get(..at).unwrap_or_default());
                out.extend_from_slice(comma.as_bytes());
                match &self.indent {
                    Some(indent) => {
                        out.push(b'\n');
                        out.extend_from_slice(indent);
                        out.extend_from_slice(b"\"hooks\": ");
                    }
                    None => out.extend_from_slice(b"\"hooks\":"),
                }
                out.extend_from_slice(&text);
                if self.members.is_empty() && self.indent.is_some() {
                    out.push(b'\n');
                }
                out.extend_from_slice(self.raw.get(at..).unwrap_or_default());
            }
        }
        out
    }

    /// A hooks value laid out as a top-level member of this document.
    fn render(&self, hooks: &Value) -> Vec<u8> {
        let mut out = Vec::with_capacity(1024);
        let written = match &self.indent {
            None => serde_json::to_writer(&mut out, hooks),
            Some(indent) => {
                let fmt = serde_json::ser::PrettyFormatter::with_indent(indent);
                let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
                hooks.serialize(&mut ser)
            }
        };
        // Serialising a Value into a Vec cannot fail: every key is a string.
        debug_assert!(written.is_ok());
        match &self.indent {
            // One level deeper than the top: indent every line but the first.
            Some(indent) => {
                let mut nested = Vec::with_capacity(out.len() * 2);
                for (i, line) in out.split(|&b| b == b'\n').enumerate() {
                    if i > 0 {
                        nested.push(b'\n');
                        nested.extend_from_slice(indent);
                    }
                    nested.extend_from_slice(line);
                }
                nested
            }
            None => out,
        }
    }

    /// Whether a prestart hook of this spec is the `container-hooks` marker.
    pub fn is_marked(&self) -> bool {
        self.current_hooks()
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

    fn current_hooks(&self) -> Option<&Value> {
        self.new_hooks
            .as_ref()
            .or(self.hooks.as_ref().map(|(v, _)| v))
    }

    /// Appends the hooks of `set` to the stages of this spec. Fails, naming
    /// the field, when `hooks` or one of its stages has the wrong type; the
    /// spec is then unchanged.
    pub fn inject(&mut self, set: &HookSet) -> Result<Outcome, String> {
        self.added.clear();
        if set.is_empty() {
            return Ok(Outcome::NothingToAdd);
        }
        if self.is_marked() {
            return Ok(Outcome::Marked);
        }
        let mut hooks = match self.current_hooks() {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(stages)) => stages.clone(),
            Some(_) => return Err("field `hooks` is not an object".to_string()),
        };
        for (name, list) in &hooks {
            if !matches!(list, Value::Array(_) | Value::Null) {
                return Err(format!("field `hooks.{name}` is not a list"));
            }
        }
        let mut added = Vec::with_capacity(set.len());
        for (stage, new) in set.iter() {
            let list = hooks
                .entry(stage.as_str())
                .or_insert_with(|| Value::Array(Vec::new()));
            if list.is_null() {
                *list = Value::Array(Vec::new());
            }
            let Value::Array(list) = list else {
                return Err(format!("field `hooks.{stage}` is not a list"));
            };
            // Hooks already there, as hooks: a hook with fields the spec
            // does not know can never equal one of ours.
            let mut present: HashSet<Hook> = list
                .iter()
                .filter_map(|v| serde_json::from_value::<Hook>(v.clone()).ok())
                .collect();
            for hook in new {
                let fresh = present.insert(hook.clone());
                if fresh {
                    list.push(hook.to_value());
                }
                added.push(fresh);
            }
        }
        let n = added.iter().filter(|a| **a).count();
        if n == 0 {
            return Ok(Outcome::AlreadyPresent);
        }
        self.new_hooks = Some(Value::Object(hooks));
        self.added = added;
        Ok(Outcome::Added(n))
    }

    /// The hooks of `set` that the last [`Spec::inject`] (of `set`) added,
    /// per stage: those not already present.
    pub fn added(&self, set: &HookSet) -> HookSet {
        let mut out = HookSet::new();
        let mut flags = self.added.iter();
        for (stage, hooks) in set.iter() {
            for hook in hooks {
                if flags.next() == Some(&true) {
                    out.push(stage, hook.clone());
                }
            }
        }
        out
    }
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
        if rest.iter().all(|b| b.is_ascii_whitespace()) {
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
        let dir = test_support::fixture("oci");
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
            take_out(&mut after, &before.value(), &set);
            // Same value and same key order everywhere.
            assert_eq!(
                serde_json::to_string(&after).unwrap(),
                serde_json::to_string(&before.value()).unwrap(),
                "{name}"
            );
        }
    }

    #[test]
    fn docker_prestart_hook_stays_first() {
        let bytes = std::fs::read(test_support::fixture("oci/docker-20.10.json")).unwrap();
        let mut spec = Spec::parse(&bytes).unwrap();
        spec.inject(&set_of_all_stages()).unwrap();
        let value = spec.value();
        let pre = value["hooks"]["prestart"].as_array().unwrap();
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

    #[test]
    fn everything_but_the_hooks_member_is_copied_byte_for_byte() {
        let set = set_of_all_stages();
        for (name, bytes) in fixtures() {
            let mut spec = Spec::parse(&bytes).unwrap();
            spec.inject(&set).unwrap();
            let out = spec.to_bytes();
            let prefix = bytes.iter().zip(&out).take_while(|(a, b)| a == b).count();
            let suffix = bytes
                .iter()
                .rev()
                .zip(out.iter().rev())
                .take_while(|(a, b)| a == b)
                .count();
            let changed_in = &bytes[prefix..bytes.len().saturating_sub(suffix).max(prefix)];
            // Only the old hooks value (or nothing, for a new member) differs.
            let old_hooks = spec.hooks.as_ref().map_or(0, |(_, r)| r.len());
            assert!(
                changed_in.len() <= old_hooks,
                "{name}: {}",
                String::from_utf8_lossy(changed_in)
            );
            let v: Value = serde_json::from_slice(&out).unwrap();
            assert!(v["hooks"]["poststop"].is_array(), "{name}");
        }
    }

    #[test]
    fn new_hooks_member_follows_the_layout() {
        let set = {
            let mut s = HookSet::new();
            s.push(Stage::Prestart, hook("/h", None));
            s
        };
        let cases: [(&str, &str); 4] = [
            ("{}", r#"{"hooks":{"prestart":[{"path":"/h","args":["/h","x"]}]}}"#),
            ("{\"a\":1}\n", "{\"a\":1,\"hooks\":{\"prestart\":[{\"path\":\"/h\",\"args\":[\"/h\",\"x\"]}]}}\n"),
            (
                "{\n\t\"a\": 1\n}",
                "{\n\t\"a\": 1,\n\t\"hooks\": {\n\t\t\"prestart\": [\n\t\t\t{\n\t\t\t\t\"path\": \"/h\",\n\t\t\t\t\"args\": [\n\t\t\t\t\t\"/h\",\n\t\t\t\t\t\"x\"\n\t\t\t\t]\n\t\t\t}\n\t\t]\n\t}\n}",
            ),
            (
                "{\n  \"hooks\": {},\n  \"z\": 2\n}\n",
                "{\n  \"hooks\": {\n    \"prestart\": [\n      {\n        \"path\": \"/h\",\n        \"args\": [\n          \"/h\",\n          \"x\"\n        ]\n      }\n    ]\n  },\n  \"z\": 2\n}\n",
            ),
        ];
        for (input, want) in cases {
            let mut spec = Spec::parse(input.as_bytes()).unwrap();
            assert_eq!(spec.inject(&set).unwrap(), Outcome::Added(1));
            assert_eq!(
                String::from_utf8(spec.to_bytes()).unwrap(),
                want,
                "{input:?}"
            );
        }
    }

    #[test]
    fn invalid_utf8_and_trailing_garbage_are_refused() {
        assert!(Spec::parse(b"{\"a\":\"\xff\"}")
            .unwrap_err()
            .contains("UTF-8"));
        assert!(Spec::parse(b"{} {}").is_err());
    }
}

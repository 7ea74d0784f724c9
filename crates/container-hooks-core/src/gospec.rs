//! The members of config.json that the toolkit reads, filled in as runc's
//! Go decoder fills the runtime-spec structs (Go 1.19 `encoding/json`,
//! which Debian 12's runc 1.1.5 is built with).
//!
//! The rules that matter, all of them followed here:
//!
//! - a key selects the struct field of exactly that name, else the field
//!   equal under Unicode case folding ([`gokeys`]), so `"Hooks"`,
//!   `"PRESTART"` or `"hoo\u212As"` count; a key that selects no field is
//!   ignored;
//! - a field named twice is decoded twice, in document order: a map (the
//!   annotations) keeps the entries of the first and takes those of the
//!   second; a struct behind a pointer (`process`, `hooks`) keeps the
//!   fields the second does not set; a slice (`prestart`, `args`,
//!   `mounts`) is decoded element by element into what is there, each
//!   element merged with the one at its index, then cut to the new length
//!   (and Go 1.19 keeps the elements beyond that length in the backing
//!   array, to merge them again if a later array is longer);
//! - `null` resets a pointer, map or slice and leaves a string as it was;
//! - a value of the wrong type is a type error (runc then refuses the
//!   file); decoding goes on around it.
//!
//! [`gokeys`]: crate::gokeys

use crate::gojson::{self, Kind, Member};
use crate::gokeys::field_for;
use crate::hook::{Hook, Stage};
use serde_json::{Map, Value};
use std::ops::Range;

/// A Go slice after decoding: `backing[..len]` is the value; the rest of
/// `backing` (up to the capacity) is what earlier decodes left there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoSlice<T> {
    backing: Vec<T>,
    len: usize,
}

impl<T> Default for GoSlice<T> {
    fn default() -> Self {
        GoSlice {
            backing: Vec::new(),
            len: 0,
        }
    }
}

impl<T> GoSlice<T> {
    /// A slice holding exactly `items`.
    pub fn from_items(items: Vec<T>) -> GoSlice<T> {
        GoSlice {
            len: items.len(),
            backing: items,
        }
    }

    /// The elements of the slice.
    pub fn items(&self) -> &[T] {
        self.backing.get(..self.len).unwrap_or_default()
    }
}

/// A hook as `specs.Hook` holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoHook {
    pub path: String,
    pub args: GoSlice<String>,
    pub env: GoSlice<String>,
    pub timeout: Option<i64>,
}

impl GoHook {
    /// The hook as this toolkit models it (an empty list is no list, as
    /// runc treats them alike).
    pub fn to_hook(&self) -> Hook {
        let list = |s: &GoSlice<String>| (!s.items().is_empty()).then(|| s.items().to_vec());
        Hook {
            path: self.path.clone(),
            args: list(&self.args),
            env: list(&self.env),
            timeout: self.timeout,
        }
    }
}

/// `specs.Hooks`: one slice per stage, in [`Stage::ALL`] order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoHooks {
    pub stages: [GoSlice<GoHook>; 6],
}

impl GoHooks {
    pub fn stage(&self, stage: Stage) -> &[GoHook] {
        let i = Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0);
        self.stages.get(i).map(GoSlice::items).unwrap_or_default()
    }
}

/// A mount as `specs.Mount` holds the fields hook conditions read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoMount {
    pub destination: String,
    pub kind: String,
    pub options: GoSlice<String>,
}

/// The `Spec` fields of config.json this toolkit reads.
pub const SPEC_FIELDS: [&str; 4] = ["process", "mounts", "hooks", "annotations"];
/// The fields of `specs.Hooks`, in [`Stage::ALL`] order.
pub const STAGE_FIELDS: [&str; 6] = {
    let mut fields = [""; 6];
    let mut i = 0;
    while i < fields.len() {
        fields[i] = Stage::ALL[i].as_str();
        i += 1;
    }
    fields
};
const PROCESS_FIELDS: [&str; 1] = ["args"];
const MOUNT_FIELDS: [&str; 3] = ["destination", "type", "options"];

/// The field of `Spec` a top-level key of config.json sets, if one this
/// toolkit reads.
pub fn spec_field(text: &[u8], member: &Member) -> Option<&'static str> {
    field_for(&SPEC_FIELDS, &gojson::unquote(text, member.key.clone()))
}

/// What the hook conditions read, as runc sees it.
#[derive(Debug, Clone, Default)]
pub struct ConditionFacts {
    /// `process` (nil or not) and its `args`.
    pub process: Option<GoSlice<String>>,
    /// `annotations`; later keys replace earlier ones in place.
    pub annotations: Option<Map<String, Value>>,
    pub mounts: GoSlice<GoMount>,
}

impl ConditionFacts {
    /// As a JSON object with the canonical keys: `process` {`args`},
    /// `annotations`, `mounts` [{`destination`, `type`, `options`}]; a nil
    /// pointer, map or slice is left out.
    pub fn to_value(&self) -> Value {
        let strings = |s: &GoSlice<String>| Value::from(s.items().to_vec());
        let mut out = Map::new();
        if let Some(args) = &self.process {
            let mut p = Map::new();
            if !args.items().is_empty() {
                p.insert("args".into(), strings(args));
            }
            out.insert("process".into(), Value::Object(p));
        }
        if let Some(a) = &self.annotations {
            out.insert("annotations".into(), Value::Object(a.clone()));
        }
        if !self.mounts.items().is_empty() {
            let mounts = self
                .mounts
                .items()
                .iter()
                .map(|m| {
                    let mut o = Map::new();
                    o.insert("destination".into(), m.destination.clone().into());
                    o.insert("type".into(), m.kind.clone().into());
                    o.insert("options".into(), strings(&m.options));
                    Value::Object(o)
                })
                .collect();
            out.insert("mounts".into(), Value::Array(mounts));
        }
        Value::Object(out)
    }
}

/// The name of the field being decoded, for an error message; built only
/// when there is an error.
type Path<'a> = &'a dyn Fn() -> String;

/// Decodes into Go-shaped values, remembering the first type error.
pub struct Decoder<'a> {
    text: &'a [u8],
    /// The first type error, as Go reports the first one: the field and
    /// what it should have been.
    pub error: Option<String>,
}

impl<'a> Decoder<'a> {
    pub fn new(text: &'a [u8]) -> Decoder<'a> {
        Decoder { text, error: None }
    }

    fn kind(&self, at: &Range<usize>) -> Option<Kind> {
        gojson::kind(self.text, at.start)
    }

    /// Records a type error at the field `path` names (built only then).
    fn type_error(&mut self, path: Path<'_>, want: &str) {
        if self.error.is_none() {
            self.error = Some(format!("field `{}` is not {want}", path()));
        }
    }

    /// The members of an object with the field each key selects.
    fn fields(
        &self,
        at: &Range<usize>,
        fields: &[&'static str],
    ) -> Vec<(&'static str, Range<usize>)> {
        gojson::members(self.text, at.clone())
            .filter_map(|m| {
                field_for(fields, &gojson::unquote(self.text, m.key.clone())).map(|f| (f, m.value))
            })
            .collect()
    }

    fn string(&mut self, into: &mut String, at: &Range<usize>, path: Path<'_>) {
        match self.kind(at) {
            Some(Kind::String) => *into = gojson::unquote(self.text, at.clone()).into_owned(),
            Some(Kind::Null) => {}
            _ => self.type_error(path, "a string"),
        }
    }

    /// Go's `decodeState.array` into a slice.
    fn slice<T: Clone + Default>(
        &mut self,
        into: &mut GoSlice<T>,
        at: &Range<usize>,
        path: Path<'_>,
        mut element: impl FnMut(&mut Self, &mut T, &Range<usize>, Path<'_>),
    ) {
        match self.kind(at) {
            Some(Kind::Null) => *into = GoSlice::default(),
            Some(Kind::Array) => {
                let mut i = 0;
                for el in gojson::elements(self.text, at.clone()) {
                    if i >= into.backing.len() {
                        // Grow: a new backing array, zeroed past `len`.
                        let cap = into.backing.len();
                        let mut grown: Vec<T> = into.items().to_vec();
                        grown.resize((cap + cap / 2).max(4), T::default());
                        into.backing = grown;
                    }
                    if i >= into.len {
                        into.len = i + 1;
                    }
                    if let Some(slot) = into.backing.get_mut(i) {
                        element(self, slot, &el, &|| format!("{}[{i}]", path()));
                    }
                    i += 1;
                }
                if i < into.len {
                    into.len = i;
                }
                if i == 0 {
                    *into = GoSlice::default();
                }
            }
            _ => self.type_error(path, "a list"),
        }
    }

    fn strings(&mut self, into: &mut GoSlice<String>, at: &Range<usize>, path: Path<'_>) {
        self.slice(into, at, path, |d, s, el, p| d.string(s, el, p));
    }

    /// A struct behind a pointer: `null` resets it, an object fills (and
    /// if need be allocates) it.
    fn pointer<T: Default>(
        &mut self,
        into: &mut Option<T>,
        at: &Range<usize>,
        path: Path<'_>,
        fill: impl FnOnce(&mut Self, &mut T),
    ) {
        match self.kind(at) {
            Some(Kind::Null) => *into = None,
            Some(Kind::Object) => fill(self, into.get_or_insert_with(T::default)),
            _ => self.type_error(path, "an object"),
        }
    }

    fn hook(&mut self, into: &mut GoHook, at: &Range<usize>, path: Path<'_>) {
        match self.kind(at) {
            Some(Kind::Null) => {}
            Some(Kind::Object) => {
                for (field, value) in self.fields(at, &Hook::FIELDS) {
                    let p = || format!("{}.{field}", path());
                    match field {
                        "path" => self.string(&mut into.path, &value, &p),
                        "args" => self.strings(&mut into.args, &value, &p),
                        "env" => self.strings(&mut into.env, &value, &p),
                        _ => self.timeout(&mut into.timeout, &value, &p),
                    }
                }
            }
            _ => self.type_error(path, "an object"),
        }
    }

    /// `*int`: `null` resets it; a number must be an integer in range.
    fn timeout(&mut self, into: &mut Option<i64>, at: &Range<usize>, path: Path<'_>) {
        match self.kind(at) {
            Some(Kind::Null) => *into = None,
            Some(Kind::Number) => match gojson::integer(self.text, at.clone()) {
                Some(n) => *into = Some(n),
                None => self.type_error(path, "an integer"),
            },
            _ => self.type_error(path, "an integer"),
        }
    }

    /// One top-level `hooks` value decoded into `into`.
    pub fn hooks(&mut self, into: &mut Option<GoHooks>, at: &Range<usize>) {
        self.pointer(into, at, &|| "hooks".to_string(), |d, hooks| {
            for (field, value) in d.fields(at, &STAGE_FIELDS) {
                let Some(i) = STAGE_FIELDS.iter().position(|f| *f == field) else {
                    continue;
                };
                let path = || format!("hooks.{field}");
                if let Some(stage) = hooks.stages.get_mut(i) {
                    d.slice(stage, &value, &path, |d, h, el, p| d.hook(h, el, p));
                }
            }
        });
    }

    /// One top-level member decoded into the facts hook conditions read.
    pub fn condition_member(&mut self, facts: &mut ConditionFacts, field: &str, at: &Range<usize>) {
        match field {
            "process" => self.pointer(&mut facts.process, at, &|| "process".into(), |d, args| {
                for (_, value) in d.fields(at, &PROCESS_FIELDS) {
                    d.strings(args, &value, &|| "process.args".into());
                }
            }),
            "annotations" => self.annotations(&mut facts.annotations, at),
            "mounts" => {
                let mut mounts = std::mem::take(&mut facts.mounts);
                self.slice(&mut mounts, at, &|| "mounts".into(), |d, m, el, p| {
                    d.mount(m, el, p)
                });
                facts.mounts = mounts;
            }
            _ => {}
        }
    }

    /// `map[string]string`: `null` resets it; each key sets its entry, a
    /// `null` or mistyped value giving `""` as Go's decoder does.
    fn annotations(&mut self, into: &mut Option<Map<String, Value>>, at: &Range<usize>) {
        match self.kind(at) {
            Some(Kind::Null) => *into = None,
            Some(Kind::Object) => {
                let map = into.get_or_insert_with(Map::new);
                for m in gojson::members(self.text, at.clone()) {
                    let key = gojson::unquote(self.text, m.key.clone()).into_owned();
                    let mut value = String::new();
                    self.string(&mut value, &m.value, &|| format!("annotations.{key}"));
                    map.insert(key, Value::String(value));
                }
            }
            _ => self.type_error(&|| "annotations".into(), "an object"),
        }
    }

    fn mount(&mut self, into: &mut GoMount, at: &Range<usize>, path: Path<'_>) {
        match self.kind(at) {
            Some(Kind::Null) => {}
            Some(Kind::Object) => {
                for (field, value) in self.fields(at, &MOUNT_FIELDS) {
                    let p = || format!("{}.{field}", path());
                    match field {
                        "destination" => self.string(&mut into.destination, &value, &p),
                        "type" => self.string(&mut into.kind, &value, &p),
                        _ => self.strings(&mut into.options, &value, &p),
                    }
                }
            }
            _ => self.type_error(path, "an object"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The facts of a whole document, as the toolkit computes them.
    fn facts(text: &str) -> Value {
        let text = text.as_bytes();
        let checked = gojson::check(text).unwrap();
        let mut d = Decoder::new(text);
        let mut f = ConditionFacts::default();
        for m in checked.members.unwrap() {
            if let Some(field) = spec_field(text, &m) {
                d.condition_member(&mut f, field, &m.value);
            }
        }
        f.to_value()
    }

    fn hooks(text: &str) -> (Option<GoHooks>, Option<String>) {
        let text = text.as_bytes();
        let checked = gojson::check(text).unwrap();
        let mut d = Decoder::new(text);
        let mut h = None;
        for m in checked.members.unwrap() {
            if spec_field(text, &m) == Some("hooks") {
                d.hooks(&mut h, &m.value);
            }
        }
        (h, d.error)
    }

    fn paths(h: &Option<GoHooks>, stage: Stage) -> Vec<String> {
        h.as_ref()
            .map(|h| h.stage(stage).iter().map(|h| h.path.clone()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn keys_fold_and_duplicates_merge_as_in_go() {
        let f = facts(
            r#"{"Annotations":{"a":"1","b":"2"},"annotations":{"b":"3","c":null},
                "PROCESS":{"ARGS":["sh","-c"]},"process":{"cwd":"/"},
                "mounts":[{"destination":"/x","type":"bind"}],"Mounts":[{"Options":["ro"]}]}"#,
        );
        assert_eq!(
            f,
            serde_json::json!({
                "annotations": {"a": "1", "b": "3", "c": ""},
                "process": {"args": ["sh", "-c"]},
                "mounts": [{"destination": "/x", "type": "bind", "options": ["ro"]}],
            })
        );
    }

    #[test]
    fn null_resets_pointers_maps_and_slices() {
        let f = facts(
            r#"{"annotations":{"a":"1"},"annotations":null,"process":{"args":["x"]},"process":null,
                "mounts":[{"destination":"/x"}],"mounts":null}"#,
        );
        assert_eq!(f, serde_json::json!({}));
        let f = facts(r#"{"process":{"args":["a","b"]},"process":{"args":[null,"c","d"]}}"#);
        // null leaves a string as it was; the slice takes the new length.
        assert_eq!(f["process"]["args"], serde_json::json!(["a", "c", "d"]));
    }

    #[test]
    fn escapes_decode_as_in_go() {
        let f = facts(r#"{"annotations":{"k\ud800":"v\udc00w","\u0041":"\ud83d\ude00"}}"#);
        assert_eq!(
            f["annotations"],
            serde_json::json!({"k\u{fffd}": "v\u{fffd}w", "A": "\u{1f600}"})
        );
    }

    #[test]
    fn hooks_merge_element_by_element_and_keep_stale_elements() {
        // Go 1.19: the second array is decoded into the first one's
        // elements; the third, longer one brings back the stale second
        // element of the first, merged with its own.
        let (h, e) = hooks(
            r#"{"hooks":{"prestart":[{"path":"/a","args":["a"]},{"path":"/b","env":["E=1"]}]},
                "Hooks":{"Prestart":[{"path":"/c"}]},
                "hooks":{"prestart":[{"timeout":5},{"path":"/d"}]}}"#,
        );
        assert_eq!(e, None);
        let pre = h.as_ref().unwrap().stage(Stage::Prestart);
        assert_eq!(pre.len(), 2);
        assert_eq!(
            pre[0].to_hook(),
            Hook {
                path: "/c".into(),
                args: Some(vec!["a".into()]),
                env: None,
                timeout: Some(5)
            }
        );
        assert_eq!(
            pre[1].to_hook(),
            Hook {
                path: "/d".into(),
                args: None,
                env: Some(vec!["E=1".into()]),
                timeout: None
            }
        );
        let (h, _) = hooks(r#"{"hooks":{"poststop":[{"path":"/p"}]},"hooks":null}"#);
        assert!(h.is_none());
        let (h, _) =
            hooks(r#"{"hooks":{"poststop":[{"path":"/p"}]},"hooks":{"prestart":[{"path":"/q"}]}}"#);
        assert_eq!(paths(&h, Stage::Poststop), ["/p"]);
        assert_eq!(paths(&h, Stage::Prestart), ["/q"]);
        let (h, _) = hooks(r#"{"hooks":{"prestart":[{"path":"/p"}],"prestart":[]}}"#);
        assert!(paths(&h, Stage::Prestart).is_empty());
    }

    #[test]
    fn type_errors_name_the_field() {
        for (text, want) in [
            (r#"{"hooks":[]}"#, "`hooks` is not an object"),
            (
                r#"{"hooks":{"prestart":{}}}"#,
                "`hooks.prestart` is not a list",
            ),
            (
                r#"{"hooks":{"Poststop":[3]}}"#,
                "`hooks.poststop[0]` is not an object",
            ),
            (
                r#"{"hooks":{"prestart":[{"timeout":1.5}]}}"#,
                "`hooks.prestart[0].timeout` is not an integer",
            ),
            (
                r#"{"hooks":{"prestart":[{"args":"x"}]}}"#,
                "`hooks.prestart[0].args` is not a list",
            ),
            (
                r#"{"hooks":{"prestart":[{"path":1}]}}"#,
                "`hooks.prestart[0].path` is not a string",
            ),
        ] {
            let (_, e) = hooks(text);
            assert!(
                e.as_deref().is_some_and(|e| e.contains(want)),
                "{text}: {e:?}"
            );
        }
        let (h, e) =
            hooks(r#"{"hooks":{"prestart":[null,{"path":"/x","x-vendor":{"deep":[[[]]]}}]}}"#);
        assert_eq!(e, None);
        assert_eq!(paths(&h, Stage::Prestart), ["", "/x"]);
    }
}

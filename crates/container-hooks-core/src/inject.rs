//! Adding hooks to a bundle's config.json, as runc will read them.
//!
//! config.json is checked once, in one pass, the way runc's Go decoder
//! checks it ([`gojson`]); then only the parts that change are rewritten:
//! new hooks are spliced in after those already in each stage, and every
//! other byte (fields known to a spec version or not, key order, layout,
//! the spelling of numbers) is copied as it was. So the cost of a create
//! stays flat as config.json grows, and a file is written only when a hook
//! is added.
//!
//! Hooks go where runc will read them: runc matches keys case-insensitively
//! and merges a member named twice ([`gospec`]), so a `"Hooks"` or
//! `"Prestart"` key is written into, never doubled by a second `hooks` or
//! `prestart` that would make Go drop the hooks already there. When the
//! hooks are spread over several members (a `hooks` named twice, a stage
//! named twice), the last `hooks` member, the one Go reads last, is
//! rewritten to hold every hook runc would have seen plus the new ones,
//! each field written out so that no earlier member can leak into them.
//! A hook already present (same path, args, env, timeout, as runc reads
//! it) is not added again, and a bundle carrying the `container-hooks`
//! marker gets nothing.
//!
//! [`gojson`]: crate::gojson
//! [`gospec`]: crate::gospec

use crate::gojson::{self, Kind, Member};
use crate::gospec::{spec_field, ConditionFacts, Decoder, GoHook, GoHooks, STAGE_FIELDS};
use crate::hook::{is_marker_path, Hook, HookSet, Stage};
use crate::trust::FileBytes;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{self, Write};
use std::ops::Range;

/// A config.json: the original bytes, where its top-level members are, and
/// the edits that injection made.
#[derive(Debug, Clone)]
pub struct Spec {
    raw: FileBytes,
    /// The top-level object.
    object: Range<usize>,
    /// Its members, in document order.
    members: Vec<Member>,
    /// Replacements of byte ranges of `raw`, in order, not overlapping
    /// (an insertion is an empty range).
    edits: Vec<Edit>,
    /// The indentation unit, `None` for compact JSON.
    indent: Option<Vec<u8>>,
}

#[derive(Debug, Clone)]
struct Edit {
    range: Range<usize>,
    text: Vec<u8>,
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
    /// Parses config.json; its first value must be a JSON object.
    pub fn parse(bytes: &[u8]) -> Result<Spec, String> {
        Spec::from_vec(bytes.to_vec())
    }

    /// [`Spec::parse`], taking the bytes over.
    pub fn from_vec(raw: Vec<u8>) -> Result<Spec, String> {
        Spec::from_bytes(FileBytes::Read(raw))
    }

    /// [`Spec::parse`] of a file's bytes, read or mapped.
    pub fn from_bytes(raw: FileBytes) -> Result<Spec, String> {
        let checked = gojson::check(&raw).map_err(|e| e.fault(&raw))?;
        let Some(members) = checked.members else {
            return Err("not a JSON object".to_string());
        };
        let first = members.first().map_or(checked.value.end, |m| m.key.start);
        let indent = detect_indent(raw.get(checked.value.start + 1..first).unwrap_or_default());
        Ok(Spec {
            object: checked.value,
            members,
            edits: Vec::new(),
            indent,
            raw,
        })
    }

    /// The document as a JSON value (parsed on demand: for tools and
    /// tests; the shim never needs it). serde_json's reading, not Go's:
    /// for showing the document, not for deciding anything.
    pub fn value(&self) -> Value {
        serde_json::Deserializer::from_slice(&self.to_bytes())
            .into_iter::<Value>()
            .next()
            .and_then(Result::ok)
            .unwrap_or(Value::Null)
    }

    /// What hook conditions look at, as runc reads it: `process`
    /// {`args`}, `annotations`, `mounts` [{`destination`, `type`,
    /// `options`}], under these names whatever the case of the keys in the
    /// file, with members named twice merged as Go merges them. A value of
    /// the wrong type is left out (runc refuses such a file anyway).
    pub fn condition_view(&self) -> Value {
        self.with_current(|text, members| {
            let mut decoder = Decoder::new(text);
            let mut facts = ConditionFacts::default();
            for m in members {
                if let Some(field) = spec_field(text, m) {
                    decoder.condition_member(&mut facts, field, &m.value);
                }
            }
            facts.to_value()
        })
    }

    /// The hooks runc will read, and the first type error in them.
    fn go_hooks(text: &[u8], members: &[Member]) -> (Option<GoHooks>, Option<String>) {
        let mut decoder = Decoder::new(text);
        let mut hooks = None;
        for m in members
            .iter()
            .filter(|m| spec_field(text, m) == Some("hooks"))
        {
            decoder.hooks(&mut hooks, &m.value);
        }
        (hooks, decoder.error)
    }

    /// Calls `f` with the current text (after any edits) and its members.
    fn with_current<T>(&self, f: impl FnOnce(&[u8], &[Member]) -> T) -> T {
        if self.edits.is_empty() {
            return f(&self.raw, &self.members);
        }
        let text = self.to_bytes();
        let members = gojson::check(&text)
            .ok()
            .and_then(|c| c.members)
            .unwrap_or_default();
        f(&text, &members)
    }

    /// Whether a prestart hook runc will read is the `container-hooks`
    /// marker.
    pub fn is_marked(&self) -> bool {
        self.with_current(|text, members| is_marked(&Spec::go_hooks(text, members).0))
    }

    /// The document: the original bytes with the edits applied.
    pub fn to_bytes(&self) -> Vec<u8> {
        let extra: usize = self.edits.iter().map(|e| e.text.len()).sum();
        let mut out = Vec::with_capacity(self.raw.len() + extra);
        // Writing into a Vec cannot fail.
        let _ = self.write_to(&mut out);
        out
    }

    /// Writes the document (the original bytes with the edits applied)
    /// without building it in memory first.
    pub fn write_to(&self, w: &mut impl Write) -> io::Result<()> {
        let mut at = 0;
        for edit in &self.edits {
            w.write_all(self.raw.get(at..edit.range.start).unwrap_or_default())?;
            w.write_all(&edit.text)?;
            at = edit.range.end;
        }
        w.write_all(self.raw.get(at..).unwrap_or_default())
    }

    /// Applies pending edits to the bytes, so that a second injection
    /// starts from the result of the first.
    fn settle(&mut self) -> Result<(), String> {
        if self.edits.is_empty() {
            return Ok(());
        }
        *self = Spec::from_vec(self.to_bytes())?;
        Ok(())
    }

    /// Appends the hooks of `set` to the stages of this spec. Fails, naming
    /// the field, when `hooks` or one of its stages has the wrong type; the
    /// spec is then unchanged.
    pub fn inject(&mut self, set: &HookSet) -> Result<Outcome, String> {
        if set.is_empty() {
            return Ok(Outcome::NothingToAdd);
        }
        self.settle()?;
        let (current, error) = Spec::go_hooks(&self.raw, &self.members);
        if let Some(error) = error {
            return Err(error);
        }
        if is_marked(&current) {
            return Ok(Outcome::Marked);
        }
        let additions = new_hooks(current.as_ref(), set);
        let added = additions.iter().map(|(_, h)| h.len()).sum();
        if added == 0 {
            return Ok(Outcome::AlreadyPresent);
        }
        self.edits = self.plan(current.as_ref(), &additions);
        Ok(Outcome::Added(added))
    }

    /// The hooks of `set` that [`Spec::inject`] adds to this spec, per
    /// stage: those not already present; none when the spec is marked or
    /// its hooks cannot be read. Built only when asked (`ctk hooks
    /// preview`): the shim injects without copying its hooks.
    pub fn additions(&self, set: &HookSet) -> HookSet {
        self.with_current(|text, members| {
            let (current, error) = Spec::go_hooks(text, members);
            let mut out = HookSet::new();
            if error.is_none() && !is_marked(&current) {
                for (stage, hooks) in new_hooks(current.as_ref(), set) {
                    for hook in hooks {
                        out.push(stage, hook.clone());
                    }
                }
            }
            out
        })
    }

    /// Where the new hooks go, as edits.
    fn plan(&self, current: Option<&GoHooks>, additions: &[(Stage, Vec<&Hook>)]) -> Vec<Edit> {
        let hooks_members: Vec<&Member> = self
            .members
            .iter()
            .filter(|m| spec_field(&self.raw, m) == Some("hooks"))
            .collect();
        let single = match hooks_members.as_slice() {
            [] => {
                return vec![self.insert_members(
                    &self.object,
                    &self.members,
                    &[("hooks", &Stages(additions))],
                )];
            }
            [only] => only,
            [.., last] => return vec![self.rewrite_hooks(last, current, additions)],
        };
        match gojson::kind(&self.raw, single.value.start) {
            Some(Kind::Object) => {}
            _ => {
                // `null`: nothing before it, so the new stages are all.
                return vec![self.replace(&single.value, &Stages(additions))];
            }
        }
        let inner: Vec<Member> = gojson::members(&self.raw, single.value.clone()).collect();
        let stage_members = |stage: Stage| -> Vec<&Member> {
            inner
                .iter()
                .filter(|m| gokeys_stage(&gojson::unquote(&self.raw, m.key.clone())) == Some(stage))
                .collect()
        };
        if additions
            .iter()
            .any(|(stage, _)| stage_members(*stage).len() > 1)
        {
            return vec![self.rewrite_hooks(single, current, additions)];
        }
        let mut edits = Vec::new();
        let mut new_members: Vec<(&str, &dyn erased::Serialize)> = Vec::new();
        for (stage, hooks) in additions {
            match stage_members(*stage).first() {
                Some(m) if gojson::kind(&self.raw, m.value.start) == Some(Kind::Array) => {
                    edits.push(self.append_elements(&m.value, hooks));
                }
                Some(m) => edits.push(self.replace(&m.value, hooks)),
                None => new_members.push((stage.as_str(), hooks)),
            }
        }
        if !new_members.is_empty() {
            edits.push(self.insert_members(&single.value, &inner, &new_members));
        }
        edits.sort_by_key(|e| e.range.start);
        edits
    }

    /// The value of `member` (the last `hooks` member) rewritten to hold
    /// every hook of `current` and the additions, each stage and each hook
    /// field written out, so that what Go merged from earlier members
    /// cannot change them.
    fn rewrite_hooks(
        &self,
        member: &Member,
        current: Option<&GoHooks>,
        additions: &[(Stage, Vec<&Hook>)],
    ) -> Edit {
        let mut hooks = Map::new();
        for stage in Stage::ALL {
            let mut list: Vec<Value> = current
                .map(|h| h.stage(stage).iter().map(explicit).collect())
                .unwrap_or_default();
            if let Some((_, new)) = additions.iter().find(|(s, _)| *s == stage) {
                list.extend(new.iter().map(|h| explicit(&go_hook(h))));
            }
            let value = if list.is_empty() {
                Value::Null
            } else {
                Value::Array(list)
            };
            hooks.insert(stage.as_str().to_string(), value);
        }
        self.replace(&member.value, &Value::Object(hooks))
    }

    /// Replaces the value at `range` with `value`, in the layout of the
    /// line it is on.
    fn replace(&self, range: &Range<usize>, value: &dyn erased::Serialize) -> Edit {
        let base = self.line_indent(range.start);
        Edit {
            range: range.clone(),
            text: self.render(value, &base),
        }
    }

    /// Adds members at the end of the object at `object`, whose members
    /// are `members`, laid out as the ones there.
    fn insert_members(
        &self,
        object: &Range<usize>,
        members: &[Member],
        new: &[(&str, &dyn erased::Serialize)],
    ) -> Edit {
        let quote = |k: &str| serde_json::to_vec(k).unwrap_or_default();
        let (Some(first), Some(last)) = (members.first(), members.last()) else {
            // An empty object: write it anew.
            let mut text = vec![b'{'];
            match &self.indent {
                Some(unit) => {
                    let base = self.line_indent(object.start);
                    let inner = [base.as_slice(), unit].concat();
                    for (i, (key, value)) in new.iter().enumerate() {
                        text.extend_from_slice(if i == 0 {
                            b"
"
                        } else {
                            b",
"
                        });
                        text.extend_from_slice(&inner);
                        text.extend_from_slice(&quote(key));
                        text.extend_from_slice(b": ");
                        text.extend_from_slice(&self.render(*value, &inner));
                    }
                    text.push(b'\n');
                    text.extend_from_slice(&base);
                }
                None => {
                    for (i, (key, value)) in new.iter().enumerate() {
                        if i > 0 {
                            text.push(b',');
                        }
                        text.extend_from_slice(&quote(key));
                        text.push(b':');
                        text.extend_from_slice(&self.render(*value, b""));
                    }
                }
            }
            text.push(b'}');
            return Edit {
                range: object.clone(),
                text,
            };
        };
        let sep = self.separator(
            object.start,
            first.key.start,
            members.get(1).map(|m| m.key.start),
        );
        let colon = self
            .raw
            .get(first.key.end..first.value.start)
            .unwrap_or(b":")
            .to_vec();
        let base = indent_after_newline(&sep);
        let mut text = Vec::new();
        for (key, value) in new {
            text.push(b',');
            text.extend_from_slice(&sep);
            text.extend_from_slice(&quote(key));
            text.extend_from_slice(&colon);
            text.extend_from_slice(&self.render_in(*value, base.as_deref()));
        }
        Edit {
            range: last.value.end..last.value.end,
            text,
        }
    }

    /// Appends elements to the array at `array`, laid out as the ones
    /// there.
    fn append_elements(&self, array: &Range<usize>, values: &[&Hook]) -> Edit {
        let elements: Vec<Range<usize>> = gojson::elements(&self.raw, array.clone()).collect();
        let (Some(first), Some(last)) = (elements.first(), elements.last()) else {
            return self.replace(array, &values);
        };
        let sep = self.separator(array.start, first.start, elements.get(1).map(|e| e.start));
        let base = indent_after_newline(&sep);
        let mut text = Vec::new();
        for value in values {
            text.push(b',');
            text.extend_from_slice(&sep);
            text.extend_from_slice(&self.render_in(value, base.as_deref()));
        }
        Edit {
            range: last.end..last.end,
            text,
        }
    }

    /// The whitespace that comes before an item of a container: after the
    /// first comma when there are two items, else after the opening
    /// bracket.
    fn separator(&self, open: usize, first: usize, second: Option<usize>) -> Vec<u8> {
        let before = |end: usize| -> Vec<u8> {
            self.raw
                .get(..end)
                .unwrap_or_default()
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_whitespace())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .copied()
                .collect()
        };
        match second {
            Some(second) => before(second),
            None => self.raw.get(open + 1..first).unwrap_or_default().to_vec(),
        }
    }

    /// The whitespace at the start of the line holding `pos`.
    fn line_indent(&self, pos: usize) -> Vec<u8> {
        let head = self.raw.get(..pos).unwrap_or_default();
        let start = head.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        head.get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .copied()
            .collect()
    }

    /// A value laid out for a place whose lines start with `base`: pretty
    /// when the document is, else compact.
    fn render(&self, value: &dyn erased::Serialize, base: &[u8]) -> Vec<u8> {
        match &self.indent {
            Some(_) => self.render_in(value, Some(base)),
            None => self.render_in(value, None),
        }
    }

    /// Pretty with lines after the first prefixed by `base`, or compact
    /// for `None`.
    fn render_in(&self, value: &dyn erased::Serialize, base: Option<&[u8]>) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        let (Some(base), Some(unit)) = (base, &self.indent) else {
            // Serialising hooks into a Vec cannot fail: every key is a string.
            let _ = value.compact(&mut out);
            return out;
        };
        let _ = value.pretty(&mut out, unit);
        if base.is_empty() {
            return out;
        }
        let mut nested = Vec::with_capacity(out.len() * 2);
        for (i, line) in out.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                nested.push(b'\n');
                nested.extend_from_slice(base);
            }
            nested.extend_from_slice(line);
        }
        nested
    }
}

/// Values rendered into config.json: hooks, lists of them, stage maps, and
/// the JSON value of a rewritten `hooks` member. (serde's `Serialize` is
/// generic over the serializer; this is the object-safe part the edits
/// need.)
mod erased {
    use std::io;

    pub trait Serialize {
        fn compact(&self, out: &mut Vec<u8>) -> io::Result<()>;
        fn pretty(&self, out: &mut Vec<u8>, unit: &[u8]) -> io::Result<()>;
    }

    impl<T: serde::Serialize> Serialize for T {
        fn compact(&self, out: &mut Vec<u8>) -> io::Result<()> {
            serde_json::to_writer(out, self).map_err(io::Error::other)
        }

        fn pretty(&self, out: &mut Vec<u8>, unit: &[u8]) -> io::Result<()> {
            let fmt = serde_json::ser::PrettyFormatter::with_indent(unit);
            let mut ser = serde_json::Serializer::with_formatter(out, fmt);
            serde::Serialize::serialize(self, &mut ser).map_err(io::Error::other)
        }
    }
}

/// The new hooks of some stages, as the JSON object of lists it is
/// written as.
struct Stages<'a>(&'a [(Stage, Vec<&'a Hook>)]);

impl Serialize for Stages<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (stage, hooks) in self.0 {
            map.serialize_entry(stage.as_str(), hooks)?;
        }
        map.end()
    }
}

/// A hook as compared for "already present", borrowed: the fields runc
/// reads, an empty list being no list.
#[derive(PartialEq, Eq, Hash)]
struct HookKey<'a> {
    path: &'a str,
    args: &'a [String],
    env: &'a [String],
    timeout: Option<i64>,
}

impl<'a> HookKey<'a> {
    fn of(h: &'a Hook) -> HookKey<'a> {
        HookKey {
            path: &h.path,
            args: h.args.as_deref().unwrap_or_default(),
            env: h.env.as_deref().unwrap_or_default(),
            timeout: h.timeout,
        }
    }

    fn of_go(h: &'a GoHook) -> HookKey<'a> {
        HookKey {
            path: &h.path,
            args: h.args.items(),
            env: h.env.items(),
            timeout: h.timeout,
        }
    }
}

/// A fast hash for the "already present" check (FxHash's mixing): the
/// hooks come from root-owned files, so there is no one to attack the
/// table, and SipHash would cost more than the rest of the check.
#[derive(Default)]
struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let mut tail = [0u8; 8];
        for (t, b) in tail.iter_mut().zip(chunks.remainder()) {
            *t = *b;
        }
        self.add(u64::from_le_bytes(tail));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The stage a key of `hooks` selects, as Go matches it.
fn gokeys_stage(key: &str) -> Option<Stage> {
    let field = crate::gokeys::field_for(&STAGE_FIELDS, key)?;
    Stage::from_name(field)
}

/// The indentation after the last newline of a separator; `None` when the
/// separator has no newline (the container is on one line).
fn indent_after_newline(sep: &[u8]) -> Option<Vec<u8>> {
    let nl = sep.iter().rposition(|&b| b == b'\n')?;
    Some(sep.get(nl + 1..).unwrap_or_default().to_vec())
}

/// The hooks of `set` not already in `current` (same path, args, env,
/// timeout, as runc reads them), per stage; a hook listed twice in `set`
/// is added once.
fn new_hooks<'s>(current: Option<&GoHooks>, set: &'s HookSet) -> Vec<(Stage, Vec<&'s Hook>)> {
    let mut additions = Vec::new();
    for (stage, new) in set.iter() {
        let there = current.map_or(&[][..], |h| h.stage(stage));
        let mut present: HashSet<HookKey, BuildHasherDefault<FxHasher>> =
            HashSet::with_capacity_and_hasher(there.len() + new.len(), Default::default());
        present.extend(there.iter().map(HookKey::of_go));
        let added: Vec<&Hook> = new
            .iter()
            .filter(|h| present.insert(HookKey::of(h)))
            .collect();
        if !added.is_empty() {
            additions.push((stage, added));
        }
    }
    additions
}

fn is_marked(hooks: &Option<GoHooks>) -> bool {
    hooks.as_ref().is_some_and(|h| {
        h.stage(Stage::Prestart)
            .iter()
            .any(|hook| is_marker_path(&hook.path))
    })
}

fn go_hook(hook: &Hook) -> GoHook {
    let mut g = GoHook {
        path: hook.path.clone(),
        timeout: hook.timeout,
        ..GoHook::default()
    };
    g.args = crate::gospec::GoSlice::from_items(hook.args.clone().unwrap_or_default());
    g.env = crate::gospec::GoSlice::from_items(hook.env.clone().unwrap_or_default());
    g
}

/// A hook with every field written out (`null` for none), so that decoding
/// it over any earlier value gives exactly this hook.
fn explicit(hook: &GoHook) -> Value {
    let list = |l: &[String]| {
        if l.is_empty() {
            Value::Null
        } else {
            Value::from(l.to_vec())
        }
    };
    let mut map = Map::new();
    map.insert("path".into(), hook.path.clone().into());
    map.insert("args".into(), list(hook.args.items()));
    map.insert("env".into(), list(hook.env.items()));
    map.insert(
        "timeout".into(),
        hook.timeout.map_or(Value::Null, Value::from),
    );
    Value::Object(map)
}

/// The indentation unit of a document, from the whitespace between its
/// opening brace and its first key: what follows the last newline there,
/// or `None` (compact) when there is no newline.
fn detect_indent(after_brace: &[u8]) -> Option<Vec<u8>> {
    let nl = after_brace.iter().rposition(|&b| b == b'\n')?;
    let indent: Vec<u8> = after_brace
        .get(nl + 1..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .copied()
        .collect();
    if indent.is_empty() {
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
    fn additions_are_the_hooks_inject_adds() {
        // Docker's prestart hook is there already; ours twice in the set.
        let bytes = std::fs::read(test_support::fixture("oci/docker-20.10.json")).unwrap();
        let spec = Spec::parse(&bytes).unwrap();
        let docker: Hook =
            serde_json::from_value(spec.value()["hooks"]["prestart"][0].clone()).unwrap();
        let mut set = HookSet::new();
        set.push(Stage::Prestart, docker);
        set.push(Stage::Prestart, hook("/a", None));
        set.push(Stage::Prestart, hook("/a", None));
        set.push(Stage::Poststop, hook("/b", Some(2)));
        let additions = spec.additions(&set);
        assert_eq!(additions.stage(Stage::Prestart), [hook("/a", None)]);
        assert_eq!(additions.stage(Stage::Poststop), [hook("/b", Some(2))]);
        let mut after = spec.clone();
        assert_eq!(after.inject(&set).unwrap(), Outcome::Added(additions.len()));
        // Asked after the injection, nothing is left to add.
        assert!(after.additions(&set).is_empty());
        let marked =
            Spec::parse(br#"{"hooks":{"prestart":[{"path":"/usr/bin/container-hooks"}]}}"#)
                .unwrap();
        assert!(marked.additions(&set).is_empty());
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
            let old_hooks = spec
                .members
                .iter()
                .find(|m| gojson::unquote(&bytes, m.key.clone()) == "hooks")
                .map_or(0, |m| m.value.len());
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
    fn what_runc_accepts_is_accepted_and_kept_byte_for_byte() {
        // Go's decoder takes invalid UTF-8 inside strings and never reads
        // past the first value: runc accepts both, so does the shim, and
        // neither is touched.
        let text = b"{\"a\":\"\xff\",\"hooks\":{}}\n{trailing";
        let mut spec = Spec::parse(text).unwrap();
        assert_eq!(
            spec.inject(&set_of_all_stages()).unwrap(),
            Outcome::Added(6)
        );
        let out = spec.to_bytes();
        assert!(out.starts_with(b"{\"a\":\"\xff\",\"hooks\":{\"prestart\""));
        assert!(
            out.ends_with(b"}}\n{trailing"),
            "{}",
            String::from_utf8_lossy(&out)
        );
        assert!(Spec::parse(b"{\"a\":1}\xff").is_ok());
        assert!(Spec::parse(b"\xff{}").unwrap_err().contains("invalid JSON"));
        assert!(Spec::parse(b"{\"a\":\xff}")
            .unwrap_err()
            .contains("invalid JSON"));
    }

    fn hook_paths(spec: &Spec, stage: Stage) -> Vec<String> {
        let text = spec.to_bytes();
        let again = Spec::parse(&text).unwrap();
        let (hooks, error) = Spec::go_hooks(&again.raw, &again.members);
        assert_eq!(error, None);
        hooks
            .map(|h| h.stage(stage).iter().map(|h| h.path.clone()).collect())
            .unwrap_or_default()
    }

    fn one(stage: Stage, path: &str) -> HookSet {
        let mut s = HookSet::new();
        s.push(stage, hook(path, None));
        s
    }

    #[test]
    fn keys_in_any_case_are_written_into_never_doubled() {
        let text = br#"{"Hooks":{"Prestart":[{"path":"/engine"}]},"ociVersion":"1.0.2"}"#;
        let mut spec = Spec::parse(text).unwrap();
        assert_eq!(
            spec.inject(&one(Stage::Prestart, "/h")).unwrap(),
            Outcome::Added(1)
        );
        let out = String::from_utf8(spec.to_bytes()).unwrap();
        assert_eq!(
            out,
            r#"{"Hooks":{"Prestart":[{"path":"/engine"},{"path":"/h","args":["/h","x"]}]},"ociVersion":"1.0.2"}"#
        );
        assert_eq!(hook_paths(&spec, Stage::Prestart), ["/engine", "/h"]);
        // An escaped key is the same key to Go.
        let mut spec = Spec::parse(br#"{"hoo\u006bs":{"PRESTART":null}}"#).unwrap();
        spec.inject(&one(Stage::Prestart, "/h")).unwrap();
        assert_eq!(
            String::from_utf8(spec.to_bytes()).unwrap(),
            r#"{"hoo\u006bs":{"PRESTART":[{"path":"/h","args":["/h","x"]}]}}"#
        );
        // The Kelvin sign folds to k.
        let mut spec = Spec::parse("{\"hoo\u{212a}s\":{}}".as_bytes()).unwrap();
        spec.inject(&one(Stage::Poststop, "/h")).unwrap();
        assert_eq!(hook_paths(&spec, Stage::Poststop), ["/h"]);
        assert!(!spec.to_bytes().windows(7).any(|w| w == b"\"hooks\""));
    }

    #[test]
    fn hooks_spread_over_duplicate_members_keep_what_runc_saw() {
        for (text, prestart, poststop) in [
            (
                r#"{"hooks":{"prestart":[{"path":"/a"}],"poststop":[{"path":"/p"}]},"Hooks":{"prestart":[{"path":"/b"}]}}"#,
                vec!["/b", "/h"],
                vec!["/p"],
            ),
            (
                r#"{"hooks":{"prestart":[{"path":"/a"}]},"hooks":null}"#,
                vec!["/h"],
                vec![],
            ),
            (
                r#"{"hooks":{"prestart":[{"path":"/a"},{"path":"/b","env":["E=1"]}],"Prestart":[{"path":"/c"}]}}"#,
                vec!["/c", "/h"],
                vec![],
            ),
        ] {
            let mut spec = Spec::parse(text.as_bytes()).unwrap();
            assert_eq!(
                spec.inject(&one(Stage::Prestart, "/h")).unwrap(),
                Outcome::Added(1),
                "{text}"
            );
            assert_eq!(hook_paths(&spec, Stage::Prestart), prestart, "{text}");
            assert_eq!(hook_paths(&spec, Stage::Poststop), poststop, "{text}");
            // The stale /b (with its env) must not leak into the new hook.
            let again = Spec::parse(&spec.to_bytes()).unwrap();
            let (hooks, _) = Spec::go_hooks(&again.raw, &again.members);
            let added = hooks
                .as_ref()
                .unwrap()
                .stage(Stage::Prestart)
                .last()
                .unwrap()
                .to_hook();
            assert_eq!(added, hook("/h", None), "{text}");
            // And a second run adds nothing.
            let mut again = again;
            assert_eq!(
                again.inject(&one(Stage::Prestart, "/h")).unwrap(),
                Outcome::AlreadyPresent
            );
        }
    }

    #[test]
    fn a_marker_or_a_present_hook_counts_as_runc_reads_it() {
        let mut spec =
            Spec::parse(br#"{"HOOKS":{"preStart":[{"PATH":"/usr/bin/container-hooks"}]}}"#)
                .unwrap();
        assert!(spec.is_marked());
        assert_eq!(spec.inject(&set_of_all_stages()).unwrap(), Outcome::Marked);
        let mut spec = Spec::parse(
            br#"{"hooks":{"prestart":[{"Path":"/h","ARGS":["/h","x"],"x-unknown":1}]}}"#,
        )
        .unwrap();
        assert_eq!(
            spec.inject(&one(Stage::Prestart, "/h")).unwrap(),
            Outcome::AlreadyPresent
        );
    }

    #[test]
    fn the_condition_view_is_what_runc_reads() {
        let spec = Spec::parse(
            br#"{"Annotations":{"a":"1"},"annotations":{"b\ud800":"2"},"Process":{"Args":["sh"]},
                "MOUNTS":[{"Destination":"/data","Type":"bind"}]}"#,
        )
        .unwrap();
        assert_eq!(
            spec.condition_view(),
            serde_json::json!({
                "annotations": {"a": "1", "b\u{fffd}": "2"},
                "process": {"args": ["sh"]},
                "mounts": [{"destination": "/data", "type": "bind", "options": []}],
            })
        );
    }

    #[test]
    fn nesting_beyond_go_s_limit_is_an_error_not_missing_annotations() {
        let deep = format!(
            "{{\"annotations\":{{\"a\":\"b\"}},\"x\":{}{}}}",
            "[".repeat(10_001),
            "]".repeat(10_001)
        );
        let err = Spec::parse(deep.as_bytes()).unwrap_err();
        assert!(err.contains("nested deeper than 10000"), "{err}");
        // Deep but within the limit: read, and the annotations are there.
        let ok = format!(
            "{{\"annotations\":{{\"a\":\"b\"}},\"x\":{}{}}}",
            "[".repeat(9_999),
            "]".repeat(9_999)
        );
        let spec = Spec::parse(ok.as_bytes()).unwrap();
        assert_eq!(spec.condition_view()["annotations"]["a"], "b");
    }
}

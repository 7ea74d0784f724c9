//! Property tests of injection over generated config.json documents
//! (nested values, unknown fields, existing hooks, several layouts) and
//! generated hook sets: every non-hook field and the key order are kept,
//! existing hooks stay first, the configured hooks follow in order, a second
//! run changes nothing, and the written file reads back as the same value.

use container_hooks_core::hook::{Hook, HookSet, Stage};
use container_hooks_core::inject::{Outcome, Spec};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(
            &[
                "ociVersion",
                "process",
                "root",
                "mounts",
                "linux",
                "annotations",
                "x-vendor",
                "hostname",
                "",
                "hooks "
            ][..]
        )
        .prop_map(str::to_string),
        "[a-zA-Z_\u{e9}\u{4e2d} \"\\\\]{1,8}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        // Numbers whose spelling must survive (arbitrary precision).
        proptest::sample::select(
            &[
                "1.50",
                "-0",
                "1e400",
                "123456789012345678901234567890",
                "0.1"
            ][..]
        )
        .prop_map(|n| serde_json::from_str::<Value>(n).unwrap()),
        "[ -~\u{e9}\u{1f600}\n\t]{0,12}".prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn stage_name() -> impl Strategy<Value = String> {
    prop_oneof![
        5 => proptest::sample::select(&Stage::ALL[..]).prop_map(|s| s.as_str().to_string()),
        // Stages a newer or older spec might carry.
        1 => Just("preStop".to_string()),
    ]
}

fn hook() -> impl Strategy<Value = Hook> {
    (
        proptest::sample::select(
            &[
                "/usr/libexec/a",
                "/usr/bin/b",
                "/opt/hooks/c d",
                "/bin/true",
            ][..],
        ),
        proptest::option::of(proptest::collection::vec("[a-z=-]{0,5}", 0..3)),
        proptest::option::of(proptest::collection::vec("[A-Z]{1,3}=[a-z]{0,3}", 0..2)),
        proptest::option::of(1..120i64),
    )
        .prop_map(|(path, args, env, timeout)| Hook {
            path: path.to_string(),
            args,
            env,
            timeout,
        })
}

/// An existing hook as an engine may have written it: known fields, maybe
/// an unknown one, keys in any order.
fn existing_hook() -> impl Strategy<Value = Value> {
    (hook(), proptest::option::of(leaf()), any::<bool>()).prop_map(|(h, extra, reversed)| {
        let mut v = h.to_value();
        if let Some(extra) = extra {
            v.as_object_mut().unwrap().insert("x-extra".into(), extra);
        }
        if reversed {
            let m = v.as_object().unwrap();
            let mut r = Map::new();
            for (k, val) in m.iter().rev() {
                r.insert(k.clone(), val.clone());
            }
            v = Value::Object(r);
        }
        v
    })
}

fn existing_hooks() -> impl Strategy<Value = Option<Value>> {
    proptest::option::of(prop_oneof![
        1 => Just(Value::Null),
        6 => proptest::collection::vec(
            (stage_name(), prop_oneof![
                1 => Just(Value::Null),
                6 => proptest::collection::vec(existing_hook(), 0..4).prop_map(Value::Array),
            ]),
            0..5,
        )
        .prop_map(|kv| Value::Object(kv.into_iter().collect())),
    ])
}

/// A config.json document: random fields with `hooks` somewhere among them.
fn document() -> impl Strategy<Value = Value> {
    (
        proptest::collection::vec((key(), json_value()), 0..8),
        existing_hooks(),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(fields, hooks, at)| {
            // Keys runc would take for `hooks` (it ignores case) are tested
            // on their own, in the unit tests of inject.
            let mut m: Map<String, Value> = fields
                .into_iter()
                .filter(|(k, _)| k.to_lowercase() != "hooks")
                .collect();
            if let Some(h) = hooks {
                let at = at.index(m.len() + 1);
                m.shift_insert(at, "hooks".to_string(), h);
            }
            Value::Object(m)
        })
}

fn hook_set() -> impl Strategy<Value = HookSet> {
    proptest::collection::vec((proptest::sample::select(&Stage::ALL[..]), hook()), 0..8).prop_map(
        |hooks| {
            let mut set = HookSet::new();
            for (stage, h) in hooks {
                set.push(stage, h);
            }
            set
        },
    )
}

/// How the document is laid out on disk.
fn layout(value: &Value, style: u8) -> Vec<u8> {
    use serde::Serialize;
    match style {
        0 => serde_json::to_vec(value).unwrap(),
        1 => serde_json::to_vec_pretty(value).unwrap(),
        _ => {
            let mut out = Vec::new();
            let fmt = serde_json::ser::PrettyFormatter::with_indent(b"\t");
            let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
            value.serialize(&mut ser).unwrap();
            out.push(b'\n');
            out
        }
    }
}

/// The value as text, which shows key order.
fn text(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

/// The config.json injection must produce, computed independently.
fn expected(before: &Value, set: &HookSet) -> Value {
    let mut out = before.clone();
    if set.is_empty() {
        return out;
    }
    let root = out.as_object_mut().unwrap();
    let hooks = root
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()));
    if hooks.is_null() {
        *hooks = Value::Object(Map::new());
    }
    let stages = hooks.as_object_mut().unwrap();
    for (stage, list) in set.iter() {
        let slot = stages
            .entry(stage.as_str())
            .or_insert_with(|| Value::Array(vec![]));
        if slot.is_null() {
            *slot = Value::Array(vec![]);
        }
        let arr = slot.as_array_mut().unwrap();
        // Present means the same fields runc reads (unknown fields do not
        // count), an empty list being no list.
        let mut present: Vec<Hook> = arr.iter().map(as_runc_reads).collect();
        for h in list {
            if !present.contains(&normal(h)) {
                arr.push(h.to_value());
                present.push(normal(h));
            }
        }
    }
    out
}

fn normal(h: &Hook) -> Hook {
    let list = |l: &Option<Vec<String>>| l.clone().filter(|l| !l.is_empty());
    Hook {
        path: h.path.clone(),
        args: list(&h.args),
        env: list(&h.env),
        timeout: h.timeout,
    }
}

/// An existing hook (generated with exact key names) as runc reads it.
fn as_runc_reads(v: &Value) -> Hook {
    let list = |k: &str| {
        v.get(k).and_then(Value::as_array).map(|a| {
            a.iter()
                .map(|s| s.as_str().unwrap_or_default().to_string())
                .collect()
        })
    };
    normal(&Hook {
        path: v["path"].as_str().unwrap_or_default().to_string(),
        args: list("args"),
        env: list("env"),
        timeout: v.get("timeout").and_then(Value::as_i64),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn injection_keeps_fields_order_and_existing_hooks(doc in document(), set in hook_set(), style in 0..3u8) {
        let bytes = layout(&doc, style);
        let mut spec = Spec::parse(&bytes).unwrap();
        // Reading and writing without a change gives back the same bytes.
        prop_assert_eq!(&spec.to_bytes(), &bytes);
        let before = spec.value().clone();
        let outcome = spec.inject(&set).unwrap();
        let want = expected(&before, &set);
        // Every field, its value and the key order, at every depth; the
        // existing hooks first in each stage, then the new ones in order.
        prop_assert_eq!(text(&spec.value()), text(&want));
        let added = match outcome {
            Outcome::Added(n) => n,
            Outcome::AlreadyPresent | Outcome::NothingToAdd => 0,
            Outcome::Marked => unreachable!("no marker generated"),
        };
        let count = |v: &Value| -> usize {
            v.get("hooks").and_then(Value::as_object).map_or(0, |s| {
                s.values().filter_map(Value::as_array).map(Vec::len).sum()
            })
        };
        prop_assert_eq!(count(&spec.value()), count(&before) + added);
        if added == 0 {
            prop_assert_eq!(text(&spec.value()), text(&before));
        }

        // The written file reads back as the same document, same layout.
        let written = spec.to_bytes();
        let reread = Spec::parse(&written).unwrap();
        prop_assert_eq!(text(&reread.value()), text(&spec.value()));
        prop_assert_eq!(written.ends_with(b"\n"), bytes.ends_with(b"\n"));
        prop_assert_eq!(written.contains(&b'\n'), bytes.contains(&b'\n'));

        // Idempotent: a second run adds nothing and writes the same bytes.
        let mut again = reread;
        let second = again.inject(&set).unwrap();
        prop_assert!(matches!(second, Outcome::AlreadyPresent | Outcome::NothingToAdd), "{:?}", second);
        prop_assert_eq!(again.to_bytes(), written);
    }

    #[test]
    fn marked_bundles_are_never_changed(doc in document(), set in hook_set()) {
        let mut doc = doc;
        let root = doc.as_object_mut().unwrap();
        let hooks = root.entry("hooks").or_insert_with(|| Value::Object(Map::new()));
        if !hooks.is_object() {
            *hooks = Value::Object(Map::new());
        }
        let pre = hooks.as_object_mut().unwrap().entry("prestart").or_insert_with(|| Value::Array(vec![]));
        if !pre.is_array() {
            *pre = Value::Array(vec![]);
        }
        pre.as_array_mut().unwrap().push(serde_json::json!({"path": "/usr/bin/container-hooks"}));
        let bytes = serde_json::to_vec(&doc).unwrap();
        let mut spec = Spec::parse(&bytes).unwrap();
        let outcome = spec.inject(&set).unwrap();
        prop_assert!(matches!(outcome, Outcome::Marked | Outcome::NothingToAdd));
        prop_assert_eq!(spec.to_bytes(), bytes);
    }

    /// A document whose `hooks` has the wrong shape is refused with a fault
    /// naming the field, and left unchanged.
    #[test]
    fn wrong_hook_shapes_are_refused_unchanged(doc in document(), bad in prop_oneof![
        Just(Value::from(1)), Just(Value::from("x")), Just(serde_json::json!([])),
        Just(serde_json::json!({"prestart": {}})), Just(serde_json::json!({"poststop": 3})),
    ], set in hook_set()) {
        prop_assume!(!set.is_empty());
        let mut doc = doc;
        doc.as_object_mut().unwrap().insert("hooks".into(), bad);
        let bytes = serde_json::to_vec(&doc).unwrap();
        let mut spec = Spec::parse(&bytes).unwrap();
        let fault = spec.inject(&set).unwrap_err();
        prop_assert!(fault.contains("hooks"), "{}", fault);
        prop_assert_eq!(spec.to_bytes(), bytes);
    }
}

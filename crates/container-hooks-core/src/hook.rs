//! The OCI hook and its stages, as the runtime spec defines them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The six hook stages of the OCI runtime spec, in the order runc runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Stage {
    #[serde(rename = "prestart")]
    Prestart,
    #[serde(rename = "createRuntime")]
    CreateRuntime,
    #[serde(rename = "createContainer")]
    CreateContainer,
    #[serde(rename = "startContainer")]
    StartContainer,
    #[serde(rename = "poststart")]
    Poststart,
    #[serde(rename = "poststop")]
    Poststop,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Prestart,
        Stage::CreateRuntime,
        Stage::CreateContainer,
        Stage::StartContainer,
        Stage::Poststart,
        Stage::Poststop,
    ];

    /// The name used as a key in config.json's `hooks`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Stage::Prestart => "prestart",
            Stage::CreateRuntime => "createRuntime",
            Stage::CreateContainer => "createContainer",
            Stage::StartContainer => "startContainer",
            Stage::Poststart => "poststart",
            Stage::Poststop => "poststop",
        }
    }

    /// The stage with exactly this name (case matters, as in the spec).
    pub fn from_name(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// What to say of a name that is no stage: the nearest stage when one
    /// is close (`did you mean "poststart"?`), else every stage.
    pub fn unknown_hint(name: &str) -> String {
        match crate::suggest::nearest(name, Stage::ALL.map(Stage::as_str)) {
            Some(near) => format!("did you mean {near:?}?"),
            None => format!(
                "expected one of {}",
                Stage::ALL.map(Stage::as_str).join(", ")
            ),
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One OCI hook: `path` (absolute), `args`, `env`, `timeout` (seconds, > 0).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hook {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i64>,
}

/// What breaks the rules every hook follows, by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookFault {
    /// `path` is empty.
    EmptyPath,
    /// `path` is not absolute.
    RelativePath(String),
    /// `timeout` is zero or negative.
    Timeout(i64),
}

impl HookFault {
    /// The field at fault: `path` or `timeout`.
    pub fn field(&self) -> &'static str {
        match self {
            HookFault::EmptyPath | HookFault::RelativePath(_) => "path",
            HookFault::Timeout(_) => "timeout",
        }
    }

    /// The fault after the field's name: `is "x": a hook path must be
    /// absolute`.
    pub fn what(&self) -> String {
        match self {
            HookFault::EmptyPath => "is empty".to_string(),
            HookFault::RelativePath(path) => {
                format!("is {path:?}: a hook path must be absolute")
            }
            HookFault::Timeout(t) => {
                format!("is {t}: a hook timeout must be a positive number of seconds")
            }
        }
    }
}

impl Hook {
    /// The fields of a hook object, in the spec's order.
    pub const FIELDS: [&'static str; 4] = ["path", "args", "env", "timeout"];

    /// The rules every hook must follow before it is given to the runtime:
    /// an absolute path and a positive timeout. Returns the first fault,
    /// naming the field.
    pub fn check(&self) -> Result<(), String> {
        self.check_each(|f| Err(format!("field `{}` {}", f.field(), f.what())))
    }

    /// The same rules, giving every fault in turn to `fault` (the path's,
    /// then the timeout's); an error from `fault` stops there.
    pub fn check_each<E>(
        &self,
        mut fault: impl FnMut(HookFault) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.path.is_empty() {
            fault(HookFault::EmptyPath)?;
        } else if !self.path.starts_with('/') {
            fault(HookFault::RelativePath(self.path.clone()))?;
        }
        if let Some(t) = self.timeout {
            if t <= 0 {
                fault(HookFault::Timeout(t))?;
            }
        }
        Ok(())
    }

    /// Whether this hook is the `container-hooks` marker of the seed tool.
    pub fn is_marker(&self) -> bool {
        is_marker_path(&self.path)
    }

    /// The hook as the JSON object config.json holds (keys in spec order).
    pub fn to_value(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        map.insert("path".into(), self.path.clone().into());
        if let Some(args) = &self.args {
            map.insert("args".into(), args.clone().into());
        }
        if let Some(env) = &self.env {
            map.insert("env".into(), env.clone().into());
        }
        if let Some(t) = self.timeout {
            map.insert("timeout".into(), t.into());
        }
        serde_json::Value::Object(map)
    }
}

/// A path whose file name is `container-hooks` marks a bundle as injected.
pub fn is_marker_path(path: &str) -> bool {
    path.rsplit('/').next() == Some("container-hooks")
}

/// Hooks to add, per stage, in the order they are to run. Serialised as
/// config.json's `hooks` holds them: an object of stage name to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookSet {
    stages: Vec<(Stage, Vec<Hook>)>,
}

impl Serialize for HookSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for (stage, hooks) in self.iter() {
            map.serialize_entry(stage.as_str(), hooks)?;
        }
        map.end()
    }
}

impl HookSet {
    pub fn new() -> HookSet {
        HookSet::default()
    }

    /// Appends a hook to a stage.
    pub fn push(&mut self, stage: Stage, hook: Hook) {
        match self.stages.iter_mut().find(|(s, _)| *s == stage) {
            Some((_, hooks)) => hooks.push(hook),
            None => {
                self.stages.push((stage, vec![hook]));
                self.stages.sort_by_key(|(s, _)| *s);
            }
        }
    }

    /// Appends every hook of another set after this set's own.
    pub fn extend(&mut self, other: HookSet) {
        for (stage, hooks) in other.stages {
            for hook in hooks {
                self.push(stage, hook);
            }
        }
    }

    /// The hooks of one stage.
    pub fn stage(&self, stage: Stage) -> &[Hook] {
        self.stages
            .iter()
            .find(|(s, _)| *s == stage)
            .map(|(_, h)| h.as_slice())
            .unwrap_or_default()
    }

    /// Stages with at least one hook, in spec order.
    pub fn iter(&self) -> impl Iterator<Item = (Stage, &[Hook])> {
        self.stages
            .iter()
            .filter(|(_, h)| !h.is_empty())
            .map(|(s, h)| (*s, h.as_slice()))
    }

    pub fn is_empty(&self) -> bool {
        self.stages.iter().all(|(_, h)| h.is_empty())
    }

    /// The number of hooks over all stages.
    pub fn len(&self) -> usize {
        self.stages.iter().map(|(_, h)| h.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_names_round_trip() {
        for s in Stage::ALL {
            assert_eq!(Stage::from_name(s.as_str()), Some(s));
        }
        assert_eq!(Stage::from_name("preStart"), None);
    }

    #[test]
    fn an_unknown_stage_gets_the_nearest_or_the_list() {
        assert_eq!(
            Stage::unknown_hint("poststrat"),
            "did you mean \"poststart\"?"
        );
        assert_eq!(
            Stage::unknown_hint("preStart"),
            "did you mean \"prestart\"?"
        );
        assert_eq!(
            Stage::unknown_hint("teardown"),
            "expected one of prestart, createRuntime, createContainer, startContainer, poststart, poststop"
        );
    }

    #[test]
    fn hook_rules() {
        let mut h = Hook {
            path: "/bin/true".into(),
            args: None,
            env: None,
            timeout: Some(5),
        };
        assert!(h.check().is_ok());
        h.timeout = Some(0);
        assert!(h.check().unwrap_err().contains("timeout"));
        h.timeout = Some(-1);
        assert!(h.check().unwrap_err().contains("timeout"));
        h.timeout = None;
        h.path = "hooks/x".into();
        assert!(h.check().unwrap_err().contains("absolute"));
    }

    #[test]
    fn every_fault_of_a_hook_in_field_order() {
        let h = Hook {
            path: "relative".into(),
            args: None,
            env: None,
            timeout: Some(0),
        };
        let mut all = Vec::new();
        h.check_each(|f| {
            all.push(f);
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(
            all,
            [
                HookFault::RelativePath("relative".into()),
                HookFault::Timeout(0)
            ]
        );
        // check() stops at the first, with the field named.
        assert_eq!(
            h.check().unwrap_err(),
            "field `path` is \"relative\": a hook path must be absolute"
        );
    }

    #[test]
    fn marker_is_recognised_by_file_name() {
        assert!(is_marker_path("/usr/bin/container-hooks"));
        assert!(is_marker_path("/opt/x/container-hooks"));
        assert!(!is_marker_path("/usr/bin/container-hooks-runtime"));
    }

    #[test]
    fn set_keeps_spec_order_of_stages() {
        let h = |p: &str| Hook {
            path: p.into(),
            args: None,
            env: None,
            timeout: None,
        };
        let mut set = HookSet::new();
        set.push(Stage::Poststop, h("/a"));
        set.push(Stage::Prestart, h("/b"));
        set.push(Stage::Poststop, h("/c"));
        let stages: Vec<Stage> = set.iter().map(|(s, _)| s).collect();
        assert_eq!(stages, vec![Stage::Prestart, Stage::Poststop]);
        assert_eq!(set.stage(Stage::Poststop).len(), 2);
        assert_eq!(set.len(), 3);
    }
}

//! The `when` conditions of oci-hooks(5) files, decided from a
//! container's config.json alone.
//!
//! One evaluator, [`When::decide`], makes the decision for the shim and
//! the explanation for `ctk hooks preview`: the shim calls it with an
//! observer that records nothing, preview with one that records each
//! condition, so the two cannot disagree.
//!
//! The rules are those of containers/common (`pkg/hooks/1.0.0/when.go`),
//! which Podman and CRI-O use, in its order: `always`, `hasBindMounts`,
//! each `annotations` entry, then `commands`.
//!
//! - Version 1.0.0: every condition present must hold; the first that
//!   does not decides "no". The legacy 0.1.0 form: the first that holds
//!   decides "yes".
//! - A `when` with no condition never matches; `always: false` and
//!   `hasBindMounts: false` never hold.
//! - An `annotations` entry holds when some annotation's key matches the
//!   key regex and that annotation's value matches the value regex.
//! - `commands` holds when `process.args[0]` matches one of its regexes.
//!   Without `process` the condition is skipped (so `always` plus
//!   `commands` matches); with an empty `process.args` it is an error
//!   ("process.args must have at least one entry"), which fails the create
//!   as it fails in Podman.
//! - An empty `annotations` object or `commands` list is no condition.
//! - Regexes are Go's ([`crate::goregex`]), unanchored searches: write
//!   `^...$` to match the whole text. Each is checked when its file is
//!   read; a plain string is compared, not compiled.
//!
//! Where this module deliberately differs from containers/common:
//! containers/common is told by the engine whether the user asked for
//! bind mounts; this shim sees only config.json, so a bind mount counts
//! unless its destination is one that engines add by themselves
//! ([`ENGINE_BIND_MOUNTS`]).

use crate::goregex::{GoRegex, Plain};
use regex_automata::meta;
use serde::Serialize;
use serde_json::Value;
use std::sync::OnceLock;

/// Destinations of the bind mounts that engines add to every container (or
/// on their own flags) and that therefore do not count for `hasBindMounts`:
/// Docker, Podman, CRI-O and containerd's CRI plugin bind `/etc/resolv.conf`,
/// `/etc/hosts`, `/etc/hostname` and often `/dev/shm`; Podman adds
/// `/run/.containerenv`, `/etc/passwd`, `/etc/group` and `/run/secrets`
/// (mounts.conf), and its `--init` binary at `/run/podman-init`; Docker's
/// `--init` is `/sbin/docker-init`; Kubernetes (CRI-O, containerd CRI)
/// binds `/dev/termination-log`.
pub const ENGINE_BIND_MOUNTS: &[&str] = &[
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/hostname",
    "/dev/shm",
    "/run/.containerenv",
    "/etc/passwd",
    "/etc/group",
    "/run/secrets",
    "/run/podman-init",
    "/sbin/docker-init",
    "/dev/termination-log",
];

/// A regex from a hook file, parsed with Go's rules when the file is
/// read. A plain string (`^/bin/sh$`, `^io\.example\.verify$`) is
/// compared as a string and a pattern that matches every text (`.*`) is
/// not looked at; other small patterns are compiled the first time a
/// match needs them, large ones when read.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The regex as written.
    pub source: String,
    /// Where it is in the file, e.g. `when.commands[1]`.
    pub field: String,
    matcher: Matcher,
}

#[derive(Debug, Clone)]
enum Matcher {
    Plain(Plain),
    Everything,
    Regex {
        parsed: Box<GoRegex>,
        compiled: OnceLock<Result<meta::Regex, String>>,
    },
}

impl Pattern {
    /// Parses `source` as Go's `regexp.Compile` does; the fault names the
    /// field, the regex, Go's reason and the position.
    pub fn new(source: impl Into<String>, field: impl Into<String>) -> Result<Pattern, String> {
        let source = source.into();
        let field = field.into();
        let parsed = GoRegex::parse(&source)
            .map_err(|e| format!("field `{field}`: invalid regex {source:?}: {e}"))?;
        let matcher = if let Some(plain) = parsed.plain() {
            Matcher::Plain(plain)
        } else if parsed.matches_everything() {
            Matcher::Everything
        } else {
            let compiled = OnceLock::new();
            if !parsed.is_small() {
                let result = parsed.compile();
                if let Err(e) = &result {
                    return Err(format!("field `{field}`: invalid regex {source:?}: {e}"));
                }
                let _ = compiled.set(result);
            }
            Matcher::Regex {
                parsed: Box::new(parsed),
                compiled,
            }
        };
        Ok(Pattern {
            source,
            field,
            matcher,
        })
    }

    /// Whether the regex matches somewhere in `text`. Fails only if a
    /// deferred compile fails, which the size check when reading rules
    /// out.
    pub fn is_match(&self, text: &str) -> Result<bool, String> {
        match &self.matcher {
            Matcher::Plain(p) => Ok(p.is_match(text)),
            Matcher::Everything => Ok(true),
            Matcher::Regex { .. } => Ok(self.compiled()?.is_match(text)),
        }
    }

    /// Compiles the regex if it needs compiling; the fault names the field.
    pub fn check(&self) -> Result<(), String> {
        match &self.matcher {
            Matcher::Regex { .. } => self.compiled().map(|_| ()),
            _ => Ok(()),
        }
    }

    fn compiled(&self) -> Result<&meta::Regex, String> {
        let Matcher::Regex { parsed, compiled } = &self.matcher else {
            return Err(format!("field `{}`: not a compiled regex", self.field));
        };
        compiled
            .get_or_init(|| parsed.compile())
            .as_ref()
            .map_err(|e| {
                format!(
                    "field `{}`: invalid regex {:?}: {e}",
                    self.field, self.source
                )
            })
    }

    /// Whether the regex is compared as a plain string.
    pub fn is_plain(&self) -> bool {
        matches!(self.matcher, Matcher::Plain(_))
    }

    /// Whether a compiled regex exists (for tests of laziness).
    pub fn is_compiled(&self) -> bool {
        match &self.matcher {
            Matcher::Regex { compiled, .. } => compiled.get().is_some(),
            _ => false,
        }
    }

    /// Whether the regex is tied to both ends of the text, by `^`/`$` or a
    /// deliberate `.*`. An unanchored regex matches any text that contains
    /// a match, which is rarely what was meant.
    pub fn is_anchored(&self) -> bool {
        let s = strip_flags(&self.source);
        let start = s.starts_with('^') || s.starts_with("\\A") || s.starts_with(".*");
        let end = (s.ends_with('$') && !s.ends_with("\\$"))
            || s.ends_with("\\z")
            || (s.ends_with(".*") && !s.ends_with("\\.*"));
        start && end
    }
}

/// Leading inline flags such as `(?i)`.
fn strip_flags(s: &str) -> &str {
    let mut s = s;
    while let Some(rest) = s.strip_prefix("(?") {
        match rest.find(')') {
            Some(i)
                if rest[..i]
                    .chars()
                    .all(|c| c.is_ascii_alphabetic() || c == '-') =>
            {
                s = &rest[i + 1..];
            }
            _ => break,
        }
    }
    s
}

/// How the conditions of a `when` combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Combine {
    /// Version 1.0.0: every condition present must hold.
    #[default]
    All,
    /// Version 0.1.0: one condition that holds is enough.
    Any,
}

/// One `annotations` entry: a key regex and a value regex.
#[derive(Debug, Clone)]
pub struct AnnotationRule {
    pub key: Pattern,
    pub value: Pattern,
}

/// The conditions of one hook file.
#[derive(Debug, Clone, Default)]
pub struct When {
    pub always: Option<bool>,
    pub has_bind_mounts: Option<bool>,
    pub annotations: Vec<AnnotationRule>,
    pub commands: Vec<Pattern>,
    pub combine: Combine,
}

/// What the conditions look at in one config.json, worked out once per
/// container.
#[derive(Debug, Clone, Default)]
pub struct Facts<'a> {
    /// `annotations`, string values only, in file order.
    pub annotations: Vec<(&'a str, &'a str)>,
    /// `process.args[0]`; `None` without `process` or with empty args
    /// (an `args[0]` of `null` is the empty string, as Go reads it).
    pub command: Option<&'a str>,
    /// Whether config.json has a `process` object.
    pub has_process: bool,
    /// Destinations of the bind mounts that count for `hasBindMounts`.
    pub bind_mounts: Vec<String>,
}

impl<'a> Facts<'a> {
    /// Reads the facts out of config.json's condition view
    /// ([`crate::inject::Spec::condition_view`]): `process.args`,
    /// `annotations` and `mounts`.
    pub fn of(spec: &'a Value) -> Facts<'a> {
        let annotations = spec
            .get("annotations")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v)))
                    .collect()
            })
            .unwrap_or_default();
        let process = spec.get("process").filter(|p| p.is_object());
        let command = process
            .and_then(|p| p.get("args"))
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .map(|a| a.as_str().unwrap_or(""));
        Facts {
            annotations,
            command,
            has_process: process.is_some(),
            bind_mounts: user_bind_mounts(spec),
        }
    }

    pub fn has_bind_mounts(&self) -> bool {
        !self.bind_mounts.is_empty()
    }
}

/// The destinations of config.json's bind mounts that an engine did not
/// add by itself, in file order. A mount is a bind mount when its `type` is
/// `bind` or its options hold `bind` or `rbind` (as runc decides).
pub fn user_bind_mounts(spec: &Value) -> Vec<String> {
    let Some(mounts) = spec.get("mounts").and_then(Value::as_array) else {
        return Vec::new();
    };
    mounts
        .iter()
        .filter(|m| is_bind(m))
        .filter_map(|m| m.get("destination").and_then(Value::as_str))
        .map(clean_destination)
        .filter(|d| !ENGINE_BIND_MOUNTS.contains(&d.as_str()))
        .collect()
}

fn is_bind(mount: &Value) -> bool {
    if mount.get("type").and_then(Value::as_str) == Some("bind") {
        return true;
    }
    mount
        .get("options")
        .and_then(Value::as_array)
        .is_some_and(|o| {
            o.iter()
                .any(|x| matches!(x.as_str(), Some("bind" | "rbind")))
        })
}

/// A destination as an absolute path without `.`, empty components or a
/// trailing slash (runc takes a relative destination as relative to `/`).
fn clean_destination(dest: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in dest.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The result of one condition, for `ctk hooks preview`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckResult {
    Holds,
    Fails,
    /// The decision was made by an earlier condition.
    NotChecked,
    /// Go skips `commands` when config.json has no `process`.
    Skipped,
    /// The condition cannot be decided: the create fails.
    Error,
}

/// One condition and its result, for `ctk hooks preview`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The condition as the file states it, e.g. `commands ~ "^/bin/sh$"`.
    pub condition: String,
    /// What config.json has, e.g. `process.args[0] = "/bin/sh"`.
    pub found: String,
    pub result: CheckResult,
}

/// Every condition of a `when` with its result, and the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub combine: Combine,
    pub checks: Vec<Check>,
    pub matches: bool,
    /// Why the conditions cannot be decided (the create then fails).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Receives each condition as [`When::decide`] meets it.
pub trait Observer {
    /// Whether checks are wanted at all (the shim's observer says no, so
    /// nothing is formatted).
    const RECORDS: bool;
    fn record(&mut self, check: Check);
    /// The checks kept.
    fn into_checks(self) -> Vec<Check>
    where
        Self: Sized,
    {
        Vec::new()
    }
}

/// The shim's observer: records nothing.
#[derive(Default)]
pub struct Silent;

impl Observer for Silent {
    const RECORDS: bool = false;
    fn record(&mut self, _check: Check) {}
}

/// Preview's observer: keeps every check.
#[derive(Default)]
pub struct Recorder {
    pub checks: Vec<Check>,
}

impl Observer for Recorder {
    const RECORDS: bool = true;
    fn record(&mut self, check: Check) {
        self.checks.push(check);
    }
    fn into_checks(self) -> Vec<Check> {
        self.checks
    }
}

/// What a condition saw, turned into text only when recording.
enum Seen<'a> {
    Fixed,
    BindMounts,
    Annotation(&'a str, &'a str),
    NoAnnotationMatches,
    Command(&'a str),
    NoProcess,
    EmptyArgs,
    Broken,
}

/// The decision so far: Go's `Match`, one condition at a time.
struct Progress {
    any: bool,
    matched: bool,
    decision: Option<Result<bool, String>>,
}

impl Progress {
    fn take(&mut self, result: Result<bool, String>) {
        match result {
            Err(e) => self.decision = Some(Err(e)),
            Ok(true) if self.any => self.decision = Some(Ok(true)),
            Ok(true) => self.matched = true,
            Ok(false) if !self.any => self.decision = Some(Ok(false)),
            Ok(false) => {}
        }
    }
}

impl When {
    /// Whether no condition is present (such a `when` never matches).
    pub fn is_empty(&self) -> bool {
        self.always.is_none()
            && self.has_bind_mounts.is_none()
            && self.annotations.is_empty()
            && self.commands.is_empty()
    }

    /// Every regex of these conditions, in file order.
    pub fn patterns(&self) -> impl Iterator<Item = &Pattern> {
        self.annotations
            .iter()
            .flat_map(|a| [&a.key, &a.value])
            .chain(self.commands.iter())
    }

    /// The conditions as written, in the order they are decided.
    pub fn conditions(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(a) = self.always {
            out.push(always_text(a));
        }
        if let Some(b) = self.has_bind_mounts {
            out.push(bind_text(b));
        }
        for rule in &self.annotations {
            out.push(annotation_text(rule));
        }
        if !self.commands.is_empty() {
            out.push(commands_text(&self.commands));
        }
        out
    }

    /// Whether the conditions hold for a container: the shim's decision.
    pub fn matches(&self, facts: &Facts<'_>) -> Result<bool, String> {
        self.decide(facts, &mut Silent)
    }

    /// The same decision, with every condition and its result.
    pub fn explain(&self, facts: &Facts<'_>) -> Explanation {
        self.explain_with::<Recorder>(facts)
    }

    /// The decision as an explanation, with the checks a fresh `O` keeps
    /// (none for [`Silent`]).
    pub fn explain_with<O: Observer + Default>(&self, facts: &Facts<'_>) -> Explanation {
        let mut observer = O::default();
        let decision = self.decide(facts, &mut observer);
        Explanation {
            combine: self.combine,
            checks: observer.into_checks(),
            matches: decision == Ok(true),
            error: decision.err(),
        }
    }

    /// The one evaluator: decides, in Go's order, telling `observer` about
    /// each condition (conditions after the decision are "not checked").
    pub fn decide<O: Observer>(&self, facts: &Facts<'_>, observer: &mut O) -> Result<bool, String> {
        let mut p = Progress {
            any: self.combine == Combine::Any,
            matched: false,
            decision: None,
        };
        if let Some(always) = self.always {
            step(
                &mut p,
                observer,
                facts,
                || always_text(always),
                || (Ok(always), Seen::Fixed),
            );
        }
        if let Some(wanted) = self.has_bind_mounts {
            step(
                &mut p,
                observer,
                facts,
                || bind_text(wanted),
                || (Ok(wanted && facts.has_bind_mounts()), Seen::BindMounts),
            );
        }
        for rule in &self.annotations {
            step(
                &mut p,
                observer,
                facts,
                || annotation_text(rule),
                || match annotation_holds(rule, facts) {
                    Ok(Some((k, v))) => (Ok(true), Seen::Annotation(k, v)),
                    Ok(None) => (Ok(false), Seen::NoAnnotationMatches),
                    Err(e) => (Err(e), Seen::Broken),
                },
            );
        }
        if !self.commands.is_empty() {
            if facts.has_process {
                step(
                    &mut p,
                    observer,
                    facts,
                    || commands_text(&self.commands),
                    || commands_hold(&self.commands, facts),
                );
            } else if O::RECORDS {
                let result = if p.decision.is_some() {
                    CheckResult::NotChecked
                } else {
                    CheckResult::Skipped
                };
                observer.record(Check {
                    condition: commands_text(&self.commands),
                    found: found_text(&Seen::NoProcess, facts),
                    result,
                });
            }
        }
        p.decision.unwrap_or(Ok(p.matched))
    }
}

/// Decides one condition unless the decision is made, and tells the
/// observer.
fn step<'f, O: Observer>(
    p: &mut Progress,
    observer: &mut O,
    facts: &Facts<'f>,
    condition: impl FnOnce() -> String,
    evaluate: impl FnOnce() -> (Result<bool, String>, Seen<'f>),
) {
    if p.decision.is_some() {
        if O::RECORDS {
            observer.record(Check {
                condition: condition(),
                found: "-".to_string(),
                result: CheckResult::NotChecked,
            });
        }
        return;
    }
    let (result, seen) = evaluate();
    if O::RECORDS {
        let check_result = match &result {
            Ok(true) => CheckResult::Holds,
            Ok(false) => CheckResult::Fails,
            Err(_) => CheckResult::Error,
        };
        let found = match &result {
            Err(e) => format!("{} ({e})", found_text(&seen, facts)),
            Ok(_) => found_text(&seen, facts),
        };
        observer.record(Check {
            condition: condition(),
            found,
            result: check_result,
        });
    }
    p.take(result);
}

fn always_text(a: bool) -> String {
    format!("always = {a}")
}

fn bind_text(b: bool) -> String {
    format!("hasBindMounts = {b}")
}

fn annotation_text(rule: &AnnotationRule) -> String {
    format!(
        "annotations {:?} ~ {:?}",
        rule.key.source, rule.value.source
    )
}

fn commands_text(commands: &[Pattern]) -> String {
    let list: Vec<String> = commands.iter().map(|p| format!("{:?}", p.source)).collect();
    format!("commands ~ {}", list.join(" | "))
}

fn found_text(seen: &Seen<'_>, facts: &Facts<'_>) -> String {
    match seen {
        Seen::Fixed | Seen::Broken => "-".to_string(),
        Seen::BindMounts if facts.bind_mounts.is_empty() => {
            "no bind mount besides those engines add".to_string()
        }
        Seen::BindMounts => format!("bind mounts at {}", facts.bind_mounts.join(", ")),
        Seen::Annotation(k, v) => format!("annotation {k:?} = {v:?}"),
        Seen::NoAnnotationMatches if facts.annotations.is_empty() => "no annotations".to_string(),
        Seen::NoAnnotationMatches => "no annotation matches".to_string(),
        Seen::Command(c) => format!("process.args[0] = {c:?}"),
        Seen::NoProcess => "no process: the condition is skipped".to_string(),
        Seen::EmptyArgs => "process.args is empty".to_string(),
    }
}

fn commands_hold<'f>(commands: &[Pattern], facts: &Facts<'f>) -> (Result<bool, String>, Seen<'f>) {
    let Some(command) = facts.command else {
        return (
            Err("process.args must have at least one entry".to_string()),
            Seen::EmptyArgs,
        );
    };
    for pattern in commands {
        match pattern.is_match(command) {
            Ok(true) => return (Ok(true), Seen::Command(command)),
            Ok(false) => {}
            Err(e) => return (Err(e), Seen::Command(command)),
        }
    }
    (Ok(false), Seen::Command(command))
}

/// The first annotation whose key and value match the rule.
fn annotation_holds<'a>(
    rule: &AnnotationRule,
    facts: &Facts<'a>,
) -> Result<Option<(&'a str, &'a str)>, String> {
    for &(key, value) in &facts.annotations {
        if rule.key.is_match(key)? && rule.value.is_match(value)? {
            return Ok(Some((key, value)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pattern(p: &str) -> Pattern {
        Pattern::new(p, "f").unwrap()
    }

    #[test]
    fn anchoring_is_recognised() {
        for (p, anchored) in [
            ("^/bin/sh$", true),
            (".*/init$", true),
            ("(?i)^a$", true),
            ("^a.*", true),
            ("sh", false),
            ("^sh", false),
            ("sh$", false),
            ("^a\\$", false),
            ("\\Aa\\z", true),
        ] {
            assert_eq!(pattern(p).is_anchored(), anchored, "{p}");
        }
    }

    #[test]
    fn regex_errors_are_one_line_and_name_the_field() {
        let err = Pattern::new("[", "when.commands[0]").unwrap_err();
        assert_eq!(
            err,
            "field `when.commands[0]`: invalid regex \"[\": missing closing ]: `[` at character 1"
        );
        let err = Pattern::new(r"\pL{1000}", "when.commands[0]").unwrap_err();
        assert!(err.contains("size limit"), "{err}");
    }

    #[test]
    fn plain_strings_are_not_compiled_and_others_only_when_needed() {
        let p = pattern("^/bin/sh$");
        assert!(p.is_plain());
        assert!(p.is_match("/bin/sh").unwrap());
        assert!(!p.is_compiled());
        let e = pattern(".*");
        assert!(e.is_match("").unwrap());
        assert!(!e.is_compiled());
        let r = pattern("^/bin/(ba)?sh$");
        assert!(!r.is_compiled());
        assert!(r.is_match("/bin/bash").unwrap());
        assert!(r.is_compiled());
    }

    fn when(always: Option<bool>, binds: Option<bool>, commands: &[&str], any: bool) -> When {
        When {
            always,
            has_bind_mounts: binds,
            annotations: Vec::new(),
            commands: commands.iter().map(|c| pattern(c)).collect(),
            combine: if any { Combine::Any } else { Combine::All },
        }
    }

    #[test]
    fn decision_and_explanation_agree_in_go_order() {
        let spec = json!({"process": {"args": ["/bin/sh"]}, "mounts": [{"destination": "/data", "type": "bind"}]});
        let empty_args = json!({"process": {"args": []}});
        let no_process = json!({});
        for (w, spec, want) in [
            (
                when(Some(true), None, &["^/bin/sh$"], false),
                &spec,
                Ok(true),
            ),
            (
                when(Some(false), None, &["^/bin/sh$"], false),
                &spec,
                Ok(false),
            ),
            (
                when(Some(true), None, &["^/bin/sh$"], false),
                &no_process,
                Ok(true),
            ),
            (
                when(None, None, &["^/bin/sh$"], false),
                &no_process,
                Ok(false),
            ),
            (
                when(Some(false), None, &["x"], false),
                &empty_args,
                Ok(false),
            ),
            (
                when(Some(true), None, &["x"], false),
                &empty_args,
                Err("process.args must have at least one entry".to_string()),
            ),
            // 0.1.0: hasbindmounts decides before the commands are looked at.
            (when(None, Some(true), &["x"], true), &spec, Ok(true)),
            (
                when(None, Some(true), &["x"], true),
                &empty_args,
                Err("process.args must have at least one entry".to_string()),
            ),
            (when(None, None, &[], false), &spec, Ok(false)),
            (when(Some(false), None, &[], true), &spec, Ok(false)),
            (when(None, Some(false), &[], false), &spec, Ok(false)),
        ] {
            let facts = Facts::of(spec);
            let decided = w.matches(&facts);
            let e = w.explain(&facts);
            assert_eq!(decided, want);
            assert_eq!(e.matches, decided == Ok(true));
            assert_eq!(e.error, decided.clone().err());
            assert_eq!(e.checks.len(), w.conditions().len());
        }
    }

    #[test]
    fn conditions_after_the_decision_are_not_checked() {
        let w = when(Some(false), Some(true), &["sh"], false);
        let spec = json!({"process": {"args": ["sh"]}});
        let e = w.explain(&Facts::of(&spec));
        let results: Vec<CheckResult> = e.checks.iter().map(|c| c.result).collect();
        assert_eq!(
            results,
            [
                CheckResult::Fails,
                CheckResult::NotChecked,
                CheckResult::NotChecked
            ]
        );
    }

    #[test]
    fn destinations_are_cleaned() {
        assert_eq!(clean_destination("/etc//hosts/"), "/etc/hosts");
        assert_eq!(clean_destination("etc/hosts"), "/etc/hosts");
        assert_eq!(clean_destination("/dev/./shm"), "/dev/shm");
        assert_eq!(clean_destination("/"), "/");
    }

    #[test]
    fn bind_mounts_by_type_or_option() {
        let spec = json!({"mounts": [
            {"destination": "/a", "type": "bind", "source": "/x"},
            {"destination": "/b", "type": "none", "source": "/x", "options": ["rbind", "ro"]},
            {"destination": "/c", "type": "tmpfs", "source": "tmpfs"},
            {"destination": "/etc/hosts/", "type": "bind", "source": "/h"},
        ]});
        assert_eq!(user_bind_mounts(&spec), vec!["/a", "/b"]);
    }

    #[test]
    fn a_null_first_argument_is_the_empty_string() {
        let spec = json!({"process": {"args": [null, "x"]}});
        assert_eq!(Facts::of(&spec).command, Some(""));
    }
}
